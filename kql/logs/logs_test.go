package logs_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/google/go-cmp/cmp"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/kql/logs"
	"github.com/socpilot/socpilot/kql/logs/logstest"
	"github.com/socpilot/socpilot/kql/schema"
)

const workspaceID = "8ba9a2c4-1d3e-4f5a-9b6c-7d8e9f0a1b2c"

// staticToken is a credential that always returns the same token.
type staticToken string

func (s staticToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: string(s), ExpiresOn: time.Now().Add(time.Hour)}, nil
}

func testSchema() *schema.Schema {
	s := schema.New()
	s.AddTable(schema.Table{Name: "SigninLogs", Columns: []schema.Column{
		{Name: "TimeGenerated", Type: schema.Datetime}, {Name: "UserPrincipalName", Type: schema.String},
		{Name: "ResultType", Type: schema.String}, {Name: "IPAddress", Type: schema.String}}})
	s.AddTable(schema.Table{Name: "SecurityEvent", Columns: []schema.Column{
		{Name: "TimeGenerated", Type: schema.Datetime}, {Name: "EventID", Type: schema.Int}, {Name: "Computer", Type: schema.String}}})
	s.AddTable(schema.Table{Name: "My Table_CL", Columns: []schema.Column{{Name: "Msg_s", Type: schema.String}}})
	s.AddFunction(schema.Function{Name: "_Im_Dns"})
	return s
}

func newClient(t *testing.T) (*logs.Client, *logstest.Server) {
	t.Helper()
	srv := logstest.New(t, testSchema())
	srv.WorkspaceID = workspaceID
	srv.Token = "test-token"
	c, err := logs.New(workspaceID, staticToken("test-token"), logs.Options{Endpoint: srv.URL, Retry: policy.RetryOptions{MaxRetries: -1}})
	if err != nil {
		t.Fatal(err)
	}
	return c, srv
}

func TestTableSchema(t *testing.T) {
	c, srv := newClient(t)
	ctx := context.Background()
	got, err := c.TableSchema(ctx, "SecurityEvent")
	if err != nil {
		t.Fatal(err)
	}
	want := schema.Table{Name: "SecurityEvent", Source: "workspace " + workspaceID + " (getschema)", Columns: []schema.Column{
		{Name: "TimeGenerated", Type: schema.Datetime}, {Name: "EventID", Type: schema.Int}, {Name: "Computer", Type: schema.String}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// Cached: a second call sends nothing.
	if _, err := c.TableSchema(ctx, "SecurityEvent"); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Query != "SecurityEvent | getschema" || reqs[0].Workspace != workspaceID {
		t.Errorf("requests = %+v, want one getschema", reqs)
	}
	// Names that are not identifiers are bracket-quoted.
	if tab, err := c.TableSchema(ctx, "My Table_CL"); err != nil || len(tab.Columns) != 1 {
		t.Errorf("TableSchema(My Table_CL) = %v, %v", tab, err)
	}
	// An unknown table is the service's semantic error, and is not cached.
	_, err = c.TableSchema(ctx, "NoSuchTable")
	var qe *logs.QueryError
	if !errors.As(err, &qe) || !qe.IsUnknownName() || qe.UnknownName() != "NoSuchTable" || qe.Kind != "SemanticError" || qe.StatusCode != 400 {
		t.Fatalf("unknown table error = %#v", err)
	}
	c.TableSchema(ctx, "NoSuchTable")
	if n := len(srv.Requests()); n != 4 {
		t.Errorf("%d requests, want 4 (errors are not cached)", n)
	}
}

func TestTableSchemaConcurrent(t *testing.T) {
	c, srv := newClient(t)
	var wg sync.WaitGroup
	var failures atomic.Int32
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.TableSchema(context.Background(), "SigninLogs"); err != nil {
				failures.Add(1)
			}
		}()
	}
	wg.Wait()
	if failures.Load() != 0 {
		t.Errorf("%d calls failed", failures.Load())
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("%d requests for 16 concurrent calls, want 1", n)
	}
}

// inProcess hands each request to h without a socket; a request whose
// context ends first fails as a transport would.
type inProcess struct{ h http.Handler }

