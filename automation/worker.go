package automation

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/writeback"
)

type enrichWorker struct {
	river.WorkerDefaults[EnrichArgs]
	s *Service
}

// Outcomes of an enrichment job, the values of the outcome label.
const (
	OutcomeWritten   = "written"   // something created or updated
	OutcomeUnchanged = "unchanged" // the incident already had this report
	OutcomeSkipped   = "skipped"   // the policy skips the incident
	OutcomeFailed    = "failed"    // an attempt failed; retried
	OutcomeDiscarded = "discarded" // out of attempts or not retryable
)

// budgetSnoozeMax bounds how long a job waits in place for the token
// budget; a longer wait snoozes it (which costs no attempt).
const budgetSnoozeMax = 5 * time.Second

func (w *enrichWorker) Work(ctx context.Context, job *river.Job[EnrichArgs]) error {
	s := w.s
	a := job.Args
	t := s.targets[a.Workspace]
	log := s.log.With("job", job.ID, "workspace", workspaceLabel(a.Workspace, t), "incident", a.Number, "attempt", job.Attempt)
	if t == nil {
		s.m.jobs.WithLabelValues(a.Workspace, OutcomeDiscarded).Inc()
		log.Warn("job discarded", "outcome", OutcomeDiscarded, "reason", "workspace no longer served")
		return river.JobCancel(fmt.Errorf("workspace %s is no longer served by this service", a.Workspace))
	}
	ws := t.Workspace.Name
	inc, err := t.Client.Incident(ctx, a.Incident)
	if err != nil {
		return s.failed(ctx, job, log, "sentinel", fmt.Errorf("read incident %d: %w", a.Number, err))
	}
	if why := t.Policy.Skip(inc); why != "" {
		s.m.jobs.WithLabelValues(ws, OutcomeSkipped).Inc()
		log.Info("incident skipped by policy", "outcome", OutcomeSkipped, "reason", why)
		return nil
	}
	d, err := t.Client.DetailsOf(ctx, inc)
	if err != nil {
		return s.failed(ctx, job, log, "sentinel", fmt.Errorf("read incident %d: %w", inc.Number, err))
	}
	an, err := s.analyze(ctx, job, log, ws, d)
	if err != nil {
		var snooze *rivertype.JobSnoozeError
		if errors.As(err, &snooze) {
			return err
		}
		return s.failed(ctx, job, log, "model", err)
	}
	res, err := s.write(ctx, t, d, an)
	if err != nil {
		return s.failed(ctx, job, log, "sentinel", err)
	}
	if s.opts.Remember != nil {
		s.opts.Remember(ctx, an)
	}
	taken, err := s.take(ctx, t, inc)
	if err != nil {
		return s.failed(ctx, job, log, "sentinel", err)
	}
	created, updated := res.Count(writeback.Created), res.Count(writeback.Updated)
	outcome := OutcomeUnchanged
	if created+updated > 0 {
		outcome = OutcomeWritten
	}
	// Latency is to the first report: later updates of it are not what an
	// analyst waits for.
	for _, act := range res.Actions {
		if act.Kind == "comment" && act.Result == writeback.Created && !inc.CreatedTime.IsZero() {
			s.m.latency.WithLabelValues(ws).Observe(s.opts.Now().Sub(inc.CreatedTime).Seconds())
		}
	}
	s.m.jobs.WithLabelValues(ws, outcome).Inc()
	log.Info("incident enriched", "outcome", outcome, "verdict", string(an.Triage.Verdict), "source", an.Source,
		"created", created, "updated", updated, "unchanged", res.Count(writeback.Unchanged), "skipped", res.Count(writeback.Skipped), "taken", taken)
	return nil
}

// write writes the analysis back as the workspace's API allows: comment
// and tasks in place (SecurityInsights), or one appended comment per
// analysis version (Graph, whose portal shows no tasks).
func (s *Service) write(ctx context.Context, t *Workspace, d socpilot.IncidentDetails, an socpilot.Analysis) (writeback.Result, error) {
	switch w := t.Client.(type) {
	case socpilot.Writer:
		return writeback.WriteWith(ctx, w, s.opts.Journal, d, an,
			writeback.Options{NoComment: !t.Policy.WritesComment(), NoTasks: !t.Policy.WritesTasks()})
	case writeback.Appender:
		if !t.Policy.WritesComment() {
			return writeback.Result{}, nil
		}
		return writeback.WriteAppendOnly(ctx, w, s.opts.Journal, d, an)
	}
	return writeback.Result{}, socpilot.Errorf(socpilot.EConfig, "workspace %s cannot be written to", t.Workspace.Name)
}

// taker sets an incident's status and owner (the Sentinel client).
type taker interface {
	Take(ctx context.Context, name, status, owner string) (bool, error)
}

// take applies the policy's status and owner, when it sets any, after the
// report is written: an incident is taken up only once it has its report.
func (s *Service) take(ctx context.Context, t *Workspace, inc socpilot.Incident) (bool, error) {
	if t.Policy.SetStatus == "" && t.Policy.SetOwner == "" {
		return false, nil
	}
	tk, ok := t.Client.(taker)
	if !ok {
		return false, nil
	}
	changed, err := tk.Take(ctx, inc.Name, t.Policy.SetStatus, t.Policy.SetOwner)
	if err != nil {
		return false, fmt.Errorf("set the status or owner of incident %d: %w", inc.Number, err)
	}
	return changed, nil
}

