package llmtest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/socpilot/socpilot/llm/llmtest"
)

// recorder is a testing.TB that records failures instead of failing, so
// the server's own checks can be tested.
type recorder struct {
	testing.TB
	errs     []string
	cleanups []func()
}

func (r *recorder) Errorf(format string, args ...any) { r.errs = append(r.errs, format) }
func (r *recorder) Fatalf(format string, args ...any) { r.errs = append(r.errs, format) }
func (r *recorder) Helper()                           {}
func (r *recorder) Cleanup(f func())                  { r.cleanups = append(r.cleanups, f) }
func (r *recorder) finish() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

func post(t *testing.T, url, body string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestUnscriptedRequestFails(t *testing.T) {
	rec := &recorder{TB: t}
	srv := llmtest.New(rec)
	resp, _ := post(t, srv.URL()+"/v1/chat/completions", `{"model":"gpt-4o","messages":[]}`)
	rec.finish()
	if resp.StatusCode != 400 || len(rec.errs) != 1 || !strings.Contains(rec.errs[0], "unscripted") {
		t.Errorf("status %d, failures %q: want 400 and one unscripted-request failure", resp.StatusCode, rec.errs)
	}
}

func TestUnusedStepFails(t *testing.T) {
	rec := &recorder{TB: t}
	srv := llmtest.New(rec)
	srv.Reply("never asked")
	rec.finish()
	if len(rec.errs) != 1 || !strings.Contains(rec.errs[0], "never requested") {
		t.Errorf("failures %q: want one never-requested failure", rec.errs)
	}
}

func TestUnknownRouteFails(t *testing.T) {
	rec := &recorder{TB: t}
	srv := llmtest.New(rec)
	resp, _ := post(t, srv.URL()+"/v1/embeddings", `{"model":"x","input":"y"}`)
	rec.finish()
	if resp.StatusCode != 404 || len(rec.errs) != 1 {
		t.Errorf("status %d, failures %q: want 404 and one failure", resp.StatusCode, rec.errs)
	}
}

// TestAzureStreamShape checks the SSE wire format: Azure's choice-less
// first chunk, content chunks, the finish chunk, the usage chunk, [DONE].
func TestAzureStreamShape(t *testing.T) {
	srv := llmtest.New(t)
	srv.Stream("a", "b")
	resp, body := post(t, srv.URL()+"/openai/deployments/d1/chat/completions?api-version=2024-10-21",
		`{"model":"d1","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}`)
	if ct := resp.Header.Get("content-type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Errorf("content-type %q", ct)
	}
	events := strings.Split(strings.TrimSuffix(body, "\n\n"), "\n\n")
	if got := events[len(events)-1]; got != "data: [DONE]" {
		t.Errorf("last event %q, want data: [DONE]", got)
	}
	type chunk struct {
		Choices []struct {
			Delta struct {
				Content string `json:"content"`
			} `json:"delta"`
			FinishReason *string `json:"finish_reason"`
		} `json:"choices"`
		PromptFilterResults []any          `json:"prompt_filter_results"`
		Usage               map[string]int `json:"usage"`
	}
	var chunks []chunk
	for _, e := range events[:len(events)-1] {
		data, ok := strings.CutPrefix(e, "data: ")
		if !ok {
			t.Fatalf("event %q is not a data line", e)
		}
		var c chunk
		if err := json.NewDecoder(bytes.NewReader([]byte(data))).Decode(&c); err != nil {
			t.Fatalf("event %q: %v", e, err)
		}
		chunks = append(chunks, c)
	}
	if len(chunks) != 6 {
		t.Fatalf("%d chunks, want 6 (filter, role, a, b, finish, usage)", len(chunks))
	}
	if len(chunks[0].Choices) != 0 || len(chunks[0].PromptFilterResults) == 0 {
		t.Errorf("first chunk %+v, want no choices and prompt_filter_results", chunks[0])
	}
	if got := chunks[2].Choices[0].Delta.Content + chunks[3].Choices[0].Delta.Content; got != "ab" {
		t.Errorf("content %q, want ab", got)
	}
	if f := chunks[4].Choices[0].FinishReason; f == nil || *f != "stop" {
		t.Errorf("finish chunk %+v", chunks[4])
	}
	if len(chunks[5].Choices) != 0 || chunks[5].Usage["total_tokens"] == 0 {
		t.Errorf("usage chunk %+v", chunks[5])
	}
	req := srv.LastRequest()
	want := []llmtest.Message{{Role: "user", Content: "hi"}}
	if diff := cmp.Diff(want, req.Body.Messages); diff != "" || req.Deployment != "d1" || req.API != "azure" {
		t.Errorf("recorded %+v (-want +got messages):\n%s", req, diff)
	}
}

func TestMissingAPIVersion(t *testing.T) {
	srv := llmtest.New(t)
	resp, _ := post(t, srv.URL()+"/openai/deployments/d1/chat/completions", `{"model":"d1","messages":[]}`)
	if resp.StatusCode != 404 {
		t.Errorf("status %d, want 404 as Azure answers without api-version", resp.StatusCode)
	}
}
