package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-psirt/vigil/internal/advisory"
	"github.com/vigil-psirt/vigil/internal/api"
	"github.com/vigil-psirt/vigil/internal/audit"
	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/csaf"
	"github.com/vigil-psirt/vigil/internal/finding"
	"github.com/vigil-psirt/vigil/internal/outbox"
	"github.com/vigil-psirt/vigil/internal/policy"
	"github.com/vigil-psirt/vigil/internal/product"
	"github.com/vigil-psirt/vigil/internal/publish"
	"github.com/vigil-psirt/vigil/internal/report"
	"github.com/vigil-psirt/vigil/internal/sbom"
	"github.com/vigil-psirt/vigil/internal/server"
	"github.com/vigil-psirt/vigil/internal/signing"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
	"github.com/vigil-psirt/vigil/internal/upstream"
	"github.com/vigil-psirt/vigil/internal/user"
	"github.com/vigil-psirt/vigil/internal/vcase"
	"github.com/vigil-psirt/vigil/internal/vuln"
)

// friday is a Friday evening: the first report of most tests arrives then.
var friday = time.Date(2026, 3, 6, 18, 0, 0, 0, time.UTC)

// clock is the injected time of the service, moved by the test. It is
// guarded because the handlers read it on the server's goroutines.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// env is a running vigil: the real handler over the process service over a
// real store, with one user (and token) per role.
type env struct {
	t      testing.TB
	store  *store.Store
	svc    *casework.Service
	clock  *clock
	srv    *httptest.Server
	client *http.Client
	users  map[string]user.User
	tok    map[string]string    // user name -> API token
	role   map[user.Role]string // role -> token of a user holding it
}

// people are the test's users: bob is on the task forces walk forms, erin is not.
var people = []struct {
	name string
	role user.Role
}{
	{"root", user.Admin}, {"alice", user.PSIRT}, {"bob", user.Engineer}, {"erin", user.Engineer},
	{"carol", user.Liaison}, {"dave", user.Customer},
}

