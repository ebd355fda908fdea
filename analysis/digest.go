// Package analysis turns an incident into a grounded analysis: the digest a
// model reads, the prompts, the analyze and ask pipelines, the checks of
// what a model wrote against the incident, and conversation memory.
package analysis

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/socpilot/socpilot"
)

// DefaultDigestTokens is the digest budget: room for a large incident while
// leaving most of a 128k context for instructions, facts and the answer.
const DefaultDigestTokens = 12000

// Digest is a compact, deterministic text rendering of an incident for a prompt.
type Digest struct {
	Text   string
	Tokens int
	// Dropped lists what the truncation policy removed, in the order removed.
	Dropped []string
	// Identifiers are the values that must survive any truncation: entity
	// values, alert names and alert ids.
	Identifiers []string
}

// DigestOptions tune BuildDigest.
type DigestOptions struct {
	MaxTokens int // 0 → DefaultDigestTokens
	// Count counts tokens; nil → CountTokens (tiktoken o200k_base).
	Count func(string) int
}

// digestLevel is one step of the truncation policy. Each level keeps every
// identifier; they drop, in order: older comments, long free text, extra
// entity properties, alert descriptions and details, and finally collapse
// alerts of the same name into one line with their ids.
type digestLevel struct {
	maxComments    int
	textLimit      int  // runes kept of descriptions, command lines
	commentLimit   int  // runes kept of a comment
	entityDetails  bool // extra entity properties
	alertDetails   bool // alert descriptions and custom details
	collapseAlerts bool
	dropped        string
}

// The first level is already compact: an alert's remediation steps (the
// product's generic advice: the model writes its own checklist), ARM
// plumbing and values that repeat another line are never rendered.
var digestLevels = []digestLevel{
	{maxComments: 10, textLimit: 400, commentLimit: 1000, entityDetails: true, alertDetails: true},
	{maxComments: 3, textLimit: 300, commentLimit: 400, entityDetails: true, alertDetails: true, dropped: "comments beyond the newest 3; free text cut to 300 characters"},
	{maxComments: 1, textLimit: 200, commentLimit: 200, entityDetails: false, alertDetails: true, dropped: "extra entity properties (identifying values kept); free text cut to 200 characters"},
	{maxComments: 0, textLimit: 160, commentLimit: 0, entityDetails: false, alertDetails: false, dropped: "alert descriptions and details; all comments"},
	{maxComments: 0, textLimit: 80, commentLimit: 0, entityDetails: false, alertDetails: false, collapseAlerts: true, dropped: "repeated alerts collapsed to one line per alert name (every alert id kept)"},
}

// BuildDigest renders d within the token budget, applying the truncation
// policy step by step and saying in the digest what it dropped.
func BuildDigest(d socpilot.IncidentDetails, opts DigestOptions) Digest {
	return buildDigest(d, opts, true)
}

// digestText is BuildDigest(d, opts).Text. It counts tokens only when a
// rendering might exceed the budget: a token is at least one byte, so a
// text of at most MaxTokens bytes fits (opts.Count must count such tokens).
func digestText(d socpilot.IncidentDetails, opts DigestOptions) string {
	return buildDigest(d, opts, false).Text
}

func buildDigest(d socpilot.IncidentDetails, opts DigestOptions, exact bool) Digest {
	if opts.MaxTokens <= 0 {
		opts.MaxTokens = DefaultDigestTokens
	}
	if opts.Count == nil {
		opts.Count = CountTokens
	}
	var dropped []string
	var text string
	var tokens int
	for i, lvl := range digestLevels {
		if lvl.dropped != "" {
			dropped = append(dropped, lvl.dropped)
		}
		text = renderDigest(d, lvl, dropped)
		if !exact && len(text) <= opts.MaxTokens {
			break
		}
		tokens = opts.Count(text)
		if tokens <= opts.MaxTokens || i == len(digestLevels)-1 {
			break
		}
	}
	return Digest{Text: text, Tokens: tokens, Dropped: dropped, Identifiers: Identifiers(d)}
}

