package emulator

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/google/go-cmp/cmp"
)

func policyOptions() policy.TokenRequestOptions {
	return policy.TokenRequestOptions{Scopes: []string{"https://management.azure.com/.default"}}
}

func TestListPagingFollowsNextLink(t *testing.T) {
	s := newFixtureServer(t, Options{Dataset: Synthetic(120, 7)})
	for _, tc := range []struct {
		name      string
		query     string
		wantPages int
		want      int
	}{
		{"default page size", "api-version=2025-09-01", 3, 120},
		{"top is the page size", "api-version=2025-09-01&$top=25", 5, 120},
		{"top 1000", "api-version=2025-09-01&$top=1000", 1, 120},
		{"filtered", "api-version=2025-09-01&$top=10&$filter=" + url.QueryEscape("properties/incidentNumber le 1030"), 3, 30},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := armBase + demoBase + "/incidents?" + tc.query
			seen := map[string]bool{}
			pages := 0
			var prev string
			for u != "" {
				r := call(t, s, DemoToken, http.MethodGet, u, "", nil)
				if r.Status != http.StatusOK {
					t.Fatalf("page %d: status %d %s", pages, r.Status, r.Body)
				}
				pages++
				m := r.json(t)
				for _, v := range m["value"].([]any) {
					inc := v.(map[string]any)
					id := inc["id"].(string)
					if seen[id] {
						t.Fatalf("incident %s on two pages", id)
					}
					seen[id] = true
					// default order: newest first, across pages
					created := props(t, inc)["createdTimeUtc"].(string)
					if prev != "" && created > prev {
						t.Fatalf("not ordered by createdTimeUtc desc: %s after %s", created, prev)
					}
					prev = created
				}
				next, _ := m["nextLink"].(string)
				if next != "" && !strings.HasPrefix(next, armBase+demoBase+"/incidents?") {
					t.Fatalf("nextLink %q is not an absolute URL on the request's host", next)
				}
				if next != "" && !strings.Contains(next, "api-version=2025-09-01") {
					t.Fatalf("nextLink %q lost the api-version", next)
				}
				u = next
			}
			if len(seen) != tc.want || pages != tc.wantPages {
				t.Errorf("got %d incidents on %d pages, want %d on %d", len(seen), pages, tc.want, tc.wantPages)
			}
		})
	}
}

func TestNextLinkUsesRequestHost(t *testing.T) {
	s := newFixtureServer(t, Options{PageSize: 1})
	srv := httptest.NewServer(s)
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+demoBase+"/incidents?api-version=2025-09-01", nil)
	req.Header.Set("Authorization", "Bearer demo")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m struct{ NextLink string }
	json.NewDecoder(resp.Body).Decode(&m)
	if !strings.HasPrefix(m.NextLink, srv.URL+"/subscriptions/") {
		t.Errorf("nextLink = %q, want it on %s", m.NextLink, srv.URL)
	}
}

