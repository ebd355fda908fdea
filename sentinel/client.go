// Package sentinel is socpilot's client for Microsoft Sentinel incidents
// (Microsoft.SecurityInsights), built on the official Azure SDK for Go.
// SDK types stay inside this package: callers see socpilot domain types.
package sentinel

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/securityinsights/armsecurityinsights/v2"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/internal/azendpoint"
)

// DefaultAPIVersion is the newest stable Microsoft.SecurityInsights api-version.
// The SDK module is generated for a preview version; we pin a stable one
// through the client options. Incident tasks exist in stable versions since
// 2024-03-01.
const DefaultAPIVersion = "2025-09-01"

// Workspace names a Sentinel-enabled Log Analytics workspace.
type Workspace struct {
	SubscriptionID string
	ResourceGroup  string
	Name           string
}

func (w Workspace) String() string { return w.Name }

// Options configure a Client.
type Options struct {
	Cloud      cloud.Configuration // zero: AzurePublic
	Endpoint   string              // ARM endpoint override, e.g. http://127.0.0.1:8080 for `socpilot emulator`
	APIVersion string              // "" → DefaultAPIVersion
	Transport  policy.Transporter  // nil → default HTTP client; the demo hands requests to the emulator in process
	Retry      policy.RetryOptions // zero → 4 retries honouring Retry-After
}

var armEndpoint = azendpoint.Service{Name: cloud.ResourceManager, Label: "ARM endpoint",
	Audience: "https://management.core.windows.net/", Example: "http://127.0.0.1:8080"}

// Client reads and writes Sentinel incidents of one workspace.
type Client struct {
	ws        Workspace
	incidents *armsecurityinsights.IncidentsClient
	comments  *armsecurityinsights.IncidentCommentsClient
	tasks     *armsecurityinsights.IncidentTasksClient
	relations *armsecurityinsights.IncidentRelationsClient
	arm       *arm.Client // generic ARM calls the Sentinel SDK lacks (permissions)

	watchlists     *armsecurityinsights.WatchlistsClient
	watchlistItems *armsecurityinsights.WatchlistItemsClient
}

// New returns a client for ws using cred (normally azidentity's DefaultAzureCredential).
func New(ws Workspace, cred azcore.TokenCredential, opts Options) (*Client, error) {
	if ws.SubscriptionID == "" || ws.ResourceGroup == "" || ws.Name == "" {
		return nil, socpilot.Errorf(socpilot.EConfig, "workspace needs a subscription id, resource group and workspace name (got %q, %q, %q)", ws.SubscriptionID, ws.ResourceGroup, ws.Name)
	}
	cfg, endpoint, err := armEndpoint.Cloud(opts.Cloud, opts.Endpoint)
	if err != nil {
		return nil, err
	}
	co := arm.ClientOptions{DisableRPRegistration: true}
	co.Cloud = cfg
	// A local emulator speaks plain HTTP, which Cloud allows to loopback only.
	co.InsecureAllowCredentialWithHTTP = endpoint != nil && endpoint.Scheme == "http"
	co.APIVersion = opts.APIVersion
	if co.APIVersion == "" {
		co.APIVersion = DefaultAPIVersion
	}
	co.Transport = opts.Transport
	co.Retry = opts.Retry
	if co.Retry.MaxRetries == 0 {
		co.Retry.MaxRetries = 4
	}
	if co.Retry.TryTimeout == 0 {
		co.Retry.TryTimeout = 30 * time.Second
	}
	c := &Client{ws: ws}
	if c.incidents, err = armsecurityinsights.NewIncidentsClient(ws.SubscriptionID, cred, &co); err != nil {
		return nil, fmt.Errorf("create incidents client: %w", err)
	}
	if c.comments, err = armsecurityinsights.NewIncidentCommentsClient(ws.SubscriptionID, cred, &co); err != nil {
		return nil, fmt.Errorf("create comments client: %w", err)
	}
	if c.tasks, err = armsecurityinsights.NewIncidentTasksClient(ws.SubscriptionID, cred, &co); err != nil {
		return nil, fmt.Errorf("create tasks client: %w", err)
	}
	if c.relations, err = armsecurityinsights.NewIncidentRelationsClient(ws.SubscriptionID, cred, &co); err != nil {
		return nil, fmt.Errorf("create relations client: %w", err)
	}
	if c.watchlists, err = armsecurityinsights.NewWatchlistsClient(ws.SubscriptionID, cred, &co); err != nil {
		return nil, fmt.Errorf("create watchlists client: %w", err)
	}
	if c.watchlistItems, err = armsecurityinsights.NewWatchlistItemsClient(ws.SubscriptionID, cred, &co); err != nil {
		return nil, fmt.Errorf("create watchlist items client: %w", err)
	}
	authz := co
	authz.APIVersion = "" // the permissions API has its own version
	if c.arm, err = arm.NewClient("socpilot/sentinel", "v0.1.0", cred, &authz); err != nil {
		return nil, fmt.Errorf("create ARM client: %w", err)
	}
	return c, nil
}

