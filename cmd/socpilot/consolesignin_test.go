package main

import (
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/socpilot/socpilot/signin/signintest"
)

const (
	signinClientID = "99999999-8888-7777-6666-555555555555"
	signinSecret   = "serve-test-client-secret"
)

func signInEnv(t *testing.T, idp *signintest.Provider, publicURL string) map[string]string {
	env := demoEnv(t)
	env["SOCPILOT_WEBHOOK_TOKEN"] = serveToken
	env["SOCPILOT_SIGNIN_ISSUER"] = idp.Issuer
	env["SOCPILOT_SIGNIN_CLIENT_ID"] = signinClientID
	env["SOCPILOT_SIGNIN_CLIENT_SECRET"] = signinSecret
	env["SOCPILOT_SIGNIN_PUBLIC_URL"] = publicURL
	return env
}

func fetch(t *testing.T, c *http.Client, method, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// serve on an address beyond loopback with sign-in configured sends the
// browser to the provider, and lets a reader read but not write back, and
// a writer write.
func TestServeConsoleBehindSignIn(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	idp := signintest.New(t, signinClientID, signinSecret)
	addr := freeAddr(t)
	_, port, _ := net.SplitHostPort(addr)
	base := "http://" + addr
	p := startServeAt(t, addr, signInEnv(t, idp, base), "--listen", "0.0.0.0:"+port)

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	noFollow := *browser
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	resp, _ := fetch(t, &noFollow, http.MethodGet, base+"/", nil)
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc.String(), strings.TrimSuffix(idp.Issuer, "v2.0")) ||
		loc.Query().Get("code_challenge_method") != "S256" || loc.Query().Get("redirect_uri") != base+"/auth/callback" {
		t.Fatalf("GET /: status %d, Location %q; want a redirect to the provider with PKCE\n%s", resp.StatusCode, loc, p.logs)
	}

	idp.SetUser("Rita Reader", "rita@contoso.example", "Socpilot.Read")
	resp, body := fetch(t, browser, http.MethodGet, base+"/incidents/103", nil)
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/incidents/103" || !strings.Contains(body, "Rita Reader (read only)") {
		t.Fatalf("after sign-in: status %d at %s; want incident 103 for Rita, read only", resp.StatusCode, resp.Request.URL)
	}
	if strings.Contains(body, `id="writeback"`) || strings.Contains(body, `id="reanalyze"`) {
		t.Error("a reader is offered write-back or re-analysis")
	}
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(body)
	if csrf == nil {
		t.Fatal("no CSRF field on the page")
	}
	resp, _ = fetch(t, browser, http.MethodPost, base+"/incidents/103/write", url.Values{"csrf": {csrf[1]}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a reader's write-back: status %d; want 403", resp.StatusCode)
	}

	resp, body = fetch(t, browser, http.MethodPost, base+"/auth/signout", url.Values{"csrf": {csrf[1]}})
	if resp.StatusCode != 200 || !strings.Contains(body, "signed out") {
		t.Fatalf("sign-out: status %d", resp.StatusCode)
	}
	idp.SetUser("Wendy Writer", "wendy@contoso.example", "Socpilot.Write")
	resp, body = fetch(t, browser, http.MethodGet, base+"/incidents/103", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "Wendy Writer") || !strings.Contains(body, `id="writeback"`) {
		t.Fatalf("writer: status %d, write-back offered %v", resp.StatusCode, strings.Contains(body, `id="writeback"`))
	}
	csrf = regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(body)
	resp, body = fetch(t, browser, http.MethodPost, base+"/incidents/103/write", url.Values{"csrf": {csrf[1]}})
	if resp.StatusCode != 200 || !strings.Contains(body, `id="write-result"`) {
		t.Errorf("a writer's write-back: status %d; want the result", resp.StatusCode)
	}
	if strings.Contains(p.logs.String(), signinSecret) {
		t.Error("serve logged the client secret")
	}
	p.stop(t)
}

