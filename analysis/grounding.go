package analysis

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"github.com/socpilot/socpilot"
)

// grounding checks what a model wrote against the incident: every entity
// it names must be one the incident has.
type grounding struct {
	known map[string]bool // lowercased values of the incident's entities
}

func newGrounding(d socpilot.IncidentDetails) *grounding {
	g := &grounding{known: map[string]bool{}}
	add := func(s string) {
		s = strings.ToLower(strings.TrimSpace(s))
		if s != "" {
			g.known[s] = true
		}
	}
	for _, e := range d.Entities {
		add(e.Value())
		walkStrings(e.Properties, func(s string) {
			add(s)
			// Sentinel joins names: accountName@upnSuffix, hostName.dnsDomain.
			for _, tok := range entityToken.FindAllString(s, -1) {
				add(tok)
			}
		})
		if n, s := e.Prop("accountName"), e.Prop("upnSuffix"); n != "" && s != "" {
			add(n + "@" + s)
		}
		if h, dom := e.Prop("hostName"), e.Prop("dnsDomain"); h != "" && dom != "" {
			add(h + "." + dom)
		}
	}
	for _, a := range d.Alerts {
		add(a.DisplayName)
		walkStrings(anyMap(a.AdditionalData), func(s string) {
			for _, tok := range entityToken.FindAllString(s, -1) {
				add(tok)
			}
		})
	}
	for _, s := range []string{d.Incident.Title, d.Incident.Description} {
		for _, tok := range entityToken.FindAllString(s, -1) {
			add(tok)
		}
	}
	return g
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
var entityToken = regexp.MustCompile(`(?i:[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,})` +
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

var techniqueLike = regexp.MustCompile(`^(T\d{4}(\.\d{3})?|TA\d{4}|CVE-\d{4}-\d+|MS\d{2}-\d{3}|KB\d+|SHA-?256|MD5|AES-\d+|RFC-?\d+|UTF-\d+|ISO-\d+)$`)

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
// titles are cut to what a Sentinel task shows, and the list stays within
// Sentinel's task limit.
func (g *grounding) checklist(items []modelItem, findings []socpilot.Finding) ([]socpilot.ChecklistItem, []socpilot.Finding) {
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
		out = append(out, socpilot.ChecklistItem{Title: title, Description: desc, Phase: phase, Entities: ents})
		if len(out) == socpilot.MaxTasks {
			findings = append(findings, socpilot.Finding{Kind: socpilot.FindingModel,
				Text: fmt.Sprintf("the checklist was cut to %d items, Sentinel's task limit", socpilot.MaxTasks)})
			break
		}
	}
	return out, findings
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
