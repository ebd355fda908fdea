package analysis

import (
	"maps"
	"math/rand"
	"strings"
	"testing"
)

// addTokens, which matches between white space, learns exactly what
// matching the whole text learns.
func TestAddTokensIsWholeTextMatching(t *testing.T) {
	parts := []string{" ", "\t", "\n", "\r", "\f", "\v", ".", "@", ":", "-", "::", "http://", "https://x", "WS-FIN-023", "ws-fin", "a", "Z9",
		"10.0.0.1", "fe80::1", "mail.contoso.com", "user@contoso.com", "\"", "(", ")", "]", "<", "/", "é", "_", "1", "ab12", "Host-", "x.y"}
	rng := rand.New(rand.NewSource(7))
	for range 50000 {
		var b strings.Builder
		for range rng.Intn(12) {
			b.WriteString(parts[rng.Intn(len(parts))])
		}
		s := b.String()
		want := &grounding{known: map[string]bool{}}
		for _, tok := range entityToken.Regexp.FindAllString(s, -1) {
			want.add(tok)
		}
		got := &grounding{known: map[string]bool{}}
		got.addTokens(s)
		if !maps.Equal(got.known, want.known) {
			t.Fatalf("%q: learned %v, want %v", s, got.known, want.known)
		}
	}
}
