// Package config loads socpilot's settings from, in order of precedence,
// command-line flags, SOCPILOT_* environment variables, a socpilot.yaml file
// and Azure Key Vault (SOCPILOT_KEYVAULT_URL).
//
// Every setting has one name used everywhere except its spelling: the flag
// and Origin key "workspace-name", the variable SOCPILOT_WORKSPACE_NAME, the
// file key workspace_name (LLM settings sit under an llm: mapping, e.g.
// llm.api_key; serve's policy under policy:, e.g. policy.min_severity with
// the variable SOCPILOT_POLICY_MIN_SEVERITY). The one setting that only the
// file holds is serve's workspaces: list (see serve.go). Key Vault is read
// with the secret names of the original scripts (see the vault column),
// and only for settings still missing after the other sources, so a
// complete local configuration needs no vault access.
//
// Malformed configuration is a *socpilot.Error with code EConfig whose
// message names where the bad value came from (flag, variable, file and
// line, or vault secret), the key and what is expected. Secret values never
// appear in messages.
package config

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/socpilot/socpilot"
)

// DefaultSentinelAPIVersion is the stable Microsoft.SecurityInsights API
// version used when none is configured (incident tasks are stable since
// 2024-03-01).
const DefaultSentinelAPIVersion = "2025-09-01"

// Providers: the one definition lives in the root package.
const (
	ProviderAzure      = socpilot.ProviderAzure
	ProviderOpenAI     = socpilot.ProviderOpenAI
	ProviderCompatible = socpilot.ProviderCompatible
)

// Config is socpilot's resolved configuration.
type Config struct {
	SubscriptionID, ResourceGroup, WorkspaceName string
	// WorkspaceID is the Log Analytics workspace (customer) id, a GUID,
	// used to verify KQL against the workspace.
	WorkspaceID string
	// Cloud is AzurePublic, AzureUSGovernment or AzureChina.
	Cloud string
	// SentinelAPIVersion is the Microsoft.SecurityInsights api-version.
	SentinelAPIVersion string
	// ARMEndpoint overrides the cloud's Resource Manager endpoint, e.g.
	// http://127.0.0.1:8080 for `socpilot emulator`.
	ARMEndpoint string
	// LogsEndpoint overrides the cloud's Log Analytics query endpoint (for
	// `analyze --verify-kql` and `kql check --workspace-id`): private links,
	// or a local emulator.
	LogsEndpoint string
	LLM          LLMConfig
	// StateDir holds the demo workspace and the SQLite store.
	StateDir string
	// LogLevel is debug, info, warn, error, off or "" (off).
	LogLevel string
	// Backend is where incidents are read and written: BackendSentinel
	// (the SecurityInsights API of a workspace; also when "") or BackendGraph
	// (Microsoft Graph's security API: the Defender portal's incidents).
	Backend string
	// GraphEndpoint overrides the cloud's Microsoft Graph endpoint (a local
	// `socpilot emulator`, a proxy); TenantID names the tenant whose Defender
	// incidents the Graph backend reads. With neither (and no workspace),
	// the Graph backend serves the demo workspace's incidents.
	GraphEndpoint, TenantID string
	// Store is a PostgreSQL URL; "" means SQLite in StateDir.
	Store string
	// KeyVaultURL is the Azure Key Vault read for missing settings.
	KeyVaultURL string
	// File is the configuration file that was read, "" when none.
	File string
	// Estate is what the settings say the organisation owns: own_networks,
	// own_domains and own_organisations. socpilot never proposes to block
	// it or to check its reputation. The own_watchlist's items are not in
	// it: the commands that analyse read them (see OwnWatchlist).
	Estate socpilot.Estate
	// OwnWatchlist is the alias of a Sentinel watchlist whose items list
	// the organisation's networks and domains; "" for none.
	OwnWatchlist string
	// Serve holds what `socpilot serve` needs: the webhook token, the
	// policy and the workspaces it serves (see serve.go).
	Serve Serve
	// SignIn holds the web console's Microsoft Entra ID sign-in (see
	// signin.go).
	SignIn SignIn

	origin map[string]string
}

// LLMConfig holds the chat model settings (SOCPILOT_LLM_*).
type LLMConfig struct {
	// Provider is azure, openai or compatible. When not set explicitly it
	// is inferred from the other LLM settings (see Load).
	Provider   string
	Endpoint   string
	APIKey     string
	Model      string // model, or Azure OpenAI deployment
	APIVersion string // Azure OpenAI only
	// Redact is the explicit pseudonymisation choice; nil means the
	// provider's default (see Config.RedactEnabled).
	Redact *bool
	// Prices in USD per million tokens; zero means unknown.
	PromptPricePer1M, CompletionPricePer1M float64
	// Timeout bounds one model call; zero means the llm package default.
	Timeout time.Duration
}

