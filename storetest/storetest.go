// Package storetest is the one test suite every socpilot.Store must pass:
// the SQLite store always runs it, the PostgreSQL store when a server is
// reachable. A behaviour the rest of socpilot relies on belongs here, not in
// one implementation's tests.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/socpilot/socpilot"
)

// ExtraStore is a Store with the methods beyond socpilot.Store that both
// implementations provide: the write-back journal, the analysis cache and
// the conversation list.
type ExtraStore interface {
	socpilot.Store
	RecordWrite(ctx context.Context, incidentID, kind, artifactID, contentSHA256 string, at time.Time) (changed bool, err error)
	PutAnalysis(ctx context.Context, key string, incidentNumber int, data []byte, at time.Time) error
	Analysis(ctx context.Context, key string) ([]byte, error)
	Conversations(ctx context.Context, limit int) ([]socpilot.Conversation, error)
}

// base is a fixed instant with sub-second digits, to the microsecond (the
// resolution every store keeps).
var base = time.Date(2026, 3, 1, 12, 0, 0, 123456000, time.UTC)

// opts compares stored values: nil and empty slices are the same answer.
var opts = cmp.Options{cmpopts.EquateEmpty()}

func turn(role, content string, at time.Time) socpilot.Turn {
	return socpilot.Turn{Role: role, Content: content, Time: at}
}

// Run tests the socpilot.Store contract. open must return a new, empty store
// for each call and close it when the test ends.
func Run(t *testing.T, open func(t *testing.T) socpilot.Store) {
	t.Run("CreateGet", func(t *testing.T) { testCreateGet(t, open(t)) })
	t.Run("CreateDuplicate", func(t *testing.T) { testCreateDuplicate(t, open(t)) })
	t.Run("Latest", func(t *testing.T) { testLatest(t, open(t)) })
	t.Run("AppendOrder", func(t *testing.T) { testAppendOrder(t, open(t)) })
	t.Run("ReplaceHistory", func(t *testing.T) { testReplaceHistory(t, open(t)) })
	t.Run("ConcurrentAppend", func(t *testing.T) { testConcurrentAppend(t, open(t)) })
	t.Run("Audit", func(t *testing.T) { testAudit(t, open(t)) })
	t.Run("Ratings", func(t *testing.T) { testRatings(t, open(t)) })
	t.Run("NotFound", func(t *testing.T) { testNotFound(t, open(t)) })
	t.Run("Canceled", func(t *testing.T) { testCanceled(t, open(t)) })
}

func testCreateGet(t *testing.T, s socpilot.Store) {
	ctx := t.Context()
	cet := time.FixedZone("CET", 3600)
	tests := []struct {
		name string
		in   socpilot.Conversation
		want socpilot.Conversation // ID and zero times are filled from the result
	}{
		{
			name: "full",
			in: socpilot.Conversation{ID: "conv-full", Incidents: []int{7, 3}, Summary: "earlier: phishing triage",
				Created: base, Updated: base.Add(time.Minute),
				Turns: []socpilot.Turn{
					{Role: socpilot.RoleUser, Content: "what happened?", Time: base, Tokens: 4},
					{Role: socpilot.RoleAssistant, Content: "a <b>login</b> from 'x'; DROP TABLE turns;--", Time: base.Add(time.Second), Tokens: 12},
				}},
			want: socpilot.Conversation{ID: "conv-full", Incidents: []int{7, 3}, Summary: "earlier: phishing triage",
				Created: base, Updated: base.Add(time.Minute),
				Turns: []socpilot.Turn{
					{Role: socpilot.RoleUser, Content: "what happened?", Time: base, Tokens: 4},
					{Role: socpilot.RoleAssistant, Content: "a <b>login</b> from 'x'; DROP TABLE turns;--", Time: base.Add(time.Second), Tokens: 12},
				}},
		},
		{
			name: "generated id and times",
			in:   socpilot.Conversation{Incidents: []int{42}},
			want: socpilot.Conversation{Incidents: []int{42}},
		},
		{
			name: "other zone and nanoseconds",
			in:   socpilot.Conversation{ID: "conv-zone", Created: base.In(cet).Add(789 * time.Nanosecond), Turns: []socpilot.Turn{turn("user", "héllo ✓", base.In(cet))}},
			want: socpilot.Conversation{ID: "conv-zone", Created: base, Updated: base, Turns: []socpilot.Turn{turn("user", "héllo ✓", base)}},
		},
	}
	ids := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := time.Now().Truncate(time.Microsecond)
			got, err := s.CreateConversation(ctx, tt.in)
			if err != nil {
				t.Fatalf("CreateConversation: %v", err)
			}
			after := time.Now()
			if got.ID == "" || ids[got.ID] {
				t.Fatalf("CreateConversation gave id %q; want a new non-empty id", got.ID)
			}
			ids[got.ID] = true
			want := tt.want
			if want.ID == "" {
				want.ID = got.ID
			}
			if want.Created.IsZero() {
				if got.Created.Before(before) || got.Created.After(after) {
					t.Errorf("Created = %v; want the current time (between %v and %v)", got.Created, before, after)
				}
				want.Created, want.Updated = got.Created, got.Created
			}
			for _, tm := range []time.Time{got.Created, got.Updated} {
				if tm.Location() != time.UTC {
					t.Errorf("time %v is not in UTC", tm)
				}
			}
			if diff := cmp.Diff(want, got, opts); diff != "" {
				t.Errorf("CreateConversation returned (-want +got):\n%s", diff)
			}
			stored, err := s.Conversation(ctx, got.ID)
			if err != nil {
				t.Fatalf("Conversation: %v", err)
			}
			if diff := cmp.Diff(want, stored, opts); diff != "" {
				t.Errorf("Conversation(%q) (-want +got):\n%s", got.ID, diff)
			}
			for _, tu := range stored.Turns {
				if tu.Time.Location() != time.UTC {
					t.Errorf("turn time %v is not in UTC", tu.Time)
				}
			}
		})
	}
}

