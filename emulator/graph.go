package emulator

// This file serves the Microsoft Graph security API (/v1.0/security/...)
// over the same state as the Microsoft.SecurityInsights API: unified
// Defender incidents, alerts_v2 with evidence, incident comments and
// runHuntingQuery. A comment posted through one API is read through the
// other. graph_convert.go maps the Sentinel resources onto Graph's, and
// graph_filter.go parses the OData $filter Graph accepts.
//
// Graph answers errors as {"error":{"code","message","innerError":{"date",
// "request-id","client-request-id"}}}; an unimplemented route answers 404 in
// that shape and is flagged in Requests as unimplemented ARM routes are.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Graph paging: /security/incidents pages by 50 at most; alerts_v2 by 2000.
const (
	GraphIncidentPageSize = 50
	GraphAlertPageSize    = 2000
)

// Graph permissions the emulator checks: a TokenReader principal holds the
// read ones only.
const (
	permIncidentReadWrite = "SecurityIncident.ReadWrite.All"
	readerGraphRoles      = "SecurityIncident.Read.All, SecurityAlert.Read.All, ThreatHunting.Read.All"
)

// isGraphPath reports whether p is a Microsoft Graph v1.0 path.
func isGraphPath(p string) bool {
	l := strings.ToLower(p)
	return l == "/v1.0" || strings.HasPrefix(l, "/v1.0/")
}

// graphCall is one Graph request being answered.
type graphCall struct {
	s         *Server
	w         *statusWriter
	r         *http.Request
	rid       string
	principal string
}

// serveGraph answers one request of the Graph security API.
func (s *Server) serveGraph(w *statusWriter, r *http.Request) {
	s.lmu.Lock()
	s.reqSeq++
	seq := s.reqSeq
	s.lmu.Unlock()
	c := &graphCall{s: s, w: w, r: r, rid: deriveID("request", "", strconv.FormatUint(seq, 10))}
	w.Header().Set("request-id", c.rid)
	w.Header().Set("client-request-id", c.clientRequestID())
	w.Header().Set("x-ms-ags-diagnostic", `{"ServerInfo":{"DataCenter":"socpilot emulator","Slice":"E","Ring":"0","ScaleUnit":"000","RoleInstance":"emulator"}}`)

	if f := s.takeFault(r); f != nil {
		if f.Latency > 0 {
			t := time.NewTimer(f.Latency)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		if f.Status != 0 {
			c.fault(f)
			return
		}
	}
	if !c.authenticate() {
		return
	}
	if s.opts.Throttle {
		write := r.Method != http.MethodGet && r.Method != http.MethodHead
		if _, wait := s.throttle("graph/"+c.principal, write); wait > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(retrySeconds(wait)))
			c.error(http.StatusTooManyRequests, "TooManyRequests", "Too many requests. Retry after the time the Retry-After header gives.")
			return
		}
	}
	c.route()
}

func (c *graphCall) clientRequestID() string {
	if id := strings.TrimSpace(c.r.Header.Get("client-request-id")); id != "" {
		return id
	}
	return c.rid
}

// error writes Graph's error body.
func (c *graphCall) error(status int, code, message string) {
	writeJSON(c.w, status, map[string]any{"error": map[string]any{
		"code":    code,
		"message": message,
		"innerError": map[string]string{
			"date":              c.s.now().Format("2006-01-02T15:04:05"),
			"request-id":        c.rid,
			"client-request-id": c.clientRequestID(),
		},
	}})
}

func (c *graphCall) fault(f *Fault) {
	code, msg := f.Code, f.Message
	if code == "" {
		switch f.Status {
		case http.StatusTooManyRequests:
			code = "TooManyRequests"
		case http.StatusServiceUnavailable:
			code = "ServiceNotAvailable"
		default:
			code = "UnknownError"
		}
	}
	if msg == "" {
		switch f.Status {
		case http.StatusTooManyRequests:
			msg = "Too many requests. Retry after the time the Retry-After header gives."
		case http.StatusServiceUnavailable:
			msg = "The service is temporarily unavailable. Please try again later."
		default:
			msg = "An internal server error occurred (injected by the socpilot emulator)."
		}
	}
	if f.RetryAfter > 0 {
		c.w.Header().Set("Retry-After", strconv.Itoa(retrySeconds(f.RetryAfter)))
	}
	c.error(f.Status, code, msg)
}

