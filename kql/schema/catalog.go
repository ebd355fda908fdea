package schema

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
)

//go:generate go run ./internal/gen -o catalog.txt.gz

// catalogGz is the embedded table and function catalog, written by ./internal/gen
// from the public schema sources listed in CATALOG.md.
//
//go:embed catalog.txt.gz
var catalogGz []byte

var (
	defaultOnce   sync.Once
	defaultSchema *Schema
)

// Default returns the embedded catalog of built-in Log Analytics, Microsoft Sentinel
// and Defender XDR tables plus the Azure-Sentinel validation test's custom tables and
// ASIM functions. It is decoded once; callers must not modify it (Merge it instead).
func Default() *Schema {
	defaultOnce.Do(func() {
		s, err := ReadCatalog(bytes.NewReader(catalogGz))
		if err != nil {
			// The file is generated and embedded at build time; a decoding failure is a
			// build defect that the package tests catch.
			panic("kql/schema: embedded catalog: " + err.Error())
		}
		defaultSchema = s
	})
	return defaultSchema
}

// The catalog format is gzip-compressed text, one record per line, tab-separated,
// chosen because it decodes several times faster than JSON:
//
//	socpilot-kql-catalog 1
//	D <snapshot>                    optional: the date and sources the catalog was generated from
//	S <source>                      declares source #n (0-based, in order)
//	T <table> <source#> [open]      starts a table ("open": other columns may exist)
//	F <function> <source#> [open]   starts a function
//	P <name> <type> <default>       a parameter of the current function
//	C <name> <type>                 a column of the current table or function
const catalogMagic = "socpilot-kql-catalog 1"

// WriteCatalog writes s in the compact catalog format that Default embeds, sorted so
// that the same schema always produces the same text.
func (s *Schema) WriteCatalog(w io.Writer) error {
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	if err := s.writeCatalogText(zw); err != nil {
		return err
	}
	return zw.Close()
}

// CatalogText returns the uncompressed catalog text of s (what WriteCatalog
// compresses); tests compare it to check the embedded file is up to date.
func (s *Schema) CatalogText() string {
	var b strings.Builder
	_ = s.writeCatalogText(&b)
	return b.String()
}

func (s *Schema) writeCatalogText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	srcIdx := map[string]int{}
	var sources []string
	idx := func(src string) int {
		if i, ok := srcIdx[src]; ok {
			return i
		}
		srcIdx[src] = len(sources)
		sources = append(sources, src)
		return len(sources) - 1
	}
	tables, funcs := s.Tables(), s.Functions()
	for _, t := range tables {
		idx(t.Source)
	}
	for _, f := range funcs {
		idx(f.Source)
	}
	fmt.Fprintln(bw, catalogMagic)
	if s.snapshot != "" {
		fmt.Fprintf(bw, "D\t%s\n", clean(s.snapshot))
	}
	for _, src := range sources {
		fmt.Fprintf(bw, "S\t%s\n", clean(src))
	}
	for _, t := range tables {
		fmt.Fprintf(bw, "T\t%s\t%d%s\n", clean(t.Name), srcIdx[t.Source], tableField(t))
		for _, c := range t.Columns {
			fmt.Fprintf(bw, "C\t%s\t%s\n", clean(c.Name), c.Type)
		}
	}
	for _, f := range funcs {
		fmt.Fprintf(bw, "F\t%s\t%d%s\n", clean(f.Name), srcIdx[f.Source], openField(f.Open))
		for _, p := range f.Params {
			fmt.Fprintf(bw, "P\t%s\t%s\t%s\n", clean(p.Name), p.Type, clean(p.Default))
		}
		for _, c := range f.Columns {
			fmt.Fprintf(bw, "C\t%s\t%s\n", clean(c.Name), c.Type)
		}
	}
	return bw.Flush()
}

// tableField is the optional third field of a T record.
func tableField(t *Table) string {
	if t.Suffixed && !t.Open {
		return "\tsuffixed"
	}
	return openField(t.Open)
}

