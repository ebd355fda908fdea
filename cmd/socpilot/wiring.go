package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/analysis"
	"github.com/socpilot/socpilot/config"
	"github.com/socpilot/socpilot/llm"
	"github.com/socpilot/socpilot/offline"
	"github.com/socpilot/socpilot/postgres"
	"github.com/socpilot/socpilot/redact"
	"github.com/socpilot/socpilot/sqlite"
)

// store opens the local store once: PostgreSQL when SOCPILOT_STORE names
// one, else SQLite in the state directory.
func (a *app) store(ctx context.Context) (socpilot.Store, error) {
	if a.st != nil {
		return a.st, nil
	}
	cfg, err := a.config(ctx)
	if err != nil {
		return nil, err
	}
	var st socpilot.Store
	if cfg.Store != "" {
		st, err = postgres.Open(ctx, cfg.Store)
	} else {
		st, err = sqlite.Open(ctx, filepath.Join(cfg.StateDir, "socpilot.db"))
	}
	if err != nil {
		return nil, fmt.Errorf("open the store: %w", err)
	}
	a.st = st
	return st, nil
}

// model returns the configured chat model, or nil (offline) when none is
// configured or offline is forced; it says which once on stderr.
func (a *app) model(ctx context.Context, offlineOnly bool) (socpilot.Model, error) {
	cfg, err := a.config(ctx)
	if err != nil {
		return nil, err
	}
	if offlineOnly {
		return nil, nil
	}
	if !cfg.LLMConfigured() {
		a.noticeOnce("model", "no model configured (SOCPILOT_LLM_*): using the offline analyst")
		return nil, nil
	}
	lc := llm.Config{Provider: cfg.LLM.Provider, Endpoint: cfg.LLM.Endpoint, APIKey: cfg.LLM.APIKey, Model: cfg.LLM.Model,
		APIVersion: cfg.LLM.APIVersion, Timeout: cfg.LLM.Timeout,
		PromptPricePer1M: cfg.LLM.PromptPricePer1M, CompletionPricePer1M: cfg.LLM.CompletionPricePer1M}
	if lc.Provider == llm.ProviderAzure && lc.APIKey == "" {
		cred, err := a.credential(cfg)
		if err != nil {
			return nil, err
		}
		lc.Credential = cred
	}
	m, err := llm.New(lc)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// analyzer wires the analysis pipeline.
func (a *app) analyzer(ctx context.Context, offlineOnly bool) (*analysis.Analyzer, error) {
	cfg, err := a.config(ctx)
	if err != nil {
		return nil, err
	}
	m, err := a.model(ctx, offlineOnly)
	if err != nil {
		return nil, err
	}
	checker := a.queryChecker()
	an := &analysis.Analyzer{
		Facts:   offline.New(offline.Options{HasTable: checker.HasTable}),
		Schema:  llm.SchemaFor,
		Model:   m,
		Queries: checker,
		Log:     a.logger(),
	}
	if m != nil {
		st, err := a.store(ctx)
		if err != nil {
			return nil, err
		}
		an.Audit = st
		if c, ok := st.(analysis.Cache); ok {
			an.Cache = c
		}
		if cfg.RedactEnabled() {
			key, err := redact.LoadOrCreateKey(cfg.StateDir)
			if err != nil {
				return nil, fmt.Errorf("load the pseudonymisation key: %w", err)
			}
			an.Redact = redact.New(key)
			a.noticeOnce("redact", "pseudonymising entity values before they reach the model (--redact=false to send them as they are)")
		}
	}
	return an, nil
}

// redactFlag adds --redact to a command that may call the model. It is the
// redact setting given as a flag: the configuration checks it with the
// other settings, before any I/O, and applies it over SOCPILOT_REDACT and
// the file.
func (a *app) redactFlag(c *cobra.Command) {
	c.Flags().StringVar(&a.redact, "redact", "", "pseudonymise entity values sent to the model: true or false (default: on for openai and compatible, off for azure)")
	c.Flags().Lookup("redact").NoOptDefVal = "true"
	a.flagValues["redact"] = &a.redact
}

func (a *app) noticeOnce(key, format string, args ...any) {
	if a.said == nil {
		a.said = map[string]bool{}
	}
	if !a.said[key] {
		a.said[key] = true
		a.notice(format, args...)
	}
}

// modelCheck is doctor's check of the configured model: it must answer.
func (a *app) modelCheck(ctx context.Context, cfg *config.Config) check {
	c := check{name: "model"}
	if !cfg.LLMConfigured() {
		c.ok, c.detail = true, "no model configured: the offline analyst is used (set SOCPILOT_LLM_PROVIDER, _ENDPOINT, _MODEL, _API_KEY to add one)"
		return c
	}
	m, err := a.model(ctx, false)
	if err != nil {
		c.detail, c.fix = oneLine(err), "correct the SOCPILOT_LLM_* setting named above"
		return c
	}
	client, ok := m.(*llm.Client)
	if !ok {
		c.ok, c.detail = true, m.Name()
		return c
	}
	if err := client.Ping(ctx); err != nil {
		c.detail, c.fix = oneLine(err), "check SOCPILOT_LLM_ENDPOINT, SOCPILOT_LLM_MODEL and SOCPILOT_LLM_API_KEY"
		return c
	}
	c.ok, c.detail = true, m.Name()+" answers"
	return c
}
