package console

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/socpilot/socpilot"
)

var visT0 = time.Date(2026, 2, 1, 8, 0, 0, 0, time.UTC)

func visAccount(name string) socpilot.Entity {
	return socpilot.Entity{Kind: socpilot.KindAccount, Properties: map[string]any{"accountName": name}}
}

func visIP(addr string) socpilot.Entity {
	return socpilot.Entity{Kind: socpilot.KindIP, Properties: map[string]any{"address": addr}}
}

// visAlertsEntry is the analysis timeline of alerts, as the offline
// analyst writes it.
func visTimeline(alerts []socpilot.Alert) []socpilot.TimelineEntry {
	var out []socpilot.TimelineEntry
	for _, a := range alerts {
		out = append(out, socpilot.TimelineEntry{Time: a.Time(), Event: "alert: " + a.DisplayName, Severity: a.Severity})
	}
	return out
}

// bigIncident has 150 alerts (Sentinel's cap) spread over 30 days, most of
// them in one burst, and 300 entities of many kinds.
func bigIncident() (socpilot.IncidentDetails, socpilot.Analysis) {
	var d socpilot.IncidentDetails
	d.Incident = socpilot.Incident{Number: 900, Title: "big", FirstActivityTime: visT0, LastActivityTime: visT0.Add(30 * 24 * time.Hour)}
	sev := socpilot.Severities
	for i := range 150 {
		at := visT0.Add(time.Duration(i) * 30 * time.Second) // the burst: 100 alerts in 50 minutes
		if i >= 100 {
			at = visT0.Add(time.Duration(i-100) * 30 * 24 * time.Hour / 50)
		}
		d.Alerts = append(d.Alerts, socpilot.Alert{DisplayName: fmt.Sprintf("Alert %d on host-%d by user%d", i, i%7, i%11),
			Severity: sev[i%len(sev)], StartTime: at})
	}
	for i := range 60 {
		d.Entities = append(d.Entities, visAccount(fmt.Sprintf("user%d", i)), visIP(fmt.Sprintf("10.0.%d.%d", i/200, i%200)),
			socpilot.Entity{Kind: socpilot.KindHost, Properties: map[string]any{"hostName": fmt.Sprintf("host-%d", i)}},
			socpilot.Entity{Kind: socpilot.KindFile, Properties: map[string]any{"fileName": fmt.Sprintf("file%d.exe", i)}},
			socpilot.Entity{Kind: socpilot.KindURL, Properties: map[string]any{"url": fmt.Sprintf("https://example.com/%d", i)}})
	}
	var corr []socpilot.Correlation
	for i := range 9 {
		corr = append(corr, socpilot.Correlation{Kind: socpilot.KindAccount, Entity: fmt.Sprintf("user%d", i), Incidents: []int{800 + i, 900}})
	}
	a := socpilot.Analysis{Timeline: visTimeline(d.Alerts), Correlations: corr,
		Compromised: []socpilot.CompromisedEntity{{Entity: "host-3", Kind: socpilot.KindHost, Evidence: "ran the payload"}}}
	return d, a
}