// Inputs are the sources Load reads.
type Inputs struct {
	// Flags holds explicitly given flags by setting name ("workspace-name").
	Flags map[string]string
	// Getenv reads the environment; nil means os.Getenv.
	Getenv func(string) string
	// File is the --config path. "" means ./socpilot.yaml if present, else
	// $XDG_CONFIG_HOME/socpilot/socpilot.yaml (XDG_CONFIG_HOME defaults to
	// ~/.config) if present, else no file.
	File string
	// Secrets is read for settings still missing after flags, environment
	// and file. nil means a KeyVault client for the configured KeyVaultURL
	// with Credential, created only when something is missing.
	Secrets SecretSource
	// Credential returns the Azure credential for the named cloud that the
	// Key Vault client signs in with, so that the caller can build one
	// DefaultAzureCredential and share it with every other Azure client.
	// nil means DefaultCredential.
	Credential func(cloudName string) (azcore.TokenCredential, error)
}

// kind is how a setting's value is checked and normalised.
type kind int

const (
	kText kind = iota
	kSubscription
	kWorkspaceID
	kResourceGroup
	kWorkspaceName
	kCloud
	kSentinelAPIVersion
	kLLMAPIVersion
	kURL
	kVaultURL
	kProvider
	kBool
	kPrice
	kDuration
	kPath
	kStore
	kNetworks      // list: CIDRs or addresses
	kDomains       // list: DNS domains
	kOrganisations // list: registrant names
	kWatchlist
	kLogLevel
	// The settings of `socpilot serve` (serve.go).
	kWebhookToken
	kSeverity
	kStatuses // list: New, Active, Closed
	kProducts // list: alert product names
	kTactics  // list: Sentinel's AttackTactic values
	kLabels   // list: incident labels
	kPatterns // list: Go regular expressions, separated by ";;"
	kWrite    // list: comment, tasks
	kConcurrency
	kTokensPerMinute
	kCostCap
	kMaxAttempts
	kBackend
	kSetStatus // Active: what a New incident becomes once enriched
	kSetOwner  // an Entra object id or a user principal name
	// The settings of the console's sign-in (signin.go).
	kTenant
	kClientID
	kClientSecret
	kPublicURL
	kRole
	kSessionKey
)

// list reports whether a setting of kind k holds several values: comma-
// separated in a flag, variable or file string, or a YAML list in the file.
func (k kind) list() bool {
	switch k {
	case kNetworks, kDomains, kOrganisations, kStatuses, kProducts, kTactics, kLabels, kPatterns, kWrite:
		return true
	}
	return false
}

type setting struct {
	key    string // flag name and Origin key
	env    string
	yaml   string // dotted path in the file
	kind   kind
	secret bool // never shown, never put in a message
	// noFile refuses the setting in the file: a secret that must come from
	// the environment or Key Vault (the file is often committed or shared).
	noFile bool
	// workspace marks a policy setting that an entry of the file's
	// workspaces: list may override (workspaces[i].policy.min_severity);
	// the others apply to the whole service.
	workspace bool
	// vault lists the Key Vault secret names of the original scripts that
	// carry this setting, preferred first: the specific (sentinel-*, aoai-*)
	// before the generic.
	vault []string
}

