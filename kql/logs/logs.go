// Package logs runs KQL against a Log Analytics workspace through the Azure
// Monitor Logs query API (azlogs): it reads the schema of the tables a query names
// (`Table | getschema`, cached), the workspace's saved functions (the same API's
// metadata endpoint), and verifies that a query runs as written
// (`<query> | take 0`), returning the service's own error.
//
// It is the only package that imports azlogs; no azlogs type crosses its boundary.
package logs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azlogs"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/internal/azendpoint"
	"github.com/socpilot/socpilot/kql/schema"
)

// Options configure a Client.
type Options struct {
	// Endpoint overrides the query API endpoint of Cloud, e.g. http://127.0.0.1:8081
	// for an emulator (plain HTTP is allowed to loopback hosts only).
	Endpoint  string
	Cloud     cloud.Configuration // zero: AzurePublic (api.loganalytics.io)
	Transport policy.Transporter  // nil: the default HTTP client
	Retry     policy.RetryOptions // zero: azcore's defaults (3 retries honouring Retry-After)
	// Parallel bounds the getschema requests SchemaFor runs at once; 0 means 4.
	Parallel int
}

var queryEndpoint = azendpoint.Service{Name: azlogs.ServiceName, Label: "Log Analytics endpoint",
	Audience: "https://api.loganalytics.io", Example: "https://api.loganalytics.io"}

// Client queries one Log Analytics workspace. It is safe for concurrent use.
type Client struct {
	ws       string
	c        *azlogs.Client
	parallel int
	// raw and endpoint send the requests azlogs has no method for (metadata),
	// through a pipeline with the same credential, cloud, transport and retries.
	raw      *azcore.Client
	endpoint string

	mu    sync.Mutex
	cache map[string]*schemaEntry
}

// schemaEntry is one cached (or in-flight) getschema result: concurrent callers for
// the same table wait on done instead of asking the service twice.
type schemaEntry struct {
	done  chan struct{}
	table schema.Table
	err   error
}

// New returns a client for the workspace with this workspace (customer) ID, the
// GUID shown on the workspace's overview page, authenticating with cred.
func New(workspaceID string, cred azcore.TokenCredential, opts Options) (*Client, error) {
	if strings.TrimSpace(workspaceID) == "" {
		return nil, socpilot.Errorf(socpilot.EConfig, "the Log Analytics workspace ID is empty; set it to the workspace's GUID (Workspace ID on its overview page)")
	}
	cfg, endpoint, err := queryEndpoint.Cloud(opts.Cloud, opts.Endpoint)
	if err != nil {
		return nil, err
	}
	if endpoint != nil && endpoint.Scheme == "http" {
		// azlogs v1.2.0 builds its bearer-token policy without the client's
		// InsecureAllowCredentialWithHTTP, so that policy refuses http URLs. The
		// pipeline sees https and the last hop, to loopback only, goes out as http.
		svc := cfg.Services[azlogs.ServiceName]
		svc.Endpoint = "https://" + endpoint.Host + strings.TrimRight(endpoint.Path, "/")
		cfg.Services[azlogs.ServiceName] = svc
		next := opts.Transport
		if next == nil {
			next = http.DefaultClient
		}
		opts.Transport = loopbackHTTP{host: endpoint.Host, next: next}
	}
	co := &azlogs.ClientOptions{}
	co.Cloud = cfg
	co.Transport = opts.Transport
	co.Retry = opts.Retry
	c, err := azlogs.NewClient(cred, co)
	if err != nil {
		return nil, fmt.Errorf("create Log Analytics query client: %w", err)
	}
	svc := cfg.Services[azlogs.ServiceName]
	auth := runtime.NewBearerTokenPolicy(cred, []string{svc.Audience + "/.default"}, nil)
	raw, err := azcore.NewClient("socpilot.logs", "v1.0.0", runtime.PipelineOptions{PerRetry: []policy.Policy{auth}}, &co.ClientOptions)
	if err != nil {
		return nil, fmt.Errorf("create Log Analytics metadata client: %w", err)
	}
	p := opts.Parallel
	if p <= 0 {
		p = 4
	}
	return &Client{ws: workspaceID, c: c, parallel: p, raw: raw, endpoint: strings.TrimRight(svc.Endpoint, "/"), cache: map[string]*schemaEntry{}}, nil
}

