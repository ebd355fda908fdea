package emulator_test

// These tests check the embedded demo dataset (demodata/*.json) on its own
// terms, reading the files directly: every resource must look like what the
// Sentinel REST API returns (2025-09-01 shapes), the derived incident fields
// must agree with the alerts, and the dataset must keep the properties later
// features rely on (shared entities, the untrusted-input and XSS cases, a
// closed false positive, a benign scanner, a clear escalation).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/socpilot/socpilot/emulator"
)

const (
	demoWorkspace = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/socpilot-demo/providers/Microsoft.OperationalInsights/workspaces/demo-workspace"
	demoSI        = demoWorkspace + "/providers/Microsoft.SecurityInsights"
)

// demoAnchor is the instant dataset times are written around.
var demoAnchor = emulator.DatasetAnchor

var (
	guidRE      = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	fileRE      = regexp.MustCompile(`^(\d{3})-[a-z0-9]+(-[a-z0-9]+)*\.json$`)
	techniqueRE = regexp.MustCompile(`^T\d{4}$`)
)

// Enum values from the 2025-09-01 spec (AlertTypes.json, IncidentTypes.json, EntityTypes.json).
var (
	attackTactics = []string{"Reconnaissance", "ResourceDevelopment", "InitialAccess", "Execution", "Persistence",
		"PrivilegeEscalation", "DefenseEvasion", "CredentialAccess", "Discovery", "LateralMovement", "Collection",
		"Exfiltration", "CommandAndControl", "Impact", "PreAttack", "ImpairProcessControl", "InhibitResponseFunction"}
	severities      = []string{"High", "Medium", "Low", "Informational"}
	incidentStatus  = []string{"New", "Active", "Closed"}
	alertStatus     = []string{"Unknown", "New", "Resolved", "Dismissed", "InProgress"}
	classifications = []string{"Undetermined", "TruePositive", "BenignPositive", "FalsePositive"}
	classReasons    = []string{"SuspiciousActivity", "SuspiciousButExpected", "IncorrectAlertLogic", "InaccurateData"}
	taskStatus      = []string{"New", "Completed"}
	// requiredKinds must all appear somewhere in the dataset.
	requiredKinds = []string{"Account", "Host", "Ip", "Url", "FileHash", "File", "Process", "MailMessage", "Mailbox",
		"CloudApplication", "AzureResource", "DnsResolution", "RegistryKey", "RegistryValue", "Malware",
		"SecurityGroup", "MailCluster"}
	entityKinds = append(slices.Clone(requiredKinds), "IoTDevice", "SubmissionMail")
)

type demoFile struct {
	path string
	num  int
	rec  emulator.Record
	raw  []byte
}

func loadDemo(t *testing.T) []demoFile {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("demodata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 14 {
		t.Fatalf("demodata has %d incident files, want at least 14", len(paths))
	}
	var out []demoFile
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		base := filepath.Base(p)
		m := fileRE.FindStringSubmatch(base)
		if m == nil {
			t.Errorf("%s: file name is not NNN-slug.json", base)
			continue
		}
		n, _ := strconv.Atoi(m[1])
		// The file is a Record plus its expert labels ("expected", read by
		// socpilot eval); any other top-level key is a mistake.
		var labelled struct {
			emulator.Record
			Expected json.RawMessage `json:"expected"`
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&labelled); err != nil {
			t.Errorf("%s: %v", base, err)
			continue
		}
		rec := labelled.Record
		if len(labelled.Expected) == 0 {
			t.Errorf("%s: no expected labels", base)
		}
		if rec.Incident == nil || rec.Incident.Properties == nil {
			t.Errorf("%s: no incident", base)
			continue
		}
		out = append(out, demoFile{path: base, num: n, rec: rec, raw: b})
	}
	return out
}

func str(m map[string]any, k string) string { s, _ := m[k].(string); return s }

