package upstream

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/sharedtest"
	"github.com/vigil-psirt/vigil/internal/upstream/upstreamtest"
	"github.com/vigil-psirt/vigil/internal/vuln"
)

// testConfig waits as little as possible: the contract, not the pacing, is
// under test.
func testConfig(t *testing.T) Config {
	return Config{TempDir: t.TempDir(), RetryWait: time.Microsecond, MaxRetryWait: time.Millisecond, PageDelay: time.Microsecond}
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// goRecords returns the first n records of go-vulndb, by ID.
func goRecords(t *testing.T, n int) map[string][]byte {
	dir := sharedtest.Path(t, "go-vulndb", "data", "osv")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range entries[:n] {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimSuffix(e.Name(), ".json")] = data
	}
	return out
}

func ids(recs []vuln.Record) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.ID)
	}
	slices.Sort(out)
	return out
}

func fetch(t *testing.T, src Source, prev State, now time.Time) Result {
	t.Helper()
	res, err := src.Fetch(context.Background(), prev, now)
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if res.State.SyncedAt != now {
		t.Errorf("SyncedAt %v, want %v", res.State.SyncedAt, now)
	}
	return res
}

func TestOSVSync(t *testing.T) {
	srv := upstreamtest.NewServer(t)
	recs := goRecords(t, 6)
	var all []string
	i := 0
	for id, data := range recs {
		srv.PutOSV("Go", t0.Add(time.Duration(i)*time.Hour), data)
		all = append(all, id)
		i++
	}
	slices.Sort(all)
	src := OSV(testConfig(t), srv.OSVURL(), "Go")
	if src.Feed() != "osv/Go" {
		t.Errorf("Feed() = %q", src.Feed())
	}
	zipPath := upstreamtest.OSVFilePath("Go", "all.zip")
	index := upstreamtest.OSVFilePath("Go", "modified_id.csv")

	// First sync: the whole archive, a Complete batch.
	now := t0.Add(24 * time.Hour)
	res := fetch(t, src, State{}, now)
	b := res.Batch
	if res.NotModified || !b.Complete || b.Format != FormatOSVZip || b.Feed != "osv/Go" || b.Source != vuln.SourceOSV || len(b.Problems) > 0 {
		t.Fatalf("first sync: %+v", res)
	}
	if got := ids(b.Records); !slices.Equal(got, all) {
		t.Errorf("first sync records %v, want %v", got, all)
	}
	if want := t0.Add(5 * time.Hour).Format(time.RFC3339Nano); res.State.Cursor != want || res.State.ETag == "" {
		t.Errorf("state %+v, want cursor %s and an ETag", res.State, want)
	}
	if srv.Count(zipPath, 200) != 1 || srv.Count(index, 200) != 1 {
		t.Errorf("requests: %+v", srv.Requests())
	}

	// Second sync: the index is asked for conditionally and is unchanged.
	now = now.Add(time.Hour)
	res = fetch(t, src, res.State, now)
	if !res.NotModified || len(res.Batch.Records) > 0 || srv.Count(index, http.StatusNotModified) != 1 {
		t.Fatalf("second sync: %+v; requests %+v", res, srv.Requests())
	}
	state := res.State

	// One record modified: the delta fetches exactly that record.
	changed := all[2]
	srv.PutOSV("Go", t0.Add(30*time.Hour), recs[changed])
	before := len(srv.Requests())
	res = fetch(t, src, state, now.Add(time.Hour))
	b = res.Batch
	if res.NotModified || b.Complete || b.Format != FormatOSV || len(b.Records) != 1 || b.Records[0].ID != changed {
		t.Fatalf("delta: %+v", res)
	}
	if !b.Records[0].Modified.Equal(t0.Add(30 * time.Hour)) {
		t.Errorf("delta record modified %v", b.Records[0].Modified)
	}
	var paths []string
	for _, r := range srv.Requests()[before:] {
		paths = append(paths, r.Path)
	}
	if want := []string{index, upstreamtest.OSVFilePath("Go", changed+".json")}; !slices.Equal(paths, want) {
		t.Errorf("delta requests %v, want %v", paths, want)
	}
	if res.State.Cursor != t0.Add(30*time.Hour).Format(time.RFC3339Nano) {
		t.Errorf("delta cursor %q", res.State.Cursor)
	}
	state = res.State

	// A removed record leaves the index: a delta cannot see it, a full
	// sync no longer has it.
	removed := all[0]
	srv.RemoveOSV("Go", removed)
	res = fetch(t, src, state, now.Add(2*time.Hour))
	if !res.NotModified || len(res.Batch.Records) > 0 {
		t.Errorf("delta after a removal: %+v", res)
	}
	res = fetch(t, src, State{}, now.Add(3*time.Hour))
	if got := ids(res.Batch.Records); !res.Batch.Complete || slices.Contains(got, removed) || len(got) != len(all)-1 {
		t.Errorf("full sync after a removal: complete %v, records %v", res.Batch.Complete, got)
	}
}

