package offline

import (
	"fmt"
	"strings"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/offline/prefilter"
)

// actionRule is one typed response action: which entities it targets in an
// incident, and how the step reads. Targets are chosen from evidence (what
// is compromised, what the attacker used), never from "every entity of a
// kind", and never the organisation's own estate for a block.
type actionRule struct {
	verb    socpilot.ActionVerb
	targets func(f *facts) []string
	title   string // format with the target
	desc    string
}

// actionRules are in the order the steps should run.
var actionRules = []actionRule{
	{socpilot.ActionIsolateHost, func(f *facts) []string {
		return f.compromisedOf(socpilot.KindHost, func(e socpilot.Entity) bool { return !f.isDC(e) })
	},
		"Isolate %s from the network",
		"Isolate with Defender for Endpoint (the agent stays connected for investigation); do not power it off, so memory evidence survives."},
	{socpilot.ActionCollectEvidence, func(f *facts) []string {
		if !f.escalating {
			return f.compromisedOf(socpilot.KindHost, f.isDC)
		}
		return f.compromisedOf(socpilot.KindHost, func(socpilot.Entity) bool { return true })
	},
		"Collect an investigation package and memory image from %s",
		"Collect before any cleanup or reimage; for a domain controller, hand over to incident response before isolating it, since isolation stops authentication for the domain."},
	{socpilot.ActionDisableAccount, func(f *facts) []string {
		return f.compromisedOf(socpilot.KindAccount, func(e socpilot.Entity) bool { return f.disposable(e) })
	},
		"Disable account %s",
		"A service, local, guest or newly granted account that the attacker holds: disable it now, then rotate its secret and review what it changed."},
	{socpilot.ActionRevokeSessions, func(f *facts) []string {
		return f.compromisedOf(socpilot.KindAccount, func(e socpilot.Entity) bool { return cloudAccount(e) })
	},
		"Revoke the sessions and refresh tokens of %s",
		"Revoke-MgUserSignInSession (or Revoke sessions in Entra ID) ends the attacker's sign-in; check for newly registered MFA methods and devices."},
	{socpilot.ActionRevokeSessions, func(f *facts) []string { return f.exfilActors() },
		"Revoke the sessions of %s to stop the transfer",
		"Data is leaving under this account: end its sessions now (the transfer stops), then preserve its activity log for HR or legal before anything else changes."},
	{socpilot.ActionResetCredentials, func(f *facts) []string {
		return dedupe(append(append(f.compromisedOf(socpilot.KindAccount, nil), f.krbtgtAfterDCSync()...), f.passwordKnown()...))
	},
		"Reset the credentials of %s",
		"Reset the password (twice for krbtgt-style secrets), require MFA re-registration if the attacker could have registered a method, and confirm with the owner out of band."},
	{socpilot.ActionRemoveRoleAssignment, func(f *facts) []string { return f.grantTargets() },
		"Remove the role or app grant %s",
		"Delete the assignment, consent grant or group membership the attacker added, then review what it was used for while it existed."},
	{socpilot.ActionRemoveInboxRule, func(f *facts) []string { return f.inboxRuleMailboxes() },
		"Remove the forwarding or hiding inbox rules of %s",
		"Delete the rules and any SMTP forwarding, and review what was forwarded or deleted while they were active."},
	{socpilot.ActionPurgeEmail, func(f *facts) []string { return f.phishingMessages() },
		"Purge the message %s from every mailbox",
		"Soft-delete all copies with Threat Explorer or a purge search, and report it as phishing."},
	{socpilot.ActionBlockIP, func(f *facts) []string { return f.attackerIPs() },
		"Block %s at the perimeter and in Conditional Access",
		"Attacker infrastructure seen in this incident (never one of the organisation's own addresses): block at the firewall and as a Conditional Access named location, with an expiry."},
	{socpilot.ActionBlockURL, func(f *facts) []string { return f.attackerURLs() },
		"Block %s",
		"Add the URL (or its domain) to the Tenant Allow/Block List, Defender for Endpoint indicators and the web proxy."},
	{socpilot.ActionBlockFile, func(f *facts) []string { return f.attackerHashes() },
		"Block file hash %s",
		"Add a Defender for Endpoint indicator (block and remediate) for the hash, and search every device for it."},
}

