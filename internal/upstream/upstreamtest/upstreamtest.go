// Package upstreamtest is a fake of the upstream vulnerability services
// that package upstream syncs from, speaking their documented HTTP
// interfaces over httptest, for contract tests:
//
//   - OSV's bucket (https://google.github.io/osv.dev/data/): under OSVURL,
//     <ecosystem>/all.zip (every record of the ecosystem as <ID>.json),
//     <ecosystem>/modified_id.csv (lines "<RFC 3339 modified>,<ID>",
//     newest first) and <ecosystem>/<ID>.json;
//   - the Debian Security Tracker's JSON export at DebianURL;
//   - CISA's KEV catalog at KEVURL;
//   - NVD's CVE API 2.0 at NVDURL (https://nvd.nist.gov/developers/vulnerabilities):
//     startIndex and resultsPerPage paging (at most 2,000 a page; more is
//     clamped), totalResults, lastModStartDate and lastModEndDate (both or
//     neither, at most 120 days apart), an unknown or malformed parameter
//     answered 404 with a "message" header as NVD does; the apiKey header
//     is recorded with every request.
//
// Every answer has an ETag (a hash of the body) and a Last-Modified, and a
// request with a matching If-None-Match, or else with an If-Modified-Since
// not before the resource's change, is answered 304. Methods change the
// data between syncs and count the requests.
//
// Invariants: the server's clock is logical, never read from the system:
// it starts at Epoch and each change advances it by a minute, so that
// Last-Modified (one-second resolution) differs after every change; the
// same data always gives the same bytes (a zip is built in ID order with
// fixed times), so an unchanged resource keeps its ETag.
package upstreamtest

import (
	"archive/zip"
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The paths the fake serves, under its URL.
const (
	OSVPath    = "/osv"
	DebianPath = "/tracker/data/json"
	KEVPath    = "/sites/default/files/feeds/known_exploited_vulnerabilities.json"
	NVDPath    = "/rest/json/cves/2.0"
)

// Epoch is the fake's logical clock before any change.
var Epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// nvdTime is how NVD writes times: UTC, no zone, milliseconds.
const nvdTime = "2006-01-02T15:04:05.000"

// Server is the fake; create it with NewServer.
type Server struct {
	// URL is the server's root, e.g. "http://127.0.0.1:41234".
	URL string
	tb  testing.TB

	mu       sync.Mutex
	clock    time.Time
	osv      map[string]*ecosystem
	debian   *document
	kev      *document
	nvd      map[string]nvdItem
	nvdMod   time.Time
	requests []Request
	failures map[string][]failure
}

type ecosystem struct {
	changed time.Time
	records map[string]osvRecord
}

type osvRecord struct {
	data     []byte
	modified time.Time // the record's own "modified"
	changed  time.Time // the server's clock at the change
}

type document struct {
	data    []byte
	changed time.Time
}

type nvdItem struct {
	id           string
	lastModified time.Time
	data         []byte
}

type failure struct {
	status     int
	retryAfter string
}

// Request is one request the server received, with the status it
// answered.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Status int
}

