package console_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/analysis"
	"github.com/socpilot/socpilot/console"
	"github.com/socpilot/socpilot/kql/gate"
	"github.com/socpilot/socpilot/llm"
	"github.com/socpilot/socpilot/llm/llmtest"
	"github.com/socpilot/socpilot/offline"
	"github.com/socpilot/socpilot/sqlite"
)

// chatOptions adds the chat panel to the demo console: conversations and
// ratings in a real SQLite store, answers from the scripted model srv
// (nil: the offline analyst).
func chatOptions(t testing.TB, srv *llmtest.Server) (console.Options, *sqlite.Store) {
	t.Helper()
	o, _ := demoOptions(t)
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "socpilot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	g := gate.New(nil)
	an := &analysis.Analyzer{Facts: offline.New(offline.Options{HasTable: g.HasTable}), Queries: g}
	if srv != nil {
		cfg := srv.Config(llm.ProviderCompatible)
		cfg.Timeout = 5 * time.Second
		m, err := llm.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		an.Model = m
		o.Mode = "model " + m.Name()
	}
	chats := an.NewChats(st, o.Details, 0)
	o.Chat = func(ctx context.Context, req console.ChatRequest, onDelta func(string)) (console.ChatReply, error) {
		r, err := chats.Ask(ctx, analysis.ChatTurn{Conversation: req.Conversation, Incident: req.Incident, Add: req.Add, Question: req.Question}, onDelta)
		return console.ChatReply{Conversation: r.Conversation, Incidents: r.Incidents, Text: r.Answer.Text, Offline: r.Answer.Offline,
			Note: r.Answer.Note, Turn: r.Turn, Model: r.Model, Usage: r.Answer.Usage, Elapsed: r.Elapsed}, err
	}
	o.Conversation = chats.Conversation
	o.Rate = st.RateAnswer
	return o, st
}

type event struct {
	Name string
	Data map[string]any
}

// chatPost sends a chat message as the console's script does and reads
// the event stream to its end.
func chatPost(t *testing.T, c *http.Client, base string, n int, token, conv, msg string) (*http.Response, []event) {
	t.Helper()
	form := url.Values{console.CSRFField: {token}, "conv": {conv}, "message": {msg}}
	req, _ := http.NewRequest(http.MethodPost, base+"/incidents/"+itoa(n)+"/chat", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var evs []event
	sc := bufio.NewScanner(resp.Body)
	var cur event
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			cur.Name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &cur.Data); err != nil {
				t.Fatalf("event %s: data is not JSON: %v", cur.Name, err)
			}
		case line == "" && cur.Name != "":
			evs = append(evs, cur)
			cur = event{}
		}
	}
	return resp, evs
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestChatStreamsRemembersAndRates(t *testing.T) {
	srv := llmtest.New(t).
		Stream("The sign-ins ", "came from ", "<img src=x onerror=alert(1)> ", "a known VPN.").
		Stream("Both incidents ", "share the account.")
	o, st := chatOptions(t, srv)
	hs := newServer(t, o)
	c := jarClient(t)
	tok := csrfOf(t, c, hs.URL)

	resp, evs := chatPost(t, c, hs.URL, 103, tok, "", "Where did the sign-ins come from?")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var deltas []string
	for _, e := range evs {
		if e.Name == "delta" {
			deltas = append(deltas, e.Data["text"].(string))
		}
	}
	if len(deltas) < 4 {
		t.Fatalf("%d delta events, want the answer token by token: %v", len(deltas), evs)
	}
	done := evs[len(evs)-1]
	if done.Name != "done" {
		t.Fatalf("last event %q, want done", done.Name)
	}
	conv, _ := done.Data["conversation"].(string)
	if conv == "" || done.Data["turn"].(float64) != 1 || done.Data["text"] != strings.Join(deltas, "") {
		t.Fatalf("done = %v", done.Data)
	}
	if r := done.Data["receipt"].(string); !strings.Contains(r, "prompt") || !strings.Contains(r, "$") {
		t.Errorf("receipt %q lacks tokens and cost", r)
	}

	// The follow-up with /add brings in 105 and is sent with the first turn.
	_, evs = chatPost(t, c, hs.URL, 103, tok, conv, "/add 105")
	if d := evs[len(evs)-1]; d.Name != "done" || len(d.Data["incidents"].([]any)) != 2 || d.Data["question"] != false {
		t.Fatalf("/add 105: %v", evs)
	}
	_, evs = chatPost(t, c, hs.URL, 103, tok, conv, "Do they share anything?")
	if d := evs[len(evs)-1]; d.Name != "done" || d.Data["turn"].(float64) != 3 {
		t.Fatalf("follow-up: %v", evs)
	}
	var sawFirst, saw105 bool
	for _, m := range srv.LastRequest().Body.Messages {
		sawFirst = sawFirst || strings.Contains(m.Content, "Where did the sign-ins come from?")
		saw105 = saw105 || strings.Contains(m.Content, "105")
	}
	if !sawFirst || !saw105 {
		t.Errorf("follow-up sent without memory (%v) or without incident 105 (%v)", sawFirst, saw105)
	}

	// The page shows the conversation, the model's markup as text.
	_, body := get(t, c, hs.URL+"/incidents/103?conv="+url.QueryEscape(conv))
	if !strings.Contains(body, "Do they share anything?") || !strings.Contains(body, "&lt;img src=x onerror=alert(1)&gt;") || strings.Contains(body, "<img src=x") {
		t.Errorf("conversation not shown, or the answer's markup is live:\n%s", body)
	}

	// Rating an answer keeps it with the audit trail, by hash; rating again replaces it.
	for _, v := range []string{"up", "down"} {
		rr, _ := postRate(t, c, hs.URL, tok, conv, "1", v)
		if rr.StatusCode != 200 {
			t.Fatalf("rate %s: status %d", v, rr.StatusCode)
		}
	}
	ratings, err := st.Ratings(context.Background(), 0)
	if err != nil || len(ratings) != 1 || ratings[0].Value != "down" || ratings[0].Turn != 1 || len(ratings[0].AnswerSHA256) != 64 {
		t.Fatalf("ratings = %+v, %v", ratings, err)
	}
	if rr, _ := postRate(t, c, hs.URL, tok, conv, "0", "up"); rr.StatusCode != 400 {
		t.Errorf("rating a question: status %d, want 400", rr.StatusCode)
	}
	if rr, _ := postRate(t, c, hs.URL, "", conv, "1", "up"); rr.StatusCode != 403 {
		t.Errorf("rating without the CSRF token: status %d, want 403", rr.StatusCode)
	}
}

