package web

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/user"
	"github.com/vigil-psirt/vigil/internal/vcase"
)

// The case page's sections of case work: risk with the CVSS calculator,
// scope (product and affected branches), the fix of each branch, the CVE
// draft, the change request and the disclosure plan. Each section is its
// own form posting to its own route; a refused form shows the page again
// with the input kept and each problem next to its field.

// savedSections are the sections a saved form returns to (?done=risk#risk)
// and how the notice names them.
var savedSections = map[string]string{"risk": "Risk", "scope": "Product and branches", "fix": "Fix",
	"cve": "CVE draft", "change_request": "Change request", "plan": "Disclosure plan", "credits": "Credits and references"}

// Bounds of the lists a form may send, below casework's own.
const (
	maxListItems = 20 // CWEs, tags
	maxCommits   = 50
)

// riskForm is the risk evaluation with the CVSS calculators.
type riskForm struct {
	V31, V40             cvssForm
	CWE, Tags, Notes     string
	Exploited, PublicPoC bool
	Version              int
	Errors               map[string][]string
	Open                 bool
}

// scopeForm is the product and the affected branches.
type scopeForm struct {
	Product  string
	Products []option
	Branches []branchChoice
	Version  int
	Errors   map[string][]string
	Open     bool
}

// branchChoice is a branch that may be affected.
type branchChoice struct {
	ID         int64
	Product    string
	Name       string
	Maintained bool
	Checked    bool
}

// fixForm is the progress of one branch's fix.
type fixForm struct {
	Status, Commits, Release, AffectedFrom, Evidence string
	Statuses, Releases                               []option
	Errors                                           map[string][]string
	Open                                             bool
}

// cveForm is the CVE ID and the record's draft.
type cveForm struct {
	CVEID, Description, ProblemType string
	Version                         int
	Errors                          map[string][]string
	Open                            bool
}

// crForm is the change request (R4).
type crForm struct {
	Ref, Tracker, URL, State string
	Version                  int
	Errors                   map[string][]string
	Open                     bool
}

// creditsForm is the advisory's credits and references, one per line.
type creditsForm struct {
	Credits, References string
	Asked               []string // how the reporters asked to be credited
	Version             int
	Errors              map[string][]string
	Open                bool
}

// planForm is the planned disclosure, entered in UTC.
type planForm struct {
	When    string // 2006-01-02T15:04, UTC
	Version int
	Errors  map[string][]string
	Open    bool
}

var fixStatuses = []vcase.FixStatus{vcase.FixPending, vcase.FixInProgress, vcase.FixFixed, vcase.FixVerified}

// planLayout is how a datetime-local input writes a time.
const planLayout = "2006-01-02T15:04"

// workSections fills the case work sections from the stored case.
func (w *Web) workSections(r *http.Request, c vcase.Case, p *casePage) error {
	ctx := r.Context()
	s, _ := current(r)
	p.Editable = c.State != vcase.Disclosed && c.State != vcase.Rejected
	p.CanEditFixes = s.user.Role.Can(user.EditFixes) && engineerMay(s.user, c)
	p.Risk = riskForm{V31: newCVSSForm("3.1", c.Risk.CVSS31), V40: newCVSSForm("4.0", c.Risk.CVSS40),
		CWE: strings.Join(c.Risk.CWE, ", "), Tags: strings.Join(c.Risk.Tags, ", "), Notes: c.Risk.Notes,
		Exploited: c.Risk.Exploited, PublicPoC: c.Risk.PublicPoC, Version: c.Version}
	p.CVE = cveForm{CVEID: c.CVEID, Description: c.CVEDraft.Description, ProblemType: c.CVEDraft.ProblemType, Version: c.Version}
	p.CR = crForm{Version: c.Version}
	if cr := c.ChangeRequest; cr != nil {
		p.CR.Ref, p.CR.Tracker, p.CR.URL, p.CR.State = cr.Ref, cr.Tracker, cr.URL, cr.State
	}
	p.Credits = creditsForm{Credits: creditLines(c.Credits), References: referenceLines(c.References), Version: c.Version}
	for _, rep := range p.Reports {
		if rep.Reporter.CreditAs != "" {
			p.Credits.Asked = append(p.Credits.Asked, rep.Reporter.CreditAs)
		}
	}
	p.Plan = planForm{Version: c.Version}
	if t := c.PlannedDisclose; t != nil {
		p.Plan.When = t.UTC().Format(planLayout)
		p.PlannedLocal = t.In(w.zone).Format("2006-01-02 15:04 MST (-07:00)")
	}
	if rp, ok := w.svc.PlanRelease(c); ok {
		p.ReleasePlan = &rp
	}
	for i := range p.Fixes {
		f := p.Fixes[i].Fix
		ff := fixForm{Status: string(f.Status), Commits: strings.Join(f.Commits, "\n"), AffectedFrom: f.AffectedFrom, Evidence: f.Evidence}
		if f.ReleaseID != nil {
			ff.Release = strconv.FormatInt(*f.ReleaseID, 10)
		}
		if err := w.fixChoices(r, p.Fixes[i].BranchID, &ff); err != nil {
			return err
		}
		p.Fixes[i].Form = ff
	}
	if p.CanManage && p.Editable {
		p.Scope = scopeForm{Version: c.Version}
		if c.ProductID != nil {
			p.Scope.Product = strconv.FormatInt(*c.ProductID, 10)
		}
		var affected []int64
		for _, f := range c.Fixes {
			affected = append(affected, f.BranchID)
		}
		if err := w.scopeChoices(r, &p.Scope, affected); err != nil {
			return err
		}
	}
	prev, err := w.svc.PreviewCVE(ctx, c)
	if problems, ok := isInvalid(err); ok {
		p.LintNote = "The record cannot be drafted yet: " + strings.Join(problems, "; ")
	} else if err != nil {
		return err
	} else {
		p.Lint = prev.Problems
	}
	return nil
}

