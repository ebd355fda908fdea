package main

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/socpilot/socpilot/llm/llmtest"
	"github.com/socpilot/socpilot/sqlite"
)

func TestExitCodes(t *testing.T) {
	env := demoEnv(t)
	tests := []struct {
		args []string
		want int
	}{
		{[]string{"incident", "101"}, exitOK},
		{[]string{"incident", "4711"}, exitFailure},
		{[]string{"incident", "x"}, exitUsage},
		{[]string{"incidents", "--bogus"}, exitUsage},
		{[]string{"nosuchcommand"}, exitUsage},
		{[]string{"analyze", "101", "--offline"}, exitOK},
		{[]string{"emulator", "--listen", "0.0.0.0:8080"}, exitUsage},
		{[]string{"emulator", "--listen", "8080"}, exitUsage},
		{[]string{"kql"}, exitUsage},
		{[]string{"chat", "--id", "c-1"}, exitUsage},
	}
	for _, tt := range tests {
		if code, _, stderr := runCLI(t, env, "", tt.args...); code != tt.want {
			t.Errorf("socpilot %v: exit %d, want %d (stderr %q)", tt.args, code, tt.want, stderr)
		}
	}
}

func TestAnalyzeWithModel(t *testing.T) {
	srv := llmtest.New(t).ReplyJSON(map[string]any{
		"summary":      "Password spray against Contoso accounts, then a sign-in from a Tor exit node.",
		"whyItMatters": "An account may be in the attacker's hands.",
		"checklist":    []map[string]any{{"title": "Revoke sessions", "description": "Now.", "phase": "contain", "entities": []string{}}},
		"queries":      []map[string]any{},
		"triageNotes":  "Consistent with the score.",
	})
	env := modelEnv(t, srv)
	code, stdout, stderr := runCLI(t, env, "", "analyze", "101")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// The audit table records the call: a hash of what was sent, never the content.
	st, err := sqlite.Open(context.Background(), filepath.Join(env["SOCPILOT_STATE_DIR"], "socpilot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	calls, err := st.ModelCalls(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 1 || calls[0].Operation != "analyze" || len(calls[0].RequestSHA256) != 64 || calls[0].Incidents[0] != 101 || calls[0].PromptTokens == 0 {
		t.Errorf("audit records = %+v, want one analyze call for incident 101 with a request hash", calls)
	}
	if !strings.Contains(stdout, "Password spray against Contoso accounts") || !strings.Contains(stdout, "compatible:test-model") {
		t.Errorf("model narrative not shown:\n%s", stdout)
	}
	if !regexp.MustCompile(`Model usage: 1 call\(s\), \d+ prompt \+ \d+ completion tokens`).MatchString(stderr) {
		t.Errorf("usage line missing from stderr: %q", stderr)
	}
	if !strings.Contains(stderr, "pseudonymising") {
		t.Errorf("redaction (default for compatible) not announced: %q", stderr)
	}
	// Pseudonymisation: no demo entity value reaches the model.
	body := srv.LastRequest().Text()
	for _, v := range []string{"contoso.com", "185.220.101."} {
		if strings.Contains(body, v) {
			t.Errorf("original value %q reached the model", v)
		}
	}
}

func TestAnalyzeModelFailureFallsBack(t *testing.T) {
	srv := llmtest.New(t).Garbage()
	code, stdout, stderr := runCLI(t, modelEnv(t, srv), "", "analyze", "101")
	if code != exitOK {
		t.Fatalf("a model failure must keep exit 0; got %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "warning: the model failed") || !strings.Contains(stdout, "Offline analysis") {
		t.Errorf("fallback not marked:\nstdout %s\nstderr %s", stdout, stderr)
	}
}

func TestAskStreams(t *testing.T) {
	srv := llmtest.New(t).Stream("Two ", "accounts ", "were targeted.")
	code, stdout, stderr := runCLI(t, modelEnv(t, srv), "", "ask", "101", "how many accounts?")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.TrimSpace(stdout) != "Two accounts were targeted." {
		t.Errorf("answer %q", stdout)
	}
	if !strings.Contains(stderr, "Model usage:") {
		t.Errorf("no usage line: %q", stderr)
	}
}

func TestMalformedLLMConfig(t *testing.T) {
	env := demoEnv(t)
	env["SOCPILOT_LLM_PROVIDER"] = "skynet"
	code, _, stderr := runCLI(t, env, "", "analyze", "101")
	if code != exitUsage || !strings.Contains(stderr, "SOCPILOT_LLM_PROVIDER") {
		t.Errorf("exit %d, stderr %q; want 2 naming SOCPILOT_LLM_PROVIDER", code, stderr)
	}
}

// TestEmulatorOverTheNetwork serves the demo workspace on loopback and
// points a second socpilot at it through SOCPILOT_ARM_ENDPOINT.
func TestEmulatorOverTheNetwork(t *testing.T) {
	client := startEmulator(t, demoEnv(t))
	code, stdout, stderr := runCLI(t, client, "", "incidents", "-o", "json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var list struct {
		Count int `json:"count"`
	}
	if err := json.Unmarshal([]byte(stdout), &list); err != nil || list.Count < 12 {
		t.Errorf("listed %d incidents over the network (err %v)", list.Count, err)
	}
	if strings.Contains(stderr, "demo workspace") {
		t.Errorf("the client used the in-process demo, not the network: %s", stderr)
	}
}

// TestAnalyzeTwiceReusesTheModelAnalysis: an unchanged incident is not sent
// to the model again (the replaying server fails on any unscripted call),
// and writing twice leaves the incident as the first write did.
func TestAnalyzeTwiceReusesTheModelAnalysis(t *testing.T) {
	srv := llmtest.New(t).ReplyJSON(map[string]any{
		"summary": "Spray then Tor sign-in.", "whyItMatters": "Account takeover.", "triageNotes": "",
		"checklist": []map[string]any{{"title": "Revoke sessions", "description": "Now.", "phase": "contain", "entities": []string{}}},
		"queries":   []map[string]any{},
	})
	env := modelEnv(t, srv)
	if code, _, stderr := runCLI(t, env, "", "analyze", "101", "--write"); code != exitOK {
		t.Fatalf("first run: exit %d: %s", code, stderr)
	}
	code, stdout, stderr := runCLI(t, env, "", "analyze", "101", "--write")
	if code != exitOK {
		t.Fatalf("second run: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "reused it, no model call") || !strings.Contains(stdout, "Spray then Tor sign-in.") {
		t.Errorf("second run did not reuse the analysis:\nstdout %s\nstderr %s", stdout, stderr)
	}
	if !regexp.MustCompile(`Wrote to incident 101: 0 created, 0 updated, \d+ unchanged`).MatchString(stdout) {
		t.Errorf("second write changed the incident:\n%s", stdout)
	}
}

// TestRedactFlag: --redact is a setting like the others: checked before any
// I/O whether or not a model is configured, and stronger than the
// provider's default.
func TestRedactFlag(t *testing.T) {
	code, _, stderr := runCLI(t, demoEnv(t), "", "analyze", "101", "--offline", "--redact=maybe")
	if code != exitUsage || !strings.Contains(stderr, "--redact") || !strings.Contains(stderr, "not a boolean") {
		t.Errorf("bad --redact: exit %d, stderr %q; want 2 naming --redact", code, stderr)
	}

	srv := llmtest.New(t).Stream("Two accounts.")
	code, _, stderr = runCLI(t, modelEnv(t, srv), "", "ask", "101", "--redact=false", "which accounts?")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.Contains(stderr, "pseudonymising") || !strings.Contains(srv.LastRequest().Text(), "contoso.com") {
		t.Errorf("--redact=false did not override the compatible provider's default: stderr %q", stderr)
	}
}

// TestAskCutStreamSaysSo: a stream that breaks after some text is marked
// as cut, on its own line, before the offline fallback.
func TestAskCutStreamSaysSo(t *testing.T) {
	srv := llmtest.New(t).StreamCut("Two ", "accounts ", "were")
	code, stdout, stderr := runCLI(t, modelEnv(t, srv), "", "ask", "101", "how many accounts?")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	partial, rest, ok := strings.Cut(stdout, "Two accounts were")
	if !ok || strings.TrimSpace(partial) != "" {
		t.Fatalf("partial answer not first:\n%s", stdout)
	}
	if !strings.HasPrefix(rest, "\n\n[the model's answer was cut off") || !strings.Contains(rest, "offline analysis") {
		t.Errorf("the cut is not said on its own line before the fallback:\n%s", stdout)
	}
}

// TestUsageExitCodes: mistakes in how socpilot was called or configured
// exit 2, with a message saying what is wrong.
func TestUsageExitCodes(t *testing.T) {
	file := filepath.Join(t.TempDir(), "afile")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"unknown log level", map[string]string{"SOCPILOT_LOG": "loud"}, []string{"incidents"}, "not a log level"},
		{"state dir is a file", map[string]string{"SOCPILOT_STATE_DIR": file}, []string{"incidents"}, "is a file, not a directory"},
		{"negative incident number", nil, []string{"incident", "-5"}, `positive whole number, got "-5"`},
		{"unknown command", nil, []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"unknown flag", nil, []string{"incidents", "--bogus"}, "unknown flag: --bogus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := demoEnv(t)
			maps.Copy(env, tt.env)
			code, _, stderr := runCLI(t, env, "", tt.args...)
			if code != exitUsage || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, exitUsage, tt.want)
			}
		})
	}
}

// TestChatResumeShowsTranscript: --resume --id brings the conversation
// back on screen, and /help keeps one command per line.
func TestChatResumeShowsTranscript(t *testing.T) {
	env := demoEnv(t)
	code, stdout, stderr := runCLI(t, env, "which accounts are involved?\n/id\n/quit\n", "chat", "101")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	id := regexp.MustCompile(`conversation (\S+) ·`).FindStringSubmatch(stdout)
	if id == nil {
		t.Fatalf("no conversation id in:\n%s", stdout)
	}
	code, stdout, stderr = runCLI(t, env, "/help\n/quit\n", "chat", "--resume", "--id", id[1])
	if code != exitOK {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "you: which accounts are involved?") || !strings.Contains(stdout, "socpilot: ") {
		t.Errorf("resumed chat shows no transcript:\n%s", stdout)
	}
	if !strings.Contains(stdout, "\n- `/add N`") || !strings.Contains(stdout, "--resume --id ID") {
		t.Errorf("help is not one command per line with a working resume hint:\n%s", stdout)
	}
}
