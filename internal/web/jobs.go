package web

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/vigil-psirt/vigil/internal/secret"
	"github.com/vigil-psirt/vigil/internal/store"
)

// Long work (a full rematch) runs in the background as a job: the form
// waits a moment for it, and when it takes longer the user sees its page,
// which shows its progress and reloads itself until the work is done.

// maxJobs bounds the jobs kept in memory; the oldest finished go first.
const maxJobs = 100

// jobWait is how long a form waits for its job before showing its page.
const jobWait = 2 * time.Second

// job is one piece of long work and how far it is.
type job struct {
	mu       sync.Mutex
	id, kind string
	by       string
	started  time.Time
	done     int
	total    int
	finished chan struct{}
	result   string // where to go when it is done, with its figures
	err      error
}

// jobView is a job's state at one moment.
type jobView struct {
	ID, Kind, By string
	Started      time.Time
	Done, Total  int
	Percent      int
	Finished     bool
	Result       string
	Err          string
}

type jobTable struct {
	mu    sync.Mutex
	jobs  map[string]*job
	order []string
}

func newJobTable() *jobTable { return &jobTable{jobs: map[string]*job{}} }

// start runs fn in the background as a new job. fn reports progress and
// returns the address of its result.
func (t *jobTable) start(kind, by string, now time.Time, fn func(ctx context.Context, progress func(done, total int)) (string, error)) *job {
	id, _ := secret.New("")
	j := &job{id: id, kind: kind, by: by, started: now, finished: make(chan struct{})}
	t.mu.Lock()
	t.jobs[id] = j
	t.order = append(t.order, id)
	for len(t.order) > maxJobs {
		old := t.jobs[t.order[0]]
		select {
		case <-old.finished:
		default:
			t.order = append(t.order[1:], t.order[0]) // still running: keep it
			continue
		}
		delete(t.jobs, t.order[0])
		t.order = t.order[1:]
	}
	t.mu.Unlock()
	go func() {
		defer close(j.finished)
		// The work outlives the request that started it.
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
		defer cancel()
		result, err := fn(ctx, func(done, total int) {
			j.mu.Lock()
			j.done, j.total = done, total
			j.mu.Unlock()
		})
		j.mu.Lock()
		j.result, j.err = result, err
		j.mu.Unlock()
	}()
	return j
}

func (t *jobTable) get(id string) (*job, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	j, ok := t.jobs[id]
	return j, ok
}

func (j *job) view() jobView {
	j.mu.Lock()
	defer j.mu.Unlock()
	v := jobView{ID: j.id, Kind: j.kind, By: j.by, Started: j.started, Done: j.done, Total: j.total, Result: j.result}
	select {
	case <-j.finished:
		v.Finished = true
	default:
	}
	if j.err != nil {
		v.Err = j.err.Error()
	}
	if v.Total > 0 {
		v.Percent = 100 * v.Done / v.Total
	}
	if v.Finished && v.Err == "" {
		v.Percent = 100
	}
	return v
}

// runJob starts fn and waits up to jobWait for it: done by then, the user
// goes to its result; otherwise to the job's page. A form may ask not to
// wait (background=1).
func (w *Web) runJob(rw http.ResponseWriter, r *http.Request, kind string, fn func(ctx context.Context, progress func(done, total int)) (string, error)) error {
	j := w.jobs.start(kind, actor(r).Name, w.now(), fn)
	if r.PostFormValue("background") != "1" {
		select {
		case <-j.finished:
			if v := j.view(); v.Err == "" {
				http.Redirect(rw, r, v.Result, http.StatusSeeOther)
				return nil
			}
		case <-time.After(jobWait):
		case <-r.Context().Done():
		}
	}
	http.Redirect(rw, r, "/ui/jobs/"+j.id, http.StatusSeeOther)
	return nil
}

// jobPage shows a job's progress, reloading until it is done.
type jobPage struct {
	layout
	Job jobView
}

func (w *Web) jobPage(rw http.ResponseWriter, r *http.Request) error {
	j, ok := w.jobs.get(r.PathValue("id"))
	if !ok {
		return fmt.Errorf("job: %w", store.ErrNotFound) // finished long ago, or never

	}
	p := jobPage{layout: w.layout(r, "Work in progress"), Job: j.view()}
	if !p.Job.Finished {
		p.Refresh = 1
	}
	w.render(rw, http.StatusOK, "job", p)
	return nil
}
