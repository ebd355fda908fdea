package graph

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/google/go-cmp/cmp"

	"github.com/socpilot/socpilot"
)

// ListIncidents sends the OData options the filter asks for and follows
// @odata.nextLink until Top incidents are read.
func TestListIncidentsQueryAndPaging(t *testing.T) {
	var queries []string
	var base string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1.0/security/incidents" || r.Header.Get("Authorization") != "Bearer token" {
			t.Errorf("request %s %s auth %q", r.Method, r.URL, r.Header.Get("Authorization"))
		}
		queries = append(queries, r.URL.RawQuery)
		switch r.URL.Query().Get("$skiptoken") {
		case "":
			io.WriteString(w, `{"value":[{"id":"1","status":"active","severity":"high"},{"id":"2","status":"resolved","severity":"low"}],
				"@odata.nextLink":"`+base+`/v1.0/security/incidents?$skiptoken=p2"}`)
		case "p2":
			io.WriteString(w, `{"value":[{"id":"3","status":"inProgress"},{"id":"4"}],"@odata.nextLink":"`+base+`/v1.0/security/incidents?$skiptoken=p3"}`)
		default:
			t.Errorf("read past Top: %s", r.URL)
		}
	})
	c := newTestClient(t, h, policy.RetryOptions{})
	base = c.Endpoint()
	since := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	got, err := c.ListIncidents(t.Context(), socpilot.IncidentFilter{Status: []string{"New", "Active"}, Severity: []string{"High"},
		Since: since, ModifiedSince: since.Add(time.Hour), Top: 3, OrderBy: "properties/lastModifiedTimeUtc asc"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int
	for _, inc := range got {
		ids = append(ids, inc.Number)
	}
	if diff := cmp.Diff([]int{1, 2, 3}, ids); diff != "" {
		t.Errorf("incidents (-want +got):\n%s", diff)
	}
	q := parseQuery(t, queries[0])
	want := map[string]string{
		"$filter":  "(status eq 'active' or status eq 'inProgress' or status eq 'awaitingAction') and severity eq 'high' and createdDateTime ge 2026-01-02T03:04:05Z and lastUpdateDateTime ge 2026-01-02T04:04:05Z",
		"$orderby": "lastUpdateDateTime asc",
		"$top":     "3",
	}
	if diff := cmp.Diff(want, q); diff != "" {
		t.Errorf("query (-want +got):\n%s", diff)
	}
	if !strings.Contains(queries[0], "$filter=") {
		t.Errorf("OData options keep a literal $: %s", queries[0])
	}
}

func parseQuery(t *testing.T, raw string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, kv := range strings.Split(raw, "&") {
		k, v, _ := strings.Cut(kv, "=")
		v = strings.ReplaceAll(v, "+", " ")
		uv, err := urlUnescape(v)
		if err != nil {
			t.Fatal(err)
		}
		out[k] = uv
	}
	return out
}

func TestOrderBy(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "createdDateTime desc"},
		{"properties/createdTimeUtc desc", "createdDateTime desc"},
		{"properties/lastModifiedTimeUtc asc", "lastUpdateDateTime asc"},
		{"lastUpdateDateTime desc", "lastUpdateDateTime desc"},
		{"properties/title asc", ""},
		{"properties/createdTimeUtc sideways", ""},
	} {
		got, err := OrderBy(tc.in)
		if tc.want == "" {
			if socpilot.ErrorCode(err) != socpilot.EInvalid {
				t.Errorf("OrderBy(%q) = %q, %v; want an invalid error", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("OrderBy(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

// A nextLink to another host would receive the bearer token: refused.
func TestNextLinkElsewhereIsNotFollowed(t *testing.T) {
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"value":[{"id":"1"}],"@odata.nextLink":"https://evil.example/v1.0/security/incidents?$skiptoken=x"}`)
	}), policy.RetryOptions{})
	if _, err := c.ListIncidents(t.Context(), socpilot.IncidentFilter{}); err == nil || !strings.Contains(err.Error(), "evil.example") {
		t.Errorf("error %v, want a refusal naming the host", err)
	}
}

// Details reads the incident once with $expand=alerts.
func TestDetails(t *testing.T) {
	var p page[json.RawMessage]
	if err := json.Unmarshal(fixture(t, "incidents-list-expand-alerts.json"), &p); err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.URL.Path != "/v1.0/security/incidents/2972395" || r.URL.Query().Get("$expand") != "alerts" {
			t.Errorf("request %s", r.URL)
		}
		if r.Header.Get("Prefer") != "include-unknown-enum-members" {
			t.Errorf("Prefer %q: without it Graph hides awaitingAction", r.Header.Get("Prefer"))
		}
		w.Write(p.Value[0])
	}), policy.RetryOptions{})
	d, err := c.Details(t.Context(), 2972395)
	if err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 1 || d.Incident.Number != 2972395 || len(d.Alerts) != 1 || len(d.Entities) != 9 || len(d.Comments) != 1 {
		t.Errorf("%d calls; incident %d with %d alerts, %d entities, %d comments", calls.Load(), d.Incident.Number, len(d.Alerts), len(d.Entities), len(d.Comments))
	}
	// A Sentinel incident of an onboarded workspace resolves by providerIncidentId.
	if _, err := c.DetailsOf(t.Context(), socpilot.Incident{Number: 48, Name: "guid", ProviderName: "Microsoft XDR", ProviderIncidentID: "2972395"}); err != nil {
		t.Fatal(err)
	}
}

// AddComment posts the documented body and returns the new comment from
// the documented answer (the whole list).
func TestAddComment(t *testing.T) {
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1.0/security/incidents/3962396/comments" {
			t.Errorf("request %s %s", r.Method, r.URL)
		}
		var got, want any
		body, _ := io.ReadAll(r.Body)
		json.Unmarshal(body, &got)
		json.Unmarshal(fixture(t, "incident-comments-post-request.json"), &want)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("body (-want +got):\n%s", diff)
		}
		w.Write(fixture(t, "incident-comments-post-response.json"))
	}), policy.RetryOptions{})
	got, err := c.AddComment(t.Context(), socpilot.Incident{Name: "3962396", Number: 3962396, ProviderName: ProviderName}, "Demo for docs")
	if err != nil {
		t.Fatal(err)
	}
	want := socpilot.Comment{ID: "/security/incidents/3962396/comments/1", Name: "1", Message: "Demo for docs", Author: "secAdmin@contoso.com",
		CreatedTime: ts("2022-10-13T07:08:50.5821324Z"), LastModifiedTime: ts("2022-10-13T07:08:50.5821324Z")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("comment (-want +got):\n%s", diff)
	}
	if _, err := c.AddComment(t.Context(), socpilot.Incident{Name: "1"}, "  "); socpilot.ErrorCode(err) != socpilot.EInvalid {
		t.Errorf("empty comment: %v", err)
	}
}

// Comments are plain text in Defender: markup in them survives Text().
func TestCommentTextRoundTrip(t *testing.T) {
	cs := convertComments("1", []wireComment{{Comment: "a <b> & c"}})
	if cs[0].Text() != "a <b> & c" {
		t.Errorf("Text() = %q", cs[0].Text())
	}
}

func TestRunHuntingQuery(t *testing.T) {
	for _, file := range []string{"runhuntingquery-response.json", "runhuntingquery-response-pascal.json"} {
		c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var got, want any
			body, _ := io.ReadAll(r.Body)
			json.Unmarshal(body, &got)
			json.Unmarshal(fixture(t, "runhuntingquery-request.json"), &want)
			if r.URL.Path != "/v1.0/security/runHuntingQuery" || !cmp.Equal(want, got) {
				t.Errorf("request %s body %s", r.URL, body)
			}
			w.Write(fixture(t, file))
		}), policy.RetryOptions{})
		var req struct{ Query string }
		json.Unmarshal(fixture(t, "runhuntingquery-request.json"), &req)
		res, err := c.RunHuntingQuery(t.Context(), req.Query, "")
		if err != nil {
			t.Fatal(err)
		}
		want := []HuntingColumn{{"Timestamp", "DateTime"}, {"FileName", "String"}, {"InitiatingProcessFileName", "String"}}
		if diff := cmp.Diff(want, res.Schema); diff != "" {
			t.Errorf("%s schema (-want +got):\n%s", file, diff)
		}
		if len(res.Results) != 2 || res.Results[0]["InitiatingProcessFileName"] != "powershell.exe" {
			t.Errorf("%s results %v", file, res.Results)
		}
	}
}

// Each failure becomes the right code, with what to do and the service's words.
func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name       string
		call       func(*Client) error
		status     int
		header     string
		body       string
		code       string
		contains   []string
		retryAfter time.Duration
	}{
		{"401 read", readIncident(7), 401, "", `{"error":{"code":"InvalidAuthenticationToken","message":"Access token has expired."}}`,
			socpilot.EUnauthorized, []string{"InvalidAuthenticationToken", "Access token has expired", "SecurityIncident.Read.All"}, 0},
		{"403 read", readIncident(7), 403, "", `{"error":{"code":"Forbidden","message":"Missing role permissions"}}`,
			socpilot.EForbidden, []string{"SecurityIncident.Read.All", "Missing role permissions"}, 0},
		{"403 comment", addComment(7), 403, "", `{"error":{"code":"Forbidden","message":"denied"}}`,
			socpilot.EForbidden, []string{"SecurityIncident.ReadWrite.All"}, 0},
		{"403 hunting", hunt("DeviceEvents"), 403, "", `{"error":{"code":"Forbidden","message":"denied"}}`,
			socpilot.EForbidden, []string{"ThreatHunting.Read.All"}, 0},
		{"404", readIncident(7), 404, "", `{"error":{"code":"NotFound","message":"Incident not found"}}`,
			socpilot.ENotFound, []string{"incident 7 not found"}, 0},
		{"400 hunting", hunt("DeviceEvents | wher x"), 400, "", `{"error":{"code":"BadRequest","message":"Query could not be parsed at 'wher' on line [1,15]"}}`,
			socpilot.EInvalid, []string{"Query could not be parsed at 'wher' on line [1,15]"}, 0},
		{"400 documented body", readIncident(7), 400, "", string(mustFixture("error.json")),
			socpilot.EInvalid, []string{"invalidRange", "Uploaded fragment overlaps with existing data."}, 0},
		// Longer than azcore's MaxRetryDelay (60s): not retried, the wait is handed on.
		{"429", readIncident(7), 429, "120", `{"error":{"code":"TooManyRequests","message":"Too many requests"}}`,
			socpilot.EThrottled, []string{"throttling", "429 (TooManyRequests: Too many requests)", "about 2 minutes"}, 120 * time.Second},
		{"503", readIncident(7), 503, "", `{"error":{"code":"serviceNotAvailable","message":"down"}}`,
			socpilot.EUnavailable, []string{"503", "serviceNotAvailable"}, 0},
		{"500 not JSON", readIncident(7), 500, "", `oops`, socpilot.EUnavailable, []string{"500"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.header != "" {
					w.Header().Set("Retry-After", tc.header)
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			}), policy.RetryOptions{})
			err := tc.call(c)
			if got := socpilot.ErrorCode(err); got != tc.code {
				t.Fatalf("code %q (%v), want %q", got, err, tc.code)
			}
			for _, s := range tc.contains {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
			if got := socpilot.RetryAfterOf(err); got != tc.retryAfter {
				t.Errorf("RetryAfter %v, want %v", got, tc.retryAfter)
			}
		})
	}
}

func mustFixture(name string) []byte {
	b, err := osReadFile("testdata/" + name)
	if err != nil {
		panic(err)
	}
	return b
}

func readIncident(id int) func(*Client) error {
	return func(c *Client) error { _, err := c.IncidentByNumber(contextBackground(), id); return err }
}

func addComment(id int) func(*Client) error {
	return func(c *Client) error {
		_, err := c.AddComment(contextBackground(), socpilot.Incident{Number: id}, "x")
		return err
	}
}

func hunt(q string) func(*Client) error {
	return func(c *Client) error { _, err := c.RunHuntingQuery(contextBackground(), q, "P1D"); return err }
}

// A 429 whose Retry-After is within azcore's cap is waited out and retried;
// the fake clock of synctest shows the wait is the one asked for.
func TestThrottledThenServed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int32
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if calls.Add(1) < 3 {
				w.Header().Set("Retry-After", "7")
				w.WriteHeader(http.StatusTooManyRequests)
				io.WriteString(w, `{"error":{"code":"TooManyRequests","message":"slow down"}}`)
				return
			}
			io.WriteString(w, `{"id":"5","status":"active"}`)
		})
		c, err := New(&fakeCred{}, Options{Endpoint: "http://127.0.0.1:1", Transport: handlerTransport{h}})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		inc, err := c.IncidentByNumber(t.Context(), 5)
		if err != nil {
			t.Fatal(err)
		}
		if inc.Number != 5 || calls.Load() != 3 {
			t.Errorf("incident %d after %d calls", inc.Number, calls.Load())
		}
		if waited := time.Since(start); waited != 14*time.Second {
			t.Errorf("waited %v, want 2 × Retry-After 7s", waited)
		}
	})
}

// Every retry throttled: the error carries the last Retry-After.
func TestThrottledToTheEnd(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(http.StatusTooManyRequests)
		})
		c, err := New(&fakeCred{}, Options{Endpoint: "http://127.0.0.1:1", Transport: handlerTransport{h}, Retry: policy.RetryOptions{MaxRetries: 2}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.ListIncidents(t.Context(), socpilot.IncidentFilter{})
		if socpilot.ErrorCode(err) != socpilot.EThrottled || socpilot.RetryAfterOf(err) != 3*time.Second {
			t.Errorf("error %v (RetryAfter %v), want throttled with 3s", err, socpilot.RetryAfterOf(err))
		}
	})
}

// Each cloud asks for its Graph scope and talks to its Graph endpoint.
func TestCloudScopes(t *testing.T) {
	for _, tc := range []struct{ cloud, endpoint, scope, base string }{
		{"", "", "https://graph.microsoft.com/.default", "https://graph.microsoft.com"},
		{"AzurePublic", "", "https://graph.microsoft.com/.default", "https://graph.microsoft.com"},
		{"AzureUSGovernment", "", "https://graph.microsoft.us/.default", "https://graph.microsoft.us"},
		{"AzureUSGovernmentDoD", "", "https://dod-graph.microsoft.us/.default", "https://dod-graph.microsoft.us"},
		{"AzureChinaCloud", "", "https://microsoftgraph.chinacloudapi.cn/.default", "https://microsoftgraph.chinacloudapi.cn"},
		// L5 through the override: the endpoint's own scope.
		{"AzureUSGovernment", "https://dod-graph.microsoft.us/v1.0/", "https://dod-graph.microsoft.us/.default", "https://dod-graph.microsoft.us"},
		// A proxy keeps the cloud's scope.
		{"AzureChina", "https://graph-proxy.contoso.com/base", "https://microsoftgraph.chinacloudapi.cn/.default", "https://graph-proxy.contoso.com/base"},
	} {
		cred := &fakeCred{}
		var sawURL string
		tr := handlerTransport{http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sawURL = r.URL.String()
			io.WriteString(w, `{"id":"1"}`)
		})}
		c, err := New(cred, Options{Cloud: tc.cloud, Endpoint: tc.endpoint, Transport: tr})
		if err != nil {
			t.Fatalf("%s %s: %v", tc.cloud, tc.endpoint, err)
		}
		if _, err := c.Incident(t.Context(), "1"); err != nil {
			t.Fatal(err)
		}
		if !cmp.Equal(cred.scopes, []string{tc.scope}) || !strings.HasPrefix(sawURL, tc.base+"/v1.0/security/incidents/1") {
			t.Errorf("%s %s: scopes %v, URL %s; want %s at %s", tc.cloud, tc.endpoint, cred.scopes, sawURL, tc.scope, tc.base)
		}
	}
	for _, bad := range []Options{{Cloud: "Mars"}, {Endpoint: "http://graph.example.com"}, {Endpoint: "ftp://127.0.0.1"}, {Endpoint: "127.0.0.1:80"}} {
		if _, err := New(&fakeCred{}, bad); socpilot.ErrorCode(err) != socpilot.EConfig {
			t.Errorf("New(%+v): %v, want a config error", bad, err)
		}
	}
}