func newEnv(t testing.TB, s *store.Store, with ...func(*casework.Service)) *env {
	t.Helper()
	clk := &clock{t: friday}
	svc := &casework.Service{Store: s, Policy: policy.Default(), Now: clk.Now, BaseURL: "https://vigil.example"}
	for _, f := range with {
		f(svc)
	}
	h, err := server.Handler(svc, server.Options{Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	e := &env{t: t, store: s, svc: svc, clock: clk, srv: srv,
		client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		users:  map[string]user.User{}, tok: map[string]string{}, role: map[user.Role]string{}}
	ctx := context.Background()
	for _, p := range people {
		u, err := svc.CreateUser(ctx, casework.System, user.User{Name: p.name, Role: p.role, Email: p.name + "@vendor.example"})
		if err != nil {
			t.Fatal(err)
		}
		_, tok, err := svc.IssueToken(ctx, casework.System, u.ID, "test", nil)
		if err != nil {
			t.Fatal(err)
		}
		e.users[p.name], e.tok[p.name] = u, tok
		if _, ok := e.role[p.role]; !ok {
			e.role[p.role] = tok
		}
	}
	return e
}

// result is a response, read in full.
type result struct {
	Status int
	Header http.Header
	Body   []byte
}

// text is everything a client sees of a response: headers and body.
func (r result) text() string {
	var b strings.Builder
	for k, vs := range r.Header {
		fmt.Fprintf(&b, "%s: %s\n", k, strings.Join(vs, ", "))
	}
	b.Write(r.Body)
	return b.String()
}

// send sends a request; body is nil, a string or []byte sent as is, or a
// value sent as JSON.
func (e *env) send(method, path, token string, body any, header ...string) result {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return e.do(req)
}

func (e *env) do(req *http.Request) result {
	e.t.Helper()
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v (did the handler panic?)", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("%s %s: read body: %v", req.Method, req.URL.Path, err)
	}
	return result{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// call sends a request, insists on the status and decodes the JSON answer into out.
func (e *env) call(method, path, token string, body any, want int, out any) result {
	e.t.Helper()
	res := e.send(method, path, token, body)
	if res.Status != want {
		e.t.Fatalf("%s %s: status %d, want %d: %s", method, path, res.Status, want, res.Body)
	}
	if out != nil {
		if err := json.Unmarshal(res.Body, out); err != nil {
			e.t.Fatalf("%s %s: decode %T: %v: %s", method, path, out, err, res.Body)
		}
	}
	return res
}

// problemDoc is an RFC 9457 problem document as the API writes it.
type problemDoc struct {
	Type     string   `json:"type"`
	Title    string   `json:"title"`
	Status   int      `json:"status"`
	Detail   string   `json:"detail"`
	Problems []string `json:"problems"`
}

// problem sends a request that must fail with status as application/problem+json.
func (e *env) problem(method, path, token string, body any, status int) problemDoc {
	e.t.Helper()
	res := e.send(method, path, token, body)
	return e.checkProblem(method+" "+path, res, status)
}

func (e *env) checkProblem(what string, res result, status int) problemDoc {
	e.t.Helper()
	if res.Status != status {
		e.t.Fatalf("%s: status %d, want %d: %s", what, res.Status, status, res.Body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
		e.t.Fatalf("%s: Content-Type %q, want application/problem+json", what, ct)
	}
	var p problemDoc
	if err := json.Unmarshal(res.Body, &p); err != nil {
		e.t.Fatalf("%s: problem document: %v: %s", what, err, res.Body)
	}
	if p.Status != status {
		e.t.Fatalf("%s: problem status %d, want %d", what, p.Status, status)
	}
	return p
}

// caseView is GET /api/v1/cases/{id}.
type caseView struct {
	vcase.Case
	Allowed   map[vcase.Transition][]string `json:"allowed"`
	Deadlines []deadlineView                `json:"deadlines"`
	Reports   []report.Report               `json:"reports"`
	Advisory  string                        `json:"advisory"`
}

type deadlineView struct {
	Clock    string    `json:"clock"`
	Start    time.Time `json:"start"`
	Due      time.Time `json:"due"`
	DueLocal string    `json:"due_local"`
	Met      bool      `json:"met"`
	Breached bool      `json:"breached"`
}

func (v caseView) deadline(clock string) (deadlineView, bool) {
	for _, d := range v.Deadlines {
		if d.Clock == clock {
			return d, true
		}
	}
	return deadlineView{}, false
}

// receipt is the answer of the public intake.
type receipt struct {
	TrackingID  string `json:"tracking_id"`
	StatusURL   string `json:"status_url"`
	StatusToken string `json:"status_token"`
}

func (e *env) intake(title, body string, reporter report.Contact) receipt {
	e.t.Helper()
	var rc receipt
	e.call("POST", "/api/v1/intake", "", map[string]any{"title": title, "body": body, "reporter": reporter}, 201, &rc)
	return rc
}

func (e *env) reporterStatus(token string) casework.ReporterView {
	e.t.Helper()
	var v casework.ReporterView
	e.call("GET", "/api/v1/intake/"+token, "", nil, 200, &v)
	return v
}

// reportByTracking finds a recent report through the team's API.
func (e *env) reportByTracking(id string) report.Report {
	e.t.Helper()
	var rs []report.Report
	e.call("GET", "/api/v1/reports?limit=20", e.tok["alice"], nil, 200, &rs)
	for _, r := range rs {
		if r.TrackingID == id {
			return r
		}
	}
	e.t.Fatalf("report %s not listed", id)
	return report.Report{}
}

func (e *env) getCase(id int64, token string) caseView {
	e.t.Helper()
	var v caseView
	e.call("GET", fmt.Sprintf("/api/v1/cases/%d", id), token, nil, 200, &v)
	return v
}

func (e *env) patchCase(id int64, body any) caseView {
	e.t.Helper()
	var v caseView
	e.call("PATCH", fmt.Sprintf("/api/v1/cases/%d", id), e.tok["alice"], body, 200, &v)
	return v
}

func (e *env) transition(id int64, t vcase.Transition, extra ...any) caseView {
	e.t.Helper()
	body := map[string]any{"transition": t}
	for i := 0; i+1 < len(extra); i += 2 {
		body[extra[i].(string)] = extra[i+1]
	}
	var v caseView
	e.call("POST", fmt.Sprintf("/api/v1/cases/%d/transitions", id), e.tok["alice"], body, 200, &v)
	return v
}

// refused takes a transition that must fail its guards and returns them.
func (e *env) refused(id int64, t vcase.Transition, extra ...any) []string {
	e.t.Helper()
	body := map[string]any{"transition": t}
	for i := 0; i+1 < len(extra); i += 2 {
		body[extra[i].(string)] = extra[i+1]
	}
	p := e.problem("POST", fmt.Sprintf("/api/v1/cases/%d/transitions", id), e.tok["alice"], body, 409)
	if p.Type != "urn:vigil:guard" || len(p.Problems) == 0 {
		e.t.Fatalf("%s of case %d: want a guard problem listing the failed guards, got %+v", t, id, p)
	}
	return p.Problems
}

// fixture is a product with its branches (by name) and releases (by version).
type fixture struct {
	Product  product.Product
	Branches map[string]product.Branch
	Releases map[string]product.Release
}

type branchSpec struct {
	Name      string
	Status    product.BranchStatus
	Published []string
}

func (e *env) product(slug, name string, branches ...branchSpec) fixture {
	e.t.Helper()
	tok := e.tok["alice"]
	f := fixture{Branches: map[string]product.Branch{}, Releases: map[string]product.Release{}}
	e.call("POST", "/api/v1/products", tok, map[string]any{"slug": slug, "name": name}, 201, &f.Product)
	for _, bs := range branches {
		var b product.Branch
		e.call("POST", "/api/v1/products/"+slug+"/branches", tok, map[string]any{"name": bs.Name, "status": bs.Status}, 201, &b)
		f.Branches[bs.Name] = b
		for _, v := range bs.Published {
			f.Releases[v] = e.release(b.ID, map[string]any{"version": v, "state": "published"})
		}
	}
	return f
}

func (e *env) release(branchID int64, body map[string]any) product.Release {
	e.t.Helper()
	var r product.Release
	e.call("POST", fmt.Sprintf("/api/v1/branches/%d/releases", branchID), e.tok["alice"], body, 201, &r)
	return r
}

func (e *env) releaseByID(f fixture, id int64) product.Release {
	e.t.Helper()
	var pv struct {
		Branches []struct {
			Releases []product.Release `json:"releases"`
		} `json:"branches"`
	}
	e.call("GET", "/api/v1/products/"+f.Product.Slug, e.tok["alice"], nil, 200, &pv)
	for _, b := range pv.Branches {
		for _, r := range b.Releases {
			if r.ID == id {
				return r
			}
		}
	}
	e.t.Fatalf("release %d not found", id)
	return product.Release{}
}

func (e *env) auditEvents() []audit.Event {
	e.t.Helper()
	var es []audit.Event
	e.call("GET", "/api/v1/audit?limit=500", e.tok["alice"], nil, 200, &es)
	return es
}

func (e *env) outbox() []outbox.Message {
	e.t.Helper()
	var ms []outbox.Message
	e.call("GET", "/api/v1/outbox?limit=500", e.tok["alice"], nil, 200, &ms)
	return ms
}

func (e *env) verifyAudit() {
	e.t.Helper()
	var v struct {
		Events int  `json:"events"`
		OK     bool `json:"ok"`
	}
	e.call("GET", "/api/v1/audit/verify", e.tok["root"], nil, 200, &v)
	if !v.OK || v.Events == 0 {
		e.t.Fatalf("audit verify: %+v", v)
	}
}

// count counts the audit events with this action on this object.
func count(es []audit.Event, action, object string) int {
	n := 0
	for _, ev := range es {
		if ev.Action == action && (object == "" || ev.Object == object) {
			n++
		}
	}
	return n
}

// caseSpec describes a case walked through the lifecycle by walk.
type caseSpec struct {
	ReportTitle, ReportBody string
	Reporter                report.Contact
	Title, Summary, Details string
	Workaround              string
	RiskNotes               string
	CVE, CVEDescription     string
	ChangeRequest           string
	Evidence                string
	Credits                 []vcase.Credit
	Fixture                 fixture
	Branches                []string          // affected branch names
	Versions                map[string]string // branch name -> fixed version; "" derives the next security upgrade
	Planned                 time.Time
	Until                   vcase.State
}

// walked is what walk made.
type walked struct {
	Receipt  receipt
	ReportID int64
	CaseID   int64
	Key      string
	Releases map[string]product.Release // branch name -> release carrying the fix
}

// walk takes a case from the public intake up to sp.Until through the API,
// as the README's walkthrough does.
func (e *env) walk(sp caseSpec) walked {
	e.t.Helper()
	w := walked{Releases: map[string]product.Release{}}
	w.Receipt = e.intake(sp.ReportTitle, sp.ReportBody, sp.Reporter)
	r := e.reportByTracking(w.Receipt.TrackingID)
	w.ReportID, w.CaseID = r.ID, *r.CaseID
	if sp.Until == vcase.Received {
		return w
	}
	w.Key = e.patchCase(w.CaseID, map[string]any{"task_force": []string{"alice", "bob"}}).Key
	e.transition(w.CaseID, vcase.StartTriage)
	if sp.Until == vcase.Triage {
		return w
	}
	var bids []int64
	for _, b := range sp.Branches {
		bids = append(bids, sp.Fixture.Branches[b].ID)
	}
	e.patchCase(w.CaseID, map[string]any{
		"title": sp.Title, "summary": sp.Summary, "details": sp.Details, "workaround": sp.Workaround,
		"product_id": sp.Fixture.Product.ID, "affected_branches": bids,
		"risk": map[string]any{"cvss31": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "cwe": []string{"CWE-787"}, "notes": sp.RiskNotes},
	})
	e.transition(w.CaseID, vcase.Confirm)
	if sp.Until == vcase.Confirmed {
		return w
	}
	e.patchCase(w.CaseID, map[string]any{"cve_id": sp.CVE, "cve_draft": map[string]any{"description": sp.CVEDescription},
		"change_request": map[string]any{"ref": sp.ChangeRequest, "tracker": "jira"}})
	e.transition(w.CaseID, vcase.StartFix)
	for _, b := range sp.Branches {
		br := sp.Fixture.Branches[b]
		v, ok := sp.Versions[b]
		if !ok || br.Status != product.Maintained {
			continue
		}
		body := map[string]any{"state": "qa", "kind": "urgent", "planned_at": sp.Planned}
		if v != "" {
			body["version"] = v
		}
		rel := e.release(br.ID, body)
		w.Releases[b] = rel
		var cv caseView
		e.call("PATCH", fmt.Sprintf("/api/v1/cases/%d/fixes/%d", w.CaseID, br.ID), e.tok["bob"], map[string]any{
			"status": "verified", "release_id": rel.ID, "commits": []string{"0123abcd" + strconv.FormatInt(br.ID, 16)}, "evidence": sp.Evidence,
		}, 200, &cv)
	}
	if sp.Until == vcase.Fixing {
		return w
	}
	e.patchCase(w.CaseID, map[string]any{"planned_disclosure": sp.Planned, "credits": sp.Credits,
		"references": []map[string]any{{"url": "https://vendor.example/security"}}})
	e.transition(w.CaseID, vcase.MarkReady)
	if sp.Until == vcase.Ready {
		return w
	}
	if e.clock.Now().Before(sp.Planned) {
		e.clock.Set(sp.Planned)
	}
	e.transition(w.CaseID, vcase.Disclose)
	return w
}

// TestLifecycle runs the README's walkthrough through the HTTP handler:
// from the public report to the disclosure, with the reporter's view, the
// severities, the clocks, the outbox and the audit trail checked on the way.
func TestLifecycle(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		year := friday.Year()
		psirt := e.tok["alice"]

		// A reporter submits a report, without a login.
		rc := e.intake("RCE in job import", "Posting a crafted job definition runs commands.",
			report.Contact{Name: "Jane Finder", Email: "jane@research.example"})
		if want := fmt.Sprintf("VR-%d-00001", year); rc.TrackingID != want {
			t.Errorf("tracking ID %q, want %q", rc.TrackingID, want)
		}
		if !strings.HasPrefix(rc.StatusToken, casework.StatusPrefix) || rc.StatusURL != "https://vigil.example/report/status/"+rc.StatusToken {
			t.Errorf("status token %q, URL %q", rc.StatusToken, rc.StatusURL)
		}
		if st := e.reporterStatus(rc.StatusToken); st.State != "received" || st.CVEID != "" || st.TrackingID != rc.TrackingID {
			t.Errorf("reporter status after intake: %+v", st)
		}

		// Products, branches, published releases.
		e.clock.Advance(time.Hour)
		f := e.product("scheduler", "Job Scheduler",
			branchSpec{"2.7", product.Maintained, []string{"2.7.1", "2.7.2"}},
			branchSpec{"2.6", product.Maintained, []string{"2.6.8"}},
			branchSpec{"2.5", product.EndOfLife, []string{"2.5.9"}})
		var supported []struct {
			Slug         string   `json:"slug"`
			Branches     []string `json:"maintained_branches"`
			LatestStable string   `json:"latest_stable"`
		}
		e.call("GET", "/api/v1/supported", e.tok["dave"], nil, 200, &supported)
		if len(supported) != 1 || supported[0].LatestStable != "2.7.2" || !slices.Equal(supported[0].Branches, []string{"2.7", "2.6"}) {
			t.Errorf("supported: %+v", supported)
		}

		// The report opened a case; a task force takes it into triage.
		rep := e.reportByTracking(rc.TrackingID)
		if rep.State != report.New || rep.CaseID == nil {
			t.Fatalf("report after intake: %+v", rep)
		}
		id := *rep.CaseID
		reads := 0 // the team's reads of the embargoed case, each audited
		v := e.getCase(id, psirt)
		reads++
		if v.State != vcase.Received || v.Title != "RCE in job import" {
			t.Fatalf("case after intake: %+v", v.Case)
		}
		key := v.Key
		// The triage clock runs from the receipt, 24 h, weekend or not.
		if d, ok := v.deadline("triage"); !ok || !d.Due.Equal(friday.Add(24*time.Hour)) || d.Breached {
			t.Errorf("triage clock: %+v (found %v), want due %v", d, ok, friday.Add(24*time.Hour))
		}
		e.clock.Advance(time.Hour)
		e.patchCase(id, map[string]any{"task_force": []string{"alice", "bob"}})
		if v = e.transition(id, vcase.StartTriage); v.State != vcase.Triage || v.TriagedAt == nil {
			t.Fatalf("after triage: %+v", v.Case)
		}
		if st := e.reporterStatus(rc.StatusToken); st.State != "in_triage" {
			t.Errorf("reporter state after triage: %q", st.State)
		}
		var rv struct {
			Report report.Report `json:"report"`
		}
		e.call("GET", fmt.Sprintf("/api/v1/reports/%d", rep.ID), psirt, nil, 200, &rv)
		if rv.Report.State != report.Linked {
			t.Errorf("report state after triage: %q, want linked", rv.Report.State)
		}

		// Risk and affected branches; the policy derives the severity.
		e.clock.Advance(4 * time.Hour)
		b27, b26, b25 := f.Branches["2.7"].ID, f.Branches["2.6"].ID, f.Branches["2.5"].ID
		for _, tc := range []struct {
			risk     map[string]any
			severity string
			score    float64
		}{
			{map[string]any{"cvss31": "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H"}, "medium", 6.5},
			{map[string]any{"cvss31": "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"}, "high", 8.8},
			{map[string]any{"cvss31": "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H", "tags": []string{"rce"}}, "critical", 6.5},
			{map[string]any{"cvss40": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}, "critical", 9.3},
			{map[string]any{"cvss31": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "cwe": []string{"CWE-502"}, "tags": []string{"rce"}}, "critical", 9.8},
		} {
			v = e.patchCase(id, map[string]any{"risk": tc.risk})
			if v.Severity != tc.severity || v.Score != tc.score {
				t.Errorf("risk %v: severity %q score %v, want %q %v", tc.risk, v.Severity, v.Score, tc.severity, tc.score)
			}
		}
		v = e.patchCase(id, map[string]any{"product_id": f.Product.ID, "affected_branches": []int64{b27, b26, b25},
			"summary": "Remote code execution in the job import.", "details": "Deserialisation of untrusted YAML in JobImporter."})
		if len(v.Fixes) != 3 || len(v.Allowed[vcase.Confirm]) != 0 {
			t.Fatalf("before confirm: fixes %+v, confirm guards %v", v.Fixes, v.Allowed[vcase.Confirm])
		}
		confirmedAt := e.clock.Now()
		if v = e.transition(id, vcase.Confirm); v.State != vcase.Confirmed {
			t.Fatalf("after confirm: %s", v.State)
		}
		v = e.getCase(id, psirt)
		reads++
		// Confirmed Saturday 00:00: the fix clock counts 5 business days
		// from Monday and is due at the end of Friday.
		if d, ok := v.deadline("fix"); !ok || !d.Start.Equal(confirmedAt) || !d.Due.Equal(time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("fix clock: %+v (found %v)", d, ok)
		}
		if d, _ := v.deadline("triage"); !d.Met {
			t.Errorf("triage clock not met by the confirmation: %+v", d)
		}
		if st := e.reporterStatus(rc.StatusToken); st.State != "confirmed" || st.CVEID != "" {
			t.Errorf("reporter status after confirm: %+v", st)
		}

		// The CVE ID, the private record draft and the change request;
		// the reporter is told the CVE ID at once.
		e.clock.Advance(3 * time.Hour)
		if n := len(e.outbox()); n != 1 {
			t.Errorf("outbox before the CVE: %d rows, want the acknowledgement only", n)
		}
		v = e.patchCase(id, map[string]any{"cve_id": "CVE-2026-12345",
			"cve_draft":      map[string]any{"description": "Deserialisation of untrusted data in the job import of Job Scheduler before 2.7.3 allows remote code execution."},
			"change_request": map[string]any{"ref": "SEC-1"}})
		if v.CVEState != vcase.CVEReserved {
			t.Errorf("CVE state %q, want reserved", v.CVEState)
		}
		if st := e.reporterStatus(rc.StatusToken); st.CVEID != "CVE-2026-12345" || st.Advisory != "" {
			t.Errorf("reporter status after the CVE: %+v", st)
		}
		if n := len(e.outbox()); n != 2 {
			t.Errorf("outbox after the CVE: %d rows, want the acknowledgement and the CVE notice", n)
		}
		e.transition(id, vcase.StartFix)

		// The next security upgrades are derived: 2.7.3 and 2.6.9.
		e.clock.Advance(24 * time.Hour)
		planned := time.Date(2026, 3, 12, 9, 0, 0, 0, time.UTC)
		var pv struct {
			Branches []struct {
				Name        string `json:"name"`
				NextUpgrade string `json:"next_upgrade"`
			} `json:"branches"`
		}
		e.call("GET", "/api/v1/products/scheduler", e.tok["alice"], nil, 200, &pv)
		next := map[string]string{}
		for _, b := range pv.Branches {
			next[b.Name] = b.NextUpgrade
		}
		if diff := cmp.Diff(map[string]string{"2.7": "2.7.3", "2.6": "2.6.9", "2.5": "2.5.10"}, next); diff != "" {
			t.Errorf("next upgrades (-want +got):\n%s", diff)
		}
		r273 := e.release(b27, map[string]any{"state": "qa", "planned_at": planned})
		r269 := e.release(b26, map[string]any{"state": "qa", "planned_at": planned})
		// A customer sees neither the coming releases nor the next versions:
		// both would announce the security release before the disclosure.
		var cv struct {
			Branches []struct {
				NextUpgrade string `json:"next_upgrade"`
				Releases    []struct {
					State string `json:"state"`
				} `json:"releases"`
			} `json:"branches"`
		}
		e.call("GET", "/api/v1/products/scheduler", e.tok["dave"], nil, 200, &cv)
		for _, b := range cv.Branches {
			if b.NextUpgrade != "" {
				t.Errorf("a customer sees the next upgrade %s", b.NextUpgrade)
			}
			for _, r := range b.Releases {
				if r.State != "published" {
					t.Errorf("a customer sees a %s release", r.State)
				}
			}
		}
		if r273.Version.String() != "2.7.3" || r269.Version.String() != "2.6.9" || r273.Kind != product.Regular {
			t.Fatalf("derived releases %s (%s), %s", r273.Version, r273.Kind, r269.Version)
		}

		// Fixes verified per branch; the end-of-life branch gets none.
		for _, fx := range []struct {
			branch int64
			rel    product.Release
		}{{b27, r273}, {b26, r269}} {
			e.call("PATCH", fmt.Sprintf("/api/v1/cases/%d/fixes/%d", id, fx.branch), e.tok["bob"],
				map[string]any{"status": "fixed", "release_id": fx.rel.ID, "commits": []string{"0123abcd"}}, 200, nil)
			e.clock.Advance(time.Hour)
			e.call("PATCH", fmt.Sprintf("/api/v1/cases/%d/fixes/%d", id, fx.branch), psirt,
				map[string]any{"status": "verified", "evidence": "exploit re-run: refused"}, 200, &v)
		}
		for _, fx := range v.Fixes {
			if fx.BranchID == b25 {
				if fx.Status != vcase.FixPending {
					t.Errorf("end-of-life fix: %+v", fx)
				}
				continue
			}
			if fx.Status != vcase.FixVerified || fx.VerifiedBy != "alice" || fx.VerifiedAt == nil || fx.FixedAt == nil {
				t.Errorf("fix of branch %d: %+v", fx.BranchID, fx)
			}
		}

		// The planned disclosure, ready, and the disclosure at its time.
		e.patchCase(id, map[string]any{"planned_disclosure": planned,
			"credits": []map[string]any{{"name": "Jane Finder (Research Lab)", "type": "finder"}}})
		if v = e.transition(id, vcase.MarkReady); v.State != vcase.Ready || v.FixAvailableAt == nil {
			t.Fatalf("after ready: %+v", v.Case)
		}
		if st := e.reporterStatus(rc.StatusToken); st.State != "fixed" {
			t.Errorf("reporter state when ready: %q", st.State)
		}
		v = e.getCase(id, e.tok["bob"]) // an engineer of the task force
		reads++
		failed := e.refused(id, vcase.Disclose)
		if len(failed) != 1 || !strings.Contains(failed[0], "planned disclosure time 2026-03-12T09:00:00Z has not come") {
			t.Errorf("early disclosure: %q", failed)
		}
		e.clock.Set(planned)
		if v = e.transition(id, vcase.Disclose); v.State != vcase.Disclosed || v.CVEState != vcase.CVEPublishRequested {
			t.Fatalf("after disclosure: %+v", v.Case)
		}
		advID := fmt.Sprintf("VIGIL-SA-%d-001", year)
		if v.Advisory != advID {
			t.Errorf("advisory %q, want %q", v.Advisory, advID)
		}

		// Releases published, the advisory public with every branch.
		for _, r := range []product.Release{r273, r269} {
			if got := e.releaseByID(f, r.ID); got.State != product.Published || got.PublishedAt == nil || !got.PublishedAt.Equal(planned) {
				t.Errorf("release %s after disclosure: %s %v", r.Version, got.State, got.PublishedAt)
			}
		}
		var revs []advisory.Revision
		e.call("GET", "/api/v1/advisories", "", nil, 200, &revs)
		if len(revs) != 1 {
			t.Fatalf("advisories: %d, want 1", len(revs))
		}
		rev := revs[0]
		if rev.AdvisoryID != advID || rev.CVEID != "CVE-2026-12345" || rev.Severity != "critical" || rev.Score != 9.8 || rev.Number != 1 {
			t.Errorf("revision: %+v", rev)
		}
		wantAff := []advisory.Affected{
			{Product: "Job Scheduler", ProductSlug: "scheduler", Branch: "2.7", Maintained: true, Fixed: "2.7.3", FixedRelease: r273.ID},
			{Product: "Job Scheduler", ProductSlug: "scheduler", Branch: "2.6", Maintained: true, Fixed: "2.6.9", FixedRelease: r269.ID},
			{Product: "Job Scheduler", ProductSlug: "scheduler", Branch: "2.5"},
		}
		if diff := cmp.Diff(wantAff, rev.Affected); diff != "" {
			t.Errorf("affected (-want +got):\n%s", diff)
		}
		if st := e.reporterStatus(rc.StatusToken); st.State != "disclosed" || st.Advisory != advID || st.CVEID != "CVE-2026-12345" {
			t.Errorf("reporter status after disclosure: %+v", st)
		}
		e.call("GET", fmt.Sprintf("/api/v1/reports/%d", rep.ID), psirt, nil, 200, &rv)
		if rv.Report.State != report.Closed {
			t.Errorf("report state after disclosure: %q, want closed", rv.Report.State)
		}

		// Reads after the disclosure and the reporter's page are not audited.
		e.getCase(id, psirt)
		if res := e.send("GET", "/report/status/"+rc.StatusToken, "", nil); res.Status != 200 || !strings.Contains(string(res.Body), advID) {
			t.Errorf("status page: %d, advisory shown %v", res.Status, strings.Contains(string(res.Body), advID))
		}
		e.reporterStatus(rc.StatusToken)

		// The outbox: acknowledgement, CVE notice, one row per channel.
		var rows []string
		for _, m := range e.outbox() {
			var mail casework.Mail
			if m.Channel == outbox.Email {
				if err := json.Unmarshal(m.Payload, &mail); err != nil {
					t.Fatal(err)
				}
			}
			if m.State != outbox.Pending {
				t.Errorf("outbox %s: state %s", m.Key, m.State)
			}
			rows = append(rows, strings.TrimSpace(fmt.Sprintf("%s %s %s %s%s", m.Channel, m.Topic, m.Key, mail.To, mail.Role)))
		}
		sort.Strings(rows)
		dk := "disclose:" + advID + ":1:"
		want := []string{
			"cve_services advisory.published " + dk + "cve_services",
			"email advisory.published.liaison " + dk + "liaison liaison",
			"email case.ready.liaison case:" + key + ":liaison-notice:" + planned.Format(time.RFC3339) + " liaison",
			"email cve.assigned case:" + key + ":cve:CVE-2026-12345:" + rc.TrackingID + " jane@research.example",
			"email report.acknowledged report:" + rc.TrackingID + ":ack jane@research.example",
			"email report.disclosed " + dk + "reporter:" + rc.TrackingID + " jane@research.example",
			"feed advisory.published " + dk + "feed",
			"social advisory.published " + dk + "social",
			"subscribers advisory.published " + dk + "subscribers",
			"webhook advisory.published " + dk + "webhook",
		}
		if diff := cmp.Diff(want, rows); diff != "" {
			t.Errorf("outbox (-want +got):\n%s", diff)
		}

		// The audit trail: intact, every transition, every embargoed read.
		e.verifyAudit()
		es := e.auditEvents()
		obj := "case:" + key
		for _, action := range []string{"case.triage", "case.confirm", "case.start_fix", "case.ready", "case.disclose"} {
			if n := count(es, action, obj); n != 1 {
				t.Errorf("audit %s: %d events, want 1", action, n)
			}
		}
		for _, o := range []string{"advisory:" + advID, "release:scheduler/2.7.3", "release:scheduler/2.6.9"} {
			if count(es, "advisory.publish", o)+count(es, "release.publish", o) != 1 {
				t.Errorf("audit: no publication event for %s", o)
			}
		}
		if n := count(es, "report.received", "report:"+rc.TrackingID); n != 1 {
			t.Errorf("audit report.received: %d", n)
		}
		if n := count(es, "case.read", obj); n != reads {
			t.Errorf("audit case.read: %d events, want %d (one per read by a person before the disclosure)", n, reads)
		}
		for _, ev := range es {
			if ev.Action == "case.read" && (ev.Actor == "public" || !ev.At.Before(planned)) {
				t.Errorf("audited read %+v: by the public or after the disclosure", ev)
			}
		}
	})
}

// TestGuards shows every guard refusing its transition over HTTP with 409
// and the list of what failed.
func TestGuards(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		f := e.product("vault", "Vault", branchSpec{"7.3", product.Maintained, []string{"7.3.0"}}, branchSpec{"7.1", product.EndOfLife, nil})
		w := e.walk(caseSpec{ReportTitle: "Guarded", ReportBody: "b", Until: vcase.Received})
		id := w.CaseID

		// Illegal transitions from received.
		for _, tr := range []vcase.Transition{vcase.Disclose, vcase.Confirm, vcase.MarkReady, vcase.StartFix, vcase.Reopen} {
			if got := e.refused(id, tr); !slices.Equal(got, []string{fmt.Sprintf("no %s from state received", tr)}) {
				t.Errorf("%s from received: %q", tr, got)
			}
		}
		p := e.problem("POST", fmt.Sprintf("/api/v1/cases/%d/transitions", id), e.tok["alice"], map[string]any{"transition": "explode"}, 422)
		if len(p.Problems) != 1 || !strings.HasPrefix(p.Problems[0], "transition:") {
			t.Errorf("unknown transition: %+v", p)
		}
		e.problem("POST", "/api/v1/cases/999999/transitions", e.tok["alice"], map[string]any{"transition": "triage"}, 404)

		// triage needs a task force.
		if got := e.refused(id, vcase.StartTriage); !slices.Equal(got, []string{"a task force needs at least one member"}) {
			t.Errorf("triage: %q", got)
		}
		e.patchCase(id, map[string]any{"task_force": []string{"alice"}})
		e.transition(id, vcase.StartTriage)

		// confirm without product, branches and risk lists every one.
		want := []string{"the affected product is not set", "no affected branch is identified",
			"no risk evaluation: a CVSS 3.1 or 4.0 vector is needed", "no severity derived from the risk"}
		if diff := cmp.Diff(want, e.refused(id, vcase.Confirm)); diff != "" {
			t.Errorf("confirm guards (-want +got):\n%s", diff)
		}
		e.patchCase(id, map[string]any{"product_id": f.Product.ID})
		if diff := cmp.Diff(want[1:], e.refused(id, vcase.Confirm)); diff != "" {
			t.Errorf("confirm guards with a product (-want +got):\n%s", diff)
		}
		e.patchCase(id, map[string]any{"affected_branches": []int64{f.Branches["7.3"].ID, f.Branches["7.1"].ID},
			"risk": map[string]any{"cvss31": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", "cwe": []string{"CWE-862"}}})
		e.transition(id, vcase.Confirm)

		// start_fix needs the change request.
		if got := e.refused(id, vcase.StartFix); !slices.Equal(got, []string{"no private change request is recorded"}) {
			t.Errorf("start_fix: %q", got)
		}
		e.patchCase(id, map[string]any{"change_request": map[string]any{"ref": "SEC-7"}})
		e.transition(id, vcase.StartFix)
		if got := e.refused(id, vcase.Reject, "reason", "out_of_scope"); !slices.Equal(got, []string{"no reject from state fixing"}) {
			t.Errorf("reject from fixing: %q", got)
		}

		// ready lists everything missing, then only the unverified fix.
		want = []string{"no CVE ID is recorded", "the CVE record draft has no description", "no summary for the announcement",
			"no planned disclosure time", "branch 7.3: fix is pending, not verified", "branch 7.3: no release carries the fix"}
		if diff := cmp.Diff(want, e.refused(id, vcase.MarkReady)); diff != "" {
			t.Errorf("ready guards (-want +got):\n%s", diff)
		}
		planned := friday.Add(7 * 24 * time.Hour)
		rel := e.release(f.Branches["7.3"].ID, map[string]any{"state": "qa", "planned_at": planned})
		e.patchCase(id, map[string]any{"cve_id": "CVE-2026-5555", "cve_draft": map[string]any{"description": "Missing authorisation in the export API of Orbit before 7.3.1 exposes every tenant's data."},
			"summary": "s", "planned_disclosure": planned})
		b73 := f.Branches["7.3"].ID
		e.call("PATCH", fmt.Sprintf("/api/v1/cases/%d/fixes/%d", id, b73), e.tok["bob"],
			map[string]any{"status": "fixed", "release_id": rel.ID, "commits": []string{"abcdef1"}}, 404, nil) // bob is not on the task force
		e.call("PATCH", fmt.Sprintf("/api/v1/cases/%d/fixes/%d", id, b73), e.tok["alice"],
			map[string]any{"status": "fixed", "release_id": rel.ID, "commits": []string{"abcdef1"}}, 200, nil)
		if got := e.refused(id, vcase.MarkReady); !slices.Equal(got, []string{"branch 7.3: fix is fixed, not verified"}) {
			t.Errorf("ready with an unverified fix: %q", got)
		}
		p = e.problem("PATCH", fmt.Sprintf("/api/v1/cases/%d/fixes/%d", id, b73), e.tok["alice"], map[string]any{"status": "verified"}, 422)
		if !slices.Equal(p.Problems, []string{"fixes[0].evidence: required when verified"}) {
			t.Errorf("verified without evidence: %q", p.Problems)
		}
		e.call("PATCH", fmt.Sprintf("/api/v1/cases/%d/fixes/%d", id, b73), e.tok["alice"],
			map[string]any{"status": "verified", "evidence": "exploit refused"}, 200, nil)

		// ready with the release planned after the disclosure.
		e.call("PATCH", fmt.Sprintf("/api/v1/releases/%d", rel.ID), e.tok["alice"], map[string]any{"planned_at": planned.Add(time.Hour)}, 200, nil)
		if got := e.refused(id, vcase.MarkReady); !slices.Equal(got, []string{"branch 7.3: release 7.3.1 is neither published nor scheduled for the disclosure"}) {
			t.Errorf("ready with a late release: %q", got)
		}
		e.call("PATCH", fmt.Sprintf("/api/v1/releases/%d", rel.ID), e.tok["alice"], map[string]any{"planned_at": planned}, 200, nil)
		e.transition(id, vcase.MarkReady)

		// disclose before the planned time; reopen goes back to fixing.
		if got := e.refused(id, vcase.Disclose); len(got) != 1 || !strings.Contains(got[0], "has not come") {
			t.Errorf("early disclosure: %q", got)
		}
		if v := e.transition(id, vcase.Reopen); v.State != vcase.Fixing || v.ReadyAt != nil {
			t.Errorf("reopen from ready: %s %v", v.State, v.ReadyAt)
		}
		e.transition(id, vcase.MarkReady)
		e.clock.Set(planned)
		e.transition(id, vcase.Disclose)
		if got := e.refused(id, vcase.Reopen); !slices.Equal(got, []string{"no reopen from state disclosed"}) {
			t.Errorf("reopen a disclosed case: %q", got)
		}
		e.problem("PATCH", fmt.Sprintf("/api/v1/cases/%d", id), e.tok["alice"], map[string]any{"title": "x"}, 409)

		// reject: a reason is needed, a duplicate names its case.
		other := e.walk(caseSpec{ReportTitle: "Same again", ReportBody: "b", Until: vcase.Received}).CaseID
		if got := e.refused(other, vcase.Reject); len(got) != 1 || !strings.HasPrefix(got[0], "a rejection needs a reason") {
			t.Errorf("reject without a reason: %q", got)
		}
		if got := e.refused(other, vcase.Reject, "reason", "duplicate"); !slices.Equal(got, []string{"a duplicate needs the case it duplicates"}) {
			t.Errorf("duplicate without duplicate_of: %q", got)
		}
		if got := e.refused(other, vcase.Reject, "reason", "duplicate", "duplicate_of", other); !slices.Equal(got, []string{"a case cannot duplicate itself"}) {
			t.Errorf("duplicate of itself: %q", got)
		}
		p = e.problem("POST", fmt.Sprintf("/api/v1/cases/%d/transitions", other), e.tok["alice"],
			map[string]any{"transition": "reject", "reason": "duplicate", "duplicate_of": 999999}, 422)
		if len(p.Problems) != 1 || !strings.HasPrefix(p.Problems[0], "duplicate_of:") {
			t.Errorf("duplicate of a missing case: %q", p.Problems)
		}
		v := e.transition(other, vcase.Reject, "reason", "duplicate", "duplicate_of", id)
		if v.State != vcase.Rejected || v.RejectReason != vcase.DuplicateOf || v.DuplicateOf == nil || *v.DuplicateOf != id {
			t.Errorf("rejected as duplicate: %+v", v.Case)
		}
		e.problem("PATCH", fmt.Sprintf("/api/v1/cases/%d", other), e.tok["alice"], map[string]any{"title": "x"}, 409)
		v = e.transition(other, vcase.Reopen)
		if v.State != vcase.Triage || v.RejectReason != "" || v.DuplicateOf != nil || v.ClosedAt != nil {
			t.Errorf("reopened: %+v", v.Case)
		}
		e.verifyAudit()
	})
}

// TestDisclosureIsOneTransaction makes the disclosure fail at its last
// writes and shows that nothing of it remains.
func TestDisclosureIsOneTransaction(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		ctx := context.Background()
		f := e.product("vault", "Vault", branchSpec{"7.3", product.Maintained, []string{"7.3.0"}}, branchSpec{"7.2", product.Maintained, []string{"7.2.4"}})
		planned := friday.Add(5 * 24 * time.Hour)
		w := e.walk(caseSpec{ReportTitle: "Atomic", ReportBody: "b", Reporter: report.Contact{Email: "r@example.org"},
			Title: "Atomic", Summary: "s", CVE: "CVE-2026-4242", CVEDescription: "An atomicity flaw in the disclosure path of the product lets tests prove rollbacks.", ChangeRequest: "SEC-9", Evidence: "e",
			Fixture: f, Branches: []string{"7.3", "7.2"}, Versions: map[string]string{"7.3": "", "7.2": ""}, Planned: planned, Until: vcase.Ready})

		// Another case already holds the advisory ID the disclosure takes.
		blocker := e.walk(caseSpec{ReportTitle: "Blocker", ReportBody: "b", Until: vcase.Received})
		advID := advisory.ID(planned.Year(), 1)
		if err := s.AddRevision(ctx, blocker.CaseID, advisory.Revision{AdvisoryID: advID, Number: 1, Status: advisory.Final,
			PublishedAt: friday, Title: "Blocker", Summary: "s", Severity: "low", Affected: []advisory.Affected{}}); err != nil {
			t.Fatal(err)
		}

		before := e.getCase(w.CaseID, e.tok["alice"])
		outboxBefore, auditBefore := e.outbox(), e.auditEvents()
		e.clock.Set(planned)
		res := e.send("POST", fmt.Sprintf("/api/v1/cases/%d/transitions", w.CaseID), e.tok["alice"], map[string]any{"transition": "disclose"})
		e.checkProblem("disclose", res, 409)

		after := e.getCase(w.CaseID, e.tok["alice"])
		if after.State != vcase.Ready || after.Version != before.Version || after.DisclosedAt != nil || after.CVEState != before.CVEState || after.Advisory != "" {
			t.Errorf("case after the failed disclosure: %s v%d (was v%d), disclosed %v, CVE %s, advisory %q",
				after.State, after.Version, before.Version, after.DisclosedAt, after.CVEState, after.Advisory)
		}
		for b, r := range w.Releases {
			if got := e.releaseByID(f, r.ID); got.State != product.QA || got.PublishedAt != nil {
				t.Errorf("release of %s after the failed disclosure: %s %v", b, got.State, got.PublishedAt)
			}
		}
		if _, err := s.AdvisoryIDByCase(ctx, w.CaseID); err == nil {
			t.Error("the case has an advisory after the failed disclosure")
		}
		var revs []advisory.Revision
		e.call("GET", "/api/v1/advisories", "", nil, 200, &revs)
		if len(revs) != 1 || revs[0].Title != "Blocker" {
			t.Errorf("public advisories: %+v", revs)
		}
		if diff := cmp.Diff(outboxBefore, e.outbox()); diff != "" {
			t.Errorf("outbox changed (-before +after):\n%s", diff)
		}
		auditAfter := e.auditEvents()
		// Only the read between the two snapshots is new.
		if len(auditAfter) != len(auditBefore)+1 || auditAfter[0].Action != "case.read" {
			t.Errorf("audit: %d events before, %d after, newest %+v", len(auditBefore), len(auditAfter), auditAfter[0])
		}
		for _, a := range []string{"case.disclose", "advisory.publish", "release.publish"} {
			if n := count(auditAfter, a, ""); n != 0 {
				t.Errorf("audit has %d %s events", n, a)
			}
		}
		if st := e.reporterStatus(w.Receipt.StatusToken); st.State != "fixed" || st.Advisory != "" {
			t.Errorf("reporter status: %+v", st)
		}
		e.verifyAudit()
	})
}

// fill replaces the wildcards of a route pattern with the values named by
// the wildcard, or by the path segment before it and the wildcard.
func fill(t testing.TB, pattern string, vals map[string]string) string {
	t.Helper()
	segs := strings.Split(pattern, "/")
	for i, s := range segs {
		if !strings.HasPrefix(s, "{") {
			continue
		}
		v, ok := vals[segs[i-1]+"/"+s]
		if !ok {
			v, ok = vals[s]
		}
		if !ok {
			t.Fatalf("no test value for %s in %s: add one", s, pattern)
		}
		segs[i] = url.PathEscape(v)
	}
	return strings.Join(segs, "/")
}

// routes is the API's route table.
func (e *env) routes() []api.RouteInfo {
	return api.New(e.svc, api.Options{}).Table()
}

// marked is a case whose every text carries a marker, to look for leaks.
type marked struct {
	spec caseSpec
	// public are the markers the advisory shows after the disclosure;
	// secret are the ones that must never be public.
	public, secret []string
}

func markedCase(f fixture, p string, versions map[string]string, planned time.Time, until vcase.State, cve string) marked {
	m := marked{spec: caseSpec{
		ReportTitle: "Zq" + p + "reporttitle crash", ReportBody: "zq" + p + "reportbody steps",
		Reporter: report.Contact{Name: "Zq" + p + "reportername", Email: "zq" + p + "reporteremail@example.org"},
		Title:    "Zq" + p + "title heap overflow", Summary: "zq" + p + "summary for customers", Details: "zq" + p + "details root cause",
		Workaround: "zq" + p + "workaround disable", RiskNotes: "zq" + p + "risknotes", CVE: cve,
		CVEDescription: "zq" + p + "cvedesc overflow in the import parser lets remote attackers run code", ChangeRequest: "ZQ" + p + "CR-1", Evidence: "zq" + p + "evidence refused",
		Credits: []vcase.Credit{{Name: "Zq" + p + "creditname", Type: "finder"}},
		Fixture: f, Branches: []string{"7.3", "7.2", "7.1"}, Versions: versions, Planned: planned, Until: until,
	}}
	m.public = []string{m.spec.Title, m.spec.Summary, m.spec.Workaround, m.spec.CVEDescription, m.spec.Credits[0].Name}
	if cve != "" {
		m.public = append(m.public, cve)
	}
	for _, v := range versions {
		if v != "" {
			m.public = append(m.public, v)
		}
	}
	m.secret = []string{m.spec.ReportTitle, m.spec.ReportBody, m.spec.Reporter.Name, m.spec.Reporter.Email, m.spec.Details,
		m.spec.RiskNotes, m.spec.ChangeRequest, m.spec.Evidence}
	return m
}

// sweep fetches every public route of the API and of the site, and calls
// every authenticated route without a token (which must answer 401).
func (e *env) sweep(other receipt, ids map[string]string) map[string]result {
	e.t.Helper()
	out := map[string]result{}
	year := strconv.Itoa(e.clock.Now().Year())
	advIDs := []string{"VIGIL-SA-" + year + "-001", "VIGIL-SA-" + year + "-002", "VIGIL-SA-" + year + "-003", "VC-" + year + "-0001", "1"}
	tokens := []string{other.StatusToken, casework.StatusPrefix + "guessed"}
	bodies := map[string]any{
		"POST /api/v1/intake":                  map[string]any{"title": "Sweep", "body": "sweep", "reporter": map[string]string{"email": "sweep@example.org"}},
		"POST /api/v1/intake/{token}/messages": map[string]any{"body": "any news?"},
	}
	for _, rt := range e.routes() {
		if !rt.Public {
			continue
		}
		var paths []string
		switch {
		case strings.Contains(rt.Pattern, "{token}"):
			for _, tok := range tokens {
				paths = append(paths, fill(e.t, rt.Pattern, map[string]string{"{token}": tok}))
			}
		case strings.Contains(rt.Pattern, "{id}"):
			for _, id := range advIDs {
				paths = append(paths, fill(e.t, rt.Pattern, map[string]string{"advisories/{id}": id}))
			}
		default:
			paths = []string{rt.Pattern}
		}
		for _, p := range paths {
			res := e.send(rt.Method, p, "", bodies[rt.Method+" "+rt.Pattern])
			if res.Status >= 500 {
				e.t.Errorf("%s %s: %d", rt.Method, p, res.Status)
			}
			out[rt.Method+" "+p] = res
		}
	}
	site := []string{"/", "/?page=2", "/report", "/report/status/" + other.StatusToken, "/report/status/" + casework.StatusPrefix + "guessed",
		"/.well-known/security.txt", "/static/site.css", "/healthz", "/nothing-here", "/feed.rss", "/feed.atom",
		"/subscribe", "/subscribe/sent", "/subscribe/confirm/vsc_guessed_token", "/unsubscribe/vsu_guessed_token"}
	for _, id := range advIDs {
		site = append(site, "/advisories/"+id)
	}
	site = append(site, e.publicDocuments(ids["{slug}"], advIDs)...)
	for _, p := range site {
		res := e.send("GET", p, "", nil)
		if res.Status >= 500 {
			e.t.Errorf("GET %s: %d", p, res.Status)
		}
		out["GET "+p] = res
	}
	form := url.Values{"title": {"Sweep form"}, "body": {"sweep"}, "email": {"form@example.org"}}.Encode()
	out["POST /report"] = e.send("POST", "/report", "", form, "Content-Type", "application/x-www-form-urlencoded")
	if res := out["POST /report"]; res.Status != http.StatusSeeOther {
		e.t.Errorf("POST /report: %d, want 303", res.Status)
	}
	// Subscribing to a product that has no published advisory yet is refused
	// like any unknown product: the form does not confirm that it exists.
	for _, product := range []string{ids["{slug}"], "no-such-product"} {
		sub := url.Values{"email": {"sweep@example.org"}, "product": {product}}.Encode()
		out["POST /subscribe "+product] = e.send("POST", "/subscribe", "", sub, "Content-Type", "application/x-www-form-urlencoded")
	}

	e.clock.Advance(time.Minute) // the intake limiter refills

	for _, rt := range e.routes() {
		if rt.Public {
			continue
		}
		p := fill(e.t, rt.Pattern, ids)
		for _, auth := range []string{"", "vgl_guessed", "Basic cm9vdDpyb290"} {
			req, _ := http.NewRequest(rt.Method, e.srv.URL+p, strings.NewReader(`{}`))
			if auth != "" {
				req.Header.Set("Authorization", "Bearer "+auth)
				if strings.HasPrefix(auth, "Basic") {
					req.Header.Set("Authorization", auth)
				}
			}
			res := e.do(req)
			if res.Status != 401 || res.Header.Get("WWW-Authenticate") == "" {
				e.t.Errorf("%s %s with %q: %d, want 401 with WWW-Authenticate", rt.Method, p, auth, res.Status)
			}
			out[rt.Method+" "+p+" auth="+auth] = res
		}
	}
	return out
}

// publicDocuments are the public paths a product's advisories and releases
// could be published at, in every format, with the hash and signature files
// next to each document; the pages and feeds of the product; and the CSAF
// provider's directory, indexes and keys. Every release of the product
// counts, published or not.
func (e *env) publicDocuments(slug string, advIDs []string) []string {
	e.t.Helper()
	ctx := context.Background()
	year := strconv.Itoa(e.clock.Now().Year())
	dir := csaf.Directory + year + "/"
	docs := []string{}
	for _, id := range advIDs {
		docs = append(docs, "/advisories/"+id+"/cve.json", "/advisories/"+id+"/osv.json", dir+csaf.Filename(id))
	}
	p, err := e.store.ProductBySlug(ctx, slug)
	if err != nil {
		e.t.Fatal(err)
	}
	branches, err := e.store.ListBranches(ctx, p.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	vendor := advisory.Publisher{IDPrefix: "VIGIL-SA"}
	for _, b := range branches {
		rels, err := e.store.ListReleases(ctx, b.ID)
		if err != nil {
			e.t.Fatal(err)
		}
		for _, r := range rels {
			v := r.Version.String()
			docs = append(docs, "/vex/"+slug+"-"+v+".openvex.json", "/vex/"+slug+"-"+v+".cdx.json",
				dir+csaf.Filename(csaf.VEXID(vendor, advisory.ReleaseVEX{ProductSlug: slug, Version: v})))
		}
	}
	var out []string
	for _, d := range docs {
		out = append(out, d, d+".sha256", d+".sha512", d+".asc")
	}
	out = append(out, "/products/"+slug, "/products/"+slug+"/feed.rss", "/products/"+slug+"/feed.atom",
		"/.well-known/csaf/", "/.well-known/csaf/provider-metadata.json", "/.well-known/csaf/service.json",
		csaf.Directory, csaf.Directory+"index.txt", csaf.Directory+"changes.csv", csaf.Directory+"csaf-feed-tlp-white.json",
		csaf.Directory+"category-white.json", dir)
	keys, err := e.store.SigningKeys(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, k := range keys {
		out = append(out, "/.well-known/csaf/openpgp/"+k.Fingerprint+".asc")
	}
	return out
}

func noneOf(t testing.TB, when string, got map[string]result, markers []string) {
	t.Helper()
	for where, res := range got {
		text := strings.ToLower(res.text())
		for _, m := range markers {
			if m == "" {
				t.Fatalf("%s: an empty marker", when)
			}
			if strings.Contains(text, strings.ToLower(m)) {
				t.Errorf("%s: %s reveals %q", when, where, m)
			}
		}
	}
}

// TestEmbargo is the embargo property (R7): before the disclosure no
// public answer reveals anything of a case; after it the advisory shows what
// was written for the public, with every branch, and still nothing else.
func TestEmbargo(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s, rendering(t))
		f := e.product("vault", "Vault",
			branchSpec{"7.3", product.Maintained, []string{"7.3.0", "7.3.90"}},
			branchSpec{"7.2", product.Maintained, []string{"7.2.56"}},
			branchSpec{"7.1", product.EndOfLife, []string{"7.1.9"}})
		planned := friday.Add(10 * 24 * time.Hour)
		// m is disclosed in the end (7.3.91 is derived); n stays under embargo.
		m := markedCase(f, "m", map[string]string{"7.3": "", "7.2": "7.2.57"}, planned, vcase.Ready, "CVE-2026-97531")
		m.public = append(m.public, "7.3.91")
		n := markedCase(f, "n", map[string]string{"7.3": "7.3.95", "7.2": "7.2.59"}, planned.Add(30*24*time.Hour), vcase.Fixing, "CVE-2026-97532")
		mw := e.walk(m.spec)
		if got := mw.Releases["7.3"].Version.String(); got != "7.3.91" {
			t.Fatalf("derived release %s, want 7.3.91", got)
		}
		e.walk(n.spec)
		k := markedCase(f, "k", nil, planned, vcase.Triage, "")
		e.walk(k.spec)
		other := e.intake("My own report", "nothing to do with the others", report.Contact{Name: "Other", Email: "other@example.org"})
		e.clock.Advance(time.Hour)

		ids := map[string]string{
			"users/{id}": strconv.FormatInt(e.users["dave"].ID, 10), "tokens/{id}": "1",
			"reports/{id}": strconv.FormatInt(mw.ReportID, 10), "cases/{id}": strconv.FormatInt(mw.CaseID, 10),
			"branches/{id}": strconv.FormatInt(f.Branches["7.3"].ID, 10), "releases/{id}": strconv.FormatInt(mw.Releases["7.3"].ID, 10),
			"{slug}": "vault", "{branch}": strconv.FormatInt(f.Branches["7.3"].ID, 10), "cve/{id}": "CVE-2026-97531",
			"findings/{id}": strconv.FormatInt(e.finding(f.Releases["7.3.0"].ID).ID, 10), "rules/{id}": "999999",
		}
		all := slices.Concat(m.public, m.secret, n.public, n.secret, k.public, k.secret)
		res := e.sweep(other, ids)
		noneOf(t, "before the disclosure", res, all)
		if a, b := res["POST /subscribe vault"], res["POST /subscribe no-such-product"]; a.Status != b.Status {
			t.Errorf("subscribing to a product without published advisories answers %d, to an unknown one %d: the form tells them apart", a.Status, b.Status)
		}
		if len(res) < 40 {
			t.Errorf("the sweep made only %d requests", len(res))
		}

		// The disclosure of m.
		e.clock.Set(planned)
		e.transition(mw.CaseID, vcase.Disclose)
		res = e.sweep(other, ids)
		noneOf(t, "after the disclosure", res, slices.Concat(m.secret, n.public, n.secret, k.public, k.secret))

		year := planned.Year()
		advID := advisory.ID(year, 1)
		var revs []advisory.Revision
		e.call("GET", "/api/v1/advisories", "", nil, 200, &revs)
		if len(revs) != 1 {
			t.Fatalf("advisories: %d", len(revs))
		}
		var aff []string
		for _, a := range revs[0].Affected {
			aff = append(aff, fmt.Sprintf("%s %v %s", a.Branch, a.Maintained, a.Fixed))
		}
		if diff := cmp.Diff([]string{"7.3 true 7.3.91", "7.2 true 7.2.57", "7.1 false "}, aff); diff != "" {
			t.Errorf("affected branches of the one revision (-want +got):\n%s", diff)
		}
		for _, where := range []string{"GET /api/v1/advisories", "GET /api/v1/advisories/" + advID, "GET /advisories/" + advID} {
			text := res[where].text()
			for _, mk := range m.public {
				if !strings.Contains(text, mk) {
					t.Errorf("%s does not show %q", where, mk)
				}
			}
		}
		if page := string(res["GET /advisories/"+advID].Body); !strings.Contains(page, `data-label="Branch">7.1</td>`) || !strings.Contains(page, "no fix: end of life") {
			t.Errorf("the advisory page does not list the end-of-life branch without a fix")
		}
		for _, where := range []string{"GET /", "GET /products/vault", "GET /feed.rss", "GET /feed.atom", "GET /products/vault/feed.rss", "GET /products/vault/feed.atom"} {
			for _, mk := range []string{advID, m.spec.Title, m.spec.CVE, "7.3.91", "7.2.57"} {
				if !strings.Contains(res[where].text(), mk) {
					t.Errorf("%s does not show %q", where, mk)
				}
			}
		}
		e.followAdvisory(advID, []string{"/vex/vault-7.3.91.openvex.json", "/vex/vault-7.2.57.cdx.json"})
	})
}

