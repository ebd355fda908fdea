package console

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/socpilot/socpilot/internal/loopback"
)

// SignInRequired is the refusal when the console would be exposed without
// sign-in: only the demo workspace on a loopback address opens without it.
type SignInRequired struct {
	Listen string // the address serve listens on
	Demo   bool   // whether the only workspace served is the demo one
	// Missing names the settings sign-in still needs (set by the caller,
	// which knows their names); nil: the message names none.
	Missing []string
}

func (e *SignInRequired) Error() string {
	where := "on " + e.Listen
	if loopback.HostPort(e.Listen) {
		where = "for a workspace other than the demo"
	}
	need := "which is not configured"
	if len(e.Missing) > 0 {
		need = "which is not configured: set " + strings.Join(e.Missing, ", ")
	}
	return fmt.Sprintf("the web console is not served %s: it needs sign-in (Microsoft Entra ID, OpenID Connect), %s; "+
		"it opens without sign-in only for the demo workspace on 127.0.0.1 (serve --listen 127.0.0.1:8080 with no workspace configured)", where, need)
}

// CheckExposure says whether the console may be served without sign-in on
// listen (host:port) when demo is whether the demo workspace is the only
// one served: nil on loopback with the demo workspace, a *SignInRequired
// anywhere else, where it is served only behind sign-in (Options.Access
// then says who may write). A real workspace's incidents, and write-back
// into it, are never open to whoever reaches the port.
func CheckExposure(listen string, demo bool) error {
	if demo && loopback.HostPort(listen) {
		return nil
	}
	return &SignInRequired{Listen: listen, Demo: demo}
}

// Refused answers every console request with 403 and the reason the
// console is not served, with the same security headers as the console.
func Refused(reason error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		http.Error(w, reason.Error(), http.StatusForbidden)
	})
}
