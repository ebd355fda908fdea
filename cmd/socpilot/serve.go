package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/analysis"
	"github.com/socpilot/socpilot/automation"
	"github.com/socpilot/socpilot/config"
	"github.com/socpilot/socpilot/console"
	"github.com/socpilot/socpilot/internal/loopback"
	"github.com/socpilot/socpilot/sentinel"
)

// serveOptions are what `socpilot serve` runs with.
type serveOptions struct {
	IO         streams
	Config     func(context.Context) (*config.Config, error)
	Workspaces func(context.Context, *config.Config) ([]served, error)
	Analyzer   analyzerFunc
	Store      storeFunc

	listen     string
	poll       time.Duration
	drain      time.Duration
	jobTimeout time.Duration

	mcpAllowWrite bool // --mcp-allow-write (mcp.go)
}

// served is one workspace the service serves, with its client and policy.
type served struct {
	ws     sentinel.Workspace
	client automation.Client
	policy config.Policy
	demo   bool
}

func newServeCmd(f *factory, runF func(context.Context, *serveOptions) error) *cobra.Command {
	o := &serveOptions{IO: f.io, Config: f.config, Workspaces: f.servedWorkspaces, Analyzer: f.analyzer, Store: f.store}
	if runF == nil {
		runF = runServe
	}
	c := &cobra.Command{
		Use:   "serve",
		Short: "Analyse every new or changed incident and write the report back (webhook, poller, job queue), with the web console and /mcp",
		Long: `serve runs the automation service: a webhook for the Logic App's Microsoft Sentinel
incident trigger (POST /hooks/sentinel), an optional poller, and a durable job queue
(River, on the store) that analyses each incident state once and writes the report
and the checklist back. /healthz, /readyz and /metrics (Prometheus) serve operators.
The web console is at / (the incident queue, each incident's analysis, a streamed chat),
and socpilot's tools for AI agents at /mcp (Model Context Protocol).

With no workspace configured it serves the demo workspace; with no model, the offline
analyst. On an address other than loopback it needs a webhook token
(SOCPILOT_WEBHOOK_TOKEN, webhook_token or the Key Vault secret socpilot-webhook-token),
and the console opens only behind Microsoft Entra ID sign-in (SOCPILOT_SIGNIN_*): without
sign-in it opens only for the demo workspace on 127.0.0.1.`,
		Example: `  socpilot serve
  socpilot serve --listen :8080 --poll 1m
  curl -s -X POST localhost:8080/hooks/sentinel -H 'Content-Type: application/json' \
    -d '{"object":{"id":"/subscriptions/.../providers/Microsoft.SecurityInsights/incidents/<id>"}}'`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error { return runF(cmd.Context(), o) },
	}
	c.Flags().StringVar(&o.listen, "listen", "127.0.0.1:8080", "address to listen on")
	c.Flags().DurationVar(&o.poll, "poll", 0, "also list changed incidents at this interval (e.g. 1m); 0: webhook only")
	c.Flags().DurationVar(&o.jobTimeout, "job-timeout", 10*time.Minute, "how long one attempt at a job may run; a replica's job still running after 1.5× this is taken over by another")
	c.Flags().DurationVar(&o.drain, "drain", 30*time.Second, "on SIGTERM, how long running jobs may finish before they are cancelled")
	mcpServeFlags(c, o)
	return c
}

