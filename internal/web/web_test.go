package web_test

import (
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/user"
	"github.com/vigil-psirt/vigil/internal/vcase"
	"github.com/vigil-psirt/vigil/internal/web"
)

// TestEveryPageForEveryRole renders every page for every role: allowed →
// 200 (or the role's start page), refused → 403, anonymous → the login.
func TestEveryPageForEveryRole(t *testing.T) {
	t.Parallel()
	eachStore(t, everyPageForEveryRole)
}

func everyPageForEveryRole(t *testing.T, f *fixture) {
	caseURL := fmt.Sprintf("/ui/cases/%d", f.caseID)
	type check = roleCheck
	checks := []check{
		{"GET", "/ui/{$}", "/ui/", "", nil, 0},
		{"GET", "/ui/inbox", "/ui/inbox", user.ReadReports, nil, 0},
		{"GET", "/ui/cases", "/ui/cases", user.ReadCases, nil, 0},
		{"GET", "/ui/cases/{id}", caseURL, user.ReadCases, nil, 0},
		{"POST", "/ui/cases/{id}/edit", caseURL + "/edit", user.ManageCases, url.Values{"title": {"Stored XSS in the dashboard"}, "version": {"0"}, "task_force": {"erin"}}, 0},
		{"POST", "/ui/cases/{id}/transition", caseURL + "/transition", user.ManageCases, url.Values{"transition": {"confirm"}}, 0},
		{"POST", "/ui/logout", "/ui/logout", "", nil, 0},
	}
	// Each area's pages (work_test.go, monitor_test.go, overview_test.go).
	checks = slices.Concat(checks, workChecks(t, f), monitorChecks(t, f), overviewChecks(t, f))
	slices.SortStableFunc(checks, func(a, b check) int { // logout last: it ends the session
		return cmpBool(a.pattern == "/ui/logout", b.pattern == "/ui/logout")
	})
	// Every route of the table is checked here (the public ones below).
	covered := map[string]bool{"GET /ui/login": true, "POST /ui/login": true, "GET /ui/static/{name}": true}
	for _, c := range checks {
		covered[c.method+" "+c.pattern] = true
	}
	for _, r := range f.ui.Table() {
		if !covered[r.Method+" "+r.Pattern] {
			t.Errorf("route %s %s is not in the role test", r.Method, r.Pattern)
		}
		for _, c := range checks {
			if c.method == r.Method && c.pattern == r.Pattern && c.perm != r.Perm {
				t.Errorf("route %s %s needs %q, the test expects %q", r.Method, r.Pattern, r.Perm, c.perm)
			}
		}
	}

	for _, role := range user.Roles {
		t.Run(string(role), func(t *testing.T) {
			b := f.as(role) // logout, last, ends the session
			for _, c := range checks {
				var p page
				if c.method == "GET" {
					p = b.get(c.path)
				} else {
					form := url.Values{"csrf": {b.token(t)}}
					for k, v := range c.form {
						form[k] = v
					}
					p = b.post(c.path, form)
				}
				want := http.StatusOK
				switch {
				case c.perm != "" && !role.Can(c.perm):
					want = http.StatusForbidden
				case c.method == "POST":
					want = http.StatusSeeOther
					if strings.HasSuffix(c.path, "/transition") {
						want = http.StatusConflict // confirm's guards fail, but the role may try
					}
				case c.path == "/ui/":
					want = http.StatusSeeOther // straight to the role's first page: every role has one
				}
				if c.path == caseURL+"/edit" && want != http.StatusForbidden {
					want = http.StatusUnprocessableEntity // version 0 is never current: a conflict, shown in the form
				}
				if c.want != 0 && want != http.StatusForbidden {
					want = c.want
				}
				if p.status != want {
					t.Errorf("%s %s as %s: status %d, want %d", c.method, c.path, role, p.status, want)
				}
				if want == http.StatusForbidden && !strings.Contains(p.body, "Not for your role") {
					t.Errorf("%s %s as %s: the 403 page is missing", c.method, c.path, role)
				}
			}
		})
	}
	t.Run("anonymous", func(t *testing.T) {
		b := f.browser()
		for _, c := range checks {
			var p page
			if c.method == "GET" {
				p = b.get(c.path)
			} else {
				p = b.post(c.path, url.Values{"csrf": {"x"}})
			}
			loc := p.header.Get("Location")
			if p.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/ui/login") {
				t.Errorf("%s %s without a session: status %d to %q, want 303 to the login", c.method, c.path, p.status, loc)
			}
		}
		if p := b.get("/ui/cases?state=triage"); p.header.Get("Location") != "/ui/login?next="+url.QueryEscape("/ui/cases?state=triage") {
			t.Errorf("the login does not lead back: %q", p.header.Get("Location"))
		}
	})
}

