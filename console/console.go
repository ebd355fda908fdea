// Package console is socpilot's web console: the incident queue and the
// analysis of one incident, server-rendered with html/template, with a
// re-analyse button and write-back (comment and tasks) on each incident.
//
// Everything from an incident or a model is untrusted text: html/template
// escapes it in its context, and no value reaches the page as
// template.HTML. Pages carry a strict Content-Security-Policy (scripts and
// styles only from /static/, none inline), every POST carries a CSRF token
// (double submit: a SameSite=Strict cookie and a hidden field that must
// match), and GET never changes anything.
//
// The console depends on the root package only: what it reads and does
// comes in Options as small functions, which `socpilot serve` wires to the
// workspace, the analysis pipeline and write-back.
package console

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/internal/loopback"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Options are what the console reads and does. List, Details and Analyze
// are required; WriteBack nil hides write-back.
type Options struct {
	// Workspace names what the console shows (the workspace or tenant).
	Workspace string
	// Mode says who analyses: "offline analyst" or "model NAME".
	Mode string
	// List lists incidents, newest first.
	List func(ctx context.Context, f socpilot.IncidentFilter) ([]socpilot.Incident, error)
	// Details reads an incident with its alerts, entities, comments and tasks.
	Details func(ctx context.Context, number int) (socpilot.IncidentDetails, error)
	// Analyze analyses an incident; offline forces the offline analyst,
	// which has no side effect and costs nothing (what a GET may run).
	Analyze func(ctx context.Context, d socpilot.IncidentDetails, offline bool) (socpilot.Analysis, error)
	// WriteBack writes the analysis into the incident as a comment and
	// tasks, idempotently; nil: the console does not offer write-back.
	WriteBack func(ctx context.Context, d socpilot.IncidentDetails, a socpilot.Analysis) (WriteResult, error)
	// Chat answers a message of an incident's chat panel, streaming the
	// answer to onDelta; nil: no chat panel.
	Chat func(ctx context.Context, req ChatRequest, onDelta func(string)) (ChatReply, error)
	// Conversation reads a conversation, to show it and to rate its answers.
	Conversation func(ctx context.Context, id string) (socpilot.Conversation, error)
	// Rate keeps an analyst's rating of an answer with the audit trail;
	// nil: answers cannot be rated.
	Rate func(ctx context.Context, r socpilot.Rating) error
	// Latest is the latest analysis kept for an incident (by the service's
	// jobs, the CLI or this console), so verdicts survive restarts and
	// show on every replica; brief asks only for the verdict, score and
	// source (what the queue shows); nil: only this process's analyses show.
	Latest func(ctx context.Context, inc socpilot.Incident, brief bool) (socpilot.Analysis, bool)
	// Remember keeps an analysis made here as the incident's latest.
	Remember func(ctx context.Context, a socpilot.Analysis)
	// Automation is the automation's latest job per incident number (for
	// the queue); nil: the queue shows no automation status.
	Automation func(ctx context.Context) (map[int]JobStatus, error)
	// User names the signed-in user, for the audit trail; nil: nobody.
	User func(r *http.Request) string
	// LoopbackOnly refuses requests whose Host header is not a loopback
	// name: a console without sign-in must not be reachable through DNS
	// rebinding (a hostile page whose name resolves to 127.0.0.1).
	LoopbackOnly bool
	// Access says who a request comes from and whether they may write
	// back and re-analyse; nil: nobody is named and everyone may (the
	// demo workspace on loopback).
	Access func(*http.Request) Access
	// Base is the path the console is served under, ending in "/" (serve
	// mounts one console per workspace under /w/NAME/ when it serves
	// several); "" → "/". Requests reach the console with it stripped.
	Base string
	// Workspaces are the consoles of the other workspaces serve serves,
	// linked from every page's header; empty for one workspace.
	Workspaces []WorkspaceLink
	// PageSize is the number of incidents per queue page; 0 → 50.
	PageSize int
	// ListFresh is how long a listed queue is shown without listing
	// again (older lists are shown while a refresh runs, up to 30 times
	// as long); 0 → 10 s, negative: list on every view.
	ListFresh time.Duration
	// Now is the clock for ages; nil → time.Now.
	Now func() time.Time
	// Log logs failures; nil → discard.
	Log *slog.Logger
}

