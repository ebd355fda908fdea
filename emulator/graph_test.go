package emulator

import (
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

const graphBase = "https://graph.microsoft.com/v1.0/security"

func newGraphDemo(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Dataset == nil {
		opts.Dataset = Demo()
	}
	return newFixtureServer(t, opts)
}

// graphGet GETs a Graph path (relative to /v1.0/security) with query q.
func graphGet(t testing.TB, s *Server, token, path, q string) reply {
	t.Helper()
	u := graphBase + path
	if q != "" {
		u += "?" + q
	}
	return call(t, s, token, http.MethodGet, u, "", nil)
}

// graphError returns the code of a Graph error body, checking its shape
// {"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}.
func (r reply) graphError(t testing.TB) string {
	t.Helper()
	m := r.json(t)
	e, ok := m["error"].(map[string]any)
	if len(m) != 1 || !ok || len(e) != 3 {
		t.Fatalf("error body is not Graph's {\"error\":{\"code\",\"message\",\"innerError\"}}: %s", r.Body)
	}
	code, _ := e["code"].(string)
	msg, _ := e["message"].(string)
	inner, _ := e["innerError"].(map[string]any)
	if code == "" || msg == "" || len(inner) != 3 {
		t.Fatalf("error body lacks code, message or innerError: %s", r.Body)
	}
	for _, k := range []string{"date", "request-id", "client-request-id"} {
		if s, _ := inner[k].(string); s == "" {
			t.Fatalf("innerError has no %s: %s", k, r.Body)
		}
	}
	if _, err := time.Parse("2006-01-02T15:04:05", inner["date"].(string)); err != nil {
		t.Errorf("innerError.date %q: %v", inner["date"], err)
	}
	return code
}

func values(t testing.TB, m map[string]any) []map[string]any {
	t.Helper()
	l, ok := m["value"].([]any)
	if !ok {
		t.Fatalf("no value list in %v", m)
	}
	out := make([]map[string]any, len(l))
	for i, v := range l {
		out[i] = v.(map[string]any)
	}
	return out
}

func ids(vs []map[string]any) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v["id"].(string))
	}
	return out
}

// demoIDs are the Defender ids of the demo incidents: providerIncidentId,
// which is the incident number except for the three Microsoft XDR ones.
var demoIDs = []string{"101", "102", "104", "106", "107", "108", "109", "110", "112", "113", "114", "115", "116", "48213", "48377", "48602"}

func TestGraphIncidentList(t *testing.T) {
	s := newGraphDemo(t, Options{})
	r := graphGet(t, s, "demo", "/incidents", "")
	if r.Status != http.StatusOK {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	m := r.json(t)
	if m["@odata.context"] != "https://graph.microsoft.com/v1.0/$metadata#security/incidents" {
		t.Errorf("@odata.context = %v", m["@odata.context"])
	}
	if _, ok := m["@odata.nextLink"]; ok {
		t.Errorf("16 incidents fit in one page of 50, got a nextLink")
	}
	vs := values(t, m)
	got := ids(vs)
	sorted := slices.Clone(got)
	sort.Strings(sorted)
	if !slices.Equal(sorted, demoIDs) {
		t.Errorf("ids = %v, want %v", sorted, demoIDs)
	}
	// Most recent first.
	for i := 1; i < len(vs); i++ {
		if vs[i-1]["createdDateTime"].(string) < vs[i]["createdDateTime"].(string) {
			t.Errorf("not ordered by createdDateTime desc at %d: %v then %v", i, vs[i-1]["createdDateTime"], vs[i]["createdDateTime"])
		}
	}
	for _, v := range vs {
		if _, ok := v["alerts"]; ok {
			t.Errorf("incident %v has alerts without $expand", v["id"])
		}
	}
}

func TestGraphIncidentPaging(t *testing.T) {
	s := newGraphDemo(t, Options{})
	var seen []string
	u := "http://127.0.0.1:8080/v1.0/security/incidents?$top=5&$count=true"
	pages := 0
	for u != "" {
		r := call(t, s, "demo", http.MethodGet, u, "", nil)
		if r.Status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", u, r.Status, r.Body)
		}
		m := r.json(t)
		if m["@odata.count"] != float64(16) {
			t.Errorf("@odata.count = %v, want 16", m["@odata.count"])
		}
		vs := values(t, m)
		if len(vs) > 5 {
			t.Fatalf("page of %d > $top", len(vs))
		}
		seen = append(seen, ids(vs)...)
		u, _ = m["@odata.nextLink"].(string)
		if u != "" && !strings.HasPrefix(u, "http://127.0.0.1:8080/v1.0/security/incidents?") {
			t.Fatalf("nextLink %s is not absolute on the request's host", u)
		}
		if pages++; pages > 10 {
			t.Fatal("paging does not end")
		}
	}
	if pages != 4 {
		t.Errorf("%d pages, want 4", pages)
	}
	sort.Strings(seen)
	if !slices.Equal(seen, demoIDs) {
		t.Errorf("paged ids = %v", seen)
	}
	// $top beyond the page size is clamped, $skip skips.
	m := graphGet(t, s, "demo", "/incidents", "$top=500&$skip=14").json(t)
	if n := len(values(t, m)); n != 2 {
		t.Errorf("$skip=14 of 16: %d incidents", n)
	}
	for _, q := range []string{"$top=-1", "$top=x", "$skip=-3", "$count=maybe"} {
		if r := graphGet(t, s, "demo", "/incidents", q); r.Status != http.StatusBadRequest || r.graphError(t) != "BadRequest" {
			t.Errorf("%s: %d %s", q, r.Status, r.Body)
		}
	}
}

