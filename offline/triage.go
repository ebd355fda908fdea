package offline

import (
	"fmt"
	"strings"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/offline/prefilter"
)

// Triage weights. Points come only from facts an attacker cannot simply
// write into a field: severities, ATT&CK tactics and techniques the
// detections assigned, which products saw it, how far it spread, and what
// the SOC itself recorded (labels, analyst comments, a classification).
// Free text from alerts and entities never moves the score.
var severityPoints = map[string]int{socpilot.SeverityHigh: 35, socpilot.SeverityMedium: 20, socpilot.SeverityLow: 8, socpilot.SeverityInformational: 0}

var tacticPoints = map[string]int{
	"TA0040": 25, // Impact
	"TA0010": 20, // Exfiltration
	"TA0008": 15, // Lateral Movement
	"TA0006": 12, // Credential Access
	"TA0004": 12, // Privilege Escalation
	"TA0011": 10, // Command and Control
	"TA0003": 8,  // Persistence
	"TA0005": 8,  // Defense Evasion
	"TA0009": 6,  // Collection
	"TA0002": 6,  // Execution
	"TA0001": 6,  // Initial Access
	"TA0007": 2,  // Discovery
	"TA0043": 0,  // Reconnaissance
	"TA0042": 0,  // Resource Development
}

// Caps keep one dimension from deciding alone.
const (
	maxTacticPoints    = 30
	maxTechniquePoints = 25
)

// techniquePoints single out techniques that on their own demand a response.
var techniquePoints = []struct {
	id     string
	points int
	why    string
}{
	{"T1486", 20, "data encrypted for impact (ransomware behaviour)"},
	{"T1490", 15, "recovery inhibited (shadow copies or backups deleted)"},
	{"T1485", 15, "data destruction"},
	{"T1003", 12, "OS credential dumping"},
	{"T1558", 10, "Kerberos ticket theft"},
	{"T1114.003", 10, "mail forwarded outside the organisation"},
	{"T1098", 8, "account manipulation (roles, credentials or permissions changed)"},
	{"T1078.004", 6, "a cloud account is being used by someone else"},
	{"T1071.004", 8, "command and control or exfiltration over DNS"},
	{"T1048", 10, "exfiltration over an alternative protocol"},
	{"T1567", 10, "exfiltration to a web service"},
	{"T1528", 8, "application access token theft (OAuth consent)"},
	{"T1021", 6, "remote services used to move between machines"},
	{"T1505", 10, "a web shell or server component planted for persistent access"},
}

// benignWords in labels or analyst comments (the SOC's own records) point to
// sanctioned activity.
var benignWords = prefilter.MustCompile(`(?i)\b(approved|authori[sz]ed|sanctioned|whitelist(ed)?|allow-?listed|expected|known (good|asset|scanner)|scheduled (scan|task|job)|pen(etration)?[ -]?test|red team|change (ticket|request)|CHG\d+|vulnerability scan(ner)?|benign)\b`)

var privilegedWords = prefilter.MustCompile(`(?i)(^|[^a-z])(admin|administrator|adm|root|da|domain admins?|global admin|owner|svc-backup)([^a-z]|$)`)

