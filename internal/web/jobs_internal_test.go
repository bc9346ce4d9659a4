package web

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestJobProgress: a job's view follows its progress, then its result or
// its error.
func TestJobProgress(t *testing.T) {
	jt := newJobTable()
	step, release := make(chan struct{}), make(chan struct{})
	j := jt.start("rematch", "pia", time.Date(2026, 3, 6, 9, 0, 0, 0, time.UTC), func(ctx context.Context, progress func(done, total int)) (string, error) {
		progress(1, 4)
		step <- struct{}{}
		<-release
		return "/ui/feeds?done=rematch", nil
	})
	<-step
	if v := j.view(); v.Finished || v.Done != 1 || v.Total != 4 || v.Percent != 25 {
		t.Errorf("running job = %+v", v)
	}
	if got, ok := jt.get(j.id); !ok || got != j {
		t.Error("the job is not in the table")
	}
	close(release)
	<-j.finished
	if v := j.view(); !v.Finished || v.Percent != 100 || v.Result != "/ui/feeds?done=rematch" || v.Err != "" {
		t.Errorf("finished job = %+v", v)
	}
	failed := jt.start("rematch", "pia", time.Now(), func(context.Context, func(int, int)) (string, error) {
		return "", errors.New("database is gone")
	})
	<-failed.finished
	if v := failed.view(); !v.Finished || v.Err != "database is gone" || v.Percent == 100 {
		t.Errorf("failed job = %+v", v)
	}
	// The table keeps at most maxJobs, dropping finished ones first.
	for range maxJobs + 10 {
		done := jt.start("rematch", "pia", time.Now(), func(context.Context, func(int, int)) (string, error) { return "", nil })
		<-done.finished
	}
	if n := len(jt.jobs); n > maxJobs {
		t.Errorf("%d jobs kept, want at most %d", n, maxJobs)
	}
}
