package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/socpilot/socpilot"
)

// RunExtras tests the methods of ExtraStore beyond socpilot.Store. open must
// return a new, empty store for each call and close it when the test ends.
func RunExtras(t *testing.T, open func(t *testing.T) ExtraStore) {
	t.Run("RecordWrite", func(t *testing.T) { testRecordWrite(t, open(t)) })
	t.Run("RecordWriteConcurrent", func(t *testing.T) { testRecordWriteConcurrent(t, open(t)) })
	t.Run("Analysis", func(t *testing.T) { testAnalysis(t, open(t)) })
	t.Run("Conversations", func(t *testing.T) { testConversations(t, open(t)) })
}

const incident = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/ws/providers/Microsoft.SecurityInsights/incidents/0a1b"

func sha(s string) string { return fmt.Sprintf("%064x", s) }

func testRecordWrite(t *testing.T, s ExtraStore) {
	ctx := t.Context()
	other := strings.Replace(incident, "0a1b", "ffff", 1)
	steps := []struct {
		name                          string
		incident, kind, artifact, sum string
		want                          bool
	}{
		{"first comment", incident, "comment", "c1", sha("v1"), true},
		{"same comment again", incident, "comment", "c1", sha("v1"), false},
		{"comment changed", incident, "comment", "c1", sha("v2"), true},
		{"changed back", incident, "comment", "c1", sha("v1"), true},
		{"again after change back", incident, "comment", "c1", sha("v1"), false},
		// ARM returns both …/incidents and …/Incidents: one incident.
		{"id in other case", strings.Replace(incident, "/incidents/", "/Incidents/", 1), "comment", "c1", sha("v1"), false},
		{"task with the comment's id", incident, "task", "c1", sha("v1"), true},
		{"another task", incident, "task", "t2", sha("v1"), true},
		{"same artifact id, other incident", other, "comment", "c1", sha("v1"), true},
		{"first task unchanged", incident, "task", "c1", sha("v1"), false},
	}
	for i, st := range steps {
		got, err := s.RecordWrite(ctx, st.incident, st.kind, st.artifact, st.sum, base.Add(time.Duration(i)*time.Second))
		if err != nil {
			t.Fatalf("%s: RecordWrite: %v", st.name, err)
		}
		if got != st.want {
			t.Errorf("%s: RecordWrite changed = %v; want %v", st.name, got, st.want)
		}
	}
	for _, bad := range [][4]string{{"", "comment", "c", "h"}, {incident, "", "c", "h"}, {incident, "task", "", "h"}, {incident, "task", "c", ""}} {
		if _, err := s.RecordWrite(ctx, bad[0], bad[1], bad[2], bad[3], base); socpilot.ErrorCode(err) != socpilot.EInvalid {
			t.Errorf("RecordWrite(%q): error %v; want code %s", bad, err, socpilot.EInvalid)
		}
	}
	// A zero time is accepted (stamped now).
	if changed, err := s.RecordWrite(ctx, incident, "comment", "c9", sha("z"), time.Time{}); err != nil || !changed {
		t.Errorf("RecordWrite with zero time = %v, %v; want true, nil", changed, err)
	}
}

