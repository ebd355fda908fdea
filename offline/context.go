package offline

import (
	"fmt"
	"regexp"

	"slices"
	"strings"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/offline/prefilter"
)

// A verdict fact is something a human reads first and that decides the
// verdict more than any keyword: evidence that the attacker succeeded, or
// documented context that makes the activity benign. Malicious facts have
// kinds so that a benign context can say which of them it explains (a
// management agent explains an encoded PowerShell, not a ransom note).
type verdictFact struct {
	kind     factKind
	benign   bool
	decisive bool
	weight   int
	text     string
	explains []factKind // benign facts: the malicious kinds they account for; nil: all but never
}

type factKind string

const (
	kSuccess    factKind = "success"      // a sign-in or logon that succeeded after an attack on credentials
	kMFADenied  factKind = "mfa-denied"   // the user says they did not approve the sign-in
	kGrant      factKind = "grant"        // a new role, group membership or app consent
	kDCSync     factKind = "dcsync"       // directory replication requested by a non-DC
	kExfil      factKind = "exfil"        // data sent out
	kImpact     factKind = "impact"       // encryption, destruction, recovery inhibited
	kCredDump   factKind = "cred-dump"    // credentials dumped from memory
	kWebShell   factKind = "web-shell"    // a web shell ran commands
	kInboxRule  factKind = "inbox-rule"   // mail forwarded or hidden by a rule
	kSignin     factKind = "signin"       // travel, unfamiliar or anonymous sign-in anomalies
	kExecution  factKind = "execution"    // code ran: scripts, encoded commands
	kSOC        factKind = "soc"          // what the SOC itself recorded
	kOutOfScope factKind = "out-of-scope" // activity outside an approved test
	kInjection  factKind = "injection"    // text written to steer AI triage
	kFoothold   factKind = "foothold"     // persistence that already ran and reached out
)

// never is the explains list of a benign fact that accounts for no decisive
// malicious fact: it only weighs.
var never = []factKind{}

