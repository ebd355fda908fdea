package analysis_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/analysis"
	"github.com/socpilot/socpilot/llm/llmtest"
	"github.com/socpilot/socpilot/sqlite"
)

// The console's conversations: memory across turns, /add, and a restart
// (a new Chats on the same store) that resumes with the memory intact.
func TestChatsRememberAcrossTurnsAndRestarts(t *testing.T) {
	ws := workspace(t, fixture(t))
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "socpilot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv := llmtest.New(t).
		Stream("The spray ", "came from ", "203.0.113.9.").
		Stream("Both incidents ", "share it.").
		Stream("As I said, ", "203.0.113.9.")
	an := analyzer(t, srv)

	chats := an.NewChats(st, ws.Details, 0)
	var streamed strings.Builder
	r1, err := chats.Ask(ctx, analysis.ChatTurn{Incident: 2, Question: "Where did the spray come from?"}, func(d string) { streamed.WriteString(d) })
	if err != nil {
		t.Fatal(err)
	}
	if r1.Conversation == "" || r1.Turn != 1 || r1.Model == "offline" || streamed.String() != r1.Answer.Text {
		t.Fatalf("first reply %+v, streamed %q", r1, streamed.String())
	}
	r2, err := chats.Ask(ctx, analysis.ChatTurn{Conversation: r1.Conversation, Incident: 2, Add: []int{1}, Question: "Do they share it?"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r2.Conversation != r1.Conversation || r2.Turn != 3 || len(r2.Incidents) != 2 {
		t.Fatalf("second reply %+v", r2)
	}
	if !requestHas(srv.LastRequest(), "Where did the spray come from?") {
		t.Error("the second question was sent without the first turn")
	}

	// A restart: the conversation comes back from the store with its memory.
	again := an.NewChats(st, ws.Details, 0)
	r3, err := again.Ask(ctx, analysis.ChatTurn{Conversation: r1.Conversation, Incident: 2, Question: "Remind me?"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r3.Turn != 5 || len(r3.Incidents) != 2 {
		t.Errorf("after a restart: %+v", r3)
	}
	if !requestHas(srv.LastRequest(), "Do they share it?") {
		t.Error("after a restart the question was sent without the earlier turns")
	}
	conv, err := again.Conversation(ctx, r1.Conversation)
	if err != nil || len(conv.Turns) != 6 {
		t.Fatalf("Conversation = %d turns, %v", len(conv.Turns), err)
	}

	if _, err := again.Ask(ctx, analysis.ChatTurn{Conversation: "nosuchid", Question: "hi"}, nil); socpilot.ErrorCode(err) != socpilot.ENotFound {
		t.Errorf("unknown conversation: %v, want ENotFound", err)
	}
	if _, err := again.Ask(ctx, analysis.ChatTurn{Incident: 9999, Question: "hi"}, nil); socpilot.ErrorCode(err) != socpilot.ENotFound {
		t.Errorf("unknown incident: %v, want ENotFound", err)
	}
}

// Questions to one conversation are answered one at a time: none is lost
// and the turns stay paired.
func TestChatsSerialiseOneConversation(t *testing.T) {
	ws := workspace(t, fixture(t))
	ctx := context.Background()
	an := analyzer(t, nil) // offline answers
	chats := an.NewChats(nil, ws.Details, 2)
	r, err := chats.Ask(ctx, analysis.ChatTurn{Incident: 2, Question: "which accounts are involved?"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := chats.Ask(ctx, analysis.ChatTurn{Conversation: r.Conversation, Question: "what happened?"}, nil); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	conv, err := chats.Conversation(ctx, r.Conversation)
	if err != nil {
		t.Fatal(err)
	}
	if len(conv.Turns) != 18 {
		t.Fatalf("%d turns, want 18", len(conv.Turns))
	}
	for i, tu := range conv.Turns {
		if want := []string{socpilot.RoleUser, socpilot.RoleAssistant}[i%2]; tu.Role != want {
			t.Fatalf("turn %d is %s, want %s", i, tu.Role, want)
		}
	}
}

func requestHas(r llmtest.Request, content string) bool {
	for _, m := range r.Body.Messages {
		if strings.Contains(m.Content, content) {
			return true
		}
	}
	return false
}
