package graph

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/socpilot/socpilot"
)

// ListIncidents lists Defender incidents matching f, following
// @odata.nextLink until f.Top incidents are read (all when Top is 0).
// Incidents are read without their alerts: AlertsCount, Tactics and the
// like are filled by Details.
func (c *Client) ListIncidents(ctx context.Context, f socpilot.IncidentFilter) ([]socpilot.Incident, error) {
	q, err := ListQuery(f)
	if err != nil {
		return nil, err
	}
	wire, err := list[wireIncident](ctx, c, c.url("/security/incidents", q), f.Top, op{what: "list incidents", permission: PermIncidentRead})
	if err != nil {
		return nil, err
	}
	out := make([]socpilot.Incident, 0, len(wire))
	for _, in := range wire {
		out = append(out, convertIncident(in))
	}
	return out, nil
}

// ListQuery renders f as the OData query options of GET /security/incidents:
// $filter over status, severity, createdDateTime and lastUpdateDateTime
// (the properties the API reference lists as filterable), $top and $orderby.
func ListQuery(f socpilot.IncidentFilter) (url.Values, error) {
	q := url.Values{}
	var parts []string
	anyOf := func(field string, values []string) {
		var or []string
		for _, v := range values {
			or = append(or, fmt.Sprintf("%s eq '%s'", field, strings.ReplaceAll(v, "'", "''")))
		}
		switch len(or) {
		case 0:
		case 1:
			parts = append(parts, or[0])
		default:
			parts = append(parts, "("+strings.Join(or, " or ")+")")
		}
	}
	var statuses []string
	for _, s := range f.Status {
		g, ok := graphStatuses[strings.ToLower(s)]
		if !ok {
			return nil, socpilot.Errorf(socpilot.EInvalid, "incident status %q is not New, Active or Closed", s)
		}
		statuses = append(statuses, g...)
	}
	anyOf("status", statuses)
	var sevs []string
	for _, s := range f.Severity {
		switch strings.ToLower(s) {
		case "high", "medium", "low", "informational":
			sevs = append(sevs, strings.ToLower(s))
		default:
			return nil, socpilot.Errorf(socpilot.EInvalid, "incident severity %q is not High, Medium, Low or Informational", s)
		}
	}
	anyOf("severity", sevs)
	if !f.Since.IsZero() {
		parts = append(parts, "createdDateTime ge "+f.Since.UTC().Format(time.RFC3339Nano))
	}
	if !f.ModifiedSince.IsZero() {
		parts = append(parts, "lastUpdateDateTime ge "+f.ModifiedSince.UTC().Format(time.RFC3339Nano))
	}
	if len(parts) > 0 {
		q.Set("$filter", strings.Join(parts, " and "))
	}
	order, err := OrderBy(f.OrderBy)
	if err != nil {
		return nil, err
	}
	q.Set("$orderby", order)
	top := maxPageSize
	if f.Top > 0 && f.Top < top {
		top = f.Top
	}
	q.Set("$top", strconv.Itoa(top))
	return q, nil
}

// orderFields maps socpilot's (Sentinel's) $orderby fields onto Graph's.
var orderFields = map[string]string{
	"properties/createdtimeutc":      "createdDateTime",
	"properties/lastmodifiedtimeutc": "lastUpdateDateTime",
	"properties/incidentnumber":      "id",
	"properties/severity":            "severity",
	"createddatetime":                "createdDateTime",
	"lastupdatedatetime":             "lastUpdateDateTime",
	"id":                             "id",
	"severity":                       "severity",
}

// OrderBy translates an IncidentFilter.OrderBy ("properties/createdTimeUtc
// desc", the default when empty) into Graph's $orderby ("createdDateTime desc").
func OrderBy(s string) (string, error) {
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return "createdDateTime desc", nil
	}
	g, ok := orderFields[strings.ToLower(fields[0])]
	if !ok || len(fields) > 2 {
		return "", socpilot.Errorf(socpilot.EInvalid, "cannot order Defender incidents by %q; use properties/createdTimeUtc or properties/lastModifiedTimeUtc, asc or desc", s)
	}
	dir := "asc"
	if len(fields) == 2 {
		switch strings.ToLower(fields[1]) {
		case "asc", "desc":
			dir = strings.ToLower(fields[1])
		default:
			return "", socpilot.Errorf(socpilot.EInvalid, "order %q is neither asc nor desc", fields[1])
		}
	}
	return g + " " + dir, nil
}

// IncidentByNumber gets a Defender incident by its id.
func (c *Client) IncidentByNumber(ctx context.Context, id int) (socpilot.Incident, error) {
	if id <= 0 {
		return socpilot.Incident{}, socpilot.Errorf(socpilot.EInvalid, "%d is not a Defender incident id", id)
	}
	return c.Incident(ctx, strconv.Itoa(id))
}

