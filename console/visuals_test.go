package console_test

import (
	"context"
	"encoding/xml"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/analysis"
	"github.com/socpilot/socpilot/console"
	"github.com/socpilot/socpilot/emulator"
	"github.com/socpilot/socpilot/kql/gate"
	"github.com/socpilot/socpilot/offline"
	"github.com/socpilot/socpilot/sentinel"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// visualOptions is the demo workspace seeded at the dataset's anchor, so
// its timestamps (and so the charts' axes) are the same on any day, with
// related incidents searched as `socpilot analyze` does.
func visualOptions(t testing.TB) console.Options {
	t.Helper()
	anchor := func() time.Time { return emulator.DatasetAnchor }
	srv, err := emulator.New(emulator.Options{Now: anchor})
	if err != nil {
		t.Fatal(err)
	}
	ws := sentinel.Workspace{SubscriptionID: emulator.DemoSubscription, ResourceGroup: emulator.DemoResourceGroup, Name: emulator.DemoWorkspace}
	c, err := sentinel.New(ws, emulator.Credential{}, sentinel.Options{Transport: srv.HTTPClient()})
	if err != nil {
		t.Fatal(err)
	}
	g := gate.New(nil)
	an := &analysis.Analyzer{Facts: offline.New(offline.Options{HasTable: g.HasTable}), Queries: g, Now: anchor,
		Related: func(ctx context.Context, d socpilot.IncidentDetails) ([]socpilot.Correlation, error) {
			return analysis.Related(ctx, c, d, 50)
		}}
	return console.Options{
		Workspace:    "demo-workspace",
		Mode:         "offline analyst",
		List:         c.ListIncidents,
		Details:      c.Details,
		Analyze:      an.Analyze,
		LoopbackOnly: true,
		Now:          anchor,
	}
}

// section cuts the <section id="id"> element out of a page.
func section(t *testing.T, page, id string) string {
	t.Helper()
	start := strings.Index(page, `<section id="`+id+`"`)
	if start < 0 {
		t.Fatalf("the page has no section %q", id)
	}
	end := strings.Index(page[start:], "</section>")
	if end < 0 {
		t.Fatalf("section %q is not closed", id)
	}
	return page[start : start+end+len("</section>")]
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./console -run %s -update)", err, t.Name())
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs from the golden file (-want +got; -update rewrites it):\n%s", name, diff)
	}
}

// The charts of two demo incidents, as served: the ransomware incident
// (seven alerts, 29 entities, a compromised host and account) and the web
// shell whose title and URLs carry markup.
func TestIncidentChartsGolden(t *testing.T) {
	o := visualOptions(t)
	hs := newServer(t, o)
	for _, n := range []string{"103", "113"} {
		resp, body := get(t, hs.Client(), hs.URL+"/incidents/"+n)
		if resp.StatusCode != 200 {
			t.Fatalf("incident %s: status %d", n, resp.StatusCode)
		}
		for _, id := range []string{"timeline-chart", "entity-graph"} {
			s := section(t, body, id)
			golden(t, "incident-"+n+"-"+id+".golden", s)
			checkSVG(t, n+" "+id, s)
		}
	}
}

// checkSVG asserts what every chart must be: well-formed SVG made of the
// chart's own elements only, no event handler, no inline style, and links
// only to other incidents. Text from the incident can be anything; it must
// stay character data.
func checkSVG(t *testing.T, what, s string) {
	t.Helper()
	start := strings.Index(s, "<svg")
	end := strings.LastIndex(s, "</svg>")
	if start < 0 || end < 0 {
		t.Fatalf("%s: no SVG", what)
	}
	dec := xml.NewDecoder(strings.NewReader(s[start : end+len("</svg>")]))
	dec.Strict = true
	allowed := map[string]bool{"svg": true, "g": true, "title": true, "text": true, "rect": true, "circle": true, "line": true, "path": true, "a": true, "defs": true, "clipPath": true}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: the SVG is not well-formed: %v", what, err)
		}
		el, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if !allowed[el.Name.Local] {
			t.Errorf("%s: element <%s> in the SVG", what, el.Name.Local)
		}
		for _, a := range el.Attr {
			name := strings.ToLower(a.Name.Local)
			if strings.HasPrefix(name, "on") || name == "style" {
				t.Errorf("%s: attribute %s=%q on <%s>", what, a.Name.Local, a.Value, el.Name.Local)
			}
			if name == "href" && !regexp.MustCompile(`^/incidents/\d+$`).MatchString(a.Value) {
				t.Errorf("%s: link to %q", what, a.Value)
			}
		}
	}
	if regexp.MustCompile(`(?i)<script|<style|<foreignObject`).MatchString(s) {
		t.Errorf("%s: script or style in the SVG", what)
	}
}