func strs(t *testing.T, where string, m map[string]any, k string) []string {
	t.Helper()
	v, ok := m[k]
	if !ok {
		return nil
	}
	arr, ok := v.([]any)
	if !ok {
		t.Errorf("%s: %s is %T, want an array", where, k, v)
		return nil
	}
	out := make([]string, 0, len(arr))
	for _, x := range arr {
		s, ok := x.(string)
		if !ok {
			t.Errorf("%s: %s has a %T element, want strings", where, k, x)
			continue
		}
		out = append(out, s)
	}
	return out
}

func num(m map[string]any, k string) (int, bool) {
	f, ok := m[k].(float64)
	if !ok || f != float64(int(f)) {
		return 0, false
	}
	return int(f), true
}

func parseTime(t *testing.T, where, key, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Errorf("%s: %s %q is not RFC 3339: %v", where, key, s, err)
		return time.Time{}
	}
	if !strings.HasSuffix(s, "Z") && !strings.HasSuffix(s, "+00:00") {
		t.Errorf("%s: %s %q is not UTC", where, key, s)
	}
	return tm
}

func TestDemoFilesAndIDs(t *testing.T) {
	files := loadDemo(t)
	numbers := map[int]string{}
	names := map[string]string{}
	for _, f := range files {
		inc := f.rec.Incident
		p := inc.Properties
		n, ok := num(p, "incidentNumber")
		if !ok || n != f.num {
			t.Errorf("%s: incidentNumber %v does not match the file name", f.path, p["incidentNumber"])
		}
		if other, dup := numbers[n]; dup {
			t.Errorf("%s: incident number %d already used by %s", f.path, n, other)
		}
		numbers[n] = f.path
		if other, dup := names[inc.Name]; dup {
			t.Errorf("%s: incident name %s already used by %s", f.path, inc.Name, other)
		}
		names[inc.Name] = f.path
		if !guidRE.MatchString(inc.Name) {
			t.Errorf("%s: incident name %q is not a lower-case GUID", f.path, inc.Name)
		}
		if inc.ID != demoSI+"/incidents/"+inc.Name {
			t.Errorf("%s: incident id %s is not <workspace>/providers/Microsoft.SecurityInsights/incidents/<name>", f.path, inc.ID)
		}
		if !strings.EqualFold(inc.Type, "Microsoft.SecurityInsights/incidents") {
			t.Errorf("%s: incident type %q", f.path, inc.Type)
		}
		if !isQuotedGUID(inc.Etag) {
			t.Errorf("%s: incident etag %q is not a quoted GUID", f.path, inc.Etag)
		}
		if p["incidentUrl"] != "https://portal.azure.com/#asset/Microsoft_Azure_Security_Insights/Incident"+inc.ID {
			t.Errorf("%s: incidentUrl %v does not point at the incident", f.path, p["incidentUrl"])
		}
		if p["providerIncidentId"] == "" {
			t.Errorf("%s: no providerIncidentId", f.path)
		}
		for _, r := range p["relatedAnalyticRuleIds"].([]any) {
			if !strings.HasPrefix(r.(string), demoSI+"/alertRules/") {
				t.Errorf("%s: related rule %v outside the demo workspace", f.path, r)
			}
		}
		// Every id the dataset holds lives in the demo workspace (the emulator
		// rewrites that prefix when it serves another workspace).
		check := func(what string, list []*emulator.Resource, prefix, typ string, etag func(string) bool) {
			for _, r := range list {
				if !guidRE.MatchString(r.Name) {
					t.Errorf("%s: %s name %q is not a GUID", f.path, what, r.Name)
				}
				if !strings.EqualFold(r.ID, prefix+r.Name) {
					t.Errorf("%s: %s id %s, want %s%s", f.path, what, r.ID, prefix, r.Name)
				}
				if r.Type != typ {
					t.Errorf("%s: %s %s has type %q, want %q", f.path, what, r.Name, r.Type, typ)
				}
				if etag != nil && !etag(r.Etag) {
					t.Errorf("%s: %s %s has etag %q", f.path, what, r.Name, r.Etag)
				}
				if r.Properties == nil {
					t.Errorf("%s: %s %s has no properties", f.path, what, r.Name)
				}
			}
		}
		check("alert", f.rec.Alerts, demoSI+"/Entities/", "Microsoft.SecurityInsights/Entities", nil)
		check("entity", f.rec.Entities, demoSI+"/Entities/", "Microsoft.SecurityInsights/Entities", nil)
		check("bookmark", f.rec.Bookmarks, demoSI+"/bookmarks/", "Microsoft.SecurityInsights/Entities", nil)
		check("relation", f.rec.Relations, inc.ID+"/relations/", "Microsoft.SecurityInsights/incidents/relations", guidRE.MatchString)
		check("comment", f.rec.Comments, inc.ID+"/comments/", "Microsoft.SecurityInsights/incidents/comments", guidRE.MatchString)
		check("task", f.rec.Tasks, inc.ID+"/tasks/", "Microsoft.SecurityInsights/incidents/tasks", isQuotedGUID)
		for _, id := range stringsUnder(f.rec, "resourceId", "relatedResourceId", "id") {
			if strings.Contains(strings.ToLower(id), "microsoft.securityinsights") && !strings.HasPrefix(strings.ToLower(id), strings.ToLower(demoSI)) {
				t.Errorf("%s: %s is a SecurityInsights id outside the demo workspace", f.path, id)
			}
		}
	}
}

