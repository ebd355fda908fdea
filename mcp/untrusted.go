package mcp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/socpilot/socpilot"
)

// The fence is the one socpilot's prompts put around incident data
// (analysis.fence), so an agent's model meets the same convention.
const (
	fenceOpen  = "<<<INCIDENT_DATA"
	fenceClose = "INCIDENT_DATA>>>"
)

var fenceWord = regexp.MustCompile(`(?i)incident_data`)

// defang rewrites the fence's marker word inside data, so incident text
// cannot close the fence and continue as if it were socpilot speaking.
func defang(s string) string {
	return fenceWord.ReplaceAllStringFunc(s, func(m string) string { return strings.Replace(m, "_", "-", 1) })
}

// fence is the text content of a result that carries incident text: the
// notice, then the data between the markers.
func fence(label, data string) string {
	return fmt.Sprintf("%s\n%s %s\n%s\n%s", UntrustedNotice, fenceOpen, defang(oneLine(label)), strings.TrimRight(defang(data), "\n"), fenceClose)
}

// untrusted finishes a result that carries incident text: pseudonymised
// when that is on (learning d's entities first, when the result is about
// one incident), its text content fenced. text is that content when the
// result has a better one for a model than its JSON (an incident's
// digest); "" gives the JSON.
func untrusted[T any](s *Server, d *socpilot.IncidentDetails, label string, out T, text string) (*sdk.CallToolResult, T, error) {
	if s.o.Pseudonymizer != nil {
		p := s.o.Pseudonymizer()
		if d != nil {
			p.LearnEntities(d.Entities)
		}
		var err error
		if out, err = redactAll(p, out); err != nil {
			var zero T
			return nil, zero, fmt.Errorf("pseudonymise the result: %w", err)
		}
		text = p.Redact(text)
	}
	return fenced(label, out, text)
}

// fenced is a result with its text content fenced as incident data.
func fenced[T any](label string, out T, text string) (*sdk.CallToolResult, T, error) {
	if text == "" {
		b, err := indentJSON(out)
		if err != nil {
			var zero T
			return nil, zero, err
		}
		text = b
	}
	return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: fence(label, text)}}}, out, nil
}

func indentJSON(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return "", fmt.Errorf("encode the result: %w", err)
	}
	return b.String(), nil
}

// redactAll pseudonymises every string of v, wherever it is: incident
// text reaches results in titles, descriptions, entity properties of any
// shape, comments, checklists and queries, and a list of fields to hide
// would miss the next one added. Keys are left alone (they are property
// names, not data); so are numbers and times, which the pseudonymiser
// leaves as they are anyway.
func redactAll[T any](p Pseudonymizer, v T) (T, error) {
	var zero T
	b, err := json.Marshal(v)
	if err != nil {
		return zero, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return zero, err
	}
	tree = redactValue(p, tree)
	if b, err = json.Marshal(tree); err != nil {
		return zero, err
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		return zero, err
	}
	return out, nil
}

func redactValue(p Pseudonymizer, v any) any {
	switch x := v.(type) {
	case string:
		return p.Redact(x)
	case []any:
		for i := range x {
			x[i] = redactValue(p, x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = redactValue(p, x[k])
		}
	}
	return v
}
