package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

// RiverClient opens the service's job queue (River) in this database,
// bringing River's tables up to date first. Replicas starting together
// migrate one at a time, under a transaction-scoped advisory lock.
func (s *Store) RiverClient(ctx context.Context, cfg *river.Config) (*river.Client[pgx.Tx], riverdriver.Executor, error) {
	drv := riverpgxv5.New(s.pool)
	m, err := rivermigrate.New(drv, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("migrate the job queue: %w", err)
	}
	// Each River migration runs in its own transaction (one adds an enum
	// value the next uses, which PostgreSQL refuses within one), so the
	// replicas' turns are taken with a session advisory lock on a
	// connection of its own.
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("migrate the job queue: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(hashtext('socpilot river migrate'))"); err != nil {
		return nil, nil, fmt.Errorf("migrate the job queue: %w", err)
	}
	_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if _, uerr := conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(hashtext('socpilot river migrate'))"); uerr != nil && err == nil {
		err = uerr
	}
	if err != nil {
		return nil, nil, fmt.Errorf("migrate the job queue: %w", err)
	}
	c, err := river.NewClient(drv, cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("start the job queue: %w", err)
	}
	return c, drv.GetExecutor(), nil
}
