package offline

import (
	"fmt"
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
	{phInvestigate, credentialTheft, []string{"compromised-account"},
		titled("Review sign-ins and changes made by %s in the incident window"),
		"Check successful sign-ins, their IP addresses, locations, devices and MFA results around the incident window; note any from addresses or countries the user never used."},
	{phInvestigate, has(socpilot.KindIP), []string{"external-ip"},
		titled("Check reputation and ownership of %s"),
		"Look the addresses up in threat intelligence (Sentinel TI, the ISP/ASN, anonymiser and Tor lists) and find every other account or host that talked to them."},
	{phInvestigate, and(onHost, has(socpilot.KindHost)), []string{socpilot.KindHost},
		titled("Review process, network and logon activity on %s"),
		"Walk the device timeline around the alerts: parent/child processes, new services or scheduled tasks, outbound connections and interactive logons."},
	{phInvestigate, has(socpilot.KindProcess), []string{"decoded-command"},
		titled("Review the decoded command line %s"),
		"socpilot decoded the payload offline (shown in the report as untrusted data): confirm what it downloads or runs, and find the same command line and indicators on other devices."},
	{phInvestigate, has(socpilot.KindAccount), []string{"uncompromised-account"},
		titled("Confirm that %s did not sign in successfully"),
		"These accounts were targeted but the incident shows no successful use: confirm in the sign-in logs, and reset only those that succeeded."},
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
	// Remediate.
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
	{phRecover, and(credentialTheft, has(socpilot.KindAccount)), []string{"compromised-account"},
		titled("Return %s to the owner(s) only after checking MFA methods, rules and consents"),
		"Check MFA methods, mailbox rules, app consents and recent changes made with the accounts before closing."},
}

// externalIPs are the incident's addresses that are neither internal nor
// the organisation's: the only ones worth a reputation lookup.
func externalIPs(f *facts) []string {
	var out []string
	for _, v := range f.values(socpilot.KindIP) {
		if r := f.roles[v]; !r.own && !socpilot.InternalIP(v) {
			out = append(out, v)
		}
	}
	return out
}

// pseudoKinds resolve playbook targets that are not one entity kind.
func (f *facts) pseudoKind(k string) ([]string, bool) {
	switch k {
	case "external-ip":
		return externalIPs(f), true
	case "compromised-account":
		if ids := f.compromisedOf(socpilot.KindAccount, nil); len(ids) > 0 {
			return ids, true
		}
		return f.values(socpilot.KindAccount), true
	case "uncompromised-account":
		if len(f.compromisedOf(socpilot.KindAccount, nil)) == 0 || !f.hasTechnique("T1110", "T1621") {
			return nil, true
		}
		var out []string
		for _, e := range f.byKind[socpilot.KindAccount] {
			if !f.isCompromised(e) {
				out = append(out, ident(e))
			}
		}
		return out, true
	case "decoded-command":
		var out []string
		for _, d := range f.decoded {
			out = append(out, clip(d.CommandLine, 60))
		}
		return out, true
	}
	return nil, false
}

func checklist(f *facts, t socpilot.Triage) []socpilot.ChecklistItem {
	dismiss := t.Verdict == socpilot.VerdictDismiss
	var head, investigate, contain, remediate, recover []socpilot.ChecklistItem
	if dismiss {
		ents := append(f.values(socpilot.KindAccount), f.values(socpilot.KindHost)...)
		if len(ents) == 0 {
			ents = f.values(socpilot.KindIP)
		}
		head = append(head, socpilot.ChecklistItem{Phase: phInvestigate, Entities: ents,
			Title:       "Confirm with the owner that the activity of " + list(ents, 3) + " was sanctioned",
			Description: "Ask the asset or account owner (or find the change ticket) that explains the activity; if confirmed, close the incident as Benign Positive with the reference, and consider tuning the rule or an automation rule for this source."})
	}
	for _, p := range playbook {
		if !p.when(f) {
			continue
		}
		if dismiss && p.phase != phInvestigate {
			continue
		}
		var ents []string
		for _, k := range p.kinds {
			if vs, ok := f.pseudoKind(k); ok {
				ents = append(ents, vs...)
				continue
			}
			ents = append(ents, f.values(k)...)
		}
		if len(ents) == 0 {
			continue
		}
		item := socpilot.ChecklistItem{Phase: p.phase, Title: clip(p.title(ents), 150), Description: p.desc, Entities: ents}
		switch p.phase {
		case phInvestigate:
			investigate = append(investigate, item)
		case phRemediate:
			remediate = append(remediate, item)
		default:
			recover = append(recover, item)
		}
	}
	if !dismiss {
		for _, it := range f.actionItems() {
			switch it.Phase {
			case phRemediate:
				remediate = append(remediate, it)
			case phInvestigate:
				contain = append(contain, it) // evidence is collected with containment, before cleanup
			default:
				contain = append(contain, it)
			}
		}
	}
	if t.Verdict == socpilot.VerdictEscalate {
		ents := append(f.values(socpilot.KindHost), f.values(socpilot.KindAccount)...)
		head = append(head, socpilot.ChecklistItem{Phase: phContain, Entities: ents,
			Title:       "Escalate to tier 2 / incident response now",
			Description: fmt.Sprintf("Hand over with this report; scope so far: %s. Keep evidence: do not reimage before collection.", orNone(list(ents, 6)))})
	}
	out := head
	if f.urgent() {
		out = append(append(append(append(out, contain...), investigate...), remediate...), recover...)
	} else {
		out = append(append(append(append(out, investigate...), contain...), remediate...), recover...)
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
