package main

import (
	"context"
	"sync"
	"time"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/analysis"
	"github.com/socpilot/socpilot/automation"
	"github.com/socpilot/socpilot/console"
)

// consoleOptions wires the web console to the workspace b, the analysis
// pipeline, the store (conversations, ratings, latest analyses) and the
// service's jobs.
func consoleOptions(svc *automation.Service, an *analysis.Analyzer, st socpilot.Store, b incidentBackend, workspace string) console.Options {
	chats := an.NewChats(st, b.Details, 0)
	return console.Options{
		Workspace: workspace, List: b.ListIncidents, Details: b.Details, Analyze: an.Analyze,
		Chat: func(ctx context.Context, req console.ChatRequest, onDelta func(string)) (console.ChatReply, error) {
			r, err := chats.Ask(ctx, analysis.ChatTurn{Conversation: req.Conversation, Incident: req.Incident, Add: req.Add, Question: req.Question}, onDelta)
			return console.ChatReply{Conversation: r.Conversation, Incidents: r.Incidents, Text: r.Answer.Text, Offline: r.Answer.Offline,
				Note: r.Answer.Note, Turn: r.Turn, Model: r.Model, Usage: r.Answer.Usage, Elapsed: r.Elapsed}, err
		},
		Conversation: chats.Conversation,
		Rate:         st.RateAnswer,
		Latest: func(ctx context.Context, inc socpilot.Incident, brief bool) (socpilot.Analysis, bool) {
			return an.Latest(ctx, inc.ID, brief)
		},
		Remember:   an.Remember,
		Automation: jobStatuses(svc.Jobs()),
	}
}

// jobStatuses reads the latest job per incident from the queue, at most
// once a second: the queue page asks on every view.
func jobStatuses(jobs *automation.Jobs) func(ctx context.Context) (map[int]console.JobStatus, error) {
	var mu sync.Mutex
	var last map[int]console.JobStatus
	var at time.Time
	return func(ctx context.Context) (map[int]console.JobStatus, error) {
		mu.Lock()
		defer mu.Unlock()
		if last != nil && time.Since(at) < time.Second {
			return last, nil
		}
		list, err := jobs.List(ctx, "", 2000)
		if err != nil {
			return nil, err
		}
		m := make(map[int]console.JobStatus, len(list))
		for _, j := range list { // newest first: the first seen is the latest
			if _, ok := m[j.Incident]; ok {
				continue
			}
			when := j.FinalizedAt
			if when.IsZero() {
				when = j.ScheduledAt
			}
			m[j.Incident] = console.JobStatus{State: j.State, Attempt: j.Attempt, LastError: j.LastError, At: when}
		}
		last, at = m, time.Now()
		return m, nil
	}
}