// Without sign-in configured, serve beyond loopback answers / with 403
// naming the settings to give.
func TestServeConsoleRefusedWithoutSignIn(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	env := demoEnv(t)
	env["SOCPILOT_WEBHOOK_TOKEN"] = serveToken
	addr := freeAddr(t)
	_, port, _ := net.SplitHostPort(addr)
	p := startServeAt(t, addr, env, "--listen", "0.0.0.0:"+port)
	resp, body := fetch(t, http.DefaultClient, http.MethodGet, "http://"+addr+"/", nil)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "SOCPILOT_SIGNIN_CLIENT_ID") || !strings.Contains(body, "SOCPILOT_SIGNIN_PUBLIC_URL") {
		t.Errorf("GET /: status %d, body %q; want 403 naming the sign-in settings", resp.StatusCode, body)
	}
	p.stop(t)
}

func TestServeRefusesPartialOrMalformedSignIn(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"no secret", map[string]string{"SOCPILOT_SIGNIN_CLIENT_ID": signinClientID, "SOCPILOT_SIGNIN_TENANT_ID": "11111111-2222-3333-4444-555555555555"},
			"console sign-in is configured in part: set SOCPILOT_SIGNIN_CLIENT_SECRET too"},
		{"no public URL beyond loopback", map[string]string{"SOCPILOT_SIGNIN_CLIENT_ID": signinClientID, "SOCPILOT_SIGNIN_CLIENT_SECRET": signinSecret,
			"SOCPILOT_SIGNIN_TENANT_ID": "11111111-2222-3333-4444-555555555555"}, "needs the address browsers open: set SOCPILOT_SIGNIN_PUBLIC_URL"},
		{"malformed client id", map[string]string{"SOCPILOT_SIGNIN_CLIENT_ID": "socpilot"},
			`SOCPILOT_SIGNIN_CLIENT_ID: "socpilot" is not a client id`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := demoEnv(t)
			env["SOCPILOT_WEBHOOK_TOKEN"] = serveToken
			for k, v := range tc.env {
				env[k] = v
			}
			code, _, stderr := runCLI(t, env, "", "serve", "--listen", "0.0.0.0:0")
			if code != exitUsage || !strings.Contains(stderr, tc.want) || strings.Contains(stderr, signinSecret) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, tc.want)
			}
		})
	}
}

func TestDoctorReportsSignIn(t *testing.T) {
	idp := signintest.New(t, signinClientID, signinSecret)
	for _, tc := range []struct {
		name string
		env  map[string]string
		code int
		want string
	}{
		{"not configured", demoEnv(t), 0, `(?m)^ok +console sign-in +not configured`},
		{"configured", signInEnv(t, idp, "https://socpilot.contoso.example"), 0,
			`(?m)^ok +console sign-in +issuer ` + regexp.QuoteMeta(idp.Issuer) + `, app ` + signinClientID + `, redirect URI https://socpilot.contoso.example/auth/callback, roles Socpilot.Read \(read\) and Socpilot.Write \(write\); no session key`},
		{"in part", map[string]string{"SOCPILOT_STATE_DIR": t.TempDir(), "SOCPILOT_SIGNIN_CLIENT_ID": signinClientID}, 1,
			`(?m)^FAILED +console sign-in +configured in part\n +fix: set SOCPILOT_SIGNIN_CLIENT_SECRET, SOCPILOT_SIGNIN_TENANT_ID`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tc.env, "", "doctor")
			if code != tc.code || !regexp.MustCompile(tc.want).MatchString(stdout) {
				t.Errorf("exit %d, stdout:\n%s\nstderr %s\nwant exit %d and %s", code, stdout, stderr, tc.code, tc.want)
			}
			if strings.Contains(stdout, signinSecret) {
				t.Error("doctor shows the client secret")
			}
		})
	}
}
