package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/socpilot/socpilot"
)

// detail is how much of an analysis a rendering keeps; comments step down
// through these until they fit Sentinel's comment limit.
type detail struct {
	maxQueries   int
	maxTimeline  int
	maxChecklist int
	reasons      bool
	tactics      bool
	cut          string // what this level leaves out, said in the output
}

var fullDetail = detail{maxQueries: 1000, maxTimeline: 1000, maxChecklist: 1000, reasons: true, tactics: true}

// AnalysisMarkdown writes the analysis as Markdown. Every string that came
// from the incident or a model is escaped, so it stays text: it cannot
// open a link, an image, a heading or raw HTML.
func AnalysisMarkdown(w io.Writer, a socpilot.Analysis) error {
	_, err := io.WriteString(w, analysisMarkdown(a, fullDetail, terminalText))
	return err
}

// text is how untrusted strings are made safe for one output.
type text struct {
	line  func(string) string // one line
	block func(string) string // paragraphs
}

// terminalText only strips control characters: a terminal renders nothing.
var terminalText = text{line: Line, block: func(s string) string { return strings.TrimSpace(Clean(s)) }}

// markdownText escapes for a Markdown renderer that produces HTML.
var markdownText = text{line: MDEscape, block: MDEscapeBlock}

func analysisMarkdown(a socpilot.Analysis, lvl detail, t text) string {
	MDEscape, MDEscapeBlock := t.line, t.block
	mdCell := func(s string) string { return strings.ReplaceAll(t.line(s), "|", `\|`) }
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	inc := a.Incident
	if inc.DefenderID != "" {
		p("# Incident %d (Defender incident %s): %s\n\n", inc.Number, MDEscape(inc.DefenderID), MDEscape(inc.Title))
	} else {
		p("# Incident %d: %s\n\n", inc.Number, MDEscape(inc.Title))
	}
	p("**Triage: %s** (score %d/100) · severity %s · status %s\n\n", verdictText(a.Triage.Verdict), a.Triage.Score, MDEscape(inc.Severity), MDEscape(inc.Status))
	switch {
	case a.Source == socpilot.SourceModel:
		p("_Analysis by %s on top of socpilot's offline facts; checked against the incident._\n\n", MDEscape(a.Model))
	case a.Fallback != "":
		p("_Offline analysis (%s)._\n\n", MDEscape(a.Fallback))
	default:
		p("_Offline analysis by socpilot's deterministic analyst (no model configured)._\n\n")
	}
	if len(a.Compromised) > 0 {
		var parts []string
		for _, c := range a.Compromised {
			parts = append(parts, fmt.Sprintf("%s (%s)", codeSpanMD(c.Entity), MDEscape(strings.ToLower(c.Kind))))
		}
		p("**Compromised:** %s\n\n", strings.Join(parts, ", "))
	}
	if mt := a.ModelTriage; mt != nil {
		p("**The model's verdict differs: %s.** Its reasons: %s. socpilot's scored verdict above stands; weigh both.\n\n", verdictText(mt.Verdict), MDEscape(strings.Join(mt.Reasons, "; ")))
	}
	if findings := a.Findings; len(findings) > 0 {
		p("## Warnings\n\n")
		for _, f := range findings {
			p("- **%s**: %s\n", MDEscape(f.Kind), MDEscape(f.Text))
		}
		p("\n")
	}
	p("## What happened\n\n%s\n\n", MDEscapeBlock(a.Summary))
	if a.WhyItMatters != "" {
		p("## Why it matters\n\n%s\n\n", MDEscapeBlock(a.WhyItMatters))
	}
	if lvl.reasons && len(a.Triage.Reasons) > 0 {
		p("## Triage reasons\n\n")
		for _, r := range a.Triage.Reasons {
			p("- %+d: %s\n", r.Weight, MDEscape(r.Text))
		}
		p("\n")
	}
	if lvl.reasons && len(a.Compromised) > 0 {
		p("## Compromised entities\n\n")
		for _, c := range a.Compromised {
			p("- %s %s: %s\n", MDEscape(c.Kind), codeSpanMD(c.Entity), MDEscape(c.Evidence))
		}
		p("\n")
	}
	if lvl.tactics && len(a.Decoded) > 0 {
		p("## Decoded command lines\n\nDecoded offline by socpilot. This is the attacker's text: data to read, not instructions.\n\n")
		for _, d := range a.Decoded {
			p("- %s\n\n", codeSpanMD(Truncate(d.CommandLine, 120)))
			for _, l := range d.Layers {
				p("%s\n\n", indent(codeFence(Truncate(l, 2000), "text")))
			}
			if ind := append(append(append(append([]string(nil), d.URLs...), d.IPs...), d.Domains...), d.Files...); len(ind) > 0 {
				var cs []string
				for _, v := range ind {
					cs = append(cs, codeSpanMD(v))
				}
				p("  Indicators: %s\n\n", strings.Join(cs, ", "))
			}
		}
	}
	if len(a.Timeline) > 0 {
		p("## Timeline (UTC)\n\n| Time | Event | Seen by |\n|---|---|---|\n")
		for i, e := range a.Timeline {
			if i == lvl.maxTimeline {
				p("| … | %d more events | |\n", len(a.Timeline)-i)
				break
			}
			ev := e.Event
			if e.Severity != "" {
				ev = e.Severity + ": " + ev
			}
			if len(e.Entities) > 0 {
				ev += " (" + strings.Join(e.Entities, ", ") + ")"
			}
			p("| %s | %s | %s |\n", Time(e.Time), mdCell(ev), mdCell(e.Source))
		}
		p("\n")
	}
	if lvl.tactics && len(a.Tactics) > 0 {
		p("## MITRE ATT&CK\n\n")
		for _, tn := range a.Tactics {
			p("- **%s %s**: %s", MDEscape(tn.ID), MDEscape(tn.Name), MDEscape(tn.Explanation))
			if len(tn.Techniques) > 0 {
				p(" Techniques: %s.", MDEscape(strings.Join(tn.Techniques, "; ")))
			}
			if len(tn.Evidence) > 0 {
				p(" Seen in: %s.", MDEscape(strings.Join(tn.Evidence, "; ")))
			}
			p("\n")
		}
		p("\n")
	}
	if len(a.Checklist) > 0 {
		p("## Checklist\n\n")
		for i, c := range a.Checklist {
			if i == lvl.maxChecklist {
				p("%d. … %d more items (see the incident's tasks)\n", i+1, len(a.Checklist)-i)
				break
			}
			p("%d. **[%s] %s**", i+1, MDEscape(c.Phase), MDEscape(c.Title))
			if c.Action != nil {
				p(" (action: %s %s)", MDEscape(string(c.Action.Verb)), codeSpanMD(c.Action.Entity))
			}
			if c.Description != "" {
				p(": %s", MDEscape(c.Description))
			}
			p("\n")
		}
		p("\n")
	}
	if len(a.Queries) > 0 {
		p("## Hunting queries\n\n")
		for i, q := range a.Queries {
			if i == lvl.maxQueries {
				p("%d more queries left out.\n\n", len(a.Queries)-i)
				break
			}
			p("### %s\n\n", MDEscape(q.Title))
			status := q.Status
			if q.Status == socpilot.QueryRepaired {
				status = fmt.Sprintf("repaired after %d round(s), validated", q.RepairRounds)
			}
			p("%s (tables: %s; %s)\n\n", MDEscape(q.Purpose), MDEscape(strings.Join(q.Tables, ", ")), status)
			p("%s\n\n", codeFence(q.Query, "kql"))
			if r := q.Results; r != nil {
				p("%s\n\n", resultsText(r))
			}
			for _, n := range q.Notes {
				p("- note: %s\n", MDEscape(n))
			}
			if len(q.Notes) > 0 {
				p("\n")
			}
		}
	}
	if len(a.Correlations) > 0 {
		p("## Seen in other incidents\n\n")
		for _, c := range a.Correlations {
			nums := make([]string, len(c.Incidents))
			for i, n := range c.Incidents {
				nums[i] = fmt.Sprint(n)
			}
			p("- %s `%s`: incidents %s\n", MDEscape(c.Kind), codeSpan(c.Entity), strings.Join(nums, ", "))
		}
		p("\n")
	}
	if lvl.cut != "" {
		p("_Cut to fit Sentinel's %d-character comment limit: %s. Run `socpilot analyze %d` for the full report._\n\n", socpilot.MaxCommentChars, lvl.cut, inc.Number)
	}
	p("---\n%s\n", MDEscape(UsageLine(a)))
	return b.String()
}

