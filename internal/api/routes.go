package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/vigil-psirt/vigil/internal/audit"
	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/cveservices"
	"github.com/vigil-psirt/vigil/internal/outbox"
	"github.com/vigil-psirt/vigil/internal/policy"
	"github.com/vigil-psirt/vigil/internal/product"
	"github.com/vigil-psirt/vigil/internal/remote"
	"github.com/vigil-psirt/vigil/internal/report"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/subscription"
	"github.com/vigil-psirt/vigil/internal/user"
	"github.com/vigil-psirt/vigil/internal/vcase"
)

// table is the whole route table of the API: public routes first, then the
// team's, each with the permission it needs.
func (a *API) table() []route {
	pub := func(method, pattern, summary string, h handlerFunc) route {
		return route{Method: method, Pattern: pattern, Public: true, Summary: summary, h: h}
	}
	auth := func(method, pattern string, perm user.Permission, summary string, h handlerFunc) route {
		return route{Method: method, Pattern: pattern, Perm: perm, Summary: summary, h: h}
	}
	return []route{
		pub("GET", "/api/v1/openapi.json", "The OpenAPI 3.1 document of this API", a.openAPI),
		pub("POST", "/api/v1/intake", "Submit a vulnerability report (no login)", a.intake),
		pub("GET", "/api/v1/intake/{token}", "Follow a report with its secret status token", a.intakeStatus),
		pub("POST", "/api/v1/intake/{token}/messages", "Send a message to the team about a report", a.intakeMessage),
		pub("GET", "/api/v1/advisories", "Published advisories, newest first", a.listAdvisories),
		pub("GET", "/api/v1/advisories/{id}", "Every published revision of one advisory", a.getAdvisory),

		auth("GET", "/api/v1/me", "", "The user of the token", a.me),
		auth("GET", "/api/v1/users", user.ManageUsers, "List users", a.listUsers),
		auth("POST", "/api/v1/users", user.ManageUsers, "Create a user", a.createUser),
		auth("POST", "/api/v1/users/{id}/tokens", user.ManageUsers, "Issue an API token for a user", a.createToken),
		auth("DELETE", "/api/v1/tokens/{id}", user.ManageUsers, "Revoke an API token", a.revokeToken),
		auth("POST", "/api/v1/users/{id}/entitlements", user.ManageUsers, "Entitle a customer account to products' notifications (its support option)", byID(a, 200, a.entitle)),

		auth("GET", "/api/v1/products", user.ReadProducts, "List products", a.listProducts),
		auth("POST", "/api/v1/products", user.ManageProducts, "Create a product", a.createProduct),
		auth("GET", "/api/v1/products/{slug}", user.ReadProducts, "A product with its branches and releases", a.getProduct),
		auth("POST", "/api/v1/products/{slug}/branches", user.ManageProducts, "Add a branch", a.createBranch),
		auth("PATCH", "/api/v1/branches/{id}", user.ManageProducts, "Change a branch (maintenance, end of life)", byID(a, 200, a.svc.UpdateBranch)),
		auth("POST", "/api/v1/branches/{id}/releases", user.ManageProducts, "Plan a release; the version defaults to the next security upgrade", a.createRelease),
		auth("PATCH", "/api/v1/releases/{id}", user.ManageProducts, "Move a release through QA to publication", byID(a, 200, a.svc.UpdateRelease)),
		auth("GET", "/api/v1/supported", user.ReadProducts, "Supported products and their latest stable versions (R11)", a.supported),

		auth("GET", "/api/v1/reports", user.ReadReports, "List reports", a.listReports),
		auth("POST", "/api/v1/reports", user.ReadReports, "Record a report received by mail or ticket", a.createReport),
		auth("GET", "/api/v1/reports/{id}", user.ReadReports, "A report with its messages", a.getReport),
		auth("POST", "/api/v1/reports/{id}/link", user.ManageCases, "Merge a report into a case", byID(a, 200, a.linkReport)),
		auth("POST", "/api/v1/reports/{id}/messages", user.ReadReports, "Send a message to the reporter", byID(a, http.StatusCreated, a.teamMessage)),

		auth("GET", "/api/v1/cases", user.ReadCases, "List cases", a.listCases),
		auth("GET", "/api/v1/cases/{id}", user.ReadCases, "A case with its allowed transitions and deadlines", a.getCase),
		auth("PATCH", "/api/v1/cases/{id}", user.ManageCases, "Edit a case: risk, CVE, change request, disclosure plan", caseChange(a, a.svc.UpdateCase)),
		auth("PATCH", "/api/v1/cases/{id}/fixes/{branch}", user.EditFixes, "Record a fix's progress and verification on a branch", a.updateFix),
		auth("POST", "/api/v1/cases/{id}/transitions", user.ManageCases, "Take a lifecycle transition", caseChange(a, a.transition)),
		auth("GET", "/api/v1/cases/{id}/cve", user.ReadCases, "The CVE record the case would publish, with every lint problem", a.previewCVE),
		auth("POST", "/api/v1/cases/{id}/revisions", user.ManageCases, "Publish the next revision of a disclosed case's advisory, or withdraw it", byID(a, http.StatusCreated, a.svc.Revise)),

		auth("GET", "/api/v1/schedule", user.ReadSchedule, "Coming disclosures with their announcement summary (R10)", a.schedule),
		auth("GET", "/api/v1/audit", user.ReadAudit, "The audit trail, newest first", a.listAudit),
		auth("GET", "/api/v1/audit/verify", user.ReadAudit, "Verify the audit hash chain", a.verifyAudit),
		auth("GET", "/api/v1/outbox", user.ReadAudit, "Outgoing messages and their delivery state", a.listOutbox),
		auth("GET", "/api/v1/policy", user.ReadProducts, "The policy in force", a.getPolicy),

		auth("POST", "/api/v1/cve/reserve", user.ManageCases, "Reserve CVE IDs through CVE Services (as a CNA)", a.reserveCVE),
		auth("GET", "/api/v1/cve", user.ManageCases, "The CVE IDs reserved through vigil and what became of them", a.listCVE),
		auth("GET", "/api/v1/cve/unused", user.ManageCases, "Reserved CVE IDs no case uses, older than a number of days", a.unusedCVE),
		auth("POST", "/api/v1/cve/sync", user.ManageCases, "Record the reserved CVE IDs CVE Services holds that vigil does not know", a.syncCVE),
		auth("POST", "/api/v1/cve/{id}/reject", user.ManageCases, "Reject an unused reserved CVE ID through CVE Services", a.rejectCVE),

		auth("PUT", "/api/v1/releases/{id}/sbom", user.ManageProducts, "Replace a release's SBOM and match its components (R12)", a.putSBOM),
		auth("GET", "/api/v1/releases/{id}/sbom", user.ReadProducts, "The SBOM of a release as it was imported", a.getSBOM),
		auth("GET", "/api/v1/releases/{id}/components", user.ReadProducts, "The components of a release, from its SBOM", a.listComponents),
		auth("GET", "/api/v1/findings", user.ReadCases, "Findings: upstream vulnerabilities matched to release components, most severe first", a.listFindings),
		auth("GET", "/api/v1/findings/{id}", user.ReadCases, "One finding", a.getFinding),
		auth("POST", "/api/v1/findings/rematch", user.ManageCases, "Match every component again and apply the rules and the policy anew", a.rematch),
		auth("GET", "/api/v1/rules", user.ReadCases, "Applicability rules, newest first (R14)", a.listRules),
		auth("POST", "/api/v1/rules", user.ManageCases, "Record an applicability decision and apply it to the findings (R14)", a.createRule),
		auth("DELETE", "/api/v1/rules/{id}", user.ManageCases, "Revoke an applicability rule; its findings are decided again", a.revokeRule),
		auth("GET", "/api/v1/plans", user.ReadCases, "The next release each maintained branch needs for its open findings (R16, R17)", a.listPlans),
		auth("GET", "/api/v1/feeds/runs", user.ReadAudit, "Imports and syncs of the vulnerability feeds, newest first", a.listFeedRuns),
	}
}

