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
		d := editDistance(lname, lc)
		var score int
		switch {
		case lc == lname:
			score = 0
		case len(lname) >= 3 && (strings.HasPrefix(lc, lname) || strings.HasPrefix(lname, lc) && len(lc) >= 3):
			score = 1 + min(d, 8)
		case d <= maxTypoDistance(len(lname), len(lc)):
			score = 2 + 2*d
		case len(lname) >= 4 && strings.Contains(lc, lname):
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
func editDistance(a, b string) int {
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
	pp := make([]int, lb+1)
	p := make([]int, lb+1)
	c := make([]int, lb+1)
	for j := range p {
		p[j] = j
	}
	for i := 1; i <= la; i++ {
		c[0] = i
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
		}
		pp, p, c = p, c, pp
	}
	return p[lb]
}
