package chatui

import (
	"fmt"
	"strings"
	"testing"
)

// answer is a typical full analysis answer (~5 KB of Markdown: headings,
// lists naming entities, a KQL block), synthetic so the benchmark needs no
// corpus.
func answer() string {
	var b strings.Builder
	b.WriteString("## Summary\n\nA password spray from **203.0.113.7** hit 14 accounts; one sign-in succeeded.\n\n## Checklist\n\n")
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&b, "%d. Reset the password of `user%02d@contoso.com` and review sign-ins from host WS-%03d.\n", i, i, i)
	}
	b.WriteString("\n```kql\nSigninLogs\n| where IPAddress == \"203.0.113.7\"\n| summarize count() by UserPrincipalName\n```\n")
	return b.String()
}

// BenchmarkRenderAnswer is the cost of rendering one finished answer.
func BenchmarkRenderAnswer(b *testing.B) {
	var md markdown
	a := answer()
	b.SetBytes(int64(len(a)))
	for b.Loop() {
		md.render(a, 100, true)
	}
}

// BenchmarkStreamRepaint is the cost of one repaint while an answer streams:
// the transcript holds ten finished turns (cached) and the answer in
// progress is re-rendered from its Markdown.
func BenchmarkStreamRepaint(b *testing.B) {
	m := newModel(b.Context(), &fakeBackend{}, Options{})
	m.resize(100, 40)
	for range 10 {
		m.entries = append(m.entries, entry{kind: entryUser, text: "question"}, entry{kind: entryAnswer, text: answer(), footer: "usage"})
	}
	m.refresh(true)
	j := &job{kind: jobAsk}
	j.partial.WriteString(answer())
	m.job = j
	for b.Loop() {
		m.refresh(false)
		_ = m.View()
	}
}
