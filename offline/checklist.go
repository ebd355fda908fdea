package offline

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/socpilot/socpilot"
)

// play is one playbook step: when it applies, and how it reads for the
// incident's concrete entities.
type play struct {
	phase string
	when  func(f *facts) bool
	// kinds are the entity kinds the step is about; the step is skipped
	// when the incident has none of them.
	kinds []string
	title func(ents []string) string
	desc  string
}

func has(kinds ...string) func(f *facts) bool {
	return func(f *facts) bool {
		for _, k := range kinds {
			if len(f.byKind[k]) > 0 {
				return true
			}
		}
		return false
	}
}

func tactic(ids ...string) func(f *facts) bool {
	return func(f *facts) bool {
		for _, id := range ids {
			if f.hasTactic(id) {
				return true
			}
		}
		return false
	}
}

func technique(ids ...string) func(f *facts) bool {
	return func(f *facts) bool { return f.hasTechnique(ids...) }
}

func and(fs ...func(*facts) bool) func(*facts) bool {
	return func(f *facts) bool {
		for _, fn := range fs {
			if !fn(f) {
				return false
			}
		}
		return true
	}
}

func or(fs ...func(*facts) bool) func(*facts) bool {
	return func(f *facts) bool {
		for _, fn := range fs {
			if fn(f) {
				return true
			}
		}
		return false
	}
}

func always(*facts) bool { return true }

func titled(format string) func([]string) string {
	return func(ents []string) string { return fmt.Sprintf(format, list(ents, 3)) }
}

const (
	phInvestigate = "investigate"
	phContain     = "contain"
	phRemediate   = "remediate"
	phRecover     = "recover"
)

var (
	credentialTheft = or(tactic("TA0006", "TA0001"), technique("T1078", "T1110", "T1528", "T1550", "T1621"))
	onHost          = or(tactic("TA0002", "TA0003", "TA0004", "TA0005", "TA0008", "TA0040", "TA0011"), technique("T1059", "T1486", "T1003"))
)

