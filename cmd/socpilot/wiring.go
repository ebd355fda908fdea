package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/analysis"
	"github.com/socpilot/socpilot/config"
	"github.com/socpilot/socpilot/llm"
	"github.com/socpilot/socpilot/offline"
	"github.com/socpilot/socpilot/postgres"
	"github.com/socpilot/socpilot/redact"
	"github.com/socpilot/socpilot/sentinel"
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
	estate, err := a.ownEstate(ctx)
	if err != nil {
		return nil, err
	}
	checker := a.queryChecker()
	an := &analysis.Analyzer{
		Facts:   offline.New(offline.Options{HasTable: checker.HasTable, Estate: estate}),
		Estate:  estate,
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

// ownEstate is what the organisation owns: the own_networks, own_domains
// and own_organisations settings, merged with the own_watchlist's items.
// The watchlist is read once per run, and only by the commands that
// analyse; a failure to read it stops the command, since going on without
// it could propose to block the organisation's own addresses.
func (a *app) ownEstate(ctx context.Context) (socpilot.Estate, error) {
	if a.estate != nil {
		return *a.estate, nil
	}
	cfg, err := a.config(ctx)
	if err != nil {
		return socpilot.Estate{}, err
	}
	est := cfg.Estate
	if cfg.OwnWatchlist != "" {
		wl, err := a.watchlistEstate(ctx, cfg)
		if err != nil {
			return socpilot.Estate{}, err
		}
		if len(wl.ignored) > 0 {
			a.noticeOnce("watchlist-ignored", "watchlist %q: ignored %d value(s) that are neither a network nor a domain of the organisation: %s",
				cfg.OwnWatchlist, len(wl.ignored), firstFew(wl.ignored, 3))
		}
		est = est.Merge(wl.estate)
	}
	a.estate = &est
	return est, nil
}

// watchlistRead is what the own_watchlist gave.
type watchlistRead struct {
	estate  socpilot.Estate
	items   int
	ignored []string
}

// watchlistEstate reads the own_watchlist's items. Its error names the
// watchlist, where the setting came from, and what to do.
func (a *app) watchlistEstate(ctx context.Context, cfg *config.Config) (watchlistRead, error) {
	ws, err := a.workspace(ctx)
	if err != nil {
		return watchlistRead{}, err
	}
	items, err := ws.WatchlistItems(ctx, cfg.OwnWatchlist)
	if err != nil {
		src := settingSource(cfg, "own-watchlist")
		return watchlistRead{}, socpilot.Errorf(socpilot.ErrorCode(err),
			"cannot read the organisation's estate from watchlist %q (set by %s): %s; or unset %s to analyse without it",
			cfg.OwnWatchlist, src, err.Error(), src)
	}
	est, ignored := sentinel.EstateFromWatchlist(items)
	return watchlistRead{estate: est, items: len(items), ignored: ignored}, nil
}

// settingSource names where a setting came from as the user set it:
// "--own-watchlist", "SOCPILOT_OWN_WATCHLIST" or "own_watchlist in /path/socpilot.yaml".
func settingSource(cfg *config.Config, key string) string {
	o := cfg.Origin(key)
	kind, rest, _ := strings.Cut(o, ":")
	switch kind {
	case "flag", "env":
		return rest
	case "file":
		return strings.ReplaceAll(key, "-", "_") + " in " + rest
	}
	return o
}

func firstFew(xs []string, n int) string {
	if len(xs) <= n {
		return strings.Join(xs, ", ")
	}
	return strings.Join(xs[:n], ", ") + fmt.Sprintf(" and %d more", len(xs)-n)
}
