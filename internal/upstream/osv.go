package upstream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/vigil-psirt/vigil/internal/osvfeed"
	"github.com/vigil-psirt/vigil/internal/vuln"
)

// DefaultOSVURL is the root of OSV's public bucket, with one folder per
// ecosystem holding all.zip, modified_id.csv and <ID>.json.
const DefaultOSVURL = "https://osv-vulnerabilities.storage.googleapis.com"

// maxIndexSize bounds modified_id.csv (tens of MB for the largest
// ecosystems).
const maxIndexSize = 1 << 30

type osvSource struct {
	cfg       Config
	base      string
	ecosystem string
}

// OSV is one ecosystem's folder of OSV's bucket at baseURL ("" means
// DefaultOSVURL).
//
// A first sync (prev.Cursor empty) downloads <base>/<ecosystem>/all.zip to
// a temporary file and reads it, then reads <base>/<ecosystem>/modified_id.csv
// and fetches the records changed after the newest modification in the
// archive, which the archive may predate; the batch is Complete. Later
// syncs GET modified_id.csv conditionally, take the IDs changed after
// prev.Cursor and GET <base>/<ecosystem>/<ID>.json for each, Concurrency at
// a time; a record gone (404) is in Removed. A delta of more than MaxDelta
// records downloads all.zip instead. The Cursor is the newest modification
// seen; the validators in State are modified_id.csv's, or all.zip's when
// the archive gave no modification time and so no cursor.
func OSV(cfg Config, baseURL, ecosystem string) Source {
	if baseURL == "" {
		baseURL = DefaultOSVURL
	}
	return &osvSource{cfg: cfg, base: strings.TrimSuffix(baseURL, "/"), ecosystem: ecosystem}
}

func (o *osvSource) Feed() string { return OSVFeed(o.ecosystem) }

func (o *osvSource) url(file string) string {
	return o.base + "/" + url.PathEscape(o.ecosystem) + "/" + url.PathEscape(file)
}

func (o *osvSource) Fetch(ctx context.Context, prev State, now time.Time) (Result, error) {
	res, err := o.fetch(ctx, prev, now)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", o.Feed(), err)
	}
	return res, nil
}

func (o *osvSource) fetch(ctx context.Context, prev State, now time.Time) (Result, error) {
	if prev.Cursor == "" {
		return o.full(ctx, &prev, now)
	}
	since, err := time.Parse(time.RFC3339Nano, prev.Cursor)
	if err != nil {
		return Result{}, fmt.Errorf("cursor %q: %w", prev.Cursor, err)
	}
	index := o.url("modified_id.csv")
	resp, err := o.cfg.get(ctx, request{url: index, prev: &prev, retryOn: []int{429, 503}, now: now})
	if err != nil {
		return Result{}, err
	}
	defer resp.Body.Close()
	b := Batch{Feed: o.Feed(), Source: vuln.SourceOSV, Format: FormatOSV, Location: index}
	if resp.StatusCode == http.StatusNotModified {
		prev.SyncedAt = now.UTC()
		return Result{Batch: b, State: prev, NotModified: true}, nil
	}
	changes, err := o.changes(resp, index, since)
	if err != nil {
		return Result{}, err
	}
	state := validators(resp, prev.Cursor, now)
	if len(changes) == 0 {
		return Result{Batch: b, State: state, NotModified: true}, nil
	}
	if len(changes) > orInt(o.cfg.MaxDelta, 2000) {
		return o.full(ctx, nil, now)
	}
	recs, removed, err := o.records(ctx, changes, now)
	if err != nil {
		return Result{}, err
	}
	b.Records = recs
	state.Cursor = changes[0].Modified.Format(time.RFC3339Nano)
	return Result{Batch: b, State: state, Removed: removed}, nil
}

// changes reads the index of resp, bounded, and checks that it is the
// per-ecosystem one.
func (o *osvSource) changes(resp *http.Response, index string, since time.Time) ([]osvfeed.Change, error) {
	body := newBounded(resp.Body, o.cfg.limit(maxIndexSize))
	changes, err := osvfeed.ChangedSince(body, index, since)
	if err != nil {
		return nil, err // it names the index and the line
	}
	for _, c := range changes {
		if c.Ecosystem != "" {
			return nil, fmt.Errorf("GET %s: %s/%s: an all-ecosystem index line in the index of %s", index, c.Ecosystem, c.ID, o.ecosystem)
		}
	}
	return changes, nil
}

