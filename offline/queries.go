package offline

import (
	"fmt"
	"strings"
	"time"

	"github.com/socpilot/socpilot"
)

// template is a hunting query for some of the incident's entities.
type template struct {
	title   string
	purpose string
	table   string
	kinds   []string // entity kinds it needs (any of)
	when    func(f *facts) bool
	// build writes the query for the values and the time window clause.
	build func(vals []string, window string) string
}

// Every value goes in through kqlString, so an entity value (attacker
// controlled: a file name, a URL) can never change the query's meaning.
var templates = []template{
	{"Sign-ins of the incident's accounts", "Where, from what and how successfully the accounts signed in around the incident.",
		"SigninLogs", []string{socpilot.KindAccount}, always,
		func(v []string, w string) string {
			return "SigninLogs\n| where TimeGenerated " + w + "\n| where UserPrincipalName in~ (" + kqlList(v) + ")\n" +
				"| summarize Attempts = count(), Failures = countif(ResultType != \"0\"), FirstSeen = min(TimeGenerated), LastSeen = max(TimeGenerated)\n" +
				"    by UserPrincipalName, IPAddress, Location, AppDisplayName, ResultType\n| order by LastSeen desc"
		}},
	{"Sign-ins from the incident's IP addresses", "Every account that signed in from these addresses, successful or not.",
		"SigninLogs", []string{socpilot.KindIP}, always,
		func(v []string, w string) string {
			return "SigninLogs\n| where TimeGenerated " + w + "\n| where IPAddress in (" + kqlList(v) + ")\n" +
				"| summarize Attempts = count(), Successes = countif(ResultType == \"0\"), Accounts = make_set(UserPrincipalName, 50) by IPAddress, Location\n| order by Attempts desc"
		}},
	{"Windows logons of the incident's accounts", "Interactive and network logons (4624/4625) of the accounts on Windows machines.",
		"SecurityEvent", []string{socpilot.KindAccount}, always,
		func(v []string, w string) string {
			return "SecurityEvent\n| where TimeGenerated " + w + "\n| where EventID in (4624, 4625)\n| where TargetUserName in~ (" + kqlList(v) + ")\n" +
				"| summarize Logons = count() by TargetUserName, Computer, IpAddress, LogonType, EventID\n| order by Logons desc"
		}},
	{"Process activity on the incident's hosts", "What ran on the hosts around the alerts, most unusual command lines first.",
		"DeviceProcessEvents", []string{socpilot.KindHost}, onHost,
		func(v []string, w string) string {
			return "DeviceProcessEvents\n| where TimeGenerated " + w + "\n| where DeviceName has_any (" + kqlList(v) + ")\n" +
				"| summarize Executions = count(), FirstSeen = min(TimeGenerated) by DeviceName, AccountName, FileName, ProcessCommandLine, InitiatingProcessFileName\n| order by Executions asc"
		}},
	{"Where else the command line ran", "Devices and accounts that ran the same command line.",
		"DeviceProcessEvents", []string{socpilot.KindProcess}, always,
		func(v []string, w string) string {
			return "DeviceProcessEvents\n| where TimeGenerated " + w + "\n| where ProcessCommandLine in~ (" + kqlList(v) + ")\n" +
				"| summarize Executions = count(), Devices = make_set(DeviceName, 50), Accounts = make_set(AccountName, 50) by ProcessCommandLine"
		}},
	{"Network connections to the incident's IP addresses", "Devices that connected to these addresses, and which process did.",
		"DeviceNetworkEvents", []string{socpilot.KindIP}, always,
		func(v []string, w string) string {
			return "DeviceNetworkEvents\n| where TimeGenerated " + w + "\n| where RemoteIP in (" + kqlList(v) + ")\n" +
				"| summarize Connections = count(), FirstSeen = min(TimeGenerated) by DeviceName, RemoteIP, RemotePort, InitiatingProcessFileName\n| order by Connections desc"
		}},
	{"Firewall and proxy traffic with the incident's IP addresses", "CEF-connected firewalls and proxies that saw the addresses.",
		"CommonSecurityLog", []string{socpilot.KindIP}, always,
		func(v []string, w string) string {
			return "CommonSecurityLog\n| where TimeGenerated " + w + "\n| where SourceIP in (" + kqlList(v) + ") or DestinationIP in (" + kqlList(v) + ")\n" +
				"| summarize Events = count() by DeviceVendor, DeviceProduct, SourceIP, DestinationIP, DestinationPort, DeviceAction"
		}},
	{"Devices with the incident's file hashes", "Where the files exist or ran.",
		"DeviceFileEvents", []string{socpilot.KindFileHash}, always,
		func(v []string, w string) string {
			return "DeviceFileEvents\n| where TimeGenerated " + w + "\n| where SHA256 in~ (" + kqlList(v) + ") or SHA1 in~ (" + kqlList(v) + ") or MD5 in~ (" + kqlList(v) + ")\n" +
				"| summarize Events = count(), FirstSeen = min(TimeGenerated) by DeviceName, FileName, FolderPath, SHA256, ActionType"
		}},
	{"Clicks on the incident's URLs", "Who clicked the links and whether Safe Links let them through.",
		"UrlClickEvents", []string{socpilot.KindURL}, always,
		func(v []string, w string) string {
			return "UrlClickEvents\n| where TimeGenerated " + w + "\n| where Url in~ (" + kqlList(v) + ")\n" +
				"| summarize Clicks = count() by AccountUpn, Url, ActionType, IsClickedThrough"
		}},
	{"Mail with the incident's subject or sender", "Every recipient of the same message.",
		"EmailEvents", []string{socpilot.KindMailMessage}, always,
		func(v []string, w string) string {
			return "EmailEvents\n| where TimeGenerated " + w + "\n| where Subject in~ (" + kqlList(v) + ") or NetworkMessageId in~ (" + kqlList(v) + ")\n" +
				"| project TimeGenerated, SenderFromAddress, RecipientEmailAddress, Subject, DeliveryAction, DeliveryLocation, NetworkMessageId"
		}},
	{"Inbox rule and forwarding changes of the incident's mailboxes", "New or changed inbox rules and forwarding settings.",
		"OfficeActivity", []string{socpilot.KindMailbox, socpilot.KindAccount}, technique("T1114", "T1564.008"),
		func(v []string, w string) string {
			return "OfficeActivity\n| where TimeGenerated " + w + "\n| where Operation in~ (\"New-InboxRule\", \"Set-InboxRule\", \"UpdateInboxRules\", \"Set-Mailbox\")\n| where UserId in~ (" + kqlList(v) + ")\n" +
				"| project TimeGenerated, UserId, Operation, ClientIP, Parameters"
		}},
	{"Azure role assignments made by the incident's accounts", "Role assignments written in the window and who made them.",
		"AzureActivity", []string{socpilot.KindAccount}, or(technique("T1098"), and(has(socpilot.KindAzureResource), tactic("TA0004", "TA0003"))),
		func(v []string, w string) string {
			return "AzureActivity\n| where TimeGenerated " + w + "\n| where OperationNameValue =~ \"MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE\"\n| where Caller in~ (" + kqlList(v) + ")\n" +
				"| project TimeGenerated, Caller, CallerIpAddress, ResourceGroup, _ResourceId, ActivityStatusValue"
		}},
	{"Application consents in the window", "Consents to applications, to spot an illicit consent grant.",
		"AuditLogs", []string{socpilot.KindCloudApplication}, technique("T1528", "T1550"),
		func(v []string, w string) string {
			return "AuditLogs\n| where TimeGenerated " + w + "\n| where OperationName has \"Consent to application\"\n" +
				"| extend App = tostring(TargetResources[0].displayName), User = tostring(InitiatedBy.user.userPrincipalName)\n| where App in~ (" + kqlList(v) + ")\n" +
				"| project TimeGenerated, User, App, Result"
		}},
	{"Registry changes to the incident's keys", "Who wrote the persistence keys and on which devices.",
		"DeviceRegistryEvents", []string{socpilot.KindRegistryKey}, always,
		func(v []string, w string) string {
			return "DeviceRegistryEvents\n| where TimeGenerated " + w + "\n| where RegistryKey in~ (" + kqlList(v) + ")\n" +
				"| project TimeGenerated, DeviceName, ActionType, RegistryKey, RegistryValueName, RegistryValueData, InitiatingProcessCommandLine"
		}},
	{"Other alerts about the same entities", "Alerts in the 30 days before and 7 days after the incident that name these entities.",
		"SecurityAlert", []string{socpilot.KindAccount, socpilot.KindHost, socpilot.KindIP}, always,
		func(v []string, w string) string {
			return "SecurityAlert\n| where TimeGenerated " + w + "\n| where Entities has_any (" + kqlList(v) + ")\n" +
				"| summarize Alerts = count(), Names = make_set(AlertName, 20) by ProductName, AlertSeverity\n| order by Alerts desc"
		}},
}

