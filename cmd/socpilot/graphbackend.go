package main

import (
	"context"
	"path/filepath"

	"github.com/socpilot/socpilot/config"
	"github.com/socpilot/socpilot/emulator"
	"github.com/socpilot/socpilot/graph"
)

// graph opens the Graph backend: the Defender portal's unified incidents
// of the signed-in tenant, or, with no tenant, Graph endpoint or workspace
// configured, the demo workspace's incidents through the emulator's Graph.
func (f *factory) graph(ctx context.Context, cfg *config.Config) (incidentBackend, error) {
	if f.graphClient != nil {
		return f.graphClient, nil
	}
	var c *graph.Client
	var err error
	if cfg.GraphDemo() {
		srv, err := f.demoServer(cfg)
		if err != nil {
			return nil, err
		}
		f.noticeOnce("demo", "no tenant configured: using the built-in demo workspace's incidents through its Microsoft Graph (state in %s; `socpilot demo reset` restores it)", filepath.Join(cfg.StateDir, "demo"))
		c, err = graph.New(emulator.Credential{}, graph.Options{Endpoint: "http://127.0.0.1", Transport: srv.HTTPClient()})
		if err != nil {
			return nil, err
		}
	} else {
		cred, err := f.credentialFor(cfg, cfg.GraphEndpoint)
		if err != nil {
			return nil, err
		}
		c, err = graph.New(cred, graph.Options{Cloud: cfg.Cloud, Endpoint: cfg.GraphEndpoint})
		if err != nil {
			return nil, err
		}
	}
	f.graphClient = c
	return c, err
}
