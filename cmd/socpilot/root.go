package main

import (
	"regexp"

	"github.com/spf13/cobra"
)

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
	{"backend", "where incidents are read and written: sentinel (a workspace, the default) or graph (Microsoft Graph: the Defender portal's incidents)"},
}

// negativeNumberFlag matches pflag's complaint about "-5" taken as a flag.
var negativeNumberFlag = regexp.MustCompile(`^unknown shorthand flag: '\d' in (-\d+)$`)

// newRootCmd is socpilot with its global flags and every command. The
// global flags are settings: f reads them when it loads the configuration.
func newRootCmd(f *factory) *cobra.Command {
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
	root.PersistentFlags().StringVar(&f.configFile, "config", "", "configuration file (default ./socpilot.yaml)")
	for _, s := range settingFlags {
		f.flagValues[s.name] = root.PersistentFlags().String(s.name, "", s.usage)
	}
	root.AddCommand(
		newIncidentsCmd(f, nil),
		newIncidentCmd(f, nil),
		newEmulatorCmd(f, nil),
		newDemoCmd(f),
		newDoctorCmd(f, nil),
		newAnalyzeCmd(f, nil),
		newAskCmd(f, nil),
		newChatCmd(f, nil),
		newKQLCmd(f, nil),
		newEvalCmd(f, nil),
		newServeCmd(f, nil),
		newJobsCmd(f, nil),
		newMCPCmd(f, nil),
	)
	return root
}
