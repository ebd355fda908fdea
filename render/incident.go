package render

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/socpilot/socpilot"
)

// IncidentsTable writes incidents as an aligned table.
func IncidentsTable(w io.Writer, incs []socpilot.Incident) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NUMBER\tSEVERITY\tSTATUS\tCREATED (UTC)\tALERTS\tOWNER\tTITLE")
	for _, i := range incs {
		owner := i.Owner.AssignedTo
		if owner == "" {
			owner = "-"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s\n", i.Number, i.Severity, i.Status,
			i.CreatedTime.UTC().Format("2006-01-02 15:04"), i.AlertsCount, Truncate(Line(owner), 24), Truncate(Line(i.Title), 80))
	}
	return tw.Flush()
}

// Time formats t for people, in UTC; "-" when unknown.
func Time(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

// EntityValue is the entity's identifying value (see socpilot.Entity.Value).
func EntityValue(e socpilot.Entity) string { return e.Value() }

// IncidentMarkdown writes an incident with its alerts, entities grouped by
// kind, bookmarks, comments and tasks as Markdown for a terminal.
func IncidentMarkdown(w io.Writer, d socpilot.IncidentDetails) error {
	i := d.Incident
	p := &printer{w: w}
	if id := i.ProviderIncidentID; id != "" && id != strconv.Itoa(i.Number) && i.ProviderName == "Microsoft XDR" {
		p.f("# Incident %d (Defender incident %s): %s\n\n", i.Number, Line(id), Line(i.Title))
	} else {
		p.f("# Incident %d: %s\n\n", i.Number, Line(i.Title))
	}
	p.f("| | |\n|---|---|\n")
	p.f("| Severity | %s |\n| Status | %s |\n", i.Severity, i.Status)
	if i.Classification != "" {
		p.f("| Classification | %s %s |\n", i.Classification, Line(i.ClassificationReason))
	}
	owner := i.Owner.AssignedTo
	if owner == "" {
		owner = i.Owner.UserPrincipalName
	}
	if owner == "" {
		owner = "unassigned"
	}
	p.f("| Owner | %s |\n", cell(owner))
	p.f("| Created | %s |\n| First activity | %s |\n| Last activity | %s |\n", Time(i.CreatedTime), Time(i.FirstActivityTime), Time(i.LastActivityTime))
	if len(i.Tactics) > 0 {
		p.f("| Tactics | %s |\n", cell(strings.Join(i.Tactics, ", ")))
	}
	if len(i.Techniques) > 0 {
		p.f("| Techniques | %s |\n", cell(strings.Join(i.Techniques, ", ")))
	}
	if len(i.AlertProductNames) > 0 {
		p.f("| Products | %s |\n", cell(strings.Join(i.AlertProductNames, ", ")))
	}
	if len(i.Labels) > 0 {
		p.f("| Labels | %s |\n", cell(strings.Join(i.Labels, ", ")))
	}
	if i.URL != "" {
		p.f("| Portal | %s |\n", cell(i.URL))
	}
	p.f("| Id | %s |\n", cell(i.Name))
	if i.Description != "" {
		p.f("\n## Description\n\n%s\n", quote(i.Description))
	}

	alerts := slices.Clone(d.Alerts)
	sort.SliceStable(alerts, func(a, b int) bool { return alerts[a].Time().Before(alerts[b].Time()) })
	p.f("\n## Alerts (%d)\n\n", len(alerts))
	if len(alerts) == 0 {
		p.f("No alerts.\n")
	}
	for _, a := range alerts {
		p.f("- **%s** — %s, %s, %s\n", Line(a.DisplayName), a.Severity, Line(a.ProductName), Time(a.Time()))
		if len(a.Tactics) > 0 || len(a.Techniques) > 0 {
			p.f("  - tactics: %s; techniques: %s\n", orDash(strings.Join(a.Tactics, ", ")), orDash(strings.Join(a.Techniques, ", ")))
		}
		if a.Description != "" {
			p.f("  - %s\n", Truncate(Line(a.Description), 300))
		}
	}

	p.f("\n## Entities (%d)\n", len(d.Entities))
	for _, g := range GroupEntities(d.Entities) {
		p.f("\n### %s (%d)\n\n", g.Kind, len(g.Entities))
		for _, e := range g.Entities {
			v := EntityValue(e)
			extra := entityDetail(e)
			if extra != "" {
				p.f("- `%s` — %s\n", code(v), extra)
			} else {
				p.f("- `%s`\n", code(v))
			}
		}
	}

	if len(d.Bookmarks) > 0 {
		p.f("\n## Bookmarks (%d)\n\n", len(d.Bookmarks))
		for _, b := range d.Bookmarks {
			p.f("- %s (%s)\n", Line(b.DisplayName), Time(b.EventTime))
		}
	}
	p.f("\n## Comments (%d)\n\n", len(d.Comments))
	if len(d.Comments) == 0 {
		p.f("No comments.\n")
	}
	for _, c := range d.Comments {
		p.f("- %s, %s (id %s):\n%s\n", orDash(Line(c.Author)), Time(c.CreatedTime), c.Name, indent(Truncate(Clean(c.Text()), 600)))
	}
	p.f("\n## Tasks (%d)\n\n", len(d.Tasks))
	if len(d.Tasks) == 0 {
		p.f("No tasks.\n")
	}
	for _, t := range d.Tasks {
		box := " "
		if t.Status == "Completed" {
			box = "x"
		}
		p.f("- [%s] %s\n", box, Line(t.Title))
	}
	return p.err
}

// EntityGroup is the entities of one kind.
type EntityGroup struct {
	Kind     string
	Entities []socpilot.Entity
}

// kindOrder puts the kinds analysts look at first first.
var kindOrder = []string{socpilot.KindAccount, socpilot.KindHost, socpilot.KindIP, socpilot.KindURL, socpilot.KindMailbox,
	socpilot.KindMailMessage, socpilot.KindMailCluster, socpilot.KindProcess, socpilot.KindFile, socpilot.KindFileHash,
	socpilot.KindRegistryKey, socpilot.KindRegistryValue, socpilot.KindDNSResolution, socpilot.KindCloudApplication,
	socpilot.KindAzureResource, socpilot.KindSecurityGroup, socpilot.KindMalware}

// GroupEntities groups entities by kind, in a fixed order, values sorted.
func GroupEntities(es []socpilot.Entity) []EntityGroup {
	by := map[string][]socpilot.Entity{}
	for _, e := range es {
		by[e.Kind] = append(by[e.Kind], e)
	}
	var kinds []string
	for k := range by {
		kinds = append(kinds, k)
	}
	rank := func(k string) int {
		if i := slices.Index(kindOrder, k); i >= 0 {
			return i
		}
		return len(kindOrder)
	}
	sort.Slice(kinds, func(a, b int) bool {
		if ra, rb := rank(kinds[a]), rank(kinds[b]); ra != rb {
			return ra < rb
		}
		return kinds[a] < kinds[b]
	})
	out := make([]EntityGroup, 0, len(kinds))
	for _, k := range kinds {
		g := by[k]
		sort.SliceStable(g, func(a, b int) bool { return EntityValue(g[a]) < EntityValue(g[b]) })
		out = append(out, EntityGroup{Kind: k, Entities: g})
	}
	return out
}

func entityDetail(e socpilot.Entity) string {
	var parts []string
	add := func(label, key string) {
		if v := e.Prop(key); v != "" && v != EntityValue(e) {
			parts = append(parts, label+" "+Truncate(Line(v), 120))
		}
	}
	switch e.Kind {
	case socpilot.KindAccount:
		add("name", "displayName")
		add("aad", "aadUserId")
	case socpilot.KindHost:
		add("os", "osFamily")
	case socpilot.KindIP:
		if loc, ok := e.Properties["location"].(map[string]any); ok {
			var l []string
			for _, k := range []string{"city", "countryName", "countryCode", "organization", "asn"} {
				if v, ok := loc[k]; ok && fmt.Sprint(v) != "" {
					l = append(l, fmt.Sprint(v))
				}
			}
			if len(l) > 0 {
				parts = append(parts, Line(strings.Join(l, ", ")))
			}
		}
	case socpilot.KindFileHash:
		add("", "algorithm")
	case socpilot.KindProcess:
		add("pid", "processId")
	case socpilot.KindMailMessage:
		add("from", "sender")
		add("to", "recipient")
	case socpilot.KindDNSResolution:
		add("server", "dnsServerIp")
	case socpilot.KindCloudApplication:
		add("app id", "appId")
	case socpilot.KindFile:
		add("in", "directory")
	}
	return strings.TrimSpace(strings.Join(parts, "; "))
}

type printer struct {
	w   io.Writer
	err error
}

func (p *printer) f(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// cell makes untrusted text safe inside a Markdown table cell.
func cell(s string) string { return strings.ReplaceAll(Line(s), "|", `\|`) }

// code makes untrusted text safe inside a Markdown code span.
func code(s string) string { return strings.ReplaceAll(Line(s), "`", "'") }

// quote renders untrusted multi-line text as a Markdown block quote, so it
// reads as quoted data and cannot open headings or lists of its own.
func quote(s string) string {
	lines := strings.Split(strings.TrimSpace(Clean(s)), "\n")
	for i, l := range lines {
		lines[i] = "> " + l
	}
	return strings.Join(lines, "\n")
}

func indent(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		lines[i] = "    " + l
	}
	return strings.Join(lines, "\n")
}
