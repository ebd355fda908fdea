package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/socpilot/socpilot/kql/logs/logstest"
	"github.com/socpilot/socpilot/kql/schema"
)

// TestKQLCheckLiveSchema: a custom table unknown to the embedded catalog is
// read from the workspace with getschema, so a correct query passes and a
// misspelled column is still caught.
func TestKQLCheckLiveSchema(t *testing.T) {
	ws := schema.New()
	ws.AddTable(schema.Table{Name: "ContosoApp_CL", Columns: []schema.Column{{Name: "TimeGenerated", Type: "datetime"}, {Name: "UserName_s", Type: "string"}}})
	srv := logstest.New(t, ws)
	srv.WorkspaceID = "11111111-2222-3333-4444-555555555555"
	dir := t.TempDir()
	good := filepath.Join(dir, "good.kql")
	bad := filepath.Join(dir, "bad.kql")
	os.WriteFile(good, []byte("ContosoApp_CL\n| where TimeGenerated > ago(1d)\n| where UserName_s == \"adele\"\n"), 0o644)
	os.WriteFile(bad, []byte("ContosoApp_CL\n| where TimeGenerated > ago(1d)\n| where UserNam_s == \"adele\"\n"), 0o644)
	env := demoEnv(t)

	code, stdout, _ := runCLI(t, env, "", "kql", "check", good)
	if code != exitOK || !strings.Contains(stdout, "warning: custom table 'ContosoApp_CL' is not in the schema") {
		t.Fatalf("without the workspace the custom table should be a warning that it cannot be known: exit %d\n%s", code, stdout)
	}
	live := []string{"--workspace-id", srv.WorkspaceID, "--logs-endpoint", srv.URL}
	code, stdout, stderr := runCLI(t, env, "", append([]string{"kql", "check"}, append(live, good)...)...)
	if code != exitOK {
		t.Fatalf("with the live schema: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "live schema: 1 of 1 table(s) and 0 saved function(s)") {
		t.Errorf("stderr %q", stderr)
	}
	code, stdout, _ = runCLI(t, env, "", append([]string{"kql", "check"}, append(live, bad)...)...)
	if code != exitFailure || !strings.Contains(stdout, "bad.kql:3:9: error") || !strings.Contains(stdout, "UserName_s") {
		t.Errorf("misspelled column against the live schema: exit %d\n%s", code, stdout)
	}
}

// TestKQLCheckLiveSavedFunctions: --workspace-id reads the workspace's saved
// functions, so an invoked saved function passes; a function the workspace does
// not have is then an error, where offline it is a warning.
func TestKQLCheckLiveSavedFunctions(t *testing.T) {
	ws := schema.New()
	ws.AddTable(schema.Table{Name: "AWSCloudTrail", Columns: []schema.Column{{Name: "TimeGenerated", Type: "datetime"}, {Name: "UserIdentityArn", Type: "string"}}})
	ws.AddFunction(schema.Function{Name: "AWSIdentityRole", Params: []schema.Param{{Name: "T", Type: schema.TabularType}}})
	srv := logstest.New(t, ws)
	srv.WorkspaceID = "11111111-2222-3333-4444-555555555555"
	dir := t.TempDir()
	q := filepath.Join(dir, "q.kql")
	other := filepath.Join(dir, "other.kql")
	os.WriteFile(q, []byte("AWSCloudTrail\n| where TimeGenerated > ago(1d)\n| invoke AWSIdentityRole()\n"), 0o644)
	os.WriteFile(other, []byte("AWSCloudTrail\n| where TimeGenerated > ago(1d)\n| invoke AWSRoleOfIdentity()\n"), 0o644)
	env := demoEnv(t)
	code, stdout, _ := runCLI(t, env, "", "kql", "check", q)
	if code != exitOK || !strings.Contains(stdout, "warning: unknown function 'AWSIdentityRole': it may be a function saved in the workspace") {
		t.Fatalf("offline: exit %d\n%s", code, stdout)
	}
	live := []string{"kql", "check", "--workspace-id", srv.WorkspaceID, "--logs-endpoint", srv.URL}
	code, stdout, stderr := runCLI(t, env, "", append(live, q)...)
	if code != exitOK || strings.Contains(stdout, "AWSIdentityRole") || !strings.Contains(stderr, "1 saved function(s)") {
		t.Fatalf("with the workspace's functions: exit %d\n%s\n%s", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, env, "", append(live, other)...)
	if code != exitFailure || !strings.Contains(stdout, "other.kql:3:10: error: unknown table or function 'AWSRoleOfIdentity'") {
		t.Errorf("a function the workspace lacks: exit %d\n%s", code, stdout)
	}
}