// rendering makes the service publish every document at the disclosure,
// signed with a key of its own, as `vigil serve` does.
func rendering(t testing.TB) func(*casework.Service) {
	return func(svc *casework.Service) {
		vendor := advisory.Publisher{Name: "Acme Corporation", Namespace: "https://acme.example", Contact: "security@acme.example",
			BaseURL: svc.BaseURL, IDPrefix: "VIGIL-SA", CNAOrgID: "b3476cb9-2e3d-41a6-98d0-0f47421a65b6", CNAShort: "acme"}
		key, err := publish.Key(context.Background(), svc.Store, vendor, svc.Now())
		if err != nil {
			t.Fatal(err)
		}
		svc.Renderer = &publish.Renderer{Vendor: vendor, Key: key}
	}
}

var (
	hrefs    = regexp.MustCompile(`href="(/[^"]*)"`)
	docLinks = regexp.MustCompile(`(?s)<a class="doc" href="([^"]+)"[^>]*>.*?<span class="sha256">([0-9a-f]{64})</span>.*?SHA-512 ([0-9a-f]{128})`)
)

// followAdvisory follows every link of the advisory page that stays on the
// site: each must answer 200, and each machine-readable document must match
// the SHA-256 and SHA-512 the page shows, its .sha256 and .sha512 files and
// its detached signature. The documents must cover every format and include
// the VEX documents named.
func (e *env) followAdvisory(advID string, vex []string) {
	e.t.Helper()
	page := e.send("GET", "/advisories/"+advID, "", nil)
	if page.Status != 200 {
		e.t.Fatalf("advisory page: %d", page.Status)
	}
	for _, m := range hrefs.FindAllStringSubmatch(string(page.Body), -1) {
		p := html.UnescapeString(m[1])
		if res := e.send("GET", p, "", nil); res.Status != 200 {
			e.t.Errorf("the advisory page links %s: %d", p, res.Status)
		}
	}
	keys, err := e.store.SigningKeys(context.Background())
	if err != nil || len(keys) == 0 {
		e.t.Fatalf("signing keys: %v %d", err, len(keys))
	}
	var docs []string
	for _, m := range docLinks.FindAllStringSubmatch(string(page.Body), -1) {
		p, s256, s512 := html.UnescapeString(m[1]), m[2], m[3]
		docs = append(docs, p)
		doc := e.send("GET", p, "", nil)
		got256, got512 := sha256.Sum256(doc.Body), sha512.Sum512(doc.Body)
		if doc.Status != 200 || hex.EncodeToString(got256[:]) != s256 || hex.EncodeToString(got512[:]) != s512 {
			e.t.Errorf("%s: %d, SHA-256 %x SHA-512 %x, the page says %s and %s", p, doc.Status, got256, got512, s256, s512)
		}
		if !json.Valid(doc.Body) || !strings.HasPrefix(doc.Header.Get("Content-Type"), "application/json") {
			e.t.Errorf("%s: not JSON (%q)", p, doc.Header.Get("Content-Type"))
		}
		name := p[strings.LastIndex(p, "/")+1:]
		for ext, want := range map[string]string{".sha256": s256, ".sha512": s512} {
			if res := e.send("GET", p+ext, "", nil); res.Status != 200 || string(res.Body) != want+"  "+name+"\n" {
				e.t.Errorf("%s%s: %d %q", p, ext, res.Status, res.Body)
			}
		}
		sig := e.send("GET", p+".asc", "", nil)
		if err := signing.Verify(keys[0].Public, doc.Body, string(sig.Body)); sig.Status != 200 || err != nil {
			e.t.Errorf("%s.asc: %d, %v", p, sig.Status, err)
		}
	}
	csafDoc := csaf.Directory + strconv.Itoa(e.clock.Now().Year()) + "/" + csaf.Filename(advID)
	for _, want := range append([]string{csafDoc, "/advisories/" + advID + "/cve.json", "/advisories/" + advID + "/osv.json"}, vex...) {
		if !slices.Contains(docs, want) {
			e.t.Errorf("the advisory page does not link %s; it links %q", want, docs)
		}
	}
}