// ident is the identifier an action names: the host name or UPN as the
// incident writes it.
func ident(e socpilot.Entity) string {
	switch e.Kind {
	case socpilot.KindHost:
		if h := e.Prop("hostName"); h != "" {
			return oneLine(h)
		}
	case socpilot.KindMailMessage:
		if id := e.Prop("networkMessageId"); id != "" {
			return id
		}
	}
	return oneLine(e.Value())
}

func (f *facts) compromisedOf(kind string, keep func(socpilot.Entity) bool) []string {
	var out []string
	for _, c := range f.compromised {
		if c.entity.Kind == kind && (keep == nil || keep(c.entity)) {
			out = append(out, ident(c.entity))
		}
	}
	return out
}

// disposable accounts are disabled rather than only reset: services,
// local accounts, guests and accounts that received an attacker's grant.
func (f *facts) disposable(e socpilot.Entity) bool {
	if serviceAccount(e) || strings.Contains(strings.ToUpper(e.Prop("accountName")), "#EXT#") {
		return true
	}
	// A privileged admin account the attacker holds is disabled until it is
	// rebuilt: its sessions and tickets outlive a password reset.
	if privilegedWords.MatchString(e.Prop("accountName")) {
		return true
	}
	if e.Prop("upnSuffix") == "" && e.Prop("aadUserId") == "" && e.Prop("userPrincipalName") == "" {
		return true // a local account of one machine
	}
	for _, g := range f.grantees {
		if strings.EqualFold(g.Value(), e.Value()) {
			return true
		}
	}
	return false
}

func cloudAccount(e socpilot.Entity) bool {
	return e.Prop("aadUserId") != "" || e.Prop("upnSuffix") != "" || strings.Contains(e.Prop("userPrincipalName"), "@")
}

// exfilActors are the accounts a data-exfiltration detection names as the
// one sending data out, when the analysis did not already find them
// compromised (an insider, or a compromise not yet proven).
func (f *facts) exfilActors() []string {
	if f.exfilEvidence() == "" || f.explained(kExfil) {
		return nil
	}
	var out []string
	for _, a := range f.alerts {
		if !containsFold(a.Tactics, "Exfiltration") && !containsFold(a.Tactics, "Collection") {
			continue
		}
		for _, acct := range personAccounts(f.byKind[socpilot.KindAccount]) {
			if mentions(a.DisplayName+". "+a.Description, acct) && !f.isCompromised(acct) && cloudAccount(acct) {
				out = append(out, ident(acct))
			}
		}
	}
	return dedupe(out)
}

// passwordRightRe: the attacker had the right password and only MFA (or a
// policy) stopped the sign-in (Entra 50074/50076/500121 and the like).
var passwordRightRe = prefilter.MustCompile(`(?i)(right|correct|valid) password|password (was )?(right|correct|valid)|\b(50074|50076|500121|50079)\b|stopped (only )?(at|by) (mfa|multi-?factor)|passed the password`)

// passwordKnown are the accounts whose password the attacker is shown to
// have, although MFA stopped the sign-in: reset, but not "compromised".
func (f *facts) passwordKnown() []string {
	var out []string
	for _, s := range f.sents {
		if s.where == "label" || !passwordRightRe.MatchString(s.text) {
			continue
		}
		for _, a := range personAccounts(f.byKind[socpilot.KindAccount]) {
			if mentions(s.text, a) {
				out = append(out, ident(a))
			}
		}
	}
	return out
}

// krbtgtAfterDCSync: a DCSync the analysis does not explain may have taken
// the krbtgt secret, which forges tickets for every account; when the
// incident names the krbtgt account, its reset (twice) is a step.
func (f *facts) krbtgtAfterDCSync() []string {
	if f.explained(kDCSync) || f.nonDCReplicationSource() == "" || !(f.productSays(dcsyncRe) || f.hasTechnique("T1003.006")) {
		return nil
	}
	for _, a := range f.byKind[socpilot.KindAccount] {
		if strings.EqualFold(a.Prop("accountName"), "krbtgt") {
			return []string{ident(a)}
		}
	}
	return nil
}