func postRate(t *testing.T, c *http.Client, base, token, conv, turn, value string) (*http.Response, string) {
	t.Helper()
	form := url.Values{"turn": {turn}, "value": {value}, "model": {"offline"}}
	if token != "" {
		form.Set(console.CSRFField, token)
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/chat/"+url.PathEscape(conv)+"/rate", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp, ""
}

func TestChatRefusals(t *testing.T) {
	o, _ := chatOptions(t, nil)
	hs := newServer(t, o)
	c := jarClient(t)
	tok := csrfOf(t, c, hs.URL)
	for _, tt := range []struct {
		name, conv, msg string
		want            int
		says            string
	}{
		{"empty", "", "  ", 400, "empty"},
		{"unknown command", "", "/drop table", 400, "unknown command /drop"},
		{"bad /add", "", "/add one", 400, "incident numbers"},
		{"too long", "", strings.Repeat("a", 5000), 400, "at most 4000"},
		{"unknown conversation", "nosuchconversation", "hello", 200, "The chat failed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, evs := chatPost(t, c, hs.URL, 103, tok, tt.conv, tt.msg)
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.want)
			}
			if tt.want == 200 && (len(evs) == 0 || evs[len(evs)-1].Name != "error" || !strings.Contains(evs[len(evs)-1].Data["message"].(string), tt.says)) {
				t.Errorf("events %v, want an error saying %q", evs, tt.says)
			}
		})
	}
	// Without the CSRF token nothing is asked.
	if resp, _ := chatPost(t, c, hs.URL, 103, "", "", "hello"); resp.StatusCode != 403 {
		t.Errorf("chat without the CSRF token: status %d, want 403", resp.StatusCode)
	}
}

// Without JavaScript the form still works: the answer is kept and the
// page shows the conversation.
func TestChatWithoutScript(t *testing.T) {
	o, _ := chatOptions(t, nil)
	hs := newServer(t, o)
	c := jarClient(t)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	tok := csrfOf(t, c, hs.URL)
	form := url.Values{console.CSRFField: {tok}, "message": {"which accounts are involved?"}}
	resp, err := c.PostForm(hs.URL+"/incidents/103/chat", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/incidents/103?conv=") {
		t.Fatalf("status %d, Location %q", resp.StatusCode, loc)
	}
	_, body := get(t, c, hs.URL+loc)
	if !strings.Contains(body, "which accounts are involved?") || !strings.Contains(body, `class="turn turn-assistant"`) {
		t.Errorf("the conversation is not on the page")
	}
	_ = socpilot.RatingUp
}

// A model that fails gets the offline answer, and the receipt says why.
func TestChatModelFailureFallsBackAndSaysWhy(t *testing.T) {
	srv := llmtest.New(t)
	for range 4 { // the client's first try and its retries
		srv.Status(http.StatusInternalServerError, nil)
	}
	o, _ := chatOptions(t, srv)
	hs := newServer(t, o)
	c := jarClient(t)
	tok := csrfOf(t, c, hs.URL)
	_, evs := chatPost(t, c, hs.URL, 103, tok, "", "which hosts are involved?")
	done := evs[len(evs)-1]
	if done.Name != "done" || done.Data["offline"] != true || !strings.Contains(done.Data["text"].(string), "FS-CORP-01") {
		t.Fatalf("events %v", evs)
	}
	if r := done.Data["receipt"].(string); !strings.Contains(r, "offline analyst") || !strings.Contains(r, "model failed") {
		t.Errorf("receipt %q does not say the model failed", r)
	}
}
