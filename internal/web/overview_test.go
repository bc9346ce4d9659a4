package web_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/advisory"
	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/outbox"
	"github.com/vigil-psirt/vigil/internal/product"
	"github.com/vigil-psirt/vigil/internal/report"
	"github.com/vigil-psirt/vigil/internal/sbom"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/upstream"
	"github.com/vigil-psirt/vigil/internal/user"
	"github.com/vigil-psirt/vigil/internal/vcase"
	"github.com/vigil-psirt/vigil/internal/vuln"
)

// overviewChecks are the role test's checks of this area's routes.
func overviewChecks(t *testing.T, f *fixture) []roleCheck {
	return []roleCheck{
		{"GET", "/ui/dashboard", "/ui/dashboard", user.ReadCases, nil, 0},
		{"GET", "/ui/schedule", "/ui/schedule", user.ReadSchedule, nil, 0},
		{"GET", "/ui/audit", "/ui/audit?verify=1", user.ReadAudit, nil, 0},
		{"GET", "/ui/outbox", "/ui/outbox", user.ReadAudit, nil, 0},
		{"GET", "/ui/advisories", "/ui/advisories", user.ReadProducts, nil, 0},
		{"GET", "/ui/subscriptions", "/ui/subscriptions", user.ReadProducts, nil, 0},
		// The fixture's users have no e-mail address: the form says so.
		{"POST", "/ui/subscriptions", "/ui/subscriptions", user.ReadProducts, url.Values{"action": {"subscribe"}, "product": {"gateway"}}, http.StatusUnprocessableEntity},
	}
}

// overview is the fixture with what this area's pages show: erin's case
// walked to ready (critical, exploited, planned for disclosure), a finding
// in the gateway's release, a customer entitled to the gateway, and
// published advisories of the gateway and of another product.
type overview struct {
	*fixture
	release product.Release
	other   product.Product
	planned time.Time
}

const (
	critical = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
	details  = "zqdetails: the exploit needs a crafted header"
)

func newOverview(t *testing.T) *overview {
	t.Helper()
	o := &overview{fixture: newFixture(t)}
	f, ctx := o.fixture, o.fixture.ctx
	rels, err := f.svc.Store.ListReleases(ctx, f.branch.ID)
	f.must(err)
	o.release = rels[0]
	o.planned = f.clk.Now().Add(10 * 24 * time.Hour)

	// erin's case: triaged after 5 h, confirmed, fixed and verified 3 days later.
	id := f.caseID
	f.clk.Advance(5 * time.Hour)
	o.update(id, casework.CasePatch{TaskForce: &[]string{"erin", "pia"}})
	o.transition(id, vcase.StartTriage)
	summary, det := "Script injection in the dashboard of the Gateway; update to 7.3.5.", details
	o.update(id, casework.CasePatch{ProductID: &f.product.ID, AffectedBranches: &[]int64{f.branch.ID}, Summary: &summary, Details: &det,
		Risk: &vcase.Risk{CVSS31: critical, CWE: []string{"CWE-79"}, Exploited: true}, PlannedDisclosure: &o.planned})
	o.transition(id, vcase.Confirm)
	cve, cr := "CVE-2026-10001", vcase.ChangeRequest{Ref: "CR-1"}
	o.update(id, casework.CasePatch{CVEID: &cve, CVEDraft: &vcase.CVEDraft{Description: "Stored XSS in the dashboard of Example Corp Gateway 7.3 lets attackers run script."}, ChangeRequest: &cr})
	o.transition(id, vcase.StartFix)
	f.clk.Advance(3 * 24 * time.Hour)
	rel, err := f.svc.CreateRelease(ctx, admin, casework.NewRelease{BranchID: f.branch.ID, Version: "7.3.5", State: product.QA, PlannedAt: &o.planned})
	f.must(err)
	st, ev := vcase.FixVerified, "the exploit no longer runs"
	_, err = f.svc.UpdateFix(ctx, admin, id, f.branch.ID, casework.FixPatch{Status: &st, ReleaseID: &rel.ID, Evidence: &ev})
	f.must(err)
	o.transition(id, vcase.MarkReady)

	// A finding with an upgrade deadline in the published release.
	rec := vuln.Record{ID: "GO-2026-0001", Source: vuln.SourceOSV, Aliases: []string{"CVE-2026-0001"}, Summary: "A test vulnerability",
		Published: f.clk.Now(), Modified: f.clk.Now(), Severity: []vuln.Score{{Type: vuln.CVSSv3, Vector: critical}},
		Affected: []vuln.Affected{{Ecosystem: "Go", Package: "example.com/mod", Status: vuln.StatusAffected,
			Ranges: []vuln.Range{{Type: vuln.RangeSemver, Events: []vuln.Event{{Introduced: "0"}, {Fixed: "1.2.0"}}}}}}}
	_, err = f.svc.ImportFeed(ctx, casework.System, "import", upstream.Batch{Feed: "osv/Go", Source: vuln.SourceOSV, Format: upstream.FormatOSV,
		Location: "test", Records: []vuln.Record{rec}})
	f.must(err)
	doc := &sbom.SBOM{Format: sbom.CycloneDXJSON, Name: "test", Components: []sbom.Component{{Name: "example.com/mod", Version: "v1.1.0",
		PURL: "pkg:golang/example.com/mod@v1.1.0", Ecosystem: "Go", Package: "example.com/mod", Ref: "mod"}}}
	_, _, err = f.svc.ImportSBOM(ctx, casework.System, casework.SBOMInput{ReleaseID: o.release.ID, Doc: doc, SHA256: "00"})
	f.must(err)

	// The customer, entitled to the gateway; advisories of two products.
	cus, err := f.svc.Store.UserByName(ctx, "cus")
	f.must(err)
	cus.Email = "security@customer.example"
	f.must(f.svc.Store.UpdateUser(ctx, cus))
	_, err = f.svc.Entitle(ctx, admin, cus.ID, []string{"gateway"})
	f.must(err)
	o.other, err = f.svc.CreateProduct(ctx, admin, product.Product{Slug: "router", Name: "Router"})
	f.must(err)
	o.publish(f.evilID, "VIGIL-SA-2026-001", "Gateway: "+hostile[0], product.Product{Slug: "gateway", Name: "Gateway"}, "7.3.5")
	other := o.newCase("Router crash")
	o.publish(other, "VIGIL-SA-2026-002", "Router: denial of service", o.other, "2.0.1")
	return o
}

