// Package rulefile extracts the KQL queries to check from files: plain .kql/.csl
// files, and Microsoft Sentinel analytic-rule and hunting-query YAML (the query:
// field), keeping each query's position in its file so findings map back to file
// lines and columns.
package rulefile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Query is one query to check and where it came from.
type Query struct {
	File string // the path as given (or the name passed to Read)
	Name string // the rule's name, or the file's base name for a .kql file
	ID   string // the rule's id, when the YAML has one
	Text string
	// Line and Col are the 1-based file position of the first character of Text.
	Line int
	Col  int
	// RequiredTables are the rule's requiredDataConnectors[].dataTypes, in order,
	// without duplicates, with a connector qualifier such as "SecurityAlert (ASC)"
	// reduced to the table name.
	RequiredTables []string
	// Kind is what the query is for, spelt as kql.QueryKind spells it: "Scheduled" or
	// "NRT" for an analytic rule (its kind: field; a rule with a queryFrequency and no
	// kind is Scheduled), another kind: value as written, "Hunting" for a YAML query
	// with neither (a hunting query), "Function" for a parser's ParserQuery or
	// FunctionQuery, and "" for a .kql file or standard input, which do not say.
	Kind string

	// src maps positions in Text back to the file for YAML scalars whose text is not
	// the file's lines shifted by a constant indentation (folded, plain, quoted).
	src *scalarSource
}

// scalarSource is the raw file text of a YAML scalar: its lines with their file line
// numbers and the column where each line's content starts.
type scalarSource struct {
	lines []rawLine
	quote byte // '"' or '\'' for quoted scalars, whose raw text has escapes
}

type rawLine struct {
	text string
	line int // 1-based file line
	col  int // 1-based file column of text[0]
}

// Position maps a 1-based line and column within q.Text (as a KQL parser reports
// them; column counted in runes) to the 1-based line and column in q.File.
func (q Query) Position(line, col int) (fileLine, fileCol int) {
	if line < 1 {
		line = 1
	}
	if col < 1 {
		col = 1
	}
	if q.src == nil {
		// Literal blocks and whole files: every line shifts by the same indentation.
		return q.Line + line - 1, q.Col + col - 1
	}
	return q.src.position(q.Text, line, col)
}

// position aligns Text with the raw lines it was folded or unescaped from: equal
// characters advance both, a line break in the raw text matches the space or
// newline folding made of it, and anything else (an escape sequence) advances the
// raw side only.
func (s *scalarSource) position(text string, line, col int) (int, int) {
	// Offset of (line, col) in text.
	off := 0
	for l := 1; l < line; l++ {
		i := strings.IndexByte(text[off:], '\n')
		if i < 0 {
			off = len(text)
			break
		}
		off += i + 1
	}
	for c := 1; c < col && off < len(text) && text[off] != '\n'; c++ {
		_, n := utf8.DecodeRuneInString(text[off:])
		off += n
	}
	if len(s.lines) == 0 {
		return 1, 1
	}
	li, ri := 0, 0 // raw line index, byte index in it
	for ti := 0; ti < off; {
		if li >= len(s.lines) {
			last := s.lines[len(s.lines)-1]
			return last.line, last.col + len(last.text)
		}
		raw := s.lines[li].text
		if ri >= len(raw) {
			// End of a raw line: folding turned it into a space, a newline, or nothing
			// (blank lines); consume the text's separator if there is one.
			li, ri = li+1, 0
			if text[ti] == ' ' || text[ti] == '\n' {
				ti++
			}
			for li < len(s.lines) && s.lines[li].text == "" && ti < off && text[ti] == '\n' {
				li++
				ti++
			}
			continue
		}
		if n := s.escapeLen(raw[ri:]); n > 0 {
			// One escape sequence in the raw text is one character of the text.
			_, size := utf8.DecodeRuneInString(text[ti:])
			ti += size
			ri += n
			continue
		}
		if text[ti] == raw[ri] {
			ti++
			ri++
			continue
		}
		ri++ // something folding or quoting dropped
	}
	for li < len(s.lines) && ri >= len(s.lines[li].text) && li+1 < len(s.lines) {
		li, ri = li+1, 0
	}
	if li >= len(s.lines) {
		last := s.lines[len(s.lines)-1]
		return last.line, last.col + len(last.text)
	}
	rl := s.lines[li]
	return rl.line, rl.col + utf8.RuneCountInString(rl.text[:min(ri, len(rl.text))])
}

// escapeLen returns the length of the escape sequence at the start of raw, or 0.
func (s *scalarSource) escapeLen(raw string) int {
	switch {
	case s.quote == '\'' && strings.HasPrefix(raw, "''"):
		return 2
	case s.quote == '"' && len(raw) >= 2 && raw[0] == '\\':
		switch raw[1] {
		case 'x':
			return min(4, len(raw))
		case 'u':
			return min(6, len(raw))
		case 'U':
			return min(10, len(raw))
		}
		return 2
	}
	return 0
}

// Extensions that Walk reads. Load also reads .txt as KQL.
var walkExts = map[string]bool{".kql": true, ".csl": true, ".yaml": true, ".yml": true}

