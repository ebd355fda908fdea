package emulator

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Watchlist is a Sentinel watchlist the emulator serves from
// Options.Watchlists. Watchlists are held in memory only: they are not part
// of the persisted state, the demo dataset or Reset, and a PUT through the
// API lasts as long as the Server.
type Watchlist struct {
	// Alias names the watchlist in its URL (…/watchlists/{alias}); the
	// emulator matches it case-insensitively, as ARM does names.
	Alias string
	// DisplayName defaults to Alias.
	DisplayName string
	// ItemsSearchKey is the column joins use; "" means the first column
	// (alphabetically) of the first item.
	ItemsSearchKey string
	// Description is optional.
	Description string
	// Items are the items' itemsKeyValue objects (column → value), in the
	// order the list answers them.
	Items []map[string]any
}

// Resource types and the item type, as the service writes them. Watchlist
// ids use "watchlists", item ids "Watchlists/…/WatchlistItems" (the REST
// API's examples spell them so).
const (
	typeWatchlists     = "Microsoft.SecurityInsights/Watchlists"
	typeWatchlistItems = "Microsoft.SecurityInsights/Watchlists/WatchlistItems"
	watchlistItemType  = "watchlist-item"
)

// watchlists is the Server's watchlist store, guarded by its own mutex so
// that it never waits on the incidents' state lock.
type watchlists struct {
	mu      sync.Mutex
	byAlias map[string]*watchlistRec // lower-cased alias
	order   []*watchlistRec
	seq     uint64 // etag sequence
}

type watchlistRec struct {
	res   *Resource
	items []*Resource
}

func (s *Server) watchlistByAlias(alias string) *watchlistRec {
	return s.wl.byAlias[strings.ToLower(alias)]
}

// watchlistETag returns a fresh quoted etag for the resource id; s.wl.mu
// must be held.
func (s *Server) watchlistETag(id string) string {
	s.wl.seq++
	return `"` + deriveID(id, "etag", strconv.FormatUint(s.wl.seq, 10)) + `"`
}

// userInfo is the UserInfo the service records on watchlists and their
// items: objectId, email and name (no userPrincipalName, unlike ClientInfo).
func userInfo(p string) map[string]any {
	return map[string]any{"objectId": principalObjectID(p), "email": p + "@socpilot.example", "name": p}
}

func (s *Server) tenantID() string { return deriveID("tenant", "", s.opts.Subscription) }

// seedWatchlists loads Options.Watchlists into the store.
func (s *Server) seedWatchlists() error {
	s.wl.mu.Lock()
	defer s.wl.mu.Unlock()
	s.wl.byAlias = map[string]*watchlistRec{}
	s.wl.order = nil
	for i, w := range s.opts.Watchlists {
		if strings.TrimSpace(w.Alias) == "" || strings.ContainsAny(w.Alias, "/?#") {
			return fmt.Errorf("watchlist %d: alias %q is not usable in a URL", i+1, w.Alias)
		}
		if s.watchlistByAlias(w.Alias) != nil {
			return fmt.Errorf("watchlist %q is given twice", w.Alias)
		}
		key := w.ItemsSearchKey
		if key == "" && len(w.Items) > 0 {
			cols := make([]string, 0, len(w.Items[0]))
			for k := range w.Items[0] {
				cols = append(cols, k)
			}
			slices.Sort(cols)
			if len(cols) > 0 {
				key = cols[0]
			}
		}
		props := map[string]any{"displayName": w.DisplayName, "provider": "socpilot", "itemsSearchKey": key,
			"source": "socpilot-emulator.csv", "sourceType": "Local"}
		if props["displayName"] == "" {
			props["displayName"] = w.Alias
		}
		if w.Description != "" {
			props["description"] = w.Description
		}
		rec := s.newWatchlistLocked(w.Alias, props, DemoToken)
		for j, kv := range w.Items {
			id := deriveID(rec.res.ID, "item", strconv.Itoa(j))
			rec.items = append(rec.items, s.newWatchlistItemLocked(rec, id, cloneMap(kv), DemoToken))
		}
	}
	return nil
}

func cloneMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// newWatchlistLocked creates and stores a watchlist resource from the
// writable properties given; s.wl.mu must be held.
func (s *Server) newWatchlistLocked(alias string, given map[string]any, principal string) *watchlistRec {
	id := s.prefix + "/providers/Microsoft.SecurityInsights/watchlists/" + alias
	now := s.now().Format(serviceTimeLayout)
	props := map[string]any{
		"watchlistId":    deriveID(s.prefix, "watchlist", alias),
		"watchlistType":  "watchlist",
		"watchlistAlias": alias,
		"isDeleted":      false,
		"labels":         []any{},
		"tenantId":       s.tenantID(),
		"created":        now,
		"createdBy":      userInfo(principal),
	}
	rec := &watchlistRec{res: &Resource{ID: id, Name: alias, Type: typeWatchlists, Properties: props}}
	s.updateWatchlistLocked(rec, given, principal)
	s.wl.byAlias[strings.ToLower(alias)] = rec
	s.wl.order = append(s.wl.order, rec)
	return rec
}

// writableWatchlistProps are what a PUT may set on a watchlist; the rest is
// the service's. rawContent, contentType and numberOfLinesToSkip create
// items and are not kept.
var writableWatchlistProps = []string{"displayName", "provider", "itemsSearchKey", "source", "sourceType", "description", "labels", "defaultDuration"}

func (s *Server) updateWatchlistLocked(rec *watchlistRec, given map[string]any, principal string) {
	p := rec.res.Properties
	for _, k := range writableWatchlistProps {
		if v, ok := given[k]; ok && v != nil {
			p[k] = v
		}
	}
	p["updated"] = s.now().Format(serviceTimeLayout)
	p["updatedBy"] = userInfo(principal)
	rec.res.Etag = s.watchlistETag(rec.res.ID)
}

// newWatchlistItemLocked returns a new item of rec; s.wl.mu must be held.
func (s *Server) newWatchlistItemLocked(rec *watchlistRec, id string, kv map[string]any, principal string) *Resource {
	// Item ids spell the types in PascalCase, as the service's do.
	itemID := s.prefix + "/providers/Microsoft.SecurityInsights/Watchlists/" + rec.res.Name + "/WatchlistItems/" + id
	now := s.now().Format(serviceTimeLayout)
	res := &Resource{ID: itemID, Name: id, Type: typeWatchlistItems, Properties: map[string]any{
		"watchlistItemType": watchlistItemType,
		"watchlistItemId":   id,
		"tenantId":          s.tenantID(),
		"isDeleted":         false,
		"created":           now,
		"updated":           now,
		"createdBy":         userInfo(principal),
		"updatedBy":         userInfo(principal),
		"itemsKeyValue":     kv,
		"entityMapping":     map[string]any{},
	}}
	res.Etag = s.watchlistETag(itemID)
	return res
}

// watchlistRoute is a parsed path below …/providers/Microsoft.SecurityInsights/watchlists.
type watchlistRoute struct {
	route
	alias  string // "" for the collection
	items  bool   // …/watchlistItems
	itemID string // …/watchlistItems/{id}
}

