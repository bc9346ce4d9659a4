package upstream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-psirt/vigil/internal/debtracker"
	"github.com/vigil-psirt/vigil/internal/kev"
	"github.com/vigil-psirt/vigil/internal/vuln"
)

// State is what a Source remembers between fetches; the caller stores it
// per feed and passes it back. The zero State means never synced.
type State struct {
	// ETag and LastModified are the validators of the resource the next
	// fetch asks for conditionally.
	ETag, LastModified string
	// Cursor is source-specific: for OSV the RFC 3339 time of the newest
	// modification imported, for NVD the lastModEndDate (RFC 3339) of the
	// last complete run; empty for the Debian tracker and KEV.
	Cursor   string
	SyncedAt time.Time
}

// Source is one upstream feed reached over HTTP.
type Source interface {
	// Feed names the feed, as Batch.Feed does.
	Feed() string
	// Fetch gets what changed since prev. NotModified (the server said
	// 304, or the delta is empty) means nothing to import. A failed fetch
	// returns an error naming the feed and URL, and no Result.
	Fetch(ctx context.Context, prev State, now time.Time) (Result, error)
}

// Result is one successful fetch.
type Result struct {
	// Batch has the records; it is empty when NotModified.
	Batch Batch
	// State is what the next Fetch needs, SyncedAt set to now.
	State       State
	NotModified bool
	// Removed are IDs the source says no longer exist (an OSV record listed
	// as changed whose file is gone).
	Removed []string
}

// Config is how Sources reach the network. The zero Config works.
type Config struct {
	// Client makes the requests; nil means a client with a 10-minute
	// overall timeout. Redirects are followed; gzip is decoded by
	// net/http.
	Client *http.Client
	// UserAgent is sent with every request; "" means DefaultUserAgent.
	UserAgent string
	// MaxBytes bounds every response body (an all.zip, an export, one
	// page); 0 means each parser's own bound. The smaller of the two
	// applies.
	MaxBytes int64
	// TempDir holds OSV all.zip downloads while they are read; "" means
	// os.TempDir().
	TempDir string
	// Concurrency is how many OSV record files are fetched at once; 0
	// means 8.
	Concurrency int
	// MaxDelta is the largest OSV delta fetched record by record; a larger
	// one downloads all.zip instead. 0 means 2,000.
	MaxDelta int
	// Retries is how often a request answered 429 or 503 (and 403 by
	// NVD, which rate-limits so) is retried; 0 means 3, negative none.
	Retries int
	// RetryWait is the wait before a retry when the server sends no
	// Retry-After, doubled at each retry; 0 means 5 seconds.
	RetryWait time.Duration
	// MaxRetryWait caps any wait before a retry, Retry-After included; 0
	// means 2 minutes.
	MaxRetryWait time.Duration
	// PageDelay is the pause between two NVD requests; 0 means NVD's
	// advice: 6 seconds, or 1 second with an API key.
	PageDelay time.Duration
	// PageSize is NVD's resultsPerPage; 0 means 2,000, the API's maximum.
	PageSize int
	// NVDFullHistory makes an NVD first sync (no cursor) download every
	// CVE (some 250,000, over a hundred pages) as one Complete batch.
	// Without it, a first sync covers the last 120 days (one window) and
	// is not Complete.
	NVDFullHistory bool
}

// DefaultUserAgent identifies vigil to upstream services.
const DefaultUserAgent = "vigil (+https://github.com/vigil-psirt/vigil)"

func (c Config) client() *http.Client {
	if c.Client != nil {
		return c.Client
	}
	return &http.Client{Timeout: 10 * time.Minute}
}

func (c Config) userAgent() string {
	if c.UserAgent != "" {
		return c.UserAgent
	}
	return DefaultUserAgent
}

// limit is the bound of a response the parser bounds by parserLimit.
func (c Config) limit(parserLimit int64) int64 {
	if c.MaxBytes > 0 && c.MaxBytes < parserLimit {
		return c.MaxBytes
	}
	return parserLimit
}

func (c Config) retries() int {
	switch {
	case c.Retries < 0:
		return 0
	case c.Retries == 0:
		return 3
	}
	return c.Retries
}