func (a *API) intake(w http.ResponseWriter, r *http.Request) error {
	if !a.limit.allow(remote.Addr(r, a.opts.TrustProxy)) {
		w.Header().Set("Retry-After", "60")
		return errRateLimited
	}
	var in struct {
		Title       string         `json:"title"`
		Body        string         `json:"body"`
		Reporter    report.Contact `json:"reporter"`
		ProductHint string         `json:"product_hint"`
	}
	if err := decode(w, r, a.opts.MaxIntake, &in); err != nil {
		return err
	}
	rep := report.Report{Channel: report.Web, Visibility: report.Private, Title: in.Title, Body: in.Body, Reporter: in.Reporter, ProductHint: in.ProductHint}
	_, rc, err := a.svc.Submit(r.Context(), casework.Public, rep)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]string{"tracking_id": rc.TrackingID, "status_url": rc.StatusURL, "status_token": rc.Token})
}

func (a *API) intakeStatus(w http.ResponseWriter, r *http.Request) error {
	v, err := a.svc.ReporterStatus(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	return writeJSON(w, 200, v)
}

func (a *API) intakeMessage(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Body string `json:"body"`
	}
	if err := decode(w, r, a.opts.MaxIntake, &in); err != nil {
		return err
	}
	if err := a.svc.ReporterMessage(r.Context(), r.PathValue("token"), in.Body); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) listAdvisories(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := page(r)
	if err != nil {
		return err
	}
	revs, err := a.store.LatestRevisions(r.Context(), limit, offset)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, list(revs))
}

