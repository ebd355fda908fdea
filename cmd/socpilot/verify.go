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

// queryVerifier is the Log Analytics client `analyze --verify-kql` runs
// queries with, or nil on the demo workspace, which has no data. It is
// resolved before the analysis, so a missing workspace id is reported
// before any model call is paid for.
func (a *app) queryVerifier(ctx context.Context) (*logs.Client, error) {
	cfg, err := a.config(ctx)
	if err != nil {
		return nil, err
	}
	if cfg.Demo() {
		a.notice("--verify-kql: the demo workspace has no Log Analytics data; queries are validated against the schema but not run")
		return nil, nil
	}
	if cfg.WorkspaceID == "" {
		return nil, socpilot.Errorf(socpilot.EConfig, "--verify-kql needs the Log Analytics workspace id (the GUID on the workspace's overview page): set SOCPILOT_WORKSPACE_ID")
	}
	return a.logsClient(cfg, cfg.WorkspaceID, cfg.LogsEndpoint)
}

// logsClient is a Log Analytics query client for the workspace with this
// id, at endpoint ("" for the cloud's).
func (a *app) logsClient(cfg *config.Config, workspaceID, endpoint string) (*logs.Client, error) {
	cred, err := a.credentialFor(cfg, endpoint)
	if err != nil {
		return nil, err
	}
	cloudCfg, err := config.CloudConfig(cfg.Cloud)
	if err != nil {
		return nil, err
	}
	return logs.New(workspaceID, cred, logs.Options{Endpoint: endpoint, Cloud: cloudCfg})
}

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
