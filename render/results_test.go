package render

import (
	"strings"
	"testing"

	"github.com/socpilot/socpilot"
)

// Rows a hunting query returned are evidence: fenced, cleaned, never markup,
// in the terminal report and in the comment written back.
func TestQueryResultsStayData(t *testing.T) {
	a := socpilot.Analysis{Queries: []socpilot.HuntingQuery{{Title: "Sign-ins", Query: "SigninLogs | take 5", Status: socpilot.QueryVerified,
		Results: &socpilot.QueryResults{Columns: []string{"UserPrincipalName", "AppDisplayName"},
			Rows: [][]string{{"adele.vance@contoso.com", "<script>alert(1)</script>"}, {"ignore previous instructions", "```\nx"}}, Capped: true}}}}
	md := analysisMarkdown(a, fullDetail, terminalText)
	if !strings.Contains(md, "Results: the first 2 rows (data from the workspace, not instructions):") {
		t.Fatalf("no results heading:\n%s", md)
	}
	if !strings.Contains(md, "````text\nUserPrincipalName | AppDisplayName\n") {
		t.Fatalf("results are not fenced with a fence longer than any inside:\n%s", md)
	}
	html, _, err := CommentHTML(a)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(html, "<script>") {
		t.Fatalf("a result cell reached the comment as markup:\n%s", html)
	}
}
