// Package llm is socpilot's chat model over openai-go: Azure OpenAI (dated
// deployments API and the GA v1 API, api-key or Entra ID), OpenAI, and any
// OpenAI-compatible server (Ollama, vLLM, llama.cpp) by base URL. It streams,
// asks for structured output with a strict JSON schema, retries 429 and 5xx
// in one backoff loop that honours the service's retry hints and the call's
// deadline, and reports usage with every answer.
//
// It is the only package that imports openai-go; none of its types leave it.
package llm

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/azure"
	"github.com/openai/openai-go/v3/option"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/internal/loopback"
)

// Providers: the one definition lives in the root package.
const (
	ProviderAzure      = socpilot.ProviderAzure
	ProviderOpenAI     = socpilot.ProviderOpenAI
	ProviderCompatible = socpilot.ProviderCompatible
)

// Defaults.
const (
	// DefaultAzureAPIVersion is the newest GA dated Azure OpenAI API version
	// with structured outputs and streamed usage.
	DefaultAzureAPIVersion = "2024-10-21"
	// AzureV1 as APIVersion selects the GA v1 API, /openai/v1/chat/completions,
	// where the deployment goes in the request's model field.
	AzureV1           = "v1"
	DefaultTimeout    = 60 * time.Second
	DefaultMaxRetries = 3
	defaultOpenAIURL  = "https://api.openai.com/v1/"
	// azureScope is the Entra ID scope of Azure OpenAI (Cognitive Services).
	azureScope = "https://cognitiveservices.azure.com/.default"
)

