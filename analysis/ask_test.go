package analysis_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

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
	for i := 0; i < 4; i++ { // three questions (~670 estimated tokens each), one summary
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

// TestAskFlagsWhatTheIncidentsLack: an answer that names an account the
// loaded incidents do not have is flagged in the answer shown (streamed
// too), and memory keeps the value marked as unverified, so the next turn
// does not read it as fact. An answer naming only the incident's values is
// left as it is.
func TestAskFlagsWhatTheIncidentsLack(t *testing.T) {
	ws := workspace(t, fixture(t))
	ctx := context.Background()
	srv := llmtest.New(t).
		Stream("The spray came from 203.0.113.9 ", "and then mallory@evil.example signed in on SRV-GHOST-01.").
		Stream("jdoe@contoso.com was targeted from 203.0.113.9.").
		Reply("ok")
	sess, err := analyzer(t, srv).NewSession(ctx, nil, ws.Details, []int{2})
	if err != nil {
		t.Fatal(err)
	}
	var streamed strings.Builder
	ans, err := sess.Ask(ctx, "Who signed in?", func(d string) { streamed.WriteString(d) })
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"mallory@evil.example", "SRV-GHOST-01"}, ans.Unverified); diff != "" {
		t.Errorf("unverified values (-want +got):\n%s", diff)
	}
	if !strings.Contains(ans.Text, "not found in incidents 2: `mallory@evil.example`, `SRV-GHOST-01`") {
		t.Errorf("the answer does not flag what the incident lacks:\n%s", ans.Text)
	}
	if streamed.String() != ans.Text {
		t.Errorf("the streamed answer %q is not the answer %q", streamed.String(), ans.Text)
	}
	remembered := sess.Conv.Turns[len(sess.Conv.Turns)-1].Content
	if !strings.Contains(remembered, "mallory@evil.example [unverified") || strings.Contains(remembered, "203.0.113.9 [unverified") {
		t.Errorf("memory does not mark exactly the unverified values:\n%s", remembered)
	}

	ans, err = sess.Ask(ctx, "Who was targeted?", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(ans.Unverified) != 0 || strings.Contains(ans.Text, "not found in incidents") {
		t.Errorf("an answer naming only the incident's values was flagged: %q (%v)", ans.Text, ans.Unverified)
	}
	// The next request carries the first answer with its values marked.
	if _, err := sess.Ask(ctx, "And then?", nil); err != nil {
		t.Fatal(err)
	}
	var sent string
	for _, m := range srv.LastRequest().Body.Messages {
		if m.Role == socpilot.RoleAssistant && strings.Contains(m.Content, "mallory") {
			sent = m.Content
		}
	}
	if !strings.Contains(sent, "mallory@evil.example [unverified") {
		t.Errorf("a later turn sees the invented account as fact:\n%s", sent)
	}
}

// TestAskWithoutIncidentSendsNoIncidentBlock: a chat with no incident yet
// sends no empty incident message and no canned "I have the incident data".
func TestAskWithoutIncidentSendsNoIncidentBlock(t *testing.T) {
	ws := workspace(t, fixture(t))
	ctx := context.Background()
	srv := llmtest.New(t).Stream("Load one with /incident N.")
	sess, err := analyzer(t, srv).NewSession(ctx, nil, ws.Details, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sess.Ask(ctx, "what can you do?", nil); err != nil {
		t.Fatal(err)
	}
	for _, m := range srv.LastRequest().Body.Messages {
		if strings.TrimSpace(m.Content) == "" || strings.Contains(m.Content, "I have the incident data") {
			t.Errorf("message %q sent with no incident loaded", m.Content)
		}
	}
}
