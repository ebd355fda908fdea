"""220-230: documented benign patterns (dismiss) and one contained attempt (remediate)."""
from common_2xx import *
from endpoint_2xx import PS_DIR, mde_extra


# ---------------------------------------------------------------- 220
def inc220():
    """Impossible travel between two egress points of the company's own web
    proxy; only the addresses' enrichment says so."""
    n = 220
    marta = account("marta.nowak", "Marta Nowak", rid=1820)
    waw = place("198.51.100.71", "PL", "Poland", "Mazowieckie", "Warsaw", 52.2297, 21.0122, 64496, "contoso ltd",
                org_type="Corporate")
    dub = place("203.0.113.142", "IE", "Ireland", "Leinster", "Dublin", 53.3498, -6.2603, 64496, "contoso ltd",
                org_type="Corporate")
    lt = host("LT-FIN-311", os_version="10.0.22631")
    a1 = Alert(n, "travel", "mdca", "Impossible travel activity", "Medium", at(12, "08:03", 40), at(12, "08:19", 5),
               ["InitialAccess"], ["T1078"],
               "The user Marta Nowak (marta.nowak@contoso.com) performed activities from 198.51.100.71 in Poland and "
               "203.0.113.142 in Ireland within 16 minutes. Activities: Teams chat, Outlook mail read, SharePoint file view.",
               alert_type="MCAS_ALERT_ANUBIS_DETECTION_VELOCITY", compromised="marta.nowak@contoso.com",
               extra={"Countries": "Poland, Ireland", "Activity count": "57", "Device": "LT-FIN-311 (Entra joined, compliant)"})
    a2 = Alert(n, "atypical", "ipc", "Atypical travel", "Medium", at(12, "08:19", 5), at(12, "08:19", 5), ["InitialAccess"], ["T1078"],
               "This risk detection type identifies two sign-ins originating from geographically distant locations, where at "
               "least one of the locations may also be atypical for the user, given past behavior.",
               alert_type="ImpossibleTravel", compromised="marta.nowak@contoso.com", remediation=IPC_STEPS,
               extra={"Detection timing type": "Offline", "Risk level": "low", "Client IP Address": "203.0.113.142",
                      "Previous Location": "Warsaw, Mazowieckie, PL", "Current Location": "Dublin, Leinster, IE"})
    a3 = Alert(n, "country", "mdca", "Activity from infrequent country", "Low", at(12, "08:19", 5), at(12, "08:25", 0),
               ["InitialAccess"], ["T1078"],
               "Marta Nowak performed activity from Ireland, a country not used by her in the last 90 days.",
               alert_type="MCAS_ALERT_ANUBIS_DETECTION_NEW_COUNTRY", compromised="marta.nowak@contoso.com")
    build(n, "web-proxy-egress-travel", "Impossible travel activity involving one user",
          "Activities of marta.nowak@contoso.com from Warsaw (198.51.100.71) and, 16 minutes later, Dublin (203.0.113.142).",
          "Medium", "New", at(12, "08:45"), [a1, a2, a3], [marta, waw, dub, lt, O365, TEAMS, SPO])
    label(n, "dismiss", [], [], [],
          [A("block-ip", "198.51.100.71"), A("block-ip", "203.0.113.142"), A("reset-credentials", "marta.nowak@contoso.com"),
           A("revoke-sessions", "marta.nowak@contoso.com")],
          ["TA0001"],
          "Microsoft Learn, Defender for Cloud Apps 'Investigate anomaly detection alerts' (impossible travel from corporate "
          "proxy/VPN egress; configure corporate IP ranges) and Entra ID Protection 'Atypical travel' guidance",
          "Both addresses belong to Contoso's own network (AS64496, organisation contoso ltd) and the activity came from the same "
          "compliant laptop: the proxy changed egress, the user did not move.")


