package sqlite

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/internal/sqlstore"
)

func TestPragmas(t *testing.T) {
	t.Parallel()
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tests := []struct {
		pragma      string
		write, read string
	}{
		{"journal_mode", "wal", "wal"},
		{"foreign_keys", "1", "1"},
		{"busy_timeout", "10000", "10000"},
		{"synchronous", "1", "1"}, // NORMAL
		{"query_only", "0", "1"},
	}
	for _, tt := range tests {
		var w, r string
		if err := s.w.QueryRowContext(t.Context(), "PRAGMA "+tt.pragma).Scan(&w); err != nil {
			t.Fatal(err)
		}
		if err := s.r.QueryRowContext(t.Context(), "PRAGMA "+tt.pragma).Scan(&r); err != nil {
			t.Fatal(err)
		}
		if w != tt.write || r != tt.read {
			t.Errorf("PRAGMA %s = %q (writer), %q (reader); want %q, %q", tt.pragma, w, r, tt.write, tt.read)
		}
	}
}

func TestMigrationsRecorded(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "m.db")
	ms, err := sqlstore.LoadMigrations(migrationFS, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	var want []int
	for _, m := range ms {
		want = append(want, m.Version)
	}
	for range 2 {
		s, err := Open(t.Context(), path)
		if err != nil {
			t.Fatal(err)
		}
		var got []int
		rows, err := s.r.QueryContext(t.Context(), `SELECT version FROM schema_migrations ORDER BY version`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var v int
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			got = append(got, v)
		}
		rows.Close()
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("schema_migrations (-want +got):\n%s", diff)
		}
		s.Close()
	}
}

func TestRefuseNewerSchema(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "n.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.ExecContext(t.Context(), `INSERT INTO schema_migrations (version, name, applied) VALUES (9999, 'future', '')`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = Open(t.Context(), path)
	if socpilot.ErrorCode(err) != socpilot.EConfig {
		t.Errorf("Open of a store with a newer schema: %v; want code %s", err, socpilot.EConfig)
	}
}

// TestSearchDropped: a store that ran the search migration (0002) and
// holds turns is brought back to the turns table alone: the search tables
// and their triggers are gone, every turn is kept, and turns can still be
// added (a trigger left behind would write into a dropped table).
func TestSearchDropped(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	ms, err := sqlstore.LoadMigrations(migrationFS, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "d.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Rebuild the file as a socpilot with the search migration left it.
	for _, stmt := range []string{`DELETE FROM schema_migrations WHERE version > 2`, ms[1].SQL} {
		if _, err := s.w.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	old := []socpilot.Turn{{Role: "user", Content: "beacon to evil.example"}, {Role: "assistant", Content: "blocked the beacon"}}
	if _, err := s.CreateConversation(ctx, socpilot.Conversation{ID: "old", Turns: old}); err != nil {
		t.Fatal(err)
	}
	if err := s.apply(ctx, ms); err != nil {
		t.Fatal(err)
	}
	var left []string
	rows, err := s.r.QueryContext(ctx, `SELECT type || ' ' || name FROM sqlite_master WHERE name LIKE '%search%' OR name LIKE 'turns_fts%' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		left = append(left, n)
	}
	rows.Close()
	if len(left) > 0 {
		t.Errorf("after the migrations the store still has %v", left)
	}
	if err := s.AppendTurns(ctx, "old", socpilot.Turn{Role: "user", Content: "and now?"}); err != nil {
		t.Fatalf("AppendTurns after the migration: %v", err)
	}
	c, err := s.Conversation(ctx, "old")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tu := range c.Turns {
		got = append(got, tu.Content)
	}
	if diff := cmp.Diff([]string{"beacon to evil.example", "blocked the beacon", "and now?"}, got); diff != "" {
		t.Errorf("turns after the migration (-want +got):\n%s", diff)
	}
}

// TestFileMode: the store holds conversations about incidents, so its
// files are the owner's only, whatever the umask.
func TestFileMode(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	path := filepath.Join(t.TempDir(), "socpilot.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, f := range []string{path, path + "-wal"} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if m := fi.Mode().Perm(); m&0o077 != 0 {
			t.Errorf("%s has mode %v, want no access for group and others", filepath.Base(f), m)
		}
	}
}
