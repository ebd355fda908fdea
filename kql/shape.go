package kql

import (
	"strconv"
	"strings"
	"sync"

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

	// owned says that the array under cols is this shape's alone, to change in
	// place. A clone shares its original's array instead of copying it (extend
	// after extend would copy a wide table's columns each time): then tail,
	// shared by the shapes on that array, is how much of it is in use, and the
	// one shape whose columns end there may append in place (push).
	owned bool
	tail  *int
	// ar is where own and keepOnly take new arrays from (nil: the heap).
	ar *colArena
}

// colArena hands out column arrays cut from chunks that a checker reuses from
// one query to the next (arenaPool): the arrays of the shapes an operator
// builds die with the check, and a wide table's columns copied on its first
// extend would otherwise be most of the bytes a check allocates.
type colArena struct {
	chunks [][]column
	cur    int      // the chunk free is cut from, -1 before the first
	free   []column // what is left of chunks[cur]

	// sets reused by the operators that check many names at once; each is
	// cleared before use and none is in use across a call that takes one
	names map[string]bool
	index map[string]int
}

// nameSet returns an empty set for about n names.
func (a *colArena) nameSet(n int) map[string]bool {
	if a == nil {
		return make(map[string]bool, n)
	}
	if a.names == nil {
		a.names = make(map[string]bool, n)
	} else {
		clear(a.names)
	}
	return a.names
}

// nameIndex returns an empty name -> index map for about n names.
func (a *colArena) nameIndex(n int) map[string]int {
	if a == nil {
		return make(map[string]int, n)
	}
	if a.index == nil {
		a.index = make(map[string]int, n)
	} else {
		clear(a.index)
	}
	return a.index
}

const arenaChunk = 4096

var arenaPool = sync.Pool{New: func() any { return &colArena{cur: -1} }}

func getArena() *colArena { return arenaPool.Get().(*colArena) }

// make returns a zeroed array of length n and capacity c.
func (a *colArena) make(n, c int) []column {
	if a == nil || c > arenaChunk/4 {
		return make([]column, n, c)
	}
	if c > len(a.free) {
		a.cur++
		if a.cur == len(a.chunks) {
			a.chunks = append(a.chunks, make([]column, arenaChunk))
		}
		a.free = a.chunks[a.cur]
	}
	s := a.free[:n:c]
	a.free = a.free[c:]
	return s
}

// release clears what was handed out and returns the arena to the pool; no
// array from it may be used afterwards.
func (a *colArena) release() {
	for i := 0; i < a.cur; i++ {
		clear(a.chunks[i])
	}
	if a.cur >= 0 {
		clear(a.chunks[a.cur][:arenaChunk-len(a.free)])
	}
	a.cur, a.free = -1, nil
	clear(a.names)
	clear(a.index)
	arenaPool.Put(a)
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

// clone returns a copy whose columns can be changed independently. It shares
// s's array until one of them changes a column or appends beyond the other.
func (s *shape) clone() *shape {
	if s.tail == nil {
		n := len(s.cols)
		s.tail = &n
	}
	s.owned = false
	return &shape{cols: s.cols, open: s.open, suffixed: s.suffixed, tables: s.tables, tail: s.tail, ar: s.ar}
}

// own gives s an array of its own, with room for extra more columns.
func (s *shape) own(extra int) {
	if s.owned {
		return
	}
	cols := s.ar.make(len(s.cols), len(s.cols)+extra)
	copy(cols, s.cols)
	s.cols, s.owned, s.tail = cols, true, nil
}

// grow makes s's array its own with room for n more columns.
func (s *shape) grow(n int) {
	if s.owned && cap(s.cols)-len(s.cols) >= n {
		return
	}
	cols := s.ar.make(len(s.cols), len(s.cols)+n)
	copy(cols, s.cols)
	s.cols, s.owned, s.tail = cols, true, nil
}

// push appends a column.
func (s *shape) push(col column) {
	switch {
	case s.owned:
	case s.tail != nil && *s.tail == len(s.cols) && len(s.cols) < cap(s.cols):
		*s.tail++ // the array's next free slot, which no other shape uses
	default:
		s.own(8 + len(s.cols)/8)
	}
	s.cols = append(s.cols, col)
}

// keepOnly keeps the columns for which keep is true, then appends added.
func (s *shape) keepOnly(keep func(column) bool, added []column) {
	n := 0
	for _, col := range s.cols {
		if keep(col) {
			n++
		}
	}
	cols := s.ar.make(0, n+len(added))
	for _, col := range s.cols {
		if keep(col) {
			cols = append(cols, col)
		}
	}
	s.cols, s.owned, s.tail = append(cols, added...), true, nil
}

// addAllUnique is addUnique for each column of cols whose name skip does not
// hold. Over many columns it keeps the names in a set rather than scanning
// the shape for each one.
func (s *shape) addAllUnique(cols []column, skip map[string]bool) {
	if len(cols)*len(s.cols) <= 256 {
		for _, col := range cols {
			if !skip[col.Name] {
				s.addUnique(col.Name, col.Type)
			}
		}
		return
	}
	s.own(len(cols))
	have := s.ar.nameSet(len(s.cols) + len(cols))
	for _, col := range s.cols {
		have[col.Name] = true
	}
	for _, col := range cols {
		if skip[col.Name] {
			continue
		}
		n := col.Name
		for i := 1; have[n]; i++ {
			n = col.Name + strconv.Itoa(i)
		}
		have[n] = true
		s.push(column{Name: n, Type: col.Type})
	}
}

// set adds or replaces a column.
func (s *shape) set(name string, t schema.Type) {
	for i := range s.cols {
		if s.cols[i].Name == name {
			if s.cols[i].Type != t {
				s.own(4)
				s.cols[i].Type = t
			}
			return
		}
	}
	s.push(column{Name: name, Type: t})
}

// addUnique adds a column, renaming it name1, name2 ... when the name is
// taken, as join and summarize do with duplicate names.
func (s *shape) addUnique(name string, t schema.Type) {
	if !s.has(name) {
		s.push(column{Name: name, Type: t})
		return
	}
	for i := 1; ; i++ {
		n := name + strconv.Itoa(i)
		if !s.has(n) {
			s.push(column{Name: n, Type: t})
			return
		}
	}
}

func (s *shape) remove(name string) {
	for i := range s.cols {
		if s.cols[i].Name == name {
			s.own(0)
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
