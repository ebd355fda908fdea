package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/analysis"
	"github.com/socpilot/socpilot/render"
	"github.com/socpilot/socpilot/writeback"
)

// analyzerFunc wires the analysis pipeline, without the model when
// offline (factory.analyzer).
type analyzerFunc func(ctx context.Context, offline bool) (*analysis.Analyzer, error)

// storeFunc opens the store (factory.store); the factory closes it.
type storeFunc func(context.Context) (socpilot.Store, error)

// analyzeOptions are what `socpilot analyze N` runs with. Capitalised
// fields are provided by the factory (or a test); the others are the
// command line.
type analyzeOptions struct {
	IO        streams
	Workspace workspaceFunc
	Analyzer  analyzerFunc
	Store     storeFunc
	// QueryVerifier is the Log Analytics client --verify-kql runs queries
	// with; nil client and error: validate only (the demo workspace).
	QueryVerifier func(context.Context) (queryVerifier, error)
	// WriteTargets are what --write writes through SecurityInsights (the
	// write setting: comment, tasks or both).
	WriteTargets func(context.Context) (writeback.Options, error)

	number    string // the argument, checked by runAnalyze
	output    string
	write     bool
	offline   bool
	verifyKQL bool
	runKQL    bool
	related   int
}

// newAnalyzeCmd is `socpilot analyze N`; runF (nil: runAnalyze) runs it.
func newAnalyzeCmd(f *factory, runF func(context.Context, *analyzeOptions) error) *cobra.Command {
	o := &analyzeOptions{IO: f.io, Workspace: f.backend, Analyzer: f.analyzer, Store: f.store, QueryVerifier: f.verifier, WriteTargets: f.writeTargets}
	if runF == nil {
		runF = runAnalyze
	}
	c := &cobra.Command{
		Use:   "analyze N",
		Short: "Analyse an incident: summary, timeline, tactics, triage, checklist and KQL",
		Long: `Analyse an incident. socpilot's offline analyst always computes the facts (triage score,
tactics, checklist, KQL from templates); a configured model writes the narrative on top, and
everything it writes is checked against the incident before it is shown or written.`,
		Example: "  socpilot analyze 101\n  socpilot analyze 101 --write\n  socpilot analyze 101 -o json --offline",
		Args:    exactArgs(1, "one incident number"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.number = args[0]
			return runF(cmd.Context(), o)
		},
	}
	c.Flags().StringVarP(&o.output, "output", "o", "markdown", "output format: markdown or json")
	c.Flags().BoolVar(&o.write, "write", false, "write the report as an incident comment and the checklist as incident tasks")
	c.Flags().BoolVar(&o.offline, "offline", false, "do not call the model even if one is configured")
	f.redactFlag(c)
	c.Flags().BoolVar(&o.verifyKQL, "verify-kql", false, "also run each query as `| take 0` on the workspace (needs SOCPILOT_WORKSPACE_ID), or through advanced hunting on the graph backend")
	c.Flags().BoolVar(&o.runKQL, "run-kql", false, "also run each query (up to 20 rows, the last 7 days) and show what it returned as evidence")
	c.Flags().IntVar(&o.related, "related", 25, "look for the incident's entities in up to this many incidents from the two weeks around it (0: don't)")
	return c
}

// runAnalyze analyses an incident, prints the analysis and, with --write,
// writes it back to the incident.
func runAnalyze(ctx context.Context, o *analyzeOptions) error {
	if o.related < 0 || o.related > socpilot.MaxIncidentsTop {
		return usagef("--related %d is out of range (0-%d)", o.related, socpilot.MaxIncidentsTop)
	}
	n, ws, err := openIncident(ctx, o.Workspace, o.number, o.output, "markdown", "json")
	if err != nil {
		return err
	}
	var verifier queryVerifier
	if o.verifyKQL || o.runKQL {
		if verifier, err = o.QueryVerifier(ctx); err != nil {
			return err
		}
	}
	an, err := o.Analyzer(ctx, o.offline)
	if err != nil {
		return err
	}
	if o.related > 0 {
		an.Related = func(ctx context.Context, d socpilot.IncidentDetails) ([]socpilot.Correlation, error) {
			return analysis.Related(ctx, relatedSource{ws}, d, o.related)
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
	if verifier != nil && o.verifyKQL {
		verifyQueries(ctx, verifier, &res)
	}
	if r, ok := verifier.(queryRunner); ok && o.runKQL {
		runQueries(ctx, r, &res)
	}
	if res.Fallback != "" {
		o.IO.notice("warning: %s", res.Fallback)
	}
	// The console's queue shows the verdict of the latest analysis, whoever
	// ran it: keep it in the store (opened here when no model needed it).
	if an.Cache == nil {
		if st, serr := o.Store(ctx); serr != nil {
			o.IO.notice("warning: the verdict is not kept for the console: %s", oneLine(serr))
		} else if c, ok := st.(analysis.Cache); ok {
			an.Cache = c
		}
	}
	an.Remember(ctx, res)
	if o.output == "json" {
		err = render.JSON(o.IO.out, res)
	} else {
		err = o.IO.markdownOut(func(w io.Writer) error { return render.AnalysisMarkdown(w, res) })
	}
	if err != nil {
		return err
	}
	switch {
	case res.Cached:
		o.IO.notice("the incident is unchanged since the last analysis with %s: reused it, no model call", res.Model)
	case res.Source == socpilot.SourceModel:
		fmt.Fprintln(o.IO.err, render.UsageText(res.Usage))
	}
	if !o.write {
		return nil
	}
	// The store journals what was written (the audit trail); a store that
	// cannot be opened does not stop the write-back.
	var journal writeback.Journal
	if st, serr := o.Store(ctx); serr == nil {
		journal, _ = st.(writeback.Journal)
	} else {
		o.IO.notice("warning: write-back not journaled: %s", oneLine(serr))
	}
	targets, err := o.WriteTargets(ctx)
	if err != nil {
		return err
	}
	wr, err := writeBack(ctx, ws, journal, d, res, targets)
	// Report what was written even when a later write failed: nothing is lost
	// and a re-run picks up where this one stopped.
	report := o.IO.out
	if o.output == "json" {
		report = o.IO.err
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
