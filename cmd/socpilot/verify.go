package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/config"
	"github.com/socpilot/socpilot/graph"
	"github.com/socpilot/socpilot/kql/logs"
)

// verifyTimeout bounds each `| take 0` run: a query that needs longer to
// compile than this is one an analyst will not wait for either.
const verifyTimeout = 20 * time.Second

// verifyQueries runs every query as `| take 0` on the workspace through
// Log Analytics and records the service's verdict on it.
func verifyQueries(ctx context.Context, lc queryVerifier, res *socpilot.Analysis) {
	var wg sync.WaitGroup
	for i := range res.Queries {
		q := &res.Queries[i]
		wg.Go(func() {
			err := lc.Verify(ctx, q.Query, verifyTimeout)
			var qe *logs.QueryError
			switch {
			case err == nil:
				q.Status = socpilot.QueryVerified
			case errors.As(err, &qe) && qe.Partial:
				q.Status = socpilot.QueryVerified
				q.Notes = append(q.Notes, "the service returned a partial result: "+qe.Error())
			default:
				q.Notes = append(q.Notes, "the service rejected it: "+oneLine(err))
			}
		})
	}
	wg.Wait()
	for _, q := range res.Queries {
		if q.Status != socpilot.QueryVerified {
			res.Findings = append(res.Findings, socpilot.Finding{Kind: "unverified-query",
				Text: fmt.Sprintf("query %q passed the validator but the workspace did not accept it; see its notes", q.Title)})
		}
	}
}

// queryVerifier runs a query as `| take 0` where the incidents live: Log
// Analytics for a workspace (*logs.Client), advanced hunting for Graph.
type queryVerifier interface {
	Verify(ctx context.Context, query string, timeout time.Duration) error
}

// huntingTimespan bounds a verification run through Graph: runHuntingQuery
// would otherwise scan its default 30 days.
const huntingTimespan = "P1D"

// graphVerifier verifies through Graph's runHuntingQuery.
type graphVerifier struct{ c *graph.Client }

func (g graphVerifier) Verify(ctx context.Context, query string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// On its own line so that a // comment ending the query does not swallow it.
	_, err := g.c.RunHuntingQuery(ctx, strings.TrimRight(query, " \t\r\n;")+"\n| take 0", huntingTimespan)
	return err
}

// verifier is where --verify-kql runs queries: advanced hunting on the
// Graph backend, the workspace's Log Analytics otherwise.
func (f *factory) verifier(ctx context.Context) (queryVerifier, error) {
	cfg, err := f.config(ctx)
	if err != nil {
		return nil, err
	}
	if cfg.Backend == config.BackendGraph {
		b, err := f.graph(ctx, cfg)
		if err != nil {
			return nil, err
		}
		return graphVerifier{b.(*graph.Client)}, nil
	}
	return f.queryVerifier(ctx)
}
