// Package catalogbuild builds socpilot's embedded KQL schema catalog from the public
// schema sources in shared/corpora/table-schemas (see ../../CATALOG.md for what each
// source is and the precedence between them). The generator (../gen) writes its
// result to kql/schema/catalog.txt.gz, and a test checks the embedded file is current.
package catalogbuild

import (
	"bufio"
	_ "embed"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/socpilot/socpilot/kql/schema"
)

// Source labels, also the paths relative to the table-schemas folder.
const (
	srcLA      = "sentinelninja/la_table_schemas.csv"
	srcDocs    = "sentinelninja/table_schemas_from_docs.json"
	dirCurrent = "azure-sentinel-kqlvalidations-current"
	dir2022    = "azure-sentinel-kqlvalidations-2022-08"
)

// StandardColumns are the columns Log Analytics gives every table whether or not a
// table's reference page lists them: TenantId, TimeGenerated and SourceSystem appear
// in the standardColumns of every table of a real workspaces/tables response
// (msticpy/workspace_tables_api_response.json), Type, _ResourceId, _SubscriptionId,
// _IsBillable, _BilledSize, _ItemId and _TimeReceived are the "standard columns in
// Azure Monitor Logs" of the Azure Monitor documentation (la_table_schemas lists
// _BilledSize, _IsBillable and Type on 896-897 of its 898 tables).
var StandardColumns = []schema.Column{
	{Name: "TenantId", Type: schema.String},
	{Name: "TimeGenerated", Type: schema.Datetime},
	{Name: "SourceSystem", Type: schema.String},
	{Name: "Type", Type: schema.String},
	{Name: "_ResourceId", Type: schema.String},
	{Name: "_SubscriptionId", Type: schema.String},
	{Name: "_IsBillable", Type: schema.String},
	{Name: "_BilledSize", Type: schema.Real},
	{Name: "_ItemId", Type: schema.String},
	{Name: "_TimeReceived", Type: schema.Datetime},
}

// DefenderXDRTables are the Microsoft Defender XDR advanced-hunting tables that
// Sentinel receives through the Defender XDR connector. There they keep their
// advanced-hunting Timestamp column next to TimeGenerated: the current
// Azure-Sentinel CustomTables/AlertInfo.json has both, and the Azure-Sentinel rules
// that Microsoft's validator accepted use Timestamp on them (119 of the 219 dev
// queries on DeviceProcessEvents). la_table_schemas.csv omits Timestamp, so the
// builder adds it to these tables.
var DefenderXDRTables = []string{
	"AlertEvidence", "AlertInfo", "BehaviorEntities", "BehaviorInfo",
	"CloudAppEvents", "CloudAuditEvents", "CloudDnsEvents", "CloudProcessEvents", "CloudStorageAggregatedEvents",
	"DeviceEvents", "DeviceFileCertificateInfo", "DeviceFileEvents", "DeviceImageLoadEvents", "DeviceInfo",
	"DeviceLogonEvents", "DeviceNetworkEvents", "DeviceNetworkInfo", "DeviceProcessEvents", "DeviceRegistryEvents",
	"DeviceTvmSecureConfigurationAssessment", "DeviceTvmSecureConfigurationAssessmentKB",
	"DeviceTvmSoftwareInventory", "DeviceTvmSoftwareVulnerabilities", "DeviceTvmSoftwareVulnerabilitiesKB",
	"DeviceCustomFileEvents", "DeviceCustomImageLoadEvents", "DeviceCustomNetworkEvents",
	"DeviceCustomProcessEvents", "DeviceCustomRegistryEvents", "DeviceCustomScriptEvents",
	"EmailAttachmentInfo", "EmailEvents", "EmailPostDeliveryEvents", "EmailUrlInfo",
	"IdentityAccountInfo", "IdentityDirectoryEvents", "IdentityEvents", "IdentityLogonEvents", "IdentityQueryEvents",
	"UrlClickEvents",
}

