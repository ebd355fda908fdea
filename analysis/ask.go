package analysis

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/socpilot/socpilot"
)

// DefaultMemoryTokens bounds the conversation history sent with a question;
// older turns are summarised to stay within it.
const DefaultMemoryTokens = 6000

// keepTurns is how many recent turns survive a summarisation verbatim.
const keepTurns = 4

// IncidentLoader reads an incident with everything that hangs off it.
type IncidentLoader func(ctx context.Context, number int) (socpilot.IncidentDetails, error)

// Session is a conversation about one or more incidents, with memory. With
// a store it is persisted turn by turn, so `chat --resume` continues it.
type Session struct {
	an        *Analyzer
	store     socpilot.Store
	load      IncidentLoader
	Conv      socpilot.Conversation
	incidents map[int]socpilot.IncidentDetails
	facts     map[int]socpilot.Analysis
	digests   map[int]string
	refs      map[int]*quoteRefs
	// MemoryTokens bounds history; 0 → DefaultMemoryTokens.
	MemoryTokens int
}

// Answer is the reply to one question.
type Answer struct {
	Text    string
	Usage   socpilot.Usage
	Offline bool   // answered from the offline analysis (no model, or it failed)
	Note    string // why an offline answer was given although a model is configured
	// Unverified are the entity-like values the model's answer names that
	// none of the loaded incidents has. Text ends with a note that lists
	// them, and memory keeps them marked, so no later turn takes them as fact.
	Unverified []string
	note       string // the note about Unverified that ends Text
}

// NewSession starts a conversation about incidents (possibly none yet).
func (an *Analyzer) NewSession(ctx context.Context, store socpilot.Store, load IncidentLoader, incidents []int) (*Session, error) {
	s := &Session{an: an, store: store, load: load, incidents: map[int]socpilot.IncidentDetails{}, facts: map[int]socpilot.Analysis{}, digests: map[int]string{}, refs: map[int]*quoteRefs{}}
	s.Conv = socpilot.Conversation{Incidents: []int{}, Created: an.now(), Updated: an.now()}
	for _, n := range incidents {
		if err := s.bring(ctx, n); err != nil {
			return nil, err
		}
	}
	if store != nil {
		c, err := store.CreateConversation(ctx, s.Conv)
		if err != nil {
			return nil, fmt.Errorf("save conversation: %w", err)
		}
		s.Conv = c
	}
	return s, nil
}

