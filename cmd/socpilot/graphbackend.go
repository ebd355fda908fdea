package main

import (
	"context"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/config"
)

// graph opens the Graph backend. Until the graph package lands this says so.
func (f *factory) graph(ctx context.Context, cfg *config.Config) (incidentBackend, error) {
	return nil, socpilot.Errorf(socpilot.EConfig, "the graph backend is not available in this build")
}
