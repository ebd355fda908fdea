// Package eval scores socpilot's analyses against labelled incidents: the
// verdict a senior analyst would give, the accounts and hosts actually
// compromised, the response actions that must be in the checklist and the
// ones that must never be (blocking the organisation's own addresses).
//
// The labels come from files (one incident per file, shaped like the demo
// dataset's files plus a top-level "expected" object) or from closed
// incidents' classifications. The analysis is a function the caller gives
// Run, so the same scoring serves the offline analyst and a model.
package eval

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"

	"github.com/socpilot/socpilot"
)

// Expected is the top-level "expected" object of a labelled incident file.
type Expected struct {
	// Verdict is the verdict a senior analyst would give.
	Verdict socpilot.Verdict `json:"verdict"`
	// Acceptable are other verdicts that are not wrong for this incident.
	Acceptable []socpilot.Verdict `json:"acceptable,omitempty"`
	// Compromised are the identifiers (UPN, account name, host name, FQDN)
	// of the accounts and hosts actually in the attacker's hands.
	Compromised []string `json:"compromised,omitempty"`
	// Actions are response actions the checklist must carry.
	Actions []ExpectedAction `json:"actions,omitempty"`
	// Forbidden are response actions that would hurt (blocking the
	// organisation's egress, disabling a service account...).
	Forbidden []ExpectedAction `json:"forbidden,omitempty"`
	// Tactics are the ATT&CK tactic ids (TA0006) the analysis should name.
	Tactics []string `json:"tactics,omitempty"`
	// Source is where the scenario comes from (a public write-up's URL).
	Source string `json:"source,omitempty"`
	// Why explains the labels to the reader of a failed case.
	Why string `json:"why,omitempty"`
}

// ExpectedAction is a response action on one entity.
type ExpectedAction struct {
	Verb   socpilot.ActionVerb `json:"action"`
	Entity string              `json:"entity"`
}

func (a ExpectedAction) String() string { return string(a.Verb) + " " + a.Entity }

var tacticRE = regexp.MustCompile(`^TA[0-9]{4}$`)

// Validate checks the labels: a known verdict, known action verbs, no empty
// identifier, tactic ids like TA0006. Its error says which field is wrong.
func (e Expected) Validate() error {
	if e.Verdict == "" {
		return errors.New(`no "verdict"`)
	}
	if !validVerdict(e.Verdict) {
		return fmt.Errorf("verdict %q is not dismiss, remediate or escalate", e.Verdict)
	}
	for _, v := range e.Acceptable {
		if !validVerdict(v) {
			return fmt.Errorf("acceptable verdict %q is not dismiss, remediate or escalate", v)
		}
	}
	for _, c := range e.Compromised {
		if strings.TrimSpace(c) == "" {
			return errors.New("compromised holds an empty identifier")
		}
	}
	for _, list := range []struct {
		name    string
		actions []ExpectedAction
	}{{"actions", e.Actions}, {"forbidden", e.Forbidden}} {
		for _, a := range list.actions {
			if !a.Verb.Valid() {
				return fmt.Errorf("%s: %q is not an action verb (%s)", list.name, a.Verb, verbList())
			}
			if strings.TrimSpace(a.Entity) == "" {
				return fmt.Errorf("%s: %s has no entity", list.name, a.Verb)
			}
		}
	}
	for _, t := range e.Tactics {
		if !tacticRE.MatchString(t) {
			return fmt.Errorf("tactic %q is not an ATT&CK tactic id such as TA0006", t)
		}
	}
	return nil
}

// Verdicts in the order of the confusion matrix's rows and columns.
var Verdicts = []socpilot.Verdict{socpilot.VerdictDismiss, socpilot.VerdictRemediate, socpilot.VerdictEscalate}

func validVerdict(v socpilot.Verdict) bool { return verdictIndex(v) >= 0 }

func verdictIndex(v socpilot.Verdict) int {
	for i, w := range Verdicts {
		if v == w {
			return i
		}
	}
	return -1
}

func verbList() string {
	var s []string
	for _, v := range socpilot.ActionVerbs {
		s = append(s, string(v))
	}
	return strings.Join(s, ", ")
}

// Case is one labelled incident.
type Case struct {
	Number   int
	File     string // the file it came from; "" for a closed incident
	Title    string
	Expected Expected
	// Details is the incident as the analyst is to read it. The caller
	// fills it (through the same Sentinel client the other commands use)
	// before Run.
	Details socpilot.IncidentDetails
}

