package schema

import (
	"strings"
	"testing"
)

// TestDroppedColumnsRestored checks the columns that sentinelninja's la_table_schemas.csv
// lost in extraction are in the embedded catalog: the row whose column is literally
// "Name" on every Azure Monitor reference page that has one (the CSV has no "Name" row
// in any table), and Perf.Type. internal/catalogbuild/sources.txt restores them from
// the pages (MicrosoftDocs/azure-reference-other azure-monitor-ref/tables/includes);
// CATALOG.md, section Sources and precedence, gives the comparison and the rule.
func TestDroppedColumnsRestored(t *testing.T) {
	s := Default()
	tests := []struct{ table, column string }{
		{"InsightsMetrics", "Name"}, // InsightsMetrics | where Name == 'reads'
		{"DnsEvents", "Name"},
		{"Perf", "Type"},
		{"AppRequests", "Name"},
		{"AppDependencies", "Name"},
		{"AppEvents", "Name"},
		{"AppPageViews", "Name"},
		{"AppAvailabilityResults", "Name"},
		{"AppBrowserTimings", "Name"},
		{"AppMetrics", "Name"},
		{"AppPerformanceCounters", "Name"},
		{"AppSystemEvents", "Name"},
		{"ContainerInventory", "Name"},
		{"ContainerLog", "Name"},
		{"KubeEvents", "Name"},
		{"KubePodInventory", "Name"},
		{"WVDCheckpoints", "Name"},
	}
	for _, tt := range tests {
		tab, ok := s.Table(tt.table)
		if !ok {
			t.Errorf("table %s missing", tt.table)
			continue
		}
		c, ok := tab.Column(tt.column)
		if !ok {
			t.Errorf("%s.%s missing", tt.table, tt.column)
			continue
		}
		if c.Type != String {
			t.Errorf("%s.%s is %s, want string", tt.table, tt.column, c.Type)
		}
	}
	// The restored Name columns cite their reference page.
	for _, name := range []string{"InsightsMetrics", "AppRequests", "KubePodInventory"} {
		if tab, ok := s.Table(name); ok && !strings.Contains(tab.Source, strings.ToLower(name)+"-include.md@") {
			t.Errorf("%s Source %q does not cite its reference page", name, tab.Source)
		}
	}
	// The rule is about the column called Name only: tables whose page has no such
	// row do not gain one.
	for _, name := range []string{"Syslog", "Event", "AzureMetrics", "ContainerLogV2"} {
		if tab, ok := s.Table(name); ok {
			if _, ok := tab.Column("Name"); ok {
				t.Errorf("%s has a Name column; its reference page lists none", name)
			}
		}
	}
}
