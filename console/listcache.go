package console

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/socpilot/socpilot"
)

// listCache keeps the incident lists the queue showed, per filter, for a
// short while. Listing a large workspace from ARM takes long (1,000
// incidents are several pages), and the queue is viewed far more often
// than incidents change: a list younger than fresh is shown as it is; an
// older one (up to stale) is shown while one refresh runs in the
// background; anything older is listed again before the page is shown.
type listCache struct {
	list         func(ctx context.Context, f socpilot.IncidentFilter) ([]socpilot.Incident, error)
	fresh, stale time.Duration
	now          func() time.Time

	mu      sync.Mutex
	entries map[string]*listEntry
}

type listEntry struct {
	incs       []socpilot.Incident
	at         time.Time
	refreshing bool
}

func newListCache(list func(context.Context, socpilot.IncidentFilter) ([]socpilot.Incident, error), fresh time.Duration, now func() time.Time) *listCache {
	return &listCache{list: list, fresh: fresh, stale: 30 * fresh, now: now, entries: map[string]*listEntry{}}
}

func filterKey(f socpilot.IncidentFilter) string {
	return strings.Join(f.Status, ",") + "|" + strings.Join(f.Severity, ",")
}

// get returns the incidents for f (the slice is shared: callers must not
// modify it) and when they were listed.
func (c *listCache) get(ctx context.Context, f socpilot.IncidentFilter) ([]socpilot.Incident, time.Time, error) {
	if c.fresh <= 0 {
		incs, err := c.list(ctx, f)
		return incs, c.now(), err
	}
	key := filterKey(f)
	now := c.now()
	c.mu.Lock()
	e := c.entries[key]
	if e != nil && now.Sub(e.at) < c.stale {
		if now.Sub(e.at) >= c.fresh && !e.refreshing {
			e.refreshing = true
			go c.refresh(key, f)
		}
		incs, at := e.incs, e.at
		c.mu.Unlock()
		return incs, at, nil
	}
	c.mu.Unlock()
	incs, err := c.list(ctx, f)
	if err != nil {
		return nil, time.Time{}, err
	}
	c.put(key, incs)
	return incs, now, nil
}

func (c *listCache) refresh(key string, f socpilot.IncidentFilter) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	incs, err := c.list(ctx, f)
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.entries[key]; e != nil {
		e.refreshing = false
	}
	if err == nil {
		c.entries[key] = &listEntry{incs: sortNewestFirst(incs), at: c.now()}
	}
}

func (c *listCache) put(key string, incs []socpilot.Incident) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[key] = &listEntry{incs: sortNewestFirst(incs), at: c.now()}
}

// titles are the titles the kept lists have of the incidents numbered.
func (c *listCache) titles(numbers []int) map[int]string {
	want := map[int]bool{}
	for _, n := range numbers {
		want[n] = true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[int]string{}
	for _, e := range c.entries {
		for _, inc := range e.incs {
			if want[inc.Number] {
				out[inc.Number] = inc.Title
			}
		}
	}
	return out
}

// forget drops every list: after the console changed an incident.
func (c *listCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries)
}

// sortNewestFirst orders incidents by creation, newest first, whatever
// order the source kept.
func sortNewestFirst(incs []socpilot.Incident) []socpilot.Incident {
	slices.SortStableFunc(incs, func(a, b socpilot.Incident) int {
		if c := b.CreatedTime.Compare(a.CreatedTime); c != 0 {
			return c
		}
		return b.Number - a.Number
	})
	return incs
}
