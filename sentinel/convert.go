package sentinel

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/securityinsights/armsecurityinsights/v2"

	"github.com/socpilot/socpilot"
)

type httpResponse = http.Response

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func tm(p *time.Time) time.Time {
	if p == nil {
		return time.Time{}
	}
	return p.UTC()
}

func i32(p *int32) int {
	if p == nil {
		return 0
	}
	return int(*p)
}

func convertIncident(in *armsecurityinsights.Incident) socpilot.Incident {
	out := socpilot.Incident{Labels: []string{}, Tactics: []string{}, Techniques: []string{}, AlertProductNames: []string{}, RelatedAnalyticRuleIDs: []string{}}
	if in == nil {
		return out
	}
	out.ID, out.Name, out.ETag = str(in.ID), str(in.Name), str(in.Etag)
	p := in.Properties
	if p == nil {
		return out
	}
	out.Number = i32(p.IncidentNumber)
	out.Title, out.Description = str(p.Title), str(p.Description)
	if p.Severity != nil {
		out.Severity = string(*p.Severity)
	}
	if p.Status != nil {
		out.Status = string(*p.Status)
	}
	if p.Classification != nil {
		out.Classification = string(*p.Classification)
	}
	if p.ClassificationReason != nil {
		out.ClassificationReason = string(*p.ClassificationReason)
	}
	out.ClassificationComment = str(p.ClassificationComment)
	if o := p.Owner; o != nil {
		out.Owner = socpilot.Owner{ObjectID: str(o.ObjectID), Email: str(o.Email), UserPrincipalName: str(o.UserPrincipalName), AssignedTo: str(o.AssignedTo)}
	}
	for _, l := range p.Labels {
		if l != nil && l.LabelName != nil {
			out.Labels = append(out.Labels, *l.LabelName)
		}
	}
	out.CreatedTime, out.LastModifiedTime = tm(p.CreatedTimeUTC), tm(p.LastModifiedTimeUTC)
	out.FirstActivityTime, out.LastActivityTime = tm(p.FirstActivityTimeUTC), tm(p.LastActivityTimeUTC)
	out.URL = str(p.IncidentURL)
	out.ProviderName, out.ProviderIncidentID = str(p.ProviderName), str(p.ProviderIncidentID)
	for _, r := range p.RelatedAnalyticRuleIDs {
		if r != nil {
			out.RelatedAnalyticRuleIDs = append(out.RelatedAnalyticRuleIDs, *r)
		}
	}
	if a := p.AdditionalData; a != nil {
		out.AlertsCount, out.BookmarksCount, out.CommentsCount = i32(a.AlertsCount), i32(a.BookmarksCount), i32(a.CommentsCount)
		for _, t := range a.Tactics {
			if t != nil {
				out.Tactics = append(out.Tactics, string(*t))
			}
		}
		for _, t := range a.Techniques {
			if t != nil {
				out.Techniques = append(out.Techniques, *t)
			}
		}
		for _, n := range a.AlertProductNames {
			if n != nil {
				out.AlertProductNames = append(out.AlertProductNames, *n)
			}
		}
	}
	return out
}

// DecodeIncident decodes one incident resource as GET incidents/{id} returns it.
func DecodeIncident(body []byte) (socpilot.Incident, error) {
	var in armsecurityinsights.Incident
	if err := json.Unmarshal(body, &in); err != nil {
		return socpilot.Incident{}, err
	}
	return convertIncident(&in), nil
}

func convertComment(in *armsecurityinsights.IncidentComment) socpilot.Comment {
	out := socpilot.Comment{}
	if in == nil {
		return out
	}
	out.ID, out.Name, out.ETag = str(in.ID), str(in.Name), str(in.Etag)
	if p := in.Properties; p != nil {
		out.Message = str(p.Message)
		out.CreatedTime, out.LastModifiedTime = tm(p.CreatedTimeUTC), tm(p.LastModifiedTimeUTC)
		out.Author = clientName(p.Author)
	}
	return out
}

func clientName(c *armsecurityinsights.ClientInfo) string {
	if c == nil {
		return ""
	}
	for _, s := range []*string{c.Name, c.UserPrincipalName, c.Email, c.ObjectID} {
		if str(s) != "" {
			return *s
		}
	}
	return ""
}

func convertTask(in *armsecurityinsights.IncidentTask) socpilot.Task {
	out := socpilot.Task{}
	if in == nil {
		return out
	}
	out.ID, out.Name, out.ETag = str(in.ID), str(in.Name), str(in.Etag)
	if p := in.Properties; p != nil {
		out.Title, out.Description = str(p.Title), str(p.Description)
		if p.Status != nil {
			out.Status = string(*p.Status)
		}
		out.CreatedBy = clientName(p.CreatedBy)
		out.CreatedTime, out.LastModifiedTime = tm(p.CreatedTimeUTC), tm(p.LastModifiedTimeUTC)
	}
	return out
}

