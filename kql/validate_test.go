package kql

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/socpilot/socpilot/kql/schema"
)

func testValidator() *Validator {
	s := schema.New()
	s.AddTable(schema.Table{Name: "SecurityEvent", Columns: []schema.Column{
		{Name: "TimeGenerated", Type: schema.Datetime}, {Name: "Account", Type: schema.String},
		{Name: "AccountName", Type: schema.String}, {Name: "EventID", Type: schema.Int},
		{Name: "Computer", Type: schema.String}, {Name: "EventData", Type: schema.Dynamic},
	}})
	s.AddTable(schema.Table{Name: "SigninLogs", Columns: []schema.Column{
		{Name: "TimeGenerated", Type: schema.Datetime}, {Name: "UserPrincipalName", Type: schema.String},
		{Name: "IPAddress", Type: schema.String}, {Name: "ResultType", Type: schema.String},
	}})
	s.AddTable(schema.Table{Name: "DeviceProcessEvents", Columns: []schema.Column{
		{Name: "Timestamp", Type: schema.Datetime}, {Name: "DeviceName", Type: schema.String},
		{Name: "AccountName", Type: schema.String}, {Name: "SHA1", Type: schema.String},
	}})
	s.AddTable(schema.Table{Name: "AADNonInteractiveUserSignInLogs", Columns: []schema.Column{
		{Name: "TimeGenerated", Type: schema.Datetime}, {Name: "DeviceDetail", Type: schema.String},
	}})
	s.AddTable(schema.Table{Name: "SigninLogsDyn", Columns: []schema.Column{
		{Name: "TimeGenerated", Type: schema.Datetime}, {Name: "DeviceDetail", Type: schema.Dynamic},
	}})
	s.AddTable(schema.Table{Name: "AzureDiagnostics", Suffixed: true, Columns: []schema.Column{
		{Name: "TimeGenerated", Type: schema.Datetime}, {Name: "ResourceType", Type: schema.String},
	}})
	s.AddFunction(schema.Function{Name: "imAuth", Params: []schema.Param{{Name: "starttime", Type: schema.Datetime, Default: "datetime(null)"}},
		Columns: []schema.Column{{Name: "TimeGenerated", Type: schema.Datetime}, {Name: "TargetUsername", Type: schema.String}}})
	// a Defender XDR function invoked on rows: T | invoke FileProfile(SHA1)
	s.AddFunction(schema.Function{Name: "FileProfile", Params: []schema.Param{{Name: "x", Type: schema.String}, {Name: "max_rows", Type: schema.Int, Default: "1000"}}})
	return &Validator{Schema: s}
}

type finding struct {
	Sev  string
	At   string
	Code string
	Msg  string
	Sugg string
}

func simplify(fs []Finding) []finding {
	var out []finding
	for _, f := range fs {
		out = append(out, finding{f.Severity.String(), strconv.Itoa(f.Pos.Line) + ":" + strconv.Itoa(f.Pos.Col), f.Code, f.Message, f.Suggestion})
	}
	return out
}

func TestValidateClean(t *testing.T) {
	v := testValidator()
	tests := []string{
		"SecurityEvent | where TimeGenerated > ago(1d) | summarize n = count() by Account | where n > 5",
		"SecurityEvent | where TimeGenerated > ago(1d) | project-rename Who = Account | project Who, Computer",
		"SecurityEvent | where TimeGenerated > ago(1d) | extend a = 1, b = a + 1 | project b",
		"SecurityEvent | where TimeGenerated > ago(1d) | summarize count(), dcount(Computer), make_set(Account) by bin(TimeGenerated, 1h) | project TimeGenerated, count_, dcount_Computer, set_Account",
		"SecurityEvent | where TimeGenerated > ago(1d) | summarize arg_max(TimeGenerated, *) by Computer | project Computer, Account, TimeGenerated, Computer1",
		"SecurityEvent | where TimeGenerated > ago(1d) | join kind=inner (SigninLogs | where TimeGenerated > ago(1d)) on $left.Account == $right.UserPrincipalName | project Account, IPAddress, TimeGenerated1",
		"SecurityEvent | where TimeGenerated > ago(1d) | join kind=leftanti (SigninLogs) on $left.Account == $right.UserPrincipalName | project Account",
		"SecurityEvent | where TimeGenerated > ago(1d) | lookup (SigninLogs | project Account = UserPrincipalName, IPAddress) on Account | project IPAddress",
		"union withsource=Src Sec*, SigninLogs | where TimeGenerated > ago(1d) | project Src, Account, IPAddress",
		"SecurityEvent | where TimeGenerated > ago(1d) | parse Account with Domain '\\\\' User | project Domain, User",
		"SecurityEvent | where TimeGenerated > ago(1d) | mv-expand with_itemindex=i Item = EventData | project i, Item",
		"SecurityEvent | where TimeGenerated > ago(1d) | evaluate bag_unpack(EventData) | project Anything, Computer",
		"let threshold = 3; let T = SecurityEvent | where TimeGenerated > ago(1d); T | summarize c = count() by Account | where c > threshold",
		"let f = (t:(TimeGenerated:datetime), n:int) { t | where TimeGenerated > ago(1d) | take n }; f(SecurityEvent, 5) | project Account",
		"let g = (who:string) { SecurityEvent | where TimeGenerated > ago(1d) and Account == who }; g('x') | project Computer",
		"let m = materialize(SecurityEvent | where TimeGenerated > ago(1d)); m | union m | project Account",
		"imAuth(starttime=ago(1d)) | project TargetUsername",
		"imAuth | where TimeGenerated > ago(1d) | project TargetUsername",
		"SecurityEvent | where TimeGenerated > ago(1d) | make-series n = count() on TimeGenerated step 1h by Computer | project n, TimeGenerated, Computer",
		"datatable(a:string, b:long) ['x', 1] | extend c = b * 2 | project a, c",
		"print x = toscalar(SecurityEvent | where TimeGenerated > ago(1d) | count)",
		"SecurityEvent | where TimeGenerated > ago(1d) and Account in ((SigninLogs | project UserPrincipalName))",
		"externaldata(ip:string) ['https://example.com/x.csv'] | project ip",
		"DeviceProcessEvents | where Timestamp > ago(1d) | project DeviceName",
		"SecurityEvent | where TimeGenerated > ago(1d) | summarize by Computer | count",
		// union legs that disagree on a column's type give name_type columns
		"union AADNonInteractiveUserSignInLogs, SigninLogsDyn | where TimeGenerated > ago(1d) | project DeviceDetail_dynamic, DeviceDetail_string",
	}
	for _, src := range tests {
		if fs := v.Validate(src); len(fs) > 0 {
			t.Errorf("Validate(%q): %+v", src, simplify(fs))
		}
	}
}

