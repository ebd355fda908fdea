package console_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/analysis"
	"github.com/socpilot/socpilot/console"
	"github.com/socpilot/socpilot/emulator"
	"github.com/socpilot/socpilot/kql/gate"
	"github.com/socpilot/socpilot/offline"
	"github.com/socpilot/socpilot/sentinel"
	"github.com/socpilot/socpilot/writeback"
)

// demoOptions wires the console the way serve does, on a fresh in-memory
// demo workspace with the offline analyst.
func demoOptions(t testing.TB) (console.Options, *emulator.Server) {
	t.Helper()
	srv, err := emulator.New(emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ws := sentinel.Workspace{SubscriptionID: emulator.DemoSubscription, ResourceGroup: emulator.DemoResourceGroup, Name: emulator.DemoWorkspace}
	c, err := sentinel.New(ws, emulator.Credential{}, sentinel.Options{Transport: srv.HTTPClient()})
	if err != nil {
		t.Fatal(err)
	}
	g := gate.New(nil)
	an := &analysis.Analyzer{Facts: offline.New(offline.Options{HasTable: g.HasTable}), Queries: g}
	return console.Options{
		Workspace: "demo-workspace",
		Mode:      "offline analyst",
		List:      c.ListIncidents,
		Details:   c.Details,
		Analyze:   an.Analyze,
		WriteBack: func(ctx context.Context, d socpilot.IncidentDetails, a socpilot.Analysis) (console.WriteResult, error) {
			r, err := writeback.Write(ctx, c, d, a)
			var out console.WriteResult
			for _, act := range r.Actions {
				out.Items = append(out.Items, console.WriteItem{Kind: act.Kind, Title: act.Title, Result: string(act.Result), Note: act.Note})
			}
			out.Cut = r.Cut
			return out, err
		},
		LoopbackOnly: true,
	}, srv
}

func newServer(t *testing.T, o console.Options) *httptest.Server {
	t.Helper()
	hs := httptest.NewServer(console.New(o))
	t.Cleanup(hs.Close)
	return hs
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func jarClient(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar}
}

func TestQueueListsDemoIncidentsNewestFirst(t *testing.T) {
	o, _ := demoOptions(t)
	hs := newServer(t, o)
	resp, body := get(t, hs.Client(), hs.URL+"/")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	nums := regexp.MustCompile(`data-number="(\d+)"`).FindAllStringSubmatch(body, -1)
	if len(nums) < 16 {
		t.Fatalf("queue shows %d incidents, want the 16 of the demo", len(nums))
	}
	incs, err := o.List(context.Background(), socpilot.IncidentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	// Rows are ordered by creation time, newest first.
	created := map[string]time.Time{}
	for _, inc := range incs {
		created[strconv.Itoa(inc.Number)] = inc.CreatedTime
	}
	for i := 1; i < len(nums); i++ {
		if created[nums[i][1]].After(created[nums[i-1][1]]) {
			t.Errorf("incident %s (created %s) listed after %s (created %s)", nums[i][1], created[nums[i][1]], nums[i-1][1], created[nums[i-1][1]])
		}
	}
	for _, want := range []string{"Severity", "Status", "Owner", "not analysed", `href="/incidents/103"`} {
		if !strings.Contains(body, want) {
			t.Errorf("queue lacks %q", want)
		}
	}
}

func TestQueueFiltersAndPages(t *testing.T) {
	o, _ := demoOptions(t)
	o.PageSize = 5
	hs := newServer(t, o)
	all, err := o.List(context.Background(), socpilot.IncidentFilter{Severity: []string{"High"}})
	if err != nil {
		t.Fatal(err)
	}
	_, body := get(t, hs.Client(), hs.URL+"/?severity=High&page=1")
	rows := strings.Count(body, "data-number=")
	if want := min(5, len(all)); rows != want {
		t.Errorf("page 1 of High: %d rows, want %d", rows, want)
	}
	if strings.Count(body, `sev-high">High`) < rows {
		t.Errorf("a row that is not High on the High filter")
	}
	if len(all) > 5 && !strings.Contains(body, `rel="next" href="/?page=2&amp;severity=High"`) {
		t.Errorf("no link to page 2 keeping the filter:\n%s", body)
	}
	_, body = get(t, hs.Client(), hs.URL+"/?status=Closed")
	closed, _ := o.List(context.Background(), socpilot.IncidentFilter{Status: []string{"Closed"}})
	if got := strings.Count(body, "data-number="); got != len(closed) {
		t.Errorf("Closed filter shows %d rows, want %d", got, len(closed))
	}
	for _, bad := range []string{"/?status=Bogus", "/?severity=%3Cb%3E", "/?page=0", "/?page=x"} {
		if resp, _ := get(t, hs.Client(), hs.URL+bad); resp.StatusCode != 400 {
			t.Errorf("%s: status %d, want 400", bad, resp.StatusCode)
		}
	}
}

func TestIncident103ShowsEscalateAndChecklist(t *testing.T) {
	o, _ := demoOptions(t)
	hs := newServer(t, o)
	resp, body := get(t, hs.Client(), hs.URL+"/incidents/103")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	for _, want := range []string{"ESCALATE", `id="checklist"`, `id="timeline"`, `id="tactics"`, `id="queries"`,
		`class="copy"`, `class="qstatus qstatus-validated"`, `id="compromised"`, `class="action" data-verb="isolate-host"`,
		`action="/incidents/103/analyze"`, `action="/incidents/103/write"`, `name="csrf"`} {
		if !strings.Contains(body, want) {
			t.Errorf("incident 103 page lacks %q", want)
		}
	}
	if resp, _ := get(t, hs.Client(), hs.URL+"/incidents/99999"); resp.StatusCode != 404 {
		t.Errorf("missing incident: status %d, want 404", resp.StatusCode)
	}
	if resp, _ := get(t, hs.Client(), hs.URL+"/incidents/abc"); resp.StatusCode != 404 {
		t.Errorf("non-numeric incident: status %d, want 404", resp.StatusCode)
	}
}

// Incident 113's title and description carry <script> and <img onerror>:
// they must reach the page as text.
func TestIncident113MarkupIsEscaped(t *testing.T) {
	o, _ := demoOptions(t)
	hs := newServer(t, o)
	for _, path := range []string{"/", "/incidents/113"} {
		_, body := get(t, hs.Client(), hs.URL+path)
		if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img") {
			t.Errorf("%s: markup from the incident reached the page unescaped", path)
		}
		if !strings.Contains(body, "&lt;script&gt;alert(document.cookie)&lt;/script&gt;") {
			t.Errorf("%s: the title's <script> is not shown as escaped text", path)
		}
		// The only scripts are the console's own.
		if n := strings.Count(body, "<script"); n != 1 || !strings.Contains(body, `<script src="/static/console.js" defer></script>`) {
			t.Errorf("%s: %d script elements; want only /static/console.js", path, n)
		}
	}
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	o, _ := demoOptions(t)
	hs := newServer(t, o)
	for _, path := range []string{"/", "/incidents/103", "/incidents/99999", "/static/console.js", "/static/console.css", "/nope"} {
		resp, _ := get(t, hs.Client(), hs.URL+path)
		h := resp.Header
		for k, want := range map[string]string{
			"Content-Security-Policy": console.ContentSecurityPolicy,
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "same-origin",
			"X-Frame-Options":         "DENY",
		} {
			if got := h.Get(k); got != want {
				t.Errorf("%s: %s = %q, want %q", path, k, got, want)
			}
		}
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP lacks %s", path, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP allows inline code: %s", path, csp)
		}
	}
	resp, _ := get(t, hs.Client(), hs.URL+"/static/console.js")
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
		t.Errorf("console.js served as %q", ct)
	}
	// The pages hold no inline script, style attribute or event handler.
	for _, path := range []string{"/", "/incidents/103", "/incidents/113"} {
		_, body := get(t, hs.Client(), hs.URL+path)
		if regexp.MustCompile(`(?i)<script>|<style|\sstyle="|\son[a-z]+="`).MatchString(body) {
			t.Errorf("%s: inline script or style", path)
		}
	}
}

