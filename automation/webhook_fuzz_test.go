package automation_test

import (
	"context"
	"net/http"
	"testing"
)

// FuzzWebhook throws arbitrary bodies and headers at the webhook: it must
// answer one of its documented statuses, never panic, and queue a job only
// when it answers 202.
func FuzzWebhook(f *testing.F) {
	r := newRig(f, f.TempDir(), nil)
	id := r.incident(101).ID
	f.Add(triggerBody(id), "application/json", "Bearer "+token)
	f.Add([]byte(`{"object":{"id":"`+id+`/x"}}`), "application/json", "Bearer "+token)
	f.Add([]byte(`{"object":{"id":null}}`), "application/json; charset=utf-8", "Bearer "+token)
	f.Add([]byte(`[]`), "application/vnd.api+json", "bearer "+token)
	f.Add([]byte(`{"object":{"id":"\u0000"}}`), "text/json", "Bearer")
	f.Add([]byte{0xff, 0xfe}, "application/json", "")
	allowed := map[int]bool{202: true, 400: true, 401: true, 403: true, 404: true, 413: true, 415: true, 503: true}
	f.Fuzz(func(t *testing.T, body []byte, contentType, auth string) {
		before := countJobs(t, r)
		rec := r.post(body, map[string]string{"Content-Type": contentType, "Authorization": auth})
		if !allowed[rec.Code] {
			t.Fatalf("answered %d %s", rec.Code, rec.Body)
		}
		if after := countJobs(t, r); rec.Code != http.StatusAccepted && after != before {
			t.Fatalf("answered %d but the queue went from %d to %d jobs", rec.Code, before, after)
		}
	})
}

func countJobs(t *testing.T, r *rig) int {
	jobs, err := r.svc.Jobs().List(context.Background(), "", 10000)
	if err != nil {
		t.Fatal(err)
	}
	return len(jobs)
}
