package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// LoadJSON reads a schema from JSON in any of these shapes:
//
//   - socpilot's own format, which is also the Log Analytics /metadata shape:
//     {"tables":[{"name","columns":[{"name","type"}],"source"}],
//     "functions":[{"name","params":[{"name","type","default"}] or "parameters":"a:string='x', ...","columns":[...]}]}
//   - an Azure-Sentinel KqlValidationsTests CustomTables file, {"Name","Properties":[{"Name","Type"}]},
//     or a CustomFunctions file, {"FunctionName","FunctionParameters","FunctionResultColumns"};
//   - an array of either of the above;
//   - the ARM workspaces/tables list response ({"value":[{"name","properties":{"schema":{"columns","standardColumns"}}}]})
//     or one table of it;
//   - the ARM workspaces/savedSearches list response
//     ({"value":[{"name","properties":{"functionAlias","functionParameters","query"}}]}), or the
//     same flattened as `az monitor log-analytics workspace saved-search list` prints it: each
//     saved search with a functionAlias is a function of that name, the others (plain saved
//     queries) are skipped;
//   - the Log Analytics query API's /metadata response, whose "tables" and "functions"
//     ({"name","parameters","body"}) are socpilot's own format.
//
// A parameter whose type is a table schema ("T:(*)", "T:(TimeGenerated:datetime)") is tabular.
//
// Like Newtonsoft.Json, which Microsoft's validation test uses to read CustomTables, it
// matches keys without regard to case and tolerates trailing commas and comments.
func LoadJSON(r io.Reader) (*Schema, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read schema json: %w", err)
	}
	s := New()
	if err := loadJSONInto(s, raw, ""); err != nil {
		return nil, err
	}
	return s, nil
}

// LoadJSONFile is LoadJSON on a file, noting the file name as each table's Source
// where the file does not give one.
func LoadJSONFile(path string) (*Schema, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load schema: %w", err)
	}
	s := New()
	if err := loadJSONInto(s, raw, path); err != nil {
		return nil, fmt.Errorf("load schema %s: %w", path, err)
	}
	return s, nil
}

// LoadAzureSentinelDir reads a folder laid out like Azure-Sentinel's
// .script/tests/KqlvalidationsTests: CustomTables/*.json (one table each) and
// CustomFunctions/*.json (one function each). dir may also be a CustomTables folder
// itself. Each table's Source is its file name relative to dir.
func LoadAzureSentinelDir(dir string) (*Schema, error) {
	s := New()
	subdirs := []string{"CustomTables", "CustomFunctions"}
	found := false
	for _, sub := range subdirs {
		p := filepath.Join(dir, sub)
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			found = true
			if err := loadDirFiles(s, dir, p); err != nil {
				return nil, err
			}
		}
	}
	if !found {
		fi, err := os.Stat(dir)
		if err != nil {
			return nil, fmt.Errorf("load schema dir: %w", err)
		}
		if !fi.IsDir() {
			return nil, fmt.Errorf("load schema dir %s: not a directory", dir)
		}
		if err := loadDirFiles(s, dir, dir); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func loadDirFiles(s *Schema, root, dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("load schema dir: %w", err)
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		// Upstream has a file without the .json suffix (Nessus_VM_CL); the loader there
		// reads every file, so do we.
		if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	for _, n := range names {
		p := filepath.Join(dir, n)
		raw, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("load schema: %w", err)
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			rel = p
		}
		if err := loadJSONInto(s, raw, filepath.ToSlash(rel)); err != nil {
			return fmt.Errorf("load schema %s: %w", p, err)
		}
	}
	return nil
}

// jsonItem is every table or function shape at once; encoding/json matches keys
// case-insensitively, so "Name" and "name" both land in Name.
type jsonItem struct {
	Name       string          `json:"name"`
	Source     string          `json:"source"`
	Columns    []jsonColumn    `json:"columns"`
	Properties json.RawMessage `json:"properties"` // CustomTables: [{Name,Type}]; ARM: {schema:{...}}

	FunctionName string `json:"functionName"`
	// FunctionParameters is a CustomFunctions file's parameter list, or a saved
	// search's parameter text ("T:(*), since:timespan=1d").
	FunctionParameters    json.RawMessage `json:"functionParameters"`
	FunctionResultColumns []jsonColumn    `json:"functionResultColumns"`
	// FunctionAlias and Query are a saved search's (az CLI output, flattened).
	FunctionAlias string          `json:"functionAlias"`
	Query         string          `json:"query"`
	Params        json.RawMessage `json:"params"`
	Parameters    json.RawMessage `json:"parameters"`
}

type jsonColumn struct {
	Name string `json:"name"`
	Type string `json:"type"`
	// ColumnType is what `getschema` and some exports call the type.
	ColumnType string `json:"columnType"`
}

type jsonParam struct {
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Default    json.RawMessage `json:"default"`
	IsRequired *bool           `json:"isRequired"`
}

