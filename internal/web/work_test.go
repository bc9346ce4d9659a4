package web_test

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/report"
	"github.com/vigil-psirt/vigil/internal/user"
)

// workChecks are the role test's checks of this area's routes, on a case
// of their own (erin's, with the product's branch) so that they change
// nothing the other checks look at.
func workChecks(t *testing.T, f *fixture) []roleCheck {
	id := f.workCase(t, "Role test case")
	c := fmt.Sprintf("/ui/cases/%d", id)
	return []roleCheck{
		{"POST", "/ui/cases/{id}/risk", c + "/risk", user.ManageCases, url.Values{"cvss31_extra": {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}}, 0},
		{"POST", "/ui/cases/{id}/scope", c + "/scope", user.ManageCases, url.Values{"product": {fmt.Sprint(f.product.ID)}, "branch": {fmt.Sprint(f.branch.ID)}}, 0},
		{"POST", "/ui/cases/{id}/cve", c + "/cve", user.ManageCases, url.Values{"description": {"A stored XSS."}}, 0},
		{"POST", "/ui/cases/{id}/change-request", c + "/change-request", user.ManageCases, url.Values{"ref": {"SOS-1"}}, 0},
		{"POST", "/ui/cases/{id}/plan", c + "/plan", user.ManageCases, url.Values{"planned": {"2026-04-02T14:00"}}, 0},
		{"POST", "/ui/cases/{id}/fixes/{branch}", fmt.Sprintf("%s/fixes/%d", c, f.branch.ID), user.EditFixes, url.Values{"status": {"in_progress"}}, 0},
	}
}

// workCase submits a report and readies its case for case work: erin on
// its task force, the fixture's product and its branch affected.
func (f *fixture) workCase(t *testing.T, title string) int64 {
	t.Helper()
	r, _, err := f.svc.Submit(f.ctx, casework.Public, report.Report{Channel: report.Web, Title: title,
		Body: "Steps to reproduce: open the dashboard.", Reporter: report.Contact{Name: "Sam Finder", Email: "sam@example.org"}})
	f.must(err)
	_, err = f.svc.UpdateCase(f.ctx, admin, *r.CaseID, casework.CasePatch{TaskForce: &[]string{"erin", "pia"},
		ProductID: &f.product.ID, AffectedBranches: &[]int64{f.branch.ID}})
	f.must(err)
	return *r.CaseID
}