// authenticate checks the bearer token as the ARM side does, answering in
// Graph's shape (401 InvalidAuthenticationToken).
func (c *graphCall) authenticate() bool {
	fail := func(msg string) bool {
		c.w.Header().Set("WWW-Authenticate", `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`)
		c.error(http.StatusUnauthorized, "InvalidAuthenticationToken", msg)
		return false
	}
	h := c.r.Header.Get("Authorization")
	if h == "" {
		return fail("Access token is empty.")
	}
	scheme, tok, ok := strings.Cut(h, " ")
	tok = strings.TrimSpace(tok)
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return fail("Access token validation failure. Invalid audience.")
	}
	p := principalOf(tok)
	if p == TokenExpired {
		return fail("Lifetime validation failed, the token is expired.")
	}
	c.principal = p
	return true
}

// notImplemented answers a route the emulator does not serve.
func (c *graphCall) notImplemented() {
	c.w.unimplemented = true
	seg := c.r.URL.Path
	if i := strings.LastIndexByte(strings.TrimRight(seg, "/"), '/'); i >= 0 {
		seg = strings.TrimRight(seg, "/")[i+1:]
	}
	c.error(http.StatusNotFound, "ResourceNotFound", fmt.Sprintf(
		"Resource not found for the segment '%s'. The socpilot emulator implements only /v1.0/security/incidents (with comments), /v1.0/security/alerts_v2 and /v1.0/security/runHuntingQuery.", seg))
}

func (c *graphCall) methodNotAllowed(allowed ...string) {
	c.w.unimplemented = true
	c.w.Header().Set("Allow", strings.Join(allowed, ", "))
	c.error(http.StatusMethodNotAllowed, "Request_BadRequest", fmt.Sprintf(
		"The socpilot emulator does not implement the HTTP method '%s' on this resource.", c.r.Method))
}

func (c *graphCall) route() {
	segs := strings.Split(strings.Trim(c.r.URL.Path, "/"), "/")
	if len(segs) < 3 || !strings.EqualFold(segs[1], "security") || slices.Contains(segs, "") {
		c.notImplemented()
		return
	}
	method := c.r.Method
	switch coll := strings.ToLower(segs[2]); {
	case coll == "incidents" && len(segs) == 3:
		if method != http.MethodGet {
			c.methodNotAllowed(http.MethodGet)
			return
		}
		c.listIncidents()
	case coll == "incidents" && len(segs) == 4:
		if method != http.MethodGet {
			c.methodNotAllowed(http.MethodGet)
			return
		}
		c.getIncident(segs[3])
	case coll == "incidents" && len(segs) == 5 && strings.EqualFold(segs[4], "comments"):
		if method != http.MethodPost {
			c.methodNotAllowed(http.MethodPost)
			return
		}
		c.postComment(segs[3])
	case coll == "alerts_v2" && len(segs) == 3:
		if method != http.MethodGet {
			c.methodNotAllowed(http.MethodGet)
			return
		}
		c.listAlerts()
	case coll == "alerts_v2" && len(segs) == 4:
		if method != http.MethodGet {
			c.methodNotAllowed(http.MethodGet)
			return
		}
		c.getAlert(segs[3])
	case (coll == "runhuntingquery" || coll == "microsoft.graph.security.runhuntingquery") && len(segs) == 3:
		if method != http.MethodPost {
			c.methodNotAllowed(http.MethodPost)
			return
		}
		c.runHuntingQuery()
	default:
		c.notImplemented()
	}
}

// base is the scheme and host the request came to: @odata.context and
// @odata.nextLink are absolute on it, as the service's are on its own.
func (c *graphCall) base() string {
	scheme := c.r.URL.Scheme
	if scheme == "" {
		scheme = "http"
		if c.r.TLS != nil {
			scheme = "https"
		}
	}
	host := c.r.Host
	if host == "" {
		host = c.r.URL.Host
	}
	return scheme + "://" + host
}

func (c *graphCall) context(fragment string) string {
	return c.base() + "/v1.0/$metadata#" + fragment
}

// includeEvolvable reports whether the client asked for the enum members
// Graph added after unknownFutureValue (Prefer: include-unknown-enum-members).
func (c *graphCall) includeEvolvable() bool {
	for _, v := range c.r.Header.Values("Prefer") {
		for _, p := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(p), "include-unknown-enum-members") {
				return true
			}
		}
	}
	return false
}

// listParams are the OData query options of a collection request.
type listParams struct {
	filter  Filter
	order   []graphOrder
	top     int
	skip    int
	count   bool
	expand  bool // $expand=alerts (incidents only)
	pageMax int
}