// On the demo, 103's graph marks what the offline analyst found
// compromised and ties entities to the alerts that name them.
func TestIncident103GraphContent(t *testing.T) {
	o := visualOptions(t)
	hs := newServer(t, o)
	_, body := get(t, hs.Client(), hs.URL+"/incidents/103")
	g := section(t, body, "entity-graph")
	d, err := o.Details(context.Background(), 103)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(g, `class="eg-node eg-alert`); got != len(d.Alerts) {
		t.Errorf("%d alert nodes, want %d", got, len(d.Alerts))
	}
	if !strings.Contains(g, "eg-compromised") {
		t.Error("no compromised entity highlighted")
	}
	for _, kind := range []string{"Hosts (2)", "Accounts (1)", "Processes (6)", "Files (13)"} {
		if !strings.Contains(g, kind) {
			t.Errorf("no group %q", kind)
		}
	}
	tl := section(t, body, "timeline-chart")
	if !strings.Contains(tl, "first activity") || !strings.Contains(tl, "last activity") {
		t.Error("the timeline chart lacks first/last activity")
	}
}

// Hostile values, each in a place the charts draw: entity names and
// kinds, alert names, the analysis's evidence and correlations, and the
// title of a related incident.
const (
	hostileText   = `</text><script>alert(1)</script>`
	hostileAttr   = `" onload="alert(2)`
	hostileSVG    = `<svg onload=alert(3)><a href="javascript:alert(4)">x</a>`
	hostileTitle  = `</title><img src=x onerror=alert(5)>`
	hostileNumber = 7
)

// hostileOptions serves one incident whose every drawn value is hostile,
// and a related incident whose title is.
func hostileOptions() console.Options {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	acct := func(name string) socpilot.Entity {
		return socpilot.Entity{Kind: socpilot.KindAccount, Properties: map[string]any{"accountName": name, "friendlyName": name}}
	}
	d := socpilot.IncidentDetails{
		Incident: socpilot.Incident{Number: hostileNumber, Title: hostileSVG, Severity: "High", Status: "New", CreatedTime: t0.Add(time.Hour),
			FirstActivityTime: t0, LastActivityTime: t0.Add(20 * time.Minute)},
		Alerts: []socpilot.Alert{
			{DisplayName: hostileSVG, Description: "user " + hostileText + " signed in", Severity: hostileAttr, StartTime: t0},
			{DisplayName: "Sign-in by " + hostileAttr, Severity: "High", StartTime: t0.Add(20 * time.Minute)},
		},
		Entities: []socpilot.Entity{
			acct(hostileText),
			acct(hostileAttr),
			{Kind: hostileTitle, Properties: map[string]any{"friendlyName": hostileSVG}},
			{Kind: socpilot.KindURL, Properties: map[string]any{"url": "javascript:alert(6)//" + hostileText}},
		},
	}
	a := socpilot.Analysis{
		Source: socpilot.SourceOffline,
		Triage: socpilot.Triage{Verdict: socpilot.VerdictEscalate, Score: 90},
		Timeline: []socpilot.TimelineEntry{
			{Time: t0, Event: "alert: " + hostileSVG, Severity: hostileAttr, Source: hostileTitle},
			{Time: t0.Add(20 * time.Minute), Event: "alert: Sign-in by " + hostileAttr, Severity: "High"},
			{Time: t0.Add(time.Hour), Event: hostileText, Source: hostileTitle},
		},
		Compromised:  []socpilot.CompromisedEntity{{Entity: hostileText, Kind: socpilot.KindAccount, Evidence: hostileTitle}},
		Correlations: []socpilot.Correlation{{Kind: socpilot.KindAccount, Entity: hostileAttr, Incidents: []int{8}}},
	}
	related := socpilot.IncidentDetails{Incident: socpilot.Incident{Number: 8, Title: hostileTitle, Severity: "Low", Status: "New", CreatedTime: t0}}
	return console.Options{
		Workspace: "test",
		Mode:      "offline analyst",
		List: func(context.Context, socpilot.IncidentFilter) ([]socpilot.Incident, error) {
			return []socpilot.Incident{d.Incident, related.Incident}, nil
		},
		Details: func(_ context.Context, n int) (socpilot.IncidentDetails, error) {
			switch n {
			case hostileNumber:
				return d, nil
			case 8:
				return related, nil
			}
			return socpilot.IncidentDetails{}, socpilot.Errorf(socpilot.ENotFound, "no incident %d", n)
		},
		Analyze: func(context.Context, socpilot.IncidentDetails, bool) (socpilot.Analysis, error) { return a, nil },
		Now:     func() time.Time { return t0.Add(2 * time.Hour) },
	}
}

