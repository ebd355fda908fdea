package main

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/socpilot/socpilot/emulator"
	"github.com/socpilot/socpilot/llm/llmtest"
)

func TestDoctorReportsEachFailureWithItsFix(t *testing.T) {
	srv, env := networkWorkspace(t)
	srv.InjectFault(emulator.Fault{Match: "/permissions", Status: http.StatusForbidden, Code: "AuthorizationFailed"})
	model := llmtest.New(t, llmtest.WithModels("other-model"))
	withModel(env, model)
	env["SOCPILOT_LLM_API_KEY"] = "sk-test-not-a-secret-0000"
	code, stdout, stderr := runCLI(t, env, "", "doctor")
	if code != exitFailure || !strings.Contains(stderr, "2 of 9 checks failed") {
		t.Errorf("exit %d, stderr %q; want 1 and a count of failed checks", code, stderr)
	}
	for _, want := range []string{
		"ok      configuration",
		"ok      credential",
		"ok      read incidents",
		"FAILED  write comments and tasks",
		"fix: grant the Microsoft Sentinel Responder role",
		"FAILED  model",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("doctor output lacks %q:\n%s", want, stdout)
		}
	}
	for _, re := range []string{`llm-model\s+test-model\s+env:SOCPILOT_LLM_MODEL`, `llm-api-key\s+\(set, hidden\)\s+env:SOCPILOT_LLM_API_KEY`} {
		if !regexp.MustCompile(re).MatchString(stdout) {
			t.Errorf("settings do not show %s:\n%s", re, stdout)
		}
	}
	if strings.Contains(stdout+stderr, "sk-test-not-a-secret-0000") {
		t.Error("doctor printed the API key")
	}
}

// TestDoctorUnreachableStore: a SOCPILOT_STORE that cannot be reached is a
// failed check with its fix, not "all is well".
func TestDoctorUnreachableStore(t *testing.T) {
	env := demoEnv(t)
	env["SOCPILOT_STORE"] = "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2"
	code, stdout, stderr := runCLI(t, env, "", "doctor")
	if code != exitFailure || !strings.Contains(stdout, "FAILED  store") || !strings.Contains(stdout, "fix: check that the PostgreSQL server") {
		t.Errorf("exit %d; want 1 with the store check failed:\n%s\n%s", code, stdout, stderr)
	}
}
