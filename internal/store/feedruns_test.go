package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
)

func TestFeedRuns(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		r := store.FeedRun{Feed: "osv/Go", Location: "https://vuln.go.dev", Format: "osv-zip", Trigger: "sync", StartedAt: t0}
		must(t, s.StartFeedRun(ctx, &r))
		if r.ID == 0 || r.State != "running" {
			t.Fatalf("started run: ID %d, state %q", r.ID, r.State)
		}
		list, err := s.ListFeedRuns(ctx, "osv/Go", 0)
		must(t, err)
		diff(t, "running run", []store.FeedRun{r}, list)

		r.FinishedAt, r.State = ptr(t0.Add(90*time.Second)), "ok"
		r.Added, r.Updated, r.Unchanged, r.Removed, r.Problems = 1, 2, 3, 4, 150
		r.Error, r.Rematched, r.Duration = "partly", 6, 90*time.Second+123
		for i := range 150 {
			r.ProblemSample = append(r.ProblemSample, fmt.Sprint("GO-", i, ".json: bad"))
		}
		must(t, s.FinishFeedRun(ctx, r))
		r.ProblemSample = r.ProblemSample[:store.MaxProblemSample] // the sample is bounded, the count is not
		list, err = s.ListFeedRuns(ctx, "", 0)
		must(t, err)
		diff(t, "finished run", []store.FeedRun{r}, list)
		allSet(t, "FeedRun", list[0])
		wantErr(t, s.FinishFeedRun(ctx, store.FeedRun{ID: 999, State: "ok"}), store.ErrNotFound)

		// Newest first, per feed, limited.
		kev := store.FeedRun{Feed: "kev", Trigger: "schedule", StartedAt: t0.Add(time.Hour), State: "not_modified"}
		must(t, s.StartFeedRun(ctx, &kev))
		again := store.FeedRun{Feed: "osv/Go", Trigger: "import", StartedAt: t0.Add(2 * time.Hour)}
		must(t, s.StartFeedRun(ctx, &again))
		list, err = s.ListFeedRuns(ctx, "", 0)
		must(t, err)
		diff(t, "all runs", []store.FeedRun{again, kev, r}, list)
		list, err = s.ListFeedRuns(ctx, "osv/Go", 1)
		must(t, err)
		diff(t, "latest osv/Go run", []store.FeedRun{again}, list)
		list, err = s.ListFeedRuns(ctx, "nvd", 0)
		must(t, err)
		diff(t, "no runs", []store.FeedRun{}, list)

		bad := store.FeedRun{Feed: "x", Trigger: "whim", StartedAt: t0}
		if err := s.StartFeedRun(ctx, &bad); err == nil {
			t.Error("a run with an unknown trigger was stored")
		}
		if err := s.StartFeedRun(ctx, &store.FeedRun{Trigger: "sync", StartedAt: t0}); err == nil {
			t.Error("a run without a feed was stored")
		}
	})
}

func TestFeedState(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		_, err := s.FeedState(ctx, "nvd")
		wantErr(t, err, store.ErrNotFound)
		st := store.FeedState{Feed: "nvd", URL: "https://services.nvd.nist.gov", ETag: `"abc"`,
			LastModified: "Mon, 02 Mar 2026 09:30:15 GMT", Cursor: "2026-03-02T09:30:15Z", SyncedAt: t0}
		must(t, s.SaveFeedState(ctx, st))
		got, err := s.FeedState(ctx, "nvd")
		must(t, err)
		diff(t, "FeedState", st, got)
		allSet(t, "FeedState", got)
		st.ETag, st.Cursor, st.SyncedAt = "", "next", t0.Add(time.Hour)
		must(t, s.SaveFeedState(ctx, st))
		got, err = s.FeedState(ctx, "nvd")
		must(t, err)
		diff(t, "saved again", st, got)
		if err := s.SaveFeedState(ctx, store.FeedState{SyncedAt: t0}); err == nil {
			t.Error("a state without a feed was saved")
		}
	})
}
