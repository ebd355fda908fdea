package eval

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/socpilot/socpilot"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

func file(number, expected string) *fstest.MapFile {
	s := `{"incident": {"name": "x", "properties": {"incidentNumber": ` + number + `, "title": "T` + number + `"}}, "alerts": []`
	if expected != "" {
		s += `, "expected": ` + expected
	}
	return &fstest.MapFile{Data: []byte(s + "}")}
}

func TestReadCases(t *testing.T) {
	fsys := fstest.MapFS{
		"b.json": file("7", `{"verdict": "dismiss", "why": "an approved scan"}`),
		"a.json": file("12", `{"verdict": "escalate", "acceptable": ["remediate"], "compromised": ["adele.vance@contoso.com"],
			"actions": [{"action": "revoke-sessions", "entity": "adele.vance@contoso.com"}],
			"forbidden": [{"action": "block-ip", "entity": "198.51.100.23"}], "tactics": ["TA0006"], "source": "https://example.org/report"}`),
		"notes.txt":  {Data: []byte("not an incident")},
		"sub/c.json": file("9", ""), // not at the top: not read
	}
	got, err := ReadCases(fsys)
	if err != nil {
		t.Fatal(err)
	}
	want := []Case{
		{Number: 12, File: "a.json", Title: "T12", Expected: Expected{
			Verdict: socpilot.VerdictEscalate, Acceptable: []socpilot.Verdict{socpilot.VerdictRemediate},
			Compromised: []string{"adele.vance@contoso.com"},
			Actions:     []ExpectedAction{{socpilot.ActionRevokeSessions, "adele.vance@contoso.com"}},
			Forbidden:   []ExpectedAction{{socpilot.ActionBlockIP, "198.51.100.23"}},
			Tactics:     []string{"TA0006"}, Source: "https://example.org/report"}},
		{Number: 7, File: "b.json", Title: "T7", Expected: Expected{Verdict: socpilot.VerdictDismiss, Why: "an approved scan"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ReadCases (-want +got):\n%s", diff)
	}
}

func TestReadCasesNamesTheFileAndTheReason(t *testing.T) {
	good := file("1", `{"verdict": "dismiss"}`)
	for _, tc := range []struct {
		name string
		f    *fstest.MapFile
		want string
	}{
		{"no expected", file("2", ""), `x.json: no "expected" labels`},
		{"null expected", file("2", "null"), `x.json: no "expected" labels`},
		{"no verdict", file("2", `{"acceptable": ["dismiss"]}`), `x.json: expected: no "verdict"`},
		{"unknown verdict", file("2", `{"verdict": "close"}`), `x.json: expected: verdict "close" is not dismiss, remediate or escalate`},
		{"unknown acceptable", file("2", `{"verdict": "dismiss", "acceptable": ["ignore"]}`), `acceptable verdict "ignore"`},
		{"unknown verb", file("2", `{"verdict": "escalate", "actions": [{"action": "nuke-host", "entity": "ws01"}]}`), `x.json: expected: actions: "nuke-host" is not an action verb (isolate-host, `},
		{"unknown forbidden verb", file("2", `{"verdict": "escalate", "forbidden": [{"action": "block", "entity": "10.0.0.1"}]}`), `x.json: expected: forbidden: "block" is not an action verb`},
		{"no entity", file("2", `{"verdict": "escalate", "actions": [{"action": "block-ip"}]}`), `actions: block-ip has no entity`},
		{"empty compromised", file("2", `{"verdict": "escalate", "compromised": [""]}`), `compromised holds an empty identifier`},
		{"bad tactic", file("2", `{"verdict": "escalate", "tactics": ["CredentialAccess"]}`), `tactic "CredentialAccess" is not an ATT&CK tactic id`},
		{"misspelt key", file("2", `{"verdict": "escalate", "compromized": ["adele"]}`), `x.json: expected: json: unknown field "compromized"`},
		{"wrong type", file("2", `{"verdict": "escalate", "actions": "block-ip"}`), `x.json: expected: json: cannot unmarshal`},
		{"not JSON", &fstest.MapFile{Data: []byte("{")}, `x.json: decode: unexpected end of JSON input`},
		{"no incident", &fstest.MapFile{Data: []byte(`{"expected": {"verdict": "dismiss"}}`)}, `x.json: no "incident"`},
		{"no number", &fstest.MapFile{Data: []byte(`{"incident": {"properties": {}}, "expected": {"verdict": "dismiss"}}`)}, `x.json: the incident has no positive properties.incidentNumber`},
		{"same number", file("1", `{"verdict": "dismiss"}`), `x.json: incident number 1 already used by a.json`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadCases(fstest.MapFS{"a.json": good, "x.json": tc.f})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ReadCases: %v, want an error containing %q", err, tc.want)
			}
		})
	}
	if _, err := ReadCases(fstest.MapFS{"README.md": {}}); err == nil || err.Error() != "no incident files (*.json)" {
		t.Errorf("a directory without files: %v", err)
	}
}

func TestFromClassification(t *testing.T) {
	for _, tc := range []struct {
		class string
		want  Expected
		ok    bool
	}{
		{"TruePositive", Expected{Verdict: socpilot.VerdictRemediate, Acceptable: []socpilot.Verdict{socpilot.VerdictEscalate}, Source: "classification TruePositive"}, true},
		{"BenignPositive", Expected{Verdict: socpilot.VerdictDismiss, Source: "classification BenignPositive"}, true},
		{"FalsePositive", Expected{Verdict: socpilot.VerdictDismiss, Source: "classification FalsePositive"}, true},
		{"Undetermined", Expected{}, false},
		{"", Expected{}, false},
	} {
		got, ok := FromClassification(tc.class)
		if diff := cmp.Diff(tc.want, got); diff != "" || ok != tc.ok {
			t.Errorf("FromClassification(%q) = %v (-want +got):\n%s", tc.class, ok, diff)
		}
	}
}

