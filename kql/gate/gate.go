// Package gate is the check every KQL query socpilot shows or writes must
// pass: the parser and the schema-aware validator against the workspace's
// tables, behind the small interface the analysis pipeline consumes.
package gate

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/socpilot/socpilot/kql"
	"github.com/socpilot/socpilot/kql/schema"
)

// Gate validates queries against a schema.
type Gate struct {
	schema *schema.Schema
	// AdvancedHunting checks queries for Defender XDR advanced hunting (the
	// Graph backend): its tables have Timestamp, not TimeGenerated.
	AdvancedHunting bool
}

// New returns a gate over s (nil: the embedded default catalog).
func New(s *schema.Schema) *Gate {
	if s == nil {
		s = schema.Default()
	}
	return &Gate{schema: s}
}

// HasTable reports whether the workspace schema has the table.
func (g *Gate) HasTable(name string) bool {
	_, ok := g.schema.Table(name)
	return ok
}

// Check returns the tables a query reads and its error-level problems, one
// line each with position and suggestion.
func (g *Gate) Check(query string) (tables []string, problems []string) {
	// Complete: the schema is all a generated query may name, so an unknown custom
	// table or function is an error here, not an offline warning
	v := &kql.Validator{Schema: g.schema, Complete: true, AdvancedHunting: g.AdvancedHunting}
	for _, f := range v.Validate(query) {
		if f.Severity != kql.SeverityError {
			continue
		}
		p := fmt.Sprintf("%d:%d: %s", f.Pos.Line, f.Pos.Col, f.Message)
		if f.Suggestion != "" {
			p += " (" + f.Suggestion + ")"
		}
		problems = append(problems, p)
	}
	return referencedTables(g.schema, query), problems
}

// Tables are the schema tables a query names.
func (g *Gate) Tables(query string) []string { return referencedTables(g.schema, query) }

// Describe lists the given tables the workspace has, in the order given,
// one line each with the columns a hunting query needs first (see
// promptColumns): never billing or plumbing columns, never cut
// alphabetically. The caller chooses the tables: those relevant to the
// incident, not a fixed list.
func (g *Gate) Describe(tables []string) string {
	var b strings.Builder
	seen := map[string]bool{}
	for _, name := range tables {
		if seen[name] {
			continue
		}
		seen[name] = true
		t, ok := g.schema.Table(name)
		if !ok {
			continue
		}
		fmt.Fprintf(&b, "%s: %s\n", t.Name, strings.Join(promptColumns(t, DefaultColumns), ", "))
	}
	return b.String()
}

// Adapt rewrites a query socpilot wrote for Log Analytics to run where the
// gate checks it: in advanced hunting, a query whose only problem is using
// TimeGenerated on tables that have Timestamp gets Timestamp instead. Any
// other query comes back as it was.
func (g *Gate) Adapt(query string) string {
	if !g.AdvancedHunting || !strings.Contains(query, "TimeGenerated") {
		return query
	}
	v := &kql.Validator{Schema: g.schema, Complete: true, AdvancedHunting: true}
	timeOnly := false
	for _, f := range v.Validate(query) {
		if f.Severity != kql.SeverityError {
			continue
		}
		if f.Code != kql.CodeTimeColumn {
			return query
		}
		timeOnly = true
	}
	if !timeOnly {
		return query
	}
	adapted := timeGeneratedRE.ReplaceAllString(query, "Timestamp")
	for _, f := range v.Validate(adapted) {
		if f.Severity == kql.SeverityError {
			return query
		}
	}
	return adapted
}

var timeGeneratedRE = regexp.MustCompile(`\bTimeGenerated\b`)
