package socpilot

import (
	"net/netip"
	"strings"
)

// Estate is what the organisation owns: its networks, its domains and the
// names its providers register its addresses under. socpilot never
// proposes to block what belongs to it, and never asks for a reputation
// check of it; its own hosts get isolated instead.
type Estate struct {
	// Networks are the organisation's public ranges (office egress,
	// datacenter, proxies, VPN); private, CGNAT and loopback ranges are
	// always the organisation's and need not be listed.
	Networks []netip.Prefix `json:"networks,omitempty"`
	// Domains are the organisation's DNS domains; subdomains are included.
	Domains []string `json:"domains,omitempty"`
	// Organisations are names the organisation's addresses are registered
	// under (an ASN's organisation or ISP name), matched case-insensitively
	// as words in IP entity properties.
	Organisations []string `json:"organisations,omitempty"`
}

// internalRanges are never internet addresses: RFC 1918, RFC 4193 ULA,
// RFC 6598 CGNAT, loopback, link-local, and documentation-free special ranges.
var internalRanges = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("fc00::/7"),
	netip.MustParsePrefix("fe80::/10"),
	netip.MustParsePrefix("::1/128"),
}

// InternalIP reports whether s is an address that is not routable on the
// internet (private, ULA, CGNAT, loopback, link-local, unspecified).
func InternalIP(s string) bool {
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil {
		return false
	}
	a = a.Unmap()
	if a.IsUnspecified() || a.IsMulticast() {
		return true
	}
	for _, p := range internalRanges {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// OwnsIP reports whether the address is internal or in one of the
// organisation's networks.
func (e Estate) OwnsIP(s string) bool {
	if InternalIP(s) {
		return true
	}
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range e.Networks {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// OwnsDomain reports whether host is one of the organisation's domains or
// a subdomain of one.
func (e Estate) OwnsDomain(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(host)), ".")
	if host == "" {
		return false
	}
	for _, d := range e.Domains {
		d = strings.TrimPrefix(strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d)), "."), "*.")
		if d != "" && (host == d || strings.HasSuffix(host, "."+d)) {
			return true
		}
	}
	return false
}

// Merge returns the union of two estates.
func (e Estate) Merge(o Estate) Estate {
	return Estate{
		Networks:      append(append([]netip.Prefix(nil), e.Networks...), o.Networks...),
		Domains:       append(append([]string(nil), e.Domains...), o.Domains...),
		Organisations: append(append([]string(nil), e.Organisations...), o.Organisations...),
	}
}
