from shared import *
from inc1 import IPC_REMEDIATION


def inc104():
    n = 104
    vpn = ip("203.0.113.140", geo("NL", "Netherlands", "North Holland", "Amsterdam", 52.3676, 4.9041, 64500,
                                  "contoso ltd", "contoso ltd"))
    a1 = Alert(n, "mdca-travel", "mdca", "Impossible travel activity", "Medium",
               at(8, "08:41", 12), at(8, "09:12", 55), ["InitialAccess"], ["T1078"],
               "The user Adele Vance (adele.vance@contoso.com) performed activities from 198.51.100.23 in United States "
               "and 203.0.113.140 in Netherlands within 31 minutes. The distance between the two locations (7,800 km) "
               "cannot be covered in that time.",
               alert_type="MCAS_ALERT_ANUBIS_DETECTION_VELOCITY", compromised="adele.vance@contoso.com", status="Resolved",
               remediation=["Confirm with the user whether both sign-ins were theirs.",
                            "Check whether either address is a corporate VPN or proxy egress and add it to the corporate IP ranges.",
                            "If not legitimate, suspend the user and revoke sessions."],
               extra={"Countries": "United States, Netherlands", "Activity count": "14"})
    a2 = Alert(n, "ipc-atypical", "ipc", "Atypical travel", "Medium",
               at(8, "09:12", 55), at(8, "09:12", 55), ["InitialAccess"], ["T1078"],
               "This risk detection type identifies two sign-ins originating from geographically distant locations, where "
               "at least one of the locations may also be atypical for the user, given past behavior.",
               alert_type="ImpossibleTravel", compromised="adele.vance@contoso.com", status="Resolved",
               remediation=IPC_REMEDIATION,
               extra={"Detection timing type": "Offline", "Risk level": "medium", "Client IP Address": "203.0.113.140",
                      "Previous Location": "Seattle, Washington, US", "Current Location": "Amsterdam, North Holland, NL"})
    created = at(8, "10:05")
    build(n, "impossible-travel-adele", "Impossible travel activity involving one user",
          "Sign-ins of adele.vance@contoso.com from Seattle (US, 198.51.100.23) and, 31 minutes later, Amsterdam "
          "(NL, 203.0.113.140).",
          "Medium", "Closed", created, [a1, a2], [ADELE, HQ, vpn, EXO, O365],
          owner=PRIYA, labels=[("Identity", "User")],
          classification=("FalsePositive", "InaccurateData",
                          "203.0.113.140 is the Contoso GlobalProtect gateway NL-AMS-VPN01; Adele was in Seattle and her "
                          "VPN client picked the Amsterdam gateway after a failover. Geolocation of the VPN egress, not travel. "
                          "Added 203.0.113.128/25 to the Defender for Cloud Apps corporate IP ranges."),
          comments=[(PRIYA, at(8, "11:02"),
                     "Called Adele: in the Seattle office all morning, on VPN. NetOps confirms the US gateway failed over "
                     "to NL-AMS-VPN01 between 08:55 and 10:30 UTC (change CHG0041790). Closing as false positive.")],
          modified=at(8, "11:05"))