// Patterns over the incident's statements. Each is matched only where it
// is not negated ("no other account succeeded" proves nothing).
var (
	successRe    = prefilter.MustCompile(`(?i)(signed in successfully|successful(ly)?\b[^;]{0,30}?\b(sign[- ]?ins?|sign[- ]?on|log[- ]?ons?|log[- ]?ins?|logins?|authenticat\w*)|\bsucceeded\b|logged (on|in)( successfully)? (as|to|with|from|using)|signed in (as|to|with|from|using)|signed in\b[^;]{0,30}?\bfrom\b|(was|were) able to (successfully )?(sign|log)|approved (the |an |a )?(mfa|push|prompt|sign-?in|authentication|notification)|(mfa|push|prompt|notification|request)s? (was |were )?approved|accepted (the |an |a )?(mfa|push|prompt)|(session )?(token|cookie)s?\b[^;]{0,60}?\b(was |were )?(stolen|replayed|captured|redeemed|used from)|replayed (the |a )?(session|token|cookie)|completed (the |a |an )?(mfa|device code|authentication))`)
	credAttackRe = prefilter.MustCompile(`(?i)(spray|brute[- ]?forc|phish|mfa fatigue|mfa (push )?(bombing|spam|flood)|multiple (mfa|push)|adversary[- ]in[- ]the[- ]middle|attacker in the middle|\baitm\b|evilginx|reverse[- ]proxy|token theft|device code|credential stuffing|guess(ing|ed) password|failed (attempts|sign-?ins|logons|logins)|stealer|social engineer|authentication methods? (were |was )?(deleted|reset|removed)|mfa (method )?reset|reused (her|his|their|the) password|password reuse|temporary access pass|caller (said|claimed)|service desk (call|ticket)|verification questions|(deleted|removed|reset) the [\w ]{0,30}methods|breach(ed)?\b)`)
	mfaDeniedRe  = prefilter.MustCompile(`(?i)(did(n't| not) (approve|request|initiate|recogni[sz]e|authori[sz]e|expect)|(says|said|claims|confirms|confirmed|reports|reported|states|stated|told us|insists)( that)?( (she|he|they|the user|the owner|i|we))? (did(n't| not)|never|had(n't| not)) \w+|was(n't| not) (me|him|her|them|the user)|\b(he|she|they) (never|did(n't| not)|had(n't| not)|has(n't| not)|have(n't| not)) (call\w*|request\w*|ask\w*|approv\w*|sign\w*|log\w*|travel\w*|made|make|created|create|set|do|did|know)|(was|were) (asleep|sleeping|on leave|off work|on holiday|not working|on a plane|offline)|den(y|ies|ied) (approving|having|making|any|the|it|that|signing|logging|calling)|never (approved|requested)|(does|do)(n't| not) recogni[sz]e|unknown to (the user|him|her|them))`)

	socBenignRe     = prefilter.MustCompile(`(?i)(false[- ]positive|\bbenign\b|expected (behaviou?r|activity|traffic|result)|(is|was|are|were|looks|seems) (legitimate|legit|expected|sanctioned|authori[sz]ed|approved)|\blegitimate (activity|use|business|admin|change|traffic|sign-?in|login|logon)|\bsanctioned\b|(pre-?)?approved (by|change|test|scan|maintenance|window|activity|engagement|pen ?test|red team|exception|migration|deployment|as)|authori[sz]ed (test|scan|activity|engagement|pen ?test|change|by|red team)|change (ticket|request|record)|\bCHG ?\d+|\bRITM ?\d+|\bCR ?\d{3,}|within (the |its )?(approved |agreed |stated |change |maintenance )?(scope|window)|\bin scope\b|known (good|asset|scanner|admin|tool|behaviou?r|service|process|pattern)|whitelist(ed)?|allow-?listed|confirmed (the )?(travel|trip)|business trip|(on|for) (a conference|a business trip)|travell?ing (to|in|for)|owner confirmed|(user|owner|manager|employee|admin|team|he|she|they) (has |have )?(confirmed|verified)|(is|are) ours\b|belongs? to us|confirmed (with|by) (the )?(user|owner|manager|team|it|netops|network|helpdesk|service desk|employee|admin|vendor|app owner|change)|confirmed (it|this|that|the activity) (was|is) (him|her|them|the user|expected|legitimate|benign|planned|the)|planned (maintenance|change|migration|test|activity)|not malicious|not an? (compromise|incident|attack|true positive)|no (signs?|evidence|indications?) of (compromise|malicious|attack)|(is|was|came back|returned) clean\b|\bgenuine\b|reverted the ([\w ]{0,12})?verdict|\b(this|it|that) (is|was) (really |indeed )?(her|him|them|the user|legit\w*)\b|is with me\b|nothing malicious|closing as|close as (benign|false)|scheduled (scan|job|task|maintenance|backup|sync))`)
	socMaliciousRe  = prefilter.MustCompile(`(?i)(true[- ]positive|\bcompromised\b|confirmed malicious|\b(is|was|looks|are|were) malicious|malicious (activity|sign-?in|login|logon|rule|app|actor)|\bunauthori[sz]ed\b|not (approved|authori[sz]ed|sanctioned|expected|legitimate|planned|part of|in scope|covered by)|out(side)? of (the )?(agreed |approved |stated |test )?scope|outside (the |its |of the )?(agreed |approved |stated |test )?(scope|window|engagement|rules of engagement)|no (change|ticket|approval|record)( request| ticket| record)? (for|of|covers|matches|exists|was)|no matching (change|ticket)|ransom|exfiltrat\w*|paging (the )?(ir|incident)|escalat(ed|ing|e) to (ir|tier|incident response|l2|t2|the ir)|(engaged|engaging|invoked) (ir|incident response|dart))`)
	socResponseRe   = prefilter.MustCompile(`(?i)((password|credentials?) (was |were |has been |have been )?(reset|rotated|changed)|tokens? (were |was |have been |has been )?revoked|revoked (the |all )?(sessions|tokens|refresh tokens)|(host|device|machine|server) (was |has been )?isolated|isolated (the )?(host|device|machine|server)|account (was |has been )?disabled|disabled the account|blocked (the )?(ip|address|sender|url|domain))`)
	testRe          = prefilter.MustCompile(`(?i)(pen(etration)?[- ]?test(s|ing|ers?)?|red[- ]?team(ing|ers?)?|purple[- ]?team(ing)?|attack simulation|breach (and attack )?simulation|adversary emulation|security assessment)`)
	productBenignRe = prefilter.MustCompile(`(?i)(known (vulnerability )?scanner|registered (vulnerability )?scanner|tagged (in [\w ]+ )?as (a )?known|approved scanner( account)?|(inside|within) (its|the) (scheduled|approved|maintenance) (weekly |daily |monthly )?window|member of the vulnerability scanners)`)

	mgmtAgentRe  = prefilter.MustCompile(`(?i)(intunemanagementextension|microsoft intune management extension|agentexecutor\.exe|ccmexec\.exe|\\ccm\\|configmgr|sccm client|taniumclient|tanium\\|besclient\.exe|bigfix|airwatch|workspace one intelligent hub|jamf|ansible|puppet\\|chef-client|salt-minion|kaseya agent|landesk|ivanti (endpoint|agent))`)
	backupToolRe = prefilter.MustCompile(`(?i)(veeam|avepoint|druva|commvault|backupify|spanning|barracuda (cloud-to-cloud|backup)|acronis|keepit|datto|cohesity|rubrik|microsoft 365 backup|azure backup|netbackup|arcserve|code42)`)
	syncServerRe = prefilter.MustCompile(`(?i)(\bmsol_[0-9a-f]+|\baad_[0-9a-f]+|\bsync_[\w-]+_[0-9a-f]+|entra connect|azure ad connect|aad ?connect|\baadc\d*\b|adsync|miiserver|directory synchroni[sz]ation server|entra cloud sync|provisioning agent)`)
	dcsyncRe     = prefilter.MustCompile(`(?i)(dcsync|directory (services )?replication|replication request|drsuapi|getncchanges|ds-replication-get-changes|replicating directory changes)`)
	grantVerbRe  = prefilter.MustCompile(`(?i)\b(assigned|granted|added|consented|gave|elevated|activated|made)\b`)
	grantWhatRe  = prefilter.MustCompile(`(?i)(\bowner\b|contributor|global admin\w*|privileged role|administrator role|\badmins?\b|\brole\b|permissions?|consent|app role|delegated|application access|mail\.read|files\.read\w*|full_access_as_app|directory\.readwrite|\bgroup\b)`)
	quantityRe   = prefilter.MustCompile(`(?i)\b\d[\d,.]*\s?(gb|mb|tb|kb|gib|mib|files|documents|messages|records|rows)\b`)
	emailRe      = prefilter.MustCompile(`(?i)[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}`)
)

