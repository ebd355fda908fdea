package socpilot

import (
	"context"
	"encoding/json"
	"time"
)

// Chat model providers (SOCPILOT_LLM_PROVIDER): Azure OpenAI, OpenAI, or
// any OpenAI-compatible server.
const (
	ProviderAzure      = "azure"
	ProviderOpenAI     = "openai"
	ProviderCompatible = "compatible"
)

// Message is one chat message sent to or received from a model.
type Message struct {
	Role    string `json:"role"` // system, user, assistant
	Content string `json:"content"`
}

// Chat roles.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

// ChatRequest is one call to a chat model.
type ChatRequest struct {
	Messages []Message
	// SchemaName and Schema ask for structured output: Schema is a strict
	// JSON schema the answer must match. Empty means free text.
	SchemaName string
	Schema     json.RawMessage
	MaxTokens  int
}

// ChatResponse is a model's answer.
type ChatResponse struct {
	Content      string
	FinishReason string
	Usage        Usage
}

// Usage is what one or more model calls cost.
type Usage struct {
	Model            string        `json:"model,omitempty"`
	Calls            int           `json:"calls"`
	PromptTokens     int           `json:"promptTokens"`
	CompletionTokens int           `json:"completionTokens"`
	Elapsed          time.Duration `json:"elapsedNs"`
	// CostUSD is an estimate from configured prices; 0 when none is configured.
	CostUSD float64 `json:"costUsd,omitempty"`
}

// Add accumulates u2 into u.
func (u *Usage) Add(u2 Usage) {
	if u.Model == "" {
		u.Model = u2.Model
	}
	u.Calls += u2.Calls
	u.PromptTokens += u2.PromptTokens
	u.CompletionTokens += u2.CompletionTokens
	u.Elapsed += u2.Elapsed
	u.CostUSD += u2.CostUSD
}

// Model is a chat model. onDelta, when not nil, receives the answer as it
// streams; the returned response always holds the whole answer.
type Model interface {
	Chat(ctx context.Context, req ChatRequest, onDelta func(string)) (ChatResponse, error)
	Name() string
}

// Conversation is a chat about one or more incidents, with its memory.
type Conversation struct {
	ID        string `json:"id"`
	Incidents []int  `json:"incidents"`
	// Summary holds older turns, summarised to stay within the memory budget.
	Summary string    `json:"summary,omitempty"`
	Turns   []Turn    `json:"turns"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
}

// Turn is one message of a conversation.
type Turn struct {
	Role    string    `json:"role"`
	Content string    `json:"content"`
	Time    time.Time `json:"time"`
	Tokens  int       `json:"tokens,omitempty"`
}

// AuditRecord records one model call: what was sent is kept only as a hash.
type AuditRecord struct {
	Time             time.Time     `json:"time"`
	Operation        string        `json:"operation"` // analyze, repair, ask, chat, summarise
	Incidents        []int         `json:"incidents"`
	Model            string        `json:"model"`
	PromptTokens     int           `json:"promptTokens"`
	CompletionTokens int           `json:"completionTokens"`
	Elapsed          time.Duration `json:"elapsedNs"`
	RequestSHA256    string        `json:"requestSha256"`
	Outcome          string        `json:"outcome"` // ok, or the error class
}

// Rating is an analyst's judgement of one chat answer, kept with the audit
// trail. Like a model call's record it holds a hash of the answer, not the
// text, so the trail never becomes a second copy of incident data.
type Rating struct {
	Time           time.Time `json:"time"`
	ConversationID string    `json:"conversationId"`
	// Turn is the index of the rated answer among the conversation's turns
	// when it was rated; rating the same turn again replaces the rating.
	Turn         int    `json:"turn"`
	Incidents    []int  `json:"incidents"`
	Value        string `json:"value"` // RatingUp or RatingDown
	Model        string `json:"model"` // the model that answered, or "offline"
	AnswerSHA256 string `json:"answerSha256"`
	RatedBy      string `json:"ratedBy,omitempty"`
}

// Rating values.
const (
	RatingUp   = "up"
	RatingDown = "down"
)

// Store keeps conversations and the audit trail.
type Store interface {
	CreateConversation(ctx context.Context, c Conversation) (Conversation, error)
	Conversation(ctx context.Context, id string) (Conversation, error)
	// LatestConversation is the most recently updated one; ErrNotFound when none.
	LatestConversation(ctx context.Context) (Conversation, error)
	AppendTurns(ctx context.Context, id string, turns ...Turn) error
	// ReplaceHistory sets the summary and keeps only the given turns (memory compaction),
	// and the conversation's incidents.
	ReplaceHistory(ctx context.Context, id string, incidents []int, summary string, keep []Turn) error
	RecordModelCall(ctx context.Context, r AuditRecord) error
	ModelCalls(ctx context.Context, limit int) ([]AuditRecord, error)
	// RateAnswer keeps an analyst's rating of an answer; a second rating of
	// the same conversation turn replaces the first.
	RateAnswer(ctx context.Context, r Rating) error
	// Ratings returns up to limit ratings (all when limit <= 0), newest first.
	Ratings(ctx context.Context, limit int) ([]Rating, error)
	Close() error
}
