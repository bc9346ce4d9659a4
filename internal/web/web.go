// Package web is the team's UI under /ui: server-rendered pages over the
// casework service, with sessions kept in the database, CSRF protection and
// the same roles and permissions as the API (package user).
//
// Invariants:
//   - The UI changes data only through casework; it reads through the store
//     and casework, and never writes SQL.
//   - Every route is in the route table (routes.go) with the permission it
//     needs; only the login page and static files are public. A request
//     without a live session is sent to the login page; a role without the
//     permission gets the 403 page.
//   - Every unsafe request is checked for the session's synchronizer token
//     and for the browser's Origin and Sec-Fetch-Site before its handler
//     runs; the login form carries its own token in a short-lived cookie.
//   - Only the SHA-256 of a session ID is stored; the ID rotates on login;
//     a session ends after IdleTimeout without use or Lifetime after login,
//     whichever comes first; logout deletes it.
//   - Passwords are stored as argon2id PHC strings; a login costs one
//     verification whether or not the user exists, and every failure gives
//     the same answer. Failures are limited per client address and per name.
//   - Every page is an html/template parsed at start-up from embedded files,
//     rendered from its own typed struct into a buffer (a failed render
//     sends a generic 500, never half a page); static files are embedded and
//     served under content-hashed names. The CSP allows no inline script or
//     style, so an injected string can at worst be text.
//   - Times are shown in the policy's zone with the zone named.
package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigil-psirt/vigil/internal/asset"
	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/user"
	"github.com/vigil-psirt/vigil/internal/vcase"
)

// Options configure the UI.
type Options struct {
	Log *slog.Logger
	// Name is the vendor's name in titles.
	Name string
	// TrustProxy takes the client address from X-Forwarded-For and the
	// scheme from X-Forwarded-Proto.
	TrustProxy bool
	// IdleTimeout ends a session unused this long (default 12 h); Lifetime
	// ends it this long after login whatever happens (default 7 days).
	IdleTimeout, Lifetime time.Duration
	// MaxForm bounds a form's body (default 64 KiB).
	MaxForm int64
}

// Web serves /ui.
type Web struct {
	svc       *casework.Service
	store     *store.Store
	opts      Options
	now       func() time.Time
	zone      *time.Location
	tmpl      map[string]*template.Template
	assets    asset.Set // the static files under content-hashed names
	routes    []route
	pages     map[string]bool // paths of the GET pages, for the navigation
	jobs      *jobTable       // long work running in the background
	dummyHash string          // verified for unknown users, so that they cost the same
	byAddr    *limiter
	byName    *limiter
}

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// New parses the templates once and builds the route table.
func New(svc *casework.Service, opts Options) (*Web, error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Name == "" {
		opts.Name = "vigil"
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = 12 * time.Hour
	}
	if opts.Lifetime <= 0 {
		opts.Lifetime = 7 * 24 * time.Hour
	}
	if opts.MaxForm <= 0 {
		opts.MaxForm = 64 << 10
	}
	w := &Web{svc: svc, store: svc.Store, opts: opts, now: func() time.Time { return svc.Now().UTC() }, zone: time.UTC,
		byAddr: newLimiter(20, 15*time.Minute), byName: newLimiter(10, 15*time.Minute)}
	if svc.Policy != nil && svc.Policy.Zone != nil {
		w.zone = svc.Policy.Zone
	}
	w.dummyHash = dummyHash
	var err error
	if w.assets, err = asset.Load(staticFS, "static"); err != nil {
		return nil, err
	}
	if err := w.parse(); err != nil {
		return nil, err
	}
	w.jobs = newJobTable()
	w.routes = w.table()
	w.pages = map[string]bool{}
	for _, rt := range w.routes {
		if rt.Method == "GET" {
			w.pages[rt.Pattern] = true
		}
	}
	return w, nil
}

// dummyHash is verified for a name without a password: same parameters as
// a real hash, so the same cost; its all-zero key matches no password in
// practice (a preimage of argon2id).
var dummyHash = encodeHash(argonParams{time: argonTime, memory: argonMemory, threads: argonThreads},
	make([]byte, argonSaltLen), make([]byte, argonKeyLen))

