package chatui

import (
	"strings"

	"charm.land/glamour/v2"
	"charm.land/glamour/v2/ansi"
	"charm.land/glamour/v2/styles"
	xansi "github.com/charmbracelet/x/ansi"
)

// markdown renders Markdown for the transcript at one width and style. A
// glamour renderer is costly to build (it compiles its style sheet), so one is
// kept until the width or the style changes.
type markdown struct {
	width int
	style string
	tr    *glamour.TermRenderer
}

// render returns md rendered for the terminal. The input is cleaned first and
// the output filtered to SGR styling only (see sanitize.go); glamour strips
// raw HTML to its text with bluemonday's strict policy, so no tag is ever
// interpreted. If glamour fails, the cleaned text is shown wrapped, never
// nothing.
func (m *markdown) render(md string, width int, style string) string {
	md = cleanText(md)
	if width < 1 {
		width = 1
	}
	if m.tr == nil || m.width != width || m.style != style {
		tr, err := glamour.NewTermRenderer(
			glamour.WithStyles(styleConfig(style)),
			glamour.WithWordWrap(width),
		)
		if err != nil {
			return xansi.Wrap(md, width, "")
		}
		m.tr, m.width, m.style = tr, width, style
	}
	out, err := m.tr.Render(md)
	if err != nil {
		return xansi.Wrap(md, width, "")
	}
	out = keepSGR(out)
	// Glamour pads blocks with blank lines above and below; the transcript
	// puts its own spacing between turns.
	return strings.Trim(out, "\n")
}

// styleConfig returns glamour's style sheet by name with syntax
// highlighting of code blocks turned off: chroma looks an unknown language
// such as "kql" up by matching every lexer's file patterns, which made up more
// than half of the rendering time of an answer with a query
// (BenchmarkRenderAnswer: 8.3 ms with it), and answers are re-rendered on
// every streamed batch. Code blocks keep their block style.
func styleConfig(name string) ansi.StyleConfig {
	cfg := styles.DarkStyleConfig
	if name == styles.LightStyle {
		cfg = styles.LightStyleConfig
	}
	// cfg is a copy; the package-level sheet is left alone.
	cfg.CodeBlock.Chroma = nil
	cfg.CodeBlock.Theme = ""
	return cfg
}

// glamourStyle picks the glamour style sheet for the terminal background.
// Without colours the dark sheet is used too: the program's colour profile
// then drops its colours and keeps bold, italics and layout, which reads
// better than the "notty" sheet's literal Markdown markers.
func glamourStyle(dark bool) string {
	if dark {
		return styles.DarkStyle
	}
	return styles.LightStyle
}