// roleCheck is one route of the role test: the path to call, the
// permission it needs, the form of a POST, and the status a permitted role
// gets when it is not the default (200 for GET, 303 for POST).
type roleCheck struct {
	method, pattern, path string
	perm                  user.Permission
	form                  url.Values
	want                  int
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// token is the CSRF token of the signed-in user's session, read from a page.
func (b *browser) token(t *testing.T) string {
	t.Helper()
	p := b.get("/ui/nope") // the 404 page has the layout with the logout form
	return csrf(t, p)
}

func TestEngineerSeesOnlyTheirCases(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.as(user.Engineer)
	if p := b.get(fmt.Sprintf("/ui/cases/%d", f.evilID)); p.status != http.StatusNotFound {
		t.Errorf("engineer reads a case of another task force: %d", p.status)
	}
	p := b.get("/ui/cases")
	if !strings.Contains(p.body, fmt.Sprintf("/ui/cases/%d", f.caseID)) || strings.Contains(p.body, fmt.Sprintf("/ui/cases/%d\"", f.evilID)) {
		t.Errorf("engineer's case list is wrong:\n%s", p.body)
	}
	if strings.Contains(p.body, "Rita Reporter") {
		t.Error("an engineer sees the reporter's identity")
	}
}

func TestLoginSessionsAndLogout(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.browser()

	wrong := b.login("pia", "not the password at all")
	unknown := b.login("nobody", password)
	if wrong.status != http.StatusUnauthorized || unknown.status != http.StatusUnauthorized {
		t.Fatalf("failed logins: %d, %d", wrong.status, unknown.status)
	}
	msg := html.EscapeString("The name or password is wrong, or the account may not sign in.")
	if !strings.Contains(wrong.body, msg) || !strings.Contains(unknown.body, msg) {
		t.Error("failed logins do not give the one uniform answer")
	}
	if sessionCookie(wrong) != nil {
		t.Error("a failed login set a session cookie")
	}

	// A session ID planted before login is not the one after it.
	planted := &http.Cookie{Name: "vigil_session", Value: "vgs_planted", Path: "/"}
	u, _ := url.Parse(f.srv.URL)
	b.c.Jar.SetCookies(u, []*http.Cookie{planted})
	p := b.login("pia", password)
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/ui/" {
		t.Fatalf("login: %d to %q", p.status, p.header.Get("Location"))
	}
	first := sessionCookie(p)
	if first == nil || first.Value == planted.Value || !first.HttpOnly || first.SameSite != http.SameSiteLaxMode || first.Path != "/" || first.Secure {
		t.Fatalf("session cookie %+v", first)
	}
	if p := b.get("/ui/inbox"); p.status != http.StatusOK {
		t.Fatalf("inbox after login: %d", p.status)
	}

	// Logging in again rotates the ID and ends the first session.
	p = b.login("pia", password)
	second := sessionCookie(p)
	if second == nil || second.Value == first.Value {
		t.Fatal("the session ID did not rotate on login")
	}
	old := f.browser()
	old.c.Jar.SetCookies(u, []*http.Cookie{{Name: "vigil_session", Value: first.Value, Path: "/"}})
	if p := old.get("/ui/inbox"); p.status != http.StatusSeeOther {
		t.Errorf("the session before the new login still works: %d", p.status)
	}

	// Idle timeout: 12 h without a request ends the session.
	f.clk.Advance(11 * time.Hour)
	if p := b.get("/ui/inbox"); p.status != http.StatusOK {
		t.Fatalf("after 11 h idle: %d", p.status)
	}
	f.clk.Advance(12*time.Hour + time.Second)
	if p := b.get("/ui/inbox"); p.status != http.StatusSeeOther {
		t.Errorf("after 12 h idle the session still works: %d", p.status)
	}

	// Absolute lifetime: 7 days after login, however busy.
	b = f.as(user.PSIRT)
	for range 15 { // 15 × 11 h = 6 d 21 h
		f.clk.Advance(11 * time.Hour)
		if p := b.get("/ui/inbox"); p.status != http.StatusOK {
			t.Fatalf("an active session ended early: %d", p.status)
		}
	}
	f.clk.Advance(3 * time.Hour)
	if p := b.get("/ui/inbox"); p.status != http.StatusSeeOther {
		t.Errorf("a session older than 7 days still works: %d", p.status)
	}

	// Logout deletes the session: its cookie is worth nothing afterwards.
	b = f.as(user.PSIRT)
	var cookie string
	for _, c := range b.c.Jar.Cookies(u) {
		cookie = c.Value
	}
	if p := b.post("/ui/logout", url.Values{"csrf": {b.token(t)}}); p.status != http.StatusSeeOther {
		t.Fatalf("logout: %d", p.status)
	}
	again := f.browser()
	again.c.Jar.SetCookies(u, []*http.Cookie{{Name: "vigil_session", Value: cookie, Path: "/"}})
	if p := again.get("/ui/inbox"); p.status != http.StatusSeeOther {
		t.Errorf("the session works after logout: %d", p.status)
	}

	// A disabled user's session ends at once.
	b = f.as(user.PSIRT)
	pia, err := f.svc.Store.UserByName(f.ctx, "pia")
	f.must(err)
	pia.Disabled = true
	f.must(f.svc.Store.UpdateUser(f.ctx, pia))
	if p := b.get("/ui/inbox"); p.status != http.StatusSeeOther {
		t.Errorf("a disabled user's session works: %d", p.status)
	}
	if p := f.browser().login("pia", password); p.status != http.StatusUnauthorized {
		t.Errorf("a disabled user logs in: %d", p.status)
	}
}

