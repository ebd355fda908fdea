package graph

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/socpilot/socpilot"
)

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// The documented GET /security/incidents/{id} answer (UpperCamel enum
// spellings) maps onto a Sentinel-shaped incident.
func TestContractIncidentGet(t *testing.T) {
	got, err := DecodeIncident(fixture(t, "incident-get.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := socpilot.Incident{
		ID: "/security/incidents/2972395", Name: "2972395", Number: 2972395,
		Title:                "Multi-stage incident involving Initial access & Command and control on multiple endpoints reported by multiple sources",
		Description:          "Microsoft observed Raspberry Robin worm activity spreading through infected USB on multiple devices in your environment. From available intel, these infections could be a potential precursor activity to ransomware deployment. ...",
		Severity:             "Medium",
		Status:               "New", // Graph's "Active" means open and untouched: Sentinel's New
		Classification:       "TruePositive",
		ClassificationReason: "MultiStagedAttack",
		Owner:                socpilot.Owner{AssignedTo: "KaiC@contoso.onmicrosoft.com", UserPrincipalName: "KaiC@contoso.onmicrosoft.com"},
		Labels:               []string{"Demo", "Defender Experts"},
		CreatedTime:          ts("2021-08-13T08:43:35.5533333Z"),
		LastModifiedTime:     ts("2021-09-30T09:35:45.1133333Z"),
		Tactics:              []string{}, Techniques: []string{}, AlertProductNames: []string{}, RelatedAnalyticRuleIDs: []string{},
		CommentsCount: 1, ProviderName: "Microsoft XDR", ProviderIncidentID: "2972395",
		URL: "https://security.microsoft.com/incidents/2972395?tid=12f988bf-16f1-11af-11ab-1d7cd011db47",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("incident (-want +got):\n%s", diff)
	}
}

// The documented $expand=alerts answer: alert fields, and evidence as
// entities with Sentinel's kinds, property names and links.
func TestContractListExpandAlerts(t *testing.T) {
	var p page[json.RawMessage]
	if err := json.Unmarshal(fixture(t, "incidents-list-expand-alerts.json"), &p); err != nil || len(p.Value) != 1 {
		t.Fatalf("fixture: %v, %d incidents", err, len(p.Value))
	}
	d, err := DecodeDetails(p.Value[0])
	if err != nil {
		t.Fatal(err)
	}
	inc := d.Incident
	if inc.Status != "New" || inc.Severity != "Medium" || inc.Classification != "TruePositive" || inc.ClassificationReason != "MultiStagedAttack" {
		t.Errorf("lowerCamel enums: status %q severity %q classification %q reason %q", inc.Status, inc.Severity, inc.Classification, inc.ClassificationReason)
	}
	if diff := cmp.Diff([]string{"Defender Experts"}, inc.Labels); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
	if inc.AlertsCount != 1 || !cmp.Equal(inc.Tactics, []string{"DefenseEvasion"}) || !cmp.Equal(inc.Techniques, []string{"T1564.001"}) ||
		!cmp.Equal(inc.AlertProductNames, []string{"Microsoft Defender for Endpoint"}) {
		t.Errorf("alert roll-up: %d alerts, tactics %v, techniques %v, products %v", inc.AlertsCount, inc.Tactics, inc.Techniques, inc.AlertProductNames)
	}
	if !inc.FirstActivityTime.Equal(ts("2021-04-26T07:45:50.116Z")) || !inc.LastActivityTime.Equal(ts("2021-05-02T07:56:58.222Z")) {
		t.Errorf("activity %v .. %v", inc.FirstActivityTime, inc.LastActivityTime)
	}

	if len(d.Alerts) != 1 {
		t.Fatalf("%d alerts", len(d.Alerts))
	}
	a := d.Alerts[0]
	wantAlert := socpilot.Alert{
		ID: "/security/alerts_v2/da637551227677560813_-961444813", SystemAlertID: "da637551227677560813_-961444813",
		DisplayName: "Suspicious execution of hidden file", Severity: "Low", Status: "New",
		ProductName: "Microsoft Defender for Endpoint", VendorName: "Microsoft",
		ProviderAlertID: "da637551227677560813_-961444813", AlertType: "e0da400f-affd-43ef-b1d5-afc2eb6f2756",
		Tactics: []string{"DefenseEvasion"}, Techniques: []string{"T1564.001"},
		StartTime: ts("2021-04-26T07:45:50.116Z"), EndTime: ts("2021-05-02T07:56:58.222Z"), TimeGenerated: ts("2021-04-27T12:19:27.7211305Z"),
	}
	opts := cmpopts.IgnoreFields(socpilot.Alert{}, "Description", "RemediationSteps", "AdditionalData")
	if diff := cmp.Diff(wantAlert, a, opts); diff != "" {
		t.Errorf("alert (-want +got):\n%s", diff)
	}
	if len(a.RemediationSteps) != 11 || a.RemediationSteps[0] != "Collect artifacts and determine scope" {
		t.Errorf("remediation steps %q", a.RemediationSteps)
	}
	if a.AdditionalData["alertWebUrl"] != "https://security.microsoft.com/alerts/da637551227677560813_-961444813?tid=b3c1b5fc-828c-45fa-a1e1-10d74f6d6e9c" || a.AdditionalData["detectionSource"] != "antivirus" {
		t.Errorf("additionalData %v", a.AdditionalData)
	}

	byKind := map[string][]socpilot.Entity{}
	byID := map[string]socpilot.Entity{}
	for _, e := range d.Entities {
		byKind[e.Kind] = append(byKind[e.Kind], e)
		byID[e.ID] = e
	}
	counts := map[string]int{}
	for k, es := range byKind {
		counts[k] = len(es)
	}
	// The image file of the process is the file evidence (same sha256): one
	// File for it, one for services.exe, and its two hashes.
	wantCounts := map[string]int{"Host": 1, "File": 2, "FileHash": 2, "Process": 2, "Account": 1, "RegistryKey": 1}
	if diff := cmp.Diff(wantCounts, counts); diff != "" {
		t.Fatalf("entity kinds (-want +got):\n%s", diff)
	}
	host := byKind["Host"][0]
	if host.Prop("hostName") != "tempDns" || host.Prop("osFamily") != "Windows" || host.Value() != "tempDns" {
		t.Errorf("host %v", host.Properties)
	}
	if ad, _ := host.Properties["additionalData"].(map[string]any); ad["MdatpDeviceId"] != "73e7e2de709dff64ef64b1d0c30e67fab63279db" || !cmp.Equal(ad["roles"], []any{"compromised"}) {
		t.Errorf("host additionalData %v", ad)
	}
	var proc, parent socpilot.Entity
	for _, p := range byKind["Process"] {
		if p.Prop("processId") == "4780" {
			proc = p
		} else {
			parent = p
		}
	}
	if proc.Prop("commandLine") != `"MsSense.exe"` || proc.Prop("creationTimeUtc") != "2021-08-12T12:43:19.0772577Z" {
		t.Errorf("process %v", proc.Properties)
	}
	if img := byID[proc.Prop("imageFileEntityId")]; img.Prop("fileName") != "MsSense.exe" || img.Prop("directory") != `C:\Program Files\temp` {
		t.Errorf("image file %v", img.Properties)
	}
	if parent.ID != proc.Prop("parentProcessEntityId") || parent.Prop("processId") != "668" || byID[parent.Prop("imageFileEntityId")].Prop("fileName") != "services.exe" {
		t.Errorf("parent process %v", parent.Properties)
	}
	if acct := byID[proc.Prop("accountEntityId")]; acct.Prop("accountName") != "SYSTEM" || acct.Prop("ntDomain") != "NT AUTHORITY" || acct.Prop("sid") != "S-1-5-18" {
		t.Errorf("process account %v", acct.Properties)
	}
	if proc.Prop("hostEntityId") != host.ID {
		t.Errorf("process hostEntityId %q, want %q", proc.Prop("hostEntityId"), host.ID)
	}
	file := byID[proc.Prop("imageFileEntityId")]
	var hashes []string
	for _, id := range file.Properties["fileHashEntityIds"].([]any) {
		h := byID[id.(string)]
		hashes = append(hashes, h.Prop("algorithm")+"="+h.Value())
	}
	if diff := cmp.Diff([]string{"SHA256=8963a19fb992ad9a76576c5638fd68292cffb9aaac29eb8285f9abf6196a7dec", "SHA1=5f1e8acedc065031aad553b710838eb366cfee9a"}, hashes); diff != "" {
		t.Errorf("file hashes (-want +got):\n%s", diff)
	}
	if rk := byKind["RegistryKey"][0]; rk.Prop("hive") != "HKEY_LOCAL_MACHINE" || rk.Value() != `SYSTEM\CONTROLSET001\CONTROL\WMI\AUTOLOGGER\SENSEAUDITLOGGER` {
		t.Errorf("registry key %v", rk.Properties)
	}

	if len(d.Comments) != 1 || d.Comments[0].Text() != "Demo incident" || d.Comments[0].Author != "DavidS@contoso.onmicrosoft.com" ||
		!d.Comments[0].CreatedTime.Equal(ts("2021-09-30T12:07:37.2756993Z")) {
		t.Errorf("comments %+v", d.Comments)
	}
	if d.Tasks == nil || d.Bookmarks == nil || d.Relations == nil {
		t.Error("Graph has no tasks, bookmarks or relations: want empty lists, not nil")
	}
}

// Every other evidence type of the v1.0 resource pages (constructed
// fixture, see testdata/SOURCES.md).
func TestContractEvidenceTypes(t *testing.T) {
	d, err := DecodeDetails(fixture(t, "evidence-types.json"))
	if err != nil {
		t.Fatal(err)
	}
	if d.Incident.Status != "Active" || d.Incident.Severity != "High" {
		t.Errorf("awaitingAction/high → %q/%q, want Active/High", d.Incident.Status, d.Incident.Severity)
	}
	if !cmp.Equal(d.Incident.Tactics, []string{"InitialAccess", "Persistence"}) {
		t.Errorf("tactics %v", d.Incident.Tactics)
	}
	if d.Alerts[0].Status != "InProgress" || d.Alerts[1].ProductName != "Microsoft Defender for Cloud" {
		t.Errorf("alerts %+v", d.Alerts)
	}
	type row struct{ Kind, Value string }
	var got []row
	byID := map[string]socpilot.Entity{}
	byKind := map[string]socpilot.Entity{}
	for _, e := range d.Entities {
		got = append(got, row{e.Kind, e.Value()})
		byID[e.ID] = e
		byKind[e.Kind] = e
		if e.FriendlyName() == "" {
			t.Errorf("%s %s has no friendlyName", e.Kind, e.Value())
		}
	}
	want := []row{
		{"Account", "lynne.robbins@contoso.com"},
		{"Ip", "203.0.113.61"},
		{"Url", "http://198.51.100.77/a/stage1.ps1"},
		{"Mailbox", "lynne.robbins@contoso.com"},
		{"MailMessage", "RE: Overdue invoice Q4 - final reminder"},
		{"CloudApplication", "Microsoft SharePoint Online"},
		{"CloudApplication", "DocuSign eSignature Sync"},
		{"RegistryKey", `SOFTWARE\Microsoft\Windows\CurrentVersion\Run`},
		{"RegistryValue", "WinSvcHost"},
		{"Host", "ws-fin-023.contoso.local"},
		{"AzureResource", "/subscriptions/c3a1e0f2-5b7d-4e8a-9f61-2d4b8c7e9a13/resourceGroups/rg-prod/providers/Microsoft.Compute/virtualMachines/FS-CORP-01"},
		{"SecurityGroup", "642f96e2-8582-5349-bca9-2543c50798ef"},
		{"MailCluster", `(Sender:"accounts@fabrikam-invoicing.com")`},
		{"AmazonResource", "i-0abc"},
		{"KubernetesPod", "miner-7d9f"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entities (-want +got):\n%s", diff)
	}
	acct := byKind["Account"]
	if acct.Prop("accountName") != "lynne.robbins" || acct.Prop("upnSuffix") != "contoso.com" || acct.Prop("aadUserId") != "778360ad-b2dc-5eab-bde0-95ecf313ff12" || acct.Prop("ntDomain") != "CONTOSO" {
		t.Errorf("account %v", acct.Properties)
	}
	// Seen by both alerts: one entity, roles united.
	if ad := acct.Properties["additionalData"].(map[string]any); !cmp.Equal(ad["roles"], []any{"compromised", "attacked"}) {
		t.Errorf("account roles %v", ad["roles"])
	}
	if ip := byKind["Ip"]; ip.Properties["location"].(map[string]any)["countryCode"] != "NL" {
		t.Errorf("ip %v", ip.Properties)
	}
	msg := byKind["MailMessage"]
	for k, v := range map[string]string{"senderIP": "203.0.113.61", "recipient": "lynne.robbins@contoso.com", "p1Sender": "accounts@fabrikam-invoicing.com",
		"p2SenderDomain": "fabrikam-invoicing.com", "deliveryAction": "Delivered", "deliveryLocation": "Inbox", "antispamDirection": "Inbound",
		"networkMessageId": "19872972-ebcd-57c4-9781-8db54c09b765", "receiveDate": "2026-01-06T13:48:27Z", "attachmentsCount": "1"} {
		if msg.Prop(k) != v {
			t.Errorf("mail message %s = %q, want %q", k, msg.Prop(k), v)
		}
	}
	if mb := byKind["Mailbox"]; mb.Prop("mailboxPrimaryAddress") != "lynne.robbins@contoso.com" || mb.Prop("externalDirectoryObjectId") != "778360ad-b2dc-5eab-bde0-95ecf313ff12" {
		t.Errorf("mailbox %v", mb.Properties)
	}
	var oauth socpilot.Entity
	for _, e := range d.Entities {
		if e.Kind == "CloudApplication" && e.Properties["isOAuthApplication"] == true {
			oauth = e
		}
	}
	if ad, _ := oauth.Properties["additionalData"].(map[string]any); ad["OAuthAppId"] != "41352708-d03e-5e6d-94b6-b44066765366" || ad["Publisher"] != "Unverified" {
		t.Errorf("oauth app %v", oauth.Properties)
	}
	rv := byKind["RegistryValue"]
	if byID[rv.Prop("keyEntityId")].Kind != "RegistryKey" || rv.Prop("valueData") != `C:\ProgramData\WinSvc\svchst.exe` || rv.Prop("hostEntityId") != byKind["Host"].ID {
		t.Errorf("registry value %v", rv.Properties)
	}
	if h := byKind["Host"]; h.Prop("hostName") != "ws-fin-023" || h.Prop("dnsDomain") != "contoso.local" {
		t.Errorf("host %v", h.Properties)
	}
	if ar := byKind["AzureResource"]; ar.Prop("subscriptionId") != "c3a1e0f2-5b7d-4e8a-9f61-2d4b8c7e9a13" {
		t.Errorf("azure resource %v", ar.Properties)
	}
	if k := byKind["KubernetesPod"]; k.Properties["podIp"].(map[string]any)["ipAddress"] != "10.244.1.17" {
		t.Errorf("generic evidence keeps its fields: %v", k.Properties)
	}
	// Ids are stable across reads.
	again, _ := DecodeDetails(fixture(t, "evidence-types.json"))
	for i := range d.Entities {
		if d.Entities[i].ID != again.Entities[i].ID || !strings.HasPrefix(d.Entities[i].ID, "/security/incidents/48377/entities/") {
			t.Fatalf("entity id %q then %q", d.Entities[i].ID, again.Entities[i].ID)
		}
	}
}

func TestStatusAndSeverityMapping(t *testing.T) {
	for _, tc := range []struct{ graph, want string }{
		{"active", "New"}, {"inProgress", "Active"}, {"awaitingAction", "Active"}, {"resolved", "Closed"}, {"redirected", "Closed"}, {"Resolved", "Closed"},
	} {
		if got := incidentStatus(tc.graph); got != tc.want {
			t.Errorf("status %q → %q, want %q", tc.graph, got, tc.want)
		}
	}
	for _, tc := range []struct{ graph, want string }{
		{"high", "High"}, {"medium", "Medium"}, {"low", "Low"}, {"informational", "Informational"}, {"unknown", "Informational"}, {"HIGH", "High"},
	} {
		if got := severity(tc.graph); got != tc.want {
			t.Errorf("severity %q → %q, want %q", tc.graph, got, tc.want)
		}
	}
	for _, tc := range []struct{ graph, want string }{
		{"truePositive", "TruePositive"}, {"falsePositive", "FalsePositive"}, {"informationalExpectedActivity", "BenignPositive"}, {"unknown", ""},
	} {
		if got := classification(tc.graph); got != tc.want {
			t.Errorf("classification %q → %q, want %q", tc.graph, got, tc.want)
		}
	}
	inc := convertIncident(wireIncident{ID: "9", Status: "redirected", RedirectIncidentID: "12"})
	if !strings.Contains(inc.ClassificationComment, "12") {
		t.Errorf("a redirected incident names its target: %q", inc.ClassificationComment)
	}
}
