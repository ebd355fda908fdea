package automation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/socpilot/socpilot"
)

// pollWorker lists what changed in every workspace since its watermark and
// queues it. It runs as a River periodic job, so among replicas only the
// leader polls, and one round at a time.
type pollWorker struct {
	river.WorkerDefaults[PollArgs]
	s *Service
}

func (w *pollWorker) Work(ctx context.Context, job *river.Job[PollArgs]) error {
	var errs []error
	for _, t := range w.s.opts.Workspaces {
		if _, err := w.s.PollWorkspace(ctx, &t); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// seenKey names one incident state in a watermark's seen list.
func seenKey(inc socpilot.Incident) string {
	return strings.ToLower(inc.Name) + "@" + changeOf(inc)
}

// PollWorkspace queues every incident of t modified since the watermark,
// then moves the watermark. Incidents are queued before the watermark
// moves: a crash in between re-lists them, and the queue's uniqueness
// drops the repeats. It returns how many incident states it queued.
func (s *Service) PollWorkspace(ctx context.Context, t *Workspace) (int, error) {
	key := WorkspaceKey(t.Workspace)
	log := s.log.With("workspace", t.Workspace.Name)
	if s.opts.Watermarks == nil {
		return 0, errors.New("poll: no watermark store")
	}
	wm, seen, err := s.opts.Watermarks.Watermark(ctx, key)
	if err != nil {
		return 0, err
	}
	if wm.IsZero() {
		wm = s.opts.Now().Add(-s.opts.PollSince)
	}
	skip := map[string]bool{}
	for _, k := range seen {
		skip[k] = true
	}
	incs, err := t.Client.ListIncidents(ctx, socpilot.IncidentFilter{ModifiedSince: wm, OrderBy: "properties/lastModifiedTimeUtc asc"})
	if err != nil {
		s.m.retries.WithLabelValues("sentinel", socpilot.ErrorCode(err)).Inc()
		log.Warn("poll failed", "err_code", socpilot.ErrorCode(err), "err", oneLine(err))
		return 0, fmt.Errorf("poll workspace %s: %w", t.Workspace.Name, err)
	}
	next, nextSeen := wm, []string(nil)
	if len(incs) == 0 {
		nextSeen = seen
	}
	queued := 0
	for _, inc := range incs {
		k := seenKey(inc)
		lm := inc.LastModifiedTime
		switch {
		case lm.After(next):
			next, nextSeen = lm, []string{k}
		case lm.Equal(next):
			nextSeen = append(nextSeen, k)
		}
		if skip[k] {
			continue
		}
		if why := t.Policy.Skip(inc); why != "" {
			continue // not even queued: the policy reads only listed fields
		}
		res, err := s.insert(ctx, t, inc, "poll")
		if err != nil {
			return queued, err
		}
		if !res.Duplicate {
			queued++
		}
	}
	if !next.Equal(wm) || len(incs) > 0 {
		if err := s.opts.Watermarks.SetWatermark(ctx, key, next, nextSeen); err != nil {
			return queued, err
		}
	}
	level := slog.LevelDebug
	if queued > 0 {
		level = slog.LevelInfo
	}
	log.Log(ctx, level, "polled", "listed", len(incs), "queued", queued, "watermark", next.UTC().Format(time.RFC3339Nano))
	return queued, nil
}