// fixChoices fills the statuses and the releases of the branch.
func (w *Web) fixChoices(r *http.Request, branchID int64, ff *fixForm) error {
	for _, st := range fixStatuses {
		ff.Statuses = append(ff.Statuses, option{Value: string(st), Text: label(string(st)), Selected: string(st) == ff.Status})
	}
	rels, err := w.store.ListReleases(r.Context(), branchID)
	if err != nil {
		return err
	}
	for _, rel := range rels {
		v := strconv.FormatInt(rel.ID, 10)
		ff.Releases = append(ff.Releases, option{Value: v, Text: rel.Version.String() + " (" + label(string(rel.State)) + ")", Selected: v == ff.Release})
	}
	return nil
}

// maxScopeProducts bounds the products the scope form lists.
const maxScopeProducts = 100

// scopeChoices lists the products and their branches.
func (w *Web) scopeChoices(r *http.Request, f *scopeForm, affected []int64) error {
	ps, err := w.store.ListProducts(r.Context())
	if err != nil {
		return err
	}
	if len(ps) > maxScopeProducts {
		ps = ps[:maxScopeProducts]
	}
	now := w.now()
	for _, pr := range ps {
		v := strconv.FormatInt(pr.ID, 10)
		f.Products = append(f.Products, option{Value: v, Text: pr.Name, Selected: v == f.Product})
		if f.Product != "" && v != f.Product {
			continue // once the product is chosen, only its branches
		}
		bs, err := w.store.ListBranches(r.Context(), pr.ID)
		if err != nil {
			return err
		}
		for _, b := range bs {
			f.Branches = append(f.Branches, branchChoice{ID: b.ID, Product: pr.Name, Name: b.Name, Maintained: b.MaintainedAt(now), Checked: slices.Contains(affected, b.ID)})
		}
	}
	return nil
}

// problemsByField sorts problems by the longest field path they start
// with ("risk.cwe[1]: ..." under "risk.cwe"); the rest go under "".
func problemsByField(problems []string, fields ...string) map[string][]string {
	out := map[string][]string{}
	for _, p := range problems {
		best := ""
		for _, f := range fields {
			if len(f) > len(best) && strings.HasPrefix(p, f) && len(p) > len(f) && strings.ContainsRune(":[.", rune(p[len(f)])) {
				best = f
			}
		}
		out[best] = append(out[best], p)
	}
	return out
}

// splitList splits a list typed with commas, spaces or new lines.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
}

// caseSave is one section's save: it reads the form into a patch (or
// problems), and on refusal puts the input and the problems into the page.
type caseSave struct {
	section string
	patch   func(r *http.Request) (casework.CasePatch, []string)
	refused func(r *http.Request, p *casePage, problems []string)
}

