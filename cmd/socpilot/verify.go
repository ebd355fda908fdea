package main

import (
	"context"
	"encoding/json"
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
	lc, err := f.queryVerifier(ctx)
	if err != nil {
		return nil, err
	}
	return logsRunner{lc}, nil
}

// maxResultRows caps what --run-kql fetches of each query.
const maxResultRows = 20

// queryRunner runs a query and returns its first rows.
type queryRunner interface {
	Run(ctx context.Context, query string, maxRows int, timeout time.Duration) (*socpilot.QueryResults, error)
}

// capped appends "| take N+1" on its own line, so a fetch of N+1 rows
// tells whether there were more than N.
func capped(query string, maxRows int) string {
	return strings.TrimRight(query, " \t\r\n;") + fmt.Sprintf("\n| take %d", maxRows+1)
}

func (g graphVerifier) Run(ctx context.Context, query string, maxRows int, timeout time.Duration) (*socpilot.QueryResults, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res, err := g.c.RunHuntingQuery(ctx, capped(query, maxRows), "P7D")
	if err != nil {
		return nil, err
	}
	out := &socpilot.QueryResults{}
	for _, c := range res.Schema {
		out.Columns = append(out.Columns, c.Name)
	}
	for _, r := range res.Results {
		row := make([]string, len(out.Columns))
		for i, c := range out.Columns {
			row[i] = cellText(r[c])
		}
		out.Rows = append(out.Rows, row)
	}
	return trimResults(out, maxRows), nil
}

// logsRunner runs queries on the workspace's Log Analytics.
type logsRunner struct{ c *logs.Client }

func (l logsRunner) Verify(ctx context.Context, query string, timeout time.Duration) error {
	return l.c.Verify(ctx, query, timeout)
}

func (l logsRunner) Run(ctx context.Context, query string, maxRows int, timeout time.Duration) (*socpilot.QueryResults, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res, err := l.c.Query(ctx, capped(query, maxRows), 7*24*time.Hour)
	if err != nil {
		return nil, err
	}
	out := &socpilot.QueryResults{}
	for _, c := range res.Columns {
		out.Columns = append(out.Columns, c.Name)
	}
	for _, r := range res.Rows {
		row := make([]string, len(r))
		for i, v := range r {
			row[i] = cellText(v)
		}
		out.Rows = append(out.Rows, row)
	}
	return trimResults(out, maxRows), nil
}

func trimResults(r *socpilot.QueryResults, maxRows int) *socpilot.QueryResults {
	if len(r.Rows) > maxRows {
		r.Rows, r.Capped = r.Rows[:maxRows], true
	}
	return r
}

// cellText is one cell as text, cut so one wide value cannot flood the report.
func cellText(v any) string {
	var s string
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		s = x
	default:
		b, err := json.Marshal(x)
		if err != nil {
			s = fmt.Sprint(x)
		} else {
			s = string(b)
		}
	}
	if r := []rune(s); len(r) > 200 {
		s = string(r[:199]) + "…"
	}
	return s
}

// runQueries runs each validated query with a row cap and attaches what it
// returned; a query the service refuses keeps the reason in its notes.
func runQueries(ctx context.Context, r queryRunner, res *socpilot.Analysis) {
	var wg sync.WaitGroup
	for i := range res.Queries {
		q := &res.Queries[i]
		wg.Go(func() {
			out, err := r.Run(ctx, q.Query, maxResultRows, verifyTimeout)
			if err != nil {
				q.Notes = append(q.Notes, "running it failed: "+oneLine(err))
				return
			}
			q.Results = out
		})
	}
	wg.Wait()
}
