//go:build unix

package automation_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/socpilot/socpilot/analysis"
	"github.com/socpilot/socpilot/automation"
	"github.com/socpilot/socpilot/emulator"
	"github.com/socpilot/socpilot/llm"
	"github.com/socpilot/socpilot/llm/llmtest"
	"github.com/socpilot/socpilot/redact"
	"github.com/socpilot/socpilot/sentinel"
	"github.com/socpilot/socpilot/sentinel/sentineltest"
	"github.com/socpilot/socpilot/sqlite"
)

// The benchmarks of issue 11's performance targets. Run them with
//
//	go test ./automation -run XXX -bench . -benchtime 1x
//	SOCPILOT_BENCH_INCIDENTS=100 go test ./automation -run XXX -bench Throughput -benchtime 1x
//
// The workspace (the emulator, seeded with emulator.Synthetic) and the model
// (llmtest behind a handler that waits benchModelDelay per call) run in a
// child process, this test binary re-executed as TestBenchHelperProcess: the
// CPU measured with getrusage(RUSAGE_SELF) is then socpilot's own (the
// service, River, the embedded SQLite store, the HTTP clients, the analysis
// and the write-back, and the Go runtime under them), with nothing of the
// fake services. The child's CPU is reported apart as helper-cpu-s.
//
// Metrics: wall-s (service start to the last job completed), ideal-s
// (N·2 s/concurrency), wall/ideal, cpu-ms/incident (this process, queueing
// included), enqueue-s and enqueue-cpu-ms/incident (the one poll that queues
// them), sql-wait-ms/incident (time spent waiting for the store's single
// writer connection, summed over goroutines), helper-cpu-s.
// SOCPILOT_BENCH_REDACT=0 runs without the pseudonymiser, to compare.

const (
	benchEnvIncidents = "SOCPILOT_BENCH_INCIDENTS" // incidents per run; default 1000
	benchEnvRedact    = "SOCPILOT_BENCH_REDACT"    // "0": no pseudonymisation (serve's default for a compatible model is on)
	benchEnvHelper    = "SOCPILOT_BENCH_HELPER"    // set in the child: "incidents seed modelCalls delayNanoseconds"
	benchSeed         = 11
	benchModelDelay   = 2 * time.Second
	benchHelperLine   = "socpilot-bench-helper "
)

func benchIncidents(b *testing.B) int {
	n := 1000
	if v := os.Getenv(benchEnvIncidents); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n <= 0 {
			b.Fatalf("%s=%q: want a positive number of incidents", benchEnvIncidents, v)
		}
	}
	return n
}

// BenchmarkThroughputScriptedModel enriches N synthetic incidents with a
// model that answers in 2 s, at several concurrencies. Issue 11 asks for a
// wall time within 10 % of N·2 s/concurrency and under 5 ms of socpilot's
// own CPU per incident.
func BenchmarkThroughputScriptedModel(b *testing.B) {
	if testing.Short() {
		b.Skip("a throughput benchmark of minutes; not under -short")
	}
	n := benchIncidents(b)
	for _, c := range []int{50, 100} {
		b.Run(fmt.Sprintf("concurrency=%d", c), func(b *testing.B) {
			runEnrichBench(b, n, c, true)
		})
	}
}

// BenchmarkEnrichOfflineCPU is the CPU per incident of the offline path
// (no model), N incidents at concurrency 8.
func BenchmarkEnrichOfflineCPU(b *testing.B) {
	if testing.Short() {
		b.Skip("a throughput benchmark; not under -short")
	}
	n := benchIncidents(b)
	b.Run("concurrency=8", func(b *testing.B) {
		runEnrichBench(b, n, 8, false)
	})
}

type benchResult struct {
	wall, enqueue   time.Duration
	cpu, enqueueCPU time.Duration // this process
	helperCPU       time.Duration // the child: emulator and model
	sqlWait         time.Duration // waiting for the store's one writer connection
}

