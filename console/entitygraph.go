package console

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/socpilot/socpilot"
)

// The entity graph is the incident drawn as Sentinel's investigation graph
// draws it: the alerts, the entities they name, and the incidents that
// share an entity. It is laid out here in columns, in whole pixels —
// entities grouped by kind on both sides of the alerts, related incidents
// on the right — so that the same incident always gives the same SVG and
// no two nodes overlap however large the incident.
//
// Sentinel's incident API lists an incident's entities without saying which
// alert carried each one, so an entity is tied to the alerts whose name or
// description names it (as a word, the way the offline analyst reads
// prose); with a single alert every entity is that alert's; an entity no
// alert names hangs off the incident itself.

// Graph geometry, in SVG user units.
const (
	egWidth      = 1160
	egLeftX      = 8
	egEntityW    = 250
	egAlertX     = 356
	egAlertW     = 290
	egRightX     = 752
	egRelatedX   = 1030
	egRelatedW   = 122
	egTop        = 40 // below the column captions
	egRowH       = 24 // an entity row or a kind header
	egEntityH    = 20
	egAlertH     = 36
	egAlertPitch = 46
	egIncidentH  = 30
	egBottom     = 12
	// Caps keep a 150-alert, 500-entity incident readable: the rest is
	// counted in "+N more".
	egMaxAlerts   = 12
	egMaxRelated  = 5 // also bounds the related incidents read for titles
	egMaxRows     = 64
	egMaxPerKind  = 8
	egMinPerKind  = 2
	egEntityChars = 28
	egAlertChars  = 36
	egTitleAlerts = 6
)

// entityGraph is the view model of the entity graph.
type entityGraph struct {
	Width, Height int
	Captions      []egText
	Incident      egNode
	Alerts        []egNode
	Groups        []egText
	Entities      []egNode
	Related       []egNode
	Edges         []egEdge
	Notes         []egText
	Clips         []egClip
	Summary       string
}

// egClip is a column's clip path: a label longer than its box (wide
// glyphs, a font other than the one the caps assume) is cut at the box's
// edge instead of running over the next column.
type egClip struct {
	ID   string
	X, W int
}

// egNode is a box with a label; Href makes it a link (related incidents).
type egNode struct {
	X, Y, W, H int
	CX         int // the centre, for a centred label
	Clip       string
	Class      string
	Badge      string // the entity kind, abbreviated
	Label      string
	Sub        string // a second line: an alert's severity and time
	Title      string
	Href       string
}

type egText struct {
	X, Y   int
	Anchor string
	Class  string
	Text   string
}

type egEdge struct {
	D     string
	Class string
}

// egKind is how a kind of entity is shown.
type egKind struct {
	kind, badge, label, class string
}

// egKinds are the entity kinds of the root package, in the order their
// groups are laid out: who and where first, then what ran and what it
// touched.
var egKinds = []egKind{
	{socpilot.KindAccount, "ACCT", "Accounts", "eg-kind-account"},
	{socpilot.KindHost, "HOST", "Hosts", "eg-kind-host"},
	{socpilot.KindIP, "IP", "IP addresses", "eg-kind-ip"},
	{socpilot.KindURL, "URL", "URLs", "eg-kind-url"},
	{socpilot.KindDNSResolution, "DNS", "DNS names", "eg-kind-dns"},
	{socpilot.KindMailbox, "MBX", "Mailboxes", "eg-kind-mailbox"},
	{socpilot.KindMailMessage, "MAIL", "Mail messages", "eg-kind-mail"},
	{socpilot.KindMailCluster, "MCL", "Mail clusters", "eg-kind-mail"},
	{socpilot.KindCloudApplication, "APP", "Cloud apps", "eg-kind-app"},
	{socpilot.KindAzureResource, "AZR", "Azure resources", "eg-kind-azure"},
	{socpilot.KindSecurityGroup, "GRP", "Security groups", "eg-kind-group"},
	{socpilot.KindProcess, "PROC", "Processes", "eg-kind-process"},
	{socpilot.KindFile, "FILE", "Files", "eg-kind-file"},
	{socpilot.KindFileHash, "HASH", "File hashes", "eg-kind-hash"},
	{socpilot.KindRegistryKey, "REGK", "Registry keys", "eg-kind-registry"},
	{socpilot.KindRegistryValue, "REGV", "Registry values", "eg-kind-registry"},
	{socpilot.KindMalware, "MAL", "Malware", "eg-kind-malware"},
}

