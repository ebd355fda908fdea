package socpilot

import (
	"strings"
	"time"
)

// Verdict is a triage recommendation.
type Verdict string

// Triage verdicts.
const (
	VerdictDismiss   Verdict = "dismiss"   // likely benign or false positive: close with a reason
	VerdictRemediate Verdict = "remediate" // real but contained in scope: the analyst fixes it
	VerdictEscalate  Verdict = "escalate"  // serious or spreading: hand to tier 2 now
)

// Analysis is socpilot's report on one incident.
type Analysis struct {
	Incident IncidentRef `json:"incident"`
	// Source says who wrote the narrative: "offline" (the deterministic
	// analyst) or "model" (a chat model on top of the offline facts).
	Source string `json:"source"`
	Model  string `json:"model,omitempty"`
	// Fallback explains why the offline analysis is shown although a model
	// is configured (timeout, refusal, garbage); empty otherwise.
	Fallback string `json:"fallback,omitempty"`
	// Cached is set when the model analysis was reused: the incident and
	// the request were byte for byte those of an earlier run. Usage and
	// GeneratedAt are those of that run.
	Cached       bool            `json:"cached,omitempty"`
	Summary      string          `json:"summary"`
	WhyItMatters string          `json:"whyItMatters"`
	Timeline     []TimelineEntry `json:"timeline"`
	Tactics      []TacticNote    `json:"tactics"`
	Triage       Triage          `json:"triage"`
	// ModelTriage is the model's own verdict when it differs from the
	// offline one; both are shown, and the offline one stays the verdict.
	ModelTriage *ModelTriage `json:"modelTriage,omitempty"`
	// Compromised are the accounts and hosts the analysis concludes are
	// actually compromised: not everything in scope.
	Compromised []CompromisedEntity `json:"compromised"`
	// Decoded are the incident's command lines whose hidden payloads were
	// decoded offline; the decoded text is attacker-controlled data.
	Decoded   []DecodedCommand `json:"decoded,omitempty"`
	Checklist []ChecklistItem  `json:"checklist"`
	Queries   []HuntingQuery   `json:"queries"`
	// Findings are things the analyst should know about the analysis
	// itself: text aimed at AI assistants, model claims that were removed.
	Findings     []Finding     `json:"findings"`
	Correlations []Correlation `json:"correlations"`
	Usage        Usage         `json:"usage"`
	GeneratedAt  time.Time     `json:"generatedAt"`
}

// Analysis sources.
const (
	SourceOffline = "offline"
	SourceModel   = "model"
)

// IncidentRef identifies the incident an analysis is about.
type IncidentRef struct {
	Number   int    `json:"number"`
	Name     string `json:"name"`
	ID       string `json:"id"`
	Title    string `json:"title"`
	Severity string `json:"severity"`
	Status   string `json:"status"`
	URL      string `json:"url,omitempty"`
	// DefenderID is the incident's id in the Defender portal (Microsoft
	// Graph) when it differs from Number: a Sentinel incident of an
	// onboarded workspace, whose providerIncidentId is the unified id.
	DefenderID string `json:"defenderId,omitempty"`
}

// TimelineEntry is one event of the incident, in time order.
type TimelineEntry struct {
	Time     time.Time `json:"time"`
	Event    string    `json:"event"`
	Source   string    `json:"source,omitempty"` // product or alert that saw it
	Severity string    `json:"severity,omitempty"`
	Entities []string  `json:"entities,omitempty"`
}

// TacticNote explains one ATT&CK tactic seen in the incident.
type TacticNote struct {
	ID          string   `json:"id"`   // TA0006
	Name        string   `json:"name"` // Credential Access
	Explanation string   `json:"explanation"`
	Techniques  []string `json:"techniques,omitempty"` // "T1110.003 Password Spraying"
	Evidence    []string `json:"evidence,omitempty"`   // alert names
}

// Triage is the recommendation with the score and the reasons behind it.
type Triage struct {
	Verdict Verdict `json:"verdict"`
	// Score is 0-100: below DismissBelow a dismiss candidate, from
	// EscalateFrom an escalation.
	Score   int      `json:"score"`
	Reasons []Reason `json:"reasons"`
}

// Reason is one contribution to a triage score.
type Reason struct {
	Text   string `json:"text"`
	Weight int    `json:"weight"` // points added (negative: taken away)
}

// ModelTriage is a model's verdict with its own reasons, kept apart from
// the scored offline triage: model prose never becomes a scored reason.
type ModelTriage struct {
	Verdict Verdict  `json:"verdict"`
	Reasons []string `json:"reasons"`
}

// CompromisedEntity is an account or host the analysis concludes is in the
// attacker's hands, with the fact that decided it.
type CompromisedEntity struct {
	Entity   string `json:"entity"` // the identifier as it appears in the incident
	Kind     string `json:"kind"`   // Account, Host, ...
	Evidence string `json:"evidence"`
}

// DecodedCommand is a command line with its encoded payloads decoded
// (-EncodedCommand, FromBase64String, gzip/deflate wrappers) and the
// indicators found in every layer.
type DecodedCommand struct {
	CommandLine string   `json:"commandLine"`
	Layers      []string `json:"layers"` // each decoded payload, outermost first
	URLs        []string `json:"urls,omitempty"`
	IPs         []string `json:"ips,omitempty"`
	Domains     []string `json:"domains,omitempty"`
	Files       []string `json:"files,omitempty"`
}