func (o *overview) update(id int64, p casework.CasePatch) {
	o.t.Helper()
	_, err := o.svc.UpdateCase(o.ctx, admin, id, p)
	o.must(err)
}

func (o *overview) transition(id int64, tr vcase.Transition) {
	o.t.Helper()
	_, err := o.svc.Transition(o.ctx, admin, id, tr, casework.TransitionArgs{})
	o.must(err)
}

func (o *overview) newCase(title string) int64 {
	o.t.Helper()
	r, _, err := o.svc.Submit(o.ctx, casework.Public, reportOf(title))
	o.must(err)
	return *r.CaseID
}

// publish stores a published advisory revision, as a disclosure would.
func (o *overview) publish(caseID int64, id, title string, p product.Product, fixed string) {
	o.t.Helper()
	o.must(o.svc.Store.AddRevision(o.ctx, caseID, advisory.Revision{AdvisoryID: id, Number: 1, Status: advisory.Final, PublishedAt: o.clk.Now(),
		Title: title, Summary: "Summary of " + title, Severity: "high", Score: 8.1,
		Affected: []advisory.Affected{{Product: p.Name, ProductSlug: p.Slug, Branch: "7.3", Maintained: true, Fixed: fixed}}}))
}

func TestDashboard(t *testing.T) {
	t.Parallel()
	o := newOverview(t)
	o.clk.Advance(2 * 24 * time.Hour) // the hostile case's triage clock is long breached
	b := o.as(user.PSIRT)
	p := b.get("/ui/dashboard")
	if p.status != http.StatusOK {
		t.Fatalf("dashboard: %d\n%s", p.status, p.body)
	}
	c, err := o.svc.Store.CaseByID(o.ctx, o.caseID)
	o.must(err)
	for _, want := range []string{
		c.Key, "Stored XSS in the dashboard", `sev sev-critical`, "Exploited",
		html.EscapeString(hostile[1]), `class="row-breached"`, "kpi-bad",
		"Time to triage", "Time to fix", `<svg viewBox="0 0 640 220"`, `<rect class="bar bar-now"`,
		"CRA reporting deadlines", "early warning", // the cra-* clocks of the exploited case
		"CVE-2026-0001", "example.com/mod", "7.3.4", // the finding with its upgrade deadline
		"New reports",
	} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the dashboard lacks %q", want)
		}
	}
	for _, h := range hostile[:3] {
		if strings.Contains(p.body, h) {
			t.Errorf("%q appears unescaped", h)
		}
	}
	// The triage took 5 h, the fix 3 days: the medians of this month.
	for _, want := range []string{"5 h", "3 d"} {
		if !strings.Contains(p.body, ">"+want+"</text>") {
			t.Errorf("the charts lack the median %q", want)
		}
	}
	if strings.Contains(p.body, "style=") || strings.Contains(p.body, "<script") {
		t.Error("inline style or script on the dashboard")
	}
	// The read of embargoed cases is audited.
	es, err := o.svc.Store.ListAudit(o.ctx, store.AuditFilter{Object: "dashboard", Action: "case.list"})
	o.must(err)
	if len(es) != 1 || es[0].Actor != "user:pia" {
		t.Errorf("dashboard read audit: %+v", es)
	}

	// An engineer sees only the cases of their task force, and no reports.
	p = o.as(user.Engineer).get("/ui/dashboard")
	if p.status != http.StatusOK || !strings.Contains(p.body, c.Key) || strings.Contains(p.body, html.EscapeString(hostile[1])) || strings.Contains(p.body, "New reports") {
		t.Errorf("engineer's dashboard: %d", p.status)
	}
}