func TestCSRFCookieIsStrict(t *testing.T) {
	o, _ := demoOptions(t)
	hs := newServer(t, o)
	resp, _ := get(t, hs.Client(), hs.URL+"/incidents/103")
	var ck *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == console.CSRFCookie {
			ck = c
		}
	}
	if ck == nil {
		t.Fatal("no CSRF cookie set")
	}
	if ck.SameSite != http.SameSiteStrictMode || !ck.HttpOnly || len(ck.Value) < 32 {
		t.Errorf("CSRF cookie %+v: want SameSite=Strict, HttpOnly, 32+ characters", ck)
	}
}

// postForm posts to path with the client's cookies and the given token.
func postForm(t *testing.T, c *http.Client, u, token string, header map[string]string) (*http.Response, string) {
	t.Helper()
	form := url.Values{}
	if token != "" {
		form.Set(console.CSRFField, token)
	}
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func csrfOf(t *testing.T, c *http.Client, base string) string {
	t.Helper()
	_, body := get(t, c, base+"/incidents/103")
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no CSRF field on the incident page")
	}
	return m[1]
}

func TestPostWithoutValidCSRFTokenIs403AndWritesNothing(t *testing.T) {
	o, srv := demoOptions(t)
	hs := newServer(t, o)
	c := jarClient(t)
	tok := csrfOf(t, c, hs.URL)
	before := len(srv.Requests())
	for name, tc := range map[string]struct {
		client *http.Client
		token  string
		header map[string]string
	}{
		"no token, no cookie":   {hs.Client(), "", nil},
		"no token, cookie":      {c, "", nil},
		"token, no cookie":      {hs.Client(), tok, nil},
		"wrong token":           {c, strings.Repeat("A", len(tok)), nil},
		"cross-site Origin":     {c, tok, map[string]string{"Origin": "https://evil.example"}},
		"token on another host": {c, tok, map[string]string{"Origin": "http://localhost:1"}},
	} {
		for _, action := range []string{"write", "analyze"} {
			resp, body := postForm(t, tc.client, hs.URL+"/incidents/103/"+action, tc.token, tc.header)
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "security token") {
				t.Errorf("%s, %s: status %d, want 403 with the reason", name, action, resp.StatusCode)
			}
		}
	}
	for _, r := range srv.Requests()[before:] {
		if r.Method == http.MethodPut {
			t.Errorf("a refused post wrote %s", r.Path)
		}
	}
}

