package redact

import (
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/socpilot/socpilot/offline/prefilter"
)

// tokenRE matches every token form, composite ones first so an address or
// FQDN is one match. Case-insensitive: models change the case of what they
// repeat.
var tokenRE = prefilter.MustCompile(`(?i)\b(?:(?:user|host)_[0-9a-f]{6,16}(?:[@.]domain_[0-9a-f]{6,16}\.example\b)?|domain_[0-9a-f]{6,16}(?:\.example\b)?|(?:person|ntdom|lanip|ip|value)_[0-9a-f]{6,16})\b`)

// Patterns for values nobody learned. Each is checked further in code.
var (
	// urlHostRE: the host of a URL (group 1), also defanged hxxp schemes.
	urlHostRE = prefilter.MustCompile(`(?i)\b(?:https?|hxxps?|ftps?|wss?)://(?:[^\s/?#@"'<>\\]+@)?(\[[0-9a-f:.]+\]|[^\s/?#:"'<>\\\[\]]+)`)
	// uncHostRE: \\HOST\share (group 1). The first character excludes the
	// \\?\ and \\.\ device prefixes.
	uncHostRE = prefilter.MustCompile(`\\\\([A-Za-z0-9][A-Za-z0-9.-]{0,252})(?:\\|\s|$)`)
	emailRE   = prefilter.MustCompile(`(?i)\b[a-z0-9][a-z0-9._%+'-]{0,63}@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}\b`)
	ipv4RE    = prefilter.MustCompile(`\b(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\b`)
	ipv6RE    = prefilter.MustCompile(`(?i)(?:[0-9a-f]{0,4}:){2,7}(?:[0-9a-f]{1,4}|(?:[0-9]{1,3}\.){3}[0-9]{1,3})?`)
	fqdnRE    = prefilter.MustCompile(`(?i)\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+([a-z]{2,24})\b`)
)

// tlds are the top-level domains that make a dotted word a DNS name in free
// text. A list rather than any suffix, so file names (powershell.exe,
// p.ps1, data.zip, run.py, readme.md) and .NET or KQL member names
// (System.Net.WebClient, T.Column) are left alone: TLDs that are also
// common file extensions are deliberately missing.
var tlds = map[string]bool{}

func init() {
	for _, t := range strings.Fields(`com net org edu gov mil int info biz io co us uk de fr nl ru cn jp br in
		eu ca au ch se no dk fi it es be at cz sk hu ro bg gr pt tr il za mx ar cl kr tw hk sg my id th vn ph nz
		ie lt lv ee is lu ua by kz ir kp pk bd sa ae eg ng ke su pw tk ml ga cf gq top xyz online site club me tv cc ws
		ms ly gl app dev cloud link live shop store tech space icu buzz rest cyou sbs lol mobi pro one ai onion
		local lan corp internal intranet home arpa biz` + " ") {
		tlds[t] = true
	}
}

// publicServices are well-known service domains (and their subdomains)
// that identify no customer: left readable when found in free text, so the
// model still sees "download from raw.githubusercontent.com". Values the
// incident's entities carry are hidden regardless.
var publicServices = []string{
	"microsoft.com", "microsoftonline.com", "windows.net", "azure.com", "azure.net", "office.com", "office365.com",
	"live.com", "windowsupdate.com", "msftauth.net", "sharepoint.com", "aka.ms",
	"github.com", "githubusercontent.com", "google.com", "googleapis.com", "amazonaws.com", "cloudflare.com",
	"mitre.org", "w3.org", "schema.org", "example.com", "example.net", "example.org",
}

func isPublicService(name string) bool {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	for _, d := range publicServices {
		if name == d || strings.HasSuffix(name, "."+d) {
			return true
		}
	}
	return false
}

type spanKind int

const (
	spanToken   spanKind = iota // already a token: kept as is (Redact is idempotent)
	spanLearned                 // a learned value: its token
	spanEmail
	spanIP
	spanHost // known to be a host (UNC)
	spanDNS  // a DNS name of unknown role (URL host, FQDN in text)
)

type span struct {
	start, end int
	kind       spanKind
	token      string // spanLearned
}