func (a *API) getAdvisory(w http.ResponseWriter, r *http.Request) error {
	revs, err := a.store.RevisionsOf(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, 200, map[string]any{"id": r.PathValue("id"), "revisions": revs})
}

// list makes a nil slice render as [].
func list[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (a *API) me(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, 200, currentUser(r))
}

func (a *API) listUsers(w http.ResponseWriter, r *http.Request) error {
	us, err := a.store.ListUsers(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, 200, list(us))
}

func (a *API) createUser(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name  string    `json:"name"`
		Email string    `json:"email"`
		Role  user.Role `json:"role"`
	}
	if err := decode(w, r, a.opts.MaxBody, &in); err != nil {
		return err
	}
	u, err := a.svc.CreateUser(r.Context(), actor(r), user.User{Name: in.Name, Email: in.Email, Role: in.Role})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, u)
}

func (a *API) createToken(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Label     string     `json:"label"`
		ExpiresAt *time.Time `json:"expires_at"`
	}
	if err := decode(w, r, a.opts.MaxBody, &in); err != nil {
		return err
	}
	t, plain, err := a.svc.IssueToken(r.Context(), actor(r), id, in.Label, in.ExpiresAt)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]any{"token": plain, "id": t.ID, "label": t.Label, "expires_at": t.ExpiresAt})
}