def inc105():
    n = 105
    phish_ip = ip("203.0.113.61", geo("LT", "Lithuania", "Vilnius County", "Vilnius", 54.6872, 25.2797, 64502,
                                      "bulletproof hosting ltd", "bulletproof hosting ltd"))
    link = "https://docusign-secure-mail.com/s/9f8e7d6c?u=adele.vance%40contoso.com&env=3c1a"
    land = "https://login-microsoftonline.docusign-secure-mail.com/common/oauth2/authorize?client_id=00000002-0000-0ff1-ce00-000000000000"
    u1, u2 = url(link), url(land)
    nm = gid("nmid", n)
    others = [gid("nmid", n, i) for i in range(1, 23)]
    mail = entity("MailMessage", "105-mail", {
        "recipient": "adele.vance@contoso.com", "p1Sender": "dse@docusign-secure-mail.com",
        "p1SenderDisplayName": "DocuSign via Northwind Legal", "p1SenderDomain": "docusign-secure-mail.com",
        "p2Sender": "dse_na4@docusign-secure-mail.com", "p2SenderDisplayName": "DocuSign via Northwind Legal",
        "p2SenderDomain": "docusign-secure-mail.com", "senderIP": "203.0.113.61",
        "receiveDate": fmt(at(9, "08:14", 3)), "networkMessageId": nm,
        "internetMessageId": "<20260109081402.8f3a1c@prd-na4.docusign-secure-mail.com>",
        "subject": "Adele, please review and sign: Northwind Q1 Vendor Agreement", "language": "en",
        "urls": [link], "threats": ["Phish"], "threatDetectionMethods": ["URL detonation reputation", "Impersonation brand"],
        "deliveryAction": "Delivered", "deliveryLocation": "Inbox", "antispamDirection": "Inbound",
        "bodyFingerprintBin1": 1157683123, "bodyFingerprintBin2": 1812347761, "bodyFingerprintBin3": 94437116,
        "bodyFingerprintBin4": 2014028992, "bodyFingerprintBin5": 620517803,
        "friendlyName": "Adele, please review and sign: Northwind Q1 Vendor Agreement"})
    cluster = entity("MailCluster", "105-cluster", {
        "networkMessageIds": [nm] + others,
        "countByDeliveryStatus": {"Delivered": 17, "Quarantined": 6},
        "countByThreatType": {"Phish": 23},
        "countByProtectionStatus": {"ZapRemoved": 16, "Quarantined": 6, "NotRemoved": 1},
        "threats": ["Phish"],
        "query": "(NetworkMessageId:\"" + nm + "\" OR BodyFingerprintBin1:1157683123) AND (SenderDomain:\"docusign-secure-mail.com\")",
        "queryTime": fmt(at(9, "09:03", 40)), "mailCount": 23, "isVolumeAnomaly": False,
        "source": "Similar emails", "clusterSourceIdentifier": nm, "clusterSourceType": "Similarity",
        "clusterQueryStartTime": fmt(at(2, "09:03", 40)), "clusterQueryEndTime": fmt(at(9, "09:03", 40)),
        "clusterGroup": "Similar emails",
        "friendlyName": "Similar emails - 23 messages"})
    a1 = Alert(n, "mdo-click", "mdo", "A potentially malicious URL click was detected", "High",
               at(9, "08:36", 48), at(9, "08:36", 48), ["InitialAccess"], ["T1566"],
               "We have detected that one of your users has recently clicked on a link that was found to be malicious. "
               "-V1.0.0.5. adele.vance@contoso.com clicked a link in a message impersonating DocuSign; Safe Links allowed "
               "the click because the URL was weaponised after delivery.",
               alert_type="ThreatManagement", compromised="adele.vance@contoso.com",
               remediation=["Reset the password of the user who clicked and revoke active sessions.",
                            "Review the user's sign-ins after the click for unfamiliar locations or devices.",
                            "Block the sender domain and the URL in the Tenant Allow/Block List."],
               extra={"Category": "InitialAccess", "Click time": fmt(at(9, "08:36", 48)), "Url": link})
    a2 = Alert(n, "mdo-zap", "mdo", "Email messages containing malicious URL removed after delivery", "Informational",
               at(9, "08:14", 3), at(9, "08:52", 10), ["InitialAccess"], ["T1566"],
               "Emails with malicious URL that were delivered and later removed -V1.0.0.3. Zero-hour auto purge removed 16 "
               "of 17 delivered copies of this phishing campaign; 6 more were quarantined at delivery.",
               alert_type="ThreatManagement", compromised="adele.vance@contoso.com", extra={"Category": "InitialAccess"})
    a3 = Alert(n, "ipc-unfamiliar", "ipc", "Unfamiliar sign-in properties", "Medium",
               at(9, "08:39", 2), at(9, "08:39", 2), ["InitialAccess"], ["T1078"],
               "This risk detection type considers past sign-in history to look for anomalous sign-ins. The sign-in of "
               "adele.vance@contoso.com came from an unfamiliar ASN and browser three minutes after the phishing click; "
               "MFA was completed with a push approval.",
               alert_type="UnfamiliarLocation", compromised="adele.vance@contoso.com", remediation=IPC_REMEDIATION,
               extra={"Detection timing type": "Realtime", "Risk level": "medium", "Client IP Address": "203.0.113.61"})
    build(n, "phishing-url-click", "Phishing email with a malicious URL clicked by adele.vance",
          "A DocuSign-impersonating phishing campaign (23 messages) reached Contoso; adele.vance@contoso.com clicked the "
          "link at 08:36 UTC and an unfamiliar sign-in from the phishing infrastructure (203.0.113.61) followed three "
          "minutes later with an approved MFA push.",
          "High", "New", at(9, "09:20"), [a2, a1, a3],
          [ADELE, ADELE_MBX, mail, cluster, u1, u2, phish_ip, HQ, O365],
          provider="Microsoft XDR", provider_incident="48377")


