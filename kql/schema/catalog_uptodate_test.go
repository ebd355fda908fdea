package schema_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/socpilot/socpilot/kql/schema"
	"github.com/socpilot/socpilot/kql/schema/internal/catalogbuild"
)

// TestEmbeddedCatalogUpToDate rebuilds the catalog from the public corpus and
// compares it with the embedded file: run `go generate ./kql/schema` when it fails.
func TestEmbeddedCatalogUpToDate(t *testing.T) {
	dir, ok := catalogbuild.FindCorpus(".")
	if !ok {
		t.Skip("shared/corpora/table-schemas not found (public corpus absent, as on a user's machine)")
	}
	built, rep, err := catalogbuild.Build(dir)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Tables < 898 {
		t.Errorf("built %d tables, want >= 898", rep.Tables)
	}
	if diff := cmp.Diff(built.CatalogText(), schema.Default().CatalogText()); diff != "" {
		t.Errorf("embedded catalog.txt.gz is stale; run `go generate ./kql/schema` (-built +embedded):\n%.3000s", diff)
	}
}
