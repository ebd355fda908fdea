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
	"graph-mark-components": true, "granny-asc": true, "granny-desc": true, "macro-expand": true,
	"assert-schema": true, "execute-show-command": true, "lookup-hint": true,
}

// typedLiteral names whose parenthesised argument is lexed raw (datetime(2020-01-01 10:00)).
var rawLiteralNames = map[string]bool{
	"datetime": true, "time": true, "timespan": true, "guid": true, "int": true, "long": true,
	"real": true, "double": true, "bool": true, "boolean": true, "decimal": true, "int64": true, "date": true,
}

// wordMask records the first byte and length of each word of a set, so that
// a hot path can rule out most names before hashing them (maybeIn).
type wordMask [256]uint32

func maskOf(words map[string]bool) (m *wordMask) {
	m = new(wordMask)
	for w := range words {
		m[w[0]] |= 1 << min(len(w), 31)
	}
	return m
}

// maybeIn reports whether w may be one of the words of m.
func (m *wordMask) maybeIn(w string) bool {
	return w != "" && m[w[0]]&(1<<min(len(w), 31)) != 0
}

var rawLiteralMask = maskOf(rawLiteralNames)

// timespanUnits are the suffixes of a timespan literal (2d, 1.5h, 100ms), as
// the Kusto lexer lists them.
var timespanUnits = map[string]bool{
	"d": true, "day": true, "days": true, "h": true, "hr": true, "hrs": true, "hour": true, "hours": true,
	"m": true, "min": true, "minute": true, "minutes": true, "s": true, "sec": true, "second": true,
	"seconds": true, "ms": true, "milli": true, "millis": true, "millisec": true, "millisecond": true,
	"milliseconds": true, "micro": true, "micros": true, "microsec": true, "microsecond": true,
	"microseconds": true, "nano": true, "nanos": true, "nanosec": true, "nanosecond": true,
	"nanoseconds": true, "tick": true, "ticks": true,
}

// Byte classes for the lexer's hot loops. Bytes from 0x80 start or continue
// a multi-byte character: identifiers accept those that are not whitespace
// (the Kusto lexer takes ASCII letters only; names pasted with accents are
// left to the validator).
const (
	clsIdentStart = 1 << iota // letter, '_', '$'
	clsIdent                  // letter, digit, '_'
	clsSpace                  // ASCII whitespace
	clsDigit
)

var byteClass = func() (t [256]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] |= clsIdentStart | clsIdent
		t[c-'a'+'A'] |= clsIdentStart | clsIdent
	}
	for c := '0'; c <= '9'; c++ {
		t[c] |= clsIdent | clsDigit
	}
	t['_'] |= clsIdentStart | clsIdent
	t['$'] |= clsIdentStart
	for _, c := range " \t\n\r\f\v" {
		t[c] |= clsSpace
	}
	for c := 0x80; c < 0x100; c++ {
		t[c] |= clsIdentStart | clsIdent
	}
	return t
}()

func isIdentStart(c byte) bool { return byteClass[c]&clsIdentStart != 0 }

func isIdentChar(c byte) bool { return byteClass[c]&clsIdent != 0 }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isSpace(c byte) bool { return byteClass[c]&clsSpace != 0 }

// isLetter reports an ASCII letter or '_': what may follow the digits of a
// name that starts with digits (5h_avg).
func isLetter(c byte) bool { return c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z') }

// isUnicodeSpace reports the characters beyond ASCII that the Kusto lexer
// treats as whitespace (Kusto.Language TextFacts.IsWhitespace): no-break
// space, the Ogham and Mongolian separators, the en quad to hair space range,
// zero-width space, narrow no-break space, medium mathematical space,
// ideographic space and the byte order mark. They appear in queries pasted
// from web pages and documents.
func isUnicodeSpace(r rune) bool {
	switch r {
	case 0xA0, 0x1680, 0x180E, 0x202F, 0x205F, 0x3000, 0xFEFF:
		return true
	}
	return r >= 0x2000 && r <= 0x200B
}

// spaceAt returns the byte length of a multi-byte whitespace character at
// src[i] (whose first byte is >= 0x80), or 0.
func spaceAt(src string, i int) int {
	// every such character is 2 or 3 bytes and starts with 0xC2, 0xE1, 0xE2, 0xE3 or 0xEF
	switch src[i] {
	case 0xC2, 0xE1, 0xE2, 0xE3, 0xEF:
		r, sz := utf8.DecodeRuneInString(src[i:])
		if isUnicodeSpace(r) {
			return sz
		}
	}
	return 0
}

// scanIdentRest scans the characters of an identifier from i and returns its end.
func scanIdentRest(src string, i int) int {
	for i < len(src) {
		c := src[i]
		if c < 0x80 {
			if byteClass[c]&clsIdent == 0 {
				return i
			}
			i++
			continue
		}
		if spaceAt(src, i) > 0 {
			return i
		}
		i++
	}
	return i
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
				if sz := spaceAt(src, i); sz > 0 {
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
			i = scanIdentRest(src, i+1)
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
			if w := src[start:i]; rawLiteralMask.maybeIn(w) && rawLiteralNames[w] {
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

// scanNumber scans a token that starts with a digit: a long (hex too), a
// real, a timespan, or, as in the Kusto lexer, a name such as 5h_avg or 1st
// when the digits are followed by letters that make none of those.
func scanNumber(src string, i int) (int, tokKind) {
	n := len(src)
	if src[i] == '0' && i+1 < n && (src[i+1] == 'x' || src[i+1] == 'X') {
		j := i + 2
		for j < n && (isDigit(src[j]) || (src[j]|0x20 >= 'a' && src[j]|0x20 <= 'f')) {
			j++
		}
		if j > i+2 && (j == n || !isIdentChar(src[j])) {
			return j, tInt
		}
		return scanIdentRest(src, i), tIdent
	}
	for i < n && isDigit(src[i]) {
		i++
	}
	kind := tInt
	if i < n && isLetter(src[i]) {
		// 5h, 1e5, 1e-3: a timespan or an exponent; otherwise the digits start a name
		j := scanIdentRest(src, i)
		w := src[i:j]
		if timespanUnits[w] {
			return j, tTimespan
		}
		if w[0] == 'e' || w[0] == 'E' {
			k := i + 1
			if k == j && k+1 < n && (src[k] == '+' || src[k] == '-') && isDigit(src[k+1]) {
				k++
			}
			for k < n && isDigit(src[k]) {
				k++
			}
			if k > i+1 && (k == n || !isIdentChar(src[k])) && isDigit(src[k-1]) {
				return k, tReal
			}
		}
		return j, tIdent
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
		j := scanIdentRest(src, i)
		if j == i {
			return i, kind // whitespace beyond ASCII follows
		}
		if timespanUnits[src[i:j]] {
			return j, tTimespan
		}
		return j, tIllegal
	}
	return i, kind
}
