package emulator

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// This file holds the OData subset Sentinel accepts on the incident list:
// comparisons of incident properties with eq, ne, gt, ge, lt, le, combined
// with and, or, not and parentheses. Anything else is a 400 BadRequest that
// says what could not be parsed.

// fieldKind is the type of an incident property a filter compares.
type fieldKind int

const (
	kindString fieldKind = iota
	kindInt
	kindTime
)

type filterField struct {
	path []string
	kind fieldKind
}

// filterFields are the properties a $filter or $orderby may name, without
// the "properties/" prefix, lower-cased, mapped to their JSON path.
var filterFields = map[string]filterField{
	"incidentnumber":          {[]string{"incidentNumber"}, kindInt},
	"severity":                {[]string{"severity"}, kindString},
	"status":                  {[]string{"status"}, kindString},
	"title":                   {[]string{"title"}, kindString},
	"classification":          {[]string{"classification"}, kindString},
	"providername":            {[]string{"providerName"}, kindString},
	"providerincidentid":      {[]string{"providerIncidentId"}, kindString},
	"createdtimeutc":          {[]string{"createdTimeUtc"}, kindTime},
	"lastmodifiedtimeutc":     {[]string{"lastModifiedTimeUtc"}, kindTime},
	"firstactivitytimeutc":    {[]string{"firstActivityTimeUtc"}, kindTime},
	"lastactivitytimeutc":     {[]string{"lastActivityTimeUtc"}, kindTime},
	"owner/assignedto":        {[]string{"owner", "assignedTo"}, kindString},
	"owner/userprincipalname": {[]string{"owner", "userPrincipalName"}, kindString},
	"owner/objectid":          {[]string{"owner", "objectId"}, kindString},
	"owner/email":             {[]string{"owner", "email"}, kindString},
}

// Filter is a parsed $filter: a predicate over incident properties.
type Filter interface {
	// Match reports whether an incident's properties satisfy the filter.
	Match(props map[string]any) bool
	String() string
}

// ParseFilter parses an OData $filter in the subset Sentinel accepts on
// incidents. The error says what and where it could not parse.
func ParseFilter(s string) (Filter, error) {
	toks, err := lexFilter(s)
	if err != nil {
		return nil, err
	}
	p := &filterParser{toks: toks}
	f, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, fmt.Errorf("unexpected %q at position %d", t.text, t.pos)
	}
	return f, nil
}

type tokKind int

const (
	tokEOF tokKind = iota
	tokWord
	tokString
	tokLParen
	tokRParen
)

type token struct {
	kind tokKind
	text string // for tokString the unquoted value
	pos  int
}

func lexFilter(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(':
			toks = append(toks, token{tokLParen, "(", i})
			i++
		case c == ')':
			toks = append(toks, token{tokRParen, ")", i})
			i++
		case c == '\'':
			// OData strings double a quote to escape it.
			start := i
			var b strings.Builder
			i++
			for {
				if i >= len(s) {
					return nil, fmt.Errorf("unterminated string starting at position %d", start)
				}
				if s[i] == '\'' {
					if i+1 < len(s) && s[i+1] == '\'' {
						b.WriteByte('\'')
						i += 2
						continue
					}
					i++
					break
				}
				b.WriteByte(s[i])
				i++
			}
			toks = append(toks, token{tokString, b.String(), start})
		case isWordByte(c):
			start := i
			for i < len(s) && isWordByte(s[i]) {
				i++
			}
			toks = append(toks, token{tokWord, s[start:i], start})
		default:
			return nil, fmt.Errorf("unexpected character %q at position %d", c, i)
		}
	}
	return append(toks, token{tokEOF, "end of filter", len(s)}), nil
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '/' || c == '.' || c == ':' || c == '-' || c == '+' || c == '_'
}

type filterParser struct {
	toks []token
	i    int
}

// maxFilterDepth bounds nesting so hostile input cannot exhaust the stack.
const maxFilterDepth = 50

