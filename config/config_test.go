package config

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/google/go-cmp/cmp"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/config/kvtest"
)

// Fixture values: obviously fake, nothing that looks like a real secret.
const (
	sub1 = "11111111-1111-1111-1111-111111111111"
	sub2 = "22222222-2222-2222-2222-222222222222"
	sub3 = "33333333-3333-3333-3333-333333333333"
	sub4 = "44444444-4444-4444-4444-444444444444"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string {
		if v, ok := m[k]; ok {
			return v
		}
		// Keep the developer's real environment out of the tests.
		return ""
	}
}

// inDir runs the test in a fresh directory holding socpilot.yaml (when
// content is not empty), so messages name the file as "socpilot.yaml".
func inDir(t *testing.T, content string) string {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	if content != "" {
		if err := os.WriteFile(filepath.Join(dir, DefaultFileName), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// newVault starts the Key Vault emulator and returns a real azsecrets-based
// client for it.
func newVault(t *testing.T, secrets map[string]string) (*kvtest.Server, *KeyVault, *kvtest.Credential) {
	t.Helper()
	srv := kvtest.New(t, secrets)
	cred := &kvtest.Credential{}
	kv, err := NewKeyVault(srv.VaultURL(), cred, &KeyVaultOptions{
		Transport:                            srv.Client(),
		DisableChallengeResourceVerification: true, // the server is 127.0.0.1, not *.vault.azure.net
		Retry:                                &policy.RetryOptions{MaxRetries: -1},
	})
	if err != nil {
		t.Fatal(err)
	}
	return srv, kv, cred
}

func TestPrecedence(t *testing.T) {
	// Each layer sets the subscription and everything below it in the
	// table; the highest layer must win and be reported as the origin.
	type layers struct{ flag, env, file, vault string }
	tests := []struct {
		name       string
		l          layers
		want       string
		wantOrigin string
	}{
		{"flag over all", layers{sub1, sub2, sub3, sub4}, sub1, "flag:--subscription-id"},
		{"env over file and vault", layers{"", sub2, sub3, sub4}, sub2, "env:SOCPILOT_SUBSCRIPTION_ID"},
		{"file over vault", layers{"", "", sub3, sub4}, sub3, "file:"},
		{"vault last", layers{"", "", "", sub4}, sub4, "keyvault:sentinel-subscription-id"},
		{"flag over vault", layers{sub1, "", "", sub4}, sub1, "flag:--subscription-id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := "resource_group: rg-file\nworkspace_name: ws-file\n"
			if tt.l.file != "" {
				file += "subscription_id: " + tt.l.file + "\n"
			}
			dir := inDir(t, file)
			secrets := map[string]string{}
			if tt.l.vault != "" {
				secrets["sentinel-subscription-id"] = tt.l.vault
			}
			srv, kv, _ := newVault(t, secrets)
			env := map[string]string{"SOCPILOT_KEYVAULT_URL": srv.VaultURL()}
			if tt.l.env != "" {
				env["SOCPILOT_SUBSCRIPTION_ID"] = tt.l.env
			}
			flags := map[string]string{}
			if tt.l.flag != "" {
				flags["subscription-id"] = tt.l.flag
			}
			c, err := Load(t.Context(), Inputs{Flags: flags, Getenv: envOf(env), Secrets: kv})
			if err != nil {
				t.Fatal(err)
			}
			if c.SubscriptionID != tt.want {
				t.Errorf("SubscriptionID = %s, want %s", c.SubscriptionID, tt.want)
			}
			wantOrigin := tt.wantOrigin
			if wantOrigin == "file:" {
				wantOrigin += filepath.Join(dir, DefaultFileName)
			}
			if got := c.Origin("subscription-id"); got != wantOrigin {
				t.Errorf("Origin = %q, want %q", got, wantOrigin)
			}
			if c.File != filepath.Join(dir, DefaultFileName) {
				t.Errorf("File = %q", c.File)
			}
			// The vault is asked only for what is still missing.
			var wantReq []string
			if tt.l.flag == "" && tt.l.env == "" && tt.l.file == "" {
				wantReq = []string{"subscription-id", "sentinel-subscription-id"}
			}
			wantReq = append(wantReq, "aoai-api-version", "aoai-deployment", "aoai-endpoint", "aoai-key", "base", "key", "model", "sentinel-api-version", "version",
				"socpilot-webhook-token", "webhook-token")
			if diff := cmp.Diff(sorted(wantReq), srv.Requests()); diff != "" {
				t.Errorf("vault requests (-want +got):\n%s", diff)
			}
		})
	}
}

func sorted(xs []string) []string {
	out := append([]string(nil), xs...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestFullFile(t *testing.T) {
	dir := inDir(t, `# socpilot configuration
subscription_id: 0000AAAA-0000-0000-0000-000000000000
resource_group: rg-sec(prod)
workspace_name: law-sec-01
workspace_id: 5a5a5a5a-0000-0000-0000-000000000000
cloud: azureusgovernment
sentinel_api_version: 2024-03-01
arm_endpoint: http://127.0.0.1:8080/
llm:
  provider: Compatible
  endpoint: http://localhost:11434/v1
  api_key: fixture-not-a-key
  model: llama3.1
  redact: off
  price_prompt_per_1m: 0.5
  price_completion_per_1m: 1.5
  timeout: 90
state_dir: ~/socpilot-state
store: postgres://socpilot:fixture-pw@db.internal:5432/socpilot
`)
	c, err := Load(t.Context(), Inputs{Getenv: envOf(map[string]string{"HOME": "/home/analyst"})})
	if err != nil {
		t.Fatal(err)
	}
	f := false
	want := &Config{
		SubscriptionID: "0000aaaa-0000-0000-0000-000000000000", ResourceGroup: "rg-sec(prod)", WorkspaceName: "law-sec-01",
		WorkspaceID: "5a5a5a5a-0000-0000-0000-000000000000", Cloud: AzureUSGovernment, SentinelAPIVersion: "2024-03-01",
		ARMEndpoint: "http://127.0.0.1:8080",
		LLM: LLMConfig{Provider: "compatible", Endpoint: "http://localhost:11434/v1", APIKey: "fixture-not-a-key", Model: "llama3.1",
			Redact: &f, PromptPricePer1M: 0.5, CompletionPricePer1M: 1.5, Timeout: 90 * time.Second},
		StateDir: "/home/analyst/socpilot-state",
		Store:    "postgres://socpilot:fixture-pw@db.internal:5432/socpilot",
		File:     filepath.Join(dir, DefaultFileName),
	}
	if diff := cmp.Diff(want, c, cmp.AllowUnexported(Config{}), cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".origin" }, cmp.Ignore())); diff != "" {
		t.Errorf("Load (-want +got):\n%s", diff)
	}
	if c.Demo() || !c.LLMConfigured() || c.RedactEnabled() {
		t.Errorf("Demo=%v LLMConfigured=%v RedactEnabled=%v, want false true false", c.Demo(), c.LLMConfigured(), c.RedactEnabled())
	}
	red := c.Redacted()
	if red["llm-api-key"] != "(set, hidden)" || red["store"] != "postgres://socpilot:xxxxx@db.internal:5432/socpilot" {
		t.Errorf("Redacted key=%q store=%q", red["llm-api-key"], red["store"])
	}
	for k, v := range red {
		if strings.Contains(v, "fixture-not-a-key") || strings.Contains(v, "fixture-pw") {
			t.Errorf("Redacted()[%s] shows a secret: %q", k, v)
		}
	}
}

func TestDefaults(t *testing.T) {
	inDir(t, "")
	c, err := Load(t.Context(), Inputs{Getenv: envOf(map[string]string{"XDG_STATE_HOME": "/var/state", "XDG_CONFIG_HOME": t.TempDir()})})
	if err != nil {
		t.Fatal(err)
	}
	if !c.Demo() || c.LLMConfigured() || !c.RedactEnabled() || c.File != "" {
		t.Errorf("Demo=%v LLMConfigured=%v RedactEnabled=%v File=%q", c.Demo(), c.LLMConfigured(), c.RedactEnabled(), c.File)
	}
	got := map[string]string{"cloud": c.Cloud, "api": c.SentinelAPIVersion, "state": c.StateDir,
		"cloud-origin": c.Origin("cloud"), "model-origin": c.Origin("llm-model")}
	want := map[string]string{"cloud": "AzurePublic", "api": "2025-09-01", "state": "/var/state/socpilot",
		"cloud-origin": "default", "model-origin": ""}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
	c, err = Load(t.Context(), Inputs{Getenv: envOf(map[string]string{"HOME": "/home/a"})})
	if err != nil {
		t.Fatal(err)
	}
	if c.StateDir != "/home/a/.local/state/socpilot" {
		t.Errorf("StateDir = %q", c.StateDir)
	}
}

func TestFileDiscovery(t *testing.T) {
	inDir(t, "") // no ./socpilot.yaml
	xdg := t.TempDir()
	p := filepath.Join(xdg, "socpilot", DefaultFileName)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("cloud: AzureChina\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(t.Context(), Inputs{Getenv: envOf(map[string]string{"XDG_CONFIG_HOME": xdg})})
	if err != nil {
		t.Fatal(err)
	}
	if c.Cloud != AzureChina || c.File != p || c.Origin("cloud") != "file:"+p {
		t.Errorf("Cloud=%q File=%q Origin=%q", c.Cloud, c.File, c.Origin("cloud"))
	}
	// ./socpilot.yaml wins over the XDG one.
	if err := os.WriteFile(DefaultFileName, []byte("cloud: AzureUSGovernment\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = Load(t.Context(), Inputs{Getenv: envOf(map[string]string{"XDG_CONFIG_HOME": xdg})})
	if err != nil {
		t.Fatal(err)
	}
	if c.Cloud != AzureUSGovernment {
		t.Errorf("Cloud = %q, want the working directory's file", c.Cloud)
	}
	// An explicit --config wins over both.
	c, err = Load(t.Context(), Inputs{File: p, Getenv: envOf(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if c.Cloud != AzureChina {
		t.Errorf("Cloud = %q, want the explicit file's", c.Cloud)
	}
}

func TestMalformed(t *testing.T) {
	tests := []struct {
		name   string
		file   string
		env    map[string]string
		flags  map[string]string
		inFile string // Inputs.File
		want   string
	}{
		{name: "unknown cloud in file", file: "subscription_id: " + sub1 + "\nresource_group: rg\nworkspace_name: ws-1\ncloud: AzureGermany\n",
			want: `socpilot.yaml:4: key "cloud": "AzureGermany" is not a known cloud; expected AzurePublic, AzureUSGovernment or AzureChina`},
		{name: "unknown cloud in env", env: map[string]string{"SOCPILOT_CLOUD": "AzureGermany"},
			want: `SOCPILOT_CLOUD: "AzureGermany" is not a known cloud; expected AzurePublic, AzureUSGovernment or AzureChina`},
		{name: "unknown cloud in flag", flags: map[string]string{"cloud": "Mars"},
			want: `--cloud: "Mars" is not a known cloud; expected AzurePublic, AzureUSGovernment or AzureChina`},
		{name: "bad yaml", file: "cloud: AzurePublic\nllm:\n  provider: azure\n model: x\n",
			want: `socpilot.yaml:3: invalid YAML: did not find expected key`},
		{name: "tab indentation", file: "llm:\n\tprovider: azure\n",
			want: `socpilot.yaml:2: invalid YAML: found character that cannot start any token`},
		{name: "not a mapping", file: "- cloud\n- AzurePublic\n",
			want: `socpilot.yaml:1: expected a mapping of settings such as "workspace_name: my-workspace", got a list`},
		{name: "unknown key with suggestion", file: "cloud: AzurePublic\nworkspce_name: ws-1\n",
			want: `socpilot.yaml:2: unknown key "workspce_name" (did you mean "workspace_name"?)`},
		{name: "unknown key", file: "verbosity: 3\n",
			want: `socpilot.yaml:1: unknown key "verbosity"; expected one of arm_endpoint, backend, cloud, graph_endpoint, keyvault_url, llm, log, logs_endpoint, own_domains, own_networks, own_organisations, own_watchlist, policy, resource_group, sentinel_api_version, signin, state_dir, store, subscription_id, tenant_id, webhook_token, workspace_id, workspace_name, workspaces`},
		{name: "unknown log level", env: map[string]string{"SOCPILOT_LOG": "loud"},
			want: `SOCPILOT_LOG: "loud" is not a log level; expected debug, info, warn, error or off`},
		{name: "state dir is a file", env: map[string]string{"SOCPILOT_STATE_DIR": "/dev/null"},
			want: `SOCPILOT_STATE_DIR: "/dev/null" is a file, not a directory; give a directory socpilot may create files in`},
		{name: "unknown llm key", file: "llm:\n  modle: gpt-4o\n",
			want: `socpilot.yaml:2: unknown key "llm.modle" (did you mean "llm.model"?)`},
		{name: "duplicate key", file: "cloud: AzurePublic\nstate_dir: /x\ncloud: AzureChina\n",
			want: `socpilot.yaml:3: key "cloud" appears twice (first on line 1)`},
		{name: "wrong type list", file: "workspace_name:\n  - a\n  - b\n",
			want: `socpilot.yaml:2: key "workspace_name": expected a string, got a list`},
		{name: "wrong type llm", file: "llm: gpt-4o\n",
			want: `socpilot.yaml:1: key "llm": expected a mapping of model settings (provider, endpoint, api_key, model, ...), got a single value`},
		{name: "api key as mapping", file: "llm:\n  api_key:\n    value: x\n",
			want: `socpilot.yaml:3: key "llm.api_key": expected a string, got a mapping`},
		{name: "unknown provider", file: "llm:\n  provider: anthropic\n",
			want: `socpilot.yaml:2: key "llm.provider": "anthropic" is not a known provider; expected azure, openai or compatible`},
		{name: "bad bool in file", file: "llm:\n  redact: maybe\n",
			want: `socpilot.yaml:2: key "llm.redact": "maybe" is not a boolean; expected true or false (or 1/0, on/off, yes/no)`},
		{name: "bad bool in env", env: map[string]string{"SOCPILOT_REDACT": "sometimes"},
			want: `SOCPILOT_REDACT: "sometimes" is not a boolean; expected true or false (or 1/0, on/off, yes/no)`},
		{name: "bad duration", env: map[string]string{"SOCPILOT_LLM_TIMEOUT": "soon"},
			want: `SOCPILOT_LLM_TIMEOUT: "soon" is not a duration; expected a positive duration such as 90s or 2m, or a whole number of seconds`},
		{name: "negative duration", file: "llm:\n  timeout: -5s\n",
			want: `socpilot.yaml:2: key "llm.timeout": "-5s" is not a duration; expected a positive duration such as 90s or 2m, or a whole number of seconds`},
		{name: "bad price", env: map[string]string{"SOCPILOT_LLM_PRICE_PROMPT_PER_1M": "$2"},
			want: `SOCPILOT_LLM_PRICE_PROMPT_PER_1M: "$2" is not a price; expected a non-negative number of US dollars per million tokens such as 2.5`},
		{name: "negative price", file: "llm:\n  price_completion_per_1m: -1\n",
			want: `socpilot.yaml:2: key "llm.price_completion_per_1m": "-1" is not a price; expected a non-negative number of US dollars per million tokens such as 2.5`},
		{name: "bad subscription", env: map[string]string{"SOCPILOT_SUBSCRIPTION_ID": "my-sub"},
			want: `SOCPILOT_SUBSCRIPTION_ID: "my-sub" is not a subscription id; expected a GUID such as 00000000-0000-0000-0000-000000000000`},
		{name: "bad workspace id", file: "workspace_id: law-sec-01\n",
			want: `socpilot.yaml:1: key "workspace_id": "law-sec-01" is not a workspace id; expected the Log Analytics workspace's GUID (Workspace ID in the portal)`},
		{name: "bad workspace name", flags: map[string]string{"workspace-name": "/subscriptions/x"},
			want: `--workspace-name: "/subscriptions/x" is not a workspace name; expected up to 63 letters, digits, '-' or '_', starting with a letter or digit`},
		{name: "bad resource group", env: map[string]string{"SOCPILOT_RESOURCE_GROUP": "rg."},
			want: `SOCPILOT_RESOURCE_GROUP: "rg." is not a resource group name; expected 1-90 letters, digits, '-', '_', '.', '(' or ')', not ending in '.'`},
		{name: "bad api version", file: "sentinel_api_version: latest\n",
			want: `socpilot.yaml:1: key "sentinel_api_version": "latest" is not an API version; expected a date such as 2025-09-01`},
		{name: "bad llm api version", env: map[string]string{"SOCPILOT_LLM_API_VERSION": "2024"},
			want: `SOCPILOT_LLM_API_VERSION: "2024" is not an API version; expected a date such as 2024-10-21, or v1`},
		{name: "bad arm endpoint", env: map[string]string{"SOCPILOT_ARM_ENDPOINT": "127.0.0.1:8080"},
			want: `SOCPILOT_ARM_ENDPOINT: "127.0.0.1:8080" is not a URL; expected an absolute http or https URL such as https://example.openai.azure.com`},
		{name: "http key vault", env: map[string]string{"SOCPILOT_KEYVAULT_URL": "http://kv.example"},
			want: `SOCPILOT_KEYVAULT_URL: "http://kv.example" is not a Key Vault URL; expected the vault's https URL such as https://my-vault.vault.azure.net/`},
		{name: "store is secret", env: map[string]string{"SOCPILOT_STORE": "mysql://root:fixture-pw@db/x"},
			want: `SOCPILOT_STORE: the value is not a PostgreSQL URL; expected postgres://USER@HOST:5432/DATABASE (leave it unset for the local SQLite store)`},
		{name: "malformed file overridden by env is still an error", file: "cloud: AzureGermany\n", env: map[string]string{"SOCPILOT_CLOUD": "AzurePublic"},
			want: `socpilot.yaml:1: key "cloud": "AzureGermany" is not a known cloud; expected AzurePublic, AzureUSGovernment or AzureChina`},
		{name: "subscription without workspace", env: map[string]string{"SOCPILOT_SUBSCRIPTION_ID": sub1},
			want: `incomplete workspace: SOCPILOT_SUBSCRIPTION_ID is set but SOCPILOT_RESOURCE_GROUP and SOCPILOT_WORKSPACE_NAME are not; set all three of SOCPILOT_SUBSCRIPTION_ID, SOCPILOT_RESOURCE_GROUP and SOCPILOT_WORKSPACE_NAME (or their flags or file keys), or none to use the demo workspace`},
		{name: "workspace without resource group", file: "subscription_id: " + sub1 + "\n", flags: map[string]string{"workspace-name": "ws-1"},
			want: `incomplete workspace: socpilot.yaml:1: key "subscription_id" and --workspace-name are set but SOCPILOT_RESOURCE_GROUP is not; set all three of SOCPILOT_SUBSCRIPTION_ID, SOCPILOT_RESOURCE_GROUP and SOCPILOT_WORKSPACE_NAME (or their flags or file keys), or none to use the demo workspace`},
		{name: "unknown flag", flags: map[string]string{"colour": "x"},
			want: `--colour is not a setting socpilot knows`},
		{name: "missing explicit file", inFile: "nope.yaml",
			want: `config file nope.yaml does not exist`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inDir(t, tt.file)
			env := map[string]string{"XDG_CONFIG_HOME": "/nonexistent"}
			for k, v := range tt.env {
				env[k] = v
			}
			_, err := Load(t.Context(), Inputs{Flags: tt.flags, Getenv: envOf(env), File: tt.inFile})
			if err == nil {
				t.Fatalf("Load succeeded, want %q", tt.want)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error\n got: %s\nwant: %s", got, tt.want)
			}
			if code := socpilot.ErrorCode(err); code != socpilot.EConfig {
				t.Errorf("code = %s, want %s", code, socpilot.EConfig)
			}
			if strings.Contains(err.Error(), "fixture-pw") {
				t.Errorf("error shows a secret: %s", err)
			}
		})
	}
}

func TestSecretNeverInMessage(t *testing.T) {
	inDir(t, "llm:\n  api_key: [fixture-not-a-key]\n")
	_, err := Load(t.Context(), Inputs{Getenv: envOf(nil)})
	if err == nil || strings.Contains(err.Error(), "fixture-not-a-key") {
		t.Fatalf("err = %v", err)
	}
}

func TestProviderInference(t *testing.T) {
	tests := []struct {
		name      string
		env       map[string]string
		want      string
		redact    bool
		configued bool
	}{
		{"nothing", nil, "", true, false},
		{"explicit", map[string]string{"SOCPILOT_LLM_PROVIDER": "OpenAI", "SOCPILOT_LLM_MODEL": "gpt-4o"}, "openai", true, true},
		{"azure host", map[string]string{"SOCPILOT_LLM_ENDPOINT": "https://contoso-aoai.openai.azure.com/", "SOCPILOT_LLM_MODEL": "gpt-4o"}, "azure", false, true},
		{"foundry host", map[string]string{"SOCPILOT_LLM_ENDPOINT": "https://contoso.cognitiveservices.azure.com", "SOCPILOT_LLM_MODEL": "gpt-4o"}, "azure", false, true},
		{"api version implies azure", map[string]string{"SOCPILOT_LLM_ENDPOINT": "https://gateway.example/aoai", "SOCPILOT_LLM_API_VERSION": "2024-10-21", "SOCPILOT_LLM_MODEL": "m"}, "azure", false, true},
		{"no endpoint is openai", map[string]string{"SOCPILOT_LLM_API_KEY": "fixture", "SOCPILOT_LLM_MODEL": "gpt-4o"}, "openai", true, true},
		{"other endpoint is compatible", map[string]string{"SOCPILOT_LLM_ENDPOINT": "http://localhost:11434/v1", "SOCPILOT_LLM_MODEL": "llama3.1"}, "compatible", true, true},
		{"azure with redact forced on", map[string]string{"SOCPILOT_LLM_PROVIDER": "azure", "SOCPILOT_LLM_MODEL": "d", "SOCPILOT_REDACT": "on"}, "azure", true, true},
		{"price alone is not a model", map[string]string{"SOCPILOT_LLM_PRICE_PROMPT_PER_1M": "1"}, "", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inDir(t, "")
			c, err := Load(t.Context(), Inputs{Getenv: envOf(tt.env)})
			if err != nil {
				t.Fatal(err)
			}
			if c.LLM.Provider != tt.want || c.RedactEnabled() != tt.redact || c.LLMConfigured() != tt.configued {
				t.Errorf("Provider=%q RedactEnabled=%v LLMConfigured=%v, want %q %v %v", c.LLM.Provider, c.RedactEnabled(), c.LLMConfigured(), tt.want, tt.redact, tt.configued)
			}
		})
	}
}

func TestVaultNames(t *testing.T) {
	tests := []struct {
		name    string
		secrets map[string]string
		env     map[string]string
		want    Config
		origins map[string]string
	}{
		{
			name: "original script names",
			secrets: map[string]string{
				"version": "2024-02-15-preview", "base": "https://contoso-aoai.openai.azure.com/", "key": "fixture-generic-key", "model": "gpt-4o",
				"subscription-id": sub1, "resource-group": "rg-sentinel", "workspace-name": "law-sentinel",
			},
			want: Config{SubscriptionID: sub1, ResourceGroup: "rg-sentinel", WorkspaceName: "law-sentinel", SentinelAPIVersion: "2025-09-01",
				LLM: LLMConfig{Provider: "azure", Endpoint: "https://contoso-aoai.openai.azure.com/", APIKey: "fixture-generic-key", Model: "gpt-4o", APIVersion: "2024-02-15-preview"}},
			origins: map[string]string{"llm-api-version": "keyvault:version", "llm-endpoint": "keyvault:base", "llm-api-key": "keyvault:key",
				"llm-model": "keyvault:model", "subscription-id": "keyvault:subscription-id", "llm-provider": "inferred"},
		},
		{
			name: "specific names win and aoai implies azure",
			secrets: map[string]string{
				"aoai-api-version": "2024-10-21", "aoai-endpoint": "https://gw.example/", "aoai-key": "fixture-aoai-key", "aoai-deployment": "gpt-4o-prod",
				"base": "https://other.example/", "model": "other",
				"sentinel-subscription-id": sub2, "subscription-id": sub1, "sentinel-resource-group": "rg-s", "sentinel-workspace-name": "ws-s1",
				"sentinel-api-version": "2024-03-01",
			},
			want: Config{SubscriptionID: sub2, ResourceGroup: "rg-s", WorkspaceName: "ws-s1", SentinelAPIVersion: "2024-03-01",
				LLM: LLMConfig{Provider: "azure", Endpoint: "https://gw.example/", APIKey: "fixture-aoai-key", Model: "gpt-4o-prod", APIVersion: "2024-10-21"}},
			origins: map[string]string{"llm-provider": "inferred from keyvault:aoai-endpoint", "subscription-id": "keyvault:sentinel-subscription-id",
				"sentinel-api-version": "keyvault:sentinel-api-version", "llm-model": "keyvault:aoai-deployment"},
		},
		{
			name:    "aoai names ignored for another provider",
			secrets: map[string]string{"aoai-key": "fixture-aoai-key", "key": "fixture-generic-key", "aoai-deployment": "d"},
			env:     map[string]string{"SOCPILOT_LLM_PROVIDER": "openai", "SOCPILOT_LLM_MODEL": "gpt-4o"},
			want: Config{SentinelAPIVersion: "2025-09-01",
				LLM: LLMConfig{Provider: "openai", APIKey: "fixture-generic-key", Model: "gpt-4o"}},
			origins: map[string]string{"llm-api-key": "keyvault:key", "llm-model": "env:SOCPILOT_LLM_MODEL", "llm-provider": "env:SOCPILOT_LLM_PROVIDER"},
		},
		{
			name:    "empty vault is the demo",
			secrets: map[string]string{},
			want:    Config{SentinelAPIVersion: "2025-09-01"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inDir(t, "")
			srv, kv, cred := newVault(t, tt.secrets)
			env := map[string]string{"SOCPILOT_KEYVAULT_URL": srv.VaultURL(), "SOCPILOT_STATE_DIR": "/s"}
			for k, v := range tt.env {
				env[k] = v
			}
			c, err := Load(t.Context(), Inputs{Getenv: envOf(env), Secrets: kv})
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			want.Cloud, want.StateDir, want.KeyVaultURL = AzurePublic, "/s", srv.VaultURL()
			if diff := cmp.Diff(&want, c, cmp.AllowUnexported(Config{}), cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".origin" }, cmp.Ignore())); diff != "" {
				t.Errorf("Load (-want +got):\n%s", diff)
			}
			for k, w := range tt.origins {
				if got := c.Origin(k); got != w {
					t.Errorf("Origin(%s) = %q, want %q", k, got, w)
				}
			}
			// The challenge policy asked the credential for the vault's
			// scope in the challenge's tenant.
			scopes, tenant := cred.Asked()
			if diff := cmp.Diff([]string{kvtest.Resource + "/.default"}, scopes); diff != "" || tenant != kvtest.Tenant {
				t.Errorf("token request scopes %v tenant %q", scopes, tenant)
			}
		})
	}
}

func TestVaultErrors(t *testing.T) {
	t.Run("403 names the vault and the role", func(t *testing.T) {
		inDir(t, "")
		srv, kv, _ := newVault(t, map[string]string{"key": "fixture-generic-key"})
		srv.SetForbidden(true)
		_, err := Load(t.Context(), Inputs{Getenv: envOf(map[string]string{"SOCPILOT_KEYVAULT_URL": srv.VaultURL()}), Secrets: kv})
		if socpilot.ErrorCode(err) != socpilot.EForbidden {
			t.Fatalf("err = %v, want forbidden", err)
		}
		want := `Key Vault ` + srv.VaultURL() + ` refused to read secret "sentinel-subscription-id" (403 Forbidden): grant the signed-in identity the Key Vault Secrets User role on the vault (or a Get secret access policy), and check the vault's firewall`
		if err.Error() != want {
			t.Errorf("error\n got: %s\nwant: %s", err, want)
		}
	})
	t.Run("no token", func(t *testing.T) {
		srv := kvtest.New(t, nil)
		cred := &kvtest.Credential{Fail: errors.New("DefaultAzureCredential: failed to acquire a token")}
		kv, err := NewKeyVault(srv.VaultURL(), cred, &KeyVaultOptions{Transport: srv.Client(), DisableChallengeResourceVerification: true, Retry: &policy.RetryOptions{MaxRetries: -1}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = kv.GetSecret(t.Context(), "key")
		if socpilot.ErrorCode(err) != socpilot.EUnauthorized || !strings.Contains(err.Error(), "cannot get a token for Key Vault "+srv.VaultURL()) ||
			!strings.Contains(err.Error(), "Key Vault Secrets User") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("wrong token is 401", func(t *testing.T) {
		srv := kvtest.New(t, nil)
		kv, err := NewKeyVault(srv.VaultURL(), staticCred("fixture-wrong-token"), &KeyVaultOptions{Transport: srv.Client(), DisableChallengeResourceVerification: true, Retry: &policy.RetryOptions{MaxRetries: -1}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = kv.GetSecret(t.Context(), "key")
		want := "Key Vault " + srv.VaultURL() + " did not accept the credential (401 Unauthorized): sign in to the vault's tenant (`az login --tenant ...`) as an identity with the Key Vault Secrets User role on the vault"
		if socpilot.ErrorCode(err) != socpilot.EUnauthorized || err.Error() != want {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("missing secret is ErrNotFound", func(t *testing.T) {
		_, kv, _ := newVault(t, nil)
		_, err := kv.GetSecret(t.Context(), "aoai-key")
		if !errors.Is(err, socpilot.ErrNotFound) {
			t.Errorf("err = %v, want ErrNotFound", err)
		}
	})
	t.Run("challenge for another domain", func(t *testing.T) {
		srv := kvtest.New(t, nil)
		kv, err := NewKeyVault(srv.VaultURL(), &kvtest.Credential{}, &KeyVaultOptions{Transport: srv.Client(), Retry: &policy.RetryOptions{MaxRetries: -1}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = kv.GetSecret(t.Context(), "key")
		if socpilot.ErrorCode(err) != socpilot.EConfig {
			t.Errorf("err = %v, want config error", err)
		}
	})
	t.Run("found", func(t *testing.T) {
		_, kv, _ := newVault(t, map[string]string{"Model": "gpt-4o"})
		got, err := kv.GetSecret(context.Background(), "model")
		if err != nil || got != "gpt-4o" {
			t.Errorf("GetSecret = %q, %v", got, err)
		}
	})
	t.Run("bad value from the vault names the secret", func(t *testing.T) {
		inDir(t, "")
		srv, kv, _ := newVault(t, map[string]string{"sentinel-api-version": "newest"})
		_, err := Load(t.Context(), Inputs{Getenv: envOf(map[string]string{"SOCPILOT_KEYVAULT_URL": srv.VaultURL()}), Secrets: kv})
		want := `Key Vault ` + srv.VaultURL() + ` secret "sentinel-api-version": "newest" is not an API version; expected a date such as 2025-09-01`
		if err == nil || err.Error() != want || socpilot.ErrorCode(err) != socpilot.EConfig {
			t.Errorf("error\n got: %v\nwant: %s", err, want)
		}
	})
	t.Run("nothing missing means no vault call", func(t *testing.T) {
		inDir(t, "")
		env := map[string]string{
			"SOCPILOT_KEYVAULT_URL": "https://unreachable.vault.azure.net/", "SOCPILOT_SUBSCRIPTION_ID": sub1, "SOCPILOT_RESOURCE_GROUP": "rg",
			"SOCPILOT_WORKSPACE_NAME": "ws-1", "SOCPILOT_SENTINEL_API_VERSION": "2025-09-01", "SOCPILOT_LLM_ENDPOINT": "http://localhost:1/v1",
			"SOCPILOT_LLM_API_KEY": "fixture", "SOCPILOT_LLM_MODEL": "m", "SOCPILOT_LLM_API_VERSION": "v1",
			"SOCPILOT_WEBHOOK_TOKEN": "fixture-webhook-token",
		}
		if _, err := Load(t.Context(), Inputs{Getenv: envOf(env), Secrets: failingSource{t}}); err != nil {
			t.Fatal(err)
		}
	})
}

// hangingSource is a vault that never answers.
type hangingSource struct{}

func (hangingSource) GetSecret(ctx context.Context, _ string) (string, error) {
	<-ctx.Done()
	return "", &socpilot.Error{Code: socpilot.EUnavailable, Err: ctx.Err(), Message: "Key Vault did not answer"}
}

// TestOptionalSecretsDoNotBlock: with every needed setting given elsewhere
// and only defaulted ones (API versions) left for the vault, a vault that
// does not answer costs a bounded wait and the defaults, not the command.
func TestOptionalSecretsDoNotBlock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		inDir(t, "")
		env := map[string]string{
			"SOCPILOT_KEYVAULT_URL": "https://unreachable.vault.azure.net/", "SOCPILOT_SUBSCRIPTION_ID": sub1, "SOCPILOT_RESOURCE_GROUP": "rg",
			"SOCPILOT_WORKSPACE_NAME": "ws-1", "SOCPILOT_LLM_ENDPOINT": "http://localhost:1/v1", "SOCPILOT_LLM_API_KEY": "fixture", "SOCPILOT_LLM_MODEL": "m",
		}
		start := time.Now()
		cfg, err := Load(t.Context(), Inputs{Getenv: envOf(env), Secrets: hangingSource{}})
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		if waited := time.Since(start); waited > optionalVaultWait {
			t.Errorf("waited %v for optional secrets, want at most %v", waited, optionalVaultWait)
		}
		if cfg.SentinelAPIVersion != DefaultSentinelAPIVersion {
			t.Errorf("sentinel api version %q, want the default", cfg.SentinelAPIVersion)
		}
		// A needed setting missing: the vault's failure is the command's.
		delete(env, "SOCPILOT_WORKSPACE_NAME")
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		if _, err := Load(ctx, Inputs{Getenv: envOf(env), Secrets: hangingSource{}}); err == nil {
			t.Error("a needed setting from an unreachable vault did not fail")
		}
	})
}

type failingSource struct{ t *testing.T }

func (f failingSource) GetSecret(context.Context, string) (string, error) {
	f.t.Error("the vault was read although nothing was missing")
	return "", errors.New("unexpected")
}

type staticCred string

func (s staticCred) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: string(s), ExpiresOn: time.Now().Add(time.Hour)}, nil
}

func TestCloudConfig(t *testing.T) {
	tests := []struct {
		name, authority, arm string
	}{
		{"", "https://login.microsoftonline.com/", "https://management.azure.com"},
		{"AzurePublic", "https://login.microsoftonline.com/", "https://management.azure.com"},
		{"AzureCloud", "https://login.microsoftonline.com/", "https://management.azure.com"},
		{"AzureUSGovernment", "https://login.microsoftonline.us/", "https://management.usgovcloudapi.net"},
		{"AzureChina", "https://login.chinacloudapi.cn/", "https://management.chinacloudapi.cn"},
	}
	for _, tt := range tests {
		c, err := CloudConfig(tt.name)
		if err != nil {
			t.Fatal(err)
		}
		if c.ActiveDirectoryAuthorityHost != tt.authority || c.Services[cloud.ResourceManager].Endpoint != tt.arm {
			t.Errorf("CloudConfig(%q) = %s, %s", tt.name, c.ActiveDirectoryAuthorityHost, c.Services[cloud.ResourceManager].Endpoint)
		}
	}
	if _, err := CloudConfig("AzureGermany"); socpilot.ErrorCode(err) != socpilot.EConfig {
		t.Errorf("unknown cloud: err = %v", err)
	}
}

func TestBackendSetting(t *testing.T) {
	load := func(env map[string]string) (*Config, error) {
		return Load(context.Background(), Inputs{Getenv: func(k string) string { return env[k] }})
	}
	cfg, err := load(map[string]string{"SOCPILOT_BACKEND": "Graph"})
	if err != nil || cfg.Backend != BackendGraph || !cfg.GraphDemo() {
		t.Fatalf("SOCPILOT_BACKEND=Graph: %+v, %v; want graph on the demo", cfg, err)
	}
	cfg, err = load(map[string]string{"SOCPILOT_BACKEND": "graph", "SOCPILOT_TENANT_ID": "72F988BF-86F1-41AF-91AB-2D7CD011DB47"})
	if err != nil || cfg.GraphDemo() || cfg.TenantID != "72f988bf-86f1-41af-91ab-2d7cd011db47" {
		t.Fatalf("with a tenant: %+v, %v; want the real Graph of that tenant", cfg, err)
	}
	if _, err := load(map[string]string{"SOCPILOT_BACKEND": "splunk"}); err == nil || !strings.Contains(err.Error(), "SOCPILOT_BACKEND") {
		t.Fatalf("SOCPILOT_BACKEND=splunk: %v, want an error naming it", err)
	}
	if cfg, _ := load(nil); cfg.GraphDemo() {
		t.Fatal("the default backend is sentinel")
	}
}
