package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/socpilot/socpilot/kql"
	"github.com/socpilot/socpilot/kql/schema"
)

// deriveEntry prints a supplement.txt entry for the parser query in path: its
// result columns as kql.Validator.ResultColumns infers them against the embedded
// catalog, marked open ("?") when the parser unpacks key-value pairs or reads
// something whose columns are unknown.
func deriveEntry(w io.Writer, path, name, source string, asTable bool) error {
	if name == "" || source == "" {
		return fmt.Errorf("-derive needs -name and -source")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	src := string(b)
	if strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml") {
		q, ok := yamlQuery(src)
		if !ok {
			return fmt.Errorf("%s: no ParserQuery or FunctionQuery block", path)
		}
		src = q
	}
	v := &kql.Validator{Schema: schema.Default()}
	cols, open, findings := v.ResultColumns(src)
	for _, f := range findings {
		if f.Severity == kql.SeverityError {
			fmt.Fprintf(os.Stderr, "%s:%d:%d: %s (derivation continues)\n", path, f.Pos.Line, f.Pos.Col, f.Message)
		}
	}
	if cols == nil && !open {
		return fmt.Errorf("%s: the query does not end in a tabular statement", path)
	}
	kind := "F"
	if asTable {
		kind = "T"
	}
	mark := ""
	if open {
		mark = "\t?"
	}
	fmt.Fprintf(w, "%s %s\t%s%s\n", kind, name, source, mark)
	for _, c := range cols {
		t := c.Type
		if t == "" {
			t = schema.Dynamic
		}
		fmt.Fprintf(w, "C %s %s\n", c.Name, t)
	}
	return nil
}

// yamlQuery returns the literal block of a parser YAML's ParserQuery or
// FunctionQuery key with its indentation removed (enough for Azure-Sentinel's
// parser files; not a YAML parser).
func yamlQuery(text string) (string, bool) {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		k := strings.TrimSpace(l)
		if !strings.HasPrefix(k, "ParserQuery:") && !strings.HasPrefix(k, "FunctionQuery:") {
			continue
		}
		indent := -1
		var out []string
		for _, b := range lines[i+1:] {
			if strings.TrimSpace(b) == "" {
				out = append(out, "")
				continue
			}
			n := len(b) - len(strings.TrimLeft(b, " "))
			if indent < 0 {
				indent = n
			}
			if n < indent {
				break
			}
			out = append(out, b[indent:])
		}
		return strings.Join(out, "\n"), len(out) > 0
	}
	return "", false
}
