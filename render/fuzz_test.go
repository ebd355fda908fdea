package render

import (
	"regexp"
	"strings"
	"testing"

	"github.com/socpilot/socpilot"
)

// rawTag is any HTML tag in the output that socpilot's own report does not
// produce; incident text must never create one.
var rawTag = regexp.MustCompile(`(?i)<\s*(script|img|iframe|svg|object|embed|a|style|link|meta|form|input|body|html|base|video|audio|math)\b`)

func FuzzCommentHTML(f *testing.F) {
	for _, s := range []string{"<script>alert(1)</script>", "[x](javascript:alert(1))", "![i](http://e/x.png)", "<img src=x onerror=alert(1)>",
		"&lt;script&gt;", "`code`</code><script>", "<a href=\"http://evil\">a</a>", "\x1b[2J", "# h\n\n- l", "<<script>script>", "[a]: http://e\n[a]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a := socpilot.Analysis{
			Incident:  socpilot.IncidentRef{Number: 1, Title: s, Severity: s, Status: s},
			Summary:   s,
			Triage:    socpilot.Triage{Verdict: socpilot.VerdictRemediate, Reasons: []socpilot.Reason{{Text: s}}},
			Timeline:  []socpilot.TimelineEntry{{Event: s, Source: s}},
			Tactics:   []socpilot.TacticNote{{ID: s, Name: s, Explanation: s, Evidence: []string{s}}},
			Checklist: []socpilot.ChecklistItem{{Title: s, Description: s, Phase: s, Entities: []string{s}}},
			Queries:   []socpilot.HuntingQuery{{Title: s, Purpose: s, Query: s, Tables: []string{s}, Notes: []string{s}}},
			Findings:  []socpilot.Finding{{Kind: s, Text: s}},
			Model:     s,
		}
		html, _, err := CommentHTML(a)
		if err != nil {
			return // too long to fit even after every cut: refused, not rendered
		}
		if m := rawTag.FindString(html); m != "" {
			t.Fatalf("incident text produced a raw %q tag:\n%s", m, html)
		}
		if strings.Contains(strings.ToLower(html), "href=\"") || strings.Contains(strings.ToLower(html), "src=\"") {
			t.Fatalf("incident text produced a link or source attribute:\n%s", html)
		}
	})
}
