package storetest

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/socpilot/socpilot"
)

// SearchStore is a Store with full-text search over conversation turns.
type SearchStore interface {
	socpilot.Store
	SearchTurns(ctx context.Context, q string, limit int) ([]socpilot.Conversation, error)
}

// RunSearch tests SearchTurns. open must return a new, empty store for each
// call and close it when the test ends.
func RunSearch(t *testing.T, open func(t *testing.T) SearchStore) {
	s := open(t)
	ctx := t.Context()
	convs := map[string][]string{
		"a": {"Mimikatz ran on HOST-01 as admin", "no lateral movement seen", "the admin reset passwords"},
		"b": {"lateral movement to host-02 via PsExec", "Mimikatz again? check host-02"},
		"c": {"unrelated chatter"},
	}
	headers := map[string]socpilot.Conversation{}
	for _, id := range []string{"a", "b", "c"} {
		c := socpilot.Conversation{ID: id, Incidents: []int{len(id)}, Summary: "summary of " + id}
		for _, text := range convs[id] {
			c.Turns = append(c.Turns, turn("user", text, base))
		}
		got, err := s.CreateConversation(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		got.Turns = nil
		headers[id] = got
	}
	// found maps a conversation id to the contents of its matching turns.
	type found map[string][]string
	search := func(t *testing.T, q string, limit int) found {
		t.Helper()
		res, err := s.SearchTurns(ctx, q, limit)
		if err != nil {
			t.Fatalf("SearchTurns(%q): %v", q, err)
		}
		f := found{}
		for _, c := range res {
			if _, dup := f[c.ID]; dup {
				t.Errorf("SearchTurns(%q) lists conversation %s twice", q, c.ID)
			}
			f[c.ID] = contents(c.Turns)
			h := c
			h.Turns = nil
			// Updated moves with appends and compactions; the rest is fixed.
			if diff := cmp.Diff(headers[c.ID], h, opts, cmpopts.IgnoreFields(socpilot.Conversation{}, "Updated")); diff != "" {
				t.Errorf("SearchTurns(%q) conversation %s header (-want +got):\n%s", q, c.ID, diff)
			}
		}
		return f
	}
	tests := []struct {
		name, q string
		want    found
	}{
		{"one word, any case", "mimikatz", found{"a": {convs["a"][0]}, "b": {convs["b"][1]}}},
		{"all words required", "MIMIKATZ host-02", found{"b": {convs["b"][1]}}},
		{"two words", "lateral movement", found{"a": {convs["a"][1]}, "b": {convs["b"][0]}}},
		{"turns in conversation order", "admin", found{"a": {convs["a"][0], convs["a"][2]}}},
		{"hyphenated host", "host-01", found{"a": {convs["a"][0]}}},
		{"query syntax is data", `"unbalanced AND ( NEAR* -x`, found{}},
		{"punctuation only", " ( ) * ", found{}},
		{"empty", "", found{}},
		{"no match", "ransomware", found{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, search(t, tt.q, 0), opts); diff != "" {
				t.Errorf("SearchTurns(%q) (-want +got):\n%s", tt.q, diff)
			}
		})
	}
	t.Run("limit counts turns", func(t *testing.T) {
		n := 0
		for _, ts := range search(t, "admin", 1) {
			n += len(ts)
		}
		if n != 1 {
			t.Errorf("SearchTurns(admin, 1) returned %d turns; want 1", n)
		}
	})
	t.Run("follows history and appends", func(t *testing.T) {
		if err := s.ReplaceHistory(ctx, "a", []int{1}, "summary of a", []socpilot.Turn{turn("user", convs["a"][2], base)}); err != nil {
			t.Fatal(err)
		}
		if err := s.AppendTurns(ctx, "c", turn("assistant", "mimikatz is a credential dumper", base)); err != nil {
			t.Fatal(err)
		}
		want := found{"b": {convs["b"][1]}, "c": {"mimikatz is a credential dumper"}}
		if diff := cmp.Diff(want, search(t, "mimikatz", 0), opts); diff != "" {
			t.Errorf("after compaction and an append (-want +got):\n%s", diff)
		}
	})
}