// NewServer starts a fake with no data; it is closed when the test ends.
func NewServer(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{tb: tb, clock: Epoch, osv: map[string]*ecosystem{}, nvd: map[string]nvdItem{}, failures: map[string][]failure{}, nvdMod: Epoch}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// OSVURL is the base URL of the fake OSV bucket.
func (s *Server) OSVURL() string { return s.URL + OSVPath }

// DebianURL is the URL of the fake Debian tracker export.
func (s *Server) DebianURL() string { return s.URL + DebianPath }

// KEVURL is the URL of the fake KEV catalog.
func (s *Server) KEVURL() string { return s.URL + KEVPath }

// NVDURL is the base URL of the fake NVD CVE API 2.0.
func (s *Server) NVDURL() string { return s.URL + NVDPath }

// OSVFilePath is the path of a file of an ecosystem's folder, as Requests
// and Count name it.
func OSVFilePath(ecosystem, file string) string { return OSVPath + "/" + ecosystem + "/" + file }

func (s *Server) tick() time.Time {
	s.clock = s.clock.Add(time.Minute)
	return s.clock
}

// PutOSV adds or replaces an OSV record of ecosystem, with its "modified"
// set to modified as OSV sets it when serving. The record must be a JSON
// object with an "id".
func (s *Server) PutOSV(eco string, modified time.Time, record []byte) {
	s.tb.Helper()
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(record, &fields); err != nil {
		s.tb.Fatalf("upstreamtest: PutOSV: %v", err)
	}
	var id string
	if err := json.Unmarshal(fields["id"], &id); err != nil || id == "" {
		s.tb.Fatalf("upstreamtest: PutOSV: a record without an id")
	}
	modified = modified.UTC()
	fields["modified"], _ = json.Marshal(modified.Format(time.RFC3339Nano))
	data, err := json.MarshalIndent(fields, "", "  ")
	if err != nil {
		s.tb.Fatalf("upstreamtest: PutOSV: %v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.osv[eco]
	if e == nil {
		e = &ecosystem{records: map[string]osvRecord{}}
		s.osv[eco] = e
	}
	now := s.tick()
	e.changed = now
	e.records[id] = osvRecord{data: data, modified: modified, changed: now}
}

// RemoveOSV deletes a record as OSV deletes one: it is no longer in
// all.zip nor in modified_id.csv, and its file answers 404.
func (s *Server) RemoveOSV(eco, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.osv[eco]; e != nil {
		if _, ok := e.records[id]; ok {
			delete(e.records, id)
			e.changed = s.tick()
		}
	}
}

// SetDebian sets the tracker's JSON export.
func (s *Server) SetDebian(data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.debian = &document{data: slices.Clone(data), changed: s.tick()}
}

// SetKEV sets the KEV catalog.
func (s *Server) SetKEV(data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.kev = &document{data: slices.Clone(data), changed: s.tick()}
}

// PutNVD adds or replaces an NVD item ({"cve": {...}}, as in an API
// response's vulnerabilities array), with cve.lastModified set to
// lastModified.
func (s *Server) PutNVD(lastModified time.Time, item []byte) {
	s.tb.Helper()
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(item, &fields); err != nil {
		s.tb.Fatalf("upstreamtest: PutNVD: %v", err)
	}
	var c map[string]json.RawMessage
	if err := json.Unmarshal(fields["cve"], &c); err != nil {
		s.tb.Fatalf("upstreamtest: PutNVD: an item without a cve: %v", err)
	}
	var id string
	if err := json.Unmarshal(c["id"], &id); err != nil || id == "" {
		s.tb.Fatalf("upstreamtest: PutNVD: a cve without an id")
	}
	lastModified = lastModified.UTC().Truncate(time.Millisecond)
	c["lastModified"], _ = json.Marshal(lastModified.Format(nvdTime))
	fields["cve"], _ = json.Marshal(c)
	data, err := json.Marshal(fields)
	if err != nil {
		s.tb.Fatalf("upstreamtest: PutNVD: %v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nvd[id] = nvdItem{id: id, lastModified: lastModified, data: data}
	s.nvdMod = s.tick()
}

// Fail answers the next times requests for path (as Requests names it)
// with status and, when retryAfter is not "", that Retry-After header.
func (s *Server) Fail(path string, status int, retryAfter string, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range times {
		s.failures[path] = append(s.failures[path], failure{status, retryAfter})
	}
}

// Requests returns every request received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Count returns how many requests for path were answered with status, or
// with any status when status is 0.
func (s *Server) Count(path string, status int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if r.Path == path && (status == 0 || r.Status == status) {
			n++
		}
	}
	return n
}

// response is an answer before the conditional check.
type response struct {
	status  int
	header  http.Header
	body    []byte
	changed time.Time
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	resp := s.answer(r)
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Status: resp.status})
	s.mu.Unlock()
	for k, v := range resp.header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.status)
	if r.Method != http.MethodHead && resp.status != http.StatusNotModified {
		_, _ = w.Write(resp.body)
	}
}

func notFound(msg string) response {
	h := http.Header{}
	if msg != "" {
		h.Set("message", msg)
	}
	return response{status: http.StatusNotFound, header: h}
}

// answer computes the response to r; s.mu is held.
func (s *Server) answer(r *http.Request) response {
	if f := s.failures[r.URL.Path]; len(f) > 0 {
		s.failures[r.URL.Path] = f[1:]
		h := http.Header{}
		if f[0].retryAfter != "" {
			h.Set("Retry-After", f[0].retryAfter)
		}
		return response{status: f[0].status, header: h, body: []byte(http.StatusText(f[0].status))}
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return response{status: http.StatusMethodNotAllowed, header: http.Header{"Allow": {"GET, HEAD"}}}
	}
	var resp response
	p := r.URL.Path
	switch {
	case p == DebianPath || p == KEVPath:
		d := s.debian
		if p == KEVPath {
			d = s.kev
		}
		if d == nil {
			return notFound("")
		}
		resp = response{status: http.StatusOK, body: d.data, changed: d.changed, header: http.Header{"Content-Type": {"application/json"}}}
	case p == NVDPath:
		resp = s.nvdAnswer(r.URL.Query())
		if resp.status != http.StatusOK {
			return resp
		}
	case strings.HasPrefix(p, OSVPath+"/"):
		eco, file, ok := strings.Cut(strings.TrimPrefix(p, OSVPath+"/"), "/")
		e := s.osv[eco]
		if !ok || e == nil {
			return notFound("")
		}
		resp = s.osvAnswer(e, file)
		if resp.status != http.StatusOK {
			return resp
		}
	default:
		return notFound("")
	}
	sum := sha256.Sum256(resp.body)
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	resp.header.Set("ETag", etag)
	resp.header.Set("Last-Modified", resp.changed.Format(http.TimeFormat))
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		for _, t := range strings.Split(inm, ",") {
			if t = strings.TrimPrefix(strings.TrimSpace(t), "W/"); t == etag || t == "*" {
				resp.status = http.StatusNotModified
			}
		}
	} else if ims, err := http.ParseTime(r.Header.Get("If-Modified-Since")); err == nil && !resp.changed.Truncate(time.Second).After(ims) {
		resp.status = http.StatusNotModified
	}
	return resp
}

