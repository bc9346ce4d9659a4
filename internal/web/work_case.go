package web

import (
	"errors"
	"fmt"
	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/cve5"
	"github.com/vigil-psirt/vigil/internal/policy"
	"github.com/vigil-psirt/vigil/internal/report"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/user"
	"github.com/vigil-psirt/vigil/internal/vcase"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

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

// fixRow is the fix of one affected branch, with its form.
type fixRow struct {
	BranchID   int64
	Branch     string
	Fix        vcase.Fix
	Release    string
	Maintained bool
	Form       fixForm
}

// event is one line of the case's timeline.
type event struct {
	At     time.Time
	Actor  string
	Action string
	Object string
	Detail string
}

// caseForm is the triage form: title, summary, technical details,
// workaround and task force.
type caseForm struct {
	Title, Summary, Details, Workaround, TaskForce string
	Version                                        int
	Errors                                         map[string][]string
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
	Saved        string // the section saved, as the notice names it
	Clocks       []clock
	Fixes        []fixRow
	Reports      []report.Report
	ShowReports  bool
	Timeline     []event
	Reasons      []option

	// The sections completed by case work (work_forms.go).
	Editable     bool // the case is neither disclosed nor rejected
	CanEditFixes bool
	Risk         riskForm
	Scope        scopeForm
	CVE          cveForm
	Lint         []cve5.Problem
	LintNote     string // why there is no lint yet
	CR           crForm
	Credits      creditsForm
	Plan         planForm
	PlannedLocal string // the planned disclosure in the policy's zone
	ReleasePlan  *policy.ReleasePlan
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
	} else if s, ok := savedSections[d]; ok {
		p.Done, p.Saved = d, s
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
	p.Form = caseForm{Title: c.Title, Summary: c.Summary, Details: c.Details, Workaround: c.Workaround,
		TaskForce: strings.Join(c.TaskForce, ", "), Version: c.Version}
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
	objects := []string{"case:" + c.Key}
	for _, f := range c.Fixes {
		b := branches[f.BranchID]
		row := fixRow{BranchID: f.BranchID, Branch: b.Name, Fix: f, Maintained: b.MaintainedAt(now)}
		if f.ReleaseID != nil {
			row.Release = releases[*f.ReleaseID].Version.String()
		}
		p.Fixes = append(p.Fixes, row)
		objects = append(objects, fmt.Sprintf("case:%s/branch:%d", c.Key, f.BranchID))
	}
	if p.ShowReports {
		if p.Reports, err = w.store.ListReports(ctx, store.ReportFilter{CaseID: c.ID, Limit: 100}); err != nil {
			return p, err
		}
		for _, rep := range p.Reports {
			objects = append(objects, "report:"+rep.TrackingID)
		}
	}
	if err := w.workSections(r, c, &p); err != nil {
		return p, err
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
	form := caseForm{Title: r.PostForm.Get("title"), Summary: r.PostForm.Get("summary"), Details: r.PostForm.Get("details"),
		Workaround: r.PostForm.Get("workaround"), TaskForce: r.PostForm.Get("task_force")}
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
	details, workaround := strings.TrimSpace(form.Details), strings.TrimSpace(form.Workaround)
	_, err = w.svc.UpdateCase(r.Context(), actor(r), id, casework.CasePatch{Version: &version, Title: &title, Summary: &summary,
		Details: &details, Workaround: &workaround, TaskForce: &members})
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
	form.Errors = fieldErrors(problems, "title", "summary", "details", "workaround", "task_force")
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
