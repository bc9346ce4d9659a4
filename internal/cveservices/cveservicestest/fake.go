// Package cveservicestest provides a stateful fake of CVE Services (an
// httptest server) that speaks the API of its OpenAPI document and enforces
// its rules, for tests of the cveservices client and of everything above it.
//
// Rules it enforces: the three CVE-API-* headers must name a known user of
// an organisation with the right key (401 otherwise); an organisation may
// hold at most its quota of RESERVED IDs (403 EXCEEDED_ID_QUOTA, or 206 with
// the IDs it could reserve when the year's range runs out); an ID moves
// RESERVED -> PUBLISHED (POST /cve/{id}/cna) -> REJECTED (PUT
// /cve/{id}/reject, a rejection record) or RESERVED -> REJECTED (POST
// /cve/{id}/reject or PUT /cve-id/{id}?state=REJECTED), and never back to
// RESERVED; a PUBLISHED ID is rejected only by a rejection record; every
// published or rejected container is validated against the official CVE
// JSON 5.1 container schemas in ../shared/testdata (400 INVALID_JSON_SCHEMA
// with the problems); unknown IDs are 404, another organisation's 403.
// Injected failures (Fail) answer the next requests with 429 or 5xx.
package cveservicestest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/vigil-psirt/vigil/internal/sharedtest"
)

// Default account of a new fake.
const (
	Org   = "acme"
	OrgID = "b3476cb9-2e3d-41a6-98d0-0f47421a65b6"
	User  = "psirt@acme.example"
	Key   = "fake-api-key-acme"
)

// Other is a second organisation with its own user (OtherUser, OtherKey),
// whose IDs the default account may not touch.
const (
	OtherOrg   = "other"
	OtherOrgID = "7c0f5b8e-3a5d-4c1e-9a5b-2f1d3e4c5b6a"
	OtherUser  = "cna@other.example"
	OtherKey   = "fake-api-key-other"
)

type org struct {
	short, uuid string
	quota       int
}

type idEntry struct {
	id, year, owner string
	state           string
	user            string
	reserved        time.Time
	modified        time.Time
	record          map[string]any // nil until a record is created
}

// Fail is an injected failure: the next Times requests get Status.
type Fail struct {
	Status int
	Times  int
	// Reset is the RateLimit-Reset header of a 429, in seconds.
	Reset int
}

// Fake is the server.
type Fake struct {
	*httptest.Server
	// Now is the fake's clock (default time.Now).
	Now func() time.Time
	// PageSize is the itemsPerPage of GET /cve-id (default 500, as the service).
	PageSize int
	// YearRange is how many IDs a year has in all (default 100000); a
	// reservation beyond it gets 206 with what was left.
	YearRange int

	published, rejected *jsonschema.Schema

	mu       sync.Mutex
	orgs     map[string]*org
	keys     map[[2]string]string // (org, user) -> key
	ids      map[string]*idEntry
	next     map[string]int // year -> next number
	fails    []Fail
	requests []string
}

// New starts a fake with the default organisation (quota quota) and the
// Other organisation (quota 10). It validates records against the CVE
// schemas of ../shared/testdata; where they are absent (never in CI) it
// accepts every record, and Validates reports false so that tests of the
// validation skip.
func New(tb testing.TB, quota int) *Fake {
	tb.Helper()
	f := &Fake{
		Now: time.Now, PageSize: 500, YearRange: 100000,
		orgs: map[string]*org{
			Org:      {short: Org, uuid: OrgID, quota: quota},
			OtherOrg: {short: OtherOrg, uuid: OtherOrgID, quota: 10},
		},
		keys: map[[2]string]string{{Org, User}: Key, {OtherOrg, OtherUser}: OtherKey},
		ids:  map[string]*idEntry{},
		next: map[string]int{},
	}
	dir := filepath.Join(sharedtest.Root(tb), "..", "shared", "testdata", "cve5-cve-services", "src", "middleware", "schemas")
	if _, err := os.Stat(dir); err == nil || os.Getenv("CI") == "true" {
		f.published = compile(tb, filepath.Join(dir, "5.1_published_cna_container.json"))
		f.rejected = compile(tb, filepath.Join(dir, "5.1_rejected_cna_container.json"))
	} else {
		tb.Logf("cveservicestest: the CVE schemas (../shared/testdata) are absent: records are not validated")
	}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	tb.Cleanup(f.Close)
	return f
}

