package writeback_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/emulator"
	"github.com/socpilot/socpilot/offline"
	"github.com/socpilot/socpilot/sentinel"
	"github.com/socpilot/socpilot/sentinel/sentineltest"
	"github.com/socpilot/socpilot/writeback"
)

func client(t *testing.T) (*sentinel.Client, *emulator.Server) {
	t.Helper()
	ds, err := emulator.LoadDataset(os.DirFS("../emulator/testdata/fixture"))
	if err != nil {
		t.Fatal(err)
	}
	return sentineltest.New(t, emulator.Options{Dataset: ds})
}

// TestWriteThreeTimes: three runs leave exactly one report comment and one
// task per checklist item; the second and third write nothing.
func TestWriteThreeTimes(t *testing.T) {
	c, srv := client(t)
	ctx := context.Background()
	an := offline.New(offline.Options{})
	var a socpilot.Analysis
	for run := 1; run <= 3; run++ {
		d, err := c.Details(ctx, 2)
		if err != nil {
			t.Fatal(err)
		}
		a = an.Analyze(d)
		srv.ResetRequests()
		res, err := writeback.Write(ctx, c, d, a)
		if err != nil {
			t.Fatal(err)
		}
		if run == 1 && (res.Count("created") != 1+len(a.Checklist) || res.Count("updated") != 0) {
			t.Errorf("run 1: %+v, want 1+%d created", res.Actions, len(a.Checklist))
		}
		if run > 1 {
			if res.Count("unchanged") != 1+len(a.Checklist) {
				t.Errorf("run %d: %d unchanged of %d, want all", run, res.Count("unchanged"), len(res.Actions))
			}
			for _, r := range srv.Requests() {
				if r.Method == "PUT" {
					t.Errorf("run %d rewrote %s although nothing changed", run, r.Path)
				}
			}
		}
	}
	d, err := c.Details(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	reports := 0
	for _, cm := range d.Comments {
		if cm.Name == writeback.ReportID(d.Incident.ID) {
			reports++
		}
	}
	if reports != 1 {
		t.Errorf("%d report comments after 3 runs, want 1", reports)
	}
	titles := map[string]int{}
	for _, tk := range d.Tasks {
		titles[tk.Title]++
	}
	for _, item := range a.Checklist {
		if titles[item.Title] != 1 {
			t.Errorf("task %q present %d times, want 1", item.Title, titles[item.Title])
		}
	}
}

// writtenOnce writes the offline analysis of fixture incident 2 once and
// returns the client, the details read before the write, and the analysis.
func writtenOnce(t *testing.T) (*sentinel.Client, socpilot.IncidentDetails, socpilot.Analysis) {
	t.Helper()
	c, _ := client(t)
	d, err := c.Details(context.Background(), 2)
	if err != nil {
		t.Fatal(err)
	}
	a := offline.New(offline.Options{}).Analyze(d)
	if _, err := writeback.Write(context.Background(), c, d, a); err != nil {
		t.Fatal(err)
	}
	return c, d, a
}

// TestChangedReportUpdatesInPlace: a changed analysis updates the same
// comment, and a task the analyst completed stays completed.
func TestChangedReportUpdatesInPlace(t *testing.T) {
	c, d, a := writtenOnce(t)
	ctx := context.Background()
	// The analyst completes the first task in the portal.
	first := a.Checklist[0]
	tid := writeback.TaskID(d.Incident.ID, first.Title)
	if _, err := c.PutTask(ctx, d.Incident, socpilot.Task{Name: tid, Title: first.Title, Description: "done by hand", Status: "Completed"}); err != nil {
		t.Fatal(err)
	}
	d, _ = c.Details(ctx, 2)
	a.Summary = "A changed summary."
	res, err := writeback.Write(ctx, c, d, a)
	if err != nil {
		t.Fatal(err)
	}
	if res.Actions[0].Result != "updated" {
		t.Errorf("report: %s, want updated", res.Actions[0].Result)
	}
	d, _ = c.Details(ctx, 2)
	for _, tk := range d.Tasks {
		if tk.Name == tid && tk.Status != "Completed" {
			t.Errorf("completed task reopened: %+v", tk)
		}
	}
	n := 0
	for _, cm := range d.Comments {
		if strings.Contains(cm.Message, "A changed summary.") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d comments carry the new summary, want 1", n)
	}
}

func TestIDsIgnoreCaseOfARMIDs(t *testing.T) {
	a := writeback.ReportID("/subscriptions/x/providers/Microsoft.SecurityInsights/incidents/ABC")
	b := writeback.ReportID("/subscriptions/x/providers/Microsoft.SecurityInsights/Incidents/abc")
	if a != b {
		t.Errorf("ids differ by case of the ARM id: %s %s", a, b)
	}
	if writeback.TaskID("i", "Reset  the password") != writeback.TaskID("i", "reset the password") {
		t.Error("task ids differ by spacing or case of the title")
	}
}

// TestTaskTitlesCarryNoMarkup: a checklist title that names an entity with
// markup (an attacker's URL) becomes a task title without it.
func TestTaskTitlesCarryNoMarkup(t *testing.T) {
	c, _ := client(t)
	ctx := context.Background()
	d, err := c.Details(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	a := offline.New(offline.Options{}).Analyze(d)
	a.Checklist = []socpilot.ChecklistItem{{Phase: "contain", Title: `Block https://x.example/<script>alert(1)</script>`, Description: "d"}}
	if _, err := writeback.Write(ctx, c, d, a); err != nil {
		t.Fatal(err)
	}
	d, err = c.Details(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range d.Tasks {
		if strings.ContainsAny(tk.Title, "<>") {
			t.Errorf("task title %q carries markup", tk.Title)
		}
	}
}

// TestAnalystChangesSurviveWriteBack: an analyst who completes a task
// between socpilot's read and its write keeps it completed (the write
// carries the etag it read, the service answers 409, socpilot re-reads and
// merges); an analyst's rewrite of a task's text is kept on later runs.
func TestAnalystChangesSurviveWriteBack(t *testing.T) {
	c, _, a := writtenOnce(t)
	ctx := context.Background()
	// socpilot reads, then the analyst completes the first task and
	// rewrites the second before socpilot writes its changed analysis.
	stale, err := c.Details(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	var own []socpilot.Task
	for _, tk := range stale.Tasks {
		if socpilot.OwnTask(tk) {
			own = append(own, tk)
		}
	}
	if len(own) < 2 {
		t.Fatalf("%d tasks written by socpilot, want at least 2", len(own))
	}
	first, second := own[0], own[1]
	done := first
	done.Status, done.ETag = "Completed", first.ETag
	if _, err := c.PutTask(ctx, stale.Incident, done); err != nil {
		t.Fatal(err)
	}
	mine := second
	mine.Description, mine.ETag = "Done by phone with the user; see ticket 4711.", second.ETag
	if _, err := c.PutTask(ctx, stale.Incident, mine); err != nil {
		t.Fatal(err)
	}
	for i := range a.Checklist {
		a.Checklist[i].Description += " (revised)"
	}
	if _, err := writeback.Write(ctx, c, stale, a); err != nil {
		t.Fatalf("write over stale etags: %v", err)
	}
	after, err := c.Details(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range after.Tasks {
		switch tk.Name {
		case first.Name:
			if tk.Status != "Completed" || !strings.Contains(tk.Description, "(revised)") {
				t.Errorf("completed task: status %q, description %q; want Completed and socpilot's revision", tk.Status, tk.Description)
			}
		case second.Name:
			if tk.Description != mine.Description {
				t.Errorf("the analyst's rewrite was replaced by %q", tk.Description)
			}
		}
	}
	// A later run keeps the analyst's text too.
	if _, err := writeback.Write(ctx, c, after, a); err != nil {
		t.Fatal(err)
	}
	again, _ := c.Details(ctx, 2)
	for _, tk := range again.Tasks {
		if tk.Name == second.Name && tk.Description != mine.Description {
			t.Errorf("a later run replaced the analyst's rewrite with %q", tk.Description)
		}
	}
}

// TestConcurrentWritersOnTheDemoWorkspace: 20 writers, each with its own
// emulator on the same state directory (as 20 `socpilot analyze N --write`
// processes are), write every demo incident's report and tasks at once,
// some incidents twice. Nothing is lost and nothing is duplicated.
func TestConcurrentWritersOnTheDemoWorkspace(t *testing.T) {
	dir := t.TempDir()
	if _, err := emulator.New(emulator.Options{StateDir: dir}); err != nil {
		t.Fatal(err)
	}
	nums := []int{101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 101, 102, 103, 104}
	open := func() *sentinel.Client {
		srv, err := emulator.New(emulator.Options{StateDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		return sentineltest.Client(t, srv)
	}
	clients := make([]*sentinel.Client, len(nums))
	for i := range clients {
		clients[i] = open()
	}
	errs := make(chan error, len(nums))
	for i, n := range nums {
		go func() {
			ctx := context.Background()
			d, err := clients[i].Details(ctx, n)
			if err == nil {
				_, err = writeback.Write(ctx, clients[i], d, offline.New(offline.Options{}).Analyze(d))
			}
			errs <- err
		}()
	}
	for range nums {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	check := open()
	for _, n := range nums[:16] {
		d, err := check.Details(context.Background(), n)
		if err != nil {
			t.Fatal(err)
		}
		reports := 0
		for _, c := range d.Comments {
			if socpilot.OwnComment(c) {
				reports++
			}
		}
		titles := map[string]int{}
		for _, tk := range d.Tasks {
			if socpilot.OwnTask(tk) {
				titles[tk.Title]++
			}
		}
		a := offline.New(offline.Options{}).Analyze(d)
		if reports != 1 || len(titles) != len(a.Checklist) {
			t.Errorf("incident %d: %d reports and %d distinct tasks, want 1 and %d", n, reports, len(titles), len(a.Checklist))
		}
		for title, k := range titles {
			if k != 1 {
				t.Errorf("incident %d: task %q written %d times", n, title, k)
			}
		}
	}
}

// journal records what it is told.
type journal struct{ kinds []string }

func (j *journal) RecordWrite(_ context.Context, incidentID, kind, artifactID, sum string, _ time.Time) (bool, error) {
	if incidentID == "" || artifactID == "" || len(sum) != 64 {
		return false, fmt.Errorf("bad journal entry %q %q %q", incidentID, artifactID, sum)
	}
	j.kinds = append(j.kinds, kind)
	return true, nil
}

// TestWriteIsJournaled: every comment and task created or updated is
// journaled; a repeat that changes nothing journals nothing.
func TestWriteIsJournaled(t *testing.T) {
	c, _ := client(t)
	ctx := context.Background()
	d, err := c.Details(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	a := offline.New(offline.Options{}).Analyze(d)
	j := &journal{}
	res, err := writeback.WriteJournaled(ctx, c, j, d, a)
	if err != nil {
		t.Fatal(err)
	}
	if want := res.Count(writeback.Created) + res.Count(writeback.Updated); len(j.kinds) != want || want == 0 {
		t.Errorf("%d journal entries, want %d", len(j.kinds), want)
	}
	d, _ = c.Details(ctx, 2)
	j2 := &journal{}
	if _, err := writeback.WriteJournaled(ctx, c, j2, d, a); err != nil {
		t.Fatal(err)
	}
	if len(j2.kinds) != 0 {
		t.Errorf("an unchanged re-run journaled %d writes", len(j2.kinds))
	}
}

// batchJournal takes the write-back's entries in one call.
type batchJournal struct {
	journal
	batches [][]writeback.JournalEntry
}

func (j *batchJournal) RecordWrites(_ context.Context, incidentID string, es []writeback.JournalEntry) error {
	j.batches = append(j.batches, es)
	return nil
}

// TestWriteIsJournaledInOneBatch: a journal that takes batches gets the
// same entries, in one call, and no single ones.
func TestWriteIsJournaledInOneBatch(t *testing.T) {
	c, _ := client(t)
	ctx := context.Background()
	d, err := c.Details(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	a := offline.New(offline.Options{}).Analyze(d)
	j := &batchJournal{}
	res, err := writeback.WriteJournaled(ctx, c, j, d, a)
	if err != nil {
		t.Fatal(err)
	}
	want := res.Count(writeback.Created) + res.Count(writeback.Updated)
	if len(j.batches) != 1 || len(j.batches[0]) != want || len(j.kinds) != 0 {
		t.Fatalf("%d batches (%d single entries), want one of %d", len(j.batches), len(j.kinds), want)
	}
	for i, e := range j.batches[0] {
		if act := res.Actions[i]; e.Kind != act.Kind || e.ArtifactID != act.ID || len(e.ContentSHA256) != 64 || e.At.IsZero() {
			t.Errorf("entry %d = %+v; want %s %s", i, e, act.Kind, act.ID)
		}
	}
}
