package casework

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/vigil-psirt/vigil/internal/match"
	"github.com/vigil-psirt/vigil/internal/store"
	feedsrc "github.com/vigil-psirt/vigil/internal/upstream"
)

// maxProblemSample bounds the problems a feed run keeps for display.
const maxProblemSample = 100

// ImportFeed stores one batch of upstream records and matches again the
// components the change touches (R12). The import is one transaction: a
// batch that cannot be stored leaves the previous data in place. The run is
// recorded either way, with its counts, problems, error and duration.
func (s *Service) ImportFeed(ctx context.Context, a Actor, trigger string, b feedsrc.Batch) (store.FeedRun, error) {
	start := s.now()
	run := store.FeedRun{Feed: b.Feed, Location: b.Location, Format: b.Format, Trigger: trigger, StartedAt: start, State: "running"}
	if err := s.Store.StartFeedRun(ctx, &run); err != nil {
		return run, err
	}
	run.Problems = len(b.Problems)
	for i, p := range b.Problems {
		if i == maxProblemSample {
			break
		}
		run.ProblemSample = append(run.ProblemSample, p.Error())
	}
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		stats, err := tx.ImportRecords(ctx, b.Feed, b.Records, b.Complete)
		if err != nil {
			return err
		}
		run.Added, run.Updated, run.Unchanged, run.Removed = stats.Added, stats.Updated, stats.Unchanged, stats.Removed
		keys, err := s.touched(ctx, tx, stats)
		if err != nil {
			return err
		}
		ms, err := s.rematch(ctx, tx, 0, keys, s.now(), nil)
		if err != nil {
			return err
		}
		run.Rematched = ms.Components
		if ms.Added+ms.Updated+ms.Removed > 0 {
			if err := s.findingsChanged(ctx, tx, nil, s.now()); err != nil {
				return err
			}
		}
		return record(ctx, tx, s.now(), a, "feed.import", "feed:"+b.Feed, map[string]any{
			"location": b.Location, "added": stats.Added, "updated": stats.Updated, "removed": stats.Removed,
			"problems": run.Problems, "rematched": ms.Components, "findings_added": ms.Added, "findings_removed": ms.Removed})
	})
	return s.finishRun(ctx, run, err)
}

func (s *Service) finishRun(ctx context.Context, run store.FeedRun, err error) (store.FeedRun, error) {
	end := s.now()
	run.FinishedAt = &end
	run.Duration = end.Sub(run.StartedAt)
	switch {
	case err != nil:
		run.State, run.Error = "failed", err.Error()
		run.Added, run.Updated, run.Unchanged, run.Removed, run.Rematched = 0, 0, 0, 0, 0
	case run.State == "running":
		run.State = "ok"
	}
	// The run is recorded even when the caller's context ended.
	if ferr := s.Store.FinishFeedRun(context.WithoutCancel(ctx), run); ferr != nil && err == nil {
		err = ferr
	}
	if err != nil {
		return run, fmt.Errorf("feed %s: %w", run.Feed, err)
	}
	return run, nil
}

// touched is the keys whose components a feed change must match again: the
// keys of the changed records before and after the change, and the keys of
// the components whose findings name a changed record that has no keys of
// its own (a KEV entry, an NVD score), since those change severities and
// deadlines.
func (s *Service) touched(ctx context.Context, tx *store.Store, st store.ImportStats) ([]match.Key, error) {
	keys := slices.Clone(st.Keys)
	if len(st.Changed) > 0 {
		more, err := tx.KeysNamingRecords(ctx, st.Changed)
		if err != nil {
			return nil, err
		}
		keys = append(keys, more...)
	}
	return match.SortKeys(keys), nil
}

