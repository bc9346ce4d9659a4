package web

import (
	"encoding/json"
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
	"github.com/vigil-psirt/vigil/internal/policy"
	"github.com/vigil-psirt/vigil/internal/report"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/user"
	"github.com/vigil-psirt/vigil/internal/vcase"
)

// pageSize is how many rows a list shows.
const pageSize = 25

// clock is a deadline as the pages show it.
type clock struct {
	Name     string
	Due      time.Time
	Left     string // "3 h 20 min left", "breached 2 h ago", "met"
	State    string // running, soon, breached, met
	Stopped  bool
	Breached bool
}

// clockOf describes a deadline as of now; "soon" is the last quarter of it.
func clockOf(d policy.Deadline, now time.Time) clock {
	c := clock{Name: d.Clock.Name, Due: d.Due, Stopped: !d.Stopped.IsZero(), Breached: d.Breached(now)}
	switch {
	case c.Stopped && d.Met():
		c.State, c.Left = "met", "met "+span(d.Due.Sub(d.Stopped))+" early"
	case c.Stopped:
		c.State, c.Left = "breached", "met "+span(d.Stopped.Sub(d.Due))+" late"
	case c.Breached:
		c.State, c.Left = "breached", "breached "+span(now.Sub(d.Due))+" ago"
	default:
		c.State, c.Left = "running", span(d.Due.Sub(now))+" left"
		if total := d.Due.Sub(d.Start); total > 0 && d.Due.Sub(now) < total/4 {
			c.State = "soon"
		}
	}
	return c
}

// span is a duration in days, hours and minutes, coarsely.
func span(d time.Duration) string {
	d = d.Round(time.Minute)
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d d %d h", d/(24*time.Hour), d%(24*time.Hour)/time.Hour)
	case d >= time.Hour:
		return fmt.Sprintf("%d h %d min", d/time.Hour, d%time.Hour/time.Minute)
	}
	return fmt.Sprintf("%d min", d/time.Minute)
}

// triageClock is the clock a report starts (the 24 h triage clock).
func (w *Web) triageClock(c vcase.Case, now time.Time) *clock {
	for _, d := range w.svc.Deadlines(c) {
		if d.Clock.Start == policy.ReportReceived {
			ck := clockOf(d, now)
			return &ck
		}
	}
	return nil
}

// pager links the pages of a list.
type pager struct {
	Page, Pages int
	Prev, Next  string // "" at the ends
	Total       int    // -1 when unknown
}

func pageParam(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 || n > 100000 {
		return 1
	}
	return n
}

// pageURL is the list's URL with another page number.
func pageURL(r *http.Request, n int) string {
	q := r.URL.Query()
	q.Set("page", strconv.Itoa(n))
	return r.URL.Path + "?" + q.Encode()
}

// inboxRow is a new report with the triage clock of its case.
type inboxRow struct {
	Report  report.Report
	CaseID  int64
	CaseKey string
	Clock   *clock
}

type inboxPage struct {
	layout
	Rows  []inboxRow
	Pager pager
	Now   time.Time
}

// inbox lists the reports nobody has triaged yet, oldest clock first on the page.
func (w *Web) inbox(rw http.ResponseWriter, r *http.Request) error {
	n := pageParam(r)
	rs, err := w.store.ListReports(r.Context(), store.ReportFilter{State: report.New, Limit: pageSize + 1, Offset: (n - 1) * pageSize})
	if err != nil {
		return err
	}
	p := inboxPage{layout: w.layout(r, "Inbox"), Now: w.now(), Pager: pager{Page: n, Total: -1}}
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
				return err
			}
			row.CaseID, row.CaseKey, row.Clock = c.ID, c.Key, w.triageClock(c, p.Now)
		}
		p.Rows = append(p.Rows, row)
	}
	sort.SliceStable(p.Rows, func(i, j int) bool {
		a, b := p.Rows[i].Clock, p.Rows[j].Clock
		return a != nil && (b == nil || a.Due.Before(b.Due))
	})
	w.render(rw, http.StatusOK, "inbox", p)
	return nil
}

// caseRow is a case in the list.
type caseRow struct {
	Case  vcase.Case
	Clock *clock // the triage clock while it runs
}

// option is a choice of a filter.
type option struct {
	Value, Text string
	Selected    bool
}

type casesPage struct {
	layout
	States, Severities []option
	Rows               []caseRow
	Pager              pager
	Filtered           bool
	Problems           []string
}

var severities = []string{"critical", "high", "medium", "low", "none"}

