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

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/product"
	"github.com/vigil-psirt/vigil/internal/server"
	"github.com/vigil-psirt/vigil/internal/sharedtest"
	"github.com/vigil-psirt/vigil/internal/user"
)

// TestBrowserMonitor drives Debian's chromium through monitoring as a PSIRT
// member with Debian's real advisories: the products and their supported
// versions, a release whose real SBOM is uploaded through the form, the
// findings and their filters, a finding with a refused and then a recorded
// applicability rule, the rules, the release plan with its calendar, the
// feed runs and a rematch, and the phone layout. Hostile strings in a
// product and a release must stay text.
func TestBrowserMonitor(t *testing.T) {
	t.Parallel()
	requireChromium(t)
	sbomPath := sharedtest.Path(t, "peer-outputs", "test-bullseye-3pkgs.cdx.json")
	f := newFixture(t)
	f.importFeeds(debianRecords(t))
	evil, err := f.svc.CreateProduct(f.ctx, admin, product.Product{Slug: "edge", Name: "Edge Router " + hostile[0], Description: hostile[1], Upstreams: []string{"Debian 12", hostile[2]}})
	f.must(err)
	eb, err := f.svc.CreateBranch(f.ctx, admin, product.Branch{ProductID: evil.ID, Name: "2"})
	f.must(err)
	_, err = f.svc.CreateRelease(f.ctx, admin, casework.NewRelease{BranchID: eb.ID, Version: "2.0.0", State: product.Published})
	f.must(err)
	planned := time.Date(2026, 3, 18, 0, 0, 0, 0, time.UTC)
	_, err = f.svc.CreateRelease(f.ctx, admin, casework.NewRelease{BranchID: eb.ID, Version: "2.0.1", Kind: product.Urgent, Notes: hostile[4], PlannedAt: &planned})
	f.must(err)
	rel := f.release("7.3.4")

	h, err := server.Handler(f.svc, server.Options{Name: "Example Corp"})
	f.must(err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	dir := artifacts(t)

	ctx := startChromium(t, 2*time.Minute)
	st := steps{t: t, ctx: ctx}
	do, text := st.do, st.text

	// The hostile strings are text: no element they could have made exists
	// (the severity swatches are the pages' own SVG).
	injected := func(where string) {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('script, img, svg:not(.swatch), [onerror], [onload], iframe').length`))
		if err != nil {
			t.Fatalf("count elements: %v", err)
		}
		if n != 0 {
			t.Errorf("%d elements made of hostile strings on %s", n, where)
		}
	}
	shot := func(name string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			png, err := chromedp.FullScreenshot(100)(ctx, tg)
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dir, "monitor-"+name+".png"), png, 0o644)
		})
	}

	do("log in",
		chromedp.Navigate(srv.URL+"/ui/products"),
		chromedp.WaitVisible(chromedp.CSS(`#name`)),
		chromedp.SendKeys(chromedp.CSS(`#name`), f.users[user.PSIRT]),
		chromedp.SendKeys(chromedp.CSS(`#password`), password),
		chromedp.Submit(chromedp.CSS(`#password`)),
		chromedp.WaitVisible(chromedp.CSS(`#h-supported`)),
		shot("01-products"),
	)
	if got := text("main"); !strings.Contains(got, "Edge Router <script>alert(1)</script>") || !strings.Contains(got, "7.3.4") {
		t.Errorf("the products page shows:\n%s", got)
	}
	injected("the products page")

	do("the product",
		chromedp.Click(chromedp.Search(`//a[normalize-space()="Gateway"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#h-newbranch`)),
		shot("02-product"),
	)
	do("the release and its SBOM upload",
		chromedp.Navigate(fmt.Sprintf("%s/ui/releases/%d", srv.URL, rel.ID)),
		chromedp.WaitVisible(chromedp.CSS(`#sb-file`)),
		chromedp.SetUploadFiles(chromedp.CSS(`#sb-file`), []string{sbomPath}),
		chromedp.Click(chromedp.Search(`//button[normalize-space()="Import and match"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.notice`)),
		shot("03-release"),
	)
	if got := text(".notice"); !strings.Contains(got, "SBOM imported and matched") || !strings.Contains(got, "Components 3") {
		t.Errorf("after the upload: %q", got)
	}
	if got := text("#components"); !strings.Contains(got, "xorg-server") || !strings.Contains(got, "openssl") {
		t.Errorf("the components:\n%s", got)
	}

	do("the findings",
		chromedp.Click(chromedp.Search(`//a[contains(@class,"stat")][.//span[normalize-space()="open"]]`)),
		chromedp.WaitVisible(chromedp.CSS(`table.findings`)),
		shot("04-findings"),
		chromedp.SetValue(chromedp.CSS(`#f-pkg`), "xorg-server"),
		chromedp.Submit(chromedp.CSS(`#f-pkg`)),
		chromedp.WaitVisible(chromedp.CSS(`.filters a[href="/ui/findings"]`)),
	)
	if got := text("table.findings"); !strings.Contains(got, "CVE-2023-1393") || strings.Contains(got, "DSA-5343-1") {
		t.Errorf("the package filter shows:\n%s", got)
	}
	do("a finding, a refused rule, a recorded one",
		chromedp.Click(chromedp.Search(`//a[normalize-space()="CVE-2023-1393"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#h-rule`)),
		shot("05-finding"),
		chromedp.SetValue(chromedp.CSS(`#r-versions`), "<<nonsense"),
		chromedp.Click(chromedp.Search(`//button[normalize-space()="Record rule"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#r-note-err`)),
		shot("06-finding-rule-refused"),
	)
	for _, sel := range []string{"#r-just-err", "#r-reason-err", "#r-versions-err"} {
		if text(sel) == "" {
			t.Errorf("no problem next to %s", sel)
		}
	}
	// Choose as a user does, by the options' values.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		document.querySelector('#r-versions').value = '';
		document.querySelector('#r-just').value = 'vulnerable_code_not_in_execute_path';
		document.querySelector('#r-reason').value = 'feature_not_used';
		return true })()`)); err != nil {
		t.Fatalf("fill the rule: %v", err)
	}
	do("record the rule",
		chromedp.SendKeys(chromedp.CSS(`#r-note`), "No X server runs on the appliance."),
		chromedp.Click(chromedp.Search(`//button[normalize-space()="Record rule"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.notice`)),
	)
	if got := text("#status"); !strings.Contains(got, "Not affected") {
		t.Errorf("the finding after the rule:\n%s", got)
	}
	do("the rules",
		chromedp.Navigate(srv.URL+"/ui/rules"),
		chromedp.WaitVisible(chromedp.CSS(`table.list`)),
		shot("07-rules"),
	)
	do("the plan",
		chromedp.Navigate(srv.URL+"/ui/plans"),
		chromedp.WaitVisible(chromedp.CSS(`table.cal`)),
		shot("08-plans"),
	)
	if got := text("main"); !strings.Contains(got, "7.3.5") || !strings.Contains(got, "openssl") || !strings.Contains(got, "Edge Router") {
		t.Errorf("the plan shows:\n%s", got)
	}
	injected("the plan")
	do("the feeds and a rematch",
		chromedp.Navigate(srv.URL+"/ui/feeds"),
		chromedp.WaitVisible(chromedp.CSS(`table.list`)),
		chromedp.Click(chromedp.Search(`//button[normalize-space()="Rematch now"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.notice`)),
		shot("09-feeds"),
	)
	if got := text(".notice"); !strings.Contains(got, "Rematch done") {
		t.Errorf("after the rematch: %q", got)
	}
	do("phone",
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(srv.URL+"/ui/findings"),
		chromedp.WaitVisible(chromedp.CSS(`table.findings`)),
		shot("10-findings-phone"),
		chromedp.Navigate(srv.URL+"/ui/plans"),
		chromedp.WaitVisible(chromedp.CSS(`table.cal`)),
		shot("11-plans-phone"),
		chromedp.EmulateViewport(1366, 900),
	)
}
