package upstream

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/vigil-psirt/vigil/internal/nvd"
	"github.com/vigil-psirt/vigil/internal/vuln"
)

// DefaultNVDURL is NVD's CVE API 2.0.
const DefaultNVDURL = "https://services.nvd.nist.gov/rest/json/cves/2.0"

// NVDMaxWindow is the longest lastModStartDate..lastModEndDate span the
// API accepts.
const NVDMaxWindow = 120 * 24 * time.Hour

// NVDTimeLayout is how lastModStartDate and lastModEndDate are written:
// ISO-8601 with milliseconds and an offset, as NVD's documentation shows.
const NVDTimeLayout = "2006-01-02T15:04:05.000-07:00"

// nvdMaxRecords bounds one run: NVD held some 300,000 CVEs in 2025.
const nvdMaxRecords = 2_000_000

type nvdSource struct {
	cfg    Config
	base   string
	apiKey string
}

// NVD is NVD's CVE API 2.0 at baseURL ("" means DefaultNVDURL), with
// apiKey sent in the apiKey header when set.
//
// A sync with a cursor asks for the CVEs modified from the cursor to now,
// in windows of at most NVDMaxWindow (lastModStartDate, lastModEndDate),
// each paged with startIndex and resultsPerPage (Config.PageSize) until
// totalResults; the new cursor is now, the lastModEndDate of this run, so
// a failed run is repeated whole. A first sync (no cursor) covers the last
// NVDMaxWindow, or, with Config.NVDFullHistory, every CVE without a date
// filter as a Complete batch. Requests are Config.PageDelay apart, and a
// 403, 429 or 503 (NVD's answers when rate-limited) is retried after its
// Retry-After. A CVE seen twice in a run (it changed while the run paged)
// is kept once, its latest modification. NVD answers are not cached, so
// State has no validators; an empty run is NotModified.
func NVD(cfg Config, baseURL, apiKey string) Source {
	if baseURL == "" {
		baseURL = DefaultNVDURL
	}
	return &nvdSource{cfg: cfg, base: baseURL, apiKey: apiKey}
}

func (n *nvdSource) Feed() string { return FeedNVD }

func (n *nvdSource) Fetch(ctx context.Context, prev State, now time.Time) (Result, error) {
	res, err := n.fetch(ctx, prev, now)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", FeedNVD, err)
	}
	return res, nil
}

type window struct{ start, end time.Time }

func (n *nvdSource) fetch(ctx context.Context, prev State, now time.Time) (Result, error) {
	end := now.UTC().Truncate(time.Millisecond)
	b := Batch{Feed: FeedNVD, Source: vuln.SourceNVD, Format: FormatNVD, Location: n.base}
	state := State{Cursor: end.Format(time.RFC3339Nano), SyncedAt: now.UTC()}
	var windows []window
	switch {
	case prev.Cursor != "":
		start, err := time.Parse(time.RFC3339Nano, prev.Cursor)
		if err != nil {
			return Result{}, fmt.Errorf("cursor %q: %w", prev.Cursor, err)
		}
		if !start.Before(end) {
			prev.SyncedAt = now.UTC()
			return Result{Batch: b, State: prev, NotModified: true}, nil
		}
		windows = split(start.UTC(), end)
	case n.cfg.NVDFullHistory:
		windows = []window{{}} // no date filter
		b.Complete = true
	default:
		windows = []window{{end.Add(-NVDMaxWindow), end}}
	}
	r := &nvdRun{src: n, now: now, byID: map[string]int{}}
	for _, w := range windows {
		if err := r.window(ctx, w); err != nil {
			return Result{}, err
		}
	}
	b.Records, b.Problems = r.recs, r.problems
	b.Complete = b.Complete && len(b.Problems) == 0
	if len(b.Records) == 0 && len(b.Problems) == 0 && !b.Complete {
		return Result{Batch: b, State: state, NotModified: true}, nil
	}
	return Result{Batch: b, State: state}, nil
}

