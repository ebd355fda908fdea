package analysis

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/socpilot/socpilot"
)

// RelatedSource reads other incidents and their entities.
type RelatedSource interface {
	ListIncidents(ctx context.Context, f socpilot.IncidentFilter) ([]socpilot.Incident, error)
	Entities(ctx context.Context, inc socpilot.Incident) ([]socpilot.Entity, error)
}

// relatedWindow is how far around an incident related ones are looked for.
const relatedWindow = 14 * 24 * time.Hour

// relatedParallel bounds concurrent entity reads: ARM allows bursts of 250
// reads per principal, and other tools share that budget.
const relatedParallel = 8

// uncorrelated kinds name things shared by everyone: file names such as
// cmd.exe and first-party cloud apps such as Office 365 would tie every
// incident to every other. Hashes, accounts, hosts and addresses correlate.
var uncorrelated = map[string]bool{socpilot.KindFile: true, socpilot.KindCloudApplication: true}

// ignoredValues are entity values too common to correlate on.
var ignoredValues = map[string]bool{"127.0.0.1": true, "::1": true, "0.0.0.0": true, "localhost": true}

// Related finds the entities of d that also appear in other incidents
// created within two weeks of it: one list request, then the entities of
// at most limit of those incidents, read concurrently.
func Related(ctx context.Context, src RelatedSource, d socpilot.IncidentDetails, limit int) ([]socpilot.Correlation, error) {
	if limit <= 0 {
		return nil, nil
	}
	anchor := d.Incident.CreatedTime
	if anchor.IsZero() {
		anchor = time.Now()
	}
	incs, err := src.ListIncidents(ctx, socpilot.IncidentFilter{Since: anchor.Add(-relatedWindow), Top: limit + 1})
	if err != nil {
		return nil, fmt.Errorf("list incidents related to %d: %w", d.Incident.Number, err)
	}
	mine := sightings{}
	for _, e := range d.Entities {
		if v := entityValue(e); !ignoredValues[strings.ToLower(v)] && !uncorrelated[e.Kind] {
			mine.add(e, d.Incident.Number)
		}
	}
	var (
		mu   sync.Mutex
		seen = sightings{}
		wg   sync.WaitGroup
		sem  = make(chan struct{}, relatedParallel)
		errs []error
	)
	for _, inc := range incs {
		if inc.Number == d.Incident.Number || inc.CreatedTime.After(anchor.Add(relatedWindow)) {
			continue
		}
		wg.Add(1)
		go func(inc socpilot.Incident) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			es, err := src.Entities(ctx, inc)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			for _, e := range es {
				if mine.has(e) {
					seen.add(e, inc.Number)
				}
			}
		}(inc)
	}
	wg.Wait()
	if len(errs) > 0 {
		return nil, fmt.Errorf("read entities of related incidents: %w", errs[0])
	}
	return seen.correlations(1), nil
}

// sightingKey identifies an entity across incidents: values compare
// case-insensitively within a kind.
type sightingKey struct{ kind, value string }

// sighting is where one entity value was seen.
type sighting struct {
	display   string // the value as first seen
	incidents map[int]bool
}

// sightings records which incidents each entity value appears in.
type sightings map[sightingKey]*sighting

func keyOf(e socpilot.Entity) (sightingKey, string) {
	v := entityValue(e)
	return sightingKey{e.Kind, strings.ToLower(v)}, v
}

func (s sightings) add(e socpilot.Entity, incident int) {
	k, v := keyOf(e)
	if v == "" {
		return
	}
	if s[k] == nil {
		s[k] = &sighting{display: v, incidents: map[int]bool{}}
	}
	s[k].incidents[incident] = true
}

func (s sightings) has(e socpilot.Entity) bool {
	k, _ := keyOf(e)
	return s[k] != nil
}

// correlations lists the values seen in at least min incidents, the most
// widely seen first.
func (s sightings) correlations(min int) []socpilot.Correlation {
	out := []socpilot.Correlation{}
	for k, sg := range s {
		if len(sg.incidents) < min {
			continue
		}
		c := socpilot.Correlation{Kind: k.kind, Entity: sg.display}
		for n := range sg.incidents {
			c.Incidents = append(c.Incidents, n)
		}
		sort.Ints(c.Incidents)
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		if len(out[i].Incidents) != len(out[j].Incidents) {
			return len(out[i].Incidents) > len(out[j].Incidents)
		}
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return out[i].Entity < out[j].Entity
	})
	return out
}
