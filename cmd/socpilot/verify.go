package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/config"
	"github.com/socpilot/socpilot/kql/logs"
)

// verifyTimeout bounds each `| take 0` run: a query that needs longer to
// compile than this is one an analyst will not wait for either.
const verifyTimeout = 20 * time.Second

// verifyQueries runs every query as `| take 0` on the workspace through
// Log Analytics and records the service's verdict on it.
func (a *app) verifyQueries(ctx context.Context, res *socpilot.Analysis) error {
	cfg, err := a.config(ctx)
	if err != nil {
		return err
	}
	if cfg.Demo() {
		a.notice("--verify-kql: the demo workspace has no Log Analytics data; queries are validated against the schema but not run")
		return nil
	}
	if cfg.WorkspaceID == "" {
		return socpilot.Errorf(socpilot.EConfig, "--verify-kql needs the Log Analytics workspace id (the GUID on the workspace's overview page): set SOCPILOT_WORKSPACE_ID")
	}
	cred, err := a.credentialFor(cfg, cfg.LogsEndpoint)
	if err != nil {
		return err
	}
	cloudCfg, err := config.CloudConfig(cfg.Cloud)
	if err != nil {
		return err
	}
	lc, err := logs.New(cfg.WorkspaceID, cred, logs.Options{Cloud: cloudCfg, Endpoint: cfg.LogsEndpoint})
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	for i := range res.Queries {
		wg.Add(1)
		go func(q *socpilot.HuntingQuery) {
			defer wg.Done()
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
		}(&res.Queries[i])
	}
	wg.Wait()
	for _, q := range res.Queries {
		if q.Status != socpilot.QueryVerified {
			res.Findings = append(res.Findings, socpilot.Finding{Kind: "unverified-query",
				Text: fmt.Sprintf("query %q passed the validator but the workspace did not accept it; see its notes", q.Title)})
		}
	}
	return nil
}
