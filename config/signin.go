package config

import (
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// The settings of the web console's sign-in with Microsoft Entra ID (see
// the signin package). In socpilot.yaml, under signin:
//
//	signin:
//	  tenant_id: 00000000-0000-0000-0000-000000000000   # default: tenant_id
//	  client_id: 00000000-0000-0000-0000-000000000000   # the app registration
//	  public_url: https://socpilot.contoso.com          # redirect URI: + /auth/callback
//	  read_role: Socpilot.Read
//	  write_role: Socpilot.Write
//	  session_lifetime: 8h
//
// The client secret and the session key are secrets: only
// SOCPILOT_SIGNIN_CLIENT_SECRET / SOCPILOT_SIGNIN_SESSION_KEY or the Key
// Vault secrets socpilot-signin-client-secret / socpilot-signin-session-key
// carry them, never the file (which is often committed or shared).

// SignIn holds the sign-in settings.
type SignIn struct {
	// TenantID is the Entra tenant (directory) id; "" → Config.TenantID.
	TenantID string
	// ClientID is the app registration's application (client) id.
	ClientID string
	// ClientSecret is the app registration's client secret. Never shown.
	ClientSecret string
	// PublicURL is the console's address as browsers open it; "" → the
	// listen address, on loopback only.
	PublicURL string
	// ReadRole and WriteRole are the app role values; "" → the defaults
	// (Socpilot.Read, Socpilot.Write).
	ReadRole, WriteRole string
	// SessionKey authenticates and encrypts the session cookies; nil → a
	// random key per process. Never shown.
	SessionKey []byte
	// SessionLifetime is how long a session lasts; 0 → the default (8h).
	SessionLifetime time.Duration
	// Issuer overrides the issuer derived from the cloud and tenant
	// (another OpenID provider in tests).
	Issuer string
	// APIAudience is accepted as the audience of bearer tokens to /mcp
	// besides the client id and api://{client id}.
	APIAudience string
}

// signInRequired are the settings without which there is no sign-in, by
// setting key.
var signInRequired = []string{"signin-client-id", "signin-client-secret"}

// SignInConfigured reports whether any sign-in setting that only sign-in
// uses is set: serve then expects a complete sign-in configuration.
func (c *Config) SignInConfigured() bool {
	s := c.SignIn
	return s.ClientID != "" || s.ClientSecret != "" || s.PublicURL != "" || s.Issuer != "" || s.TenantID != ""
}

// SignInMissing names, as environment variables, the settings sign-in
// still needs; none when it is complete.
func (c *Config) SignInMissing() []string {
	var out []string
	for _, k := range signInRequired {
		s, _ := settingByKey(k)
		if (k == "signin-client-id" && c.SignIn.ClientID == "") || (k == "signin-client-secret" && c.SignIn.ClientSecret == "") {
			out = append(out, s.env)
		}
	}
	if c.SignIn.Issuer == "" && c.SignIn.TenantID == "" && c.TenantID == "" {
		out = append(out, "SOCPILOT_SIGNIN_TENANT_ID (or SOCPILOT_TENANT_ID)")
	}
	return out
}

// SignInIssuer is the OpenID issuer sign-in trusts: the override, else the
// tenant's v2.0 issuer in the configured cloud
// (https://login.microsoftonline.com/{tenant}/v2.0, login.microsoftonline.us
// in AzureUSGovernment, login.chinacloudapi.cn in AzureChina).
func (c *Config) SignInIssuer() string {
	if c.SignIn.Issuer != "" {
		return c.SignIn.Issuer
	}
	tenant := c.SignIn.TenantID
	if tenant == "" {
		tenant = c.TenantID
	}
	if tenant == "" {
		return ""
	}
	cc, err := CloudConfig(c.Cloud)
	if err != nil {
		return ""
	}
	return strings.TrimRight(cc.ActiveDirectoryAuthorityHost, "/") + "/" + tenant + "/v2.0"
}

// roleRE is what an app role value may be: Entra refuses spaces, and
// socpilot's roles are dotted names.
var roleRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:/-]{0,119}$`)

// normaliseSignIn checks a sign-in setting; shown is how the value may be
// quoted (never a secret).
func normaliseSignIn(k kind, raw, shown string) (string, string) {
	switch k {
	case kTenant:
		if !guidRE.MatchString(raw) {
			return "", shown + " is not a tenant id; expected the Microsoft Entra tenant (directory) id, a GUID (Overview of Microsoft Entra ID in the portal)"
		}
		return strings.ToLower(raw), ""
	case kClientID:
		if !guidRE.MatchString(raw) {
			return "", shown + " is not a client id; expected the app registration's Application (client) ID, a GUID"
		}
		return strings.ToLower(raw), ""
	case kClientSecret:
		for i := 0; i < len(raw); i++ {
			if raw[i] < ' ' || raw[i] > '~' {
				return "", shown + " is not a client secret; expected the Value of a client secret of the app registration (visible ASCII characters)"
			}
		}
	case kPublicURL:
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
			return "", shown + " is not a public URL; expected the scheme and host browsers open the console at, such as https://socpilot.contoso.com (the redirect URI is that + /auth/callback)"
		}
		return strings.TrimRight(raw, "/"), ""
	case kRole:
		if !roleRE.MatchString(raw) {
			return "", shown + " is not an app role value; expected letters, digits and . _ : / - without spaces, such as Socpilot.Read"
		}
	case kSessionKey:
		if _, ok := decodeKey(raw); !ok {
			return "", shown + " is not a session key; expected at least 32 random bytes in base64 or hex, such as the output of `openssl rand -base64 32`"
		}
	}
	return raw, ""
}

// decodeKey reads a key written in hex or base64 (standard or URL, padded
// or not); it must hold at least 32 bytes.
func decodeKey(s string) ([]byte, bool) {
	if b, err := hex.DecodeString(s); err == nil {
		return b, len(b) >= 32
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, len(b) >= 32
		}
	}
	return nil, false
}

// signInOf builds the sign-in settings from resolved values; put has
// checked them.
func signInOf(get func(key string) string) SignIn {
	s := SignIn{
		TenantID:     get("signin-tenant-id"),
		ClientID:     get("signin-client-id"),
		ClientSecret: get("signin-client-secret"),
		PublicURL:    get("signin-public-url"),
		ReadRole:     get("signin-read-role"),
		WriteRole:    get("signin-write-role"),
		Issuer:       strings.TrimRight(get("signin-issuer"), "/"),
		APIAudience:  get("signin-api-audience"),
	}
	if v := get("signin-session-key"); v != "" {
		s.SessionKey, _ = decodeKey(v)
	}
	if v := get("signin-session-lifetime"); v != "" {
		s.SessionLifetime, _ = time.ParseDuration(v)
	}
	return s
}

// redacted adds the sign-in settings to a Redacted listing, the secrets
// only as set.
func (s SignIn) redacted(out map[string]string) {
	add := func(k, v string) {
		if v != "" {
			out[k] = v
		}
	}
	add("signin-tenant-id", s.TenantID)
	add("signin-client-id", s.ClientID)
	if s.ClientSecret != "" {
		out["signin-client-secret"] = "(set, hidden)"
	}
	add("signin-public-url", s.PublicURL)
	add("signin-read-role", s.ReadRole)
	add("signin-write-role", s.WriteRole)
	if len(s.SessionKey) > 0 {
		out["signin-session-key"] = "(set, hidden)"
	}
	if s.SessionLifetime != 0 {
		out["signin-session-lifetime"] = s.SessionLifetime.String()
	}
	add("signin-issuer", s.Issuer)
	add("signin-api-audience", s.APIAudience)
}