func (a *API) revokeToken(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.svc.RevokeToken(r.Context(), actor(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) listProducts(w http.ResponseWriter, r *http.Request) error {
	ps, err := a.store.ListProducts(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, 200, list(ps))
}

func (a *API) createProduct(w http.ResponseWriter, r *http.Request) error {
	var in product.Product
	if err := decode(w, r, a.opts.MaxBody, &in); err != nil {
		return err
	}
	p, err := a.svc.CreateProduct(r.Context(), actor(r), product.Product{Slug: in.Slug, Name: in.Name, Description: in.Description, Upstreams: in.Upstreams})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, p)
}

// branchView is a branch with its releases and next security upgrade version.
type branchView struct {
	product.Branch
	Releases     []product.Release `json:"releases"`
	LatestStable string            `json:"latest_stable,omitempty"`
	NextUpgrade  string            `json:"next_upgrade,omitempty"` // for those who work on cases
}

func (a *API) productView(r *http.Request, slug string) (product.Product, []branchView, error) {
	p, err := a.store.ProductBySlug(r.Context(), slug)
	if err != nil {
		return p, nil, err
	}
	bs, err := a.store.ListBranches(r.Context(), p.ID)
	if err != nil {
		return p, nil, err
	}
	views := []branchView{}
	for _, b := range bs {
		rs, err := a.store.ListReleases(r.Context(), b.ID)
		if err != nil {
			return p, nil, err
		}
		// Planned and QA releases announce a coming security release: only
		// those who work on cases see them before publication (R7).
		insider := currentUser(r).Role.Can(user.ReadCases)
		v := branchView{Branch: b, Releases: []product.Release{}}
		for _, rel := range rs {
			if insider || rel.State == product.Published {
				v.Releases = append(v.Releases, rel)
			}
		}
		var vs []product.Version
		var latest product.Version
		for _, rel := range rs {
			vs = append(vs, rel.Version)
			if rel.State == product.Published && rel.Version.Compare(latest) > 0 {
				latest = rel.Version
			}
		}
		if !latest.IsZero() {
			v.LatestStable = latest.String()
		}
		if next, err := product.NextSecurityRelease(b.Name, vs); err == nil && insider {
			v.NextUpgrade = next.String()
		}
		views = append(views, v)
	}
	return p, views, nil
}

func (a *API) getProduct(w http.ResponseWriter, r *http.Request) error {
	p, views, err := a.productView(r, r.PathValue("slug"))
	if err != nil {
		return err
	}
	return writeJSON(w, 200, map[string]any{"product": p, "branches": views})
}

func (a *API) supported(w http.ResponseWriter, r *http.Request) error {
	ps, err := a.store.ListProducts(r.Context())
	if err != nil {
		return err
	}
	type row struct {
		Product      string   `json:"product"`
		Slug         string   `json:"slug"`
		Branches     []string `json:"maintained_branches"`
		LatestStable string   `json:"latest_stable,omitempty"`
		Upstreams    []string `json:"upstreams,omitempty"`
	}
	rows := []row{}
	now := a.svc.Now()
	for _, p := range ps {
		_, views, err := a.productView(r, p.Slug)
		if err != nil {
			return err
		}
		rw := row{Product: p.Name, Slug: p.Slug, Branches: []string{}, Upstreams: p.Upstreams}
		var latest product.Version
		for _, v := range views {
			if !v.MaintainedAt(now) {
				continue
			}
			rw.Branches = append(rw.Branches, v.Name)
			if v.LatestStable != "" {
				if lv := product.MustVersion(v.LatestStable); lv.Compare(latest) > 0 {
					latest = lv
				}
			}
		}
		if !latest.IsZero() {
			rw.LatestStable = latest.String()
		}
		if len(rw.Branches) > 0 {
			rows = append(rows, rw)
		}
	}
	return writeJSON(w, 200, rows)
}

func (a *API) createBranch(w http.ResponseWriter, r *http.Request) error {
	p, err := a.store.ProductBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	var in struct {
		Name   string               `json:"name"`
		Status product.BranchStatus `json:"status"`
		Since  *time.Time           `json:"since"`
		EOL    *time.Time           `json:"eol"`
	}
	if err := decode(w, r, a.opts.MaxBody, &in); err != nil {
		return err
	}
	b, err := a.svc.CreateBranch(r.Context(), actor(r), product.Branch{ProductID: p.ID, Name: in.Name, Status: in.Status, Since: in.Since, EOL: in.EOL})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, b)
}

func (a *API) createRelease(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in casework.NewRelease
	if err := decode(w, r, a.opts.MaxBody, &in); err != nil {
		return err
	}
	in.BranchID = id
	rel, err := a.svc.CreateRelease(r.Context(), actor(r), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, rel)
}

func (a *API) listReports(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := page(r)
	if err != nil {
		return err
	}
	f := store.ReportFilter{State: report.State(r.URL.Query().Get("state")), Limit: limit, Offset: offset}
	if f.State != "" && !slices.Contains([]report.State{report.New, report.Linked, report.Duplicate, report.Closed}, f.State) {
		return badRequest{"state: must be new, linked, duplicate or closed"}
	}
	rs, err := a.store.ListReports(r.Context(), f)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, list(rs))
}

