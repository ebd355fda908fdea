package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/render"
)

// workspaceFunc opens the Sentinel workspace a command reads (factory.workspace).
type workspaceFunc func(context.Context) (incidentBackend, error)

// incidentsOptions are what `socpilot incidents` runs with. Capitalised
// fields are provided by the factory (or a test); the others are the
// command line.
type incidentsOptions struct {
	IO        streams
	Workspace workspaceFunc

	status, severity []string
	since            string
	top              int
	output           string
}

var (
	knownStatuses   = socpilot.Statuses
	knownSeverities = socpilot.Severities
)

// newIncidentsCmd is `socpilot incidents`; runF (nil: runIncidents) runs it.
func newIncidentsCmd(f *factory, runF func(context.Context, *incidentsOptions) error) *cobra.Command {
	o := &incidentsOptions{IO: f.io, Workspace: f.backend}
	if runF == nil {
		runF = runIncidents
	}
	c := &cobra.Command{
		Use:   "incidents",
		Short: "List incidents, newest first",
		Example: `  socpilot incidents --status New,Active --severity High --since 24h
  socpilot incidents --top 5 -o json`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error { return runF(cmd.Context(), o) },
	}
	c.Flags().StringSliceVar(&o.status, "status", nil, "only these statuses: New, Active, Closed")
	c.Flags().StringSliceVar(&o.severity, "severity", nil, "only these severities: High, Medium, Low, Informational")
	c.Flags().StringVar(&o.since, "since", "", "only incidents created in this past duration (e.g. 24h, 7d)")
	c.Flags().IntVar(&o.top, "top", 50, "at most this many incidents (1-1000)")
	c.Flags().StringVarP(&o.output, "output", "o", "table", "output format: table or json")
	return c
}

// canonical matches v case-insensitively against known values.
func canonical(flag string, values, known []string) ([]string, error) {
	var out []string
	for _, v := range values {
		found := ""
		for _, k := range known {
			if strings.EqualFold(strings.TrimSpace(v), k) {
				found = k
			}
		}
		if found == "" {
			return nil, usagef("--%s %q is not one of %s", flag, v, strings.Join(known, ", "))
		}
		out = append(out, found)
	}
	return out, nil
}

// parseSince reads --since (socpilot.ParseSince) as a usage error.
func parseSince(s string) (time.Duration, error) {
	d, err := socpilot.ParseSince(s)
	if err != nil {
		return 0, usagef("--since %v", err)
	}
	return d, nil
}

// runIncidents lists the incidents that match the filters.
func runIncidents(ctx context.Context, o *incidentsOptions) error {
	f := socpilot.IncidentFilter{Top: o.top}
	var err error
	if f.Status, err = canonical("status", o.status, knownStatuses); err != nil {
		return err
	}
	if f.Severity, err = canonical("severity", o.severity, knownSeverities); err != nil {
		return err
	}
	if o.top < 1 || o.top > socpilot.MaxIncidentsTop {
		return usagef("--top %d is out of range: Sentinel returns 1 to %d incidents per request", o.top, socpilot.MaxIncidentsTop)
	}
	if err := outputFormat(o.output, "table", "json"); err != nil {
		return err
	}
	if o.since != "" {
		d, err := parseSince(o.since)
		if err != nil {
			return err
		}
		f.Since = time.Now().Add(-d)
	}
	ws, err := o.Workspace(ctx)
	if err != nil {
		return err
	}
	incs, err := ws.ListIncidents(ctx, f)
	if err != nil {
		return err
	}
	if incs == nil {
		incs = []socpilot.Incident{}
	}
	if o.output == "json" {
		return render.JSON(o.IO.out, incidentList{Workspace: ws.Name(), Count: len(incs), Incidents: incs})
	}
	if len(incs) == 0 {
		fmt.Fprintln(o.IO.out, "No incidents match.")
		return nil
	}
	return render.IncidentsTable(o.IO.out, incs)
}

// incidentList is the stable JSON of `socpilot incidents -o json`.
type incidentList struct {
	Workspace string              `json:"workspace"`
	Count     int                 `json:"count"`
	Incidents []socpilot.Incident `json:"incidents"`
}

// incidentOptions are what `socpilot incident N` runs with.
type incidentOptions struct {
	IO        streams
	Workspace workspaceFunc

	number string // the argument, checked by runIncident
	output string
}

// newIncidentCmd is `socpilot incident N`; runF (nil: runIncident) runs it.
func newIncidentCmd(f *factory, runF func(context.Context, *incidentOptions) error) *cobra.Command {
	o := &incidentOptions{IO: f.io, Workspace: f.backend}
	if runF == nil {
		runF = runIncident
	}
	c := &cobra.Command{
		Use:     "incident N",
		Short:   "Show an incident with its alerts, entities, comments and tasks",
		Example: "  socpilot incident 101\n  socpilot incident 101 -o json",
		Args:    exactArgs(1, "one incident number"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.number = args[0]
			return runF(cmd.Context(), o)
		},
	}
	c.Flags().StringVarP(&o.output, "output", "o", "markdown", "output format: markdown or json")
	return c
}

// runIncident shows an incident with everything attached to it.
func runIncident(ctx context.Context, o *incidentOptions) error {
	n, ws, err := openIncident(ctx, o.Workspace, o.number, o.output, "markdown", "json")
	if err != nil {
		return err
	}
	d, err := ws.Details(ctx, n)
	if err != nil {
		return err
	}
	if o.output == "json" {
		return render.JSON(o.IO.out, d)
	}
	return o.IO.markdownOut(func(w io.Writer) error { return render.IncidentMarkdown(w, d) })
}

// openIncident checks a command's incident number and -o value before any
// I/O, then opens the workspace.
func openIncident(ctx context.Context, workspace workspaceFunc, arg, output string, formats ...string) (int, incidentBackend, error) {
	n, err := incidentNumber(arg)
	if err != nil {
		return 0, nil, err
	}
	if err := outputFormat(output, formats...); err != nil {
		return 0, nil, err
	}
	ws, err := workspace(ctx)
	if err != nil {
		return 0, nil, err
	}
	return n, ws, nil
}
