package automation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/sentinel"
	"github.com/socpilot/socpilot/writeback"
)

// Client is what the service needs of a workspace: a Sentinel client,
// which also writes comments and tasks (socpilot.Writer), or a Graph
// client, whose comments are append-only (writeback.Appender). Reads are
// re-done in the job, never taken from the trigger.
type Client interface {
	Incident(ctx context.Context, name string) (socpilot.Incident, error)
	DetailsOf(ctx context.Context, inc socpilot.Incident) (socpilot.IncidentDetails, error)
	ListIncidents(ctx context.Context, f socpilot.IncidentFilter) ([]socpilot.Incident, error)
}

// Workspace is one workspace the service serves.
type Workspace struct {
	Workspace sentinel.Workspace
	Client    Client
	Policy    Policy
}

// Analyzer analyses one incident (analysis.Analyzer). With a model it
// must return model failures as errors (ModelErrors) so jobs retry them.
type Analyzer interface {
	Analyze(ctx context.Context, d socpilot.IncidentDetails, offlineOnly bool) (socpilot.Analysis, error)
}

// Watermarks keep the poller's position per workspace (the stores).
type Watermarks interface {
	Watermark(ctx context.Context, workspaceKey string) (time.Time, []string, error)
	SetWatermark(ctx context.Context, workspaceKey string, at time.Time, seen []string) error
}

// Options configure a Service.
type Options struct {
	Backend    Backend
	Workspaces []Workspace
	Analyzer   Analyzer
	// Model is true when Analyzer has a model: the budget and the cost cap
	// apply, and model failures are retried.
	Model bool
	// Journal records what was written (the store); nil: none.
	Journal    writeback.Journal
	Watermarks Watermarks
	// Remember keeps each analysis a job wrote as the incident's latest
	// (the console's queue shows its verdict); nil: not kept.
	Remember func(ctx context.Context, a socpilot.Analysis)
	// Poll is the poller's interval; 0: no poller (webhook only).
	Poll time.Duration
	// PollSince is how far back the first poll of a workspace looks; 0: 24 hours.
	PollSince time.Duration
	// Concurrency is how many jobs run at once in this process; 0: 4.
	Concurrency int
	// MaxAttempts before a job is discarded; 0: 8.
	MaxAttempts int
	// JobTimeout bounds one attempt; 0: 10 minutes.
	JobTimeout time.Duration
	// RescueAfter is when a running job of a replica that vanished is given
	// to another; 0: JobTimeout and half of it again (at least 5s more).
	RescueAfter time.Duration
	// Budget bounds model tokens per minute; nil: unlimited.
	Budget *Budget
	// CostCap is the per-incident model cost cap in USD; over it (by the
	// budget's estimate) the offline analysis is written, marked. 0: none.
	CostCap float64
	// CostOf estimates the cost of n tokens; required with CostCap.
	CostOf func(tokens int) float64
	// OwnsStore is true when this process is the store's only user (the
	// embedded SQLite store under the state directory's lock): jobs left
	// running by a killed process are retried at once on start.
	OwnsStore bool
	// WebhookToken authenticates webhook calls; "" accepts any call (serve
	// allows that only on a loopback listener).
	WebhookToken string
	Metrics      *Metrics
	Log          *slog.Logger
	Now          func() time.Time
}

// Service runs the enrichment jobs.
type Service struct {
	opts    Options
	q       Queue
	ex      riverdriver.Executor
	targets map[string]*Workspace
	log     *slog.Logger
	m       *Metrics

	hints sync.Map // job id → time.Duration the failed service asked to wait
}

// Job kinds.
const (
	KindEnrich = "socpilot_enrich"
	KindPoll   = "socpilot_poll"
)

// EnrichArgs is one incident state to enrich. The job is unique by
// workspace, incident and change, so a re-trigger of an unchanged incident
// finds the job already there instead of queueing a second.
type EnrichArgs struct {
	Workspace string `json:"workspace" river:"unique"` // WorkspaceKey
	Incident  string `json:"incident" river:"unique"`  // resource name, lower case
	Change    string `json:"change" river:"unique"`    // etag, else lastModifiedTime
	Number    int    `json:"number"`
	Source    string `json:"source"` // webhook, poll
}

func (EnrichArgs) Kind() string { return KindEnrich }

// PollArgs is one round of the poller over every workspace.
type PollArgs struct{}

func (PollArgs) Kind() string { return KindPoll }