# ---------------------------------------------------------------- 221
def inc221():
    """An approved internal pen test doing exactly what its scope allows."""
    n = 221
    kali = host("PT-KALI-02", os_family="Linux", os_version="Kali GNU/Linux Rolling 2025.4", joined=False)
    ip_kali = ip("10.90.5.14")
    pt = ad_account("pt-northwind01", "Northwind pen test operator 01", 3821)
    svcs = [ad_account(a, d, r) for a, d, r in [("svc-sqlreport", "SQL Reporting service", 3822), ("svc-iisapp", "IIS application pool", 3823)]]
    grp = security_group("CN=Domain Admins,CN=Users,DC=contoso,DC=local", rid=512)
    a1 = Alert(n, "ldap", "mdi", "Security principal reconnaissance (LDAP)", "Medium", at(7, "10:05", 12), at(7, "10:41", 30),
               ["Discovery"], ["T1087", "T1069"],
               "pt-northwind01 on PT-KALI-02 (10.90.5.14) ran 2,310 LDAP queries against DC-PROD-01 enumerating users, "
               "groups, computers and ACLs, consistent with SharpHound/BloodHound collection.",
               compromised="pt-northwind01", alert_type="LdapSearchReconnaissanceSecurityAlert",
               extra={"Source computer": "PT-KALI-02", "Domain controller": "DC-PROD-01"})
    a2 = Alert(n, "samr", "mdi", "User and Group membership reconnaissance (SAMR)", "Medium", at(7, "10:22", 0), at(7, "10:24", 40),
               ["Discovery"], ["T1087", "T1069"],
               "pt-northwind01 on PT-KALI-02 queried the members of Domain Admins and Enterprise Admins over SAMR.",
               compromised="pt-northwind01", alert_type="SamrReconnaissanceSecurityAlert")
    a3 = Alert(n, "spn", "mdi", "Suspected Kerberos SPN exposure", "High", at(7, "11:12", 3), at(7, "11:12", 50),
               ["CredentialAccess"], ["T1558"],
               "pt-northwind01 on PT-KALI-02 requested RC4 service tickets for 37 service accounts, including svc-sqlreport "
               "and svc-iisapp, which can be cracked offline (Kerberoasting).",
               compromised="pt-northwind01", alert_type="KerberosSpnExposureSecurityAlert")
    build(n, "pentest-kerberoast-in-scope", "Reconnaissance and Kerberoasting from PT-KALI-02",
          "LDAP and SAMR reconnaissance and service ticket requests for 37 SPNs from PT-KALI-02 (10.90.5.14) as pt-northwind01.",
          "High", "Active", at(7, "11:40"), [a1, a2, a3],
          [kali, ip_kali, pt] + svcs + [grp, DC_PROD_01, IP_DC_PROD_01], owner=ROSA, labels=[("PenTest", "User")],
          comments=[(ROSA, at(7, "12:05"),
                     "Engagement ENG-2026-01, Northwind Offensive Security, 2026-01-05 to 2026-01-16: assumed-breach test from PT-KALI-02 "
                     "(10.90.5.14, pen test VLAN) with the account pt-northwind01. In scope: AD enumeration, Kerberoasting "
                     "and offline cracking. Out of scope: DCSync, changes to production, any data leaving Contoso."),
                    (ROSA, at(7, "12:18"),
                     "Kagiso Mbeki (Northwind lead) confirms they ran BloodHound at 10:05 and Kerberoasting at 11:12 today. "
                     "Matches the alerts exactly; nothing outside the scope.")])
    label(n, "dismiss", [], [], [],
          [A("isolate-host", "DC-PROD-01"), A("block-ip", "10.90.5.14"), A("disable-account", "svc-sqlreport")],
          ["TA0007", "TA0006"],
          "Documented benign positive: authorised penetration test within its written scope (Microsoft Learn, Defender for "
          "Identity reconnaissance and credential access alerts)",
          "The host, account, techniques and times are those of the approved engagement, confirmed by the test lead; nothing "
          "outside its scope happened.")


# ---------------------------------------------------------------- 222
def inc222():
    """Configuration Manager client running an encoded compliance script as SYSTEM."""
    n = 222
    ws = host("WS-FIN-207", os_version="10.0.22631")
    system = SYSTEM
    script = ("$v = Get-BitLockerVolume -MountPoint 'C:'\n"
              "$on = if ($v.ProtectionStatus -eq 'On' -and $v.EncryptionPercentage -eq 100) { 1 } else { 0 }\n"
              "New-Item -Path 'HKLM:\\SOFTWARE\\Contoso\\Compliance' -Force | Out-Null\n"
              "New-ItemProperty -Path 'HKLM:\\SOFTWARE\\Contoso\\Compliance' -Name 'BitLockerOn' -Value $on -PropertyType DWord -Force | Out-Null\n"
              "Write-Output $on")
    b64 = enc_ps(script)
    f_ccm = file("C:\\Windows\\CCM", "CcmExec.exe", h=ws)
    f_ps = file(PS_DIR, "powershell.exe", h=ws)
    p_ccm = process(n, 2748, "C:\\Windows\\CCM\\CcmExec.exe", fmt(at(9, "07:12", 0)), f_ccm, None, system, ws, "Full")
    p_ps = process(n, 16604, f"\"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe\" -NoLogo -NonInteractive -NoProfile -ExecutionPolicy Bypass -EncodedCommand {b64}",
                   fmt(at(10, "03:00", 41)), f_ps, p_ccm, system, ws, "Full")
    key = registry_key("HKEY_LOCAL_MACHINE", "SOFTWARE\\Contoso\\Compliance")
    val = registry_value(key, "BitLockerOn", "1", "DWord")
    q = ("DeviceProcessEvents\n| where FileName =~ \"powershell.exe\" and ProcessCommandLine has_any (\"-enc\", \"-EncodedCommand\")\n"
         "| where AccountSid == \"S-1-5-18\"\n| project TimeGenerated, DeviceName, ProcessCommandLine, InitiatingProcessFileName, InitiatingProcessFolderPath")
    a1 = Alert(n, "rule", "sentinel", "Encoded PowerShell executed as SYSTEM", "Medium", at(10, "03:00", 41), at(10, "03:00", 41),
               ["Execution", "DefenseEvasion"], ["T1059", "T1027"],
               "PowerShell ran as NT AUTHORITY\\SYSTEM on WS-FIN-207 with -EncodedCommand and -ExecutionPolicy Bypass.",
               query=q, results=1, data_sources=["DeviceProcessEvents"])
    a2 = Alert(n, "mde", "mde", "Anomalous PowerShell execution", "Medium", at(10, "03:00", 41), at(10, "03:00", 49),
               ["Execution", "Persistence"], ["T1059", "T1112"],
               "A PowerShell process with an encoded command line wrote a value under HKLM\\SOFTWARE\\Contoso on WS-FIN-207. "
               "Encoded commands are often used to hide malicious intent.", compromised="WS-FIN-207",
               extra=mde_extra(["T1059.001", "T1112"], "Execution", "EDR", ws))
    build(n, "configmgr-encoded-compliance-script", "Encoded PowerShell as SYSTEM on WS-FIN-207",
          "PowerShell with an encoded command and execution-policy bypass ran as SYSTEM on WS-FIN-207 and modified the registry.",
          "Medium", "New", at(10, "03:20"), [a1, a2], [ws, system, p_ccm, p_ps, f_ccm, f_ps, key, val])
    label(n, "dismiss", [], [], [], [A("isolate-host", "WS-FIN-207")], ["TA0002", "TA0005"],
          "Microsoft Learn, Configuration Manager client scripts (configuration item and detection scripts run by CcmExec as "
          "SYSTEM); documented false positive of encoded PowerShell from management agents",
          "The parent is the Configuration Manager client (C:\\Windows\\CCM\\CcmExec.exe) and the decoded script only checks "
          "BitLocker and records the result in Contoso's compliance key, in the Saturday 03:00 maintenance window.")


