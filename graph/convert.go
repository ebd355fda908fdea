package graph

import (
	"encoding/json"
	"fmt"
	"html"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/socpilot/socpilot"
)

// How a Graph security incident (microsoft.graph.security.incident, v1.0)
// becomes a socpilot.Incident. Enum values are matched case-insensitively:
// the documented examples spell them both "truePositive" and "TruePositive".
//
//	Graph incident            socpilot.Incident
//	------------------------  -----------------------------------------------------------
//	id ("2972395")            Number (2972395), Name ("2972395"), ProviderIncidentID,
//	                          ID ("/security/incidents/2972395")
//	displayName               Title
//	description               Description
//	severity                  Severity: high→High, medium→Medium, low→Low,
//	                          informational→Informational, unknown→Informational
//	                          (Sentinel has no "unknown"; triage then weighs it least)
//	status                    Status: active→New, inProgress→Active, awaitingAction→Active,
//	                          resolved→Closed, redirected→Closed. The domain type has no
//	                          field for the raw value: a redirected incident says so in
//	                          ClassificationComment ("merged into incident N", from
//	                          redirectIncidentId); awaitingAction (Defender Experts wait
//	                          for you) is indistinguishable from inProgress after mapping
//	classification            Classification: truePositive→TruePositive,
//	                          falsePositive→FalsePositive,
//	                          informationalExpectedActivity→BenignPositive, unknown→""
//	determination             ClassificationReason, as Graph names it in UpperCamel
//	                          (multiStagedAttack→MultiStagedAttack); unknown→""
//	assignedTo                Owner.AssignedTo, and Owner.UserPrincipalName when it is a UPN
//	createdDateTime           CreatedTime
//	lastUpdateDateTime        LastModifiedTime (the poller's watermark)
//	incidentWebUrl            URL
//	customTags + systemTags   Labels (in that order, without repeats)
//	comments                  CommentsCount (and Comments of IncidentDetails)
//	alerts ($expand)          AlertsCount, Tactics, Techniques, AlertProductNames,
//	                          FirstActivityTime/LastActivityTime (earliest/latest alert
//	                          activity); without $expand they stay empty
//	tenantId                  not carried: the domain type has no tenant
//	(constant)                ProviderName "Microsoft XDR", as Sentinel names unified incidents
//
// Alerts (microsoft.graph.security.alert, alerts_v2) become socpilot.Alert:
//
//	Graph alert               socpilot.Alert
//	------------------------  -----------------------------------------------------------
//	id                        SystemAlertID, and ID "/security/alerts_v2/{id}"
//	title, description        DisplayName, Description
//	severity                  Severity, as for incidents
//	status                    Status: new→New, inProgress→InProgress, resolved→Resolved
//	serviceSource             ProductName ("Microsoft Defender for Endpoint", ...), VendorName "Microsoft"
//	providerAlertId           ProviderAlertID
//	detectorId                AlertType (it names the detection, as Sentinel's alertType does)
//	category                  Tactics when it is an ATT&CK tactic (DefenseEvasion, ...)
//	mitreTechniques           Techniques, as given (sub-techniques such as T1564.001 kept)
//	firstActivityDateTime     StartTime
//	lastActivityDateTime      EndTime
//	createdDateTime           TimeGenerated
//	recommendedActions        RemediationSteps, one per non-empty line
//	alertWebUrl, category,    AdditionalData, under Graph's names
//	detectionSource, ...
//	evidence                  Entities of IncidentDetails (see evidence.go)
//
// Comments (microsoft.graph.security.alertComment) are plain text in the
// Defender portal; socpilot.Comment.Message is limited HTML, so the text is
// HTML-escaped on the way in and Comment.Text() gives it back unchanged.
// Graph comments have no id: Name is the comment's position in the
// append-only list ("0", "1", ...).
const ProviderName = "Microsoft XDR"

// wireIncident is a Graph security incident as the service sends it.
type wireIncident struct {
	ID                 string        `json:"id"`
	IncidentWebURL     string        `json:"incidentWebUrl"`
	TenantID           string        `json:"tenantId"`
	RedirectIncidentID string        `json:"redirectIncidentId"`
	DisplayName        string        `json:"displayName"`
	Description        string        `json:"description"`
	CreatedDateTime    string        `json:"createdDateTime"`
	LastUpdateDateTime string        `json:"lastUpdateDateTime"`
	AssignedTo         string        `json:"assignedTo"`
	Classification     string        `json:"classification"`
	Determination      string        `json:"determination"`
	Status             string        `json:"status"`
	Severity           string        `json:"severity"`
	CustomTags         []string      `json:"customTags"`
	SystemTags         []string      `json:"systemTags"`
	Comments           []wireComment `json:"comments"`
	Alerts             []wireAlert   `json:"alerts"`
}