func compile(tb testing.TB, path string) *jsonschema.Schema {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		tb.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	url := "file:///" + filepath.Base(path)
	if err := c.AddResource(url, doc); err != nil {
		tb.Fatal(err)
	}
	s, err := c.Compile(url)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// Validates reports whether the fake checks records against the schemas.
func (f *Fake) Validates() bool { return f.published != nil }

// SetPageSize changes the itemsPerPage of GET /cve-id.
func (f *Fake) SetPageSize(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.PageSize = n
}

// SetYearRange changes how many IDs a year has in all.
func (f *Fake) SetYearRange(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.YearRange = n
}

// SetQuota changes an organisation's ID quota.
func (f *Fake) SetQuota(short string, quota int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.orgs[short].quota = quota
}

// FailNext makes the next requests fail as fl says.
func (f *Fake) FailNext(fl Fail) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fails = append(f.fails, fl)
}

// State is an ID's state ("" if unknown).
func (f *Fake) State(id string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if e := f.ids[id]; e != nil {
		return e.state
	}
	return ""
}

// Record returns the stored record of an ID as JSON (nil if none).
func (f *Fake) Record(id string) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	e := f.ids[id]
	if e == nil || e.record == nil {
		return nil
	}
	b, _ := json.Marshal(e.record)
	return b
}

// Requests lists "METHOD /path" of every request served, in order.
func (f *Fake) Requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.requests)
}

// Reserved counts the RESERVED IDs of an organisation.
func (f *Fake) Reserved(short string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reservedLocked(short)
}

func (f *Fake) reservedLocked(short string) int {
	n := 0
	for _, e := range f.ids {
		if e.owner == short && e.state == "RESERVED" {
			n++
		}
	}
	return n
}

// apiError is the documented error body.
type apiError struct {
	Error   string           `json:"error"`
	Message string           `json:"message"`
	Details []map[string]any `json:"details,omitempty"`
}

func write(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, status int, name, msg string) {
	write(w, status, apiError{Error: name, Message: msg})
}

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r.Method+" "+r.URL.Path)
	if len(f.fails) > 0 {
		fl := &f.fails[0]
		fl.Times--
		status, reset := fl.Status, fl.Reset
		if fl.Times <= 0 {
			f.fails = f.fails[1:]
		}
		if status == http.StatusTooManyRequests {
			w.Header().Set("RateLimit-Limit", "1000")
			w.Header().Set("RateLimit-Remaining", "0")
			w.Header().Set("RateLimit-Reset", strconv.Itoa(reset))
			fail(w, status, "TOO_MANY_REQUESTS", "Too many requests, please try again later.")
			return
		}
		fail(w, status, "SERVICE_UNAVAILABLE", "The service failed.")
		return
	}
	o, user, ok := f.auth(r)
	if !ok {
		fail(w, http.StatusUnauthorized, "UNAUTHORIZED", "Unauthorized")
		return
	}
	path := r.URL.Path
	switch {
	case r.Method == http.MethodPost && path == "/cve-id":
		f.reserve(w, r, o, user)
	case r.Method == http.MethodGet && path == "/cve-id":
		f.list(w, r, o)
	case strings.HasPrefix(path, "/cve-id/") && r.Method == http.MethodGet:
		f.getID(w, o, strings.TrimPrefix(path, "/cve-id/"))
	case strings.HasPrefix(path, "/cve-id/") && r.Method == http.MethodPut:
		f.putID(w, r, o, strings.TrimPrefix(path, "/cve-id/"))
	case strings.HasPrefix(path, "/cve/"):
		id, what, _ := strings.Cut(strings.TrimPrefix(path, "/cve/"), "/")
		f.cve(w, r, o, user, id, what)
	case r.Method == http.MethodGet && strings.HasPrefix(path, "/org/") && strings.HasSuffix(path, "/id_quota"):
		f.quota(w, o, strings.TrimSuffix(strings.TrimPrefix(path, "/org/"), "/id_quota"))
	default:
		fail(w, http.StatusNotFound, "NOT_FOUND", "no such route")
	}
}

func (f *Fake) auth(r *http.Request) (*org, string, bool) {
	short, user, key := r.Header.Get("CVE-API-ORG"), r.Header.Get("CVE-API-USER"), r.Header.Get("CVE-API-KEY")
	want, ok := f.keys[[2]string{short, user}]
	if !ok || key != want {
		return nil, "", false
	}
	return f.orgs[short], user, true
}