var settings = []setting{
	{key: "subscription-id", env: "SOCPILOT_SUBSCRIPTION_ID", yaml: "subscription_id", kind: kSubscription, vault: []string{"sentinel-subscription-id", "subscription-id"}},
	{key: "resource-group", env: "SOCPILOT_RESOURCE_GROUP", yaml: "resource_group", kind: kResourceGroup, vault: []string{"sentinel-resource-group", "resource-group"}},
	{key: "workspace-name", env: "SOCPILOT_WORKSPACE_NAME", yaml: "workspace_name", kind: kWorkspaceName, vault: []string{"sentinel-workspace-name", "workspace-name"}},
	{key: "workspace-id", env: "SOCPILOT_WORKSPACE_ID", yaml: "workspace_id", kind: kWorkspaceID},
	{key: "cloud", env: "SOCPILOT_CLOUD", yaml: "cloud", kind: kCloud},
	{key: "sentinel-api-version", env: "SOCPILOT_SENTINEL_API_VERSION", yaml: "sentinel_api_version", kind: kSentinelAPIVersion, vault: []string{"sentinel-api-version"}},
	{key: "arm-endpoint", env: "SOCPILOT_ARM_ENDPOINT", yaml: "arm_endpoint", kind: kURL},
	{key: "logs-endpoint", env: "SOCPILOT_LOGS_ENDPOINT", yaml: "logs_endpoint", kind: kURL},
	{key: "llm-provider", env: "SOCPILOT_LLM_PROVIDER", yaml: "llm.provider", kind: kProvider},
	{key: "llm-endpoint", env: "SOCPILOT_LLM_ENDPOINT", yaml: "llm.endpoint", kind: kURL, vault: []string{"aoai-endpoint", "base"}},
	{key: "llm-api-key", env: "SOCPILOT_LLM_API_KEY", yaml: "llm.api_key", kind: kText, secret: true, vault: []string{"aoai-key", "key"}},
	{key: "llm-model", env: "SOCPILOT_LLM_MODEL", yaml: "llm.model", kind: kText, vault: []string{"aoai-deployment", "model"}},
	{key: "llm-api-version", env: "SOCPILOT_LLM_API_VERSION", yaml: "llm.api_version", kind: kLLMAPIVersion, vault: []string{"aoai-api-version", "version"}},
	{key: "redact", env: "SOCPILOT_REDACT", yaml: "llm.redact", kind: kBool},
	{key: "llm-price-prompt-per-1m", env: "SOCPILOT_LLM_PRICE_PROMPT_PER_1M", yaml: "llm.price_prompt_per_1m", kind: kPrice},
	{key: "llm-price-completion-per-1m", env: "SOCPILOT_LLM_PRICE_COMPLETION_PER_1M", yaml: "llm.price_completion_per_1m", kind: kPrice},
	{key: "llm-timeout", env: "SOCPILOT_LLM_TIMEOUT", yaml: "llm.timeout", kind: kDuration},
	{key: "state-dir", env: "SOCPILOT_STATE_DIR", yaml: "state_dir", kind: kPath},
	{key: "store", env: "SOCPILOT_STORE", yaml: "store", kind: kStore, secret: true},
	{key: "keyvault-url", env: "SOCPILOT_KEYVAULT_URL", yaml: "keyvault_url", kind: kVaultURL},
	{key: "log", env: "SOCPILOT_LOG", yaml: "log", kind: kLogLevel},
	{key: "backend", env: "SOCPILOT_BACKEND", yaml: "backend", kind: kBackend},
	{key: "graph-endpoint", env: "SOCPILOT_GRAPH_ENDPOINT", yaml: "graph_endpoint", kind: kURL},
	{key: "tenant-id", env: "SOCPILOT_TENANT_ID", yaml: "tenant_id", kind: kWorkspaceID},
	// The organisation's own estate: never blocked, never sent for a
	// reputation check (see estate.go). Not read from Key Vault: the
	// original scripts had no such secrets.
	{key: "own-networks", env: "SOCPILOT_OWN_NETWORKS", yaml: "own_networks", kind: kNetworks},
	{key: "own-domains", env: "SOCPILOT_OWN_DOMAINS", yaml: "own_domains", kind: kDomains},
	{key: "own-organisations", env: "SOCPILOT_OWN_ORGANISATIONS", yaml: "own_organisations", kind: kOrganisations},
	{key: "own-watchlist", env: "SOCPILOT_OWN_WATCHLIST", yaml: "own_watchlist", kind: kWatchlist},
	// socpilot serve (serve.go). The webhook token is the one secret the
	// Logic App and socpilot share; "socpilot-webhook-token" is the name
	// the deploy/ template stores it under, "webhook-token" the short one.
	{key: "webhook-token", env: "SOCPILOT_WEBHOOK_TOKEN", yaml: "webhook_token", kind: kWebhookToken, secret: true, vault: []string{"socpilot-webhook-token", "webhook-token"}},
	{key: "policy-min-severity", env: "SOCPILOT_POLICY_MIN_SEVERITY", yaml: "policy.min_severity", kind: kSeverity, workspace: true},
	{key: "policy-statuses", env: "SOCPILOT_POLICY_STATUSES", yaml: "policy.statuses", kind: kStatuses, workspace: true},
	{key: "policy-products", env: "SOCPILOT_POLICY_PRODUCTS", yaml: "policy.products", kind: kProducts, workspace: true},
	{key: "policy-tactics", env: "SOCPILOT_POLICY_TACTICS", yaml: "policy.tactics", kind: kTactics, workspace: true},
	{key: "policy-labels", env: "SOCPILOT_POLICY_LABELS", yaml: "policy.labels", kind: kLabels, workspace: true},
	{key: "policy-skip-titles", env: "SOCPILOT_POLICY_SKIP_TITLES", yaml: "policy.skip_titles", kind: kPatterns, workspace: true},
	{key: "policy-write", env: "SOCPILOT_POLICY_WRITE", yaml: "policy.write", kind: kWrite, workspace: true},
	{key: "policy-set-status", env: "SOCPILOT_POLICY_SET_STATUS", yaml: "policy.set_status", kind: kSetStatus, workspace: true},
	{key: "policy-set-owner", env: "SOCPILOT_POLICY_SET_OWNER", yaml: "policy.set_owner", kind: kSetOwner, workspace: true},
	{key: "policy-concurrency", env: "SOCPILOT_POLICY_CONCURRENCY", yaml: "policy.concurrency", kind: kConcurrency},
	{key: "policy-tokens-per-minute", env: "SOCPILOT_POLICY_TOKENS_PER_MINUTE", yaml: "policy.tokens_per_minute", kind: kTokensPerMinute},
	{key: "policy-cost-cap-usd", env: "SOCPILOT_POLICY_COST_CAP_USD", yaml: "policy.cost_cap_usd", kind: kCostCap},
	{key: "policy-max-attempts", env: "SOCPILOT_POLICY_MAX_ATTEMPTS", yaml: "policy.max_attempts", kind: kMaxAttempts},
	// The console's sign-in with Microsoft Entra ID (signin.go).
	{key: "signin-tenant-id", env: "SOCPILOT_SIGNIN_TENANT_ID", yaml: "signin.tenant_id", kind: kTenant},
	{key: "signin-client-id", env: "SOCPILOT_SIGNIN_CLIENT_ID", yaml: "signin.client_id", kind: kClientID},
	{key: "signin-client-secret", env: "SOCPILOT_SIGNIN_CLIENT_SECRET", yaml: "signin.client_secret", kind: kClientSecret, secret: true, noFile: true,
		vault: []string{"socpilot-signin-client-secret", "signin-client-secret"}},
	{key: "signin-public-url", env: "SOCPILOT_SIGNIN_PUBLIC_URL", yaml: "signin.public_url", kind: kPublicURL},
	{key: "signin-read-role", env: "SOCPILOT_SIGNIN_READ_ROLE", yaml: "signin.read_role", kind: kRole},
	{key: "signin-write-role", env: "SOCPILOT_SIGNIN_WRITE_ROLE", yaml: "signin.write_role", kind: kRole},
	{key: "signin-session-key", env: "SOCPILOT_SIGNIN_SESSION_KEY", yaml: "signin.session_key", kind: kSessionKey, secret: true, noFile: true,
		vault: []string{"socpilot-signin-session-key", "signin-session-key"}},
	{key: "signin-session-lifetime", env: "SOCPILOT_SIGNIN_SESSION_LIFETIME", yaml: "signin.session_lifetime", kind: kDuration},
	{key: "signin-issuer", env: "SOCPILOT_SIGNIN_ISSUER", yaml: "signin.issuer", kind: kURL},
	{key: "signin-api-audience", env: "SOCPILOT_SIGNIN_API_AUDIENCE", yaml: "signin.api_audience", kind: kText},
}