func TestFilterAndOrder(t *testing.T) {
	s := newFixtureServer(t, Options{})
	for _, tc := range []struct {
		filter, orderby string
		want            []int
	}{
		{"", "", []int{2, 3, 1}},
		{"properties/incidentNumber eq 2", "", []int{2}},
		{"properties/incidentNumber eq 99", "", nil},
		{"properties/incidentNumber gt 1", "properties/incidentNumber", []int{2, 3}},
		{"properties/severity eq 'High'", "", []int{2}},
		{"properties/severity eq 'high'", "", []int{2}},
		{"properties/status eq 'New'", "", []int{2}},
		{"properties/status ne 'Closed'", "properties/incidentNumber asc", []int{2, 3}},
		{"properties/createdTimeUtc ge 2026-01-14T12:00:00Z", "properties/createdTimeUtc asc", []int{3, 2}},
		{"properties/createdTimeUtc gt 2026-01-14T12:00:00Z", "", []int{2}},
		{"properties/createdTimeUtc lt 2026-01-14T12:00:00Z", "", []int{1}},
		{"properties/createdTimeUtc le 2026-01-14T12:00:00.000Z", "properties/createdTimeUtc desc", []int{3, 1}},
		{"properties/createdTimeUtc ge datetime'2026-01-14T00:00:00Z'", "", []int{2, 3}},
		{"properties/status eq 'New' or properties/status eq 'Active'", "properties/incidentNumber desc", []int{3, 2}},
		{"(properties/status eq 'New' or properties/status eq 'Closed') and properties/severity eq 'Low'", "", []int{1}},
		{"properties/severity eq 'Medium' and (properties/status eq 'Active')", "", []int{3}},
		{"not (properties/status eq 'Closed')", "properties/incidentNumber", []int{2, 3}},
		{"properties/title eq 'Closed benign scan'", "", []int{1}},
		{"properties/owner/assignedTo eq 'john doe'", "", []int{1}},
		{"properties/classification eq null", "properties/incidentNumber", []int{2, 3}},
		{"", "properties/severity desc", []int{2, 3, 1}},
		{"", "properties/severity asc", []int{1, 3, 2}},
		{"", "properties/lastModifiedTimeUtc asc", []int{1, 3, 2}},
		{"", "properties/status asc, properties/incidentNumber desc", []int{3, 1, 2}},
	} {
		t.Run(tc.filter+"|"+tc.orderby, func(t *testing.T) {
			q := url.Values{"api-version": {"2025-09-01"}}
			if tc.filter != "" {
				q.Set("$filter", tc.filter)
			}
			if tc.orderby != "" {
				q.Set("$orderby", tc.orderby)
			}
			r := call(t, s, DemoToken, http.MethodGet, "/incidents", q.Encode(), nil)
			if r.Status != http.StatusOK {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			if diff := cmp.Diff(tc.want, numbers(t, r.json(t))); diff != "" {
				t.Errorf("incident numbers (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFilterErrors(t *testing.T) {
	s := newFixtureServer(t, Options{})
	for _, q := range []url.Values{
		{"$filter": {"properties/incidentNumber eq"}},
		{"$filter": {"properties/incidentNumber eq 'x'"}},
		{"$filter": {"properties/nosuch eq 1"}},
		{"$filter": {"incidentNumber eq 1"}},
		{"$filter": {"properties/severity gt 'High'"}},
		{"$filter": {"properties/severity eq 'High"}},
		{"$filter": {"(properties/status eq 'New'"}},
		{"$filter": {"properties/status eq 'New')"}},
		{"$filter": {"properties/createdTimeUtc ge yesterday"}},
		{"$filter": {"contains(properties/title, 'x')"}},
		{"$filter": {"properties/status eq 'New' and"}},
		{"$filter": {strings.Repeat("(", 200) + "properties/incidentNumber eq 1" + strings.Repeat(")", 200)}},
		{"$orderby": {"properties/nosuch desc"}},
		{"$orderby": {"properties/incidentNumber sideways"}},
		{"$top": {"0"}},
		{"$top": {"1001"}},
		{"$top": {"ten"}},
		{"$skipToken": {"garbage!"}},
	} {
		q.Set("api-version", "2025-09-01")
		r := call(t, s, DemoToken, http.MethodGet, "/incidents", q.Encode(), nil)
		if r.Status != http.StatusBadRequest || r.armError(t) != "BadRequest" {
			t.Errorf("%v: got %d %s, want 400 BadRequest", q, r.Status, r.Body)
		}
	}
}

func TestErrors(t *testing.T) {
	s := newFixtureServer(t, Options{})
	inc := "/incidents/e1a2b3c4-0000-4000-8000-000000000002"
	comment := map[string]any{"properties": map[string]any{"message": "hi"}}
	other := "/subscriptions/" + DemoSubscription + "/resourceGroups/" + DemoResourceGroup
	for _, tc := range []struct {
		name          string
		token, method string
		path, query   string
		body          any
		status        int
		code, inMsg   string
		unimplemented bool
		wantHeader    string
	}{
		{name: "missing api-version", token: "demo", method: "GET", path: "/incidents", query: "x=1", status: 400, code: "MissingApiVersionParameter"},
		{name: "unsupported api-version", token: "demo", method: "GET", path: "/incidents", query: "api-version=2019-01-01-preview", status: 400, code: "InvalidApiVersionParameter", inMsg: "2025-09-01"},
		{name: "no token", method: "GET", path: "/incidents", status: 401, code: "AuthenticationFailed", wantHeader: "WWW-Authenticate"},
		{name: "expired token", token: "expired", method: "GET", path: "/incidents", status: 401, code: "ExpiredAuthenticationToken"},
		{name: "reader reads", token: "reader", method: "GET", path: inc, status: 200},
		{name: "reader posts list", token: "reader", method: "POST", path: inc + "/alerts", status: 200},
		{name: "reader writes comment", token: "reader", method: "PUT", path: inc + "/comments/c1", body: comment, status: 403, code: "AuthorizationFailed", inMsg: "Microsoft.SecurityInsights/incidents/comments/write"},
		{name: "reader writes task", token: "reader", method: "PUT", path: inc + "/tasks/t1", body: comment, status: 403, code: "AuthorizationFailed", inMsg: "Microsoft.SecurityInsights/incidents/tasks/write"},
		{name: "reader updates incident", token: "reader", method: "PUT", path: inc, body: comment, status: 403, code: "AuthorizationFailed", inMsg: "Microsoft.SecurityInsights/incidents/write"},
		{name: "reader deletes comment", token: "reader", method: "DELETE", path: inc + "/comments/c1", status: 403, code: "AuthorizationFailed", inMsg: "Microsoft.SecurityInsights/incidents/comments/delete"},
		{name: "unknown subscription", token: "demo", method: "GET", path: strings.Replace(demoBase, DemoSubscription, "11111111-1111-1111-1111-111111111111", 1) + "/incidents", status: 404, code: "SubscriptionNotFound"},
		{name: "unknown resource group", token: "demo", method: "GET", path: strings.Replace(demoBase, DemoResourceGroup, "other-rg", 1) + "/incidents", status: 404, code: "ResourceGroupNotFound"},
		{name: "unknown workspace", token: "demo", method: "GET", path: strings.Replace(demoBase, DemoWorkspace, "nows", 1) + "/incidents", status: 404, code: "ResourceNotFound", inMsg: "nows"},
		{name: "case-insensitive path", token: "demo", method: "GET", path: "/subscriptions" + strings.ToUpper(strings.TrimPrefix(demoBase, "/subscriptions")) + "/Incidents/E1A2B3C4-0000-4000-8000-000000000002", status: 200},
		{name: "unknown incident", token: "demo", method: "GET", path: "/incidents/nope", status: 404, code: "NotFound"},
		{name: "unknown incident alerts", token: "demo", method: "POST", path: "/incidents/nope/alerts", status: 404, code: "NotFound"},
		{name: "unknown incident comment put", token: "demo", method: "PUT", path: "/incidents/nope/comments/c1", body: comment, status: 404, code: "NotFound"},
		{name: "unknown comment", token: "demo", method: "GET", path: inc + "/comments/nope", status: 404, code: "NotFound"},
		{name: "unimplemented resource", token: "demo", method: "GET", path: "/alertRules", status: 404, code: "InvalidResourceType", unimplemented: true},
		{name: "unimplemented outside provider", token: "demo", method: "GET", path: other + "/providers/Microsoft.Compute/virtualMachines", status: 404, code: "InvalidResourceType", unimplemented: true},
		{name: "alerts by GET", token: "demo", method: "GET", path: inc + "/alerts", status: 405, code: "MethodNotAllowed", unimplemented: true, wantHeader: "Allow"},
		{name: "list by POST", token: "demo", method: "POST", path: "/incidents", status: 405, code: "MethodNotAllowed", unimplemented: true},
		{name: "comments filter", token: "demo", method: "GET", path: inc + "/comments", query: "api-version=2025-09-01&$filter=x", status: 400, code: "BadRequest", unimplemented: true},
		{name: "bad json", token: "demo", method: "PUT", path: inc + "/comments/c1", body: "not an object", status: 400, code: "InvalidRequestContent"},
		{name: "body over 4 MiB", token: "demo", method: "PUT", path: inc + "/comments/c1", body: map[string]any{"properties": map[string]any{"message": strings.Repeat("x", 5<<20)}}, status: 400, code: "InvalidRequestContent", inMsg: "larger than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.ResetRequests()
			r := call(t, s, tc.token, tc.method, tc.path, tc.query, tc.body)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Body)
			}
			if tc.code != "" {
				if got := r.armError(t); got != tc.code {
					t.Errorf("code %q, want %q", got, tc.code)
				}
				if !strings.Contains(string(r.Body), tc.inMsg) {
					t.Errorf("message %s does not mention %q", r.Body, tc.inMsg)
				}
			}
			if tc.wantHeader != "" && r.Header.Get(tc.wantHeader) == "" {
				t.Errorf("no %s header", tc.wantHeader)
			}
			reqs := s.Requests()
			if len(reqs) != 1 || reqs[0].Status != tc.status || reqs[0].Method != tc.method || reqs[0].Unimplemented != tc.unimplemented {
				t.Errorf("request log %+v, want one %s with status %d, unimplemented %v", reqs, tc.method, tc.status, tc.unimplemented)
			}
		})
	}
}

func TestIncidentDetailsReads(t *testing.T) {
	s := newFixtureServer(t, Options{})
	inc := "/incidents/e1a2b3c4-0000-4000-8000-000000000002"
	r := call(t, s, DemoToken, http.MethodGet, inc, "", nil)
	ad := props(t, r.json(t))["additionalData"].(map[string]any)
	// The fixture says 5 alerts; the emulator recomputes from the lists.
	if diff := cmp.Diff(map[string]any{"alertsCount": 1.0, "bookmarksCount": 1.0, "commentsCount": 1.0},
		map[string]any{"alertsCount": ad["alertsCount"], "bookmarksCount": ad["bookmarksCount"], "commentsCount": ad["commentsCount"]}); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	ents := call(t, s, DemoToken, http.MethodPost, inc+"/entities", "", nil).json(t)
	if diff := cmp.Diff([]any{
		map[string]any{"entityKind": "Account", "count": 2.0},
		map[string]any{"entityKind": "Host", "count": 1.0},
		map[string]any{"entityKind": "File", "count": 1.0},
		map[string]any{"entityKind": "Ip", "count": 1.0},
	}, ents["metaData"]); diff != "" {
		t.Errorf("metaData (-want +got):\n%s", diff)
	}
	if n := len(ents["entities"].([]any)); n != 5 {
		t.Errorf("%d entities, want 5", n)
	}
	rels := call(t, s, DemoToken, http.MethodGet, inc+"/relations", "", nil).json(t)["value"].([]any)
	var kinds []string
	for _, v := range rels {
		p := props(t, v.(map[string]any))
		kinds = append(kinds, p["relatedResourceType"].(string)+"|"+stringProp(p, "relatedResourceKind"))
	}
	if diff := cmp.Diff([]string{"Microsoft.SecurityInsights/entities|SecurityAlert", "Microsoft.SecurityInsights/bookmarks|"}, kinds); diff != "" {
		t.Errorf("relations (-want +got):\n%s", diff)
	}
	for _, path := range []string{"/alerts", "/bookmarks"} {
		v := call(t, s, DemoToken, http.MethodPost, inc+path, "", nil).json(t)["value"].([]any)
		if len(v) != 1 {
			t.Errorf("%s: %d items, want 1", path, len(v))
		}
	}
}

func TestConcurrentReadsAndWrites(t *testing.T) {
	s := newFixtureServer(t, Options{})
	inc := "/incidents/e1a2b3c4-0000-4000-8000-000000000002"
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 10 {
				call(t, s, DemoToken, http.MethodPost, inc+"/entities", "", nil)
				call(t, s, DemoToken, http.MethodGet, "/incidents", "", nil)
				call(t, s, DemoToken, http.MethodPut, inc+"/comments/c"+string(rune('a'+i)), "",
					map[string]any{"properties": map[string]any{"message": strings.Repeat("x", j+1)}})
			}
		})
	}
	wg.Wait()
	n := len(call(t, s, DemoToken, http.MethodGet, inc+"/comments", "", nil).json(t)["value"].([]any))
	if n != 9 { // one from the fixture and 8 written
		t.Errorf("%d comments, want 9", n)
	}
}

