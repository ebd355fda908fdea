package signin_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/signin"
	"github.com/socpilot/socpilot/signin/signintest"
)

const (
	clientID     = "99999999-8888-7777-6666-555555555555"
	clientSecret = "test-secret-made-at-test-time"
)

// clock is a settable clock for session expiry.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// app is a console stand-in behind the middleware: GET shows who is
// signed in, POST /write needs the write role.
type app struct {
	srv   *httptest.Server
	idp   *signintest.Provider
	auth  *signin.Auth
	clock *clock
}

func newApp(t *testing.T, edit func(*signin.Options)) *app {
	t.Helper()
	a := &app{idp: signintest.New(t, clientID, clientSecret), clock: &clock{t: time.Now()}}
	// The public URL is the app's own, known once it listens.
	var h http.Handler = http.NotFoundHandler()
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(a.srv.Close)
	o := signin.Options{Issuer: a.idp.Issuer, ClientID: clientID, ClientSecret: clientSecret, PublicURL: a.srv.URL, Now: a.clock.now}
	if edit != nil {
		edit(&o)
	}
	auth, err := signin.New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	a.auth = auth
	mux := http.NewServeMux()
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		u, ok := signin.UserFrom(r.Context())
		if !ok {
			t.Error("the middleware let a request through without a user")
		}
		fmt.Fprintf(w, "page %s for %s <%s> write=%v", r.URL.Path, u.Name, u.Email, u.CanWrite)
	})
	mux.HandleFunc("POST /write", func(w http.ResponseWriter, r *http.Request) {
		if u, _ := signin.UserFrom(r.Context()); !u.CanWrite {
			http.Error(w, "write role needed", http.StatusForbidden)
			return
		}
		fmt.Fprint(w, "written")
	})
	h = auth.Middleware(mux)
	return a
}

func browser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 10 * time.Second}
}

// noFollow is c stopping at each redirect.
func noFollow(c *http.Client) *http.Client {
	cp := *c
	cp.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cp
}

