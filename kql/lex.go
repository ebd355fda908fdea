package kql

import (
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Pos is a position in the query text. Line and Col are 1-based; Col counts
// characters (runes), as an editor does.
type Pos struct {
	Offset int // byte offset, 0-based
	Line   int
	Col    int
}

// Span is a byte range [Start, End) in the query text.
type Span struct{ Start, End int }

// Error is a syntax error with its position.
type Error struct {
	Pos Pos
	Msg string
}

func (e Error) Error() string {
	return strconv.Itoa(e.Pos.Line) + ":" + strconv.Itoa(e.Pos.Col) + ": " + e.Msg
}

// lineIndex converts byte offsets to line/column positions. It is built
// once per query so that tokens only need to carry offsets.
type lineIndex struct {
	src    string
	starts []int
}

func newLineIndex(src string) *lineIndex {
	starts := make([]int, 1, 16)
	for i := 0; i < len(src); i++ {
		if src[i] == '\n' {
			starts = append(starts, i+1)
		}
	}
	return &lineIndex{src: src, starts: starts}
}

func (li *lineIndex) pos(off int) Pos {
	if off < 0 {
		off = 0
	}
	if off > len(li.src) {
		off = len(li.src)
	}
	i := sort.Search(len(li.starts), func(i int) bool { return li.starts[i] > off }) - 1
	if i < 0 {
		i = 0
	}
	return Pos{Offset: off, Line: i + 1, Col: utf8.RuneCountInString(li.src[li.starts[i]:off]) + 1}
}

type tokKind uint8

const (
	tEOF tokKind = iota
	tIdent
	tInt
	tReal
	tTimespan
	tString
	tTyped // datetime(...), guid(...), int(null) ...: whole literal, contents raw
	tPipe
	tLParen
	tRParen
	tLBrack
	tRBrack
	tLBrace
	tRBrace
	tComma
	tSemi
	tDot
	tDotDot
	tColon
	tAssign  // =
	tEq      // ==
	tNe      // != or <>
	tLt      // <
	tLe      // <=
	tGt      // >
	tGe      // >=
	tEqTilde // =~ (also ==~)
	tNeTilde // !~
	tPlus
	tMinus
	tStar
	tSlash
	tPercent
	tBang
	tTilde
	tArrow // =>
	tQuestion
	tIllegal
)

var tokNames = [...]string{
	tEOF: "end of query", tIdent: "identifier", tInt: "number", tReal: "number", tTimespan: "timespan",
	tString: "string", tTyped: "literal", tPipe: "'|'", tLParen: "'('", tRParen: "')'", tLBrack: "'['",
	tRBrack: "']'", tLBrace: "'{'", tRBrace: "'}'", tComma: "','", tSemi: "';'", tDot: "'.'", tDotDot: "'..'",
	tColon: "':'", tAssign: "'='", tEq: "'=='", tNe: "'!='", tLt: "'<'", tLe: "'<='", tGt: "'>'", tGe: "'>='",
	tEqTilde: "'=~'", tNeTilde: "'!~'", tPlus: "'+'", tMinus: "'-'", tStar: "'*'", tSlash: "'/'",
	tPercent: "'%'", tBang: "'!'", tTilde: "'~'", tArrow: "'=>'", tQuestion: "'?'", tIllegal: "invalid character",
}

type token struct {
	kind       tokKind
	start, end int32
}

// hyphenated operator names that the lexer joins into one identifier.
var hyphenated = map[string]bool{
	"project-away": true, "project-keep": true, "project-rename": true, "project-reorder": true,
	"project-smart": true, "mv-expand": true, "mv-apply": true, "make-series": true, "top-nested": true,
	"top-hitters": true, "parse-where": true, "parse-kv": true, "sample-distinct": true, "make-graph": true,
	"graph-match": true, "graph-merge": true, "graph-to-table": true, "graph-shortest-paths": true,
	"graph-mark-components": true, "partition-by": false,
}

// typedLiteral names whose parenthesised argument is lexed raw (datetime(2020-01-01 10:00)).
var rawLiteralNames = map[string]bool{
	"datetime": true, "time": true, "timespan": true, "guid": true, "int": true, "long": true,
	"real": true, "double": true, "bool": true, "boolean": true, "decimal": true, "int64": true, "date": true,
}

var timespanUnits = map[string]bool{
	"d": true, "day": true, "days": true, "h": true, "hr": true, "hrs": true, "hour": true, "hours": true,
	"m": true, "min": true, "minute": true, "minutes": true, "s": true, "sec": true, "second": true,
	"seconds": true, "ms": true, "milli": true, "millis": true, "millisecond": true, "milliseconds": true,
	"microsecond": true, "microseconds": true, "tick": true, "ticks": true,
}

func isIdentStart(c byte) bool {
	return c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}

func isIdentChar(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

type lexError struct {
	off int
	msg string
}

// lex splits src into tokens. It never fails: problems become tIllegal tokens
// plus a lexError, and the parser reports the first one it meets.
func lex(src string, toks []token) ([]token, []lexError) {
	var errs []lexError
	i := 0
	n := len(src)
	for {
		// skip space and comments
		for i < n {
			c := src[i]
			if isSpace(c) {
				i++
				continue
			}
			if c == '/' && i+1 < n && src[i+1] == '/' {
				for i < n && src[i] != '\n' {
					i++
				}
				continue
			}
			// U+00A0 and other unicode spaces appear in pasted queries.
			if c >= 0x80 {
				r, sz := utf8.DecodeRuneInString(src[i:])
				if r == 0xA0 || r == 0xFEFF || (r >= 0x2000 && r <= 0x200B) || r == 0x3000 {
					i += sz
					continue
				}
			}
			break
		}
		if i >= n {
			toks = append(toks, token{kind: tEOF, start: int32(n), end: int32(n)})
			return toks, errs
		}
		start := i
		c := src[i]
		kind := tIllegal
		switch {
		case c == '@' && i+1 < n && (src[i+1] == '"' || src[i+1] == '\''):
			var ok bool
			i, ok = scanVerbatim(src, i+1)
			kind = tString
			if !ok {
				errs = append(errs, lexError{start, "unterminated string literal"})
				kind = tIllegal
			}
		case (c == 'h' || c == 'H') && i+1 < n && (src[i+1] == '"' || src[i+1] == '\'' || (src[i+1] == '@' && i+2 < n && (src[i+2] == '"' || src[i+2] == '\''))):
			var ok bool
			if src[i+1] == '@' {
				i, ok = scanVerbatim(src, i+2)
			} else {
				i, ok = scanQuoted(src, i+1)
			}
			kind = tString
			if !ok {
				errs = append(errs, lexError{start, "unterminated string literal"})
				kind = tIllegal
			}
		case isIdentStart(c):
			i++
			for i < n && isIdentChar(src[i]) {
				i++
			}
			kind = tIdent
			// join hyphenated operator names such as mv-expand
			if i+1 < n && src[i] == '-' && isIdentStart(src[i+1]) {
				j := i + 1
				for j < n && (isIdentChar(src[j]) || (src[j] == '-' && j+1 < n && isIdentStart(src[j+1]))) {
					j++
				}
				// try the longest then shorter hyphenated prefixes
				for k := j; k > i; k-- {
					if (k == j || src[k] == '-') && hyphenated[src[start:k]] {
						i = k
						break
					}
				}
			}
			if rawLiteralNames[src[start:i]] {
				j := i
				for j < n && (src[j] == ' ' || src[j] == '\t') {
					j++
				}
				if j < n && src[j] == '(' {
					k := j + 1
					for k < n && src[k] != ')' && src[k] != '(' && src[k] != '\n' && src[k] != '|' && src[k] != '"' && src[k] != '\'' {
						k++
					}
					if k < n && src[k] == ')' {
						i = k + 1
						kind = tTyped
					}
				}
			}
		case isDigit(c) || (c == '.' && i+1 < n && isDigit(src[i+1])):
			i, kind = scanNumber(src, i)
			if kind == tIllegal {
				errs = append(errs, lexError{start, "invalid number literal '" + src[start:i] + "'"})
			}
		case c == '"' || c == '\'':
			var ok bool
			i, ok = scanQuoted(src, i)
			kind = tString
			if !ok {
				errs = append(errs, lexError{start, "unterminated string literal"})
				kind = tIllegal
			}
		case (c == '`' || c == '~') && i+2 < n && src[i+1] == c && src[i+2] == c:
			end := strings.Index(src[i+3:], src[i:i+3])
			if end < 0 {
				errs = append(errs, lexError{start, "unterminated multi-line string literal (missing closing " + src[i:i+3] + ")"})
				i = n
				kind = tIllegal
			} else {
				i += 3 + end + 3
				kind = tString
			}
		default:
			i++
			var c1 byte
			if i < n {
				c1 = src[i]
			}
			switch c {
			case '|':
				kind = tPipe
			case '(':
				kind = tLParen
			case ')':
				kind = tRParen
			case '[':
				kind = tLBrack
			case ']':
				kind = tRBrack
			case '{':
				kind = tLBrace
			case '}':
				kind = tRBrace
			case ',':
				kind = tComma
			case ';':
				kind = tSemi
			case ':':
				kind = tColon
			case '+':
				kind = tPlus
			case '-':
				kind = tMinus
			case '*':
				kind = tStar
			case '/':
				kind = tSlash
			case '%':
				kind = tPercent
			case '~':
				kind = tTilde
			case '?':
				kind = tQuestion
			case '.':
				kind = tDot
				if c1 == '.' {
					kind = tDotDot
					i++
				}
			case '=':
				kind = tAssign
				switch c1 {
				case '=':
					kind = tEq
					i++
					if i < n && src[i] == '~' {
						kind = tEqTilde
						i++
					}
				case '~':
					kind = tEqTilde
					i++
				case '>':
					kind = tArrow
					i++
				}
			case '!':
				kind = tBang
				switch c1 {
				case '=':
					kind = tNe
					i++
				case '~':
					kind = tNeTilde
					i++
				}
			case '<':
				kind = tLt
				switch c1 {
				case '=':
					kind = tLe
					i++
				case '>':
					kind = tNe
					i++
				}
			case '>':
				kind = tGt
				if c1 == '=' {
					kind = tGe
					i++
				}
			default:
				if c >= 0x80 {
					_, sz := utf8.DecodeRuneInString(src[start:])
					i = start + sz
				}
				errs = append(errs, lexError{start, "unexpected character " + quoteChar(src[start:i])})
			}
		}
		toks = append(toks, token{kind: kind, start: int32(start), end: int32(i)})
	}
}

func quoteChar(s string) string {
	if s == "'" {
		return `"'"`
	}
	return "'" + s + "'"
}

// scanQuoted scans a "..." or '...' string with backslash escapes starting at
// the quote; strings cannot span lines.
func scanQuoted(src string, i int) (int, bool) {
	q := src[i]
	i++
	for i < len(src) {
		c := src[i]
		switch {
		case c == '\\':
			i += 2
			continue
		case c == q:
			return i + 1, true
		case c == '\n':
			return i, false
		}
		i++
	}
	return len(src), false
}

// scanVerbatim scans @"..." where a doubled quote stands for one quote.
func scanVerbatim(src string, i int) (int, bool) {
	q := src[i]
	i++
	for i < len(src) {
		c := src[i]
		if c == q {
			if i+1 < len(src) && src[i+1] == q {
				i += 2
				continue
			}
			return i + 1, true
		}
		if c == '\n' {
			return i, false
		}
		i++
	}
	return len(src), false
}

func scanNumber(src string, i int) (int, tokKind) {
	n := len(src)
	kind := tInt
	if src[i] == '0' && i+1 < n && (src[i+1] == 'x' || src[i+1] == 'X') {
		i += 2
		for i < n && (isDigit(src[i]) || (src[i]|0x20 >= 'a' && src[i]|0x20 <= 'f')) {
			i++
		}
		return i, tInt
	}
	for i < n && isDigit(src[i]) {
		i++
	}
	if i+1 < n && src[i] == '.' && isDigit(src[i+1]) {
		kind = tReal
		i++
		for i < n && isDigit(src[i]) {
			i++
		}
	} else if i < n && src[i] == '.' && !(i+1 < n && src[i+1] == '.') && !(i+1 < n && isIdentStart(src[i+1])) {
		// "1." is a real literal
		kind = tReal
		i++
	}
	if i < n && (src[i] == 'e' || src[i] == 'E') {
		j := i + 1
		if j < n && (src[j] == '+' || src[j] == '-') {
			j++
		}
		if j < n && isDigit(src[j]) {
			for j < n && isDigit(src[j]) {
				j++
			}
			i = j
			kind = tReal
		}
	}
	if i < n && isIdentStart(src[i]) && src[i] != '$' {
		j := i
		for j < n && isIdentChar(src[j]) {
			j++
		}
		if timespanUnits[src[i:j]] {
			return j, tTimespan
		}
		return j, tIllegal
	}
	return i, kind
}