// egKindOf returns how kind is shown; a kind the root package does not
// define keeps its own name and sorts after the known ones.
func egKindOf(kind string) (egKind, int) {
	for i, k := range egKinds {
		if strings.EqualFold(k.kind, kind) {
			return k, i
		}
	}
	badge := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' {
			return r - 'a' + 'A'
		}
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, kind)
	if len(badge) > 4 {
		badge = badge[:4]
	}
	return egKind{kind: kind, badge: badge, label: clipText(oneLine(kind), 24), class: "eg-kind-other"}, len(egKinds)
}

// egEntity is one distinct entity of the incident.
type egEntity struct {
	kind        egKind
	order       int // kind's place in egKinds
	index       int // first place in the incident's list
	value       string
	label       string   // what the node shows: the value, or a shorter name
	names       []string // lower case, as prose writes it
	alerts      []int    // indexes into the sorted alerts
	compromised string   // the analysis's evidence, when it names it
	shared      []int    // other incidents it appears in
	side, y     int
}

// egAlert is an alert, oldest first.
type egAlert struct {
	a    socpilot.Alert
	text string // lower case name and description
	node int    // index into the graph's Alerts; -1 for "+N more"
}

// newEntityGraph lays out the alerts and entities of d with the analysis's
// compromised entities and correlations; titles names related incidents
// when they were read (may be nil). It returns nil when the incident has
// neither alerts nor entities.
func newEntityGraph(d socpilot.IncidentDetails, a socpilot.Analysis, titles map[int]string) *entityGraph {
	alerts := egAlerts(d.Alerts)
	ents := egEntities(d.Entities)
	if len(alerts) == 0 && len(ents) == 0 {
		return nil
	}
	egLink(alerts, ents)
	egMark(ents, a, d.Incident.Number)

	g := &entityGraph{Width: egWidth}
	visibleAlerts, moreAlerts := egPickAlerts(alerts)
	related, moreRelated := egRelated(a.Correlations, d.Incident.Number)
	rows := egLayoutEntities(g, ents)

	// The alert column: the incident on top, then the alerts, centred on
	// the entity columns so that edges fan out evenly.
	nAlertNodes := len(visibleAlerts)
	if moreAlerts > 0 {
		nAlertNodes++
	}
	alertBlock := egIncidentH + 14 + nAlertNodes*egAlertPitch
	entityBlock := rows * egRowH
	relatedBlock := (len(related) + 1) * egAlertPitch
	content := max(alertBlock, entityBlock, relatedBlock)
	top := egTop + (content-alertBlock)/2
	inc := d.Incident
	g.Incident = egNode{X: egAlertX, Y: top, W: egAlertW, H: egIncidentH, CX: egAlertX + egAlertW/2, Class: "eg-node eg-incident",
		Label: clipText(fmt.Sprintf("Incident #%d", inc.Number), egAlertChars),
		Title: fmt.Sprintf("Incident #%d: %s\n%s", inc.Number, oneLine(inc.Title), plural(len(d.Alerts), "alert"))}
	y := top + egIncidentH + 14
	for _, i := range visibleAlerts {
		al := alerts[i].a
		sev := al.Severity
		if sev == "" {
			sev = "no severity"
		}
		sub := sev
		if t := al.Time(); !t.IsZero() {
			sub += " · " + t.UTC().Format("Jan 2 15:04 UTC")
		}
		title := oneLine(al.DisplayName) + "\n" + sub
		if al.ProductName != "" {
			title += "\n" + oneLine(al.ProductName)
		}
		if desc := oneLine(al.Description); desc != "" {
			title += "\n" + clipText(desc, 400)
		}
		alerts[i].node = len(g.Alerts)
		g.Alerts = append(g.Alerts, egNode{X: egAlertX, Y: y, W: egAlertW, H: egAlertH, Clip: "eg-clip-alerts",
			Class: "eg-node eg-alert eg-sev-" + egSevClass(al.Severity),
			Label: clipText(oneLine(al.DisplayName), egAlertChars), Sub: sub, Title: title})
		y += egAlertPitch
	}
	moreNode := -1
	if moreAlerts > 0 {
		moreNode = len(g.Alerts)
		g.Alerts = append(g.Alerts, egNode{X: egAlertX, Y: y, W: egAlertW, H: egAlertH, Class: "eg-node eg-alert eg-more",
			Label: fmt.Sprintf("+%d more alerts", moreAlerts),
			Title: fmt.Sprintf("%d alerts are not drawn; the %d most severe are.", moreAlerts, len(visibleAlerts))})
		for i := range alerts {
			if alerts[i].node < 0 {
				alerts[i].node = moreNode
			}
		}
	}

	// Related incidents, on the right of the shared entities.
	relY := map[int]int{}
	ry := egTop + (content-relatedBlock)/2 + egAlertPitch/2
	for _, r := range related {
		label := fmt.Sprintf("#%d", r.number)
		title := fmt.Sprintf("Incident #%d", r.number)
		if t := titles[r.number]; t != "" {
			title += ": " + oneLine(t)
		}
		title += "\nshares " + strings.Join(r.entities, ", ")
		relY[r.number] = ry + egAlertH/2
		g.Related = append(g.Related, egNode{X: egRelatedX, Y: ry, W: egRelatedW, H: egAlertH, Clip: "eg-clip-related", Class: "eg-node eg-related",
			Label: label, Sub: plural(len(r.entities), "shared entity"), Title: clipText(title, 600),
			Href: "/incidents/" + strconv.Itoa(r.number)})
		ry += egAlertPitch
	}
	if moreRelated > 0 {
		g.Notes = append(g.Notes, egText{X: egRelatedX, Y: ry + 14, Anchor: "start", Class: "eg-note",
			Text: fmt.Sprintf("+%d more related", moreRelated)})
	}

	// Edges: entity to alert (or to the incident when no alert names it),
	// and shared entity to the related incident.
	for _, e := range ents {
		if e.y == 0 {
			continue // capped out
		}
		ey := e.y + egEntityH/2
		ex, ax := egLeftX+egEntityW, egAlertX
		if e.side == 1 {
			ex, ax = egRightX, egAlertX+egAlertW
		}
		class := "eg-edge"
		if e.compromised != "" {
			class += " eg-edge-compromised"
		}
		if len(e.alerts) == 0 {
			g.Edges = append(g.Edges, egEdge{D: egCurve(ex, ey, ax, g.Incident.Y+egIncidentH/2), Class: class + " eg-edge-incident"})
		}
		drawn := map[int]bool{}
		for _, ai := range e.alerts {
			n := alerts[ai].node
			if drawn[n] {
				continue
			}
			drawn[n] = true
			g.Edges = append(g.Edges, egEdge{D: egCurve(ex, ey, ax, g.Alerts[n].Y+egAlertH/2), Class: class})
		}
		if e.side == 1 {
			for _, n := range e.shared {
				if ry, ok := relY[n]; ok {
					g.Edges = append(g.Edges, egEdge{D: egCurve(egRightX+egEntityW, ey, egRelatedX, ry), Class: "eg-edge eg-edge-related"})
				}
			}
		}
	}

	g.Captions = []egText{
		{X: egLeftX, Y: 16, Anchor: "start", Class: "eg-caption", Text: "Entities"},
		{X: egAlertX + egAlertW/2, Y: 16, Anchor: "middle", Class: "eg-caption", Text: "Alerts"},
		{X: egRightX, Y: 16, Anchor: "start", Class: "eg-caption", Text: "Entities"},
	}
	if len(related) > 0 {
		g.Captions = append(g.Captions, egText{X: egRelatedX, Y: 16, Anchor: "start", Class: "eg-caption", Text: "Related incidents"})
	}
	g.Height = egTop + content + egBottom
	g.Clips = []egClip{{"eg-clip-left", egLeftX, egEntityW - 3}, {"eg-clip-alerts", egAlertX, egAlertW - 3},
		{"eg-clip-right", egRightX, egEntityW - 3}, {"eg-clip-related", egRelatedX, egRelatedW - 3}}
	g.Summary = egSummary(alerts, ents, related, moreRelated)
	return g
}

