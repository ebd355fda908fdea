package offline

import (
	"fmt"
	"slices"
	"strings"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/attack"
	"github.com/socpilot/socpilot/offline/prefilter"
)

// kindWords name entity kinds in prose.
var kindWords = []struct{ kind, one, many string }{
	{socpilot.KindAccount, "account", "accounts"},
	{socpilot.KindHost, "host", "hosts"},
	{socpilot.KindIP, "IP address", "IP addresses"},
	{socpilot.KindURL, "URL", "URLs"},
	{socpilot.KindMailbox, "mailbox", "mailboxes"},
	{socpilot.KindMailMessage, "mail message", "mail messages"},
	{socpilot.KindProcess, "process", "processes"},
	{socpilot.KindFile, "file", "files"},
	{socpilot.KindFileHash, "file hash", "file hashes"},
	{socpilot.KindCloudApplication, "cloud application", "cloud applications"},
	{socpilot.KindAzureResource, "Azure resource", "Azure resources"},
	{socpilot.KindDNSResolution, "DNS name", "DNS names"},
	{socpilot.KindRegistryKey, "registry key", "registry keys"},
	{socpilot.KindRegistryValue, "registry value", "registry values"},
	{socpilot.KindMalware, "malware family", "malware families"},
	{socpilot.KindSecurityGroup, "security group", "security groups"},
	{socpilot.KindMailCluster, "mail cluster", "mail clusters"},
}

