// Package schema is the catalog of what a KQL query may name: tables with typed
// columns, workspace functions (ASIM parsers and the like) and the built-in scalar,
// aggregate and window functions of the Kusto Query Language.
//
// The embedded catalog (Default) is generated from public schema sources by
// ./internal/gen; a workspace's own schema can be loaded from JSON (LoadJSON,
// LoadAzureSentinelDir) or read live through package kql/logs, and merged on top.
package schema

import (
	"sort"
	"strings"
)

// Type is a KQL scalar type name in its canonical spelling ("string", "long", ...).
type Type string

// The KQL scalar types.
const (
	String   Type = "string"
	Int      Type = "int"
	Long     Type = "long"
	Real     Type = "real"
	Bool     Type = "bool"
	Datetime Type = "datetime"
	Timespan Type = "timespan"
	Dynamic  Type = "dynamic"
	GUID     Type = "guid"
	Decimal  Type = "decimal"
)

// Numeric reports whether t is one of the numeric types (int, long, real, decimal).
func (t Type) Numeric() bool {
	switch t {
	case Int, Long, Real, Decimal:
		return true
	}
	return false
}

// typeAliases maps lower-cased spellings found in the wild to canonical types:
// Kusto's own names and aliases, .NET type names (the Azure-Sentinel CustomTables
// files use them: "SByte" is how .NET reports Kusto's bool), and JSON-schema words.
var typeAliases = map[string]Type{
	"string": String, "str": String, "text": String,
	"int": Int, "int32": Int, "integer": Int, "system.int32": Int,
	"long": Long, "int64": Long, "bigint": Long, "system.int64": Long,
	"real": Real, "double": Real, "float": Real, "number": Real, "system.double": Real, "single": Real,
	"bool": Bool, "boolean": Bool, "sbyte": Bool, "system.boolean": Bool, "system.sbyte": Bool,
	"datetime": Datetime, "date": Datetime, "date/time": Datetime, "system.datetime": Datetime, "timestamp": Datetime,
	"timespan": Timespan, "time": Timespan, "system.timespan": Timespan,
	"dynamic": Dynamic, "object": Dynamic, "array": Dynamic, "system.object": Dynamic, "json": Dynamic,
	"guid": GUID, "uuid": GUID, "uniqueid": GUID, "system.guid": GUID,
	"decimal": Decimal, "system.decimal": Decimal, "system.string": String,
}

// ParseType returns the canonical Type for a spelling such as "DateTime", "Double",
// "Int64", "Boolean" or "SByte". ok is false for an unknown spelling.
func ParseType(s string) (t Type, ok bool) {
	t, ok = typeAliases[strings.ToLower(strings.TrimSpace(s))]
	return t, ok
}

// normType is ParseType that falls back to dynamic, the most permissive type, so an
// odd spelling in a schema file never turns into a false type error.
func normType(s string) Type {
	if t, ok := ParseType(s); ok {
		return t
	}
	return Dynamic
}

// Column is one typed column of a table or of a function's result.
type Column struct {
	Name string
	Type Type
}

// Table is a table a query can name, with the place its schema came from.
type Table struct {
	Name    string
	Columns []Column
	Source  string // the file or dataset the schema came from, e.g. "sentinelninja/la_table_schemas.csv"
	// Open marks a table whose rows may carry columns beyond Columns: the stand-in
	// for a parser function that unpacks key-value pairs (evaluate bag_unpack over
	// CEF labels, say), whose result columns depend on the data. A validator then
	// accepts any column after it but still checks the table's name.
	Open bool
	// Suffixed marks a table whose workspace adds columns as data arrives, named
	// with a Log Analytics type suffix (requestUri_s, httpStatus_d): AzureDiagnostics
	// in Azure Diagnostics mode. Columns is the set every workspace has; a name
	// ending in a type suffix (see SuffixType) may be one of the others.
	Suffixed bool
}

// SuffixType returns the type a Log Analytics type suffix gives a column name
// (_s string, _b bool, _d real, _t datetime, _g guid: the HTTP Data Collector API's
// table, which AzureDiagnostics' added columns follow), or "" when name has none.
func SuffixType(name string) Type {
	i := strings.LastIndexByte(name, '_')
	if i <= 0 || i != len(name)-2 {
		return ""
	}
	switch name[i+1] {
	case 's':
		return String
	case 'b':
		return Bool
	case 'd':
		return Real
	case 't':
		return Datetime
	case 'g':
		return GUID
	}
	return ""
}

