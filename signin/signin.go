// Package signin signs people in to socpilot's web console with Microsoft
// Entra ID (OpenID Connect: the authorization code flow with PKCE S256,
// state and nonce), keeps who they are in an encrypted session cookie, and
// maps the app roles in their token to what they may do: read (the queue,
// analyses, chat) or write (write back into incidents, re-analyse with the
// model). It also validates Entra access tokens sent as bearer tokens to
// socpilot's APIs (/mcp), with the same roles.
//
// It wraps github.com/coreos/go-oidc and golang.org/x/oauth2: no type of
// theirs leaves this package.
package signin

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/internal/loopback"
)

// Defaults and limits.
const (
	// DefaultReadRole and DefaultWriteRole are the app role values (the
	// "Value" of an app role in the app registration) socpilot looks for in
	// the token's roles claim.
	DefaultReadRole  = "Socpilot.Read"
	DefaultWriteRole = "Socpilot.Write"
	// DefaultSessionLifetime is how long a console session lasts: a working
	// day. The ID token's own hour is not used: the session is socpilot's.
	DefaultSessionLifetime = 8 * time.Hour
	// MinKeyLen is the shortest session key accepted, in bytes.
	MinKeyLen = 32
	// loginLifetime bounds the time between leaving for the sign-in page
	// and coming back.
	loginLifetime = 10 * time.Minute
)

// The paths the middleware answers itself.
const (
	CallbackPath = "/auth/callback"
	SignOutPath  = "/auth/signout"
)

// Options configure sign-in.
type Options struct {
	// Issuer is the tenant's v2.0 issuer,
	// https://login.microsoftonline.com/{tenant}/v2.0 (login.microsoftonline.us
	// in US Government, login.chinacloudapi.cn in China); discovery is read
	// from Issuer + /.well-known/openid-configuration. Tests point it at an
	// in-process provider (signintest).
	Issuer string
	// ClientID is the app registration's application (client) id: the
	// audience of its ID tokens.
	ClientID string
	// ClientSecret is the app registration's client secret; never logged.
	ClientSecret string
	// PublicURL is the console's address as browsers open it (scheme, host,
	// port); the redirect URI is PublicURL + /auth/callback. Plain http only
	// on a loopback host.
	PublicURL string
	// APIAudiences are accepted as the audience of bearer tokens besides the
	// client id and api://{client id} (an App ID URI of another form).
	APIAudiences []string
	// ReadRole and WriteRole are the app role values that allow reading and
	// writing; "" → DefaultReadRole, DefaultWriteRole. Write implies read.
	ReadRole, WriteRole string
	// SessionKey authenticates and encrypts the cookies (at least MinKeyLen
	// bytes). nil: a random key for this process, so sessions end when it
	// restarts and are not shared between replicas.
	SessionKey []byte
	// SessionLifetime is how long a session lasts; 0 → DefaultSessionLifetime.
	SessionLifetime time.Duration
	// HTTPClient reaches the provider (discovery, keys, token); nil → a
	// client with a 30s timeout.
	HTTPClient *http.Client
	// Now is the clock; nil → time.Now.
	Now func() time.Time
	// Log logs sign-ins and refusals (never a token or secret); nil → discard.
	Log *slog.Logger
}

// User is who a request comes from and what they may do.
type User struct {
	// Subject is the Entra object id (oid) of the user or application.
	Subject string
	// Name is the display name, or the user name, or the application id.
	Name string
	// Email is the email or user principal name; "" for an application.
	Email string
	// Roles are the app roles of the token.
	Roles []string
	// CanRead allows the queue, analyses and chat; CanWrite also allows
	// write-back and re-analysis with the model.
	CanRead, CanWrite bool
}

type userKey struct{}

// UserFrom returns the signed-in user the middleware put in ctx.
func UserFrom(ctx context.Context) (User, bool) {
	u, ok := ctx.Value(userKey{}).(User)
	return u, ok
}

