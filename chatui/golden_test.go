package chatui

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// TestConversationGolden pins the look of a whole screen: header, intro,
// a question, a Markdown answer with a list and a query, its footer, a
// command reply, the status and input lines. Styling is stripped and
// trailing blanks trimmed, so the file shows layout and text.
func TestConversationGolden(t *testing.T) {
	fb := &fakeBackend{
		ask: func(ctx context.Context, q string, onDelta func(string)) (string, string, error) {
			return "## Verdict\n\n**Escalate** to tier 2: ransomware staging on `FS-01`.\n\n" +
					"1. Isolate host FS-01.\n2. Disable account svc-backup@contoso.com.\n\n" +
					"```kql\nDeviceProcessEvents\n| where DeviceName == \"FS-01\"\n```\n",
				"Model usage: 1 call(s), 812 prompt + 230 completion tokens, 2.1s.", nil
		},
		command: func(ctx context.Context, line string) (string, bool, error) {
			return "Added incident **104** to the conversation.", false, nil
		},
	}
	m := newModel(t.Context(), fb, Options{NoColor: true, Width: 60, Intro: "Chatting about incident **101**. Type `/help` for commands."})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 34})
	send(m, "what should I do first?")
	settle(t, m)
	send(m, "/add 104")
	settle(t, m)
	typeText(m, "and the")

	var b strings.Builder
	for _, l := range strings.Split(screen(m), "\n") {
		b.WriteString(strings.TrimRight(l, " "))
		b.WriteByte('\n')
	}
	got := b.String()
	path := filepath.Join("testdata", "conversation.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestConversationGolden -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("screen differs from %s (-want +got):\n%s", path, diff)
	}
}