// sentinelFunctions are functions every Microsoft Sentinel workspace has, with their
// documented signatures; their result columns depend on the data, so none are given.
var sentinelFunctions = []schema.Function{
	{
		Name:   "_GetWatchlist",
		Params: []schema.Param{{Name: "watchlistAlias", Type: schema.String}},
		Source: "Microsoft Sentinel built-in function (documented: Use watchlists in Microsoft Sentinel); columns depend on the watchlist",
	},
	{Name: "_SentinelHealth", Source: "Microsoft Sentinel built-in function (documented: SentinelHealth table); columns as SentinelHealth"},
	{Name: "_SentinelAudit", Source: "Microsoft Sentinel built-in function (documented: SentinelAudit table); columns as SentinelAudit"},
	// Defender XDR advanced-hunting functions (documented in the advanced hunting
	// reference); valid in the Defender portal and unified SecOps, not in a plain
	// Log Analytics workspace. Used with invoke; they add columns to their input.
	{Name: "FileProfile", Params: []schema.Param{{Name: "x", Type: schema.String, Default: "SHA1"}, {Name: "max_rows", Type: schema.Int, Default: "1000"}},
		Source: "Defender XDR advanced hunting function (documented); not in Log Analytics"},
	{Name: "DeviceFromIP", Params: []schema.Param{{Name: "IP", Type: schema.String}, {Name: "Timestamp", Type: schema.Datetime}},
		Source: "Defender XDR advanced hunting function (documented); not in Log Analytics"},
	{Name: "AssignedIPAddresses", Params: []schema.Param{{Name: "DeviceName", Type: schema.String}, {Name: "Timestamp", Type: schema.Datetime}},
		Source: "Defender XDR advanced hunting function (documented); not in Log Analytics"},
	{Name: "SeenBy", Source: "Defender XDR advanced hunting function (documented); not in Log Analytics"},
}

// Report says what the build did, for the generator's output and CATALOG.md.
type Report struct {
	Tables, Functions, Columns int
	PerSource                  map[string]int // tables whose primary source is this
	Augmented                  int            // tables that gained columns from a lower-precedence source
	StandardAdded              int            // tables that gained standard columns
	TimestampAdded             int
	Skipped                    []string // rows or columns left out, with the reason
	ASIM                       int      // ASIM parser functions from sources.txt
	Snapshot                   string   // sources.txt's @snapshot, the catalog's D record
}

var identRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// entry is a table under construction.
type entry struct {
	name    string
	cols    []schema.Column
	have    map[string]bool // column names, exact: Kusto column names are case-sensitive
	lower   map[string]bool // lower-cased column names, for the time-column checks
	primary string
	extra   []string // "+N columns from X"
	notes   []string
	open    bool // other columns may exist (a key-value-unpacking parser's stand-in)
	// suffixed: columns named with a Log Analytics type suffix may be added per workspace
	suffixed bool
}

func (e *entry) add(c schema.Column) bool {
	// Exact comparison: a source listing clientIp_s next to another's clientIP_s
	// describes two columns (AzureDiagnostics has both), and a query may use either.
	if e.have[c.Name] {
		return false
	}
	e.have[c.Name] = true
	e.lower[strings.ToLower(c.Name)] = true
	e.cols = append(e.cols, c)
	return true
}