// TestRoles checks every authenticated route for every role against the
// route table and the role table, then a few facts by hand.
func TestRoles(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		f := e.product("vault", "Vault", branchSpec{"7.3", product.Maintained, []string{"7.3.0"}})
		planned := friday.Add(10 * 24 * time.Hour)
		sp := caseSpec{ReportTitle: "Roles", ReportBody: "zqreportbody steps", Reporter: report.Contact{Name: "Rita Reporter", Email: "rita@example.org"},
			Title: "Role title", Summary: "zqsummary for the announcement", Details: "zqdetails technical", CVE: "CVE-2026-3131",
			CVEDescription: "zqcvedraft description of a buffer overflow that lets remote attackers run code", ChangeRequest: "SEC-3", Evidence: "e", Fixture: f,
			Branches: []string{"7.3"}, Versions: map[string]string{"7.3": ""}, Planned: planned, Until: vcase.Ready}
		w := e.walk(sp)
		fnd := e.finding(f.Releases["7.3.0"].ID)
		ids := map[string]string{
			"users/{id}": strconv.FormatInt(e.users["dave"].ID, 10), "tokens/{id}": "999999",
			"reports/{id}": strconv.FormatInt(w.ReportID, 10), "cases/{id}": strconv.FormatInt(w.CaseID, 10),
			"branches/{id}": strconv.FormatInt(f.Branches["7.3"].ID, 10), "releases/{id}": strconv.FormatInt(f.Releases["7.3.0"].ID, 10),
			"{slug}": "vault", "{branch}": strconv.FormatInt(f.Branches["7.3"].ID, 10), "cve/{id}": "CVE-2026-97531",
			"findings/{id}": strconv.FormatInt(fnd.ID, 10), "rules/{id}": "999999",
		}
		// What a permitted call answers: reads succeed; writes get a body
		// with an unknown field and are refused as bad requests before
		// changing anything; the one DELETE names a token that is not there.
		permitted := map[string]int{"GET": 200, "POST": 400, "PATCH": 400, "PUT": 400, "DELETE": 404}
		tried := 0
		for _, rt := range e.routes() {
			if rt.Public {
				continue
			}
			p := fill(t, rt.Pattern, ids)
			var body any
			if rt.Method == "POST" || rt.Method == "PATCH" || rt.Method == "PUT" {
				body = map[string]any{"zz_not_a_field": 1}
			}
			for _, role := range user.Roles {
				res := e.send(rt.Method, p, e.role[role], body)
				tried++
				if rt.Perm != "" && !role.Can(rt.Perm) {
					e.checkProblem(fmt.Sprintf("%s %s as %s", rt.Method, p, role), res, 403)
					continue
				}
				want, ok := permitted[rt.Method]
				if !ok {
					t.Fatalf("%s %s: no expectation for method %s", rt.Method, p, rt.Method)
				}
				if res.Status != want {
					t.Errorf("%s %s as %s: %d, want %d: %s", rt.Method, p, role, res.Status, want, res.Body)
				}
			}
		}
		if tried < 100 {
			t.Errorf("only %d calls", tried)
		}

		// Facts worth stating by hand.
		caseURL := fmt.Sprintf("/api/v1/cases/%d", w.CaseID)
		liaison := e.tok["carol"]
		e.problem("GET", caseURL, liaison, nil, 403)
		e.problem("GET", "/api/v1/reports", liaison, nil, 403)
		e.problem("GET", "/api/v1/schedule", e.tok["dave"], nil, 403)
		res := e.call("GET", "/api/v1/schedule", liaison, nil, 200, nil)
		var sched []casework.Announcement
		if err := json.Unmarshal(res.Body, &sched); err != nil {
			t.Fatal(err)
		}
		if len(sched) != 1 || sched[0].Summary != sp.Summary || sched[0].PlannedDisclosure == nil || !sched[0].PlannedDisclosure.Equal(planned) ||
			!slices.Equal(sched[0].FixedVersions, []string{"7.3.1"}) {
			t.Errorf("schedule: %+v", sched)
		}
		for _, secret := range []string{sp.Details, sp.CVEDescription, sp.Reporter.Name, sp.Reporter.Email, sp.ReportBody, sp.ChangeRequest, "details", "cve_draft", "reporter"} {
			if strings.Contains(string(res.Body), secret) {
				t.Errorf("the schedule shows %q: %s", secret, res.Body)
			}
		}

		// Engineers see only the cases whose task force names them.
		erin := e.tok["erin"]
		e.problem("GET", caseURL, erin, nil, 404)
		e.problem("PATCH", fmt.Sprintf("%s/fixes/%s", caseURL, ids["{branch}"]), erin, map[string]any{"status": "fixed"}, 404)
		var list []vcase.Case
		e.call("GET", "/api/v1/cases", erin, nil, 200, &list)
		if len(list) != 0 {
			t.Errorf("erin lists %d cases", len(list))
		}
		e.call("GET", "/api/v1/cases", e.tok["bob"], nil, 200, &list)
		if len(list) != 1 || list[0].ID != w.CaseID {
			t.Errorf("bob lists %+v", list)
		}
		if v := e.getCase(w.CaseID, e.tok["bob"]); v.Reports != nil {
			t.Errorf("an engineer sees the reports: %+v", v.Reports)
		}

		// A revoked and an expired token are refused.
		ctx := context.Background()
		tk, plain, err := e.svc.IssueToken(ctx, casework.System, e.users["alice"].ID, "to revoke", nil)
		if err != nil {
			t.Fatal(err)
		}
		e.call("GET", "/api/v1/me", plain, nil, 200, nil)
		e.call("DELETE", fmt.Sprintf("/api/v1/tokens/%d", tk.ID), e.tok["root"], nil, 204, nil)
		e.problem("GET", "/api/v1/me", plain, nil, 401)
		exp := e.clock.Now().Add(time.Hour)
		_, plain, err = e.svc.IssueToken(ctx, casework.System, e.users["alice"].ID, "short", &exp)
		if err != nil {
			t.Fatal(err)
		}
		var me user.User
		e.call("GET", "/api/v1/me", plain, nil, 200, &me)
		if me.Name != "alice" {
			t.Errorf("me: %+v", me)
		}
		e.clock.Set(exp)
		e.problem("GET", "/api/v1/me", plain, nil, 401)
		e.call("GET", "/api/v1/me", e.tok["alice"], nil, 200, nil)
	})
}