func settingByKey(key string) (setting, bool) {
	for _, s := range settings {
		if s.key == key {
			return s, true
		}
	}
	return setting{}, false
}

// SettingKeys lists every setting name in a stable order (for `doctor`),
// ending with "workspaces": the file's list of served workspaces, which has
// no flag or variable.
func SettingKeys() []string {
	keys := make([]string, len(settings), len(settings)+1)
	for i, s := range settings {
		keys[i] = s.key
	}
	return append(keys, workspacesKey)
}

// value is one setting's value as one source gave it.
type value struct {
	v      string // normalised
	origin string // "flag:--x", "env:SOCPILOT_X", "file:/abs/path", "keyvault:name"
	where  string // how a message names it: "--x", "SOCPILOT_X", `socpilot.yaml:4: key "x"`
}

// Load resolves the configuration: flags > environment > file > Key Vault,
// then defaults. With no workspace configured (none of subscription,
// resource group and workspace name) the result is a demo configuration;
// a partial workspace is an error.
//
// When llm-provider is not set but other LLM settings are, the provider is
// inferred: azure when an aoai-* vault secret was used, the endpoint is an
// Azure OpenAI host, or an API version is set (only Azure has one); else
// openai without an endpoint; else compatible.
func Load(ctx context.Context, in Inputs) (*Config, error) {
	getenv := in.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	vals := map[string]value{}

	// Flags first: a present value is never overridden.
	flagKeys := make([]string, 0, len(in.Flags))
	for k := range in.Flags {
		flagKeys = append(flagKeys, k)
	}
	slices.Sort(flagKeys)
	for _, k := range flagKeys {
		s, ok := settingByKey(k)
		if !ok {
			return nil, socpilot.Errorf(socpilot.EConfig, "--%s is not a setting socpilot knows", k)
		}
		if err := put(vals, s, in.Flags[k], value{origin: "flag:--" + k, where: "--" + k}, getenv); err != nil {
			return nil, err
		}
	}
	for _, s := range settings {
		if err := put(vals, s, getenv(s.env), value{origin: "env:" + s.env, where: s.env}, getenv); err != nil {
			return nil, err
		}
	}

	file, display, err := findFile(in.File, getenv)
	if err != nil {
		return nil, err
	}
	c := &Config{origin: map[string]string{}}
	var workspaces []ServeWorkspace // serve's, only ever from the file
	if file != "" {
		fvals, served, err := readFile(file, display, getenv)
		if err != nil {
			return nil, err
		}
		if len(served) > 0 {
			workspaces = served
			c.origin[workspacesKey] = "file:" + file
		}
		for k, v := range fvals {
			if _, ok := vals[k]; !ok {
				vals[k] = v
			}
		}
		c.File = file
	}

	providerInferred := ""
	if vault := vals["keyvault-url"].v; vault != "" {
		from, err := fromVault(ctx, vault, vals, in.Secrets, in.Credential, getenv)
		if err != nil {
			return nil, err
		}
		if from != "" {
			providerInferred = from
		}
	}

	for k, v := range vals {
		c.origin[k] = v.origin
	}
	c.apply(vals)
	c.Serve.Workspaces = workspaces
	c.inferProvider(providerInferred)
	c.defaults(getenv)
	if err := checkWorkspace(vals); err != nil {
		return nil, err
	}
	return c, nil
}