// wireComment is an alertComment. The incident examples of the API
// reference show an older shape (createdBy, createdTime); both are read.
type wireComment struct {
	Comment              string `json:"comment"`
	CreatedByDisplayName string `json:"createdByDisplayName"`
	CreatedDateTime      string `json:"createdDateTime"`
	CreatedBy            string `json:"createdBy"`
	CreatedTime          string `json:"createdTime"`
}

// wireAlert is an alerts_v2 alert.
type wireAlert struct {
	ID                    string           `json:"id"`
	ProviderAlertID       string           `json:"providerAlertId"`
	IncidentID            string           `json:"incidentId"`
	Status                string           `json:"status"`
	Severity              string           `json:"severity"`
	Classification        string           `json:"classification"`
	Determination         string           `json:"determination"`
	ServiceSource         string           `json:"serviceSource"`
	DetectionSource       string           `json:"detectionSource"`
	DetectorID            string           `json:"detectorId"`
	TenantID              string           `json:"tenantId"`
	Title                 string           `json:"title"`
	Description           string           `json:"description"`
	RecommendedActions    string           `json:"recommendedActions"`
	Category              string           `json:"category"`
	AssignedTo            string           `json:"assignedTo"`
	AlertWebURL           string           `json:"alertWebUrl"`
	IncidentWebURL        string           `json:"incidentWebUrl"`
	ActorDisplayName      string           `json:"actorDisplayName"`
	ThreatDisplayName     string           `json:"threatDisplayName"`
	ThreatFamilyName      string           `json:"threatFamilyName"`
	MitreTechniques       []string         `json:"mitreTechniques"`
	CreatedDateTime       string           `json:"createdDateTime"`
	LastUpdateDateTime    string           `json:"lastUpdateDateTime"`
	ResolvedDateTime      string           `json:"resolvedDateTime"`
	FirstActivityDateTime string           `json:"firstActivityDateTime"`
	LastActivityDateTime  string           `json:"lastActivityDateTime"`
	SystemTags            []string         `json:"systemTags"`
	Evidence              []map[string]any `json:"evidence"`
}

// incidentPath is the domain ID of a Graph incident.
func incidentPath(id string) string { return "/security/incidents/" + id }

// parseTime reads a Graph DateTimeOffset; "" and unparsable values are zero.
func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

func convertIncident(in wireIncident) socpilot.Incident {
	out := socpilot.Incident{
		ID: incidentPath(in.ID), Name: in.ID, Title: in.DisplayName, Description: in.Description,
		Severity: severity(in.Severity), Status: incidentStatus(in.Status),
		Classification: classification(in.Classification), ClassificationReason: determination(in.Determination),
		Owner:       socpilot.Owner{AssignedTo: in.AssignedTo},
		Labels:      []string{},
		CreatedTime: parseTime(in.CreatedDateTime), LastModifiedTime: parseTime(in.LastUpdateDateTime),
		Tactics: []string{}, Techniques: []string{}, AlertProductNames: []string{}, RelatedAnalyticRuleIDs: []string{},
		CommentsCount: len(in.Comments),
		ProviderName:  ProviderName, ProviderIncidentID: in.ID, URL: in.IncidentWebURL,
	}
	out.Number, _ = strconv.Atoi(in.ID)
	if strings.Contains(in.AssignedTo, "@") {
		out.Owner.UserPrincipalName = in.AssignedTo
	}
	if strings.EqualFold(in.Status, "redirected") && in.RedirectIncidentID != "" {
		out.ClassificationComment = "Merged into incident " + in.RedirectIncidentID + " (Microsoft Defender status redirected)"
	}
	for _, l := range slices.Concat(in.CustomTags, in.SystemTags) {
		if l != "" && !slices.Contains(out.Labels, l) {
			out.Labels = append(out.Labels, l)
		}
	}
	out.AlertsCount = len(in.Alerts)
	for _, a := range in.Alerts {
		al := convertAlert(a)
		out.Tactics = appendNew(out.Tactics, al.Tactics...)
		out.Techniques = appendNew(out.Techniques, al.Techniques...)
		if al.ProductName != "" {
			out.AlertProductNames = appendNew(out.AlertProductNames, al.ProductName)
		}
		if t := al.StartTime; !t.IsZero() && (out.FirstActivityTime.IsZero() || t.Before(out.FirstActivityTime)) {
			out.FirstActivityTime = t
		}
		if t := al.EndTime; t.After(out.LastActivityTime) {
			out.LastActivityTime = t
		}
	}
	return out
}