// WorkspaceLink names a workspace's console and where it is served.
type WorkspaceLink struct {
	Name string
	Base string
}

// JobStatus is where the automation stands on an incident: its latest job.
type JobStatus struct {
	State     string // available, running, retryable, scheduled, completed, discarded, cancelled
	Attempt   int
	LastError string
	At        time.Time
}

// Access is what the signed-in user may do.
type Access struct {
	// User names the signed-in user in the page header; "" for none.
	User string
	// CanWrite allows write-back and re-analysis; without it the buttons
	// are hidden and their posts refused.
	CanWrite bool
	// SignOut is where the header's sign-out button posts; "" for none.
	SignOut string
}

func (c *console) access(r *http.Request) Access {
	if c.o.Access == nil {
		return Access{CanWrite: true}
	}
	return c.o.Access(r)
}

// refuseReadOnly answers 403 to a state-changing request of a user who
// may only read, and says so.
func (c *console) refuseReadOnly(w http.ResponseWriter, r *http.Request) bool {
	if c.access(r).CanWrite {
		return false
	}
	c.fail(w, r, http.StatusForbidden, "Your role lets you read only: re-analysis and write-back need the write role. Ask an administrator for it.")
	return true
}

// WriteResult is what a write-back did.
type WriteResult struct {
	Items []WriteItem
	// Cut names what the comment left out to fit Sentinel's limit.
	Cut string
}

// WriteItem is one comment or task written (or left as it was).
type WriteItem struct {
	Kind   string // comment, task
	Title  string
	Result string // created, updated, unchanged, skipped
	Note   string
}

// Count is how many items had result r.
func (w WriteResult) Count(r string) int {
	n := 0
	for _, it := range w.Items {
		if it.Result == r {
			n++
		}
	}
	return n
}

// CSRF names: the cookie and the form field that must carry the same token.
const (
	CSRFCookie = "socpilot_csrf"
	CSRFField  = "csrf"
)

// ContentSecurityPolicy is sent with every response: nothing inline, nothing
// from elsewhere, no framing.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

type console struct {
	o     Options
	tmpl  map[string]*template.Template
	lists *listCache

	mu       sync.Mutex
	analyses map[int]socpilot.Analysis // the latest analysis per incident number
}

// New returns the console's handler. It panics if a required function is
// missing, as that is a wiring mistake.
func New(o Options) http.Handler {
	if o.List == nil || o.Details == nil || o.Analyze == nil {
		panic("console.New: List, Details and Analyze are required")
	}
	if o.PageSize <= 0 {
		o.PageSize = 50
	}
	if o.Base == "" {
		o.Base = "/"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.ListFresh == 0 {
		o.ListFresh = 10 * time.Second
	}
	c := &console{o: o, tmpl: parseTemplates(), analyses: map[int]socpilot.Analysis{}}
	c.lists = newListCache(o.List, o.ListFresh, o.Now)
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /{$}", c.queue)
	mux.HandleFunc("GET /incidents/{n}", c.incident)
	mux.HandleFunc("POST /incidents/{n}/analyze", c.reanalyze)
	mux.HandleFunc("POST /incidents/{n}/write", c.write)
	mux.HandleFunc("POST /incidents/{n}/chat", c.chat)
	mux.HandleFunc("POST /chat/{conv}/rate", c.rate)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		c.fail(w, r, http.StatusNotFound, "There is no such page.")
	})
	return c.guard(mux)
}

