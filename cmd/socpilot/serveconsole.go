package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/analysis"
	"github.com/socpilot/socpilot/automation"
	"github.com/socpilot/socpilot/console"
	"github.com/socpilot/socpilot/sentinel"
	"github.com/socpilot/socpilot/writeback"
)

// mountConsoles serves the web console of each served workspace behind
// the gate: at / for one workspace, at /w/NAME/ for several (/ then opens
// the first, and each page's header links the others). It returns how many
// consoles it mounted.
func mountConsoles(mux *http.ServeMux, svc *automation.Service, an *analysis.Analyzer, st socpilot.Store, targets []served, gate consoleGate, mode string, log *slog.Logger) int {
	journal, _ := st.(writeback.Journal)
	var links []console.WorkspaceLink
	var opts []console.Options
	bases := workspaceBases(targets)
	for i, t := range targets {
		b, ok := t.client.(incidentBackend)
		if !ok {
			continue
		}
		base := bases[i]
		co := consoleOptions(svc, an, st, b, t.ws)
		co.Base, co.Mode, co.LoopbackOnly, co.Access, co.User, co.Log = base, mode, gate.auth == nil, gate.access(), gate.user(), log
		write := writeOptions(t.policy.Write)
		co.WriteBack = func(ctx context.Context, d socpilot.IncidentDetails, a socpilot.Analysis) (console.WriteResult, error) {
			r, err := writeBack(ctx, b, journal, d, a, write)
			out := console.WriteResult{Cut: r.Cut}
			for _, x := range r.Actions {
				out.Items = append(out.Items, console.WriteItem{Kind: x.Kind, Title: x.Title, Result: string(x.Result), Note: x.Note})
			}
			return out, err
		}
		links = append(links, console.WorkspaceLink{Name: t.ws.Name, Base: base})
		opts = append(opts, co)
	}
	for _, co := range opts {
		if len(opts) > 1 {
			co.Workspaces = links
		}
		h := console.New(co)
		if co.Base != "/" {
			h = http.StripPrefix(strings.TrimSuffix(co.Base, "/"), h)
		}
		mux.Handle(co.Base, gate.wrap(h))
	}
	if len(opts) > 1 {
		first := opts[0].Base
		mux.Handle("/{$}", gate.wrap(http.RedirectHandler(first, http.StatusFound)))
	}
	return len(opts)
}

// workspaceBases are the paths each served workspace's console (and MCP
// server) lives under: / for one workspace, /w/NAME/ for several.
func workspaceBases(targets []served) []string {
	out := make([]string, len(targets))
	if len(targets) == 1 {
		out[0] = "/"
		return out
	}
	used := map[string]bool{}
	for i, t := range targets {
		name := t.ws.Name
		if used[name] { // the same name in two resource groups
			name = fmt.Sprintf("%s-%d", name, i+1)
		}
		used[name] = true
		out[i] = "/w/" + url.PathEscape(name) + "/"
	}
	return out
}

// consoleOptions wires the web console to the workspace b, the analysis
// pipeline, the store (conversations, ratings, latest analyses) and the
// service's jobs.
func consoleOptions(svc *automation.Service, an *analysis.Analyzer, st socpilot.Store, b incidentBackend, ws sentinel.Workspace) console.Options {
	chats := an.NewChats(st, b.Details, 0)
	return console.Options{
		Workspace: ws.Name, List: b.ListIncidents, Details: b.Details, Analyze: an.Analyze,
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
		Automation: jobStatuses(svc.Jobs(), automation.WorkspaceKey(ws)),
	}
}

// jobStatuses reads the latest job per incident of the workspace with
// this key from the queue, at most once a second: the queue page asks on
// every view.
func jobStatuses(jobs *automation.Jobs, workspace string) func(ctx context.Context) (map[int]console.JobStatus, error) {
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
			if _, ok := m[j.Incident]; ok || j.Workspace != workspace {
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
