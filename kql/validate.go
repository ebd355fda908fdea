package kql

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/socpilot/socpilot/kql/schema"
)

// Severity ranks a finding.
type Severity int

// Severities, most serious first.
const (
	SeverityError Severity = iota
	SeverityWarning
	SeverityInfo
)

func (s Severity) String() string {
	switch s {
	case SeverityError:
		return "error"
	case SeverityWarning:
		return "warning"
	}
	return "info"
}

// Finding is one problem the validator found, with where it is and, when it
// knows one, what to write instead.
type Finding struct {
	Severity Severity
	Pos      Pos
	End      Pos
	Code     string // stable identifier such as "unknown-column"
	// Name is the table, column or function the finding is about, when it
	// is about one: callers use it instead of reading the message.
	Name       string
	Message    string
	Suggestion string // e.g. "did you mean 'AccountName'?"
}

// Finding codes.
const (
	CodeSyntax          = "syntax"
	CodeUnknownTable    = "unknown-table"
	CodeUnknownColumn   = "unknown-column"
	CodeUnknownFunction = "unknown-function"
	CodeArgCount        = "argument-count"
	CodeType            = "type"
	CodeTimeColumn      = "time-column"
	CodeNoTimeBound     = "no-time-bound"
	CodeUnknownPlugin   = "unknown-plugin"
	CodeOperator        = "operator"
)

// DefaultLargeTables are tables that are usually big enough that a query
// without a time filter is slow and expensive.
var DefaultLargeTables = []string{
	"SecurityEvent", "SigninLogs", "AADNonInteractiveUserSignInLogs", "CommonSecurityLog", "Syslog",
	"DeviceProcessEvents", "DeviceNetworkEvents", "DeviceFileEvents", "DeviceEvents", "DeviceRegistryEvents",
	"DeviceLogonEvents", "DeviceImageLoadEvents", "AzureDiagnostics", "OfficeActivity", "AuditLogs", "Event",
	"W3CIISLog", "DnsEvents", "EmailEvents", "AzureActivity", "CloudAppEvents",
}

// Validator checks queries against a schema. The zero value uses
// schema.Default(). A Validator is safe for concurrent use.
type Validator struct {
	Schema *schema.Schema
	// LargeTables overrides DefaultLargeTables for the no-time-bound lint.
	LargeTables []string
	// NoLint turns off the Sentinel lint (time column, time bound).
	NoLint bool
	// Kind is what the query is for; it decides the no-time-bound lint (see QueryKind).
	Kind QueryKind
	// Complete says that Schema holds every custom table and saved function of the
	// workspace the query runs in (read from it, as kql check --workspace-id does, or
	// the tables a model was told about): a _CL table or a function it lacks does not
	// exist, and is an error. Otherwise such names cannot be known offline and are
	// warnings that say how to check them.
	Complete bool
	// AdvancedHunting checks queries for Defender XDR advanced hunting (Microsoft
	// Graph's runHuntingQuery): a table with a Timestamp column has no
	// TimeGenerated there, so using it is the time-column error.
	AdvancedHunting bool
}

// QueryKind is what a query is for: a Sentinel analytic rule, a hunting query, a
// function's body. The no-time-bound lint depends on it.
type QueryKind string

// Query kinds. The analytic-rule kinds are spelt as the kind: field of a Sentinel
// rule (and of the alertRules ARM resource) spells them.
const (
	KindUnknown   QueryKind = ""          // not said: a .kql file, standard input, an API caller
	KindScheduled QueryKind = "Scheduled" // a scheduled analytic rule (queryFrequency, queryPeriod)
	KindNRT       QueryKind = "NRT"       // a near-real-time analytic rule
	KindHunting   QueryKind = "Hunting"   // a hunting query, run over the time range its user picks
	KindFunction  QueryKind = "Function"  // a parser or saved function's body, bounded by its caller
)

// analyticRule reports whether k is a detection Sentinel runs on a schedule.
func (k QueryKind) analyticRule() bool { return k == KindScheduled || k == KindNRT }

// Validate parses and checks src. Syntax errors become Error findings; when
// the query does not parse, no semantic checks are made.
func (v *Validator) Validate(src string) []Finding {
	q, errs := Parse(src)
	if len(errs) > 0 {
		return syntaxFindings(errs)
	}
	return v.ValidateQuery(q)
}

func syntaxFindings(errs []Error) []Finding {
	out := make([]Finding, len(errs))
	for i, e := range errs {
		out[i] = Finding{Severity: SeverityError, Pos: e.Pos, End: e.Pos, Code: CodeSyntax, Message: e.Msg}
	}
	return out
}

// ValidateQuery checks a parsed query.
func (v *Validator) ValidateQuery(q *Query) []Finding {
	c := v.newChecker(q)
	defer c.ar.release()
	c.statements(q.Statements)
	if !v.NoLint {
		c.lintTimeBoundFor()
	}
	return c.sortedFindings()
}

func (v *Validator) newChecker(q *Query) *checker {
	sch := v.Schema
	if sch == nil {
		sch = schema.Default()
	}
	return &checker{v: v, sch: sch, q: q, ar: getArena()}
}

// HasErrors reports whether any finding is an Error.
func HasErrors(fs []Finding) bool {
	for _, f := range fs {
		if f.Severity == SeverityError {
			return true
		}
	}
	return false
}

// ---- bindings ----

type bindKind uint8

const (
	bindScalar bindKind = iota
	bindTabular
	bindFunc
)

type binding struct {
	name  string
	kind  bindKind
	typ   schema.Type
	shape *shape
	fn    *FuncDecl
	env   []binding // closure for functions
}

type checker struct {
	v        *Validator
	sch      *schema.Schema
	q        *Query
	env      []binding
	findings []Finding
	seen     map[[2]int]bool
	quiet    int // >0 while re-evaluating function bodies for their result shape
	soft     int // >0 inside union isfuzzy=true legs
	tables   []*schema.Table
	depth    int
	ar       *colArena // the column arrays of the shapes it builds

	largeRefs   []*Ident // references to large tables, for the time-bound lint
	timeBounded bool
}

// sortedFindings returns the findings in the order of their position in the query.
func (c *checker) sortedFindings() []Finding {
	sort.SliceStable(c.findings, func(i, j int) bool { return c.findings[i].Pos.Offset < c.findings[j].Pos.Offset })
	return c.findings
}

func (c *checker) lookup(name string) *binding {
	for i := len(c.env) - 1; i >= 0; i-- {
		if c.env[i].name == name {
			return &c.env[i]
		}
	}
	return nil
}

