package main

import (
	"context"
	"fmt"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/spf13/cobra"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/config"
	"github.com/socpilot/socpilot/graph"
	"github.com/socpilot/socpilot/llm"
	"github.com/socpilot/socpilot/sentinel"
)

// check is one line of `socpilot doctor`.
type check struct {
	name   string
	ok     bool
	detail string
	fix    string // what to do when it failed
}

// doctorOptions are what `socpilot doctor` runs with: every constructor
// it checks, from the factory (or a test).
type doctorOptions struct {
	IO         streams
	Config     func(context.Context) (*config.Config, error)
	Credential func(*config.Config) (azcore.TokenCredential, error)
	Workspace  workspaceFunc
	Watchlist  func(context.Context, *config.Config) (watchlistRead, error)
	Store      storeFunc
	Model      func(ctx context.Context, offline bool) (socpilot.Model, error)
}

// newDoctorCmd is `socpilot doctor`; runF (nil: runDoctor) runs it.
func newDoctorCmd(f *factory, runF func(context.Context, *doctorOptions) error) *cobra.Command {
	o := &doctorOptions{IO: f.io, Config: f.config, Credential: f.credential, Workspace: f.backend,
		Watchlist: f.watchlistEstate, Store: f.store, Model: f.model}
	if runF == nil {
		runF = runDoctor
	}
	return &cobra.Command{
		Use:   "doctor",
		Short: "Check configuration, credential, workspace access, permissions and the model",
		Args:  exactArgs(0, "no arguments"),
		RunE:  func(cmd *cobra.Command, _ []string) error { return runF(cmd.Context(), o) },
	}
}

