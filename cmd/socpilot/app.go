package main

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/spf13/cobra"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/config"
	"github.com/socpilot/socpilot/emulator"
	"github.com/socpilot/socpilot/internal/loopback"
	"github.com/socpilot/socpilot/kql/gate"
	"github.com/socpilot/socpilot/sentinel"
)

// app holds what every command shares: IO, configuration, and the lazily
// opened workspace.
type app struct {
	streams
	getenv func(string) string

	configFile string
	flagValues map[string]*string
	redact     string // --redact of analyze, ask and chat

	cfg    *config.Config
	demo   *emulator.Server // set when the demo workspace is in use
	client *sentinel.Client
	st     socpilot.Store
	gate   *gate.Gate
	said   map[string]bool
	estate *socpilot.Estate // the organisation's, read once (wiring.go)
}

// settingFlags are the global flags that override configuration settings.
var settingFlags = []struct{ name, usage string }{
	{"subscription-id", "Azure subscription of the Sentinel workspace"},
	{"resource-group", "resource group of the Sentinel workspace"},
	{"workspace-name", "Sentinel (Log Analytics) workspace name"},
	{"state-dir", "directory for the demo workspace and the local store"},
	{"arm-endpoint", "Azure Resource Manager endpoint override (e.g. a local `socpilot emulator`)"},
	{"own-networks", "the organisation's public networks, comma-separated CIDRs or addresses: never blocked"},
	{"own-domains", "the organisation's DNS domains, comma-separated: never blocked"},
	{"own-organisations", "names the organisation's addresses are registered under, comma-separated"},
	{"own-watchlist", "alias of a Sentinel watchlist listing the organisation's networks and domains"},
}

// negativeNumberFlag matches pflag's complaint about "-5" taken as a flag.
var negativeNumberFlag = regexp.MustCompile(`^unknown shorthand flag: '\d' in (-\d+)$`)

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "socpilot",
		Short:         "An AI copilot for Microsoft Sentinel incidents",
		Long:          "socpilot explains, triages and hunts around Microsoft Sentinel incidents.\nWith no workspace configured it works on a built-in demo workspace; with no model configured, on its offline analyst.",
		SilenceUsage:  true,
		SilenceErrors: true,
		// An unknown command is a usage error the exit code mapping can see
		// by type, not by the words cobra happens to use.
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("unknown command %q for socpilot (see socpilot --help)", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		// "incident -5" is a negative number, not a flag: say what is wrong with it.
		if m := negativeNumberFlag.FindStringSubmatch(err.Error()); m != nil {
			return usagef("incident number must be a positive whole number, got %q", m[1])
		}
		return usageError{err}
	})
	root.PersistentFlags().StringVar(&a.configFile, "config", "", "configuration file (default ./socpilot.yaml)")
	a.flagValues = map[string]*string{}
	for _, f := range settingFlags {
		a.flagValues[f.name] = root.PersistentFlags().String(f.name, "", f.usage)
	}
	root.AddCommand(
		a.incidentsCommand(),
		a.incidentCommand(),
		a.emulatorCommand(),
		a.demoCommand(),
		a.doctorCommand(),
		a.analyzeCommand(),
		a.askCommand(),
		a.chatCommand(),
		a.kqlCommand(),
		a.evalCommand(),
	)
	return root
}

// close closes the store if a command opened it. Its error counts: a
// store that fails to close may not have kept what the command wrote.
func (a *app) close() error {
	if a.st == nil {
		return nil
	}
	if err := a.st.Close(); err != nil {
		return fmt.Errorf("close the store: %w", err)
	}
	return nil
}

// config loads the configuration once.
func (a *app) config(ctx context.Context) (*config.Config, error) {
	if a.cfg != nil {
		return a.cfg, nil
	}
	flags := map[string]string{}
	for name, v := range a.flagValues {
		if v != nil && *v != "" {
			flags[name] = *v
		}
	}
	cfg, err := config.Load(ctx, config.Inputs{Flags: flags, Getenv: a.getenv, File: a.configFile})
	if err != nil {
		return nil, err
	}
	a.cfg = cfg
	return cfg, nil
}

func (a *app) notice(format string, args ...any) {
	fmt.Fprintf(a.err, "socpilot: "+format+"\n", args...)
}

