package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/internal/browsertest"
	"github.com/socpilot/socpilot/llm/llmtest"
	"github.com/socpilot/socpilot/sqlite"
)

// The web console as an analyst meets it: `socpilot serve` on the demo
// workspace, its own process, with a scripted model, driven in Debian's
// Chromium. With SOCPILOT_SCREENSHOTS=DIR the run saves the README's
// screenshots there.
func TestBrowserServeConsole(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes and a browser")
	}
	ctx := browsertest.Start(t)
	dialogs := browsertest.TrapAlerts(t, ctx)
	hold := make(chan struct{})
	var firstChunk time.Time
	firstSent := make(chan struct{})
	srv := llmtest.New(t).Func(func(llmtest.Request) llmtest.Response {
		return llmtest.Response{
			Chunks: []string{"The sign-ins ", "came from ", "a TOR exit node <img src=x onerror=alert(1)>; ",
				"block it at the proxy and reset ", "the account's password."},
			HoldLast: hold,
			OnChunk: func(i int, at time.Time) {
				if i == 0 {
					firstChunk = at
					close(firstSent)
				}
			},
		}
	})
	env := modelEnv(t, srv)
	p := startServe(t, env)
	base := "http://" + p.addr
	shots := os.Getenv("SOCPILOT_SCREENSHOTS")
	shot := func(name, sel string) {
		if shots != "" {
			browsertest.Screenshot(t, ctx, filepath.Join(shots, name), sel)
		}
	}

	// The queue lists the demo incidents, with the automation's column.
	browsertest.Do(t, ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#queue")))
	if n := browsertest.Eval[int](t, ctx, `document.querySelectorAll("#queue tr[data-number]").length`); n < 16 {
		t.Fatalf("the queue shows %d incidents, want the demo's 16", n)
	}
	if h := browsertest.Text(t, ctx, "#queue thead"); !strings.Contains(h, "Automation") || !strings.Contains(h, "Verdict") {
		t.Errorf("queue header %q lacks the verdict or automation column", h)
	}

	// 103: ESCALATE with its checklist.
	browsertest.Do(t, ctx, chromedp.Navigate(base+"/incidents/103"), chromedp.WaitVisible(chromedp.CSS("#verdict")))
	if v := browsertest.Text(t, ctx, "#verdict .verdict"); v != "ESCALATE" {
		t.Errorf("incident 103 shows %q, want ESCALATE", v)
	}
	if n := browsertest.Eval[int](t, ctx, `document.querySelectorAll("#checklist li").length`); n < 3 {
		t.Errorf("incident 103's checklist has %d steps", n)
	}
	shot("incident.png", "")
	if n := browsertest.Eval[int](t, ctx, `document.querySelectorAll("#entity-graph svg, #timeline-chart svg").length`); n != 2 {
		t.Errorf("incident 103 shows %d of its two charts", n)
	}
	shot("graph.png", "#entity-graph")
	shot("timeline.png", "#timeline-chart")

	// A question streams: the first words are on screen while the model
	// still holds its last chunk.
	browsertest.Eval[bool](t, ctx, `(() => {
		window.__first = 0;
		new MutationObserver(() => {
			const a = document.querySelector("#chat-log .turn-assistant .turn-text");
			if (!window.__first && a && a.textContent) { window.__first = Date.now(); }
		}).observe(document.getElementById("chat-log"), {subtree: true, childList: true, characterData: true});
		return true;
	})()`)
	browsertest.Do(t, ctx, chromedp.SendKeys(chromedp.CSS("#chat-message"), "Where did the sign-ins come from?"),
		chromedp.Click(chromedp.CSS("#chat-send")))
	select {
	case <-firstSent:
	case <-time.After(20 * time.Second):
		t.Fatal("the model was not asked")
	}
	var partial string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		partial = browsertest.Eval[string](t, ctx, `(document.querySelector("#chat-log .turn-assistant .turn-text") || {}).textContent || ""`)
		if partial != "" || time.Now().After(deadline) {
			break
		}
	}
	if !strings.HasPrefix(partial, "The sign-ins") || strings.Contains(partial, "password") {
		t.Fatalf("before the last chunk was sent the page shows %q; want the first words only", partial)
	}
	seen := time.UnixMilli(int64(browsertest.Eval[float64](t, ctx, `window.__first`)))
	t.Logf("first token on screen %.1f ms after the model sent it", float64(seen.Sub(firstChunk).Microseconds())/1000)
	close(hold)
	browsertest.Do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#chat-log .turn-assistant form.rate")))
	if got := browsertest.Text(t, ctx, "#chat-log .turn-assistant .turn-text"); !strings.Contains(got, "reset the account's password.") {
		t.Errorf("the whole answer is not shown: %q", got)
	}
	if r := browsertest.Text(t, ctx, "#chat-status"); !strings.Contains(r, "test-model") || !strings.Contains(r, "tokens") {
		t.Errorf("receipt %q lacks the model and its tokens", r)
	}
	if u := browsertest.Eval[string](t, ctx, `location.search`); !strings.HasPrefix(u, "?conv=") {
		t.Errorf("the page's address %q does not keep the conversation", u)
	}
	shot("chat.png", "#chat")
	if n := browsertest.Eval[int](t, ctx, `document.querySelectorAll("#chat img").length + window.__xss`) + int(dialogs.Load()); n != 0 {
		t.Errorf("the model's <img onerror> became markup or ran (%d)", n)
	}

	// Rate the answer: it is kept with the audit trail.
	browsertest.Do(t, ctx, chromedp.Click(chromedp.CSS(`#chat-log form.rate button[value="up"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#chat-log form.rate button.chosen`)))
	st, err := sqlite.Open(context.Background(), filepath.Join(env["SOCPILOT_STATE_DIR"], "socpilot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ratings, err := st.Ratings(context.Background(), 0)
	if err != nil || len(ratings) != 1 || ratings[0].Value != socpilot.RatingUp || !strings.HasSuffix(ratings[0].Model, "test-model") {
		t.Errorf("ratings in the store: %+v, %v", ratings, err)
	}

	// A reload shows the conversation from the store.
	browsertest.Do(t, ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#chat-log .turn-user")))
	if n := browsertest.Eval[int](t, ctx, `document.querySelectorAll("#chat-log .turn").length`); n != 2 {
		t.Errorf("after a reload the chat shows %d turns, want 2", n)
	}

	// Write-back on a double click writes one report.
	browsertest.Eval[bool](t, ctx, `(() => { const b = document.getElementById("writeback"); b.click(); b.click(); return true })()`)
	browsertest.Do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#write-result")))
	code, out, stderr := runCLI(t, env, "", "incident", "103", "-o", "json")
	if code != 0 {
		t.Fatalf("incident 103: exit %d: %s", code, stderr)
	}
	var d socpilot.IncidentDetails
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	reports := 0
	for _, c := range d.Comments {
		if socpilot.OwnComment(c) {
			reports++
		}
	}
	if reports != 1 {
		t.Errorf("incident 103 has %d socpilot reports after a double click, want 1", reports)
	}
	// Incident 113's <script> title and <img onerror> description stay text.
	browsertest.Do(t, ctx, chromedp.Navigate(base+"/incidents/113"), chromedp.WaitVisible(chromedp.CSS("#description")), chromedp.Sleep(300*time.Millisecond))
	if title := browsertest.Text(t, ctx, "#incident-title"); !strings.Contains(title, "<script>") {
		t.Errorf("113's title does not show its markup as text: %q", title)
	}
	if n := browsertest.Eval[int](t, ctx, `document.querySelectorAll("img").length + document.scripts.length - 1 + window.__xss`); n != 0 {
		t.Errorf("113's markup became live on the page (%d)", n)
	}

	p.stop(t)

	// After a restart the queue still shows 103's verdict: it is kept in the store.
	p = startServe(t, env)
	browsertest.Do(t, ctx, chromedp.Navigate("http://"+p.addr+"/"), chromedp.WaitVisible(chromedp.CSS("#queue")))
	if v := browsertest.Text(t, ctx, `#queue tr[data-number="103"] .verdict`); v != "ESCALATE" {
		t.Errorf("after a restart the queue shows 103's verdict as %q, want ESCALATE", v)
	}
	shot("queue.png", "")
	p.stop(t)
}
