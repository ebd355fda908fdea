package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/socpilot/socpilot/kql"
	"github.com/socpilot/socpilot/kql/schema"
)

// runHuntingQuery answers POST /security/runHuntingQuery {"Query",
// "Timespan"}. The emulator holds no advanced hunting data: a query the kql
// validator accepts answers 200 with the schema of the columns it projects
// (as far as the validator knows them) and no rows; a query it rejects
// answers 400 with the validator's first error, in the service's words.
func (c *graphCall) runHuntingQuery() {
	b, err := io.ReadAll(io.LimitReader(c.r.Body, maxBody+1))
	if err != nil || len(b) > maxBody {
		c.error(http.StatusBadRequest, "BadRequest", "The request body could not be read.")
		return
	}
	var body map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil {
		c.error(http.StatusBadRequest, "BadRequest", "Invalid request body: expected a JSON object such as {\"Query\": \"DeviceProcessEvents | take 10\"}.")
		return
	}
	var query, timespan any
	for k, v := range body {
		switch strings.ToLower(k) {
		case "query":
			query = v
		case "timespan":
			timespan = v
		}
	}
	q, _ := query.(string)
	if strings.TrimSpace(q) == "" {
		c.error(http.StatusBadRequest, "BadRequest", "The parameter 'Query' is required: the hunting query in Kusto Query Language (KQL).")
		return
	}
	if timespan != nil {
		ts, ok := timespan.(string)
		if !ok || !validTimespan(ts) {
			c.error(http.StatusBadRequest, "BadRequest", fmt.Sprintf("Invalid 'Timespan' %v: use ISO 8601, e.g. P30D, 2024-02-01T08:00:00Z/2024-02-15T08:00:00Z, P30D/2024-02-15T08:00:00Z or 2024-02-01T08:00:00Z/P30D.", timespan))
			return
		}
	}
	v := &kql.Validator{NoLint: true, Kind: kql.KindHunting}
	cols, _, findings := v.ResultColumns(q)
	for _, f := range findings {
		if f.Severity != kql.SeverityError {
			continue
		}
		msg := f.Message
		if f.Name == "" {
			if m := quotedRE.FindStringSubmatch(f.Message); m != nil {
				f.Name = m[1]
			}
		}
		switch {
		case f.Code == kql.CodeSyntax:
			at := "<end of query>"
			if f.Pos.Offset < len(q) {
				if tok := strings.TrimSpace(firstToken(q[f.Pos.Offset:])); tok != "" {
					at = tok
				}
			}
			msg = fmt.Sprintf("Query could not be parsed at '%s' on line [%d,%d]: %s", at, f.Pos.Line, f.Pos.Col, f.Message)
		case f.Code == kql.CodeUnknownTable && f.Name != "":
			msg = fmt.Sprintf("Failed to resolve table or column expression named '%s'", f.Name)
		case f.Code == kql.CodeUnknownColumn && f.Name != "":
			msg = fmt.Sprintf("Failed to resolve scalar expression named '%s'", f.Name)
		case f.Code == kql.CodeUnknownFunction && f.Name != "":
			msg = fmt.Sprintf("Unknown function: '%s'.", f.Name)
		}
		c.error(http.StatusBadRequest, "BadRequest", msg)
		return
	}
	sch := []any{}
	for _, col := range cols {
		sch = append(sch, map[string]any{"name": col.Name, "type": huntingType(col.Type)})
	}
	writeJSON(c.w, http.StatusOK, map[string]any{
		"@odata.context": c.context("microsoft.graph.security.huntingQueryResults"),
		"schema":         sch,
		"results":        []any{},
	})
}

var quotedRE = regexp.MustCompile(`'([^']+)'`)

var tokenRE = regexp.MustCompile(`^\s*(?:[A-Za-z_][A-Za-z0-9_]*|\S)`)

func firstToken(s string) string { return tokenRE.FindString(s) }

// huntingType is how advanced hunting names a column's type in a schema.
func huntingType(t schema.Type) string {
	switch t {
	case schema.String:
		return "String"
	case schema.Int:
		return "Int32"
	case schema.Long:
		return "Int64"
	case schema.Real:
		return "Double"
	case schema.Decimal:
		return "Decimal"
	case schema.Bool:
		return "Boolean"
	case schema.Datetime:
		return "DateTime"
	case schema.Timespan:
		return "TimeSpan"
	case schema.GUID:
		return "Guid"
	}
	return "Object"
}

var isoDuration = regexp.MustCompile(`^P(?:\d+(?:\.\d+)?[YMWD])*(?:T(?:\d+(?:\.\d+)?[HMS])+)?$`)

// validTimespan accepts the forms the runHuntingQuery docs list: a
// duration, a start, start/end, duration/end and start/duration.
func validTimespan(ts string) bool {
	isDur := func(s string) bool { return len(s) > 1 && s != "PT" && isoDuration.MatchString(s) }
	isTime := func(s string) bool {
		_, err := time.Parse(time.RFC3339Nano, s)
		return err == nil
	}
	a, b, two := strings.Cut(strings.TrimSpace(ts), "/")
	if !two {
		return isDur(a) || isTime(a)
	}
	return (isTime(a) && isTime(b)) || (isDur(a) && isTime(b)) || (isTime(a) && isDur(b))
}
