package config

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/socpilot/socpilot"
)

// The settings of `socpilot serve`. They are flat settings like the others
// (rows in the settings table, so flags, SOCPILOT_* variables, the file and
// doctor's listing all know them), plus the file's workspaces: list, which
// has no flag or variable.
//
// In socpilot.yaml:
//
//	webhook_token: ...          # better: SOCPILOT_WEBHOOK_TOKEN or Key Vault
//	policy:
//	  min_severity: Medium
//	  statuses: [New, Active]
//	  products: [Microsoft Defender for Endpoint]
//	  tactics: [Initial Access, CredentialAccess]
//	  labels: [crown-jewels]
//	  skip_titles: ['^TEST ', '(?i)simulated']
//	  write: [comment, tasks]
//	  concurrency: 8
//	  tokens_per_minute: 200000
//	  cost_cap_usd: 0.50
//	  max_attempts: 10
//	workspaces:
//	  - subscription_id: 00000000-0000-0000-0000-000000000000
//	    resource_group: rg-sec
//	    workspace_name: law-sec
//	    policy: {min_severity: Low}
//
// Lists are YAML lists or strings; in a string, and in a variable, the
// values are separated by commas, except title patterns, which are
// separated by ";;" (patternSep) because a regular expression may hold a
// comma ({2,5}) and a semicolon but practically never two semicolons in a
// row. Spaces around each value are trimmed.

// Policy says which incidents serve enriches and what it writes. An empty
// field means "no restriction" (or the default the caller decides).
type Policy struct {
	// MinSeverity is High, Medium, Low or Informational; "" means all.
	MinSeverity string
	// Statuses are New, Active and Closed; empty means the caller's
	// default (New and Active).
	Statuses []string
	// Products are alert product names as given.
	Products []string
	// Tactics are Sentinel's AttackTactic values (InitialAccess,
	// CredentialAccess, ...), whatever case and spacing they were given in.
	Tactics []string
	// Labels are incident labels as given.
	Labels []string
	// SkipTitles are Go regular expressions, each known to compile; an
	// incident whose title matches one is skipped.
	SkipTitles []string
	// Write is a subset of "comment" and "tasks"; empty means both.
	Write []string
	// SetStatus is the status a New incident is moved to once its report
	// is written ("Active"); "" (the default) leaves the status alone.
	SetStatus string
	// SetOwner assigns an unassigned incident, once enriched, to this Entra
	// object id or user principal name; "" (the default) assigns no one.
	SetOwner string
}

// Merge returns p with each non-empty field of over in place of p's; a nil
// over returns p. The result shares no slice with p or over.
func (p Policy) Merge(over *Policy) Policy {
	out := Policy{
		MinSeverity: p.MinSeverity,
		Statuses:    slices.Clone(p.Statuses),
		Products:    slices.Clone(p.Products),
		Tactics:     slices.Clone(p.Tactics),
		Labels:      slices.Clone(p.Labels),
		SkipTitles:  slices.Clone(p.SkipTitles),
		Write:       slices.Clone(p.Write),
		SetStatus:   p.SetStatus,
		SetOwner:    p.SetOwner,
	}
	if over == nil {
		return out
	}
	if over.MinSeverity != "" {
		out.MinSeverity = over.MinSeverity
	}
	replace := func(dst *[]string, src []string) {
		if len(src) > 0 {
			*dst = slices.Clone(src)
		}
	}
	replace(&out.Statuses, over.Statuses)
	replace(&out.Products, over.Products)
	replace(&out.Tactics, over.Tactics)
	replace(&out.Labels, over.Labels)
	replace(&out.SkipTitles, over.SkipTitles)
	replace(&out.Write, over.Write)
	if over.SetStatus != "" {
		out.SetStatus = over.SetStatus
	}
	if over.SetOwner != "" {
		out.SetOwner = over.SetOwner
	}
	return out
}

