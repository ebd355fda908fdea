package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/socpilot/socpilot"
)

func testRatings(t *testing.T, s socpilot.Store) {
	ctx := t.Context()
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	up := socpilot.Rating{Time: t0, ConversationID: "c1", Turn: 1, Incidents: []int{103, 105}, Value: socpilot.RatingUp,
		Model: "gpt-test", AnswerSHA256: sha("answer one"), RatedBy: "ana@contoso.example"}
	other := socpilot.Rating{Time: t0.Add(time.Minute), ConversationID: "c1", Turn: 3, Value: socpilot.RatingDown, Model: "offline", AnswerSHA256: sha("answer two")}
	for _, r := range []socpilot.Rating{up, other} {
		if err := s.RateAnswer(ctx, r); err != nil {
			t.Fatalf("RateAnswer(%+v): %v", r, err)
		}
	}
	// The analyst changes their mind about turn 1: one rating, the new one.
	changed := up
	changed.Time, changed.Value = t0.Add(2*time.Minute), socpilot.RatingDown
	if err := s.RateAnswer(ctx, changed); err != nil {
		t.Fatalf("re-rate: %v", err)
	}
	got, err := s.Ratings(ctx, 0)
	if err != nil {
		t.Fatalf("Ratings: %v", err)
	}
	other.Incidents = []int{}
	if diff := cmp.Diff([]socpilot.Rating{changed, other}, got); diff != "" {
		t.Errorf("Ratings (-want +got):\n%s", diff)
	}
	if got, err := s.Ratings(ctx, 1); err != nil || len(got) != 1 || got[0].Turn != 1 {
		t.Errorf("Ratings(limit 1) = %+v, %v; want the newest only", got, err)
	}
	for _, bad := range []socpilot.Rating{
		{ConversationID: "", Turn: 1, Value: socpilot.RatingUp},
		{ConversationID: "c1", Turn: -1, Value: socpilot.RatingUp},
		{ConversationID: "c1", Turn: 1, Value: "meh"},
	} {
		if err := s.RateAnswer(ctx, bad); socpilot.ErrorCode(err) != socpilot.EInvalid {
			t.Errorf("RateAnswer(%+v) = %v; want EInvalid", bad, err)
		}
	}
}