# ---------------------------------------------------------------- 223
def inc223():
    """Intune remediation downloading an installer from Contoso's own storage
    account through an encoded command."""
    n = 223
    lt = host("LT-ENG-144", os_version="10.0.22631")
    wei = account("wei.zhang", "Wei Zhang", rid=1823)
    system = SYSTEM
    pkg = "https://contosoitpackages.blob.core.windows.net/remediation/ZoomWorkplace-6.3.11-x64.msi"
    script = (f"$u = '{pkg}'\n"
              "$o = \"$env:ProgramData\\Contoso\\Remediation\\ZoomWorkplace.msi\"\n"
              "New-Item -ItemType Directory -Path (Split-Path $o) -Force | Out-Null\n"
              "Invoke-WebRequest -Uri $u -OutFile $o -UseBasicParsing\n"
              "if ((Get-AuthenticodeSignature $o).SignerCertificate.Subject -like '*Zoom Communications*') {\n"
              "  Start-Process msiexec.exe -ArgumentList \"/i `\"$o`\" /qn /norestart\" -Wait\n}")
    b64 = enc_ps(script)
    f_ime = file("C:\\Program Files (x86)\\Microsoft Intune Management Extension", "Microsoft.Management.Services.IntuneWindowsAgent.exe", h=lt)
    f_ae = file("C:\\Program Files (x86)\\Microsoft Intune Management Extension", "AgentExecutor.exe", h=lt)
    f_ps = file(PS_DIR, "powershell.exe", h=lt)
    h_msi = filehash(sha256("223/ZoomWorkplace-6.3.11-x64.msi"))
    f_msi = file("C:\\ProgramData\\Contoso\\Remediation", "ZoomWorkplace.msi", [h_msi], h=lt)
    p_ime = process(n, 3120, '"C:\\Program Files (x86)\\Microsoft Intune Management Extension\\Microsoft.Management.Services.IntuneWindowsAgent.exe"',
                    fmt(at(13, "07:45", 10)), f_ime, None, system, lt, "Full")
    p_ae = process(n, 12908, '"C:\\Program Files (x86)\\Microsoft Intune Management Extension\\AgentExecutor.exe" -remediationScript '
                   '"C:\\Windows\\IMECache\\HealthScripts\\5d0e7c1a-3b44-4e2a-9c1f-8a2f6e3d9b70_3\\remediate.ps1" "" "" 60000 '
                   '"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe" 0 "" "" ""',
                   fmt(at(13, "09:30", 2)), f_ae, p_ime, system, lt, "Full")
    p_ps = process(n, 13044, f"powershell.exe -NoProfile -ExecutionPolicy Bypass -EncodedCommand {b64}", fmt(at(13, "09:30", 4)),
                   f_ps, p_ae, system, lt, "Full")
    u = url(pkg)
    a1 = Alert(n, "cradle", "mde", "Suspicious PowerShell download or encoded command execution", "Medium",
               at(13, "09:30", 4), at(13, "09:30", 40), ["Execution", "CommandAndControl"], ["T1059", "T1027", "T1105"],
               "A PowerShell command with an encoded download cradle ran on LT-ENG-144 and fetched an installer from a blob "
               "storage URL, which was then installed with msiexec.", compromised="LT-ENG-144",
               extra=mde_extra(["T1059.001", "T1027", "T1105"], "Execution", "EDR", lt))
    q = ("DeviceFileEvents\n| where InitiatingProcessFileName =~ \"powershell.exe\"\n| where FileName endswith \".msi\" or FileName endswith \".exe\"\n"
         "| where FileOriginUrl has \"blob.core.windows.net\"")
    a2 = Alert(n, "dl", "sentinel", "PowerShell downloaded an installer from cloud storage", "Low", at(13, "09:30", 12), at(13, "09:30", 30),
               ["CommandAndControl"], ["T1105"],
               "powershell.exe on LT-ENG-144 wrote ZoomWorkplace.msi (84 MB) to C:\\ProgramData\\Contoso\\Remediation from "
               "contosoitpackages.blob.core.windows.net.", query=q, results=1, data_sources=["DeviceFileEvents"])
    build(n, "intune-remediation-download", "Encoded PowerShell download on LT-ENG-144",
          "An encoded PowerShell command downloaded and installed an MSI package on LT-ENG-144 (user wei.zhang).",
          "Medium", "New", at(13, "09:50"), [a1, a2], [lt, wei, system, p_ime, p_ae, p_ps, f_ime, f_ae, f_ps, f_msi, h_msi, u])
    label(n, "dismiss", [], [], [], [A("block-url", pkg), A("isolate-host", "LT-ENG-144")], ["TA0002", "TA0011"],
          "Microsoft Learn, 'Remediations' in Microsoft Intune (scripts run by the Intune Management Extension through "
          "AgentExecutor.exe); documented false positive of management agents running encoded PowerShell",
          "AgentExecutor.exe of the Intune Management Extension launched the script, and the decoded command installs a "
          "Zoom-signed package from Contoso's own package storage account.")