// serveWatchlists answers requests under …/watchlists; it returns false,
// having written nothing, for any other path.
func (s *Server) serveWatchlists(w *statusWriter, r *http.Request, principal string) bool {
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(segs) < 11 || !strings.EqualFold(segs[10], "watchlists") {
		return false
	}
	for i, want := range fixedSegments {
		if i < 10 && !strings.EqualFold(segs[i], want) {
			return false
		}
	}
	notImpl := func() bool {
		w.unimplemented = true
		writeError(w, http.StatusNotFound, "InvalidResourceType", fmt.Sprintf(
			"The resource type of '%s' could not be found: the socpilot Sentinel emulator implements watchlists and their watchlistItems only.", r.URL.Path))
		return true
	}
	if len(segs) > 14 || slices.Contains(segs, "") {
		return notImpl()
	}
	wr := watchlistRoute{route: route{sub: segs[1], rg: segs[3], ws: segs[7], principal: principal}}
	var allowed []string
	switch len(segs) {
	case 11:
		allowed = []string{http.MethodGet}
	case 12:
		wr.alias = segs[11]
		allowed = []string{http.MethodGet, http.MethodPut}
	default:
		if !strings.EqualFold(segs[12], "watchlistItems") {
			return notImpl()
		}
		wr.alias, wr.items = segs[11], true
		allowed = []string{http.MethodGet}
		if len(segs) == 14 {
			wr.itemID = segs[13]
			allowed = []string{http.MethodGet, http.MethodPut, http.MethodDelete}
		}
	}
	if !slices.Contains(allowed, r.Method) {
		w.unimplemented = true
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", fmt.Sprintf(
			"The requested resource does not support http method '%s'.", r.Method))
		return true
	}
	if r.Method != http.MethodGet && principal == TokenReader {
		verb := "write"
		if r.Method == http.MethodDelete {
			verb = "delete"
		}
		writeError(w, http.StatusForbidden, "AuthorizationFailed", fmt.Sprintf(
			"The client '%s' with object id '%s' does not have authorization to perform action '%s' over scope '%s' or the scope is invalid. If access was recently granted, please refresh your credentials.",
			principal, principalObjectID(principal), "Microsoft.SecurityInsights/watchlists/"+verb, r.URL.Path))
		return true
	}
	if !s.checkWorkspace(w, wr.route) {
		return true
	}
	switch {
	case wr.alias == "":
		s.listWatchlists(w, r)
	case !wr.items && r.Method == http.MethodGet:
		s.getWatchlist(w, wr)
	case !wr.items:
		s.putWatchlist(w, r, wr)
	case wr.itemID == "":
		s.listWatchlistItems(w, r, wr)
	case r.Method == http.MethodGet:
		s.getWatchlistItem(w, wr)
	case r.Method == http.MethodPut:
		s.putWatchlistItem(w, r, wr)
	default:
		s.deleteWatchlistItem(w, wr)
	}
	return true
}

func watchlistNotFound(w http.ResponseWriter, alias string) {
	writeError(w, http.StatusNotFound, "NotFound", fmt.Sprintf("Watchlist '%s' was not found.", alias))
}

// page answers one page of list from the request's $skipToken, with a
// nextLink when more follow. Watchlists and their items take no $top: the
// page size is Options.PageSize.
func (s *Server) page(w http.ResponseWriter, r *http.Request, list []*Resource) {
	off := 0
	if q := r.URL.Query(); q.Has("$skipToken") {
		n, ok := decodeSkipToken(q.Get("$skipToken"))
		if !ok {
			writeError(w, http.StatusBadRequest, "BadRequest", "The $skipToken is invalid: pass the nextLink of the previous page unchanged.")
			return
		}
		off = n
	}
	resp := listResponse{Value: []*Resource{}}
	if off < len(list) {
		end := min(off+s.opts.PageSize, len(list))
		resp.Value = list[off:end]
		if end < len(list) {
			resp.NextLink = nextLink(r, end)
		}
	}
	b, err := json.Marshal(resp)
	writeRaw(w, http.StatusOK, b, err)
}

func (s *Server) listWatchlists(w http.ResponseWriter, r *http.Request) {
	s.wl.mu.Lock()
	defer s.wl.mu.Unlock()
	list := make([]*Resource, len(s.wl.order))
	for i, rec := range s.wl.order {
		list[i] = rec.res
	}
	s.page(w, r, list)
}

