package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func ownNetworks(n int) Watchlist {
	w := Watchlist{Alias: "OwnNetworks", DisplayName: "Contoso networks", ItemsSearchKey: "Network"}
	for i := range n {
		w.Items = append(w.Items, map[string]any{"Network": fmt.Sprintf("198.51.%d.0/24", i), "Site": fmt.Sprintf("site %d", i)})
	}
	return w
}

// itemsOf follows nextLink through every page of a watchlist's items and
// returns their Network values and the number of pages.
func itemsOf(t *testing.T, s *Server, alias string) ([]string, int) {
	t.Helper()
	var got []string
	pages := 0
	next := "/watchlists/" + alias + "/watchlistItems"
	for next != "" {
		rep := call(t, s, DemoToken, http.MethodGet, next, "", nil)
		if rep.Status != http.StatusOK {
			t.Fatalf("page %d: %d %s", pages+1, rep.Status, rep.Body)
		}
		m := rep.json(t)
		for _, v := range m["value"].([]any) {
			kv := props(t, v.(map[string]any))["itemsKeyValue"].(map[string]any)
			got = append(got, fmt.Sprint(kv["Network"]))
		}
		pages++
		next, _ = m["nextLink"].(string)
	}
	return got, pages
}

func TestWatchlistItemsPaging(t *testing.T) {
	s := newFixtureServer(t, Options{PageSize: 2, Watchlists: []Watchlist{ownNetworks(5)}})
	got, pages := itemsOf(t, s, "ownnetworks") // aliases match case-insensitively
	want := []string{"198.51.0.0/24", "198.51.1.0/24", "198.51.2.0/24", "198.51.3.0/24", "198.51.4.0/24"}
	if diff := cmp.Diff(want, got); diff != "" || pages != 3 {
		t.Errorf("items over %d pages (want 3) (-want +got):\n%s", pages, diff)
	}
	// The nextLink is an absolute URL of the same API, with its api-version.
	first := call(t, s, DemoToken, http.MethodGet, "/watchlists/OwnNetworks/watchlistItems", "", nil).json(t)
	link := first["nextLink"].(string)
	if !strings.HasPrefix(link, armBase+demoBase+"/watchlists/OwnNetworks/watchlistItems?") || !strings.Contains(link, "api-version=2025-09-01") || !strings.Contains(link, "%24skipToken=") {
		t.Errorf("nextLink = %s", link)
	}
}

func TestWatchlistErrors(t *testing.T) {
	s := newFixtureServer(t, Options{Watchlists: []Watchlist{ownNetworks(1)}})
	item := "/watchlists/OwnNetworks/watchlistItems/8e1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	body := map[string]any{"properties": map[string]any{"itemsKeyValue": map[string]any{"Network": "203.0.113.0/24"}}}
	tests := []struct {
		name          string
		token, method string
		path, query   string
		body          any
		status        int
		code          string
		unimplemented bool
	}{
		{name: "unknown alias", method: "GET", path: "/watchlists/NoSuchList", status: 404, code: "NotFound"},
		{name: "items of unknown alias", method: "GET", path: "/watchlists/NoSuchList/watchlistItems", status: 404, code: "NotFound"},
		{name: "put item on unknown alias", method: "PUT", path: "/watchlists/NoSuchList/watchlistItems/8e1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", body: body, status: 404, code: "NotFound"},
		{name: "unknown item", method: "GET", path: item, status: 404, code: "NotFound"},
		{name: "api-version required", method: "GET", path: "/watchlists/OwnNetworks/watchlistItems", query: "x=1", status: 400, code: "MissingApiVersionParameter"},
		{name: "api-version unknown", method: "GET", path: "/watchlists/OwnNetworks", query: "api-version=2019-01-01", status: 400, code: "InvalidApiVersionParameter"},
		{name: "no token", token: "-", method: "GET", path: "/watchlists/OwnNetworks", status: 401, code: "AuthenticationFailed"},
		{name: "reader cannot write", token: TokenReader, method: "PUT", path: item, body: body, status: 403, code: "AuthorizationFailed"},
		{name: "item id not a GUID", method: "PUT", path: "/watchlists/OwnNetworks/watchlistItems/office", body: body, status: 400, code: "BadRequest"},
		{name: "item without itemsKeyValue", method: "PUT", path: item, body: map[string]any{"properties": map[string]any{}}, status: 400, code: "BadRequest"},
		{name: "watchlist without displayName", method: "PUT", path: "/watchlists/New", body: map[string]any{"properties": map[string]any{"provider": "p", "itemsSearchKey": "k"}}, status: 400, code: "BadRequest"},
		{name: "items by POST", method: "POST", path: "/watchlists/OwnNetworks/watchlistItems", status: 405, code: "MethodNotAllowed", unimplemented: true},
		{name: "unknown child", method: "GET", path: "/watchlists/OwnNetworks/members", status: 404, code: "InvalidResourceType", unimplemented: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s.ResetRequests()
			tok := tc.token
			switch tok {
			case "":
				tok = DemoToken
			case "-":
				tok = ""
			}
			rep := call(t, s, tok, tc.method, tc.path, tc.query, tc.body)
			if rep.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", rep.Status, tc.status, rep.Body)
			}
			if code := rep.armError(t); code != tc.code {
				t.Errorf("code %s, want %s", code, tc.code)
			}
			if reqs := s.Requests(); len(reqs) != 1 || reqs[0].Unimplemented != tc.unimplemented {
				t.Errorf("request log %+v, want unimplemented %v", reqs, tc.unimplemented)
			}
		})
	}
	rep := call(t, s, DemoToken, http.MethodGet, "/watchlists/NoSuchList/watchlistItems", "", nil)
	if !strings.Contains(string(rep.Body), "NoSuchList") {
		t.Errorf("404 does not name the alias: %s", rep.Body)
	}
}