func (f *Fake) now() time.Time { return f.Now().UTC().Truncate(time.Millisecond) }

func badInput(w http.ResponseWriter, param, location, msg string) {
	write(w, http.StatusBadRequest, apiError{Error: "BAD_INPUT", Message: "Parameters were invalid",
		Details: []map[string]any{{"msg": msg, "param": param, "location": location}}})
}

func (f *Fake) reserve(w http.ResponseWriter, r *http.Request, o *org, user string) {
	q := r.URL.Query()
	amount, err := strconv.Atoi(q.Get("amount"))
	if err != nil || amount < 1 {
		badInput(w, "amount", "query", "Invalid value")
		return
	}
	year, err := strconv.Atoi(q.Get("cve_year"))
	if err != nil || year < 1999 || year > f.now().Year()+1 {
		badInput(w, "cve_year", "query", "Invalid value")
		return
	}
	short := q.Get("short_name")
	if short == "" {
		badInput(w, "short_name", "query", "Invalid value")
		return
	}
	batch := q.Get("batch_type")
	if amount > 1 && !slices.Contains([]string{"sequential", "non-sequential", "nonsequential"}, batch) {
		badInput(w, "batch_type", "query", "batch_type is required when amount is greater than one")
		return
	}
	if short != o.short {
		if f.orgs[short] == nil {
			fail(w, http.StatusNotFound, "ORG_DNE_PARAM", "The '"+short+"' organization designated by the short_name parameter does not exist.")
			return
		}
		fail(w, http.StatusForbidden, "NOT_SAME_ORG_OR_SECRETARIAT", "This information can only be viewed or modified by the Secretariat or a user from the same organization.")
		return
	}
	avail := o.quota - f.reservedLocked(o.short)
	if amount > avail {
		fail(w, http.StatusForbidden, "EXCEEDED_ID_QUOTA", fmt.Sprintf("The amount of CVE IDs requested (%d) exceeds the remaining quota (%d) of the organization.", amount, avail))
		return
	}
	now := f.now()
	y := strconv.Itoa(year)
	var out []map[string]any
	for range amount {
		n := f.next[y]
		if n >= f.YearRange {
			break
		}
		step := 1
		if batch != "sequential" && amount > 1 {
			step = 3 // non-sequential: gaps between the IDs
		}
		f.next[y] = n + step
		e := &idEntry{id: fmt.Sprintf("CVE-%d-%d", year, 1000+n), year: y, owner: o.short, state: "RESERVED",
			user: user, reserved: now, modified: now}
		f.ids[e.id] = e
		out = append(out, f.idJSON(e, o))
	}
	body := map[string]any{"cve_ids": out, "meta": map[string]any{"remaining_quota": o.quota - f.reservedLocked(o.short)}}
	if len(out) < amount {
		body["error"], body["message"] = "NO_MORE_CVE_IDS", "The year's range of CVE IDs ran out."
		body["details"] = map[string]any{"amount_reserved": len(out)}
		write(w, http.StatusPartialContent, body)
		return
	}
	write(w, http.StatusOK, body)
}

// idJSON renders an ID for caller o: full for the owner, partial (the
// owner of a RESERVED ID redacted) for others.
func (f *Fake) idJSON(e *idEntry, o *org) map[string]any {
	m := map[string]any{"cve_id": e.id, "cve_year": e.year, "state": e.state}
	if e.owner == o.short {
		m["owning_cna"] = e.owner
		m["requested_by"] = map[string]any{"cna": e.owner, "user": e.user}
		m["reserved"] = e.reserved.Format(time.RFC3339Nano)
		m["time"] = map[string]any{"created": e.reserved.Format(time.RFC3339Nano), "modified": e.modified.Format(time.RFC3339Nano)}
	} else if e.state != "RESERVED" {
		m["owning_cna"] = e.owner
	}
	return m
}

