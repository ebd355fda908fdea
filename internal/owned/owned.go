// Package owned parses the values that say what the organisation owns —
// networks, DNS domains, the names its addresses are registered under —
// the same way wherever they come from: settings (config) or a Sentinel
// watchlist (sentinel).
//
// Marking something as the organisation's is the risky direction: socpilot
// never proposes to block what is its own. So the parsers refuse what would
// make large parts of the internet "own": a network wider than /8 (IPv4) or
// /16 (IPv6), a bare top-level domain, a bare legal suffix such as "Ltd".
package owned

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"unicode"
)

// Widest networks accepted. No organisation owns more than a /8 of IPv4
// (the legacy class A holders are the widest), and IPv6 allocations to one
// organisation are at most a /16 or so; anything wider is a typo such as
// 0.0.0.0/0 that would stop socpilot from ever proposing a block.
const (
	MinIPv4Bits = 8
	MinIPv6Bits = 16
)

// ErrTooBroad is wrapped by ParseNetwork for a network wider than the
// minimum prefix lengths above.
var ErrTooBroad = errors.New("too broad")

// ParseNetwork parses a CIDR ("198.51.100.0/24", "2001:db8::/32") or a
// single address ("203.0.113.7", which becomes a /32 or /128). Host bits
// are cleared: "198.51.100.7/24" is 198.51.100.0/24, the network it names.
func ParseNetwork(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	var p netip.Prefix
	if strings.Contains(s, "/") {
		q, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not a network", s)
		}
		p = q
	} else {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return netip.Prefix{}, fmt.Errorf("%q is not a network", s)
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	p = p.Masked()
	if (p.Addr().Is4() && p.Bits() < MinIPv4Bits) || (p.Addr().Is6() && p.Bits() < MinIPv6Bits) {
		return netip.Prefix{}, fmt.Errorf("%q is %w: it would make a large part of the internet the organisation's (at most a /%d for IPv4, /%d for IPv6)", s, ErrTooBroad, MinIPv4Bits, MinIPv6Bits)
	}
	return p, nil
}

// ParseDomain checks a DNS domain and returns it lower-cased, without a
// trailing dot or a leading "*." (a domain includes its subdomains). It
// needs at least two labels and an alphabetic top-level label, so that a
// bare TLD or an address is refused; internationalised names are taken in
// their ASCII (xn--) form.
func ParseDomain(s string) (string, error) {
	raw := strings.TrimSpace(s)
	d := strings.TrimSuffix(strings.ToLower(raw), ".")
	d = strings.TrimPrefix(d, "*.")
	switch {
	case d == "":
		return "", fmt.Errorf("%q is not a domain", raw)
	case strings.Contains(d, "://") || strings.ContainsAny(d, "/@:"):
		return "", fmt.Errorf("%q is not a domain: give the domain alone, such as contoso.com, not a URL or mail address", raw)
	case len(d) > 253:
		return "", fmt.Errorf("%q is not a domain: longer than 253 characters", raw)
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return "", fmt.Errorf("%q is not a domain: expected at least two labels such as contoso.com (a bare top-level domain would make every site under it the organisation's)", raw)
	}
	for _, l := range labels {
		if !validLabel(l) {
			if strings.IndexFunc(l, func(r rune) bool { return r > unicode.MaxASCII }) >= 0 {
				return "", fmt.Errorf("%q is not a domain: write an internationalised domain in its ASCII (xn--) form", raw)
			}
			return "", fmt.Errorf("%q is not a domain: each label needs 1-63 letters, digits or '-', not starting or ending with '-'", raw)
		}
	}
	tld := labels[len(labels)-1]
	if strings.IndexFunc(tld, func(r rune) bool { return r < 'a' || r > 'z' }) >= 0 && !strings.HasPrefix(tld, "xn--") {
		return "", fmt.Errorf("%q is not a domain: its last label %q is not a top-level domain", raw, tld)
	}
	return d, nil
}

func validLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for _, r := range l {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// legalSuffixes are company-form words that name no organisation on their
// own. An unquoted "Contoso, Ltd." split at its comma leaves "Ltd.", which
// is joined back to "Contoso" (see JoinLegalSuffixes); alone it is refused,
// because as a word it would match every registrant called "… Ltd".
var legalSuffixes = map[string]bool{
	"ltd": true, "limited": true, "inc": true, "incorporated": true, "llc": true, "llp": true, "lp": true,
	"plc": true, "corp": true, "corporation": true, "co": true, "company": true, "gmbh": true, "ag": true,
	"kg": true, "se": true, "sa": true, "sas": true, "sarl": true, "srl": true, "spa": true, "bv": true,
	"nv": true, "oy": true, "ab": true, "as": true, "asa": true, "aps": true, "pty": true, "kk": true,
	"sl": true, "sro": true, "zoo": true, "spzoo": true,
}

// IsLegalSuffix reports whether s is only a company form ("Ltd.", "GmbH",
// "S.A.", "Co. KG").
func IsLegalSuffix(s string) bool {
	key := func(w string) string {
		return strings.Map(func(r rune) rune {
			switch {
			case unicode.IsLetter(r):
				return unicode.ToLower(r)
			case r == '.' || r == ' ' || r == '-':
				return -1
			}
			return r
		}, w)
	}
	if legalSuffixes[key(s)] {
		return true
	}
	words := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '&' || r == ',' })
	for _, w := range words {
		if !legalSuffixes[key(w)] {
			return false
		}
	}
	return len(words) > 0
}

// JoinLegalSuffixes rejoins company forms to the name before them, undoing
// a split at the comma of "Contoso, Ltd." or "Fabrikam, Inc.".
func JoinLegalSuffixes(names []string) []string {
	var out []string
	for _, n := range names {
		if len(out) > 0 && IsLegalSuffix(n) && !IsLegalSuffix(out[len(out)-1]) {
			out[len(out)-1] += ", " + strings.TrimSpace(n)
			continue
		}
		out = append(out, n)
	}
	return out
}

// ParseOrganisation checks the name an organisation's addresses are
// registered under ("Contoso Ltd", "AS64500 Contoso"): at least three
// letters or digits, not only a company form, on one line. Spaces are
// collapsed; case is kept for display (matching ignores it).
func ParseOrganisation(s string) (string, error) {
	raw := strings.TrimSpace(s)
	if strings.ContainsAny(raw, "\r\n\t") {
		return "", fmt.Errorf("%q is not an organisation name: expected one line", raw)
	}
	n := strings.Join(strings.Fields(raw), " ")
	alnum := 0
	for _, r := range n {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			alnum++
		}
	}
	switch {
	case alnum < 3:
		return "", fmt.Errorf("%q is not an organisation name: expected the name the organisation's addresses are registered under, such as \"Contoso Ltd\"", raw)
	case IsLegalSuffix(n):
		return "", fmt.Errorf("%q is not an organisation name: a company form alone would match every registrant that has it; give the whole name, such as \"Contoso Ltd\"", raw)
	case len(n) > 200:
		return "", fmt.Errorf("%q is not an organisation name: longer than 200 characters", raw)
	}
	return n, nil
}
