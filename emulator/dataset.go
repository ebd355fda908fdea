package emulator

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// Dataset is the incidents a Server is seeded with.
type Dataset struct {
	Incidents []*Record
}

// Record is one incident and everything that hangs off it, in the format of
// a dataset file (see demodata/README.md): every resource exactly as the
// REST API returns it.
type Record struct {
	Incident  *Resource   `json:"incident"`
	Alerts    []*Resource `json:"alerts"`
	Entities  []*Resource `json:"entities"`
	Bookmarks []*Resource `json:"bookmarks"`
	Relations []*Resource `json:"relations"`
	Comments  []*Resource `json:"comments"`
	Tasks     []*Resource `json:"tasks"`
}

// Resource is an ARM resource as the service returns it. Properties stay
// free JSON (numbers as json.Number) so that every property of an alert or
// entity survives unchanged.
type Resource struct {
	ID         string         `json:"id"`
	Name       string         `json:"name"`
	Type       string         `json:"type"`
	Kind       string         `json:"kind,omitempty"`
	Etag       string         `json:"etag,omitempty"`
	Properties map[string]any `json:"properties"`
}

//go:embed demodata
var demoFS embed.FS

var demo = sync.OnceValues(func() (*Dataset, error) {
	sub, err := fs.Sub(demoFS, "demodata")
	if err != nil {
		return nil, err
	}
	return LoadDataset(sub)
})

// Demo returns the embedded demo dataset (emulator/demodata/*.json). The
// result is shared: do not modify it. A malformed embedded file is a build
// defect caught by the package tests, so Demo panics on it.
func Demo() *Dataset {
	ds, err := demo()
	if err != nil {
		panic(fmt.Sprintf("emulator: embedded demo dataset: %v", err))
	}
	return ds
}

// LoadDataset reads every *.json file at the top of fsys, in name order, as
// one Record each, and checks that incident names and numbers are unique.
func LoadDataset(fsys fs.FS) (*Dataset, error) {
	names, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	ds := &Dataset{}
	byName := map[string]string{}
	byNumber := map[int64]string{}
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		rec, err := decodeRecord(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		key := strings.ToLower(rec.Incident.Name)
		if other, ok := byName[key]; ok {
			return nil, fmt.Errorf("%s: incident name %s already used by %s", name, rec.Incident.Name, other)
		}
		byName[key] = name
		n, _ := intProp(rec.Incident.Properties, "incidentNumber")
		if other, ok := byNumber[n]; ok {
			return nil, fmt.Errorf("%s: incident number %d already used by %s", name, n, other)
		}
		byNumber[n] = name
		ds.Incidents = append(ds.Incidents, rec)
	}
	return ds, nil
}

var recordKeys = map[string]bool{"incident": true, "alerts": true, "entities": true, "bookmarks": true, "relations": true, "comments": true, "tasks": true}

func decodeRecord(b []byte) (*Record, error) {
	// Top-level keys beyond the record's (an evaluation file's "expected",
	// say) are ignored; inside the record every field must be known.
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	for k := range top {
		if !recordKeys[k] {
			delete(top, k)
		}
	}
	b, err := json.Marshal(top)
	if err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	var rec Record
	if err := dec.Decode(&rec); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	inc := rec.Incident
	if inc == nil || inc.Name == "" || inc.Properties == nil {
		return nil, fmt.Errorf("no incident with a name and properties")
	}
	if n, ok := intProp(inc.Properties, "incidentNumber"); !ok || n <= 0 {
		return nil, fmt.Errorf("incident %s has no positive properties.incidentNumber", inc.Name)
	}
	for _, key := range []string{"title", "severity", "status", "createdTimeUtc"} {
		if _, ok := inc.Properties[key].(string); !ok {
			return nil, fmt.Errorf("incident %s has no string properties.%s", inc.Name, key)
		}
	}
	for _, list := range [][]*Resource{rec.Alerts, rec.Entities, rec.Bookmarks, rec.Relations, rec.Comments, rec.Tasks} {
		for _, r := range list {
			if r == nil || r.Name == "" {
				return nil, fmt.Errorf("incident %s: a resource has no name", inc.Name)
			}
		}
	}
	return &rec, nil
}