// Incident gets a Defender incident by its id as a string (Incident.Name).
func (c *Client) Incident(ctx context.Context, name string) (socpilot.Incident, error) {
	in, err := c.get(ctx, name, false)
	if err != nil {
		return socpilot.Incident{}, err
	}
	return convertIncident(in), nil
}

func (c *Client) get(ctx context.Context, name string, expand bool) (wireIncident, error) {
	if name == "" || strings.ContainsAny(name, "/?#") {
		return wireIncident{}, socpilot.Errorf(socpilot.EInvalid, "%q is not a Defender incident id", name)
	}
	q := url.Values{}
	what := "get incident " + name
	if expand {
		q.Set("$expand", "alerts")
		what = "read incident " + name + " with its alerts"
	}
	var in wireIncident
	err := c.do(ctx, http.MethodGet, c.url("/security/incidents/"+url.PathEscape(name), q), nil, &in,
		op{what: what, permission: PermIncidentRead, incident: name})
	return in, err
}

// Details reads a Defender incident with its alerts ($expand=alerts), the
// entities of their evidence (deduplicated across alerts) and its comments,
// in one request. Graph has no bookmarks, relations or tasks: those lists
// are empty.
func (c *Client) Details(ctx context.Context, id int) (socpilot.IncidentDetails, error) {
	if id <= 0 {
		return socpilot.IncidentDetails{}, socpilot.Errorf(socpilot.EInvalid, "%d is not a Defender incident id", id)
	}
	return c.details(ctx, strconv.Itoa(id))
}

// DetailsOf reads what hangs off an incident already read. The incident is
// read again with its alerts, so the result is current.
func (c *Client) DetailsOf(ctx context.Context, inc socpilot.Incident) (socpilot.IncidentDetails, error) {
	return c.details(ctx, incidentName(inc))
}

func (c *Client) details(ctx context.Context, name string) (socpilot.IncidentDetails, error) {
	in, err := c.get(ctx, name, true)
	if err != nil {
		return socpilot.IncidentDetails{}, err
	}
	return details(in), nil
}

// incidentName is the Graph id of inc: the Name of an incident this
// package read, else a Sentinel incident's providerIncidentId (the Defender
// id of an onboarded workspace's incident), else its Name or number.
func incidentName(inc socpilot.Incident) string {
	switch {
	case strings.HasPrefix(inc.ID, "/security/incidents/") && inc.Name != "":
		return inc.Name
	case inc.ProviderIncidentID != "":
		return inc.ProviderIncidentID
	case inc.Name != "":
		return inc.Name
	}
	return strconv.Itoa(inc.Number)
}

// Comments reads the comments of an incident.
func (c *Client) Comments(ctx context.Context, inc socpilot.Incident) ([]socpilot.Comment, error) {
	name := incidentName(inc)
	in, err := c.get(ctx, name, false)
	if err != nil {
		return nil, err
	}
	return convertComments(name, in.Comments), nil
}

// AddComment appends a comment to an incident. Graph's incident comments
// are plain text and append-only (no id, no edit, no delete): a caller that
// must not post twice looks for its own comment first. It returns the new
// comment as the service lists it.
func (c *Client) AddComment(ctx context.Context, inc socpilot.Incident, text string) (socpilot.Comment, error) {
	name := incidentName(inc)
	if strings.TrimSpace(text) == "" {
		return socpilot.Comment{}, socpilot.Errorf(socpilot.EInvalid, "comment for incident %s is empty", name)
	}
	// Graph documents no limit; socpilot keeps Sentinel's so one report fits both.
	if n := len([]rune(text)); n > socpilot.MaxCommentChars {
		return socpilot.Comment{}, socpilot.Errorf(socpilot.EInvalid, "comment for incident %s is %d characters; socpilot writes at most %d", name, n, socpilot.MaxCommentChars)
	}
	body := struct {
		Type    string `json:"@odata.type"`
		Comment string `json:"comment"`
	}{"microsoft.graph.security.alertComment", text}
	var reply page[wireComment]
	err := c.do(ctx, http.MethodPost, c.url("/security/incidents/"+url.PathEscape(name)+"/comments", nil), body, &reply,
		op{what: "add a comment to incident " + name, permission: PermIncidentWrite, incident: name})
	if err != nil {
		return socpilot.Comment{}, err
	}
	// The reply is every comment of the incident; ours is the last with our text.
	all := convertComments(name, reply.Value)
	for i := len(reply.Value) - 1; i >= 0; i-- {
		if reply.Value[i].Comment == text {
			return all[i], nil
		}
	}
	return socpilot.Comment{Message: html.EscapeString(text)}, nil
}