type graphOrder struct {
	field string // JSON property of the Graph view
	desc  bool
}

// parseList reads $filter, $orderby, $top, $skip, $count and $expand for a
// collection whose entity type is typeName.
func (c *graphCall) parseList(typeName string, fields map[string]graphField, orderable []string, pageMax int, expandable bool) (*listParams, bool) {
	q := c.r.URL.Query()
	lp := &listParams{top: pageMax, pageMax: pageMax}
	bad := func(msg string) (*listParams, bool) {
		c.error(http.StatusBadRequest, "BadRequest", msg)
		return nil, false
	}
	for k := range q {
		switch strings.ToLower(k) {
		case "$filter", "$orderby", "$top", "$skip", "$count", "$expand":
		default:
			if strings.HasPrefix(k, "$") {
				c.w.unimplemented = true
				return bad(fmt.Sprintf("The query option '%s' is not supported on %s by the socpilot emulator.", k, c.r.URL.Path))
			}
		}
	}
	if fs := strings.TrimSpace(q.Get("$filter")); fs != "" {
		f, err := parseGraphFilter(fs, typeName, fields)
		if err != nil {
			return bad("Invalid filter clause: " + err.Error())
		}
		lp.filter = f
	}
	if os := strings.TrimSpace(q.Get("$orderby")); os != "" {
		for _, part := range strings.Split(os, ",") {
			words := strings.Fields(part)
			if len(words) == 0 || len(words) > 2 {
				return bad(fmt.Sprintf("Invalid $orderby clause '%s'.", os))
			}
			var name string
			for _, o := range orderable {
				if strings.EqualFold(o, words[0]) {
					name = o
				}
			}
			if name == "" {
				return bad(fmt.Sprintf("Invalid $orderby: ordering by '%s' is not supported on '%s'; supported are %s.", words[0], typeName, strings.Join(orderable, ", ")))
			}
			o := graphOrder{field: name}
			if len(words) == 2 {
				switch strings.ToLower(words[1]) {
				case "asc":
				case "desc":
					o.desc = true
				default:
					return bad(fmt.Sprintf("Invalid $orderby direction '%s': use asc or desc.", words[1]))
				}
			}
			lp.order = append(lp.order, o)
		}
	}
	if q.Has("$top") {
		n, err := strconv.Atoi(q.Get("$top"))
		if err != nil || n < 0 {
			return bad(fmt.Sprintf("Invalid value '%s' for $top query option found. The $top query option requires a non-negative integer value.", q.Get("$top")))
		}
		// The service clamps a larger $top to its page size.
		lp.top = min(n, pageMax)
	}
	if q.Has("$skip") {
		n, err := strconv.Atoi(q.Get("$skip"))
		if err != nil || n < 0 {
			return bad(fmt.Sprintf("Invalid value '%s' for $skip query option found. The $skip query option requires a non-negative integer value.", q.Get("$skip")))
		}
		lp.skip = n
	}
	if q.Has("$count") {
		switch strings.ToLower(q.Get("$count")) {
		case "true":
			lp.count = true
		case "false":
		default:
			return bad(fmt.Sprintf("Invalid value '%s' for $count query option found. Valid values are 'true', 'false'.", q.Get("$count")))
		}
	}
	if ex := strings.TrimSpace(q.Get("$expand")); ex != "" {
		ok, err := parseExpand(ex, typeName, expandable)
		if err != nil {
			return bad(err.Error())
		}
		lp.expand = ok
	}
	return lp, true
}

func parseExpand(ex, typeName string, expandable bool) (bool, error) {
	for _, p := range strings.Split(ex, ",") {
		p = strings.TrimSpace(p)
		if !expandable || !strings.EqualFold(p, "alerts") {
			//lint:ignore ST1005 the message is Graph's, word for word
			return false, fmt.Errorf("Could not find a property named '%s' on type '%s'.", p, typeName)
		}
	}
	return true, nil
}