// Identifiers are the values a digest must keep whatever its budget.
func Identifiers(d socpilot.IncidentDetails) []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		s = oneLine(s)
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, a := range d.Alerts {
		add(a.DisplayName)
		add(a.SystemAlertID)
	}
	for _, e := range d.Entities {
		add(entityValue(e))
	}
	return out
}

func entityValue(e socpilot.Entity) string { return oneLine(e.Value()) }

// sortedAlerts are the alerts oldest first: the order, and so the labels
// A1, A2, ..., of the digest.
func sortedAlerts(as []socpilot.Alert) []socpilot.Alert {
	alerts := slices.Clone(as)
	sort.SliceStable(alerts, func(a, b int) bool { return alerts[a].Time().Before(alerts[b].Time()) })
	return alerts
}

// clock renders times compactly, to the minute (what a hunt's window and
// an analyst's account of events need; the events are listed in order):
// the full date and time the first time and whenever the day changes, the
// time of day alone otherwise.
type clock struct{ day string }

func (c *clock) at(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	t = t.UTC()
	day := t.Format("2006-01-02")
	if day != c.day {
		c.day = day
		return t.Format("2006-01-02T15:04Z")
	}
	return t.Format("15:04")
}

func renderDigest(d socpilot.IncidentDetails, lvl digestLevel, dropped []string) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	i := d.Incident
	var clk clock
	w("INCIDENT %d %q\n", i.Number, oneLine(i.Title))
	w("%s, %s", i.Severity, i.Status)
	if i.Classification != "" {
		w(" as %s", strings.TrimSpace(i.Classification+" "+i.ClassificationReason))
	}
	if owner := oneLine(firstNonEmpty(i.Owner.AssignedTo, i.Owner.UserPrincipalName)); owner != "" {
		w("; owner %s", owner)
	}
	w("; activity %s..%s; created %s\n", clk.at(i.FirstActivityTime), clk.at(i.LastActivityTime), clk.at(i.CreatedTime))
	// Tactics and techniques are left to the facts, which name them.
	if len(i.Labels) > 0 {
		w("labels: %s\n", oneLine(strings.Join(i.Labels, ", ")))
	}
	if i.Description != "" {
		w("description: %s\n", clip(i.Description, lvl.textLimit))
	}
	if i.ClassificationComment != "" && lvl.commentLimit > 0 {
		w("classification comment: %s\n", clip(i.ClassificationComment, lvl.commentLimit))
	}

	alerts := sortedAlerts(d.Alerts)
	products := map[string]bool{}
	for _, a := range alerts {
		products[a.ProductName] = true
	}
	w("\nALERTS (%d)\n", len(alerts))
	if lvl.collapseAlerts {
		type group struct {
			first, last time.Time
			sev, prod   string
			ids         []string
		}
		var order []string
		groups := map[string]*group{}
		for _, a := range alerts {
			g, ok := groups[a.DisplayName]
			if !ok {
				g = &group{first: a.Time(), sev: a.Severity, prod: a.ProductName}
				groups[a.DisplayName] = g
				order = append(order, a.DisplayName)
			}
			g.last = a.Time()
			g.ids = append(g.ids, a.SystemAlertID)
		}
		for n, name := range order {
			g := groups[name]
			w("A%d %s..%s x%d %s %q (%s) ids: %s\n", n+1, clk.at(g.first), clk.at(g.last), len(g.ids), g.sev, oneLine(name), oneLine(g.prod), strings.Join(g.ids, ", "))
		}
	} else {
		values := entityValues(d.Entities)
		descs := map[string]int{}
		for n, a := range alerts {
			w("A%d %s %s %q", n+1, clk.at(a.Time()), a.Severity, oneLine(a.DisplayName))
			if len(products) > 1 {
				w(" (%s)", oneLine(a.ProductName))
			}
			w(" id %s", a.SystemAlertID)
			// A description that names nothing of this incident, counts
			// nothing and quotes nothing is the product's generic text about
			// the detection, which its name already says; one with a number
			// ("46 distinct accounts", "image …:3.19") or a quoted name says
			// what happened here.
			generic := !namesAny(a.Description, values) && !strings.ContainsFunc(a.Description, unicode.IsDigit) &&
				!strings.ContainsAny(a.Description, "\"“”")
			if lvl.alertDetails && a.Description != "" && !generic {
				desc := clip(a.Description, lvl.textLimit)
				if oneLine(a.Description) == oneLine(i.Description) {
					w(": as the incident's description")
				} else if first, ok := descs[desc]; ok {
					w(": as A%d", first)
				} else {
					descs[desc] = n + 1
					w(": %s", desc)
				}
			}
			w("\n")
			if lvl.alertDetails {
				if det := alertDetails(a, values, a.Description+" "+i.Description, lvl.textLimit); det != "" {
					w("   details: %s\n", det)
				}
			}
		}
		if len(products) == 1 {
			for p := range products {
				if p != "" {
					w("(all from %s)\n", oneLine(p))
				}
			}
		}
	}

	ents := newEntityRefs(d.Entities)
	w("\nENTITIES (%d)\n", len(d.Entities))
	for _, g := range groupByKind(d.Entities) {
		var items []string
		seen := map[string]bool{}
		for _, e := range g.entities {
			item := ents.label(e) + entityValue(e)
			if extra := ents.extra(e, lvl, &clk); extra != "" {
				item += " (" + extra + ")"
			}
			if seen[item] {
				continue // the same entity reported by several alerts
			}
			seen[item] = true
			items = append(items, item)
		}
		kind := g.kind
		if g.kind == socpilot.KindProcess && len(ents.common) > 0 {
			kind += " (all: " + ents.commonText(lvl) + ")"
		}
		// Short values share a line; long ones (command lines, paths) get their own.
		short := true
		for _, it := range items {
			short = short && len(it) <= 60
		}
		if short {
			w("%s: %s\n", kind, strings.Join(items, "; "))
			continue
		}
		w("%s:\n", kind)
		for _, it := range items {
			w("- %s\n", it)
		}
	}

	if len(d.Bookmarks) > 0 {
		w("\nBOOKMARKS (%d)\n", len(d.Bookmarks))
		for _, bm := range d.Bookmarks {
			w("- %s %s", clk.at(bm.EventTime), oneLine(bm.DisplayName))
			if lvl.entityDetails && bm.Query != "" {
				w(" query: %s", clip(bm.Query, lvl.textLimit))
			}
			if lvl.commentLimit > 0 && bm.Notes != "" {
				w(" notes: %s", clip(bm.Notes, lvl.commentLimit))
			}
			w("\n")
		}
	}
	comments := socpilot.AnalystComments(d.Comments)
	all := len(comments)
	if len(comments) > lvl.maxComments {
		comments = comments[len(comments)-lvl.maxComments:]
	}
	if len(comments) > 0 {
		if len(comments) < all {
			w("\nCOMMENTS (newest %d of %d)\n", len(comments), all)
		} else {
			w("\nCOMMENTS (%d)\n", all)
		}
		for n, c := range comments {
			// Numbered among all comments, so a reference to C3 means the
			// same comment whatever this level dropped.
			w("C%d %s %s: %s\n", all-len(comments)+n+1, clk.at(c.CreatedTime), oneLine(c.Author), clip(c.Text(), lvl.commentLimit))
		}
	}
	// socpilot's own tasks came from an earlier analysis: leaving them out
	// keeps one run from feeding the next.
	var tasks []string
	for _, t := range d.Tasks {
		if !socpilot.OwnTask(t) {
			tasks = append(tasks, fmt.Sprintf("[%s] %s", t.Status, oneLine(t.Title)))
		}
	}
	if len(tasks) > 0 {
		w("\nTASKS: %s\n", strings.Join(tasks, "; "))
	}
	if len(dropped) > 0 {
		w("\nTRUNCATED to fit the budget; dropped: %s\n", strings.Join(dropped, "; "))
	}
	return b.String()
}