// TestBadInput sends malformed, oversized, invalid and stale input.
func TestBadInput(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		tok := e.tok["alice"]
		f := e.product("vault", "Vault", branchSpec{"7.3", product.Maintained, []string{"7.3.0"}})
		w := e.walk(caseSpec{ReportTitle: "Bad input", ReportBody: "b", Until: vcase.Triage})
		caseURL := fmt.Sprintf("/api/v1/cases/%d", w.CaseID)

		p := e.problem("POST", "/api/v1/products", tok, `{"slug":"x","name":"y","bogus":1}`, 400)
		if !strings.Contains(p.Detail, `unknown field "bogus"`) {
			t.Errorf("unknown field: %+v", p)
		}
		for _, body := range []string{`{"slug":`, `not json`, `{"slug":"x"} {"slug":"y"}`, ``, `{"slug":1}`, `[]`} {
			e.problem("POST", "/api/v1/products", tok, body, 400)
		}
		e.problem("POST", "/api/v1/intake", "", `{"title":"t","body":"b","extra":true}`, 400)
		res := e.send("POST", "/api/v1/products", tok, `{"slug":"x","name":"y"}`, "Content-Type", "text/plain")
		e.checkProblem("text/plain body", res, 400)

		// Bodies over the limits.
		big := strings.Repeat("a", 300<<10)
		e.problem("POST", "/api/v1/intake", "", map[string]any{"title": "t", "body": big}, 413)
		e.problem("PATCH", caseURL, tok, map[string]any{"details": strings.Repeat(big, 4)}, 413)
		p = e.problem("POST", "/api/v1/intake", "", map[string]any{"title": "t", "body": strings.Repeat("a", 210<<10)}, 422)
		if !slices.Equal(p.Problems, []string{"body: at most 204800 bytes"}) {
			t.Errorf("long body: %q", p.Problems)
		}

		// Validation lists every problem with its field path.
		p = e.problem("POST", "/api/v1/intake", "", map[string]any{"title": " ", "body": "", "reporter": map[string]string{"email": "not an address"}}, 422)
		if diff := cmp.Diff([]string{"title: required", "body: required", "reporter.email: not a valid e-mail address"}, p.Problems); diff != "" {
			t.Errorf("intake problems (-want +got):\n%s", diff)
		}
		before := e.getCase(w.CaseID, tok)
		p = e.problem("PATCH", caseURL, tok, map[string]any{
			"cve_id": "CVE-1", "product_id": 999999,
			"risk":       map[string]any{"cvss31": "CVSS:3.1/AV:Q", "cwe": []string{"CWE-0x"}, "tags": []string{"Bad Tag"}},
			"credits":    []map[string]any{{"name": "", "type": "hero"}},
			"references": []map[string]any{{"url": "ftp://example.org"}},
			"task_force": []string{""},
		}, 422)
		if p.Type != "urn:vigil:invalid" {
			t.Errorf("type %q", p.Type)
		}
		for _, path := range []string{"risk: cvss31:", "product_id:", "cve_id:", "risk.cwe[0]:", "risk.tags[0]:", "credits[0].name:", "credits[0].type:", "references[0].url:", "task_force[0]:"} {
			if !slices.ContainsFunc(p.Problems, func(s string) bool { return strings.HasPrefix(s, path) }) {
				t.Errorf("no problem at %s in %q", path, p.Problems)
			}
		}
		p = e.problem("PATCH", caseURL, tok, map[string]any{"affected_branches": []int64{f.Branches["7.3"].ID}}, 422)
		if !slices.Equal(p.Problems, []string{"affected_branches: set product_id first"}) {
			t.Errorf("branches without product: %q", p.Problems)
		}
		p = e.problem("POST", fmt.Sprintf("/api/v1/branches/%d/releases", f.Branches["7.3"].ID), tok, map[string]any{"version": "7.4.0", "kind": "weekly", "state": "gone"}, 422)
		if len(p.Problems) != 3 {
			t.Errorf("release problems: %q", p.Problems)
		}
		p = e.problem("POST", fmt.Sprintf("/api/v1/branches/%d/releases", f.Branches["7.3"].ID), tok, map[string]any{"version": "x", "kind": "weekly"}, 422)
		if len(p.Problems) != 2 || !strings.HasPrefix(p.Problems[0], "version:") || !strings.HasPrefix(p.Problems[1], "kind:") {
			t.Errorf("release with a bad version and kind: %q", p.Problems)
		}
		// Branch "0" has no first version to derive: 0.0.0 is no release.
		var b0 product.Branch
		e.call("POST", "/api/v1/products/vault/branches", tok, map[string]any{"name": "0"}, 201, &b0)
		p = e.problem("POST", fmt.Sprintf("/api/v1/branches/%d/releases", b0.ID), tok, map[string]any{}, 422)
		if !slices.Equal(p.Problems, []string{"version: required"}) {
			t.Errorf("derived release of branch 0: %q", p.Problems)
		}
		if after := e.getCase(w.CaseID, tok); after.Version != before.Version {
			t.Errorf("a refused patch changed the case: version %d -> %d", before.Version, after.Version)
		}

		// A stale version is a conflict.
		v := e.patchCase(w.CaseID, map[string]any{"version": before.Version, "title": "first"})
		p = e.problem("PATCH", caseURL, tok, map[string]any{"version": before.Version, "title": "second"}, 409)
		if got := e.getCase(w.CaseID, tok); got.Title != "first" || got.Version != v.Version {
			t.Errorf("after the stale patch: %q v%d", got.Title, got.Version)
		}
		e.call("POST", "/api/v1/products", tok, map[string]any{"slug": "vault", "name": "again"}, 409, nil)
	})
}