// openField is the optional third field of a T or F record.
func openField(open bool) string {
	if open {
		return "\topen"
	}
	return ""
}

// clean keeps a field on its line: tabs and newlines cannot occur in KQL identifiers
// but may in a description-like source string.
func clean(s string) string {
	return strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(s)
}

// ReadCatalog decodes a catalog written by WriteCatalog.
func ReadCatalog(r io.Reader) (*Schema, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("read catalog: %w", err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("read catalog: %w", err)
	}
	return parseCatalog(string(raw))
}

func parseCatalog(text string) (*Schema, error) {
	if !strings.HasPrefix(text, catalogMagic+"\n") {
		first, _, _ := strings.Cut(text, "\n")
		return nil, fmt.Errorf("read catalog: not a catalog (first line %q)", first)
	}
	text = text[len(catalogMagic)+1:]
	// One backing array for every column and parameter keeps decoding at a few
	// allocations per table: Default must stay cheap for a CLI that starts often.
	cols := make([]Column, 0, strings.Count(text, "\nC\t")+1)
	params := make([]Param, 0, strings.Count(text, "\nP\t")+1)
	s := New()
	var sources []string
	var curT *Table
	var curF *Function
	colStart, paramStart := 0, 0
	flush := func() {
		switch {
		case curT != nil:
			curT.Columns = cols[colStart:len(cols):len(cols)]
			s.AddTable(*curT)
		case curF != nil:
			if len(cols) > colStart {
				curF.Columns = cols[colStart:len(cols):len(cols)]
			}
			if len(params) > paramStart {
				curF.Params = params[paramStart:len(params):len(params)]
			}
			s.AddFunction(*curF)
		}
		curT, curF = nil, nil
		colStart, paramStart = len(cols), len(params)
	}
	lineNo := 1
	var f [4]string
	// Fields are substrings of text: one allocation for the whole catalog text.
	for len(text) > 0 {
		line := text
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			text = ""
		}
		lineNo++
		if len(line) < 2 || line[1] != '\t' {
			return nil, fmt.Errorf("read catalog: line %d: malformed", lineNo)
		}
		nf := splitTabs(line[2:], &f)
		bad := func() error { return fmt.Errorf("read catalog: line %d: malformed %c record", lineNo, line[0]) }
		switch line[0] {
		case 'S':
			sources = append(sources, f[0])
		case 'D':
			s.snapshot = line[2:]
		case 'T', 'F':
			if nf != 2 && (nf != 3 || (f[2] != "open" && (f[2] != "suffixed" || line[0] != 'T'))) {
				return nil, bad()
			}
			open := nf == 3 && f[2] == "open"
			suffixed := nf == 3 && f[2] == "suffixed"
			i, err := strconv.Atoi(f[1])
			if err != nil || i < 0 || i >= len(sources) {
				return nil, bad()
			}
			flush()
			if line[0] == 'T' {
				curT = &Table{Name: f[0], Source: sources[i], Open: open, Suffixed: suffixed}
			} else {
				curF = &Function{Name: f[0], Source: sources[i], Open: open}
			}
		case 'C':
			if nf != 2 || (curT == nil && curF == nil) {
				return nil, bad()
			}
			cols = append(cols, Column{Name: f[0], Type: Type(f[1])})
		case 'P':
			if nf != 3 || curF == nil {
				return nil, bad()
			}
			params = append(params, Param{Name: f[0], Type: Type(f[1]), Default: f[2]})
		default:
			return nil, bad()
		}
	}
	flush()
	return s, nil
}

// splitTabs splits line on tabs into f, returning the number of fields (more than
// len(f) counts as len(f)+1, which every caller rejects).
func splitTabs(line string, f *[4]string) int {
	n := 0
	for {
		i := strings.IndexByte(line, '\t')
		if n == len(f) {
			return n + 1
		}
		if i < 0 {
			f[n] = line
			return n + 1
		}
		f[n] = line[:i]
		line = line[i+1:]
		n++
	}
}
