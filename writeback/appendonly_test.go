package writeback_test

import (
	"context"
	"strings"
	"testing"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/writeback"
)

type appender struct{ comments []socpilot.Comment }

func (a *appender) AddComment(_ context.Context, _ socpilot.Incident, text string) (socpilot.Comment, error) {
	c := socpilot.Comment{Message: text}
	a.comments = append(a.comments, c)
	return c, nil
}

func TestWriteAppendOnlyPostsEachVersionOnce(t *testing.T) {
	ctx := context.Background()
	d := socpilot.IncidentDetails{Incident: socpilot.Incident{Number: 48377, ID: "/security/incidents/48377", Title: "x"}}
	a := socpilot.Analysis{Summary: "Password spray <script>alert(1)</script> then a sign-in.",
		Checklist: []socpilot.ChecklistItem{{Title: "Reset the password of adele.vance@contoso.com"}}}
	w := &appender{}
	res, err := writeback.WriteAppendOnly(ctx, w, nil, d, a)
	if err != nil || res.Count(writeback.Created) != 1 || len(w.comments) != 1 {
		t.Fatalf("first write: %+v, %v, %d comments", res, err, len(w.comments))
	}
	msg := w.comments[0].Message
	if !strings.HasPrefix(msg, "socpilot report · version ") || !strings.Contains(msg, "Reset the password of adele.vance@contoso.com") {
		t.Fatalf("comment lacks the marker or the checklist:\n%s", msg)
	}
	if strings.Contains(msg, "<script>") {
		t.Fatalf("markup from the incident reached the comment as markup:\n%s", msg)
	}
	// The same analysis again: the incident now holds that version.
	d.Comments = w.comments
	res, err = writeback.WriteAppendOnly(ctx, w, nil, d, a)
	if err != nil || res.Count(writeback.Unchanged) != 1 || len(w.comments) != 1 {
		t.Fatalf("second write: %+v, %v, %d comments; want nothing posted", res, err, len(w.comments))
	}
	// A changed analysis is a new version, appended.
	a.Summary = "Now with the mailbox rule too."
	if _, err := writeback.WriteAppendOnly(ctx, w, nil, d, a); err != nil || len(w.comments) != 2 {
		t.Fatalf("changed analysis: %v, %d comments; want a second", err, len(w.comments))
	}
	if v := writeback.ReportVersions(w.comments); len(v) != 2 || v[0] == v[1] {
		t.Fatalf("versions %v", v)
	}
}
