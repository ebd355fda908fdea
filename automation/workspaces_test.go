package automation_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/socpilot/socpilot/automation"
	"github.com/socpilot/socpilot/emulator"
	"github.com/socpilot/socpilot/sentinel"
	"github.com/socpilot/socpilot/sqlite"
	"github.com/socpilot/socpilot/writeback"
)

// One service, two workspaces in different subscriptions: the incident id
// in the webhook selects the workspace the report is written to, and the
// metrics carry the workspace.
func TestSeveralWorkspaces(t *testing.T) {
	ctx := context.Background()
	type ws struct {
		srv    *emulator.Server
		client *sentinel.Client
	}
	open := func(sub, rg, name string) ws {
		srv, err := emulator.New(emulator.Options{Subscription: sub, ResourceGroup: rg, Workspace: name,
			Now: func() time.Time { return emulator.DatasetAnchor }})
		if err != nil {
			t.Fatal(err)
		}
		c, err := sentinel.New(sentinel.Workspace{SubscriptionID: sub, ResourceGroup: rg, Name: name}, emulator.Credential{},
			sentinel.Options{Transport: srv.HTTPClient()})
		if err != nil {
			t.Fatal(err)
		}
		return ws{srv, c}
	}
	a := open("11111111-1111-1111-1111-111111111111", "soc-emea", "emea-sentinel")
	b := open("22222222-2222-2222-2222-222222222222", "soc-apac", "apac-sentinel")
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "socpilot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc, err := automation.New(ctx, automation.Options{
		Backend: automation.Backend{SQLite: st.DB()},
		Workspaces: []automation.Workspace{
			{Workspace: a.client.Workspace(), Client: a.client},
			{Workspace: b.client.Workspace(), Client: b.client, Policy: automation.Policy{MinSeverity: "High"}},
		},
		Analyzer: offlineAnalyzer(), Journal: st, Watermarks: st, WebhookToken: token, OwnsStore: true,
		Now: func() time.Time { return emulator.DatasetAnchor },
	})
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, client: a.client, store: st, svc: svc, http: svc.Handler(nil)}
	r.start()
	incA, err := a.client.IncidentByNumber(ctx, 103)
	if err != nil {
		t.Fatal(err)
	}
	incB, err := b.client.IncidentByNumber(ctx, 106) // Medium: below apac's policy
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{incA.ID, incB.ID} {
		if rec := r.post(triggerBody(id), nil); rec.Code != http.StatusAccepted {
			t.Fatalf("webhook for %s answered %d %s", id, rec.Code, rec.Body)
		}
	}
	r.wait(20 * time.Second)
	assertEnrichedOnce(t, a.client, 103)
	reports := func(c *sentinel.Client, n int) int {
		d, err := c.Details(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		k := 0
		for _, cm := range d.Comments {
			if strings.EqualFold(cm.Name, writeback.ReportID(d.Incident.ID)) {
				k++
			}
		}
		return k
	}
	if k := reports(b.client, 106); k != 0 {
		t.Errorf("apac incident 106 (Medium, policy High) got %d reports, want none", k)
	}
	// Nothing of emea's was written into apac, nor the other way round.
	if k := reports(b.client, 103); k != 0 {
		t.Errorf("apac's incident 103 got %d reports", k)
	}
	if k := reports(a.client, 106); k != 0 {
		t.Errorf("emea's incident 106 got %d reports", k)
	}
	rec := httptest.NewRecorder()
	r.http.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{`socpilot_jobs_total{outcome="written",workspace="emea-sentinel"} 1`, `socpilot_jobs_total{outcome="skipped",workspace="apac-sentinel"} 1`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// Status and owner are set only when the policy says so, only forward,
// and only after the report is written.
func TestPolicyTakesUpIncidents(t *testing.T) {
	owner := "soc-tier1@contoso.com"
	r := newRig(t, t.TempDir(), func(o *automation.Options) {
		o.Workspaces[0].Policy = automation.Policy{SetStatus: "Active", SetOwner: owner}
	})
	r.start()
	for _, n := range []int{102, 103} { // New and unassigned; Active and Marcus Lee's
		if rec := r.post(triggerBody(r.incident(n).ID), nil); rec.Code != http.StatusAccepted {
			t.Fatalf("webhook answered %d", rec.Code)
		}
	}
	r.wait(20 * time.Second)
	if inc := r.incident(102); inc.Status != "Active" || inc.Owner.UserPrincipalName != owner {
		t.Errorf("incident 102: status %s, owner %+v; want Active and %s", inc.Status, inc.Owner, owner)
	}
	if inc := r.incident(103); inc.Status != "Active" || inc.Owner.UserPrincipalName == owner {
		t.Errorf("incident 103 was reassigned: owner %+v", inc.Owner)
	}
	// The default policy touches neither.
	r2 := newRig(t, t.TempDir(), nil)
	r2.start()
	r2.post(triggerBody(r2.incident(105).ID), nil)
	r2.wait(20 * time.Second)
	if inc := r2.incident(105); inc.Status != "New" || inc.Owner.UserPrincipalName != "" {
		t.Errorf("default policy changed incident 105: %s %+v", inc.Status, inc.Owner)
	}
}