// guard sets the security headers on every response, refuses foreign Host
// names when the console has no sign-in, and refuses any POST whose CSRF
// token is missing or wrong.
func (c *console) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		// same-origin, not no-referrer: under no-referrer Chromium sends
		// "Origin: null" with the console's own form posts, which the
		// CSRF check must refuse. Other sites still get no referrer.
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if c.o.LoopbackOnly && !loopback.HostPort(r.Host) {
			http.Error(w, "this console answers on 127.0.0.1 or localhost only", http.StatusMisdirectedRequest)
			return
		}
		switch r.Method {
		case http.MethodGet, http.MethodHead:
		case http.MethodPost:
			if !c.validCSRF(r) {
				c.fail(w, r, http.StatusForbidden, "The form was refused: its security token is missing or stale. Reload the page and try again.")
				return
			}
		default:
			h.Set("Allow", "GET, HEAD, POST")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// validCSRF checks the double-submit token, and the Origin header when the
// browser sends one: a cross-site form post fails both ways.
func (c *console) validCSRF(r *http.Request) bool {
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return false
		}
	}
	ck, err := r.Cookie(CSRFCookie)
	if err != nil || len(ck.Value) < 32 {
		return false
	}
	got := r.PostFormValue(CSRFField)
	return subtle.ConstantTimeCompare([]byte(ck.Value), []byte(got)) == 1
}

// csrfToken returns the request's token, setting a fresh cookie when it has none.
func csrfToken(w http.ResponseWriter, r *http.Request) string {
	if ck, err := r.Cookie(CSRFCookie); err == nil && len(ck.Value) >= 32 && len(ck.Value) <= 64 {
		return ck.Value
	}
	b := make([]byte, 32)
	rand.Read(b)
	tok := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{Name: CSRFCookie, Value: tok, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	return tok
}

// page is what every template gets.
type page struct {
	Base       string
	Workspaces []WorkspaceLink
	Title      string
	Workspace  string
	Mode       string
	CSRF       string
	Access     Access
	Data       any
}

func (c *console) render(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) {
	p := page{Base: c.o.Base, Workspaces: c.o.Workspaces, Title: title, Workspace: c.o.Workspace, Mode: c.o.Mode, CSRF: csrfToken(w, r), Access: c.access(r), Data: data}
	var b strings.Builder
	if err := c.tmpl[name].ExecuteTemplate(&b, "layout", p); err != nil {
		c.o.Log.Error("console: render", "page", name, "err", err)
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write([]byte(b.String()))
}

func (c *console) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	c.render(w, r, status, "error", http.StatusText(status), struct {
		Status  int
		Message string
	}{status, msg})
}

// failErr reports err: a missing incident as 404, anything else as 502
// with the error's one-line message (it names no secret).
func (c *console) failErr(w http.ResponseWriter, r *http.Request, what string, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	status := http.StatusBadGateway
	if socpilot.ErrorCode(err) == socpilot.ENotFound {
		status = http.StatusNotFound
	}
	c.o.Log.Warn("console: "+what, "err", err)
	c.fail(w, r, status, fmt.Sprintf("Could not %s: %s", what, oneLine(err.Error())))
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 400 {
		s = s[:400] + "…"
	}
	return s
}

// Queue filters and paging.
var (
	statuses = []string{"New", "Active", "Closed"}
)

type queueRow struct {
	Incident socpilot.Incident
	Age      string
	Owner    string
	Analysis *socpilot.Analysis
	Job      *JobStatus
}

type queueData struct {
	Rows       []queueRow
	Statuses   []string
	Severities []string
	Status     string
	Severity   string
	Page       int
	Pages      int
	Total      int
	PrevURL    string
	NextURL    string
	Automation bool   // whether the automation's status is shown
	JobsErr    string // why it is missing
	Listed     time.Time
	ListedAgo  string // set when the list shown is not from this very second
}

func (c *console) queue(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := queueData{Statuses: statuses, Severities: socpilot.Severities, Page: 1}
	var f socpilot.IncidentFilter
	if s := q.Get("status"); s != "" {
		if !slices.Contains(statuses, s) {
			c.fail(w, r, http.StatusBadRequest, "Unknown status: choose New, Active or Closed.")
			return
		}
		d.Status, f.Status = s, []string{s}
	}
	if s := q.Get("severity"); s != "" {
		if !slices.Contains(socpilot.Severities, s) {
			c.fail(w, r, http.StatusBadRequest, "Unknown severity: choose High, Medium, Low or Informational.")
			return
		}
		d.Severity, f.Severity = s, []string{s}
	}
	if s := q.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			c.fail(w, r, http.StatusBadRequest, "The page number must be a positive whole number.")
			return
		}
		d.Page = n
	}
	incs, listed, err := c.lists.get(r.Context(), f)
	if err != nil {
		c.failErr(w, r, "list the incidents", err)
		return
	}
	d.Listed = listed
	if c.o.Now().Sub(listed) >= time.Second {
		d.ListedAgo = age(c.o.Now().Sub(listed))
	}
	d.Total = len(incs)
	d.Pages = max(1, (len(incs)+c.o.PageSize-1)/c.o.PageSize)
	if d.Page > d.Pages {
		d.Page = d.Pages
	}
	lo := (d.Page - 1) * c.o.PageSize
	hi := min(lo+c.o.PageSize, len(incs))
	now := c.o.Now()
	var jobs map[int]JobStatus
	if c.o.Automation != nil {
		if jobs, err = c.o.Automation(r.Context()); err != nil {
			// The queue is still worth showing without the jobs' states.
			c.o.Log.Warn("console: automation status", "err", err)
			d.JobsErr = oneLine(err.Error())
		}
	}
	d.Automation = c.o.Automation != nil
	for _, inc := range incs[lo:hi] {
		row := queueRow{Incident: inc, Age: age(now.Sub(inc.CreatedTime)), Owner: ownerName(inc.Owner)}
		if a, ok := c.latest(r.Context(), inc, true); ok {
			row.Analysis = &a
		}
		if j, ok := jobs[inc.Number]; ok {
			row.Job = &j
		}
		d.Rows = append(d.Rows, row)
	}
	pageURL := func(n int) string {
		v := url.Values{}
		if d.Status != "" {
			v.Set("status", d.Status)
		}
		if d.Severity != "" {
			v.Set("severity", d.Severity)
		}
		v.Set("page", strconv.Itoa(n))
		return c.o.Base + "?" + v.Encode()
	}
	if d.Page > 1 {
		d.PrevURL = pageURL(d.Page - 1)
	}
	if d.Page < d.Pages {
		d.NextURL = pageURL(d.Page + 1)
	}
	c.render(w, r, http.StatusOK, "queue", "Incidents", d)
}

