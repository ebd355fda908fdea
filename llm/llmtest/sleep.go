package llmtest

import (
	"context"
	"slices"
	"time"
)

// Sleep is an llm.Config.Sleep that records the wait and returns at once
// (or with ctx's error when ctx is done), so retries cost no real time.
// Config sets it.
func (s *Server) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

// Sleeps returns the waits recorded by Sleep, in order.
func (s *Server) Sleeps() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.waits)
}
