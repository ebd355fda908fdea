// Package automation is socpilot's service side: the webhook a Logic App
// calls on every incident, the poller that needs no Logic App, and the River
// jobs that analyse each incident state once and write the result back.
package automation

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/sentinel"
)

// MaxTriggerBytes bounds a webhook body: the Sentinel incident trigger sends
// the incident with its alerts and entities, which stays well under this.
const MaxTriggerBytes = 1 << 20

// Trigger is what socpilot takes from a Logic App's Sentinel incident
// trigger body: only the incident's ARM id. Everything else in the body
// (title, alerts, entities, workspaceInfo) is attacker-reachable text and
// possibly stale, so it is re-read from the API instead of trusted.
type Trigger struct {
	Workspace sentinel.Workspace
	// Incident is the incident's resource name (usually a GUID).
	Incident string
	// EventType is objectEventType ("Create", "Update"), for logs only.
	EventType string
}

// IncidentRef names one incident of one workspace.
type IncidentRef struct {
	Workspace sentinel.Workspace
	Incident  string
}

// WorkspaceKey is the case-insensitive identity of a workspace: ARM ids
// compare without regard to case.
func WorkspaceKey(ws sentinel.Workspace) string {
	return strings.ToLower(ws.SubscriptionID + "/" + ws.ResourceGroup + "/" + ws.Name)
}

// DecodeTrigger reads a trigger body. It fails with an EInvalid error when
// the body is not JSON or object.id is missing or not a Sentinel incident id.
func DecodeTrigger(body []byte) (Trigger, error) {
	var in struct {
		Object *struct {
			ID string `json:"id"`
		} `json:"object"`
		ObjectEventType string `json:"objectEventType"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return Trigger{}, socpilot.Errorf(socpilot.EInvalid, "the body is not valid JSON: %v", err)
	}
	if in.Object == nil || in.Object.ID == "" {
		return Trigger{}, socpilot.Errorf(socpilot.EInvalid, "the body has no object.id: send the Sentinel incident trigger's body (triggerBody())")
	}
	ref, err := ParseIncidentID(in.Object.ID)
	if err != nil {
		return Trigger{}, err
	}
	ev := in.ObjectEventType
	if !isToken(ev, 32) {
		ev = ""
	}
	return Trigger{Workspace: ref.Workspace, Incident: ref.Incident, EventType: ev}, nil
}

// ParseIncidentID parses
// /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.OperationalInsights/workspaces/{ws}/providers/Microsoft.SecurityInsights/incidents/{name}
// with ARM's case-insensitive segment names.
func ParseIncidentID(id string) (IncidentRef, error) {
	bad := func(why string) (IncidentRef, error) {
		return IncidentRef{}, socpilot.Errorf(socpilot.EInvalid, "object.id is not a Microsoft Sentinel incident id (%s)", why)
	}
	if len(id) > 1024 {
		return bad("too long")
	}
	parts := strings.Split(strings.TrimPrefix(id, "/"), "/")
	want := []string{"subscriptions", "", "resourcegroups", "", "providers", "microsoft.operationalinsights", "workspaces", "", "providers", "microsoft.securityinsights", "incidents", ""}
	if !strings.HasPrefix(id, "/") || len(parts) != len(want) {
		return bad("want /subscriptions/{id}/resourceGroups/{group}/providers/Microsoft.OperationalInsights/workspaces/{name}/providers/Microsoft.SecurityInsights/incidents/{id}")
	}
	for i, w := range want {
		if w != "" && !strings.EqualFold(parts[i], w) {
			return bad(fmt.Sprintf("segment %d is %q, want %q", i+1, clip(parts[i]), w))
		}
	}
	sub, rg, ws, name := parts[1], parts[3], parts[7], parts[11]
	switch {
	case !isToken(sub, 64):
		return bad("subscription id")
	case !isResourceGroup(rg):
		return bad("resource group name")
	case !isToken(ws, 63):
		return bad("workspace name")
	case !isToken(name, 256):
		return bad("incident name")
	}
	return IncidentRef{Workspace: sentinel.Workspace{SubscriptionID: sub, ResourceGroup: rg, Name: ws}, Incident: name}, nil
}

// isToken: 1..max characters of letters, digits, '-', '_' and '.', which
// covers subscription GUIDs, workspace names and incident names.
func isToken(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// isResourceGroup follows ARM's rule: letters, digits, '_', '-', '.', '(' and ')', up to 90.
func isResourceGroup(s string) bool {
	if s == "" || len(s) > 90 || strings.HasSuffix(s, ".") {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_.()", c)) {
			return false
		}
	}
	return true
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
