package main

import (
	"bufio"
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/analysis"
	"github.com/socpilot/socpilot/chatui"
	"github.com/socpilot/socpilot/render"
)

// chatOptions are what `socpilot chat` runs with. Capitalised fields are
// provided by the factory (or a test); the others are the command line.
type chatOptions struct {
	IO        streams
	Workspace workspaceFunc
	Analyzer  analyzerFunc
	Store     storeFunc

	args    []string // at most one incident number, checked by runChat
	resume  bool
	id      string
	offline bool
	list    bool
}

// chatHelp is a Markdown list, so it keeps one command per line both as
// plain text (line mode) and rendered (the terminal UI).
const chatHelp = `Commands:

- ` + "`/incident N`" + ` talk about incident N (the conversation's memory stays)
- ` + "`/add N`" + ` bring incident N into the conversation, for questions across incidents
- ` + "`/new`" + ` start a new conversation
- ` + "`/id`" + ` show this conversation's id (continue it later with: socpilot chat --resume --id ID)
- ` + "`/help`" + ` this list
- ` + "`/quit`" + ` leave`

// newChatCmd is `socpilot chat`; runF (nil: runChat) runs it.
func newChatCmd(f *factory, runF func(context.Context, *chatOptions) error) *cobra.Command {
	o := &chatOptions{IO: f.io, Workspace: f.backend, Analyzer: f.analyzer, Store: f.store}
	if runF == nil {
		runF = runChat
	}
	c := &cobra.Command{
		Use:   "chat [N]",
		Short: "Chat about incidents, with memory; /incident N, /add N, /new, /quit",
		Example: `  socpilot chat 101
  socpilot chat --resume          # continue the latest conversation
  socpilot chat --list            # the saved conversations, to pick one for --resume --id
  echo "what happened?" | socpilot chat 101`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usagef("chat expects at most one incident number")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.args = args
			return runF(cmd.Context(), o)
		},
	}
	c.Flags().BoolVar(&o.resume, "resume", false, "continue the latest conversation (or --id)")
	c.Flags().StringVar(&o.id, "id", "", "with --resume: the conversation to continue")
	c.Flags().BoolVar(&o.offline, "offline", false, "answer from the offline analysis even if a model is configured")
	c.Flags().BoolVar(&o.list, "list", false, "list the saved conversations, most recently changed first, with the ids --resume --id takes")
	f.redactFlag(c)
	return c
}

// runChat runs a conversation: the terminal UI on a terminal, else one
// question per line of stdin.
func runChat(ctx context.Context, o *chatOptions) error {
	var nums []int
	if len(o.args) == 1 {
		n, err := incidentNumber(o.args[0])
		if err != nil {
			return err
		}
		nums = []int{n}
	}
	if o.list {
		if len(nums) > 0 || o.resume || o.id != "" {
			return usagef("chat --list takes no incident, --resume or --id")
		}
		return listConversations(ctx, o)
	}
	if o.id != "" && !o.resume {
		return usagef("--id names the conversation to continue: use it with --resume")
	}
	if o.resume && len(nums) > 0 {
		return usagef("chat --resume continues a conversation with its own incidents; use /add N inside it")
	}
	c, err := openChat(ctx, o)
	if err != nil {
		return err
	}
	if o.resume {
		c.sess, err = c.an.ResumeSession(ctx, c.st, c.load, o.id)
	} else {
		c.sess, err = c.an.NewSession(ctx, c.st, c.load, nums)
	}
	if err != nil {
		return err
	}
	if o.IO.interactive() {
		return chatTUI(ctx, o.IO, c)
	}
	return chatLoop(ctx, o.IO, c)
}

// conversationLister is a store that lists its conversations (both stores do).
type conversationLister interface {
	Conversations(ctx context.Context, limit int) ([]socpilot.Conversation, error)
}

// maxListed bounds chat --list: the conversations an analyst may want to
// resume are the recent ones.
const maxListed = 50

