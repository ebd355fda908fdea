package schema

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseType(t *testing.T) {
	tests := []struct {
		in   string
		want Type
		ok   bool
	}{
		{"string", String, true}, {"String", String, true}, {" string  ", String, true},
		{"Datetime", Datetime, true}, {"DateTime", Datetime, true}, {"Date/time", Datetime, true},
		{"double", Real, true}, {"Double", Real, true}, {"Real", Real, true}, {"number", Real, true},
		{"Int64", Long, true}, {"bigint", Long, true}, {"Long", Long, true},
		{"Int32", Int, true}, {"Integer", Int, true},
		{"Boolean", Bool, true}, {"SByte", Bool, true},
		{"Guid", GUID, true}, {"GUID", GUID, true},
		{"Object", Dynamic, true}, {"array", Dynamic, true},
		{"timespan", Timespan, true}, {"decimal", Decimal, true},
		{"def", "", false}, {"", "", false},
	}
	for _, tt := range tests {
		got, ok := ParseType(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseType(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestDefaultKnownTables(t *testing.T) {
	s := Default()
	if n := len(s.TableNames()); n < 898 {
		t.Fatalf("Default has %d tables, want >= 898", n)
	}
	tests := []struct {
		table, column string
		want          Type
	}{
		{"SigninLogs", "UserPrincipalName", String},
		{"SigninLogs", "TimeGenerated", Datetime},
		{"SecurityEvent", "EventID", Int},
		{"SecurityEvent", "Computer", String},
		{"SecurityAlert", "Entities", String},
		{"SecurityIncident", "IncidentNumber", Int},
		{"DeviceProcessEvents", "Timestamp", Datetime},
		{"DeviceProcessEvents", "TimeGenerated", Datetime},
		{"DeviceProcessEvents", "ProcessCommandLine", String},
		{"DeviceNetworkEvents", "RemoteIP", String},
		{"EmailEvents", "NetworkMessageId", String},
		{"IdentityLogonEvents", "Timestamp", Datetime},
		{"CloudAppEvents", "ActionType", String},
		{"AlertInfo", "Timestamp", Datetime},
		{"AlertEvidence", "EntityType", String},
		{"CommonSecurityLog", "DeviceVendor", String},
		{"AuditLogs", "OperationName", String},
		{"OfficeActivity", "Operation", String},
		{"AzureActivity", "Caller", String},
		{"Syslog", "SyslogMessage", String},
		{"AADSignInEventsBeta", "Timestamp", Datetime},
		{"AzureDiagnostics", "ResourceProvider", String},
		// Standard columns added where a source omits them.
		{"SigninLogs", "_ResourceId", String},
		{"Syslog", "TenantId", String},
		// Azure-Sentinel's 2022 validation test tables.
		{"imDns", "DnsQuery", String},
		{"GitLabAudit", "TimeGenerated", Datetime},
		// Columns that differ only in case are two columns (Kusto names are case-sensitive).
		{"AzureDiagnostics", "clientIP_s", String},
		{"AzureDiagnostics", "clientIp_s", String},
		// The sourced supplement (internal/catalogbuild/supplement.txt).
		{"DnsEvents", "Name", String},
		{"IdentityInfo", "OnPremSid", String},
		{"DeviceTvmInfoGathering", "DeviceId", String},
	}
	for _, tt := range tests {
		tab, ok := s.Table(tt.table)
		if !ok {
			t.Errorf("table %s missing", tt.table)
			continue
		}
		if tab.Source == "" {
			t.Errorf("table %s has no Source", tt.table)
		}
		c, ok := tab.Column(tt.column)
		if !ok {
			t.Errorf("%s.%s missing", tt.table, tt.column)
			continue
		}
		if c.Type != tt.want {
			t.Errorf("%s.%s is %s, want %s", tt.table, tt.column, c.Type, tt.want)
		}
	}
	// Advanced-hunting-only tables get no Log Analytics columns.
	if tab, ok := s.Table("AADSignInEventsBeta"); ok {
		if _, ok := tab.Column("TimeGenerated"); ok {
			t.Error("AADSignInEventsBeta has TimeGenerated; it is an advanced-hunting-only table")
		}
	}
	// The AzureDiagnostics documentation's HTML example rows are not columns.
	if tab, ok := s.Table("AzureDiagnostics"); ok {
		for _, bad := range []string{"abc", "..."} {
			if _, ok := tab.Column(bad); ok {
				t.Errorf("AzureDiagnostics has junk column %q", bad)
			}
		}
	}
	if _, ok := s.Table("signinlogs"); ok {
		t.Error("Table is case-insensitive; KQL table names are case-sensitive")
	}
	if tab, ok := s.TableFold("signinlogs"); !ok || tab.Name != "SigninLogs" {
		t.Errorf("TableFold(signinlogs) = %v, %v", tab, ok)
	}
	for _, fn := range []string{"_Im_Dns", "_Im_NetworkSession", "_Im_WebSession", "_ASIM_GetSourceBySourceType", "_GetWatchlist"} {
		if _, ok := s.Function(fn); !ok {
			t.Errorf("function %s missing", fn)
		}
	}
	// Solution parsers from the supplement: known result columns, or none (open).
	if f, ok := s.Function("GitHubAuditData"); !ok || len(f.Columns) == 0 || f.Columns[0].Name != "TimeGenerated" {
		t.Errorf("GitHubAuditData = %+v, %v; want its parser's columns", f, ok)
	}
	if f, ok := s.Function("VectraStream"); !ok || f.Columns != nil {
		t.Errorf("VectraStream = %+v, %v; want a function with unknown (nil) columns", f, ok)
	}
	f, _ := s.Function("_ASIM_GetSourceBySourceType")
	if f != nil && f.RequiredParams() != 1 {
		t.Errorf("_ASIM_GetSourceBySourceType requires %d params, want 1", f.RequiredParams())
	}
	if f, _ := s.Function("_Im_Dns"); f != nil && f.RequiredParams() != 0 {
		t.Errorf("_Im_Dns requires %d params, want 0 (all optional)", f.RequiredParams())
	}
}

func TestDefaultColumnsValid(t *testing.T) {
	valid := map[Type]bool{String: true, Int: true, Long: true, Real: true, Bool: true, Datetime: true, Timespan: true, Dynamic: true, GUID: true, Decimal: true}
	for _, tab := range Default().Tables() {
		seen := map[string]bool{}
		for _, c := range tab.Columns {
			if !valid[c.Type] {
				t.Errorf("%s.%s has type %q", tab.Name, c.Name, c.Type)
			}
			if seen[c.Name] {
				t.Errorf("%s.%s appears twice", tab.Name, c.Name)
			}
			seen[c.Name] = true
		}
		if len(tab.Columns) == 0 {
			t.Errorf("%s has no columns", tab.Name)
		}
	}
}

func TestCatalogRoundTrip(t *testing.T) {
	s := New()
	s.AddTable(Table{Name: "T1", Source: "a\tb", Columns: []Column{{"A", String}, {"B", Long}}})
	s.AddTable(Table{Name: "T0", Source: "x", Columns: []Column{{"C", Datetime}}})
	s.AddTable(Table{Name: "TOpen", Source: "x", Columns: []Column{{"C", Datetime}}, Open: true})
	s.AddTable(Table{Name: "TSuffixed", Source: "x", Columns: []Column{{"a_s", String}}, Suffixed: true})
	s.AddFunction(Function{Name: "F", Source: "x", Params: []Param{{"p", String, "'d'"}, {"q", Long, ""}}, Columns: []Column{{"D", Dynamic}}})
	s.AddFunction(Function{Name: "FOpen", Source: "x", Columns: []Column{{"D", Dynamic}}, Open: true})
	var buf bytes.Buffer
	if err := s.WriteCatalog(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := ReadCatalog(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s.CatalogText(), got.CatalogText()); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	tab, _ := got.Table("T1")
	if tab.Source != "a b" {
		t.Errorf("source = %q", tab.Source)
	}
	if tab, _ := got.Table("TOpen"); !tab.Open || tab.Columns[0].Name != "C" {
		t.Errorf("open table lost its flag or columns: %+v", tab)
	}
	if f, _ := got.Function("FOpen"); !f.Open || len(f.Columns) != 1 {
		t.Errorf("open function lost its flag or columns: %+v", f)
	}
	if tab, _ := got.Table("T0"); tab.Open || tab.Suffixed {
		t.Error("T0 read back as open or suffixed")
	}
	if tab, _ := got.Table("TSuffixed"); !tab.Suffixed || tab.Open {
		t.Errorf("suffixed table read back as %+v", tab)
	}
	if _, err := ReadCatalog(strings.NewReader("not gzip")); err == nil {
		t.Error("ReadCatalog accepted garbage")
	}
}

func TestLoadJSONOwnFormat(t *testing.T) {
	f, err := os.Open("testdata/own.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := LoadJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Heartbeat", "MyApp_CL"}, s.TableNames()); diff != "" {
		t.Error(diff)
	}
	hb, _ := s.Table("Heartbeat")
	want := &Table{Name: "Heartbeat", Source: "test", Columns: []Column{{"Computer", String}, {"TimeGenerated", Datetime}, {"OSMajorVersion", Int}}}
	if diff := cmp.Diff(want, hb); diff != "" {
		t.Errorf("Heartbeat (-want +got):\n%s", diff)
	}
	app, _ := s.Table("MyApp_CL")
	if diff := cmp.Diff([]Column{{"Msg_s", String}, {"Count_d", Real}}, app.Columns); diff != "" {
		t.Error(diff)
	}
	p, ok := s.Function("MyParser")
	if !ok {
		t.Fatal("MyParser missing")
	}
	wantP := []Param{{"starttime", Datetime, "datetime(null)"}, {"endtime", Datetime, "now()"}, {"user", String, ""}}
	if diff := cmp.Diff(wantP, p.Params); diff != "" {
		t.Errorf("params (-want +got):\n%s", diff)
	}
	o, _ := s.Function("Other")
	if diff := cmp.Diff([]Param{{"n", Long, "10"}}, o.Params); diff != "" {
		t.Error(diff)
	}
}

func TestLoadJSONShapes(t *testing.T) {
	tests := []struct {
		name, in string
		want     map[string][]Column
	}{
		{
			name: "custom table mixed case and trailing commas",
			in:   `{"Name":"A_CL","Properties":[{"Name":"x","Type":"String"},{"name":"y","type":"Datetime"},],}`,
			want: map[string][]Column{"A_CL": {{"x", String}, {"y", Datetime}}},
		},
		{
			name: "array of custom tables",
			in:   `[{"Name":"A","Properties":[{"Name":"x","Type":"Int64"}]},{"Name":"B","Properties":[]}]`,
			want: map[string][]Column{"A": {{"x", Long}}, "B": {}},
		},
		{
			name: "metadata tables",
			in:   `{"tables":[{"id":"t/1","name":"T","timespanColumn":"TimeGenerated","columns":[{"name":"TimeGenerated","type":"datetime"}]}]}`,
			want: map[string][]Column{"T": {{"TimeGenerated", Datetime}}},
		},
		{
			name: "comments and strings with slashes and commas",
			in:   "/* c */ {\"Name\":\"C\", // x\n \"Properties\":[{\"Name\":\"u\",\"Type\":\"string\", \"Description\":\"a,] // b\"}]}",
			want: map[string][]Column{"C": {{"u", String}}},
		},
		{
			name: "unknown type is dynamic",
			in:   `{"Name":"D","Properties":[{"Name":"z","Type":"weird"}]}`,
			want: map[string][]Column{"D": {{"z", Dynamic}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := LoadJSON(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][]Column{}
			for _, tab := range s.Tables() {
				got[tab.Name] = tab.Columns
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	for _, bad := range []string{``, `{`, `{"Name":""}`, `[1]`} {
		if _, err := LoadJSON(strings.NewReader(bad)); err == nil {
			t.Errorf("LoadJSON(%q) succeeded", bad)
		}
	}
}

func TestLoadJSONARM(t *testing.T) {
	s, err := LoadJSONFile("testdata/arm_tables.json")
	if err != nil {
		t.Fatal(err)
	}
	tab, ok := s.Table("Sample_CL")
	if !ok {
		t.Fatal("Sample_CL missing")
	}
	want := []Column{{"TenantId", GUID}, {"TimeGenerated", Datetime}, {"Message", String}, {"Level", Int}}
	if diff := cmp.Diff(want, tab.Columns); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if tab.Source != "testdata/arm_tables.json" {
		t.Errorf("source = %q", tab.Source)
	}
}

func TestLoadAzureSentinelDir(t *testing.T) {
	s, err := LoadAzureSentinelDir("testdata/sentineldir")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"GadgetEvents", "NoSuffix_CL", "Widget_CL"}, s.TableNames()); diff != "" {
		t.Error(diff)
	}
	w, _ := s.Table("Widget_CL")
	want := &Table{Name: "Widget_CL", Source: "CustomTables/Widget_CL.json", Columns: []Column{
		{"TimeGenerated", Datetime}, {"WidgetId_g", GUID}, {"Enabled_b", Bool}, {"Size_d", Real}, {"Raw", Dynamic}}}
	if diff := cmp.Diff(want, w); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	f, ok := s.Function("_Im_Widget")
	if !ok {
		t.Fatal("_Im_Widget missing")
	}
	wantF := &Function{Name: "_Im_Widget", Source: "CustomFunctions/_Im_Widget.json",
		Params:  []Param{{"starttime", Datetime, "default"}, {"widgetid", String, ""}},
		Columns: []Column{{"TimeGenerated", Datetime}, {"EventCount", Int}}}
	if diff := cmp.Diff(wantF, f); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// A CustomTables folder on its own works too.
	s2, err := LoadAzureSentinelDir("testdata/sentineldir/CustomTables")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(s2.TableNames()); n != 3 {
		t.Errorf("%d tables from CustomTables folder, want 3", n)
	}
	if _, err := LoadAzureSentinelDir("testdata/nonexistent"); err == nil {
		t.Error("missing dir accepted")
	}
}

// corpusDir finds shared/corpora/table-schemas above the package, or skips.
func corpusDir(t testing.TB) string {
	t.Helper()
	d, _ := filepath.Abs(".")
	for {
		p := filepath.Join(d, "shared", "corpora", "table-schemas")
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			return p
		}
		parent := filepath.Dir(d)
		if parent == d {
			t.Skip("shared/corpora/table-schemas not found (public corpus absent, as on a user's machine)")
		}
		d = parent
	}
}

func TestLoadCorpusFormats(t *testing.T) {
	dir := corpusDir(t)
	s, err := LoadAzureSentinelDir(filepath.Join(dir, "azure-sentinel-kqlvalidations-2022-08"))
	if err != nil {
		t.Fatal(err)
	}
	tables, funcs := s.Len()
	// 196 files; the three GitLab ones need Newtonsoft's trailing-comma tolerance.
	if tables < 190 || funcs != 5 {
		t.Errorf("2022 dir: %d tables, %d functions; want ~196 and 5", tables, funcs)
	}
	for _, n := range []string{"GitLabAccess", "GitLabApp", "GitLabAudit"} {
		if _, ok := s.Table(n); !ok {
			t.Errorf("%s (trailing commas upstream) not loaded", n)
		}
	}
	cur, err := LoadAzureSentinelDir(filepath.Join(dir, "azure-sentinel-kqlvalidations-current"))
	if err != nil {
		t.Fatal(err)
	}
	if ai, ok := cur.Table("AlertInfo"); !ok || len(ai.Columns) < 10 {
		t.Errorf("current AlertInfo = %v", ai)
	}
	arm, err := LoadJSONFile(filepath.Join(dir, "msticpy", "workspace_tables_api_response.json"))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(arm.TableNames()); n != 17 {
		t.Errorf("ARM response: %d tables, want 17", n)
	}
	if tab, ok := arm.Table("MITREBrawlSysmon_CL"); !ok || len(tab.Columns) < 55 {
		t.Errorf("MITREBrawlSysmon_CL = %v", tab)
	}
	docs, err := LoadJSONFile(filepath.Join(dir, "sentinelninja", "table_schemas_from_docs.json"))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(docs.TableNames()); n < 1900 {
		t.Errorf("docs: %d tables", n)
	}
}

func TestMerge(t *testing.T) {
	a := New()
	a.AddTable(Table{Name: "T", Columns: []Column{{"A", String}}, Source: "a"})
	a.AddTable(Table{Name: "U", Source: "a"})
	a.AddFunction(Function{Name: "F", Source: "a"})
	b := New()
	b.AddTable(Table{Name: "T", Columns: []Column{{"B", Long}}, Source: "b"})
	b.AddTable(Table{Name: "V", Source: "b"})
	m := a.Merge(b)
	if diff := cmp.Diff([]string{"T", "U", "V"}, m.TableNames()); diff != "" {
		t.Error(diff)
	}
	tab, _ := m.Table("T")
	if tab.Source != "b" || len(tab.Columns) != 1 || tab.Columns[0].Name != "B" {
		t.Errorf("T = %+v, want b's", tab)
	}
	if _, ok := m.Function("F"); !ok {
		t.Error("F lost")
	}
	if _, ok := a.Table("V"); ok {
		t.Error("Merge modified its receiver")
	}
	if got := a.Merge(nil).TableNames(); len(got) != 2 {
		t.Errorf("Merge(nil) = %v", got)
	}
}

func TestSuggest(t *testing.T) {
	tables := Default().TableNames()
	tests := []struct {
		name       string
		candidates []string
		want       string // expected first suggestion; "" for none
	}{
		{"SiginLogs", tables, "SigninLogs"},
		{"signinlogs", tables, "SigninLogs"},
		{"SecurityEvents", tables, "SecurityEvent"},
		{"DeviceProcessEvent", tables, "DeviceProcessEvents"},
		{"CommonSecurityLogs", tables, "CommonSecurityLog"},
		{"OfficeActivty", tables, "OfficeActivity"},
		{"UserPrincipleName", []string{"UserPrincipalName", "UserId", "UserDisplayName", "UserType"}, "UserPrincipalName"},
		{"IPAddres", []string{"IPAddress", "IpAddress_s", "Location"}, "IPAddress"},
		{"Computr", []string{"Computer", "ComputerName", "Category"}, "Computer"},
		{"Acount", []string{"Account", "AccountName", "Activity"}, "Account"},
		{"xyzzy", []string{"Account", "AccountName", "Activity"}, ""},
		{"id", []string{"ip", "Id2", "Identity"}, "Id2"},
	}
	for _, tt := range tests {
		got := Suggest(tt.name, tt.candidates, 3)
		first := ""
		if len(got) > 0 {
			first = got[0]
		}
		if first != tt.want {
			t.Errorf("Suggest(%q) = %v, want first %q", tt.name, got, tt.want)
		}
		if len(got) > 3 {
			t.Errorf("Suggest(%q) returned %d > 3", tt.name, len(got))
		}
	}
	if got := Suggest("x", []string{"x"}, 3); len(got) != 0 {
		t.Errorf("Suggest suggests the name itself: %v", got)
	}
	if got := Suggest("abc", nil, 0); got != nil {
		t.Errorf("n=0: %v", got)
	}
}

func TestTypo(t *testing.T) {
	cols := []string{"TimeGenerated", "AccountName", "DeviceCustomString1", "SourceIP", "id_resp_h", "Computer", "Total", "Src"}
	tests := []struct {
		name, want string
	}{
		{"AccountNameZq", "AccountName"}, // two letters appended
		{"AcountName", "AccountName"},    // one dropped
		{"TimeGenreated", "TimeGenerated"},
		{"Comptuer", "Computer"}, // transposition
		{"Tota", "Total"},
		{"accountname", ""},         // case only: a lower-case key=value key is plausible
		{"DeviceCustomString2", ""}, // another numbered column
		{"SourceIPs", ""},           // plural
		{"Computer_s", ""},          // custom-log type suffix
		{"id_resp_p", ""},           // one short part differs (Zeek)
		{"Srcx", ""},                // too short for an edit
		{"Policy", ""},              // far from everything
		{"Src", ""},                 // a listed column is no typo... nor is a name under 4 characters
	}
	for _, tt := range tests {
		if got := Typo(tt.name, cols); got != tt.want {
			t.Errorf("Typo(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestSuffixType(t *testing.T) {
	tests := map[string]Type{
		"requestUri_s": String, "isAccessPolicyMatch_b": Bool, "httpStatus_d": Real,
		"endTime_t": Datetime, "ActivityId_g": GUID,
		"ResourceType": "", "clientIP_x": "", "_s": "", "a_": "", "name_string": "", "x_S": "",
	}
	for name, want := range tests {
		if got := SuffixType(name); got != want {
			t.Errorf("SuffixType(%q) = %q, want %q", name, got, want)
		}
	}
}

// A stand-in that lists a column once per type describes a union whose legs
// disagree: Kusto names those columns name_type.
func TestLoadJSONColumnWithTwoTypes(t *testing.T) {
	s, err := LoadJSON(strings.NewReader(`{"Name": "ProofpointPOD", "Properties": [
		{"Name": "TimeGenerated", "Type": "DateTime"}, {"Name": "NetworkBytes", "Type": "Double"},
		{"Name": "NetworkBytes", "Type": "String"}, {"Name": "NetworkBytes", "Type": "Double"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	tab, _ := s.Table("ProofpointPOD")
	want := []Column{{"TimeGenerated", Datetime}, {"NetworkBytes", Real}, {"NetworkBytes_real", Real}, {"NetworkBytes_string", String}}
	if diff := cmp.Diff(want, tab.Columns); diff != "" {
		t.Errorf("columns (-want +got):\n%s", diff)
	}
}

// editDistanceWithin agrees with editDistance up to its limit and stays above
// the limit beyond it.
func TestEditDistanceWithin(t *testing.T) {
	words := []string{"", "a", "ab", "ba", "signinlogs", "siginlogs", "securityevent", "securityalert",
		"devicenetworkevents", "deviceprocessevents", "kitten", "sitting", "abcdef", "fedcba", "aadsignineventsbeta"}
	for _, a := range words {
		for _, b := range words {
			d := editDistance(a, b)
			for limit := 0; limit <= 8; limit++ {
				got := editDistanceWithin(a, b, limit)
				if (d <= limit && got != d) || (d > limit && got <= limit) {
					t.Errorf("editDistanceWithin(%q, %q, %d) = %d, distance is %d", a, b, limit, got, d)
				}
			}
		}
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"a", "", 1}, {"", "ab", 2}, {"kitten", "sitting", 3},
		{"ab", "ba", 1}, {"signinlogs", "siginlogs", 1}, {"abc", "abc", 0},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestBuiltins(t *testing.T) {
	tests := []struct {
		name      string
		min, max  int
		aggregate bool
		window    bool
	}{
		{"ago", 1, 1, false, false},
		{"bin", 2, 2, false, false},
		{"datetime_diff", 3, 3, false, false},
		{"strcat", 1, 64, false, false},
		{"iff", 3, 3, false, false},
		{"iif", 3, 3, false, false},
		{"case", 3, -1, false, false},
		{"coalesce", 1, 64, false, false},
		{"count", 0, 1, true, false},
		{"dcount", 1, 2, true, false},
		{"countif", 1, 1, true, false},
		{"sumif", 2, 2, true, false},
		{"arg_max", 1, -1, true, false},
		{"make_set", 1, 2, true, false},
		{"make_list", 1, 2, true, false},
		{"percentile", 2, 2, true, false},
		{"percentiles", 2, -1, true, false},
		{"tostring", 1, 1, false, false},
		{"todatetime", 1, 1, false, false},
		{"parse_json", 1, 1, false, false},
		{"todynamic", 1, 1, false, false},
		{"extract", 3, 4, false, false},
		{"extract_all", 2, 3, false, false},
		{"split", 2, 3, false, false},
		{"substring", 2, 3, false, false},
		{"replace_string", 3, 3, false, false},
		{"replace_regex", 3, 3, false, false},
		{"format_datetime", 2, 2, false, false},
		{"startofday", 1, 2, false, false},
		{"geo_info_from_ip_address", 1, 1, false, false},
		{"ipv4_is_private", 1, 1, false, false},
		{"ipv4_is_in_range", 2, 2, false, false},
		{"hash_sha256", 1, 1, false, false},
		{"base64_decode_tostring", 1, 1, false, false},
		{"array_length", 1, 1, false, false},
		{"bag_keys", 1, 1, false, false},
		{"pack_array", 0, -1, false, false},
		{"set_difference", 2, -1, false, false},
		{"row_number", 0, 2, false, true},
		{"prev", 1, 3, false, true},
		{"next", 1, 3, false, true},
		{"row_cumsum", 1, 2, false, true},
	}
	for _, tt := range tests {
		b, ok := LookupBuiltin(tt.name)
		if !ok {
			t.Errorf("%s missing", tt.name)
			continue
		}
		if b.MinArgs != tt.min || b.MaxArgs != tt.max || b.Aggregate != tt.aggregate || b.Window != tt.window {
			t.Errorf("%s = %+v, want min %d max %d aggregate %v window %v", tt.name, b, tt.min, tt.max, tt.aggregate, tt.window)
		}
	}
	if _, ok := LookupBuiltin("bag_unpack"); ok {
		t.Error("bag_unpack is a plugin, not a function")
	}
	if _, ok := LookupPlugin("bag_unpack"); !ok {
		t.Error("bag_unpack plugin missing")
	}
	if _, ok := LookupBuiltin("Ago"); ok {
		t.Error("builtin lookup must be case-sensitive")
	}
	if b, _ := LookupBuiltin("ago"); len(b.ArgTypes) != 1 || b.ArgTypes[0] != Timespan {
		t.Errorf("ago ArgTypes = %v", b.ArgTypes)
	}
	if b, _ := LookupBuiltin("arg_max"); !b.Star {
		t.Error("arg_max must accept *")
	}
	if n := len(Builtins()); n < 300 {
		t.Errorf("%d builtins, want >= 300", n)
	}
	if b, _ := LookupBuiltin("strcat"); b.AcceptsArgs(0) || !b.AcceptsArgs(3) || b.AcceptsArgs(65) {
		t.Error("strcat arity check wrong")
	}
}

func BenchmarkDefault(b *testing.B) {
	for b.Loop() {
		if _, err := ReadCatalog(bytes.NewReader(catalogGz)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSuggestTables(b *testing.B) {
	names := Default().TableNames()
	for b.Loop() {
		Suggest("DeviceProcesEvents", names, 3)
	}
}

// Saved workspace functions load from the ARM savedSearches list, from its
// flattened az CLI form and from the query API's /metadata answer; saved searches
// that are not functions are skipped, and a (*) parameter is tabular.
func TestLoadJSONSavedFunctions(t *testing.T) {
	for _, tc := range []struct{ name, json string }{
		{"arm", `{"value":[
			{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/ws/savedSearches/aws-role",
			 "name":"aws-role","etag":"W/\"x\"","properties":{"category":"Functions","displayName":"AWS identity role",
			 "query":"T | extend Role = tostring(UserIdentityArn)","functionAlias":"AWSIdentityRole","functionParameters":"T:(*), since:timespan=1d","version":2}},
			{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/ws/savedSearches/plain",
			 "name":"plain","properties":{"category":"Hunting","displayName":"A saved query","query":"SigninLogs | take 1"}}]}`},
		{"az", `[{"category":"Functions","displayName":"AWS identity role","functionAlias":"AWSIdentityRole",
			"functionParameters":"T:(*), since:timespan=1d","name":"aws-role","query":"T | extend Role = tostring(UserIdentityArn)"},
			{"category":"Hunting","displayName":"A saved query","name":"plain","query":"SigninLogs | take 1"}]`},
		{"metadata", `{"tables":[],"functions":[{"id":"AWSIdentityRole","name":"AWSIdentityRole","parameters":"T:(*), since:timespan=1d",
			"displayName":"AWS identity role","body":"T | extend Role = tostring(UserIdentityArn)"}]}`},
	} {
		s, err := LoadJSON(strings.NewReader(tc.json))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if tables, funcs := s.Len(); tables != 0 || funcs != 1 {
			t.Errorf("%s: %d tables, %d functions; want the one function", tc.name, tables, funcs)
		}
		f, ok := s.Function("AWSIdentityRole")
		if !ok {
			t.Errorf("%s: AWSIdentityRole missing (functions %v)", tc.name, s.FunctionNames())
			continue
		}
		want := []Param{{Name: "T", Type: TabularType}, {Name: "since", Type: Timespan, Default: "1d"}}
		if diff := cmp.Diff(want, f.Params); diff != "" {
			t.Errorf("%s: params (-want +got):\n%s", tc.name, diff)
		}
		if f.RequiredParams() != 1 || f.Columns != nil {
			t.Errorf("%s: required %d, columns %v; want 1 and unknown columns", tc.name, f.RequiredParams(), f.Columns)
		}
	}
}

func TestCustomTablesAndStandardColumns(t *testing.T) {
	for name, want := range map[string]bool{"MyApp_CL": true, "AwsBucketAPILogs_CL": true, "_CL": false, "SigninLogs": false, "My_cl": false} {
		if got := IsCustomTable(name); got != want {
			t.Errorf("IsCustomTable(%q) = %v", name, got)
		}
	}
	var names []string
	for _, c := range StandardColumns {
		names = append(names, c.Name)
	}
	if got := strings.Join(names, ","); got != "TenantId,TimeGenerated,_TimeReceived,Type,_ItemId,_ResourceId,_SubscriptionId,_IsBillable,_BilledSize" {
		t.Errorf("StandardColumns = %s", got)
	}
}