func TestTLSCookie(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	srv := httptestTLS(t, f)
	b := f.browser()
	b.c = srv.Client()
	b.c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	b.c.Jar = newJar()
	b.origin = srv.URL
	f.srv = srv
	p := b.login("pia", password)
	c := sessionCookie(p)
	if p.status != http.StatusSeeOther || c == nil || c.Name != "__Host-vigil_session" || !c.Secure || !c.HttpOnly || c.Path != "/" || c.Domain != "" {
		t.Fatalf("TLS login: %d, cookie %+v", p.status, c)
	}
	if p := b.get("/ui/inbox"); p.status != http.StatusOK {
		t.Errorf("inbox over TLS: %d", p.status)
	}
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.as(user.PSIRT)
	path := fmt.Sprintf("/ui/cases/%d/transition", f.caseID)
	tok := b.token(t)
	form := func(tok string) url.Values { return url.Values{"csrf": {tok}, "transition": {"triage"}} }
	for _, tc := range []struct {
		name   string
		form   url.Values
		header map[string]string
	}{
		{"no token", url.Values{"transition": {"triage"}}, nil},
		{"wrong token", form("x" + tok), nil},
		{"another session's token", form(f.as(user.Admin).token(t)), nil},
		{"other origin", form(tok), map[string]string{"Origin": "https://evil.example"}},
		{"cross-site fetch", form(tok), map[string]string{"Sec-Fetch-Site": "cross-site"}},
		{"same-site but not same origin", form(tok), map[string]string{"Sec-Fetch-Site": "same-site"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", f.srv.URL+path, strings.NewReader(tc.form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			p := b.do(req)
			if p.status != http.StatusForbidden || !strings.Contains(p.body, "Form refused") {
				t.Errorf("status %d, want 403 Form refused", p.status)
			}
		})
	}
	c, err := f.svc.Store.CaseByID(f.ctx, f.caseID)
	f.must(err)
	if c.State != vcase.Received {
		t.Fatalf("a refused request changed the case: %s", c.State)
	}
	// The login form has its own token, in a cookie.
	anon := f.browser()
	if p := anon.post("/ui/login", url.Values{"csrf": {"made-up"}, "name": {"pia"}, "password": {password}}); p.status != http.StatusForbidden {
		t.Errorf("login without the form's cookie: %d", p.status)
	}
	// And the real request passes.
	if p := b.post(path, form(tok)); p.status != http.StatusSeeOther {
		t.Errorf("the right token: %d", p.status)
	}
}

