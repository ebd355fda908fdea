package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/socpilot/socpilot/llm/llmtest"
)

// labelledDir writes the emulator's fixture incidents with labels added:
// a directory eval reads.
func labelledDir(t *testing.T, expected map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, exp := range expected {
		b, err := os.ReadFile(filepath.Join("..", "..", "emulator", "testdata", "fixture", name))
		if err != nil {
			t.Fatal(err)
		}
		var rec map[string]json.RawMessage
		if err := json.Unmarshal(b, &rec); err != nil {
			t.Fatal(err)
		}
		rec["expected"] = json.RawMessage(exp)
		out, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestEvalAndDemoLoadExitCodes(t *testing.T) {
	env := demoEnv(t)
	good := labelledDir(t, map[string]string{
		"002-password-spray.json": `{"verdict": "escalate", "acceptable": ["remediate"], "compromised": ["jdoe"]}`,
		"003-minimal.json":        `{"verdict": "dismiss"}`,
	})
	bad := labelledDir(t, map[string]string{
		"002-password-spray.json": `{"verdict": "escalate"}`,
		"003-minimal.json":        `{"verdict": "escalate", "actions": [{"action": "format-disk", "entity": "ws-17"}]}`,
	})
	file := filepath.Join(good, "003-minimal.json")
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"eval", good, "--offline"}, exitOK},
		{[]string{"eval", good, "--offline", "-o", "json"}, exitOK},
		{[]string{"eval", "--closed", "--offline"}, exitOK},
		{[]string{"eval", "--closed", "--since", "7d", "--offline"}, exitOK},
		{[]string{"eval", bad, "--offline"}, exitFailure},
		{[]string{"eval", filepath.Join(good, "nosuchdir")}, exitFailure},
		{[]string{"eval", file}, exitFailure},
		{[]string{"eval"}, exitUsage},
		{[]string{"eval", good, bad}, exitUsage},
		{[]string{"eval", good, "--closed"}, exitUsage},
		{[]string{"eval", good, "--since", "30d"}, exitUsage},
		{[]string{"eval", good, "-o", "markdown"}, exitUsage},
		{[]string{"eval", "--closed", "--since", "-3d"}, exitUsage},
		{[]string{"eval", "--bogus"}, exitUsage},
		{[]string{"demo", "load"}, exitUsage},
		{[]string{"demo", "load", good, bad}, exitUsage},
		{[]string{"demo", "load", filepath.Join(good, "nosuchdir")}, exitFailure},
		{[]string{"demo", "load", file}, exitFailure},
		{[]string{"demo", "load", good}, exitOK},
	} {
		if code, _, stderr := runCLI(t, env, "", tc.args...); code != tc.want {
			t.Errorf("socpilot %v: exit %d, want %d (stderr %q)", tc.args, code, tc.want, stderr)
		}
	}
}

// The analyst of eval --closed sees the incident as it was before it was
// closed: what reaches the model has no classification, reason or
// classification comment (104 of the demo: FalsePositive, InaccurateData).
func TestEvalClosedHidesTheClassification(t *testing.T) {
	srv := llmtest.New(t).Garbage()
	env := modelEnv(t, srv)
	code, stdout, stderr := runCLI(t, env, "", "eval", "--closed", "--redact=false", "-o", "json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep struct {
		Mode      string `json:"mode"`
		Analyst   string `json:"analyst"`
		Incidents []struct {
			Number   int    `json:"number"`
			Expected string `json:"expected"`
			Fallback string `json:"fallback"`
		} `json:"incidents"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("decode the report: %v\n%s", err, stdout)
	}
	if rep.Mode != "closed" || rep.Analyst != "compatible:test-model" || len(rep.Incidents) != 1 ||
		rep.Incidents[0].Number != 104 || rep.Incidents[0].Expected != "dismiss" || rep.Incidents[0].Fallback == "" {
		t.Errorf("report = %+v, want 104 expected dismiss, analysed by the model (which failed)", rep)
	}
	if !strings.Contains(stderr, "analysing 1 incidents with compatible:test-model") {
		t.Errorf("the model run is not announced: %q", stderr)
	}
	reqs := srv.Requests()
	if len(reqs) == 0 {
		t.Fatal("the model was not called")
	}
	for _, r := range reqs {
		body := r.Text()
		if !strings.Contains(body, "Impossible travel") {
			t.Errorf("the request is not about 104:\n%s", body)
		}
		for _, leak := range []string{"FalsePositive", "InaccurateData", "Geolocation of the VPN egress, not travel", "already closed"} {
			if strings.Contains(body, leak) {
				t.Errorf("the model was told %q: the analysis reads the answer", leak)
			}
		}
	}
}

// socpilot emulator serves what demo load put in the demo workspace.
func TestEmulatorServesLoadedIncidents(t *testing.T) {
	env := demoEnv(t)
	fixture := filepath.Join("..", "..", "emulator", "testdata", "fixture")
	if code, stdout, stderr := runCLI(t, env, "", "demo", "load", fixture); code != exitOK || !strings.Contains(stdout, "holds 3 incidents") {
		t.Fatalf("demo load: exit %d: %s %s", code, stdout, stderr)
	}
	client := startEmulator(t, env)
	code, stdout, stderr := runCLI(t, client, "", "incidents", "-o", "json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var list struct {
		Incidents []struct {
			Number int `json:"number"`
		} `json:"incidents"`
	}
	if err := json.Unmarshal([]byte(stdout), &list); err != nil {
		t.Fatal(err)
	}
	var nums []int
	for _, inc := range list.Incidents {
		nums = append(nums, inc.Number)
	}
	if len(nums) != 3 || strings.Contains(stdout, `"number": 101`) {
		t.Errorf("the emulator served incidents %v, want the 3 loaded ones", nums)
	}
}
