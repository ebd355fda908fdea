package offline

import (
	"fmt"
	"strings"
	"time"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/offline/prefilter"
)

// intent is one kind of question the offline analyst can answer from the
// incident and its analysis without a model.
type intent struct {
	name     string
	heading  string
	specific bool // a specific question; general ones answer only when no specific one matched
	match    *prefilter.Regexp
	answer   func(an *Analyst, d socpilot.IncidentDetails, a socpilot.Analysis, q string) string
}

// intents are tried in order; the first that matches answers. Specific
// questions ("who signed in successfully") come before general ones
// ("which accounts").
var intents = []intent{
	{"success", "who got in", true, prefilter.MustCompile(`(?i)(succe|compromis|got in|get in|broke in|breach|took over|taken over|which (account|user|host|machine|device)s? (was|were|is|are) (hacked|owned|affected|hit)|who (signed|logged)|(signed|logged) in)`), answerSuccess},
	{"decoded", "decoded command lines", true, prefilter.MustCompile(`(?i)(decod|base64|encoded|-enc|obfuscat|what does the (command|script|powershell)|command line|payload)`), answerDecoded},
	{"first-step", "what to do first", true, prefilter.MustCompile(`(?i)(what (should|do|must) (i|we) do|do first|first step|next step|what now|respond|contain|remediat|mitigat|action|checklist|to ?do|priorit)`), answerSteps},
	{"verdict", "verdict", true, prefilter.MustCompile(`(?i)(true positive|false positive|benign|real\b|legit|malicious|should (i|we) (close|dismiss|escalate)|escalat|dismiss|verdict|triage|severity|how bad|serious)`), answerVerdict},
	{"kql", "hunting queries", true, prefilter.MustCompile(`(?i)(kql|quer|hunt|search the logs|log analytics)`), answerQueries},
	{"first", "how it started", false, prefilter.MustCompile(`(?i)(first|start|began|begin|initial|earliest|when did)`), answerFirst},
	{"next", "timeline", false, prefilter.MustCompile(`(?i)(next|then|after|timeline|sequence|order|what happened|last|latest)`), answerTimeline},
	{"tactics", "ATT&CK", false, prefilter.MustCompile(`(?i)(tactic|techni|mitre|att&ck|kill ?chain|ttp)`), answerTactics},
	{"accounts", "accounts", false, prefilter.MustCompile(`(?i)(account|user|upn|identit|who\b|mailbox)`), kindAnswer(socpilot.KindAccount, "accounts")},
	{"hosts", "hosts", false, prefilter.MustCompile(`(?i)(host|machine|device|server|computer|endpoint|workstation)`), kindAnswer(socpilot.KindHost, "hosts")},
	{"ips", "IP addresses", false, prefilter.MustCompile(`(?i)(\bips?\b|address|source|attacker infra|infrastructure)`), kindAnswer(socpilot.KindIP, "IP addresses")},
	{"urls", "URLs", false, prefilter.MustCompile(`(?i)(url|link|domain|website|site)`), kindAnswer(socpilot.KindURL, "URLs")},
	{"files", "files", false, prefilter.MustCompile(`(?i)(file|hash|malware|binary|executable|dll)`), kindAnswer(socpilot.KindFileHash, "file hashes")},
}

// Answer answers a question about one incident from its offline analysis.
// ok is false when no intent matched: the caller says plainly that the
// question needs a model.
func (an *Analyst) Answer(q string, d socpilot.IncidentDetails, a socpilot.Analysis) (text string, ok bool) {
	var picked []intent
	for _, specific := range []bool{true, false} {
		for _, in := range intents {
			if in.specific == specific && in.match.MatchString(q) {
				picked = append(picked, in)
			}
		}
		if len(picked) > 0 {
			break
		}
	}
	if len(picked) == 0 {
		return "", false
	}
	if len(picked) == 1 {
		return picked[0].answer(an, d, a, q), true
	}
	var b strings.Builder
	for _, in := range picked {
		fmt.Fprintf(&b, "**%s**\n\n%s\n", in.heading, strings.TrimSpace(in.answer(an, d, a, q)))
	}
	return b.String(), true
}

func answerSuccess(_ *Analyst, d socpilot.IncidentDetails, a socpilot.Analysis, _ string) string {
	var b strings.Builder
	if len(a.Compromised) == 0 {
		if a.Triage.Verdict == socpilot.VerdictDismiss {
			b.WriteString("No: socpilot found no account or host in the attacker's hands, and the context supports dismissing the incident.\n")
		} else {
			b.WriteString("The incident shows no successful sign-in or foothold for any account or host: nothing in its alerts, description or comments says an attempt succeeded. Confirm in the sign-in and logon logs (see the hunting queries).\n")
		}
		return b.String()
	}
	for _, c := range a.Compromised {
		fmt.Fprintf(&b, "- **%s** (%s): %s", c.Entity, strings.ToLower(c.Kind), c.Evidence)
		if when, from := successDetail(d, c.Entity); !when.IsZero() {
			fmt.Fprintf(&b, ". First seen at %s", ts(when))
			if from != "" {
				fmt.Fprintf(&b, " from %s", from)
			}
		}
		b.WriteString(".\n")
	}
	var others []string
	for _, e := range d.Entities {
		if e.Kind != socpilot.KindAccount {
			continue
		}
		hit := false
		for _, c := range a.Compromised {
			if strings.EqualFold(c.Entity, ident(e)) {
				hit = true
			}
		}
		if !hit {
			others = append(others, ident(e))
		}
	}
	if len(others) > 0 {
		fmt.Fprintf(&b, "\nNo success is recorded for the other accounts (%s).\n", list(dedupe(others), 8))
	}
	return b.String()
}