// cases lists cases with filters by state and severity; an engineer sees
// the cases whose task force names them (as in the API).
func (w *Web) cases(rw http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	s, _ := current(r)
	f := store.CasePage{Limit: pageSize}
	p := casesPage{layout: w.layout(r, "Cases")}
	for _, v := range q["state"] {
		if v == "" {
			continue
		}
		if !slices.Contains(vcase.States, vcase.State(v)) {
			p.Problems = append(p.Problems, fmt.Sprintf("state: %q is not a case state", v))
			continue
		}
		f.States = append(f.States, vcase.State(v))
	}
	for _, v := range q["severity"] {
		if v == "" {
			continue
		}
		if !slices.Contains(severities, v) {
			p.Problems = append(p.Problems, fmt.Sprintf("severity: %q is not a severity", v))
			continue
		}
		if v == "none" {
			v = ""
		}
		f.Severities = append(f.Severities, v)
	}
	p.Filtered = len(f.States) > 0 || len(f.Severities) > 0
	for _, st := range vcase.States {
		p.States = append(p.States, option{Value: string(st), Text: label(string(st)), Selected: slices.Contains(f.States, st)})
	}
	for _, sv := range severities {
		val := sv
		if sv == "none" {
			val = ""
		}
		p.Severities = append(p.Severities, option{Value: sv, Text: label(sv), Selected: slices.Contains(f.Severities, val)})
	}
	if s.user.Role == user.Engineer {
		f.Member = s.user.Name
	}
	n := pageParam(r)
	f.Offset = (n - 1) * pageSize
	cs, total, err := w.store.ListCasePage(r.Context(), f)
	if err != nil {
		return err
	}
	now := w.now()
	var embargoed []string
	for _, c := range cs {
		if !engineerMay(s.user, c) {
			continue
		}
		row := caseRow{Case: c}
		if ck := w.triageClock(c, now); ck != nil && !ck.Stopped {
			row.Clock = ck
		}
		p.Rows = append(p.Rows, row)
		if casework.Embargoed(c) {
			embargoed = append(embargoed, c.Key)
		}
	}
	if len(embargoed) > 0 {
		if err := w.svc.RecordRead(r.Context(), actor(r), "case.list", "cases", map[string]any{"cases": embargoed}); err != nil {
			return err
		}
	}
	p.Pager = pager{Page: n, Pages: max(1, (total+pageSize-1)/pageSize), Total: total}
	if n > 1 {
		p.Pager.Prev = pageURL(r, n-1)
	}
	if n*pageSize < total {
		p.Pager.Next = pageURL(r, n+1)
	}
	status := http.StatusOK
	if len(p.Problems) > 0 {
		status = http.StatusBadRequest
	}
	w.render(rw, status, "cases", p)
	return nil
}

// engineerMay reports whether an engineer works on the case (as in the API).
func engineerMay(u user.User, c vcase.Case) bool {
	return u.Role != user.Engineer || slices.Contains(c.TaskForce, u.Name)
}

// step is one state of the lifecycle stepper.
type step struct {
	Name          string
	Done, Current bool
}

// action is a lifecycle transition as the case page offers it: a button
// when allowed, the failed guards when not.
type action struct {
	Transition  vcase.Transition
	Label       string
	Guards      []string
	NeedsReason bool
}

// fixRow is the fix of one affected branch.
type fixRow struct {
	Branch     string
	Fix        vcase.Fix
	Release    string
	Maintained bool
}

// event is one line of the case's timeline.
type event struct {
	At     time.Time
	Actor  string
	Action string
	Object string
	Detail string
}

// caseForm is the triage form: title, summary and task force.
type caseForm struct {
	Title, Summary, TaskForce string
	Version                   int
	Errors                    map[string][]string
}

type casePage struct {
	layout
	Case         vcase.Case
	Product      string
	Steps        []step
	Actions      []action
	CanManage    bool
	Form         caseForm
	ActionErrors []string
	Done         string
	Clocks       []clock
	Fixes        []fixRow
	Reports      []report.Report
	ShowReports  bool
	Timeline     []event
	Reasons      []option
}

var rejectReasons = []vcase.RejectReason{vcase.NotReproducible, vcase.NotVulnerability, vcase.DuplicateOf, vcase.OutOfScope}

// loadCase reads the case of the path for the user: an engineer only the
// cases whose task force names them; a person's read of an embargoed case
// is audited by casework.
func (w *Web) loadCase(r *http.Request) (vcase.Case, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return vcase.Case{}, err
	}
	c, err := w.store.CaseByID(r.Context(), id)
	if err != nil {
		return c, err
	}
	s, _ := current(r)
	if !engineerMay(s.user, c) {
		return c, store.ErrNotFound
	}
	return w.svc.Case(r.Context(), actor(r), id)
}

