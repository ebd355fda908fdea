package analysis

import (
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

// relevantTables are the tables a model needs for this incident, the most
// telling first: the ones the alerts' own rule queries read (where the
// detection looked), the main table of each alert product, then the
// products' other tables, the ones the offline hunting queries read
// (validated, generic per entity kind) and the entity kinds' tables. Only
// tables the workspace has count, at most maxTables.
func relevantTables(d socpilot.IncidentDetails, facts socpilot.Analysis, qc QueryChecker) []string {
	var out []string
	seen := map[string]bool{}
	add := func(ts ...string) {
		for _, t := range ts {
			if len(out) < maxTables && !seen[t] && qc.HasTable(t) {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	for _, a := range sortedAlerts(d.Alerts) {
		if q, ok := a.AdditionalData["Query"].(string); ok && strings.TrimSpace(q) != "" {
			tables, _ := qc.Check(q)
			add(tables...)
		}
	}
	var products [][]string
	for _, a := range sortedAlerts(d.Alerts) {
		products = append(products, productTables[strings.ToLower(strings.TrimSpace(a.ProductName))])
	}
	for _, ts := range products {
		if len(ts) > 0 {
			add(ts[0])
		}
	}
	for _, ts := range products {
		add(ts...)
	}
	for _, q := range facts.Queries {
		add(q.Tables...)
	}
	kinds := map[string]bool{}
	for _, e := range d.Entities {
		kinds[e.Kind] = true
	}
	for _, kt := range kindTables {
		if kinds[kt.kind] {
			add(kt.tables...)
		}
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