// wordsIn reports whether every word of v (of three letters or more)
// appears in text, which is lower case.
func wordsIn(v, text string) bool {
	words := strings.FieldsFunc(strings.ToLower(v), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	n := 0
	for _, w := range words {
		if len(w) < 3 {
			continue
		}
		if !strings.Contains(text, w) {
			return false
		}
		n++
	}
	return n > 0
}

// namesAny reports whether text contains one of the values.
func namesAny(text string, values map[string]bool) bool {
	low := strings.ToLower(text)
	for v := range values {
		if len(v) >= 3 && strings.Contains(low, v) {
			return true
		}
	}
	return false
}

// entityValues are the lowercased values of the entities, so details that
// only repeat one are left out.
func entityValues(es []socpilot.Entity) map[string]bool {
	m := map[string]bool{}
	for _, e := range es {
		m[strings.ToLower(entityValue(e))] = true
		for _, k := range []string{"accountName", "hostName", "netBiosName", "address", "fileName", "displayName"} {
			if v := e.Prop(k); v != "" {
				m[strings.ToLower(oneLine(v))] = true
			}
		}
	}
	return m
}

// alertNoise are additionalData keys of Sentinel and the products that
// carry plumbing (enqueue times, rule ids, the rule's query and its
// thresholds), not evidence.
var alertNoise = map[string]bool{"alertmessageenqueuetime": true, "originalproductname": true, "providername": true,
	"processedbysentinel": true, "analytic rule ids": true, "analytic rule name": true, "event grouping": true,
	"alert generation status": true, "query": true, "query period": true, "query start time utc": true,
	"query end time utc": true, "trigger operator": true, "trigger threshold": true, "data sources": true,
	"detection timing type": true, "detectionsource": true, "mitretechniques": true, "resourcetype": true,
	"category": true, "request id": true, "deviceid": true, "reportingsystem": true, "occuringdatacenter": true,
	"search query results overall count": true, "namespace": true, "source": true}

// alertDetails renders an alert's custom details: scalar values that are
// evidence, without the ones that only repeat an entity value or what the
// descriptions already say.
func alertDetails(a socpilot.Alert, entityValues map[string]bool, said string, limit int) string {
	said = strings.ToLower(said)
	keys := make([]string, 0, len(a.AdditionalData))
	for k := range a.AdditionalData {
		if !alertNoise[strings.ToLower(k)] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		v := propText(a.AdditionalData[k])
		if v == "" || entityValues[strings.ToLower(v)] || wordsIn(v, said) {
			continue
		}
		parts = append(parts, oneLine(k)+"="+clip(v, min(limit, 160)))
	}
	return strings.Join(parts, "; ")
}

type kindGroup struct {
	kind     string
	entities []socpilot.Entity
}

func groupByKind(es []socpilot.Entity) []kindGroup {
	idx := map[string]int{}
	var out []kindGroup
	for _, e := range es {
		i, ok := idx[e.Kind]
		if !ok {
			i = len(out)
			idx[e.Kind] = i
			out = append(out, kindGroup{kind: e.Kind})
		}
		out[i].entities = append(out[i].entities, e)
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].kind < out[b].kind })
	for _, g := range out {
		sort.SliceStable(g.entities, func(a, b int) bool { return entityValue(g.entities[a]) < entityValue(g.entities[b]) })
		if g.kind == socpilot.KindProcess {
			// Processes in the order they started, so a tree reads top down.
			sort.SliceStable(g.entities, func(a, b int) bool { return started(g.entities[a]).Before(started(g.entities[b])) })
		}
	}
	return out
}

