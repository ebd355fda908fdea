package automation

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"

	"github.com/socpilot/socpilot"
)

// JobInfo is one enrichment job as operators see it.
type JobInfo struct {
	ID          int64     `json:"id"`
	State       string    `json:"state"`
	Workspace   string    `json:"workspace"`
	Incident    int       `json:"incident"`
	Change      string    `json:"change"`
	Source      string    `json:"source"`
	Attempt     int       `json:"attempt"`
	MaxAttempts int       `json:"maxAttempts"`
	CreatedAt   time.Time `json:"createdAt"`
	ScheduledAt time.Time `json:"scheduledAt"`
	FinalizedAt time.Time `json:"finalizedAt,omitzero"`
	// LastError is the reason of the last failure (why it is retried, or
	// why it was discarded).
	LastError string `json:"lastError,omitempty"`
}

// JobStates are the states an operator can list by.
var JobStates = []string{"available", "running", "retryable", "scheduled", "completed", "discarded", "cancelled"}

// Jobs is the operators' view of the queue, without working it.
type Jobs struct{ q Queue }

// OpenJobs opens the queue of b for listing and retrying.
func OpenJobs(ctx context.Context, b Backend) (*Jobs, error) {
	q, _, err := riverClient(ctx, b, &river.Config{Logger: riverLogger(discardLogger())})
	if err != nil {
		return nil, err
	}
	return &Jobs{q: q}, nil
}

// Jobs is the operators' view of the service's own queue.
func (s *Service) Jobs() *Jobs { return &Jobs{q: s.q} }

// List lists enrichment jobs, newest first; state "" lists every state.
func (j *Jobs) List(ctx context.Context, state string, limit int) ([]JobInfo, error) {
	p := river.NewJobListParams().Kinds(KindEnrich).OrderBy(river.JobListOrderByID, river.SortOrderDesc).First(max(1, min(limit, 10000)))
	if state != "" {
		ok := false
		for _, s := range JobStates {
			ok = ok || s == state
		}
		if !ok {
			return nil, socpilot.Errorf(socpilot.EInvalid, "unknown job state %q: use one of %v", state, JobStates)
		}
		p = p.States(rivertype.JobState(state))
	}
	res, err := j.q.JobList(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	out := make([]JobInfo, 0, len(res.Jobs))
	for _, r := range res.Jobs {
		out = append(out, jobInfo(r))
	}
	return out, nil
}

// Retry makes a discarded, cancelled, retryable or completed job run
// again now.
func (j *Jobs) Retry(ctx context.Context, id int64) (JobInfo, error) {
	r, err := j.q.JobRetry(ctx, id)
	if err != nil {
		if err == river.ErrNotFound {
			return JobInfo{}, socpilot.Errorf(socpilot.ENotFound, "no job %d", id)
		}
		return JobInfo{}, fmt.Errorf("retry job %d: %w", id, err)
	}
	return jobInfo(r), nil
}

func jobInfo(r *rivertype.JobRow) JobInfo {
	var a EnrichArgs
	_ = json.Unmarshal(r.EncodedArgs, &a)
	ji := JobInfo{ID: r.ID, State: string(r.State), Workspace: a.Workspace, Incident: a.Number, Change: a.Change, Source: a.Source,
		Attempt: r.Attempt, MaxAttempts: r.MaxAttempts, CreatedAt: r.CreatedAt, ScheduledAt: r.ScheduledAt}
	if r.FinalizedAt != nil {
		ji.FinalizedAt = *r.FinalizedAt
	}
	if n := len(r.Errors); n > 0 {
		ji.LastError = r.Errors[n-1].Error
	}
	return ji
}

// updateDepth counts the jobs waiting by state into the queue-depth gauge.
func (s *Service) updateDepth(ctx context.Context) error {
	counts, err := s.ex.JobCountByAllStates(ctx, &riverdriver.JobCountByAllStatesParams{})
	if err != nil {
		return fmt.Errorf("count queued jobs: %w", err)
	}
	for _, st := range []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStateScheduled, rivertype.JobStateRetryable, rivertype.JobStateRunning} {
		s.m.depth.WithLabelValues(string(st)).Set(float64(counts[st]))
	}
	return nil
}
