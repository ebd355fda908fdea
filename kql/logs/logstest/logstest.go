// Package logstest is an in-process emulator of the Log Analytics query API
// (POST /v1/workspaces/{workspaceId}/query) for tests: it speaks the real request
// and response JSON, requires a bearer token, answers `T | getschema` from a
// *schema.Schema, answers other queries over known tables with their columns and no
// rows (what `… | take 0` needs), and rejects unknown tables and malformed queries
// with the service's 400 SemanticError / SyntaxError bodies. It also serves the
// workspace metadata (GET or POST /v1/workspaces/{workspaceId}/metadata): the
// schema's tables and its functions as saved workspace functions, in the shape of
// the "Metadata - Get" reference (tables[].columns, functions[].name/parameters/body).
//
// It is not a KQL engine: it checks brackets, quotes and empty pipe stages, and the
// tables a query reads from; it does not bind columns or evaluate anything.
package logstest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/socpilot/socpilot/kql/schema"
)

// Server is the emulator. Its zero value serves an empty schema to any workspace
// and any bearer token.
type Server struct {
	Schema      *schema.Schema
	WorkspaceID string // when set, other workspace IDs answer 404 WorkspaceNotFoundError
	Token       string // when set, the bearer token must equal it (403 InvalidTokenError otherwise)
	// Hook sees every authenticated query first; when it returns handled, its
	// status and body (marshalled to JSON) are the answer. Use it for partial
	// results, throttling or server errors.
	Hook func(query string) (status int, body any, handled bool)

	// T, when set, fails the test on any request the emulator does not implement.
	T testing.TB

	// URL is the base URL of a server started by New (the endpoint for logs.Options).
	URL string

	// Bodies are the KQL bodies the metadata answer gives functions, by name.
	Bodies map[string]string

	mu       sync.Mutex
	requests []Request
	metadata int
}

// MetadataRequests returns how many metadata requests the emulator answered.
func (s *Server) MetadataRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.metadata
}

// Request is one query the emulator received.
type Request struct {
	Workspace string
	Query     string
	Timespan  string
	Prefer    string
}

// New starts an emulator for s on a loopback port, closed when the test ends.
func New(t testing.TB, s *schema.Schema) *Server {
	srv := &Server{Schema: s, T: t}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	srv.URL = hs.URL
	return srv
}

// Requests returns the queries received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

var pathRe = regexp.MustCompile(`^/v1/workspaces/([^/]+)/(query|metadata)$`)

// ServeHTTP implements the query API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m := pathRe.FindStringSubmatch(r.URL.Path)
	metadata := m != nil && m[2] == "metadata"
	if m == nil || (r.Method != http.MethodPost && !(metadata && r.Method == http.MethodGet)) {
		if s.T != nil {
			s.T.Errorf("logstest: unexpected request %s %s", r.Method, r.URL.Path)
		}
		writeJSON(w, http.StatusNotFound, errBody("PathNotFoundError", "The requested path does not exist", nil))
		return
	}
	auth := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || token == "" {
		writeJSON(w, http.StatusUnauthorized, errBody("AuthorizationRequiredError", "Valid authentication was not provided", nil))
		return
	}
	if s.Token != "" && token != s.Token {
		writeJSON(w, http.StatusForbidden, errBody("InvalidTokenError", "The provided authentication is not valid for this resource", nil))
		return
	}
	if s.WorkspaceID != "" && !strings.EqualFold(m[1], s.WorkspaceID) {
		writeJSON(w, http.StatusNotFound, errBody("WorkspaceNotFoundError", "Workspace could not be found", nil))
		return
	}
	if metadata {
		s.mu.Lock()
		s.metadata++
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, s.metadataResult(m[1]))
		return
	}
	var body struct {
		Query    *string `json:"query"`
		Timespan string  `json:"timespan"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Query == nil || strings.TrimSpace(*body.Query) == "" {
		writeJSON(w, http.StatusBadRequest, errBody("BadArgumentError", "The request had some invalid properties",
			inner("QueryValidationError", "Query is required and must be a string", nil)))
		return
	}
	q := *body.Query
	s.mu.Lock()
	s.requests = append(s.requests, Request{Workspace: m[1], Query: q, Timespan: body.Timespan, Prefer: r.Header.Get("Prefer")})
	s.mu.Unlock()
	if s.Hook != nil {
		if status, b, handled := s.Hook(q); handled {
			writeJSON(w, status, b)
			return
		}
	}
	status, answer := s.answer(q)
	writeJSON(w, status, answer)
}

func (s *Server) schema() *schema.Schema {
	if s.Schema == nil {
		return schema.New()
	}
	return s.Schema
}

var getschemaRe = regexp.MustCompile(`^\s*(?:([A-Za-z_][A-Za-z0-9_]*)|\[\s*'((?:[^'\\]|\\.)*)'\s*\]|\[\s*"((?:[^"\\]|\\.)*)"\s*\])\s*\|\s*getschema\s*$`)