// openDemo opens the demo workspace's emulator, loading the configuration
// for its state directory.
func (a *app) openDemo(ctx context.Context) (*emulator.Server, error) {
	cfg, err := a.config(ctx)
	if err != nil {
		return nil, err
	}
	return a.demoServer(cfg)
}

// demoServer opens the demo workspace's emulator on its persisted state.
func (a *app) demoServer(cfg *config.Config) (*emulator.Server, error) {
	if a.demo != nil {
		return a.demo, nil
	}
	srv, err := emulator.New(emulator.Options{StateDir: filepath.Join(cfg.StateDir, "demo")})
	if err != nil {
		return nil, fmt.Errorf("open the demo workspace in %s: %w", filepath.Join(cfg.StateDir, "demo"), err)
	}
	a.demo = srv
	return srv, nil
}

// workspace returns the Sentinel client: the configured workspace, or the
// built-in demo workspace (said once on stderr) when none is configured.
func (a *app) workspace(ctx context.Context) (*sentinel.Client, error) {
	if a.client != nil {
		return a.client, nil
	}
	cfg, err := a.config(ctx)
	if err != nil {
		return nil, err
	}
	var c *sentinel.Client
	if cfg.Demo() {
		srv, err := a.demoServer(cfg)
		if err != nil {
			return nil, err
		}
		a.noticeOnce("demo", "no workspace configured: using the built-in demo workspace (state in %s; `socpilot demo reset` restores it)", filepath.Join(cfg.StateDir, "demo"))
		ws := sentinel.Workspace{SubscriptionID: emulator.DemoSubscription, ResourceGroup: emulator.DemoResourceGroup, Name: emulator.DemoWorkspace}
		c, err = sentinel.New(ws, emulator.Credential{}, sentinel.Options{Transport: srv.HTTPClient(), APIVersion: cfg.SentinelAPIVersion})
		if err != nil {
			return nil, err
		}
	} else {
		cred, err := a.credential(cfg)
		if err != nil {
			return nil, err
		}
		cloudCfg, err := config.CloudConfig(cfg.Cloud)
		if err != nil {
			return nil, err
		}
		ws := sentinel.Workspace{SubscriptionID: cfg.SubscriptionID, ResourceGroup: cfg.ResourceGroup, Name: cfg.WorkspaceName}
		c, err = sentinel.New(ws, cred, sentinel.Options{Cloud: cloudCfg, Endpoint: cfg.ARMEndpoint, APIVersion: cfg.SentinelAPIVersion})
		if err != nil {
			return nil, err
		}
	}
	a.client = c
	return c, nil
}

// credential is DefaultAzureCredential, except for a loopback ARM endpoint
// (a local `socpilot emulator`), which accepts the emulator's static token.
func (a *app) credential(cfg *config.Config) (azcore.TokenCredential, error) {
	return a.credentialFor(cfg, cfg.ARMEndpoint)
}

// credentialFor is the credential for a service at endpoint: a local
// emulator on loopback takes a static token; anything else gets
// DefaultAzureCredential.
func (a *app) credentialFor(cfg *config.Config, endpoint string) (azcore.TokenCredential, error) {
	if u, err := url.Parse(endpoint); err == nil && endpoint != "" && loopback.Host(u.Hostname()) {
		return emulator.Credential{}, nil
	}
	cloudCfg, err := config.CloudConfig(cfg.Cloud)
	if err != nil {
		return nil, err
	}
	opts := &azidentity.DefaultAzureCredentialOptions{}
	opts.Cloud = cloudCfg
	cred, err := azidentity.NewDefaultAzureCredential(opts)
	if err != nil {
		return nil, &socpilot.Error{Code: socpilot.EUnauthorized, Err: err,
			Message: "no Azure credential is available (sign in with `az login`, or set AZURE_CLIENT_ID / AZURE_TENANT_ID / AZURE_CLIENT_SECRET)"}
	}
	return cred, nil
}

// openIncident checks a command's incident number and -o value before any
// I/O, then opens the workspace.
func (a *app) openIncident(ctx context.Context, arg, output string, formats ...string) (int, *sentinel.Client, error) {
	n, err := incidentNumber(arg)
	if err != nil {
		return 0, nil, err
	}
	if err := outputFormat(output, formats...); err != nil {
		return 0, nil, err
	}
	ws, err := a.workspace(ctx)
	if err != nil {
		return 0, nil, err
	}
	return n, ws, nil
}