// WithUser returns ctx carrying u, as the middleware does.
func WithUser(ctx context.Context, u User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// Auth signs users in and validates bearer tokens.
type Auth struct {
	o           Options
	client      *http.Client
	oauth       oauth2.Config
	idVerifier  *oidc.IDTokenVerifier
	apiVerifier *oidc.IDTokenVerifier
	issuers     []string // accepted in access tokens
	audiences   []string // accepted in access tokens
	seal        *sealer
	secure      bool
	publicHost  string
	sessionName string
	loginName   string
	// Ephemeral reports that the session key is random for this process.
	ephemeral bool
}

// New reads the provider's discovery document and returns an Auth. A
// malformed option is an EConfig error; a provider that cannot be read, an
// EUnavailable one.
func New(ctx context.Context, o Options) (*Auth, error) {
	if o.ReadRole == "" {
		o.ReadRole = DefaultReadRole
	}
	if o.WriteRole == "" {
		o.WriteRole = DefaultWriteRole
	}
	if o.SessionLifetime <= 0 {
		o.SessionLifetime = DefaultSessionLifetime
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	switch {
	case o.Issuer == "":
		return nil, socpilot.Errorf(socpilot.EConfig, "sign-in needs the tenant's issuer (set the tenant id)")
	case o.ClientID == "":
		return nil, socpilot.Errorf(socpilot.EConfig, "sign-in needs the app registration's client id")
	case o.ClientSecret == "":
		return nil, socpilot.Errorf(socpilot.EConfig, "sign-in needs the app registration's client secret")
	}
	pub, err := url.Parse(o.PublicURL)
	if err != nil || (pub.Scheme != "https" && pub.Scheme != "http") || pub.Host == "" || (pub.Path != "" && pub.Path != "/") {
		return nil, socpilot.Errorf(socpilot.EConfig, "the console's public URL %q is not usable: give the scheme and host browsers open, such as https://socpilot.example.com", o.PublicURL)
	}
	a := &Auth{o: o, client: o.HTTPClient, publicHost: pub.Host}
	a.secure = pub.Scheme == "https"
	if !a.secure && !loopback.HostPort(pub.Host) {
		return nil, socpilot.Errorf(socpilot.EConfig, "the console's public URL %s is plain http on a host other than loopback: the session cookie would travel in clear; give the https URL browsers open (TLS may end at a proxy in front of serve)", o.PublicURL)
	}
	// A __Host- cookie is only accepted over https, for this host alone,
	// for every path: no subdomain can plant or read one.
	a.sessionName, a.loginName = "socpilot_session", "socpilot_login"
	if a.secure {
		a.sessionName, a.loginName = "__Host-"+a.sessionName, "__Host-"+a.loginName
	}
	key := o.SessionKey
	if len(key) == 0 {
		key = make([]byte, MinKeyLen)
		rand.Read(key)
		a.ephemeral = true
	} else if len(key) < MinKeyLen {
		return nil, socpilot.Errorf(socpilot.EConfig, "the session key is %d bytes; give at least %d (such as the output of `openssl rand -base64 32`)", len(key), MinKeyLen)
	}
	if a.seal, err = newSealer(key); err != nil {
		return nil, fmt.Errorf("session cookies: %w", err)
	}
	if a.client == nil {
		a.client = &http.Client{Timeout: 30 * time.Second}
	}

	pctx := oidc.ClientContext(ctx, a.client)
	provider, err := oidc.NewProvider(pctx, o.Issuer)
	var mismatch *oidc.IssuerMismatchError
	if errors.As(err, &mismatch) && issuerAlias(o.Issuer, mismatch.Discovered) {
		// Entra in China answers on two hosts and names one of them.
		provider, err = oidc.NewProvider(oidc.InsecureIssuerURLContext(pctx, mismatch.Discovered), o.Issuer)
	}
	if err != nil {
		return nil, &socpilot.Error{Code: socpilot.EUnavailable, Err: err, Message: fmt.Sprintf(
			"cannot read the OpenID configuration of %s: check the tenant id and cloud, and that this host reaches the sign-in service", o.Issuer)}
	}
	var meta struct {
		Issuer  string `json:"issuer"`
		JWKSURL string `json:"jwks_uri"`
	}
	provider.Claims(&meta)
	// The discovered issuer: o.Issuer, or its alias on the other host.
	issuer := o.Issuer
	if meta.Issuer != "" {
		issuer = meta.Issuer
	}
	endpoint := provider.Endpoint()
	// Entra takes the client secret in the form; saying so spares a
	// failed first try with HTTP basic authentication.
	endpoint.AuthStyle = oauth2.AuthStyleInParams
	a.oauth = oauth2.Config{
		ClientID:     o.ClientID,
		ClientSecret: o.ClientSecret,
		Endpoint:     endpoint,
		RedirectURL:  strings.TrimRight(o.PublicURL, "/") + CallbackPath,
		Scopes:       []string{oidc.ScopeOpenID, "profile", "email"},
	}
	// Entra signs with RS256 only; naming it refuses every other algorithm,
	// "none" included.
	algs := []string{oidc.RS256}
	if meta.JWKSURL == "" {
		return nil, socpilot.Errorf(socpilot.EUnavailable, "the OpenID configuration of %s names no keys (jwks_uri)", o.Issuer)
	}
	keys := &keySet{url: meta.JWKSURL, client: a.client, now: o.Now}
	a.idVerifier = oidc.NewVerifier(issuer, keys, &oidc.Config{ClientID: o.ClientID, SupportedSigningAlgs: algs, Now: o.Now})
	// Access tokens come with either issuer (v1 or v2 tokens, as the API's
	// app registration asks) and one of several audiences: checked in Bearer.
	a.apiVerifier = oidc.NewVerifier(issuer, keys, &oidc.Config{SkipClientIDCheck: true, SkipIssuerCheck: true, SupportedSigningAlgs: algs, Now: o.Now})
	a.issuers = append([]string{issuer}, v1Issuers(issuer)...)
	a.audiences = append([]string{o.ClientID, "api://" + o.ClientID}, o.APIAudiences...)
	return a, nil
}

// Ephemeral reports whether the session key was generated for this process
// (no key configured): sessions then end when it restarts.
func (a *Auth) Ephemeral() bool { return a.ephemeral }

// RedirectURL is the redirect URI to register in the app registration.
func (a *Auth) RedirectURL() string { return a.oauth.RedirectURL }

// chinaHosts are the two hosts of Entra ID operated by 21Vianet.
var chinaHosts = []string{"login.chinacloudapi.cn", "login.partner.microsoftonline.cn"}

// issuerAlias reports whether discovered names the same tenant as want on
// the other host of the same cloud.
func issuerAlias(want, discovered string) bool {
	w, err1 := url.Parse(want)
	d, err2 := url.Parse(discovered)
	if err1 != nil || err2 != nil || w.Scheme != "https" || d.Scheme != "https" || w.Path != d.Path {
		return false
	}
	return slices.Contains(chinaHosts, w.Host) && slices.Contains(chinaHosts, d.Host)
}

// v1Issuers are the issuers of v1.0 access tokens of the tenant whose v2.0
// issuer is iss: an API app registration gets v1 tokens unless its manifest
// sets requestedAccessTokenVersion to 2.
func v1Issuers(iss string) []string {
	u, err := url.Parse(iss)
	if err != nil {
		return nil
	}
	tenant, ok := strings.CutSuffix(strings.Trim(u.Path, "/"), "/v2.0")
	if !ok || tenant == "" || strings.Contains(tenant, "/") {
		return nil
	}
	switch u.Host {
	case "login.microsoftonline.com", "login.microsoftonline.us":
		return []string{"https://sts.windows.net/" + tenant + "/"}
	case "login.chinacloudapi.cn", "login.partner.microsoftonline.cn":
		return []string{"https://sts.chinacloudapi.cn/" + tenant + "/"}
	}
	return nil
}

// claims are the Entra token claims socpilot reads.
type claims struct {
	Subject           string   `json:"sub"`
	ObjectID          string   `json:"oid"`
	Name              string   `json:"name"`
	PreferredUsername string   `json:"preferred_username"`
	UPN               string   `json:"upn"`
	Email             string   `json:"email"`
	Roles             []string `json:"roles"`
	AppID             string   `json:"appid"` // v1 access tokens
	AZP               string   `json:"azp"`   // v2 access tokens
}

func (a *Auth) userOf(c claims) User {
	u := User{Subject: c.ObjectID, Name: c.Name, Email: c.Email, Roles: c.Roles}
	if u.Subject == "" {
		u.Subject = c.Subject
	}
	if u.Email == "" {
		u.Email = c.PreferredUsername
	}
	if u.Email == "" {
		u.Email = c.UPN
	}
	if u.Name == "" {
		u.Name = u.Email
	}
	if u.Name == "" {
		if app := cmp(c.AZP, c.AppID); app != "" {
			u.Name = "application " + app
		}
	}
	u.CanWrite = hasRole(c.Roles, a.o.WriteRole)
	u.CanRead = u.CanWrite || hasRole(c.Roles, a.o.ReadRole)
	return u
}

func cmp(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// hasRole compares role values without case: both sides are set by an
// administrator, and a mismatch in case is a typo, not a different role.
func hasRole(roles []string, want string) bool {
	return slices.ContainsFunc(roles, func(r string) bool { return strings.EqualFold(r, want) })
}

// session is what the session cookie holds.
type session struct {
	Sub   string   `json:"s"`
	Name  string   `json:"n"`
	Email string   `json:"e"`
	Roles []string `json:"r"`
	Exp   int64    `json:"x"`
}

// loginState is what the login cookie holds between leaving for the
// provider and coming back.
type loginState struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Return   string `json:"r"`
	Exp      int64  `json:"x"`
}

// Middleware lets signed-in users with a role through to next, with the
// User in the request's context; it sends browsers without a session to
// sign in, answers 401 to other requests without one, and 403 to users
// with neither role. It serves CallbackPath and SignOutPath itself.
func (a *Auth) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case CallbackPath:
			a.callback(w, r)
			return
		case SignOutPath:
			a.signOut(w, r)
			return
		}
		u, ok := a.sessionUser(r)
		if !ok {
			a.challenge(w, r)
			return
		}
		if !u.CanRead {
			a.page(w, http.StatusForbidden, pageData{Title: "No access",
				Message: fmt.Sprintf("You are signed in as %s, but you have neither the %s nor the %s app role of socpilot. "+
					"Ask an administrator to assign you one in Microsoft Entra ID (Enterprise applications, socpilot, Users and groups), then sign in again.",
					u.Name, a.o.ReadRole, a.o.WriteRole),
				SignOut: true})
			return
		}
		next.ServeHTTP(w, r.WithContext(WithUser(r.Context(), u)))
	})
}