// scopeListRe is a scope definition inside a comment ("Out of scope:
// DCSync, …"): a list, not a verdict on the activity.
var scopeListRe = prefilter.MustCompile(`(?i)\b(in|out of) scope:[^.;]*`)

// Patterns used while reading one incident, compiled once.
var (
	signinAnomalyRe = prefilter.MustCompile(`(?i)(travel|atypical|unfamiliar|anonymous ip|new country|infrequent country|unusual location|impossible)`)
	launchedByRe    = prefilter.MustCompile(`(?i)(launched|started|spawned|run|ran|executed|parent|initiated|created) (by|from)|parent process`)
	forwardRe       = prefilter.MustCompile(`(?i)forward|redirect`)
	sentOutRe       = prefilter.MustCompile(`(?i)forwards? (all )?(incoming )?(mail|messages|email)|uploaded|sent (out|to)|transferred`)
	dcNameRe        = prefilter.MustCompile(`(?i)(^|[-_])(r?w?dc|adds|pdc|ad)\d*([-_]|$)|^dc\d*`)
	notDCRe         = prefilter.MustCompile(`(?i)(non-?dc|not a domain controller|is not a dc|from a workstation|from a (member )?server)`)
)

// outOfScopeRe: the SOC places the activity outside an approved test. A
// scope definition ("Out of scope: DCSync, …") is not a verdict on this
// activity; the caller skips matches followed by a colon.
var outOfScopeRe = prefilter.MustCompile(`(?i)(out(side)? of (the )?(\w+ )?scope|outside (the |its |of the )?(\w+ )?(scope|window|engagement|rules of engagement)|not (part of|in scope|covered by|included in) (the )?(test|engagement|pen ?test|red team|scope|exercise)|not (in|within) (the )?scope|(pen ?test|red team|test) team (says|said|confirms|confirmed) (it was )?not|not (them|theirs|the testers|the red team|the pen ?testers|the pen ?test|the test)\b|they did(n't| not) do (this|it|that)|\bexclude[sd]? (dcsync|[\w ]{0,30}(against|of|on)\b))`)

