package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/remote"
	"github.com/vigil-psirt/vigil/internal/secret"
	"github.com/vigil-psirt/vigil/internal/user"
)

// coreRoutes are the UI's own routes: public ones first, then the team's,
// each with the permission it needs (the API's, package user).
func (w *Web) coreRoutes() []route {
	pub := func(method, pattern string, h handlerFunc) route {
		return route{Method: method, Pattern: pattern, Public: true, h: h}
	}
	auth := func(method, pattern string, perm user.Permission, h handlerFunc) route {
		return route{Method: method, Pattern: pattern, Perm: perm, h: h}
	}
	return []route{
		pub("GET", "/ui/login", w.loginForm),
		pub("POST", "/ui/login", w.login),
		pub("GET", "/ui/static/{name}", w.asset),

		auth("GET", "/ui/{$}", "", w.home),
		auth("POST", "/ui/logout", "", w.logout),
		auth("GET", "/ui/inbox", user.ReadReports, w.inbox),
		auth("GET", "/ui/cases", user.ReadCases, w.cases),
		auth("GET", "/ui/cases/{id}", user.ReadCases, w.casePage),
		auth("POST", "/ui/cases/{id}/edit", user.ManageCases, w.editCase),
		auth("POST", "/ui/cases/{id}/transition", user.ManageCases, w.transition),
	}
}

// table is the whole route table: the core above, then each area's routes,
// each in the file of its pages.
func (w *Web) table() []route {
	return slices.Concat(w.coreRoutes(), w.workRoutes(), w.monitorRoutes(), w.overviewRoutes())
}

