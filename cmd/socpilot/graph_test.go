package main

import (
	"strings"
	"testing"
)

// The Graph backend against `socpilot emulator` over HTTP, as the README
// shows it: every command on a Defender id, a second analyze --write posts
// nothing, and the report is then readable through SecurityInsights.
func TestGraphBackendAgainstEmulator(t *testing.T) {
	env := startEmulator(t, demoEnv(t))
	if env["SOCPILOT_GRAPH_ENDPOINT"] == "" {
		t.Fatalf("the emulator did not print the Graph endpoint: %v", env)
	}
	env["SOCPILOT_BACKEND"] = "graph"
	run := func(stdin string, args ...string) string {
		t.Helper()
		code, out, errOut := runCLI(t, env, stdin, args...)
		if code != exitOK {
			t.Fatalf("socpilot %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
		}
		return out
	}
	if out := run("", "incidents"); !strings.Contains(out, "48377") || !strings.Contains(out, "Phishing email") {
		t.Fatalf("incidents:\n%s", out)
	}
	if out := run("", "incident", "48377"); !strings.Contains(out, "adele.vance@contoso.com") {
		t.Fatalf("incident 48377 lacks its entities:\n%s", out)
	}
	if out := run("", "analyze", "48377", "--write"); !strings.Contains(out, "Wrote to incident 48377: 1 created") {
		t.Fatalf("first write:\n%s", out)
	}
	if out := run("", "analyze", "48377", "--write"); !strings.Contains(out, "0 created, 0 updated, 1 unchanged") {
		t.Fatalf("second write posted again:\n%s", out)
	}
	if out := run("", "ask", "48377", "which accounts are involved?"); !strings.Contains(out, "adele.vance@contoso.com") {
		t.Fatalf("ask:\n%s", out)
	}
	if out := run("which accounts are involved?\n/quit\n", "chat", "48377"); !strings.Contains(out, "adele.vance@contoso.com") {
		t.Fatalf("chat:\n%s", out)
	}
	env["SOCPILOT_BACKEND"] = "sentinel"
	if out := run("", "incident", "105", "-o", "json"); strings.Count(out, "socpilot report · version ") != 1 {
		t.Fatalf("through SecurityInsights, incident 105 should hold the report once:\n%s", out)
	}
}