# ---------------------------------------------------------------- 224
def inc224():
    """Nightly Microsoft 365 backup by the backup appliance's service account."""
    n = 224
    svc = account("svc-cohesity-m365", "Cohesity M365 backup", rid=3824)
    grp = security_group("CN=M365 Backup Service Accounts,OU=Service Groups,DC=contoso,DC=local", rid=4824)
    app = cloud_app("Cohesity DataProtect", extra={"Sanctioned": True, "Category": "Cloud storage backup"})
    a1 = Alert(n, "massdl", "mdca", "Mass download by a single user", "Medium", at(11, "01:00", 12), at(11, "05:31", 40),
               ["Collection", "Exfiltration"], ["T1530", "T1567"],
               "Cohesity M365 backup (svc-cohesity-m365@contoso.com) downloaded 61,408 files (94 GB) from SharePoint Online "
               "and OneDrive for Business in 4.5 hours from 198.51.100.90, far above the activity of other users.",
               alert_type="MCAS_ALERT_ANUBIS_DETECTION_MASS_DOWNLOAD", compromised="svc-cohesity-m365@contoso.com",
               extra={"Files": "61408", "Apps": "Microsoft SharePoint Online, Microsoft OneDrive for Business"})
    q = ("let svc = _GetWatchlist('ServiceAccounts') | project SearchKey, Owner, Purpose;\n"
         "OfficeActivity\n| where Operation in (\"FileDownloaded\", \"FileSyncDownloadedFull\")\n"
         "| summarize Files = count() by UserId, ClientIP, bin(TimeGenerated, 1h)\n| where Files > 5000\n"
         "| join kind=leftouter svc on $left.UserId == $right.SearchKey")
    a2 = Alert(n, "rule", "sentinel", "Unusual volume of file downloads from SharePoint", "Medium", at(11, "01:00", 12), at(11, "05:31", 40),
               ["Collection"], ["T1530"],
               "svc-cohesity-m365@contoso.com downloaded more than 5,000 files per hour from 198.51.100.90.",
               query=q, results=5, data_sources=["OfficeActivity"],
               extra={"Custom Details": json.dumps({"WatchlistOwner": ["Infrastructure - Backup & Storage"],
                                                    "WatchlistPurpose": ["Cohesity DataProtect nightly M365 backup, 01:00 UTC"]})})
    build(n, "backup-appliance-mass-download", "Mass download by svc-cohesity-m365",
          "61,408 files downloaded from SharePoint Online and OneDrive by svc-cohesity-m365@contoso.com overnight.",
          "Medium", "New", at(11, "05:55"), [a1, a2], [svc, grp, app, EGRESS_SEATTLE_DC, SPO, ODB])
    label(n, "dismiss", [], [], [],
          [A("disable-account", "svc-cohesity-m365@contoso.com"), A("block-ip", "198.51.100.90"),
           A("revoke-sessions", "svc-cohesity-m365@contoso.com")],
          ["TA0009", "TA0010"],
          "Microsoft Learn, Defender for Cloud Apps anomaly detection policies ('Mass download'): backup and sync service "
          "accounts are a documented source of benign positives to exclude",
          "The account is the registered Cohesity backup account (service-account watchlist, backup group) running its "
          "01:00 job from Contoso's own datacenter egress.")


