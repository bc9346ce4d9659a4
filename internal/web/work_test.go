package web_test

import (
	"crypto/sha256"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/cvss"
	"github.com/vigil-psirt/vigil/internal/outbox"
	"github.com/vigil-psirt/vigil/internal/report"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/user"
	"github.com/vigil-psirt/vigil/internal/vcase"
)

// workChecks are the role test's checks of this area's routes, on a case
// of their own (erin's, with the product's branch) so that they change
// nothing the other checks look at.
func workChecks(t *testing.T, f *fixture) []roleCheck {
	wc := f.workCase(t, "Role test case")
	c := fmt.Sprintf("/ui/cases/%d", wc.caseID)
	// A second report, merged into the first one's case (again and again:
	// merging into the case it is in changes nothing).
	other := f.workCase(t, "The same XSS, reported again")
	r := fmt.Sprintf("/ui/reports/%d", wc.reportID)
	return []roleCheck{
		{"POST", "/ui/inbox/bulk", "/ui/inbox/bulk", user.ManageCases, url.Values{"action": {"link"}, "case": {wc.caseKey}, "report": {fmt.Sprint(other.reportID)}}, 0},
		{"GET", "/ui/reports/{id}", r, user.ReadReports, nil, 0},
		{"POST", "/ui/reports/{id}/messages", r + "/messages", user.ReadReports, url.Values{"body": {"Thank you, we are on it."}}, 0},
		{"POST", "/ui/reports/{id}/link", fmt.Sprintf("/ui/reports/%d/link", other.reportID), user.ManageCases, url.Values{"case": {wc.caseKey}}, 0},
		{"GET", "/ui/reports/{id}/attachments/{att}", fmt.Sprintf("%s/attachments/%d", r, wc.attachmentID), user.ReadReports, nil, 0},
		{"GET", "/ui/cases/{id}/outputs", c + "/outputs", user.ReadCases, nil, 0},
		{"POST", "/ui/cases/{id}/risk", c + "/risk", user.ManageCases, url.Values{"cvss31_extra": {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}}, 0},
		{"POST", "/ui/cases/{id}/scope", c + "/scope", user.ManageCases, url.Values{"product": {fmt.Sprint(f.product.ID)}, "branch": {fmt.Sprint(f.branch.ID)}}, 0},
		{"POST", "/ui/cases/{id}/cve", c + "/cve", user.ManageCases, url.Values{"description": {"A stored XSS."}}, 0},
		{"POST", "/ui/cases/{id}/change-request", c + "/change-request", user.ManageCases, url.Values{"ref": {"SOS-1"}}, 0},
		{"POST", "/ui/cases/{id}/plan", c + "/plan", user.ManageCases, url.Values{"planned": {"2026-04-02T14:00"}}, 0},
		{"POST", "/ui/cases/{id}/credits", c + "/credits", user.ManageCases, url.Values{"credits": {"Sam Finder (finder)"}, "references": {"https://example.org/blog/xss"}}, 0},
		{"POST", "/ui/cases/{id}/fixes/{branch}", fmt.Sprintf("%s/fixes/%d", c, f.branch.ID), user.EditFixes, url.Values{"status": {"in_progress"}}, 0},
	}
}

// workCase is a report with a reply carrying an attachment, and its case
// ready for case work.
type workCase struct {
	reportID, caseID, attachmentID int64
	caseKey, trackingID            string
}

// workCase submits a report, the reporter mails a proof of concept, and
// its case gets erin and pia as task force, the fixture's product and its
// branch.
func (f *fixture) workCase(t *testing.T, title string) workCase {
	t.Helper()
	r, _, err := f.svc.Submit(f.ctx, casework.Public, report.Report{Channel: report.Web, Title: title,
		Body: "Steps to reproduce: open the dashboard.", Reporter: report.Contact{Name: "Sam Finder", Email: "sam@example.org"}})
	f.must(err)
	poc := []byte("<script>alert(document.cookie)</script>\n")
	_, err = f.svc.MailReply(f.ctx, r.TrackingID, "sam@example.org", "The proof of concept is attached.", []store.Attachment{
		{Filename: "poc.html", ContentType: "text/html", Size: int64(len(poc)), SHA256: fmt.Sprintf("%x", sha256.Sum256(poc)), Content: poc, CreatedAt: f.clk.Now()}})
	f.must(err)
	as, err := f.svc.Store.ListAttachments(f.ctx, r.ID)
	f.must(err)
	c, err := f.svc.UpdateCase(f.ctx, admin, *r.CaseID, casework.CasePatch{TaskForce: &[]string{"erin", "pia"},
		ProductID: &f.product.ID, AffectedBranches: &[]int64{f.branch.ID}})
	f.must(err)
	return workCase{reportID: r.ID, caseID: c.ID, attachmentID: as[0].ID, caseKey: c.Key, trackingID: r.TrackingID}
}

