// Package redact pseudonymises entity values before text leaves for a
// model, and rehydrates the model's answers for display.
//
// A pseudonym is a keyed token: HMAC-SHA256(key, namespace+":"+lower(value)),
// the first 6 hex digits (more only on a collision), behind a prefix that
// tells the model what the value was:
//
//	account name        USER_7f3a9c
//	person (display)    PERSON_0d4e11
//	UPN / email         user_7f3a9c@domain_1b2c3d.example
//	host                HOST_4e5f6a   (FQDN: HOST_4e5f6a.domain_9a8b7c.example)
//	DNS domain          domain_1b2c3d.example
//	NetBIOS domain      NTDOM_5c6d7e
//	IP address          IP_a1b2c3 (public)  LANIP_a1b2c3 (private, link-local, CGNAT)
//
// Tokens rather than look-alike values (say 198.18.x.x for addresses):
// a token cannot be mistaken for, or collide with, a real address or name in
// the text, the model cannot "correct" it into something else, and
// rehydration is an exact lookup. The one fact analysis needs from an
// address, internal or external, is kept in the prefix. DNS names end in
// .example (RFC 2606), which no real name does, and composite values keep
// their shape so the model still sees that user_…@domain_X and HOST_…
// .domain_X share a domain.
//
// The same key gives the same token for the same value in every incident
// and run; LoadOrCreateKey keeps the key in the state directory.
package redact

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/socpilot/socpilot"
)

// Namespaces: what a value is, as far as its token goes. Values of kinds
// that name the same thing share one (an account name and the local part
// of its UPN are both "user"), so they get the same token.
const (
	nsUser     = "user"
	nsPerson   = "person"
	nsHost     = "host"
	nsDomain   = "domain"
	nsNTDomain = "ntdomain"
	nsIP       = "ip"
	nsValue    = "value"
)

var prefixes = map[string]string{
	nsUser:     "USER_",
	nsPerson:   "PERSON_",
	nsHost:     "HOST_",
	nsDomain:   "domain_",
	nsNTDomain: "NTDOM_",
	nsValue:    "VALUE_",
}

const (
	hexLen     = 6
	maxHexLen  = 16
	domainTail = ".example"
	minLen     = 3 // shorter values are too ambiguous to replace in free text
)

// Pseudonymizer replaces entity values with stable keyed tokens and maps
// them back. It is safe for concurrent use.
type Pseudonymizer struct {
	key []byte

	mu       sync.Mutex
	tokenOf  map[string]string // ns+":"+lower(value) → token component
	original map[string]string // lower(token) → original, first spelling learned
	learned  map[string]string // lower(value) → token: values replaced wherever they occur
	matcher  *litMatcher       // learned values, longest first; nil when stale
}

// New returns a Pseudonymizer keyed by key (see LoadOrCreateKey).
func New(key []byte) *Pseudonymizer {
	return &Pseudonymizer{
		key:      slices.Clone(key),
		tokenOf:  map[string]string{},
		original: map[string]string{},
		learned:  map[string]string{},
	}
}

// stopValues are entity values too generic to be worth hiding, which would
// otherwise replace ordinary words all over a text.
var stopValues = map[string]bool{
	"system": true, "local service": true, "network service": true, "localhost": true,
	"n/a": true, "none": true, "null": true, "unknown": true,
}

// Learn records a value of an incident so Redact replaces it wherever it
// occurs. kind is one of account (or user), person (display name), upn,
// email, host (a name or an FQDN), ip, url, url-host, domain, ntdomain;
// any other kind is hidden as VALUE_….
func (p *Pseudonymizer) Learn(kind, value string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.learn(strings.ToLower(kind), value)
}

