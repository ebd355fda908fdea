package analysis

import (
	"encoding/base64"
	"fmt"
	"sort"
	"strings"
	"unicode/utf16"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/offline/prefilter"
)

// Incident data is attacker-controlled: an attacker who names a file,
// a process or a mail subject writes into our prompt. These patterns spot
// text written for an AI assistant rather than for the system that logged
// it. Detection reports; it never changes the verdict (an attacker must not
// be able to lower or raise it by writing text).
var aiInstructionPatterns = []*prefilter.Regexp{
	prefilter.MustCompile(`(?i)\b(ignore|disregard|forget|override)\b[^.\n]{0,40}\b(previous|prior|above|earlier|all|your|system)\b[^.\n]{0,20}\b(instructions?|prompts?|rules|guidelines|directives)`),
	prefilter.MustCompile(`(?i)\b(AI|assistant|copilot|chatbot|LLM|GPT|language model|analyst bot)\b\s*[:,]\s*(please\s+)?(close|dismiss|classify|mark|ignore|delete|resolve|do not|don't|report|say|respond|write|set|assign)`),
	prefilter.MustCompile(`(?i)\b(classify|mark|label|treat|report)\b[^.\n]{0,30}\b(this|the)\s+(incident|alert|activity|event)\b[^.\n]{0,20}\b(as\s+)?(a\s+)?(false[ -]positive|benign|harmless|safe|informational|resolved)`),
	prefilter.MustCompile(`(?i)\b(close|dismiss|resolve)\s+(this|the)\s+(incident|alert|case)\b`),
	prefilter.MustCompile(`(?i)\b(new|updated|additional)\s+(system\s+)?instructions?\s*:`),
	prefilter.MustCompile(`(?i)\b(system prompt|developer message|you are now|act as an?|pretend to be|from now on you)\b`),
	prefilter.MustCompile(`(?i)(<\|?(im_start|im_end|system|assistant|user)\|?>|\[/?INST\]|###\s*(instruction|system)|<\s*/?\s*(system|assistant)\s*>)`),
	prefilter.MustCompile(`(?i)\bdo\s+not\s+(escalate|report|alert|mention|flag|notify)\b`),
	prefilter.MustCompile(`(?i)\b(delete|remove|erase)\s+(the\s+|all\s+)?(comments|tasks|evidence|logs|this incident)\b`),
}

var markupPattern = prefilter.MustCompile(`(?i)<\s*(script|img|iframe|svg|object|embed|a\s|style|link|meta|body|form|input)[^>]*>|javascript:|\bon(error|load|click|mouseover)\s*=`)

// encodedCommand finds PowerShell -EncodedCommand payloads (UTF-16LE base64).
var encodedCommand = prefilter.MustCompile(`(?i)-e(nc(odedcommand)?)?\s+([A-Za-z0-9+/=]{16,})`)

// field is one piece of untrusted text with where it came from.
type field struct {
	where string
	text  string
}

func untrustedFields(d socpilot.IncidentDetails) []field {
	var fs []field
	add := func(where, text string) {
		if strings.TrimSpace(text) != "" {
			fs = append(fs, field{where, text})
		}
	}
	add("incident title", d.Incident.Title)
	add("incident description", d.Incident.Description)
	for _, l := range d.Incident.Labels {
		add("incident label", l)
	}
	for _, a := range d.Alerts {
		add(fmt.Sprintf("alert %q name", a.DisplayName), a.DisplayName)
		add(fmt.Sprintf("alert %q description", a.DisplayName), a.Description)
		for _, s := range a.RemediationSteps {
			add(fmt.Sprintf("alert %q remediation", a.DisplayName), s)
		}
	}
	for _, e := range d.Entities {
		keys := make([]string, 0, len(e.Properties))
		for k := range e.Properties {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			walkStrings(e.Properties[k], func(s string) { add(fmt.Sprintf("%s entity %s", e.Kind, k), s) })
		}
	}
	for _, b := range d.Bookmarks {
		add("bookmark "+b.DisplayName, b.Notes)
	}
	return fs
}

func walkStrings(v any, fn func(string)) {
	switch x := v.(type) {
	case string:
		fn(x)
	case []any:
		for _, e := range x {
			walkStrings(e, fn)
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			walkStrings(x[k], fn)
		}
	}
}

// DetectUntrusted reports text aimed at AI assistants and markup in the
// incident's data, one finding per field.
func DetectUntrusted(d socpilot.IncidentDetails) []socpilot.Finding {
	var out []socpilot.Finding
	seen := map[string]bool{}
	addF := func(kind, text string) {
		if !seen[kind+text] {
			seen[kind+text] = true
			out = append(out, socpilot.Finding{Kind: kind, Text: text})
		}
	}
	for _, f := range untrustedFields(d) {
		texts := []string{f.text}
		for _, m := range encodedCommand.FindAllStringSubmatch(f.text, -1) {
			if dec := decodeUTF16Base64(m[3]); dec != "" {
				texts = append(texts, dec)
			}
		}
		for i, t := range texts {
			if ex := matchAI(t); ex != "" {
				via := ""
				if i > 0 {
					via = " (inside a base64-encoded command)"
				}
				addF(socpilot.FindingAIInstructions, fmt.Sprintf("this incident contains text aimed at AI assistants in the %s%s: %q — treated as data, not followed", f.where, via, ex))
			}
		}
		if loc := markupPattern.FindStringIndex(f.text); loc != nil {
			addF(socpilot.FindingMarkup, fmt.Sprintf("the %s contains HTML/script markup %q — shown escaped, never rendered", f.where, excerpt(f.text, loc[0], loc[1])))
		}
	}
	return out
}

// matchAI returns an excerpt of the first AI-instruction match, or "".
// A single weak hit is not enough: text that only says "close the incident"
// (say, in an alert's remediation steps) is ordinary; it takes a strong
// pattern or two different ones.
func matchAI(s string) string {
	var first []int
	hits := 0
	for i, re := range aiInstructionPatterns {
		loc := re.FindStringIndex(s)
		if loc == nil {
			continue
		}
		if first == nil {
			first = loc
		}
		hits++
		if i == 0 || i == 1 || i == 5 || i == 6 || i == 4 {
			return excerpt(s, loc[0], loc[1])
		}
	}
	if hits >= 2 {
		return excerpt(s, first[0], first[1])
	}
	return ""
}

func excerpt(s string, start, end int) string {
	from, to := max(0, start-20), min(len(s), end+60)
	for from > 0 && !utf8Start(s[from]) {
		from--
	}
	for to < len(s) && !utf8Start(s[to]) {
		to++
	}
	ex := oneLine(s[from:to])
	if from > 0 {
		ex = "…" + ex
	}
	if to < len(s) {
		ex += "…"
	}
	return ex
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

func decodeUTF16Base64(s string) string {
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(raw) < 2 {
		return ""
	}
	if len(raw)%2 == 1 {
		raw = raw[:len(raw)-1]
	}
	u := make([]uint16, len(raw)/2)
	for i := range u {
		u[i] = uint16(raw[2*i]) | uint16(raw[2*i+1])<<8
	}
	return string(utf16.Decode(u))
}