func (c *checker) report(sev Severity, sp Span, code, msg, sugg string) {
	c.reportNamed(sev, sp, code, "", msg, sugg)
}

// reportNamed is report for a finding about a named table, column or function.
func (c *checker) reportNamed(sev Severity, sp Span, code, name, msg, sugg string) {
	if c.quiet > 0 {
		return
	}
	if c.soft > 0 && sev == SeverityError && sugg == "" && (code == CodeUnknownTable || code == CodeUnknownColumn) {
		// union isfuzzy=true tolerates legs that do not resolve (a table this
		// workspace lacks); a name close to a known one is still a typo.
		sev = SeverityWarning
		msg += " (in a union with isfuzzy=true)"
	}
	if code == CodeUnknownFunction && sugg == "" && !c.v.Complete {
		// a scalar function saved in the workspace is called the same way
		sugg = "if it is a function saved in the workspace, check it with --workspace-id or describe it with --schema"
	}
	if c.seen == nil {
		c.seen = map[[2]int]bool{}
	}
	k := [2]int{sp.Start, len(msg)}
	if c.seen[k] {
		return
	}
	c.seen[k] = true
	c.findings = append(c.findings, Finding{Severity: sev, Pos: c.q.Position(sp.Start), End: c.q.Position(sp.End), Code: code, Name: name, Message: msg, Suggestion: sugg})
}

// muted reports whether a finding with this span and message would be
// dropped (while function bodies are re-evaluated, or as a repeat), so that
// its suggestion need not be computed. Inside a fuzzy union the message
// depends on the suggestion, and the finding is always worked out.
func (c *checker) muted(sp Span, msg string) bool {
	return c.quiet > 0 || (c.soft == 0 && c.seen[[2]int{sp.Start, len(msg)}])
}

func didYouMean(names []string) string {
	if len(names) == 0 {
		return ""
	}
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "'" + n + "'"
	}
	return "did you mean " + strings.Join(q, " or ") + "?"
}

// ---- statements ----

func (c *checker) statements(stmts []Stmt) *shape {
	var last *shape
	for _, st := range stmts {
		switch s := st.(type) {
		case *LetStmt:
			c.let(s)
		case *DeclareStmt:
			for _, p := range s.Params {
				c.bindParam(p, nil)
			}
		case *SetStmt:
		case *ExprStmt:
			if c.isTabular(s.Expr) {
				last = c.tabular(s.Expr, nil)
			} else {
				c.expr(s.Expr, nil)
				last = openShape()
			}
		}
	}
	return last
}

func (c *checker) let(s *LetStmt) {
	switch val := s.Value.(type) {
	case *FuncDecl:
		// check the body once with the declared parameters
		saved := len(c.env)
		for _, p := range val.Params {
			c.bindParam(p, nil)
		}
		c.statements(val.Body)
		c.env = c.env[:saved]
		c.env = append(c.env, binding{name: s.Name.Name, kind: bindFunc, fn: val, env: c.env[:saved:saved]})
		return
	}
	if c.isTabular(s.Value) {
		sh := c.tabular(s.Value, nil)
		c.env = append(c.env, binding{name: s.Name.Name, kind: bindTabular, shape: sh})
		return
	}
	t := c.expr(s.Value, nil)
	c.env = append(c.env, binding{name: s.Name.Name, kind: bindScalar, typ: t})
}

// bindParam binds a function or query parameter; arg is the call's argument
// shape for tabular parameters (nil when checking the declaration).
func (c *checker) bindParam(p *Param, arg *shape) {
	if p.Tabular {
		sh := arg
		if sh == nil {
			// declared columns are all the body may use; (*) declares none,
			// and then any column may exist
			sh = shapeFromDecls(p.Columns)
			sh.open = len(p.Columns) == 0
		}
		c.env = append(c.env, binding{name: p.Name.Name, kind: bindTabular, shape: sh})
		return
	}
	t, _ := schema.ParseType(p.Type)
	if p.Default != nil {
		c.expr(p.Default, nil)
	}
	c.env = append(c.env, binding{name: p.Name.Name, kind: bindScalar, typ: t})
}

// isTabular decides whether an expression produces a table.
func (c *checker) isTabular(e Expr) bool {
	switch x := e.(type) {
	case *Pipeline, *OpExpr:
		return true
	case *Paren:
		return c.isTabular(x.X)
	case *Ident:
		if b := c.lookup(x.Name); b != nil {
			return b.kind == bindTabular || (b.kind == bindFunc && c.funcIsTabular(b))
		}
		// a table, a stored function, or an unknown bare name, which at
		// statement level is most likely a table
		return true
	case *Call:
		name := x.Name()
		if name == "" {
			return true // database("x").table("y")
		}
		switch name {
		case "materialize", "table", "view", "database", "cluster", "workspace", "app", "external_table":
			return true
		}
		if _, ok := typeCasts[name]; ok {
			return false
		}
		if b := c.lookup(name); b != nil {
			return b.kind == bindFunc && c.funcIsTabular(b)
		}
		// a builtin is scalar; a stored or unknown function, tabular
		_, builtin := schema.LookupBuiltin(name)
		return !builtin
	case *Member:
		return true
	}
	return false
}

// funcIsTabular decides whether a user function returns a table by looking
// at its last statement.
func (c *checker) funcIsTabular(b *binding) bool {
	body := b.fn.Body
	if len(body) == 0 {
		return false
	}
	es, ok := body[len(body)-1].(*ExprStmt)
	if !ok {
		return false
	}
	saved := c.env
	// the capacity limit makes the appends below copy, leaving b.env as it is
	c.env = b.env[:len(b.env):len(b.env)]
	for _, p := range b.fn.Params {
		if p.Tabular {
			c.env = append(c.env, binding{name: p.Name.Name, kind: bindTabular, shape: openShape()})
		} else {
			c.env = append(c.env, binding{name: p.Name.Name, kind: bindScalar})
		}
	}
	for _, st := range body {
		if ls, ok := st.(*LetStmt); ok {
			if _, isFn := ls.Value.(*FuncDecl); isFn {
				c.env = append(c.env, binding{name: ls.Name.Name, kind: bindFunc, fn: ls.Value.(*FuncDecl)})
			} else {
				c.env = append(c.env, binding{name: ls.Name.Name, kind: bindScalar})
			}
		}
	}
	r := c.isTabular(es.Expr)
	c.env = saved
	return r
}

// ---- tabular expressions ----

func (c *checker) tabular(e Expr, in *shape) *shape {
	c.depth++ // no defer, as in expr
	s := c.tabularBody(e, in)
	c.depth--
	return s
}