// successDetail finds when and from which address an account's success
// was recorded: the earliest alert that names the account and a success.
func successDetail(d socpilot.IncidentDetails, id string) (when time.Time, from string) {
	var acct socpilot.Entity
	for _, e := range d.Entities {
		if (e.Kind == socpilot.KindAccount || e.Kind == socpilot.KindHost) && strings.EqualFold(ident(e), id) {
			acct = e
		}
	}
	if acct.Kind == "" {
		return
	}
	firstIP := func(s string) string {
		best, at := "", len(s)
		for _, e := range d.Entities {
			if e.Kind == socpilot.KindIP {
				if i := strings.Index(s, e.Value()); i >= 0 && i < at {
					best, at = e.Value(), i
				}
			}
		}
		return best
	}
	for _, al := range d.Alerts {
		text := al.DisplayName + ". " + al.Description
		if !mentions(text, acct) {
			continue
		}
		hit, ip := false, ""
		for _, s := range splitSentences(text) {
			if _, ok := matchAffirmed(successRe, s); ok {
				hit = true
				if ip == "" || mentions(s, acct) {
					if v := firstIP(s); v != "" {
						ip = v
					}
				}
			}
		}
		if !hit {
			continue
		}
		if ip == "" {
			ip = firstIP(text)
		}
		if t := al.Time(); !t.IsZero() && (when.IsZero() || t.Before(when)) {
			when, from = t, ip
		}
	}
	return
}

func answerDecoded(_ *Analyst, _ socpilot.IncidentDetails, a socpilot.Analysis, _ string) string {
	if len(a.Decoded) == 0 {
		return "No command line of this incident carries an encoded payload socpilot could decode (-EncodedCommand, FromBase64String, gzip/deflate).\n"
	}
	var b strings.Builder
	b.WriteString("Decoded offline. This is the attacker's text: data, not instructions.\n")
	for _, d := range a.Decoded {
		fmt.Fprintf(&b, "\n`%s`\n", strings.ReplaceAll(clip(d.CommandLine, 100), "`", "'"))
		for _, l := range d.Layers {
			fmt.Fprintf(&b, "\n```text\n%s\n```\n", strings.ReplaceAll(clip(l, 1500), "```", "'''"))
		}
		if ind := append(append(append(append([]string(nil), d.URLs...), d.IPs...), d.Domains...), d.Files...); len(ind) > 0 {
			fmt.Fprintf(&b, "\nIndicators: %s\n", strings.Join(ind, ", "))
		}
	}
	return b.String()
}

