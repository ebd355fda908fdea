package gate

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/socpilot/socpilot/kql/schema"
)

func TestCheck(t *testing.T) {
	g := New(nil)
	tests := []struct {
		name       string
		query      string
		wantTables []string
		wantProb   string // substring of the only problem; "" for none
	}{
		{"valid", "SigninLogs | where UserPrincipalName == 'a@b.c' | project TimeGenerated, IPAddress", []string{"SigninLogs"}, ""},
		{"misspelled column", "SigninLogs | where UserPrincipalNam == 'x'", []string{"SigninLogs"}, "1:20: "},
		{"unknown table", "NoSuchTable_XY | take 1", nil, "NoSuchTable_XY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tables, problems := g.Check(tt.query)
			if diff := cmp.Diff(tt.wantTables, tables); diff != "" {
				t.Errorf("tables (-want +got):\n%s", diff)
			}
			switch {
			case tt.wantProb == "" && len(problems) != 0:
				t.Errorf("problems %q, want none", problems)
			case tt.wantProb != "" && (len(problems) != 1 || !strings.Contains(problems[0], tt.wantProb)):
				t.Errorf("problems %q, want one containing %q", problems, tt.wantProb)
			}
		})
	}
}

// TestTablesAreTheParsersTableReferences: a name in table position is a
// table; a column that shares a table's name is not.
func TestTablesAreTheParsersTableReferences(t *testing.T) {
	g := New(nil)
	tests := []struct {
		query string
		want  []string
	}{
		{"OfficeActivity | where Operation in (\"New-InboxRule\", \"Set-InboxRule\")", []string{"OfficeActivity"}},
		{"let ips = SigninLogs | project IPAddress;\nSecurityEvent | where IpAddress in (ips)", []string{"SecurityEvent", "SigninLogs"}},
		{"SigninLogs | join kind=inner (AADUserRiskEvents | project UserPrincipalName) on UserPrincipalName", []string{"AADUserRiskEvents", "SigninLogs"}},
		{"union SecurityEvent, DeviceProcessEvents | take 1", []string{"DeviceProcessEvents", "SecurityEvent"}},
		{"SigninLogs | where UserPrincipalName in (AuditLogs | project Identity)", []string{"AuditLogs", "SigninLogs"}},
		{"print Operation = 1", nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, g.Tables(tt.query)); diff != "" {
			t.Errorf("Tables(%q) (-want +got):\n%s", tt.query, diff)
		}
	}
}

func TestHasTable(t *testing.T) {
	g := New(nil)
	if !g.HasTable("SecurityEvent") || g.HasTable("NoSuchTable_XY") {
		t.Errorf("HasTable: SecurityEvent %v, NoSuchTable_XY %v", g.HasTable("SecurityEvent"), g.HasTable("NoSuchTable_XY"))
	}
}

// describeLines parses Describe's output into table → columns.
func describeLines(t *testing.T, d string) (order []string, cols map[string][]string) {
	t.Helper()
	cols = map[string][]string{}
	for _, line := range strings.Split(strings.TrimSuffix(d, "\n"), "\n") {
		name, list, ok := strings.Cut(line, ": ")
		if !ok {
			t.Fatalf("line %q is not \"Table: col, col\"", line)
		}
		order = append(order, name)
		cols[name] = strings.Split(list, ", ")
	}
	return order, cols
}

// TestDescribeListsOnlyTheGivenTables: the caller picks the tables, in its
// order; ones the workspace lacks are skipped and nothing is added.
func TestDescribeListsOnlyTheGivenTables(t *testing.T) {
	order, _ := describeLines(t, New(nil).Describe([]string{"NoSuchTable_XY", "SigninLogs", "CommonSecurityLog", "SigninLogs"}))
	if diff := cmp.Diff([]string{"SigninLogs", "CommonSecurityLog"}, order); diff != "" {
		t.Errorf("tables (-want +got):\n%s", diff)
	}
	if d := New(nil).Describe(nil); d != "" {
		t.Errorf("Describe(nil) = %q, want nothing", d)
	}
}