// full downloads all.zip (conditionally when prev is set and has
// validators), then applies the changes the index lists after it.
func (o *osvSource) full(ctx context.Context, prev *State, now time.Time) (Result, error) {
	archive := o.url("all.zip")
	b := Batch{Feed: o.Feed(), Source: vuln.SourceOSV, Format: FormatOSVZip, Location: archive}
	resp, err := o.cfg.get(ctx, request{url: archive, prev: prev, retryOn: []int{429, 503}, now: now})
	if err != nil {
		return Result{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified {
		st := *prev
		st.SyncedAt = now.UTC()
		return Result{Batch: b, State: st, NotModified: true}, nil
	}
	zipState := validators(resp, "", now)
	recs, problems, err := o.readZip(resp.Body, archive)
	if err != nil {
		return Result{}, err
	}
	var newest time.Time
	for _, r := range recs {
		if r.Modified.After(newest) {
			newest = r.Modified
		}
	}
	b.Records, b.Problems, b.Complete = recs, problems, len(problems) == 0
	if newest.IsZero() {
		// Without a modification time there is no cursor to take the
		// index from: the next sync asks for all.zip again, conditionally.
		return Result{Batch: b, State: zipState}, nil
	}
	// The archive is a snapshot that may predate the index: what changed
	// after its newest record is fetched now, so that the cursor holds.
	index := o.url("modified_id.csv")
	iresp, err := o.cfg.get(ctx, request{url: index, retryOn: []int{429, 503}, now: now})
	if err != nil {
		return Result{}, err
	}
	defer iresp.Body.Close()
	changes, err := o.changes(iresp, index, newest)
	if err != nil {
		return Result{}, err
	}
	if len(changes) > orInt(o.cfg.MaxDelta, 2000) {
		return Result{}, fmt.Errorf("GET %s: %d records changed after %s, the newest of %s: the archive is too old, try later", index, len(changes), newest.Format(time.RFC3339), archive)
	}
	state := validators(iresp, newest.Format(time.RFC3339Nano), now)
	if len(changes) == 0 {
		return Result{Batch: b, State: state}, nil
	}
	fresh, removed, err := o.records(ctx, changes, now)
	if err != nil {
		return Result{}, err
	}
	byID := map[string]int{}
	for i, r := range b.Records {
		byID[r.ID] = i
	}
	for _, r := range fresh {
		if i, ok := byID[r.ID]; ok {
			b.Records[i] = r
		} else {
			b.Records = append(b.Records, r)
		}
	}
	gone := map[string]bool{}
	for _, id := range removed {
		gone[id] = true
	}
	if len(gone) > 0 {
		kept := b.Records[:0]
		for _, r := range b.Records {
			if !gone[r.ID] {
				kept = append(kept, r)
			}
		}
		b.Records = kept
	}
	state.Cursor = changes[0].Modified.Format(time.RFC3339Nano)
	return Result{Batch: b, State: state}, nil
}

// readZip copies an all.zip body, bounded, to a temporary file and reads
// it.
func (o *osvSource) readZip(body io.Reader, archive string) ([]vuln.Record, []vuln.Problem, error) {
	f, err := os.CreateTemp(o.cfg.TempDir, "vigil-osv-*.zip")
	if err != nil {
		return nil, nil, fmt.Errorf("GET %s: %w", archive, err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	n, err := io.Copy(f, newBounded(body, o.cfg.limit(osvfeed.MaxZipSize)))
	if err != nil {
		return nil, nil, fmt.Errorf("GET %s: %w", archive, err)
	}
	recs, problems, err := osvfeed.ParseZip(f, n, archive)
	if err != nil {
		return nil, nil, err // it names the archive
	}
	return recs, problems, nil
}

// records fetches the changed records, Concurrency at a time; a record
// that is gone (404) is returned in removed. Any other failure fails all.
func (o *osvSource) records(ctx context.Context, changes []osvfeed.Change, now time.Time) ([]vuln.Record, []string, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		rec  vuln.Record
		gone bool
		err  error
	}
	results := make([]result, len(changes))
	sem := make(chan struct{}, orInt(o.cfg.Concurrency, 8))
	var wg sync.WaitGroup
	for i, c := range changes {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			rec, gone, err := o.record(ctx, c.ID, now)
			results[i] = result{rec, gone, err}
			if err != nil {
				cancel()
			}
		})
	}
	wg.Wait()
	var first error
	var recs []vuln.Record
	var removed []string
	for i, r := range results {
		switch {
		case r.err != nil:
			// The first failure cancelled the others: report it, not them.
			if first == nil || errors.Is(first, context.Canceled) && !errors.Is(r.err, context.Canceled) {
				first = r.err
			}
		case r.gone:
			removed = append(removed, changes[i].ID)
		case r.rec.ID != "":
			recs = append(recs, r.rec)
		}
	}
	if first != nil {
		return nil, nil, first
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	return recs, removed, nil
}

// record fetches one <ID>.json.
func (o *osvSource) record(ctx context.Context, id string, now time.Time) (vuln.Record, bool, error) {
	u := o.url(id + ".json")
	resp, err := o.cfg.get(ctx, request{url: u, retryOn: []int{429, 503}, now: now})
	if se := (*StatusError)(nil); errors.As(err, &se) && se.Code == http.StatusNotFound {
		return vuln.Record{}, true, nil
	}
	if err != nil {
		return vuln.Record{}, false, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(newBounded(resp.Body, o.cfg.limit(osvfeed.MaxRecordSize)))
	if err != nil {
		return vuln.Record{}, false, fmt.Errorf("GET %s: %w", u, err)
	}
	rec, err := osvfeed.Parse(data, u)
	if err != nil {
		return vuln.Record{}, false, err // it names the URL and the place
	}
	if rec.ID != id {
		return vuln.Record{}, false, fmt.Errorf("GET %s: the record's id is %q, not %q", u, rec.ID, id)
	}
	return rec, false, nil
}
