// Package analysis turns an incident into a grounded analysis: the digest a
// model reads, the prompts, the analyze and ask pipelines, the checks of
// what a model wrote against the incident, and conversation memory.
package analysis

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/socpilot/socpilot"
)

// DefaultDigestTokens is the digest budget: room for a large incident while
// leaving most of a 128k context for instructions, facts and the answer.
const DefaultDigestTokens = 12000

// Digest is a compact, deterministic text rendering of an incident for a prompt.
type Digest struct {
	Text   string
	Tokens int
	// Dropped lists what the truncation policy removed, in the order removed.
	Dropped []string
	// Identifiers are the values that must survive any truncation: entity
	// values, alert names and alert ids.
	Identifiers []string
}

// DigestOptions tune BuildDigest.
type DigestOptions struct {
	MaxTokens int // 0 → DefaultDigestTokens
	// Count counts tokens; nil → CountTokens (tiktoken o200k_base).
	Count func(string) int
}

// digestLevel is one step of the truncation policy. Each level keeps every
// identifier; they drop, in order: older comments, long free text, extra
// entity properties, alert descriptions, and finally collapse alerts of the
// same name into one line with their ids.
type digestLevel struct {
	maxComments    int
	textLimit      int  // runes kept of descriptions, command lines
	entityDetails  bool // extra entity properties
	alertDetails   bool // alert descriptions and remediation
	collapseAlerts bool
	dropped        string
}

var digestLevels = []digestLevel{
	{maxComments: 10, textLimit: 2000, entityDetails: true, alertDetails: true},
	{maxComments: 3, textLimit: 600, entityDetails: true, alertDetails: true, dropped: "comments beyond the newest 3; free text cut to 600 characters"},
	{maxComments: 1, textLimit: 300, entityDetails: false, alertDetails: true, dropped: "extra entity properties (identifying values kept); free text cut to 300 characters"},
	{maxComments: 0, textLimit: 160, entityDetails: false, alertDetails: false, dropped: "alert descriptions and remediation steps; all comments"},
	{maxComments: 0, textLimit: 80, entityDetails: false, alertDetails: false, collapseAlerts: true, dropped: "repeated alerts collapsed to one line per alert name (every alert id kept)"},
}

// BuildDigest renders d within the token budget, applying the truncation
// policy step by step and saying in the digest what it dropped.
func BuildDigest(d socpilot.IncidentDetails, opts DigestOptions) Digest {
	if opts.MaxTokens <= 0 {
		opts.MaxTokens = DefaultDigestTokens
	}
	if opts.Count == nil {
		opts.Count = CountTokens
	}
	var dropped []string
	var text string
	var tokens int
	for i, lvl := range digestLevels {
		if lvl.dropped != "" {
			dropped = append(dropped, lvl.dropped)
		}
		text = renderDigest(d, lvl, dropped)
		tokens = opts.Count(text)
		if tokens <= opts.MaxTokens || i == len(digestLevels)-1 {
			break
		}
	}
	return Digest{Text: text, Tokens: tokens, Dropped: dropped, Identifiers: Identifiers(d)}
}

// Identifiers are the values a digest must keep whatever its budget.
func Identifiers(d socpilot.IncidentDetails) []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		s = oneLine(s)
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, a := range d.Alerts {
		add(a.DisplayName)
		add(a.SystemAlertID)
	}
	for _, e := range d.Entities {
		add(entityValue(e))
	}
	return out
}

func entityValue(e socpilot.Entity) string { return oneLine(e.Value()) }

