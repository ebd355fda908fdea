package analysis_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/analysis"
	"github.com/socpilot/socpilot/emulator"
	"github.com/socpilot/socpilot/render"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestOfflineGolden pins the offline analysis of every demo incident, as
// `socpilot analyze N --offline` prints it.
func TestOfflineGolden(t *testing.T) {
	ds := emulator.Demo()
	if len(ds.Incidents) == 0 {
		t.Fatal("the demo dataset is empty")
	}
	an := analyzer(t, nil)
	for _, d := range allDetails(t, ds) {
		a, err := an.Analyze(context.Background(), d, true)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := render.AnalysisMarkdown(&buf, a); err != nil {
			t.Fatal(err)
		}
		checkGolden(t, filepath.Join("testdata", "offline", fmt.Sprintf("%d.md", d.Incident.Number)), buf.String())
	}
}

// TestOfflineJSONGolden pins the `analyze N -o json` contract (documented
// as stable: fields are only added) on demo incidents that exercise every
// part of it: compromised entities, typed actions, decoded command lines.
// The clock is fixed (the analyzer's Now and the emulator's shift), so
// generatedAt and every timestamp are stable.
func TestOfflineJSONGolden(t *testing.T) {
	ws := workspace(t, emulator.Demo())
	an := analyzer(t, nil)
	for _, n := range []int{101, 102, 104, 108} {
		a, err := an.Analyze(context.Background(), details(t, ws, n), true)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := render.JSON(&buf, a); err != nil {
			t.Fatal(err)
		}
		checkGolden(t, filepath.Join("testdata", "json", fmt.Sprintf("%d.json", n)), buf.String())
	}
}

// TestCommentHTMLGolden pins the Sentinel comment message write-back posts
// (render.CommentHTML) for an incident with compromised entities and typed
// actions, and for the one whose data carries HTML and script: every string
// that came from the incident must stay escaped text. The comment has no
// time in it (Sentinel stamps comments itself), so nothing is normalised.
func TestCommentHTMLGolden(t *testing.T) {
	ws := workspace(t, emulator.Demo())
	an := analyzer(t, nil)
	for _, n := range []int{101, 113} {
		a, err := an.Analyze(context.Background(), details(t, ws, n), true)
		if err != nil {
			t.Fatal(err)
		}
		html, cut, err := render.CommentHTML(a)
		if err != nil {
			t.Fatal(err)
		}
		if cut != "" {
			t.Errorf("incident %d: the comment left out %s", n, cut)
		}
		checkGolden(t, filepath.Join("testdata", "comment", fmt.Sprintf("%d.html", n)), html)
	}
}

// checkGolden compares got with the golden file at path, printing the
// difference, or rewrites the file with -update.
func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./analysis -run Golden -update to create it)", err)
	}
	if diff := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(got, "\n")); diff != "" {
		t.Errorf("%s differs (-want +got; run go test ./analysis -run Golden -update once the change is intended):\n%s", path, diff)
	}
}

// verdictOf analyses one demo incident offline.
func verdictOf(t *testing.T, n int) socpilot.Analysis {
	t.Helper()
	ws := workspace(t, emulator.Demo())
	a, err := analyzer(t, nil).Analyze(context.Background(), details(t, ws, n), true)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestDemoVerdicts(t *testing.T) {
	tests := []struct {
		number int
		want   socpilot.Verdict
	}{
		{103, socpilot.VerdictEscalate}, // ransomware-like mass rename with shadow copy deletion
		{110, socpilot.VerdictDismiss},  // the approved vulnerability scanner
	}
	for _, tt := range tests {
		a := verdictOf(t, tt.number)
		if a.Triage.Verdict != tt.want {
			t.Errorf("incident %d: verdict %s (score %d), want %s; reasons: %+v", tt.number, a.Triage.Verdict, a.Triage.Score, tt.want, a.Triage.Reasons)
		}
		if len(a.Triage.Reasons) < 2 {
			t.Errorf("incident %d: the verdict states no reasons", tt.number)
		}
	}
}

// TestUntrustedTextNeverChangesTheVerdict: the incident carrying text aimed
// at AI assistants is reported, and its verdict is what it is without it.
func TestUntrustedTextIsReported(t *testing.T) {
	ws := workspace(t, emulator.Demo())
	d := details(t, ws, 112)
	an := analyzer(t, nil)
	a, err := an.Analyze(context.Background(), d, true)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range a.Findings {
		found = found || f.Kind == socpilot.FindingAIInstructions
	}
	if !found {
		t.Error("incident 112: no finding for text aimed at AI assistants")
	}
	// The same incident with its free text neutralised scores the same.
	clean := d
	clean.Incident.Description = "description removed"
	clean.Entities = nil
	for _, e := range d.Entities {
		props := map[string]any{}
		for k, v := range e.Properties {
			if _, isText := v.(string); isText && (k == "commandLine" || k == "friendlyName") {
				v = "text removed"
			}
			props[k] = v
		}
		e.Properties = props
		clean.Entities = append(clean.Entities, e)
	}
	b, err := an.Analyze(context.Background(), clean, true)
	if err != nil {
		t.Fatal(err)
	}
	if a.Triage.Verdict != b.Triage.Verdict || a.Triage.Score != b.Triage.Score {
		t.Errorf("the AI-aimed text moved the verdict: %s/%d with it, %s/%d without", a.Triage.Verdict, a.Triage.Score, b.Triage.Verdict, b.Triage.Score)
	}
	a = verdictOf(t, 113)
	markup := false
	for _, f := range a.Findings {
		markup = markup || f.Kind == socpilot.FindingMarkup
	}
	if !markup {
		t.Error("incident 113: HTML/script in its data is not reported")
	}
}

func TestRelatedIncidents(t *testing.T) {
	ws := workspace(t, emulator.Demo())
	d := details(t, ws, 101)
	got, err := analysis.Related(context.Background(), ws, d, 25)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]int{"adele.vance@contoso.com": {104, 105, 106, 114}, "185.220.101.47": {106, 108}}
	for _, c := range got {
		if w, ok := want[c.Entity]; ok {
			if fmt.Sprint(c.Incidents) != fmt.Sprint(w) {
				t.Errorf("%s in incidents %v, want %v", c.Entity, c.Incidents, w)
			}
			delete(want, c.Entity)
		}
		for _, n := range c.Incidents {
			if n == 101 {
				t.Errorf("%s correlated with its own incident", c.Entity)
			}
		}
	}
	for e := range want {
		t.Errorf("shared entity %s not found", e)
	}
}