// put validates raw from one source and stores it unless a source of higher
// precedence already gave the setting. Every source is validated, even when
// overridden, because a malformed file is wrong whatever else is set.
func put(vals map[string]value, s setting, raw string, v value, getenv func(string) string) error {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil
	}
	var norm, problem string
	if s.kind.list() {
		norm, problem = normaliseList(s, splitList(s.kind, raw))
	} else {
		norm, problem = normalise(s, raw, getenv)
	}
	if problem != "" {
		return socpilot.Errorf(socpilot.EConfig, "%s: %s", v.where, problem)
	}
	if _, ok := vals[s.key]; ok {
		return nil
	}
	v.v = norm
	vals[s.key] = v
	return nil
}

var (
	guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	// Looser than today's 4-63 rule on purpose: names of older workspaces
	// must not be refused; what this catches is a URL or resource id.
	workspaceRE  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$`)
	apiVersionRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}(-preview)?$`)
)

// isResourceGroupName says whether s is 1-90 letters, digits, '-', '_', '.',
// '(' or ')' (ARM's rule, less the final '.'), as the regular expression
// ^[-\p{L}\p{N}_.()]{1,90}$ would; a loop, because compiling that expression
// expands the Unicode classes ninety times: 2.3 ms and 3.5 MB at the start
// of every command.
func isResourceGroupName(s string) bool {
	n := 0
	for _, r := range s {
		if n++; n > 90 {
			return false
		}
		if !unicode.IsLetter(r) && !unicode.IsNumber(r) && !strings.ContainsRune("-_.()", r) {
			return false
		}
	}
	return n > 0
}

