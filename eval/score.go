package eval

import (
	"math"
	"net/netip"
	"slices"
	"strings"

	"github.com/socpilot/socpilot"
)

// Report is the result of an evaluation: `socpilot eval -o json` prints it
// as it is. Its JSON is stable: fields are added, never renamed or removed.
type Report struct {
	// Mode is "files" (labelled incident files) or "closed" (the
	// workspace's closed incidents against their classification).
	Mode string `json:"mode"`
	// Source is the directory of the files, or the workspace's name.
	Source string `json:"source"`
	// Analyst is "offline" or the model that analysed.
	Analyst string `json:"analyst"`
	// Notes say what the evaluation could not score, and why.
	Notes     []string `json:"notes"`
	Incidents []Result `json:"incidents"`
	// Skipped are incidents left out (no usable classification).
	Skipped []Skipped `json:"skipped"`
	Totals  Totals    `json:"totals"`
}

// Result is the score of one incident.
type Result struct {
	Number     int                `json:"number"`
	File       string             `json:"file,omitempty"`
	Title      string             `json:"title"`
	Expected   socpilot.Verdict   `json:"expected"`
	Acceptable []socpilot.Verdict `json:"acceptable"`
	// Got is the analysis's verdict; "" when the analysis failed.
	Got   socpilot.Verdict `json:"got"`
	Score int              `json:"score"` // the triage score, 0-100
	// Exact: Got is Expected. WithinAcceptable: Got is Expected or one of
	// Acceptable. A failed analysis is neither.
	Exact            bool `json:"exact"`
	WithinAcceptable bool `json:"withinAcceptable"`
	// Error is why the analysis failed; Fallback why a model's analysis
	// was replaced by the offline one.
	Error    string `json:"error,omitempty"`
	Fallback string `json:"fallback,omitempty"`
	// Compromised: expected identifiers found among the analysis's
	// compromised entities. Actions: expected actions found in the
	// checklist ("verb entity"). Tactics: expected tactic ids named.
	Compromised Recall `json:"compromised"`
	Actions     Recall `json:"actions"`
	Tactics     Recall `json:"tactics"`
	// Harmful are checklist actions that would hurt: a label's forbidden
	// action, or blocking an internal address.
	Harmful []Harm `json:"harmful"`
	// Usage is the model's usage for this incident (zero offline, and for
	// an analysis reused from the cache).
	Usage socpilot.Usage `json:"usage"`
}

// Recall is how many of the expected items one analysis found, and which
// it missed.
type Recall struct {
	Expected int      `json:"expected"`
	Found    int      `json:"found"`
	Missed   []string `json:"missed"`
}

// Harm is a harmful action present in a checklist.
type Harm struct {
	Verb   socpilot.ActionVerb `json:"verb"`
	Entity string              `json:"entity"`
	Step   string              `json:"step"` // the checklist item's title
	Why    string              `json:"why"`
}

// Skipped is an incident left out of the evaluation.
type Skipped struct {
	Number int    `json:"number"`
	Title  string `json:"title"`
	Reason string `json:"reason"`
}

// Totals are the scores over all incidents.
type Totals struct {
	Incidents int `json:"incidents"`
	Errors    int `json:"errors"` // analyses that failed (counted as wrong)
	// Exact and WithinAcceptable are verdict accuracy over all incidents.
	Exact            Rate      `json:"exact"`
	WithinAcceptable Rate      `json:"withinAcceptable"`
	Confusion        Confusion `json:"confusion"`
	// Recalls are means of the per-incident recall over the incidents that
	// expect at least one item; the others are not counted.
	Compromised RecallTotal `json:"compromised"`
	Actions     RecallTotal `json:"actions"`
	Tactics     RecallTotal `json:"tactics"`
	// HarmfulActions is how many harmful actions all checklists hold, in
	// IncidentsWithHarm incidents.
	HarmfulActions    int            `json:"harmfulActions"`
	IncidentsWithHarm int            `json:"incidentsWithHarm"`
	Usage             socpilot.Usage `json:"usage"`
}

// Rate is Count of Of, and the percentage rounded to two decimals (0 when
// Of is 0).
type Rate struct {
	Count   int     `json:"count"`
	Of      int     `json:"of"`
	Percent float64 `json:"percent"`
}

func rate(count, of int) Rate {
	r := Rate{Count: count, Of: of}
	if of > 0 {
		r.Percent = percent(float64(count) / float64(of))
	}
	return r
}

// percent is f as a percentage rounded to two decimals.
func percent(f float64) float64 { return math.Round(f*10000) / 100 }

// RecallTotal is a recall over the incidents that expect at least one
// item: Percent is the mean of their per-incident recalls, rounded to two
// decimals (0 when there are none); Found of Expected are the items over those incidents.
type RecallTotal struct {
	Percent   float64 `json:"percent"`
	Incidents int     `json:"incidents"`
	Found     int     `json:"found"`
	Expected  int     `json:"expected"`
}

