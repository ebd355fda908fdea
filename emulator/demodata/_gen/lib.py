"""Framework for generating socpilot's demo dataset (emulator/demodata).

The JSON files are what ships (embedded by the emulator) and what the tests in
emulator/demodata_test.go check; this generator only keeps them consistent
when incidents are added or changed. Every GUID is uuid5(NS, key) with the
fixed namespace NS below, so ids stay stable across runs and an entity that
appears in several incidents (same kind and key) has the same id everywhere.
The directory name starts with "_" so go:embed and the go tool ignore it.
Run: python3 emulator/demodata/_gen/gen.py
"""
import base64
import hashlib
import json
import os
import uuid
from datetime import datetime, timedelta, timezone

NS = uuid.UUID("7a1c5e0e-2f4b-4d8e-9c3a-736f6370696c")  # "socpil" namespace, fixed forever

SUB = "00000000-0000-0000-0000-000000000000"
RG = "socpilot-demo"
WSNAME = "demo-workspace"
WS = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.OperationalInsights/workspaces/{WSNAME}"
SI = WS + "/providers/Microsoft.SecurityInsights"
WSID = "6f1d2c3b-8a4e-4f5d-9c7b-2e1a0b9c8d7e"  # Log Analytics workspace (customer) id
TENANT = "4b2462a4-bbee-495a-a0e1-f23ae524cc9c"
PROD_SUB = "c3a1e0f2-5b7d-4e8a-9f61-2d4b8c7e9a13"  # Contoso production subscription (not the demo one)
# OUT is where the JSON files go: emulator/demodata, or $OUT.
OUT = os.environ.get("OUT", os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

TACTIC_ORDER = ['Reconnaissance', 'ResourceDevelopment', 'InitialAccess', 'Execution', 'Persistence',
                'PrivilegeEscalation', 'DefenseEvasion', 'CredentialAccess', 'Discovery', 'LateralMovement',
                'Collection', 'Exfiltration', 'CommandAndControl', 'Impact', 'PreAttack',
                'ImpairProcessControl', 'InhibitResponseFunction']


def gid(*parts):
    return str(uuid.uuid5(NS, "/".join(str(p) for p in parts)))


def parse(ts):
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


def fmt(dt, frac=0):
    s = dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    if frac:
        us = dt.microsecond
        s += "." + f"{us:06d}" + "0"  # 7 digits like the service
    return s + "Z"


def at(day, hhmm, sec=0):
    h, m = hhmm.split(":")
    return datetime(2026, 1, day, int(h), int(m), sec, tzinfo=timezone.utc)


def plus(dt, minutes=0, seconds=0, micro=0):
    return dt + timedelta(minutes=minutes, seconds=seconds, microseconds=micro)


def enc_ps(script):
    return base64.b64encode(script.encode("utf-16-le")).decode()


# ---------------------------------------------------------------- people
class Person:
    def __init__(self, upn, name):
        self.upn, self.name = upn, name
        self.oid = gid("aad-user", upn)

    def owner(self):
        return {"objectId": self.oid, "email": self.upn, "assignedTo": self.name,
                "userPrincipalName": self.upn, "ownerType": "User"}

    def author(self):
        return {"objectId": self.oid, "email": self.upn, "userPrincipalName": self.upn, "name": self.name}

    def client(self):
        return {"objectId": self.oid, "email": self.upn, "name": self.name, "userPrincipalName": self.upn}


NO_OWNER = {"objectId": None, "email": None, "assignedTo": None, "userPrincipalName": None, "ownerType": "Unknown"}

# ---------------------------------------------------------------- entities


def entity(kind, key, props):
    name = gid("entity", kind, key)
    return {"id": SI + "/Entities/" + name, "name": name, "type": "Microsoft.SecurityInsights/Entities",
            "kind": kind, "properties": props}


def account(name, display, upn_suffix="contoso.com", rid=None, domain_joined=True, nt="CONTOSO", cloud=True, extra=None):
    p = {"accountName": name, "displayName": display, "friendlyName": name}
    if upn_suffix:
        p["upnSuffix"] = upn_suffix
    if nt:
        p["ntDomain"] = nt
    p["isDomainJoined"] = domain_joined
    if cloud:
        p["aadTenantId"] = TENANT
        p["aadUserId"] = gid("aad-user", f"{name}@{upn_suffix}")
    if rid is not None:
        p["sid"] = f"S-1-5-21-1004336348-1177238915-682003330-{rid}"
        p["objectGuid"] = gid("ad-object", name)
    if extra:
        p.update(extra)
    return entity("Account", f"{nt}\\{name}@{upn_suffix}", p)


def host(name, os_family="Windows", os_version="10.0.22631", azure_vm=None, dns="contoso.local", joined=True, extra=None):
    p = {"hostName": name, "netBiosName": name, "dnsDomain": dns, "osFamily": os_family, "osVersion": os_version,
         "isDomainJoined": joined, "omsAgentID": gid("oms-agent", name), "friendlyName": name}
    if joined:
        p["ntDomain"] = "CONTOSO"
    if azure_vm:
        p["azureID"] = f"/subscriptions/{PROD_SUB}/resourceGroups/{azure_vm}/providers/Microsoft.Compute/virtualMachines/{name}"
    p["additionalData"] = {"MdatpDeviceId": hashlib.sha1(("mde-device/" + name).encode()).hexdigest()}
    if extra:
        p["additionalData"].update(extra)
    return entity("Host", name.lower(), p)


def ip(addr, loc=None, ti=None):
    p = {"address": addr, "friendlyName": addr}
    if loc:
        p["location"] = loc
    if ti:
        p["threatIntelligence"] = ti
    return entity("Ip", addr, p)


def geo(cc, country, state, city, lat, lon, asn, carrier, org):
    return {"countryCode": cc, "countryName": country, "state": state, "city": city, "latitude": lat,
            "longitude": lon, "asn": asn, "carrier": carrier, "organization": org}


def url(u):
    return entity("Url", u, {"url": u, "friendlyName": u})


def filehash(value, alg="SHA256"):
    return entity("FileHash", value, {"algorithm": alg, "hashValue": value, "friendlyName": value})


def file(directory, name, hashes=(), h=None):
    p = {"directory": directory, "fileName": name, "friendlyName": name}
    if hashes:
        p["fileHashEntityIds"] = [x["id"] for x in hashes]
    if h:
        p["hostEntityId"] = h["id"]
    return entity("File", directory.lower() + "\\" + name.lower() + "@" + (h["name"] if h else ""), p)


def process(incident, pid, cmdline, created, image=None, parent=None, acct=None, h=None, elevation=None):
    p = {"processId": str(pid), "commandLine": cmdline, "creationTimeUtc": created}
    if elevation:
        p["elevationToken"] = elevation
    if image:
        p["imageFileEntityId"] = image["id"]
    if parent:
        p["parentProcessEntityId"] = parent["id"]
    if acct:
        p["accountEntityId"] = acct["id"]
    if h:
        p["hostEntityId"] = h["id"]
    img = image["properties"]["fileName"] if image else cmdline.split()[0]
    p["friendlyName"] = img
    return entity("Process", f"{incident}/{pid}/{created}", p)


def registry_key(hive, key):
    return entity("RegistryKey", hive + "\\" + key, {"hive": hive, "key": key, "friendlyName": hive + "\\" + key})


def registry_value(k, name, data, vtype="String"):
    return entity("RegistryValue", k["name"] + "\\" + name,
                  {"keyEntityId": k["id"], "valueName": name, "valueData": data, "valueType": vtype, "friendlyName": name})


def malware(name, category, files=(), procs=()):
    p = {"malwareName": name, "category": category, "friendlyName": name}
    if files:
        p["fileEntityIds"] = [f["id"] for f in files]
    if procs:
        p["processEntityIds"] = [x["id"] for x in procs]
    return entity("Malware", name, p)


def cloud_app(name, app_id=None, instance=None, extra=None):
    p = {"appName": name, "friendlyName": name}
    if app_id is not None:
        p["appId"] = app_id
    if instance:
        p["instanceName"] = instance
    if extra:
        p["additionalData"] = extra
    return entity("CloudApplication", name, p)


def azure_resource(resource_id, friendly):
    sub = resource_id.split("/")[2]
    return entity("AzureResource", resource_id.lower(), {"resourceId": resource_id, "subscriptionId": sub, "friendlyName": friendly})


def dns(domain, answers=(), server=None, host_ip=None):
    p = {"domainName": domain, "friendlyName": domain}
    if answers:
        p["ipAddressEntityIds"] = [a["id"] for a in answers]
    if server:
        p["dnsServerIpEntityId"] = server["id"]
    if host_ip:
        p["hostIpAddressEntityId"] = host_ip["id"]
    return entity("DnsResolution", domain, p)


def mailbox(upn, display, oid):
    return entity("Mailbox", upn, {"mailboxPrimaryAddress": upn, "displayName": display, "upn": upn,
                                   "externalDirectoryObjectId": oid, "friendlyName": upn})


def security_group(dn, rid=None):
    p = {"distinguishedName": dn, "objectGuid": gid("ad-group", dn), "friendlyName": dn.split(",")[0][3:]}
    if rid is not None:
        p["sid"] = f"S-1-5-21-1004336348-1177238915-682003330-{rid}"
    return entity("SecurityGroup", dn.lower(), p)


# ---------------------------------------------------------------- alerts
PRODUCTS = {
    # key: (productName, productComponentName or None, providerName for additionalData)
    "sentinel": ("Azure Sentinel", "Scheduled Alerts", "ASI Scheduled Alerts"),
    "mde": ("Microsoft Defender Advanced Threat Protection", None, "MDATP"),
    "mdo": ("Office 365 Advanced Threat Protection", None, "OATP"),
    "mdca": ("Microsoft Cloud App Security", None, "MCAS"),
    "mdi": ("Azure Advanced Threat Protection", None, "Azure Advanced Threat Protection"),
    "ipc": ("Azure Active Directory Identity Protection", None, "IPC"),
    "mdc": ("Azure Security Center", None, "Detection"),
}
ORIGINAL = {
    "mde": "Microsoft Defender for Endpoint", "mdo": "Microsoft Defender for Office 365",
    "mdca": "Microsoft Defender for Cloud Apps", "mdi": "Microsoft Defender for Identity",
    "ipc": "Microsoft Entra ID Protection", "mdc": "Microsoft Defender for Cloud",
}
INTENT = {t: t for t in ['Persistence', 'PrivilegeEscalation', 'DefenseEvasion', 'CredentialAccess', 'Discovery',
                         'LateralMovement', 'Execution', 'Collection', 'Exfiltration', 'CommandAndControl', 'Impact']}
INTENT['InitialAccess'] = 'Exploitation'
INTENT['Reconnaissance'] = 'Probing'
INTENT['PreAttack'] = 'Probing'


def rule_id(num, key):
    return SI + "/alertRules/" + gid("rule", num, key)


class Alert:
    def __init__(self, inc, key, product, name, severity, start, end, tactics, techniques, description,
                 alert_type=None, remediation=None, extra=None, compromised=None, component=None,
                 status=None, confidence="Unknown", latency=4, rule=None, azure_resource=None, query=None,
                 query_period="1.00:00:00", results=None, data_sources=None):
        self.inc, self.key, self.product = inc, key, product
        self.name = gid("alert", inc, key)
        self.start, self.end = start, end
        self.tactics, self.techniques = tactics, techniques
        self.rule = rule
        pname, pcomp, provider = PRODUCTS[product]
        gen = plus(end, minutes=latency, seconds=17, micro=482311 + 1000 * len(key))
        self.generated = gen
        processed = plus(gen, seconds=33, micro=105877)
        if product == "sentinel":
            atype = f"{WSID}_{gid('rule', inc, rule or key)}"
            provider_alert_id = gid("provider-alert", inc, key)
        elif product == "mde":
            atype = alert_type or gid("mde-detector", name)
            provider_alert_id = "da" + str(638700000000000000 + int(gen.timestamp()) * 10) + "_" + str(-(int(gid("x", key)[:7], 16)))
        elif product == "mdc":
            atype = alert_type
            provider_alert_id = str(2516000000000000000 - int(gen.timestamp() * 1000)) + "_" + gid("mdc", inc, key)
        else:
            atype = alert_type or gid("alert-type", name)
            provider_alert_id = gid("provider-alert", inc, key)
        self.props = {
            "systemAlertId": self.name,
            "alertDisplayName": name,
            "friendlyName": name,
            "alertType": atype,
            "description": description,
            "severity": severity,
            "status": status or "New",
            "confidenceLevel": confidence,
            "intent": INTENT.get(tactics[0], "Unknown") if product in ("mdc",) else "Unknown",
            "vendorName": "Microsoft",
            "productName": pname,
            "providerAlertId": provider_alert_id,
            "startTimeUtc": fmt(start),
            "endTimeUtc": fmt(end),
            "timeGenerated": fmt(gen, 1),
            "processingEndTime": fmt(processed, 1),
            "tactics": list(tactics),
            "techniques": list(techniques),
        }
        if component or pcomp:
            self.props["productComponentName"] = component or pcomp
        if compromised:
            self.props["compromisedEntity"] = compromised
        if remediation:
            self.props["remediationSteps"] = remediation
        if product == "sentinel":
            self.props["alertLink"] = ""
        elif product == "mdc":
            self.props["alertLink"] = (f"https://portal.azure.com/#blade/Microsoft_Azure_Security_AzureDefenderForData/AlertBlade/alertId/"
                                       f"{provider_alert_id}/subscriptionId/{PROD_SUB}/resourceGroup/{((azure_resource or '') + '/////').split('/')[4] or 'subscription'}/referencedFrom/alertDeepLink/location/westeurope")
        elif product in ("mde", "mdo", "mdca", "mdi"):
            self.props["alertLink"] = f"https://security.microsoft.com/alerts/{provider_alert_id}?tid={TENANT}"
        elif product == "ipc":
            self.props["alertLink"] = "https://portal.azure.com/#blade/Microsoft_AAD_IAM/SecurityMenuBlade/RiskDetections"
        rids = [{"type": "LogAnalytics", "workspaceId": WSID, "subscriptionId": SUB, "resourceGroup": RG}]
        if azure_resource:
            rids.append({"type": "AzureResource", "resourceId": azure_resource})
        if product == "ipc" or product == "mdca" or product == "mdo":
            rids.append({"type": "AAD", "aadTenantId": TENANT})
        self.props["resourceIdentifiers"] = rids
        ad = {}
        if product == "sentinel":
            ad.update({
                "Query": query or "",
                "Query Period": query_period,
                "Query Start Time UTC": fmt(start - timedelta(days=0, hours=0)).replace("T", " ").replace("Z", ""),
                "Query End Time UTC": fmt(gen - timedelta(seconds=17)).replace("T", " ").replace("Z", ""),
                "Trigger Operator": "GreaterThan",
                "Trigger Threshold": "0",
                "Search Query Results Overall Count": str(results if results is not None else 1),
                "Data Sources": json.dumps(data_sources or []),
                "Analytic Rule Ids": json.dumps([gid('rule', inc, rule or key)]),
                "Analytic Rule Name": rule_name_override.get((inc, rule or key), name),
                "Event Grouping": "SingleAlert",
                "ProcessedBySentinel": "True",
                "Alert generation status": "Full alert created",
            })
        else:
            ad.update({"OriginalProductName": ORIGINAL[product], "ProviderName": provider})
        if extra:
            ad.update(extra)
        ad["AlertMessageEnqueueTime"] = fmt(plus(gen, seconds=4, micro=211000), 0)
        self.props["additionalData"] = ad

    def resource(self):
        return {"id": SI + "/Entities/" + self.name, "name": self.name, "type": "Microsoft.SecurityInsights/Entities",
                "kind": "SecurityAlert", "properties": self.props}


rule_name_override = {}


# ---------------------------------------------------------------- incident
def build(num, slug, title, description, severity, status, created, alerts, entities, owner=None, labels=(),
          classification=None, provider="Azure Sentinel", provider_incident=None, comments=(), tasks=(),
          bookmarks=(), modified=None, rule_ids=None):
    name = gid("incident", num)
    iid = SI + "/incidents/" + name
    first = min(a.start for a in alerts)
    last = max(a.end for a in alerts)
    for a in alerts:
        assert a.generated <= created, (num, a.key, a.generated, created)
    tactics = []
    for t in TACTIC_ORDER:
        if any(t in a.tactics for a in alerts):
            tactics.append(t)
    techniques = sorted({t for a in alerts for t in a.techniques})
    products = []
    for a in alerts:
        p = a.props["productName"]
        if p not in products:
            products.append(p)
    com_res = []
    for i, (who, when, msg) in enumerate(comments):
        cn = gid("comment", num, i)
        com_res.append({"id": iid + "/comments/" + cn, "name": cn, "type": "Microsoft.SecurityInsights/incidents/comments",
                        "etag": gid("comment-etag", num, i),
                        "properties": {"message": msg, "createdTimeUtc": fmt(when), "lastModifiedTimeUtc": fmt(when),
                                       "author": who.author()}})
    task_res = []
    for i, (who, when, title_, desc, st, mod) in enumerate(tasks):
        tn = gid("task", num, i)
        task_res.append({"id": iid + "/tasks/" + tn, "name": tn, "type": "Microsoft.SecurityInsights/incidents/tasks",
                         "etag": '"' + gid("task-etag", num, i) + '"',
                         "properties": {"title": title_, "description": desc, "status": st,
                                        "createdTimeUtc": fmt(when), "lastModifiedTimeUtc": fmt(mod or when),
                                        "createdBy": who.client(), "lastModifiedBy": who.client()}})
    bm_res = []
    for i, (who, when, disp, query, result, event_time, notes, blabels) in enumerate(bookmarks):
        bn = gid("bookmark", num, i)
        ts = when.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0+00:00"
        bm_res.append({"id": SI + "/bookmarks/" + bn, "name": bn, "type": "Microsoft.SecurityInsights/Entities",
                       "kind": "Bookmark",
                       "properties": {"displayName": disp, "created": ts, "updated": ts,
                                      "createdBy": {"objectId": who.oid, "email": who.upn, "name": who.name},
                                      "updatedBy": {"objectId": who.oid, "email": who.upn, "name": who.name},
                                      "eventTime": event_time.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0+00:00",
                                      "labels": list(blabels), "notes": notes, "query": query,
                                      "queryResult": json.dumps(result, separators=(",", ":")),
                                      "incidentInfo": {"incidentId": name, "severity": severity, "title": title,
                                                       "relationName": gid("relation", num, "bookmark", i)},
                                      "additionalData": {"ETag": '"' + gid("bookmark-etag", num, i) + '"', "EntityId": bn},
                                      "friendlyName": disp}})
    rel_res = []
    for a in alerts:
        rn = gid("relation", num, a.name)
        rel_res.append({"id": iid + "/relations/" + rn, "name": rn, "type": "Microsoft.SecurityInsights/incidents/relations",
                        "etag": gid("relation-etag", num, a.name),
                        "properties": {"relatedResourceId": SI + "/entities/" + a.name, "relatedResourceName": a.name,
                                       "relatedResourceType": "Microsoft.SecurityInsights/entities",
                                       "relatedResourceKind": "SecurityAlert"}})
    for i, b in enumerate(bm_res):
        rn = gid("relation", num, "bookmark", i)
        rel_res.append({"id": iid + "/relations/" + rn, "name": rn, "type": "Microsoft.SecurityInsights/incidents/relations",
                        "etag": gid("relation-etag", num, "bookmark", i),
                        "properties": {"relatedResourceId": b["id"], "relatedResourceName": b["name"],
                                       "relatedResourceType": "Microsoft.SecurityInsights/bookmarks"}})
    if rule_ids is None:
        rule_ids = []
        if provider == "Azure Sentinel":
            for a in alerts:
                if a.product == "sentinel":
                    r = rule_id(num, a.rule or a.key)
                else:
                    r = SI + "/alertRules/" + gid("incident-creation-rule", a.product)
                if r not in rule_ids:
                    rule_ids.append(r)
    times = [created] + [c[1] for c in comments] + [t[1] for t in tasks] + [t[5] for t in tasks if t[5]] + [b[1] for b in bookmarks]
    last_mod = modified or max(times)
    props = {
        "incidentNumber": num,
        "title": title,
        "description": description,
        "severity": severity,
        "status": status,
        "owner": owner.owner() if owner else NO_OWNER,
        "labels": [{"labelName": l, "labelType": lt} for l, lt in labels],
        "createdTimeUtc": fmt(created),
        "lastModifiedTimeUtc": fmt(last_mod),
        "firstActivityTimeUtc": fmt(first),
        "lastActivityTimeUtc": fmt(last),
        "incidentUrl": "https://portal.azure.com/#asset/Microsoft_Azure_Security_Insights/Incident" + iid,
        "providerName": provider,
        "providerIncidentId": provider_incident or str(num),
        "relatedAnalyticRuleIds": rule_ids,
        "additionalData": {
            "alertsCount": len(alerts),
            "bookmarksCount": len(bm_res),
            "commentsCount": len(com_res),
            "alertProductNames": products,
            "tactics": tactics,
            "techniques": techniques,
        },
    }
    if provider != "Azure Sentinel":
        props["additionalData"]["providerIncidentUrl"] = f"https://security.microsoft.com/incidents/{provider_incident}?tid={TENANT}"
    if classification:
        c, reason, comment = classification
        props["classification"] = c
        props["classificationReason"] = reason
        props["classificationComment"] = comment
    # entities: dedupe by id, keep order
    seen, ents = set(), []
    for e in entities:
        if e["id"] not in seen:
            seen.add(e["id"])
            ents.append(e)
    doc = {
        "incident": {"id": iid, "name": name, "type": "Microsoft.SecurityInsights/incidents",
                     "etag": '"' + gid("incident-etag", num) + '"', "properties": props},
        "alerts": [a.resource() for a in alerts],
        "entities": ents,
        "bookmarks": bm_res,
        "relations": rel_res,
        "comments": com_res,
        "tasks": task_res,
    }
    import labels
    if num in labels.EXPECTED:
        doc["expected"] = labels.EXPECTED[num]
    with open(os.path.join(OUT, f"{num:03d}-{slug}.json"), "w") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")
    return doc
