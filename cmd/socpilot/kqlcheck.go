package main

import (
	"context"
	"fmt"
	"os"
	"sort"

	"github.com/spf13/cobra"

	"github.com/socpilot/socpilot/kql"
	"github.com/socpilot/socpilot/kql/gate"
	"github.com/socpilot/socpilot/kql/logs"
	"github.com/socpilot/socpilot/kql/rulefile"
	"github.com/socpilot/socpilot/kql/schema"
	"github.com/socpilot/socpilot/render"
)

// kqlCheckOptions are what `socpilot kql check` runs with. Capitalised
// fields are provided by the factory (or a test); the others are the
// command line.
type kqlCheckOptions struct {
	IO streams
	// LogsClient is the Log Analytics client --workspace-id reads the live
	// schema with, at endpoint ("": the configured or the cloud's).
	LogsClient func(ctx context.Context, workspaceID, endpoint string) (*logs.Client, error)

	args         []string // files, directories or - for stdin
	output       string
	schemas      []string
	workspaceID  string
	logsEndpoint string
}

// newKQLCmd is `socpilot kql` with its subcommand check; runF (nil:
// runKQLCheck) runs check.
func newKQLCmd(f *factory, runF func(context.Context, *kqlCheckOptions) error) *cobra.Command {
	c := parentCommand("kql", "KQL tools: check queries against the Sentinel schema", "check")
	o := &kqlCheckOptions{IO: f.io, LogsClient: f.logsClient}
	if runF == nil {
		runF = runKQLCheck
	}
	check := &cobra.Command{
		Use:   "check [FILE|DIR...|-]",
		Short: "Validate KQL (.kql files, Sentinel analytic-rule and hunting-query YAML, directories, or - for stdin)",
		Long: `Parse and validate KQL against the embedded Sentinel and Defender table schemas (plus --schema
files): syntax, unknown tables and columns (with suggestions), unknown functions and argument counts,
and Sentinel lint. Prints file:line:col: severity: message, or JSON with -o json. Exits 1 when any
error is found, so it can gate a detection-as-code pipeline.

Custom tables (names ending in _CL) and functions saved in a workspace cannot be known offline: an
unknown custom table is a warning, checked for the standard columns every table has (TimeGenerated,
TenantId, Type, _ResourceId, ...) and otherwise open; a name called as a function after invoke or as
a query's source is a warning that it may be a saved function. A misspelling of a known table,
function or builtin stays an error. --workspace-id reads the custom tables (getschema) and saved
functions (the query API's metadata) of the workspace, after which an unknown name is an error;
--schema describes them from files, in any of these formats:

  socpilot JSON (tables and functions; "parameters" as Log Analytics writes them, T:(*) a table):
    {"tables": [{"name": "MyApp_CL", "columns": [{"name": "Msg_s", "type": "string"}]}],
     "functions": [{"name": "AWSIdentityRole", "parameters": "T:(*), since:timespan=1d"}]}
  the ARM workspaces/tables list (az monitor log-analytics workspace table list), or one table:
    {"value": [{"name": "MyApp_CL", "properties": {"schema": {"columns": [{"name": "Msg_s", "type": "string"}]}}}]}
  the ARM savedSearches list (az rest --url .../savedSearches?api-version=2020-08-01; az monitor
  log-analytics workspace saved-search list prints the same flattened); saved searches without a
  functionAlias are skipped:
    {"value": [{"name": "aws-role", "properties": {"functionAlias": "AWSIdentityRole",
      "functionParameters": "T:(*)", "query": "T | extend Role = tostring(UserIdentityArn)"}}]}
  the query API's metadata answer (GET https://api.loganalytics.io/v1/workspaces/ID/metadata):
    {"tables": [...], "functions": [{"name": "AWSIdentityRole", "parameters": "T:(*)", "body": "..."}]}
  an Azure-Sentinel CustomTables or CustomFunctions file:
    {"Name": "MyApp_CL", "Properties": [{"Name": "Msg_s", "Type": "String"}]}
    {"FunctionName": "AWSIdentityRole", "FunctionParameters": [{"Name": "T", "Type": "(*)"}]}

The no-time-bound warning is for analytic rules (YAML with kind: Scheduled or NRT, or a
queryFrequency) on large tables, and names the rule kind; hunting queries and parsers do not get
it; a .kql file or standard input, whose kind is unknown, gets the generic warning.`,
		Example: "  socpilot kql check rules/\n  socpilot kql check --schema custom-tables.json --schema saved-searches.json rule.yaml\n  socpilot kql check --workspace-id 8ba9a2c4-1d3e-4f5a-9b6c-7d8e9f0a1b2c hunting/\n  echo 'SigninLogs | where UserPrincipalNam == \"x\"' | socpilot kql check -",
		RunE: func(cmd *cobra.Command, args []string) error {
			o.args = args
			return runF(cmd.Context(), o)
		},
	}
	check.Flags().StringVarP(&o.output, "output", "o", "text", "output format: text or json")
	check.Flags().StringSliceVar(&o.schemas, "schema", nil, "extra schema file(s) of tables and saved functions: socpilot JSON, an ARM workspace tables or savedSearches list, the query API's metadata, Azure-Sentinel CustomTables/CustomFunctions JSON (formats above)")
	check.Flags().StringVar(&o.workspaceID, "workspace-id", "", "also read, from this Log Analytics workspace (its GUID), the schema of the tables the queries name (`getschema`) and its saved functions (metadata); unknown custom tables and functions are then errors")
	check.Flags().StringVar(&o.logsEndpoint, "logs-endpoint", "", "Log Analytics query endpoint override (default SOCPILOT_LOGS_ENDPOINT, else the cloud's)")
	c.AddCommand(check)
	return c
}

