package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/spf13/cobra"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/automation"
	"github.com/socpilot/socpilot/postgres"
	"github.com/socpilot/socpilot/sqlite"
)

// jobsOptions are what `socpilot jobs` and `socpilot jobs retry` run with.
type jobsOptions struct {
	IO    streams
	Store storeFunc

	status string
	top    int
	output string
	retry  int64 // set by `jobs retry ID`
}

func newJobsCmd(f *factory, runF func(context.Context, *jobsOptions) error) *cobra.Command {
	o := &jobsOptions{IO: f.io, Store: f.store}
	if runF == nil {
		runF = runJobs
	}
	c := &cobra.Command{
		Use:   "jobs",
		Short: "List the automation's jobs (what serve analysed, is retrying, or gave up on)",
		Example: `  socpilot jobs
  socpilot jobs --status discarded
  socpilot jobs retry 42`,
		Args: exactArgs(0, "no arguments (did you mean `socpilot jobs retry ID`?)"),
		RunE: func(cmd *cobra.Command, _ []string) error { return runF(cmd.Context(), o) },
	}
	c.Flags().StringVar(&o.status, "status", "", "only jobs in this state: "+strings.Join(automation.JobStates, ", "))
	c.Flags().IntVar(&o.top, "top", 50, "at most this many jobs, newest first")
	c.Flags().StringVarP(&o.output, "output", "o", "table", "output format: table or json")
	retry := &cobra.Command{
		Use:   "retry ID",
		Short: "Run a job again now (a discarded or cancelled one, after fixing its cause)",
		Args:  exactArgs(1, "the job's id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id <= 0 {
				return usagef("job id must be a positive whole number, got %q", args[0])
			}
			o.retry = id
			return runF(cmd.Context(), o)
		},
	}
	c.AddCommand(retry)
	return c
}

func runJobs(ctx context.Context, o *jobsOptions) error {
	if o.output != "table" && o.output != "json" {
		return usagef("--output %q: use table or json", o.output)
	}
	if o.status != "" && !containsString(automation.JobStates, o.status) {
		return usagef("--status %q is not one of %s", o.status, strings.Join(automation.JobStates, ", "))
	}
	if o.top < 1 || o.top > 10000 {
		return usagef("--top %d: give 1 to 10000", o.top)
	}
	st, err := o.Store(ctx)
	if err != nil {
		return err
	}
	b, err := queueBackend(st)
	if err != nil {
		return err
	}
	jobs, err := automation.OpenJobs(ctx, b)
	if err != nil {
		return err
	}
	if o.retry > 0 {
		j, err := jobs.Retry(ctx, o.retry)
		if err != nil {
			return err
		}
		fmt.Fprintf(o.IO.out, "job %d (incident %d) is %s: a running serve picks it up\n", j.ID, j.Incident, j.State)
		return nil
	}
	list, err := jobs.List(ctx, o.status, o.top)
	if err != nil {
		return err
	}
	if o.output == "json" {
		enc := json.NewEncoder(o.IO.out)
		enc.SetIndent("", "  ")
		return enc.Encode(list)
	}
	if len(list) == 0 {
		fmt.Fprintln(o.IO.out, "no jobs")
		return nil
	}
	tw := tabwriter.NewWriter(o.IO.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB\tSTATE\tINCIDENT\tSOURCE\tATTEMPT\tCREATED (UTC)\tLAST ERROR")
	for _, j := range list {
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%d/%d\t%s\t%s\n", j.ID, j.State, j.Incident, j.Source, j.Attempt, j.MaxAttempts,
			j.CreatedAt.UTC().Format(time.DateTime[:16]), clipText(strings.Join(strings.Fields(j.LastError), " "), 80))
	}
	return tw.Flush()
}

func clipText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func containsString(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// queueBackend is the job queue's place in the store, for reading it.
func queueBackend(st socpilot.Store) (automation.Backend, error) {
	switch s := st.(type) {
	case *postgres.Store:
		return automation.Backend{Postgres: func(ctx context.Context, rc *river.Config) (automation.Queue, riverdriver.Executor, error) {
			c, ex, err := s.RiverClient(ctx, rc)
			if err != nil {
				return nil, nil, err
			}
			return c, ex, nil
		}}, nil
	case *sqlite.Store:
		return automation.Backend{SQLite: s.DB()}, nil
	}
	return automation.Backend{}, fmt.Errorf("the store %T holds no jobs", st)
}
