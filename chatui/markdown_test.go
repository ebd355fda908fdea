package chatui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	xansi "github.com/charmbracelet/x/ansi"
	"github.com/google/go-cmp/cmp"
)

// sample holds every construct an answer or a report uses.
const sample = "# Incident 101: Password spray\n\n" +
	"**Triage: ESCALATE** (score 91/100) · _offline_ · ~~dismiss~~ · `adele.vance@contoso.com`\n\n" +
	"## Checklist\n\n" +
	"1. **[contain]** Revoke the sessions of `adele.vance@contoso.com`: ends the attacker's sign-in and every refresh token.\n" +
	"2. Block 185.220.101.47\n   - at the perimeter\n   - in Conditional Access\n\n" +
	"- [x] reset the password\n- [ ] review MFA methods\n\n" +
	"> Password spray against 46 accounts from three Tor exit relays, followed by a successful sign-in.\n\n" +
	"| Time | Event | Seen by |\n|---|---|---|\n" +
	"| 07:02 | Medium: alert: Password spray attack against Azure AD application [T1110] | Azure Sentinel |\n" +
	"| 07:52 | High: successful sign-in | Azure Active Directory Identity Protection |\n\n" +
	"```kql\nSigninLogs\n| where IPAddress == \"185.220.101.47\" and ResultType == 0 and AppDisplayName has \"Exchange\"\n```\n\n" +
	"See [the runbook](https://contoso.example/runbook) or <https://contoso.example/b>.\nLine one  \nline two &amp; <b>bold</b> \\*stars\\*.\n\n" +
	"---\n\n<div>\nraw <i>html</i>\n</div>\n"

// TestMarkdownGolden pins the layout of rendered Markdown at two widths,
// styling stripped, and checks that no line is wider than the screen.
func TestMarkdownGolden(t *testing.T) {
	var md markdown
	var b strings.Builder
	for _, width := range []int{60, 34} {
		out := md.render(sample, width, true)
		b.WriteString("=== width " + string(rune('0'+width/10)) + string(rune('0'+width%10)) + "\n")
		for _, l := range strings.Split(out, "\n") {
			if w := xansi.StringWidth(l); w > width {
				t.Errorf("width %d: line %q is %d columns", width, xansi.Strip(l), w)
			}
			b.WriteString(strings.TrimRight(xansi.Strip(l), " ") + "\n")
		}
	}
	got := b.String()
	path := filepath.Join("testdata", "markdown.golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestMarkdownGolden -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("rendering differs from %s (-want +got):\n%s", path, diff)
	}
}

// TestMarkdownStyles checks that each construct gets its style, in both
// themes, and that a style never runs on past the end of its line.
func TestMarkdownStyles(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		dark     bool
		want     string
	}{
		{"h1", "# Title", true, "\x1b[38;5;228;48;5;63;1m Title \x1b[m"},
		{"heading", "## Verdict", true, "\x1b[38;5;39;1m## Verdict\x1b[m"},
		{"heading light", "## Verdict", false, "\x1b[38;5;27;1m## Verdict\x1b[m"},
		{"bold", "**Escalate** now", true, "\x1b[1mEscalate\x1b[m"},
		{"italic", "_offline_", true, "\x1b[3moffline\x1b[m"},
		{"strike", "~~no~~", true, "\x1b[9mno\x1b[m"},
		{"code", "on `FS-01`", true, "\x1b[38;5;203;48;5;236m\u00a0FS-01\u00a0\x1b[m"},
		{"code light", "on `FS-01`", false, "\x1b[38;5;203;48;5;254m\u00a0FS-01\u00a0\x1b[m"},
		{"code block", "```\nT | take 1\n```", true, "    \x1b[38;5;244mT | take 1\x1b[m"},
		{"link", "[docs](https://x.example/d)", true, "\x1b[38;5;35;1mdocs\x1b[m \x1b[38;5;30;4mhttps://x.example/d\x1b[m"},
		{"quote", "> quoted", true, "\x1b[38;5;244m│ \x1b[m"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var md markdown
			out := md.render(tc.in, 40, tc.dark)
			if !strings.Contains(out, tc.want) {
				t.Errorf("render(%q) = %q, want it to contain %q", tc.in, out, tc.want)
			}
		})
	}
	var md markdown
	out := md.render("**"+strings.Repeat("bold words wrap ", 10)+"**", 30, true)
	for _, l := range strings.Split(out, "\n") {
		if !strings.HasPrefix(l, margin+"\x1b[") || !strings.HasSuffix(l, "\x1b[m") {
			t.Errorf("line %q does not carry its own style", l)
		}
	}
}
