// Package signintest is an in-process OpenID Connect provider shaped like
// Microsoft Entra ID's v2.0 endpoints, for tests of sign-in: a discovery
// document, the tenant's keys (JWKS), /authorize that signs the configured
// user in at once and sends the browser back with a code, and /token that
// redeems the code only with the client secret, the redirect URI and the
// PKCE verifier, and answers an RS256 ID token. Keys are generated when it
// starts. Every request it does not implement fails the test.
package signintest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Tenant is the tenant id in the provider's paths.
const Tenant = "11111111-2222-3333-4444-555555555555"

// Provider is a running provider.
type Provider struct {
	// Issuer is the v2.0 issuer: the server's URL + /{Tenant}/v2.0.
	Issuer string
	// ClientID and ClientSecret are the one app registration it knows.
	ClientID, ClientSecret string

	t   testing.TB
	srv *httptest.Server
	key *rsa.PrivateKey
	kid string

	mu    sync.Mutex
	user  map[string]any
	codes map[string]grant
	auths []url.Values
	// keyReads counts the reads of the keys.
	keyReads int
	// tamper changes the claims of the next ID tokens.
	tamper func(map[string]any)
	// signer signs the next ID tokens instead of the provider's key.
	signer func(map[string]any) string
}

type grant struct {
	clientID, redirect, challenge, nonce string
	user                                 map[string]any
}

// New starts a provider for the app registration clientID / clientSecret,
// closed when the test ends. Its user is "Ada Analyst" with no role.
func New(t testing.TB, clientID, clientSecret string) *Provider {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &Provider{ClientID: clientID, ClientSecret: clientSecret, t: t, key: key, kid: "test-key-1", codes: map[string]grant{}}
	p.SetUser("Ada Analyst", "ada@contoso.example")
	mux := http.NewServeMux()
	base := "/" + Tenant
	mux.HandleFunc("GET "+base+"/v2.0/.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET "+base+"/discovery/v2.0/keys", p.keys)
	mux.HandleFunc("GET "+base+"/oauth2/v2.0/authorize", p.authorize)
	mux.HandleFunc("POST "+base+"/oauth2/v2.0/token", p.token)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("signintest: unexpected request %s %s", r.Method, r.URL)
		http.Error(w, "not implemented", http.StatusNotFound)
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	p.Issuer = p.srv.URL + base + "/v2.0"
	return p
}

// SetUser sets who signs in next, with the app roles given.
func (p *Provider) SetUser(name, email string, roles ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.user = map[string]any{"name": name, "preferred_username": email, "oid": "00000000-0000-0000-0000-" + fmt.Sprintf("%012x", len(name)*7919+len(email)),
		"tid": Tenant}
	if len(roles) > 0 {
		p.user["roles"] = roles
	}
}

// Tamper makes the provider pass the claims of every later ID token
// through f before signing (nil: stop).
func (p *Provider) Tamper(f func(claims map[string]any)) {
	p.mu.Lock()
	p.tamper = f
	p.mu.Unlock()
}

// SignWith makes the provider encode every later ID token with f instead
// of signing it with its key (nil: stop): another key, or no signature.
func (p *Provider) SignWith(f func(claims map[string]any) string) {
	p.mu.Lock()
	p.signer = f
	p.mu.Unlock()
}

// Authorizations are the queries of the /authorize requests so far.
func (p *Provider) Authorizations() []url.Values {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]url.Values(nil), p.auths...)
}

// Sign signs claims as a JWT with the provider's key (RS256).
func (p *Provider) Sign(claims map[string]any) string {
	p.mu.Lock()
	key, kid := p.key, p.kid
	p.mu.Unlock()
	return SignRS256(p.t, key, kid, claims)
}

// RotateKey replaces the signing key, as Entra does every few weeks: the
// keys document then lists only the new one.
func (p *Provider) RotateKey() {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	p.key, p.kid = key, p.kid+"-next"
	p.mu.Unlock()
}

// AccessToken is a v2.0 access token of the provider's user for audience,
// with roles, valid for ttl (negative: already expired).
func (p *Provider) AccessToken(audience string, ttl time.Duration, roles ...string) string {
	return p.Sign(p.AccessClaims(audience, ttl, roles...))
}

// AccessClaims are the claims AccessToken signs, to change before Sign.
func (p *Provider) AccessClaims(audience string, ttl time.Duration, roles ...string) map[string]any {
	now := time.Now()
	p.mu.Lock()
	c := maps.Clone(p.user)
	p.mu.Unlock()
	c["iss"], c["aud"], c["sub"], c["ver"] = p.Issuer, audience, "access-subject", "2.0"
	c["iat"], c["nbf"], c["exp"] = now.Add(-time.Minute).Unix(), now.Add(-time.Minute).Unix(), now.Add(ttl).Unix()
	c["azp"], c["scp"] = "33333333-3333-3333-3333-333333333333", "access_as_user"
	delete(c, "roles")
	if len(roles) > 0 {
		c["roles"] = roles
	}
	return c
}