// sessionUser reads the session cookie.
func (a *Auth) sessionUser(r *http.Request) (User, bool) {
	ck, err := r.Cookie(a.sessionName)
	if err != nil {
		return User{}, false
	}
	var s session
	if err := a.seal.open(a.sessionName, ck.Value, &s); err != nil || a.o.Now().Unix() >= s.Exp {
		return User{}, false
	}
	return a.userOf(claims{ObjectID: s.Sub, Name: s.Name, Email: s.Email, Roles: s.Roles}), true
}

// challenge sends a browser's GET to the provider; anything else without
// a session is refused, never redirected (a form post would be lost).
func (a *Auth) challenge(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		a.page(w, http.StatusUnauthorized, pageData{Title: "Sign in first",
			Message: "Your session has ended. Open the console again to sign in, then repeat what you did.", SignIn: "/"})
		return
	}
	st := loginState{State: random(), Nonce: random(), Verifier: oauth2.GenerateVerifier(),
		Return: localPath(r.URL.RequestURI()), Exp: a.o.Now().Add(loginLifetime).Unix()}
	v, err := a.seal.seal(a.loginName, st)
	if err != nil {
		http.Error(w, "sign-in could not start", http.StatusInternalServerError)
		return
	}
	http.SetCookie(w, a.cookie(a.loginName, v, loginLifetime))
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, a.oauth.AuthCodeURL(st.State, oidc.Nonce(st.Nonce), oauth2.S256ChallengeOption(st.Verifier)), http.StatusFound)
}

