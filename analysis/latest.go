package analysis

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/socpilot/socpilot"
)

// latestKey is where the latest analysis of an incident is kept in the
// cache: by ARM id (compared case-insensitively), so two workspaces'
// incidents with the same number never share it.
func latestKey(incidentID string) string { return "latest:" + strings.ToLower(incidentID) }

// briefKey keeps the same analysis cut to what a list of incidents shows
// (verdict, score, who and when): the queue reads 50 of them per page,
// and decoding 50 whole analyses would take most of its time.
func briefKey(incidentID string) string { return "brief:" + strings.ToLower(incidentID) }

// brief is a cut to the incident, its triage without reasons, and who
// made it when.
func brief(a socpilot.Analysis) socpilot.Analysis {
	return socpilot.Analysis{Incident: a.Incident, Source: a.Source, Model: a.Model, Fallback: a.Fallback,
		Triage: socpilot.Triage{Verdict: a.Triage.Verdict, Score: a.Triage.Score}, GeneratedAt: a.GeneratedAt}
}

// Remember keeps a as the latest analysis of its incident, so the console
// shows its verdict after a restart and on every replica. Without a cache
// it does nothing. A failure is logged, not returned: the analysis itself
// was not lost, only its display elsewhere.
func (an *Analyzer) Remember(ctx context.Context, a socpilot.Analysis) {
	if an.Cache == nil || a.Incident.ID == "" {
		return
	}
	b, err := json.Marshal(a)
	if err == nil {
		err = an.Cache.PutAnalysis(ctx, latestKey(a.Incident.ID), a.Incident.Number, b, an.now())
	}
	if err == nil {
		b, _ = json.Marshal(brief(a))
		err = an.Cache.PutAnalysis(ctx, briefKey(a.Incident.ID), a.Incident.Number, b, an.now())
	}
	if err != nil {
		an.log().Warn("latest analysis not kept", "incident", a.Incident.Number, "err", err)
	}
}

// Latest is the analysis Remember last kept for the incident with this ARM
// id; false when there is none (or no cache). Brief gives only the
// incident, the verdict and score, and who made it when.
func (an *Analyzer) Latest(ctx context.Context, incidentID string, brief bool) (socpilot.Analysis, bool) {
	if an.Cache == nil || incidentID == "" {
		return socpilot.Analysis{}, false
	}
	key := latestKey(incidentID)
	if brief {
		key = briefKey(incidentID)
	}
	b, err := an.Cache.Analysis(ctx, key)
	if err != nil {
		if socpilot.ErrorCode(err) != socpilot.ENotFound {
			an.log().Warn("latest analysis not read", "err", err)
		}
		return socpilot.Analysis{}, false
	}
	var a socpilot.Analysis
	if err := json.Unmarshal(b, &a); err != nil {
		an.log().Warn("latest analysis unreadable", "err", err)
		return socpilot.Analysis{}, false
	}
	return a, true
}