func (p *Pseudonymizer) learn(kind, value string) {
	v := strings.TrimSpace(value)
	if utf8.RuneCountInString(v) < minLen || stopValues[strings.ToLower(v)] {
		return
	}
	switch kind {
	case "account", "user", "accountname", "samaccountname":
		switch {
		case strings.Contains(v, "@"):
			p.learnEmail(v, true)
		case strings.Contains(v, `\`):
			i := strings.Index(v, `\`)
			p.learn("ntdomain", v[:i])
			p.learn("account", v[i+1:])
		case strings.ContainsAny(v, " \t"):
			p.addLearned(v, p.token(nsPerson, v))
		default:
			p.addLearned(v, p.token(nsUser, v))
		}
	case "person", "displayname", "name":
		p.addLearned(v, p.token(nsPerson, v))
	case "upn", "email", "mailbox":
		if strings.Contains(v, "@") {
			p.learnEmail(v, true)
		} else {
			p.learn("account", v)
		}
	case "host", "hostname", "fqdn", "netbiosname":
		if _, err := netip.ParseAddr(v); err == nil {
			p.learn("ip", v)
			return
		}
		p.addLearned(v, p.dnsToken(v, true, true))
	case "ip", "address":
		a, err := netip.ParseAddr(v)
		if err != nil || skipAddr(a) {
			return
		}
		t := p.ipToken(a)
		p.addLearned(v, t)
		if s := a.String(); !strings.EqualFold(s, v) {
			p.addLearned(s, t)
		}
	case "url":
		u, err := url.Parse(v)
		if err != nil || u.Hostname() == "" {
			return
		}
		p.learn("url-host", u.Hostname())
	case "url-host":
		if a, err := netip.ParseAddr(strings.Trim(v, "[]")); err == nil {
			p.learn("ip", a.String())
			return
		}
		p.addLearned(v, p.dnsToken(v, false, true))
	case "domain", "dnsdomain", "domainname":
		if !strings.Contains(v, ".") {
			p.learn("ntdomain", v)
			return
		}
		p.addLearned(strings.TrimSuffix(v, "."), p.domainToken(strings.TrimSuffix(v, ".")))
	case "ntdomain":
		p.addLearned(v, p.token(nsNTDomain, v))
	default:
		p.addLearned(v, p.token(nsValue, v))
	}
}

// learnEmail records an address and its parts; learn says whether they
// are replaced wherever they occur (values of the incident) or only
// mapped (addresses found by pattern).
func (p *Pseudonymizer) learnEmail(v string, learn bool) string {
	i := strings.LastIndex(v, "@")
	local, dom := v[:i], v[i+1:]
	if local == "" || dom == "" {
		if learn {
			p.addLearned(v, p.token(nsValue, v))
		}
		return p.token(nsValue, v)
	}
	lt := strings.ToLower(p.token(nsUser, local))
	dt := p.domainToken(dom)
	t := lt + "@" + dt
	p.remember(t, v)
	if learn {
		p.addLearned(v, t)
		// The local part alone is replaced in free text only when it is
		// shaped like an identifier (adele.vance, j_smith2): a plain word
		// (accounts@, billing@, info@) is also the analyst's vocabulary, and
		// "which accounts are involved?" must reach the model as asked. The
		// whole address is always replaced.
		if utf8.RuneCountInString(local) >= minLen && !plainWord(local) {
			p.addLearned(local, p.token(nsUser, local))
		}
		p.addLearned(dom, dt)
	}
	return t
}

// dnsToken is the token of a DNS name: a host's FQDN becomes
// HOST_x.domain_y.example (also when only its first label is a known host),
// a single label HOST_x, any other name domain_y.example. asHost says the
// name is known to be a host; learn, that its parts are to be replaced
// wherever they occur.
func (p *Pseudonymizer) dnsToken(name string, asHost, learn bool) string {
	name = strings.TrimSuffix(name, ".")
	i := strings.Index(name, ".")
	if i < 0 {
		return p.token(nsHost, name)
	}
	label, rest := name[:i], name[i+1:]
	_, knownHost := p.tokenOf[nsHost+":"+strings.ToLower(label)]
	if !asHost && !knownHost {
		return p.domainToken(name)
	}
	t := p.token(nsHost, label) + "." + p.domainToken(rest)
	p.remember(t, name)
	if learn {
		p.addLearned(label, p.token(nsHost, label))
		p.addLearned(rest, p.domainToken(rest))
	}
	return t
}

func (p *Pseudonymizer) domainToken(dom string) string {
	return p.token(nsDomain, strings.TrimSuffix(dom, "."))
}

func (p *Pseudonymizer) ipToken(a netip.Addr) string {
	return p.token(nsIP, a.Unmap().String())
}

// skipAddr: addresses that identify nobody, left as they are.
func skipAddr(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsLoopback() || a.IsUnspecified() || a == netip.AddrFrom4([4]byte{255, 255, 255, 255})
}

var cgnat = netip.MustParsePrefix("100.64.0.0/10")

func isInternal(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsPrivate() || a.IsLinkLocalUnicast() || cgnat.Contains(a)
}

// token returns the token component for value in namespace ns, creating
// and remembering it on first use.
func (p *Pseudonymizer) token(ns, value string) string {
	k := ns + ":" + strings.ToLower(value)
	if t, ok := p.tokenOf[k]; ok {
		return t
	}
	m := hmac.New(sha256.New, p.key)
	m.Write([]byte(k))
	h := hex.EncodeToString(m.Sum(nil))
	prefix := prefixes[ns]
	if ns == nsIP {
		prefix = "IP_"
		if a, err := netip.ParseAddr(value); err == nil && isInternal(a) {
			prefix = "LANIP_"
		}
	}
	var t string
	for n := hexLen; n <= maxHexLen; n += 2 {
		t = prefix + h[:n]
		if ns == nsDomain {
			t += domainTail
		}
		// Two values sharing a short token would rehydrate wrongly:
		// lengthen the newcomer's until it is unique.
		if o, ok := p.original[strings.ToLower(t)]; !ok || strings.EqualFold(o, value) {
			break
		}
	}
	p.tokenOf[k] = t
	p.remember(t, value)
	return t
}

func (p *Pseudonymizer) remember(token, value string) {
	if _, ok := p.original[strings.ToLower(token)]; !ok {
		p.original[strings.ToLower(token)] = value
	}
}

func (p *Pseudonymizer) addLearned(value, token string) {
	lv := strings.ToLower(value)
	if utf8.RuneCountInString(value) < minLen || stopValues[lv] {
		return
	}
	if _, ok := p.learned[lv]; !ok {
		p.learned[lv] = token
		p.matcher = nil
	}
}

// LearnEntities records the identifying values of incident entities:
// accounts (name, UPN, display name, NetBIOS and DNS domain), hosts (name,
// NetBIOS name, FQDN), IPs, URL hosts, mailboxes, mail message senders and
// recipients, DNS names. Free-text properties (command lines, subjects)
// are not learned; Redact finds the addresses, hosts and names in them.
func (p *Pseudonymizer) LearnEntities(es []socpilot.Entity) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range es {
		for _, f := range entityFields[e.Kind] {
			if v := e.Prop(f.prop); v != "" {
				p.learn(f.kind, v)
			}
		}
		switch e.Kind {
		case socpilot.KindAccount:
			if n, s := e.Prop("accountName"), e.Prop("upnSuffix"); n != "" && s != "" {
				p.learn("upn", n+"@"+s)
			}
			if fn := e.FriendlyName(); fn != "" {
				p.learn("account", fn)
			}
		case socpilot.KindHost:
			if n, d := e.Prop("hostName"), e.Prop("dnsDomain"); n != "" && d != "" {
				p.learn("host", n+"."+d)
			}
			if fn := e.FriendlyName(); fn != "" {
				p.learn("host", fn)
			}
		}
	}
}

type field struct{ prop, kind string }

var entityFields = map[string][]field{
	socpilot.KindAccount: {
		{"userPrincipalName", "upn"}, {"accountName", "account"}, {"displayName", "person"},
		{"ntDomain", "ntdomain"}, {"dnsDomain", "domain"}, {"upnSuffix", "domain"},
	},
	socpilot.KindHost: {
		{"fqdn", "host"}, {"hostName", "host"}, {"netBiosName", "host"}, {"dnsDomain", "domain"}, {"ntDomain", "ntdomain"},
	},
	socpilot.KindIP:      {{"address", "ip"}},
	socpilot.KindURL:     {{"url", "url"}},
	socpilot.KindMailbox: {{"mailboxPrimaryAddress", "email"}, {"upn", "upn"}, {"displayName", "person"}},
	socpilot.KindMailMessage: {
		{"sender", "email"}, {"recipient", "email"}, {"p1Sender", "email"}, {"p2Sender", "email"},
		{"p1SenderDomain", "domain"}, {"p2SenderDomain", "domain"}, {"senderIP", "ip"},
		{"senderDisplayName", "person"}, {"p1SenderDisplayName", "person"}, {"p2SenderDisplayName", "person"},
	},
	socpilot.KindDNSResolution: {{"domainName", "domain"}, {"hostIpAddress", "ip"}, {"dnsServerIp", "ip"}},
}

// Mapping returns pseudonym → original for every token handed out (tests
// and audit; never log it).
func (p *Pseudonymizer) Mapping() map[string]string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.original)
}

// isWord: characters that continue a name, so a match next to them is part
// of a longer, different name ("ws-fin-023" in "ws-fin-0234" or "old-ws-fin-023").
func isWord(r rune) bool {
	return r == '_' || r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

func boundaryBefore(s string, i int) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return !isWord(r)
}

func boundaryAfter(s string, i int) bool {
	if i >= len(s) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return !isWord(r)
}

// plainWord: letters only, as an ordinary word is.
func plainWord(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return s != ""
}
