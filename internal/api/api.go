// Package api is vigil's JSON API under /api/v1: bearer-token authentication,
// roles checked per route in one route table, problem+json errors, bounded
// bodies that reject unknown fields, and the OpenAPI 3.1 document that a test
// keeps in step with the route table.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/secret"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/user"
	"github.com/vigil-psirt/vigil/internal/vcase"
)

// Options configure the API.
type Options struct {
	Log *slog.Logger
	// MaxBody bounds every request body of the team's API.
	MaxBody int64
	// MaxIntake bounds a public report.
	MaxIntake int64
	// IntakeRate and IntakeBurst limit public reports per client per minute.
	IntakeRate, IntakeBurst int
	// TrustProxy takes the client address from X-Forwarded-For.
	TrustProxy bool
}

// API serves /api/v1.
type API struct {
	svc    *casework.Service
	store  *store.Store
	opts   Options
	limit  *limiter
	routes []route
}

// handlerFunc is a handler that returns its error for one adapter to render.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// route is one line of the route table.
type route struct {
	Method, Pattern string
	Perm            user.Permission // "" for public routes
	Public          bool
	Summary         string
	h               handlerFunc
}

// New builds the API over the process service.
func New(svc *casework.Service, opts Options) *API {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.MaxBody == 0 {
		opts.MaxBody = 1 << 20
	}
	if opts.MaxIntake == 0 {
		opts.MaxIntake = 256 << 10
	}
	if opts.IntakeRate == 0 {
		opts.IntakeRate, opts.IntakeBurst = 10, 20
	}
	a := &API{svc: svc, store: svc.Store, opts: opts}
	a.limit = newLimiter(opts.IntakeRate, opts.IntakeBurst, svc.Now)
	a.routes = a.table()
	return a
}

// Routes lists method and pattern of every route, for the OpenAPI test.
func (a *API) Routes() [][2]string {
	var out [][2]string
	for _, r := range a.routes {
		out = append(out, [2]string{r.Method, r.Pattern})
	}
	return out
}

// RouteInfo is one route of the table as tests see it: whether it is
// public and, if not, the permission it needs ("" for any signed-in user).
type RouteInfo struct {
	Method, Pattern string
	Public          bool
	Perm            user.Permission
}

// Table lists every route with its access rule, so that tests can check
// authentication and roles against the table itself.
func (a *API) Table() []RouteInfo {
	var out []RouteInfo
	for _, r := range a.routes {
		out = append(out, RouteInfo{Method: r.Method, Pattern: r.Pattern, Public: r.Public, Perm: r.Perm})
	}
	return out
}

// Handler returns the mux of the API.
func (a *API) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range a.routes {
		h := rt.h
		if !rt.Public {
			h = a.authenticated(rt.Perm, h)
		}
		mux.Handle(rt.Method+" "+rt.Pattern, a.adapt(h))
	}
	mux.Handle("/api/v1/", a.adapt(func(w http.ResponseWriter, r *http.Request) error {
		return errNoRoute
	}))
	return mux
}

var errNoRoute = errors.New("no such route")

type ctxKey int

const userKey ctxKey = iota

func currentUser(r *http.Request) user.User {
	u, _ := r.Context().Value(userKey).(user.User)
	return u
}

func actor(r *http.Request) casework.Actor { return casework.UserActor(currentUser(r)) }

// errUnauthorized and errForbidden are rendered as 401 and 403.
var (
	errUnauthorized = errors.New("a valid bearer token is required")
	errForbidden    = errors.New("your role may not do this")
)

// authenticated checks the bearer token and the route's permission.
func (a *API) authenticated(perm user.Permission, next handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || tok == "" || len(tok) > 200 {
			return errUnauthorized
		}
		t, u, err := a.store.TokenByHash(r.Context(), secret.Hash(tok))
		if errors.Is(err, store.ErrNotFound) {
			return errUnauthorized
		} else if err != nil {
			return err
		}
		now := a.svc.Now()
		if u.Disabled || t.RevokedAt != nil || (t.ExpiresAt != nil && !now.Before(*t.ExpiresAt)) {
			return errUnauthorized
		}
		if t.LastUsed == nil || now.Sub(*t.LastUsed) > time.Minute {
			if err := a.store.TouchToken(r.Context(), t.ID, now); err != nil {
				return err
			}
		}
		if perm != "" && !u.Role.Can(perm) {
			return errForbidden
		}
		ctx := context.WithValue(r.Context(), userKey, u)
		return next(w, r.WithContext(ctx))
	}
}

