package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/socpilot/socpilot"
)

const (
	tenant1 = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
	app1    = "12345678-1234-1234-1234-123456789abc"
	// 32 bytes of base64: a fixture, not a key anything uses.
	fixtureKey = "Zml4dHVyZS1zZXNzaW9uLWtleS0wMTIzNDU2Nzg5YWI="
)

func TestSignInSettings(t *testing.T) {
	tests := []struct {
		name       string
		file       string
		env        map[string]string
		want       SignIn
		wantIssuer string
		missing    []string
	}{
		{name: "none", missing: []string{"SOCPILOT_SIGNIN_CLIENT_ID", "SOCPILOT_SIGNIN_CLIENT_SECRET", "SOCPILOT_SIGNIN_TENANT_ID (or SOCPILOT_TENANT_ID)"}},
		{
			name: "environment",
			env: map[string]string{
				"SOCPILOT_SIGNIN_TENANT_ID": strings.ToUpper(tenant1), "SOCPILOT_SIGNIN_CLIENT_ID": app1,
				"SOCPILOT_SIGNIN_CLIENT_SECRET": "fixture~secret.value", "SOCPILOT_SIGNIN_PUBLIC_URL": "https://socpilot.contoso.example/",
				"SOCPILOT_SIGNIN_READ_ROLE": "Sec.Viewer", "SOCPILOT_SIGNIN_WRITE_ROLE": "Sec.Responder",
				"SOCPILOT_SIGNIN_SESSION_KEY": fixtureKey, "SOCPILOT_SIGNIN_SESSION_LIFETIME": "12h",
				"SOCPILOT_SIGNIN_API_AUDIENCE": "https://socpilot.contoso.example/mcp",
			},
			want: SignIn{TenantID: tenant1, ClientID: app1, ClientSecret: "fixture~secret.value", PublicURL: "https://socpilot.contoso.example",
				ReadRole: "Sec.Viewer", WriteRole: "Sec.Responder", SessionKey: []byte("fixture-session-key-0123456789ab"), SessionLifetime: 12 * time.Hour,
				APIAudience: "https://socpilot.contoso.example/mcp"},
			wantIssuer: "https://login.microsoftonline.com/" + tenant1 + "/v2.0",
		},
		{
			name:       "file, tenant from tenant_id, US Government",
			file:       "cloud: AzureUSGovernment\ntenant_id: " + tenant1 + "\nsignin:\n  client_id: " + app1 + "\n  public_url: https://socpilot.agency.example\n  session_lifetime: 1h\n",
			env:        map[string]string{"SOCPILOT_SIGNIN_CLIENT_SECRET": "fixture-secret"},
			want:       SignIn{ClientID: app1, ClientSecret: "fixture-secret", PublicURL: "https://socpilot.agency.example", SessionLifetime: time.Hour},
			wantIssuer: "https://login.microsoftonline.us/" + tenant1 + "/v2.0",
		},
		{
			name:       "China",
			env:        map[string]string{"SOCPILOT_CLOUD": "AzureChina", "SOCPILOT_SIGNIN_TENANT_ID": tenant1, "SOCPILOT_SIGNIN_CLIENT_ID": app1},
			want:       SignIn{TenantID: tenant1, ClientID: app1},
			wantIssuer: "https://login.chinacloudapi.cn/" + tenant1 + "/v2.0",
			missing:    []string{"SOCPILOT_SIGNIN_CLIENT_SECRET"},
		},
		{
			name:       "issuer override, hex key",
			env:        map[string]string{"SOCPILOT_SIGNIN_ISSUER": "http://127.0.0.1:9/t/v2.0/", "SOCPILOT_SIGNIN_SESSION_KEY": strings.Repeat("ab", 32)},
			want:       SignIn{Issuer: "http://127.0.0.1:9/t/v2.0", SessionKey: []byte(strings.Repeat("\xab", 32))},
			wantIssuer: "http://127.0.0.1:9/t/v2.0",
			missing:    []string{"SOCPILOT_SIGNIN_CLIENT_ID", "SOCPILOT_SIGNIN_CLIENT_SECRET"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inDir(t, tt.file)
			c, err := Load(t.Context(), Inputs{Getenv: envOf(tt.env)})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, c.SignIn); diff != "" {
				t.Errorf("SignIn (-want +got):\n%s", diff)
			}
			if got := c.SignInIssuer(); got != tt.wantIssuer {
				t.Errorf("SignInIssuer() = %q, want %q", got, tt.wantIssuer)
			}
			if diff := cmp.Diff(tt.missing, c.SignInMissing()); diff != "" {
				t.Errorf("SignInMissing (-want +got):\n%s", diff)
			}
			if c.SignInConfigured() != (tt.name != "none") {
				t.Errorf("SignInConfigured() = %v", c.SignInConfigured())
			}
			for k, v := range c.Redacted() {
				if strings.Contains(v, "fixture~secret") || strings.Contains(v, fixtureKey) {
					t.Errorf("Redacted()[%s] shows a secret: %q", k, v)
				}
			}
		})
	}
}

