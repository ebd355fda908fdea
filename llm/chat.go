package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/shared"

	"github.com/socpilot/socpilot"
)

// Chat sends req and returns the whole answer. When onDelta is not nil the
// answer is streamed and onDelta receives each piece in order, from the
// caller's goroutine; a failed attempt is retried only if nothing was
// streamed yet, so onDelta never sees a piece twice.
//
// With req.Schema set, the model is asked for structured output (strict
// json_schema) and Content is checked to be valid JSON: the caller decodes
// it. Errors are *Error (see KindOf); the response returned with an error
// still carries the usage and whatever content arrived, for the audit trail.
func (c *Client) Chat(ctx context.Context, req socpilot.ChatRequest, onDelta func(string)) (socpilot.ChatResponse, error) {
	start := time.Now()
	ctx, cancel, budget := c.withBudget(ctx)
	defer cancel()

	resp := socpilot.ChatResponse{Usage: socpilot.Usage{Model: c.cfg.Model, Calls: 1}}
	params, err := c.params(req, onDelta != nil)
	if err != nil {
		return resp, err
	}
	var r result
	err = c.retryLoop(ctx, budget, func(ctx context.Context) *attemptErr {
		r = result{}
		if onDelta == nil {
			return c.complete(ctx, budget, params, &r)
		}
		ae := c.stream(ctx, budget, params, onDelta, &r)
		// Some compatible servers reject stream_options; ask again without
		// it rather than fail (usage is then whatever the server sends).
		if ae != nil && !r.emitted && ae.err.Kind == BadRequest && c.cfg.Provider == ProviderCompatible &&
			strings.Contains(ae.err.Message, "stream_options") {
			params.StreamOptions = openai.ChatCompletionStreamOptionsParam{}
			r = result{}
			ae = c.stream(ctx, budget, params, onDelta, &r)
		}
		return ae
	})
	resp.Content = r.content
	resp.FinishReason = r.finish
	if r.model != "" {
		resp.Usage.Model = r.model
	}
	resp.Usage.PromptTokens = r.promptTokens
	resp.Usage.CompletionTokens = r.completionTokens
	resp.Usage.Elapsed = time.Since(start)
	resp.Usage.CostUSD = c.cost(r.promptTokens, r.completionTokens)
	if err != nil {
		return resp, err
	}
	if err := checkAnswer(req, r); err != nil {
		return resp, err
	}
	return resp, nil
}

