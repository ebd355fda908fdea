package rulefile

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// summary is the part of a Query a test compares (Text is checked separately).
type summary struct {
	File, Name, ID string
	Line, Col      int
	RequiredTables []string
	FirstLine      string
}

func summarize(qs []Query) []summary {
	var out []summary
	for _, q := range qs {
		first, _, _ := strings.Cut(q.Text, "\n")
		out = append(out, summary{filepath.ToSlash(q.File), q.Name, q.ID, q.Line, q.Col, q.RequiredTables, first})
	}
	return out
}

func TestWalk(t *testing.T) {
	qs, err := Walk("testdata/rules")
	if err != nil {
		t.Fatal(err)
	}
	want := []summary{
		{"testdata/rules/Detections/SigninLogs/FailedSignins.yaml", "Many failed sign-ins from one IP address", "0b1f5a4e-3c2d-4f6a-9a55-2f4c6d7e8f90",
			24, 3, []string{"SigninLogs", "AADNonInteractiveUserSignInLogs", "SecurityAlert"}, "let threshold = 20;"},
		{"testdata/rules/Hunting/crlf.yaml", "CRLF rule", "crlf-rule", 4, 3, nil, "Heartbeat"},
		{"testdata/rules/Hunting/folded.yaml", "Rare process command lines (folded)", "7d9c1e22-0a3b-4c5d-8e6f-1a2b3c4d5e6f",
			10, 5, []string{"DeviceProcessEvents"}, "DeviceProcessEvents | where Timestamp > ago(7d) | summarize Count = count() by ProcessCommandLine"},
		{"testdata/rules/Hunting/multiline_plain.yaml", "Plain scalar over several lines", "", 2, 8, nil,
			`AzureActivity | where OperationNameValue has "roleAssignments/write" | project TimeGenerated, Caller`},
		{"testdata/rules/Hunting/plain.yml", "Plain one-liner", "11111111-2222-3333-4444-555555555555", 3, 8, nil, "SecurityEvent | where EventID == 4625 | take 10"},
		{"testdata/rules/Hunting/query.kql", "query", "", 1, 1, nil, "// Syslog errors by host"},
		{"testdata/rules/Hunting/quoted.yaml", "Quoted, with escapes", "22222222-3333-4444-5555-666666666666", 3, 9, nil, "OfficeActivity"},
		{"testdata/rules/Hunting/quoted.yaml", "Single-quoted", "33333333-4444-5555-6666-777777777777", 7, 9, nil,
			`SecurityEvent | where Account == 'CONTOSO\admin' | project TimeGenerated, Computer`},
		{"testdata/rules/Parsers/ASimDnsSample.yaml", "ASimDnsSample", "", 5, 3, nil, "let parser = (starttime: datetime = datetime(null)) {"},
	}
	if diff := cmp.Diff(want, summarize(qs)); diff != "" {
		t.Errorf("Walk (-want +got):\n%s", diff)
	}
}

func TestLoadTexts(t *testing.T) {
	tests := []struct {
		path string
		want []string
	}{
		{"testdata/rules/Hunting/folded.yaml", []string{"DeviceProcessEvents | where Timestamp > ago(7d) | summarize Count = count() by ProcessCommandLine\n| where Count < 3\n"}},
		{"testdata/rules/Hunting/quoted.yaml", []string{"OfficeActivity\n| where Operation == \"New-InboxRule\"\n| project TimeGenerated, UserId",
			`SecurityEvent | where Account == 'CONTOSO\admin' | project TimeGenerated, Computer`}},
		{"testdata/rules/Hunting/crlf.yaml", []string{"Heartbeat\n| where Computer startswith \"web\"\n"}},
		{"testdata/multidoc.yaml", []string{"Usage | take 1\n", "Heartbeat\n  | take 2"}},
		{"testdata/rules/Hunting/notes.txt", []string{"not walked: .txt is read by Load only\n"}},
		{"testdata/rules/Parsers/config.yaml", nil},
	}
	for _, tt := range tests {
		qs, err := Load(tt.path)
		if err != nil {
			t.Errorf("Load(%s): %v", tt.path, err)
			continue
		}
		var got []string
		for _, q := range qs {
			got = append(got, q.Text)
		}
		if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("Load(%s) texts (-want +got):\n%s", tt.path, diff)
		}
	}
	if _, err := Load("testdata/broken.yaml"); err == nil || !strings.Contains(err.Error(), "broken.yaml") {
		t.Errorf("Load(broken.yaml) error = %v, want one naming the file", err)
	}
	if _, err := Load("testdata/missing.kql"); err == nil {
		t.Error("Load of a missing file succeeded")
	}
}

