package logs

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/socpilot/socpilot"
)

// QueryError is the query API's verdict on a query, taken from its error body:
//
//	400 {"error":{"code":"BadArgumentError","message":"The request had some invalid properties",
//	     "innererror":{"code":"SyntaxError","message":"A recognition error occurred in the query.",
//	       "innererror":{"code":"SYN0002","message":"Query could not be parsed at 'x' on line [1,5]",
//	                     "line":1,"pos":5,"token":"x"}}}}
//	400 {"error":{"code":"BadArgumentError",...,"innererror":{"code":"SemanticError",
//	       "message":"A semantic error occurred.","innererror":{"code":"SEM0100",
//	       "message":"'where' operator: Failed to resolve table or column expression named 'Foo'"}}}}
//	200 {"tables":[...],"error":{"code":"PartialError","message":"There were some errors when processing your query.",
//	       "details":[{"code":"EngineError","message":"...","innererror":{"code":"...","message":"...","severity":3,"severityName":"Warning"}}]}}
type QueryError struct {
	StatusCode int    // HTTP status; 200 for a partial result
	Code       string // outer code: BadArgumentError, PartialError...
	Kind       string // SyntaxError, SemanticError, or "" when the body says neither
	InnerCode  string // innermost code: SYN0002, SEM0100...
	Message    string // the most specific message the service gave
	// Line (1-based) and Pos (0-based, within the line) locate a syntax error; 0
	// and -1 when the service gives no position (semantic errors).
	Line, Pos int
	Token     string
	Partial   bool     // the query ran but the answer is incomplete: a warning, not a failure
	Details   []string // messages of a PartialError's details
}

func (e *QueryError) Error() string {
	var b strings.Builder
	switch {
	case e.Partial:
		b.WriteString("query ran with warnings")
	case e.Kind == "SyntaxError":
		b.WriteString("syntax error")
	case e.Kind == "SemanticError":
		b.WriteString("semantic error")
	default:
		b.WriteString("query rejected")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, " at line %d, position %d", e.Line, e.Pos)
	}
	b.WriteString(": ")
	b.WriteString(e.Message)
	if e.InnerCode != "" {
		fmt.Fprintf(&b, " (%s)", e.InnerCode)
	}
	if len(e.Details) > 0 && e.Partial {
		b.WriteString(": " + strings.Join(e.Details, "; "))
	}
	return b.String()
}

var unknownNameRe = regexp.MustCompile(`Failed to resolve (?:table|column|scalar|table or column|column or scalar|table or column or scalar) expression named '([^']*)'`)

// UnknownName returns the name the service could not resolve ("Failed to resolve
// table or column expression named 'X'"), or "".
func (e *QueryError) UnknownName() string {
	if m := unknownNameRe.FindStringSubmatch(e.Message); m != nil {
		return m[1]
	}
	return ""
}

// IsUnknownName reports whether the query names a table, column or function the
// workspace does not have.
func (e *QueryError) IsUnknownName() bool { return e.UnknownName() != "" }

// errorObject is the "error" member of a query API answer, nested any depth.
type errorObject struct {
	Code       string         `json:"code"`
	Message    string         `json:"message"`
	Line       *int           `json:"line"`
	Pos        *int           `json:"pos"`
	Token      string         `json:"token"`
	InnerError *errorObject   `json:"innererror"`
	Details    []*errorObject `json:"details"`
}

// parseErrorObject reads either a whole body ({"error":{...}}) or an error object.
func parseErrorObject(body []byte) *QueryError {
	var wrapper struct {
		Error *errorObject `json:"error"`
	}
	obj := &errorObject{}
	if json.Unmarshal(body, &wrapper) == nil && wrapper.Error != nil {
		obj = wrapper.Error
	} else if err := json.Unmarshal(body, obj); err != nil {
		return &QueryError{Message: strings.TrimSpace(string(body)), Pos: -1}
	}
	qe := &QueryError{Code: obj.Code, Message: obj.Message, Pos: -1}
	for in := obj.InnerError; in != nil; in = in.InnerError {
		switch in.Code {
		case "SyntaxError", "SemanticError":
			qe.Kind = in.Code
		default:
			qe.InnerCode = in.Code
		}
		if in.Message != "" {
			qe.Message = in.Message
		}
		if in.Line != nil {
			qe.Line = *in.Line
		}
		if in.Pos != nil {
			qe.Pos = *in.Pos
		}
		if in.Token != "" {
			qe.Token = in.Token
		}
	}
	for _, d := range obj.Details {
		msg := d.Message
		for in := d.InnerError; in != nil; in = in.InnerError {
			if in.Message != "" {
				msg = in.Message
			}
		}
		if msg != "" {
			qe.Details = append(qe.Details, msg)
		}
	}
	return qe
}

func (c *Client) responseError(re *azcore.ResponseError) error {
	body, _ := runtime.Payload(re.RawResponse)
	qe := parseErrorObject(body)
	qe.StatusCode = re.StatusCode
	switch re.StatusCode {
	case http.StatusBadRequest:
		if qe.Code == "" {
			qe.Code = re.ErrorCode
		}
		if qe.Message == "" {
			qe.Message = fmt.Sprintf("the Log Analytics query API answered 400 %s without saying why", qe.Code)
		}
		return qe
	case http.StatusUnauthorized:
		return &socpilot.Error{Code: socpilot.EUnauthorized, Err: qe, Message: fmt.Sprintf(
			"the Log Analytics query API rejected the Azure credential (%s); sign in again (`az login`) or renew the service principal's secret", qe.Code)}
	case http.StatusForbidden:
		return &socpilot.Error{Code: socpilot.EForbidden, Err: qe, Message: fmt.Sprintf(
			"access denied to workspace %s; grant the signed-in principal the Log Analytics Reader role (or Microsoft Sentinel Reader) on the workspace", c.ws)}
	case http.StatusNotFound:
		return &socpilot.Error{Code: socpilot.ENotFound, Err: qe, Message: fmt.Sprintf(
			"Log Analytics workspace %s not found; use the workspace ID (a GUID from the workspace's overview page), not its name", c.ws)}
	case http.StatusTooManyRequests:
		return &socpilot.Error{Code: socpilot.EThrottled, Err: qe, Message: "the Log Analytics query API kept throttling requests (429) after every retry; wait a minute and try again"}
	}
	return &socpilot.Error{Code: socpilot.EUnavailable, Err: qe, Message: fmt.Sprintf(
		"the Log Analytics query API failed (%d %s)", re.StatusCode, qe.Code)}
}