func testCreateDuplicate(t *testing.T, s socpilot.Store) {
	ctx := t.Context()
	if _, err := s.CreateConversation(ctx, socpilot.Conversation{ID: "dup", Summary: "first"}); err != nil {
		t.Fatal(err)
	}
	_, err := s.CreateConversation(ctx, socpilot.Conversation{ID: "dup", Summary: "second"})
	if got := socpilot.ErrorCode(err); got != socpilot.EConflict {
		t.Errorf("second CreateConversation with the same id: error %v (code %s); want code %s", err, got, socpilot.EConflict)
	}
	c, err := s.Conversation(ctx, "dup")
	if err != nil {
		t.Fatal(err)
	}
	if c.Summary != "first" {
		t.Errorf("Summary = %q after a refused duplicate; want the first conversation kept", c.Summary)
	}
}

func latestID(t *testing.T, s socpilot.Store) string {
	t.Helper()
	c, err := s.LatestConversation(t.Context())
	if err != nil {
		t.Fatalf("LatestConversation: %v", err)
	}
	return c.ID
}

func testLatest(t *testing.T, s socpilot.Store) {
	ctx := t.Context()
	if _, err := s.LatestConversation(ctx); !errors.Is(err, socpilot.ErrNotFound) {
		t.Fatalf("LatestConversation on an empty store: %v; want ErrNotFound", err)
	}
	// The steps follow each other faster than a clock tick: the order must
	// come from the order of the changes, not from the timestamps.
	steps := []struct {
		name string
		do   func() error
		want string
	}{
		{"create a", func() error { _, err := s.CreateConversation(ctx, socpilot.Conversation{ID: "a"}); return err }, "a"},
		{"create b", func() error { _, err := s.CreateConversation(ctx, socpilot.Conversation{ID: "b"}); return err }, "b"},
		{"append to a", func() error { return s.AppendTurns(ctx, "a", turn("user", "hi", time.Time{})) }, "a"},
		{"replace history of b", func() error { return s.ReplaceHistory(ctx, "b", []int{1}, "s", nil) }, "b"},
		{"create c with an old time", func() error {
			_, err := s.CreateConversation(ctx, socpilot.Conversation{ID: "c", Created: base.AddDate(-1, 0, 0)})
			return err
		}, "c"},
		{"append to a again", func() error { return s.AppendTurns(ctx, "a", turn("assistant", "hello", time.Time{})) }, "a"},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got := latestID(t, s); got != st.want {
			t.Errorf("after %s: LatestConversation = %q; want %q", st.name, got, st.want)
		}
	}
	c, err := s.LatestConversation(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"hi", "hello"}, contents(c.Turns)); diff != "" {
		t.Errorf("LatestConversation turns (-want +got):\n%s", diff)
	}
}

func contents(turns []socpilot.Turn) []string {
	var out []string
	for _, tu := range turns {
		out = append(out, tu.Content)
	}
	return out
}

