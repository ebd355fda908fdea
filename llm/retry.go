package llm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/openai/openai-go/v3"
)

// Backoff bounds for retries without a server hint.
const (
	backoffBase = 500 * time.Millisecond
	backoffMax  = 8 * time.Second
)

// attemptErr is the outcome of one failed request: the error to report and
// the retry decision, made where the failure is understood.
type attemptErr struct {
	err   *Error
	retry bool
	// wait is the server's retry hint (retry-after-ms, retry-after,
	// x-ratelimit-reset-*); 0 means use exponential backoff.
	wait time.Duration
}

// retryLoop runs do until it succeeds, fails for good, runs out of retries or
// of time. It is the only backoff loop: openai-go's is off.
func (c *Client) retryLoop(ctx context.Context, budget time.Duration, do func(ctx context.Context) *attemptErr) error {
	for attempt := 0; ; attempt++ {
		ae := do(ctx)
		if ae == nil {
			return nil
		}
		ae.err.Attempts = attempt + 1
		ae.err.RetryAfter = ae.wait
		if !ae.retry || attempt >= c.cfg.MaxRetries {
			if ae.retry && attempt > 0 {
				ae.err.Message = fmt.Sprintf("%s (gave up after %d attempts)", ae.err.Message, attempt+1)
			}
			return ae.err
		}
		wait := ae.wait
		if wait <= 0 {
			wait = backoff(attempt)
		}
		if deadline, ok := ctx.Deadline(); ok {
			left := time.Until(deadline)
			if wait > left {
				// Waiting past the deadline only to fail is worse than
				// failing now with the reason.
				e := ae.err
				if ae.wait > 0 {
					e.Message = fmt.Sprintf("%s, and it asked to wait %s, longer than the %s left before the call's deadline",
						strings.TrimSuffix(e.Message, "."), roundDuration(ae.wait), roundDuration(left))
				}
				return e
			}
		}
		if err := c.cfg.Sleep(ctx, wait); err != nil {
			return ctxError(ctx, err, budget)
		}
	}
}

// backoff is exponential with jitter: attempt 0 waits 250–500ms, then
// doubling up to backoffMax, so concurrent callers spread out.
func backoff(attempt int) time.Duration {
	d := backoffBase << min(attempt, 10)
	if d > backoffMax || d <= 0 {
		d = backoffMax
	}
	return d/2 + rand.N(d/2+1)
}

// retryHint reads how long the service asks to wait, in the order Azure
// OpenAI and OpenAI document them: retry-after-ms, retry-after (seconds or an
// HTTP date), then x-ratelimit-reset-requests / -tokens (Go-like durations
// such as "1s" or "6m0s"). It returns 0 when there is no usable hint.
func retryHint(h http.Header, now time.Time) time.Duration {
	if v := strings.TrimSpace(h.Get("retry-after-ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	if v := strings.TrimSpace(h.Get("retry-after")); v != "" {
		if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
			return time.Duration(s * float64(time.Second))
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(now), 0)
		}
	}
	// Of the two budgets, the one that ran out decides; if neither says so,
	// wait for both.
	var wait time.Duration
	for _, kind := range []string{"requests", "tokens"} {
		d, ok := parseReset(h.Get("x-ratelimit-reset-" + kind))
		if !ok {
			continue
		}
		if strings.TrimSpace(h.Get("x-ratelimit-remaining-"+kind)) == "0" {
			return d
		}
		wait = max(wait, d)
	}
	return wait
}

func parseReset(v string) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return d, true
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
		return time.Duration(s * float64(time.Second)), true
	}
	return 0, false
}

// classify turns one request's failure into an Error and a retry decision.
func (c *Client) classify(ctx context.Context, budget time.Duration, err error) *attemptErr {
	var own *Error
	if errors.As(err, &own) {
		return &attemptErr{err: own}
	}
	if ctx.Err() != nil {
		return &attemptErr{err: ctxError(ctx, err, budget)}
	}
	var apiErr *openai.Error
	if errors.As(err, &apiErr) {
		return c.classifyStatus(apiErr)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &attemptErr{err: ctxError(ctx, err, budget)}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		// The server answered, then the connection closed mid-reply.
		return &attemptErr{
			err:   &Error{Kind: Unavailable, Message: fmt.Sprintf("the LLM at %s cut its reply short (the connection closed mid-response)", c.endpointForHumans()), Err: err},
			retry: true,
		}
	}
	if isTransient(err) {
		return &attemptErr{
			err:   &Error{Kind: Unavailable, Message: fmt.Sprintf("could not reach the LLM at %s%s", c.endpointForHumans(), netCause(err)), Err: err},
			retry: true,
		}
	}
	return &attemptErr{err: &Error{Kind: Unavailable, Message: fmt.Sprintf("the call to the LLM at %s failed", c.endpointForHumans()), Err: err}}
}

// isTransient says whether a transport error is worth retrying: resets,
// refused or dropped connections, truncated responses.
func isTransient(err error) bool {
	if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return true
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return true
	}
	var opErr *net.OpError
	return errors.As(err, &opErr)
}

