package analysis

import (
	"fmt"
	"strings"

	"github.com/socpilot/socpilot"
)

// section is one part of an offline analysis that can answer a question.
type section struct {
	name     string
	keywords []string
	render   func(a socpilot.Analysis) string
}

var sections = []section{
	{"what happened", []string{"what happened", "summary", "summar", "overview", "explain", "describe", "tell me", "about"}, func(a socpilot.Analysis) string { return a.Summary }},
	{"why it matters", []string{"why", "impact", "matter", "risk", "severe", "serious", "business"}, func(a socpilot.Analysis) string { return a.WhyItMatters }},
	{"triage", []string{"triage", "verdict", "escalat", "dismiss", "false positive", "benign", "malicious", "close", "should i", "tier", "score", "true positive", "real"}, renderTriage},
	{"timeline", []string{"timeline", "when", "time", "order", "sequence", "first", "last", "start"}, renderTimeline},
	{"tactics", []string{"tactic", "technique", "mitre", "att&ck", "attack", "kill chain", "ttp"}, renderTactics},
	{"checklist", []string{"checklist", "next step", "remediat", "contain", "do next", "todo", "to do", "steps", "respond", "fix", "mitigat", "action", "recover"}, renderChecklist},
	{"hunting queries", []string{"kql", "query", "queries", "hunt", "search", "log"}, renderQueries},
	{"findings", []string{"inject", "prompt", "suspicious text", "ai", "html", "script", "warning", "finding"}, renderFindings},
}

// Answerer answers the common questions about an incident without a model
// (the offline analyst does); ok is false when it has no answer.
type Answerer interface {
	Answer(question string, d socpilot.IncidentDetails, a socpilot.Analysis) (text string, ok bool)
}

// offlineAnswer answers the question itself where the offline analyst
// knows the intent (who succeeded, which hosts, what first, what to do,
// which KQL…); otherwise it says plainly that the question needs a model
// and gives the summary and verdict.
func (s *Session) offlineAnswer(question string) string {
	q := strings.ToLower(question)
	var b strings.Builder
	b.WriteString("_No model is configured (or it failed): this answer is taken from socpilot's offline analysis._\n")
	nums := s.Conv.Incidents
	if len(nums) == 0 {
		b.WriteString("\nNo incident is in this conversation yet: add one with /incident N or /add N.\n")
		return b.String()
	}
	answerer, _ := s.an.Facts.(Answerer)
	var body strings.Builder
	answered := 0
	for _, n := range nums {
		a := s.facts[n]
		fmt.Fprintf(&body, "\n### Incident %d: %s\n\n", n, oneLine(a.Incident.Title))
		if answerer != nil {
			if txt, ok := answerer.Answer(question, s.incidents[n], a); ok {
				body.WriteString(strings.TrimSpace(txt) + "\n")
				answered++
				continue
			}
		}
		for _, sec := range []section{sections[0], sections[2]} {
			if txt := strings.TrimSpace(sec.render(a)); txt != "" {
				fmt.Fprintf(&body, "**%s**\n\n%s\n\n", sec.name, txt)
			}
		}
	}
	if answered == 0 {
		b.WriteString("\nsocpilot cannot answer this question without a model. Offline it answers: which accounts, hosts, IP addresses, URLs or files are involved; who signed in successfully or what is compromised; what happened first and next; what to do first; whether it is a true positive; which KQL to run; what an encoded command line does. Here is the summary and the verdict instead.\n")
	}
	b.WriteString(body.String())
	crossQ := strings.Contains(q, "shared") || strings.Contains(q, "common") || strings.Contains(q, "related") || strings.Contains(q, "same") || strings.Contains(q, "both") || strings.Contains(q, "across")
	if len(nums) > 1 || crossQ {
		shared := SharedEntities(s.details())
		b.WriteString("\n### Shared between these incidents\n\n")
		if len(shared) == 0 {
			b.WriteString("No entity appears in more than one of them.\n")
		}
		for _, c := range shared {
			fmt.Fprintf(&b, "- %s `%s`: incidents %s\n", c.Kind, oneLine(c.Entity), joinInts(c.Incidents))
		}
	}
	return b.String()
}

func renderTriage(a socpilot.Analysis) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Verdict: **%s** (score %d/100).\n", a.Triage.Verdict, a.Triage.Score)
	for _, r := range a.Triage.Reasons {
		fmt.Fprintf(&b, "- %+d %s\n", r.Weight, r.Text)
	}
	return b.String()
}

func renderTimeline(a socpilot.Analysis) string {
	var b strings.Builder
	for _, t := range a.Timeline {
		fmt.Fprintf(&b, "- %s %s", ts(t.Time), oneLine(t.Event))
		if t.Source != "" {
			fmt.Fprintf(&b, " (%s)", oneLine(t.Source))
		}
		b.WriteString("\n")
	}
	return b.String()
}

func renderTactics(a socpilot.Analysis) string {
	var b strings.Builder
	for _, t := range a.Tactics {
		fmt.Fprintf(&b, "- %s %s: %s", t.ID, t.Name, t.Explanation)
		if len(t.Techniques) > 0 {
			fmt.Fprintf(&b, " Techniques: %s.", strings.Join(t.Techniques, "; "))
		}
		b.WriteString("\n")
	}
	return b.String()
}

func renderChecklist(a socpilot.Analysis) string {
	var b strings.Builder
	for i, c := range a.Checklist {
		fmt.Fprintf(&b, "%d. [%s] %s: %s\n", i+1, c.Phase, oneLine(c.Title), oneLine(c.Description))
	}
	return b.String()
}

func renderQueries(a socpilot.Analysis) string {
	var b strings.Builder
	for _, q := range a.Queries {
		fmt.Fprintf(&b, "%s (%s):\n```kql\n%s\n```\n", oneLine(q.Title), q.Status, strings.TrimSpace(q.Query))
	}
	return b.String()
}

func renderFindings(a socpilot.Analysis) string {
	var b strings.Builder
	for _, f := range a.Findings {
		fmt.Fprintf(&b, "- %s: %s\n", f.Kind, oneLine(f.Text))
	}
	if b.Len() == 0 {
		return "No warnings about this incident's data."
	}
	return b.String()
}
