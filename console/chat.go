package console

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/socpilot/socpilot"
)

// ChatRequest is one message of the chat panel.
type ChatRequest struct {
	Conversation string // "" starts a conversation
	Incident     int    // the incident whose page the panel is on
	Add          []int  // incidents to bring in first (/add N)
	Question     string // "" when the message only added incidents
}

// ChatReply is what the chat did with a message.
type ChatReply struct {
	Conversation string
	Incidents    []int
	Text         string
	Offline      bool   // answered by the offline analyst
	Note         string // why an offline answer although a model is configured
	Turn         int    // index of the answer among the conversation's turns; -1 without a question
	Model        string // the model that answered, or "offline"
	Usage        socpilot.Usage
	Elapsed      time.Duration
}

// maxQuestion bounds a chat message: a question, not a document.
const maxQuestion = 4000

// chatView is the chat panel of an incident page.
type chatView struct {
	Conversation string
	Incidents    []int
	Turns        []turnView
	Error        string
}

type turnView struct {
	Index     int
	Assistant bool
	Text      string
}

// chatPanel reads the conversation the page names (?conv=), if any.
func (c *console) chatPanel(r *http.Request) *chatView {
	if c.o.Chat == nil {
		return nil
	}
	v := &chatView{}
	id := r.URL.Query().Get("conv")
	if id == "" || c.o.Conversation == nil {
		return v
	}
	conv, err := c.o.Conversation(r.Context(), id)
	if err != nil {
		v.Error = "The conversation could not be read: " + oneLine(err.Error())
		return v
	}
	v.Conversation, v.Incidents = conv.ID, conv.Incidents
	for i, t := range conv.Turns {
		v.Turns = append(v.Turns, turnView{Index: i, Assistant: t.Role == socpilot.RoleAssistant, Text: t.Content})
	}
	return v
}

// parseChat reads the message: a question, /add N[, M…], or /new.
func parseChat(n int, conv, msg string) (ChatRequest, error) {
	msg = strings.TrimSpace(msg)
	req := ChatRequest{Conversation: conv, Incident: n}
	switch {
	case msg == "":
		return req, errors.New("the message is empty")
	case len(msg) > maxQuestion:
		return req, fmt.Errorf("the message is %d characters long; the chat takes at most %d", len(msg), maxQuestion)
	case msg == "/new":
		req.Conversation = ""
	case strings.HasPrefix(msg, "/add"):
		for _, f := range strings.FieldsFunc(strings.TrimPrefix(msg, "/add"), func(r rune) bool { return r == ',' || r == ' ' || r == '#' }) {
			m, err := strconv.Atoi(f)
			if err != nil || m < 1 {
				return req, fmt.Errorf("/add takes incident numbers, as in /add 105 or /add 105, 107; %q is not one", f)
			}
			req.Add = append(req.Add, m)
		}
		if len(req.Add) == 0 {
			return req, errors.New("/add takes incident numbers, as in /add 105")
		}
	case strings.HasPrefix(msg, "/"):
		cmd, _, _ := strings.Cut(msg, " ")
		return req, fmt.Errorf("unknown command %s: the chat knows /add N and /new", cmd)
	default:
		req.Question = msg
	}
	return req, nil
}

// chat answers a message of the chat panel. A browser that asks for an
// event stream gets the answer token by token (SSE over this POST); a form
// without JavaScript is answered with a redirect to the conversation.
func (c *console) chat(w http.ResponseWriter, r *http.Request) {
	n, ok := c.number(w, r)
	if !ok {
		return
	}
	if c.o.Chat == nil {
		c.fail(w, r, http.StatusNotFound, "The chat is not enabled on this console.")
		return
	}
	stream := strings.Contains(r.Header.Get("Accept"), "text/event-stream")
	req, err := parseChat(n, r.PostFormValue("conv"), r.PostFormValue("message"))
	if err != nil {
		if stream {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
			return
		}
		c.fail(w, r, http.StatusBadRequest, "The chat could not take that message: "+err.Error()+".")
		return
	}
	if !stream {
		reply, err := c.o.Chat(r.Context(), req, nil)
		if err != nil {
			c.failErr(w, r, "answer in the chat", err)
			return
		}
		http.Redirect(w, r, c.o.Base+fmt.Sprintf("incidents/%d?conv=%s#chat", n, url.QueryEscape(reply.Conversation)), http.StatusSeeOther)
		return
	}
	ev := newEventStream(w)
	reply, err := c.o.Chat(r.Context(), req, func(delta string) { ev.send("delta", map[string]string{"text": delta}) })
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return
		}
		c.o.Log.Warn("console: chat", "incident", n, "err", err)
		ev.send("error", map[string]string{"message": "The chat failed: " + oneLine(err.Error())})
		return
	}
	ev.send("done", map[string]any{
		"conversation": reply.Conversation, "incidents": reply.Incidents, "turn": reply.Turn,
		"text": reply.Text, "offline": reply.Offline, "note": reply.Note, "model": reply.Model,
		"receipt": receipt(reply), "question": req.Question != "",
	})
}

