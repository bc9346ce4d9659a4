package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/vigil-psirt/vigil/internal/finding"
	"github.com/vigil-psirt/vigil/internal/policy"
	"github.com/vigil-psirt/vigil/internal/product"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/user"
)

// findingQuery is the filter of the findings list as the query string
// gives it: the values as typed, for the form, and the store's filter.
type findingQuery struct {
	Product, Vuln, Package, MinSeverity string
	Release, Branch                     int64
	Status                              []string
	Open                                bool
	Filter                              store.FindingFilter
}

// parseFindingQuery reads the findings filter from a query string and names
// every problem; the product's slug is resolved by the caller. It never
// fails: a value it cannot read is left out and said so.
func parseFindingQuery(q url.Values) (findingQuery, []string) {
	var problems []string
	var fq findingQuery
	fq.Product = qText(q, "product", &problems)
	fq.Vuln = qText(q, "vuln", &problems)
	fq.Package = qText(q, "package", &problems)
	fq.Release = qID(q, "release", &problems)
	fq.Branch = qID(q, "branch", &problems)
	f := store.FindingFilter{ReleaseID: fq.Release, BranchID: fq.Branch, Vuln: fq.Vuln, Package: fq.Package}
	seen := map[string]bool{}
	for _, s := range q["status"] {
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		if !slices.Contains(findingStatuses, finding.Status(s)) {
			problems = append(problems, fmt.Sprintf("status: %q is not one of affected, under_investigation, not_affected, fixed", clip(s, 40)))
			continue
		}
		fq.Status = append(fq.Status, s)
		f.Status = append(f.Status, finding.Status(s))
	}
	if v := q.Get("min_severity"); v != "" {
		if sev, err := policy.ParseSeverity(v); err != nil || len(v) > 20 {
			problems = append(problems, fmt.Sprintf("min_severity: %q is not a severity", clip(v, 40)))
		} else {
			fq.MinSeverity, f.MinSeverity = sev.String(), &sev
		}
	}
	switch v := q.Get("open"); v {
	case "", "false":
	case "true", "on", "1":
		fq.Open, f.Open = true, true
	default:
		problems = append(problems, fmt.Sprintf("open: must be true or false, not %q", clip(v, 40)))
	}
	fq.Filter = f
	return fq, problems
}

// findingRow is a finding in the list.
type findingRow struct {
	Finding finding.Finding
	Sev     sevBadge
	Release releaseRef
	Due     *clock
}

// releaseOption is a release in the filter's choice, grouped by product.
type releaseGroup struct {
	Product string
	Options []option
}

type findingsPage struct {
	layout
	Query      findingQuery
	Products   []option
	Releases   []releaseGroup
	Statuses   []option
	Severities []option
	Rows       []findingRow
	Pager      pager
	Filtered   bool
	Problems   []string
	CanManage  bool
	Tab        string
}

// findings lists findings with filters in the query string, most severe
// first, with their deadlines.
func (w *Web) findings(rw http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	fq, problems := parseFindingQuery(r.URL.Query())
	p := findingsPage{layout: w.layout(r, "Findings"), CanManage: permitted(r, user.ManageCases), Tab: "findings"}
	products, err := w.store.ListProducts(ctx)
	if err != nil {
		return err
	}
	if fq.Product != "" {
		i := slices.IndexFunc(products, func(pr product.Product) bool { return pr.Slug == fq.Product })
		if i < 0 {
			problems = append(problems, fmt.Sprintf("product: no product %q", clip(fq.Product, 40)))
			fq.Product = ""
		} else {
			fq.Filter.ProductID = products[i].ID
		}
	}
	p.Query, p.Problems = fq, problems
	p.Filtered = fq.Product != "" || fq.Release != 0 || fq.Branch != 0 || len(fq.Status) > 0 || fq.MinSeverity != "" || fq.Vuln != "" || fq.Package != "" || fq.Open
	for _, pr := range products {
		p.Products = append(p.Products, option{Value: pr.Slug, Text: pr.Name, Selected: pr.Slug == fq.Product})
		bs, err := w.store.ListBranches(ctx, pr.ID)
		if err != nil {
			return err
		}
		g := releaseGroup{Product: pr.Name}
		for _, b := range bs {
			rs, err := w.store.ListReleases(ctx, b.ID)
			if err != nil {
				return err
			}
			slices.SortFunc(rs, func(a, b product.Release) int { return b.Version.Compare(a.Version) })
			for _, rel := range rs {
				g.Options = append(g.Options, option{Value: strconv.FormatInt(rel.ID, 10), Text: pr.Name + " " + rel.Version.String(), Selected: rel.ID == fq.Release})
			}
		}
		if len(g.Options) > 0 {
			p.Releases = append(p.Releases, g)
		}
	}
	for _, st := range findingStatuses {
		p.Statuses = append(p.Statuses, option{Value: string(st), Text: label(string(st)), Selected: slices.Contains(fq.Status, string(st))})
	}
	for _, sev := range slices.Backward(policy.Severities()) {
		if sev == policy.None {
			continue
		}
		p.Severities = append(p.Severities, option{Value: sev.String(), Text: w.sevOf(sev.String(), 0).Label + " or higher", Selected: fq.MinSeverity == sev.String()})
	}
	n := pageParam(r)
	fq.Filter.Limit, fq.Filter.Offset = pageSize, (n-1)*pageSize
	fs, total, err := w.svc.Findings(ctx, fq.Filter)
	if err != nil {
		return err
	}
	var rids []int64
	for _, f := range fs {
		rids = append(rids, f.ReleaseID)
	}
	refs, err := w.releaseRefs(ctx, rids)
	if err != nil {
		return err
	}
	now := w.now()
	for _, f := range fs {
		row := findingRow{Finding: f, Sev: w.sevOf(f.SeverityName, f.Score), Release: refs[f.ReleaseID]}
		if f.Open() && f.ResolvedAt == nil {
			row.Due = dueOf(f.Clock, f.DueAt, now)
		}
		p.Rows = append(p.Rows, row)
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
	w.render(rw, status, "findings", p)
	return nil
}

// idLink is a vulnerability or record ID with where to read it.
type idLink struct {
	ID, Source, Href string
}

// vulnLinks links IDs to their public databases: CVE to NVD, the
// ecosystems' own IDs to osv.dev, Debian's to its security tracker.
func vulnLinks(ids []string) []idLink {
	var out []idLink
	seen := map[string]bool{}
	for _, raw := range ids {
		src, id, ok := strings.Cut(raw, ":")
		if !ok {
			src, id = "", raw
		}
		if id == "" || seen[raw] {
			continue
		}
		seen[raw] = true
		l := idLink{ID: id, Source: src}
		esc := url.PathEscape(id)
		switch up := strings.ToUpper(id); {
		case strings.HasPrefix(up, "CVE-"):
			l.Href = "https://nvd.nist.gov/vuln/detail/" + esc
		case src == "debian" || strings.HasPrefix(up, "DSA-") || strings.HasPrefix(up, "DLA-") || strings.HasPrefix(up, "DTSA-"):
			l.Href = "https://security-tracker.debian.org/tracker/" + esc
		case strings.HasPrefix(up, "GHSA-") || strings.HasPrefix(up, "GO-") || strings.HasPrefix(up, "PYSEC-") || strings.HasPrefix(up, "RUSTSEC-") || src == "osv":
			l.Href = "https://osv.dev/vulnerability/" + esc
		}
		out = append(out, l)
	}
	return out
}

// ruleForm is the form of an applicability rule, prefilled from a finding.
type ruleForm struct {
	Product, FromVersion, Ecosystem, Package, Versions, Vuln string
	Status, Justification, Reason, Note, Expires             string
	Errors                                                   map[string][]string
	Products, Statuses, Justifications, Reasons              []option
}

type findingPage struct {
	layout
	Finding   finding.Finding
	Sev       sevBadge
	Release   releaseRef
	Vuln      []idLink
	Records   []idLink
	Aliases   []idLink
	Due       *clock
	CRA       []clock
	Rule      *finding.Rule
	Plan      *planView
	CanManage bool
	Form      ruleForm
	Done      string
	Counts    []tally
}

func (w *Web) loadFinding(r *http.Request) (findingPage, error) {
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		return findingPage{}, err
	}
	f, err := w.svc.Finding(ctx, id)
	if err != nil {
		return findingPage{}, err
	}
	p := findingPage{layout: w.layout(r, f.Vuln+" in "+f.Component.Name), Finding: f, Sev: w.sevOf(f.SeverityName, f.Score),
		CanManage: permitted(r, user.ManageCases), Vuln: vulnLinks([]string{f.Vuln}), Records: vulnLinks(f.Records), Aliases: vulnLinks(f.Aliases)}
	p.Section = "/ui/findings"
	refs, err := w.releaseRefs(ctx, []int64{f.ReleaseID})
	if err != nil {
		return p, err
	}
	p.Release = refs[f.ReleaseID]
	now := w.now()
	if f.Open() && f.ResolvedAt == nil {
		p.Due = dueOf(f.Clock, f.DueAt, now)
		for _, d := range f.CRA {
			if c := dueOf(d.Name, &d.DueAt, now); c != nil {
				p.CRA = append(p.CRA, *c)
			}
		}
	}
	if f.RuleID != 0 {
		rule, err := w.store.RuleByID(ctx, f.RuleID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return p, err
		}
		if err == nil {
			p.Rule = &rule
		}
	}
	if f.Open() {
		plans, err := w.svc.ReleasePlans(ctx)
		if err != nil {
			return p, err
		}
		for _, pl := range plans {
			if slices.Contains(pl.Findings, f.ID) {
				v := w.planView(pl, p.Release.Product, p.Release.Slug)
				p.Plan = &v
			}
		}
	}
	eco, _, _ := strings.Cut(f.Component.Ecosystem, ":")
	p.Form = w.newRuleForm(r, ruleForm{Product: p.Release.Slug, FromVersion: p.Release.Version, Ecosystem: eco,
		Package: f.Component.Package, Vuln: f.Vuln, Status: string(finding.NotAffected)})
	return p, nil
}

