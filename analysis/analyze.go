package analysis

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/socpilot/socpilot"
)

// FactSource computes the grounded, deterministic analysis (the offline
// analyst). It is always run, with or without a model.
type FactSource interface {
	Analyze(d socpilot.IncidentDetails) socpilot.Analysis
}

// QueryChecker validates KQL against the workspace schema.
type QueryChecker interface {
	// Check returns the tables a query reads and its error-level problems,
	// each one line ("2:14: unknown column 'Acount' (did you mean 'Account'?)").
	Check(query string) (tables []string, problems []string)
	// Describe lists the given tables the workspace has, in that order,
	// each with the columns a hunting query needs first, for a prompt.
	Describe(tables []string) string
	// HasTable reports whether the workspace has the table.
	HasTable(name string) bool
}

// Pseudonymizer hides entity values from the model and restores them in
// its answers.
type Pseudonymizer interface {
	LearnEntities(es []socpilot.Entity)
	Redact(s string) string
	Rehydrate(s string) string
	// StreamRehydrator restores pseudonyms in a stream, where one can be
	// split across chunks; flush delivers what it still holds.
	StreamRehydrator(out func(string)) (write func(string), flush func())
}

// Auditor records model calls.
type Auditor interface {
	RecordModelCall(ctx context.Context, r socpilot.AuditRecord) error
}

// Cache keeps model analyses, keyed by exactly what the model was asked.
type Cache interface {
	PutAnalysis(ctx context.Context, key string, incidentNumber int, data []byte, at time.Time) error
	Analysis(ctx context.Context, key string) ([]byte, error)
}

// Analyzer is the analyze pipeline: facts first, a model on top when one
// is configured, and checks of what the model wrote before anything is shown.
type Analyzer struct {
	Facts   FactSource
	Model   socpilot.Model // nil: offline only
	Queries QueryChecker   // nil: queries are not validated (tests only)
	Redact  Pseudonymizer  // nil: values are sent as they are
	// NewRedact, when set, gives each Analyze a pseudonymiser of its own
	// instead of Redact: a long-running service must not accumulate every
	// incident's entities in one (its matching grows with each of them).
	NewRedact func() Pseudonymizer
	Audit     Auditor // nil: no audit trail
	// Cache, when set, answers a repeated analysis of an unchanged incident
	// without calling the model again: the key is the hash of the request.
	Cache Cache
	Log   *slog.Logger
	Now   func() time.Time
	// DigestTokens bounds the digest; 0 → DefaultDigestTokens.
	DigestTokens int
	// RepairRounds is how often failing model queries go back for repair; 0 → 2.
	RepairRounds int
	// Related, when set, finds the incident's entities in other incidents;
	// its result is shown and given to the model as a fact.
	Related func(ctx context.Context, d socpilot.IncidentDetails) ([]socpilot.Correlation, error)
	// Schema generates the strict JSON schema of a Go type for structured
	// output (llm.SchemaFor); required with a Model.
	Schema func(v any) (json.RawMessage, error)
	// Estate is what the organisation owns (own_networks, own_domains):
	// a model's block action on it is refused. Internal ranges and the
	// incident's own UPN domains count as the organisation's without it.
	Estate socpilot.Estate
	// ModelErrors returns a failed model call as an error instead of the
	// offline analysis marked with it: the service retries the job later
	// (honouring Retry-After) rather than writing a fallback at once.
	ModelErrors bool
}

// modelReport is what the model writes; its JSON schema is generated from
// this type for strict structured output. The verdict is the model's own:
// it is shown beside socpilot's scored triage, never mixed into it.
type modelReport struct {
	Summary        string       `json:"summary"`
	WhyItMatters   string       `json:"whyItMatters"`
	Verdict        string       `json:"verdict" jsonschema:"enum=dismiss,enum=remediate,enum=escalate"`
	VerdictReasons []string     `json:"verdictReasons"`
	Checklist      []modelItem  `json:"checklist"`
	Queries        []modelQuery `json:"queries"`
}

type modelItem struct {
	Title       string      `json:"title"`
	Description string      `json:"description"`
	Phase       string      `json:"phase" jsonschema:"enum=investigate,enum=contain,enum=remediate,enum=recover"`
	Entities    []string    `json:"entities"`
	Action      modelAction `json:"action"`
}