// StandardColumns are the columns Log Analytics adds to every table of a workspace,
// custom tables included: the "Standard columns in Azure Monitor Logs" of the Azure
// Monitor documentation (learn.microsoft.com/azure/azure-monitor/logs/log-standard-columns),
// in its order, with the types the table references give them. Some do not show in
// the schema view or in `getschema`, yet every query may name them.
var StandardColumns = []Column{
	{Name: "TenantId", Type: String},
	{Name: "TimeGenerated", Type: Datetime},
	{Name: "_TimeReceived", Type: Datetime},
	{Name: "Type", Type: String},
	{Name: "_ItemId", Type: String},
	{Name: "_ResourceId", Type: String},
	{Name: "_SubscriptionId", Type: String},
	{Name: "_IsBillable", Type: String},
	{Name: "_BilledSize", Type: Real},
}

// IsCustomTable reports whether name is a custom log table's: Log Analytics requires
// the names of the tables a workspace's users create to end in _CL.
func IsCustomTable(name string) bool {
	return len(name) > 3 && strings.HasSuffix(name, "_CL")
}

// Column returns the column with exactly this name (KQL names are case-sensitive).
func (t *Table) Column(name string) (Column, bool) {
	for _, c := range t.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

// ColumnFold returns the column whose name equals name ignoring case, preferring an
// exact match.
func (t *Table) ColumnFold(name string) (Column, bool) {
	if c, ok := t.Column(name); ok {
		return c, true
	}
	for _, c := range t.Columns {
		if strings.EqualFold(c.Name, name) {
			return c, true
		}
	}
	return Column{}, false
}

// ColumnNames returns the column names in schema order.
func (t *Table) ColumnNames() []string {
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = c.Name
	}
	return names
}

// Param is a parameter of a workspace function. Default is the default value's KQL
// text; a parameter with a default may be omitted by the caller. A table parameter
// (T:(*) or T:(TimeGenerated:datetime)), which `invoke` fills with the piped rows,
// has Type TabularType.
type Param struct {
	Name    string
	Type    Type
	Default string
}

// TabularType is the Type of a function's table parameter: the validator does not
// keep the columns it declares.
const TabularType Type = "(*)"

// Function is a stored workspace function (an ASIM parser, a saved query function):
// callable as Name(args...) or, when it has no required parameters, as a bare name.
// Columns is its tabular result; nil when unknown. Open means columns other than
// Columns may exist too (a parser that unpacks key-value pairs): a nil Columns is
// always open.
type Function struct {
	Name    string
	Params  []Param
	Columns []Column
	Source  string
	Open    bool
}

// RequiredParams returns how many leading parameters have no default.
func (f *Function) RequiredParams() int {
	n := 0
	for _, p := range f.Params {
		if p.Default == "" {
			n++
		}
	}
	return n
}

// Schema is a set of tables and workspace functions. The zero value is not usable;
// call New. A Schema is safe for concurrent reads once built; Add* must not race with reads.
type Schema struct {
	tables named[Table]
	funcs  named[Function]
	// snapshot says which public schema sources the catalog was built from and when
	// (the catalog's D record); empty for a schema not read from a catalog.
	snapshot string
}

// Snapshot returns the source snapshot the catalog was generated from (its D
// record: the date and sources of the schema reference it transcribes), or "".
func (s *Schema) Snapshot() string { return s.snapshot }

// SetSnapshot records the source snapshot that WriteCatalog writes as the D record.
func (s *Schema) SetSnapshot(text string) { s.snapshot = text }

// named is a set of schema objects by name: exact lookup (KQL names are
// case-sensitive) plus a case-folded index for suggestions.
type named[T any] struct {
	byName map[string]*T
	fold   map[string]string // lower-cased name -> name (first added wins)
}

func newNamed[T any]() named[T] {
	return named[T]{byName: map[string]*T{}, fold: map[string]string{}}
}

