package automation

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/socpilot/socpilot"
)

// Policy says which incidents the service enriches and what it writes.
// The zero value enriches every incident that is not closed and writes
// the comment and the tasks.
type Policy struct {
	// MinSeverity skips incidents below it ("" = Informational: all).
	MinSeverity string
	// Statuses the incident must have; empty = New and Active.
	Statuses []string
	// Products: at least one of the incident's alert products must be listed; empty = any.
	Products []string
	// Tactics: at least one of the incident's tactics must be listed; empty = any.
	Tactics []string
	// Labels: at least one must be on the incident; empty = any.
	Labels []string
	// SkipTitles are regular expressions; an incident whose title matches one is skipped.
	SkipTitles []*regexp.Regexp
	// Comment and Tasks choose what is written; both nil = both.
	Comment, Tasks *bool
	// SetStatus moves a New incident to this status once its report is
	// written ("Active"); "" leaves the status alone (the default).
	SetStatus string
	// SetOwner assigns an unassigned incident, once enriched, to this
	// object id or user principal name; "" assigns no one (the default).
	SetOwner string
}

// DefaultStatuses are the statuses enriched when a policy names none: a
// closed incident needs no triage.
var DefaultStatuses = []string{"New", "Active"}

// Skip says why the policy skips the incident, or "" when it is enriched.
// The reason names only the policy and the incident's enumerated fields,
// never its free text: it goes to logs and metrics.
func (p Policy) Skip(inc socpilot.Incident) string {
	if p.MinSeverity != "" && severityRank(inc.Severity) > severityRank(p.MinSeverity) {
		return fmt.Sprintf("severity %s is below the policy's minimum %s", inc.Severity, p.MinSeverity)
	}
	statuses := p.Statuses
	if len(statuses) == 0 {
		statuses = DefaultStatuses
	}
	if !containsFold(statuses, inc.Status) {
		return fmt.Sprintf("status %s is not one of %s", inc.Status, strings.Join(statuses, ", "))
	}
	if len(p.Products) > 0 && !anyFold(p.Products, inc.AlertProductNames) {
		return "no alert product is one of " + strings.Join(p.Products, ", ")
	}
	if len(p.Tactics) > 0 && !anyFold(p.Tactics, inc.Tactics) {
		return "no tactic is one of " + strings.Join(p.Tactics, ", ")
	}
	if len(p.Labels) > 0 && !anyFold(p.Labels, inc.Labels) {
		return "no label is one of " + strings.Join(p.Labels, ", ")
	}
	for _, re := range p.SkipTitles {
		if re.MatchString(inc.Title) {
			return fmt.Sprintf("the title matches skip pattern %q", re.String())
		}
	}
	return ""
}

// WritesComment and WritesTasks read the two switches, default on.
func (p Policy) WritesComment() bool { return p.Comment == nil || *p.Comment }
func (p Policy) WritesTasks() bool   { return p.Tasks == nil || *p.Tasks }

// severityRank: 0 for the most severe; unknown severities rank last.
func severityRank(s string) int {
	for i, v := range socpilot.Severities {
		if strings.EqualFold(v, s) {
			return i
		}
	}
	return len(socpilot.Severities)
}

func containsFold(list []string, s string) bool {
	return slices.ContainsFunc(list, func(v string) bool { return strings.EqualFold(v, s) })
}

func anyFold(want, have []string) bool {
	return slices.ContainsFunc(have, func(h string) bool { return containsFold(want, h) })
}