func (w *Web) casePage(rw http.ResponseWriter, r *http.Request) error {
	c, err := w.loadCase(r)
	if err != nil {
		return err
	}
	p, err := w.caseView(r, c)
	if err != nil {
		return err
	}
	if d := r.URL.Query().Get("done"); d == "saved" || slices.Contains(vcase.Transitions, vcase.Transition(d)) {
		p.Done = d
	}
	w.render(rw, http.StatusOK, "case", p)
	return nil
}

// caseView builds the case page; the form shows the case as stored.
func (w *Web) caseView(r *http.Request, c vcase.Case) (casePage, error) {
	ctx := r.Context()
	s, _ := current(r)
	p := casePage{layout: w.layout(r, c.Key+": "+c.Title), Case: c, CanManage: s.user.Role.Can(user.ManageCases),
		ShowReports: s.user.Role.Can(user.ReadReports)}
	p.Section = "/ui/cases"
	p.Form = caseForm{Title: c.Title, Summary: c.Summary, TaskForce: strings.Join(c.TaskForce, ", "), Version: c.Version}
	reached := true
	for _, st := range []vcase.State{vcase.Received, vcase.Triage, vcase.Confirmed, vcase.Fixing, vcase.Ready, vcase.Disclosed} {
		cur := st == c.State
		if cur {
			reached = false
		}
		p.Steps = append(p.Steps, step{Name: label(string(st)), Done: reached && c.State != vcase.Rejected, Current: cur})
	}
	allowed, err := w.svc.Allowed(ctx, c)
	if err != nil {
		return p, err
	}
	for _, t := range vcase.Transitions {
		guards, ok := allowed[t]
		if !ok {
			continue
		}
		if t == vcase.Reject {
			guards = nil // the reason is chosen in the form; its guard is checked on submit
		}
		p.Actions = append(p.Actions, action{Transition: t, Label: transitionLabel(t), Guards: guards, NeedsReason: t == vcase.Reject})
	}
	for _, rr := range rejectReasons {
		p.Reasons = append(p.Reasons, option{Value: string(rr), Text: label(string(rr))})
	}
	now := w.now()
	for _, d := range w.svc.Deadlines(c) {
		p.Clocks = append(p.Clocks, clockOf(d, now))
	}
	if c.ProductID != nil {
		pr, err := w.store.ProductByID(ctx, *c.ProductID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return p, err
		}
		p.Product = pr.Name
	}
	var bids, rids []int64
	for _, f := range c.Fixes {
		bids = append(bids, f.BranchID)
		if f.ReleaseID != nil {
			rids = append(rids, *f.ReleaseID)
		}
	}
	branches, err := w.store.BranchesByIDs(ctx, bids)
	if err != nil {
		return p, err
	}
	releases, err := w.store.ReleasesByIDs(ctx, rids)
	if err != nil {
		return p, err
	}
	for _, f := range c.Fixes {
		b := branches[f.BranchID]
		row := fixRow{Branch: b.Name, Fix: f, Maintained: b.MaintainedAt(now)}
		if f.ReleaseID != nil {
			row.Release = releases[*f.ReleaseID].Version.String()
		}
		p.Fixes = append(p.Fixes, row)
	}
	objects := []string{"case:" + c.Key}
	if p.ShowReports {
		if p.Reports, err = w.store.ListReports(ctx, store.ReportFilter{CaseID: c.ID, Limit: 100}); err != nil {
			return p, err
		}
		for _, rep := range p.Reports {
			objects = append(objects, "report:"+rep.TrackingID)
		}
	}
	// The timeline is what happened to the case and its reports; reads are
	// audited but are not events of the case.
	for _, o := range objects {
		es, err := w.store.ListAudit(ctx, store.AuditFilter{Object: o, Limit: 200})
		if err != nil {
			return p, err
		}
		for _, e := range es {
			if strings.HasSuffix(e.Action, ".read") {
				continue
			}
			p.Timeline = append(p.Timeline, event{At: e.At, Actor: e.Actor, Action: e.Action, Object: e.Object, Detail: detail(e.Detail)})
		}
	}
	sort.SliceStable(p.Timeline, func(i, j int) bool { return p.Timeline[i].At.After(p.Timeline[j].At) })
	return p, nil
}

// detail renders an audit event's detail compactly: "from: triage, to: confirmed".
func detail(raw json.RawMessage) string {
	var m map[string]any
	if len(raw) == 0 || json.Unmarshal(raw, &m) != nil {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		v := m[k]
		if v == nil || v == "" {
			continue
		}
		switch x := v.(type) {
		case []any:
			var s []string
			for _, e := range x {
				s = append(s, fmt.Sprint(e))
			}
			v = strings.Join(s, ", ")
		}
		parts = append(parts, fmt.Sprintf("%s: %v", k, v))
	}
	out := strings.Join(parts, "; ")
	if len(out) > 300 {
		out = strings.ToValidUTF8(out[:300], "") + "…" // the cut may split a character
	}
	return out
}