func TestReanalyseAndWriteBack(t *testing.T) {
	o, _ := demoOptions(t)
	hs := newServer(t, o)
	c := jarClient(t)
	tok := csrfOf(t, c, hs.URL)
	// Re-analyse redirects to the incident (post/redirect/get) and the
	// queue then shows the verdict and score.
	resp, body := postForm(t, c, hs.URL+"/incidents/103/analyze", tok, nil)
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/incidents/103" || !strings.Contains(body, "ESCALATE") {
		t.Fatalf("re-analyse: status %d at %s", resp.StatusCode, resp.Request.URL)
	}
	_, queue := get(t, c, hs.URL+"/")
	if !regexp.MustCompile(`(?s)data-number="103".*?verdict-escalate">ESCALATE</span> <span class="score">\d+`).MatchString(queue) {
		t.Error("the queue does not show 103's verdict and score after analysis")
	}
	// Write back twice: the first creates the comment and tasks, the second changes nothing.
	resp, body = postForm(t, c, hs.URL+"/incidents/103/write", tok, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `id="write-result"`) {
		t.Fatalf("write-back: status %d, no result shown", resp.StatusCode)
	}
	if !regexp.MustCompile(`[1-9]\d* created, 0 updated`).MatchString(body) {
		t.Errorf("first write-back: no creation reported")
	}
	_, body = postForm(t, c, hs.URL+"/incidents/103/write", tok, nil)
	if !regexp.MustCompile(`0 created, 0 updated, [1-9]\d* unchanged`).MatchString(body) {
		t.Errorf("second write-back changed something")
	}
	d, err := o.Details(context.Background(), 103)
	if err != nil {
		t.Fatal(err)
	}
	reports := 0
	for _, cm := range d.Comments {
		if socpilot.OwnComment(cm) {
			reports++
		}
	}
	if reports != 1 {
		t.Errorf("incident 103 has %d socpilot comments, want 1", reports)
	}
}

