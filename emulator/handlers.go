package emulator

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/socpilot/socpilot"
)

// SupportedAPIVersions are the Microsoft.SecurityInsights api-versions the
// emulator answers: the stable ones with incident tasks, and the preview the
// Go SDK is generated for.
var SupportedAPIVersions = []string{"2024-03-01", "2024-09-01", "2025-06-01", "2025-07-01-preview", "2025-09-01"}

// Limits the service enforces per incident.
const (
	MaxTop                 = 1000
	MaxCommentChars        = 30000
	MaxCommentsPerIncident = 100
	MaxTasksPerIncident    = 40
)

// serviceTimeLayout writes timestamps as the service does: UTC, at most
// seven fraction digits (.NET ticks).
const serviceTimeLayout = "2006-01-02T15:04:05.9999999Z07:00"

// ServeHTTP answers one request of the Microsoft.SecurityInsights API, or
// of the Microsoft Graph security API for paths under /v1.0/.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sw := &statusWriter{ResponseWriter: w}
	defer s.logRequest(r, sw)
	if isGraphPath(r.URL.Path) {
		s.serveGraph(sw, r) // the Microsoft Graph security API, graph.go
		return
	}
	s.serve(sw, r)
}

func (s *Server) serve(w *statusWriter, r *http.Request) {
	s.lmu.Lock()
	s.reqSeq++
	seq := s.reqSeq
	s.lmu.Unlock()
	rid := deriveID("request", "", strconv.FormatUint(seq, 10))
	w.Header().Set("x-ms-request-id", rid)
	w.Header().Set("x-ms-correlation-request-id", rid)

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
			f.write(w)
			return
		}
	}

	principal, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	if s.servePermissions(w, r, principal) {
		return
	}
	if !checkAPIVersion(w, r) {
		return
	}
	if s.opts.Throttle {
		write := r.Method != http.MethodGet && r.Method != http.MethodHead
		remaining, wait := s.throttle(principal, write)
		hdr := "x-ms-ratelimit-remaining-subscription-reads"
		if write {
			hdr = "x-ms-ratelimit-remaining-subscription-writes"
		}
		w.Header().Set(hdr, strconv.Itoa(remaining))
		if wait > 0 {
			kind := "read"
			if write {
				kind = "write"
			}
			secs := retrySeconds(wait)
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			writeError(w, http.StatusTooManyRequests, "SubscriptionRequestsThrottled", fmt.Sprintf(
				"Number of '%s' requests for subscription '%s' actor '%s' exceeded. Please try again after '%d' seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling for additional information.",
				kind, s.opts.Subscription, principal, secs))
			return
		}
	}

	if s.serveWatchlists(w, r, principal) {
		return
	}
	rt, ok := s.route(w, r)
	if !ok {
		return
	}
	if action := rt.writeAction(r.Method); action != "" && principal == TokenReader {
		writeError(w, http.StatusForbidden, "AuthorizationFailed", fmt.Sprintf(
			"The client '%s' with object id '%s' does not have authorization to perform action '%s' over scope '%s' or the scope is invalid. If access was recently granted, please refresh your credentials.",
			principal, principalObjectID(principal), action, r.URL.Path))
		return
	}
	if !s.checkWorkspace(w, rt) {
		return
	}
	rt.principal = principal
	s.dispatch(w, r, rt)
}

// authenticate checks the bearer token and returns the principal it names.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		w.Header().Set("WWW-Authenticate", `Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", error_description="The authentication failed because of missing 'Authorization' header."`)
		writeError(w, http.StatusUnauthorized, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.")
		return "", false
	}
	scheme, tok, ok := strings.Cut(h, " ")
	tok = strings.TrimSpace(tok)
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		writeError(w, http.StatusUnauthorized, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is provided in an invalid format.")
		return "", false
	}
	p := principalOf(tok)
	if p == TokenExpired {
		now := s.now()
		writeError(w, http.StatusUnauthorized, "ExpiredAuthenticationToken", fmt.Sprintf(
			"The access token expiry UTC time '%s' is earlier than current UTC time '%s'.",
			now.Add(-time.Hour).Format("1/2/2006 3:04:05 PM"), now.Format("1/2/2006 3:04:05 PM")))
		return "", false
	}
	return p, true
}

