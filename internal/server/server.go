// Package server assembles vigil's HTTP surfaces on one port: the JSON API
// under /api/v1, the team's UI under /ui and the public site everywhere
// else, with timeouts, security headers, graceful shutdown and, when given a
// certificate, TLS 1.2 or later.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigil-psirt/vigil/internal/advisory"
	"github.com/vigil-psirt/vigil/internal/api"
	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/report"
	"github.com/vigil-psirt/vigil/internal/site"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/ticket"
	"github.com/vigil-psirt/vigil/internal/web"
)

// Options configure the server.
type Options struct {
	Name       string // vendor name on the public site
	TrustProxy bool
	Log        *slog.Logger
	// TicketSecrets verify the webhooks of the public and the private
	// ticket system; a tracker without its secret is not served.
	TicketSecrets struct{ Public, Private string }
}

// siteErr gives the public site the error it knows for an unknown token.
func siteErr(fn func(ctx context.Context, token, value string) error) site.TokenFunc {
	return func(ctx context.Context, token, value string) error {
		err := fn(ctx, token, value)
		if errors.Is(err, store.ErrNotFound) {
			return site.ErrNotFound
		}
		return err
	}
}

// Handler builds the whole HTTP handler over the process service.
func Handler(svc *casework.Service, opts Options) (http.Handler, error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	a := api.New(svc, api.Options{Log: opts.Log, TrustProxy: opts.TrustProxy})
	pub, err := site.New(site.Site{
		Source: published{svc.Store}, Files: files{svc.Store}, Vendor: vendorOf(svc), Signer: signerOf(svc), Name: opts.Name, Log: opts.Log, Zone: svc.Policy.Zone, Now: svc.Now,
		Subscriptions: subscriptions{svc},
		Intake: func(ctx context.Context, r report.Report) (string, string, error) {
			_, rc, err := svc.Submit(ctx, casework.Public, r)
			return rc.TrackingID, rc.Token, err
		},
		Status: func(ctx context.Context, token string) (site.Status, error) {
			v, err := svc.ReporterStatus(ctx, token)
			if errors.Is(err, store.ErrNotFound) {
				return site.Status{}, site.ErrNotFound
			}
			return site.Status{TrackingID: v.TrackingID, Title: v.Title, State: v.State, CVEID: v.CVEID, Advisory: v.Advisory,
				ReceivedAt: v.ReceivedAt, Messages: v.Messages, CreditAs: v.CreditAs}, err
		},
		Reply:  siteErr(svc.ReporterMessage),
		Credit: siteErr(svc.ReporterCredit),
	})
	if err != nil {
		return nil, err
	}
	ui, err := web.New(svc, web.Options{Log: opts.Log, Name: opts.Name, TrustProxy: opts.TrustProxy})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", a.Handler())
	mux.Handle("/ui/", ui.Handler()) // the team's UI: sessions, CSRF, roles (package web)
	site := pub.Handler()
	mux.Handle("POST /report", a.LimitIntake(site))
	mux.Handle("POST /subscribe", a.LimitIntake(site))
	mux.Handle("POST /report/status/", a.LimitIntake(site)) // replies and credit through the status link // no mail flood through the form
	mux.Handle("/", csafDomain(site))
	// Public, authenticated by each tracker's signature or token, not by a login.
	mux.Handle(ticket.Pattern, &ticket.Handler{Svc: svc, PublicSecret: opts.TicketSecrets.Public,
		PrivateSecret: opts.TicketSecrets.Private, Now: svc.Now, Log: opts.Log})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if _, _, err := svc.Store.SchemaVersion(r.Context()); err != nil {
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok\n"))
	})
	return headers(mux), nil
}

// vendorOf is the publisher the site names: the renderer's, or one made of
// the service's base URL when documents are not rendered.
func vendorOf(svc *casework.Service) advisory.Publisher {
	if svc.Renderer != nil {
		return svc.Renderer.Vendor
	}
	return advisory.Publisher{BaseURL: svc.BaseURL, Namespace: svc.BaseURL}
}

// signerOf is what clear-signs the site's security.txt: the renderer's key,
// through an interface that offers signing only.
func signerOf(svc *casework.Service) site.Signer {
	if svc.Renderer == nil || svc.Renderer.Key == nil {
		return nil
	}
	return svc.Renderer.Key
}

