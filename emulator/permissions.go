package emulator

import (
	"net/http"
	"strings"
)

// permissionsSuffix is ARM's permissions API on a workspace, which
// `socpilot doctor` reads to tell whether the principal may write comments
// and tasks without writing anything.
const permissionsSuffix = "/providers/microsoft.authorization/permissions"

// Role definitions' actions, as Azure's built-in roles grant them.
var (
	readerActions    = []string{"Microsoft.SecurityInsights/*/read", "Microsoft.OperationalInsights/workspaces/read", "Microsoft.OperationalInsights/workspaces/query/read", "Microsoft.Authorization/*/read"}
	responderActions = append(append([]string{}, readerActions...), "Microsoft.SecurityInsights/incidents/*", "Microsoft.SecurityInsights/automationRules/*/read")
)

// servePermissions answers GET …/workspaces/{ws}/providers/Microsoft.Authorization/permissions
// for the caller: a reader token gets the Reader role's actions, others the Responder's.
func (s *Server) servePermissions(w http.ResponseWriter, r *http.Request, principal string) bool {
	if !strings.HasSuffix(strings.ToLower(strings.TrimRight(r.URL.Path, "/")), permissionsSuffix) {
		return false
	}
	if r.Method != http.MethodGet {
		writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "The permissions API supports GET only.")
		return true
	}
	if r.URL.Query().Get("api-version") == "" {
		writeError(w, http.StatusBadRequest, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.")
		return true
	}
	actions := responderActions
	if principal == TokenReader {
		actions = readerActions
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": []any{map[string]any{
		"actions": actions, "notActions": []string{}, "dataActions": []string{}, "notDataActions": []string{},
	}}})
	return true
}