// Load reads the queries of one file: a .kql, .csl or .txt file is one query; a
// .yaml/.yml file is a Sentinel analytic rule, hunting query or any YAML with a
// query: key (zero queries when it has none). Other extensions are sniffed like Read.
func Load(path string) ([]Query, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load queries: %w", err)
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".kql", ".csl", ".txt":
		return []Query{kqlQuery(path, raw)}, nil
	case ".yaml", ".yml":
		qs, err := yamlQueries(path, raw)
		if err != nil {
			return nil, fmt.Errorf("load queries from %s: %w", path, err)
		}
		return qs, nil
	}
	return Read(path, bytes.NewReader(raw))
}

// Read reads queries from r, which is named name in the results (use "-" or
// "<stdin>" for standard input): YAML when it is a mapping with a query: key,
// otherwise the whole text is one KQL query.
func Read(name string, r io.Reader) ([]Query, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read queries from %s: %w", name, err)
	}
	if looksLikeYAMLRule(raw) {
		qs, err := yamlQueries(name, raw)
		if err == nil {
			return qs, nil
		}
	}
	return []Query{kqlQuery(name, raw)}, nil
}

// looksLikeYAMLRule is true when raw parses as a YAML mapping with a query key.
// KQL seldom parses as a YAML mapping, and never as one with a query: key.
func looksLikeYAMLRule(raw []byte) bool {
	var n yaml.Node
	if err := yaml.Unmarshal(raw, &n); err != nil || len(n.Content) == 0 {
		return false
	}
	m := n.Content[0]
	if m.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if queryKeys[m.Content[i].Value] {
			return true
		}
	}
	return false
}

// Walk returns the queries of every .kql, .csl, .yaml and .yml file under root (or
// of root itself when it is a file), in lexical path order, skipping hidden
// directories. A file that cannot be read or parsed does not stop the walk: its
// error is joined into the returned error, next to the queries of the other files.
func Walk(root string) ([]Query, error) {
	fi, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("walk queries: %w", err)
	}
	if !fi.IsDir() {
		return Load(root)
	}
	var out []Query
	var errs []error
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			errs = append(errs, err)
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if path != root && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		if !walkExts[strings.ToLower(filepath.Ext(path))] || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		qs, err := Load(path)
		if err != nil {
			errs = append(errs, err)
			return nil
		}
		out = append(out, qs...)
		return nil
	})
	if err != nil {
		errs = append(errs, err)
	}
	return out, errors.Join(errs...)
}

func kqlQuery(name string, raw []byte) Query {
	text := string(bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf")))
	base := filepath.Base(name)
	return Query{
		File: name,
		Name: strings.TrimSuffix(base, filepath.Ext(base)),
		Text: text,
		Line: 1,
		Col:  1,
	}
}

// queryKeys are the keys whose value is a query: Sentinel rules and hunting queries
// use query; Azure-Sentinel's ASIM and workspace parser YAMLs use ParserQuery and
// FunctionQuery.
var queryKeys = map[string]bool{"query": true, "ParserQuery": true, "FunctionQuery": true}

func yamlQueries(name string, raw []byte) ([]Query, error) {
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	lines := splitLines(raw)
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	var out []Query
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("parse yaml: %w", err)
		}
		if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
			continue
		}
		m := doc.Content[0]
		var q Query
		var qnode *yaml.Node
		var qkey, kind string
		scheduled := false
		for i := 0; i+1 < len(m.Content); i += 2 {
			k, v := m.Content[i].Value, m.Content[i+1]
			switch {
			case k == "kind" && v.Kind == yaml.ScalarNode:
				kind = strings.TrimSpace(v.Value)
			case k == "queryFrequency" && v.Kind == yaml.ScalarNode && strings.TrimSpace(v.Value) != "":
				scheduled = true
			case k == "id":
				q.ID = v.Value
			case k == "name" || k == "ParserName":
				if v.Kind == yaml.ScalarNode && q.Name == "" {
					q.Name = v.Value
				}
			case k == "requiredDataConnectors":
				q.RequiredTables = dataTypes(v)
			case queryKeys[k] && v.Kind == yaml.ScalarNode && qnode == nil:
				qnode, qkey = v, k
			}
		}
		if qnode == nil {
			continue
		}
		q.Kind = ruleKind(kind, scheduled, qkey)
		q.File = name
		q.Text = qnode.Value
		locate(&q, qnode, lines)
		if q.Name == "" {
			base := filepath.Base(name)
			q.Name = strings.TrimSuffix(base, filepath.Ext(base))
		}
		out = append(out, q)
	}
	return out, nil
}

// ruleKind names what a YAML query is for from its kind: field, whether it has a
// queryFrequency, and the key that held the query.
func ruleKind(kind string, scheduled bool, key string) string {
	switch {
	case strings.EqualFold(kind, "Scheduled"):
		return "Scheduled"
	case strings.EqualFold(kind, "NRT"):
		return "NRT"
	case kind != "":
		return kind
	case scheduled:
		return "Scheduled"
	case key != "query":
		return "Function"
	}
	return "Hunting"
}