func TestCommentsPutIsIdempotent(t *testing.T) {
	s := newFixtureServer(t, Options{})
	inc := "/incidents/c0ffee00-0000-4000-8000-000000000003"
	put := func(id, msg string) reply {
		return call(t, s, DemoToken, http.MethodPut, inc+"/comments/"+id, "", map[string]any{"properties": map[string]any{"message": msg}})
	}
	first := put("7d3c0c53-5b1e-5f0e-9c5e-000000000001", "analysis v1")
	if first.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", first.Status, first.Body)
	}
	second := put("7d3c0c53-5b1e-5f0e-9c5e-000000000001", "analysis v2")
	if second.Status != http.StatusOK {
		t.Fatalf("update: %d %s", second.Status, second.Body)
	}
	c1, c2 := first.json(t), second.json(t)
	if c1["etag"] == c2["etag"] || strings.HasPrefix(c2["etag"].(string), `"`) {
		t.Errorf("etags %v then %v: want a new bare etag per write", c1["etag"], c2["etag"])
	}
	p2 := props(t, c2)
	if p2["message"] != "analysis v2" || p2["createdTimeUtc"] != props(t, c1)["createdTimeUtc"] {
		t.Errorf("updated comment %v", p2)
	}
	list := call(t, s, DemoToken, http.MethodGet, inc+"/comments", "", nil).json(t)["value"].([]any)
	if len(list) != 1 {
		t.Fatalf("%d comments after two PUTs of one id, want 1", len(list))
	}
	got := props(t, call(t, s, DemoToken, http.MethodGet, inc, "", nil).json(t))["additionalData"].(map[string]any)["commentsCount"]
	if got != 1.0 {
		t.Errorf("commentsCount = %v, want 1", got)
	}

	for _, tc := range []struct {
		name, msg string
		status    int
	}{
		{"empty message", "", 400},
		{"exactly the limit", strings.Repeat("é", MaxCommentChars), 201},
		{"over the limit", strings.Repeat("a", MaxCommentChars+1), 400},
	} {
		r := put("limit-"+strings.ReplaceAll(tc.name, " ", "-"), tc.msg)
		if r.Status != tc.status {
			t.Errorf("%s: status %d, want %d: %.200s", tc.name, r.Status, tc.status, r.Body)
		}
	}
	for i := 3; i <= MaxCommentsPerIncident; i++ {
		if r := put("bulk-"+strings.Repeat("x", i), "m"); r.Status != http.StatusCreated {
			t.Fatalf("comment %d: %d %s", i, r.Status, r.Body)
		}
	}
	if r := put("one-too-many", "m"); r.Status != http.StatusBadRequest || r.armError(t) != "BadRequest" {
		t.Errorf("comment %d: %d %s, want 400", MaxCommentsPerIncident+1, r.Status, r.Body)
	}
	if r := put("bulk-xxx", "updated"); r.Status != http.StatusOK {
		t.Errorf("updating at the limit: %d %s, want 200", r.Status, r.Body)
	}
	if r := call(t, s, DemoToken, http.MethodDelete, inc+"/comments/bulk-xxx", "", nil); r.Status != http.StatusOK {
		t.Errorf("delete: %d", r.Status)
	}
	if r := call(t, s, DemoToken, http.MethodDelete, inc+"/comments/bulk-xxx", "", nil); r.Status != http.StatusNoContent {
		t.Errorf("second delete: %d, want 204", r.Status)
	}
}

