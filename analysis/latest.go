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
	if err != nil {
		an.log().Warn("latest analysis not kept", "incident", a.Incident.Number, "err", err)
	}
}

// Latest is the analysis Remember last kept for the incident with this ARM
// id; false when there is none (or no cache).
func (an *Analyzer) Latest(ctx context.Context, incidentID string) (socpilot.Analysis, bool) {
	if an.Cache == nil || incidentID == "" {
		return socpilot.Analysis{}, false
	}
	b, err := an.Cache.Analysis(ctx, latestKey(incidentID))
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
