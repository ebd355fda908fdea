package automation_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"

	"github.com/socpilot/socpilot/automation"
	"github.com/socpilot/socpilot/emulator"
	"github.com/socpilot/socpilot/llm"
	"github.com/socpilot/socpilot/postgres"
	"github.com/socpilot/socpilot/postgres/pgtest"
	"github.com/socpilot/socpilot/sentinel"
	"github.com/socpilot/socpilot/sentinel/sentineltest"
)

// BenchmarkReplicasPostgres runs the same batch (SOCPILOT_BENCH_INCIDENTS,
// default 200 here) with a 2 s model through one and then two services
// sharing one PostgreSQL store, each working `concurrency` jobs at once:
// two replicas should take about half the time, and no incident is
// analysed twice (the scripted model answers exactly once per incident).
//
//	go test ./automation -run XXX -bench ReplicasPostgres -benchtime 1x
func BenchmarkReplicasPostgres(b *testing.B) {
	if testing.Short() {
		b.Skip("runs for tens of seconds")
	}
	n := 200
	if os.Getenv(benchEnvIncidents) != "" {
		n = benchIncidents(b)
	}
	const concurrency = 20
	for _, replicas := range []int{1, 2} {
		b.Run(fmt.Sprintf("replicas=%d", replicas), func(b *testing.B) {
			var wall time.Duration
			for range b.N {
				wall += replicaBatch(b, n, replicas, concurrency)
			}
			w := wall.Seconds() / float64(b.N)
			ideal := float64(n) * benchModelDelay.Seconds() / float64(replicas*concurrency)
			b.ReportMetric(w, "wall-s")
			b.ReportMetric(ideal, "ideal-s")
			b.ReportMetric(w/ideal, "wall/ideal")
			b.ReportMetric(float64(n)/w, "incidents/s")
		})
	}
}

func replicaBatch(b *testing.B, n, replicas, concurrency int) time.Duration {
	b.StopTimer()
	ctx := context.Background()
	h := startBenchHelper(b, n, n)
	dsn := pgtest.NewSchema(b)
	client, err := sentinel.New(sentineltest.Workspace, emulator.Credential{}, sentinel.Options{Endpoint: h.emulator})
	if err != nil {
		b.Fatal(err)
	}
	ws := automation.Workspace{Workspace: sentineltest.Workspace, Client: client,
		Policy: automation.Policy{Statuses: []string{"New", "Active", "Closed"}}}
	var svcs []*automation.Service
	for range replicas {
		st, err := postgres.Open(ctx, dsn)
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		m, err := llm.New(llm.Config{Provider: llm.ProviderCompatible, Endpoint: h.model + "/v1", APIKey: "llmtest-key", Model: "gpt-4o"})
		if err != nil {
			b.Fatal(err)
		}
		an := offlineAnalyzer()
		an.Model, an.Schema, an.ModelErrors = m, llm.SchemaFor, true
		svc, err := automation.New(ctx, automation.Options{
			Backend: automation.Backend{Postgres: func(ctx context.Context, rc *river.Config) (automation.Queue, riverdriver.Executor, error) {
				c, ex, err := st.RiverClient(ctx, rc)
				if err != nil {
					return nil, nil, err
				}
				return c, ex, nil
			}},
			Workspaces: []automation.Workspace{ws}, Analyzer: an, Model: true, Journal: st, Watermarks: st,
			PollSince: 400 * 24 * time.Hour, Concurrency: concurrency,
			Now: func() time.Time { return emulator.DatasetAnchor },
		})
		if err != nil {
			b.Fatal(err)
		}
		svcs = append(svcs, svc)
	}
	if q, err := svcs[0].PollWorkspace(ctx, &ws); err != nil || q != n {
		b.Fatalf("queued %d (%v), want %d", q, err, n)
	}
	b.StartTimer()
	t0 := time.Now()
	for _, s := range svcs {
		if err := s.Start(ctx); err != nil {
			b.Fatal(err)
		}
	}
	deadline := time.Now().Add(2*time.Minute + 3*time.Duration(n)*benchModelDelay/time.Duration(concurrency))
	for {
		jobs, err := svcs[0].Jobs().List(ctx, "completed", n+10)
		if err != nil {
			b.Fatal(err)
		}
		if len(jobs) == n {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("only %d of %d jobs completed", len(jobs), n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	wall := time.Since(t0)
	b.StopTimer()
	for _, s := range svcs {
		stop, cancel := context.WithTimeout(ctx, 30*time.Second)
		s.Stop(stop)
		cancel()
	}
	h.stop(b) // fails the run if the model was called more or less than once per incident
	return wall
}
