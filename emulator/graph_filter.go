package emulator

import (
	"fmt"
	"strings"
	"time"
)

// graphField is a property of a Graph view a $filter may compare.
type graphField struct {
	name string // the JSON property, as Graph spells it
	kind fieldKind
}

// The properties the Graph docs say support $filter on incidents and on
// alerts_v2. Comparisons apply to the Graph view (lower-camel enum values,
// createdDateTime ...), not to the Sentinel properties.
var (
	graphIncidentFields = graphFields(
		graphField{"assignedTo", kindString}, graphField{"classification", kindString},
		graphField{"createdDateTime", kindTime}, graphField{"determination", kindString},
		graphField{"lastUpdateDateTime", kindTime}, graphField{"severity", kindString},
		graphField{"status", kindString})
	graphAlertFields = graphFields(
		graphField{"assignedTo", kindString}, graphField{"classification", kindString},
		graphField{"createdDateTime", kindTime}, graphField{"determination", kindString},
		graphField{"lastUpdateDateTime", kindTime}, graphField{"severity", kindString},
		graphField{"serviceSource", kindString}, graphField{"status", kindString})
)

func graphFields(fs ...graphField) map[string]graphField {
	m := map[string]graphField{}
	for _, f := range fs {
		m[strings.ToLower(f.name)] = f
	}
	return m
}

// parseGraphFilter parses an OData $filter over fields: comparisons (eq,
// ne, gt, ge, lt, le) joined by and, or, not and parentheses. It reuses
// the lexer and predicates of the Sentinel filter (filter.go).
func parseGraphFilter(s, typeName string, fields map[string]graphField) (Filter, error) {
	toks, err := lexFilter(s)
	if err != nil {
		return nil, err
	}
	p := &graphFilterParser{filterParser: filterParser{toks: toks}, typeName: typeName, fields: fields}
	f, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		//lint:ignore ST1005 the message is Graph's, word for word
		return nil, fmt.Errorf("syntax error: unexpected '%s' at position %d in '%s'.", t.text, t.pos, s)
	}
	return f, nil
}

type graphFilterParser struct {
	filterParser
	typeName string
	fields   map[string]graphField
}

func (p *graphFilterParser) or(depth int) (Filter, error) {
	l, err := p.and(depth)
	for err == nil && p.isWord("or") {
		p.next()
		var r Filter
		if r, err = p.and(depth); err == nil {
			l = orFilter{l, r}
		}
	}
	return l, err
}

func (p *graphFilterParser) and(depth int) (Filter, error) {
	l, err := p.unary(depth)
	for err == nil && p.isWord("and") {
		p.next()
		var r Filter
		if r, err = p.unary(depth); err == nil {
			l = andFilter{l, r}
		}
	}
	return l, err
}

func (p *graphFilterParser) unary(depth int) (Filter, error) {
	if depth > maxFilterDepth {
		return nil, fmt.Errorf("the filter is nested deeper than %d levels", maxFilterDepth)
	}
	switch t := p.peek(); {
	case t.kind == tokLParen:
		p.next()
		f, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tokRParen {
			return nil, fmt.Errorf("syntax error: ')' expected at position %d, found '%s'", c.pos, c.text)
		}
		return f, nil
	case p.isWord("not"):
		p.next()
		f, err := p.unary(depth + 1)
		if err != nil {
			return nil, err
		}
		return notFilter{f}, nil
	}
	return p.comparison()
}

func (p *graphFilterParser) comparison() (Filter, error) {
	ft := p.next()
	if ft.kind != tokWord {
		return nil, fmt.Errorf("syntax error: a property name expected at position %d, found '%s'", ft.pos, ft.text)
	}
	field, ok := p.fields[strings.ToLower(ft.text)]
	if !ok {
		//lint:ignore ST1005 the message is Graph's, word for word
		return nil, fmt.Errorf("Could not find a property named '%s' on type '%s'.", ft.text, p.typeName)
	}
	ot := p.next()
	op := strings.ToLower(ot.text)
	if ot.kind != tokWord || !compareOps[op] {
		return nil, fmt.Errorf("syntax error: eq, ne, gt, ge, lt or le expected at position %d, found '%s'", ot.pos, ot.text)
	}
	vt := p.next()
	c := &cmpFilter{field: field.name, path: []string{field.name}, kind: field.kind, op: op}
	switch field.kind {
	case kindString:
		if vt.kind == tokWord && strings.EqualFold(vt.text, "null") && (op == "eq" || op == "ne") {
			c.null = true
			break
		}
		if vt.kind != tokString {
			return nil, fmt.Errorf("%s compares with a quoted string such as 'high', found '%s' at position %d", field.name, vt.text, vt.pos)
		}
		if op != "eq" && op != "ne" {
			return nil, fmt.Errorf("the operator '%s' is not supported on %s: use eq or ne", op, field.name)
		}
		c.str = vt.text
	case kindTime:
		if vt.kind != tokWord {
			return nil, fmt.Errorf("%s compares with a DateTimeOffset literal such as 2026-01-01T00:00:00Z (unquoted), found '%s' at position %d", field.name, vt.text, vt.pos)
		}
		t, err := time.Parse(time.RFC3339Nano, vt.text)
		if err != nil {
			return nil, fmt.Errorf("%s compares with a DateTimeOffset literal such as 2026-01-01T00:00:00Z, found '%s' at position %d", field.name, vt.text, vt.pos)
		}
		c.time = t
	}
	return c, nil
}