type armProperties struct {
	// a saved search's
	FunctionAlias      string          `json:"functionAlias"`
	FunctionParameters json.RawMessage `json:"functionParameters"`
	Query              string          `json:"query"`

	Schema *struct {
		Name            string       `json:"name"`
		Columns         []jsonColumn `json:"columns"`
		StandardColumns []jsonColumn `json:"standardColumns"`
	} `json:"schema"`
}

type jsonTop struct {
	Tables    []jsonItem `json:"tables"`
	Functions []jsonItem `json:"functions"`
	Value     []jsonItem `json:"value"`
}

func loadJSONInto(s *Schema, raw []byte, source string) error {
	raw = lenientJSON(raw)
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 {
		return errors.New("empty schema file")
	}
	if trimmed[0] == '[' {
		var items []jsonItem
		if err := json.Unmarshal(trimmed, &items); err != nil {
			return fmt.Errorf("parse schema json: %w", err)
		}
		for i := range items {
			if err := addItem(s, &items[i], source, false); err != nil {
				return err
			}
		}
		return nil
	}
	var top jsonTop
	if err := json.Unmarshal(trimmed, &top); err != nil {
		return fmt.Errorf("parse schema json: %w", err)
	}
	if top.Tables != nil || top.Functions != nil || top.Value != nil {
		for i := range top.Tables {
			if err := addItem(s, &top.Tables[i], source, false); err != nil {
				return err
			}
		}
		for i := range top.Value {
			if err := addItem(s, &top.Value[i], source, false); err != nil {
				return err
			}
		}
		for i := range top.Functions {
			if err := addItem(s, &top.Functions[i], source, true); err != nil {
				return err
			}
		}
		return nil
	}
	var item jsonItem
	if err := json.Unmarshal(trimmed, &item); err != nil {
		return fmt.Errorf("parse schema json: %w", err)
	}
	return addItem(s, &item, source, false)
}

func addItem(s *Schema, it *jsonItem, source string, isFunc bool) error {
	src := it.Source
	if src == "" {
		src = source
	}
	var ap armProperties
	if p := bytes.TrimSpace(it.Properties); len(p) > 0 && p[0] == '{' {
		if err := json.Unmarshal(p, &ap); err != nil {
			return fmt.Errorf("table %s: properties: %w", it.Name, err)
		}
		if ap.Schema == nil && (ap.FunctionAlias != "" || ap.Query != "") {
			// an ARM saved search
			it.FunctionAlias, it.FunctionParameters, it.Query = ap.FunctionAlias, ap.FunctionParameters, ap.Query
		}
	}
	if it.FunctionAlias == "" && it.Query != "" && it.FunctionName == "" && len(it.Columns) == 0 && !isFunc {
		return nil // a saved query that is not a function
	}
	if it.FunctionName != "" || it.FunctionAlias != "" || isFunc {
		f := Function{Name: strings.TrimSpace(it.FunctionName), Source: src}
		if f.Name == "" {
			f.Name = strings.TrimSpace(it.FunctionAlias)
		}
		if f.Name == "" {
			f.Name = strings.TrimSpace(it.Name)
		}
		if f.Name == "" {
			return errors.New("function without a name")
		}
		var params []jsonParam
		for _, rawp := range []json.RawMessage{it.FunctionParameters, it.Params, it.Parameters} {
			ps, err := decodeParams(rawp)
			if err != nil {
				return fmt.Errorf("function %s: %w", f.Name, err)
			}
			params = append(params, ps...)
		}
		for _, p := range params {
			if tabularType(p.Type) {
				f.Params = append(f.Params, Param{Name: p.Name, Type: TabularType, Default: paramDefault(p)})
				continue
			}
			f.Params = append(f.Params, Param{Name: p.Name, Type: normType(p.Type), Default: paramDefault(p)})
		}
		cols := it.FunctionResultColumns
		if len(cols) == 0 {
			cols = it.Columns
		}
		if len(cols) > 0 {
			// none listed: the result's columns are unknown (nil), not none
			f.Columns = toColumns(cols)
		}
		s.AddFunction(f)
		return nil
	}
	t := Table{Name: strings.TrimSpace(it.Name), Source: src}
	cols := it.Columns
	if p := bytes.TrimSpace(it.Properties); len(p) > 0 {
		switch p[0] {
		case '[':
			var pc []jsonColumn
			if err := json.Unmarshal(p, &pc); err != nil {
				return fmt.Errorf("table %s: properties: %w", it.Name, err)
			}
			cols = append(cols, pc...)
		case '{':
			if ap.Schema != nil {
				if t.Name == "" {
					t.Name = strings.TrimSpace(ap.Schema.Name)
				}
				// ARM lists the table's own columns and the standard ones separately;
				// a query sees both.
				cols = append(cols, ap.Schema.StandardColumns...)
				cols = append(cols, ap.Schema.Columns...)
			}
		}
	}
	if t.Name == "" {
		return errors.New("table without a name")
	}
	t.Columns = toColumns(cols)
	s.AddTable(t)
	return nil
}