// TestIntakeRateLimit: one client gets a burst of reports, then 429 with
// Retry-After until the bucket refills on the service's clock.
func TestIntakeRateLimit(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		post := func() result {
			return e.send("POST", "/api/v1/intake", "", map[string]any{"title": "t", "body": "b"})
		}
		form := func() result {
			return e.send("POST", "/report", "", "title=t&body=b", "Content-Type", "application/x-www-form-urlencoded")
		}
		// The API and the site's form share one budget per client.
		for i := range 20 {
			send, want := post, 201
			if i%2 == 1 {
				send, want = form, http.StatusSeeOther
			}
			if res := send(); res.Status != want {
				t.Fatalf("report %d: %d: %s", i+1, res.Status, res.Body)
			}
		}
		res := post()
		e.checkProblem("report 21", res, 429)
		if res.Header.Get("Retry-After") != "60" {
			t.Errorf("Retry-After %q", res.Header.Get("Retry-After"))
		}
		if res := form(); res.Status != 429 || res.Header.Get("Retry-After") != "60" {
			t.Errorf("the form after the burst: %d, Retry-After %q", res.Status, res.Header.Get("Retry-After"))
		}
		e.clock.Advance(6 * time.Second) // 10 a minute: one more
		if res := post(); res.Status != 201 {
			t.Errorf("after 6 s: %d", res.Status)
		}
		e.checkProblem("again", post(), 429)
		e.clock.Advance(time.Minute)
		for i := range 10 {
			if res := post(); res.Status != 201 {
				t.Fatalf("after a minute, report %d: %d", i+1, res.Status)
			}
		}
		e.checkProblem("after 10 more", post(), 429)
		// Nothing refused was stored.
		var rs []report.Report
		e.call("GET", "/api/v1/reports?limit=500", e.tok["alice"], nil, 200, &rs)
		if len(rs) != 31 {
			t.Errorf("%d reports stored, want 31", len(rs))
		}
	})
}

