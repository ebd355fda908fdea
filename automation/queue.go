package automation

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/socpilot/socpilot"
)

// Backend is where the jobs live: the store's own database, so a job and
// the write journal share one durability story. Exactly one is set.
type Backend struct {
	// SQLite is the embedded store's database. River's SQLite driver wants
	// a pool of one connection, which is what the store's writer is.
	SQLite *sql.DB
	// Postgres opens River on the shared store of several replicas
	// (postgres.Store.RiverClient, which owns the pgx dependency).
	Postgres func(ctx context.Context, cfg *river.Config) (Queue, riverdriver.Executor, error)
}

// Queue is what socpilot uses of a River client, whatever its driver's
// transaction type: River's client is generic over it, socpilot is not.
type Queue interface {
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	JobList(ctx context.Context, params *river.JobListParams) (*river.JobListResult, error)
	JobRetry(ctx context.Context, id int64) (*rivertype.JobRow, error)
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
}

// riverClient builds a River client on b after bringing River's schema up
// to date, and returns the driver's executor for the few queries River's
// client has no method for (counts, rescue of a dead process's jobs).
func riverClient(ctx context.Context, b Backend, cfg *river.Config) (Queue, riverdriver.Executor, error) {
	switch {
	case b.Postgres != nil:
		return b.Postgres(ctx, cfg)
	case b.SQLite != nil:
		drv := riversqlite.New(b.SQLite)
		m, err := rivermigrate.New(drv, nil)
		if err != nil {
			return nil, nil, fmt.Errorf("migrate the job queue: %w", err)
		}
		// Each migration in its own transaction, as River asks; the
		// store's connection begins them IMMEDIATE, one writer at a time.
		if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
			return nil, nil, fmt.Errorf("migrate the job queue: %w", err)
		}
		c, err := river.NewClient(drv, cfg)
		if err != nil {
			return nil, nil, fmt.Errorf("start the job queue: %w", err)
		}
		return c, drv.GetExecutor(), nil
	}
	return nil, nil, socpilot.Errorf(socpilot.EConfig, "no store for the job queue")
}

// rescueOrphans makes jobs left running by a process that died available
// again at once. Only for a store one process owns (SQLite, under the
// state directory's lock): on a shared store another replica may be
// working them, and River's rescuer handles those after RescueAfter.
func rescueOrphans(ctx context.Context, ex riverdriver.Executor, now time.Time) (int, error) {
	stuck, err := ex.JobGetStuck(ctx, &riverdriver.JobGetStuckParams{Max: 10000, StuckHorizon: now.Add(time.Second)})
	if err != nil || len(stuck) == 0 {
		return 0, err
	}
	p := &riverdriver.JobRescueManyParams{StuckHorizon: now.Add(time.Second)}
	for _, j := range stuck {
		msg, _ := json.Marshal(rivertype.AttemptError{At: now, Attempt: j.Attempt, Error: "the serve process working this job stopped (restart): retried"})
		p.ID = append(p.ID, j.ID)
		p.Error = append(p.Error, msg)
		p.FinalizedAt = append(p.FinalizedAt, nil)
		p.ScheduledAt = append(p.ScheduledAt, now)
		p.State = append(p.State, string(rivertype.JobStateAvailable))
	}
	if _, err := ex.JobRescueMany(ctx, p); err != nil {
		return 0, err
	}
	return len(stuck), nil
}
