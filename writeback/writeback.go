// Package writeback writes an analysis into its Sentinel incident: one
// report comment and one task per checklist item. Ids are UUIDv5 of the
// incident and the artifact, so a re-run updates in place and never
// duplicates; unchanged artifacts are not written at all.
package writeback

import (
	"context"
	"fmt"
	"html"
	"strings"

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
	Result string // created, updated, unchanged, skipped
	Note   string
}

// Result is what a write-back did.
type Result struct {
	Actions []Action
	Cut     string // what the comment left out to fit the size limit
}

// Count returns how many actions had the given result.
func (r Result) Count(result string) int {
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
	var res Result
	inc := d.Incident
	msg, cut, err := render.CommentHTML(a)
	if err != nil {
		return res, err
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
		act.Result = "unchanged"
	case existing == nil && len(d.Comments) >= socpilot.MaxComments:
		act.Result, act.Note = "skipped", fmt.Sprintf("the incident already has %d comments, Sentinel's limit", socpilot.MaxComments)
	default:
		if _, err := w.PutComment(ctx, inc, socpilot.Comment{Name: id, Message: msg}); err != nil {
			return res, fmt.Errorf("write the report comment on incident %d: %w", inc.Number, err)
		}
		act.Result = map[bool]string{true: "updated", false: "created"}[existing != nil]
	}
	res.Actions = append(res.Actions, act)

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
		desc := taskDescription(item)
		act := Action{Kind: "task", ID: tid, Title: title}
		old, ok := tasks[tid]
		switch {
		case ok && old.Title == title && old.Description == desc:
			act.Result = "unchanged"
		case !ok && count >= socpilot.MaxTasks:
			act.Result, act.Note = "skipped", fmt.Sprintf("the incident has %d tasks, Sentinel's limit", socpilot.MaxTasks)
		default:
			t := socpilot.Task{Name: tid, Title: title, Description: desc, Status: "New"}
			if ok {
				t.Status = old.Status // keep the analyst's progress
			}
			if _, err := w.PutTask(ctx, inc, t); err != nil {
				return res, fmt.Errorf("write task %q on incident %d: %w", title, inc.Number, err)
			}
			if ok {
				act.Result = "updated"
			} else {
				act.Result = "created"
				count++
			}
		}
		res.Actions = append(res.Actions, act)
	}
	return res, nil
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
