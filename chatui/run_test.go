package chatui

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
)

// statusSignal is a fakeBackend whose Status reports each call on a channel:
// the UI calls Status once at start and once after every answer or command,
// so a test can tell when the UI has taken an answer in without sleeping.
type statusSignal struct {
	*fakeBackend
	calls chan struct{}
}

func (s statusSignal) Status() string {
	s.calls <- struct{}{}
	return s.fakeBackend.Status()
}

// syncBuffer is the terminal output, written by the program's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startRun runs the UI on a pipe (keystrokes) and a buffer (screen).
func startRun(t *testing.T, ctx context.Context, b Backend) (keys *io.PipeWriter, out *syncBuffer, result <-chan error) {
	t.Helper()
	pr, pw := io.Pipe()
	out = &syncBuffer{}
	errc := make(chan error, 1)
	go func() {
		errc <- Run(ctx, pr, out, b, Options{Width: 60, NoColor: true, Intro: "Welcome"})
		pr.Close()
	}()
	t.Cleanup(func() { pw.Close() })
	return pw, out, errc
}

func TestRunUntilQuit(t *testing.T) {
	fb := &fakeBackend{ask: func(ctx context.Context, q string, onDelta func(string)) (string, string, error) {
		onDelta("streamed \x1b]8;;http://evil\x07link\x1b]8;;\x07 ")
		return "answer with [a link](http://evil) and \x1b[2J", "usage", nil
	}}
	fb.status = "conversation 7 \x1b]8;;http://evil\x07· incidents 101"
	b := statusSignal{fb, make(chan struct{}, 1)}
	keys, out, result := startRun(t, t.Context(), b)
	<-b.calls // start

	if _, err := io.WriteString(keys, "what happened?\r"); err != nil {
		t.Fatal(err)
	}
	<-b.calls // the answer is in
	if _, err := io.WriteString(keys, "/quit\r"); err != nil {
		t.Fatal(err)
	}
	if err := <-result; err != nil {
		t.Fatalf("Run after /quit: %v", err)
	}
	asks, commands := fb.calls()
	if len(asks) != 1 || asks[0] != "what happened?" || len(commands) != 0 {
		t.Errorf("backend calls: asks %q commands %q", asks, commands)
	}
	got := out.String()
	if !strings.Contains(got, "socpilot chat closed · conversation 7 · incidents 101") {
		t.Errorf("no closing line with the conversation status in the output: %q", got)
	}
	if strings.Contains(got, "http://evil\x07") || strings.Contains(got, ";http://evil") {
		t.Errorf("terminal output carries the hostile hyperlink: %q", got)
	}
}

func TestRunEndsWhenContextIsCancelled(t *testing.T) {
	askDone := make(chan error, 1)
	started := make(chan struct{})
	fb := &fakeBackend{ask: func(ctx context.Context, q string, onDelta func(string)) (string, string, error) {
		close(started)
		<-ctx.Done()
		askDone <- ctx.Err()
		return "", "", ctx.Err()
	}}
	ctx, cancel := context.WithCancel(t.Context())
	keys, _, result := startRun(t, ctx, fb)
	if _, err := io.WriteString(keys, "slow question\r"); err != nil {
		t.Fatal(err)
	}
	<-started
	cancel()
	if err := <-result; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run after cancel = %v, want context.Canceled", err)
	}
	// Run waits for the call in progress to return before it does.
	select {
	case err := <-askDone:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Ask context ended with %v", err)
		}
	default:
		t.Error("Run returned while the backend call was still running")
	}
}

func TestIsTerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "notatty")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if IsTerminal(f) {
		t.Error("a regular file reported as a terminal")
	}
	if IsTerminal(nil) {
		t.Error("nil reported as a terminal")
	}
}