func (a *API) createReport(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Channel     report.Channel    `json:"channel"`
		Visibility  report.Visibility `json:"visibility"`
		Title       string            `json:"title"`
		Body        string            `json:"body"`
		Reporter    report.Contact    `json:"reporter"`
		ProductHint string            `json:"product_hint"`
		ExternalRef string            `json:"external_ref"`
	}
	if err := decode(w, r, a.opts.MaxBody, &in); err != nil {
		return err
	}
	if in.Channel == "" {
		in.Channel = report.API
	}
	rep, rc, err := a.svc.Submit(r.Context(), actor(r), report.Report{Channel: in.Channel, Visibility: in.Visibility, Title: in.Title,
		Body: in.Body, Reporter: in.Reporter, ProductHint: in.ProductHint, ExternalRef: in.ExternalRef})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]any{"report": rep, "status_url": rc.StatusURL})
}

func (a *API) getReport(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rep, err := a.store.ReportByID(r.Context(), id)
	if err != nil {
		return err
	}
	if err := a.svc.RecordRead(r.Context(), actor(r), "report.read", "report:"+rep.TrackingID, nil); err != nil {
		return err
	}
	msgs, err := a.store.ListReportMessages(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, map[string]any{"report": rep, "messages": list(msgs)})
}

// engineerMay reports whether an engineer works on the case: engineers see
// only the cases whose task force names them.
func engineerMay(u user.User, c vcase.Case) bool {
	return u.Role != user.Engineer || slices.Contains(c.TaskForce, u.Name)
}

func (a *API) listCases(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := page(r)
	if err != nil {
		return err
	}
	f := store.CaseFilter{Limit: limit, Offset: offset}
	for _, s := range r.URL.Query()["state"] {
		if !slices.Contains(vcase.States, vcase.State(s)) {
			return badRequest{fmt.Sprintf("state: %q is not a case state", s)}
		}
		f.States = append(f.States, vcase.State(s))
	}
	cs, err := a.store.ListCases(r.Context(), f)
	if err != nil {
		return err
	}
	u := currentUser(r)
	out := []vcase.Case{}
	var embargoed []string
	for _, c := range cs {
		if engineerMay(u, c) {
			out = append(out, c)
			if casework.Embargoed(c) {
				embargoed = append(embargoed, c.Key)
			}
		}
	}
	if len(embargoed) > 0 {
		if err := a.svc.RecordRead(r.Context(), actor(r), "case.list", "cases", map[string]any{"cases": embargoed}); err != nil {
			return err
		}
	}
	return writeJSON(w, 200, out)
}

// caseView is a case with what may happen next and its clocks.
type caseView struct {
	vcase.Case
	Allowed   map[vcase.Transition][]string `json:"allowed"`
	Deadlines []deadlineView                `json:"deadlines"`
	Reports   []report.Report               `json:"reports"`
	Advisory  string                        `json:"advisory,omitempty"`
	// PlannedLocal is the planned disclosure in the policy's zone, zone named.
	PlannedLocal string `json:"planned_disclosure_local,omitempty"`
	// ReleasePlan proposes the release for the fixes while the case is being fixed.
	ReleasePlan *releasePlanView `json:"release_plan,omitempty"`
}

type releasePlanView struct {
	Kind        string    `json:"kind"` // regular or urgent
	WindowStart time.Time `json:"window_start"`
	WindowEnd   time.Time `json:"window_end"`
	Reason      string    `json:"reason"`
}

type deadlineView struct {
	Clock    string    `json:"clock"`
	Name     string    `json:"name"`
	Start    time.Time `json:"start"`
	Due      time.Time `json:"due"`
	DueLocal string    `json:"due_local"` // in the policy's zone, with the zone named
	Stopped  time.Time `json:"stopped,omitzero"`
	Met      bool      `json:"met"`
	Breached bool      `json:"breached"`
}