// localPath returns p when it is a path on this server, else "/": the
// return address must not send the user elsewhere (//evil.example).
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.HasPrefix(p, "/auth/") {
		return "/"
	}
	return p
}

func random() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (a *Auth) cookie(name, value string, maxAge time.Duration) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: int(maxAge / time.Second), HttpOnly: true,
		Secure: a.secure, SameSite: http.SameSiteLaxMode}
}

func (a *Auth) clear(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: a.secure, SameSite: http.SameSiteLaxMode})
}

// callback completes the sign-in: the state must be the one this browser
// left with, the code is redeemed with the PKCE verifier, and the ID token
// must be signed by the tenant's keys, for this app, unexpired, with the
// nonce this browser left with.
func (a *Auth) callback(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	q := r.URL.Query()
	var st loginState
	ck, err := r.Cookie(a.loginName)
	if err == nil {
		err = a.seal.open(a.loginName, ck.Value, &st)
	}
	a.clear(w, a.loginName)
	if e := q.Get("error"); e != "" {
		a.o.Log.Warn("signin: the provider refused the sign-in", "error", e)
		a.page(w, http.StatusForbidden, pageData{Title: "Sign-in refused",
			Message: "Microsoft Entra ID did not sign you in: " + oneLine(cmp(q.Get("error_description"), e)), SignIn: "/"})
		return
	}
	if err != nil || a.o.Now().Unix() >= st.Exp {
		a.refuse(w, "no sign-in was started in this browser, or it took longer than 10 minutes", nil)
		return
	}
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(st.State)) != 1 {
		a.refuse(w, "the answer from the sign-in page does not belong to the sign-in this browser started (state)", nil)
		return
	}
	code := q.Get("code")
	if code == "" {
		a.refuse(w, "the sign-in page sent no authorization code", nil)
		return
	}
	ctx := context.WithValue(r.Context(), oauth2.HTTPClient, a.client)
	tok, err := a.oauth.Exchange(ctx, code, oauth2.VerifierOption(st.Verifier))
	if err != nil {
		a.o.Log.Warn("signin: redeem the authorization code", "err", exchangeError(err))
		a.page(w, http.StatusBadGateway, pageData{Title: "Sign-in failed",
			Message: "Microsoft Entra ID did not accept the sign-in: " + exchangeError(err) + ". Try again; if it persists, check the client secret and the redirect URI of the app registration.", SignIn: "/"})
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		a.refuse(w, "the token response holds no ID token", nil)
		return
	}
	idt, err := a.idVerifier.Verify(r.Context(), raw)
	if err != nil {
		a.refuse(w, "the ID token was not valid for this console", err)
		return
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(st.Nonce)) != 1 {
		a.refuse(w, "the ID token was not issued for the sign-in this browser started (nonce)", nil)
		return
	}
	var c claims
	if err := idt.Claims(&c); err != nil {
		a.refuse(w, "the ID token's claims could not be read", err)
		return
	}
	u := a.userOf(c)
	s := session{Sub: u.Subject, Name: u.Name, Email: u.Email, Roles: c.Roles, Exp: a.o.Now().Add(a.o.SessionLifetime).Unix()}
	v, err := a.seal.seal(a.sessionName, s)
	if err != nil {
		http.Error(w, "the session could not be created", http.StatusInternalServerError)
		return
	}
	http.SetCookie(w, a.cookie(a.sessionName, v, a.o.SessionLifetime))
	a.o.Log.Info("signin: signed in", "subject", u.Subject, "read", u.CanRead, "write", u.CanWrite)
	http.Redirect(w, r, localPath(st.Return), http.StatusSeeOther)
}

