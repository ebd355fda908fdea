package console_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/socpilot/socpilot/internal/browsertest"
)

// Chromium draws both charts of demo incident 103: one mark per event or
// cluster, a node per alert, labels inside their boxes with the fonts the
// browser really has, and the related incident as a working link.
func TestBrowserChartsRender(t *testing.T) {
	ctx := browser(t)
	o := visualOptions(t)
	hs := newServer(t, o)
	d, err := o.Details(context.Background(), 103)
	if err != nil {
		t.Fatal(err)
	}

	do(t, ctx, chromedp.Navigate(hs.URL+"/incidents/103"), chromedp.WaitVisible(chromedp.CSS("#entity-graph svg")))
	counts := eval[map[string]int](t, ctx, `(() => {
		const n = s => document.querySelectorAll(s).length;
		return {
			svgs: n("#timeline-chart svg") + n("#entity-graph svg"),
			lanes: n("#timeline-chart .tl-lane-label"),
			marks: n("#timeline-chart g.tl-mark circle"),
			ticks: n("#timeline-chart .tl-tick"),
			edges: n("#timeline-chart g.tl-edge"),
			alerts: n("#entity-graph g.eg-alert"),
			entities: n("#entity-graph g.eg-entity"),
			compromised: n("#entity-graph g.eg-compromised"),
			paths: n("#entity-graph path.eg-edge"),
			related: n("#entity-graph a.eg-related-link"),
		};
	})()`)
	if counts["svgs"] != 2 {
		t.Fatalf("%d chart SVGs, want 2", counts["svgs"])
	}
	if counts["lanes"] < 2 || counts["marks"] < 3 || counts["ticks"] < 3 || counts["edges"] != 2 {
		t.Errorf("timeline chart: %v", counts)
	}
	if counts["alerts"] != len(d.Alerts) || counts["entities"] < 15 || counts["compromised"] < 1 || counts["paths"] < counts["entities"] {
		t.Errorf("entity graph: %v (incident 103 has %d alerts)", counts, len(d.Alerts))
	}
	// Laid out, not just in the DOM: both SVGs take the section's width.
	widths := eval[[]float64](t, ctx, `Array.from(document.querySelectorAll(".chart svg")).map(s => s.getBoundingClientRect().width)`)
	for _, w := range widths {
		if w < 500 {
			t.Errorf("a chart is %.0f px wide", w)
		}
	}
	// Every label fits its box, measured with the browser's fonts.
	overflow := eval[[]string](t, ctx, `Array.from(document.querySelectorAll("#entity-graph g.eg-node")).filter(g => {
		const box = g.querySelector("rect").getBBox();
		return Array.from(g.querySelectorAll("text")).some(t => { const b = t.getBBox(); return b.x + b.width > box.x + box.width + 1 || b.x < box.x - 1; });
	}).map(g => g.querySelector("text.eg-label").textContent)`)
	if len(overflow) > 0 {
		t.Errorf("labels run out of their boxes: %q", overflow)
	}
	// Hover text is the SVG <title> of each mark and node.
	if n := eval[int](t, ctx, `document.querySelectorAll("#entity-graph g.eg-entity > title, #timeline-chart g.tl-mark > title").length`); n < counts["entities"]+1 {
		t.Errorf("%d hover titles", n)
	}
	if counts["related"] > 0 {
		href := eval[string](t, ctx, `document.querySelector("#entity-graph a.eg-related-link").getAttribute("href")`)
		do(t, ctx, chromedp.Click(chromedp.CSS(`#entity-graph a.eg-related-link rect`)), chromedp.WaitVisible(chromedp.CSS("#verdict")))
		if got := eval[string](t, ctx, `location.pathname`); got != href {
			t.Errorf("the related incident link led to %s, want %s", got, href)
		}
	}
}

// A hostile entity's markup in the charts stays text in Chromium: nothing
// runs, no element is injected, and the text reads as it was sent.
func TestBrowserHostileEntityDoesNotRun(t *testing.T) {
	ctx := browser(t)
	hs := newServer(t, hostileOptions())

	dialogs := browsertest.TrapAlerts(t, ctx)
	do(t, ctx, chromedp.Navigate(hs.URL+"/incidents/7"), chromedp.WaitVisible(chromedp.CSS("#entity-graph svg")),
		chromedp.Sleep(300*time.Millisecond)) // let an onload or onerror fire, were there one
	// Hover and click every node, as an analyst would.
	eval[bool](t, ctx, `(() => { document.querySelectorAll(".chart g").forEach(g => {
		g.dispatchEvent(new MouseEvent("mouseover", {bubbles: true}));
		if (!g.closest("a")) g.dispatchEvent(new MouseEvent("click", {bubbles: true}));
	}); return true })()`)
	if xss := eval[int](t, ctx, `window.__xss`); xss != 0 || dialogs.Load() != 0 {
		t.Errorf("the payload ran: window.__xss=%d, %d dialogs", xss, dialogs.Load())
	}
	injected := eval[map[string]int](t, ctx, `(() => ({
		scripts: document.scripts.length,
		images: document.querySelectorAll("img").length,
		svgs: document.querySelectorAll("svg").length,
		handlers: Array.from(document.querySelectorAll("*")).filter(e => Array.from(e.attributes).some(a => a.name.startsWith("on"))).length,
		foreignLinks: Array.from(document.querySelectorAll(".chart a")).filter(a => !/^\/incidents\/\d+$/.test(a.getAttribute("href"))).length,
	}))()`)
	if injected["scripts"] != 1 || injected["images"] != 0 || injected["svgs"] != 2 || injected["handlers"] != 0 || injected["foreignLinks"] != 0 {
		t.Errorf("markup from the incident became elements: %v", injected)
	}
	titles := eval[string](t, ctx, `Array.from(document.querySelectorAll(".chart title, .chart text")).map(e => e.textContent).join("\n")`)
	for _, v := range []string{hostileText, hostileAttr, hostileTitle} {
		if !strings.Contains(titles, v) {
			t.Errorf("%q is not shown as text in the charts", v)
		}
	}
}