// empty reports whether p restricts nothing.
func (p Policy) empty() bool {
	return p.MinSeverity == "" && len(p.Statuses) == 0 && len(p.Products) == 0 && len(p.Tactics) == 0 &&
		len(p.Labels) == 0 && len(p.SkipTitles) == 0 && len(p.Write) == 0 && p.SetStatus == "" && p.SetOwner == ""
}

// ServeWorkspace is one entry of the file's workspaces: list.
type ServeWorkspace struct {
	// The names, checked like subscription_id, resource_group and
	// workspace_name (the subscription in lower case).
	SubscriptionID, ResourceGroup, WorkspaceName string
	// Policy holds this workspace's overrides of the global policy (see
	// Policy.Merge); nil when it has none.
	Policy *Policy
}

// Serve holds the settings of `socpilot serve`.
type Serve struct {
	// WebhookToken is the bearer token the webhook requires
	// (SOCPILOT_WEBHOOK_TOKEN, webhook_token, or the Key Vault secret
	// socpilot-webhook-token, else webhook-token). Never shown.
	WebhookToken string
	// Concurrency is how many jobs run at once; 0 means the default.
	Concurrency int
	// TokensPerMinute is the model token budget; 0 means unlimited.
	TokensPerMinute int
	// CostCapUSD is the model cost allowed per incident; 0 means none.
	CostCapUSD float64
	// MaxAttempts is how often a job is tried; 0 means the default.
	MaxAttempts int
	// Policy is the global policy (SOCPILOT_POLICY_*, the file's policy:).
	Policy Policy
	// Workspaces are the file's workspaces: list; empty means the single
	// configured workspace (or the demo).
	Workspaces []ServeWorkspace
}

// patternSep separates title patterns in a variable, flag or file string.
const patternSep = ";;"

// workspacesKey is the file key of the served workspaces, and their name
// in SettingKeys, Origin and Redacted.
const workspacesKey = "workspaces"

// Limits of the numeric serve settings.
const (
	maxConcurrency = 1000
	maxAttempts    = 100
)

// sentinelTactics is Microsoft.SecurityInsights' AttackTactic enum as the
// API spells it (2025-09-01), which is what incidents carry in
// properties.additionalData.tactics.
var sentinelTactics = []string{
	"Reconnaissance", "ResourceDevelopment", "InitialAccess", "Execution", "Persistence", "PrivilegeEscalation",
	"DefenseEvasion", "CredentialAccess", "Discovery", "LateralMovement", "Collection", "Exfiltration",
	"CommandAndControl", "Impact", "PreAttack", "ImpairProcessControl", "InhibitResponseFunction",
}

// incidentStatuses are the statuses of a Sentinel incident.
var incidentStatuses = []string{"New", "Active", "Closed"}

// writeTargets are what serve can write back.
var writeTargets = []string{"comment", "tasks"}