func (p inProcess) Do(req *http.Request) (*http.Response, error) {
	done := make(chan *http.Response, 1)
	go func() {
		rec := httptest.NewRecorder()
		p.h.ServeHTTP(rec, req)
		done <- rec.Result()
	}()
	select {
	case resp := <-done:
		return resp, nil
	case <-req.Context().Done():
		return nil, req.Context().Err()
	}
}

// A caller waiting on another's getschema request is not failed by that
// caller giving up: it asks again.
func TestTableSchemaWaiterOutlivesCancelledCaller(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		var calls atomic.Int32
		srv := &logstest.Server{Schema: testSchema(), T: t, Hook: func(string) (int, any, bool) {
			if calls.Add(1) == 1 {
				<-release
			}
			return 0, nil, false
		}}
		c, err := logs.New(workspaceID, staticToken("t"), logs.Options{Endpoint: "https://api.loganalytics.test",
			Transport: inProcess{srv}, Retry: policy.RetryOptions{MaxRetries: -1}})
		if err != nil {
			t.Fatal(err)
		}
		ctxA, cancelA := context.WithCancel(t.Context())
		errA := make(chan error, 1)
		go func() {
			_, err := c.TableSchema(ctxA, "SigninLogs")
			errA <- err
		}()
		synctest.Wait() // A's request is held by the server
		var (
			tabB  schema.Table
			errB  error
			doneB = make(chan struct{})
		)
		go func() {
			tabB, errB = c.TableSchema(t.Context(), "SigninLogs")
			close(doneB)
		}()
		synctest.Wait() // B waits for A's answer
		cancelA()
		if err := <-errA; !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled caller: %v, want context.Canceled", err)
		}
		<-doneB
		if errB != nil || len(tabB.Columns) != 4 {
			t.Errorf("waiting caller: %d columns, %v; want SigninLogs's 4", len(tabB.Columns), errB)
		}
		if n := calls.Load(); n != 2 {
			t.Errorf("%d requests, want 2 (the cancelled one and the waiter's own)", n)
		}
		close(release)
	})
}

