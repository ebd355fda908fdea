package gate

import (
	"sort"

	"github.com/socpilot/socpilot/kql"
	"github.com/socpilot/socpilot/kql/schema"
)

// referencedTables are the schema tables a query reads: the names the
// parser finds in table position (a pipeline's source, the operands of
// join, lookup, union, search and find, a let's tabular value, a subquery
// in a predicate). A column that shares a table's name (OfficeActivity's
// Operation, a table of its own) is not a reference.
func referencedTables(s *schema.Schema, query string) []string {
	q, _ := kql.Parse(query)
	w := tableWalker{s: s, seen: map[string]bool{}}
	for _, st := range q.Statements {
		w.stmt(st)
	}
	sort.Strings(w.out)
	return w.out
}

type tableWalker struct {
	s    *schema.Schema
	seen map[string]bool
	out  []string
}

func (w *tableWalker) stmt(st kql.Stmt) {
	switch x := st.(type) {
	case *kql.LetStmt:
		if f, ok := x.Value.(*kql.FuncDecl); ok {
			for _, b := range f.Body {
				w.stmt(b)
			}
			return
		}
		w.tabular(x.Value)
	case *kql.ExprStmt:
		w.tabular(x.Expr)
	}
}

// tabular walks an expression in table position.
func (w *tableWalker) tabular(e kql.Expr) {
	switch x := e.(type) {
	case nil:
	case *kql.Ident:
		if _, ok := w.s.Table(x.Name); ok && !w.seen[x.Name] {
			w.seen[x.Name] = true
			w.out = append(w.out, x.Name)
		}
	case *kql.Pipeline:
		w.tabular(x.Source)
		for _, op := range x.Ops {
			w.op(op)
		}
	case *kql.Paren:
		w.tabular(x.X)
	case *kql.OpExpr:
		w.op(x.Op)
	default:
		w.scalar(e)
	}
}

func (w *tableWalker) op(o kql.Operator) {
	switch x := o.(type) {
	case *kql.JoinOp:
		w.tabular(x.Right)
	case *kql.UnionOp:
		for _, t := range x.Tables {
			w.tabular(t)
		}
	case *kql.SearchOp:
		for _, t := range x.Tables {
			w.tabular(t)
		}
	case *kql.FindOp:
		for _, t := range x.Tables {
			w.tabular(t)
		}
	case *kql.MvApplyOp:
		if x.Sub != nil {
			w.tabular(x.Sub)
		}
	case *kql.WhereOp:
		w.scalar(x.Pred)
	}
}

// scalar walks a predicate for the subqueries it holds
// (x in (T | project y), toscalar(T | count)).
func (w *tableWalker) scalar(e kql.Expr) {
	switch x := e.(type) {
	case *kql.Pipeline:
		w.tabular(x)
	case *kql.Paren:
		if _, ok := x.X.(*kql.Pipeline); ok {
			w.tabular(x.X)
		} else {
			w.scalar(x.X)
		}
	case *kql.InExpr:
		w.scalar(x.X)
		for _, l := range x.List {
			w.scalar(l)
		}
	case *kql.Binary:
		w.scalar(x.X)
		w.scalar(x.Y)
	case *kql.Unary:
		w.scalar(x.X)
	case *kql.Call:
		for _, a := range x.Args {
			w.scalar(a)
		}
	}
}
