// Package prefilter is regexp with a cheap test in front: from a pattern's
// syntax it derives literals one of which every match must contain, and a
// search whose text contains none of them (compared ASCII-case-insensitively,
// in one pass) answers "no match" without running the regular expression.
// Results are always those of the regexp package: the test only ever rules
// out text that cannot match.
//
// The offline analyst and the untrusted-text detector match dozens of
// case-insensitive alternations against every sentence of an incident; most
// sentences contain none of their words, and Go's backtracker spends most of
// socpilot's CPU per incident proving it.
package prefilter

import (
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode/utf8"
)

// Regexp is a *regexp.Regexp whose searches first test for a required
// literal. Methods not overridden here are regexp's own.
type Regexp struct {
	*regexp.Regexp
	// lits: every match contains one of them (ASCII lower case); nil when
	// the pattern requires no literal, and then every search runs.
	lits  []string
	first [256][]uint16 // lits by first byte (lower case); both cases indexed
	// runs: no match contains white space (\s: tab, newline, form feed,
	// carriage return, space) and the pattern has no ^ or $, so the
	// matches of a text are those of its runs between white space (\b and
	// \B read white space as they read the text's edges), and FindAll
	// searches only the runs that contain a required literal.
	runs bool
}

// MustCompile is regexp.MustCompile with the prefilter.
func MustCompile(expr string) *Regexp {
	return New(regexp.MustCompile(expr))
}

// New wraps a compiled regexp.
func New(re *regexp.Regexp) *Regexp {
	r := &Regexp{Regexp: re}
	tree, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil {
		return r
	}
	lits, ok := required(tree)
	if !ok || len(lits) == 0 || len(lits) > 1<<16 {
		return r
	}
	seen := map[string]bool{}
	for _, l := range lits {
		if l == "" {
			return r // the empty string is in every text
		}
		if !seen[l] {
			seen[l] = true
			r.lits = append(r.lits, l)
		}
	}
	r.runs = !matchesSpace(tree)
	for i, l := range r.lits {
		c := l[0]
		r.first[c] = append(r.first[c], uint16(i))
		if u := upper(c); u != c {
			r.first[u] = append(r.first[u], uint16(i))
		}
	}
	return r
}

// Literals are the strings one of which every match contains (lower case),
// nil when there is no such set.
func (r *Regexp) Literals() []string { return r.lits }

// May reports whether s can match: false only when it contains none of the
// required literals.
func (r *Regexp) May(s string) bool {
	if r.lits == nil {
		return true
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			// The two non-ASCII runes that fold to ASCII letters: KELVIN
			// SIGN (k) and LATIN SMALL LETTER LONG S (s). Text with them
			// goes to the regexp.
			if c == 0xE2 && i+2 < len(s) && s[i+1] == 0x84 && s[i+2] == 0xAA || c == 0xC5 && i+1 < len(s) && s[i+1] == 0xBF {
				return true
			}
			continue
		}
		for _, j := range r.first[c] {
			l := r.lits[j]
			if len(s)-i >= len(l) && equalFoldASCII(s[i:i+len(l)], l) {
				return true
			}
		}
	}
	return false
}

func (r *Regexp) MatchString(s string) bool {
	return r.May(s) && r.Regexp.MatchString(s)
}

func (r *Regexp) FindString(s string) string {
	if !r.May(s) {
		return ""
	}
	return r.Regexp.FindString(s)
}

func (r *Regexp) FindStringIndex(s string) []int {
	if !r.May(s) {
		return nil
	}
	return r.Regexp.FindStringIndex(s)
}

func (r *Regexp) FindStringSubmatch(s string) []string {
	if !r.May(s) {
		return nil
	}
	return r.Regexp.FindStringSubmatch(s)
}

func (r *Regexp) FindAllString(s string, n int) []string {
	if !r.runs {
		if !r.May(s) {
			return nil
		}
		return r.Regexp.FindAllString(s, n)
	}
	var out []string
	r.eachRun(s, func(_ int, run string) bool {
		out = append(out, r.Regexp.FindAllString(run, n-len(out))...)
		return n < 0 || len(out) < n
	}, n)
	return out
}

func (r *Regexp) FindAllStringIndex(s string, n int) [][]int {
	if !r.runs {
		if !r.May(s) {
			return nil
		}
		return r.Regexp.FindAllStringIndex(s, n)
	}
	var out [][]int
	r.eachRun(s, func(off int, run string) bool {
		for _, loc := range r.Regexp.FindAllStringIndex(run, n-len(out)) {
			for i := range loc {
				if loc[i] >= 0 {
					loc[i] += off
				}
			}
			out = append(out, loc)
		}
		return n < 0 || len(out) < n
	}, n)
	return out
}

func (r *Regexp) FindAllStringSubmatch(s string, n int) [][]string {
	if !r.runs {
		if !r.May(s) {
			return nil
		}
		return r.Regexp.FindAllStringSubmatch(s, n)
	}
	var out [][]string
	r.eachRun(s, func(_ int, run string) bool {
		out = append(out, r.Regexp.FindAllStringSubmatch(run, n-len(out))...)
		return n < 0 || len(out) < n
	}, n)
	return out
}