func TestWatchlistItemWrites(t *testing.T) {
	s := newFixtureServer(t, Options{Watchlists: []Watchlist{ownNetworks(1)}})
	item := "/watchlists/OwnNetworks/watchlistItems/8E1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D"
	put := func(network, etag string) reply {
		body := map[string]any{"properties": map[string]any{"itemsKeyValue": map[string]any{"Network": network}}}
		if etag != "" {
			body["etag"] = etag
		}
		return call(t, s, DemoToken, http.MethodPut, item, "", body)
	}
	created := put("203.0.113.0/24", "")
	if created.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", created.Status, created.Body)
	}
	c := created.json(t)
	if c["name"] != "8e1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d" || props(t, c)["watchlistItemId"] != c["name"] ||
		!strings.HasSuffix(c["id"].(string), "/providers/Microsoft.SecurityInsights/Watchlists/OwnNetworks/WatchlistItems/8e1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d") {
		t.Errorf("created item = %s", created.Body)
	}
	updated := put("203.0.113.0/25", c["etag"].(string))
	if updated.Status != http.StatusOK || updated.json(t)["etag"] == c["etag"] {
		t.Errorf("update: %d %s", updated.Status, updated.Body)
	}
	if stale := put("203.0.113.0/26", c["etag"].(string)); stale.Status != http.StatusConflict {
		t.Errorf("stale etag: %d %s", stale.Status, stale.Body)
	}
	got, _ := itemsOf(t, s, "OwnNetworks")
	if diff := cmp.Diff([]string{"198.51.0.0/24", "203.0.113.0/25"}, got); diff != "" {
		t.Errorf("items after writes (-want +got):\n%s", diff)
	}
	if del := call(t, s, DemoToken, http.MethodDelete, item, "", nil); del.Status != http.StatusOK {
		t.Errorf("delete: %d", del.Status)
	}
	if del := call(t, s, DemoToken, http.MethodDelete, item, "", nil); del.Status != http.StatusNoContent {
		t.Errorf("delete again: %d", del.Status)
	}
}

func TestWatchlistPutWithCSV(t *testing.T) {
	s := newFixtureServer(t, Options{})
	body := map[string]any{"properties": map[string]any{
		"displayName": "Own estate", "provider": "Contoso SOC", "source": "estate.csv", "sourceType": "Local",
		"itemsSearchKey": "IP Address", "contentType": "text/csv", "numberOfLinesToSkip": 1,
		"rawContent": "exported 2026-02-01\nIP Address,Domain\n198.51.100.0/24,contoso.com\n\"2001:db8::/48\",contoso.net\n",
	}}
	rep := call(t, s, DemoToken, http.MethodPut, "/watchlists/Estate", "", body)
	if rep.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", rep.Status, rep.Body)
	}
	p := props(t, rep.json(t))
	if p["watchlistAlias"] != "Estate" || p["itemsSearchKey"] != "IP Address" || p["rawContent"] != nil {
		t.Errorf("watchlist properties = %v", p)
	}
	var got []string
	for _, v := range call(t, s, DemoToken, http.MethodGet, "/watchlists/Estate/watchlistItems", "", nil).json(t)["value"].([]any) {
		kv := props(t, v.(map[string]any))["itemsKeyValue"].(map[string]any)
		got = append(got, kv["IP Address"].(string)+" "+kv["Domain"].(string))
	}
	if diff := cmp.Diff([]string{"198.51.100.0/24 contoso.com", "2001:db8::/48 contoso.net"}, got); diff != "" {
		t.Errorf("items from rawContent (-want +got):\n%s", diff)
	}
	bad := body["properties"].(map[string]any)
	bad["itemsSearchKey"] = "Subnet"
	if rep := call(t, s, DemoToken, http.MethodPut, "/watchlists/Estate2", "", body); rep.Status != http.StatusBadRequest {
		t.Errorf("search key not a column: %d %s", rep.Status, rep.Body)
	}
	if rep := call(t, s, DemoToken, http.MethodGet, "/watchlists", "", nil); len(rep.json(t)["value"].([]any)) != 1 {
		t.Errorf("list of watchlists: %s", rep.Body)
	}
}