// principalOf names the caller. The emulator may be reached with a real
// Azure token (socpilot emulator --listen behind DefaultAzureCredential):
// such a token is never echoed or stored, only a hash of it.
func principalOf(tok string) string {
	if len(tok) <= 32 && !strings.ContainsAny(tok, ".=/+") {
		return tok
	}
	sum := sha256.Sum256([]byte(tok))
	return "principal-" + hex.EncodeToString(sum[:6])
}

func principalObjectID(p string) string { return deriveID("principal", "", p) }

// principalInfo is the ClientInfo the service records as author of a
// comment or task.
func principalInfo(p string) map[string]any {
	return map[string]any{
		"objectId":          principalObjectID(p),
		"email":             p + "@socpilot.example",
		"userPrincipalName": p + "@socpilot.example",
		"name":              p,
	}
}

func checkAPIVersion(w http.ResponseWriter, r *http.Request) bool {
	v := r.URL.Query().Get("api-version")
	if v == "" {
		writeError(w, http.StatusBadRequest, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.")
		return false
	}
	if !slices.Contains(SupportedAPIVersions, v) {
		writeError(w, http.StatusBadRequest, "InvalidApiVersionParameter", fmt.Sprintf(
			"The api-version '%s' is invalid. The supported versions are '%s'.", v, strings.Join(SupportedAPIVersions, ",")))
		return false
	}
	return true
}

// route is a parsed request path below the workspace.
type route struct {
	sub, rg, ws string
	incident    string // "" for the incident collection
	child       string // "", alerts, entities, bookmarks, relations, comments, tasks
	childName   string // a relation, comment or task name
	principal   string
}

var fixedSegments = map[int]string{0: "subscriptions", 2: "resourcegroups", 4: "providers", 5: "microsoft.operationalinsights", 6: "workspaces", 8: "providers", 9: "microsoft.securityinsights", 10: "incidents"}

// route parses r's path and checks the method; on failure it has answered.
func (s *Server) route(w *statusWriter, r *http.Request) (route, bool) {
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	notImpl := func() (route, bool) {
		w.unimplemented = true
		writeError(w, http.StatusNotFound, "InvalidResourceType", fmt.Sprintf(
			"The resource type of '%s' could not be found: the socpilot Sentinel emulator implements only Microsoft.SecurityInsights incidents and their alerts, entities, bookmarks, relations, comments and tasks, and watchlists and their items.", r.URL.Path))
		return route{}, false
	}
	if len(segs) < 11 || len(segs) > 14 {
		return notImpl()
	}
	for i, want := range fixedSegments {
		if !strings.EqualFold(segs[i], want) {
			return notImpl()
		}
	}
	rt := route{sub: segs[1], rg: segs[3], ws: segs[7]}
	var allowed []string
	switch len(segs) {
	case 11:
		allowed = []string{http.MethodGet}
	case 12:
		rt.incident = segs[11]
		allowed = []string{http.MethodGet, http.MethodPut, http.MethodDelete}
	case 13, 14:
		rt.incident, rt.child = segs[11], strings.ToLower(segs[12])
		switch rt.child {
		case "alerts", "entities", "bookmarks":
			if len(segs) == 14 {
				return notImpl()
			}
			allowed = []string{http.MethodPost}
		case "relations", "comments", "tasks":
			allowed = []string{http.MethodGet}
			if len(segs) == 14 {
				rt.childName = segs[13]
				allowed = []string{http.MethodGet, http.MethodPut, http.MethodDelete}
			}
		default:
			return notImpl()
		}
	}
	if slices.Contains(segs, "") {
		return notImpl()
	}
	if !slices.Contains(allowed, r.Method) {
		w.unimplemented = true
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", fmt.Sprintf(
			"The requested resource does not support http method '%s'.", r.Method))
		return route{}, false
	}
	return rt, true
}

