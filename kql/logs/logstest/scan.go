package logstest

import (
	"regexp"
	"strings"
)

// blank returns q with the contents of strings and comments replaced by spaces,
// positions kept, so that simple patterns see only code. unterminated is the
// offset of a string that never closes, or -1.
func blank(q string) (code string, unterminated int) {
	b := []byte(q)
	i := 0
	for i < len(b) {
		c := b[i]
		switch {
		case c == '/' && i+1 < len(b) && b[i+1] == '/':
			for i < len(b) && b[i] != '\n' {
				b[i] = ' '
				i++
			}
		case c == '`' && strings.HasPrefix(q[i:], "```"):
			end := strings.Index(q[i+3:], "```")
			if end < 0 {
				return string(b), i
			}
			for j := i + 3; j < i+3+end; j++ {
				if b[j] != '\n' {
					b[j] = ' '
				}
			}
			i += 3 + end + 3
		case c == '\'' || c == '"':
			verbatim := i > 0 && (q[i-1] == '@')
			j := i + 1
			closed := false
			for j < len(b) {
				if b[j] == '\n' {
					break
				}
				if !verbatim && b[j] == '\\' {
					j += 2
					continue
				}
				if b[j] == c {
					if verbatim && j+1 < len(b) && b[j+1] == c {
						j += 2
						continue
					}
					closed = true
					break
				}
				j++
			}
			if !closed {
				return string(b), i
			}
			for k := i + 1; k < j; k++ {
				b[k] = ' '
			}
			i = j + 1
		default:
			i++
		}
	}
	return string(b), -1
}

// lineCol converts a byte offset to the service's 1-based line and 0-based position.
func lineCol(q string, off int) (line, pos int) {
	line = 1 + strings.Count(q[:off], "\n")
	start := strings.LastIndexByte(q[:off], '\n') + 1
	return line, len([]rune(q[start:off]))
}

// syntaxCheck finds what the emulator can tell is not KQL: an unterminated string,
// unbalanced brackets, an empty pipe stage. It returns the 400 body, or nil.
func syntaxCheck(q string) map[string]any {
	code, un := blank(q)
	if un >= 0 {
		l, p := lineCol(q, un)
		return SyntaxErrorBody(q[un:un+1], l, p)
	}
	var stack []int
	pairs := map[byte]byte{')': '(', ']': '[', '}': '{'}
	expectStage := true // at the start, or right after a pipe
	pipeAt := -1
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '(', '[', '{':
			stack = append(stack, i)
		case ')', ']', '}':
			if len(stack) == 0 || code[stack[len(stack)-1]] != pairs[c] {
				l, p := lineCol(q, i)
				return SyntaxErrorBody(string(c), l, p)
			}
			stack = stack[:len(stack)-1]
		}
		if c == '|' {
			if expectStage {
				l, p := lineCol(q, i)
				return SyntaxErrorBody("|", l, p)
			}
			expectStage, pipeAt = true, i
			continue
		}
		if expectStage && pipeAt >= 0 && (c == ';' || c == ')' || c == '}') {
			l, p := lineCol(q, i)
			return SyntaxErrorBody(string(c), l, p)
		}
		expectStage = c == '(' || c == '{' || c == ';'
		if expectStage {
			pipeAt = -1
		}
	}
	if len(stack) > 0 {
		l, p := lineCol(q, len(q))
		return SyntaxErrorBody("<EOF>", l, p)
	}
	if expectStage && pipeAt >= 0 {
		l, p := lineCol(q, len(q))
		return SyntaxErrorBody("<EOF>", l, p)
	}
	return nil
}

// notSources are words that may stand where a table does but are not tables.
var notSources = map[string]bool{
	"let": true, "set": true, "declare": true, "alias": true, "pattern": true, "restrict": true,
	"print": true, "datatable": true, "range": true, "union": true, "search": true, "find": true,
	"externaldata": true, "external_data": true, "evaluate": true, "materialize": true, "view": true,
	"where": true, "filter": true, "project": true, "extend": true, "summarize": true, "take": true,
	"limit": true, "top": true, "sort": true, "order": true, "distinct": true, "count": true,
	"true": true, "false": true, "null": true, "dynamic": true, "datetime": true, "timespan": true,
	"toscalar": true, "table": true, "kind": true, "withsource": true, "isfuzzy": true,
}

