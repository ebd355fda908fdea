package offline

import (
	"fmt"
	"strings"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/offline/prefilter"
)

// compromise is an account or host the incident shows in the attacker's
// hands, with the statement that shows it.
type compromise struct {
	entity   socpilot.Entity
	kind     factKind
	evidence string
}

// Tactics whose detections on a host mean code of the attacker's ran there.
var onHostTactics = map[string]bool{"Execution": true, "Persistence": true, "PrivilegeEscalation": true, "DefenseEvasion": true,
	"LateralMovement": true, "CommandAndControl": true, "Impact": true}

// builtinIdentity matches accounts that are the system, not a person or a
// service owner can reset: they are never "compromised accounts".
var builtinIdentity = prefilter.MustCompile(`(?i)^(system|local service|network service|anonymous logon|dwm-\d+|umfd-\d+|defaultapppool|.*\$)$`)

var (
	usedAsRe      = prefilter.MustCompile(`(?i)\b(ran|run|running|executed|launched|started|logged (on|in)|signed in|authenticated|connected|opened [\w ]{0,30}session)\b[^;]{0,60}\b(as|using|with)\s+$`)
	credsUsedRe   = prefilter.MustCompile(`(?i)^['’]s? (credentials?|hash|ntlm hash|password|ticket|tgt|tokens?|session|account)\b[^;]{0,20}\b(was |were )?(then )?(used|replayed|stolen|harvested|dumped|abused)`)
	usedCredsOfRe = prefilter.MustCompile(`(?i)(stolen|harvested|dumped|compromised|using|used|with) (the )?(credentials?|hash|ntlm hash|password|ticket|tokens?|session) (of|for)\s+$`)
)

