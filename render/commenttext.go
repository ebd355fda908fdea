package render

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/socpilot/socpilot"
)

// portalText is for a comment shown as plain text by a portal whose
// rendering we do not control (the Defender portal's incident comments):
// angle brackets in untrusted text become look-alikes, so no markup in an
// incident can ever become HTML there, and the text still reads the same.
var portalText = text{
	line:  func(s string) string { return inertAngles(Line(s)) },
	block: func(s string) string { return inertAngles(strings.TrimSpace(Clean(s))) },
}

var angleReplacer = strings.NewReplacer("<", "‹", ">", "›")

func inertAngles(s string) string { return angleReplacer.Replace(s) }

// CommentText renders the analysis as a plain-text comment (the Markdown
// report, checklist included) within max characters, stepping the detail
// down as CommentHTML does. cut says what was left out to fit.
func CommentText(a socpilot.Analysis, max int) (msg, cut string) {
	a.GeneratedAt = time.Time{}
	for _, lvl := range commentLevels {
		msg := analysisMarkdown(a, lvl, portalText)
		if utf8.RuneCountInString(msg) <= max {
			return msg, lvl.cut
		}
	}
	lvl := commentLevels[len(commentLevels)-1]
	a.Summary = Truncate(a.Summary, 4000)
	a.WhyItMatters = Truncate(a.WhyItMatters, 2000)
	a.Findings = nil
	msg = analysisMarkdown(a, lvl, portalText)
	if utf8.RuneCountInString(msg) > max {
		msg = string([]rune(msg)[:max-1]) + "…"
	}
	return msg, lvl.cut + "; summary cut to 4,000 characters"
}
