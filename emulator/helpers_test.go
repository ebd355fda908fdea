package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

var fixtureDataset = sync.OnceValues(func() (*Dataset, error) {
	return LoadDataset(os.DirFS("testdata/fixture"))
})

// fixture returns the small hand-written dataset under testdata/fixture.
func fixture(t testing.TB) *Dataset {
	t.Helper()
	ds, err := fixtureDataset()
	if err != nil {
		t.Fatalf("load fixture dataset: %v", err)
	}
	return ds
}

func anchorClock() time.Time { return DatasetAnchor }

// newFixtureServer serves the fixture dataset at the anchor time unless opts
// say otherwise.
func newFixtureServer(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Dataset == nil {
		opts.Dataset = fixture(t)
	}
	if opts.Now == nil {
		opts.Now = anchorClock
	}
	s, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

const armBase = "https://management.azure.com"

var demoBase = workspacePrefix(DemoSubscription, DemoResourceGroup, DemoWorkspace) + "/providers/Microsoft.SecurityInsights"

// reply is one answer of the emulator.
type reply struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r reply) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("decode reply %d %s: %v", r.Status, r.Body, err)
	}
	return m
}

// armError returns the error code of an ARM error body, checking its shape
// is exactly {"error":{"code","message"}}.
func (r reply) armError(t testing.TB) string {
	t.Helper()
	m := r.json(t)
	e, ok := m["error"].(map[string]any)
	if len(m) != 1 || !ok || len(e) != 2 {
		t.Fatalf("error body is not {\"error\":{\"code\",\"message\"}}: %s", r.Body)
	}
	code, _ := e["code"].(string)
	msg, _ := e["message"].(string)
	if code == "" || msg == "" {
		t.Fatalf("error body has an empty code or message: %s", r.Body)
	}
	return code
}

// call sends one request through the in-process transport. path is
// relative to the demo workspace's Microsoft.SecurityInsights provider
// unless it starts with /subscriptions or is an absolute URL; query "" adds
// the default api-version.
func call(t testing.TB, s *Server, token, method, path, query string, body any) reply {
	t.Helper()
	u := path
	if !strings.HasPrefix(u, "http") {
		if !strings.HasPrefix(u, "/subscriptions") {
			u = demoBase + u
		}
		if query == "" {
			query = "api-version=2025-09-01"
		}
		u = armBase + u + "?" + query
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.HTTPClient().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// props returns the properties of a resource in a decoded reply.
func props(t testing.TB, m map[string]any) map[string]any {
	t.Helper()
	p, ok := m["properties"].(map[string]any)
	if !ok {
		t.Fatalf("no properties in %v", m)
	}
	return p
}

// numbers returns the incident numbers of a list reply's value, in order.
func numbers(t testing.TB, m map[string]any) []int {
	t.Helper()
	var out []int
	vals, _ := m["value"].([]any)
	for _, v := range vals {
		out = append(out, int(props(t, v.(map[string]any))["incidentNumber"].(float64)))
	}
	return out
}
