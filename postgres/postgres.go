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
	"embed"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/internal/sqlstore"
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

// migrate applies pending migrations in one transaction. The advisory lock,
// keyed by the target schema, makes a second replica wait and then find
// nothing left to do; without it both would race on CREATE TABLE (even IF
// NOT EXISTS fails on the catalog's unique index when two run at once).
func (s *Store) migrate(ctx context.Context) error {
	ms, err := sqlstore.LoadMigrations(migrationFS, "migrations")
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
	pending, err := sqlstore.Pending(ms, current)
	if err != nil {
		return err
	}
	for _, m := range pending {
		// No arguments: pgx sends it over the simple protocol, which runs a
		// script of several statements.
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return fmt.Errorf("migrate: apply %s: %w", m.Name, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
			return fmt.Errorf("migrate: record %s: %w", m.Name, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("migrate: commit: %w", err)
	}
	return nil
}

func isNoRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }
