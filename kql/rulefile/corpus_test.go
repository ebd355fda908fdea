package rulefile

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// findCorpus finds shared/corpora/kql/name above the package, or skips.
func findCorpus(t *testing.T, name string) string {
	t.Helper()
	d, _ := filepath.Abs(".")
	for {
		p := filepath.Join(d, "shared", "corpora", "kql", name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(d)
		if parent == d {
			t.Skipf("shared/corpora/kql/%s not found (public corpus absent, as on a user's machine)", name)
		}
		d = parent
	}
}

// TestCorpusQueriesRoundTrip writes each real Azure-Sentinel query of dev.jsonl into a
// rule YAML the way the repository does (a literal block under query:), loads it back
// and checks the text and that positions map back to the file.
func TestCorpusQueriesRoundTrip(t *testing.T) {
	f, err := os.Open(findCorpus(t, "dev.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dir := t.TempDir()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	n := 0
	for sc.Scan() {
		var rec struct {
			Name, Query string
			ID          string `json:"id"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		// A literal block cannot hold trailing spaces faithfully or tabs as
		// indentation; such queries are kept out of this check.
		if strings.Contains(rec.Query, "\t") || strings.Contains(rec.Query, "\r") {
			continue
		}
		body := strings.TrimRight(rec.Query, "\n")
		var b strings.Builder
		b.WriteString("id: " + jsonString(rec.ID) + "\nname: " + jsonString(rec.Name) + "\nquery: |")
		if strings.HasPrefix(strings.TrimLeft(body, "\n"), " ") {
			b.WriteString("2") // a more-indented first line needs the indentation indicator
		}
		b.WriteString("\n")
		for _, l := range strings.Split(body, "\n") {
			b.WriteString("  " + strings.TrimRight(l, " ") + "\n")
		}
		b.WriteString("version: 1.0.0\n")
		p := filepath.Join(dir, "rule.yaml")
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		qs, err := Load(p)
		if err != nil {
			t.Fatalf("%s: %v", rec.Name, err)
		}
		if len(qs) != 1 || qs[0].Name != rec.Name || qs[0].Line != 4 || qs[0].Col != 3 {
			t.Fatalf("%s: got %+v", rec.Name, qs)
		}
		lines := strings.Split(b.String(), "\n")
		for i, tl := range strings.Split(qs[0].Text, "\n") {
			if strings.TrimSpace(tl) == "" {
				continue
			}
			fl, fc := qs[0].Position(i+1, 1)
			if got := lines[fl-1][runeOffset(lines[fl-1], fc-1):]; got != tl {
				t.Fatalf("%s: text line %d %q maps to %d:%d %q", rec.Name, i+1, tl, fl, fc, got)
			}
		}
		n++
	}
	if n < 2000 {
		t.Errorf("round-tripped %d queries, want > 2000", n)
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