func (r *Regexp) FindAllStringSubmatchIndex(s string, n int) [][]int {
	if !r.runs {
		if !r.May(s) {
			return nil
		}
		return r.Regexp.FindAllStringSubmatchIndex(s, n)
	}
	var out [][]int
	r.eachRun(s, func(off int, run string) bool {
		for _, loc := range r.Regexp.FindAllStringSubmatchIndex(run, n-len(out)) {
			for i := range loc {
				if loc[i] >= 0 {
					loc[i] += off
				}
			}
			out = append(out, loc)
		}
		return n < 0 || len(out) < n
	}, n)
	return out
}

func (r *Regexp) ReplaceAllString(src, repl string) string {
	if !r.May(src) {
		return src
	}
	return r.Regexp.ReplaceAllString(src, repl)
}

func (r *Regexp) ReplaceAllLiteralString(src, repl string) string {
	if !r.May(src) {
		return src
	}
	return r.Regexp.ReplaceAllLiteralString(src, repl)
}

func (r *Regexp) ReplaceAllStringFunc(src string, repl func(string) string) string {
	if !r.May(src) {
		return src
	}
	return r.Regexp.ReplaceAllStringFunc(src, repl)
}

// eachRun calls fn with each run of s between white space that contains a
// required literal, and its offset, until fn returns false; n == 0: none.
func (r *Regexp) eachRun(s string, fn func(off int, run string) bool, n int) {
	if n == 0 {
		return
	}
	for off := 0; off < len(s); {
		end := off
		for end < len(s) && !space(s[end]) {
			end++
		}
		if run := s[off:end]; run != "" && r.May(run) && !fn(off, run) {
			return
		}
		off = end + 1
	}
}

func space(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' }

// matchesSpace reports whether a match of re may contain white space, or
// re has an anchor that reads a run's edges differently from the text's.
func matchesSpace(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpLiteral:
		for _, c := range re.Rune {
			if c < utf8.RuneSelf && space(byte(c)) {
				return true
			}
		}
		return false
	case syntax.OpCharClass:
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for _, c := range " \t\n\f\r" {
				if re.Rune[i] <= c && c <= re.Rune[i+1] {
					return true
				}
			}
		}
		return false
	case syntax.OpWordBoundary, syntax.OpNoWordBoundary, syntax.OpEmptyMatch, syntax.OpNoMatch:
		return false
	case syntax.OpCapture, syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat, syntax.OpConcat, syntax.OpAlternate:
		for _, sub := range re.Sub {
			if matchesSpace(sub) {
				return true
			}
		}
		return false
	}
	return true // any character, line and text anchors
}

// required returns literals (ASCII lower case) one of which every match of
// re contains; ok is false when there is no such set.
func required(re *syntax.Regexp) (lits []string, ok bool) {
	switch re.Op {
	case syntax.OpLiteral:
		// A prefix of a required literal is required; stop at the first
		// rune the ASCII comparison cannot fold.
		var b strings.Builder
		for _, c := range re.Rune {
			if c >= utf8.RuneSelf {
				break
			}
			b.WriteByte(lower(byte(c)))
		}
		if b.Len() == 0 {
			return nil, false
		}
		return []string{b.String()}, true
	case syntax.OpCharClass:
		// A small class of ASCII characters: one of them is required.
		var out []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			lo, hi := re.Rune[i], re.Rune[i+1]
			if hi >= utf8.RuneSelf || hi-lo > 8 {
				return nil, false
			}
			for c := lo; c <= hi; c++ {
				out = append(out, string(rune(lower(byte(c)))))
			}
			if len(out) > 8 {
				return nil, false
			}
		}
		if len(out) == 0 {
			return nil, false
		}
		return out, true
	case syntax.OpCapture, syntax.OpPlus:
		return required(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return required(re.Sub[0])
		}
		return nil, false
	case syntax.OpAlternate:
		var out []string
		for _, sub := range re.Sub {
			l, ok := required(sub)
			if !ok {
				return nil, false
			}
			out = append(out, l...)
		}
		return out, true
	case syntax.OpConcat:
		// Any part's literals are required; keep the most selective:
		// the longest shortest literal, then the fewest.
		var best []string
		found := false
		for _, sub := range re.Sub {
			l, ok := required(sub)
			if !ok {
				continue
			}
			if !found || better(l, best) {
				best, found = l, true
			}
		}
		return best, found
	}
	return nil, false
}

func better(a, b []string) bool {
	ma, mb := minLen(a), minLen(b)
	if ma != mb {
		return ma > mb
	}
	return len(a) < len(b)
}

func minLen(ls []string) int {
	m := -1
	for _, l := range ls {
		if m < 0 || len(l) < m {
			m = len(l)
		}
	}
	return m
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func upper(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

// equalFoldASCII compares s with the lower-case literal l, folding ASCII
// letters only.
func equalFoldASCII(s, l string) bool {
	for i := 0; i < len(l); i++ {
		if lower(s[i]) != l[i] {
			return false
		}
	}
	return true
}