// grantTargets are the role assignments, group memberships and app grants
// the attacker added.
func (f *facts) grantTargets() []string {
	if f.grantEvidence == "" || f.explained(kGrant) {
		return nil
	}
	var out []string
	for _, r := range f.byKind[socpilot.KindAzureResource] {
		if strings.Contains(strings.ToLower(r.Value()), "/roleassignments/") {
			out = append(out, r.Value())
		}
	}
	if f.hasTechnique("T1528") || f.mentionsAny(consentRe) {
		for _, app := range f.byKind[socpilot.KindCloudApplication] {
			if !firstPartyApp(app.Value()) {
				out = append(out, app.Value())
			}
		}
	}
	if len(out) == 0 {
		for _, g := range f.grantees {
			out = append(out, ident(g))
		}
	}
	return dedupe(out)
}

var firstPartyRe = prefilter.MustCompile(`(?i)^(microsoft|office 365|azure|exchange|sharepoint|onedrive|teams|outlook|windows|intune|dynamics|power (bi|apps|automate))\b`)

func firstPartyApp(name string) bool { return firstPartyRe.MatchString(strings.TrimSpace(name)) }

func (f *facts) inboxRuleMailboxes() []string {
	if f.explained(kInboxRule) || !(f.hasTechnique("T1114.003", "T1564.008", "T1137.005") || f.mentionsAny(inboxRuleRe)) {
		return nil
	}
	var out []string
	for _, c := range f.compromised {
		if c.entity.Kind != socpilot.KindAccount {
			continue
		}
		// The rule is in the compromised account's mailbox when a rule
		// detection names the account, or the account's rule was the finding.
		named := c.kind == kInboxRule
		for _, s := range f.sents {
			if s.from == fromProduct && inboxRuleRe.MatchString(s.text) && mentions(s.text, c.entity) {
				named = true
			}
		}
		if !named {
			continue
		}
		found := false
		for _, mb := range f.byKind[socpilot.KindMailbox] {
			if strings.EqualFold(mb.Value(), c.entity.Value()) || strings.EqualFold(mb.Prop("externalDirectoryObjectId"), c.entity.Prop("aadUserId")) {
				out = append(out, ident(mb))
				found = true
			}
		}
		if !found {
			out = append(out, ident(c.entity)) // the account's own mailbox
		}
	}
	return dedupe(out)
}

var (
	consentRe = prefilter.MustCompile(`(?i)consent`)
	phishRe   = prefilter.MustCompile(`(?i)phish`)
)

var inboxRuleRe = prefilter.MustCompile(`(?i)inbox (forwarding |manipulation )?rule|mailbox rule|forwards? (all )?(incoming )?(mail|messages|email)|forwarding rule`)

func (f *facts) phishingMessages() []string {
	if !f.hasTechnique("T1566") && !f.mentionsAny(phishRe) {
		return nil
	}
	var out []string
	for _, m := range f.byKind[socpilot.KindMailMessage] {
		out = append(out, ident(m))
	}
	return out
}

// attackerIPs are public addresses with evidence that the attacker used
// them, and that are not the organisation's.
func (f *facts) attackerIPs() []string {
	var out []string
	for _, e := range f.byKind[socpilot.KindIP] {
		if r := f.roles[e.Value()]; r.attacker && !r.own && !socpilot.InternalIP(e.Value()) {
			out = append(out, e.Value())
		}
	}
	for _, d := range f.decoded {
		for _, ip := range d.IPs {
			if r, ok := f.roles[ip]; !ok && !socpilot.InternalIP(ip) && !f.estate.OwnsIP(ip) || ok && r.attacker && !r.own {
				out = append(out, ip)
			}
		}
	}
	return dedupe(out)
}