func TestValidateFindings(t *testing.T) {
	v := testValidator()
	tests := []struct {
		src  string
		want []finding
	}{
		{"SecurityEvent | where TimeGenerated > ago(1d) | project AcountName",
			[]finding{{"error", "1:57", CodeUnknownColumn, "unknown column 'AcountName' (not in SecurityEvent at this point of the query)", "did you mean 'AccountName'?"}}},
		{"SecurityEvnt | where TimeGenerated > ago(1d)",
			[]finding{{"error", "1:1", CodeUnknownTable, "unknown table or function 'SecurityEvnt'", "did you mean 'SecurityEvent'?"}}},
		{"SecurityEvent | where Timestamp > ago(1d)",
			[]finding{{"error", "1:23", CodeTimeColumn, "column 'Timestamp' does not exist here: 'Timestamp' is the Defender XDR advanced hunting name, this Log Analytics table has 'TimeGenerated'", "use 'TimeGenerated'"}}},
		{"DeviceProcessEvents | where TimeGenerated > ago(1d)",
			[]finding{{"error", "1:29", CodeTimeColumn, "column 'TimeGenerated' does not exist here: this Defender XDR table has 'Timestamp'", "use 'Timestamp'"}}},
		{"SecurityEvent | where TimeGenerated > ago('1d')",
			[]finding{{"error", "1:43", CodeType, "argument 1 of ago() must be timespan, not string", "write a timespan literal such as 1d or 30m, or totimespan('1d')"}}},
		{"SecurityEvent | where TimeGenerated > ago(1d, 2d)",
			[]finding{{"error", "1:39", CodeArgCount, "function 'ago' takes 1 argument(s), got 2", ""}}},
		{"SecurityEvent | where TimeGenerated > ago(1d) | extend x = tostrng(Account)",
			[]finding{{"error", "1:60", CodeUnknownFunction, "unknown function 'tostrng'", "did you mean 'tostring'?"}}},
		{"SecurityEvent | summarize count() by Account",
			[]finding{{"warning", "1:1", CodeNoTimeBound, "query reads SecurityEvent without a time filter; on a large table this scans all retained data", "add | where TimeGenerated > ago(1d) (or the window you need) right after SecurityEvent"}}},
		{"SecurityEvent | where TimeGenerated > ago(1d) | summarize n = count() by Account | project Computer",
			[]finding{{"error", "1:92", CodeUnknownColumn, "unknown column 'Computer' (not in SecurityEvent at this point of the query)", ""}}},
		{"SecurityEvent | where TimeGenerated > ago(1d) | join (SigninLogs) on $left.Account == $right.UserName",
			[]finding{{"error", "1:94", CodeUnknownColumn, "column 'UserName' is not in the right side of the join", ""}}},
		{"SecurityEvent | where TimeGenerated > ago(1d) | project-away Nope",
			[]finding{{"error", "1:62", CodeUnknownColumn, "unknown column 'Nope' (not in SecurityEvent at this point of the query)", ""}}},
		{"let f = (a:string) { print a }; f(1, 2)",
			[]finding{{"error", "1:33", CodeArgCount, "function 'f' takes 1 argument(s), got 2", ""}}},
		{"SecurityEvent | where TimeGenerated > ago(1d) | where Account ==~ 'x'",
			[]finding{{"warning", "1:63", CodeOperator, "'==~' is not a KQL operator", "use '=~' for a case-insensitive comparison"}}},
		{"SecurityEvent | where TimeGenerated > ago(1d) project Account",
			[]finding{{"error", "1:47", CodeSyntax, "expected ';' or '|' before 'project'", ""}}},
	}
	for _, tt := range tests {
		got := simplify(v.Validate(tt.src))
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Validate(%q) (-want +got):\n%s", tt.src, diff)
		}
	}
}