func TestGraphIncidentFilterAndOrder(t *testing.T) {
	s := newGraphDemo(t, Options{})
	list := func(q string) []map[string]any {
		t.Helper()
		r := graphGet(t, s, "demo", "/incidents", q)
		if r.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", q, r.Status, r.Body)
		}
		return values(t, r.json(t))
	}
	enc := func(f string) string { return "$filter=" + url.QueryEscape(f) }

	if got := ids(list(enc("status eq 'resolved'"))); !slices.Equal(got, []string{"104"}) {
		t.Errorf("resolved: %v", got)
	}
	for _, v := range list(enc("status eq 'inProgress'")) {
		if v["status"] != "inProgress" {
			t.Errorf("filter inProgress returned %v", v["status"])
		}
	}
	high := list(enc("severity eq 'high'"))
	both := list(enc("severity eq 'high' or severity eq 'medium'"))
	if len(high) == 0 || len(both) <= len(high) {
		t.Errorf("high %d, high or medium %d", len(high), len(both))
	}
	if got := list(enc("severity eq 'high' and status eq 'resolved'")); len(got) != 0 {
		t.Errorf("high and resolved: %v", ids(got))
	}
	all := list("$orderby=" + url.QueryEscape("createdDateTime asc"))
	for i := 1; i < len(all); i++ {
		if all[i-1]["createdDateTime"].(string) > all[i]["createdDateTime"].(string) {
			t.Fatalf("not ascending at %d", i)
		}
	}
	mid := all[len(all)/2]["createdDateTime"].(string)
	ge := list(enc("createdDateTime ge " + mid))
	lt := list(enc("createdDateTime lt " + mid))
	if len(ge)+len(lt) != 16 || len(ge) == 0 || len(lt) == 0 {
		t.Errorf("ge %d + lt %d != 16", len(ge), len(lt))
	}
	if got := list(enc("(createdDateTime gt " + mid + " or createdDateTime le " + mid + ") and lastUpdateDateTime ge 2000-01-01T00:00:00Z")); len(got) != 16 {
		t.Errorf("tautology matched %d", len(got))
	}
	byUpdate := list("$orderby=" + url.QueryEscape("lastUpdateDateTime desc"))
	for i := 1; i < len(byUpdate); i++ {
		if byUpdate[i-1]["lastUpdateDateTime"].(string) < byUpdate[i]["lastUpdateDateTime"].(string) {
			t.Fatalf("not lastUpdateDateTime desc at %d", i)
		}
	}
	for _, q := range []string{enc("title eq 'x'"), enc("status eq"), enc("createdDateTime ge 'yesterday'"), "$orderby=severity", "$expand=comments", "$select=id"} {
		r := graphGet(t, s, "demo", "/incidents", q)
		if r.Status != http.StatusBadRequest || r.graphError(t) != "BadRequest" {
			t.Errorf("%s: %d %s", q, r.Status, r.Body)
		}
	}
}

