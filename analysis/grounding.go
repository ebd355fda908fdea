package analysis

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/offline/prefilter"
)

// grounding checks what a model wrote against the incidents it was given:
// every entity it names must be one they have.
type grounding struct {
	known map[string]bool // lowercased values of the incidents' entities
	// tokenized are the texts addTokens has read: the same property text
	// comes by several ways (entities, then every untrusted field).
	tokenized map[string]bool
}

func newGrounding(ds ...socpilot.IncidentDetails) *grounding {
	g := &grounding{known: map[string]bool{}}
	for _, d := range ds {
		g.learn(d)
	}
	return g
}

func (g *grounding) add(s string) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s != "" {
		g.known[s] = true
	}
}

// addTokens learns what reads as an entity in free text.
func (g *grounding) addTokens(s string) {
	if g.tokenized[s] {
		return
	}
	if g.tokenized == nil {
		g.tokenized = map[string]bool{}
	}
	g.tokenized[s] = true
	for _, tok := range entityToken.FindAllString(s, -1) {
		g.add(tok)
	}
}

// learn adds an incident's entity values and every entity-like token of
// its text: what the incident says exists (a gateway named in a comment, an
// address in an alert's description) a model may name.
func (g *grounding) learn(d socpilot.IncidentDetails) {
	for _, e := range d.Entities {
		g.add(e.Value())
		walkStrings(e.Properties, func(s string) {
			g.add(s)
			// Sentinel joins names: accountName@upnSuffix, hostName.dnsDomain.
			g.addTokens(s)
		})
		if n, s := e.Prop("accountName"), e.Prop("upnSuffix"); n != "" && s != "" {
			g.add(n + "@" + s)
		}
		if h, dom := e.Prop("hostName"), e.Prop("dnsDomain"); h != "" && dom != "" {
			g.add(h + "." + dom)
		}
	}
	for _, a := range d.Alerts {
		g.add(a.DisplayName)
		walkStrings(anyMap(a.AdditionalData), g.addTokens)
	}
	for _, f := range untrustedFields(d) {
		g.addTokens(f.text)
	}
	g.addTokens(d.Incident.ClassificationComment)
	for _, c := range d.Comments {
		g.addTokens(c.Text())
	}
}

// learnFacts adds what socpilot itself derived from the incident: the
// entities of the offline checklist and of its actions (indicators decoded
// from an encoded command, say).
func (g *grounding) learnFacts(a socpilot.Analysis) {
	for _, c := range a.Checklist {
		for _, e := range c.Entities {
			g.add(e)
		}
		if c.Action != nil {
			g.add(c.Action.Entity)
		}
	}
	for _, c := range a.Compromised {
		g.add(c.Entity)
	}
	for _, t := range a.Timeline {
		for _, e := range t.Entities {
			g.add(e)
		}
	}
}

func anyMap(m map[string]any) any {
	if m == nil {
		return nil
	}
	return m
}

// entityToken finds what reads as an entity in free text: e-mail addresses
// and UPNs, IPv4/IPv6 addresses, URLs, fully qualified host names, and
// hyphenated upper-case machine names with a digit (WS-FIN-023).
var entityToken = prefilter.MustCompile(`(?i:[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,})` +
	`|(?i:https?://[^\s"'<>()\]]+)` +
	`|\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b` +
	`|(?i:\b[0-9a-f]{1,4}(?::[0-9a-f]{0,4}){2,7}\b)` +
	`|(?i:\b[a-z][a-z0-9-]{0,62}(?:\.[a-z0-9-]{1,63})+\.[a-z]{2,24}\b)` +
	`|\b[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+\b`)

// fileExt are suffixes that make a dotted token a file name, not a host.
var fileExt = map[string]bool{"exe": true, "dll": true, "ps1": true, "bat": true, "cmd": true, "vbs": true, "js": true, "txt": true,
	"log": true, "zip": true, "docx": true, "doc": true, "xlsx": true, "xlsm": true, "pdf": true, "lnk": true, "sys": true, "msi": true,
	"iso": true, "hta": true, "jar": true, "py": true, "sh": true, "json": true, "xml": true, "csv": true, "tmp": true, "dat": true, "locked": true,
	"encrypted": true, "aspx": true, "php": true, "jsp": true, "html": true, "htm": true, "png": true, "jpg": true, "gif": true, "scr": true}

// suspicious reports whether tok is an entity-like token the incident lacks.
func (g *grounding) suspicious(tok string) bool {
	low := strings.ToLower(strings.TrimRight(tok, ".,;:"))
	if g.known[low] {
		return false
	}
	for k := range g.known {
		// A host name without its domain, a URL the incident has a longer form of.
		if strings.HasPrefix(k, low+".") || strings.HasPrefix(k, low+"/") || strings.HasPrefix(low, k) && len(k) > 8 {
			return false
		}
	}
	if i := strings.LastIndexByte(low, '.'); i >= 0 && !strings.Contains(low, "@") && !strings.Contains(low, "://") {
		if fileExt[low[i+1:]] {
			return false
		}
	}
	if strings.Count(low, ":") >= 2 {
		// Only a real IPv6 address counts: "10:30:00" is a time.
		if _, err := netip.ParseAddr(low); err != nil {
			return false
		}
	}
	if isTechniqueLike(tok) {
		return false
	}
	return true
}

var techniqueLike = prefilter.MustCompile(`^(T\d{4}(\.\d{3})?|TA\d{4}|CVE-\d{4}-\d+|MS\d{2}-\d{3}|KB\d+|SHA-?256|MD5|AES-\d+|RFC-?\d+|UTF-\d+|ISO-\d+)$`)

func isTechniqueLike(tok string) bool { return techniqueLike.MatchString(strings.ToUpper(tok)) }