// saveCase applies a section's patch through casework with the form's
// version; success goes back to the section, a refusal shows the form.
func (w *Web) saveCase(cs caseSave) handlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		// The forms send the version they show; without one, as in the
		// API, the last write wins.
		var version *int
		if v := r.PostForm.Get("version"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return errBadRequest
			}
			version = &n
		}
		patch, problems := cs.patch(r)
		if len(problems) == 0 {
			patch.Version = version
			_, err = w.svc.UpdateCase(r.Context(), actor(r), id, patch)
			var invalid bool
			problems, invalid = isInvalid(err)
			switch {
			case errors.Is(err, store.ErrConflict):
				problems = []string{"The case was changed meanwhile by someone else: the form shows your input, the page the stored case. Save again to overwrite."}
			case err == nil:
				http.Redirect(rw, r, fmt.Sprintf("/ui/cases/%d?done=%s#%s", id, cs.section, cs.section), http.StatusSeeOther)
				return nil
			case !invalid:
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
		cs.refused(r, &p, problems)
		w.render(rw, http.StatusUnprocessableEntity, "case", p)
		return nil
	}
}

// saveRisk reads the risk form: both calculators, CWE, tags, flags, notes.
func (w *Web) saveRisk(rw http.ResponseWriter, r *http.Request) error {
	var v31, v40 cvssForm // per request: read fills them, refused shows them
	read := func(r *http.Request) (casework.CasePatch, []string) {
		get := r.PostForm.Get
		v31, v40 = readCVSSForm("3.1", get), readCVSSForm("4.0", get)
		problems := slices.Concat(v31.Problems, v40.Problems)
		risk := vcase.Risk{CVSS31: v31.Vector, CVSS40: v40.Vector, Exploited: get("exploited") != "", PublicPoC: get("public_poc") != "",
			Notes: strings.TrimSpace(get("notes"))}
		for _, cwe := range splitList(get("cwe")) {
			cwe = strings.ToUpper(cwe)
			if _, err := strconv.Atoi(cwe); err == nil {
				cwe = "CWE-" + cwe
			}
			risk.CWE = append(risk.CWE, cwe)
		}
		for _, t := range splitList(get("tags")) {
			risk.Tags = append(risk.Tags, strings.ToLower(t))
		}
		if len(risk.CWE) > maxListItems {
			problems = append(problems, fmt.Sprintf("risk.cwe: at most %d", maxListItems))
		}
		if len(risk.Tags) > maxListItems {
			problems = append(problems, fmt.Sprintf("risk.tags: at most %d", maxListItems))
		}
		if len(problems) > 0 {
			// casework is not asked: the case's own rules find the other
			// fields' problems, so that every problem shows at once.
			problems = append(problems, w.riskProblems(r, risk)...)
		}
		return casework.CasePatch{Risk: &risk}, problems
	}
	return w.saveCase(caseSave{section: "risk", patch: read, refused: func(r *http.Request, p *casePage, problems []string) {
		get := r.PostForm.Get
		// casework names the vectors risk.cvss31; the calculators own them.
		for i, pr := range problems {
			if strings.HasPrefix(pr, "risk.cvss") {
				problems[i] = strings.TrimPrefix(pr, "risk.")
			}
		}
		e := problemsByField(problems, "cvss31", "cvss40", "risk.cwe", "risk.tags", "risk.notes")
		v31.Problems, v40.Problems = e["cvss31"], e["cvss40"]
		p.Risk = riskForm{V31: v31, V40: v40, CWE: get("cwe"), Tags: get("tags"), Notes: get("notes"),
			Exploited: get("exploited") != "", PublicPoC: get("public_poc") != "", Version: p.Case.Version, Errors: e, Open: true}
	}})(rw, r)
}

// riskProblems are the problems the case's validation finds in the risk
// fields other than the vectors.
func (w *Web) riskProblems(r *http.Request, risk vcase.Risk) []string {
	id, err := pathID(r, "id")
	if err != nil {
		return nil
	}
	c, err := w.store.CaseByID(r.Context(), id)
	if err != nil {
		return nil // the save reports it
	}
	risk.CVSS31, risk.CVSS40 = "", ""
	c.Risk = risk
	var out []string
	if err := c.Validate(); err != nil {
		for _, l := range strings.Split(err.Error(), "\n") {
			if strings.HasPrefix(l, "risk.") {
				out = append(out, l)
			}
		}
	}
	return out
}

// saveScope reads the product and the affected branches.
func (w *Web) saveScope(rw http.ResponseWriter, r *http.Request) error {
	return w.saveCase(caseSave{section: "scope",
		patch: func(r *http.Request) (casework.CasePatch, []string) {
			var problems []string
			var patch casework.CasePatch
			if v := r.PostForm.Get("product"); v != "" {
				id, err := strconv.ParseInt(v, 10, 64)
				if err != nil || id <= 0 {
					problems = append(problems, "product_id: choose a product")
				} else {
					patch.ProductID = &id
				}
			}
			ids := []int64{}
			vals := r.PostForm["branch"]
			if len(vals) > 200 {
				return patch, []string{"affected_branches: at most 200"}
			}
			for _, v := range vals {
				id, err := strconv.ParseInt(v, 10, 64)
				if err != nil || id <= 0 {
					problems = append(problems, fmt.Sprintf("affected_branches: %q is not a branch", v))
					continue
				}
				ids = append(ids, id)
			}
			patch.AffectedBranches = &ids
			return patch, problems
		},
		refused: func(r *http.Request, p *casePage, problems []string) {
			f := scopeForm{Product: r.PostForm.Get("product"), Version: p.Case.Version, Open: true,
				Errors: problemsByField(problems, "product_id", "affected_branches")}
			var checked []int64
			for _, v := range r.PostForm["branch"] {
				if id, err := strconv.ParseInt(v, 10, 64); err == nil {
					checked = append(checked, id)
				}
			}
			if err := w.scopeChoices(r, &f, checked); err == nil {
				p.Scope = f
			}
		},
	})(rw, r)
}

// saveCVE reads the CVE ID and the record's draft.
func (w *Web) saveCVE(rw http.ResponseWriter, r *http.Request) error {
	return w.saveCase(caseSave{section: "cve",
		patch: func(r *http.Request) (casework.CasePatch, []string) {
			get := r.PostForm.Get
			id := strings.ToUpper(strings.TrimSpace(get("cve_id")))
			draft := vcase.CVEDraft{Description: strings.TrimSpace(get("description")), ProblemType: strings.TrimSpace(get("problem_type"))}
			return casework.CasePatch{CVEID: &id, CVEDraft: &draft}, nil
		},
		refused: func(r *http.Request, p *casePage, problems []string) {
			get := r.PostForm.Get
			p.CVE = cveForm{CVEID: get("cve_id"), Description: get("description"), ProblemType: get("problem_type"), Version: p.Case.Version, Open: true,
				Errors: problemsByField(problems, "cve_id", "cve_draft.description", "cve_draft.problem_type")}
		},
	})(rw, r)
}

// saveChangeRequest reads the change request.
func (w *Web) saveChangeRequest(rw http.ResponseWriter, r *http.Request) error {
	return w.saveCase(caseSave{section: "change_request",
		patch: func(r *http.Request) (casework.CasePatch, []string) {
			get := func(k string) string { return strings.TrimSpace(r.PostForm.Get(k)) }
			return casework.CasePatch{ChangeRequest: &vcase.ChangeRequest{Ref: get("ref"), Tracker: get("tracker"), URL: get("url"), State: get("state")}}, nil
		},
		refused: func(r *http.Request, p *casePage, problems []string) {
			get := r.PostForm.Get
			p.CR = crForm{Ref: get("ref"), Tracker: get("tracker"), URL: get("url"), State: get("state"), Version: p.Case.Version, Open: true,
				Errors: problemsByField(problems, "change_request.ref", "change_request.tracker", "change_request.url", "change_request.state")}
		},
	})(rw, r)
}

// savePlan reads the planned disclosure, a time in UTC.
func (w *Web) savePlan(rw http.ResponseWriter, r *http.Request) error {
	return w.saveCase(caseSave{section: "plan",
		patch: func(r *http.Request) (casework.CasePatch, []string) {
			t, err := parsePlan(r.PostForm.Get("planned"))
			if err != nil {
				return casework.CasePatch{}, []string{"planned_disclosure: " + err.Error()}
			}
			return casework.CasePatch{PlannedDisclosure: &t}, nil
		},
		refused: func(r *http.Request, p *casePage, problems []string) {
			p.Plan = planForm{When: r.PostForm.Get("planned"), Version: p.Case.Version, Open: true, Errors: problemsByField(problems, "planned_disclosure")}
		},
	})(rw, r)
}

// saveCredits reads the credits ("Name (type)" a line) and the references
// (a URL a line).
func (w *Web) saveCredits(rw http.ResponseWriter, r *http.Request) error {
	return w.saveCase(caseSave{section: "credits",
		patch: func(r *http.Request) (casework.CasePatch, []string) {
			credits, refs := parseCredits(r.PostForm.Get("credits")), parseReferences(r.PostForm.Get("references"))
			return casework.CasePatch{Credits: &credits, References: &refs}, nil
		},
		refused: func(r *http.Request, p *casePage, problems []string) {
			p.Credits.Credits, p.Credits.References = r.PostForm.Get("credits"), r.PostForm.Get("references")
			p.Credits.Errors, p.Credits.Open = problemsByField(problems, "credits", "references", "too many entries"), true
		},
	})(rw, r)
}