// digestProps are the properties worth a model's attention, per kind; the
// rest is ARM noise, repeats the identifying value, or is an object id
// nobody hunts on while a better identifier is listed.
var digestProps = map[string][]string{
	socpilot.KindHost:             {"netBiosName", "osFamily"},
	socpilot.KindIP:               {},
	socpilot.KindURL:              {},
	socpilot.KindFile:             {"directory"},
	socpilot.KindFileHash:         {},
	socpilot.KindProcess:          {"creationTimeUtc"},
	socpilot.KindMailMessage:      {"sender", "recipient", "senderIP", "receiveDate", "deliveryAction", "deliveryLocation", "urls", "threats", "networkMessageId"},
	socpilot.KindMailbox:          {},
	socpilot.KindCloudApplication: {},
	socpilot.KindAzureResource:    {},
	socpilot.KindDNSResolution:    {"ipAddresses", "dnsServerIp", "hostIpAddress"},
	socpilot.KindRegistryKey:      {"hive"},
	socpilot.KindRegistryValue:    {"valueData"},
}

// processRefs are a process entity's references to other entities, in
// the order the digest shows them.
var processRefs = []string{"parentProcessEntityId", "imageFileEntityId", "accountEntityId", "hostEntityId"}

// entityRefs resolves the references between an incident's entities for
// the digest. A process that is the parent of another listed process gets
// a label (P1, P2, … in start order), and its children name the label
// instead of repeating its command line; a reference every process shares
// (the one host, the one account) is said once for all of them.
type entityRefs struct {
	byID   map[string]socpilot.Entity
	labels map[string]string // process key → label
	common map[string]string // reference → the value every process has
}