func testAppendOrder(t *testing.T, s socpilot.Store) {
	ctx := t.Context()
	c, err := s.CreateConversation(ctx, socpilot.Conversation{Turns: []socpilot.Turn{turn("user", "t000", base)}})
	if err != nil {
		t.Fatal(err)
	}
	want := []socpilot.Turn{turn("user", "t000", base)}
	n := 1
	// Batches of different sizes; turn times deliberately not increasing, so
	// order can only come from the sequence, not from the time column.
	for _, size := range []int{1, 3, 0, 7, 2, 40, 1} {
		var batch []socpilot.Turn
		for range size {
			role := socpilot.RoleUser
			if n%2 == 1 {
				role = socpilot.RoleAssistant
			}
			tu := socpilot.Turn{Role: role, Content: fmt.Sprintf("t%03d", n), Time: base.Add(time.Duration(-n) * time.Second), Tokens: n}
			batch = append(batch, tu)
			n++
		}
		if err := s.AppendTurns(ctx, c.ID, batch...); err != nil {
			t.Fatalf("AppendTurns(%d turns): %v", size, err)
		}
		want = append(want, batch...)
	}
	before := time.Now().Truncate(time.Microsecond)
	if err := s.AppendTurns(ctx, c.ID, turn("user", "now", time.Time{})); err != nil {
		t.Fatal(err)
	}
	got, err := s.Conversation(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := got.Turns[len(got.Turns)-1]
	if last.Time.Before(before) {
		t.Errorf("a turn with a zero time got %v; want the current time", last.Time)
	}
	if got.Updated.Before(before) {
		t.Errorf("Updated = %v after an append; want at least %v", got.Updated, before)
	}
	if diff := cmp.Diff(want, got.Turns[:len(got.Turns)-1], opts); diff != "" {
		t.Errorf("turns after appends (-want +got):\n%s", diff)
	}
}

func testReplaceHistory(t *testing.T, s socpilot.Store) {
	older := []socpilot.Turn{turn("user", "q1", base), turn("assistant", "a1", base.Add(time.Second)),
		turn("user", "q2", base.Add(2*time.Second)), turn("assistant", "a2", base.Add(3*time.Second))}
	tests := []struct {
		name      string
		incidents []int
		summary   string
		keep      []socpilot.Turn
		then      []socpilot.Turn // appended after the compaction
	}{
		{name: "keep the last two", incidents: []int{1, 2}, summary: "q1 asked about 1; a1 answered", keep: older[2:],
			then: []socpilot.Turn{turn("user", "q3", base.Add(time.Hour))}},
		{name: "keep none", incidents: []int{5}, summary: "everything so far, summarised"},
		{name: "keep all, drop incidents", incidents: nil, summary: "", keep: older,
			then: []socpilot.Turn{turn("user", "q3", base.Add(time.Hour)), turn("assistant", "a3", base.Add(time.Hour))}},
		{name: "new turns in keep", incidents: []int{9}, summary: "s",
			keep: []socpilot.Turn{turn("assistant", "recap", base.Add(time.Minute))}},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			c, err := s.CreateConversation(ctx, socpilot.Conversation{Incidents: []int{1}, Turns: older})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.ReplaceHistory(ctx, c.ID, tt.incidents, tt.summary, tt.keep); err != nil {
				t.Fatalf("ReplaceHistory: %v", err)
			}
			if err := s.AppendTurns(ctx, c.ID, tt.then...); err != nil {
				t.Fatalf("AppendTurns after ReplaceHistory: %v", err)
			}
			got, err := s.Conversation(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := c
			want.Incidents = tt.incidents
			want.Summary = tt.summary
			want.Turns = append(append([]socpilot.Turn{}, tt.keep...), tt.then...)
			if diff := cmp.Diff(want, got, opts, cmpopts.IgnoreFields(socpilot.Conversation{}, "Updated")); diff != "" {
				t.Errorf("after ReplaceHistory (-want +got):\n%s", diff)
			}
			if got.Updated.Before(c.Updated) {
				t.Errorf("Updated went back from %v to %v", c.Updated, got.Updated)
			}
		})
	}
}

