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
	if len(templates) == 0 {
		templates = []*Record{builtinScenario()}
	}
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

// replaceFold replaces every case-insensitive occurrence of old in s.
func replaceFold(s, old, new string) string {
	if len(s) < len(old) {
		return s
	}
	if strings.Contains(s, old) {
		s = strings.ReplaceAll(s, old, new)
	}
	lower, lold := strings.ToLower(s), strings.ToLower(old)
	if len(lower) != len(s) || !strings.Contains(lower, lold) {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(lower, lold)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString(new)
		s, lower = s[i+len(old):], lower[i+len(old):]
	}
}

// builtinScenario is the template Synthetic varies when the demo dataset is
// empty: password spray followed by a sign-in from the spraying address.
func builtinScenario() *Record {
	const ws = "/subscriptions/" + DemoSubscription + "/resourceGroups/" + DemoResourceGroup +
		"/providers/Microsoft.OperationalInsights/workspaces/" + DemoWorkspace + "/providers/Microsoft.SecurityInsights"
	const inc = "6b1f3c1e-6d0a-4a57-9a55-3f1f7a0c0001"
	const alert = "a8f2b0d4-1c3e-4f5a-8b6c-7d8e9f000001"
	src := `{
 "incident": {"id": "` + ws + `/incidents/` + inc + `", "name": "` + inc + `", "type": "Microsoft.SecurityInsights/Incidents",
  "etag": "\"00000000-0000-0000-0000-000000000001\"",
  "properties": {"incidentNumber": 1, "title": "Password spray followed by successful sign-in",
   "description": "Many failed sign-ins from one address to several accounts, then a success.",
   "severity": "Medium", "status": "New",
   "owner": {"objectId": null, "email": null, "assignedTo": null, "userPrincipalName": null, "ownerType": "Unknown"},
   "labels": [], "createdTimeUtc": "2026-01-15T10:00:00Z", "lastModifiedTimeUtc": "2026-01-15T10:00:00Z",
   "firstActivityTimeUtc": "2026-01-15T09:20:00Z", "lastActivityTimeUtc": "2026-01-15T09:50:00Z",
   "additionalData": {"alertsCount": 1, "bookmarksCount": 0, "commentsCount": 0, "alertProductNames": ["Azure Sentinel"],
    "tactics": ["CredentialAccess", "InitialAccess"], "techniques": ["T1110", "T1078"]},
   "relatedAnalyticRuleIds": ["` + ws + `/alertRules/0a6f3b2c-0000-4000-8000-000000000001"],
   "incidentUrl": "https://portal.azure.com/#asset/Microsoft_Azure_Security_Insights/Incident` + ws + `/incidents/` + inc + `",
   "providerName": "Azure Sentinel", "providerIncidentId": "1"}},
 "alerts": [{"id": "` + ws + `/Entities/` + alert + `", "name": "` + alert + `", "type": "Microsoft.SecurityInsights/Entities",
  "kind": "SecurityAlert", "properties": {"systemAlertId": "` + alert + `", "alertDisplayName": "Password spray against Entra ID",
   "friendlyName": "Password spray against Entra ID", "alertType": "PasswordSpray", "confidenceLevel": "Unknown",
   "severity": "Medium", "status": "New", "vendorName": "Microsoft", "productName": "Azure Sentinel",
   "productComponentName": "Scheduled Alerts", "tactics": ["CredentialAccess"],
   "startTimeUtc": "2026-01-15T09:20:00Z", "endTimeUtc": "2026-01-15T09:50:00Z", "timeGenerated": "2026-01-15T09:55:00Z",
   "processingEndTime": "2026-01-15T09:56:00Z",
   "description": "42 failed sign-ins from 203.0.113.77 against 12 accounts, then a success for jdoe@contoso.com.",
   "resourceIdentifiers": [{"type": "LogAnalytics", "workspaceId": "11111111-2222-3333-4444-555555555555",
    "subscriptionId": "` + DemoSubscription + `", "resourceGroup": "` + DemoResourceGroup + `"}],
   "additionalData": {"Query Period": "01:00:00", "Trigger Operator": "GreaterThan", "Trigger Threshold": "0"}}}],
 "entities": [
  {"id": "` + ws + `/Entities/c1d2e3f4-0000-4000-8000-000000000001", "name": "c1d2e3f4-0000-4000-8000-000000000001",
   "type": "Microsoft.SecurityInsights/Entities", "kind": "Account",
   "properties": {"accountName": "jdoe", "upnSuffix": "contoso.com", "friendlyName": "jdoe"}},
  {"id": "` + ws + `/Entities/c1d2e3f4-0000-4000-8000-000000000002", "name": "c1d2e3f4-0000-4000-8000-000000000002",
   "type": "Microsoft.SecurityInsights/Entities", "kind": "Ip",
   "properties": {"address": "203.0.113.77", "friendlyName": "203.0.113.77"}}],
 "bookmarks": [], "relations": [], "comments": [], "tasks": []}`
	rec, err := decodeRecord([]byte(src))
	if err != nil {
		panic("emulator: built-in scenario: " + err.Error())
	}
	return rec
}