func (c *checker) tabularBody(e Expr, in *shape) *shape {
	if c.depth > 200 {
		return openShape()
	}
	switch x := e.(type) {
	case *Pipeline:
		var s *shape
		if x.Source != nil {
			s = c.tabular(x.Source, nil)
		} else if in != nil {
			s = in
		} else {
			s = openShape()
		}
		for _, op := range x.Ops {
			s = c.operator(op, s)
		}
		return s
	case *OpExpr:
		return c.operator(x.Op, nil)
	case *Paren:
		return c.tabular(x.X, in)
	case *Ident:
		return c.tableRef(x)
	case *Call:
		return c.tabularCall(x, nil)
	case *Member:
		// database("d").T, cluster("c").database("d").T: another database's
		// schema is unknown here
		c.exprArgsOf(x)
		return openShape()
	}
	c.expr(e, nil)
	return openShape()
}

func (c *checker) exprArgsOf(m *Member) {
	if call, ok := m.X.(*Call); ok {
		for _, a := range call.Args {
			c.expr(a, nil)
		}
	}
}

// tableRef resolves a bare name used as a table.
func (c *checker) tableRef(id *Ident) *shape {
	if b := c.lookup(id.Name); b != nil {
		switch b.kind {
		case bindTabular:
			return b.shape
		case bindFunc:
			return c.callUserFunc(b, nil, nil, id.S, nil)
		}
		return openShape()
	}
	if t, ok := c.sch.Table(id.Name); ok {
		c.noteTable(id, t.Name)
		return c.tableShape(t)
	}
	if f, ok := c.sch.Function(id.Name); ok {
		if n := f.RequiredParams(); n > 0 {
			c.report(SeverityError, id.S, CodeArgCount, "function '"+f.Name+"' needs "+strconv.Itoa(n)+" argument(s)", "")
		}
		return shapeFromFunction(f)
	}
	if schema.IsCustomTable(id.Name) {
		return c.unknownCustomTable(id)
	}
	c.unknownTable(id)
	return openShape()
}

// unknownCustomTable resolves a custom log table (a name ending in _CL) that the
// schema does not describe. Offline its columns cannot be known: unless the name is
// a slip of the keyboard for a table or function the schema has (an error with the
// suggestion, as for any unknown table) or the schema is the workspace's own
// (Validator.Complete), it is a warning that says how to check it, and its rows have
// the standard columns every workspace table has plus any other (an open shape): a
// misspelt standard column, the names of functions and the syntax are still checked.
func (c *checker) unknownCustomTable(id *Ident) *shape {
	if c.v.Complete || c.typoOfKnownName(id.Name, false) != "" {
		c.unknownTable(id)
		return openShape()
	}
	c.reportNamed(SeverityWarning, id.S, CodeUnknownTable, id.Name,
		"custom table '"+id.Name+"' is not in the schema: its columns cannot be known offline, so only the standard columns (TimeGenerated, TenantId, Type, _ResourceId, ...) are checked",
		"check it against the workspace with --workspace-id, or describe it with --schema")
	n := len(schema.StandardColumns)
	return &shape{cols: schema.StandardColumns[:n:n], open: true, tables: []string{id.Name}}
}

// typoOfKnownName returns the table, workspace function or let-bound table or
// function (with builtins, the built-in function too) that name is an obvious
// misspelling (schema.NameTypo) or a case-only variant of, or "".
func (c *checker) typoOfKnownName(name string, builtins bool) string {
	if t, ok := c.sch.TableFold(name); ok {
		return t.Name
	}
	if f, ok := c.sch.FunctionFold(name); ok {
		return f.Name
	}
	var cands []string
	near := func(n string) bool { d := len(n) - len(name); return d >= -2 && d <= 2 }
	for _, t := range c.schemaTables() {
		if near(t.Name) {
			cands = append(cands, t.Name)
		}
	}
	for _, f := range c.sch.FunctionNames() {
		if near(f) {
			cands = append(cands, f)
		}
	}
	for _, b := range c.env {
		if b.kind != bindScalar && near(b.name) {
			cands = append(cands, b.name)
		}
	}
	if builtins {
		for _, agg := range []bool{false, true} {
			for _, n := range schema.BuiltinNames(agg) {
				if near(n) {
					cands = append(cands, n)
				}
			}
		}
	}
	return schema.NameTypo(name, cands)
}

// lintTimeBoundFor is the no-time-bound lint for the kind of query the validator
// was told this is. A scheduled or NRT analytic rule that reads a large table with
// no time filter gets a warning naming the rule kind; a hunting query (run over the
// time range its user picks) and a function body (bounded by its caller) get none;
// a query of unknown kind gets the generic warning.
func (c *checker) lintTimeBoundFor() {
	switch {
	case c.v.Kind == KindUnknown:
		c.lintTimeBound()
		return
	case !c.v.Kind.analyticRule(), c.timeBounded, len(c.largeRefs) == 0:
		return
	}
	id := c.largeRefs[0]
	rule := "scheduled analytic rule"
	if c.v.Kind == KindNRT {
		rule = "near-real-time (NRT) analytic rule"
	}
	c.reportNamed(SeverityWarning, id.S, CodeNoTimeBound, id.Name, rule+" without a time bound on "+id.Name+": on a large table its window then rests on the rule's lookback alone, and each run scans all of it",
		"add | where TimeGenerated > ago(1h) (the rule's query period) right after "+id.Name)
}

func (c *checker) noteTable(id *Ident, name string) {
	for _, lt := range c.largeTables() {
		if lt == name {
			c.largeRefs = append(c.largeRefs, id)
		}
	}
}

func (c *checker) largeTables() []string {
	if c.v.LargeTables != nil {
		return c.v.LargeTables
	}
	return DefaultLargeTables
}

// tableLists caches each schema's sorted table list: schemas are not
// modified once in use (see schema.Schema).
var tableLists sync.Map // *schema.Schema -> []*schema.Table

// schemaTables lists the schema's tables.
func (c *checker) schemaTables() []*schema.Table {
	if c.tables == nil {
		if v, ok := tableLists.Load(c.sch); ok {
			c.tables = v.([]*schema.Table)
		} else {
			c.tables = c.sch.Tables()
			tableLists.Store(c.sch, c.tables)
		}
	}
	return c.tables
}