// ResumeSession continues a stored conversation; id "" is the latest one.
func (an *Analyzer) ResumeSession(ctx context.Context, store socpilot.Store, load IncidentLoader, id string) (*Session, error) {
	var c socpilot.Conversation
	var err error
	if id == "" {
		c, err = store.LatestConversation(ctx)
	} else {
		c, err = store.Conversation(ctx, id)
	}
	if err != nil {
		return nil, fmt.Errorf("resume conversation: %w", err)
	}
	s := &Session{an: an, store: store, load: load, Conv: c, incidents: map[int]socpilot.IncidentDetails{}, facts: map[int]socpilot.Analysis{}, digests: map[int]string{}, refs: map[int]*quoteRefs{}}
	for _, n := range c.Incidents {
		if err := s.bring(ctx, n); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// bring loads an incident into the session's context.
func (s *Session) bring(ctx context.Context, n int) error {
	if _, ok := s.incidents[n]; ok {
		return nil
	}
	d, err := s.load(ctx, n)
	if err != nil {
		return err
	}
	s.incidents[n] = d
	s.facts[n] = s.an.offlineFacts(d)
	// The digest of an incident does not change during a conversation: build
	// it once, not for every question, and only when a model will read it
	// (offline answers come from the facts; the exact tokenizer costs a
	// noticeable start-up).
	if s.an.Model != nil {
		s.digests[n] = digestText(d, DigestOptions{MaxTokens: s.an.DigestTokens})
	}
	s.refs[n] = newQuoteRefs(d)
	if !slices.Contains(s.Conv.Incidents, n) {
		s.Conv.Incidents = append(s.Conv.Incidents, n)
	}
	if s.an.Redact != nil {
		s.an.Redact.LearnEntities(d.Entities)
	}
	return nil
}

// AddIncident brings another incident into the conversation (/add N).
func (s *Session) AddIncident(ctx context.Context, n int) error {
	if err := s.bring(ctx, n); err != nil {
		return err
	}
	return s.saveHistory(ctx)
}

// SwitchIncident makes n the only incident of the conversation (/incident N);
// the history stays, so earlier answers remain in memory.
func (s *Session) SwitchIncident(ctx context.Context, n int) error {
	if err := s.bring(ctx, n); err != nil {
		return err
	}
	s.Conv.Incidents = []int{n}
	return s.saveHistory(ctx)
}

func (s *Session) saveHistory(ctx context.Context) error {
	if s.store == nil || s.Conv.ID == "" {
		return nil
	}
	if err := s.store.ReplaceHistory(ctx, s.Conv.ID, s.Conv.Incidents, s.Conv.Summary, s.Conv.Turns); err != nil {
		return fmt.Errorf("save conversation: %w", err)
	}
	return nil
}

// Ask answers a question in the conversation, streaming the answer to
// onDelta when a model is configured. The question and answer are added to
// the conversation's memory.
func (s *Session) Ask(ctx context.Context, question string, onDelta func(string)) (Answer, error) {
	question = strings.TrimSpace(question)
	if question == "" {
		return Answer{}, socpilot.Errorf(socpilot.EInvalid, "the question is empty")
	}
	var ans Answer
	if s.an.Model == nil {
		ans = Answer{Text: s.offlineAnswer(question), Offline: true}
	} else {
		var err error
		ans, err = s.modelAnswer(ctx, question, onDelta)
		if err != nil {
			ans = Answer{Text: s.offlineAnswer(question), Offline: true, Note: "the model failed (" + oneLine(err.Error()) + "), so this answer comes from the offline analysis"}
		}
	}
	now := s.an.now()
	remembered := markUnverified(strings.TrimSuffix(ans.Text, ans.note), ans.Unverified) + ans.note
	turns := []socpilot.Turn{
		{Role: socpilot.RoleUser, Content: question, Time: now, Tokens: EstimateTokens(question)},
		{Role: socpilot.RoleAssistant, Content: remembered, Time: now, Tokens: EstimateTokens(remembered)},
	}
	s.Conv.Turns = append(s.Conv.Turns, turns...)
	s.Conv.Updated = now
	if s.store != nil && s.Conv.ID != "" {
		if err := s.store.AppendTurns(ctx, s.Conv.ID, turns...); err != nil {
			return ans, fmt.Errorf("save conversation: %w", err)
		}
	}
	if err := s.compact(ctx); err != nil {
		s.an.log().Warn("conversation memory not compacted", "err", err)
	}
	return ans, nil
}

func (s *Session) memoryBudget() int {
	if s.MemoryTokens > 0 {
		return s.MemoryTokens
	}
	return DefaultMemoryTokens
}

// compact summarises older turns when the history exceeds its budget,
// keeping the last few turns verbatim.
func (s *Session) compact(ctx context.Context) error {
	total := EstimateTokens(s.Conv.Summary)
	for _, t := range s.Conv.Turns {
		total += t.Tokens
	}
	if total <= s.memoryBudget() || len(s.Conv.Turns) <= keepTurns {
		return nil
	}
	old := s.Conv.Turns[:len(s.Conv.Turns)-keepTurns]
	keep := slices.Clone(s.Conv.Turns[len(s.Conv.Turns)-keepTurns:])
	summary := s.summarise(ctx, old)
	s.Conv.Summary, s.Conv.Turns = summary, keep
	return s.saveHistory(ctx)
}

func (s *Session) summarise(ctx context.Context, old []socpilot.Turn) string {
	var b strings.Builder
	if s.Conv.Summary != "" {
		b.WriteString("Earlier summary: " + s.Conv.Summary + "\n")
	}
	for _, t := range old {
		fmt.Fprintf(&b, "%s: %s\n", t.Role, t.Content)
	}
	if s.an.Model != nil {
		text := b.String()
		if s.an.Redact != nil {
			text = s.an.Redact.Redact(text)
		}
		req := socpilot.ChatRequest{Messages: []socpilot.Message{
			{Role: socpilot.RoleSystem, Content: "Summarise this SOC conversation in at most 150 words for your own memory. Keep every entity value, incident number, decision and open question exactly."},
			{Role: socpilot.RoleUser, Content: text}}}
		resp, err := s.an.call(ctx, "summarise", s.Conv.Incidents, req, nil)
		if err != nil {
			s.an.log().Warn("conversation summary by the model failed; keeping a plain one", "err", err)
		}
		if err == nil && strings.TrimSpace(resp.Content) != "" {
			out := resp.Content
			if s.an.Redact != nil {
				out = s.an.Redact.Rehydrate(out)
			}
			return oneLine(out)
		}
	}
	// Without a model: keep the questions and the first sentence of each answer.
	var parts []string
	if s.Conv.Summary != "" {
		parts = append(parts, s.Conv.Summary)
	}
	for _, t := range old {
		c := oneLine(t.Content)
		if t.Role == socpilot.RoleAssistant {
			if i := strings.IndexAny(c, ".!?"); i > 0 {
				c = c[:i+1]
			}
			c = clip(c, 200)
		}
		parts = append(parts, t.Role+": "+c)
	}
	return strings.Join(parts, " | ")
}

// messages builds the prompt: rules, the incidents as fenced data with
// their facts (which point into the fence rather than quote it), the memory
// (summary and recent turns), and the question.
func (s *Session) messages(question string) []socpilot.Message {
	red := s.an.redact
	var ctxb strings.Builder
	nums := slices.Clone(s.Conv.Incidents)
	for _, n := range nums {
		fmt.Fprintf(&ctxb, "Incident %d. ", n)
		ctxb.WriteString(trustedFacts(s.facts[n], s.refs[n], red))
		ctxb.WriteString(fence(fmt.Sprintf("incident %d", n), red(s.digests[n])))
		ctxb.WriteString("\n\n")
	}
	if shared := SharedEntities(s.details()); len(shared) > 0 {
		// The values are incident data: fenced like the rest of it.
		var sb strings.Builder
		for _, c := range shared {
			fmt.Fprintf(&sb, "%s %s: incidents %s\n", c.Kind, oneLine(c.Entity), joinInts(c.Incidents))
		}
		ctxb.WriteString("Entities shared between these incidents:\n" + fence("shared entities", red(sb.String())) + "\n")
	}
	var msgs []socpilot.Message
	if len(nums) == 0 {
		// No incident yet: no empty incident block, and no canned turn
		// claiming data the model was not given.
		msgs = []socpilot.Message{{Role: socpilot.RoleSystem, Content: systemRules + "\n\nNo incident is loaded in this conversation yet. Answer general questions concisely, in Markdown; for questions about an incident, say that the analyst can load one with /incident N."}}
	} else {
		msgs = []socpilot.Message{
			{Role: socpilot.RoleSystem, Content: systemRules + "\n\nAnswer the analyst's questions about the incidents below, concisely, in Markdown. Say so when the data does not tell."},
			{Role: socpilot.RoleUser, Content: ctxb.String()},
			{Role: socpilot.RoleAssistant, Content: "I have the incident data. What would you like to know?"},
		}
	}
	if s.Conv.Summary != "" {
		msgs = append(msgs, socpilot.Message{Role: socpilot.RoleUser, Content: "Summary of our conversation so far: " + red(defang(s.Conv.Summary))},
			socpilot.Message{Role: socpilot.RoleAssistant, Content: "Noted."})
	}
	for _, t := range s.Conv.Turns {
		msgs = append(msgs, socpilot.Message{Role: t.Role, Content: red(defang(t.Content))})
	}
	return append(msgs, socpilot.Message{Role: socpilot.RoleUser, Content: red(defang(question))})
}

func (s *Session) details() []socpilot.IncidentDetails {
	var out []socpilot.IncidentDetails
	for _, n := range s.Conv.Incidents {
		out = append(out, s.incidents[n])
	}
	return out
}

func (s *Session) modelAnswer(ctx context.Context, question string, onDelta func(string)) (Answer, error) {
	req := socpilot.ChatRequest{Messages: s.messages(question)}
	deliver := onDelta
	var flush func()
	if s.an.Redact != nil && onDelta != nil {
		deliver, flush = s.an.Redact.StreamRehydrator(onDelta)
	}
	resp, err := s.an.call(ctx, "ask", s.Conv.Incidents, req, deliver)
	if flush != nil {
		flush()
	}
	if err != nil {
		return Answer{}, err
	}
	text := resp.Content
	if s.an.Redact != nil {
		text = s.an.Redact.Rehydrate(text)
	}
	ans := Answer{Text: text, Usage: resp.Usage}
	// The answer was streamed as it came: what it names that no loaded
	// incident has is flagged in a note that ends it, on screen and in memory.
	if ans.Unverified = s.unverified(text); len(ans.Unverified) > 0 {
		ans.note = unverifiedNote(s.loaded(), ans.Unverified)
		if onDelta != nil {
			onDelta(ans.note)
		}
		ans.Text += ans.note
	}
	return ans, nil
}

// loaded are the numbers of every incident the session has loaded.
func (s *Session) loaded() []int {
	nums := make([]int, 0, len(s.incidents))
	for n := range s.incidents {
		nums = append(nums, n)
	}
	slices.Sort(nums)
	return nums
}

// unverified are the entity-like tokens of an answer that none of the
// loaded incidents (nor socpilot's analysis of them) has, each once.
func (s *Session) unverified(text string) []string {
	var ds []socpilot.IncidentDetails
	for _, n := range s.loaded() {
		ds = append(ds, s.incidents[n])
	}
	g := newGrounding(ds...)
	for _, n := range s.loaded() {
		g.learnFacts(s.facts[n])
	}
	var out []string
	seen := map[string]bool{}
	for _, tok := range entityToken.FindAllString(text, -1) {
		tok = strings.TrimRight(tok, ".,;:")
		if low := strings.ToLower(tok); !seen[low] && g.suspicious(tok) {
			seen[low] = true
			out = append(out, tok)
		}
	}
	return out
}

// unverifiedNote ends an answer that names values the incidents lack.
func unverifiedNote(incidents []int, values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = "`" + strings.ReplaceAll(v, "`", "'") + "`"
	}
	return fmt.Sprintf("\n\n_socpilot: not found in incidents %s: %s. Treat as unverified._\n", joinInts(incidents), strings.Join(q, ", "))
}

// unverifiedMark follows each unverified value in the memory of a turn,
// so a later turn, or a summary of this one, does not take it as fact.
const unverifiedMark = " [unverified: not in the incidents]"

func markUnverified(text string, values []string) string {
	if len(values) == 0 {
		return text
	}
	return entityToken.ReplaceAllStringFunc(text, func(tok string) string {
		trimmed := strings.TrimRight(tok, ".,;:")
		for _, v := range values {
			if strings.EqualFold(trimmed, v) {
				return trimmed + unverifiedMark + tok[len(trimmed):]
			}
		}
		return tok
	})
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ", ")
}

// SharedEntities lists entity values that appear in more than one of the
// incidents, for cross-incident questions.
func SharedEntities(ds []socpilot.IncidentDetails) []socpilot.Correlation {
	sg := sightings{}
	for _, d := range ds {
		for _, e := range d.Entities {
			sg.add(e, d.Incident.Number)
		}
	}
	return sg.correlations(2)
}
