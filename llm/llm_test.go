package llm_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/google/go-cmp/cmp"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/llm"
	"github.com/socpilot/socpilot/llm/llmtest"
)

func newClient(t *testing.T, cfg llm.Config) *llm.Client {
	t.Helper()
	c, err := llm.New(cfg)
	if err != nil {
		t.Fatalf("llm.New(%v): %v", cfg, err)
	}
	return c
}

func newClientB(b *testing.B, srv *llmtest.Server, mode string) *llm.Client {
	c, err := llm.New(srv.Config(mode))
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func ask(q string) socpilot.ChatRequest {
	return socpilot.ChatRequest{Messages: []socpilot.Message{
		{Role: socpilot.RoleSystem, Content: "You are a SOC analyst."},
		{Role: socpilot.RoleUser, Content: q},
	}}
}

// TestProviderModes checks each provider's path, query and auth headers.
func TestProviderModes(t *testing.T) {
	tests := []struct {
		mode       string
		wantPath   string
		wantAPI    string
		wantQuery  string // api-version
		wantHeader string // header carrying the key
		wantModel  string // model field in the body
	}{
		{"azure", "/openai/deployments/gpt-4o-prod/chat/completions", "azure", "2024-10-21", "Api-Key", "gpt-4o-prod"},
		{"azure-v1", "/openai/v1/chat/completions", "azure-v1", "", "Api-Key", "gpt-4o-prod"},
		{"openai", "/v1/chat/completions", "openai", "", "Authorization", "gpt-4o-prod"},
		{"compatible", "/v1/chat/completions", "openai", "", "Authorization", "gpt-4o-prod"},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			srv := llmtest.New(t, llmtest.WithAPIKey("secret-key-123"), llmtest.WithModels("gpt-4o-prod"))
			srv.Reply("All clear.")
			c := newClient(t, srv.Config(tt.mode))
			resp, err := c.Chat(context.Background(), ask("Is incident 101 bad?"), nil)
			if err != nil {
				t.Fatalf("Chat: %v", err)
			}
			if resp.Content != "All clear." || resp.FinishReason != "stop" {
				t.Errorf("Chat = %q (%s), want %q (stop)", resp.Content, resp.FinishReason, "All clear.")
			}
			req := srv.LastRequest()
			if req.Path != tt.wantPath || req.API != tt.wantAPI || req.APIVersion != tt.wantQuery {
				t.Errorf("request %s (api %s, api-version %q), want %s (%s, %q)", req.Path, req.API, req.APIVersion, tt.wantPath, tt.wantAPI, tt.wantQuery)
			}
			want := "secret-key-123"
			if tt.wantHeader == "Authorization" {
				want = "Bearer secret-key-123"
			} else if got := req.Header.Get("Authorization"); got != "" {
				t.Errorf("Azure request carries Authorization %q as well as api-key", got)
			}
			if got := req.Header.Get(tt.wantHeader); got != want {
				t.Errorf("%s header = %q, want %q", tt.wantHeader, got, want)
			}
			if req.Body.Model != tt.wantModel {
				t.Errorf("body model = %q, want %q", req.Body.Model, tt.wantModel)
			}
			wantMsgs := []llmtest.Message{{Role: "system", Content: "You are a SOC analyst."}, {Role: "user", Content: "Is incident 101 bad?"}}
			if diff := cmp.Diff(wantMsgs, req.Body.Messages); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
			if req.Body.Stream || req.Body.ResponseFormat != nil {
				t.Errorf("plain request has stream=%v response_format=%v", req.Body.Stream, req.Body.ResponseFormat)
			}
			if got, want := c.Name(), strings.TrimSuffix(tt.mode, "-v1")+":gpt-4o-prod"; got != want {
				t.Errorf("Name() = %q, want %q", got, want)
			}
		})
	}
}

