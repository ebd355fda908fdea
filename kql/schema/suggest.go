package schema

import (
	"sort"
	"strings"
)

// Suggest returns up to n candidates closest to name, best first: a case-only
// difference, then a prefix or containment either way, then a small edit distance
// (Damerau-Levenshtein with adjacent transpositions, case-insensitive). Candidates
// too far from name to be a plausible typo are left out, so the result may be empty.
func Suggest(name string, candidates []string, n int) []string {
	if n <= 0 || name == "" {
		return nil
	}
	type scored struct {
		cand  string
		score int
		dist  int
	}
	lname := strings.ToLower(name)
	lbag := newBag(lname)
	var out []scored
	for _, c := range candidates {
		if c == name || c == "" {
			continue
		}
		// lc is c lower-cased, its ASCII letters folded as they are compared
		// (foldKey): no copy of each candidate is made.
		lc := foldKey(c)
		same := eqFold(lname, lc)
		prefix := len(lname) >= 3 && (hasPrefixFold(lc, lname) || len(lc) >= 3 && len(lc) <= len(lname) && eqFold(lname[:len(lc)], lc))
		contains := len(lname) >= 4 && containsFold(lc, lname)
		// The edit distance is at least the difference in length: a candidate
		// that is neither a prefix nor a container, and too long or too short
		// to be a typo, is out without computing it (most of them are).
		if !same && !prefix && !contains && abs(len(lc)-len(lname)) > maxTypoDistance(len(lname), len(lc)) {
			continue
		}
		// Only a prefix or container is ranked by a distance beyond the typo
		// bound; for the rest, stop counting once it is passed.
		limit := maxTypoDistance(len(lname), len(lc))
		if prefix || contains {
			limit = len(lname) + len(lc)
		}
		d := 0
		switch {
		case same:
		case !prefix && !contains && lbag.above(lc, limit):
			d = limit + 1 // too many letters differ: not a typo
		default:
			d = editDistanceFold(lname, lc, limit)
		}
		var score int
		switch {
		case same:
			score = 0
		case prefix:
			score = 1 + min(d, 8)
		case d <= maxTypoDistance(len(lname), len(lc)):
			score = 2 + 2*d
		case contains:
			score = 10 + (len(lc) - len(lname))
		default:
			continue
		}
		out = append(out, scored{c, score, d})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.score != b.score {
			return a.score < b.score
		}
		if a.dist != b.dist {
			return a.dist < b.dist
		}
		return a.cand < b.cand
	})
	// A candidate listed twice scores the same twice: the copies sort side by
	// side, and only the first is kept.
	res := make([]string, 0, min(n, len(out)))
	for i, s := range out {
		if len(res) == n {
			break
		}
		if i > 0 && out[i-1].cand == s.cand {
			continue
		}
		res = append(res, s.cand)
	}
	return res
}

// bag counts the bytes of a lower-case name. The edit distance between two
// names is at least their bag distance (how many bytes of the longer one are
// left over once each byte is matched with an equal one of the other: an edit
// changes that by one at most, a transposition not at all), which costs far
// less to compute: most candidates are ruled out by it.
type bag struct {
	n   [256]int16
	len int
}

func newBag(lower string) (b bag) {
	b.len = len(lower)
	for i := 0; i < len(lower); i++ {
		b.n[lower[i]]++
	}
	return b
}

// above reports whether the bag distance between the name and s, folded, is
// above limit, so that their edit distance is too.
func (b *bag) above(s string, limit int) bool {
	matched := 0
	for i := 0; i < len(s); i++ {
		c := lowerByte(s[i])
		if b.n[c] > 0 {
			matched++
		}
		b.n[c]--
	}
	for i := 0; i < len(s); i++ {
		b.n[lowerByte(s[i])]++
	}
	return max(b.len, len(s))-matched > limit
}

// foldKey returns s for an ASCII s, whose letters the *Fold helpers lower as
// they compare, and strings.ToLower(s) otherwise: either way a string whose
// folded bytes are those of strings.ToLower(s).
func foldKey(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return strings.ToLower(s)
		}
	}
	return s
}

