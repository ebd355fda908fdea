package kql

import (
	"strconv"
	"strings"

	"github.com/socpilot/socpilot/kql/schema"
)

// ectx is the context an expression is checked in.
type ectx struct {
	row         *shape // columns in scope; nil outside any row context
	left, right *shape // join sides for $left / $right
	agg         bool   // aggregate functions allowed (summarize, make-series)
	join        bool
	plugin      bool // evaluate plugin arguments: names may be plugin keywords
}

var timeColumns = map[string]bool{"TimeGenerated": true, "Timestamp": true}

// expr checks a scalar expression and returns its type ("" when unknown).
func (c *checker) expr(e Expr, x *ectx) schema.Type {
	// no defer: with this many returns it would not be open-coded, and a
	// panic ends the whole check
	c.depth++
	t := c.exprBody(e, x)
	c.depth--
	return t
}

func (c *checker) exprBody(e Expr, x *ectx) schema.Type {
	if c.depth > 400 {
		return ""
	}
	switch v := e.(type) {
	case *Literal:
		return literalType(v)
	case *DynamicLit, *ArrayLit, *ObjectLit:
		return schema.Dynamic
	case *Ident:
		return c.name(v, x)
	case *Star:
		return ""
	case *Paren:
		if c.isTabularArg(v) {
			c.tabular(v.X, nil)
			return ""
		}
		return c.expr(v.X, x)
	case *Pipeline, *OpExpr:
		c.tabular(v, nil)
		return ""
	case *Unary:
		return c.expr(v.X, x)
	case *Member:
		if id, ok := v.X.(*Ident); ok && x != nil && (id.Name == "$left" || id.Name == "$right") {
			side := x.left
			if id.Name == "$right" {
				side = x.right
			}
			if side == nil {
				c.report(SeverityError, id.S, CodeOperator, id.Name+" is only valid in a join condition", "")
				return ""
			}
			col, ok := side.find(v.Name.Name)
			if !ok && side.suffixed && schema.SuffixType(v.Name.Name) != "" {
				return schema.SuffixType(v.Name.Name)
			}
			if !ok && !side.open {
				c.report(SeverityError, v.Name.S, CodeUnknownColumn, "column '"+v.Name.Name+"' is not in the "+strings.TrimPrefix(id.Name, "$")+" side of the join", didYouMean(schema.Suggest(v.Name.Name, side.names(), 3)))
			}
			return col.Type
		}
		c.expr(v.X, x)
		return schema.Dynamic
	case *Index:
		c.expr(v.X, x)
		c.expr(v.Index, x)
		return schema.Dynamic
	case *Binary:
		return c.binary(v, x)
	case *InExpr:
		c.expr(v.X, x)
		for _, el := range v.List {
			if c.isTabularArg(el) {
				c.tabular(el, nil)
				continue
			}
			if id, ok := el.(*Ident); ok {
				// a let-bound table or a table name is a valid in-list
				b := c.lookup(id.Name)
				if b != nil && b.kind == bindTabular {
					continue
				}
				if b == nil && (x == nil || !x.row.has(id.Name)) {
					if _, ok := c.sch.Table(id.Name); ok {
						continue
					}
				}
			}
			c.expr(el, x)
		}
		return schema.Bool
	case *BetweenExpr:
		c.expr(v.X, x)
		c.expr(v.Lo, x)
		c.expr(v.Hi, x)
		if id, ok := v.X.(*Ident); ok && timeColumns[id.Name] {
			c.timeBounded = true
		}
		return schema.Bool
	case *Call:
		return c.call(v, x)
	case *NamedArg:
		return c.expr(v.Value, x)
	case *FuncDecl:
		return ""
	}
	return ""
}

func literalType(v *Literal) schema.Type {
	switch v.Kind {
	case LitString:
		return schema.String
	case LitInt:
		return schema.Long
	case LitReal:
		return schema.Real
	case LitBool:
		return schema.Bool
	case LitTimespan:
		return schema.Timespan
	case LitDatetime:
		return schema.Datetime
	case LitGuid:
		return schema.GUID
	case LitNull:
		return schema.Dynamic
	case LitTyped:
		t, _ := schema.ParseType(v.Type)
		return t
	}
	return ""
}

