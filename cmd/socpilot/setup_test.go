package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/socpilot/socpilot/emulator"
	"github.com/socpilot/socpilot/llm/llmtest"
)

// The set-up the end-to-end tests of this package share: socpilot run in
// process over buffers, and the environments that point it at the demo
// workspace, a workspace served over loopback, a model, or a running
// `socpilot emulator`.

// runCLI runs socpilot in process with the given environment.
func runCLI(t *testing.T, env map[string]string, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string { return env[k] }
	code = run(context.Background(), args, streams{in: strings.NewReader(stdin), out: &out, err: &errb}, getenv)
	return code, out.String(), errb.String()
}

// demoEnv is an environment with no workspace configured (the demo
// workspace) and a state directory of the test's own.
func demoEnv(t *testing.T) map[string]string {
	return map[string]string{"SOCPILOT_STATE_DIR": t.TempDir()}
}

// modelEnv points socpilot at a replaying OpenAI-compatible server.
func modelEnv(t *testing.T, srv *llmtest.Server) map[string]string {
	return withModel(demoEnv(t), srv)
}

// withModel adds to env the settings of a compatible model served by srv.
func withModel(env map[string]string, srv *llmtest.Server) map[string]string {
	env["SOCPILOT_LLM_PROVIDER"] = "compatible"
	env["SOCPILOT_LLM_ENDPOINT"] = srv.URL() + "/v1"
	env["SOCPILOT_LLM_MODEL"] = "test-model"
	env["SOCPILOT_LLM_TIMEOUT"] = "5s"
	return env
}

// workspaceEnv is the environment that points socpilot at the demo
// workspace's names on the Sentinel API at armEndpoint, as a user would
// point it at a real workspace.
func workspaceEnv(t *testing.T, armEndpoint string) map[string]string {
	return map[string]string{
		"SOCPILOT_STATE_DIR":       t.TempDir(),
		"SOCPILOT_ARM_ENDPOINT":    armEndpoint,
		"SOCPILOT_SUBSCRIPTION_ID": emulator.DemoSubscription,
		"SOCPILOT_RESOURCE_GROUP":  emulator.DemoResourceGroup,
		"SOCPILOT_WORKSPACE_NAME":  emulator.DemoWorkspace,
	}
}

// servedWorkspace serves a fresh emulator with opts over loopback HTTP and
// returns it with the environment that points socpilot at it.
func servedWorkspace(t *testing.T, opts emulator.Options) (*emulator.Server, map[string]string) {
	t.Helper()
	srv, err := emulator.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return srv, workspaceEnv(t, hs.URL)
}

// networkWorkspace serves a fresh demo workspace over loopback HTTP.
func networkWorkspace(t *testing.T) (*emulator.Server, map[string]string) {
	t.Helper()
	return servedWorkspace(t, emulator.Options{})
}

// startEmulator runs `socpilot emulator --listen 127.0.0.1:0` with env
// until the test ends, and returns the environment it prints for a client
// (with a state directory of the client's own). The test fails if the
// emulator does not stop, or stops with an error, once cancelled.
func startEmulator(t *testing.T, env map[string]string) (client map[string]string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var emuErr syncBuffer
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"emulator", "--listen", "127.0.0.1:0"}, streams{in: strings.NewReader(""), out: pw, err: &emuErr}, func(k string) string { return env[k] })
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != exitOK {
				t.Errorf("emulator exit %d after cancel: %s", code, emuErr.String())
			}
		case <-time.After(10 * time.Second):
			t.Error("the emulator did not stop")
		}
	})
	sc := bufio.NewScanner(pr)
	var exports, graphExports string
	for sc.Scan() {
		if strings.Contains(sc.Text(), "export SOCPILOT_ARM_ENDPOINT") {
			exports = sc.Text()
		}
		if strings.Contains(sc.Text(), "export SOCPILOT_BACKEND=graph") {
			graphExports = sc.Text()
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if exports == "" {
		t.Fatal("the emulator did not print where it listens")
	}
	client = map[string]string{"SOCPILOT_STATE_DIR": t.TempDir()}
	for _, kv := range strings.Fields(strings.TrimPrefix(strings.TrimSpace(exports), "export ")) {
		k, v, _ := strings.Cut(kv, "=")
		client[k] = v
	}
	// The Graph endpoint only: the backend stays the caller's choice.
	for _, kv := range strings.Fields(strings.TrimPrefix(strings.TrimSpace(graphExports), "export ")) {
		if k, v, _ := strings.Cut(kv, "="); k == "SOCPILOT_GRAPH_ENDPOINT" {
			client[k] = v
		}
	}
	return client
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
