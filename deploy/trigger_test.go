package deploy

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/socpilot/socpilot/automation"
	"github.com/socpilot/socpilot/sentinel"
)

// The body the Logic App sends (the Microsoft Sentinel incident trigger's
// body, forwarded untouched by @triggerBody()) is what the webhook accepts,
// for both events the automation rules run the playbook on.
func TestTriggerBodyIsAcceptedByWebhook(t *testing.T) {
	body, doc := readTriggerBody(t)
	if len(body) > automation.MaxTriggerBytes {
		t.Fatalf("the example body is %d bytes, over the webhook's %d", len(body), automation.MaxTriggerBytes)
	}
	ws := sentinel.Workspace{
		SubscriptionID: doc.WorkspaceInfo.SubscriptionID,
		ResourceGroup:  doc.WorkspaceInfo.ResourceGroupName,
		Name:           doc.WorkspaceInfo.WorkspaceName,
	}
	for _, event := range []string{"Create", "Update"} {
		t.Run(event, func(t *testing.T) {
			b := bytes.Replace(body, []byte(`"objectEventType": "Create"`), []byte(`"objectEventType": "`+event+`"`), 1)
			got, err := automation.DecodeTrigger(b)
			if err != nil {
				t.Fatalf("the webhook refuses the trigger body: %v", err)
			}
			want := automation.Trigger{Workspace: ws, Incident: doc.Object.Name, EventType: event}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("DecodeTrigger (-want +got):\n%s", diff)
			}
		})
	}
}
