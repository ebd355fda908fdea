"""Entities shared across incidents: same id, same properties wherever they appear."""
from lib import *

# SOC staff (owners, comment and task authors)
PRIYA = Person("priya.natarajan@contoso.com", "Priya Natarajan")
MARCUS = Person("marcus.lee@contoso.com", "Marcus Lee")

# users
ADELE = account("adele.vance", "Adele Vance", rid=1109)
MEGAN = account("megan.bowen", "Megan Bowen", rid=1112)
ALEX = account("alex.wilber", "Alex Wilber", rid=1115)
DIEGO = account("diego.siciliani", "Diego Siciliani", rid=1121)
LIDIA = account("lidia.holloway", "Lidia Holloway", rid=1124)
PATTI = account("patti.fernandez", "Patti Fernandez", rid=1127)
ISAIAH = account("isaiah.langer", "Isaiah Langer", rid=1133)
LYNNE = account("lynne.robbins", "Lynne Robbins", rid=1141)
JONI = account("joni.sherman", "Joni Sherman", rid=1150)
GRADY = account("grady.archie", "Grady Archie", rid=1158)
HDADMIN = account("hd-admin", "Helpdesk Admin (shared)", rid=2104)
ADMJSMITH = account("adm-jsmith", "John Smith (Tier 0 admin)", rid=2117)
SVCBACKUP = account("svc-backup", "Backup service account", rid=3005, cloud=False)
SVCVULN = account("svc-vulnscan", "Vulnerability scanner service account", rid=3012, cloud=False)

ADELE_OID = ADELE["properties"]["aadUserId"]

# hosts
WSFIN = host("WS-FIN-023", os_version="10.0.22631")
WSHR = host("WS-HR-011", os_version="10.0.22631")
WSENG = host("WS-ENG-014", os_version="10.0.19045")
LTSALES = host("LT-SALES-045", os_version="10.0.22631")
FSCORP = host("FS-CORP-01", os_version="10.0.20348", azure_vm="rg-prod-fileservices")
SRVAPP = host("SRV-APP-02", os_version="10.0.17763", azure_vm="rg-prod-apps")
DC01 = host("DC01", os_version="10.0.20348", azure_vm="rg-prod-identity")
SECSCAN = host("SEC-SCAN-01", os_family="Linux", os_version="Ubuntu 22.04.5 LTS", joined=False)

# IP addresses
TOR = geo("DE", "Germany", "Brandenburg", "Brandenburg an der Havel", 52.4125, 12.5316, 60729,
          "zwiebelfreunde e.v.", "zwiebelfreunde e.v.")
TOR1 = ip("185.220.101.47", TOR, [{"providerName": "Microsoft Threat Intelligence", "threatType": "Proxy",
                                   "threatName": "Tor exit node", "threatDescription": "Tor anonymization network exit relay",
                                   "confidence": 90, "reportLink": ""}])
TOR2 = ip("185.220.101.52", TOR)
TOR3 = ip("185.220.100.241", TOR)
HQ = ip("198.51.100.23", geo("US", "United States", "Washington", "Seattle", 47.6062, -122.3321, 64496,
                             "contoso ltd", "contoso ltd"))
IP_WSFIN = ip("10.10.4.23")
IP_WSHR = ip("10.10.8.51")
IP_WSENG = ip("10.10.12.37")
IP_FSCORP = ip("10.10.20.5")
IP_SRVAPP = ip("10.10.20.12")
IP_DC01 = ip("10.10.0.10")
IP_SCAN = ip("10.20.0.15")

# cloud applications (appId: the Defender for Cloud Apps catalog id)
O365 = cloud_app("Office 365", 11161)
EXO = cloud_app("Microsoft Exchange Online", 20893)
SPO = cloud_app("Microsoft SharePoint Online", 20892)
ODB = cloud_app("Microsoft OneDrive for Business", 15600)
AZURE = cloud_app("Microsoft Azure", 12260)

ADELE_MBX = mailbox("adele.vance@contoso.com", "Adele Vance", ADELE_OID)