// contextFacts reads what a human reads first and returns the facts that
// decide the verdict, with the compromised entities they prove.
func (f *facts) contextFacts() []verdictFact {
	var out []verdictFact
	add := func(v verdictFact) { out = append(out, v) }
	sents := f.sents

	// The SOC's own records, newest comment first: the newest comment that
	// takes a position decides; within it, a malicious reading wins.
	stance, stanceText, stanceRank := 0, "", -1
	for _, s := range sents {
		if s.from != fromSOC || s.where == "label" || (stanceRank >= 0 && s.rank != stanceRank) {
			continue
		}
		_, mal := matchAffirmed(socMaliciousRe, scopeListRe.ReplaceAllString(s.text, ""))
		if _, ok := matchAffirmed(mfaDeniedRe, s.text); ok {
			mal = true
		}
		_, ben := matchAffirmed(socBenignRe, s.text)
		switch {
		case mal:
			stance, stanceText, stanceRank = 1, s.text, s.rank
		case ben && stance == 0:
			stance, stanceText, stanceRank = -1, s.text, s.rank
		}
	}
	testMentioned, testBySOC := false, false
	for _, s := range sents {
		if s.from == fromSOC && testRe.MatchString(s.text) {
			testMentioned = true
			if s.where != "label" {
				testBySOC = true
			}
		}
	}
	outOfScope := ""
	for _, s := range sents {
		if s.from != fromSOC {
			continue
		}
		if m, ok := matchAffirmed(outOfScopeRe, s.text); ok && !strings.HasPrefix(strings.TrimSpace(s.text[strings.Index(s.text, m)+len(m):]), ":") {
			outOfScope = clip(oneLine(s.text), 140)
			break
		}
	}
	switch {
	case outOfScope != "":
		add(verdictFact{kind: kOutOfScope, decisive: true, weight: 30,
			text: fmt.Sprintf("decisive: the SOC records the activity as outside the approved test (%q)", outOfScope)})
	case stance > 0:
		add(verdictFact{kind: kSOC, decisive: true, weight: 20,
			text: fmt.Sprintf("decisive: the newest analyst record calls it real (%q)", clip(oneLine(stanceText), 140))})
	case stance < 0:
		add(verdictFact{kind: kSOC, benign: true, decisive: true, weight: -30,
			explains: []factKind{kSuccess, kGrant, kDCSync, kExfil, kCredDump, kWebShell, kInboxRule, kSignin, kExecution},
			text:     fmt.Sprintf("decisive: the newest analyst record documents it as benign (%q)", clip(oneLine(stanceText), 140))})
	case testMentioned && testBySOC:
		add(verdictFact{kind: kSOC, benign: true, decisive: true, weight: -30,
			explains: []factKind{kSuccess, kGrant, kDCSync, kExfil, kCredDump, kWebShell, kInboxRule, kSignin, kExecution},
			text:     "decisive: the SOC records an approved test and nothing places this activity outside its scope"})
	case testMentioned:
		add(verdictFact{kind: kSOC, benign: true, weight: -25, explains: never,
			text: "the incident is labelled as a test; a label alone does not outweigh evidence of success"})
	}
	for _, l := range f.d.Incident.Labels {
		if benignWords.MatchString(l) && !testRe.MatchString(l) && stance == 0 {
			add(verdictFact{kind: kSOC, benign: true, weight: -25, explains: never,
				text: fmt.Sprintf("the incident is labelled %q by the SOC", oneLine(l))})
			break
		}
	}
	for _, s := range sents {
		if s.from == fromSOC && s.where != "label" {
			if m, ok := matchAffirmed(socResponseRe, s.text); ok && stance >= 0 {
				add(verdictFact{kind: kSOC, weight: 8, text: fmt.Sprintf("the SOC is already responding to it as real (%s: %q)", s.where, clip(m, 60))})
				break
			}
		}
	}
	if !f.injected {
		for _, s := range sents {
			if s.from == fromProduct {
				if m, ok := matchAffirmed(productBenignRe, s.text); ok {
					add(verdictFact{kind: kSOC, benign: true, weight: -12, explains: never,
						text: fmt.Sprintf("the %s says %q", s.where, clip(m, 60))})
					break
				}
			}
		}
	} else {
		add(verdictFact{kind: kInjection, weight: 10, text: "the incident's data contains text written to steer an AI assistant's triage: it is ignored, and it is itself suspicious"})
	}

	// Structural benign context: facts an attacker cannot simply type into a field.
	if agent := f.managementAgent(); agent != "" {
		add(verdictFact{kind: kExecution, benign: true, decisive: true, weight: -30,
			explains: []factKind{kExecution},
			text:     fmt.Sprintf("decisive: the activity was launched by a known management agent (%s)", agent)})
	}
	if f.hasSigninAnomaly() {
		pub, own := 0, 0
		var why []string
		for addr, r := range f.roles {
			if socpilot.InternalIP(addr) {
				continue
			}
			pub++
			if r.own {
				own++
				why = append(why, addr+" "+r.ownWhy)
			}
		}
		if pub > 0 && own == pub {
			slices.Sort(why)
			add(verdictFact{kind: kSignin, benign: true, decisive: true, weight: -30, explains: []factKind{kSignin},
				text: "decisive: every address of the sign-ins is the organisation's own egress (" + clip(strings.Join(why, "; "), 200) + "), so the travel is the network's, not the user's"})
		}
	}
	if m := f.firstMatch(syncServerRe, true); m != "" && f.productSays(dcsyncRe) {
		add(verdictFact{kind: kDCSync, benign: true, decisive: true, weight: -20, explains: []factKind{kDCSync},
			text: fmt.Sprintf("the replication comes from a directory synchronisation identity (%s)", m)})
	}
	if m := f.firstMatch(backupToolRe, true); m != "" && (f.hasTactic("TA0010") || f.hasTactic("TA0009")) {
		add(verdictFact{kind: kExfil, benign: true, decisive: true, weight: -20, explains: []factKind{kExfil},
			text: fmt.Sprintf("the transfer is made by a backup or sync product (%s)", m)})
	}
	if dst := f.forwardDestinations(); len(dst) > 0 {
		allOwn := true
		for _, d := range dst {
			if !f.ownsDomain(d) {
				allOwn = false
			}
		}
		if allOwn {
			add(verdictFact{kind: kInboxRule, benign: true, weight: -15, explains: []factKind{kInboxRule, kExfil},
				text: "mail is forwarded only to the organisation's own domains (" + strings.Join(dst, ", ") + ")"})
		}
	}

	if f.hasTechnique("T1110") && !f.anySuccess() {
		allOwn, n := true, 0
		for addr, r := range f.roles {
			n++
			if !r.own && !socpilot.InternalIP(addr) {
				allOwn = false
			}
		}
		accts := f.byKind[socpilot.KindAccount]
		svc := len(accts) > 0
		for _, a := range accts {
			if !serviceAccount(a) {
				svc = false
			}
		}
		if n > 0 && allOwn && svc {
			add(verdictFact{kind: kSOC, benign: true, weight: -15, explains: never,
				text: "failed logons only, from the organisation's own addresses, against service accounts: the pattern of a stale password, not of an attack"})
		}
	}

	// Decisive malicious facts.
	if len(f.compromised) > 0 {
		for _, c := range f.compromised {
			if c.kind == kSuccess || c.kind == kMFADenied {
				add(verdictFact{kind: c.kind, decisive: true, weight: 25, text: "decisive: " + c.evidence})
				break
			}
		}
	}
	if f.hasTechnique("T1486", "T1485", "T1490", "T1561") {
		add(verdictFact{kind: kImpact, decisive: true, weight: 25, text: "decisive: data is being encrypted or destroyed, or recovery inhibited"})
	}
	if f.grantEvidence != "" {
		add(verdictFact{kind: kGrant, decisive: true, weight: 20, text: "decisive: a new role, group membership or app grant (" + f.grantEvidence + ")"})
	}
	if f.productSays(dcsyncRe) || f.hasTechnique("T1003.006") {
		if src := f.nonDCReplicationSource(); src != "" {
			add(verdictFact{kind: kDCSync, decisive: true, weight: 25, text: "decisive: directory replication (DCSync) requested by " + src + ", which is not a domain controller"})
		}
	}
	if f.hasTechnique("T1003") && !f.hasTechnique("T1003.006") && !f.productSays(dcsyncRe) {
		add(verdictFact{kind: kCredDump, decisive: true, weight: 20, text: "decisive: credentials were dumped from memory, so every account used on those hosts is exposed"})
	}
	if f.hasTechnique("T1505") && f.hasTactic("TA0002") {
		add(verdictFact{kind: kWebShell, decisive: true, weight: 20, text: "decisive: a web shell ran commands on the server"})
	}
	if ev := f.footholdEvidence(); ev != "" {
		add(verdictFact{kind: kFoothold, decisive: true, weight: 15, text: "decisive: persistence the attacker installed has already run and reached out (" + ev + ")"})
	}
	if ev := f.exfilEvidence(); ev != "" {
		add(verdictFact{kind: kExfil, decisive: true, weight: 20, text: "decisive: data was sent out (" + ev + ")"})
	}
	if f.hasTechnique("T1114.003", "T1564.008", "T1137.005") || f.mentionsAny(inboxRuleRe) {
		if len(f.byKind[socpilot.KindMailbox]) > 0 || len(f.byKind[socpilot.KindAccount]) > 0 {
			add(verdictFact{kind: kInboxRule, weight: 10, text: "a mailbox rule forwards or hides mail"})
		}
	}
	if f.hasSigninAnomaly() {
		add(verdictFact{kind: kSignin, weight: 0, text: ""})
	}
	if f.hasTactic("TA0002") || f.hasTechnique("T1059", "T1027") {
		add(verdictFact{kind: kExecution, weight: 0, text: ""})
	}
	return out
}

