package signin

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/socpilot/socpilot"
)

// Bearer validates the Entra access token in r's Authorization header: an
// RS256 JWT signed by one of the tenant's keys, issued by the tenant (v1.0
// or v2.0 token), for this API (the client id, api://{client id} or one of
// Options.APIAudiences), and unexpired. It returns the token's user (or
// application) with the permissions of its roles.
//
// The error is a *socpilot.Error: EUnauthorized when there is no valid
// token, EForbidden (with the User) when the token has neither role, so a
// caller that only checks the error lets nobody without a role through.
func (a *Auth) Bearer(r *http.Request) (User, error) {
	scheme, raw, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	raw = strings.TrimSpace(raw)
	if !ok || !strings.EqualFold(scheme, "Bearer") || raw == "" {
		return User{}, socpilot.Errorf(socpilot.EUnauthorized, "no bearer token: send an Entra ID access token for this API in the Authorization header")
	}
	t, err := a.apiVerifier.Verify(r.Context(), raw)
	if err != nil {
		var exp *oidc.TokenExpiredError
		if errors.As(err, &exp) {
			return User{}, &socpilot.Error{Code: socpilot.EUnauthorized, Err: err, Message: "the bearer token has expired: get a new one"}
		}
		return User{}, &socpilot.Error{Code: socpilot.EUnauthorized, Err: err, Message: "the bearer token is not a valid token of this tenant"}
	}
	if !slices.Contains(a.issuers, t.Issuer) {
		return User{}, socpilot.Errorf(socpilot.EUnauthorized, "the bearer token was issued by %q, not by this tenant", t.Issuer)
	}
	if !slices.ContainsFunc(t.Audience, func(aud string) bool { return slices.Contains(a.audiences, aud) }) {
		return User{}, socpilot.Errorf(socpilot.EUnauthorized, "the bearer token is for another audience (%s), not for this API (%s)",
			strings.Join(t.Audience, ", "), a.o.ClientID)
	}
	var c claims
	if err := t.Claims(&c); err != nil {
		return User{}, &socpilot.Error{Code: socpilot.EUnauthorized, Err: err, Message: "the bearer token's claims could not be read"}
	}
	u := a.userOf(c)
	if !u.CanRead {
		return u, socpilot.Errorf(socpilot.EForbidden, "%s has neither the %s nor the %s app role of this API", u.Name, a.o.ReadRole, a.o.WriteRole)
	}
	return u, nil
}

// RequireBearer lets requests with a valid bearer token of a user or
// application with a role through to next, with the User in the request's
// context; it answers 401 (with WWW-Authenticate, RFC 6750) or 403.
func (a *Auth) RequireBearer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := a.Bearer(r)
		if err != nil {
			status := http.StatusUnauthorized
			challenge := `Bearer realm="socpilot"`
			if socpilot.ErrorCode(err) == socpilot.EForbidden {
				status = http.StatusForbidden
				challenge += `, error="insufficient_scope"`
			} else if r.Header.Get("Authorization") != "" {
				challenge += `, error="invalid_token"`
			}
			w.Header().Set("WWW-Authenticate", challenge)
			var se *socpilot.Error
			msg := err.Error()
			if errors.As(err, &se) && se.Message != "" {
				msg = se.Message // without the verifier's detail
			}
			a.o.Log.Warn("signin: bearer refused", "err", err)
			http.Error(w, fmt.Sprintf("%s.", msg), status)
			return
		}
		next.ServeHTTP(w, r.WithContext(WithUser(r.Context(), u)))
	})
}