// name resolves an identifier in expression position: a column of the row,
// then a let-bound or parameter name.
func (c *checker) name(id *Ident, x *ectx) schema.Type {
	if x != nil && x.row != nil {
		if col, ok := x.row.find(id.Name); ok {
			return col.Type
		}
	}
	if b := c.lookup(id.Name); b != nil {
		switch b.kind {
		case bindScalar:
			return b.typ
		case bindFunc:
			return ""
		}
		return ""
	}
	if x == nil || x.row == nil {
		// outside a row: only let names and tables are visible
		if _, ok := c.sch.Table(id.Name); ok {
			return ""
		}
		if _, ok := c.sch.Function(id.Name); ok {
			return ""
		}
		msg := "unknown name '" + id.Name + "'"
		if !c.muted(id.S, msg) {
			c.report(SeverityError, id.S, CodeUnknownColumn, msg, didYouMean(schema.Suggest(id.Name, c.scalarNames(), 3)))
		}
		return ""
	}
	if x.plugin {
		return ""
	}
	return c.unknownColumn(id, x.row)
}

func (c *checker) scalarNames() []string {
	var out []string
	for _, b := range c.env {
		if b.kind == bindScalar {
			out = append(out, b.name)
		}
	}
	return out
}

// unknownColumn reports a name that is not a column of the row, with the
// closest column names, and the Sentinel / Defender time-column lint. It
// returns the type of a name that may be a column after all: one with a type
// suffix on rows whose workspace adds such columns.
func (c *checker) unknownColumn(id *Ident, row *shape) schema.Type {
	if row.open {
		c.nearMiss(id, row)
		return ""
	}
	if t := schema.SuffixType(id.Name); row.suffixed && t != "" {
		c.nearMiss(id, row)
		return t
	}
	if !c.v.NoLint {
		switch id.Name {
		case "Timestamp":
			if row.has("TimeGenerated") {
				c.report(SeverityError, id.S, CodeTimeColumn, "column 'Timestamp' does not exist here: 'Timestamp' is the Defender XDR advanced hunting name, this Log Analytics table has 'TimeGenerated'", "use 'TimeGenerated'")
				return ""
			}
		case "TimeGenerated":
			if row.has("Timestamp") {
				c.report(SeverityError, id.S, CodeTimeColumn, "column 'TimeGenerated' does not exist here: this Defender XDR table has 'Timestamp'", "use 'Timestamp'")
				return ""
			}
		}
	}
	msg := "unknown column '" + id.Name + "'"
	if len(row.tables) == 1 {
		msg += " (not in " + row.tables[0] + " at this point of the query)"
	}
	if c.muted(id.S, msg) {
		return ""
	}
	cands := row.names()
	cands = append(cands, c.scalarNames()...)
	c.report(SeverityError, id.S, CodeUnknownColumn, msg, didYouMean(schema.Suggest(id.Name, cands, 3)))
	return ""
}

// nearMiss handles a name that is not a listed column of an open row shape
// (after bag_unpack, a key-value parser, an open table): any name may be one of
// the data-dependent columns, so only a name that is an obvious misspelling of
// a listed column is an error (schema.Typo says which), with that column as the
// suggestion. Time-column lint stays off here: an unpacked key may well be
// called Timestamp.
func (c *checker) nearMiss(id *Ident, row *shape) {
	if len(row.cols) == 0 || c.quiet > 0 {
		return
	}
	want := schema.TypoColumn(id.Name, row.cols)
	if want == "" {
		return
	}
	where := ""
	if len(row.tables) == 1 {
		where = " of " + row.tables[0]
	}
	c.report(SeverityError, id.S, CodeUnknownColumn, "unknown column '"+id.Name+"': not a known column"+where+" at this point of the query, and too close to '"+want+"' to be one of the columns that depend on the data", didYouMean([]string{want}))
}

var comparisonOps = map[string]bool{">": true, ">=": true, "<": true, "<=": true, "==": true, "=": true}

