package kql

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseAccepts(t *testing.T) {
	tests := []string{
		"SecurityEvent | where TimeGenerated > ago(1d) and EventID == 4625 | summarize count() by Account, bin(TimeGenerated, 1h)",
		"let threshold = 5; let T = SigninLogs | where ResultType != 0; T | summarize n = count() by UserPrincipalName | where n > threshold",
		"let f = (a:string, b:int = 3) { print x = strcat(a, tostring(b)) }; f('x')",
		"let v = view () { SecurityAlert | take 1 }; v",
		"let g = (T:(TimeGenerated:datetime), n:long) { T | take n }; g(SecurityEvent, 5)",
		"declare query_parameters(start:datetime = datetime(2024-01-01), n:int = 10); SecurityEvent | where TimeGenerated > start | take n",
		"T | where a between (1 .. 10) and b !between (datetime(2020-01-01) .. now())",
		"T | where x in ('a', 'b') or x !in ('c') or x in~ ('D') or x !in~ ('e')",
		"T | where x has 'a' or x !has 'b' or x has_cs 'c' or x !has_cs 'd' or x has_any ('e', 'f') or x has_all (dynamic(['g']))",
		"T | where x contains 'a' or x !contains 'b' or x contains_cs 'c' or x !contains_cs 'd'",
		"T | where x startswith 'a' or x !startswith_cs 'b' or x endswith 'c' or x !endswith 'd' or x endswith_cs 'e'",
		"T | where x hasprefix 'a' or x hassuffix 'b' or x !hasprefix_cs 'c' or x matches regex @'\\d+'",
		"T | where x =~ 'a' or x !~ 'b' or x ==~ 'c' or x <> 1 or x != 2",
		"T | extend a = 1d, b = 30m, c = 1.5h, d = 100ms, e = time(1.00:00:00), f = timespan(2d), g = 10s",
		"T | extend a = dynamic([1, 'a', {\"k\": [true, null]}]), b = dynamic({}), c = dynamic(null), d = guid(74be27de-1e4e-49d9-b579-fe0b331d3642)",
		"T | extend a = int(null), b = long(1), c = real(nan), d = bool(true), e = decimal(1.5), f = datetime(null)",
		"T | extend a = @\"c:\\temp\", b = h'secret', c = h@\"x\", d = ```multi\nline```, e = 'it\\'s', f = \"a\" \"b\"",
		"T | project ['my col'] = 1, ['other'], [\"third\"]",
		"T // comment\n| take 10 // trailing",
		"T | summarize hint.strategy=shuffle arg_max(TimeGenerated, *) by Computer",
		"T | join kind=leftouter hint.remote=auto (U | where x > 1) on $left.A == $right.B, C",
		"T | lookup kind=inner (U) on Key",
		"union withsource=TableName kind=outer isfuzzy=true Security*, (T | take 1), *Events",
		"T | union U, V",
		"T | parse Msg with * 'user=' User:string ' ip=' IP *",
		"T | parse kind=regex flags=Ui Msg with @'(\\d+)' Num:long",
		"T | parse-where Msg with 'a' B",
		"T | parse-kv Msg as (a:string, b:long) with (pair_delimiter=';', kv_delimiter='=')",
		"T | mv-expand bagexpansion=array with_itemindex=i x = Arr to typeof(string), Other limit 10",
		"T | mv-apply e = Arr to typeof(dynamic) on (where e.x > 1 | summarize make_list(e))",
		"T | make-series n = count() default = 0 on TimeGenerated from ago(7d) to now() step 1h by Computer",
		"T | make-series count() on TimeGenerated in range(ago(7d), now(), 1d)",
		"T | top 10 by n desc nulls last, m asc",
		"T | top-nested 3 of Computer with others = 'Other' by sum(n) desc, top-nested of Account by count()",
		"T | sort by a desc, b asc nulls first | order by c",
		"T | take 5 | limit 3 | distinct a, b | count",
		"T | evaluate bag_unpack(Props) | evaluate pivot(Key, any(Value), A)",
		"T | render timechart with (title='x', ytitle = \"y\")",
		"T | as hint.materialized=true X | invoke f(1) | serialize rn = row_number() | sample 10 | getschema",
		"search in (SecurityEvent, Sys*) 'x' and Computer == 'a'",
		"search 'x'",
		"find withsource=T in (A, B) where x == 1 project a, b",
		"range x from 1 to 10 step 1",
		"datatable (a:string, b:long) ['x', 1, 'y', 2] | where b > 1",
		"print a = 1, b = toscalar(T | count)",
		"externaldata (a:string) [h@'https://example.com/x.csv'] with (format='csv', ignoreFirstRecord=true)",
		"let m = materialize(T | take 1); m | union m",
		"T | where x in ((U | project x))",
		"T | extend a = x.y.z, b = x['a'][0], c = x.[0].name, d = $left.x",
		"T | where not(x has 'a') and -y < +3 * (2 - z) % 4 / 1",
		"cluster('c').database('d').T | take 1",
		"set query_now = datetime(2020-01-01); T | take 1",
		"T | project-away a*, b | project-keep c* | project-reorder d asc, e* | project-rename f = g",
		"T | extend (a, b) = f(x)",
		"T | where timestamp > ago(1d) | summarize by a",
		"T | project a, b,",
		"T | evaluate ipv4_lookup(L, ip, net) | fork (where x == 1) (take 3)",
		"T | where x = 1",
	}
	for _, src := range tests {
		q, errs := Parse(src)
		if len(errs) > 0 {
			t.Errorf("Parse(%q): %v", src, errs)
			continue
		}
		if len(q.Statements) == 0 {
			t.Errorf("Parse(%q): no statements", src)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		src  string
		want string
	}{
		{"T | where (a == 1", "1:18: expected ')' to close '(' opened at 1:11, found end of query"},
		{"T | where a == 1 project b", "1:18: expected ';' or '|' before 'project'"},
		{"T | frobnicate", "1:5: unknown tabular operator 'frobnicate'"},
		{"T | where x == 'abc", "1:16: unterminated string literal"},
		{"T\n| summarize count() by\n", "3:1: expected an expression, found end of query"},
		{"T | extend x = ```abc", "1:16: unterminated multi-line string literal (missing closing ```)"},
		{"T | where x ~ 1", "1:13: expected ';' or '|' before '~'"},
		{"T | where x between (1, 2)", "1:23: expected '..' between the bounds of 'between', found ','"},
		{"let x = ;", "1:9: expected an expression, found ';'"},
		{"T | join (U) x", "1:14: expected 'on' and the join condition, found 'x'"},
		{"T | extend a = 1.5x", "1:16: invalid number literal '1.5x'"},
		{"T | where ä == 1 #", "1:18: unexpected character '#'"},
		// each list closes with the bracket that opened it
		{"datatable (a:string) ['x', 'y'", "1:31: expected ']' to close '[' opened at 1:22, found end of query"},
		{"print d = dynamic({'a': [1, 2}", "1:30: expected ']' to close '[' opened at 1:25, found '}'"},
		{"print d = dynamic({'a': 1 ]})", "1:27: expected '}' to close '{' opened at 1:19, found ']'"},
		{"T | render timechart with (title='x'", "1:37: expected ')' to close '(' opened at 1:27, found end of query"},
		{"T | summarize hint.strategy shuffle count()", "1:29: expected '=' after 'hint.strategy', found 'shuffle'"},
	}
	for _, tt := range tests {
		_, errs := Parse(tt.src)
		var got string
		if len(errs) > 0 {
			got = errs[0].Error()
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Parse(%q) first error (-want +got):\n%s", tt.src, diff)
		}
	}
}

func TestParseAST(t *testing.T) {
	q, errs := Parse("let n = 5;\nT | where a has 'x' and b > n | project c = a, b")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(q.Statements) != 2 {
		t.Fatalf("got %d statements, want 2", len(q.Statements))
	}
	let := q.Statements[0].(*LetStmt)
	if let.Name.Name != "n" {
		t.Errorf("let name = %q", let.Name.Name)
	}
	pl := q.Statements[1].(*ExprStmt).Expr.(*Pipeline)
	if id := pl.Source.(*Ident); id.Name != "T" {
		t.Errorf("source = %q", id.Name)
	}
	w := pl.Ops[0].(*WhereOp)
	and := w.Pred.(*Binary)
	if and.Op != "and" {
		t.Fatalf("top op = %q, want and (precedence)", and.Op)
	}
	if has := and.X.(*Binary); has.Op != "has" {
		t.Errorf("left op = %q", has.Op)
	}
	proj := pl.Ops[1].(*ProjectOp)
	if got := proj.Items[0].Names[0].Name; got != "c" {
		t.Errorf("project name = %q", got)
	}
	if got, want := q.Position(proj.Span().Start), (Pos{Offset: 43, Line: 2, Col: 33}); got != want {
		t.Errorf("project position = %+v, want %+v", got, want)
	}
	// arithmetic precedence: 1 + 2 * 3 parses as 1 + (2 * 3)
	q, _ = Parse("print x = 1 + 2 * 3")
	pr := q.Statements[0].(*ExprStmt).Expr.(*OpExpr).Op.(*PrintOp)
	add := pr.Items[0].Value.(*Binary)
	if add.Op != "+" || add.Y.(*Binary).Op != "*" {
		t.Errorf("precedence wrong: %#v", add)
	}
}

// Every name=value parameter spans its name and its value, whichever operator
// or syntax carries it.
func TestParseParamSpans(t *testing.T) {
	src := "T | join kind=inner hint.remote=auto (U) on a | render timechart title='t' legend=hidden | render piechart with (kind=stacked)"
	q, errs := Parse(src)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	ops := q.Statements[0].(*ExprStmt).Expr.(*Pipeline).Ops
	var params []*OpParam
	params = append(params, ops[0].(*JoinOp).Params...)
	params = append(params, ops[1].(*RenderOp).With...)
	params = append(params, ops[2].(*RenderOp).With...)
	var got []string
	for _, p := range params {
		got = append(got, p.Name+": "+src[p.S.Start:p.S.End])
	}
	want := []string{"kind: kind=inner", "hint.remote: hint.remote=auto", "title: title='t'", "legend: legend=hidden", "kind: kind=stacked"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parameter spans (-want +got):\n%s", diff)
	}
}

func FuzzParse(f *testing.F) {
	seeds := []string{
		"SecurityEvent | where TimeGenerated > ago(1d) | summarize count() by Account",
		"let f = (a:string) { T | where x == a }; f('x') | join kind=inner (U) on $left.a == $right.b",
		"T | extend d = dynamic({\"a\": [1, 2, {\"b\": null}]}), t = datetime(2020-01-01 10:00)",
		"T | parse x with * 'a' b:int | mv-apply y on (where y > 1 | take 1)",
		"union withsource=T A*, (B | take 1) | make-series count() on t in range(ago(1d), now(), 1h)",
		"T | where ((((", "let x = ```", "h@'", "T | top-nested 1 of a by b", "dynamic([{",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		q, errs := Parse(src)
		if q == nil {
			t.Fatal("nil query")
		}
		for _, e := range errs {
			if e.Pos.Line < 1 || e.Pos.Col < 1 || e.Pos.Offset > len(src) || e.Msg == "" {
				t.Fatalf("bad error %+v", e)
			}
		}
	})
}