def inc106():
    n = 106
    rule_q = ("OfficeActivity\n| where Operation in (\"New-InboxRule\", \"Set-InboxRule\")\n"
              "| extend Params = tostring(Parameters)\n"
              "| where Params has_any (\"ForwardTo\", \"RedirectTo\", \"DeleteMessage\")\n"
              "| where Params has_any (\"invoice\", \"payment\", \"wire\", \"bank\")\n"
              "| project TimeGenerated, UserId, ClientIP, Operation, Params")
    a1 = Alert(n, "mdca-fwd", "mdca", "Suspicious inbox forwarding", "Medium",
               at(9, "16:02", 37), at(9, "16:02", 37), ["Collection", "Exfiltration"], ["T1114", "T1020"],
               "User Adele Vance (adele.vance@contoso.com) created or updated an inbox rule that forwards all incoming email "
               "to the external address a.vance.finance@protonmail-relay.net. The rule was created from 185.220.101.47 "
               "(Tor exit node).", alert_type="MCAS_ALERT_ANUBIS_DETECTION_SUSPICIOUS_INBOX_FORWARDING",
               compromised="adele.vance@contoso.com",
               remediation=["Remove the inbox rule and check for other forwarding (ForwardingSmtpAddress, transport rules).",
                            "Reset the user's password and revoke sessions.",
                            "Search the message trace for mail already forwarded to the external address."],
               extra={"Rule name": ".", "Forwarding address": "a.vance.finance@protonmail-relay.net", "Client IP": "185.220.101.47"})
    a2 = Alert(n, "malicious-rule", "sentinel", "Malicious Inbox Rule", "Medium",
               at(9, "16:02", 37), at(9, "16:04", 10), ["Persistence", "DefenseEvasion"], ["T1098", "T1564"],
               "An inbox rule named \".\" created for adele.vance@contoso.com forwards messages to an external address and "
               "deletes messages containing \"invoice\", \"payment\", \"wire\" or \"bank\", hiding the attacker's conversation "
               "from the mailbox owner.",
               query=rule_q, results=2, data_sources=["OfficeActivity"],
               extra={"Custom Details": json.dumps({"RuleParameters": ["-Name . -ForwardTo a.vance.finance@protonmail-relay.net -SubjectOrBodyContainsWords invoice;payment;wire;bank -DeleteMessage $true -StopProcessingRules $true"]})})
    build(n, "external-forwarding-rule", "Suspicious inbox forwarding rule created for adele.vance from a Tor exit node",
          "An inbox rule named \".\" forwarding all mail to a.vance.finance@protonmail-relay.net and deleting messages "
          "about invoices and payments was created in Adele Vance's mailbox at 16:02 UTC through Exchange Online from "
          "185.220.101.47, the same Tor exit node that signed in as her on 2026-01-05.",
          "Medium", "New", at(9, "16:44"), [a1, a2],
          [ADELE, ADELE_MBX, EXO, O365, TOR1])


