package analysis

import (
	"slices"
	"strings"

	"github.com/socpilot/socpilot"
)

// maxTables bounds the schema context: the tables a model needs to hunt on
// this incident, not the workspace's catalog.
const maxTables = 3

// productTables are where each alert product's evidence lives, under its
// old and new names (Sentinel keeps reporting the old ones).
var productTables = map[string][]string{
	"microsoft defender advanced threat protection": {"DeviceProcessEvents", "DeviceNetworkEvents", "DeviceFileEvents"},
	"microsoft defender for endpoint":               {"DeviceProcessEvents", "DeviceNetworkEvents", "DeviceFileEvents"},
	"azure advanced threat protection":              {"IdentityLogonEvents", "IdentityDirectoryEvents"},
	"microsoft defender for identity":               {"IdentityLogonEvents", "IdentityDirectoryEvents"},
	"azure active directory identity protection":    {"SigninLogs", "AADUserRiskEvents"},
	"microsoft entra id protection":                 {"SigninLogs", "AADUserRiskEvents"},
	"microsoft cloud app security":                  {"CloudAppEvents"},
	"microsoft defender for cloud apps":             {"CloudAppEvents"},
	"office 365 advanced threat protection":         {"EmailEvents", "UrlClickEvents"},
	"microsoft defender for office 365":             {"EmailEvents", "UrlClickEvents"},
	"azure security center":                         {"SecurityEvent", "AzureActivity"},
	"microsoft defender for cloud":                  {"SecurityEvent", "AzureActivity"},
}

// kindTables are where an entity kind is hunted for, in the order the
// kinds are looked at.
var kindTables = []struct {
	kind   string
	tables []string
}{
	{socpilot.KindAccount, []string{"SigninLogs", "AuditLogs"}},
	{socpilot.KindHost, []string{"SecurityEvent", "DeviceProcessEvents"}},
	{socpilot.KindIP, []string{"SigninLogs", "CommonSecurityLog"}},
	{socpilot.KindProcess, []string{"DeviceProcessEvents", "SecurityEvent"}},
	{socpilot.KindFileHash, []string{"DeviceFileEvents"}},
	{socpilot.KindFile, []string{"DeviceFileEvents"}},
	{socpilot.KindURL, []string{"UrlClickEvents", "DeviceNetworkEvents"}},
	{socpilot.KindMailMessage, []string{"EmailEvents"}},
	{socpilot.KindMailbox, []string{"OfficeActivity", "EmailEvents"}},
	{socpilot.KindMailCluster, []string{"EmailEvents"}},
	{socpilot.KindAzureResource, []string{"AzureActivity"}},
	{socpilot.KindCloudApplication, []string{"CloudAppEvents"}},
	{socpilot.KindDNSResolution, []string{"DnsEvents"}},
	{socpilot.KindRegistryKey, []string{"DeviceRegistryEvents"}},
	{socpilot.KindRegistryValue, []string{"DeviceRegistryEvents"}},
	{socpilot.KindSecurityGroup, []string{"AuditLogs"}},
}

// minTables is how many tables the schema context lists even when the
// incident points at fewer: a hunt pivots at least once.
const minTables = 2

// relevantTables are the tables a model needs for this incident, the most
// telling first, at most maxTables. The tables the incident points at come
// first: the ones the alerts' own rule queries read (where the detection
// looked), and each alert product's tables where the incident has
// entities of a kind hunted there (a URL click table when there is a URL),
// or else the product's main table. The rest are guesses that only fill
// up to minTables: the tables where the incident's entity kinds are
// hunted, the products' other tables and the ones the offline hunting
// queries read (validated, but generic per entity kind). So a small
// incident is not sent a third table it gives no reason for. Only tables
// the workspace has count.
func relevantTables(d socpilot.IncidentDetails, facts socpilot.Analysis, qc QueryChecker) []string {
	var out []string
	seen := map[string]bool{}
	add := func(bound int, ts ...string) {
		for _, t := range ts {
			if len(out) < bound && !seen[t] && qc.HasTable(t) {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	for _, a := range sortedAlerts(d.Alerts) {
		if q, ok := a.AdditionalData["Query"].(string); ok && strings.TrimSpace(q) != "" {
			tables, _ := qc.Check(q)
			add(maxTables, tables...)
		}
	}
	kinds := map[string]bool{}
	for _, e := range d.Entities {
		kinds[e.Kind] = true
	}
	var hunted []string // the tables where this incident's entity kinds are hunted
	for _, kt := range kindTables {
		if kinds[kt.kind] {
			hunted = append(hunted, kt.tables...)
		}
	}
	// Each product's evidence is in the tables where this incident's
	// entities are hunted (Defender for Cloud's AzureActivity for a
	// resource, its SecurityEvent for a host), or else in its main table.
	var products, evidence [][]string
	for _, a := range sortedAlerts(d.Alerts) {
		ts := productTables[strings.ToLower(strings.TrimSpace(a.ProductName))]
		var ev []string
		for _, t := range ts {
			if slices.Contains(hunted, t) {
				ev = append(ev, t)
			}
		}
		if len(ev) == 0 && len(ts) > 0 {
			ev = ts[:1]
		}
		products, evidence = append(products, ts), append(evidence, ev)
	}
	for _, ts := range evidence {
		if len(ts) > 0 {
			add(maxTables, ts[0])
		}
	}
	for _, ts := range evidence {
		add(maxTables, ts...)
	}
	add(minTables, hunted...)
	for _, ts := range products {
		add(minTables, ts...)
	}
	for _, q := range facts.Queries {
		add(minTables, q.Tables...)
	}
	return out
}

// schemaContext is the table list of the analyze prompt.
func (an *Analyzer) schemaContext(d socpilot.IncidentDetails, facts socpilot.Analysis) string {
	if an.Queries == nil {
		return ""
	}
	return an.Queries.Describe(relevantTables(d, facts, an.Queries))
}
