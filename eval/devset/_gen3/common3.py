"""Shared helpers for eval/devset 3NN incidents (reuses emulator/demodata/_gen/lib.py)."""
import json
from lib import *  # noqa: F401,F403
import labels3

A = lambda verb, ent: {"action": verb, "entity": ent}


def label(num, **kw):
    kw.setdefault("acceptable", [])
    kw.setdefault("compromised", [])
    kw.setdefault("actions", [])
    kw.setdefault("forbidden", [])
    labels3.EXPECTED[num] = {k: kw[k] for k in ("verdict", "acceptable", "compromised", "actions", "forbidden", "tactics", "source", "why")}


# SOC staff
TOMAS = Person("tomas.novak@contoso.com", "Tomas Novak")
AISHA = Person("aisha.rahman@contoso.com", "Aisha Rahman")
KENJI = Person("kenji.watanabe@contoso.com", "Kenji Watanabe")
ELENA = Person("elena.petrova@contoso.com", "Elena Petrova")

IPC_REM = [
    "1. Confirm with the user whether they performed the sign-in.",
    "2. If not, revoke the user's refresh tokens and reset the password; review registered authentication methods.",
    "3. Review sign-ins, mailbox rules, OAuth consents and device registrations created after the detection.",
]

IPC_DESC = {
    "unfamiliarFeatures": "This risk detection type considers past sign-in history to look for anomalous sign-ins. The system stores information about previous sign-ins, and triggers a risk detection when a sign-in occurs with properties that are unfamiliar to the user. These properties can include IP, ASN, location, device, browser, and tenant IP subnet.",
    "anomalousToken": "This detection indicates that there are abnormal characteristics in the token such as an unusual token lifetime or a token that is played from an unfamiliar location. This detection covers Session Tokens and Refresh Tokens.",
    "passwordSpray": "A password spray attack is where multiple usernames are attacked using common passwords in a unified brute force manner to gain unauthorized access. This risk detection is triggered when a password spray attack has been successfully performed, for example when the attacker is successfully authenticated in the detected instance.",
    "newCountry": "This detection considers past activity locations to determine new and infrequent locations. The anomaly detection engine stores information about previous locations used by users in the organization.",
    "impossibleTravel": "This detection identifies two user activities (in a single or multiple sessions) originating from geographically distant locations within a time period shorter than the time it would have taken the user to travel from the first location to the second, indicating that a different user is using the same credentials.",
    "anonymizedIPAddress": "This risk detection type indicates sign-ins from an anonymous IP address (for example, Tor browser or anonymous VPN).",
    "maliciousIPAddress": "This detection indicates sign-in from a malicious IP address. An IP address is considered malicious based on high failure rates because of invalid credentials received from the IP address or other IP reputation sources.",
    "mcasSuspiciousInboxManipulationRules": "This detection profiles your environment and triggers alerts when suspicious rules that delete or move messages or folders are set on a user's inbox. This detection may indicate that the user's account is compromised, that messages are being intentionally hidden, and that the mailbox is being used to distribute spam or malware in your organization.",
}
IPC_NAMES = {"unfamiliarFeatures": "Unfamiliar sign-in properties", "anomalousToken": "Anomalous Token",
             "passwordSpray": "Password spray", "newCountry": "Activity from infrequent country",
             "impossibleTravel": "Atypical travel", "anonymizedIPAddress": "Anonymous IP address",
             "maliciousIPAddress": "Malicious IP address",
             "mcasSuspiciousInboxManipulationRules": "Suspicious inbox manipulation rules"}


def ipc(n, key, rtype, start, end, upn, client_ip, loc, sev="Medium", tactics=("InitialAccess",), tech=("T1078",),
        timing="Realtime", risk="medium", extra_desc="", more=None):
    ex = {"Detection timing type": timing, "Risk level": risk, "Client IP Address": client_ip,
          "Client Location": loc, "Request Id": gid("req", n, key), "Correlation Id": gid("corr", n, key)}
    if more:
        ex.update(more)
    d = IPC_DESC[rtype] + (" " + extra_desc if extra_desc else "")
    return Alert(n, key, "ipc", IPC_NAMES[rtype], sev, start, end, list(tactics), list(tech), d,
                 alert_type=rtype, compromised=upn, remediation=IPC_REM, extra=ex)


def mdca(n, key, name, sev, start, end, tactics, tech, desc, upn=None, extra=None):
    return Alert(n, key, "mdca", name, sev, start, end, tactics, tech, desc, compromised=upn, extra=extra)


def rule(n, key, name, sev, start, end, tactics, tech, desc, query, results=1, sources=("SigninLogs",), details=None):
    ex = {"Custom Details": json.dumps(details)} if details else None
    return Alert(n, key, "sentinel", name, sev, start, end, tactics, tech, desc, query=query, results=results,
                 data_sources=list(sources), extra=ex)


def mde(n, key, name, sev, start, end, tactics, tech, desc, host_name, extra=None, status=None):
    return Alert(n, key, "mde", name, sev, start, end, tactics, tech, desc, compromised=host_name, extra=extra,
                 status=status)


def mdi(n, key, name, sev, start, end, tactics, tech, desc, comp=None, extra=None):
    return Alert(n, key, "mdi", name, sev, start, end, tactics, tech, desc, compromised=comp, extra=extra)


def mdc(n, key, name, sev, start, end, tactics, tech, desc, atype, resource, comp=None, extra=None, rem=None):
    return Alert(n, key, "mdc", name, sev, start, end, tactics, tech, desc, alert_type=atype, azure_resource=resource,
                 compromised=comp, extra=extra, remediation=rem)


def vps(addr, cc, country, state, city, lat, lon, asn, carrier, ti=None):
    return ip(addr, geo(cc, country, state, city, lat, lon, asn, carrier, carrier), ti)


def own(addr, city="Seattle", state="Washington", cc="US", country="United States", lat=47.6062, lon=-122.3321):
    return ip(addr, geo(cc, country, state, city, lat, lon, 64496, "contoso ltd", "Contoso Ltd"))


def user(name, display, rid, suffix="contoso.com"):
    return account(name, display, upn_suffix=suffix, rid=rid)
