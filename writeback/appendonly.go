package writeback

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/render"
)

// Appender adds a comment to an incident whose comments cannot be edited
// or deleted (Microsoft Graph's incident comments, the Defender portal).
type Appender interface {
	AddComment(ctx context.Context, inc socpilot.Incident, text string) (socpilot.Comment, error)
}

// markerPrefix starts the first line of every report socpilot appends; the
// version after it is a hash of the report, so a run finds whether this
// very report is already there.
const markerPrefix = "socpilot report · version "

// Marker is the first line of the appended report with this version.
func Marker(version string) string { return markerPrefix + version }

// WriteAppendOnly writes the analysis as one comment per analysis version:
// the report with its checklist (the portal shows no tasks), headed by a
// marker naming the version. A version already in the incident's comments
// is not posted again; a changed analysis is a new comment, since the old
// one cannot be edited.
func WriteAppendOnly(ctx context.Context, w Appender, j Journal, d socpilot.IncidentDetails, a socpilot.Analysis) (Result, error) {
	inc := d.Incident
	body, cut := render.CommentText(a, socpilot.MaxCommentChars-len(markerPrefix)-16)
	sum := sha256.Sum256([]byte(body))
	version := hex.EncodeToString(sum[:6])
	msg := Marker(version) + "\n\n" + body
	res := Result{Cut: cut}
	act := Action{Kind: "comment", ID: version, Title: "socpilot report"}
	for _, c := range d.Comments {
		if firstLine(c.Message) == Marker(version) {
			act.Result, act.Note = Unchanged, "this version of the report is already in the incident"
			res.Actions = append(res.Actions, act)
			return res, nil
		}
	}
	if len(d.Comments) >= socpilot.MaxComments {
		act.Result, act.Note = Skipped, fmt.Sprintf("the incident already has %d comments", socpilot.MaxComments)
		res.Actions = append(res.Actions, act)
		return res, nil
	}
	if _, err := w.AddComment(ctx, inc, msg); err != nil {
		return res, fmt.Errorf("add the report comment to incident %d: %w", inc.Number, err)
	}
	act.Result, act.content = Created, msg
	res.Actions = append(res.Actions, act)
	if j != nil {
		h := sha256.Sum256([]byte(msg))
		if _, err := j.RecordWrite(ctx, inc.ID, "comment", version, hex.EncodeToString(h[:]), time.Now()); err != nil {
			return res, fmt.Errorf("journal the write-back of incident %d: %w", inc.Number, err)
		}
	}
	return res, nil
}

// ReportVersions are the versions of socpilot's reports among comments,
// oldest first as given.
func ReportVersions(comments []socpilot.Comment) []string {
	var out []string
	for _, c := range comments {
		if v, ok := strings.CutPrefix(firstLine(c.Message), markerPrefix); ok {
			out = append(out, v)
		}
	}
	return out
}

func firstLine(s string) string {
	s = strings.TrimLeft(s, "\r\n ")
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return s[:i]
	}
	return s
}
