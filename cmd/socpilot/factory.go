package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/spf13/cobra"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/analysis"
	"github.com/socpilot/socpilot/config"
	"github.com/socpilot/socpilot/emulator"
	"github.com/socpilot/socpilot/graph"
	"github.com/socpilot/socpilot/internal/loopback"
	"github.com/socpilot/socpilot/kql/gate"
	"github.com/socpilot/socpilot/kql/logs"
	"github.com/socpilot/socpilot/llm"
	"github.com/socpilot/socpilot/offline"
	"github.com/socpilot/socpilot/postgres"
	"github.com/socpilot/socpilot/redact"
	"github.com/socpilot/socpilot/sentinel"
	"github.com/socpilot/socpilot/sqlite"
)

// factory builds what commands depend on, lazily and at most once per run:
// the configuration, the Azure credential, the workspace, the store, the
// model and the analysis pipeline. A command never keeps the factory: its
// newXCmd copies the constructors it needs into its options struct (the
// method values f.workspace, f.analyzer, f.store, ...), so its run function
// depends only on its options and a test can give it fakes.
//
// Adding a command (serve, jobs): write xOptions (IO streams, the
// constructors it needs as func fields, its flags), newXCmd(f *factory,
// runF func(context.Context, *xOptions) error) *cobra.Command that fills
// them and calls runF (runX when nil), and runX(ctx, opts) error; register
// it in newRootCmd. Return usagef / *socpilot.Error values: exitCode in
// main.go maps them to the exit status.
type factory struct {
	io     streams
	getenv func(string) string

	configFile string
	flagValues map[string]*string // setting flags given on the command line, by setting name
	redact     string             // --redact of analyze, ask, chat and eval

	cfg         *config.Config
	cred        azcore.TokenCredential // DefaultAzureCredential, shared with config's Key Vault reader
	credCloud   string                 // the cloud cred was built for
	demoSrv     *emulator.Server       // set when the demo workspace is in use
	client      *sentinel.Client
	graphClient *graph.Client
	st          socpilot.Store
	checker     *gate.Gate
	said        map[string]bool
	ownEstates  *socpilot.Estate // the organisation's, read once
}

// newFactory returns a factory over io that reads the environment with getenv.
func newFactory(io streams, getenv func(string) string) *factory {
	io.noColor = getenv("NO_COLOR") != ""
	io.dumbTerm = strings.EqualFold(getenv("TERM"), "dumb")
	return &factory{io: io, getenv: getenv, flagValues: map[string]*string{}}
}

// close closes the store if a command opened it. Its error counts: a
// store that fails to close may not have kept what the command wrote.
func (f *factory) close() error {
	if f.st == nil {
		return nil
	}
	if err := f.st.Close(); err != nil {
		return fmt.Errorf("close the store: %w", err)
	}
	return nil
}

// config loads the configuration once.
func (f *factory) config(ctx context.Context) (*config.Config, error) {
	if f.cfg != nil {
		return f.cfg, nil
	}
	flags := map[string]string{}
	for name, v := range f.flagValues {
		if v != nil && *v != "" {
			flags[name] = *v
		}
	}
	cfg, err := config.Load(ctx, config.Inputs{Flags: flags, Getenv: f.getenv, File: f.configFile, Credential: f.azureCredential})
	if err != nil {
		return nil, err
	}
	f.cfg = cfg
	return cfg, nil
}

// noticeOnce says something on stderr once per run (the demo workspace,
// the offline analyst, pseudonymisation).
func (f *factory) noticeOnce(key, format string, args ...any) {
	if f.said == nil {
		f.said = map[string]bool{}
	}
	if !f.said[key] {
		f.said[key] = true
		f.io.notice(format, args...)
	}
}

// demo opens the demo workspace's emulator on its persisted state, loading
// the configuration for its state directory.
func (f *factory) demo(ctx context.Context) (*emulator.Server, error) {
	cfg, err := f.config(ctx)
	if err != nil {
		return nil, err
	}
	return f.demoServer(cfg)
}

func (f *factory) demoServer(cfg *config.Config) (*emulator.Server, error) {
	if f.demoSrv != nil {
		return f.demoSrv, nil
	}
	srv, err := emulator.New(emulator.Options{StateDir: filepath.Join(cfg.StateDir, "demo")})
	if err != nil {
		return nil, fmt.Errorf("open the demo workspace in %s: %w", filepath.Join(cfg.StateDir, "demo"), err)
	}
	f.demoSrv = srv
	return srv, nil
}

