// Package sqlite is socpilot's embedded Store: one SQLite file in the state
// directory holding conversations, the audit trail of model calls, the
// write-back journal and the analysis cache.
//
// The database runs in WAL mode so readers never wait for the writer. Writes
// go through a pool of one connection whose transactions begin IMMEDIATE:
// SQLite allows one writer at a time anyway, and taking the write lock up
// front means a transaction that read first never fails with SQLITE_BUSY
// when it tries to write; other processes wait on busy_timeout.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/internal/sqlstore"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Store is a socpilot.Store over one SQLite file. It is safe for concurrent use.
type Store struct {
	w *sql.DB // one connection, IMMEDIATE transactions: the only writer
	r *sql.DB // several read-only connections

	closeOnce sync.Once
	closeErr  error
}

var _ socpilot.Store = (*Store)(nil)

// busyTimeout is how long a statement waits for another process's write lock
// before failing with SQLITE_BUSY.
const busyTimeout = 10 * time.Second

// readConns bounds the read pool; WAL readers do not block each other.
const readConns = 4

// Open opens the store at path, creating the file and its parent directory
// when missing, and brings its schema up to date.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, socpilot.Errorf(socpilot.EConfig, "the SQLite store needs a file path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("open sqlite store: create directory: %w", err)
	}
	// The store holds conversations about incidents: create it readable by
	// its owner only. SQLite gives its -wal and -shm files the database
	// file's permissions.
	if f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600); err != nil {
		return nil, fmt.Errorf("open sqlite store %s: %w", abs, err)
	} else {
		f.Close()
	}
	// synchronous=NORMAL is the documented pairing with WAL: a power loss may
	// drop the last commits but never corrupts the file.
	common := "_busy_timeout=" + strconv.FormatInt(busyTimeout.Milliseconds(), 10) + "&_foreign_keys=1&_synchronous=NORMAL"
	w, err := sql.Open("sqlite", fileURI(abs, common+"&_journal_mode=WAL&_txlock=immediate"))
	if err != nil {
		return nil, fmt.Errorf("open sqlite store %s: %w", abs, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	s := &Store{w: w}
	if err := s.migrate(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite store %s: %w", abs, err)
	}
	// The read pool is opened after the writer has switched the file to WAL
	// (journal_mode is persistent), so it needs no journal setting of its own.
	r, err := sql.Open("sqlite", fileURI(abs, common+"&_query_only=1"))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite store %s: %w", abs, err)
	}
	r.SetMaxOpenConns(readConns)
	r.SetMaxIdleConns(readConns)
	if err := r.PingContext(ctx); err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("open sqlite store %s: %w", abs, err)
	}
	s.r = r
	return s, nil
}

// fileURI builds a file: URI so a path holding '?' or '#' stays a path.
func fileURI(abs, query string) string {
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // Windows drive letter: file:///C:/...
	}
	u := url.URL{Scheme: "file", Path: p, RawQuery: query}
	return u.String()
}

// Close closes the store; later calls return the first result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		var errs []error
		if s.r != nil {
			errs = append(errs, s.r.Close())
		}
		errs = append(errs, s.w.Close())
		if err := errors.Join(errs...); err != nil {
			s.closeErr = fmt.Errorf("close sqlite store: %w", err)
		}
	})
	return s.closeErr
}

// migrate applies the pending migrations in one IMMEDIATE transaction, so
// two processes opening the same file at once apply them exactly once.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := sqlstore.LoadMigrations(migrationFS, "migrations")
	if err != nil {
		return fmt.Errorf("load migrations: %w", err)
	}
	return s.apply(ctx, ms)
}

// apply brings the schema to the last of ms (sorted by version).
func (s *Store) apply(ctx context.Context, ms []sqlstore.Migration) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name    TEXT NOT NULL,
		applied TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	var current int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("migrate: read schema version: %w", err)
	}
	pending, err := sqlstore.Pending(ms, current)
	if err != nil {
		return err
	}
	for _, m := range pending {
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("migrate: apply %s: %w", m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, ?)`,
			m.Version, m.Name, fmtTime(time.Now())); err != nil {
			return fmt.Errorf("migrate: record %s: %w", m.Name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: commit: %w", err)
	}
	return nil
}

// timeLayout is RFC 3339 with a fixed six-digit fraction: unlike
// time.RFC3339Nano it sorts correctly as text, and keeps the microseconds
// sqlstore.NormTime leaves, so both stores return the same times.
const timeLayout = "2006-01-02T15:04:05.000000Z07:00"

func fmtTime(t time.Time) string { return sqlstore.NormTime(t).Format(timeLayout) }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s, err)
	}
	return t.UTC(), nil
}