// ruleStatuses are the statuses a rule may set.
var ruleStatuses = []finding.Status{finding.NotAffected, finding.Affected, finding.UnderInvestigation}

var justifications = []finding.Justification{finding.ComponentNotPresent, finding.VulnerableCodeNotPresent,
	finding.VulnerableCodeNotInExecutePath, finding.VulnerableCodeCannotBeControlledByAdversary, finding.InlineMitigationsAlreadyExist}

var ruleReasons = []finding.Reason{finding.FeatureNotUsed, finding.WorkaroundInPlace, finding.CustomModification, finding.OtherReason}

func (w *Web) newRuleForm(r *http.Request, f ruleForm) ruleForm {
	products, err := w.store.ListProducts(r.Context())
	if err == nil {
		f.Products = []option{{Value: "", Text: "Every product", Selected: f.Product == ""}}
		for _, p := range products {
			f.Products = append(f.Products, option{Value: p.Slug, Text: p.Name, Selected: p.Slug == f.Product})
		}
	}
	for _, s := range ruleStatuses {
		f.Statuses = append(f.Statuses, option{Value: string(s), Text: label(string(s)), Selected: f.Status == string(s)})
	}
	f.Justifications = []option{{Value: "", Text: "None (not for not affected)", Selected: f.Justification == ""}}
	for _, j := range justifications {
		f.Justifications = append(f.Justifications, option{Value: string(j), Text: label(string(j)), Selected: f.Justification == string(j)})
	}
	f.Reasons = []option{{Value: "", Text: "Choose a reason", Selected: f.Reason == ""}}
	for _, rr := range ruleReasons {
		f.Reasons = append(f.Reasons, option{Value: string(rr), Text: label(string(rr)), Selected: f.Reason == string(rr)})
	}
	return f
}