// normalise checks raw for s and returns its canonical form, or a problem:
// what is wrong and what is expected. Secret values are never quoted.
func normalise(s setting, raw string, getenv func(string) string) (string, string) {
	shown := strconv.Quote(raw)
	if s.secret {
		shown = "the value"
	}
	switch s.kind {
	case kSubscription:
		if !guidRE.MatchString(raw) {
			return "", shown + " is not a subscription id; expected a GUID such as 00000000-0000-0000-0000-000000000000"
		}
		return strings.ToLower(raw), ""
	case kWorkspaceID:
		if !guidRE.MatchString(raw) {
			return "", shown + " is not a workspace id; expected the Log Analytics workspace's GUID (Workspace ID in the portal)"
		}
		return strings.ToLower(raw), ""
	case kResourceGroup:
		if !isResourceGroupName(raw) || strings.HasSuffix(raw, ".") {
			return "", shown + " is not a resource group name; expected 1-90 letters, digits, '-', '_', '.', '(' or ')', not ending in '.'"
		}
	case kWorkspaceName:
		if !workspaceRE.MatchString(raw) {
			return "", shown + " is not a workspace name; expected up to 63 letters, digits, '-' or '_', starting with a letter or digit"
		}
	case kCloud:
		c, ok := canonicalCloud(raw)
		if !ok {
			return "", shown + " is not a known cloud; expected " + cloudList
		}
		return c, ""
	case kSentinelAPIVersion:
		if !apiVersionRE.MatchString(raw) {
			return "", shown + " is not an API version; expected a date such as " + DefaultSentinelAPIVersion
		}
	case kLLMAPIVersion:
		if !apiVersionRE.MatchString(raw) && raw != "v1" && raw != "latest" && raw != "preview" {
			return "", shown + " is not an API version; expected a date such as 2024-10-21, or v1"
		}
	case kURL:
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return "", shown + " is not a URL; expected an absolute http or https URL such as https://example.openai.azure.com"
		}
	case kVaultURL:
		u, err := url.Parse(raw)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			// Key Vault is HTTPS only, and azcore refuses to send a token over http.
			return "", shown + " is not a Key Vault URL; expected the vault's https URL such as https://my-vault.vault.azure.net/"
		}
	case kProvider:
		p := strings.ToLower(raw)
		if p != ProviderAzure && p != ProviderOpenAI && p != ProviderCompatible {
			return "", shown + " is not a known provider; expected azure, openai or compatible"
		}
		return p, ""
	case kBool:
		b, ok := parseBool(raw)
		if !ok {
			return "", shown + " is not a boolean; expected true or false (or 1/0, on/off, yes/no)"
		}
		return strconv.FormatBool(b), ""
	case kPrice:
		f, err := strconv.ParseFloat(raw, 64)
		if err != nil || f < 0 || f != f || f > 1e9 {
			return "", shown + " is not a price; expected a non-negative number of US dollars per million tokens such as 2.5"
		}
	case kDuration:
		d, ok := parseDuration(raw)
		if !ok {
			return "", shown + " is not a duration; expected a positive duration such as 90s or 2m, or a whole number of seconds"
		}
		return d.String(), ""
	case kPath:
		p := expandHome(raw, getenv)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return "", shown + " is a file, not a directory; give a directory socpilot may create files in"
		}
		return p, ""
	case kBackend:
		b := strings.ToLower(raw)
		if b == BackendSentinel || b == BackendGraph {
			return b, ""
		}
		return "", shown + " is not a backend; expected sentinel (a workspace's SecurityInsights API) or graph (Microsoft Graph: the Defender portal's incidents)"
	case kLogLevel:
		l := strings.ToLower(raw)
		switch l {
		case "debug", "info", "warn", "error", "off":
			return l, ""
		}
		return "", shown + " is not a log level; expected debug, info, warn, error or off"
	case kStore:
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			return "", shown + " is not a PostgreSQL URL; expected postgres://USER@HOST:5432/DATABASE (leave it unset for the local SQLite store)"
		}
	case kWatchlist:
		return normaliseWatchlist(raw)
	case kWebhookToken, kSeverity, kConcurrency, kTokensPerMinute, kCostCap, kMaxAttempts, kSetStatus, kSetOwner:
		return normaliseServe(s.kind, raw, shown)
	case kTenant, kClientID, kClientSecret, kPublicURL, kRole, kSessionKey:
		return normaliseSignIn(s.kind, raw, shown)
	}
	return raw, ""
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1", "on", "yes":
		return true, true
	case "false", "0", "off", "no":
		return false, true
	}
	return false, false
}

func parseDuration(s string) (time.Duration, bool) {
	if n, err := strconv.Atoi(s); err == nil {
		if n <= 0 || n > 86400 {
			return 0, false
		}
		return time.Duration(n) * time.Second, true
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, false
	}
	return d, true
}

func homeDir(getenv func(string) string) string {
	if h := getenv("HOME"); h != "" {
		return h
	}
	h, _ := os.UserHomeDir()
	return h
}

func expandHome(p string, getenv func(string) string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		return filepath.Join(homeDir(getenv), p[1:])
	}
	return p
}