// Build reads the table-schemas folder dir and returns the catalog.
func Build(dir string) (*schema.Schema, Report, error) {
	rep := Report{PerSource: map[string]int{}}
	entries := map[string]*entry{}
	var order []string
	merge := func(src string, t schema.Table) {
		if !identRe.MatchString(t.Name) {
			rep.Skipped = append(rep.Skipped, fmt.Sprintf("%s: table name %q is not an identifier", src, t.Name))
			return
		}
		e, ok := entries[t.Name]
		if !ok {
			e = &entry{name: t.Name, have: map[string]bool{}, lower: map[string]bool{}, primary: src}
			entries[t.Name] = e
			order = append(order, t.Name)
		}
		n := 0
		for _, c := range t.Columns {
			if !identRe.MatchString(c.Name) {
				rep.Skipped = append(rep.Skipped, fmt.Sprintf("%s: %s: column name %q is not an identifier", src, t.Name, c.Name))
				continue
			}
			if e.add(c) {
				n++
			}
		}
		switch {
		case ok && n > 0:
			e.extra = append(e.extra, fmt.Sprintf("+%d columns from %s", n, src))
		case ok && t.Open && !e.open:
			e.extra = append(e.extra, "open result from "+src)
		case ok && t.Suffixed && !e.suffixed:
			e.extra = append(e.extra, "type-suffixed columns may be added, per "+src)
		}
		e.open = e.open || t.Open
		e.suffixed = e.suffixed || t.Suffixed
	}

	// 1. Built-in tables from Microsoft Learn via sentinelninja: highest precedence.
	la, err := readLACSV(filepath.Join(dir, srcLA), &rep)
	if err != nil {
		return nil, rep, err
	}
	for _, t := range la {
		merge(srcLA, t)
	}
	// 2. Tables documented in sentinelninja's Solutions Docs (mostly connector and _CL tables).
	docs, err := readDocsJSON(filepath.Join(dir, srcDocs))
	if err != nil {
		return nil, rep, err
	}
	for _, t := range docs {
		if len(t.Columns) == 0 {
			continue // listed without a schema: nothing to learn
		}
		merge(t.Source, t)
	}
	// 3. Azure-Sentinel's validation-test CustomTables: today's files, then the 2022 set.
	var functions []schema.Function
	for _, d := range []string{dirCurrent, dir2022} {
		s, err := schema.LoadAzureSentinelDir(filepath.Join(dir, d))
		if err != nil {
			return nil, rep, err
		}
		for _, t := range s.Tables() {
			merge("Azure-Sentinel KqlValidationsTests "+d+"/"+t.Source, *t)
		}
		for _, f := range s.Functions() {
			f.Source = "Azure-Sentinel KqlValidationsTests " + d + "/" + f.Source
			functions = append(functions, *f)
		}
	}

	// 4. The sourced supplement: what public pages show but no corpus file describes.
	supTables, supFuncs, err := readSupplement(supplement)
	if err != nil {
		return nil, rep, err
	}
	for _, t := range supTables {
		merge("supplement: "+t.Source, t)
	}
	functions = append(functions, supFuncs...)

	// 5. The current schema sources (sources.txt): Defender XDR advanced hunting and
	// Azure Monitor reference pages and the ASIM parsers, transcribed with provenance.
	cur, err := parseSources(sourcesFile, "sources.txt")
	if err != nil {
		return nil, rep, err
	}
	for _, t := range cur.tables {
		merge("sources: "+t.Source, t)
	}
	for _, f := range cur.funcs {
		f.Source = "sources: " + strings.TrimPrefix(f.Source, "supplement: ")
		functions = append(functions, f)
	}

	defender := map[string]bool{}
	for _, n := range DefenderXDRTables {
		defender[n] = true
	}
	out := schema.New()
	sort.Strings(order)
	for _, name := range order {
		e := entries[name]
		hasTG, hasTS := e.lower["timegenerated"], e.lower["timestamp"]
		if defender[name] && hasTG && !hasTS {
			e.add(schema.Column{Name: "Timestamp", Type: schema.Datetime})
			e.notes = append(e.notes, "Timestamp added (Defender XDR table streamed to Sentinel)")
			rep.TimestampAdded++
		}
		// A table with Timestamp and no TimeGenerated is advanced-hunting only
		// (AADSignInEventsBeta): it lives in Defender XDR, not in a workspace, so it
		// gets no Log Analytics standard columns.
		if !(hasTS && !hasTG) && !cur.ahOnly[name] {
			var added []string
			for _, c := range StandardColumns {
				if e.add(c) {
					added = append(added, c.Name)
				}
			}
			if len(added) > 0 {
				e.notes = append(e.notes, "standard columns added: "+strings.Join(added, ","))
				rep.StandardAdded++
			}
		}
		src := e.primary
		if len(e.extra) > 0 {
			src += "; " + strings.Join(e.extra, "; ")
			rep.Augmented++
		}
		if len(e.notes) > 0 {
			src += "; " + strings.Join(e.notes, "; ")
		}
		rep.PerSource[sourceGroup(e.primary)]++
		rep.Columns += len(e.cols)
		out.AddTable(schema.Table{Name: name, Columns: e.cols, Source: src, Open: e.open, Suffixed: e.suffixed})
	}
	// The ASIM parsers of current Sentinel content come first: their signatures
	// replace the 2022 validation-test ones, whose columns they keep (a 2022 column
	// the current standard table lacks is still a column the parser outputs).
	var asimFuncs []schema.Function
	for _, a := range cur.asim {
		tab, ok := out.Table(a.table)
		if !ok {
			return nil, rep, fmt.Errorf("sources.txt: ASIM %s: table %s not in the catalog", a.schema, a.table)
		}
		asimFuncs = append(asimFuncs, a.functions(tab.Columns)...)
	}
	older := map[string]schema.Function{}
	for _, f := range functions {
		if _, seen := older[f.Name]; !seen {
			older[f.Name] = f
		}
	}
	for _, f := range asimFuncs {
		if o, ok := older[f.Name]; ok {
			have := map[string]bool{}
			for _, c := range f.Columns {
				have[c.Name] = true
			}
			var extra []schema.Column
			for _, c := range o.Columns {
				if !have[c.Name] {
					have[c.Name] = true
					extra = append(extra, c)
				}
			}
			if len(extra) > 0 {
				f.Columns = append(append([]schema.Column{}, f.Columns...), extra...)
				f.Source += fmt.Sprintf("; +%d columns from %s", len(extra), o.Source)
			}
		}
		out.AddFunction(f)
		rep.ASIM++
	}
	out.SetSnapshot(cur.snapshot)
	rep.Snapshot = cur.snapshot
	resultOf := map[string]string{"_SentinelHealth": "SentinelHealth", "_SentinelAudit": "SentinelAudit"}
	for _, f := range append(functions, sentinelFunctions...) {
		if _, dup := out.Function(f.Name); dup {
			continue
		}
		if tn, ok := resultOf[f.Name]; ok {
			if tab, ok := out.Table(tn); ok {
				f.Columns = tab.Columns
			}
		}
		out.AddFunction(f)
	}
	rep.Tables, rep.Functions = out.Len()
	return out, rep, nil
}

