package offline

import (
	"strings"
	"testing"

	"github.com/socpilot/socpilot"
)

// A person is often both an Account and a Mailbox entity: the list of
// accounts names them once.
func TestKindAnswerListsEachIdentityOnce(t *testing.T) {
	in := incident{
		title: "Phishing link clicked by adele.vance", severity: "Medium",
		alerts: []socpilot.Alert{{DisplayName: "User clicked a malicious link"}},
		entities: []socpilot.Entity{
			{ID: "a1", Kind: socpilot.KindAccount, Properties: map[string]any{"accountName": "adele.vance", "upnSuffix": "contoso.com"}},
			{ID: "m1", Kind: socpilot.KindMailbox, Properties: map[string]any{"mailboxPrimaryAddress": "Adele.Vance@contoso.com"}},
			{ID: "a2", Kind: socpilot.KindAccount, Properties: map[string]any{"accountName": "svc-mail", "upnSuffix": "contoso.com"}},
		},
	}
	d := in.details()
	an := New(Options{})
	text, ok := an.Answer("which accounts are involved?", d, an.Analyze(d))
	if !ok {
		t.Fatal("no answer")
	}
	if n := strings.Count(strings.ToLower(text), "adele.vance@contoso.com"); n != 1 {
		t.Errorf("adele.vance@contoso.com listed %d times:\n%s", n, text)
	}
	if !strings.Contains(text, "svc-mail@contoso.com") {
		t.Errorf("the other account is missing:\n%s", text)
	}
}