func (o *Options) defaults() {
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	if o.JobTimeout <= 0 {
		o.JobTimeout = 10 * time.Minute
	}
	if o.RescueAfter <= o.JobTimeout {
		o.RescueAfter = o.JobTimeout + max(o.JobTimeout/2, 5*time.Second)
	}
	if o.PollSince <= 0 {
		o.PollSince = 24 * time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Metrics == nil {
		o.Metrics = NewMetrics()
	}
}

// New builds the service on its job queue, migrating River's tables.
func New(ctx context.Context, opts Options) (*Service, error) {
	opts.defaults()
	if opts.Analyzer == nil {
		return nil, errors.New("automation: no analyzer")
	}
	s := &Service{opts: opts, targets: map[string]*Workspace{}, log: opts.Log, m: opts.Metrics}
	for i := range opts.Workspaces {
		w := &opts.Workspaces[i]
		s.targets[WorkspaceKey(w.Workspace)] = w
	}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &enrichWorker{s: s}); err != nil {
		return nil, err
	}
	if err := river.AddWorkerSafely(workers, &pollWorker{s: s}); err != nil {
		return nil, err
	}
	cfg := &river.Config{
		Queues:                      map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: opts.Concurrency}},
		Workers:                     workers,
		MaxAttempts:                 opts.MaxAttempts,
		JobTimeout:                  opts.JobTimeout,
		RescueStuckJobsAfter:        opts.RescueAfter,
		CompletedJobRetentionPeriod: 14 * 24 * time.Hour,
		DiscardedJobRetentionPeriod: 30 * 24 * time.Hour,
		CancelledJobRetentionPeriod: 30 * 24 * time.Hour,
		Logger:                      riverLogger(opts.Log),
		ErrorHandler:                errorHandler{s},
		FetchPollInterval:           200 * time.Millisecond,
		FetchCooldown:               20 * time.Millisecond,
	}
	if opts.Poll > 0 {
		cfg.PeriodicJobs = []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(opts.Poll),
			func() (river.JobArgs, *river.InsertOpts) {
				return PollArgs{}, &river.InsertOpts{MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByState: pendingStates}}
			}, &river.PeriodicJobOpts{RunOnStart: true, ID: "socpilot_poll"})}
	}
	q, ex, err := riverClient(ctx, opts.Backend, cfg)
	if err != nil {
		return nil, err
	}
	s.q, s.ex = q, ex
	return s, nil
}

// pendingStates are the states in which a second poll round would only
// repeat the first: one round at a time.
var pendingStates = []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending,
	rivertype.JobStateRunning, rivertype.JobStateScheduled, rivertype.JobStateRetryable}

// riverLogger keeps River's own chatter at warnings and above.
func riverLogger(l *slog.Logger) *slog.Logger {
	return slog.New(levelFilter{l.Handler(), slog.LevelWarn})
}

type levelFilter struct {
	slog.Handler
	min slog.Level
}

func (f levelFilter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= f.min && f.Handler.Enabled(ctx, l)
}

// Start starts working jobs; a process that owns its store first retries
// what a killed predecessor left running.
func (s *Service) Start(ctx context.Context) error {
	if s.opts.OwnsStore {
		n, err := rescueOrphans(ctx, s.ex, s.opts.Now())
		if err != nil {
			return fmt.Errorf("retry jobs left running: %w", err)
		}
		if n > 0 {
			s.log.Info("jobs left running by a stopped process are retried", "jobs", n)
		}
	}
	if err := s.q.Start(ctx); err != nil {
		return fmt.Errorf("start the job queue: %w", err)
	}
	return nil
}

// Stop waits for running jobs to finish until ctx ends, then cancels
// them (their write-backs are idempotent, so a cancelled job retried later
// writes nothing twice).
func (s *Service) Stop(ctx context.Context) error {
	err := s.q.Stop(ctx)
	if err != nil && ctx.Err() != nil {
		hard, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return s.q.StopAndCancel(hard)
	}
	return err
}

// Metrics are the service's metrics.
func (s *Service) Metrics() *Metrics { return s.m }

// Served reports whether the service serves ws.
func (s *Service) Served(ws sentinel.Workspace) bool {
	_, ok := s.targets[WorkspaceKey(ws)]
	return ok
}

// Enqueued is the answer to an enqueue: the job's id, and whether that
// incident state already had one.
type Enqueued struct {
	Job       int64 `json:"job"`
	Duplicate bool  `json:"duplicate"`
}

// ErrNotServed is returned for an incident of a workspace not in the list.
var ErrNotServed = socpilot.Errorf(socpilot.EForbidden, "the incident belongs to a workspace this service does not serve")

// Enqueue reads the incident from the API and queues its current state.
func (s *Service) Enqueue(ctx context.Context, ref IncidentRef, source string) (Enqueued, error) {
	t, ok := s.targets[WorkspaceKey(ref.Workspace)]
	if !ok {
		return Enqueued{}, ErrNotServed
	}
	inc, err := t.Client.Incident(ctx, ref.Incident)
	if err != nil {
		return Enqueued{}, err
	}
	return s.insert(ctx, t, inc, source)
}

func changeOf(inc socpilot.Incident) string {
	if inc.ETag != "" {
		return inc.ETag
	}
	return inc.LastModifiedTime.UTC().Format(time.RFC3339Nano)
}

func (s *Service) insert(ctx context.Context, t *Workspace, inc socpilot.Incident, source string) (Enqueued, error) {
	args := EnrichArgs{Workspace: WorkspaceKey(t.Workspace), Incident: strings.ToLower(inc.Name), Change: changeOf(inc),
		Number: inc.Number, Source: source}
	res, err := s.q.Insert(ctx, args, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}})
	if err != nil {
		return Enqueued{}, fmt.Errorf("queue incident %d: %w", inc.Number, err)
	}
	return Enqueued{Job: res.Job.ID, Duplicate: res.UniqueSkippedAsDuplicate}, nil
}

// workspaceLabel is how logs and metrics name a workspace: its name, which
// the operator configured (never incident text).
func workspaceLabel(key string, t *Workspace) string {
	if t == nil {
		return key
	}
	return t.Workspace.Name
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
