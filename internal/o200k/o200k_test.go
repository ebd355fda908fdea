package o200k

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pkoukk/tiktoken-go"
)

// goldenCase is one line of testdata/encode.golden: a text (or a file in
// testdata) and what tiktoken-go v0.1.8 with tiktoken-go-loader's copy of
// the published o200k_base.tiktoken made of it (EncodeOrdinary), so the
// golden file checks the embedded table against the genuine vocabulary,
// not against itself.
type goldenCase struct {
	Text   string `json:"text"`
	File   string `json:"file"`
	Count  int    `json:"count"`
	Tokens []int  `json:"tokens"`
	SHA256 string `json:"sha256"` // of the ids, decimal, comma-separated
}

func TestEncodeMatchesTiktoken(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "encode.golden"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []goldenCase
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		name, text := c.File, c.Text
		if c.File != "" {
			b, err := os.ReadFile(filepath.Join("testdata", c.File))
			if err != nil {
				t.Fatal(err)
			}
			text = string(b)
		} else {
			name = fmt.Sprintf("%.30q", c.Text)
		}
		t.Run(name, func(t *testing.T) {
			ids := Encode(text)
			if got := Count(text); got != c.Count {
				t.Errorf("Count = %d, want %d", got, c.Count)
			}
			if c.Tokens != nil {
				if diff := cmp.Diff(c.Tokens, ids); diff != "" {
					t.Errorf("Encode (-tiktoken +got):\n%s", diff)
				}
			}
			if c.SHA256 != "" {
				if got := idsHash(ids); got != c.SHA256 {
					t.Errorf("Encode: %d ids hashing to %s, want %d ids hashing to %s", len(ids), got, c.Count, c.SHA256)
				}
			}
		})
	}
}

func idsHash(ids []int) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = fmt.Sprint(id)
	}
	return fmt.Sprintf("%x", sha256.Sum256([]byte(strings.Join(s, ","))))
}

// TestTableFindsEveryToken: the binary search finds each of the 199,998
// tokens at its own rank, so the byte-order index is complete and sorted.
func TestTableFindsEveryToken(t *testing.T) {
	v := load()
	if v.n != 199998 {
		t.Errorf("%d tokens, want o200k_base's 199998", v.n)
	}
	for r := range v.n {
		if got := v.rank(v.token(r)); got != r {
			t.Fatalf("token %d (%q) found at rank %d", r, v.token(r), got)
		}
	}
	for _, s := range []string{"", "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"} {
		if r := v.rank(s); r >= 0 {
			t.Errorf("rank(%q) = %d, want none", s, r)
		}
	}
}

func TestParseRejectsMalformedTables(t *testing.T) {
	for name, tab := range map[string]string{
		"empty":       "",
		"other magic": "cl100k\n\n" + table[len(magic):],
		"truncated":   table[:len(table)-1],
		"short index": table[:len(magic)+4+100],
	} {
		if _, err := parse(tab); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
}

// reference is tiktoken-go's o200k_base over the embedded table's ranks:
// what Encode must agree with on any input, including invalid UTF-8.
var reference = sync.OnceValues(func() (*tiktoken.Tiktoken, error) {
	tiktoken.SetBpeLoader(tableLoader{})
	return tiktoken.GetEncoding("o200k_base")
})

type tableLoader struct{}

func (tableLoader) LoadTiktokenBpe(string) (map[string]int, error) {
	v := load()
	ranks := make(map[string]int, v.n)
	for r := range v.n {
		ranks[v.token(r)] = r
	}
	return ranks, nil
}

func checkAgainstReference(t *testing.T, s string) {
	t.Helper()
	ref, err := reference()
	if err != nil {
		t.Fatal(err)
	}
	want := ref.EncodeOrdinary(s)
	if len(want) == 0 {
		want = nil
	}
	if diff := cmp.Diff(want, Encode(s)); diff != "" {
		t.Errorf("Encode(%q) (-tiktoken-go +got):\n%s", s, diff)
	}
	if got := Count(s); got != len(want) {
		t.Errorf("Count(%q) = %d, tiktoken-go %d", s, got, len(want))
	}
}

func TestInvalidUTF8CountsAsReplacementCharacters(t *testing.T) {
	for _, s := range []string{"\xff\xfe", "a\xc3(b", "\xe2\x82", "ok \xed\xa0\x80 surrogate"} {
		checkAgainstReference(t, s)
	}
	if got, want := Count("\xff\xfe"), Count("\ufffd\ufffd"); got != want {
		t.Errorf("Count of two invalid bytes = %d, of two U+FFFD %d", got, want)
	}
}

func FuzzEncode(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("testdata", "encode.golden"))
	if err != nil {
		f.Fatal(err)
	}
	var cases []goldenCase
	if err := json.Unmarshal(b, &cases); err != nil {
		f.Fatal(err)
	}
	for _, c := range cases {
		if c.File == "" {
			f.Add(c.Text)
		}
	}
	f.Add("a\xc3(b\xff")
	f.Fuzz(checkAgainstReference)
}

// BenchmarkLoad: what the first count costs before counting, here and in
// tiktoken-go (its map from the same table, then NewCoreBPE, which builds
// a decoder map and a sorted copy of every token; parsing the published
// base64 file, as tiktoken-go-loader did, adds about as much again).
//
//	go test ./internal/o200k -run '^$' -bench Load -benchmem
func BenchmarkLoad(b *testing.B) {
	b.Run("o200k", func(b *testing.B) {
		for b.Loop() {
			if _, err := parse(table); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("tiktoken-go", func(b *testing.B) {
		for b.Loop() {
			ranks, _ := tableLoader{}.LoadTiktokenBpe("")
			if _, err := tiktoken.NewCoreBPE(ranks, map[string]int{"<|endoftext|>": 199999, "<|endofprompt|>": 200018}, pattern); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkCount counts testdata/incident-101.json (demo incident 101's
// seed, 36 KB of JSON), here and with tiktoken-go.
func BenchmarkCount(b *testing.B) {
	text, err := os.ReadFile(filepath.Join("testdata", "incident-101.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("o200k", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		for b.Loop() {
			Count(string(text))
		}
	})
	b.Run("tiktoken-go", func(b *testing.B) {
		ref, err := reference()
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(text)))
		for b.Loop() {
			_ = len(ref.EncodeOrdinary(string(text)))
		}
	})
}
