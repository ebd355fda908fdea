package kql

// Query is a parsed KQL query: its statements in order.
type Query struct {
	Statements []Stmt
	Src        string
	lines      *lineIndex
}

// Position converts a byte offset in the query text to a line/column position.
func (q *Query) Position(offset int) Pos {
	if q.lines == nil {
		q.lines = newLineIndex(q.Src)
	}
	return q.lines.pos(offset)
}

// Node is any element of the syntax tree.
type Node interface {
	// Span is the byte range of the node in the query text.
	Span() Span
}

// Stmt is a statement: let, declare query_parameters, set, or a tabular expression.
type Stmt interface {
	Node
	stmtNode()
}

// Expr is a scalar or tabular expression.
type Expr interface {
	Node
	exprNode()
}

// Operator is a tabular operator that follows a pipe.
type Operator interface {
	Node
	opNode()
	// OpName is the operator keyword as written, e.g. "summarize" or "mv-expand".
	OpName() string
}

// ---- statements ----

// LetStmt binds a name to a scalar, a tabular expression or a function (*FuncDecl).
type LetStmt struct {
	S     Span
	Name  *Ident
	Value Expr
}

// DeclareStmt is "declare query_parameters(name:type [= default], ...)".
type DeclareStmt struct {
	S      Span
	Params []*Param
}

// SetStmt is "set name [= value]".
type SetStmt struct {
	S     Span
	Name  *Ident
	Value Expr
}

// ExprStmt is a tabular (or scalar) expression statement.
type ExprStmt struct {
	S    Span
	Expr Expr
}

func (s *LetStmt) Span() Span     { return s.S }
func (s *DeclareStmt) Span() Span { return s.S }
func (s *SetStmt) Span() Span     { return s.S }
func (s *ExprStmt) Span() Span    { return s.S }
func (*LetStmt) stmtNode()        {}
func (*DeclareStmt) stmtNode()    {}
func (*SetStmt) stmtNode()        {}
func (*ExprStmt) stmtNode()       {}

// ---- expressions ----

// Ident is a name: a column, table, variable or function. Bracketed
// (['a b']) and quoted names are decoded into Name. Wildcard names such as
// Device* in union or project-away keep the star in Name and set Wildcard.
type Ident struct {
	S        Span
	Name     string
	Quoted   bool
	Wildcard bool
}

// LitKind is the kind of a literal.
type LitKind uint8

// Literal kinds.
const (
	LitString LitKind = iota
	LitInt
	LitReal
	LitBool
	LitTimespan
	LitDatetime
	LitGuid
	LitNull  // null inside dynamic
	LitTyped // int(null), long(1), real(nan), decimal(1.5) ...
)

// Literal is a constant. For typed literals, Type names the type
// ("datetime", "timespan", "guid", "long", ...) and Raw is the whole text.
type Literal struct {
	S     Span
	Kind  LitKind
	Type  string
	Raw   string
	Value string // decoded string value for LitString
}

// DynamicLit is dynamic(...) with its JSON-like value.
type DynamicLit struct {
	S     Span
	Value Expr // *ArrayLit, *ObjectLit, *Literal
}

// ArrayLit is [a, b, ...] inside dynamic(...).
type ArrayLit struct {
	S     Span
	Elems []Expr
}

// ObjectLit is {"k": v, ...} inside dynamic(...).
type ObjectLit struct {
	S      Span
	Keys   []string
	Values []Expr
}

// Unary is -x or +x.
type Unary struct {
	S  Span
	Op string
	X  Expr
}

// Binary is x op y for arithmetic, comparison, string and logical operators.
// Op is the operator as written in canonical form ("==", "has", "!contains_cs",
// "matches regex", "and", ...).
type Binary struct {
	S     Span
	Op    string
	OpPos int
	X, Y  Expr
}

// InExpr is x in (list), including !in, in~, !in~, has_any and has_all.
type InExpr struct {
	S     Span
	Op    string
	OpPos int
	X     Expr
	List  []Expr
}