func newEntityRefs(es []socpilot.Entity) *entityRefs {
	r := &entityRefs{byID: map[string]socpilot.Entity{}, labels: map[string]string{}, common: map[string]string{}}
	var procs []socpilot.Entity
	for _, e := range es {
		r.byID[e.ID] = e
		if e.Kind == socpilot.KindProcess {
			procs = append(procs, e)
		}
	}
	parents := map[string]bool{}
	for _, p := range procs {
		if id, _ := p.Properties["parentProcessEntityId"].(string); id != "" {
			if parent, ok := r.byID[id]; ok && parent.Kind == socpilot.KindProcess {
				parents[processKey(parent)] = true
			}
		}
	}
	for _, g := range groupByKind(procs) {
		for _, p := range g.entities {
			if k := processKey(p); parents[k] && r.labels[k] == "" {
				r.labels[k] = fmt.Sprintf("P%d", len(r.labels)+1)
			}
		}
	}
	if len(procs) > 1 {
		for _, ref := range processRefs[1:] {
			v := r.ref(procs[0], ref)
			for _, p := range procs[1:] {
				if r.ref(p, ref) != v {
					v = ""
					break
				}
			}
			if v != "" {
				r.common[ref] = v
			}
		}
	}
	return r
}

// started is when a process started; zero when its entity does not say.
func started(e socpilot.Entity) time.Time {
	t, _ := time.Parse(time.RFC3339, e.Prop("creationTimeUtc"))
	return t
}

// processKey identifies a process however many alerts reported it.
func processKey(e socpilot.Entity) string {
	return entityValue(e) + "\x00" + e.Prop("creationTimeUtc")
}

// ref is the value of the entity e references under key, or "".
func (r *entityRefs) ref(e socpilot.Entity, key string) string {
	if id, _ := e.Properties[key].(string); id != "" {
		if x, ok := r.byID[id]; ok {
			return entityValue(x)
		}
	}
	return ""
}

// label is a process's label and a space, or "".
func (r *entityRefs) label(e socpilot.Entity) string {
	if e.Kind != socpilot.KindProcess {
		return ""
	}
	if l := r.labels[processKey(e)]; l != "" {
		return l + " "
	}
	return ""
}

// commonText says the references every process shares.
func (r *entityRefs) commonText(lvl digestLevel) string {
	var parts []string
	for _, ref := range processRefs[1:] {
		if v := r.common[ref]; v != "" {
			parts = append(parts, strings.TrimSuffix(ref, "EntityId")+"="+clip(v, lvl.textLimit))
		}
	}
	return strings.Join(parts, "; ")
}

// bareProps are properties whose value says what it is (Windows, Linux):
// shown without their key.
var bareProps = map[string]bool{"osFamily": true}