// exchangeError is the provider's error code and description, without the
// request (which holds the client secret).
func exchangeError(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		if re.ErrorCode != "" {
			return oneLine(strings.TrimSpace(re.ErrorCode + " " + firstLine(re.ErrorDescription)))
		}
		if re.Response != nil {
			return "the token endpoint answered " + re.Response.Status
		}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return "the token endpoint could not be reached: " + oneLine(ue.Err.Error())
	}
	return "the token endpoint's answer was not understood"
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return strings.TrimSpace(strings.TrimRight(s, "\r"))
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

func (a *Auth) refuse(w http.ResponseWriter, why string, err error) {
	if err != nil {
		a.o.Log.Warn("signin: refused", "why", why, "err", err)
	} else {
		a.o.Log.Warn("signin: refused", "why", why)
	}
	a.page(w, http.StatusBadRequest, pageData{Title: "Sign-in refused", Message: "The sign-in was refused: " + why + ". Start again.", SignIn: "/"})
}

// signOut ends the session. GET shows a button; the POST that ends the
// session must come from this site's own pages.
func (a *Auth) signOut(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		a.page(w, http.StatusOK, pageData{Title: "Sign out", Message: "End your socpilot session in this browser?", SignOut: true})
	case http.MethodPost:
		if !a.sameOrigin(r) {
			a.page(w, http.StatusForbidden, pageData{Title: "Sign out refused", Message: "Sign out from the console's own page.", SignOut: true})
			return
		}
		a.clear(w, a.sessionName)
		a.page(w, http.StatusOK, pageData{Title: "Signed out", Message: "You are signed out of socpilot.", SignIn: "/"})
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// sameOrigin refuses a post another site's page made: browsers send
// Origin with every form post, and Sec-Fetch-Site where they know it.
func (a *Auth) sameOrigin(r *http.Request) bool {
	if s := r.Header.Get("Sec-Fetch-Site"); s != "" && s != "same-origin" && s != "none" {
		return false
	}
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && (u.Host == a.publicHost || u.Host == r.Host)
}