// writeAction is the RBAC action a write needs, "" for reads.
func (rt route) writeAction(method string) string {
	var verb string
	switch method {
	case http.MethodPut:
		verb = "write"
	case http.MethodDelete:
		verb = "delete"
	default:
		return ""
	}
	if rt.child == "" {
		return "Microsoft.SecurityInsights/incidents/" + verb
	}
	return "Microsoft.SecurityInsights/incidents/" + rt.child + "/" + verb
}

func (s *Server) checkWorkspace(w http.ResponseWriter, rt route) bool {
	switch {
	case !strings.EqualFold(rt.sub, s.opts.Subscription):
		writeError(w, http.StatusNotFound, "SubscriptionNotFound", fmt.Sprintf("The subscription '%s' could not be found.", rt.sub))
	case !strings.EqualFold(rt.rg, s.opts.ResourceGroup):
		writeError(w, http.StatusNotFound, "ResourceGroupNotFound", fmt.Sprintf("Resource group '%s' could not be found.", rt.rg))
	case !strings.EqualFold(rt.ws, s.opts.Workspace):
		writeError(w, http.StatusNotFound, "ResourceNotFound", fmt.Sprintf(
			"The Resource 'Microsoft.OperationalInsights/workspaces/%s' under resource group '%s' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix", rt.ws, rt.rg))
	default:
		return true
	}
	return false
}

func (s *Server) dispatch(w http.ResponseWriter, r *http.Request, rt route) {
	switch {
	case rt.incident == "":
		s.listIncidents(w, r)
	case rt.child == "":
		switch r.Method {
		case http.MethodGet:
			s.getIncident(w, rt)
		case http.MethodPut:
			s.putIncident(w, r, rt)
		case http.MethodDelete:
			s.deleteIncident(w, rt)
		}
	case rt.child == "alerts" || rt.child == "entities" || rt.child == "bookmarks":
		s.listIncidentItems(w, rt)
	case rt.childName == "":
		s.listChildren(w, r, rt)
	default:
		switch r.Method {
		case http.MethodGet:
			s.getChild(w, rt)
		case http.MethodPut:
			s.putChild(w, r, rt)
		case http.MethodDelete:
			s.deleteChild(w, rt)
		}
	}
}

// writeError writes ARM's error body {"error":{"code","message"}}.
func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": message}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"error":{"code":"InternalServerError","message":"encode response"}}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

func incidentNotFound(w http.ResponseWriter, name string) {
	writeError(w, http.StatusNotFound, "NotFound", fmt.Sprintf("Incident '%s' was not found.", name))
}

// --- incidents ---

// skip tokens are opaque to clients; ours carry the offset into the
// ordered result.
func encodeSkipToken(off int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(off)))
}

func decodeSkipToken(tok string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimPrefix(string(b), "o:"))
	if err != nil || !strings.HasPrefix(string(b), "o:") || n < 0 {
		return 0, false
	}
	return n, true
}

// pageParams reads $top and $skipToken. In Sentinel $top is the page size:
// a reply holds at most $top items and a nextLink when more match.
func (s *Server) pageParams(w http.ResponseWriter, q url.Values) (size, off int, ok bool) {
	size = s.opts.PageSize
	if q.Has("$top") {
		n, err := strconv.Atoi(q.Get("$top"))
		if err != nil || n < 1 || n > MaxTop {
			writeError(w, http.StatusBadRequest, "BadRequest", fmt.Sprintf("The value '%s' of $top is invalid: it must be an integer between 1 and %d.", q.Get("$top"), MaxTop))
			return 0, 0, false
		}
		size = n
	}
	if q.Has("$skipToken") {
		n, ok := decodeSkipToken(q.Get("$skipToken"))
		if !ok {
			writeError(w, http.StatusBadRequest, "BadRequest", "The $skipToken is invalid: pass the nextLink of the previous page unchanged.")
			return 0, 0, false
		}
		off = n
	}
	return size, off, true
}

