// Package o200k counts text in OpenAI's o200k_base tokens (GPT-4o and
// later models) exactly as tiktoken does: the same pre-tokenising pattern,
// the same byte-pair merges by rank.
//
// The vocabulary is embedded (see README.md for its source and licence) in
// a table that is searched where it lies in the binary: nothing is
// downloaded, and nothing is built at start-up beyond an offset per token.
// tiktoken-go instead parses the published file into a map and builds a
// decoder map and a sorted copy of every token, about 0.25 s of CPU and
// 45 MB of memory before the first count (BenchmarkLoad).
package o200k

import (
	_ "embed"
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/dlclark/regexp2"
)

//go:generate go run ./internal/gen -in o200k_base.tiktoken -o o200k_base.bin

// table is o200k_base in the layout internal/gen writes:
//
//	"o200kv1\n"
//	n          uint32, little-endian: the number of tokens
//	lens       n bytes: each token's length, by rank
//	byBytes    n × 3 bytes: the ranks (little-endian) in the byte order of their tokens
//	blob       every token's bytes, by rank
//
// A rank is a token's position, so lookup is a binary search of byBytes.
//
//go:embed o200k_base.bin
var table string

const magic = "o200kv1\n"

// pattern is how o200k_base splits text into pieces before merging bytes:
// tiktoken's pattern for it, alternatives joined with "|".
const pattern = `[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?` +
	`|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?` +
	`|\p{N}{1,3}` +
	`| ?[^\s\p{L}\p{N}]+[\r\n/]*` +
	`|\s*[\r\n]+` +
	`|\s+(?!\S)` +
	`|\s+`

// vocab is the parsed table.
type vocab struct {
	n       int
	byBytes string   // n × 3 bytes
	blob    string   // tokens by rank
	start   []uint32 // start[r] is where token r starts in blob; start[n] = len(blob)
	// first[c] is the first index in byte order of the tokens starting
	// with byte c, first[256] = n: a lookup searches one such span.
	first [257]int
	split *regexp2.Regexp
}

// load reads the embedded table once. The table is checked by the tests;
// if it is malformed the binary was built wrong, so load panics.
var load = sync.OnceValue(func() *vocab {
	v, err := parse(table)
	if err != nil {
		panic("o200k: embedded vocabulary: " + err.Error())
	}
	return v
})

func parse(t string) (*vocab, error) {
	if len(t) < len(magic)+4 || t[:len(magic)] != magic {
		return nil, fmt.Errorf("not an o200k table")
	}
	t = t[len(magic):]
	n := int(binary.LittleEndian.Uint32([]byte(t[:4])))
	t = t[4:]
	if len(t) < 4*n {
		return nil, fmt.Errorf("%d tokens announced, %d bytes follow", n, len(t))
	}
	lens, byBytes, blob := t[:n], t[n:4*n], t[4*n:]
	start := make([]uint32, n+1)
	for r := range n {
		start[r+1] = start[r] + uint32(lens[r])
	}
	if int(start[n]) != len(blob) {
		return nil, fmt.Errorf("tokens take %d bytes, %d follow", start[n], len(blob))
	}
	split, err := regexp2.Compile(pattern, regexp2.None)
	if err != nil {
		return nil, err
	}
	v := &vocab{n: n, byBytes: byBytes, blob: blob, start: start, split: split}
	for c := range 256 {
		v.first[c] = v.search(0, n, string([]byte{byte(c)}))
	}
	v.first[256] = n
	return v, nil
}

func (v *vocab) token(r int) string { return v.blob[v.start[r]:v.start[r+1]] }

// sorted is the rank of the i-th token in byte order.
func (v *vocab) sorted(i int) int {
	return int(v.byBytes[3*i]) | int(v.byBytes[3*i+1])<<8 | int(v.byBytes[3*i+2])<<16
}

// search is the first index in [lo, hi) of byte order whose token is not
// less than b, or hi.
func (v *vocab) search(lo, hi int, b string) int {
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if v.token(v.sorted(mid)) < b {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// rank is b's rank, or -1 when b is not a token.
func (v *vocab) rank(b string) int {
	if b == "" {
		return -1
	}
	lo, hi := v.first[b[0]], v.first[int(b[0])+1]
	if i := v.search(lo, hi, b); i < hi {
		if r := v.sorted(i); v.token(r) == b {
			return r
		}
	}
	return -1
}

// Count is the number of o200k_base tokens in s, special tokens such as
// "<|endoftext|>" counted as ordinary text (tiktoken's encode_ordinary).
func Count(s string) int {
	n := 0
	pieces(s, func(p string) { n += load().merge(p, nil) })
	return n
}

// Encode is s in o200k_base token ids, special tokens encoded as ordinary
// text (tiktoken's encode_ordinary).
func Encode(s string) []int {
	var ids []int
	pieces(s, func(p string) { load().merge(p, &ids) })
	return ids
}

// pieces calls f with each piece the pattern splits s into. Like tiktoken
// (and tiktoken-go, which these counts must match), the text is taken as
// runes: each byte of invalid UTF-8 becomes U+FFFD.
func pieces(s string, f func(string)) {
	runes := []rune(s)
	m, _ := load().split.FindRunesMatch(runes)
	for m != nil {
		f(string(runes[m.Index : m.Index+m.Length]))
		m, _ = load().split.FindNextMatch(m)
	}
}

// merge encodes one piece: one token when the piece is one, else tiktoken's
// byte-pair merge (repeatedly join the adjacent pair whose join has the
// lowest rank, the leftmost on a tie). It returns the number of tokens and
// appends their ids to ids when ids is not nil.
func (v *vocab) merge(piece string, ids *[]int) int {
	if r := v.rank(piece); r >= 0 {
		if ids != nil {
			*ids = append(*ids, r)
		}
		return 1
	}
	const none = int(^uint(0) >> 1)
	// parts[i] is where the i-th part starts and the rank of joining it
	// with the next part; the last entry marks the end of the piece.
	type part struct{ start, rank int }
	parts := make([]part, len(piece)+1)
	for i := range parts {
		parts[i] = part{i, none}
	}
	// pairRank is the rank of parts i to i+skip+1 joined, or none.
	pairRank := func(i, skip int) int {
		if i+skip+2 < len(parts) {
			if r := v.rank(piece[parts[i].start:parts[i+skip+2].start]); r >= 0 {
				return r
			}
		}
		return none
	}
	for i := 0; i < len(parts)-2; i++ {
		parts[i].rank = pairRank(i, 0)
	}
	for len(parts) > 1 {
		minRank, i := none, -1
		for j := 0; j < len(parts)-1; j++ {
			if parts[j].rank < minRank {
				minRank, i = parts[j].rank, j
			}
		}
		if i < 0 {
			break
		}
		parts[i].rank = pairRank(i, 1)
		if i > 0 {
			parts[i-1].rank = pairRank(i-1, 1)
		}
		parts = append(parts[:i+1], parts[i+2:]...)
	}
	if ids != nil {
		for i := 0; i < len(parts)-1; i++ {
			*ids = append(*ids, v.rank(piece[parts[i].start:parts[i+1].start]))
		}
	}
	return len(parts) - 1
}
