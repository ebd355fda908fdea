// Package socpilot holds the domain types of socpilot, an AI copilot for
// Microsoft Sentinel incidents, and the small interfaces the other packages
// meet. It imports no other package of this module.
package socpilot

import (
	"context"
	"encoding/json"
	"html"
	"strings"
	"time"
)

// Incident severities as Sentinel names them, most severe first.
const (
	SeverityHigh          = "High"
	SeverityMedium        = "Medium"
	SeverityLow           = "Low"
	SeverityInformational = "Informational"
)

// Severities lists every incident and alert severity, most severe first.
var Severities = []string{SeverityHigh, SeverityMedium, SeverityLow, SeverityInformational}

// Statuses lists every incident status, in a case's order.
var Statuses = []string{"New", "Active", "Closed"}

// Incident is a Microsoft Sentinel incident, as far as socpilot uses it.
type Incident struct {
	ID                     string    `json:"id"`     // ARM resource id
	Name                   string    `json:"name"`   // incident id (GUID)
	Number                 int       `json:"number"` // incidentNumber
	Title                  string    `json:"title"`
	Description            string    `json:"description,omitempty"`
	Severity               string    `json:"severity"` // High, Medium, Low, Informational
	Status                 string    `json:"status"`   // New, Active, Closed
	Classification         string    `json:"classification,omitempty"`
	ClassificationReason   string    `json:"classificationReason,omitempty"`
	ClassificationComment  string    `json:"classificationComment,omitempty"`
	Owner                  Owner     `json:"owner"`
	Labels                 []string  `json:"labels"`
	CreatedTime            time.Time `json:"createdTime"`
	LastModifiedTime       time.Time `json:"lastModifiedTime"`
	FirstActivityTime      time.Time `json:"firstActivityTime,omitzero"`
	LastActivityTime       time.Time `json:"lastActivityTime,omitzero"`
	Tactics                []string  `json:"tactics"`
	Techniques             []string  `json:"techniques"`
	AlertProductNames      []string  `json:"alertProductNames"`
	AlertsCount            int       `json:"alertsCount"`
	BookmarksCount         int       `json:"bookmarksCount"`
	CommentsCount          int       `json:"commentsCount"`
	ProviderName           string    `json:"providerName,omitempty"`
	ProviderIncidentID     string    `json:"providerIncidentId,omitempty"`
	URL                    string    `json:"url,omitempty"` // incidentUrl: the portal link
	RelatedAnalyticRuleIDs []string  `json:"relatedAnalyticRuleIds"`
	ETag                   string    `json:"etag,omitempty"`
}

// Owner is who an incident is assigned to.
type Owner struct {
	ObjectID          string `json:"objectId,omitempty"`
	Email             string `json:"email,omitempty"`
	UserPrincipalName string `json:"userPrincipalName,omitempty"`
	AssignedTo        string `json:"assignedTo,omitempty"`
}

// Alert is a security alert that is part of an incident.
type Alert struct {
	ID               string         `json:"id"`
	SystemAlertID    string         `json:"systemAlertId"`
	DisplayName      string         `json:"displayName"`
	Description      string         `json:"description,omitempty"`
	Severity         string         `json:"severity"`
	Status           string         `json:"status,omitempty"`
	ProductName      string         `json:"productName,omitempty"`
	VendorName       string         `json:"vendorName,omitempty"`
	ProviderAlertID  string         `json:"providerAlertId,omitempty"`
	AlertType        string         `json:"alertType,omitempty"`
	Confidence       string         `json:"confidenceLevel,omitempty"`
	Tactics          []string       `json:"tactics"`
	Techniques       []string       `json:"techniques"`
	StartTime        time.Time      `json:"startTime,omitzero"`
	EndTime          time.Time      `json:"endTime,omitzero"`
	TimeGenerated    time.Time      `json:"timeGenerated,omitzero"`
	RemediationSteps []string       `json:"remediationSteps,omitempty"`
	AdditionalData   map[string]any `json:"additionalData,omitempty"`
}

// Entity kinds as Sentinel names them.
const (
	KindAccount          = "Account"
	KindHost             = "Host"
	KindIP               = "Ip"
	KindURL              = "Url"
	KindFile             = "File"
	KindFileHash         = "FileHash"
	KindProcess          = "Process"
	KindMailMessage      = "MailMessage"
	KindMailbox          = "Mailbox"
	KindMailCluster      = "MailCluster"
	KindCloudApplication = "CloudApplication"
	KindAzureResource    = "AzureResource"
	KindDNSResolution    = "DnsResolution"
	KindRegistryKey      = "RegistryKey"
	KindRegistryValue    = "RegistryValue"
	KindMalware          = "Malware"
	KindSecurityGroup    = "SecurityGroup"
	KindSecurityAlert    = "SecurityAlert"
	KindBookmark         = "Bookmark"
)

// Entity is an entity of an incident. Properties holds every property the
// service returned, unchanged, because entity kinds carry dozens of
// kind-specific fields and analysts need all of them.
type Entity struct {
	ID         string         `json:"id"`
	Name       string         `json:"name"`
	Kind       string         `json:"kind"`
	Properties map[string]any `json:"properties"`
}

