package chatui

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestCleanText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "host WS-01 ran cmd.exe", "host WS-01 ran cmd.exe"},
		{"newlines kept", "a\nb\n", "a\nb\n"},
		{"crlf", "a\r\nb", "a\nb"},
		{"lone cr", "safe\rEVIL", "safeEVIL"},
		{"tab", "a\tb", "a    b"},
		{"osc8 bel", "\x1b]8;;http://evil\x07click\x1b]8;;\x07", "click"},
		{"osc8 st", "\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\", "click"},
		{"osc title", "\x1b]0;pwned\x07ok", "ok"},
		{"osc unterminated", "ok\x1b]52;c;SGVsbG8=", "ok"},
		{"clear screen", "\x1b[2J\x1b[Hok", "ok"},
		{"sgr dropped too", "\x1b[31mred\x1b[0m", "red"},
		{"private csi", "\x1b[?1049hok", "ok"},
		{"dcs", "\x1bP+q544e\x1b\\ok", "ok"},
		{"apc", "\x1b_Gpayload\x1b\\ok", "ok"},
		{"two-byte esc", "\x1bcok\x1b7", "ok"},
		{"charset esc", "\x1b(0ok", "ok"},
		{"esc at end", "ok\x1b", "ok"},
		{"c1 csi", "\u009b2Jok", "2Jok"},
		{"c1 osc", "\u009d0;x\u009cok", "0;xok"},
		{"bel and del", "a\x07b\x7fc", "abc"},
		{"nul", "a\x00b", "ab"},
		{"bidi override", "invoice\u202Efdp.exe", "invoicefdp.exe"},
		{"bidi isolates", "\u2066a\u2069\u200fb\u061c", "ab"},
		{"unicode kept", "Zoë — 東京 ✓", "Zoë — 東京 ✓"},
		{"invalid utf8", "a\xffb", "a\ufffdb"},
		{"csi broken by newline", "\x1b[12\nok", "\nok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, cleanText(tt.in)); diff != "" {
				t.Errorf("cleanText(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestKeepSGR(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"sgr kept", "\x1b[1;38;5;252mbold\x1b[m", "\x1b[1;38;5;252mbold\x1b[m"},
		{"sgr colon form", "\x1b[38:2::255:0:0mx\x1b[0m", "\x1b[38:2::255:0:0mx\x1b[0m"},
		{"hyperlink dropped", "\x1b]8;id=1;http://evil\x1b\\text\x1b]8;;\x1b\\", "text"},
		{"private sgr-like dropped", "\x1b[?25mx", "x"},
		{"other csi dropped", "\x1b[2Jx\x1b[5;5H", "x"},
		{"esc before sgr", "\x1b\x1b[1mx", "\x1b[1mx"},
		{"controls dropped", "a\rb\x07c\u202ed", "abcd"},
		{"newline kept", "a\nb", "a\nb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, keepSGR(tt.in)); diff != "" {
				t.Errorf("keepSGR(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestMarkdownRendersEntitiesAsText(t *testing.T) {
	// Rendering decodes character references: "&#27;" must not come out as a
	// working escape sequence, nor a link as an OSC 8 hyperlink.
	var md markdown
	for _, in := range []string{
		"&#27;[2J &#x1b;]8;;http://evil&#7;x&#x1b;]8;;&#7;",
		"[x](http://evil/&#27;[2J)",
		"<img src=x onerror=alert(1)>&#x202e;txt.exe",
		"`&#27;[2J` and ```\n\x1b[2J\n```",
	} {
		out := md.render(in, 60, true)
		if got := keepSGR(out); got != out {
			t.Errorf("render(%q) left non-SGR sequences: %q", in, out)
		}
		for _, f := range []string{"\x1b]", "\x1b[2J", "\x07", "\u202e", "onerror"} {
			if strings.Contains(out, f) {
				t.Errorf("render(%q) contains %q: %q", in, f, out)
			}
		}
	}
}

// FuzzSanitize checks the two filters' promises on arbitrary input: cleaned
// text holds no ESC and no control but newline; filtered output holds only
// SGR sequences; both are valid UTF-8 and idempotent.
func FuzzSanitize(f *testing.F) {
	for _, s := range []string{
		hostile, "plain", "\x1b[31mred\x1b[0m", "\x1b]8;;u\x1b\\t", "\x1b[", "\x1b]", "a\r\nb\t\u202e",
		"\xc2\x9b2J", "\x1b\x1b[1m", "\x1bP\x1b", "\x1b[1;2:3m",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := cleanText(s)
		if !utf8.ValidString(c) {
			t.Errorf("cleanText(%q) is not valid UTF-8: %q", s, c)
		}
		for _, r := range c {
			if r != '\n' && isControl(r) {
				t.Fatalf("cleanText(%q) kept control %U: %q", s, r, c)
			}
		}
		if again := cleanText(c); again != c {
			t.Errorf("cleanText not idempotent on %q: %q then %q", s, c, again)
		}

		k := keepSGR(s)
		if !utf8.ValidString(k) {
			t.Errorf("keepSGR(%q) is not valid UTF-8: %q", s, k)
		}
		for i := 0; i < len(k); {
			if k[i] != 0x1b {
				i++
				continue
			}
			end := skipEscape(k, i)
			if !isSGR(k[i:end]) {
				t.Fatalf("keepSGR(%q) kept %q", s, k[i:end])
			}
			i = end
		}
		if again := keepSGR(k); again != k {
			t.Errorf("keepSGR not idempotent on %q: %q then %q", s, k, again)
		}
	})
}

// FuzzMarkdown feeds arbitrary answers through the transcript renderer: it
// must neither panic (that would end the chat) nor emit anything but SGR.
func FuzzMarkdown(f *testing.F) {
	for _, s := range []string{
		hostile, "# h\n\n- a\n- b\n\n```kql\nT | take 1\n```\n", "| a | b |\n|---|---|\n| 1 | 2 |", "[x](&#27;)", "<div>\n*x*\n</div>",
	} {
		f.Add(s, 40)
	}
	var md markdown
	f.Fuzz(func(t *testing.T, s string, width int) {
		width = width%200 + 1
		if width < 1 {
			width = -width + 1
		}
		out := md.render(s, width, true)
		if keepSGR(out) != out {
			t.Fatalf("render(%q) emitted non-SGR sequences: %q", s, out)
		}
	})
}