func TestTasks(t *testing.T) {
	s := newFixtureServer(t, Options{})
	inc := "/incidents/c0ffee00-0000-4000-8000-000000000003"
	put := func(id string, p map[string]any, etag string) reply {
		body := map[string]any{"properties": p}
		if etag != "" {
			body["etag"] = etag
		}
		return call(t, s, DemoToken, http.MethodPut, inc+"/tasks/"+id, "", body)
	}
	r := put("t1", map[string]any{"title": "Isolate host", "status": "New", "description": "d"}, "")
	if r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	etag := r.json(t)["etag"].(string)
	if !strings.HasPrefix(etag, `"`) || !strings.HasSuffix(etag, `"`) {
		t.Errorf("task etag %s is not quoted", etag)
	}
	r = put("t1", map[string]any{"title": "Isolate host", "status": "completed"}, etag)
	if r.Status != http.StatusOK || props(t, r.json(t))["status"] != "Completed" {
		t.Fatalf("update: %d %s", r.Status, r.Body)
	}
	if r := put("t1", map[string]any{"title": "x", "status": "New"}, etag); r.Status != http.StatusConflict || r.armError(t) != "Conflict" {
		t.Errorf("stale etag: %d %s, want 409", r.Status, r.Body)
	}
	for _, p := range []map[string]any{{"status": "New"}, {"title": "x", "status": "Done"}, {"title": "x"}} {
		if r := put("bad", p, ""); r.Status != http.StatusBadRequest {
			t.Errorf("%v: %d, want 400", p, r.Status)
		}
	}
	for i := 2; i <= MaxTasksPerIncident; i++ {
		if r := put("t"+strings.Repeat("x", i), map[string]any{"title": "t", "status": "New"}, ""); r.Status != http.StatusCreated {
			t.Fatalf("task %d: %d %s", i, r.Status, r.Body)
		}
	}
	if r := put("too-many", map[string]any{"title": "t", "status": "New"}, ""); r.Status != http.StatusBadRequest {
		t.Errorf("task 41: %d, want 400", r.Status)
	}
	list := call(t, s, DemoToken, http.MethodGet, inc+"/tasks", "api-version=2025-09-01&$top=30", nil).json(t)
	if len(list["value"].([]any)) != 30 || list["nextLink"] == nil {
		t.Errorf("tasks page: %d items, nextLink %v", len(list["value"].([]any)), list["nextLink"])
	}
}