// playbook is ordered: investigation first, then containment, remediation, recovery.
var playbook = []play{
	// Investigate.
	{phInvestigate, credentialTheft, []string{socpilot.KindAccount},
		titled("Review sign-ins of %s in the incident window"),
		"Check successful sign-ins, their IP addresses, locations, devices and MFA results around the incident window; note any from addresses or countries the user never used."},
	{phInvestigate, has(socpilot.KindIP), []string{socpilot.KindIP},
		titled("Check reputation and ownership of %s"),
		"Look the addresses up in threat intelligence (Sentinel TI, the ISP/ASN, anonymiser and Tor lists) and find every other account or host that talked to them."},
	{phInvestigate, and(onHost, has(socpilot.KindHost)), []string{socpilot.KindHost},
		titled("Review process, network and logon activity on %s"),
		"Walk the device timeline around the alerts: parent/child processes, new services or scheduled tasks, outbound connections and interactive logons."},
	{phInvestigate, has(socpilot.KindProcess), []string{socpilot.KindProcess},
		titled("Decode and analyse the command line %s"),
		"Decode any encoded payload, identify what it downloads or runs, and find the same command line on other devices."},
	{phInvestigate, has(socpilot.KindFileHash), []string{socpilot.KindFileHash},
		titled("Look up file hash %s and find it on other devices"),
		"Check the hash in threat intelligence and search all endpoints for it; a hit elsewhere widens the scope."},
	{phInvestigate, has(socpilot.KindURL), []string{socpilot.KindURL},
		titled("Find everyone who received or clicked %s"),
		"Search mail and URL-click events for the link, and proxy or firewall logs for connections to its host."},
	{phInvestigate, has(socpilot.KindMailMessage), []string{socpilot.KindMailMessage},
		titled("Find every copy of the message %s"),
		"Use the network message id, sender and subject to list all recipients and what each did with the message."},
	{phInvestigate, and(technique("T1114", "T1564.008"), has(socpilot.KindMailbox)), []string{socpilot.KindMailbox},
		titled("List inbox rules and forwarding settings of %s"),
		"Check for rules that forward, redirect, delete or hide mail, and SMTP forwarding on the mailbox; note who created them and from where."},
	{phInvestigate, has(socpilot.KindAzureResource), []string{socpilot.KindAzureResource},
		titled("Review Azure activity on %s"),
		"List role assignments, deployments and key or secret reads on these resources in the incident window and who made them."},
	{phInvestigate, has(socpilot.KindCloudApplication), []string{socpilot.KindCloudApplication},
		titled("Review what %s can access and who consented"),
		"Check the application's publisher, requested permissions, consent grants and sign-ins."},
	{phInvestigate, has(socpilot.KindDNSResolution), []string{socpilot.KindDNSResolution},
		titled("Measure DNS traffic to %s"),
		"Count queries, unique subdomains and bytes per querying host; long random subdomains at high volume point to tunnelling."},
	{phInvestigate, has(socpilot.KindRegistryKey, socpilot.KindRegistryValue), []string{socpilot.KindRegistryKey, socpilot.KindRegistryValue},
		titled("Inspect registry persistence %s"),
		"Check what the key or value launches and when it was written, and look for it on other devices."},
	// Contain.
	{phContain, and(technique("T1486", "T1490", "T1485"), has(socpilot.KindHost)), []string{socpilot.KindHost},
		titled("Isolate %s from the network now"),
		"Ransomware spreads over file shares and remote services: isolate with Defender for Endpoint (keeps the agent connected) before anything else, and do not power the hosts off."},
	{phContain, and(onHost, has(socpilot.KindHost), func(f *facts) bool {
		return !f.hasTechnique("T1486", "T1490", "T1485") && f.hasTactic("TA0008") || f.hasTechnique("T1003")
	}), []string{socpilot.KindHost},
		titled("Isolate %s"),
		"Isolate the device while the investigation runs, so credentials or tooling on it cannot be used against other machines."},
	{phContain, and(credentialTheft, has(socpilot.KindAccount)), []string{socpilot.KindAccount},
		titled("Revoke sessions and reset credentials of %s"),
		"Revoke refresh tokens and sessions, reset the password, and require MFA re-registration if the attacker could have registered a method."},
	{phContain, func(f *facts) bool {
		return len(publicIPs(f)) > 0 && (f.hasTactic("TA0001") || f.hasTactic("TA0006") || f.hasTactic("TA0011") || f.hasTactic("TA0010"))
	}, []string{"public-ip"},
		titled("Block %s"),
		"Block the addresses at the perimeter firewall and in a Conditional Access named location; note the block's expiry."},
	{phContain, has(socpilot.KindFileHash), []string{socpilot.KindFileHash},
		titled("Block file hash %s"),
		"Add a Defender for Endpoint indicator (block and remediate) for the hash."},
	{phContain, and(has(socpilot.KindURL), or(tactic("TA0001", "TA0011"), technique("T1566", "T1105"))), []string{socpilot.KindURL},
		titled("Block %s"),
		"Add the URL or its domain to the Tenant Allow/Block List and the web proxy."},
	{phContain, has(socpilot.KindDNSResolution), []string{socpilot.KindDNSResolution},
		titled("Sinkhole or block %s"),
		"Block the domain on the DNS resolvers and the proxy so the channel closes."},
	// Remediate.
	{phRemediate, has(socpilot.KindMailMessage), []string{socpilot.KindMailMessage},
		titled("Remove the message %s from every mailbox"),
		"Soft-delete all copies with Threat Explorer or a purge search, and report it as phishing."},
	{phRemediate, and(technique("T1114", "T1564.008"), has(socpilot.KindMailbox)), []string{socpilot.KindMailbox},
		titled("Remove the malicious forwarding rule from %s"),
		"Delete the rule and any SMTP forwarding, and review what was forwarded while it was active."},
	{phRemediate, and(technique("T1098"), has(socpilot.KindAzureResource)), []string{socpilot.KindAzureResource},
		titled("Remove the unauthorised role assignment on %s"),
		"Delete the assignment, then review what the new role was used for."},
	{phRemediate, and(technique("T1528", "T1550.001"), has(socpilot.KindCloudApplication)), []string{socpilot.KindCloudApplication},
		titled("Revoke consent and disable %s"),
		"Remove the delegated and application permission grants and disable the service principal."},
	{phRemediate, has(socpilot.KindRegistryKey, socpilot.KindRegistryValue), []string{socpilot.KindRegistryKey, socpilot.KindRegistryValue},
		titled("Remove persistence %s"),
		"Delete the key or value after collecting it as evidence, and check the launched file is removed."},
	{phRemediate, and(onHost, has(socpilot.KindHost)), []string{socpilot.KindHost},
		titled("Run a full scan and remove attacker tooling from %s"),
		"Remove dropped files and scheduled tasks or services, then confirm nothing reappears after a reboot."},
	// Recover.
	{phRecover, and(technique("T1486", "T1490", "T1485"), has(socpilot.KindHost)), []string{socpilot.KindHost},
		titled("Restore %s from known-good backups"),
		"Confirm backups predate the intrusion and were not touched, rebuild rather than clean, and restore data only after the attacker's access is closed."},
	{phRecover, and(credentialTheft, has(socpilot.KindAccount)), []string{socpilot.KindAccount},
		titled("Confirm %s are back under their owners' control"),
		"Check MFA methods, mailbox rules, app consents and recent changes made with the accounts before closing."},
}