func (c *checker) unknownTable(id *Ident) {
	msg := "unknown table or function '" + id.Name + "'"
	if c.muted(id.S, msg) {
		return
	}
	// The schema has thousands of names: keep those of similar length or
	// sharing a prefix before ranking them by edit distance.
	var cands []string
	plausible := func(n string) bool {
		d := len(n) - len(id.Name)
		if d >= -3 && d <= 3 {
			return true
		}
		k := min(4, len(n), len(id.Name))
		return strings.EqualFold(n[:k], id.Name[:k])
	}
	for _, t := range c.schemaTables() {
		if plausible(t.Name) {
			cands = append(cands, t.Name)
		}
	}
	for _, f := range c.sch.FunctionNames() {
		if plausible(f) {
			cands = append(cands, f)
		}
	}
	for _, b := range c.env {
		if b.kind != bindScalar {
			cands = append(cands, b.name)
		}
	}
	c.reportNamed(SeverityError, id.S, CodeUnknownTable, id.Name, msg, didYouMean(schema.Suggest(id.Name, cands, 3)))
}

// tabularCall evaluates f(...) used as a table; in is the piped input for invoke.
func (c *checker) tabularCall(x *Call, in *shape) *shape {
	// invoke passes its input rows: the other arguments are evaluated
	// against them (T | invoke FileProfile(SHA1))
	var ax *ectx
	if in != nil {
		ax = &ectx{row: in}
	}
	name := x.Name()
	if name == "" {
		for _, a := range x.Args {
			c.expr(a, ax)
		}
		return openShape()
	}
	if b := c.lookup(name); b != nil {
		if b.kind == bindFunc {
			return c.callUserFunc(b, x.Args, in, x.S, ax)
		}
		if b.kind == bindTabular && len(x.Args) == 0 {
			return b.shape
		}
	}
	switch name {
	case "materialize", "view":
		if len(x.Args) == 1 {
			return c.tabular(x.Args[0], nil)
		}
	case "table":
		if len(x.Args) >= 1 {
			if lit, ok := x.Args[0].(*Literal); ok && lit.Kind == LitString {
				id := &Ident{S: lit.S, Name: lit.Value}
				return c.tableRef(id)
			}
		}
		return openShape()
	case "database", "cluster", "workspace", "app", "external_table":
		return openShape()
	}
	if f, ok := c.sch.Function(name); ok {
		for _, a := range x.Args {
			c.expr(a, ax)
		}
		n := len(x.Args)
		if in != nil && len(f.Params) > 0 && f.Params[0].Type == schema.TabularType {
			n++ // invoke passes the piped rows as the table parameter
		}
		if n < f.RequiredParams() || n > len(f.Params) {
			c.report(SeverityError, x.S, CodeArgCount, "function '"+name+"' takes "+arityText(f.RequiredParams(), len(f.Params))+", got "+strconv.Itoa(n), "")
		}
		return shapeFromFunction(f)
	}
	if t, ok := c.sch.Table(name); ok {
		// ASIM parsers appear in schema files as tables; they take parameters
		for _, a := range x.Args {
			c.expr(a, ax)
		}
		return c.tableShape(t)
	}
	if _, ok := schema.LookupBuiltin(name); ok {
		c.expr(x, nil)
		return openShape()
	}
	c.unknownTabularFunction(x.Fn.(*Ident))
	for _, a := range x.Args {
		c.expr(a, ax)
	}
	return openShape()
}

// unknownTabularFunction reports a name called as a function where a table is
// expected (after invoke, or as the source of a pipe) that is no table, function
// or builtin the schema knows. It may be a function saved in the workspace, which
// offline cannot be known: a plausible name is a warning that says how to check
// it; a slip of the keyboard for a known name, a one- or two-letter name, or any
// name when the schema is the workspace's own (Validator.Complete), is an error.
func (c *checker) unknownTabularFunction(id *Ident) {
	typo := c.typoOfKnownName(id.Name, true)
	if _, builtin := schema.LookupBuiltin(typo); builtin {
		c.reportNamed(SeverityError, id.S, CodeUnknownFunction, id.Name, "unknown function '"+id.Name+"'", didYouMean([]string{typo}))
		return
	}
	if c.v.Complete || len(id.Name) < 3 || typo != "" {
		c.unknownTable(id)
		return
	}
	c.reportNamed(SeverityWarning, id.S, CodeUnknownFunction, id.Name,
		"unknown function '"+id.Name+"': it may be a function saved in the workspace, which cannot be checked offline",
		"check it against the workspace with --workspace-id, or describe it with --schema")
}

func arityText(min, max int) string {
	switch {
	case max < 0:
		return "at least " + strconv.Itoa(min) + " argument(s)"
	case min == max:
		return strconv.Itoa(min) + " argument(s)"
	}
	return strconv.Itoa(min) + " to " + strconv.Itoa(max) + " arguments"
}

// callUserFunc evaluates a let-bound function for its result shape.
func (c *checker) callUserFunc(b *binding, args []Expr, in *shape, sp Span, x *ectx) *shape {
	fn := b.fn
	required := 0
	for _, p := range fn.Params {
		if p.Default == nil {
			required++
		}
	}
	nargs := len(args)
	if in != nil {
		nargs++
	}
	if nargs < required || nargs > len(fn.Params) {
		c.report(SeverityError, sp, CodeArgCount, "function '"+b.name+"' takes "+arityText(required, len(fn.Params))+", got "+strconv.Itoa(nargs), "")
	}
	// evaluate the arguments in the caller's scope
	argShapes := make([]*shape, len(fn.Params))
	i := 0
	if in != nil && len(fn.Params) > 0 {
		argShapes[0] = in
		i = 1
	}
	for _, a := range args {
		if na, ok := a.(*NamedArg); ok {
			a = na.Value
			for j, p := range fn.Params {
				if p.Name.Name == na.Name.Name {
					i = j
				}
			}
		}
		if i < len(fn.Params) && fn.Params[i].Tabular {
			argShapes[i] = c.tabular(a, nil)
		} else if c.isTabularArg(a) {
			c.tabular(a, nil)
		} else {
			c.expr(a, x)
		}
		i++
	}
	if c.depth > 50 {
		return openShape()
	}
	saved := c.env
	c.env = append(b.env[:len(b.env):len(b.env)], binding{name: b.name, kind: bindFunc, fn: fn, env: b.env})
	for j, p := range fn.Params {
		if p.Tabular {
			sh := argShapes[j]
			if sh == nil {
				sh = openShape()
			}
			c.env = append(c.env, binding{name: p.Name.Name, kind: bindTabular, shape: sh})
		} else {
			t, _ := schema.ParseType(p.Type)
			c.env = append(c.env, binding{name: p.Name.Name, kind: bindScalar, typ: t})
		}
	}
	c.quiet++
	c.depth++
	r := c.statements(fn.Body)
	c.depth--
	c.quiet--
	c.env = saved
	if r == nil {
		return openShape()
	}
	return r
}