// labelledFile is what ReadCases reads of a file: the incident's number
// and title, and the labels. The rest is the emulator's to load.
type labelledFile struct {
	Incident *struct {
		Properties struct {
			IncidentNumber json.Number `json:"incidentNumber"`
			Title          string      `json:"title"`
		} `json:"properties"`
	} `json:"incident"`
	Expected json.RawMessage `json:"expected"`
}

// ReadCases reads the labels of every *.json file at the top of fsys, in
// name order. A file without "expected", with invalid labels, or without an
// incident number is an error naming the file and the reason; so is a
// directory without any file and two files of one incident number.
func ReadCases(fsys fs.FS) ([]Case, error) {
	names, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, errors.New("no incident files (*.json)")
	}
	sort.Strings(names)
	var cases []Case
	byNumber := map[int]string{}
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		c, err := decodeCase(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if other, ok := byNumber[c.Number]; ok {
			return nil, fmt.Errorf("%s: incident number %d already used by %s", name, c.Number, other)
		}
		byNumber[c.Number] = name
		c.File = name
		cases = append(cases, c)
	}
	return cases, nil
}

func decodeCase(b []byte) (Case, error) {
	var f labelledFile
	if err := json.Unmarshal(b, &f); err != nil {
		return Case{}, fmt.Errorf("decode: %w", err)
	}
	if f.Incident == nil {
		return Case{}, errors.New(`no "incident"`)
	}
	n, err := f.Incident.Properties.IncidentNumber.Int64()
	if err != nil || n <= 0 {
		return Case{}, errors.New("the incident has no positive properties.incidentNumber")
	}
	if len(f.Expected) == 0 || string(f.Expected) == "null" {
		return Case{}, errors.New(`no "expected" labels: this is not a labelled incident file`)
	}
	dec := json.NewDecoder(bytes.NewReader(f.Expected))
	dec.DisallowUnknownFields()
	var e Expected
	if err := dec.Decode(&e); err != nil {
		return Case{}, fmt.Errorf("expected: %w", err)
	}
	if err := e.Validate(); err != nil {
		return Case{}, fmt.Errorf("expected: %w", err)
	}
	return Case{Number: int(n), Title: f.Incident.Properties.Title, Expected: e}, nil
}

// FromClassification is what a closed incident's classification says the
// verdict should have been: a true positive needed work (remediate, or
// escalate), a benign or false positive could be dismissed. Undetermined
// or no classification says nothing (ok false).
func FromClassification(classification string) (e Expected, ok bool) {
	switch {
	case strings.EqualFold(classification, "TruePositive"):
		return Expected{Verdict: socpilot.VerdictRemediate, Acceptable: []socpilot.Verdict{socpilot.VerdictEscalate},
			Source: "classification TruePositive"}, true
	case strings.EqualFold(classification, "BenignPositive"), strings.EqualFold(classification, "FalsePositive"):
		return Expected{Verdict: socpilot.VerdictDismiss, Source: "classification " + classification}, true
	}
	return Expected{}, false
}

// WithoutClassification is the incident as it was before it was closed, as
// far as socpilot can tell: Active, with no classification, reason or
// classification comment. Without this the analysis would read the answer.
func WithoutClassification(d socpilot.IncidentDetails) socpilot.IncidentDetails {
	d.Incident.Status = "Active"
	d.Incident.Classification = ""
	d.Incident.ClassificationReason = ""
	d.Incident.ClassificationComment = ""
	return d
}

// AnalyzeFunc analyses one incident.
type AnalyzeFunc func(ctx context.Context, d socpilot.IncidentDetails) (socpilot.Analysis, error)

// Run analyses every case and scores it. An analysis that fails is recorded
// for its incident (and counts as wrong); only a cancelled context stops
// the run.
func Run(ctx context.Context, cases []Case, analyze AnalyzeFunc) (Report, error) {
	rep := Report{Incidents: []Result{}, Skipped: []Skipped{}, Notes: []string{}}
	for _, c := range cases {
		if err := ctx.Err(); err != nil {
			return Report{}, err
		}
		a, err := analyze(ctx, c.Details)
		if err != nil {
			if cerr := ctx.Err(); cerr != nil {
				return Report{}, cerr
			}
			rep.Incidents = append(rep.Incidents, Failed(c, err))
			continue
		}
		rep.Incidents = append(rep.Incidents, Score(c, a))
	}
	rep.Totals = Summarize(rep.Incidents)
	return rep, nil
}
