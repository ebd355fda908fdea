package graph

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/socpilot/socpilot"
)

// How alerts_v2 evidence (microsoft.graph.security.alertEvidence and its
// derived types) becomes socpilot entities. Entities carry Sentinel's kinds
// and property names, the ones the offline analyst, the digest and the
// pseudonymizer read, so a Defender incident is analysed like a Sentinel one.
//
//	Graph evidence                 Kind              properties (Sentinel names ← Graph)
//	-----------------------------  ----------------  ------------------------------------------------
//	userEvidence                   Account           accountName, upnSuffix and userPrincipalName ←
//	                                                 userAccount.userPrincipalName, aadUserId ←
//	                                                 azureAdUserId, sid ← userSid, ntDomain ← domainName,
//	                                                 displayName
//	deviceEvidence                 Host              hostName, dnsDomain (← hostName/deviceDnsName),
//	                                                 fqdn ← deviceDnsName, ntDomain, osFamily/osVersion ←
//	                                                 osPlatform/osBuild, aadDeviceId, azureID ←
//	                                                 vmMetadata.resourceId, additionalData.MdatpDeviceId ←
//	                                                 mdeDeviceId, ipInterfaces, loggedOnUsers
//	ipEvidence                     Ip                address ← ipAddress, location.countryCode ←
//	                                                 countryLetterCode (+ Graph's location fields)
//	urlEvidence                    Url               url
//	fileEvidence                   File + FileHash   fileName, directory ← filePath, fileHashEntityIds
//	                                                 and fileHashes ← sha1/sha256/md5, hostEntityId
//	processEvidence                Process (+ File,  processId, commandLine ← processCommandLine,
//	                               Account, parent   creationTimeUtc ← processCreationDateTime,
//	                               Process)          imageFileEntityId, parentProcessEntityId,
//	                                                 accountEntityId, hostEntityId
//	mailboxEvidence                Mailbox           mailboxPrimaryAddress ← primaryAddress, displayName,
//	                                                 upn, externalDirectoryObjectId ← userAccount.azureAdUserId
//	analyzedMessageEvidence        MailMessage       networkMessageId, internetMessageId, subject,
//	                                                 senderIP ← senderIp, p1Sender/p2Sender (+DisplayName,
//	                                                 +Domain), recipient ← recipientEmailAddress, urls,
//	                                                 threats, deliveryAction, deliveryLocation, antispamDirection,
//	                                                 receiveDate ← receivedDateTime, attachmentsCount ...
//	cloudApplicationEvidence       CloudApplication  appId, appName ← displayName, instanceName, instanceId
//	oauthApplicationEvidence       CloudApplication  appName ← displayName, additionalData.OAuthAppId ← appId,
//	                                                 OAuthObjectId ← objectId, Publisher ← publisher
//	                                                 (Sentinel has no OAuth kind; its own OAuth alerts use
//	                                                 these names on CloudApplication), isOAuthApplication
//	registryKeyEvidence            RegistryKey       hive ← registryHive, key ← registryKey
//	registryValueEvidence          RegistryValue     valueName, valueData ← registryValue, valueType,
//	                                                 keyEntityId (+ the RegistryKey)
//	azureResourceEvidence          AzureResource     resourceId, resourceName, resourceType, subscriptionId
//	securityGroupEvidence          SecurityGroup     objectGuid ← securityGroupId, displayName
//	mailClusterEvidence            MailCluster       networkMessageIds, query, mailCount ← emailCount,
//	                                                 clusterBy, clusterByValue
//	dnsEvidence                    DnsResolution     domainName, ipAddressEntityIds, dnsServerIpEntityId,
//	                                                 hostIpAddressEntityId (+ the Ip entities)
//	malwareEvidence                Malware           malwareName ← name, category
//	networkConnectionEvidence      NetworkConnection the evidence's fields, with sourceAddress and
//	                                                 destinationAddress also as Ip entities
//	anything else (amazonResource, AmazonResource,   every field of the evidence as sent, under the
//	googleCloudResource,           KubernetesPod ... kind named after the type without "Evidence"
//	kubernetes*, blob, container…)
//
// Every entity also has friendlyName, and the evidence's own judgement —
// verdict, remediationStatus, roles, detailedRoles, tags — under
// additionalData. The same thing seen by several alerts is one entity: its
// properties are merged and its roles united. Entity ids are derived from
// the incident and what the entity is, so they are stable across reads.
type entitySet struct {
	prefix string
	byKey  map[string]int
	out    []socpilot.Entity
	hosts  map[string]string // mdeDeviceId → Host entity id
	links  []hostLink
}

