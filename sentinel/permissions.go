package sentinel

import (
	"context"
	"fmt"
	"net/http"
	"path"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// WriteActions are the ARM actions `analyze --write` needs.
var WriteActions = []string{
	"Microsoft.SecurityInsights/incidents/comments/write",
	"Microsoft.SecurityInsights/incidents/tasks/write",
}

// MissingWritePermissions asks ARM which actions the signed-in principal may
// perform on the workspace (Microsoft.Authorization/permissions) and returns
// the write actions it lacks. It writes nothing.
func (c *Client) MissingWritePermissions(ctx context.Context) ([]string, error) {
	p := "/subscriptions/" + c.ws.SubscriptionID + "/resourceGroups/" + c.ws.ResourceGroup +
		"/providers/Microsoft.OperationalInsights/workspaces/" + c.ws.Name + "/providers/Microsoft.Authorization/permissions"
	req, err := runtime.NewRequest(ctx, http.MethodGet, runtime.JoinPaths(c.arm.Endpoint(), p))
	if err != nil {
		return nil, fmt.Errorf("read permissions: %w", err)
	}
	q := req.Raw().URL.Query()
	q.Set("api-version", "2022-04-01")
	req.Raw().URL.RawQuery = q.Encode()
	resp, err := c.arm.Pipeline().Do(req)
	if err != nil {
		return nil, c.wrap(err, "read permissions", false)
	}
	if !runtime.HasStatusCode(resp, http.StatusOK) {
		return nil, c.wrap(runtime.NewResponseError(resp), "read permissions", false)
	}
	var body struct {
		Value []Permission `json:"value"`
	}
	if err := runtime.UnmarshalAsJSON(resp, &body); err != nil {
		return nil, fmt.Errorf("decode the permissions ARM answered for workspace %s: %w", c.ws.Name, err)
	}
	var missing []string
	for _, action := range WriteActions {
		if !Allowed(body.Value, action) {
			missing = append(missing, action)
		}
	}
	return missing, nil
}

// Permission is one entry of the ARM permissions list.
type Permission struct {
	Actions    []string `json:"actions"`
	NotActions []string `json:"notActions"`
}

// Allowed evaluates ARM's permission model: an action is allowed when some
// entry's actions match it and that entry's notActions do not. Patterns use
// '*' wildcards and compare case-insensitively.
func Allowed(perms []Permission, action string) bool {
	action = strings.ToLower(action)
	for _, p := range perms {
		if matchAny(p.Actions, action) && !matchAny(p.NotActions, action) {
			return true
		}
	}
	return false
}

func matchAny(patterns []string, action string) bool {
	for _, pat := range patterns {
		if ok, _ := path.Match(strings.ToLower(pat), action); ok {
			return true
		}
		// path.Match's '*' stops at '/', ARM's does not.
		if strings.HasSuffix(pat, "*") && strings.HasPrefix(action, strings.ToLower(strings.TrimSuffix(pat, "*"))) {
			return true
		}
	}
	return false
}