func isQuotedGUID(s string) bool {
	return len(s) > 2 && s[0] == '"' && s[len(s)-1] == '"' && guidRE.MatchString(s[1:len(s)-1])
}

// stringsUnder returns every string value stored under one of keys anywhere in rec.
func stringsUnder(rec emulator.Record, keys ...string) []string {
	var out []string
	var walk func(k string, v any)
	walk = func(k string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for kk, vv := range x {
				walk(kk, vv)
			}
		case []any:
			for _, vv := range x {
				walk(k, vv)
			}
		case string:
			if slices.Contains(keys, k) {
				out = append(out, x)
			}
		}
	}
	all := append([]*emulator.Resource{rec.Incident}, rec.Alerts...)
	for _, l := range [][]*emulator.Resource{rec.Entities, rec.Bookmarks, rec.Relations, rec.Comments, rec.Tasks} {
		all = append(all, l...)
	}
	for _, r := range all {
		walk("id", r.ID)
		walk("properties", r.Properties)
	}
	return out
}

func TestDemoIncidentsAgreeWithAlerts(t *testing.T) {
	for _, f := range loadDemo(t) {
		p := f.rec.Incident.Properties
		where := f.path
		for key, allowed := range map[string][]string{"severity": severities, "status": incidentStatus} {
			if !slices.Contains(allowed, str(p, key)) {
				t.Errorf("%s: %s %q not one of %v", where, key, str(p, key), allowed)
			}
		}
		if str(p, "title") == "" || str(p, "description") == "" {
			t.Errorf("%s: no title or description", where)
		}
		if n := len(f.rec.Alerts); n < 1 || n > 7 {
			t.Errorf("%s: %d alerts, want 1..7", where, n)
		}
		ad, _ := p["additionalData"].(map[string]any)
		if ad == nil {
			t.Fatalf("%s: no additionalData", where)
		}
		for key, want := range map[string]int{"alertsCount": len(f.rec.Alerts), "bookmarksCount": len(f.rec.Bookmarks), "commentsCount": len(f.rec.Comments)} {
			if got, ok := num(ad, key); !ok || got != want {
				t.Errorf("%s: additionalData.%s = %v, want %d", where, key, ad[key], want)
			}
		}
		incTactics := strs(t, where, ad, "tactics")
		incTechniques := strs(t, where, ad, "techniques")
		var products, alertTactics, alertTechniques []string
		relatedAlerts := map[string]int{}
		for _, r := range f.rec.Relations {
			if str(r.Properties, "relatedResourceKind") == "SecurityAlert" {
				relatedAlerts[strings.ToLower(str(r.Properties, "relatedResourceName"))]++
			}
		}
		for _, a := range f.rec.Alerts {
			ap := a.Properties
			aw := where + " alert " + str(ap, "alertDisplayName")
			if a.Kind != "SecurityAlert" {
				t.Errorf("%s: kind %q", aw, a.Kind)
			}
			if str(ap, "systemAlertId") != a.Name {
				t.Errorf("%s: systemAlertId %q != name %q", aw, str(ap, "systemAlertId"), a.Name)
			}
			for _, k := range []string{"alertDisplayName", "friendlyName", "alertType", "description", "productName", "vendorName", "providerAlertId"} {
				if str(ap, k) == "" {
					t.Errorf("%s: no %s", aw, k)
				}
			}
			if !slices.Contains(severities, str(ap, "severity")) || !slices.Contains(alertStatus, str(ap, "status")) {
				t.Errorf("%s: severity %q / status %q not in the spec enums", aw, str(ap, "severity"), str(ap, "status"))
			}
			if !slices.Contains(products, str(ap, "productName")) {
				products = append(products, str(ap, "productName"))
			}
			tactics := strs(t, aw, ap, "tactics")
			if len(tactics) == 0 {
				t.Errorf("%s: no tactics", aw)
			}
			for _, tc := range tactics {
				if !slices.Contains(attackTactics, tc) {
					t.Errorf("%s: tactic %q is not an AttackTactic", aw, tc)
				}
				if !slices.Contains(incTactics, tc) {
					t.Errorf("%s: tactic %s missing from the incident's tactics %v", aw, tc, incTactics)
				}
				if !slices.Contains(alertTactics, tc) {
					alertTactics = append(alertTactics, tc)
				}
			}
			for _, te := range strs(t, aw, ap, "techniques") {
				if !techniqueRE.MatchString(te) {
					t.Errorf("%s: technique %q is not Tnnnn", aw, te)
				}
				if !slices.Contains(incTechniques, te) {
					t.Errorf("%s: technique %s missing from the incident's techniques %v", aw, te, incTechniques)
				}
				if !slices.Contains(alertTechniques, te) {
					alertTechniques = append(alertTechniques, te)
				}
			}
			if relatedAlerts[strings.ToLower(a.Name)] != 1 {
				t.Errorf("%s: %d SecurityAlert relations, want 1", aw, relatedAlerts[strings.ToLower(a.Name)])
			}
			if rids, ok := ap["resourceIdentifiers"].([]any); !ok || len(rids) == 0 {
				t.Errorf("%s: no resourceIdentifiers", aw)
			}
		}
		slices.Sort(alertTactics)
		slices.Sort(alertTechniques)
		if got := slices.Sorted(slices.Values(incTactics)); !slices.Equal(got, alertTactics) {
			t.Errorf("%s: incident tactics %v, alerts have %v", where, got, alertTactics)
		}
		if got := slices.Sorted(slices.Values(incTechniques)); !slices.Equal(got, alertTechniques) {
			t.Errorf("%s: incident techniques %v, alerts have %v", where, got, alertTechniques)
		}
		if got := strs(t, where, ad, "alertProductNames"); !slices.Equal(got, products) {
			t.Errorf("%s: alertProductNames %v, alerts have %v", where, got, products)
		}
		for _, r := range f.rec.Relations {
			if str(r.Properties, "relatedResourceKind") == "SecurityAlert" && relatedAlerts[strings.ToLower(str(r.Properties, "relatedResourceName"))] > 0 &&
				!slices.ContainsFunc(f.rec.Alerts, func(a *emulator.Resource) bool {
					return strings.EqualFold(a.Name, str(r.Properties, "relatedResourceName"))
				}) {
				t.Errorf("%s: relation %s points at an alert the incident does not have", where, r.Name)
			}
		}
		if str(p, "status") == "Closed" {
			if !slices.Contains(classifications, str(p, "classification")) || !slices.Contains(classReasons, str(p, "classificationReason")) || str(p, "classificationComment") == "" {
				t.Errorf("%s: closed without classification, reason and comment", where)
			}
		} else if _, ok := p["classification"]; ok {
			t.Errorf("%s: open incident has a classification", where)
		}
		if owner, ok := p["owner"].(map[string]any); !ok {
			t.Errorf("%s: no owner object", where)
		} else if str(owner, "ownerType") == "User" && (str(owner, "objectId") == "" || str(owner, "userPrincipalName") == "") {
			t.Errorf("%s: owner of type User without objectId/userPrincipalName", where)
		}
		for _, l := range p["labels"].([]any) {
			lm := l.(map[string]any)
			if str(lm, "labelName") == "" || !slices.Contains([]string{"User", "AutoAssigned"}, str(lm, "labelType")) {
				t.Errorf("%s: bad label %v", where, l)
			}
		}
		for _, tk := range f.rec.Tasks {
			if !slices.Contains(taskStatus, str(tk.Properties, "status")) || str(tk.Properties, "title") == "" {
				t.Errorf("%s: task %s has status %q / title %q", where, tk.Name, str(tk.Properties, "status"), str(tk.Properties, "title"))
			}
		}
		for _, c := range f.rec.Comments {
			if str(c.Properties, "message") == "" || c.Properties["author"] == nil {
				t.Errorf("%s: comment %s without message or author", where, c.Name)
			}
		}
	}
}

