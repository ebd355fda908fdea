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
	type key struct{ kind, value string }
	mine := map[key]string{}
	for _, e := range d.Entities {
		v := entityValue(e)
		if v != "" && !ignoredValues[strings.ToLower(v)] && !uncorrelated[e.Kind] {
			mine[key{e.Kind, strings.ToLower(v)}] = v
		}
	}
	var (
		mu   sync.Mutex
		seen = map[key]map[int]bool{}
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
				k := key{e.Kind, strings.ToLower(entityValue(e))}
				if _, ok := mine[k]; ok {
					if seen[k] == nil {
						seen[k] = map[int]bool{}
					}
					seen[k][inc.Number] = true
				}
			}
		}(inc)
	}
	wg.Wait()
	if len(errs) > 0 {
		return nil, fmt.Errorf("read entities of related incidents: %w", errs[0])
	}
	var out []socpilot.Correlation
	for k, nums := range seen {
		c := socpilot.Correlation{Kind: k.kind, Entity: mine[k]}
		for n := range nums {
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
	return out, nil
}
