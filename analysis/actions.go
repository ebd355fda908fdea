package analysis

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/socpilot/socpilot"
)

// verbKinds are the entity kinds each response action can act on; an
// action on another kind (block-ip on a host name) is nonsense and is
// refused. collect-evidence applies to any kind.
var verbKinds = map[socpilot.ActionVerb][]string{
	socpilot.ActionIsolateHost:          {socpilot.KindHost},
	socpilot.ActionDisableAccount:       {socpilot.KindAccount, socpilot.KindMailbox},
	socpilot.ActionResetCredentials:     {socpilot.KindAccount, socpilot.KindMailbox},
	socpilot.ActionRevokeSessions:       {socpilot.KindAccount, socpilot.KindMailbox},
	socpilot.ActionBlockIP:              {socpilot.KindIP},
	socpilot.ActionBlockURL:             {socpilot.KindURL, socpilot.KindDNSResolution},
	socpilot.ActionBlockFile:            {socpilot.KindFileHash, socpilot.KindFile},
	socpilot.ActionPurgeEmail:           {socpilot.KindMailMessage, socpilot.KindMailCluster, socpilot.KindMailbox},
	socpilot.ActionRemoveInboxRule:      {socpilot.KindMailbox, socpilot.KindAccount},
	socpilot.ActionRemoveRoleAssignment: {socpilot.KindAccount, socpilot.KindAzureResource, socpilot.KindCloudApplication, socpilot.KindSecurityGroup},
}

// identifyingProps are the properties whose value names an entity the way
// an analyst or a response tool does, beside Entity.Value: accounts match
// by UPN or account name, hosts by FQDN, host name or NetBIOS name.
var identifyingProps = map[string][]string{
	socpilot.KindAccount:          {"userPrincipalName", "accountName", "aadUserId", "sid"},
	socpilot.KindHost:             {"fqdn", "hostName", "netBiosName", "azureID"},
	socpilot.KindIP:               {"address"},
	socpilot.KindURL:              {"url"},
	socpilot.KindFile:             {"fileName"},
	socpilot.KindFileHash:         {"hashValue"},
	socpilot.KindMailMessage:      {"networkMessageId", "internetMessageId"},
	socpilot.KindMailbox:          {"mailboxPrimaryAddress", "upn"},
	socpilot.KindCloudApplication: {"appName", "appId"},
	socpilot.KindAzureResource:    {"resourceId"},
	socpilot.KindDNSResolution:    {"domainName"},
	socpilot.KindSecurityGroup:    {"distinguishedName", "objectGuid", "sid"},
}

// target is an identifier of the incident with the kinds that carry it.
type target struct {
	value string // as the incident writes it
	kinds map[string]bool
}

// actionPolicy decides which of a model's response actions are kept: the
// entity must be an identifier of the incident, of a kind the verb acts
// on, and a block must never hit the organisation's own estate. An address
// is blocked only when the offline analysis itself proposed blocking it:
// that is where the address's role (attacker, own egress, victim) is known.
type actionPolicy struct {
	targets  map[string]*target // lowercased identifier
	proposed map[socpilot.ActionVerb]map[string]bool
	estate   socpilot.Estate
	domains  []string // the tenant's own domains seen in the incident
}

func newActionPolicy(d socpilot.IncidentDetails, facts socpilot.Analysis, estate socpilot.Estate) *actionPolicy {
	p := &actionPolicy{targets: map[string]*target{}, proposed: map[socpilot.ActionVerb]map[string]bool{}, estate: estate}
	add := func(v, kind string) {
		v = strings.TrimSpace(v)
		if v == "" {
			return
		}
		k := strings.ToLower(v)
		t := p.targets[k]
		if t == nil {
			t = &target{value: v, kinds: map[string]bool{}}
			p.targets[k] = t
		}
		t.kinds[kind] = true
	}
	for _, e := range d.Entities {
		add(e.Value(), e.Kind)
		for _, k := range identifyingProps[e.Kind] {
			add(e.Prop(k), e.Kind)
		}
		switch e.Kind {
		case socpilot.KindAccount:
			if n, s := e.Prop("accountName"), e.Prop("upnSuffix"); n != "" && s != "" {
				add(n+"@"+s, e.Kind)
			}
			// The tenant's accounts say which domains are its own.
			if s := e.Prop("upnSuffix"); s != "" {
				p.domains = append(p.domains, s)
			}
			if _, dom, ok := strings.Cut(e.Prop("userPrincipalName"), "@"); ok {
				p.domains = append(p.domains, dom)
			}
		case socpilot.KindHost:
			if h, dom := e.Prop("hostName"), e.Prop("dnsDomain"); h != "" && dom != "" {
				add(h+"."+dom, e.Kind)
			}
		}
	}
	for _, c := range facts.Checklist {
		if c.Action == nil {
			continue
		}
		if p.proposed[c.Action.Verb] == nil {
			p.proposed[c.Action.Verb] = map[string]bool{}
		}
		p.proposed[c.Action.Verb][strings.ToLower(strings.TrimSpace(c.Action.Entity))] = true
	}
	return p
}

// check returns the action to keep, nil when the item carries none, or
// why the model's action is refused.
func (p *actionPolicy) check(a modelAction) (*socpilot.Action, string) {
	verb := socpilot.ActionVerb(strings.ToLower(strings.TrimSpace(a.Verb)))
	entity := strings.TrimSpace(a.Entity)
	if verb == "" || verb == noAction {
		return nil, ""
	}
	if !verb.Valid() {
		return nil, "not a response action socpilot knows"
	}
	t := p.targets[strings.ToLower(entity)]
	if t == nil {
		return nil, "its target is not an identifier of the incident"
	}
	if kinds, ok := verbKinds[verb]; ok {
		fits := false
		for _, k := range kinds {
			fits = fits || t.kinds[k]
		}
		if !fits {
			return nil, fmt.Sprintf("%s does not apply to a %s", verb, strings.Join(keys(t.kinds), "/"))
		}
	}
	proposed := p.proposed[verb][strings.ToLower(entity)]
	switch verb {
	case socpilot.ActionBlockIP:
		if p.estate.OwnsIP(entity) {
			return nil, "the address is the organisation's own (internal range or own network)"
		}
		if !proposed {
			return nil, "socpilot's own analysis did not find the address to be attacker infrastructure"
		}
	case socpilot.ActionBlockURL:
		if host := urlHost(entity); p.ownsHost(host) {
			return nil, fmt.Sprintf("%s is the organisation's own", host)
		}
	case socpilot.ActionBlockFile:
		if !t.kinds[socpilot.KindFileHash] && !proposed {
			return nil, "a file is blocked by its hash; blocking a file name can stop the organisation's own programs"
		}
	}
	return &socpilot.Action{Verb: verb, Entity: t.value}, ""
}

// ownsHost reports whether a host name or address is the organisation's.
func (p *actionPolicy) ownsHost(host string) bool {
	if host == "" {
		return false
	}
	if p.estate.OwnsIP(host) || p.estate.OwnsDomain(host) {
		return true
	}
	return socpilot.Estate{Domains: p.domains}.OwnsDomain(host)
}

// urlHost is the host of a URL, or the value itself when it is a bare domain.
func urlHost(s string) string {
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