func TestSchedule(t *testing.T) {
	t.Parallel()
	o := newOverview(t)
	b := o.as(user.Liaison)
	p := b.get("/ui/schedule")
	if p.status != http.StatusOK {
		t.Fatalf("schedule: %d", p.status)
	}
	for _, want := range []string{"Script injection in the dashboard of the Gateway; update to 7.3.5.", "Gateway", "7.3.5", "in 6 d 19 h", "CRITICAL", "Ready"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the schedule lacks %q", want)
		}
	}
	for _, secret := range []string{"zqdetails", "Rita Reporter", "rita@example.org", "CVE-2026-10001"} {
		if strings.Contains(p.body, secret) {
			t.Errorf("the liaison sees %q", secret)
		}
	}
	es, err := o.svc.Store.ListAudit(o.ctx, store.AuditFilter{Action: "schedule.read", Actor: "user:lia"})
	o.must(err)
	if len(es) != 1 {
		t.Errorf("schedule reads audited: %d", len(es))
	}
	if p := b.get("/ui/schedule?page=7"); p.status != http.StatusOK || !strings.Contains(p.body, "rel=\"prev\"") {
		t.Errorf("a page past the end: %d", p.status)
	}
}

func TestAuditTrail(t *testing.T) {
	t.Parallel()
	o := newOverview(t)
	b := o.as(user.Admin)
	c, err := o.svc.Store.CaseByID(o.ctx, o.caseID)
	o.must(err)
	p := b.get("/ui/audit?object=" + url.QueryEscape("case:"+c.Key))
	if p.status != http.StatusOK || !strings.Contains(p.body, "case.confirm") || strings.Contains(p.body, "subscription.entitle") {
		t.Errorf("filtered by object: %d", p.status)
	}
	if !strings.Contains(p.body, "Verify the chain") || strings.Contains(p.body, "Chain intact") {
		t.Error("the chain is verified without being asked")
	}
	// Pages: 25 events each, linked in the query string with the filters.
	p = b.get("/ui/audit")
	next := regexpFind(t, p.body, `href="([^"]+)" rel="next"`)
	if !strings.Contains(next, "page=2") {
		t.Errorf("next page %q", next)
	}
	if p2 := b.get(html.UnescapeString(next)); p2.status != http.StatusOK || !strings.Contains(p2.body, `rel="prev"`) {
		t.Errorf("page 2: %d", p2.status)
	}
	// Every problem next to its field, the input kept, escaped.
	p = b.get("/ui/audit?" + url.Values{"actor": {hostile[1]}, "object": {strings.Repeat("x", 201)}, "action": {"a\tb"}}.Encode())
	if p.status != http.StatusBadRequest {
		t.Errorf("bad filters: %d", p.status)
	}
	for _, want := range []string{`id="object-err"`, `id="action-err"`, "at most 200 characters", html.EscapeString(hostile[1])} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the refused filter lacks %q", want)
		}
	}
	if strings.Contains(p.body, hostile[1]) {
		t.Error("a hostile filter appears unescaped")
	}
	// The chain verifies, as the API's verification does.
	p = b.get("/ui/audit?verify=1&action=case.confirm")
	if !strings.Contains(p.body, "Chain intact") {
		t.Errorf("verification:\n%s", p.body)
	}
}

func TestOutbox(t *testing.T) {
	t.Parallel()
	o := newOverview(t)
	// One failed delivery with its error.
	msg := outbox.Message{Key: "test:bounce", Channel: outbox.Email, Topic: "report.message", Payload: []byte(`{}`), NextAttempt: o.clk.Now(), CreatedAt: o.clk.Now()}
	_, err := o.svc.Store.Enqueue(o.ctx, &msg)
	o.must(err)
	ms, err := o.svc.Store.ClaimMessages(o.ctx, o.clk.Now(), 500)
	o.must(err)
	for _, m := range ms {
		if m.Key == msg.Key {
			o.must(o.svc.Store.MarkRetry(o.ctx, m.ID, o.clk.Now(), "550 <b>mailbox unavailable</b>", true))
		}
	}
	b := o.as(user.PSIRT)
	p := b.get("/ui/outbox?state=failed")
	if p.status != http.StatusOK || !strings.Contains(p.body, "Last error: 550 &lt;b&gt;mailbox unavailable&lt;/b&gt;") || !strings.Contains(p.body, "given up") {
		t.Errorf("failed messages: %d\n%s", p.status, p.body)
	}
	p = b.get("/ui/outbox?channel=email")
	if p.status != http.StatusOK || !strings.Contains(p.body, "report.") {
		t.Errorf("e-mail messages: %d", p.status)
	}
	p = b.get("/ui/outbox?state=" + url.QueryEscape(hostile[0]) + "&channel=pigeon")
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, `id="state-err"`) || !strings.Contains(p.body, `id="channel-err"`) || strings.Contains(p.body, hostile[0]) {
		t.Errorf("bad filters: %d", p.status)
	}
}