func runEnrichBench(b *testing.B, n, concurrency int, model bool) {
	var sum benchResult
	for range b.N {
		r := enrichOnce(b, n, concurrency, model)
		sum.wall += r.wall
		sum.enqueue += r.enqueue
		sum.cpu += r.cpu
		sum.enqueueCPU += r.enqueueCPU
		sum.helperCPU += r.helperCPU
		sum.sqlWait += r.sqlWait
	}
	runs := float64(b.N)
	wall := sum.wall.Seconds() / runs
	b.ReportMetric(wall, "wall-s")
	b.ReportMetric(sum.enqueue.Seconds()/runs, "enqueue-s")
	b.ReportMetric(float64(sum.cpu)/float64(time.Millisecond)/runs/float64(n), "cpu-ms/incident")
	b.ReportMetric(float64(sum.enqueueCPU)/float64(time.Millisecond)/runs/float64(n), "enqueue-cpu-ms/incident")
	b.ReportMetric(sum.helperCPU.Seconds()/runs, "helper-cpu-s")
	b.ReportMetric(float64(sum.sqlWait)/float64(time.Millisecond)/runs/float64(n), "sql-wait-ms/incident")
	b.ReportMetric(float64(n), "incidents")
	b.ReportMetric(float64(n)/wall, "incidents/s")
	if model {
		ideal := float64(n) * benchModelDelay.Seconds() / float64(concurrency)
		b.ReportMetric(ideal, "ideal-s")
		b.ReportMetric(wall/ideal, "wall/ideal")
	}
}

// enrichOnce runs one batch: a fresh workspace, model and store; every
// incident queued by one poll, then worked until all jobs are completed.
// Wall time runs from the service's start to the last job completed (the
// queueing before it is enqueue-s); CPU covers both.
func enrichOnce(b *testing.B, n, concurrency int, model bool) benchResult {
	b.StopTimer()
	ctx := context.Background()
	calls := 0
	if model {
		calls = n // exactly one model call per incident: a retry fails the run
	}
	h := startBenchHelper(b, n, calls)

	dir := b.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "socpilot.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	client, err := sentinel.New(sentineltest.Workspace, emulator.Credential{}, sentinel.Options{Endpoint: h.emulator})
	if err != nil {
		b.Fatal(err)
	}
	an := offlineAnalyzer()
	if model {
		// As serve wires a compatible model: audited, cached, pseudonymised.
		m, err := llm.New(llm.Config{Provider: llm.ProviderCompatible, Endpoint: h.model + "/v1", APIKey: "llmtest-key", Model: "gpt-4o"})
		if err != nil {
			b.Fatal(err)
		}
		an.Model, an.Schema, an.ModelErrors = m, llm.SchemaFor, true
		an.Audit, an.Cache = st, st
		if os.Getenv(benchEnvRedact) != "0" {
			key := []byte("socpilot-benchmark-pseudonym-key")
			an.Redact = redact.New(key)
			an.NewRedact = func() analysis.Pseudonymizer { return redact.New(key) }
		}
	}
	ws := automation.Workspace{Workspace: sentineltest.Workspace, Client: client,
		Policy: automation.Policy{Statuses: []string{"New", "Active", "Closed"}}} // every synthetic incident
	svc, err := automation.New(ctx, automation.Options{
		Backend:     automation.Backend{SQLite: st.DB()},
		Workspaces:  []automation.Workspace{ws},
		Analyzer:    an,
		Model:       model,
		Journal:     st,
		Watermarks:  st,
		OwnsStore:   true,
		PollSince:   400 * 24 * time.Hour,
		Concurrency: concurrency,
		Now:         func() time.Time { return emulator.DatasetAnchor },
	})
	if err != nil {
		b.Fatal(err)
	}

	var r benchResult
	db0 := st.DB().Stats()
	cpu0 := processCPU(b)
	t0 := time.Now()
	b.StartTimer()
	queued, err := svc.PollWorkspace(ctx, &ws)
	if err != nil {
		b.Fatal(err)
	}
	if queued != n {
		b.Fatalf("the poll queued %d incidents, want %d", queued, n)
	}
	r.enqueue = time.Since(t0)
	r.enqueueCPU = processCPU(b) - cpu0
	t1 := time.Now()
	if err := svc.Start(ctx); err != nil {
		b.Fatal(err)
	}
	waitEnriched(b, svc, n, 2*time.Minute+3*time.Duration(n)*benchModelDelay/time.Duration(concurrency))
	r.wall = time.Since(t1)
	b.StopTimer()
	r.cpu = processCPU(b) - cpu0
	r.sqlWait = st.DB().Stats().WaitDuration - db0.WaitDuration

	stop, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := svc.Stop(stop); err != nil {
		b.Errorf("stop the service: %v", err)
	}
	r.helperCPU = h.stop(b)
	return r
}