// workspace returns the Sentinel client: the configured workspace, or the
// built-in demo workspace (said once on stderr) when none is configured.
func (f *factory) workspace(ctx context.Context) (*sentinel.Client, error) {
	if f.client != nil {
		return f.client, nil
	}
	cfg, err := f.config(ctx)
	if err != nil {
		return nil, err
	}
	var c *sentinel.Client
	if cfg.Demo() {
		srv, err := f.demoServer(cfg)
		if err != nil {
			return nil, err
		}
		f.noticeOnce("demo", "no workspace configured: using the built-in demo workspace (state in %s; `socpilot demo reset` restores it)", filepath.Join(cfg.StateDir, "demo"))
		ws := sentinel.Workspace{SubscriptionID: emulator.DemoSubscription, ResourceGroup: emulator.DemoResourceGroup, Name: emulator.DemoWorkspace}
		c, err = sentinel.New(ws, emulator.Credential{}, sentinel.Options{Transport: srv.HTTPClient(), APIVersion: cfg.SentinelAPIVersion})
		if err != nil {
			return nil, err
		}
	} else {
		c, err = f.sentinelFor(cfg, sentinel.Workspace{SubscriptionID: cfg.SubscriptionID, ResourceGroup: cfg.ResourceGroup, Name: cfg.WorkspaceName})
		if err != nil {
			return nil, err
		}
	}
	f.client = c
	return c, nil
}

// sentinelFor is a Sentinel client for ws in the configured cloud, signed
// in with the shared credential.
func (f *factory) sentinelFor(cfg *config.Config, ws sentinel.Workspace) (*sentinel.Client, error) {
	cred, err := f.credential(cfg)
	if err != nil {
		return nil, err
	}
	cloudCfg, err := config.CloudConfig(cfg.Cloud)
	if err != nil {
		return nil, err
	}
	return sentinel.New(ws, cred, sentinel.Options{Cloud: cloudCfg, Endpoint: cfg.ARMEndpoint, APIVersion: cfg.SentinelAPIVersion})
}

// azureCredential is DefaultAzureCredential for cloudName, built once per
// run and shared by everything that signs in: config's Key Vault reader
// (through config.Inputs.Credential), Sentinel, Log Analytics and Azure
// OpenAI. One credential means one token cache: the Azure CLI or managed
// identity is asked once per scope, not once per client.
func (f *factory) azureCredential(cloudName string) (azcore.TokenCredential, error) {
	if f.cred != nil && f.credCloud == cloudName {
		return f.cred, nil
	}
	cred, err := config.DefaultCredential(cloudName)
	if err != nil {
		return nil, err
	}
	f.cred, f.credCloud = cred, cloudName
	return cred, nil
}

// credential is the credential for Azure Resource Manager (Sentinel).
func (f *factory) credential(cfg *config.Config) (azcore.TokenCredential, error) {
	return f.credentialFor(cfg, cfg.ARMEndpoint)
}

// credentialFor is the credential for a service at endpoint: a local
// emulator on loopback takes the emulator's static token; anything else
// gets the shared DefaultAzureCredential.
func (f *factory) credentialFor(cfg *config.Config, endpoint string) (azcore.TokenCredential, error) {
	if u, err := url.Parse(endpoint); err == nil && endpoint != "" && loopback.Host(u.Hostname()) {
		return emulator.Credential{}, nil
	}
	cred, err := f.azureCredential(cfg.Cloud)
	if err != nil {
		if socpilot.ErrorCode(err) == socpilot.EConfig {
			return nil, err
		}
		return nil, &socpilot.Error{Code: socpilot.EUnauthorized, Err: err,
			Message: "no Azure credential is available (sign in with `az login`, or set AZURE_CLIENT_ID / AZURE_TENANT_ID / AZURE_CLIENT_SECRET)"}
	}
	return cred, nil
}

// store opens the local store once: PostgreSQL when SOCPILOT_STORE names
// one, else SQLite in the state directory.
func (f *factory) store(ctx context.Context) (socpilot.Store, error) {
	if f.st != nil {
		return f.st, nil
	}
	cfg, err := f.config(ctx)
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
	f.st = st
	return st, nil
}