type incidentData struct {
	Details    socpilot.IncidentDetails
	Analysis   socpilot.Analysis
	Age        string
	Owner      string
	CanWrite   bool
	CanAnalyse bool
	Written    *WriteResult
	WriteErr   string
	Analysing  string // set when the analysis shown is the offline one computed for this view
	Chat       *chatView
	Timeline   *timelineChart
	Graph      *entityGraph
}

func (c *console) number(w http.ResponseWriter, r *http.Request) (int, bool) {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 {
		c.fail(w, r, http.StatusNotFound, "Incidents are numbered 1, 2, 3, …: there is no such incident.")
		return 0, false
	}
	return n, true
}

// incident shows the latest analysis of the incident, or the offline
// analyst's, computed now (it has no side effect) and not kept.
func (c *console) incident(w http.ResponseWriter, r *http.Request) {
	n, ok := c.number(w, r)
	if !ok {
		return
	}
	c.showIncident(w, r, n, nil, "")
}

func (c *console) showIncident(w http.ResponseWriter, r *http.Request, n int, written *WriteResult, writeErr string) {
	d, err := c.o.Details(r.Context(), n)
	if err != nil {
		c.failErr(w, r, fmt.Sprintf("read incident %d", n), err)
		return
	}
	a, ok := c.latest(r.Context(), d.Incident, false)
	if !ok {
		if a, err = c.o.Analyze(r.Context(), d, true); err != nil {
			c.failErr(w, r, fmt.Sprintf("analyse incident %d", n), err)
			return
		}
	}
	data := incidentData{Details: d, Analysis: a, Age: age(c.o.Now().Sub(d.Incident.CreatedTime)),
		Owner: ownerName(d.Incident.Owner), CanWrite: c.o.WriteBack != nil && c.access(r).CanWrite, CanAnalyse: c.access(r).CanWrite,
		Written: written, WriteErr: writeErr, Chat: c.chatPanel(r)}
	data.Timeline = newTimelineChart(d, a)
	data.Graph = newEntityGraph(d, a, c.relatedTitles(r.Context(), d, a))
	if data.Graph != nil {
		for i := range data.Graph.Related {
			if h := data.Graph.Related[i].Href; strings.HasPrefix(h, "/") {
				data.Graph.Related[i].Href = c.o.Base + h[1:]
			}
		}
	}
	title := fmt.Sprintf("Incident %d", n)
	c.render(w, r, http.StatusOK, "incident", title, data)
}

