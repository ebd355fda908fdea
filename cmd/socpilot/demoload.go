package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/socpilot/socpilot/emulator"
)

// newDemoLoadCmd is `socpilot demo load DIR`; runF (nil: runDemoLoad) runs it.
func newDemoLoadCmd(f *factory, runF func(context.Context, *demoOptions) error) *cobra.Command {
	o := &demoOptions{IO: f.io, Demo: f.demo}
	if runF == nil {
		runF = runDemoLoad
	}
	return &cobra.Command{
		Use:   "load DIR",
		Short: "Replace the demo workspace's incidents with the incident files in DIR",
		Long: `Replace the demo workspace's incidents with the *.json files of DIR, one incident per file,
shaped like the built-in dataset's files (emulator/demodata); top-level keys beyond the incident's
(an evaluation's "expected") are ignored. Timestamps are shifted by whole weeks like the built-in
set's. A malformed file is named with the reason and nothing is replaced. Every command on the
demo workspace, and socpilot emulator, then serves these incidents until socpilot demo reset.`,
		Example: "  socpilot demo load eval/devset\n  socpilot demo reset",
		Args:    exactArgs(1, "one directory of incident files"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.dir = args[0]
			return runF(cmd.Context(), o)
		},
	}
}

// runDemoLoad replaces the demo workspace's incidents with the incident
// files of o.dir, or leaves it as it is when one of them is malformed.
func runDemoLoad(ctx context.Context, o *demoOptions) error {
	dir := o.dir
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("load the demo workspace: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("load the demo workspace: %s is not a directory", dir)
	}
	ds, err := emulator.LoadDataset(os.DirFS(dir))
	if err != nil {
		return fmt.Errorf("load %s: %w; the demo workspace is unchanged", dir, err)
	}
	if len(ds.Incidents) == 0 {
		return fmt.Errorf("load %s: no incident files (*.json); the demo workspace is unchanged", dir)
	}
	srv, err := o.Demo(ctx)
	if err != nil {
		return err
	}
	if err := srv.Replace(ds); err != nil {
		return fmt.Errorf("replace the demo workspace's incidents: %w", err)
	}
	var nums []string
	for _, rec := range ds.Incidents {
		if n, ok := rec.Incident.Properties["incidentNumber"]; ok {
			nums = append(nums, fmt.Sprint(n))
		}
	}
	fmt.Fprintf(o.IO.out, "Demo workspace now holds %d incident%s from %s: %s.\n", len(ds.Incidents), pluralS(len(ds.Incidents)), dir, strings.Join(nums, ", "))
	fmt.Fprintln(o.IO.out, "`socpilot demo reset` restores the built-in incidents.")
	return nil
}

func pluralS(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