// publicIPs are the incident's addresses that are routable on the internet.
func publicIPs(f *facts) []string {
	var out []string
	for _, v := range f.values(socpilot.KindIP) {
		a, err := netip.ParseAddr(v)
		if err != nil || a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsUnspecified() {
			continue
		}
		out = append(out, v)
	}
	return out
}

func checklist(f *facts, t socpilot.Triage) []socpilot.ChecklistItem {
	var out []socpilot.ChecklistItem
	if t.Verdict == socpilot.VerdictDismiss {
		ents := append(f.values(socpilot.KindAccount), f.values(socpilot.KindHost)...)
		if len(ents) == 0 {
			ents = f.values(socpilot.KindIP)
		}
		out = append(out, socpilot.ChecklistItem{Phase: phInvestigate, Entities: ents,
			Title:       "Confirm with the owner that the activity of " + list(ents, 3) + " was sanctioned",
			Description: "Ask the asset or account owner (or find the change ticket) that explains the activity; if confirmed, close the incident as Benign Positive with the reference, and consider tuning the rule or an automation rule for this source."})
	}
	for _, p := range playbook {
		if !p.when(f) {
			continue
		}
		var ents []string
		for _, k := range p.kinds {
			if k == "public-ip" {
				ents = append(ents, publicIPs(f)...)
				continue
			}
			ents = append(ents, f.values(k)...)
		}
		if len(ents) == 0 {
			continue
		}
		out = append(out, socpilot.ChecklistItem{Phase: p.phase, Title: clip(p.title(ents), 150), Description: p.desc, Entities: ents})
	}
	if t.Verdict == socpilot.VerdictEscalate {
		ents := append(f.values(socpilot.KindHost), f.values(socpilot.KindAccount)...)
		out = append([]socpilot.ChecklistItem{{Phase: phContain, Entities: ents,
			Title:       "Escalate to tier 2 / incident response now",
			Description: fmt.Sprintf("Hand over with this report; scope so far: %s. Keep evidence: do not reimage before collection.", orNone(list(ents, 6)))}}, out...)
	}
	if len(out) > socpilot.MaxTasks {
		out = out[:socpilot.MaxTasks]
	}
	return out
}

func orNone(s string) string {
	if strings.TrimSpace(s) == "" {
		return "no entities recorded"
	}
	return s
}
