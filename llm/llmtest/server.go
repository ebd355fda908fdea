// Package llmtest is an OpenAI-compatible chat server for tests: it replays
// a script of answers, errors, 429s, content-filter refusals, garbage and
// hangs, speaking the wire format of OpenAI and Azure OpenAI (including SSE
// streaming with Azure's choice-less first chunk), and records every request
// so tests can assert what was sent to the model.
//
// Any request the script does not cover fails the test, and so does a
// scripted step that is never requested.
//
//	srv := llmtest.New(t)
//	srv.Status(429, llmtest.Headers{"retry-after-ms": "10"}).Reply("hello")
//	client, _ := llm.New(srv.Config(llm.ProviderAzure))
package llmtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/socpilot/socpilot/llm"
)

// Headers are response headers of a scripted step.
type Headers map[string]string

// Response is what the server answers to one chat request. The zero value
// (with Content set) is a normal answer; it is rendered as a chat
// completion, or streamed as SSE chunks when the request asked to stream.
type Response struct {
	// Status is the HTTP status; 0 means 200.
	Status int
	Header Headers
	// Content is the answer. When streamed it is cut into word-sized chunks
	// unless Chunks is set.
	Content string
	// Chunks, when set, are the streamed pieces; Content is then their
	// concatenation for a non-streaming request.
	Chunks []string
	// FinishReason defaults to "stop".
	FinishReason string
	// Refusal is the model's refusal message (structured outputs).
	Refusal string
	// ErrorCode and ErrorMessage make the error body of a status >= 400.
	ErrorCode, ErrorMessage string
	// Body, when set, is sent as it is with Status, instead of anything
	// rendered (garbage, HTML error pages).
	Body string
	// Hang makes the server never answer: it waits until the client gives up.
	Hang bool
	// CutStream makes a streamed answer stop after its chunks without a
	// finish reason or [DONE]: the connection is dropped mid-answer.
	CutStream bool
	// HoldLast, when set, makes a streamed answer wait before its last
	// chunk until the channel is closed (or the client gives up): a test
	// can look at what arrived before the end was sent.
	HoldLast <-chan struct{}
	// OnChunk, when set, is called as each streamed chunk is flushed.
	OnChunk func(i int, at time.Time)
}

type step struct {
	resp Response
	fn   func(Request) Response
}

// Request is one request the server received, decoded.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	// API is "azure" (/openai/deployments/{d}/...), "azure-v1"
	// (/openai/v1/...) or "openai" (/v1/... and bare /chat/completions).
	API string
	// Deployment is the Azure deployment of a dated-API request.
	Deployment string
	// APIVersion is the api-version query parameter.
	APIVersion string
	Body       Body
	RawBody    []byte
}

// Body is a chat completion request body.
type Body struct {
	Model               string          `json:"model"`
	Messages            []Message       `json:"messages"`
	Stream              bool            `json:"stream"`
	StreamOptions       *StreamOptions  `json:"stream_options"`
	ResponseFormat      *ResponseFormat `json:"response_format"`
	MaxTokens           int             `json:"max_tokens"`
	MaxCompletionTokens int             `json:"max_completion_tokens"`
}

// StreamOptions is the stream_options of a request.
type StreamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

// ResponseFormat is the response_format of a request.
type ResponseFormat struct {
	Type       string      `json:"type"`
	JSONSchema *JSONSchema `json:"json_schema"`
}

// JSONSchema is the json_schema of a structured-output request.
type JSONSchema struct {
	Name   string          `json:"name"`
	Strict bool            `json:"strict"`
	Schema json.RawMessage `json:"schema"`
}