func TestOSVDeltaFallsBackToArchive(t *testing.T) {
	srv := upstreamtest.NewServer(t)
	recs := goRecords(t, 4)
	for _, data := range recs {
		srv.PutOSV("Go", t0, data)
	}
	cfg := testConfig(t)
	cfg.MaxDelta = 1
	src := OSV(cfg, srv.OSVURL(), "Go")
	res := fetch(t, src, State{}, t0.Add(time.Hour))
	n := 0
	for _, data := range recs {
		if n++; n > 2 {
			break
		}
		srv.PutOSV("Go", t0.Add(time.Hour), data)
	}
	res = fetch(t, src, res.State, t0.Add(2*time.Hour))
	if !res.Batch.Complete || res.Batch.Format != FormatOSVZip || len(res.Batch.Records) != 4 {
		t.Errorf("a delta beyond MaxDelta: complete %v, format %s, %d records", res.Batch.Complete, res.Batch.Format, len(res.Batch.Records))
	}
	if got := srv.Count(upstreamtest.OSVFilePath("Go", "all.zip"), 200); got != 2 {
		t.Errorf("all.zip fetched %d times, want 2", got)
	}
	if res.State.Cursor != t0.Add(time.Hour).Format(time.RFC3339Nano) {
		t.Errorf("cursor %q", res.State.Cursor)
	}
}

// A record the index lists but whose file is gone is Removed.
func TestOSVRecordGone(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(sharedtest.Path(t, "go-vulndb", "data", "osv"), "GO-2022-0969.json"))
	if err != nil {
		t.Fatal(err)
	}
	data = bytes.Replace(data, []byte(`"0001-01-01T00:00:00Z"`), []byte(`"2026-03-02T00:00:00Z"`), 1)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /Go/modified_id.csv", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "2026-03-02T00:00:00Z,GO-2022-0969\n2026-03-01T18:00:00Z,GO-2099-0001\n2026-02-01T00:00:00Z,GO-2020-0001\n")
	})
	mux.HandleFunc("GET /Go/GO-2022-0969.json", func(w http.ResponseWriter, r *http.Request) { w.Write(data) })
	hs := httptest.NewServer(mux)
	defer hs.Close()
	res := fetch(t, OSV(testConfig(t), hs.URL, "Go"), State{Cursor: t0.Format(time.RFC3339)}, t0.Add(48*time.Hour))
	if got := ids(res.Batch.Records); !slices.Equal(got, []string{"GO-2022-0969"}) || !slices.Equal(res.Removed, []string{"GO-2099-0001"}) {
		t.Errorf("records %v, removed %v", got, res.Removed)
	}
}