func testConcurrentAppend(t *testing.T, s socpilot.Store) {
	ctx := t.Context()
	c, err := s.CreateConversation(ctx, socpilot.Conversation{})
	if err != nil {
		t.Fatal(err)
	}
	const writers, appends = 8, 12
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for i := range appends {
				// Each append is a pair that must stay together.
				q := turn("user", fmt.Sprintf("w%d q%02d", w, i), time.Time{})
				a := turn("assistant", fmt.Sprintf("w%d a%02d", w, i), time.Time{})
				if err := s.AppendTurns(ctx, c.ID, q, a); err != nil {
					errs <- fmt.Errorf("writer %d append %d: %w", w, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	got, err := s.Conversation(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Turns) != writers*appends*2 {
		t.Fatalf("got %d turns; want %d", len(got.Turns), writers*appends*2)
	}
	next := make([]int, writers)
	for i := 0; i < len(got.Turns); i += 2 {
		var w, n, w2, n2 int
		if _, err := fmt.Sscanf(got.Turns[i].Content, "w%d q%d", &w, &n); err != nil {
			t.Fatalf("turn %d = %q; want a question", i, got.Turns[i].Content)
		}
		if _, err := fmt.Sscanf(got.Turns[i+1].Content, "w%d a%d", &w2, &n2); err != nil || w2 != w || n2 != n {
			t.Fatalf("turn %d = %q follows %q; want its answer", i+1, got.Turns[i+1].Content, got.Turns[i].Content)
		}
		if n != next[w] {
			t.Fatalf("writer %d: pair %d comes where %d was expected", w, n, next[w])
		}
		next[w]++
	}
}

func testAudit(t *testing.T, s socpilot.Store) {
	ctx := t.Context()
	got, err := s.ModelCalls(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Fatalf("ModelCalls on an empty store = %v; want none", got)
	}
	rec := func(min int, op string, incidents ...int) socpilot.AuditRecord {
		return socpilot.AuditRecord{Time: base.Add(time.Duration(min) * time.Minute), Operation: op, Incidents: incidents,
			Model: "gpt-4o", PromptTokens: 1000 + min, CompletionTokens: 200, Elapsed: 1500*time.Millisecond + time.Duration(min),
			RequestSHA256: fmt.Sprintf("%064x", min), Outcome: "ok"}
	}
	// Recorded out of time order; the two at minute 3 tie on time and come
	// back in reverse recording order.
	in := []socpilot.AuditRecord{rec(2, "analyze", 1), rec(5, "ask", 1, 2), rec(1, "repair"), rec(3, "chat", 3), rec(3, "summarise", 3), rec(4, "analyze", 4)}
	in[2].Outcome = "throttled"
	for _, r := range in {
		if err := s.RecordModelCall(ctx, r); err != nil {
			t.Fatalf("RecordModelCall: %v", err)
		}
	}
	newestFirst := []socpilot.AuditRecord{in[1], in[5], in[4], in[3], in[0], in[2]}
	for _, tt := range []struct {
		limit int
		want  []socpilot.AuditRecord
	}{
		{0, newestFirst},
		{-1, newestFirst},
		{100, newestFirst},
		{2, newestFirst[:2]},
		{1, newestFirst[:1]},
	} {
		got, err := s.ModelCalls(ctx, tt.limit)
		if err != nil {
			t.Fatalf("ModelCalls(%d): %v", tt.limit, err)
		}
		if diff := cmp.Diff(tt.want, got, opts); diff != "" {
			t.Errorf("ModelCalls(%d) (-want +got):\n%s", tt.limit, diff)
		}
	}
	before := time.Now().Truncate(time.Microsecond)
	if err := s.RecordModelCall(ctx, socpilot.AuditRecord{Operation: "ask", Model: "m", Outcome: "ok"}); err != nil {
		t.Fatal(err)
	}
	got, err = s.ModelCalls(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Operation != "ask" || got[0].Time.Before(before) || got[0].Time.Location() != time.UTC {
		t.Errorf("a record with a zero time came back as %+v; want it newest, stamped now in UTC", got)
	}
}

func testNotFound(t *testing.T, s socpilot.Store) {
	ctx := t.Context()
	if _, err := s.CreateConversation(ctx, socpilot.Conversation{ID: "exists"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		do   func() error
	}{
		{"Conversation", func() error { _, err := s.Conversation(ctx, "missing"); return err }},
		{"Conversation empty id", func() error { _, err := s.Conversation(ctx, ""); return err }},
		{"AppendTurns", func() error { return s.AppendTurns(ctx, "missing", turn("user", "x", base)) }},
		{"AppendTurns none", func() error { return s.AppendTurns(ctx, "missing") }},
		{"ReplaceHistory", func() error { return s.ReplaceHistory(ctx, "missing", []int{1}, "s", nil) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			if !errors.Is(err, socpilot.ErrNotFound) {
				t.Fatalf("error %v; want one matching socpilot.ErrNotFound", err)
			}
			if code := socpilot.ErrorCode(err); code != socpilot.ENotFound {
				t.Errorf("ErrorCode = %q; want %q", code, socpilot.ENotFound)
			}
		})
	}
	// A failed append must not have created anything.
	if got := latestID(t, s); got != "exists" {
		t.Errorf("LatestConversation = %q after failed writes; want %q", got, "exists")
	}
}

func testCanceled(t *testing.T, s socpilot.Store) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.CreateConversation(ctx, socpilot.Conversation{ID: "x"}); err == nil {
		t.Error("CreateConversation with a canceled context succeeded; want an error")
	}
	if _, err := s.Conversation(t.Context(), "x"); !errors.Is(err, socpilot.ErrNotFound) {
		t.Errorf("Conversation after a canceled create: %v; want ErrNotFound", err)
	}
}
