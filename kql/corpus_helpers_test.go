package kql

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// corpusDir walks up from the package directory to find shared/corpora, the
// read-only data shared by the project's sessions. It is absent on a user's
// machine, where the corpus tests skip.
func corpusDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		c := filepath.Join(dir, "shared", "corpora")
		if st, err := os.Stat(c); err == nil && st.IsDir() {
			return c
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("corpus not found: no shared/corpora directory above the package (expected ../shared/corpora relative to the repository); skipping")
		}
		dir = parent
	}
}

type corpusQuery struct {
	ID             string   `json:"id"`
	Path           string   `json:"path"`
	Name           string   `json:"name"`
	Query          string   `json:"query"`
	RequiredTables []string `json:"required_tables"`
	BlockIndex     int      `json:"block_index"`
}

// key identifies a corpus query in the test-data lists.
func (q corpusQuery) key() string {
	if q.ID != "" {
		return q.ID
	}
	return q.Path + "#" + strconv.Itoa(q.BlockIndex)
}

func loadCorpus(t testing.TB, name string) []corpusQuery {
	t.Helper()
	f, err := os.Open(filepath.Join(corpusDir(t), "kql", name))
	if err != nil {
		t.Skipf("corpus file %s not readable: %v", name, err)
	}
	defer f.Close()
	var qs []corpusQuery
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for sc.Scan() {
		var q corpusQuery
		if err := json.Unmarshal(sc.Bytes(), &q); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		qs = append(qs, q)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return qs
}
