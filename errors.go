package socpilot

import (
	"errors"
	"fmt"
	"time"
)

// Error codes: what kind of failure an Error is. The CLI maps them to exit codes.
const (
	ENotFound     = "not_found"
	EInvalid      = "invalid"      // bad input from the user: exit 2
	EConfig       = "config"       // malformed configuration: exit 2
	EUnauthorized = "unauthorized" // credential missing or expired
	EForbidden    = "forbidden"    // credential lacks a role
	EThrottled    = "throttled"
	EConflict     = "conflict"
	EUnavailable  = "unavailable"
	EInternal     = "internal"
)

// ErrNotFound is matched by errors.Is for every not-found Error.
var ErrNotFound = &Error{Code: ENotFound}

// Error is socpilot's one error type: a code for programs and a message for people.
type Error struct {
	Code    string
	Message string // one sentence a person understands, with what to do next
	Err     error  // the cause, if any
	// RetryAfter is how long the failed service asked to wait before the
	// next try (Retry-After), 0 when it said nothing.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	switch {
	case e.Message != "" && e.Err != nil:
		return e.Message + ": " + e.Err.Error()
	case e.Message != "":
		return e.Message
	case e.Err != nil:
		return e.Err.Error()
	}
	return e.Code
}

func (e *Error) Unwrap() error { return e.Err }

// Is matches another *Error with the same code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.Message == "" && t.Err == nil
}

// Errorf returns an *Error with code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, or EInternal.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// RetryAfterOf is the longest wait any *Error in err's chain asks for.
func RetryAfterOf(err error) time.Duration {
	var d time.Duration
	var walk func(error)
	walk = func(err error) {
		for err != nil {
			if e, ok := err.(*Error); ok && e.RetryAfter > d {
				d = e.RetryAfter
			}
			if m, ok := err.(interface{ Unwrap() []error }); ok {
				for _, e := range m.Unwrap() {
					walk(e)
				}
				return
			}
			err = errors.Unwrap(err)
		}
	}
	walk(err)
	return d
}
