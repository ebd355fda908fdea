// Package browsertest starts Debian's headless Chromium for tests, through
// chromedp, with the flags known to work on these machines.
package browsertest

import (
	"context"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// ChromiumPath is Debian's Chromium. Where it is absent the browser tests
// skip, unless SOCPILOT_TEST_BROWSER=1 (CI, which installs it) makes that a
// failure.
const ChromiumPath = "/usr/bin/chromium"

// Start starts a fresh headless Chromium for the test and returns a tab
// whose steps run under a 60 s deadline. No sandbox (tests may run as
// root), and nothing that reaches beyond loopback.
func Start(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(ChromiumPath); err != nil {
		if os.Getenv("SOCPILOT_TEST_BROWSER") == "1" {
			t.Fatalf("SOCPILOT_TEST_BROWSER=1 but %s is missing: install Debian's chromium (apt-get install chromium)", ChromiumPath)
		}
		t.Skipf("browser test skipped: %s is missing (apt-get install chromium; SOCPILOT_TEST_BROWSER=1 makes this a failure)", ChromiumPath)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(ChromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-proxy-server", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelTab(); cancelAlloc() })
	// Start the browser now, without a deadline (one on the first run
	// would bound the browser's life), so a Chromium that cannot start
	// fails here; the test's steps then run under a deadline.
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start %s: %v", ChromiumPath, err)
	}
	ctx, cancelTimeout := context.WithTimeout(bctx, 60*time.Second)
	t.Cleanup(cancelTimeout)
	return ctx
}

// Eval evaluates a JavaScript expression on the page.
func Eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// Do runs steps, failing the test on an error.
func Do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// Text is the text of the first element sel matches.
func Text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// Screenshot saves a PNG of the element sel matches, or of the viewport
// when sel is "", to path.
func Screenshot(t *testing.T, ctx context.Context, path, sel string) {
	t.Helper()
	var b []byte
	var err error
	if sel == "" {
		b, err = chromedp.Run(ctx, chromedp.CaptureScreenshot())
	} else {
		b, err = chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(sel)))
	}
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TrapAlerts makes any alert, confirm or prompt an injected payload
// reaches countable: window.alert only counts into window.__xss on every
// page the tab opens, and a dialog that opens anyway is dismissed and
// counted in the returned counter.
func TrapAlerts(t *testing.T, ctx context.Context) *atomic.Int32 {
	t.Helper()
	var dialogs atomic.Int32
	if err := chromedp.Listen(ctx, func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			dialogs.Add(1)
			go chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{})
		}
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.__xss = 0; window.alert = function () { window.__xss++; };`}); err != nil {
		t.Fatal(err)
	}
	return &dialogs
}