// modelAction is a checklist item's response action. Strict structured
// output has no optional fields, so "none" says the step is not an action.
// The verbs are socpilot.ActionVerbs (a test keeps the two lists equal).
type modelAction struct {
	Verb   string `json:"verb" jsonschema:"enum=none,enum=isolate-host,enum=disable-account,enum=revoke-sessions,enum=reset-credentials,enum=block-ip,enum=block-url,enum=block-file,enum=purge-email,enum=remove-inbox-rule,enum=remove-role-assignment,enum=collect-evidence"`
	Entity string `json:"entity"`
}

// noAction is the verb of a checklist item that is not a response action.
const noAction = "none"

type modelQuery struct {
	Title   string `json:"title"`
	Purpose string `json:"purpose"`
	Query   string `json:"query"`
}

// repairReply answers a repair turn: one query per failed query, each
// carrying the id it was sent with.
type repairReply struct {
	Queries []repairedQuery `json:"queries"`
}

type repairedQuery struct {
	ID    string `json:"id"`
	Query string `json:"query"`
}

func (an *Analyzer) now() time.Time {
	if an.Now != nil {
		return an.Now()
	}
	return time.Now().UTC()
}

// redact pseudonymises text going back to the model: its own earlier
// answers too, so a value it somehow wrote in clear is not sent again.
func (an *Analyzer) redact(s string) string {
	if an.Redact == nil {
		return s
	}
	return an.Redact.Redact(s)
}

func (an *Analyzer) log() *slog.Logger {
	if an.Log != nil {
		return an.Log
	}
	return slog.New(slog.DiscardHandler)
}

// Analyze produces the analysis of one incident. Model failures never fail
// the call: the offline analysis is returned, marked with the reason.
func (an *Analyzer) Analyze(ctx context.Context, d socpilot.IncidentDetails, offlineOnly bool) (socpilot.Analysis, error) {
	if an.NewRedact != nil && an.Model != nil && !offlineOnly {
		own := *an
		own.Redact, own.NewRedact = an.NewRedact(), nil
		return own.Analyze(ctx, d, offlineOnly)
	}
	facts := an.offlineFacts(d)
	facts.GeneratedAt = an.now()
	facts.Source = socpilot.SourceOffline
	if an.Related != nil {
		rel, err := an.Related(ctx, d)
		if err != nil {
			// Correlation is a bonus: say it failed, keep the analysis.
			facts.Findings = append(facts.Findings, socpilot.Finding{Kind: socpilot.FindingModel, Text: "related incidents were not searched: " + oneLine(err.Error())})
		}
		facts.Correlations = rel
	}
	if facts.Correlations == nil {
		facts.Correlations = []socpilot.Correlation{}
	}
	if an.Model == nil || offlineOnly {
		return facts, nil
	}
	out, err := an.withModel(ctx, d, facts)
	if err != nil && an.ModelErrors {
		return facts, fmt.Errorf("model analysis of incident %d: %w", d.Incident.Number, err)
	}
	if err != nil {
		facts.Fallback = "the model failed, so the offline analysis is shown: " + oneLine(err.Error())
		facts.Model = an.Model.Name()
		an.log().Warn("model analysis failed; using offline analysis", "incident", d.Incident.Number, "err", err)
		return facts, nil
	}
	return out, nil
}

// offlineFacts is the offline analysis with the untrusted-text findings and
// only the offline queries that pass the validator: what analyze shows and
// what a conversation gives the model as facts.
func (an *Analyzer) offlineFacts(d socpilot.IncidentDetails) socpilot.Analysis {
	f := an.Facts.Analyze(d)
	f.Findings = mergeFindings(DetectUntrusted(d), f.Findings)
	f.Queries = an.checkOwnQueries(f)
	return f
}

// checkOwnQueries keeps only offline queries that pass the validator: a
// template can meet a workspace without one of its tables or columns.
func (an *Analyzer) checkOwnQueries(facts socpilot.Analysis) []socpilot.HuntingQuery {
	if an.Queries == nil {
		return facts.Queries
	}
	var out []socpilot.HuntingQuery
	adapter, _ := an.Queries.(interface{ Adapt(query string) string })
	for _, q := range facts.Queries {
		if adapter != nil {
			// the offline templates are written for Log Analytics; where the
			// queries run elsewhere (advanced hunting) they are adapted
			q.Query = adapter.Adapt(q.Query)
		}
		tables, problems := an.Queries.Check(q.Query)
		if len(problems) > 0 {
			continue
		}
		q.Tables, q.Status = tables, socpilot.QueryValidated
		out = append(out, q)
	}
	return out
}

