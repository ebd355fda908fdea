package sentinel

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/securityinsights/armsecurityinsights/v2"
	"github.com/google/go-cmp/cmp"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/internal/corpus"
)

const examples = "sentinel-api/stable/2025-09-01/examples/incidents"

// exampleBody returns the 200/201 response body of a REST API example file.
func exampleBody(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(corpus.Need(t, filepath.Join(examples, rel)))
	if err != nil {
		t.Fatal(err)
	}
	var ex struct {
		Responses map[string]struct {
			Body json.RawMessage `json:"body"`
		} `json:"responses"`
	}
	if err := json.Unmarshal(b, &ex); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	for _, code := range []string{"200", "201"} {
		if r, ok := ex.Responses[code]; ok {
			return r.Body
		}
	}
	t.Fatalf("%s: no 200/201 response", rel)
	return nil
}

func TestContractIncident(t *testing.T) {
	got, err := DecodeIncident(exampleBody(t, "GetIncidentById.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := socpilot.Incident{
		ID:                     "/subscriptions/d0cfe6b2-9ac0-4464-9919-dccaee2e48c0/resourceGroups/myRg/providers/Microsoft.OperationalInsights/workspaces/myWorkspace/providers/Microsoft.SecurityInsights/incidents/73e01a99-5cd7-4139-a149-9f2736ff2ab5",
		Name:                   "73e01a99-5cd7-4139-a149-9f2736ff2ab5",
		Number:                 3177,
		Title:                  "My incident",
		Description:            "This is a demo incident",
		Severity:               "High",
		Status:                 "Closed",
		Classification:         "FalsePositive",
		ClassificationReason:   "InaccurateData",
		ClassificationComment:  "Not a malicious activity",
		Owner:                  socpilot.Owner{ObjectID: "2046feea-040d-4a46-9e2b-91c2941bfa70", Email: "john.doe@contoso.com", UserPrincipalName: "john@contoso.com", AssignedTo: "john doe"},
		Labels:                 []string{},
		CreatedTime:            time.Date(2019, 1, 1, 13, 15, 30, 0, time.UTC),
		LastModifiedTime:       time.Date(2019, 1, 1, 13, 15, 30, 0, time.UTC),
		FirstActivityTime:      time.Date(2019, 1, 1, 13, 0, 30, 0, time.UTC),
		LastActivityTime:       time.Date(2019, 1, 1, 13, 5, 30, 0, time.UTC),
		Tactics:                []string{"InitialAccess", "Persistence"},
		Techniques:             []string{},
		AlertProductNames:      []string{},
		CommentsCount:          3,
		ProviderName:           "Azure Sentinel",
		ProviderIncidentID:     "3177",
		URL:                    "https://portal.azure.com/#asset/Microsoft_Azure_Security_Insights/Incident/subscriptions/d0cfe6b2-9ac0-4464-9919-dccaee2e48c0/resourceGroups/myRg/providers/Microsoft.OperationalInsights/workspaces/myWorkspace/providers/Microsoft.SecurityInsights/incidents/73e01a99-5cd7-4139-a149-9f2736ff2ab5",
		RelatedAnalyticRuleIDs: []string{"/subscriptions/d0cfe6b2-9ac0-4464-9919-dccaee2e48c0/resourceGroups/myRg/providers/Microsoft.OperationalInsights/workspaces/myWorkspace/providers/Microsoft.SecurityInsights/alertRules/fab3d2d4-747f-46a7-8ef0-9c0be8112bf7"},
		ETag:                   `"0300bf09-0000-0000-0000-5c37296e0000"`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("incident (-want +got):\n%s", diff)
	}
}

func TestContractIncidentList(t *testing.T) {
	var list struct {
		Value    []json.RawMessage `json:"value"`
		NextLink string            `json:"nextLink"`
	}
	if err := json.Unmarshal(exampleBody(t, "GetIncidents.json"), &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Value) == 0 {
		t.Fatal("example list is empty")
	}
	for _, raw := range list.Value {
		inc, err := DecodeIncident(raw)
		if err != nil {
			t.Fatal(err)
		}
		if inc.Number == 0 || inc.Title == "" || inc.Name == "" || inc.ETag == "" || inc.CreatedTime.IsZero() {
			t.Errorf("incident lost a field we use: %+v", inc)
		}
	}
}

func TestContractAlerts(t *testing.T) {
	got, err := DecodeAlerts(exampleBody(t, "GetAllIncidentAlerts.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("got %d alerts, want 1", len(got))
	}
	a := got[0]
	want := socpilot.Alert{
		ID:            "/subscriptions/bd794837-4d29-4647-9105-6339bfdb4e6a/resourceGroups/myRG/providers/Microsoft.OperationalInsights/workspaces/myWorkspace/providers/Microsoft.SecurityInsights/Entities/baa8a239-6fde-4ab7-a093-d09f7b75c58c",
		SystemAlertID: "baa8a239-6fde-4ab7-a093-d09f7b75c58c", DisplayName: "myAlert", Severity: "Low", Status: "New",
		ProductName: "Azure Security Center", VendorName: "Microsoft", AlertType: "myAlert", Confidence: "Unknown",
		Tactics: []string{}, Techniques: []string{}, RemediationSteps: []string{},
		StartTime:      time.Date(2020, 7, 20, 18, 21, 53, 615836100, time.UTC),
		EndTime:        time.Date(2020, 7, 20, 18, 21, 53, 615836100, time.UTC),
		TimeGenerated:  time.Date(2020, 7, 20, 18, 21, 53, 615836100, time.UTC),
		AdditionalData: map[string]any{"AlertMessageEnqueueTime": "2020-07-20T18:21:57.304Z"},
	}
	if diff := cmp.Diff(want, a); diff != "" {
		t.Errorf("alert (-want +got):\n%s", diff)
	}
}

func TestContractEntitiesLossless(t *testing.T) {
	for _, rel := range []string{
		filepath.Join(examples, "GetAllIncidentEntities.json"),
		"sentinel-api/preview/2025-07-01-preview/examples/entities/GetEntities.json",
	} {
		b, err := os.ReadFile(corpus.Need(t, rel))
		if err != nil {
			t.Fatal(err)
		}
		var ex struct {
			Responses struct {
				OK struct {
					Body json.RawMessage `json:"body"`
				} `json:"200"`
			} `json:"responses"`
		}
		if err := json.Unmarshal(b, &ex); err != nil {
			t.Fatal(err)
		}
		body := ex.Responses.OK.Body
		// GetEntities (workspace entities) is a {value} list; the incident reply is {entities}.
		var probe struct {
			Entities []map[string]any `json:"entities"`
			Value    []map[string]any `json:"value"`
		}
		if err := json.Unmarshal(body, &probe); err != nil {
			t.Fatal(err)
		}
		raw := probe.Entities
		if raw == nil {
			raw = probe.Value
			body, _ = json.Marshal(map[string]any{"entities": raw})
		}
		got, err := DecodeEntities(body)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(raw) || len(got) == 0 {
			t.Fatalf("%s: decoded %d entities, want %d", rel, len(got), len(raw))
		}
		for i, e := range got {
			if e.Kind != raw[i]["kind"] || e.ID != raw[i]["id"] {
				t.Errorf("entity %d: kind/id changed", i)
			}
			if diff := cmp.Diff(raw[i]["properties"], any(e.Properties)); diff != "" {
				t.Errorf("%s entity %d lost properties (-want +got):\n%s", rel, i, diff)
			}
		}
	}
}

func TestContractCommentsTasksRelationsBookmarks(t *testing.T) {
	var comments armsecurityinsights.IncidentCommentList
	if err := json.Unmarshal(exampleBody(t, "comments/GetAllIncidentComments.json"), &comments); err != nil {
		t.Fatal(err)
	}
	c := convertComment(comments.Value[0])
	if c.Name != "4bb36b7b-26ff-4d1c-9cbe-0d8ab3da0014" || c.Message != "Some message" || c.Author != "john doe" || c.CreatedTime.IsZero() || c.ETag != "0300bf09-0000-0000-0000-5c37296e0000" {
		t.Errorf("comment lost a field: %+v", c)
	}
	var created armsecurityinsights.IncidentComment
	if err := json.Unmarshal(exampleBody(t, "comments/CreateIncidentComment.json"), &created); err != nil {
		t.Fatal(err)
	}
	if c := convertComment(&created); c.Message == "" || c.Name == "" {
		t.Errorf("created comment lost a field: %+v", c)
	}

	var tasks armsecurityinsights.IncidentTaskList
	if err := json.Unmarshal(exampleBody(t, "tasks/IncidentTasks_List.json"), &tasks); err != nil {
		t.Fatal(err)
	}
	tk := convertTask(tasks.Value[0])
	if tk.Title != "Task title" || tk.Description != "Task description" || tk.Status != "New" || tk.ETag != `"190057d0-0000-0d00-0000-5c6f5adb0000"` || tk.CreatedBy != "john doe" {
		t.Errorf("task lost a field: %+v", tk)
	}
	for _, rel := range []string{"tasks/IncidentTasks_Get.json", "tasks/IncidentTasks_CreateOrUpdate.json"} {
		var one armsecurityinsights.IncidentTask
		if err := json.Unmarshal(exampleBody(t, rel), &one); err != nil {
			t.Fatal(err)
		}
		if tk := convertTask(&one); tk.Title == "" || tk.Name == "" {
			t.Errorf("%s: task lost a field: %+v", rel, tk)
		}
	}

	var rels armsecurityinsights.RelationList
	if err := json.Unmarshal(exampleBody(t, "relations/GetAllIncidentRelations.json"), &rels); err != nil {
		t.Fatal(err)
	}
	if len(rels.Value) != 2 {
		t.Fatalf("got %d relations, want 2", len(rels.Value))
	}
	if r := convertRelation(rels.Value[1]); r.RelatedResourceKind != "SecurityAlert" || r.RelatedResourceType != "Microsoft.SecurityInsights/entities" || r.RelatedResourceName == "" {
		t.Errorf("relation lost a field: %+v", r)
	}

	var bms armsecurityinsights.IncidentBookmarkList
	if err := json.Unmarshal(exampleBody(t, "GetAllIncidentBookmarks.json"), &bms); err != nil {
		t.Fatal(err)
	}
	b := convertBookmark(bms.Value[0])
	if b.DisplayName != "SecurityEvent - 868f40f4698d" || b.Query == "" || b.QueryResult == "" || b.EventTime.IsZero() || b.CreatedBy != "user" {
		t.Errorf("bookmark lost a field: %+v", b)
	}
}

func TestAllowed(t *testing.T) {
	tests := []struct {
		name  string
		perms []Permission
		want  bool
	}{
		{"owner", []Permission{{Actions: []string{"*"}}}, true},
		{"reader", []Permission{{Actions: []string{"*/read"}}}, false},
		{"responder", []Permission{{Actions: []string{"Microsoft.SecurityInsights/*/read", "Microsoft.SecurityInsights/incidents/comments/*", "Microsoft.SecurityInsights/incidents/tasks/*"}}}, true},
		{"not action", []Permission{{Actions: []string{"*"}, NotActions: []string{"Microsoft.SecurityInsights/incidents/*"}}}, false},
		{"case", []Permission{{Actions: []string{"microsoft.securityinsights/incidents/comments/write"}}}, true},
	}
	for _, tt := range tests {
		if got := Allowed(tt.perms, "Microsoft.SecurityInsights/incidents/comments/write"); got != tt.want {
			t.Errorf("%s: Allowed = %v, want %v", tt.name, got, tt.want)
		}
	}
}
