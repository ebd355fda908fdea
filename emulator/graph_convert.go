package emulator

import (
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// This file maps the Sentinel resources of the state onto the Graph
// security API's incident, alert and evidence resources. The Defender
// incident id is the Sentinel incident's providerIncidentId.

// setProviderIncidentIDs gives every incident of st that lacks one a
// providerIncidentId, its incident number: a dataset written for a
// Sentinel-only workspace still has a Defender id to serve through Graph,
// and the SecurityInsights API shows the same id.
func setProviderIncidentIDs(st *state) {
	for _, rec := range st.Incidents {
		p := rec.Incident.Properties
		if id, _ := p["providerIncidentId"].(string); strings.TrimSpace(id) != "" {
			continue
		}
		if n, ok := intProp(p, "incidentNumber"); ok {
			p["providerIncidentId"] = strconv.FormatInt(n, 10)
		}
	}
}

// defenderID is the incident's Defender (Graph) id: its providerIncidentId,
// or its incident number when it has none.
func defenderID(rec *Record) string {
	p := rec.Incident.Properties
	if id, _ := p["providerIncidentId"].(string); strings.TrimSpace(id) != "" {
		return strings.TrimSpace(id)
	}
	if n, ok := intProp(p, "incidentNumber"); ok {
		return strconv.FormatInt(n, 10)
	}
	return rec.Incident.Name
}

// graphConverter builds Graph views of the state. Build and use it under
// the state lock.
type graphConverter struct {
	st        *state
	tenant    string
	evolvable bool // Prefer: include-unknown-enum-members
}

var tidRE = regexp.MustCompile(`[?&]tid=([0-9a-fA-F-]{36})`)

func (s *Server) newGraphConverter(evolvable bool) *graphConverter {
	return &graphConverter{st: s.st, tenant: graphTenant(s.st, s.opts.Subscription), evolvable: evolvable}
}

// graphTenant is the Entra tenant the incidents belong to: the tid of a
// Defender incident URL, else an account's aadTenantId, else one derived
// from the subscription.
func graphTenant(st *state, sub string) string {
	for _, rec := range st.Incidents {
		if ad, ok := rec.Incident.Properties["additionalData"].(map[string]any); ok {
			if m := tidRE.FindStringSubmatch(stringProp(ad, "providerIncidentUrl")); m != nil {
				return strings.ToLower(m[1])
			}
		}
	}
	for _, rec := range st.Incidents {
		for _, e := range rec.Entities {
			if t := stringProp(e.Properties, "aadTenantId"); t != "" {
				return t
			}
		}
	}
	return deriveID("tenant", "", sub)
}

func (cv *graphConverter) byDefenderID(id string) *Record {
	id = strings.TrimSpace(id)
	for _, rec := range cv.st.Incidents {
		if defenderID(rec) == id {
			return rec
		}
	}
	return nil
}

// nullable returns s, or nil for "" (JSON null).
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// lowerFirst turns a Sentinel enum value (TruePositive) into Graph's
// spelling (truePositive).
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func graphSeverity(s string) string {
	switch strings.ToLower(s) {
	case "high", "medium", "low", "informational":
		return strings.ToLower(s)
	}
	return "unknown"
}

// Sentinel incident status → Graph incidentStatus.
func graphIncidentStatus(s string) string {
	switch strings.ToLower(s) {
	case "new":
		return "active"
	case "active":
		return "inProgress"
	case "closed":
		return "resolved"
	}
	return "active"
}

// graphClassification maps Sentinel's classification and reason onto
// Graph's classification and determination, as the Sentinel–Defender
// incident synchronisation pairs them.
func graphClassification(class, reason string) (classification, determination string) {
	switch strings.ToLower(class) {
	case "truepositive":
		return "truePositive", "other"
	case "falsepositive":
		if strings.EqualFold(reason, "InaccurateData") {
			return "falsePositive", "notEnoughDataToValidate"
		}
		return "falsePositive", "notMalicious"
	case "benignpositive":
		return "informationalExpectedActivity", "confirmedActivity"
	}
	return "unknown", "unknown"
}

// incident is the Graph incident for rec; with alerts, $expand=alerts.
func (cv *graphConverter) incident(rec *Record, alerts bool) map[string]any {
	p := rec.Incident.Properties
	id := defenderID(rec)
	web := "https://security.microsoft.com/incidents/" + url.PathEscape(id) + "?tid=" + cv.tenant
	if ad, ok := p["additionalData"].(map[string]any); ok {
		if u := stringProp(ad, "providerIncidentUrl"); u != "" {
			web = u
		}
	}
	var assigned string
	if o, ok := p["owner"].(map[string]any); ok {
		assigned = stringProp(o, "userPrincipalName")
		if assigned == "" {
			assigned = stringProp(o, "email")
		}
	}
	status := stringProp(p, "status")
	class, det := "unknown", "unknown"
	var resolving any
	if strings.EqualFold(status, "Closed") {
		class, det = graphClassification(stringProp(p, "classification"), stringProp(p, "classificationReason"))
		resolving = nullable(stringProp(p, "classificationComment"))
	}
	custom, system := []any{}, []any{}
	if labels, ok := p["labels"].([]any); ok {
		for _, l := range labels {
			m, ok := l.(map[string]any)
			if !ok || stringProp(m, "labelName") == "" {
				continue
			}
			if strings.EqualFold(stringProp(m, "labelType"), "System") || strings.EqualFold(stringProp(m, "labelType"), "AutoAssigned") {
				system = append(system, stringProp(m, "labelName"))
			} else {
				custom = append(custom, stringProp(m, "labelName"))
			}
		}
	}
	v := map[string]any{
		"@odata.type":        "#microsoft.graph.security.incident",
		"id":                 id,
		"tenantId":           cv.tenant,
		"displayName":        stringProp(p, "title"),
		"description":        nullable(stringProp(p, "description")),
		"severity":           graphSeverity(stringProp(p, "severity")),
		"status":             graphIncidentStatus(status),
		"classification":     class,
		"determination":      det,
		"assignedTo":         nullable(assigned),
		"createdDateTime":    stringProp(p, "createdTimeUtc"),
		"lastUpdateDateTime": lastUpdate(p),
		"incidentWebUrl":     web,
		"redirectIncidentId": nil,
		"resolvingComment":   resolving,
		"summary":            nil,
		"lastModifiedBy":     nil,
		"customTags":         custom,
		"systemTags":         system,
		"comments":           cv.comments(rec),
	}
	if alerts {
		v["alerts"] = cv.alerts(rec)
	}
	return v
}

func lastUpdate(p map[string]any) string {
	if t := stringProp(p, "lastModifiedTimeUtc"); t != "" {
		return t
	}
	return stringProp(p, "createdTimeUtc")
}

// comments are the incident's Sentinel comments as Graph alertComments,
// oldest first as both APIs list them.
func (cv *graphConverter) comments(rec *Record) []any {
	out := []any{}
	for _, c := range rec.Comments {
		by := ""
		if a, ok := c.Properties["author"].(map[string]any); ok {
			for _, k := range []string{"userPrincipalName", "email", "name"} {
				if by = stringProp(a, k); by != "" {
					break
				}
			}
		}
		out = append(out, map[string]any{
			"comment":              stringProp(c.Properties, "message"),
			"createdByDisplayName": nullable(by),
			"createdDateTime":      stringProp(c.Properties, "createdTimeUtc"),
		})
	}
	return out
}

// product is what Graph says of the product that raised an alert.
type product struct {
	service, detection string
}

// Sentinel alert productName → Graph serviceSource and detectionSource.
// Members Graph added after unknownFutureValue are marked evolvable below.
var products = map[string]product{
	"microsoft defender advanced threat protection": {"microsoftDefenderForEndpoint", "microsoftDefenderForEndpoint"},
	"microsoft defender for endpoint":               {"microsoftDefenderForEndpoint", "microsoftDefenderForEndpoint"},
	"azure advanced threat protection":              {"microsoftDefenderForIdentity", "microsoftDefenderForIdentity"},
	"microsoft defender for identity":               {"microsoftDefenderForIdentity", "microsoftDefenderForIdentity"},
	"microsoft cloud app security":                  {"microsoftDefenderForCloudApps", "cloudAppSecurity"},
	"microsoft defender for cloud apps":             {"microsoftDefenderForCloudApps", "cloudAppSecurity"},
	"office 365 advanced threat protection":         {"microsoftDefenderForOffice365", "microsoftDefenderForOffice365"},
	"microsoft defender for office 365":             {"microsoftDefenderForOffice365", "microsoftDefenderForOffice365"},
	"azure active directory identity protection":    {"azureAdIdentityProtection", "azureAdIdentityProtection"},
	"microsoft entra id protection":                 {"azureAdIdentityProtection", "azureAdIdentityProtection"},
	"azure security center":                         {"microsoftDefenderForCloud", "microsoftDefenderForCloud"},
	"microsoft defender for cloud":                  {"microsoftDefenderForCloud", "microsoftDefenderForCloud"},
	"azure sentinel":                                {"microsoftSentinel", "scheduledAlerts"},
	"microsoft sentinel":                            {"microsoftSentinel", "scheduledAlerts"},
}

// evolvableEnum are the serviceSource and detectionSource members Graph
// returns as unknownFutureValue unless asked for with Prefer:
// include-unknown-enum-members.
var evolvableEnum = map[string]bool{
	"microsoftDefenderForCloud": true, "microsoftSentinel": true, "microsoftInsiderRiskManagement": true,
	"scheduledAlerts": true, "nrtAlerts": true, "microsoftDefenderForServers": true, "microsoftDefenderForContainers": true,
	"microsoftDefenderForResourceManager": true, "microsoftDefenderForDNS": true,
}

func (cv *graphConverter) enum(v string) string {
	if evolvableEnum[v] && !cv.evolvable {
		return "unknownFutureValue"
	}
	return v
}

// alertProduct picks the product of a Sentinel alert; Defender for Cloud's
// plans have their own detection sources.
func alertProduct(p map[string]any) product {
	pr, ok := products[strings.ToLower(stringProp(p, "productName"))]
	if !ok {
		return product{"unknown", "unknown"}
	}
	if pr.service == "microsoftDefenderForCloud" {
		switch strings.ToLower(stringProp(p, "productComponentName")) {
		case "servers":
			pr.detection = "microsoftDefenderForServers"
		case "containers":
			pr.detection = "microsoftDefenderForContainers"
		case "resource manager":
			pr.detection = "microsoftDefenderForResourceManager"
		case "dns":
			pr.detection = "microsoftDefenderForDNS"
		}
	}
	if pr.service == "microsoftSentinel" && strings.EqualFold(stringProp(p, "productComponentName"), "NRT Alerts") {
		pr.detection = "nrtAlerts"
	}
	return pr
}

// Sentinel alert status → Graph alertStatus.
func graphAlertStatus(s string) string {
	switch strings.ToLower(s) {
	case "new":
		return "new"
	case "inprogress":
		return "inProgress"
	case "resolved", "dismissed":
		return "resolved"
	}
	return "unknown"
}

func stringList(v any) []any {
	out := []any{}
	if l, ok := v.([]any); ok {
		for _, x := range l {
			if s, ok := x.(string); ok && s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// alerts are the Graph alerts (alerts_v2) of rec's Sentinel alerts.
func (cv *graphConverter) alerts(rec *Record) []map[string]any {
	inc := rec.Incident.Properties
	incID := defenderID(rec)
	incWeb := "https://security.microsoft.com/incidents/" + url.PathEscape(incID) + "?tid=" + cv.tenant
	class, det := "unknown", "unknown"
	closed := strings.EqualFold(stringProp(inc, "status"), "Closed")
	if closed {
		class, det = graphClassification(stringProp(inc, "classification"), stringProp(inc, "classificationReason"))
	}
	ev := newEvidenceBuilder(rec)
	out := make([]map[string]any, 0, len(rec.Alerts))
	for _, a := range rec.Alerts {
		p := a.Properties
		id := a.Name
		pr := alertProduct(p)
		created := stringProp(p, "timeGenerated")
		if created == "" {
			created = stringProp(p, "startTimeUtc")
		}
		updated := stringProp(p, "processingEndTime")
		if updated == "" {
			updated = created
		}
		var resolved any
		status := graphAlertStatus(stringProp(p, "status"))
		if status == "resolved" {
			resolved = updated
		}
		var category any
		if t := stringList(p["tactics"]); len(t) > 0 {
			category = t[0]
		}
		techniques := stringList(p["techniques"])
		techniques = append(techniques, stringList(p["subTechniques"])...)
		var recommended any
		if steps := stringList(p["remediationSteps"]); len(steps) > 0 {
			lines := make([]string, len(steps))
			for i, s := range steps {
				lines[i] = s.(string)
			}
			recommended = strings.Join(lines, "\n")
		}
		var threat any
		for _, e := range rec.Entities {
			if e.Kind == "Malware" {
				threat = nullable(stringProp(e.Properties, "malwareName"))
				break
			}
		}
		out = append(out, map[string]any{
			"@odata.type":           "#microsoft.graph.security.alert",
			"id":                    id,
			"providerAlertId":       nullable(stringProp(p, "providerAlertId")),
			"incidentId":            incID,
			"status":                status,
			"severity":              graphSeverity(stringProp(p, "severity")),
			"classification":        class,
			"determination":         det,
			"serviceSource":         cv.enum(pr.service),
			"detectionSource":       cv.enum(pr.detection),
			"productName":           nullable(stringProp(p, "productName")),
			"detectorId":            nullable(stringProp(p, "alertType")),
			"tenantId":              cv.tenant,
			"title":                 stringProp(p, "alertDisplayName"),
			"description":           nullable(stringProp(p, "description")),
			"recommendedActions":    recommended,
			"category":              category,
			"assignedTo":            nil,
			"alertWebUrl":           "https://security.microsoft.com/alerts/" + url.PathEscape(id) + "?tid=" + cv.tenant,
			"incidentWebUrl":        incWeb,
			"providerAlertUrl":      nil,
			"actorDisplayName":      nil,
			"threatDisplayName":     threat,
			"threatFamilyName":      nil,
			"mitreTechniques":       techniques,
			"createdDateTime":       created,
			"lastUpdateDateTime":    updated,
			"resolvedDateTime":      resolved,
			"firstActivityDateTime": nullable(stringProp(p, "startTimeUtc")),
			"lastActivityDateTime":  nullable(stringProp(p, "endTimeUtc")),
			"systemTags":            []any{},
			"comments":              []any{},
			"evidence":              ev.forAlert(a, created),
		})
	}
	return out
}

// --- evidence ---

// evidenceBuilder turns the incident's Sentinel entities into Graph
// evidence. Sentinel keeps entities per incident, not per alert: an alert's
// evidence is the entities its text names (title, description, compromised
// entity, remediation, query) and the entities those refer to; entities no
// alert names are evidence of every alert.
type evidenceBuilder struct {
	rec   *Record
	byID  map[string]*Resource // lower-case ARM id
	named map[*Resource]bool   // named by some alert
	// linked are the FileHash entities a File carries (in its
	// fileDetails): not evidence of their own.
	linked map[*Resource]bool
}

func newEvidenceBuilder(rec *Record) *evidenceBuilder {
	b := &evidenceBuilder{rec: rec, byID: map[string]*Resource{}, named: map[*Resource]bool{}, linked: map[*Resource]bool{}}
	for _, e := range rec.Entities {
		b.byID[strings.ToLower(e.ID)] = e
	}
	for _, e := range rec.Entities {
		if e.Kind == "File" {
			for _, h := range b.refs(e, "fileHashEntityIds") {
				b.linked[h] = true
			}
		}
	}
	for _, a := range rec.Alerts {
		for _, e := range b.namedBy(a) {
			b.named[e] = true
		}
	}
	return b
}

// refs resolves the entity ids in e's property key (a string or a list).
func (b *evidenceBuilder) refs(e *Resource, key string) []*Resource {
	var ids []string
	switch v := e.Properties[key].(type) {
	case string:
		ids = []string{v}
	case []any:
		for _, x := range v {
			if s, ok := x.(string); ok {
				ids = append(ids, s)
			}
		}
	}
	var out []*Resource
	for _, id := range ids {
		if r := b.byID[strings.ToLower(id)]; r != nil {
			out = append(out, r)
		}
	}
	return out
}

func (b *evidenceBuilder) ref(e *Resource, key string) *Resource {
	if l := b.refs(e, key); len(l) > 0 {
		return l[0]
	}
	return nil
}

// entityNames are the strings that identify e in an alert's text.
func entityNames(e *Resource) []string {
	p := e.Properties
	var names []string
	for _, k := range []string{"friendlyName", "address", "hostName", "accountName", "url", "fileName", "domainName", "appName", "mailboxPrimaryAddress", "upn", "malwareName", "hashValue", "subject", "valueName", "resourceId"} {
		if s := stringProp(p, k); len(s) >= 4 {
			names = append(names, strings.ToLower(s))
		}
	}
	return names
}

func alertText(a *Resource) string {
	var b strings.Builder
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			b.WriteString(strings.ToLower(x))
			b.WriteByte('\n')
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	p := a.Properties
	for _, k := range []string{"alertDisplayName", "description", "compromisedEntity", "remediationSteps", "additionalData"} {
		walk(p[k])
	}
	return b.String()
}

// namedBy returns the entities a's text names, with the entities they refer
// to (a process's image file, account and host ...).
func (b *evidenceBuilder) namedBy(a *Resource) []*Resource {
	text := alertText(a)
	seen := map[*Resource]bool{}
	var out []*Resource
	var add func(e *Resource)
	add = func(e *Resource) {
		if e == nil || seen[e] {
			return
		}
		seen[e] = true
		out = append(out, e)
		for _, k := range []string{"hostEntityId", "accountEntityId", "imageFileEntityId", "parentProcessEntityId", "keyEntityId", "fileHashEntityIds", "fileEntityIds", "processEntityIds", "ipAddressEntityIds"} {
			for _, r := range b.refs(e, k) {
				add(r)
			}
		}
	}
	for _, e := range b.rec.Entities {
		for _, n := range entityNames(e) {
			if strings.Contains(text, n) {
				add(e)
				break
			}
		}
	}
	return out
}

// forAlert is the evidence list of alert a, in the incident's entity order.
func (b *evidenceBuilder) forAlert(a *Resource, created string) []any {
	mine := map[*Resource]bool{}
	for _, e := range b.namedBy(a) {
		mine[e] = true
	}
	compromised := strings.ToLower(stringProp(a.Properties, "compromisedEntity"))
	out := []any{}
	for _, e := range b.rec.Entities {
		if b.linked[e] || !(mine[e] || !b.named[e]) {
			continue
		}
		v := b.evidence(e)
		if v == nil {
			continue
		}
		roles := []any{}
		if compromised != "" && slices.Contains(entityNames(e), compromised) && (e.Kind == "Account" || e.Kind == "Host" || e.Kind == "Mailbox" || e.Kind == "AzureResource") {
			roles = append(roles, "compromised")
		}
		b.common(v, e, created, roles)
		out = append(out, v)
	}
	return out
}

// common sets the properties every alertEvidence has.
func (b *evidenceBuilder) common(v map[string]any, e *Resource, created string, roles []any) {
	verdict := "unknown"
	switch {
	case e.Kind == "Malware":
		verdict = "malicious"
	case e.Properties["threatIntelligence"] != nil:
		verdict = "suspicious"
	}
	v["createdDateTime"] = created
	v["verdict"] = verdict
	v["remediationStatus"] = "none"
	v["remediationStatusDetails"] = nil
	v["roles"] = roles
	v["detailedRoles"] = []any{}
	v["tags"] = []any{}
}

func evidenceType(t string) map[string]any {
	return map[string]any{"@odata.type": "#microsoft.graph.security." + t}
}

// mdeDeviceID is the Defender for Endpoint device id of e's host.
func (b *evidenceBuilder) mdeDeviceID(e *Resource) any {
	h := e
	if e.Kind != "Host" {
		h = b.ref(e, "hostEntityId")
	}
	if h == nil {
		return nil
	}
	if ad, ok := h.Properties["additionalData"].(map[string]any); ok {
		return nullable(stringProp(ad, "MdatpDeviceId"))
	}
	return nil
}

func int64Value(v any) any {
	switch x := v.(type) {
	case string:
		if n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64); err == nil {
			return n
		}
		return nil
	}
	if n, ok := intValue(v); ok {
		return n
	}
	return nil
}

// userAccount is Graph's userAccount of an Account entity.
func (b *evidenceBuilder) userAccount(e *Resource) any {
	if e == nil {
		return nil
	}
	p := e.Properties
	upn := ""
	if s := stringProp(p, "upnSuffix"); s != "" && stringProp(p, "accountName") != "" {
		upn = stringProp(p, "accountName") + "@" + s
	}
	domain := stringProp(p, "ntDomain")
	if domain == "" {
		domain = stringProp(p, "upnSuffix")
	}
	return map[string]any{
		"accountName":       nullable(stringProp(p, "accountName")),
		"domainName":        nullable(domain),
		"userPrincipalName": nullable(upn),
		"azureAdUserId":     nullable(stringProp(p, "aadUserId")),
		"userSid":           nullable(stringProp(p, "sid")),
		"displayName":       nullable(stringProp(p, "displayName")),
	}
}

// fileDetails is Graph's fileDetails of a File entity, hashes from its
// FileHash entities.
func (b *evidenceBuilder) fileDetails(e *Resource) any {
	if e == nil {
		return nil
	}
	p := e.Properties
	d := map[string]any{
		"fileName": nullable(stringProp(p, "fileName")), "filePath": nullable(stringProp(p, "directory")),
		"fileSize": int64Value(p["sizeInBytes"]), "filePublisher": nil, "signer": nil, "issuer": nil,
		"sha1": nil, "sha256": nil, "md5": nil,
	}
	for _, h := range b.refs(e, "fileHashEntityIds") {
		switch strings.ToLower(stringProp(h.Properties, "algorithm")) {
		case "sha1":
			d["sha1"] = stringProp(h.Properties, "hashValue")
		case "sha256":
			d["sha256"] = stringProp(h.Properties, "hashValue")
		case "md5":
			d["md5"] = stringProp(h.Properties, "hashValue")
		}
	}
	return d
}

func (b *evidenceBuilder) ipEvidence(e *Resource) map[string]any {
	if e == nil {
		return nil
	}
	p := e.Properties
	v := evidenceType("ipEvidence")
	v["ipAddress"] = stringProp(p, "address")
	v["countryLetterCode"] = nil
	v["location"] = nil
	v["stream"] = nil
	if loc, ok := p["location"].(map[string]any); ok {
		v["countryLetterCode"] = nullable(stringProp(loc, "countryCode"))
		v["location"] = map[string]any{
			"city": nullable(stringProp(loc, "city")), "countryName": nullable(stringProp(loc, "countryName")),
			"state": nullable(stringProp(loc, "state")), "latitude": loc["latitude"], "longitude": loc["longitude"],
		}
	}
	return v
}

func (b *evidenceBuilder) processEvidence(e *Resource) map[string]any {
	p := e.Properties
	v := evidenceType("processEvidence")
	v["processId"] = int64Value(p["processId"])
	v["processCommandLine"] = nullable(stringProp(p, "commandLine"))
	v["processCreationDateTime"] = nullable(stringProp(p, "creationTimeUtc"))
	v["imageFile"] = b.fileDetails(b.ref(e, "imageFileEntityId"))
	v["userAccount"] = b.userAccount(b.ref(e, "accountEntityId"))
	v["mdeDeviceId"] = b.mdeDeviceID(e)
	v["detectionStatus"] = nil
	v["parentProcessId"], v["parentProcessCreationDateTime"], v["parentProcessImageFile"] = nil, nil, nil
	if pp := b.ref(e, "parentProcessEntityId"); pp != nil {
		v["parentProcessId"] = int64Value(pp.Properties["processId"])
		v["parentProcessCreationDateTime"] = nullable(stringProp(pp.Properties, "creationTimeUtc"))
		v["parentProcessImageFile"] = b.fileDetails(b.ref(pp, "imageFileEntityId"))
	}
	return v
}

func (b *evidenceBuilder) fileEvidence(e *Resource) map[string]any {
	v := evidenceType("fileEvidence")
	v["fileDetails"] = b.fileDetails(e)
	v["mdeDeviceId"] = b.mdeDeviceID(e)
	v["detectionStatus"] = nil
	return v
}

// osPlatform names a host's OS as Defender for Endpoint does.
func osPlatform(family, version string) (platform string, build any) {
	if strings.EqualFold(family, "Windows") {
		parts := strings.Split(version, ".")
		if len(parts) >= 3 {
			n, err := strconv.Atoi(parts[2])
			if err == nil {
				build = int64(n)
				switch {
				case n == 20348:
					return "WindowsServer2022", build
				case n == 17763:
					return "WindowsServer2019", build
				case n == 14393:
					return "WindowsServer2016", build
				case n >= 22000:
					return "Windows11", build
				default:
					return "Windows10", build
				}
			}
		}
		return "Windows", nil
	}
	if family == "" {
		return "", nil
	}
	return family, nil
}

// osRelease is the release name Defender shows for a Windows build.
func osRelease(build any) any {
	n, ok := build.(int64)
	if !ok {
		return nil
	}
	if r, ok := map[int64]string{22631: "23H2", 22621: "22H2", 19045: "22H2", 20348: "21H2", 17763: "1809", 14393: "1607"}[n]; ok {
		return r
	}
	return "Other"
}

// evidence maps one entity; nil for a kind Graph has no evidence type for.
func (b *evidenceBuilder) evidence(e *Resource) map[string]any {
	p := e.Properties
	switch e.Kind {
	case "Account":
		v := evidenceType("userEvidence")
		v["userAccount"] = b.userAccount(e)
		return v
	case "Host":
		v := evidenceType("deviceEvidence")
		dns := stringProp(p, "hostName")
		if d := stringProp(p, "dnsDomain"); d != "" && dns != "" {
			dns += "." + d
		}
		platform, build := osPlatform(stringProp(p, "osFamily"), stringProp(p, "osVersion"))
		mde := b.mdeDeviceID(e)
		onboarding := "insufficientInfo"
		if mde != nil {
			onboarding = "onboarded"
		}
		var vm any
		if id := stringProp(p, "azureID"); id != "" {
			sub := ""
			if parts := strings.Split(id, "/"); len(parts) > 2 && strings.EqualFold(parts[1], "subscriptions") {
				sub = parts[2]
			}
			vm = map[string]any{"vmId": nil, "cloudProvider": "azure", "resourceId": id, "subscriptionId": nullable(sub)}
		}
		for k, x := range map[string]any{
			"deviceDnsName": nullable(strings.ToLower(dns)), "hostName": nullable(stringProp(p, "hostName")),
			"ntDomain": nullable(stringProp(p, "ntDomain")), "dnsDomain": nullable(stringProp(p, "dnsDomain")),
			"mdeDeviceId": mde, "azureAdDeviceId": nil, "osPlatform": nullable(platform), "osBuild": build,
			"version": osRelease(build), "healthStatus": "active", "riskScore": "none",
			"rbacGroupId": int64(0), "rbacGroupName": nil, "onboardingStatus": onboarding, "defenderAvStatus": "unknown",
			"firstSeenDateTime": nil, "lastIpAddress": nil, "lastExternalIpAddress": nil,
			"ipInterfaces": []any{}, "loggedOnUsers": []any{}, "vmMetadata": vm,
		} {
			v[k] = x
		}
		return v
	case "Ip":
		return b.ipEvidence(e)
	case "Url":
		v := evidenceType("urlEvidence")
		v["url"] = stringProp(p, "url")
		return v
	case "File":
		return b.fileEvidence(e)
	case "FileHash":
		v := evidenceType("fileHashEvidence")
		v["algorithm"] = strings.ToLower(stringProp(p, "algorithm"))
		v["value"] = stringProp(p, "hashValue")
		return v
	case "Process":
		return b.processEvidence(e)
	case "Mailbox":
		v := evidenceType("mailboxEvidence")
		addr := stringProp(p, "mailboxPrimaryAddress")
		v["displayName"] = nullable(stringProp(p, "displayName"))
		v["primaryAddress"] = nullable(addr)
		name, domain, _ := strings.Cut(stringProp(p, "upn"), "@")
		v["userAccount"] = map[string]any{
			"accountName": nullable(name), "domainName": nullable(domain), "userPrincipalName": nullable(stringProp(p, "upn")),
			"azureAdUserId": nullable(stringProp(p, "externalDirectoryObjectId")), "userSid": nil,
			"displayName": nullable(stringProp(p, "displayName")),
		}
		return v
	case "MailMessage":
		v := evidenceType("analyzedMessageEvidence")
		urls := stringList(p["urls"])
		sender := func(prefix string) map[string]any {
			return map[string]any{
				"displayName":  nullable(stringProp(p, prefix+"SenderDisplayName")),
				"domainName":   nullable(stringProp(p, prefix+"SenderDomain")),
				"emailAddress": nullable(stringProp(p, prefix+"Sender")),
			}
		}
		for k, x := range map[string]any{
			"networkMessageId": nullable(stringProp(p, "networkMessageId")), "internetMessageId": nullable(stringProp(p, "internetMessageId")),
			"subject": nullable(stringProp(p, "subject")), "language": nullable(stringProp(p, "language")),
			"senderIp": nullable(stringProp(p, "senderIP")), "recipientEmailAddress": nullable(stringProp(p, "recipient")),
			"antiSpamDirection": nullable(lowerFirst(stringProp(p, "antispamDirection"))),
			"deliveryAction":    nullable(lowerFirst(stringProp(p, "deliveryAction"))),
			"deliveryLocation":  nullable(lowerFirst(stringProp(p, "deliveryLocation"))),
			"urn":               nil, "threats": stringList(p["threats"]), "threatDetectionMethods": stringList(p["threatDetectionMethods"]),
			"urls": urls, "urlCount": int64(len(urls)), "attachmentsCount": int64(len(b.refs(e, "fileEntityIds"))),
			"receivedDateTime": nullable(stringProp(p, "receiveDate")), "p1Sender": sender("p1"), "p2Sender": sender("p2"),
		} {
			v[k] = x
		}
		return v
	case "MailCluster":
		v := evidenceType("mailClusterEvidence")
		v["clusterBy"] = nullable(stringProp(p, "clusterSourceType"))
		v["clusterByValue"] = nullable(stringProp(p, "clusterSourceIdentifier"))
		v["emailCount"] = int64Value(p["mailCount"])
		v["networkMessageIds"] = stringList(p["networkMessageIds"])
		v["query"] = nullable(stringProp(p, "query"))
		v["urn"] = nil
		return v
	case "CloudApplication":
		if n := int64Value(p["appId"]); n != nil {
			v := evidenceType("cloudApplicationEvidence")
			v["appId"] = n
			v["saasAppId"] = n
			v["displayName"] = nullable(stringProp(p, "appName"))
			v["instanceId"] = int64Value(p["instanceId"])
			v["instanceName"] = nullable(stringProp(p, "instanceName"))
			v["stream"] = nil
			return v
		}
		// An app without a Defender for Cloud Apps id is an Entra (OAuth) app.
		v := evidenceType("oauthApplicationEvidence")
		v["appId"] = nullable(stringProp(p, "appId"))
		v["displayName"] = nullable(stringProp(p, "appName"))
		v["objectId"] = nil
		v["publisher"] = nil
		return v
	case "AzureResource":
		v := evidenceType("azureResourceEvidence")
		id := stringProp(p, "resourceId")
		parts := strings.Split(strings.Trim(id, "/"), "/")
		v["resourceId"] = id
		v["resourceName"] = nil
		v["resourceType"] = nil
		if n := len(parts); n >= 3 {
			v["resourceName"] = parts[n-1]
			if i := slices.IndexFunc(parts, func(s string) bool { return strings.EqualFold(s, "providers") }); i >= 0 && i+2 < n {
				v["resourceType"] = parts[i+1] + "/" + strings.Join(everyOther(parts[i+2:n-1]), "/")
			}
		}
		return v
	case "RegistryKey":
		v := evidenceType("registryKeyEvidence")
		v["registryHive"] = nullable(stringProp(p, "hive"))
		v["registryKey"] = nullable(stringProp(p, "key"))
		return v
	case "RegistryValue":
		v := evidenceType("registryValueEvidence")
		v["registryHive"], v["registryKey"] = nil, nil
		if k := b.ref(e, "keyEntityId"); k != nil {
			v["registryHive"] = nullable(stringProp(k.Properties, "hive"))
			v["registryKey"] = nullable(stringProp(k.Properties, "key"))
		}
		v["registryValueName"] = nullable(stringProp(p, "valueName"))
		v["registryValue"] = nullable(stringProp(p, "valueData"))
		v["registryValueType"] = nullable(stringProp(p, "valueType"))
		v["mdeDeviceId"] = b.mdeDeviceID(e)
		return v
	case "Malware":
		v := evidenceType("malwareEvidence")
		v["name"] = nullable(stringProp(p, "malwareName"))
		v["category"] = nullable(stringProp(p, "category"))
		files, procs := []any{}, []any{}
		for _, f := range b.refs(e, "fileEntityIds") {
			files = append(files, b.fileEvidence(f))
		}
		for _, pr := range b.refs(e, "processEntityIds") {
			procs = append(procs, b.processEvidence(pr))
		}
		v["files"] = files
		v["processes"] = procs
		return v
	case "SecurityGroup":
		v := evidenceType("securityGroupEvidence")
		v["displayName"] = nullable(stringProp(p, "friendlyName"))
		v["securityGroupId"] = nullable(stringProp(p, "objectGuid"))
		return v
	case "DnsResolution":
		v := evidenceType("dnsEvidence")
		v["domainName"] = nullable(stringProp(p, "domainName"))
		v["dnsServerIp"] = nilIfEmpty(b.ipEvidence(b.ref(e, "dnsServerIpEntityId")))
		v["hostIpAddress"] = nilIfEmpty(b.ipEvidence(b.ref(e, "hostIpAddressEntityId")))
		ips := []any{}
		for _, ip := range b.refs(e, "ipAddressEntityIds") {
			ips = append(ips, b.ipEvidence(ip))
		}
		v["ipAddresses"] = ips
		return v
	}
	return nil
}

func nilIfEmpty(m map[string]any) any {
	if m == nil {
		return nil
	}
	return m
}

// everyOther returns s[0], s[2], ...: the type segments of an ARM id's
// {type}/{name}/{type}/{name} tail.
func everyOther(s []string) []string {
	var out []string
	for i := 0; i < len(s); i += 2 {
		out = append(out, s[i])
	}
	return out
}
