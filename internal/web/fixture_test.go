package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/policy"
	"github.com/vigil-psirt/vigil/internal/product"
	"github.com/vigil-psirt/vigil/internal/report"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
	"github.com/vigil-psirt/vigil/internal/user"
	"github.com/vigil-psirt/vigil/internal/vcase"
	"github.com/vigil-psirt/vigil/internal/web"
)

// password is every test user's password.
const password = "correct horse battery staple"

// Hostile strings go into every free-text field; a page must show them
// only escaped.
var hostile = []string{
	`<script>alert(1)</script>`,
	`"><img src=x onerror=alert(1)>`,
	`'><svg onload=alert(1)>`,
	`javascript:alert(1)`,
	`</textarea><script>alert(2)</script>`,
}

// clock is the tests' settable time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// fixture is the UI over a real store with a product, users of every role
// (each with the password above), a report whose case the engineer works
// on, and a report full of hostile strings.
type fixture struct {
	t       *testing.T
	ctx     context.Context
	clk     *clock
	svc     *casework.Service
	ui      *web.Web
	srv     *httptest.Server
	users   map[user.Role]string // role -> user name
	caseID  int64                // erin's case, in state received
	evilID  int64                // the hostile report's case
	branch  product.Branch
	product product.Product
}

var admin = casework.Actor{Kind: "user", Name: "ada", Role: user.Admin}

func newFixture(t *testing.T, mut ...func(*web.Options)) *fixture {
	t.Helper()
	return newFixtureOn(t, storetest.SQLite(t), mut...)
}

// eachStore runs fn on a fixture over SQLite and one over PostgreSQL (see
// storetest for when the PostgreSQL half is skipped).
func eachStore(t *testing.T, fn func(t *testing.T, f *fixture)) {
	t.Helper()
	storetest.Each(t, func(t *testing.T, s *store.Store) { fn(t, newFixtureOn(t, s)) })
}

func newFixtureOn(t *testing.T, s *store.Store, mut ...func(*web.Options)) *fixture {
	t.Helper()
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 3, 6, 9, 0, 0, 0, time.UTC)}
	f := &fixture{t: t, ctx: ctx, clk: clk, users: map[user.Role]string{},
		svc: &casework.Service{Store: s, Policy: policy.Default(), Now: clk.Now, BaseURL: "https://vigil.example"}}
	hash := web.HashPassword(password) // once: hashing costs about 0.1 s
	for role, name := range map[user.Role]string{user.Admin: "ada", user.PSIRT: "pia", user.Engineer: "erin", user.Liaison: "lia", user.Customer: "cus"} {
		u, err := f.svc.CreateUser(ctx, casework.System, user.User{Name: name, Role: role})
		f.must(err)
		f.must(s.SetPassword(ctx, u.ID, hash))
		f.users[role] = name
	}
	var err error
	f.product, err = f.svc.CreateProduct(ctx, admin, product.Product{Slug: "gateway", Name: "Gateway"})
	f.must(err)
	f.branch, err = f.svc.CreateBranch(ctx, admin, product.Branch{ProductID: f.product.ID, Name: "7.3", Status: product.Maintained})
	f.must(err)
	_, err = f.svc.CreateRelease(ctx, admin, casework.NewRelease{BranchID: f.branch.ID, Version: "7.3.4", State: product.Published})
	f.must(err)

	r, _, err := f.svc.Submit(ctx, casework.Public, report.Report{Channel: report.Web, Title: "Stored XSS in the dashboard",
		Body: "Steps to reproduce:\n1. log in\n2. ...", Reporter: report.Contact{Name: "Rita Reporter", Email: "rita@example.org"}})
	f.must(err)
	f.caseID = *r.CaseID
	_, err = f.svc.UpdateCase(ctx, admin, f.caseID, casework.CasePatch{TaskForce: &[]string{"erin"}})
	f.must(err)

	all := strings.Join(hostile, " ")
	r, _, err = f.svc.Submit(ctx, casework.Public, report.Report{Channel: report.Web, Title: hostile[0] + hostile[1], Body: all,
		ProductHint: hostile[1], Reporter: report.Contact{Name: hostile[2], Organization: hostile[4], Email: "evil@example.org"}})
	f.must(err)
	f.evilID = *r.CaseID
	title, summary := hostile[1]+" title", all
	_, err = f.svc.UpdateCase(ctx, admin, f.evilID, casework.CasePatch{Title: &title, Summary: &summary,
		Risk:      &vcase.Risk{CVSS31: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", Notes: all, Tags: []string{"rce"}},
		TaskForce: &[]string{"pia"}, AffectedBranches: &[]int64{f.branch.ID}, ProductID: &f.product.ID})
	f.must(err)

	opts := web.Options{Name: "Example Corp"}
	for _, m := range mut {
		m(&opts)
	}
	f.ui, err = web.New(f.svc, opts)
	f.must(err)
	f.srv = httptest.NewServer(f.ui.Handler())
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

// browser is an HTTP client with cookies that does not follow redirects.
type browser struct {
	f      *fixture
	c      *http.Client
	origin string // sent as Origin on POST, as a browser does
}

func (f *fixture) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{f: f, origin: f.srv.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// page is a response read whole.
type page struct {
	status int
	header http.Header
	body   string
}

func (b *browser) do(req *http.Request) page {
	b.f.t.Helper()
	resp, err := b.c.Do(req)
	b.f.must(err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	b.f.must(err)
	return page{status: resp.StatusCode, header: resp.Header, body: string(body)}
}

func (b *browser) get(path string) page {
	b.f.t.Helper()
	req, err := http.NewRequest("GET", b.f.srv.URL+path, nil)
	b.f.must(err)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) page {
	b.f.t.Helper()
	req, err := http.NewRequest("POST", b.f.srv.URL+path, strings.NewReader(form.Encode()))
	b.f.must(err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if b.origin != "" {
		req.Header.Set("Origin", b.origin)
	}
	return b.do(req)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the token of the first form of a page.
func csrf(t *testing.T, p page) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no csrf field in the page (status %d)", p.status)
	}
	return m[1]
}

// login signs in as name with pw and returns the response to the POST.
func (b *browser) login(name, pw string) page {
	b.f.t.Helper()
	form := b.get("/ui/login")
	return b.post("/ui/login", url.Values{"csrf": {csrf(b.f.t, form)}, "name": {name}, "password": {pw}})
}

// as returns a browser signed in with the user of a role.
func (f *fixture) as(role user.Role) *browser {
	f.t.Helper()
	b := f.browser()
	if p := b.login(f.users[role], password); p.status != http.StatusSeeOther {
		f.t.Fatalf("login as %s: status %d\n%s", role, p.status, p.body)
	}
	return b
}

// sessionCookie is the session cookie the server set in a response.
func sessionCookie(p page) *http.Cookie {
	for _, c := range (&http.Response{Header: p.header}).Cookies() {
		if strings.HasSuffix(c.Name, "vigil_session") {
			return c
		}
	}
	return nil
}
