package chatui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/google/go-cmp/cmp"
)

// fakeBackend is the UI's port implemented in the test: it records calls and
// answers with the functions the test sets.
type fakeBackend struct {
	mu       sync.Mutex
	asks     []string
	commands []string
	status   string

	ask     func(ctx context.Context, q string, onDelta func(string)) (string, string, error)
	command func(ctx context.Context, line string) (string, bool, error)
}

func (f *fakeBackend) Ask(ctx context.Context, q string, onDelta func(string)) (string, string, error) {
	f.mu.Lock()
	f.asks = append(f.asks, q)
	ask := f.ask
	f.mu.Unlock()
	if ask == nil {
		return "answer to " + q, "offline analysis (no model configured)", nil
	}
	return ask(ctx, q, onDelta)
}

func (f *fakeBackend) Command(ctx context.Context, line string) (string, bool, error) {
	f.mu.Lock()
	f.commands = append(f.commands, line)
	command := f.command
	f.mu.Unlock()
	if command == nil {
		return "ran `" + line + "`", false, nil
	}
	return command(ctx, line)
}

func (f *fakeBackend) Status() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.status == "" {
		return "conversation 1 · incidents 101 · offline"
	}
	return f.status
}

func (f *fakeBackend) calls() (asks, commands []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.asks...), append([]string(nil), f.commands...)
}

func newTestModel(t *testing.T, b Backend, opts Options) *model {
	t.Helper()
	m := newModel(t.Context(), b, opts)
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 30})
	t.Cleanup(m.stopJob)
	return m
}

