// Package azerr reads what Azure SDK errors and answers say, the same way
// for every client socpilot builds on azcore (Sentinel, Graph).
package azerr

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// CredentialUnavailable reports whether err says no source of Azure
// credentials could sign in (as opposed to a sign-in that was refused).
// azidentity's credentialUnavailableError is unexported, so after the
// exported types it is recognised by its NonRetriable marker and its text.
func CredentialUnavailable(err error) bool {
	var required *azidentity.AuthenticationRequiredError
	if errors.As(err, &required) {
		return true
	}
	var failed *azidentity.AuthenticationFailedError
	var re *azcore.ResponseError
	var nr interface{ NonRetriable() }
	if errors.As(err, &failed) || errors.As(err, &re) || !errors.As(err, &nr) {
		return false
	}
	return strings.Contains(err.Error(), "Credential")
}

// RetryAfter parses a Retry-After header (whole seconds or an HTTP date)
// into a positive wait; 0 when it is absent, malformed or already past.
func RetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