// isTabularArg decides whether a function argument or parenthesised
// expression is a sub-query: a pipeline, or a let-bound table in parentheses.
func (c *checker) isTabularArg(e Expr) bool {
	switch v := e.(type) {
	case *Pipeline, *OpExpr:
		return true
	case *Paren:
		if id, ok := v.X.(*Ident); ok {
			b := c.lookup(id.Name)
			return b != nil && b.kind == bindTabular
		}
		return c.isTabularArg(v.X)
	}
	return false
}

// ---- operators ----

func (c *checker) operator(op Operator, input *shape) *shape {
	if u, ok := op.(*UnionOp); ok {
		return c.union(u, input)
	}
	in := input
	if in == nil {
		in = openShape()
	}
	switch o := op.(type) {
	case *WhereOp:
		c.expr(o.Pred, &ectx{row: in})
		return in
	case *ProjectOp:
		return c.project(o, in)
	case *RenameOp:
		out := in.clone()
		for _, it := range o.Items {
			old, ok := it.Value.(*Ident)
			if !ok {
				c.report(SeverityError, it.Value.Span(), CodeOperator, "project-rename needs an existing column name on the right of '='", "")
				continue
			}
			col, found := in.find(old.Name)
			if !found {
				c.unknownColumn(old, in)
			}
			out.remove(old.Name)
			out.set(it.Names[0].Name, col.Type)
		}
		return out
	case *ExtendOp:
		return c.extend(o.Items, in)
	case *SerializeOp:
		return c.extend(o.Items, in)
	case *SummarizeOp:
		return c.summarize(o, in)
	case *JoinOp:
		return c.join(o, in)
	case *ParseOp:
		c.expr(o.Source, &ectx{row: in})
		out := in.clone()
		for _, it := range o.Pattern {
			if it.Column != nil {
				t := schema.String
				if it.Type != "" {
					t, _ = schema.ParseType(it.Type)
				}
				out.set(it.Column.Name, t)
			}
		}
		return out
	case *ParseKVOp:
		c.expr(o.Source, &ectx{row: in})
		out := in.clone()
		for _, d := range o.Columns {
			t, _ := schema.ParseType(d.Type)
			out.set(d.Name.Name, t)
		}
		return out
	case *MvExpandOp:
		return c.mvItems(o.Params, o.Items, in)
	case *MvApplyOp:
		sub := c.mvItems(o.Params, o.Items, in)
		res := c.tabular(o.Sub, sub)
		out := in.clone()
		out.open = out.open || res.open
		for _, col := range res.cols {
			out.set(col.Name, col.Type)
		}
		return out
	case *MakeSeriesOp:
		return c.makeSeries(o, in)
	case *TopOp:
		c.expr(o.N, nil)
		for _, k := range o.Keys {
			c.expr(k.X, &ectx{row: in})
		}
		return in
	case *TopNestedOp:
		out := &shape{open: true}
		for _, l := range o.Levels {
			if l.N != nil {
				c.expr(l.N, nil)
			}
			c.expr(l.Of.Value, &ectx{row: in})
			c.expr(l.By.Value, &ectx{row: in, agg: true})
			name := autoName(l.Of.Value)
			if len(l.Of.Names) > 0 {
				name = l.Of.Names[0].Name
			}
			if name != "" {
				out.set(name, "")
			}
		}
		return out
	case *SortOp:
		for _, k := range o.Keys {
			c.expr(k.X, &ectx{row: in})
		}
		return in
	case *TakeOp:
		c.expr(o.N, nil)
		return in
	case *SampleOp:
		c.expr(o.N, nil)
		if o.Of != nil {
			t := c.expr(o.Of, &ectx{row: in})
			return &shape{cols: []column{{Name: autoName(o.Of), Type: t}}}
		}
		return in
	case *DistinctOp:
		out := &shape{tables: in.tables}
		for _, it := range o.Items {
			if _, ok := it.Value.(*Star); ok && len(it.Names) == 0 {
				return in
			}
			t := c.expr(it.Value, &ectx{row: in})
			switch {
			case len(it.Names) > 0:
				for _, n := range it.Names {
					out.set(n.Name, t)
				}
			case autoName(it.Value) != "":
				out.set(autoName(it.Value), t)
			default:
				out.open = true
			}
		}
		return out
	case *CountOp:
		name := "Count"
		if o.Name != nil {
			name = o.Name.Name
		}
		return &shape{cols: []column{{Name: name, Type: schema.Long}}}
	case *GetSchemaOp:
		return &shape{cols: []column{{Name: "ColumnName", Type: schema.String}, {Name: "ColumnOrdinal", Type: schema.Int}, {Name: "DataType", Type: schema.String}, {Name: "ColumnType", Type: schema.String}}}
	case *EvaluateOp:
		return c.evaluate(o, in)
	case *RenderOp:
		return in
	case *AsOp:
		c.env = append(c.env, binding{name: o.Name.Name, kind: bindTabular, shape: in})
		return in
	case *InvokeOp:
		return c.tabularCall(o.Call, in)
	case *SearchOp:
		for _, t := range o.Tables {
			c.unionTable(t)
		}
		return openShape()
	case *FindOp:
		for _, t := range o.Tables {
			c.unionTable(t)
		}
		return openShape()
	case *RangeOp:
		t := c.expr(o.From, nil)
		c.expr(o.To, nil)
		c.expr(o.Step, nil)
		if t == schema.Int {
			t = schema.Long
		}
		return &shape{cols: []column{{Name: o.Name.Name, Type: t}}}
	case *DatatableOp:
		for _, v := range o.Values {
			c.expr(v, nil)
		}
		return shapeFromDecls(o.Columns)
	case *ExternalDataOp:
		if len(o.Columns) == 0 {
			return openShape()
		}
		return shapeFromDecls(o.Columns)
	case *PrintOp:
		out := &shape{}
		for i, it := range o.Items {
			t := c.expr(it.Value, nil)
			switch {
			case len(it.Names) > 0:
				for _, n := range it.Names {
					out.set(n.Name, t)
				}
			default:
				out.set("print_"+strconv.Itoa(i), t)
			}
		}
		return out
	case *GenericOp:
		return openShape()
	}
	return openShape()
}

