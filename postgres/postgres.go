// Package postgres is socpilot's Store for several replicas sharing one
// PostgreSQL database: conversations, the audit trail of model calls, the
// write-back journal and the analysis cache, in the same shape as the
// embedded SQLite store.
//
// Tables live in the first schema of the connection's search_path, so one
// database can hold several independent stores (the tests use that).
package postgres

import (
	"context"
	"crypto/rand"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/socpilot/socpilot"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Store is a socpilot.Store over a PostgreSQL connection pool. It is safe
// for concurrent use, and several processes may share one database.
type Store struct {
	pool *pgxpool.Pool
}

var _ socpilot.Store = (*Store)(nil)

// Open connects to the database at url (postgres://user@host:5432/db?...)
// and brings its schema up to date. Replicas starting together are safe:
// migrations run under a transaction-scoped advisory lock.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx masks the password in its parse errors; url itself is never printed.
		return nil, socpilot.Errorf(socpilot.EConfig, "the PostgreSQL store URL is not valid: %v", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, &socpilot.Error{Code: socpilot.EUnavailable,
			Message: fmt.Sprintf("cannot reach the PostgreSQL store at %s:%d; check SOCPILOT_STORE and that the server is up", cfg.ConnConfig.Host, cfg.ConnConfig.Port),
			Err:     err}
	}
	s := &Store{pool: pool}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	return s, nil
}

// Close closes the pool; later calls do nothing.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// migration is one embedded schema change, applied once, in version order.
type migration struct {
	version int
	name    string
	sql     string
}

func loadMigrations() ([]migration, error) {
	ents, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range ents {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a positive version number and '_'", e.Name())
		}
		b, err := migrationFS.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s share version %d", ms[i-1].name, ms[i].name, ms[i].version)
		}
	}
	return ms, nil
}

// migrate applies pending migrations in one transaction. The advisory lock,
// keyed by the target schema, makes a second replica wait and then find
// nothing left to do; without it both would race on CREATE TABLE (even IF
// NOT EXISTS fails on the catalog's unique index when two run at once).
func (s *Store) migrate(ctx context.Context) error {
	ms, err := loadMigrations()
	if err != nil {
		return fmt.Errorf("load migrations: %w", err)
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('socpilot.migrate.' || COALESCE(current_schema(), ''), 0))`); err != nil {
		return fmt.Errorf("migrate: take the migration lock: %w", err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name    TEXT NOT NULL,
		applied TIMESTAMPTZ NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	var current int
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("migrate: read schema version: %w", err)
	}
	if latest := ms[len(ms)-1].version; current > latest {
		return socpilot.Errorf(socpilot.EConfig,
			"the store's schema is at version %d but this socpilot knows only up to %d: upgrade socpilot", current, latest)
	}
	for _, m := range ms {
		if m.version <= current {
			continue
		}
		// No arguments: pgx sends it over the simple protocol, which runs a
		// script of several statements.
		if _, err := tx.Exec(ctx, m.sql); err != nil {
			return fmt.Errorf("migrate: apply %s: %w", m.name, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
			return fmt.Errorf("migrate: record %s: %w", m.name, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("migrate: commit: %w", err)
	}
	return nil
}

// normTime is t in UTC to the microsecond, PostgreSQL's resolution, so what
// a method returns equals what a later read returns.
func normTime(t time.Time) time.Time {
	return t.UTC().Truncate(time.Microsecond)
}

func now() time.Time { return normTime(time.Now()) }

// idAlphabet is lower-case base32: ids are easy to type.
const idAlphabet = "abcdefghijklmnopqrstuvwxyz234567"

// newID returns a random 12-character conversation id (60 bits).
func newID() string {
	var b [12]byte
	rand.Read(b[:]) // never fails (crypto/rand since Go 1.24)
	for i := range b {
		b[i] = idAlphabet[b[i]&31]
	}
	return string(b[:])
}

func isNoRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }
