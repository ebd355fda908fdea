// Package pgtest gives tests a PostgreSQL schema of their own on the
// server CI runs (SOCPILOT_TEST_POSTGRES), skipping when there is none.
package pgtest

import (
	"context"
	"crypto/rand"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// defaultDSN is the server CI runs (trust auth). SOCPILOT_TEST_POSTGRES
// overrides it, and makes an unreachable server a failure rather than a skip.
const defaultDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

var (
	probeOnce sync.Once
	probeErr  error
)

// ServerDSN returns the DSN of a reachable server, or skips (fails when
// SOCPILOT_TEST_POSTGRES asked for one).
func ServerDSN(tb testing.TB) string {
	tb.Helper()
	dsn, explicit := os.LookupEnv("SOCPILOT_TEST_POSTGRES")
	if !explicit || dsn == "" {
		dsn, explicit = defaultDSN, false
	}
	probeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			probeErr = err
			return
		}
		probeErr = conn.Ping(ctx)
		conn.Close(ctx)
	})
	if probeErr != nil {
		if explicit {
			tb.Fatalf("SOCPILOT_TEST_POSTGRES is set but the server cannot be reached: %v", probeErr)
		}
		tb.Skipf("no PostgreSQL at %s (%v): set SOCPILOT_TEST_POSTGRES to a DSN to run these tests", defaultDSN, probeErr)
	}
	return dsn
}

// NewSchema creates a schema of its own for one test, dropped at cleanup,
// and returns a DSN whose search_path points at it: parallel runs and
// re-runs never see each other's tables.
func NewSchema(tb testing.TB) string {
	tb.Helper()
	dsn := ServerDSN(tb)
	schema := "socpilot_test_" + strings.ToLower(rand.Text()[:12])
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return WithSearchPath(tb, dsn, schema)
}

// WithSearchPath adds search_path to a URL or key=value DSN; pgx sends
// parameters it does not know as run-time parameters of every connection.
func WithSearchPath(tb testing.TB, dsn, schema string) string {
	if !strings.Contains(dsn, "://") {
		return dsn + " search_path=" + schema
	}
	u, err := url.Parse(dsn)
	if err != nil {
		tb.Fatalf("parse DSN: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