func TestDemoTimes(t *testing.T) {
	files := loadDemo(t)
	var newest time.Time
	for _, f := range files {
		p := f.rec.Incident.Properties
		where := f.path
		created := parseTime(t, where, "createdTimeUtc", str(p, "createdTimeUtc"))
		modified := parseTime(t, where, "lastModifiedTimeUtc", str(p, "lastModifiedTimeUtc"))
		first := parseTime(t, where, "firstActivityTimeUtc", str(p, "firstActivityTimeUtc"))
		last := parseTime(t, where, "lastActivityTimeUtc", str(p, "lastActivityTimeUtc"))
		if !(!first.After(last) && !last.After(created) && !created.After(modified)) {
			t.Errorf("%s: want first ≤ last activity ≤ created ≤ modified, got %v %v %v %v", where, first, last, created, modified)
		}
		if created.After(demoAnchor) || created.Before(demoAnchor.Add(-11*24*time.Hour)) {
			t.Errorf("%s: created %v outside the 11 days before the anchor %v", where, created, demoAnchor)
		}
		if modified.After(demoAnchor) {
			t.Errorf("%s: modified %v after the anchor", where, modified)
		}
		if created.After(newest) {
			newest = created
		}
		var minStart, maxEnd time.Time
		for _, a := range f.rec.Alerts {
			aw := where + " alert " + str(a.Properties, "alertDisplayName")
			start := parseTime(t, aw, "startTimeUtc", str(a.Properties, "startTimeUtc"))
			end := parseTime(t, aw, "endTimeUtc", str(a.Properties, "endTimeUtc"))
			gen := parseTime(t, aw, "timeGenerated", str(a.Properties, "timeGenerated"))
			proc := parseTime(t, aw, "processingEndTime", str(a.Properties, "processingEndTime"))
			if start.Before(first) || end.After(last) || end.Before(start) {
				t.Errorf("%s: alert window %v..%v outside the incident's activity %v..%v", aw, start, end, first, last)
			}
			if gen.Before(end) || proc.Before(gen) || gen.After(created) {
				t.Errorf("%s: want end ≤ timeGenerated ≤ processingEndTime and timeGenerated ≤ incident created; got %v %v %v %v", aw, end, gen, proc, created)
			}
			if minStart.IsZero() || start.Before(minStart) {
				minStart = start
			}
			if end.After(maxEnd) {
				maxEnd = end
			}
		}
		if !minStart.Equal(first) || !maxEnd.Equal(last) {
			t.Errorf("%s: activity %v..%v, alerts span %v..%v", where, first, last, minStart, maxEnd)
		}
		for _, list := range [][]*emulator.Resource{f.rec.Comments, f.rec.Tasks} {
			for _, r := range list {
				c := parseTime(t, where, "createdTimeUtc", str(r.Properties, "createdTimeUtc"))
				m := parseTime(t, where, "lastModifiedTimeUtc", str(r.Properties, "lastModifiedTimeUtc"))
				if c.Before(created) || m.Before(c) || m.After(modified) {
					t.Errorf("%s: %s %s times %v..%v outside the incident's %v..%v", where, r.Type, r.Name, c, m, created, modified)
				}
			}
		}
		for _, b := range f.rec.Bookmarks {
			for _, k := range []string{"created", "updated", "eventTime"} {
				parseTime(t, where, "bookmark "+k, str(b.Properties, k))
			}
		}
		for _, e := range f.rec.Entities {
			for _, k := range []string{"creationTimeUtc", "receiveDate", "queryTime", "clusterQueryStartTime", "clusterQueryEndTime"} {
				if s := str(e.Properties, k); s != "" {
					parseTime(t, where, e.Kind+" "+k, s)
				}
			}
		}
	}
	if newest.Before(demoAnchor.Add(-2 * time.Hour)) {
		t.Errorf("newest incident created %v, want within 2h before the anchor %v", newest, demoAnchor)
	}
}

