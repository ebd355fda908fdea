package analysis

import (
	"cmp"
	"container/list"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/socpilot/socpilot"
)

// Chats holds the conversations of many analysts at once (the web
// console). A conversation in use is a Session kept in memory; one not
// seen for a while is dropped and resumed from the store when it comes
// back, so memory survives restarts and works on every replica. Questions
// to one conversation are answered one at a time, in order.
type Chats struct {
	an    *Analyzer
	store socpilot.Store
	load  IncidentLoader
	max   int

	mu   sync.Mutex
	open map[string]*list.Element // of *chat, most recently used first
	lru  *list.List
}

type chat struct {
	id string
	mu sync.Mutex // one question at a time
	s  *Session
}

// ChatTurn is one message of an analyst to a conversation.
type ChatTurn struct {
	// Conversation is the id of the conversation to continue; "" starts one.
	Conversation string
	// Incident is the incident the chat panel is on: it is brought into the
	// conversation first (a no-op when it is there).
	Incident int
	// Add are incidents to bring in (/add N) before the question.
	Add []int
	// Question is what the analyst asks; "" only adds incidents.
	Question string
}

// ChatReply is what a turn did.
type ChatReply struct {
	Conversation string
	// Incidents are the conversation's incidents after the turn.
	Incidents []int
	// Answer is the answer to the question (zero when there was none).
	Answer Answer
	// Turn is the index of the answer among the conversation's turns (what
	// a rating names); -1 when there was no question.
	Turn int
	// Model is the model that answered, or "offline".
	Model   string
	Elapsed time.Duration
}

// NewChats returns the conversations of store (which may be nil: memory
// then lasts as long as the process), loading incidents with load; max
// bounds the sessions held in memory (0 → 200).
func (an *Analyzer) NewChats(store socpilot.Store, load IncidentLoader, max int) *Chats {
	if max <= 0 {
		max = 200
	}
	return &Chats{an: an, store: store, load: load, max: max, open: map[string]*list.Element{}, lru: list.New()}
}

// Ask runs one turn: it resumes or starts the conversation, brings in the
// incidents, and answers the question, streaming it to onDelta.
func (c *Chats) Ask(ctx context.Context, t ChatTurn, onDelta func(string)) (ChatReply, error) {
	start := time.Now()
	ch, err := c.get(ctx, t.Conversation)
	if err != nil {
		return ChatReply{}, err
	}
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if ch.s == nil {
		if ch.s, err = c.session(ctx, t.Conversation); err != nil {
			c.drop(ch)
			return ChatReply{}, err
		}
		if t.Conversation == "" {
			c.rekey(ch, ch.s.Conv.ID)
		}
	}
	s := ch.s
	bring := append([]int{}, t.Add...)
	if t.Incident > 0 && !slices.Contains(s.Conv.Incidents, t.Incident) {
		bring = append([]int{t.Incident}, bring...)
	}
	for _, n := range bring {
		if err := s.AddIncident(ctx, n); err != nil {
			return ChatReply{}, fmt.Errorf("add incident %d to the conversation: %w", n, err)
		}
	}
	reply := ChatReply{Conversation: s.Conv.ID, Turn: -1, Model: "offline"}
	if t.Question != "" {
		if reply.Answer, err = s.Ask(ctx, t.Question, onDelta); err != nil || ctx.Err() != nil {
			// The analyst went away or the turn was not saved: what the
			// session holds in memory may differ from the store, so the
			// next question resumes from the store.
			if c.store != nil {
				ch.s = nil
			}
			return ChatReply{}, cmp.Or(err, ctx.Err())
		}
		reply.Turn = len(s.Conv.Turns) - 1
		if !reply.Answer.Offline && c.an.Model != nil {
			reply.Model = c.an.Model.Name()
		}
	}
	reply.Incidents = append([]int{}, s.Conv.Incidents...)
	reply.Elapsed = time.Since(start)
	return reply, nil
}

// Conversation is the conversation with this id as it stands.
func (c *Chats) Conversation(ctx context.Context, id string) (socpilot.Conversation, error) {
	c.mu.Lock()
	e, ok := c.open[id]
	c.mu.Unlock()
	if ok {
		ch := e.Value.(*chat)
		ch.mu.Lock()
		defer ch.mu.Unlock()
		if ch.s != nil {
			conv := ch.s.Conv
			conv.Turns = slices.Clone(conv.Turns)
			conv.Incidents = slices.Clone(conv.Incidents)
			return conv, nil
		}
	}
	if c.store == nil {
		return socpilot.Conversation{}, socpilot.Errorf(socpilot.ENotFound, "no conversation %q", id)
	}
	return c.store.Conversation(ctx, id)
}

// session starts a conversation (id "") or resumes a stored one, with a
// pseudonymiser of its own when names are pseudonymised: what one
// analyst's conversation learnt never leaks into another's prompts.
func (c *Chats) session(ctx context.Context, id string) (*Session, error) {
	an := c.an
	if an.NewRedact != nil {
		own := *an
		own.Redact, own.NewRedact = an.NewRedact(), nil
		an = &own
	}
	if id == "" {
		s, err := an.NewSession(ctx, c.store, c.load, nil)
		if err == nil && s.Conv.ID == "" {
			// No store: the id only has to name it in this process.
			b := make([]byte, 10)
			rand.Read(b)
			s.Conv.ID = "mem-" + hex.EncodeToString(b)
		}
		return s, err
	}
	if c.store == nil {
		return nil, socpilot.Errorf(socpilot.ENotFound, "no conversation %q: this console keeps none", id)
	}
	return an.ResumeSession(ctx, c.store, c.load, id)
}

// get returns the conversation's entry, most recently used first; a new
// one for id "" (keyed once the store gives it an id).
func (c *Chats) get(ctx context.Context, id string) (*chat, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if id != "" {
		if e, ok := c.open[id]; ok {
			c.lru.MoveToFront(e)
			return e.Value.(*chat), nil
		}
	}
	ch := &chat{id: id}
	e := c.lru.PushFront(ch)
	if id != "" {
		c.open[id] = e
	}
	for c.lru.Len() > c.max {
		old := c.lru.Back()
		c.lru.Remove(old)
		if oc := old.Value.(*chat); oc.id != "" && c.open[oc.id] == old {
			delete(c.open, oc.id)
		}
	}
	return ch, ctx.Err()
}

func (c *Chats) rekey(ch *chat, id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for e := c.lru.Front(); e != nil; e = e.Next() {
		if e.Value == ch {
			ch.id = id
			if id != "" {
				c.open[id] = e
			}
			return
		}
	}
}

func (c *Chats) drop(ch *chat) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for e := c.lru.Front(); e != nil; e = e.Next() {
		if e.Value == ch {
			c.lru.Remove(e)
			if ch.id != "" && c.open[ch.id] == e {
				delete(c.open, ch.id)
			}
			return
		}
	}
}
