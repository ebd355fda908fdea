package signin_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/signin"
	"github.com/socpilot/socpilot/signin/signintest"
)

func TestBearer(t *testing.T) {
	idp := signintest.New(t, clientID, clientSecret)
	auth, err := signin.New(context.Background(), signin.Options{Issuer: idp.Issuer, ClientID: clientID, ClientSecret: clientSecret,
		PublicURL: "https://socpilot.contoso.example", APIAudiences: []string{"https://socpilot.contoso.example/mcp"}})
	if err != nil {
		t.Fatal(err)
	}
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	idp.SetUser("Ada Analyst", "ada@contoso.example")
	with := func(c map[string]any, k string, v any) map[string]any { c[k] = v; return c }
	for _, tc := range []struct {
		name     string
		header   string
		code     string // "" accepted
		canWrite bool
	}{
		{name: "reader", header: "Bearer " + idp.AccessToken(clientID, time.Hour, "Socpilot.Read")},
		{name: "writer", header: "Bearer " + idp.AccessToken(clientID, time.Hour, "Socpilot.Write"), canWrite: true},
		{name: "App ID URI audience", header: "bearer " + idp.AccessToken("api://"+clientID, time.Hour, "Socpilot.Read")},
		{name: "configured audience", header: "Bearer " + idp.AccessToken("https://socpilot.contoso.example/mcp", time.Hour, "Socpilot.Read")},
		{name: "no role", header: "Bearer " + idp.AccessToken(clientID, time.Hour), code: socpilot.EForbidden},
		{name: "expired", header: "Bearer " + idp.AccessToken(clientID, -time.Minute, "Socpilot.Write"), code: socpilot.EUnauthorized},
		{name: "wrong audience", header: "Bearer " + idp.AccessToken("00000003-0000-0000-c000-000000000000", time.Hour, "Socpilot.Write"), code: socpilot.EUnauthorized},
		{name: "wrong issuer", header: "Bearer " + idp.Sign(with(idp.AccessClaims(clientID, time.Hour, "Socpilot.Write"), "iss",
			"https://login.microsoftonline.com/00000000-0000-0000-0000-000000000002/v2.0")), code: socpilot.EUnauthorized},
		{name: "alg none", header: "Bearer " + signintest.Unsigned(idp.AccessClaims(clientID, time.Hour, "Socpilot.Write")), code: socpilot.EUnauthorized},
		{name: "wrong key", header: "Bearer " + signintest.SignRS256(t, otherKey, "test-key-1", idp.AccessClaims(clientID, time.Hour, "Socpilot.Write")), code: socpilot.EUnauthorized},
		{name: "not a JWT", header: "Bearer abc.def", code: socpilot.EUnauthorized},
		{name: "basic", header: "Basic YTpi", code: socpilot.EUnauthorized},
		{name: "none", header: "", code: socpilot.EUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/mcp", nil)
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			u, err := auth.Bearer(req)
			if tc.code == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if !u.CanRead || u.CanWrite != tc.canWrite || u.Name != "Ada Analyst" || u.Email != "ada@contoso.example" {
					t.Errorf("user %+v; want Ada, read, write %v", u, tc.canWrite)
				}
				return
			}
			if got := socpilot.ErrorCode(err); got != tc.code {
				t.Fatalf("err %v (code %s); want %s", err, got, tc.code)
			}
			if tok := strings.TrimPrefix(tc.header, "Bearer "); len(tok) > 20 && strings.Contains(err.Error(), tok) {
				t.Error("the error shows the token")
			}
		})
	}
}

func TestRequireBearerAnswers401And403(t *testing.T) {
	idp := signintest.New(t, clientID, clientSecret)
	auth, err := signin.New(context.Background(), signin.Options{Issuer: idp.Issuer, ClientID: clientID, ClientSecret: clientSecret,
		PublicURL: "https://socpilot.contoso.example"})
	if err != nil {
		t.Fatal(err)
	}
	h := auth.RequireBearer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := signin.UserFrom(r.Context())
		w.Write([]byte(u.Name))
	}))
	for _, tc := range []struct {
		token  string
		status int
		www    string
	}{
		{idp.AccessToken(clientID, time.Hour, "Socpilot.Read"), 200, ""},
		{"", 401, `Bearer realm="socpilot"`},
		{idp.AccessToken(clientID, -time.Hour, "Socpilot.Read"), 401, `Bearer realm="socpilot", error="invalid_token"`},
		{idp.AccessToken(clientID, time.Hour), 403, `Bearer realm="socpilot", error="insufficient_scope"`},
	} {
		req := httptest.NewRequest(http.MethodPost, "/mcp", nil)
		if tc.token != "" {
			req.Header.Set("Authorization", "Bearer "+tc.token)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.status || rec.Header().Get("WWW-Authenticate") != tc.www {
			t.Errorf("status %d, WWW-Authenticate %q; want %d, %q", rec.Code, rec.Header().Get("WWW-Authenticate"), tc.status, tc.www)
		}
		if tc.status == 200 && rec.Body.String() != "Ada Analyst" {
			t.Errorf("handler saw user %q", rec.Body.String())
		}
	}
}

// Tokens signed by unknown keys do not make socpilot read the tenant's
// keys once per request: anyone can send them to /mcp.
func TestUnknownKeysDoNotFloodTheProvider(t *testing.T) {
	idp := signintest.New(t, clientID, clientSecret)
	auth, err := signin.New(context.Background(), signin.Options{Issuer: idp.Issuer, ClientID: clientID, ClientSecret: clientSecret,
		PublicURL: "https://socpilot.contoso.example"})
	if err != nil {
		t.Fatal(err)
	}
	bearer := func(tok string) error {
		req := httptest.NewRequest(http.MethodPost, "/mcp", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		_, err := auth.Bearer(req)
		return err
	}
	if err := bearer(idp.AccessToken(clientID, time.Hour, "Socpilot.Read")); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		k, err := rsa.GenerateKey(rand.Reader, 1024)
		if err != nil {
			t.Fatal(err)
		}
		tok := signintest.SignRS256(t, k, fmt.Sprintf("attacker-%d", i), idp.AccessClaims(clientID, time.Hour, "Socpilot.Write"))
		if bearer(tok) == nil {
			t.Fatal("a token of an unknown key was accepted")
		}
	}
	if err := bearer(idp.AccessToken(clientID, time.Hour, "Socpilot.Read")); err != nil {
		t.Fatal(err)
	}
	if n := idp.KeyReads(); n != 1 {
		t.Errorf("the keys were read %d times; want once", n)
	}
}

func TestARotatedKeyIsReadAfterTheRefreshInterval(t *testing.T) {
	idp := signintest.New(t, clientID, clientSecret)
	clk := &clock{t: time.Now()}
	auth, err := signin.New(context.Background(), signin.Options{Issuer: idp.Issuer, ClientID: clientID, ClientSecret: clientSecret,
		PublicURL: "https://socpilot.contoso.example", Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	bearer := func() error {
		req := httptest.NewRequest(http.MethodPost, "/mcp", nil)
		req.Header.Set("Authorization", "Bearer "+idp.AccessToken(clientID, 24*time.Hour, "Socpilot.Read"))
		_, err := auth.Bearer(req)
		return err
	}
	if err := bearer(); err != nil {
		t.Fatal(err)
	}
	idp.RotateKey()
	if bearer() == nil {
		t.Fatal("a token of a key unknown at the last read was accepted without reading the keys")
	}
	clk.add(5 * time.Minute)
	if err := bearer(); err != nil {
		t.Errorf("after the refresh interval the new key is still refused: %v", err)
	}
}
