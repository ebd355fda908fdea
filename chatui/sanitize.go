package chatui

import (
	"strings"
	"unicode/utf8"
)

// Text shown in the chat comes from incident data (titles, descriptions,
// command lines) through the backend, so it is hostile until proven otherwise:
// an escape sequence in an alert description must not clear the screen, set
// the window title, plant an OSC 8 hyperlink with a hidden target, or reorder
// text with a bidi override. Two filters run:
//
//   - cleanText on every string that enters the UI (answers, deltas, replies,
//     footers, status, errors, the user's own input): it removes whole escape
//     sequences, C0/C1 controls except newline and tab, and bidi controls;
//   - keepSGR on what the UI itself renders (the Markdown renderer's output,
//     the final view): it keeps only SGR styling sequences (ESC [ ... m) and
//     drops every other sequence. Rendering decodes Markdown character
//     references, so "&#27;" in clean text would become a real ESC; the
//     renderer cleans what it decodes, and the second filter makes the
//     rendered output safe regardless.

// tabWidth is how many spaces a tab becomes: the viewport measures cell
// widths and a raw tab would make its line length wrong.
const tabWidth = 4

// cleanText returns s without escape sequences and control characters. It
// keeps newlines, turns tabs into spaces, drops carriage returns (a lone \r
// would let text overwrite the start of its own line) and replaces invalid
// UTF-8 with U+FFFD.
func cleanText(s string) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c == 0x1b {
			i = skipEscape(s, i)
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\n':
			b.WriteByte('\n')
		case r == '\t':
			b.WriteString(strings.Repeat(" ", tabWidth))
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case isControl(r):
			// dropped, including \r, DEL and C1 (U+009B is a one-rune CSI)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// isPlain reports whether s needs no cleaning: printable ASCII plus newline,
// the overwhelmingly common case for streamed deltas.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\n' {
			continue
		}
		if c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// isControl reports whether r must never reach the terminal: C0 and C1
// controls, DEL, and the Unicode bidirectional formatting characters
// (Trojan Source, CVE-2021-42574) that make displayed text differ from its
// logical order.
func isControl(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f: // ALM, LRM, RLM
		return true
	case r >= 0x202a && r <= 0x202e: // LRE, RLE, PDF, LRO, RLO
		return true
	case r >= 0x2066 && r <= 0x2069: // LRI, RLI, FSI, PDI
		return true
	}
	return false
}

// keepSGR returns s with every escape sequence removed except SGR (select
// graphic rendition: colours, bold, ...), and with control characters other
// than newline removed. It is applied to rendered output, which legitimately
// carries SGR styling and nothing else.
func keepSGR(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c == 0x1b {
			end := skipEscape(s, i)
			if isSGR(s[i:end]) {
				b.WriteString(s[i:end])
			}
			i = end
			continue
		}
		if c < utf8.RuneSelf {
			if c == '\n' || (c >= 0x20 && c != 0x7f) {
				b.WriteByte(c)
			} else if c == '\t' {
				b.WriteString(strings.Repeat(" ", tabWidth))
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteRune(utf8.RuneError)
		} else if !isControl(r) {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// isSGR reports whether seq, a complete escape sequence, is ESC [ params m
// with only digits, ';' and ':' as parameters.
func isSGR(seq string) bool {
	if len(seq) < 3 || seq[1] != '[' || seq[len(seq)-1] != 'm' {
		return false
	}
	for i := 2; i < len(seq)-1; i++ {
		c := seq[i]
		if (c < '0' || c > '9') && c != ';' && c != ':' {
			return false
		}
	}
	return true
}

// skipEscape returns the index just past the escape sequence that starts with
// the ESC at s[i], following ECMA-48: CSI (ESC [) ends at a final byte in
// 0x40-0x7e; OSC (ESC ]) ends at BEL or ST; DCS, SOS, PM and APC (ESC P, X, ^,
// _) end at ST; other sequences are ESC, intermediates (0x20-0x2f) and one
// final byte. An unterminated sequence runs to the end of s, so a truncated
// OSC cannot leak its payload as text.
func skipEscape(s string, i int) int {
	j := i + 1
	if j >= len(s) {
		return j
	}
	switch s[j] {
	case '[':
		j++
		for j < len(s) {
			c := s[j]
			j++
			if c >= 0x40 && c <= 0x7e {
				return j
			}
			if c < 0x20 || c > 0x7e {
				// Not a CSI byte: the sequence is malformed; stop before it
				// so the byte gets its own treatment.
				return j - 1
			}
		}
		return j
	case ']', 'P', 'X', '^', '_':
		osc := s[j] == ']'
		j++
		for j < len(s) {
			c := s[j]
			switch {
			case c == 0x07 && osc:
				return j + 1
			case c == 0x1b:
				if j+1 < len(s) && s[j+1] == '\\' {
					return j + 2
				}
				// A new ESC aborts the string (ECMA-48 lets it); the
				// caller handles the new sequence.
				return j
			case c == 0xc2 && j+1 < len(s) && s[j+1] == 0x9c: // ST as UTF-8 U+009C
				return j + 2
			}
			j++
		}
		return j
	default:
		for j < len(s) && s[j] >= 0x20 && s[j] <= 0x2f {
			j++
		}
		if j < len(s) && s[j] >= 0x30 && s[j] <= 0x7e {
			j++
		}
		return j
	}
}
