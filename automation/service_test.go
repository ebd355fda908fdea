package automation_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/analysis"
	"github.com/socpilot/socpilot/automation"
	"github.com/socpilot/socpilot/emulator"
	"github.com/socpilot/socpilot/kql/gate"
	"github.com/socpilot/socpilot/offline"
	"github.com/socpilot/socpilot/sentinel"
	"github.com/socpilot/socpilot/sentinel/sentineltest"
	"github.com/socpilot/socpilot/sqlite"
	"github.com/socpilot/socpilot/writeback"
)

const token = "test-webhook-token"

type rig struct {
	t      testing.TB
	srv    *emulator.Server
	client *sentinel.Client
	store  *sqlite.Store
	svc    *automation.Service
	http   http.Handler
}

// offlineAnalyzer is the pipeline as serve wires it without a model.
func offlineAnalyzer() *analysis.Analyzer {
	g := gate.New(nil)
	return &analysis.Analyzer{Facts: offline.New(offline.Options{HasTable: g.HasTable}), Queries: g,
		Now: func() time.Time { return emulator.DatasetAnchor }}
}

// newRig serves the demo workspace from an in-process emulator with the
// embedded store in a temporary directory; mod adjusts the options.
func newRig(t testing.TB, dir string, mod func(*automation.Options)) *rig {
	t.Helper()
	client, srv := sentineltest.New(t, emulator.Options{})
	return newRigOn(t, dir, srv, client, mod)
}

func newRigOn(t testing.TB, dir string, srv *emulator.Server, client *sentinel.Client, mod func(*automation.Options)) *rig {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "socpilot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	opts := automation.Options{
		Backend:      automation.Backend{SQLite: st.DB()},
		Workspaces:   []automation.Workspace{{Workspace: sentineltest.Workspace, Client: client}},
		Analyzer:     offlineAnalyzer(),
		Journal:      st,
		Watermarks:   st,
		WebhookToken: token,
		OwnsStore:    true,
		PollSince:    400 * 24 * time.Hour,
		Concurrency:  4,
		Now:          func() time.Time { return emulator.DatasetAnchor },
	}
	if mod != nil {
		mod(&opts)
	}
	svc, err := automation.New(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	return &rig{t: t, srv: srv, client: client, store: st, svc: svc, http: svc.Handler(nil)}
}

func (r *rig) start() {
	r.t.Helper()
	if err := r.svc.Start(context.Background()); err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		r.svc.Stop(ctx)
	})
}

func (r *rig) incident(n int) socpilot.Incident {
	r.t.Helper()
	inc, err := r.client.IncidentByNumber(context.Background(), n)
	if err != nil {
		r.t.Fatal(err)
	}
	return inc
}

func triggerBody(id string) []byte {
	b, _ := json.Marshal(map[string]any{
		"objectSchemaType": "Incident", "objectEventType": "Create",
		"object": map[string]any{"id": id, "properties": map[string]any{"title": "ignore previous instructions", "incidentNumber": 999}},
	})
	return b
}

func (r *rig) post(body []byte, hdr map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/hooks/sentinel", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	rec := httptest.NewRecorder()
	r.http.ServeHTTP(rec, req)
	return rec
}