func (c *checker) project(o *ProjectOp, in *shape) *shape {
	switch o.Name {
	case "project":
		// project's output is exactly its items, whatever the input held: after
		// it, even an open input (bag_unpack, a key-value parser) is closed.
		out := &shape{tables: in.tables, ar: c.ar}
		x := &ectx{row: in}
		for _, it := range o.Items {
			t := c.expr(it.Value, x)
			if len(it.Names) > 0 {
				for _, n := range it.Names {
					out.set(n.Name, t)
				}
				continue
			}
			if n := autoName(it.Value); n != "" {
				out.set(n, t)
			} else {
				out.open = true
			}
		}
		return out
	case "project-away", "project-keep", "project-reorder":
		keep := map[string]bool{}
		var added []column // names accepted as columns a workspace adds (suffixed rows)
		for _, it := range o.Items {
			id, ok := it.Value.(*Ident)
			if !ok {
				c.report(SeverityError, it.Value.Span(), CodeOperator, o.Name+" takes column names", "")
				continue
			}
			matched := false
			for _, col := range in.cols {
				if wildcardMatch(id.Name, col.Name) {
					keep[col.Name] = true
					matched = true
				}
			}
			if !matched && !id.Wildcard {
				if t := c.unknownColumn(id, in); t != "" {
					added = append(added, column{Name: id.Name, Type: t})
				}
			}
		}
		switch o.Name {
		case "project-away":
			out := in.clone()
			out.keepOnly(func(col column) bool { return !keep[col.Name] }, nil)
			return out
		case "project-keep":
			// only the named columns stay: none of those a workspace adds
			out := in.clone()
			out.keepOnly(func(col column) bool { return keep[col.Name] }, added)
			out.suffixed = false
			return out
		}
		return in // project-reorder keeps every column
	}
	return openShape()
}

func (c *checker) extend(items []*Assign, in *shape) *shape {
	out := in.clone()
	x := &ectx{row: out}
	for _, it := range items {
		t := c.expr(it.Value, x)
		switch {
		case len(it.Names) == 1:
			out.set(it.Names[0].Name, t)
		case len(it.Names) > 1:
			for _, n := range it.Names {
				out.set(n.Name, "")
			}
		default:
			if n := autoName(it.Value); n != "" {
				out.set(n, t)
			} else {
				out.open = true
			}
		}
	}
	return out
}

func (c *checker) summarize(o *SummarizeOp, in *shape) *shape {
	out := &shape{tables: in.tables, open: in.open, ar: c.ar}
	x := &ectx{row: in}
	for _, it := range o.By {
		t := c.expr(it.Value, x)
		if len(it.Names) > 0 {
			for _, n := range it.Names {
				out.set(n.Name, t)
			}
		} else if n := autoName(it.Value); n != "" {
			out.addUnique(n, t)
		} else {
			out.open = true
		}
	}
	ax := &ectx{row: in, agg: true}
	for _, it := range o.Aggs {
		if id, ok := it.Value.(*Ident); ok && id.Name == "count" && !in.has("count") {
			// "summarize count by x" is accepted as count()
			name := "count_"
			if len(it.Names) > 0 {
				name = it.Names[0].Name
			}
			out.addUnique(name, schema.Long)
			continue
		}
		t := c.expr(it.Value, ax)
		call, _ := unparen(it.Value).(*Call)
		if call != nil && (call.Name() == "arg_max" || call.Name() == "arg_min" || call.Name() == "take_any" || call.Name() == "any" || call.Name() == "take_anyif" || call.Name() == "anyif") {
			c.argMaxColumns(call, it.Names, in, out)
			continue
		}
		if len(it.Names) > 0 {
			for _, n := range it.Names {
				out.addUnique(n.Name, t)
			}
			continue
		}
		if n := aggName(it.Value); n != "" {
			out.addUnique(n, t)
		} else {
			out.open = true
		}
	}
	return out
}

// argMaxColumns adds the result columns of arg_max/arg_min/take_any.
func (c *checker) argMaxColumns(call *Call, names []*Ident, in, out *shape) {
	args := call.Args
	name := call.Name()
	if name == "take_anyif" || name == "anyif" {
		if len(args) > 0 {
			args = args[:len(args)-1]
		}
	}
	n := 0
	for _, a := range args {
		if _, ok := a.(*Star); ok {
			n += len(in.cols)
		} else {
			n++
		}
	}
	cols := c.ar.make(0, n)
	for _, a := range args {
		if _, ok := a.(*Star); ok {
			cols = append(cols, in.cols...)
			if in.open {
				out.open = true
			}
			continue
		}
		if na, ok := a.(*NamedArg); ok {
			// arg_max(T, Name = Expr): the returned value under that name
			var typ schema.Type
			if n := autoName(na.Value); n != "" {
				t, _ := in.find(n)
				typ = t.Type
			}
			cols = append(cols, column{Name: na.Name.Name, Type: typ})
			continue
		}
		n := autoName(a)
		if n == "" {
			out.open = true
			continue
		}
		t, _ := in.find(n)
		cols = append(cols, column{Name: n, Type: t.Type})
	}
	// out.has for each of many columns (arg_max(T, *) over a wide table)
	// would scan out once per column: a set of out's names answers instead.
	out.grow(len(cols))
	var have map[string]bool
	if len(cols) > 16 {
		have = c.ar.nameSet(len(out.cols) + len(cols))
		for _, col := range out.cols {
			have[col.Name] = true
		}
	}
	for i, col := range cols {
		n := col.Name
		if i < len(names) {
			n = names[i].Name
		}
		if (have == nil && out.has(n)) || have[n] {
			// a by column and a star-expanded column share a name: Kusto adds the suffix 1
			out.addUnique(n, col.Type)
			if have != nil {
				have[out.cols[len(out.cols)-1].Name] = true
			}
			continue
		}
		out.cols = append(out.cols, column{Name: n, Type: col.Type})
		if have != nil {
			have[n] = true
		}
	}
}

func unparen(e Expr) Expr {
	for {
		p, ok := e.(*Paren)
		if !ok {
			return e
		}
		e = p.X
	}
}

// autoName is the column name Kusto gives an unnamed expression: the column
// itself, a.b for a property path (a_b), or f(col) for a function of one
// column. It returns "" when unsure.
func autoName(e Expr) string {
	switch x := e.(type) {
	case *Ident:
		return x.Name
	case *Paren:
		return autoName(x.X)
	case *Member:
		base := autoName(x.X)
		if base == "" {
			return ""
		}
		return base + "_" + x.Name.Name
	case *Index:
		base := autoName(x.X)
		if base == "" {
			return ""
		}
		switch ix := x.Index.(type) {
		case *Literal:
			if ix.Kind == LitString {
				return base + "_" + ix.Value
			}
			return base + "_" + ix.Raw
		}
		return ""
	case *Call:
		// tostring(x), bin(x, 1h), todatetime(x)...: named after the column.
		// Other calls get generated names (Column1, series_stats_x_min ...)
		// that are not worth guessing: the caller then opens the shape.
		if namedAfterArg[x.Name()] && len(x.Args) >= 1 {
			return autoName(x.Args[0])
		}
	}
	return ""
}