// Message is one chat message; content given as text parts is joined.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// UnmarshalJSON accepts content as a string or as an array of text parts.
func (m *Message) UnmarshalJSON(b []byte) error {
	var raw struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	m.Role = raw.Role
	m.Content = ""
	if len(raw.Content) == 0 || string(raw.Content) == "null" {
		return nil
	}
	if err := json.Unmarshal(raw.Content, &m.Content); err == nil {
		return nil
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(raw.Content, &parts); err != nil {
		return fmt.Errorf("message content: %w", err)
	}
	var sb strings.Builder
	for _, p := range parts {
		sb.WriteString(p.Text)
	}
	m.Content = sb.String()
	return nil
}

// Text is every message's content, one per line: what a test searches for
// values that must not reach the model.
func (r Request) Text() string {
	var sb strings.Builder
	for _, m := range r.Body.Messages {
		sb.WriteString(m.Content)
		sb.WriteByte('\n')
	}
	return sb.String()
}

// Option configures a Server.
type Option func(*Server)

// WithAPIKey makes the server require key: as the api-key header or a bearer
// token on Azure paths, as a bearer token elsewhere. Others get 401.
func WithAPIKey(key string) Option { return func(s *Server) { s.apiKey = key } }

// WithModels lists the models (Azure: deployments) that exist: /models
// lists them and a chat request for another answers 404 as the service
// does. Without it every model exists and /models lists "gpt-4o".
func WithModels(names ...string) Option { return func(s *Server) { s.models = names } }

// WithoutUsage makes answers carry no usage, as some compatible servers do.
func WithoutUsage() Option { return func(s *Server) { s.noUsage = true } }

// Server is the scripted OpenAI-compatible server.
type Server struct {
	t       testing.TB
	srv     *httptest.Server
	apiKey  string
	models  []string
	noUsage bool
	done    chan struct{}

	mu       sync.Mutex
	steps    []step
	next     int
	requests []Request
	waits    []time.Duration
}

// New starts a server closed at the end of the test.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{t: t, done: make(chan struct{})}
	for _, o := range opts {
		o(s)
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(func() {
		close(s.done)
		s.srv.Close()
		s.mu.Lock()
		defer s.mu.Unlock()
		if left := len(s.steps) - s.next; left > 0 {
			t.Errorf("llmtest: %d scripted step(s) never requested (of %d)", left, len(s.steps))
		}
	})
	return s
}

// URL is the server's root URL, e.g. http://127.0.0.1:PORT.
func (s *Server) URL() string { return s.srv.URL }

// AzureV1 is the provider mode of Config for Azure OpenAI's GA v1 API.
const AzureV1 = "azure-v1"

// Config returns an llm.Config pointing at this server for provider:
// llm.ProviderAzure (dated deployments API), AzureV1 (the GA v1 API),
// llm.ProviderOpenAI or llm.ProviderCompatible. It uses the server's key
// (or a dummy one), its first model, and the server's Sleep so retries do
// not sleep.
func (s *Server) Config(provider string) llm.Config {
	key := s.apiKey
	if key == "" {
		key = "llmtest-key"
	}
	model := "gpt-4o"
	if len(s.models) > 0 {
		model = s.models[0]
	}
	cfg := llm.Config{Provider: provider, APIKey: key, Model: model, Sleep: s.Sleep}
	switch provider {
	case llm.ProviderAzure:
		cfg.Endpoint = s.URL()
	case AzureV1:
		cfg.Provider = llm.ProviderAzure
		cfg.Endpoint = s.URL()
		cfg.APIVersion = llm.AzureV1
	default:
		cfg.Endpoint = s.URL() + "/v1"
	}
	return cfg
}

// Reply answers with content.
func (s *Server) Reply(content string) *Server { return s.add(step{resp: Response{Content: content}}) }

// ReplyJSON answers with v encoded as JSON, as a structured output.
func (s *Server) ReplyJSON(v any) *Server {
	b, err := json.Marshal(v)
	if err != nil {
		s.t.Fatalf("llmtest: ReplyJSON: %v", err)
	}
	return s.Reply(string(b))
}

// Stream answers with exactly these streamed pieces.
func (s *Server) Stream(chunks ...string) *Server {
	return s.add(step{resp: Response{Chunks: chunks}})
}

// StreamCut streams chunks, then drops the connection mid-answer.
func (s *Server) StreamCut(chunks ...string) *Server {
	return s.add(step{resp: Response{Chunks: chunks, Content: strings.Join(chunks, ""), CutStream: true}})
}

// Status answers with an error status, the body the service sends for it,
// and headers (e.g. retry-after-ms).
func (s *Server) Status(code int, h Headers) *Server {
	return s.add(step{resp: Response{Status: code, Header: h}})
}

// ContentFilterPrompt answers as Azure does when the prompt is filtered:
// 400 with code content_filter.
func (s *Server) ContentFilterPrompt() *Server {
	return s.add(step{resp: Response{
		Status:       http.StatusBadRequest,
		ErrorCode:    "content_filter",
		ErrorMessage: "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry.",
	}})
}

// ContentFilterCompletion answers as Azure does when the completion is
// filtered: 200 with finish_reason content_filter and no content.
func (s *Server) ContentFilterCompletion() *Server {
	return s.add(step{resp: Response{FinishReason: "content_filter"}})
}

// Garbage answers with a well-formed completion whose content is not JSON,
// as a model that ignores the schema would.
func (s *Server) Garbage() *Server {
	return s.Reply("Sure! Here is the analysis you asked for: {\"summary\": \"the incident")
}

// GarbageBody answers 200 with a body that is not a chat completion.
func (s *Server) GarbageBody() *Server {
	return s.add(step{resp: Response{Body: "<html><body>502 Bad Gateway</body></html>", Header: Headers{"content-type": "text/html"}}})
}

// Hang never answers; the request ends when the client gives up.
func (s *Server) Hang() *Server { return s.add(step{resp: Response{Hang: true}}) }

// Func answers with whatever f returns for the request.
func (s *Server) Func(f func(Request) Response) *Server { return s.add(step{fn: f}) }

func (s *Server) add(st step) *Server {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.steps = append(s.steps, st)
	return s
}

// Requests returns every request received so far, in order, including
// those answered 401 or 404.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// LastRequest returns the most recent request; it fails the test if none.
func (s *Server) LastRequest() Request {
	s.t.Helper()
	reqs := s.Requests()
	if len(reqs) == 0 {
		s.t.Fatalf("llmtest: no request received")
	}
	return reqs[len(reqs)-1]
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	req := Request{
		Method:     r.Method,
		Path:       r.URL.Path,
		Query:      r.URL.Query(),
		Header:     r.Header.Clone(),
		APIVersion: r.URL.Query().Get("api-version"),
		RawBody:    body,
	}
	path := r.URL.Path
	var op string
	switch {
	case strings.HasPrefix(path, "/openai/deployments/"):
		req.API = "azure"
		rest := strings.TrimPrefix(path, "/openai/deployments/")
		req.Deployment, op, _ = strings.Cut(rest, "/")
		op = "/" + op
	case strings.HasPrefix(path, "/openai/v1/"):
		req.API = "azure-v1"
		op = strings.TrimPrefix(path, "/openai/v1")
	case strings.HasPrefix(path, "/openai/"):
		req.API = "azure"
		op = strings.TrimPrefix(path, "/openai")
	case strings.HasPrefix(path, "/v1/"):
		req.API = "openai"
		op = strings.TrimPrefix(path, "/v1")
	default:
		req.API = "openai"
		op = path
	}
	azureFlavour := strings.HasPrefix(req.API, "azure")

	if len(body) > 0 {
		if err := json.Unmarshal(body, &req.Body); err != nil {
			s.t.Errorf("llmtest: %s %s: body is not JSON: %v", r.Method, path, err)
		}
	}
	s.mu.Lock()
	s.requests = append(s.requests, req)
	s.mu.Unlock()

	if !s.authorized(r, azureFlavour) {
		if azureFlavour {
			writeError(w, http.StatusUnauthorized, "401", "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.", "")
		} else {
			writeError(w, http.StatusUnauthorized, "invalid_api_key", "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.", "invalid_request_error")
		}
		return
	}
	if req.API == "azure" && req.APIVersion == "" {
		writeError(w, http.StatusNotFound, "404", "Resource not found", "")
		return
	}

	switch {
	case op == "/models" && r.Method == http.MethodGet:
		s.listModels(w)
		return
	case op == "/chat/completions" && r.Method == http.MethodPost:
	default:
		s.t.Errorf("llmtest: unexpected request %s %s", r.Method, r.URL)
		writeError(w, http.StatusNotFound, "404", "llmtest: no such route", "")
		return
	}

	model := req.Body.Model
	if req.API == "azure" {
		model = req.Deployment
	}
	if len(s.models) > 0 && !slices.Contains(s.models, model) {
		if azureFlavour {
			writeError(w, http.StatusNotFound, "DeploymentNotFound", "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.", "")
		} else {
			writeError(w, http.StatusNotFound, "model_not_found", fmt.Sprintf("The model `%s` does not exist or you do not have access to it.", model), "invalid_request_error")
		}
		return
	}

	s.mu.Lock()
	if s.next >= len(s.steps) {
		n := len(s.steps)
		s.mu.Unlock()
		s.t.Errorf("llmtest: unscripted chat request %d (script has %d step(s)): %s %s", len(s.Requests()), n, r.Method, r.URL)
		// 400 so the client does not retry into more unscripted requests.
		writeError(w, http.StatusBadRequest, "llmtest_unscripted", "llmtest: no scripted answer left", "invalid_request_error")
		return
	}
	st := s.steps[s.next]
	s.next++
	s.mu.Unlock()

	resp := st.resp
	if st.fn != nil {
		resp = st.fn(req)
	}
	s.answer(w, r, req, resp, model, azureFlavour)
}

func (s *Server) authorized(r *http.Request, azureFlavour bool) bool {
	if s.apiKey == "" {
		return true
	}
	if r.Header.Get("Authorization") == "Bearer "+s.apiKey {
		return true
	}
	return azureFlavour && r.Header.Get("api-key") == s.apiKey
}

func (s *Server) listModels(w http.ResponseWriter) {
	names := s.models
	if len(names) == 0 {
		names = []string{"gpt-4o"}
	}
	type model struct {
		ID      string `json:"id"`
		Object  string `json:"object"`
		Created int64  `json:"created"`
		OwnedBy string `json:"owned_by"`
	}
	list := struct {
		Object string  `json:"object"`
		Data   []model `json:"data"`
	}{Object: "list"}
	for _, n := range names {
		list.Data = append(list.Data, model{ID: n, Object: "model", Created: created, OwnedBy: "llmtest"})
	}
	writeJSON(w, http.StatusOK, list)
}

// created is the fixed creation time of every answer, so recordings are stable.
const created = 1767225600

func (s *Server) answer(w http.ResponseWriter, r *http.Request, req Request, resp Response, model string, azureFlavour bool) {
	for k, v := range resp.Header {
		w.Header().Set(k, v)
	}
	if resp.Hang {
		select {
		case <-r.Context().Done():
		case <-s.done:
		}
		return
	}
	status := resp.Status
	if status == 0 {
		status = http.StatusOK
	}
	if resp.Body != "" {
		if w.Header().Get("content-type") == "" {
			w.Header().Set("content-type", "application/json")
		}
		w.WriteHeader(status)
		io.WriteString(w, resp.Body)
		return
	}
	if status >= 400 {
		code, msg, typ := errorFor(status, azureFlavour)
		if resp.ErrorCode != "" {
			code = resp.ErrorCode
		}
		if resp.ErrorMessage != "" {
			msg = resp.ErrorMessage
		}
		writeError(w, status, code, msg, typ)
		return
	}
	if len(resp.Chunks) > 0 && resp.Content == "" {
		resp.Content = strings.Join(resp.Chunks, "")
	}
	if resp.FinishReason == "" {
		resp.FinishReason = "stop"
	}
	if req.Body.Stream {
		s.stream(r.Context(), w, req, resp, model, azureFlavour)
		return
	}
	choice := map[string]any{
		"index":         0,
		"message":       map[string]any{"role": "assistant", "content": nullable(resp.Content), "refusal": nullable(resp.Refusal)},
		"logprobs":      nil,
		"finish_reason": resp.FinishReason,
	}
	out := envelope("chat.completion", model, choice)
	if azureFlavour {
		choice["content_filter_results"] = filterResults(resp.FinishReason == "content_filter")
		out["prompt_filter_results"] = promptFilterResults()
	}
	if !s.noUsage {
		out["usage"] = usage(req, resp.Content)
	}
	writeJSON(w, http.StatusOK, out)
}

// stream writes the answer as Server-Sent Events the way OpenAI and Azure
// OpenAI do: a role chunk, content chunks, a finish chunk, the usage chunk
// when stream_options.include_usage asked for it, then [DONE]. Azure sends a
// first chunk with no choices, only prompt_filter_results.
func (s *Server) stream(ctx context.Context, w http.ResponseWriter, req Request, resp Response, model string, azureFlavour bool) {
	w.Header().Set("content-type", "text/event-stream; charset=utf-8")
	w.Header().Set("cache-control", "no-cache")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	includeUsage := req.Body.StreamOptions != nil && req.Body.StreamOptions.IncludeUsage && !s.noUsage
	send := func(v any) {
		b, _ := json.Marshal(v)
		fmt.Fprintf(w, "data: %s\n\n", b)
		if flusher != nil {
			flusher.Flush()
		}
	}
	chunk := func(delta map[string]any, finish any) map[string]any {
		choice := map[string]any{"index": 0, "delta": delta, "logprobs": nil, "finish_reason": finish}
		if azureFlavour {
			choice["content_filter_results"] = map[string]any{}
			if finish == "content_filter" {
				choice["content_filter_results"] = filterResults(true)
			}
		}
		c := envelope("chat.completion.chunk", model, choice)
		if includeUsage {
			c["usage"] = nil
		}
		return c
	}
	if azureFlavour {
		send(map[string]any{
			"choices": []any{}, "created": 0, "id": "", "model": "", "object": "",
			"prompt_filter_results": promptFilterResults(),
		})
	}
	send(chunk(map[string]any{"role": "assistant", "content": "", "refusal": nil}, nil))
	pieces := resp.Chunks
	if len(pieces) == 0 {
		pieces = splitWords(resp.Content)
	}
	for i, p := range pieces {
		if i == len(pieces)-1 && resp.HoldLast != nil {
			select {
			case <-resp.HoldLast:
			case <-ctx.Done():
				return
			}
		}
		send(chunk(map[string]any{"content": p}, nil))
		if resp.OnChunk != nil {
			resp.OnChunk(i, time.Now())
		}
	}
	if resp.CutStream {
		panic(http.ErrAbortHandler) // drop the connection, as a failing proxy does
	}
	if resp.Refusal != "" {
		send(chunk(map[string]any{"refusal": resp.Refusal}, nil))
	}
	send(chunk(map[string]any{}, resp.FinishReason))
	if includeUsage {
		c := envelope("chat.completion.chunk", model)
		c["usage"] = usage(req, resp.Content)
		send(c)
	}
	io.WriteString(w, "data: [DONE]\n\n")
	if flusher != nil {
		flusher.Flush()
	}
}

// envelope is a chat completion or chunk of object type around choices.
func envelope(object, model string, choices ...any) map[string]any {
	if choices == nil {
		choices = []any{} // the usage chunk: "choices": [], not null
	}
	return map[string]any{
		"id":                 "chatcmpl-llmtest",
		"object":             object,
		"created":            created,
		"model":              model,
		"system_fingerprint": "fp_llmtest",
		"choices":            choices,
	}
}

// splitWords cuts s after each space, so the pieces rejoin to s exactly.
func splitWords(s string) []string {
	var out []string
	for s != "" {
		i := strings.IndexByte(s, ' ')
		if i < 0 {
			out = append(out, s)
			break
		}
		out = append(out, s[:i+1])
		s = s[i+1:]
	}
	return out
}

// usage estimates tokens at four characters each, plus a few per message as
// the real tokenisers count role markers: deterministic, so tests can
// assert on costs.
func usage(req Request, content string) map[string]int {
	prompt := 0
	for _, m := range req.Body.Messages {
		prompt += 4 + (len(m.Content)+3)/4
	}
	completion := CompletionTokens(content)
	return map[string]int{"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
}

// PromptTokens and CompletionTokens are what the server reports as usage
// for these messages and this answer, so tests can compute expected costs.
func PromptTokens(messages ...Message) int {
	return usage(Request{Body: Body{Messages: messages}}, "")["prompt_tokens"]
}

// CompletionTokens: see PromptTokens.
func CompletionTokens(content string) int { return (len(content) + 3) / 4 }

func filterResults(filtered bool) map[string]any {
	safe := map[string]any{"filtered": false, "severity": "safe"}
	res := map[string]any{"hate": safe, "self_harm": safe, "sexual": safe, "violence": safe}
	if filtered {
		res["violence"] = map[string]any{"filtered": true, "severity": "high"}
	}
	return res
}

func promptFilterResults() []any {
	return []any{map[string]any{"prompt_index": 0, "content_filter_results": filterResults(false)}}
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// errorFor is the error body each service sends for a status.
func errorFor(status int, azureFlavour bool) (code, msg, typ string) {
	switch {
	case status == http.StatusTooManyRequests && azureFlavour:
		return "429", "Requests to the ChatCompletions_Create Operation under Azure OpenAI API have exceeded token rate limit of your current AIServices S0 pricing tier. Please retry after the time in the retry-after header.", ""
	case status == http.StatusTooManyRequests:
		return "rate_limit_exceeded", "Rate limit reached for requests. Please try again later.", "requests"
	case status == http.StatusUnauthorized && azureFlavour:
		return "401", "Access denied due to invalid subscription key or wrong API endpoint.", ""
	case status == http.StatusUnauthorized:
		return "invalid_api_key", "Incorrect API key provided.", "invalid_request_error"
	case status == http.StatusNotFound && azureFlavour:
		return "DeploymentNotFound", "The API deployment for this resource does not exist.", ""
	case status == http.StatusNotFound:
		return "model_not_found", "The model does not exist or you do not have access to it.", "invalid_request_error"
	case status >= 500:
		return "server_error", "The server had an error while processing your request. Sorry about that!", "server_error"
	}
	return "invalid_request_error", http.StatusText(status), "invalid_request_error"
}

func writeError(w http.ResponseWriter, status int, code, msg, typ string) {
	e := map[string]any{"message": msg, "code": code, "param": nil, "type": nullable(typ)}
	writeJSON(w, status, map[string]any{"error": e})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	if w.Header().Get("content-type") == "" {
		w.Header().Set("content-type", "application/json")
	}
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
