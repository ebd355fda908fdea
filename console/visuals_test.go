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
	allowed := map[string]bool{"svg": true, "g": true, "title": true, "text": true, "rect": true, "circle": true, "line": true, "path": true, "a": true}
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
