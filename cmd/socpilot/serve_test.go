package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/automation"
	"github.com/socpilot/socpilot/emulator"
	"github.com/socpilot/socpilot/postgres/pgtest"
	"github.com/socpilot/socpilot/sentinel"
	"github.com/socpilot/socpilot/writeback"
)

const serveToken = "serve-test-token"

// serveProc is a `socpilot serve` running as its own process, so a test
// can kill it as an operator's crash would.
type serveProc struct {
	cmd  *exec.Cmd
	addr string
	logs *bytes.Buffer
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServe starts `socpilot serve` with env (the test binary acts as
// socpilot, see TestMain) and waits until /healthz answers.
func startServe(t *testing.T, env map[string]string, args ...string) *serveProc {
	t.Helper()
	return startServeAt(t, freeAddr(t), env, args...)
}

// startServeAt is startServe on addr (127.0.0.1:port), which args may
// widen (--listen 0.0.0.0:port).
func startServeAt(t *testing.T, addr string, env map[string]string, args ...string) *serveProc {
	t.Helper()
	bin, err := exec.LookPath("socpilot")
	if err != nil {
		t.Fatal(err)
	}
	p := &serveProc{addr: addr, logs: &bytes.Buffer{}}
	p.cmd = exec.Command(bin, append([]string{"serve", "--listen", p.addr}, args...)...)
	p.cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "SOCPILOT_LOG=info"}
	for k, v := range env {
		p.cmd.Env = append(p.cmd.Env, k+"="+v)
	}
	p.cmd.Stderr = p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			p.cmd.Wait()
		}
		if t.Failed() {
			t.Logf("serve %s log:\n%s", p.addr, p.logs)
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + p.addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not come up: %v\n%s", err, p.logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *serveProc) post(t *testing.T, incidentID string) automation.Enqueued {
	t.Helper()
	body := fmt.Sprintf(`{"objectEventType":"Create","object":{"id":%q}}`, incidentID)
	for {
		req, _ := http.NewRequest(http.MethodPost, "http://"+p.addr+"/hooks/sentinel", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+serveToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e automation.Enqueued
		json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode == http.StatusServiceUnavailable {
			time.Sleep(200 * time.Millisecond)
			continue
		}
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("webhook answered %d", resp.StatusCode)
		}
		return e
	}
}

// stop sends SIGTERM and expects a clean exit.
func (p *serveProc) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve after SIGTERM: %v\n%s", err, p.logs)
		}
	case <-time.After(45 * time.Second):
		p.cmd.Process.Kill()
		t.Errorf("serve did not stop within its drain deadline")
	}
}

func openIncidents(t *testing.T, c *sentinel.Client) []socpilot.Incident {
	t.Helper()
	incs, err := c.ListIncidents(context.Background(), socpilot.IncidentFilter{Status: automation.DefaultStatuses})
	if err != nil {
		t.Fatal(err)
	}
	return incs
}