// sourceGroup folds per-file sources into one label for the report.
func sourceGroup(src string) string {
	switch {
	case strings.HasPrefix(src, "Azure-Sentinel KqlValidationsTests "+dirCurrent):
		return "Azure-Sentinel CustomTables (current)"
	case strings.HasPrefix(src, "Azure-Sentinel KqlValidationsTests "+dir2022):
		return "Azure-Sentinel CustomTables (2022-08)"
	case strings.HasPrefix(src, srcDocs):
		return srcDocs
	case strings.HasPrefix(src, "sources: "):
		return "sources.txt (current reference pages)"
	}
	return src
}

// readLACSV reads la_table_schemas.csv (table_name,column_name,column_type,description).
// Rows whose type is not a type (the AzureDiagnostics page's HTML example rows) are
// skipped and reported.
func readLACSV(path string, rep *Report) ([]schema.Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", srcLA, err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", srcLA, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimPrefix(h, "\ufeff")] = i
	}
	ti, ci, yi := col["table_name"], col["column_name"], col["column_type"]
	var tables []schema.Table
	idx := map[string]int{}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", srcLA, err)
		}
		if len(rec) <= max(ti, ci, yi) {
			continue
		}
		tn, cn := strings.TrimSpace(rec[ti]), strings.TrimSpace(rec[ci])
		ty, ok := schema.ParseType(rec[yi])
		if !ok {
			rep.Skipped = append(rep.Skipped, fmt.Sprintf("%s: %s: column %q has no type (%q)", srcLA, tn, cn, firstLine(rec[yi])))
			continue
		}
		i, seen := idx[tn]
		if !seen {
			i = len(tables)
			idx[tn] = i
			tables = append(tables, schema.Table{Name: tn, Source: srcLA})
		}
		tables[i].Columns = append(tables[i].Columns, schema.Column{Name: cn, Type: ty})
	}
	return tables, nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return s
}

