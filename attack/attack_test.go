package attack

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var idPattern = regexp.MustCompile(`^T\d{4}(\.\d{3})?$`)

func TestTactics(t *testing.T) {
	ts := Tactics()
	if len(ts) != 14 {
		t.Fatalf("Tactics() has %d tactics, want 14", len(ts))
	}
	var got []string
	for i, ta := range ts {
		if ta.Order != i+1 {
			t.Errorf("%s: Order %d, want %d", ta.ID, ta.Order, i+1)
		}
		if !ta.Enterprise() {
			t.Errorf("%s: Enterprise() = false", ta.ID)
		}
		if n := strings.Count(ta.Description, ". "); ta.Description == "" || n > 2 {
			t.Errorf("%s: description should be 1-3 sentences: %q", ta.ID, ta.Description)
		}
		got = append(got, ta.ID+" "+ta.Name+" "+ta.SentinelName)
	}
	want := []string{
		"TA0043 Reconnaissance Reconnaissance",
		"TA0042 Resource Development ResourceDevelopment",
		"TA0001 Initial Access InitialAccess",
		"TA0002 Execution Execution",
		"TA0003 Persistence Persistence",
		"TA0004 Privilege Escalation PrivilegeEscalation",
		"TA0005 Defense Evasion DefenseEvasion",
		"TA0006 Credential Access CredentialAccess",
		"TA0007 Discovery Discovery",
		"TA0008 Lateral Movement LateralMovement",
		"TA0009 Collection Collection",
		"TA0011 Command and Control CommandAndControl",
		"TA0010 Exfiltration Exfiltration",
		"TA0040 Impact Impact",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Tactics() mismatch (-want +got):\n%s", diff)
	}
}

func TestCatalogIntegrity(t *testing.T) {
	all := Techniques()
	if len(all) < 400 {
		t.Fatalf("Techniques() has %d entries, want at least 400", len(all))
	}
	byID := map[string]Technique{}
	var parents, subs int
	for i, tech := range all {
		if !idPattern.MatchString(tech.ID) {
			t.Errorf("bad id %q", tech.ID)
		}
		if _, dup := byID[tech.ID]; dup {
			t.Errorf("duplicate id %s", tech.ID)
		}
		byID[tech.ID] = tech
		if i > 0 && all[i-1].ID >= tech.ID {
			t.Errorf("not sorted: %s before %s", all[i-1].ID, tech.ID)
		}
		if strings.TrimSpace(tech.Name) != tech.Name || tech.Name == "" {
			t.Errorf("%s: bad name %q", tech.ID, tech.Name)
		}
		if len(tech.Tactics) == 0 {
			t.Errorf("%s has no tactic", tech.ID)
		}
		for _, ta := range tech.Tactics {
			tac, ok := TacticByID(ta)
			if !ok || !tac.Enterprise() {
				t.Errorf("%s: tactic %q is not an Enterprise tactic", tech.ID, ta)
			}
		}
		if tech.IsSub() != strings.Contains(tech.ID, ".") {
			t.Errorf("%s: IsSub() = %v with Parent %q", tech.ID, tech.IsSub(), tech.Parent)
		}
		if tech.IsSub() {
			subs++
		} else {
			parents++
		}
	}
	for _, tech := range all {
		if !tech.IsSub() {
			continue
		}
		p, ok := byID[tech.Parent]
		if !ok {
			t.Errorf("%s: parent %s missing", tech.ID, tech.Parent)
			continue
		}
		if !slices.ContainsFunc(tech.Tactics, func(ta string) bool { return slices.Contains(p.Tactics, ta) }) {
			t.Errorf("%s shares no tactic with parent %s: %v vs %v", tech.ID, p.ID, tech.Tactics, p.Tactics)
		}
		if !strings.HasPrefix(tech.ID, tech.Parent+".") {
			t.Errorf("%s: parent %s does not prefix the id", tech.ID, tech.Parent)
		}
	}
	// Every Enterprise tactic has techniques.
	for _, ta := range Tactics() {
		if n := len(TechniquesOfTactic(ta.ID)); n == 0 {
			t.Errorf("%s %s has no techniques", ta.ID, ta.Name)
		}
	}
	t.Logf("%d techniques, %d sub-techniques", parents, subs)
}