// answer evaluates q as far as the emulator can.
func (s *Server) answer(q string) (int, any) {
	if se := syntaxCheck(q); se != nil {
		return http.StatusBadRequest, se
	}
	sch := s.schema()
	if m := getschemaRe.FindStringSubmatch(q); m != nil {
		name := m[1] + unescape(m[2]) + unescape(m[3])
		t, ok := sch.Table(name)
		if !ok {
			return http.StatusBadRequest, semanticError("getschema", name)
		}
		return http.StatusOK, getschemaResult(t)
	}
	names, ops := sourceNames(q)
	lets := letNames(q)
	var first *schema.Table
	for i, n := range names {
		if lets[n] {
			continue
		}
		if t, ok := sch.Table(n); ok {
			if first == nil {
				first = t
			}
			continue
		}
		if _, ok := sch.Function(n); ok {
			continue
		}
		return http.StatusBadRequest, semanticError(ops[i], n)
	}
	var cols []column
	if first != nil {
		for _, c := range first.Columns {
			cols = append(cols, column{Name: c.Name, Type: string(c.Type)})
		}
	}
	return http.StatusOK, results{Tables: []table{{Name: "PrimaryResult", Columns: cols, Rows: [][]any{}}}}
}

// The metadata answer's shapes ("Metadata - Get" of the query API reference).
type metadataResults struct {
	Tables     []metadataTable     `json:"tables"`
	Functions  []metadataFunction  `json:"functions"`
	Workspaces []metadataWorkspace `json:"workspaces"`
}

type metadataTable struct {
	ID             string   `json:"id"`
	Name           string   `json:"name"`
	TimespanColumn string   `json:"timespanColumn,omitempty"`
	Columns        []column `json:"columns"`
}