func (f *Fake) list(w http.ResponseWriter, r *http.Request, o *org) {
	q := r.URL.Query()
	state := q.Get("state")
	if state != "" && !slices.Contains([]string{"RESERVED", "PUBLISHED", "REJECTED"}, state) {
		badInput(w, "state", "query", "Invalid value")
		return
	}
	page := 1
	if p := q.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			badInput(w, "page", "query", "Invalid value")
			return
		}
		page = n
	}
	var sel []*idEntry
	for _, id := range slices.Sorted(maps.Keys(f.ids)) {
		e := f.ids[id]
		if e.owner != o.short || state != "" && e.state != state || q.Get("cve_id_year") != "" && e.year != q.Get("cve_id_year") {
			continue
		}
		sel = append(sel, e)
	}
	per := f.PageSize
	pages := max(1, (len(sel)+per-1)/per)
	body := map[string]any{"totalCount": len(sel), "itemsPerPage": per, "pageCount": pages, "currentPage": page}
	if page > 1 {
		body["prevPage"] = page - 1
	}
	if page < pages {
		body["nextPage"] = page + 1
	}
	out := []map[string]any{}
	for i := (page - 1) * per; i < min(len(sel), page*per); i++ {
		out = append(out, f.idJSON(sel[i], o))
	}
	body["cve_ids"] = out
	write(w, http.StatusOK, body)
}

func (f *Fake) getID(w http.ResponseWriter, o *org, id string) {
	e := f.ids[id]
	if e == nil {
		fail(w, http.StatusNotFound, "CVEID_NOT_FOUND", "The CVE ID "+id+" does not exist.")
		return
	}
	write(w, http.StatusOK, f.idJSON(e, o))
}

// putID is PUT /cve-id/{id}?state=RESERVED|REJECTED: the only move it
// allows is RESERVED -> REJECTED of an ID without a record.
func (f *Fake) putID(w http.ResponseWriter, r *http.Request, o *org, id string) {
	e := f.ids[id]
	if e == nil {
		fail(w, http.StatusNotFound, "CVEID_NOT_FOUND", "The CVE ID "+id+" does not exist.")
		return
	}
	if e.owner != o.short {
		fail(w, http.StatusForbidden, "NOT_SAME_ORG_OR_SECRETARIAT", "This information can only be viewed or modified by the Secretariat or a user from the same organization.")
		return
	}
	state := r.URL.Query().Get("state")
	switch {
	case !slices.Contains([]string{"RESERVED", "REJECTED"}, state): // the document's enum: PUBLISHED only by a record
		badInput(w, "state", "query", "Invalid value")
	case state == "RESERVED" && e.state != "RESERVED":
		fail(w, http.StatusForbidden, "CVEID_CANNOT_RETURN_TO_RESERVED", "A "+e.state+" CVE ID never returns to RESERVED.")
	case state == "REJECTED" && e.state == "PUBLISHED":
		fail(w, http.StatusForbidden, "CVEID_REJECTED_BY_RECORD_ONLY", "A PUBLISHED CVE ID is REJECTED only by a rejection record (PUT /cve/{id}/reject).")
	default:
		if e.state != state {
			e.state, e.modified = state, f.now()
		}
		write(w, http.StatusOK, map[string]any{"message": id + " was successfully updated.", "updated": f.idJSON(e, o)})
	}
}

func (f *Fake) quota(w http.ResponseWriter, o *org, short string) {
	target := f.orgs[short]
	if target == nil {
		fail(w, http.StatusNotFound, "ORG_DNE_PARAM", "The '"+short+"' organization does not exist.")
		return
	}
	if target != o {
		fail(w, http.StatusForbidden, "NOT_SAME_ORG_OR_SECRETARIAT", "This information can only be viewed or modified by the Secretariat or a user from the same organization.")
		return
	}
	n := f.reservedLocked(o.short)
	write(w, http.StatusOK, map[string]any{"id_quota": o.quota, "total_reserved": n, "available": o.quota - n})
}

// maxBody bounds a record the fake accepts (the service's limit is larger;
// vigil's records are a few kilobytes).
const maxBody = 4 << 20

