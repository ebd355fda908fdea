package automation_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/socpilot/socpilot/automation"
	"github.com/socpilot/socpilot/llm"
	"github.com/socpilot/socpilot/llm/llmtest"
	"github.com/socpilot/socpilot/writeback"
)

// A model that answers 429 (with Retry-After) and 503 for a while: every
// incident is still analysed by the model in the end, none is lost or
// written twice, and the waits the model asked for are honoured.
func TestModelThrottlingStorm(t *testing.T) {
	ms := llmtest.New(t)
	const storm = 14
	for i := range storm {
		if i%3 == 2 {
			ms.Status(http.StatusServiceUnavailable, nil)
		} else {
			ms.Status(http.StatusTooManyRequests, llmtest.Headers{"Retry-After": "1"})
		}
	}
	nums := []int{101, 102, 103, 105, 106}
	for range nums {
		ms.ReplyJSON(benchAnswer)
	}
	cfg := ms.Config(llm.ProviderCompatible)
	cfg.Timeout = 10 * time.Second
	m, err := llm.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := newRig(t, t.TempDir(), func(o *automation.Options) {
		an := offlineAnalyzer()
		an.Model, an.Schema, an.ModelErrors = m, llm.SchemaFor, true
		o.Analyzer, o.Model = an, true
	})
	r.start()
	start := time.Now()
	for _, n := range nums {
		if rec := r.post(triggerBody(r.incident(n).ID), nil); rec.Code != http.StatusAccepted {
			t.Fatalf("webhook answered %d", rec.Code)
		}
	}
	jobs := r.wait(2 * time.Minute)
	elapsed := time.Since(start)
	retried := 0
	for _, j := range jobs {
		if j.State != "completed" {
			t.Errorf("job %d for incident %d ended %s: %s", j.ID, j.Incident, j.State, j.LastError)
		}
		if j.Attempt > 1 {
			retried++
		}
	}
	for _, n := range nums {
		d, err := r.client.Details(t.Context(), n)
		if err != nil {
			t.Fatal(err)
		}
		reports := 0
		for _, c := range d.Comments {
			if strings.EqualFold(c.Name, writeback.ReportID(d.Incident.ID)) {
				reports++
				if strings.Contains(c.Message, "model failed") {
					t.Errorf("incident %d got the offline fallback although the model recovered", n)
				}
			}
		}
		titles := map[string]bool{}
		for _, tk := range d.Tasks {
			titles[tk.Title] = true
		}
		if reports != 1 || !titles[benchAnswer["checklist"].([]map[string]any)[0]["title"].(string)] {
			t.Errorf("incident %d: %d reports, tasks %v; want the model's report once with its checklist", n, reports, titles)
		}
	}
	reqs := ms.Requests()
	if len(reqs) != storm+len(nums) {
		t.Errorf("the model saw %d requests, want %d (the storm, then one answer per incident)", len(reqs), storm+len(nums))
	}
	// Retry-After: 1 was honoured: the client's waits (recorded, not
	// slept, by llmtest) include the second the model asked for.
	honoured := 0
	for _, d := range ms.Sleeps() {
		if d >= time.Second {
			honoured++
		}
	}
	if honoured == 0 {
		t.Errorf("no wait of the 1s the model asked for: waits %v", ms.Sleeps())
	}
	t.Logf("%d jobs needed a second attempt; storm and answers took %s", retried, elapsed)
}