// wellKnownRe: services whose domains are never blocked wholesale: a
// phishing page on them is reported to the provider instead.
var wellKnownRe = prefilter.MustCompile(`(?i)(^|\.)(microsoft|microsoftonline|office|office365|live|windows|azure|azureedge|sharepoint|onedrive|outlook|msft|google|googleapis|gstatic|apple|icloud|amazon|amazonaws|cloudfront|dropbox|dropboxapi|box|github|githubusercontent|docusign|adobe|salesforce|zoom|slack|okta)\.(com|net|org|io)$`)

// attackerURLs are URLs of the incident and of decoded command lines that
// are not the organisation's own sites nor well-known services.
func (f *facts) attackerURLs() []string {
	if !(f.hasTactic("TA0001") || f.hasTactic("TA0011") || f.hasTactic("TA0002") || f.hasTechnique("T1566", "T1105", "T1204")) {
		return nil
	}
	var out []string
	consider := func(u string) {
		h := urlHost(u)
		if h == "" || f.ownsDomain(h) || wellKnownRe.MatchString(h) {
			return
		}
		if r, ok := f.roles[h]; ok && r.own || socpilot.InternalIP(h) {
			return
		}
		out = append(out, u)
	}
	for _, e := range f.byKind[socpilot.KindURL] {
		consider(e.Value())
	}
	for _, d := range f.decoded {
		for _, u := range d.URLs {
			consider(u)
		}
	}
	return dedupe(out)
}

// attackerHashes are the incident's file hashes, except those of the
// operating system's and installed programs' own binaries (a hash of
// powershell.exe or EXCEL.EXE in the incident is the tool that was abused,
// and blocking it would stop the company, not the attacker).
func (f *facts) attackerHashes() []string {
	system := map[string]bool{}
	byID := map[string]socpilot.Entity{}
	for _, e := range f.d.Entities {
		byID[strings.ToLower(e.ID)] = e
	}
	for _, file := range f.byKind[socpilot.KindFile] {
		if !systemFile(file) {
			continue
		}
		if ids, ok := file.Properties["fileHashEntityIds"].([]any); ok {
			for _, id := range ids {
				if s, ok := id.(string); ok {
					if h, ok := byID[strings.ToLower(s)]; ok {
						system[strings.ToLower(h.Value())] = true
					}
				}
			}
		}
	}
	var out []string
	for _, e := range f.byKind[socpilot.KindFileHash] {
		if !system[strings.ToLower(e.Value())] {
			out = append(out, e.Value())
		}
	}
	return out
}

var systemDirRe = prefilter.MustCompile(`(?i)^[a-z]:\\(windows\\(system32|syswow64|winsxs)|program files( \(x86\))?\\(microsoft|windows|common files|google\\chrome|mozilla))`)

// systemFile: a binary of the operating system or of a mainstream program,
// by where it lives.
func systemFile(e socpilot.Entity) bool {
	return systemDirRe.MatchString(e.Prop("directory"))
}

// actionItems are the typed containment and remediation steps, one per
// target; none when the verdict is dismiss.
func (f *facts) actionItems() []socpilot.ChecklistItem {
	var out []socpilot.ChecklistItem
	for _, r := range actionRules {
		for _, t := range r.targets(f) {
			phase := phContain
			switch r.verb {
			case socpilot.ActionPurgeEmail:
				phase = phRemediate
			case socpilot.ActionCollectEvidence:
				phase = phInvestigate
			}
			out = append(out, socpilot.ChecklistItem{Phase: phase, Title: clip(fmt.Sprintf(r.title, oneLine(t)), 150), Description: r.desc,
				Entities: []string{t}, Action: &socpilot.Action{Verb: r.verb, Entity: t}})
		}
	}
	return out
}

// urgent: destruction, encryption, exfiltration or an attacker session is
// ongoing, so containment comes before investigation.
func (f *facts) urgent() bool {
	if f.hasTechnique("T1486", "T1485", "T1490") || f.hasTactic("TA0040") || f.hasTactic("TA0010") || f.hasTactic("TA0011") {
		return true
	}
	for _, c := range f.compromised {
		if c.kind == kSuccess || c.kind == kMFADenied || c.kind == kInboxRule || c.kind == kGrant {
			return true
		}
	}
	return len(f.compromised) > 0 && f.escalating
}
