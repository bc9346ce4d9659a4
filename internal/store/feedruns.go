package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// MaxProblemSample is how many problems of a feed run are kept as a sample;
// Problems keeps the full count.
const MaxProblemSample = 100

// FeedRun is one import or sync of a feed, recorded from its start.
type FeedRun struct {
	ID                     int64
	Feed, Location, Format string
	Trigger                string // "import", "sync", "schedule"
	StartedAt              time.Time
	FinishedAt             *time.Time
	State                  string // "running", "ok", "failed", "not_modified"

	Added, Updated, Unchanged, Removed, Problems int
	// ProblemSample are some of the problems, at most MaxProblemSample kept.
	ProblemSample []string
	Error         string
	// Rematched is the number of components matched again after the run.
	Rematched int
	Duration  time.Duration
}

// FeedState is what a feed's next sync starts from: the conditional-request
// validators of its last download and the feed's own cursor.
type FeedState struct {
	Feed, URL, ETag, LastModified string
	Cursor                        string
	SyncedAt                      time.Time
}

const feedRunCols = `id, feed, location, format, triggered_by, started_at, finished_at, state, added, updated, unchanged,
	removed, problems, problem_sample, error, rematched, duration_ns`

func scanFeedRun(r scanner) (FeedRun, error) {
	var x FeedRun
	var ns int64
	err := r.Scan(&x.ID, &x.Feed, &x.Location, &x.Format, &x.Trigger, tm(&x.StartedAt), tmp(&x.FinishedAt), &x.State,
		&x.Added, &x.Updated, &x.Unchanged, &x.Removed, &x.Problems, jsonv(&x.ProblemSample), &x.Error, &x.Rematched, &ns)
	x.Duration = time.Duration(ns)
	return x, err
}

func problemSample(p []string) (string, error) {
	if len(p) > MaxProblemSample {
		p = p[:MaxProblemSample]
	}
	if p == nil {
		p = []string{}
	}
	return jsonText(p)
}

// StartFeedRun records a run as it starts and sets r.ID; r.State is
// "running" unless set.
func (s *Store) StartFeedRun(ctx context.Context, r *FeedRun) error {
	if r.Feed == "" {
		return errors.New("start feed run: no feed named")
	}
	if r.State == "" {
		r.State = "running"
	}
	ps, err := problemSample(r.ProblemSample)
	if err != nil {
		return err
	}
	id, err := s.insert(ctx, `INSERT INTO feed_runs (feed, location, format, triggered_by, started_at, finished_at, state,
		added, updated, unchanged, removed, problems, problem_sample, error, rematched, duration_ns)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.Feed, r.Location, r.Format, r.Trigger, r.StartedAt, r.FinishedAt, r.State, r.Added, r.Updated, r.Unchanged,
		r.Removed, r.Problems, ps, r.Error, r.Rematched, int64(r.Duration))
	if err != nil {
		return fmt.Errorf("start feed run of %s: %w", r.Feed, err)
	}
	r.ID = id
	return nil
}

// FinishFeedRun writes the outcome of a run: everything but its feed,
// trigger and start. ErrNotFound if the run does not exist.
func (s *Store) FinishFeedRun(ctx context.Context, r FeedRun) error {
	ps, err := problemSample(r.ProblemSample)
	if err != nil {
		return err
	}
	err = s.execOne(ctx, `UPDATE feed_runs SET location = ?, format = ?, finished_at = ?, state = ?, added = ?, updated = ?,
		unchanged = ?, removed = ?, problems = ?, problem_sample = ?, error = ?, rematched = ?, duration_ns = ? WHERE id = ?`,
		r.Location, r.Format, r.FinishedAt, r.State, r.Added, r.Updated, r.Unchanged, r.Removed, r.Problems, ps, r.Error,
		r.Rematched, int64(r.Duration), r.ID)
	if err != nil {
		return fmt.Errorf("finish feed run %d: %w", r.ID, err)
	}
	return nil
}

// ListFeedRuns returns the latest runs of a feed ("" for every feed),
// newest first; limit 0 is DefaultLimit, at most MaxLimit.
func (s *Store) ListFeedRuns(ctx context.Context, feed string, limit int) ([]FeedRun, error) {
	limit, _ = page(limit, 0)
	var where []string
	var args []any
	if feed != "" {
		where, args = append(where, "feed = ?"), append(args, feed)
	}
	rs, err := all(ctx, s, `SELECT `+feedRunCols+` FROM feed_runs`+whereClause(where)+
		` ORDER BY started_at DESC, id DESC LIMIT ?`, append(args, limit), scanFeedRun)
	if err != nil {
		return nil, fmt.Errorf("list feed runs: %w", err)
	}
	return rs, nil
}

// FeedState returns the sync state of a feed; ErrNotFound when it was never
// synced.
func (s *Store) FeedState(ctx context.Context, feed string) (FeedState, error) {
	st, err := one(ctx, s, `SELECT feed, url, etag, last_modified, cursor, synced_at FROM feed_state WHERE feed = ?`,
		[]any{feed}, func(r scanner) (FeedState, error) {
			var x FeedState
			err := r.Scan(&x.Feed, &x.URL, &x.ETag, &x.LastModified, &x.Cursor, tm(&x.SyncedAt))
			return x, err
		})
	if err != nil {
		return FeedState{}, fmt.Errorf("state of feed %s: %w", feed, err)
	}
	return st, nil
}

// SaveFeedState stores the sync state of a feed, replacing the previous.
func (s *Store) SaveFeedState(ctx context.Context, st FeedState) error {
	if st.Feed == "" {
		return errors.New("save feed state: no feed named")
	}
	_, err := s.exec(ctx, `INSERT INTO feed_state (feed, url, etag, last_modified, cursor, synced_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (feed) DO UPDATE SET url = excluded.url, etag = excluded.etag, last_modified = excluded.last_modified,
		cursor = excluded.cursor, synced_at = excluded.synced_at`,
		st.Feed, st.URL, st.ETag, st.LastModified, st.Cursor, st.SyncedAt)
	if err != nil {
		return fmt.Errorf("save state of feed %s: %w", st.Feed, err)
	}
	return nil
}