// TestStreaming checks that streamed chunks reach onDelta in order, rejoin
// to the answer, and that usage comes from the final usage chunk; Azure's
// first chunk has no choices.
func TestStreaming(t *testing.T) {
	for _, mode := range []string{"azure", "azure-v1", "openai", "compatible"} {
		t.Run(mode, func(t *testing.T) {
			srv := llmtest.New(t)
			chunks := []string{"The ", "host ", "WS-0042 ", "looks ", "compromised."}
			srv.Stream(chunks...)
			c := newClient(t, srv.Config(mode))
			var got []string
			resp, err := c.Chat(context.Background(), ask("What happened?"), func(d string) { got = append(got, d) })
			if err != nil {
				t.Fatalf("Chat: %v", err)
			}
			if diff := cmp.Diff(chunks, got); diff != "" {
				t.Errorf("deltas (-want +got):\n%s", diff)
			}
			if want := strings.Join(chunks, ""); resp.Content != want {
				t.Errorf("Content = %q, want %q", resp.Content, want)
			}
			req := srv.LastRequest()
			if !req.Body.Stream || req.Body.StreamOptions == nil || !req.Body.StreamOptions.IncludeUsage {
				t.Errorf("request stream=%v stream_options=%+v, want streaming with include_usage", req.Body.Stream, req.Body.StreamOptions)
			}
			wantUsage := socpilot.Usage{
				Model:            "gpt-4o",
				Calls:            1,
				PromptTokens:     llmtest.PromptTokens(req.Body.Messages...),
				CompletionTokens: llmtest.CompletionTokens(resp.Content),
			}
			resp.Usage.Elapsed = 0
			if diff := cmp.Diff(wantUsage, resp.Usage); diff != "" {
				t.Errorf("usage (-want +got):\n%s", diff)
			}
		})
	}
}

// TestStreamCutShort: a stream that ends without finishing, after part of
// the answer was shown, fails without a retry that would show it twice.
func TestStreamCutShort(t *testing.T) {
	srv := llmtest.New(t)
	srv.Func(func(llmtest.Request) llmtest.Response {
		return llmtest.Response{
			Header: llmtest.Headers{"content-type": "text/event-stream"},
			Body:   `data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}` + "\n\n",
		}
	})
	c := newClient(t, srv.Config("openai"))
	var got []string
	_, err := c.Chat(context.Background(), ask("hi"), func(d string) { got = append(got, d) })
	if llm.KindOf(err) != llm.Unavailable {
		t.Fatalf("err = %v (kind %v), want Unavailable", err, llm.KindOf(err))
	}
	if diff := cmp.Diff([]string{"Hel"}, got); diff != "" {
		t.Errorf("deltas (-want +got):\n%s", diff)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("%d requests, want 1 (no retry after a partial answer)", n)
	}
}

type verdict struct {
	Summary string   `json:"summary"`
	Verdict string   `json:"verdict" jsonschema:"enum=dismiss,enum=remediate,enum=escalate"`
	Hosts   []string `json:"hosts"`
	Score   int      `json:"score,omitempty"`
}