func (p *filterParser) peek() token { return p.toks[p.i] }
func (p *filterParser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

func (p *filterParser) isWord(w string) bool {
	t := p.peek()
	return t.kind == tokWord && strings.EqualFold(t.text, w)
}

func (p *filterParser) or(depth int) (Filter, error) {
	return p.chain("or", depth, p.and, func(l, r Filter) Filter { return orFilter{l, r} })
}

func (p *filterParser) and(depth int) (Filter, error) {
	return p.chain("and", depth, p.unary, func(l, r Filter) Filter { return andFilter{l, r} })
}

// chain parses operands joined by the keyword op, grouping to the left.
func (p *filterParser) chain(op string, depth int, operand func(int) (Filter, error), join func(l, r Filter) Filter) (Filter, error) {
	left, err := operand(depth)
	if err != nil {
		return nil, err
	}
	for p.isWord(op) {
		p.next()
		right, err := operand(depth)
		if err != nil {
			return nil, err
		}
		left = join(left, right)
	}
	return left, nil
}

func (p *filterParser) unary(depth int) (Filter, error) {
	if depth > maxFilterDepth {
		return nil, fmt.Errorf("filter nested deeper than %d levels", maxFilterDepth)
	}
	t := p.peek()
	switch {
	case t.kind == tokLParen:
		p.next()
		f, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tokRParen {
			return nil, fmt.Errorf("expected ) at position %d, found %q", c.pos, c.text)
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

var compareOps = map[string]bool{"eq": true, "ne": true, "gt": true, "ge": true, "lt": true, "le": true}

func (p *filterParser) comparison() (Filter, error) {
	ft := p.next()
	if ft.kind != tokWord {
		return nil, fmt.Errorf("expected a property such as properties/status at position %d, found %q", ft.pos, ft.text)
	}
	field, err := lookupField(ft.text)
	if err != nil {
		return nil, fmt.Errorf("%w (position %d)", err, ft.pos)
	}
	ot := p.next()
	op := strings.ToLower(ot.text)
	if ot.kind != tokWord || !compareOps[op] {
		return nil, fmt.Errorf("expected eq, ne, gt, ge, lt or le at position %d, found %q", ot.pos, ot.text)
	}
	vt := p.next()
	c := &cmpFilter{field: ft.text, path: field.path, kind: field.kind, op: op}
	switch field.kind {
	case kindString:
		if vt.kind == tokWord && strings.EqualFold(vt.text, "null") && (op == "eq" || op == "ne") {
			c.null = true
			break
		}
		if vt.kind != tokString {
			return nil, fmt.Errorf("%s compares with a quoted string such as 'High', found %q at position %d", ft.text, vt.text, vt.pos)
		}
		if op != "eq" && op != "ne" {
			return nil, fmt.Errorf("%s supports only eq and ne (position %d)", ft.text, ot.pos)
		}
		c.str = vt.text
	case kindInt:
		if vt.kind != tokWord {
			return nil, fmt.Errorf("%s compares with an integer, found %q at position %d", ft.text, vt.text, vt.pos)
		}
		n, err := strconv.ParseInt(vt.text, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s compares with an integer, found %q at position %d", ft.text, vt.text, vt.pos)
		}
		c.num = n
	case kindTime:
		text := vt.text
		// datetime'...' is the OData v3 spelling; v4 writes the literal bare.
		if vt.kind == tokWord && strings.EqualFold(vt.text, "datetime") && p.peek().kind == tokString {
			text = p.next().text
		} else if vt.kind != tokWord && vt.kind != tokString {
			return nil, fmt.Errorf("%s compares with a date-time such as 2026-01-01T00:00:00Z, found %q at position %d", ft.text, vt.text, vt.pos)
		}
		t, err := time.Parse(time.RFC3339Nano, text)
		if err != nil {
			return nil, fmt.Errorf("%s compares with a date-time such as 2026-01-01T00:00:00Z, found %q at position %d", ft.text, text, vt.pos)
		}
		c.time = t
	}
	return c, nil
}

func lookupField(name string) (filterField, error) {
	lower := strings.ToLower(name)
	key, ok := strings.CutPrefix(lower, "properties/")
	if f, found := filterFields[key]; ok && found {
		return f, nil
	}
	return filterField{}, fmt.Errorf("cannot filter or order on %q: supported are properties/ incidentNumber, severity, status, title, classification, providerName, providerIncidentId, createdTimeUtc, lastModifiedTimeUtc, firstActivityTimeUtc, lastActivityTimeUtc, owner/assignedTo, owner/userPrincipalName, owner/objectId, owner/email", name)
}

type andFilter struct{ l, r Filter }

func (f andFilter) Match(p map[string]any) bool { return f.l.Match(p) && f.r.Match(p) }
func (f andFilter) String() string              { return "(" + f.l.String() + " and " + f.r.String() + ")" }

type orFilter struct{ l, r Filter }

func (f orFilter) Match(p map[string]any) bool { return f.l.Match(p) || f.r.Match(p) }
func (f orFilter) String() string              { return "(" + f.l.String() + " or " + f.r.String() + ")" }

type notFilter struct{ f Filter }

func (f notFilter) Match(p map[string]any) bool { return !f.f.Match(p) }
func (f notFilter) String() string              { return "not " + f.f.String() }

type cmpFilter struct {
	field string
	path  []string
	kind  fieldKind
	op    string
	str   string
	null  bool
	num   int64
	time  time.Time
}

func (c *cmpFilter) String() string {
	switch {
	case c.null:
		return c.field + " " + c.op + " null"
	case c.kind == kindString:
		return c.field + " " + c.op + " '" + strings.ReplaceAll(c.str, "'", "''") + "'"
	case c.kind == kindInt:
		return c.field + " " + c.op + " " + strconv.FormatInt(c.num, 10)
	}
	return c.field + " " + c.op + " " + c.time.UTC().Format(time.RFC3339Nano)
}

func lookupPath(props map[string]any, path []string) any {
	var v any = props
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func (c *cmpFilter) Match(props map[string]any) bool {
	v := lookupPath(props, c.path)
	var cmp int
	switch c.kind {
	case kindString:
		s, ok := v.(string)
		if c.null {
			isNull := !ok || s == ""
			return isNull == (c.op == "eq")
		}
		if !ok {
			return c.op == "ne"
		}
		// Sentinel compares enum values such as severity without regard to case.
		if strings.EqualFold(s, c.str) {
			cmp = 0
		} else {
			cmp = 1
		}
	case kindInt:
		n, ok := intValue(v)
		if !ok {
			return c.op == "ne"
		}
		cmp = compareInt(n, c.num)
	case kindTime:
		t, ok := timeValue(v)
		if !ok {
			return c.op == "ne"
		}
		cmp = t.Compare(c.time)
	}
	switch c.op {
	case "eq":
		return cmp == 0
	case "ne":
		return cmp != 0
	case "gt":
		return cmp > 0
	case "ge":
		return cmp >= 0
	case "lt":
		return cmp < 0
	case "le":
		return cmp <= 0
	}
	return false
}

func compareInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// orderKey is one term of a parsed $orderby.
type orderKey struct {
	path []string
	kind fieldKind
	desc bool
	sev  bool // severity sorts by rank, not alphabetically
}

// parseOrderBy parses "field [asc|desc], ...". Empty means the service's
// default, newest first.
func parseOrderBy(s string) ([]orderKey, error) {
	if strings.TrimSpace(s) == "" {
		return []orderKey{{path: []string{"createdTimeUtc"}, kind: kindTime, desc: true}}, nil
	}
	var keys []orderKey
	for _, term := range strings.Split(s, ",") {
		words := strings.Fields(term)
		if len(words) == 0 || len(words) > 2 {
			return nil, fmt.Errorf("cannot parse $orderby term %q: want a property and optionally asc or desc", strings.TrimSpace(term))
		}
		f, err := lookupField(words[0])
		if err != nil {
			return nil, err
		}
		k := orderKey{path: f.path, kind: f.kind, sev: strings.EqualFold(f.path[0], "severity")}
		if len(words) == 2 {
			switch strings.ToLower(words[1]) {
			case "asc":
			case "desc":
				k.desc = true
			default:
				return nil, fmt.Errorf("cannot parse $orderby term %q: direction must be asc or desc", strings.TrimSpace(term))
			}
		}
		keys = append(keys, k)
	}
	return keys, nil
}

var severityRank = map[string]int{"informational": 0, "low": 1, "medium": 2, "high": 3}

// sortKey is an incident's values for an $orderby, extracted once so that
// sorting a large workspace does not parse timestamps per comparison.
type sortKey struct {
	ints   []int64
	strs   []string
	number int64
}

func extractSortKey(keys []orderKey, p map[string]any) sortKey {
	k := sortKey{ints: make([]int64, len(keys)), strs: make([]string, len(keys))}
	for i, o := range keys {
		v := lookupPath(p, o.path)
		switch {
		case o.sev:
			s, _ := v.(string)
			k.ints[i] = int64(severityRank[strings.ToLower(s)])
		case o.kind == kindInt:
			k.ints[i], _ = intValue(v)
		case o.kind == kindTime:
			if t, ok := timeValue(v); ok {
				k.ints[i] = t.UnixNano()
			}
		default:
			s, _ := v.(string)
			k.strs[i] = strings.ToLower(s)
		}
	}
	k.number, _ = intProp(p, "incidentNumber")
	return k
}

// compareKeys orders two incidents by their sort keys; ties fall back to
// the incident number so pages are stable.
func compareKeys(keys []orderKey, a, b sortKey) int {
	for i, o := range keys {
		c := compareInt(a.ints[i], b.ints[i])
		if c == 0 {
			c = strings.Compare(a.strs[i], b.strs[i])
		}
		if o.desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return compareInt(a.number, b.number)
}
