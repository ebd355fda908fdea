package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/kql/logs/logstest"
	"github.com/socpilot/socpilot/kql/schema"
	"github.com/socpilot/socpilot/llm/llmtest"
)

// TestAnalyzeVerifyKQL runs analyze on a "real" workspace — the Sentinel
// emulator over HTTP plus a Log Analytics query API emulator — and checks
// every proposed query was run as `| take 0` and marked verified, and that
// the service's own error is reported for one it rejects.
func TestAnalyzeVerifyKQL(t *testing.T) {
	_, env := networkWorkspace(t)
	la := logstest.New(t, schema.Default())
	la.WorkspaceID = "11111111-2222-3333-4444-555555555555"
	rejected := false
	la.Hook = func(q string) (int, any, bool) {
		if strings.HasPrefix(q, "CommonSecurityLog") {
			rejected = true
			return http.StatusBadRequest, map[string]any{"error": map[string]any{"code": "BadArgumentError", "message": "The request had some invalid properties",
				"innererror": map[string]any{"code": "SemanticError", "message": "A semantic error occurred.",
					"innererror": map[string]any{"code": "SEM0100", "message": "'where' operator: Failed to resolve table or column expression named 'CommonSecurityLog'"}}}}, true
		}
		return 0, nil, false
	}
	env["SOCPILOT_WORKSPACE_ID"] = la.WorkspaceID
	env["SOCPILOT_LOGS_ENDPOINT"] = la.URL
	code, stdout, stderr := runCLI(t, env, "", "analyze", "108", "--verify-kql", "-o", "json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var a socpilot.Analysis
	if err := json.Unmarshal([]byte(stdout), &a); err != nil {
		t.Fatal(err)
	}
	if len(a.Queries) == 0 {
		t.Fatal("no queries to verify")
	}
	ran := map[string]bool{}
	for _, r := range la.Requests() {
		if !strings.HasSuffix(strings.TrimSpace(r.Query), "| take 0") {
			t.Errorf("query not run as `| take 0`: %q", r.Query)
		}
		ran[r.Query] = true
	}
	for _, q := range a.Queries {
		switch {
		case strings.HasPrefix(q.Query, "CommonSecurityLog"):
			if q.Status == socpilot.QueryVerified || len(q.Notes) == 0 || !strings.Contains(q.Notes[0], "CommonSecurityLog") {
				t.Errorf("rejected query: status %s notes %v, want the service's error", q.Status, q.Notes)
			}
		case q.Status != socpilot.QueryVerified:
			t.Errorf("query %q: status %s, want verified (notes %v)", q.Title, q.Status, q.Notes)
		}
	}
	if !rejected {
		t.Error("incident 108 proposed no CommonSecurityLog query, so the rejection path was not exercised")
	}
	if len(ran) < len(a.Queries) {
		t.Errorf("%d queries, %d run on the workspace", len(a.Queries), len(ran))
	}
}

// TestVerifyKQLWithoutWorkspaceID: the missing setting is reported before
// the analysis, so no model call is paid for a run that cannot finish.
func TestVerifyKQLWithoutWorkspaceID(t *testing.T) {
	_, env := networkWorkspace(t)
	model := llmtest.New(t) // no scripted answer: any model call fails the test
	withModel(env, model)
	code, _, stderr := runCLI(t, env, "", "analyze", "108", "--verify-kql")
	if code != exitUsage || !strings.Contains(stderr, "SOCPILOT_WORKSPACE_ID") {
		t.Errorf("exit %d, stderr %q; want 2 naming SOCPILOT_WORKSPACE_ID", code, stderr)
	}
	if n := len(model.Requests()); n != 0 {
		t.Errorf("%d model request(s) before the missing setting was reported", n)
	}
}