// handlerFunc is a handler that returns its error for one adapter to render.
type handlerFunc func(rw http.ResponseWriter, r *http.Request) error

// route is one line of the route table.
type route struct {
	Method, Pattern string
	Public          bool
	Perm            user.Permission // "" for any signed-in user
	h               handlerFunc
	maxBody         int64 // bound of the request body; 0 for Options.MaxForm
}

// RouteInfo is one route as tests see it.
type RouteInfo struct {
	Method, Pattern string
	Public          bool
	Perm            user.Permission
}

// Table lists every route with its access rule.
func (w *Web) Table() []RouteInfo {
	var out []RouteInfo
	for _, r := range w.routes {
		out = append(out, RouteInfo{Method: r.Method, Pattern: r.Pattern, Public: r.Public, Perm: r.Perm})
	}
	return out
}

// Handler returns the UI's mux, to be mounted at /ui/.
func (w *Web) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range w.routes {
		h := rt.h
		if !rt.Public {
			h = w.authenticated(rt.Perm, h)
		}
		mux.Handle(rt.Method+" "+rt.Pattern, w.adapt(h, rt.maxBody))
	}
	// Anything else is not found; the page shows the navigation to a user
	// who is signed in.
	mux.Handle("/ui/", w.adapt(func(rw http.ResponseWriter, r *http.Request) error {
		if s, ok, err := w.session(r); err != nil {
			return err
		} else if ok {
			*r = *r.WithContext(contextWith(r, s))
		}
		return store.ErrNotFound
	}, 0))
	return headers(mux)
}

// headers sets what every response of the UI carries. Pages are never
// cached (they show embargoed material); static files override that.
func headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		h := rw.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "+
			"form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-store")
		h.Set("Vary", "Cookie")
		next.ServeHTTP(rw, r)
	})
}

// Errors the adapter renders as pages.
var (
	errForbidden   = errors.New("your role may not see this page")
	errRateLimited = errors.New("too many failed logins; wait a few minutes")
	errBadRequest  = errors.New("bad request")
)

// needLogin sends the browser to the login page, back here afterwards.
type needLogin struct{ next string }

func (needLogin) Error() string { return "sign in first" }

// authenticated loads the session, checks CSRF on unsafe methods, then the
// route's permission.
func (w *Web) authenticated(perm user.Permission, next handlerFunc) handlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) error {
		s, ok, err := w.session(r)
		if err != nil {
			return err
		}
		if !ok {
			back := ""
			if r.Method == http.MethodGet {
				back = r.URL.RequestURI()
			}
			return needLogin{next: back}
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if err := w.checkCSRF(r, s); err != nil {
				return err
			}
		}
		if perm != "" && !s.user.Role.Can(perm) {
			return errForbidden
		}
		return next(rw, r.WithContext(contextWith(r, s)))
	}
}

// adapt bounds the request (to limit bytes, Options.MaxForm when 0), runs
// h and renders its error as a page.
func (w *Web) adapt(h handlerFunc, limit int64) http.Handler {
	if limit <= 0 {
		limit = w.opts.MaxForm
	}
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				w.opts.Log.Error("panic", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v))
				http.Error(rw, "internal error", http.StatusInternalServerError)
			}
		}()
		r.Body = http.MaxBytesReader(rw, r.Body, limit)
		err := checkURL(r)
		if err == nil {
			err = h(rw, r)
		}
		if err != nil {
			w.fail(rw, r, err)
		}
	})
}

// checkURL refuses a path or query with invalid UTF-8 or NUL: no stored
// value can match it, and PostgreSQL refuses it as a parameter.
func checkURL(r *http.Request) error {
	ok := func(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }
	if !ok(r.URL.Path) || len(r.URL.RawQuery) > 4096 {
		return errBadRequest
	}
	for k, vs := range r.URL.Query() {
		for _, v := range vs {
			if !ok(k) || !ok(v) {
				return errBadRequest
			}
		}
	}
	return nil
}

