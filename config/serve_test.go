package config

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/socpilot/socpilot"
)

func TestServeSettings(t *testing.T) {
	tests := []struct {
		name string
		file string
		env  map[string]string
		want Serve
	}{
		{name: "none", want: Serve{}},
		{
			name: "environment",
			env: map[string]string{
				"SOCPILOT_WEBHOOK_TOKEN":            "fixture-webhook-token",
				"SOCPILOT_POLICY_CONCURRENCY":       "8",
				"SOCPILOT_POLICY_TOKENS_PER_MINUTE": "200000",
				"SOCPILOT_POLICY_COST_CAP_USD":      "0.50",
				"SOCPILOT_POLICY_MAX_ATTEMPTS":      "10",
				"SOCPILOT_POLICY_MIN_SEVERITY":      "medium",
				"SOCPILOT_POLICY_STATUSES":          "new, ACTIVE,",
				"SOCPILOT_POLICY_PRODUCTS":          "Microsoft Defender for Endpoint, Azure Sentinel",
				"SOCPILOT_POLICY_TACTICS":           "Initial Access, credential-access,command and control,InitialAccess",
				"SOCPILOT_POLICY_LABELS":            "crown-jewels, vip",
				// ";;" separates patterns, so a pattern keeps its commas.
				"SOCPILOT_POLICY_SKIP_TITLES": `^TEST{1,2}, ignore ;; (?i)simulated;;a,b`,
				"SOCPILOT_POLICY_WRITE":       "Comment",
			},
			want: Serve{
				WebhookToken: "fixture-webhook-token", Concurrency: 8, TokensPerMinute: 200000, CostCapUSD: 0.5, MaxAttempts: 10,
				Policy: Policy{
					MinSeverity: "Medium",
					Statuses:    []string{"New", "Active"},
					Products:    []string{"Microsoft Defender for Endpoint", "Azure Sentinel"},
					Tactics:     []string{"InitialAccess", "CredentialAccess", "CommandAndControl"},
					Labels:      []string{"crown-jewels", "vip"},
					SkipTitles:  []string{`^TEST{1,2}, ignore`, `(?i)simulated`, `a,b`},
					Write:       []string{"comment"},
				},
			},
		},
		{
			name: "file",
			file: `webhook_token: fixture-file-token
policy:
  min_severity: low
  statuses: [New]
  products: Microsoft Defender for Cloud, Microsoft Entra ID Protection
  tactics:
    - Lateral Movement
    - impact
  labels: [triage-me]
  skip_titles:
    - '^TEST '
    - '(?i)simulated, benign'
  write: [tasks, comment]
  concurrency: 4
  tokens_per_minute: 0
  cost_cap_usd: 2
  max_attempts: 3
workspaces:
  - subscription_id: ` + strings.ToUpper(sub1) + `
    resource_group: rg-sec
    workspace_name: law-sec
  - subscription_id: ` + sub2 + `
    resource_group: rg-ot
    workspace_name: law-ot
    policy:
      min_severity: informational
      tactics: Impair Process Control, InhibitResponseFunction
      skip_titles: '^x;;^y'
      write: comment
  - subscription_id: ` + sub2 + `
    resource_group: rg-ot
    workspace_name: law-ot-2
    policy: {}
`,
			want: Serve{
				WebhookToken: "fixture-file-token", Concurrency: 4, CostCapUSD: 2, MaxAttempts: 3,
				Policy: Policy{
					MinSeverity: "Low",
					Statuses:    []string{"New"},
					Products:    []string{"Microsoft Defender for Cloud", "Microsoft Entra ID Protection"},
					Tactics:     []string{"LateralMovement", "Impact"},
					Labels:      []string{"triage-me"},
					SkipTitles:  []string{"^TEST", "(?i)simulated, benign"},
					Write:       []string{"tasks", "comment"},
				},
				Workspaces: []ServeWorkspace{
					{SubscriptionID: sub1, ResourceGroup: "rg-sec", WorkspaceName: "law-sec"},
					{SubscriptionID: sub2, ResourceGroup: "rg-ot", WorkspaceName: "law-ot", Policy: &Policy{
						MinSeverity: "Informational",
						Tactics:     []string{"ImpairProcessControl", "InhibitResponseFunction"},
						SkipTitles:  []string{"^x", "^y"},
						Write:       []string{"comment"},
					}},
					{SubscriptionID: sub2, ResourceGroup: "rg-ot", WorkspaceName: "law-ot-2"},
				},
			},
		},
		{
			// Each setting on its own: the variable wins where it is set,
			// the file gives the rest; workspaces come only from the file.
			name: "environment over file",
			file: `webhook_token: fixture-file-token
policy:
  min_severity: High
  statuses: Closed
  tactics: [Impact]
  concurrency: 4
  cost_cap_usd: 2
workspaces:
  - {subscription_id: ` + sub1 + `, resource_group: rg, workspace_name: ws-1}
`,
			env: map[string]string{
				"SOCPILOT_WEBHOOK_TOKEN":       "fixture-env-token",
				"SOCPILOT_POLICY_MIN_SEVERITY": "Low",
				"SOCPILOT_POLICY_TACTICS":      "Discovery",
				"SOCPILOT_POLICY_CONCURRENCY":  "16",
			},
			want: Serve{
				WebhookToken: "fixture-env-token", Concurrency: 16, CostCapUSD: 2,
				Policy:     Policy{MinSeverity: "Low", Statuses: []string{"Closed"}, Tactics: []string{"Discovery"}},
				Workspaces: []ServeWorkspace{{SubscriptionID: sub1, ResourceGroup: "rg", WorkspaceName: "ws-1"}},
			},
		},
		{
			name: "empty values leave settings unset",
			file: "webhook_token:\npolicy:\n  statuses: []\n  write:\nworkspaces: []\n",
			want: Serve{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inDir(t, tt.file)
			env := map[string]string{"XDG_CONFIG_HOME": t.TempDir()}
			for k, v := range tt.env {
				env[k] = v
			}
			c, err := Load(t.Context(), Inputs{Getenv: envOf(env)})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, c.Serve); diff != "" {
				t.Errorf("Serve (-want +got):\n%s", diff)
			}
		})
	}
}

