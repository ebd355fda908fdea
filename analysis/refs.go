package analysis

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/offline/prefilter"
)

// quoteRefs knows where each piece of an incident's free text appears in
// its digest, so a trusted line that quotes the incident can point into
// the fence ("[C2]") instead of carrying attacker-controlled text outside it.
type quoteRefs struct {
	items []refItem
	// lists are the lists the digest gives in full, lower case: the
	// entities' values of each kind, the alerts' products.
	lists map[string]map[string]bool
}

type refItem struct {
	label string
	text  string // oneLine, lower case
}

func newQuoteRefs(d socpilot.IncidentDetails) *quoteRefs {
	r := &quoteRefs{}
	r.lists = map[string]map[string]bool{"products": {}}
	for _, e := range d.Entities {
		if r.lists[e.Kind] == nil {
			r.lists[e.Kind] = map[string]bool{}
		}
		r.lists[e.Kind][strings.ToLower(entityValue(e))] = true
	}
	for _, a := range d.Alerts {
		if p := strings.ToLower(oneLine(a.ProductName)); p != "" {
			r.lists["products"][p] = true
		}
	}
	add := func(label, text string) {
		if t := strings.ToLower(oneLine(text)); t != "" {
			r.items = append(r.items, refItem{label, t})
		}
	}
	i := d.Incident
	add("title", i.Title)
	add("description", i.Description)
	add("classification comment", i.ClassificationComment)
	for _, l := range i.Labels {
		add("labels", l)
	}
	for n, a := range sortedAlerts(d.Alerts) {
		label := fmt.Sprintf("A%d", n+1)
		add(label, a.DisplayName)
		add(label, a.Description)
		for _, s := range a.RemediationSteps {
			add(label, s)
		}
		walkStrings(anyMap(a.AdditionalData), func(s string) { add(label, s) })
	}
	for n, c := range socpilot.AnalystComments(d.Comments) {
		add(fmt.Sprintf("C%d", n+1), c.Text())
	}
	for _, e := range d.Entities {
		walkStrings(anyMap(e.Properties), func(s string) { add(e.Kind+" entities", s) })
	}
	for _, b := range d.Bookmarks {
		add("bookmarks", b.DisplayName)
		add("bookmarks", b.Notes)
		add("bookmarks", b.Query)
	}
	for _, t := range d.Tasks {
		add("tasks", t.Title)
	}
	return r
}

// quoted finds double-quoted spans: Go-quoted (with escapes) and typographic.
var quoted = prefilter.MustCompile(`"(?:[^"\\\n]|\\.)*"|“[^”]*”`)

// minQuote is the shortest quote worth a reference: a rule named "." or a
// label "VIP" carries no instructions.
const minQuote = 4

// window is how many consecutive words of a trusted line, found in the
// incident's text, make it a quote without quotation marks.
const window = 5

// refer replaces incident text in a trusted line with a reference to
// where the digest shows it: every quoted span found in the incident, and
// every run of window or more words that the incident's text contains.
func (r *quoteRefs) refer(line string) string {
	if r == nil {
		return line
	}
	line = quoted.ReplaceAllStringFunc(line, func(q string) string {
		inner := q
		if u, err := strconv.Unquote(q); err == nil && strings.HasPrefix(q, `"`) {
			inner = u
		} else {
			inner = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(q, `"`), "“"), `"`)
			inner = strings.TrimSuffix(inner, "”")
		}
		// A quote of clipped text ends in clip's "…".
		inner = strings.TrimSpace(strings.Trim(strings.ToLower(oneLine(inner)), "…."))
		if len([]rune(inner)) < minQuote {
			return q
		}
		if label := r.find(inner); label != "" {
			return "[" + label + "]"
		}
		return q
	})
	return r.referRuns(line)
}

// find returns the label of the first item containing s.
func (r *quoteRefs) find(s string) string {
	for _, it := range r.items {
		if strings.Contains(it.text, s) {
			return it.label
		}
	}
	return ""
}

// referRuns replaces runs of words that the incident's text contains.
func (r *quoteRefs) referRuns(line string) string {
	words := strings.Fields(line)
	if len(words) < window {
		return line
	}
	label := make([]string, len(words))
	hit := false
	for i := 0; i+window <= len(words); i++ {
		w := strings.ToLower(strings.Join(words[i:i+window], " "))
		w = strings.Trim(w, ".,;:()[]")
		if len(w) < 20 {
			continue
		}
		if l := r.find(w); l != "" {
			for j := i; j < i+window; j++ {
				label[j] = l
			}
			hit = true
		}
	}
	if !hit {
		return line
	}
	var out []string
	for i := 0; i < len(words); i++ {
		if label[i] == "" {
			out = append(out, words[i])
			continue
		}
		j := i
		for j+1 < len(words) && label[j+1] != "" {
			j++
		}
		out = append(out, "["+label[i]+"]")
		i = j
	}
	return strings.Join(out, " ")
}

// unsaid drops from a trusted line the trailing list that repeats what the
// prompt says elsewhere: an aside in parentheses that enumerates a whole
// list of the digest ("2 products saw it (A, B)", "3 hosts involved (…)"
// when these are all the hosts), or a list after a colon whose every item
// another facts line names ("ATT&CK tactics in play: …" beside the tactics
// line; said holds those names, lower case). A list that says which of the
// values a reason is about (the one account that signed in, the
// privileged account) is not a repeat: it stays.
func (r *quoteRefs) unsaid(line string, said map[string]bool) string {
	items := func(list string) []string {
		var out []string
		for _, it := range strings.Split(list, ", ") {
			if it = strings.ToLower(strings.TrimSpace(it)); it != "" {
				out = append(out, it)
			}
		}
		return out
	}
	if open := strings.LastIndex(line, " ("); r != nil && open > 0 && strings.HasSuffix(line, ")") {
		its := items(line[open+2 : len(line)-1])
		for _, list := range r.lists {
			if len(its) == len(list) && !slices.ContainsFunc(its, func(it string) bool { return !list[it] }) {
				return line[:open]
			}
		}
	}
	if colon := strings.LastIndex(line, ": "); colon > 0 {
		its := items(line[colon+2:])
		if len(its) > 0 && !slices.ContainsFunc(its, func(it string) bool { return !said[it] }) {
			return line[:colon]
		}
	}
	return line
}