// waitEnriched waits until n jobs have an outcome, then until River has
// recorded every one as completed. It reads the jobs counter, which is
// cheap, rather than listing jobs while they run.
func waitEnriched(b *testing.B, svc *automation.Service, n int, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for {
		out := jobOutcomes(b, svc)
		if out[automation.OutcomeDiscarded] > 0 || out[automation.OutcomeFailed] > 0 || out[automation.OutcomeSkipped] > 0 {
			b.Fatalf("job outcomes %v: want every incident written on its first attempt", out)
		}
		if out[automation.OutcomeWritten]+out[automation.OutcomeUnchanged] >= n {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("after %s only %v of %d incidents are done", timeout, out, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for {
		jobs, err := svc.Jobs().List(context.Background(), "", n+10)
		if err != nil {
			b.Fatal(err)
		}
		completed := 0
		for _, j := range jobs {
			if j.State == "completed" {
				completed++
			}
		}
		if len(jobs) != n {
			b.Fatalf("%d jobs for %d incidents", len(jobs), n)
		}
		if completed == n {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("after %s only %d of %d jobs are completed", timeout, completed, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func jobOutcomes(b *testing.B, svc *automation.Service) map[string]int {
	mfs, err := svc.Metrics().Registry.Gather()
	if err != nil {
		b.Fatal(err)
	}
	out := map[string]int{}
	for _, mf := range mfs {
		if mf.GetName() != "socpilot_jobs_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "outcome" {
					out[l.GetValue()] += int(m.GetCounter().GetValue())
				}
			}
		}
	}
	return out
}

// processCPU is the user and system CPU this process has used.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchHelper is the child process serving the workspace and the model.
type benchHelper struct {
	cmd             *exec.Cmd
	stdin           interface{ Close() error }
	out             *strings.Builder
	done            chan struct{}
	emulator, model string
}

func startBenchHelper(b *testing.B, n, calls int) *benchHelper {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestBenchHelperProcess$", "-test.timeout=0", "-test.count=1")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d %d %d %d", benchEnvHelper, n, benchSeed, calls, int64(benchModelDelay)))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	h := &benchHelper{cmd: cmd, stdin: stdin, out: &strings.Builder{}, done: make(chan struct{})}
	ready := make(chan string, 1)
	go func() {
		defer close(h.done)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			if rest, ok := strings.CutPrefix(line, benchHelperLine); ok {
				ready <- rest
				continue
			}
			h.out.WriteString(line + "\n")
		}
		close(ready)
	}()
	select {
	case line, ok := <-ready:
		if !ok {
			cmd.Wait()
			b.Fatalf("the benchmark's helper process ended before serving:\n%s", h.out)
		}
		for _, f := range strings.Fields(line) {
			k, v, _ := strings.Cut(f, "=")
			switch k {
			case "emulator":
				h.emulator = v
			case "model":
				h.model = v
			}
		}
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		b.Fatal("the benchmark's helper process did not start within a minute")
	}
	return h
}

// stop ends the child (closing its stdin), checks it succeeded (every
// scripted model answer used, no request unscripted) and returns its CPU.
func (h *benchHelper) stop(b *testing.B) time.Duration {
	b.Helper()
	h.stdin.Close()
	<-h.done
	err := h.cmd.Wait()
	if err != nil {
		b.Fatalf("the benchmark's helper process failed (%v):\n%s", err, h.out)
	}
	return h.cmd.ProcessState.UserTime() + h.cmd.ProcessState.SystemTime()
}

// TestBenchHelperProcess is the benchmarks' child process, and does
// nothing in a normal test run. It serves emulator.Synthetic(incidents,
// seed) and, when modelCalls > 0, an llmtest model scripted with that many
// analyses behind a handler that waits delay (or the request's end) before
// each answer; then it waits for its stdin to close.
func TestBenchHelperProcess(t *testing.T) {
	spec := os.Getenv(benchEnvHelper)
	if spec == "" {
		return
	}
	var n, calls int
	var seed, delay int64
	if _, err := fmt.Sscan(spec, &n, &seed, &calls, &delay); err != nil {
		t.Fatalf("%s=%q: %v", benchEnvHelper, spec, err)
	}
	emu, err := emulator.New(emulator.Options{Dataset: emulator.Synthetic(n, seed), Now: func() time.Time { return emulator.DatasetAnchor }})
	if err != nil {
		t.Fatal(err)
	}
	es := httptest.NewServer(emu)
	defer es.Close()
	line := benchHelperLine + "emulator=" + es.URL
	if calls > 0 {
		srv := llmtest.New(t)
		for range calls {
			srv.ReplyJSON(benchAnswer)
		}
		target, err := url.Parse(srv.URL())
		if err != nil {
			t.Fatal(err)
		}
		proxy := httputil.NewSingleHostReverseProxy(target)
		proxy.Transport = &http.Transport{MaxIdleConnsPerHost: 1024}
		slow := httptest.NewServer(delayed(time.Duration(delay), proxy))
		defer slow.Close()
		line += " model=" + slow.URL
	}
	fmt.Println(line)
	// Block until the benchmark closes stdin.
	var buf [512]byte
	for {
		if _, err := os.Stdin.Read(buf[:]); err != nil {
			break
		}
	}
}

// delayed waits d before handing the request to h, as a model that takes
// d to answer; a request given up on before is not answered.
func delayed(d time.Duration, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-r.Context().Done():
			return
		case <-t.C:
		}
		h.ServeHTTP(w, r)
	})
}