def inc107():
    n = 107
    ra = f"/subscriptions/{PROD_SUB}/providers/Microsoft.Authorization/roleAssignments/{gid('role-assignment', n)}"
    sub_res = azure_resource(f"/subscriptions/{PROD_SUB}", "Contoso-Prod")
    ra_res = azure_resource(ra, "Owner for nestor.wilke_fabrikam.com#EXT#")
    st = azure_resource(f"/subscriptions/{PROD_SUB}/resourceGroups/rg-prod-data/providers/Microsoft.Storage/storageAccounts/stcontosofinprod",
                        "stcontosofinprod")
    kv = azure_resource(f"/subscriptions/{PROD_SUB}/resourceGroups/rg-prod-data/providers/Microsoft.KeyVault/vaults/kv-contoso-fin-prod",
                        "kv-contoso-fin-prod")
    guest = account("nestor.wilke_fabrikam.com#EXT#", "Nestor Wilke (Fabrikam)", upn_suffix="contoso.onmicrosoft.com",
                    nt=None, domain_joined=False)
    src = ip("203.0.113.199", geo("BR", "Brazil", "Sao Paulo", "São Paulo", -23.5505, -46.6333, 64505,
                                  "vps-cloud ltda", "vps-cloud ltda"))
    q1 = ("AzureActivity\n| where OperationNameValue =~ \"Microsoft.Authorization/roleAssignments/write\"\n"
          "| where ActivityStatusValue == \"Success\"\n| extend RoleDefinitionId = tostring(parse_json(tostring(parse_json(Properties).requestbody)).Properties.RoleDefinitionId)\n"
          "| where RoleDefinitionId has \"8e3af657-a8ff-443c-a75c-2fe8c4bcb635\"\n"
          "| project TimeGenerated, Caller, CallerIpAddress, _ResourceId, RoleDefinitionId")
    q3 = ("AzureActivity\n| where TimeGenerated > ago(1d)\n"
          "| where OperationNameValue in~ (\"Microsoft.Storage/storageAccounts/listKeys/action\", \"Microsoft.KeyVault/vaults/write\")\n"
          "| summarize count() by Caller, CallerIpAddress, OperationNameValue, _ResourceId")
    a1 = Alert(n, "grant", "sentinel", "Suspicious granting of permissions to an account", "Medium",
               at(10, "20:31", 5), at(10, "20:31", 5), ["Persistence", "PrivilegeEscalation"], ["T1098"],
               "joni.sherman@contoso.com assigned the Owner role at subscription scope (Contoso-Prod) to the guest account "
               "nestor.wilke_fabrikam.com#EXT#@contoso.onmicrosoft.com from 203.0.113.199, an address never used by this "
               "caller in the last 14 days.", query=q1, results=1, data_sources=["AzureActivity"])
    a2 = Alert(n, "mdc-role", "mdc", "Suspicious Azure role assignment detected", "Medium",
               at(10, "20:31", 5), at(10, "20:33", 0), ["PrivilegeEscalation", "Persistence"], ["T1098"],
               "Microsoft Defender for Resource Manager identified a suspicious role assignment: the Owner role was granted "
               "at subscription scope to a guest identity by a principal signing in from an unusual location.",
               alert_type="ARM_AnomalousRBACRoleAssignment", compromised="Contoso-Prod", component="Resource Manager",
               azure_resource=f"/subscriptions/{PROD_SUB}",
               remediation=["Review the role assignment with the caller and remove it if it is not approved.",
                            "Review other operations by the caller and the new Owner in the Activity log.",
                            "Require PIM approval for Owner at subscription scope."],
               extra={"Role": "Owner", "Scope": f"/subscriptions/{PROD_SUB}", "Caller": "joni.sherman@contoso.com",
                      "Caller IP": "203.0.113.199"})
    a3 = Alert(n, "rare-ops", "sentinel", "Rare subscription-level operations in Azure", "Low",
               at(10, "20:44", 18), at(10, "20:52", 40), ["CredentialAccess", "Persistence"], ["T1552", "T1098"],
               "nestor.wilke_fabrikam.com#EXT#@contoso.onmicrosoft.com listed the keys of storage account stcontosofinprod "
               "and changed the access policy of key vault kv-contoso-fin-prod, operations not seen from this subscription's "
               "callers before.", query=q3, results=3, data_sources=["AzureActivity"])
    build(n, "owner-role-escalation", "Owner role granted at subscription scope to a guest account",
          "Owner on the Contoso-Prod subscription was granted to the Fabrikam guest nestor.wilke by joni.sherman from a "
          "São Paulo VPS address; within 20 minutes the guest listed storage account keys and changed a key vault access policy.",
          "High", "Active", at(10, "21:15"), [a1, a2, a3],
          [JONI, guest, src, AZURE, sub_res, ra_res, st, kv],
          owner=MARCUS, labels=[("Cloud", "User")])