func summary(f *facts) string {
	inc := f.d.Incident
	var b strings.Builder
	fmt.Fprintf(&b, "Incident %d, %q (%s, %s), ", inc.Number, oneLine(inc.Title), orUnknown(inc.Severity), orUnknown(inc.Status))
	switch len(f.alerts) {
	case 0:
		b.WriteString("has no alerts attached")
	default:
		fmt.Fprintf(&b, "groups %s", plural(len(f.alerts), "alert", "alerts"))
		if len(f.products) > 0 {
			fmt.Fprintf(&b, " from %s", list(f.products, 3))
		}
		if !f.start.IsZero() {
			if f.end.Sub(f.start) < 60e9 {
				fmt.Fprintf(&b, " at %s", ts(f.start))
			} else {
				fmt.Fprintf(&b, " between %s and %s", ts(f.start), ts(f.end))
			}
		}
	}
	b.WriteString(".")
	if len(f.alerts) > 0 {
		var names []string
		seen := map[string]bool{}
		for _, a := range f.alerts {
			if n := oneLine(a.DisplayName); !seen[n] {
				seen[n] = true
				names = append(names, fmt.Sprintf("%q", n))
			}
		}
		fmt.Fprintf(&b, " The detections: %s.", list(names, 5))
	}
	var parts []string
	for _, k := range kindWords {
		vals := f.values(k.kind)
		if len(vals) == 0 || k.kind == socpilot.KindProcess || k.kind == socpilot.KindFile && len(vals) > 3 {
			if k.kind == socpilot.KindFile && len(vals) > 3 {
				parts = append(parts, plural(len(vals), k.one, k.many))
			}
			continue
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", plural(len(vals), k.one, k.many), list(vals, 3)))
	}
	if len(parts) > 0 {
		fmt.Fprintf(&b, " It involves %s.", list(parts, 6))
	}
	if cl := telling(f.values(socpilot.KindProcess)); cl != "" {
		fmt.Fprintf(&b, " Command line: %s.", clip(cl, 200))
	}
	if len(f.tactics) > 0 {
		var tn []string
		for _, t := range f.tactics {
			tn = append(tn, t.Name)
		}
		fmt.Fprintf(&b, " ATT&CK: %s", strings.Join(tn, " → "))
		if len(f.techniques) > 0 {
			var te []string
			for _, t := range f.techniques {
				te = append(te, t.ID+" "+t.Name)
			}
			fmt.Fprintf(&b, " (%s)", list(te, 4))
		}
		b.WriteString(".")
	}
	return b.String()
}

// consequence says, per tactic, what it means for the organisation.
var consequence = map[string]string{
	"TA0040": "systems or data are being made unavailable, which stops the business until restored",
	"TA0010": "data may already have left the organisation, with legal and notification duties",
	"TA0008": "the attacker is moving between machines, so the scope is growing",
	"TA0006": "stolen credentials let the attacker return as a legitimate user",
	"TA0004": "the attacker is gaining higher privileges than the foothold had",
	"TA0011": "a compromised machine is talking to attacker infrastructure",
	"TA0003": "the attacker has arranged to survive reboots and password resets",
	"TA0005": "security controls are being bypassed, so other alerts may be missing",
	"TA0009": "data of interest is being gathered, usually ahead of theft",
	"TA0002": "attacker-controlled code is running in the environment",
	"TA0001": "someone may have an initial foothold in the environment",
	"TA0007": "the environment is being mapped, usually a prelude to an attack",
	"TA0043": "the organisation is being probed from outside",
	"TA0042": "attacker infrastructure is being prepared",
}

func whyItMatters(f *facts, t socpilot.Triage) string {
	var cons []string
	// Most consequential first: the tactics the score weighs most.
	order := append([]attack.Tactic{}, f.tactics...)
	for i := 0; i < len(order); i++ {
		for j := i + 1; j < len(order); j++ {
			if tacticPoints[order[j].ID] > tacticPoints[order[i].ID] {
				order[i], order[j] = order[j], order[i]
			}
		}
	}
	for _, tc := range order {
		if c := consequence[tc.ID]; c != "" {
			cons = append(cons, c)
		}
		if len(cons) == 2 {
			break
		}
	}
	var b strings.Builder
	if len(cons) > 0 {
		b.WriteString(upperFirst(strings.Join(cons, "; and ")) + ".")
	} else {
		b.WriteString("No ATT&CK tactic is assigned, so the impact rests on the alerts themselves.")
	}
	var scope []string
	for _, k := range []struct{ kind, one, many string }{{socpilot.KindAccount, "account", "accounts"}, {socpilot.KindHost, "host", "hosts"}, {socpilot.KindAzureResource, "Azure resource", "Azure resources"}, {socpilot.KindMailbox, "mailbox", "mailboxes"}} {
		if n := len(f.values(k.kind)); n > 0 {
			scope = append(scope, plural(n, k.one, k.many))
		}
	}
	if len(scope) > 0 {
		fmt.Fprintf(&b, " In scope: %s.", strings.Join(scope, ", "))
	}
	switch t.Verdict {
	case socpilot.VerdictEscalate:
		b.WriteString(" The evidence points to an active, multi-stage compromise: treat it as a priority for tier 2.")
	case socpilot.VerdictDismiss:
		b.WriteString(" The evidence points to sanctioned or low-impact activity: confirm that, then close it to keep the queue clean.")
	default:
		b.WriteString(" It looks real but contained: tier 1 can remediate it with the checklist below.")
	}
	return b.String()
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func timeline(f *facts) []socpilot.TimelineEntry {
	var out []socpilot.TimelineEntry
	inc := f.d.Incident
	for _, a := range f.alerts {
		e := socpilot.TimelineEntry{Time: a.Time().UTC(), Event: "alert: " + oneLine(a.DisplayName), Source: oneLine(a.ProductName), Severity: a.Severity}
		if len(a.Techniques) > 0 {
			e.Event += " [" + strings.Join(a.Techniques, ", ") + "]"
		}
		out = append(out, e)
	}
	if !inc.CreatedTime.IsZero() {
		out = append(out, socpilot.TimelineEntry{Time: inc.CreatedTime.UTC(), Event: fmt.Sprintf("incident %d created", inc.Number), Source: orUnknown(inc.ProviderName)})
	}
	for _, c := range f.d.Comments {
		if !c.CreatedTime.IsZero() {
			out = append(out, socpilot.TimelineEntry{Time: c.CreatedTime.UTC(), Event: "analyst comment by " + orUnknown(c.Author), Source: "Microsoft Sentinel"})
		}
	}
	// Stable order: by time, then alerts before bookkeeping.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Time.Before(out[j-1].Time); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func tacticNotes(f *facts) []socpilot.TacticNote {
	var out []socpilot.TacticNote
	placed := map[string]bool{}
	for _, t := range f.tactics {
		n := socpilot.TacticNote{ID: t.ID, Name: t.Name, Explanation: t.Description}
		for _, te := range f.techniques {
			for _, tid := range te.Tactics {
				if tid == t.ID {
					n.Techniques = append(n.Techniques, te.ID+" "+te.Name)
					placed[te.ID] = true
				}
			}
		}
		seen := map[string]bool{}
		for _, a := range f.alerts {
			for _, at := range a.Tactics {
				if tt, ok := attack.LookupTactic(at); ok && tt.ID == t.ID && !seen[a.DisplayName] {
					seen[a.DisplayName] = true
					n.Evidence = append(n.Evidence, oneLine(a.DisplayName))
				}
			}
		}
		out = append(out, n)
	}
	// Techniques whose tactics the incident does not list go under their first tactic.
	for _, te := range f.techniques {
		if placed[te.ID] || len(te.Tactics) == 0 {
			continue
		}
		t, ok := attack.TacticByID(te.Tactics[0])
		if !ok {
			continue
		}
		i := slices.IndexFunc(out, func(n socpilot.TacticNote) bool { return n.ID == t.ID })
		if i < 0 {
			out = append(out, socpilot.TacticNote{ID: t.ID, Name: t.Name, Explanation: t.Description})
			i = len(out) - 1
		}
		out[i].Techniques = append(out[i].Techniques, te.ID+" "+te.Name)
	}
	return out
}

func clip(s string, n int) string {
	s = oneLine(s)
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// suspiciousCommand marks command lines that usually carry the attack:
// interpreters, encoded payloads, downloads, LOLBins, recovery tampering.
var suspiciousCommand = prefilter.MustCompile(`(?i)powershell|pwsh|-enc|frombase64|http[s]?://|cmd(\.exe)? /c|rundll32|regsvr32|mshta|certutil|bitsadmin|wmic|vssadmin|bcdedit|schtasks|psexec|mimikatz|sekurlsa|procdump|comsvcs`)

// telling picks the command line that says most about the attack: the
// most suspicious, then the longest.
func telling(cmds []string) string {
	best, bestScore := "", -1
	for _, c := range cmds {
		score := len(suspiciousCommand.FindAllString(c, -1))*1000 + min(len(c), 999)
		if score > bestScore {
			best, bestScore = c, score
		}
	}
	return best
}