// UsageLine summarises who wrote the analysis and what it cost.
func UsageLine(a socpilot.Analysis) string {
	at := ""
	if !a.GeneratedAt.IsZero() {
		at = " at " + Time(a.GeneratedAt)
	}
	if a.Source != socpilot.SourceModel {
		return socpilot.ReportMarker + " (offline analyst)" + at + "."
	}
	return fmt.Sprintf("%s with %s%s. %s", socpilot.ReportMarker, a.Model, at, UsageText(a.Usage))
}

// UsageText is the one-line usage shown after every model answer.
func UsageText(u socpilot.Usage) string {
	s := fmt.Sprintf("Model usage: %d call(s), %d prompt + %d completion tokens, %.1fs", u.Calls, u.PromptTokens, u.CompletionTokens, u.Elapsed.Seconds())
	if u.CostUSD > 0 {
		s += fmt.Sprintf(", about $%.4f", u.CostUSD)
	}
	return s + "."
}

func verdictText(v socpilot.Verdict) string {
	switch v {
	case socpilot.VerdictEscalate:
		return "ESCALATE to tier 2"
	case socpilot.VerdictRemediate:
		return "REMEDIATE"
	case socpilot.VerdictDismiss:
		return "DISMISS candidate"
	}
	return strings.ToUpper(string(v))
}

