package analysis_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/llm"
	"github.com/socpilot/socpilot/llm/llmtest"
)

// report is the JSON the model is asked for.
type report struct {
	Summary        string   `json:"summary"`
	WhyItMatters   string   `json:"whyItMatters"`
	Verdict        string   `json:"verdict"`
	VerdictReasons []string `json:"verdictReasons"`
	Checklist      []item   `json:"checklist"`
	Queries        []query  `json:"queries"`
}

type item struct {
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Phase       string   `json:"phase"`
	Entities    []string `json:"entities"`
	Action      action   `json:"action"`
}

type action struct {
	Verb   string `json:"verb"`
	Entity string `json:"entity"`
}

// repaired is one query of a repair answer.
type repaired struct {
	ID    string `json:"id"`
	Query string `json:"query"`
}

func repairAnswer(qs ...repaired) map[string]any { return map[string]any{"queries": qs} }

type query struct {
	Title   string `json:"title"`
	Purpose string `json:"purpose"`
	Query   string `json:"query"`
}

const goodQuery = "SigninLogs\n| where TimeGenerated > ago(1d)\n| where UserPrincipalName =~ \"jdoe@contoso.com\"\n| summarize count() by IPAddress"

func goodReport() report {
	return report{
		Summary:      "A password spray against jdoe@contoso.com came from 203.0.113.9.",
		WhyItMatters: "A sprayed account may be taken over.",
		Checklist: []item{
			{Title: "Reset the password of jdoe@contoso.com", Description: "Revoke sessions too.", Phase: "contain", Entities: []string{"jdoe@contoso.com"}, Action: action{"none", ""}},
			{Title: "Block 203.0.113.9", Description: "At the firewall.", Phase: "contain", Entities: []string{"203.0.113.9"}, Action: action{"none", ""}},
		},
		Queries:        []query{{Title: "Sign-ins of jdoe", Purpose: "See where jdoe signed in.", Query: goodQuery}},
		Verdict:        "escalate",
		VerdictReasons: []string{"A sprayed account signed in."},
	}
}

func hasFinding(a socpilot.Analysis, kind, contains string) bool {
	for _, f := range a.Findings {
		if f.Kind == kind && strings.Contains(f.Text, contains) {
			return true
		}
	}
	return false
}