// entityValue is the identifying value used to recognise the same entity in
// different incidents.
func entityValue(e *emulator.Resource) string {
	p := e.Properties
	switch e.Kind {
	case "Account":
		if s := str(p, "upnSuffix"); s != "" {
			return strings.ToLower(str(p, "accountName") + "@" + s)
		}
		return strings.ToLower(str(p, "ntDomain") + `\` + str(p, "accountName"))
	case "Host":
		return strings.ToLower(str(p, "hostName"))
	case "Ip":
		return str(p, "address")
	}
	return ""
}

func TestDemoEntities(t *testing.T) {
	files := loadDemo(t)
	kinds := map[string]int{}
	// incidents per kind/value, and the properties each entity id carries.
	seen := map[string]map[int]bool{}
	byID := map[string]string{}
	for _, f := range files {
		ids := map[string]string{} // entity id -> kind within the incident
		for _, e := range f.rec.Entities {
			ids[strings.ToLower(e.ID)] = e.Kind
		}
		if len(f.rec.Entities) < 4 {
			t.Errorf("%s: only %d entities", f.path, len(f.rec.Entities))
		}
		for _, e := range f.rec.Entities {
			where := fmt.Sprintf("%s %s %s", f.path, e.Kind, e.Name)
			if !slices.Contains(entityKinds, e.Kind) {
				t.Errorf("%s: kind %q is not an entity kind of the spec", where, e.Kind)
			}
			kinds[e.Kind]++
			if str(e.Properties, "friendlyName") == "" {
				t.Errorf("%s: no friendlyName", where)
			}
			b, _ := json.Marshal(e.Properties)
			if prev, ok := byID[e.ID]; ok && prev != string(b) {
				t.Errorf("%s: same entity id with different properties in another incident", where)
			}
			byID[e.ID] = string(b)
			if v := entityValue(e); v != "" {
				key := e.Kind + "|" + v
				if seen[key] == nil {
					seen[key] = map[int]bool{}
				}
				seen[key][f.num] = true
			}
			// References between entities (…EntityId, …EntityIds) resolve
			// within the incident, as the entities call returns them together.
			for k, v := range e.Properties {
				var refs []string
				switch {
				case strings.HasSuffix(k, "EntityId"):
					refs = []string{str(e.Properties, k)}
				case strings.HasSuffix(k, "EntityIds"):
					refs = strs(t, where, e.Properties, k)
				default:
					continue
				}
				for _, r := range refs {
					if _, ok := ids[strings.ToLower(r)]; !ok {
						t.Errorf("%s: %s %v does not name an entity of the incident", where, k, v)
					}
				}
			}
			checkEntityProps(t, where, e)
		}
	}
	for _, k := range requiredKinds {
		if kinds[k] == 0 {
			t.Errorf("no %s entity in the dataset", k)
		}
	}
	for _, kind := range []string{"Account", "Host", "Ip"} {
		best, bestN := "", 0
		for key, incs := range seen {
			if strings.HasPrefix(key, kind+"|") && len(incs) > bestN {
				best, bestN = key, len(incs)
			}
		}
		if bestN < 3 {
			t.Errorf("no %s shared by 3 or more incidents (best: %s in %d)", kind, best, bestN)
		}
	}
}

// checkEntityProps checks the kind-specific properties the spec defines and
// the JSON types it gives them.
func checkEntityProps(t *testing.T, where string, e *emulator.Resource) {
	t.Helper()
	p := e.Properties
	need := map[string][]string{
		"Account":          {"accountName"},
		"Host":             {"hostName", "osFamily"},
		"Ip":               {"address"},
		"Url":              {"url"},
		"FileHash":         {"algorithm", "hashValue"},
		"File":             {"fileName", "directory"},
		"Process":          {"processId", "commandLine", "creationTimeUtc"},
		"MailMessage":      {"recipient", "p1Sender", "subject", "networkMessageId", "senderIP"},
		"Mailbox":          {"mailboxPrimaryAddress", "upn"},
		"CloudApplication": {"appName"},
		"AzureResource":    {"resourceId", "subscriptionId"},
		"DnsResolution":    {"domainName"},
		"RegistryKey":      {"hive", "key"},
		"RegistryValue":    {"valueName", "valueData", "valueType"},
		"Malware":          {"malwareName", "category"},
		"SecurityGroup":    {"distinguishedName"},
		"MailCluster":      {"query", "source"},
	}
	for _, k := range need[e.Kind] {
		if str(p, k) == "" {
			t.Errorf("%s: no string %s", where, k)
		}
	}
	// The spec's integers are int32 (format int32): clients built on the Azure
	// SDK refuse larger values when they decode the polymorphic entity list.
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				walk(path+"."+k, e)
			}
		case []any:
			for _, e := range x {
				walk(path, e)
			}
		case float64:
			if x == float64(int64(x)) && (x > math.MaxInt32 || x < math.MinInt32) {
				t.Errorf("%s: %s = %v does not fit the spec's int32", where, path, x)
			}
		}
	}
	walk("properties", p)
	for _, k := range []string{"isDomainJoined", "isVolumeAnomaly"} {
		if v, ok := p[k]; ok {
			if _, isBool := v.(bool); !isBool {
				t.Errorf("%s: %s is %T, want boolean", where, k, v)
			}
		}
	}
	switch e.Kind {
	case "CloudApplication":
		// appId is the Defender for Cloud Apps catalog id, an integer in the spec.
		if v, ok := p["appId"]; ok {
			if _, isNum := v.(float64); !isNum {
				t.Errorf("%s: appId is %T, want integer", where, v)
			}
		}
	case "FileHash":
		if !slices.Contains([]string{"Unknown", "MD5", "SHA1", "SHA256", "SHA256AC"}, str(p, "algorithm")) {
			t.Errorf("%s: algorithm %q", where, str(p, "algorithm"))
		}
		if str(p, "algorithm") == "SHA256" && !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(str(p, "hashValue")) {
			t.Errorf("%s: hashValue %q is not a SHA-256", where, str(p, "hashValue"))
		}
	case "Host":
		if !slices.Contains([]string{"Linux", "Windows", "Android", "IOS", "Unknown"}, str(p, "osFamily")) {
			t.Errorf("%s: osFamily %q", where, str(p, "osFamily"))
		}
	case "Ip":
		if loc, ok := p["location"].(map[string]any); ok {
			if str(loc, "countryCode") == "" {
				t.Errorf("%s: location without countryCode", where)
			}
			for _, k := range []string{"asn", "latitude", "longitude"} {
				if _, isNum := loc[k].(float64); !isNum {
					t.Errorf("%s: location.%s is %T, want number", where, k, loc[k])
				}
			}
		}
	case "RegistryKey":
		if !strings.HasPrefix(str(p, "hive"), "HKEY_") {
			t.Errorf("%s: hive %q", where, str(p, "hive"))
		}
	case "Process":
		if _, err := strconv.Atoi(str(p, "processId")); err != nil {
			t.Errorf("%s: processId %q is not a decimal string", where, str(p, "processId"))
		}
	}
}

func TestDemoScenarios(t *testing.T) {
	files := loadDemo(t)
	byNum := map[int]demoFile{}
	statuses := map[string]int{}
	var injection, script []int
	var withComments, withTasks, withBookmarks, withOwner, withLabels int
	for _, f := range files {
		byNum[f.num] = f
		p := f.rec.Incident.Properties
		statuses[str(p, "status")]++
		raw := string(f.raw)
		if strings.Contains(str(p, "description"), "Ignore all previous instructions") &&
			slices.ContainsFunc(f.rec.Entities, func(e *emulator.Resource) bool {
				return e.Kind == "Process" && strings.Contains(str(e.Properties, "commandLine"), "Ignore all previous instructions")
			}) {
			injection = append(injection, f.num)
		}
		if strings.Contains(str(p, "title"), "<script") || strings.Contains(raw, "<img src=x onerror=") {
			script = append(script, f.num)
		}
		if len(f.rec.Comments) > 0 {
			withComments++
		}
		if len(f.rec.Tasks) > 0 {
			withTasks++
		}
		if len(f.rec.Bookmarks) > 0 {
			withBookmarks++
		}
		if o, _ := p["owner"].(map[string]any); str(o, "ownerType") == "User" {
			withOwner++
		}
		if len(p["labels"].([]any)) > 0 {
			withLabels++
		}
	}
	for _, s := range incidentStatus {
		if statuses[s] == 0 {
			t.Errorf("no incident with status %s", s)
		}
	}
	if len(injection) != 1 {
		t.Errorf("incidents with AI-instruction text in description and a command line: %v, want exactly one", injection)
	}
	if len(script) != 1 {
		t.Errorf("incidents with HTML/script in fields: %v, want exactly one", script)
	}
	if withComments == 0 || withTasks == 0 || withBookmarks == 0 || withOwner == 0 || withLabels == 0 {
		t.Errorf("comments %d, tasks %d, bookmarks %d, owners %d, labels %d: want each on at least one incident",
			withComments, withTasks, withBookmarks, withOwner, withLabels)
	}
	closedFP := 0
	for _, f := range files {
		if str(f.rec.Incident.Properties, "classification") == "FalsePositive" {
			closedFP++
		}
	}
	if closedFP == 0 {
		t.Error("no incident closed as FalsePositive")
	}

	// The escalation case: high severity ransomware with impact, defence
	// evasion and persistence reported by several products.
	if f, ok := byNum[103]; !ok {
		t.Error("no incident 103 (ransomware)")
	} else {
		p := f.rec.Incident.Properties
		ad := p["additionalData"].(map[string]any)
		tactics := strs(t, f.path, ad, "tactics")
		for _, want := range []string{"Impact", "DefenseEvasion", "Persistence"} {
			if !slices.Contains(tactics, want) {
				t.Errorf("%s: tactics %v lack %s", f.path, tactics, want)
			}
		}
		if str(p, "severity") != "High" || len(strs(t, f.path, ad, "alertProductNames")) < 3 {
			t.Errorf("%s: want High from 3+ products, got %s from %v", f.path, str(p, "severity"), ad["alertProductNames"])
		}
		if !strings.Contains(string(f.raw), "vssadmin") {
			t.Errorf("%s: no vssadmin shadow copy deletion", f.path)
		}
	}
	// The dismiss candidate: low severity, the approved scanner account, a
	// scheduled scan of a known asset, and an analyst comment with the change.
	if f, ok := byNum[110]; !ok {
		t.Error("no incident 110 (vulnerability scanner)")
	} else {
		p := f.rec.Incident.Properties
		if sev := str(p, "severity"); sev != "Low" && sev != "Informational" {
			t.Errorf("%s: severity %s, want Low or Informational", f.path, sev)
		}
		text := strings.ToLower(str(p, "description"))
		for _, want := range []string{"svc-vulnscan", "scheduled", "known asset"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: description lacks %q", f.path, want)
			}
		}
		if !slices.ContainsFunc(f.rec.Alerts, func(a *emulator.Resource) bool {
			return strings.Contains(str(a.Properties, "description"), "svc-vulnscan")
		}) {
			t.Errorf("%s: no alert mentions svc-vulnscan", f.path)
		}
		if !slices.ContainsFunc(f.rec.Comments, func(c *emulator.Resource) bool {
			return strings.Contains(str(c.Properties, "message"), "CHG")
		}) {
			t.Errorf("%s: no analyst comment citing the change ticket", f.path)
		}
	}
}