var namedAfterArg = map[string]bool{
	"bin": true, "bin_at": true, "floor": true, "tostring": true, "tolong": true, "toint": true, "toreal": true,
	"todouble": true, "todatetime": true, "tobool": true, "toboolean": true, "todynamic": true, "toguid": true,
	"totimespan": true, "todecimal": true, "tolower": true, "toupper": true, "parse_json": true, "startofday": true,
	"startofweek": true, "startofmonth": true, "startofyear": true, "trim": false,
}

// aggPrefix gives the prefix Kusto uses to name unnamed aggregates.
var aggPrefix = map[string]string{
	"count": "count_", "countif": "countif_", "dcount": "dcount_", "dcountif": "dcountif_",
	"sum": "sum_", "sumif": "sumif_", "avg": "avg_", "avgif": "avgif_", "min": "min_", "max": "max_",
	"minif": "minif_", "maxif": "maxif_", "make_set": "set_", "makeset": "set_", "make_list": "list_",
	"makelist": "list_", "make_bag": "bag_", "make_set_if": "set_", "make_list_if": "list_",
	"make_bag_if": "bag_", "stdev": "stdev_", "variance": "variance_", "percentile": "percentile_",
	"percentiles": "percentile_", "hll": "hll_", "tdigest": "tdigest_", "make_list_with_nulls": "list_",
	"binary_all_or": "binary_all_or_", "binary_all_and": "binary_all_and_", "binary_all_xor": "binary_all_xor_",
}

// aggName names an unnamed aggregate, or returns "" when unsure (the shape is
// then opened so later references are not false errors).
func aggName(e Expr) string {
	call, ok := unparen(e).(*Call)
	if !ok {
		return ""
	}
	name := call.Name()
	prefix, ok := aggPrefix[name]
	if !ok {
		return ""
	}
	switch name {
	case "count":
		if len(call.Args) == 1 {
			if n := autoName(call.Args[0]); n != "" {
				return prefix + n
			}
		}
		return prefix
	case "countif":
		return prefix
	case "percentile", "percentiles":
		return ""
	}
	if len(call.Args) == 0 {
		return prefix
	}
	n := autoName(call.Args[0])
	if n == "" {
		return ""
	}
	return prefix + n
}

func (c *checker) mvItems(params []*OpParam, items []*MvItem, in *shape) *shape {
	out := in.clone()
	x := &ectx{row: in}
	for _, it := range items {
		t := c.expr(it.Assign.Value, x)
		if it.ToType != "" {
			t, _ = schema.ParseType(it.ToType)
		} else if t != schema.Dynamic {
			t = ""
		}
		switch {
		case len(it.Assign.Names) > 0:
			out.set(it.Assign.Names[0].Name, t)
		default:
			if n := autoName(it.Assign.Value); n != "" {
				out.set(n, t)
			} else {
				out.open = true
			}
		}
	}
	if n := paramString(params, "with_itemindex"); n != "" {
		out.set(n, schema.Long)
	}
	return out
}

func (c *checker) makeSeries(o *MakeSeriesOp, in *shape) *shape {
	out := &shape{tables: in.tables, open: in.open, ar: c.ar}
	x := &ectx{row: in}
	for _, it := range o.By {
		t := c.expr(it.Value, x)
		if len(it.Names) > 0 {
			out.set(it.Names[0].Name, t)
		} else if n := autoName(it.Value); n != "" {
			out.set(n, t)
		} else {
			out.open = true
		}
	}
	c.expr(o.On, x)
	if n := autoName(o.On); n != "" {
		out.set(n, schema.Dynamic)
	}
	for _, e := range []Expr{o.From, o.To, o.Step} {
		if e != nil {
			c.expr(e, nil)
		}
	}
	if o.InRange != nil {
		c.expr(o.InRange, nil)
	}
	ax := &ectx{row: in, agg: true}
	for i, it := range o.Aggs {
		c.expr(it.Value, ax)
		if d := o.Defaults[i]; d != nil {
			c.expr(d, nil)
		}
		if len(it.Names) > 0 {
			out.set(it.Names[0].Name, schema.Dynamic)
		} else if n := aggName(it.Value); n != "" {
			out.set(n, schema.Dynamic)
		} else {
			out.open = true
		}
	}
	return out
}

func (c *checker) evaluate(o *EvaluateOp, in *shape) *shape {
	name := o.Call.Name()
	p, ok := schema.LookupPlugin(name)
	// the arguments of pivot and bag_unpack are columns of the row; other
	// plugins also take columns of other tables (ipv4_lookup) or keywords,
	// so names in their arguments are not checked
	x := &ectx{row: in, plugin: !ok || (p.Name != "pivot" && p.Name != "bag_unpack")}
	for _, a := range o.Call.Args {
		if c.isTabularArg(a) {
			c.tabular(a, nil)
			continue
		}
		c.expr(a, x)
	}
	if !ok {
		c.report(SeverityWarning, o.Call.S, CodeUnknownPlugin, "unknown evaluate plugin '"+name+"'", didYouMean(schema.Suggest(name, schema.PluginNames(), 2)))
		return openShape()
	}
	switch p.Name {
	case "bag_unpack":
		out := in.clone()
		if len(o.Call.Args) > 0 {
			if id, ok := o.Call.Args[0].(*Ident); ok {
				out.remove(id.Name)
			}
		}
		out.open = true
		return out
	case "narrow":
		return &shape{cols: []column{{Name: "Row", Type: schema.Int}, {Name: "Column", Type: schema.String}, {Name: "Value", Type: schema.String}}}
	}
	return openShape()
}

// ---- join and union ----

func (c *checker) join(o *JoinOp, left *shape) *shape {
	right := c.tabular(o.Right, nil)
	x := &ectx{row: left, left: left, right: right, join: true}
	for _, cond := range o.On {
		c.joinCond(cond, x)
	}
	kind := strings.ToLower(o.Kind())
	if o.Name == "lookup" {
		out := left.clone()
		out.open = left.open || right.open
		out.suffixed = left.suffixed || right.suffixed
		keys := map[string]bool{}
		for _, cond := range o.On {
			if id, ok := cond.(*Ident); ok {
				keys[id.Name] = true
			}
		}
		out.addAllUnique(right.cols, keys)
		return out
	}
	switch kind {
	case "leftanti", "anti", "leftantisemi", "leftsemi":
		return left
	case "rightanti", "rightantisemi", "rightsemi":
		return right
	}
	out := left.clone()
	out.open = left.open || right.open
	out.suffixed = left.suffixed || right.suffixed
	out.tables = append(append([]string{}, left.tables...), right.tables...)
	out.addAllUnique(right.cols, nil)
	return out
}

