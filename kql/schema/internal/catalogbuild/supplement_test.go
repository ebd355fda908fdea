package catalogbuild

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/socpilot/socpilot/kql/schema"
)

func TestReadSupplement(t *testing.T) {
	text := "# comment\n\nT DnsEvents\tsome page\nC Name string\nF P\tparser file\nC A long\nF Q\tparser file\t?\n" +
		"F R\tparser file\t?\nC B string\nT CEFParser\tparser file\t?\nT AzureDiagnostics\tLearn page\t_\n"
	tables, funcs, err := readSupplement(text)
	if err != nil {
		t.Fatal(err)
	}
	wantT := []schema.Table{
		{Name: "DnsEvents", Source: "some page", Columns: []schema.Column{{Name: "Name", Type: schema.String}}},
		{Name: "CEFParser", Source: "parser file", Open: true},
		{Name: "AzureDiagnostics", Source: "Learn page", Suffixed: true},
	}
	if diff := cmp.Diff(wantT, tables); diff != "" {
		t.Errorf("tables (-want +got):\n%s", diff)
	}
	wantF := []schema.Function{
		{Name: "P", Source: "supplement: parser file", Columns: []schema.Column{{Name: "A", Type: schema.Long}}},
		{Name: "Q", Source: "supplement: parser file (open result: other columns may exist)", Open: true},
		{Name: "R", Source: "supplement: parser file (open result: other columns may exist)", Open: true, Columns: []schema.Column{{Name: "B", Type: schema.String}}},
	}
	if diff := cmp.Diff(wantF, funcs); diff != "" {
		t.Errorf("functions (-want +got):\n%s", diff)
	}
	for _, bad := range []string{
		"T NoSource\n",                  // every entry names its source
		"C Orphan string\n",             // a column outside a table
		"T X\tsrc\nC bad-name string\n", // not an identifier
		"T X\tsrc\nC A nosuchtype\n",    // unknown type
		"Z what\n",
		"F Q\tsrc\tx\n", // the third field is ? or nothing
		"F Q\tsrc\t_\n", // only a table's columns are added by the workspace
	} {
		if _, _, err := readSupplement(bad); err == nil || !strings.Contains(err.Error(), "supplement.txt:") {
			t.Errorf("readSupplement(%q) error = %v, want a positioned error", bad, err)
		}
	}
	// The embedded file itself must read.
	if _, _, err := readSupplement(supplement); err != nil {
		t.Fatal(err)
	}
}
