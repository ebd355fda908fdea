package llm

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"testing/synctest"
	"time"
)

func TestRetryHint(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		header map[string]string
		want   time.Duration
	}{
		{"none", nil, 0},
		{"retry-after-ms wins", map[string]string{"retry-after-ms": "1500.5", "retry-after": "9"}, 1500*time.Millisecond + 500*time.Microsecond},
		{"retry-after seconds", map[string]string{"retry-after": "7"}, 7 * time.Second},
		{"retry-after http date", map[string]string{"retry-after": now.Add(90 * time.Second).Format(http.TimeFormat)}, 90 * time.Second},
		{"retry-after date in the past", map[string]string{"retry-after": now.Add(-time.Minute).Format(http.TimeFormat)}, 0},
		{"retry-after garbage ignored", map[string]string{"retry-after": "soon"}, 0},
		{"reset of the exhausted budget", map[string]string{
			"x-ratelimit-reset-requests": "20ms", "x-ratelimit-remaining-requests": "0",
			"x-ratelimit-reset-tokens": "6m0s", "x-ratelimit-remaining-tokens": "1200",
		}, 20 * time.Millisecond},
		{"reset of both when neither is exhausted", map[string]string{
			"x-ratelimit-reset-requests": "1s", "x-ratelimit-reset-tokens": "2.5s",
		}, 2500 * time.Millisecond},
		{"reset in plain seconds", map[string]string{"x-ratelimit-reset-tokens": "3"}, 3 * time.Second},
	}
	for _, tt := range tests {
		h := http.Header{}
		for k, v := range tt.header {
			h.Set(k, v)
		}
		if got := retryHint(h, now); got != tt.want {
			t.Errorf("%s: retryHint = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestBackoff(t *testing.T) {
	for attempt := range 8 {
		want := min(backoffBase<<attempt, backoffMax)
		for range 50 {
			if got := backoff(attempt); got < want/2 || got > want {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", attempt, got, want/2, want)
			}
		}
	}
}

// TestSleepHonoursDeadline: the real sleep returns when the context ends,
// not when the wait would.
func TestSleepHonoursDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		start := time.Now()
		err := sleep(ctx, time.Hour)
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != time.Second {
			t.Errorf("sleep = %v after %v, want DeadlineExceeded after 1s", err, time.Since(start))
		}
		if err := sleep(context.Background(), 3*time.Second); err != nil || time.Since(start) != 4*time.Second {
			t.Errorf("sleep = %v at %v, want nil at 4s", err, time.Since(start))
		}
	})
}
