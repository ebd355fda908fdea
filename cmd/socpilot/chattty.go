package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"

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
func (a *app) interactive() bool {
	in, ok1 := a.in.(*os.File)
	out, ok2 := a.out.(*os.File)
	return ok1 && ok2 && chatui.IsTerminal(in) && chatui.IsTerminal(out) && !strings.EqualFold(a.getenv("TERM"), "dumb")
}

func (a *app) chatTUI(ctx context.Context, c *chatState) error {
	return chatui.Run(ctx, a.in, a.out, chatBackend{c}, chatui.Options{NoColor: a.getenv("NO_COLOR") != "",
		Intro: "**socpilot chat** — ask about the incident; `/help` lists the commands.", History: c.transcript()})
}

// markdownOut writes a Markdown document: rendered for the terminal when
// stdout is one (and NO_COLOR is not set), as plain Markdown otherwise, so
// pipes and files get the text itself.
func (a *app) markdownOut(write func(w io.Writer) error) error {
	f, ok := a.out.(*os.File)
	if !ok || !chatui.IsTerminal(f) || a.getenv("NO_COLOR") != "" || strings.EqualFold(a.getenv("TERM"), "dumb") {
		return write(a.out)
	}
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return err
	}
	_, err := io.WriteString(a.out, chatui.RenderMarkdown(buf.String(), chatui.TerminalWidth(f)))
	return err
}