// hasSigninAnomaly: travel, unfamiliar-properties or anonymous-address
// detections on sign-ins.
func (f *facts) hasSigninAnomaly() bool {
	for _, a := range f.alerts {
		if signinAnomalyRe.MatchString(a.DisplayName) {
			return true
		}
	}
	return false
}

// firstMatch returns the first match of re in the incident's structured
// entity properties and (when product is true) its product text.
func (f *facts) firstMatch(re *prefilter.Regexp, product bool) string {
	for _, es := range f.byKind {
		for _, e := range es {
			for _, v := range []string{e.Prop("commandLine"), e.Prop("accountName"), e.Prop("hostName"), e.Prop("appName"), e.Prop("fileName"), e.Prop("directory"), e.Prop("displayName")} {
				if m := re.FindString(v); m != "" {
					return m
				}
			}
		}
	}
	if product && !f.injected {
		for _, s := range f.sents {
			if m := re.FindString(s.text); m != "" {
				return m
			}
		}
	}
	return ""
}

// productSays: what the detections (not the SOC's notes) say.
func (f *facts) productSays(re *prefilter.Regexp) bool {
	for _, s := range f.sents {
		if s.from == fromProduct && re.MatchString(s.text) {
			return true
		}
	}
	return false
}

func (f *facts) mentionsAny(re *prefilter.Regexp) bool {
	for _, s := range f.sents {
		if re.MatchString(s.text) {
			return true
		}
	}
	return false
}