// hostLink asks for hostEntityId on entity i once every Host is known.
type hostLink struct {
	i   int
	mde string
}

func newEntitySet(incidentPath string) *entitySet {
	return &entitySet{prefix: incidentPath + "/entities/", byKey: map[string]int{}, hosts: map[string]string{}}
}

// list resolves links to hosts and returns the entities in first-seen order.
func (s *entitySet) list() []socpilot.Entity {
	for _, l := range s.links {
		if id, ok := s.hosts[strings.ToLower(l.mde)]; ok {
			if _, set := s.out[l.i].Properties["hostEntityId"]; !set {
				s.out[l.i].Properties["hostEntityId"] = id
			}
		}
	}
	if s.out == nil {
		return []socpilot.Entity{}
	}
	return s.out
}

// put adds or merges an entity and returns its id. key identifies it
// within its kind; "" falls back to all of its properties.
func (s *entitySet) put(kind, key string, props map[string]any) string {
	if key == "" {
		b, _ := json.Marshal(props)
		key = string(b)
	}
	k := kind + "\x00" + strings.ToLower(key)
	if i, ok := s.byKey[k]; ok {
		merge(s.out[i].Properties, props)
		return s.out[i].ID
	}
	sum := sha256.Sum256([]byte(s.prefix + k))
	name := fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
	e := socpilot.Entity{ID: s.prefix + name, Name: name, Kind: kind, Properties: props}
	s.byKey[k] = len(s.out)
	s.out = append(s.out, e)
	return e.ID
}

// merge fills dst with what src knows and dst does not; roles and the
// like are united.
func merge(dst, src map[string]any) {
	for k, v := range src {
		cur, ok := dst[k]
		switch {
		case !ok || isEmpty(cur):
			dst[k] = v
		case k == "additionalData":
			if cm, ok := cur.(map[string]any); ok {
				if vm, ok := v.(map[string]any); ok {
					for _, list := range []string{"roles", "detailedRoles", "tags"} {
						cm[list] = unite(cm[list], vm[list])
					}
					merge(cm, vm)
				}
			}
		}
	}
}