// TestStructuredOutput checks that a schema request carries the strict
// json_schema response_format and that the answer decodes.
func TestStructuredOutput(t *testing.T) {
	schema, err := llm.SchemaFor(verdict{})
	if err != nil {
		t.Fatal(err)
	}
	want := verdict{Summary: "Ransomware on WS-0042.", Verdict: "escalate", Hosts: []string{"WS-0042"}, Score: 90}
	for _, stream := range []bool{false, true} {
		srv := llmtest.New(t)
		srv.ReplyJSON(want)
		c := newClient(t, srv.Config("azure"))
		req := ask("Analyse incident 101.")
		req.Schema, req.SchemaName = schema, "incident analysis"
		var onDelta func(string)
		if stream {
			onDelta = func(string) {}
		}
		resp, err := c.Chat(context.Background(), req, onDelta)
		if err != nil {
			t.Fatalf("Chat(stream=%v): %v", stream, err)
		}
		var got verdict
		if err := json.Unmarshal([]byte(resp.Content), &got); err != nil {
			t.Fatalf("answer does not decode: %v", err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("answer (-want +got):\n%s", diff)
		}
		rf := srv.LastRequest().Body.ResponseFormat
		if rf == nil || rf.Type != "json_schema" || rf.JSONSchema == nil || !rf.JSONSchema.Strict || rf.JSONSchema.Name != "incident_analysis" {
			t.Fatalf("response_format = %+v, want strict json_schema named incident_analysis", rf)
		}
		var gotSchema, wantSchema any
		_ = json.Unmarshal(rf.JSONSchema.Schema, &gotSchema)
		_ = json.Unmarshal(schema, &wantSchema)
		if diff := cmp.Diff(wantSchema, gotSchema); diff != "" {
			t.Errorf("schema sent (-want +got):\n%s", diff)
		}
	}
}

func TestSchemaFor(t *testing.T) {
	got, err := llm.SchemaFor(&verdict{})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"properties":{"summary":{"type":"string"},"verdict":{"type":"string","enum":["dismiss","remediate","escalate"]},` +
		`"hosts":{"items":{"type":"string"},"type":"array"},"score":{"type":"integer"}},` +
		`"additionalProperties":false,"type":"object","required":["summary","verdict","hosts","score"]}`
	if string(got) != want {
		t.Errorf("SchemaFor =\n%s\nwant\n%s", got, want)
	}

	type nested struct {
		Items []struct {
			Name string    `json:"name"`
			When time.Time `json:"when,omitempty"`
		} `json:"items"`
	}
	got, err = llm.SchemaFor(nested{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(got), "$ref") || !strings.Contains(string(got), `"required":["name","when"]`) {
		t.Errorf("nested schema not inlined with all fields required: %s", got)
	}

	// Embedded fields are promoted as encoding/json does, "-" is left out,
	// and an array is a fixed-length array: the keywords invopop/jsonschema
	// (used before) wrote, in its order.
	type base struct {
		ID string `json:"id"`
	}
	type misc struct {
		base
		Pair   [2]float64 `json:"pair"`
		Note   *string    `json:"note" jsonschema:"description=why"`
		Secret string     `json:"-"`
		Plain  bool
	}
	got, err = llm.SchemaFor(misc{})
	if err != nil {
		t.Fatal(err)
	}
	want = `{"properties":{"id":{"type":"string"},"pair":{"items":{"type":"number"},"type":"array","maxItems":2,"minItems":2},` +
		`"note":{"type":"string","description":"why"},"Plain":{"type":"boolean"}},` +
		`"additionalProperties":false,"type":"object","required":["id","pair","note","Plain"]}`
	if string(got) != want {
		t.Errorf("SchemaFor =\n%s\nwant\n%s", got, want)
	}

	type withMap struct {
		Tags map[string]string `json:"tags"`
	}
	type withAny struct {
		Extra any `json:"extra"`
	}
	type node struct {
		Children []node `json:"children"`
	}
	for _, v := range []any{withMap{}, withAny{}, node{}, "not a struct"} {
		if _, err := llm.SchemaFor(v); err == nil {
			t.Errorf("SchemaFor(%T) succeeded, want an error: strict mode cannot express it", v)
		}
	}
}

// TestRetries checks that 429 honours retry-after-ms and retry-after, that
// 5xx backs off, and that the waits go through the injected Sleep.
func TestRetries(t *testing.T) {
	for _, stream := range []bool{false, true} {
		srv := llmtest.New(t)
		srv.Status(429, llmtest.Headers{"retry-after-ms": "10"}).
			Status(429, llmtest.Headers{"retry-after": "2"}).
			Status(503, nil).
			Reply("finally")
		c := newClient(t, srv.Config("azure"))
		var deltas []string
		var onDelta func(string)
		if stream {
			onDelta = func(d string) { deltas = append(deltas, d) }
		}
		resp, err := c.Chat(context.Background(), ask("hi"), onDelta)
		if err != nil {
			t.Fatalf("stream=%v: Chat: %v", stream, err)
		}
		if resp.Content != "finally" || (stream && strings.Join(deltas, "") != "finally") {
			t.Errorf("stream=%v: Content = %q, deltas %q", stream, resp.Content, deltas)
		}
		if n := len(srv.Requests()); n != 4 {
			t.Errorf("stream=%v: %d requests, want 4", stream, n)
		}
		sleeps := srv.Sleeps()
		if len(sleeps) != 3 || sleeps[0] != 10*time.Millisecond || sleeps[1] != 2*time.Second {
			t.Fatalf("stream=%v: sleeps = %v, want [10ms 2s backoff]", stream, sleeps)
		}
		// Third attempt without a hint: exponential backoff with jitter, 1–2s.
		if sleeps[2] < time.Second || sleeps[2] > 2*time.Second {
			t.Errorf("stream=%v: backoff after the third failure = %v, want within [1s, 2s]", stream, sleeps[2])
		}
	}
}

// TestHTTPClient: a configured HTTP client carries the requests.
func TestHTTPClient(t *testing.T) {
	srv := llmtest.New(t)
	srv.Reply("ok")
	rt := &countingTransport{next: http.DefaultTransport}
	cfg := srv.Config("openai")
	cfg.HTTPClient = &http.Client{Transport: rt}
	if _, err := newClient(t, cfg).Chat(context.Background(), ask("hi"), nil); err != nil {
		t.Fatal(err)
	}
	if rt.n != 1 {
		t.Errorf("custom transport saw %d requests, want 1", rt.n)
	}
}

type countingTransport struct {
	next http.RoundTripper
	n    int
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n++
	return c.next.RoundTrip(r)
}

func TestRetriesExhausted(t *testing.T) {
	srv := llmtest.New(t)
	srv.Status(429, llmtest.Headers{"retry-after-ms": "5"}).Status(429, llmtest.Headers{"retry-after-ms": "5"})
	cfg := srv.Config("openai")
	cfg.MaxRetries = 1
	c := newClient(t, cfg)
	_, err := c.Chat(context.Background(), ask("hi"), nil)
	var e *llm.Error
	if !errors.As(err, &e) || e.Kind != llm.RateLimited || e.Attempts != 2 || e.Status != 429 {
		t.Fatalf("err = %#v, want RateLimited after 2 attempts", err)
	}
	if got := socpilot.ErrorCode(err); got != socpilot.EThrottled {
		t.Errorf("ErrorCode = %q, want %q", got, socpilot.EThrottled)
	}
}

// TestRetryAfterBeyondDeadline: when the service asks to wait longer than
// the call has left, the call fails at once and says why.
func TestRetryAfterBeyondDeadline(t *testing.T) {
	srv := llmtest.New(t)
	srv.Status(429, llmtest.Headers{"retry-after": "30"})
	cfg := srv.Config("azure")
	cfg.Timeout = 5 * time.Second
	c := newClient(t, cfg)
	_, err := c.Chat(context.Background(), ask("hi"), nil)
	if llm.KindOf(err) != llm.RateLimited {
		t.Fatalf("err = %v, want RateLimited", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "30s") || !strings.Contains(msg, "left before the call's deadline") {
		t.Errorf("message %q does not say the wait (30s) exceeds what is left", msg)
	}
	if s := srv.Sleeps(); len(s) != 0 {
		t.Errorf("slept %v, want no wait", s)
	}
}

// TestTimeout: a server that never answers yields a Timeout within the
// configured timeout, without retrying.
func TestTimeout(t *testing.T) {
	for _, stream := range []bool{false, true} {
		srv := llmtest.New(t)
		srv.Hang()
		cfg := srv.Config("compatible")
		cfg.Timeout = 50 * time.Millisecond
		c := newClient(t, cfg)
		var onDelta func(string)
		if stream {
			onDelta = func(string) {}
		}
		_, err := c.Chat(context.Background(), ask("hi"), onDelta)
		if llm.KindOf(err) != llm.Timeout {
			t.Fatalf("stream=%v: err = %v (kind %v), want Timeout", stream, err, llm.KindOf(err))
		}
		if !strings.Contains(err.Error(), "50ms") {
			t.Errorf("message %q does not name the timeout", err)
		}
		if socpilot.ErrorCode(err) != socpilot.EUnavailable {
			t.Errorf("ErrorCode = %q, want unavailable", socpilot.ErrorCode(err))
		}
	}
}

func TestCanceled(t *testing.T) {
	srv := llmtest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	// The caller gives up once the request has reached the server.
	srv.Func(func(llmtest.Request) llmtest.Response {
		cancel()
		return llmtest.Response{Hang: true}
	})
	c := newClient(t, srv.Config("openai"))
	_, err := c.Chat(ctx, ask("hi"), nil)
	if llm.KindOf(err) != llm.Canceled {
		t.Fatalf("err = %v, want Canceled", err)
	}
}

func TestContentFilter(t *testing.T) {
	t.Run("prompt", func(t *testing.T) {
		srv := llmtest.New(t)
		srv.ContentFilterPrompt()
		c := newClient(t, srv.Config("azure"))
		_, err := c.Chat(context.Background(), ask("hi"), nil)
		var e *llm.Error
		if !errors.As(err, &e) || e.Kind != llm.ContentFilter || e.Status != 400 || e.Code != "content_filter" {
			t.Fatalf("err = %#v, want ContentFilter 400", err)
		}
		if !strings.Contains(err.Error(), "rejected the prompt") {
			t.Errorf("message %q does not say the prompt was filtered", err)
		}
		if n := len(srv.Requests()); n != 1 {
			t.Errorf("%d requests, want 1: a filtered prompt is not retried", n)
		}
	})
	t.Run("refusal", func(t *testing.T) {
		srv := llmtest.New(t)
		srv.Func(func(llmtest.Request) llmtest.Response { return llmtest.Response{Refusal: "I can't help with that."} })
		c := newClient(t, srv.Config("openai"))
		_, err := c.Chat(context.Background(), ask("hi"), nil)
		if llm.KindOf(err) != llm.ContentFilter || !strings.Contains(err.Error(), "refused to answer: I can't help with that.") {
			t.Fatalf("err = %v, want ContentFilter quoting the refusal", err)
		}
	})
	for _, stream := range []bool{false, true} {
		t.Run("completion", func(t *testing.T) {
			srv := llmtest.New(t)
			srv.ContentFilterCompletion()
			c := newClient(t, srv.Config("azure"))
			var onDelta func(string)
			if stream {
				onDelta = func(string) {}
			}
			resp, err := c.Chat(context.Background(), ask("hi"), onDelta)
			if llm.KindOf(err) != llm.ContentFilter {
				t.Fatalf("stream=%v: err = %v, want ContentFilter", stream, err)
			}
			if !strings.Contains(err.Error(), "withheld the model's answer") || resp.FinishReason != "content_filter" {
				t.Errorf("err %q, finish %q: want the completion reported as filtered", err, resp.FinishReason)
			}
		})
	}
}

func TestGarbage(t *testing.T) {
	schema, err := llm.SchemaFor(verdict{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		script func(*llmtest.Server)
		schema bool
	}{
		{"not JSON for a schema", func(s *llmtest.Server) { s.Garbage() }, true},
		{"empty answer", func(s *llmtest.Server) { s.Reply("") }, false},
		{"body not a completion", func(s *llmtest.Server) { s.GarbageBody() }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := llmtest.New(t)
			tt.script(srv)
			c := newClient(t, srv.Config("openai"))
			req := ask("Analyse.")
			if tt.schema {
				req.Schema, req.SchemaName = schema, "analysis"
			}
			_, err := c.Chat(context.Background(), req, nil)
			if llm.KindOf(err) != llm.Garbage {
				t.Fatalf("err = %v (kind %v), want Garbage", err, llm.KindOf(err))
			}
		})
	}
}

func TestUnauthorized(t *testing.T) {
	for _, mode := range []string{"azure", "openai"} {
		srv := llmtest.New(t, llmtest.WithAPIKey("the-right-key"))
		cfg := srv.Config(mode)
		cfg.APIKey = "sk-wrong-key-0123456789"
		c := newClient(t, cfg)
		_, err := c.Chat(context.Background(), ask("hi"), nil)
		if llm.KindOf(err) != llm.Unauthorized {
			t.Fatalf("%s: err = %v, want Unauthorized", mode, err)
		}
		if got, want := err.Error(), "the LLM API key was rejected: check SOCPILOT_LLM_API_KEY"; got != want {
			t.Errorf("%s: message %q, want %q", mode, got, want)
		}
		if socpilot.ErrorCode(err) != socpilot.EUnauthorized {
			t.Errorf("%s: ErrorCode = %q", mode, socpilot.ErrorCode(err))
		}
		if n := len(srv.Requests()); n != 1 {
			t.Errorf("%s: %d requests, want 1: a rejected key is not retried", mode, n)
		}
	}
}

// TestKeyNeverInErrors: even when a service echoes the key in its error
// message, the error does not carry it.
func TestKeyNeverInErrors(t *testing.T) {
	srv := llmtest.New(t)
	const key = "sk-very-secret-key-42"
	srv.Func(func(llmtest.Request) llmtest.Response {
		return llmtest.Response{Status: 400, ErrorMessage: "bad request with key " + key}
	})
	cfg := srv.Config("compatible")
	cfg.APIKey = key
	c := newClient(t, cfg)
	_, err := c.Chat(context.Background(), ask("hi"), nil)
	if llm.KindOf(err) != llm.BadRequest {
		t.Fatalf("err = %v, want BadRequest", err)
	}
	if strings.Contains(err.Error(), key) {
		t.Errorf("error %q contains the API key", err)
	}
}

func TestNotFound(t *testing.T) {
	srv := llmtest.New(t, llmtest.WithModels("gpt-4o"))
	cfg := srv.Config("azure")
	cfg.Model = "gpt-4o-typo"
	c := newClient(t, cfg)
	_, err := c.Chat(context.Background(), ask("hi"), nil)
	if llm.KindOf(err) != llm.NotFound || !errors.Is(err, socpilot.ErrNotFound) {
		t.Fatalf("err = %v, want NotFound matching socpilot.ErrNotFound", err)
	}
	if !strings.Contains(err.Error(), `"gpt-4o-typo"`) || !strings.Contains(err.Error(), "SOCPILOT_LLM_MODEL") {
		t.Errorf("message %q does not name the deployment and the setting", err)
	}
}

func TestUsageAndCost(t *testing.T) {
	srv := llmtest.New(t)
	srv.Reply("The incident is a benign scanner.")
	cfg := srv.Config("openai")
	cfg.PromptPricePer1M, cfg.CompletionPricePer1M = 2.5, 10
	c := newClient(t, cfg)
	resp, err := c.Chat(context.Background(), ask("Is it bad?"), nil)
	if err != nil {
		t.Fatal(err)
	}
	msgs := srv.LastRequest().Body.Messages
	p, cpl := llmtest.PromptTokens(msgs...), llmtest.CompletionTokens(resp.Content)
	want := socpilot.Usage{Model: "gpt-4o", Calls: 1, PromptTokens: p, CompletionTokens: cpl,
		CostUSD: float64(p)*2.5/1e6 + float64(cpl)*10/1e6}
	if resp.Usage.Elapsed <= 0 {
		t.Errorf("Elapsed = %v, want > 0", resp.Usage.Elapsed)
	}
	resp.Usage.Elapsed = 0
	if diff := cmp.Diff(want, resp.Usage); diff != "" {
		t.Errorf("usage (-want +got):\n%s", diff)
	}
	if p == 0 || cpl == 0 {
		t.Errorf("token counts %d/%d: the test server must report usage", p, cpl)
	}

	// A compatible server that reports no usage: zero, not an invented figure.
	srv2 := llmtest.New(t, llmtest.WithoutUsage())
	srv2.Reply("ok").Stream("o", "k")
	c2 := newClient(t, srv2.Config("compatible"))
	for _, onDelta := range []func(string){nil, func(string) {}} {
		resp, err := c2.Chat(context.Background(), ask("hi"), onDelta)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Usage.PromptTokens != 0 || resp.Usage.CompletionTokens != 0 || resp.Usage.Calls != 1 {
			t.Errorf("usage = %+v, want zero tokens in one call", resp.Usage)
		}
	}
}

// TestConversation: earlier turns and the system prompt reach the model in
// order, with their roles.
func TestConversation(t *testing.T) {
	srv := llmtest.New(t)
	srv.Reply("Yes, WS-0042.")
	c := newClient(t, srv.Config("compatible"))
	req := socpilot.ChatRequest{MaxTokens: 200, Messages: []socpilot.Message{
		{Role: socpilot.RoleSystem, Content: "sys"},
		{Role: socpilot.RoleUser, Content: "Which host?"},
		{Role: socpilot.RoleAssistant, Content: "WS-0042."},
		{Role: socpilot.RoleUser, Content: "Is it still infected?"},
	}}
	if _, err := c.Chat(context.Background(), req, nil); err != nil {
		t.Fatal(err)
	}
	got := srv.LastRequest()
	want := []llmtest.Message{
		{Role: "system", Content: "sys"},
		{Role: "user", Content: "Which host?"},
		{Role: "assistant", Content: "WS-0042."},
		{Role: "user", Content: "Is it still infected?"},
	}
	if diff := cmp.Diff(want, got.Body.Messages); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
	if got.Body.MaxTokens != 200 {
		t.Errorf("max_tokens = %d, want 200 (compatible servers know max_tokens)", got.Body.MaxTokens)
	}

	_, err := c.Chat(context.Background(), socpilot.ChatRequest{Messages: []socpilot.Message{{Role: "tool", Content: "x"}}}, nil)
	if llm.KindOf(err) != llm.BadRequest {
		t.Errorf("unknown role: err = %v, want BadRequest", err)
	}
}

// TestCompatibleWithoutStreamOptions: a server that rejects stream_options
// is asked again without it.
func TestCompatibleWithoutStreamOptions(t *testing.T) {
	srv := llmtest.New(t)
	srv.Func(func(r llmtest.Request) llmtest.Response {
		if r.Body.StreamOptions == nil {
			t.Errorf("first request has no stream_options")
		}
		return llmtest.Response{Status: 400, ErrorMessage: "Unrecognized request argument supplied: stream_options"}
	}).Func(func(r llmtest.Request) llmtest.Response {
		if r.Body.StreamOptions != nil {
			t.Errorf("second request still has stream_options")
		}
		return llmtest.Response{Chunks: []string{"o", "k"}}
	})
	c := newClient(t, srv.Config("compatible"))
	resp, err := c.Chat(context.Background(), ask("hi"), func(string) {})
	if err != nil || resp.Content != "ok" {
		t.Fatalf("Chat = %q, %v", resp.Content, err)
	}
}

// fakeCredential is an azcore.TokenCredential handing out a fixed token.
type fakeCredential struct{ token string }

func (f fakeCredential) GetToken(_ context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	if len(opts.Scopes) != 1 || opts.Scopes[0] != "https://cognitiveservices.azure.com/.default" {
		return azcore.AccessToken{}, errors.New("unexpected scopes")
	}
	return azcore.AccessToken{Token: f.token, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

func TestAzureEntraID(t *testing.T) {
	for _, mode := range []string{"azure", "azure-v1"} {
		t.Run(mode, func(t *testing.T) {
			srv := llmtest.New(t, llmtest.WithAPIKey("entra-token-1"))
			srv.Reply("ok")
			cfg := srv.Config(mode)
			cfg.APIKey = ""
			cfg.Credential = fakeCredential{token: "entra-token-1"}
			c := newClient(t, cfg)
			if _, err := c.Chat(context.Background(), ask("hi"), nil); err != nil {
				t.Fatalf("Chat: %v", err)
			}
			req := srv.LastRequest()
			if got := req.Header.Get("Authorization"); got != "Bearer entra-token-1" {
				t.Errorf("Authorization = %q, want the Entra token", got)
			}
			if got := req.Header.Get("Api-Key"); got != "" {
				t.Errorf("api-key = %q, want none with Entra ID", got)
			}
		})
	}
}

func TestPing(t *testing.T) {
	t.Run("openai lists the model", func(t *testing.T) {
		srv := llmtest.New(t, llmtest.WithModels("llama3.1", "qwen2.5"))
		cfg := srv.Config("compatible")
		if err := newClient(t, cfg).Ping(context.Background()); err != nil {
			t.Errorf("Ping: %v", err)
		}
		cfg.Model = "mistral"
		err := newClient(t, cfg).Ping(context.Background())
		if llm.KindOf(err) != llm.NotFound || !strings.Contains(err.Error(), "llama3.1, qwen2.5") {
			t.Errorf("Ping with unknown model: %v, want NotFound listing the models", err)
		}
	})
	t.Run("azure asks the deployment", func(t *testing.T) {
		srv := llmtest.New(t)
		srv.Reply("pong")
		if err := newClient(t, srv.Config("azure")).Ping(context.Background()); err != nil {
			t.Errorf("Ping: %v", err)
		}
		if p := srv.LastRequest().Path; p != "/openai/deployments/gpt-4o/chat/completions" {
			t.Errorf("Ping went to %s", p)
		}
	})
	t.Run("bad key", func(t *testing.T) {
		srv := llmtest.New(t, llmtest.WithAPIKey("k"))
		cfg := srv.Config("openai")
		cfg.APIKey = "wrong"
		if err := newClient(t, cfg).Ping(context.Background()); llm.KindOf(err) != llm.Unauthorized {
			t.Errorf("Ping = %v, want Unauthorized", err)
		}
	})
}

func TestNewValidates(t *testing.T) {
	tests := []struct {
		cfg  llm.Config
		want string // in the message
	}{
		{llm.Config{Provider: "azure", Endpoint: "https://x.openai.azure.com", APIKey: "k"}, "SOCPILOT_LLM_MODEL"},
		{llm.Config{Model: "m"}, "SOCPILOT_LLM_PROVIDER is not set"},
		{llm.Config{Provider: "bedrock", Model: "m"}, `SOCPILOT_LLM_PROVIDER "bedrock" is not known`},
		{llm.Config{Provider: "azure", Model: "m", APIKey: "k"}, "SOCPILOT_LLM_ENDPOINT is not set"},
		{llm.Config{Provider: "azure", Model: "m", Endpoint: "https://x.openai.azure.com"}, "SOCPILOT_LLM_API_KEY"},
		{llm.Config{Provider: "azure", Model: "m", APIKey: "k", Endpoint: "http://x.openai.azure.com"}, "must use https"},
		{llm.Config{Provider: "azure", Model: "m", APIKey: "k", Endpoint: "not a url"}, "is not an http(s) URL"},
		{llm.Config{Provider: "openai", Model: "m"}, "SOCPILOT_LLM_API_KEY"},
		{llm.Config{Provider: "compatible", Model: "m"}, "SOCPILOT_LLM_ENDPOINT is not set"},
	}
	for _, tt := range tests {
		_, err := llm.New(tt.cfg)
		if err == nil || !strings.Contains(err.Error(), tt.want) || socpilot.ErrorCode(err) != socpilot.EConfig {
			t.Errorf("New(%v) = %v, want a config error mentioning %q", tt.cfg, err, tt.want)
		}
	}
	for _, cfg := range []llm.Config{
		{Provider: "Azure", Model: "m", APIKey: "k", Endpoint: "https://x.openai.azure.com/openai/"},
		{Provider: "openai", Model: "m", APIKey: "k"},
		{Provider: "compatible", Model: "llama3.1", Endpoint: "http://localhost:11434/v1"},
	} {
		if _, err := llm.New(cfg); err != nil {
			t.Errorf("New(%v): %v", cfg, err)
		}
	}
	if s := (llm.Config{APIKey: "sk-secret"}).String(); strings.Contains(s, "sk-secret") {
		t.Errorf("Config.String() = %q shows the key", s)
	}
}

// TestLongServiceMessageStaysValidText: a long error message in a language
// with multi-byte characters is shortened without cutting one in two.
func TestLongServiceMessageStaysValidText(t *testing.T) {
	srv := llmtest.New(t)
	srv.Func(func(llmtest.Request) llmtest.Response {
		return llmtest.Response{Status: http.StatusBadRequest, ErrorCode: "invalid_request_error", ErrorMessage: "x" + strings.Repeat("€", 200)}
	})
	c := newClient(t, srv.Config("openai"))
	_, err := c.Chat(context.Background(), ask("Analyse."), nil)
	if llm.KindOf(err) != llm.BadRequest {
		t.Fatalf("err = %v (kind %v), want BadRequest", err, llm.KindOf(err))
	}
	if msg := err.Error(); !utf8.ValidString(msg) || !strings.Contains(msg, "€€€…") {
		t.Errorf("message %q: want valid UTF-8, shortened with an ellipsis", msg)
	}
}

// TestTruncatedReply: a server that starts its answer and closes the
// connection mid-body is reported as a cut reply, not as unreachable.
func TestTruncatedReply(t *testing.T) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "4096")
		w.WriteHeader(http.StatusOK)
		w.Write([]byte(`{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"The acc`))
	}))
	t.Cleanup(hs.Close)
	c := newClient(t, llm.Config{Provider: llm.ProviderCompatible, Endpoint: hs.URL + "/v1", Model: "m", APIKey: "k", MaxRetries: 1, Timeout: 5 * time.Second})
	_, err := c.Chat(context.Background(), ask("hi"), nil)
	if err == nil || !strings.Contains(err.Error(), "cut its reply short") || strings.Contains(err.Error(), "could not reach") {
		t.Fatalf("err = %v, want a cut reply", err)
	}
}
