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
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtext('socpilot river migrate'))"); err != nil {
			return err
		}
		_, err := m.MigrateTx(ctx, tx, rivermigrate.DirectionUp, nil)
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("migrate the job queue: %w", err)
	}
	c, err := river.NewClient(drv, cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("start the job queue: %w", err)
	}
	return c, drv.GetExecutor(), nil
}