func contextWith(r *http.Request, s signedIn) context.Context {
	return context.WithValue(r.Context(), sessionKey, s)
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// actor is the signed-in user as casework knows them.
func actor(r *http.Request) casework.Actor {
	s, _ := current(r)
	return casework.UserActor(s.user)
}

// navLink is one entry of the navigation.
type navLink struct {
	Href, Text string
	Current    bool
}

// layout is what every page's struct embeds.
type layout struct {
	// Refresh, when not zero, reloads the page after that many seconds
	// (a job's progress page, without JavaScript).
	Refresh int
	Site    string
	Title   string
	User    *user.User // nil on the login and error pages of a visitor
	CSRF    string
	Nav     []navLink
	Section string
}

// nav lists the pages a role may see; pages that do not exist yet are not
// linked.
var nav = []struct {
	href, text string
	perm       user.Permission
}{
	{"/ui/dashboard", "Dashboard", user.ReadCases},
	{"/ui/inbox", "Inbox", user.ReadReports},
	{"/ui/cases", "Cases", user.ReadCases},
	{"/ui/products", "Products", user.ReadProducts},
	{"/ui/advisories", "Advisories", user.ReadProducts},
	{"/ui/findings", "Findings", user.ReadCases},
	{"/ui/schedule", "Schedule", user.ReadSchedule},
	{"/ui/audit", "Audit", user.ReadAudit},
	{"/ui/outbox", "Outbox", user.ReadAudit},
	{"/ui/feeds", "Feeds", user.ReadAudit},
}

func (w *Web) layout(r *http.Request, title string) layout {
	l := layout{Site: w.opts.Name, Title: title}
	s, ok := current(r)
	if !ok {
		return l
	}
	u := s.user
	l.User, l.CSRF = &u, s.sess.CSRF
	for _, n := range nav {
		if u.Role.Can(n.perm) && w.pages[n.href] {
			l.Nav = append(l.Nav, navLink{Href: n.href, Text: n.text, Current: r.URL.Path == n.href || strings.HasPrefix(r.URL.Path, n.href+"/")})
		}
	}
	return l
}

type errorPage struct {
	layout
	Status           int
	Heading, Message string
}

// loginPage is the login form.
type loginPage struct {
	layout
	Name  string
	Next  string
	Error string
	Bye   bool   // just signed out
	Token string // the login form's CSRF token, also in its cookie
}

// safeNext keeps a return address only when it is a page of the UI.
func safeNext(s string) string {
	if !strings.HasPrefix(s, "/ui/") || strings.HasPrefix(s, "/ui//") || strings.ContainsAny(s, "\\\r\n") || len(s) > 1000 {
		return "/ui/"
	}
	return s
}

func (w *Web) loginForm(rw http.ResponseWriter, r *http.Request) error {
	w.renderLogin(rw, r, http.StatusOK, loginPage{Next: safeNext(r.URL.Query().Get("next")), Bye: r.URL.Query().Has("bye")})
	return nil
}

// renderLogin renders the login form with a fresh token in its cookie.
func (w *Web) renderLogin(rw http.ResponseWriter, r *http.Request, status int, p loginPage) {
	p.Token, _ = secret.New("")
	http.SetCookie(rw, &http.Cookie{Name: w.loginCookieName(r), Value: p.Token, Path: "/", MaxAge: 3600,
		HttpOnly: true, Secure: w.secure(r), SameSite: http.SameSiteStrictMode})
	p.layout = w.layout(r, "Sign in")
	w.render(rw, status, "login", p)
}

// errLogin is the one answer to every failed login.
const errLogin = "The name or password is wrong, or the account may not sign in."

func (w *Web) login(rw http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	c, err := r.Cookie(w.loginCookieName(r))
	if !w.sameOrigin(r) || err != nil || !secretEqual(c.Value, r.PostForm.Get("csrf")) {
		return errCSRF
	}
	name, pw, next := strings.TrimSpace(r.PostForm.Get("name")), r.PostForm.Get("password"), safeNext(r.PostForm.Get("next"))
	addr, now := remote.Addr(r, w.opts.TrustProxy), w.now()
	key := "name:" + strings.ToLower(name)
	if !w.byAddr.allowed(addr, now) || !w.byName.allowed(key, now) {
		return errRateLimited
	}
	var u user.User
	ok := false
	if len(name) <= 64 && utf8.ValidString(name) && !strings.ContainsRune(name, 0) {
		u, ok, err = w.authenticate(r.Context(), name, pw)
		if err != nil {
			return err
		}
	} else {
		VerifyPassword(w.dummyHash, pw) // the same cost as any other failure
	}
	if !ok {
		w.byAddr.fail(addr, now)
		w.byName.fail(key, now)
		if len(name) > 64 || !utf8.ValidString(name) {
			name = ""
		}
		w.renderLogin(rw, r, http.StatusUnauthorized, loginPage{Name: name, Next: next, Error: errLogin})
		return nil
	}
	w.byName.reset(key)
	if err := w.startSession(rw, r, u); err != nil {
		return err
	}
	http.SetCookie(rw, &http.Cookie{Name: w.loginCookieName(r), Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: w.secure(r), SameSite: http.SameSiteStrictMode})
	http.Redirect(rw, r, next, http.StatusSeeOther)
	return nil
}

func secretEqual(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

func (w *Web) logout(rw http.ResponseWriter, r *http.Request) error {
	s, _ := current(r)
	if err := w.endSession(rw, r, s); err != nil {
		return err
	}
	http.Redirect(rw, r, "/ui/login?bye=1", http.StatusSeeOther)
	return nil
}

// homePage greets the user with the pages of their role.
type homePage struct {
	layout
	Role  user.Role
	Links []navLink
}

func (w *Web) home(rw http.ResponseWriter, r *http.Request) error {
	p := homePage{layout: w.layout(r, "Home")}
	p.Role = p.User.Role
	p.Links = p.Nav
	if p.Role == user.Customer { // the customer's pages (overview_customer.go) are not in the team's navigation
		p.Links = []navLink{{Href: "/ui/advisories", Text: "Advisories"}}
	}
	if len(p.Links) > 0 { // the first page of the role is home
		http.Redirect(rw, r, p.Links[0].Href, http.StatusSeeOther)
		return nil
	}
	w.render(rw, http.StatusOK, "home", p)
	return nil
}

// pathID reads a positive numeric path value; anything else is not found.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNotFound
	}
	return id, nil
}

var errNotFound = casework.ErrNotFound

// isInvalid returns the problems of a validation error.
func isInvalid(err error) ([]string, bool) {
	var inv *casework.InvalidError
	if errors.As(err, &inv) {
		return inv.Problems, true
	}
	return nil, false
}

// fieldErrors sorts problems ("title: ...", "task_force[1]: ...") by the
// form field they name; the rest go under "".
func fieldErrors(problems []string, fields ...string) map[string][]string {
	out := map[string][]string{}
	for _, p := range problems {
		f := ""
		if i := strings.IndexAny(p, ":[."); i > 0 && slices.Contains(fields, p[:i]) {
			f = p[:i]
		}
		out[f] = append(out[f], p)
	}
	return out
}
