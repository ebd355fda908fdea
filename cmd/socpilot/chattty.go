package main

import (
	"bytes"
	"context"
	"io"
	"os"

	"github.com/socpilot/socpilot/chatui"
	"github.com/socpilot/socpilot/render"
)

// chatBackend adapts a chat to the terminal UI.
type chatBackend struct{ c *chatState }

func (b chatBackend) Ask(ctx context.Context, q string, onDelta func(string)) (string, string, error) {
	ans, err := b.c.sess.Ask(ctx, q, onDelta)
	if err != nil {
		return "", "", err
	}
	footer := render.UsageText(ans.Usage)
	switch {
	case ans.Note != "":
		footer = "warning: " + ans.Note
	case ans.Offline:
		footer = "offline analysis (no model configured)"
	}
	return ans.Text, footer, nil
}

func (b chatBackend) Command(ctx context.Context, line string) (string, bool, error) {
	return b.c.command(ctx, line)
}

func (b chatBackend) Status() string { return b.c.status() }

// interactive reports whether the chat runs on a terminal, where the full
// UI is used; anything else (pipes, tests) gets the line mode.
func (s streams) interactive() bool {
	in, ok1 := s.in.(*os.File)
	out, ok2 := s.out.(*os.File)
	return ok1 && ok2 && chatui.IsTerminal(in) && chatui.IsTerminal(out) && !s.dumbTerm
}

func chatTUI(ctx context.Context, s streams, c *chatState) error {
	return chatui.Run(ctx, s.in, s.out, chatBackend{c}, chatui.Options{NoColor: s.noColor,
		Intro: "**socpilot chat** — ask about the incident; `/help` lists the commands.", History: c.transcript()})
}

// markdownOut writes a Markdown document: rendered for the terminal when
// stdout is one (and NO_COLOR is not set), as plain Markdown otherwise, so
// pipes and files get the text itself.
func (s streams) markdownOut(write func(w io.Writer) error) error {
	f, ok := s.out.(*os.File)
	if !ok || !chatui.IsTerminal(f) || s.noColor || s.dumbTerm {
		return write(s.out)
	}
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return err
	}
	_, err := io.WriteString(s.out, chatui.RenderMarkdown(buf.String(), chatui.TerminalWidth(f)))
	return err
}
