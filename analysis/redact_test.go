package analysis_test

import (
	"context"
	"strings"
	"testing"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/emulator"
	"github.com/socpilot/socpilot/llm/llmtest"
	"github.com/socpilot/socpilot/redact"
)

// sensitive are the entity values pseudonymisation must keep from the model.
func sensitive(d socpilot.IncidentDetails) []string {
	var out []string
	for _, e := range d.Entities {
		switch e.Kind {
		case socpilot.KindAccount, socpilot.KindHost, socpilot.KindIP, socpilot.KindMailbox:
			out = append(out, e.Value())
		}
		for _, k := range []string{"accountName", "hostName", "address", "mailboxPrimaryAddress", "sender", "recipient", "upn"} {
			if v := e.Prop(k); len(v) >= 4 {
				out = append(out, v)
			}
		}
	}
	return out
}

// TestNoOriginalValueReachesTheModel runs the analyze and ask calls with
// pseudonymisation on, over demo incidents rich in accounts, hosts,
// addresses and mail, and searches every request body for the originals.
func TestNoOriginalValueReachesTheModel(t *testing.T) {
	ws := workspace(t, emulator.Demo())
	ctx := context.Background()
	for _, n := range []int{101, 102, 105, 111} {
		d := details(t, ws, n)
		// The model's query names an account and a table that does not
		// exist, so it goes back for repair: that request is checked too.
		r := goodReport()
		v := sensitive(d)[0]
		bad := query{Title: "Hunt", Purpose: "p", Query: "NoSuchTable | where Account == \"" + v + "\""}
		r.Queries = []query{bad}
		srv := llmtest.New(t).ReplyJSON(r).ReplyJSON(repairAnswer(repaired{"q1", goodQuery})).Reply("ok")
		an := analyzer(t, srv)
		an.Redact = redact.New([]byte("0123456789abcdef0123456789abcdef"))
		if _, err := an.Analyze(ctx, d, false); err != nil {
			t.Fatal(err)
		}
		sess, err := an.NewSession(ctx, nil, ws.Details, []int{n})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sess.Ask(ctx, "what did "+sensitive(d)[0]+" do?", nil); err != nil {
			t.Fatal(err)
		}
		for _, req := range srv.Requests() {
			body := strings.ToLower(string(req.RawBody))
			for _, v := range sensitive(d) {
				if strings.Contains(body, strings.ToLower(v)) {
					t.Errorf("incident %d: %q reached the model", n, v)
				}
			}
		}
	}
}

// TestQuotedAccountNameIsRedacted: an account name with a quote in it
// (attacker-chosen) is pseudonymised like any other, wherever the prompt
// quotes it.
func TestQuotedAccountNameIsRedacted(t *testing.T) {
	ws := workspace(t, emulator.Demo())
	ctx := context.Background()
	d := details(t, ws, 101)
	const name = `o"brien-adm`
	for i, e := range d.Entities {
		if e.Kind == socpilot.KindAccount && e.Prop("accountName") == "alex.wilber" {
			p := map[string]any{}
			for k, v := range e.Properties {
				p[k] = v
			}
			p["accountName"], p["friendlyName"], p["displayName"] = name, name, name
			delete(p, "upnSuffix")
			d.Entities[i].Properties = p
		}
	}
	d.Incident.Description += ` Also seen: ` + name + `.`
	srv := llmtest.New(t).ReplyJSON(goodReport())
	an := analyzer(t, srv)
	an.Redact = redact.New([]byte("0123456789abcdef0123456789abcdef"))
	if _, err := an.Analyze(ctx, d, false); err != nil {
		t.Fatal(err)
	}
	for _, req := range srv.Requests() {
		if text := req.Text(); strings.Contains(text, name) || strings.Contains(text, `o\"brien`) {
			t.Errorf("the quoted account name reached the model:\n%s", text)
		}
	}
}