// Redact replaces every learned value (longest first, case-insensitively,
// only as a whole name: "ws-fin-023" is not replaced inside "ws-fin-0234")
// and every value found by pattern that nobody learned: email addresses
// and UPNs, IPv4 and IPv6 addresses, URL hosts, UNC hosts, DNS names with a
// known top-level domain. It is deterministic, and idempotent: tokens are
// left alone.
func (p *Pseudonymizer) Redact(text string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var spans []span
	for _, loc := range tokenRE.FindAllStringIndex(text, -1) {
		spans = append(spans, span{start: loc[0], end: loc[1], kind: spanToken})
	}
	if m := p.learnedMatcher(); m != nil {
		for pos := 0; pos < len(text); {
			loc := m.FindStringIndex(text[pos:])
			if loc == nil {
				break
			}
			s, e := pos+loc[0], pos+loc[1]
			if s == e {
				break
			}
			if boundaryBefore(text, s) && boundaryAfter(text, e) {
				if t, ok := p.learned[strings.ToLower(text[s:e])]; ok {
					spans = append(spans, span{start: s, end: e, kind: spanLearned, token: t})
					pos = e
					continue
				}
			}
			_, size := utf8.DecodeRuneInString(text[s:])
			pos = s + size
		}
	}
	for _, loc := range urlHostRE.FindAllStringSubmatchIndex(text, -1) {
		s, e := loc[2], loc[3]
		host := strings.Trim(text[s:e], "[]")
		if a, err := netip.ParseAddr(host); err == nil {
			if !skipAddr(a) {
				spans = append(spans, span{start: s, end: e, kind: spanIP})
			}
			continue
		}
		if strings.Contains(host, ".") && isPublicService(host) || strings.EqualFold(host, "localhost") {
			continue
		}
		spans = append(spans, span{start: s, end: e, kind: spanDNS})
	}
	for _, loc := range uncHostRE.FindAllStringSubmatchIndex(text, -1) {
		s, e := loc[2], loc[3]
		host := text[s:e]
		if a, err := netip.ParseAddr(host); err == nil {
			if !skipAddr(a) {
				spans = append(spans, span{start: s, end: e, kind: spanIP})
			}
			continue
		}
		if strings.EqualFold(host, "localhost") {
			continue
		}
		spans = append(spans, span{start: s, end: e, kind: spanHost})
	}
	for _, loc := range emailRE.FindAllStringIndex(text, -1) {
		spans = append(spans, span{start: loc[0], end: loc[1], kind: spanEmail})
	}
	for _, loc := range ipv4RE.FindAllStringIndex(text, -1) {
		s, e := loc[0], loc[1]
		// Not part of a longer dotted number (a version such as 1.2.3.4.5).
		if s > 0 && (text[s-1] == '.' || isDigit(text[s-1])) || e+1 < len(text) && text[e] == '.' && isDigit(text[e+1]) {
			continue
		}
		if a, err := netip.ParseAddr(text[s:e]); err == nil && !skipAddr(a) {
			spans = append(spans, span{start: s, end: e, kind: spanIP})
		}
	}
	for _, loc := range ipv6RE.FindAllStringIndex(text, -1) {
		s, e := loc[0], loc[1]
		if strings.Count(text[s:e], ":") < 2 || !boundaryBefore6(text, s) || !boundaryAfter6(text, e) {
			continue
		}
		if !plausibleIPv6(text[s:e]) {
			continue
		}
		a, err := netip.ParseAddr(text[s:e])
		if err != nil || !a.Is6() || skipAddr(a) {
			continue
		}
		spans = append(spans, span{start: s, end: e, kind: spanIP})
	}
	for _, loc := range fqdnRE.FindAllStringSubmatchIndex(text, -1) {
		s, e := loc[0], loc[1]
		tld := text[loc[2]:loc[3]]
		// Real names are written in one case; System.Net is a namespace.
		if !tlds[strings.ToLower(tld)] || (tld != strings.ToLower(tld) && tld != strings.ToUpper(tld)) {
			continue
		}
		if s > 0 && (text[s-1] == '.' || text[s-1] == '-') || isPublicService(text[s:e]) {
			continue
		}
		spans = append(spans, span{start: s, end: e, kind: spanDNS})
	}
	if len(spans) == 0 {
		return text
	}

	// Longest first; at equal length a token beats a learned value beats a
	// pattern. Then keep every span that overlaps none already kept.
	slices.SortStableFunc(spans, func(a, b span) int {
		if la, lb := a.end-a.start, b.end-b.start; la != lb {
			return lb - la
		}
		if a.kind != b.kind {
			return int(a.kind) - int(b.kind)
		}
		return a.start - b.start
	})
	var kept []span
	for _, sp := range spans {
		if !slices.ContainsFunc(kept, func(k span) bool { return sp.start < k.end && k.start < sp.end }) {
			kept = append(kept, sp)
		}
	}
	slices.SortFunc(kept, func(a, b span) int { return a.start - b.start })

	var b strings.Builder
	b.Grow(len(text))
	last := 0
	for _, sp := range kept {
		b.WriteString(text[last:sp.start])
		b.WriteString(p.replacement(sp, text[sp.start:sp.end]))
		last = sp.end
	}
	b.WriteString(text[last:])
	return b.String()
}