# ---------------------------------------------------------------- 225
def inc225():
    """Credentialed Rapid7 scan tripping identity and logon detections inside its window."""
    n = 225
    scan = host("R7-SCAN-03", os_family="Linux", os_version="Ubuntu 22.04.5 LTS", joined=False)
    ip_scan = ip("10.20.5.30")
    svc = ad_account("svc-r7scan", "Rapid7 InsightVM scan account", 3825)
    grp = security_group("CN=Vulnerability Scanners,OU=Service Groups,DC=contoso,DC=local", rid=4120)
    srv = host("SRV-APP-11", os_version="10.0.20348")
    a1 = Alert(n, "rce", "mdi", "Remote code execution attempt", "Medium", at(14, "01:14", 0), at(14, "02:52", 30),
               ["Execution", "LateralMovement"], ["T1569", "T1021"],
               "svc-r7scan on R7-SCAN-03 (10.20.5.30) created and started a service remotely on 214 servers, including "
               "SRV-APP-11 and DC-PROD-01, and read remote registry keys.",
               compromised="svc-r7scan", alert_type="RemoteExecutionSecurityAlert",
               extra={"Source computer": "R7-SCAN-03", "Destinations": "214 computers"})
    q = ("SecurityEvent\n| where EventID == 4625\n| summarize Failures = count(), Targets = dcount(Computer) by IpAddress, TargetUserName, bin(TimeGenerated, 1h)\n"
         "| where Targets > 50")
    a2 = Alert(n, "fails", "sentinel", "Failed logons from one source against many servers", "Low", at(14, "01:02", 0), at(14, "03:10", 0),
               ["CredentialAccess"], ["T1110"],
               "10.20.5.30 produced 1,904 failed logons (4625, unknown user name or bad password) against 388 computers, "
               "mostly for the local accounts 'admin', 'root' and 'guest' that the scan checks for default passwords.",
               query=q, results=1904, data_sources=["SecurityEvent"])
    build(n, "credentialed-scan-window", "Remote execution and logon failures from R7-SCAN-03",
          "R7-SCAN-03 (10.20.5.30) created services on 214 servers and produced 1,904 failed logons between 01:02 and 03:10 UTC.",
          "Medium", "Active", at(14, "03:30"), [a1, a2],
          [scan, ip_scan, svc, grp, srv, DC_PROD_01, IP_DC_PROD_01], owner=TOBIAS,
          labels=[("Vulnerability scanner", "User")],
          comments=[(TOBIAS, at(14, "07:15"),
                     "R7-SCAN-03 is the InsightVM scan engine of the Vulnerability Management team (CMDB: known asset). Its "
                     "credentialed 'Servers - weekly' scan runs Wednesdays 01:00-04:00 UTC with svc-r7scan; the scan log "
                     "shows this run started 01:00 and finished 03:12. Default-credential checks explain the failures.")])
    label(n, "dismiss", [], [], [],
          [A("isolate-host", "R7-SCAN-03"), A("disable-account", "svc-r7scan"), A("block-ip", "10.20.5.30"),
           A("isolate-host", "DC-PROD-01")],
          ["TA0002", "TA0008", "TA0006"],
          "Microsoft Learn, Defender for Identity exclusions and known benign sources (vulnerability scanners); Rapid7 "
          "InsightVM credentialed scanning documentation",
          "The registered scan engine and its account, inside the scan's weekly Wednesday window, confirmed by its job log.")