func do(t *testing.T, c *http.Client, method, u string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// signIn runs the whole flow from a page of the app and returns the page.
func (a *app) signIn(t *testing.T, c *http.Client, path string) (*http.Response, string) {
	t.Helper()
	return do(t, c, http.MethodGet, a.srv.URL+path, nil)
}

func TestUnauthenticatedBrowserIsSentToSignInWithPKCEStateAndNonce(t *testing.T) {
	a := newApp(t, nil)
	c := noFollow(browser(t))
	resp, _ := do(t, c, http.MethodGet, a.srv.URL+"/incidents/7?x=1", nil)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("status %d; want 302 to the provider", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(loc.String(), strings.TrimSuffix(a.idp.Issuer, "/v2.0")+"/oauth2/v2.0/authorize?") {
		t.Fatalf("redirected to %s; want the provider's authorization endpoint", loc)
	}
	q := loc.Query()
	for k, want := range map[string]string{"response_type": "code", "client_id": clientID, "code_challenge_method": "S256",
		"redirect_uri": a.srv.URL + "/auth/callback"} {
		if got := q.Get(k); got != want {
			t.Errorf("%s = %q; want %q", k, got, want)
		}
	}
	if len(q.Get("code_challenge")) != 43 {
		t.Errorf("code_challenge %q is not a base64url SHA-256", q.Get("code_challenge"))
	}
	if len(q.Get("state")) < 32 || len(q.Get("nonce")) < 32 || q.Get("state") == q.Get("nonce") {
		t.Errorf("state %q and nonce %q: want two distinct random values", q.Get("state"), q.Get("nonce"))
	}
	if !strings.Contains(" "+q.Get("scope")+" ", " openid ") {
		t.Errorf("scope %q lacks openid", q.Get("scope"))
	}
	// A second start gets fresh values.
	resp2, _ := do(t, c, http.MethodGet, a.srv.URL+"/", nil)
	loc2, _ := url.Parse(resp2.Header.Get("Location"))
	if loc2.Query().Get("state") == q.Get("state") || loc2.Query().Get("code_challenge") == q.Get("code_challenge") {
		t.Error("state or PKCE challenge reused between sign-ins")
	}
	// The login cookie is HttpOnly and Lax (the provider's redirect back is
	// a cross-site top-level GET), and not Secure on plain-http loopback.
	for _, ck := range resp.Cookies() {
		if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure {
			t.Errorf("cookie %s: HttpOnly %v SameSite %v Secure %v; want HttpOnly, Lax, not Secure on http loopback", ck.Name, ck.HttpOnly, ck.SameSite, ck.Secure)
		}
	}
}

func TestFullSignInReturnsToThePageAsked(t *testing.T) {
	a := newApp(t, nil)
	a.idp.SetUser("Ada Analyst", "ada@contoso.example", "Socpilot.Read")
	c := browser(t)
	resp, body := a.signIn(t, c, "/incidents/7?x=1")
	if resp.StatusCode != 200 || body != "page /incidents/7 for Ada Analyst <ada@contoso.example> write=false" {
		t.Fatalf("status %d, body %q", resp.StatusCode, body)
	}
	// The session cookie now lets the browser in without the provider.
	n := len(a.idp.Authorizations())
	resp, _ = do(t, noFollow(c), http.MethodGet, a.srv.URL+"/", nil)
	if resp.StatusCode != 200 || len(a.idp.Authorizations()) != n {
		t.Errorf("second visit: status %d, authorizations %d -> %d; want 200 without the provider", resp.StatusCode, n, len(a.idp.Authorizations()))
	}
	for _, ck := range c.Jar.Cookies(mustURL(t, a.srv.URL)) {
		if strings.Contains(ck.Value, "Ada") || strings.Contains(ck.Value, "Socpilot") {
			t.Errorf("cookie %s shows its content: %q", ck.Name, ck.Value)
		}
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// startFlow goes to the provider and back to the callback URL, without
// following it: the test changes it or replays it.
func (a *app) startFlow(t *testing.T, c *http.Client) *url.URL {
	t.Helper()
	nf := noFollow(c)
	resp, _ := do(t, nf, http.MethodGet, a.srv.URL+"/", nil)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("start: status %d", resp.StatusCode)
	}
	resp, _ = do(t, nf, http.MethodGet, resp.Header.Get("Location"), nil)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: status %d", resp.StatusCode)
	}
	return mustURL(t, resp.Header.Get("Location"))
}

func (a *app) signedIn(t *testing.T, c *http.Client) bool {
	t.Helper()
	resp, _ := do(t, noFollow(c), http.MethodGet, a.srv.URL+"/", nil)
	return resp.StatusCode == 200
}

func TestCallbackWithWrongStateIsRefused(t *testing.T) {
	a := newApp(t, nil)
	a.idp.SetUser("Ada", "ada@contoso.example", "Socpilot.Write")
	c := browser(t)
	cb := a.startFlow(t, c)
	q := cb.Query()
	q.Set("state", "forged-"+q.Get("state"))
	cb.RawQuery = q.Encode()
	resp, body := do(t, noFollow(c), http.MethodGet, cb.String(), nil)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "(state)") {
		t.Fatalf("status %d, body %q; want 400 naming the state", resp.StatusCode, body)
	}
	if a.signedIn(t, c) {
		t.Error("signed in with a forged state")
	}
}

func TestCallbackInAnotherBrowserIsRefused(t *testing.T) {
	// Login CSRF: an attacker's code and state, opened in the victim's
	// browser, which never started that sign-in.
	a := newApp(t, nil)
	a.idp.SetUser("Mallory", "mallory@contoso.example", "Socpilot.Write")
	cb := a.startFlow(t, browser(t))
	victim := browser(t)
	resp, _ := do(t, noFollow(victim), http.MethodGet, cb.String(), nil)
	if resp.StatusCode != http.StatusBadRequest || a.signedIn(t, victim) {
		t.Fatalf("status %d; want 400 and no session", resp.StatusCode)
	}
}

func TestCodeIsRedeemedWithThePKCEVerifierOnce(t *testing.T) {
	a := newApp(t, nil)
	a.idp.SetUser("Ada", "ada@contoso.example", "Socpilot.Read")
	c := browser(t)
	cb := a.startFlow(t, c)
	resp, _ := do(t, noFollow(c), http.MethodGet, cb.String(), nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("callback: status %d; want 303 (the provider checked the verifier)", resp.StatusCode)
	}
	// The same callback again: the login state is spent.
	c2 := browser(t)
	resp, _ = do(t, noFollow(c2), http.MethodGet, cb.String(), nil)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("replayed callback: status %d; want 400", resp.StatusCode)
	}
}