// receipt says what an answer cost and how long it took.
func receipt(r ChatReply) string {
	secs := fmt.Sprintf("%.1f s", r.Elapsed.Seconds())
	if r.Elapsed < time.Second {
		secs = fmt.Sprintf("%d ms", r.Elapsed.Milliseconds())
	}
	if r.Turn < 0 {
		return fmt.Sprintf("incidents in this conversation: %s · %s", joinNumbers(r.Incidents), secs)
	}
	if r.Offline || r.Usage.Calls == 0 {
		why := "no model call"
		if r.Note != "" {
			why = r.Note
		}
		return fmt.Sprintf("offline analyst · %s · $0 · %s", why, secs)
	}
	return fmt.Sprintf("%s · %d model call(s) · %d prompt + %d completion tokens · $%.4f · %s",
		r.Model, r.Usage.Calls, r.Usage.PromptTokens, r.Usage.CompletionTokens, r.Usage.CostUSD, secs)
}

func joinNumbers(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = "#" + strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}

// rate keeps an analyst's rating of an answer with the audit trail.
func (c *console) rate(w http.ResponseWriter, r *http.Request) {
	if c.o.Rate == nil || c.o.Conversation == nil {
		c.fail(w, r, http.StatusNotFound, "Ratings are not kept on this console.")
		return
	}
	id := r.PathValue("conv")
	turn, err := strconv.Atoi(r.PostFormValue("turn"))
	value := r.PostFormValue("value")
	if err != nil || turn < 0 || (value != socpilot.RatingUp && value != socpilot.RatingDown) {
		c.fail(w, r, http.StatusBadRequest, "A rating names an answer (turn) and is up or down.")
		return
	}
	conv, err := c.o.Conversation(r.Context(), id)
	if err != nil {
		c.failErr(w, r, "read the conversation", err)
		return
	}
	if turn >= len(conv.Turns) || conv.Turns[turn].Role != socpilot.RoleAssistant {
		c.fail(w, r, http.StatusBadRequest, "That turn of the conversation is not an answer.")
		return
	}
	sum := sha256.Sum256([]byte(conv.Turns[turn].Content))
	model := r.PostFormValue("model")
	if model != "offline" && !strings.HasSuffix(c.o.Mode, " "+model) {
		model = "" // not one this console answers with: not recorded as such
	}
	rt := socpilot.Rating{Time: c.o.Now(), ConversationID: conv.ID, Turn: turn, Incidents: conv.Incidents, Value: value,
		Model: model, AnswerSHA256: hex.EncodeToString(sum[:]), RatedBy: c.user(r)}
	if err := c.o.Rate(r.Context(), rt); err != nil {
		c.failErr(w, r, "keep the rating", err)
		return
	}
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"turn": turn, "value": value})
		return
	}
	back := c.o.Base
	if len(conv.Incidents) > 0 {
		back = c.o.Base + fmt.Sprintf("incidents/%d?conv=%s#chat", conv.Incidents[0], url.QueryEscape(conv.ID))
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// user names who is signed in, for the audit trail; "" on the open console.
func (c *console) user(r *http.Request) string {
	if c.o.User == nil {
		return ""
	}
	return c.o.User(r)
}

// eventStream writes Server-Sent Events, flushing each one at once and
// moving the write deadline on, so a long answer is not cut by the
// server's WriteTimeout while tokens still arrive.
type eventStream struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

func newEventStream(w http.ResponseWriter) *eventStream {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	e := &eventStream{w: w, rc: http.NewResponseController(w)}
	e.flush()
	return e
}

func (e *eventStream) send(event string, v any) {
	b, _ := json.Marshal(v)
	fmt.Fprintf(e.w, "event: %s\ndata: %s\n\n", event, b)
	e.flush()
}

func (e *eventStream) flush() {
	_ = e.rc.SetWriteDeadline(time.Now().Add(2 * time.Minute))
	_ = e.rc.Flush()
}
