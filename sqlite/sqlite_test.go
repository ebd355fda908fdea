package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/sqlite"
	"github.com/socpilot/socpilot/storetest"
)

// The SQLite store provides every method the suite knows about.
var _ storetest.ExtraStore = (*sqlite.Store)(nil)

func open(tb testing.TB) *sqlite.Store {
	tb.Helper()
	s, err := sqlite.Open(tb.Context(), filepath.Join(tb.TempDir(), "state", "socpilot.db"))
	if err != nil {
		tb.Fatalf("open: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func TestStore(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) socpilot.Store { return open(t) })
}

func TestStoreExtras(t *testing.T) {
	t.Parallel()
	storetest.RunExtras(t, func(t *testing.T) storetest.ExtraStore { return open(t) })
}

func TestReopen(t *testing.T) {
	t.Parallel()
	storetest.RunReopen(t, func(t *testing.T) storetest.Reopener {
		path := filepath.Join(t.TempDir(), "socpilot.db")
		return func(ctx context.Context) (storetest.ExtraStore, error) { return sqlite.Open(ctx, path) }
	})
}

func TestOpenCreatesParentDirectory(t *testing.T) {
	t.Parallel()
	// A '?' or '#' in a path must not be read as a URI query or fragment.
	path := filepath.Join(t.TempDir(), "a b", "x?y#z", "socpilot.db")
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database file not at %s: %v", path, err)
	}
}

func BenchmarkAppendTurns(b *testing.B) {
	storetest.BenchAppendTurns(b, open(b))
}