// apply copies the resolved values into c. Values were validated by put,
// so they parse here.
func (c *Config) apply(vals map[string]value) {
	get := func(k string) string { return vals[k].v }
	c.SubscriptionID = get("subscription-id")
	c.ResourceGroup = get("resource-group")
	c.WorkspaceName = get("workspace-name")
	c.WorkspaceID = get("workspace-id")
	c.Cloud = get("cloud")
	c.SentinelAPIVersion = get("sentinel-api-version")
	c.ARMEndpoint = strings.TrimRight(get("arm-endpoint"), "/")
	c.LogsEndpoint = strings.TrimRight(get("logs-endpoint"), "/")
	c.LLM.Provider = get("llm-provider")
	c.LLM.Endpoint = get("llm-endpoint")
	c.LLM.APIKey = get("llm-api-key")
	c.LLM.Model = get("llm-model")
	c.LLM.APIVersion = get("llm-api-version")
	if v := get("redact"); v != "" {
		b := v == "true"
		c.LLM.Redact = &b
	}
	if v := get("llm-price-prompt-per-1m"); v != "" {
		c.LLM.PromptPricePer1M, _ = strconv.ParseFloat(v, 64)
	}
	if v := get("llm-price-completion-per-1m"); v != "" {
		c.LLM.CompletionPricePer1M, _ = strconv.ParseFloat(v, 64)
	}
	if v := get("llm-timeout"); v != "" {
		c.LLM.Timeout, _ = time.ParseDuration(v)
	}
	c.StateDir = get("state-dir")
	c.Store = get("store")
	c.KeyVaultURL = get("keyvault-url")
	c.LogLevel = get("log")
	c.Backend = get("backend")
	c.GraphEndpoint = strings.TrimRight(get("graph-endpoint"), "/")
	c.TenantID = get("tenant-id")
	c.Estate = estateOf(get("own-networks"), get("own-domains"), get("own-organisations"))
	c.OwnWatchlist = get("own-watchlist")
	c.Serve = serveOf(get)
	c.SignIn = signInOf(get)
}

// azureOpenAIHosts are the host suffixes of Azure OpenAI endpoints in the
// three clouds (classic resources and AI Foundry / Cognitive Services ones).
var azureOpenAIHosts = []string{
	".openai.azure.com", ".cognitiveservices.azure.com", ".services.ai.azure.com",
	".openai.azure.us", ".cognitiveservices.azure.us",
	".openai.azure.cn", ".cognitiveservices.azure.cn",
}

func (c *Config) inferProvider(fromVault string) {
	if c.LLM.Provider != "" {
		return
	}
	if c.LLM.Endpoint == "" && c.LLM.APIKey == "" && c.LLM.Model == "" {
		return
	}
	origin := "inferred"
	switch {
	case fromVault != "":
		c.LLM.Provider = ProviderAzure
		origin = "inferred from keyvault:" + fromVault
	case isAzureOpenAIHost(c.LLM.Endpoint):
		c.LLM.Provider = ProviderAzure
	case c.LLM.APIVersion != "":
		c.LLM.Provider = ProviderAzure
	case c.LLM.Endpoint == "":
		c.LLM.Provider = ProviderOpenAI
	default:
		c.LLM.Provider = ProviderCompatible
	}
	c.origin["llm-provider"] = origin
}

func isAzureOpenAIHost(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil {
		return false
	}
	h := strings.ToLower(u.Hostname())
	for _, suffix := range azureOpenAIHosts {
		if strings.HasSuffix(h, suffix) {
			return true
		}
	}
	return false
}

func (c *Config) defaults(getenv func(string) string) {
	if c.Cloud == "" {
		c.Cloud = AzurePublic
		c.origin["cloud"] = "default"
	}
	if c.SentinelAPIVersion == "" {
		c.SentinelAPIVersion = DefaultSentinelAPIVersion
		c.origin["sentinel-api-version"] = "default"
	}
	if c.StateDir == "" {
		c.StateDir = DefaultStateDir(getenv)
		c.origin["state-dir"] = "default"
	}
}

// DefaultStateDir is $XDG_STATE_HOME/socpilot, else ~/.local/state/socpilot
// (%LOCALAPPDATA%\socpilot on Windows).
func DefaultStateDir(getenv func(string) string) string {
	if getenv == nil {
		getenv = os.Getenv
	}
	if d := getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "socpilot")
	}
	if runtime.GOOS == "windows" {
		if d := getenv("LOCALAPPDATA"); d != "" {
			return filepath.Join(d, "socpilot")
		}
	}
	return filepath.Join(homeDir(getenv), ".local", "state", "socpilot")
}

// checkWorkspace requires all of subscription, resource group and
// workspace name, or none of them.
func checkWorkspace(vals map[string]value) error {
	keys := []string{"subscription-id", "resource-group", "workspace-name"}
	var set, missing []string
	for _, k := range keys {
		if v, ok := vals[k]; ok {
			set = append(set, v.where)
		} else {
			s, _ := settingByKey(k)
			missing = append(missing, s.env)
		}
	}
	if len(set) == 0 || len(missing) == 0 {
		return nil
	}
	isAre := func(xs []string) string {
		if len(xs) == 1 {
			return "is"
		}
		return "are"
	}
	return socpilot.Errorf(socpilot.EConfig,
		"incomplete workspace: %s %s set but %s %s not; set all three of SOCPILOT_SUBSCRIPTION_ID, SOCPILOT_RESOURCE_GROUP and SOCPILOT_WORKSPACE_NAME (or their flags or file keys), or none to use the demo workspace",
		joinAnd(set), isAre(set), joinAnd(missing), isAre(missing))
}