func TestChartsEdgeCases(t *testing.T) {
	oneAlert := socpilot.Alert{DisplayName: "Suspicious sign-in", Severity: "Medium", StartTime: visT0}
	sameInstant := make([]socpilot.Alert, 5)
	for i := range sameInstant {
		sameInstant[i] = socpilot.Alert{DisplayName: fmt.Sprintf("Burst %d", i), Severity: "High", StartTime: visT0}
	}
	big, bigA := bigIncident()
	for _, tc := range []struct {
		name string
		d    socpilot.IncidentDetails
		a    socpilot.Analysis
		// want
		noTimeline, noGraph bool
		marks, clusters     int // -1: do not check
		alertNodes          int
		entityNodes         int
		incidentEdges       int // entities that hang off the incident; -1: do not check
		related             int
		notes               []string
		groups              []string
	}{
		{name: "nothing at all", noTimeline: true, noGraph: true, marks: -1},
		{
			name: "no alerts",
			d: socpilot.IncidentDetails{Incident: socpilot.Incident{Number: 1, CreatedTime: visT0},
				Entities: []socpilot.Entity{visAccount("alice"), visIP("192.0.2.1")}},
			a:     socpilot.Analysis{Timeline: []socpilot.TimelineEntry{{Time: visT0, Event: "incident 1 created"}}},
			marks: 1, entityNodes: 2, incidentEdges: 2, groups: []string{"Accounts (1)", "IP addresses (1)"},
		},
		{
			name: "one alert, one entity it does not name",
			d: socpilot.IncidentDetails{Incident: socpilot.Incident{Number: 2, FirstActivityTime: visT0, LastActivityTime: visT0},
				Alerts: []socpilot.Alert{oneAlert}, Entities: []socpilot.Entity{visAccount("bob")}},
			a:     socpilot.Analysis{Timeline: visTimeline([]socpilot.Alert{oneAlert})},
			marks: 1, alertNodes: 1, entityNodes: 1,
		},
		{
			name: "alerts at one instant",
			d:    socpilot.IncidentDetails{Incident: socpilot.Incident{Number: 3}, Alerts: sameInstant},
			a:    socpilot.Analysis{Timeline: visTimeline(sameInstant)},
			// One cluster of five: drawn apart they would sit on each other.
			marks: 1, clusters: 1, alertNodes: 5,
		},
		{
			name: "duplicate entities",
			d: socpilot.IncidentDetails{Incident: socpilot.Incident{Number: 4}, Alerts: []socpilot.Alert{oneAlert},
				Entities: []socpilot.Entity{visAccount("carol"), visAccount("CAROL"), visAccount("carol"), visIP("192.0.2.7"), visIP("192.0.2.7"),
					{Kind: socpilot.KindSecurityAlert, Properties: map[string]any{"alertDisplayName": "Suspicious sign-in"}}}},
			a:     socpilot.Analysis{Timeline: visTimeline([]socpilot.Alert{oneAlert})},
			marks: 1, alertNodes: 1, entityNodes: 2, groups: []string{"Accounts (1)", "IP addresses (1)"},
		},
		{
			name: "150 alerts over 30 days",
			d:    big, a: bigA,
			marks: -1, alertNodes: egMaxAlerts, entityNodes: -1, incidentEdges: -1, related: egMaxRelated,
			notes:  []string{"+4 more related", "more accounts", "more files", "more URLs", "more IP addresses"},
			groups: []string{"Accounts (60)", "Hosts (60)", "IP addresses (60)", "URLs (60)", "Files (60)"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tl := newTimelineChart(tc.d, tc.a)
			g := newEntityGraph(tc.d, tc.a, nil)
			if (tl == nil) != tc.noTimeline || (g == nil) != tc.noGraph {
				t.Fatalf("timeline drawn: %v, graph drawn: %v; want %v, %v", tl != nil, g != nil, !tc.noTimeline, !tc.noGraph)
			}
			if tl != nil {
				checkTimeline(t, tl)
				if tc.marks >= 0 && len(tl.Marks) != tc.marks {
					t.Errorf("%d marks, want %d", len(tl.Marks), tc.marks)
				}
				clusters := 0
				for _, m := range tl.Marks {
					if m.Count > 1 {
						clusters++
					}
				}
				if tc.marks >= 0 && clusters != tc.clusters {
					t.Errorf("%d clusters, want %d", clusters, tc.clusters)
				}
				total := 0
				for _, m := range tl.Marks {
					total += m.Count
				}
				if want := len(tc.a.Timeline); total != want {
					t.Errorf("the marks count %d events, want %d", total, want)
				}
			}
			if g != nil {
				checkGraph(t, g)
				if len(g.Alerts) != tc.alertNodes {
					t.Errorf("%d alert nodes, want %d", len(g.Alerts), tc.alertNodes)
				}
				if tc.entityNodes >= 0 && len(g.Entities) != tc.entityNodes {
					t.Errorf("%d entity nodes, want %d", len(g.Entities), tc.entityNodes)
				}
				inc := 0
				for _, e := range g.Edges {
					if strings.Contains(e.Class, "eg-edge-incident") {
						inc++
					}
				}
				if tc.incidentEdges >= 0 && inc != tc.incidentEdges {
					t.Errorf("%d entities hang off the incident, want %d", inc, tc.incidentEdges)
				}
				if len(g.Related) != tc.related {
					t.Errorf("%d related incidents, want %d", len(g.Related), tc.related)
				}
				var texts []string
				for _, n := range append(g.Notes, g.Groups...) {
					texts = append(texts, n.Text)
				}
				all := strings.Join(texts, "\n")
				for _, want := range append(tc.notes, tc.groups...) {
					if !strings.Contains(all, want) {
						t.Errorf("no %q among the groups and notes:\n%s", want, all)
					}
				}
			}
			// Same input, same SVG: golden files depend on it.
			a, b := renderVisuals(t, tc.d, tc.a), renderVisuals(t, tc.d, tc.a)
			if a != b {
				t.Error("two renderings of the same incident differ")
			}
		})
	}
}

