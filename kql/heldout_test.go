package kql

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/socpilot/socpilot/kql/schema"
)

// The held-out corpus (testdata/heldout/queries.jsonl) holds public KQL from
// repositories that are not in shared/corpora, each with its provenance and a
// label given by reading it, never by running the checker:
//
//	runnable  standard tables and functions only
//	custom    needs a workspace's custom (_CL) tables, saved functions or watchlists
//	template  placeholders; not runnable as written
//	broken    genuinely invalid KQL; why says what is wrong
//
// TestHeldOutFalseErrors runs the check `socpilot kql check` runs (a
// Validator on schema.Default()) on every runnable and custom query and records
// how many get an error-severity finding: each is a false error. It does not
// fail on the rate; it fails only if the file is malformed. With -update (the
// package's flag, declared in corpus_test.go) it rewrites
// testdata/heldout/false-errors.txt.

const heldOutDir = "testdata/heldout"

type heldOutQuery struct {
	Repo    string `json:"repo"`
	Path    string `json:"path"`
	Commit  string `json:"commit"`
	License string `json:"license"`
	Kind    string `json:"kind"`
	Why     string `json:"why,omitempty"`
	Query   string `json:"query"`

	line int
}

func (q heldOutQuery) key() string {
	return q.Repo + "/" + q.Path + "#" + strconv.Itoa(q.line)
}

func loadHeldOut(t testing.TB) []heldOutQuery {
	t.Helper()
	f, err := os.Open(filepath.Join(heldOutDir, "queries.jsonl"))
	if err != nil {
		t.Fatalf("held-out corpus: %v", err)
	}
	defer f.Close()
	var qs []heldOutQuery
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	n := 0
	for sc.Scan() {
		n++
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		var q heldOutQuery
		if err := dec.Decode(&q); err != nil {
			t.Fatalf("queries.jsonl:%d: %v", n, err)
		}
		q.line = n
		switch {
		case q.Repo == "" || q.Path == "" || q.Commit == "" || q.License == "":
			t.Fatalf("queries.jsonl:%d: repo, path, commit and license are required", n)
		case strings.TrimSpace(q.Query) == "":
			t.Fatalf("queries.jsonl:%d: empty query", n)
		case q.Kind != "runnable" && q.Kind != "custom" && q.Kind != "template" && q.Kind != "broken":
			t.Fatalf("queries.jsonl:%d: kind %q is not runnable, custom, template or broken", n, q.Kind)
		case q.Kind == "broken" && q.Why == "":
			t.Fatalf("queries.jsonl:%d: a broken query needs a why", n)
		}
		qs = append(qs, q)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read queries.jsonl: %v", err)
	}
	if len(qs) == 0 {
		t.Fatal("queries.jsonl: no queries")
	}
	return qs
}

func TestHeldOutFalseErrors(t *testing.T) {
	qs := loadHeldOut(t)
	v := &Validator{Schema: schema.Default()}
	type tally struct{ checked, failed int }
	byKind := map[string]*tally{"runnable": {}, "custom": {}}
	classes := map[string]int{} // code: message with names blanked
	var lines []string
	for _, q := range qs {
		tl, ok := byKind[q.Kind]
		if !ok {
			continue
		}
		tl.checked++
		var first *Finding
		findings := v.Validate(q.Query)
		for i := range findings {
			if findings[i].Severity != SeverityError {
				continue
			}
			if first == nil {
				first = &findings[i]
			}
			classes[findings[i].Code+": "+heldOutClass(findings[i].Message)]++
		}
		if first == nil {
			continue
		}
		tl.failed++
		msg := strings.ReplaceAll(first.Message, "\n", " ")
		lines = append(lines, fmt.Sprintf("%s\t%s\t%s\t%d:%d: %s", q.key(), q.Kind, first.Code, first.Pos.Line, first.Pos.Col, msg))
	}
	for _, kind := range []string{"runnable", "custom"} {
		tl := byKind[kind]
		rate := 0.0
		if tl.checked > 0 {
			rate = 100 * float64(tl.failed) / float64(tl.checked)
		}
		t.Logf("held-out %s: %d checked, %d with an error finding (false errors): %.2f%%", kind, tl.checked, tl.failed, rate)
		fmt.Printf("kql held-out false errors %s: %.2f%% (%d/%d)\n", kind, rate, tl.failed, tl.checked)
	}
	type kv struct {
		k string
		n int
	}
	var top []kv
	for k, n := range classes {
		top = append(top, kv{k, n})
	}
	sort.Slice(top, func(i, j int) bool {
		if top[i].n != top[j].n {
			return top[i].n > top[j].n
		}
		return top[i].k < top[j].k
	})
	if len(top) > 20 {
		top = top[:20]
	}
	for _, c := range top {
		t.Logf("  %4d  %s", c.n, c.k)
	}
	sort.Strings(lines)
	if *update {
		content := "# Held-out runnable/custom queries that get an error finding: key (repo/path#line in queries.jsonl), kind, code, first error.\n" +
			"# Regenerate with: go test ./kql -run TestHeldOutFalseErrors -update\n" + strings.Join(lines, "\n") + "\n"
		if err := os.WriteFile(filepath.Join(heldOutDir, "false-errors.txt"), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// heldOutClass blanks the quoted names in a message so that findings of one
// kind (say, unknown table) are counted together.
func heldOutClass(msg string) string {
	var b strings.Builder
	in := byte(0)
	for i := 0; i < len(msg); i++ {
		c := msg[i]
		switch {
		case in != 0 && c == in:
			in = 0
			b.WriteString("…")
			b.WriteByte(c)
		case in != 0:
		case c == '"' || c == '\'' || c == '`':
			in = c
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	if in != 0 {
		b.WriteString("…")
	}
	s := b.String()
	if i := strings.Index(s, "; did you mean"); i >= 0 {
		s = s[:i]
	}
	return s
}

func BenchmarkHeldOutCheck(b *testing.B) {
	qs := loadHeldOut(b)
	var srcs []string
	size := 0
	for _, q := range qs {
		srcs = append(srcs, q.Query)
		size += len(q.Query)
	}
	v := &Validator{Schema: schema.Default()}
	b.SetBytes(int64(size))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, s := range srcs {
			v.Validate(s)
		}
	}
}