func (a *API) view(r *http.Request, c vcase.Case) (caseView, error) {
	v := caseView{Case: c, Deadlines: []deadlineView{}}
	if c.PlannedDisclose != nil {
		v.PlannedLocal = c.PlannedDisclose.In(a.svc.Policy.Zone).Format("2006-01-02 15:04 MST (-07:00)")
	}
	var err error
	if v.Allowed, err = a.svc.Allowed(r.Context(), c); err != nil {
		return v, err
	}
	now := a.svc.Now()
	for _, d := range a.svc.Deadlines(c) {
		v.Deadlines = append(v.Deadlines, deadlineView{Clock: d.Clock.ID, Name: d.Clock.Name, Start: d.Start.UTC(), Due: d.Due.UTC(),
			DueLocal: d.Due.In(a.svc.Policy.Zone).Format("2006-01-02 15:04 MST (-07:00)"), Stopped: d.Stopped, Met: d.Met(), Breached: d.Breached(now)})
	}
	if p, ok := a.svc.PlanRelease(c); ok {
		v.ReleasePlan = &releasePlanView{Kind: string(p.Kind), WindowStart: p.WindowStart.UTC(), WindowEnd: p.WindowEnd.UTC(), Reason: p.Reason}
	}
	if currentUser(r).Role.Can(user.ReadReports) {
		rs, err := a.store.ListReports(r.Context(), store.ReportFilter{CaseID: c.ID, Limit: 500})
		if err != nil {
			return v, err
		}
		v.Reports = list(rs)
	}
	if c.State == vcase.Disclosed {
		v.Advisory, _ = a.store.AdvisoryIDByCase(r.Context(), c.ID)
	}
	return v, nil
}

// readCase loads the case of the path for the caller: engineers only see
// the cases whose task force names them, and a person's read of an
// embargoed case is audited.
func (a *API) readCase(r *http.Request) (vcase.Case, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return vcase.Case{}, err
	}
	c, err := a.store.CaseByID(r.Context(), id)
	if err != nil {
		return c, err
	}
	if !engineerMay(currentUser(r), c) {
		return c, store.ErrNotFound
	}
	return a.svc.Case(r.Context(), actor(r), id)
}

func (a *API) getCase(w http.ResponseWriter, r *http.Request) error {
	c, err := a.readCase(r)
	if err != nil {
		return err
	}
	v, err := a.view(r, c)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, v)
}

func (a *API) previewCVE(w http.ResponseWriter, r *http.Request) error {
	c, err := a.readCase(r)
	if err != nil {
		return err
	}
	p, err := a.svc.PreviewCVE(r.Context(), c)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, p)
}

func (a *API) updateFix(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	branch, err := pathID(r, "branch")
	if err != nil {
		return err
	}
	c, err := a.store.CaseByID(r.Context(), id)
	if err != nil {
		return err
	}
	if !engineerMay(currentUser(r), c) {
		return store.ErrNotFound
	}
	var in casework.FixPatch
	if err := decode(w, r, a.opts.MaxBody, &in); err != nil {
		return err
	}
	c, err = a.svc.UpdateFix(r.Context(), actor(r), id, branch, in)
	if err != nil {
		return err
	}
	v, err := a.view(r, c)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, v)
}

func (a *API) schedule(w http.ResponseWriter, r *http.Request) error {
	s, err := a.svc.Schedule(r.Context())
	if err != nil {
		return err
	}
	if err := a.svc.RecordRead(r.Context(), actor(r), "schedule.read", "schedule", nil); err != nil {
		return err
	}
	return writeJSON(w, 200, s)
}