func TestBigIncidentCapsAndPriorities(t *testing.T) {
	d, a := bigIncident()
	g := newEntityGraph(d, a, nil)
	last := g.Alerts[len(g.Alerts)-1]
	if last.Label != fmt.Sprintf("+%d more alerts", 150-(egMaxAlerts-1)) {
		t.Errorf("last alert node %q, want the count of the rest", last.Label)
	}
	for _, n := range g.Alerts[:len(g.Alerts)-1] {
		if !strings.Contains(n.Class, "eg-sev-high") {
			t.Errorf("alert %q (%s) drawn while High alerts were left out", n.Label, n.Class)
		}
	}
	var compromised, shared int
	for _, n := range g.Entities {
		if strings.Contains(n.Class, "eg-compromised") {
			compromised++
			if n.Label != "host-3" {
				t.Errorf("compromised node %q, want host-3", n.Label)
			}
		}
		if strings.Contains(n.Class, "eg-shared") {
			shared++
		}
	}
	if compromised != 1 {
		t.Errorf("%d compromised nodes, want host-3 alone", compromised)
	}
	// Capped groups keep the entities that matter: every shared account
	// that fits is drawn before the others.
	if shared == 0 {
		t.Error("no shared account survived the cap")
	}
	rows := 0
	for range g.Groups {
		rows++
	}
	rows += len(g.Entities) + len(g.Notes)
	if rows > egMaxRows+1 {
		t.Errorf("%d rows of entities, want at most %d", rows, egMaxRows)
	}
	tl := newTimelineChart(d, a)
	if len(tl.Ticks) < 3 || len(tl.Ticks) > tlMaxTicks {
		t.Errorf("%d ticks over 30 days", len(tl.Ticks))
	}
}

func TestRelatedIncidentOrder(t *testing.T) {
	cs := []socpilot.Correlation{
		{Kind: "Account", Entity: "a", Incidents: []int{5, 9, 12}},
		{Kind: "Ip", Entity: "b", Incidents: []int{9, 3}},
		{Kind: "Host", Entity: "c", Incidents: []int{12, 9}},
	}
	got, more := egRelated(cs, 12)
	var nums []int
	for _, r := range got {
		nums = append(nums, r.number)
	}
	// 9 shares three entities; 3 and 5 one each, lower number first; 12 is the incident itself.
	if fmt.Sprint(nums) != "[9 3 5]" || more != 0 {
		t.Errorf("related %v (+%d), want [9 3 5]", nums, more)
	}
}

