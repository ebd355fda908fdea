package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// mcpInspectorVersion is the MCP Inspector .ci/run installs from npm. Its
// engines field asks for Node.js 22, but its CLI mode runs on the Node.js
// 20 these machines have (so does 2.12.0's, checked with this test).
const mcpInspectorVersion = "1.0.3"

// mcpInspector is the MCP Inspector's launcher: SOCPILOT_MCP_INSPECTOR
// (set by .ci/run, which installs it, so its absence is a failure there),
// else the copy .ci/run keeps in the user's cache; the test skips without one.
func mcpInspector(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("SOCPILOT_MCP_INSPECTOR"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("SOCPILOT_MCP_INSPECTOR=%s: %v (.ci/run installs @modelcontextprotocol/inspector@%s with npm)", p, err, mcpInspectorVersion)
		}
		return p
	}
	cache, err := os.UserCacheDir()
	if err == nil {
		p := filepath.Join(cache, "socpilot-ci", "mcp-inspector-"+mcpInspectorVersion, "node_modules", ".bin", "mcp-inspector")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Skipf("MCP Inspector test skipped: run .ci/run once (it installs @modelcontextprotocol/inspector@%s into the user's cache), or set SOCPILOT_MCP_INSPECTOR", mcpInspectorVersion)
	return ""
}

// An independent client, the MCP Inspector's CLI mode (the TypeScript
// SDK), starts `socpilot mcp` over stdio, lists its tools and validates a
// query.
func TestMCPInspectorCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	inspector := mcpInspector(t)
	bin, err := exec.LookPath("socpilot")
	if err != nil {
		t.Fatal(err)
	}
	proxy := trap(t)
	state := t.TempDir()
	inspect := func(args ...string) map[string]any {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		full := append([]string{"--cli", "-e", "SOCPILOT_STATE_DIR=" + state, "-e", "HTTPS_PROXY=" + proxy, "-e", "HTTP_PROXY=" + proxy, bin, "mcp"}, args...)
		cmd := exec.CommandContext(ctx, inspector, full...)
		var stderr syncBuffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("mcp-inspector %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out, &stderr)
		}
		var res map[string]any
		if err := json.Unmarshal(out, &res); err != nil {
			t.Fatalf("mcp-inspector %s printed no JSON: %v\n%s", strings.Join(args, " "), err, out)
		}
		return res
	}

	list := inspect("--method", "tools/list")
	var names []string
	tools, _ := list["tools"].([]any)
	for _, x := range tools {
		tool, _ := x.(map[string]any)
		names = append(names, tool["name"].(string))
		if tool["inputSchema"] == nil || tool["outputSchema"] == nil {
			t.Errorf("%s: no input or output schema", tool["name"])
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, allMCPTools) {
		t.Errorf("the inspector lists %v, want %v", names, allMCPTools)
	}

	res := inspect("--method", "tools/call", "--tool-name", "validate_kql", "--tool-arg", `query=SigninLogs | where TimeGenerated > ago(1d) | where UserPrincipalNam == "x"`)
	var out struct {
		Valid    bool `json:"valid"`
		Findings []struct {
			Code, Suggestion string
			Line, Col        int
		} `json:"findings"`
	}
	b, _ := json.Marshal(res["structuredContent"])
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("structuredContent %s: %v", b, err)
	}
	if out.Valid || len(out.Findings) != 1 || out.Findings[0].Code != "unknown-column" || out.Findings[0].Col != 52 ||
		!strings.Contains(out.Findings[0].Suggestion, "UserPrincipalName") {
		t.Errorf("validate_kql through the inspector: %s", b)
	}
}