func (a *API) listAudit(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := page(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	es, err := a.store.ListAudit(r.Context(), store.AuditFilter{Object: q.Get("object"), Actor: q.Get("actor"), Action: q.Get("action"), Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	return writeJSON(w, 200, list(es))
}

func (a *API) verifyAudit(w http.ResponseWriter, r *http.Request) error {
	n, err := a.store.VerifyAudit(r.Context())
	if err != nil && !errors.Is(err, auditBroken) {
		return err
	}
	out := map[string]any{"events": n, "ok": err == nil}
	if err != nil {
		out["error"] = err.Error()
	}
	return writeJSON(w, 200, out)
}

func (a *API) listOutbox(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := page(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.OutboxFilter{State: outbox.State(q.Get("state")), Channel: outbox.Channel(q.Get("channel")), Limit: limit, Offset: offset}
	if f.State != "" && !slices.Contains([]outbox.State{outbox.Pending, outbox.Sent, outbox.Failed}, f.State) {
		return badRequest{"state: must be pending, sent or failed"}
	}
	ms, err := a.store.ListMessages(r.Context(), f)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, list(ms))
}

func (a *API) getPolicy(w http.ResponseWriter, r *http.Request) error {
	p := a.svc.Policy
	type clock struct {
		ID            string            `json:"id"`
		Name          string            `json:"name"`
		Start         string            `json:"start"`
		Stop          string            `json:"stop,omitempty"`
		Duration      string            `json:"duration"`
		Severities    []policy.Severity `json:"severities"`
		ExploitedOnly bool              `json:"exploited_only"`
	}
	out := struct {
		Name   string  `json:"name"`
		Zone   string  `json:"zone"`
		Clocks []clock `json:"clocks"`
	}{Name: p.Name, Zone: p.Zone.String(), Clocks: []clock{}}
	for _, c := range p.Clocks {
		out.Clocks = append(out.Clocks, clock{c.ID, c.Name, string(c.Start), string(c.Stop), c.Duration.String(), list(c.Severities), c.ExploitedOnly})
	}
	return writeJSON(w, 200, out)
}

var auditBroken = audit.ErrBroken

// cveProblem renders the errors of the CVE Services routes that the
// generic mapping does not know: CVE Services not configured, an ID in
// use, the quota, and CVE Services' own refusals and failures (502, 503).
func (a *API) cveProblem(w http.ResponseWriter, r *http.Request, err error) error {
	var upstream *cveservices.Error
	switch {
	case errors.Is(err, casework.ErrNoCVEServices), errors.Is(err, casework.ErrCVEIDInUse):
		writeProblem(w, problem{Status: 409, Title: "Conflict", Detail: err.Error()})
	case errors.Is(err, cveservices.ErrQuota):
		writeProblem(w, problem{Status: 409, Title: "CVE ID quota exceeded", Detail: err.Error()})
	case errors.Is(err, cveservices.ErrRateLimited):
		var e *cveservices.Error
		errors.As(err, &e)
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(e.RetryAfter.Seconds()))))
		writeProblem(w, problem{Status: 503, Title: "CVE Services rate limit", Detail: "CVE Services asks to wait before the next request"})
	case errors.As(err, &upstream) && upstream.Status < 500:
		// CVE Services' own words about the request: no secret in them.
		writeProblem(w, problem{Status: 502, Title: "CVE Services refused the request", Detail: err.Error()})
	case errors.As(err, &upstream), cveservices.Temporary(err):
		a.opts.Log.Error("cve services", "method", r.Method, "path", r.URL.Path, "err", err)
		writeProblem(w, problem{Status: 502, Title: "CVE Services failed", Detail: "CVE Services could not be reached or failed; try again later"})
	default:
		return err
	}
	return nil
}

func (a *API) reserveCVE(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Amount int               `json:"amount"`
		Year   int               `json:"year"`
		Batch  cveservices.Batch `json:"batch"`
	}
	if err := decode(w, r, a.opts.MaxBody, &in); err != nil {
		return err
	}
	res, err := a.svc.ReserveCVEIDs(r.Context(), actor(r), in.Amount, in.Year, in.Batch)
	if err != nil {
		return a.cveProblem(w, r, err)
	}
	return writeJSON(w, http.StatusCreated, res)
}

func cveIDState(s string) (store.CVEIDState, error) {
	st := store.CVEIDState(s)
	if st != "" && !slices.Contains([]store.CVEIDState{store.CVEIDReserved, store.CVEIDAssigned, store.CVEIDPublished, store.CVEIDRejected}, st) {
		return "", badRequest{"state: must be reserved, assigned, published or rejected"}
	}
	return st, nil
}