// SavedFunctions returns the functions saved in the workspace (saved searches with
// a function alias, solution parsers such as the ASIM ones), with their parameters
// and unknown result columns, as a Schema that holds no tables. It reads them from
// the query API's metadata endpoint (GET /v1/workspaces/{id}/metadata, "Metadata -
// Get" of the Log Analytics query REST reference): the same endpoint, token and
// workspace ID as queries, where the ARM savedSearches list would need the
// workspace's subscription, resource group and name. KQL management commands such
// as `.show functions` do not run in Log Analytics.
func (c *Client) SavedFunctions(ctx context.Context) (*schema.Schema, error) {
	req, err := runtime.NewRequest(ctx, http.MethodGet, runtime.JoinPaths(c.endpoint, "v1", "workspaces", url.PathEscape(c.ws), "metadata"))
	if err != nil {
		return nil, fmt.Errorf("read the saved functions of workspace %s: %w", c.ws, err)
	}
	req.Raw().Header.Set("Accept", "application/json")
	resp, err := c.raw.Pipeline().Do(req)
	if err != nil {
		return nil, c.wrap(err)
	}
	if !runtime.HasStatusCode(resp, http.StatusOK) {
		return nil, c.wrap(runtime.NewResponseError(resp))
	}
	var body struct {
		Functions []struct {
			Name       string `json:"name"`
			Parameters string `json:"parameters"`
			Body       string `json:"body"`
		} `json:"functions"`
	}
	if err := runtime.UnmarshalAsJSON(resp, &body); err != nil {
		return nil, fmt.Errorf("read the saved functions of workspace %s: %w", c.ws, err)
	}
	// Only the functions: the metadata's tables may leave out the standard columns
	// and must not replace richer definitions (TableSchema reads those).
	doc := map[string]any{"functions": body.Functions}
	raw, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	out, err := schema.LoadJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("read the saved functions of workspace %s: %w", c.ws, err)
	}
	for _, f := range out.Functions() {
		f.Source = "workspace " + c.ws + " (metadata)"
	}
	return out, nil
}

// loopbackHTTP sends requests for host over plain HTTP (see New).
type loopbackHTTP struct {
	host string
	next policy.Transporter
}

func (l loopbackHTTP) Do(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme == "https" && req.URL.Host == l.host {
		r := req.Clone(req.Context())
		r.URL.Scheme = "http"
		return l.next.Do(r)
	}
	return l.next.Do(req)
}

// WorkspaceID is the workspace this client queries.
func (c *Client) WorkspaceID() string { return c.ws }

// Result is the primary table of a query's answer.
type Result struct {
	Columns []schema.Column
	Rows    [][]any
	// Partial is set when the service answered 200 with a PartialError: the rows
	// may be incomplete and Partial says why.
	Partial *QueryError
}

// Query runs query over the last timespan (0: no time range beyond the query's
// own) and returns its primary result.
func (c *Client) Query(ctx context.Context, query string, timespan time.Duration) (Result, error) {
	return c.query(ctx, query, timespan, 0)
}