func TestGetNeverWrites(t *testing.T) {
	o, srv := demoOptions(t)
	hs := newServer(t, o)
	for _, path := range []string{"/", "/incidents/103", "/incidents/103/write", "/incidents/103/analyze"} {
		get(t, hs.Client(), hs.URL+path)
	}
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPut || r.Method == http.MethodPatch || r.Method == http.MethodDelete {
			t.Errorf("a GET led to %s %s", r.Method, r.Path)
		}
	}
	resp, _ := get(t, hs.Client(), hs.URL+"/incidents/103/write")
	if resp.StatusCode != http.StatusMethodNotAllowed && resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET of the write action: %d", resp.StatusCode)
	}
}

func TestForeignHostIsRefusedWithoutSignIn(t *testing.T) {
	o, _ := demoOptions(t)
	hs := newServer(t, o)
	req, _ := http.NewRequest(http.MethodGet, hs.URL+"/", nil)
	req.Host = "rebound.example:8080"
	resp, err := hs.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("Host rebound.example: status %d, want 421", resp.StatusCode)
	}
}

// The queue shows where the automation stands on each incident, and still
// shows the incidents when the jobs cannot be read.
func TestQueueShowsTheAutomationsJobs(t *testing.T) {
	o, _ := demoOptions(t)
	fail := false
	o.Automation = func(context.Context) (map[int]console.JobStatus, error) {
		if fail {
			return nil, errors.New("the job store is unreachable")
		}
		return map[int]console.JobStatus{
			103: {State: "retryable", Attempt: 2, LastError: "Sentinel answered 429 <b>too many</b>"},
			105: {State: "completed", Attempt: 1},
		}, nil
	}
	hs := newServer(t, o)
	_, body := get(t, hs.Client(), hs.URL+"/")
	row := func(n string) string {
		m := regexp.MustCompile(`(?s)<tr data-number="` + n + `">.*?</tr>`).FindString(body)
		if m == "" {
			t.Fatalf("no row for %s", n)
		}
		return m
	}
	if r := row("103"); !strings.Contains(r, "retryable (attempt 2)") || !strings.Contains(r, "429 &lt;b&gt;too many&lt;/b&gt;") {
		t.Errorf("103's row lacks its retrying job or shows its error as markup:\n%s", r)
	}
	if r := row("105"); !strings.Contains(r, ">completed<") {
		t.Errorf("105's row lacks its completed job:\n%s", r)
	}
	if r := row("101"); !strings.Contains(r, "no job") {
		t.Errorf("101's row should say it has no job:\n%s", r)
	}
	fail = true
	resp, body := get(t, hs.Client(), hs.URL+"/?status=New")
	if resp.StatusCode != 200 || !strings.Contains(body, "could not be read: the job store is unreachable") || !strings.Contains(body, `data-number="`) {
		t.Errorf("with the jobs unreadable: status %d, warning or incidents missing", resp.StatusCode)
	}
}