func toColumns(in []jsonColumn) []Column {
	out := make([]Column, 0, len(in))
	first := make(map[string]Type, len(in))
	have := make(map[string]bool, len(in))
	add := func(c Column) {
		if !have[c.Name] {
			have[c.Name] = true
			out = append(out, c)
		}
	}
	for _, c := range in {
		name := strings.TrimSpace(c.Name)
		if name == "" {
			continue
		}
		ty := c.Type
		if ty == "" {
			ty = c.ColumnType
		}
		t := normType(ty)
		t0, seen := first[name]
		if !seen {
			first[name] = t
			add(Column{Name: name, Type: t})
			continue
		}
		// A stand-in for a parser whose union legs give a column two types lists
		// it once per type (ProofpointPOD: NetworkBytes double and string). A
		// union outputs one column per type, named name_type (KQL union operator
		// reference); the plain name stays too, as unionTypeSuffixes keeps it.
		if t != t0 && t != "" && t0 != "" {
			add(Column{Name: name + "_" + string(t0), Type: t0})
			add(Column{Name: name + "_" + string(t), Type: t})
		}
	}
	return out
}

func decodeParams(raw json.RawMessage) ([]jsonParam, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if raw[0] == '"' {
		var text string
		if err := json.Unmarshal(raw, &text); err != nil {
			return nil, err
		}
		return parseParamList(text), nil
	}
	var ps []jsonParam
	if err := json.Unmarshal(raw, &ps); err != nil {
		return nil, fmt.Errorf("parameters: %w", err)
	}
	return ps, nil
}

// parseParamList reads the parameter text of a stored function as Log Analytics'
// /metadata returns it: "starttime:datetime=datetime(null), name:string='x'".
func parseParamList(text string) []jsonParam {
	var out []jsonParam
	for _, part := range splitTopLevel(text, ',') {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		var p jsonParam
		def := ""
		if i := strings.IndexByte(part, '='); i >= 0 {
			part, def = strings.TrimSpace(part[:i]), strings.TrimSpace(part[i+1:])
		}
		name, ty, _ := strings.Cut(part, ":")
		p.Name, p.Type = strings.TrimSpace(name), strings.TrimSpace(ty)
		if def != "" {
			p.Default, _ = json.Marshal(def)
		}
		out = append(out, p)
	}
	return out
}

// tabularType reports whether a parameter type is a table schema, (*) or (a:string, ...).
func tabularType(t string) bool {
	return strings.HasPrefix(strings.TrimSpace(t), "(")
}

// splitTopLevel splits on sep outside parentheses, brackets and quotes.
func splitTopLevel(s string, sep byte) []string {
	var out []string
	depth, start := 0, 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ')' || c == ']' || c == '}':
			depth--
		case c == sep && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// paramDefault returns the default's KQL text. A CustomFunctions parameter with
// "IsRequired": false has a default we are not told; "default" marks it optional.
func paramDefault(p jsonParam) string {
	d := bytes.TrimSpace(p.Default)
	if len(d) > 0 && string(d) != "null" {
		var s string
		if json.Unmarshal(d, &s) == nil {
			if s != "" {
				return s
			}
		} else {
			return string(d)
		}
	}
	if p.IsRequired != nil && !*p.IsRequired {
		return "default"
	}
	return ""
}

// lenientJSON strips a UTF-8 byte-order mark, // and /* */ comments, and commas that
// precede a closing bracket or brace, all outside strings: what Newtonsoft.Json
// accepts and encoding/json does not.
func lenientJSON(in []byte) []byte {
	in = bytes.TrimPrefix(in, []byte("\xef\xbb\xbf"))
	if !bytes.ContainsAny(in, ",/") {
		return in
	}
	out := make([]byte, 0, len(in))
	inStr := false
	for i := 0; i < len(in); i++ {
		c := in[i]
		if inStr {
			out = append(out, c)
			if c == '\\' && i+1 < len(in) {
				i++
				out = append(out, in[i])
			} else if c == '"' {
				inStr = false
			}
			continue
		}
		switch {
		case c == '"':
			inStr = true
			out = append(out, c)
		case c == '/' && i+1 < len(in) && in[i+1] == '/':
			for i < len(in) && in[i] != '\n' {
				i++
			}
			if i < len(in) {
				out = append(out, '\n')
			}
		case c == '/' && i+1 < len(in) && in[i+1] == '*':
			end := bytes.Index(in[i+2:], []byte("*/"))
			if end < 0 {
				i = len(in)
			} else {
				i += 2 + end + 1
			}
			out = append(out, ' ')
		case c == ',':
			j := i + 1
			for j < len(in) && (in[j] == ' ' || in[j] == '\t' || in[j] == '\n' || in[j] == '\r') {
				j++
			}
			if j < len(in) && (in[j] == ']' || in[j] == '}') {
				continue // drop the trailing comma
			}
			out = append(out, c)
		default:
			out = append(out, c)
		}
	}
	return out
}
