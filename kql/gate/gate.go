// Package gate is the check every KQL query socpilot shows or writes must
// pass: the parser and the schema-aware validator against the workspace's
// tables, behind the small interface the analysis pipeline consumes.
package gate

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/socpilot/socpilot/kql"
	"github.com/socpilot/socpilot/kql/schema"
)

// Gate validates queries against a schema.
type Gate struct {
	schema *schema.Schema
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

var identifier = regexp.MustCompile(`\b[A-Za-z_][A-Za-z0-9_]*\b`)

// Check returns the tables a query reads and its error-level problems, one
// line each with position and suggestion.
func (g *Gate) Check(query string) (tables []string, problems []string) {
	v := &kql.Validator{Schema: g.schema}
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

// referencedTables are the schema tables named in the query.
func referencedTables(s *schema.Schema, query string) []string {
	seen := map[string]bool{}
	var out []string
	for _, id := range identifier.FindAllString(query, -1) {
		if !seen[id] {
			seen[id] = true
			if _, ok := s.Table(id); ok {
				out = append(out, id)
			}
		}
	}
	sort.Strings(out)
	return out
}

// common tables are offered to a model in every prompt when the workspace has them.
var common = []string{"SigninLogs", "AuditLogs", "SecurityEvent", "SecurityAlert", "DeviceProcessEvents", "DeviceNetworkEvents",
	"DeviceFileEvents", "DeviceLogonEvents", "OfficeActivity", "AzureActivity", "EmailEvents", "UrlClickEvents", "CommonSecurityLog", "IdentityLogonEvents"}

// maxColumns keeps the prompt's table list compact; wide tables list their
// first columns, which carry the commonly used ones in these schemas.
const maxColumns = 60

// Describe lists tables with their columns for a prompt: the given ones
// plus the common ones, only those the workspace has.
func (g *Gate) Describe(tables []string) string {
	var b strings.Builder
	seen := map[string]bool{}
	for _, name := range append(append([]string{}, tables...), common...) {
		if seen[name] {
			continue
		}
		seen[name] = true
		t, ok := g.schema.Table(name)
		if !ok {
			continue
		}
		cols := make([]string, 0, len(t.Columns))
		for i, c := range t.Columns {
			if i == maxColumns {
				cols = append(cols, fmt.Sprintf("… %d more", len(t.Columns)-i))
				break
			}
			cols = append(cols, c.Name)
		}
		fmt.Fprintf(&b, "%s: %s\n", t.Name, strings.Join(cols, ", "))
	}
	return b.String()
}