func TestIncidentPutEtagAndCreate(t *testing.T) {
	now := DatasetAnchor
	s := newFixtureServer(t, Options{Now: func() time.Time { return now }})
	path := "/incidents/c0ffee00-0000-4000-8000-000000000003"
	cur := call(t, s, DemoToken, http.MethodGet, path, "", nil).json(t)
	oldEtag := cur["etag"].(string)
	p := props(t, cur)
	p["status"] = "Active"
	p["owner"] = map[string]any{"objectId": "2046feea-040d-4a46-9e2b-91c2941bfa70"}
	now = now.Add(time.Hour)
	r := call(t, s, DemoToken, http.MethodPut, path, "", map[string]any{"etag": oldEtag, "properties": p})
	if r.Status != http.StatusOK {
		t.Fatalf("update: %d %s", r.Status, r.Body)
	}
	upd := r.json(t)
	if upd["etag"] == oldEtag || !strings.HasPrefix(upd["etag"].(string), `"`) {
		t.Errorf("etag after update %v (was %v): want a new quoted etag", upd["etag"], oldEtag)
	}
	if got := props(t, upd)["lastModifiedTimeUtc"]; got != "2026-01-15T13:00:00Z" {
		t.Errorf("lastModifiedTimeUtc = %v", got)
	}
	if got := props(t, upd)["incidentNumber"]; got != 3.0 {
		t.Errorf("incidentNumber changed to %v", got)
	}
	r = call(t, s, DemoToken, http.MethodPut, path, "", map[string]any{"etag": oldEtag, "properties": p})
	if r.Status != http.StatusConflict || r.armError(t) != "Conflict" {
		t.Errorf("stale etag: %d %s, want 409 Conflict", r.Status, r.Body)
	}
	p["status"] = "Closed"
	if r := call(t, s, DemoToken, http.MethodPut, path, "", map[string]any{"properties": p}); r.Status != http.StatusBadRequest {
		t.Errorf("closing without classification: %d, want 400", r.Status)
	}
	p["classification"] = "TruePositive"
	p["classificationReason"] = "SuspiciousActivity"
	if r := call(t, s, DemoToken, http.MethodPut, path, "", map[string]any{"properties": p}); r.Status != http.StatusOK {
		t.Errorf("closing with classification: %d %s", r.Status, r.Body)
	}

	r = call(t, s, DemoToken, http.MethodPut, "/incidents/new-incident-1", "", map[string]any{"properties": map[string]any{
		"title": "Manual", "severity": "low", "status": "New"}})
	if r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	np := props(t, r.json(t))
	if np["incidentNumber"] != 4.0 || np["severity"] != "Low" || np["createdTimeUtc"] != "2026-01-15T13:00:00Z" {
		t.Errorf("created incident %v", np)
	}
	for _, bad := range []map[string]any{{"severity": "Low", "status": "New"}, {"title": "x", "severity": "Urgent", "status": "New"}, {"title": "x", "severity": "Low"}} {
		if r := call(t, s, DemoToken, http.MethodPut, "/incidents/bad", "", map[string]any{"properties": bad}); r.Status != http.StatusBadRequest {
			t.Errorf("%v: %d, want 400", bad, r.Status)
		}
	}
	if r := call(t, s, DemoToken, http.MethodDelete, "/incidents/new-incident-1", "", nil); r.Status != http.StatusOK {
		t.Errorf("delete: %d", r.Status)
	}
	if r := call(t, s, DemoToken, http.MethodGet, "/incidents/new-incident-1", "", nil); r.Status != http.StatusNotFound {
		t.Errorf("get after delete: %d", r.Status)
	}
}