func (a *API) listCVE(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := page(r)
	if err != nil {
		return err
	}
	st, err := cveIDState(r.URL.Query().Get("state"))
	if err != nil {
		return err
	}
	ids, err := a.svc.CVEIDs(r.Context(), store.CVEIDFilter{State: st, Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	return writeJSON(w, 200, list(ids))
}

func (a *API) unusedCVE(w http.ResponseWriter, r *http.Request) error {
	days := 30
	if v := r.URL.Query().Get("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 3650 {
			return badRequest{"days: must be 0-3650"}
		}
		days = n
	}
	ids, err := a.svc.UnusedCVEIDs(r.Context(), time.Duration(days)*24*time.Hour)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, list(ids))
}

func (a *API) syncCVE(w http.ResponseWriter, r *http.Request) error {
	var in struct{}
	if err := decode(w, r, a.opts.MaxBody, &in); err != nil {
		return err
	}
	added, err := a.svc.SyncCVEIDs(r.Context(), actor(r))
	if err != nil {
		return a.cveProblem(w, r, err)
	}
	return writeJSON(w, 200, list(added))
}

func (a *API) rejectCVE(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decode(w, r, a.opts.MaxBody, &in); err != nil {
		return err
	}
	v, err := a.svc.RejectCVEID(r.Context(), actor(r), r.PathValue("id"), in.Reason)
	if err != nil {
		return a.cveProblem(w, r, err)
	}
	return writeJSON(w, 200, v)
}

// byID is the handler of a change to the resource whose id is in the path:
// it decodes the body into In, applies it and answers with status and the
// result.
func byID[In, Out any](a *API, status int, apply func(context.Context, casework.Actor, int64, In) (Out, error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		var in In
		if err := decode(w, r, a.opts.MaxBody, &in); err != nil {
			return err
		}
		out, err := apply(r.Context(), actor(r), id, in)
		if err != nil {
			return err
		}
		return writeJSON(w, status, out)
	}
}

// entitlement is the body of an entitlement.
type entitlement struct {
	Products []string `json:"products"`
}

func (a *API) entitle(ctx context.Context, who casework.Actor, id int64, in entitlement) ([]subscription.Subscription, error) {
	subs, err := a.svc.Entitle(ctx, who, id, in.Products)
	return list(subs), err
}

type link struct {
	CaseID int64 `json:"case_id"`
}

func (a *API) linkReport(ctx context.Context, who casework.Actor, id int64, in link) (report.Report, error) {
	return a.svc.LinkReport(ctx, who, id, in.CaseID)
}

type message struct {
	Body string `json:"body"`
}

func (a *API) teamMessage(ctx context.Context, who casework.Actor, id int64, in message) (report.Message, error) {
	return a.svc.TeamMessage(ctx, who, id, in.Body)
}

// caseChange is the handler of a change to the case of the path: it decodes
// the body into In, applies it and answers with the case's view.
func caseChange[In any](a *API, apply func(context.Context, casework.Actor, int64, In) (vcase.Case, error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		var in In
		if err := decode(w, r, a.opts.MaxBody, &in); err != nil {
			return err
		}
		c, err := apply(r.Context(), actor(r), id, in)
		if err != nil {
			return err
		}
		v, err := a.view(r, c)
		if err != nil {
			return err
		}
		return writeJSON(w, 200, v)
	}
}

// transitionRequest is the body of a transition.
type transitionRequest struct {
	Transition vcase.Transition `json:"transition"`
	casework.TransitionArgs
}

func (a *API) transition(ctx context.Context, who casework.Actor, id int64, in transitionRequest) (vcase.Case, error) {
	if !slices.Contains(vcase.Transitions, in.Transition) {
		return vcase.Case{}, &casework.InvalidError{Problems: []string{"transition: must be one of triage, confirm, start_fix, ready, disclose, reject, reopen"}}
	}
	return a.svc.Transition(ctx, who, id, in.Transition, in.TransitionArgs)
}