// ChecklistItem is one remediation or investigation step; it becomes a
// Sentinel incident task on write-back.
type ChecklistItem struct {
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Phase       string   `json:"phase"` // investigate, contain, remediate, recover
	Entities    []string `json:"entities"`
	// Action is the typed response action the step performs, when it is one.
	Action *Action `json:"action,omitempty"`
}

// ActionVerb is one response action from socpilot's fixed vocabulary.
type ActionVerb string

// Response action verbs.
const (
	ActionIsolateHost          ActionVerb = "isolate-host"
	ActionDisableAccount       ActionVerb = "disable-account"
	ActionResetCredentials     ActionVerb = "reset-credentials"
	ActionRevokeSessions       ActionVerb = "revoke-sessions"
	ActionBlockIP              ActionVerb = "block-ip"
	ActionBlockURL             ActionVerb = "block-url"
	ActionBlockFile            ActionVerb = "block-file"
	ActionPurgeEmail           ActionVerb = "purge-email"
	ActionRemoveInboxRule      ActionVerb = "remove-inbox-rule"
	ActionRemoveRoleAssignment ActionVerb = "remove-role-assignment"
	ActionCollectEvidence      ActionVerb = "collect-evidence"
)

// ActionVerbs is the whole vocabulary, in the order steps usually run.
var ActionVerbs = []ActionVerb{
	ActionIsolateHost, ActionDisableAccount, ActionRevokeSessions, ActionResetCredentials,
	ActionBlockIP, ActionBlockURL, ActionBlockFile, ActionPurgeEmail, ActionRemoveInboxRule,
	ActionRemoveRoleAssignment, ActionCollectEvidence,
}

// Valid reports whether v is in the vocabulary.
func (v ActionVerb) Valid() bool {
	for _, w := range ActionVerbs {
		if v == w {
			return true
		}
	}
	return false
}

// Action is a typed response action on one entity, named by its exact
// identifier in the incident (UPN, host name, address, URL, hash, ...).
type Action struct {
	Verb   ActionVerb `json:"verb"`
	Entity string     `json:"entity"`
}

// HuntingQuery is a KQL query proposed for the incident.
type HuntingQuery struct {
	Title   string   `json:"title"`
	Purpose string   `json:"purpose"`
	Query   string   `json:"query"`
	Tables  []string `json:"tables"`
	// Status: validated (passes the schema-aware validator), verified (ran
	// on the workspace as `| take 0`), repaired (validated after model repair
	// rounds), or unchecked (no validator was configured).
	Status       string   `json:"status"`
	RepairRounds int      `json:"repairRounds,omitempty"`
	Notes        []string `json:"notes,omitempty"` // validator warnings kept for the reader
	// Results, after analyze --run-kql, are the first rows the query
	// returned: data derived from the incident, shown fenced as evidence,
	// never sent to the model nor read as instructions.
	Results *QueryResults `json:"results,omitempty"`
}

// QueryResults are the first rows of a hunting query's answer.
type QueryResults struct {
	Columns []string   `json:"columns"`
	Rows    [][]string `json:"rows"`
	// Capped says the query had more rows than were fetched.
	Capped bool `json:"capped,omitempty"`
}

// Query statuses.
const (
	QueryValidated = "validated"
	QueryVerified  = "verified"
	QueryRepaired  = "repaired"
	QueryUnchecked = "unchecked"
)

// Finding is something to know about the incident's data or the analysis.
type Finding struct {
	Kind string `json:"kind"` // ai-instructions, html-in-data, removed-entity, dropped-query, truncated
	Text string `json:"text"`
}

// Finding kinds.
const (
	FindingAIInstructions = "ai-instructions"
	FindingMarkup         = "markup-in-data"
	FindingRemovedEntity  = "removed-entity"
	FindingDroppedQuery   = "dropped-query"
	FindingTruncated      = "truncated"
	FindingModel          = "model"
)

// Correlation is an entity of this incident seen in other incidents.
type Correlation struct {
	Kind      string `json:"kind"`
	Entity    string `json:"entity"`
	Incidents []int  `json:"incidents"`
}

// ReportMarker ends every report socpilot writes. Its own comments are left
// out of later analyses, so a report never feeds back into the next one.
const ReportMarker = "Generated by socpilot"

// TaskMarker ends the description of every task socpilot writes.
const TaskMarker = "Added by socpilot."

// OwnTask reports whether a task is one socpilot wrote from a checklist.
func OwnTask(t Task) bool { return strings.Contains(t.Description, TaskMarker) }

// OwnComment reports whether a comment is one of socpilot's reports.
func OwnComment(c Comment) bool { return strings.Contains(c.Message, ReportMarker) }

// AnalystComments returns the comments people wrote, without socpilot's reports.
func AnalystComments(cs []Comment) []Comment {
	out := make([]Comment, 0, len(cs))
	for _, c := range cs {
		if !OwnComment(c) {
			out = append(out, c)
		}
	}
	return out
}