func (c *checker) binary(v *Binary, x *ectx) schema.Type {
	lt := c.expr(v.X, x)
	rt := c.expr(v.Y, x)
	switch v.Op {
	case "and", "or":
		return schema.Bool
	case "+", "-", "*", "/", "%":
		return arithType(v.Op, lt, rt)
	}
	if comparisonOps[v.Op] {
		if id, ok := v.X.(*Ident); ok && timeColumns[id.Name] {
			c.timeBounded = true
		}
		if id, ok := v.Y.(*Ident); ok && timeColumns[id.Name] {
			c.timeBounded = true
		}
	}
	if v.Op == "==~" {
		c.report(SeverityWarning, Span{v.OpPos, v.OpPos + 3}, CodeOperator, "'==~' is not a KQL operator", "use '=~' for a case-insensitive comparison")
	}
	return schema.Bool
}

func isNumeric(t schema.Type) bool {
	return t == schema.Int || t == schema.Long || t == schema.Real || t == schema.Decimal
}

func arithType(op string, l, r schema.Type) schema.Type {
	switch {
	case l == schema.Datetime && r == schema.Datetime && op == "-":
		return schema.Timespan
	case l == schema.Datetime && r == schema.Timespan:
		return schema.Datetime
	case l == schema.Timespan && r == schema.Datetime && op == "+":
		return schema.Datetime
	case l == schema.Timespan && r == schema.Timespan:
		if op == "/" {
			return schema.Real
		}
		return schema.Timespan
	case l == schema.Timespan && isNumeric(r), isNumeric(l) && r == schema.Timespan:
		return schema.Timespan
	case isNumeric(l) && isNumeric(r):
		if l == schema.Real || r == schema.Real {
			return schema.Real
		}
		if l == schema.Decimal || r == schema.Decimal {
			return schema.Decimal
		}
		return schema.Long
	}
	return ""
}

// typeCasts are typed-literal names that may also be written as calls.
var typeCasts = map[string]schema.Type{
	"datetime": schema.Datetime, "date": schema.Datetime, "time": schema.Timespan, "timespan": schema.Timespan,
	"guid": schema.GUID, "int": schema.Int, "long": schema.Long, "int64": schema.Long, "real": schema.Real,
	"double": schema.Real, "bool": schema.Bool, "boolean": schema.Bool, "decimal": schema.Decimal,
	"string": schema.String,
}

// typeArgFuncs take a type name rather than an expression.
var typeArgFuncs = map[string]bool{"typeof": true}