# ---------------------------------------------------------------- 226
def inc226():
    """A branch multifunction printer keeps retrying SMTP AUTH with a rotated password."""
    n = 226
    svc = account("scan2mail-lyon", "Lyon MFP scan to email", rid=3826)
    mfp = host("MFP-LYO-03", os_family="Unknown", os_version="Ricoh IM C3010", dns="contoso.local", joined=False)
    lyon = place("198.51.100.112", "FR", "France", "Auvergne-Rhone-Alpes", "Lyon", 45.7640, 4.8357, 64496, "contoso france sas",
                 org_type="Corporate")
    ip_mfp = ip("10.44.2.30")
    q = ("SigninLogs\n| where ResultType in (\"50126\", \"50053\")\n| summarize Failures = count(), Lockouts = countif(ResultType == \"50053\") by UserPrincipalName, IPAddress, ClientAppUsed, bin(TimeGenerated, 1h)\n"
         "| where Failures > 50")
    a1 = Alert(n, "lockout", "sentinel", "Excessive failed sign-ins followed by account lockout", "Medium",
               at(12, "06:00", 20), at(12, "09:31", 0), ["CredentialAccess"], ["T1110"],
               "scan2mail-lyon@contoso.com failed 1,482 sign-ins (50126 invalid password, then 50053 locked) from "
               "198.51.100.112 with the client app 'Authenticated SMTP', one attempt about every 8 seconds.",
               query=q, results=1482, data_sources=["SigninLogs"])
    a2 = Alert(n, "mdca", "mdca", "Multiple failed login attempts", "Medium", at(12, "06:00", 20), at(12, "09:31", 0),
               ["CredentialAccess"], ["T1110"],
               "Lyon MFP scan to email (scan2mail-lyon@contoso.com) made 1,482 failed login attempts to Microsoft Exchange "
               "Online from 198.51.100.112 in a single session.",
               alert_type="MCAS_ALERT_ANUBIS_DETECTION_MULTIPLE_FAILED_LOGIN_ATTEMPTS", compromised="scan2mail-lyon@contoso.com")
    build(n, "mfp-smtp-stale-password", "Repeated failed sign-ins and lockout for scan2mail-lyon",
          "1,482 failed SMTP AUTH sign-ins and lockouts for scan2mail-lyon@contoso.com from 198.51.100.112.",
          "Medium", "Active", at(12, "09:50"), [a1, a2], [svc, mfp, lyon, ip_mfp, EXO], owner=YUKI,
          comments=[(YUKI, at(12, "10:12"),
                     "Facilities: the vault rotated the scan2mail-lyon password on Friday 2026-01-09 (CHG0052870). The Ricoh MFP "
                     "in the Lyon office (MFP-LYO-03) still has the old one and retries every few seconds. 198.51.100.112 is "
                     "the Lyon office internet line. Local IT updates the device today (RITM0093311).")])
    label(n, "dismiss", [], [], [], [A("block-ip", "198.51.100.112"), A("disable-account", "scan2mail-lyon@contoso.com")],
          ["TA0006"],
          "Microsoft Learn, 'How to set up a multifunction device or application to send email using Microsoft 365' (SMTP AUTH "
          "client submission) and Entra smart lockout troubleshooting: stale credentials after a password change",
          "A printer in Contoso's Lyon office with the pre-rotation password, from the office's own line; no success and no "
          "other source.")


# ---------------------------------------------------------------- 227
def inc227():
    """A new Entra Cloud Sync provisioning agent replicating the directory."""
    n = 227
    sync = host("SYNC-02", os_version="10.0.20348", azure_vm="rg-prod-identity")
    ip_sync = ip("10.16.0.41")
    gmsa = ad_account("provAgentgMSA$", "Microsoft Entra provisioning agent gMSA", 3827)
    adm = account("adm-hbauer", "Hanna Bauer (identity admin)", rid=2827)
    agent_app = cloud_app("Microsoft Entra Cloud Sync", extra={"AgentName": "SYNC-02", "AgentVersion": "1.1.1586.0"})
    a1 = Alert(n, "dcsync", "mdi", "Suspected DCSync attack (replication of directory services)", "High",
               at(8, "14:06", 30), at(8, "14:09", 2), ["CredentialAccess"], ["T1003"],
               "provAgentgMSA$ on SYNC-02 sent replication requests to DC-PROD-01, including password hash data for all "
               "users. SYNC-02 is not a domain controller.", compromised="SYNC-02",
               alert_type="DirectoryServicesReplicationSecurityAlert",
               extra={"Source computer": "SYNC-02", "Account": "CONTOSO\\provAgentgMSA$", "Domain controller": "DC-PROD-01"})
    q = ("AuditLogs\n| where LoggedByService == \"Microsoft Entra Connect Cloud Sync\" or OperationName has \"agent\"\n"
         "| where OperationName in (\"Register connector\", \"Add agent to agent group\", \"Enable password hash synchronization\")")
    a2 = Alert(n, "agent", "sentinel", "Provisioning agent registered in the tenant", "Informational",
               at(8, "13:41", 2), at(8, "13:55", 40), ["Persistence"], ["T1098"],
               "adm-hbauer@contoso.com registered the Microsoft Entra provisioning agent on SYNC-02 (agent group 'contoso.local "
               "Cloud Sync'), created the gMSA provAgentgMSA$ and enabled password hash synchronization for the configuration "
               "under change CHG0052755.", query=q, results=3, data_sources=["AuditLogs"])
    build(n, "cloud-sync-agent-replication", "Suspected DCSync from SYNC-02",
          "Directory replication requests from SYNC-02, a server that is not a domain controller, using provAgentgMSA$.",
          "High", "New", at(8, "14:30"), [a2, a1],
          [sync, ip_sync, gmsa, adm, agent_app, DC_PROD_01, IP_DC_PROD_01, EGRESS_SEATTLE_DC],
          tasks=[(TOBIAS, at(8, "14:41"), "Confirm SYNC-02 with the identity team",
                  "If confirmed, add SYNC-02 to the Defender for Identity DCSync exclusions.", "New", None)])
    label(n, "dismiss", [], [], [],
          [A("isolate-host", "DC-PROD-01"), A("isolate-host", "SYNC-02"), A("disable-account", "provAgentgMSA$")],
          ["TA0006"],
          "Microsoft Learn, 'Microsoft Entra Cloud Sync: group Managed Service Accounts' (the provisioning agent's gMSA holds "
          "Replicate Directory Changes for password hash sync) and the Defender for Identity DCSync alert guidance",
          "The single audit alert shows the identity admin registering the provisioning agent on SYNC-02 and enabling password "
          "hash sync minutes before: the replication is the new sync agent's first run.")