// creditTypes are CVE 5's credit types, as the case validates them.
var creditTypes = []string{"finder", "reporter", "analyst", "coordinator", "remediation_developer",
	"remediation_reviewer", "remediation_verifier", "tool", "sponsor", "other"}

// parseCredits reads "Name (type)" lines; a line without a known type in
// parentheses credits a finder.
func parseCredits(s string) []vcase.Credit {
	out := []vcase.Credit{}
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		c := vcase.Credit{Name: l, Type: "finder"}
		if i := strings.LastIndex(l, " ("); i > 0 && strings.HasSuffix(l, ")") {
			if t := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(l[i+2:len(l)-1])), " ", "_"); slices.Contains(creditTypes, t) {
				c.Name, c.Type = strings.TrimSpace(l[:i]), t
			}
		}
		out = append(out, c)
	}
	return out
}

func creditLines(cs []vcase.Credit) string {
	var ls []string
	for _, c := range cs {
		ls = append(ls, c.Name+" ("+strings.ReplaceAll(c.Type, "_", " ")+")")
	}
	return strings.Join(ls, "\n")
}

// parseReferences reads a URL a line.
func parseReferences(s string) []vcase.Reference {
	out := []vcase.Reference{}
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, vcase.Reference{URL: l})
		}
	}
	return out
}

func referenceLines(rs []vcase.Reference) string {
	var ls []string
	for _, r := range rs {
		ls = append(ls, r.URL)
	}
	return strings.Join(ls, "\n")
}

// parsePlan reads a date and time in UTC, as a datetime-local input or a
// person writes it.
func parsePlan(s string) (time.Time, error) {
	s = strings.TrimSuffix(strings.TrimSpace(s), "Z")
	if s == "" {
		return time.Time{}, errors.New("required: a date and time in UTC")
	}
	for _, layout := range []string{planLayout, "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("a date and time in UTC, such as 2026-04-02T14:00")
}

// saveFix records the progress of one branch's fix through casework, with
// the permission and the task-force rule of the API.
func (w *Web) saveFix(rw http.ResponseWriter, r *http.Request) error {
	c, err := w.loadCase(r)
	if err != nil {
		return err
	}
	branch, err := pathID(r, "branch")
	if err != nil {
		return err
	}
	if _, ok := c.Fix(branch); !ok {
		return store.ErrNotFound
	}
	get := r.PostForm.Get
	var patch casework.FixPatch
	var problems []string
	st := vcase.FixStatus(get("status"))
	if !slices.Contains(fixStatuses, st) {
		problems = append(problems, "status: choose a status")
	} else {
		patch.Status = &st
	}
	commits := []string{}
	for _, h := range splitList(get("commits")) {
		commits = append(commits, strings.ToLower(h))
	}
	if len(commits) > maxCommits {
		problems = append(problems, fmt.Sprintf("commits: at most %d", maxCommits))
	}
	patch.Commits = &commits
	if v := get("release"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			problems = append(problems, "release_id: choose a release")
		} else {
			patch.ReleaseID = &id
		}
	}
	from, evidence := strings.TrimSpace(get("affected_from")), strings.TrimSpace(get("evidence"))
	patch.AffectedFrom, patch.Evidence = &from, &evidence
	if len(problems) == 0 {
		_, err = w.svc.UpdateFix(r.Context(), actor(r), c.ID, branch, patch)
		var invalid bool
		if problems, invalid = isInvalid(err); !invalid {
			if err != nil {
				return err
			}
			http.Redirect(rw, r, fmt.Sprintf("/ui/cases/%d?done=fix#fix-%d", c.ID, branch), http.StatusSeeOther)
			return nil
		}
	}
	p, err := w.caseView(r, c)
	if err != nil {
		return err
	}
	// Problems of the fix read "fixes[2].commits[0]: ..."; the form's fields
	// are the fix's own.
	for i, pr := range problems {
		if strings.HasPrefix(pr, "fixes[") {
			if j := strings.Index(pr, "]."); j > 0 {
				problems[i] = pr[j+2:]
			}
		}
	}
	for i := range p.Fixes {
		if p.Fixes[i].BranchID != branch {
			continue
		}
		ff := fixForm{Status: get("status"), Commits: get("commits"), Release: get("release"), AffectedFrom: get("affected_from"), Evidence: get("evidence"),
			Open: true, Errors: problemsByField(problems, "status", "commits", "release_id", "affected_from", "evidence")}
		if err := w.fixChoices(r, branch, &ff); err != nil {
			return err
		}
		p.Fixes[i].Form = ff
	}
	w.render(rw, http.StatusUnprocessableEntity, "case", p)
	return nil
}