// managementAgent names the management agent that launched a process of
// the incident, from the process tree (parent image or command line) or
// from what the detection reports as the parent.
func (f *facts) managementAgent() string {
	byID := map[string]socpilot.Entity{}
	for _, e := range f.d.Entities {
		byID[strings.ToLower(e.ID)] = e
	}
	for _, p := range f.byKind[socpilot.KindProcess] {
		parentID := strings.ToLower(p.Prop("parentProcessEntityId"))
		if parent, ok := byID[parentID]; ok {
			if m := mgmtAgentRe.FindString(parent.Prop("commandLine") + " " + imageName(parent, byID)); m != "" {
				return m
			}
		}
		if m := mgmtAgentRe.FindString(p.Prop("commandLine")); m != "" {
			return m
		}
	}
	if !f.injected {
		for _, s := range f.sents {
			if s.from == fromProduct {
				if m := mgmtAgentRe.FindString(s.text); m != "" && launchedByRe.MatchString(s.text) {
					return m
				}
			}
		}
	}
	return ""
}

func imageName(p socpilot.Entity, byID map[string]socpilot.Entity) string {
	if img, ok := byID[strings.ToLower(p.Prop("imageFileEntityId"))]; ok {
		return img.Prop("directory") + `\` + img.Prop("fileName")
	}
	return ""
}

// forwardDestinations are the external addresses mail is forwarded to, as
// the detections name them.
func (f *facts) forwardDestinations() []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range f.sents {
		if s.from != fromProduct || !forwardRe.MatchString(s.text) {
			continue
		}
		for _, m := range emailRe.FindAllString(s.text, -1) {
			m = strings.ToLower(strings.TrimRight(m, "."))
			if f.isIncidentAccount(m) || seen[m] {
				continue
			}
			seen[m] = true
			out = append(out, m)
		}
	}
	return out
}

func (f *facts) isIncidentAccount(addr string) bool {
	for _, k := range []string{socpilot.KindAccount, socpilot.KindMailbox} {
		for _, e := range f.byKind[k] {
			if strings.EqualFold(e.Value(), addr) {
				return true
			}
		}
	}
	return false
}

// exfilEvidence is the detection's statement that data left, with a quantity.
func (f *facts) exfilEvidence() string {
	if !f.hasTactic("TA0010") && !f.hasTechnique("T1567", "T1048", "T1041", "T1020", "T1537", "T1114.003") {
		return ""
	}
	for _, a := range f.alerts {
		exfil := slices.ContainsFunc(a.Tactics, func(t string) bool { return strings.EqualFold(t, "Exfiltration") })
		if !exfil {
			continue
		}
		for _, s := range append([]string{a.DisplayName}, splitSentences(a.Description)...) {
			if injection.MatchString(s) {
				continue
			}
			if m := quantityRe.FindString(s); m != "" {
				return fmt.Sprintf("%s: %s", quoteShort(a.DisplayName), m)
			}
			if sentOutRe.MatchString(s) {
				return quoteShort(a.DisplayName)
			}
		}
	}
	return ""
}

// isDC reports whether a host is a domain controller by its name or what
// the incident says of it.
func (f *facts) isDC(h socpilot.Entity) bool {
	name := h.Prop("hostName")
	if dcNameRe.MatchString(name) {
		return true
	}
	// "DC02, the domain controller …" / "DC02 (domain controller)".
	said, ok := f.dcSaid[name]
	if !ok {
		said = prefilter.MustCompile(`(?i)` + regexp.QuoteMeta(name) + `,? \(?(is |is a |the )?(domain controller|dc)\b`)
		if f.dcSaid == nil {
			f.dcSaid = map[string]*prefilter.Regexp{}
		}
		f.dcSaid[name] = said
	}
	for _, s := range f.sents {
		if s.from == fromProduct && said.MatchString(s.text) {
			return true
		}
	}
	return false
}

// nonDCReplicationSource is the host that asked for directory replication
// when it is not a domain controller: "" when unknown or a DC.
func (f *facts) nonDCReplicationSource() string {
	for _, s := range f.sents {
		if s.from != fromProduct || !dcsyncRe.MatchString(s.text) {
			continue
		}
		for _, h := range f.byKind[socpilot.KindHost] {
			if mentions(s.text, h) && !f.isDC(h) {
				return h.Value()
			}
		}
		if notDCRe.MatchString(s.text) {
			return "a host that is not a domain controller"
		}
	}
	for _, h := range f.byKind[socpilot.KindHost] {
		if !f.isDC(h) {
			return h.Value()
		}
	}
	return ""
}

// explained reports whether a decisive benign fact accounts for kind.
func (f *facts) explained(kind factKind) bool {
	for _, v := range f.context {
		if v.benign && v.decisive && slices.Contains(v.explains, kind) {
			return true
		}
	}
	return false
}

// settle keeps the compromised candidates the verdict stands behind: none
// for a dismiss, and none that a documented benign context explains.
func (f *facts) settle(v socpilot.Verdict) {
	f.compromised = nil
	if v == socpilot.VerdictDismiss {
		return
	}
	for _, c := range f.candidates {
		if !f.explained(c.kind) {
			f.compromised = append(f.compromised, c)
		}
	}
}

func (f *facts) compromisedEntities() []socpilot.CompromisedEntity {
	out := []socpilot.CompromisedEntity{}
	for _, c := range f.compromised {
		out = append(out, socpilot.CompromisedEntity{Entity: ident(c.entity), Kind: c.entity.Kind, Evidence: c.evidence})
	}
	return out
}

func (f *facts) isCompromised(e socpilot.Entity) bool {
	for _, c := range f.compromised {
		if c.entity.Kind == e.Kind && strings.EqualFold(c.entity.Value(), e.Value()) {
			return true
		}
	}
	return false
}

// anySuccess reports whether any candidate shows the attacker got in.
func (f *facts) anySuccess() bool {
	for _, c := range f.candidates {
		if c.kind == kSuccess || c.kind == kMFADenied {
			return true
		}
	}
	return false
}

// ranOutRe: a detection saying the persisted item already executed and
// talked to the network.
var ranOutRe = prefilter.MustCompile(`(?i)\b(ran|executed|was run|started|launched|fired)\b[^;]{0,80}\b(connected|connection|beacon\w*|downloaded|reached|contacted|called out)\b`)

// footholdEvidence is a persistence detection (scheduled task, service,
// run key, web shell) whose own text says it already ran and reached out:
// the attacker's code runs on a schedule with network access.
func (f *facts) footholdEvidence() string {
	for _, a := range f.alerts {
		persist := slices.ContainsFunc(a.Tactics, func(t string) bool { return strings.EqualFold(t, "Persistence") })
		if !persist {
			continue
		}
		for _, s := range splitSentences(a.Description) {
			if injection.MatchString(s) {
				continue
			}
			if _, ok := matchAffirmed(ranOutRe, s); ok {
				return quoteShort(a.DisplayName)
			}
		}
	}
	return ""
}
