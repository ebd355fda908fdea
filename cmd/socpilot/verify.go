package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/kql/logs"
)

// verifyTimeout bounds each `| take 0` run: a query that needs longer to
// compile than this is one an analyst will not wait for either.
const verifyTimeout = 20 * time.Second

// verifyQueries runs every query as `| take 0` on the workspace through
// Log Analytics and records the service's verdict on it.
func verifyQueries(ctx context.Context, lc *logs.Client, res *socpilot.Analysis) {
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
				q.Notes = append(q.Notes, "the workspace rejected it: "+oneLine(err))
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