// runDoctor prints every check with its fix, then the settings in force;
// it fails when a check failed.
func runDoctor(ctx context.Context, o *doctorOptions) error {
	checks := doctorChecks(ctx, o)
	tw := tabwriter.NewWriter(o.IO.out, 0, 4, 2, ' ', 0)
	failed := 0
	for _, c := range checks {
		status := "ok"
		if !c.ok {
			status = "FAILED"
			failed++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", status, c.name, c.detail)
		if !c.ok && c.fix != "" {
			fmt.Fprintf(tw, "\t\tfix: %s\n", c.fix)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if err := printSettings(ctx, o); err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d checks failed", failed, len(checks))
	}
	return nil
}

func doctorChecks(ctx context.Context, o *doctorOptions) []check {
	var checks []check
	cfg, err := o.Config(ctx)
	if err != nil {
		return append(checks, check{name: "configuration", detail: oneLine(err), fix: "correct the setting named above"})
	}
	where := "defaults and environment"
	if cfg.File != "" {
		where = cfg.File
	}
	if cfg.Demo() {
		checks = append(checks, check{name: "configuration", ok: true, detail: "no workspace configured: the built-in demo workspace is used (" + where + ")"})
		checks = append(checks, check{name: "credential", ok: true, detail: "not needed for the demo workspace"})
	} else {
		checks = append(checks, check{name: "configuration", ok: true, detail: fmt.Sprintf("workspace %s in resource group %s, subscription %s (from %s)", cfg.WorkspaceName, cfg.ResourceGroup, cfg.SubscriptionID, where)})
		checks = append(checks, credentialCheck(ctx, o, cfg))
	}
	checks = append(checks, workspaceChecks(ctx, o)...)
	checks = append(checks, estateCheck(ctx, o, cfg))
	checks = append(checks, storeCheck(ctx, o, cfg))
	checks = append(checks, modelCheck(ctx, o, cfg))
	return append(checks, signInCheck(ctx, cfg))
}

// storeCheck opens the store (SQLite file or SOCPILOT_STORE) and reads
// from it: conversations, the audit trail and the analysis cache live there.
func storeCheck(ctx context.Context, o *doctorOptions, cfg *config.Config) check {
	c := check{name: "store"}
	what := "SQLite store " + filepath.Join(cfg.StateDir, "socpilot.db")
	if cfg.Store != "" {
		what = "PostgreSQL store (SOCPILOT_STORE)"
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	st, err := o.Store(ctx)
	if err == nil {
		_, err = st.ModelCalls(ctx, 1)
	}
	if err != nil {
		c.detail = what + ": " + oneLine(err)
		if cfg.Store != "" {
			c.fix = "check that the PostgreSQL server in SOCPILOT_STORE is reachable and the user may connect, or unset SOCPILOT_STORE to use the local SQLite store"
		} else {
			c.fix = "check that the state directory is writable (SOCPILOT_STATE_DIR)"
		}
		return c
	}
	c.ok, c.detail = true, what+" answers"
	return c
}

// estateCheck reports what socpilot treats as the organisation's beyond
// what every incident shows, and whether the own_watchlist can be read.
func estateCheck(ctx context.Context, o *doctorOptions, cfg *config.Config) check {
	c := check{name: "own estate"}
	e := cfg.Estate
	set := fmt.Sprintf("%d network(s), %d domain(s), %d organisation name(s) from settings", len(e.Networks), len(e.Domains), len(e.Organisations))
	if cfg.OwnWatchlist == "" {
		c.ok = true
		if len(e.Networks)+len(e.Domains)+len(e.Organisations) == 0 {
			c.detail = "none configured: private, CGNAT and loopback ranges, victim hosts and what entity properties say are the organisation's (set SOCPILOT_OWN_NETWORKS, _OWN_DOMAINS, _OWN_ORGANISATIONS or _OWN_WATCHLIST to add its public ones)"
		} else {
			c.detail = set
		}
		return c
	}
	wl, err := o.Watchlist(ctx, cfg)
	if err != nil {
		c.detail = set + "; " + oneLine(err)
		c.fix = fixFor(err, "Microsoft Sentinel Reader")
		if socpilot.ErrorCode(err) == socpilot.ENotFound {
			c.fix = "set " + settingSource(cfg, "own-watchlist") + " to the Alias of a watchlist in Microsoft Sentinel → Watchlists, or unset it"
		}
		return c
	}
	c.ok = true
	c.detail = fmt.Sprintf("%s; watchlist %q readable: %d item(s) give %d network(s) and %d domain(s)", set, cfg.OwnWatchlist, wl.items, len(wl.estate.Networks), len(wl.estate.Domains))
	if len(wl.ignored) > 0 {
		c.detail += fmt.Sprintf(" (%d value(s) ignored: %s)", len(wl.ignored), firstFew(wl.ignored, 3))
	}
	return c
}

func credentialCheck(ctx context.Context, o *doctorOptions, cfg *config.Config) check {
	c := check{name: "credential"}
	cred, err := o.Credential(cfg)
	if err != nil {
		c.detail, c.fix = oneLine(err), "run `az login`, or set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET, or run with a managed identity"
		return c
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	cloudCfg, err := config.CloudConfig(cfg.Cloud)
	if err != nil {
		c.detail = oneLine(err)
		return c
	}
	// CloudConfig always sets Resource Manager's audience.
	scope := cloudCfg.Services[cloud.ResourceManager].Audience + "/.default"
	if _, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{scope}}); err != nil {
		c.detail, c.fix = "cannot get a token: "+oneLine(err), "run `az login` again, or renew the service principal's secret"
		return c
	}
	c.ok, c.detail = true, "got a token for Azure Resource Manager"
	return c
}

func workspaceChecks(ctx context.Context, o *doctorOptions) []check {
	ws, err := o.Workspace(ctx)
	if err != nil {
		return []check{{name: "workspace", detail: oneLine(err), fix: "check SOCPILOT_SUBSCRIPTION_ID, SOCPILOT_RESOURCE_GROUP and SOCPILOT_WORKSPACE_NAME"}}
	}
	incs, err := ws.ListIncidents(ctx, socpilot.IncidentFilter{Top: 1})
	if err != nil {
		return []check{{name: "read incidents", detail: oneLine(err), fix: fixFor(err, "Microsoft Sentinel Reader")}}
	}
	checks := []check{{name: "read incidents", ok: true, detail: fmt.Sprintf("workspace %s answers (%d incident(s) in the first page)", ws.Name(), len(incs))}}
	if len(incs) > 0 {
		if _, err := ws.DetailsOf(ctx, incs[0]); err != nil {
			checks = append(checks, check{name: "read incident details", detail: oneLine(err), fix: fixFor(err, "Microsoft Sentinel Reader")})
		} else {
			checks = append(checks, check{name: "read incident details", ok: true, detail: fmt.Sprintf("alerts, entities, comments and tasks of incident %d", incs[0].Number)})
		}
	}
	sc, ok := ws.(*sentinel.Client)
	if !ok {
		if g, ok := ws.(*graph.Client); ok {
			// Hunting is read-only: a one-line query shows whether the
			// principal has ThreatHunting.Read.All, in the service's words.
			if _, err := g.RunHuntingQuery(ctx, "print ok = 1", "PT1H"); err != nil {
				checks = append(checks, check{name: "advanced hunting", detail: oneLine(err), fix: "grant the application ThreatHunting.Read.All (admin consent) for --verify-kql and --run-kql"})
			} else {
				checks = append(checks, check{name: "advanced hunting", ok: true, detail: "runHuntingQuery answers (--verify-kql, --run-kql)"})
			}
		}
		// Graph names the permission it lacks in its answer to a write;
		// doctor writes nothing, so it can only say what is needed.
		checks = append(checks, check{name: "write comments", ok: true, detail: "through Microsoft Graph, comments need SecurityIncident.ReadWrite.All; a missing one is named by the first write"})
		return checks
	}
	missing, err := sc.MissingWritePermissions(ctx)
	switch {
	case err != nil:
		checks = append(checks, check{name: "write comments and tasks", detail: "cannot read permissions: " + oneLine(err), fix: fixFor(err, "Microsoft Sentinel Responder")})
	case len(missing) > 0:
		checks = append(checks, check{name: "write comments and tasks", detail: fmt.Sprintf("missing %v", missing), fix: "grant the Microsoft Sentinel Responder role on the workspace (needed for `analyze --write`)"})
	default:
		checks = append(checks, check{name: "write comments and tasks", ok: true, detail: "the principal may write incident comments and tasks"})
	}
	return checks
}

func fixFor(err error, role string) string {
	switch socpilot.ErrorCode(err) {
	case socpilot.EForbidden:
		return "grant the " + role + " role on the workspace or its resource group"
	case socpilot.EUnauthorized:
		return "sign in again (`az login`) or renew the credential"
	case socpilot.ENotFound:
		return "check the subscription id, resource group and workspace name"
	case socpilot.EThrottled:
		return "wait a minute and run doctor again"
	}
	return "check network access to Azure Resource Manager"
}

// printSettings lists every setting in force and where it came from, with
// secrets masked, so a wrong value can be traced to its source.
func printSettings(ctx context.Context, o *doctorOptions) error {
	cfg, err := o.Config(ctx)
	if err != nil {
		return nil // the configuration check reported it
	}
	shown := cfg.Redacted()
	fmt.Fprintln(o.IO.out, "\nSettings (flag > SOCPILOT_* > socpilot.yaml > Key Vault):")
	tw := tabwriter.NewWriter(o.IO.out, 0, 4, 2, ' ', 0)
	for _, k := range config.SettingKeys() {
		if v, ok := shown[k]; ok {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", k, v, cfg.Origin(k))
		}
	}
	return tw.Flush()
}

// modelCheck is doctor's check of the configured model: it must answer.
func modelCheck(ctx context.Context, o *doctorOptions, cfg *config.Config) check {
	c := check{name: "model"}
	if !cfg.LLMConfigured() {
		c.ok, c.detail = true, "no model configured: the offline analyst is used (set SOCPILOT_LLM_PROVIDER, _ENDPOINT, _MODEL, _API_KEY to add one)"
		return c
	}
	m, err := o.Model(ctx, false)
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
