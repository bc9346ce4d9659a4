// Package site is the public surface: the advisories news page, one page per
// advisory and per product, the RSS 2.0 and Atom feeds (global and per
// product), the published machine-readable documents, the report form (R1),
// the reporter's status page, and (provider.go) a CSAF 2.0 trusted provider
// under /.well-known/csaf/ with a clear-signed security.txt (RFC 9116).
//
// Invariant: the site reaches vigil's data only through Source, which serves
// published advisory revisions, through Files, which serves published
// documents, and through the intake callbacks; it cannot read a case, so
// nothing under embargo can leak through it (R7). Products are known only as
// published revisions name them.
package site

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/vigil-psirt/vigil/internal/advisory"
	"github.com/vigil-psirt/vigil/internal/asset"
	"github.com/vigil-psirt/vigil/internal/report"
)

// Source is all the site may read: published revisions. An unknown advisory
// is an error wrapping ErrNotFound.
type Source interface {
	LatestRevisions(ctx context.Context, limit, offset int) ([]advisory.Revision, error)
	RevisionsOf(ctx context.Context, advisoryID string) ([]advisory.Revision, error)
}

// Intake takes a report in and returns its tracking ID and secret status token.
type Intake func(ctx context.Context, r report.Report) (trackingID, token string, err error)

// Status is what the reporter's secret link shows.
type Status struct {
	TrackingID string
	Title      string
	State      string
	CVEID      string
	Advisory   string
	ReceivedAt time.Time
	Messages   []report.Message
	// CreditAs is how the reporter asked to be credited ("" for no public
	// credit); shown only when the site can change it (Credit).
	CreditAs string
}

// StatusFunc resolves a status token; an unknown token is ErrNotFound.
type StatusFunc func(ctx context.Context, token string) (Status, error)

// ErrNotFound is returned by callbacks for unknown things.
var ErrNotFound = errors.New("not found")

// Site serves the public pages.
type Site struct {
	Source Source
	Files  Files
	Vendor advisory.Publisher // who publishes: names, namespace, contact, base URL
	Signer Signer             // clear-signs security.txt; nil: served unsigned
	Intake Intake
	Status StatusFunc
	// Reply takes the reporter's message through the status link, Credit
	// their credit preference (status.go); nil: the page has no such form.
	Reply, Credit TokenFunc
	Name          string // vendor name shown in titles
	Log           *slog.Logger
	Zone          *time.Location
	Now           func() time.Time
	tmpl          map[string]*template.Template
	assets        asset.Set // the static files under content-hashed names
	maxField      int64

	// Subscriptions takes e-mail subscriptions to advisories; nil: the site
	// has no subscription pages.
	Subscriptions Subscriptions
}

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// New parses the templates once at start-up.
func New(s Site) (*Site, error) {
	if s.Log == nil {
		s.Log = slog.New(slog.DiscardHandler)
	}
	if s.Zone == nil {
		s.Zone = time.UTC
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Name == "" {
		s.Name = "vigil"
	}
	s.maxField = 256 << 10
	var err error
	if s.assets, err = asset.Load(staticFS, "static"); err != nil {
		return nil, err
	}
	funcs := template.FuncMap{
		"asset": func(name string) string { return "/static/" + s.assets.Name(name) },
		"date":  func(t time.Time) string { return t.In(s.Zone).Format("2006-01-02 15:04 MST") },
		"day":   func(t time.Time) string { return t.In(s.Zone).Format("2006-01-02") },
		"upper": strings.ToUpper,
	}
	s.tmpl = map[string]*template.Template{}
	pages, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, p := range pages {
		name := strings.TrimSuffix(strings.TrimPrefix(p, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", p)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", p, err)
		}
		s.tmpl[name] = t
	}
	return &s, nil
}

// Handler returns the public mux: every route here is public.
func (s *Site) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.news)
	mux.HandleFunc("GET /advisories/{id}", s.advisory)
	mux.HandleFunc("GET /advisories/{id}/{file}", s.advisoryDocument)
	mux.HandleFunc("GET /vex/{file}", s.vexDocument)
	mux.HandleFunc("GET /products/{slug}", s.product)
	mux.HandleFunc("GET /feed.rss", s.newsFeed)
	mux.HandleFunc("GET /feed.atom", s.newsFeed)
	mux.HandleFunc("GET /products/{slug}/feed.rss", s.newsFeed)
	mux.HandleFunc("GET /products/{slug}/feed.atom", s.newsFeed)
	mux.HandleFunc("GET /report", s.reportForm)
	mux.HandleFunc("POST /report", s.submit)
	mux.HandleFunc("GET /report/status/{token}", s.status)
	mux.HandleFunc("POST /report/status/{token}/messages", s.statusForm)
	mux.HandleFunc("POST /report/status/{token}/credit", s.statusForm)
	if s.Subscriptions != nil {
		s.subscriptionRoutes(mux) // subscribe.go
	}
	s.providerRoutes(mux) // provider.go: the CSAF trusted provider and security.txt
	mux.HandleFunc("GET /static/{name}", s.asset)
	return mux
}

func (s *Site) asset(w http.ResponseWriter, r *http.Request) {
	if !s.assets.Serve(w, r.PathValue("name")) {
		http.NotFound(w, r)
	}
}

type page struct {
	Site  string
	Title string
	// Feeds are autodiscovery links besides the global feeds, which every
	// page names.
	Feeds []feedLink
}

type formPage struct {
	page
	Errors []string
	Values map[string]string
}

func (s *Site) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := s.tmpl[name].Execute(&buf, data); err != nil {
		s.Log.Error("render", "page", name, "err", err)
		http.Error(w, "internal error", 500)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (s *Site) fail(w http.ResponseWriter, err error) {
	if errors.Is(err, ErrNotFound) {
		s.render(w, 404, "notfound", page{Site: s.Name, Title: "Not found"})
		return
	}
	s.Log.Error("site", "err", err)
	http.Error(w, "internal error", 500)
}

func (s *Site) reportForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, 200, "report", formPage{page: page{Site: s.Name, Title: "Report a vulnerability"}, Values: map[string]string{}})
}

func (s *Site) submit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, s.maxField)
	if err := r.ParseForm(); err != nil {
		s.render(w, 413, "report", formPage{page: page{Site: s.Name, Title: "Report a vulnerability"}, Errors: []string{"The report is too large: at most 256 KiB."}, Values: map[string]string{}})
		return
	}
	vals := map[string]string{}
	for _, k := range []string{"title", "body", "name", "email", "credit_as", "product"} {
		vals[k] = r.PostForm.Get(k)
	}
	rep := report.Report{Channel: report.Web, Visibility: report.Private, Title: vals["title"], Body: vals["body"], ProductHint: vals["product"],
		Reporter: report.Contact{Name: vals["name"], Email: vals["email"], CreditAs: vals["credit_as"]}}
	_, token, err := s.Intake(r.Context(), rep)
	var inv interface{ Fields() []string }
	if errors.As(err, &inv) {
		s.render(w, 422, "report", formPage{page: page{Site: s.Name, Title: "Report a vulnerability"}, Errors: inv.Fields(), Values: vals})
		return
	}
	if err != nil {
		s.fail(w, err)
		return
	}
	http.Redirect(w, r, "/report/status/"+token, http.StatusSeeOther)
}
