package config

import (
	"regexp"
	"strings"
	"testing"
)

// The name checks are loops instead of regular expressions only to spare
// every command the expressions' compile time; they must accept exactly
// what these did.
var (
	resourceGroupRE  = regexp.MustCompile(`^[-\p{L}\p{N}_.()]{1,90}$`)
	watchlistAliasRE = regexp.MustCompile(`^[^/\\?#%\x00-\x1f\x7f]{1,256}$`)
)

var nameSamples = []string{
	"", "rg", "rg-sentinel_prod.(eu)", "Ressourcengruppe-Größe", "日本語", "١٢٣", "rg.", "rg/x", "rg x", "rg\tx",
	"rg\n", "a\xffb", "\ufffd", "rg:1", "rg%20", "OwnNetworks", "Own Networks", "own?x", "own#x", "own\\x",
	"own\x7f", "é", "e\u0301", "ⅻ", "²", "🛡",
	strings.Repeat("a", 90), strings.Repeat("a", 91), strings.Repeat("é", 90), strings.Repeat("é", 91),
	strings.Repeat("a", 256), strings.Repeat("a", 257), strings.Repeat("日", 256), strings.Repeat("日", 257),
}

func TestNameChecksMatchTheirExpressions(t *testing.T) {
	for _, s := range nameSamples {
		checkNames(t, s)
	}
}

func FuzzNameChecks(f *testing.F) {
	for _, s := range nameSamples {
		f.Add(s)
	}
	f.Fuzz(checkNames)
}

func checkNames(t *testing.T, s string) {
	if got, want := isResourceGroupName(s), resourceGroupRE.MatchString(s); got != want {
		t.Errorf("isResourceGroupName(%q) = %v, the expression says %v", s, got, want)
	}
	if got, want := isWatchlistAlias(s), watchlistAliasRE.MatchString(s); got != want {
		t.Errorf("isWatchlistAlias(%q) = %v, the expression says %v", s, got, want)
	}
}
