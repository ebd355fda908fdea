package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/internal/azerr"
)

// graphError is Graph's error body (OData v4):
// {"error": {"code", "message", "innerError": {"request-id", "date", ...}}}.
// innerError may nest further codes; the innermost one is the most precise.
type graphError struct {
	Error struct {
		Code       string          `json:"code"`
		Message    string          `json:"message"`
		InnerError json.RawMessage `json:"innerError"`
	} `json:"error"`
}

// innerCode returns the deepest "code" of an innerError chain and the
// request-id Graph support asks for.
func innerCode(raw json.RawMessage) (code, requestID string) {
	for depth := 0; len(raw) > 0 && depth < 8; depth++ {
		var in struct {
			Code       string          `json:"code"`
			RequestID  string          `json:"request-id"`
			InnerError json.RawMessage `json:"innerError"`
		}
		if json.Unmarshal(raw, &in) != nil {
			break
		}
		if in.Code != "" {
			code = in.Code
		}
		if in.RequestID != "" {
			requestID = in.RequestID
		}
		raw = in.InnerError
	}
	return code, requestID
}

// responseError turns a non-2xx answer into one clear sentence with a code.
func responseError(resp *http.Response, body []byte, o op) error {
	var ge graphError
	_ = json.Unmarshal(body, &ge)
	code, msg := ge.Error.Code, strings.TrimSpace(ge.Error.Message)
	if inner, _ := innerCode(ge.Error.InnerError); inner != "" && code == "" {
		code = inner
	}
	detail := ""
	switch {
	case code != "" && msg != "":
		detail = " (" + code + ": " + msg + ")"
	case code != "":
		detail = " (" + code + ")"
	case msg != "":
		detail = " (" + msg + ")"
	}
	wait := azerr.RetryAfter(resp.Header.Get("Retry-After"), time.Now())
	switch resp.StatusCode {
	case http.StatusBadRequest:
		if o.permission == PermHunting && msg != "" {
			// The service's words are what the analyst needs to fix the query.
			return &socpilot.Error{Code: socpilot.EInvalid, Message: fmt.Sprintf("%s: Microsoft Defender rejected the query: %s", o.what, msg)}
		}
		return &socpilot.Error{Code: socpilot.EInvalid, Message: fmt.Sprintf("%s: Microsoft Graph rejected the request%s", o.what, detail)}
	case http.StatusUnauthorized:
		return &socpilot.Error{Code: socpilot.EUnauthorized, Message: fmt.Sprintf(
			"%s: Microsoft Graph rejected the credential%s; sign in again (`az login`) or renew the client secret, and check that the token is for the Graph of your cloud and carries %s", o.what, detail, o.permission)}
	case http.StatusForbidden:
		return &socpilot.Error{Code: socpilot.EForbidden, Message: fmt.Sprintf(
			"%s: access denied%s; grant the app or user the Microsoft Graph permission %s (application or delegated) and an administrator's consent", o.what, detail, o.permission)}
	case http.StatusNotFound:
		if o.incident != "" {
			return &socpilot.Error{Code: socpilot.ENotFound, Message: fmt.Sprintf("incident %s not found in Microsoft Defender%s", o.incident, detail)}
		}
		return &socpilot.Error{Code: socpilot.ENotFound, Message: fmt.Sprintf("%s: not found%s", o.what, detail)}
	case http.StatusConflict, http.StatusPreconditionFailed:
		return &socpilot.Error{Code: socpilot.EConflict, Message: fmt.Sprintf("%s: someone else changed it meanwhile%s; read it again and retry", o.what, detail)}
	case http.StatusTooManyRequests:
		return &socpilot.Error{Code: socpilot.EThrottled, RetryAfter: wait, Message: fmt.Sprintf(
			"%s: Microsoft Graph kept throttling requests, answering 429%s after every retry; %s", o.what, detail, waitHint(wait))}
	}
	if resp.StatusCode >= 500 {
		return &socpilot.Error{Code: socpilot.EUnavailable, RetryAfter: wait, Message: fmt.Sprintf(
			"%s: Microsoft Graph answered %d%s after every retry; %s", o.what, resp.StatusCode, detail, waitHint(wait))}
	}
	return &socpilot.Error{Code: socpilot.EInternal, Message: fmt.Sprintf("%s: unexpected answer %d%s", o.what, resp.StatusCode, detail)}
}

// transportError classifies an error that came before any HTTP answer:
// the credential, the deadline, the network.
func (c *Client) transportError(err error, o op) error {
	var authErr *azidentity.AuthenticationFailedError
	switch {
	case azerr.CredentialUnavailable(err):
		return &socpilot.Error{Code: socpilot.EUnauthorized, Err: err,
			Message: fmt.Sprintf("%s: no Azure credential is available (sign in with `az login`, or set AZURE_CLIENT_ID / AZURE_TENANT_ID / AZURE_CLIENT_SECRET, or use a managed identity)", o.what)}
	case errors.As(err, &authErr):
		return &socpilot.Error{Code: socpilot.EUnauthorized, Err: err,
			Message: fmt.Sprintf("%s: sign-in for %s failed; the credential may have expired (run `az login` again or renew the client secret)", o.what, c.scope)}
	case errors.Is(err, context.DeadlineExceeded):
		return &socpilot.Error{Code: socpilot.EUnavailable, Err: err, Message: o.what + ": Microsoft Graph did not answer in time"}
	case errors.Is(err, context.Canceled):
		return &socpilot.Error{Code: socpilot.EUnavailable, Err: err, Message: o.what + ": cancelled"}
	}
	return &socpilot.Error{Code: socpilot.EUnavailable, Err: err, Message: fmt.Sprintf("%s: cannot reach Microsoft Graph at %s", o.what, c.base)}
}

func waitHint(d time.Duration) string {
	switch {
	case d <= 0:
		return "wait a minute and try again"
	case d < 90*time.Second:
		return fmt.Sprintf("the service asks to wait %d seconds before trying again", int(d.Round(time.Second).Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("the service asks to wait about %d minutes before trying again", int(d.Round(time.Minute).Minutes()))
	}
	return fmt.Sprintf("the service asks to wait about %d hours before trying again", int(d.Round(time.Hour).Hours()))
}
