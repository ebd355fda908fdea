package main

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/socpilot/socpilot/emulator"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/* from the current output")

// generatedAtRE finds the one field of `analyze -o json` that is the run's
// own clock.
var generatedAtRE = regexp.MustCompile(`"generatedAt": "([^"]*)"`)

// TestJSONGolden pins the documented, stable `-o json` output of analyze
// and incident, byte for byte, as a user's script reads it from the CLI.
//
// What legitimately varies is fixed or normalised, and nothing else:
//   - the demo workspace's timestamps move with the day it is seeded on
//     (emulator.SeedShift): the test seeds the state directory at
//     emulator.DatasetAnchor first, so every incident, alert, entity and
//     date written in text is the dataset's own and the CLI loads it as is;
//   - generatedAt is the analysis run's clock: checked to be a UTC time of
//     this run, then replaced by "<generatedAt>".
//
// Incidents: 101 (escalate: compromised account, typed actions, related
// incidents) and 110 (the approved scanner: dismiss) for analyze; 101 and
// 113 (HTML and script in its data, which JSON carries as data) for incident.
func TestJSONGolden(t *testing.T) {
	env := demoEnv(t)
	// Seeding persists the state; the CLI then loads it instead of seeding.
	if _, err := emulator.New(emulator.Options{
		StateDir: filepath.Join(env["SOCPILOT_STATE_DIR"], "demo"),
		Now:      func() time.Time { return emulator.DatasetAnchor },
	}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		golden string
		args   []string
	}{
		{"analyze-101.json", []string{"analyze", "101", "-o", "json"}},
		{"analyze-110.json", []string{"analyze", "110", "-o", "json"}},
		{"incident-101.json", []string{"incident", "101", "-o", "json"}},
		{"incident-113.json", []string{"incident", "113", "-o", "json"}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			start := time.Now().UTC().Truncate(time.Second)
			code, stdout, stderr := runCLI(t, env, "", tt.args...)
			if code != exitOK {
				t.Fatalf("socpilot %s: exit %d: %s", strings.Join(tt.args, " "), code, stderr)
			}
			got := normaliseGeneratedAt(t, stdout, start)
			checkGolden(t, filepath.Join("testdata", "golden", tt.golden), got)
		})
	}
}

// normaliseGeneratedAt replaces analyze's generatedAt, after checking it is
// a UTC time no earlier than start and no later than now.
func normaliseGeneratedAt(t *testing.T, out string, start time.Time) string {
	t.Helper()
	ms := generatedAtRE.FindAllStringSubmatch(out, -1)
	if len(ms) > 1 {
		t.Fatalf("%d generatedAt fields; want at most one", len(ms))
	}
	for _, m := range ms {
		at, err := time.Parse(time.RFC3339Nano, m[1])
		if err != nil {
			t.Fatalf("generatedAt %q: %v", m[1], err)
		}
		if _, off := at.Zone(); off != 0 || at.Before(start) || at.After(time.Now()) {
			t.Errorf("generatedAt %s is not a UTC time of this run (started %s)", m[1], start.Format(time.RFC3339))
		}
	}
	return generatedAtRE.ReplaceAllString(out, `"generatedAt": "<generatedAt>"`)
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
		t.Fatalf("%v (run go test ./cmd/socpilot -run JSONGolden -update to create it)", err)
	}
	if diff := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(got, "\n")); diff != "" {
		t.Errorf("%s differs (-want +got; run go test ./cmd/socpilot -run JSONGolden -update once the change is intended):\n%s", path, diff)
	}
}