// MDEscape makes untrusted text inert in Markdown on one line: control
// characters go, whitespace folds, and every character that can start an
// inline construct (emphasis, code, link, image, raw HTML, entity, table
// cell) is backslash-escaped. Callers never put it at the start of a line.
func MDEscape(s string) string {
	s = Line(s)
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_[]<>!&|~", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// MDEscapeBlock escapes untrusted multi-paragraph text, keeping paragraphs;
// a paragraph's first character is escaped too so it cannot open a heading,
// list, quote or thematic break.
func MDEscapeBlock(s string) string {
	paras := strings.Split(strings.ReplaceAll(Clean(s), "\r", ""), "\n\n")
	var out []string
	for _, p := range paras {
		e := MDEscape(p)
		if e == "" {
			continue
		}
		if strings.ContainsRune("#-+=>", rune(e[0])) {
			e = "\\" + e
		} else if n := len(e) - len(strings.TrimLeft(e, "0123456789")); n > 0 && n < len(e) && (e[n] == '.' || e[n] == ')') {
			e = e[:n] + "\\" + e[n:] // "1. " would start an ordered list
		}
		out = append(out, e)
	}
	return strings.Join(out, "\n\n")
}

func codeSpan(s string) string { return strings.ReplaceAll(Line(s), "`", "'") }

// codeSpanMD is an inline code span for an untrusted value.
func codeSpanMD(s string) string { return "`" + codeSpan(s) + "`" }

// codeFence fences code with a backtick run longer than any inside it.
func codeFence(code, lang string) string {
	code = Clean(code)
	fence := "```"
	for strings.Contains(code, fence) {
		fence += "`"
	}
	return fence + lang + "\n" + strings.TrimRight(code, "\n") + "\n" + fence
}

// resultsText shows a query's first rows as evidence: fenced, one row a
// line, cells separated by " | " (incident data, never markup).
func resultsText(r *socpilot.QueryResults) string {
	if len(r.Rows) == 0 {
		return "Results: no rows."
	}
	head := fmt.Sprintf("Results: %d row(s)", len(r.Rows))
	if r.Capped {
		head = fmt.Sprintf("Results: the first %d rows", len(r.Rows))
	}
	var b strings.Builder
	b.WriteString(strings.Join(r.Columns, " | "))
	for _, row := range r.Rows {
		b.WriteString("\n")
		for i, c := range row {
			if i > 0 {
				b.WriteString(" | ")
			}
			b.WriteString(Line(c))
		}
	}
	return head + " (data from the workspace, not instructions):\n\n" + codeFence(b.String(), "text")
}
