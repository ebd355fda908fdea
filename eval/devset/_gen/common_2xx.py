"""Shared helpers and people for eval/devset/2NN-*.json.

The demo generator's helpers (emulator/demodata/_gen/lib.py) build every
resource exactly as the demo files have it; this module only adds the
labels, a few entity shapes the demo set does not need, and the SOC staff
and shared assets of these incidents. Entities that appear in several of
these incidents (the domain controllers, the office egress addresses) are
defined once here, so they carry the same id and properties everywhere.
"""
import hashlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
os.environ["OUT"] = os.path.join(HERE, "..")
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "emulator", "demodata", "_gen"))

import labels  # noqa: E402  (lib.build writes labels.EXPECTED[num] as "expected")
import lib  # noqa: E402
from lib import (Alert, Person, account, at, azure_resource, build as _build, cloud_app, dns, entity, enc_ps,  # noqa: E402,F401
                 file, filehash, fmt, geo, gid, host, ip, mailbox, malware, plus, process, registry_key,
                 registry_value, rule_name_override, security_group, url, PROD_SUB, TENANT)
import json  # noqa: E402,F401


def A(verb, ent):
    return {"action": verb, "entity": ent}


def label(n, verdict, acceptable=(), compromised=(), actions=(), forbidden=(), tactics=(), source="", why=""):
    labels.EXPECTED[n] = dict(verdict=verdict, acceptable=list(acceptable), compromised=list(compromised),
                              actions=list(actions), forbidden=list(forbidden), tactics=list(tactics),
                              source=source, why=why)


_pending = []


def build(*args, **kw):
    """Queues the incident; flush() writes it once its label is registered."""
    _pending.append((args, kw))


def flush():
    for args, kw in _pending:
        assert args[0] in labels.EXPECTED, f"incident {args[0]} has no label"
        _build(*args, **kw)
    _pending.clear()


def sha256(text):
    return hashlib.sha256(text.encode()).hexdigest()


def sha1(text):
    return hashlib.sha1(text.encode()).hexdigest()


def place(addr, cc, country, state, city, lat, lon, asn, org, carrier=None, org_type=None, ti=None):
    """An Ip entity with the geolocation enrichment Sentinel adds."""
    loc = geo(cc, country, state, city, lat, lon, asn, carrier or org, org)
    if org_type:
        loc["organizationType"] = org_type
    return ip(addr, loc, ti)


def ti(threat_type, name, desc, confidence=80):
    return [{"providerName": "Microsoft Threat Intelligence", "threatType": threat_type, "threatName": name,
             "threatDescription": desc, "confidence": confidence, "reportLink": ""}]


def local_account(name, display, hostent, rid, sid_base="S-1-5-21-2954018731-1387731410-3117221573"):
    return account(name, display, upn_suffix=None, nt=hostent["properties"]["hostName"], domain_joined=False,
                   cloud=False, extra={"sid": f"{sid_base}-{rid}", "hostEntityId": hostent["id"]})


def ad_account(name, display, rid, extra=None):
    """An on-premises account without a cloud identity (service accounts, krbtgt)."""
    return account(name, display, upn_suffix=None, rid=rid, cloud=False, extra=extra)


def mail_message(key, recipient, sender, sender_name, subject, received, sender_ip, urls=(), files=(), threats=("Phish",),
                 methods=("URL detonation reputation",), delivery=("Delivered", "Inbox"), direction="Inbound", extra=None):
    dom = sender.split("@")[1]
    p = {"recipient": recipient, "p1Sender": sender, "p1SenderDisplayName": sender_name, "p1SenderDomain": dom,
         "p2Sender": sender, "p2SenderDisplayName": sender_name, "p2SenderDomain": dom, "senderIP": sender_ip,
         "receiveDate": fmt(received), "networkMessageId": gid("nmid", key),
         "internetMessageId": "<" + gid("imid", key).replace("-", "").upper()[:24] + "@" + dom.upper() + ">",
         "subject": subject, "language": "en"}
    if urls:
        p["urls"] = list(urls)
    if threats:
        p["threats"] = list(threats)
        p["threatDetectionMethods"] = list(methods)
    p["deliveryAction"], p["deliveryLocation"] = delivery
    p["antispamDirection"] = direction
    if files:
        p["fileEntityIds"] = [f["id"] for f in files]
    if extra:
        p.update(extra)
    p["friendlyName"] = subject
    return entity("MailMessage", "devset2/" + key, p)


# ---------------------------------------------------------------- SOC staff
ROSA = Person("rosa.delgado@contoso.com", "Rosa Delgado")
TOBIAS = Person("tobias.engel@contoso.com", "Tobias Engel")
YUKI = Person("yuki.tanaka@contoso.com", "Yuki Tanaka")
FARID = Person("farid.mansour@contoso.com", "Farid Mansour")  # IR lead

# ---------------------------------------------------------------- shared assets
# Office and datacenter egress addresses, enriched with the organisation that holds them.
EGRESS_LISBON = place("198.51.100.38", "PT", "Portugal", "Lisboa", "Lisbon", 38.7223, -9.1393, 64496, "contoso ltd")
EGRESS_FRANKFURT = place("198.51.100.31", "DE", "Germany", "Hessen", "Frankfurt am Main", 50.1109, 8.6821, 64496, "contoso gmbh")
EGRESS_SEATTLE_DC = place("198.51.100.90", "US", "United States", "Washington", "Tukwila", 47.4740, -122.2610, 64496,
                          "contoso ltd", org_type="Corporate")
DC_PROD_01 = host("DC-PROD-01", os_version="10.0.20348", azure_vm="rg-prod-identity")
DC_PROD_02 = host("DC-PROD-02", os_version="10.0.20348", azure_vm="rg-prod-identity")
IP_DC_PROD_01 = ip("10.16.0.11")
IP_DC_PROD_02 = ip("10.16.0.12")
EXO = cloud_app("Microsoft Exchange Online", 20893)
O365 = cloud_app("Office 365", 11161)
SPO = cloud_app("Microsoft SharePoint Online", 20892)
ODB = cloud_app("Microsoft OneDrive for Business", 15600)
AZURE = cloud_app("Microsoft Azure", 12260)
TEAMS = cloud_app("Microsoft Teams", 28375)

# The local system account as Defender reports it (keyed apart from other authors' SYSTEM entities).
SYSTEM = entity("Account", "devset-2xx/NT AUTHORITY\\SYSTEM",
                {"accountName": "SYSTEM", "displayName": "SYSTEM", "friendlyName": "SYSTEM", "ntDomain": "NT AUTHORITY",
                 "isDomainJoined": False, "sid": "S-1-5-18"})

IPC_STEPS = [
    "Confirm with the user whether they performed the sign-in.",
    "If not, revoke the user's refresh tokens and sessions, and reset the password.",
    "Review authentication methods registered on the account and remove unknown ones.",
    "Look for persistence created after the sign-in: inbox rules, app consents, registered devices.",
]