func (s *Server) osvAnswer(e *ecosystem, file string) response {
	ids := make([]string, 0, len(e.records))
	for id := range e.records {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	switch file {
	case "all.zip":
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, id := range ids {
			w, err := zw.CreateHeader(&zip.FileHeader{Name: id + ".json", Method: zip.Deflate, Modified: Epoch})
			if err == nil {
				_, err = w.Write(e.records[id].data)
			}
			if err != nil {
				s.tb.Errorf("upstreamtest: zip: %v", err)
			}
		}
		if err := zw.Close(); err != nil {
			s.tb.Errorf("upstreamtest: zip: %v", err)
		}
		return response{status: http.StatusOK, body: buf.Bytes(), changed: e.changed, header: http.Header{"Content-Type": {"application/zip"}}}
	case "modified_id.csv":
		slices.SortStableFunc(ids, func(a, b string) int {
			return e.records[b].modified.Compare(e.records[a].modified)
		})
		var buf bytes.Buffer
		for _, id := range ids {
			fmt.Fprintf(&buf, "%s,%s\n", e.records[id].modified.Format(time.RFC3339Nano), id)
		}
		return response{status: http.StatusOK, body: buf.Bytes(), changed: e.changed, header: http.Header{"Content-Type": {"text/csv"}}}
	}
	rec, ok := e.records[strings.TrimSuffix(file, ".json")]
	if !ok || !strings.HasSuffix(file, ".json") {
		return notFound("")
	}
	return response{status: http.StatusOK, body: rec.data, changed: rec.changed, header: http.Header{"Content-Type": {"application/json"}}}
}

// nvdDate reads a lastMod date as NVD accepts them: ISO-8601 with or
// without milliseconds and with or without an offset (UTC then).
func nvdDate(v string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04:05.000Z07:00", "2006-01-02T15:04:05Z07:00", nvdTime, "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an ISO-8601 date and time", v)
}

func (s *Server) nvdAnswer(q url.Values) response {
	for k := range q {
		switch k {
		case "startIndex", "resultsPerPage", "lastModStartDate", "lastModEndDate":
		default:
			return notFound("Invalid parameter: " + k)
		}
	}
	intParam := func(name string, def int) (int, bool) {
		v := q.Get(name)
		if v == "" {
			return def, true
		}
		n, err := strconv.Atoi(v)
		return n, err == nil && n >= 0
	}
	start, ok := intParam("startIndex", 0)
	if !ok {
		return notFound("Invalid startIndex parameter")
	}
	size, ok := intParam("resultsPerPage", 2000)
	if !ok {
		return notFound("Invalid resultsPerPage parameter")
	}
	size = min(size, 2000)
	items := make([]nvdItem, 0, len(s.nvd))
	for _, it := range s.nvd {
		items = append(items, it)
	}
	from, to := q.Get("lastModStartDate"), q.Get("lastModEndDate")
	if (from == "") != (to == "") {
		return notFound("Both lastModStartDate and lastModEndDate are required when either is present")
	}
	if from != "" {
		f, err := nvdDate(from)
		if err != nil {
			return notFound("Invalid lastModStartDate: " + err.Error())
		}
		t, err := nvdDate(to)
		if err != nil {
			return notFound("Invalid lastModEndDate: " + err.Error())
		}
		if t.Before(f) || t.Sub(f) > 120*24*time.Hour {
			return notFound("The lastModStartDate and lastModEndDate must be in order and at most 120 days apart")
		}
		items = slices.DeleteFunc(items, func(it nvdItem) bool { return it.lastModified.Before(f) || it.lastModified.After(t) })
	}
	slices.SortFunc(items, func(a, b nvdItem) int {
		return cmp.Or(a.lastModified.Compare(b.lastModified), strings.Compare(a.id, b.id))
	})
	total := len(items)
	pageItems := items[min(start, total):min(start+size, total)]
	raw := make([]json.RawMessage, len(pageItems))
	for i, it := range pageItems {
		raw[i] = it.data
	}
	body, err := json.Marshal(struct {
		ResultsPerPage  int               `json:"resultsPerPage"`
		StartIndex      int               `json:"startIndex"`
		TotalResults    int               `json:"totalResults"`
		Format          string            `json:"format"`
		Version         string            `json:"version"`
		Timestamp       string            `json:"timestamp"`
		Vulnerabilities []json.RawMessage `json:"vulnerabilities"`
	}{len(raw), start, total, "NVD_CVE", "2.0", s.clock.Format(nvdTime), raw})
	if err != nil {
		s.tb.Errorf("upstreamtest: NVD page: %v", err)
	}
	return response{status: http.StatusOK, body: body, changed: s.nvdMod, header: http.Header{"Content-Type": {"application/json"}}}
}
