package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/spf13/cobra"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/analysis"
	"github.com/socpilot/socpilot/kql/gate"
	"github.com/socpilot/socpilot/kql/logs"
	"github.com/socpilot/socpilot/render"
	"github.com/socpilot/socpilot/writeback"
)

type analyzeOptions struct {
	output    string
	write     bool
	offline   bool
	verifyKQL bool
	related   int
}

func (a *app) analyzeCommand() *cobra.Command {
	o := &analyzeOptions{}
	c := &cobra.Command{
		Use:   "analyze N",
		Short: "Analyse an incident: summary, timeline, tactics, triage, checklist and KQL",
		Long: `Analyse an incident. socpilot's offline analyst always computes the facts (triage score,
tactics, checklist, KQL from templates); a configured model writes the narrative on top, and
everything it writes is checked against the incident before it is shown or written.`,
		Example: "  socpilot analyze 101\n  socpilot analyze 101 --write\n  socpilot analyze 101 -o json --offline",
		Args:    exactArgs(1, "one incident number"),
		RunE:    func(cmd *cobra.Command, args []string) error { return a.runAnalyze(cmd, args[0], o) },
	}
	c.Flags().StringVarP(&o.output, "output", "o", "markdown", "output format: markdown or json")
	c.Flags().BoolVar(&o.write, "write", false, "write the report as an incident comment and the checklist as incident tasks")
	c.Flags().BoolVar(&o.offline, "offline", false, "do not call the model even if one is configured")
	a.redactFlag(c)
	c.Flags().BoolVar(&o.verifyKQL, "verify-kql", false, "also run each query as `| take 0` on the workspace (needs SOCPILOT_WORKSPACE_ID)")
	c.Flags().IntVar(&o.related, "related", 25, "look for the incident's entities in up to this many incidents from the two weeks around it (0: don't)")
	return c
}

func (a *app) runAnalyze(cmd *cobra.Command, arg string, o *analyzeOptions) error {
	if o.related < 0 || o.related > socpilot.MaxIncidentsTop {
		return usagef("--related %d is out of range (0-%d)", o.related, socpilot.MaxIncidentsTop)
	}
	ctx := cmd.Context()
	n, ws, err := a.openIncident(ctx, arg, o.output, "markdown", "json")
	if err != nil {
		return err
	}
	var verifier *logs.Client
	if o.verifyKQL {
		if verifier, err = a.queryVerifier(ctx); err != nil {
			return err
		}
	}
	an, err := a.analyzer(ctx, o.offline)
	if err != nil {
		return err
	}
	if o.related > 0 {
		an.Related = func(ctx context.Context, d socpilot.IncidentDetails) ([]socpilot.Correlation, error) {
			return analysis.Related(ctx, ws, d, o.related)
		}
	}
	d, err := ws.Details(ctx, n)
	if err != nil {
		return err
	}
	res, err := an.Analyze(ctx, d, o.offline)
	if err != nil {
		return err
	}
	if verifier != nil {
		verifyQueries(ctx, verifier, &res)
	}
	if res.Fallback != "" {
		a.notice("warning: %s", res.Fallback)
	}
	if o.output == "json" {
		err = render.JSON(a.out, res)
	} else {
		err = a.markdownOut(func(w io.Writer) error { return render.AnalysisMarkdown(w, res) })
	}
	if err != nil {
		return err
	}
	switch {
	case res.Cached:
		a.notice("the incident is unchanged since the last analysis with %s: reused it, no model call", res.Model)
	case res.Source == socpilot.SourceModel:
		fmt.Fprintln(a.err, render.UsageText(res.Usage))
	}
	if !o.write {
		return nil
	}
	// The store journals what was written (the audit trail); a store that
	// cannot be opened does not stop the write-back.
	var journal writeback.Journal
	if st, serr := a.store(ctx); serr == nil {
		journal, _ = st.(writeback.Journal)
	} else {
		a.notice("warning: write-back not journaled: %s", oneLine(serr))
	}
	wr, err := writeback.WriteJournaled(ctx, ws, journal, d, res)
	// Report what was written even when a later write failed: nothing is lost
	// and a re-run picks up where this one stopped.
	report := a.out
	if o.output == "json" {
		report = a.err
	}
	printWrites(report, n, wr)
	return err
}

func printWrites(w io.Writer, n int, r writeback.Result) {
	fmt.Fprintf(w, "\nWrote to incident %d: %d created, %d updated, %d unchanged, %d skipped.\n", n,
		r.Count(writeback.Created), r.Count(writeback.Updated), r.Count(writeback.Unchanged), r.Count(writeback.Skipped))
	for _, act := range r.Actions {
		line := fmt.Sprintf("  %-9s %-7s %s  %s", act.Result, act.Kind, act.ID, render.Line(act.Title))
		if act.Note != "" {
			line += " (" + act.Note + ")"
		}
		fmt.Fprintln(w, line)
	}
	if r.Cut != "" {
		fmt.Fprintf(w, "  the comment left out %s to fit Sentinel's %d-character limit\n", r.Cut, socpilot.MaxCommentChars)
	}
}

// queryChecker is the KQL gate over the workspace schema: the embedded
// catalog of Sentinel and Defender tables.
func (a *app) queryChecker() *gate.Gate {
	if a.gate == nil {
		a.gate = gate.New(nil)
	}
	return a.gate
}

// logger logs to stderr at the level the log setting (SOCPILOT_LOG) asks
// for: debug, info, warn or error; silent by default, since commands
// report problems themselves. The value was checked with the configuration.
func (a *app) logger() *slog.Logger {
	level := strings.ToLower(a.getenv("SOCPILOT_LOG"))
	if cfg, err := a.config(context.Background()); err == nil {
		level = cfg.LogLevel
	}
	var lvl slog.Level
	switch level {
	case "debug":
		lvl = slog.LevelDebug
	case "info":
		lvl = slog.LevelInfo
	case "warn":
		lvl = slog.LevelWarn
	case "error":
		lvl = slog.LevelError
	default:
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(a.err, &slog.HandlerOptions{Level: lvl}))
}