// SyncFeeds fetches what changed in each source since its last sync, with
// conditional requests, and imports it. A source that fails is reported in
// its run and leaves its previous data in place; the others still sync.
func (s *Service) SyncFeeds(ctx context.Context, a Actor, trigger string, sources []feedsrc.Source) ([]store.FeedRun, error) {
	var (
		runs []store.FeedRun
		errs []error
	)
	for _, src := range sources {
		run, err := s.syncOne(ctx, a, trigger, src)
		runs = append(runs, run)
		if err != nil {
			errs = append(errs, err)
		}
		if ctx.Err() != nil {
			break
		}
	}
	return runs, errors.Join(errs...)
}

func (s *Service) syncOne(ctx context.Context, a Actor, trigger string, src feedsrc.Source) (store.FeedRun, error) {
	feed := src.Feed()
	st, err := s.Store.FeedState(ctx, feed)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.FeedRun{Feed: feed}, err
	}
	prev := feedsrc.State{ETag: st.ETag, LastModified: st.LastModified, Cursor: st.Cursor, SyncedAt: st.SyncedAt}
	start := s.now()
	res, err := src.Fetch(ctx, prev, start)
	if err != nil || res.NotModified {
		run := store.FeedRun{Feed: feed, Location: res.Batch.Location, Format: res.Batch.Format, Trigger: trigger, StartedAt: start, State: "running"}
		if serr := s.Store.StartFeedRun(ctx, &run); serr != nil {
			return run, serr
		}
		if err == nil {
			run.State = "not_modified"
			if serr := s.saveFeedState(ctx, feed, res.State); serr != nil {
				err = serr
			}
		}
		return s.finishRun(ctx, run, err)
	}
	run, err := s.ImportFeed(ctx, a, trigger, res.Batch)
	if err != nil {
		return run, err
	}
	return run, s.saveFeedState(ctx, feed, res.State)
}

func (s *Service) saveFeedState(ctx context.Context, feed string, st feedsrc.State) error {
	if st.SyncedAt.IsZero() {
		st.SyncedAt = s.now()
	}
	return s.Store.SaveFeedState(ctx, store.FeedState{Feed: feed, ETag: st.ETag, LastModified: st.LastModified,
		Cursor: st.Cursor, SyncedAt: st.SyncedAt.UTC()})
}

// FeedRuns lists the latest runs of a feed ("" for every feed), newest first.
func (s *Service) FeedRuns(ctx context.Context, feed string, limit int) ([]store.FeedRun, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	return s.Store.ListFeedRuns(ctx, feed, limit)
}

// RunSync is the scheduled sync of serve: it syncs every source, then
// rematches everything, so that expired rules and passing time are
// reflected even when no feed changed. The first round waits at least
// settle after the start, and until the oldest source's last sync is every
// old, so that restarting serve does not fetch everything again.
func (s *Service) RunSync(ctx context.Context, sources []feedsrc.Source, every, settle time.Duration, log func(msg string, args ...any)) {
	if every <= 0 || len(sources) == 0 {
		return
	}
	wait := settle
	oldest := time.Time{}
	for i, src := range sources {
		st, err := s.Store.FeedState(ctx, src.Feed())
		if err != nil {
			oldest = time.Time{} // never synced (or unreadable): due now
			break
		}
		if i == 0 || st.SyncedAt.Before(oldest) {
			oldest = st.SyncedAt
		}
	}
	if !oldest.IsZero() {
		if due := oldest.Add(every).Sub(s.now()); due > wait {
			wait = due
		}
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		runs, err := s.SyncFeeds(ctx, System, "schedule", sources)
		for _, r := range runs {
			log("feed sync", "feed", r.Feed, "state", r.State, "added", r.Added, "updated", r.Updated,
				"removed", r.Removed, "problems", r.Problems, "rematched", r.Rematched, "error", r.Error)
		}
		if err == nil || len(runs) > 0 {
			if st, err := s.Rematch(ctx, System); err != nil {
				log("rematch failed", "error", err)
			} else {
				log("rematch", "components", st.Components, "findings", st.Findings, "added", st.Added, "removed", st.Removed)
			}
		}
		t.Reset(every)
	}
}