func runServe(ctx context.Context, o *serveOptions) error {
	if o.jobTimeout < time.Second {
		return usagef("--job-timeout %s: give at least 1s", o.jobTimeout)
	}
	if o.poll < 0 || o.poll > 0 && o.poll < time.Second {
		return usagef("--poll %s: give an interval of at least 1s, or 0 for webhook only", o.poll)
	}
	cfg, err := o.Config(ctx)
	if err != nil {
		return err
	}
	if cfg.Backend == config.BackendGraph && o.poll == 0 {
		// Graph sends no change notifications for incidents: poll.
		o.poll = time.Minute
		fmt.Fprintln(o.IO.err, "socpilot: the graph backend has no webhook: polling every 1m (--poll to change)")
	}
	host, _, err := net.SplitHostPort(o.listen)
	if err != nil {
		return usagef("--listen %q is not host:port: %v", o.listen, err)
	}
	token := cfg.Serve.WebhookToken
	if token == "" && !loopback.Host(host) {
		return usagef("refusing to listen on %s without a webhook token: set SOCPILOT_WEBHOOK_TOKEN (or webhook_token, or the Key Vault secret socpilot-webhook-token), or listen on 127.0.0.1", o.listen)
	}
	log := serviceLogger(o.IO, cfg.LogLevel)

	st, err := o.Store(ctx)
	if err != nil {
		return err
	}
	backend, owns, unlock, err := jobBackend(st, cfg)
	if err != nil {
		return err
	}
	defer unlock()
	targets, err := o.Workspaces(ctx, cfg)
	if err != nil {
		return err
	}
	an, err := o.Analyzer(ctx, false)
	if err != nil {
		return err
	}
	an.ModelErrors = an.Model != nil
	if c, ok := st.(analysis.Cache); ok && an.Cache == nil {
		// Without a model nothing else needs the cache: it keeps each
		// incident's latest analysis for the console.
		an.Cache = c
	}
	opts := automation.Options{
		Backend:      backend,
		Analyzer:     an,
		Model:        an.Model != nil,
		Journal:      st.(journalStore),
		Watermarks:   st.(automation.Watermarks),
		Remember:     an.Remember,
		Poll:         o.poll,
		JobTimeout:   o.jobTimeout,
		Concurrency:  cfg.Serve.Concurrency,
		MaxAttempts:  cfg.Serve.MaxAttempts,
		WebhookToken: token,
		OwnsStore:    owns,
		Log:          log,
	}
	if cfg.Serve.TokensPerMinute > 0 {
		opts.Budget = &automation.Budget{PerMinute: cfg.Serve.TokensPerMinute}
	}
	if cfg.Serve.CostCapUSD > 0 {
		opts.CostCap = cfg.Serve.CostCapUSD
		// The estimate counts all tokens at the prompt price, plus a
		// completion of a tenth of them.
		p, c := cfg.LLM.PromptPricePer1M, cfg.LLM.CompletionPricePer1M
		opts.CostOf = func(n int) float64 { return float64(n)*p/1e6 + float64(n)/10*c/1e6 }
	}
	for _, t := range targets {
		if t.demo {
			// The demo's incidents are spread over the past week.
			opts.PollSince = 30 * 24 * time.Hour
		}
		p, err := automationPolicy(t.policy)
		if err != nil {
			return err
		}
		opts.Workspaces = append(opts.Workspaces, automation.Workspace{Workspace: t.ws, Client: t.client, Policy: p})
	}
	svc, err := automation.New(ctx, opts)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.listen, err)
	}
	ready := readiness(targets, an)
	mode := "offline analyst"
	if an.Model != nil {
		mode = "model " + an.Model.Name()
	}
	// The web console at /: without sign-in only for the demo workspace on loopback.
	mux, consoleAt := svc.Handler(ready), ""
	gate, err := newConsoleGate(ctx, cfg, o.listen, ln.Addr(), len(targets) == 1 && targets[0].demo, func(s string) { fmt.Fprintln(o.IO.err, s) }, log)
	if err != nil {
		ln.Close()
		return err
	}
	if gate.refused != nil {
		mux.Handle("/", console.Refused(gate.refused))
		fmt.Fprintf(o.IO.err, "socpilot: %s\n", gate.refused)
	} else if n := mountConsoles(mux, svc, an, st, targets, gate, mode, log); n > 0 {
		consoleAt = ", console GET /"
		if n > 1 {
			consoleAt = fmt.Sprintf(", console GET /w/NAME/ for %d workspaces", n)
		}
		if gate.auth != nil {
			consoleAt += " behind sign-in"
		}
	}
	// The MCP server at /mcp (mcp.go).
	mcpAt, err := serveMCP(mux, o, cfg, targets, gate, an)
	if err != nil {
		ln.Close()
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}

	if err := svc.Start(ctx); err != nil {
		ln.Close()
		return err
	}
	names := make([]string, len(targets))
	for i, t := range targets {
		names[i] = t.ws.Name
	}
	fmt.Fprintf(o.IO.err, "socpilot: serving %s with the %s on http://%s (POST /hooks/sentinel, GET /healthz /readyz /metrics%s%s)", strings.Join(names, ", "), mode, ln.Addr(), consoleAt, mcpAt)
	if o.poll > 0 {
		fmt.Fprintf(o.IO.err, ", polling every %s", o.poll)
	}
	fmt.Fprintln(o.IO.err)
	log.Info("serve started", "listen", ln.Addr().String(), "workspaces", len(targets), "poll", o.poll.String(), "model", an.Model != nil)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
	case err = <-served:
	}
	log.Info("serve stopping: draining running jobs", "deadline", o.drain.String())
	drainCtx, cancel := context.WithTimeout(context.Background(), o.drain)
	defer cancel()
	herr := srv.Shutdown(drainCtx)
	serr := svc.Stop(drainCtx)
	log.Info("serve stopped")
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve http: %w", err)
	}
	if serr != nil {
		return fmt.Errorf("stop the job queue: %w", serr)
	}
	if herr != nil && !errors.Is(herr, context.DeadlineExceeded) {
		return fmt.Errorf("stop the http server: %w", herr)
	}
	return nil
}

// journalStore is the write journal both stores keep.
type journalStore interface {
	RecordWrite(ctx context.Context, incidentID, kind, artifactID, contentSHA256 string, at time.Time) (bool, error)
}