func TestPersistenceAndReset(t *testing.T) {
	dir := t.TempDir()
	s1 := newFixtureServer(t, Options{StateDir: dir})
	inc := "/incidents/c0ffee00-0000-4000-8000-000000000003"
	if r := call(t, s1, DemoToken, http.MethodPut, inc+"/comments/keep", "", map[string]any{"properties": map[string]any{"message": "persisted"}}); r.Status != http.StatusCreated {
		t.Fatalf("put: %d", r.Status)
	}
	if _, err := os.Stat(filepath.Join(dir, StateFile)); err != nil {
		t.Fatalf("no state file: %v", err)
	}
	// A second server on the same directory sees the write, even with another dataset.
	s2 := newFixtureServer(t, Options{StateDir: dir, Dataset: &Dataset{}})
	r := call(t, s2, DemoToken, http.MethodGet, inc+"/comments/keep", "", nil)
	if r.Status != http.StatusOK || props(t, r.json(t))["message"] != "persisted" {
		t.Fatalf("second server: %d %s", r.Status, r.Body)
	}
	if err := s1.Reset(); err != nil {
		t.Fatal(err)
	}
	if r := call(t, s1, DemoToken, http.MethodGet, inc+"/comments/keep", "", nil); r.Status != http.StatusNotFound {
		t.Errorf("after Reset: %d, want 404", r.Status)
	}
	s3 := newFixtureServer(t, Options{StateDir: dir})
	if r := call(t, s3, DemoToken, http.MethodGet, inc+"/comments/keep", "", nil); r.Status != http.StatusNotFound {
		t.Errorf("third server after Reset: %d, want 404", r.Status)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("state dir holds %d files, want only %s", len(entries), StateFile)
	}
	// State persisted for one workspace is served under another's ids.
	s4 := newFixtureServer(t, Options{StateDir: dir, Workspace: "moved"})
	r = call(t, s4, DemoToken, http.MethodGet, strings.Replace(demoBase, DemoWorkspace, "moved", 1)+inc, "", nil)
	if r.Status != http.StatusOK || !strings.Contains(r.json(t)["id"].(string), "/workspaces/moved/") {
		t.Errorf("rebased state: %d %s", r.Status, r.Body)
	}
}

func TestSeedShiftsTimesAndRewritesIDs(t *testing.T) {
	now := DatasetAnchor.Add(10*24*time.Hour + 3*time.Hour + 7*time.Minute + 30*time.Second)
	s := newFixtureServer(t, Options{Now: func() time.Time { return now }, Subscription: "sub-1", ResourceGroup: "rg-1", Workspace: "ws-1"})
	base := workspacePrefix("sub-1", "rg-1", "ws-1") + "/providers/Microsoft.SecurityInsights"
	inc := call(t, s, DemoToken, http.MethodGet, base+"/incidents/e1a2b3c4-0000-4000-8000-000000000002", "", nil).json(t)
	p := props(t, inc)
	// 10 days 3h07m30s after the anchor: shifted by one whole week, the
	// largest not after now, so times of day and weekdays stay.
	if got, want := p["createdTimeUtc"], "2026-01-22T11:30:00Z"; got != want {
		t.Errorf("createdTimeUtc = %v, want %v (shifted by one whole week)", got, want)
	}
	if !strings.HasPrefix(inc["id"].(string), base) || !strings.Contains(p["incidentUrl"].(string), "/workspaces/ws-1/") {
		t.Errorf("ids not rewritten: %v %v", inc["id"], p["incidentUrl"])
	}
	alert := call(t, s, DemoToken, http.MethodPost, base+"/incidents/e1a2b3c4-0000-4000-8000-000000000002/alerts", "", nil).json(t)["value"].([]any)[0].(map[string]any)
	ap := props(t, alert)
	if got := ap["timeGenerated"]; got != "2026-01-22T11:21:53.6158361Z" {
		t.Errorf("alert timeGenerated = %v: want the shift with its 7 fraction digits kept", got)
	}
	ri := ap["resourceIdentifiers"].([]any)[0].(map[string]any)
	if ri["subscriptionId"] != "sub-1" || ri["resourceGroup"] != "rg-1" {
		t.Errorf("resourceIdentifiers not rewritten: %v", ri)
	}
	bm := call(t, s, DemoToken, http.MethodPost, base+"/incidents/e1a2b3c4-0000-4000-8000-000000000002/bookmarks", "", nil).json(t)["value"].([]any)[0].(map[string]any)
	if got := props(t, bm)["created"]; got != "2026-01-22T11:34:01.4265524+00:00" {
		t.Errorf("bookmark created = %v: want the +00:00 offset kept", got)
	}
	// --since finds the incidents of the shifted anchor's last day.
	since := DatasetAnchor.Add(7 * 24 * time.Hour).Add(-25 * time.Hour).Format(time.RFC3339)
	r := call(t, s, DemoToken, http.MethodGet, base+"/incidents", "api-version=2025-09-01&$filter="+url.QueryEscape("properties/createdTimeUtc ge "+since), nil)
	if diff := cmp.Diff([]int{2, 3}, numbers(t, r.json(t))); diff != "" {
		t.Errorf("incidents of the last 24h (-want +got):\n%s", diff)
	}
}