// normaliseServe checks a single-valued serve setting; shown is how the
// value may be quoted (never a secret).
func normaliseServe(k kind, raw, shown string) (string, string) {
	switch k {
	case kSetStatus:
		// Only forward: serve takes up a New incident, it never closes one
		// (closing needs a classification only an analyst can give).
		if strings.EqualFold(raw, "Active") {
			return "Active", ""
		}
		return "", shown + " is not a status serve may set; expected Active (a New incident becomes Active once its report is written), or leave it unset"
	case kSetOwner:
		if guidRE.MatchString(raw) {
			return strings.ToLower(raw), ""
		}
		if at := strings.IndexByte(raw, '@'); at > 0 && at < len(raw)-1 && !strings.ContainsAny(raw, " \t/\\") {
			return raw, ""
		}
		return "", shown + " is not an owner; expected the Entra object id (a GUID) or user principal name of the user or group incidents are assigned to"
	case kWebhookToken:
		// The token travels in an Authorization header and is pasted into a
		// Logic App: what fits there without escaping, and nothing else.
		for i := 0; i < len(raw); i++ {
			if raw[i] <= ' ' || raw[i] > '~' {
				return "", shown + " is not usable as a bearer token; expected visible ASCII characters without spaces, such as the output of `openssl rand -hex 32`"
			}
		}
	case kSeverity:
		if v, ok := canonical(socpilot.Severities, raw); ok {
			return v, ""
		}
		return "", shown + " is not a severity; expected " + joinOr(socpilot.Severities)
	case kConcurrency:
		n, err := strconv.Atoi(raw)
		if err != nil || n < 0 || n > maxConcurrency {
			return "", fmt.Sprintf("%s is not a concurrency; expected a whole number of jobs at once from 1 to %d (0 for the default)", shown, maxConcurrency)
		}
		return strconv.Itoa(n), ""
	case kTokensPerMinute:
		n, err := strconv.Atoi(raw)
		if err != nil || n < 0 || n > math.MaxInt32 {
			return "", shown + " is not a token budget; expected a whole number of model tokens per minute (0 for no limit)"
		}
		return strconv.Itoa(n), ""
	case kCostCap:
		f, err := strconv.ParseFloat(raw, 64)
		if err != nil || f < 0 || math.IsNaN(f) || f > 1e9 {
			return "", shown + " is not a cost cap; expected a non-negative number of US dollars per incident such as 0.50 (0 for none)"
		}
		return strconv.FormatFloat(f, 'g', -1, 64), ""
	case kMaxAttempts:
		n, err := strconv.Atoi(raw)
		if err != nil || n < 0 || n > maxAttempts {
			return "", fmt.Sprintf("%s is not a number of attempts; expected a whole number from 1 to %d (0 for the default)", shown, maxAttempts)
		}
		return strconv.Itoa(n), ""
	}
	return raw, ""
}

// normaliseServeItem checks one value of a serve policy list.
func normaliseServeItem(k kind, raw string) (string, string) {
	raw = strings.TrimSpace(raw)
	shown := strconv.Quote(raw)
	switch k {
	case kStatuses:
		if v, ok := canonical(incidentStatuses, raw); ok {
			return v, ""
		}
		return "", shown + " is not an incident status; expected " + joinOr(incidentStatuses) + ", separated by commas"
	case kTactics:
		return normaliseTactic(raw)
	case kWrite:
		if v, ok := canonical(writeTargets, raw); ok {
			return v, ""
		}
		return "", shown + " is not something socpilot writes; expected comment, tasks or both, separated by commas"
	case kPatterns:
		if strings.ContainsAny(raw, "\r\n") {
			return "", shown + " holds a line break; a title is one line (write \\n in the pattern to match one anyway)"
		}
		if _, err := regexp.Compile(raw); err != nil {
			return "", shown + " is not a Go regular expression: " + strings.TrimPrefix(err.Error(), "error parsing regexp: ") +
				"; separate several patterns by " + patternSep + " (or use a YAML list)"
		}
	}
	return raw, ""
}

// normaliseTactic accepts a Sentinel tactic in any case, with or without
// spaces, hyphens or underscores ("Initial Access", "initial-access"), and
// returns the API's spelling.
func normaliseTactic(raw string) (string, string) {
	key := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '_' || r == '\t' {
			return -1
		}
		return r
	}, raw)
	if v, ok := canonical(sentinelTactics, key); ok {
		return v, ""
	}
	shown := strconv.Quote(raw)
	best, bestD := "", 3
	for _, t := range sentinelTactics {
		if d := editDistance(strings.ToLower(key), strings.ToLower(t)); d < bestD {
			best, bestD = t, d
		}
	}
	if best != "" {
		return "", fmt.Sprintf("%s is not a Sentinel tactic (did you mean %q?)", shown, best)
	}
	return "", shown + " is not a Sentinel tactic; expected " + joinOr(sentinelTactics) + " (any case, spaces allowed), separated by commas"
}

// canonical returns the member of list equal to s ignoring case.
func canonical(list []string, s string) (string, bool) {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return v, true
		}
	}
	return "", false
}