# ---------------------------------------------------------------- 228
def inc228():
    """A confirmed business trip to a trade show."""
    n = 228
    dan = account("daniel.ortiz", "Daniel Ortiz", rid=1828)
    ams = place("198.51.100.24", "NL", "Netherlands", "North Holland", "Amsterdam", 52.3676, 4.9041, 64496, "contoso ltd",
                org_type="Corporate")
    hotel = place("203.0.113.27", "US", "United States", "Nevada", "Las Vegas", 36.1699, -115.1398, 64562, "cox communications inc.",
                  org_type="Internet Service Provider")
    lt = host("LT-SLS-009", os_version="10.0.22631")
    a1 = Alert(n, "atyp", "ipc", "Atypical travel", "Medium", at(6, "02:17", 40), at(6, "02:17", 40), ["InitialAccess"], ["T1078"],
               "This risk detection type identifies two sign-ins originating from geographically distant locations, where at "
               "least one of the locations may also be atypical for the user, given past behavior.",
               alert_type="ImpossibleTravel", compromised="daniel.ortiz@contoso.com", remediation=IPC_STEPS,
               extra={"Detection timing type": "Offline", "Risk level": "medium", "Client IP Address": "203.0.113.27",
                      "Previous Location": "Amsterdam, North Holland, NL", "Current Location": "Las Vegas, Nevada, US"})
    a2 = Alert(n, "country", "mdca", "Activity from infrequent country", "Low", at(6, "02:17", 40), at(6, "02:40", 0),
               ["InitialAccess"], ["T1078"],
               "Daniel Ortiz performed activity from the United States, a country not used by him in the last 90 days.",
               alert_type="MCAS_ALERT_ANUBIS_DETECTION_NEW_COUNTRY", compromised="daniel.ortiz@contoso.com")
    build(n, "confirmed-trade-show-travel", "Atypical travel for daniel.ortiz",
          "Sign-in of daniel.ortiz@contoso.com from Las Vegas (203.0.113.27), 13 hours after one from Amsterdam.",
          "Medium", "Active", at(6, "03:00"), [a1, a2], [dan, ams, hotel, lt, O365, EXO], owner=ROSA,
          comments=[(ROSA, at(6, "08:32"),
                     "Daniel is at CES in Las Vegas, 2026-01-06 to 2026-01-09 (travel booking TRV-22871, approved by his "
                     "manager). Flew AMS-LAS on 2026-01-05. The sign-ins are from his compliant laptop LT-SLS-009 with number-matching MFA; "
                     "he confirmed them by Teams this morning.")])
    label(n, "dismiss", [], [], [],
          [A("reset-credentials", "daniel.ortiz@contoso.com"), A("block-ip", "198.51.100.24"), A("block-ip", "203.0.113.27")],
          ["TA0001"],
          "Microsoft Learn, Entra ID Protection 'Atypical travel' and 'Remediate risks and unblock users' (confirm safe when "
          "the user confirms the travel)",
          "The trip is booked and approved, the device is his compliant laptop and he confirmed the sign-ins himself.")