// BetweenExpr is x between (lo .. hi) or x !between (lo .. hi).
type BetweenExpr struct {
	S      Span
	Not    bool
	X      Expr
	Lo, Hi Expr
}

// Call is f(args). Fn is an *Ident for plain calls, or a *Member for
// database("x").table("y") style chains.
type Call struct {
	S    Span
	Fn   Expr
	Args []Expr
}

// Name of the called function, or "" when Fn is not a plain identifier.
func (c *Call) Name() string {
	if id, ok := c.Fn.(*Ident); ok {
		return id.Name
	}
	return ""
}

// NamedArg is name = value inside a call's argument list.
type NamedArg struct {
	S     Span
	Name  *Ident
	Value Expr
}

// Member is x.name (dynamic property access, $left.Col, database("d").T).
type Member struct {
	S    Span
	X    Expr
	Name *Ident
}

// Index is x[i] (dynamic index access).
type Index struct {
	S     Span
	X     Expr
	Index Expr
}

// Paren is (x); X may be a tabular pipeline.
type Paren struct {
	S Span
	X Expr
}

// Star is * (count(*), arg_max(t, *), search * ...).
type Star struct{ S Span }

// FuncDecl is a let-bound function: (params) { body } or view (params) { body }.
type FuncDecl struct {
	S      Span
	View   bool
	Params []*Param
	Body   []Stmt
}

// Param is a function or query parameter. Tabular parameters have Tabular
// set and their declared columns in Columns (empty for (*)).
type Param struct {
	S       Span
	Name    *Ident
	Type    string
	Tabular bool
	Columns []*ColumnDecl
	Default Expr
}

// ColumnDecl is name:type as in datatable, externaldata or parse-kv.
type ColumnDecl struct {
	S    Span
	Name *Ident
	Type string
}

// Pipeline is source | op | op ... Source is nil for sub-queries that start
// with an operator (mv-apply ... on (where ...)).
type Pipeline struct {
	S      Span
	Source Expr
	Ops    []Operator
}

// OpExpr is a tabular operator used as a pipeline source (union, print,
// range, datatable, externaldata, find, search, evaluate).
type OpExpr struct {
	S  Span
	Op Operator
}

func (e *Ident) Span() Span       { return e.S }
func (e *Literal) Span() Span     { return e.S }
func (e *DynamicLit) Span() Span  { return e.S }
func (e *ArrayLit) Span() Span    { return e.S }
func (e *ObjectLit) Span() Span   { return e.S }
func (e *Unary) Span() Span       { return e.S }
func (e *Binary) Span() Span      { return e.S }
func (e *InExpr) Span() Span      { return e.S }
func (e *BetweenExpr) Span() Span { return e.S }
func (e *Call) Span() Span        { return e.S }
func (e *NamedArg) Span() Span    { return e.S }
func (e *Member) Span() Span      { return e.S }
func (e *Index) Span() Span       { return e.S }
func (e *Paren) Span() Span       { return e.S }
func (e *Star) Span() Span        { return e.S }
func (e *FuncDecl) Span() Span    { return e.S }
func (e *Pipeline) Span() Span    { return e.S }
func (e *OpExpr) Span() Span      { return e.S }
func (p *Param) Span() Span       { return p.S }
func (c *ColumnDecl) Span() Span  { return c.S }

func (*Ident) exprNode()       {}
func (*Literal) exprNode()     {}
func (*DynamicLit) exprNode()  {}
func (*ArrayLit) exprNode()    {}
func (*ObjectLit) exprNode()   {}
func (*Unary) exprNode()       {}
func (*Binary) exprNode()      {}
func (*InExpr) exprNode()      {}
func (*BetweenExpr) exprNode() {}
func (*Call) exprNode()        {}
func (*NamedArg) exprNode()    {}
func (*Member) exprNode()      {}
func (*Index) exprNode()       {}
func (*Paren) exprNode()       {}
func (*Star) exprNode()        {}
func (*FuncDecl) exprNode()    {}
func (*Pipeline) exprNode()    {}
func (*OpExpr) exprNode()      {}