func TestParseDeepNesting(t *testing.T) {
	src := "print x = " + strings.Repeat("(", 100000) + "1" + strings.Repeat(")", 100000)
	_, errs := Parse(src)
	if len(errs) == 0 || !strings.Contains(errs[0].Msg, "nested too deeply") {
		t.Fatalf("got %v, want nesting error", errs)
	}
}

// TestLexReferenceRules checks the lexer against the Kusto lexer's rules
// (Kusto.Language TokenParser): names may start with digits when letters
// follow that make no literal, every timespan suffix, the whitespace set.
func TestLexReferenceRules(t *testing.T) {
	tests := []struct {
		src  string
		want []tokKind
	}{
		{"5h_avg", []tokKind{tIdent}},
		{"1st", []tokKind{tIdent}},
		{"2022MostExploited", []tokKind{tIdent}},
		{"0xZZ", []tokKind{tIdent}},
		{"1e5x", []tokKind{tIdent}},
		{"5h", []tokKind{tTimespan}},
		{"1.5hours", []tokKind{tTimespan}},
		{"10nanoseconds 3nanos 2microsec 4millisec 1tick", []tokKind{tTimespan, tTimespan, tTimespan, tTimespan, tTimespan}},
		{"1e5 1e-5 1E+5 1.5e3", []tokKind{tReal, tReal, tReal, tReal}},
		{"0x1f 42", []tokKind{tInt, tInt}},
		{"1.5x", []tokKind{tIllegal}},
		{"a\u00a0b\u200bc\ufeffd\u3000e\u202ff\u205fg\u1680h\u180ei", []tokKind{tIdent, tIdent, tIdent, tIdent, tIdent, tIdent, tIdent, tIdent, tIdent}},
		{"a\u00adb", []tokKind{tIdent}}, // a soft hyphen is not whitespace
		{"project-reorder a granny-asc", []tokKind{tIdent, tIdent, tIdent}},
		{"macro-expand", []tokKind{tIdent}},
	}
	for _, tt := range tests {
		toks, _ := lex(tt.src, nil)
		var got []tokKind
		for _, tk := range toks {
			if tk.kind != tEOF {
				got = append(got, tk.kind)
			}
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("lex(%q) kinds (-want +got):\n%s", tt.src, diff)
		}
	}
}

