package console_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/analysis"
	"github.com/socpilot/socpilot/console"
	"github.com/socpilot/socpilot/emulator"
	"github.com/socpilot/socpilot/kql/gate"
	"github.com/socpilot/socpilot/offline"
	"github.com/socpilot/socpilot/sentinel"
	"github.com/socpilot/socpilot/sqlite"
)

// BenchmarkQueuePage1000 is the server time of the queue page on a
// workspace of 1,000 incidents (emulator.Synthetic, over the Sentinel API
// in process), with every incident's latest analysis kept in a real SQLite
// store, as serve wires it. Goal: ≤ 50 ms per page. "listed" lists the
// workspace on every view (and so counts the in-process emulator's own
// work, which a real workspace does elsewhere); "cached" is a view within
// ListFresh of the last listing, the common case.
//
//	go test ./console -run XXX -bench QueuePage1000 -benchtime 20x
func BenchmarkQueuePage1000(b *testing.B) {
	ctx := context.Background()
	srv, err := emulator.New(emulator.Options{Dataset: emulator.Synthetic(1000, 1), Now: func() time.Time { return emulator.DatasetAnchor }})
	if err != nil {
		b.Fatal(err)
	}
	ws := sentinel.Workspace{SubscriptionID: emulator.DemoSubscription, ResourceGroup: emulator.DemoResourceGroup, Name: emulator.DemoWorkspace}
	c, err := sentinel.New(ws, emulator.Credential{}, sentinel.Options{Transport: srv.HTTPClient()})
	if err != nil {
		b.Fatal(err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "socpilot.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	g := gate.New(nil)
	an := &analysis.Analyzer{Facts: offline.New(offline.Options{HasTable: g.HasTable}), Queries: g, Cache: st}
	incs, err := c.ListIncidents(ctx, socpilot.IncidentFilter{})
	if err != nil || len(incs) != 1000 {
		b.Fatalf("%d incidents, %v", len(incs), err)
	}
	for _, inc := range incs[:100] {
		d, err := c.Details(ctx, inc.Number)
		if err != nil {
			b.Fatal(err)
		}
		a, err := an.Analyze(ctx, d, true)
		if err != nil {
			b.Fatal(err)
		}
		an.Remember(ctx, a)
	}
	opts := console.Options{Workspace: "bench", Mode: "offline analyst", List: c.ListIncidents, Details: c.Details, Analyze: an.Analyze,
		Latest: func(ctx context.Context, inc socpilot.Incident, brief bool) (socpilot.Analysis, bool) {
			return an.Latest(ctx, inc.ID, brief)
		},
		Automation: func(context.Context) (map[int]console.JobStatus, error) {
			return map[int]console.JobStatus{incs[0].Number: {State: "completed", Attempt: 1}}, nil
		}}
	for _, bc := range []struct {
		name  string
		fresh time.Duration
	}{{"listed", -1}, {"cached", time.Hour}} {
		b.Run(bc.name, func(b *testing.B) {
			o := opts
			o.ListFresh = bc.fresh
			h := console.New(o)
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, "/", nil)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatalf("status %d", rec.Code)
				}
				io.Copy(io.Discard, rec.Body)
			}
		})
	}
}