// Workspace is the workspace this client talks to.
func (c *Client) Workspace() Workspace { return c.ws }

// ListIncidents lists incidents matching f, following every nextLink until
// f.Top incidents are read (all when Top is 0).
func (c *Client) ListIncidents(ctx context.Context, f socpilot.IncidentFilter) ([]socpilot.Incident, error) {
	opts := &armsecurityinsights.IncidentsClientListOptions{}
	if filter := ODataFilter(f); filter != "" {
		opts.Filter = &filter
	}
	order := f.OrderBy
	if order == "" {
		order = "properties/createdTimeUtc desc"
	}
	opts.Orderby = &order
	if f.Top > 0 {
		top := int32(min(f.Top, socpilot.MaxIncidentsTop))
		opts.Top = &top
	}
	var out []socpilot.Incident
	pager := c.incidents.NewListPager(c.ws.ResourceGroup, c.ws.Name, opts)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, c.wrap(err, "list incidents", false)
		}
		for _, inc := range page.Value {
			out = append(out, convertIncident(inc))
			if f.Top > 0 && len(out) >= f.Top {
				return out, nil
			}
		}
	}
	return out, nil
}

// ODataFilter renders f as the $filter Sentinel accepts on incidents.
func ODataFilter(f socpilot.IncidentFilter) string {
	var parts []string
	anyOf := func(field string, values []string) {
		var or []string
		for _, v := range values {
			or = append(or, fmt.Sprintf("%s eq '%s'", field, strings.ReplaceAll(v, "'", "''")))
		}
		switch len(or) {
		case 0:
		case 1:
			parts = append(parts, or[0])
		default:
			parts = append(parts, "("+strings.Join(or, " or ")+")")
		}
	}
	anyOf("properties/status", f.Status)
	anyOf("properties/severity", f.Severity)
	if !f.Since.IsZero() {
		parts = append(parts, "properties/createdTimeUtc ge "+f.Since.UTC().Format(time.RFC3339))
	}
	if !f.ModifiedSince.IsZero() {
		parts = append(parts, "properties/lastModifiedTimeUtc ge "+f.ModifiedSince.UTC().Format(time.RFC3339Nano))
	}
	return strings.Join(parts, " and ")
}

// IncidentByNumber finds an incident by its number with a server-side
// $filter: a workspace can hold many thousands of incidents, so never list them all.
func (c *Client) IncidentByNumber(ctx context.Context, number int) (socpilot.Incident, error) {
	filter := fmt.Sprintf("properties/incidentNumber eq %d", number)
	top := int32(1)
	pager := c.incidents.NewListPager(c.ws.ResourceGroup, c.ws.Name, &armsecurityinsights.IncidentsClientListOptions{Filter: &filter, Top: &top})
	page, err := pager.NextPage(ctx)
	if err != nil {
		return socpilot.Incident{}, c.wrap(err, fmt.Sprintf("find incident %d", number), false)
	}
	for _, inc := range page.Value {
		if inc != nil && inc.Properties != nil && inc.Properties.IncidentNumber != nil && int(*inc.Properties.IncidentNumber) == number {
			return convertIncident(inc), nil
		}
	}
	// On a workspace onboarded to the Defender portal the number may be the
	// unified incident's id, which Sentinel keeps as providerIncidentId.
	if inc, ok := c.byDefenderID(ctx, number); ok {
		return inc, nil
	}
	return socpilot.Incident{}, &socpilot.Error{Code: socpilot.ENotFound,
		Message: fmt.Sprintf("incident %d not found in workspace %s (neither as its number nor as a Defender incident id)", number, c.ws.Name)}
}

