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
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/socpilot/socpilot"
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
	// Store keeps conversations and the audit trail (for the chat panel;
	// unused so far). nil: no chat.
	Store socpilot.Store
	// LoopbackOnly refuses requests whose Host header is not a loopback
	// name: a console without sign-in must not be reachable through DNS
	// rebinding (a hostile page whose name resolves to 127.0.0.1).
	LoopbackOnly bool
	// PageSize is the number of incidents per queue page; 0 → 50.
	PageSize int
	// Now is the clock for ages; nil → time.Now.
	Now func() time.Time
	// Log logs failures; nil → discard.
	Log *slog.Logger
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
	o    Options
	tmpl map[string]*template.Template

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
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	c := &console{o: o, tmpl: parseTemplates(), analyses: map[int]socpilot.Analysis{}}
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /{$}", c.queue)
	mux.HandleFunc("GET /incidents/{n}", c.incident)
	mux.HandleFunc("POST /incidents/{n}/analyze", c.reanalyze)
	mux.HandleFunc("POST /incidents/{n}/write", c.write)
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
		if c.o.LoopbackOnly && !loopbackHost(r.Host) {
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

func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
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
	Title     string
	Workspace string
	Mode      string
	CSRF      string
	Data      any
}

func (c *console) render(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) {
	p := page{Title: title, Workspace: c.o.Workspace, Mode: c.o.Mode, CSRF: csrfToken(w, r), Data: data}
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
	incs, err := c.o.List(r.Context(), f)
	if err != nil {
		c.failErr(w, r, "list the incidents", err)
		return
	}
	// Newest first, whatever order the source kept.
	slices.SortStableFunc(incs, func(a, b socpilot.Incident) int {
		if c := b.CreatedTime.Compare(a.CreatedTime); c != 0 {
			return c
		}
		return b.Number - a.Number
	})
	d.Total = len(incs)
	d.Pages = max(1, (len(incs)+c.o.PageSize-1)/c.o.PageSize)
	if d.Page > d.Pages {
		d.Page = d.Pages
	}
	lo := (d.Page - 1) * c.o.PageSize
	hi := min(lo+c.o.PageSize, len(incs))
	now := c.o.Now()
	c.mu.Lock()
	for _, inc := range incs[lo:hi] {
		row := queueRow{Incident: inc, Age: age(now.Sub(inc.CreatedTime)), Owner: ownerName(inc.Owner)}
		if a, ok := c.analyses[inc.Number]; ok {
			row.Analysis = &a
		}
		d.Rows = append(d.Rows, row)
	}
	c.mu.Unlock()
	pageURL := func(n int) string {
		v := url.Values{}
		if d.Status != "" {
			v.Set("status", d.Status)
		}
		if d.Severity != "" {
			v.Set("severity", d.Severity)
		}
		v.Set("page", strconv.Itoa(n))
		return "/?" + v.Encode()
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
	Details   socpilot.IncidentDetails
	Analysis  socpilot.Analysis
	Age       string
	Owner     string
	CanWrite  bool
	Written   *WriteResult
	WriteErr  string
	Analysing string // set when the analysis shown is the offline one computed for this view
	Timeline  *timelineChart
	Graph     *entityGraph
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
	c.mu.Lock()
	a, ok := c.analyses[n]
	c.mu.Unlock()
	if !ok {
		if a, err = c.o.Analyze(r.Context(), d, true); err != nil {
			c.failErr(w, r, fmt.Sprintf("analyse incident %d", n), err)
			return
		}
	}
	data := incidentData{Details: d, Analysis: a, Age: age(c.o.Now().Sub(d.Incident.CreatedTime)),
		Owner: ownerName(d.Incident.Owner), CanWrite: c.o.WriteBack != nil, Written: written, WriteErr: writeErr}
	data.Timeline = newTimelineChart(d, a)
	data.Graph = newEntityGraph(d, a, c.relatedTitles(r.Context(), d, a))
	title := fmt.Sprintf("Incident %d", n)
	c.render(w, r, http.StatusOK, "incident", title, data)
}

// reanalyze runs the full analysis (the model when one is configured),
// keeps it for the queue and the incident page, and redirects there.
func (c *console) reanalyze(w http.ResponseWriter, r *http.Request) {
	n, ok := c.number(w, r)
	if !ok {
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
	c.keep(n, a)
	http.Redirect(w, r, fmt.Sprintf("/incidents/%d", n), http.StatusSeeOther)
}

func (c *console) keep(n int, a socpilot.Analysis) {
	c.mu.Lock()
	c.analyses[n] = a
	c.mu.Unlock()
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
	d, err := c.o.Details(r.Context(), n)
	if err != nil {
		c.failErr(w, r, fmt.Sprintf("read incident %d", n), err)
		return
	}
	c.mu.Lock()
	a, ok := c.analyses[n]
	c.mu.Unlock()
	if !ok {
		if a, err = c.o.Analyze(r.Context(), d, true); err != nil {
			c.failErr(w, r, fmt.Sprintf("analyse incident %d", n), err)
			return
		}
		c.keep(n, a)
	}
	res, err := c.o.WriteBack(r.Context(), d, a)
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