// egCurve is an S-shaped link between two points.
func egCurve(x1, y1, x2, y2 int) string {
	mx := (x1 + x2) / 2
	return fmt.Sprintf("M%d %d C%d %d %d %d %d %d", x1, y1, mx, y1, mx, y2, x2, y2)
}

func egSevClass(sev string) string {
	for _, s := range socpilot.Severities {
		if strings.EqualFold(s, sev) {
			return strings.ToLower(s)
		}
	}
	return "other"
}

func egAlerts(in []socpilot.Alert) []egAlert {
	out := make([]egAlert, len(in))
	for i, a := range in {
		out[i] = egAlert{a: a, text: strings.ToLower(a.DisplayName + "\n" + a.Description), node: -1}
	}
	slices.SortStableFunc(out, func(x, y egAlert) int { return x.a.Time().Compare(y.a.Time()) })
	return out
}

// egEntities merges entities of one kind and value (an incident may list
// the same account twice) and leaves out alerts and bookmarks, which are
// not entities of the graph.
func egEntities(in []socpilot.Entity) []*egEntity {
	var out []*egEntity
	byKey := map[string]*egEntity{}
	for i, e := range in {
		if strings.EqualFold(e.Kind, socpilot.KindSecurityAlert) || strings.EqualFold(e.Kind, socpilot.KindBookmark) {
			continue
		}
		v := oneLine(e.Value())
		if v == "" {
			continue
		}
		key := strings.ToLower(e.Kind) + "\x00" + strings.ToLower(v)
		if have, ok := byKey[key]; ok {
			have.names = egAddNames(have.names, e)
			continue
		}
		k, order := egKindOf(e.Kind)
		ent := &egEntity{kind: k, order: order, index: i, value: v, label: egLabel(e, v), names: egAddNames(nil, e)}
		byKey[key] = ent
		out = append(out, ent)
	}
	return out
}

