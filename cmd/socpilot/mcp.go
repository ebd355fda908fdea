package main

import (
	"cmp"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/analysis"
	"github.com/socpilot/socpilot/attack"
	"github.com/socpilot/socpilot/config"
	"github.com/socpilot/socpilot/internal/loopback"
	"github.com/socpilot/socpilot/kql"
	"github.com/socpilot/socpilot/kql/gate"
	"github.com/socpilot/socpilot/kql/logs"
	"github.com/socpilot/socpilot/kql/schema"
	"github.com/socpilot/socpilot/mcp"
	"github.com/socpilot/socpilot/offline"
	"github.com/socpilot/socpilot/redact"
	"github.com/socpilot/socpilot/signin"
	"github.com/socpilot/socpilot/writeback"
)

// mcpOptions are what `socpilot mcp` runs with. Capitalised fields are
// provided by the factory (or a test); the others are the command line.
type mcpOptions struct {
	IO       streams
	Config   func(context.Context) (*config.Config, error)
	Backend  workspaceFunc
	Analyzer analyzerFunc
	Store    storeFunc
	// LogsClient reads the workspace's own schema (custom tables, saved
	// functions) for validate_kql where SOCPILOT_WORKSPACE_ID is set.
	LogsClient func(ctx context.Context, workspaceID, endpoint string) (*logs.Client, error)

	allowWrite bool
}

// newMCPCmd is `socpilot mcp`; runF (nil: runMCP) runs it.
func newMCPCmd(f *factory, runF func(context.Context, *mcpOptions) error) *cobra.Command {
	o := &mcpOptions{IO: f.io, Config: f.config, Backend: f.backend, Analyzer: f.analyzer, Store: f.store, LogsClient: f.logsClient}
	if runF == nil {
		runF = runMCP
	}
	c := &cobra.Command{
		Use:   "mcp",
		Short: "Serve socpilot's tools to AI agents over the Model Context Protocol (stdio)",
		Long: `mcp serves the Model Context Protocol on standard input and output, for an agent (an editor,
a chat app, a SOC agent platform) that starts socpilot as its MCP server. Its tools:

  list_incidents, get_incident, analyze_incident, related_incidents   the workspace's incidents
  validate_kql, table_schema                                          KQL against the workspace schema
  explain_command_line, attack_technique                              offline decoding, the ATT&CK catalog
  write_back                                                          only with --allow-write

Everything is read-only unless --allow-write is given; write_back is idempotent. Results that
carry incident text say it is untrusted and fence it. With pseudonymisation on (the redact
setting, as for the model) entity values leave as stable tokens. Messages go to stderr;
stdout carries the protocol only. socpilot serve offers the same tools at /mcp over HTTP.`,
		Example: `  socpilot mcp
  socpilot mcp --allow-write --redact=false`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error { return runF(cmd.Context(), o) },
	}
	c.Flags().BoolVar(&o.allowWrite, "allow-write", false, "offer write_back: write the analysis into the incident (comment and tasks)")
	f.redactFlag(c)
	return c
}

// runMCP serves the tools over stdio until the client closes stdin.
func runMCP(ctx context.Context, o *mcpOptions) error {
	cfg, err := o.Config(ctx)
	if err != nil {
		return err
	}
	b, err := o.Backend(ctx)
	if err != nil {
		return err
	}
	an, err := o.Analyzer(ctx, false)
	if err != nil {
		return err
	}
	var lc func(context.Context) (*logs.Client, error)
	if cfg.WorkspaceID != "" && !cfg.Demo() && cfg.Backend != config.BackendGraph {
		lc = func(ctx context.Context) (*logs.Client, error) { return o.LogsClient(ctx, cfg.WorkspaceID, "") }
	}
	srv, err := newMCPServer(mcpDeps{cfg: cfg, backend: b, an: an, store: o.Store, logs: lc, allowWrite: o.allowWrite, write: cfg.Serve.Policy.Write, notice: o.IO.notice})
	if err != nil {
		return err
	}
	o.IO.notice("serving MCP on stdio for %s: %s", b.Name(), strings.Join(srv.Tools(), ", "))
	return srv.ServeIO(ctx, o.IO.in, o.IO.out)
}

