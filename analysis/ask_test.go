package analysis_test

import (
	"context"
	"strings"
	"testing"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/llm/llmtest"
)

func TestAskStreamsAndRemembers(t *testing.T) {
	ws := workspace(t, fixture(t))
	ctx := context.Background()
	srv := llmtest.New(t).
		Stream("The spray ", "came from ", "203.0.113.9.").
		Stream("Yes, ", "jdoe was targeted.")
	an := analyzer(t, srv)
	sess, err := an.NewSession(ctx, nil, ws.Details, []int{2})
	if err != nil {
		t.Fatal(err)
	}
	var streamed []string
	ans, err := sess.Ask(ctx, "Where did the spray come from?", func(d string) { streamed = append(streamed, d) })
	if err != nil {
		t.Fatal(err)
	}
	if ans.Text != "The spray came from 203.0.113.9." || strings.Join(streamed, "") != ans.Text || len(streamed) < 2 {
		t.Errorf("answer %q streamed as %q", ans.Text, streamed)
	}
	if ans.Offline || ans.Usage.Calls != 1 {
		t.Errorf("answer offline=%v usage=%+v", ans.Offline, ans.Usage)
	}
	if _, err := sess.Ask(ctx, "Was jdoe targeted?", nil); err != nil {
		t.Fatal(err)
	}
	// The follow-up carries the earlier turns.
	follow := srv.LastRequest().Body.Messages
	var sawQ, sawA bool
	for _, m := range follow {
		if m.Role == "user" && m.Content == "Where did the spray come from?" {
			sawQ = true
		}
		if m.Role == "assistant" && m.Content == "The spray came from 203.0.113.9." {
			sawA = true
		}
	}
	if !sawQ || !sawA {
		t.Errorf("follow-up request lacks the earlier turn (question %v, answer %v)", sawQ, sawA)
	}
	if got := len(sess.Conv.Turns); got != 4 {
		t.Errorf("%d turns in memory, want 4", got)
	}
}

func TestMemoryIsBoundedBySummaries(t *testing.T) {
	ws := workspace(t, fixture(t))
	ctx := context.Background()
	long := strings.Repeat("word ", 400)
	srv := llmtest.New(t)
	answer := func(r llmtest.Request) llmtest.Response {
		if strings.Contains(r.Text(), "Summarise this SOC conversation") {
			return llmtest.Response{Content: "Summary: the analyst asked about jdoe and 203.0.113.9."}
		}
		return llmtest.Response{Content: long}
	}
	for i := 0; i < 5; i++ { // four questions, one summary
		srv.Func(answer)
	}
	an := analyzer(t, srv)
	sess, err := an.NewSession(ctx, nil, ws.Details, []int{2})
	if err != nil {
		t.Fatal(err)
	}
	sess.MemoryTokens = 1500
	for i := 0; i < 4; i++ {
		if _, err := sess.Ask(ctx, "question "+string(rune('A'+i)), nil); err != nil {
			t.Fatal(err)
		}
		if sess.Conv.Summary != "" {
			break
		}
	}
	if sess.Conv.Summary == "" || !strings.Contains(sess.Conv.Summary, "jdoe") {
		t.Fatalf("no summary after exceeding the memory budget: %q", sess.Conv.Summary)
	}
	if len(sess.Conv.Turns) > 4 {
		t.Errorf("%d turns kept after summarising, want at most 4", len(sess.Conv.Turns))
	}
}

func TestAskWithoutModelAnswersFromSections(t *testing.T) {
	ws := workspace(t, fixture(t))
	ctx := context.Background()
	sess, err := analyzer(t, nil).NewSession(ctx, nil, ws.Details, []int{2, 1})
	if err != nil {
		t.Fatal(err)
	}
	ans, err := sess.Ask(ctx, "What should I do next, and which KQL query helps?", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !ans.Offline || !strings.Contains(ans.Text, "No model is configured") {
		t.Errorf("offline answer not marked: %q", ans.Text)
	}
	for _, want := range []string{"**what to do first**", "**hunting queries**", "```kql", "Incident 2", "Incident 1", "Shared between these incidents"} {
		if !strings.Contains(ans.Text, want) {
			t.Errorf("offline answer lacks %q:\n%s", want, ans.Text)
		}
	}
	_ = socpilot.RoleUser
}
