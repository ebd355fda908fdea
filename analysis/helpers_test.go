package analysis_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/analysis"
	"github.com/socpilot/socpilot/emulator"
	"github.com/socpilot/socpilot/kql/gate"
	"github.com/socpilot/socpilot/llm"
	"github.com/socpilot/socpilot/llm/llmtest"
	"github.com/socpilot/socpilot/offline"
	"github.com/socpilot/socpilot/sentinel"
	"github.com/socpilot/socpilot/sentinel/sentineltest"
)

// workspace is an in-process demo workspace with a Sentinel client on it.
func workspace(t testing.TB, ds *emulator.Dataset) *sentinel.Client {
	t.Helper()
	c, _ := sentineltest.New(t, emulator.Options{Dataset: ds})
	return c
}

func fixture(t testing.TB) *emulator.Dataset {
	t.Helper()
	ds, err := emulator.LoadDataset(os.DirFS("../emulator/testdata/fixture"))
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func details(t testing.TB, c *sentinel.Client, n int) socpilot.IncidentDetails {
	t.Helper()
	d, err := c.Details(context.Background(), n)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// analyzer wires the pipeline as the CLI does, with a replaying model.
func analyzer(t testing.TB, srv *llmtest.Server) *analysis.Analyzer {
	t.Helper()
	g := gate.New(nil)
	an := &analysis.Analyzer{
		Facts:   offline.New(offline.Options{HasTable: g.HasTable}),
		Queries: g,
		Schema:  llm.SchemaFor,
		Now:     func() time.Time { return emulator.DatasetAnchor },
	}
	if srv != nil {
		cfg := srv.Config(llm.ProviderCompatible)
		cfg.Timeout = 2 * time.Second
		m, err := llm.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		an.Model = m
	}
	return an
}