// kqlFinding is one line of `kql check -o json` (stable).
type kqlFinding struct {
	File       string `json:"file"`
	Line       int    `json:"line"`
	Col        int    `json:"col"`
	Severity   string `json:"severity"`
	Code       string `json:"code"`
	Message    string `json:"message"`
	Suggestion string `json:"suggestion,omitempty"`
	Rule       string `json:"rule,omitempty"`
}

type kqlReport struct {
	Queries  int          `json:"queries"`
	Errors   int          `json:"errors"`
	Warnings int          `json:"warnings"`
	Findings []kqlFinding `json:"findings"`
}

// runKQLCheck validates the queries of o.args and reports the findings;
// any error finding fails it, silently (the findings said what failed).
func runKQLCheck(ctx context.Context, o *kqlCheckOptions) error {
	if err := outputFormat(o.output, "text", "json"); err != nil {
		return err
	}
	if len(o.args) == 0 {
		return usagef("kql check expects files, directories, or - for standard input")
	}
	s := schema.Default()
	for _, f := range o.schemas {
		extra, err := schema.LoadJSONFile(f)
		if err != nil {
			return usagef("--schema %s: %v", f, err)
		}
		s = s.Merge(extra)
	}
	var queries []rulefile.Query
	for _, arg := range o.args {
		var qs []rulefile.Query
		var err error
		switch fi, statErr := os.Stat(arg); {
		case arg == "-":
			qs, err = rulefile.Read("<stdin>", o.IO.in)
		case statErr != nil:
			return usagef("%s: no such file or directory", arg)
		case fi.IsDir():
			qs, err = rulefile.Walk(arg)
		default:
			qs, err = rulefile.Load(arg)
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", arg, err)
		}
		queries = append(queries, qs...)
	}
	if o.workspaceID != "" {
		live, err := liveSchema(ctx, o, s, queries)
		if err != nil {
			return err
		}
		s = s.Merge(live)
	}
	rep := kqlReport{Queries: len(queries), Findings: []kqlFinding{}}
	for _, q := range queries {
		for _, w := range declaredTableWarnings(s, q) {
			rep.Warnings++
			rep.Findings = append(rep.Findings, w)
		}
		// with the workspace's own tables and functions read, a name it lacks is an error
		v := &kql.Validator{Schema: s, Kind: kql.QueryKind(q.Kind), Complete: o.workspaceID != ""}
		for _, f := range v.Validate(q.Text) {
			line, col := q.Position(f.Pos.Line, f.Pos.Col)
			kf := kqlFinding{File: q.File, Line: line, Col: col, Severity: f.Severity.String(), Code: f.Code, Message: f.Message, Suggestion: f.Suggestion, Rule: q.Name}
			switch f.Severity {
			case kql.SeverityError:
				rep.Errors++
			case kql.SeverityWarning:
				rep.Warnings++
			}
			rep.Findings = append(rep.Findings, kf)
		}
	}
	if o.output == "json" {
		if err := render.JSON(o.IO.out, rep); err != nil {
			return err
		}
	} else {
		for _, f := range rep.Findings {
			msg := f.Message
			if f.Suggestion != "" {
				msg += " (" + f.Suggestion + ")"
			}
			fmt.Fprintf(o.IO.out, "%s:%d:%d: %s: %s\n", f.File, f.Line, f.Col, f.Severity, render.Line(msg))
		}
		fmt.Fprintf(o.IO.err, "%d queries checked: %d errors, %d warnings\n", rep.Queries, rep.Errors, rep.Warnings)
	}
	if rep.Errors > 0 {
		return silentFailure{fmt.Errorf("%d KQL errors", rep.Errors)}
	}
	return nil
}