// nextLink is the absolute URL of the page after off+size, built from the
// request's own scheme and host as the service does.
func nextLink(r *http.Request, next int) string {
	scheme := r.URL.Scheme
	if scheme == "" {
		scheme = "http"
		if r.TLS != nil {
			scheme = "https"
		}
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	q := r.URL.Query()
	q.Set("$skipToken", encodeSkipToken(next))
	return (&url.URL{Scheme: scheme, Host: host, Path: r.URL.Path, RawQuery: q.Encode()}).String()
}

func (s *Server) listIncidents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var filter Filter
	if fs := strings.TrimSpace(q.Get("$filter")); fs != "" {
		f, err := ParseFilter(fs)
		if err != nil {
			writeError(w, http.StatusBadRequest, "BadRequest", fmt.Sprintf("Invalid $filter %q: %v.", fs, err))
			return
		}
		filter = f
	}
	order, err := parseOrderBy(q.Get("$orderby"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "BadRequest", fmt.Sprintf("Invalid $orderby: %v.", err))
		return
	}
	size, off, ok := s.pageParams(w, q)
	if !ok {
		return
	}
	release, err := s.lockRead()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalServerError", err.Error())
		return
	}
	type hit struct {
		res *Resource
		key sortKey
	}
	matched := make([]*hit, 0, len(s.st.Incidents))
	for _, rec := range s.st.Incidents {
		if filter == nil || filter.Match(rec.Incident.Properties) {
			matched = append(matched, &hit{rec.Incident, extractSortKey(order, rec.Incident.Properties)})
		}
	}
	// compareKeys ends on the incident number and then the name: a total
	// order, so an unstable sort pages deterministically.
	slices.SortFunc(matched, func(a, b *hit) int {
		if c := compareKeys(order, a.key, b.key); c != 0 {
			return c
		}
		return strings.Compare(a.res.Name, b.res.Name)
	})
	resp := listResponse{Value: []*Resource{}}
	if off < len(matched) {
		end := min(off+size, len(matched))
		for _, h := range matched[off:end] {
			resp.Value = append(resp.Value, h.res)
		}
		if end < len(matched) {
			resp.NextLink = nextLink(r, end)
		}
	}
	b, err := json.Marshal(resp)
	release()
	writeRaw(w, http.StatusOK, b, err)
}

type listResponse struct {
	Value    []*Resource `json:"value"`
	NextLink string      `json:"nextLink,omitempty"`
}

// writeRaw writes JSON marshalled under a lock.
func writeRaw(w http.ResponseWriter, status int, b []byte, err error) {
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalServerError", "encode response: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

func (s *Server) getIncident(w http.ResponseWriter, rt route) {
	s.readIncident(w, rt.incident, func(rec *Record) (any, string) { return rec.Incident, "" })
}

// readIncident answers a read of incident name with the JSON of what view
// takes from its record. The JSON is made under the read lock, so that no
// write tears it, and sent after the lock is released. A missing incident
// answers 404, and so does a missing part of it: view returns the message.
func (s *Server) readIncident(w http.ResponseWriter, name string, view func(*Record) (v any, notFound string)) {
	release, err := s.lockRead()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalServerError", err.Error())
		return
	}
	rec := s.st.incident(name)
	if rec == nil {
		release()
		incidentNotFound(w, name)
		return
	}
	v, notFound := view(rec)
	var b []byte
	if notFound == "" {
		b, err = json.Marshal(v)
	}
	release()
	if notFound != "" {
		writeError(w, http.StatusNotFound, "NotFound", notFound)
		return
	}
	writeRaw(w, http.StatusOK, b, err)
}

// maxBody is the largest request body ARM accepts, 4 MiB.
const maxBody = 4 << 20