// fail is the one place that maps errors to pages and status codes.
func (w *Web) fail(rw http.ResponseWriter, r *http.Request, err error) {
	var login needLogin
	var tooBig *http.MaxBytesError
	if errors.As(err, &login) {
		to := "/ui/login"
		if login.next != "" && login.next != "/ui/" {
			to += "?next=" + urlQueryEscape(login.next)
		}
		http.Redirect(rw, r, to, http.StatusSeeOther)
		return
	}
	p := errorPage{Status: 500, Heading: "Something went wrong", Message: "The error was logged. Try again, or tell an administrator."}
	switch {
	case errors.Is(err, errForbidden):
		p.Status, p.Heading, p.Message = 403, "Not for your role", "Your role does not include this page. Ask an administrator if you need it."
	case errors.Is(err, errCSRF):
		p.Status, p.Heading, p.Message = 403, "Form refused", err.Error()
	case errors.Is(err, store.ErrNotFound):
		p.Status, p.Heading, p.Message = 404, "Not found", "There is no such page, or you may not see it."
	case errors.Is(err, errRateLimited):
		p.Status, p.Heading, p.Message = 429, "Too many attempts", err.Error()
		rw.Header().Set("Retry-After", "900")
	case errors.As(err, &tooBig):
		p.Status, p.Heading, p.Message = 413, "Too large", fmt.Sprintf("A form may hold at most %d KiB.", tooBig.Limit>>10)
	case errors.Is(err, errBadRequest):
		p.Status, p.Heading, p.Message = 400, "Bad request", "The address or form could not be read."
	case errors.Is(err, store.ErrConflict), errors.Is(err, casework.ErrClosed):
		p.Status, p.Heading, p.Message = 409, "Changed meanwhile", "The record changed or is closed; reload it and try again."
	default:
		w.opts.Log.Error("ui request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	p.layout = w.layout(r, p.Heading)
	w.render(rw, p.Status, "error", p)
}

// render executes a page into a buffer and sends it whole.
func (w *Web) render(rw http.ResponseWriter, status int, name string, data any) {
	t, ok := w.tmpl[name]
	if !ok {
		w.opts.Log.Error("render", "page", name, "err", "no such template")
		http.Error(rw, "internal error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		w.opts.Log.Error("render", "page", name, "err", err)
		http.Error(rw, "internal error", http.StatusInternalServerError)
		return
	}
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	rw.WriteHeader(status)
	rw.Write(buf.Bytes())
}

func (w *Web) asset(rw http.ResponseWriter, r *http.Request) error {
	if !w.assets.Serve(rw, r.PathValue("name")) {
		return store.ErrNotFound
	}
	return nil
}

// parse reads every page with the layout.
func (w *Web) parse() error {
	funcs := template.FuncMap{
		"asset": func(name string) string { return "/ui/static/" + w.assets.Name(name) },
		"when":  func(t time.Time) string { return t.In(w.zone).Format("2006-01-02 15:04 MST") },
		"whenp": func(t *time.Time) string {
			if t == nil {
				return "—"
			}
			return t.In(w.zone).Format("2006-01-02 15:04 MST")
		},
		"iso":   func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"upper": strings.ToUpper,
		"zone":  func() string { return w.zone.String() },
		"label": label,
		"sev":   sevClass,
	}
	w.tmpl = map[string]*template.Template{}
	pages, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return err
	}
	for _, p := range pages {
		name := strings.TrimSuffix(strings.TrimPrefix(p, "templates/"), ".html")
		if name == "layout" || name == "partials" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html", p)
		if err != nil {
			return fmt.Errorf("parse %s: %w", p, err)
		}
		w.tmpl[name] = t
	}
	return nil
}

// label makes an identifier readable: "start_fix" -> "Start fix".
func label(s string) string {
	s = strings.ReplaceAll(s, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// sevClass is the CSS class suffix of a severity; unknown ones are unrated.
func sevClass(s string) string {
	switch s {
	case "critical", "high", "medium", "low":
		return s
	}
	return "none"
}

// states of the lifecycle in order, for the stepper and the filter.
var caseStates = vcase.States
