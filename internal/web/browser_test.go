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
)

// chromium is Debian's browser; the tests never download one.
const chromium = "/usr/bin/chromium"

// artifacts is where the browser test saves its screenshots:
// $VIGIL_ARTIFACTS/web when set (CI keeps that directory), else a
// temporary directory removed after the test.
func artifacts(t *testing.T) string {
	dir := t.TempDir()
	if a := os.Getenv("VIGIL_ARTIFACTS"); a != "" {
		dir = filepath.Join(a, "web")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshots in %s", dir)
	return dir
}

// TestBrowser drives Debian's chromium through the team's UI as served by
// the whole server: the login, the inbox (with a report full of hostile
// strings, which must stay text), a case, one lifecycle step, the case list,
// the phone layout and the logout.
func TestBrowser(t *testing.T) {
	t.Parallel()
	requireChromium(t)
	f := newFixture(t)
	h, err := server.Handler(f.svc, server.Options{Name: "Example Corp"})
	f.must(err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	dir := artifacts(t)

	ctx := startChromium(t, 2*time.Minute)
	st := steps{t: t, ctx: ctx}
	do, text, location := st.do, st.text, st.location

	// The hostile strings are text: no element they could have made exists.
	injected := func() int {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('script:not([src^="/ui/static/"]), img, svg, [onerror], [onload], iframe').length`))
		if err != nil {
			t.Fatalf("count elements: %v", err)
		}
		return n
	}
	shot := func(name string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			png, err := chromedp.FullScreenshot(100)(ctx, tg)
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
		})
	}

	name := f.users[user.PSIRT]
	do("open the inbox without a session",
		chromedp.Navigate(srv.URL+"/ui/inbox"),
		chromedp.WaitVisible(chromedp.CSS(`#name`)),
		shot("01-login"),
	)
	if loc := location(); !strings.Contains(loc, "/ui/login?next=") {
		t.Errorf("without a session the inbox led to %s", loc)
	}
	do("log in",
		chromedp.SendKeys(chromedp.CSS(`#name`), name),
		chromedp.SendKeys(chromedp.CSS(`#password`), password),
		chromedp.Submit(chromedp.CSS(`#password`)),
		chromedp.WaitVisible(chromedp.CSS(`table.list`)),
		shot("02-inbox"),
	)
	loc, main := location(), text("main")
	if !strings.HasSuffix(loc, "/ui/inbox") || !strings.Contains(main, "Stored XSS in the dashboard") || !strings.Contains(main, "<script>alert(1)</script>") {
		t.Errorf("the inbox at %s shows:\n%s", loc, main)
	}
	if !strings.Contains(main, "left") {
		t.Errorf("the inbox shows no triage clock:\n%s", main)
	}
	if n := injected(); n != 0 {
		t.Errorf("%d elements made of hostile strings in the inbox", n)
	}
	do("open the case",
		chromedp.Click(chromedp.Search(`//a[normalize-space()="Stored XSS in the dashboard"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.stepper`)),
		shot("03-case"),
	)
	if loc := location(); !strings.HasSuffix(loc, fmt.Sprintf("/ui/cases/%d", f.caseID)) {
		t.Errorf("the case link led to %s", loc)
	}
	do("start triage",
		chromedp.Click(chromedp.Search(`//button[normalize-space()="Start triage"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.notice`)),
		shot("04-case-after-triage"),
	)
	if got := text(".notice"); !strings.Contains(got, "The case is now Triage") {
		t.Errorf("after the transition: %q", got)
	}
	do("the hostile case",
		chromedp.Navigate(fmt.Sprintf("%s/ui/cases/%d", srv.URL, f.evilID)),
		chromedp.WaitVisible(chromedp.CSS(`.stepper`)),
		shot("05-case-hostile"),
	)
	if n := injected(); n != 0 {
		t.Errorf("%d elements made of hostile strings on the case page", n)
	}
	do("case list",
		chromedp.Navigate(srv.URL+"/ui/cases"),
		chromedp.WaitVisible(chromedp.CSS(`table.list`)),
		shot("06-cases"),
		chromedp.SetValue(chromedp.CSS(`#f-state`), "triage"),
		chromedp.Submit(chromedp.CSS(`#f-state`)),
		chromedp.WaitVisible(chromedp.CSS(`.filters a[href="/ui/cases"]`)), // "Clear" appears once filtered
		shot("07-cases-filtered"),
	)
	if got := text("table.list"); !strings.Contains(got, "Stored XSS in the dashboard") || strings.Contains(got, "Received") {
		t.Errorf("the triage filter shows:\n%s", got)
	}
	do("phone",
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(fmt.Sprintf("%s/ui/cases/%d", srv.URL, f.caseID)),
		chromedp.WaitVisible(chromedp.CSS(`.stepper`)),
		shot("08-case-phone"),
		chromedp.Navigate(srv.URL+"/ui/inbox"),
		chromedp.WaitVisible(chromedp.CSS(`table.list`)),
		shot("09-inbox-phone"),
		chromedp.EmulateViewport(1366, 900),
	)
	do("log out",
		chromedp.Click(chromedp.Search(`//button[normalize-space()="Sign out"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.notice`)),
		chromedp.Navigate(srv.URL+"/ui/inbox"),
		chromedp.WaitVisible(chromedp.CSS(`#name`)),
	)
	if loc := location(); !strings.Contains(loc, "/ui/login") {
		t.Errorf("after logout the inbox led to %s", loc)
	}
}