// Confusion is the verdict confusion matrix: Counts[i][j] incidents
// expected Verdicts[i] got Verdicts[j]. Failed analyses are not in it.
type Confusion struct {
	Verdicts []socpilot.Verdict `json:"verdicts"` // dismiss, remediate, escalate
	Counts   [3][3]int          `json:"counts"`
}

// Score scores one analysis against its case's labels.
func Score(c Case, a socpilot.Analysis) Result {
	r := newResult(c)
	r.Got, r.Score = a.Triage.Verdict, a.Triage.Score
	r.Exact = r.Got == c.Expected.Verdict
	r.WithinAcceptable = r.Exact || slices.Contains(c.Expected.Acceptable, r.Got)
	r.Fallback = a.Fallback
	if !a.Cached {
		r.Usage = a.Usage
	}

	var compromised []string
	for _, ce := range a.Compromised {
		compromised = append(compromised, ce.Entity)
	}
	for _, want := range c.Expected.Compromised {
		if slices.ContainsFunc(compromised, func(got string) bool { return SameEntity(got, want) }) {
			r.Compromised.Found++
		} else {
			r.Compromised.Missed = append(r.Compromised.Missed, want)
		}
	}

	actions := checklistActions(a)
	same := entityAliases(c.Details.Entities)
	for _, want := range c.Expected.Actions {
		if slices.ContainsFunc(actions, func(got step) bool { return got.matchesIn(want, same) }) {
			r.Actions.Found++
		} else {
			r.Actions.Missed = append(r.Actions.Missed, want.String())
		}
	}

	for _, want := range c.Expected.Tactics {
		if slices.ContainsFunc(a.Tactics, func(t socpilot.TacticNote) bool { return strings.EqualFold(strings.TrimSpace(t.ID), want) }) {
			r.Tactics.Found++
		} else {
			r.Tactics.Missed = append(r.Tactics.Missed, want)
		}
	}

	r.Harmful = harmful(actions, c.Expected.Forbidden, same)
	return r
}

// Failed is the result of an incident whose analysis failed: wrong, and
// nothing found.
func Failed(c Case, err error) Result {
	r := newResult(c)
	r.Error = strings.Join(strings.Fields(err.Error()), " ")
	r.Compromised.Missed = slices.Clone(c.Expected.Compromised)
	for _, a := range c.Expected.Actions {
		r.Actions.Missed = append(r.Actions.Missed, a.String())
	}
	r.Tactics.Missed = slices.Clone(c.Expected.Tactics)
	return r
}

func newResult(c Case) Result {
	title := c.Title
	if title == "" {
		title = c.Details.Incident.Title
	}
	acc := c.Expected.Acceptable
	if acc == nil {
		acc = []socpilot.Verdict{}
	}
	return Result{
		Number: c.Number, File: c.File, Title: title,
		Expected: c.Expected.Verdict, Acceptable: acc,
		Compromised: Recall{Expected: len(c.Expected.Compromised), Missed: []string{}},
		Actions:     Recall{Expected: len(c.Expected.Actions), Missed: []string{}},
		Tactics:     Recall{Expected: len(c.Expected.Tactics), Missed: []string{}},
		Harmful:     []Harm{},
	}
}

// step is one typed action of a checklist.
type step struct {
	action socpilot.Action
	title  string
}

// matchesIn is matches where two identifiers of one incident entity (a
// message's network message id and its subject, a mailbox and its UPN)
// name the same thing.
func (s step) matchesIn(a ExpectedAction, same func(x, y string) bool) bool {
	return s.action.Verb == a.Verb && (SameEntity(s.action.Entity, a.Entity) || same(s.action.Entity, a.Entity))
}

// entityAliases reports whether x and y are both identifying values of one
// entity of the incident (any of its top-level string properties).
func entityAliases(es []socpilot.Entity) func(x, y string) bool {
	owner := map[string][]int{}
	for i, e := range es {
		for k, v := range e.Properties {
			if s, ok := v.(string); ok && len(s) >= 3 && k != "friendlyName" && !strings.HasSuffix(k, "EntityId") {
				key := strings.ToLower(strings.TrimSpace(s))
				owner[key] = append(owner[key], i)
			}
		}
	}
	return func(x, y string) bool {
		for _, i := range owner[strings.ToLower(strings.TrimSpace(x))] {
			if slices.Contains(owner[strings.ToLower(strings.TrimSpace(y))], i) {
				return true
			}
		}
		return false
	}
}

func checklistActions(a socpilot.Analysis) []step {
	var out []step
	for _, it := range a.Checklist {
		if it.Action != nil {
			out = append(out, step{action: *it.Action, title: it.Title})
		}
	}
	return out
}

// harmful lists the checklist's actions that match a forbidden one, and
// every block of an internal address: blocking the organisation's own
// addresses cuts it off, whatever the incident.
func harmful(actions []step, forbidden []ExpectedAction, same func(x, y string) bool) []Harm {
	out := []Harm{}
	for _, s := range actions {
		why := ""
		for _, f := range forbidden {
			if s.matchesIn(f, same) {
				why = "forbidden by the labels: " + f.String()
				break
			}
		}
		if why == "" && s.action.Verb == socpilot.ActionBlockIP && socpilot.InternalIP(s.action.Entity) {
			why = "blocks an internal address"
		}
		if why == "" {
			continue
		}
		h := Harm{Verb: s.action.Verb, Entity: s.action.Entity, Step: s.title, Why: why}
		if !slices.ContainsFunc(out, func(o Harm) bool { return o.Verb == h.Verb && SameEntity(o.Entity, h.Entity) }) {
			out = append(out, h)
		}
	}
	return out
}

