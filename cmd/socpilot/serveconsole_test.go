package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/analysis"
	"github.com/socpilot/socpilot/automation"
	"github.com/socpilot/socpilot/config"
	"github.com/socpilot/socpilot/emulator"
	"github.com/socpilot/socpilot/kql/gate"
	"github.com/socpilot/socpilot/offline"
	"github.com/socpilot/socpilot/sentinel"
	"github.com/socpilot/socpilot/sqlite"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// With several workspaces serve mounts a console for each under /w/NAME/:
// / opens the first, every page links the others, and a write-back from
// one workspace's console lands in that workspace only.
func TestServeConsolePerWorkspace(t *testing.T) {
	ctx := context.Background()
	_, emea := emulatedWorkspace(t, "11111111-1111-1111-1111-111111111111", "soc-emea", "emea-sentinel")
	_, apac := emulatedWorkspace(t, "22222222-2222-2222-2222-222222222222", "soc-apac", "apac-sentinel")
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "socpilot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	g := gate.New(nil)
	an := &analysis.Analyzer{Facts: offline.New(offline.Options{HasTable: g.HasTable}), Queries: g, Cache: st}
	targets := []served{{ws: emea.Workspace(), client: emea}, {ws: apac.Workspace(), client: apac}}
	svc, err := automation.New(ctx, automation.Options{Backend: automation.Backend{SQLite: st.DB()},
		Workspaces: []automation.Workspace{{Workspace: emea.Workspace(), Client: emea}, {Workspace: apac.Workspace(), Client: apac}},
		Analyzer:   an, Journal: st, Watermarks: st, OwnsStore: true})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	if n := mountConsoles(mux, svc, an, st, targets, consoleGate{}, "offline analyst", slog.New(slog.DiscardHandler)); n != 2 {
		t.Fatalf("mounted %d consoles, want 2", n)
	}
	// A job for apac's incident 103 only: emea's 103 has none.
	d103, err := apac.Details(ctx, 103)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Enqueue(ctx, automation.IncidentRef{Workspace: apac.Workspace(), Incident: d103.Incident.Name}, "webhook"); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	get := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := c.Get(hs.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}

	resp, body := get("/")
	if resp.Request.URL.Path != "/w/emea-sentinel/" || !strings.Contains(body, `href="/w/emea-sentinel/incidents/103"`) {
		t.Fatalf("/ opened %s, without the first workspace's queue", resp.Request.URL.Path)
	}
	if !strings.Contains(body, `<a href="/w/apac-sentinel/">apac-sentinel</a>`) || !strings.Contains(body, `href="/w/emea-sentinel/static/console.css"`) {
		t.Error("the queue does not link the other workspace, or its static files are not under its own path")
	}
	jobOf := func(body string) string {
		return regexp.MustCompile(`(?s)<tr data-number="103">.*?<td class="job">(.*?)</td>`).FindStringSubmatch(body)[1]
	}
	if j := jobOf(body); !strings.Contains(j, "no job") {
		t.Errorf("emea's 103 shows apac's job: %s", j)
	}
	if _, apacQueue := get("/w/apac-sentinel/"); !strings.Contains(jobOf(apacQueue), "available") {
		t.Errorf("apac's 103 does not show its queued job: %s", jobOf(apacQueue))
	}
	if resp, _ := get("/w/apac-sentinel/static/console.js"); resp.StatusCode != 200 {
		t.Errorf("static file under a workspace: status %d", resp.StatusCode)
	}

	_, body = get("/w/apac-sentinel/incidents/103")
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(body)
	if m == nil || !strings.Contains(body, `action="/w/apac-sentinel/incidents/103/write"`) {
		t.Fatal("apac's incident 103 has no write-back form under its own path")
	}
	resp, err = c.PostForm(hs.URL+"/w/apac-sentinel/incidents/103/write", url.Values{"csrf": {m[1]}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("write-back: status %d", resp.StatusCode)
	}
	reports := func(cl *sentinel.Client) int {
		d, err := cl.Details(ctx, 103)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, cm := range d.Comments {
			if socpilot.OwnComment(cm) {
				n++
			}
		}
		return n
	}
	if a, e := reports(apac), reports(emea); a != 1 || e != 0 {
		t.Errorf("reports on 103: apac %d, emea %d; want 1 and 0", a, e)
	}

	// /w/NAME/mcp serves that workspace's tools; /mcp the first's.
	o := &serveOptions{IO: streams{in: strings.NewReader(""), out: io.Discard, err: io.Discard}, listen: "127.0.0.1:0",
		Store: func(context.Context) (socpilot.Store, error) { return st, nil }}
	cfg := &config.Config{StateDir: t.TempDir()}
	cfg.Serve.WebhookToken = serveToken
	at, err := serveMCP(mux, o, cfg, targets, consoleGate{}, an)
	if err != nil || !strings.Contains(at, "/w/NAME/mcp for 2 workspaces") {
		t.Fatalf("serveMCP: %q, %v", at, err)
	}
	for path, want := range map[string]string{"/w/apac-sentinel/mcp": "soc-apac", "/w/emea-sentinel/mcp": "soc-emea", "/mcp": "soc-emea"} {
		cs := mcpHTTP(t, hs.URL+path, serveToken)
		res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "get_incident", Arguments: map[string]any{"number": 103}})
		if err != nil || res.IsError {
			t.Fatalf("%s get_incident: %v %+v", path, err, res)
		}
		b, _ := json.Marshal(res.StructuredContent)
		if !strings.Contains(string(b), want) {
			t.Errorf("%s answered for another workspace than %s", path, want)
		}
		cs.Close()
	}
}

