package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/vigil-psirt/vigil/internal/secret"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/user"
)

// sessionPrefix marks session IDs so secret scanners can find leaked ones.
const sessionPrefix = "vgs_"

// Cookie names: under TLS the __Host- prefix makes the browser refuse a
// cookie that is not Secure, has a Domain or another Path than /.
const (
	cookieTLS   = "__Host-vigil_session"
	cookiePlain = "vigil_session"
	loginTLS    = "__Host-vigil_login"
	loginPlain  = "vigil_login"
)

// signedIn is the session of a request and its user.
type signedIn struct {
	hash string
	sess store.Session
	user user.User
}

type ctxKey int

const sessionKey ctxKey = iota

func current(r *http.Request) (signedIn, bool) {
	s, ok := r.Context().Value(sessionKey).(signedIn)
	return s, ok
}

// secure reports whether the browser reached vigil over HTTPS.
func (w *Web) secure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return w.opts.TrustProxy && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

func (w *Web) cookieName(r *http.Request) string {
	if w.secure(r) {
		return cookieTLS
	}
	return cookiePlain
}

func (w *Web) loginCookieName(r *http.Request) string {
	if w.secure(r) {
		return loginTLS
	}
	return loginPlain
}

// session loads the request's session: nothing when there is no cookie, or
// the session is unknown, expired (absolute or idle) or its user disabled.
// An expired session is deleted at once.
func (w *Web) session(r *http.Request) (signedIn, bool, error) {
	c, err := r.Cookie(w.cookieName(r))
	if err != nil || !strings.HasPrefix(c.Value, sessionPrefix) || len(c.Value) > 100 {
		return signedIn{}, false, nil
	}
	hash := secret.Hash(c.Value)
	s, u, err := w.store.SessionByHash(r.Context(), hash)
	if errors.Is(err, store.ErrNotFound) {
		return signedIn{}, false, nil
	} else if err != nil {
		return signedIn{}, false, err
	}
	now := w.now()
	if u.Disabled || !now.Before(s.ExpiresAt) || now.Sub(s.LastSeen) >= w.opts.IdleTimeout {
		return signedIn{}, false, w.store.DeleteSession(r.Context(), hash)
	}
	if now.Sub(s.LastSeen) > time.Minute {
		if err := w.store.TouchSession(r.Context(), hash, now); err != nil {
			return signedIn{}, false, err
		}
		s.LastSeen = now
	}
	return signedIn{hash: hash, sess: s, user: u}, true, nil
}

// startSession makes a new session for u, always with a new ID and a new
// CSRF token (the ID rotates on login: a session ID planted before login is
// worth nothing after it), sets its cookie and ends the session the
// browser had.
func (w *Web) startSession(rw http.ResponseWriter, r *http.Request, u user.User) error {
	if old, ok, err := w.session(r); err != nil {
		return err
	} else if ok {
		if err := w.store.DeleteSession(r.Context(), old.hash); err != nil {
			return err
		}
	}
	plain, hash := secret.New(sessionPrefix)
	csrf, _ := secret.New("")
	now := w.now()
	s := store.Session{IDHash: hash, UserID: u.ID, CSRF: csrf, CreatedAt: now, LastSeen: now, ExpiresAt: now.Add(w.opts.Lifetime)}
	if err := w.store.CreateSession(r.Context(), s); err != nil {
		return err
	}
	// Sessions ended by time are swept now and then, here, not by a timer.
	if _, err := w.store.DeleteExpiredSessions(r.Context(), now, now.Add(-w.opts.IdleTimeout)); err != nil {
		return err
	}
	// No Expires: the cookie ends with the browser; the server ends the
	// session itself (idle and absolute), whatever the browser keeps.
	http.SetCookie(rw, &http.Cookie{Name: w.cookieName(r), Value: plain, Path: "/",
		HttpOnly: true, Secure: w.secure(r), SameSite: http.SameSiteLaxMode})
	return nil
}

