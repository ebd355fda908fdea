package render

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/socpilot/socpilot"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

func hostile() socpilot.Analysis {
	x := `<script>alert(document.cookie)</script><img src=x onerror=alert(1)> [click](javascript:alert(1)) ![i](http://evil/x.png) **bold** <a href="http://evil">a</a> &amp; | # heading`
	return socpilot.Analysis{
		Incident:     socpilot.IncidentRef{Number: 113, Title: "Upload " + x, Severity: "High", Status: "New"},
		Source:       socpilot.SourceOffline,
		Summary:      "# Not a heading\n\n1. not a list " + x,
		WhyItMatters: x,
		Triage:       socpilot.Triage{Verdict: socpilot.VerdictEscalate, Score: 80, Reasons: []socpilot.Reason{{Text: x, Weight: 10}}},
		Timeline:     []socpilot.TimelineEntry{{Event: x, Source: x}},
		Tactics:      []socpilot.TacticNote{{ID: "TA0001", Name: "Initial Access", Explanation: x, Evidence: []string{x}}},
		Checklist:    []socpilot.ChecklistItem{{Title: x, Description: x, Phase: "contain", Entities: []string{x}}},
		Queries:      []socpilot.HuntingQuery{{Title: x, Purpose: x, Query: "SigninLogs | where X == \"</code></pre><script>alert(1)</script>```\"", Tables: []string{"SigninLogs"}, Status: socpilot.QueryValidated}},
		Findings:     []socpilot.Finding{{Kind: "markup-in-data", Text: x}},
	}
}

func TestCommentHTMLEscapesIncidentData(t *testing.T) {
	html, cut, err := CommentHTML(hostile())
	if err != nil {
		t.Fatal(err)
	}
	if cut != "" {
		t.Errorf("small report was cut: %s", cut)
	}
	for _, bad := range []string{"<script", "<img", `href="javascript`, `href="http://evil"`, "<a href", "<h1>Not", "<ol>\n<li>not a list"} {
		if strings.Contains(html, bad) {
			t.Errorf("comment HTML contains %q:\n%s", bad, html)
		}
	}
	if !strings.Contains(html, "&lt;script&gt;alert(document.cookie)&lt;/script&gt;") {
		t.Errorf("escaped text missing; data must still be readable:\n%s", html)
	}
	if !strings.Contains(html, socpilot.ReportMarker) {
		t.Error("report marker missing")
	}
}

// TestCommentHTMLGolden pins the whole comment message for hostile data in
// every field the report shows: a change to the escaping, the Markdown
// dialect or the layout shows here as a diff to review. (The demo
// incidents' comments are pinned in analysis/testdata/comment.)
func TestCommentHTMLGolden(t *testing.T) {
	got, _, err := CommentHTML(hostile())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "hostile-comment.html.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./render -run CommentHTMLGolden -update to create it)", err)
	}
	if diff := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(got, "\n")); diff != "" {
		t.Errorf("%s differs (-want +got; run with -update once the change is intended):\n%s", path, diff)
	}
}

func TestCommentHTMLFitsTheLimit(t *testing.T) {
	a := hostile()
	for i := 0; i < 400; i++ {
		a.Timeline = append(a.Timeline, socpilot.TimelineEntry{Event: strings.Repeat("event text ", 10)})
		a.Queries = append(a.Queries, socpilot.HuntingQuery{Title: "q", Query: strings.Repeat("SigninLogs | take 1\n", 10)})
	}
	a.Summary = strings.Repeat("long summary ", 5000)
	html, cut, err := CommentHTML(a)
	if err != nil {
		t.Fatal(err)
	}
	if n := utf8.RuneCountInString(html); n > socpilot.MaxCommentChars {
		t.Fatalf("comment is %d characters, limit %d", n, socpilot.MaxCommentChars)
	}
	if cut == "" || !strings.Contains(html, "Cut to fit") {
		t.Errorf("cut not stated (cut %q)", cut)
	}
}

func TestCleanStripsTerminalEscapes(t *testing.T) {
	in := "ok\x1b[2J\x1b]8;;http://evil\x07link\rover\u202etxt.exe"
	got := Clean(in)
	for _, bad := range []string{"\x1b", "\x07", "\r", "\u202e"} {
		if strings.Contains(got, bad) {
			t.Errorf("Clean(%q) = %q still contains %q", in, got, bad)
		}
	}
}

func TestCommentHTMLIsStableAcrossRuns(t *testing.T) {
	a := hostile()
	a.GeneratedAt = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	first, _, err := CommentHTML(a)
	if err != nil {
		t.Fatal(err)
	}
	a.GeneratedAt = a.GeneratedAt.Add(time.Second)
	second, _, err := CommentHTML(a)
	if err != nil {
		t.Fatal(err)
	}
	if first != second {
		t.Error("the same analysis a second later renders a different comment, so a re-run would rewrite it")
	}
}