func TestLoginRateLimit(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.browser()
	for i := range 10 {
		if p := b.login("pia", fmt.Sprintf("wrong password %d", i)); p.status != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i, p.status)
		}
	}
	if p := b.login("pia", password); p.status != http.StatusTooManyRequests {
		t.Errorf("the 11th try with the right password: %d, want 429", p.status)
	}
	// Other users are not locked out by pia's failures, until the address is.
	if p := f.browser().login("ada", password); p.status != http.StatusSeeOther {
		t.Errorf("another user after pia's failures: %d", p.status)
	}
	f.clk.Advance(16 * time.Minute)
	if p := b.login("pia", password); p.status != http.StatusSeeOther {
		t.Errorf("after the window: %d", p.status)
	}
}

// TestHostileStringsEscaped renders every page that shows the hostile
// report and case, and checks the strings appear only escaped.
func TestHostileStringsEscaped(t *testing.T) {
	t.Parallel()
	eachStore(t, hostileStringsEscaped)
}

func hostileStringsEscaped(t *testing.T, f *fixture) {
	b := f.as(user.Admin)
	evil := fmt.Sprintf("/ui/cases/%d", f.evilID)
	// The triage form keeps hostile input that fails validation.
	long := strings.Repeat(hostile[1], 30)
	p := b.post(evil+"/edit", url.Values{"csrf": {b.token(t)}, "title": {long}, "summary": {hostile[4]}, "task_force": {hostile[1]}, "version": {"99"}})
	pages := map[string]page{"edit refused": p}
	for _, path := range []string{"/ui/inbox", "/ui/cases", evil, "/ui/cases?state=" + url.QueryEscape(hostile[0]), "/ui/login?next=" + url.QueryEscape(hostile[1])} {
		pages[path] = b.get(path)
	}
	pages["login"] = f.browser().get("/ui/login?next=" + url.QueryEscape(hostile[1]))
	pages["failed login"] = f.browser().login(hostile[1], hostile[0])
	// Bytes no database can take as a parameter are refused before it.
	for _, name := range []string{"pia\x00", "pi\xffa", strings.Repeat("p", 1000)} {
		if p := f.browser().login(name, password); p.status != http.StatusUnauthorized {
			t.Errorf("login as %q: %d", name, p.status)
		}
	}
	if p := b.get("/ui/cases?state=%ff%00"); p.status != http.StatusBadRequest {
		t.Errorf("a query of invalid UTF-8: %d", p.status)
	}
	for name, p := range pages {
		for _, h := range hostile[:3] {
			if strings.Contains(p.body, h) {
				t.Errorf("%s: %q appears unescaped", name, h)
			}
		}
		if strings.Contains(p.body, "<script>") || strings.Contains(p.body, "onerror=alert") && !strings.Contains(p.body, "onerror=alert(1)&gt;") {
			t.Errorf("%s: script or handler markup in the page", name)
		}
	}
	for _, path := range []string{"/ui/inbox", evil} {
		if !strings.Contains(pages[path].body, html.EscapeString(hostile[0])) {
			t.Errorf("%s does not show the hostile title escaped", path)
		}
	}
	if !strings.Contains(pages["edit refused"].body, html.EscapeString(hostile[4])) {
		t.Error("the refused form did not keep the user's input")
	}
}