// findCompromised lists candidates: what the incident shows the attacker
// holds. The verdict decides later whether they stand.
func (f *facts) findCompromised() []compromise {
	var out []compromise
	seen := map[string]bool{}
	add := func(e socpilot.Entity, k factKind, ev string) {
		if e.Kind == socpilot.KindAccount && (builtinIdentity.MatchString(e.Prop("accountName")) || strings.EqualFold(e.Prop("ntDomain"), "IIS APPPOOL") || strings.EqualFold(e.Prop("ntDomain"), "NT AUTHORITY")) {
			return
		}
		key := e.Kind + "\x00" + strings.ToLower(e.Value())
		if seen[key] {
			return
		}
		seen[key] = true
		out = append(out, compromise{entity: e, kind: k, evidence: ev})
	}
	accounts := f.byKind[socpilot.KindAccount]
	hosts := f.byKind[socpilot.KindHost]

	credAttack := f.hasTechnique("T1110", "T1621", "T1566", "T1557", "T1528", "T1539", "T1550.004", "T1555", "T1098.005", "T1556") || f.mentionsAny(credAttackRe) || f.threatIntelSays(credAttackRe)
	for _, s := range f.sents {
		if s.where == "label" {
			continue
		}
		if m, ok := matchAffirmed(successRe, s.text); ok && credAttack {
			named := false
			for _, a := range accounts {
				if mentions(s.text, a) {
					named = true
					add(a, kSuccess, fmt.Sprintf("%s gave the attacker a working sign-in (%s: %q)", a.Value(), s.where, clip(oneLine(m), 60)))
				}
			}
			// An alert's title states the success and its description names
			// the account: the same alert, one account.
			if !named && s.from == fromProduct {
				for _, al := range f.alerts {
					if al.DisplayName != s.text {
						continue
					}
					var hit []socpilot.Entity
					for _, a := range personAccounts(accounts) {
						if mentions(al.Description, a) {
							hit = append(hit, a)
						}
					}
					if len(hit) == 1 {
						add(hit[0], kSuccess, fmt.Sprintf("%s gave the attacker a working sign-in (alert %s)", hit[0].Value(), quoteShort(al.DisplayName)))
					}
				}
			}
			for _, h := range hosts {
				if mentions(s.text, h) {
					add(h, kSuccess, fmt.Sprintf("the attacker logged on to %s (%s)", h.Value(), s.where))
				}
			}
		}
		if s.from == fromSOC {
			if m, ok := matchAffirmed(mfaDeniedRe, s.text); ok {
				named := false
				for _, a := range accounts {
					if mentions(s.text, a) {
						named = true
						add(a, kMFADenied, fmt.Sprintf("the sign-in of %s was not the user's (%s: %q)", a.Value(), s.where, clip(oneLine(m), 60)))
					}
				}
				if users := personAccounts(accounts); !named && len(users) == 1 {
					add(users[0], kMFADenied, fmt.Sprintf("the sign-in of %s was not the user's (%s: %q)", users[0].Value(), s.where, clip(oneLine(m), 60)))
				}
			}
		}
		// Credentials used by someone else: "ran ... as CONTOSO\hd-admin",
		// "adm-jsmith's hash was used".
		for _, a := range accounts {
			for _, n := range entityNames(a) {
				lt := strings.ToLower(s.text)
				i := indexWord(lt, strings.ToLower(n))
				if i < 0 {
					continue
				}
				before := s.text[:i]
				if j := strings.LastIndexAny(before, `\`); j >= 0 && j == len(before)-1 {
					before = before[:strings.LastIndexAny(before[:j], " (")+1]
				}
				after := s.text[i+len(n):]
				if (usedAsRe.MatchString(before) || usedCredsOfRe.MatchString(before) || credsUsedRe.MatchString(after)) && (f.hasTechnique("T1003", "T1550", "T1078", "T1021", "T1110") || credAttack) {
					add(a, kCredDump, fmt.Sprintf("%s's credentials are in the attacker's hands (%s)", a.Value(), s.where))
				}
				break
			}
		}
	}

	// Hosts where the attacker's code ran: detections with on-host tactics
	// that name the host, or the only host of the incident.
	for _, a := range f.alerts {
		onHost := false
		for _, t := range a.Tactics {
			if onHostTactics[t] {
				onHost = true
			}
		}
		for _, t := range a.Techniques {
			// Dumping credentials takes the attacker's code, with admin rights, on the host.
			if t == "T1003" || strings.HasPrefix(t, "T1003.00") && t != "T1003.006" || t == "T1555" || t == "T1558" {
				onHost = true
			}
		}
		if containsFold(a.Tactics, "Discovery") && len(out) > 0 {
			onHost = true // discovery after a successful logon is hands on keyboard
		}
		if !onHost {
			continue
		}
		text := a.DisplayName + ". " + a.Description
		named := false
		for _, h := range hosts {
			if mentions(text, h) {
				named = true
				add(h, kExecution, fmt.Sprintf("the attacker's activity ran on %s (alert %s)", h.Value(), quoteShort(a.DisplayName)))
			}
		}
		if !named && len(hosts) == 1 && endpointProduct(a.ProductName) {
			add(hosts[0], kExecution, fmt.Sprintf("the attacker's activity ran on %s (alert %s)", hosts[0].Value(), quoteShort(a.DisplayName)))
		}
	}
	// Credentials or cookies stolen from a browser or store: the accounts
	// the detection names are the attacker's now.
	for _, a := range f.alerts {
		steal := false
		for _, t := range a.Techniques {
			if strings.HasPrefix(t, "T1555") || t == "T1539" || strings.HasPrefix(t, "T1552") {
				steal = true
			}
		}
		if !steal {
			continue
		}
		named := false
		for _, acct := range accounts {
			if mentions(a.DisplayName+". "+a.Description, acct) {
				named = true
				add(acct, kCredDump, fmt.Sprintf("credentials or session cookies of %s were stolen (alert %s)", acct.Value(), quoteShort(a.DisplayName)))
			}
		}
		// A stealer on a one-user device takes that user's secrets.
		if users := personAccounts(accounts); !named && len(users) == 1 {
			add(users[0], kCredDump, fmt.Sprintf("the stealer took the browser credentials and cookies of %s, the incident's only user (alert %s)", users[0].Value(), quoteShort(a.DisplayName)))
		}
	}
	// A host that is not a domain controller and asked for directory
	// replication holds replication rights it should not: DCSync tooling.
	for _, s := range f.sents {
		if s.from != fromProduct || !dcsyncRe.MatchString(s.text) {
			continue
		}
		for _, h := range hosts {
			if mentions(s.text, h) && !f.isDC(h) {
				add(h, kDCSync, fmt.Sprintf("%s requested directory replication (DCSync) although it is not a domain controller (%s)", h.Value(), s.where))
			}
		}
	}
	// Accounts that own the attacker's processes on those hosts.
	byID := map[string]socpilot.Entity{}
	for _, e := range f.d.Entities {
		byID[strings.ToLower(e.ID)] = e
	}
	for _, p := range f.byKind[socpilot.KindProcess] {
		if mgmtAgentRe.MatchString(p.Prop("commandLine")) {
			continue
		}
		acct, ok := byID[strings.ToLower(p.Prop("accountEntityId"))]
		if !ok || acct.Kind != socpilot.KindAccount {
			continue
		}
		host, ok := byID[strings.ToLower(p.Prop("hostEntityId"))]
		if ok && seen[socpilot.KindHost+"\x00"+strings.ToLower(host.Value())] && attackerCommand(p.Prop("commandLine")) {
			add(acct, kExecution, fmt.Sprintf("%s ran the attacker's command on %s", acct.Value(), host.Value()))
		}
	}
	// A mailbox whose rules were changed to forward or hide mail.
	if f.hasTechnique("T1114.003", "T1564.008", "T1137.005") || f.mentionsAny(inboxRuleRe) {
		for _, mb := range f.byKind[socpilot.KindMailbox] {
			for _, a := range accounts {
				if strings.EqualFold(a.Value(), mb.Value()) || strings.EqualFold(a.Prop("aadUserId"), mb.Prop("externalDirectoryObjectId")) {
					add(a, kInboxRule, fmt.Sprintf("someone else created mail rules in the mailbox of %s", a.Value()))
				}
			}
		}
	}
	// A new grant: who made it (their session is the attacker's) and who got it.
	for _, s := range f.sents {
		if s.from != fromProduct || !(f.hasTechnique("T1098", "T1528", "T1484")) {
			continue
		}
		loc := grantVerbRe.FindStringIndex(s.text)
		if loc == nil || !grantWhatRe.MatchString(s.text) {
			continue
		}
		if f.grantEvidence == "" {
			f.grantEvidence = fmt.Sprintf("%s: %q", s.where, clip(oneLine(s.text), 100))
		}
		for _, a := range accounts {
			lt := strings.ToLower(s.text)
			for _, n := range entityNames(a) {
				i := indexWord(lt, strings.ToLower(n))
				if i < 0 {
					continue
				}
				if i < loc[0] || strings.HasSuffix(strings.TrimSpace(lt[:i]), " by") {
					add(a, kGrant, fmt.Sprintf("%s made the grant (%s)", a.Value(), s.where))
				} else {
					f.grantees = append(f.grantees, a)
					if strings.Contains(strings.ToUpper(a.Prop("accountName")), "#EXT#") || newAccountRe.MatchString(s.text) {
						add(a, kGrant, fmt.Sprintf("%s received the grant (%s)", a.Value(), s.where))
					}
				}
				break
			}
		}
	}
	// A grantee the detections say was created for the occasion is the
	// attacker's own account.
	for _, g := range f.grantees {
		for _, s := range f.sents {
			if s.from == fromProduct && mentions(s.text, g) && createdRe.MatchString(s.text) {
				add(g, kGrant, fmt.Sprintf("%s was created and given the grant (%s)", g.Value(), s.where))
				break
			}
		}
	}
	return out
}

func containsFold(list []string, v string) bool {
	for _, x := range list {
		if strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}

// personAccounts are the accounts that belong to people (not services, not the system).
func personAccounts(as []socpilot.Entity) []socpilot.Entity {
	var out []socpilot.Entity
	for _, a := range as {
		n := a.Prop("accountName")
		if builtinIdentity.MatchString(n) || serviceAccount(a) || strings.Contains(n, "#EXT#") {
			continue
		}
		out = append(out, a)
	}
	return out
}

var serviceRe = prefilter.MustCompile(`(?i)^(svc|sa|srv|service|app|sql|backup|scan|sync|msol|aad|sync)[-_.]|[-_.](svc|service|sa)$|^system:serviceaccount|service account`)

func serviceAccount(a socpilot.Entity) bool {
	return serviceRe.MatchString(a.Prop("accountName")) || serviceRe.MatchString(a.Prop("displayName"))
}

var (
	newAccountRe      = prefilter.MustCompile(`(?i)never (a member|used|seen)|new(ly created)? (account|user|guest)|(account|user|guest) created (\d+|a few|moments?|minutes?)\b[^;]{0,20}\b(earlier|before|ago)|(freshly|just|recently) created`)
	createdRe         = prefilter.MustCompile(`(?i)\b(created|newly|new account|new user)\b`)
	endpointProductRe = prefilter.MustCompile(`(?i)(defender (for )?endpoint|advanced threat protection|security center|defender for cloud|defender for servers|crowdstrike|sentinelone|carbon black|sysmon|mde)`)
	notEndpointRe     = prefilter.MustCompile(`(?i)office 365|azure advanced threat protection`)
)

func endpointProduct(p string) bool {
	return endpointProductRe.MatchString(p) && !notEndpointRe.MatchString(p)
}

var attackerCmdRe = prefilter.MustCompile(`(?i)(-e(nc|ncodedcommand)?\s+[a-z0-9+/=]{16,}|frombase64string|iex|invoke-expression|downloadstring|downloadfile|iwr |invoke-webrequest|rundll32|regsvr32|mshta|certutil|bitsadmin|comsvcs|minidump|sekurlsa|mimikatz|vssadmin|wmic .*shadowcopy|bcdedit|schtasks|psexec|whoami|net (user|group)|nltest|\\temp\\|\\public\\|\\programdata\\|/tmp/|-w(indowstyle)? hidden|set-mppreference|add-mppreference|\.xlsm|\.docm)`)

// attackerCommand marks command lines that are the attack itself rather
// than the applications it rode in on.
func attackerCommand(cmd string) bool { return attackerCmdRe.MatchString(cmd) }

// indexWord is containsWord's index.
func indexWord(hay, needle string) int {
	for i := 0; needle != ""; {
		j := strings.Index(hay[i:], needle)
		if j < 0 {
			return -1
		}
		j += i
		end := j + len(needle)
		if (j == 0 || !socpilot.NameByte(hay[j-1]) || hay[j-1] == '\\') && (end == len(hay) || !socpilot.NameByte(hay[end]) || hay[end] == '.' && (end+1 == len(hay) || !socpilot.NameByte(hay[end+1]))) {
			return j
		}
		i = j + 1
	}
	return -1
}

// threatIntelSays reports whether threat intelligence on the incident's
// addresses names re (a credential-stuffing botnet, a spray source).
func (f *facts) threatIntelSays(re *prefilter.Regexp) bool {
	for _, e := range f.byKind[socpilot.KindIP] {
		ti, _ := e.Properties["threatIntelligence"].([]any)
		for _, x := range ti {
			if m, ok := x.(map[string]any); ok {
				for _, k := range []string{"threatName", "threatType", "threatDescription"} {
					if v, ok := m[k].(string); ok && re.MatchString(v) {
						return true
					}
				}
			}
		}
	}
	return false
}