// egLabel is what an entity's node shows. A process is known by its image
// and an Azure resource by its name, as Sentinel's graph shows them; their
// values (a command line, a resource id) are in the hover text.
func egLabel(e socpilot.Entity, value string) string {
	if strings.EqualFold(e.Kind, socpilot.KindProcess) || strings.EqualFold(e.Kind, socpilot.KindAzureResource) {
		if f := oneLine(e.FriendlyName()); f != "" {
			return f
		}
	}
	return value
}

// egNameProps are the properties whose values prose uses for an entity.
var egNameProps = []string{"friendlyName", "accountName", "userPrincipalName", "hostName", "netBiosName", "fqdn",
	"address", "url", "fileName", "hashValue", "domainName", "appName", "mailboxPrimaryAddress", "upn",
	"malwareName", "resourceName", "subject"}

func egAddNames(names []string, e socpilot.Entity) []string {
	add := func(s string) {
		s = strings.ToLower(strings.TrimSpace(oneLine(s)))
		if len(s) >= 3 && !slices.Contains(names, s) {
			names = append(names, s)
		}
	}
	add(e.Value())
	for _, p := range egNameProps {
		add(e.Prop(p))
	}
	if d := e.Prop("displayName"); strings.Contains(d, " ") {
		add(d)
	}
	return names
}

// egLink ties each entity to the alerts that name it.
func egLink(alerts []egAlert, ents []*egEntity) {
	for _, e := range ents {
		for i, al := range alerts {
			for _, n := range e.names {
				if socpilot.Mentions(al.text, n) {
					e.alerts = append(e.alerts, i)
					break
				}
			}
		}
		// Sentinel's incident entities are its alerts' entities: with one
		// alert, every entity is that alert's.
		if len(e.alerts) == 0 && len(alerts) == 1 {
			e.alerts = []int{0}
		}
	}
}

// egMark sets what the analysis says of each entity: compromised, and
// seen in other incidents.
func egMark(ents []*egEntity, a socpilot.Analysis, own int) {
	match := func(e *egEntity, kind, value string) bool {
		if kind != "" && !strings.EqualFold(kind, e.kind.kind) {
			return false
		}
		return slices.Contains(e.names, strings.ToLower(strings.TrimSpace(value)))
	}
	for _, e := range ents {
		for _, c := range a.Compromised {
			if match(e, c.Kind, c.Entity) && e.compromised == "" {
				e.compromised = oneLine(c.Evidence)
				if e.compromised == "" {
					e.compromised = "named compromised by the analysis"
				}
			}
		}
		for _, c := range a.Correlations {
			if !match(e, c.Kind, c.Entity) {
				continue
			}
			for _, n := range c.Incidents {
				if n != own && !slices.Contains(e.shared, n) {
					e.shared = append(e.shared, n)
				}
			}
		}
		slices.Sort(e.shared)
	}
}