func TestTriageThroughTheUI(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.as(user.PSIRT)
	path := fmt.Sprintf("/ui/cases/%d", f.caseID)
	p := b.get(path)
	if !strings.Contains(p.body, "Start triage") {
		t.Fatalf("no triage button:\n%s", p.body)
	}
	version := regexpFind(t, p.body, `name="version" value="(\d+)"`)

	// Every problem next to its field, the input kept.
	p = b.post(path+"/edit", url.Values{"csrf": {b.token(t)}, "title": {""}, "summary": {"kept summary"}, "task_force": {strings.Repeat("x", 101)}, "version": {version}})
	if p.status != http.StatusUnprocessableEntity {
		t.Fatalf("invalid edit: %d", p.status)
	}
	for _, want := range []string{`id="title-err"`, `id="tf-err"`, "kept summary", `aria-invalid="true"`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the refused form lacks %q", want)
		}
	}

	// Take the case: task force, then triage.
	p = b.post(path+"/edit", url.Values{"csrf": {b.token(t)}, "title": {"Stored XSS in the dashboard"}, "summary": {"Script runs in the admin's browser."}, "task_force": {"erin, pia"}, "version": {version}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", p.status, p.body)
	}
	// A second save from the same stale form is refused as a conflict.
	p = b.post(path+"/edit", url.Values{"csrf": {b.token(t)}, "title": {"Other"}, "summary": {""}, "task_force": {"pia"}, "version": {version}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "changed meanwhile") {
		t.Errorf("stale edit: %d", p.status)
	}
	p = b.post(path+"/transition", url.Values{"csrf": {b.token(t)}, "transition": {"triage"}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != path+"?done=triage" {
		t.Fatalf("triage: %d to %q\n%s", p.status, p.header.Get("Location"), p.body)
	}
	p = b.get(p.header.Get("Location"))
	for _, want := range []string{"Done: Triage", "case.triage", "user:pia", "no risk evaluation"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the case page after triage lacks %q", want)
		}
	}
	// A refused step shows every failed guard.
	p = b.post(path+"/transition", url.Values{"csrf": {b.token(t)}, "transition": {"confirm"}})
	if p.status != http.StatusConflict || !strings.Contains(p.body, "no affected branch is identified") {
		t.Errorf("confirm without guards met: %d", p.status)
	}
	p = b.post(path+"/transition", url.Values{"csrf": {b.token(t)}, "transition": {"reject"}, "reason": {"duplicate"}, "duplicate_of": {"VC-1999-0001"}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "duplicate_of: no case VC-1999-0001") {
		t.Errorf("reject as duplicate of nothing: %d", p.status)
	}
	c, err := f.svc.Store.CaseByID(f.ctx, f.caseID)
	f.must(err)
	if c.State != vcase.Triage {
		t.Errorf("state %s, want triage", c.State)
	}
}

func TestHeadersAndStatic(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.as(user.PSIRT)
	for _, path := range []string{"/ui/login", "/ui/inbox", "/ui/nope"} {
		p := b.get(path)
		csp := p.header.Get("Content-Security-Policy")
		for _, want := range []string{"script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self'", "base-uri 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || p.header.Get("X-Content-Type-Options") != "nosniff" ||
			p.header.Get("Referrer-Policy") != "same-origin" || p.header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: headers %v", path, p.header)
		}
		if strings.Contains(p.body, "style=") || strings.Contains(p.body, "<script>") {
			t.Errorf("%s: inline style or script", path)
		}
	}
	css := regexpFind(t, b.get("/ui/inbox").body, `href="(/ui/static/ui\.[0-9a-f]{12}\.css)"`)
	p := b.get(css)
	if p.status != 200 || !strings.Contains(p.header.Get("Cache-Control"), "immutable") || !strings.HasPrefix(p.header.Get("Content-Type"), "text/css") {
		t.Errorf("stylesheet: %d %v", p.status, p.header)
	}
	if p := b.get("/ui/static/ui.css"); p.status != http.StatusNotFound {
		t.Errorf("unhashed asset name: %d", p.status)
	}
	if p := b.get("/ui/cases?page=2&state=received"); p.status != http.StatusOK {
		t.Errorf("a page past the end: %d", p.status)
	}
}

func TestSetPassword(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.as(user.PSIRT)
	cli := casework.Actor{Kind: "system", Name: "cli"}
	err := web.SetPassword(f.ctx, f.svc, cli, "pia", "pia")
	var inv *casework.InvalidError
	if !errors.As(err, &inv) || len(inv.Problems) != 2 {
		t.Fatalf("a weak password: %v", err)
	}
	if err := web.SetPassword(f.ctx, f.svc, cli, "nobody", password); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an unknown user: %v", err)
	}
	const fresh = "a new and longer passphrase"
	f.must(web.SetPassword(f.ctx, f.svc, cli, "pia", fresh))
	if p := b.get("/ui/inbox"); p.status != http.StatusSeeOther {
		t.Errorf("a session outlived the new password: %d", p.status)
	}
	if p := f.browser().login("pia", password); p.status != http.StatusUnauthorized {
		t.Errorf("the old password still works: %d", p.status)
	}
	if p := f.browser().login("pia", fresh); p.status != http.StatusSeeOther {
		t.Errorf("the new password: %d", p.status)
	}
	es, err := f.svc.Store.ListAudit(f.ctx, store.AuditFilter{Action: "user.password"})
	f.must(err)
	if len(es) != 1 || es[0].Object != "user:pia" || es[0].Actor != "system" {
		t.Errorf("audit: %+v", es)
	}
}
