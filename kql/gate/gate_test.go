package gate

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCheck(t *testing.T) {
	g := New(nil)
	tests := []struct {
		name       string
		query      string
		wantTables []string
		wantProb   string // substring of the only problem; "" for none
	}{
		{"valid", "SigninLogs | where UserPrincipalName == 'a@b.c' | project TimeGenerated, IPAddress", []string{"SigninLogs"}, ""},
		{"misspelled column", "SigninLogs | where UserPrincipalNam == 'x'", []string{"SigninLogs"}, "1:20: "},
		{"unknown table", "NoSuchTable_XY | take 1", nil, "NoSuchTable_XY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tables, problems := g.Check(tt.query)
			if diff := cmp.Diff(tt.wantTables, tables); diff != "" {
				t.Errorf("tables (-want +got):\n%s", diff)
			}
			switch {
			case tt.wantProb == "" && len(problems) != 0:
				t.Errorf("problems %q, want none", problems)
			case tt.wantProb != "" && (len(problems) != 1 || !strings.Contains(problems[0], tt.wantProb)):
				t.Errorf("problems %q, want one containing %q", problems, tt.wantProb)
			}
		})
	}
}

func TestHasTableAndDescribe(t *testing.T) {
	g := New(nil)
	if !g.HasTable("SecurityEvent") || g.HasTable("NoSuchTable_XY") {
		t.Errorf("HasTable: SecurityEvent %v, NoSuchTable_XY %v", g.HasTable("SecurityEvent"), g.HasTable("NoSuchTable_XY"))
	}
	d := g.Describe([]string{"NoSuchTable_XY", "SigninLogs"})
	if strings.Contains(d, "NoSuchTable_XY") || !strings.HasPrefix(d, "SigninLogs: ") || !strings.Contains(d, "\nSecurityEvent: ") {
		t.Errorf("Describe lists the asked tables the workspace has, then the common ones:\n%s", d)
	}
}