func (an *Analyzer) withModel(ctx context.Context, d socpilot.IncidentDetails, facts socpilot.Analysis) (socpilot.Analysis, error) {
	if an.Schema == nil {
		return facts, errors.New("analyzer has a model but no schema generator")
	}
	schema, err := an.Schema(modelReport{})
	if err != nil {
		return facts, err
	}
	if an.Redact != nil {
		an.Redact.LearnEntities(d.Entities)
	}
	data := digestText(d, DigestOptions{MaxTokens: an.DigestTokens}) + relatedData(facts.Correlations)
	req := socpilot.ChatRequest{
		Messages:   analysisPrompt(trustedFacts(facts, newQuoteRefs(d), an.redact), an.redact(data), an.schemaContext(d, facts)),
		SchemaName: "incident_analysis", Schema: schema,
	}
	key := cacheKey(an.Model.Name(), req)
	if out, ok := an.cached(ctx, key); ok {
		return out, nil
	}
	resp, err := an.call(ctx, "analyze", []int{d.Incident.Number}, req, nil)
	usage := resp.Usage
	if err != nil {
		return facts, err
	}
	var rep modelReport
	if err := json.Unmarshal([]byte(resp.Content), &rep); err != nil {
		return facts, &socpilot.Error{Code: socpilot.EUnavailable, Message: "the model's answer is not the JSON that was asked for", Err: err}
	}
	if strings.TrimSpace(rep.Summary) == "" {
		return facts, &socpilot.Error{Code: socpilot.EUnavailable, Message: "the model's answer has no summary"}
	}
	if an.Redact != nil {
		rehydrateReport(&rep, an.Redact)
	}

	out := facts
	out.Source, out.Model, out.Fallback = socpilot.SourceModel, an.Model.Name(), ""
	g := newGrounding(d)
	g.learnFacts(facts)
	out.Summary, out.Findings = g.text(rep.Summary, "summary", out.Findings)
	out.WhyItMatters, out.Findings = g.text(rep.WhyItMatters, "why it matters", out.Findings)
	out.ModelTriage, out.Findings = g.modelTriage(rep.Verdict, rep.VerdictReasons, facts.Triage.Verdict, out.Findings)
	var items []socpilot.ChecklistItem
	items, out.Findings = g.checklist(rep.Checklist, newActionPolicy(d, facts, an.Estate), out.Findings)
	if len(items) > 0 {
		out.Checklist = items
	}
	// Repair rounds continue this conversation: the model sees its own
	// answer and the schema context it was given, which is not sent again.
	conv := append(slices.Clip(req.Messages), socpilot.Message{Role: socpilot.RoleAssistant, Content: an.redact(resp.Content)})
	queries, dropped, qUsage := an.modelQueries(ctx, d.Incident.Number, rep.Queries, conv)
	usage.Add(qUsage)
	for _, q := range dropped {
		out.Findings = append(out.Findings, socpilot.Finding{Kind: socpilot.FindingDroppedQuery, Text: q})
	}
	out.Queries = append(out.Queries, queries...)
	out.Usage = usage
	an.store(ctx, key, out)
	return out, nil
}

// cacheKey identifies a model analysis by the model and every byte it was sent.
func cacheKey(model string, req socpilot.ChatRequest) string {
	return "analyze:" + model + ":" + requestHash(req)
}

// cached returns a stored analysis for key, marked as such.
func (an *Analyzer) cached(ctx context.Context, key string) (socpilot.Analysis, bool) {
	if an.Cache == nil {
		return socpilot.Analysis{}, false
	}
	b, err := an.Cache.Analysis(ctx, key)
	if err != nil {
		if socpilot.ErrorCode(err) != socpilot.ENotFound {
			an.log().Warn("cached analysis not read; asking the model", "err", err)
		}
		return socpilot.Analysis{}, false
	}
	var a socpilot.Analysis
	if err := json.Unmarshal(b, &a); err != nil {
		an.log().Warn("cached analysis unreadable; asking the model", "key", key, "err", err)
		return socpilot.Analysis{}, false
	}
	// Kept as first written (time and usage too), so a report written back
	// from it is byte for byte the same and Sentinel is not written again.
	a.Cached = true
	return a, true
}

func (an *Analyzer) store(ctx context.Context, key string, a socpilot.Analysis) {
	if an.Cache == nil {
		return
	}
	b, err := json.Marshal(a)
	if err == nil {
		err = an.Cache.PutAnalysis(ctx, key, a.Incident.Number, b, an.now())
	}
	if err != nil {
		an.log().Warn("analysis not cached", "incident", a.Incident.Number, "err", err)
	}
}

