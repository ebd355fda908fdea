// Package kvtest is a wire-faithful Azure Key Vault secrets emulator for
// tests: an httptest TLS server speaking GET /secrets/{name}[/{version}]
// the way the service does, including the bearer challenge that azsecrets'
// challenge policy needs before it sends a token, and the service's error
// bodies. It serves only what socpilot reads; any other request fails the
// test that made it.
package kvtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// Token is the access token Credential hands out and the server accepts.
const Token = "kvtest-access-token"

// Tenant is the tenant the server's challenge names.
const Tenant = "00000000-0000-0000-0000-0000000000aa"

// Resource is the resource (audience) the challenge names, as the public
// cloud's vaults do.
const Resource = "https://vault.azure.net"

// apiVersions are the Key Vault data-plane versions the server accepts:
// 7.5 and 7.6 as older clients send them, and what azsecrets v1.5.1 sends.
var apiVersions = []string{"7.4", "7.5", "7.6", "2025-07-01", "2026-04-01"}

// Server is a Key Vault holding secrets. Set its fields before use.
type Server struct {
	*httptest.Server
	t testing.TB

	mu      sync.Mutex
	secrets map[string]string
	// Forbidden makes every authenticated read answer 403, as for an
	// identity without the Key Vault Secrets User role.
	forbidden bool
	requests  []string // secret names of authenticated GETs, in order
}

// New starts a vault holding secrets (name → value); it is closed when the
// test ends.
func New(t testing.TB, secrets map[string]string) *Server {
	s := &Server{t: t, secrets: map[string]string{}}
	for k, v := range secrets {
		s.secrets[strings.ToLower(k)] = v
	}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	// Clients keeping connections open make Close log handshake noise.
	s.Server.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.Server.StartTLS()
	t.Cleanup(s.Close)
	return s
}

// SetForbidden makes authenticated reads answer 403 Forbidden.
func (s *Server) SetForbidden(v bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.forbidden = v
}

// Requests returns the names of the secrets read with a token, sorted.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.requests)
	slices.Sort(out)
	return out
}

// VaultURL is the vault's URL as a user configures it (trailing slash).
func (s *Server) VaultURL() string { return s.URL + "/" }

func writeError(w http.ResponseWriter, status int, code, msg string, inner string) {
	body := map[string]any{"code": code, "message": msg}
	if inner != "" {
		body["innererror"] = map[string]any{"code": inner}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("x-ms-keyvault-service-version", "1.9.2710.1")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": body})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] != "secrets" || r.Method != http.MethodGet {
		s.t.Errorf("kvtest: unexpected request %s %s", r.Method, r.URL)
		writeError(w, http.StatusBadRequest, "BadParameter", "The request URI contains an invalid name or is not supported by this emulator.", "")
		return
	}
	v := r.URL.Query().Get("api-version")
	if v == "" {
		writeError(w, http.StatusBadRequest, "BadParameter", "api-version query parameter is missing.", "")
		return
	}
	if !slices.Contains(apiVersions, v) {
		writeError(w, http.StatusBadRequest, "BadParameter",
			fmt.Sprintf("The specified version (%s) is not recognized. Consider using the latest supported version (%s).", v, apiVersions[len(apiVersions)-1]), "")
		return
	}
	// The service answers an unauthenticated request with a challenge
	// naming the tenant and resource to get a token for; azsecrets sends
	// its first request without a token precisely to receive it.
	auth := r.Header.Get("Authorization")
	if auth == "" {
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer authorization="https://login.microsoftonline.com/%s", resource="%s"`, Tenant, Resource))
		writeError(w, http.StatusUnauthorized, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.", "")
		return
	}
	if auth != "Bearer "+Token {
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer authorization="https://login.microsoftonline.com/%s", resource="%s"`, Tenant, Resource))
		writeError(w, http.StatusUnauthorized, "Unauthorized", "AKV10032: Invalid issuer. Expected one of https://sts.windows.net/"+Tenant+"/.", "")
		return
	}
	name := parts[1]
	s.mu.Lock()
	s.requests = append(s.requests, name)
	forbidden := s.forbidden
	val, ok := s.secrets[strings.ToLower(name)]
	s.mu.Unlock()
	if forbidden {
		writeError(w, http.StatusForbidden, "Forbidden",
			"Caller is not authorized to perform action on resource. If role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\nCaller: appid=00000000-0000-0000-0000-000000000000;oid=00000000-0000-0000-0000-000000000001\r\nAction: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'\r\nResource: '/secrets/"+name+"'\r\nAssignment: (not found)\r\nVault: kvtest;location=westeurope\r\n",
			"ForbiddenByRbac")
		return
	}
	if !ok {
		writeError(w, http.StatusNotFound, "SecretNotFound",
			fmt.Sprintf("A secret with (name/id) %s was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182", name), "")
		return
	}
	version := "0123456789abcdef0123456789abcdef"
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Unix()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(map[string]any{
		"value": val,
		"id":    fmt.Sprintf("%s/secrets/%s/%s", s.URL, name, version),
		"attributes": map[string]any{
			"enabled": true, "created": now, "updated": now,
			"recoveryLevel": "Recoverable+Purgeable", "recoverableDays": 90,
		},
		"tags": map[string]any{},
	})
}

// Credential is a static azcore.TokenCredential handing out Token. It
// records the scopes and tenant asked for; Fail makes it fail as a
// credential with no signed-in user does.
type Credential struct {
	Fail error

	mu     sync.Mutex
	scopes []string
	tenant string
}

// GetToken implements azcore.TokenCredential.
func (c *Credential) GetToken(_ context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.scopes = append(c.scopes, o.Scopes...)
	c.tenant = o.TenantID
	if c.Fail != nil {
		return azcore.AccessToken{}, c.Fail
	}
	return azcore.AccessToken{Token: Token, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// Asked returns the distinct scopes requested and the last tenant.
func (c *Credential) Asked() ([]string, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := slices.Clone(c.scopes)
	slices.Sort(s)
	return slices.Compact(s), c.tenant
}