func TestSpotChecks(t *testing.T) {
	tests := []struct {
		id, name, parent string
		tactics          []string
	}{
		{"T1110", "Brute Force", "", []string{"TA0006"}},
		{"T1110.003", "Password Spraying", "T1110", []string{"TA0006"}},
		{"T1486", "Data Encrypted for Impact", "", []string{"TA0040"}},
		{"T1078", "Valid Accounts", "", []string{"TA0001", "TA0003", "TA0004", "TA0005"}},
		{"T1078.004", "Cloud Accounts", "T1078", []string{"TA0001", "TA0003", "TA0004", "TA0005"}},
		{"T1566.002", "Spearphishing Link", "T1566", []string{"TA0001"}},
		{"T1059.001", "PowerShell", "T1059", []string{"TA0002"}},
		{"T1059.003", "Windows Command Shell", "T1059", []string{"TA0002"}},
		{"T1059.007", "JavaScript", "T1059", []string{"TA0002"}},
		{"T1003.001", "LSASS Memory", "T1003", []string{"TA0006"}},
		{"T1003.006", "DCSync", "T1003", []string{"TA0006"}},
		{"T1021.001", "Remote Desktop Protocol", "T1021", []string{"TA0008"}},
		{"T1071.004", "DNS", "T1071", []string{"TA0011"}},
		{"T1114.003", "Email Forwarding Rule", "T1114", []string{"TA0009"}},
		{"T1567.002", "Exfiltration to Cloud Storage", "T1567", []string{"TA0010"}},
		{"T1547.001", "Registry Run Keys / Startup Folder", "T1547", []string{"TA0003", "TA0004"}},
		{"T1053.005", "Scheduled Task", "T1053", []string{"TA0002", "TA0003", "TA0004"}},
		{"T1098.001", "Additional Cloud Credentials", "T1098", []string{"TA0003", "TA0004"}},
		{"T1550.001", "Application Access Token", "T1550", []string{"TA0005", "TA0008"}},
		{"T1557", "Adversary-in-the-Middle", "", []string{"TA0006", "TA0009"}},
		{"T1556", "Modify Authentication Process", "", []string{"TA0003", "TA0005", "TA0006"}},
		{"T1574", "Hijack Execution Flow", "", []string{"TA0003", "TA0004", "TA0005"}},
		{"T1205", "Traffic Signaling", "", []string{"TA0003", "TA0005", "TA0011"}},
		{"T1133", "External Remote Services", "", []string{"TA0001", "TA0003"}},
		{"T1190", "Exploit Public-Facing Application", "", []string{"TA0001"}},
		{"T1490", "Inhibit System Recovery", "", []string{"TA0040"}},
		{"T1558.003", "Kerberoasting", "T1558", []string{"TA0006"}},
		{"T1218.011", "Rundll32", "T1218", []string{"TA0005"}},
		{"T1562.001", "Disable or Modify Tools", "T1562", []string{"TA0005"}},
		{"T1070.001", "Clear Windows Event Logs", "T1070", []string{"TA0005"}},
		{"T1046", "Network Service Discovery", "", []string{"TA0007"}},
		{"T1040", "Network Sniffing", "", []string{"TA0006", "TA0007"}},
		{"T1497", "Virtualization/Sandbox Evasion", "", []string{"TA0005", "TA0007"}},
		{"T1528", "Steal Application Access Token", "", []string{"TA0006"}},
		{"T1621", "Multi-Factor Authentication Request Generation", "", []string{"TA0006"}},
		{"T1583.001", "Domains", "T1583", []string{"TA0042"}},
		{"T1595.002", "Vulnerability Scanning", "T1595", []string{"TA0043"}},
		{"T1498", "Network Denial of Service", "", []string{"TA0040"}},
		{"T1499", "Endpoint Denial of Service", "", []string{"TA0040"}},
		{"T1091", "Replication Through Removable Media", "", []string{"TA0001", "TA0008"}},
		{"T1072", "Software Deployment Tools", "", []string{"TA0002", "TA0008"}},
		{"T1659", "Content Injection", "", []string{"TA0001", "TA0011"}},
		{"T1105", "Ingress Tool Transfer", "", []string{"TA0011"}},
	}
	for _, tt := range tests {
		got, ok := TechniqueByID(tt.id)
		if !ok {
			t.Errorf("TechniqueByID(%q) not found", tt.id)
			continue
		}
		// Tactics come in kill-chain order, which for these ids is id order
		// except TA0011/TA0010/TA0040; sort both to compare as sets.
		gotTactics := slices.Sorted(slices.Values(got.Tactics))
		if diff := cmp.Diff(
			[]string{tt.id, tt.name, tt.parent, strings.Join(tt.tactics, ",")},
			[]string{got.ID, got.Name, got.Parent, strings.Join(gotTactics, ",")}); diff != "" {
			t.Errorf("TechniqueByID(%q) mismatch (-want +got):\n%s", tt.id, diff)
		}
	}
}