func joinAnd(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}

// Demo reports whether no workspace is configured, so the built-in demo
// workspace is used.
func (c *Config) Demo() bool {
	return c.SubscriptionID == "" && c.ResourceGroup == "" && c.WorkspaceName == ""
}

// Backends.
const (
	BackendSentinel = "sentinel"
	BackendGraph    = "graph"
)

// GraphDemo reports whether the Graph backend serves the demo workspace's
// incidents: no tenant, no Graph endpoint and no workspace are configured.
func (c *Config) GraphDemo() bool {
	return c.Backend == BackendGraph && c.GraphEndpoint == "" && c.TenantID == "" && c.Demo()
}

// Origin says where a setting came from: "flag:--workspace-name",
// "env:SOCPILOT_WORKSPACE_NAME", "file:/abs/socpilot.yaml",
// "keyvault:sentinel-workspace-name", "default", "inferred" (the LLM
// provider), or "" when the setting is unset.
func (c *Config) Origin(key string) string { return c.origin[key] }

// RedactEnabled reports whether entity values are pseudonymised before
// they reach the model: the explicit setting, else on for openai and
// compatible providers (a third party) and off for azure (the user's own
// tenant). With no provider it is on, the safe side.
func (c *Config) RedactEnabled() bool {
	if c.LLM.Redact != nil {
		return *c.LLM.Redact
	}
	return c.LLM.Provider != ProviderAzure
}

// LLMConfigured reports whether a chat model is configured (an endpoint,
// key or model is set; the provider is then known).
func (c *Config) LLMConfigured() bool {
	return c.LLM.Provider != "" && (c.LLM.Endpoint != "" || c.LLM.APIKey != "" || c.LLM.Model != "")
}

// Redacted returns the set settings by name for display, secrets masked:
// the API key shows only that it is set, the store URL without its
// password.
func (c *Config) Redacted() map[string]string {
	out := map[string]string{}
	add := func(k, v string) {
		if v != "" {
			out[k] = v
		}
	}
	add("subscription-id", c.SubscriptionID)
	add("resource-group", c.ResourceGroup)
	add("workspace-name", c.WorkspaceName)
	add("workspace-id", c.WorkspaceID)
	add("cloud", c.Cloud)
	add("sentinel-api-version", c.SentinelAPIVersion)
	add("arm-endpoint", c.ARMEndpoint)
	add("logs-endpoint", c.LogsEndpoint)
	add("llm-provider", c.LLM.Provider)
	add("llm-endpoint", c.LLM.Endpoint)
	if c.LLM.APIKey != "" {
		out["llm-api-key"] = "(set, hidden)"
	}
	add("llm-model", c.LLM.Model)
	add("llm-api-version", c.LLM.APIVersion)
	if c.LLM.Redact != nil {
		out["redact"] = strconv.FormatBool(*c.LLM.Redact)
	}
	if c.LLM.PromptPricePer1M != 0 {
		out["llm-price-prompt-per-1m"] = strconv.FormatFloat(c.LLM.PromptPricePer1M, 'g', -1, 64)
	}
	if c.LLM.CompletionPricePer1M != 0 {
		out["llm-price-completion-per-1m"] = strconv.FormatFloat(c.LLM.CompletionPricePer1M, 'g', -1, 64)
	}
	if c.LLM.Timeout != 0 {
		out["llm-timeout"] = c.LLM.Timeout.String()
	}
	add("state-dir", c.StateDir)
	if c.Store != "" {
		out["store"] = maskStore(c.Store)
	}
	add("keyvault-url", c.KeyVaultURL)
	if n := c.Estate.Networks; len(n) > 0 {
		shown := make([]string, len(n))
		for i, p := range n {
			shown[i] = p.String()
		}
		out["own-networks"] = strings.Join(shown, ", ")
	}
	add("own-domains", strings.Join(c.Estate.Domains, ", "))
	add("own-organisations", strings.Join(c.Estate.Organisations, "; "))
	add("own-watchlist", c.OwnWatchlist)
	c.Serve.redacted(out)
	c.SignIn.redacted(out)
	return out
}

// maskStore hides a PostgreSQL URL's password, in the user info or in a
// password query parameter.
func maskStore(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(set, hidden)"
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}