// TestHostileInput throws odd paths, queries, headers and bodies at the
// server: nothing may answer 5xx or break the connection.
func TestHostileInput(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		f := e.product("vault", "Vault", branchSpec{"7.3", product.Maintained, []string{"7.3.0"}}, branchSpec{"0", product.Maintained, nil})
		w := e.walk(caseSpec{ReportTitle: "Hostile", ReportBody: "b", Until: vcase.Triage})
		cid := strconv.FormatInt(w.CaseID, 10)
		bid := strconv.FormatInt(f.Branches["7.3"].ID, 10)
		deep := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
		long := strings.Repeat("x", 20000)
		type req struct {
			method, path string
			body         any
			auth         bool
		}
		reqs := []req{
			{"GET", "/api/v1/cases/0", nil, true}, {"GET", "/api/v1/cases/-1", nil, true}, {"GET", "/api/v1/cases/abc", nil, true},
			{"GET", "/api/v1/cases/99999999999999999999999", nil, true}, {"GET", "/api/v1/cases/1%00", nil, true},
			{"GET", "/api/v1/cases/%ff%fe", nil, true}, {"GET", "/api/v1/cases/" + long, nil, true},
			{"GET", "/api/v1/cases?limit=0", nil, true}, {"GET", "/api/v1/cases?limit=501", nil, true},
			{"GET", "/api/v1/cases?limit=abc&offset=-1", nil, true}, {"GET", "/api/v1/cases?offset=99999999999999999999", nil, true},
			{"GET", "/api/v1/cases?state=%00&state=nonsense", nil, true}, {"GET", "/api/v1/reports?state=%27%20OR%201=1--", nil, true},
			{"GET", "/api/v1/audit?object=%ff%fe&actor=%00&action=" + long, nil, true}, {"GET", "/api/v1/outbox?channel=%00&state=x", nil, true},
			{"GET", "/api/v1/products/%00", nil, true}, {"GET", "/api/v1/products/" + long, nil, true},
			{"GET", "/api/v1/advisories/%ff", nil, false}, {"GET", "/api/v1/advisories/%27%20OR%201=1--", nil, false},
			{"GET", "/api/v1/advisories?limit=-5", nil, false}, {"GET", "/api/v1/intake/%00", nil, false},
			{"GET", "/api/v1/intake/" + long, nil, false}, {"GET", "/api/v1/../../etc/passwd", nil, false},
			{"GET", "/advisories/%00", nil, false}, {"GET", "/advisories/..%2f..%2fetc%2fpasswd", nil, false},
			{"GET", "/advisories/" + long, nil, false}, {"GET", "/report/status/%ff", nil, false}, {"GET", "/report/status/" + long, nil, false},
			{"GET", "/static/../../go.mod", nil, false}, {"PUT", "/api/v1/cases", "{}", true}, {"TRACE", "/", nil, false},
			{"DELETE", "/api/v1/tokens/-1", nil, true}, {"DELETE", "/api/v1/tokens/abc", nil, true},
			{"POST", "/api/v1/intake", `null`, false}, {"POST", "/api/v1/intake", `"x"`, false}, {"POST", "/api/v1/intake", `1e999`, false},
			{"POST", "/api/v1/intake", `{"title":null,"body":null}`, false}, {"POST", "/api/v1/intake", `{"title":1}`, false},
			{"POST", "/api/v1/intake", deep, false}, {"POST", "/api/v1/intake", `{"title":"\u0000","body":"\ud800"}`, false},
			{"POST", "/api/v1/intake", "{\"title\":\"\xff\xfe\",\"body\":\"b\"}", false},
			{"POST", "/api/v1/intake", `{"title":"t","body":"b","reporter":{"email":"a@b@c","name":"` + long + `"}}`, false},
			{"POST", "/api/v1/intake", `{"title":"<script>alert(1)</script>","body":"b","reporter":{"email":"x@example.org\r\nBcc: y@example.org"}}`, false},
			{"POST", "/api/v1/intake/%00/messages", `{"body":"x"}`, false}, {"POST", "/api/v1/intake/vrs_x/messages", `{"body":""}`, false},
			{"PATCH", "/api/v1/cases/" + cid, `{"risk":{"cvss31":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:X/E:X"}}`, true},
			{"PATCH", "/api/v1/cases/" + cid, `{"risk":{"cvss40":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}}`, true},
			{"PATCH", "/api/v1/cases/" + cid, `{"product_id":9223372036854775807}`, true},
			{"PATCH", "/api/v1/cases/" + cid, `{"product_id":-1,"affected_branches":[-1,0,9223372036854775807]}`, true},
			{"PATCH", "/api/v1/cases/" + cid, `{"product_id":` + strconv.FormatInt(f.Product.ID, 10) + `,"affected_branches":[` + bid + `,` + bid + `,` + bid + `]}`, true},
			{"PATCH", "/api/v1/cases/" + cid, `{"planned_disclosure":"0001-01-01T00:00:00Z"}`, true},
			{"PATCH", "/api/v1/cases/" + cid, `{"planned_disclosure":"9999-12-31T23:59:59.999999999Z"}`, true},
			{"PATCH", "/api/v1/cases/" + cid, `{"planned_disclosure":"2026-13-45T99:00:00Z"}`, true},
			{"PATCH", "/api/v1/cases/" + cid, `{"cve_id":"CVE-2026-99999999999999999999"}`, true},
			{"PATCH", "/api/v1/cases/" + cid, `{"version":-1}`, true}, {"PATCH", "/api/v1/cases/" + cid, `{"version":1e300}`, true},
			{"PATCH", "/api/v1/cases/" + cid, `{"title":"<script>alert(1)</script>","details":"\u0000"}`, true},
			{"PATCH", "/api/v1/cases/" + cid, `{"references":[{"url":"javascript:alert(1)"},{"url":"http://"},{"url":"http://%zz"}]}`, true},
			{"PATCH", "/api/v1/cases/" + cid, `{"task_force":["` + strings.Repeat(`a","`, 100) + `a"]}`, true},
			{"PATCH", "/api/v1/cases/" + cid + "/fixes/" + bid, `{"status":"verified"}`, true},
			{"PATCH", "/api/v1/cases/" + cid + "/fixes/999999", `{"status":"fixed"}`, true},
			{"PATCH", "/api/v1/cases/" + cid + "/fixes/" + bid, `{"status":"bogus","commits":["zz"],"release_id":-1,"affected_from":"1.2"}`, true},
			{"POST", "/api/v1/cases/" + cid + "/transitions", `{"transition":"reject","reason":"duplicate","duplicate_of":-1}`, true},
			{"POST", "/api/v1/cases/" + cid + "/transitions", `{"transition":"reject","reason":"duplicate","duplicate_of":9223372036854775807}`, true},
			{"POST", "/api/v1/cases/" + cid + "/transitions", `{"transition":""}`, true},
			{"POST", "/api/v1/cases/" + cid + "/transitions", `{"transition":"reopen","reason":"` + long + `"}`, true},
			{"POST", "/api/v1/branches/" + bid + "/releases", `{"version":"7.3.999999"}`, true},
			{"POST", "/api/v1/branches/" + bid + "/releases", `{}`, true},
			{"POST", "/api/v1/branches/" + bid + "/releases", `{"version":"07.3.1"}`, true},
			{"POST", "/api/v1/branches/" + bid + "/releases", `{"planned_at":"1900-01-01T00:00:00Z","notes":"` + long + long + `"}`, true},
			{"POST", "/api/v1/branches/" + strconv.FormatInt(f.Branches["0"].ID, 10) + "/releases", `{}`, true},
			{"POST", "/api/v1/branches/999999/releases", `{}`, true},
			{"PATCH", "/api/v1/branches/" + bid, `{"status":"eol","since":"2030-01-01T00:00:00Z","eol":"2020-01-01T00:00:00Z"}`, true},
			{"PATCH", "/api/v1/releases/999999", `{"state":"published"}`, true},
			{"POST", "/api/v1/products", `{"slug":"` + long + `","name":"n","upstreams":[""]}`, true},
			{"POST", "/api/v1/products/vault/branches", `{"name":"999999.999999"}`, true},
			{"POST", "/api/v1/products/vault/branches", `{"name":"1.2.3"}`, true},
			{"POST", "/api/v1/users", `{"name":"Root","role":"god","email":"x"}`, true},
			{"POST", "/api/v1/users/999999/tokens", `{"label":"x"}`, true},
			{"POST", "/api/v1/users/1/tokens", `{"label":"x","expires_at":"2000-01-01T00:00:00Z"}`, true},
			{"POST", "/api/v1/reports", `{"channel":"pigeon","visibility":"x","title":"t","body":"b"}`, true},
			{"POST", "/api/v1/reports/999999/link", `{"case_id":1}`, true},
			{"POST", "/api/v1/reports/1/link", `{"case_id":-1}`, true},
			{"POST", "/api/v1/reports/1/messages", `{"body":"` + strings.Repeat("m", 60000) + `"}`, true},
			// NUL cannot be stored in PostgreSQL text: every text input must refuse it.
			{"POST", "/api/v1/products", `{"slug":"nul","name":"a\u0000b","description":"\u0000","upstreams":["\u0000"]}`, true},
			{"POST", "/api/v1/users", `{"name":"nul","role":"psirt","email":"a\u0000@example.org"}`, true},
			{"POST", "/api/v1/users/1/tokens", `{"label":"a\u0000b"}`, true},
			{"POST", "/api/v1/branches/" + bid + "/releases", `{"version":"7.3.50","notes":"a\u0000b"}`, true},
			{"PATCH", "/api/v1/releases/1", `{"notes":"a\u0000b"}`, true},
			{"POST", "/api/v1/reports/1/messages", `{"body":"a\u0000b"}`, true},
			{"POST", "/api/v1/reports", `{"title":"t","body":"b","external_ref":"\u0000","reporter":{"organization":"\u0000"}}`, true},
			{"POST", "/api/v1/intake/" + w.Receipt.StatusToken + "/messages", `{"body":"a\u0000b"}`, false},
			{"PATCH", "/api/v1/cases/" + cid, `{"change_request":{"ref":"a\u0000"},"cve_draft":{"impacts":["\u0000"]},"risk":{"cvss31":"\u0000"}}`, true},
			{"PATCH", "/api/v1/cases/" + cid, `{"credits":[{"name":"\u0000","type":"finder"}],"references":[{"url":"https://x.example/\u0000","tags":["\u0000"]}]}`, true},
			{"PATCH", "/api/v1/cases/" + cid, `{"cve_draft":{"impacts":["\u0000"]}}`, true},
			{"PATCH", "/api/v1/cases/" + cid, `{"references":[{"url":"https://x.example/","tags":["\u0000"]}]}`, true},
			{"PATCH", "/api/v1/cases/" + cid, `{"change_request":{"ref":"r","url":"https://x.example/\u0000"}}`, true},
			{"PATCH", "/api/v1/cases/" + cid, `{"risk":{"cvss31":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","tags":["rce"],"notes":"\ud800"}}`, true},
			{"PATCH", "/api/v1/branches/" + bid, `{"status":"\u0000"}`, true},
			{"POST", "/api/v1/reports/1/link", `{"case_id":` + cid + `}`, true},
		}
		for _, r := range reqs {
			tok := ""
			if r.auth {
				tok = e.tok["root"]
			}
			e.clock.Advance(10 * time.Minute) // stay under the intake limit
			res := e.send(r.method, r.path, tok, r.body)
			if res.Status >= 500 {
				t.Errorf("%s %.80s %.80v: %d %s", r.method, r.path, r.body, res.Status, res.Body)
			}
		}
		// Odd headers.
		for _, h := range [][]string{
			{"Authorization", "Bearer " + strings.Repeat("a", 300)}, {"Authorization", "Bearer"}, {"Authorization", "Bearer  "},
			{"Authorization", "bearer " + e.tok["root"]}, {"Content-Type", "application/json; charset=utf-7"},
			{"X-Forwarded-For", "not-an-ip, 1.2.3.4"},
		} {
			res := e.send("GET", "/api/v1/me", "", nil, h...)
			if res.Status != 401 {
				t.Errorf("GET /api/v1/me with %s %.40q: %d, want 401", h[0], h[1], res.Status)
			}
		}
		// The site's form: too large, malformed, invalid.
		for _, body := range []string{"title=" + strings.Repeat("a", 300<<10), "title=%zz&body=%", "title=&body=&email=nope", strings.Repeat("&", 10000)} {
			e.clock.Advance(10 * time.Minute)
			res := e.send("POST", "/report", "", body, "Content-Type", "application/x-www-form-urlencoded")
			if res.Status >= 500 {
				t.Errorf("POST /report %.40q: %d", body, res.Status)
			}
		}
		e.verifyAudit()
	})
}