// page applies $filter, $orderby, $skip and $top to items (each a Graph
// view) and writes the collection with @odata.context, @odata.count and
// @odata.nextLink.
func (c *graphCall) page(lp *listParams, items []map[string]any, fragment string, defaultOrder []graphOrder) {
	matched := items[:0:0]
	for _, it := range items {
		if lp.filter == nil || lp.filter.Match(it) {
			matched = append(matched, it)
		}
	}
	order := lp.order
	if len(order) == 0 {
		order = defaultOrder
	}
	slices.SortStableFunc(matched, func(a, b map[string]any) int {
		for _, o := range order {
			ta, _ := timeValue(a[o.field])
			tb, _ := timeValue(b[o.field])
			if d := ta.Compare(tb); d != 0 {
				if o.desc {
					return -d
				}
				return d
			}
		}
		return compareGraphIDs(stringProp(a, "id"), stringProp(b, "id"))
	})
	resp := map[string]any{"@odata.context": c.context(fragment)}
	if lp.count {
		resp["@odata.count"] = len(matched)
	}
	value := []map[string]any{}
	if lp.skip < len(matched) {
		end := min(lp.skip+lp.top, len(matched))
		value = matched[lp.skip:end]
		if end < len(matched) && lp.top > 0 {
			q := c.r.URL.Query()
			q.Set("$skip", strconv.Itoa(end))
			if !q.Has("$top") {
				q.Set("$top", strconv.Itoa(lp.top))
			}
			resp["@odata.nextLink"] = c.base() + c.r.URL.EscapedPath() + "?" + encodeODataQuery(q)
		}
	}
	resp["value"] = value
	writeJSON(c.w, http.StatusOK, resp)
}

// encodeODataQuery encodes q keeping the $ of OData options readable, as
// Graph writes its nextLinks.
func encodeODataQuery(q url.Values) string {
	return strings.ReplaceAll(q.Encode(), "%24", "$")
}

// compareGraphIDs orders numeric ids numerically, others as strings.
func compareGraphIDs(a, b string) int {
	na, ea := strconv.ParseInt(a, 10, 64)
	nb, eb := strconv.ParseInt(b, 10, 64)
	if ea == nil && eb == nil {
		return compareInt(na, nb)
	}
	return strings.Compare(a, b)
}

// --- incidents ---

func (c *graphCall) listIncidents() {
	lp, ok := c.parseList("microsoft.graph.security.incident", graphIncidentFields, []string{"createdDateTime", "lastUpdateDateTime"}, GraphIncidentPageSize, true)
	if !ok {
		return
	}
	release, _ := c.s.lockRead()
	conv := c.s.newGraphConverter(c.includeEvolvable())
	items := make([]map[string]any, 0, len(c.s.st.Incidents))
	for _, rec := range c.s.st.Incidents {
		items = append(items, conv.incident(rec, lp.expand))
	}
	release()
	fragment := "security/incidents"
	if lp.expand {
		fragment += "(alerts())"
	}
	// The most recent incidents come first.
	c.page(lp, items, fragment, []graphOrder{{field: "createdDateTime", desc: true}})
}

func (c *graphCall) getIncident(id string) {
	q := c.r.URL.Query()
	expand := false
	for k := range q {
		switch strings.ToLower(k) {
		case "$expand":
			ok, err := parseExpand(q.Get(k), "microsoft.graph.security.incident", true)
			if err != nil {
				c.error(http.StatusBadRequest, "BadRequest", err.Error())
				return
			}
			expand = ok
		default:
			if strings.HasPrefix(k, "$") {
				c.w.unimplemented = true
				c.error(http.StatusBadRequest, "BadRequest", fmt.Sprintf("The query option '%s' is not supported on an incident by the socpilot emulator.", k))
				return
			}
		}
	}
	release, _ := c.s.lockRead()
	conv := c.s.newGraphConverter(c.includeEvolvable())
	rec := conv.byDefenderID(id)
	var v map[string]any
	if rec != nil {
		v = conv.incident(rec, expand)
	}
	release()
	if v == nil {
		c.incidentNotFound(id)
		return
	}
	fragment := "security/incidents/$entity"
	if expand {
		fragment = "security/incidents(alerts())/$entity"
	}
	out := map[string]any{"@odata.context": c.context(fragment)}
	for k, x := range v {
		out[k] = x
	}
	writeJSON(c.w, http.StatusOK, out)
}

func (c *graphCall) incidentNotFound(id string) {
	c.error(http.StatusNotFound, "NotFound", fmt.Sprintf("Incident with id '%s' was not found.", id))
}