// Summarize totals per-incident results.
func Summarize(results []Result) Totals {
	t := Totals{Incidents: len(results), Confusion: Confusion{Verdicts: slices.Clone(Verdicts)}}
	var exact, within int
	var comp, act, tac recallSum
	for _, r := range results {
		if r.Error != "" {
			t.Errors++
		}
		if r.Exact {
			exact++
		}
		if r.WithinAcceptable {
			within++
		}
		if i, j := verdictIndex(r.Expected), verdictIndex(r.Got); i >= 0 && j >= 0 && r.Error == "" {
			t.Confusion.Counts[i][j]++
		}
		comp.add(r.Compromised)
		act.add(r.Actions)
		tac.add(r.Tactics)
		t.HarmfulActions += len(r.Harmful)
		if len(r.Harmful) > 0 {
			t.IncidentsWithHarm++
		}
		t.Usage.Add(r.Usage)
	}
	t.Exact, t.WithinAcceptable = rate(exact, len(results)), rate(within, len(results))
	t.Compromised, t.Actions, t.Tactics = comp.total(), act.total(), tac.total()
	return t
}

type recallSum struct {
	sum                        float64
	incidents, found, expected int
}

func (s *recallSum) add(r Recall) {
	if r.Expected == 0 {
		return
	}
	s.incidents++
	s.found += r.Found
	s.expected += r.Expected
	s.sum += float64(r.Found) / float64(r.Expected)
}

func (s recallSum) total() RecallTotal {
	t := RecallTotal{Incidents: s.incidents, Found: s.found, Expected: s.expected}
	if s.incidents > 0 {
		t.Percent = percent(s.sum / float64(s.incidents))
	}
	return t
}

// SameEntity reports whether two identifiers name the same entity, the way
// an analyst reads them: case-insensitively; an account by its UPN, its
// account name or DOMAIN\name (adele.vance, adele.vance@contoso.com and
// CONTOSO\adele.vance are one account); a host by its name or its FQDN
// (WS-FIN-023 and ws-fin-023.contoso.com). Two UPNs, two DOMAIN\names or
// two FQDNs that differ are different entities; addresses, URLs, paths
// and hashes compare whole.
func SameEntity(a, b string) bool {
	x, y := parseIdent(a), parseIdent(b)
	if x.full == "" || y.full == "" {
		return false
	}
	if x.full == y.full {
		return true
	}
	if x.form == formWhole || y.form == formWhole || x.form != formBare && x.form == y.form {
		return false
	}
	return x.account != "" && x.account == y.account || x.host != "" && x.host == y.host
}

// Forms of an identifier.
const (
	formBare   = iota // adele, WS01: an account or a host name
	formWhole         // an address, URL, path, hash with separators: compared whole
	formUPN           // name@domain
	formDomain        // DOMAIN\name
	formDotted        // adele.vance (an account name) or ws01.contoso.com (an FQDN)
)

type ident struct {
	full          string
	form          int
	account, host string // what it may stand for
}

func parseIdent(s string) ident {
	s = strings.ToLower(strings.TrimSpace(s))
	id := ident{full: s}
	if addr, err := netip.ParseAddr(s); err == nil {
		id.full, id.form = addr.Unmap().String(), formWhole
		return id
	}
	if strings.ContainsAny(s, "/: \t") {
		id.full, id.form = strings.TrimSuffix(s, "/"), formWhole
		return id
	}
	if i := strings.IndexByte(s, '\\'); i >= 0 {
		if strings.Count(s, `\`) == 1 && i > 0 && i < len(s)-1 {
			id.form, id.account = formDomain, s[i+1:]
		} else {
			id.form = formWhole
		}
		return id
	}
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		if i > 0 && i < len(s)-1 {
			id.form, id.account = formUPN, s[:i]
		} else {
			id.form = formWhole
		}
		return id
	}
	if i := strings.IndexByte(s, '.'); i >= 0 {
		id.form, id.account = formDotted, s
		if i > 0 && looksLikeFQDN(s) {
			id.host = s[:i]
		}
		return id
	}
	id.form, id.account, id.host = formBare, s, s
	return id
}

// looksLikeFQDN tells a host's FQDN (ws01.contoso.com, dc01.corp) from an
// account name with a dot (adele.vance): two dots or more, or a last label
// that names a DNS or directory suffix.
func looksLikeFQDN(s string) bool {
	if strings.Count(s, ".") >= 2 {
		return true
	}
	switch s[strings.LastIndexByte(s, '.')+1:] {
	case "com", "net", "org", "local", "lan", "corp", "internal", "intra", "ad", "io":
		return true
	}
	return false
}
