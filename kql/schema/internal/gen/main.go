// Command gen writes kql/schema/catalog.txt.gz, the embedded KQL schema catalog,
// from the public schema sources in shared/corpora/table-schemas.
//
//	go run ./kql/schema/internal/gen [-corpus DIR] [-o FILE]
//
// By default it looks for shared/corpora/table-schemas in the working directory and
// its parents and writes catalog.txt.gz next to package schema.
//
//	go run ./kql/schema/internal/gen -derive FILE -name NAME -source SOURCE [-table]
//
// derives a stored function's result columns from its query instead: it runs
// kql.Validator.ResultColumns over FILE (a parser's .kql/.txt query, or the
// ParserQuery/FunctionQuery block of a parser YAML) against the embedded catalog and
// prints a supplement.txt entry (F, or T with -table) for review. The parser file
// itself stays outside the repository; only the derived columns are recorded.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/socpilot/socpilot/kql/schema/internal/catalogbuild"
)

func main() {
	corpus := flag.String("corpus", "", "table-schemas folder (default: find shared/corpora/table-schemas upwards)")
	outPath := flag.String("o", "", "output file (default: kql/schema/catalog.txt.gz of this module)")
	verbose := flag.Bool("v", false, "list every skipped row")
	derive := flag.String("derive", "", "derive the result columns of the parser query in this file")
	name := flag.String("name", "", "with -derive: the function (or table) name")
	source := flag.String("source", "", "with -derive: where the parser was read (repository path and commit)")
	asTable := flag.Bool("table", false, "with -derive: print a T entry (columns added to a table of that name)")
	flag.Parse()
	if *derive != "" {
		if err := deriveEntry(os.Stdout, *derive, *name, *source, *asTable); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*corpus, *outPath, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(corpus, outPath string, verbose bool) error {
	if corpus == "" {
		d, ok := catalogbuild.FindCorpus(".")
		if !ok {
			return fmt.Errorf("shared/corpora/table-schemas not found above the working directory; pass -corpus")
		}
		corpus = d
	}
	if outPath == "" {
		p, err := defaultOut()
		if err != nil {
			return err
		}
		outPath = p
	}
	s, rep, err := catalogbuild.Build(corpus)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := s.WriteCatalog(&buf); err != nil {
		return err
	}
	if err := os.WriteFile(outPath, buf.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Printf("wrote %s: %d tables, %d columns, %d functions, %d bytes\n", outPath, rep.Tables, rep.Columns, rep.Functions, buf.Len())
	var srcs []string
	for k := range rep.PerSource {
		srcs = append(srcs, k)
	}
	sort.Strings(srcs)
	for _, k := range srcs {
		fmt.Printf("  %5d tables from %s\n", rep.PerSource[k], k)
	}
	fmt.Printf("  %d tables augmented from lower-precedence sources, %d given standard columns, %d given Timestamp\n",
		rep.Augmented, rep.StandardAdded, rep.TimestampAdded)
	fmt.Printf("  %d ASIM parser functions from sources.txt; snapshot: %s\n", rep.ASIM, rep.Snapshot)
	fmt.Printf("  %d rows or columns skipped\n", len(rep.Skipped))
	if verbose {
		for _, s := range rep.Skipped {
			fmt.Println("   ", s)
		}
	}
	return nil
}

// defaultOut finds kql/schema of the enclosing module (go run may start anywhere in it).
func defaultOut() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "kql", "schema", "catalog.txt.gz"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("go.mod not found above the working directory; pass -o")
		}
		dir = parent
	}
}
