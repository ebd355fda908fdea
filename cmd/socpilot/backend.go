package main

import (
	"context"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/config"
	"github.com/socpilot/socpilot/writeback"
)

// incidentBackend is where commands read incidents: a Sentinel workspace
// (*sentinel.Client, SecurityInsights) or the Defender portal's unified
// incidents through Microsoft Graph (*graph.Client). What only one of them
// has (tasks, watchlists, role checks) is asked for by type.
type incidentBackend interface {
	socpilot.IncidentSource
	DetailsOf(ctx context.Context, inc socpilot.Incident) (socpilot.IncidentDetails, error)
	Incident(ctx context.Context, name string) (socpilot.Incident, error)
	Comments(ctx context.Context, inc socpilot.Incident) ([]socpilot.Comment, error)
	// Name is how listings and reports name the source: the workspace's
	// name, or the Graph tenant.
	Name() string
}

// writeBack writes the analysis the way the backend allows: the comment
// and tasks, updated in place, through SecurityInsights; one comment per
// analysis version, checklist included, where comments are append-only
// (Graph).
func writeBack(ctx context.Context, b incidentBackend, j writeback.Journal, d socpilot.IncidentDetails, a socpilot.Analysis, o writeback.Options) (writeback.Result, error) {
	if w, ok := b.(socpilot.Writer); ok {
		return writeback.WriteWith(ctx, w, j, d, a, o)
	}
	if ap, ok := b.(writeback.Appender); ok {
		return writeback.WriteAppendOnly(ctx, ap, j, d, a)
	}
	return writeback.Result{}, socpilot.Errorf(socpilot.EInvalid, "%s does not take comments", b.Name())
}

// relatedSource gives analysis.Related a backend's entities: Sentinel
// reads them alone, a backend without that call reads them with the rest.
type relatedSource struct{ incidentBackend }

func (r relatedSource) Entities(ctx context.Context, inc socpilot.Incident) ([]socpilot.Entity, error) {
	if e, ok := r.incidentBackend.(interface {
		Entities(context.Context, socpilot.Incident) ([]socpilot.Entity, error)
	}); ok {
		return e.Entities(ctx, inc)
	}
	d, err := r.DetailsOf(ctx, inc)
	return d.Entities, err
}

// backend opens where incidents are read: the configured workspace (or
// the demo) through SecurityInsights, or Microsoft Graph when the backend
// setting says graph.
func (f *factory) backend(ctx context.Context) (incidentBackend, error) {
	cfg, err := f.config(ctx)
	if err != nil {
		return nil, err
	}
	if cfg.Backend == config.BackendGraph {
		return f.graph(ctx, cfg)
	}
	return f.workspace(ctx)
}

// writeTargets reads the write setting (policy.write, SOCPILOT_POLICY_WRITE:
// comment, tasks or both; default both), which chooses what write-back puts
// into a Sentinel incident, by hand or from serve.
func (f *factory) writeTargets(ctx context.Context) (writeback.Options, error) {
	cfg, err := f.config(ctx)
	if err != nil {
		return writeback.Options{}, err
	}
	return writeOptions(cfg.Serve.Policy.Write), nil
}

// writeOptions turns the write setting into write-back options; empty
// means both.
func writeOptions(write []string) writeback.Options {
	if len(write) == 0 {
		return writeback.Options{}
	}
	o := writeback.Options{NoComment: true, NoTasks: true}
	for _, w := range write {
		switch w {
		case "comment":
			o.NoComment = false
		case "tasks":
			o.NoTasks = false
		}
	}
	return o
}