// split cuts start..end into windows of at most NVDMaxWindow.
func split(start, end time.Time) []window {
	var out []window
	for s := start; s.Before(end); {
		e := s.Add(NVDMaxWindow)
		if e.After(end) {
			e = end
		}
		out = append(out, window{s, e})
		s = e
	}
	return out
}

// nvdRun is one Fetch: the requests so far and the records gathered.
type nvdRun struct {
	src      *nvdSource
	now      time.Time
	requests int
	recs     []vuln.Record
	problems []vuln.Problem
	byID     map[string]int
}

// page is the paging part of an API response.
type page struct {
	ResultsPerPage  *int       `json:"resultsPerPage"`
	StartIndex      *int       `json:"startIndex"`
	TotalResults    *int       `json:"totalResults"`
	Vulnerabilities []struct{} `json:"vulnerabilities"`
}

// window reads every page of one window (or of everything, for a zero
// window).
func (r *nvdRun) window(ctx context.Context, w window) error {
	cfg := r.src.cfg
	size := min(orInt(cfg.PageSize, 2000), 2000)
	for index := 0; ; {
		q := url.Values{}
		q.Set("startIndex", strconv.Itoa(index))
		q.Set("resultsPerPage", strconv.Itoa(size))
		if !w.start.IsZero() {
			q.Set("lastModStartDate", w.start.Format(NVDTimeLayout))
			q.Set("lastModEndDate", w.end.Format(NVDTimeLayout))
		}
		u := r.src.base + "?" + q.Encode()
		data, err := r.get(ctx, u)
		if err != nil {
			return err
		}
		var p page
		if err := json.Unmarshal(data, &p); err != nil {
			return fmt.Errorf("GET %s: %w", u, vuln.JSONError(data, err))
		}
		if p.TotalResults == nil || p.Vulnerabilities == nil {
			return fmt.Errorf("GET %s: no totalResults or vulnerabilities: not an NVD CVE API 2.0 response", u)
		}
		if p.StartIndex != nil && *p.StartIndex != index {
			return fmt.Errorf("GET %s: the response's startIndex is %d, not %d", u, *p.StartIndex, index)
		}
		total := *p.TotalResults
		if total > nvdMaxRecords || len(r.recs)+len(p.Vulnerabilities) > nvdMaxRecords {
			return fmt.Errorf("GET %s: %w: totalResults %d, at most %d records a run", u, vuln.ErrTooLarge, total, nvdMaxRecords)
		}
		recs, problems, err := nvd.Parse(bytes.NewReader(data), u)
		if err != nil {
			return err // it names the URL and the place
		}
		r.add(recs)
		r.problems = append(r.problems, problems...)
		index += len(p.Vulnerabilities)
		if index >= total {
			return nil
		}
		if len(p.Vulnerabilities) == 0 {
			return fmt.Errorf("GET %s: an empty page at startIndex %d of totalResults %d", u, index, total)
		}
	}
}

// add keeps one record per ID, the latest modified.
func (r *nvdRun) add(recs []vuln.Record) {
	for _, rec := range recs {
		if i, ok := r.byID[rec.ID]; ok {
			if !rec.Modified.Before(r.recs[i].Modified) {
				r.recs[i] = rec
			}
			continue
		}
		r.byID[rec.ID] = len(r.recs)
		r.recs = append(r.recs, rec)
	}
}

// get fetches one page, PageDelay after the run's previous request.
func (r *nvdRun) get(ctx context.Context, u string) ([]byte, error) {
	cfg := r.src.cfg
	if r.requests > 0 {
		def := 6 * time.Second
		if r.src.apiKey != "" {
			def = time.Second
		}
		if err := sleep(ctx, orDuration(cfg.PageDelay, def)); err != nil {
			return nil, err
		}
	}
	r.requests++
	h := http.Header{}
	if r.src.apiKey != "" {
		h.Set("apiKey", r.src.apiKey)
	}
	resp, err := cfg.get(ctx, request{url: u, header: h, retryOn: []int{403, 429, 503}, now: r.now})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := vuln.ReadAll(newBounded(resp.Body, cfg.limit(nvd.MaxResponseSize)), cfg.limit(nvd.MaxResponseSize))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	return data, nil
}