// Rewriting ids to the served workspace matches case-insensitively, and a
// letter whose lower case is longer in bytes (İ) must not tear the text.
func TestRewriteMatchesCaseAndKeepsText(t *testing.T) {
	from := workspacePrefix(DemoSubscription, DemoResourceGroup, DemoWorkspace)
	to := workspacePrefix("sub-1", "rg-1", "ws-1")
	rw := newRewriter(DemoSubscription, DemoResourceGroup, DemoWorkspace, "sub-1", "rg-1", "ws-1")
	for in, want := range map[string]string{
		from + "/a " + from:                       to + "/a " + to,
		strings.ToUpper(from) + "/incidents/x":    to + "/incidents/x",
		"İstanbul office, " + from + "/bookmarks": "İstanbul office, " + to + "/bookmarks",
		"no id here": "no id here",
	} {
		if got := rw.replace(in); got != want {
			t.Errorf("replace(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFaults(t *testing.T) {
	s := newFixtureServer(t, Options{})
	inc := "/incidents/c0ffee00-0000-4000-8000-000000000003"
	s.InjectFault(Fault{Match: "/COMMENTS/", Method: "PUT", Status: 429, RetryAfter: 1500 * time.Millisecond, Times: 2})
	s.InjectFault(Fault{Match: "/alerts", Status: 500})
	s.InjectFault(Fault{Match: "/entities", Status: 503, Times: 1})
	body := map[string]any{"properties": map[string]any{"message": "m"}}
	for i, want := range []int{429, 429, 201, 200} {
		r := call(t, s, DemoToken, http.MethodPut, inc+"/comments/c", "", body)
		if r.Status != want {
			t.Fatalf("attempt %d: %d, want %d", i, r.Status, want)
		}
		if want == 429 {
			if r.armError(t) != "SubscriptionRequestsThrottled" || r.Header.Get("Retry-After") != "2" {
				t.Errorf("attempt %d: code %s Retry-After %q", i, r.Body, r.Header.Get("Retry-After"))
			}
		}
	}
	if r := call(t, s, DemoToken, http.MethodGet, inc+"/comments/c", "", nil); r.Status != 200 {
		t.Errorf("GET comment matched a PUT fault: %d", r.Status)
	}
	for i := range 2 {
		if r := call(t, s, DemoToken, http.MethodPost, inc+"/alerts", "", nil); r.Status != 500 || r.armError(t) != "InternalServerError" {
			t.Errorf("alerts %d: %d %s", i, r.Status, r.Body)
		}
	}
	if r := call(t, s, DemoToken, http.MethodPost, inc+"/entities", "", nil); r.Status != 503 || r.armError(t) != "ServiceUnavailable" {
		t.Errorf("entities: %d %s", r.Status, r.Body)
	}
	if r := call(t, s, DemoToken, http.MethodPost, inc+"/entities", "", nil); r.Status != 200 {
		t.Errorf("entities after Times ran out: %d", r.Status)
	}
	s.ClearFaults()
	if r := call(t, s, DemoToken, http.MethodPost, inc+"/alerts", "", nil); r.Status != 200 {
		t.Errorf("alerts after ClearFaults: %d", r.Status)
	}
}

func TestFaultLatency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newFixtureServer(t, Options{})
		s.InjectFault(Fault{Match: "/incidents", Latency: 5 * time.Second, Times: 1})
		start := time.Now()
		if r := call(t, s, DemoToken, http.MethodGet, "/incidents", "", nil); r.Status != 200 {
			t.Fatalf("status %d", r.Status)
		}
		if d := time.Since(start); d < 5*time.Second {
			t.Errorf("answered after %v, want the 5s latency", d)
		}
	})
}

func TestThrottlingModel(t *testing.T) {
	now := DatasetAnchor
	s := newFixtureServer(t, Options{Throttle: true, Now: func() time.Time { return now }})
	get := func(tok string) reply {
		return call(t, s, tok, http.MethodGet, "/incidents", "api-version=2025-09-01&$top=1", nil)
	}
	for i := range readCapacity {
		r := get("alice")
		if r.Status != 200 {
			t.Fatalf("read %d: %d", i, r.Status)
		}
		if i == 0 && r.Header.Get("x-ms-ratelimit-remaining-subscription-reads") != "249" {
			t.Errorf("remaining reads header %q, want 249", r.Header.Get("x-ms-ratelimit-remaining-subscription-reads"))
		}
	}
	r := get("alice")
	if r.Status != 429 || r.armError(t) != "SubscriptionRequestsThrottled" || r.Header.Get("Retry-After") != "1" {
		t.Fatalf("read %d: %d %s Retry-After %q", readCapacity+1, r.Status, r.Body, r.Header.Get("Retry-After"))
	}
	if r := get("bob"); r.Status != 200 {
		t.Errorf("another principal is throttled too: %d", r.Status)
	}
	now = now.Add(time.Second)
	for i := range readRefill {
		if r := get("alice"); r.Status != 200 {
			t.Fatalf("read %d after 1s: %d", i, r.Status)
		}
	}
	if r := get("alice"); r.Status != 429 {
		t.Errorf("read %d after 1s: %d, want 429", readRefill+1, r.Status)
	}
	// Writes have their own bucket.
	if r := call(t, s, "alice", http.MethodPut, "/incidents/c0ffee00-0000-4000-8000-000000000003/comments/w", "", map[string]any{"properties": map[string]any{"message": "m"}}); r.Status != 201 {
		t.Errorf("write while reads are throttled: %d", r.Status)
	}
}