func TestResultColumns(t *testing.T) {
	v := testValidator()
	tests := []struct {
		src      string
		want     []schema.Column
		wantOpen bool
	}{
		{"SecurityEvent | project TimeGenerated, Who = Account, Id = EventID",
			[]schema.Column{{Name: "TimeGenerated", Type: schema.Datetime}, {Name: "Who", Type: schema.String}, {Name: "Id", Type: schema.Int}}, false},
		{"let T = datatable(a:string, b:long) []; T | summarize n = count() by a",
			[]schema.Column{{Name: "a", Type: schema.String}, {Name: "n", Type: schema.Long}}, false},
		{"SecurityEvent | evaluate bag_unpack(EventData) | project-away EventData",
			nil, true},
	}
	for _, tt := range tests {
		got, open, fs := v.ResultColumns(tt.src)
		if HasErrors(fs) {
			t.Errorf("ResultColumns(%q) findings: %+v", tt.src, simplify(fs))
		}
		if open != tt.wantOpen {
			t.Errorf("ResultColumns(%q) open = %v, want %v", tt.src, open, tt.wantOpen)
		}
		if tt.wantOpen {
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ResultColumns(%q) (-want +got):\n%s", tt.src, diff)
		}
	}
	if cols, _, fs := v.ResultColumns("SecurityEvent | where"); cols != nil || !HasErrors(fs) {
		t.Errorf("ResultColumns of a syntax error = %v, %v; want nil columns and an error", cols, fs)
	}
}

func FuzzValidate(f *testing.F) {
	f.Add("SecurityEvent | where TimeGenerated > ago(1d) | summarize arg_max(TimeGenerated, *) by Computer")
	f.Add("let f = (t:(*)) { t | take 1 }; f(SigninLogs) | join kind=leftouter (f(SecurityEvent)) on $left.a == $right.b")
	f.Add("union isfuzzy=true Sec*, (imAuth | evaluate pivot(x)) | mv-apply y on (summarize make_list(y))")
	f.Add("AzureDiagnostics | join (AzureDiagnostics | project-away x_s) on $left.id_s == $right.id_g | lookup (SigninLogs) on a_s")
	v := testValidator()
	f.Fuzz(func(t *testing.T, src string) {
		for _, fd := range v.Validate(src) {
			if fd.Message == "" || fd.Pos.Line < 1 {
				t.Fatalf("bad finding %+v", fd)
			}
		}
	})
}

func TestValidateRecursiveFunction(t *testing.T) {
	// a function that calls itself must not loop forever
	v := testValidator()
	fs := v.Validate("let f = () { f() }; f()")
	for _, fd := range fs {
		if strings.Contains(fd.Message, "panic") {
			t.Fatal(fd)
		}
	}
	// a KQL function is not in scope in its own body
	want := []finding{{"error", "1:14", CodeUnknownTable, "unknown table or function 'f'", ""}}
	if diff := cmp.Diff(want, simplify(fs)); diff != "" {
		t.Errorf("recursive function (-want +got):\n%s", diff)
	}
	// a call checks the body with the function bound, so there the body's own
	// call recurses, until the depth limit stops it
	if fs := v.Validate("let f = () { SecurityEvent | where TimeGenerated > ago(1d) | invoke f() }; f() | project Account"); len(fs) != 1 {
		t.Errorf("recursive invoke: %+v, want the one unknown-table finding of the declaration", simplify(fs))
	}
}