func TestAnalyzeWithModel(t *testing.T) {
	ws := workspace(t, fixture(t))
	d := details(t, ws, 2)
	ctx := context.Background()

	t.Run("good analysis", func(t *testing.T) {
		srv := llmtest.New(t).ReplyJSON(goodReport())
		a, err := analyzer(t, srv).Analyze(ctx, d, false)
		if err != nil {
			t.Fatal(err)
		}
		if a.Source != socpilot.SourceModel || a.Fallback != "" {
			t.Fatalf("source %q fallback %q, want the model's analysis", a.Source, a.Fallback)
		}
		if a.Summary != goodReport().Summary || len(a.Checklist) != 2 {
			t.Errorf("summary %q, %d checklist items", a.Summary, len(a.Checklist))
		}
		if a.Usage.Calls != 1 || a.Usage.PromptTokens == 0 {
			t.Errorf("usage %+v, want one call with tokens", a.Usage)
		}
		req := srv.LastRequest()
		if req.Body.ResponseFormat == nil || req.Body.ResponseFormat.JSONSchema == nil || !req.Body.ResponseFormat.JSONSchema.Strict {
			t.Errorf("request did not ask for strict structured output: %+v", req.Body.ResponseFormat)
		}
		if !strings.Contains(req.Text(), "<<<INCIDENT_DATA") {
			t.Error("incident data not fenced in the prompt")
		}
		var found bool
		for _, q := range a.Queries {
			if q.Query == goodQuery && q.Status == socpilot.QueryValidated {
				found = true
			}
		}
		if !found {
			t.Errorf("model query not validated and kept: %+v", a.Queries)
		}
	})

	t.Run("non-existent host is removed", func(t *testing.T) {
		r := goodReport()
		r.Summary += " It then reached SRV-NOPE-99."
		r.Checklist = append(r.Checklist, item{Title: "Isolate SRV-NOPE-99", Phase: "contain", Entities: []string{"SRV-NOPE-99"}})
		srv := llmtest.New(t).ReplyJSON(r)
		a, err := analyzer(t, srv).Analyze(ctx, d, false)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(a.Summary, "SRV-NOPE-99") {
			t.Errorf("summary still names the invented host: %q", a.Summary)
		}
		for _, c := range a.Checklist {
			if strings.Contains(c.Title, "SRV-NOPE-99") || strings.Contains(strings.Join(c.Entities, ","), "SRV-NOPE-99") {
				t.Errorf("checklist still names the invented host: %+v", c)
			}
		}
		if !hasFinding(a, socpilot.FindingRemovedEntity, "SRV-NOPE-99") {
			t.Errorf("removal not reported: %+v", a.Findings)
		}
	})

	t.Run("query on a missing table is repaired", func(t *testing.T) {
		r := goodReport()
		r.Queries = []query{{Title: "Spray sources", Purpose: "p", Query: "SignInLogz\n| where TimeGenerated > ago(1d)\n| take 10"}}
		srv := llmtest.New(t).ReplyJSON(r).ReplyJSON(repairAnswer(repaired{"q1", goodQuery}))
		a, err := analyzer(t, srv).Analyze(ctx, d, false)
		if err != nil {
			t.Fatal(err)
		}
		var got *socpilot.HuntingQuery
		for i := range a.Queries {
			if a.Queries[i].Title == "Spray sources" {
				got = &a.Queries[i]
			}
		}
		if got == nil || got.Status != socpilot.QueryRepaired || got.RepairRounds != 1 || got.Query != goodQuery {
			t.Fatalf("repaired query = %+v", got)
		}
		reqs := srv.Requests()
		if len(reqs) != 2 || !strings.Contains(reqs[1].Text(), "SignInLogz") {
			t.Errorf("repair request did not carry the failing query and its errors")
		}
		if a.Usage.Calls != 2 {
			t.Errorf("usage counts %d calls, want 2", a.Usage.Calls)
		}
	})

	t.Run("query still invalid after two rounds is dropped", func(t *testing.T) {
		r := goodReport()
		bad := query{Title: "Broken", Purpose: "p", Query: "NoSuchTable | take 1"}
		r.Queries = []query{bad}
		srv := llmtest.New(t).ReplyJSON(r).
			ReplyJSON(repairAnswer(repaired{"q1", bad.Query})).
			ReplyJSON(repairAnswer(repaired{"q1", bad.Query}))
		a, err := analyzer(t, srv).Analyze(ctx, d, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range a.Queries {
			if q.Title == "Broken" {
				t.Errorf("invalid query kept: %+v", q)
			}
		}
		if !hasFinding(a, socpilot.FindingDroppedQuery, "Broken") {
			t.Errorf("drop not reported: %+v", a.Findings)
		}
	})

	fallbacks := []struct {
		name   string
		script func(*llmtest.Server)
		reason string
	}{
		{"garbage", func(s *llmtest.Server) { s.Garbage() }, "json"},
		{"timeout", func(s *llmtest.Server) { s.Hang() }, "did not answer"},
		{"content filter", func(s *llmtest.Server) { s.ContentFilterPrompt() }, "content"},
	}
	for _, tt := range fallbacks {
		t.Run(tt.name+" falls back to offline", func(t *testing.T) {
			srv := llmtest.New(t)
			tt.script(srv)
			an := analyzer(t, srv)
			if tt.name == "timeout" {
				cfg := srv.Config(llm.ProviderCompatible)
				cfg.Timeout = 50 * time.Millisecond
				m, err := llm.New(cfg)
				if err != nil {
					t.Fatal(err)
				}
				an.Model = m
			}
			a, err := an.Analyze(ctx, d, false)
			if err != nil {
				t.Fatalf("a model failure must not fail the analysis: %v", err)
			}
			if a.Source != socpilot.SourceOffline || !strings.Contains(strings.ToLower(a.Fallback), tt.reason) {
				t.Errorf("source %q fallback %q, want offline with a reason mentioning %q", a.Source, a.Fallback, tt.reason)
			}
			if a.Summary == "" || len(a.Checklist) == 0 {
				t.Error("fallback lost the offline analysis")
			}
		})
	}

	t.Run("429 with retry-after then success", func(t *testing.T) {
		srv := llmtest.New(t).Status(429, llmtest.Headers{"retry-after-ms": "20"}).ReplyJSON(goodReport())
		a, err := analyzer(t, srv).Analyze(ctx, d, false)
		if err != nil {
			t.Fatal(err)
		}
		if a.Source != socpilot.SourceModel {
			t.Errorf("after one 429 the model should answer; got %q (%s)", a.Source, a.Fallback)
		}
		if s := srv.Sleeps(); len(s) != 1 || s[0] != 20*time.Millisecond {
			t.Errorf("waits %v, want the 20ms the server asked for", s)
		}
	})
}