// mcpDeps are what the MCP tools are built from, by `socpilot mcp` and by
// serve's /mcp.
type mcpDeps struct {
	cfg     *config.Config
	backend incidentBackend
	an      *analysis.Analyzer
	// store opens the store that journals write-backs; nil: not journaled.
	store storeFunc
	// logs is the Log Analytics client that reads the workspace's schema;
	// nil: the embedded catalog only.
	logs       func(context.Context) (*logs.Client, error)
	allowWrite bool
	// write is the workspace's write setting (policy.write): what
	// write_back puts into an incident, as analyze --write and serve do.
	write  []string
	notice func(format string, args ...any)
	// log is the server's log; nil: the analyzer's.
	log *slog.Logger
}

// newMCPServer wires the tools to the backend, the analysis pipeline, the
// KQL validator and the write-back that `analyze --write` uses.
func newMCPServer(d mcpDeps) (*mcp.Server, error) {
	b, cfg := d.backend, d.cfg
	// The agent's analyses find related incidents as `analyze` does, and
	// a failed model call falls back to the offline analysis (serve's
	// analyzer returns it as an error, for its jobs to retry).
	an := *d.an
	an.ModelErrors = false
	an.Related = func(ctx context.Context, det socpilot.IncidentDetails) ([]socpilot.Correlation, error) {
		return analysis.Related(ctx, relatedSource{b}, det, 25)
	}
	kv := &mcpKQL{advancedHunting: cfg.Backend == config.BackendGraph, logs: d.logs}
	o := mcp.Options{
		Version:  buildVersion(),
		Source:   b.Name(),
		List:     b.ListIncidents,
		Details:  b.Details,
		Entities: relatedSource{b}.Entities,
		Digest: func(det socpilot.IncidentDetails) string {
			return analysis.BuildDigest(det, analysis.DigestOptions{}).Text
		},
		Untrusted: analysis.DetectUntrusted,
		Analyze: func(ctx context.Context, det socpilot.IncidentDetails, offlineOnly bool) (socpilot.Analysis, error) {
			a, err := an.Analyze(ctx, det, offlineOnly)
			if err == nil {
				an.Remember(ctx, a)
			}
			return a, err
		},
		Related: func(ctx context.Context, det socpilot.IncidentDetails, limit int) ([]socpilot.Correlation, error) {
			return analysis.Related(ctx, relatedSource{b}, det, limit)
		},
		ValidateKQL: kv.validate,
		Tables:      kv.tables,
		Decode:      offline.DecodeCommandLine,
		Attack:      attackLookup,
		Log:         cmp.Or(d.log, d.an.Log),
	}
	if d.allowWrite {
		targets := writeOptions(d.write)
		o.WriteBack = func(ctx context.Context, det socpilot.IncidentDetails, a socpilot.Analysis) (mcp.WriteResult, error) {
			var journal writeback.Journal
			if d.store != nil {
				if st, err := d.store(ctx); err == nil {
					journal, _ = st.(writeback.Journal)
				} else {
					d.notice("warning: write-back not journaled: %s", oneLine(err))
				}
			}
			r, err := writeBack(ctx, b, journal, det, a, targets)
			out := mcp.WriteResult{Created: r.Count(writeback.Created), Updated: r.Count(writeback.Updated),
				Unchanged: r.Count(writeback.Unchanged), Skipped: r.Count(writeback.Skipped), Cut: r.Cut}
			for _, x := range r.Actions {
				out.Items = append(out.Items, mcp.WriteItem{Kind: x.Kind, ID: x.ID, Title: x.Title, Result: string(x.Result), Note: x.Note})
			}
			return out, err
		}
	}
	if cfg.RedactEnabled() {
		key, err := redact.LoadOrCreateKey(cfg.StateDir)
		if err != nil {
			return nil, fmt.Errorf("load the pseudonymisation key: %w", err)
		}
		o.Pseudonymizer = func() mcp.Pseudonymizer { return redact.New(key) }
		d.notice("MCP results pseudonymise entity values (--redact=false, SOCPILOT_REDACT=false to send them as they are)")
	}
	return mcp.New(o), nil
}

