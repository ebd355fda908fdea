package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/emulator"
	"github.com/socpilot/socpilot/eval"
	"github.com/socpilot/socpilot/sentinel"
)

// evalOptions are what `socpilot eval` runs with. Capitalised fields are
// provided by the factory (or a test); the others are the command line.
type evalOptions struct {
	IO        streams
	Workspace workspaceFunc // the workspace of eval --closed
	Analyzer  analyzerFunc

	args       []string // the directory of labelled incident files
	sinceGiven bool     // --since was on the command line
	output     string
	offline    bool
	closed     bool
	since      string
}

// newEvalCmd is `socpilot eval`; runF (nil: runEval) runs it.
func newEvalCmd(f *factory, runF func(context.Context, *evalOptions) error) *cobra.Command {
	o := &evalOptions{IO: f.io, Workspace: f.backend, Analyzer: f.analyzer}
	if runF == nil {
		runF = runEval
	}
	c := &cobra.Command{
		Use:   "eval DIR | eval --closed [--since 90d]",
		Short: "Score the analyst on labelled incident files, or on the workspace's closed incidents",
		Long: `Replay labelled incidents through the analysis analyze uses and score it: verdict accuracy
(exact, and within the acceptable verdicts), the 3x3 confusion matrix, compromised-entity recall,
action recall, harmful actions present, tactic recall, and with a model the tokens and cost.

eval DIR reads every *.json file of DIR: one incident per file, shaped like the demo dataset's
files (incident, alerts, entities, bookmarks, relations, comments, tasks, in the REST API's JSON),
plus a top-level "expected":
  {"verdict": "escalate", "acceptable": ["remediate"], "compromised": ["adele.vance@contoso.com"],
   "actions": [{"action": "revoke-sessions", "entity": "adele.vance@contoso.com"}],
   "forbidden": [{"action": "block-ip", "entity": "198.51.100.23"}], "tactics": ["TA0006"],
   "source": "where the scenario comes from", "why": "what decides it"}
The files are served by an in-process emulator and read through the Sentinel client, as any
workspace is. An expected action counts when a checklist item's action has its verb and names its
entity (accounts match by UPN, account name or DOMAIN\name; hosts by name or FQDN). Harmful: a
forbidden action, or a block-ip of an internal address.

eval --closed replays the workspace's closed incidents created within --since against their
classification: TruePositive expects remediate (escalate acceptable), BenignPositive and
FalsePositive expect dismiss; Undetermined or unclassified ones are skipped. The analyst sees each
incident as Active, without its classification, reason or classification comment. Closed
incidents carry no labels for entities or actions: only verdicts are scored.

-o json prints eval.Report (see the eval package): mode, source, analyst, notes, incidents[]
(number, file, title, expected, acceptable, got, score, exact, withinAcceptable, error,
compromised/actions/tactics {expected, found, missed}, harmful[], usage), skipped[], totals.
The exit status is 0 when the evaluation ran, whatever the scores.`,
		Example: "  socpilot eval eval/devset --offline\n  socpilot eval eval/devset -o json\n  socpilot eval --closed --since 30d",
		RunE: func(cmd *cobra.Command, args []string) error {
			o.args, o.sinceGiven = args, cmd.Flags().Changed("since")
			return runF(cmd.Context(), o)
		},
	}
	c.Flags().StringVarP(&o.output, "output", "o", "text", "output format: text or json")
	c.Flags().BoolVar(&o.offline, "offline", false, "do not call the model even if one is configured")
	c.Flags().BoolVar(&o.closed, "closed", false, "score the workspace's closed incidents against their classification")
	c.Flags().StringVar(&o.since, "since", "90d", "with --closed: incidents created in this past duration (e.g. 30d, 72h)")
	f.redactFlag(c)
	return c
}

// runEval scores the analyst on labelled incident files or on the
// workspace's closed incidents.
func runEval(ctx context.Context, o *evalOptions) error {
	switch {
	case o.closed && len(o.args) > 0:
		return usagef("eval takes a directory of labelled incident files or --closed, not both")
	case !o.closed && len(o.args) != 1:
		return usagef("eval expects one directory of labelled incident files, or --closed (see `socpilot eval --help`)")
	case !o.closed && o.sinceGiven:
		return usagef("--since applies to eval --closed only")
	}
	if err := outputFormat(o.output, "text", "json"); err != nil {
		return err
	}
	var since time.Duration
	if o.closed {
		var err error
		if since, err = parseSince(o.since); err != nil {
			return err
		}
	}
	var (
		rep eval.Report
		err error
	)
	if o.closed {
		rep, err = evalClosed(ctx, o, since)
	} else {
		rep, err = evalFiles(ctx, o, o.args[0])
	}
	if err != nil {
		return err
	}
	if o.output == "json" {
		return eval.WriteJSON(o.IO.out, rep)
	}
	return eval.WriteText(o.IO.out, rep)
}