// seedState builds a fresh state from ds for the workspace and clock of opts:
// ids are rewritten to the served workspace, timestamps and the dates
// written in free text shifted by SeedShift, derived fields recomputed.
func seedState(ds *Dataset, opts Options) *state {
	shift := SeedShift(opts.Now())
	st := &state{Version: stateVersion, Subscription: opts.Subscription, ResourceGroup: opts.ResourceGroup, Workspace: opts.Workspace}
	rw := newRewriter(DemoSubscription, DemoResourceGroup, DemoWorkspace, opts.Subscription, opts.ResourceGroup, opts.Workspace)
	for _, src := range ds.Incidents {
		rec := cloneRecord(src)
		rec.walk(func(v any) any {
			if s, ok := v.(string); ok {
				s = rw.replace(s)
				if shift != 0 {
					if t, ok := shiftTimestamp(s, shift); ok {
						return t
					}
					return shiftTextDates(s, shift)
				}
				return s
			}
			return v
		}, rw)
		normalize(rec)
		st.Incidents = append(st.Incidents, rec)
	}
	st.index()
	return st
}

// week is the unit of the seeding shift.
const week = 7 * 24 * time.Hour

// SeedShift is how far seeding at now moves a dataset's timestamps: the
// largest whole number of weeks not after now - DatasetAnchor. Whole weeks
// keep every time of day and weekday, so what the files say in free text
// ("between 07:02 and 07:41 UTC", "the Tuesday 01:00-05:00 UTC window")
// stays true of the shifted data on any day, and nothing anchored before
// DatasetAnchor lands in the future.
func SeedShift(now time.Time) time.Duration {
	d := now.Sub(DatasetAnchor)
	n := d / week
	if d%week < 0 {
		n-- // round towards the past, not towards zero
	}
	return n * week
}

// textDateRE finds a calendar date written in free text: 2026-01-06, also
// the date part of a timestamp inside a KQL query or a sentence.
var textDateRE = regexp.MustCompile(`(?:19|20|21)[0-9]{2}-[01][0-9]-[0-3][0-9]`)

// shiftTextDates moves the dates written inside s by shift, a whole number
// of days, so that "recovery point 2026-01-06 22:00 UTC" or a bookmark's
// datetime(2026-01-05T07:00:00Z) keeps pointing at the same moment of the
// shifted incident. Times of day need no change. A date that is part of a
// longer token (a GUID, a version, a number) is left alone.
func shiftTextDates(s string, shift time.Duration) string {
	if len(s) < 10 || !strings.ContainsRune(s, '-') {
		return s
	}
	days := int(shift / (24 * time.Hour))
	var b strings.Builder
	last := 0
	for _, m := range textDateRE.FindAllStringIndex(s, -1) {
		if m[0] > 0 && isTokenByte(s[m[0]-1]) || m[1] < len(s) && (isDigit(s[m[1]]) || s[m[1]] == '-') {
			continue
		}
		d, err := time.Parse(time.DateOnly, s[m[0]:m[1]])
		if err != nil {
			continue
		}
		b.WriteString(s[last:m[0]])
		b.WriteString(d.AddDate(0, 0, days).Format(time.DateOnly))
		last = m[1]
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isTokenByte(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '-' || c == '_' || c == '.'
}

// walk replaces every string in rec (ids, names and property values) by
// fn's result; rw, when set, also rewrites the workspace-naming properties
// subscriptionId and resourceGroup of resource identifiers.
func (rec *Record) walk(fn func(any) any, rw *rewriter) {
	each := func(r *Resource) {
		if r == nil {
			return
		}
		r.ID = fn(r.ID).(string)
		r.Name = fn(r.Name).(string)
		r.Type = fn(r.Type).(string)
		r.Properties = walkValue(r.Properties, "", fn, rw).(map[string]any)
	}
	each(rec.Incident)
	for _, list := range [][]*Resource{rec.Alerts, rec.Entities, rec.Bookmarks, rec.Relations, rec.Comments, rec.Tasks} {
		for _, r := range list {
			each(r)
		}
	}
}

func walkValue(v any, key string, fn func(any) any, rw *rewriter) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = walkValue(e, k, fn, rw)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = walkValue(e, key, fn, rw)
		}
		return x
	case string:
		if rw != nil {
			switch key {
			case "subscriptionId":
				if strings.EqualFold(x, rw.fromSub) {
					return rw.toSub
				}
			case "resourceGroup":
				if strings.EqualFold(x, rw.fromRG) {
					return rw.toRG
				}
			}
		}
		return fn(x)
	}
	return v
}