// finding gives a release an SBOM with one Go module and imports the one
// record that affects it: the release then has exactly one finding.
func (e *env) finding(releaseID int64) finding.Finding {
	e.t.Helper()
	ctx := context.Background()
	rec := vuln.Record{ID: "GO-2026-0001", Source: vuln.SourceOSV, Aliases: []string{"CVE-2026-0001"}, Summary: "A test vulnerability",
		Published: friday, Modified: friday, Affected: []vuln.Affected{{Ecosystem: "Go", Package: "example.com/mod", Status: vuln.StatusAffected,
			Ranges: []vuln.Range{{Type: vuln.RangeSemver, Events: []vuln.Event{{Introduced: "0"}, {Fixed: "1.2.0"}}}}}}}
	if _, err := e.svc.ImportFeed(ctx, casework.System, "import", upstream.Batch{Feed: "osv/Go", Source: vuln.SourceOSV, Format: upstream.FormatOSV,
		Location: "test", Records: []vuln.Record{rec}}); err != nil {
		e.t.Fatal(err)
	}
	doc := &sbom.SBOM{Format: sbom.CycloneDXJSON, Name: "test", Components: []sbom.Component{{Name: "example.com/mod", Version: "v1.1.0",
		PURL: "pkg:golang/example.com/mod@v1.1.0", Ecosystem: "Go", Package: "example.com/mod", Ref: "mod"}}}
	if _, _, err := e.svc.ImportSBOM(ctx, casework.System, casework.SBOMInput{ReleaseID: releaseID, Doc: doc, SHA256: "00"}); err != nil {
		e.t.Fatal(err)
	}
	fs, err := e.store.FindingsOfRelease(ctx, releaseID)
	if err != nil || len(fs) != 1 {
		e.t.Fatalf("findings of release %d: %v %v", releaseID, fs, err)
	}
	return fs[0]
}
