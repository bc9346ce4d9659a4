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

	"github.com/vigil-psirt/vigil/internal/product"
	"github.com/vigil-psirt/vigil/internal/server"
	"github.com/vigil-psirt/vigil/internal/user"
	"github.com/vigil-psirt/vigil/internal/vcase"
)

// TestBrowserEndToEnd walks the whole process of issue 6 in Debian's
// chromium against one real server (the public site, the API and the UI
// over SQLite): a reporter submits the public form and writes on the secret
// status page; a PSIRT member finds the report in the inbox with its clock,
// triages it (task force, scope, CVSS calculator), confirms, plans a
// release on each affected maintained branch from the product page, records
// and verifies the fixes, drafts the CVE, plans and discloses; the reporter
// sees the CVE and the advisory, the public site shows the advisory, and an
// entitled customer finds it among theirs. Only the setup (users, the
// product and its branches, the customer's entitlement) goes through
// casework; every step of the process is typed and clicked.
func TestBrowserEndToEnd(t *testing.T) {
	t.Parallel()
	requireChromium(t)
	f := newFixture(t)
	// The gateway has a second maintained branch besides 7.3, and an old
	// one out of maintenance the case does not touch.
	b80, err := f.svc.CreateBranch(f.ctx, admin, product.Branch{ProductID: f.product.ID, Name: "8.0", Status: product.Maintained})
	f.must(err)
	_, err = f.svc.CreateBranch(f.ctx, admin, product.Branch{ProductID: f.product.ID, Name: "6.9", Status: product.EndOfLife})
	f.must(err)
	// The customer's support covers the gateway.
	cus, err := f.svc.Store.UserByName(f.ctx, f.users[user.Customer])
	f.must(err)
	cus.Email = "security@customer.example"
	f.must(f.svc.Store.UpdateUser(f.ctx, cus))
	_, err = f.svc.Entitle(f.ctx, admin, cus.ID, []string{f.product.Slug})
	f.must(err)

	h, err := server.Handler(f.svc, server.Options{Name: "Example Corp"})
	f.must(err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	dir := artifacts(t)

	ctx := startChromium(t, 90*time.Second)
	st := steps{t: t, ctx: ctx}
	text, location := st.text, st.location

	var shot func(name string) chromedp.Action[chromedp.Void]
	// do runs one step; a step that fails leaves a screenshot of where it
	// stopped.
	do := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		start := time.Now()
		stuck := time.AfterFunc(20*time.Second, func() { // the page where a step waits in vain
			if err := chromedp.Do(ctx, shot("e2e-stuck")); err != nil {
				t.Logf("screenshot of the stuck step: %v", err)
			}
		})
		defer stuck.Stop()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		t.Logf("%s: %v", step, time.Since(start).Round(time.Millisecond))
	}
	attr := func(sel, name string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector(%q) || {getAttribute: () => ""}).getAttribute(%q) || ""`, sel, name)))
		if err != nil {
			t.Fatalf("attribute %s of %s: %v", name, sel, err)
		}
		return s
	}
	shot = func(name string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			png, err := chromedp.FullScreenshot(100)(ctx, tg)
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
		})
	}
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	// notice waits for the status line of the step just done (the page
	// before may have had another one).
	notice := func(says string) chromedp.Action[chromedp.Void] {
		return chromedp.WaitVisible(chromedp.Search(fmt.Sprintf(`//p[contains(@class, "notice") and contains(., %q)]`, says)))
	}
	button := func(label string) chromedp.Action[chromedp.Void] {
		return chromedp.Click(chromedp.Search(fmt.Sprintf(`//button[normalize-space()=%q]`, label)))
	}
	login := func(name string) chromedp.Action[chromedp.Void] {
		return chromedp.Steps(
			chromedp.Navigate(srv.URL+"/ui/login"),
			chromedp.WaitVisible(css(`#password`)),
			chromedp.SendKeys(css(`#name`), name),
			chromedp.SendKeys(css(`#password`), password),
			chromedp.Submit(css(`#password`)),
		)
	}
	const (
		title = "Session fixation in the gateway login"
		cveID = "CVE-2026-24680"
	)

	// 1. The reporter: the public form, the secret status link, a message.
	do("the reporter submits the public form",
		chromedp.Navigate(srv.URL+"/report"),
		chromedp.WaitVisible(css(`#title`)),
		chromedp.SendKeys(css(`#title`), title),
		chromedp.SendKeys(css(`#product`), "Gateway 7.3.4 and 8.0.0"),
		chromedp.SendKeys(css(`#body`), "The session ID set before the login is kept after it.\n1. open /login, note the cookie\n2. log in\n3. the cookie is unchanged"),
		chromedp.SendKeys(css(`#name`), "Rosa Finder"),
		chromedp.SendKeys(css(`#email`), "rosa@example.org"),
		chromedp.SendKeys(css(`#credit_as`), "Rosa Finder (Example Research)"),
		shot("e2e-01-report-form"),
		button("Send report"),
		chromedp.WaitVisible(css(`#h-state`)),
	)
	status := location()
	if !strings.Contains(status, "/report/status/") {
		t.Fatalf("the report led to %s, not its status page", status)
	}
	tracking := text(`dl.facts code`)
	do("the reporter follows the status link and writes",
		chromedp.Navigate(status), // the link as the reporter keeps it
		chromedp.WaitVisible(css(`#h-state`)),
		chromedp.SendKeys(css(`textarea#body`), "A screen recording of the attack is at https://share.example.org/rosa/fixation.webm"),
		button("Send message"),
		chromedp.WaitVisible(chromedp.Search(`//p[contains(@class, "done")] | //pre[contains(., "cross-site form refused")]`)),
	)
	// The site's Referrer-Policy no-referrer makes chromium post with
	// "Origin: null": the reply must still be taken.
	if got := text("body"); strings.Contains(got, "cross-site form refused") {
		t.Fatalf("the reporter's reply on the status page was refused in the browser (%q)", got)
	}
	replied := true
	do("the status page", shot("e2e-02-status"))
	if got := text("main"); !strings.Contains(got, title) || !strings.Contains(got, tracking) || !strings.Contains(got, "not assigned yet") ||
		replied && !strings.Contains(got, "screen recording") {
		t.Errorf("the status page shows:\n%s", got)
	}

	// 2. The PSIRT: the inbox with the clock, the reporter's message, triage.
	do("the PSIRT signs in to the inbox",
		chromedp.Navigate(srv.URL+"/ui/inbox"),
		chromedp.WaitVisible(css(`#password`)),
		chromedp.SendKeys(css(`#name`), f.users[user.PSIRT]),
		chromedp.SendKeys(css(`#password`), password),
		chromedp.Submit(css(`#password`)),
		chromedp.WaitVisible(css(`table.inbox`)),
		shot("e2e-03-inbox"),
	)
	clock, err := chromedp.Run(ctx, chromedp.Text(chromedp.Search(fmt.Sprintf(`//tr[.//a[normalize-space()=%q]]/td[@data-label="Triage clock"]`, title))))
	if err != nil || !strings.Contains(clock, "left") {
		t.Errorf("the report's triage clock in the inbox: %q (%v)", clock, err)
	}
	do("the reporter's message, acknowledged",
		chromedp.Click(chromedp.Search(fmt.Sprintf(`//a[normalize-space()=%q]`, tracking))),
		chromedp.WaitVisible(css(`#messages`)),
		chromedp.Click(chromedp.Search(`//a[normalize-space()="Acknowledgement"]`)),
		chromedp.WaitVisible(chromedp.Search(`//textarea[@id="body" and string-length(normalize-space(.)) > 0]`)),
		button("Send"),
		notice("Sent to the reporter"),
		shot("e2e-04-report"),
	)
	if got := text("#messages"); replied && !strings.Contains(got, "screen recording") || !strings.Contains(got, tracking) {
		t.Errorf("the conversation on the report page:\n%s", got)
	}
	do("open the case",
		chromedp.Navigate(srv.URL+"/ui/inbox"),
		chromedp.Click(chromedp.Search(fmt.Sprintf(`//a[normalize-space()=%q]`, title))),
		chromedp.WaitVisible(css(`.stepper`)),
		shot("e2e-05-case-received"),
	)
	caseURL := location()
	if !strings.Contains(caseURL, "/ui/cases/") {
		t.Fatalf("the report's title led to %s", caseURL)
	}
	caseURL = strings.SplitN(caseURL, "?", 2)[0]
	do("task force and summary, start triage",
		chromedp.SendKeys(css(`#task_force`), f.users[user.PSIRT]),
		chromedp.SetValue(css(`#summary`), "A session fixation in the login of the Gateway lets an attacker take over an administrator's session."),
		button("Save"),
		notice("Saved."),
		button("Start triage"),
		notice("The case is now Triage"),
	)
	do("the affected branches",
		chromedp.Click(css(`#scope > summary`)),
		chromedp.SetValue(css(`#product`), fmt.Sprint(f.product.ID)),
		chromedp.Click(css(fmt.Sprintf(`#scope input[name="branch"][value="%d"]`, f.branch.ID))),
		chromedp.Click(css(fmt.Sprintf(`#scope input[name="branch"][value="%d"]`, b80.ID))),
		button("Save the scope"),
		notice("Saved: Product and branches"),
	)
	do("the risk with the CVSS calculator",
		chromedp.Click(css(`#risk details.edit > summary`)),
		chromedp.SetValue(css(`#cvss31_AV`), "N"), chromedp.SetValue(css(`#cvss31_AC`), "L"), chromedp.SetValue(css(`#cvss31_PR`), "N"),
		chromedp.SetValue(css(`#cvss31_UI`), "R"), chromedp.SetValue(css(`#cvss31_S`), "U"), chromedp.SetValue(css(`#cvss31_C`), "H"),
		chromedp.SetValue(css(`#cvss31_I`), "H"), chromedp.SetValue(css(`#cvss31_A`), "N"),
		chromedp.SendKeys(css(`#cwe`), "384"),
		shot("e2e-06-case-calculator"),
		button("Save the risk"),
		notice("Saved: Risk"),
	)
	if got := text("#risk"); !strings.Contains(got, "8.1 HIGH") || !strings.Contains(got, "CWE-384") {
		t.Errorf("the risk section:\n%s", got)
	}
	do("confirm",
		button("Confirm"),
		notice("The case is now Confirmed"),
		shot("e2e-07-case-confirmed"),
	)
	if got := text("#fixes"); !strings.Contains(got, "7.3") || !strings.Contains(got, "8.0") || strings.Contains(got, "6.9 (not") {
		t.Errorf("the fix matrix after the scope:\n%s", got)
	}

	// 3. Fixes: the change request, a release planned on each branch from
	// the product page, each fix verified with its target release.
	do("change request, start fixing",
		chromedp.Click(css(`#change_request details.edit > summary`)),
		chromedp.SendKeys(css(`#cr_ref`), "GW-4711"),
		chromedp.SendKeys(css(`#cr_url`), "https://jira.example/browse/GW-4711"),
		button("Save the change request"),
		notice("Saved: Change request"),
		button("Start fixing"),
		notice("The case is now Fixing"),
	)
	for _, b := range []struct {
		id      int64
		version string
	}{{f.branch.ID, "7.3.5"}, {b80.ID, "8.0.1"}} {
		do("plan "+b.version+" on the product page",
			chromedp.Navigate(srv.URL+"/ui/products/"+f.product.Slug),
			chromedp.Click(chromedp.Search(fmt.Sprintf(`//section[@id="branch-%d"]//summary[normalize-space()="Plan a release"]`, b.id))),
			chromedp.SendKeys(css(fmt.Sprintf(`#rv-%d`, b.id)), b.version),
			chromedp.SetValue(css(fmt.Sprintf(`#rk-%d`, b.id)), string(product.Urgent)),
			chromedp.SetValue(css(fmt.Sprintf(`#rp-%d`, b.id)), "2026-03-06"),
			chromedp.SendKeys(css(fmt.Sprintf(`#rn-%d`, b.id)), "Security release for the session fixation."),
			chromedp.Click(chromedp.Search(fmt.Sprintf(`//section[@id="branch-%d"]//button[normalize-space()="Plan release"]`, b.id))),
			notice("Release planned."),
		)
	}
	do("the product's releases",
		chromedp.Navigate(srv.URL+"/ui/products/"+f.product.Slug),
		chromedp.WaitVisible(css(fmt.Sprintf(`#branch-%d`, b80.ID))),
		shot("e2e-08-product-releases"),
	)
	rels := map[int64]string{}
	for _, b := range []int64{f.branch.ID, b80.ID} {
		rs, err := f.svc.Store.ListReleases(f.ctx, b)
		f.must(err)
		for _, r := range rs {
			if r.State == product.Planned {
				rels[b] = fmt.Sprint(r.ID)
			}
		}
	}
	if len(rels) != 2 {
		t.Fatalf("planned releases through the product page: %v", rels)
	}
	for _, b := range []struct {
		id     int64
		name   string
		commit string
	}{{f.branch.ID, "7.3", "9c1e4f2a"}, {b80.ID, "8.0", "b7d03e61"}} {
		do("the verified fix of "+b.name,
			chromedp.Navigate(caseURL),
			chromedp.Click(css(fmt.Sprintf(`#fix-%d > summary`, b.id))),
			chromedp.SetValue(css(fmt.Sprintf(`#status-%d`, b.id)), string(vcase.FixVerified)),
			chromedp.SetValue(css(fmt.Sprintf(`#release-%d`, b.id)), rels[b.id]),
			chromedp.SendKeys(css(fmt.Sprintf(`#commits-%d`, b.id)), b.commit),
			chromedp.SendKeys(css(fmt.Sprintf(`#evidence-%d`, b.id)), "The fixation PoC gets a new session ID after the login on "+b.name+" (tested by pia)."),
			button("Save the fix of "+b.name),
			notice("Saved: Fix"),
		)
	}
	do("the fix matrix",
		chromedp.ScrollIntoView(css(`#fixes`)),
		shot("e2e-09-case-fixes"),
	)
	if got := text("#fixes"); strings.Contains(got, "not verified") || !strings.Contains(got, "7.3.5") || !strings.Contains(got, "8.0.1") {
		t.Errorf("the fix matrix:\n%s", got)
	}

	// 4. The CVE draft, the plan, ready, disclosed.
	do("CVE draft, plan, ready",
		chromedp.Click(css(`#cve details.edit > summary`)),
		chromedp.SendKeys(css(`#cve_id`), cveID),
		chromedp.SendKeys(css(`#description`), "Session fixation in the login of Example Corp Gateway 7.3 before 7.3.5 and 8.0 before 8.0.1 allows a remote attacker to hijack an administrator's session."),
		button("Save the CVE draft"),
		notice("Saved: CVE draft"),
		chromedp.Click(css(`#plan details.edit > summary`)),
		chromedp.SetValue(css(`#planned`), "2026-03-06T12:00"),
		button("Save the plan"),
		notice("Saved: Disclosure plan"),
		button("Mark ready"),
		notice("The case is now Ready"),
		shot("e2e-10-case-ready"),
	)
	f.clk.Advance(4 * time.Hour) // the planned time comes
	do("disclose",
		chromedp.Navigate(caseURL),
		button("Disclose"),
		notice("The case is now Disclosed"),
		shot("e2e-11-case-disclosed"),
	)
	var caseID int64
	if _, err := fmt.Sscanf(caseURL[strings.LastIndex(caseURL, "/")+1:], "%d", &caseID); err != nil {
		t.Fatalf("case URL %s: %v", caseURL, err)
	}
	if c, err := f.svc.Store.CaseByID(f.ctx, caseID); err != nil || c.State != vcase.Disclosed || c.CVEID != cveID {
		t.Errorf("the case after disclosure: %s %s, %v", c.State, c.CVEID, err)
	}

	// 5. The reporter's page names the CVE and the advisory; the public
	// advisory; the entitled customer's advisories.
	do("the reporter's status page after disclosure",
		chromedp.Navigate(status),
		chromedp.WaitVisible(css(`dl.facts a[href^="/advisories/"]`)),
		shot("e2e-12-status-disclosed"),
	)
	if got := text("main"); !strings.Contains(got, cveID) || !strings.Contains(got, tracking) {
		t.Errorf("the status page after disclosure:\n%s", got)
	}
	advisoryID := strings.TrimPrefix(attr(`dl.facts a[href^="/advisories/"]`, "href"), "/advisories/")
	do("the public advisory",
		chromedp.Click(css(`dl.facts a[href^="/advisories/"]`)),
		chromedp.WaitVisible(css(`h1`)),
		shot("e2e-13-public-advisory"),
	)
	if loc := location(); !strings.HasSuffix(loc, "/advisories/"+advisoryID) {
		t.Errorf("the advisory link led to %s", loc)
	}
	if got := text("main"); !strings.Contains(got, cveID) || !strings.Contains(got, "7.3.5") || !strings.Contains(got, "8.0.1") || !strings.Contains(got, "Rosa Finder") {
		t.Errorf("the public advisory:\n%s", got)
	}
	do("the customer's advisories",
		chromedp.Navigate(srv.URL+"/ui/inbox"),
		button("Sign out"),
		chromedp.WaitVisible(css(`.notice`)),
		login(f.users[user.Customer]),
		chromedp.WaitVisible(css(`ul.advisories`)),
		shot("e2e-14-customer-advisories"),
	)
	if loc := location(); !strings.HasSuffix(loc, "/ui/advisories") {
		t.Errorf("the customer's home is %s", loc)
	}
	if got := text("main"); !strings.Contains(got, advisoryID) || !strings.Contains(got, cveID) || !strings.Contains(got, "8.0.1") {
		t.Errorf("the customer's advisories:\n%s", got)
	}
}