// Hostile incident values stay text in the SVG: escaped in place (golden),
// the SVG parses to the chart's own elements and attributes only, and the
// values come back, whole, as character data.
func TestHostileValuesStayTextInCharts(t *testing.T) {
	hs := newServer(t, hostileOptions())
	resp, body := get(t, hs.Client(), hs.URL+"/incidents/7")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	for _, id := range []string{"timeline-chart", "entity-graph"} {
		s := section(t, body, id)
		golden(t, "hostile-"+id+".golden", s)
		checkSVG(t, id, s)
		text := svgText(t, s)
		for _, v := range []string{hostileText, hostileAttr, hostileTitle} {
			if !strings.Contains(text, v) {
				t.Errorf("%s: %q is not shown as text", id, v)
			}
		}
	}
	if n := strings.Count(body, "<script"); n != 1 {
		t.Errorf("%d script elements on the page; want only /static/console.js", n)
	}
	if regexp.MustCompile(`(?i)<script>|<img|<svg onload|\sstyle="|\son[a-z]+="`).MatchString(body) {
		t.Error("markup from the incident reached the page")
	}
	g := section(t, body, "entity-graph")
	if !strings.Contains(g, `href="/incidents/8"`) {
		t.Error("the shared account does not link to incident 8")
	}
}

// svgText is the character data of an SVG, unescaped.
func svgText(t *testing.T, s string) string {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(s[strings.Index(s, "<svg") : strings.LastIndex(s, "</svg>")+len("</svg>")]))
	var b strings.Builder
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return b.String()
		}
		if err != nil {
			t.Fatal(err)
		}
		if cd, ok := tok.(xml.CharData); ok {
			b.Write(cd)
			b.WriteByte('\n')
		}
	}
}

// Related incidents' titles come from the queue's kept list when it has
// them: an incident page then reads only its own incident.
func TestRelatedTitlesFromTheKeptList(t *testing.T) {
	o := visualOptions(t)
	var calls atomic.Int32
	details := o.Details
	o.Details = func(ctx context.Context, n int) (socpilot.IncidentDetails, error) {
		calls.Add(1)
		return details(ctx, n)
	}
	hs := newServer(t, o)
	_, body := get(t, hs.Client(), hs.URL+"/incidents/103")
	if !strings.Contains(body, "eg-related-link") {
		t.Fatal("incident 103 shows no related incident: nothing to title")
	}
	first := calls.Load()
	get(t, hs.Client(), hs.URL+"/")
	calls.Store(0)
	get(t, hs.Client(), hs.URL+"/incidents/103")
	if n := calls.Load(); n != 1 || first <= 1 {
		t.Errorf("incident page read %d incidents with the queue's list kept (%d without); want 1", n, first)
	}
}