func convertRelation(in *armsecurityinsights.Relation) socpilot.Relation {
	out := socpilot.Relation{}
	if in == nil {
		return out
	}
	out.ID, out.Name = str(in.ID), str(in.Name)
	if p := in.Properties; p != nil {
		out.RelatedResourceID, out.RelatedResourceName = str(p.RelatedResourceID), str(p.RelatedResourceName)
		out.RelatedResourceType, out.RelatedResourceKind = str(p.RelatedResourceType), str(p.RelatedResourceKind)
	}
	return out
}

func convertBookmark(in *armsecurityinsights.HuntingBookmark) socpilot.Bookmark {
	out := socpilot.Bookmark{Labels: []string{}}
	if in == nil {
		return out
	}
	out.ID, out.Name = str(in.ID), str(in.Name)
	if p := in.Properties; p != nil {
		out.DisplayName, out.Query, out.QueryResult, out.Notes = str(p.DisplayName), str(p.Query), str(p.QueryResult), str(p.Notes)
		for _, l := range p.Labels {
			if l != nil {
				out.Labels = append(out.Labels, *l)
			}
		}
		out.EventTime, out.Created = tm(p.EventTime), tm(p.Created)
		if p.CreatedBy != nil {
			out.CreatedBy = str(p.CreatedBy.Name)
			if out.CreatedBy == "" {
				out.CreatedBy = str(p.CreatedBy.Email)
			}
		}
	}
	return out
}

// wireEntity is an entity or alert as the service sends it.
type wireEntity struct {
	ID         string         `json:"id"`
	Name       string         `json:"name"`
	Kind       string         `json:"kind"`
	Properties map[string]any `json:"properties"`
}

func decodeJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	return dec.Decode(v)
}

// DecodeEntities decodes the {entities, metaData} reply of POST .../entities,
// keeping every property of every entity.
func DecodeEntities(body []byte) ([]socpilot.Entity, error) {
	var reply struct {
		Entities []wireEntity `json:"entities"`
	}
	if err := decodeJSON(body, &reply); err != nil {
		return nil, err
	}
	out := make([]socpilot.Entity, 0, len(reply.Entities))
	for _, e := range reply.Entities {
		out = append(out, socpilot.Entity{ID: e.ID, Name: e.Name, Kind: e.Kind, Properties: normalizeNumbers(orEmpty(e.Properties)).(map[string]any)})
	}
	return out, nil
}

// normalizeNumbers turns json.Number into float64 or int64 so properties
// compare and marshal like ordinary JSON values (big ids stay exact as int64).
func normalizeNumbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normalizeNumbers(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = normalizeNumbers(e)
		}
		return x
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return float64(i)
		}
		f, _ := x.Float64()
		return f
	}
	return v
}

// DecodeAlerts decodes the {value} reply of POST .../alerts (SecurityAlert entities).
func DecodeAlerts(body []byte) ([]socpilot.Alert, error) {
	var reply struct {
		Value []wireEntity `json:"value"`
	}
	if err := decodeJSON(body, &reply); err != nil {
		return nil, err
	}
	out := make([]socpilot.Alert, 0, len(reply.Value))
	for _, e := range reply.Value {
		if e.Kind != "" && !strings.EqualFold(e.Kind, socpilot.KindSecurityAlert) {
			continue
		}
		a, err := alertFromProperties(e.ID, normalizeNumbers(orEmpty(e.Properties)).(map[string]any))
		if err != nil {
			return nil, fmt.Errorf("alert %s: %w", e.Name, err)
		}
		out = append(out, a)
	}
	return out, nil
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func alertFromProperties(id string, p map[string]any) (socpilot.Alert, error) {
	s := func(k string) string { v, _ := p[k].(string); return v }
	strs := func(k string) []string {
		out := []string{}
		if arr, ok := p[k].([]any); ok {
			for _, v := range arr {
				if x, ok := v.(string); ok {
					out = append(out, x)
				}
			}
		}
		return out
	}
	t := func(k string) (time.Time, error) {
		v := s(k)
		if v == "" {
			return time.Time{}, nil
		}
		tt, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return time.Time{}, fmt.Errorf("property %s: %w", k, err)
		}
		return tt.UTC(), nil
	}
	a := socpilot.Alert{
		ID: id, SystemAlertID: s("systemAlertId"), DisplayName: s("alertDisplayName"), Description: s("description"),
		Severity: s("severity"), Status: s("status"), ProductName: s("productName"), VendorName: s("vendorName"),
		ProviderAlertID: s("providerAlertId"), AlertType: s("alertType"), Confidence: s("confidenceLevel"),
		Tactics: strs("tactics"), Techniques: strs("techniques"), RemediationSteps: strs("remediationSteps"),
	}
	if a.DisplayName == "" {
		a.DisplayName = s("friendlyName")
	}
	if ad, ok := p["additionalData"].(map[string]any); ok {
		a.AdditionalData = ad
	}
	var err error
	if a.StartTime, err = t("startTimeUtc"); err != nil {
		return a, err
	}
	if a.EndTime, err = t("endTimeUtc"); err != nil {
		return a, err
	}
	if a.TimeGenerated, err = t("timeGenerated"); err != nil {
		return a, err
	}
	return a, nil
}