// readBody decodes a PUT body {etag?, properties{...}}.
func readBody(w http.ResponseWriter, r *http.Request) (*Resource, bool) {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		writeError(w, http.StatusBadRequest, "InvalidRequestContent", "The request content could not be read.")
		return nil, false
	}
	if len(b) > maxBody {
		// Cut at the limit the JSON would fail to decode with a message that
		// hides the reason.
		writeError(w, http.StatusBadRequest, "InvalidRequestContent", fmt.Sprintf("The request content is larger than %d bytes, the maximum.", maxBody))
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var res Resource
	if err := dec.Decode(&res); err != nil {
		writeError(w, http.StatusBadRequest, "InvalidRequestContent", fmt.Sprintf("The request content was invalid and could not be deserialized: %v.", err))
		return nil, false
	}
	if res.Properties == nil {
		writeError(w, http.StatusBadRequest, "BadRequest", "The request body must have 'properties'.")
		return nil, false
	}
	return &res, true
}

func etagMatches(sent, current string) bool {
	return strings.Trim(sent, `"`) == strings.Trim(current, `"`)
}

var (
	severities      = socpilot.Severities
	statuses        = []string{"New", "Active", "Closed"}
	classifications = []string{"Undetermined", "TruePositive", "BenignPositive", "FalsePositive"}
	classReasons    = []string{"SuspiciousActivity", "SuspiciousButExpected", "IncorrectAlertLogic", "InaccurateData"}
	taskStatuses    = []string{"New", "Completed"}
)

// enumValue validates an optional enum property, returning its canonical
// spelling (the service accepts any case).
func enumValue(props map[string]any, key string, allowed []string, required bool) (string, error) {
	v, present := props[key]
	if !present || v == nil {
		if required {
			return "", fmt.Errorf("'%s' is required", key)
		}
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("'%s' must be a string", key)
	}
	for _, a := range allowed {
		if strings.EqualFold(a, s) {
			return a, nil
		}
	}
	return "", fmt.Errorf("'%s' has the invalid value '%s'; allowed values are %s", key, s, strings.Join(allowed, ", "))
}

// readOnlyIncidentProps are computed by the service: a PUT cannot set them.
var readOnlyIncidentProps = map[string]bool{
	"additionalData": true, "createdTimeUtc": true, "incidentNumber": true, "incidentUrl": true,
	"lastModifiedTimeUtc": true, "relatedAnalyticRuleIds": true, "providerName": true, "providerIncidentId": true,
}

