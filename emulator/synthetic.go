package emulator

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Synthetic returns n incidents for load tests and benchmarks, the same for
// the same seed: the demo scenarios varied with fresh ids, incident numbers
// from 1001, different entity values, severities and statuses, and creation
// times spread over the 30 days before DatasetAnchor.
func Synthetic(n int, seed int64) *Dataset {
	templates := Demo().Incidents
	rng := rand.New(rand.NewPCG(uint64(seed), 0x50c9110f))
	ds := &Dataset{Incidents: make([]*Record, 0, n)}
	for i := range n {
		ds.Incidents = append(ds.Incidents, varyRecord(templates[rng.IntN(len(templates))], 1001+i, rng))
	}
	return ds
}

func randomUUID(rng *rand.Rand) string {
	var b [16]byte
	for i := range b {
		b[i] = byte(rng.UintN(256))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// entityValueKeys are entity properties whose values identify the entity;
// varying them makes each synthetic incident about different things.
var entityValueKeys = map[string]string{
	"address": "ip", "hostName": "name", "netBiosName": "name", "accountName": "name",
	"userPrincipalName": "name", "fileName": "name", "domainName": "name", "url": "name",
	"processId": "", "commandLine": "", "mailboxPrimaryAddress": "name", "recipient": "name",
}

func varyRecord(tmpl *Record, number int, rng *rand.Rand) *Record {
	rec := cloneRecord(tmpl)
	var pairs [][2]string // old → new, applied to every string of the record
	add := func(old, new string) {
		if len(old) >= 4 && old != new {
			pairs = append(pairs, [2]string{old, new})
		}
	}
	add(rec.Incident.Name, randomUUID(rng))
	for _, list := range [][]*Resource{rec.Alerts, rec.Entities, rec.Bookmarks, rec.Relations, rec.Comments, rec.Tasks} {
		for _, r := range list {
			add(r.Name, randomUUID(rng))
		}
	}
	for _, e := range rec.Entities {
		for key, how := range entityValueKeys {
			v, ok := e.Properties[key].(string)
			if !ok || how == "" {
				continue
			}
			switch how {
			case "ip":
				add(v, fmt.Sprintf("%d.%d.%d.%d", 11+rng.IntN(180), rng.IntN(256), rng.IntN(256), 1+rng.IntN(254)))
			case "name":
				if at := strings.IndexByte(v, '@'); at > 0 {
					add(v, v[:at]+strconv.Itoa(number)+v[at:])
				} else if dot := strings.IndexByte(v, '.'); dot > 0 && key != "url" && key != "domainName" {
					add(v, v[:dot]+"-"+strconv.Itoa(number)+v[dot:])
				} else {
					add(v, v+"-"+strconv.Itoa(number))
				}
			}
		}
	}
	// Longest first, so a value that contains another is replaced whole.
	slices.SortStableFunc(pairs, func(a, b [2]string) int {
		if c := len(b[0]) - len(a[0]); c != 0 {
			return c
		}
		return strings.Compare(a[0], b[0])
	})
	var shift time.Duration
	if created, ok := timeProp(tmpl.Incident.Properties, "createdTimeUtc"); ok {
		target := DatasetAnchor.Add(-time.Duration(rng.Int64N(int64(30 * 24 * time.Hour)))).Truncate(time.Second)
		shift = target.Sub(created)
	}
	rec.walk(func(v any) any {
		s, ok := v.(string)
		if !ok {
			return v
		}
		if t, ok := shiftTimestamp(s, shift); ok {
			return t
		}
		for _, p := range pairs {
			s = replaceFold(s, p[0], p[1])
		}
		return s
	}, nil)
	props := rec.Incident.Properties
	props["incidentNumber"] = json.Number(strconv.Itoa(number))
	props["providerIncidentId"] = strconv.Itoa(number)
	if rng.IntN(4) == 0 {
		props["severity"] = severities[rng.IntN(len(severities))]
	}
	if props["status"] != "Closed" {
		props["status"] = []string{"New", "Active"}[rng.IntN(2)]
	}
	rec.Incident.Etag = `"` + randomUUID(rng) + `"`
	return rec
}
