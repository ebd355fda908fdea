package emulator

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Replace serves another dataset (`socpilot demo load`), seeded like the
// dataset (ids of the served workspace, timestamps shifted), kept across
// servers on the same state dir, and Reset brings the dataset back.
func TestReplaceServesAndPersistsAnotherDataset(t *testing.T) {
	dir := t.TempDir()
	now := DatasetAnchor.Add(15 * 24 * time.Hour)
	clock := func() time.Time { return now }
	s1 := newFixtureServer(t, Options{StateDir: dir, Now: clock, Workspace: "ws-2"})
	base := workspacePrefix(DemoSubscription, DemoResourceGroup, "ws-2") + "/providers/Microsoft.SecurityInsights"
	list := func(s *Server) []int {
		t.Helper()
		r := call(t, s, DemoToken, http.MethodGet, base+"/incidents", "api-version=2025-09-01&$orderby=properties/incidentNumber%20asc", nil)
		if r.Status != http.StatusOK {
			t.Fatalf("list: %d %s", r.Status, r.Body)
		}
		return numbers(t, r.json(t))
	}
	if diff := cmp.Diff([]int{1, 2, 3}, list(s1)); diff != "" {
		t.Fatalf("before Replace (-want +got):\n%s", diff)
	}

	sub := &Dataset{Incidents: fixture(t).Incidents[1:2]} // incident 2 alone
	if err := s1.Replace(sub); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{2}, list(s1)); diff != "" {
		t.Errorf("after Replace (-want +got):\n%s", diff)
	}
	inc := call(t, s1, DemoToken, http.MethodGet, base+"/incidents/e1a2b3c4-0000-4000-8000-000000000002", "", nil).json(t)
	if got, want := props(t, inc)["createdTimeUtc"], "2026-01-29T11:30:00Z"; got != want {
		t.Errorf("replaced incident createdTimeUtc = %v, want %v (shifted by two weeks)", got, want)
	}
	if id, _ := inc["id"].(string); filepath.Dir(filepath.Dir(id)) != base {
		t.Errorf("replaced incident id %q is not under the served workspace %s", id, base)
	}
	if sub.Incidents[0].Incident.Properties["createdTimeUtc"] != "2026-01-15T11:30:00Z" {
		t.Errorf("Replace modified the dataset it was given")
	}

	s2 := newFixtureServer(t, Options{StateDir: dir, Now: clock, Workspace: "ws-2"})
	if diff := cmp.Diff([]int{2}, list(s2)); diff != "" {
		t.Errorf("a new server on the state dir (-want +got):\n%s", diff)
	}
	if err := s2.Reset(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{1, 2, 3}, list(s2)); diff != "" {
		t.Errorf("after Reset (-want +got):\n%s", diff)
	}
}

// A failure to persist keeps the incidents served before.
func TestReplaceKeepsStateWhenItCannotPersist(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	s := newFixtureServer(t, Options{StateDir: dir})
	// The state dir turns into a file: nothing can be written there, even as root.
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Replace(&Dataset{Incidents: fixture(t).Incidents[2:]}); err == nil {
		t.Fatal("Replace into a read-only state dir: no error")
	}
	r := call(t, s, DemoToken, http.MethodGet, "/incidents", "api-version=2025-09-01&$orderby=properties/incidentNumber%20asc", nil)
	if diff := cmp.Diff([]int{1, 2, 3}, numbers(t, r.json(t))); diff != "" {
		t.Errorf("after a failed Replace (-want +got):\n%s", diff)
	}
}