func renderDigest(d socpilot.IncidentDetails, lvl digestLevel, dropped []string) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	i := d.Incident
	w("INCIDENT %d\n", i.Number)
	w("title: %s\n", oneLine(i.Title))
	w("severity: %s; status: %s", i.Severity, i.Status)
	if i.Classification != "" {
		w("; classification: %s %s", i.Classification, i.ClassificationReason)
	}
	w("\n")
	w("created: %s; first activity: %s; last activity: %s\n", ts(i.CreatedTime), ts(i.FirstActivityTime), ts(i.LastActivityTime))
	if i.Owner.AssignedTo != "" || i.Owner.UserPrincipalName != "" {
		w("owner: %s\n", oneLine(firstNonEmpty(i.Owner.AssignedTo, i.Owner.UserPrincipalName)))
	}
	if len(i.Tactics) > 0 {
		w("tactics: %s\n", strings.Join(i.Tactics, ", "))
	}
	if len(i.Techniques) > 0 {
		w("techniques: %s\n", strings.Join(i.Techniques, ", "))
	}
	if len(i.AlertProductNames) > 0 {
		w("products: %s\n", strings.Join(i.AlertProductNames, ", "))
	}
	if len(i.Labels) > 0 {
		w("labels: %s\n", oneLine(strings.Join(i.Labels, ", ")))
	}
	if i.Description != "" {
		w("description: %s\n", clip(i.Description, lvl.textLimit))
	}

	alerts := slices.Clone(d.Alerts)
	sort.SliceStable(alerts, func(a, b int) bool { return alerts[a].Time().Before(alerts[b].Time()) })
	w("\nALERTS (%d, oldest first)\n", len(alerts))
	if lvl.collapseAlerts {
		type group struct {
			first, last time.Time
			sev, prod   string
			ids         []string
		}
		var order []string
		groups := map[string]*group{}
		for _, a := range alerts {
			g, ok := groups[a.DisplayName]
			if !ok {
				g = &group{first: a.Time(), sev: a.Severity, prod: a.ProductName}
				groups[a.DisplayName] = g
				order = append(order, a.DisplayName)
			}
			g.last = a.Time()
			g.ids = append(g.ids, a.SystemAlertID)
		}
		for n, name := range order {
			g := groups[name]
			w("A%d %s..%s x%d %s %q (%s) ids: %s\n", n+1, ts(g.first), ts(g.last), len(g.ids), g.sev, oneLine(name), oneLine(g.prod), strings.Join(g.ids, ", "))
		}
	} else {
		for n, a := range alerts {
			w("A%d %s %s %q (%s) id %s", n+1, ts(a.Time()), a.Severity, oneLine(a.DisplayName), oneLine(a.ProductName), a.SystemAlertID)
			if len(a.Tactics) > 0 {
				w("; tactics %s", strings.Join(a.Tactics, ","))
			}
			if len(a.Techniques) > 0 {
				w("; techniques %s", strings.Join(a.Techniques, ","))
			}
			w("\n")
			if lvl.alertDetails && a.Description != "" {
				w("   description: %s\n", clip(a.Description, lvl.textLimit))
			}
			if lvl.alertDetails && len(a.RemediationSteps) > 0 {
				w("   remediation: %s\n", clip(strings.Join(a.RemediationSteps, " "), lvl.textLimit))
			}
		}
	}

	byID := map[string]socpilot.Entity{}
	for _, e := range d.Entities {
		byID[e.ID] = e
	}
	w("\nENTITIES (%d)\n", len(d.Entities))
	for _, g := range groupByKind(d.Entities) {
		w("%s:\n", g.kind)
		seen := map[string]bool{}
		for _, e := range g.entities {
			v := entityValue(e)
			extra := entityExtra(e, byID, lvl)
			key := v + "\x00" + extra
			if seen[key] {
				continue // the same entity reported by several alerts
			}
			seen[key] = true
			w("- %s", v)
			if extra != "" {
				w(" (%s)", extra)
			}
			w("\n")
		}
	}

	if len(d.Bookmarks) > 0 {
		w("\nBOOKMARKS (%d)\n", len(d.Bookmarks))
		for _, bm := range d.Bookmarks {
			w("- %s %s", ts(bm.EventTime), oneLine(bm.DisplayName))
			if lvl.entityDetails && bm.Query != "" {
				w(" query: %s", clip(bm.Query, lvl.textLimit))
			}
			w("\n")
		}
	}
	comments := socpilot.AnalystComments(d.Comments)
	if len(comments) > lvl.maxComments {
		comments = comments[len(comments)-lvl.maxComments:]
	}
	if len(comments) > 0 {
		w("\nANALYST COMMENTS (newest %d of %d)\n", len(comments), len(socpilot.AnalystComments(d.Comments)))
		for _, c := range comments {
			w("- %s %s: %s\n", ts(c.CreatedTime), oneLine(c.Author), clip(c.Text(), lvl.textLimit))
		}
	}
	// socpilot's own tasks came from an earlier analysis: leaving them out
	// keeps one run from feeding the next.
	var tasks []socpilot.Task
	for _, t := range d.Tasks {
		if !socpilot.OwnTask(t) {
			tasks = append(tasks, t)
		}
	}
	if len(tasks) > 0 {
		w("\nEXISTING TASKS (%d)\n", len(tasks))
		for _, t := range tasks {
			w("- [%s] %s\n", t.Status, oneLine(t.Title))
		}
	}
	if len(dropped) > 0 {
		w("\nTRUNCATED to fit the budget; dropped: %s\n", strings.Join(dropped, "; "))
	}
	return b.String()
}

