package eval

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/socpilot/socpilot"
)

func TestSameEntity(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		// Accounts: UPN, account name, DOMAIN\name; any case.
		{"adele.vance@contoso.com", "adele.vance@contoso.com", true},
		{"Adele.Vance@Contoso.com", "adele.vance@contoso.com", true},
		{"adele.vance", "adele.vance@contoso.com", true},
		{"adele.vance@contoso.com", "ADELE.VANCE", true},
		{`CONTOSO\adele.vance`, "adele.vance@contoso.com", true},
		{`contoso\Adele.Vance`, "adele.vance", true},
		{"svc-backup", "svc-backup@contoso.com", true},
		{"adele.vance@contoso.com", "adele.vance@fabrikam.com", false}, // two UPNs
		{`CONTOSO\adele`, `FABRIKAM\adele`, false},
		{"adele.vance@contoso.com", "alex.wilber@contoso.com", false},
		{"adele@contoso.com", "adele.smith", false}, // adele.smith is an account name, not a host
		{"adele.vance", "adele.smith", false},
		// Hosts: host name or the FQDN's first label.
		{"WS-FIN-023", "ws-fin-023.contoso.com", true},
		{"ws-fin-023.contoso.com", "WS-FIN-023", true},
		{"dc01.corp", "DC01", true},
		{"ws01.contoso.com", "ws01.fabrikam.com", false}, // two FQDNs
		{"ws01", "ws02.contoso.com", false},
		// Addresses, URLs, hashes, paths: whole.
		{"185.220.101.47", "185.220.101.47", true},
		{"::ffff:10.0.0.5", "10.0.0.5", true},
		{"10.0.0.5", "10.0.0.50", false},
		{"http://evil.example/login", "HTTP://EVIL.EXAMPLE/login/", true},
		{"http://evil.example/login", "evil.example", false},
		{"9F86D081884C7D659A2FEAA0C55AD015", "9f86d081884c7d659a2feaa0c55ad015", true},
		{`C:\Users\adele\invoice.exe`, "invoice.exe", false},
		{"invoice.pdf.exe", "invoice.docx", false},
		{"", "", false},
		{"  ", "adele", false},
	} {
		if got := SameEntity(tc.a, tc.b); got != tc.want {
			t.Errorf("SameEntity(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
		if got := SameEntity(tc.b, tc.a); got != tc.want {
			t.Errorf("SameEntity(%q, %q) = %v, want %v (swapped)", tc.b, tc.a, got, tc.want)
		}
	}
}

func item(title string, verb socpilot.ActionVerb, entity string) socpilot.ChecklistItem {
	return socpilot.ChecklistItem{Title: title, Phase: "contain", Action: &socpilot.Action{Verb: verb, Entity: entity}}
}

func TestScore(t *testing.T) {
	spray := Case{Number: 101, File: "101.json", Title: "Password spray", Expected: Expected{
		Verdict:     socpilot.VerdictEscalate,
		Acceptable:  []socpilot.Verdict{socpilot.VerdictRemediate},
		Compromised: []string{"adele.vance@contoso.com"},
		Actions: []ExpectedAction{
			{socpilot.ActionRevokeSessions, "adele.vance@contoso.com"},
			{socpilot.ActionBlockIP, "185.220.101.47"},
			{socpilot.ActionIsolateHost, "WS-FIN-023"},
		},
		Forbidden: []ExpectedAction{{socpilot.ActionBlockIP, "198.51.100.23"}, {socpilot.ActionDisableAccount, "svc-backup"}},
		Tactics:   []string{"TA0006", "TA0001"},
	}}
	for _, tc := range []struct {
		name string
		c    Case
		a    socpilot.Analysis
		want Result
	}{{
		name: "all found, by other spellings of the same entities",
		c:    spray,
		a: socpilot.Analysis{
			Triage:      socpilot.Triage{Verdict: socpilot.VerdictEscalate, Score: 88},
			Compromised: []socpilot.CompromisedEntity{{Entity: `CONTOSO\Adele.Vance`, Kind: "Account"}},
			Checklist: []socpilot.ChecklistItem{
				{Title: "Read the sign-in logs", Phase: "investigate"},
				item("Revoke", socpilot.ActionRevokeSessions, "ADELE.VANCE"),
				item("Block", socpilot.ActionBlockIP, "185.220.101.47"),
				item("Isolate", socpilot.ActionIsolateHost, "ws-fin-023.contoso.com"),
			},
			Tactics: []socpilot.TacticNote{{ID: "TA0001"}, {ID: "ta0006"}, {ID: "TA0008"}},
			Usage:   socpilot.Usage{Calls: 2, PromptTokens: 1000, CompletionTokens: 200, CostUSD: 0.01},
		},
		want: Result{Number: 101, File: "101.json", Title: "Password spray",
			Expected: socpilot.VerdictEscalate, Acceptable: []socpilot.Verdict{socpilot.VerdictRemediate},
			Got: socpilot.VerdictEscalate, Score: 88, Exact: true, WithinAcceptable: true,
			Compromised: Recall{Expected: 1, Found: 1, Missed: []string{}},
			Actions:     Recall{Expected: 3, Found: 3, Missed: []string{}},
			Tactics:     Recall{Expected: 2, Found: 2, Missed: []string{}},
			Harmful:     []Harm{},
			Usage:       socpilot.Usage{Calls: 2, PromptTokens: 1000, CompletionTokens: 200, CostUSD: 0.01},
		},
	}, {
		name: "acceptable verdict, wrong verb or entity is missed, forbidden and internal blocks are harmful",
		c:    spray,
		a: socpilot.Analysis{
			Triage:      socpilot.Triage{Verdict: socpilot.VerdictRemediate, Score: 62},
			Compromised: []socpilot.CompromisedEntity{{Entity: "alex.wilber@contoso.com"}},
			Checklist: []socpilot.ChecklistItem{
				item("Reset", socpilot.ActionResetCredentials, "adele.vance@contoso.com"), // not revoke
				item("Block", socpilot.ActionBlockIP, "185.220.101.52"),                   // another address
				item("Block egress", socpilot.ActionBlockIP, "198.51.100.23"),
				item("Block the file server", socpilot.ActionBlockIP, "10.1.2.3"),
				item("Block it again", socpilot.ActionBlockIP, "10.1.2.3"),
				item("Disable", socpilot.ActionDisableAccount, "svc-backup@contoso.com"),
				item("Isolate a private address", socpilot.ActionIsolateHost, "10.1.2.3"), // not a block: fine
			},
			Cached: true,
			Usage:  socpilot.Usage{Calls: 2, PromptTokens: 1000},
		},
		want: Result{Number: 101, File: "101.json", Title: "Password spray",
			Expected: socpilot.VerdictEscalate, Acceptable: []socpilot.Verdict{socpilot.VerdictRemediate},
			Got: socpilot.VerdictRemediate, Score: 62, Exact: false, WithinAcceptable: true,
			Compromised: Recall{Expected: 1, Missed: []string{"adele.vance@contoso.com"}},
			Actions: Recall{Expected: 3, Missed: []string{
				"revoke-sessions adele.vance@contoso.com", "block-ip 185.220.101.47", "isolate-host WS-FIN-023"}},
			Tactics: Recall{Expected: 2, Missed: []string{"TA0006", "TA0001"}},
			Harmful: []Harm{
				{Verb: socpilot.ActionBlockIP, Entity: "198.51.100.23", Step: "Block egress", Why: "forbidden by the labels: block-ip 198.51.100.23"},
				{Verb: socpilot.ActionBlockIP, Entity: "10.1.2.3", Step: "Block the file server", Why: "blocks an internal address"},
				{Verb: socpilot.ActionDisableAccount, Entity: "svc-backup@contoso.com", Step: "Disable", Why: "forbidden by the labels: disable-account svc-backup"},
			},
		},
	}, {
		name: "dismiss expected, nothing to recall: internal block still harmful",
		c:    Case{Number: 110, Expected: Expected{Verdict: socpilot.VerdictDismiss}, Details: socpilot.IncidentDetails{Incident: socpilot.Incident{Title: "Scanner"}}},
		a: socpilot.Analysis{
			Triage:    socpilot.Triage{Verdict: socpilot.VerdictEscalate, Score: 75},
			Checklist: []socpilot.ChecklistItem{item("Block the scanner", socpilot.ActionBlockIP, "fd00::10")},
		},
		want: Result{Number: 110, Title: "Scanner", Expected: socpilot.VerdictDismiss, Acceptable: []socpilot.Verdict{},
			Got: socpilot.VerdictEscalate, Score: 75,
			Compromised: Recall{Missed: []string{}}, Actions: Recall{Missed: []string{}}, Tactics: Recall{Missed: []string{}},
			Harmful: []Harm{{Verb: socpilot.ActionBlockIP, Entity: "fd00::10", Step: "Block the scanner", Why: "blocks an internal address"}},
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, Score(tc.c, tc.a)); diff != "" {
				t.Errorf("Score (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRunRecordsAFailedAnalysisAndGoesOn(t *testing.T) {
	cases := []Case{
		{Number: 1, Expected: Expected{Verdict: socpilot.VerdictDismiss}, Details: socpilot.IncidentDetails{Incident: socpilot.Incident{Number: 1}}},
		{Number: 2, Expected: Expected{Verdict: socpilot.VerdictEscalate, Acceptable: []socpilot.Verdict{socpilot.VerdictRemediate},
			Compromised: []string{"ws01"}, Actions: []ExpectedAction{{socpilot.ActionIsolateHost, "ws01"}}},
			Details: socpilot.IncidentDetails{Incident: socpilot.Incident{Number: 2}}},
		{Number: 3, Expected: Expected{Verdict: socpilot.VerdictEscalate, Actions: []ExpectedAction{{socpilot.ActionIsolateHost, "ws03"}, {socpilot.ActionBlockIP, "203.0.113.9"}}},
			Details: socpilot.IncidentDetails{Incident: socpilot.Incident{Number: 3}}},
	}
	analyze := func(_ context.Context, d socpilot.IncidentDetails) (socpilot.Analysis, error) {
		switch d.Incident.Number {
		case 1:
			return socpilot.Analysis{Triage: socpilot.Triage{Verdict: socpilot.VerdictDismiss}}, nil
		case 2:
			return socpilot.Analysis{}, errors.New("model timed out\nafter 60s")
		}
		return socpilot.Analysis{Triage: socpilot.Triage{Verdict: socpilot.VerdictRemediate},
			Checklist: []socpilot.ChecklistItem{item("Isolate", socpilot.ActionIsolateHost, "WS03")}}, nil
	}
	rep, err := Run(context.Background(), cases, analyze)
	if err != nil {
		t.Fatal(err)
	}
	if got := rep.Incidents[1].Error; got != "model timed out after 60s" {
		t.Errorf("incident 2 error = %q", got)
	}
	want := Totals{Incidents: 3, Errors: 1,
		Exact:            Rate{Count: 1, Of: 3, Percent: 33.33},
		WithinAcceptable: Rate{Count: 1, Of: 3, Percent: 33.33},
		Confusion:        Confusion{Verdicts: Verdicts, Counts: [3][3]int{{1, 0, 0}, {0, 0, 0}, {0, 1, 0}}},
		// Incident 1 expects none: not in the denominator. 2 failed: 0/1;
		// 3 found one of two: the mean of 0 and 0.5.
		Compromised: RecallTotal{Percent: 0, Incidents: 1, Found: 0, Expected: 1},
		Actions:     RecallTotal{Percent: 25, Incidents: 2, Found: 1, Expected: 3},
	}
	if diff := cmp.Diff(want, rep.Totals); diff != "" {
		t.Errorf("totals (-want +got):\n%s", diff)
	}
}

func TestRunStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	_, err := Run(ctx, []Case{{Number: 1}, {Number: 2}}, func(ctx context.Context, _ socpilot.IncidentDetails) (socpilot.Analysis, error) {
		calls++
		cancel()
		return socpilot.Analysis{}, ctx.Err()
	})
	if !errors.Is(err, context.Canceled) || calls != 1 {
		t.Errorf("Run after cancel: err %v after %d call(s), want context.Canceled after 1", err, calls)
	}
}

// TestActionsMatchAnyIdentifierOfTheEntity: a purge named by the message's
// network message id counts for a label that names its subject.
func TestActionsMatchAnyIdentifierOfTheEntity(t *testing.T) {
	c := Case{Number: 1, Expected: Expected{Verdict: socpilot.VerdictEscalate,
		Actions:   []ExpectedAction{{Verb: socpilot.ActionPurgeEmail, Entity: "Invoice overdue"}},
		Forbidden: []ExpectedAction{{Verb: socpilot.ActionBlockURL, Entity: "https://portal.example.com/a"}}},
		Details: socpilot.IncidentDetails{Entities: []socpilot.Entity{
			{Kind: socpilot.KindMailMessage, Properties: map[string]any{"networkMessageId": "nm-1", "subject": "Invoice overdue"}},
			{Kind: socpilot.KindURL, Properties: map[string]any{"url": "https://portal.example.com/a"}}}}}
	a := socpilot.Analysis{Triage: socpilot.Triage{Verdict: socpilot.VerdictEscalate}, Checklist: []socpilot.ChecklistItem{
		{Title: "Purge", Action: &socpilot.Action{Verb: socpilot.ActionPurgeEmail, Entity: "nm-1"}}}}
	if r := Score(c, a); r.Actions.Found != 1 {
		t.Errorf("purge by network message id not matched to the subject: %+v", r.Actions)
	}
}