// byDefenderID finds the incident whose providerIncidentId is id. A service
// that refuses the filter simply finds nothing: the caller says not found.
func (c *Client) byDefenderID(ctx context.Context, id int) (socpilot.Incident, bool) {
	filter := fmt.Sprintf("properties/providerIncidentId eq '%d'", id)
	top := int32(1)
	pager := c.incidents.NewListPager(c.ws.ResourceGroup, c.ws.Name, &armsecurityinsights.IncidentsClientListOptions{Filter: &filter, Top: &top})
	page, err := pager.NextPage(ctx)
	if err != nil {
		return socpilot.Incident{}, false
	}
	want := strconv.Itoa(id)
	for _, inc := range page.Value {
		if inc != nil && inc.Properties != nil && str(inc.Properties.ProviderIncidentID) == want {
			return convertIncident(inc), true
		}
	}
	return socpilot.Incident{}, false
}

// Incident gets an incident by its name (GUID).
func (c *Client) Incident(ctx context.Context, name string) (socpilot.Incident, error) {
	resp, err := c.incidents.Get(ctx, c.ws.ResourceGroup, c.ws.Name, name, nil)
	if err != nil {
		return socpilot.Incident{}, c.wrap(err, "get incident "+name, false)
	}
	return convertIncident(&resp.Incident), nil
}

// Details loads an incident with its alerts, entities, bookmarks, relations,
// comments and tasks. After the lookup by number, the reads run
// concurrently; reads the incident's counters show to be empty are skipped.
func (c *Client) Details(ctx context.Context, number int) (socpilot.IncidentDetails, error) {
	inc, err := c.IncidentByNumber(ctx, number)
	if err != nil {
		return socpilot.IncidentDetails{}, err
	}
	return c.DetailsOf(ctx, inc)
}

// DetailsOf loads what hangs off an incident already read.
func (c *Client) DetailsOf(ctx context.Context, inc socpilot.Incident) (socpilot.IncidentDetails, error) {
	d := socpilot.IncidentDetails{Incident: inc}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	run := func(fn func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(); err != nil {
				mu.Lock()
				if first == nil {
					first = err
					cancel()
				}
				mu.Unlock()
			}
		}()
	}
	run(func() (err error) { d.Alerts, err = c.Alerts(ctx, inc); return })
	run(func() (err error) { d.Entities, err = c.Entities(ctx, inc); return })
	run(func() (err error) { d.Tasks, err = c.Tasks(ctx, inc); return })
	if inc.CommentsCount > 0 {
		run(func() (err error) { d.Comments, err = c.Comments(ctx, inc); return })
	}
	if inc.BookmarksCount > 0 {
		run(func() (err error) { d.Bookmarks, err = c.Bookmarks(ctx, inc); return })
		run(func() (err error) { d.Relations, err = c.Relations(ctx, inc); return })
	}
	wg.Wait()
	if first != nil {
		return socpilot.IncidentDetails{}, first
	}
	if d.Comments == nil {
		d.Comments = []socpilot.Comment{}
	}
	if d.Bookmarks == nil {
		d.Bookmarks = []socpilot.Bookmark{}
	}
	if d.Relations == nil {
		d.Relations = []socpilot.Relation{}
	}
	return d, nil
}

// Alerts lists the alerts of an incident (a POST, as the service defines it).
// The raw reply is decoded so that every property, including additionalData,
// is kept.
func (c *Client) Alerts(ctx context.Context, inc socpilot.Incident) ([]socpilot.Alert, error) {
	return readRaw(ctx, c, fmt.Sprintf("alerts of incident %d", inc.Number), func(ctx context.Context) error {
		_, err := c.incidents.ListAlerts(ctx, c.ws.ResourceGroup, c.ws.Name, inc.Name, nil)
		return err
	}, DecodeAlerts)
}

// Entities lists the entities of an incident. The SDK's polymorphic entity
// types drop properties they do not know, so the raw reply is decoded to keep
// every property losslessly.
func (c *Client) Entities(ctx context.Context, inc socpilot.Incident) ([]socpilot.Entity, error) {
	return readRaw(ctx, c, fmt.Sprintf("entities of incident %d", inc.Number), func(ctx context.Context) error {
		_, err := c.incidents.ListEntities(ctx, c.ws.ResourceGroup, c.ws.Name, inc.Name, nil)
		return err
	}, DecodeEntities)
}