func (s *Server) putIncident(w http.ResponseWriter, r *http.Request, rt route) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	p := body.Properties
	if t, ok := p["title"].(string); !ok || strings.TrimSpace(t) == "" {
		writeError(w, http.StatusBadRequest, "BadRequest", "The incident 'title' is required.")
		return
	}
	canon := map[string]string{}
	for _, e := range []struct {
		key      string
		allowed  []string
		required bool
	}{{"severity", severities, true}, {"status", statuses, true}, {"classification", classifications, false}, {"classificationReason", classReasons, false}} {
		v, err := enumValue(p, e.key, e.allowed, e.required)
		if err != nil {
			writeError(w, http.StatusBadRequest, "BadRequest", "Invalid incident: "+err.Error()+".")
			return
		}
		canon[e.key] = v
	}
	// Sentinel refuses to close an incident without saying why.
	if canon["status"] == "Closed" && canon["classification"] == "" {
		writeError(w, http.StatusBadRequest, "BadRequest", "Invalid incident: 'classification' is required when the status is Closed.")
		return
	}

	release, err := s.lockWrite()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalServerError", err.Error())
		return
	}
	defer release()
	now := s.now().Format(serviceTimeLayout)
	rec := s.st.incident(rt.incident)
	status := http.StatusOK
	if rec == nil {
		status = http.StatusCreated
		n := s.st.nextNumber()
		id := s.prefix + "/providers/Microsoft.SecurityInsights/incidents/" + rt.incident
		rec = &Record{Incident: &Resource{ID: id, Name: rt.incident, Type: typeIncidents, Properties: map[string]any{
			"incidentNumber":         json.Number(strconv.FormatInt(n, 10)),
			"createdTimeUtc":         now,
			"incidentUrl":            "https://portal.azure.com/#asset/Microsoft_Azure_Security_Insights/Incident" + id,
			"providerName":           "Azure Sentinel",
			"providerIncidentId":     strconv.FormatInt(n, 10),
			"relatedAnalyticRuleIds": []any{},
			"labels":                 []any{},
			"owner":                  map[string]any{"objectId": nil, "email": nil, "assignedTo": nil, "userPrincipalName": nil, "ownerType": "Unknown"},
			"additionalData":         map[string]any{"tactics": []any{}, "techniques": []any{}, "alertProductNames": []any{}},
		}}}
		normalize(rec)
	} else if body.Etag != "" && !etagMatches(body.Etag, rec.Incident.Etag) {
		writeError(w, http.StatusConflict, "Conflict", fmt.Sprintf(
			"The incident '%s' was modified by someone else: the etag %s in the request does not match the current etag %s. Read the incident again and retry.", rt.incident, body.Etag, rec.Incident.Etag))
		return
	}
	props := rec.Incident.Properties
	for k, v := range p {
		if readOnlyIncidentProps[k] {
			continue
		}
		if c, ok := canon[k]; ok && c != "" {
			v = c
		}
		props[k] = v
	}
	if canon["status"] != "Closed" {
		// Reopening clears the closing reason, as the portal shows it.
		for _, k := range []string{"classification", "classificationReason", "classificationComment"} {
			if _, sent := p[k]; !sent {
				delete(props, k)
			}
		}
	}
	if labels, ok := props["labels"].([]any); ok {
		for _, l := range labels {
			if m, ok := l.(map[string]any); ok {
				if _, ok := m["labelType"]; !ok {
					m["labelType"] = "User"
				}
			}
		}
	}
	props["lastModifiedTimeUtc"] = now
	rec.Incident.Etag = `"` + s.st.newEtag(rec.Incident.ID) + `"`
	if status == http.StatusCreated {
		s.st.Incidents = append(s.st.Incidents, rec)
		s.st.byName[strings.ToLower(rt.incident)] = rec
	}
	if !s.persistOr500(w) {
		return
	}
	b, err := json.Marshal(rec.Incident)
	writeRaw(w, status, b, err)
}

// persistOr500 persists the state after a mutation; s.mu must be held.
func (s *Server) persistOr500(w http.ResponseWriter) bool {
	if err := s.persistLocked(); err != nil {
		writeError(w, http.StatusInternalServerError, "InternalServerError", err.Error())
		return false
	}
	return true
}

func (s *Server) deleteIncident(w http.ResponseWriter, rt route) {
	release, err := s.lockWrite()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalServerError", err.Error())
		return
	}
	defer release()
	rec := s.st.incident(rt.incident)
	if rec == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	s.st.Incidents = slices.DeleteFunc(s.st.Incidents, func(x *Record) bool { return x == rec })
	delete(s.st.byName, strings.ToLower(rt.incident))
	if !s.persistOr500(w) {
		return
	}
	w.WriteHeader(http.StatusOK)
}

// --- alerts, entities, bookmarks (POST actions) ---

type entitiesResponse struct {
	Entities []*Resource     `json:"entities"`
	MetaData []entityKindCnt `json:"metaData"`
}

type entityKindCnt struct {
	EntityKind string `json:"entityKind"`
	Count      int    `json:"count"`
}

func (s *Server) listIncidentItems(w http.ResponseWriter, rt route) {
	s.readIncident(w, rt.incident, func(rec *Record) (any, string) {
		switch rt.child {
		case "alerts":
			return listResponse{Value: rec.Alerts}, ""
		case "bookmarks":
			return listResponse{Value: rec.Bookmarks}, ""
		}
		resp := entitiesResponse{Entities: rec.Entities, MetaData: []entityKindCnt{}}
		idx := map[string]int{}
		for _, e := range rec.Entities {
			i, ok := idx[e.Kind]
			if !ok {
				i = len(resp.MetaData)
				idx[e.Kind] = i
				resp.MetaData = append(resp.MetaData, entityKindCnt{EntityKind: e.Kind})
			}
			resp.MetaData[i].Count++
		}
		return resp, ""
	})
}