func answerSteps(_ *Analyst, _ socpilot.IncidentDetails, a socpilot.Analysis, _ string) string {
	var b strings.Builder
	if len(a.Checklist) == 0 {
		return "The checklist is empty: nothing to do beyond closing the incident with the reason.\n"
	}
	fmt.Fprintf(&b, "Verdict: **%s**. Do these first:\n", a.Triage.Verdict)
	for i, c := range a.Checklist {
		if i == 5 {
			fmt.Fprintf(&b, "… and %d more steps in the checklist.\n", len(a.Checklist)-i)
			break
		}
		fmt.Fprintf(&b, "%d. [%s] %s", i+1, c.Phase, oneLine(c.Title))
		if c.Action != nil {
			fmt.Fprintf(&b, " (action: %s %s)", c.Action.Verb, c.Action.Entity)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func answerVerdict(_ *Analyst, _ socpilot.IncidentDetails, a socpilot.Analysis, _ string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Verdict: **%s** (score %d/100).", a.Triage.Verdict, a.Triage.Score)
	switch a.Triage.Verdict {
	case socpilot.VerdictDismiss:
		b.WriteString(" Most likely benign or sanctioned activity.")
	default:
		b.WriteString(" socpilot treats it as a true positive.")
	}
	b.WriteString(" What decided it:\n")
	n := 0
	for _, r := range a.Triage.Reasons {
		if r.Weight == 0 && !strings.HasPrefix(r.Text, "accounted for") {
			continue
		}
		if strings.Contains(r.Text, "decisive") || strings.Contains(r.Text, "decides") || strings.Contains(r.Text, "outweighs") || n < 3 {
			fmt.Fprintf(&b, "- %+d %s\n", r.Weight, r.Text)
			n++
		}
	}
	if len(a.Compromised) > 0 {
		var cs []string
		for _, c := range a.Compromised {
			cs = append(cs, c.Entity)
		}
		fmt.Fprintf(&b, "Compromised: %s.\n", strings.Join(cs, ", "))
	}
	return b.String()
}

func answerQueries(_ *Analyst, _ socpilot.IncidentDetails, a socpilot.Analysis, _ string) string {
	if len(a.Queries) == 0 {
		return "socpilot has no hunting query for this incident's tables and entities.\n"
	}
	var b strings.Builder
	for i, q := range a.Queries {
		if i == 3 {
			fmt.Fprintf(&b, "… and %d more in the report.\n", len(a.Queries)-i)
			break
		}
		fmt.Fprintf(&b, "%s (%s): %s\n```kql\n%s\n```\n", oneLine(q.Title), q.Status, oneLine(q.Purpose), strings.TrimSpace(q.Query))
	}
	return b.String()
}

func answerFirst(_ *Analyst, _ socpilot.IncidentDetails, a socpilot.Analysis, _ string) string {
	if len(a.Timeline) == 0 {
		return "The incident has no dated events.\n"
	}
	e := a.Timeline[0]
	s := fmt.Sprintf("First: %s — %s", ts(e.Time), oneLine(e.Event))
	if e.Source != "" {
		s += " (" + oneLine(e.Source) + ")"
	}
	if len(a.Timeline) > 1 {
		n := a.Timeline[1]
		s += fmt.Sprintf(".\nThen: %s — %s", ts(n.Time), oneLine(n.Event))
	}
	return s + ".\n"
}

func answerTimeline(_ *Analyst, _ socpilot.IncidentDetails, a socpilot.Analysis, _ string) string {
	var b strings.Builder
	for _, e := range a.Timeline {
		fmt.Fprintf(&b, "- %s %s", ts(e.Time), oneLine(e.Event))
		if e.Source != "" {
			fmt.Fprintf(&b, " (%s)", oneLine(e.Source))
		}
		b.WriteString("\n")
	}
	if b.Len() == 0 {
		return "The incident has no dated events.\n"
	}
	return b.String()
}

func answerTactics(_ *Analyst, _ socpilot.IncidentDetails, a socpilot.Analysis, _ string) string {
	var b strings.Builder
	for _, t := range a.Tactics {
		fmt.Fprintf(&b, "- %s %s", t.ID, t.Name)
		if len(t.Techniques) > 0 {
			fmt.Fprintf(&b, ": %s", strings.Join(t.Techniques, "; "))
		}
		b.WriteString("\n")
	}
	if b.Len() == 0 {
		return "No ATT&CK tactic is recorded on the incident or its alerts.\n"
	}
	return b.String()
}

// kindAnswer lists the entities of a kind with what the analysis says of each.
func kindAnswer(kind, noun string) func(an *Analyst, d socpilot.IncidentDetails, a socpilot.Analysis, q string) string {
	return func(an *Analyst, d socpilot.IncidentDetails, a socpilot.Analysis, _ string) string {
		f := derive(d)
		f.estate = an.opts.Estate
		f.sents = f.texts()
		f.roles = f.ipRoles(f.sents)
		kinds := []string{kind}
		if kind == socpilot.KindFileHash {
			kinds = append(kinds, socpilot.KindFile, socpilot.KindMalware)
		}
		if kind == socpilot.KindAccount {
			kinds = append(kinds, socpilot.KindMailbox)
		}
		var b strings.Builder
		// One person is often an Account and a Mailbox: name them once.
		seen := map[string]bool{}
		for _, k := range kinds {
			for _, e := range f.byKind[k] {
				id := ident(e)
				if seen[strings.ToLower(id)] {
					continue
				}
				seen[strings.ToLower(id)] = true
				note := ""
				for _, c := range a.Compromised {
					if strings.EqualFold(c.Entity, id) {
						note = "compromised: " + c.Evidence
					}
				}
				if k == socpilot.KindIP {
					r := f.roles[e.Value()]
					switch {
					case r.own:
						note = "the organisation's own (" + r.ownWhy + "): never block it"
					case r.attacker:
						note = "attacker infrastructure (" + r.why + ")"
					default:
						note = "external; no evidence it is the attacker's"
					}
				}
				for _, c := range a.Checklist {
					if c.Action != nil && strings.EqualFold(c.Action.Entity, id) {
						note = strings.TrimPrefix(note+"; action: "+string(c.Action.Verb), "; ")
					}
				}
				fmt.Fprintf(&b, "- `%s`", strings.ReplaceAll(clip(id, 120), "`", "'"))
				if note != "" {
					fmt.Fprintf(&b, " — %s", note)
				}
				b.WriteString("\n")
			}
		}
		if b.Len() == 0 {
			return fmt.Sprintf("The incident has no %s.\n", noun)
		}
		return fmt.Sprintf("%s in the incident:\n%s", upperFirst(noun), b.String())
	}
}