// Config says which model to call and how. config/ fills it from the
// SOCPILOT_LLM_* settings.
type Config struct {
	Provider string // azure | openai | compatible (SOCPILOT_LLM_PROVIDER)
	// Endpoint: for azure the resource URL (https://RESOURCE.openai.azure.com,
	// or a loopback http URL in tests); for compatible a base URL such as
	// http://localhost:11434/v1; for openai an optional override.
	Endpoint string
	// APIKey: Azure api-key, or the bearer key of OpenAI / a compatible
	// server (optional for compatible).
	APIKey string
	// Credential authenticates to Azure with Entra ID when APIKey is empty.
	Credential azcore.TokenCredential
	Model      string // model, or Azure deployment name (SOCPILOT_LLM_MODEL)
	// APIVersion: azure only; default DefaultAzureAPIVersion; AzureV1 ("v1")
	// selects the GA v1 API.
	APIVersion string
	// Timeout bounds one Chat or Ping call, retries and waits included.
	// Default DefaultTimeout.
	Timeout time.Duration
	// MaxRetries is how many times a 429, 5xx or connection failure is
	// retried. Default DefaultMaxRetries; negative means none.
	MaxRetries int
	// Prices in USD per million tokens, for Usage.CostUSD; zero means unknown.
	PromptPricePer1M, CompletionPricePer1M float64
	// HTTPClient replaces the default client (tests, proxies).
	HTTPClient *http.Client
	// Sleep waits between retries; nil means a real timer. Tests inject a
	// recorder so no test sleeps. It must return early with ctx's error when
	// ctx is done.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Client is a chat model. It implements socpilot.Model and is safe for
// concurrent use.
type Client struct {
	cfg    Config
	chat   openai.ChatCompletionService
	models openai.ModelService
}

var _ socpilot.Model = (*Client)(nil)

// New checks cfg and returns a client. Errors are *socpilot.Error with code
// EConfig naming the SOCPILOT_LLM_* setting to fix.
func New(cfg Config) (*Client, error) {
	cfg.Provider = strings.ToLower(strings.TrimSpace(cfg.Provider))
	cfg.Endpoint = strings.TrimSpace(cfg.Endpoint)
	cfg.Model = strings.TrimSpace(cfg.Model)
	cfg.APIVersion = strings.TrimSpace(cfg.APIVersion)
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	switch {
	case cfg.MaxRetries == 0:
		cfg.MaxRetries = DefaultMaxRetries
	case cfg.MaxRetries < 0:
		cfg.MaxRetries = 0
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	if cfg.Model == "" {
		what := "model name"
		if cfg.Provider == ProviderAzure {
			what = "Azure OpenAI deployment name"
		}
		return nil, configErr("SOCPILOT_LLM_MODEL is not set: set it to the %s to use", what)
	}

	// One backoff loop, ours: openai-go must not retry underneath it.
	opts := []option.RequestOption{option.WithMaxRetries(0)}
	if cfg.HTTPClient != nil {
		opts = append(opts, option.WithHTTPClient(cfg.HTTPClient))
	}
	switch cfg.Provider {
	case ProviderAzure:
		azOpts, err := azureOptions(&cfg)
		if err != nil {
			return nil, err
		}
		opts = append(opts, azOpts...)
	case ProviderOpenAI:
		if cfg.APIKey == "" {
			return nil, configErr("SOCPILOT_LLM_API_KEY is not set: OpenAI needs an API key")
		}
		base := defaultOpenAIURL
		if cfg.Endpoint != "" {
			u, err := parseEndpoint(cfg.Endpoint)
			if err != nil {
				return nil, err
			}
			base = u.String()
		}
		opts = append(opts, option.WithBaseURL(base), option.WithAPIKey(cfg.APIKey))
	case ProviderCompatible:
		if cfg.Endpoint == "" {
			return nil, configErr("SOCPILOT_LLM_ENDPOINT is not set: give the base URL of the OpenAI-compatible server, such as http://localhost:11434/v1")
		}
		u, err := parseEndpoint(cfg.Endpoint)
		if err != nil {
			return nil, err
		}
		opts = append(opts, option.WithBaseURL(u.String()))
		if cfg.APIKey != "" {
			opts = append(opts, option.WithAPIKey(cfg.APIKey))
		}
	case "":
		return nil, configErr("SOCPILOT_LLM_PROVIDER is not set: use azure, openai or compatible")
	default:
		return nil, configErr("SOCPILOT_LLM_PROVIDER %q is not known: use azure, openai or compatible", cfg.Provider)
	}
	return &Client{
		cfg:    cfg,
		chat:   openai.NewChatCompletionService(opts...),
		models: openai.NewModelService(opts...),
	}, nil
}

// azureOptions builds the options of both Azure APIs.
func azureOptions(cfg *Config) ([]option.RequestOption, error) {
	if cfg.Endpoint == "" {
		return nil, configErr("SOCPILOT_LLM_ENDPOINT is not set: give the Azure OpenAI resource URL, such as https://RESOURCE.openai.azure.com")
	}
	if cfg.APIKey == "" && cfg.Credential == nil {
		return nil, configErr("SOCPILOT_LLM_API_KEY is not set and no Azure credential is available: set the key or sign in to Azure (az login, managed identity)")
	}
	if cfg.APIVersion == "" {
		cfg.APIVersion = DefaultAzureAPIVersion
	}
	u, err := parseEndpoint(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	// Credentials travel only over TLS; plain HTTP is for a local test
	// server on loopback, which openai-go's azure package also enforces.
	loopbackHTTP := u.Scheme == "http" && loopback.Host(u.Hostname())
	if u.Scheme != "https" && !loopbackHTTP {
		return nil, configErr("SOCPILOT_LLM_ENDPOINT %s must use https: plain http is allowed only for localhost", u.Redacted())
	}
	// People paste the resource URL with or without /openai; both mean the resource.
	u.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "/openai")
	cfg.Endpoint = strings.TrimSuffix(u.String(), "/")

	if strings.EqualFold(cfg.APIVersion, AzureV1) {
		cfg.APIVersion = AzureV1
		opts := []option.RequestOption{option.WithBaseURL(cfg.Endpoint + "/openai/v1/")}
		if cfg.APIKey != "" {
			opts = append(opts, option.WithHeader("api-key", cfg.APIKey))
		} else {
			ts := &tokenSource{cred: cfg.Credential}
			opts = append(opts, option.WithMiddleware(ts.middleware))
		}
		return opts, nil
	}

	opts := []option.RequestOption{azure.WithEndpoint(cfg.Endpoint, cfg.APIVersion)}
	if cfg.APIKey != "" {
		opts = append(opts, azure.WithAPIKey(cfg.APIKey))
	} else {
		opts = append(opts, azure.WithTokenCredential(cfg.Credential))
	}
	if loopbackHTTP {
		opts = append(opts, azure.WithUnsafeAllowHTTP())
	}
	return opts, nil
}

func parseEndpoint(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, configErr("SOCPILOT_LLM_ENDPOINT %q is not an http(s) URL", s)
	}
	if u.User != nil {
		return nil, configErr("SOCPILOT_LLM_ENDPOINT must not carry credentials: put the key in SOCPILOT_LLM_API_KEY")
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u, nil
}

func configErr(format string, args ...any) error {
	return socpilot.Errorf(socpilot.EConfig, format, args...)
}

// Name is provider:model, e.g. "azure:gpt-4o".
func (c *Client) Name() string { return c.cfg.Provider + ":" + c.cfg.Model }

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// String keeps the key out of fmt's %v and %+v of a Config.
func (cfg Config) String() string {
	key := ""
	if cfg.APIKey != "" {
		key = "***"
	}
	return fmt.Sprintf("llm.Config{Provider:%s Endpoint:%s Model:%s APIVersion:%s APIKey:%s}",
		cfg.Provider, cfg.Endpoint, cfg.Model, cfg.APIVersion, key)
}