func TestInvalidIDTokensAreRefused(t *testing.T) {
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		tamper func(map[string]any)
		sign   func(p *signintest.Provider) func(map[string]any) string
	}{
		{name: "expired", tamper: func(c map[string]any) { c["exp"] = time.Now().Add(-time.Minute).Unix() }},
		{name: "wrong audience", tamper: func(c map[string]any) { c["aud"] = "00000000-0000-0000-0000-000000000001" }},
		{name: "wrong issuer", tamper: func(c map[string]any) {
			c["iss"] = "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000002/v2.0"
		}},
		{name: "wrong nonce", tamper: func(c map[string]any) { c["nonce"] = "another-sign-in" }},
		{name: "no nonce", tamper: func(c map[string]any) { delete(c, "nonce") }},
		{name: "wrong key", sign: func(*signintest.Provider) func(map[string]any) string {
			return func(c map[string]any) string { return signintest.SignRS256(t, otherKey, "test-key-1", c) }
		}},
		{name: "alg none", sign: func(*signintest.Provider) func(map[string]any) string { return signintest.Unsigned }},
		{name: "tampered payload", sign: func(p *signintest.Provider) func(map[string]any) string {
			return func(c map[string]any) string {
				// Signed as a reader, presented as a writer.
				parts := strings.Split(p.Sign(c), ".")
				c["roles"] = []string{"Socpilot.Write"}
				forged := strings.Split(signintest.Unsigned(c), ".")
				return parts[0] + "." + forged[1] + "." + parts[2]
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newApp(t, nil)
			a.idp.SetUser("Ada", "ada@contoso.example", "Socpilot.Read")
			a.idp.Tamper(tc.tamper)
			if tc.sign != nil {
				a.idp.SignWith(tc.sign(a.idp))
			}
			c := browser(t)
			resp, body := a.signIn(t, c, "/")
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "refused") {
				t.Fatalf("status %d, body %q; want 400 refused", resp.StatusCode, body)
			}
			if a.signedIn(t, c) {
				t.Error("a session was created")
			}
		})
	}
}

func TestProviderErrorIsShownAsText(t *testing.T) {
	a := newApp(t, nil)
	resp, body := do(t, browser(t), http.MethodGet, a.srv.URL+"/auth/callback?error=access_denied&error_description="+
		url.QueryEscape("AADSTS50105: <script>alert(1)</script> not assigned"), nil)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "AADSTS50105: &lt;script&gt;") || strings.Contains(body, "<script>") {
		t.Fatalf("status %d, body %q; want 403 with the description escaped", resp.StatusCode, body)
	}
	if resp.Header.Get("Content-Security-Policy") == "" {
		t.Error("no Content-Security-Policy on the sign-in page")
	}
}

func TestRolesMapToPermissions(t *testing.T) {
	for _, tc := range []struct {
		roles       []string
		status      int
		writeStatus int
	}{
		{[]string{"Socpilot.Read"}, 200, http.StatusForbidden},
		{[]string{"Socpilot.Write"}, 200, 200},
		{[]string{"socpilot.read", "Other"}, 200, http.StatusForbidden},
		{nil, http.StatusForbidden, http.StatusForbidden},
		{[]string{"Other.Role"}, http.StatusForbidden, http.StatusForbidden},
	} {
		t.Run(strings.Join(tc.roles, ","), func(t *testing.T) {
			a := newApp(t, nil)
			a.idp.SetUser("Ada", "ada@contoso.example", tc.roles...)
			c := browser(t)
			resp, body := a.signIn(t, c, "/")
			if resp.StatusCode != tc.status {
				t.Fatalf("GET /: status %d, body %q; want %d", resp.StatusCode, body, tc.status)
			}
			if tc.status == http.StatusForbidden && (!strings.Contains(body, "Socpilot.Read") || !strings.Contains(body, "signed in as Ada")) {
				t.Errorf("the 403 page does not say what is missing: %q", body)
			}
			resp, _ = do(t, c, http.MethodPost, a.srv.URL+"/write", nil)
			if resp.StatusCode != tc.writeStatus {
				t.Errorf("POST /write: status %d; want %d", resp.StatusCode, tc.writeStatus)
			}
		})
	}
}

