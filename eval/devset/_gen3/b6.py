from common3 import *


def inc321():
    n = 321
    label(n, verdict="dismiss", acceptable=[], compromised=[], actions=[],
          forbidden=[A("disable-account", "MSOL_7c1f0e9a2b4d"), A("isolate-host", "AADC-02"), A("reset-credentials", "MSOL_7c1f0e9a2b4d")],
          tactics=["TA0006"],
          source="Microsoft Entra Connect: the MSOL_ AD DS connector account has Replicate Directory Changes (All) for password hash sync; MDI DCSync alerts when a new sync server is built",
          why="The replication is by the MSOL_ connector account of the new Entra Connect server installed under change CHG-4512; password hash sync requires exactly these rights.")
    aadc = host("AADC-02", os_version="10.0.20348")
    msol = account("MSOL_7c1f0e9a2b4d", "MSOL_7c1f0e9a2b4d", upn_suffix=None, rid=3360, cloud=False)
    aip = ip("10.10.0.44")
    a1 = mdi(n, "dcsync", "Suspected DCSync attack (replication of directory services)", "High", at(14, "10:02"), at(14, "10:09"), ["CredentialAccess"], ["T1003.006"],
             "MSOL_7c1f0e9a2b4d sent 1,204 replication requests from AADC-02 to DC01. AADC-02 is not a domain controller and was first seen 2 days ago.",
             comp="MSOL_7c1f0e9a2b4d")
    created = at(14, "10:25")
    build(n, "entra-connect-msol-replication", "Directory replication from AADC-02",
          "Replication requests from a non-DC server.", "High", "New", created, [a1], [aadc, msol, aip, host("DC01", os_version="10.0.20348", azure_vm="rg-prod-identity")],
          comments=[(TOMAS, at(14, "10:48"), "AADC-02 is the new Entra Connect Sync server (CHG-4512, approved, staging mode switched off today 10:00). "
                     "MSOL_7c1f0e9a2b4d was created by the installer on 12 Jan; password hash sync initial run matches the 1,204 objects.")])


def inc322():
    n = 322
    label(n, verdict="dismiss", acceptable=[], compromised=[], actions=[],
          forbidden=[A("reset-credentials", "ana.souza@contoso.com"), A("block-ip", "203.0.113.33"), A("disable-account", "ana.souza@contoso.com")],
          tactics=["TA0001"],
          source="Entra ID Protection 'Atypical travel' / 'Activity from infrequent country' benign true positives for real travel (Microsoft Learn risk detection investigation)",
          why="Ana's manager confirmed in a comment that she is at the customer site in Sao Paulo this week; the sign-ins use her compliant laptop and MFA.")
    an = user("ana.souza", "Ana Souza", 1440)
    hq = own("198.51.100.23")
    br = ip("203.0.113.33", geo("BR", "Brazil", "Sao Paulo", "Sao Paulo", -23.55, -46.63, 64650, "hotel network br", "Grand Hotel Paulista"))
    a1 = ipc(n, "travel", "impossibleTravel", at(12, "11:10"), at(12, "11:10"), "ana.souza@contoso.com", "203.0.113.33", "Sao Paulo, Sao Paulo, BR",
             timing="Offline", more={"Previous IP": "198.51.100.23", "Previous location": "Seattle, Washington, US"})
    a2 = mdca(n, "country", "Activity from infrequent country", "Medium", at(12, "11:10"), at(12, "11:40"), ["InitialAccess"], ["T1078"],
              "Ana Souza performed activity from Brazil for the first time in 180 days (Outlook, Teams).", upn="ana.souza@contoso.com")
    created = at(12, "12:00")
    build(n, "confirmed-travel-brazil", "Atypical travel for ana.souza: Seattle to Sao Paulo",
          "Sign-ins from Brazil after Seattle activity 14 hours earlier.", "Medium", "Active", created, [a1, a2], [an, hq, br],
          owner=ELENA,
          comments=[(ELENA, at(12, "12:20"), "Asked the user's manager."),
                    (Person("marta.silva@contoso.com", "Marta Silva"), at(12, "12:55"), "Ana is with me at the Fabrikam do Brasil site in Sao Paulo until Friday, "
                     "we flew out Sunday night. Staying at the Grand Hotel Paulista. This is her.")])


