package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/socpilot/socpilot/analysis"
	"github.com/socpilot/socpilot/render"
)

// askOptions are what `socpilot ask N "question"` runs with. Capitalised
// fields are provided by the factory (or a test); the others are the
// command line.
type askOptions struct {
	IO        streams
	Workspace workspaceFunc
	Analyzer  analyzerFunc

	number   string // the arguments, checked by runAsk
	question string
	with     []string
	offline  bool
}

// newAskCmd is `socpilot ask`; runF (nil: runAsk) runs it.
func newAskCmd(f *factory, runF func(context.Context, *askOptions) error) *cobra.Command {
	o := &askOptions{IO: f.io, Workspace: f.backend, Analyzer: f.analyzer}
	if runF == nil {
		runF = runAsk
	}
	c := &cobra.Command{
		Use:     `ask N "question"`,
		Short:   "Ask one question about an incident (and others with --with); the answer streams",
		Example: "  socpilot ask 101 \"which accounts were compromised?\"\n  socpilot ask 101 \"what do these incidents share?\" --with 104,105",
		Args:    exactArgs(2, `an incident number and a question in quotes`),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.number, o.question = args[0], args[1]
			return runF(cmd.Context(), o)
		},
	}
	c.Flags().StringSliceVar(&o.with, "with", nil, "more incident numbers to bring into the question (comma-separated)")
	c.Flags().BoolVar(&o.offline, "offline", false, "answer from the offline analysis even if a model is configured")
	f.redactFlag(c)
	return c
}

// runAsk answers one question about the incidents in an ephemeral
// conversation (chat keeps its conversations in the store, see chatState).
func runAsk(ctx context.Context, o *askOptions) error {
	n, err := incidentNumber(o.number)
	if err != nil {
		return err
	}
	nums := []int{n}
	for _, w := range o.with {
		for _, part := range strings.Split(w, ",") {
			m, err := incidentNumber(strings.TrimSpace(part))
			if err != nil {
				return usagef("--with: %v", err)
			}
			nums = append(nums, m)
		}
	}
	ws, err := o.Workspace(ctx)
	if err != nil {
		return err
	}
	an, err := o.Analyzer(ctx, o.offline)
	if err != nil {
		return err
	}
	sess, err := an.NewSession(ctx, nil, ws.Details, nums)
	if err != nil {
		return err
	}
	return answer(ctx, o.IO, sess, o.question)
}

// answer asks one question and writes the answer, streamed when a model
// answers, then the usage line.
func answer(ctx context.Context, s streams, sess *analysis.Session, q string) error {
	w := bufio.NewWriter(s.out)
	streamed := false
	ans, err := sess.Ask(ctx, q, func(delta string) {
		streamed = true
		w.WriteString(render.Clean(delta))
		w.Flush()
	})
	if err != nil {
		return err
	}
	switch {
	case streamed && ans.Offline:
		// The model's stream broke after some text: say so on its own line
		// before the fallback, so the two are never read as one answer.
		w.WriteString("\n\n[the model's answer was cut off; the offline analysis follows]\n\n")
		w.WriteString(render.Clean(ans.Text))
	case !streamed || ans.Offline:
		w.WriteString(render.Clean(ans.Text))
	}
	if !strings.HasSuffix(ans.Text, "\n") {
		w.WriteString("\n")
	}
	if err := w.Flush(); err != nil {
		return err
	}
	answerFooter(s.err, ans)
	return nil
}

func answerFooter(w io.Writer, ans analysis.Answer) {
	switch {
	case ans.Note != "":
		fmt.Fprintf(w, "socpilot: warning: %s\n", ans.Note)
	case ans.Offline:
	default:
		fmt.Fprintln(w, render.UsageText(ans.Usage))
	}
}
