// Package writeback writes an analysis into its Sentinel incident: one
// report comment and one task per checklist item. Ids are UUIDv5 of the
// incident and the artifact, so a re-run updates in place and never
// duplicates; unchanged artifacts are not written at all.
package writeback

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/render"
)

// namespace is socpilot's UUIDv5 namespace (itself UUIDv5 of the project URL in the URL namespace).
var namespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://github.com/socpilot/socpilot"))

// ID derives the resource name of an artifact of an incident. ARM ids are
// case-insensitive (…/incidents and …/Incidents both occur), so they are
// lowercased first.
func ID(incidentID, artifact string) string {
	return uuid.NewSHA1(namespace, []byte(strings.ToLower(incidentID)+"\x00"+artifact)).String()
}

// ReportID is the id of the report comment of an incident.
func ReportID(incidentID string) string { return ID(incidentID, "report") }

// TaskID is the id of the task for a checklist item, keyed by its title so
// the same step keeps its task (and the analyst's progress on it).
func TaskID(incidentID, title string) string {
	return ID(incidentID, "task\x00"+strings.ToLower(strings.Join(strings.Fields(title), " ")))
}

// Action says what happened to one artifact.
type Action struct {
	Kind   string // comment, task
	ID     string
	Title  string
	Result Outcome
	Note   string
	// content is what was written (for the journal's hash).
	content string
}

// Outcome is what happened to one artifact.
type Outcome string

// Write-back outcomes.
const (
	Created   Outcome = "created"
	Updated   Outcome = "updated"
	Unchanged Outcome = "unchanged"
	Skipped   Outcome = "skipped"
)

// Result is what a write-back did.
type Result struct {
	Actions []Action
	Cut     string // what the comment left out to fit the size limit
}

// Count returns how many actions had the given result.
func (r Result) Count(result Outcome) int {
	n := 0
	for _, a := range r.Actions {
		if a.Result == result {
			n++
		}
	}
	return n
}

// Write puts the analysis into the incident. existing are the incident's
// current comments and tasks (from the same read the analysis used), so
// unchanged artifacts are skipped and completed tasks stay completed.
func Write(ctx context.Context, w socpilot.Writer, d socpilot.IncidentDetails, a socpilot.Analysis) (Result, error) {
	return WriteJournaled(ctx, w, nil, d, a)
}

// Journal keeps the audit trail of write-backs: what was written where and
// when (the store's write journal). Its answer does not decide anything here.
type Journal interface {
	RecordWrite(ctx context.Context, incidentID, kind, artifactID, contentSHA256 string, at time.Time) (changed bool, err error)
}

// JournalEntry is one write of a batch. It is an alias of an unnamed
// struct so that a store can implement BatchJournal without importing this
// package.
type JournalEntry = struct {
	Kind, ArtifactID, ContentSHA256 string
	At                              time.Time
}

// BatchJournal is a Journal that records the writes of one write-back
// together (the stores: one transaction instead of a statement each). Each
// entry is recorded as RecordWrite would; the first error is returned.
type BatchJournal interface {
	Journal
	RecordWrites(ctx context.Context, incidentID string, entries []JournalEntry) error
}

// WriteJournaled is Write that also journals every comment and task it
// created or updated; j may be nil. A journal failure is reported after the
// write-back, which has already happened and is not undone.
func WriteJournaled(ctx context.Context, w socpilot.Writer, j Journal, d socpilot.IncidentDetails, a socpilot.Analysis) (res Result, err error) {
	return WriteWith(ctx, w, j, d, a, Options{})
}

// Options choose what a write-back writes; the zero value writes both the
// report comment and the tasks.
type Options struct {
	NoComment, NoTasks bool
}

