package web_test

import (
	"crypto/sha256"
	"fmt"
	"net/url"
	"testing"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/report"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/user"
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