// waitEnriched waits until every incident holds socpilot's report and as
// many tasks as it will have, and then checks none is there twice.
func waitEnriched(t *testing.T, c *sentinel.Client, incs []socpilot.Incident, timeout time.Duration) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(timeout)
	for _, inc := range incs {
		for {
			d, err := c.Details(ctx, inc.Number)
			if err != nil {
				t.Fatal(err)
			}
			reports, tasks := 0, map[string]int{}
			for _, cm := range d.Comments {
				if strings.EqualFold(cm.Name, writeback.ReportID(inc.ID)) {
					reports++
				}
			}
			for _, tk := range d.Tasks {
				tasks[tk.Title]++
			}
			for title, n := range tasks {
				if n > 1 {
					t.Fatalf("incident %d has task %q %d times", inc.Number, title, n)
				}
			}
			ours := offlineTaskIDs(t, d)
			have := 0
			for _, tk := range d.Tasks {
				if ours[strings.ToLower(tk.Name)] {
					have++
				}
			}
			if reports == 1 && have == len(ours) {
				break
			}
			if reports > 1 {
				t.Fatalf("incident %d has %d reports, want 1", inc.Number, reports)
			}
			if time.Now().After(deadline) {
				t.Fatalf("incident %d has %d reports and %d of its %d tasks after %s", inc.Number, reports, have, len(ours), timeout)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// offlineTaskIDs are the ids of the tasks the offline analysis writes.
func offlineTaskIDs(t *testing.T, d socpilot.IncidentDetails) map[string]bool {
	t.Helper()
	f := newFactory(streams{out: &bytes.Buffer{}, err: &bytes.Buffer{}}, func(string) string { return "" })
	an, err := f.analyzer(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	a, err := an.Analyze(context.Background(), d, true)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, it := range a.Checklist {
		ids[strings.ToLower(writeback.ChecklistTaskID(d.Incident.ID, it.Title))] = true
	}
	return ids
}

func TestServeKill9MidWriteBackThenRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	srv, env := networkWorkspace(t)
	env["SOCPILOT_WEBHOOK_TOKEN"] = serveToken
	client := sentinelClientOn(t, env["SOCPILOT_ARM_ENDPOINT"])
	incs := openIncidents(t, client)
	// Slow task writes, so the kill lands in the middle of write-backs.
	srv.InjectFault(emulator.Fault{Match: "/tasks/", Method: http.MethodPut, Latency: 150 * time.Millisecond})

	p := startServe(t, env)
	for _, inc := range incs {
		p.post(t, inc.ID)
	}
	deadline := time.Now().Add(30 * time.Second)
	for countPuts(srv, "/tasks/") < 4 {
		if time.Now().After(deadline) {
			t.Fatal("no task written within 30s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.cmd.Process.Kill() // SIGKILL: no drain, no goodbye
	p.cmd.Wait()
	putsAtKill := countPuts(srv, "/tasks/")

	p2 := startServe(t, env)
	waitEnriched(t, client, incs, 90*time.Second)
	if countPuts(srv, "/tasks/") == putsAtKill {
		t.Fatal("the restarted serve wrote nothing: the kill came too late to test anything")
	}
	p2.stop(t)
}

func TestServeRefusesOpenListenerWithoutToken(t *testing.T) {
	code, _, stderr := runCLI(t, demoEnv(t), "", "serve", "--listen", "0.0.0.0:0")
	if code != exitUsage || !strings.Contains(stderr, "without a webhook token") {
		t.Fatalf("exit %d, stderr %q; want 2 and a refusal", code, stderr)
	}
}

func countPuts(srv *emulator.Server, path string) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPut && strings.Contains(strings.ToLower(r.Path), path) {
			n++
		}
	}
	return n
}

func sentinelClientOn(t *testing.T, endpoint string) *sentinel.Client {
	t.Helper()
	ws := sentinel.Workspace{SubscriptionID: emulator.DemoSubscription, ResourceGroup: emulator.DemoResourceGroup, Name: emulator.DemoWorkspace}
	c, err := sentinel.New(ws, emulator.Credential{}, sentinel.Options{Endpoint: endpoint})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Two replicas on one PostgreSQL store, one killed mid-job: every incident
// is enriched, no artifact is written twice, and the survivor finishes
// what the dead one held (River rescues it after the job timeout).
func TestServeReplicasOnPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	dsn := pgtest.NewSchema(t)
	srv, env := networkWorkspace(t)
	env["SOCPILOT_WEBHOOK_TOKEN"] = serveToken
	env["SOCPILOT_STORE"] = dsn
	client := sentinelClientOn(t, env["SOCPILOT_ARM_ENDPOINT"])
	incs := openIncidents(t, client)
	srv.InjectFault(emulator.Fault{Match: "/tasks/", Method: http.MethodPut, Latency: 100 * time.Millisecond})

	a := startServe(t, env, "--job-timeout", "4s")
	b := startServe(t, env, "--job-timeout", "4s")
	// Each incident is triggered on both replicas: one job each.
	for _, inc := range incs {
		ea, eb := a.post(t, inc.ID), b.post(t, inc.ID)
		if ea.Job != eb.Job {
			t.Fatalf("incident %d queued twice: jobs %d and %d", inc.Number, ea.Job, eb.Job)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for countPuts(srv, "/tasks/") < 3 {
		if time.Now().After(deadline) {
			t.Fatal("no task written within 30s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	a.cmd.Process.Kill()
	a.cmd.Wait()
	waitEnriched(t, client, incs, 120*time.Second)
	// No comment or task was created twice: each artifact's first PUT
	// created it, and later runs found it unchanged.
	puts := map[string]int{}
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPut && r.Status == http.StatusCreated {
			puts[strings.ToLower(r.Path)]++
		}
	}
	for path, n := range puts {
		if n > 1 {
			t.Errorf("%s created %d times", path, n)
		}
	}
	b.stop(t)
}

func TestServeMalformedPolicyExits2(t *testing.T) {
	for _, kv := range [][2]string{
		{"SOCPILOT_POLICY_MIN_SEVERITY", "Critical"},
		{"SOCPILOT_POLICY_TACTICS", "Teleportation"},
		{"SOCPILOT_POLICY_WRITE", "everything"},
		{"SOCPILOT_POLICY_CONCURRENCY", "-3"},
	} {
		env := demoEnv(t)
		env[kv[0]] = kv[1]
		code, _, stderr := runCLI(t, env, "", "serve")
		if code != exitUsage || !strings.Contains(stderr, kv[0]) {
			t.Errorf("%s=%s: exit %d, stderr %q; want 2 naming the variable", kv[0], kv[1], code, stderr)
		}
	}
}