func unite(a, b any) any {
	as, _ := a.([]any)
	bs, _ := b.([]any)
	out := slices.Clone(as)
	for _, v := range bs {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	if out == nil {
		return a
	}
	return out
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

// ev reads an evidence object.
type ev map[string]any

func (e ev) str(k string) string {
	switch v := e[k].(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case float64:
		return fmt.Sprint(v)
	}
	return ""
}

func (e ev) obj(k string) ev {
	m, _ := e[k].(map[string]any)
	return ev(m)
}

func (e ev) list(k string) []any {
	a, _ := e[k].([]any)
	return a
}

// props builds a property map, leaving out empty values.
func props(kv ...any) map[string]any {
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		if v := normalize(kv[i+1]); !isEmpty(v) {
			m[kv[i].(string)] = v
		}
	}
	return m
}

// normalize turns json.Number into float64 as Entity.Prop and encoding/json
// expect; integers that float64 cannot hold stay exact as strings.
func normalize(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			if i > 1<<53 || i < -(1<<53) {
				return x.String()
			}
			return float64(i)
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalize(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	}
	return v
}

// baseFields are alertEvidence's own properties, kept under additionalData.
var baseFields = []string{"verdict", "remediationStatus", "remediationStatusDetails", "roles", "detailedRoles", "tags", "createdDateTime"}

func judgement(e ev) map[string]any {
	m := map[string]any{}
	for _, k := range baseFields {
		if v := normalize(e[k]); !isEmpty(v) {
			m[k] = v
		}
	}
	return m
}

// evidenceType is the type name without its namespace: "userEvidence".
func evidenceType(e ev) string {
	t := e.str("@odata.type")
	return t[strings.LastIndex(t, ".")+1:]
}

// add maps one evidence object onto entities.
func (s *entitySet) add(raw map[string]any) {
	e := ev(raw)
	typ := evidenceType(e)
	j := judgement(e)
	with := func(p map[string]any, friendly string) map[string]any {
		if friendly != "" {
			p["friendlyName"] = friendly
		}
		if len(j) > 0 {
			ad, _ := p["additionalData"].(map[string]any)
			if ad == nil {
				ad = map[string]any{}
			}
			for k, v := range j {
				ad[k] = v
			}
			p["additionalData"] = ad
		}
		return p
	}
	link := func(id, mde string) {
		if mde == "" {
			return
		}
		for i := range s.out {
			if s.out[i].ID == id {
				s.links = append(s.links, hostLink{i, mde})
				return
			}
		}
	}
	switch strings.ToLower(typ) {
	case "userevidence":
		s.account(e.obj("userAccount"), with)
	case "deviceevidence":
		s.host(e, with)
	case "ipevidence":
		s.ip(e, with)
	case "urlevidence":
		s.put(socpilot.KindURL, e.str("url"), with(props("url", e.str("url")), e.str("url")))
	case "fileevidence":
		id := s.file(e.obj("fileDetails"), with)
		link(id, e.str("mdeDeviceId"))
	case "processevidence":
		s.process(e, with, link)
	case "mailboxevidence":
		ua := e.obj("userAccount")
		upn := firstOf(e.str("upn"), ua.str("userPrincipalName"))
		addr := e.str("primaryAddress")
		s.put(socpilot.KindMailbox, firstOf(addr, upn), with(props(
			"mailboxPrimaryAddress", addr, "displayName", firstOf(e.str("displayName"), ua.str("displayName")),
			"upn", upn, "externalDirectoryObjectId", ua.str("azureAdUserId")), firstOf(addr, upn)))
	case "analyzedmessageevidence":
		s.mailMessage(e, with)
	case "cloudapplicationevidence":
		name := e.str("displayName")
		s.put(socpilot.KindCloudApplication, firstOf(e.str("appId"), name), with(props(
			"appId", e["appId"], "appName", name, "instanceName", e.str("instanceName"),
			"instanceId", e["instanceId"], "saasAppId", e["saasAppId"]), name))
	case "oauthapplicationevidence":
		name := e.str("displayName")
		p := props("appName", name, "isOAuthApplication", true,
			"additionalData", props("OAuthAppId", e.str("appId"), "OAuthObjectId", e.str("objectId"), "Publisher", e.str("publisher")))
		s.put(socpilot.KindCloudApplication, "oauth:"+firstOf(e.str("appId"), e.str("objectId"), name), with(p, name))
	case "registrykeyevidence":
		id := s.registryKey(e.str("registryHive"), e.str("registryKey"), with)
		link(id, e.str("mdeDeviceId"))
	case "registryvalueevidence":
		noJudgement := func(p map[string]any, f string) map[string]any { p["friendlyName"] = f; return p }
		keyID := s.registryKey(e.str("registryHive"), e.str("registryKey"), noJudgement)
		name := e.str("registryValueName")
		id := s.put(socpilot.KindRegistryValue, keyID+"\\"+name, with(props(
			"keyEntityId", keyID, "valueName", name, "valueData", e.str("registryValue"),
			"valueType", e.str("registryValueType")), name))
		link(id, e.str("mdeDeviceId"))
	case "azureresourceevidence":
		rid := e.str("resourceId")
		s.put(socpilot.KindAzureResource, rid, with(props(
			"resourceId", rid, "resourceName", e.str("resourceName"), "resourceType", e.str("resourceType"),
			"subscriptionId", subscriptionOf(rid)), firstOf(e.str("resourceName"), rid)))
	case "securitygroupevidence":
		name := e.str("displayName")
		s.put(socpilot.KindSecurityGroup, firstOf(e.str("securityGroupId"), name), with(props(
			"objectGuid", e.str("securityGroupId"), "displayName", name), name))
	case "mailclusterevidence":
		q := e.str("query")
		s.put(socpilot.KindMailCluster, firstOf(e.str("urn"), q), with(props(
			"networkMessageIds", e["networkMessageIds"], "query", q, "mailCount", e["emailCount"],
			"clusterBy", e.str("clusterBy"), "clusterByValue", e.str("clusterByValue"), "urn", e.str("urn")),
			firstOf(e.str("clusterByValue"), q)))
	case "dnsevidence":
		var ips []any
		for _, x := range e.list("ipAddresses") {
			if m, ok := x.(map[string]any); ok {
				ips = append(ips, s.ip(ev(m), with))
			}
		}
		p := props("domainName", e.str("domainName"), "ipAddressEntityIds", ips)
		if m := e.obj("dnsServerIp"); m != nil {
			p["dnsServerIpEntityId"] = s.ip(m, with)
		}
		if m := e.obj("hostIpAddress"); m != nil {
			p["hostIpAddressEntityId"] = s.ip(m, with)
		}
		s.put(socpilot.KindDNSResolution, e.str("domainName"), with(p, e.str("domainName")))
	case "malwareevidence":
		name := e.str("name")
		s.put(socpilot.KindMalware, name, with(props("malwareName", name, "category", e.str("category")), name))
	case "networkconnectionevidence":
		p := generic(e)
		for _, side := range []string{"sourceAddress", "destinationAddress"} {
			if m := e.obj(side); m != nil {
				p[side+"EntityId"] = s.ip(m, with)
				p[side] = m.str("ipAddress")
			}
		}
		friendly := fmt.Sprintf("%s:%s → %s:%s", e.obj("sourceAddress").str("ipAddress"), e.str("sourcePort"),
			e.obj("destinationAddress").str("ipAddress"), e.str("destinationPort"))
		s.put("NetworkConnection", friendly+"/"+e.str("protocol"), with(p, friendly))
	default:
		kind := upperFirst(strings.TrimSuffix(typ, "Evidence"))
		if kind == "" {
			kind = "Unknown"
		}
		p := generic(e)
		s.put(kind, "", with(p, firstOf(e.str("displayName"), e.str("name"), e.str("resourceName"), kind)))
	}
}

// generic keeps every field of an evidence object but its base fields,
// which go under additionalData.
func generic(e ev) map[string]any {
	p := map[string]any{}
	for k, v := range e {
		if k == "@odata.type" || slices.Contains(baseFields, k) {
			continue
		}
		if v = normalize(v); !isEmpty(v) {
			p[k] = v
		}
	}
	return p
}

type withFunc = func(map[string]any, string) map[string]any

// account maps a userAccount; nil when it says nothing.
func (s *entitySet) account(ua ev, with withFunc) string {
	if ua == nil {
		return ""
	}
	upn := ua.str("userPrincipalName")
	name := ua.str("accountName")
	suffix := ""
	if at := strings.LastIndex(upn, "@"); at > 0 {
		suffix = upn[at+1:]
		if name == "" {
			name = upn[:at]
		}
	}
	p := props("accountName", name, "upnSuffix", suffix, "userPrincipalName", upn, "aadUserId", ua.str("azureAdUserId"),
		"sid", ua.str("userSid"), "ntDomain", ua.str("domainName"), "displayName", ua.str("displayName"))
	if len(p) == 0 {
		return ""
	}
	key := firstOf(ua.str("azureAdUserId"), ua.str("userSid"), upn, ua.str("domainName")+"\\"+name)
	return s.put(socpilot.KindAccount, key, with(p, firstOf(name, upn, ua.str("displayName"))))
}

func (s *entitySet) host(e ev, with withFunc) string {
	dns := e.str("deviceDnsName")
	host, domain := e.str("hostName"), e.str("dnsDomain")
	if host == "" {
		host, domain, _ = strings.Cut(dns, ".")
		if d := e.str("dnsDomain"); d != "" {
			domain = d
		}
	}
	fqdn := ""
	if strings.Contains(dns, ".") {
		fqdn = dns
	}
	vm := e.obj("vmMetadata")
	mde := e.str("mdeDeviceId")
	p := props("hostName", host, "dnsDomain", domain, "fqdn", fqdn, "ntDomain", e.str("ntDomain"),
		"osFamily", osFamily(e.str("osPlatform")), "osVersion", e.str("osBuild"), "osPlatform", e.str("osPlatform"),
		"aadDeviceId", e.str("azureAdDeviceId"), "azureID", vm.str("resourceId"),
		"ipInterfaces", e["ipInterfaces"], "loggedOnUsers", e["loggedOnUsers"],
		"riskScore", e.str("riskScore"), "healthStatus", e.str("healthStatus"), "onboardingStatus", e.str("onboardingStatus"),
		"additionalData", props("MdatpDeviceId", mde, "rbacGroupName", e.str("rbacGroupName"), "vmMetadata", e["vmMetadata"]))
	id := s.put(socpilot.KindHost, firstOf(mde, e.str("azureAdDeviceId"), dns, host), with(p, host))
	if mde != "" {
		s.hosts[strings.ToLower(mde)] = id
	}
	return id
}

func osFamily(platform string) string {
	p := strings.ToLower(platform)
	switch {
	case p == "":
		return ""
	case strings.HasPrefix(p, "windows"):
		return "Windows"
	case strings.HasPrefix(p, "linux") || strings.Contains(p, "ubuntu") || strings.Contains(p, "redhat") || strings.Contains(p, "centos"):
		return "Linux"
	case strings.HasPrefix(p, "macos") || strings.HasPrefix(p, "mac"):
		return "MacOS"
	case strings.HasPrefix(p, "android"):
		return "Android"
	case strings.HasPrefix(p, "ios"):
		return "IOS"
	}
	return "Unknown"
}

func (s *entitySet) ip(e ev, with withFunc) string {
	addr := e.str("ipAddress")
	loc := map[string]any{}
	if l := e.obj("location"); l != nil {
		loc = normalize(map[string]any(l)).(map[string]any)
	}
	if cc := e.str("countryLetterCode"); cc != "" {
		loc["countryCode"] = cc
	}
	p := props("address", addr, "location", loc)
	return s.put(socpilot.KindIP, addr, with(p, addr))
}

// hashAlgorithms are fileDetails' hashes as Sentinel's FileHash names them.
var hashAlgorithms = []struct{ field, algorithm string }{{"sha256", "SHA256"}, {"sha1", "SHA1"}, {"md5", "MD5"}}

// file maps fileDetails onto a File and a FileHash per hash, linked as
// Sentinel links them (fileHashEntityIds).
func (s *entitySet) file(fd ev, with withFunc) string {
	if fd == nil {
		return ""
	}
	var ids, hashes []any
	for _, h := range hashAlgorithms {
		if v := fd.str(h.field); v != "" {
			ids = append(ids, s.put(socpilot.KindFileHash, h.algorithm+":"+v, with(props("algorithm", h.algorithm, "hashValue", v), v)))
			hashes = append(hashes, map[string]any{"algorithm": h.algorithm, "value": v})
		}
	}
	name, dir := fd.str("fileName"), fd.str("filePath")
	p := props("fileName", name, "directory", dir, "fileHashEntityIds", ids, "fileHashes", hashes,
		"fileSize", fd["fileSize"], "filePublisher", fd.str("filePublisher"), "signer", fd.str("signer"), "issuer", fd.str("issuer"))
	key := firstOf(fd.str("sha256"), fd.str("sha1"), fd.str("md5"), dir+"\\"+name)
	return s.put(socpilot.KindFile, key, with(p, name))
}

func (s *entitySet) process(e ev, with withFunc, link func(id, mde string)) {
	mde := e.str("mdeDeviceId")
	plain := func(p map[string]any, f string) map[string]any {
		if f != "" {
			p["friendlyName"] = f
		}
		return p
	}
	var parentID string
	if ppid, pimg := e.str("parentProcessId"), e.obj("parentProcessImageFile"); ppid != "" || pimg != nil {
		img := s.file(pimg, plain)
		link(img, mde)
		pp := props("processId", ppid, "creationTimeUtc", e.str("parentProcessCreationDateTime"), "imageFileEntityId", img)
		parentID = s.put(socpilot.KindProcess, mde+"|"+ppid+"|"+e.str("parentProcessCreationDateTime"), plain(pp, pimg.str("fileName")))
		link(parentID, mde)
	}
	img := s.file(e.obj("imageFile"), plain)
	link(img, mde)
	acct := s.account(e.obj("userAccount"), plain)
	pid := e.str("processId")
	p := props("processId", pid, "commandLine", e.str("processCommandLine"), "creationTimeUtc", e.str("processCreationDateTime"),
		"imageFileEntityId", img, "parentProcessEntityId", parentID, "accountEntityId", acct,
		"detectionStatus", e.str("detectionStatus"), "additionalData", props("MdatpDeviceId", mde))
	id := s.put(socpilot.KindProcess, mde+"|"+pid+"|"+e.str("processCreationDateTime"), with(p, e.obj("imageFile").str("fileName")))
	link(id, mde)
}

func (s *entitySet) registryKey(hive, key string, with withFunc) string {
	return s.put(socpilot.KindRegistryKey, hive+"\\"+key, with(props("hive", hive, "key", key), strings.TrimPrefix(hive+"\\"+key, "\\")))
}

func (s *entitySet) mailMessage(e ev, with withFunc) {
	p1, p2 := e.obj("p1Sender"), e.obj("p2Sender")
	p := props("networkMessageId", e.str("networkMessageId"), "internetMessageId", e.str("internetMessageId"),
		"subject", e.str("subject"), "language", e.str("language"), "senderIP", e.str("senderIp"),
		"recipient", e.str("recipientEmailAddress"),
		"p1Sender", p1.str("emailAddress"), "p1SenderDisplayName", p1.str("displayName"), "p1SenderDomain", p1.str("domainName"),
		"p2Sender", p2.str("emailAddress"), "p2SenderDisplayName", p2.str("displayName"), "p2SenderDomain", p2.str("domainName"),
		"receiveDate", e.str("receivedDateTime"),
		// Sentinel spells these enums in UpperCamel (Delivered, Inbox, Inbound).
		"deliveryAction", upperFirst(e.str("deliveryAction")), "deliveryLocation", upperFirst(e.str("deliveryLocation")),
		"antispamDirection", upperFirst(e.str("antiSpamDirection")),
		"threats", e["threats"], "threatDetectionMethods", e["threatDetectionMethods"], "urls", e["urls"],
		"urlCount", e["urlCount"], "attachmentsCount", e["attachmentsCount"], "urn", e.str("urn"))
	key := firstOf(e.str("networkMessageId")+"|"+e.str("recipientEmailAddress"), e.str("internetMessageId"))
	s.put(socpilot.KindMailMessage, key, with(p, e.str("subject")))
}

// subscriptionOf reads the subscription id of an ARM resource id.
func subscriptionOf(rid string) string {
	parts := strings.Split(strings.Trim(rid, "/"), "/")
	for i := 0; i+1 < len(parts); i++ {
		if strings.EqualFold(parts[i], "subscriptions") {
			return parts[i+1]
		}
	}
	return ""
}

func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" && v != "|" && v != "\\" {
			return v
		}
	}
	return ""
}