// failedQuery is a model query with the validator's problems and the id
// it is sent for repair under.
type failedQuery struct {
	id       string
	q        modelQuery
	problems []string
}

// pendingQuery is a model query to validate, with its id.
type pendingQuery struct {
	id string
	q  modelQuery
}

// modelQueries validates the model's queries, sends failing ones back for
// at most RepairRounds rounds as new turns of the analyze conversation
// conv, and drops what still fails. A repair answer must return exactly
// the ids it was sent, one query each; any other answer is rejected whole,
// so a query is never published under another one's title.
func (an *Analyzer) modelQueries(ctx context.Context, number int, qs []modelQuery, conv []socpilot.Message) (ok []socpilot.HuntingQuery, dropped []string, usage socpilot.Usage) {
	rounds := an.RepairRounds
	if rounds == 0 {
		rounds = 2
	}
	if an.Queries == nil {
		for _, q := range qs {
			ok = append(ok, socpilot.HuntingQuery{Title: q.Title, Purpose: q.Purpose, Query: q.Query, Status: socpilot.QueryUnchecked})
		}
		return ok, nil, usage
	}
	pending := make([]pendingQuery, len(qs))
	for i, q := range qs {
		pending[i] = pendingQuery{id: fmt.Sprintf("q%d", i+1), q: q}
	}
	var schema json.RawMessage
	for round := 0; ; round++ {
		var failed []failedQuery
		for _, p := range pending {
			if strings.TrimSpace(p.q.Query) == "" {
				continue
			}
			t, problems := an.Queries.Check(p.q.Query)
			if len(problems) == 0 {
				hq := socpilot.HuntingQuery{Title: p.q.Title, Purpose: p.q.Purpose, Query: p.q.Query, Tables: t, Status: socpilot.QueryValidated}
				if round > 0 {
					hq.Status, hq.RepairRounds = socpilot.QueryRepaired, round
				}
				ok = append(ok, hq)
				continue
			}
			failed = append(failed, failedQuery{p.id, p.q, problems})
		}
		if len(failed) == 0 {
			return ok, dropped, usage
		}
		if round == rounds {
			for _, f := range failed {
				dropped = append(dropped, fmt.Sprintf("query %q dropped: still invalid after %d repair round(s): %s", f.q.Title, rounds, strings.Join(f.problems, "; ")))
			}
			return ok, dropped, usage
		}
		// The queries were rehydrated for validation: pseudonymise them again
		// before they go back to the model.
		sent := failed
		if an.Redact != nil {
			sent = make([]failedQuery, len(failed))
			for i, f := range failed {
				f.q.Query, f.q.Title = an.Redact.Redact(f.q.Query), an.Redact.Redact(f.q.Title)
				f.problems = append([]string(nil), f.problems...)
				for j := range f.problems {
					f.problems[j] = an.Redact.Redact(f.problems[j])
				}
				sent[i] = f
			}
		}
		// The repair schema is only needed once a query fails.
		var err error
		if schema == nil {
			schema, err = an.Schema(repairReply{})
		}
		var rep repairReply
		if err == nil {
			conv = append(conv, repairTurn(sent))
			req := socpilot.ChatRequest{Messages: conv, SchemaName: "repaired_queries", Schema: schema}
			var resp socpilot.ChatResponse
			resp, err = an.call(ctx, "repair", []int{number}, req, nil)
			usage.Add(resp.Usage)
			if err == nil {
				conv = append(conv, socpilot.Message{Role: socpilot.RoleAssistant, Content: an.redact(resp.Content)})
				err = json.Unmarshal([]byte(resp.Content), &rep)
			}
		}
		if err != nil {
			for _, f := range failed {
				dropped = append(dropped, fmt.Sprintf("query %q dropped: invalid (%s) and the repair call failed: %s", f.q.Title, strings.Join(f.problems, "; "), oneLine(err.Error())))
			}
			return ok, dropped, usage
		}
		byID, why := matchRepairs(failed, rep.Queries)
		if why != "" {
			for _, f := range failed {
				dropped = append(dropped, fmt.Sprintf("query %q dropped: invalid (%s) and the repair answer was rejected: %s", f.q.Title, strings.Join(f.problems, "; "), why))
			}
			return ok, dropped, usage
		}
		// Keep titles and purposes of the originals: the repair only fixes the text.
		pending = pending[:0]
		for _, f := range failed {
			q := f.q
			q.Query = byID[f.id]
			if an.Redact != nil {
				q.Query = an.Redact.Rehydrate(q.Query)
			}
			pending = append(pending, pendingQuery{f.id, q})
		}
	}
}

