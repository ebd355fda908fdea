from common3 import *


def inc317():
    n = 317
    script = ("$inv = Get-CimInstance Win32_Product | Select-Object Name,Version,Vendor;"
              "$inv | ConvertTo-Json | Out-File \"$env:ProgramData\\Contoso\\Inventory\\apps.json\" -Encoding utf8")
    b64 = enc_ps(script)
    label(n, verdict="dismiss", acceptable=[], compromised=[], actions=[],
          forbidden=[A("isolate-host", "WS-OPS-112"), A("block-file", "IntuneManagementExtension.exe")],
          tactics=["TA0002"],
          source="Microsoft Learn, 'Use PowerShell scripts on Windows devices in Intune' (scripts run by the Intune Management Extension via AgentExecutor.exe); common EDR false positive",
          why="The encoded command was launched by AgentExecutor.exe under IntuneManagementExtension and decodes to a software inventory that writes a local JSON file; it downloads nothing.")
    ws = host("WS-OPS-112", os_version="10.0.22631")
    sysacct = account("SYSTEM", "NT AUTHORITY\\SYSTEM", upn_suffix=None, nt="NT AUTHORITY", cloud=False, domain_joined=False)
    f_ime = file("C:\\Program Files (x86)\\Microsoft Intune Management Extension", "IntuneManagementExtension.exe", h=ws)
    f_ae = file("C:\\Program Files (x86)\\Microsoft Intune Management Extension", "AgentExecutor.exe", h=ws)
    f_ps = file("C:\\Windows\\System32\\WindowsPowerShell\\v1.0", "powershell.exe", h=ws)
    p_ime = process(n, 4012, "\"C:\\Program Files (x86)\\Microsoft Intune Management Extension\\Microsoft.Management.Services.IntuneWindowsAgent.exe\"", fmt(at(8, "06:00")), f_ime, None, sysacct, ws)
    p_ae = process(n, 7720, "\"C:\\Program Files (x86)\\Microsoft Intune Management Extension\\agentexecutor.exe\" -powershell \"C:\\Program Files (x86)\\Microsoft Intune Management Extension\\Policies\\Scripts\\5c1e..._1.ps1\" -executionPolicy bypass", fmt(at(8, "09:31", 2)), f_ae, p_ime, sysacct, ws)
    p_ps = process(n, 7804, f"powershell.exe -NoProfile -ExecutionPolicy Bypass -EncodedCommand {b64}", fmt(at(8, "09:31", 3)), f_ps, p_ae, sysacct, ws)
    a1 = mde(n, "enc", "Suspicious PowerShell command line", "Medium", at(8, "09:31", 3), at(8, "09:31", 9), ["Execution"], ["T1059.001", "T1027"],
             "A PowerShell process with an encoded command line and execution policy bypass ran as SYSTEM on WS-OPS-112.", "WS-OPS-112")
    created = at(8, "09:50")
    build(n, "intune-agentexecutor-encoded-inventory", "Encoded PowerShell running as SYSTEM on WS-OPS-112",
          "Encoded PowerShell with execution policy bypass on a workstation.", "Medium", "New", created, [a1],
          [ws, sysacct, f_ime, f_ae, f_ps, p_ime, p_ae, p_ps], provider="Microsoft 365 Defender", provider_incident="40350",
          comments=[(TOMAS, at(8, "10:02"), "Script id 5c1e... is the 'App inventory v2' platform script assigned to All Devices by the Endpoint team on 7 Jan.")])


def inc318():
    n = 318
    label(n, verdict="dismiss", acceptable=[], compromised=[], actions=[],
          forbidden=[A("disable-account", "svc-veeam365@contoso.com"), A("revoke-sessions", "svc-veeam365@contoso.com"), A("block-ip", "198.51.100.70")],
          tactics=["TA0009", "TA0010"],
          source="Veeam Backup for Microsoft 365 documentation (backup application / service account access to Exchange and SharePoint); Defender for Cloud Apps mass-download false positives",
          why="The downloads are the nightly Veeam Backup for Microsoft 365 job: its service account and app from the backup proxy's own egress, at the scheduled time.")
    sv = user("svc-veeam365", "Veeam Backup for M365 service", 3330)
    bip = own("198.51.100.70", city="Dublin", state="Leinster", cc="IE", country="Ireland", lat=53.35, lon=-6.26)
    app = cloud_app("Veeam Backup for Microsoft 365", 0, extra={"ApplicationId": "8e1c4f2a-9b3d-4a7e-b6c5-1d0f2e3a4b5c", "Publisher": "Veeam Software"})
    a1 = mdca(n, "mass", "Mass download by a single user", "Medium", at(11, "01:00"), at(11, "03:47"), ["Collection", "Exfiltration"], ["T1530"],
              "svc-veeam365@contoso.com downloaded 48,220 files from 312 SharePoint Online sites and OneDrive accounts in a single session from 198.51.100.70, "
              "an unusually high volume compared with the organization's users.", upn="svc-veeam365@contoso.com")
    created = at(11, "04:05")
    build(n, "veeam-backup-mass-download", "Mass download from SharePoint and OneDrive by svc-veeam365",
          "Large download volume by one account overnight.", "Medium", "New", created, [a1],
          [sv, bip, app, cloud_app("Microsoft SharePoint Online", 20892)],
          comments=[(ELENA, at(11, "08:40"), "svc-veeam365 is the Veeam Backup for Microsoft 365 account; job 'M365-Nightly' runs 01:00-04:00 from the "
                     "backup proxy VBO-PRX-01 (egress 198.51.100.70). Job log shows 48,220 items processed, matching the alert.")])


