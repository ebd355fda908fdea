package socpilot

import "testing"

func TestMentions(t *testing.T) {
	for _, tt := range []struct {
		text, name string
		want       bool
	}{
		{"logon to FS-CORP-01 failed", "FS-CORP-01", true},
		{"seen on FS-CORP-01.", "FS-CORP-01", true},
		{"seen on FS-CORP-010", "FS-CORP-01", false},
		{"xFS-CORP-01 is another host", "FS-CORP-01", false},
		{"FS-CORP-01.contoso.local", "FS-CORP-01", false},
		{"mail to adele@contoso.com, then", "adele@contoso.com", true},
		{"admin@contoso.com", "min@contoso.com", false},
		{"FS-CORP-01 and FS-CORP-01", "FS-CORP-01", true},
		{"anything", "", false},
	} {
		if got := Mentions(tt.text, tt.name); got != tt.want {
			t.Errorf("Mentions(%q, %q) = %v, want %v", tt.text, tt.name, got, tt.want)
		}
	}
}
