package sqlstore

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/socpilot/socpilot"
)

func TestGroupHits(t *testing.T) {
	t.Parallel()
	hit := func(conv string, seq int64) TurnHit {
		return TurnHit{Conversation: conv, Seq: seq, Turn: socpilot.Turn{Content: conv + string(rune('0'+seq))}}
	}
	headers := 0
	got, err := GroupHits([]TurnHit{hit("b", 3), hit("a", 2), hit("b", 1), hit("a", 5), hit("b", 2)},
		func(id string) (socpilot.Conversation, error) {
			headers++
			return socpilot.Conversation{ID: id, Summary: "of " + id}, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	want := []socpilot.Conversation{
		{ID: "b", Summary: "of b", Turns: []socpilot.Turn{{Content: "b1"}, {Content: "b2"}, {Content: "b3"}}},
		{ID: "a", Summary: "of a", Turns: []socpilot.Turn{{Content: "a2"}, {Content: "a5"}}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GroupHits (-want +got):\n%s", diff)
	}
	if headers != 2 {
		t.Errorf("header read %d times; want once per conversation (2)", headers)
	}

	boom := errors.New("boom")
	if _, err := GroupHits([]TurnHit{hit("a", 1)}, func(string) (socpilot.Conversation, error) { return socpilot.Conversation{}, boom }); !errors.Is(err, boom) {
		t.Errorf("GroupHits with a failing header: %v; want %v", err, boom)
	}
	if got, err := GroupHits(nil, nil); err != nil || got == nil || len(got) != 0 {
		t.Errorf("GroupHits(nil) = %#v, %v; want an empty, non-nil list", got, err)
	}
}