// rewriter moves ARM ids from one workspace to another, matching
// case-insensitively as ARM does.
type rewriter struct {
	from, to                     string
	fromSub, fromRG, toSub, toRG string
	identity                     bool
}

func newRewriter(fromSub, fromRG, fromWS, toSub, toRG, toWS string) *rewriter {
	from := workspacePrefix(fromSub, fromRG, fromWS)
	to := workspacePrefix(toSub, toRG, toWS)
	return &rewriter{from: from, to: to, fromSub: fromSub, fromRG: fromRG, toSub: toSub, toRG: toRG,
		identity: strings.EqualFold(from, to)}
}

func (rw *rewriter) replace(s string) string {
	if rw.identity {
		return s
	}
	return replaceFold(s, rw.from, rw.to)
}

// replaceFold replaces every case-insensitive occurrence of old in s. When
// lower-casing changes s's length in bytes (some non-ASCII letters), offsets
// in the lower-cased copy do not fit s, so only exact occurrences are
// replaced.
func replaceFold(s, old, new string) string {
	if len(s) < len(old) {
		return s
	}
	if strings.Contains(s, old) {
		s = strings.ReplaceAll(s, old, new)
	}
	lower, lold := strings.ToLower(s), strings.ToLower(old)
	if len(lower) != len(s) || !strings.Contains(lower, lold) {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(lower, lold)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString(new)
		s, lower = s[i+len(old):], lower[i+len(old):]
	}
}

func workspacePrefix(sub, rg, ws string) string {
	return "/subscriptions/" + sub + "/resourceGroups/" + rg + "/providers/Microsoft.OperationalInsights/workspaces/" + ws
}

// shiftTimestamp moves an RFC 3339 timestamp by d, keeping its layout
// (fraction digits, Z or numeric offset) so the data keeps the service's
// formats. Strings that are not whole timestamps are left alone.
func shiftTimestamp(s string, d time.Duration) (string, bool) {
	if len(s) < 20 || len(s) > 40 || s[4] != '-' || s[10] != 'T' {
		return "", false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return "", false
	}
	layout := "2006-01-02T15:04:05"
	if i := strings.IndexByte(s, '.'); i > 0 {
		n := 0
		for _, c := range s[i+1:] {
			if c < '0' || c > '9' {
				break
			}
			n++
		}
		layout += "." + strings.Repeat("0", n)
	}
	if strings.HasSuffix(s, "Z") {
		layout += "Z07:00"
	} else {
		layout += "-07:00"
	}
	return t.Add(d).Format(layout), true
}

