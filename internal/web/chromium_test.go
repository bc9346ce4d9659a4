package web_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// requireChromium skips a browser test without Debian's chromium, except
// in CI (.ci/run installs it), and in -short runs.
func requireChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required in CI (.ci/run installs it): %v", chromium, err)
		}
		t.Skipf("%s is missing; apt-get install chromium (or bash .ci/run)", chromium)
	}
	if testing.Short() {
		t.Skip("the browser test is not short")
	}
}

// startChromium starts Debian's chromium headless (no sandbox, no GPU, no
// background networking) for one test, within one deadline for the whole
// browser, and returns the context its actions run in; the test's cleanup
// stops it.
func startChromium(t *testing.T, timeout time.Duration) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1366, 900),
	}
	tctx, cancelTimeout := context.WithTimeout(context.Background(), timeout)
	actx, cancelAlloc := chromedp.NewExecAllocator(tctx, opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc(); cancelTimeout() })
	return ctx
}

// steps runs a browser test's steps on its chromium, failing the test
// with the step's name.
type steps struct {
	t   *testing.T
	ctx context.Context
}

// do runs one step's actions and logs how long they took.
func (s steps) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	s.t.Helper()
	start := time.Now()
	if err := chromedp.Do(s.ctx, actions...); err != nil {
		s.t.Fatalf("%s: %v", step, err)
	}
	s.t.Logf("%s: %v", step, time.Since(start).Round(time.Millisecond))
}

// text is the text of the first element sel selects.
func (s steps) text(sel string) string {
	s.t.Helper()
	v, err := chromedp.Run(s.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		s.t.Fatalf("text of %s: %v", sel, err)
	}
	return v
}

// location is the page's URL.
func (s steps) location() string {
	s.t.Helper()
	v, err := chromedp.Run(s.ctx, chromedp.Location())
	if err != nil {
		s.t.Fatalf("location: %v", err)
	}
	return v
}
