package logstest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestSourceNames(t *testing.T) {
	tests := []struct {
		q    string
		want []string
	}{
		{"SigninLogs | where x == 1", []string{"SigninLogs"}},
		{"let t = 1d; let T = SecurityEvent | where EventID == 1; T | take 1", []string{"SecurityEvent", "T"}},
		{"A | join kind=leftouter (B | where y) on k | lookup C on k", []string{"A", "B", "C"}},
		{"union isfuzzy=true A, B, (C | take 1)", []string{"C", "A", "B"}},
		{"union withsource=T Sec*", nil},
		{"print x = tostring(Account)", nil},
		{"T | where Account == 'X | y' // Z | w", []string{"T"}},
		{"_Im_Dns(starttime=ago(1h)) | take 1", nil},
		{"let f = (T:(x:int)) { T | where x > 1 }; f(Tab)", []string{"T"}},
		{"range x from 1 to 3 step 1", nil},
		{"datatable(a:int)[1] | as D", nil},
		{"print n = toscalar(SecurityEvent | count)", []string{"SecurityEvent"}},
	}
	for _, tt := range tests {
		got, _ := sourceNames(tt.q)
		if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("sourceNames(%q) (-want +got):\n%s", tt.q, diff)
		}
	}
	if !letNames("let f = (T:(x:int)) { T }; f(1)")["T"] {
		t.Error("function parameter T is not a local name")
	}
}

func TestSyntaxCheck(t *testing.T) {
	tests := []struct {
		q         string
		ok        bool
		line, pos int
		wantToken string
	}{
		{"T | where a == 'b' | take 1", true, 0, 0, ""},
		{"T | where a == @'c:\\x' and b == \"\\\"\"", true, 0, 0, ""},
		{"T\n| where a == ```multi\nline```", true, 0, 0, ""},
		{"let x = 1;\nT | take x;", true, 0, 0, ""},
		{"| take 1", false, 1, 0, "|"},
		{"T | | take 1", false, 1, 4, "|"},
		{"T | where (a", false, 1, 12, "<EOF>"},
		{"T | where a)", false, 1, 11, ")"},
		{"T |", false, 1, 3, "<EOF>"},
		{"T | where a == 'x", false, 1, 15, "'"},
	}
	for _, tt := range tests {
		got := syntaxCheck(tt.q)
		if tt.ok {
			if got != nil {
				t.Errorf("syntaxCheck(%q) = %v, want ok", tt.q, got)
			}
			continue
		}
		if got == nil {
			t.Errorf("syntaxCheck(%q) = ok, want an error", tt.q)
			continue
		}
		inner := got["error"].(map[string]any)["innererror"].(map[string]any)["innererror"].(map[string]any)
		if inner["line"] != tt.line || inner["pos"] != tt.pos || inner["token"] != tt.wantToken {
			t.Errorf("syntaxCheck(%q) at %v:%v token %v; want %d:%d %q", tt.q, inner["line"], inner["pos"], inner["token"], tt.line, tt.pos, tt.wantToken)
		}
	}
}