func TestTechniqueTacticsInKillChainOrder(t *testing.T) {
	got, _ := TechniqueByID("T1078")
	want := []string{"TA0001", "TA0003", "TA0004", "TA0005"}
	if diff := cmp.Diff(want, got.Tactics); diff != "" {
		t.Errorf("T1078 tactics (-want +got):\n%s", diff)
	}
	got, _ = TechniqueByID("T1205")
	want = []string{"TA0003", "TA0005", "TA0011"}
	if diff := cmp.Diff(want, got.Tactics); diff != "" {
		t.Errorf("T1205 tactics (-want +got):\n%s", diff)
	}
}

func TestTacticLookup(t *testing.T) {
	tests := []struct {
		in     string
		wantID string // "" means not found
	}{
		// Sentinel's AttackTactic enum, every value.
		{"Reconnaissance", "TA0043"},
		{"ResourceDevelopment", "TA0042"},
		{"InitialAccess", "TA0001"},
		{"Execution", "TA0002"},
		{"Persistence", "TA0003"},
		{"PrivilegeEscalation", "TA0004"},
		{"DefenseEvasion", "TA0005"},
		{"CredentialAccess", "TA0006"},
		{"Discovery", "TA0007"},
		{"LateralMovement", "TA0008"},
		{"Collection", "TA0009"},
		{"Exfiltration", "TA0010"},
		{"CommandAndControl", "TA0011"},
		{"Impact", "TA0040"},
		{"PreAttack", "TA0043"},
		{"ImpairProcessControl", "TA0106"},
		{"InhibitResponseFunction", "TA0107"},
		// ATT&CK names, STIX shortnames, case and spacing.
		{"Credential Access", "TA0006"},
		{"credential-access", "TA0006"},
		{"CREDENTIAL_ACCESS", "TA0006"},
		{"  command and control ", "TA0011"},
		{"Command & Control", "TA0011"},
		{"C2", "TA0011"},
		{"PRE-ATT&CK", "TA0043"},
		{"defense evasion", "TA0005"},
		// IDs.
		{"TA0006", "TA0006"},
		{"ta0040", "TA0040"},
		{" TA0011 ", "TA0011"},
		// Not tactics.
		{"", ""},
		{"Ransomware", ""},
		{"Vulnerability", ""},
		{"TA9999", ""},
		{"Credential", ""},
	}
	for _, tt := range tests {
		got, ok := LookupTactic(tt.in)
		if ok != (tt.wantID != "") || got.ID != tt.wantID {
			t.Errorf("LookupTactic(%q) = %q, %v; want %q", tt.in, got.ID, ok, tt.wantID)
		}
	}
}