func (c *Client) query(ctx context.Context, query string, timespan time.Duration, wait time.Duration) (Result, error) {
	body := azlogs.QueryBody{Query: &query}
	if timespan > 0 {
		ts := azlogs.TimeInterval(isoDuration(timespan))
		body.Timespan = &ts
	}
	var opts *azlogs.QueryWorkspaceOptions
	if wait > 0 {
		secs := max(1, int(wait/time.Second))
		opts = &azlogs.QueryWorkspaceOptions{Options: &azlogs.QueryOptions{Wait: &secs}}
	}
	resp, err := c.c.QueryWorkspace(ctx, c.ws, body, opts)
	if err != nil {
		return Result{}, c.wrap(err)
	}
	var res Result
	if len(resp.Tables) > 0 {
		t := resp.Tables[0]
		for _, col := range t.Columns {
			var name, ty string
			if col.Name != nil {
				name = *col.Name
			}
			if col.Type != nil {
				ty = string(*col.Type)
			}
			typ, ok := schema.ParseType(ty)
			if !ok {
				typ = schema.Dynamic
			}
			res.Columns = append(res.Columns, schema.Column{Name: name, Type: typ})
		}
		for _, r := range t.Rows {
			res.Rows = append(res.Rows, []any(r))
		}
	}
	if resp.Error != nil {
		// azlogs keeps the error object's JSON as the ErrorInfo's message.
		qe := parseErrorObject([]byte(resp.Error.Error()))
		qe.Partial = true
		res.Partial = qe
	}
	return res, nil
}

// isoDuration formats d as an ISO 8601 duration (PT1H30M), the timespan format of
// the query API.
func isoDuration(d time.Duration) string {
	secs := int64(d / time.Second)
	if secs < 1 {
		secs = 1
	}
	var b strings.Builder
	b.WriteString("PT")
	if h := secs / 3600; h > 0 {
		fmt.Fprintf(&b, "%dH", h)
	}
	if m := secs % 3600 / 60; m > 0 {
		fmt.Fprintf(&b, "%dM", m)
	}
	if s := secs % 60; s > 0 {
		fmt.Fprintf(&b, "%dS", s)
	}
	return b.String()
}