def inc108():
    n = 108
    web = host("VM-WEB-01", os_version="10.0.20348", azure_vm="rg-prod-web", joined=False)
    pub = ip("192.0.2.45")
    vm = azure_resource(web["properties"]["azureID"], "VM-WEB-01")
    local = account("webadmin", "webadmin", upn_suffix=None, nt="VM-WEB-01", domain_joined=False, cloud=False,
                    extra={"sid": "S-1-5-21-3623811015-3361044348-30300820-1013", "hostEntityId": web["id"]})
    f_cmd = file("C:\\Windows\\System32", "cmd.exe", h=web)
    f_who = file("C:\\Windows\\System32", "whoami.exe", h=web)
    f_nl = file("C:\\Windows\\System32", "nltest.exe", h=web)
    f_net = file("C:\\Windows\\System32", "net.exe", h=web)
    p_cmd = process(n, 2920, "cmd.exe", fmt(at(11, "02:51", 7)), f_cmd, None, local, web, "Full")
    p1 = process(n, 3004, "whoami /all", fmt(at(11, "02:51", 22)), f_who, p_cmd, local, web, "Full")
    p2 = process(n, 3060, "net user /domain", fmt(at(11, "02:51", 40)), f_net, p_cmd, local, web, "Full")
    p3 = process(n, 3112, "nltest /domain_trusts /all_trusts", fmt(at(11, "02:52", 3)), f_nl, p_cmd, local, web, "Full")
    a1 = Alert(n, "mdc-failed", "mdc", "Failed RDP Brute Force Attack", "Medium",
               at(11, "02:05", 0), at(11, "02:35", 0), ["PreAttack", "CredentialAccess"], ["T1110"],
               "Several Remote Desktop login attempts were detected from 185.220.101.47, none of which succeeded. Event "
               "logs analysis shows that in the last 30 minutes there were 412 failed attempts. 397 of the failed login "
               "attempts aimed at non-existent users. 15 of the failed login attempts aimed at existing users.",
               alert_type="VM_LoginBruteForce", compromised="VM-WEB-01", component="Servers",
               azure_resource=web["properties"]["azureID"],
               remediation=["Restrict RDP (3389) to known addresses with the NSG or use just-in-time VM access.",
                            "Enforce strong passwords and account lockout for local accounts."],
               extra={"source": "185.220.101.47", "failed attempts": "412", "non-existent users": "397",
                      "existing users": "15", "attack duration": "30 minutes", "resourceType": "Virtual Machine"})
    a2 = Alert(n, "mdc-success", "mdc", "Successful RDP brute force attack", "High",
               at(11, "02:35", 0), at(11, "02:50", 41), ["InitialAccess", "CredentialAccess"], ["T1110", "T1078"],
               "Several Remote Desktop login attempts were detected from 185.220.101.47, some of which were able to "
               "successfully login to the machine. Event logs analysis shows that in the last 30 minutes there were 412 "
               "failed attempts. 1 successful login as webadmin at 02:50 UTC.",
               alert_type="VM_LoginBruteForceSuccess", compromised="VM-WEB-01", component="Servers",
               azure_resource=web["properties"]["azureID"],
               remediation=["Reset the password of webadmin and disable the account if not needed.",
                            "Block 185.220.101.47 and restrict 3389 to a bastion or JIT access.",
                            "Investigate the session for follow-on activity (new users, scheduled tasks, tools)."],
               extra={"source": "185.220.101.47", "successful logins": "1", "failed attempts": "412",
                      "resourceType": "Virtual Machine"})
    a3 = Alert(n, "mde-recon", "mde", "Suspicious sequence of exploration activities", "Medium",
               at(11, "02:51", 22), at(11, "02:52", 3), ["Discovery"], ["T1033", "T1087", "T1482"],
               "A process called a set of windows commands commonly used for exploration (whoami /all, net user /domain, "
               "nltest /domain_trusts) shortly after an RDP logon as webadmin on VM-WEB-01.", compromised="VM-WEB-01",
               extra={"MitreTechniques": json.dumps(["T1033", "T1087.002", "T1482"]), "DetectionSource": "EDR", "Category": "Discovery"})
    build(n, "rdp-bruteforce-success", "Successful RDP brute force attack on VM-WEB-01",
          "VM-WEB-01 exposes RDP on its public address 192.0.2.45. 185.220.101.47 (Tor exit) made 412 failed attempts, "
          "then logged on as the local account webadmin at 02:50 UTC and ran reconnaissance commands.",
          "High", "New", at(11, "03:30"), [a1, a2, a3],
          [web, vm, pub, TOR1, local, p_cmd, p1, p2, p3, f_cmd, f_who, f_net, f_nl])