// dataTypes collects requiredDataConnectors[].dataTypes.
func dataTypes(v *yaml.Node) []string {
	var out []string
	seen := map[string]bool{}
	if v.Kind != yaml.SequenceNode {
		return nil
	}
	for _, conn := range v.Content {
		if conn.Kind != yaml.MappingNode {
			continue
		}
		for i := 0; i+1 < len(conn.Content); i += 2 {
			if conn.Content[i].Value != "dataTypes" || conn.Content[i+1].Kind != yaml.SequenceNode {
				continue
			}
			for _, dt := range conn.Content[i+1].Content {
				t := strings.TrimSpace(dt.Value)
				if i := strings.Index(t, " ("); i > 0 {
					t = strings.TrimSpace(t[:i]) // "SecurityAlert (ASC)"
				}
				if t != "" && !seen[t] {
					seen[t] = true
					out = append(out, t)
				}
			}
		}
	}
	return out
}

// splitLines splits raw into lines without their terminators (\n or \r\n).
func splitLines(raw []byte) []string {
	s := strings.ReplaceAll(string(raw), "\r\n", "\n")
	return strings.Split(s, "\n")
}

// locate sets q.Line and q.Col to where the query text starts in the file, and for
// scalars whose text does not map line-for-line, the raw lines to align with.
func locate(q *Query, n *yaml.Node, lines []string) {
	q.Line, q.Col = n.Line, n.Column
	switch n.Style {
	case yaml.LiteralStyle, yaml.FoldedStyle:
		// The node's position is that of the | or > indicator; the content starts on
		// the next line, at the block's indentation (the first non-blank line's).
		indent := explicitIndent(lines, n)
		first := n.Line + 1
		var raw []rawLine
		for ln := n.Line + 1; ln <= len(lines); ln++ {
			l := lines[ln-1]
			trimmed := strings.TrimLeft(l, " ")
			if indent < 0 {
				if strings.TrimSpace(l) == "" {
					raw = append(raw, rawLine{line: ln, col: 1})
					continue
				}
				indent = len(l) - len(trimmed)
				if indent <= parentIndent(lines, n.Line) {
					break // empty block
				}
			}
			if strings.TrimSpace(l) != "" && len(l)-len(trimmed) < indent {
				break
			}
			text := ""
			if len(l) > indent {
				text = l[indent:]
			}
			raw = append(raw, rawLine{text: text, line: ln, col: indent + 1})
		}
		if indent < 0 {
			indent = 0
		}
		q.Line, q.Col = first, indent+1
		if n.Style == yaml.FoldedStyle {
			q.src = &scalarSource{lines: raw}
		}
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		q.Col = n.Column + 1 // after the opening quote
		quote := byte('"')
		if n.Style == yaml.SingleQuotedStyle {
			quote = '\''
		}
		q.src = &scalarSource{lines: plainLines(lines, n.Line, q.Col), quote: quote}
	default:
		q.src = &scalarSource{lines: plainLines(lines, n.Line, n.Column)}
	}
}

// plainLines returns the raw lines of a flow scalar starting at (line, col): the rest
// of the first line, then following lines with their indentation stripped.
func plainLines(lines []string, line, col int) []rawLine {
	if line < 1 || line > len(lines) {
		return nil
	}
	first := lines[line-1]
	startByte := runeOffset(first, col-1)
	out := []rawLine{{text: first[startByte:], line: line, col: col}}
	for ln := line + 1; ln <= len(lines); ln++ {
		l := lines[ln-1]
		trimmed := strings.TrimLeft(l, " \t")
		if trimmed == "" {
			out = append(out, rawLine{line: ln, col: 1})
			continue
		}
		ind := len(l) - len(trimmed)
		if ind == 0 {
			break // the next key at the top level
		}
		out = append(out, rawLine{text: trimmed, line: ln, col: ind + 1})
	}
	return out
}

func runeOffset(s string, runes int) int {
	off := 0
	for i := 0; i < runes && off < len(s); i++ {
		_, n := utf8.DecodeRuneInString(s[off:])
		off += n
	}
	return off
}

// explicitIndent returns the content indentation a block scalar's indentation
// indicator sets ("|2", ">1-": relative to the parent's indentation), or -1.
func explicitIndent(lines []string, n *yaml.Node) int {
	if n.Line < 1 || n.Line > len(lines) {
		return -1
	}
	l := lines[n.Line-1]
	i := runeOffset(l, n.Column-1)
	if i >= len(l) || (l[i] != '|' && l[i] != '>') {
		return -1
	}
	for j := i + 1; j < len(l) && j < i+3; j++ {
		if l[j] >= '1' && l[j] <= '9' {
			return parentIndent(lines, n.Line) + int(l[j]-'0')
		}
	}
	return -1
}

// parentIndent is the indentation of the line holding the block indicator.
func parentIndent(lines []string, line int) int {
	if line < 1 || line > len(lines) {
		return 0
	}
	l := lines[line-1]
	return len(l) - len(strings.TrimLeft(l, " "))
}