// ---- operator parts ----

// Assign is an item of extend/project/summarize/print...: [Names =] Value.
// Names has more than one element for tuple assignments ((a, b) = f(x)).
type Assign struct {
	S     Span
	Names []*Ident
	Value Expr
	// Order is "asc"/"desc" for project-reorder items, "" otherwise.
	Order string
}

// OpParam is a name=value operator parameter such as kind=inner,
// hint.strategy=shuffle or withsource=Table.
type OpParam struct {
	S     Span
	Name  string
	Value Expr
}

// SortKey is an expression with its direction and null placement.
type SortKey struct {
	S     Span
	X     Expr
	Order string // "asc", "desc" or ""
	Nulls string // "first", "last" or ""
}

// ---- operators ----

// WhereOp is where/filter.
type WhereOp struct {
	S    Span
	Name string
	Pred Expr
}

// ProjectOp is project, project-away, project-keep, project-reorder and project-smart.
type ProjectOp struct {
	S     Span
	Name  string
	Items []*Assign
}

// RenameOp is project-rename new = old, ...
type RenameOp struct {
	S     Span
	Items []*Assign
}

// ExtendOp is extend.
type ExtendOp struct {
	S     Span
	Items []*Assign
}

// SummarizeOp is summarize aggregates [by groups].
type SummarizeOp struct {
	S      Span
	Params []*OpParam
	Aggs   []*Assign
	By     []*Assign
}

// JoinOp is join or lookup.
type JoinOp struct {
	S      Span
	Name   string // "join" or "lookup"
	Params []*OpParam
	Right  Expr
	On     []Expr
}

// Kind returns the kind= parameter, or "" when absent.
func (j *JoinOp) Kind() string { return paramString(j.Params, "kind") }

// UnionOp is union.
type UnionOp struct {
	S      Span
	Params []*OpParam
	Tables []Expr
}

// PatternItem is an element of a parse pattern: a string, a star, or a column.
type PatternItem struct {
	S      Span
	Str    *Literal
	Star   bool
	Column *Ident
	Type   string
}

// ParseOp is parse or parse-where.
type ParseOp struct {
	S       Span
	Name    string
	Params  []*OpParam
	Source  Expr
	Pattern []*PatternItem
}

// ParseKVOp is parse-kv.
type ParseKVOp struct {
	S       Span
	Source  Expr
	Columns []*ColumnDecl
	With    []*OpParam
}

// MvItem is an item of mv-expand/mv-apply: [Name =] expr [to typeof(type)].
type MvItem struct {
	S      Span
	Assign *Assign
	ToType string
}

// MvExpandOp is mv-expand (or mvexpand).
type MvExpandOp struct {
	S      Span
	Name   string
	Params []*OpParam
	Items  []*MvItem
	Limit  Expr
}

// MvApplyOp is mv-apply items on (subquery).
type MvApplyOp struct {
	S      Span
	Name   string
	Params []*OpParam
	Items  []*MvItem
	Limit  Expr
	Sub    *Pipeline
}

// MakeSeriesOp is make-series.
type MakeSeriesOp struct {
	S              Span
	Params         []*OpParam
	Aggs           []*Assign
	Defaults       []Expr // parallel to Aggs, nil entries when absent
	On             Expr
	From, To, Step Expr
	InRange        *Call
	By             []*Assign
}

// TopOp is top N by expr.
type TopOp struct {
	S    Span
	N    Expr
	Keys []*SortKey
}

// TopNestedLevel is one top-nested clause.
type TopNestedLevel struct {
	S          Span
	N          Expr // nil when N is omitted
	Of         *Assign
	WithOthers *Assign
	By         *Assign
	Order      string
}

// TopNestedOp is top-nested ... , top-nested ...
type TopNestedOp struct {
	S      Span
	Levels []*TopNestedLevel
}

// SortOp is sort by / order by.
type SortOp struct {
	S      Span
	Name   string
	Params []*OpParam
	Keys   []*SortKey
}

