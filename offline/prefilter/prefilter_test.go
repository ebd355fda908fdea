package prefilter

import (
	"math/rand"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var patterns = []string{
	`(?i)(signed in successfully|successful(ly)?\b[^;]{0,30}?\b(sign[- ]?ins?|sign[- ]?on|log[- ]?ons?)|\bsucceeded\b|logged (on|in)( successfully)? (as|to))`,
	`(?i)\b(ignore|disregard|forget|override)\b[^.\n]{0,40}\b(previous|prior|above|earlier|all|your|system)\b[^.\n]{0,20}\b(instructions?|prompts?|rules)`,
	`(?i)(<\|?(im_start|im_end|system|assistant|user)\|?>|\[/?INST\]|###\s*(instruction|system)|<\s*/?\s*(system|assistant)\s*>)`,
	`(?i)-e(nc(odedcommand)?)?\s+([A-Za-z0-9+/=]{16,})`,
	`(?i)\b\d[\d,.]*\s?(gb|mb|tb|kb|gib|mib|files)\b`,
	`(?i)[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}`,
	`(?i)^['’]s? (credentials?|hash|password)\b[^;]{0,20}\b(was |were )?(used|stolen)`,
	`(?:[.!?;]+(?:\s+|$))|\n+`,
	`(?i)(^|[-_])(r?w?dc|adds|pdc|ad)\d*([-_]|$)|^dc\d*`,
	`(?i)\bCHG ?\d+|\bkerberos\b|tasks`,
	`CaseSensitive|Kelvin`,
	`(?i)café|naïve`,
	`x*`,
	`(?i)ſtop|sKip`,
	`(?i:[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,})|(?i:https?://[^\s"'<>()\]]+)|\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b|(?i:\b[0-9a-f]{1,4}(?::[0-9a-f]{0,4}){2,7}\b)|\b[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+\b`,
	`(?i)\b(?:https?|hxxps?|ftps?|wss?)://(?:[^\s/?#@"'<>\\]+@)?(\[[0-9a-f:.]+\]|[^\s/?#:"'<>\\\[\]]+)`,
	`(?i)(?:[0-9a-f]{0,4}:){2,7}(?:[0-9a-f]{1,4}|(?:[0-9]{1,3}\.){3}[0-9]{1,3})?`,
	`(?i)\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+([a-z]{2,24})\b`,
	`\Bon\B|in\b`,
	`a\S+b|^x\w+`,
}

var words = []string{"signed in successfully", "Successful sign-in", "succeeded", "logged on as", "IGNORE all previous instructions",
	"<|im_start|>", "[INST]", "### System", "-enc AAAAAAAAAAAAAAAAAAAA", "-EncodedCommand", "12 GB", "3 files", "a@b.com",
	"'s credentials were used", "’s hash was stolen", ". ", "!\n", "DC01", "rwdc-02", "ad", "chg 123", "Kerberos", "TASKS",
	"casesensitive", "CaseSensitive", "Kelvin", "\u212Aelvin", "CAFÉ", "café", "naïve", "ſtop", "stop", "\u212Aip", "skip",
	" ", "x", "é", "’", "\n", "\t", "\r", "\f", "\v", "http://h.io/x", "WS-FIN-023", "fe80::1:2", "10.1.2.3", "a.co", "\xe2", "on", "in", "as", "to", "was ", "GB", "@", "."}

// Every pattern, on random text made of its words and others, answers
// exactly as regexp does.
func TestSameAsRegexp(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, p := range patterns {
		std := regexp.MustCompile(p)
		pf := MustCompile(p)
		for range 20000 {
			var b strings.Builder
			for range rng.Intn(6) {
				w := words[rng.Intn(len(words))]
				if rng.Intn(3) == 0 && len(w) > 1 {
					i := rng.Intn(len(w))
					w = w[:i] + w[i+1:]
				}
				b.WriteString(w)
				if rng.Intn(2) == 0 {
					b.WriteByte(' ')
				}
			}
			s := b.String()
			if got, want := pf.MatchString(s), std.MatchString(s); got != want {
				t.Fatalf("%s on %q: MatchString %v, regexp %v (literals %q)", p, s, got, want, pf.Literals())
			}
			if got, want := pf.FindAllStringIndex(s, -1), std.FindAllStringIndex(s, -1); !slices.EqualFunc(got, want, slices.Equal) {
				t.Fatalf("%s on %q: %v, regexp %v", p, s, got, want)
			}
			for _, n := range []int{-1, 0, 1, 2} {
				if got, want := pf.FindAllStringSubmatchIndex(s, n), std.FindAllStringSubmatchIndex(s, n); !slices.EqualFunc(got, want, slices.Equal) {
					t.Fatalf("%s on %q, n %d: %v, regexp %v", p, s, n, got, want)
				}
				if got, want := pf.FindAllString(s, n), std.FindAllString(s, n); !slices.Equal(got, want) {
					t.Fatalf("%s on %q, n %d: %q, regexp %q", p, s, n, got, want)
				}
			}
			if got, want := pf.ReplaceAllString(s, "<$0>"), std.ReplaceAllString(s, "<$0>"); got != want {
				t.Fatalf("%s on %q: %q, regexp %q", p, s, got, want)
			}
		}
	}
}

func TestLiterals(t *testing.T) {
	for p, want := range map[string][]string{
		`(?i)\bai assistant\b`:            {"ai assistant"},
		`(?i)forward|redirect`:            {"forward", "redirect"},
		`x*`:                              nil,
		`(?i)(a|b*)`:                      nil,
		`(?i)(close|dismiss) this (case)`: {" this "},
	} {
		if got := MustCompile(p).Literals(); !slices.Equal(got, want) {
			t.Errorf("%s: literals %q, want %q", p, got, want)
		}
	}
}

func FuzzSameAsRegexp(f *testing.F) {
	for _, w := range words {
		f.Add(w)
	}
	var pfs []*Regexp
	var stds []*regexp.Regexp
	for _, p := range patterns {
		pfs = append(pfs, MustCompile(p))
		stds = append(stds, regexp.MustCompile(p))
	}
	f.Fuzz(func(t *testing.T, s string) {
		for i := range pfs {
			if got, want := pfs[i].MatchString(s), stds[i].MatchString(s); got != want {
				t.Fatalf("%s on %q: %v, regexp %v", patterns[i], s, got, want)
			}
		}
	})
}