// adapt renders a handler's error as problem+json.
func (a *API) adapt(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				a.opts.Log.Error("panic", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v))
				writeProblem(w, problem{Status: 500, Title: "Internal error"})
			}
		}()
		err := checkURL(r)
		if err == nil {
			err = h(w, r)
		}
		if err != nil {
			p := a.problemFor(err)
			if p.Status >= 500 {
				a.opts.Log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
			}
			if p.Status == http.StatusUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="vigil"`)
			}
			writeProblem(w, p)
		}
	})
}

// checkURL refuses a path or query with invalid UTF-8 or NUL: no stored
// value can match it, and PostgreSQL refuses it as a parameter.
func checkURL(r *http.Request) error {
	ok := func(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }
	if !ok(r.URL.Path) {
		return badRequest{"path: not valid UTF-8 or contains NUL"}
	}
	for k, vs := range r.URL.Query() {
		for _, v := range vs {
			if !ok(k) || !ok(v) {
				return badRequest{"query: not valid UTF-8 or contains NUL"}
			}
		}
	}
	return nil
}

// problem is an RFC 9457 problem document.
type problem struct {
	Type     string   `json:"type,omitempty"`
	Title    string   `json:"title"`
	Status   int      `json:"status"`
	Detail   string   `json:"detail,omitempty"`
	Problems []string `json:"problems,omitempty"` // every validation problem, or every failed guard
}

// problemFor is the one place that maps errors to HTTP status.
func (a *API) problemFor(err error) problem {
	var inv *casework.InvalidError
	var guard *vcase.GuardError
	var tooBig *http.MaxBytesError
	var bad badRequest
	switch {
	case errors.As(err, &inv):
		return problem{Status: 422, Title: "Invalid input", Type: "urn:vigil:invalid", Problems: inv.Problems}
	case errors.As(err, &guard):
		return problem{Status: 409, Title: "Transition not allowed", Type: "urn:vigil:guard",
			Detail: fmt.Sprintf("%s is not allowed from %s", guard.Transition, guard.From), Problems: guard.Failed}
	case errors.As(err, &tooBig):
		return problem{Status: 413, Title: "Request body too large", Detail: fmt.Sprintf("at most %d bytes", tooBig.Limit)}
	case errors.As(err, &bad):
		return problem{Status: 400, Title: "Bad request", Detail: bad.msg}
	case errors.Is(err, errUnauthorized):
		return problem{Status: 401, Title: "Unauthorized", Detail: err.Error()}
	case errors.Is(err, errForbidden):
		return problem{Status: 403, Title: "Forbidden", Detail: err.Error()}
	case errors.Is(err, errRateLimited):
		return problem{Status: 429, Title: "Too many requests", Detail: err.Error()}
	case errors.Is(err, errNoRoute), errors.Is(err, store.ErrNotFound):
		return problem{Status: 404, Title: "Not found"}
	case errors.Is(err, store.ErrConflict):
		return problem{Status: 409, Title: "Conflict", Detail: "the resource exists already or changed meanwhile; reload and retry"}
	case errors.Is(err, casework.ErrClosed), errors.Is(err, casework.ErrWithdrawn):
		return problem{Status: 409, Title: "Conflict", Detail: err.Error()}
	}
	return problem{Status: 500, Title: "Internal error"}
}

func writeProblem(w http.ResponseWriter, p problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

// badRequest is malformed input: not JSON, unknown field, wrong type.
type badRequest struct{ msg string }

func (b badRequest) Error() string { return b.msg }

// decode reads one JSON value, bounded, rejecting unknown fields and trailing data.
func decode(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return badRequest{"Content-Type must be application/json"}
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return err
		}
		if errors.Is(err, io.EOF) {
			return badRequest{"empty body"}
		}
		return badRequest{"malformed JSON: " + err.Error()}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return err
		}
		return badRequest{"malformed JSON: trailing data after the object"}
	}
	return nil
}

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%s %q: %w", name, r.PathValue(name), store.ErrNotFound)
	}
	return id, nil
}

// page reads limit and offset query parameters.
func page(r *http.Request) (limit, offset int, err error) {
	q := r.URL.Query()
	limit, offset = 50, 0
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 500 {
			return 0, 0, badRequest{"limit: must be 1-500"}
		}
	}
	if v := q.Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			return 0, 0, badRequest{"offset: must be >= 0"}
		}
	}
	return limit, offset, nil
}