func TestOSVFailures(t *testing.T) {
	recs := goRecords(t, 3)
	setup := func(t *testing.T) *upstreamtest.Server {
		srv := upstreamtest.NewServer(t)
		for _, data := range recs {
			srv.PutOSV("Go", t0, data)
		}
		return srv
	}
	t.Run("archive beyond MaxBytes", func(t *testing.T) {
		srv := setup(t)
		cfg := testConfig(t)
		cfg.MaxBytes = 512
		res, err := OSV(cfg, srv.OSVURL(), "Go").Fetch(context.Background(), State{}, t0)
		if !errors.Is(err, vuln.ErrTooLarge) || len(res.Batch.Records) > 0 {
			t.Errorf("err %v, %d records", err, len(res.Batch.Records))
		}
		if err != nil && (!strings.Contains(err.Error(), "osv/Go") || !strings.Contains(err.Error(), srv.OSVURL()+"/Go/all.zip")) {
			t.Errorf("error %q names neither feed nor URL", err)
		}
		if entries, _ := os.ReadDir(cfg.TempDir); len(entries) > 0 {
			t.Errorf("temporary files left: %v", entries)
		}
	})
	t.Run("one record fails the delta", func(t *testing.T) {
		srv := setup(t)
		src := OSV(testConfig(t), srv.OSVURL(), "Go")
		res := fetch(t, src, State{}, t0)
		for _, data := range recs {
			srv.PutOSV("Go", t0.Add(time.Hour), data)
		}
		var id string
		for id = range recs {
			break
		}
		srv.Fail(upstreamtest.OSVFilePath("Go", id+".json"), http.StatusInternalServerError, "", 1)
		res2, err := src.Fetch(context.Background(), res.State, t0.Add(time.Hour))
		if err == nil || len(res2.Batch.Records) > 0 || !strings.Contains(err.Error(), id+".json") || !strings.Contains(err.Error(), "500") {
			t.Errorf("err %v, %d records; want a 500 naming %s.json and no records", err, len(res2.Batch.Records), id)
		}
	})
	t.Run("malformed index", func(t *testing.T) {
		mux := http.NewServeMux()
		mux.HandleFunc("GET /Go/modified_id.csv", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, "2026-03-02T00:00:00Z,GO-1\nyesterday,GO-2\n")
		})
		hs := httptest.NewServer(mux)
		defer hs.Close()
		_, err := OSV(testConfig(t), hs.URL, "Go").Fetch(context.Background(), State{Cursor: "2020-01-01T00:00:00Z"}, t0)
		if err == nil || !strings.Contains(err.Error(), "modified_id.csv:2") {
			t.Errorf("err %v; want one naming modified_id.csv:2", err)
		}
	})
}