// Without a model, verdicts are still kept for the console: those of
// `socpilot analyze` and of serve's jobs, across processes.
func TestVerdictsKeptWithoutAModel(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	env := demoEnv(t)
	queueRow := func(p *serveProc, n string) string {
		resp, err := http.Get("http://" + p.addr + "/")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return regexp.MustCompile(`(?s)<tr data-number="` + n + `">.*?</tr>`).FindString(string(b))
	}
	if code, _, stderr := runCLI(t, env, "", "analyze", "110"); code != 0 {
		t.Fatalf("analyze 110: exit %d: %s", code, stderr)
	}
	// Without the poller only the CLI has analysed anything.
	p := startServe(t, env)
	if r := queueRow(p, "110"); !strings.Contains(r, "verdict-dismiss") {
		t.Errorf("the CLI's verdict on 110 is not in the queue:\n%s", r)
	}
	if r := queueRow(p, "103"); !strings.Contains(r, "not analysed") {
		t.Errorf("103 shows a verdict nobody made:\n%s", r)
	}
	p.stop(t)

	p = startServe(t, env, "--poll", "1s")
	for deadline := time.Now().Add(60 * time.Second); !strings.Contains(queueRow(p, "103"), "verdict-escalate"); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the queue never showed the job's verdict on 103:\n%s", queueRow(p, "103"))
		}
	}
	p.stop(t)
}

// emulatedWorkspace is an emulated workspace of its own (subscription,
// resource group, name) with a Sentinel client on it: tests of serve with
// several workspaces open two.
func emulatedWorkspace(t *testing.T, sub, rg, name string) (*emulator.Server, *sentinel.Client) {
	t.Helper()
	srv, err := emulator.New(emulator.Options{Subscription: sub, ResourceGroup: rg, Workspace: name,
		Now: func() time.Time { return emulator.DatasetAnchor }})
	if err != nil {
		t.Fatal(err)
	}
	c, err := sentinel.New(sentinel.Workspace{SubscriptionID: sub, ResourceGroup: rg, Name: name}, emulator.Credential{},
		sentinel.Options{Transport: srv.HTTPClient()})
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}