// listConversations prints the saved conversations, most recently changed
// first: their ids are what --resume --id takes.
func listConversations(ctx context.Context, o *chatOptions) error {
	st, err := o.Store(ctx)
	if err != nil {
		return err
	}
	lister, ok := st.(conversationLister)
	if !ok {
		return fmt.Errorf("this store cannot list its conversations")
	}
	convs, err := lister.Conversations(ctx, maxListed+1)
	if err != nil {
		return fmt.Errorf("list conversations: %w", err)
	}
	if len(convs) == 0 {
		fmt.Fprintln(o.IO.out, "No saved conversations: start one with socpilot chat N.")
		return nil
	}
	more := len(convs) > maxListed
	if more {
		convs = convs[:maxListed]
	}
	tw := tabwriter.NewWriter(o.IO.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUPDATED\tINCIDENTS")
	for _, c := range convs {
		nums := make([]string, len(c.Incidents))
		for i, n := range c.Incidents {
			nums[i] = fmt.Sprint(n)
		}
		inc := strings.Join(nums, ", ")
		if inc == "" {
			inc = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", c.ID, render.Time(c.Updated), inc)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if more {
		fmt.Fprintf(o.IO.out, "(the %d most recent; older ones are kept too)\n", maxListed)
	}
	return nil
}

// chatState is a chat's session and what it was opened with, which /new
// reuses.
type chatState struct {
	an   *analysis.Analyzer
	st   socpilot.Store
	load analysis.IncidentLoader
	sess *analysis.Session
}

// openChat wires a chat: the workspace, the analysis pipeline, and the
// store its conversations are kept in.
func openChat(ctx context.Context, o *chatOptions) (*chatState, error) {
	ws, err := o.Workspace(ctx)
	if err != nil {
		return nil, err
	}
	an, err := o.Analyzer(ctx, o.offline)
	if err != nil {
		return nil, err
	}
	st, err := o.Store(ctx)
	if err != nil {
		return nil, err
	}
	return &chatState{an: an, st: st, load: ws.Details}, nil
}

// transcript is what a resumed conversation already holds: its summary of
// older turns, then the turns kept in memory.
func (c *chatState) transcript() []chatui.Turn {
	var out []chatui.Turn
	conv := c.sess.Conv
	if conv.Summary != "" {
		out = append(out, chatui.Turn{Text: "(summary of earlier turns) " + conv.Summary})
	}
	for _, t := range conv.Turns {
		out = append(out, chatui.Turn{User: t.Role == socpilot.RoleUser, Text: t.Content})
	}
	return out
}

func (c *chatState) status() string {
	s := c.sess.Conv
	nums := make([]string, len(s.Incidents))
	for i, n := range s.Incidents {
		nums[i] = fmt.Sprint(n)
	}
	inc := "no incident"
	if len(nums) > 0 {
		inc = "incidents " + strings.Join(nums, ", ")
	}
	return fmt.Sprintf("conversation %s · %s · %d turns in memory", s.ID, inc, len(s.Turns))
}

// command runs a slash command; quit ends the chat.
func (c *chatState) command(ctx context.Context, line string) (reply string, quit bool, err error) {
	fields := strings.Fields(line)
	switch fields[0] {
	case "/quit", "/exit", "/q":
		return "", true, nil
	case "/help", "/?":
		return chatHelp, false, nil
	case "/id":
		return c.status(), false, nil
	case "/new":
		s, err := c.an.NewSession(ctx, c.st, c.load, nil)
		if err != nil {
			return "", false, err
		}
		c.sess = s
		return "New conversation " + s.Conv.ID + ". Choose an incident with /incident N.", false, nil
	case "/incident", "/add":
		if len(fields) != 2 {
			return "", false, usagef("%s expects one incident number", fields[0])
		}
		n, err := incidentNumber(fields[1])
		if err != nil {
			return "", false, err
		}
		if fields[0] == "/add" {
			err = c.sess.AddIncident(ctx, n)
		} else {
			err = c.sess.SwitchIncident(ctx, n)
		}
		if err != nil {
			return "", false, err
		}
		return c.status(), false, nil
	}
	return "", false, usagef("unknown command %s (try /help)", fields[0])
}

// chatLoop is the plain line mode: one question per line, used when stdin
// is not a terminal (and by tests), and the fallback UI.
func chatLoop(ctx context.Context, s streams, c *chatState) error {
	fmt.Fprintf(s.out, "socpilot chat — %s. Type /help for commands.\n", c.status())
	for _, t := range c.transcript() {
		who := "socpilot"
		if t.User {
			who = "you"
		}
		fmt.Fprintf(s.out, "%s: %s\n", who, render.Clean(strings.TrimSpace(t.Text)))
	}
	sc := bufio.NewScanner(s.in)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for {
		fmt.Fprint(s.out, "> ")
		if !sc.Scan() {
			fmt.Fprintln(s.out)
			return sc.Err()
		}
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "/") {
			reply, quit, err := c.command(ctx, line)
			if err != nil {
				fmt.Fprintf(s.out, "error: %s\n", oneLine(err))
				continue
			}
			if quit {
				return nil
			}
			fmt.Fprintln(s.out, reply)
			continue
		}
		if err := answer(ctx, s, c.sess, line); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			fmt.Fprintf(s.out, "error: %s\n", oneLine(err))
		}
	}
}
