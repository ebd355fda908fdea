// Package offline is socpilot's deterministic analyst: from an incident
// alone, with no model, it writes the summary, the timeline, the ATT&CK
// tactics explained, a scored triage recommendation with its reasons, a
// checklist from playbooks naming the concrete entities, and KQL hunting
// queries from templates for the workspace's tables. Same input, same
// output: its results are golden-tested for every demo incident.
package offline

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/attack"
	"github.com/socpilot/socpilot/offline/prefilter"
)

// Options configure an Analyst.
type Options struct {
	// HasTable reports whether the workspace has a table; queries only use
	// tables it has. nil: every table.
	HasTable func(name string) bool
	// Estate is what the organisation owns, from settings (own_networks,
	// own_domains, a watchlist); the analyst adds what the incident itself
	// shows (internal ranges, the tenant's UPN domains, victim hosts).
	Estate socpilot.Estate
}

// Analyst is the offline analyst. The zero value works.
type Analyst struct{ opts Options }

// New returns an analyst.
func New(opts Options) *Analyst { return &Analyst{opts: opts} }

// Thresholds of the triage score.
const (
	EscalateFrom = 70 // score ≥ 70: escalate to tier 2
	DismissBelow = 30 // score < 30: dismiss candidate
)

// facts are what the analyst derives once and every part uses.
type facts struct {
	d                 socpilot.IncidentDetails
	alerts            []socpilot.Alert // oldest first
	byKind            map[string][]socpilot.Entity
	tactics           []attack.Tactic    // kill-chain order
	techniques        []attack.Technique // sorted by id
	unknownTechniques []string
	products          []string
	start, end        time.Time

	estate   socpilot.Estate
	sents    []sentence        // what a human reads, injection-free
	injected bool              // some text tried to steer an AI assistant
	roles    map[string]ipRole // per IP entity value
	// candidates are what the incident shows the attacker holds; compromised
	// is what stands after the verdict.
	candidates    []compromise
	compromised   []compromise
	grantEvidence string
	grantees      []socpilot.Entity
	context       []verdictFact
	decoded       []Decoded
	escalating    bool
	dcSaid        map[string]*prefilter.Regexp // isDC's pattern per host name, compiled once
}

func (an *Analyst) hasTable(name string) bool {
	return an.opts.HasTable == nil || an.opts.HasTable(name)
}

// Analyze writes the offline analysis of an incident.
func (an *Analyst) Analyze(d socpilot.IncidentDetails) socpilot.Analysis {
	f := derive(d)
	f.estate = an.opts.Estate
	f.sents = f.texts()
	f.roles = f.ipRoles(f.sents)
	f.candidates = f.findCompromised()
	f.compromised = f.candidates
	f.context = f.contextFacts()
	for _, p := range f.byKind[socpilot.KindProcess] {
		if dc := DecodeCommandLine(p.Value()); len(dc.Layers) > 0 {
			f.decoded = append(f.decoded, dc)
		}
	}
	inc := d.Incident
	a := socpilot.Analysis{
		Incident:     socpilot.IncidentRef{Number: inc.Number, Name: inc.Name, ID: inc.ID, Title: inc.Title, Severity: inc.Severity, Status: inc.Status, URL: inc.URL, DefenderID: defenderID(inc)},
		Source:       socpilot.SourceOffline,
		Findings:     []socpilot.Finding{},
		Correlations: []socpilot.Correlation{},
	}
	a.Triage = triage(f)
	f.escalating = a.Triage.Verdict == socpilot.VerdictEscalate
	f.settle(a.Triage.Verdict)
	a.Compromised = f.compromisedEntities()
	a.Decoded = f.decoded
	a.Summary = summary(f)
	a.WhyItMatters = whyItMatters(f, a.Triage)
	a.Timeline = timeline(f)
	a.Tactics = tacticNotes(f)
	a.Checklist = checklist(f, a.Triage)
	a.Queries = an.queries(f)
	if len(f.unknownTechniques) > 0 {
		a.Findings = append(a.Findings, socpilot.Finding{Kind: "unknown-technique",
			Text: "techniques not in socpilot's ATT&CK catalog: " + strings.Join(f.unknownTechniques, ", ")})
	}
	return a
}

