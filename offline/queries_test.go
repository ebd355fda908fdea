package offline

import (
	"testing"

	"github.com/socpilot/socpilot/kql"
)

// Entity values are attacker-controlled: whatever they contain, the
// literal in the query decodes back to exactly the value (control
// characters aside) and the query still parses as one statement.
func TestKQLStringQuotesSafely(t *testing.T) {
	for _, v := range []string{
		`plain`,
		`quote " inside`,
		`back\slash`,
		`ends with backslash\`,
		`"); SecurityEvent | take 10000 //`,
		"new\nline and\ttab",
		`unicode ✓ 日本`,
		`' single ' quotes '`,
	} {
		src := "print x = " + kqlString(v)
		q, errs := kql.Parse(src)
		if len(errs) > 0 {
			t.Errorf("%q: query %q does not parse: %v", v, src, errs)
			continue
		}
		got, found := printedString(q)
		if !found || got != v {
			t.Errorf("%q: literal decodes to %q", v, got)
		}
	}
}

// printedString digs the string literal out of `print x = "..."`.
func printedString(q *kql.Query) (string, bool) {
	if len(q.Statements) != 1 {
		return "", false
	}
	st, ok := q.Statements[0].(*kql.ExprStmt)
	if !ok {
		return "", false
	}
	expr := st.Expr
	if p, ok := expr.(*kql.Pipeline); ok {
		if len(p.Ops) > 0 {
			return "", false
		}
		expr = p.Source
	}
	oe, ok := expr.(*kql.OpExpr)
	if !ok {
		return "", false
	}
	pr, ok := oe.Op.(*kql.PrintOp)
	if !ok || len(pr.Items) != 1 {
		return "", false
	}
	lit, ok := pr.Items[0].Value.(*kql.Literal)
	if !ok || lit.Kind != kql.LitString {
		return "", false
	}
	return lit.Value, true
}