func TestTimelineTicks(t *testing.T) {
	for _, tc := range []struct {
		span  time.Duration
		first string
	}{
		{90 * time.Second, "Feb 1 08:00"},
		{40 * time.Minute, "Feb 1 08:00"},
		{5 * time.Hour, "Feb 1 08:00"},
		{3 * 24 * time.Hour, "Feb 1 12:00"},
		{30 * 24 * time.Hour, "Feb 2"},
		{400 * 24 * time.Hour, ""},
	} {
		d := socpilot.IncidentDetails{Incident: socpilot.Incident{FirstActivityTime: visT0, LastActivityTime: visT0.Add(tc.span)}}
		c := newTimelineChart(d, socpilot.Analysis{})
		checkTimeline(t, c)
		if len(c.Ticks) < 2 {
			t.Errorf("span %s: %d ticks", tc.span, len(c.Ticks))
			continue
		}
		if tc.first != "" && c.Ticks[0].Label != tc.first {
			t.Errorf("span %s: first tick %q, want %q", tc.span, c.Ticks[0].Label, tc.first)
		}
	}
}

// checkTimeline asserts the chart's geometry: marks inside the plot and
// apart within a lane, ticks in order and far enough apart to read.
func checkTimeline(t *testing.T, c *timelineChart) {
	t.Helper()
	if len(c.Ticks) > tlMaxTicks {
		t.Errorf("%d ticks, want at most %d", len(c.Ticks), tlMaxTicks)
	}
	for i, tk := range c.Ticks {
		if tk.X < c.PlotLeft || tk.X > c.PlotRight {
			t.Errorf("tick %q at %d, outside the plot", tk.Label, tk.X)
		}
		if i > 0 && tk.X-c.Ticks[i-1].X < 80 {
			t.Errorf("ticks %q and %q %d apart: labels overlap", c.Ticks[i-1].Label, tk.Label, tk.X-c.Ticks[i-1].X)
		}
	}
	for i, m := range c.Marks {
		if m.X-m.R < c.PlotLeft-tlMinGap || m.X+m.R > c.PlotRight+tlMinGap || m.Y > c.AxisY {
			t.Errorf("mark at %d,%d outside the plot", m.X, m.Y)
		}
		for _, o := range c.Marks[i+1:] {
			if o.Y == m.Y && abs(o.X-m.X) < m.R+o.R {
				t.Errorf("marks at %d and %d overlap in lane %d", m.X, o.X, m.Y)
			}
		}
	}
	for _, e := range c.Edges {
		if e.LabelX < 0 || e.LabelX > c.Width {
			t.Errorf("activity label at %d, off the chart", e.LabelX)
		}
	}
}

// checkGraph asserts that no two nodes overlap and that all of them are
// inside the drawing.
func checkGraph(t *testing.T, g *entityGraph) {
	t.Helper()
	nodes := append([]egNode{g.Incident}, g.Alerts...)
	nodes = append(nodes, g.Entities...)
	nodes = append(nodes, g.Related...)
	for i, n := range nodes {
		if n.X < 0 || n.Y < 0 || n.X+n.W > g.Width || n.Y+n.H > g.Height {
			t.Errorf("node %q at %d,%d %dx%d outside %dx%d", n.Label, n.X, n.Y, n.W, n.H, g.Width, g.Height)
		}
		for _, o := range nodes[i+1:] {
			if n.X < o.X+o.W && o.X < n.X+n.W && n.Y < o.Y+o.H && o.Y < n.Y+n.H {
				t.Errorf("nodes %q and %q overlap", n.Label, o.Label)
			}
		}
	}
	for _, tx := range append(g.Groups, g.Notes...) {
		if tx.Y > g.Height || tx.Y < 0 {
			t.Errorf("%q at y=%d outside the drawing", tx.Text, tx.Y)
		}
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// renderVisuals renders both partials as the incident page does.
func renderVisuals(t *testing.T, d socpilot.IncidentDetails, a socpilot.Analysis) string {
	t.Helper()
	tmpl := parseTemplates()["incident"]
	var b strings.Builder
	if err := tmpl.ExecuteTemplate(&b, "timeline-chart", newTimelineChart(d, a)); err != nil {
		t.Fatal(err)
	}
	if err := tmpl.ExecuteTemplate(&b, "entity-graph", newEntityGraph(d, a, nil)); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