func TestSchemaFor(t *testing.T) {
	c, _ := newClient(t)
	s, err := c.SchemaFor(context.Background(), []string{"SigninLogs", "SecurityEvent", "Missing_CL", "SigninLogs"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"SecurityEvent", "SigninLogs"}, s.TableNames()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	tab, _ := s.Table("SigninLogs")
	if c, ok := tab.Column("UserPrincipalName"); !ok || c.Type != schema.String {
		t.Errorf("SigninLogs.UserPrincipalName = %v, %v", c, ok)
	}
	// Merged over the embedded catalog, the workspace's definition wins.
	m := schema.Default().Merge(s)
	if got, _ := m.Table("SigninLogs"); len(got.Columns) != 4 {
		t.Errorf("merged SigninLogs has %d columns, want the workspace's 4", len(got.Columns))
	}
}

func TestVerify(t *testing.T) {
	c, srv := newClient(t)
	tests := []struct {
		name     string
		query    string
		wantKind string // "" for success
		wantLine int
		wantPos  int
		wantName string
	}{
		{"valid", "SigninLogs\n| where ResultType != \"0\"\n| summarize count() by IPAddress", "", 0, 0, ""},
		{"trailing comment", "SecurityEvent | where EventID == 4625 // failed logons", "", 0, 0, ""},
		{"trailing semicolon", "let t = 1d;\nSigninLogs | where TimeGenerated > ago(t);", "", 0, 0, ""},
		{"join", "SigninLogs | join kind=inner (SecurityEvent | where EventID == 4624) on $left.IPAddress == $right.Computer", "", 0, 0, ""},
		{"function", "_Im_Dns(starttime=ago(1h)) | take 5", "", 0, 0, ""},
		{"unknown table", "SiginLogs | where ResultType != \"0\"", "SemanticError", 0, -1, "SiginLogs"},
		{"unknown table in join", "SigninLogs | join (SecurityEvents | where EventID == 1) on Computer", "SemanticError", 0, -1, "SecurityEvents"},
		{"unknown table in union", "union SigninLogs, AuditLog", "SemanticError", 0, -1, "AuditLog"},
		{"empty pipe stage", "SigninLogs\n| | take 1", "SyntaxError", 2, 2, ""},
		{"unbalanced", "SigninLogs | where (ResultType == \"0\"", "SyntaxError", 1, 37, ""},
		{"unterminated string", "SigninLogs\n| where x == 'abc", "SyntaxError", 2, 13, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := c.Verify(context.Background(), tt.query, 5*time.Second)
			if tt.wantKind == "" {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			var qe *logs.QueryError
			if !errors.As(err, &qe) {
				t.Fatalf("Verify error = %v, want *QueryError", err)
			}
			if qe.Kind != tt.wantKind || qe.Line != tt.wantLine || qe.Pos != tt.wantPos || qe.UnknownName() != tt.wantName || qe.Partial {
				t.Errorf("got %+v; want kind %s line %d pos %d name %q", qe, tt.wantKind, tt.wantLine, tt.wantPos, tt.wantName)
			}
			if !strings.Contains(err.Error(), qe.Message) {
				t.Errorf("Error() = %q lacks the service message %q", err.Error(), qe.Message)
			}
		})
	}
	// Verify appends take 0 on its own line, bounds the time range and asks the
	// server for a short wait.
	reqs := srv.Requests()
	if len(reqs) == 0 {
		t.Fatal("no requests")
	}
	r := reqs[1]
	if r.Query != "SecurityEvent | where EventID == 4625 // failed logons\n| take 0" {
		t.Errorf("query sent = %q", r.Query)
	}
	if r.Timespan != "PT1M" || r.Prefer != "wait=5" {
		t.Errorf("timespan %q prefer %q", r.Timespan, r.Prefer)
	}
}

func TestVerifyPartial(t *testing.T) {
	c, srv := newClient(t)
	srv.Hook = func(q string) (int, any, bool) {
		return http.StatusOK, logstest.PartialErrorBody(nil, nil, "'extend' operator: Failed to resolve scalar expression named 'x'"), true
	}
	err := c.Verify(context.Background(), "SigninLogs | extend y = x", time.Second)
	var qe *logs.QueryError
	if !errors.As(err, &qe) || !qe.Partial || qe.Code != "PartialError" {
		t.Fatalf("Verify = %#v, want a partial QueryError", err)
	}
	if len(qe.Details) != 1 || !strings.Contains(qe.Error(), "Failed to resolve scalar expression named 'x'") {
		t.Errorf("details = %v, error %q", qe.Details, qe.Error())
	}
	res, err := c.Query(context.Background(), "SigninLogs", time.Hour)
	if err != nil || res.Partial == nil {
		t.Errorf("Query = %+v, %v; want a partial result without error", res, err)
	}
}

func TestQueryRows(t *testing.T) {
	c, srv := newClient(t)
	srv.Hook = func(q string) (int, any, bool) {
		return http.StatusOK, map[string]any{"tables": []map[string]any{{
			"name":    "PrimaryResult",
			"columns": []map[string]string{{"name": "Computer", "type": "string"}, {"name": "Count", "type": "long"}},
			"rows":    [][]any{{"web01", 3}, {"db01", 1}},
		}}}, true
	}
	res, err := c.Query(context.Background(), "SecurityEvent | summarize Count=count() by Computer", 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	want := logs.Result{
		Columns: []schema.Column{{Name: "Computer", Type: schema.String}, {Name: "Count", Type: schema.Long}},
		Rows:    [][]any{{"web01", float64(3)}, {"db01", float64(1)}},
	}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if ts := srv.Requests()[0].Timespan; ts != "PT24H" {
		t.Errorf("timespan = %q", ts)
	}
}

func TestAuthAndWorkspaceErrors(t *testing.T) {
	_, srv := newClient(t)
	tests := []struct {
		name     string
		ws       string
		token    string
		wantCode string
	}{
		{"wrong token", workspaceID, "stolen", socpilot.EForbidden},
		{"unknown workspace", "00000000-0000-0000-0000-000000000001", "test-token", socpilot.ENotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := logs.New(tt.ws, staticToken(tt.token), logs.Options{Endpoint: srv.URL})
			if err != nil {
				t.Fatal(err)
			}
			err = c.Verify(context.Background(), "SigninLogs", time.Second)
			if got := socpilot.ErrorCode(err); got != tt.wantCode {
				t.Errorf("code = %s (%v), want %s", got, err, tt.wantCode)
			}
		})
	}
	srv.Hook = func(string) (int, any, bool) {
		return http.StatusTooManyRequests, logstest.ErrorBody("ThrottledError", "Too many requests", nil), true
	}
	c, _ := logs.New(workspaceID, staticToken("test-token"), logs.Options{Endpoint: srv.URL, Retry: policy.RetryOptions{MaxRetries: -1}})
	if err := c.Verify(context.Background(), "SigninLogs", time.Second); socpilot.ErrorCode(err) != socpilot.EThrottled {
		t.Errorf("429: %v", err)
	}
	// A 400 without an error message still says what happened.
	srv.Hook = func(string) (int, any, bool) { return http.StatusBadRequest, nil, true }
	if err := c.Verify(context.Background(), "SigninLogs", time.Second); err == nil || !strings.Contains(err.Error(), "answered 400") {
		t.Errorf("400 with no message: %v", err)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for _, tt := range []struct{ ws, endpoint string }{
		{"", ""},
		{workspaceID, "http://logs.example.com"},
		{workspaceID, "::not a url"},
	} {
		if _, err := logs.New(tt.ws, staticToken("x"), logs.Options{Endpoint: tt.endpoint}); socpilot.ErrorCode(err) != socpilot.EConfig {
			t.Errorf("New(%q, %q) = %v, want a config error", tt.ws, tt.endpoint, err)
		}
	}
}

func TestEmulatorRequiresBearer(t *testing.T) {
	srv := logstest.New(t, testSchema())
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/workspaces/x/query", strings.NewReader(`{"query":"SigninLogs"}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("status = %d, want 401", resp.StatusCode)
	}
}

func ExampleClient_Verify() {
	// In a test, the emulator stands in for api.loganalytics.io.
	srv := &logstest.Server{Schema: schema.Default()}
	hs := newLoopbackServer(srv)
	defer hs.Close()
	c, _ := logs.New(workspaceID, staticToken("t"), logs.Options{Endpoint: hs.URL})
	err := c.Verify(context.Background(), "SiginLogs | take 10", 10*time.Second)
	fmt.Println(err)
	// Output: semantic error: 'take' operator: Failed to resolve table or column expression named 'SiginLogs' (SEM0100)
}

// SavedFunctions reads the workspace's functions from the metadata endpoint with
// the query API's token, and none of its tables.
func TestSavedFunctions(t *testing.T) {
	c, srv := newClient(t)
	srv.Schema.AddFunction(schema.Function{Name: "AWSIdentityRole", Params: []schema.Param{{Name: "T", Type: schema.TabularType}, {Name: "since", Type: schema.Timespan, Default: "1d"}}})
	srv.Bodies = map[string]string{"AWSIdentityRole": "T | extend Role = tostring(UserIdentityArn)"}
	got, err := c.SavedFunctions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if tables, funcs := got.Len(); tables != 0 || funcs != 2 {
		t.Errorf("%d tables, %d functions; want the 2 functions only", tables, funcs)
	}
	f, ok := got.Function("AWSIdentityRole")
	if !ok {
		t.Fatalf("AWSIdentityRole missing: %v", got.FunctionNames())
	}
	want := []schema.Param{{Name: "T", Type: schema.TabularType}, {Name: "since", Type: schema.Timespan, Default: "1d"}}
	if diff := cmp.Diff(want, f.Params); diff != "" || f.Columns != nil || !strings.Contains(f.Source, workspaceID) {
		t.Errorf("function %+v (params -want +got):\n%s", f, diff)
	}
	if n := srv.MetadataRequests(); n != 1 {
		t.Errorf("%d metadata requests, want 1", n)
	}
	// A credential the service rejects, and a workspace it does not know, fail clearly.
	bad, err := logs.New(workspaceID, staticToken("other"), logs.Options{Endpoint: srv.URL, Retry: policy.RetryOptions{MaxRetries: -1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bad.SavedFunctions(context.Background()); socpilot.ErrorCode(err) != socpilot.EForbidden {
		t.Errorf("wrong token: %v, want a forbidden error", err)
	}
	other, err := logs.New("00000000-0000-0000-0000-000000000000", staticToken("test-token"), logs.Options{Endpoint: srv.URL, Retry: policy.RetryOptions{MaxRetries: -1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.SavedFunctions(context.Background()); socpilot.ErrorCode(err) != socpilot.ENotFound {
		t.Errorf("unknown workspace: %v, want not found", err)
	}
}
