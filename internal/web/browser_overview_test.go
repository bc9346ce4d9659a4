package web_test

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vigil-psirt/vigil/internal/server"
	"github.com/vigil-psirt/vigil/internal/user"
)

// TestBrowserOverview drives Debian's chromium through this area's pages as
// the whole server serves them: a report sent through the public form and
// its status page; the dashboard (with its SVG charts), the schedule, the
// audit trail with the chain verified, the outbox; the dashboard on a
// phone; then the customer's advisories and subscriptions.
func TestBrowserOverview(t *testing.T) {
	t.Parallel()
	requireChromium(t)
	o := newOverview(t)
	o.clk.Advance(2 * 24 * time.Hour) // the hostile case's triage clock is breached
	h, err := server.Handler(o.svc, server.Options{Name: "Example Corp"})
	o.must(err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	dir := artifacts(t)

	ctx := startChromium(t, 2*time.Minute)
	st := steps{t: t, ctx: ctx}
	do, text := st.do, st.text

	count := func(sel string) int {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+"`"+sel+"`"+`).length`))
		if err != nil {
			t.Fatalf("count %s: %v", sel, err)
		}
		return n
	}
	// Elements a hostile string could have made; the charts' own SVG aside.
	const injected = `script, img, svg:not(.chart-svg), [onerror], [onload], iframe`
	shot := func(name string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			png, err := chromedp.FullScreenshot(100)(ctx, tg)
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dir, "overview-"+name+".png"), png, 0o644)
		})
	}
	login := func(name string) {
		t.Helper()
		do("log in as "+name,
			chromedp.Navigate(srv.URL+"/ui/login"),
			chromedp.WaitVisible(chromedp.CSS(`#name`)),
			chromedp.SendKeys(chromedp.CSS(`#name`), name),
			chromedp.SendKeys(chromedp.CSS(`#password`), password),
			chromedp.Submit(chromedp.CSS(`#password`)),
			chromedp.WaitVisible(chromedp.CSS(`main h1`)),
		)
	}

	do("a public report and its status page",
		chromedp.Navigate(srv.URL+"/report"),
		chromedp.WaitVisible(chromedp.CSS(`#title`)),
		chromedp.SendKeys(chromedp.CSS(`#title`), "Path traversal in the firmware upload"),
		chromedp.SendKeys(chromedp.CSS(`#body`), "POST /upload with ../../etc/passwd as the name writes outside the upload directory."),
		chromedp.SendKeys(chromedp.CSS(`#credit_as`), "Rita Reporter"),
		chromedp.Submit(chromedp.CSS(`#title`)),
		chromedp.WaitVisible(chromedp.CSS(`.progress`)),
		shot("01-reporter-status"),
	)
	if got := text("main"); !strings.Contains(got, "Path traversal in the firmware upload") || !strings.Contains(got, "not assigned yet") {
		t.Errorf("the status page shows:\n%s", got)
	}

	login(o.users[user.PSIRT])
	do("the dashboard",
		chromedp.WaitVisible(chromedp.CSS(`.kpis`)),
		shot("02-dashboard"),
	)
	if n := count(`svg.chart-svg rect.bar`); n < 2 {
		t.Errorf("%d bars in the charts", n)
	}
	if n := count(injected); n != 0 {
		t.Errorf("%d elements made of hostile strings on the dashboard", n)
	}
	if got := text(".kpis"); !strings.Contains(got, "breached") {
		t.Errorf("the summary shows: %q", got)
	}
	do("the schedule",
		chromedp.Click(chromedp.Search(`//nav[@aria-label="Main"]//a[normalize-space()="Schedule"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.schedule`)),
		shot("03-schedule"),
	)
	if got := text(".schedule"); !strings.Contains(got, "Script injection in the dashboard") || strings.Contains(got, "zqdetails") {
		t.Errorf("the schedule shows:\n%s", got)
	}
	do("the audit trail, verified",
		chromedp.Click(chromedp.Search(`//nav[@aria-label="Main"]//a[normalize-space()="Audit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`table.audit`)),
		chromedp.Click(chromedp.Search(`//a[normalize-space()="Verify the chain"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.verify .notice`)),
		shot("04-audit"),
		chromedp.SetValue(chromedp.CSS(`#f-action`), "case.confirm"),
		chromedp.Submit(chromedp.CSS(`#f-action`)),
		chromedp.WaitVisible(chromedp.CSS(`.filters a[href="/ui/audit"]`)),
	)
	if got := text("table.audit tbody"); !strings.Contains(got, "case.confirm") || strings.Contains(got, "case.triage") {
		t.Errorf("the filtered trail shows:\n%s", got)
	}
	do("the outbox",
		chromedp.Click(chromedp.Search(`//nav[@aria-label="Main"]//a[normalize-space()="Outbox"]`)),
		chromedp.WaitVisible(chromedp.CSS(`table.list`)),
		shot("05-outbox"),
	)
	do("the dashboard on a phone",
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(srv.URL+"/ui/dashboard"),
		chromedp.WaitVisible(chromedp.CSS(`.kpis`)),
		shot("06-dashboard-phone"),
		chromedp.EmulateViewport(1366, 900),
		chromedp.Click(chromedp.Search(`//button[normalize-space()="Sign out"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.notice`)),
	)

	login(o.users[user.Customer])
	do("the customer's advisories",
		chromedp.WaitVisible(chromedp.CSS(`.tabs`)),
		shot("07-customer-advisories"),
	)
	if got := text("main"); !strings.Contains(got, "VIGIL-SA-2026-001") || strings.Contains(got, "VIGIL-SA-2026-002") {
		t.Errorf("the customer's advisories:\n%s", got)
	}
	if n := count(injected); n != 0 {
		t.Errorf("%d elements made of hostile strings on the customer's advisories", n)
	}
	do("the customer's subscriptions",
		chromedp.Click(chromedp.Search(`//nav[@class="tabs"]//a[normalize-space()="Subscriptions"]`)),
		chromedp.WaitVisible(chromedp.CSS(`table.list`)),
		chromedp.Click(chromedp.CSS(`#p-gateway button`)),
		chromedp.WaitVisible(chromedp.CSS(`.notice`)),
		shot("08-customer-subscriptions"),
	)
	if got := text(".notice"); !strings.Contains(got, "Unsubscribed from Gateway") {
		t.Errorf("after unsubscribing: %q", got)
	}
}