type metadataFunction struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Parameters  string `json:"parameters,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
	Body        string `json:"body"`
}

type metadataWorkspace struct {
	ID      string         `json:"id"`
	Name    string         `json:"name"`
	Related map[string]any `json:"related"`
}

// metadataResult is the workspace's metadata: its tables and its functions, whose
// parameters are written as Log Analytics writes them ("T:(*), since:timespan=1d").
func (s *Server) metadataResult(ws string) metadataResults {
	sch := s.schema()
	out := metadataResults{Tables: []metadataTable{}, Functions: []metadataFunction{}}
	var tables, funcs []string
	for _, t := range sch.Tables() {
		mt := metadataTable{ID: t.Name, Name: t.Name, Columns: []column{}}
		for _, c := range t.Columns {
			mt.Columns = append(mt.Columns, column{Name: c.Name, Type: string(c.Type)})
			if c.Name == "TimeGenerated" {
				mt.TimespanColumn = "TimeGenerated"
			}
		}
		out.Tables = append(out.Tables, mt)
		tables = append(tables, t.Name)
	}
	for _, f := range sch.Functions() {
		var params []string
		for _, p := range f.Params {
			text := p.Name + ":" + string(p.Type)
			if p.Type == schema.TabularType {
				text = p.Name + ":(*)"
			}
			if p.Default != "" {
				text += "=" + p.Default
			}
			params = append(params, text)
		}
		out.Functions = append(out.Functions, metadataFunction{ID: f.Name, Name: f.Name, DisplayName: f.Name,
			Parameters: strings.Join(params, ", "), Body: s.Bodies[f.Name]})
		funcs = append(funcs, f.Name)
	}
	out.Workspaces = []metadataWorkspace{{ID: ws, Name: "emulated", Related: map[string]any{"tables": tables, "functions": funcs}}}
	return out
}

func unescape(s string) string {
	return strings.NewReplacer(`\'`, `'`, `\"`, `"`, `\\`, `\`).Replace(s)
}

// The response shapes of the query API.
type results struct {
	Tables []table `json:"tables"`
}

type table struct {
	Name    string   `json:"name"`
	Columns []column `json:"columns"`
	Rows    [][]any  `json:"rows"`
}

type column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// dotnetTypes is getschema's DataType column: the .NET name of each KQL type.
var dotnetTypes = map[schema.Type]string{
	schema.String: "System.String", schema.Int: "System.Int32", schema.Long: "System.Int64",
	schema.Real: "System.Double", schema.Bool: "System.SByte", schema.Datetime: "System.DateTime",
	schema.Timespan: "System.TimeSpan", schema.Dynamic: "System.Object", schema.GUID: "System.Guid",
	schema.Decimal: "System.Data.SqlTypes.SqlDecimal",
}

func getschemaResult(t *schema.Table) results {
	rows := make([][]any, 0, len(t.Columns))
	for i, c := range t.Columns {
		rows = append(rows, []any{c.Name, i, dotnetTypes[c.Type], string(c.Type)})
	}
	return results{Tables: []table{{
		Name: "PrimaryResult",
		Columns: []column{
			{"ColumnName", "string"}, {"ColumnOrdinal", "int"}, {"DataType", "string"}, {"ColumnType", "string"},
		},
		Rows: rows,
	}}}
}

// ErrorBody builds a query API error body, {"error":{code, message, correlationId, innererror}}.
func ErrorBody(code, message string, innerError map[string]any) map[string]any {
	return errBody(code, message, innerError)
}

func errBody(code, message string, innerError map[string]any) map[string]any {
	e := map[string]any{"message": message, "code": code, "correlationId": "00000000-0000-0000-0000-000000000000"}
	if innerError != nil {
		e["innererror"] = innerError
	}
	return map[string]any{"error": e}
}

func inner(code, message string, next map[string]any) map[string]any {
	m := map[string]any{"code": code, "message": message}
	if next != nil {
		m["innererror"] = next
	}
	return m
}

// semanticError is the 400 answer for a name the workspace does not have.
func semanticError(op, name string) map[string]any {
	return errBody("BadArgumentError", "The request had some invalid properties",
		inner("SemanticError", "A semantic error occurred.",
			inner("SEM0100", fmt.Sprintf("'%s' operator: Failed to resolve table or column expression named '%s'", op, name), nil)))
}

// SyntaxErrorBody is the 400 answer for a query that does not parse at line (1-based)
// and pos (0-based).
func SyntaxErrorBody(token string, line, pos int) map[string]any {
	return errBody("BadArgumentError", "The request had some invalid properties",
		inner("SyntaxError", "A recognition error occurred in the query.",
			map[string]any{
				"code":    "SYN0002",
				"message": fmt.Sprintf("Query could not be parsed at '%s' on line [%d,%d]", token, line, pos),
				"line":    line,
				"pos":     pos,
				"token":   token,
			}))
}

// PartialErrorBody is a 200 answer with rows and a PartialError carrying warning
// messages, as the service sends when part of a query failed.
func PartialErrorBody(columns []schema.Column, rows [][]any, warnings ...string) map[string]any {
	var cols []column
	for _, c := range columns {
		cols = append(cols, column{Name: c.Name, Type: string(c.Type)})
	}
	if rows == nil {
		rows = [][]any{}
	}
	var details []map[string]any
	for _, w := range warnings {
		details = append(details, map[string]any{
			"code": "EngineError", "message": "Something went wrong processing your query on the server.",
			"innererror": map[string]any{"code": "-2133196790", "message": w, "severity": 3, "severityName": "Warning"},
		})
	}
	return map[string]any{
		"tables": []table{{Name: "PrimaryResult", Columns: cols, Rows: rows}},
		"error":  map[string]any{"code": "PartialError", "message": "There were some errors when processing your query.", "details": details},
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
