package automation

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/socpilot/socpilot"
)

func TestPolicySkip(t *testing.T) {
	inc := socpilot.Incident{Title: "TEST - simulated phishing", Severity: "Medium", Status: "New",
		AlertProductNames: []string{"Microsoft Defender for Office 365"}, Tactics: []string{"InitialAccess"}, Labels: []string{"vip"}}
	cases := []struct {
		name string
		p    Policy
		want string // substring of the reason; "" = enriched
	}{
		{"zero policy", Policy{}, ""},
		{"severity at minimum", Policy{MinSeverity: "medium"}, ""},
		{"severity below minimum", Policy{MinSeverity: "High"}, "below the policy's minimum High"},
		{"closed by default", Policy{}, ""},
		{"status not listed", Policy{Statuses: []string{"Active"}}, "status New is not one of Active"},
		{"product listed", Policy{Products: []string{"microsoft defender for office 365"}}, ""},
		{"product not listed", Policy{Products: []string{"Azure Sentinel"}}, "no alert product"},
		{"tactic not listed", Policy{Tactics: []string{"Exfiltration"}}, "no tactic"},
		{"label listed", Policy{Labels: []string{"VIP"}}, ""},
		{"label not listed", Policy{Labels: []string{"prod"}}, "no label"},
		{"title pattern", Policy{SkipTitles: []*regexp.Regexp{regexp.MustCompile(`(?i)^test\b`)}}, "skip pattern"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.p.Skip(inc)
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Fatalf("Skip = %q, want %q", got, tc.want)
			}
			if strings.Contains(got, "simulated") {
				t.Errorf("the reason quotes the incident's title: %q", got)
			}
		})
	}
	closed := inc
	closed.Status = "Closed"
	if (Policy{}).Skip(closed) == "" {
		t.Error("a closed incident is enriched by the default policy")
	}
	f := false
	if p := (Policy{Tasks: &f}); !p.WritesComment() || p.WritesTasks() {
		t.Error("Tasks=false must write the comment only")
	}
}

func TestBudgetWaitsForTheWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := &Budget{PerMinute: 10000}
		if d := b.Reserve(6000); d != 0 {
			t.Fatalf("first reservation waits %s", d)
		}
		if d := b.Reserve(6000); d != time.Minute {
			t.Fatalf("second reservation waits %s, want a minute (until the first leaves the window)", d)
		}
		start := time.Now()
		if err := b.Wait(context.Background(), 6000); err != nil {
			t.Fatal(err)
		}
		if waited := time.Since(start); waited != time.Minute {
			t.Fatalf("Wait returned after %s, want 1m", waited)
		}
		// Settling a reservation with what was used frees the rest.
		b.Settle(6000, 1000)
		if d := b.Reserve(8000); d != 0 {
			t.Fatalf("after settling 1000 of 6000, 8000 more waits %s", d)
		}
		// A request larger than the whole budget runs in an empty window
		// instead of waiting forever.
		time.Sleep(time.Minute)
		if d := b.Reserve(50000); d != 0 {
			t.Fatalf("an oversized request in an empty window waits %s", d)
		}
		if est := b.Estimate(); est != 1000 {
			t.Fatalf("estimate after one analysis of 1000 tokens = %d", est)
		}
	})
}