// joinCond checks one on-condition: a column both sides have, or
// $left.a == $right.b combined with and.
func (c *checker) joinCond(e Expr, x *ectx) {
	switch v := e.(type) {
	case *Ident:
		if !x.left.has(v.Name) && !x.left.open {
			c.unknownColumn(v, x.left)
		} else if !x.right.has(v.Name) && !x.right.open && !(x.right.suffixed && schema.SuffixType(v.Name) != "") {
			c.report(SeverityError, v.S, CodeUnknownColumn, "column '"+v.Name+"' is not in the right side of the join", didYouMean(schema.Suggest(v.Name, x.right.names(), 3)))
		}
	case *Binary:
		if v.Op == "and" {
			c.joinCond(v.X, x)
			c.joinCond(v.Y, x)
			return
		}
		c.expr(v, x)
	default:
		c.expr(e, x)
	}
}

func (c *checker) union(o *UnionOp, in *shape) *shape {
	var inputs []*shape
	if in != nil {
		inputs = append(inputs, in)
	}
	fuzzy := paramString(o.Params, "isfuzzy") == "true"
	if fuzzy {
		c.soft++
	}
	for _, t := range o.Tables {
		inputs = append(inputs, c.unionTable(t)...)
	}
	if fuzzy {
		c.soft--
	}
	kind := paramString(o.Params, "kind")
	out := &shape{ar: c.ar, owned: true}
	if len(inputs) == 0 {
		out.open = true
	}
	n := 0
	for _, s := range inputs {
		n += len(s.cols)
	}
	seen := c.ar.nameIndex(n) // name -> its index in out.cols
	out.cols = c.ar.make(0, n)
	// first is the first type a leg gives each column of out.cols; mixed marks
	// those another leg gives another type (see unionTypeSuffixes)
	first := make([]schema.Type, 0, n)
	var mixed []bool
	for i, s := range inputs {
		if s.open {
			out.open = true
		}
		out.suffixed = out.suffixed || s.suffixed
		out.tables = append(out.tables, s.tables...)
		if kind == "inner" && i > 0 {
			var keep []column
			for _, col := range out.cols {
				if s.has(col.Name) {
					keep = append(keep, col)
				}
			}
			out.cols = keep
			continue
		}
		for _, col := range s.cols {
			j, ok := seen[col.Name]
			if !ok {
				seen[col.Name] = len(out.cols)
				out.cols = append(out.cols, col)
				first = append(first, col.Type)
				continue
			}
			switch first[j] {
			case "":
				first[j] = col.Type
			case col.Type:
			default:
				if col.Type != "" {
					if mixed == nil {
						mixed = make([]bool, n)
					}
					mixed[j] = true
				}
			}
		}
	}
	if kind != "inner" && len(inputs) > 1 && mixed != nil {
		unionTypeSuffixes(inputs, out, mixed)
	}
	if ws := paramString(o.Params, "withsource"); ws != "" {
		out.set(ws, schema.String)
	}
	return out
}

// unionTypeSuffixes adds the columns union makes when legs disagree on a column's
// type: Kusto outputs one column per type, named name_type (DeviceDetail_dynamic
// and DeviceDetail_string from SigninLogs and AADNonInteractiveUserSignInLogs).
// The plain name is kept too, because the catalog's types are not always exact
// and a wrong type must not turn into a false unknown-column error.
func unionTypeSuffixes(inputs []*shape, out *shape, mixed []bool) {
	// mixed marks the columns of out.cols that legs give different types
	for i, col := range append([]column(nil), out.cols...) {
		if !mixed[i] {
			continue
		}
		// the column's types in the order the legs give them
		var ts []schema.Type
		for _, s := range inputs {
			for _, c := range s.cols {
				if c.Name == col.Name && c.Type != "" && !slices.Contains(ts, c.Type) {
					ts = append(ts, c.Type)
				}
			}
		}
		for _, t := range ts {
			out.addUnique(col.Name+"_"+string(t), t)
		}
	}
}

// unionTable resolves one union/search/find argument, expanding wildcards.
func (c *checker) unionTable(e Expr) []*shape {
	id, ok := e.(*Ident)
	if !ok || !id.Wildcard {
		return []*shape{c.tabular(e, nil)}
	}
	var out []*shape
	if id.Name != "*" {
		var tables []*schema.Table
		for _, t := range c.schemaTables() {
			if wildcardMatch(id.Name, t.Name) {
				tables = append(tables, t)
			}
		}
		// over 50 tables (a broad wildcard), the column set is too large to be useful
		if len(tables) <= 50 {
			for _, t := range tables {
				out = append(out, c.tableShape(t))
			}
		}
	}
	for _, b := range c.env {
		if b.kind == bindTabular && wildcardMatch(id.Name, b.name) {
			out = append(out, b.shape)
		}
	}
	// a wildcard may also match tables the schema does not list
	out = append(out, openShape())
	return out
}

// ResultColumns parses and checks src and returns the columns of the rows its
// last statement produces, as far as the validator can tell: open is true when
// other columns may exist too (after bag_unpack, an unknown function, ...).
// It is how a stored function's result schema (an Azure-Sentinel parser, say) is
// derived from its query. cols is nil when the query does not parse or its last
// statement is not tabular.
func (v *Validator) ResultColumns(src string) (cols []schema.Column, open bool, findings []Finding) {
	q, errs := Parse(src)
	if len(errs) > 0 {
		return nil, false, syntaxFindings(errs)
	}
	c := v.newChecker(q)
	defer c.ar.release()
	last := c.statements(q.Statements)
	findings = c.sortedFindings()
	if last == nil {
		return nil, false, findings
	}
	// a copy: the columns may be the schema's own
	cols = append(make([]schema.Column, 0, len(last.cols)), last.cols...)
	return cols, last.open, findings
}

// tableShape is a table's rows as the query's engine has them: in advanced
// hunting, Defender XDR tables (those with Timestamp) lack the Log Analytics
// TimeGenerated that Sentinel's copies of them add.
func (c *checker) tableShape(t *schema.Table) *shape {
	sh := shapeFromTable(t)
	sh.ar = c.ar
	if !c.v.AdvancedHunting || !sh.has("Timestamp") || !sh.has("TimeGenerated") {
		return sh
	}
	cols := make([]schema.Column, 0, len(sh.cols))
	for _, col := range sh.cols {
		if !strings.EqualFold(col.Name, "TimeGenerated") {
			cols = append(cols, col)
		}
	}
	sh.cols = cols
	return sh
}
