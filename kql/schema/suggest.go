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
	var out []scored
	seen := map[string]bool{}
	for _, c := range candidates {
		if c == name || c == "" || seen[c] {
			continue
		}
		seen[c] = true
		lc := strings.ToLower(c)
		prefix := len(lname) >= 3 && (strings.HasPrefix(lc, lname) || strings.HasPrefix(lname, lc) && len(lc) >= 3)
		contains := len(lname) >= 4 && strings.Contains(lc, lname)
		// The edit distance is at least the difference in length: a candidate
		// that is neither a prefix nor a container, and too long or too short
		// to be a typo, is out without computing it (most of them are).
		if lc != lname && !prefix && !contains && abs(len(lc)-len(lname)) > maxTypoDistance(len(lname), len(lc)) {
			continue
		}
		// Only a prefix or container is ranked by a distance beyond the typo
		// bound; for the rest, stop counting once it is passed.
		limit := maxTypoDistance(len(lname), len(lc))
		if prefix || contains {
			limit = len(lname) + len(lc)
		}
		d := editDistanceWithin(lname, lc, limit)
		var score int
		switch {
		case lc == lname:
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
	if len(out) > n {
		out = out[:n]
	}
	res := make([]string, len(out))
	for i, s := range out {
		res[i] = s.cand
	}
	return res
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
	la, lb := len(a), len(b)
	if la == 0 {
		return lb
	}
	if lb == 0 {
		return la
	}
	// Three rows: previous-previous (for transpositions), previous, current.
	rows := make([]int, 3*(lb+1))
	pp, p, c := rows[:lb+1], rows[lb+1:2*(lb+1)], rows[2*(lb+1):]
	for j := range p {
		p[j] = j
	}
	prevMin := 0
	for i := 1; i <= la; i++ {
		c[0] = i
		rowMin := i
		for j := 1; j <= lb; j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(p[j]+1, c[j-1]+1, p[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
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
	if len(name) < 4 {
		return ""
	}
	lname := strings.ToLower(name)
	best, bestD := "", 3
	for _, c := range candidates {
		lc := strings.ToLower(c)
		if lc == lname {
			return "" // the name is a column in another case: plausible, not a slip
		}
		if abs(len(lc)-len(lname)) > 2 {
			continue
		}
		d := editDistance(lname, lc)
		if d > 2 || d*4 > len(lc) || d >= bestD || plausibleVariant(lname, lc) {
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