// WriteWith is WriteJournaled writing what o chooses.
func WriteWith(ctx context.Context, w socpilot.Writer, j Journal, d socpilot.IncidentDetails, a socpilot.Analysis, o Options) (res Result, err error) {
	if j != nil {
		defer func() {
			if jerr := journal(ctx, j, d.Incident.ID, res.Actions); jerr != nil && err == nil {
				err = fmt.Errorf("journal the write-back of incident %d: %w", d.Incident.Number, jerr)
			}
		}()
	}
	inc := d.Incident
	if !o.NoComment {
		if err := writeComment(ctx, w, d, a, &res); err != nil {
			return res, err
		}
	}
	if o.NoTasks {
		return res, nil
	}

	tasks := map[string]socpilot.Task{}
	for _, t := range d.Tasks {
		tasks[strings.ToLower(t.Name)] = t
	}
	count := len(d.Tasks)
	seen := map[string]bool{}
	for _, item := range a.Checklist {
		title := taskTitle(item.Title)
		tid := TaskID(inc.ID, title)
		if seen[tid] {
			continue
		}
		seen[tid] = true
		desc := stamped(title, taskDescription(item))
		act := Action{Kind: "task", ID: tid, Title: title}
		old, ok := tasks[tid]
		switch {
		case ok && old.Title == title && old.Description == desc:
			act.Result = Unchanged
		case ok && analystEdited(old):
			// An analyst rewrote the task: their text stands.
			act.Result, act.Note = Unchanged, "edited by an analyst: kept as they wrote it"
		case !ok && count >= socpilot.MaxTasks:
			act.Result, act.Note = Skipped, fmt.Sprintf("the incident has %d tasks, Sentinel's limit", socpilot.MaxTasks)
		default:
			t := socpilot.Task{Name: tid, Title: title, Description: desc, Status: "New"}
			if ok {
				t.Status = old.Status // keep the analyst's progress
				t.ETag = old.ETag
			}
			note, err := putTask(ctx, w, inc, old, t)
			if err != nil {
				return res, fmt.Errorf("write task %q on incident %d: %w", title, inc.Number, err)
			}
			act.Note, act.content = note, t.Title+"\x00"+t.Description
			if ok {
				act.Result = Updated
			} else {
				act.Result = Created
				count++
			}
		}
		res.Actions = append(res.Actions, act)
	}
	return res, nil
}