var plainIdent = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// quoteName writes a table name so KQL reads it as a name whatever it contains.
func quoteName(name string) string {
	if plainIdent.MatchString(name) {
		return name
	}
	return "['" + strings.ReplaceAll(strings.ReplaceAll(name, `\`, `\\`), "'", `\'`) + "']"
}

// TableSchema returns the columns of table in this workspace, by running
// `table | getschema`. Answers are cached for the life of the client; concurrent
// calls for the same table share one request, and ask again if the caller that
// made it gave up. A table the workspace does not have
// is a *QueryError with IsUnknownName true (not cached, so a table created later is seen).
func (c *Client) TableSchema(ctx context.Context, table string) (schema.Table, error) {
	for {
		c.mu.Lock()
		e, ok := c.cache[table]
		if !ok {
			e = &schemaEntry{done: make(chan struct{})}
			c.cache[table] = e
		}
		c.mu.Unlock()
		if !ok {
			return c.fillSchema(ctx, table, e)
		}
		select {
		case <-e.done:
		case <-ctx.Done():
			return schema.Table{}, ctx.Err()
		}
		// The request was the caller's that made it: when that caller gave up,
		// its cancellation or deadline is not this caller's, so ask again.
		if ctx.Err() == nil && (errors.Is(e.err, context.Canceled) || errors.Is(e.err, context.DeadlineExceeded)) {
			continue
		}
		return e.table, e.err
	}
}

// fillSchema fetches the schema into e, the cache entry this caller made.
func (c *Client) fillSchema(ctx context.Context, table string, e *schemaEntry) (schema.Table, error) {
	e.table, e.err = c.fetchSchema(ctx, table)
	if e.err != nil {
		// Errors are not cached: the next call asks again.
		c.mu.Lock()
		delete(c.cache, table)
		c.mu.Unlock()
	}
	close(e.done)
	return e.table, e.err
}

func (c *Client) fetchSchema(ctx context.Context, table string) (schema.Table, error) {
	res, err := c.query(ctx, quoteName(table)+" | getschema", 0, 0)
	if err != nil {
		return schema.Table{}, fmt.Errorf("read schema of %s: %w", table, err)
	}
	// getschema answers one row per column: ColumnName, ColumnOrdinal, DataType
	// (the .NET type, System.String) and ColumnType (the KQL type, string).
	idx := map[string]int{}
	for i, col := range res.Columns {
		idx[col.Name] = i
	}
	ni, ok := idx["ColumnName"]
	if !ok {
		return schema.Table{}, fmt.Errorf("read schema of %s: the getschema answer has no ColumnName column", table)
	}
	ti, hasType := idx["ColumnType"]
	di, hasData := idx["DataType"]
	t := schema.Table{Name: table, Source: "workspace " + c.ws + " (getschema)"}
	for _, row := range res.Rows {
		name, _ := cell(row, ni).(string)
		if name == "" {
			continue
		}
		ty := schema.Dynamic
		if s, _ := cell(row, ti).(string); hasType && s != "" {
			if p, ok := schema.ParseType(s); ok {
				ty = p
			}
		} else if s, _ := cell(row, di).(string); hasData && s != "" {
			if p, ok := schema.ParseType(s); ok {
				ty = p
			}
		}
		t.Columns = append(t.Columns, schema.Column{Name: name, Type: ty})
	}
	return t, nil
}

func cell(row []any, i int) any {
	if i < 0 || i >= len(row) {
		return nil
	}
	return row[i]
}

// SchemaFor returns a Schema holding the tables of this workspace among tables
// (read with TableSchema, a few at a time). Tables the workspace does not have are
// left out, so a validator reports them as unknown; any other failure is returned.
func (c *Client) SchemaFor(ctx context.Context, tables []string) (*schema.Schema, error) {
	out := schema.New()
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		errs []error
	)
	sem := make(chan struct{}, c.parallel)
	seen := map[string]bool{}
	for _, name := range tables {
		if name == "" || seen[name] {
			continue
		}
		seen[name] = true
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				mu.Lock()
				errs = append(errs, ctx.Err())
				mu.Unlock()
				return
			}
			defer func() { <-sem }()
			t, err := c.TableSchema(ctx, name)
			mu.Lock()
			defer mu.Unlock()
			var qe *QueryError
			switch {
			case errors.As(err, &qe) && qe.IsUnknownName():
			case err != nil:
				errs = append(errs, err)
			default:
				out.AddTable(t)
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// Verify runs query as `<query> | take 0` with a short deadline, so the service
// parses and binds it against the workspace without returning rows. It returns nil
// when the query runs, a *QueryError carrying the service's own message (with line
// and position for a syntax error) when it does not, a *QueryError with Partial set
// when the service ran it but warned, and other errors for transport or auth failures.
func (c *Client) Verify(ctx context.Context, query string, timeout time.Duration) error {
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	query = strings.TrimRight(query, " \t\r\n;")
	// On its own line so that a // comment ending the query does not swallow it.
	res, err := c.query(ctx, query+"\n| take 0", time.Minute, timeout)
	if err != nil {
		var qe *QueryError
		if errors.As(err, &qe) {
			// An error found only at the appended line (an unclosed bracket reported
			// at the end of input) belongs at the end of the query as written.
			lines := strings.Split(query, "\n")
			if qe.Line > len(lines) {
				qe.Line = len(lines)
				qe.Pos = len([]rune(strings.TrimRight(lines[len(lines)-1], "\r")))
			}
		}
		return err
	}
	if res.Partial != nil {
		return res.Partial
	}
	return nil
}

// wrap turns an SDK or transport error into a *QueryError (the service rejected the
// query) or a *socpilot.Error with one clear sentence.
func (c *Client) wrap(err error) error {
	var re *azcore.ResponseError
	switch {
	case errors.As(err, &re):
		return c.responseError(re)
	case errors.Is(err, context.DeadlineExceeded):
		return &socpilot.Error{Code: socpilot.EUnavailable, Err: err, Message: "Log Analytics did not answer in time"}
	case errors.Is(err, context.Canceled):
		return &socpilot.Error{Code: socpilot.EUnavailable, Err: err, Message: "query cancelled"}
	}
	return &socpilot.Error{Code: socpilot.EUnavailable, Err: err,
		Message: fmt.Sprintf("cannot reach the Log Analytics query API for workspace %s", c.ws)}
}