var (
	identStart = regexp.MustCompile(`^\s*([A-Za-z_][A-Za-z0-9_]*)`)
	// An identifier right after an opening parenthesis or brace and followed by a
	// pipe: the source of a sub-query or of a function body.
	parenSource = regexp.MustCompile(`[({]\s*([A-Za-z_][A-Za-z0-9_]*)\s*\|`)
	joinSource  = regexp.MustCompile(`\b(?:join|lookup)\b(?:\s+(?:kind|hint\.[A-Za-z_]+|withsource)\s*=\s*[A-Za-z_][A-Za-z0-9_]*)*\s+([A-Za-z_][A-Za-z0-9_]*)\b`)
	unionList   = regexp.MustCompile(`\bunion\b((?:\s+(?:kind|isfuzzy|withsource|hint\.[A-Za-z_]+)\s*=\s*[A-Za-z_][A-Za-z0-9_]*)*)\s+([^|;()]*)`)
	nextOp      = regexp.MustCompile(`^\s*\|\s*([a-z][a-z\-]*)`)
	localName   = regexp.MustCompile(`\blet\s+([A-Za-z_][A-Za-z0-9_]*)\s*=|([A-Za-z_][A-Za-z0-9_]*)\s*:\s*[A-Za-z(]|\|\s*as\s+(?:hint\.\w+\s*=\s*\w+\s+)?([A-Za-z_][A-Za-z0-9_]*)`)
)

// letNames returns names a query binds itself: let names, function parameters
// (name:type) and `as` names.
func letNames(q string) map[string]bool {
	code, _ := blank(q)
	out := map[string]bool{}
	for _, m := range localName.FindAllStringSubmatch(code, -1) {
		for _, g := range m[1:] {
			if g != "" {
				out[g] = true
			}
		}
	}
	return out
}

// sourceNames returns the names a query reads rows from, with the operator that
// follows each (for the service's "'where' operator: Failed to resolve …" message).
func sourceNames(q string) (names, ops []string) {
	code, _ := blank(q)
	seen := map[string]bool{}
	add := func(name string, after int) {
		if notSources[name] || seen[name] {
			return
		}
		// A function call is not a table reference.
		rest := code[after:]
		if strings.HasPrefix(strings.TrimLeft(rest, " \t\r\n"), "(") {
			return
		}
		seen[name] = true
		op := "take"
		if m := nextOp.FindStringSubmatch(rest); m != nil {
			op = m[1]
		}
		names = append(names, name)
		ops = append(ops, op)
	}
	for _, stmt := range splitStatements(code) {
		s := code[stmt[0]:stmt[1]]
		if strings.HasPrefix(strings.TrimSpace(s), "let ") {
			// let name = <expr>: the expression's first word may be a table.
			if eq := strings.IndexByte(s, '='); eq >= 0 {
				if m := identStart.FindStringSubmatchIndex(s[eq+1:]); m != nil {
					add(s[eq+1+m[2]:eq+1+m[3]], stmt[0]+eq+1+m[3])
				}
			}
		} else if m := identStart.FindStringSubmatchIndex(s); m != nil {
			add(s[m[2]:m[3]], stmt[0]+m[3])
		}
		for _, m := range parenSource.FindAllStringSubmatchIndex(s, -1) {
			add(s[m[2]:m[3]], stmt[0]+m[3])
		}
		for _, m := range joinSource.FindAllStringSubmatchIndex(s, -1) {
			add(s[m[2]:m[3]], stmt[0]+m[3])
		}
		for _, m := range unionList.FindAllStringSubmatchIndex(s, -1) {
			list := s[m[4]:m[5]]
			off := stmt[0] + m[4]
			for _, part := range strings.Split(list, ",") {
				if im := identStart.FindStringSubmatchIndex(part); im != nil && !strings.ContainsAny(part, "*") {
					add(part[im[2]:im[3]], off+im[3])
				}
				off += len(part) + 1
			}
		}
	}
	return names, ops
}

// splitStatements returns [start,end) offsets of the ;-separated statements of code
// (semicolons inside brackets, as in a let function body, do not split).
func splitStatements(code string) [][2]int {
	var out [][2]int
	depth, start := 0, 0
	for i := 0; i < len(code); i++ {
		switch code[i] {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
		case ';':
			if depth == 0 {
				out = append(out, [2]int{start, i})
				start = i + 1
			}
		}
	}
	return append(out, [2]int{start, len(code)})
}