func (c *checker) call(v *Call, x *ectx) schema.Type {
	name := v.Name()
	if name == "" {
		for _, a := range v.Args {
			c.expr(a, nil)
		}
		return ""
	}
	if typeArgFuncs[name] {
		return schema.String
	}
	if t, ok := typeCasts[name]; ok {
		// datetime("2020-01-01"), int(null) written with a quoted or unusual argument
		for _, a := range v.Args {
			if _, isID := a.(*Ident); !isID {
				c.expr(a, x)
			}
		}
		return t
	}
	if b := c.lookup(name); b != nil && b.kind == bindFunc {
		c.callUserFunc(b, v.Args, nil, v.S, x)
		return ""
	}
	bi, ok := schema.LookupBuiltin(name)
	if !ok {
		if _, isFn := c.sch.Function(name); isFn {
			for _, a := range v.Args {
				c.expr(a, x)
			}
			return ""
		}
		if x != nil && x.plugin {
			for _, a := range v.Args {
				c.expr(a, x)
			}
			return ""
		}
		cands := schema.BuiltinNames(false)
		cands = append(cands, schema.BuiltinNames(true)...)
		for _, b := range c.env {
			if b.kind == bindFunc {
				cands = append(cands, b.name)
			}
		}
		c.report(SeverityError, v.Fn.Span(), CodeUnknownFunction, "unknown function '"+name+"'", didYouMean(schema.Suggest(name, cands, 3)))
		for _, a := range v.Args {
			c.expr(a, x)
		}
		return ""
	}
	if !bi.AcceptsArgs(len(v.Args)) {
		c.report(SeverityError, v.S, CodeArgCount, "function '"+name+"' takes "+arityText(bi.MinArgs, bi.MaxArgs)+", got "+strconv.Itoa(len(v.Args)), "")
	}
	argTypes := make([]schema.Type, len(v.Args))
	for i, a := range v.Args {
		if bi.Tabular {
			if c.isTabular(a) {
				c.tabular(a, nil)
			} else {
				c.expr(a, nil)
			}
			continue
		}
		if _, isStar := a.(*Star); isStar {
			continue
		}
		if na, ok := a.(*NamedArg); ok && !bi.Tabular && !isConstArg(na.Value) && !namesResult(name, i) {
			// make_set(x, maxSize = 8) names an option, which takes a constant;
			// bin(5mbin = Timestamp, 5m) is a column assignment misplaced
			// into the argument list
			c.report(SeverityError, na.Name.S, CodeOperator, "'"+na.Name.Name+" =' inside "+name+"(...) is an assignment in an argument list: "+name+"() has no parameter of that name", "assign outside the call: "+na.Name.Name+" = "+name+"(...)")
		}
		// arguments of a scalar function inside summarize may still hold
		// aggregates, so x passes on unchanged
		argTypes[i] = c.expr(a, x)
		if i < len(bi.ArgTypes) && bi.ArgTypes[i] != "" && isCheapConst(a) && !typeCompatible(bi.ArgTypes[i], argTypes[i]) {
			c.report(SeverityError, a.Span(), CodeType, "argument "+strconv.Itoa(i+1)+" of "+name+"() must be "+string(bi.ArgTypes[i])+", not "+string(argTypes[i]), typeHint(bi.ArgTypes[i], a))
		}
	}
	if bi.Returns != "" {
		return bi.Returns
	}
	switch name {
	case "iff", "iif":
		if len(argTypes) > 1 {
			return argTypes[1]
		}
	case "bin", "floor", "min", "max", "arg_max", "arg_min", "any", "take_any", "coalesce", "bin_at", "abs", "sum", "minif", "maxif", "sumif", "round":
		if len(argTypes) > 0 {
			return argTypes[0]
		}
	case "case":
		if len(argTypes) > 1 {
			return argTypes[1]
		}
	}
	return ""
}

// isConstArg reports a constant argument value: a literal, possibly negated.
func isConstArg(e Expr) bool {
	switch v := e.(type) {
	case *Literal, *DynamicLit:
		return true
	case *Unary:
		return isConstArg(v.X)
	case *Paren:
		return isConstArg(v.X)
	}
	return false
}

// isCheapConst reports whether an expression's type is certain: a literal
// or arithmetic on literals. Column types come from schema files that are
// not always exact, so they never produce a type error.
func isCheapConst(e Expr) bool {
	switch v := e.(type) {
	case *Literal:
		return v.Kind != LitNull && v.Kind != LitTyped
	case *Paren:
		return isCheapConst(v.X)
	}
	return false
}

func typeCompatible(want, got schema.Type) bool {
	if want == "" || got == "" || want == got || want == schema.Dynamic || got == schema.Dynamic {
		return true
	}
	if isNumeric(want) && isNumeric(got) {
		return true
	}
	return false
}

func typeHint(want schema.Type, a Expr) string {
	if lit, ok := a.(*Literal); ok && lit.Kind == LitString {
		switch want {
		case schema.Timespan:
			return "write a timespan literal such as 1d or 30m, or totimespan(" + lit.Raw + ")"
		case schema.Datetime:
			return "write datetime(" + lit.Value + ") or todatetime(" + lit.Raw + ")"
		}
	}
	return ""
}

// lintTimeBound warns when a large table is read with no time filter.
func (c *checker) lintTimeBound() {
	if c.timeBounded || len(c.largeRefs) == 0 {
		return
	}
	id := c.largeRefs[0]
	c.report(SeverityWarning, id.S, CodeNoTimeBound, "query reads "+id.Name+" without a time filter; on a large table this scans all retained data", "add | where TimeGenerated > ago(1d) (or the window you need) right after "+id.Name)
}

// namesResult reports whether argument i of the aggregate name is a value
// it returns, which may be given a column name: arg_max(TimeGenerated,
// LastIP = IPAddress) returns LastIP.
func namesResult(name string, i int) bool {
	switch name {
	case "arg_max", "arg_min", "argmax", "argmin":
		return i > 0
	case "take_any", "any":
		return true
	case "take_anyif", "anyif":
		return i == 0
	}
	return false
}
