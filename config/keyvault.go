package config

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"

	"github.com/socpilot/socpilot"
)

// SecretSource reads named secrets. A missing secret is an error matching
// socpilot.ErrNotFound.
type SecretSource interface {
	GetSecret(ctx context.Context, name string) (string, error)
}

// KeyVaultRole is the Azure role an identity needs to read secrets.
const KeyVaultRole = "Key Vault Secrets User"

// KeyVault reads secrets from an Azure Key Vault through azsecrets.
type KeyVault struct {
	url    string
	client *azsecrets.Client
}

// KeyVaultOptions adjusts the Key Vault client; the zero value is right
// for production.
type KeyVaultOptions struct {
	// Transport replaces the HTTP client (tests: an httptest TLS server's
	// client).
	Transport policy.Transporter
	// DisableChallengeResourceVerification lets the vault's authentication
	// challenge name a resource outside the vault URL's domain; only for a
	// test server on a loopback address.
	DisableChallengeResourceVerification bool
	// Retry overrides azcore's retry policy (tests disable retries).
	Retry *policy.RetryOptions
}

var _ SecretSource = (*KeyVault)(nil)

var secretNameRE = regexp.MustCompile(`^[0-9a-zA-Z-]{1,127}$`)

// NewKeyVault returns a client for the vault at vaultURL
// (https://NAME.vault.azure.net/) authenticating with cred.
func NewKeyVault(vaultURL string, cred azcore.TokenCredential, opts *KeyVaultOptions) (*KeyVault, error) {
	if opts == nil {
		opts = &KeyVaultOptions{}
	}
	co := &azsecrets.ClientOptions{DisableChallengeResourceVerification: opts.DisableChallengeResourceVerification}
	if opts.Transport != nil {
		co.Transport = opts.Transport
	}
	if opts.Retry != nil {
		co.Retry = *opts.Retry
	}
	c, err := azsecrets.NewClient(vaultURL, tokenRecorder{cred}, co)
	if err != nil {
		return nil, &socpilot.Error{Code: socpilot.EConfig, Message: "Key Vault URL " + vaultURL + " is not usable", Err: err}
	}
	return &KeyVault{url: vaultURL, client: c}, nil
}

// GetSecret returns the current version of the named secret. Errors are
// *socpilot.Error: ENotFound for a missing secret, EUnauthorized when no
// token can be had or the vault rejects it, EForbidden when the identity
// lacks the Key Vault Secrets User role, EUnavailable otherwise. They name
// the vault and the secret, never a value.
func (k *KeyVault) GetSecret(ctx context.Context, name string) (string, error) {
	if !secretNameRE.MatchString(name) {
		return "", socpilot.Errorf(socpilot.EInvalid, "%q is not a Key Vault secret name (1-127 letters, digits and '-')", name)
	}
	resp, err := k.client.GetSecret(ctx, name, "", nil)
	if err != nil {
		return "", k.classify(ctx, name, err)
	}
	if resp.Value == nil {
		return "", &socpilot.Error{Code: socpilot.ENotFound, Message: fmt.Sprintf("secret %q in Key Vault %s has no value", name, k.url)}
	}
	return *resp.Value, nil
}

func (k *KeyVault) classify(ctx context.Context, name string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("read secret %q from Key Vault %s: %w", name, k.url, ctx.Err())
	}
	var te *tokenError
	if errors.As(err, &te) {
		return &socpilot.Error{Code: socpilot.EUnauthorized, Err: te.err,
			Message: fmt.Sprintf("cannot get a token for Key Vault %s: sign in with `az login` (or set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET, or use a managed identity) as an identity with the %s role on the vault", k.url, KeyVaultRole)}
	}
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		code := re.ErrorCode
		if code == "" {
			code = http.StatusText(re.StatusCode)
		}
		switch re.StatusCode {
		case http.StatusNotFound:
			return &socpilot.Error{Code: socpilot.ENotFound, Message: fmt.Sprintf("secret %q not found in Key Vault %s", name, k.url)}
		case http.StatusUnauthorized:
			return socpilot.Errorf(socpilot.EUnauthorized,
				"Key Vault %s did not accept the credential (401 %s): sign in to the vault's tenant (`az login --tenant ...`) as an identity with the %s role on the vault", k.url, code, KeyVaultRole)
		case http.StatusForbidden:
			return socpilot.Errorf(socpilot.EForbidden,
				"Key Vault %s refused to read secret %q (403 %s): grant the signed-in identity the %s role on the vault (or a Get secret access policy), and check the vault's firewall", k.url, name, code, KeyVaultRole)
		case http.StatusTooManyRequests:
			return socpilot.Errorf(socpilot.EThrottled, "Key Vault %s is throttling requests (429 %s): try again shortly", k.url, code)
		}
		return socpilot.Errorf(socpilot.EUnavailable, "Key Vault %s answered %d %s when reading secret %q", k.url, re.StatusCode, code, name)
	}
	if strings.Contains(err.Error(), "doesn't match the requested domain") {
		return &socpilot.Error{Code: socpilot.EConfig, Err: err,
			Message: fmt.Sprintf("Key Vault %s authenticates for a different domain than its URL: check SOCPILOT_KEYVAULT_URL", k.url)}
	}
	return &socpilot.Error{Code: socpilot.EUnavailable, Err: err, Message: "cannot reach Key Vault " + k.url}
}

