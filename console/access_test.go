package console_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/socpilot/socpilot/console"
)

// A reader sees the analysis but no re-analyse or write-back button, and
// their posts are refused; a writer has both; the header names the user,
// escaped, with a sign-out button.
func TestAccessDecidesWhoMayWrite(t *testing.T) {
	for _, tc := range []struct {
		name   string
		access console.Access
		write  bool
	}{
		{"reader", console.Access{User: `Ada <img src=x onerror=alert(1)>`, SignOut: "/auth/signout"}, false},
		{"writer", console.Access{User: "Grace", CanWrite: true, SignOut: "/auth/signout"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, srv := demoOptions(t)
			o.LoopbackOnly = false
			o.Access = func(*http.Request) console.Access { return tc.access }
			hs := newServer(t, o)
			c := jarClient(t)
			resp, body := get(t, c, hs.URL+"/incidents/103")
			if resp.StatusCode != 200 || !strings.Contains(body, "ESCALATE") {
				t.Fatalf("incident page: status %d", resp.StatusCode)
			}
			for _, id := range []string{`id="reanalyze"`, `id="writeback"`} {
				if strings.Contains(body, id) != tc.write {
					t.Errorf("button %s shown: %v, want %v", id, !tc.write, tc.write)
				}
			}
			if strings.Contains(body, "<img src=x") || !strings.Contains(body, `id="user"`) || !strings.Contains(body, `action="/auth/signout"`) {
				t.Errorf("the header does not show the user escaped with a sign-out button")
			}
			tok := csrfOf(t, c, hs.URL)
			before := len(srv.Requests())
			for _, action := range []string{"analyze", "write"} {
				resp, body := postForm(t, c, hs.URL+"/incidents/103/"+action, tok, nil)
				if tc.write && resp.StatusCode != 200 || !tc.write && (resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "write role")) {
					t.Errorf("POST %s: status %d", action, resp.StatusCode)
				}
			}
			wrote := false
			for _, r := range srv.Requests()[before:] {
				wrote = wrote || r.Method == http.MethodPut
			}
			if wrote != tc.write {
				t.Errorf("wrote into the incident: %v, want %v", wrote, tc.write)
			}
		})
	}
}

func TestNoAccessFunctionMeansEveryoneMayWrite(t *testing.T) {
	o, _ := demoOptions(t)
	hs := newServer(t, o)
	_, body := get(t, jarClient(t), hs.URL+"/incidents/103")
	if !strings.Contains(body, `id="writeback"`) || !strings.Contains(body, `id="reanalyze"`) || strings.Contains(body, `id="signout"`) {
		t.Error("without Access the buttons must show and no user or sign-out")
	}
}
