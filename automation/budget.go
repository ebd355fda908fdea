package automation

import (
	"context"
	"sync"
	"time"
)

// Budget bounds the model tokens spent per minute by this process. A job
// that would overspend waits for the window to free up rather than fail:
// the incident is still analysed, later.
type Budget struct {
	PerMinute int // 0: unlimited
	Now       func() time.Time

	mu    sync.Mutex
	spent []spend // within the last minute, oldest first
	avg   float64 // running mean of tokens per analysis, the next estimate
	n     int
}

type spend struct {
	at     time.Time
	tokens int
}

// defaultEstimate is the first analysis's guess before any was measured:
// a digest, the facts, and a structured answer.
const defaultEstimate = 8000

func (b *Budget) now() time.Time {
	if b.Now != nil {
		return b.Now()
	}
	return time.Now()
}

// Estimate is the expected token count of one analysis.
func (b *Budget) Estimate() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.n == 0 {
		return defaultEstimate
	}
	return int(b.avg + 0.5)
}

// Reserve takes n tokens from the window, or says how long to wait until
// they fit. A request larger than the whole budget fits into an empty window.
func (b *Budget) Reserve(n int) (wait time.Duration) {
	if b == nil || b.PerMinute <= 0 {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	b.expire(now)
	used := 0
	for _, s := range b.spent {
		used += s.tokens
	}
	if used+n <= b.PerMinute || len(b.spent) == 0 {
		b.spent = append(b.spent, spend{now, n})
		return 0
	}
	// Wait until enough of the oldest spends leave the window.
	free := b.PerMinute - used
	for _, s := range b.spent {
		free += s.tokens
		if free >= n {
			return s.at.Add(time.Minute).Sub(now)
		}
	}
	return b.spent[len(b.spent)-1].at.Add(time.Minute).Sub(now)
}

// Wait reserves n tokens, waiting as long as it takes or until ctx ends.
func (b *Budget) Wait(ctx context.Context, n int) error {
	for {
		d := b.Reserve(n)
		if d <= 0 {
			return nil
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Settle replaces a reservation of reserved tokens by what was used, and
// learns the estimate for the next analysis.
func (b *Budget) Settle(reserved, used int) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if used > 0 {
		b.n++
		b.avg += (float64(used) - b.avg) / float64(min(b.n, 20))
	}
	if b.PerMinute <= 0 {
		return
	}
	for i := len(b.spent) - 1; i >= 0; i-- {
		if b.spent[i].tokens == reserved {
			b.spent[i].tokens = used
			return
		}
	}
}

func (b *Budget) expire(now time.Time) {
	i := 0
	for i < len(b.spent) && now.Sub(b.spent[i].at) >= time.Minute {
		i++
	}
	b.spent = b.spent[i:]
}