// testRecordWriteConcurrent: replicas racing to record the same write must
// report exactly one change, or write-back would claim two updates.
func testRecordWriteConcurrent(t *testing.T, s ExtraStore) {
	ctx := t.Context()
	const racers = 8
	var changed atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, racers)
	for range racers {
		wg.Go(func() {
			c, err := s.RecordWrite(ctx, incident, "comment", "race", sha("same"), base)
			if err != nil {
				errs <- err
				return
			}
			if c {
				changed.Add(1)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := changed.Load(); n != 1 {
		t.Errorf("%d of %d concurrent identical RecordWrite calls reported a change; want exactly 1", n, racers)
	}
}

func testAnalysis(t *testing.T, s ExtraStore) {
	ctx := t.Context()
	if _, err := s.Analysis(ctx, "k1"); !errors.Is(err, socpilot.ErrNotFound) {
		t.Fatalf("Analysis of a missing key: %v; want ErrNotFound", err)
	}
	big := []byte(strings.Repeat(`{"narrative":"x\u0000y"}`, 20000))
	steps := []struct {
		key  string
		num  int
		data []byte
	}{
		{"k1", 1, []byte(`{"v":1}`)},
		{"k2", 2, big},
		{"k1", 1, []byte(`{"v":2}`)}, // replaces
		{"k3", 3, []byte{}},
		{"k4", 4, []byte{0, 1, 2, 255}},
	}
	want := map[string][]byte{}
	for _, st := range steps {
		if err := s.PutAnalysis(ctx, st.key, st.num, st.data, base); err != nil {
			t.Fatalf("PutAnalysis(%s): %v", st.key, err)
		}
		want[st.key] = st.data
	}
	for key, w := range want {
		got, err := s.Analysis(ctx, key)
		if err != nil {
			t.Fatalf("Analysis(%s): %v", key, err)
		}
		if !bytes.Equal(w, got) {
			t.Errorf("Analysis(%s) = %d bytes %.40q; want %d bytes %.40q", key, len(got), got, len(w), w)
		}
	}
	if err := s.PutAnalysis(ctx, "", 1, []byte("x"), base); socpilot.ErrorCode(err) != socpilot.EInvalid {
		t.Errorf("PutAnalysis with an empty key: %v; want code %s", err, socpilot.EInvalid)
	}
}

func testConversations(t *testing.T, s ExtraStore) {
	ctx := t.Context()
	got, err := s.Conversations(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Fatalf("Conversations on an empty store = %v; want none", got)
	}
	var created []socpilot.Conversation
	for i, id := range []string{"c1", "c2", "c3", "c4"} {
		c, err := s.CreateConversation(ctx, socpilot.Conversation{ID: id, Incidents: []int{i}, Summary: "s" + id,
			Created: base.Add(time.Duration(i) * time.Minute), Turns: []socpilot.Turn{turn("user", "q", base)}})
		if err != nil {
			t.Fatal(err)
		}
		c.Turns = nil
		created = append(created, c)
	}
	if err := s.AppendTurns(ctx, "c2", turn("assistant", "a", base)); err != nil {
		t.Fatal(err)
	}
	c2, err := s.Conversation(ctx, "c2")
	if err != nil {
		t.Fatal(err)
	}
	c2.Turns = nil
	order := []socpilot.Conversation{c2, created[3], created[2], created[0]}
	for _, tt := range []struct {
		limit int
		want  []socpilot.Conversation
	}{{0, order}, {10, order}, {2, order[:2]}} {
		got, err := s.Conversations(ctx, tt.limit)
		if err != nil {
			t.Fatalf("Conversations(%d): %v", tt.limit, err)
		}
		if diff := cmp.Diff(tt.want, got, opts); diff != "" {
			t.Errorf("Conversations(%d) (-want +got):\n%s", tt.limit, diff)
		}
	}
}

// RunReopen tests that what a store holds survives closing it and opening
// the storage again, and that several stores opening fresh storage at once
// (replicas starting together) all succeed. storage prepares new, empty
// storage and returns how to open it.
func RunReopen(t *testing.T, storage func(t *testing.T) Reopener) {
	t.Run("Persistence", func(t *testing.T) { testPersistence(t, storage(t)) })
	t.Run("ConcurrentOpen", func(t *testing.T) { testConcurrentOpen(t, storage(t)) })
}

func testPersistence(t *testing.T, reopen Reopener) {
	ctx := t.Context()
	s := mustOpen(t, reopen)
	c, err := s.CreateConversation(ctx, socpilot.Conversation{Incidents: []int{4}, Summary: "sum",
		Turns: []socpilot.Turn{turn("user", "q", base), turn("assistant", "a", base.Add(time.Second))}})
	if err != nil {
		t.Fatal(err)
	}
	rec := socpilot.AuditRecord{Time: base, Operation: "analyze", Incidents: []int{4}, Model: "m", PromptTokens: 1,
		CompletionTokens: 2, Elapsed: time.Second, RequestSHA256: sha("r"), Outcome: "ok"}
	if err := s.RecordModelCall(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if err := s.PutAnalysis(ctx, "key", 4, []byte("cached"), base); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordWrite(ctx, incident, "comment", "c1", sha("v1"), base); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v; want nil", err)
	}

	for round := range 2 { // the second reopen finds the schema already current
		s = mustOpen(t, reopen)
		got, err := s.LatestConversation(ctx)
		if err != nil {
			t.Fatalf("reopen %d: LatestConversation: %v", round, err)
		}
		if diff := cmp.Diff(c, got, opts); diff != "" {
			t.Errorf("reopen %d: conversation (-want +got):\n%s", round, diff)
		}
		calls, err := s.ModelCalls(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]socpilot.AuditRecord{rec}, calls, opts); diff != "" {
			t.Errorf("reopen %d: model calls (-want +got):\n%s", round, diff)
		}
		data, err := s.Analysis(ctx, "key")
		if err != nil || string(data) != "cached" {
			t.Errorf("reopen %d: Analysis = %q, %v; want %q", round, data, err, "cached")
		}
		changed, err := s.RecordWrite(ctx, incident, "comment", "c1", sha("v1"), base)
		if err != nil || changed {
			t.Errorf("reopen %d: RecordWrite of the journaled content = %v, %v; want unchanged", round, changed, err)
		}
		if err := s.AppendTurns(ctx, c.ID, turn("user", fmt.Sprintf("after reopen %d", round), base)); err != nil {
			t.Fatal(err)
		}
		c.Turns = append(c.Turns, turn("user", fmt.Sprintf("after reopen %d", round), base))
		got, err = s.Conversation(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		c.Updated = got.Updated
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func testConcurrentOpen(t *testing.T, reopen Reopener) {
	const n = 4
	ctx := t.Context()
	stores := make([]ExtraStore, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = reopen(ctx) })
	}
	wg.Wait()
	for i, s := range stores {
		// A failed Open may return a typed nil inside the interface.
		if errs[i] == nil {
			t.Cleanup(func() { s.Close() })
		}
	}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("store %d of %d opened at once: %v", i, n, err)
		}
	}
	for i, s := range stores {
		if _, err := s.CreateConversation(ctx, socpilot.Conversation{ID: fmt.Sprint("from-", i)}); err != nil {
			t.Errorf("store %d: CreateConversation: %v", i, err)
		}
	}
	list, err := stores[0].Conversations(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != n {
		t.Errorf("after %d stores each created one conversation, Conversations lists %d", n, len(list))
	}
	for _, s := range stores {
		s.Close()
	}
}

// Reopener opens a new store over the same storage each time it is called.
// The suite closes what it opens; closing twice must be harmless.
type Reopener func(ctx context.Context) (ExtraStore, error)

func mustOpen(t *testing.T, reopen Reopener) ExtraStore {
	t.Helper()
	s, err := reopen(t.Context())
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// BenchAppendTurns measures appending one question-and-answer pair of
// realistic size to a conversation that grows through the run.
func BenchAppendTurns(b *testing.B, s socpilot.Store) {
	ctx := b.Context()
	c, err := s.CreateConversation(ctx, socpilot.Conversation{Incidents: []int{1}})
	if err != nil {
		b.Fatal(err)
	}
	q := turn(socpilot.RoleUser, "Which hosts did the account sign in to after the suspicious MFA prompt?", time.Time{})
	a := turn(socpilot.RoleAssistant, strings.Repeat("The account signed in to host-01 from 203.0.113.7. ", 20), time.Time{})
	b.ReportAllocs()
	for b.Loop() {
		if err := s.AppendTurns(ctx, c.ID, q, a); err != nil {
			b.Fatal(err)
		}
	}
}
