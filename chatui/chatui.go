// Package chatui is the interactive terminal UI of `socpilot chat`: a
// scrolling transcript rendered as Markdown, an input line with history, a
// spinner while the backend works, answers streamed as they arrive.
//
// The UI knows nothing about incidents or models: it drives a [Backend], the
// conversation, which cmd/socpilot wires to the analysis pipeline. Everything
// the backend returns is treated as untrusted text (it carries incident
// data): escape sequences and control characters are removed and Markdown is
// rendered as text only, so an incident cannot drive the terminal.
package chatui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/term"
)

// Backend is the conversation the UI drives.
type Backend interface {
	// Ask answers a question; onDelta receives the answer as it streams (it
	// may never be called when the answer is not streamed: then use the
	// returned text). footer is a one-line usage/notice string shown dimmed
	// after the answer (e.g. "Model usage: 1 call(s), 812 prompt + 230
	// completion tokens, 2.1s." or "offline analysis (no model configured)").
	// onDelta may be called from any goroutine but not after Ask returns.
	Ask(ctx context.Context, question string, onDelta func(string)) (answer string, footer string, err error)
	// Command runs a slash command line such as "/incident 101", "/add 104",
	// "/new", "/help"; reply is Markdown to show; quit asks the UI to exit.
	// "/quit" and "/exit" are handled by the UI itself without calling
	// Command.
	Command(ctx context.Context, line string) (reply string, quit bool, err error)
	// Status is a short line for the header: conversation id, incidents in
	// context, model or "offline". It is called at start and after every
	// answer or command, from the UI goroutine.
	Status() string
}

// Options tune the UI.
type Options struct {
	// Width fixes the rendering width in cells; 0 follows the terminal.
	Width int
	// NoColor renders without colours (bold and the like remain).
	NoColor bool
	// Intro is Markdown shown at the top of the transcript.
	Intro string
	// History is the conversation so far (a resumed chat), shown under the
	// intro: questions as the user's, answers as socpilot's.
	History []Turn
}

// Turn is one earlier message of the conversation.
type Turn struct {
	User bool
	Text string
}

// Run runs the chat UI on the terminal in/out until the user quits (/quit,
// /exit, Ctrl+D on an empty line, Ctrl+C when nothing is in progress), the
// backend's Command asks to quit, or ctx is done. It returns nil when the
// user quit, ctx.Err() when ctx ended it, and otherwise the terminal error.
// Goroutines it started (the answer in progress, its stream reader) are
// stopped before it returns... as far as the backend honours its context.
func Run(ctx context.Context, in io.Reader, out io.Writer, b Backend, opts Options) error {
	if b == nil {
		return errors.New("chat ui: no backend")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	m := newModel(ctx, b, opts)
	popts := []tea.ProgramOption{
		tea.WithContext(ctx),
		tea.WithInput(in),
		tea.WithOutput(out),
	}
	if f, ok := out.(*os.File); !ok || !IsTerminal(f) {
		// Without a terminal there is no size to ask for and bubbletea
		// would draw on a 0x0 screen: give it the conventional one.
		w := opts.Width
		if w <= 0 {
			w = 80
		}
		popts = append(popts, tea.WithWindowSize(w, 24))
	}
	if opts.NoColor {
		popts = append(popts, tea.WithColorProfile(colorprofile.ASCII))
	}
	final, err := tea.NewProgram(m, popts...).Run()
	if fm, ok := final.(*model); ok {
		// Stop the answer in progress, if any, even when the program
		// ended on an error.
		fm.stopJob()
	}
	switch {
	case err == nil, errors.Is(err, tea.ErrInterrupted):
		// ErrInterrupted: a SIGINT from outside the terminal (kill -INT);
		// the user's way out, like Ctrl+C.
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	default:
		return fmt.Errorf("chat ui: %w", err)
	}
}

// IsTerminal reports whether f is a terminal, the condition for [Run]; the
// plain line mode serves pipes and files.
func IsTerminal(f *os.File) bool {
	return f != nil && term.IsTerminal(f.Fd())
}