func TestRoleNamesAreConfigurable(t *testing.T) {
	a := newApp(t, func(o *signin.Options) { o.ReadRole, o.WriteRole = "Sec.Viewer", "Sec.Responder" })
	a.idp.SetUser("Ada", "ada@contoso.example", "Socpilot.Write", "Sec.Viewer")
	c := browser(t)
	if _, body := a.signIn(t, c, "/"); !strings.HasSuffix(body, "write=false") {
		t.Fatalf("body %q; want a reader: Socpilot.Write is not the configured write role", body)
	}
}

func TestSignOutClearsTheSession(t *testing.T) {
	a := newApp(t, nil)
	a.idp.SetUser("Ada", "ada@contoso.example", "Socpilot.Read")
	c := browser(t)
	a.signIn(t, c, "/")
	// Another site's form cannot sign the user out.
	resp, _ := do(t, c, http.MethodPost, a.srv.URL+"/auth/signout", map[string]string{"Origin": "https://evil.example"})
	if resp.StatusCode != http.StatusForbidden || !a.signedIn(t, c) {
		t.Fatalf("cross-site sign-out: status %d; want 403 and the session kept", resp.StatusCode)
	}
	resp, body := do(t, c, http.MethodGet, a.srv.URL+"/auth/signout", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `action="/auth/signout"`) {
		t.Fatalf("GET sign-out: status %d, body %q; want a page with the sign-out form", resp.StatusCode, body)
	}
	resp, body = do(t, c, http.MethodPost, a.srv.URL+"/auth/signout", map[string]string{"Origin": a.srv.URL})
	if resp.StatusCode != 200 || !strings.Contains(body, "signed out") {
		t.Fatalf("sign-out: status %d, body %q", resp.StatusCode, body)
	}
	if a.signedIn(t, c) {
		t.Error("still signed in after sign-out")
	}
}

func TestSessionExpires(t *testing.T) {
	a := newApp(t, func(o *signin.Options) { o.SessionLifetime = time.Hour })
	a.idp.SetUser("Ada", "ada@contoso.example", "Socpilot.Read")
	c := browser(t)
	a.signIn(t, c, "/")
	a.clock.add(59 * time.Minute)
	if !a.signedIn(t, c) {
		t.Fatal("session ended before its lifetime")
	}
	a.clock.add(2 * time.Minute)
	if a.signedIn(t, c) {
		t.Error("session still valid after its lifetime")
	}
}

func TestPostWithoutSessionIs401NotARedirect(t *testing.T) {
	a := newApp(t, nil)
	resp, _ := do(t, noFollow(browser(t)), http.MethodPost, a.srv.URL+"/write", nil)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("status %d; want 401", resp.StatusCode)
	}
}

func TestReturnAddressStaysOnThisSite(t *testing.T) {
	a := newApp(t, nil)
	a.idp.SetUser("Ada", "ada@contoso.example", "Socpilot.Read")
	c := browser(t)
	req, _ := http.NewRequest(http.MethodGet, a.srv.URL+"/", nil)
	req.URL.Opaque = "//evil.example/x" // sent as the request target as it is
	resp, err := noFollow(c).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, _ = do(t, noFollow(c), http.MethodGet, resp.Header.Get("Location"), nil)
	resp, _ = do(t, noFollow(c), http.MethodGet, resp.Header.Get("Location"), nil)
	if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") || strings.HasPrefix(loc, "/\\") {
		t.Errorf("after sign-in redirected to %q; want a path on this site", loc)
	}
}

