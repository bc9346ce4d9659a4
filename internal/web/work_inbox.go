package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/report"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/user"
	"github.com/vigil-psirt/vigil/internal/vcase"
)

// inboxRow is a new report with the triage clock of its case.
type inboxRow struct {
	Report   report.Report
	CaseID   int64
	CaseKey  string
	Clock    *clock
	Selected bool
	Problems []string // why a bulk action failed for it
}

// bulkAction is what the inbox does to the selected reports.
type bulkAction struct {
	Value, Text string
	NeedsCase   bool
}

var bulkActions = []bulkAction{
	{"triage", "Start triage", false},
	{"link", "Merge into a case", true},
	{"spam", "Reject as spam (not a vulnerability)", false},
	{"duplicate", "Reject as a duplicate of a case", true},
}

// bulkForm is the inbox's form of bulk triage.
type bulkForm struct {
	Action, Case string
	Actions      []option
	Errors       map[string][]string
}

type inboxPage struct {
	layout
	Rows      []inboxRow
	Pager     pager
	Now       time.Time
	CanManage bool
	Bulk      bulkForm
	Done      string // the notice after a bulk action
}

// maxBulk bounds the reports one bulk action takes: a page of the inbox.
const maxBulk = pageSize

// inbox lists the reports nobody has triaged yet, oldest clock first on the page.
func (w *Web) inbox(rw http.ResponseWriter, r *http.Request) error {
	p, err := w.inboxView(r, r.URL.Query())
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if a := q.Get("done"); slices.ContainsFunc(bulkActions, func(b bulkAction) bool { return b.Value == a }) {
		n, _ := strconv.Atoi(q.Get("n"))
		p.Done = fmt.Sprintf("%s: done for %d report%s.", bulkText(a), n, plural(n))
	}
	w.render(rw, http.StatusOK, "inbox", p)
	return nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func bulkText(a string) string {
	for _, b := range bulkActions {
		if b.Value == a {
			return b.Text
		}
	}
	return label(a)
}

// inboxView builds the inbox page; q holds the page number.
func (w *Web) inboxView(r *http.Request, q url.Values) (inboxPage, error) {
	n := pageParam(r)
	rs, err := w.store.ListReports(r.Context(), store.ReportFilter{State: report.New, Limit: pageSize + 1, Offset: (n - 1) * pageSize})
	if err != nil {
		return inboxPage{}, err
	}
	s, _ := current(r)
	p := inboxPage{layout: w.layout(r, "Inbox"), Now: w.now(), Pager: pager{Page: n, Total: -1}, CanManage: s.user.Role.Can(user.ManageCases)}
	p.Bulk = bulkForm{Action: q.Get("action"), Case: q.Get("case")}
	for _, a := range bulkActions {
		p.Bulk.Actions = append(p.Bulk.Actions, option{Value: a.Value, Text: a.Text, Selected: a.Value == p.Bulk.Action})
	}
	if len(rs) > pageSize {
		rs, p.Pager.Next = rs[:pageSize], pageURL(r, n+1)
	}
	if n > 1 {
		p.Pager.Prev = pageURL(r, n-1)
	}
	for _, rep := range rs {
		row := inboxRow{Report: rep}
		if rep.CaseID != nil {
			c, err := w.store.CaseByID(r.Context(), *rep.CaseID)
			if err != nil {
				return p, err
			}
			row.CaseID, row.CaseKey, row.Clock = c.ID, c.Key, w.triageClock(c, p.Now)
		}
		p.Rows = append(p.Rows, row)
	}
	sort.SliceStable(p.Rows, func(i, j int) bool {
		a, b := p.Rows[i].Clock, p.Rows[j].Clock
		return a != nil && (b == nil || a.Due.Before(b.Due))
	})
	return p, nil
}

// bulk applies one action to the selected reports, each through casework
// as the API would: start triage or reject its case (casework.Transition),
// or merge it into a case (casework.LinkReport). The form is checked whole
// first; then each report succeeds or fails on its own, and the failures
// are shown on their rows.
func (w *Web) bulk(rw http.ResponseWriter, r *http.Request) error {
	f := r.PostForm
	action, caseRef := f.Get("action"), strings.TrimSpace(f.Get("case"))
	errs := map[string][]string{}
	i := slices.IndexFunc(bulkActions, func(b bulkAction) bool { return b.Value == action })
	if i < 0 {
		errs["action"] = append(errs["action"], "action: choose what to do")
	}
	var ids []int64
	for _, v := range f["report"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return errBadRequest
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	switch {
	case len(ids) == 0:
		errs["report"] = append(errs["report"], "report: select at least one report")
	case len(ids) > maxBulk:
		errs["report"] = append(errs["report"], fmt.Sprintf("report: at most %d at once", maxBulk))
	}
	var target int64
	if i >= 0 && bulkActions[i].NeedsCase {
		if caseRef == "" {
			errs["case"] = append(errs["case"], "case: the case key, such as VC-2026-0001")
		} else if id, err := w.caseRef(r, caseRef); err != nil {
			errs["case"] = append(errs["case"], "case: "+err.Error())
		} else {
			target = id
		}
	}
	failed := map[int64][]string{}
	done := 0
	if len(errs) == 0 {
		for _, id := range ids {
			problems, err := w.bulkOne(r, action, id, target)
			if err != nil {
				return err
			}
			if len(problems) > 0 {
				failed[id] = problems
			} else {
				done++
			}
		}
		if len(failed) == 0 {
			http.Redirect(rw, r, fmt.Sprintf("/ui/inbox?done=%s&n=%d", action, done), http.StatusSeeOther)
			return nil
		}
	}
	p, err := w.inboxView(r, url.Values{"action": {action}, "case": {caseRef}})
	if err != nil {
		return err
	}
	p.Bulk.Errors = errs
	if done > 0 {
		p.Done = fmt.Sprintf("%s: done for %d report%s; the others are marked below.", bulkText(action), done, plural(done))
	}
	for j := range p.Rows {
		id := p.Rows[j].Report.ID
		p.Rows[j].Selected = slices.Contains(ids, id)
		p.Rows[j].Problems = failed[id]
	}
	for id, problems := range failed { // a failed report that left the inbox meanwhile
		if !slices.ContainsFunc(p.Rows, func(row inboxRow) bool { return row.Report.ID == id }) {
			errs[""] = append(errs[""], fmt.Sprintf("report %d: %s", id, strings.Join(problems, "; ")))
		}
	}
	w.render(rw, http.StatusUnprocessableEntity, "inbox", p)
	return nil
}

// bulkOne applies the action to one report; refusals come back as problems.
func (w *Web) bulkOne(r *http.Request, action string, id, target int64) ([]string, error) {
	ctx := r.Context()
	rep, err := w.store.ReportByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return []string{"no such report"}, nil
	}
	if err != nil {
		return nil, err
	}
	if action == "link" {
		_, err = w.svc.LinkReport(ctx, actor(r), id, target)
	} else {
		if rep.CaseID == nil {
			return []string{"the report has no case"}, nil
		}
		t, args := vcase.StartTriage, casework.TransitionArgs{}
		switch action {
		case "spam":
			t, args.Reason = vcase.Reject, vcase.NotVulnerability
		case "duplicate":
			t, args.Reason, args.DuplicateOf = vcase.Reject, vcase.DuplicateOf, &target
		}
		_, err = w.svc.Transition(ctx, actor(r), *rep.CaseID, t, args)
	}
	var guard *vcase.GuardError
	switch problems, ok := isInvalid(err); {
	case err == nil:
		return nil, nil
	case ok:
		return problems, nil
	case errors.As(err, &guard):
		return guard.Failed, nil
	case errors.Is(err, vcase.ErrTransition), errors.Is(err, store.ErrConflict), errors.Is(err, casework.ErrClosed):
		return []string{err.Error()}, nil
	}
	return nil, err
}