// DefaultCredential is azidentity's DefaultAzureCredential (environment,
// workload identity, managed identity, Azure CLI, ...) for the named cloud
// ("" for AzurePublic). It is the one place socpilot builds it: callers
// build it once and share it (config.Inputs.Credential), so one token
// cache serves Key Vault, Sentinel, Log Analytics and Azure OpenAI. An
// unknown cloud is an EConfig *socpilot.Error; a failure of azidentity is
// returned as it is, for the caller to explain in its own terms.
func DefaultCredential(cloudName string) (azcore.TokenCredential, error) {
	cc, err := CloudConfig(cloudName)
	if err != nil {
		return nil, err
	}
	return azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{ClientOptions: azcore.ClientOptions{Cloud: cc}})
}

// tokenRecorder marks credential failures so classify can tell "no token"
// from "the vault said no": azcore passes them up as plain errors.
type tokenRecorder struct{ cred azcore.TokenCredential }

func (t tokenRecorder) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	tok, err := t.cred.GetToken(ctx, o)
	if err != nil {
		return tok, &tokenError{err}
	}
	return tok, nil
}

type tokenError struct{ err error }

func (e *tokenError) Error() string { return e.err.Error() }
func (e *tokenError) Unwrap() error { return e.err }

// fromVault fills the settings still missing in vals from the vault,
// reading all candidate secrets concurrently. It returns the aoai-* secret
// that implies the azure provider, if one was used and no provider is set.
// optionalFromVault are settings with a default, or needed only by serve
// (the webhook token and sign-in's secrets: without them serve refuses a
// non-loopback listener or to expose the console):
// read from the vault when it answers, never worth failing a command over.
var optionalFromVault = map[string]bool{"sentinel-api-version": true, "llm-api-version": true, "webhook-token": true,
	"signin-client-secret": true, "signin-session-key": true}

// optionalVaultWait bounds the wait for a vault that only optional
// settings need.
var optionalVaultWait = 3 * time.Second

func fromVault(ctx context.Context, vaultURL string, vals map[string]value, src SecretSource, credential func(string) (azcore.TokenCredential, error), getenv func(string) string) (string, error) {
	provider, providerSet := vals["llm-provider"]
	var missing []setting
	var names []string
	for _, s := range settings {
		if _, ok := vals[s.key]; ok || len(s.vault) == 0 {
			continue
		}
		// Sign-in's secrets matter only to a console with sign-in: no
		// vault round trip for everyone else.
		if _, ok := vals["signin-client-id"]; strings.HasPrefix(s.key, "signin-") && !ok {
			continue
		}
		missing = append(missing, s)
		for _, n := range s.vault {
			// aoai-* secrets hold Azure OpenAI settings: meaningless for
			// another explicitly chosen provider.
			if strings.HasPrefix(n, "aoai-") && providerSet && provider.v != ProviderAzure {
				continue
			}
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return "", nil
	}
	if src == nil {
		if credential == nil {
			credential = DefaultCredential
		}
		cred, err := credential(vals["cloud"].v)
		if socpilot.ErrorCode(err) == socpilot.EConfig {
			return "", err
		}
		if err != nil {
			return "", &socpilot.Error{Code: socpilot.EUnauthorized, Err: err,
				Message: fmt.Sprintf("no Azure credential to read Key Vault %s: sign in with `az login` as an identity with the %s role on the vault", vaultURL, KeyVaultRole)}
		}
		kv, err := NewKeyVault(vaultURL, cred, nil)
		if err != nil {
			return "", err
		}
		src = kv
	}

	// When only settings with defaults are missing (API versions), the vault
	// is optional: a vault that does not answer quickly must not stop a
	// command whose configuration is otherwise complete.
	optional := true
	for _, s := range missing {
		if !optionalFromVault[s.key] {
			optional = false
		}
	}
	if optional {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, optionalVaultWait)
		defer cancel()
	}
	got := make([]string, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, n := range names {
		wg.Go(func() {
			got[i], errs[i] = src.GetSecret(ctx, n)
		})
	}
	wg.Wait()
	found := map[string]string{}
	for i, n := range names {
		switch err := errs[i]; {
		case err == nil:
			found[n] = got[i]
		case errors.Is(err, socpilot.ErrNotFound):
		case optional:
			// Keep the defaults; the settings listing (doctor) shows their origin.
		default:
			var se *socpilot.Error
			if errors.As(err, &se) {
				return "", err
			}
			return "", &socpilot.Error{Code: socpilot.EUnavailable, Err: err,
				Message: fmt.Sprintf("read secret %q from Key Vault %s", n, vaultURL)}
		}
	}

	azureFrom := ""
	for _, s := range missing {
		for _, n := range s.vault {
			v, ok := found[n]
			if !ok || strings.TrimSpace(v) == "" {
				continue
			}
			where := fmt.Sprintf("Key Vault %s secret %q", vaultURL, n)
			if err := put(vals, s, v, value{origin: "keyvault:" + n, where: where}, getenv); err != nil {
				return "", err
			}
			if strings.HasPrefix(n, "aoai-") && !providerSet && azureFrom == "" {
				azureFrom = n
			}
			break
		}
	}
	return azureFrom, nil
}
