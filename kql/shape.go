package kql

import (
	"strconv"
	"strings"

	"github.com/socpilot/socpilot/kql/schema"
)

// column is one column of a row shape: the schema's type, so that a table's
// columns serve as they are.
type column = schema.Column

// shape is what the validator knows about the rows flowing through a pipe.
// When open is set, columns other than those listed may exist (after
// bag_unpack, pivot, an unknown function, externaldata without schema...), so
// an unknown name is not an error unless it is an obvious typo of a listed
// column (checker.nearMiss).
//
// A shape does not change once an operator has produced it, and its columns
// may be the schema's own (shapeFromTable): an operator that changes columns
// works on a clone or on a new shape.
type shape struct {
	cols []column
	open bool
	// suffixed: names with a Log Analytics type suffix may be columns too
	// (AzureDiagnostics rows; schema.Table.Suffixed). Operators that keep the
	// input's columns keep it; project and summarize end it.
	suffixed bool
	tables   []string // schema tables the rows come from, for lint
}

func openShape() *shape { return &shape{open: true} }

func (s *shape) find(name string) (column, bool) {
	for _, c := range s.cols {
		if c.Name == name {
			return c, true
		}
	}
	return column{}, false
}

func (s *shape) has(name string) bool {
	_, ok := s.find(name)
	return ok
}

func (s *shape) names() []string {
	out := make([]string, len(s.cols))
	for i, c := range s.cols {
		out[i] = c.Name
	}
	return out
}

// clone returns a copy whose column slice can be changed independently.
func (s *shape) clone() *shape {
	n := &shape{open: s.open, suffixed: s.suffixed, tables: s.tables}
	n.cols = make([]column, len(s.cols), len(s.cols)+4)
	copy(n.cols, s.cols)
	return n
}

// set adds or replaces a column.
func (s *shape) set(name string, t schema.Type) {
	for i := range s.cols {
		if s.cols[i].Name == name {
			s.cols[i].Type = t
			return
		}
	}
	s.cols = append(s.cols, column{Name: name, Type: t})
}

// addUnique adds a column, renaming it name1, name2 ... when the name is
// taken, as join and summarize do with duplicate names.
func (s *shape) addUnique(name string, t schema.Type) {
	if !s.has(name) {
		s.cols = append(s.cols, column{Name: name, Type: t})
		return
	}
	for i := 1; ; i++ {
		n := name + strconv.Itoa(i)
		if !s.has(n) {
			s.cols = append(s.cols, column{Name: n, Type: t})
			return
		}
	}
}

func (s *shape) remove(name string) {
	for i := range s.cols {
		if s.cols[i].Name == name {
			s.cols = append(s.cols[:i], s.cols[i+1:]...)
			return
		}
	}
}

// wildcardMatch matches a name against a pattern where * stands for any run of characters.
func wildcardMatch(pattern, name string) bool {
	if !strings.Contains(pattern, "*") {
		return pattern == name
	}
	parts := strings.Split(pattern, "*")
	if !strings.HasPrefix(name, parts[0]) {
		return false
	}
	name = name[len(parts[0]):]
	for i := 1; i < len(parts)-1; i++ {
		j := strings.Index(name, parts[i])
		if j < 0 {
			return false
		}
		name = name[j+len(parts[i]):]
	}
	return strings.HasSuffix(name, parts[len(parts)-1])
}

// shapeFromTable is the shape of a table's rows; it shares the table's
// columns, which a schema in use never changes.
func shapeFromTable(t *schema.Table) *shape {
	return &shape{cols: t.Columns[:len(t.Columns):len(t.Columns)], tables: []string{t.Name}, open: t.Open, suffixed: t.Suffixed}
}

// shapeFromFunction is the shape of a workspace function's result.
func shapeFromFunction(f *schema.Function) *shape {
	s := shapeFromColumns(f.Columns)
	s.open = s.open || f.Open
	return s
}

func shapeFromColumns(cols []schema.Column) *shape {
	if cols == nil {
		return openShape()
	}
	return &shape{cols: cols[:len(cols):len(cols)]}
}

func shapeFromDecls(decls []*ColumnDecl) *shape {
	s := &shape{}
	for _, d := range decls {
		t, _ := schema.ParseType(d.Type)
		s.set(d.Name.Name, t)
	}
	return s
}