func TestServeOrigins(t *testing.T) {
	dir := inDir(t, "policy:\n  min_severity: High\n  statuses: [New]\nworkspaces:\n  - {subscription_id: "+sub1+", resource_group: rg, workspace_name: ws-1}\n")
	file := filepath.Join(dir, DefaultFileName)
	c, err := Load(t.Context(), Inputs{
		Getenv: envOf(map[string]string{"SOCPILOT_POLICY_MIN_SEVERITY": "Low", "SOCPILOT_WEBHOOK_TOKEN": "fixture-env-token"}),
		Flags:  map[string]string{"policy-concurrency": "2"},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, k := range []string{"policy-min-severity", "policy-statuses", "webhook-token", "policy-concurrency", "workspaces", "policy-tactics"} {
		got[k] = c.Origin(k)
	}
	want := map[string]string{
		"policy-min-severity": "env:SOCPILOT_POLICY_MIN_SEVERITY", "policy-statuses": "file:" + file,
		"webhook-token": "env:SOCPILOT_WEBHOOK_TOKEN", "policy-concurrency": "flag:--policy-concurrency",
		"workspaces": "file:" + file, "policy-tactics": "",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("origins (-want +got):\n%s", diff)
	}
	if c.Serve.Concurrency != 2 {
		t.Errorf("Concurrency = %d, want the flag's 2", c.Serve.Concurrency)
	}
}

// doctor lists SettingKeys with Redacted's values: every serve setting is
// there, the token only as set.
func TestServeRedacted(t *testing.T) {
	inDir(t, `webhook_token: fixture-file-token
policy:
  min_severity: Medium
  tactics: [Initial Access, Impact]
  skip_titles: ['^a', '^b']
  concurrency: 3
  tokens_per_minute: 1000
  cost_cap_usd: 0.25
  max_attempts: 5
workspaces:
  - {subscription_id: `+sub1+`, resource_group: rg, workspace_name: ws-1}
  - {subscription_id: `+sub2+`, resource_group: rg, workspace_name: ws-2, policy: {min_severity: Low}}
`)
	c, err := Load(t.Context(), Inputs{Getenv: envOf(nil)})
	if err != nil {
		t.Fatal(err)
	}
	red := c.Redacted()
	want := map[string]string{
		"webhook-token":            "(set, hidden)",
		"policy-min-severity":      "Medium",
		"policy-tactics":           "InitialAccess, Impact",
		"policy-skip-titles":       "^a ;; ^b",
		"policy-concurrency":       "3",
		"policy-tokens-per-minute": "1000",
		"policy-cost-cap-usd":      "0.25",
		"policy-max-attempts":      "5",
		"workspaces":               sub1 + "/rg/ws-1, " + sub2 + "/rg/ws-2 (own policy)",
	}
	keys := SettingKeys()
	for k, w := range want {
		if red[k] != w {
			t.Errorf("Redacted()[%s] = %q, want %q", k, red[k], w)
		}
		if !slices.Contains(keys, k) {
			t.Errorf("SettingKeys() lacks %s: doctor would not list it", k)
		}
	}
	for k, v := range red {
		if strings.Contains(v, "fixture-file-token") {
			t.Errorf("Redacted()[%s] shows the webhook token", k)
		}
	}
	if keys[len(keys)-1] != "workspaces" {
		t.Errorf("SettingKeys() ends with %q, want workspaces", keys[len(keys)-1])
	}
}

func TestServeFromVault(t *testing.T) {
	tests := []struct {
		name       string
		secrets    map[string]string
		want       string
		wantOrigin string
	}{
		{"specific name first", map[string]string{"socpilot-webhook-token": "fixture-a", "webhook-token": "fixture-b"}, "fixture-a", "keyvault:socpilot-webhook-token"},
		{"short name", map[string]string{"webhook-token": "fixture-b"}, "fixture-b", "keyvault:webhook-token"},
		{"none", map[string]string{}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inDir(t, "")
			srv, kv, _ := newVault(t, tt.secrets)
			c, err := Load(t.Context(), Inputs{Getenv: envOf(map[string]string{"SOCPILOT_KEYVAULT_URL": srv.VaultURL()}), Secrets: kv})
			if err != nil {
				t.Fatal(err)
			}
			if c.Serve.WebhookToken != tt.want || c.Origin("webhook-token") != tt.wantOrigin {
				t.Errorf("WebhookToken = %q from %q, want %q from %q", c.Serve.WebhookToken, c.Origin("webhook-token"), tt.want, tt.wantOrigin)
			}
		})
	}
	t.Run("bad token names the secret, not the value", func(t *testing.T) {
		inDir(t, "")
		srv, kv, _ := newVault(t, map[string]string{"webhook-token": "fixture secret"})
		_, err := Load(t.Context(), Inputs{Getenv: envOf(map[string]string{"SOCPILOT_KEYVAULT_URL": srv.VaultURL()}), Secrets: kv})
		want := `Key Vault ` + srv.VaultURL() + ` secret "webhook-token": the value is not usable as a bearer token; expected visible ASCII characters without spaces, such as the output of ` + "`openssl rand -hex 32`"
		if err == nil || err.Error() != want || socpilot.ErrorCode(err) != socpilot.EConfig {
			t.Errorf("error\n got: %v\nwant: %s", err, want)
		}
	})
}

func TestPolicyMerge(t *testing.T) {
	global := Policy{
		MinSeverity: "Medium", Statuses: []string{"New"}, Products: []string{"P"}, Tactics: []string{"Impact"},
		Labels: []string{"l"}, SkipTitles: []string{"^x"}, Write: []string{"comment"},
	}
	tests := []struct {
		name string
		p    Policy
		over *Policy
		want Policy
	}{
		{"nil over", global, nil, global},
		{"empty over", global, &Policy{}, global},
		{"severity only", global, &Policy{MinSeverity: "Low"}, Policy{
			MinSeverity: "Low", Statuses: []string{"New"}, Products: []string{"P"}, Tactics: []string{"Impact"},
			Labels: []string{"l"}, SkipTitles: []string{"^x"}, Write: []string{"comment"}}},
		{"every field", global, &Policy{
			MinSeverity: "High", Statuses: []string{"Active", "Closed"}, Products: []string{"Q"}, Tactics: []string{"Discovery"},
			Labels: []string{"m"}, SkipTitles: []string{"^y", "^z"}, Write: []string{"tasks"}}, Policy{
			MinSeverity: "High", Statuses: []string{"Active", "Closed"}, Products: []string{"Q"}, Tactics: []string{"Discovery"},
			Labels: []string{"m"}, SkipTitles: []string{"^y", "^z"}, Write: []string{"tasks"}}},
		// A list replaces, never appends to, the global one.
		{"lists replace", global, &Policy{Tactics: []string{"Collection"}, Write: []string{"comment", "tasks"}}, Policy{
			MinSeverity: "Medium", Statuses: []string{"New"}, Products: []string{"P"}, Tactics: []string{"Collection"},
			Labels: []string{"l"}, SkipTitles: []string{"^x"}, Write: []string{"comment", "tasks"}}},
		{"over an empty global", Policy{}, &Policy{Labels: []string{"vip"}}, Policy{Labels: []string{"vip"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.p.Merge(tt.over)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Merge (-want +got):\n%s", diff)
			}
			// The result is the caller's: changing it changes neither input.
			if len(got.Statuses) > 0 {
				got.Statuses[0] = "changed"
				if tt.p.Statuses[0] == "changed" || (tt.over != nil && len(tt.over.Statuses) > 0 && tt.over.Statuses[0] == "changed") {
					t.Error("Merge's result shares a slice with its inputs")
				}
			}
		})
	}
}

func TestServeMalformed(t *testing.T) {
	const wsEntry = "workspaces:\n  - subscription_id: " + sub1 + "\n    resource_group: rg\n    workspace_name: ws-1\n"
	tests := []struct {
		name string
		file string
		env  map[string]string
		want string
	}{
		// Values from the environment.
		{name: "severity in env", env: map[string]string{"SOCPILOT_POLICY_MIN_SEVERITY": "Critical"},
			want: `SOCPILOT_POLICY_MIN_SEVERITY: "Critical" is not a severity; expected High, Medium, Low or Informational`},
		{name: "status in env", env: map[string]string{"SOCPILOT_POLICY_STATUSES": "New, Open"},
			want: `SOCPILOT_POLICY_STATUSES: "Open" is not an incident status; expected New, Active or Closed, separated by commas`},
		{name: "tactic close to one", env: map[string]string{"SOCPILOT_POLICY_TACTICS": "Credential Acess"},
			want: `SOCPILOT_POLICY_TACTICS: "Credential Acess" is not a Sentinel tactic (did you mean "CredentialAccess"?)`},
		{name: "tactic unknown", env: map[string]string{"SOCPILOT_POLICY_TACTICS": "Ransomware"},
			want: `SOCPILOT_POLICY_TACTICS: "Ransomware" is not a Sentinel tactic; expected Reconnaissance, ResourceDevelopment, InitialAccess, Execution, Persistence, PrivilegeEscalation, DefenseEvasion, CredentialAccess, Discovery, LateralMovement, Collection, Exfiltration, CommandAndControl, Impact, PreAttack, ImpairProcessControl or InhibitResponseFunction (any case, spaces allowed), separated by commas`},
		{name: "tactics separated by spaces", env: map[string]string{"SOCPILOT_POLICY_TACTICS": "Impact Discovery"},
			want: `SOCPILOT_POLICY_TACTICS: "Impact Discovery" is not a Sentinel tactic; expected Reconnaissance, ResourceDevelopment, InitialAccess, Execution, Persistence, PrivilegeEscalation, DefenseEvasion, CredentialAccess, Discovery, LateralMovement, Collection, Exfiltration, CommandAndControl, Impact, PreAttack, ImpairProcessControl or InhibitResponseFunction (any case, spaces allowed), separated by commas`},
		{name: "regex in env", env: map[string]string{"SOCPILOT_POLICY_SKIP_TITLES": "^ok;;[unclosed"},
			want: "SOCPILOT_POLICY_SKIP_TITLES: \"[unclosed\" is not a Go regular expression: missing closing ]: `[unclosed`; separate several patterns by ;; (or use a YAML list)"},
		{name: "perl-only regex", env: map[string]string{"SOCPILOT_POLICY_SKIP_TITLES": `x(?=y)`},
			want: "SOCPILOT_POLICY_SKIP_TITLES: \"x(?=y)\" is not a Go regular expression: invalid or unsupported Perl syntax: `(?=`; separate several patterns by ;; (or use a YAML list)"},
		{name: "write in env", env: map[string]string{"SOCPILOT_POLICY_WRITE": "comment,notes"},
			want: `SOCPILOT_POLICY_WRITE: "notes" is not something socpilot writes; expected comment, tasks or both, separated by commas`},
		{name: "negative concurrency", env: map[string]string{"SOCPILOT_POLICY_CONCURRENCY": "-1"},
			want: `SOCPILOT_POLICY_CONCURRENCY: "-1" is not a concurrency; expected a whole number of jobs at once from 1 to 1000 (0 for the default)`},
		{name: "concurrency too high", env: map[string]string{"SOCPILOT_POLICY_CONCURRENCY": "1001"},
			want: `SOCPILOT_POLICY_CONCURRENCY: "1001" is not a concurrency; expected a whole number of jobs at once from 1 to 1000 (0 for the default)`},
		{name: "negative budget", env: map[string]string{"SOCPILOT_POLICY_TOKENS_PER_MINUTE": "-5"},
			want: `SOCPILOT_POLICY_TOKENS_PER_MINUTE: "-5" is not a token budget; expected a whole number of model tokens per minute (0 for no limit)`},
		{name: "fractional budget", env: map[string]string{"SOCPILOT_POLICY_TOKENS_PER_MINUTE": "1.5e5"},
			want: `SOCPILOT_POLICY_TOKENS_PER_MINUTE: "1.5e5" is not a token budget; expected a whole number of model tokens per minute (0 for no limit)`},
		{name: "negative cost cap", env: map[string]string{"SOCPILOT_POLICY_COST_CAP_USD": "-0.5"},
			want: `SOCPILOT_POLICY_COST_CAP_USD: "-0.5" is not a cost cap; expected a non-negative number of US dollars per incident such as 0.50 (0 for none)`},
		{name: "cost cap not a number", env: map[string]string{"SOCPILOT_POLICY_COST_CAP_USD": "NaN"},
			want: `SOCPILOT_POLICY_COST_CAP_USD: "NaN" is not a cost cap; expected a non-negative number of US dollars per incident such as 0.50 (0 for none)`},
		{name: "attempts too many", env: map[string]string{"SOCPILOT_POLICY_MAX_ATTEMPTS": "101"},
			want: `SOCPILOT_POLICY_MAX_ATTEMPTS: "101" is not a number of attempts; expected a whole number from 1 to 100 (0 for the default)`},
		{name: "token with a space, never quoted", env: map[string]string{"SOCPILOT_WEBHOOK_TOKEN": "fixture secret"},
			want: "SOCPILOT_WEBHOOK_TOKEN: the value is not usable as a bearer token; expected visible ASCII characters without spaces, such as the output of `openssl rand -hex 32`"},
		// A malformed file is an error even where the environment overrides it.
		{name: "file checked under env", file: "policy:\n  min_severity: urgent\n", env: map[string]string{"SOCPILOT_POLICY_MIN_SEVERITY": "High"},
			want: `socpilot.yaml:2: key "policy.min_severity": "urgent" is not a severity; expected High, Medium, Low or Informational`},

		// The policy: mapping.
		{name: "policy not a mapping", file: "policy: strict\n",
			want: `socpilot.yaml:1: key "policy": expected a mapping of serve policy settings (min_severity, statuses, products, tactics, labels, skip_titles, write, concurrency, ...), got a single value`},
		{name: "unknown policy key with suggestion", file: "policy:\n  min_severity: High\n  concurency: 4\n",
			want: `socpilot.yaml:3: unknown key "policy.concurency" (did you mean "policy.concurrency"?)`},
		{name: "unknown policy key", file: "policy:\n  owner: me\n",
			want: `socpilot.yaml:2: unknown key "policy.owner"; expected one of policy.concurrency, policy.cost_cap_usd, policy.labels, policy.max_attempts, policy.min_severity, policy.products, policy.set_owner, policy.set_status, policy.skip_titles, policy.statuses, policy.tactics, policy.tokens_per_minute, policy.write`},
		{name: "duplicate policy key", file: "policy:\n  labels: [a]\n  labels: [b]\n",
			want: `socpilot.yaml:3: key "policy.labels" appears twice (first on line 2)`},
		{name: "number given a list", file: "policy:\n  concurrency: [4]\n",
			want: `socpilot.yaml:2: key "policy.concurrency": expected a whole number, got a list`},
		{name: "severity given a list", file: "policy:\n  min_severity: [High]\n",
			want: `socpilot.yaml:2: key "policy.min_severity": expected a string, got a list`},
		{name: "list given a mapping", file: "policy:\n  tactics: {a: b}\n",
			want: `socpilot.yaml:2: key "policy.tactics": expected a list of values or a comma-separated string, got a mapping`},
		{name: "patterns given a mapping", file: "policy:\n  skip_titles: {a: b}\n",
			want: `socpilot.yaml:2: key "policy.skip_titles": expected a list of regular expressions or a string of them separated by ;;, got a mapping`},
		{name: "bad regex in a file list names its line", file: "policy:\n  skip_titles:\n    - '^ok'\n    - '(a'\n",
			want: "socpilot.yaml:4: key \"policy.skip_titles\": \"(a\" is not a Go regular expression: missing closing ): `(a`; separate several patterns by ;; (or use a YAML list)"},
		{name: "bad tactic in a file list", file: "policy:\n  tactics:\n    - Impact\n    - Lateral\n",
			want: `socpilot.yaml:4: key "policy.tactics": "Lateral" is not a Sentinel tactic; expected Reconnaissance, ResourceDevelopment, InitialAccess, Execution, Persistence, PrivilegeEscalation, DefenseEvasion, CredentialAccess, Discovery, LateralMovement, Collection, Exfiltration, CommandAndControl, Impact, PreAttack, ImpairProcessControl or InhibitResponseFunction (any case, spaces allowed), separated by commas`},
		{name: "negative attempts in file", file: "policy:\n  max_attempts: -3\n",
			want: `socpilot.yaml:2: key "policy.max_attempts": "-3" is not a number of attempts; expected a whole number from 1 to 100 (0 for the default)`},
		{name: "top-level typo suggests policy", file: "polcy:\n  write: comment\n",
			want: `socpilot.yaml:1: unknown key "polcy" (did you mean "policy"?)`},

		// The workspaces: list.
		{name: "workspaces not a list", file: "workspaces:\n  subscription_id: " + sub1 + "\n",
			want: `socpilot.yaml:2: key "workspaces": expected a list of workspaces, each a mapping with subscription_id, resource_group and workspace_name, got a mapping`},
		{name: "entry not a mapping", file: "workspaces:\n  - law-sec\n",
			want: `socpilot.yaml:2: workspaces[0]: expected a mapping with subscription_id, resource_group and workspace_name, got a single value`},
		{name: "entry missing names", file: wsEntry + "  - subscription_id: " + sub2 + "\n",
			want: `socpilot.yaml:5: workspaces[1]: missing resource_group and workspace_name; each entry of workspaces needs subscription_id, resource_group and workspace_name`},
		{name: "entry with an empty name", file: "workspaces:\n  - subscription_id: " + sub2 + "\n    resource_group: rg\n    workspace_name:\n",
			want: `socpilot.yaml:2: workspaces[0]: missing workspace_name; each entry of workspaces needs subscription_id, resource_group and workspace_name`},
		{name: "duplicate workspace", file: wsEntry + "  - subscription_id: " + strings.ToUpper(sub1) + "\n    resource_group: RG\n    workspace_name: WS-1\n",
			want: `socpilot.yaml:5: workspaces[1]: workspace ` + sub1 + `/RG/WS-1 is listed twice (first on line 2)`},
		{name: "entry bad subscription", file: "workspaces:\n  - subscription_id: my-sub\n    resource_group: rg\n    workspace_name: ws\n",
			want: `socpilot.yaml:2: key "workspaces[0].subscription_id": "my-sub" is not a subscription id; expected a GUID such as 00000000-0000-0000-0000-000000000000`},
		{name: "entry bad workspace name", file: "workspaces:\n  - subscription_id: " + sub1 + "\n    resource_group: rg\n    workspace_name: /subscriptions/x\n",
			want: `socpilot.yaml:4: key "workspaces[0].workspace_name": "/subscriptions/x" is not a workspace name; expected up to 63 letters, digits, '-' or '_', starting with a letter or digit`},
		{name: "entry name given a list", file: "workspaces:\n  - resource_group: [a, b]\n",
			want: `socpilot.yaml:2: key "workspaces[0].resource_group": expected a string, got a list`},
		{name: "entry unknown key with suggestion", file: wsEntry + "    polcy: {write: comment}\n",
			want: `socpilot.yaml:5: unknown key "workspaces[0].polcy" (did you mean "workspaces[0].policy"?)`},
		{name: "entry unknown key", file: wsEntry + "    tenant: contoso\n",
			want: `socpilot.yaml:5: unknown key "workspaces[0].tenant"; expected one of workspaces[0].policy, workspaces[0].resource_group, workspaces[0].subscription_id, workspaces[0].workspace_name`},
		{name: "entry duplicate key", file: wsEntry + "    resource_group: rg-2\n",
			want: `socpilot.yaml:5: key "workspaces[0].resource_group" appears twice (first on line 3)`},
		{name: "entry policy not a mapping", file: wsEntry + "    policy: [High]\n",
			want: `socpilot.yaml:5: key "workspaces[0].policy": expected a mapping of policy overrides (min_severity, statuses, products, tactics, labels, skip_titles, write), got a list`},
		{name: "entry policy bad value", file: wsEntry + "    policy:\n      statuses: New, Resolved\n",
			want: `socpilot.yaml:6: key "workspaces[0].policy.statuses": "Resolved" is not an incident status; expected New, Active or Closed, separated by commas`},
		{name: "entry policy bad regex", file: wsEntry + "    policy:\n      skip_titles: ['a**']\n",
			want: "socpilot.yaml:6: key \"workspaces[0].policy.skip_titles\": \"a**\" is not a Go regular expression: invalid nested repetition operator: `**`; separate several patterns by ;; (or use a YAML list)"},
		{name: "entry policy unknown key with suggestion", file: wsEntry + "    policy:\n      label: [x]\n",
			want: `socpilot.yaml:6: unknown key "workspaces[0].policy.label" (did you mean "workspaces[0].policy.labels"?)`},
		{name: "entry policy unknown key", file: wsEntry + "    policy:\n      owner: me\n",
			want: `socpilot.yaml:6: unknown key "workspaces[0].policy.owner"; expected one of workspaces[0].policy.labels, workspaces[0].policy.min_severity, workspaces[0].policy.products, workspaces[0].policy.set_owner, workspaces[0].policy.set_status, workspaces[0].policy.skip_titles, workspaces[0].policy.statuses, workspaces[0].policy.tactics, workspaces[0].policy.write`},
		{name: "entry policy with a service-wide key", file: wsEntry + "    policy:\n      concurrency: 2\n",
			want: `socpilot.yaml:6: key "workspaces[0].policy.concurrency" applies to the whole service, not to one workspace: set it in the top-level policy`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inDir(t, tt.file)
			env := map[string]string{"XDG_CONFIG_HOME": t.TempDir()}
			for k, v := range tt.env {
				env[k] = v
			}
			_, err := Load(t.Context(), Inputs{Getenv: envOf(env)})
			if err == nil {
				t.Fatalf("Load succeeded, want error %s", tt.want)
			}
			if socpilot.ErrorCode(err) != socpilot.EConfig {
				t.Errorf("code = %s, want %s (exit 2)", socpilot.ErrorCode(err), socpilot.EConfig)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got: %s\nwant: %s", err, tt.want)
			}
		})
	}
}

