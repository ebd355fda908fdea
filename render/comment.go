package render

import (
	"bytes"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	gmtext "github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"

	"github.com/socpilot/socpilot"
)

// Sentinel shows comment messages as limited HTML. goldmark drops raw HTML
// and neutralises dangerous link schemes by default, and every untrusted
// string was already escaped when the Markdown was written, so incident data
// can only ever appear as text.
var commentMarkdown = goldmark.New(
	goldmark.WithExtensions(extension.Table, extension.Strikethrough),
	goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(linkTargets{}, 100))),
)

// linkTargets opens links in a new tab: Sentinel's comment pane requires
// target="_blank" for links to work.
type linkTargets struct{}

func (linkTargets) Transform(doc *ast.Document, _ gmtext.Reader, _ parser.Context) {
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if l, ok := n.(*ast.Link); ok && entering {
			l.SetAttributeString("target", []byte("_blank"))
			l.SetAttributeString("rel", []byte("noopener noreferrer"))
		}
		return ast.WalkContinue, nil
	})
}

// commentLevels step the report down until it fits a comment.
var commentLevels = []detail{
	fullDetail,
	{maxQueries: 3, maxTimeline: 40, maxChecklist: 40, reasons: true, tactics: true, cut: "queries beyond the first 3, timeline beyond 40 events"},
	{maxQueries: 1, maxTimeline: 15, maxChecklist: 20, reasons: true, tactics: true, cut: "queries beyond the first, timeline beyond 15 events, checklist beyond 20 items"},
	{maxQueries: 0, maxTimeline: 5, maxChecklist: 10, reasons: false, tactics: false, cut: "all queries, triage reasons and tactics; timeline beyond 5 events; checklist beyond 10 items"},
}

// CommentHTML renders the analysis as a Sentinel comment message within
// socpilot.MaxCommentChars. cut says what was left out to fit ("" when
// nothing was).
func CommentHTML(a socpilot.Analysis) (html, cut string, err error) {
	// Sentinel stamps the comment itself; a time in the text would make an
	// unchanged analysis look changed and be rewritten on every run.
	a.GeneratedAt = time.Time{}
	for _, lvl := range commentLevels {
		html, fits, err := commentAt(a, lvl)
		if err != nil {
			return "", "", err
		}
		if fits {
			return html, lvl.cut, nil
		}
	}
	// Still too long (a summary of tens of kilobytes): hard cut with a note.
	a.Summary = Truncate(a.Summary, 4000)
	a.WhyItMatters = Truncate(a.WhyItMatters, 2000)
	a.Findings = nil
	lvl := commentLevels[len(commentLevels)-1]
	lvl.cut += "; summary cut to 4,000 characters"
	html, fits, err := commentAt(a, lvl)
	if err == nil && !fits {
		err = fmt.Errorf("render comment: report is still over %d characters after every cut", socpilot.MaxCommentChars)
	}
	if err != nil {
		return "", "", err
	}
	return html, lvl.cut, nil
}

// commentAt renders the comment at one level of detail and says whether it
// fits Sentinel's comment size.
func commentAt(a socpilot.Analysis, lvl detail) (string, bool, error) {
	var buf bytes.Buffer
	if err := commentMarkdown.Convert([]byte(analysisMarkdown(a, lvl, markdownText)), &buf); err != nil {
		return "", false, fmt.Errorf("render comment: %w", err)
	}
	return buf.String(), utf8.RuneCount(buf.Bytes()) <= socpilot.MaxCommentChars, nil
}