// A stand-in for a parser that unpacks key-value pairs (schema.Table.Open) accepts
// any column after it, but its name, functions and syntax are still checked.
// AzureDiagnostics gains columns per workspace as resource logs arrive, named with
// a type suffix: those names are accepted, other unknown names are still errors.
func TestValidateSuffixedTable(t *testing.T) {
	sch := schema.New()
	sch.AddTable(schema.Table{Name: "AzureDiagnostics", Suffixed: true, Columns: []schema.Column{
		{Name: "TimeGenerated", Type: schema.Datetime}, {Name: "ResourceType", Type: schema.String},
		{Name: "requestUri_s", Type: schema.String}, {Name: "httpStatus_d", Type: schema.Real},
	}})
	v := &Validator{Schema: sch}
	for _, src := range []string{
		"AzureDiagnostics | where TimeGenerated > ago(1d) | where addedAccessPolicy_ObjectId_g != '' | project id_s, isEnabled_b",
		"AzureDiagnostics | where TimeGenerated > ago(1d) | extend d = duration_d * 2 | where d > 1.5 and startTime_t > ago(1h)",
		"AzureDiagnostics | where TimeGenerated > ago(1d) | join (AzureDiagnostics | where TimeGenerated > ago(1d)) on $left.id_s == $right.id_s",
		"AzureDiagnostics | where TimeGenerated > ago(1d) | summarize count() by clientIP_s",
		"AzureDiagnostics | where TimeGenerated > ago(1d) | where httpStatus_s == '200'", // a type-suffix variant is its own column
		"AzureDiagnostics | where TimeGenerated > ago(1d) | project-keep TimeGenerated, id_s | where id_s != ''",
	} {
		if fs := v.Validate(src); HasErrors(fs) {
			t.Errorf("Validate(%q) = %v, want no errors", src, simplify(fs))
		}
	}
	for _, src := range []string{
		"AzureDiagnostics | where TimeGenerated > ago(1d) | where ResourceTyp == 'VAULTS'",           // no suffix: a misspelt column
		"AzureDiagnostics | where TimeGenerated > ago(1d) | where requestUrl_s == '/'",               // typo of a listed suffixed column
		"AzureDiagnostics | where TimeGenerated > ago(1d) | where clientIP_x == '1'",                 // not a type suffix
		"AzureDiagnostics | where TimeGenerated > ago(1d) | project ResourceType | where id_s == ''", // dropped by project
		"AzureDiagnostics | where Timestamp > ago(1d)",                                               // time-column lint still applies
	} {
		if fs := v.Validate(src); !HasErrors(fs) {
			t.Errorf("Validate(%q) found no error", src)
		}
	}
	cols, _, _ := v.ResultColumns("AzureDiagnostics | where TimeGenerated > ago(1d) | extend s = httpStatus_d, x = newField_d | project s, x")
	if got := fmt.Sprint(cols); got != "[{s real} {x real}]" {
		t.Errorf("result columns = %s, want the suffix's type for the added column", got)
	}
}