// TestDescribeKeepsWhatAHuntNeeds: wide tables used to be cut
// alphabetically after 60 columns, losing SigninLogs' UserPrincipalName and
// ResultType and CommonSecurityLog's SourceIP; billing columns were listed.
// Now every table lists its time, identity, network, process, file and
// result columns first, never a system column, within a bound.
func TestDescribeKeepsWhatAHuntNeeds(t *testing.T) {
	tests := []struct {
		table string
		want  []string // columns that must be listed
	}{
		{"SigninLogs", []string{"TimeGenerated", "UserPrincipalName", "IPAddress", "ResultType"}},
		{"CommonSecurityLog", []string{"TimeGenerated", "SourceIP", "DestinationIP", "DeviceAction"}},
		{"SecurityEvent", []string{"TimeGenerated", "Account", "Computer", "IpAddress", "CommandLine", "EventID"}},
		{"DeviceProcessEvents", []string{"TimeGenerated", "AccountName", "DeviceName", "ProcessCommandLine", "InitiatingProcessCommandLine", "FileName", "SHA256", "ActionType"}},
		{"DeviceNetworkEvents", []string{"TimeGenerated", "DeviceName", "RemoteIP", "RemoteUrl", "ActionType"}},
		{"EmailEvents", []string{"TimeGenerated", "SenderFromAddress", "RecipientEmailAddress", "DeliveryAction"}},
		{"AzureActivity", []string{"TimeGenerated", "Caller", "CallerIpAddress", "OperationName"}},
		{"OfficeActivity", []string{"TimeGenerated", "ClientIP", "Operation"}},
		{"AuditLogs", []string{"TimeGenerated", "InitiatedBy", "OperationName", "Result"}},
	}
	g := New(nil)
	for _, tt := range tests {
		t.Run(tt.table, func(t *testing.T) {
			_, cols := describeLines(t, g.Describe([]string{tt.table}))
			got := cols[tt.table]
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("%s lacks %s: %v", tt.table, w, got)
				}
			}
			if got[0] != "TimeGenerated" {
				t.Errorf("%s starts with %s, want TimeGenerated first: %v", tt.table, got[0], got)
			}
			for _, c := range got {
				if strings.HasPrefix(c, "_") && c != "_ResourceId" || c == "TenantId" || c == "SourceSystem" || c == "Type" {
					t.Errorf("%s lists the system column %s", tt.table, c)
				}
			}
			// The bound, plus at most the essentials that exceed it.
			if len(got) > DefaultColumns+4 {
				t.Errorf("%s lists %d columns, more than the bound: %v", tt.table, len(got), got)
			}
			if slices.IsSorted(got) {
				t.Errorf("%s columns are in alphabetical order, not by what a hunt needs: %v", tt.table, got)
			}
		})
	}
}

func TestRankColumn(t *testing.T) {
	tests := []struct {
		name  string
		typ   schema.Type
		class columnClass
	}{
		{"TimeGenerated", schema.Datetime, classTime},
		{"UserPrincipalName", schema.String, classIdentity},
		{"SenderFromAddress", schema.String, classIdentity},
		{"IPAddress", schema.String, classNetwork},
		{"DestinationIP", schema.String, classNetwork},
		{"ProcessCommandLine", schema.String, classProcess},
		{"SHA256", schema.String, classFile},
		{"FolderPath", schema.String, classFile},
		{"ResultType", schema.String, classResult},
		{"EventID", schema.Int, classResult},
		{"_BilledSize", schema.Real, classSystem},
		{"_IsBillable", schema.String, classSystem},
		{"TenantId", schema.String, classSystem},
		{"_ResourceId", schema.String, classOther},
		{"AppDisplayName", schema.String, classOther},
	}
	for _, tt := range tests {
		if got := rankColumn(schema.Column{Name: tt.name, Type: tt.typ}, 0).class; got != tt.class {
			t.Errorf("%s: class %d, want %d", tt.name, got, tt.class)
		}
	}
	// Within a class the column analysts reach for ranks first.
	for _, pair := range [][2]string{{"UserPrincipalName", "ServicePrincipalName"}, {"SourceIP", "DeviceAddress"}, {"AccountName", "InitiatingProcessAccountName"}, {"ResultType", "OperationName"}} {
		a, b := rankColumn(schema.Column{Name: pair[0], Type: schema.String}, 1), rankColumn(schema.Column{Name: pair[1], Type: schema.String}, 0)
		if a.penalty >= b.penalty {
			t.Errorf("%s (penalty %d) should rank before %s (penalty %d)", pair[0], a.penalty, pair[1], b.penalty)
		}
	}
}

func TestSplitWords(t *testing.T) {
	for name, want := range map[string][]string{
		"IPAddress":                {"IP", "Address"},
		"UserPrincipalName":        {"User", "Principal", "Name"},
		"SHA256":                   {"SHA256"},
		"DeviceCustomString1Label": {"Device", "Custom", "String1", "Label"},
		"Client_IPAddress":         {"Client", "IP", "Address"},
		"requestUri_s":             {"request", "Uri", "s"},
	} {
		if diff := cmp.Diff(want, splitWords(name)); diff != "" {
			t.Errorf("splitWords(%q) (-want +got):\n%s", name, diff)
		}
	}
}

func TestAdaptForAdvancedHunting(t *testing.T) {
	q := "DeviceProcessEvents\n| where TimeGenerated > ago(1d)\n| summarize FirstSeen = min(TimeGenerated) by DeviceName"
	g := New(nil)
	if got := g.Adapt(q); got != q {
		t.Fatalf("Log Analytics gate rewrote the query:\n%s", got)
	}
	g.AdvancedHunting = true
	want := "DeviceProcessEvents\n| where Timestamp > ago(1d)\n| summarize FirstSeen = min(Timestamp) by DeviceName"
	if got := g.Adapt(q); got != want {
		t.Fatalf("Adapt =\n%s\nwant\n%s", got, want)
	}
	if _, problems := g.Check(want); len(problems) > 0 {
		t.Fatalf("adapted query fails: %v", problems)
	}
	// A query with another problem, or on a table without Timestamp, stays.
	for _, q := range []string{
		"DeviceProcessEvents\n| where TimeGenerated > ago(1d)\n| project DeviceNam",
		"SigninLogs\n| where TimeGenerated > ago(1d)",
	} {
		if got := g.Adapt(q); got != q {
			t.Errorf("Adapt rewrote %q into %q", q, got)
		}
	}
}