// csafDomain serves the provider metadata at the root of
// https://csaf.data.security.DOMAIN (CSAF 2.0 section 7.1.10, requirement
// 10), for a vendor who points that DNS name at vigil; the bytes are the
// same as at /.well-known/csaf/provider-metadata.json.
func csafDomain(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(strings.ToLower(r.Host), "csaf.data.security.") && r.URL.Path == "/" && r.Method == http.MethodGet {
			r = r.Clone(r.Context())
			r.URL.Path, r.URL.RawPath = "/.well-known/csaf/provider-metadata.json", ""
		}
		next.ServeHTTP(w, r)
	})
}

// headers sets what every response carries.
func headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		if strings.HasPrefix(r.URL.Path, "/api/") {
			h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		}
		next.ServeHTTP(w, r)
	})
}

// TLS names the PEM files of the certificate (with its chain) and private
// key with which Serve terminates TLS itself.
type TLS struct {
	CertFile, KeyFile string
}

// Serve runs the HTTP server on addr until ctx ends, then shuts down
// gracefully. With t, it speaks HTTPS only (TLS 1.2 or later). ready, if not
// nil, receives the bound address.
func Serve(ctx context.Context, addr string, h http.Handler, log *slog.Logger, t *TLS, ready func(net.Addr)) error {
	var cfg *tls.Config
	if t != nil {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return fmt.Errorf("load TLS certificate: %w", err)
		}
		cfg = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		TLSConfig:         cfg,
	}
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() {
		if cfg != nil {
			errc <- srv.ServeTLS(ln, "", "") // the certificate is in cfg
			return
		}
		errc <- srv.Serve(ln)
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// published is the store's view of published revisions, as the site sees it.
type published struct{ st *store.Store }

func (p published) LatestRevisions(ctx context.Context, limit, offset int) ([]advisory.Revision, error) {
	return p.st.LatestRevisions(ctx, limit, offset)
}

func (p published) RevisionsOf(ctx context.Context, id string) ([]advisory.Revision, error) {
	// An ID no advisory can have (PostgreSQL refuses it as a parameter).
	if !utf8.ValidString(id) || strings.ContainsRune(id, 0) {
		return nil, fmt.Errorf("advisory %q: %w", id, site.ErrNotFound)
	}
	revs, err := p.st.RevisionsOf(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("advisory %s: %w", id, site.ErrNotFound)
	}
	return revs, err
}

// files is the store's view of published documents, as the site sees it.
type files struct{ st *store.Store }

func siteFile(f store.File) site.File {
	return site.File{Path: f.Path, Revision: f.Revision, Kind: f.Kind, AdvisoryID: f.AdvisoryID, ContentType: f.ContentType,
		Content: f.Content, SHA256: f.SHA256, SHA512: f.SHA512, Signature: f.Signature, PublishedAt: f.PublishedAt}
}

func notFound(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: %w", site.ErrNotFound, err)
	}
	return err
}

func (p files) FileAt(ctx context.Context, path string, rev int) (site.File, error) {
	f, err := p.st.FileAt(ctx, path, rev)
	return siteFile(f), notFound(err)
}

func (p files) ListFiles(ctx context.Context, kinds ...string) ([]site.File, error) {
	fs, err := p.st.ListFiles(ctx, kinds...)
	out := make([]site.File, 0, len(fs))
	for _, f := range fs {
		out = append(out, siteFile(f))
	}
	return out, err
}

func (p files) FileHistory(ctx context.Context, path string) ([]site.File, error) {
	fs, err := p.st.FileHistory(ctx, path)
	out := make([]site.File, 0, len(fs))
	for _, f := range fs {
		out = append(out, siteFile(f))
	}
	return out, err
}

func (p files) PublicKeys(ctx context.Context) ([]site.PublicKey, error) {
	ks, err := p.st.SigningKeys(ctx)
	out := make([]site.PublicKey, 0, len(ks))
	for _, k := range ks {
		out = append(out, site.PublicKey{Fingerprint: k.Fingerprint, Armored: k.Public})
	}
	return out, err
}

// subscriptions are the service's subscription steps, as the site sees them.
type subscriptions struct{ svc *casework.Service }

func (s subscriptions) Subscribe(ctx context.Context, email string, products []string) error {
	return s.svc.Subscribe(ctx, casework.Public, email, products)
}

func (s subscriptions) Confirm(ctx context.Context, token string) (string, error) {
	sub, err := s.svc.ConfirmSubscription(ctx, token)
	return sub.Product, notFound(err)
}

func (s subscriptions) Unsubscribe(ctx context.Context, token string) (string, error) {
	sub, err := s.svc.Unsubscribe(ctx, token)
	return sub.Product, notFound(err)
}
