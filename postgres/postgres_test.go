package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/postgres"
	"github.com/socpilot/socpilot/postgres/pgtest"
	"github.com/socpilot/socpilot/storetest"
)

// The PostgreSQL store provides every method the suite knows about.
var _ storetest.ExtraStore = (*postgres.Store)(nil)

func newSchema(tb testing.TB) string { return pgtest.NewSchema(tb) }

func open(tb testing.TB) *postgres.Store {
	tb.Helper()
	s, err := postgres.Open(tb.Context(), newSchema(tb))
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
		dsn := newSchema(t)
		return func(ctx context.Context) (storetest.ExtraStore, error) { return postgres.Open(ctx, dsn) }
	})
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, url, code string
	}{
		{"not a url", "postgres://%zz", socpilot.EConfig},
		// A port nothing listens on: refused at once, no waiting.
		{"nothing listening", "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=2", socpilot.EUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := postgres.Open(t.Context(), tt.url)
			if got := socpilot.ErrorCode(err); got != tt.code {
				t.Errorf("Open(%q): %v (code %s); want code %s", tt.url, err, got, tt.code)
			}
		})
	}
}

func TestPasswordNotInErrors(t *testing.T) {
	t.Parallel()
	for _, u := range []string{
		"postgres://user:s3cr3t-pw@127.0.0.1:1/test?sslmode=disable&connect_timeout=2",
		"postgres://user:s3cr3t-pw@127.0.0.1:1/test?sslmode=bogus",
	} {
		_, err := postgres.Open(t.Context(), u)
		if err == nil {
			t.Fatalf("Open(%q) succeeded", u)
		}
		if strings.Contains(err.Error(), "s3cr3t-pw") {
			t.Errorf("Open error shows the password: %v", err)
		}
	}
}

func TestMigrations(t *testing.T) {
	t.Parallel()
	dsn := newSchema(t)
	ctx := t.Context()
	for range 2 { // the second open finds nothing to do
		s, err := postgres.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, _ := conn.Query(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
	versions, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		t.Fatal(err)
	}
	if len(versions) == 0 || versions[0] != 1 {
		t.Fatalf("schema_migrations holds %v; want versions from 1", versions)
	}
	for i := 1; i < len(versions); i++ {
		if versions[i] != versions[i-1]+1 {
			t.Errorf("schema_migrations holds %v; want each version once, in order", versions)
		}
	}

	// A newer socpilot migrated this database: an older one must refuse it
	// rather than write into a schema it does not know.
	if _, err := conn.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES (9999, 'future')`); err != nil {
		t.Fatal(err)
	}
	_, err = postgres.Open(ctx, dsn)
	if got := socpilot.ErrorCode(err); got != socpilot.EConfig {
		t.Errorf("Open of a newer schema: %v (code %s); want code %s", err, got, socpilot.EConfig)
	}
}

// TestSearchIndexDropped: a database that ran the search migration (0002)
// loses its search index on the next Open, and keeps its turns.
func TestSearchIndexDropped(t *testing.T) {
	t.Parallel()
	dsn := newSchema(t)
	ctx := t.Context()
	s, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateConversation(ctx, socpilot.Conversation{ID: "old", Turns: []socpilot.Turn{{Role: "user", Content: "beacon"}}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// Rebuild the schema as a socpilot with the search migration left it.
	for _, stmt := range []string{`DELETE FROM schema_migrations WHERE version > 2`,
		`CREATE INDEX turns_search ON turns USING GIN (to_tsvector('simple', content))`} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	if s, err = postgres.Open(ctx, dsn); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'turns_search'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Error("the turns_search index is still there after the migrations")
	}
	c, err := s.Conversation(ctx, "old")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Turns) != 1 {
		t.Errorf("conversation old has %d turns after the migrations; want 1", len(c.Turns))
	}
}

func BenchmarkAppendTurns(b *testing.B) {
	storetest.BenchAppendTurns(b, open(b))
}

func ExampleOpen() {
	ctx := context.Background()
	s, err := postgres.Open(ctx, "postgres://socpilot@db.internal:5432/socpilot?sslmode=verify-full")
	if err != nil {
		fmt.Println(socpilot.ErrorCode(err))
		return
	}
	defer s.Close()
}
