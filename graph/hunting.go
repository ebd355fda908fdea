package graph

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/socpilot/socpilot"
)

// HuntingResult is the answer of runHuntingQuery (huntingQueryResults).
type HuntingResult struct {
	Schema  []HuntingColumn  `json:"schema"`
	Results []map[string]any `json:"results"` // one map per row; integers as int64, other numbers float64
}

// HuntingColumn is a column of a hunting result.
type HuntingColumn struct {
	Name string `json:"name"` // the service also spells it "Name"; decoding ignores case
	Type string `json:"type"` // DateTime, String, Int64, ...
}

// RunHuntingQuery runs an advanced hunting query (KQL over the Defender XDR
// tables, which use Timestamp rather than TimeGenerated). timespan is
// ISO 8601 ("P7D", "2024-02-01T08:00:00Z/P1D", ...); "" leaves the
// service's default of 30 days. A query the service rejects comes back as
// an EInvalid error carrying the service's message. Needs ThreatHunting.Read.All.
func (c *Client) RunHuntingQuery(ctx context.Context, query, timespan string) (HuntingResult, error) {
	if strings.TrimSpace(query) == "" {
		return HuntingResult{}, socpilot.Errorf(socpilot.EInvalid, "the hunting query is empty")
	}
	body := struct {
		Query    string `json:"Query"`
		Timespan string `json:"Timespan,omitempty"`
	}{query, timespan}
	var out HuntingResult
	if err := c.do(ctx, http.MethodPost, c.url("/security/runHuntingQuery", nil), body, &out,
		op{what: "run the hunting query", permission: PermHunting}); err != nil {
		return HuntingResult{}, err
	}
	if out.Schema == nil {
		out.Schema = []HuntingColumn{}
	}
	if out.Results == nil {
		out.Results = []map[string]any{}
	}
	for i, row := range out.Results {
		out.Results[i] = huntingValue(row).(map[string]any)
	}
	return out, nil
}

// huntingValue turns json.Number into int64 (exact for long columns) or
// float64, at any depth (dynamic columns hold objects and arrays).
func huntingValue(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = huntingValue(e)
		}
	case []any:
		for i, e := range x {
			x[i] = huntingValue(e)
		}
	}
	return v
}