func typeText(m *model, s string) {
	for _, r := range s {
		m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func press(m *model, code rune, mod tea.KeyMod) tea.Cmd {
	_, cmd := m.Update(tea.KeyPressMsg{Code: code, Mod: mod})
	return cmd
}

// send types line and presses Enter.
func send(m *model, line string) tea.Cmd {
	typeText(m, line)
	return press(m, tea.KeyEnter, 0)
}

// step delivers the next stream message of the call in progress, blocking
// until the backend produced one (channels, not sleeps, order the test).
func step(t *testing.T, m *model) jobMsg {
	t.Helper()
	if m.job == nil {
		t.Fatal("no call in progress")
	}
	msg, ok := m.wait(m.job)().(jobMsg)
	if !ok {
		t.Fatal("stream ended without a message")
	}
	m.Update(msg)
	return msg
}

// settle delivers stream messages until the call in progress is over and
// returns the command the final update produced.
func settle(t *testing.T, m *model) tea.Cmd {
	t.Helper()
	for m.job != nil {
		msg, ok := m.wait(m.job)().(jobMsg)
		if !ok {
			t.Fatal("stream ended without a message")
		}
		_, cmd := m.Update(msg)
		if msg.done {
			return cmd
		}
	}
	return nil
}

// screen is the view as the user reads it: styling removed.
func screen(m *model) string { return ansi.Strip(m.View().Content) }

// flat joins the screen's words with single spaces so assertions do not
// depend on where the renderer wrapped or padded.
func flat(m *model) string { return strings.Join(strings.Fields(screen(m)), " ") }

func isQuitCmd(cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	_, ok := cmd().(tea.QuitMsg)
	return ok
}

func TestStreamedAnswerAndFooter(t *testing.T) {
	gate := make(chan struct{})
	b := &fakeBackend{ask: func(ctx context.Context, q string, onDelta func(string)) (string, string, error) {
		onDelta("The sign-in came from ")
		<-gate
		onDelta("**203.0.113.7**, a known scanner.")
		return "The sign-in came from **203.0.113.7**, a known scanner.",
			"Model usage: 1 call(s), 812 prompt + 230 completion tokens, 2.1s.", nil
	}}
	m := newTestModel(t, b, Options{NoColor: true, Intro: "# Incident 101\nAsk me anything."})

	if got := flat(m); !strings.Contains(got, "Incident 101 Ask me anything.") {
		t.Errorf("intro missing from view:\n%s", screen(m))
	}
	cmd := send(m, "where did the sign-in come from?")
	if cmd == nil {
		t.Fatal("Enter returned no command: the answer would never be read")
	}
	if m.input.Value() != "" {
		t.Errorf("input not cleared after Enter: %q", m.input.Value())
	}
	if got := flat(m); !strings.Contains(got, "thinking") || !strings.Contains(got, "where did the sign-in come from?") {
		t.Errorf("view while waiting lacks the question or the spinner line:\n%s", screen(m))
	}

	if msg := step(t, m); msg.done {
		t.Fatal("stream done before the backend finished")
	}
	got := flat(m)
	if !strings.Contains(got, "The sign-in came from") || strings.Contains(got, "scanner") {
		t.Errorf("first delta not shown alone:\n%s", screen(m))
	}
	if strings.Contains(got, "Model usage") {
		t.Errorf("footer shown before the answer finished")
	}

	close(gate)
	settle(t, m)
	got = flat(m)
	for _, want := range []string{
		"The sign-in came from 203.0.113.7, a known scanner.",
		"Model usage: 1 call(s), 812 prompt + 230 completion tokens, 2.1s.",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("view lacks %q:\n%s", want, screen(m))
		}
	}
	if strings.Contains(got, "thinking") {
		t.Errorf("spinner line still shown after the answer")
	}
	if strings.Count(got, "a known scanner") != 1 {
		t.Errorf("answer shown %d times, want once", strings.Count(got, "a known scanner"))
	}
	asks, commands := b.calls()
	if diff := cmp.Diff([]string{"where did the sign-in come from?"}, asks); diff != "" || len(commands) != 0 {
		t.Errorf("backend calls: asks (-want +got):\n%s commands: %q", diff, commands)
	}
}

func TestUnstreamedAnswerUsesReturnedText(t *testing.T) {
	b := &fakeBackend{ask: func(ctx context.Context, q string, onDelta func(string)) (string, string, error) {
		return "Triage: **dismiss** (benign scanner).", "offline analysis (no model configured)", nil
	}}
	m := newTestModel(t, b, Options{NoColor: true})
	send(m, "verdict?")
	settle(t, m)
	got := flat(m)
	for _, want := range []string{"Triage: dismiss (benign scanner).", "offline analysis (no model configured)"} {
		if !strings.Contains(got, want) {
			t.Errorf("view lacks %q:\n%s", want, screen(m))
		}
	}
}

func TestReturnedAnswerReplacesStream(t *testing.T) {
	// The backend streams pseudonyms and returns the rehydrated answer: what
	// stays on screen is the returned text.
	b := &fakeBackend{ask: func(ctx context.Context, q string, onDelta func(string)) (string, string, error) {
		onDelta("user USER-7f3a signed in")
		return "user alice@contoso.com signed in", "", nil
	}}
	m := newTestModel(t, b, Options{NoColor: true})
	send(m, "who?")
	settle(t, m)
	got := flat(m)
	if !strings.Contains(got, "user alice@contoso.com signed in") || strings.Contains(got, "USER-7f3a") {
		t.Errorf("returned answer did not replace the streamed text:\n%s", screen(m))
	}
}

func TestSlashCommands(t *testing.T) {
	b := &fakeBackend{command: func(ctx context.Context, line string) (string, bool, error) {
		switch line {
		case "/incident 104":
			return "Now discussing **incident 104**: Ransomware activity.", false, nil
		case "/bye":
			return "", true, nil
		}
		return "", false, fmt.Errorf("unknown command %q: try /help", line)
	}}
	m := newTestModel(t, b, Options{NoColor: true})

	send(m, "/incident 104")
	if got := flat(m); !strings.Contains(got, "running /incident 104") {
		t.Errorf("no progress line while the command runs:\n%s", screen(m))
	}
	b.mu.Lock()
	b.status = "conversation 1 · incidents 104 · offline"
	b.mu.Unlock()
	if cmd := settle(t, m); isQuitCmd(cmd) {
		t.Fatal("a command without quit ended the UI")
	}
	got := flat(m)
	if !strings.Contains(got, "Now discussing incident 104: Ransomware activity.") {
		t.Errorf("command reply not shown:\n%s", screen(m))
	}
	if !strings.Contains(got, "incidents 104") {
		t.Errorf("header not refreshed from Status after the command:\n%s", screen(m))
	}

	send(m, "/frobnicate")
	settle(t, m)
	if got := flat(m); !strings.Contains(got, `error: unknown command "/frobnicate": try /help`) {
		t.Errorf("command error not shown:\n%s", screen(m))
	}

	send(m, "/bye")
	if cmd := settle(t, m); !isQuitCmd(cmd) {
		t.Error("Command answering quit did not end the UI")
	}
	asks, commands := b.calls()
	if diff := cmp.Diff([]string{"/incident 104", "/frobnicate", "/bye"}, commands); diff != "" || len(asks) != 0 {
		t.Errorf("backend calls: commands (-want +got):\n%s asks: %q", diff, asks)
	}
}

func TestQuitIsHandledByTheUI(t *testing.T) {
	for _, line := range []string{"/quit", "/exit", "  /QUIT  "} {
		t.Run(line, func(t *testing.T) {
			b := &fakeBackend{}
			m := newTestModel(t, b, Options{NoColor: true})
			if cmd := send(m, line); !isQuitCmd(cmd) {
				t.Fatalf("%q did not quit", line)
			}
			if asks, commands := b.calls(); len(asks)+len(commands) != 0 {
				t.Errorf("%q reached the backend: asks %q commands %q", line, asks, commands)
			}
		})
	}
}

func TestErrorsAreShownAndNotFatal(t *testing.T) {
	fail := true
	b := &fakeBackend{ask: func(ctx context.Context, q string, onDelta func(string)) (string, string, error) {
		if fail {
			fail = false
			return "", "", errors.New("ask model: 503 Service Unavailable: retry later")
		}
		return "fine now", "", nil
	}}
	m := newTestModel(t, b, Options{})
	send(m, "first")
	if cmd := settle(t, m); isQuitCmd(cmd) {
		t.Fatal("an error ended the UI")
	}
	raw := m.View().Content
	if !strings.Contains(ansi.Strip(raw), "error: ask model: 503 Service Unavailable: retry later") {
		t.Fatalf("error not shown:\n%s", ansi.Strip(raw))
	}
	// Red: SGR 91 (bright red foreground, colour 9).
	if !strings.Contains(raw, "91") {
		t.Errorf("error line not coloured red: %q", raw)
	}
	send(m, "second")
	settle(t, m)
	got := flat(m)
	// The status line is free again; the error stays readable in the
	// transcript, above the answer that followed it.
	if !strings.Contains(got, "fine now") || strings.Index(got, "503") > strings.Index(got, "fine now") || m.errText != "" {
		t.Errorf("after a good answer the status line should be clear, the error kept above the answer:\n%s", screen(m))
	}
}

// hostile holds text an incident could carry to attack the analyst's
// terminal: OSC 8 hyperlinks with hidden targets, screen clearing, a title
// change, cursor moves, a lone carriage return, a bidi override, C1 CSI, and
// the same escapes smuggled as Markdown character references and raw HTML.
const hostile = "\x1b]8;;http://evil\x07click me\x1b]8;;\x07 then \x1b[2J\x1b[H" +
	"\x1b]0;pwned\x07\x1b[31mred\x1b[0m over\rwrite \u202Egnp.exe\u202C \u009b2J" +
	" [docs](http://evil/path) &#27;[2J &#x1b;]8;;http://evil&#7;x&#x1b;]8;;&#7;" +
	" <script>alert(1)</script><b>bold</b> `\x1b[2J code` end"

func TestControlSequencesNeverReachTheScreen(t *testing.T) {
	forbidden := []string{"\x1b]", "\x1b[2J", "\x1b[H", "\x07", "\r", "\u202e", "\u202c", "\u009b", "<script>"}
	for _, noColor := range []bool{true, false} {
		t.Run(fmt.Sprintf("noColor=%v", noColor), func(t *testing.T) {
			b := &fakeBackend{ask: func(ctx context.Context, q string, onDelta func(string)) (string, string, error) {
				onDelta(hostile[:40])
				onDelta(hostile[40:])
				return hostile, "usage \x1b[2J\x1b]8;;http://evil\x07", errors.New("failed \x1b]0;title\x07 \x1b[2J")
			}}
			b.status = "conv \x1b]8;;http://evil\x07 1\r"
			m := newTestModel(t, b, Options{NoColor: noColor, Intro: hostile})
			send(m, "q \x1b[2J")
			step(t, m)
			check := func(when string) {
				t.Helper()
				raw := m.View().Content
				for _, f := range forbidden {
					if strings.Contains(raw, f) {
						t.Errorf("%s: view contains %q:\n%q", when, f, raw)
					}
				}
				// Whatever escape remains must be SGR styling.
				if s := keepSGR(raw); s != raw {
					t.Errorf("%s: view holds non-SGR sequences:\n%q", when, raw)
				}
			}
			check("while streaming")
			settle(t, m)
			check("after the answer")
			got := flat(m)
			for _, want := range []string{"click me", "then", "red", "docs", "http://evil/path", "alert(1)", "bold", "end"} {
				if !strings.Contains(got, want) {
					t.Errorf("text %q lost while cleaning:\n%s", want, screen(m))
				}
			}
		})
	}
}

func TestHistoryNavigation(t *testing.T) {
	m := newTestModel(t, &fakeBackend{}, Options{NoColor: true})
	for _, q := range []string{"first", "second", "second", "/help"} {
		send(m, q)
		settle(t, m)
	}
	typeText(m, "dra")
	up := func() string { press(m, tea.KeyUp, 0); return m.input.Value() }
	down := func() string { press(m, tea.KeyDown, 0); return m.input.Value() }
	var got []string
	// A repeated line is stored once; walking past either end stays put; the
	// draft comes back at the bottom.
	for _, f := range []func() string{up, up, up, up, down, down, down, down} {
		got = append(got, f())
	}
	want := []string{"/help", "second", "first", "first", "second", "/help", "dra", "dra"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("history walk (-want +got):\n%s", diff)
	}
	up()
	up()
	if cmd := press(m, tea.KeyEnter, 0); cmd == nil {
		t.Fatal("Enter on a recalled line sent nothing")
	}
	settle(t, m)
	asks, _ := backendOf(m).calls()
	if asks[len(asks)-1] != "second" {
		t.Errorf("recalled line sent as %q, want %q", asks[len(asks)-1], "second")
	}
}

func backendOf(m *model) *fakeBackend { return m.b.(*fakeBackend) }

func TestCtrlCCancelsThenQuits(t *testing.T) {
	started := make(chan struct{})
	var askErr error
	bk := &fakeBackend{ask: func(ctx context.Context, q string, onDelta func(string)) (string, string, error) {
		onDelta("partial answer")
		close(started)
		<-ctx.Done()
		askErr = ctx.Err()
		return "", "", fmt.Errorf("stream answer: %w", ctx.Err())
	}}
	m := newTestModel(t, bk, Options{NoColor: true})
	send(m, "long question")
	step(t, m)
	<-started
	if cmd := press(m, 'c', tea.ModCtrl); isQuitCmd(cmd) {
		t.Fatal("first Ctrl+C during an answer quit instead of cancelling")
	}
	settle(t, m)
	if !errors.Is(askErr, context.Canceled) {
		t.Errorf("Ask context not cancelled: %v", askErr)
	}
	got := flat(m)
	if !strings.Contains(got, "partial answer") || !strings.Contains(got, "answer cancelled") {
		t.Errorf("cancelled answer not kept with its notice:\n%s", screen(m))
	}
	if strings.Contains(got, "error:") {
		t.Errorf("a cancellation is shown as an error:\n%s", screen(m))
	}
	if cmd := press(m, 'c', tea.ModCtrl); !isQuitCmd(cmd) {
		t.Error("second Ctrl+C did not quit")
	}
}

func TestCtrlCAndCtrlDWhenIdle(t *testing.T) {
	m := newTestModel(t, &fakeBackend{}, Options{NoColor: true})
	typeText(m, "half typed")
	if cmd := press(m, 'c', tea.ModCtrl); isQuitCmd(cmd) {
		t.Fatal("Ctrl+C with text in the input quit instead of clearing it")
	}
	if m.input.Value() != "" {
		t.Errorf("Ctrl+C did not clear the input: %q", m.input.Value())
	}
	typeText(m, "ab")
	press(m, tea.KeyLeft, 0)
	if cmd := press(m, 'd', tea.ModCtrl); isQuitCmd(cmd) {
		t.Fatal("Ctrl+D with text in the input quit")
	}
	if m.input.Value() != "a" {
		t.Errorf("Ctrl+D in text should delete forward: %q", m.input.Value())
	}
	press(m, tea.KeyBackspace, 0)
	if cmd := press(m, 'd', tea.ModCtrl); !isQuitCmd(cmd) {
		t.Error("Ctrl+D on an empty line did not quit")
	}
	m2 := newTestModel(t, &fakeBackend{}, Options{NoColor: true})
	if cmd := press(m2, 'c', tea.ModCtrl); !isQuitCmd(cmd) {
		t.Error("Ctrl+C on an empty idle line did not quit")
	}
}

func TestEnterWhileBusyKeepsTheLine(t *testing.T) {
	gate := make(chan struct{})
	bk := &fakeBackend{ask: func(ctx context.Context, q string, onDelta func(string)) (string, string, error) {
		if q == "one" {
			<-gate
		}
		return "answer " + q, "", nil
	}}
	m := newTestModel(t, bk, Options{NoColor: true})
	send(m, "one")
	if cmd := send(m, "two"); cmd != nil {
		t.Errorf("Enter while busy started something")
	}
	if m.input.Value() != "two" {
		t.Errorf("line typed while busy was lost: %q", m.input.Value())
	}
	if !strings.Contains(flat(m), "in progress") {
		t.Errorf("no notice for Enter while busy:\n%s", screen(m))
	}
	close(gate)
	settle(t, m)
	press(m, tea.KeyEnter, 0)
	settle(t, m)
	asks, _ := bk.calls()
	if diff := cmp.Diff([]string{"one", "two"}, asks); diff != "" {
		t.Errorf("asks (-want +got):\n%s", diff)
	}
}

func TestScrollAndResize(t *testing.T) {
	var long strings.Builder
	for i := 1; i <= 80; i++ {
		fmt.Fprintf(&long, "%d. checklist item number %d for host WS-%03d\n", i, i, i)
	}
	bk := &fakeBackend{ask: func(ctx context.Context, q string, onDelta func(string)) (string, string, error) {
		return long.String(), "footer line", nil
	}}
	m := newTestModel(t, bk, Options{NoColor: true})
	send(m, "checklist?")
	settle(t, m)
	if !m.vp.AtBottom() {
		t.Error("transcript does not follow the new answer")
	}
	if !strings.Contains(flat(m), "footer line") {
		t.Errorf("bottom of the answer not visible:\n%s", screen(m))
	}
	bottom := m.vp.YOffset()
	press(m, tea.KeyPgUp, 0)
	if m.vp.YOffset() >= bottom {
		t.Errorf("PgUp did not scroll up: offset %d, was %d", m.vp.YOffset(), bottom)
	}
	if strings.Contains(flat(m), "footer line") {
		t.Errorf("after PgUp the footer should be out of view:\n%s", screen(m))
	}
	press(m, tea.KeyPgDown, 0)
	if m.vp.YOffset() != bottom {
		t.Errorf("PgDown did not come back: offset %d, want %d", m.vp.YOffset(), bottom)
	}

	for _, size := range []tea.WindowSizeMsg{{Width: 40, Height: 12}, {Width: 132, Height: 50}, {Width: 3, Height: 1}, {Width: 60, Height: 20}} {
		m.Update(size)
		lines := strings.Split(screen(m), "\n")
		wantW := max(size.Width, minWidth)
		for i, l := range lines {
			if w := ansi.StringWidth(l); w > wantW {
				t.Errorf("%dx%d: line %d is %d cells wide: %q", size.Width, size.Height, i, w, l)
			}
		}
		if size.Height >= chromeLines+1 && len(lines) != size.Height {
			t.Errorf("%dx%d: view has %d lines", size.Width, size.Height, len(lines))
		}
	}
	if got := flat(m); !strings.Contains(got, "footer line") || !strings.Contains(got, "checklist item number 80") {
		t.Errorf("after resizing the end of the transcript is not in view:\n%s", screen(m))
	}
}

func TestFixedWidth(t *testing.T) {
	m := newTestModel(t, &fakeBackend{}, Options{NoColor: true, Width: 50})
	send(m, strings.Repeat("word ", 40))
	settle(t, m)
	for i, l := range strings.Split(screen(m), "\n") {
		if w := ansi.StringWidth(l); w > 50 {
			t.Errorf("line %d is %d cells wide with Width 50: %q", i, w, l)
		}
	}
}

func TestParentCancelStopsTheCall(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	returned := make(chan error, 1)
	bk := &fakeBackend{ask: func(ctx context.Context, q string, onDelta func(string)) (string, string, error) {
		<-ctx.Done()
		// A backend that keeps streaming after cancellation must not block.
		onDelta("late")
		returned <- ctx.Err()
		return "", "", ctx.Err()
	}}
	m := newModel(ctx, bk, Options{NoColor: true})
	send(m, "q")
	j := m.job
	cancel()
	<-j.done
	if err := <-returned; !errors.Is(err, context.Canceled) {
		t.Errorf("Ask saw %v, want context.Canceled", err)
	}
	// The stream reader ends too: either with the final message or nothing.
	if msg := m.wait(j)(); msg != nil {
		if jm, ok := msg.(jobMsg); !ok || !jm.done {
			t.Errorf("reader after cancel returned %#v", msg)
		}
	}
}

func TestEscapeSplitAcrossDeltas(t *testing.T) {
	gate := make(chan struct{})
	bk := &fakeBackend{ask: func(ctx context.Context, q string, onDelta func(string)) (string, string, error) {
		onDelta("a \x1b]8;;http://ev")
		<-gate
		onDelta("il.example\x07link\x1b]8;;\x07 b \x1b[")
		onDelta("2J c")
		return "", "", nil // not returned: the stream is the answer
	}}
	m := newTestModel(t, bk, Options{NoColor: true})
	send(m, "q")
	step(t, m)
	if got := flat(m); strings.Contains(got, "http") || !strings.Contains(got, "a") {
		t.Errorf("half an OSC shown while streaming:\n%s", screen(m))
	}
	close(gate)
	settle(t, m)
	got := flat(m)
	if strings.Contains(got, "evil") || strings.Contains(got, "il.example") || strings.Contains(got, "2J") {
		t.Errorf("pieces of a split escape sequence shown:\n%s", screen(m))
	}
	if !strings.Contains(got, "a link b c") {
		t.Errorf("streamed text lost:\n%s", screen(m))
	}
}
