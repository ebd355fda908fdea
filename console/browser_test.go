package console_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/console"
	"github.com/socpilot/socpilot/internal/browsertest"
)

// The browser helpers, under the names this package's tests use.
func browser(t *testing.T) context.Context { return browsertest.Start(t) }

func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	return browsertest.Eval[T](t, ctx, expr)
}

func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	browsertest.Do(t, ctx, steps...)
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	return browsertest.Text(t, ctx, sel)
}

func TestBrowserQueueAndIncident103(t *testing.T) {
	ctx := browser(t)
	o, _ := demoOptions(t)
	hs := newServer(t, o)

	do(t, ctx, chromedp.Navigate(hs.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#queue")))
	numbers := eval[[]string](t, ctx, `Array.from(document.querySelectorAll("#queue tr[data-number]")).map(r => r.dataset.number)`)
	incs, err := o.List(context.Background(), socpilot.IncidentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(numbers) != len(incs) || len(incs) < 16 {
		t.Fatalf("the queue shows %d incidents %v; the demo workspace has %d", len(numbers), numbers, len(incs))
	}
	for _, want := range []string{"101", "103", "113", "116"} {
		if !strings.Contains(" "+strings.Join(numbers, " ")+" ", " "+want+" ") {
			t.Errorf("the queue lacks incident %s: %v", want, numbers)
		}
	}

	// Open 103 from the queue, as an analyst would.
	do(t, ctx, chromedp.Click(chromedp.CSS(`#queue td.num a[href="/incidents/103"]`)), chromedp.WaitVisible(chromedp.CSS("#verdict")))
	if v := text(t, ctx, "#verdict .verdict"); v != "ESCALATE" {
		t.Errorf("incident 103's verdict shows %q, want ESCALATE", v)
	}
	steps := eval[int](t, ctx, `document.querySelectorAll("#checklist li").length`)
	actions := eval[[]string](t, ctx, `Array.from(document.querySelectorAll("#checklist .action")).map(a => a.dataset.verb)`)
	if steps < 3 || len(actions) == 0 {
		t.Errorf("incident 103's checklist: %d steps, typed actions %v", steps, actions)
	}
}

// Incident 113 carries <script>alert(document.cookie)</script> in its title
// and <img src=x onerror=alert(document.domain)> in its description: the
// browser shows them as text, and nothing of them runs.
func TestBrowserIncident113MarkupStaysText(t *testing.T) {
	ctx := browser(t)
	o, _ := demoOptions(t)
	hs := newServer(t, o)

	dialogs := browsertest.TrapAlerts(t, ctx)
	for _, path := range []string{"/incidents/113", "/"} {
		do(t, ctx, chromedp.Navigate(hs.URL+path), chromedp.WaitReady(chromedp.CSS("body")),
			chromedp.Sleep(300*time.Millisecond)) // let an image error fire, were there one
		title := eval[string](t, ctx, `(document.getElementById("incident-title") || document.querySelector('#queue tr[data-number="113"] td.title')).textContent`)
		if !strings.Contains(title, "<script>alert(document.cookie)</script>") {
			t.Errorf("%s: the title does not show the markup as text: %q", path, title)
		}
		if srcs := eval[[]string](t, ctx, `Array.from(document.scripts).map(s => s.getAttribute("src"))`); len(srcs) != 1 || srcs[0] != "/static/console.js" {
			t.Errorf("%s: scripts %v; want only /static/console.js", path, srcs)
		}
		images := eval[int](t, ctx, `document.querySelectorAll("img").length`)
		handlers := eval[int](t, ctx, `Array.from(document.querySelectorAll("*")).filter(e => Array.from(e.attributes).some(a => a.name.startsWith("on"))).length`)
		if images != 0 || handlers != 0 {
			t.Errorf("%s: %d injected images, %d elements with event handlers", path, images, handlers)
		}
		if xss := eval[int](t, ctx, `window.__xss`); xss != 0 || dialogs.Load() != 0 {
			t.Errorf("%s: the payload ran: window.__xss=%d, %d dialogs", path, xss, dialogs.Load())
		}
	}
	do(t, ctx, chromedp.Navigate(hs.URL+"/incidents/113"))
	if desc := text(t, ctx, "#description"); !strings.Contains(desc, `"><img src=x onerror=alert(document.domain)>.aspx`) {
		t.Errorf("the description does not show the <img onerror> as text: %q", desc)
	}
}

// A double click on write-back posts once, and the page shows the result.
func TestBrowserWriteBackDoubleClickPostsOnce(t *testing.T) {
	ctx := browser(t)
	o, _ := demoOptions(t)
	var posts atomic.Int32
	h := console.New(o)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/write") {
			posts.Add(1)
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)

	do(t, ctx, chromedp.Navigate(hs.URL+"/incidents/103"), chromedp.WaitVisible(chromedp.CSS("#writeback")))
	// Two clicks in a row, before the first post has answered.
	eval[bool](t, ctx, `(() => { const b = document.getElementById("writeback"); b.click(); b.click(); return true })()`)
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#write-result")))
	if n := posts.Load(); n != 1 {
		t.Errorf("a double click posted write-back %d times, want 1", n)
	}
	if r := text(t, ctx, "#write-result"); !strings.Contains(r, "created") {
		t.Errorf("write-back result: %q", r)
	}
	d, err := o.Details(context.Background(), 103)
	if err != nil {
		t.Fatal(err)
	}
	reports := 0
	for _, c := range d.Comments {
		if socpilot.OwnComment(c) {
			reports++
		}
	}
	if reports != 1 {
		t.Errorf("incident 103 has %d socpilot reports, want 1", reports)
	}
}