// benchAnswer is a valid structured analysis for any incident: it names no
// entity (none is removed as ungrounded) and its one query passes the KQL
// gate (no repair round, so exactly one model call per incident).
var benchAnswer = map[string]any{
	"summary":        "Several alerts on the same hosts and accounts point to one intrusion that needs triage.",
	"whyItMatters":   "An attacker with a foothold can move to other hosts and accounts.",
	"verdict":        "escalate",
	"verdictReasons": []string{"Alerts from more than one stage of an attack."},
	"checklist": []map[string]any{
		{"title": "Review the alerts' evidence", "description": "Confirm the activity is not an approved test.", "phase": "investigate", "entities": []string{}, "action": map[string]string{"verb": "none", "entity": ""}},
		{"title": "Contain the affected hosts", "description": "Isolate them while the investigation runs.", "phase": "contain", "entities": []string{}, "action": map[string]string{"verb": "none", "entity": ""}},
		{"title": "Reset the affected credentials", "description": "Revoke sessions too.", "phase": "remediate", "entities": []string{}, "action": map[string]string{"verb": "none", "entity": ""}},
	},
	"queries": []map[string]string{
		{"title": "Sign-ins by address", "purpose": "See where the accounts signed in from.", "query": "SigninLogs\n| where TimeGenerated > ago(1d)\n| summarize count() by IPAddress"},
	},
}