func (s *Server) getWatchlist(w http.ResponseWriter, wr watchlistRoute) {
	s.wl.mu.Lock()
	defer s.wl.mu.Unlock()
	rec := s.watchlistByAlias(wr.alias)
	if rec == nil {
		watchlistNotFound(w, wr.alias)
		return
	}
	b, err := json.Marshal(rec.res)
	writeRaw(w, http.StatusOK, b, err)
}

func (s *Server) listWatchlistItems(w http.ResponseWriter, r *http.Request, wr watchlistRoute) {
	s.wl.mu.Lock()
	defer s.wl.mu.Unlock()
	rec := s.watchlistByAlias(wr.alias)
	if rec == nil {
		watchlistNotFound(w, wr.alias)
		return
	}
	s.page(w, r, rec.items)
}

func (s *Server) getWatchlistItem(w http.ResponseWriter, wr watchlistRoute) {
	s.wl.mu.Lock()
	defer s.wl.mu.Unlock()
	rec := s.watchlistByAlias(wr.alias)
	if rec == nil {
		watchlistNotFound(w, wr.alias)
		return
	}
	i := findChild(rec.items, wr.itemID)
	if i < 0 {
		writeError(w, http.StatusNotFound, "NotFound", fmt.Sprintf("Watchlist item '%s' of watchlist '%s' was not found.", wr.itemID, wr.alias))
		return
	}
	b, err := json.Marshal(rec.items[i])
	writeRaw(w, http.StatusOK, b, err)
}

var itemIDRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// putWatchlistItem creates or replaces an item: PUT …/watchlistItems/{id}
// with {"properties":{"itemsKeyValue":{...}}}. The watchlist must exist,
// and the id is a GUID, as the REST API defines it.
func (s *Server) putWatchlistItem(w http.ResponseWriter, r *http.Request, wr watchlistRoute) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	if !itemIDRE.MatchString(wr.itemID) {
		writeError(w, http.StatusBadRequest, "BadRequest", fmt.Sprintf("The watchlist item id '%s' is not a GUID.", wr.itemID))
		return
	}
	kv, ok := body.Properties["itemsKeyValue"].(map[string]any)
	if !ok {
		writeError(w, http.StatusBadRequest, "BadRequest", "The watchlist item 'itemsKeyValue' is required and must be an object of column names to values.")
		return
	}
	s.wl.mu.Lock()
	defer s.wl.mu.Unlock()
	rec := s.watchlistByAlias(wr.alias)
	if rec == nil {
		watchlistNotFound(w, wr.alias)
		return
	}
	status := http.StatusCreated
	var res *Resource
	if i := findChild(rec.items, wr.itemID); i >= 0 {
		res = rec.items[i]
		if body.Etag != "" && !etagMatches(body.Etag, res.Etag) {
			writeError(w, http.StatusConflict, "Conflict", fmt.Sprintf(
				"Watchlist item '%s' was modified by someone else: the etag %s in the request does not match the current etag %s.", wr.itemID, body.Etag, res.Etag))
			return
		}
		status = http.StatusOK
		res.Properties["itemsKeyValue"] = kv
		res.Properties["updated"] = s.now().Format(serviceTimeLayout)
		res.Properties["updatedBy"] = userInfo(wr.principal)
		res.Etag = s.watchlistETag(res.ID)
	} else {
		res = s.newWatchlistItemLocked(rec, strings.ToLower(wr.itemID), kv, wr.principal)
		rec.items = append(rec.items, res)
	}
	b, err := json.Marshal(res)
	writeRaw(w, status, b, err)
}