func TestValidateOpenTable(t *testing.T) {
	sch := schema.New()
	sch.AddTable(schema.Table{Name: "KVParser", Open: true, Columns: []schema.Column{{Name: "TimeGenerated", Type: schema.Datetime}}})
	sch.AddFunction(schema.Function{Name: "KVFunc", Open: true, Columns: []schema.Column{{Name: "A", Type: schema.String}}})
	v := &Validator{Schema: sch}
	for _, src := range []string{
		"KVParser | where TimeGenerated > ago(1d) | where Policy == 'x' | project Policy",
		"KVFunc | where A == 'x' and Unpacked == 1",
		"KVFunc() | summarize count() by Unpacked",
	} {
		if fs := v.Validate(src); HasErrors(fs) {
			t.Errorf("Validate(%q) = %v, want no errors", src, fs)
		}
	}
	for _, src := range []string{
		"KVPasrer | where Policy == 'x'",                                              // table misspelled
		"KVParser | where Policy == 'x' | project Nope2 = Policy | where Policy == 1", // dropped by project
		"KVParser | extend x = nosuchfunc(Policy)",                                    // unknown function
	} {
		if fs := v.Validate(src); !HasErrors(fs) {
			t.Errorf("Validate(%q) found no error", src)
		}
	}
	// A misspelt listed column is an error even where the shape is open.
	got := simplify(v.Validate("KVParser | where TimeGenreated > ago(1d) | where timegenerated > ago(1d)"))
	want := []finding{{"error", "1:18", CodeUnknownColumn, "unknown column 'TimeGenreated': not a known column of KVParser at this point of the query, and too close to 'TimeGenerated' to be one of the columns that depend on the data", "did you mean 'TimeGenerated'?"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("near miss on an open table (-want +got):\n%s", diff)
	}
}

// Shapes share the schema's column slices (shapeFromTable): no operator may
// change them in place.
func TestValidateLeavesSchemaUnchanged(t *testing.T) {
	v := testValidator()
	before := map[string][]schema.Column{}
	for _, tb := range v.Schema.Tables() {
		before[tb.Name] = append([]schema.Column(nil), tb.Columns...)
	}
	for _, src := range []string{
		"SecurityEvent | extend Account = 1, EventID = 'x' | project-rename Who = Computer",
		"SecurityEvent | project-away Account | project-keep Computer | project-reorder Computer",
		"SecurityEvent | evaluate bag_unpack(EventData) | parse Account with Domain '\\\\' Account:long",
		"SecurityEvent | mv-expand Account = EventData to typeof(long) | mv-apply EventData on (extend x = 1)",
		"SecurityEvent | parse-kv Account as (Computer:long) | join (SigninLogs | extend IPAddress = 1) on $left.Account == $right.IPAddress",
		"SecurityEvent | lookup (SigninLogs) on TimeGenerated | summarize arg_max(TimeGenerated, *) by Account",
		"union SecurityEvent, SigninLogs | extend TimeGenerated = 1",
		"let f = (t:(*)) { t | extend Account = 1 }; f(SecurityEvent) | extend Computer = 2",
	} {
		v.Validate(src)
	}
	for _, tb := range v.Schema.Tables() {
		if diff := cmp.Diff(before[tb.Name], tb.Columns); diff != "" {
			t.Errorf("table %s changed (-before +after):\n%s", tb.Name, diff)
		}
	}
}

// TestFindingNamesTheUnknownTable: callers read the name from the finding,
// never from its message.
func TestFindingNamesTheUnknownTable(t *testing.T) {
	v := testValidator()
	var names []string
	for _, f := range v.Validate("MyApp_CL | where TimeGenerated > ago(1d)") {
		if f.Code == CodeUnknownTable {
			names = append(names, f.Name)
		}
	}
	if len(names) != 1 || names[0] != "MyApp_CL" {
		t.Errorf("unknown-table findings name %q, want [MyApp_CL]", names)
	}
}

// TestValidateReferenceForms checks forms of the KQL reference that public
// queries use (issue 12): each class with its repro and members of its family.
func TestValidateReferenceForms(t *testing.T) {
	v := testValidator()
	const se = "SecurityEvent | where TimeGenerated > ago(1d) "
	const dpe = "DeviceProcessEvents | where Timestamp > ago(1d) "
	clean := map[string][]string{
		"invoke: arguments are resolved against the piped rows": {
			dpe + "| invoke FileProfile(SHA1)",
			dpe + "| invoke FileProfile(SHA1, 500)",
			dpe + "| invoke FileProfile(x = SHA1)",
			"let f = (T:(*), col:string) { T | take 1 }; " + se + "| invoke f(Computer) | project Account",
			"let g = (T:(Account:string), n:long) { T | where Account != '' | take n }; " + se + "| invoke g(5) | project Account",
		},
		"evaluate: plugin arguments are resolved against the piped rows": {
			se + "| evaluate bag_unpack(EventData) | project Computer",
			se + "| evaluate pivot(Computer, count(), Account)",
			se + "| evaluate narrow() | project Row, Column, Value",
		},
		"distinct: * and [Name =] Expr items": {
			se + "| distinct Country = tostring(EventData.countryOrRegion) | project Country",
			se + "| distinct Country = tostring(EventData.countryOrRegion), Computer | project Country, Computer",
			se + "| distinct tostring(EventData.x) | project EventData_x",
			se + "| distinct ['Who'] = Account | project Who",
			se + "| distinct * | project Account",
			se + "| distinct Account, Computer, | project Account",
		},
		"count [as Name]": {
			se + "| count as N | project N",
			se + "| count as ['Event count'] | project ['Event count']",
			se + "| count | project Count",
			se + "| summarize by Computer | count as Hosts | extend Share = Hosts * 2",
		},
		"getschema [kind=csl]": {
			se + "| getschema | project ColumnName, DataType",
			se + "| getschema kind=csl",
		},
		"names that start with digits, bracketed and quoted names": {
			"print 5h_avg = 1 | project 5h_avg",
			"print 1st = 1, 2nd_value = 2 | project 1st, 2nd_value",
			"print 7days = 1 | where 7days > 0",
			"print ['x y'] = 1 | project ['x y']",
			"print [\"x\"] = 1 | project x",
			"print ['where'] = 1 | project ['where']",
			se + "| summarize 5Minutes = count() by bin(TimeGenerated, 5m) | project 5Minutes",
		},
		"deprecated aliases the service still accepts": {
			"print datepart('year', now())",
			"print extractall(@'(\\d+)', 'a1b22')",
			"print parsejson('{}'), todynamic('{}'), toobject('{}')",
			"print parseurl('https://x/y'), parseurlquery('a=1')",
			"print extractjson('$.a', '{\"a\":1}')",
			"print weekofyear(now()), columnifexists('x', 1)",
			"print base64_encodestring('x'), base64_decodestring('eA==')",
			"print pack('a', 1), iif(true, 1, 2), array_iif(dynamic([true]), 1, 2)",
			se + "| summarize makelist(Account), makeset(Computer), make_dictionary(EventData), any(Account), anyif(Computer, true) by bin(TimeGenerated, 1h)",
			se + "| summarize make_set(Account, MaxSize = 8) by Computer",
		},
		"timespan and number literals": {
			"print a = 1d, b = 1.5h, c = 10nanoseconds, d = 2microsec, e = 3millisec, f = 1tick, g = 2micros",
			"print a = 1e5, b = 1.5e-3, c = 0x1F, d = 2E+3, e = 1., f = .5",
		},
	}
	for class, srcs := range clean {
		for _, src := range srcs {
			if fs := v.Validate(src); len(fs) > 0 {
				t.Errorf("%s: Validate(%q): %+v", class, src, simplify(fs))
			}
		}
	}

	// genuine bugs in the same forms stay errors
	errs := []struct{ src, code, msg string }{
		{dpe + "| invoke FileProfile(SHA11)", CodeUnknownColumn, "unknown column 'SHA11' (not in DeviceProcessEvents at this point of the query)"},
		{"let f = (T:(*), col:string) { T | take 1 }; " + se + "| invoke f(Nope)", CodeUnknownColumn, "unknown column 'Nope' (not in SecurityEvent at this point of the query)"},
		{se + "| distinct Country = tostring(Nope)", CodeUnknownColumn, "unknown column 'Nope' (not in SecurityEvent at this point of the query)"},
		{se + "| distinct Country = tostring(EventData.c) | project Computer", CodeUnknownColumn, "unknown column 'Computer' (not in SecurityEvent at this point of the query)"},
		{se + "| count as N | project Count", CodeUnknownColumn, "unknown column 'Count'"},
		{"print 5h_avg = 1 | project 5h_avx", CodeUnknownColumn, "unknown column '5h_avx'"},
		{se + "| extend x = bin(5mbin = TimeGenerated, 5m)", CodeOperator, "'5mbin =' inside bin(...) is an assignment in an argument list: bin() has no parameter of that name"},
		{se + "| project r = round(Rate = EventID / 2)", CodeOperator, "'Rate =' inside round(...) is an assignment in an argument list: round() has no parameter of that name"},
		{"print datepartt('year', now())", CodeUnknownFunction, "unknown function 'datepartt'"},
	}
	for _, tt := range errs {
		fs := v.Validate(tt.src)
		if len(fs) == 0 || fs[0].Severity != SeverityError || fs[0].Code != tt.code || fs[0].Message != tt.msg {
			t.Errorf("Validate(%q) = %+v, want first an error %s %q", tt.src, simplify(fs), tt.code, tt.msg)
		}
	}
}

// TestValidateUnicodeWhitespace: every character the Kusto lexer treats as
// whitespace separates tokens, wherever a query has one (issue 12 class 3).
func TestValidateUnicodeWhitespace(t *testing.T) {
	v := testValidator()
	spaces := []rune{0xA0, 0x1680, 0x180E, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007,
		0x2008, 0x2009, 0x200A, 0x200B, 0x202F, 0x205F, 0x3000, 0xFEFF}
	for _, r := range spaces {
		sp := string(r)
		for _, src := range []string{
			"SecurityEvent" + sp + "| where TimeGenerated > ago(1d) | take 1",
			sp + "SecurityEvent |" + sp + "where" + sp + "TimeGenerated > ago(1d)" + sp + sp + "| project" + sp + "Account," + sp + "Computer" + sp,
			"SecurityEvent | where TimeGenerated > ago(1d)\n" + sp + "| summarize n = count() by" + sp + "Account",
		} {
			if fs := v.Validate(src); len(fs) > 0 {
				t.Errorf("U+%04X: Validate(%q): %+v", r, src, simplify(fs))
			}
		}
	}
	// other characters beyond ASCII are not whitespace: a name holding one is still checked
	fs := v.Validate("SecurityEvent | where TimeGenerated > ago(1d) | project Account\u00adName")
	if len(fs) == 0 || fs[0].Code != CodeUnknownColumn {
		t.Errorf("a soft hyphen inside a name: got %+v, want an unknown-column error", simplify(fs))
	}
}

// A custom table the schema does not describe cannot be known offline: it is a
// warning that says how to check it, its rows have the standard columns plus any
// other, and functions and syntax are still checked. A misspelt known table, custom
// or not, stays an error with its suggestion, and so does any unknown table when the
// schema is the workspace's own (Complete).
func TestValidateUnknownCustomTable(t *testing.T) {
	v := testValidator()
	v.Schema.AddTable(schema.Table{Name: "SailPointIDN_Triggers_CL", Columns: []schema.Column{{Name: "TimeGenerated", Type: schema.Datetime}}})
	got := simplify(v.Validate("MyApp_CL | where TimeGenerated > ago(1d) and _ResourceId != '' | project Msg_s, TenantId, Level"))
	want := []finding{{"warning", "1:1", CodeUnknownTable,
		"custom table 'MyApp_CL' is not in the schema: its columns cannot be known offline, so only the standard columns (TimeGenerated, TenantId, Type, _ResourceId, ...) are checked",
		"check it against the workspace with --workspace-id, or describe it with --schema"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("unknown custom table (-want +got):\n%s", diff)
	}
	for _, tc := range []struct{ src, code, sugg string }{
		{"MyApp_CL | where TimeGenreated > ago(1d)", CodeUnknownColumn, "did you mean 'TimeGenerated'?"},
		{"MyApp_CL | where TimeGenerated > ago(1d) | extend m = tostrng(Msg_s)", CodeUnknownFunction, "did you mean 'tostring'?"},
		{"MyApp_CL | where TimeGenerated > ago(1d) | summarize by", CodeSyntax, ""},
		{"SigninLog | where TimeGenerated > ago(1d)", CodeUnknownTable, "did you mean 'SigninLogs'"},
		{"SailPointID_NTriggers_CL | where TimeGenerated > ago(1d)", CodeUnknownTable, "did you mean 'SailPointIDN_Triggers_CL'?"},
		{"sailpointidn_triggers_CL | where TimeGenerated > ago(1d)", CodeUnknownTable, "did you mean 'SailPointIDN_Triggers_CL'?"},
	} {
		fs := v.Validate(tc.src)
		var errs []Finding
		for _, f := range fs {
			if f.Severity == SeverityError {
				errs = append(errs, f)
			}
		}
		if len(errs) == 0 || errs[0].Code != tc.code || !strings.HasPrefix(errs[0].Suggestion, strings.TrimSuffix(tc.sugg, "?")) {
			t.Errorf("Validate(%q) = %+v, want a %s error suggesting %q", tc.src, simplify(fs), tc.code, tc.sugg)
		}
	}
	complete := *v
	complete.Complete = true
	if fs := complete.Validate("MyApp_CL | where TimeGenerated > ago(1d)"); !HasErrors(fs) {
		t.Errorf("with a complete schema, an unknown custom table is not an error: %+v", simplify(fs))
	}
}

// A name called as a function after invoke, or as a pipe's source, may be a
// function saved in the workspace: a warning that says how to check it, unless it
// is a slip for a known name (an error with the suggestion) or the schema is the
// workspace's own. In scalar position an unknown function stays an error, and says
// it may be a saved function when no builtin is close. Once the schema has the saved
// function (--schema, --workspace-id), invoke passes the piped rows as its table
// parameter.
func TestValidateSavedFunctions(t *testing.T) {
	v := testValidator()
	v.Schema.AddTable(schema.Table{Name: "AWSCloudTrail", Columns: []schema.Column{{Name: "TimeGenerated", Type: schema.Datetime}, {Name: "UserIdentityArn", Type: schema.String}}})
	hint := "check it against the workspace with --workspace-id, or describe it with --schema"
	for _, tc := range []struct {
		src  string
		want []finding
	}{
		{"AWSCloudTrail | where TimeGenerated > ago(1d) | invoke AWSIdentityRole()",
			[]finding{{"warning", "1:56", CodeUnknownFunction, "unknown function 'AWSIdentityRole': it may be a function saved in the workspace, which cannot be checked offline", hint}}},
		{"AWSIdentityRole(ago(1d)) | project Role, UserIdentityArn",
			[]finding{{"warning", "1:1", CodeUnknownFunction, "unknown function 'AWSIdentityRole': it may be a function saved in the workspace, which cannot be checked offline", hint}}},
		{"SecurityEvent | where TimeGenerated > ago(1d) | invoke tostrin()",
			[]finding{{"error", "1:56", CodeUnknownFunction, "unknown function 'tostrin'", "did you mean 'tostring'?"}}},
		{"SecurityEvent | where TimeGenerated > ago(1d) | extend x = tostrin(Account)",
			[]finding{{"error", "1:60", CodeUnknownFunction, "unknown function 'tostrin'", "did you mean 'tostring' or 'base64_decode_tostring' or 'base64_encode_tostring'?"}}},
		{"SecurityEvent | where TimeGenerated > ago(1d) | extend x = IsCorpAddress(Account)",
			[]finding{{"error", "1:60", CodeUnknownFunction, "unknown function 'IsCorpAddress'", "if it is a function saved in the workspace, check it with --workspace-id or describe it with --schema"}}},
		{"imAuht(starttime=ago(1d)) | project TargetUsername",
			[]finding{{"error", "1:1", CodeUnknownTable, "unknown table or function 'imAuht'", "did you mean 'imAuth'?"}}},
	} {
		got := simplify(v.Validate(tc.src))
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("Validate(%q) (-want +got):\n%s", tc.src, diff)
		}
	}
	complete := *v
	complete.Complete = true
	if fs := complete.Validate("AWSCloudTrail | where TimeGenerated > ago(1d) | invoke AWSIdentityRole()"); !HasErrors(fs) {
		t.Errorf("with a complete schema, an unknown function is not an error: %+v", simplify(fs))
	}
	saved, err := schema.LoadJSON(strings.NewReader(`{"functions":[{"name":"AWSIdentityRole","parameters":"T:(*), since:timespan=1d"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	withSaved := &Validator{Schema: v.Schema.Merge(saved), Complete: true}
	if fs := withSaved.Validate("AWSCloudTrail | where TimeGenerated > ago(1d) | invoke AWSIdentityRole() | project Role"); len(fs) > 0 {
		t.Errorf("a known saved function: %+v", simplify(fs))
	}
	if fs := withSaved.Validate("AWSCloudTrail | where TimeGenerated > ago(1d) | invoke AWSIdentityRole(1d, 2)"); !HasErrors(fs) {
		t.Errorf("too many arguments to a saved function: no error")
	}
}

// The no-time-bound lint judges the query's kind: a scheduled or NRT analytic rule
// on a large table gets it, naming the kind; a hunting query or a function body does
// not; a query of unknown kind gets the generic warning.
func TestValidateTimeBoundByKind(t *testing.T) {
	const src = "SecurityEvent | summarize count() by Account"
	for _, tc := range []struct {
		kind QueryKind
		want string
	}{
		{KindScheduled, "scheduled analytic rule without a time bound on SecurityEvent: on a large table its window then rests on the rule's lookback alone, and each run scans all of it"},
		{KindNRT, "near-real-time (NRT) analytic rule without a time bound on SecurityEvent: on a large table its window then rests on the rule's lookback alone, and each run scans all of it"},
		{KindUnknown, "query reads SecurityEvent without a time filter; on a large table this scans all retained data"},
		{KindHunting, ""},
		{KindFunction, ""},
	} {
		v := testValidator()
		v.Kind = tc.kind
		var got string
		for _, f := range v.Validate(src) {
			if f.Code == CodeNoTimeBound {
				got = f.Message
			}
		}
		if got != tc.want {
			t.Errorf("kind %q: lint %q, want %q", tc.kind, got, tc.want)
		}
		if fs := v.Validate("SecurityEvent | where TimeGenerated > ago(1h) | summarize count() by Account"); len(fs) > 0 {
			t.Errorf("kind %q: a time-bounded query: %+v", tc.kind, simplify(fs))
		}
	}
}

// The values arg_max, arg_min and take_any return may be named: the name
// is the result column; a misspelt column inside stays an error.
func TestValidateNamedReturnValues(t *testing.T) {
	ok := []string{
		"SigninLogs | where TimeGenerated > ago(1d) | summarize arg_max(TimeGenerated, LastIP = IPAddress) by UserPrincipalName | project LastIP",
		"SigninLogs | where TimeGenerated > ago(1d) | summarize First = arg_min(TimeGenerated, FirstType = ResultType, IPAddress) by UserPrincipalName | project First, FirstType, IPAddress",
		"SigninLogs | where TimeGenerated > ago(1d) | summarize take_any(Where = IPAddress) by UserPrincipalName | project Where",
	}
	for _, q := range ok {
		if errs := errorsIn(testValidator().Validate(q)); len(errs) > 0 {
			t.Errorf("%s\n  errors: %v", q, errs)
		}
	}
	bad := []string{
		"SigninLogs | where TimeGenerated > ago(1d) | summarize arg_max(TimeGenerated, LastIP = IPAddres) by UserPrincipalName",
		"SigninLogs | where TimeGenerated > ago(1d) | summarize arg_max(TimeGenerated, LastIP = IPAddress) by UserPrincipalName | project LastIp",
		"SigninLogs | where TimeGenerated > ago(1d) | summarize arg_max(Latest = TimeGenerated, IPAddress) by UserPrincipalName",
	}
	for _, q := range bad {
		if errs := errorsIn(testValidator().Validate(q)); len(errs) == 0 {
			t.Errorf("%s\n  no error, want one", q)
		}
	}
}

func errorsIn(fs []Finding) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Severity == SeverityError {
			out = append(out, f)
		}
	}
	return out
}

// In advanced hunting a Defender XDR table has Timestamp only; in Log
// Analytics (Sentinel's copy) TimeGenerated too.
func TestValidateAdvancedHuntingTimeColumn(t *testing.T) {
	q := "DeviceProcessEvents | where TimeGenerated > ago(1d) | take 10"
	sch := schema.New()
	sch.AddTable(schema.Table{Name: "DeviceProcessEvents", Columns: []schema.Column{
		{Name: "Timestamp", Type: schema.Datetime}, {Name: "TimeGenerated", Type: schema.Datetime}, {Name: "DeviceName", Type: schema.String}}})
	sch.AddTable(schema.Table{Name: "SigninLogs", Columns: []schema.Column{{Name: "TimeGenerated", Type: schema.Datetime}}})
	v := &Validator{Schema: sch}
	if errs := errorsIn(v.Validate(q)); len(errs) != 0 {
		t.Fatalf("Log Analytics: %v", errs)
	}
	v.AdvancedHunting = true
	errs := errorsIn(v.Validate(q))
	if len(errs) != 1 || errs[0].Code != CodeTimeColumn || !strings.Contains(errs[0].Suggestion, "Timestamp") {
		t.Fatalf("advanced hunting: %v, want the time-column error suggesting Timestamp", errs)
	}
	if errs := errorsIn(v.Validate("DeviceProcessEvents | where Timestamp > ago(1d) | take 10")); len(errs) != 0 {
		t.Fatalf("advanced hunting with Timestamp: %v", errs)
	}
	if errs := errorsIn(v.Validate("SigninLogs | where TimeGenerated > ago(1d) | take 10")); len(errs) != 0 {
		t.Fatalf("a Sentinel table in advanced hunting keeps TimeGenerated: %v", errs)
	}
}