// jobBackend puts River on the store's database. The embedded store is
// owned by one serve process at a time (a lock file beside it), which is
// what lets a restart retry at once the jobs a killed process left running.
func jobBackend(st socpilot.Store, cfg *config.Config) (automation.Backend, bool, func(), error) {
	b, err := queueBackend(st)
	if err != nil || b.SQLite == nil {
		return b, false, func() {}, err
	}
	unlock, err := lockStateDir(filepath.Join(cfg.StateDir, "serve.lock"))
	if err != nil {
		return automation.Backend{}, false, nil, err
	}
	return b, true, unlock, nil
}

// servedWorkspaces are the workspaces of `workspaces:` in the file, or the
// one configured workspace, or the demo workspace.
func (f *factory) servedWorkspaces(ctx context.Context, cfg *config.Config) ([]served, error) {
	if cfg.Backend == config.BackendGraph {
		b, err := f.graph(ctx, cfg)
		if err != nil {
			return nil, err
		}
		// Graph incidents belong to a tenant, not a workspace: the key
		// names the tenant, and the webhook (a Sentinel trigger) has none.
		tenant := cfg.TenantID
		if tenant == "" {
			tenant = "demo"
		}
		return []served{{ws: sentinel.Workspace{SubscriptionID: "graph", ResourceGroup: tenant, Name: "defender"},
			client: b.(automation.Client), policy: cfg.Serve.Policy, demo: cfg.GraphDemo()}}, nil
	}
	if len(cfg.Serve.Workspaces) == 0 {
		c, err := f.workspace(ctx)
		if err != nil {
			return nil, err
		}
		return []served{{ws: c.Workspace(), client: c, policy: cfg.Serve.Policy, demo: cfg.Demo()}}, nil
	}
	var out []served
	for _, w := range cfg.Serve.Workspaces {
		ws := sentinel.Workspace{SubscriptionID: w.SubscriptionID, ResourceGroup: w.ResourceGroup, Name: w.WorkspaceName}
		c, err := f.sentinelFor(cfg, ws)
		if err != nil {
			return nil, err
		}
		out = append(out, served{ws: ws, client: c, policy: cfg.Serve.Policy.Merge(w.Policy)})
	}
	return out, nil
}

// automationPolicy turns the validated configuration into the service's policy.
func automationPolicy(p config.Policy) (automation.Policy, error) {
	out := automation.Policy{MinSeverity: p.MinSeverity, Statuses: p.Statuses, Products: p.Products, Tactics: p.Tactics, Labels: p.Labels,
		SetStatus: p.SetStatus, SetOwner: p.SetOwner}
	for _, s := range p.SkipTitles {
		re, err := regexp.Compile(s)
		if err != nil {
			return out, socpilot.Errorf(socpilot.EConfig, "policy skip_titles: %q is not a regular expression: %v", s, err)
		}
		out.SkipTitles = append(out.SkipTitles, re)
	}
	if len(p.Write) > 0 {
		wo := writeOptions(p.Write)
		comment, tasks := !wo.NoComment, !wo.NoTasks
		out.Comment, out.Tasks = &comment, &tasks
	}
	return out, nil
}

// readiness checks each workspace answers, and the model once in a while:
// a probe every few seconds must not cost a model call each time.
func readiness(targets []served, an *analysis.Analyzer) func(context.Context) error {
	var mu sync.Mutex
	var modelOK time.Time
	return func(ctx context.Context) error {
		for _, t := range targets {
			if _, err := t.client.ListIncidents(ctx, socpilot.IncidentFilter{Top: 1}); err != nil {
				return fmt.Errorf("workspace %s: %w", t.ws.Name, err)
			}
		}
		if an.Model == nil {
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		if time.Since(modelOK) < 5*time.Minute {
			return nil
		}
		_, err := an.Model.Chat(ctx, socpilot.ChatRequest{Messages: []socpilot.Message{{Role: "user", Content: "Reply with OK."}}}, nil)
		if err != nil {
			return fmt.Errorf("model: %w", err)
		}
		modelOK = time.Now()
		return nil
	}
}

// serviceLogger logs JSON to stderr at the configured level, info by
// default: a service's logs are read by machines. Incident content is
// never logged; secrets never reach a logger.
func serviceLogger(io streams, level string) *slog.Logger {
	lvl := slog.LevelInfo
	switch level {
	case "debug":
		lvl = slog.LevelDebug
	case "warn":
		lvl = slog.LevelWarn
	case "error":
		lvl = slog.LevelError
	case "off":
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewJSONHandler(io.err, &slog.HandlerOptions{Level: lvl}))
}

// lockStateDir takes the serve lock of the embedded store, failing at
// once when another serve holds it.
func lockStateDir(path string) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create the state directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open the serve lock %s: %w", path, err)
	}
	if err := tryLock(f); err != nil {
		f.Close()
		return nil, &socpilot.Error{Code: socpilot.EConflict, Err: err, Message: fmt.Sprintf(
			"another socpilot serve uses the store in %s: run one serve per state directory, or share a PostgreSQL store (SOCPILOT_STORE) between replicas", filepath.Dir(path))}
	}
	return func() { unlock(f); f.Close() }, nil
}