// post posts a form with the session's token.
func (b *browser) postForm(t *testing.T, path string, form url.Values) page {
	t.Helper()
	form.Set("csrf", b.token(t))
	return b.post(path, form)
}

// wantStatus fails the test unless the page has the status.
func wantStatus(t *testing.T, what string, p page, status int) {
	t.Helper()
	if p.status != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, p.status, status, p.body)
	}
}

// wantIn fails the test for every string the page lacks.
func wantIn(t *testing.T, what string, p page, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(p.body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

// cvssForm is the calculator's selects for a vector's metrics.
func cvssForm(key, vector string) url.Values {
	v := url.Values{}
	_, rest, _ := strings.Cut(vector, "/")
	for _, comp := range strings.Split(rest, "/") {
		m, val, _ := strings.Cut(comp, ":")
		v.Set(key+"_"+m, val)
	}
	return v
}

func merge(vs ...url.Values) url.Values {
	out := url.Values{}
	for _, v := range vs {
		for k, x := range v {
			out[k] = append(out[k], x...)
		}
	}
	return out
}

// TestCaseWorkThroughTheUI takes a case from a report to its disclosure
// with the case page's forms only: every refusal shows its problems next
// to their fields with the input kept.
func TestCaseWorkThroughTheUI(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	wc := f.workCase(t, "Stored XSS in the report viewer")
	b := f.as(user.PSIRT)
	path := fmt.Sprintf("/ui/cases/%d", wc.caseID)
	version := func() string {
		c, err := f.svc.Store.CaseByID(f.ctx, wc.caseID)
		f.must(err)
		return fmt.Sprint(c.Version)
	}
	stored := func() vcase.Case {
		c, err := f.svc.Store.CaseByID(f.ctx, wc.caseID)
		f.must(err)
		return c
	}
	p := b.get(path)
	wantStatus(t, "case page", p, 200)
	wantIn(t, "case page", p, "Evaluate the risk", `name="cvss31_AV"`, `name="cvss40_VC"`, "Update the fix of 7.3",
		"Edit the CVE draft", "Record the change request", "Plan the disclosure", "Date and time, <strong>UTC</strong>",
		"/ui/cases/"+fmt.Sprint(wc.caseID)+"/outputs", "Lint", "/ui/reports/"+fmt.Sprint(wc.reportID))

	js := regexpFind(t, p.body, `<script src="(/ui/static/work\.[0-9a-f]{12}\.js)" defer>`)
	if p := b.get(js); p.status != 200 || !strings.Contains(p.header.Get("Content-Type"), "javascript") || !strings.Contains(p.body, "data-cvss") {
		t.Errorf("the calculator's script: %d %v", p.status, p.header)
	}

	// Triage first (the lifecycle's own form).
	wantStatus(t, "triage", b.postForm(t, path+"/transition", url.Values{"transition": {"triage"}}), http.StatusSeeOther)

	// Risk: an incomplete calculator, a bad CWE and a bad tag, all at once.
	p = b.postForm(t, path+"/risk", url.Values{"version": {version()}, "cvss31_AV": {"N"}, "cwe": {"XSS, 79"}, "tags": {"Remote Code!"}, "notes": {"kept notes"}})
	wantStatus(t, "incomplete risk", p, http.StatusUnprocessableEntity)
	wantIn(t, "refused risk", p, `id="cvss31-err"`, "cvss31: choose Attack complexity", `id="cwe-err"`, `id="tags-err"`,
		"kept notes", `value="XSS, 79"`, `<option value="N" selected>Network (N)</option>`, "<details class=\"edit\" open>")
	if p := b.postForm(t, path+"/risk", url.Values{"version": {version()}, "cvss31_extra": {"CVSS:3.1/AV:X"}}); p.status != http.StatusUnprocessableEntity ||
		!strings.Contains(p.body, "cvss31: the pasted vector is not a valid CVSS 3.1 vector") {
		t.Errorf("a bad pasted vector: %d", p.status)
	}

	const v31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"
	const v40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N/E:P"
	form := merge(cvssForm("cvss31", v31), cvssForm("cvss40", v40), url.Values{"version": {version()}, "cwe": {"79"}, "tags": {"XSS"}, "public_poc": {"1"}})
	p = b.postForm(t, path+"/risk", form)
	wantStatus(t, "risk", p, http.StatusSeeOther)
	if loc := p.header.Get("Location"); loc != path+"?done=risk#risk" {
		t.Errorf("after the risk: %q", loc)
	}
	c := stored()
	if c.Risk.CVSS31 != v31 || c.Risk.CVSS40 != v40 || !slices.Equal(c.Risk.CWE, []string{"CWE-79"}) || !slices.Equal(c.Risk.Tags, []string{"xss"}) || !c.Risk.PublicPoC || c.Severity == "" {
		t.Errorf("stored risk %+v, severity %q", c.Risk, c.Severity)
	}
	s31, err := cvss.Parse(v31)
	f.must(err)
	s40, err := cvss.Parse(v40)
	f.must(err)
	p = b.get(path + "?done=risk")
	wantIn(t, "case after the risk", p, "Saved: Risk.", fmt.Sprintf("%.1f %s", s31.Base, s31.Severity), fmt.Sprintf("%.1f %s (CVSS-BT)", s40.Base, s40.Severity),
		`<option value="C" selected>Changed (C)</option>`)

	// Confirm needs no more than risk, product and branch.
	wantStatus(t, "confirm", b.postForm(t, path+"/transition", url.Values{"transition": {"confirm"}}), http.StatusSeeOther)

	// The change request, refused then recorded; then fixing starts.
	p = b.postForm(t, path+"/change-request", url.Values{"version": {version()}, "ref": {""}, "url": {"javascript:alert(1)"}})
	wantStatus(t, "bad change request", p, http.StatusUnprocessableEntity)
	wantIn(t, "refused change request", p, `id="cr_ref-err"`, `id="cr_url-err"`, "javascript:alert(1)")
	wantStatus(t, "change request", b.postForm(t, path+"/change-request", url.Values{"version": {version()}, "ref": {"SOS-1234"}, "tracker": {"jira"}, "url": {"https://jira.example/SOS-1234"}}), http.StatusSeeOther)
	wantStatus(t, "start fixing", b.postForm(t, path+"/transition", url.Values{"transition": {"start_fix"}}), http.StatusSeeOther)

	// The fix: verified without evidence and a bad commit are refused.
	fix := fmt.Sprintf("%s/fixes/%d", path, f.branch.ID)
	rels, err := f.svc.Store.ListReleases(f.ctx, f.branch.ID)
	f.must(err)
	rel := fmt.Sprint(rels[0].ID)
	p = b.postForm(t, fix, url.Values{"status": {"verified"}, "commits": {"abcdef1\nnot-a-hash"}, "release": {rel}, "affected_from": {"7.3.0"}})
	wantStatus(t, "verified without evidence", p, http.StatusUnprocessableEntity)
	e := fmt.Sprintf(`id="evidence-%d-err"`, f.branch.ID)
	wantIn(t, "refused fix", p, e, fmt.Sprintf(`id="commits-%d-err"`, f.branch.ID), "not-a-hash", fmt.Sprintf(`id="fix-%d" open`, f.branch.ID))
	// An engineer of the task force records the fix; the API's rule.
	eng := f.as(user.Engineer)
	p = eng.postForm(t, fix, url.Values{"status": {"verified"}, "commits": {"ABCDEF1, 0123456789abcdef"}, "release": {rel}, "affected_from": {"7.3.0"},
		"evidence": {"The PoC no longer runs on 7.3.4."}})
	wantStatus(t, "fix by the engineer", p, http.StatusSeeOther)
	sc := stored()
	if fx, _ := sc.Fix(f.branch.ID); fx.Status != vcase.FixVerified || fx.VerifiedBy != "erin" || !slices.Equal(fx.Commits, []string{"abcdef1", "0123456789abcdef"}) || fx.ReleaseID == nil {
		t.Errorf("stored fix %+v", fx)
	}
	if p := eng.postForm(t, path+"/risk", url.Values{"version": {version()}}); p.status != http.StatusForbidden {
		t.Errorf("an engineer edits the risk: %d", p.status)
	}
	if p := f.as(user.Engineer).get(fmt.Sprintf("/ui/cases/%d", f.evilID)); p.status != http.StatusNotFound {
		t.Errorf("an engineer off the task force: %d", p.status)
	}

	// The CVE draft and its lint.
	p = b.postForm(t, path+"/cve", url.Values{"version": {version()}, "cve_id": {"CVE-1"}, "description": {"kept description"}})
	wantStatus(t, "bad CVE ID", p, http.StatusUnprocessableEntity)
	wantIn(t, "refused CVE", p, `id="cve_id-err"`, "kept description")
	wantStatus(t, "CVE", b.postForm(t, path+"/cve", url.Values{"version": {version()}, "cve_id": {"cve-2026-12345"},
		"description": {"Stored cross-site scripting in the report viewer of Gateway before 7.3.4 allows a remote attacker to run script in an administrator's browser."}}), http.StatusSeeOther)
	if c := stored(); c.CVEID != "CVE-2026-12345" {
		t.Errorf("CVE ID %q", c.CVEID)
	}

	// The plan, in UTC; a stale form is refused as a conflict.
	p = b.postForm(t, path+"/plan", url.Values{"version": {version()}, "planned": {"next Tuesday"}})
	wantStatus(t, "bad plan", p, http.StatusUnprocessableEntity)
	wantIn(t, "refused plan", p, `id="planned-err"`, "next Tuesday")
	old := version()
	wantStatus(t, "plan", b.postForm(t, path+"/plan", url.Values{"version": {old}, "planned": {"2026-03-06T19:00"}}), http.StatusSeeOther)
	if c := stored(); c.PlannedDisclose == nil || !c.PlannedDisclose.Equal(time.Date(2026, 3, 6, 19, 0, 0, 0, time.UTC)) {
		t.Errorf("planned %v", c.PlannedDisclose)
	}
	p = b.postForm(t, path+"/plan", url.Values{"version": {old}, "planned": {"2026-03-11T14:00"}})
	wantIn(t, "stale plan", p, "changed meanwhile", `value="2026-03-11T14:00"`)

	// Credits and references: the reporter's wish is shown; bad lines are refused.
	rep, err := f.svc.Store.ReportByID(f.ctx, wc.reportID)
	f.must(err)
	rep.Reporter.CreditAs = "Sam F."
	f.must(f.svc.Store.UpdateReport(f.ctx, rep))
	wantIn(t, "credits", b.get(path), "The reporter asked to be credited as “Sam F.”", "Edit the credits and references")
	p = b.postForm(t, path+"/credits", url.Values{"version": {version()}, "credits": {"Sam F. (finder)\n" + strings.Repeat("x", 201)}, "references": {"ftp://x\nhttps://example.org/blog/xss"}})
	wantStatus(t, "bad credits", p, http.StatusUnprocessableEntity)
	wantIn(t, "refused credits", p, `id="credits-err"`, `id="references-err"`, "ftp://x")
	wantStatus(t, "credits", b.postForm(t, path+"/credits", url.Values{"version": {version()}, "credits": {"Sam F. (finder)\r\nErin Engineer (remediation developer)"},
		"references": {"https://example.org/blog/xss"}}), http.StatusSeeOther)
	if c := stored(); len(c.Credits) != 2 || c.Credits[1] != (vcase.Credit{Name: "Erin Engineer", Type: "remediation_developer"}) || len(c.References) != 1 {
		t.Errorf("credits %+v, references %+v", c.Credits, c.References)
	}

	// Summary for the announcement, then ready.
	c = stored()
	wantStatus(t, "summary", b.postForm(t, path+"/edit", url.Values{"version": {fmt.Sprint(c.Version)}, "title": {c.Title}, "task_force": {"erin, pia"},
		"summary": {"A stored XSS in Gateway's report viewer; upgrade to 7.3.4."}, "details": {"The viewer renders the title unescaped."}, "workaround": {"Disable the viewer."}}), http.StatusSeeOther)
	p = b.get(path)
	wantIn(t, "ready case", p, "2026-03-06 19:00 UTC", "The draft record passes every check.")
	wantStatus(t, "ready", b.postForm(t, path+"/transition", url.Values{"transition": {"ready"}}), http.StatusSeeOther)

	// Every output, before the disclosure.
	p = b.get(path + "/outputs")
	wantStatus(t, "outputs", p, 200)
	wantIn(t, "outputs", p, "CSAF 2.0 advisory", "CVE record (JSON 5)", "OSV record", "OpenVEX of 7.3.4", "Advisory text",
		"CVE-2026-12345", "Stored XSS in the report viewer", `&#34;csaf_version&#34;: &#34;2.0&#34;`, "fixed in 7.3.4", "Disable the viewer.", "Erin Engineer (remediation developer)", "https://example.org/blog/xss")

	// The disclosure waits for its time, then publishes.
	if p := b.postForm(t, path+"/transition", url.Values{"transition": {"disclose"}}); p.status != http.StatusConflict || !strings.Contains(p.body, "has not come") {
		t.Errorf("early disclosure: %d", p.status)
	}
	f.clk.Advance(11 * time.Hour) // within the session's idle time
	wantStatus(t, "disclose", b.postForm(t, path+"/transition", url.Values{"transition": {"disclose"}}), http.StatusSeeOther)
	p = b.get(path)
	if strings.Contains(p.body, "Evaluate the risk") || strings.Contains(p.body, "Update the fix") {
		t.Error("a disclosed case still offers its forms")
	}
	if c := stored(); c.State != vcase.Disclosed {
		t.Errorf("state %s", c.State)
	}
}

// TestReportPage shows a report with its conversation both ways, its
// attachments as downloads, canned replies and the merge into a case.
func TestReportPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	wc := f.workCase(t, "XSS via the report title")
	other := f.workCase(t, "Report title XSS again")
	b := f.as(user.PSIRT)
	path := fmt.Sprintf("/ui/reports/%d", wc.reportID)

	p := b.get(path)
	wantStatus(t, "report page", p, 200)
	wantIn(t, "report page", p, wc.trackingID, "XSS via the report title", "Sam Finder", "sam@example.org", "The proof of concept is attached.",
		"poc.html", fmt.Sprintf("%s/attachments/%d", path, wc.attachmentID), "Acknowledgement", "Need more information", "Not a vulnerability", "Duplicate",
		wc.caseKey, "Triage: 24 h 0 min left")
	es, err := f.svc.Store.ListAudit(f.ctx, store.AuditFilter{Action: "report.read", Object: "report:" + wc.trackingID})
	f.must(err)
	if len(es) == 0 || es[0].Actor != "user:pia" {
		t.Errorf("the read is not audited: %+v", es)
	}

	// The attachment is a download, never a page of the UI.
	a := b.get(fmt.Sprintf("%s/attachments/%d", path, wc.attachmentID))
	if a.status != 200 || a.header.Get("Content-Type") != "application/octet-stream" || !strings.HasPrefix(a.header.Get("Content-Disposition"), "attachment") ||
		!strings.Contains(a.header.Get("Content-Security-Policy"), "sandbox") || !strings.Contains(a.body, "<script>") {
		t.Errorf("attachment: %d %v", a.status, a.header)
	}
	if p := b.get(fmt.Sprintf("/ui/reports/%d/attachments/%d", other.reportID, wc.attachmentID)); p.status != http.StatusNotFound {
		t.Errorf("another report's attachment: %d", p.status)
	}

	// A canned reply fills the form, to be edited before sending.
	p = b.get(path + "?reply=ack")
	wantIn(t, "acknowledgement", p, "Hello Sam Finder,", "track it as "+wc.trackingID, "The Example Corp PSIRT", `aria-current="true">Acknowledgement`)
	p = b.postForm(t, path+"/messages", url.Values{"body": {"   "}})
	wantStatus(t, "empty reply", p, http.StatusUnprocessableEntity)
	wantIn(t, "refused reply", p, `id="body-err"`, `aria-invalid="true"`)
	p = b.postForm(t, path+"/messages", url.Values{"body": {"Hello Sam,\r\nthanks: we reproduced it."}})
	wantStatus(t, "reply", p, http.StatusSeeOther)
	p = b.get(p.header.Get("Location"))
	wantIn(t, "after the reply", p, "Sent to the reporter.", "thanks: we reproduced it.", "pia (team)", `class="from-reporter"`, `class="from-team"`)
	ms, err := f.svc.Store.ListMessages(f.ctx, store.OutboxFilter{})
	f.must(err)
	if !slices.ContainsFunc(ms, func(m outbox.Message) bool { return strings.Contains(string(m.Payload), "we reproduced it") }) {
		t.Error("the reply is not queued as a mail to the reporter")
	}

	// Merge: refused without a case, done with one.
	op := fmt.Sprintf("/ui/reports/%d", other.reportID)
	p = b.postForm(t, op+"/link", url.Values{"case": {"VC-1999-0001"}})
	wantStatus(t, "merge into nothing", p, http.StatusUnprocessableEntity)
	wantIn(t, "refused merge", p, `id="link-err"`, "no case VC-1999-0001", `value="VC-1999-0001"`)
	wantStatus(t, "merge", b.postForm(t, op+"/link", url.Values{"case": {wc.caseKey}}), http.StatusSeeOther)
	r, err := f.svc.Store.ReportByID(f.ctx, other.reportID)
	f.must(err)
	if r.State != report.Duplicate || *r.CaseID != wc.caseID {
		t.Errorf("merged report %s in case %d", r.State, *r.CaseID)
	}
	if c, _ := f.svc.Store.CaseByID(f.ctx, other.caseID); c.State != vcase.Rejected || c.RejectReason != vcase.DuplicateOf {
		t.Errorf("the merged report's own case: %s %s", c.State, c.RejectReason)
	}
	// An engineer may not read reports (the API's rule).
	if p := f.as(user.Engineer).get(path); p.status != http.StatusForbidden {
		t.Errorf("engineer reads a report: %d", p.status)
	}
}

// TestInboxBulk triages, merges and rejects several reports at once.
func TestInboxBulk(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.as(user.PSIRT)
	var ws []workCase
	for i := range 6 {
		ws = append(ws, f.workCase(t, fmt.Sprintf("Bulk report %d", i)))
	}
	id := func(i int) string { return fmt.Sprint(ws[i].reportID) }
	p := b.get("/ui/inbox")
	wantIn(t, "inbox", p, `name="report" value="`+id(0)+`"`, "Apply to the selected", "Select "+ws[0].trackingID, "Acknowledge", "due 2026-03-07 09:00 UTC")

	// Nothing chosen: every problem at once.
	p = b.postForm(t, "/ui/inbox/bulk", url.Values{})
	wantStatus(t, "empty bulk", p, http.StatusUnprocessableEntity)
	wantIn(t, "refused bulk", p, `id="bulk-action-err"`, `id="bulk-report-err"`)
	p = b.postForm(t, "/ui/inbox/bulk", url.Values{"action": {"link"}, "report": {id(0)}})
	wantIn(t, "merge without a case", p, `id="bulk-case-err"`, `<option value="link" selected>`, `value="`+id(0)+`" checked`)

	wantStatus(t, "triage", b.postForm(t, "/ui/inbox/bulk", url.Values{"action": {"triage"}, "report": {id(0), id(1)}}), http.StatusSeeOther)
	wantStatus(t, "spam", b.postForm(t, "/ui/inbox/bulk", url.Values{"action": {"spam"}, "report": {id(2)}}), http.StatusSeeOther)
	wantStatus(t, "duplicate", b.postForm(t, "/ui/inbox/bulk", url.Values{"action": {"duplicate"}, "case": {ws[0].caseKey}, "report": {id(3)}}), http.StatusSeeOther)
	p = b.postForm(t, "/ui/inbox/bulk", url.Values{"action": {"link"}, "case": {strings.ToLower(ws[0].caseKey)}, "report": {id(4)}})
	wantStatus(t, "merge", p, http.StatusSeeOther)
	wantIn(t, "after the merge", b.get(p.header.Get("Location")), "Merge into a case: done for 1 report.")
	for i, want := range []vcase.State{vcase.Triage, vcase.Triage, vcase.Rejected, vcase.Rejected, vcase.Rejected, vcase.Received} {
		c, err := f.svc.Store.CaseByID(f.ctx, ws[i].caseID)
		f.must(err)
		if c.State != want {
			t.Errorf("case of report %d: %s, want %s", i, c.State, want)
		}
	}
	// A report that is no longer new fails on its own; the others are done.
	p = b.postForm(t, "/ui/inbox/bulk", url.Values{"action": {"triage"}, "report": {id(0), id(5)}})
	wantStatus(t, "partly done", p, http.StatusUnprocessableEntity)
	wantIn(t, "partly done", p, "Start triage: done for 1 report; the others are marked below.", "report "+id(0)+": ")
	p = b.get("/ui/inbox")
	for i := range 6 {
		if strings.Contains(p.body, ws[i].trackingID) {
			t.Errorf("report %d is still in the inbox", i)
		}
	}
	if p := f.as(user.Engineer).postForm(t, "/ui/inbox/bulk", url.Values{"action": {"triage"}}); p.status != http.StatusForbidden {
		t.Errorf("an engineer triages: %d", p.status)
	}
}

// TestCaseWorkHostile renders the case work pages with the hostile
// report and case, and hostile input refused by the forms.
func TestCaseWorkHostile(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.as(user.Admin)
	evil := fmt.Sprintf("/ui/cases/%d", f.evilID)
	rs, err := f.svc.Store.ListReports(f.ctx, store.ReportFilter{CaseID: f.evilID})
	f.must(err)
	rp := fmt.Sprintf("/ui/reports/%d", rs[0].ID)
	all := strings.Join(hostile, " ")
	pages := map[string]page{
		"report":          b.get(rp),
		"canned reply":    b.get(rp + "?reply=ack"),
		"outputs":         b.get(evil + "/outputs"),
		"refused reply":   b.postForm(t, rp+"/messages", url.Values{"body": {hostile[4] + "\x00"}}),
		"refused merge":   b.postForm(t, rp+"/link", url.Values{"case": {hostile[1]}}),
		"refused bulk":    b.postForm(t, "/ui/inbox/bulk", url.Values{"action": {hostile[0]}, "case": {hostile[1]}}),
		"refused risk":    b.postForm(t, evil+"/risk", url.Values{"cvss31_AV": {hostile[0]}, "cvss40_extra": {hostile[1]}, "cwe": {hostile[2]}, "tags": {hostile[4]}, "notes": {all}}),
		"refused cve":     b.postForm(t, evil+"/cve", url.Values{"cve_id": {hostile[1]}, "description": {hostile[4]}}),
		"refused request": b.postForm(t, evil+"/change-request", url.Values{"ref": {hostile[0]}, "url": {hostile[3]}, "state": {hostile[2]}}),
		"refused plan":    b.postForm(t, evil+"/plan", url.Values{"planned": {hostile[1]}}),
		"refused fix":     b.postForm(t, fmt.Sprintf("%s/fixes/%d", evil, f.branch.ID), url.Values{"status": {"verified"}, "commits": {hostile[0]}, "evidence": {""}, "affected_from": {hostile[1]}}),
	}
	for name, p := range pages {
		if p.status >= 500 || p.status == 0 {
			t.Errorf("%s: status %d", name, p.status)
		}
		for _, h := range hostile[:3] {
			if strings.Contains(p.body, h) {
				t.Errorf("%s: %q appears unescaped", name, h)
			}
		}
		if strings.Contains(p.body, "<script>") || strings.Contains(p.body, "<img") || strings.Contains(p.body, "<svg") {
			t.Errorf("%s: markup made of input", name)
		}
	}
	if !strings.Contains(pages["refused risk"].body, "cvss31: ") || pages["refused risk"].status != http.StatusUnprocessableEntity {
		t.Errorf("the hostile calculator is not refused: %d", pages["refused risk"].status)
	}
	if p := pages["refused reply"]; p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, html.EscapeString(hostile[4])) {
		t.Errorf("the refused reply does not keep the input: %d", p.status)
	}
	if !strings.Contains(pages["report"].body, html.EscapeString(hostile[0])) || !strings.Contains(pages["canned reply"].body, html.EscapeString(hostile[2])) {
		t.Error("the report page does not show the hostile strings escaped")
	}
}