func TestSessionsSurviveARestartOnlyWithAConfiguredKey(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	for _, tc := range []struct {
		name    string
		key     []byte
		survive bool
	}{{"configured key", key, true}, {"random key", nil, false}} {
		t.Run(tc.name, func(t *testing.T) {
			a := newApp(t, func(o *signin.Options) { o.SessionKey = tc.key })
			if a.auth.Ephemeral() != (tc.key == nil) {
				t.Errorf("Ephemeral() = %v", a.auth.Ephemeral())
			}
			a.idp.SetUser("Ada", "ada@contoso.example", "Socpilot.Read")
			c := browser(t)
			a.signIn(t, c, "/")
			// The same app restarted: a new Auth with the same settings.
			restarted, err := signin.New(context.Background(), signin.Options{Issuer: a.idp.Issuer, ClientID: clientID, ClientSecret: clientSecret,
				PublicURL: a.srv.URL, SessionKey: tc.key})
			if err != nil {
				t.Fatal(err)
			}
			ok := false
			h := restarted.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { ok = true }))
			req := httptest.NewRequest(http.MethodGet, a.srv.URL+"/", nil)
			for _, ck := range c.Jar.Cookies(mustURL(t, a.srv.URL)) {
				req.AddCookie(ck)
			}
			h.ServeHTTP(httptest.NewRecorder(), req)
			if ok != tc.survive {
				t.Errorf("session accepted after restart: %v; want %v", ok, tc.survive)
			}
		})
	}
}

func TestHTTPSCookiesAreSecureAndHostOnly(t *testing.T) {
	idp := signintest.New(t, clientID, clientSecret)
	auth, err := signin.New(context.Background(), signin.Options{Issuer: idp.Issuer, ClientID: clientID, ClientSecret: clientSecret,
		PublicURL: "https://socpilot.contoso.example"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := auth.RedirectURL(), "https://socpilot.contoso.example/auth/callback"; got != want {
		t.Errorf("RedirectURL() = %q; want %q", got, want)
	}
	rec := httptest.NewRecorder()
	auth.Middleware(http.NotFoundHandler()).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "https://socpilot.contoso.example/", nil))
	cks := rec.Result().Cookies()
	if len(cks) != 1 {
		t.Fatalf("cookies %v; want the login cookie", cks)
	}
	if ck := cks[0]; !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || !strings.HasPrefix(ck.Name, "__Host-") || ck.Path != "/" || ck.Domain != "" {
		t.Errorf("cookie %+v; want __Host-, Secure, HttpOnly, Lax, Path=/", ck)
	}
}

func TestNewRefusesUnsafeOrIncompleteOptions(t *testing.T) {
	idp := signintest.New(t, clientID, clientSecret)
	good := signin.Options{Issuer: idp.Issuer, ClientID: clientID, ClientSecret: clientSecret, PublicURL: "https://socpilot.contoso.example"}
	for _, tc := range []struct {
		name string
		edit func(*signin.Options)
		code string
	}{
		{"plain http beyond loopback", func(o *signin.Options) { o.PublicURL = "http://10.0.0.5:8080" }, socpilot.EConfig},
		{"public URL with a path", func(o *signin.Options) { o.PublicURL = "https://x.example/console" }, socpilot.EConfig},
		{"no secret", func(o *signin.Options) { o.ClientSecret = "" }, socpilot.EConfig},
		{"short key", func(o *signin.Options) { o.SessionKey = []byte("short") }, socpilot.EConfig},
		{"unknown tenant", func(o *signin.Options) { o.Issuer = strings.Replace(o.Issuer, signintest.Tenant, "nobody", 1) }, socpilot.EUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := good
			tc.edit(&o)
			if tc.code == socpilot.EUnavailable {
				// The provider fails the test on requests it does not serve:
				// ask one that answers 404 instead.
				srv := httptest.NewServer(http.NotFoundHandler())
				defer srv.Close()
				o.Issuer = srv.URL + "/nobody/v2.0"
			}
			_, err := signin.New(context.Background(), o)
			if socpilot.ErrorCode(err) != tc.code {
				t.Fatalf("err %v (code %s); want code %s", err, socpilot.ErrorCode(err), tc.code)
			}
			if strings.Contains(err.Error(), clientSecret) {
				t.Error("the error shows the client secret")
			}
		})
	}
}
