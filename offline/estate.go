package offline

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/offline/prefilter"
)

// ipRole is what the incident shows an address to be.
type ipRole struct {
	own      bool   // the organisation's: never blocked, never looked up
	ownWhy   string // why it counts as the organisation's
	attacker bool   // evidence it is the attacker's: a source, a server, threat intelligence
	why      string // the evidence for attacker
}

// tenantTokens are the organisation's names as its own domains spell them:
// "contoso" for contoso.com and contoso.onmicrosoft.com. They recognise its
// addresses in the ASN organisation or ISP of IP entities.
func (f *facts) tenantTokens() []string {
	seen := map[string]bool{}
	var out []string
	add := func(tok string) {
		tok = strings.ToLower(strings.TrimSpace(tok))
		if len(tok) >= 3 && !seen[tok] {
			seen[tok] = true
			out = append(out, tok)
		}
	}
	for _, d := range f.ownDomains() {
		add(orgLabel(d))
	}
	for _, o := range f.estate.Organisations {
		for _, w := range strings.Fields(strings.ToLower(o)) {
			if !orgSuffixes[strings.Trim(w, ".,")] {
				add(strings.Trim(w, ".,"))
			}
		}
	}
	return out
}

// orgSuffixes are company-form words that say nothing about whose it is.
var orgSuffixes = map[string]bool{"ltd": true, "inc": true, "llc": true, "gmbh": true, "corp": true, "corporation": true, "co": true,
	"plc": true, "sa": true, "ag": true, "bv": true, "limited": true, "the": true, "group": true, "company": true, "e.v": true}

// orgLabel is the registrable name of a domain: contoso for
// mail.contoso.co.uk or contoso.onmicrosoft.com.
func orgLabel(domain string) string {
	labels := strings.Split(strings.ToLower(strings.TrimSuffix(domain, ".")), ".")
	if len(labels) >= 3 && labels[len(labels)-2] == "onmicrosoft" {
		return labels[len(labels)-3]
	}
	if len(labels) >= 3 && len(labels[len(labels)-1]) == 2 && secondLevel[labels[len(labels)-2]] {
		return labels[len(labels)-3]
	}
	if len(labels) >= 2 {
		return labels[len(labels)-2]
	}
	return ""
}

var secondLevel = map[string]bool{"co": true, "com": true, "org": true, "net": true, "ac": true, "gov": true, "edu": true, "ltd": true, "plc": true}