// evalFiles scores the labelled incident files of dir, served by an
// in-process emulator and read through the Sentinel client.
func evalFiles(ctx context.Context, o *evalOptions, dir string) (eval.Report, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return eval.Report{}, fmt.Errorf("read labelled incidents: %w", err)
	}
	if !fi.IsDir() {
		return eval.Report{}, fmt.Errorf("read labelled incidents: %s is not a directory", dir)
	}
	fsys := os.DirFS(dir)
	cases, err := eval.ReadCases(fsys)
	if err != nil {
		return eval.Report{}, fmt.Errorf("read labelled incidents in %s: %w", dir, err)
	}
	ds, err := emulator.LoadDataset(fsys)
	if err != nil {
		return eval.Report{}, fmt.Errorf("load the incidents in %s: %w", dir, err)
	}
	srv, err := emulator.New(emulator.Options{Dataset: ds})
	if err != nil {
		return eval.Report{}, fmt.Errorf("serve the incidents in %s: %w", dir, err)
	}
	ws, err := sentinel.New(sentinel.Workspace{SubscriptionID: emulator.DemoSubscription, ResourceGroup: emulator.DemoResourceGroup, Name: emulator.DemoWorkspace},
		emulator.Credential{}, sentinel.Options{Transport: srv.HTTPClient()})
	if err != nil {
		return eval.Report{}, err
	}
	for i, c := range cases {
		d, err := ws.Details(ctx, c.Number)
		if err != nil {
			return eval.Report{}, fmt.Errorf("read incident %d of %s: %w", c.Number, c.File, err)
		}
		cases[i].Details = d
	}
	rep, err := evalRun(ctx, o, cases)
	if err != nil {
		return eval.Report{}, err
	}
	rep.Mode, rep.Source = "files", dir
	return rep, nil
}

// evalClosed scores the workspace's closed incidents created within since
// against their classification, hidden from the analyst.
func evalClosed(ctx context.Context, o *evalOptions, since time.Duration) (eval.Report, error) {
	ws, err := o.Workspace(ctx)
	if err != nil {
		return eval.Report{}, err
	}
	incs, err := ws.ListIncidents(ctx, socpilot.IncidentFilter{Status: []string{"Closed"}, Since: time.Now().Add(-since)})
	if err != nil {
		return eval.Report{}, err
	}
	slices.SortFunc(incs, func(x, y socpilot.Incident) int { return x.Number - y.Number })
	var cases []eval.Case
	skipped := []eval.Skipped{}
	for _, inc := range incs {
		exp, ok := eval.FromClassification(inc.Classification)
		if !ok {
			reason := "closed without a classification"
			if inc.Classification != "" {
				reason = "classification " + inc.Classification
			}
			skipped = append(skipped, eval.Skipped{Number: inc.Number, Title: inc.Title, Reason: reason})
			continue
		}
		d, err := ws.DetailsOf(ctx, inc)
		if err != nil {
			return eval.Report{}, err
		}
		cases = append(cases, eval.Case{Number: inc.Number, Title: inc.Title, Expected: exp, Details: eval.WithoutClassification(d)})
	}
	rep, err := evalRun(ctx, o, cases)
	if err != nil {
		return eval.Report{}, err
	}
	rep.Mode, rep.Source, rep.Skipped = "closed", ws.Name(), skipped
	rep.Notes = append(rep.Notes,
		"closed incidents carry no labels for compromised entities, actions or tactics: only verdicts are scored, and harm only as blocks of internal addresses",
		"the analyst saw each incident as Active, without its classification, reason or classification comment")
	if len(incs) == 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("no closed incident was created in the last %s", o.since))
	}
	return rep, nil
}

// evalRun analyses the cases with the pipeline analyze uses: the offline
// analyst, and the configured model on top unless --offline.
func evalRun(ctx context.Context, o *evalOptions, cases []eval.Case) (eval.Report, error) {
	an, err := o.Analyzer(ctx, o.offline)
	if err != nil {
		return eval.Report{}, err
	}
	analyst := socpilot.SourceOffline
	if an.Model != nil && !o.offline {
		analyst = an.Model.Name()
		if len(cases) > 0 {
			o.IO.notice("analysing %d incidents with %s (--offline to use the offline analyst only)", len(cases), analyst)
		}
	}
	rep, err := eval.Run(ctx, cases, func(ctx context.Context, d socpilot.IncidentDetails) (socpilot.Analysis, error) {
		return an.Analyze(ctx, d, o.offline)
	})
	if err != nil {
		return eval.Report{}, err
	}
	rep.Analyst = analyst
	return rep, nil
}