// normalize fills what the service always returns and recomputes derived
// fields: empty lists instead of null, additionalData counters from the
// lists, and relations to every alert and bookmark as the service lists them.
func normalize(rec *Record) {
	for _, l := range []*[]*Resource{&rec.Alerts, &rec.Entities, &rec.Bookmarks, &rec.Relations, &rec.Comments, &rec.Tasks} {
		if *l == nil {
			*l = []*Resource{}
		}
	}
	inc := rec.Incident
	if inc.Type == "" {
		inc.Type = typeIncidents
	}
	for _, key := range []string{"labels", "relatedAnalyticRuleIds"} {
		if _, ok := inc.Properties[key].([]any); !ok {
			inc.Properties[key] = []any{}
		}
	}
	related := map[string]bool{}
	for _, r := range rec.Relations {
		if id, ok := r.Properties["relatedResourceId"].(string); ok {
			related[strings.ToLower(id)] = true
		}
	}
	addRelation := func(target *Resource, typ, kind string) {
		if related[strings.ToLower(target.ID)] {
			return
		}
		name := deriveID(inc.Name, "relation", target.ID)
		props := map[string]any{
			"relatedResourceId":   target.ID,
			"relatedResourceName": target.Name,
			"relatedResourceType": typ,
		}
		if kind != "" {
			props["relatedResourceKind"] = kind
		}
		rec.Relations = append(rec.Relations, &Resource{
			ID: inc.ID + "/relations/" + name, Name: name, Type: typeRelations,
			Etag: deriveID(name, "etag", "0"), Properties: props,
		})
	}
	for _, a := range rec.Alerts {
		addRelation(a, "Microsoft.SecurityInsights/entities", "SecurityAlert")
	}
	for _, b := range rec.Bookmarks {
		addRelation(b, "Microsoft.SecurityInsights/bookmarks", "")
	}
	updateCounts(rec)
}

// updateCounts keeps additionalData consistent with the lists, as the
// service does.
func updateCounts(rec *Record) {
	ad, ok := rec.Incident.Properties["additionalData"].(map[string]any)
	if !ok {
		ad = map[string]any{}
		rec.Incident.Properties["additionalData"] = ad
	}
	ad["alertsCount"] = json.Number(fmt.Sprint(len(rec.Alerts)))
	ad["bookmarksCount"] = json.Number(fmt.Sprint(len(rec.Bookmarks)))
	ad["commentsCount"] = json.Number(fmt.Sprint(len(rec.Comments)))
	if _, ok := ad["alertProductNames"].([]any); !ok {
		names := []any{}
		seen := map[string]bool{}
		for _, a := range rec.Alerts {
			if p, ok := a.Properties["productName"].(string); ok && !seen[p] {
				seen[p] = true
				names = append(names, p)
			}
		}
		ad["alertProductNames"] = names
	}
	if _, ok := ad["tactics"].([]any); !ok {
		ad["tactics"] = []any{}
	}
}

func cloneRecord(r *Record) *Record {
	c := &Record{Incident: cloneResource(r.Incident)}
	cl := func(l []*Resource) []*Resource {
		if l == nil {
			return nil
		}
		out := make([]*Resource, len(l))
		for i, x := range l {
			out[i] = cloneResource(x)
		}
		return out
	}
	c.Alerts, c.Entities, c.Bookmarks = cl(r.Alerts), cl(r.Entities), cl(r.Bookmarks)
	c.Relations, c.Comments, c.Tasks = cl(r.Relations), cl(r.Comments), cl(r.Tasks)
	return c
}

func cloneResource(r *Resource) *Resource {
	if r == nil {
		return nil
	}
	c := *r
	if r.Properties != nil {
		c.Properties = cloneValue(r.Properties).(map[string]any)
	}
	return &c
}

func cloneValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = cloneValue(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = cloneValue(e)
		}
		return l
	}
	return v
}

// intProp reads an integer property decoded as json.Number or float64.
func intProp(m map[string]any, key string) (int64, bool) { return intValue(m[key]) }

func intValue(v any) (int64, bool) {
	switch x := v.(type) {
	case json.Number:
		n, err := x.Int64()
		return n, err == nil
	case float64:
		return int64(x), x == float64(int64(x))
	case int:
		return int64(x), true
	case int64:
		return x, true
	}
	return 0, false
}

// timeProp reads an RFC 3339 timestamp property.
func timeProp(m map[string]any, key string) (time.Time, bool) { return timeValue(m[key]) }

func timeValue(v any) (time.Time, bool) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

func stringProp(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}