func TestDatasetLoading(t *testing.T) {
	ds := Demo() // must not panic, even while demodata holds only its README
	for _, rec := range ds.Incidents {
		if _, ok := intProp(rec.Incident.Properties, "incidentNumber"); !ok {
			t.Errorf("demo incident %s has no number", rec.Incident.Name)
		}
	}
	if _, err := New(Options{}); err != nil {
		t.Fatalf("New with the demo dataset: %v", err)
	}
	for name, content := range map[string]string{
		"not json":       "{",
		"no incident":    `{"alerts": []}`,
		"unknown field":  `{"incident": {"name": "a", "bogus": 1, "properties": {"incidentNumber": 1, "title": "t", "severity": "Low", "status": "New", "createdTimeUtc": "2026-01-01T00:00:00Z"}}}`,
		"no number":      `{"incident": {"name": "a", "properties": {"title": "t", "severity": "Low", "status": "New", "createdTimeUtc": "2026-01-01T00:00:00Z"}}}`,
		"nameless alert": `{"incident": {"name": "a", "properties": {"incidentNumber": 1, "title": "t", "severity": "Low", "status": "New", "createdTimeUtc": "2026-01-01T00:00:00Z"}}, "alerts": [{"id": "x"}]}`,
	} {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "001-x.json"), []byte(content), 0o600)
		if _, err := LoadDataset(os.DirFS(dir)); err == nil || !strings.Contains(err.Error(), "001-x.json") {
			t.Errorf("%s: error %v, want one naming the file", name, err)
		}
	}
	// Extra top-level keys (an evaluation file's "expected") are ignored.
	extra := t.TempDir()
	os.WriteFile(filepath.Join(extra, "001-x.json"), []byte(`{"incident": {"name": "a", "properties": {"incidentNumber": 1, "title": "t", "severity": "Low", "status": "New", "createdTimeUtc": "2026-01-01T00:00:00Z"}}, "expected": {"verdict": "dismiss"}}`), 0o600)
	if ds, err := LoadDataset(os.DirFS(extra)); err != nil || len(ds.Incidents) != 1 {
		t.Errorf("file with an extra top-level key: %v", err)
	}
	dir := t.TempDir()
	inc := `{"incident": {"name": "a", "properties": {"incidentNumber": 1, "title": "t", "severity": "Low", "status": "New", "createdTimeUtc": "2026-01-01T00:00:00Z"}}}`
	os.WriteFile(filepath.Join(dir, "001-a.json"), []byte(inc), 0o600)
	os.WriteFile(filepath.Join(dir, "002-a.json"), []byte(inc), 0o600)
	if _, err := LoadDataset(os.DirFS(dir)); err == nil {
		t.Error("duplicate incidents loaded without error")
	}
}

func TestSynthetic(t *testing.T) {
	a, b := Synthetic(50, 42), Synthetic(50, 42)
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Fatal("Synthetic is not deterministic for a seed")
	}
	if jc, _ := json.Marshal(Synthetic(50, 43)); string(jc) == string(ja) {
		t.Error("different seeds gave the same dataset")
	}
	names := map[string]bool{}
	values := map[string]bool{}
	for i, rec := range a.Incidents {
		if n, _ := intProp(rec.Incident.Properties, "incidentNumber"); n != int64(1001+i) {
			t.Errorf("incident %d has number %d", i, n)
		}
		if names[rec.Incident.Name] {
			t.Errorf("incident name %s reused", rec.Incident.Name)
		}
		names[rec.Incident.Name] = true
		created, _ := timeProp(rec.Incident.Properties, "createdTimeUtc")
		if created.After(DatasetAnchor) || created.Before(DatasetAnchor.Add(-31*24*time.Hour)) {
			t.Errorf("incident %d created %v, outside the 30 days before the anchor", i, created)
		}
		for _, e := range rec.Entities {
			if v, ok := e.Properties["address"].(string); ok {
				values[v] = true
			}
			if !strings.Contains(e.ID, e.Name) {
				t.Errorf("entity id %s does not end in its new name %s", e.ID, e.Name)
			}
		}
	}
	if len(values) < 10 {
		t.Errorf("only %d distinct IP addresses across 50 incidents", len(values))
	}
	if _, err := New(Options{Dataset: a, Now: anchorClock}); err != nil {
		t.Fatal(err)
	}
}

func TestCredential(t *testing.T) {
	tok, err := Credential{}.GetToken(t.Context(), policyOptions())
	if err != nil || tok.Token != DemoToken || tok.ExpiresOn.Before(time.Now().Add(24*time.Hour)) {
		t.Errorf("GetToken = %+v, %v", tok, err)
	}
	if tok, _ := (Credential{Token: "reader"}).GetToken(t.Context(), policyOptions()); tok.Token != "reader" {
		t.Errorf("token %q, want reader", tok.Token)
	}
}

func TestRealTokensAreNotEchoed(t *testing.T) {
	s := newFixtureServer(t, Options{})
	jwt := "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzZWNyZXQifQ.c2lnbmF0dXJlLXNlY3JldC12YWx1ZQ"
	r := call(t, s, jwt, http.MethodPut, "/incidents/c0ffee00-0000-4000-8000-000000000003/comments/x", "", map[string]any{"properties": map[string]any{"message": "m"}})
	if r.Status != 201 || strings.Contains(string(r.Body), "eyJ") {
		t.Errorf("reply %d %s echoes the token", r.Status, r.Body)
	}
}