// egPickAlerts chooses the alerts drawn: all of them when they fit, else
// the most severe (earliest first among equals), drawn in time order.
func egPickAlerts(alerts []egAlert) ([]int, int) {
	idx := make([]int, len(alerts))
	for i := range idx {
		idx[i] = i
	}
	if len(alerts) <= egMaxAlerts {
		return idx, 0
	}
	keep := egMaxAlerts - 1 // one row for "+N more"
	slices.SortStableFunc(idx, func(x, y int) int { return egSevRank(alerts[x].a.Severity) - egSevRank(alerts[y].a.Severity) })
	idx = idx[:keep]
	slices.Sort(idx)
	return idx, len(alerts) - keep
}

func egSevRank(sev string) int {
	for i, s := range socpilot.Severities {
		if strings.EqualFold(s, sev) {
			return i
		}
	}
	return len(socpilot.Severities)
}

type egRelatedIncident struct {
	number   int
	entities []string
}

// egRelated lists the incidents sharing an entity, those sharing most
// first, at most egMaxRelated of them, and how many more there are.
func egRelated(cs []socpilot.Correlation, own int) ([]egRelatedIncident, int) {
	by := map[int]*egRelatedIncident{}
	for _, c := range cs {
		for _, n := range c.Incidents {
			if n == own {
				continue
			}
			if by[n] == nil {
				by[n] = &egRelatedIncident{number: n}
			}
			v := clipText(oneLine(c.Entity), 80)
			if !slices.Contains(by[n].entities, v) {
				by[n].entities = append(by[n].entities, v)
			}
		}
	}
	var out []egRelatedIncident
	for _, r := range by {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(x, y egRelatedIncident) int {
		return cmp.Or(len(y.entities)-len(x.entities), x.number-y.number)
	})
	if len(out) > egMaxRelated {
		return out[:egMaxRelated], len(out) - egMaxRelated
	}
	return out, 0
}

// egGroup is the entities of one kind.
type egGroup struct {
	kind   egKind
	order  int
	ents   []*egEntity
	shown  int
	shared bool
	side   int
}

func (gr *egGroup) rows() int {
	n := 1 + gr.shown
	if gr.shown < len(gr.ents) {
		n++
	}
	return n
}

// egLayoutEntities places the entity groups on both sides of the alerts
// and returns the rows of the taller side. Groups with an entity shared
// with another incident go on the right, next to the related incidents.
func egLayoutEntities(g *entityGraph, ents []*egEntity) int {
	var groups []*egGroup
	byKind := map[string]*egGroup{}
	for _, e := range ents {
		key := strings.ToLower(e.kind.kind)
		gr := byKind[key]
		if gr == nil {
			gr = &egGroup{kind: e.kind, order: e.order}
			byKind[key] = gr
			groups = append(groups, gr)
		}
		gr.ents = append(gr.ents, e)
	}
	slices.SortStableFunc(groups, func(x, y *egGroup) int {
		return cmp.Or(x.order-y.order, strings.Compare(x.kind.kind, y.kind.kind))
	})
	for _, gr := range groups {
		// The ones that matter most survive a cap: compromised, shared,
		// named by most alerts, then as the incident lists them.
		slices.SortStableFunc(gr.ents, func(x, y *egEntity) int {
			return cmp.Or(egBool(y.compromised != "")-egBool(x.compromised != ""),
				egBool(len(y.shared) > 0)-egBool(len(x.shared) > 0),
				len(y.alerts)-len(x.alerts), x.index-y.index)
		})
		for _, e := range gr.ents {
			gr.shared = gr.shared || len(e.shared) > 0
		}
	}
	// Lower the per-kind cap until both columns together fit.
	for limit := egMaxPerKind; ; limit-- {
		total := 0
		for _, gr := range groups {
			gr.shown = min(len(gr.ents), limit)
			total += gr.rows()
		}
		if total <= egMaxRows || limit == egMinPerKind {
			break
		}
	}
	var sideRows [2]int
	for _, gr := range groups {
		if gr.shared {
			gr.side = 1
			sideRows[1] += gr.rows()
		}
	}
	for _, gr := range groups {
		if !gr.shared {
			if sideRows[1] < sideRows[0] {
				gr.side = 1
			}
			sideRows[gr.side] += gr.rows()
		}
	}
	var y [2]int
	y[0], y[1] = egTop, egTop
	for _, gr := range groups {
		s := gr.side
		x := egLeftX
		if s == 1 {
			x = egRightX
		}
		g.Groups = append(g.Groups, egText{X: x, Y: y[s] + 16, Anchor: "start", Class: "eg-group " + gr.kind.class,
			Text: fmt.Sprintf("%s (%d)", gr.kind.label, len(gr.ents))})
		y[s] += egRowH
		for _, e := range gr.ents[:gr.shown] {
			e.side, e.y = s, y[s]
			n := egEntityNode(e, x)
			n.Clip = [2]string{"eg-clip-left", "eg-clip-right"}[s]
			g.Entities = append(g.Entities, n)
			y[s] += egRowH
		}
		if more := len(gr.ents) - gr.shown; more > 0 {
			g.Notes = append(g.Notes, egText{X: x + 8, Y: y[s] + 15, Anchor: "start", Class: "eg-note",
				Text: fmt.Sprintf("+%d more %s", more, lowerFirst(gr.kind.label))})
			y[s] += egRowH
		}
	}
	return max(sideRows[0], sideRows[1])
}

