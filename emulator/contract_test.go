package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// corpusDir finds shared/corpora/sentinel-api by walking up from the
// package directory, skipping the test when it is absent.
func corpusDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for {
		c := filepath.Join(dir, "shared", "corpora", "sentinel-api")
		if st, err := os.Stat(c); err == nil && st.IsDir() {
			return c
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("Sentinel API corpus (shared/corpora/sentinel-api) not found above the package directory; skipping the contract test")
		}
		dir = parent
	}
}

// corpusBody reads responses[status].body of an example file.
func corpusBody(t *testing.T, dir, file, status string) any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatalf("read corpus example: %v", err)
	}
	var ex struct {
		Responses map[string]struct{ Body any }
	}
	if err := json.Unmarshal(b, &ex); err != nil {
		t.Fatalf("decode %s: %v", file, err)
	}
	return ex.Responses[status].Body
}

// specNames collects every property name the swagger files define, with
// the JSON types they may have.
func specNames(t *testing.T, dir string) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if p, ok := x["properties"].(map[string]any); ok {
				for k := range p {
					names[k] = true
				}
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	for _, f := range []string{"stable/2025-09-01/Incidents.json", "stable/2025-09-01/common/IncidentTypes.json",
		"stable/2025-09-01/common/EntityTypes.json", "stable/2025-09-01/common/AlertTypes.json", "common/2.0/types.json"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatalf("read spec: %v", err)
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("decode %s: %v", f, err)
		}
		walk(v)
	}
	return names
}