var mdLinkRe = regexp.MustCompile(`^\[([^\]]+)\]`)

// readDocsJSON reads table_schemas_from_docs.json: [{Name, Source, Properties, doc}].
// Each table's Source says which kind of page it came from ("[Connector definition](...)").
func readDocsJSON(path string) ([]schema.Table, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", srcDocs, err)
	}
	var items []struct {
		Name       string
		Source     string
		Properties []struct{ Name, Type string }
	}
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("read %s: %w", srcDocs, err)
	}
	out := make([]schema.Table, 0, len(items))
	for _, it := range items {
		kind := ""
		if m := mdLinkRe.FindStringSubmatch(it.Source); m != nil {
			kind = " (" + m[1] + ")"
		}
		t := schema.Table{Name: strings.TrimSpace(it.Name), Source: srcDocs + kind}
		for _, p := range it.Properties {
			ty, ok := schema.ParseType(p.Type)
			if !ok {
				ty = schema.Dynamic
			}
			t.Columns = append(t.Columns, schema.Column{Name: strings.TrimSpace(p.Name), Type: ty})
		}
		out = append(out, t)
	}
	return out, nil
}

// FindCorpus looks for shared/corpora/table-schemas in dir and its parents.
func FindCorpus(dir string) (string, bool) {
	d, err := filepath.Abs(dir)
	if err != nil {
		return "", false
	}
	for {
		p := filepath.Join(d, "shared", "corpora", "table-schemas")
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			return p, true
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", false
		}
		d = parent
	}
}

// supplement is supplement.txt: tables, columns and stored functions from public
// pages (Microsoft Learn, Azure-Sentinel parsers) that the corpus lacks, each with
// its source. See the file's header for the format.
//
//go:embed supplement.txt
var supplement string

func readSupplement(text string) ([]schema.Table, []schema.Function, error) {
	ss, err := parseSources(text, "supplement.txt")
	if err != nil {
		return nil, nil, err
	}
	return ss.tables, ss.funcs, nil
}

// sourcesFile is sources.txt: the current schema sources (Defender XDR advanced
// hunting pages, Azure Monitor table reference, ASIM parsers) transcribed with their
// page and commit. See the file's header for the format.
//
//go:embed sources.txt
var sourcesFile string

// sourceSet is what a supplement-format file describes.
type sourceSet struct {
	tables   []schema.Table
	funcs    []schema.Function
	snapshot string          // @snapshot
	ahOnly   map[string]bool // tables marked ah: advanced-hunting only
	asim     []asimEntry
}

// asimEntry is an A record: one ASIM schema's unifying parsers.
type asimEntry struct {
	schema, table, source string
	params, asimParams    []schema.Param // P (im, _Im) and Q (ASim, _ASim) lines
	names                 []asimName     // N lines
	cols                  []schema.Column
}

type asimName struct {
	name string
	asim bool // takes the Q parameters
}

// Functions returns the parsers an A record describes, with columns cols (the
// schema's standard table) followed by the entry's own.
func (a asimEntry) functions(cols []schema.Column) []schema.Function {
	all := append([]schema.Column{}, cols...)
	have := map[string]bool{}
	for _, c := range all {
		have[c.Name] = true
	}
	for _, c := range a.cols {
		if !have[c.Name] {
			have[c.Name] = true
			all = append(all, c)
		}
	}
	names := append([]asimName{{"_Im_" + a.schema, false}, {"_ASim_" + a.schema, true}}, a.names...)
	out := make([]schema.Function, 0, len(names))
	for _, n := range names {
		ps := a.params
		if n.asim {
			ps = a.asimParams
		}
		out = append(out, schema.Function{
			Name:    n.name,
			Params:  append([]schema.Param(nil), ps...),
			Columns: all,
			Source:  "sources: ASIM " + a.schema + " parser, " + a.source + "; columns of " + a.table,
		})
	}
	return out
}