func (w *Web) findingPage(rw http.ResponseWriter, r *http.Request) error {
	p, err := w.loadFinding(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if q.Get("done") == "rule" {
		p.Done = "rule"
		p.Counts = doneCounts(q, "rule", "components", "findings", "added", "updated", "removed")
	}
	w.render(rw, http.StatusOK, "finding", p)
	return nil
}

// ruleFromForm reads a rule form; problems of its own (the expiry date) are
// added to problems, the rest is for finding.Rule.Validate.
func (w *Web) ruleFromForm(form url.Values, problems *[]string) (ruleForm, finding.Rule) {
	get := func(k string) string { return strings.TrimSpace(form.Get(k)) }
	f := ruleForm{Product: get("product"), FromVersion: get("from_version"), Ecosystem: get("ecosystem"), Package: get("package"),
		Versions: get("versions"), Vuln: get("vuln"), Status: get("status"), Justification: get("justification"), Reason: get("reason"),
		Note: strings.TrimSpace(form.Get("note")), Expires: get("expires_at")}
	rule := finding.Rule{Product: f.Product, FromVersion: f.FromVersion, Ecosystem: f.Ecosystem, Package: f.Package, Versions: f.Versions,
		Vuln: f.Vuln, Status: finding.Status(f.Status), Justification: finding.Justification(f.Justification), Reason: finding.Reason(f.Reason), Note: f.Note}
	if t := dateField(f.Expires, "expires_at", w.zone, problems); t != nil {
		end := t.In(w.zone).AddDate(0, 0, 1).UTC() // the rule holds through the day named
		rule.ExpiresAt = &end
	}
	return f, rule
}

// createRule records an applicability decision made on a finding and
// applies it at once; every problem is shown next to its field.
func (w *Web) createRule(rw http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := w.store.FindingByID(r.Context(), id); err != nil {
		return err
	}
	var problems []string
	f, rule := w.ruleFromForm(r.PostForm, &problems)
	if len(problems) > 0 { // every problem at once: the rule's own too
		rule.Author = actor(r).Name
		problems = append(problems, validationLines(rule.Validate())...)
	} else {
		var created finding.Rule
		created, stats, err := w.svc.CreateRule(r.Context(), actor(r), rule)
		inv, ok := isInvalid(err)
		switch {
		case err == nil:
			http.Redirect(rw, r, fmt.Sprintf("/ui/findings/%d?done=rule&rule=%d&components=%d&findings=%d&added=%d&updated=%d&removed=%d#status",
				id, created.ID, stats.Components, stats.Findings, stats.Added, stats.Updated, stats.Removed), http.StatusSeeOther)
			return nil
		case ok:
			problems = inv
		default:
			return err
		}
	}
	p, err := w.loadFinding(r)
	if err != nil {
		return err
	}
	f = w.newRuleForm(r, f)
	f.Errors = fieldErrors(problems, "product", "from_version", "ecosystem", "package", "versions", "vuln", "status", "justification", "reason", "note", "expires_at")
	p.Form = f
	w.render(rw, http.StatusUnprocessableEntity, "finding", p)
	return nil
}

// ruleRow is a rule in the list.
type ruleRow struct {
	Rule    finding.Rule
	Active  bool
	Expires string
}

type rulesPage struct {
	layout
	Rows      []ruleRow
	All       bool
	Product   string
	Products  []option
	Pager     pager
	CanManage bool
	Problems  []string
	Done      string
	Counts    []tally
	Tab       string
}

// rules lists the applicability rules, active ones or all, newest first.
func (w *Web) rules(rw http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	p := rulesPage{layout: w.layout(r, "Applicability rules"), CanManage: permitted(r, user.ManageCases), Tab: "rules"}
	p.Section = "/ui/findings"
	p.Product = qText(q, "product", &p.Problems)
	switch v := q.Get("all"); v {
	case "", "false":
	case "true":
		p.All = true
	default:
		p.Problems = append(p.Problems, fmt.Sprintf("all: must be true or false, not %q", clip(v, 40)))
	}
	products, err := w.store.ListProducts(ctx)
	if err != nil {
		return err
	}
	if p.Product != "" && !slices.ContainsFunc(products, func(pr product.Product) bool { return pr.Slug == p.Product }) {
		p.Problems = append(p.Problems, fmt.Sprintf("product: no product %q", clip(p.Product, 40)))
		p.Product = ""
	}
	for _, pr := range products {
		p.Products = append(p.Products, option{Value: pr.Slug, Text: pr.Name, Selected: pr.Slug == p.Product})
	}
	rs, err := w.svc.Rules(ctx, p.Product, p.All)
	if err != nil {
		return err
	}
	now := w.now()
	n := pageParam(r)
	total := len(rs)
	for _, rule := range rs[min((n-1)*pageSize, total):min(n*pageSize, total)] {
		row := ruleRow{Rule: rule, Active: rule.Active(now)}
		if e := rule.ExpiresAt; e != nil {
			// A rule made here expires at the end of the day named.
			if t := e.In(w.zone); t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 {
				row.Expires = "the end of " + t.AddDate(0, 0, -1).Format("2006-01-02")
			} else {
				row.Expires = t.Format("2006-01-02 15:04 MST")
			}
		}
		p.Rows = append(p.Rows, row)
	}
	p.Pager = pager{Page: n, Pages: max(1, (total+pageSize-1)/pageSize), Total: total}
	if n > 1 {
		p.Pager.Prev = pageURL(r, n-1)
	}
	if n*pageSize < total {
		p.Pager.Next = pageURL(r, n+1)
	}
	switch d := q.Get("done"); d {
	case "revoked", "already":
		p.Done = d
		p.Counts = doneCounts(q, "rule", "components", "findings", "added", "updated", "removed")
	}
	status := http.StatusOK
	if len(p.Problems) > 0 {
		status = http.StatusBadRequest
	}
	w.render(rw, status, "rules", p)
	return nil
}

// revokeRule ends a rule; its findings are decided again without it.
func (w *Web) revokeRule(rw http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	_, stats, err := w.svc.RevokeRule(r.Context(), actor(r), id)
	back := "/ui/rules"
	if r.PostForm.Get("all") == "true" {
		back += "?all=true&"
	} else {
		back += "?"
	}
	switch {
	case errors.Is(err, store.ErrConflict):
		http.Redirect(rw, r, fmt.Sprintf("%sdone=already&rule=%d", back, id), http.StatusSeeOther)
		return nil
	case err != nil:
		return err
	}
	http.Redirect(rw, r, fmt.Sprintf("%sdone=revoked&rule=%d&components=%d&findings=%d&added=%d&updated=%d&removed=%d",
		back, id, stats.Components, stats.Findings, stats.Added, stats.Updated, stats.Removed), http.StatusSeeOther)
	return nil
}

// rematch matches every component again and applies the rules and the
// policy anew; the feeds page shows what it did.
// It runs as a job: the page of its progress shows when it takes long.
func (w *Web) rematch(rw http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	return w.runJob(rw, r, "rematch", func(ctx context.Context, progress func(done, total int)) (string, error) {
		stats, err := w.svc.RematchProgress(ctx, a, progress)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("/ui/feeds?done=rematch&components=%d&findings=%d&added=%d&updated=%d&removed=%d",
			stats.Components, stats.Findings, stats.Added, stats.Updated, stats.Removed), nil
	})
}