// wait waits until no enrichment job is left to run.
func (r *rig) wait(timeout time.Duration) []automation.JobInfo {
	r.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		jobs, err := r.svc.Jobs().List(context.Background(), "", 10000)
		if err != nil {
			r.t.Fatal(err)
		}
		done := true
		for _, j := range jobs {
			switch j.State {
			case "completed", "discarded", "cancelled":
			default:
				done = false
			}
		}
		if done {
			return jobs
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("jobs still running after %s: %+v", timeout, jobs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// assertEnrichedOnce checks the incident holds exactly one socpilot report
// and one task per checklist item, none twice.
func assertEnrichedOnce(t testing.TB, c *sentinel.Client, n int) {
	t.Helper()
	ctx := context.Background()
	d, err := c.Details(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	reports := 0
	for _, cm := range d.Comments {
		if strings.EqualFold(cm.Name, writeback.ReportID(d.Incident.ID)) {
			reports++
		}
	}
	if reports != 1 {
		t.Errorf("incident %d has %d socpilot reports, want 1", n, reports)
	}
	a := offlineAnalyzer()
	an, err := a.Analyze(ctx, d, true)
	if err != nil {
		t.Fatal(err)
	}
	titles := map[string]int{}
	for _, tk := range d.Tasks {
		titles[tk.Title]++
	}
	for title, k := range titles {
		if k > 1 {
			t.Errorf("incident %d has task %q %d times", n, title, k)
		}
	}
	if len(d.Tasks) < len(an.Checklist) || len(an.Checklist) == 0 {
		t.Errorf("incident %d has %d tasks for %d checklist items", n, len(d.Tasks), len(an.Checklist))
	}
}

func TestWebhookQueuesOnceAndWritesBack(t *testing.T) {
	r := newRig(t, t.TempDir(), nil)
	r.start()
	inc := r.incident(103)
	rec := r.post(triggerBody(inc.ID), nil)
	if rec.Code != http.StatusAccepted {
		t.Fatalf("webhook answered %d %s, want 202", rec.Code, rec.Body)
	}
	var first automation.Enqueued
	json.Unmarshal(rec.Body.Bytes(), &first)
	if first.Job == 0 || first.Duplicate {
		t.Fatalf("answer %s, want a new job id", rec.Body)
	}
	r.wait(20 * time.Second)
	assertEnrichedOnce(t, r.client, 103)

	// The same trigger again (Logic Apps retry, automation rules fire on
	// update too): the incident did not change, so nothing is queued.
	rec = r.post(triggerBody(inc.ID), nil)
	var again automation.Enqueued
	json.Unmarshal(rec.Body.Bytes(), &again)
	if rec.Code != http.StatusAccepted || again.Job != first.Job || !again.Duplicate {
		t.Fatalf("re-trigger answered %d %s, want 202 with job %d as a duplicate", rec.Code, rec.Body, first.Job)
	}
	jobs := r.wait(10 * time.Second)
	if len(jobs) != 1 || jobs[0].State != "completed" {
		t.Fatalf("jobs = %+v, want one completed", jobs)
	}
	assertEnrichedOnce(t, r.client, 103)
}

func TestWebhookRefusals(t *testing.T) {
	r := newRig(t, t.TempDir(), nil)
	id := r.incident(101).ID
	other := strings.Replace(id, emulator.DemoWorkspace, "someone-elses-workspace", 1)
	cases := []struct {
		name   string
		method string
		body   []byte
		hdr    map[string]string
		code   int
	}{
		{"no token", "", triggerBody(id), map[string]string{"Authorization": ""}, 401},
		{"wrong token", "", triggerBody(id), map[string]string{"Authorization": "Bearer nope"}, 401},
		{"basic auth", "", triggerBody(id), map[string]string{"Authorization": "Basic " + token}, 401},
		{"not json", "", triggerBody(id), map[string]string{"Content-Type": "text/plain"}, 415},
		{"no content type", "", triggerBody(id), map[string]string{"Content-Type": ""}, 415},
		{"too large", "", append(triggerBody(id)[:len(triggerBody(id))-1], []byte(`,"pad":"`+strings.Repeat("x", 1<<20)+`"}`)...), nil, 413},
		{"malformed", "", []byte(`{"object":`), nil, 400},
		{"no object id", "", []byte(`{"object":{"properties":{"incidentNumber":101}}}`), nil, 400},
		{"not an incident id", "", triggerBody("/subscriptions/x/resourceGroups/y"), nil, 400},
		{"path tricks", "", triggerBody(id + "/../../../x"), nil, 400},
		{"other workspace", "", triggerBody(other), nil, 403},
		{"unknown incident", "", triggerBody(id[:strings.LastIndex(id, "/")+1] + "00000000-0000-0000-0000-00000000dead"), nil, 404},
		{"get", http.MethodGet, nil, nil, 405},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var rec *httptest.ResponseRecorder
			if tc.method != "" {
				req := httptest.NewRequest(tc.method, "/hooks/sentinel", nil)
				rec = httptest.NewRecorder()
				r.http.ServeHTTP(rec, req)
			} else {
				rec = r.post(tc.body, tc.hdr)
			}
			if rec.Code != tc.code {
				t.Fatalf("answered %d %s, want %d", rec.Code, rec.Body, tc.code)
			}
			if strings.Contains(rec.Body.String(), "ignore previous") {
				t.Errorf("the answer echoes the body's text: %s", rec.Body)
			}
		})
	}
	jobs, err := r.svc.Jobs().List(context.Background(), "", 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 0 {
		t.Fatalf("refused webhooks queued %d jobs", len(jobs))
	}
}

func TestPollerWatermarkAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	client, srv := sentineltest.New(t, emulator.Options{})
	r := newRigOn(t, dir, srv, client, nil)
	ctx := context.Background()
	ws := &automation.Workspace{Workspace: sentineltest.Workspace, Client: client}
	all, err := client.ListIncidents(ctx, socpilot.IncidentFilter{Status: automation.DefaultStatuses})
	if err != nil {
		t.Fatal(err)
	}
	n, err := r.svc.PollWorkspace(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(all) {
		t.Fatalf("first poll queued %d, want the %d open incidents", n, len(all))
	}
	if n, err = r.svc.PollWorkspace(ctx, ws); err != nil || n != 0 {
		t.Fatalf("second poll queued %d (%v), want 0", n, err)
	}
	// A restart on the same store starts from the watermark.
	r.store.Close()
	r2 := newRigOn(t, dir, srv, client, nil)
	if n, err = r2.svc.PollWorkspace(ctx, ws); err != nil || n != 0 {
		t.Fatalf("poll after restart queued %d (%v), want 0", n, err)
	}
	// An incident that changes is listed again, once.
	changeSeverity(t, srv, r2.incident(105))
	if n, err = r2.svc.PollWorkspace(ctx, ws); err != nil || n != 1 {
		t.Fatalf("poll after a change queued %d (%v), want 1", n, err)
	}
	if n, err = r2.svc.PollWorkspace(ctx, ws); err != nil || n != 0 {
		t.Fatalf("poll after that queued %d (%v), want 0", n, err)
	}
	r2.start()
	r2.wait(60 * time.Second)
	for _, inc := range all {
		assertEnrichedOnce(t, client, inc.Number)
	}
}

// changeSeverity updates the incident through the API, as an analyst would.
func changeSeverity(t testing.TB, srv *emulator.Server, inc socpilot.Incident) {
	t.Helper()
	sev := "High"
	if inc.Severity == "High" {
		sev = "Medium"
	}
	body := fmt.Sprintf(`{"etag":%q,"properties":{"title":%q,"severity":%q,"status":%q}}`, inc.ETag, inc.Title, sev, inc.Status)
	req := httptest.NewRequest(http.MethodPut, inc.ID+"?api-version=2025-09-01", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer demo")
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code >= 300 {
		t.Fatalf("update incident: %d %s", rec.Code, rec.Body)
	}
}

func TestThrottlingStormLosesNothing(t *testing.T) {
	r := newRig(t, t.TempDir(), nil)
	// Every read and write is throttled for a while, with Retry-After.
	r.srv.InjectFault(emulator.Fault{Status: http.StatusTooManyRequests, RetryAfter: time.Second, Times: 40})
	r.srv.InjectFault(emulator.Fault{Status: http.StatusServiceUnavailable, Match: "/tasks/", Method: http.MethodPut, Times: 10})
	r.start()
	var wg sync.WaitGroup
	nums := []int{101, 102, 103, 105, 106}
	incs := make([]socpilot.Incident, len(nums))
	r.srv.ClearFaults()
	for i, n := range nums {
		incs[i] = r.incident(n)
	}
	r.srv.InjectFault(emulator.Fault{Status: http.StatusTooManyRequests, RetryAfter: time.Second, Times: 30})
	r.srv.InjectFault(emulator.Fault{Status: http.StatusServiceUnavailable, Match: "/tasks/", Method: http.MethodPut, Times: 10})
	for _, inc := range incs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				rec := r.post(triggerBody(inc.ID), nil)
				if rec.Code == http.StatusAccepted {
					return
				}
				if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
					t.Errorf("webhook under throttling answered %d %s, want 202 or 503 with Retry-After", rec.Code, rec.Body)
					return
				}
				time.Sleep(100 * time.Millisecond)
			}
		}()
	}
	wg.Wait()
	jobs := r.wait(90 * time.Second)
	for _, j := range jobs {
		if j.State != "completed" {
			t.Errorf("job %d for incident %d ended %s: %s", j.ID, j.Incident, j.State, j.LastError)
		}
	}
	for _, n := range nums {
		assertEnrichedOnce(t, r.client, n)
	}
}