// --- relations, comments, tasks ---

func (rec *Record) children(kind string) *[]*Resource {
	switch kind {
	case "relations":
		return &rec.Relations
	case "comments":
		return &rec.Comments
	case "tasks":
		return &rec.Tasks
	}
	return nil
}

func findChild(list []*Resource, name string) int {
	for i, r := range list {
		if strings.EqualFold(r.Name, name) {
			return i
		}
	}
	return -1
}

func (s *Server) listChildren(w http.ResponseWriter, r *http.Request, rt route) {
	q := r.URL.Query()
	for _, p := range []string{"$filter", "$orderby"} {
		if strings.TrimSpace(q.Get(p)) != "" {
			w.(*statusWriter).unimplemented = true
			writeError(w, http.StatusBadRequest, "BadRequest", fmt.Sprintf("The socpilot Sentinel emulator does not implement %s on incident %s.", p, rt.child))
			return
		}
	}
	size, off, ok := s.pageParams(w, q)
	if !ok {
		return
	}
	s.readIncident(w, rt.incident, func(rec *Record) (any, string) {
		list := *rec.children(rt.child)
		resp := listResponse{Value: []*Resource{}}
		if off < len(list) {
			end := min(off+size, len(list))
			resp.Value = list[off:end]
			if end < len(list) {
				resp.NextLink = nextLink(r, end)
			}
		}
		return resp, ""
	})
}

func childNoun(kind string) string {
	return map[string]string{"relations": "Relation", "comments": "Comment", "tasks": "Task"}[kind]
}

func (s *Server) getChild(w http.ResponseWriter, rt route) {
	s.readIncident(w, rt.incident, func(rec *Record) (any, string) {
		list := *rec.children(rt.child)
		if i := findChild(list, rt.childName); i >= 0 {
			return list[i], ""
		}
		return nil, fmt.Sprintf("%s '%s' of incident '%s' was not found.", childNoun(rt.child), rt.childName, rt.incident)
	})
}

func (s *Server) deleteChild(w http.ResponseWriter, rt route) {
	release, err := s.lockWrite()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalServerError", err.Error())
		return
	}
	defer release()
	rec := s.st.incident(rt.incident)
	if rec == nil {
		incidentNotFound(w, rt.incident)
		return
	}
	list := rec.children(rt.child)
	i := findChild(*list, rt.childName)
	if i < 0 {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	*list = slices.Delete(*list, i, i+1)
	updateCounts(rec)
	if !s.persistOr500(w) {
		return
	}
	w.WriteHeader(http.StatusOK)
}

var relationName = regexp.MustCompile(`^[a-zA-Z0-9-]{3,63}$`)

