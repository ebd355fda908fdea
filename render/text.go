// Package render turns socpilot values into what people read: terminal
// Markdown, tables, stable JSON, and the limited HTML of a Sentinel comment.
// Every string that came from incident data is untrusted: terminal output
// strips control characters (no escape sequences reach the terminal) and
// HTML output escapes it.
package render

import (
	"encoding/json"
	"io"
	"strings"
	"unicode"
)

// Clean makes untrusted text safe to print on a terminal: control characters
// (ANSI escapes, carriage returns that overwrite a line, bells) become spaces
// and Unicode bidi overrides are removed.
func Clean(s string) string {
	if !strings.ContainsFunc(s, unsafeRune) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case isBidi(r):
		case unsafeRune(r):
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Line is Clean plus newlines folded to spaces, for one-line fields.
func Line(s string) string {
	s = Clean(s)
	if strings.ContainsAny(s, "\n\t") {
		s = strings.Join(strings.Fields(s), " ")
	}
	return s
}

func unsafeRune(r rune) bool {
	return (unicode.IsControl(r) && r != '\n' && r != '\t') || isBidi(r)
}

func isBidi(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0x200E || r == 0x200F
}

// JSON writes v as indented JSON with a trailing newline. HTML characters
// are escaped (\u003c) so the output is safe to embed in a page.
func JSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// Truncate cuts s to at most n runes, marking the cut with an ellipsis.
func Truncate(s string, n int) string {
	if n <= 0 {
		return ""
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	if n == 1 {
		return "…"
	}
	return string(r[:n-1]) + "…"
}
