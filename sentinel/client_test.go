package sentinel_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/emulator"
	"github.com/socpilot/socpilot/sentinel"
)

var demoWS = sentinel.Workspace{SubscriptionID: emulator.DemoSubscription, ResourceGroup: emulator.DemoResourceGroup, Name: emulator.DemoWorkspace}

func fixture(t testing.TB) *emulator.Dataset {
	t.Helper()
	ds, err := emulator.LoadDataset(os.DirFS("../emulator/testdata/fixture"))
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// newClient returns a client talking in process to a fresh emulator.
func newClient(t testing.TB, opts emulator.Options, token string) (*sentinel.Client, *emulator.Server) {
	t.Helper()
	if opts.Dataset == nil {
		opts.Dataset = fixture(t)
	}
	if opts.Now == nil {
		opts.Now = func() time.Time { return emulator.DatasetAnchor }
	}
	srv, err := emulator.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	c, err := sentinel.New(demoWS, emulator.Credential{Token: token}, sentinel.Options{Transport: srv.HTTPClient(),
		Retry: policy.RetryOptions{MaxRetries: 3, RetryDelay: time.Millisecond, MaxRetryDelay: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	return c, srv
}

func TestIncidentByNumber(t *testing.T) {
	c, srv := newClient(t, emulator.Options{}, "")
	ctx := context.Background()
	inc, err := c.IncidentByNumber(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if inc.Number != 2 || inc.Title == "" || inc.ID == "" || !strings.HasPrefix(inc.ETag, `"`) {
		t.Errorf("incident 2 = %+v", inc)
	}
	// Found by $filter, never by listing everything.
	reqs := srv.Requests()
	if len(reqs) != 1 || !strings.Contains(reqs[0].Query, "incidentNumber") {
		t.Errorf("requests = %+v, want one filtered list", reqs)
	}

	_, err = c.IncidentByNumber(ctx, 4711)
	if got, want := errMsg(err), "incident 4711 not found in workspace demo-workspace (neither as its number nor as a Defender incident id)"; got != want {
		t.Errorf("unknown number: error %q, want %q", got, want)
	}
	if !errors.Is(err, socpilot.ErrNotFound) {
		t.Errorf("unknown number: error %v is not ErrNotFound", err)
	}
	// A Defender (unified portal) id finds the incident it was given to.
	srv2, err := emulator.New(emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c2, err := sentinel.New(demoWS, emulator.Credential{}, sentinel.Options{Transport: srv2.HTTPClient()})
	if err != nil {
		t.Fatal(err)
	}
	if inc, err := c2.IncidentByNumber(ctx, 48377); err != nil || inc.Number != 105 || inc.ProviderIncidentID != "48377" {
		t.Errorf("Defender id 48377: %+v, %v; want demo incident 105", inc.Number, err)
	}
}

func errMsg(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func TestListIncidentsPagingAndFilters(t *testing.T) {
	ds := emulator.Synthetic(120, 1)
	c, srv := newClient(t, emulator.Options{Dataset: ds, PageSize: 7}, "")
	ctx := context.Background()
	all, err := c.ListIncidents(ctx, socpilot.IncidentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 120 {
		t.Fatalf("listed %d incidents, want 120", len(all))
	}
	if pages := len(srv.Requests()); pages != (120+6)/7 {
		t.Errorf("%d requests for 120 incidents in pages of 7, want %d", pages, (120+6)/7)
	}
	for i := 1; i < len(all); i++ {
		if all[i].CreatedTime.After(all[i-1].CreatedTime) {
			t.Fatalf("not newest first at %d", i)
		}
	}
	top, err := c.ListIncidents(ctx, socpilot.IncidentFilter{Top: 10})
	if err != nil || len(top) != 10 {
		t.Fatalf("top 10: %d incidents, err %v", len(top), err)
	}
	high, err := c.ListIncidents(ctx, socpilot.IncidentFilter{Severity: []string{"High"}, Status: []string{"New", "Active"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range high {
		if i.Severity != "High" || i.Status == "Closed" {
			t.Errorf("filter let through %d %s %s", i.Number, i.Severity, i.Status)
		}
	}
	since := all[len(all)/2].CreatedTime
	recent, err := c.ListIncidents(ctx, socpilot.IncidentFilter{Since: since})
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range recent {
		if i.CreatedTime.Before(since) {
			t.Errorf("since filter let through %d created %s", i.Number, i.CreatedTime)
		}
	}
	if len(recent) == 0 || len(recent) >= len(all) {
		t.Errorf("since filter kept %d of %d", len(recent), len(all))
	}
}

func TestDetailsConcurrentReads(t *testing.T) {
	c, srv := newClient(t, emulator.Options{}, "")
	d, err := c.Details(context.Background(), 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Alerts) == 0 || len(d.Entities) == 0 {
		t.Fatalf("details lost alerts or entities: %d alerts, %d entities", len(d.Alerts), len(d.Entities))
	}
	if d.Incident.AlertsCount != len(d.Alerts) {
		t.Errorf("alertsCount %d, %d alerts", d.Incident.AlertsCount, len(d.Alerts))
	}
	want := 4 // lookup, alerts, entities, tasks; comments and bookmarks only when counted
	if d.Incident.CommentsCount > 0 {
		want++
	}
	if d.Incident.BookmarksCount > 0 {
		want += 2
	}
	if got := len(srv.Requests()); got != want {
		t.Errorf("%d requests to load incident 2, want %d: %+v", got, want, srv.Requests())
	}
	for _, r := range srv.Requests() {
		if r.Unimplemented {
			t.Errorf("client used a route the emulator does not implement: %s %s", r.Method, r.Path)
		}
	}
}

func TestPutCommentAndTaskIdempotent(t *testing.T) {
	c, _ := newClient(t, emulator.Options{}, "")
	ctx := context.Background()
	inc, err := c.IncidentByNumber(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	const cid = "3f1c2a4e-0000-5000-8000-000000000001"
	for i := 0; i < 3; i++ {
		if _, err := c.PutComment(ctx, inc, socpilot.Comment{Name: cid, Message: "report v" + string(rune('1'+i))}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.PutTask(ctx, inc, socpilot.Task{Name: cid, Title: "Reset password", Description: "d"}); err != nil {
			t.Fatal(err)
		}
	}
	cs, err := c.Comments(ctx, inc)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, cm := range cs {
		if cm.Name == cid {
			n++
			if cm.Message != "report v3" {
				t.Errorf("comment not updated in place: %q", cm.Message)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d comments with id %s after 3 writes, want 1", n, cid)
	}
	ts, err := c.Tasks(ctx, inc)
	if err != nil {
		t.Fatal(err)
	}
	n = 0
	for _, tk := range ts {
		if tk.Name == cid {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d tasks with id %s after 3 writes, want 1", n, cid)
	}
	if _, err := c.PutComment(ctx, inc, socpilot.Comment{Name: "x", Message: strings.Repeat("a", socpilot.MaxCommentChars+1)}); socpilot.ErrorCode(err) != socpilot.EInvalid {
		t.Errorf("oversized comment: %v, want EInvalid", err)
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		token    string
		fault    *emulator.Fault
		write    bool
		code     string
		contains string
	}{
		{"expired token", emulator.TokenExpired, nil, false, socpilot.EUnauthorized, "credential was rejected"},
		{"reader writes", emulator.TokenReader, nil, true, socpilot.EForbidden, `"Microsoft Sentinel Responder"`},
		{"500 storm", "", &emulator.Fault{Status: 500}, false, socpilot.EUnavailable, "answered 500"},
		{"429 storm", "", &emulator.Fault{Status: 429}, false, socpilot.EThrottled, "throttling"},
		{"403 read", "", &emulator.Fault{Status: 403, Code: "AuthorizationFailed"}, false, socpilot.EForbidden, `"Microsoft Sentinel Reader"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, srv := newClient(t, emulator.Options{}, tt.token)
			inc := socpilot.Incident{Number: 2}
			if tt.write {
				var err error
				if inc, err = c.IncidentByNumber(ctx, 2); err != nil {
					t.Fatal(err)
				}
			}
			if tt.fault != nil {
				srv.InjectFault(*tt.fault)
			}
			var err error
			if tt.write {
				_, err = c.PutComment(ctx, inc, socpilot.Comment{Name: "c1", Message: "m"})
			} else {
				_, err = c.IncidentByNumber(ctx, 2)
			}
			if socpilot.ErrorCode(err) != tt.code || !strings.Contains(errMsg(err), tt.contains) {
				t.Errorf("error = %v (code %s), want code %s containing %q", err, socpilot.ErrorCode(err), tt.code, tt.contains)
			}
		})
	}
}

// TestRetryAfterHonoured runs in a synctest bubble: the emulator asks for a
// 2s wait twice, and the client waits exactly that long in fake time.
func TestRetryAfterHonoured(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, err := emulator.New(emulator.Options{Dataset: fixture(t), Now: func() time.Time { return emulator.DatasetAnchor }})
		if err != nil {
			t.Fatal(err)
		}
		c, err := sentinel.New(demoWS, emulator.Credential{}, sentinel.Options{Transport: srv.HTTPClient()})
		if err != nil {
			t.Fatal(err)
		}
		srv.InjectFault(emulator.Fault{Status: http.StatusTooManyRequests, RetryAfter: 2 * time.Second, Times: 2})
		start := time.Now()
		if _, err := c.IncidentByNumber(context.Background(), 2); err != nil {
			t.Fatalf("after two 429s: %v", err)
		}
		if waited := time.Since(start); waited < 4*time.Second || waited > 5*time.Second {
			t.Errorf("waited %v, want the 2×2s the service asked for", waited)
		}
		if n := len(srv.Requests()); n != 3 {
			t.Errorf("%d requests, want 3 (two throttled, one answered)", n)
		}
	})
}

// BenchmarkLoadIncident measures loading one demo incident with its
// details in process, and reports the requests it takes: the lookup by
// number, then alerts, entities and tasks concurrently (plus comments and
// bookmarks only when the incident counts any).
func BenchmarkLoadIncident(b *testing.B) {
	for _, n := range []int{102, 101} {
		b.Run(fmt.Sprintf("incident=%d", n), func(b *testing.B) {
			c, srv := newClient(b, emulator.Options{Dataset: emulator.Demo()}, "")
			ctx := context.Background()
			srv.ResetRequests()
			for b.Loop() {
				if _, err := c.Details(ctx, n); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(srv.Requests()))/float64(b.N), "requests/op")
		})
	}
}

func TestMissingWritePermissions(t *testing.T) {
	for _, tt := range []struct {
		token string
		want  int
	}{{"", 0}, {emulator.TokenReader, 2}} {
		c, srv := newClient(t, emulator.Options{}, tt.token)
		missing, err := c.MissingWritePermissions(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(missing) != tt.want {
			t.Errorf("token %q: missing %v, want %d actions", tt.token, missing, tt.want)
		}
		for _, r := range srv.Requests() {
			if r.Method != http.MethodGet {
				t.Errorf("the permission check wrote something: %s %s", r.Method, r.Path)
			}
		}
	}
}

// Plain HTTP carries the bearer token in clear: only a loopback address may
// have it, and a name that merely starts with "127." is not one.
func TestPlainHTTPOnlyToLoopback(t *testing.T) {
	for endpoint, ok := range map[string]bool{"http://127.0.0.1:8080": true, "http://localhost:8080": true, "http://127.example.com": false, "http://10.0.0.5": false} {
		_, err := sentinel.New(demoWS, emulator.Credential{}, sentinel.Options{Endpoint: endpoint})
		if (err == nil) != ok {
			t.Errorf("endpoint %s: err %v, want allowed=%v", endpoint, err, ok)
		}
		if err != nil && socpilot.ErrorCode(err) != socpilot.EConfig {
			t.Errorf("endpoint %s: code %s, want config", endpoint, socpilot.ErrorCode(err))
		}
	}
}

// TestThrottledForAnHourSaysSo: when ARM keeps answering 429 with a long
// Retry-After, the error says how long to wait instead of "a minute".
func TestThrottledForAnHourSaysSo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, err := emulator.New(emulator.Options{Dataset: fixture(t), Now: func() time.Time { return emulator.DatasetAnchor }})
		if err != nil {
			t.Fatal(err)
		}
		c, err := sentinel.New(demoWS, emulator.Credential{}, sentinel.Options{Transport: srv.HTTPClient()})
		if err != nil {
			t.Fatal(err)
		}
		srv.InjectFault(emulator.Fault{Status: http.StatusTooManyRequests, RetryAfter: time.Hour, Times: 100})
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		_, err = c.IncidentByNumber(ctx, 2)
		if err == nil || strings.Contains(err.Error(), "wait a minute") || !strings.Contains(err.Error(), "about 1 hour") {
			t.Fatalf("err = %v, want one that does not say to wait a minute", err)
		}
		// A job retried later waits what the service asked for.
		if d := socpilot.RetryAfterOf(err); d != time.Hour {
			t.Errorf("RetryAfterOf = %s, want the hour the service asked for", d)
		}
	})
}