// postComment appends a comment (POST /security/incidents/{id}/comments):
// it becomes a Sentinel comment of the incident, authored by the caller, and
// the answer is the incident's whole comment list.
func (c *graphCall) postComment(id string) {
	if c.principal == TokenReader {
		c.error(http.StatusForbidden, "Authorization_RequestDenied", fmt.Sprintf(
			"Insufficient privileges to complete the operation. Missing permission: %s is required to add a comment to an incident; the token grants %s.", permIncidentReadWrite, readerGraphRoles))
		return
	}
	b, err := io.ReadAll(io.LimitReader(c.r.Body, maxBody+1))
	if err != nil || len(b) > maxBody {
		c.error(http.StatusBadRequest, "BadRequest", "The request body could not be read.")
		return
	}
	var body map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil {
		c.error(http.StatusBadRequest, "BadRequest", "Invalid request body: the body must be a JSON object such as {\"@odata.type\": \"microsoft.graph.security.alertComment\", \"comment\": \"...\"}.")
		return
	}
	var text string
	found := false
	for k, v := range body {
		if strings.EqualFold(k, "comment") {
			text, found = v.(string)
		}
	}
	if !found || strings.TrimSpace(text) == "" {
		c.error(http.StatusBadRequest, "BadRequest", "The 'comment' property is required and must be a non-empty string.")
		return
	}
	if n := utf8.RuneCountInString(text); n > MaxCommentChars {
		c.error(http.StatusBadRequest, "BadRequest", fmt.Sprintf("The comment has %d characters; the maximum is %d.", n, MaxCommentChars))
		return
	}
	release, err := c.s.lockWrite()
	if err != nil {
		c.error(http.StatusInternalServerError, "UnknownError", err.Error())
		return
	}
	defer release()
	conv := c.s.newGraphConverter(c.includeEvolvable())
	rec := conv.byDefenderID(id)
	if rec == nil {
		c.incidentNotFound(id)
		return
	}
	if len(rec.Comments) >= MaxCommentsPerIncident {
		c.error(http.StatusBadRequest, "BadRequest", fmt.Sprintf("Incident '%s' already has %d comments, the maximum.", id, MaxCommentsPerIncident))
		return
	}
	now := c.s.now().Format(serviceTimeLayout)
	etag := c.s.st.newEtag(rec.Incident.ID + "/comments")
	name := deriveID(rec.Incident.ID, "graph-comment", strconv.FormatUint(c.s.st.Seq, 10))
	rec.Comments = append(rec.Comments, &Resource{
		ID: rec.Incident.ID + "/comments/" + name, Name: name, Type: typeComments, Etag: etag,
		Properties: map[string]any{
			"message":             text,
			"createdTimeUtc":      now,
			"lastModifiedTimeUtc": now,
			"author":              principalInfo(c.principal),
		},
	})
	updateCounts(rec)
	if err := c.s.persistLocked(); err != nil {
		c.error(http.StatusInternalServerError, "UnknownError", err.Error())
		return
	}
	resp := map[string]any{
		"@odata.context": c.context("security/incidents('" + id + "')/comments"),
		"value":          conv.comments(rec),
	}
	b, err = json.Marshal(resp)
	if err != nil {
		c.error(http.StatusInternalServerError, "UnknownError", "encode response: "+err.Error())
		return
	}
	writeRaw(c.w, http.StatusOK, b, nil)
}

// --- alerts_v2 ---

func (c *graphCall) listAlerts() {
	lp, ok := c.parseList("microsoft.graph.security.alert", graphAlertFields, []string{"createdDateTime", "lastUpdateDateTime"}, GraphAlertPageSize, false)
	if !ok {
		return
	}
	release, _ := c.s.lockRead()
	conv := c.s.newGraphConverter(c.includeEvolvable())
	var items []map[string]any
	for _, rec := range c.s.st.Incidents {
		items = append(items, conv.alerts(rec)...)
	}
	release()
	c.page(lp, items, "security/alerts_v2", []graphOrder{{field: "createdDateTime", desc: true}})
}

func (c *graphCall) getAlert(id string) {
	release, _ := c.s.lockRead()
	conv := c.s.newGraphConverter(c.includeEvolvable())
	var v map[string]any
	for _, rec := range c.s.st.Incidents {
		for _, a := range conv.alerts(rec) {
			if strings.EqualFold(stringProp(a, "id"), id) {
				v = a
			}
		}
	}
	release()
	if v == nil {
		c.error(http.StatusNotFound, "NotFound", fmt.Sprintf("Alert with id '%s' was not found.", id))
		return
	}
	out := map[string]any{"@odata.context": c.context("security/alerts_v2/$entity")}
	for k, x := range v {
		out[k] = x
	}
	writeJSON(c.w, http.StatusOK, out)
}