func (r *entityRefs) extra(e socpilot.Entity, lvl digestLevel, clk *clock) string {
	var parts []string
	v := entityValue(e)
	lv := strings.ToLower(v)
	add := func(k, x string) {
		switch {
		case x == "" || strings.Contains(lv, strings.ToLower(x)):
		case bareProps[k]:
			parts = append(parts, clip(x, lvl.textLimit))
		default:
			parts = append(parts, k+"="+clip(x, lvl.textLimit))
		}
	}
	if lvl.entityDetails {
		switch e.Kind {
		case socpilot.KindAccount:
			// A UPN identifies the account; without one, say which directory
			// and keep the ids a query can use. A display name the UPN
			// already spells (Adele Vance for adele.vance@…) adds nothing.
			if dn := propText(e.Properties["displayName"]); dn != "" && !strings.EqualFold(dn, v) && !wordsIn(dn, lv) {
				parts = append(parts, clip(dn, lvl.textLimit))
			}
			if !strings.Contains(v, "@") {
				for _, k := range []string{"ntDomain", "sid", "aadUserId"} {
					add(k, propText(e.Properties[k]))
				}
			}
		case socpilot.KindMailMessage:
			for _, k := range digestProps[e.Kind] {
				x := propText(e.Properties[k])
				if k == "receiveDate" {
					if t, err := time.Parse(time.RFC3339, x); err == nil {
						x = clk.at(t)
					}
				}
				add(k, x)
			}
		case socpilot.KindProcess:
			if t, err := time.Parse(time.RFC3339, propText(e.Properties["creationTimeUtc"])); err == nil {
				parts = append(parts, "at "+clk.at(t))
			}
		case socpilot.KindIP:
			if loc, ok := e.Properties["location"].(map[string]any); ok {
				var l []string
				seen := map[string]bool{}
				for _, k := range []string{"city", "countryCode", "asn", "organization", "carrier"} {
					x := propText(loc[k])
					if k == "asn" && x != "" {
						x = "AS" + x
					}
					if x != "" && !seen[strings.ToLower(x)] {
						seen[strings.ToLower(x)] = true
						l = append(l, x)
					}
				}
				if len(l) > 0 {
					parts = append(parts, strings.Join(l, ", "))
				}
			}
		default:
			for _, k := range digestProps[e.Kind] {
				add(k, propText(e.Properties[k]))
			}
		}
	}
	if e.Kind == socpilot.KindProcess {
		// The command line is the identifying value; keep its parent (by
		// label when the parent is listed), and its image, account and
		// host where the command line or the line for all processes does
		// not say them.
		for _, ref := range processRefs {
			id, _ := e.Properties[ref].(string)
			x, ok := r.byID[id]
			if !ok || r.common[ref] != "" {
				continue
			}
			name := strings.TrimSuffix(ref, "EntityId")
			if ref == "parentProcessEntityId" {
				name = "parent"
			}
			rv := entityValue(x)
			switch {
			case ref == "parentProcessEntityId" && r.label(x) != "":
				parts = append(parts, name+" "+strings.TrimSpace(r.label(x)))
			case ref != "parentProcessEntityId" && strings.Contains(lv, strings.ToLower(rv)):
			default:
				parts = append(parts, name+"="+clip(rv, lvl.textLimit))
			}
		}
	}
	return strings.Join(parts, "; ")
}

func propText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return oneLine(x)
	case float64:
		if x == float64(int64(x)) {
			return fmt.Sprint(int64(x))
		}
		return fmt.Sprint(x)
	case bool:
		return fmt.Sprint(x)
	case []any:
		var s []string
		for _, e := range x {
			if t := propText(e); t != "" {
				s = append(s, t)
			}
		}
		return strings.Join(s, ",")
	}
	return ""
}

func ts(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// oneLine folds whitespace so one field cannot forge lines of the digest.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// clip is oneLine cut to n runes, marking the cut with "…" (how much was
// cut does not help a reader).
func clip(s string, n int) string {
	s = oneLine(s)
	r := []rune(s)
	if n <= 0 || len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
