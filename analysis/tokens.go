package analysis

import (
	"strings"

	"github.com/socpilot/socpilot/internal/o200k"
)

// CountTokens counts s's tokens exactly with o200k_base, the encoding of
// GPT-4o and later models (encode_ordinary: special tokens count as text).
// The vocabulary is embedded and searched in place, so the first count
// costs well under a millisecond of set-up (internal/o200k BenchmarkLoad).
func CountTokens(s string) int { return o200k.Count(s) }

// EstimateTokens approximates o200k_base's count without tokenising, erring
// high: three bytes a token (prose runs nearer four; random identifiers
// nearer two), never fewer tokens than words. Memory bookkeeping (when to
// summarise a conversation) needs no more.
func EstimateTokens(s string) int {
	words := len(strings.Fields(s))
	return max(words, (len(s)+2)/3)
}