func TestTacticByNameAndByID(t *testing.T) {
	if got, ok := TacticByName("TA0006"); ok {
		t.Errorf("TacticByName(TA0006) = %s, want not found (ids go to TacticByID)", got.ID)
	}
	if got, ok := TacticByID("CredentialAccess"); ok {
		t.Errorf("TacticByID(CredentialAccess) = %s, want not found", got.ID)
	}
	if got, ok := TacticByName("InitialAcces"); ok {
		t.Errorf("TacticByName(InitialAcces) = %s, want not found (typos only in LookupTactic)", got.ID)
	}
	got, ok := TacticByName("PreAttack")
	if !ok || got.SentinelName != "Reconnaissance" {
		t.Errorf("TacticByName(PreAttack) = %+v, %v; want Reconnaissance", got, ok)
	}
	ics, ok := TacticByName("ImpairProcessControl")
	if !ok || ics.Enterprise() || ics.Order != 0 {
		t.Errorf("ImpairProcessControl = %+v, %v; want a non-Enterprise tactic", ics, ok)
	}
	if n := len(TechniquesOfTactic("ImpairProcessControl")); n != 0 {
		t.Errorf("ICS tactic has %d Enterprise techniques, want 0", n)
	}
}

func TestLookupTacticForgivesOneTypo(t *testing.T) {
	tests := []struct{ in, wantID string }{
		{"InitialAcces", "TA0001"},      // deletion
		{"CommanAndControl", "TA0011"},  // deletion
		{"Exfiltartion", "TA0010"},      // swap
		{"Persistance", "TA0003"},       // substitution
		{"Lateral Movemennt", "TA0008"}, // insertion
		{"Impcat", ""},                  // too short to guess
		{"Exfiltrationxx", ""},          // two edits
	}
	for _, tt := range tests {
		got, ok := LookupTactic(tt.in)
		if ok != (tt.wantID != "") || got.ID != tt.wantID {
			t.Errorf("LookupTactic(%q) = %q, %v; want %q", tt.in, got.ID, ok, tt.wantID)
		}
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"T1110", "T1110"},
		{"T1110.003", "T1110.003"},
		{"t1110.003", "T1110.003"},
		{"t1110/003", "T1110.003"},
		{"T1110_003", "T1110.003"},
		{"T1110-003", "T1110.003"},
		{"T1110:003", "T1110.003"},
		{"T1110.3", "T1110.003"},
		{"T1110.03", "T1110.003"},
		{"1110.003", "T1110.003"},
		{"  T1059.001  ", "T1059.001"},
		{"T1110.003: Password Spraying", "T1110.003"},
		{"T1110 - Brute Force", "T1110"},
		{"T1110 (Brute Force)", "T1110"},
		{"https://attack.mitre.org/techniques/T1110/003/", "T1110.003"},
		{"https://attack.mitre.org/techniques/T1486", "T1486"},
		{"", ""},
		{"T", ""},
		{"T111", ""},
		{"T11100", ""},
		{"T1110.0031", ""},
		{"T1110x", ""},
		{"TA0006", ""},
		{"Brute Force", ""},
		{"T1110.", ""},
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTechniqueByIDTolerance(t *testing.T) {
	for _, in := range []string{"T1110.003", "t1110.003", "t1110/003", "T1110.3", " T1110-003 ", "T1110.003 Password Spraying"} {
		got, ok := TechniqueByID(in)
		if !ok || got.ID != "T1110.003" {
			t.Errorf("TechniqueByID(%q) = %q, %v; want T1110.003", in, got.ID, ok)
		}
	}
	for _, in := range []string{"T9999", "T1110.999", "", "Brute Force"} {
		if got, ok := TechniqueByID(in); ok {
			t.Errorf("TechniqueByID(%q) = %q, want not found", in, got.ID)
		}
	}
}

func TestLegacyIDs(t *testing.T) {
	tests := []struct{ old, cur, name string }{
		{"T1086", "T1059.001", "PowerShell"},
		{"T1191", "T1218.003", "CMSTP"},
		{"T1170", "T1218.005", "Mshta"},
		{"t1089", "T1562.001", "Disable or Modify Tools"},
		{"T1193", "T1566.001", "Spearphishing Attachment"},
		{"T1208", "T1558.003", "Kerberoasting"},
	}
	for _, tt := range tests {
		got, ok := TechniqueByID(tt.old)
		if !ok || got.ID != tt.cur || got.Name != tt.name {
			t.Errorf("TechniqueByID(%q) = %q %q, %v; want %q %q", tt.old, got.ID, got.Name, ok, tt.cur, tt.name)
		}
		if cur, ok := Successor(tt.old); !ok || cur != tt.cur {
			t.Errorf("Successor(%q) = %q, %v; want %q", tt.old, cur, ok, tt.cur)
		}
	}
	if cur, ok := Successor("T1059.001"); ok {
		t.Errorf("Successor of a current id = %q, want none", cur)
	}
	c := load()
	for old, cur := range c.legacy {
		if _, ok := c.byID[old]; ok {
			t.Errorf("retired id %s is also a current technique", old)
		}
		if _, ok := c.byID[cur]; !ok {
			t.Errorf("retired id %s maps to unknown %s", old, cur)
		}
	}
}

func TestTechniqueByName(t *testing.T) {
	ids := func(ts []Technique) []string {
		var out []string
		for _, t := range ts {
			out = append(out, t.ID)
		}
		return out
	}
	tests := []struct {
		in   string
		want []string
	}{
		{"Password Spraying", []string{"T1110.003"}},
		{"password   spraying", []string{"T1110.003"}},
		{"VALID ACCOUNTS", []string{"T1078"}},
		{"Domain Account", []string{"T1087.002", "T1136.002"}},
		{"Brute Force: Password Spraying", []string{"T1110.003"}},
		{"Account Discovery: Domain Account", []string{"T1087.002"}},
		{"Search Open Websites/Domains", []string{"T1593"}},
		{"Spearphishing Link", []string{"T1566.002", "T1598.003"}},
		{"Phishing: Spearphishing Link", []string{"T1566.002"}},
		{"No Such Technique", nil},
		{"Brute Force: Nothing", nil},
	}
	for _, tt := range tests {
		got, ok := TechniqueByName(tt.in)
		if ok != (len(tt.want) > 0) {
			t.Errorf("TechniqueByName(%q) ok = %v", tt.in, ok)
		}
		if diff := cmp.Diff(tt.want, ids(got)); diff != "" {
			t.Errorf("TechniqueByName(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestSubTechniquesAndTactics(t *testing.T) {
	var got []string
	for _, s := range SubTechniques("t1110") {
		got = append(got, s.ID+" "+s.Name)
	}
	want := []string{
		"T1110.001 Password Guessing",
		"T1110.002 Password Cracking",
		"T1110.003 Password Spraying",
		"T1110.004 Credential Stuffing",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SubTechniques(T1110) (-want +got):\n%s", diff)
	}
	if n := len(SubTechniques("T1486")); n != 0 {
		t.Errorf("SubTechniques(T1486) has %d, want 0", n)
	}
	if n := len(SubTechniques("nonsense")); n != 0 {
		t.Errorf("SubTechniques(nonsense) has %d, want 0", n)
	}

	ca := TechniquesOfTactic("TA0006")
	if !slices.ContainsFunc(ca, func(t Technique) bool { return t.ID == "T1110.003" }) {
		t.Error("TechniquesOfTactic(TA0006) lacks T1110.003")
	}
	if slices.ContainsFunc(ca, func(t Technique) bool { return t.ID == "T1486" }) {
		t.Error("TechniquesOfTactic(TA0006) holds T1486")
	}
	for _, tech := range ca {
		if !slices.Contains(tech.Tactics, "TA0006") {
			t.Errorf("TechniquesOfTactic(TA0006) returned %s with tactics %v", tech.ID, tech.Tactics)
		}
	}
	if diff := cmp.Diff(ca, TechniquesOfTactic("CredentialAccess")); diff != "" {
		t.Errorf("TechniquesOfTactic by name differs from by id:\n%s", diff)
	}
	if got := TechniquesOfTactic("nonsense"); got != nil {
		t.Errorf("TechniquesOfTactic(nonsense) = %d techniques, want none", len(got))
	}
}

func TestFullNameAndURL(t *testing.T) {
	tech, _ := TechniqueByID("T1110.003")
	if got, want := tech.FullName(), "Brute Force: Password Spraying"; got != want {
		t.Errorf("FullName() = %q, want %q", got, want)
	}
	if got, want := tech.URL(), "https://attack.mitre.org/techniques/T1110/003/"; got != want {
		t.Errorf("URL() = %q, want %q", got, want)
	}
	if Normalize(tech.URL()) != tech.ID {
		t.Errorf("Normalize(URL()) = %q, want %q", Normalize(tech.URL()), tech.ID)
	}
	parent, _ := TechniqueByID("T1110")
	if got := parent.FullName(); got != "Brute Force" {
		t.Errorf("FullName() of a parent = %q", got)
	}
	ta, _ := TacticByID("TA0006")
	if got, want := ta.URL(), "https://attack.mitre.org/tactics/TA0006/"; got != want {
		t.Errorf("Tactic URL() = %q, want %q", got, want)
	}
}

// Callers get copies: changing them must not change the catalog.
func TestResultsAreCopies(t *testing.T) {
	a, _ := TechniqueByID("T1078")
	a.Tactics[0] = "TA9999"
	a.Name = "changed"
	b, _ := TechniqueByID("T1078")
	if b.Tactics[0] != "TA0001" || b.Name != "Valid Accounts" {
		t.Errorf("catalog changed through a returned value: %+v", b)
	}
	all := Techniques()
	all[0].Tactics[0] = "TA9999"
	if Techniques()[0].Tactics[0] == "TA9999" {
		t.Error("catalog changed through Techniques()")
	}
}

func TestParseRejectsBadData(t *testing.T) {
	tests := []struct{ name, techniques, legacy, wantErr string }{
		{"fields", "T1000|A|exec\n", "", "want 4 fields"},
		{"bad id", "T100|A|exec|\n", "", "bad id"},
		{"duplicate", "T1000|A|exec|\nT1000|B|exec|\n", "", "duplicate"},
		{"tactic key", "T1000|A|nope|\n", "", "unknown tactic key"},
		{"no tactic", "T1000|A||\n", "", "no tactic"},
		{"orphan", "T1000.001|A||\n", "", "parent T1000 is missing"},
		{"no name", "T1000||exec|\n", "", "no name"},
		{"legacy unknown", "T1000|A|exec|\n", "T1001|T1999\n", "unknown technique"},
		{"legacy current", "T1000|A|exec|\nT1001|B|exec|\n", "T1001|T1000\n", "is a current technique"},
	}
	for _, tt := range tests {
		_, err := parse(tt.techniques, tt.legacy)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: parse error = %v, want one containing %q", tt.name, err, tt.wantErr)
		}
	}
	c, err := parse("# comment\n\nT1000|A|exec,persist|x\nT1000.001|B||\nT1000.002|C|persist|\n", "")
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"TA0002", "TA0003"}, {"TA0002", "TA0003"}, {"TA0003"}}
	var got [][]string
	for _, tech := range c.techniques {
		got = append(got, tech.Tactics)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("inherited tactics (-want +got):\n%s", diff)
	}
}

func TestWithinOneEdit(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"abc", "abc", true},
		{"abc", "abd", true},
		{"abc", "ab", true},
		{"abc", "bc", true},
		{"abc", "acb", true},
		{"abc", "bca", false},
		{"abc", "a", false},
		{"abcd", "abdc", true},
		{"", "a", true},
	}
	for _, tt := range tests {
		if got := withinOneEdit(tt.a, tt.b); got != tt.want {
			t.Errorf("withinOneEdit(%q, %q) = %v", tt.a, tt.b, got)
		}
		if got := withinOneEdit(tt.b, tt.a); got != tt.want {
			t.Errorf("withinOneEdit(%q, %q) = %v", tt.b, tt.a, got)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"T1110.003", "t1110/3", "https://attack.mitre.org/techniques/T1110/003/", "T1110 x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if n != "" && !idPattern.MatchString(n) {
			t.Fatalf("Normalize(%q) = %q, not a canonical id", s, n)
		}
		if n != "" && Normalize(n) != n {
			t.Fatalf("Normalize not idempotent on %q: %q", n, Normalize(n))
		}
		TechniqueByID(s)
		LookupTactic(s)
	})
}