// SignRS256 signs claims with key under kid.
func SignRS256(t testing.TB, key *rsa.PrivateKey, kid string, claims map[string]any) string {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Unsigned encodes claims as a JWT with "alg": "none" and no signature.
func Unsigned(claims map[string]any) string {
	h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	b, _ := json.Marshal(claims)
	return h + "." + base64.RawURLEncoding.EncodeToString(b) + "."
}

func (p *Provider) discovery(w http.ResponseWriter, r *http.Request) {
	base := p.srv.URL + "/" + Tenant
	writeJSON(w, map[string]any{
		"issuer":                                p.Issuer,
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"jwks_uri":                              base + "/discovery/v2.0/keys",
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"code_challenge_methods_supported":      []string{"plain", "S256"},
	})
}

// KeyReads is how often the keys (JWKS) were read.
func (p *Provider) KeyReads() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.keyReads
}

func (p *Provider) keys(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.keyReads++
	key, kid := p.key, p.kid
	p.mu.Unlock()
	writeJSON(w, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: kid, Algorithm: "RS256", Use: "sig"}}})
}

// authorize signs the user in at once, as a browser with a live session
// at the provider would be, and redirects back with a code.
func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p.mu.Lock()
	p.auths = append(p.auths, q)
	user := maps.Clone(p.user)
	p.mu.Unlock()
	redirect := q.Get("redirect_uri")
	switch {
	case q.Get("client_id") != p.ClientID:
		http.Error(w, "AADSTS700016: application not found", http.StatusBadRequest)
		return
	case q.Get("response_type") != "code" || redirect == "":
		http.Error(w, "AADSTS900144: response_type code and redirect_uri are required", http.StatusBadRequest)
		return
	}
	back, err := url.Parse(redirect)
	if err != nil {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	code := randomString()
	p.mu.Lock()
	p.codes[code] = grant{clientID: q.Get("client_id"), redirect: redirect, challenge: q.Get("code_challenge"), nonce: q.Get("nonce"), user: user}
	p.mu.Unlock()
	v := back.Query()
	v.Set("code", code)
	v.Set("state", q.Get("state"))
	back.RawQuery = v.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		tokenError(w, "invalid_request", "the body is not a form")
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != p.ClientID || subtle.ConstantTimeCompare([]byte(secret), []byte(p.ClientSecret)) != 1 {
		tokenError(w, "invalid_client", "AADSTS7000215: Invalid client secret provided.")
		return
	}
	if r.PostForm.Get("grant_type") != "authorization_code" {
		tokenError(w, "unsupported_grant_type", "only authorization_code")
		return
	}
	code := r.PostForm.Get("code")
	p.mu.Lock()
	g, ok := p.codes[code]
	delete(p.codes, code) // a code is redeemed once
	tamper, signer := p.tamper, p.signer
	p.mu.Unlock()
	switch {
	case !ok:
		tokenError(w, "invalid_grant", "AADSTS70008: The provided authorization code or refresh token has expired or was already used.")
		return
	case g.redirect != r.PostForm.Get("redirect_uri"):
		tokenError(w, "invalid_grant", "AADSTS500112: The reply address does not match the reply address provided when requesting the authorization code.")
		return
	case g.challenge == "" || s256(r.PostForm.Get("code_verifier")) != g.challenge:
		tokenError(w, "invalid_grant", "AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request.")
		return
	}
	now := time.Now()
	c := g.user
	c["iss"], c["aud"], c["sub"], c["ver"] = p.Issuer, p.ClientID, "pairwise-subject", "2.0"
	c["iat"], c["nbf"], c["exp"] = now.Unix(), now.Unix(), now.Add(time.Hour).Unix()
	if g.nonce != "" {
		c["nonce"] = g.nonce
	}
	if tamper != nil {
		tamper(c)
	}
	idToken := ""
	if signer != nil {
		idToken = signer(c)
	} else {
		idToken = p.Sign(c)
	}
	writeJSON(w, map[string]any{"token_type": "Bearer", "scope": "openid profile email", "expires_in": 3600,
		"access_token": p.AccessToken("00000003-0000-0000-c000-000000000000", time.Hour), "id_token": idToken})
}

func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func tokenError(w http.ResponseWriter, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	json.NewEncoder(w).Encode(map[string]any{"error": code, "error_description": desc + "\r\nTrace ID: 0\r\nCorrelation ID: 0", "error_codes": []int{0}})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(v)
}

func randomString() string {
	b := make([]byte, 24)
	rand.Read(b)
	return strings.TrimRight(base64.RawURLEncoding.EncodeToString(b), "=")
}
