package offline

import (
	"sort"
	"strings"
	"time"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/offline/prefilter"
)

// origin says who wrote a piece of text, because that decides what it may
// prove: the SOC's own records (analyst comments, labels, a classification
// comment) can establish benign context; product text (the incident's and
// alerts' descriptions, which may embed attacker-chosen values) can only
// establish what a detection observed.
type origin int

const (
	fromSOC origin = iota
	fromProduct
)

// sentence is one statement of the incident's text with where it came from.
type sentence struct {
	text  string
	from  origin
	where string    // "comment by Priya (newest)", "alert \"Password spray\"", "description"
	when  time.Time // for comments: when written
	rank  int       // comments: 0 for the newest; product text: -1
}

var sentenceEnd = prefilter.MustCompile(`(?:[.!?;]+(?:\s+|$))|\n+`)

// splitSentences cuts prose into statements without cutting addresses,
// versions or file names ("185.220.101.47", "svchost.exe").
func splitSentences(s string) []string {
	var out []string
	for _, p := range sentenceEnd.Split(s, -1) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// injection matches text written to steer an AI assistant. Sentences that
// carry it are never used as context, and its presence is itself a signal.
var injection = prefilter.MustCompile(`(?i)(ignore (all |any )?(the )?(previous|prior|above|earlier) (instructions|prompts?)|\bai assistant\b|note to (the )?(ai|assistant|llm|copilot)|\b(as an|you are an?) (ai|assistant|language model)\b|system prompt|classify this (incident )?as|disregard (the|all|previous)|\bllm\b)`)

// texts collects the incident's statements: analyst comments newest first,
// labels, the classification comment, then the description and alerts.
func (f *facts) texts() []sentence {
	var out []sentence
	cs := append([]socpilot.Comment(nil), f.d.Comments...)
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].CreatedTime.After(cs[j].CreatedTime) })
	for i, c := range cs {
		for _, s := range splitSentences(c.Text()) {
			out = append(out, sentence{text: s, from: fromSOC, where: "analyst comment by " + orUnknown(c.Author), when: c.CreatedTime, rank: i})
		}
	}
	for _, l := range f.d.Incident.Labels {
		out = append(out, sentence{text: l, from: fromSOC, where: "label", rank: len(cs)})
	}
	for _, s := range splitSentences(f.d.Incident.ClassificationComment) {
		out = append(out, sentence{text: s, from: fromSOC, where: "classification comment", rank: len(cs)})
	}
	for _, s := range splitSentences(f.d.Incident.Description) {
		out = append(out, sentence{text: s, from: fromProduct, where: "incident description", rank: -1})
	}
	for _, a := range f.alerts {
		where := "alert " + quoteShort(a.DisplayName)
		out = append(out, sentence{text: a.DisplayName, from: fromProduct, where: where, rank: -1})
		for _, s := range splitSentences(a.Description) {
			out = append(out, sentence{text: s, from: fromProduct, where: where, rank: -1})
		}
	}
	kept := out[:0]
	for _, s := range out {
		if injection.MatchString(s.text) {
			f.injected = true
			continue
		}
		kept = append(kept, s)
	}
	return kept
}

func quoteShort(s string) string { return `"` + clip(oneLine(s), 60) + `"` }

// negators turn a statement around when they come shortly before it.
var negators = map[string]bool{"no": true, "not": true, "never": true, "none": true, "nobody": true, "neither": true, "nor": true,
	"without": true, "didn't": true, "didnt": true, "don't": true, "doesn't": true, "wasn't": true, "weren't": true, "isn't": true,
	"hasn't": true, "haven't": true, "cannot": true, "can't": true, "couldn't": true, "non": true, "nothing": true}

// negated reports whether one of the few words before s[at:] negates it.
func negated(s string, at int) bool {
	words := strings.FieldsFunc(strings.ToLower(s[:at]), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r == '\'' || r == '’')
	})
	if len(words) > 4 {
		words = words[len(words)-4:]
	}
	for _, w := range words {
		if negators[strings.ReplaceAll(w, "’", "'")] {
			return true
		}
	}
	return false
}

// matchAffirmed returns the first match of re in s that is not negated.
func matchAffirmed(re *prefilter.Regexp, s string) (string, bool) {
	for _, loc := range re.FindAllStringIndex(s, -1) {
		if !negated(s, loc[0]) {
			return s[loc[0]:loc[1]], true
		}
	}
	return "", false
}

// mentions reports whether text names the entity: by its value or, for
// accounts and hosts, by the names people write (account name, display
// name, host name), as whole words.
func mentions(text string, e socpilot.Entity) bool {
	lt := strings.ToLower(text)
	for _, n := range entityNames(e) {
		if socpilot.Mentions(lt, strings.ToLower(n)) {
			return true
		}
	}
	return false
}

// entityNames are the strings an entity is written as in prose.
func entityNames(e socpilot.Entity) []string {
	var out []string
	add := func(s string) {
		if s = strings.TrimSpace(s); len(s) >= 3 {
			out = append(out, s)
		}
	}
	add(e.Value())
	switch e.Kind {
	case socpilot.KindAccount:
		add(e.Prop("accountName"))
		add(e.Prop("userPrincipalName"))
		if d := e.Prop("displayName"); strings.Contains(d, " ") {
			add(d)
		}
	case socpilot.KindHost:
		add(e.Prop("hostName"))
		add(e.Prop("netBiosName"))
		add(e.Prop("fqdn"))
	case socpilot.KindMailbox:
		add(e.Prop("mailboxPrimaryAddress"))
		add(e.Prop("upn"))
		if d := e.Prop("displayName"); strings.Contains(d, " ") {
			add(d)
		}
	}
	return out
}