// journal records the comments and tasks created or updated, in one batch
// when the journal takes batches; it returns the first error.
func journal(ctx context.Context, j Journal, incidentID string, acts []Action) error {
	var entries []JournalEntry
	for _, act := range acts {
		if act.Result != Created && act.Result != Updated {
			continue
		}
		sum := sha256.Sum256([]byte(act.content))
		entries = append(entries, JournalEntry{Kind: act.Kind, ArtifactID: act.ID, ContentSHA256: hex.EncodeToString(sum[:]), At: time.Now()})
	}
	if len(entries) == 0 {
		return nil
	}
	if bj, ok := j.(BatchJournal); ok {
		return bj.RecordWrites(ctx, incidentID, entries)
	}
	var first error
	for _, e := range entries {
		if _, err := j.RecordWrite(ctx, incidentID, e.Kind, e.ArtifactID, e.ContentSHA256, e.At); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// writeComment writes the report comment unless it is already there as is.
func writeComment(ctx context.Context, w socpilot.Writer, d socpilot.IncidentDetails, a socpilot.Analysis, res *Result) error {
	inc := d.Incident
	msg, cut, err := render.CommentHTML(a)
	if err != nil {
		return err
	}
	res.Cut = cut
	id := ReportID(inc.ID)
	act := Action{Kind: "comment", ID: id, Title: "socpilot report"}
	var existing *socpilot.Comment
	for i := range d.Comments {
		if strings.EqualFold(d.Comments[i].Name, id) {
			existing = &d.Comments[i]
		}
	}
	switch {
	case existing != nil && existing.Message == msg:
		act.Result = Unchanged
	case existing == nil && len(d.Comments) >= socpilot.MaxComments:
		act.Result, act.Note = Skipped, fmt.Sprintf("the incident already has %d comments, Sentinel's limit", socpilot.MaxComments)
	default:
		c := socpilot.Comment{Name: id, Message: msg}
		if existing != nil {
			c.ETag = existing.ETag
		}
		if err := putComment(ctx, w, inc, c); err != nil {
			return fmt.Errorf("write the report comment on incident %d: %w", inc.Number, err)
		}
		act.Result = map[bool]Outcome{true: Updated, false: Created}[existing != nil]
		act.content = msg
	}
	res.Actions = append(res.Actions, act)
	return nil
}

// rereader reads an incident's current comments and tasks again after a
// conflict; the Sentinel client is one.
type rereader interface {
	Comments(ctx context.Context, inc socpilot.Incident) ([]socpilot.Comment, error)
	Tasks(ctx context.Context, inc socpilot.Incident) ([]socpilot.Task, error)
}

// conflictRetries bounds how often a write is retried after someone else
// changed the same task or comment in between.
const conflictRetries = 3

// putTask writes t with the etag it was read with. When someone changed the
// task in between (409), it reads the task again, keeps every field they
// changed since base (the version this run read), and writes the rest.
func putTask(ctx context.Context, w socpilot.Writer, inc socpilot.Incident, base, t socpilot.Task) (note string, err error) {
	for attempt := 0; ; attempt++ {
		_, err = w.PutTask(ctx, inc, t)
		if err == nil || socpilot.ErrorCode(err) != socpilot.EConflict || attempt == conflictRetries {
			return note, err
		}
		rr, ok := w.(rereader)
		if !ok {
			return note, err
		}
		cur, found, rerr := findTask(ctx, rr, inc, t.Name)
		if rerr != nil {
			return note, fmt.Errorf("%w; reading it again failed: %w", err, rerr)
		}
		if !found {
			t.ETag = "" // deleted meanwhile: create it again
			continue
		}
		t = mergeTask(base, cur, t)
		base = cur
		note = "changed by someone else while writing: their changes kept"
	}
}

// mergeTask keeps what an analyst changed between base and cur, and takes
// ours for the rest; the status is always theirs.
func mergeTask(base, cur, ours socpilot.Task) socpilot.Task {
	out := ours
	out.ETag = cur.ETag
	out.Status = cur.Status
	if cur.Title != base.Title {
		out.Title = cur.Title
	}
	if cur.Description != base.Description {
		out.Description = cur.Description
	}
	return out
}

func findTask(ctx context.Context, rr rereader, inc socpilot.Incident, name string) (socpilot.Task, bool, error) {
	ts, err := rr.Tasks(ctx, inc)
	if err != nil {
		return socpilot.Task{}, false, err
	}
	for _, t := range ts {
		if strings.EqualFold(t.Name, name) {
			return t, true, nil
		}
	}
	return socpilot.Task{}, false, nil
}

// putComment writes the report with the etag it was read with; after a
// conflict (another run wrote it meanwhile) it takes the current etag and
// writes this run's report.
func putComment(ctx context.Context, w socpilot.Writer, inc socpilot.Incident, c socpilot.Comment) error {
	for attempt := 0; ; attempt++ {
		_, err := w.PutComment(ctx, inc, c)
		if err == nil || socpilot.ErrorCode(err) != socpilot.EConflict || attempt == conflictRetries {
			return err
		}
		rr, ok := w.(rereader)
		if !ok {
			return err
		}
		cs, rerr := rr.Comments(ctx, inc)
		if rerr != nil {
			return fmt.Errorf("%w; reading it again failed: %w", err, rerr)
		}
		c.ETag = ""
		for _, cur := range cs {
			if strings.EqualFold(cur.Name, c.Name) {
				c.ETag = cur.ETag
			}
		}
	}
}

// stamped ends a task description with a revision of what socpilot wrote
// (title and text), so a later run can tell its own text from an analyst's
// edit of it.
func stamped(title, desc string) string {
	return desc + " <i>rev " + revision(title, desc) + "</i>"
}

func revision(title, desc string) string {
	h := sha256.Sum256([]byte(title + "\x00" + desc))
	return hex.EncodeToString(h[:4])
}

var revRE = regexp.MustCompile(` <i>rev ([0-9a-f]{8})</i>$`)

// analystEdited reports whether a task socpilot wrote was changed by
// someone since: its revision no longer matches its title and text. Tasks
// written before revisions existed carry none and count as socpilot's.
func analystEdited(t socpilot.Task) bool {
	m := revRE.FindStringSubmatchIndex(t.Description)
	if m == nil {
		return !socpilot.OwnTask(t)
	}
	return revision(t.Title, t.Description[:m[0]]) != t.Description[m[2]:m[3]]
}

// taskTitle is a checklist title as a task title: one line, within
// Sentinel's length, and without markup. Titles name entities, and entity
// values are attacker text ("<script>…" in a URL); the portal shows titles
// as text, so angle brackets become look-alike quotes rather than entities
// that would print as "&lt;".
func taskTitle(s string) string {
	return render.Truncate(markupFree.Replace(render.Line(s)), 150)
}

var markupFree = strings.NewReplacer("<", "‹", ">", "›")

// taskDescription is the task text: the step, the entities it concerns,
// and a marker that socpilot wrote it. Sentinel task descriptions are
// limited HTML too, so it is escaped.
func taskDescription(item socpilot.ChecklistItem) string {
	var b strings.Builder
	if item.Action != nil {
		b.WriteString("<b>Action: " + htmlEscape(string(item.Action.Verb)) + "</b> <code>" + htmlEscape(render.Truncate(render.Line(item.Action.Entity), 300)) + "</code><br>")
	}
	b.WriteString(htmlEscape(render.Truncate(render.Line(item.Description), 2500)))
	if len(item.Entities) > 0 {
		b.WriteString("<br>Entities: ")
		for i, e := range item.Entities {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("<code>" + htmlEscape(render.Truncate(render.Line(e), 300)) + "</code>")
		}
	}
	b.WriteString("<br><i>Phase: " + htmlEscape(item.Phase) + ". " + socpilot.TaskMarker + "</i>")
	return b.String()
}

func htmlEscape(s string) string { return html.EscapeString(s) }

// ChecklistTaskID is the id of the task written for a checklist item with
// this title: the title as the task shows it, cleaned of markup.
func ChecklistTaskID(incidentID, itemTitle string) string {
	return TaskID(incidentID, taskTitle(itemTitle))
}