func (f *Fake) cve(w http.ResponseWriter, r *http.Request, o *org, user, id, what string) {
	e := f.ids[id]
	if what == "" && r.Method == http.MethodGet {
		if e == nil || e.record == nil {
			fail(w, http.StatusNotFound, "CVE_RECORD_DNE", "The CVE record for "+id+" does not exist.")
			return
		}
		write(w, http.StatusOK, e.record)
		return
	}
	if what != "cna" && what != "reject" || r.Method != http.MethodPost && r.Method != http.MethodPut {
		fail(w, http.StatusNotFound, "NOT_FOUND", "no such route")
		return
	}
	if e == nil {
		fail(w, http.StatusNotFound, "CVEID_NOT_FOUND", "The CVE ID "+id+" does not exist.")
		return
	}
	if e.owner != o.short {
		fail(w, http.StatusForbidden, "NOT_SAME_ORG_OR_SECRETARIAT", "This information can only be viewed or modified by the Secretariat or a user from the same organization.")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		badInput(w, "body", "body", "too large or unreadable")
		return
	}
	var req struct {
		CNAContainer map[string]any `json:"cnaContainer"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.CNAContainer == nil {
		badInput(w, "cnaContainer", "body", "a JSON object {\"cnaContainer\": {...}} is required")
		return
	}
	// State rules first, as the service checks them before the schema.
	create, schema := r.Method == http.MethodPost, f.published
	if what == "reject" {
		schema = f.rejected
	}
	switch {
	case what == "cna" && create && e.state != "RESERVED":
		fail(w, http.StatusForbidden, "CVE_RECORD_EXISTS", "The CVE record for "+id+" exists already (state "+e.state+"): update it with PUT.")
		return
	case what == "cna" && !create && e.state != "PUBLISHED":
		fail(w, http.StatusForbidden, "CVE_RECORD_DNE", "No published CVE record for "+id+" (state "+e.state+") to update.")
		return
	case what == "reject" && create && e.state != "RESERVED":
		fail(w, http.StatusForbidden, "CVE_RECORD_EXISTS", "The CVE record for "+id+" exists (state "+e.state+"): reject it with PUT /cve/{id}/reject.")
		return
	case what == "reject" && !create && e.record == nil:
		fail(w, http.StatusForbidden, "CVE_RECORD_DNE", "No CVE record for "+id+" to reject: create the rejection with POST.")
		return
	}
	now := f.now()
	cna := req.CNAContainer
	cna["providerMetadata"] = map[string]any{"orgId": o.uuid, "shortName": o.short, "dateUpdated": now.Format(time.RFC3339Nano)}
	if err := validate(schema, map[string]any{"cnaContainer": cna}); schema != nil && err != nil {
		write(w, http.StatusBadRequest, apiError{Error: "INVALID_JSON_SCHEMA", Message: "CVE JSON schema validation FAILED.", Details: err})
		return
	}
	state := "PUBLISHED"
	if what == "reject" {
		state = "REJECTED"
	}
	meta := map[string]any{"cveId": id, "assignerOrgId": o.uuid, "assignerShortName": o.short, "state": state,
		"dateReserved": e.reserved.Format(time.RFC3339Nano), "dateUpdated": now.Format(time.RFC3339Nano)}
	if e.record != nil {
		old := e.record["cveMetadata"].(map[string]any)
		if p, ok := old["datePublished"]; ok {
			meta["datePublished"] = p
		}
	}
	if _, ok := meta["datePublished"]; !ok && state == "PUBLISHED" {
		meta["datePublished"] = now.Format(time.RFC3339Nano)
	}
	if state == "REJECTED" {
		meta["dateRejected"] = now.Format(time.RFC3339Nano)
	}
	e.record = map[string]any{"dataType": "CVE_RECORD", "dataVersion": "5.1", "cveMetadata": meta, "containers": map[string]any{"cna": cna}}
	e.state, e.modified = state, now
	if create {
		write(w, http.StatusOK, map[string]any{"message": id + " record was successfully created.", "created": e.record})
		return
	}
	write(w, http.StatusOK, map[string]any{"message": id + " record was successfully updated.", "updated": e.record})
}

// validate checks a body against a schema and returns the problems as
// the service's details ({instancePath, message}).
func validate(s *jsonschema.Schema, v map[string]any) []map[string]any {
	// Round-trip through JSON so the validator sees JSON numbers.
	if s == nil {
		return nil
	}
	b, _ := json.Marshal(v)
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return []map[string]any{{"instancePath": "", "message": err.Error()}}
	}
	err = s.Validate(doc)
	if err == nil {
		return nil
	}
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return []map[string]any{{"instancePath": "", "message": err.Error()}}
	}
	var out []map[string]any
	for _, u := range ve.BasicOutput().Errors {
		if u.Error == nil {
			continue
		}
		out = append(out, map[string]any{"instancePath": u.InstanceLocation, "message": u.Error.String()})
	}
	if len(out) == 0 {
		out = []map[string]any{{"instancePath": "", "message": ve.Error()}}
	}
	return out
}