// TestParseReferenceForms parses documented syntax forms of each tabular
// operator that the parser once rejected (kql/COVERAGE.md lists them all).
func TestParseReferenceForms(t *testing.T) {
	tests := []string{
		"T | distinct Country = tostring(LocationDetails.countryOrRegion)",
		"T | distinct hint.shufflekey = a a, b = tolower(c)",
		"T | count as N",
		"T | count as ['n rows'] | where ['n rows'] > 0",
		"T | getschema kind=csl",
		"T | project-reorder b granny-asc, a granny-desc",
		"print 5h_avg = 1, 1st = 2, ['x y'] = 3, [\"z\"] = 4",
		"T | invoke FileProfile(SHA1, 1000)",
		"T\u00a0| where\u200bx\u3000== 1\ufeff",
		"T | macro-expand entity_group [A, B] as X (X | take 1)",
	}
	for _, src := range tests {
		if _, errs := Parse(src); len(errs) > 0 {
			t.Errorf("Parse(%q): %v", src, errs)
		}
	}
	q, _ := Parse("T | distinct Country = tostring(x), b | count as N")
	pl := q.Statements[0].(*ExprStmt).Expr.(*Pipeline)
	d := pl.Ops[0].(*DistinctOp)
	if len(d.Items) != 2 || len(d.Items[0].Names) != 1 || d.Items[0].Names[0].Name != "Country" || d.Items[1].Names != nil {
		t.Errorf("distinct items: %+v", d.Items)
	}
	if c := pl.Ops[1].(*CountOp); c.Name == nil || c.Name.Name != "N" {
		t.Errorf("count as: %+v", c)
	}
}
