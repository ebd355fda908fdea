package sentinel

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/internal/azerr"
)

// Roles a principal needs: reads need Reader, comments and tasks need Responder.
const (
	ReaderRole    = "Microsoft Sentinel Reader"
	ResponderRole = "Microsoft Sentinel Responder"
)

// wrap turns an SDK or transport error into one clear sentence with a code.
func (c *Client) wrap(err error, op string, write bool) error {
	if err == nil {
		return nil
	}
	var re *azcore.ResponseError
	var authErr *azidentity.AuthenticationFailedError
	switch {
	case azerr.CredentialUnavailable(err):
		return &socpilot.Error{Code: socpilot.EUnauthorized, Err: err,
			Message: fmt.Sprintf("%s: no Azure credential is available (sign in with `az login`, or set AZURE_CLIENT_ID / AZURE_TENANT_ID / AZURE_CLIENT_SECRET, or use a managed identity)", op)}
	case errors.As(err, &authErr):
		return &socpilot.Error{Code: socpilot.EUnauthorized, Err: err,
			Message: fmt.Sprintf("%s: Azure sign-in failed; the credential may have expired (run `az login` again or renew the client secret)", op)}
	case errors.As(err, &re):
		return c.responseError(re, op, write)
	case errors.Is(err, context.DeadlineExceeded):
		return &socpilot.Error{Code: socpilot.EUnavailable, Err: err, Message: fmt.Sprintf("%s: Sentinel did not answer in time", op)}
	case errors.Is(err, context.Canceled):
		return &socpilot.Error{Code: socpilot.EUnavailable, Err: err, Message: op + ": cancelled"}
	}
	return &socpilot.Error{Code: socpilot.EUnavailable, Err: err,
		Message: fmt.Sprintf("%s: cannot reach the Sentinel API of workspace %s", op, c.ws.Name)}
}

func (c *Client) responseError(re *azcore.ResponseError, op string, write bool) error {
	msg := serviceMessage(re)
	switch re.StatusCode {
	case http.StatusUnauthorized:
		return &socpilot.Error{Code: socpilot.EUnauthorized, Message: fmt.Sprintf(
			"%s: the Azure credential was rejected (%s%s); sign in again (`az login`) or renew the service principal's secret", op, re.ErrorCode, msg)}
	case http.StatusForbidden:
		role := ReaderRole
		if write {
			role = ResponderRole
		}
		return &socpilot.Error{Code: socpilot.EForbidden, Message: fmt.Sprintf(
			"%s: access denied on workspace %s; grant the signed-in principal the %q role on the workspace or its resource group", op, c.ws.Name, role)}
	case http.StatusNotFound:
		return &socpilot.Error{Code: socpilot.ENotFound, Message: fmt.Sprintf(
			"%s: not found (%s%s); check the subscription, resource group and workspace name %q", op, re.ErrorCode, msg, c.ws.Name)}
	case http.StatusConflict, http.StatusPreconditionFailed:
		return &socpilot.Error{Code: socpilot.EConflict, Message: fmt.Sprintf(
			"%s: someone else changed it meanwhile (%s); read it again and retry", op, re.ErrorCode)}
	case http.StatusTooManyRequests:
		return &socpilot.Error{Code: socpilot.EThrottled, RetryAfter: retryAfterOf(re), Message: fmt.Sprintf(
			"%s: Azure Resource Manager kept throttling requests (429 %s) after every retry; %s", op, re.ErrorCode, waitHint(re))}
	case http.StatusBadRequest:
		return &socpilot.Error{Code: socpilot.EInvalid, Message: fmt.Sprintf("%s: the service rejected the request (%s%s)", op, re.ErrorCode, msg)}
	}
	if re.StatusCode >= 500 {
		return &socpilot.Error{Code: socpilot.EUnavailable, RetryAfter: retryAfterOf(re), Message: fmt.Sprintf(
			"%s: Sentinel answered %d %s after every retry; try again later", op, re.StatusCode, re.ErrorCode)}
	}
	return &socpilot.Error{Code: socpilot.EInternal, Message: fmt.Sprintf("%s: unexpected answer %d %s%s", op, re.StatusCode, re.ErrorCode, msg)}
}

// serviceMessage extracts error.message from an ARM error body, prefixed for display.
func serviceMessage(re *azcore.ResponseError) string {
	if re.RawResponse == nil || re.RawResponse.Body == nil {
		return ""
	}
	var body struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := decodeJSON(readAll(re), &body); err != nil || body.Error.Message == "" {
		return ""
	}
	return ": " + body.Error.Message
}

// waitHint says how long to wait before trying again, from the last
// answer's Retry-After (seconds or an HTTP date) when it gave one.
func waitHint(re *azcore.ResponseError) string {
	if re.RawResponse != nil {
		if d := azerr.RetryAfter(re.RawResponse.Header.Get("Retry-After"), time.Now()); d > 0 {
			return "the service asks to wait " + humanDuration(d) + " before trying again"
		}
	}
	return "wait a minute and try again"
}

// retryAfterOf is the wait the last answer asked for, 0 when none: a job
// retried later honours it.
func retryAfterOf(re *azcore.ResponseError) time.Duration {
	if re.RawResponse == nil {
		return 0
	}
	if d := azerr.RetryAfter(re.RawResponse.Header.Get("Retry-After"), time.Now()); d > 0 {
		return d
	}
	return 0
}

// humanDuration: "45 seconds", "about 10 minutes", "about 1 hour".
func humanDuration(d time.Duration) string {
	switch {
	case d < 90*time.Second:
		return fmt.Sprintf("%d seconds", int(d.Round(time.Second).Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("about %d minutes", int(d.Round(time.Minute).Minutes()))
	default:
		h := int(d.Round(time.Hour).Hours())
		if h == 1 {
			return "about 1 hour"
		}
		return fmt.Sprintf("about %d hours", h)
	}
}