// withBudget bounds a call by the configured timeout, or the caller's
// deadline when that is sooner, and returns the budget for messages.
func (c *Client) withBudget(ctx context.Context) (context.Context, context.CancelFunc, time.Duration) {
	budget := c.cfg.Timeout
	if dl, ok := ctx.Deadline(); ok {
		budget = min(budget, time.Until(dl))
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	return ctx, cancel, budget
}

// result is what one attempt produced.
type result struct {
	content, refusal, finish, model string
	promptTokens, completionTokens  int
	emitted                         bool
}

// schemaName is what OpenAI accepts as a json_schema name.
var schemaName = regexp.MustCompile(`[^a-zA-Z0-9_-]+`)

func (c *Client) params(req socpilot.ChatRequest, stream bool) (openai.ChatCompletionNewParams, error) {
	p := openai.ChatCompletionNewParams{Model: shared.ChatModel(c.cfg.Model)}
	if len(req.Messages) == 0 {
		return p, &Error{Kind: BadRequest, Message: "the chat request has no messages"}
	}
	for i, m := range req.Messages {
		switch m.Role {
		case socpilot.RoleSystem:
			p.Messages = append(p.Messages, openai.SystemMessage(m.Content))
		case socpilot.RoleUser:
			p.Messages = append(p.Messages, openai.UserMessage(m.Content))
		case socpilot.RoleAssistant:
			p.Messages = append(p.Messages, openai.AssistantMessage(m.Content))
		default:
			return p, &Error{Kind: BadRequest, Message: fmt.Sprintf("message %d has unknown role %q (want system, user or assistant)", i+1, m.Role)}
		}
	}
	if req.MaxTokens > 0 {
		// OpenAI and Azure deprecated max_tokens (reasoning models reject
		// it); compatible servers mostly know only max_tokens.
		if c.cfg.Provider == ProviderCompatible {
			p.MaxTokens = openai.Int(int64(req.MaxTokens))
		} else {
			p.MaxCompletionTokens = openai.Int(int64(req.MaxTokens))
		}
	}
	if len(req.Schema) > 0 {
		if !json.Valid(req.Schema) {
			return p, &Error{Kind: BadRequest, Message: "the structured-output schema is not valid JSON"}
		}
		name := schemaName.ReplaceAllString(req.SchemaName, "_")
		if name == "" {
			name = "answer"
		}
		if len(name) > 64 {
			name = name[:64]
		}
		p.ResponseFormat = openai.ChatCompletionNewParamsResponseFormatUnion{
			OfJSONSchema: &shared.ResponseFormatJSONSchemaParam{
				JSONSchema: shared.ResponseFormatJSONSchemaJSONSchemaParam{
					Name:   name,
					Strict: openai.Bool(true),
					Schema: req.Schema,
				},
			},
		}
	}
	if stream {
		p.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
	}
	return p, nil
}

func (c *Client) complete(ctx context.Context, budget time.Duration, p openai.ChatCompletionNewParams, r *result) *attemptErr {
	comp, err := c.chat.New(ctx, p)
	if err != nil {
		return c.classifyCall(ctx, budget, err)
	}
	r.model = comp.Model
	r.promptTokens = int(comp.Usage.PromptTokens)
	r.completionTokens = int(comp.Usage.CompletionTokens)
	if len(comp.Choices) == 0 {
		return &attemptErr{err: &Error{Kind: Garbage, Message: "the LLM answered with no choices"}}
	}
	ch := comp.Choices[0]
	r.content = ch.Message.Content
	r.refusal = ch.Message.Refusal
	r.finish = ch.FinishReason
	return nil
}

func (c *Client) stream(ctx context.Context, budget time.Duration, p openai.ChatCompletionNewParams, onDelta func(string), r *result) *attemptErr {
	s := c.chat.NewStreaming(ctx, p)
	defer s.Close()
	var content, refusal strings.Builder
	for s.Next() {
		chunk := s.Current()
		if chunk.Model != "" {
			r.model = chunk.Model
		}
		// Usage arrives in the last chunk (stream_options.include_usage),
		// null in the others.
		if chunk.Usage.PromptTokens > 0 || chunk.Usage.CompletionTokens > 0 {
			r.promptTokens = int(chunk.Usage.PromptTokens)
			r.completionTokens = int(chunk.Usage.CompletionTokens)
		}
		// Azure's first chunk has no choices, only prompt_filter_results.
		for _, ch := range chunk.Choices {
			if ch.Index != 0 {
				continue
			}
			if d := ch.Delta.Content; d != "" {
				content.WriteString(d)
				r.emitted = true
				onDelta(d)
			}
			refusal.WriteString(ch.Delta.Refusal)
			if ch.FinishReason != "" {
				r.finish = ch.FinishReason
			}
		}
	}
	r.content = content.String()
	r.refusal = refusal.String()
	if err := s.Err(); err != nil {
		ae := c.classifyCall(ctx, budget, err)
		if r.emitted {
			// The caller has shown part of this answer: a retry would
			// show it twice.
			ae.retry = false
		}
		return ae
	}
	if r.finish == "" {
		return &attemptErr{
			err:   &Error{Kind: Unavailable, Message: "the LLM's answer stream ended before the model finished"},
			retry: !r.emitted,
		}
	}
	return nil
}

// classifyCall is classify plus the failures only a completed HTTP exchange
// has: a 200 whose body is not a chat completion.
func (c *Client) classifyCall(ctx context.Context, budget time.Duration, err error) *attemptErr {
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	if ctx.Err() == nil && (errors.As(err, &syntaxErr) || errors.As(err, &typeErr) || strings.Contains(err.Error(), "content-type")) {
		return &attemptErr{err: &Error{Kind: Garbage, Message: "the LLM service answered with something that is not a chat completion", Err: err}}
	}
	return c.classify(ctx, budget, err)
}

// checkAnswer turns a delivered but unusable answer into an error.
func checkAnswer(req socpilot.ChatRequest, r result) error {
	switch {
	case r.finish == "content_filter":
		return &Error{Kind: ContentFilter, Code: "content_filter", Message: "the provider's content filter withheld the model's answer (finish_reason content_filter)"}
	case r.refusal != "":
		return &Error{Kind: ContentFilter, Code: "refusal", Message: "the model refused to answer: " + oneLine(r.refusal, 200)}
	case r.finish == "length" && len(req.Schema) > 0:
		return &Error{Kind: Garbage, Message: "the model's answer was cut at the token limit before its JSON was complete"}
	case strings.TrimSpace(r.content) == "":
		return &Error{Kind: Garbage, Message: "the LLM returned an empty answer"}
	case len(req.Schema) > 0 && !json.Valid([]byte(r.content)):
		name := req.SchemaName
		if name == "" {
			name = "the requested schema"
		}
		return &Error{Kind: Garbage, Message: fmt.Sprintf("the model's answer is not valid JSON for %s", name)}
	}
	return nil
}

// oneLine folds s to one line of at most n bytes, never cutting a
// character in two: services answer in the user's language.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = strings.ToValidUTF8(s[:n], "") + "…"
	}
	return s
}

func (c *Client) cost(prompt, completion int) float64 {
	return float64(prompt)*c.cfg.PromptPricePer1M/1e6 + float64(completion)*c.cfg.CompletionPricePer1M/1e6
}

// Ping checks that the model answers with the configured credentials, for
// `socpilot doctor`. Azure has no cheap per-deployment check, so it asks the
// deployment for a few tokens; OpenAI and compatible servers list their
// models (free) and the configured one must be among them.
func (c *Client) Ping(ctx context.Context) error {
	ctx, cancel, budget := c.withBudget(ctx)
	defer cancel()
	if c.cfg.Provider == ProviderAzure {
		p := openai.ChatCompletionNewParams{
			Model:               shared.ChatModel(c.cfg.Model),
			Messages:            []openai.ChatCompletionMessageParamUnion{openai.UserMessage("ping")},
			MaxCompletionTokens: openai.Int(16),
		}
		return c.retryLoop(ctx, budget, func(ctx context.Context) *attemptErr {
			return c.complete(ctx, budget, p, &result{})
		})
	}
	var ids []string
	err := c.retryLoop(ctx, budget, func(ctx context.Context) *attemptErr {
		page, err := c.models.List(ctx)
		if err != nil {
			return c.classifyCall(ctx, budget, err)
		}
		ids = ids[:0]
		for _, m := range page.Data {
			ids = append(ids, m.ID)
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Some compatible servers list nothing; they answered, which is what
	// can be checked.
	if len(ids) > 0 && !slices.Contains(ids, c.cfg.Model) {
		slices.Sort(ids)
		if len(ids) > 10 {
			ids = append(ids[:10], "…")
		}
		return &Error{Kind: NotFound, Message: fmt.Sprintf("the model %q is not offered at %s (it has %s): check SOCPILOT_LLM_MODEL",
			c.cfg.Model, c.endpointForHumans(), strings.Join(ids, ", "))}
	}
	return nil
}