func TestCustomerPages(t *testing.T) {
	t.Parallel()
	o := newOverview(t)
	b := o.as(user.Customer)
	if p := b.get("/ui/"); p.status != http.StatusSeeOther || p.header.Get("Location") != "/ui/advisories" {
		t.Errorf("the customer's home: %d to %q", p.status, p.header.Get("Location"))
	}
	p := b.get("/ui/advisories")
	if p.status != http.StatusOK || !strings.Contains(p.body, "VIGIL-SA-2026-001") || strings.Contains(p.body, "VIGIL-SA-2026-002") {
		t.Errorf("the customer's advisories: %d\n%s", p.status, p.body)
	}
	if !strings.Contains(p.body, "Your support covers: <strong>Gateway</strong>") || !strings.Contains(p.body, "7.3.5") || strings.Contains(p.body, hostile[0]) {
		t.Error("the advisory list lacks the covered products or the fix, or shows markup")
	}
	if p := b.get("/ui/advisories?product=router"); p.status != http.StatusBadRequest || !strings.Contains(p.body, `id="product-err"`) {
		t.Errorf("another product's advisories: %d", p.status)
	}
	// The team sees every published advisory.
	if p := o.as(user.Liaison).get("/ui/advisories"); !strings.Contains(p.body, "VIGIL-SA-2026-002") {
		t.Error("the team does not see every advisory")
	}

	p = b.get("/ui/subscriptions")
	if p.status != http.StatusOK || !strings.Contains(p.body, "security@customer.example") || !strings.Contains(p.body, "Covered") || !strings.Contains(p.body, "Confirmed") {
		t.Fatalf("subscriptions: %d\n%s", p.status, p.body)
	}
	tok := b.token(t)
	p = b.post("/ui/subscriptions", url.Values{"csrf": {tok}, "action": {"unsubscribe"}, "product": {"gateway"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("unsubscribe: %d\n%s", p.status, p.body)
	}
	p = b.get(p.header.Get("Location"))
	if !strings.Contains(p.body, "Unsubscribed from Gateway") || !strings.Contains(p.body, "dstate-sub-unsubscribed") {
		t.Errorf("after unsubscribing:\n%s", p.body)
	}
	// The support option still covers the product's advisories.
	if p := b.get("/ui/advisories"); !strings.Contains(p.body, "VIGIL-SA-2026-001") {
		t.Error("unsubscribing hid the covered advisories")
	}
	// Subscribing again goes through the double opt-in.
	p = b.post("/ui/subscriptions", url.Values{"csrf": {tok}, "action": {"subscribe"}, "product": {"router"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("subscribe: %d", p.status)
	}
	sub, err := o.svc.Store.SubscriptionOf(o.ctx, "security@customer.example", "router")
	o.must(err)
	if sub.State != "pending" {
		t.Errorf("a new subscription is %s, want pending", sub.State)
	}
	// Problems next to the row, or above the table for an unknown product.
	p = b.post("/ui/subscriptions", url.Values{"csrf": {tok}, "action": {"explode"}, "product": {"gateway"}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "action: subscribe or unsubscribe") {
		t.Errorf("a bad action: %d", p.status)
	}
	p = b.post("/ui/subscriptions", url.Values{"csrf": {tok}, "action": {"subscribe"}, "product": {hostile[1]}})
	if p.status != http.StatusUnprocessableEntity || strings.Contains(p.body, hostile[1]) || !strings.Contains(p.body, "is not a product") {
		t.Errorf("an unknown product: %d", p.status)
	}
	// Without the token, nothing changes.
	if p := b.post("/ui/subscriptions", url.Values{"action": {"unsubscribe"}, "product": {"router"}}); p.status != http.StatusForbidden {
		t.Errorf("no CSRF token: %d", p.status)
	}
}

func reportOf(title string) report.Report {
	return report.Report{Channel: report.Web, Title: title, Body: "Steps: " + title}
}
