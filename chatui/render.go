package chatui

import (
	"os"

	"github.com/charmbracelet/x/term"
)

// RenderMarkdown renders a Markdown report for a terminal of the given
// width, with the same cleaning as the chat: untrusted text in it can style
// nothing beyond colour and emphasis, and can never emit a control sequence.
func RenderMarkdown(md string, width int) string {
	var m markdown
	return m.render(md, width, true) + "\n"
}

// TerminalWidth is f's width in columns, or 100 when it cannot be told.
func TerminalWidth(f *os.File) int {
	w, _, err := term.GetSize(f.Fd())
	if err != nil || w < 20 {
		return 100
	}
	return w
}
