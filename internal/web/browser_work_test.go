package web_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vigil-psirt/vigil/internal/server"
	"github.com/vigil-psirt/vigil/internal/user"
	"github.com/vigil-psirt/vigil/internal/vcase"
)

// TestBrowserCaseWork drives Debian's chromium through case work as a
// PSIRT member does it, with the forms only: bulk triage in the inbox, a
// canned acknowledgement, then one case from triage to disclosure (risk
// with the CVSS calculators, change request, a refused and an accepted
// fix, CVE draft, plan, the outputs preview), and the phone layout.
func TestBrowserCaseWork(t *testing.T) {
	t.Parallel()
	requireChromium(t)
	f := newFixture(t)
	wc := f.workCase(t, "Stored XSS in the report viewer")
	bulk1, bulk2 := f.workCase(t, "Dashboard widget runs pasted HTML"), f.workCase(t, "Spam: buy cheap watches")
	rels, err := f.svc.Store.ListReleases(f.ctx, f.branch.ID)
	f.must(err)
	h, err := server.Handler(f.svc, server.Options{Name: "Example Corp"})
	f.must(err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	dir := artifacts(t)

	ctx := startChromium(t, 2*time.Minute)
	st := steps{t: t, ctx: ctx}
	do, text := st.do, st.text

	shot := func(name string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			png, err := chromedp.FullScreenshot(100)(ctx, tg)
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
		})
	}
	// notice waits for the status line that says the step was done: the
	// page before may have had another one.
	notice := func(says string) chromedp.Action[chromedp.Void] {
		return chromedp.WaitVisible(chromedp.Search(fmt.Sprintf(`//p[contains(@class, "notice") and contains(., %q)]`, says)))
	}
	button := func(label string) chromedp.Action[chromedp.Void] {
		return chromedp.Click(chromedp.Search(fmt.Sprintf(`//button[normalize-space()=%q]`, label)))
	}
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	injected := func() int {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('script:not([src^="/ui/static/"]), img, svg, [onerror], [onload], iframe').length`))
		if err != nil {
			t.Fatalf("count elements: %v", err)
		}
		return n
	}
	caseURL := fmt.Sprintf("%s/ui/cases/%d", srv.URL, wc.caseID)
	b := f.branch.ID

	do("log in to the inbox",
		chromedp.Navigate(srv.URL+"/ui/inbox"),
		chromedp.WaitVisible(css(`#name`)),
		chromedp.SendKeys(css(`#name`), f.users[user.PSIRT]),
		chromedp.SendKeys(css(`#password`), password),
		chromedp.Submit(css(`#password`)),
		chromedp.WaitVisible(css(`table.inbox`)),
		shot("work-01-inbox"),
	)
	do("bulk triage",
		chromedp.Click(css(fmt.Sprintf(`#pick-%d`, bulk1.reportID))),
		chromedp.SetValue(css(`#bulk-action`), "triage"),
		button("Apply to the selected"),
		notice("done for 1 report"),
		chromedp.Click(css(fmt.Sprintf(`#pick-%d`, bulk2.reportID))),
		chromedp.SetValue(css(`#bulk-action`), "spam"),
		button("Apply to the selected"),
		notice("Reject as spam"),
		shot("work-02-inbox-after-bulk"),
	)
	if main := text("main"); strings.Contains(main, bulk1.trackingID) || strings.Contains(main, bulk2.trackingID) || !strings.Contains(main, wc.trackingID) {
		t.Errorf("the inbox after bulk triage:\n%s", main)
	}
	do("acknowledge a report",
		chromedp.Click(chromedp.Search(fmt.Sprintf(`//tr[.//a[normalize-space()=%q]]//a[normalize-space()="Acknowledge"]`, wc.trackingID))),
		chromedp.WaitVisible(css(`#body`)),
		shot("work-03-report-canned"),
		button("Send"),
		notice("Sent to the reporter"),
	)
	if got := text("#messages"); !strings.Contains(got, "track it as "+wc.trackingID) || !strings.Contains(got, "The proof of concept is attached.") {
		t.Errorf("the conversation:\n%s", got)
	}

	do("triage and evaluate the risk",
		chromedp.Navigate(caseURL),
		button("Start triage"),
		notice("The case is now Triage"),
		chromedp.Click(css(`#risk details.edit > summary`)),
		chromedp.SetValue(css(`#cvss31_AV`), "N"), chromedp.SetValue(css(`#cvss31_AC`), "L"), chromedp.SetValue(css(`#cvss31_PR`), "N"),
		chromedp.SetValue(css(`#cvss31_UI`), "R"), chromedp.SetValue(css(`#cvss31_S`), "C"), chromedp.SetValue(css(`#cvss31_C`), "L"),
		chromedp.SetValue(css(`#cvss31_I`), "L"), chromedp.SetValue(css(`#cvss31_A`), "N"),
	)
	// The progressive script shows the vector and the 3.1 score before the
	// save, the same as the server's.
	live, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(function () {
		var s = document.querySelector('#cvss31_A');
		s.dispatchEvent(new Event('change', {bubbles: true}));
		var fs = s.closest('fieldset');
		return fs.querySelector('[data-vector]').textContent + ' ' + fs.querySelector('[data-score]').textContent;
	})()`))
	if err != nil || live != "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N 6.1 MEDIUM" {
		t.Errorf("the live calculator shows %q (%v)", live, err)
	}
	do("save the risk",
		chromedp.SetValue(css(`#cvss40_extra`), "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N"),
		chromedp.SendKeys(css(`#cwe`), "79"),
		chromedp.SendKeys(css(`#tags`), "xss"),
		button("Save the risk"),
		notice("Saved: Risk"),
		chromedp.Click(css(`#risk details.edit > summary`)),
		chromedp.ScrollIntoView(css(`#risk`)),
		shot("work-04-case-risk"),
	)
	if got := text("#risk"); !strings.Contains(got, "6.1 MEDIUM") || !strings.Contains(got, "CWE-79") || !strings.Contains(got, "(CVSS-B)") {
		t.Errorf("the risk section:\n%s", got)
	}
	do("confirm, change request, start fixing",
		button("Confirm"),
		notice("The case is now Confirmed"),
		chromedp.Click(css(`#change_request details.edit > summary`)),
		chromedp.SendKeys(css(`#cr_ref`), "SOS-1234"),
		chromedp.SendKeys(css(`#cr_url`), "https://jira.example/browse/SOS-1234"),
		button("Save the change request"),
		notice("Saved: Change request"),
		button("Start fixing"),
		notice("The case is now Fixing"),
	)
	do("a refused fix, then the fix",
		chromedp.Click(css(fmt.Sprintf(`#fix-%d > summary`, b))),
		chromedp.SetValue(css(fmt.Sprintf(`#status-%d`, b)), "verified"),
		chromedp.SendKeys(css(fmt.Sprintf(`#commits-%d`, b)), "4f2a9c1e"),
		button("Save the fix of 7.3"),
		chromedp.WaitVisible(css(fmt.Sprintf(`#evidence-%d-err`, b))),
		chromedp.ScrollIntoView(css(fmt.Sprintf(`#fix-%d`, b))),
		shot("work-05-fix-refused"),
		chromedp.SetValue(css(fmt.Sprintf(`#release-%d`, b)), fmt.Sprint(rels[0].ID)),
		chromedp.SendKeys(css(fmt.Sprintf(`#evidence-%d`, b)), "The PoC page no longer runs script on 7.3.4 (tested by erin)."),
		button("Save the fix of 7.3"),
		notice("Saved: Fix"),
	)
	do("CVE draft, plan, summary, ready",
		chromedp.Click(css(`#cve details.edit > summary`)),
		chromedp.SendKeys(css(`#cve_id`), "CVE-2026-12345"),
		chromedp.SendKeys(css(`#description`), "Stored cross-site scripting in the report viewer of Example Gateway before 7.3.4 allows a remote attacker to run script in an administrator's browser."),
		button("Save the CVE draft"),
		notice("Saved: CVE draft"),
		chromedp.Click(css(`#plan details.edit > summary`)),
		chromedp.SetValue(css(`#planned`), "2026-03-06T11:00"),
		button("Save the plan"),
		notice("Saved: Disclosure plan"),
		chromedp.SetValue(css(`#summary`), "A stored XSS in the report viewer of Gateway; upgrade to 7.3.4."),
		chromedp.SetValue(css(`#workaround`), "Restrict the report viewer to administrators."),
		button("Save"),
		notice("Saved."),
		button("Mark ready"),
		notice("The case is now Ready"),
		shot("work-06-case-ready"),
	)
	if got := text("#cve"); !strings.Contains(got, "passes every check") {
		t.Errorf("the CVE lint:\n%s", got)
	}
	do("the outputs",
		chromedp.Click(chromedp.Search(`//a[starts-with(normalize-space(), "Preview every output")]`)),
		chromedp.WaitVisible(css(`#csaf pre`)),
		shot("work-07-outputs"),
	)
	if got := text("main"); !strings.Contains(got, "OpenVEX of 7.3.4") || !strings.Contains(got, "CVE-2026-12345") || !strings.Contains(got, "fixed in 7.3.4") {
		t.Errorf("the outputs:\n%.2000s", got)
	}
	f.clk.Advance(3 * time.Hour) // the planned time comes
	do("disclose",
		chromedp.Navigate(caseURL),
		button("Disclose"),
		notice("The case is now Disclosed"),
		shot("work-08-case-disclosed"),
	)
	if c, err := f.svc.Store.CaseByID(f.ctx, wc.caseID); err != nil || c.State != vcase.Disclosed {
		t.Errorf("the case after disclosure: %s, %v", c.State, err)
	}
	do("phone",
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(fmt.Sprintf("%s/ui/cases/%d", srv.URL, f.evilID)),
		chromedp.WaitVisible(css(`.stepper`)),
		chromedp.Click(css(`#risk details.edit > summary`)),
		shot("work-09-case-phone"),
	)
	if n := injected(); n != 0 {
		t.Errorf("%d elements made of hostile strings on the case page", n)
	}
	do("phone report",
		chromedp.Navigate(fmt.Sprintf("%s/ui/reports/%d", srv.URL, wc.reportID)),
		chromedp.WaitVisible(css(`#messages`)),
		shot("work-10-report-phone"),
		chromedp.Navigate(srv.URL+"/ui/inbox"),
		chromedp.WaitVisible(css(`main`)),
		shot("work-11-inbox-phone"),
	)
}