func orDuration(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func orInt(n, def int) int {
	if n > 0 {
		return n
	}
	return def
}

// ErrStatus reports an HTTP response that is neither a success nor 304;
// the error is a *StatusError.
var ErrStatus = errors.New("unexpected HTTP status")

// StatusError is an HTTP response that is neither a success nor 304.
type StatusError struct {
	URL    string
	Code   int
	Status string // "503 Service Unavailable"
	// Message is NVD's "message" response header, which says what was
	// wrong with a request.
	Message string
	// Retries is how often the request was retried before giving up.
	Retries int
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("GET %s: %s: %s", e.URL, ErrStatus, e.Status)
	if e.Message != "" {
		s += " (" + clip(e.Message) + ")"
	}
	if e.Retries > 0 {
		s += fmt.Sprintf(", after %d retries", e.Retries)
	}
	return s
}

func (e *StatusError) Unwrap() error { return ErrStatus }

// request is one GET of a Source.
type request struct {
	url    string
	header http.Header
	// prev supplies If-None-Match and If-Modified-Since when set.
	prev *State
	// retryOn lists the statuses retried after Retry-After.
	retryOn []int
	now     time.Time
}

// get performs r, retrying rate-limited answers, and returns a response
// whose status is 200 or 304; the caller closes its body. Any other
// status is an error naming the URL, with NVD's "message" header when
// the server sent one.
func (c Config) get(ctx context.Context, r request) (*http.Response, error) {
	wait := orDuration(c.RetryWait, 5*time.Second)
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url, nil)
		if err != nil {
			return nil, fmt.Errorf("GET %s: %w", r.url, err)
		}
		for k, v := range r.header {
			req.Header[k] = v
		}
		req.Header.Set("User-Agent", c.userAgent())
		if r.prev != nil {
			if r.prev.ETag != "" {
				req.Header.Set("If-None-Match", r.prev.ETag)
			}
			if r.prev.LastModified != "" {
				req.Header.Set("If-Modified-Since", r.prev.LastModified)
			}
		}
		resp, err := c.client().Do(req)
		if err != nil {
			return nil, fmt.Errorf("GET %s: %w", r.url, err)
		}
		switch {
		case resp.StatusCode == http.StatusOK:
			return resp, nil
		case resp.StatusCode == http.StatusNotModified && r.prev != nil:
			return resp, nil
		}
		// Drain a little so that the connection can be reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		retryable := slices.Contains(r.retryOn, resp.StatusCode)
		if !retryable || attempt >= c.retries() {
			return nil, &StatusError{URL: r.url, Code: resp.StatusCode, Status: resp.Status, Message: resp.Header.Get("message"), Retries: attempt}
		}
		d := wait << attempt
		if ra, ok := retryAfter(resp.Header.Get("Retry-After"), r.now); ok {
			d = ra
		}
		if err := sleep(ctx, min(d, orDuration(c.MaxRetryWait, 2*time.Minute))); err != nil {
			return nil, fmt.Errorf("GET %s: %w", r.url, err)
		}
	}
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date taken
// relative to now.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// bounded is a response body that fails with vuln.ErrTooLarge past its
// limit instead of ending early, so a parser can never mistake a cut body
// for a whole one.
type bounded struct {
	r     io.Reader
	left  int64
	limit int64
}

func newBounded(r io.Reader, limit int64) *bounded { return &bounded{r: r, left: limit, limit: limit} }

func (b *bounded) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells a body of exactly limit bytes from a longer one.
		var one [1]byte
		n, err := b.r.Read(one[:])
		if n > 0 {
			return 0, fmt.Errorf("%w: more than %d bytes", vuln.ErrTooLarge, b.limit)
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}

// validators returns the State of a 200 response.
func validators(resp *http.Response, cursor string, now time.Time) State {
	return State{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified"), Cursor: cursor, SyncedAt: now.UTC()}
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

// document is a Source of one document fetched whole and conditionally:
// the Debian tracker export and the KEV catalog.
type document struct {
	cfg    Config
	feed   string
	source vuln.Source
	format string
	url    string
	limit  int64
	parse  func(r io.Reader, name string) ([]vuln.Record, []vuln.Problem, error)
}

// DefaultDebianTrackerURL is the Debian Security Tracker's JSON export.
const DefaultDebianTrackerURL = "https://security-tracker.debian.org/tracker/data/json"

// DefaultKEVURL is CISA's KEV catalog in JSON.
const DefaultKEVURL = "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"

// DebianTracker is the Debian Security Tracker's JSON export at url (""
// means DefaultDebianTrackerURL), fetched conditionally; a fetched export
// is a Complete batch.
func DebianTracker(cfg Config, url string) Source {
	if url == "" {
		url = DefaultDebianTrackerURL
	}
	return &document{cfg: cfg, feed: FeedDebian, source: vuln.SourceDebian, format: FormatDebian, url: url,
		limit: debtracker.MaxExportSize, parse: debtracker.Parse}
}

// KEV is CISA's Known Exploited Vulnerabilities catalog at url ("" means
// DefaultKEVURL), fetched conditionally; a fetched catalog is a Complete
// batch.
func KEV(cfg Config, url string) Source {
	if url == "" {
		url = DefaultKEVURL
	}
	return &document{cfg: cfg, feed: FeedKEV, source: vuln.SourceKEV, format: FormatKEV, url: url,
		limit: kev.MaxCatalogSize, parse: func(r io.Reader, name string) ([]vuln.Record, []vuln.Problem, error) {
			cat, problems, err := kev.Parse(r, name)
			return cat.Records, problems, err
		}}
}

func (d *document) Feed() string { return d.feed }

func (d *document) Fetch(ctx context.Context, prev State, now time.Time) (Result, error) {
	b := Batch{Feed: d.feed, Source: d.source, Format: d.format, Location: d.url}
	resp, err := d.cfg.get(ctx, request{url: d.url, prev: &prev, retryOn: []int{429, 503}, now: now})
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", d.feed, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified {
		prev.SyncedAt = now.UTC()
		return Result{Batch: b, State: prev, NotModified: true}, nil
	}
	body := newBounded(resp.Body, d.cfg.limit(d.limit))
	recs, problems, err := d.parse(body, d.url)
	if err != nil {
		// The parser's error names the URL and the place.
		return Result{}, fmt.Errorf("%s: %w", d.feed, err)
	}
	// A parser may stop at the end of the value: the rest must be empty
	// (and within the bound).
	if n, err := io.Copy(io.Discard, body); err != nil || n > 0 {
		if err == nil {
			err = errors.New("data after the document")
		}
		return Result{}, fmt.Errorf("%s: GET %s: %w", d.feed, d.url, err)
	}
	b.Records, b.Problems, b.Complete = recs, problems, len(problems) == 0
	return Result{Batch: b, State: validators(resp, "", now)}, nil
}
