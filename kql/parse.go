package kql

import (
	"slices"
	"strconv"
	"strings"
	"sync"
)

// maxDepth bounds expression nesting so hostile input cannot exhaust the stack.
const maxDepth = 500

type parser struct {
	src     string
	toks    []token
	p       int
	errs    []Error
	lines   *lineIndex
	depth   int
	lexErrs []lexError

	chunks *nodeChunks
}

// nodeChunks hold the commonest nodes, allocated a chunk at a time (see
// alloc). The part of a chunk a query has not used serves the next one
// (chunkPool): a tree's nodes are the elements of the chunks before the
// length they had when it was parsed, and no parse changes those.
type nodeChunks struct {
	idents   []Ident
	literals []Literal
	binaries []Binary
	calls    []Call
	assigns  []Assign
	names    []*Ident
}

var chunkPool = sync.Pool{New: func() any { return new(nodeChunks) }}

// chunkLen is the number of nodes of a chunk.
const chunkLen = 64

// alloc returns a new zero T from the chunk *slab, starting a new chunk when
// it is used up: one allocation for many nodes, which live as long as the
// trees that hold them.
func alloc[T any](slab *[]T) *T {
	s := *slab
	if len(s) == cap(s) {
		s = make([]T, 0, chunkLen)
	}
	s = s[:len(s)+1]
	*slab = s
	return &s[len(s)-1]
}

func (p *parser) newIdent(v Ident) *Ident {
	n := alloc(&p.chunks.idents)
	*n = v
	return n
}

func (p *parser) newLiteral(v Literal) *Literal {
	n := alloc(&p.chunks.literals)
	*n = v
	return n
}

func (p *parser) newBinary(v Binary) *Binary {
	n := alloc(&p.chunks.binaries)
	*n = v
	return n
}

func (p *parser) newCall(v Call) *Call {
	n := alloc(&p.chunks.calls)
	*n = v
	return n
}

func (p *parser) newAssign(v Assign) *Assign {
	n := alloc(&p.chunks.assigns)
	*n = v
	return n
}

// oneName returns the list of the one name of an assignment.
func (p *parser) oneName(id *Ident) []*Ident {
	c := p.chunks
	if len(c.names) == cap(c.names) {
		c.names = make([]*Ident, 0, chunkLen)
	}
	c.names = append(c.names, id)
	return c.names[len(c.names)-1 : len(c.names) : len(c.names)]
}

// tokenBufs recycles the token slices of parsed queries: the tree does not
// refer to them.
var tokenBufs = sync.Pool{New: func() any { return new([]token) }}

// bailout unwinds the parser to the statement level after an error.
type bailout struct{}

// Parse parses a KQL query. It always returns a Query (possibly partial) and
// the syntax errors found, each with its position. It never panics.
func Parse(src string) (*Query, []Error) {
	buf := tokenBufs.Get().(*[]token)
	if want := len(src)/5 + 8; cap(*buf) < want {
		*buf = make([]token, 0, want)
	}
	toks, lexErrs := lex(src, (*buf)[:0])
	defer func() {
		if cap(toks) <= 1<<16 {
			*buf = toks[:0]
			tokenBufs.Put(buf)
		}
	}()
	p := &parser{src: src, toks: toks, lexErrs: lexErrs, chunks: chunkPool.Get().(*nodeChunks)}
	defer chunkPool.Put(p.chunks)
	q := &Query{Src: src}
	for !p.at(tEOF) {
		if p.at(tSemi) {
			p.p++
			continue
		}
		st, ok := p.statementSafe()
		if st != nil {
			q.Statements = append(q.Statements, st)
		}
		if !ok {
			// skip to the next top-level ';'
			depth := 0
			for !p.at(tEOF) {
				k := p.tok().kind
				if k == tLParen || k == tLBrack || k == tLBrace {
					depth++
				} else if (k == tRParen || k == tRBrack || k == tRBrace) && depth > 0 {
					depth--
				} else if k == tSemi && depth == 0 {
					break
				}
				p.p++
			}
			continue
		}
		if !p.at(tEOF) {
			if !p.at(tSemi) {
				p.addError(p.tok().start, "expected ';' or '|' before %s", p.describe(p.tok()))
				for !p.at(tEOF) && !p.at(tSemi) {
					p.p++
				}
				continue
			}
		}
	}
	if len(p.errs) == 0 && len(p.lexErrs) > 0 {
		p.addError(int32(p.lexErrs[0].off), p.lexErrs[0].msg)
	}
	q.lines = p.lines
	if q.lines == nil && len(p.errs) > 0 {
		q.lines = newLineIndex(src)
	}
	return q, p.errs
}

func (p *parser) statementSafe() (st Stmt, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			if _, isBail := r.(bailout); !isBail {
				panic(r)
			}
			ok = false
			p.depth = 0 // what the leave of each level would have made it
		}
	}()
	return p.statement(), true
}

// ---- token helpers ----

func (p *parser) tok() token { return p.toks[p.p] }