func appendNew(dst []string, vs ...string) []string {
	for _, v := range vs {
		if !slices.Contains(dst, v) {
			dst = append(dst, v)
		}
	}
	return dst
}

// severity maps Graph's alertSeverity onto Sentinel's spelling.
func severity(s string) string {
	switch strings.ToLower(s) {
	case "high":
		return socpilot.SeverityHigh
	case "medium":
		return socpilot.SeverityMedium
	case "low":
		return socpilot.SeverityLow
	case "informational", "unknown", "unknownfuturevalue", "":
		return socpilot.SeverityInformational
	}
	return upperFirst(s)
}

// incidentStatus maps Graph's incidentStatus onto Sentinel's three.
func incidentStatus(s string) string {
	switch strings.ToLower(s) {
	case "active":
		return "New"
	case "inprogress", "awaitingaction":
		return "Active"
	case "resolved", "redirected":
		return "Closed"
	}
	return upperFirst(s)
}

// graphStatuses is the inverse of incidentStatus, for $filter.
var graphStatuses = map[string][]string{
	"new":    {"active"},
	"active": {"inProgress", "awaitingAction"},
	"closed": {"resolved", "redirected"},
}

func alertStatus(s string) string {
	switch strings.ToLower(s) {
	case "new":
		return "New"
	case "inprogress":
		return "InProgress"
	case "resolved":
		return "Resolved"
	case "", "unknown", "unknownfuturevalue":
		return ""
	}
	return upperFirst(s)
}

func classification(s string) string {
	switch strings.ToLower(s) {
	case "truepositive":
		return "TruePositive"
	case "falsepositive":
		return "FalsePositive"
	case "informationalexpectedactivity":
		return "BenignPositive"
	case "", "unknown", "unknownfuturevalue":
		return ""
	}
	return upperFirst(s)
}

func determination(s string) string {
	switch strings.ToLower(s) {
	case "", "unknown", "unknownfuturevalue":
		return ""
	}
	return upperFirst(s)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

// productNames names each serviceSource as the Defender portal and
// Sentinel's alertProductNames do today.
var productNames = map[string]string{
	"microsoftdefenderforendpoint":   "Microsoft Defender for Endpoint",
	"microsoftdefenderforidentity":   "Microsoft Defender for Identity",
	"microsoftdefenderforcloudapps":  "Microsoft Defender for Cloud Apps",
	"microsoftdefenderforoffice365":  "Microsoft Defender for Office 365",
	"microsoft365defender":           "Microsoft Defender XDR",
	"azureadidentityprotection":      "Microsoft Entra ID Protection",
	"microsoftappgovernance":         "Microsoft App Governance",
	"datalossprevention":             "Microsoft Purview Data Loss Prevention",
	"microsoftdefenderforcloud":      "Microsoft Defender for Cloud",
	"microsoftsentinel":              "Microsoft Sentinel",
	"microsoftinsiderriskmanagement": "Microsoft Purview Insider Risk Management",
}

// tactics are the ATT&CK tactics as Sentinel spells them; an alert's
// category is one of them or a Defender category such as Malware.
var tactics = map[string]string{}

func init() {
	for _, t := range []string{"Reconnaissance", "ResourceDevelopment", "InitialAccess", "Execution", "Persistence",
		"PrivilegeEscalation", "DefenseEvasion", "CredentialAccess", "Discovery", "LateralMovement", "Collection",
		"CommandAndControl", "Exfiltration", "Impact", "PreAttack", "ImpairProcessControl", "InhibitResponseFunction"} {
		tactics[strings.ToLower(t)] = t
	}
}

func tacticOf(category string) (string, bool) {
	t, ok := tactics[strings.ToLower(strings.NewReplacer(" ", "", "-", "", "_", "").Replace(category))]
	return t, ok
}

func convertAlert(in wireAlert) socpilot.Alert {
	out := socpilot.Alert{
		ID: "/security/alerts_v2/" + in.ID, SystemAlertID: in.ID, DisplayName: in.Title, Description: in.Description,
		Severity: severity(in.Severity), Status: alertStatus(in.Status), VendorName: "Microsoft",
		ProviderAlertID: in.ProviderAlertID, AlertType: in.DetectorID,
		Tactics: []string{}, Techniques: []string{},
		StartTime: parseTime(in.FirstActivityDateTime), EndTime: parseTime(in.LastActivityDateTime),
		TimeGenerated: parseTime(in.CreatedDateTime),
	}
	if n, ok := productNames[strings.ToLower(in.ServiceSource)]; ok {
		out.ProductName = n
	} else {
		out.ProductName = upperFirst(in.ServiceSource)
	}
	if t, ok := tacticOf(in.Category); ok {
		out.Tactics = append(out.Tactics, t)
	}
	out.Techniques = appendNew(out.Techniques, in.MitreTechniques...)
	for _, line := range strings.Split(in.RecommendedActions, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out.RemediationSteps = append(out.RemediationSteps, line)
		}
	}
	ad := map[string]any{}
	for k, v := range map[string]string{
		"alertWebUrl": in.AlertWebURL, "category": in.Category, "serviceSource": in.ServiceSource,
		"detectionSource": in.DetectionSource, "classification": in.Classification, "determination": in.Determination,
		"incidentId": in.IncidentID, "tenantId": in.TenantID, "assignedTo": in.AssignedTo,
		"actorDisplayName": in.ActorDisplayName, "threatDisplayName": in.ThreatDisplayName,
		"threatFamilyName": in.ThreatFamilyName, "lastUpdateDateTime": in.LastUpdateDateTime,
		"resolvedDateTime": in.ResolvedDateTime,
	} {
		if v != "" {
			ad[k] = v
		}
	}
	if len(in.SystemTags) > 0 {
		tags := make([]any, len(in.SystemTags))
		for i, t := range in.SystemTags {
			tags[i] = t
		}
		ad["systemTags"] = tags
	}
	if len(ad) > 0 {
		out.AdditionalData = ad
	}
	return out
}