func TestSignInMalformed(t *testing.T) {
	tests := []struct {
		name string
		file string
		env  map[string]string
		want string
	}{
		{name: "tenant", env: map[string]string{"SOCPILOT_SIGNIN_TENANT_ID": "contoso.onmicrosoft.com"},
			want: `SOCPILOT_SIGNIN_TENANT_ID: "contoso.onmicrosoft.com" is not a tenant id; expected the Microsoft Entra tenant (directory) id, a GUID (Overview of Microsoft Entra ID in the portal)`},
		{name: "client id", env: map[string]string{"SOCPILOT_SIGNIN_CLIENT_ID": "socpilot"},
			want: `SOCPILOT_SIGNIN_CLIENT_ID: "socpilot" is not a client id; expected the app registration's Application (client) ID, a GUID`},
		{name: "public URL with a path", env: map[string]string{"SOCPILOT_SIGNIN_PUBLIC_URL": "https://x.example/auth/callback"},
			want: `SOCPILOT_SIGNIN_PUBLIC_URL: "https://x.example/auth/callback" is not a public URL; expected the scheme and host browsers open the console at, such as https://socpilot.contoso.com (the redirect URI is that + /auth/callback)`},
		{name: "role with a space", env: map[string]string{"SOCPILOT_SIGNIN_WRITE_ROLE": "Socpilot Write"},
			want: `SOCPILOT_SIGNIN_WRITE_ROLE: "Socpilot Write" is not an app role value; expected letters, digits and . _ : / - without spaces, such as Socpilot.Read`},
		{name: "short key", env: map[string]string{"SOCPILOT_SIGNIN_SESSION_KEY": "c2hvcnQ="},
			want: "SOCPILOT_SIGNIN_SESSION_KEY: the value is not a session key; expected at least 32 random bytes in base64 or hex, such as the output of `openssl rand -base64 32`"},
		{name: "lifetime", env: map[string]string{"SOCPILOT_SIGNIN_SESSION_LIFETIME": "a day"},
			want: `SOCPILOT_SIGNIN_SESSION_LIFETIME: "a day" is not a duration; expected a positive duration such as 90s or 2m, or a whole number of seconds`},
		{name: "secret in the file", file: "signin:\n  client_id: " + app1 + "\n  client_secret: fixture-in-file\n",
			want: `socpilot.yaml:3: key "signin.client_secret": a secret is not read from the file; set SOCPILOT_SIGNIN_CLIENT_SECRET or the Key Vault secret socpilot-signin-client-secret instead`},
		{name: "key in the file", file: "signin:\n  session_key: " + fixtureKey + "\n",
			want: `socpilot.yaml:2: key "signin.session_key": a secret is not read from the file; set SOCPILOT_SIGNIN_SESSION_KEY or the Key Vault secret socpilot-signin-session-key instead`},
		{name: "unknown key", file: "signin:\n  clientid: x\n",
			want: `socpilot.yaml:2: unknown key "signin.clientid" (did you mean "signin.client_id"?)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inDir(t, tt.file)
			_, err := Load(t.Context(), Inputs{Getenv: envOf(tt.env)})
			if err == nil || err.Error() != tt.want || socpilot.ErrorCode(err) != socpilot.EConfig {
				t.Errorf("error\n got: %v\nwant: %s", err, tt.want)
			}
			if err != nil && (strings.Contains(err.Error(), "fixture-in-file") || strings.Contains(err.Error(), "c2hvcnQ")) {
				t.Error("the message shows a secret")
			}
		})
	}
}

func TestSignInSecretsFromVault(t *testing.T) {
	dir := inDir(t, "")
	os.WriteFile(filepath.Join(dir, DefaultFileName), []byte("signin:\n  client_id: "+app1+"\n"), 0o600)
	srv, kv, _ := newVault(t, map[string]string{"socpilot-signin-client-secret": "fixture-vault-secret", "signin-session-key": fixtureKey})
	c, err := Load(t.Context(), Inputs{Getenv: envOf(map[string]string{"SOCPILOT_KEYVAULT_URL": srv.VaultURL()}), Secrets: kv})
	if err != nil {
		t.Fatal(err)
	}
	if c.SignIn.ClientSecret != "fixture-vault-secret" || c.Origin("signin-client-secret") != "keyvault:socpilot-signin-client-secret" ||
		string(c.SignIn.SessionKey) != "fixture-session-key-0123456789ab" || c.Origin("signin-session-key") != "keyvault:signin-session-key" {
		t.Errorf("secret from %q, key from %q", c.Origin("signin-client-secret"), c.Origin("signin-session-key"))
	}
}