// matchRepairs pairs a repair answer with the failed queries by id. It
// returns why the answer is rejected, "" when it holds exactly one query
// for each id it was sent and nothing else.
func matchRepairs(failed []failedQuery, got []repairedQuery) (map[string]string, string) {
	want := make([]string, len(failed))
	byID := map[string]string{}
	for i, f := range failed {
		want[i] = f.id
		byID[f.id] = ""
	}
	ids := make([]string, len(got))
	for i, r := range got {
		ids[i] = strings.TrimSpace(r.ID)
	}
	why := fmt.Sprintf("it answered ids [%s] for ids [%s]", strings.Join(ids, ", "), strings.Join(want, ", "))
	if len(got) != len(failed) {
		return nil, fmt.Sprintf("%d queries for %d; %s", len(got), len(failed), why)
	}
	seen := map[string]bool{}
	for i, r := range got {
		if _, known := byID[ids[i]]; !known || seen[ids[i]] || strings.TrimSpace(r.Query) == "" {
			return nil, why
		}
		seen[ids[i]] = true
		byID[ids[i]] = r.Query
	}
	return byID, ""
}

// call sends one request to the model and records it in the audit trail.
func (an *Analyzer) call(ctx context.Context, op string, incidents []int, req socpilot.ChatRequest, onDelta func(string)) (socpilot.ChatResponse, error) {
	start := an.now()
	resp, err := an.Model.Chat(ctx, req, onDelta)
	if resp.Usage.Calls == 0 {
		resp.Usage.Calls = 1
	}
	if resp.Usage.Model == "" {
		resp.Usage.Model = an.Model.Name()
	}
	if an.Audit != nil {
		outcome := "ok"
		if err != nil {
			outcome = socpilot.ErrorCode(err)
		}
		rec := socpilot.AuditRecord{Time: start, Operation: op, Incidents: incidents, Model: an.Model.Name(),
			PromptTokens: resp.Usage.PromptTokens, CompletionTokens: resp.Usage.CompletionTokens,
			Elapsed: resp.Usage.Elapsed, RequestSHA256: requestHash(req), Outcome: outcome}
		if aerr := an.Audit.RecordModelCall(ctx, rec); aerr != nil {
			an.log().Warn("audit record not written", "err", aerr)
		}
	}
	return resp, err
}

// requestHash is the SHA-256 of exactly what was sent: the audit keeps the
// hash, never the content.
func requestHash(req socpilot.ChatRequest) string {
	h := sha256.New()
	for _, m := range req.Messages {
		h.Write([]byte(m.Role))
		h.Write([]byte{0})
		h.Write([]byte(m.Content))
		h.Write([]byte{0})
	}
	h.Write(req.Schema)
	return hex.EncodeToString(h.Sum(nil))
}

func mergeFindings(a, b []socpilot.Finding) []socpilot.Finding {
	seen := map[string]bool{}
	var out []socpilot.Finding
	for _, f := range append(append([]socpilot.Finding{}, a...), b...) {
		if !seen[f.Kind+"\x00"+f.Text] {
			seen[f.Kind+"\x00"+f.Text] = true
			out = append(out, f)
		}
	}
	return out
}

func rehydrateReport(r *modelReport, p Pseudonymizer) {
	r.Summary, r.WhyItMatters = p.Rehydrate(r.Summary), p.Rehydrate(r.WhyItMatters)
	for i := range r.VerdictReasons {
		r.VerdictReasons[i] = p.Rehydrate(r.VerdictReasons[i])
	}
	for i := range r.Checklist {
		c := &r.Checklist[i]
		c.Title, c.Description = p.Rehydrate(c.Title), p.Rehydrate(c.Description)
		for j := range c.Entities {
			c.Entities[j] = p.Rehydrate(c.Entities[j])
		}
		c.Action.Entity = p.Rehydrate(c.Action.Entity)
	}
	for i := range r.Queries {
		q := &r.Queries[i]
		q.Title, q.Purpose, q.Query = p.Rehydrate(q.Title), p.Rehydrate(q.Purpose), p.Rehydrate(q.Query)
	}
}
