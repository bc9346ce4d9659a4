package api

import (
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/vigil-psirt/vigil/internal/remote"
)

var errRateLimited = errors.New("too many reports from your address; try again in a minute")

// limiter is a token bucket per client address, bounded in memory: when the
// table is full, buckets that have refilled are dropped first, and if none
// has, the new client shares one overflow bucket.
type limiter struct {
	mu      sync.Mutex
	perMin  float64
	burst   float64
	now     func() time.Time
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

const maxClients = 10000

func newLimiter(perMinute, burst int, now func() time.Time) *limiter {
	return &limiter{perMin: float64(perMinute), burst: float64(burst), now: now, buckets: map[string]*bucket{}}
}

func (l *limiter) allow(client string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.buckets[client]
	if !ok {
		if len(l.buckets) >= maxClients {
			l.sweep(now)
		}
		if len(l.buckets) >= maxClients {
			client = "overflow"
		}
		if b, ok = l.buckets[client]; !ok {
			b = &bucket{tokens: l.burst, at: now}
			l.buckets[client] = b
		}
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.at).Minutes()*l.perMin)
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// LimitIntake applies the intake rate limit to another route that takes
// reports in (the public site's form), on the same budget per client, so
// that no intake path escapes it.
func (a *API) LimitIntake(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !a.limit.allow(remote.Addr(r, a.opts.TrustProxy)) {
			w.Header().Set("Retry-After", "60")
			http.Error(w, errRateLimited.Error(), http.StatusTooManyRequests)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// sweep drops the buckets that are full again.
func (l *limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Minutes()*l.perMin >= l.burst {
			delete(l.buckets, k)
		}
	}
}