def inc319():
    n = 319
    label(n, verdict="dismiss", acceptable=[], compromised=[], actions=[],
          forbidden=[A("isolate-host", "SCAN-NES-01"), A("block-ip", "10.60.0.21"), A("disable-account", "svc-nessus@contoso.com")],
          tactics=["TA0007", "TA0043"],
          source="Vulnerability scanner noise (Tenable Nessus credentialed scans; Microsoft Defender for Identity 'network mapping reconnaissance' known false positives for scanners)",
          why="The source is the Nessus scanner tagged as a known security asset, running its weekly credentialed scan in its scheduled window.")
    sc = host("SCAN-NES-01", os_family="Linux", os_version="Rocky Linux 9.4", joined=False, extra={"MachineTags": "KnownAsset;VulnerabilityScanner"})
    sip = ip("10.60.0.21")
    sv = user("svc-nessus", "Nessus credentialed scan account", 3340)
    a1 = mdi(n, "recon", "Network-mapping reconnaissance (DNS)", "Medium", at(6, "20:00"), at(6, "21:15"), ["Discovery"], ["T1046"],
             "SCAN-NES-01 (10.60.0.21) performed 18,904 DNS and SMB enumeration requests against 1,122 hosts.", comp="SCAN-NES-01")
    a2 = mdi(n, "enum", "User and group membership reconnaissance (SAMR)", "Medium", at(6, "20:12"), at(6, "21:10"), ["Discovery"], ["T1087.002", "T1069.002"],
             "svc-nessus on SCAN-NES-01 sent suspicious SAMR queries to DC01 for Domain Admins and Enterprise Admins.", comp="svc-nessus")
    created = at(6, "21:30")
    build(n, "nessus-scanner-known-asset", "Network and SAMR reconnaissance from SCAN-NES-01",
          "Reconnaissance detections from a Linux host on the server VLAN.", "Medium", "New", created, [a1, a2], [sc, sip, sv],
          labels=[("KnownAsset", "User")],
          comments=[(KENJI, at(6, "21:45"), "SCAN-NES-01 is the Tenable Nessus scanner (asset tag VulnerabilityScanner). Weekly credentialed scan 'Servers-Weekly' is scheduled Tue 20:00-22:00.")])


def inc320():
    n = 320
    label(n, verdict="dismiss", acceptable=["remediate"], compromised=[], actions=[],
          forbidden=[A("isolate-host", "SRV-ERP-04"), A("block-ip", "10.70.2.4"), A("disable-account", "svc-erp-batch")],
          tactics=["TA0006"],
          source="Windows event 4625 floods from a service using a stale password after rotation (Microsoft Learn: 'Account lockout and management tools'; common brute-force false positive)",
          why="All failures come from the ERP application server with status 0xC000006A for the service account whose password was rotated the previous evening; the scheduled task still holds the old password.")
    erp = host("SRV-ERP-04", os_version="10.0.17763")
    eip = ip("10.70.2.4")
    sv = account("svc-erp-batch", "ERP batch service", upn_suffix=None, rid=3350, cloud=False)
    dc = host("DC03", os_version="10.0.20348")
    q = "SecurityEvent\n| where EventID == 4625\n| summarize Failures=count() by TargetAccount, IpAddress, Status, SubStatus, Computer\n| where Failures > 100"
    a1 = rule(n, "bf", "Brute force attack against a Windows account", "Medium", at(7, "00:05"), at(7, "06:55"), ["CredentialAccess"], ["T1110"],
              "683 failed logons (event 4625, logon type 4 batch, status 0xC000006D / sub-status 0xC000006A) for CONTOSO\\svc-erp-batch "
              "from 10.70.2.4 (SRV-ERP-04) at regular 5-minute intervals. No successful logon for this account in the window.", q, results=683,
              sources=["SecurityEvent"])
    created = at(7, "07:10")
    build(n, "stale-service-password-4625", "683 failed logons for svc-erp-batch from SRV-ERP-04",
          "Repeated failed logons for a service account from an internal server.", "Medium", "New", created, [a1], [erp, eip, sv, dc],
          comments=[(AISHA, at(7, "07:25"), "PAM vault shows svc-erp-batch password rotated 6 Jan 23:58 (CHG-4410)."),
                    (AISHA, at(7, "07:40"), "ERP team confirms the 'Nightly-Posting' scheduled task on SRV-ERP-04 still has the old credential stored; they are updating it.")])