func triage(f *facts) socpilot.Triage {
	var reasons []socpilot.Reason
	add := func(points int, format string, args ...any) {
		if points != 0 {
			reasons = append(reasons, socpilot.Reason{Text: fmt.Sprintf(format, args...), Weight: points})
		}
	}
	inc := f.d.Incident
	sev := severityPoints[inc.Severity]
	maxAlert, maxName := 0, ""
	for _, a := range f.alerts {
		if p := severityPoints[a.Severity]; p > maxAlert {
			maxAlert, maxName = p, a.DisplayName
		}
	}
	add(sev, "incident severity is %s", orUnknown(inc.Severity))
	if maxAlert > sev {
		add((maxAlert-sev)/2, "alert %q is rated higher than the incident", oneLine(maxName))
	}

	// The most serious tactic counts in full, each further one a little:
	// breadth is scored once more below, as stages of a chain.
	tp, most := 0, 0
	var names []string
	for _, t := range f.tactics {
		if p := tacticPoints[t.ID]; p > 0 {
			most = max(most, p)
			tp += 3
			names = append(names, t.Name)
		}
	}
	if tp > 0 {
		tp = min(most+tp-3, maxTacticPoints)
		add(tp, "ATT&CK tactics in play: %s", strings.Join(names, ", "))
	}
	if len(f.tactics) >= 3 {
		add(8, "%d stages of an attack chain, not a single event", len(f.tactics))
	}
	techTotal := 0
	for _, tp := range techniquePoints {
		if f.hasTechnique(tp.id) && techTotal < maxTechniquePoints {
			p := min(tp.points, maxTechniquePoints-techTotal)
			techTotal += p
			add(p, "technique %s: %s", tp.id, tp.why)
		}
	}
	if len(f.products) >= 2 {
		add(8, "%d products saw it independently (%s)", len(f.products), strings.Join(f.products, ", "))
	}
	if n := len(f.alerts); n >= 5 {
		add(5, "%d alerts", n)
	}
	if hosts := f.values(socpilot.KindHost); len(hosts) >= 3 {
		add(10, "%d hosts involved (%s)", len(hosts), list(hosts, 4))
	}
	if files := f.values(socpilot.KindFile); len(files) >= 8 {
		add(5, "%d files touched", len(files))
	}
	var priv []string
	for _, e := range f.byKind[socpilot.KindAccount] {
		if privilegedWords.MatchString(e.Prop("accountName")) || privilegedWords.MatchString(e.Prop("displayName")) {
			priv = append(priv, e.Value())
		}
	}
	if len(priv) > 0 && sev+tp > 20 {
		add(5, "privileged account(s) involved: %s", list(priv, 3))
	}

	// What a human reads first: the SOC's records, documented benign
	// context and evidence that the attacker succeeded.
	var malDecisive, benDecisive []verdictFact
	for _, v := range f.context {
		switch {
		case v.text == "":
			continue
		case !v.benign && f.explained(v.kind):
			reasons = append(reasons, socpilot.Reason{Text: "accounted for by the documented benign context: " + strings.TrimPrefix(v.text, "decisive: ")})
			continue
		case v.decisive && v.benign:
			benDecisive = append(benDecisive, v)
		case v.decisive:
			malDecisive = append(malDecisive, v)
		}
		add(v.weight, "%s", v.text)
	}
	switch inc.Classification {
	case "FalsePositive", "BenignPositive":
		add(-20, "already closed as %s (%s)", inc.Classification, orUnknown(inc.ClassificationReason))
	case "TruePositive":
		add(10, "already confirmed as a true positive")
	}
	if len(f.alerts) == 1 && len(f.tactics) <= 1 && (inc.Severity == socpilot.SeverityLow || inc.Severity == socpilot.SeverityInformational) {
		add(-5, "a single low-severity alert with no follow-on activity")
	}

	sum := func() int {
		score := 0
		for _, r := range reasons {
			score += r.Weight
		}
		return score
	}
	score := sum()
	switch {
	case len(malDecisive) > 0 && score < EscalateFrom:
		add(EscalateFrom-score, "evidence of success decides, whatever the labels or keywords say: %s", strings.TrimPrefix(malDecisive[0].text, "decisive: "))
	case len(malDecisive) == 0 && len(benDecisive) > 0 && score >= DismissBelow:
		add(DismissBelow-1-score, "documented benign context outweighs the detections: %s", strings.TrimPrefix(benDecisive[0].text, "decisive: "))
	}
	score = max(0, min(100, sum()))
	v := socpilot.VerdictRemediate
	switch {
	case score >= EscalateFrom:
		v = socpilot.VerdictEscalate
	case score < DismissBelow:
		v = socpilot.VerdictDismiss
	}
	reasons = append(reasons, socpilot.Reason{Weight: 0, Text: verdictRule(v, score)})
	return socpilot.Triage{Verdict: v, Score: score, Reasons: reasons}
}

func verdictRule(v socpilot.Verdict, score int) string {
	switch v {
	case socpilot.VerdictEscalate:
		return fmt.Sprintf("score %d ≥ %d: escalate to tier 2", score, EscalateFrom)
	case socpilot.VerdictDismiss:
		return fmt.Sprintf("score %d < %d: dismiss candidate, after confirming the activity was sanctioned", score, DismissBelow)
	}
	return fmt.Sprintf("score %d between %d and %d: remediate at tier 1", score, DismissBelow, EscalateFrom-1)
}

func orUnknown(s string) string {
	if strings.TrimSpace(s) == "" {
		return "unknown"
	}
	return oneLine(s)
}