// lowerFirst lowers a label's first letter unless it starts an acronym
// ("Files" → "files", "URLs" stays).
func lowerFirst(s string) string {
	if len(s) > 1 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'a' && s[1] <= 'z' {
		return string(s[0]+'a'-'A') + s[1:]
	}
	return s
}

func egBool(b bool) int {
	if b {
		return 1
	}
	return 0
}

func egEntityNode(e *egEntity, x int) egNode {
	class := "eg-node eg-entity " + e.kind.class
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", oneLine(e.kind.kind), clipText(e.value, 400))
	if e.compromised != "" {
		class += " eg-compromised"
		b.WriteString("\ncompromised: " + clipText(e.compromised, 300))
	}
	switch len(e.alerts) {
	case 0:
		b.WriteString("\nnamed by no alert: linked to the incident")
	default:
		fmt.Fprintf(&b, "\nnamed by %s", plural(len(e.alerts), "alert"))
	}
	if len(e.shared) > 0 {
		class += " eg-shared"
		nums := make([]string, len(e.shared))
		for i, n := range e.shared {
			nums[i] = "#" + strconv.Itoa(n)
		}
		b.WriteString("\nalso in incidents " + strings.Join(nums, ", "))
	}
	return egNode{X: x, Y: e.y, W: egEntityW, H: egEntityH, Class: class, Badge: e.kind.badge,
		Label: clipMiddle(e.label, egEntityChars), Title: b.String()}
}

func egSummary(alerts []egAlert, ents []*egEntity, related []egRelatedIncident, moreRelated int) string {
	comp := 0
	for _, e := range ents {
		if e.compromised != "" {
			comp++
		}
	}
	s := plural(len(alerts), "alert") + " and " + plural(len(ents), "entity")
	if comp > 0 {
		s += fmt.Sprintf(" (%d compromised)", comp)
	}
	switch n := len(related) + moreRelated; n {
	case 0:
	case 1:
		s += "; 1 related incident shares an entity"
	default:
		s += "; " + plural(n, "related incident") + " share entities"
	}
	return s + "."
}

// relatedTitles reads the titles of the related incidents the graph draws
// (at most egMaxRelated, concurrently, for two seconds at most): a title
// that could not be read is left out, and the graph shows the number.
func (c *console) relatedTitles(ctx context.Context, d socpilot.IncidentDetails, a socpilot.Analysis) map[int]string {
	related, _ := egRelated(a.Correlations, d.Incident.Number)
	if len(related) == 0 {
		return nil
	}
	// The queue's kept lists usually have them: no request then.
	numbers := make([]int, len(related))
	for i, r := range related {
		numbers[i] = r.number
	}
	out := c.lists.titles(numbers)
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	for _, r := range related {
		if _, ok := out[r.number]; ok {
			continue
		}
		wg.Add(1)
		go func(n int) {
			defer wg.Done()
			rd, err := c.o.Details(ctx, n)
			if err != nil {
				c.o.Log.Debug("console: title of a related incident", "incident", n, "err", err)
				return
			}
			mu.Lock()
			out[n] = rd.Incident.Title
			mu.Unlock()
		}(r.number)
	}
	wg.Wait()
	return out
}