func (s *Server) putChild(w http.ResponseWriter, r *http.Request, rt route) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	p := body.Properties
	// Validate what does not depend on state first.
	switch rt.child {
	case "comments":
		msg, _ := p["message"].(string)
		if strings.TrimSpace(msg) == "" {
			writeError(w, http.StatusBadRequest, "BadRequest", "The comment 'message' is required.")
			return
		}
		if n := utf8.RuneCountInString(msg); n > MaxCommentChars {
			writeError(w, http.StatusBadRequest, "BadRequest", fmt.Sprintf("The comment message has %d characters; the maximum is %d.", n, MaxCommentChars))
			return
		}
	case "tasks":
		if t, _ := p["title"].(string); strings.TrimSpace(t) == "" {
			writeError(w, http.StatusBadRequest, "BadRequest", "The task 'title' is required.")
			return
		}
		st, err := enumValue(p, "status", taskStatuses, true)
		if err != nil {
			writeError(w, http.StatusBadRequest, "BadRequest", "Invalid task: "+err.Error()+".")
			return
		}
		p["status"] = st
	case "relations":
		if !relationName.MatchString(rt.childName) {
			writeError(w, http.StatusBadRequest, "BadRequest", fmt.Sprintf("The relation name '%s' must match ^[a-zA-Z0-9-]{3,63}$.", rt.childName))
			return
		}
		if id, _ := p["relatedResourceId"].(string); !strings.HasPrefix(id, "/subscriptions/") {
			writeError(w, http.StatusBadRequest, "BadRequest", "The relation 'relatedResourceId' must be an ARM resource id.")
			return
		}
	}

	release, err := s.lockWrite()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalServerError", err.Error())
		return
	}
	defer release()
	rec := s.st.incident(rt.incident)
	if rec == nil {
		incidentNotFound(w, rt.incident)
		return
	}
	list := rec.children(rt.child)
	i := findChild(*list, rt.childName)
	now := s.now().Format(serviceTimeLayout)
	var res *Resource
	status := http.StatusOK
	if i >= 0 {
		res = (*list)[i]
		if body.Etag != "" && !etagMatches(body.Etag, res.Etag) {
			writeError(w, http.StatusConflict, "Conflict", fmt.Sprintf(
				"%s '%s' was modified by someone else: the etag %s in the request does not match the current etag %s.", childNoun(rt.child), rt.childName, body.Etag, res.Etag))
			return
		}
	} else {
		switch {
		case rt.child == "comments" && len(*list) >= MaxCommentsPerIncident:
			writeError(w, http.StatusBadRequest, "BadRequest", fmt.Sprintf("Incident '%s' already has %d comments, the maximum.", rt.incident, MaxCommentsPerIncident))
			return
		case rt.child == "tasks" && len(*list) >= MaxTasksPerIncident:
			writeError(w, http.StatusBadRequest, "BadRequest", fmt.Sprintf("Incident '%s' already has %d tasks, the maximum.", rt.incident, MaxTasksPerIncident))
			return
		}
		status = http.StatusCreated
		types := map[string]string{"comments": typeComments, "tasks": typeTasks, "relations": typeRelations}
		res = &Resource{ID: rec.Incident.ID + "/" + rt.child + "/" + rt.childName, Name: rt.childName,
			Type: types[rt.child], Properties: map[string]any{}}
		*list = append(*list, res)
	}
	etag := s.st.newEtag(res.ID)
	switch rt.child {
	case "comments":
		// Comment etags are bare, unlike incident and task etags.
		res.Etag = etag
		res.Properties["message"] = p["message"]
		if status == http.StatusCreated {
			res.Properties["createdTimeUtc"] = now
			res.Properties["author"] = principalInfo(rt.principal)
		}
		res.Properties["lastModifiedTimeUtc"] = now
	case "tasks":
		res.Etag = `"` + etag + `"`
		res.Properties["title"] = p["title"]
		res.Properties["status"] = p["status"]
		if d, ok := p["description"]; ok {
			res.Properties["description"] = d
		} else {
			delete(res.Properties, "description")
		}
		if status == http.StatusCreated {
			res.Properties["createdTimeUtc"] = now
			res.Properties["createdBy"] = principalInfo(rt.principal)
		}
		res.Properties["lastModifiedTimeUtc"] = now
		res.Properties["lastModifiedBy"] = principalInfo(rt.principal)
	case "relations":
		res.Etag = etag
		id := p["relatedResourceId"].(string)
		res.Properties["relatedResourceId"] = id
		segs := strings.Split(strings.TrimRight(id, "/"), "/")
		res.Properties["relatedResourceName"] = segs[len(segs)-1]
		if len(segs) >= 3 {
			// .../providers/{namespace}/{type}/{name}
			res.Properties["relatedResourceType"] = segs[len(segs)-3] + "/" + segs[len(segs)-2]
		}
		delete(res.Properties, "relatedResourceKind")
		for _, a := range rec.Alerts {
			if strings.EqualFold(a.ID, id) {
				res.Properties["relatedResourceKind"] = "SecurityAlert"
			}
		}
	}
	updateCounts(rec)
	if !s.persistOr500(w) {
		return
	}
	b, err := json.Marshal(res)
	writeRaw(w, status, b, err)
}