func TestWithoutClassificationHidesTheAnswer(t *testing.T) {
	d := socpilot.IncidentDetails{Incident: socpilot.Incident{Number: 4, Title: "Travel", Status: "Closed",
		Classification: "FalsePositive", ClassificationReason: "InaccurateData", ClassificationComment: "VPN fail-over"}}
	got := WithoutClassification(d)
	want := socpilot.IncidentDetails{Incident: socpilot.Incident{Number: 4, Title: "Travel", Status: "Active"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("WithoutClassification (-want +got):\n%s", diff)
	}
	if d.Incident.Classification != "FalsePositive" {
		t.Errorf("WithoutClassification changed its argument")
	}
}

// sampleReport is a small synthetic report with one of everything: an
// exact, an acceptable, a wrong and a failed verdict, misses, harm, usage.
func sampleReport() Report {
	results := []Result{
		{Number: 101, File: "101-password-spray.json", Title: "Password spray", Expected: socpilot.VerdictEscalate,
			Acceptable: []socpilot.Verdict{}, Got: socpilot.VerdictEscalate, Score: 88, Exact: true, WithinAcceptable: true,
			Compromised: Recall{Expected: 1, Found: 1, Missed: []string{}},
			Actions:     Recall{Expected: 3, Found: 2, Missed: []string{"disable-account adele.vance@contoso.com"}},
			Tactics:     Recall{Expected: 2, Found: 2, Missed: []string{}}, Harmful: []Harm{},
			Usage: socpilot.Usage{Model: "gpt-4o", Calls: 2, PromptTokens: 5100, CompletionTokens: 900, Elapsed: 3 * time.Second, CostUSD: 0.0218}},
		{Number: 104, File: "104-travel.json", Title: "Impossible travel", Expected: socpilot.VerdictDismiss,
			Acceptable: []socpilot.Verdict{}, Got: socpilot.VerdictRemediate, Score: 41,
			Compromised: Recall{Missed: []string{}}, Actions: Recall{Missed: []string{}},
			Tactics:  Recall{Expected: 1, Missed: []string{"TA0001"}},
			Harmful:  []Harm{{Verb: socpilot.ActionBlockIP, Entity: "198.51.100.23", Step: "Block 198.51.100.23 at the firewall", Why: "forbidden by the labels: block-ip 198.51.100.23"}},
			Fallback: "the model failed, so the offline analysis is shown: timeout",
			Usage:    socpilot.Usage{Model: "gpt-4o", Calls: 1, PromptTokens: 4000, CompletionTokens: 0, Elapsed: time.Second}},
		{Number: 108, File: "108-rdp.json", Title: "RDP brute force with a successful logon", Expected: socpilot.VerdictEscalate,
			Acceptable: []socpilot.Verdict{socpilot.VerdictRemediate}, Got: socpilot.VerdictRemediate, Score: 69, WithinAcceptable: true,
			Compromised: Recall{Expected: 1, Missed: []string{"WEB-01"}},
			Actions:     Recall{Expected: 1, Found: 1, Missed: []string{}},
			Tactics:     Recall{Missed: []string{}}, Harmful: []Harm{}},
		{Number: 113, File: "113-web-shell.json", Title: "Web shell", Expected: socpilot.VerdictEscalate,
			Acceptable: []socpilot.Verdict{}, Error: "analyse incident 113: the model refused",
			Compromised: Recall{Expected: 1, Missed: []string{"web-02.contoso.com"}},
			Actions:     Recall{Expected: 2, Missed: []string{"isolate-host web-02.contoso.com", "block-ip 203.0.113.7"}},
			Tactics:     Recall{Missed: []string{}}, Harmful: []Harm{}},
	}
	return Report{Mode: "files", Source: "eval/devset", Analyst: "gpt-4o",
		Notes: []string{}, Incidents: results, Skipped: []Skipped{}, Totals: Summarize(results)}
}

func closedReport() Report {
	results := []Result{
		{Number: 104, Title: "Impossible travel for adele.vance", Expected: socpilot.VerdictDismiss, Acceptable: []socpilot.Verdict{},
			Got: socpilot.VerdictDismiss, Score: 22, Exact: true, WithinAcceptable: true,
			Compromised: Recall{Missed: []string{}}, Actions: Recall{Missed: []string{}}, Tactics: Recall{Missed: []string{}}, Harmful: []Harm{}},
	}
	return Report{Mode: "closed", Source: "demo-workspace", Analyst: "offline",
		Notes:     []string{"closed incidents carry no labels for compromised entities, actions or tactics: only verdicts are scored"},
		Incidents: results,
		Skipped:   []Skipped{{Number: 120, Title: "Unclassified", Reason: "classification Undetermined"}},
		Totals:    Summarize(results)}
}

func TestRenderGolden(t *testing.T) {
	for _, tc := range []struct {
		name   string
		report Report
		write  func(*bytes.Buffer, Report) error
	}{
		{"report.txt", sampleReport(), func(b *bytes.Buffer, r Report) error { return WriteText(b, r) }},
		{"report.json", sampleReport(), func(b *bytes.Buffer, r Report) error { return WriteJSON(b, r) }},
		{"closed.txt", closedReport(), func(b *bytes.Buffer, r Report) error { return WriteText(b, r) }},
		{"closed.json", closedReport(), func(b *bytes.Buffer, r Report) error { return WriteJSON(b, r) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tc.write(&b, tc.report); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", tc.name+".golden")
			if *update {
				if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./eval/ -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), b.String()); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.name, diff)
			}
		})
	}
}