// endSession deletes the session and its cookie.
func (w *Web) endSession(rw http.ResponseWriter, r *http.Request, s signedIn) error {
	if err := w.store.DeleteSession(r.Context(), s.hash); err != nil {
		return err
	}
	http.SetCookie(rw, &http.Cookie{Name: w.cookieName(r), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: w.secure(r), SameSite: http.SameSiteLaxMode})
	return nil
}

// errCSRF is a state-changing request that did not come from vigil's own
// form: wrong or missing token, or another origin.
var errCSRF = errors.New("the form is stale or came from another site; reload the page and try again")

// sameOrigin checks the browser's own statements of where an unsafe
// request comes from: Sec-Fetch-Site, then Origin. Browsers that send
// neither are left to the token.
func (w *Web) sameOrigin(r *http.Request) bool {
	if s := r.Header.Get("Sec-Fetch-Site"); s != "" && s != "same-origin" {
		return false
	}
	if o := r.Header.Get("Origin"); o != "" {
		scheme := "http://"
		if w.secure(r) {
			scheme = "https://"
		}
		return o == scheme+r.Host
	}
	return true
}

// checkCSRF checks an unsafe request of a signed-in user: same origin and
// the session's synchronizer token in the form field "csrf".
// maxMultipartMemory is how much of an upload is held in memory; the rest
// goes to a temporary file.
const maxMultipartMemory = 8 << 20

func (w *Web) checkCSRF(r *http.Request, s signedIn) error {
	if !w.sameOrigin(r) {
		return errCSRF
	}
	// Parse here, not in PostFormValue, which drops the error: a body over
	// the route's limit is "too large", not a missing token.
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(maxMultipartMemory)
	} else {
		err = r.ParseForm()
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return err
	}
	tok := r.PostFormValue("csrf")
	if tok == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(s.sess.CSRF)) != 1 {
		return errCSRF
	}
	return nil
}

// limiter counts failed logins per key (a client address, a user name)
// over a window; a key with max failures is refused until its window ends.
// It holds at most maxKeys keys: when full of live keys it refuses new ones
// (an attacker cycling addresses is slowed, not given memory).
type limiter struct {
	mu      sync.Mutex
	max     int
	window  time.Duration
	maxKeys int
	keys    map[string]*failures
}

type failures struct {
	n     int
	until time.Time
}

func newLimiter(max int, window time.Duration) *limiter {
	return &limiter{max: max, window: window, maxKeys: 10000, keys: map[string]*failures{}}
}

// allowed reports whether key may try now.
func (l *limiter) allowed(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, ok := l.keys[key]
	if !ok || !now.Before(f.until) {
		return ok || len(l.keys) < l.maxKeys || l.sweep(now)
	}
	return f.n < l.max
}

// fail records a failure of key.
func (l *limiter) fail(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, ok := l.keys[key]
	if !ok || !now.Before(f.until) {
		if !ok && len(l.keys) >= l.maxKeys && !l.sweep(now) {
			return
		}
		f = &failures{until: now.Add(l.window)}
		l.keys[key] = f
	}
	f.n++
}

// reset forgets key's failures (a successful login).
func (l *limiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.keys, key)
}

// sweep drops ended windows and reports whether there is room.
func (l *limiter) sweep(now time.Time) bool {
	for k, f := range l.keys {
		if !now.Before(f.until) {
			delete(l.keys, k)
		}
	}
	return len(l.keys) < l.maxKeys
}

// authenticate checks a name and password in constant time whatever the
// outcome: an unknown user, one without a password and a wrong password
// all cost one argon2id verification and give the same answer.
func (w *Web) authenticate(ctx context.Context, name, pw string) (user.User, bool, error) {
	hash := w.dummyHash
	u, h, err := w.store.PasswordByName(ctx, name)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return user.User{}, false, err
	case h != "":
		hash = h
	}
	ok := VerifyPassword(hash, pw)
	if err != nil || h == "" || u.Disabled || !ok {
		return user.User{}, false, nil
	}
	return u, true, nil
}