type kindGroup struct {
	kind     string
	entities []socpilot.Entity
}

func groupByKind(es []socpilot.Entity) []kindGroup {
	idx := map[string]int{}
	var out []kindGroup
	for _, e := range es {
		i, ok := idx[e.Kind]
		if !ok {
			i = len(out)
			idx[e.Kind] = i
			out = append(out, kindGroup{kind: e.Kind})
		}
		out[i].entities = append(out[i].entities, e)
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].kind < out[b].kind })
	for _, g := range out {
		sort.SliceStable(g.entities, func(a, b int) bool { return entityValue(g.entities[a]) < entityValue(g.entities[b]) })
	}
	return out
}

// digestProps are the properties worth a model's attention, per kind; the
// rest is ARM noise or repeats the identifying value.
var digestProps = map[string][]string{
	socpilot.KindAccount:          {"displayName", "aadUserId", "sid", "ntDomain", "isDomainJoined"},
	socpilot.KindHost:             {"osFamily", "osVersion", "netBiosName", "azureID", "isDomainJoined"},
	socpilot.KindIP:               {},
	socpilot.KindURL:              {},
	socpilot.KindFile:             {"directory", "fileName"},
	socpilot.KindFileHash:         {"algorithm"},
	socpilot.KindProcess:          {"processId", "creationTimeUtc", "elevationToken"},
	socpilot.KindMailMessage:      {"sender", "p1Sender", "p2Sender", "recipient", "senderIP", "receiveDate", "deliveryAction", "deliveryLocation", "urls", "threats", "networkMessageId"},
	socpilot.KindMailbox:          {"displayName", "upn"},
	socpilot.KindCloudApplication: {"appId", "instanceName"},
	socpilot.KindAzureResource:    {"subscriptionId"},
	socpilot.KindDNSResolution:    {"ipAddresses", "dnsServerIp", "hostIpAddress"},
	socpilot.KindRegistryKey:      {"hive"},
	socpilot.KindRegistryValue:    {"valueType", "valueData"},
}

func entityExtra(e socpilot.Entity, byID map[string]socpilot.Entity, lvl digestLevel) string {
	var parts []string
	v := entityValue(e)
	if lvl.entityDetails {
		for _, k := range digestProps[e.Kind] {
			x := propText(e.Properties[k])
			if x != "" && x != v {
				parts = append(parts, k+"="+clip(x, lvl.textLimit))
			}
		}
		if e.Kind == socpilot.KindIP {
			if loc, ok := e.Properties["location"].(map[string]any); ok {
				var l []string
				for _, k := range []string{"city", "countryName", "countryCode", "asn", "organization", "carrier"} {
					if x := propText(loc[k]); x != "" {
						l = append(l, x)
					}
				}
				if len(l) > 0 {
					parts = append(parts, "location="+strings.Join(l, "/"))
				}
			}
		}
	}
	if e.Kind == socpilot.KindProcess {
		// The command line is the identifying value; keep its parent and image.
		for _, ref := range []string{"parentProcessEntityId", "imageFileEntityId", "accountEntityId", "hostEntityId"} {
			if id, _ := e.Properties[ref].(string); id != "" {
				if r, ok := byID[id]; ok {
					parts = append(parts, strings.TrimSuffix(ref, "EntityId")+"="+clip(entityValue(r), lvl.textLimit))
				}
			}
		}
	}
	return strings.Join(parts, "; ")
}

func propText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return oneLine(x)
	case float64:
		if x == float64(int64(x)) {
			return fmt.Sprint(int64(x))
		}
		return fmt.Sprint(x)
	case bool:
		return fmt.Sprint(x)
	case []any:
		var s []string
		for _, e := range x {
			if t := propText(e); t != "" {
				s = append(s, t)
			}
		}
		return strings.Join(s, ",")
	}
	return ""
}

func ts(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// oneLine folds whitespace so one field cannot forge lines of the digest.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// clip is oneLine cut to n runes, marking the cut.
func clip(s string, n int) string {
	s = oneLine(s)
	r := []rune(s)
	if n <= 0 || len(r) <= n {
		return s
	}
	return string(r[:n]) + fmt.Sprintf("…[+%d chars]", len(r)-n)
}