func kevCatalog(t *testing.T) []byte {
	data, err := os.ReadFile(sharedtest.Path(t, "cisa-kev", "known_exploited_vulnerabilities.json"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestDocumentSync(t *testing.T) {
	for _, tc := range []struct {
		name    string
		src     func(cfg Config, srv *upstreamtest.Server) Source
		set     func(srv *upstreamtest.Server, data []byte)
		path    string
		data    []byte
		changed []byte
		records int
	}{
		{"kev", func(cfg Config, srv *upstreamtest.Server) Source { return KEV(cfg, srv.KEVURL()) }, (*upstreamtest.Server).SetKEV,
			upstreamtest.KEVPath, kevCatalog(t), bytes.Replace(kevCatalog(t), []byte(`"Known"`), []byte(`"Unknown"`), 1), 1404},
		{"debian", func(cfg Config, srv *upstreamtest.Server) Source { return DebianTracker(cfg, srv.DebianURL()) }, (*upstreamtest.Server).SetDebian,
			upstreamtest.DebianPath, []byte(debianExport), []byte(strings.Replace(debianExport, `"scope":"remote"`, `"scope":"local"`, 1)), 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := upstreamtest.NewServer(t)
			tc.set(srv, tc.data)
			src := tc.src(testConfig(t), srv)
			res := fetch(t, src, State{}, t0)
			if res.NotModified || !res.Batch.Complete || len(res.Batch.Records) != tc.records || res.State.ETag == "" || res.State.LastModified == "" {
				t.Fatalf("first sync: complete %v, %d records, state %+v", res.Batch.Complete, len(res.Batch.Records), res.State)
			}
			if res.Batch.Feed != src.Feed() || res.Batch.Location != srv.URL+tc.path {
				t.Errorf("batch feed %q location %q", res.Batch.Feed, res.Batch.Location)
			}
			res = fetch(t, src, res.State, t0.Add(time.Hour))
			if !res.NotModified || len(res.Batch.Records) > 0 || srv.Count(tc.path, http.StatusNotModified) != 1 {
				t.Fatalf("second sync: %+v", res)
			}
			for _, r := range srv.Requests()[1:] {
				if r.Header.Get("If-None-Match") == "" || r.Header.Get("If-Modified-Since") == "" || r.Header.Get("User-Agent") != DefaultUserAgent {
					t.Errorf("second request headers %v", r.Header)
				}
			}
			tc.set(srv, tc.changed)
			res = fetch(t, src, res.State, t0.Add(2*time.Hour))
			if res.NotModified || !res.Batch.Complete || len(res.Batch.Records) != tc.records {
				t.Errorf("after a change: not modified %v, %d records", res.NotModified, len(res.Batch.Records))
			}
		})
	}
}

func TestDocumentFailures(t *testing.T) {
	ctx := context.Background()
	t.Run("beyond MaxBytes", func(t *testing.T) {
		srv := upstreamtest.NewServer(t)
		srv.SetKEV(kevCatalog(t))
		cfg := testConfig(t)
		cfg.MaxBytes = 4096
		res, err := KEV(cfg, srv.KEVURL()).Fetch(ctx, State{}, t0)
		if !errors.Is(err, vuln.ErrTooLarge) || res.Batch.Records != nil || res.State != (State{}) {
			t.Errorf("err %v, result %+v", err, res.State)
		}
	})
	t.Run("debian beyond MaxBytes", func(t *testing.T) {
		srv := upstreamtest.NewServer(t)
		srv.SetDebian([]byte(debianExport))
		cfg := testConfig(t)
		cfg.MaxBytes = 300
		_, err := DebianTracker(cfg, srv.DebianURL()).Fetch(ctx, State{}, t0)
		if !errors.Is(err, vuln.ErrTooLarge) || !strings.Contains(err.Error(), "debian: ") {
			t.Errorf("err %v", err)
		}
	})
	t.Run("exactly MaxBytes", func(t *testing.T) {
		srv := upstreamtest.NewServer(t)
		srv.SetDebian([]byte(debianExport))
		cfg := testConfig(t)
		cfg.MaxBytes = int64(len(debianExport))
		if _, err := DebianTracker(cfg, srv.DebianURL()).Fetch(ctx, State{}, t0); err != nil {
			t.Error(err)
		}
	})
	t.Run("server error", func(t *testing.T) {
		srv := upstreamtest.NewServer(t)
		srv.SetKEV(kevCatalog(t))
		srv.Fail(upstreamtest.KEVPath, http.StatusInternalServerError, "", 1)
		_, err := KEV(testConfig(t), srv.KEVURL()).Fetch(ctx, State{}, t0)
		var se *StatusError
		if !errors.As(err, &se) || se.Code != 500 || !strings.HasPrefix(err.Error(), "kev: GET "+srv.KEVURL()+": ") {
			t.Errorf("err %v", err)
		}
		if srv.Count(upstreamtest.KEVPath, 0) != 1 {
			t.Error("a 500 was retried")
		}
	})
	t.Run("retry after 429 and 503", func(t *testing.T) {
		srv := upstreamtest.NewServer(t)
		srv.SetKEV(kevCatalog(t))
		srv.Fail(upstreamtest.KEVPath, http.StatusTooManyRequests, "1", 1)
		srv.Fail(upstreamtest.KEVPath, http.StatusServiceUnavailable, t0.Add(time.Hour).Format(http.TimeFormat), 1)
		res := fetch(t, KEV(testConfig(t), srv.KEVURL()), State{}, t0)
		if len(res.Batch.Records) != 1404 || srv.Count(upstreamtest.KEVPath, 0) != 3 {
			t.Errorf("%d records after %d requests", len(res.Batch.Records), srv.Count(upstreamtest.KEVPath, 0))
		}
	})
	t.Run("retries are bounded", func(t *testing.T) {
		srv := upstreamtest.NewServer(t)
		srv.SetKEV(kevCatalog(t))
		srv.Fail(upstreamtest.KEVPath, http.StatusTooManyRequests, "0", 10)
		cfg := testConfig(t)
		cfg.Retries = 2
		_, err := KEV(cfg, srv.KEVURL()).Fetch(ctx, State{}, t0)
		if err == nil || !strings.Contains(err.Error(), "after 2 retries") || srv.Count(upstreamtest.KEVPath, 0) != 3 {
			t.Errorf("err %v after %d requests", err, srv.Count(upstreamtest.KEVPath, 0))
		}
	})
	t.Run("not JSON", func(t *testing.T) {
		srv := upstreamtest.NewServer(t)
		srv.SetKEV([]byte("<html>maintenance</html>"))
		_, err := KEV(testConfig(t), srv.KEVURL()).Fetch(ctx, State{}, t0)
		if err == nil || !strings.Contains(err.Error(), "line 1, column 1") {
			t.Errorf("err %v", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		srv := upstreamtest.NewServer(t)
		srv.SetKEV(kevCatalog(t))
		srv.Fail(upstreamtest.KEVPath, http.StatusTooManyRequests, "60", 1)
		cfg := testConfig(t)
		cfg.MaxRetryWait = time.Hour
		c, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := KEV(cfg, srv.KEVURL()).Fetch(c, State{}, t0); !errors.Is(err, context.Canceled) {
			t.Errorf("err %v", err)
		}
	})
}

// nvdItem returns NVD's sample item with its ID replaced.
func nvdItem(t *testing.T, id string) []byte {
	data, err := os.ReadFile(filepath.Join(nvdDir(t), "cve.json"))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.ReplaceAll(data, []byte("CVE-2022-40489"), []byte(id))
}

func TestNVDSync(t *testing.T) {
	srv := upstreamtest.NewServer(t)
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	// Items spread over 300 days: three windows, the middle one paged.
	days := []int{290, 200, 199, 150, 130, 125, 100, 50, 10}
	for i, d := range days {
		srv.PutNVD(now.Add(-time.Duration(d)*24*time.Hour), nvdItem(t, fmt.Sprintf("CVE-2026-%04d", i)))
	}
	cfg := testConfig(t)
	cfg.PageSize = 2
	src := NVD(cfg, srv.NVDURL(), "secret-key")
	cursor := now.Add(-300 * 24 * time.Hour)
	res := fetch(t, src, State{Cursor: cursor.Format(time.RFC3339)}, now)
	b := res.Batch
	if res.NotModified || b.Complete || b.Feed != "nvd" || len(b.Records) != len(days) || len(b.Problems) > 0 {
		t.Fatalf("sync: not modified %v, complete %v, %d records, problems %v", res.NotModified, b.Complete, len(b.Records), b.Problems)
	}
	if res.State.Cursor != now.Format(time.RFC3339Nano) {
		t.Errorf("cursor %q, want %s", res.State.Cursor, now.Format(time.RFC3339Nano))
	}
	type call struct {
		start, end string
		index      string
	}
	var calls []call
	for _, r := range srv.Requests() {
		if r.Status != 200 || r.Header.Get("apiKey") != "secret-key" {
			t.Errorf("request %v: status %d, apiKey %q", r.Query, r.Status, r.Header.Get("apiKey"))
		}
		calls = append(calls, call{r.Query.Get("lastModStartDate")[:10], r.Query.Get("lastModEndDate")[:10], r.Query.Get("startIndex")})
	}
	// 300 days: 120 + 120 + 60. Window 1 (300..180 days ago) has 290,
	// 200 and 199; window 2 (180..60) has 150, 130, 125 and 100; window 3
	// has 50 and 10. Two a page.
	want := []call{
		{"2026-02-04", "2026-06-04", "0"}, {"2026-02-04", "2026-06-04", "2"},
		{"2026-06-04", "2026-10-02", "0"}, {"2026-06-04", "2026-10-02", "2"},
		{"2026-10-02", "2026-12-01", "0"},
	}
	if !slices.Equal(calls, want) {
		t.Errorf("requests\n%v\nwant\n%v", calls, want)
	}

	// Nothing changed since: NotModified.
	before := len(srv.Requests())
	res = fetch(t, src, res.State, now.Add(time.Hour))
	if !res.NotModified || len(srv.Requests()) != before+1 {
		t.Errorf("second sync: not modified %v after %d requests", res.NotModified, len(srv.Requests())-before)
	}
	// One item modified: exactly it.
	srv.PutNVD(now.Add(90*time.Minute), nvdItem(t, "CVE-2026-0003"))
	res = fetch(t, src, res.State, now.Add(2*time.Hour))
	if got := ids(res.Batch.Records); !slices.Equal(got, []string{"CVE-2026-0003"}) {
		t.Errorf("delta %v", got)
	}
}

func TestNVDFirstSync(t *testing.T) {
	srv := upstreamtest.NewServer(t)
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for i, d := range []int{400, 119, 1} {
		srv.PutNVD(now.Add(-time.Duration(d)*24*time.Hour), nvdItem(t, fmt.Sprintf("CVE-2026-%04d", i)))
	}
	cfg := testConfig(t)
	res := fetch(t, NVD(cfg, srv.NVDURL(), ""), State{}, now)
	if got := ids(res.Batch.Records); res.Batch.Complete || !slices.Equal(got, []string{"CVE-2026-0001", "CVE-2026-0002"}) {
		t.Errorf("default first sync: complete %v, %v", res.Batch.Complete, got)
	}
	cfg.NVDFullHistory = true
	res = fetch(t, NVD(cfg, srv.NVDURL(), ""), State{}, now)
	if !res.Batch.Complete || len(res.Batch.Records) != 3 {
		t.Errorf("full history: complete %v, %d records", res.Batch.Complete, len(res.Batch.Records))
	}
	last := srv.Requests()[len(srv.Requests())-1]
	if last.Query.Has("lastModStartDate") || last.Header.Get("apiKey") != "" {
		t.Errorf("full history request %v %v", last.Query, last.Header)
	}
}

func TestNVDRateLimit(t *testing.T) {
	srv := upstreamtest.NewServer(t)
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	srv.PutNVD(now.Add(-time.Hour), nvdItem(t, "CVE-2026-0001"))
	srv.Fail(upstreamtest.NVDPath, http.StatusForbidden, "1", 1)
	srv.Fail(upstreamtest.NVDPath, http.StatusServiceUnavailable, "", 1)
	res := fetch(t, NVD(testConfig(t), srv.NVDURL(), ""), State{Cursor: now.Add(-24 * time.Hour).Format(time.RFC3339)}, now)
	if len(res.Batch.Records) != 1 || srv.Count(upstreamtest.NVDPath, 0) != 3 {
		t.Errorf("%d records after %d requests", len(res.Batch.Records), srv.Count(upstreamtest.NVDPath, 0))
	}
	// A page that fails after the retries fails the run: no partial batch.
	srv.PutNVD(now.Add(-2*time.Hour), nvdItem(t, "CVE-2026-0002"))
	srv.PutNVD(now.Add(-3*time.Hour), nvdItem(t, "CVE-2026-0003"))
	cfg := testConfig(t)
	cfg.PageSize = 1
	cfg.Retries = -1
	// The second page is rate-limited.
	failing := &failAfter{srv: srv, n: 1}
	hs := httptest.NewServer(failing)
	defer hs.Close()
	src := NVD(cfg, hs.URL+upstreamtest.NVDPath, "")
	res2, err := src.Fetch(context.Background(), State{Cursor: now.Add(-24 * time.Hour).Format(time.RFC3339)}, now)
	if err == nil || len(res2.Batch.Records) > 0 || !strings.Contains(err.Error(), "nvd: GET ") || !strings.Contains(err.Error(), "429") {
		t.Errorf("err %v, %d records", err, len(res2.Batch.Records))
	}
}

// failAfter passes n requests to the fake, then answers 429.
type failAfter struct {
	srv *upstreamtest.Server
	n   int
}

func (f *failAfter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.n <= 0 {
		http.Error(w, "slow down", http.StatusTooManyRequests)
		return
	}
	f.n--
	resp, err := http.Get(f.srv.URL + r.URL.RequestURI())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	w.WriteHeader(resp.StatusCode)
	buf := new(bytes.Buffer)
	buf.ReadFrom(resp.Body)
	w.Write(buf.Bytes())
}

// The fake rejects what NVD rejects, with NVD's message header.
func TestFakeNVDValidation(t *testing.T) {
	srv := upstreamtest.NewServer(t)
	for _, tc := range []struct {
		query string
		ok    bool
	}{
		{"", true},
		{"startIndex=0&resultsPerPage=5000", true},
		{"lastModStartDate=2026-01-01T00:00:00.000%2B00:00&lastModEndDate=2026-04-30T00:00:00.000%2B00:00", true},
		{"lastModStartDate=2026-01-01T00:00:00.000", false},
		{"lastModEndDate=2026-01-01T00:00:00.000", false},
		{"lastModStartDate=2026-01-01T00:00:00.000&lastModEndDate=2026-05-02T00:00:00.000", false},
		{"lastModStartDate=2026-02-01T00:00:00.000&lastModEndDate=2026-01-01T00:00:00.000", false},
		{"lastModStartDate=yesterday&lastModEndDate=2026-01-01T00:00:00.000", false},
		{"startIndex=-1", false},
		{"keywordSearch=x", false},
	} {
		resp, err := http.Get(srv.NVDURL() + "?" + tc.query)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if ok := resp.StatusCode == 200; ok != tc.ok || !ok && (resp.StatusCode != 404 || resp.Header.Get("message") == "") {
			t.Errorf("%s: %s, message %q", tc.query, resp.Status, resp.Header.Get("message"))
		}
	}
	// The client reports NVD's message.
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("message", "Invalid apiKey")
		w.WriteHeader(http.StatusNotFound)
	}))
	defer hs.Close()
	_, err := NVD(testConfig(t), hs.URL, "x").Fetch(context.Background(), State{}, t0)
	var se *StatusError
	if !errors.As(err, &se) || se.Message != "Invalid apiKey" || !strings.Contains(err.Error(), "(Invalid apiKey)") {
		t.Errorf("err %v", err)
	}
}

// An archive older than the index: the first sync also fetches what the
// index lists as changed after the archive's newest record.
func TestOSVArchivePredatesIndex(t *testing.T) {
	srv := upstreamtest.NewServer(t)
	recs := goRecords(t, 4)
	var idList []string
	for id := range recs {
		idList = append(idList, id)
	}
	slices.Sort(idList)
	for _, id := range idList[:3] {
		srv.PutOSV("Go", t0, recs[id])
	}
	resp, err := http.Get(srv.OSVURL() + "/Go/all.zip")
	if err != nil {
		t.Fatal(err)
	}
	stale := new(bytes.Buffer)
	stale.ReadFrom(resp.Body)
	resp.Body.Close()
	srv.PutOSV("Go", t0.Add(2*time.Hour), recs[idList[0]]) // changed
	srv.PutOSV("Go", t0.Add(time.Hour), recs[idList[3]])   // added

	target, _ := url.Parse(srv.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/osv/Go/all.zip" {
			w.Write(stale.Bytes())
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	defer hs.Close()

	res := fetch(t, OSV(testConfig(t), hs.URL+upstreamtest.OSVPath, "Go"), State{}, t0.Add(3*time.Hour))
	b := res.Batch
	if got := ids(b.Records); !b.Complete || !slices.Equal(got, idList) {
		t.Fatalf("complete %v, records %v; want %v", b.Complete, got, idList)
	}
	for _, r := range b.Records {
		if r.ID == idList[0] && !r.Modified.Equal(t0.Add(2*time.Hour)) {
			t.Errorf("%s modified %v: the archive's copy, not the index's", r.ID, r.Modified)
		}
	}
	if res.State.Cursor != t0.Add(2*time.Hour).Format(time.RFC3339Nano) || res.State.ETag == "" {
		t.Errorf("state %+v", res.State)
	}
	var fetched []string
	for _, r := range srv.Requests() {
		if strings.HasSuffix(r.Path, ".json") {
			fetched = append(fetched, strings.TrimSuffix(path.Base(r.Path), ".json"))
		}
	}
	slices.Sort(fetched)
	if want := []string{idList[0], idList[3]}; !slices.Equal(fetched, want) {
		t.Errorf("fetched %v, want %v", fetched, want)
	}
}