func convertComments(incidentID string, in []wireComment) []socpilot.Comment {
	out := make([]socpilot.Comment, 0, len(in))
	for i, c := range in {
		created := c.CreatedDateTime
		if created == "" {
			created = c.CreatedTime
		}
		author := c.CreatedByDisplayName
		if author == "" {
			author = c.CreatedBy
		}
		name := strconv.Itoa(i)
		t := parseTime(created)
		out = append(out, socpilot.Comment{
			ID: incidentPath(incidentID) + "/comments/" + name, Name: name,
			Message: html.EscapeString(c.Comment), Author: author, CreatedTime: t, LastModifiedTime: t,
		})
	}
	return out
}

// DecodeIncident decodes one incident as GET /security/incidents/{id}
// returns it.
func DecodeIncident(body []byte) (socpilot.Incident, error) {
	var in wireIncident
	if err := decodeJSON(body, &in); err != nil {
		return socpilot.Incident{}, err
	}
	return convertIncident(in), nil
}

// DecodeDetails decodes one incident read with $expand=alerts into the
// incident, its alerts, the entities of their evidence and its comments.
func DecodeDetails(body []byte) (socpilot.IncidentDetails, error) {
	var in wireIncident
	if err := decodeJSON(body, &in); err != nil {
		return socpilot.IncidentDetails{}, err
	}
	return details(in), nil
}

func details(in wireIncident) socpilot.IncidentDetails {
	d := socpilot.IncidentDetails{
		Incident: convertIncident(in), Alerts: make([]socpilot.Alert, 0, len(in.Alerts)),
		Bookmarks: []socpilot.Bookmark{}, Relations: []socpilot.Relation{},
		Comments: convertComments(in.ID, in.Comments), Tasks: []socpilot.Task{},
	}
	ents := newEntitySet(incidentPath(in.ID))
	for _, a := range in.Alerts {
		d.Alerts = append(d.Alerts, convertAlert(a))
		for _, ev := range a.Evidence {
			ents.add(ev)
		}
	}
	d.Entities = ents.list()
	return d
}

// DecodeIncidents decodes one page of GET /security/incidents.
func DecodeIncidents(body []byte) ([]socpilot.Incident, error) {
	var p page[wireIncident]
	if err := decodeJSON(body, &p); err != nil {
		return nil, err
	}
	out := make([]socpilot.Incident, 0, len(p.Value))
	for _, in := range p.Value {
		out = append(out, convertIncident(in))
	}
	return out, nil
}

func decodeJSON(body []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decode Microsoft Graph JSON: %w", err)
	}
	return nil
}