// text removes entity-like tokens the incident does not have, reporting each.
func (g *grounding) text(s, where string, findings []socpilot.Finding) (string, []socpilot.Finding) {
	out := entityToken.ReplaceAllStringFunc(s, func(tok string) string {
		if !g.suspicious(tok) {
			return tok
		}
		findings = append(findings, socpilot.Finding{Kind: socpilot.FindingRemovedEntity,
			Text: fmt.Sprintf("the model named %q in the %s, but the incident has no such entity; removed", tok, where)})
		return "[removed: not in incident]"
	})
	return out, findings
}

var phases = map[string]string{"investigate": "investigate", "contain": "contain", "remediate": "remediate", "recover": "recover",
	"containment": "contain", "investigation": "investigate", "remediation": "remediate", "recovery": "recover", "eradicate": "remediate"}

// checklist grounds the model's checklist: unknown entities are removed
// from each item (an item that is about nothing but unknown entities goes),
// an action is kept only when the policy allows it, titles are cut to what
// a Sentinel task shows, and the list stays within Sentinel's task limit.
func (g *grounding) checklist(items []modelItem, ap *actionPolicy, findings []socpilot.Finding) ([]socpilot.ChecklistItem, []socpilot.Finding) {
	var out []socpilot.ChecklistItem
	for _, it := range items {
		title := oneLine(it.Title)
		if title == "" {
			continue
		}
		var ents []string
		var removed []string
		for _, e := range it.Entities {
			e = strings.TrimSpace(e)
			if e == "" {
				continue
			}
			if g.known[strings.ToLower(e)] || !g.suspicious(e) && !entityToken.MatchString(e) && g.knownSubstring(e) {
				ents = append(ents, e)
			} else {
				removed = append(removed, e)
			}
		}
		for _, r := range removed {
			findings = append(findings, socpilot.Finding{Kind: socpilot.FindingRemovedEntity,
				Text: fmt.Sprintf("checklist item %q named %q, which is not an entity of the incident; removed", title, r)})
		}
		if len(ents) == 0 && len(removed) > 0 {
			findings = append(findings, socpilot.Finding{Kind: socpilot.FindingRemovedEntity,
				Text: fmt.Sprintf("checklist item %q dropped: every entity it named is unknown", title)})
			continue
		}
		var desc string
		title, findings = g.text(title, "checklist", findings)
		desc, findings = g.text(oneLine(it.Description), "checklist", findings)
		phase := phases[strings.ToLower(strings.TrimSpace(it.Phase))]
		if phase == "" {
			phase = "investigate"
		}
		if r := []rune(title); len(r) > 150 {
			title = string(r[:149]) + "…"
		}
		item := socpilot.ChecklistItem{Title: title, Description: desc, Phase: phase, Entities: ents}
		if act, why := ap.check(it.Action); why != "" {
			findings = append(findings, socpilot.Finding{Kind: socpilot.FindingModel,
				Text: fmt.Sprintf("checklist item %q: the model's action %s %q was dropped: %s", title, oneLine(it.Action.Verb), oneLine(it.Action.Entity), why)})
		} else if act != nil {
			item.Action = act
			if !slices.ContainsFunc(item.Entities, func(e string) bool { return strings.EqualFold(e, act.Entity) }) {
				item.Entities = append(item.Entities, act.Entity)
			}
		}
		out = append(out, item)
		if len(out) == socpilot.MaxTasks {
			findings = append(findings, socpilot.Finding{Kind: socpilot.FindingModel,
				Text: fmt.Sprintf("the checklist was cut to %d items, Sentinel's task limit", socpilot.MaxTasks)})
			break
		}
	}
	return out, findings
}

// Bounds of the model's verdict reasons: short facts, not an essay.
const (
	maxModelReasons   = 3
	maxModelReasonLen = 200
)

// modelTriage keeps the model's own verdict when it differs from the
// offline one, with its reasons grounded like any model text (unknown
// entities removed, text aimed at AI assistants dropped, length bounded).
// It never changes the scored triage.
func (g *grounding) modelTriage(verdict string, reasons []string, offline socpilot.Verdict, findings []socpilot.Finding) (*socpilot.ModelTriage, []socpilot.Finding) {
	v := socpilot.Verdict(strings.ToLower(strings.TrimSpace(verdict)))
	switch v {
	case socpilot.VerdictDismiss, socpilot.VerdictRemediate, socpilot.VerdictEscalate:
	default:
		if v != "" {
			findings = append(findings, socpilot.Finding{Kind: socpilot.FindingModel,
				Text: fmt.Sprintf("the model's verdict %q is not dismiss, remediate or escalate; ignored", clip(verdict, 40))})
		}
		return nil, findings
	}
	if v == offline {
		return nil, findings
	}
	mt := &socpilot.ModelTriage{Verdict: v, Reasons: []string{}}
	for _, r := range reasons {
		r = oneLine(r)
		if r == "" {
			continue
		}
		if ex := matchAI(r); ex != "" {
			findings = append(findings, socpilot.Finding{Kind: socpilot.FindingModel,
				Text: "a reason the model gave for its verdict reads as instructions to an AI assistant; dropped"})
			continue
		}
		r, findings = g.text(r, "verdict reasons", findings)
		if rs := []rune(r); len(rs) > maxModelReasonLen {
			r = string(rs[:maxModelReasonLen-1]) + "…"
		}
		mt.Reasons = append(mt.Reasons, r)
		if len(mt.Reasons) == maxModelReasons {
			break
		}
	}
	return mt, findings
}

func (g *grounding) knownSubstring(e string) bool {
	low := strings.ToLower(e)
	for k := range g.known {
		if strings.Contains(k, low) && len(low) >= 3 {
			return true
		}
	}
	return false
}