func parseSources(text, file string) (*sourceSet, error) {
	ss := &sourceSet{ahOnly: map[string]bool{}}
	var cur *[]schema.Column
	var curParams *[]schema.Param
	var curAsim *asimEntry
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if rest, ok := strings.CutPrefix(line, "@snapshot "); ok {
			ss.snapshot = strings.TrimSpace(rest)
			continue
		}
		kind, rest, _ := strings.Cut(line, " ")
		switch kind {
		case "T", "F":
			f := strings.Split(rest, "\t")
			if len(f) < 2 || !identRe.MatchString(f[0]) || f[1] == "" {
				return nil, fmt.Errorf("%s:%d: want %s <name>\\t<source>", file, n, kind)
			}
			open := len(f) > 2 && f[2] == "?"
			suffixed := kind == "T" && len(f) > 2 && f[2] == "_"
			ah := kind == "T" && len(f) > 2 && f[2] == "ah"
			if len(f) > 3 || (len(f) == 3 && !open && !suffixed && !ah) {
				return nil, fmt.Errorf("%s:%d: the third field may only be ? (or _ or ah on a table)", file, n)
			}
			curParams, curAsim = nil, nil
			if kind == "T" {
				if ah {
					ss.ahOnly[f[0]] = true
				}
				ss.tables = append(ss.tables, schema.Table{Name: f[0], Source: f[1], Open: open, Suffixed: suffixed})
				cur = &ss.tables[len(ss.tables)-1].Columns
				continue
			}
			fn := schema.Function{Name: f[0], Source: "supplement: " + f[1], Open: open}
			if open {
				fn.Source += " (open result: other columns may exist)"
			} else {
				fn.Columns = []schema.Column{}
			}
			ss.funcs = append(ss.funcs, fn)
			cur = &ss.funcs[len(ss.funcs)-1].Columns
			curParams = &ss.funcs[len(ss.funcs)-1].Params
		case "A":
			f := strings.Split(rest, "\t")
			if len(f) != 3 || !identRe.MatchString(f[0]) || !identRe.MatchString(f[1]) || f[2] == "" {
				return nil, fmt.Errorf("%s:%d: want A <schema>\\t<table>\\t<source>", file, n)
			}
			ss.asim = append(ss.asim, asimEntry{schema: f[0], table: f[1], source: f[2]})
			curAsim = &ss.asim[len(ss.asim)-1]
			cur, curParams = &curAsim.cols, &curAsim.params
		case "P", "Q":
			fs := strings.Fields(rest)
			if len(fs) != 3 || !identRe.MatchString(fs[0]) || (kind == "Q" && curAsim == nil) || (kind == "P" && curParams == nil) {
				return nil, fmt.Errorf("%s:%d: bad parameter line %q", file, n, line)
			}
			t, known := schema.ParseType(fs[1])
			if !known {
				return nil, fmt.Errorf("%s:%d: bad parameter type %q", file, n, fs[1])
			}
			p := schema.Param{Name: fs[0], Type: t, Default: fs[2]}
			if p.Default == "-" {
				p.Default = ""
			}
			if kind == "Q" {
				curAsim.asimParams = append(curAsim.asimParams, p)
			} else {
				*curParams = append(*curParams, p)
			}
		case "N":
			fs := strings.Fields(rest)
			if curAsim == nil || len(fs) != 2 || !identRe.MatchString(fs[0]) || (fs[1] != "P" && fs[1] != "Q") {
				return nil, fmt.Errorf("%s:%d: want N <name> P|Q after an A record", file, n)
			}
			curAsim.names = append(curAsim.names, asimName{fs[0], fs[1] == "Q"})
		case "C":
			name, typ, ok := strings.Cut(rest, " ")
			t, known := schema.ParseType(typ)
			if !ok || cur == nil || !identRe.MatchString(name) || !known {
				return nil, fmt.Errorf("%s:%d: bad column line %q", file, n, line)
			}
			*cur = append(*cur, schema.Column{Name: name, Type: t})
		default:
			return nil, fmt.Errorf("%s:%d: unknown record %q", file, n, kind)
		}
	}
	return ss, sc.Err()
}