// TakeOp is take/limit.
type TakeOp struct {
	S    Span
	Name string
	N    Expr
}

// DistinctOp is distinct: its items are * or [Name =] Expr.
type DistinctOp struct {
	S      Span
	Params []*OpParam
	Items  []*Assign
}

// CountOp is count [as Name]; Name is nil when absent (the column is Count).
type CountOp struct {
	S    Span
	Name *Ident
}

// EvaluateOp is evaluate plugin(args).
type EvaluateOp struct {
	S      Span
	Params []*OpParam
	Call   *Call
}

// RenderOp is render chart [with (props)].
type RenderOp struct {
	S     Span
	Chart *Ident
	With  []*OpParam
}

// AsOp is as name.
type AsOp struct {
	S      Span
	Params []*OpParam
	Name   *Ident
}

// InvokeOp is invoke function(args).
type InvokeOp struct {
	S    Span
	Call *Call
}

// SerializeOp is serialize [assignments].
type SerializeOp struct {
	S     Span
	Items []*Assign
}

// SampleOp is sample N or sample-distinct N of col.
type SampleOp struct {
	S    Span
	Name string
	N    Expr
	Of   Expr
}

// GetSchemaOp is getschema [kind=csl].
type GetSchemaOp struct {
	S      Span
	Params []*OpParam
}

// SearchOp is search [in (tables)] predicate.
type SearchOp struct {
	S      Span
	Params []*OpParam
	Tables []Expr
	Pred   Expr
}

// FindOp is find [in (tables)] where predicate [project ...].
type FindOp struct {
	S       Span
	Params  []*OpParam
	Tables  []Expr
	Pred    Expr
	Project []Expr
}

// RangeOp is range x from a to b step c.
type RangeOp struct {
	S              Span
	Name           *Ident
	From, To, Step Expr
}

// DatatableOp is datatable (cols) [values].
type DatatableOp struct {
	S       Span
	Columns []*ColumnDecl
	Values  []Expr
}

// ExternalDataOp is externaldata (cols) [urls] [with (props)].
type ExternalDataOp struct {
	S       Span
	Columns []*ColumnDecl
	URLs    []Expr
	With    []*OpParam
}

// PrintOp is print assignments.
type PrintOp struct {
	S     Span
	Items []*Assign
}

// GenericOp is an operator this parser knows by name but does not model
// (fork, facet, partition, scan, reduce, ...). Its row shape is unknown.
type GenericOp struct {
	S    Span
	Name string
}

func (o *WhereOp) Span() Span        { return o.S }
func (o *ProjectOp) Span() Span      { return o.S }
func (o *RenameOp) Span() Span       { return o.S }
func (o *ExtendOp) Span() Span       { return o.S }
func (o *SummarizeOp) Span() Span    { return o.S }
func (o *JoinOp) Span() Span         { return o.S }
func (o *UnionOp) Span() Span        { return o.S }
func (o *ParseOp) Span() Span        { return o.S }
func (o *ParseKVOp) Span() Span      { return o.S }
func (o *MvExpandOp) Span() Span     { return o.S }
func (o *MvApplyOp) Span() Span      { return o.S }
func (o *MakeSeriesOp) Span() Span   { return o.S }
func (o *TopOp) Span() Span          { return o.S }
func (o *TopNestedOp) Span() Span    { return o.S }
func (o *SortOp) Span() Span         { return o.S }
func (o *TakeOp) Span() Span         { return o.S }
func (o *DistinctOp) Span() Span     { return o.S }
func (o *CountOp) Span() Span        { return o.S }
func (o *EvaluateOp) Span() Span     { return o.S }
func (o *RenderOp) Span() Span       { return o.S }
func (o *AsOp) Span() Span           { return o.S }
func (o *InvokeOp) Span() Span       { return o.S }
func (o *SerializeOp) Span() Span    { return o.S }
func (o *SampleOp) Span() Span       { return o.S }
func (o *GetSchemaOp) Span() Span    { return o.S }
func (o *SearchOp) Span() Span       { return o.S }
func (o *FindOp) Span() Span         { return o.S }
func (o *RangeOp) Span() Span        { return o.S }
func (o *DatatableOp) Span() Span    { return o.S }
func (o *ExternalDataOp) Span() Span { return o.S }
func (o *PrintOp) Span() Span        { return o.S }
func (o *GenericOp) Span() Span      { return o.S }