// buildVersion is the module version the binary was built at, or "dev".
func buildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// mcpKQL validates queries for validate_kql and describes tables for
// table_schema: against the embedded catalog of Sentinel and Defender
// tables, and where the workspace id is configured, also against the
// workspace's own tables and saved functions, read once per table.
type mcpKQL struct {
	advancedHunting bool
	logs            func(context.Context) (*logs.Client, error)

	mu    sync.Mutex
	lc    *logs.Client
	funcs *schema.Schema // the workspace's saved functions, once read
}

func (k *mcpKQL) schemaName() string {
	if k.logs != nil {
		return "the workspace's tables and saved functions, and socpilot's catalog of Sentinel and Defender tables"
	}
	if k.advancedHunting {
		return "socpilot's catalog of Sentinel and Defender XDR tables, as advanced hunting runs them"
	}
	return "socpilot's catalog of Sentinel and Defender tables (custom tables and saved functions are not known: set SOCPILOT_WORKSPACE_ID to check them)"
}

// live reads the named tables (and, once, the saved functions) from the
// workspace, merged over the catalog; the catalog alone without a workspace.
func (k *mcpKQL) live(ctx context.Context, tables []string) (*schema.Schema, bool, error) {
	s := schema.Default()
	if k.logs == nil {
		return s, false, nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.lc == nil {
		lc, err := k.logs(ctx)
		if err != nil {
			return nil, false, err
		}
		k.lc = lc
	}
	if k.funcs == nil {
		funcs, err := k.lc.SavedFunctions(ctx)
		if err != nil {
			return nil, false, fmt.Errorf("read the workspace's saved functions: %w", err)
		}
		k.funcs = funcs
	}
	live, err := k.lc.SchemaFor(ctx, tables)
	if err != nil {
		return nil, false, fmt.Errorf("read the schema of %s from the workspace: %w", strings.Join(tables, ", "), err)
	}
	return s.Merge(live).Merge(k.funcs), true, nil
}

func (k *mcpKQL) validate(ctx context.Context, query string) (mcp.KQLResult, error) {
	s := schema.Default()
	if k.logs != nil {
		// The tables to read are those the query names: the catalog's and
		// the ones it does not know.
		names := gate.New(s).Tables(query)
		for _, f := range (&kql.Validator{Schema: s}).Validate(query) {
			if f.Code == kql.CodeUnknownTable && f.Name != "" && !slices.Contains(names, f.Name) {
				names = append(names, f.Name)
			}
		}
		var err error
		if s, _, err = k.live(ctx, names); err != nil {
			return mcp.KQLResult{}, err
		}
	}
	v := &kql.Validator{Schema: s, Complete: k.logs != nil, AdvancedHunting: k.advancedHunting}
	r := mcp.KQLResult{Schema: k.schemaName(), Tables: gate.New(s).Tables(query)}
	for _, f := range v.Validate(query) {
		switch f.Severity {
		case kql.SeverityError:
			r.Errors++
		case kql.SeverityWarning:
			r.Warnings++
		}
		r.Findings = append(r.Findings, mcp.KQLFinding{Severity: f.Severity.String(), Line: f.Pos.Line, Col: f.Pos.Col,
			EndLine: f.End.Line, EndCol: f.End.Col, Code: f.Code, Message: f.Message, Suggestion: f.Suggestion})
	}
	r.Valid = r.Errors == 0
	return r, nil
}

func (k *mcpKQL) tables(ctx context.Context, names []string) (mcp.TablesResult, error) {
	s, _, err := k.live(ctx, names)
	if err != nil {
		return mcp.TablesResult{}, err
	}
	r := mcp.TablesResult{Schema: k.schemaName()}
	for _, n := range names {
		t, ok := s.Table(n)
		if !ok {
			t, ok = s.TableFold(n)
		}
		if !ok {
			r.Tables = append(r.Tables, mcp.TableSchema{Name: n, Suggestions: schema.Suggest(n, s.TableNames(), 3)})
			continue
		}
		ts := mcp.TableSchema{Name: t.Name, Found: true}
		for _, c := range t.Columns {
			ts.Columns = append(ts.Columns, mcp.Column{Name: c.Name, Type: string(c.Type)})
		}
		r.Tables = append(r.Tables, ts)
	}
	return r, nil
}

// attackCatalog names the catalog's ATT&CK version (attack/techniques.txt).
const attackCatalog = "MITRE ATT&CK Enterprise v16, with a few v17 additions"

// attackLookup finds techniques and tactics by id or name.
func attackLookup(q string) mcp.AttackResult {
	r := mcp.AttackResult{Catalog: attackCatalog}
	if t, ok := attack.TechniqueByID(q); ok {
		mt := techniqueOut(t)
		if _, retired := attack.Successor(q); retired {
			mt.ReplacedIDs = []string{attack.Normalize(q)}
		}
		r.Techniques = append(r.Techniques, mt)
		return r
	}
	if t, ok := attack.LookupTactic(q); ok {
		mt := mcp.Tactic{ID: t.ID, Name: t.Name, SentinelName: t.SentinelName, Description: t.Description, URL: t.URL(), Techniques: []mcp.Ref{}}
		for _, x := range attack.TechniquesOfTactic(t.ID) {
			if !x.IsSub() {
				mt.Techniques = append(mt.Techniques, mcp.Ref{ID: x.ID, Name: x.Name})
			}
		}
		r.Tactics = append(r.Tactics, mt)
		return r
	}
	if ts, ok := attack.TechniqueByName(q); ok {
		for _, t := range ts {
			r.Techniques = append(r.Techniques, techniqueOut(t))
		}
	}
	return r
}

func techniqueOut(t attack.Technique) mcp.Technique {
	out := mcp.Technique{ID: t.ID, Name: t.FullName(), Parent: t.Parent, Description: t.Description, URL: t.URL(), Tactics: []mcp.Ref{}}
	for _, id := range t.Tactics {
		if tac, ok := attack.TacticByID(id); ok {
			out.Tactics = append(out.Tactics, mcp.Ref{ID: tac.ID, Name: tac.Name})
		}
	}
	for _, s := range attack.SubTechniques(t.ID) {
		out.SubTechniques = append(out.SubTechniques, mcp.Ref{ID: s.ID, Name: s.Name})
	}
	return out
}

// mcpMount is what serve's /mcp is built from.
type mcpMount struct {
	cfg        *config.Config
	listen     string
	demo       bool
	backend    incidentBackend
	an         *analysis.Analyzer
	store      storeFunc
	auth       *signin.Auth // the console's sign-in, nil when not configured
	allowWrite bool
	write      []string // the workspace's write setting (policy.write)
	notice     func(format string, args ...any)
	log        *slog.Logger
	path       string // where it is mounted; "" → /mcp
}

// mountMCP mounts the MCP server at /mcp and says how it is reached, for
// serve's startup line. Who may call it: anyone, for the demo workspace on
// loopback with neither a token nor sign-in configured (as the webhook);
// otherwise a caller with the webhook token (SOCPILOT_WEBHOOK_TOKEN), or
// with an Entra ID access token for socpilot's app where sign-in is
// configured; write_back then also needs the app's write role. Without
// either, /mcp answers 403 saying what to configure.
func mountMCP(mux *http.ServeMux, m mcpMount) (string, error) {
	if m.backend == nil {
		return "", nil
	}
	if m.path == "" {
		m.path = "/mcp"
	}
	token := m.cfg.Serve.WebhookToken
	host, _, _ := net.SplitHostPort(m.listen)
	if token == "" && m.auth == nil && !(m.demo && loopback.Host(host)) {
		refusal := "/mcp needs a bearer token: set SOCPILOT_WEBHOOK_TOKEN (or webhook_token, or the Key Vault secret socpilot-webhook-token), or configure sign-in (SOCPILOT_SIGNIN_*) for Entra ID tokens"
		mux.HandleFunc(m.path, func(w http.ResponseWriter, _ *http.Request) { http.Error(w, refusal, http.StatusForbidden) })
		m.notice("%s; it is refused until then", refusal)
		return ", /mcp refused", nil
	}
	srv, err := newMCPServer(mcpDeps{cfg: m.cfg, backend: m.backend, an: m.an, store: m.store, allowWrite: m.allowWrite, write: m.write, notice: m.notice, log: m.log})
	if err != nil {
		return "", err
	}
	var authn mcp.Authenticator
	if token != "" || m.auth != nil {
		authn = mcpAuthenticator(token, m.auth)
	}
	mux.Handle(m.path, srv.Handler(authn))
	at := ", MCP /mcp"
	switch {
	case authn == nil:
		at += " (open on loopback)"
	case m.auth != nil:
		at += " (webhook token or Entra ID token)"
	default:
		at += " (webhook token)"
	}
	if m.allowWrite {
		at += " with write_back"
	}
	return at, nil
}

// mcpAuthenticator lets a caller through with the webhook token (compared
// in constant time, of hashes, so not even its length leaks), or with an
// Entra ID access token of socpilot's app when sign-in is configured.
func mcpAuthenticator(token string, auth *signin.Auth) mcp.Authenticator {
	want := sha256.Sum256([]byte(token))
	return func(r *http.Request) (mcp.Caller, error) {
		scheme, raw, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if ok && strings.EqualFold(scheme, "Bearer") && token != "" {
			got := sha256.Sum256([]byte(strings.TrimSpace(raw)))
			if subtle.ConstantTimeCompare(got[:], want[:]) == 1 {
				// The operator's own token: it can already do what serve does.
				return mcp.Caller{Name: "webhook-token", CanWrite: true}, nil
			}
		}
		if auth == nil {
			return mcp.Caller{}, socpilot.Errorf(socpilot.EUnauthorized, "missing or wrong bearer token: send Authorization: Bearer <the webhook token>")
		}
		u, err := auth.Bearer(r)
		if err != nil {
			return mcp.Caller{}, err
		}
		return mcp.Caller{Name: u.Name, CanWrite: u.CanWrite}, nil
	}
}

// mcpServeFlags adds serve's MCP flags.
func mcpServeFlags(c *cobra.Command, o *serveOptions) {
	c.Flags().BoolVar(&o.mcpAllowWrite, "mcp-allow-write", false, "offer write_back at /mcp (callers with the webhook token, or the write role where sign-in is configured)")
}

// serveMCP mounts /mcp for serve over its first workspace, as the console,
// and returns what serve's startup line says of it.
func serveMCP(mux *http.ServeMux, o *serveOptions, cfg *config.Config, targets []served, g consoleGate, an *analysis.Analyzer) (string, error) {
	bases := workspaceBases(targets)
	at := ""
	said := map[string]bool{} // one notice for all the workspaces, not one each
	notice := func(format string, args ...any) {
		if msg := fmt.Sprintf(format, args...); !said[msg] {
			said[msg] = true
			o.IO.notice("%s", msg)
		}
	}
	for i, t := range targets {
		b, ok := t.client.(incidentBackend)
		if !ok {
			continue
		}
		m := mcpMount{cfg: cfg, listen: o.listen, demo: len(targets) == 1 && t.demo, backend: b, an: an, store: o.Store,
			auth: g.auth, allowWrite: o.mcpAllowWrite, write: t.policy.Write, notice: notice, log: serviceLogger(o.IO, cfg.LogLevel)}
		paths := []string{bases[i] + "mcp"}
		if i == 0 && bases[i] != "/" {
			// /mcp stays the first workspace's, as / opens its console.
			paths = append(paths, "/mcp")
		}
		for _, p := range paths {
			m.path = p
			a, err := mountMCP(mux, m)
			if err != nil {
				return "", err
			}
			if at == "" {
				at = a
			}
		}
	}
	if len(targets) > 1 && at != "" {
		at += fmt.Sprintf(" and /w/NAME/mcp for %d workspaces", len(targets))
	}
	return at, nil
}