// reanalyze runs the full analysis (the model when one is configured),
// keeps it for the queue and the incident page, and redirects there.
func (c *console) reanalyze(w http.ResponseWriter, r *http.Request) {
	n, ok := c.number(w, r)
	if !ok || c.refuseReadOnly(w, r) {
		return
	}
	d, err := c.o.Details(r.Context(), n)
	if err != nil {
		c.failErr(w, r, fmt.Sprintf("read incident %d", n), err)
		return
	}
	a, err := c.o.Analyze(r.Context(), d, false)
	if err != nil {
		c.failErr(w, r, fmt.Sprintf("analyse incident %d", n), err)
		return
	}
	c.keep(r.Context(), n, a)
	http.Redirect(w, r, c.o.Base+fmt.Sprintf("incidents/%d", n), http.StatusSeeOther)
}

// keep makes a the incident's latest analysis, here and in the store.
func (c *console) keep(ctx context.Context, n int, a socpilot.Analysis) {
	c.mu.Lock()
	c.analyses[n] = a
	c.mu.Unlock()
	if c.o.Remember != nil {
		c.o.Remember(ctx, a)
	}
}

// latest is the incident's latest analysis: the store's when it keeps one
// (a job or another replica may have analysed it since), else this
// process's.
func (c *console) latest(ctx context.Context, inc socpilot.Incident, brief bool) (socpilot.Analysis, bool) {
	if c.o.Latest != nil {
		if a, ok := c.o.Latest(ctx, inc, brief); ok {
			return a, true
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.analyses[inc.Number]
	return a, ok
}

// write writes the latest analysis (the offline one when the incident was
// not analysed here) back into the incident and shows what it did.
// Write-back is idempotent, so a second click updates nothing.
func (c *console) write(w http.ResponseWriter, r *http.Request) {
	n, ok := c.number(w, r)
	if !ok {
		return
	}
	if c.o.WriteBack == nil {
		c.fail(w, r, http.StatusForbidden, "Write-back is not enabled on this console.")
		return
	}
	if c.refuseReadOnly(w, r) {
		return
	}
	d, err := c.o.Details(r.Context(), n)
	if err != nil {
		c.failErr(w, r, fmt.Sprintf("read incident %d", n), err)
		return
	}
	a, ok := c.latest(r.Context(), d.Incident, false)
	if !ok {
		if a, err = c.o.Analyze(r.Context(), d, true); err != nil {
			c.failErr(w, r, fmt.Sprintf("analyse incident %d", n), err)
			return
		}
		c.keep(r.Context(), n, a)
	}
	res, err := c.o.WriteBack(r.Context(), d, a)
	c.lists.forget()
	werr := ""
	if err != nil {
		c.o.Log.Warn("console: write back", "incident", n, "err", err)
		werr = oneLine(err.Error())
	}
	c.showIncident(w, r, n, &res, werr)
}

func ownerName(o socpilot.Owner) string {
	for _, s := range []string{o.AssignedTo, o.UserPrincipalName, o.Email} {
		if s != "" {
			return s
		}
	}
	return ""
}

// age is a duration as the queue shows it: 5m, 3h, 2d.
func age(d time.Duration) string {
	switch {
	case d < 0:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	default:
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	}
}
