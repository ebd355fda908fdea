package attack

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/socpilot/socpilot/internal/corpus"
)

// corpusDir is the shared corpora directory; the test skips without it.
func corpusDir(t testing.TB) string {
	t.Helper()
	return corpus.Need(t, ".")
}

// Every value of Sentinel's AttackTactic enum, as the REST spec lists it,
// resolves.
func TestCorpusSentinelTacticEnum(t *testing.T) {
	path := filepath.Join(corpusDir(t), "sentinel-api", "stable", "2025-09-01", "common", "AlertTypes.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("Sentinel AlertTypes.json not in the corpus: %v", err)
	}
	var spec struct {
		Definitions struct {
			AttackTactic struct {
				Enum []string `json:"enum"`
			} `json:"AttackTactic"`
		} `json:"definitions"`
	}
	if err := json.Unmarshal(data, &spec); err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	enum := spec.Definitions.AttackTactic.Enum
	if len(enum) == 0 {
		t.Fatalf("%s: no AttackTactic enum", path)
	}
	enterprise := 0
	for _, v := range enum {
		ta, ok := TacticByName(v)
		if !ok {
			t.Errorf("Sentinel tactic %q does not resolve", v)
			continue
		}
		if ta.SentinelName == v && ta.Enterprise() {
			enterprise++
		}
	}
	if enterprise != 14 {
		t.Errorf("%d Enterprise tactics carry their Sentinel enum spelling, want 14", enterprise)
	}
}

// The tactics of real analytics rules (Azure-Sentinel and community rules, as
// hand-written by their authors) resolve, typos and all; values that are not
// tactics at all ("Ransomware", "Vulnerability") stay unresolved.
func TestCorpusRuleTactics(t *testing.T) {
	path := filepath.Join(corpusDir(t), "kql", "dev.jsonl")
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("rule corpus not present: %v", err)
	}
	defer f.Close()
	var total, resolved int
	unresolved := map[string]int{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for sc.Scan() {
		var rule struct {
			Tactics []string `json:"tactics"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rule); err != nil {
			t.Fatalf("parse %s: %v", path, err)
		}
		for _, v := range rule.Tactics {
			total++
			if _, ok := LookupTactic(v); ok {
				resolved++
			} else {
				unresolved[v]++
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if total == 0 {
		t.Fatalf("%s: no tactics found", path)
	}
	t.Logf("%s: %d of %d tactic values resolve; unresolved: %v", filepath.Base(path), resolved, total, unresolved)
	if float64(resolved) < 0.95*float64(total) {
		t.Errorf("only %d of %d tactic values resolve", resolved, total)
	}
	for _, v := range []string{"Ransomware", "Vulnerability", "Exploit", "Misconfiguration"} {
		if _, ok := LookupTactic(v); ok {
			t.Errorf("LookupTactic(%q) resolved a value that is not a tactic", v)
		}
	}
}