// declaredTableWarnings flags tables a rule declares in
// requiredDataConnectors that the schema does not describe: queries on them
// cannot be checked until a --schema file describes them.
func declaredTableWarnings(s *schema.Schema, q rulefile.Query) []kqlFinding {
	var out []kqlFinding
	for _, t := range q.RequiredTables {
		if _, ok := s.Table(t); !ok {
			out = append(out, kqlFinding{File: q.File, Line: q.Line, Col: q.Col, Severity: "warning", Code: "undeclared-table-schema",
				Message: fmt.Sprintf("the rule requires table %s, which the schema does not describe", t), Suggestion: "pass its schema with --schema", Rule: q.Name})
		}
	}
	return out
}

// liveSchema reads, from the workspace, the schema of every table the
// queries name: the ones the embedded catalog knows and the ones it does
// not (custom _CL tables, new connectors), one getschema per table, cached;
// and the workspace's saved functions, in one metadata request.
func liveSchema(ctx context.Context, o *kqlCheckOptions, s *schema.Schema, queries []rulefile.Query) (*schema.Schema, error) {
	names := map[string]bool{}
	v := &kql.Validator{Schema: s}
	g := gate.New(s)
	for _, q := range queries {
		for _, t := range g.Tables(q.Text) {
			names[t] = true
		}
		for _, f := range v.Validate(q.Text) {
			if f.Code == kql.CodeUnknownTable && f.Name != "" {
				names[f.Name] = true
			}
		}
	}
	var tables []string
	for n := range names {
		tables = append(tables, n)
	}
	sort.Strings(tables)
	lc, err := o.LogsClient(ctx, o.workspaceID, o.logsEndpoint)
	if err != nil {
		return nil, err
	}
	live, err := lc.SchemaFor(ctx, tables)
	if err != nil {
		return nil, fmt.Errorf("read the schema of %d table(s) from workspace %s: %w", len(tables), o.workspaceID, err)
	}
	funcs, err := lc.SavedFunctions(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the saved functions of workspace %s: %w", o.workspaceID, err)
	}
	for _, f := range funcs.Functions() {
		// the metadata gives no result columns: keep the catalog's, when it has them
		if known, ok := s.Function(f.Name); ok && f.Columns == nil {
			f.Columns, f.Open = known.Columns, known.Open
		}
	}
	n, _ := live.Len()
	_, nf := funcs.Len()
	fmt.Fprintf(o.IO.err, "live schema: %d of %d table(s) and %d saved function(s) read from workspace %s\n", n, len(tables), nf, o.workspaceID)
	return live.Merge(funcs), nil
}