func transitionLabel(t vcase.Transition) string {
	switch t {
	case vcase.StartTriage:
		return "Start triage"
	case vcase.Confirm:
		return "Confirm"
	case vcase.StartFix:
		return "Start fixing"
	case vcase.MarkReady:
		return "Mark ready"
	case vcase.Disclose:
		return "Disclose"
	case vcase.Reject:
		return "Reject"
	case vcase.Reopen:
		return "Reopen"
	}
	return label(string(t))
}

// editCase saves the triage form through casework; problems are shown next
// to their fields with the user's input kept.
func (w *Web) editCase(rw http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	form := caseForm{Title: r.PostForm.Get("title"), Summary: r.PostForm.Get("summary"), TaskForce: r.PostForm.Get("task_force")}
	version, err := strconv.Atoi(r.PostForm.Get("version"))
	if err != nil {
		return errBadRequest
	}
	form.Version = version
	var members []string
	for _, m := range strings.Split(form.TaskForce, ",") {
		if m = strings.TrimSpace(m); m != "" {
			members = append(members, m)
		}
	}
	title, summary := strings.TrimSpace(form.Title), strings.TrimSpace(form.Summary)
	_, err = w.svc.UpdateCase(r.Context(), actor(r), id, casework.CasePatch{Version: &version, Title: &title, Summary: &summary, TaskForce: &members})
	problems, invalid := isInvalid(err)
	conflict := errors.Is(err, store.ErrConflict)
	if conflict {
		problems, invalid = []string{"The case was changed meanwhile by someone else: the form now shows your input; the page below shows the stored case. Save again to overwrite."}, true
	}
	if !invalid {
		if err != nil {
			return err
		}
		http.Redirect(rw, r, fmt.Sprintf("/ui/cases/%d?done=saved#triage", id), http.StatusSeeOther)
		return nil
	}
	c, err := w.loadCase(r)
	if err != nil {
		return err
	}
	p, err := w.caseView(r, c)
	if err != nil {
		return err
	}
	form.Errors = fieldErrors(problems, "title", "summary", "task_force")
	if conflict {
		form.Version = c.Version
	}
	p.Form = form
	w.render(rw, http.StatusUnprocessableEntity, "case", p)
	return nil
}

// transition takes a lifecycle step through casework; a refused step shows
// the case again with every failed guard.
func (w *Web) transition(rw http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t := vcase.Transition(r.PostForm.Get("transition"))
	var problems []string
	if !slices.Contains(vcase.Transitions, t) {
		problems = append(problems, "transition: not a lifecycle step")
	}
	args := casework.TransitionArgs{Reason: vcase.RejectReason(r.PostForm.Get("reason"))}
	if v := strings.TrimSpace(r.PostForm.Get("duplicate_of")); v != "" {
		dup, err := w.caseRef(r, v)
		if err != nil {
			problems = append(problems, "duplicate_of: "+err.Error())
		} else {
			args.DuplicateOf = &dup
		}
	}
	status := http.StatusUnprocessableEntity
	if len(problems) == 0 {
		_, err = w.svc.Transition(r.Context(), actor(r), id, t, args)
		var guard *vcase.GuardError
		switch inv, ok := isInvalid(err); {
		case err == nil:
			http.Redirect(rw, r, fmt.Sprintf("/ui/cases/%d?done=%s", id, url.QueryEscape(string(t))), http.StatusSeeOther)
			return nil
		case ok:
			problems = inv
		case errors.As(err, &guard):
			status = http.StatusConflict
			problems = append(problems, guard.Failed...)
		default:
			return err
		}
	}
	c, err := w.loadCase(r)
	if err != nil {
		return err
	}
	p, err := w.caseView(r, c)
	if err != nil {
		return err
	}
	p.ActionErrors = problems
	w.render(rw, status, "case", p)
	return nil
}

// caseRef reads a case named by its key (VC-2026-0001) or number.
func (w *Web) caseRef(r *http.Request, v string) (int64, error) {
	if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 {
		return id, nil
	}
	if len(v) > 40 || !strings.HasPrefix(strings.ToUpper(v), "VC-") {
		return 0, errors.New("a case key such as VC-2026-0001")
	}
	c, err := w.store.CaseByKey(r.Context(), strings.ToUpper(v))
	if errors.Is(err, store.ErrNotFound) {
		return 0, fmt.Errorf("no case %s", v)
	}
	return c.ID, err
}