func (p *parser) peek(n int) token {
	if p.p+n < len(p.toks) {
		return p.toks[p.p+n]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) at(k tokKind) bool { return p.toks[p.p].kind == k }

func (p *parser) text(t token) string { return p.src[t.start:t.end] }

func (p *parser) atWord(w string) bool {
	t := p.toks[p.p]
	return t.kind == tIdent && p.src[t.start:t.end] == w
}

func (p *parser) peekWord(n int, w string) bool {
	t := p.peek(n)
	return t.kind == tIdent && p.src[t.start:t.end] == w
}

func (p *parser) next() token {
	t := p.toks[p.p]
	if t.kind != tEOF {
		p.p++
	}
	return t
}

func (p *parser) prevEnd() int {
	if p.p == 0 {
		return 0
	}
	return int(p.toks[p.p-1].end)
}

func (p *parser) describe(t token) string {
	switch t.kind {
	case tEOF:
		return "end of query"
	case tIdent:
		return "'" + p.text(t) + "'"
	case tInt, tReal, tTimespan, tString, tTyped:
		s := p.text(t)
		if len(s) > 30 {
			s = s[:30] + "…"
		}
		return tokNames[t.kind] + " " + s
	}
	return tokNames[t.kind]
}

func (p *parser) errorf(off int32, format string, args ...string) {
	p.addError(off, format, args...)
	panic(bailout{})
}

// addError records an error without unwinding.
func (p *parser) addError(off int32, format string, args ...string) {
	if p.lines == nil {
		p.lines = newLineIndex(p.src)
	}
	msg := format
	for _, a := range args {
		msg = strings.Replace(msg, "%s", a, 1)
	}
	// A lexical error at or before this point explains it better.
	for _, le := range p.lexErrs {
		if le.off <= int(off) {
			p.errs = append(p.errs, Error{Pos: p.lines.pos(le.off), Msg: le.msg})
			p.lexErrs = nil
			return
		}
	}
	p.errs = append(p.errs, Error{Pos: p.lines.pos(int(off)), Msg: msg})
}

func (p *parser) fail(what string) {
	t := p.tok()
	p.errorf(t.start, "expected "+what+", found %s", p.describe(t))
}

func (p *parser) expect(k tokKind, context string) token {
	if !p.at(k) {
		t := p.tok()
		msg := "expected " + tokNames[k]
		if context != "" {
			msg += " " + context
		}
		p.errorf(t.start, msg+", found %s", p.describe(t))
	}
	return p.next()
}

// expectClose expects the closing token of a bracket opened at open.
func (p *parser) expectClose(k tokKind, open token) token {
	if !p.at(k) {
		if p.lines == nil {
			p.lines = newLineIndex(p.src)
		}
		op := p.lines.pos(int(open.start))
		t := p.tok()
		p.errorf(t.start, "expected "+tokNames[k]+" to close "+tokNames[open.kind]+" opened at "+strconv.Itoa(op.Line)+":"+strconv.Itoa(op.Col)+", found %s", p.describe(t))
	}
	return p.next()
}

func (p *parser) expectWord(w string, context string) token {
	if !p.atWord(w) {
		t := p.tok()
		msg := "expected '" + w + "'"
		if context != "" {
			msg += " " + context
		}
		p.errorf(t.start, msg+", found %s", p.describe(t))
	}
	return p.next()
}

func (p *parser) enter() {
	p.depth++
	if p.depth > maxDepth {
		p.errorf(p.tok().start, "query is nested too deeply")
	}
}

func (p *parser) leave() { p.depth-- }

// adjacent reports whether token i starts exactly where the previous one ends.
func (p *parser) adjacentNext() bool {
	return p.p+1 < len(p.toks) && p.toks[p.p+1].start == p.toks[p.p].end
}

// atWildcard reports whether a wildcard name (*, Device*, *Events) starts here.
func (p *parser) atWildcard() bool {
	t := p.tok()
	return t.kind == tStar || (t.kind == tIdent && p.adjacentNext() && p.peek(1).kind == tStar)
}

// atBracketedName reports whether the tokens from n on are a bracketed name: ['x'].
func (p *parser) atBracketedName(n int) bool {
	return p.peek(n).kind == tLBrack && p.peek(n+1).kind == tString && p.peek(n+2).kind == tRBrack
}

// ---- lists ----

// commaList parses one or more elements separated by commas.
func commaList[T any](p *parser, elem func() T) []T {
	var buf [8]T
	xs := buf[:0]
	for {
		xs = append(xs, elem())
		if !p.at(tComma) {
			break
		}
		p.next()
	}
	return slices.Clip(append([]T(nil), xs...))
}

// itemList is commaList for the items of an operator (extend, project,
// mv-expand...): Kusto tolerates a trailing comma before the next pipe or the
// end of the query (atListEnd).
func itemList[T any](p *parser, elem func() T) []T {
	var buf [8]T
	xs := buf[:0]
	for {
		xs = append(xs, elem())
		if !p.at(tComma) {
			break
		}
		p.next()
		if p.atListEnd() {
			break
		}
	}
	return slices.Clip(append([]T(nil), xs...))
}

// delimited parses the comma-separated, possibly empty elements of a list
// whose opening bracket open has been read, and its closing bracket. A
// trailing comma is allowed.
func delimited[T any](p *parser, open token, elem func() T) []T {
	closing := tRParen
	switch open.kind {
	case tLBrack:
		closing = tRBrack
	case tLBrace:
		closing = tRBrace
	}
	var buf [8]T
	xs := buf[:0]
	for !p.at(closing) {
		xs = append(xs, elem())
		if !p.at(tComma) {
			break
		}
		p.next()
	}
	p.expectClose(closing, open)
	if len(xs) == 0 {
		return nil
	}
	return slices.Clip(append([]T(nil), xs...))
}

// ---- statements ----

func (p *parser) statement() Stmt {
	t := p.tok()
	switch {
	case p.atWord("let"):
		p.next()
		name := p.identifier("a name after 'let'")
		p.expect(tAssign, "after the name in 'let'")
		val := p.letValue()
		return &LetStmt{S: Span{int(t.start), p.prevEnd()}, Name: name, Value: val}
	case p.atWord("declare") && p.peekWord(1, "query_parameters"):
		p.next()
		p.next()
		params := delimited(p, p.expect(tLParen, "after 'query_parameters'"), p.param)
		return &DeclareStmt{S: Span{int(t.start), p.prevEnd()}, Params: params}
	case p.atWord("set") && p.peek(1).kind == tIdent && (p.peek(2).kind == tAssign || p.peek(2).kind == tSemi || p.peek(2).kind == tDot):
		p.next()
		name := p.dottedName()
		var val Expr
		if p.at(tAssign) {
			p.next()
			val = p.expr()
		}
		return &SetStmt{S: Span{int(t.start), p.prevEnd()}, Name: name, Value: val}
	}
	e := p.pipeline()
	return &ExprStmt{S: Span{int(t.start), p.prevEnd()}, Expr: e}
}

func (p *parser) dottedName() *Ident {
	id := p.identifier("a name")
	for p.at(tDot) && p.peek(1).kind == tIdent {
		p.next()
		n := p.next()
		id = p.newIdent(Ident{S: Span{id.S.Start, int(n.end)}, Name: id.Name + "." + p.text(n)})
	}
	return id
}

// letValue parses the right side of let: a function, a view or an expression.
func (p *parser) letValue() Expr {
	start := p.tok().start
	if p.atWord("view") && p.peek(1).kind == tLParen {
		p.next()
		fd := p.funcDecl(start)
		fd.View = true
		return fd
	}
	if p.at(tLParen) && p.looksLikeParams() {
		return p.funcDecl(start)
	}
	return p.pipeline()
}

// looksLikeParams decides whether "(" starts a function parameter list:
// "()" followed by "{", or "(name:" .
func (p *parser) looksLikeParams() bool {
	if p.peek(1).kind == tRParen && p.peek(2).kind == tLBrace {
		return true
	}
	return p.peek(1).kind == tIdent && p.peek(2).kind == tColon
}

func (p *parser) funcDecl(start int32) *FuncDecl {
	fd := &FuncDecl{Params: delimited(p, p.expect(tLParen, "to start the parameter list"), p.param)}
	fd.Body = p.body()
	fd.S = Span{int(start), p.prevEnd()}
	return fd
}

// body parses { statements } of a function.
func (p *parser) body() []Stmt {
	open := p.expect(tLBrace, "to start the function body")
	var stmts []Stmt
	for !p.at(tRBrace) && !p.at(tEOF) {
		if p.at(tSemi) {
			p.next()
			continue
		}
		stmts = append(stmts, p.statement())
		if !p.at(tSemi) {
			break
		}
	}
	p.expectClose(tRBrace, open)
	return stmts
}

// param parses name:type [= default] or name:(col:type, ...) or name:(*).
func (p *parser) param() *Param {
	start := p.tok().start
	name := p.identifier("a parameter name")
	p.expect(tColon, "after the parameter name")
	prm := &Param{Name: name}
	if p.at(tLParen) {
		open := p.next()
		prm.Tabular = true
		if p.at(tStar) {
			p.next()
		} else {
			for !p.at(tRParen) {
				prm.Columns = append(prm.Columns, p.columnDecl())
				if !p.at(tComma) {
					break
				}
				p.next()
			}
		}
		// (*, col:type) is also allowed
		for p.at(tComma) {
			p.next()
			if p.at(tStar) {
				p.next()
				continue
			}
			prm.Columns = append(prm.Columns, p.columnDecl())
		}
		p.expectClose(tRParen, open)
	} else {
		prm.Type = p.typeName()
	}
	if p.at(tAssign) {
		p.next()
		prm.Default = p.expr()
	}
	prm.S = Span{int(start), p.prevEnd()}
	return prm
}

func (p *parser) typeName() string {
	t := p.tok()
	if t.kind != tIdent {
		p.fail("a type name")
	}
	p.next()
	return strings.ToLower(p.text(t))
}

func (p *parser) columnDecl() *ColumnDecl {
	start := p.tok().start
	name := p.identifier("a column name")
	p.expect(tColon, "after the column name")
	typ := p.typeName()
	return &ColumnDecl{S: Span{int(start), p.prevEnd()}, Name: name, Type: typ}
}

// identifier parses a plain, bracketed (['x']) or quoted identifier.
func (p *parser) identifier(what string) *Ident {
	t := p.tok()
	switch t.kind {
	case tIdent:
		p.next()
		return p.newIdent(Ident{S: Span{int(t.start), int(t.end)}, Name: p.text(t)})
	case tLBrack:
		if p.atBracketedName(0) {
			p.next()
			s := p.next()
			p.next()
			return p.newIdent(Ident{S: Span{int(t.start), p.prevEnd()}, Name: unquote(p.text(s)), Quoted: true})
		}
	case tString:
		p.next()
		return p.newIdent(Ident{S: Span{int(t.start), int(t.end)}, Name: unquote(p.text(t)), Quoted: true})
	}
	p.fail(what)
	return nil
}

// ---- pipelines ----

// sourceOps are operators that may start a tabular expression.
var sourceOps = map[string]bool{
	"union": true, "print": true, "datatable": true, "externaldata": true, "external_data": true,
	"find": true, "search": true, "evaluate": true, "range": true,
}

var sourceOpsMask = maskOf(sourceOps)

// pipeline parses source | op | op ...
func (p *parser) pipeline() Expr {
	p.enter()
	defer p.leave()
	start := p.tok().start
	var src Expr
	if t := p.tok(); t.kind == tIdent && sourceOpsMask.maybeIn(p.text(t)) && sourceOps[p.text(t)] && p.isSourceOp() {
		op := p.operator()
		src = &OpExpr{S: op.Span(), Op: op}
	} else {
		src = p.expr()
	}
	if !p.at(tPipe) {
		return src
	}
	pl := &Pipeline{Source: src}
	var buf [16]Operator // the operators, allocated once at their number
	ops := buf[:0]
	for p.at(tPipe) {
		p.next()
		ops = append(ops, p.operator())
	}
	pl.Ops = append([]Operator(nil), ops...)
	pl.S = Span{int(start), p.prevEnd()}
	return pl
}

// isSourceOp tells a source operator (range x from ...) from a function call
// of the same name (range(1, 5, 1)).
func (p *parser) isSourceOp() bool {
	w := p.text(p.tok())
	nk := p.peek(1).kind
	switch w {
	case "range":
		return nk == tIdent
	case "datatable", "externaldata", "external_data":
		return nk == tLParen || nk == tIdent
	case "print":
		return true
	case "union", "find", "search":
		return nk != tAssign && nk != tEq && nk != tDot
	case "evaluate":
		return nk == tIdent
	}
	return false
}

// subPipeline parses a pipeline that starts with an operator (mv-apply on (...)).
func (p *parser) subPipeline() *Pipeline {
	p.enter()
	defer p.leave()
	start := p.tok().start
	pl := &Pipeline{}
	pl.Ops = append(pl.Ops, p.operator())
	for p.at(tPipe) {
		p.next()
		pl.Ops = append(pl.Ops, p.operator())
	}
	pl.S = Span{int(start), p.prevEnd()}
	return pl
}

// opParams parses name=value parameters allowed by an operator. Hints
// (hint.x=y) are always allowed.
func (p *parser) opParams(allowed ...string) []*OpParam {
	var ps []*OpParam
	for p.at(tIdent) {
		t := p.tok()
		w := p.text(t)
		if w == "hint" && p.peek(1).kind == tDot {
			ps = append(ps, p.namedValue(p.paramValue))
			continue
		}
		if !slices.Contains(allowed, w) || p.peek(1).kind != tAssign {
			break
		}
		p.next()
		p.next()
		v := p.paramValue()
		ps = append(ps, &OpParam{S: Span{int(t.start), p.prevEnd()}, Name: w, Value: v})
	}
	return ps
}

func (p *parser) paramValue() Expr {
	t := p.tok()
	switch t.kind {
	case tIdent:
		p.next()
		return p.newIdent(Ident{S: Span{int(t.start), int(t.end)}, Name: p.text(t)})
	case tMinus:
		return p.unary()
	}
	return p.primary()
}

// operator parses one tabular operator.
func (p *parser) operator() Operator {
	// no defer: a bailout resets the depth (statementSafe), and a function
	// with this many returns would not get an open-coded one
	p.enter()
	op := p.operatorBody()
	p.leave()
	return op
}

func (p *parser) operatorBody() Operator {
	t := p.tok()
	if t.kind != tIdent {
		p.errorf(t.start, "expected a tabular operator after '|', found %s", p.describe(t))
	}
	name := p.text(t)
	start := int(t.start)
	span := func() Span { return Span{start, p.prevEnd()} }
	switch name {
	case "where", "filter":
		p.next()
		pred := p.expr()
		return &WhereOp{S: span(), Name: name, Pred: pred}
	case "project", "project-away", "project-keep", "project-reorder", "project-smart":
		p.next()
		items := p.projectItems(name)
		return &ProjectOp{S: span(), Name: name, Items: items}
	case "project-rename":
		p.next()
		items := p.assignList()
		for _, it := range items {
			if len(it.Names) != 1 {
				p.errorf(int32(it.S.Start), "project-rename expects NewName = ExistingName")
			}
		}
		return &RenameOp{S: span(), Items: items}
	case "extend":
		p.next()
		return &ExtendOp{S: span(), Items: p.assignList()}
	case "summarize":
		p.next()
		op := &SummarizeOp{Params: p.opParams()}
		if !p.atWord("by") {
			op.Aggs = p.assignList()
		}
		if p.atWord("by") {
			p.next()
			op.By = p.assignList()
		}
		op.S = span()
		return op
	case "join", "lookup":
		p.next()
		op := &JoinOp{Name: name, Params: p.opParams("kind", "withsource")}
		op.Right = p.postfix() // (subquery) or a table
		if p.atWord("on") {
			p.next()
			op.On = commaList(p, p.expr)
		} else if name == "lookup" || !p.atWord("where") {
			p.fail("'on' and the join condition")
		}
		op.S = span()
		return op
	case "union":
		p.next()
		op := &UnionOp{Params: p.opParams("kind", "withsource", "isfuzzy")}
		op.Tables = commaList(p, p.tableRef)
		op.S = span()
		return op
	case "parse", "parse-where":
		p.next()
		op := &ParseOp{Name: name, Params: p.opParams("kind", "flags")}
		op.Source = p.expr()
		p.expectWord("with", "after the parse source expression")
		op.Pattern = p.parsePattern()
		op.S = span()
		return op
	case "parse-kv":
		p.next()
		op := &ParseKVOp{Source: p.expr()}
		p.expectWord("as", "in parse-kv")
		op.Columns = p.columnList()
		if p.atWord("with") {
			p.next()
			op.With = p.propertyList()
		}
		op.S = span()
		return op
	case "mv-expand", "mvexpand":
		p.next()
		op := &MvExpandOp{Name: name, Params: p.opParams("bagexpansion", "with_itemindex", "kind")}
		op.Items = itemList(p, p.mvItem)
		if p.atWord("limit") {
			p.next()
			op.Limit = p.expr()
		}
		op.S = span()
		return op
	case "mv-apply", "mvapply":
		p.next()
		op := &MvApplyOp{Name: name, Params: p.opParams("with_itemindex", "bagexpansion")}
		op.Items = itemList(p, p.mvItem)
		if p.atWord("limit") {
			p.next()
			op.Limit = p.expr()
		}
		p.expectWord("on", "before the mv-apply sub-query")
		open := p.expect(tLParen, "to start the mv-apply sub-query")
		op.Sub = p.subPipeline()
		p.expectClose(tRParen, open)
		op.S = span()
		return op
	case "make-series":
		p.next()
		op := &MakeSeriesOp{Params: p.opParams("kind")}
		op.Aggs = commaList(p, func() *Assign {
			agg := p.assign()
			var def Expr
			if p.atWord("default") && p.peek(1).kind == tAssign {
				p.next()
				p.next()
				def = p.expr()
			}
			op.Defaults = append(op.Defaults, def)
			return agg
		})
		p.expectWord("on", "in make-series")
		op.On = p.additive()
		if p.atWord("in") {
			p.next()
			e := p.expr()
			c, ok := e.(*Call)
			if !ok || c.Name() != "range" {
				p.errorf(int32(e.Span().Start), "expected range(start, stop, step) after 'in'")
			}
			op.InRange = c
		} else {
			if p.atWord("from") {
				p.next()
				op.From = p.expr()
			}
			if p.atWord("to") {
				p.next()
				op.To = p.expr()
			}
			p.expectWord("step", "in make-series")
			op.Step = p.expr()
		}
		if p.atWord("by") {
			p.next()
			op.By = p.assignList()
		}
		op.S = span()
		return op
	case "top":
		p.next()
		op := &TopOp{N: p.expr()}
		p.expectWord("by", "after the number of rows in top")
		op.Keys = commaList(p, p.sortKey)
		op.S = span()
		return op
	case "top-nested":
		levels := commaList(p, p.topNestedLevel)
		return &TopNestedOp{S: span(), Levels: levels}
	case "sort", "order":
		p.next()
		op := &SortOp{Name: name, Params: p.opParams()}
		p.expectWord("by", "after '"+name+"'")
		op.Keys = commaList(p, p.sortKey)
		op.S = span()
		return op
	case "take", "limit":
		p.next()
		n := p.expr()
		return &TakeOp{S: span(), Name: name, N: n}
	case "distinct":
		// distinct [hints] * | [Name =] Expr, ...: the service accepts
		// expressions and names as summarize by does
		p.next()
		op := &DistinctOp{Params: p.opParams()}
		op.Items = itemList(p, p.assign)
		op.S = span()
		return op
	case "count":
		// count [as Name]
		p.next()
		op := &CountOp{}
		if p.atWord("as") && (p.peek(1).kind == tIdent || p.peek(1).kind == tString || p.atBracketedName(1)) {
			p.next()
			op.Name = p.identifier("a column name after 'as'")
		}
		op.S = span()
		return op
	case "evaluate":
		p.next()
		op := &EvaluateOp{Params: p.opParams()}
		e := p.postfix()
		c, ok := e.(*Call)
		if !ok {
			p.errorf(int32(e.Span().Start), "expected a plugin call such as bag_unpack(Column) after 'evaluate'")
		}
		op.Call = c
		// optional output schema: evaluate plugin(...) : (col:type, ...)
		if p.at(tColon) && p.peek(1).kind == tLParen {
			p.next()
			open := p.next()
			depth := 1
			for depth > 0 && !p.at(tEOF) {
				switch p.next().kind {
				case tLParen:
					depth++
				case tRParen:
					depth--
				}
			}
			if depth > 0 {
				p.expectClose(tRParen, open)
			}
		}
		op.S = span()
		return op
	case "render":
		p.next()
		op := &RenderOp{Chart: p.identifier("a chart type after 'render'")}
		if p.atWord("with") {
			p.next()
			op.With = p.propertyList()
		} else {
			for p.at(tIdent) && p.peek(1).kind == tAssign {
				op.With = append(op.With, p.namedValue(p.paramValue))
			}
		}
		op.S = span()
		return op
	case "as":
		p.next()
		op := &AsOp{Params: p.opParams()}
		op.Name = p.identifier("a name after 'as'")
		op.S = span()
		return op
	case "invoke":
		p.next()
		e := p.postfix()
		c, ok := e.(*Call)
		if !ok {
			p.errorf(int32(e.Span().Start), "expected a function call after 'invoke'")
		}
		return &InvokeOp{S: span(), Call: c}
	case "serialize":
		p.next()
		op := &SerializeOp{}
		if p.at(tIdent) || p.at(tLBrack) {
			op.Items = p.assignList()
		}
		op.S = span()
		return op
	case "sample":
		p.next()
		return &SampleOp{S: span(), Name: name, N: p.expr()}
	case "sample-distinct":
		p.next()
		op := &SampleOp{Name: name, N: p.expr()}
		p.expectWord("of", "in sample-distinct")
		op.Of = p.expr()
		op.S = span()
		return op
	case "getschema":
		// getschema [kind=csl]
		p.next()
		op := &GetSchemaOp{Params: p.opParams("kind")}
		op.S = span()
		return op
	case "search":
		p.next()
		op := &SearchOp{Params: p.opParams("kind")}
		if p.atWord("in") && p.peek(1).kind == tLParen {
			p.next()
			op.Tables = p.tableList()
		}
		op.Pred = p.expr()
		op.S = span()
		return op
	case "find":
		p.next()
		op := &FindOp{Params: p.opParams("withsource", "kind", "datascope", "hint.materialized")}
		if p.atWord("in") && p.peek(1).kind == tLParen {
			p.next()
			op.Tables = p.tableList()
		}
		if p.atWord("where") {
			p.next()
		}
		op.Pred = p.expr()
		if p.atWord("project-smart") {
			p.next()
		} else if p.atWord("project") {
			p.next()
			op.Project = commaList(p, p.expr)
		}
		op.S = span()
		return op
	case "range":
		p.next()
		op := &RangeOp{Name: p.identifier("a column name after 'range'")}
		p.expectWord("from", "in range")
		op.From = p.expr()
		p.expectWord("to", "in range")
		op.To = p.expr()
		p.expectWord("step", "in range")
		op.Step = p.expr()
		op.S = span()
		return op
	case "datatable":
		p.next()
		p.opParams()
		op := &DatatableOp{Columns: p.columnList()}
		op.Values = delimited(p, p.expect(tLBrack, "to start the datatable values"), p.expr)
		op.S = span()
		return op
	case "externaldata", "external_data":
		p.next()
		p.opParams()
		op := &ExternalDataOp{Columns: p.columnList()}
		op.URLs = delimited(p, p.expect(tLBrack, "to start the externaldata URL list"), p.expr)
		if p.atWord("with") {
			p.next()
			op.With = p.propertyList()
		}
		op.S = span()
		return op
	case "print":
		p.next()
		op := &PrintOp{}
		if !p.at(tPipe) && !p.at(tEOF) && !p.at(tSemi) && !p.at(tRParen) {
			op.Items = p.assignList()
		}
		op.S = span()
		return op
	case "reduce", "fork", "facet", "partition", "scan", "consume", "top-hitters", "make-graph",
		"graph-match", "graph-merge", "graph-to-table", "lookup-hint", "assert-schema", "macro-expand",
		"execute-show-command", "graph-shortest-paths", "graph-mark-components":
		p.next()
		return p.genericOp(name, start)
	}
	p.errorf(t.start, "unknown tabular operator %s", p.describe(t))
	return nil
}

// topNestedLevel parses one clause of top-nested:
// top-nested [N] of Expr [with others = Value] by Aggregation [asc|desc].
func (p *parser) topNestedLevel() *TopNestedLevel {
	start := p.tok().start
	p.expectWord("top-nested", "")
	lvl := &TopNestedLevel{}
	if !p.atWord("of") {
		lvl.N = p.expr()
	}
	p.expectWord("of", "in top-nested")
	lvl.Of = p.assign()
	if p.atWord("with") && p.peekWord(1, "others") {
		p.next()
		p.next()
		p.expect(tAssign, "after 'with others'")
		lvl.WithOthers = p.newAssign(Assign{Value: p.expr()})
	}
	p.expectWord("by", "in top-nested")
	lvl.By = p.assign()
	if p.atWord("asc") || p.atWord("desc") {
		lvl.Order = p.text(p.next())
	}
	lvl.S = Span{int(start), p.prevEnd()}
	return lvl
}

// genericOp consumes an operator the parser does not model, up to the next
// top-level pipe; the validator gives its rows an open shape.
func (p *parser) genericOp(name string, start int) Operator {
	op := &GenericOp{Name: name}
	depth := 0
	for !p.at(tEOF) {
		k := p.tok().kind
		if depth == 0 && (k == tPipe || k == tSemi || k == tRParen || k == tRBrace || k == tRBrack) {
			break
		}
		switch k {
		case tLParen, tLBrack, tLBrace:
			depth++
		case tRParen, tRBrack, tRBrace:
			depth--
		}
		p.next()
	}
	op.S = Span{start, p.prevEnd()}
	return op
}

// tableRef parses a union/find/search table: a name (with wildcards), a
// call, or a parenthesised sub-query.
func (p *parser) tableRef() Expr {
	if p.atWildcard() {
		return p.wildcardName()
	}
	return p.postfix()
}

// wildcardName joins adjacent identifier and star tokens: Device*, *Events, *.
func (p *parser) wildcardName() *Ident {
	t := p.tok()
	start, end := t.start, t.end
	p.next()
	for (p.at(tStar) || p.at(tIdent) || p.at(tInt)) && p.tok().start == end {
		end = p.next().end
	}
	name := p.src[start:end]
	return p.newIdent(Ident{S: Span{int(start), int(end)}, Name: name, Wildcard: strings.Contains(name, "*")})
}

func (p *parser) tableList() []Expr {
	return delimited(p, p.expect(tLParen, "to start the table list"), p.tableRef)
}

func (p *parser) columnList() []*ColumnDecl {
	return delimited(p, p.expect(tLParen, "to start the column list"), p.columnDecl)
}

// propertyList parses (name=value, ...) after with.
func (p *parser) propertyList() []*OpParam {
	return delimited(p, p.expect(tLParen, "after 'with'"), func() *OpParam { return p.namedValue(p.expr) })
}

// namedValue parses name = value, the name possibly dotted (hint.strategy).
func (p *parser) namedValue(value func() Expr) *OpParam {
	t := p.tok()
	name := p.dottedName()
	if !p.at(tAssign) {
		p.fail("'=' after '" + name.Name + "'")
	}
	p.next()
	v := value()
	return &OpParam{S: Span{int(t.start), p.prevEnd()}, Name: name.Name, Value: v}
}

func (p *parser) projectItems(op string) []*Assign {
	return itemList(p, func() *Assign {
		var it *Assign
		if op != "project" && p.atWildcard() {
			id := p.wildcardName()
			it = p.newAssign(Assign{S: id.S, Value: id})
		} else {
			it = p.assign()
		}
		if op == "project-reorder" && (p.atWord("asc") || p.atWord("desc") || p.atWord("granny-asc") || p.atWord("granny-desc")) {
			it.Order = p.text(p.next())
			it.S.End = p.prevEnd()
		}
		return it
	})
}

func (p *parser) assignList() []*Assign { return itemList(p, p.assign) }

// atListEnd reports whether a list may end here: Kusto tolerates a trailing
// comma before the next pipe or the end of the query.
func (p *parser) atListEnd() bool {
	switch p.tok().kind {
	case tPipe, tEOF, tSemi, tRParen, tRBrace:
		return true
	}
	return false
}

// assign parses [name =] expr or (a, b) = expr.
func (p *parser) assign() *Assign {
	t := p.tok()
	start := int(t.start)
	// name = expr, ['name'] = expr
	if ((t.kind == tIdent || t.kind == tString) && p.peek(1).kind == tAssign) || (p.atBracketedName(0) && p.peek(3).kind == tAssign) {
		name := p.identifier("a column name")
		p.next()
		v := p.expr()
		return p.newAssign(Assign{S: Span{start, p.prevEnd()}, Names: p.oneName(name), Value: v})
	}
	// (a, b) = expr
	if t.kind == tLParen {
		i := 1
		for {
			k := p.peek(i).kind
			if k == tIdent {
				i++
			} else if p.atBracketedName(i) {
				i += 3
			} else {
				break
			}
			if p.peek(i).kind == tComma {
				i++
				continue
			}
			break
		}
		if p.peek(i).kind == tRParen && p.peek(i+1).kind == tAssign && i > 1 {
			open := p.next()
			var names []*Ident
			for !p.at(tRParen) {
				names = append(names, p.identifier("a column name"))
				if p.at(tComma) {
					p.next()
				}
			}
			p.expectClose(tRParen, open)
			p.expect(tAssign, "")
			v := p.expr()
			return p.newAssign(Assign{S: Span{start, p.prevEnd()}, Names: names, Value: v})
		}
	}
	v := p.expr()
	return p.newAssign(Assign{S: Span{start, p.prevEnd()}, Value: v})
}

// sortKey parses expr [asc|desc] [nulls first|last].
func (p *parser) sortKey() *SortKey {
	start := p.tok().start
	k := &SortKey{X: p.expr()}
	if p.atWord("asc") || p.atWord("desc") {
		k.Order = p.text(p.next())
	}
	if p.atWord("nulls") {
		p.next()
		if !p.atWord("first") && !p.atWord("last") {
			p.fail("'first' or 'last' after 'nulls'")
		}
		k.Nulls = p.text(p.next())
	}
	k.S = Span{int(start), p.prevEnd()}
	return k
}

// mvItem parses an item of mv-expand/mv-apply: [name =] expr [to typeof(type)].
func (p *parser) mvItem() *MvItem {
	start := p.tok().start
	it := &MvItem{Assign: p.assign()}
	if p.atWord("to") && p.peekWord(1, "typeof") {
		p.next()
		p.next()
		open := p.expect(tLParen, "after typeof")
		it.ToType = p.typeName()
		p.expectClose(tRParen, open)
	}
	it.S = Span{int(start), p.prevEnd()}
	return it
}

// parsePattern parses the pattern after "with" in parse/parse-where.
func (p *parser) parsePattern() []*PatternItem {
	var items []*PatternItem
	for {
		t := p.tok()
		switch t.kind {
		case tString:
			p.next()
			raw := p.text(t)
			items = append(items, &PatternItem{S: Span{int(t.start), int(t.end)}, Str: p.newLiteral(Literal{S: Span{int(t.start), int(t.end)}, Kind: LitString, Raw: raw, Value: unquote(raw)})})
			continue
		case tStar:
			p.next()
			items = append(items, &PatternItem{S: Span{int(t.start), int(t.end)}, Star: true})
			continue
		case tIdent, tLBrack:
			if t.kind == tLBrack && !p.atBracketedName(0) {
				break
			}
			if n := len(items); n > 0 && items[n-1].Column != nil {
				p.errorf(t.start, "expected a string between the columns '"+items[n-1].Column.Name+"' and %s in the parse pattern", p.describe(t))
			}
			id := p.identifier("a column name")
			it := &PatternItem{Column: id}
			if p.at(tColon) {
				p.next()
				it.Type = p.typeName()
			}
			it.S = Span{int(t.start), p.prevEnd()}
			items = append(items, it)
			continue
		}
		break
	}
	if len(items) == 0 {
		p.fail("a parse pattern (strings, * and column names)")
	}
	return items
}

// ---- expressions ----

// expr parses a scalar expression (no pipes).
func (p *parser) expr() Expr {
	p.enter()
	defer p.leave()
	return p.orExpr()
}

func (p *parser) orExpr() Expr {
	x := p.andExpr()
	for p.atWord("or") {
		op := p.next()
		y := p.andExpr()
		x = p.newBinary(Binary{S: Span{x.Span().Start, p.prevEnd()}, Op: "or", OpPos: int(op.start), X: x, Y: y})
	}
	return x
}

func (p *parser) andExpr() Expr {
	x := p.compareExpr()
	for p.atWord("and") {
		op := p.next()
		y := p.compareExpr()
		x = p.newBinary(Binary{S: Span{x.Span().Start, p.prevEnd()}, Op: "and", OpPos: int(op.start), X: x, Y: y})
	}
	return x
}

var stringOps = map[string]bool{
	"has": true, "has_cs": true, "hasprefix": true, "hasprefix_cs": true, "hassuffix": true, "hassuffix_cs": true,
	"contains": true, "contains_cs": true, "startswith": true, "startswith_cs": true, "endswith": true,
	"endswith_cs": true, "like": true, "like_cs": true, "containscs": true,
}

var stringOpsMask = maskOf(stringOps)

// compareOp recognises a comparison or string operator at the current token
// and returns its canonical name and the number of tokens it spans.
func (p *parser) compareOp() (string, int) {
	t := p.tok()
	switch t.kind {
	case tEq:
		return "==", 1
	case tAssign:
		// a single '=' compares in predicates (legacy syntax Kusto still accepts)
		return "=", 1
	case tNe:
		return "!=", 1
	case tLt:
		return "<", 1
	case tLe:
		return "<=", 1
	case tGt:
		return ">", 1
	case tGe:
		return ">=", 1
	case tEqTilde:
		if p.text(t) == "==~" {
			return "==~", 1
		}
		return "=~", 1
	case tNeTilde:
		return "!~", 1
	case tBang:
		n := p.peek(1)
		if n.kind != tIdent || n.start != t.end {
			return "", 0
		}
		w := p.text(n)
		if stringOps[w] || w == "between" {
			return "!" + w, 2
		}
		if w == "in" {
			if p.peek(2).kind == tTilde && p.peek(2).start == n.end {
				return "!in~", 3
			}
			return "!in", 2
		}
	case tIdent:
		w := p.text(t)
		if stringOpsMask.maybeIn(w) && stringOps[w] || w == "has_any" || w == "has_all" || w == "between" {
			return w, 1
		}
		if w == "in" {
			if p.peek(1).kind == tTilde && p.peek(1).start == t.end {
				return "in~", 2
			}
			return "in", 1
		}
		if w == "matches" && p.peekWord(1, "regex") {
			return "matches regex", 2
		}
		if w == "notcontains" || w == "notcontainscs" || w == "notlike" || w == "notbetween" {
			return w, 1
		}
	}
	return "", 0
}

func (p *parser) compareExpr() Expr {
	x := p.additive()
	for {
		op, n := p.compareOp()
		if n == 0 {
			return x
		}
		opTok := p.tok()
		p.p += n
		switch op {
		case "in", "!in", "in~", "!in~", "has_any", "has_all":
			list := p.inList()
			x = &InExpr{S: Span{x.Span().Start, p.prevEnd()}, Op: op, OpPos: int(opTok.start), X: x, List: list}
		case "between", "!between", "notbetween":
			open := p.expect(tLParen, "after '"+op+"'")
			lo := p.additive()
			p.expect(tDotDot, "between the bounds of '"+op+"'")
			hi := p.additive()
			p.expectClose(tRParen, open)
			x = &BetweenExpr{S: Span{x.Span().Start, p.prevEnd()}, Not: op != "between", X: x, Lo: lo, Hi: hi}
		default:
			if stringOps[strings.TrimPrefix(op, "!")] && p.at(tLParen) {
				// has ("a", "b") is accepted by Kusto; keep single values as Binary
				list := p.inList()
				if len(list) != 1 {
					x = &InExpr{S: Span{x.Span().Start, p.prevEnd()}, Op: op, OpPos: int(opTok.start), X: x, List: list}
					continue
				}
				x = p.newBinary(Binary{S: Span{x.Span().Start, p.prevEnd()}, Op: op, OpPos: int(opTok.start), X: x, Y: list[0]})
				continue
			}
			y := p.additive()
			x = p.newBinary(Binary{S: Span{x.Span().Start, p.prevEnd()}, Op: op, OpPos: int(opTok.start), X: x, Y: y})
		}
	}
}

// inList parses the right side of in/has_any: (a, b, ...) whose elements may
// be sub-queries, or a single expression.
func (p *parser) inList() []Expr {
	if !p.at(tLParen) {
		return []Expr{p.additive()}
	}
	return delimited(p, p.next(), p.pipeline)
}

func (p *parser) additive() Expr {
	x := p.multiplicative()
	for p.at(tPlus) || p.at(tMinus) {
		op := p.next()
		y := p.multiplicative()
		x = p.newBinary(Binary{S: Span{x.Span().Start, p.prevEnd()}, Op: p.text(op), OpPos: int(op.start), X: x, Y: y})
	}
	return x
}

func (p *parser) multiplicative() Expr {
	x := p.unary()
	for p.at(tStar) || p.at(tSlash) || p.at(tPercent) {
		op := p.next()
		y := p.unary()
		x = p.newBinary(Binary{S: Span{x.Span().Start, p.prevEnd()}, Op: p.text(op), OpPos: int(op.start), X: x, Y: y})
	}
	return x
}

func (p *parser) unary() Expr {
	if p.at(tMinus) || p.at(tPlus) {
		p.enter()
		defer p.leave()
		op := p.next()
		x := p.unary()
		return &Unary{S: Span{int(op.start), p.prevEnd()}, Op: p.text(op), X: x}
	}
	return p.postfix()
}

func (p *parser) postfix() Expr {
	x := p.primary()
	for {
		switch p.tok().kind {
		case tDot:
			p.next()
			t := p.tok()
			var name *Ident
			switch t.kind {
			case tIdent:
				p.next()
				name = p.newIdent(Ident{S: Span{int(t.start), int(t.end)}, Name: p.text(t)})
			case tLBrack:
				// x.[0] and x.["name"] are accepted by Kusto as x[0] / x["name"]
				open := p.next()
				idx := p.expr()
				p.expectClose(tRBrack, open)
				x = &Index{S: Span{x.Span().Start, p.prevEnd()}, X: x, Index: idx}
				continue
			case tString:
				name = p.identifier("a property name after '.'")
			case tInt:
				// x.0 is not valid, but JSON paths sometimes hold numbers
				p.next()
				name = p.newIdent(Ident{S: Span{int(t.start), int(t.end)}, Name: p.text(t)})
			default:
				p.fail("a property name after '.'")
			}
			x = &Member{S: Span{x.Span().Start, p.prevEnd()}, X: x, Name: name}
		case tLBrack:
			open := p.next()
			idx := p.expr()
			p.expectClose(tRBrack, open)
			x = &Index{S: Span{x.Span().Start, p.prevEnd()}, X: x, Index: idx}
		case tLParen:
			// calls on member chains: database("x").table("y")
			if _, ok := x.(*Member); !ok {
				return x
			}
			args := p.args()
			x = p.newCall(Call{S: Span{x.Span().Start, p.prevEnd()}, Fn: x, Args: args})
		default:
			return x
		}
	}
}

// args parses (a, name = b, ...); arguments may be sub-queries.
func (p *parser) args() []Expr {
	return delimited(p, p.expect(tLParen, ""), func() Expr {
		t := p.tok()
		if t.kind == tIdent && p.peek(1).kind == tAssign {
			name := p.identifier("")
			p.next()
			v := p.pipeline()
			return &NamedArg{S: Span{int(t.start), p.prevEnd()}, Name: name, Value: v}
		}
		return p.pipeline()
	})
}

func (p *parser) primary() Expr {
	p.enter() // no defer, as in operator
	x := p.primaryBody()
	p.leave()
	return x
}

func (p *parser) primaryBody() Expr {
	t := p.tok()
	sp := Span{int(t.start), int(t.end)}
	switch t.kind {
	case tString:
		p.next()
		raw := p.text(t)
		lit := p.newLiteral(Literal{S: sp, Kind: LitString, Raw: raw, Value: unquote(raw)})
		// adjacent string literals concatenate: "a" "b"
		for p.at(tString) {
			n := p.next()
			lit.Value += unquote(p.text(n))
			lit.S.End = int(n.end)
			lit.Raw = p.src[lit.S.Start:lit.S.End]
		}
		return lit
	case tInt:
		p.next()
		return p.newLiteral(Literal{S: sp, Kind: LitInt, Raw: p.text(t)})
	case tReal:
		p.next()
		return p.newLiteral(Literal{S: sp, Kind: LitReal, Raw: p.text(t)})
	case tTimespan:
		p.next()
		return p.newLiteral(Literal{S: sp, Kind: LitTimespan, Type: "timespan", Raw: p.text(t)})
	case tTyped:
		p.next()
		return p.typedLiteral(t)
	case tStar:
		p.next()
		return &Star{S: sp}
	case tLParen:
		open := p.next()
		x := p.pipeline()
		// tuples such as (a, b) appear only as assignment targets; report clearly
		p.expectClose(tRParen, open)
		return &Paren{S: Span{int(open.start), p.prevEnd()}, X: x}
	case tLBrack:
		if p.atBracketedName(0) {
			return p.identifier("")
		}
		p.fail("an expression")
	case tIdent:
		w := p.text(t)
		switch w {
		case "true", "false", "True", "False", "TRUE", "FALSE":
			p.next()
			return p.newLiteral(Literal{S: sp, Kind: LitBool, Type: "bool", Raw: w})
		case "dynamic":
			if p.peek(1).kind == tLParen {
				p.next()
				open := p.next()
				var v Expr
				if !p.at(tRParen) {
					v = p.jsonValue()
				}
				p.expectClose(tRParen, open)
				return &DynamicLit{S: Span{int(t.start), p.prevEnd()}, Value: v}
			}
		}
		p.next()
		id := p.newIdent(Ident{S: sp, Name: w})
		if p.at(tLParen) {
			args := p.args()
			return p.newCall(Call{S: Span{int(t.start), p.prevEnd()}, Fn: id, Args: args})
		}
		return id
	}
	p.fail("an expression")
	return nil
}

// jsonValue parses the value inside dynamic(...): arrays, objects, literals.
func (p *parser) jsonValue() Expr {
	p.enter()
	defer p.leave()
	t := p.tok()
	switch t.kind {
	case tLBrack:
		elems := delimited(p, p.next(), p.jsonValue)
		return &ArrayLit{S: Span{int(t.start), p.prevEnd()}, Elems: elems}
	case tLBrace:
		obj := &ObjectLit{}
		obj.Values = delimited(p, p.next(), func() Expr {
			k := p.tok()
			switch k.kind {
			case tString:
				obj.Keys = append(obj.Keys, unquote(p.text(k)))
			case tIdent:
				obj.Keys = append(obj.Keys, p.text(k))
			default:
				p.fail("a property name in the dynamic object")
			}
			p.next()
			p.expect(tColon, "after the property name")
			return p.jsonValue()
		})
		obj.S = Span{int(t.start), p.prevEnd()}
		return obj
	case tIdent:
		if p.text(t) == "null" {
			p.next()
			return p.newLiteral(Literal{S: Span{int(t.start), int(t.end)}, Kind: LitNull, Raw: "null"})
		}
	case tMinus, tPlus:
		return p.unary()
	}
	return p.primary()
}

// typedLiteral interprets datetime(...), guid(...), int(null) and friends.
func (p *parser) typedLiteral(t token) Expr {
	raw := p.text(t)
	open := strings.IndexByte(raw, '(')
	typ := strings.TrimSpace(raw[:open])
	inner := strings.TrimSpace(raw[open+1 : len(raw)-1])
	sp := Span{int(t.start), int(t.end)}
	lit := p.newLiteral(Literal{S: sp, Kind: LitTyped, Type: typ, Raw: raw, Value: inner})
	switch typ {
	case "datetime", "date":
		lit.Kind = LitDatetime
		lit.Type = "datetime"
	case "time", "timespan":
		lit.Kind = LitTimespan
		lit.Type = "timespan"
	case "guid":
		lit.Kind = LitGuid
	case "boolean":
		lit.Type = "bool"
	case "double":
		lit.Type = "real"
	case "int64":
		lit.Type = "long"
	}
	if inner == "" && lit.Kind != LitDatetime {
		p.errorf(t.start, "expected a value inside "+typ+"()")
	}
	return lit
}

// unquote decodes a string literal token (any of the KQL string forms).
func unquote(raw string) string {
	if raw == "" {
		return ""
	}
	if raw[0] == 'h' || raw[0] == 'H' {
		raw = raw[1:]
	}
	if len(raw) >= 6 && (strings.HasPrefix(raw, "```") || strings.HasPrefix(raw, "~~~")) {
		return raw[3 : len(raw)-3]
	}
	if raw[0] == '@' {
		if len(raw) < 3 {
			return ""
		}
		q := raw[1:2]
		return strings.ReplaceAll(raw[2:len(raw)-1], q+q, q)
	}
	if len(raw) < 2 {
		return ""
	}
	body := raw[1 : len(raw)-1]
	if strings.IndexByte(body, '\\') < 0 {
		return body
	}
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != '\\' || i+1 >= len(body) {
			b.WriteByte(c)
			continue
		}
		i++
		switch body[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case '0':
			b.WriteByte(0)
		case 'u':
			if i+4 < len(body) {
				if v, err := strconv.ParseUint(body[i+1:i+5], 16, 32); err == nil {
					b.WriteRune(rune(v))
					i += 4
					continue
				}
			}
			b.WriteByte('u')
		default:
			b.WriteByte(body[i])
		}
	}
	return b.String()
}