// readRaw makes the SDK call and decodes the body of its reply with decode
// instead of the SDK's types. what names the list in errors.
func readRaw[T any](ctx context.Context, c *Client, what string, call func(context.Context) error, decode func([]byte) ([]T, error)) ([]T, error) {
	var raw *httpResponse
	if err := call(policy.WithCaptureResponse(ctx, &raw)); err != nil {
		return nil, c.wrap(err, "list "+what, false)
	}
	body, err := runtime.Payload(raw)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	out, err := decode(body)
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", what, err)
	}
	return out, nil
}

// Bookmarks lists the hunting bookmarks of an incident.
func (c *Client) Bookmarks(ctx context.Context, inc socpilot.Incident) ([]socpilot.Bookmark, error) {
	resp, err := c.incidents.ListBookmarks(ctx, c.ws.ResourceGroup, c.ws.Name, inc.Name, nil)
	if err != nil {
		return nil, c.wrap(err, fmt.Sprintf("list bookmarks of incident %d", inc.Number), false)
	}
	out := []socpilot.Bookmark{}
	for _, b := range resp.Value {
		out = append(out, convertBookmark(b))
	}
	return out, nil
}

// Relations lists the relations of an incident, following nextLink.
func (c *Client) Relations(ctx context.Context, inc socpilot.Incident) ([]socpilot.Relation, error) {
	return readPages(ctx, c, fmt.Sprintf("list relations of incident %d", inc.Number),
		c.relations.NewListPager(c.ws.ResourceGroup, c.ws.Name, inc.Name, nil),
		func(p armsecurityinsights.IncidentRelationsClientListResponse) []*armsecurityinsights.Relation {
			return p.Value
		},
		convertRelation)
}

// Comments lists the comments of an incident, following nextLink.
func (c *Client) Comments(ctx context.Context, inc socpilot.Incident) ([]socpilot.Comment, error) {
	return readPages(ctx, c, fmt.Sprintf("list comments of incident %d", inc.Number),
		c.comments.NewListPager(c.ws.ResourceGroup, c.ws.Name, inc.Name, nil),
		func(p armsecurityinsights.IncidentCommentsClientListResponse) []*armsecurityinsights.IncidentComment {
			return p.Value
		},
		convertComment)
}

// Tasks lists the tasks of an incident, following nextLink.
func (c *Client) Tasks(ctx context.Context, inc socpilot.Incident) ([]socpilot.Task, error) {
	return readPages(ctx, c, fmt.Sprintf("list tasks of incident %d", inc.Number),
		c.tasks.NewListPager(c.ws.ResourceGroup, c.ws.Name, inc.Name, nil),
		func(p armsecurityinsights.IncidentTasksClientListResponse) []*armsecurityinsights.IncidentTask {
			return p.Value
		},
		convertTask)
}

// readPages follows every nextLink of pager and converts each item of each
// page; op names the read in errors. The result is never nil.
func readPages[P, S, T any](ctx context.Context, c *Client, op string, pager *runtime.Pager[P], items func(P) []S, convert func(S) T) ([]T, error) {
	out := []T{}
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, c.wrap(err, op, false)
		}
		for _, it := range items(page) {
			out = append(out, convert(it))
		}
	}
	return out, nil
}

// PutComment creates or updates the comment cm.Name of an incident. A
// caller that derives the name from what the comment is makes re-runs
// update in place.
func (c *Client) PutComment(ctx context.Context, inc socpilot.Incident, cm socpilot.Comment) (socpilot.Comment, error) {
	if cm.Name == "" {
		return socpilot.Comment{}, socpilot.Errorf(socpilot.EInvalid, "comment for incident %d has no id", inc.Number)
	}
	if n := len([]rune(cm.Message)); n > socpilot.MaxCommentChars {
		return socpilot.Comment{}, socpilot.Errorf(socpilot.EInvalid, "comment for incident %d is %d characters; Sentinel accepts at most %d", inc.Number, n, socpilot.MaxCommentChars)
	}
	body := armsecurityinsights.IncidentComment{Properties: &armsecurityinsights.IncidentCommentProperties{Message: &cm.Message}}
	if cm.ETag != "" {
		// The service answers 409 when the comment changed since it was read.
		body.Etag = &cm.ETag
	}
	resp, err := c.comments.CreateOrUpdate(ctx, c.ws.ResourceGroup, c.ws.Name, inc.Name, cm.Name, body, nil)
	if err != nil {
		return socpilot.Comment{}, c.wrap(err, fmt.Sprintf("write comment %s on incident %d", cm.Name, inc.Number), true)
	}
	return convertComment(&resp.IncidentComment), nil
}

