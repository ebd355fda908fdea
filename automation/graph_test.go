package automation_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/socpilot/socpilot/automation"
	"github.com/socpilot/socpilot/emulator"
	"github.com/socpilot/socpilot/graph"
	"github.com/socpilot/socpilot/sentinel"
	"github.com/socpilot/socpilot/sentinel/sentineltest"
	"github.com/socpilot/socpilot/sqlite"
)

// serve on the Graph backend: the poller lists by lastUpdateDateTime, each
// incident gets one appended report, and a second round writes nothing.
func TestServeOnGraphPolls(t *testing.T) {
	ctx := context.Background()
	srv, err := emulator.New(emulator.Options{Now: func() time.Time { return emulator.DatasetAnchor }})
	if err != nil {
		t.Fatal(err)
	}
	g, err := graph.New(emulator.Credential{}, graph.Options{Endpoint: "http://127.0.0.1", Transport: srv.HTTPClient()})
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "socpilot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ws := automation.Workspace{Workspace: sentinel.Workspace{SubscriptionID: "graph", ResourceGroup: "demo", Name: "defender"}, Client: g}
	svc, err := automation.New(ctx, automation.Options{Backend: automation.Backend{SQLite: st.DB()}, Workspaces: []automation.Workspace{ws},
		Analyzer: offlineAnalyzer(), Journal: st, Watermarks: st, OwnsStore: true, PollSince: 400 * 24 * time.Hour,
		Now: func() time.Time { return emulator.DatasetAnchor }})
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, svc: svc}
	n, err := svc.PollWorkspace(ctx, &ws)
	if err != nil || n == 0 {
		t.Fatalf("poll queued %d (%v)", n, err)
	}
	r.start()
	jobs := r.wait(60 * time.Second)
	for _, j := range jobs {
		if j.State != "completed" {
			t.Errorf("job %d (incident %d) %s: %s", j.ID, j.Incident, j.State, j.LastError)
		}
	}
	// Read back through SecurityInsights: one report on each open incident.
	sc := sentineltest.Client(t, srv)
	d, err := sc.Details(ctx, 105) // Defender incident 48377
	if err != nil {
		t.Fatal(err)
	}
	reports := 0
	for _, c := range d.Comments {
		if strings.HasPrefix(c.Text(), "socpilot report · version ") {
			reports++
		}
	}
	if reports != 1 {
		t.Fatalf("incident 105 holds %d socpilot reports, want 1", reports)
	}
	if n, err := svc.PollWorkspace(ctx, &ws); err != nil || n != 0 {
		t.Fatalf("second poll queued %d (%v), want 0", n, err)
	}
}