# ---------------------------------------------------------------- 229
def inc229():
    """A forwarding rule to the subsidiary's domain, confirmed by its owner."""
    n = 229
    giu = account("giulia.romano", "Giulia Romano", rid=1829)
    mbx = mailbox("giulia.romano@contoso.com", "Giulia Romano", giu["properties"]["aadUserId"])
    milan = place("198.51.100.16", "IT", "Italy", "Lombardy", "Milan", 45.4642, 9.1900, 64496, "contoso italia srl",
                  org_type="Corporate")
    target = "giulia.romano@litwareinc.com"
    a1 = Alert(n, "fwd", "mdca", "Suspicious inbox forwarding", "Medium", at(14, "09:12", 33), at(14, "09:12", 33),
               ["Collection", "Exfiltration"], ["T1114", "T1020"],
               f"User Giulia Romano (giulia.romano@contoso.com) created an inbox rule that forwards all incoming email to "
               f"the external address {target}.",
               alert_type="MCAS_ALERT_ANUBIS_DETECTION_SUSPICIOUS_INBOX_FORWARDING", compromised="giulia.romano@contoso.com",
               extra={"Rule name": "Copy to Litware mailbox", "Forwarding address": target, "Client IP": "198.51.100.16"})
    q = ("OfficeActivity\n| where Operation =~ \"New-InboxRule\"\n| where tostring(Parameters) has_any (\"ForwardTo\", \"RedirectTo\")\n"
         "| project TimeGenerated, UserId, ClientIP, Parameters")
    a2 = Alert(n, "rule", "sentinel", "Mail forwarding rule to an external domain", "Low", at(14, "09:12", 33), at(14, "09:12", 33),
               ["Collection"], ["T1114"],
               f"giulia.romano@contoso.com: New-InboxRule 'Copy to Litware mailbox' -ForwardTo {target}, from 198.51.100.16.",
               query=q, results=1, data_sources=["OfficeActivity"])
    build(n, "owner-confirmed-forward-subsidiary", "Inbox forwarding rule for giulia.romano to litwareinc.com",
          f"giulia.romano@contoso.com created a rule forwarding all mail to {target}.",
          "Medium", "Active", at(14, "09:40"), [a1, a2], [giu, mbx, milan, EXO], owner=TOBIAS,
          comments=[(TOBIAS, at(14, "10:05"),
                     "Giulia confirms she created the rule at 09:12 from her laptop in the Milan office: she works half-time "
                     "for Litware during the integration and reads everything in her Litware mailbox. litwareinc.com is "
                     "Contoso's subsidiary (acquired 2025, separate tenant, listed in our own-domains watchlist). Her manager "
                     "approved it; RITM0093650 tracks a cross-tenant mailbox instead.")])
    label(n, "dismiss", [], [], [],
          [A("remove-inbox-rule", "giulia.romano@contoso.com"), A("disable-account", "giulia.romano@contoso.com"),
           A("block-ip", "198.51.100.16")],
          ["TA0009", "TA0010"],
          "Microsoft Learn, Defender for Cloud Apps 'Suspicious inbox forwarding' and Microsoft 365 alert policy 'Suspicious "
          "email forwarding activity': forwarding to the organisation's own domains is a documented benign positive",
          "The mailbox owner created the rule herself, from the office, to the company's own subsidiary domain, with her "
          "manager's approval.")


# ---------------------------------------------------------------- 230
def inc230():
    """MFA prompts refused and reported by the user: the password is known, the
    account is not taken."""
    n = 230
    kojo = account("kojo.boateng", "Kojo Boateng", rid=1830)
    atk = place("203.0.113.112", "US", "United States", "Illinois", "Chicago", 41.8781, -87.6298, 64563, "tzulo inc",
                org_type="Hosting/Data Center")
    accra = place("198.51.100.35", "GH", "Ghana", "Greater Accra", "Accra", 5.6037, -0.1870, 64496, "contoso ghana ltd",
                  org_type="Corporate")
    q = ("SigninLogs\n| where ResultType == \"500121\"\n| summarize Denied = count() by UserPrincipalName, IPAddress, bin(TimeGenerated, 30m)\n| where Denied >= 5")
    a1 = Alert(n, "push", "sentinel", "Repeated MFA push denials for one user", "Medium", at(14, "22:10", 4), at(14, "22:31", 40),
               ["CredentialAccess"], ["T1621"],
               "kojo.boateng@contoso.com denied 14 Authenticator push notifications for sign-ins from 203.0.113.112 that "
               "passed the password step.", query=q, results=14, data_sources=["SigninLogs"])
    a2 = Alert(n, "report", "ipc", "User reported suspicious activity", "High", at(14, "22:31", 40), at(14, "22:31", 40),
               ["CredentialAccess"], ["T1621"],
               "This risk detection is reported when a user denies a multifactor authentication prompt and reports it as "
               "suspicious activity.", alert_type="UserReportedSuspiciousActivity", compromised="kojo.boateng@contoso.com",
               remediation=IPC_STEPS, extra={"Detection timing type": "Realtime", "Risk level": "high",
                                             "Client IP Address": "203.0.113.112"})
    build(n, "mfa-prompts-denied-reported", "MFA prompts denied and reported by kojo.boateng",
          "14 MFA prompts for sign-ins from 203.0.113.112 were denied by kojo.boateng, who reported them as suspicious.",
          "High", "Active", at(14, "22:50"), [a1, a2], [kojo, atk, accra, O365], owner=ROSA,
          comments=[(ROSA, at(15, "07:40"),
                     "Checked SigninLogs up to now: no successful sign-in from 203.0.113.112 or any new address, no new "
                     "authentication method, no device registered. Kojo denied every prompt and reported it; his own "
                     "sign-ins are from the Accra office (198.51.100.35). The password must be known to whoever is trying.")])
    label(n, "remediate", ["escalate"], [],
          [A("reset-credentials", "kojo.boateng@contoso.com"), A("block-ip", "203.0.113.112")],
          [A("block-ip", "198.51.100.35")],
          ["TA0006"],
          "Microsoft Learn, 'Configure Microsoft Entra multifactor authentication: report suspicious activity'; MFA fatigue "
          "attempts as described in Microsoft's DEV-0537 report (2022)",
          "Every prompt was denied and no token was issued, so nothing is compromised, but the password passed: reset it and "
          "block the source.")


ALL = [inc220, inc221, inc222, inc223, inc224, inc225, inc226, inc227, inc228, inc229, inc230]