func TestGraphIncidentGetAndExpand(t *testing.T) {
	s := newGraphDemo(t, Options{})
	r := graphGet(t, s, "demo", "/incidents/48213", "")
	if r.Status != http.StatusOK {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	inc := r.json(t)
	want := map[string]any{
		"id": "48213", "status": "inProgress", "severity": "high", "assignedTo": "marcus.lee@contoso.com",
		"tenantId": "4b2462a4-bbee-495a-a0e1-f23ae524cc9c", "classification": "unknown", "determination": "unknown",
		"displayName":    "Ransomware activity on FS-CORP-01: shadow copies deleted and files encrypted",
		"incidentWebUrl": "https://security.microsoft.com/incidents/48213?tid=4b2462a4-bbee-495a-a0e1-f23ae524cc9c",
		"@odata.type":    "#microsoft.graph.security.incident",
	}
	for k, v := range want {
		if inc[k] != v {
			t.Errorf("%s = %v, want %v", k, inc[k], v)
		}
	}
	if inc["redirectIncidentId"] != nil {
		t.Errorf("redirectIncidentId = %v", inc["redirectIncidentId"])
	}
	if tags := inc["customTags"].([]any); len(tags) != 2 || tags[0] != "Ransomware" {
		t.Errorf("customTags = %v", tags)
	}
	if cs := inc["comments"].([]any); len(cs) != 1 || cs[0].(map[string]any)["createdByDisplayName"] != "marcus.lee@contoso.com" {
		t.Errorf("comments = %v", cs)
	}
	if _, ok := inc["alerts"]; ok {
		t.Error("alerts without $expand")
	}

	// Sentinel's providerIncidentId is the same id.
	arm := call(t, s, "demo", http.MethodGet, "/incidents/11b09977-1546-59d1-b2f6-4c439aa16aff", "", nil).json(t)
	if props(t, arm)["providerIncidentId"] != "48213" {
		t.Errorf("SecurityInsights providerIncidentId = %v", props(t, arm)["providerIncidentId"])
	}

	exp := graphGet(t, s, "demo", "/incidents/48213", "$expand=alerts").json(t)
	if exp["@odata.context"] != "https://graph.microsoft.com/v1.0/$metadata#security/incidents(alerts())/$entity" {
		t.Errorf("@odata.context = %v", exp["@odata.context"])
	}
	alerts := exp["alerts"].([]any)
	if len(alerts) != 7 {
		t.Fatalf("%d alerts, want 7", len(alerts))
	}
	for _, a := range alerts {
		if a.(map[string]any)["incidentId"] != "48213" {
			t.Errorf("alert incidentId %v", a.(map[string]any)["incidentId"])
		}
	}

	closed := graphGet(t, s, "demo", "/incidents/104", "").json(t)
	if closed["status"] != "resolved" || closed["classification"] != "falsePositive" || closed["determination"] == "unknown" {
		t.Errorf("closed incident: status %v classification %v determination %v", closed["status"], closed["classification"], closed["determination"])
	}
	if r := graphGet(t, s, "demo", "/incidents/999999", ""); r.Status != http.StatusNotFound || r.graphError(t) != "NotFound" {
		t.Errorf("missing incident: %d %s", r.Status, r.Body)
	}
	// The list expands too.
	for _, v := range values(t, graphGet(t, s, "demo", "/incidents", "$expand=alerts").json(t)) {
		if _, ok := v["alerts"].([]any); !ok {
			t.Errorf("incident %v has no alerts list", v["id"])
		}
	}
}

func TestGraphProviderIncidentIDDerived(t *testing.T) {
	// The fixture dataset may lack providerIncidentId: seeding gives each
	// incident its number, and both APIs show it.
	s := newFixtureServer(t, Options{})
	m := call(t, s, "demo", http.MethodGet, "/incidents", "", nil).json(t)
	for _, v := range m["value"].([]any) {
		p := props(t, v.(map[string]any))
		id, _ := p["providerIncidentId"].(string)
		if id == "" {
			t.Fatalf("incident %v has no providerIncidentId", p["incidentNumber"])
		}
		if r := graphGet(t, s, "demo", "/incidents/"+id, ""); r.Status != http.StatusOK {
			t.Errorf("Graph incident %s: %d", id, r.Status)
		}
	}
}

func TestGraphAlerts(t *testing.T) {
	s := newGraphDemo(t, Options{})
	m := graphGet(t, s, "demo", "/alerts_v2", "$count=true").json(t)
	if m["@odata.count"] != float64(49) || len(values(t, m)) != 49 {
		t.Fatalf("%v alerts, want 49", m["@odata.count"])
	}
	var sentinel, mde map[string]any
	for _, a := range values(t, m) {
		switch a["productName"] {
		case "Azure Sentinel":
			sentinel = a
		case "Microsoft Defender Advanced Threat Protection":
			mde = a
		}
	}
	if mde["serviceSource"] != "microsoftDefenderForEndpoint" {
		t.Errorf("MDE serviceSource %v", mde["serviceSource"])
	}
	// Members after unknownFutureValue need Prefer: include-unknown-enum-members.
	if sentinel["serviceSource"] != "unknownFutureValue" {
		t.Errorf("Sentinel serviceSource without Prefer: %v", sentinel["serviceSource"])
	}
	one := graphGet(t, s, "demo", "/alerts_v2/"+sentinel["id"].(string), "").json(t)
	if one["id"] != sentinel["id"] || one["@odata.context"] != "https://graph.microsoft.com/v1.0/$metadata#security/alerts_v2/$entity" {
		t.Errorf("get alert: %v %v", one["id"], one["@odata.context"])
	}
	if _, ok := one["evidence"].([]any); !ok {
		t.Error("alert has no evidence list")
	}
	if r := graphGet(t, s, "demo", "/alerts_v2/nope", ""); r.Status != http.StatusNotFound || r.graphError(t) != "NotFound" {
		t.Errorf("missing alert: %d %s", r.Status, r.Body)
	}
	if got := values(t, graphGet(t, s, "demo", "/alerts_v2", "$filter="+url.QueryEscape("serviceSource eq 'microsoftDefenderForEndpoint'")).json(t)); len(got) != 11 {
		t.Errorf("MDE alerts: %d, want 11", len(got))
	}
	if got := values(t, graphGet(t, s, "demo", "/alerts_v2", "$top=10").json(t)); len(got) != 10 {
		t.Errorf("$top=10: %d", len(got))
	}
}

func TestGraphAlertsPreferEvolvable(t *testing.T) {
	s := newGraphDemo(t, Options{})
	req, _ := http.NewRequest(http.MethodGet, graphBase+"/alerts_v2?$filter="+url.QueryEscape("serviceSource eq 'microsoftSentinel'"), nil)
	req.Header.Set("Authorization", "Bearer demo")
	req.Header.Set("Prefer", "include-unknown-enum-members")
	resp, err := s.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	m := reply{Status: resp.StatusCode, Body: b}.json(t)
	if n := len(values(t, m)); n != 13 {
		t.Errorf("Sentinel alerts with Prefer: %d, want 13", n)
	}
}

// evidenceKeys are the properties each evidence type must have (from the
// Graph v1.0 resource pages), beyond those of alertEvidence.
var evidenceKeys = map[string][]string{
	"userEvidence":             {"userAccount"},
	"deviceEvidence":           {"deviceDnsName", "mdeDeviceId", "osPlatform", "osBuild", "version", "healthStatus", "riskScore", "rbacGroupId", "rbacGroupName", "onboardingStatus", "defenderAvStatus", "ipInterfaces", "loggedOnUsers", "azureAdDeviceId", "firstSeenDateTime", "vmMetadata"},
	"ipEvidence":               {"ipAddress", "countryLetterCode"},
	"urlEvidence":              {"url"},
	"fileEvidence":             {"fileDetails", "mdeDeviceId", "detectionStatus"},
	"processEvidence":          {"processId", "parentProcessId", "processCommandLine", "processCreationDateTime", "parentProcessCreationDateTime", "imageFile", "parentProcessImageFile", "userAccount", "mdeDeviceId", "detectionStatus"},
	"mailboxEvidence":          {"displayName", "primaryAddress", "userAccount"},
	"analyzedMessageEvidence":  {"networkMessageId", "internetMessageId", "subject", "language", "senderIp", "recipientEmailAddress", "antiSpamDirection", "deliveryAction", "deliveryLocation", "urn", "threats", "threatDetectionMethods", "urls", "urlCount", "attachmentsCount", "receivedDateTime", "p1Sender", "p2Sender"},
	"mailClusterEvidence":      {"clusterBy", "clusterByValue", "emailCount", "networkMessageIds", "query", "urn"},
	"cloudApplicationEvidence": {"appId", "displayName", "instanceId", "instanceName", "saasAppId"},
	"oauthApplicationEvidence": {"appId", "displayName", "objectId", "publisher"},
	"azureResourceEvidence":    {"resourceId", "resourceName", "resourceType"},
	"registryKeyEvidence":      {"registryHive", "registryKey"},
	"registryValueEvidence":    {"registryHive", "registryKey", "registryValue", "registryValueName", "registryValueType"},
	"malwareEvidence":          {"name", "category", "files", "processes"},
	"securityGroupEvidence":    {"displayName", "securityGroupId"},
	"dnsEvidence":              {"domainName", "dnsServerIp", "hostIpAddress", "ipAddresses"},
	"fileHashEvidence":         {"algorithm", "value"},
}

func TestGraphEvidenceShapes(t *testing.T) {
	s := newGraphDemo(t, Options{})
	alerts := values(t, graphGet(t, s, "demo", "/alerts_v2", "").json(t))
	byType := map[string][]map[string]any{}
	for _, a := range alerts {
		for _, e := range a["evidence"].([]any) {
			ev := e.(map[string]any)
			typ := strings.TrimPrefix(ev["@odata.type"].(string), "#microsoft.graph.security.")
			byType[typ] = append(byType[typ], ev)
			if _, err := time.Parse(time.RFC3339Nano, ev["createdDateTime"].(string)); err != nil {
				t.Errorf("%s createdDateTime: %v", typ, err)
			}
			for _, k := range []string{"roles", "tags", "detailedRoles"} {
				if _, ok := ev[k].([]any); !ok {
					t.Errorf("%s: %s is not a list", typ, k)
				}
			}
			for _, k := range []string{"verdict", "remediationStatus"} {
				if _, ok := ev[k].(string); !ok {
					t.Errorf("%s: %s is not a string", typ, k)
				}
			}
			if _, ok := ev["remediationStatusDetails"]; !ok {
				t.Errorf("%s: no remediationStatusDetails", typ)
			}
		}
	}
	// Every entity kind of the demo maps to an evidence type (FileHash
	// entities all belong to a File, so they appear in its fileDetails).
	for typ, keys := range evidenceKeys {
		evs := byType[typ]
		if len(evs) == 0 && typ != "fileHashEvidence" {
			t.Errorf("no %s in the demo's alerts", typ)
		}
		for _, ev := range evs {
			for _, k := range keys {
				if _, ok := ev[k]; !ok {
					t.Errorf("%s lacks %s: %v", typ, k, ev)
				}
			}
		}
	}
	for typ := range byType {
		if _, ok := evidenceKeys[typ]; !ok {
			t.Errorf("unexpected evidence type %s", typ)
		}
	}
	// Spot checks of nested shapes.
	ua := byType["userEvidence"][0]["userAccount"].(map[string]any)
	for _, k := range []string{"accountName", "domainName", "userPrincipalName", "azureAdUserId", "userSid"} {
		if _, ok := ua[k]; !ok {
			t.Errorf("userAccount lacks %s", k)
		}
	}
	var withHash bool
	for _, f := range byType["fileEvidence"] {
		d := f["fileDetails"].(map[string]any)
		for _, k := range []string{"fileName", "filePath", "sha1", "sha256", "md5", "fileSize"} {
			if _, ok := d[k]; !ok {
				t.Errorf("fileDetails lacks %s", k)
			}
		}
		if d["sha256"] != nil {
			withHash = true
		}
	}
	if !withHash {
		t.Error("no fileEvidence carries the sha256 of its FileHash entity")
	}
	var withParent bool
	for _, p := range byType["processEvidence"] {
		if _, ok := p["processId"].(float64); !ok {
			t.Errorf("processId %v is not a number", p["processId"])
		}
		if p["parentProcessImageFile"] != nil {
			withParent = true
		}
	}
	if !withParent {
		t.Error("no processEvidence has a parent image file")
	}
	for _, ip := range byType["ipEvidence"] {
		if ip["ipAddress"] == "185.220.101.47" && (ip["countryLetterCode"] != "DE" || ip["verdict"] != "suspicious") {
			t.Errorf("Tor exit ip evidence: %v", ip)
		}
	}
	m := byType["analyzedMessageEvidence"][0]
	if m["deliveryAction"] != "delivered" || m["p1Sender"].(map[string]any)["emailAddress"] == nil {
		t.Errorf("analyzedMessageEvidence: %v", m)
	}
	// The account an alert names as compromised is in the compromised role.
	var compromised bool
	for _, a := range alerts {
		for _, e := range a["evidence"].([]any) {
			if slices.Contains(e.(map[string]any)["roles"].([]any), any("compromised")) {
				compromised = true
			}
		}
	}
	if !compromised {
		t.Error("no evidence in the compromised role")
	}
}

func TestGraphCommentRoundTrip(t *testing.T) {
	dir := t.TempDir()
	s := newGraphDemo(t, Options{StateDir: dir})
	r := call(t, s, "analyst", http.MethodPost, graphBase+"/incidents/48213/comments", "", map[string]any{
		"@odata.type": "microsoft.graph.security.alertComment", "comment": "Posted through Graph",
	})
	if r.Status != http.StatusOK {
		t.Fatalf("POST comment: %d %s", r.Status, r.Body)
	}
	m := r.json(t)
	if m["@odata.context"] != "https://graph.microsoft.com/v1.0/$metadata#security/incidents('48213')/comments" {
		t.Errorf("@odata.context = %v", m["@odata.context"])
	}
	cs := values(t, m)
	if len(cs) != 2 || cs[1]["comment"] != "Posted through Graph" || cs[1]["createdByDisplayName"] != "analyst@socpilot.example" {
		t.Fatalf("comments after POST: %v", cs)
	}
	for _, c := range cs {
		if len(c) != 3 {
			t.Errorf("alertComment keys: %v", c)
		}
	}

	// SecurityInsights sees it, authored by the caller.
	arm := values(t, call(t, s, "demo", http.MethodGet, "/incidents/11b09977-1546-59d1-b2f6-4c439aa16aff/comments", "", nil).json(t))
	last := props(t, arm[len(arm)-1])
	if last["message"] != "Posted through Graph" || last["author"].(map[string]any)["name"] != "analyst" {
		t.Errorf("Sentinel comment: %v", last)
	}

	// And the reverse: a comment PUT through SecurityInsights is in Graph's comments.
	r = call(t, s, "demo", http.MethodPut, "/incidents/11b09977-1546-59d1-b2f6-4c439aa16aff/comments/socpilot-1", "", map[string]any{"properties": map[string]any{"message": "Written through SecurityInsights"}})
	if r.Status != http.StatusCreated {
		t.Fatalf("PUT comment: %d %s", r.Status, r.Body)
	}
	inc := graphGet(t, s, "demo", "/incidents/48213", "").json(t)
	gcs := inc["comments"].([]any)
	if len(gcs) != 3 || gcs[2].(map[string]any)["comment"] != "Written through SecurityInsights" {
		t.Errorf("Graph comments: %v", gcs)
	}

	// Persisted: another server on the same directory sees the Graph comment.
	s2 := newGraphDemo(t, Options{StateDir: dir})
	if gcs := graphGet(t, s2, "demo", "/incidents/48213", "").json(t)["comments"].([]any); len(gcs) != 3 {
		t.Errorf("after reopening: %d comments", len(gcs))
	}

	for _, body := range []any{map[string]any{"comment": ""}, map[string]any{"text": "x"}, "not an object", map[string]any{"comment": strings.Repeat("x", MaxCommentChars+1)}} {
		if r := call(t, s, "demo", http.MethodPost, graphBase+"/incidents/48213/comments", "", body); r.Status != http.StatusBadRequest || r.graphError(t) != "BadRequest" {
			t.Errorf("bad comment %.40v: %d %s", body, r.Status, r.Body)
		}
	}
	if r := call(t, s, "demo", http.MethodPost, graphBase+"/incidents/424242/comments", "", map[string]any{"comment": "x"}); r.Status != http.StatusNotFound {
		t.Errorf("comment on missing incident: %d", r.Status)
	}
}

func TestGraphRunHuntingQuery(t *testing.T) {
	s := newGraphDemo(t, Options{})
	hunt := func(body any) reply {
		return call(t, s, "reader", http.MethodPost, graphBase+"/runHuntingQuery", "", body)
	}
	r := hunt(map[string]any{"Query": `DeviceProcessEvents | where InitiatingProcessFileName =~ "powershell.exe" | project Timestamp, FileName, InitiatingProcessFileName | order by Timestamp desc | limit 2`, "Timespan": "P90D"})
	if r.Status != http.StatusOK {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	m := r.json(t)
	sch := m["schema"].([]any)
	want := []string{"Timestamp:DateTime", "FileName:String", "InitiatingProcessFileName:String"}
	var got []string
	for _, c := range sch {
		cm := c.(map[string]any)
		got = append(got, cm["name"].(string)+":"+cm["type"].(string))
	}
	if !slices.Equal(got, want) {
		t.Errorf("schema %v, want %v", got, want)
	}
	if res, ok := m["results"].([]any); !ok || len(res) != 0 {
		t.Errorf("results = %v", m["results"])
	}
	if m["@odata.context"] != "https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.security.huntingQueryResults" {
		t.Errorf("@odata.context %v", m["@odata.context"])
	}
	// The SDK's path spells the action with its namespace.
	if r := call(t, s, "demo", http.MethodPost, graphBase+"/microsoft.graph.security.runHuntingQuery", "", map[string]any{"Query": "EmailEvents | take 0"}); r.Status != http.StatusOK {
		t.Errorf("namespaced action: %d %s", r.Status, r.Body)
	}
	for _, tc := range []struct {
		body any
		msg  string
	}{
		{map[string]any{"Query": "DeviceProcessEvents | where ("}, "could not be parsed"},
		{map[string]any{"Query": "NoSuchTable | take 1"}, "Failed to resolve table or column expression named 'NoSuchTable'"},
		{map[string]any{"Query": "DeviceProcessEvents | where Foo == 1"}, "Failed to resolve scalar expression named 'Foo'"},
		{map[string]any{"Timespan": "P1D"}, "'Query' is required"},
		{map[string]any{"Query": "DeviceEvents", "Timespan": "yesterday"}, "Timespan"},
	} {
		r := hunt(tc.body)
		if r.Status != http.StatusBadRequest || r.graphError(t) != "BadRequest" {
			t.Errorf("%v: %d %s", tc.body, r.Status, r.Body)
			continue
		}
		if msg := r.json(t)["error"].(map[string]any)["message"].(string); !strings.Contains(msg, tc.msg) {
			t.Errorf("%v: message %q lacks %q", tc.body, msg, tc.msg)
		}
	}
	for _, ts := range []string{"P30D", "PT12H", "2024-02-01T08:00:00Z", "2024-02-01T08:00:00Z/2024-02-15T08:00:00Z", "P30D/2024-02-15T08:00:00Z", "2024-02-01T08:00:00Z/P30D"} {
		if !validTimespan(ts) {
			t.Errorf("valid timespan %s refused", ts)
		}
	}
}

func TestGraphErrors(t *testing.T) {
	s := newGraphDemo(t, Options{})
	if r := graphGet(t, s, "", "/incidents", ""); r.Status != http.StatusUnauthorized || r.graphError(t) != "InvalidAuthenticationToken" || r.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("no token: %d %s", r.Status, r.Body)
	}
	r := graphGet(t, s, TokenExpired, "/incidents", "")
	if r.Status != http.StatusUnauthorized || r.graphError(t) != "InvalidAuthenticationToken" || !strings.Contains(string(r.Body), "expired") {
		t.Errorf("expired: %d %s", r.Status, r.Body)
	}
	if r.Header.Get("request-id") == "" || r.Header.Get("client-request-id") == "" {
		t.Errorf("no request-id headers: %v", r.Header)
	}
	// A reader reads, but may not comment.
	if r := graphGet(t, s, TokenReader, "/incidents/48213", ""); r.Status != http.StatusOK {
		t.Errorf("reader GET: %d", r.Status)
	}
	r = call(t, s, TokenReader, http.MethodPost, graphBase+"/incidents/48213/comments", "", map[string]any{"comment": "x"})
	if r.Status != http.StatusForbidden || r.graphError(t) != "Authorization_RequestDenied" || !strings.Contains(string(r.Body), "SecurityIncident.ReadWrite.All") {
		t.Errorf("reader POST comment: %d %s", r.Status, r.Body)
	}

	s.ResetRequests()
	for _, tc := range []struct{ method, path string }{
		{http.MethodGet, "/v1.0/security/secureScores"},
		{http.MethodGet, "/v1.0/me"},
		{http.MethodPatch, "/v1.0/security/incidents/48213"},
		{http.MethodGet, "/v1.0/security/incidents/48213/comments"},
	} {
		r := call(t, s, "demo", tc.method, "https://graph.microsoft.com"+tc.path, "", nil)
		if r.Status != http.StatusNotFound && r.Status != http.StatusMethodNotAllowed {
			t.Errorf("%s %s: %d", tc.method, tc.path, r.Status)
		}
		r.graphError(t)
	}
	for _, req := range s.Requests() {
		if !req.Unimplemented {
			t.Errorf("%s %s not flagged unimplemented", req.Method, req.Path)
		}
	}

	// Injected throttling answers 429 with Retry-After in Graph's shape.
	s.InjectFault(Fault{Match: "/v1.0/security/incidents", Status: http.StatusTooManyRequests, RetryAfter: 3 * time.Second, Times: 1})
	r = graphGet(t, s, "demo", "/incidents", "")
	if r.Status != http.StatusTooManyRequests || r.graphError(t) != "TooManyRequests" || r.Header.Get("Retry-After") != "3" {
		t.Errorf("fault: %d %v %s", r.Status, r.Header, r.Body)
	}
	if r := graphGet(t, s, "demo", "/incidents", ""); r.Status != http.StatusOK {
		t.Errorf("after the fault: %d", r.Status)
	}
}

func TestGraphThrottlingModel(t *testing.T) {
	now := DatasetAnchor
	s := newGraphDemo(t, Options{Throttle: true, Now: func() time.Time { return now }})
	var last reply
	for i := 0; i < readCapacity+1; i++ {
		last = graphGet(t, s, "demo", "/incidents", "$top=1")
	}
	if last.Status != http.StatusTooManyRequests || last.graphError(t) != "TooManyRequests" || last.Header.Get("Retry-After") == "" {
		t.Fatalf("after %d reads: %d %s", readCapacity+1, last.Status, last.Body)
	}
	now = now.Add(time.Second)
	if r := graphGet(t, s, "demo", "/incidents", "$top=1"); r.Status != http.StatusOK {
		t.Errorf("after refill: %d", r.Status)
	}
}

// TestGraphContract checks the replies against the shapes of the examples
// in the Graph v1.0 reference (List incidents with $expand=alerts, Create
// comment, runHuntingQuery): every documented key is present with the
// documented JSON type.
func TestGraphContract(t *testing.T) {
	s := newGraphDemo(t, Options{})
	type kind int
	const (
		str kind = iota
		strOrNull
		list
		object
		objOrNull
		num
	)
	check := func(what string, m map[string]any, want map[string]kind) {
		t.Helper()
		for k, kd := range want {
			v, ok := m[k]
			if !ok {
				t.Errorf("%s lacks %s", what, k)
				continue
			}
			var good bool
			switch kd {
			case str:
				_, good = v.(string)
			case strOrNull:
				_, good = v.(string)
				good = good || v == nil
			case list:
				_, good = v.([]any)
			case object:
				_, good = v.(map[string]any)
			case objOrNull:
				_, good = v.(map[string]any)
				good = good || v == nil
			case num:
				_, good = v.(float64)
			}
			if !good {
				t.Errorf("%s.%s = %#v has the wrong JSON type", what, k, v)
			}
		}
	}
	m := graphGet(t, s, "demo", "/incidents", "$expand=alerts").json(t)
	for _, inc := range values(t, m) {
		check("incident", inc, map[string]kind{
			"@odata.type": str, "id": str, "incidentWebUrl": str, "redirectIncidentId": strOrNull, "tenantId": str,
			"displayName": str, "createdDateTime": str, "lastUpdateDateTime": str, "assignedTo": strOrNull,
			"classification": str, "determination": str, "status": str, "severity": str, "customTags": list,
			"comments": list, "systemTags": list, "description": strOrNull, "alerts": list,
		})
		for _, a := range inc["alerts"].([]any) {
			check("alert", a.(map[string]any), map[string]kind{
				"@odata.type": str, "id": str, "providerAlertId": strOrNull, "incidentId": str, "status": str, "severity": str,
				"classification": str, "determination": str, "serviceSource": str, "detectionSource": str, "detectorId": strOrNull,
				"tenantId": str, "title": str, "description": strOrNull, "recommendedActions": strOrNull, "category": strOrNull,
				"assignedTo": strOrNull, "alertWebUrl": str, "incidentWebUrl": str, "actorDisplayName": strOrNull,
				"threatDisplayName": strOrNull, "threatFamilyName": strOrNull, "mitreTechniques": list, "createdDateTime": str,
				"lastUpdateDateTime": str, "resolvedDateTime": strOrNull, "firstActivityDateTime": strOrNull,
				"lastActivityDateTime": strOrNull, "comments": list, "evidence": list,
			})
			for _, e := range a.(map[string]any)["evidence"].([]any) {
				ev := e.(map[string]any)
				switch ev["@odata.type"] {
				case "#microsoft.graph.security.deviceEvidence":
					check("deviceEvidence", ev, map[string]kind{"mdeDeviceId": strOrNull, "deviceDnsName": strOrNull, "osPlatform": strOrNull,
						"healthStatus": str, "riskScore": str, "rbacGroupId": num, "onboardingStatus": str, "defenderAvStatus": str,
						"ipInterfaces": list, "loggedOnUsers": list, "roles": list, "tags": list, "vmMetadata": objOrNull})
				case "#microsoft.graph.security.fileEvidence":
					check("fileEvidence", ev, map[string]kind{"fileDetails": object, "mdeDeviceId": strOrNull})
					check("fileDetails", ev["fileDetails"].(map[string]any), map[string]kind{"sha1": strOrNull, "sha256": strOrNull, "fileName": strOrNull,
						"filePath": strOrNull, "filePublisher": strOrNull, "signer": strOrNull, "issuer": strOrNull})
				case "#microsoft.graph.security.processEvidence":
					check("processEvidence", ev, map[string]kind{"processId": num, "processCommandLine": strOrNull, "processCreationDateTime": strOrNull,
						"imageFile": objOrNull, "parentProcessImageFile": objOrNull, "userAccount": objOrNull, "mdeDeviceId": strOrNull})
					if ua, ok := ev["userAccount"].(map[string]any); ok {
						check("userAccount", ua, map[string]kind{"accountName": strOrNull, "domainName": strOrNull, "userSid": strOrNull,
							"azureAdUserId": strOrNull, "userPrincipalName": strOrNull})
					}
				case "#microsoft.graph.security.registryKeyEvidence":
					check("registryKeyEvidence", ev, map[string]kind{"registryKey": strOrNull, "registryHive": strOrNull})
				}
			}
		}
	}
	r := call(t, s, "demo", http.MethodPost, graphBase+"/incidents/101/comments", "", map[string]any{"@odata.type": "microsoft.graph.security.alertComment", "comment": "Demo for docs"})
	cm := r.json(t)
	check("comments reply", cm, map[string]kind{"@odata.context": str, "value": list})
	for _, c := range values(t, cm) {
		check("alertComment", c, map[string]kind{"comment": str, "createdByDisplayName": strOrNull, "createdDateTime": str})
	}
	h := call(t, s, "demo", http.MethodPost, graphBase+"/runHuntingQuery", "", map[string]any{"Query": "DeviceProcessEvents"}).json(t)
	check("huntingQueryResults", h, map[string]kind{"@odata.context": str, "schema": list, "results": list})
	if len(h["schema"].([]any)) == 0 {
		t.Error("DeviceProcessEvents has no schema columns")
	}
	for _, c := range h["schema"].([]any) {
		check("singlePropertySchema", c.(map[string]any), map[string]kind{"name": str, "type": str})
	}
}