func (n named[T]) add(name string, v T) {
	n.byName[name] = &v
	k := strings.ToLower(name)
	if _, ok := n.fold[k]; !ok {
		n.fold[k] = name
	}
}

func (n named[T]) get(name string) (*T, bool) {
	v, ok := n.byName[name]
	return v, ok
}

func (n named[T]) getFold(name string) (*T, bool) {
	if v, ok := n.byName[name]; ok {
		return v, true
	}
	exact, ok := n.fold[strings.ToLower(name)]
	if !ok {
		return nil, false
	}
	return n.byName[exact], true
}

func (n named[T]) names() []string {
	names := make([]string, 0, len(n.byName))
	for k := range n.byName {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

func (n named[T]) all() []*T {
	out := make([]*T, 0, len(n.byName))
	for _, k := range n.names() {
		out = append(out, n.byName[k])
	}
	return out
}

// New returns an empty Schema.
func New() *Schema {
	return &Schema{tables: newNamed[Table](), funcs: newNamed[Function]()}
}

// AddTable adds t, replacing a table of the same name.
func (s *Schema) AddTable(t Table) { s.tables.add(t.Name, t) }

// AddFunction adds f, replacing a function of the same name.
func (s *Schema) AddFunction(f Function) { s.funcs.add(f.Name, f) }

// Table returns the table with exactly this name (KQL is case-sensitive).
func (s *Schema) Table(name string) (*Table, bool) { return s.tables.get(name) }

// TableFold returns the table whose name equals name ignoring case, preferring an
// exact match; useful to say "did you mean SigninLogs?".
func (s *Schema) TableFold(name string) (*Table, bool) { return s.tables.getFold(name) }

// TableNames returns every table name, sorted.
func (s *Schema) TableNames() []string { return s.tables.names() }

// Tables returns every table sorted by name.
func (s *Schema) Tables() []*Table { return s.tables.all() }

// Function returns the workspace function with exactly this name.
func (s *Schema) Function(name string) (*Function, bool) { return s.funcs.get(name) }

// FunctionFold returns the workspace function whose name equals name ignoring case.
func (s *Schema) FunctionFold(name string) (*Function, bool) { return s.funcs.getFold(name) }

// FunctionNames returns every workspace function name, sorted.
func (s *Schema) FunctionNames() []string { return s.funcs.names() }

// Functions returns every workspace function sorted by name.
func (s *Schema) Functions() []*Function { return s.funcs.all() }

// Len returns the number of tables and functions.
func (s *Schema) Len() (tables, functions int) { return len(s.tables.byName), len(s.funcs.byName) }

// Merge returns a new Schema holding the tables and functions of s and other; where
// both define a name, other's definition replaces s's whole (a live workspace schema
// merged over the embedded catalog wins). Neither input is modified.
func (s *Schema) Merge(other *Schema) *Schema {
	out := New()
	if s != nil {
		out.snapshot = s.snapshot
	}
	for _, src := range []*Schema{s, other} {
		if src == nil {
			continue
		}
		for _, t := range src.Tables() {
			out.AddTable(*t)
		}
		for _, f := range src.Functions() {
			out.AddFunction(*f)
		}
	}
	return out
}

// NameTypo returns the candidate that name, a table or function name, is an obvious
// misspelling of, or "" when there is none: the same case-insensitively, or one or
// two edits away (adjacent transpositions counting one) from a candidate of at least
// 4 characters per edit. Unlike Typo, made for columns whose siblings depend on the
// data, it does not spare variants in digits, underscores or short parts: two tables
// that differ only so (SailPointIDN_Triggers_CL, SailPointID_NTriggers_CL) are far
// likelier one table misspelt than two.
func NameTypo(name string, candidates []string) string {
	lname := strings.ToLower(name)
	lbag := newBag(lname)
	best, bestD := "", 3
	for _, c := range candidates {
		if c == name {
			continue
		}
		lc := foldKey(c) // lower-cased as compared
		if eqFold(lname, lc) {
			return c
		}
		if abs(len(lc)-len(lname)) > 2 || lbag.above(lc, 2) {
			continue
		}
		if d := editDistanceFold(lname, lc, 2); d <= 2 && d*4 <= len(lc) && d < bestD {
			best, bestD = c, d
		}
	}
	return best
}