func joinOr(xs []string) string {
	if len(xs) < 2 {
		return strings.Join(xs, "")
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}

// policyOf builds a Policy from resolved values by setting key; put has
// checked them.
func policyOf(get func(key string) string) Policy {
	return Policy{
		MinSeverity: get("policy-min-severity"),
		Statuses:    splitNorm(get("policy-statuses")),
		Products:    splitNorm(get("policy-products")),
		Tactics:     splitNorm(get("policy-tactics")),
		Labels:      splitNorm(get("policy-labels")),
		SkipTitles:  splitNorm(get("policy-skip-titles")),
		Write:       splitNorm(get("policy-write")),
		SetStatus:   get("policy-set-status"),
		SetOwner:    get("policy-set-owner"),
	}
}

// serveOf builds the flat serve settings from resolved values; the
// workspaces come from the file (Load).
func serveOf(get func(key string) string) Serve {
	s := Serve{WebhookToken: get("webhook-token"), Policy: policyOf(get)}
	s.Concurrency, _ = strconv.Atoi(get("policy-concurrency"))
	s.TokensPerMinute, _ = strconv.Atoi(get("policy-tokens-per-minute"))
	s.CostCapUSD, _ = strconv.ParseFloat(get("policy-cost-cap-usd"), 64)
	s.MaxAttempts, _ = strconv.Atoi(get("policy-max-attempts"))
	return s
}

// redacted adds the serve settings to a Redacted listing: the token only
// as set, lists as they would be written in a variable.
func (s Serve) redacted(out map[string]string) {
	if s.WebhookToken != "" {
		out["webhook-token"] = "(set, hidden)"
	}
	add := func(k, v string) {
		if v != "" {
			out[k] = v
		}
	}
	p := s.Policy
	add("policy-min-severity", p.MinSeverity)
	add("policy-statuses", strings.Join(p.Statuses, ", "))
	add("policy-products", strings.Join(p.Products, ", "))
	add("policy-tactics", strings.Join(p.Tactics, ", "))
	add("policy-labels", strings.Join(p.Labels, ", "))
	add("policy-skip-titles", strings.Join(p.SkipTitles, " "+patternSep+" "))
	add("policy-write", strings.Join(p.Write, ", "))
	add("policy-set-status", p.SetStatus)
	add("policy-set-owner", p.SetOwner)
	if s.Concurrency != 0 {
		out["policy-concurrency"] = strconv.Itoa(s.Concurrency)
	}
	if s.TokensPerMinute != 0 {
		out["policy-tokens-per-minute"] = strconv.Itoa(s.TokensPerMinute)
	}
	if s.CostCapUSD != 0 {
		out["policy-cost-cap-usd"] = strconv.FormatFloat(s.CostCapUSD, 'g', -1, 64)
	}
	if s.MaxAttempts != 0 {
		out["policy-max-attempts"] = strconv.Itoa(s.MaxAttempts)
	}
	if len(s.Workspaces) > 0 {
		names := make([]string, len(s.Workspaces))
		for i, w := range s.Workspaces {
			names[i] = w.SubscriptionID + "/" + w.ResourceGroup + "/" + w.WorkspaceName
			if w.Policy != nil {
				names[i] += " (own policy)"
			}
		}
		out[workspacesKey] = strings.Join(names, ", ")
	}
}

// workspaceNameKeys are the file keys of a workspaces entry's names.
var workspaceNameKeys = []string{"subscription_id", "resource_group", "workspace_name"}

// workspaces reads the file's workspaces: list.
func (r *fileReader) workspaces(v *yaml.Node) error {
	if v.Tag == "!!null" {
		return nil
	}
	if v.Kind != yaml.SequenceNode {
		return socpilot.Errorf(socpilot.EConfig, "%s:%d: key %q: expected a list of workspaces, each a mapping with subscription_id, resource_group and workspace_name, got %s",
			r.display, v.Line, workspacesKey, nodeKind(v))
	}
	seen := map[string]int{}
	for i, n := range v.Content {
		n = deref(n)
		label := fmt.Sprintf("%s[%d]", workspacesKey, i)
		if n.Kind != yaml.MappingNode {
			return socpilot.Errorf(socpilot.EConfig, "%s:%d: %s: expected a mapping with subscription_id, resource_group and workspace_name, got %s",
				r.display, n.Line, label, nodeKind(n))
		}
		w, err := r.workspace(n, label)
		if err != nil {
			return err
		}
		// ARM ids compare case-insensitively.
		id := strings.ToLower(w.SubscriptionID + "/" + w.ResourceGroup + "/" + w.WorkspaceName)
		if first, ok := seen[id]; ok {
			return socpilot.Errorf(socpilot.EConfig, "%s:%d: %s: workspace %s/%s/%s is listed twice (first on line %d)",
				r.display, n.Line, label, w.SubscriptionID, w.ResourceGroup, w.WorkspaceName, first)
		}
		seen[id] = n.Line
		r.served = append(r.served, w)
	}
	return nil
}

// workspace reads one entry of workspaces:, labelled "workspaces[i]".
func (r *fileReader) workspace(m *yaml.Node, label string) (ServeWorkspace, error) {
	names := map[string]value{}
	policy := map[string]value{}
	seen := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := deref(m.Content[i]), deref(m.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			return ServeWorkspace{}, socpilot.Errorf(socpilot.EConfig, "%s:%d: %s: expected a key name, got %s", r.display, k.Line, label, nodeKind(k))
		}
		shown := label + "." + k.Value
		if first, ok := seen[k.Value]; ok {
			return ServeWorkspace{}, socpilot.Errorf(socpilot.EConfig, "%s:%d: key %q appears twice (first on line %d)", r.display, k.Line, shown, first)
		}
		seen[k.Value] = k.Line
		switch {
		case k.Value == "policy":
			switch {
			case v.Tag == "!!null":
				continue
			case v.Kind != yaml.MappingNode:
				return ServeWorkspace{}, socpilot.Errorf(socpilot.EConfig, "%s:%d: key %q: expected a mapping of policy overrides (min_severity, statuses, products, tactics, labels, skip_titles, write), got %s",
					r.display, v.Line, shown, nodeKind(v))
			}
			sub := fileReader{path: r.path, display: r.display, getenv: r.getenv, out: policy}
			if err := sub.mapping(v, section{prefix: "policy.", label: shown + ".", workspace: true}); err != nil {
				return ServeWorkspace{}, err
			}
		case slices.Contains(workspaceNameKeys, k.Value):
			s, _ := settingByYAML(k.Value)
			where := fmt.Sprintf("%s:%d: key %q", r.display, v.Line, shown)
			if v.Tag == "!!null" {
				continue // reported as missing below
			}
			if v.Kind != yaml.ScalarNode {
				return ServeWorkspace{}, socpilot.Errorf(socpilot.EConfig, "%s: expected %s, got %s", where, expectedType(s.kind), nodeKind(v))
			}
			if err := put(names, s, v.Value, value{origin: "file:" + r.path, where: where}, r.getenv); err != nil {
				return ServeWorkspace{}, err
			}
		default:
			keys := append(slices.Clone(workspaceNameKeys), "policy")
			for j := range keys {
				keys[j] = label + "." + keys[j]
			}
			return ServeWorkspace{}, socpilot.Errorf(socpilot.EConfig, "%s:%d: unknown key %q%s", r.display, k.Line, shown, suggestFrom(shown, keys))
		}
	}
	var missing []string
	for _, k := range workspaceNameKeys {
		s, _ := settingByYAML(k)
		if _, ok := names[s.key]; !ok {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return ServeWorkspace{}, socpilot.Errorf(socpilot.EConfig, "%s:%d: %s: missing %s; each entry of workspaces needs subscription_id, resource_group and workspace_name",
			r.display, m.Line, label, joinAnd(missing))
	}
	w := ServeWorkspace{
		SubscriptionID: names["subscription-id"].v,
		ResourceGroup:  names["resource-group"].v,
		WorkspaceName:  names["workspace-name"].v,
	}
	if p := policyOf(func(k string) string { return policy[k].v }); !p.empty() {
		w.Policy = &p
	}
	return w, nil
}