func (s *Server) deleteWatchlistItem(w http.ResponseWriter, wr watchlistRoute) {
	s.wl.mu.Lock()
	defer s.wl.mu.Unlock()
	rec := s.watchlistByAlias(wr.alias)
	if rec == nil {
		watchlistNotFound(w, wr.alias)
		return
	}
	i := findChild(rec.items, wr.itemID)
	if i < 0 {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	rec.items = slices.Delete(rec.items, i, i+1)
	w.WriteHeader(http.StatusOK)
}

// putWatchlist creates or updates a watchlist. displayName, provider and
// itemsSearchKey are required; rawContent with contentType text/csv (or
// text/tsv) creates the items in bulk, its header row naming the columns
// after numberOfLinesToSkip lines. The service does that asynchronously;
// the emulator answers with the items already in place.
func (s *Server) putWatchlist(w http.ResponseWriter, r *http.Request, wr watchlistRoute) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	p := body.Properties
	for _, k := range []string{"displayName", "provider", "itemsSearchKey"} {
		if v, _ := p[k].(string); strings.TrimSpace(v) == "" {
			writeError(w, http.StatusBadRequest, "BadRequest", fmt.Sprintf("The watchlist '%s' is required.", k))
			return
		}
	}
	var rows []map[string]any
	if raw, _ := p["rawContent"].(string); raw != "" {
		var err error
		if rows, err = parseRawContent(raw, p); err != nil {
			writeError(w, http.StatusBadRequest, "BadRequest", "Invalid watchlist rawContent: "+err.Error()+".")
			return
		}
		key := p["itemsSearchKey"].(string)
		if len(rows) > 0 {
			if _, ok := rows[0][key]; !ok {
				writeError(w, http.StatusBadRequest, "BadRequest", fmt.Sprintf("The itemsSearchKey '%s' is not a column of the rawContent.", key))
				return
			}
		}
	}
	s.wl.mu.Lock()
	defer s.wl.mu.Unlock()
	rec := s.watchlistByAlias(wr.alias)
	status := http.StatusOK
	if rec == nil {
		status = http.StatusCreated
		rec = s.newWatchlistLocked(wr.alias, p, wr.principal)
	} else {
		if body.Etag != "" && !etagMatches(body.Etag, rec.res.Etag) {
			writeError(w, http.StatusConflict, "Conflict", fmt.Sprintf(
				"Watchlist '%s' was modified by someone else: the etag %s in the request does not match the current etag %s.", wr.alias, body.Etag, rec.res.Etag))
			return
		}
		s.updateWatchlistLocked(rec, p, wr.principal)
	}
	for _, row := range rows {
		id := deriveID(rec.res.ID, "item", strconv.Itoa(len(rec.items)))
		rec.items = append(rec.items, s.newWatchlistItemLocked(rec, id, row, wr.principal))
	}
	b, err := json.Marshal(rec.res)
	writeRaw(w, status, b, err)
}

// parseRawContent reads a watchlist's CSV (or TSV) content into items.
func parseRawContent(raw string, p map[string]any) ([]map[string]any, error) {
	ct, _ := p["contentType"].(string)
	cr := csv.NewReader(strings.NewReader(raw))
	switch strings.ToLower(strings.TrimSpace(ct)) {
	case "text/csv":
	case "text/tsv":
		cr.Comma = '\t'
	default:
		return nil, fmt.Errorf("contentType '%s' is not supported; expected text/csv or text/tsv", ct)
	}
	cr.FieldsPerRecord = -1
	skip := 0
	if n, ok := p["numberOfLinesToSkip"].(json.Number); ok {
		v, err := n.Int64()
		if err != nil || v < 0 {
			return nil, fmt.Errorf("numberOfLinesToSkip '%s' is not a non-negative integer", n)
		}
		skip = int(v)
	}
	var header []string
	var out []map[string]any
	for line := 0; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch {
		case line < skip:
		case header == nil:
			header = rec
		default:
			if len(rec) != len(header) {
				return nil, fmt.Errorf("line %d has %d values for %d columns", line+1, len(rec), len(header))
			}
			item := map[string]any{}
			for i, h := range header {
				item[h] = rec[i]
			}
			out = append(out, item)
		}
	}
	if header == nil {
		return nil, fmt.Errorf("no header row")
	}
	return out, nil
}