// lowerByte lowers an ASCII letter.
func lowerByte(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// eqFold reports whether b, folded, equals lower, a lower-case string.
func eqFold(lower, b string) bool {
	if len(lower) != len(b) {
		return false
	}
	for i := 0; i < len(b); i++ {
		if lowerByte(b[i]) != lower[i] {
			return false
		}
	}
	return true
}

// hasPrefixFold reports whether b, folded, starts with lower.
func hasPrefixFold(b, lower string) bool {
	return len(b) >= len(lower) && eqFold(lower, b[:len(lower)])
}

// containsFold reports whether b, folded, contains lower (not empty).
func containsFold(b, lower string) bool {
	for i := 0; i+len(lower) <= len(b); i++ {
		if lowerByte(b[i]) == lower[0] && eqFold(lower, b[i:i+len(lower)]) {
			return true
		}
	}
	return false
}

// maxTypoDistance is how many edits still read as a typo: about a third of the
// shorter name, at least 1, so "ip" does not suggest every two-letter column.
func maxTypoDistance(a, b int) int {
	m := min(a, b)
	return max(1, m/3)
}

// editDistance is the optimal-string-alignment distance between a and b (bytes;
// KQL identifiers are ASCII).
func editDistance(a, b string) int { return editDistanceWithin(a, b, len(a)+len(b)) }

// editDistanceWithin is editDistance when that is at most limit, and some
// value above limit otherwise: it stops once two rows in a row exceed limit,
// since every later row then does too.
func editDistanceWithin(a, b string, limit int) int {
	if a == b {
		return 0
	}
	return editDistanceRows(a, b, limit, false)
}

// editDistanceFold is editDistanceWithin between a, lower-case, and b with its
// ASCII letters lowered (see foldKey).
func editDistanceFold(a, b string, limit int) int {
	if eqFold(a, b) {
		return 0
	}
	return editDistanceRows(a, b, limit, true)
}

func editDistanceRows(a, b string, limit int, fold bool) int {
	la, lb := len(a), len(b)
	if la == 0 {
		return lb
	}
	if lb == 0 {
		return la
	}
	bc := func(j int) byte {
		if fold {
			return lowerByte(b[j])
		}
		return b[j]
	}
	// Three rows: previous-previous (for transpositions), previous, current;
	// on the stack for names of usual length.
	var buf [3 * 48]int
	var rows []int
	if 3*(lb+1) <= len(buf) {
		rows = buf[:3*(lb+1)]
	} else {
		rows = make([]int, 3*(lb+1))
	}
	pp, p, c := rows[:lb+1], rows[lb+1:2*(lb+1)], rows[2*(lb+1):]
	for j := range p {
		p[j] = j
	}
	prevMin := 0
	for i := 1; i <= la; i++ {
		c[0] = i
		rowMin := i
		ai := a[i-1]
		for j := 1; j <= lb; j++ {
			bj := bc(j - 1)
			cost := 1
			if ai == bj {
				cost = 0
			}
			v := min(p[j]+1, c[j-1]+1, p[j-1]+cost)
			if i > 1 && j > 1 && ai == bc(j-2) && a[i-2] == bj {
				v = min(v, pp[j-2]+1)
			}
			c[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > limit && prevMin > limit {
			return limit + 1
		}
		prevMin = rowMin
		pp, p, c = p, c, pp
	}
	return p[lb]
}

// Typo returns the candidate that name is an obvious misspelling of, or "" when
// there is none. It is stricter than Suggest because the caller reports an error
// where a column set is open (its other columns depend on the data, as after
// bag_unpack), so a name must read as a slip of the keyboard rather than as
// another column: one or two edits (case-insensitive, adjacent transpositions
// counting one) from a candidate of at least 4 characters per edit, and not a
// variant that data-dependent columns commonly take — a case-only difference
// (key=value keys are often lower-case), different digits (cs1/cs2,
// DeviceCustomString1), a plural "s", an underscore, one short underscore-separated
// part (id_resp_h / id_resp_p), or a custom-log type suffix such as "_s" or "_d".
func Typo(name string, candidates []string) string {
	return typo(name, candidates, func(s string) string { return s })
}

// TypoColumn is Typo among the names of columns.
func TypoColumn(name string, columns []Column) string {
	return typo(name, columns, func(c Column) string { return c.Name })
}

func typo[T any](name string, candidates []T, nameOf func(T) string) string {
	if len(name) < 4 {
		return ""
	}
	lname := strings.ToLower(name)
	lbag := newBag(lname)
	best, bestD := "", 3
	for _, cand := range candidates {
		c := nameOf(cand)
		lc := foldKey(c)
		if eqFold(lname, lc) {
			return "" // the name is a column in another case: plausible, not a slip
		}
		if abs(len(lc)-len(lname)) > 2 || lbag.above(lc, 2) {
			continue
		}
		d := editDistanceFold(lname, lc, 2)
		if d > 2 || d*4 > len(lc) || d >= bestD || plausibleVariant(lname, strings.ToLower(c)) {
			continue
		}
		best, bestD = c, d
	}
	return best
}

// plausibleVariant reports whether two lower-case names differ only in ways that
// distinct real columns do.
func plausibleVariant(a, b string) bool {
	if stripDigits(a) == stripDigits(b) {
		return true
	}
	if a+"s" == b || b+"s" == a || a+"es" == b || b+"es" == a {
		return true
	}
	if strings.ReplaceAll(a, "_", "") == strings.ReplaceAll(b, "_", "") {
		return true
	}
	// Fields named by underscore-separated parts (Zeek's id_resp_h / id_resp_p)
	// differ in one short part of the same length.
	if pa, pb := strings.Split(a, "_"), strings.Split(b, "_"); len(pa) >= 2 && len(pa) == len(pb) {
		diff := 0
		short := true
		for i := range pa {
			if pa[i] != pb[i] {
				diff++
				short = short && len(pa[i]) == len(pb[i]) && len(pa[i]) <= 3
			}
		}
		if diff == 1 && short {
			return true
		}
	}
	for _, suf := range []string{"_s", "_d", "_b", "_g", "_t"} {
		if a+suf == b || b+suf == a {
			return true
		}
	}
	return false
}

func stripDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return -1
		}
		return r
	}, s)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