// ownDomains are the configured domains plus the tenant's: the UPN suffixes
// of its member accounts (guests carry #EXT# and keep their home domain out).
func (f *facts) ownDomains() []string {
	seen := map[string]bool{}
	var out []string
	add := func(d string) {
		d = strings.ToLower(strings.TrimSpace(d))
		if d != "" && !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	for _, d := range f.estate.Domains {
		add(d)
	}
	for _, h := range f.byKind[socpilot.KindHost] {
		if d := h.Prop("dnsDomain"); strings.Contains(d, ".") {
			add(d)
		}
	}
	for _, e := range f.byKind[socpilot.KindAccount] {
		if strings.Contains(strings.ToUpper(e.Prop("accountName")), "#EXT#") {
			if s := e.Prop("upnSuffix"); s != "" {
				add(s) // the guest lives in the tenant's domain
			}
			continue
		}
		if s := e.Prop("upnSuffix"); s != "" {
			add(s)
		} else if upn := e.Prop("userPrincipalName"); strings.Contains(upn, "@") {
			add(upn[strings.LastIndex(upn, "@")+1:])
		}
	}
	return out
}

// ownsDomain reports whether host (or an address's domain) is the organisation's.
func (f *facts) ownsDomain(host string) bool {
	host = strings.ToLower(host)
	if i := strings.LastIndex(host, "@"); i >= 0 {
		host = host[i+1:]
	}
	if (socpilot.Estate{Domains: f.ownDomains()}).OwnsDomain(host) {
		return true
	}
	// The organisation's name as the domain's registrable label: a site of
	// contoso.com when the tenant is contoso.onmicrosoft.com or the hosts
	// are in contoso.local. A look-alike (contoso-login.com) does not match.
	label := orgLabel(host)
	for _, t := range f.tenantTokens() {
		if label == t {
			return true
		}
	}
	return false
}

// egressPlatformRe names cloud proxy and VPN platforms whose egress
// addresses carry a whole organisation's traffic: blocking one blocks the
// company, and travel between two of them is the platform's, not a user's.
var egressPlatformRe = prefilter.MustCompile(`(?i)\b(zscaler|netskope|prisma access|palo alto networks|cisco umbrella|opendns|forcepoint|iboss|menlo security|cloudflare warp|cato networks|versa networks|skyhigh security|mcafee web gateway|symantec web security|globalprotect)\b`)

// Words around an address that say it is the organisation's own.
var (
	ownBefore    = prefilter.MustCompile(`(?i)\b(egress|proxy|proxies|gateway|vpn|nat|office|datacenter|data centre|data center|headquarters|hq|corporate|company|our|its (own )?(public )?(ip )?address(es)?|its public ip|public (ip )?address(es)?|exposes|exposed|listening|hosted on|server address|victim|target(ed)?|usual|normal|regular|home broadband|hq|headquarters)\W+(\S+\W+){0,3}$`)
	sourceBefore = prefilter.MustCompile(`(?i)\b(from|source|src|by|attacker|attacking|sender|sent from|connected to|connecting to|connections to|beacon(ing|ed)? to|downloaded from|download from|resolved to|c2|command and control|exit (node|relay)s?|relays?|spray(ing|ed)?|brute[- ]?forc\w*|scann(ing|er)|name server|hosted at|infrastructure)\W+(\S+\W+){0,3}$`)
)

// ownAfter: what follows the address says whose it is ("… is her home
// broadband", "… (HQ)", "… is our VPN gateway").
var ownAfter = prefilter.MustCompile(`(?i)^\s*(\((hq|headquarters|office|vpn|proxy|egress|corporate|home)[^)]{0,30}\)|(is|are|=)\s+(her|his|their|the user's|our|the company's|contoso's|a|the)?\s*(usual |normal |known |own )?(home|office|hq|headquarters|vpn|proxy|egress|corporate|company|residential|broadband|branch|datacenter|data centre))`)

// actorAfter: the address is the subject of an attack verb ("203.0.113.9
// tried 2,114 passwords", "… made 412 failed attempts").
var actorAfter = prefilter.MustCompile(`(?i)^\s*(\([^)]{0,40}\)\s*)?(tried|made|attempted|sprayed|scanned|probed|brute[- ]?forced|sent|launched|exploited|uploaded|requested)\b`)

// benignNearRe: the statement that names an address's traffic calls it
// routine; "from" there says nothing about an attacker.
var benignNearRe = prefilter.MustCompile(`(?i)\b(normal|usual|routine|scheduled|legitimate|expected|known[- ]good|partner's|trusted)\b`)

// destBefore: the address data was sent or a beacon went to.
var destBefore = prefilter.MustCompile(`(?i)\b(sent|uploaded|exfiltrat\w*|transferred|posted|beacon\w*|tunnel\w*)\b[^;]{0,50}\bto\s+$`)

// ipRoles decides, for every IP entity, whether it is the organisation's
// and whether there is evidence it is the attacker's. Without such
// evidence an address is never proposed for blocking.
func (f *facts) ipRoles(sents []sentence) map[string]ipRole {
	roles := map[string]ipRole{}
	toks := f.tenantTokens()
	for _, e := range f.byKind[socpilot.KindIP] {
		addr := e.Value()
		r := ipRole{}
		switch {
		case socpilot.InternalIP(addr):
			r.own, r.ownWhy = true, "a private or internal address"
		case f.estate.OwnsIP(addr):
			r.own, r.ownWhy = true, "in the organisation's own networks (own_networks)"
		case egressPlatformRe.MatchString(ipOrg(e)):
			r.own, r.ownWhy = true, fmt.Sprintf("egress of a secure web gateway or VPN platform (%s): shared by the organisation's users", clip(ipOrg(e), 40))
		default:
			if org := ipOrg(e); org != "" {
				for _, t := range toks {
					if socpilot.Mentions(strings.ToLower(org), t) {
						r.own, r.ownWhy = true, fmt.Sprintf("registered to %q, the organisation itself", org)
						break
					}
				}
			}
		}
		if ti, _ := e.Properties["threatIntelligence"].([]any); len(ti) > 0 {
			r.attacker, r.why = true, "threat intelligence lists it"
		}
		roles[addr] = r
	}
	for _, s := range sents {
		for addr, r := range roles {
			at := strings.Index(s.text, addr)
			if at < 0 || !boundaryAt(s.text, at, len(addr)) {
				continue
			}
			before := s.text[:at]
			if m := ownBefore.FindString(before); m != "" && !r.own && !sourceBefore.MatchString(before[max(0, len(before)-12):]) {
				r.own, r.ownWhy = true, fmt.Sprintf("the %s calls it %q", s.where, strings.TrimSpace(clip(oneLine(m), 40)))
			}
			if m := ownAfter.FindString(s.text[at+len(addr):]); m != "" && !r.own {
				r.own, r.ownWhy = true, fmt.Sprintf("the %s says it %q", s.where, strings.TrimSpace(clip(oneLine(m), 40)))
			}
			if m := actorAfter.FindString(s.text[at+len(addr):]); m != "" && !r.attacker && !ownBefore.MatchString(before) {
				r.attacker, r.why = true, fmt.Sprintf("the %s says it %q", s.where, strings.TrimSpace(clip(oneLine(m), 40)))
			}
			if m := destBefore.FindString(before); m != "" && !r.attacker && !ownBefore.MatchString(before) {
				r.attacker, r.why = true, fmt.Sprintf("the %s says data went to it (%q)", s.where, strings.TrimSpace(clip(oneLine(m), 40)))
			}
			if m := sourceBefore.FindString(before); m != "" && !r.attacker && !benignNearRe.MatchString(s.text) {
				r.attacker, r.why = true, fmt.Sprintf("the %s names it as %q", s.where, strings.TrimSpace(clip(oneLine(m), 40)))
			}
			roles[addr] = r
		}
	}
	// An address that only ever appears in URLs the attacker served from,
	// or as a mail sender, is the attacker's too.
	for _, e := range f.byKind[socpilot.KindURL] {
		if h := urlHost(e.Value()); h != "" {
			if r, ok := roles[h]; ok && !r.attacker {
				r.attacker, r.why = true, "it serves "+clip(e.Value(), 60)
				roles[h] = r
			}
		}
	}
	for _, e := range f.byKind[socpilot.KindMailMessage] {
		if ip := e.Prop("senderIP"); ip != "" {
			if r, ok := roles[ip]; ok && !r.attacker {
				r.attacker, r.why = true, "it sent the message"
				roles[ip] = r
			}
		}
	}
	for addr, r := range roles {
		if r.own {
			r.attacker = false // own beats any other reading: never block it
		}
		roles[addr] = r
	}
	return roles
}

func boundaryAt(s string, at, n int) bool {
	if at > 0 && (s[at-1] >= '0' && s[at-1] <= '9' || s[at-1] == '.') {
		return false
	}
	end := at + n
	return end == len(s) || !(s[end] >= '0' && s[end] <= '9') && !(s[end] == '.' && end+1 < len(s) && s[end+1] >= '0' && s[end+1] <= '9')
}

// ipOrg is the organisation an address is registered to, as the entity's
// location (or a flat property) names it.
func ipOrg(e socpilot.Entity) string {
	var parts []string
	if loc, ok := e.Properties["location"].(map[string]any); ok {
		for _, k := range []string{"organization", "carrier", "isp", "asnOrganization", "organizationType"} {
			if v, ok := loc[k].(string); ok && v != "" {
				parts = append(parts, v)
			}
		}
	}
	for _, k := range []string{"organization", "isp", "asnOrganization", "owner", "tags"} {
		if v := e.Prop(k); v != "" {
			parts = append(parts, v)
		}
	}
	if tags, ok := e.Properties["tags"].([]any); ok {
		for _, t := range tags {
			if s, ok := t.(string); ok {
				parts = append(parts, s)
			}
		}
	}
	return strings.Join(parts, " / ")
}

// urlHost is the host of a URL, without port or brackets.
func urlHost(u string) string {
	s := u
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndex(s, "@"); i >= 0 {
		s = s[i+1:]
	}
	if a, err := netip.ParseAddrPort(s); err == nil {
		return a.Addr().String()
	}
	if i := strings.LastIndex(s, ":"); i >= 0 && !strings.Contains(s[:i], ":") {
		s = s[:i]
	}
	return strings.Trim(strings.ToLower(s), "[]")
}