func TestMultiDocPositions(t *testing.T) {
	qs, err := Load("testdata/multidoc.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got := summarize(qs)
	want := []summary{
		{"testdata/multidoc.yaml", "first", "", 3, 3, nil, "Usage | take 1"},
		{"testdata/multidoc.yaml", "second", "", 7, 7, nil, "Heartbeat"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

var wordRe = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]{3,}`)

// TestPositionMapsBack checks, for every word of every query, that Position maps the
// word's place in the query text to the same word in the file.
func TestPositionMapsBack(t *testing.T) {
	var files []string
	filepath.WalkDir("testdata", func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && p != filepath.Join("testdata", "broken.yaml") {
			files = append(files, p)
		}
		return nil
	})
	checked := 0
	for _, f := range files {
		qs, err := Load(f)
		if err != nil {
			t.Fatalf("Load(%s): %v", f, err)
		}
		raw, _ := os.ReadFile(f)
		lines := strings.Split(strings.ReplaceAll(string(raw), "\r\n", "\n"), "\n")
		for _, q := range qs {
			textLines := strings.Split(q.Text, "\n")
			for li, tl := range textLines {
				for _, loc := range wordRe.FindAllStringIndex(tl, -1) {
					word := tl[loc[0]:loc[1]]
					col := utf8.RuneCountInString(tl[:loc[0]]) + 1
					fl, fc := q.Position(li+1, col)
					if fl < 1 || fl > len(lines) {
						t.Errorf("%s: %q at %d:%d maps to line %d, outside the file", f, word, li+1, col, fl)
						continue
					}
					line := lines[fl-1]
					off := runeOffset(line, fc-1)
					if !strings.HasPrefix(line[off:], word) {
						t.Errorf("%s: %q at text %d:%d maps to %d:%d which reads %q", f, word, li+1, col, fl, fc, line[off:])
					}
					checked++
				}
			}
		}
	}
	if checked < 80 {
		t.Errorf("checked only %d words", checked)
	}
}

func TestRead(t *testing.T) {
	tests := []struct {
		name, in string
		want     []summary
	}{
		{"kql", "SigninLogs\n| where ResultType != 0\n", []summary{{"-", "-", "", 1, 1, nil, "SigninLogs"}}},
		{"yaml rule", "id: x1\nname: R\nquery: |\n  Usage\n  | take 1\n", []summary{{"-", "R", "x1", 4, 3, nil, "Usage"}}},
		{"indentation indicator", "query: |2\n    indented\n  T\n", []summary{{"-", "-", "", 2, 3, nil, "  indented"}}},
		{"kql with colon", "print a = 'b: c'", []summary{{"-", "-", "", 1, 1, nil, "print a = 'b: c'"}}},
		{"yaml without query is kql", "name: x\n", []summary{{"-", "-", "", 1, 1, nil, "name: x"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			qs, err := Read("-", strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, summarize(qs)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestWalkErrorsDoNotStop(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.kql"), []byte("Usage"), 0o644)
	os.WriteFile(filepath.Join(dir, "b.yaml"), []byte("query: |\n  X\n bad: [\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "c.csl"), []byte("Heartbeat"), 0o644)
	qs, err := Walk(dir)
	if err == nil || !strings.Contains(err.Error(), "b.yaml") {
		t.Errorf("error = %v, want one naming b.yaml", err)
	}
	if len(qs) != 2 {
		t.Errorf("got %d queries, want 2 (a.kql and c.csl)", len(qs))
	}
	one, err := Walk(filepath.Join(dir, "a.kql"))
	if err != nil || len(one) != 1 {
		t.Errorf("Walk(file) = %v, %v", one, err)
	}
	if _, err := Walk(filepath.Join(dir, "nope")); err == nil {
		t.Error("Walk of a missing path succeeded")
	}
}

func FuzzRead(f *testing.F) {
	f.Add("query: |\n  T\n")
	f.Add("query: >\n  a\n\n  b\n")
	f.Add("query: \"a\\nb\"\n")
	f.Add("T | where x")
	f.Fuzz(func(t *testing.T, in string) {
		qs, err := Read("-", strings.NewReader(in))
		if err != nil {
			return
		}
		for _, q := range qs {
			lines := strings.Count(q.Text, "\n") + 1
			for l := 1; l <= lines; l++ {
				q.Position(l, 1)
				q.Position(l, 1000)
			}
		}
	})
}

// A query's kind comes from the rule's kind: field, else from a queryFrequency
// (a scheduled rule), else from the key that held it; a .kql file does not say.
func TestQueryKind(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"kind.yaml", "id: a\nkind: Scheduled\nqueryFrequency: 1h\nquery: SecurityEvent | take 1\n", "Scheduled"},
		{"nrt.yaml", "id: a\nkind: nrt\nquery: SecurityEvent | take 1\n", "NRT"},
		{"freq.yaml", "id: a\nqueryFrequency: 5m\nqueryPeriod: 5m\nquery: SecurityEvent | take 1\n", "Scheduled"},
		{"other.yaml", "id: a\nkind: MicrosoftSecurityIncidentCreation\nquery: SecurityAlert | take 1\n", "MicrosoftSecurityIncidentCreation"},
		{"hunting.yaml", "id: a\ndescription: x\ntactics: [Persistence]\nquery: SecurityEvent | take 1\n", "Hunting"},
		{"parser.yaml", "ParserName: P\nParserQuery: SecurityEvent | take 1\n", "Function"},
		{"q.kql", "SecurityEvent | take 1\n", ""},
	} {
		path := filepath.Join(t.TempDir(), tc.name)
		if err := os.WriteFile(path, []byte(tc.src), 0o644); err != nil {
			t.Fatal(err)
		}
		qs, err := Load(path)
		if err != nil || len(qs) != 1 {
			t.Fatalf("%s: %v, %d queries", tc.name, err, len(qs))
		}
		if qs[0].Kind != tc.want {
			t.Errorf("%s: kind %q, want %q", tc.name, qs[0].Kind, tc.want)
		}
	}
}