// maxValues bounds a query's literal list so it stays readable and fast.
const maxValues = 20

func (an *Analyst) queries(f *facts) []socpilot.HuntingQuery {
	window := timeWindow(f.start, f.end)
	var out []socpilot.HuntingQuery
	for _, t := range templates {
		w := window
		if t.table == "SecurityAlert" && !f.start.IsZero() {
			// Related alerts matter well before and after the incident itself.
			w = timeWindow(f.start.Add(-30*24*time.Hour), f.end.Add(7*24*time.Hour))
		}
		if !t.when(f) || !an.hasTable(t.table) {
			continue
		}
		var vals []string
		for _, k := range t.kinds {
			for _, v := range f.values(k) {
				if k == socpilot.KindAccount {
					vals = append(vals, accountForms(f, v)...)
					continue
				}
				vals = append(vals, v)
			}
		}
		vals = dedupe(vals)
		if len(vals) == 0 {
			continue
		}
		if len(vals) > maxValues {
			vals = vals[:maxValues]
		}
		out = append(out, socpilot.HuntingQuery{Title: t.title, Purpose: t.purpose, Query: t.build(vals, w), Tables: []string{t.table}})
	}
	return out
}

// accountForms are the spellings an account has in different tables:
// the UPN for Entra ID, the bare account name for Windows events.
func accountForms(f *facts, v string) []string {
	out := []string{v}
	if i := strings.IndexByte(v, '@'); i > 0 {
		out = append(out, v[:i])
	}
	return out
}

func dedupe(vs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range vs {
		k := strings.ToLower(v)
		if v != "" && !seen[k] {
			seen[k] = true
			out = append(out, v)
		}
	}
	return out
}

// timeWindow is the incident's activity widened by an hour each side, so
// the lead-up and the aftermath are in the results.
func timeWindow(start, end time.Time) string {
	if start.IsZero() {
		return "> ago(7d)"
	}
	if end.Before(start) {
		end = start
	}
	return fmt.Sprintf("between (datetime(%s) .. datetime(%s))", start.Add(-time.Hour).UTC().Format(time.RFC3339), end.Add(time.Hour).UTC().Format(time.RFC3339))
}

// kqlString quotes a value as a KQL string literal.
func kqlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 || r == 0x7f {
				b.WriteByte(' ') // no other escapes are portable across KQL versions
				continue
			}
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func kqlList(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = kqlString(v)
	}
	return strings.Join(q, ", ")
}
