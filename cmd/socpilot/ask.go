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

type askOptions struct {
	with    []string
	offline bool
}

func (a *app) askCommand() *cobra.Command {
	o := &askOptions{}
	c := &cobra.Command{
		Use:     `ask N "question"`,
		Short:   "Ask one question about an incident (and others with --with); the answer streams",
		Example: "  socpilot ask 101 \"which accounts were compromised?\"\n  socpilot ask 101 \"what do these incidents share?\" --with 104,105",
		Args:    exactArgs(2, `an incident number and a question in quotes`),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := incidentNumber(args[0])
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
			ctx := cmd.Context()
			sess, err := a.session(ctx, nums, o.offline)
			if err != nil {
				return err
			}
			return a.answer(ctx, sess, args[1])
		},
	}
	c.Flags().StringSliceVar(&o.with, "with", nil, "more incident numbers to bring into the question (comma-separated)")
	c.Flags().BoolVar(&o.offline, "offline", false, "answer from the offline analysis even if a model is configured")
	a.redactFlag(c)
	return c
}

// session opens an ephemeral conversation over the given incidents (ask;
// chat keeps its conversations in the store, see chatState).
func (a *app) session(ctx context.Context, nums []int, offlineOnly bool) (*analysis.Session, error) {
	ws, err := a.workspace(ctx)
	if err != nil {
		return nil, err
	}
	an, err := a.analyzer(ctx, offlineOnly)
	if err != nil {
		return nil, err
	}
	return an.NewSession(ctx, nil, ws.Details, nums)
}

// answer asks one question and writes the answer, streamed when a model
// answers, then the usage line.
func (a *app) answer(ctx context.Context, sess *analysis.Session, q string) error {
	w := bufio.NewWriter(a.out)
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
	a.answerFooter(a.err, ans)
	return nil
}

func (a *app) answerFooter(w io.Writer, ans analysis.Answer) {
	switch {
	case ans.Note != "":
		fmt.Fprintf(w, "socpilot: warning: %s\n", ans.Note)
	case ans.Offline:
	default:
		fmt.Fprintln(w, render.UsageText(ans.Usage))
	}
}