// PutTask creates or updates the task t.Name of an incident.
func (c *Client) PutTask(ctx context.Context, inc socpilot.Incident, t socpilot.Task) (socpilot.Task, error) {
	if t.Name == "" {
		return socpilot.Task{}, socpilot.Errorf(socpilot.EInvalid, "task for incident %d has no id", inc.Number)
	}
	status := armsecurityinsights.IncidentTaskStatusNew
	if t.Status != "" {
		status = armsecurityinsights.IncidentTaskStatus(t.Status)
	}
	props := &armsecurityinsights.IncidentTaskProperties{Title: &t.Title, Status: &status}
	if t.Description != "" {
		props.Description = &t.Description
	}
	body := armsecurityinsights.IncidentTask{Properties: props}
	if t.ETag != "" {
		body.Etag = &t.ETag
	}
	resp, err := c.tasks.CreateOrUpdate(ctx, c.ws.ResourceGroup, c.ws.Name, inc.Name, t.Name, body, nil)
	if err != nil {
		return socpilot.Task{}, c.wrap(err, fmt.Sprintf("write task %s on incident %d", t.Name, inc.Number), true)
	}
	return convertTask(&resp.IncidentTask), nil
}

// Take moves a New incident to status and assigns an unassigned one to
// owner (an Entra object id, or else a user principal name); "" leaves
// either alone. It never reopens, demotes or reassigns: an analyst's
// choice stands. It writes with the etag it read and, when someone changed
// the incident in between, reads it again. changed says whether it wrote.
func (c *Client) Take(ctx context.Context, name, status, owner string) (changed bool, err error) {
	for attempt := 0; ; attempt++ {
		resp, err := c.incidents.Get(ctx, c.ws.ResourceGroup, c.ws.Name, name, nil)
		if err != nil {
			return false, c.wrap(err, "get incident "+name, false)
		}
		inc := resp.Incident
		p := inc.Properties
		if p == nil {
			return false, socpilot.Errorf(socpilot.EInternal, "incident %s has no properties", name)
		}
		changed = false
		if status != "" && p.Status != nil && *p.Status == armsecurityinsights.IncidentStatusNew && !strings.EqualFold(status, "New") {
			st := armsecurityinsights.IncidentStatus(status)
			p.Status, changed = &st, true
		}
		if owner != "" && (p.Owner == nil || str(p.Owner.ObjectID) == "" && str(p.Owner.UserPrincipalName) == "" && str(p.Owner.Email) == "") {
			o := &armsecurityinsights.IncidentOwnerInfo{}
			if isGUID(owner) {
				o.ObjectID = &owner
			} else {
				o.UserPrincipalName = &owner
			}
			p.Owner, changed = o, true
		}
		if !changed {
			return false, nil
		}
		// Computed properties go back as read; the service ignores them.
		_, err = c.incidents.CreateOrUpdate(ctx, c.ws.ResourceGroup, c.ws.Name, name, armsecurityinsights.Incident{Etag: inc.Etag, Properties: &armsecurityinsights.IncidentProperties{
			Title: p.Title, Severity: p.Severity, Status: p.Status, Description: p.Description, Owner: p.Owner, Labels: p.Labels,
			Classification: p.Classification, ClassificationReason: p.ClassificationReason, ClassificationComment: p.ClassificationComment,
			FirstActivityTimeUTC: p.FirstActivityTimeUTC, LastActivityTimeUTC: p.LastActivityTimeUTC}}, nil)
		if err == nil {
			return true, nil
		}
		err = c.wrap(err, "update incident "+name, true)
		if socpilot.ErrorCode(err) != socpilot.EConflict || attempt == 2 {
			return false, err
		}
	}
}

func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if r != '-' {
				return false
			}
		case !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F'):
			return false
		}
	}
	return true
}

// Name is how reports and listings name where incidents come from.
func (c *Client) Name() string { return c.ws.Name }