func TestServeSetStatusAndOwner(t *testing.T) {
	env := map[string]string{"SOCPILOT_POLICY_SET_STATUS": "active", "SOCPILOT_POLICY_SET_OWNER": "soc-tier1@contoso.com"}
	cfg, err := Load(context.Background(), Inputs{Getenv: func(k string) string { return env[k] }, File: ""})
	if err != nil {
		t.Fatal(err)
	}
	if p := cfg.Serve.Policy; p.SetStatus != "Active" || p.SetOwner != "soc-tier1@contoso.com" {
		t.Fatalf("policy = %+v", p)
	}
	for k, v := range map[string]string{"SOCPILOT_POLICY_SET_STATUS": "Closed", "SOCPILOT_POLICY_SET_OWNER": "not an owner"} {
		_, err := Load(context.Background(), Inputs{Getenv: func(key string) string {
			if key == k {
				return v
			}
			return ""
		}})
		if err == nil || !strings.Contains(err.Error(), k) || socpilot.ErrorCode(err) != socpilot.EConfig {
			t.Errorf("%s=%s: err %v, want a config error naming it", k, v, err)
		}
	}
	if got := (Policy{SetOwner: "a@b.c"}).Merge(&Policy{SetStatus: "Active"}); got.SetOwner != "a@b.c" || got.SetStatus != "Active" {
		t.Errorf("Merge = %+v", got)
	}
}
