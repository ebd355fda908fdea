package main

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/socpilot/socpilot/config"
	"github.com/socpilot/socpilot/console"
	"github.com/socpilot/socpilot/internal/loopback"
	"github.com/socpilot/socpilot/signin"
)

// consoleGate is how serve exposes the web console: open (the demo
// workspace on loopback, no sign-in configured), behind sign-in, or
// refused with the reason.
type consoleGate struct {
	auth    *signin.Auth // nil: no sign-in
	refused error        // non-nil: / answers 403 with it
}

// newConsoleGate decides it. Sign-in, once configured, guards the console
// everywhere; without it the console opens only for the demo workspace on
// loopback. A sign-in configuration that is incomplete or cannot reach its
// provider stops serve: an operator who set it up expects it.
func newConsoleGate(ctx context.Context, cfg *config.Config, listen string, addr net.Addr, demo bool, stderr func(string), log *slog.Logger) (consoleGate, error) {
	host, _, _ := net.SplitHostPort(listen)
	if !cfg.SignInConfigured() {
		if err := console.CheckExposure(listen, demo); err != nil {
			missing := append(cfg.SignInMissing(), "SOCPILOT_SIGNIN_PUBLIC_URL")
			if loopback.Host(host) {
				missing = missing[:len(missing)-1]
			}
			return consoleGate{refused: &console.SignInRequired{Listen: listen, Demo: demo, Missing: missing}}, nil
		}
		return consoleGate{}, nil
	}
	if missing := cfg.SignInMissing(); len(missing) > 0 {
		return consoleGate{}, usagef("console sign-in is configured in part: set %s too (see README, Sign-in with Microsoft Entra ID)", strings.Join(missing, ", "))
	}
	public := cfg.SignIn.PublicURL
	if public == "" {
		if !loopback.Host(host) {
			return consoleGate{}, usagef("console sign-in on %s needs the address browsers open: set SOCPILOT_SIGNIN_PUBLIC_URL (such as https://socpilot.contoso.com; the redirect URI to register is that + %s)", listen, signin.CallbackPath)
		}
		// On loopback the browser opens the address as given (localhost or
		// 127.0.0.1: cookies tell them apart), on the port bound.
		_, port, _ := net.SplitHostPort(addr.String())
		public = "http://" + net.JoinHostPort(strings.Trim(host, "[]"), port)
	}
	var audiences []string
	if cfg.SignIn.APIAudience != "" {
		audiences = []string{cfg.SignIn.APIAudience}
	}
	auth, err := signin.New(ctx, signin.Options{
		Issuer: cfg.SignInIssuer(), ClientID: cfg.SignIn.ClientID, ClientSecret: cfg.SignIn.ClientSecret, PublicURL: public,
		APIAudiences: audiences, ReadRole: cfg.SignIn.ReadRole, WriteRole: cfg.SignIn.WriteRole,
		SessionKey: cfg.SignIn.SessionKey, SessionLifetime: cfg.SignIn.SessionLifetime, Log: log,
	})
	if err != nil {
		return consoleGate{}, fmt.Errorf("console sign-in: %w", err)
	}
	if auth.Ephemeral() {
		stderr("socpilot: console sign-in has no session key (SOCPILOT_SIGNIN_SESSION_KEY): sessions end when serve restarts and are not shared between replicas")
	}
	return consoleGate{auth: auth}, nil
}

// user names the signed-in user in the audit trail (their user principal
// name, else their name); nil without sign-in.
func (g consoleGate) user() func(*http.Request) string {
	if g.auth == nil {
		return nil
	}
	return func(r *http.Request) string {
		u, _ := signin.UserFrom(r.Context())
		return cmp.Or(u.Email, u.Name)
	}
}

// wrap puts h behind sign-in when there is one.
func (g consoleGate) wrap(h http.Handler) http.Handler {
	if g.auth == nil {
		return h
	}
	return g.auth.Middleware(h)
}

// access is the console's Access: nil without sign-in (everyone on the
// loopback demo may write), else the signed-in user's roles.
func (g consoleGate) access() func(*http.Request) console.Access {
	if g.auth == nil {
		return nil
	}
	return func(r *http.Request) console.Access {
		u, _ := signin.UserFrom(r.Context())
		return console.Access{User: u.Name, CanWrite: u.CanWrite, SignOut: signin.SignOutPath}
	}
}

// signInCheck is doctor's line on the console's sign-in: whether it is
// configured, and whether the tenant's OpenID configuration can be read.
// The client secret is first used at a sign-in.
func signInCheck(ctx context.Context, cfg *config.Config) check {
	c := check{name: "console sign-in"}
	if !cfg.SignInConfigured() {
		c.ok, c.detail = true, "not configured: serve opens the console only for the demo workspace on 127.0.0.1 (set SOCPILOT_SIGNIN_* to serve it behind Microsoft Entra ID sign-in)"
		return c
	}
	if missing := cfg.SignInMissing(); len(missing) > 0 {
		c.detail, c.fix = "configured in part", "set "+strings.Join(missing, ", ")
		return c
	}
	public := cfg.SignIn.PublicURL
	if public == "" {
		public = "http://127.0.0.1:8080"
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	auth, err := signin.New(ctx, signin.Options{Issuer: cfg.SignInIssuer(), ClientID: cfg.SignIn.ClientID, ClientSecret: cfg.SignIn.ClientSecret,
		PublicURL: public, ReadRole: cfg.SignIn.ReadRole, WriteRole: cfg.SignIn.WriteRole, SessionKey: cfg.SignIn.SessionKey})
	if err != nil {
		c.detail, c.fix = oneLine(err), "check SOCPILOT_SIGNIN_TENANT_ID (or SOCPILOT_TENANT_ID), SOCPILOT_CLOUD and SOCPILOT_SIGNIN_PUBLIC_URL, and that this host reaches the sign-in service"
		return c
	}
	read, write := cmp.Or(cfg.SignIn.ReadRole, signin.DefaultReadRole), cmp.Or(cfg.SignIn.WriteRole, signin.DefaultWriteRole)
	c.ok, c.detail = true, fmt.Sprintf("issuer %s, app %s, redirect URI %s, roles %s (read) and %s (write)",
		cfg.SignInIssuer(), cfg.SignIn.ClientID, auth.RedirectURL(), read, write)
	if auth.Ephemeral() {
		c.detail += "; no session key: sessions end when serve restarts"
	}
	return c
}