func TestWatchlistSeedErrors(t *testing.T) {
	for _, ws := range [][]Watchlist{{{Alias: ""}}, {{Alias: "a/b"}}, {{Alias: "Own"}, {Alias: "own"}}} {
		if _, err := New(Options{Watchlists: ws}); err == nil {
			t.Errorf("New with watchlists %+v succeeded", ws)
		}
	}
}

// watchlistExample reads responses[status].body of a watchlist example:
// the shared corpus's when it has watchlist examples, else testdata's (the
// same shape, see testdata/watchlists/README.md).
func watchlistExample(t *testing.T, file, status string) any {
	t.Helper()
	dir := filepath.Join("testdata", "watchlists")
	if c := findCorpus(); c != "" {
		if p := filepath.Join(c, "stable", "2025-09-01", "examples", "watchlists"); fileExists(filepath.Join(p, file)) {
			dir = p
		}
	}
	return corpusBody(t, dir, file, status)
}

func findCorpus() string {
	dir, err := filepath.Abs(".")
	if err != nil {
		return ""
	}
	for {
		c := filepath.Join(dir, "shared", "corpora", "sentinel-api")
		if fileExists(c) {
			return c
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// TestWatchlistContract compares the emulator's watchlist replies with the
// service's examples: every key the service sends is there with the same
// JSON type, and no key the service does not send.
func TestWatchlistContract(t *testing.T) {
	wantList := watchlistExample(t, "GetWatchlistByAlias.json", "200")
	wantItems := watchlistExample(t, "GetWatchlistItems.json", "200")
	wantCreated := watchlistExample(t, "CreateWatchlistItem.json", "201")
	s := newFixtureServer(t, Options{Watchlists: []Watchlist{{Alias: "OwnNetworks", Description: "Offices", Items: []map[string]any{{"Network": "198.51.100.0/24"}}}}})
	created := call(t, s, DemoToken, http.MethodPut, "/watchlists/OwnNetworks/watchlistItems/c41d8e27-6a0f-4b93-9e2c-5d7f1a3b8e04", "",
		map[string]any{"properties": map[string]any{"itemsKeyValue": map[string]any{"Network": "203.0.113.0/25"}}})
	if created.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", created.Status, created.Body)
	}
	bag := map[string]bool{"itemsKeyValue": true, "entityMapping": true}
	for _, tc := range []struct {
		what      string
		got, want any
		optional  []string
	}{
		{"watchlist", call(t, s, DemoToken, http.MethodGet, "/watchlists/OwnNetworks", "", nil).json(t), wantList, []string{"defaultDuration"}},
		{"items", call(t, s, DemoToken, http.MethodGet, "/watchlists/OwnNetworks/watchlistItems", "", nil).json(t), wantItems, []string{"nextLink"}},
		{"created item", created.json(t), wantCreated, nil},
	} {
		c := shapeCheck{known: map[string]bool{}, strict: 3, bags: bag, optional: map[string]bool{}}
		for _, o := range tc.optional {
			c.optional[o] = true
		}
		c.compare(tc.what, 0, tc.got, tc.want)
		for _, e := range c.errs {
			t.Error(e)
		}
	}
	// Ids and types are spelled as the service spells them.
	w := call(t, s, DemoToken, http.MethodGet, "/watchlists/OwnNetworks", "", nil).json(t)
	it := call(t, s, DemoToken, http.MethodGet, "/watchlists/OwnNetworks/watchlistItems", "", nil).json(t)["value"].([]any)[0].(map[string]any)
	wantW, wantI := wantList.(map[string]any), wantItems.(map[string]any)["value"].([]any)[0].(map[string]any)
	for _, c := range []struct{ got, want string }{
		{w["type"].(string), wantW["type"].(string)},
		{it["type"].(string), wantI["type"].(string)},
		{idShape(w["id"].(string)), idShape(wantW["id"].(string))},
		{idShape(it["id"].(string)), idShape(wantI["id"].(string))},
	} {
		if c.got != c.want {
			t.Errorf("got %s, the service sends %s", c.got, c.want)
		}
	}
	etag, _ := it["etag"].(string)
	var unq string
	if err := json.Unmarshal([]byte(fmt.Sprintf("%q", etag)), &unq); err != nil || !strings.HasPrefix(etag, `"`) {
		t.Errorf("item etag %q is not quoted as the service's are", etag)
	}
}

// idShape keeps the provider and type segments of an ARM id below the
// workspace, dropping the names.
func idShape(id string) string {
	_, rest, _ := strings.Cut(id, "/providers/Microsoft.SecurityInsights/")
	segs := strings.Split(rest, "/")
	for i := 1; i < len(segs); i += 2 {
		segs[i] = "{name}"
	}
	return strings.Join(segs, "/")
}