func (*WhereOp) opNode()        {}
func (*ProjectOp) opNode()      {}
func (*RenameOp) opNode()       {}
func (*ExtendOp) opNode()       {}
func (*SummarizeOp) opNode()    {}
func (*JoinOp) opNode()         {}
func (*UnionOp) opNode()        {}
func (*ParseOp) opNode()        {}
func (*ParseKVOp) opNode()      {}
func (*MvExpandOp) opNode()     {}
func (*MvApplyOp) opNode()      {}
func (*MakeSeriesOp) opNode()   {}
func (*TopOp) opNode()          {}
func (*TopNestedOp) opNode()    {}
func (*SortOp) opNode()         {}
func (*TakeOp) opNode()         {}
func (*DistinctOp) opNode()     {}
func (*CountOp) opNode()        {}
func (*EvaluateOp) opNode()     {}
func (*RenderOp) opNode()       {}
func (*AsOp) opNode()           {}
func (*InvokeOp) opNode()       {}
func (*SerializeOp) opNode()    {}
func (*SampleOp) opNode()       {}
func (*GetSchemaOp) opNode()    {}
func (*SearchOp) opNode()       {}
func (*FindOp) opNode()         {}
func (*RangeOp) opNode()        {}
func (*DatatableOp) opNode()    {}
func (*ExternalDataOp) opNode() {}
func (*PrintOp) opNode()        {}
func (*GenericOp) opNode()      {}

func (o *WhereOp) OpName() string      { return o.Name }
func (o *ProjectOp) OpName() string    { return o.Name }
func (*RenameOp) OpName() string       { return "project-rename" }
func (*ExtendOp) OpName() string       { return "extend" }
func (*SummarizeOp) OpName() string    { return "summarize" }
func (o *JoinOp) OpName() string       { return o.Name }
func (*UnionOp) OpName() string        { return "union" }
func (o *ParseOp) OpName() string      { return o.Name }
func (*ParseKVOp) OpName() string      { return "parse-kv" }
func (o *MvExpandOp) OpName() string   { return o.Name }
func (o *MvApplyOp) OpName() string    { return o.Name }
func (*MakeSeriesOp) OpName() string   { return "make-series" }
func (*TopOp) OpName() string          { return "top" }
func (*TopNestedOp) OpName() string    { return "top-nested" }
func (o *SortOp) OpName() string       { return o.Name }
func (o *TakeOp) OpName() string       { return o.Name }
func (*DistinctOp) OpName() string     { return "distinct" }
func (*CountOp) OpName() string        { return "count" }
func (*EvaluateOp) OpName() string     { return "evaluate" }
func (*RenderOp) OpName() string       { return "render" }
func (*AsOp) OpName() string           { return "as" }
func (*InvokeOp) OpName() string       { return "invoke" }
func (*SerializeOp) OpName() string    { return "serialize" }
func (o *SampleOp) OpName() string     { return o.Name }
func (*GetSchemaOp) OpName() string    { return "getschema" }
func (*SearchOp) OpName() string       { return "search" }
func (*FindOp) OpName() string         { return "find" }
func (*RangeOp) OpName() string        { return "range" }
func (*DatatableOp) OpName() string    { return "datatable" }
func (*ExternalDataOp) OpName() string { return "externaldata" }
func (*PrintOp) OpName() string        { return "print" }
func (o *GenericOp) OpName() string    { return o.Name }

func paramString(ps []*OpParam, name string) string {
	for _, p := range ps {
		if p.Name == name {
			switch v := p.Value.(type) {
			case *Ident:
				return v.Name
			case *Literal:
				if v.Kind == LitString {
					return v.Value
				}
				return v.Raw
			}
		}
	}
	return ""
}