func derive(d socpilot.IncidentDetails) *facts {
	d.Comments = socpilot.AnalystComments(d.Comments)
	f := &facts{d: d, byKind: map[string][]socpilot.Entity{}}
	f.alerts = slices.Clone(d.Alerts)
	sort.SliceStable(f.alerts, func(i, j int) bool { return f.alerts[i].Time().Before(f.alerts[j].Time()) })
	seen := map[string]bool{}
	for _, e := range d.Entities {
		k := e.Kind + "\x00" + strings.ToLower(e.Value())
		if seen[k] {
			continue
		}
		seen[k] = true
		f.byKind[e.Kind] = append(f.byKind[e.Kind], e)
	}
	for k := range f.byKind {
		es := f.byKind[k]
		sort.SliceStable(es, func(i, j int) bool { return es[i].Value() < es[j].Value() })
	}

	tset := map[string]attack.Tactic{}
	addTactic := func(name string) {
		if t, ok := attack.LookupTactic(name); ok {
			tset[t.ID] = t
		}
	}
	for _, t := range d.Incident.Tactics {
		addTactic(t)
	}
	techSet := map[string]attack.Technique{}
	unknown := map[string]bool{}
	addTech := func(id string) {
		if t, ok := attack.TechniqueByID(id); ok {
			techSet[t.ID] = t
		} else if strings.TrimSpace(id) != "" {
			unknown[id] = true
		}
	}
	for _, t := range d.Incident.Techniques {
		addTech(t)
	}
	prods := map[string]bool{}
	for _, a := range f.alerts {
		for _, t := range a.Tactics {
			addTactic(t)
		}
		for _, t := range a.Techniques {
			addTech(t)
		}
		if a.ProductName != "" {
			prods[a.ProductName] = true
		}
		if t := a.Time(); !t.IsZero() {
			if f.start.IsZero() || t.Before(f.start) {
				f.start = t
			}
			end := a.EndTime
			if end.IsZero() {
				end = t
			}
			if end.After(f.end) {
				f.end = end
			}
		}
	}
	for _, p := range d.Incident.AlertProductNames {
		prods[p] = true
	}
	for p := range prods {
		f.products = append(f.products, p)
	}
	sort.Strings(f.products)
	for _, t := range tset {
		f.tactics = append(f.tactics, t)
	}
	sort.Slice(f.tactics, func(i, j int) bool { return f.tactics[i].Order < f.tactics[j].Order })
	for _, t := range techSet {
		f.techniques = append(f.techniques, t)
	}
	sort.Slice(f.techniques, func(i, j int) bool { return f.techniques[i].ID < f.techniques[j].ID })
	for id := range unknown {
		f.unknownTechniques = append(f.unknownTechniques, id)
	}
	sort.Strings(f.unknownTechniques)
	if f.start.IsZero() {
		f.start = firstTime(d.Incident.FirstActivityTime, d.Incident.CreatedTime)
	}
	if f.end.IsZero() {
		f.end = firstTime(d.Incident.LastActivityTime, f.start)
	}
	if !d.Incident.FirstActivityTime.IsZero() && d.Incident.FirstActivityTime.Before(f.start) {
		f.start = d.Incident.FirstActivityTime
	}
	if d.Incident.LastActivityTime.After(f.end) {
		f.end = d.Incident.LastActivityTime
	}
	return f
}

func firstTime(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}

// values returns the identifying values of the entities of a kind.
func (f *facts) values(kind string) []string {
	var out []string
	for _, e := range f.byKind[kind] {
		if v := oneLine(e.Value()); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func (f *facts) hasTactic(id string) bool {
	for _, t := range f.tactics {
		if t.ID == id {
			return true
		}
	}
	return false
}

// hasTechnique matches an id or any of its sub-techniques.
func (f *facts) hasTechnique(ids ...string) bool {
	for _, t := range f.techniques {
		for _, id := range ids {
			if t.ID == id || strings.HasPrefix(t.ID, id+".") {
				return true
			}
		}
	}
	return false
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// list names up to n values, then says how many more.
func list(vals []string, n int) string {
	if len(vals) == 0 {
		return ""
	}
	if len(vals) <= n {
		return strings.Join(vals, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(vals[:n], ", "), len(vals)-n)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

func ts(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// defenderID is the incident's Defender portal id when it has one of its
// own: Sentinel incidents of a workspace onboarded to the unified portal
// carry it as providerIncidentId.
func defenderID(inc socpilot.Incident) string {
	id := inc.ProviderIncidentID
	if id == "" || id == strconv.Itoa(inc.Number) || strings.ContainsFunc(id, func(r rune) bool { return r < '0' || r > '9' }) {
		return ""
	}
	return id
}