def inc323():
    n = 323
    label(n, verdict="dismiss", acceptable=[], compromised=[], actions=[],
          forbidden=[A("remove-inbox-rule", "george.evans@contoso.com"), A("revoke-sessions", "george.evans@contoso.com"), A("reset-credentials", "george.evans@contoso.com")],
          tactics=["TA0009"],
          source="Defender for Cloud Apps 'Suspicious inbox forwarding' false positive for forwarding to the organisation's own other accepted domain (Microsoft Learn, investigate inbox forwarding alerts)",
          why="The rule forwards to george.evans@contoso.co.uk, Contoso's UK domain, was created from the office on his managed device, and George confirmed it to the analyst.")
    ge = user("george.evans", "George Evans", 1450)
    mbx = mailbox("george.evans@contoso.com", "George Evans", ge["properties"]["aadUserId"])
    off = own("198.51.100.61", city="London", state="England", cc="GB", country="United Kingdom", lat=51.5072, lon=-0.1276)
    a1 = mdca(n, "fwd", "Suspicious inbox forwarding", "Medium", at(9, "16:20"), at(9, "16:20"), ["Collection", "Exfiltration"], ["T1114.003"],
              "User George Evans (george.evans@contoso.com) created an inbox rule 'UK copy' that forwards all incoming email to george.evans@contoso.co.uk. "
              "The destination domain is not an accepted domain of this tenant.", upn="george.evans@contoso.com")
    created = at(9, "16:40")
    build(n, "forwarding-to-own-uk-domain", "Inbox forwarding rule to contoso.co.uk",
          "Forwarding rule to an external domain.", "Medium", "Active", created, [a1], [ge, mbx, off],
          owner=KENJI,
          comments=[(KENJI, at(9, "17:05"), "contoso.co.uk is Contoso UK Ltd's tenant (separate M365 tenant, same group; listed in the IT domain register). "
                     "Rule created from the London office 198.51.100.61 on his Intune-compliant laptop."),
                    (KENJI, at(9, "17:22"), "Called George: he set it up himself while he covers the UK desk this quarter. Owner confirmed.")])


def inc324():
    n = 324
    label(n, verdict="dismiss", acceptable=[], compromised=[], actions=[],
          forbidden=[A("isolate-host", "WS-FIN-044"), A("disable-account", "noah.bennett@contoso.com"), A("block-url", "https://go.fabrikam-payments.com/remit")],
          tactics=["TA0001", "TA0002"],
          source="Analyst triage where later context overturns an initial suspicion (Microsoft Defender for Office 365 'Email messages containing malicious URL removed after delivery' benign resolution)",
          why="The newest comment settles it: sandbox re-detonation and the vendor confirm the URL is Fabrikam's real payment portal, the reputation verdict was a false positive since reverted, and the 'child process' was the signed Adobe updater.")
    nb = user("noah.bennett", "Noah Bennett", 1460)
    ws = host("WS-FIN-044", os_version="10.0.22631")
    u = url("https://go.fabrikam-payments.com/remit")
    a1 = Alert(n, "zap", "mdo", "Email messages containing malicious URL removed after delivery", "Medium", at(13, "14:02"), at(13, "14:02"), ["InitialAccess"], ["T1566.002"],
               "Emails containing a malicious URL (https://go.fabrikam-payments.com/remit) were removed from 3 mailboxes after delivery by zero-hour auto purge. "
               "One recipient (noah.bennett@contoso.com) clicked the URL before removal.", compromised="noah.bennett@contoso.com")
    a2 = mde(n, "proc", "Unusual process launched after browser download", "Low", at(13, "14:06"), at(13, "14:06"), ["Execution"], ["T1204"],
             "A process started on WS-FIN-044 shortly after the user visited a URL flagged as malicious.", "WS-FIN-044")
    created = at(13, "14:20")
    build(n, "newest-comment-resolves-url-click", "User clicked URL later removed by ZAP; process launch on WS-FIN-044",
          "Post-delivery URL verdict change and a click by one user.", "Medium", "Active", created, [a1, a2], [nb, ws, u],
          owner=AISHA,
          comments=[(AISHA, at(13, "14:35"), "Noah clicked before ZAP. Process launch right after. Looks like a possible compromise; preparing containment."),
                    (KENJI, at(13, "14:50"), "Agree this is suspicious, the timing lines up. Holding off isolating until we see what the process is."),
                    (AISHA, at(13, "15:40"), "Resolved: the launched process is AdobeARMservice/AdobeARM.exe (signed Adobe updater, scheduled, unrelated). "
                     "Re-detonation of the URL is clean; Fabrikam AP confirmed go.fabrikam-payments.com is their genuine remittance portal and Microsoft "
                     "reverted the URL verdict (submission 7d1e...). Not a compromise.")])
