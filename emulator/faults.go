package emulator

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault makes matching requests fail or slow down, for tests of retries,
// backoff and error handling.
type Fault struct {
	// Match is a substring of the request path, compared case-insensitively;
	// "" matches every path.
	Match string
	// Method is the HTTP method to match; "" matches every method.
	Method string
	// Status is the HTTP status to answer; 0 answers normally (Latency only).
	Status int
	// Code and Message override the ARM error; by default 429 is
	// SubscriptionRequestsThrottled, 503 ServiceUnavailable, other statuses
	// InternalServerError.
	Code, Message string
	// RetryAfter sets the Retry-After header (whole seconds, rounded up).
	RetryAfter time.Duration
	// Times is how many matching requests the fault applies to; 0 means
	// every one until ClearFaults.
	Times int
	// Latency delays the answer; the delay ends early when the request's
	// context is done.
	Latency time.Duration
}

// InjectFault adds f; faults are tried in the order they were added and the
// first that matches applies.
func (s *Server) InjectFault(f Fault) {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	s.faults = append(s.faults, &f)
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	s.faults = nil
}

// takeFault returns the fault that applies to r, counting it down.
func (s *Server) takeFault(r *http.Request) *Fault {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	path := strings.ToLower(r.URL.Path)
	for i, f := range s.faults {
		if f.Method != "" && !strings.EqualFold(f.Method, r.Method) {
			continue
		}
		if f.Match != "" && !strings.Contains(path, strings.ToLower(f.Match)) {
			continue
		}
		applied := *f
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		return &applied
	}
	return nil
}

func (f *Fault) write(w http.ResponseWriter) {
	code, msg := f.Code, f.Message
	if code == "" {
		switch f.Status {
		case http.StatusTooManyRequests:
			code = "SubscriptionRequestsThrottled"
		case http.StatusServiceUnavailable:
			code = "ServiceUnavailable"
		default:
			code = "InternalServerError"
		}
	}
	if msg == "" {
		switch f.Status {
		case http.StatusTooManyRequests:
			msg = fmt.Sprintf("Number of requests exceeded the limit. Please try again after '%d' seconds.", retrySeconds(f.RetryAfter))
		case http.StatusServiceUnavailable:
			msg = "The service is temporarily unavailable. Please try again later."
		default:
			msg = "An internal server error occurred (injected by the socpilot emulator)."
		}
	}
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(retrySeconds(f.RetryAfter)))
	}
	writeError(w, f.Status, code, msg)
}

func retrySeconds(d time.Duration) int {
	return int(math.Ceil(d.Seconds()))
}

// Request is one request the Server answered.
type Request struct {
	Method string
	Path   string
	Query  string // raw query string
	Status int
	// Unimplemented is set when the emulator does not implement the route
	// or method: a test seeing it exercised something the emulator cannot
	// vouch for.
	Unimplemented bool
}

// Requests returns the requests answered since New or ResetRequests, oldest first.
func (s *Server) Requests() []Request {
	s.lmu.Lock()
	defer s.lmu.Unlock()
	return append([]Request(nil), s.requests...)
}

// ResetRequests forgets the logged requests.
func (s *Server) ResetRequests() {
	s.lmu.Lock()
	defer s.lmu.Unlock()
	s.requests = nil
}

func (s *Server) logRequest(r *http.Request, w *statusWriter) {
	s.lmu.Lock()
	defer s.lmu.Unlock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
		Status: w.status, Unimplemented: w.unimplemented})
}

// statusWriter remembers the status written through it.
type statusWriter struct {
	http.ResponseWriter
	status        int
	unimplemented bool
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// ARM's throttling model: a token bucket per subscription and principal,
// one for reads (GET, HEAD) and one for writes (PUT, POST, PATCH, DELETE).
const (
	readCapacity  = 250
	readRefill    = 25 // tokens per second
	writeCapacity = 200
	writeRefill   = 10
)

type bucket struct {
	reads, writes float64
	last          time.Time
}

// throttle takes a token for r from principal's bucket. It reports the
// tokens left and, when none was available, how long until one is.
func (s *Server) throttle(principal string, write bool) (remaining int, wait time.Duration) {
	now := s.now()
	s.fmu.Lock()
	defer s.fmu.Unlock()
	b := s.buckets[principal]
	if b == nil {
		b = &bucket{reads: readCapacity, writes: writeCapacity, last: now}
		s.buckets[principal] = b
	}
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.reads = math.Min(readCapacity, b.reads+el*readRefill)
		b.writes = math.Min(writeCapacity, b.writes+el*writeRefill)
		b.last = now
	}
	tokens, rate := &b.reads, float64(readRefill)
	if write {
		tokens, rate = &b.writes, writeRefill
	}
	if *tokens < 1 {
		return 0, time.Duration((1 - *tokens) / rate * float64(time.Second))
	}
	*tokens--
	return int(*tokens), 0
}
