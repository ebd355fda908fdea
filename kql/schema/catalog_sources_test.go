package schema_test

import (
	"strings"
	"testing"

	"github.com/socpilot/socpilot/kql"
	"github.com/socpilot/socpilot/kql/schema"
)

// TestCatalogCurrentSources checks that the embedded catalog holds what issue 12
// reported missing (class 1: current Defender XDR and Azure Monitor tables and
// columns; class 7: the ASIM parsers of current Sentinel content), all of it from
// internal/catalogbuild/sources.txt, and that it says which snapshot it is.
func TestCatalogCurrentSources(t *testing.T) {
	s := schema.Default()
	if !strings.HasPrefix(s.Snapshot(), "2026-") {
		t.Errorf("Snapshot() = %q, want the sources.txt @snapshot", s.Snapshot())
	}
	cols := map[string][]string{
		"ExposureGraphNodes":                 {"NodeId", "NodeLabel", "NodeProperties", "EntityIds"},
		"ExposureGraphEdges":                 {"EdgeLabel", "SourceNodeId", "TargetNodeName", "EdgeProperties"},
		"EntraIdSignInEvents":                {"Timestamp", "AccountUpn", "EntraIdDeviceId", "UniqueTokenId"},
		"EntraIdSpnSignInEvents":             {"ServicePrincipalId", "IsManagedIdentity"},
		"DeviceTvmBrowserExtensions":         {"ExtensionId", "ExtensionRisk", "InstallationTime"},
		"DeviceTvmSoftwareEvidenceBeta":      {"DiskPaths", "RegistryPaths"},
		"AIAgentsInfo":                       {"AIAgentId", "AIAgentName", "AgentToolsDetails"},
		"DeviceTvmSoftwareVulnerabilitiesKB": {"CveId", "EpssScore"},
		"Heartbeat":                          {"SourceComputerId", "ComputerPrivateIPs"},
		"SecurityEvent":                      {"EventOriginId"},
		"GraphApiAuditEvents":                {"RequestUri", "Timestamp"},
		"DeviceBaselineComplianceProfiles":   {"ProfileId", "BaseBenchmark"},
	}
	for tn, want := range cols {
		tab, ok := s.Table(tn)
		if !ok {
			t.Errorf("table %s missing", tn)
			continue
		}
		for _, c := range want {
			if _, ok := tab.Column(c); !ok {
				t.Errorf("%s.%s missing", tn, c)
			}
		}
	}
	// Advanced-hunting-only tables get no Log Analytics standard columns.
	if tab, ok := s.Table("ExposureGraphNodes"); ok {
		if _, ok := tab.Column("TimeGenerated"); ok {
			t.Errorf("ExposureGraphNodes has TimeGenerated; it is an advanced-hunting-only table")
		}
	}
	if f, ok := s.Function("_LogOperation"); !ok || len(f.Columns) == 0 {
		t.Errorf("_LogOperation missing or without columns")
	}
	for _, name := range []string{
		"_Im_Authentication", "_ASim_Authentication", "imAuthentication", "ASimAuthentication",
		"_Im_NetworkSession", "_Im_Dns", "_Im_WebSession", "_Im_FileEvent", "_Im_RegistryEvent",
		"_Im_AuditEvent", "_Im_UserManagement", "_Im_DhcpEvent", "_Im_AlertEvent",
		"_ASim_ProcessEvent", "_Im_ProcessCreate", "_ASim_ProcessTerminate", "imRegistry", "imFileEvent",
	} {
		f, ok := s.Function(name)
		if !ok {
			t.Errorf("ASIM parser %s missing", name)
			continue
		}
		if f.RequiredParams() != 0 || len(f.Columns) < 50 {
			t.Errorf("%s: %d required params, %d columns; want 0 and the schema's columns", name, f.RequiredParams(), len(f.Columns))
		}
		if !strings.Contains(f.Source, "Azure/Azure-Sentinel Parsers/ASim") {
			t.Errorf("%s: source %q does not name its parser", name, f.Source)
		}
	}
}

// TestCatalogCurrentSourcesValidate runs issue 12's class 1 and class 7 repros
// through the validator with the embedded catalog: each is valid KQL.
func TestCatalogCurrentSourcesValidate(t *testing.T) {
	v := &kql.Validator{Schema: schema.Default()}
	for _, q := range []string{
		"ExposureGraphNodes | take 10",
		"ExposureGraphEdges | where EdgeLabel == 'has permissions to' | project SourceNodeName, TargetNodeName",
		"EntraIdSignInEvents | where Timestamp > ago(1d) | project AccountUpn, IPAddress",
		"DeviceTvmBrowserExtensions | take 10",
		"DeviceTvmSoftwareEvidenceBeta | take 10",
		"AIAgentsInfo | take 10",
		"_LogOperation | where Level == 'Warning' | project TimeGenerated, Operation, Detail",
		"DeviceTvmSoftwareVulnerabilitiesKB | project CveId, EpssScore",
		"Heartbeat | summarize arg_max(TimeGenerated, *) by SourceComputerId",
		"SecurityEvent | where TimeGenerated > ago(1d) | project EventOriginId",
		"_Im_Authentication(starttime=ago(1d)) | where EventResult == 'Failure' | summarize count() by TargetUsername",
		"_ASim_ProcessEvent | where TimeGenerated > ago(1h) | project TargetProcessName, ActingProcessName",
		"_Im_NetworkSession(starttime=ago(1d), endtime=now()) | project SrcIpAddr, DstIpAddr, DstPortNumber",
		"_Im_Dns(starttime=ago(1d)) | project DnsQuery, SrcIpAddr",
		"_Im_WebSession(starttime=ago(1d)) | project Url, HttpUserAgent",
		"_Im_FileEvent(starttime=ago(1d)) | project TargetFilePath",
		"_Im_RegistryEvent | project RegistryKey, RegistryValue",
		"_Im_AuditEvent(starttime=ago(1d)) | project Operation, Object",
		"_Im_UserManagement(starttime=ago(1d)) | project TargetUsername, ActorUsername",
		"_Im_DhcpEvent(starttime=ago(1d)) | project SrcIpAddr, SrcHostname",
		"_Im_AlertEvent(starttime=ago(1d)) | project AlertName, AttackTactics",
	} {
		for _, f := range v.Validate(q) {
			if f.Severity == kql.SeverityError {
				t.Errorf("Validate(%q): %+v", q, f)
			}
		}
	}
	// A genuine bug is still one: an unknown column on a parser's result.
	bad := false
	for _, f := range v.Validate("_Im_Authentication(starttime=ago(1d)) | project TargetUsernameX") {
		bad = bad || f.Severity == kql.SeverityError
	}
	if !bad {
		t.Errorf("an unknown column after _Im_Authentication is not an error")
	}
}