// FriendlyName is the display name Sentinel computed for the entity.
func (e Entity) FriendlyName() string { return e.Prop("friendlyName") }

// Prop returns a property as a string ("" when absent or not a scalar).
func (e Entity) Prop(name string) string {
	switch v := e.Properties[name].(type) {
	case string:
		return v
	case float64:
		b, _ := json.Marshal(v)
		return string(b)
	case json.Number:
		return v.String()
	case bool:
		if v {
			return "true"
		}
		return "false"
	}
	return ""
}

// Bookmark is a hunting bookmark attached to an incident.
type Bookmark struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	DisplayName string    `json:"displayName"`
	Query       string    `json:"query,omitempty"`
	QueryResult string    `json:"queryResult,omitempty"`
	Notes       string    `json:"notes,omitempty"`
	Labels      []string  `json:"labels"`
	EventTime   time.Time `json:"eventTime,omitzero"`
	Created     time.Time `json:"created,omitzero"`
	CreatedBy   string    `json:"createdBy,omitempty"`
}

// Relation links an incident to another resource (bookmark, entity, alert).
type Relation struct {
	ID                  string `json:"id"`
	Name                string `json:"name"`
	RelatedResourceID   string `json:"relatedResourceId"`
	RelatedResourceName string `json:"relatedResourceName"`
	RelatedResourceType string `json:"relatedResourceType"`
	RelatedResourceKind string `json:"relatedResourceKind,omitempty"`
}

// Comment is an incident comment. Message is limited HTML as Sentinel renders it.
type Comment struct {
	ID               string    `json:"id"`
	Name             string    `json:"name"`
	Message          string    `json:"message"`
	Author           string    `json:"author,omitempty"`
	CreatedTime      time.Time `json:"createdTime,omitzero"`
	LastModifiedTime time.Time `json:"lastModifiedTime,omitzero"`
	ETag             string    `json:"etag,omitempty"`
}

// Task is an incident task (Sentinel's checklist item).
type Task struct {
	ID               string    `json:"id"`
	Name             string    `json:"name"`
	Title            string    `json:"title"`
	Description      string    `json:"description,omitempty"`
	Status           string    `json:"status"` // New, Completed
	CreatedBy        string    `json:"createdBy,omitempty"`
	CreatedTime      time.Time `json:"createdTime,omitzero"`
	LastModifiedTime time.Time `json:"lastModifiedTime,omitzero"`
	ETag             string    `json:"etag,omitempty"`
}

// Sentinel's limits per incident, from the service documentation.
const (
	MaxCommentChars = 30000
	MaxComments     = 100
	MaxTasks        = 40
	MaxAlerts       = 150
	MaxBookmarks    = 20
	MaxIncidentsTop = 1000
)

// IncidentDetails is an incident with everything that hangs off it.
type IncidentDetails struct {
	Incident  Incident   `json:"incident"`
	Alerts    []Alert    `json:"alerts"`
	Entities  []Entity   `json:"entities"`
	Bookmarks []Bookmark `json:"bookmarks"`
	Relations []Relation `json:"relations"`
	Comments  []Comment  `json:"comments"`
	Tasks     []Task     `json:"tasks"`
}

// IncidentFilter selects incidents in a list.
type IncidentFilter struct {
	Status   []string  // New, Active, Closed
	Severity []string  // High, Medium, Low, Informational
	Since    time.Time // created at or after
	// ModifiedSince selects incidents last modified at or after it (the
	// service's poller watermark).
	ModifiedSince time.Time
	Top           int    // 0: all
	OrderBy       string // OData $orderby, default "properties/createdTimeUtc desc"
}

// IncidentSource reads incidents from a workspace.
type IncidentSource interface {
	ListIncidents(ctx context.Context, f IncidentFilter) ([]Incident, error)
	IncidentByNumber(ctx context.Context, number int) (Incident, error)
	Details(ctx context.Context, number int) (IncidentDetails, error)
}

// Writer writes comments and tasks back into an incident. Implementations
// create or update by id, so writing the same id twice never duplicates.
type Writer interface {
	PutComment(ctx context.Context, inc Incident, c Comment) (Comment, error)
	PutTask(ctx context.Context, inc Incident, t Task) (Task, error)
}

// Time is when the alert's activity started: StartTime, else TimeGenerated.
func (a Alert) Time() time.Time {
	if !a.StartTime.IsZero() {
		return a.StartTime
	}
	return a.TimeGenerated
}

// Text is the comment's message as plain text: Sentinel stores limited
// HTML, so tags become spaces and entities are decoded.
func (c Comment) Text() string {
	var b strings.Builder
	in := false
	for _, r := range c.Message {
		switch {
		case r == '<':
			in = true
		case r == '>' && in:
			in = false
			b.WriteByte(' ')
		case !in:
			b.WriteRune(r)
		}
	}
	return html.UnescapeString(b.String())
}
