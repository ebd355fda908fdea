package llm

import (
	"errors"
	"time"

	"github.com/socpilot/socpilot"
)

// Kind says what went wrong with a model call, so callers can decide
// between retrying later, falling back to the offline analyst, or telling
// the user to fix a setting.
type Kind int

// Kinds of model call failure.
const (
	KindUnknown Kind = iota
	// RateLimited: the service answered 429 and retries ran out, or it asked
	// to wait longer than the call's deadline allows.
	RateLimited
	// Timeout: the call's deadline passed before the model answered.
	Timeout
	// ContentFilter: the provider's content filter rejected the prompt
	// (400 content_filter) or cut the completion (finish_reason
	// content_filter), or the model refused to answer.
	ContentFilter
	// Unauthorized: the key or token was rejected (401) or lacks a role (403).
	Unauthorized
	// NotFound: the model or Azure deployment does not exist (404).
	NotFound
	// BadRequest: the service rejected the request as malformed (400).
	BadRequest
	// Garbage: the answer was unusable: not JSON where a schema was asked
	// for, empty, or cut short.
	Garbage
	// Unavailable: the service could not be reached or failed (5xx,
	// connection reset) and retries ran out.
	Unavailable
	// Canceled: the caller canceled the call.
	Canceled
)

var kindNames = [...]string{
	KindUnknown:   "unknown",
	RateLimited:   "rate_limited",
	Timeout:       "timeout",
	ContentFilter: "content_filter",
	Unauthorized:  "unauthorized",
	NotFound:      "not_found",
	BadRequest:    "bad_request",
	Garbage:       "garbage",
	Unavailable:   "unavailable",
	Canceled:      "canceled",
}

// String is the kind's stable snake_case name, usable as an audit outcome.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Error is the one error type of this package: a Kind for programs and a
// one-sentence Message for people. It never holds the API key.
//
// Its Unwrap exposes both the cause and a *socpilot.Error carrying the
// matching code, so socpilot.ErrorCode and errors.Is(err, socpilot.ErrNotFound)
// work on it without callers knowing this package.
type Error struct {
	Kind    Kind
	Message string
	// Status is the HTTP status the service answered, 0 when there was none.
	Status int
	// Code is the service's error code (e.g. "content_filter",
	// "DeploymentNotFound"), when it sent one.
	Code string
	// Attempts is how many requests were made, retries included.
	Attempts int
	// RetryAfter is the wait the service asked for on its last answer, 0
	// when it named none: a caller that retries later honours it.
	RetryAfter time.Duration
	Err        error
}

func (e *Error) Error() string { return e.Message }

// Unwrap returns the socpilot error with this error's code, and the cause.
func (e *Error) Unwrap() []error {
	errs := []error{&socpilot.Error{Code: e.code(), Message: e.Message, RetryAfter: e.RetryAfter}}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// code maps the kind to a socpilot error code, which the CLI turns into an
// exit code.
func (e *Error) code() string {
	switch e.Kind {
	case RateLimited:
		return socpilot.EThrottled
	case Timeout, Unavailable:
		return socpilot.EUnavailable
	case Unauthorized:
		if e.Status == 403 {
			return socpilot.EForbidden
		}
		return socpilot.EUnauthorized
	case NotFound:
		return socpilot.ENotFound
	}
	return socpilot.EInternal
}

// KindOf returns the Kind of the first *Error in err's chain, KindUnknown
// when there is none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindUnknown
}