// model returns the configured chat model, or nil (offline) when none is
// configured or offline is forced; it says which once on stderr.
func (f *factory) model(ctx context.Context, offlineOnly bool) (socpilot.Model, error) {
	cfg, err := f.config(ctx)
	if err != nil {
		return nil, err
	}
	if offlineOnly {
		return nil, nil
	}
	if !cfg.LLMConfigured() {
		f.noticeOnce("model", "no model configured (SOCPILOT_LLM_*): using the offline analyst")
		return nil, nil
	}
	lc := llm.Config{Provider: cfg.LLM.Provider, Endpoint: cfg.LLM.Endpoint, APIKey: cfg.LLM.APIKey, Model: cfg.LLM.Model,
		APIVersion: cfg.LLM.APIVersion, Timeout: cfg.LLM.Timeout,
		PromptPricePer1M: cfg.LLM.PromptPricePer1M, CompletionPricePer1M: cfg.LLM.CompletionPricePer1M}
	if lc.Provider == llm.ProviderAzure && lc.APIKey == "" {
		cred, err := f.credential(cfg)
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
func (f *factory) analyzer(ctx context.Context, offlineOnly bool) (*analysis.Analyzer, error) {
	cfg, err := f.config(ctx)
	if err != nil {
		return nil, err
	}
	m, err := f.model(ctx, offlineOnly)
	if err != nil {
		return nil, err
	}
	estate, err := f.ownEstate(ctx)
	if err != nil {
		return nil, err
	}
	checker := f.queryChecker()
	an := &analysis.Analyzer{
		Facts:   offline.New(offline.Options{HasTable: checker.HasTable, Estate: estate}),
		Estate:  estate,
		Schema:  llm.SchemaFor,
		Model:   m,
		Queries: checker,
		Log:     f.logger(),
	}
	if m != nil {
		st, err := f.store(ctx)
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
			an.NewRedact = func() analysis.Pseudonymizer { return redact.New(key) }
			f.noticeOnce("redact", "pseudonymising entity values before they reach the model (--redact=false to send them as they are)")
		}
	}
	return an, nil
}

// queryChecker is the KQL gate over the workspace schema: the embedded
// catalog of Sentinel and Defender tables.
func (f *factory) queryChecker() *gate.Gate {
	if f.checker == nil {
		f.checker = gate.New(nil)
		// Queries for the Graph backend run in advanced hunting.
		if cfg, err := f.config(context.Background()); err == nil && cfg.Backend == config.BackendGraph {
			f.checker.AdvancedHunting = true
		}
	}
	return f.checker
}

// logger logs to stderr at the level the log setting (SOCPILOT_LOG) asks
// for: debug, info, warn or error; silent by default, since commands
// report problems themselves. The value was checked with the configuration.
func (f *factory) logger() *slog.Logger {
	level := strings.ToLower(f.getenv("SOCPILOT_LOG"))
	if cfg, err := f.config(context.Background()); err == nil {
		level = cfg.LogLevel
	}
	var lvl slog.Level
	switch level {
	case "debug":
		lvl = slog.LevelDebug
	case "info":
		lvl = slog.LevelInfo
	case "warn":
		lvl = slog.LevelWarn
	case "error":
		lvl = slog.LevelError
	default:
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(f.io.err, &slog.HandlerOptions{Level: lvl}))
}

// redactFlag adds --redact to a command that may call the model. It is the
// redact setting given as a flag: the configuration checks it with the
// other settings, before any I/O, and applies it over SOCPILOT_REDACT and
// the file.
func (f *factory) redactFlag(c *cobra.Command) {
	c.Flags().StringVar(&f.redact, "redact", "", "pseudonymise entity values sent to the model: true or false (default: on for openai and compatible, off for azure)")
	c.Flags().Lookup("redact").NoOptDefVal = "true"
	f.flagValues["redact"] = &f.redact
}

// queryVerifier is the Log Analytics client `analyze --verify-kql` runs
// queries with, or nil on the demo workspace, which has no data. It is
// resolved before the analysis, so a missing workspace id is reported
// before any model call is paid for.
func (f *factory) queryVerifier(ctx context.Context) (*logs.Client, error) {
	cfg, err := f.config(ctx)
	if err != nil {
		return nil, err
	}
	if cfg.Demo() {
		f.io.notice("--verify-kql: the demo workspace has no Log Analytics data; queries are validated against the schema but not run")
		return nil, nil
	}
	if cfg.WorkspaceID == "" {
		return nil, socpilot.Errorf(socpilot.EConfig, "--verify-kql needs the Log Analytics workspace id (the GUID on the workspace's overview page): set SOCPILOT_WORKSPACE_ID")
	}
	return f.logsClient(ctx, cfg.WorkspaceID, "")
}

// logsClient is a Log Analytics query client for the workspace with this
// id, at endpoint ("" for the logs endpoint setting, else the cloud's).
func (f *factory) logsClient(ctx context.Context, workspaceID, endpoint string) (*logs.Client, error) {
	cfg, err := f.config(ctx)
	if err != nil {
		return nil, err
	}
	if endpoint == "" {
		endpoint = cfg.LogsEndpoint
	}
	cred, err := f.credentialFor(cfg, endpoint)
	if err != nil {
		return nil, err
	}
	cloudCfg, err := config.CloudConfig(cfg.Cloud)
	if err != nil {
		return nil, err
	}
	return logs.New(workspaceID, cred, logs.Options{Endpoint: endpoint, Cloud: cloudCfg})
}

// ownEstate is what the organisation owns: the own_networks, own_domains
// and own_organisations settings, merged with the own_watchlist's items.
// The watchlist is read once per run, and only by the commands that
// analyse; a failure to read it stops the command, since going on without
// it could propose to block the organisation's own addresses.
func (f *factory) ownEstate(ctx context.Context) (socpilot.Estate, error) {
	if f.ownEstates != nil {
		return *f.ownEstates, nil
	}
	cfg, err := f.config(ctx)
	if err != nil {
		return socpilot.Estate{}, err
	}
	est := cfg.Estate
	if cfg.OwnWatchlist != "" {
		wl, err := f.watchlistEstate(ctx, cfg)
		if err != nil {
			return socpilot.Estate{}, err
		}
		if len(wl.ignored) > 0 {
			f.noticeOnce("watchlist-ignored", "watchlist %q: ignored %d value(s) that are neither a network nor a domain of the organisation: %s",
				cfg.OwnWatchlist, len(wl.ignored), firstFew(wl.ignored, 3))
		}
		est = est.Merge(wl.estate)
	}
	f.ownEstates = &est
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
func (f *factory) watchlistEstate(ctx context.Context, cfg *config.Config) (watchlistRead, error) {
	ws, err := f.workspace(ctx)
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