// netCause is the low-level reason of a transport error, e.g.
// " (connection refused)", without the URL that the message already names.
func netCause(err error) string {
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Err != nil {
		msg := opErr.Err.Error()
		if i := strings.LastIndex(msg, ": "); i >= 0 {
			msg = msg[i+2:]
		}
		return " (" + msg + ")"
	}
	return ""
}

func (c *Client) classifyStatus(apiErr *openai.Error) *attemptErr {
	status := apiErr.StatusCode
	e := &Error{Status: status, Code: apiErr.Code, Err: apiErr}
	detail := c.serviceMessage(apiErr)
	switch {
	case status == http.StatusTooManyRequests:
		e.Kind = RateLimited
		e.Message = "the LLM service is rate limiting requests (429)"
		var hint time.Duration
		if apiErr.Response != nil {
			hint = retryHint(apiErr.Response.Header, time.Now())
		}
		// OpenAI answers 429 insufficient_quota when the account has no
		// credit: waiting does not help.
		if apiErr.Code == "insufficient_quota" {
			e.Message = "the LLM account has no quota left (429 insufficient_quota): check its billing"
			return &attemptErr{err: e}
		}
		return &attemptErr{err: e, retry: true, wait: hint}
	case status == http.StatusBadRequest && apiErr.Code == "content_filter":
		e.Kind = ContentFilter
		e.Message = "the provider's content filter rejected the prompt (400 content_filter)"
	case status == http.StatusUnauthorized:
		e.Kind = Unauthorized
		if c.cfg.APIKey == "" && c.cfg.Provider == ProviderAzure {
			e.Message = "the Entra ID token was rejected by Azure OpenAI (401): check the signed-in identity and the tenant"
		} else {
			e.Message = "the LLM API key was rejected: check SOCPILOT_LLM_API_KEY"
		}
	case status == http.StatusForbidden:
		e.Kind = Unauthorized
		e.Message = "the LLM service refused access (403)"
		if c.cfg.Provider == ProviderAzure && c.cfg.APIKey == "" {
			e.Message += ": grant the identity the Cognitive Services OpenAI User role on the resource"
		}
	case status == http.StatusNotFound:
		e.Kind = NotFound
		if c.cfg.Provider == ProviderAzure {
			e.Message = fmt.Sprintf("the Azure OpenAI deployment %q was not found at %s: check SOCPILOT_LLM_MODEL and SOCPILOT_LLM_ENDPOINT", c.cfg.Model, c.endpointForHumans())
		} else {
			e.Message = fmt.Sprintf("the model %q was not found at %s: check SOCPILOT_LLM_MODEL and SOCPILOT_LLM_ENDPOINT", c.cfg.Model, c.endpointForHumans())
		}
	case status == http.StatusRequestTimeout:
		e.Kind = Unavailable
		e.Message = "the LLM service timed out the request (408)"
		return &attemptErr{err: e, retry: true}
	case status >= 500:
		e.Kind = Unavailable
		e.Message = fmt.Sprintf("the LLM service failed (%d %s)", status, http.StatusText(status))
		var hint time.Duration
		if apiErr.Response != nil {
			hint = retryHint(apiErr.Response.Header, time.Now())
		}
		return &attemptErr{err: e, retry: true, wait: hint}
	default:
		e.Kind = BadRequest
		e.Message = fmt.Sprintf("the LLM service rejected the request (%d %s)", status, http.StatusText(status))
	}
	if detail != "" && e.Kind != Unauthorized {
		e.Message += ": " + detail
	}
	return &attemptErr{err: e}
}

// serviceMessage is the service's own explanation, shortened, with anything
// that looks like our key removed (some proxies echo it back).
func (c *Client) serviceMessage(apiErr *openai.Error) string {
	msg := apiErr.Message
	if c.cfg.APIKey != "" {
		msg = strings.ReplaceAll(msg, c.cfg.APIKey, "***")
	}
	return oneLine(msg, 300)
}

// ctxError reports a done context: Timeout when a deadline passed, Canceled
// when the caller gave up.
func ctxError(ctx context.Context, err error, timeout time.Duration) *Error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return &Error{Kind: Canceled, Message: "the LLM call was canceled", Err: ctx.Err()}
	}
	cause := err
	if cause == nil || (ctx.Err() != nil && !errors.Is(cause, ctx.Err())) {
		cause = errors.Join(ctx.Err(), err)
	}
	return &Error{Kind: Timeout, Message: fmt.Sprintf("the LLM did not answer within %s", roundDuration(timeout)), Err: cause}
}

func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(100 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(time.Millisecond)
	}
	return d
}

func (c *Client) endpointForHumans() string {
	switch {
	case c.cfg.Endpoint != "":
		return strings.TrimSuffix(c.cfg.Endpoint, "/")
	case c.cfg.Provider == ProviderOpenAI:
		return strings.TrimSuffix(defaultOpenAIURL, "/")
	}
	return c.cfg.Provider
}
