package redact

import (
	"math/rand"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// litMatcher finds what the regexp of its values finds, on random text and
// values made of letters with case variants beyond ASCII (KELVIN SIGN, LONG
// S, Σσς), separators, U+FFFD and invalid bytes.
func TestLitMatcherIsTheRegexp(t *testing.T) {
	parts := []string{"a", "A", "k", "K", "\u212a", "s", "S", "\u017f", "σ", "Σ", "ς", "é", "É", "-", ".", " ", "\\", "\ufffd", "\xe2", "\xff", "ab", "ws-fin", "WS-FIN-023", "x"}
	rng := rand.New(rand.NewSource(3))
	word := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteString(parts[rng.Intn(len(parts))])
		}
		return b.String()
	}
	for range 3000 {
		var vals []string
		for range 1 + rng.Intn(6) {
			vals = append(vals, strings.ToLower(word(1+rng.Intn(4))))
		}
		if rng.Intn(20) == 0 {
			vals = append(vals, "")
		}
		slices.SortFunc(vals, func(a, b string) int {
			if len(a) != len(b) {
				return len(b) - len(a)
			}
			return strings.Compare(a, b)
		})
		vals = slices.Compact(vals)
		quoted := make([]string, len(vals))
		for i, v := range vals {
			quoted[i] = regexp.QuoteMeta(v)
		}
		re := regexp.MustCompile(`(?i)(?:` + strings.Join(quoted, "|") + `)`)
		m := newLitMatcher(vals)
		for range 30 {
			s := word(rng.Intn(12))
			if got, want := m.FindStringIndex(s), re.FindStringIndex(s); !slices.Equal(got, want) {
				t.Fatalf("values %q in %q: %v, regexp %v", vals, s, got, want)
			}
		}
	}
}
