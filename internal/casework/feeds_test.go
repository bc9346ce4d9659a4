package casework_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/product"
	"github.com/vigil-psirt/vigil/internal/sharedtest"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
	"github.com/vigil-psirt/vigil/internal/upstream"
	"github.com/vigil-psirt/vigil/internal/upstream/upstreamtest"
)

// syncWorld is a world whose sources are the fake upstream services, with
// the Go records of the mailpit SBOM and the KEV test catalog.
func syncWorld(t *testing.T) (*world, *upstreamtest.Server, []upstream.Source) {
	t.Helper()
	w := newWorld(t, storetest.SQLite(t))
	srv := upstreamtest.NewServer(t)
	dir := sharedtest.Path(t, "go-vulndb", "data", "osv")
	for _, id := range []string{"GO-2026-5970", "GO-2026-5024"} { // golang.org/x/text, golang.org/x/sys
		data, err := os.ReadFile(filepath.Join(dir, id+".json"))
		if err != nil {
			t.Fatal(err)
		}
		srv.PutOSV("Go", time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), data)
	}
	srv.SetKEV([]byte(kevJSON))
	cfg := upstream.Config{Client: &http.Client{Timeout: 30 * time.Second}}
	return w, srv, []upstream.Source{upstream.OSV(cfg, srv.OSVURL(), "Go"), upstream.KEV(cfg, srv.KEVURL())}
}

func TestSyncFeeds(t *testing.T) {
	w, srv, sources := syncWorld(t)
	rel := w.release(w.branches[0], "7.3.5", product.Published)
	w.importSBOM(rel, sharedtest.Path(t, "peer-outputs", "sbom-mailpit-gobinary.cdx.json"))

	runs, err := w.svc.SyncFeeds(w.ctx, casework.System, "sync", sources)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[0].State != "ok" || runs[0].Added != 2 || runs[1].State != "ok" || runs[1].Added != 1 {
		t.Fatalf("first sync runs = %+v", runs)
	}
	if runs[0].Rematched != 2 {
		t.Errorf("first sync rematched %d components, want 2 (x/text and x/sys)", runs[0].Rematched)
	}
	fs := w.findings(rel)
	if len(fs) != 2 {
		t.Fatalf("findings after the sync: %v", keys(fs))
	}

	// Nothing changed: conditional requests, nothing imported.
	runs, err = w.svc.SyncFeeds(w.ctx, casework.System, "sync", sources)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		if r.State != "not_modified" {
			t.Errorf("second sync of %s: %s", r.Feed, r.State)
		}
	}
	if n := srv.Count(upstreamtest.KEVPath, http.StatusNotModified) + srv.Count(upstreamtest.OSVFilePath("Go", "modified_id.csv"), http.StatusNotModified); n < 2 {
		t.Errorf("%d answers 304, want the KEV catalog and the OSV index", n)
	}

	// A failing source is reported and keeps its data; the others sync.
	srv.Fail(upstreamtest.OSVFilePath("Go", "modified_id.csv"), http.StatusInternalServerError, "", 100)
	srv.SetKEV([]byte(strings.Replace(kevJSON, `"notes": ""`, `"notes": "changed"`, 1)))
	runs, err = w.svc.SyncFeeds(w.ctx, casework.System, "sync", sources)
	if err == nil || runs[0].State != "failed" || runs[1].State != "ok" || runs[1].Updated != 1 {
		t.Fatalf("sync with a failing OSV: runs %+v, err %v", runs, err)
	}
	counts, err := w.svc.Store.CountRecords(w.ctx)
	if err != nil || counts["osv/Go"] != 2 {
		t.Errorf("records after a failed sync = %v, %v", counts, err)
	}
	if got := len(w.findings(rel)); got != 2 {
		t.Errorf("%d findings after a failed sync, want 2", got)
	}
}

// TestRunSyncSchedules: the scheduled sync runs a round (sync, then a full
// rematch) and records it; it waits for the due time of the last sync.
func TestRunSyncSchedules(t *testing.T) {
	w, _, sources := syncWorld(t)
	ctx, cancel := context.WithCancel(w.ctx)
	done := make(chan struct{})
	logged := make(chan string, 100)
	go func() {
		defer close(done)
		w.svc.RunSync(ctx, sources, time.Hour, 0, func(msg string, _ ...any) { logged <- msg })
	}()
	for msg := range logged {
		if msg == "rematch" {
			break
		}
		if msg == "rematch failed" {
			t.Fatal("the scheduled rematch failed")
		}
	}
	cancel()
	<-done
	runs, err := w.svc.FeedRuns(w.ctx, "", 10)
	if err != nil || len(runs) != 2 || runs[0].Trigger != "schedule" {
		t.Fatalf("runs after a scheduled round = %+v, %v", runs, err)
	}
	// Just synced: a restart waits for the next due time instead of syncing.
	ctx, cancel = context.WithTimeout(w.ctx, 200*time.Millisecond)
	defer cancel()
	w.svc.RunSync(ctx, sources, time.Hour, 0, func(msg string, _ ...any) { t.Errorf("synced again at once: %s", msg) })
	if runs2, _ := w.svc.FeedRuns(w.ctx, "", 10); len(runs2) != len(runs) {
		t.Errorf("%d runs after a restart, want %d", len(runs2), len(runs))
	}
}