func (p *Pseudonymizer) replacement(sp span, v string) string {
	switch sp.kind {
	case spanToken:
		return v
	case spanLearned:
		return sp.token
	case spanEmail:
		return p.learnEmail(v, false)
	case spanIP:
		a, err := netip.ParseAddr(strings.Trim(v, "[]"))
		if err != nil {
			return v
		}
		t := p.ipToken(a)
		if strings.HasPrefix(v, "[") {
			return "[" + t + "]"
		}
		return t
	case spanHost:
		return p.dnsToken(v, true, false)
	case spanDNS:
		return p.dnsToken(v, false, false)
	}
	return v
}

// plausibleIPv6 rejects short colon runs that parse as addresses but are
// code ("a::b"): an address in a log has a group of 3+ hex digits or
// 3+ colons.
func plausibleIPv6(s string) bool {
	if strings.Count(s, ":") >= 3 || strings.Contains(s, ".") {
		return true
	}
	for _, g := range strings.Split(s, ":") {
		if len(g) >= 3 {
			return true
		}
	}
	return false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isHexOrColon(c byte) bool {
	return c == ':' || isDigit(c) || (c|0x20) >= 'a' && (c|0x20) <= 'z' || c == '_'
}

func boundaryBefore6(s string, i int) bool { return i == 0 || !isHexOrColon(s[i-1]) && s[i-1] != '.' }
func boundaryAfter6(s string, i int) bool  { return i >= len(s) || !isHexOrColon(s[i]) }

// learnedMatcher is one case-insensitive alternation of the learned values,
// longest first so the longest value wins at a position.
func (p *Pseudonymizer) learnedMatcher() *litMatcher {
	if p.matcher != nil || len(p.learned) == 0 {
		return p.matcher
	}
	vals := make([]string, 0, len(p.learned))
	for v := range p.learned {
		vals = append(vals, v)
	}
	slices.SortFunc(vals, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	p.matcher = newLitMatcher(vals)
	return p.matcher
}

// litMatcher finds what the regexp (?i)(?:v1|v2|…) of its values finds:
// the leftmost match and, there, the first value in order that matches,
// each rune compared under Unicode simple folding as (?i) compares it. It
// looks only at the positions whose byte can start a value, where the
// regexp engine would run every alternative over every byte.
type litMatcher struct {
	vals  []string
	first [256][]int32   // values by the first bytes of their first rune's case variants, in order
	re    *regexp.Regexp // the regexp itself, for values this matcher does not take (empty, invalid UTF-8, U+FFFD first)
}

func newLitMatcher(vals []string) *litMatcher {
	m := &litMatcher{vals: vals}
	for i, v := range vals {
		c, _ := utf8.DecodeRuneInString(v)
		if v == "" || !utf8.ValidString(v) || c == utf8.RuneError {
			quoted := make([]string, len(vals))
			for j, v := range vals {
				quoted[j] = regexp.QuoteMeta(v)
			}
			m.re = regexp.MustCompile(`(?i)(?:` + strings.Join(quoted, "|") + `)`)
			return m
		}
		var seen [256]bool
		for r := c; ; {
			var buf [utf8.UTFMax]byte
			utf8.EncodeRune(buf[:], r)
			if b := buf[0]; !seen[b] {
				seen[b] = true
				m.first[b] = append(m.first[b], int32(i))
			}
			if r = unicode.SimpleFold(r); r == c {
				break
			}
		}
	}
	return m
}

// FindStringIndex is regexp's: the leftmost match's bounds, or nil.
func (m *litMatcher) FindStringIndex(s string) []int {
	if m.re != nil {
		return m.re.FindStringIndex(s)
	}
	for p := 0; p < len(s); p++ {
		for _, i := range m.first[s[p]] {
			if n := foldPrefix(s[p:], m.vals[i]); n >= 0 {
				return []int{p, p + n}
			}
		}
	}
	return nil
}

// foldPrefix is the length of the prefix of s that equals v rune by rune
// under simple folding, or -1. Invalid bytes of s read as U+FFFD, one
// byte each, as the regexp engine reads them.
func foldPrefix(s, v string) int {
	i := 0
	for _, c := range v {
		if i >= len(s) {
			return -1
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r != c && !sameFold(r, c) {
			return -1
		}
		i += n
	}
	return i
}

func sameFold(r, c rune) bool {
	for f := unicode.SimpleFold(c); f != c; f = unicode.SimpleFold(f) {
		if f == r {
			return true
		}
	}
	return false
}

// Rehydrate replaces the tokens in text by the values they stand for, also
// when the model changed their case or dropped a DNS token's .example.
// Composite tokens the model built itself (a learned user at a learned
// domain) are rehydrated part by part. Unknown tokens are left as they are.
func (p *Pseudonymizer) Rehydrate(text string) string {
	if !strings.Contains(text, "_") {
		return text
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return tokenRE.ReplaceAllStringFunc(text, p.lookup)
}

func (p *Pseudonymizer) lookup(tok string) string {
	lt := strings.ToLower(tok)
	if o, ok := p.original[lt]; ok {
		return o
	}
	if i := strings.IndexAny(lt, "@."); i > 0 && !strings.HasPrefix(lt, "domain_") {
		return p.lookup(tok[:i]) + tok[i:i+1] + p.lookup(tok[i+1:])
	}
	if strings.HasPrefix(lt, "domain_") && !strings.HasSuffix(lt, domainTail) {
		if o, ok := p.original[lt+domainTail]; ok {
			return o
		}
	}
	return tok
}

// maxTokenLen bounds a composite token: user_ + 16 hex + @domain_ + 16 hex + .example.
const maxTokenLen = 64

var tokenStarts = []string{"user_", "host_", "domain_", "person_", "ntdom_", "lanip_", "ip_", "value_"}

// StreamRehydrator rehydrates a streamed answer: write takes each delta
// and passes rehydrated text to out as soon as no token can be pending,
// holding back the tail that may be the start of a token split across
// deltas; flush passes on what is held at the end of the stream.
func (p *Pseudonymizer) StreamRehydrator(out func(string)) (write func(string), flush func()) {
	var pending string
	write = func(delta string) {
		pending += delta
		cut := holdFrom(pending)
		if cut > 0 {
			out(p.Rehydrate(pending[:cut]))
			pending = pending[cut:]
		}
	}
	flush = func() {
		if pending != "" {
			out(p.Rehydrate(pending))
			pending = ""
		}
	}
	return write, flush
}

func isTokenChar(c byte) bool {
	return c == '_' || c == '@' || c == '.' || isDigit(c) || (c|0x20) >= 'a' && (c|0x20) <= 'z'
}

// holdFrom returns where the part of s that could still grow into a token
// begins (len(s) when nothing needs holding back).
func holdFrom(s string) int {
	run := len(s)
	for run > 0 && isTokenChar(s[run-1]) && len(s)-run <= maxTokenLen {
		run--
	}
	// A token starts at the start of the trailing run of token characters,
	// or right after a '.' or '@' inside it; the earliest candidate wins so
	// a composite token is held whole.
	for i := run; i < len(s); i++ {
		if i > run && s[i-1] != '.' && s[i-1] != '@' {
			continue
		}
		if i == run && i > 0 && isTokenChar(s[i-1]) {
			continue // the run is longer than any token: not one
		}
		if couldStartToken(s[i:]) {
			return i
		}
	}
	return len(s)
}

func couldStartToken(tail string) bool {
	lt := strings.ToLower(tail)
	for _, st := range tokenStarts {
		if strings.HasPrefix(lt, st) || strings.HasPrefix(st, lt) {
			return true
		}
	}
	return false
}