func jsonType(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// mergeShapes unions the keys of example objects, so one shape stands for
// several examples of the same resource.
func mergeShapes(vs ...any) any {
	var out any
	for _, v := range vs {
		out = merge2(out, v)
	}
	return out
}

func merge2(a, b any) any {
	ma, oka := a.(map[string]any)
	mb, okb := b.(map[string]any)
	if oka && okb {
		m := map[string]any{}
		for k, v := range ma {
			m[k] = v
		}
		for k, v := range mb {
			m[k] = merge2(m[k], v)
		}
		return m
	}
	la, oka := a.([]any)
	lb, okb := b.([]any)
	if oka && okb {
		var first any
		for _, v := range append(append([]any{}, la...), lb...) {
			first = merge2(first, v)
		}
		if first == nil {
			return []any{}
		}
		return []any{first}
	}
	if a == nil {
		return b
	}
	return a
}

type shapeCheck struct {
	known    map[string]bool // property names the spec defines
	optional map[string]bool // keys an example has that a resource may omit
	bags     map[string]bool // free-form property bags: keys not checked
	strict   int             // check for missing keys down to this depth
	errs     []string
}

// compare checks got against the example want: same JSON type where both
// have a value, every key of got known to the example or the spec, and
// (down to depth strict) every key of want present in got.
func (c *shapeCheck) compare(path string, depth int, got, want any) {
	if got == nil || want == nil {
		return
	}
	if gt, wt := jsonType(got), jsonType(want); gt != wt {
		c.errs = append(c.errs, fmt.Sprintf("%s: %s, the service sends %s", path, gt, wt))
		return
	}
	switch g := got.(type) {
	case map[string]any:
		w := want.(map[string]any)
		if depth <= c.strict {
			for k := range w {
				if _, ok := g[k]; !ok && !c.optional[k] {
					c.errs = append(c.errs, fmt.Sprintf("%s: missing %q", path, k))
				}
			}
		}
		keys := make([]string, 0, len(g))
		for k := range g {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := path + "." + k
			if c.bags[k] {
				// A free-form bag: only its own type is the service's contract.
				if wv, ok := w[k]; ok && g[k] != nil && wv != nil && jsonType(g[k]) != jsonType(wv) {
					c.errs = append(c.errs, fmt.Sprintf("%s: %s, the service sends %s", p, jsonType(g[k]), jsonType(wv)))
				}
				continue
			}
			wv, ok := w[k]
			if !ok {
				if !c.known[k] {
					c.errs = append(c.errs, fmt.Sprintf("%s: property unknown to the service", p))
				}
				continue
			}
			c.compare(p, depth+1, g[k], wv)
		}
	case []any:
		w := want.([]any)
		if len(w) == 0 {
			return
		}
		for i, e := range g {
			c.compare(fmt.Sprintf("%s[%d]", path, i), depth, e, w[0])
		}
	}
}

func TestContractMatchesCorpus(t *testing.T) {
	dir := corpusDir(t)
	known := specNames(t, dir)
	// The service returns additionalData.techniques on incidents although the
	// 2025-09-01 swagger leaves it out (preview versions define it).
	known["techniques"] = true
	ex := "stable/2025-09-01/examples/incidents/"
	pre := "preview/2025-07-01-preview/examples/entities/"
	list := func(b any) []any { return b.(map[string]any)["value"].([]any) }

	incident := mergeShapes(corpusBody(t, dir, ex+"GetIncidentById.json", "200"), list(corpusBody(t, dir, ex+"GetIncidents.json", "200"))[0])
	alert := mergeShapes(append(list(corpusBody(t, dir, ex+"GetAllIncidentAlerts.json", "200")), corpusBody(t, dir, pre+"GetSecurityAlertEntityById.json", "200"))...)
	entitiesResp := corpusBody(t, dir, ex+"GetAllIncidentEntities.json", "200").(map[string]any)
	entityByKind := map[string]any{}
	for _, e := range append(entitiesResp["entities"].([]any), list(corpusBody(t, dir, pre+"GetEntities.json", "200"))...) {
		k := e.(map[string]any)["kind"].(string)
		entityByKind[k] = mergeShapes(entityByKind[k], e)
	}
	bookmark := mergeShapes(list(corpusBody(t, dir, ex+"GetAllIncidentBookmarks.json", "200"))...)
	relation := mergeShapes(list(corpusBody(t, dir, ex+"relations/GetAllIncidentRelations.json", "200"))...)
	comment := mergeShapes(list(corpusBody(t, dir, ex+"comments/GetAllIncidentComments.json", "200"))[0], corpusBody(t, dir, ex+"comments/CreateIncidentComment.json", "201"))
	task := mergeShapes(list(corpusBody(t, dir, ex+"tasks/IncidentTasks_List.json", "200"))...)

	check := func(t *testing.T, s *Server, strict bool) {
		// Write a comment and a task so their replies are checked too.
		inc0 := call(t, s, DemoToken, http.MethodGet, "/incidents", "api-version=2025-09-01&$top=1000", nil).json(t)
		for _, v := range inc0["value"].([]any) {
			inc := v.(map[string]any)
			name := inc["name"].(string)
			p := "/incidents/" + name
			call(t, s, DemoToken, http.MethodPut, p+"/comments/contract", "", map[string]any{"properties": map[string]any{"message": "m"}})
			call(t, s, DemoToken, http.MethodPut, p+"/tasks/contract", "", map[string]any{"properties": map[string]any{"title": "t", "description": "d", "status": "New"}})
		}
		inc1 := call(t, s, DemoToken, http.MethodGet, "/incidents", "api-version=2025-09-01&$top=1000", nil).json(t)
		type item struct {
			what      string
			got, want any
			c         shapeCheck
		}
		strictDepth := -1
		if strict {
			strictDepth = 2
		}
		base := func(optional ...string) shapeCheck {
			c := shapeCheck{known: known, strict: strictDepth, optional: map[string]bool{"nextLink": true}}
			for _, o := range optional {
				c.optional[o] = true
			}
			return c
		}
		var items []item
		for _, v := range inc1["value"].([]any) {
			inc := v.(map[string]any)
			name := inc["name"].(string)
			p := "/incidents/" + name
			items = append(items, item{name + " incident", inc, incident, base("classification", "classificationComment", "classificationReason")})
			items = append(items, item{name + " get incident", call(t, s, DemoToken, http.MethodGet, p, "", nil).json(t), incident, base("classification", "classificationComment", "classificationReason")})
			ents := call(t, s, DemoToken, http.MethodPost, p+"/entities", "", nil).json(t)
			items = append(items, item{name + " entities reply", ents, entitiesResp, shapeCheck{known: known, strict: 0, bags: map[string]bool{"entities": true}}})
			for _, e := range ents["entities"].([]any) {
				em := e.(map[string]any)
				want, ok := entityByKind[em["kind"].(string)]
				if !ok {
					// No example of this kind: check the envelope, and the
					// property names against the spec.
					want = map[string]any{"id": "", "name": "", "type": "", "kind": "", "properties": map[string]any{}}
				}
				items = append(items, item{name + " entity " + em["kind"].(string), em, want, shapeCheck{known: known, strict: 0, bags: map[string]bool{"additionalData": true}}})
			}
			for _, a := range call(t, s, DemoToken, http.MethodPost, p+"/alerts", "", nil).json(t)["value"].([]any) {
				items = append(items, item{name + " alert", a, alert, shapeCheck{known: known, strict: 0, bags: map[string]bool{"additionalData": true}}})
			}
			for _, b := range call(t, s, DemoToken, http.MethodPost, p+"/bookmarks", "", nil).json(t)["value"].([]any) {
				items = append(items, item{name + " bookmark", b, bookmark, shapeCheck{known: known, strict: 0, bags: map[string]bool{"additionalData": true}}})
			}
			rels := call(t, s, DemoToken, http.MethodGet, p+"/relations", "", nil).json(t)
			items = append(items, item{name + " relations", rels, map[string]any{"value": []any{relation}}, base("relatedResourceKind")})
			items = append(items, item{name + " comments", call(t, s, DemoToken, http.MethodGet, p+"/comments", "", nil).json(t), map[string]any{"value": []any{comment}}, base()})
			items = append(items, item{name + " tasks", call(t, s, DemoToken, http.MethodGet, p+"/tasks", "", nil).json(t), map[string]any{"value": []any{task}}, base("description")})
		}
		if len(items) == 0 {
			t.Skip("no incidents to check")
		}
		for _, it := range items {
			it.c.compare(it.what, 0, it.got, it.want)
			for _, e := range it.c.errs {
				t.Error(e)
			}
		}
	}
	t.Run("fixture", func(t *testing.T) {
		check(t, newFixtureServer(t, Options{}), true)
	})
	t.Run("demo", func(t *testing.T) {
		// The demo dataset is checked for types and known names; its
		// incidents may leave optional properties out.
		check(t, newFixtureServer(t, Options{Dataset: Demo()}), false)
	})
	t.Run("synthetic", func(t *testing.T) {
		check(t, newFixtureServer(t, Options{Dataset: Synthetic(5, 1)}), false)
	})
}