// analyze runs the analysis under the budget and the cost cap. On the last
// attempt a model failure gives the offline analysis, marked, rather than
// nothing at all.
func (s *Service) analyze(ctx context.Context, job *river.Job[EnrichArgs], log interface {
	Warn(string, ...any)
}, ws string, d socpilot.IncidentDetails) (socpilot.Analysis, error) {
	if !s.opts.Model {
		return s.opts.Analyzer.Analyze(ctx, d, true)
	}
	b := s.opts.Budget
	est := defaultEstimate
	if b != nil {
		est = b.Estimate()
	}
	if s.opts.CostCap > 0 && s.opts.CostOf != nil {
		if c := s.opts.CostOf(est); c > s.opts.CostCap {
			a, err := s.opts.Analyzer.Analyze(ctx, d, true)
			a.Fallback = fmt.Sprintf("the model was not used: its estimated cost ($%.4f) is over the per-incident cap ($%.4f), so this is the offline analysis", c, s.opts.CostCap)
			return a, err
		}
	}
	if wait := b.Reserve(est); wait > 0 {
		s.m.budgetWait.Inc()
		if wait > budgetSnoozeMax {
			return socpilot.Analysis{}, river.JobSnooze(wait)
		}
		if err := b.Wait(ctx, est); err != nil {
			return socpilot.Analysis{}, err
		}
	}
	a, err := s.opts.Analyzer.Analyze(ctx, d, false)
	used := a.Usage.PromptTokens + a.Usage.CompletionTokens
	b.Settle(est, used)
	s.m.tokens.WithLabelValues(ws, "prompt").Add(float64(a.Usage.PromptTokens))
	s.m.tokens.WithLabelValues(ws, "completion").Add(float64(a.Usage.CompletionTokens))
	s.m.cost.WithLabelValues(ws).Add(a.Usage.CostUSD)
	if err != nil && job.Attempt >= job.MaxAttempts {
		log.Warn("model failed on the last attempt: writing the offline analysis", "err_code", socpilot.ErrorCode(err))
		off, oerr := s.opts.Analyzer.Analyze(ctx, d, true)
		off.Fallback = "the model failed on every attempt, so this is the offline analysis: " + oneLine(err)
		return off, oerr
	}
	return a, err
}

// failed decides what a failure means for the job: retried later (with
// the wait the service asked for), or discarded now when retrying cannot
// help (not found, no permission, bad request). Either way it is counted
// and logged without incident content.
func (s *Service) failed(ctx context.Context, job *river.Job[EnrichArgs], log interface {
	Warn(string, ...any)
}, service string, err error) error {
	code := socpilot.ErrorCode(err)
	ws := job.Args.Workspace
	if t := s.targets[ws]; t != nil {
		ws = t.Workspace.Name
	}
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		// Shutting down or out of time: try again, counting the attempt.
		code = socpilot.EUnavailable
	}
	switch code {
	case socpilot.ENotFound, socpilot.EForbidden, socpilot.EInvalid, socpilot.EConfig:
		s.m.jobs.WithLabelValues(ws, OutcomeDiscarded).Inc()
		log.Warn("job discarded: retrying cannot help", "outcome", OutcomeDiscarded, "service", service, "err_code", code, "err", oneLine(err))
		return river.JobCancel(err)
	}
	if d := socpilot.RetryAfterOf(err); d > 0 {
		s.hints.Store(job.ID, d)
	}
	s.m.retries.WithLabelValues(service, code).Inc()
	outcome := OutcomeFailed
	if job.Attempt >= job.MaxAttempts {
		outcome = OutcomeDiscarded
	}
	s.m.jobs.WithLabelValues(ws, outcome).Inc()
	log.Warn("job attempt failed", "outcome", outcome, "service", service, "err_code", code, "err", oneLine(err))
	return err
}

// NextRetry is River's exponential backoff, or later when the failed
// service asked for a longer wait (Retry-After).
func (w *enrichWorker) NextRetry(job *river.Job[EnrichArgs]) time.Time {
	v, ok := w.s.hints.LoadAndDelete(job.ID)
	if !ok {
		return time.Time{} // the client's policy
	}
	d := v.(time.Duration)
	backoff := time.Duration(min(job.Attempt, 10)*min(job.Attempt, 10)) * time.Second
	return w.s.opts.Now().Add(max(d, backoff))
}

// Timeout bounds one attempt.
func (w *enrichWorker) Timeout(*river.Job[EnrichArgs]) time.Duration { return w.s.opts.JobTimeout }

// errorHandler turns panics into errors River records, with the job's
// identity and nothing of the incident.
type errorHandler struct{ s *Service }

func (h errorHandler) HandleError(ctx context.Context, job *rivertype.JobRow, err error) *river.ErrorHandlerResult {
	return nil
}

func (h errorHandler) HandlePanic(ctx context.Context, job *rivertype.JobRow, panicVal any, trace string) *river.ErrorHandlerResult {
	h.s.log.Error("job panicked", "job", job.ID, "kind", job.Kind, "panic", fmt.Sprint(panicVal))
	return nil
}

func oneLine(err error) string {
	if err == nil {
		return ""
	}
	b := []rune(err.Error())
	for i, r := range b {
		if r == '\n' || r == '\r' {
			b[i] = ' '
		}
	}
	if len(b) > 300 {
		b = append(b[:300], '…')
	}
	return string(b)
}
