package deploy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// obj and arr are decoded JSON.
type (
	obj = map[string]any
	arr = []any
)

const (
	templateSchema   = "deploymentTemplate.json#"
	parametersSchema = "deploymentParameters.json#"

	// Role definition ids (the same in every tenant).
	roleSentinelAutomationContributor = "f4c81013-99ee-4d62-a7ee-b3f1f648599a"
	roleSentinelReader                = "8d289c81-5878-46d4-8554-54e1e3d8b5cb"
	roleKeyVaultSecretsUser           = "4633458b-17de-408a-b874-0445c86b69e6"
)

// jsonFiles lists the JSON files of deploy/ (not testdata), by kind.
func jsonFiles(t *testing.T) (templates, parameterFiles []string) {
	t.Helper()
	paths, err := filepath.Glob("*.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		doc := readJSON(t, p)
		schema, _ := doc["$schema"].(string)
		switch {
		case strings.HasSuffix(schema, templateSchema):
			templates = append(templates, p)
		case strings.HasSuffix(schema, parametersSchema):
			parameterFiles = append(parameterFiles, p)
		default:
			t.Errorf("%s: $schema %q is neither an ARM deployment template nor a parameters file", p, schema)
		}
	}
	if len(templates) == 0 {
		t.Fatal("no ARM template in deploy/")
	}
	return templates, parameterFiles
}

// readJSON decodes a file and fails on duplicate keys, which encoding/json
// would silently resolve to the last one (and ARM might not).
func readJSON(t *testing.T, path string) obj {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkDuplicateKeys(json.NewDecoder(bytes.NewReader(b))); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var doc obj
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return doc
}

func checkDuplicateKeys(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	switch d {
	case '{':
		seen := map[string]bool{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return err
			}
			key := k.(string)
			if seen[key] {
				return fmt.Errorf("duplicate key %q", key)
			}
			seen[key] = true
			if err := checkDuplicateKeys(dec); err != nil {
				return fmt.Errorf("%s: %w", key, err)
			}
		}
	case '[':
		for i := 0; dec.More(); i++ {
			if err := checkDuplicateKeys(dec); err != nil {
				return fmt.Errorf("[%d]: %w", i, err)
			}
		}
	}
	_, err = dec.Token() // closing delimiter
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

func TestJSONFilesParse(t *testing.T) {
	for _, pattern := range []string{"*.json", "testdata/*.json"} {
		paths, _ := filepath.Glob(pattern)
		for _, p := range paths {
			readJSON(t, p)
		}
	}
}

var (
	apiVersionRe     = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}(-preview)?$`)
	contentVersionRe = regexp.MustCompile(`^\d+\.\d+\.\d+\.\d+$`)
	paramRefRe       = regexp.MustCompile(`\bparameters\('([^']*)'\)`)
	variableRefRe    = regexp.MustCompile(`\bvariables\('([^']*)'\)`)
	secretNameRe     = regexp.MustCompile(`(?i)(token|password|secret|apikey|api_key|key)$`)
	literalBearerRe  = regexp.MustCompile(`Bearer +[A-Za-z0-9._~+/-]{16,}`)
)

var parameterTypes = []string{"string", "securestring", "int", "bool", "object", "secureobject", "array"}

func TestTemplatesAreARMDeploymentTemplates(t *testing.T) {
	templates, _ := jsonFiles(t)
	for _, p := range templates {
		checkTemplate(t, p, readJSON(t, p))
	}
}

// checkTemplate checks one template, then each nested template that is
// evaluated in its own ("inner") scope as a template of its own.
func checkTemplate(t *testing.T, where string, tmpl obj) {
	t.Helper()
	if s, _ := tmpl["$schema"].(string); !strings.HasPrefix(s, "https://schema.management.azure.com/schemas/") || !strings.HasSuffix(s, templateSchema) {
		t.Errorf("%s: $schema %q is not an ARM deployment template schema", where, s)
	}
	if v, _ := tmpl["contentVersion"].(string); !contentVersionRe.MatchString(v) {
		t.Errorf("%s: contentVersion %q, want n.n.n.n", where, v)
	}
	params, ok := tmpl["parameters"].(obj)
	if !ok {
		t.Errorf("%s: no parameters object", where)
	}
	vars, _ := tmpl["variables"].(obj)
	resources, _ := tmpl["resources"].(arr)
	if len(resources) == 0 {
		t.Errorf("%s: no resources", where)
	}

	for name, v := range params {
		p, _ := v.(obj)
		typ, _ := p["type"].(string)
		if !slices.Contains(parameterTypes, strings.ToLower(typ)) {
			t.Errorf("%s: parameter %s has type %q", where, name, typ)
		}
		// A parameter that carries a secret value is secure and has no
		// default: a default would sit in the template and the deployment
		// history in plain text. Names of secrets (...SecretName) are not
		// secrets.
		if secretNameRe.MatchString(name) {
			if !strings.EqualFold(typ, "securestring") {
				t.Errorf("%s: parameter %s looks like a secret but is %q, want securestring", where, name, typ)
			}
			if _, ok := p["defaultValue"]; ok {
				t.Errorf("%s: secret parameter %s has a defaultValue", where, name)
			}
		}
		if strings.HasPrefix(strings.ToLower(typ), "secure") {
			if _, ok := p["defaultValue"]; ok {
				t.Errorf("%s: secure parameter %s has a defaultValue", where, name)
			}
		}
		if allowed, ok := p["allowedValues"].(arr); ok {
			if d, ok := p["defaultValue"]; ok && !slices.Contains(allowed, d) {
				t.Errorf("%s: parameter %s: default %v not in allowedValues %v", where, name, d, allowed)
			}
		}
	}

	for i, r := range resources {
		res, _ := r.(obj)
		for _, f := range []string{"type", "apiVersion", "name"} {
			if s, _ := res[f].(string); s == "" {
				t.Errorf("%s: resources[%d] has no %s", where, i, f)
			}
		}
		if v, _ := res["apiVersion"].(string); !apiVersionRe.MatchString(v) {
			t.Errorf("%s: resources[%d] (%v) apiVersion %q", where, i, res["type"], v)
		}
	}

	// Every parameters('x') and variables('x') in an ARM expression is
	// declared, and every declared parameter is used. Logic Apps
	// expressions (@parameters('$connections')) are not ARM's.
	used := map[string]bool{}
	var nested []obj
	walkARM(tmpl, func(s string) {
		for _, m := range paramRefRe.FindAllStringSubmatch(s, -1) {
			used[m[1]] = true
			if _, ok := params[m[1]]; !ok {
				t.Errorf("%s: %s references undeclared parameter %q", where, s, m[1])
			}
		}
		for _, m := range variableRefRe.FindAllStringSubmatch(s, -1) {
			if _, ok := vars[m[1]]; !ok {
				t.Errorf("%s: %s references undeclared variable %q", where, s, m[1])
			}
		}
	}, func(inner obj) { nested = append(nested, inner) })
	for name := range params {
		if !used[name] {
			t.Errorf("%s: parameter %s is declared but never used", where, name)
		}
	}

	// No literal credential anywhere: an Authorization header is always a
	// runtime expression, and no string holds what looks like a token.
	walkAll(tmpl, func(s string) {
		if literalBearerRe.MatchString(s) {
			t.Errorf("%s: %q carries a literal bearer token", where, s)
		}
	})
	walkObjects(tmpl, func(o obj) {
		if h, ok := o["Authorization"].(string); ok && !strings.HasPrefix(h, "Bearer @{") {
			t.Errorf("%s: Authorization header %q is not a runtime expression", where, h)
		}
	})

	for _, d := range nested {
		name, _ := d["name"].(string)
		props := d["properties"].(obj)
		inner := props["template"].(obj)
		innerParams, _ := inner["parameters"].(obj)
		given, _ := props["parameters"].(obj)
		for k := range given {
			if _, ok := innerParams[k]; !ok {
				t.Errorf("%s: nested deployment %s passes undeclared parameter %s", where, name, k)
			}
		}
		for k, v := range innerParams {
			if _, hasDefault := v.(obj)["defaultValue"]; !hasDefault {
				if _, ok := given[k]; !ok {
					t.Errorf("%s: nested deployment %s does not pass required parameter %s", where, name, k)
				}
			}
		}
		checkTemplate(t, where+": "+name, inner)
	}
}

// walkARM calls str with every ARM expression string of the template,
// skipping the bodies of nested templates evaluated in their own scope
// (handed to nestedInner instead): their expressions refer to their own
// parameters. The parameters passed to such a template are evaluated in
// this one, so they are walked.
func walkARM(v any, str func(string), nestedInner func(obj)) {
	switch v := v.(type) {
	case string:
		if strings.HasPrefix(v, "[") && !strings.HasPrefix(v, "[[") {
			str(v)
		}
	case arr:
		for _, e := range v {
			walkARM(e, str, nestedInner)
		}
	case obj:
		if isInnerDeployment(v) {
			nestedInner(v)
			props := v["properties"].(obj)
			for k, e := range v {
				if k != "properties" {
					walkARM(e, str, nestedInner)
				}
			}
			walkARM(props["parameters"], str, nestedInner)
			return
		}
		for _, e := range v {
			walkARM(e, str, nestedInner)
		}
	}
}

func isInnerDeployment(v obj) bool {
	if v["type"] != "Microsoft.Resources/deployments" {
		return false
	}
	props, _ := v["properties"].(obj)
	opts, _ := props["expressionEvaluationOptions"].(obj)
	_, hasTemplate := props["template"].(obj)
	return hasTemplate && strings.EqualFold(fmt.Sprint(opts["scope"]), "inner")
}

// walkObjects calls f with every object of v.
func walkObjects(v any, f func(obj)) {
	switch v := v.(type) {
	case arr:
		for _, e := range v {
			walkObjects(e, f)
		}
	case obj:
		f(v)
		for _, e := range v {
			walkObjects(e, f)
		}
	}
}

// walkAll calls f with every string of v.
func walkAll(v any, f func(string)) {
	switch v := v.(type) {
	case string:
		f(v)
	case arr:
		for _, e := range v {
			walkAll(e, f)
		}
	case obj:
		for _, e := range v {
			walkAll(e, f)
		}
	}
}

// allResources returns the resources of a template and of its nested
// templates, each with the template it is declared in.
func allResources(tmpl obj) (out []struct{ res, tmpl obj }) {
	for _, r := range tmpl["resources"].(arr) {
		res := r.(obj)
		out = append(out, struct{ res, tmpl obj }{res, tmpl})
		if props, ok := res["properties"].(obj); ok && res["type"] == "Microsoft.Resources/deployments" {
			if inner, ok := props["template"].(obj); ok {
				out = append(out, allResources(inner)...)
			}
		}
	}
	return out
}

// playbookTemplate is the template that holds the Logic App.
func playbookTemplate(t *testing.T) (tmpl, workflow obj) {
	t.Helper()
	templates, _ := jsonFiles(t)
	for _, p := range templates {
		tmpl := readJSON(t, p)
		for _, r := range allResources(tmpl) {
			if r.res["type"] == "Microsoft.Logic/workflows" {
				return tmpl, r.res
			}
		}
	}
	t.Fatal("no template declares a Microsoft.Logic/workflows resource")
	return nil, nil
}

// resolveVariables replaces "[variables('x')]" by x's value, repeatedly.
func resolveVariables(tmpl obj, v any) any {
	re := regexp.MustCompile(`^\[variables\('([^']*)'\)\]$`)
	for range 10 {
		s, ok := v.(string)
		if !ok {
			return v
		}
		m := re.FindStringSubmatch(s)
		if m == nil {
			return v
		}
		v = dig(tmpl, "variables", m[1])
	}
	return v
}

// connectionAPI returns the managed API name behind a workflow connection
// reference such as "@parameters('$connections')['keyvault']['connectionId']",
// checking that the connection authenticates with the managed identity.
func connectionAPI(t *testing.T, workflow obj, host any) string {
	t.Helper()
	name, _ := dig(host, "connection", "name").(string)
	m := regexp.MustCompile(`^@parameters\('\$connections'\)\['([^']+)'\]\['connectionId'\]$`).FindStringSubmatch(name)
	if m == nil {
		t.Errorf("connection %q is not a $connections reference", name)
		return ""
	}
	conn, _ := dig(workflow, "properties", "parameters", "$connections", "value", m[1]).(obj)
	if conn == nil {
		t.Errorf("$connections has no %q", m[1])
		return ""
	}
	if got := dig(conn, "connectionProperties", "authentication", "type"); got != "ManagedServiceIdentity" {
		t.Errorf("connection %s authenticates with %v, want ManagedServiceIdentity", m[1], got)
	}
	id, _ := conn["id"].(string)
	// "[subscriptionResourceId('Microsoft.Web/locations/managedApis', parameters('location'), 'keyvault')]"
	// or ".../managedApis/keyvault".
	am := regexp.MustCompile(`managedApis.*'([a-z]+)'\)\]$|managedApis/([a-z]+)$`).FindStringSubmatch(id)
	if am == nil {
		t.Errorf("connection %s: api id %q names no managed API", m[1], id)
		return ""
	}
	return am[1] + am[2]
}

func dig(v any, path ...string) any {
	for _, p := range path {
		o, ok := v.(obj)
		if !ok {
			return nil
		}
		v = o[p]
	}
	return v
}

func TestPlaybookForwardsTriggerBodyToWebhook(t *testing.T) {
	tmpl, wf := playbookTemplate(t)
	if got := dig(wf, "identity", "type"); got != "SystemAssigned" {
		t.Errorf("Logic App identity %v, want SystemAssigned", got)
	}
	def := dig(wf, "properties", "definition").(obj)

	// The trigger: the Microsoft Sentinel incident trigger of the
	// azuresentinel managed API, the only trigger.
	triggers := def["triggers"].(obj)
	if len(triggers) != 1 {
		t.Fatalf("%d triggers, want the Sentinel incident trigger only", len(triggers))
	}
	for name, tr := range triggers {
		if got := dig(tr, "type"); got != "ApiConnectionWebhook" {
			t.Errorf("trigger %s type %v, want ApiConnectionWebhook", name, got)
		}
		if got := dig(tr, "inputs", "path"); got != "/incident-creation" {
			t.Errorf("trigger %s path %v, want /incident-creation", name, got)
		}
		if got := dig(tr, "inputs", "body", "callback_url"); got != "@{listCallbackUrl()}" {
			t.Errorf("trigger %s callback_url %v", name, got)
		}
		if api := connectionAPI(t, wf, dig(tr, "inputs", "host")); api != "azuresentinel" {
			t.Errorf("trigger %s uses the %q API, want azuresentinel", name, api)
		}
	}

	// The HTTP action: POST @triggerBody() to .../hooks/sentinel with the
	// token from Key Vault.
	actions := def["actions"].(obj)
	var httpName string
	for name, a := range actions {
		if dig(a, "type") == "Http" {
			if httpName != "" {
				t.Errorf("two HTTP actions: %s and %s", httpName, name)
			}
			httpName = name
		}
	}
	if httpName == "" {
		t.Fatal("no HTTP action")
	}
	h := actions[httpName].(obj)
	in := h["inputs"].(obj)
	if in["method"] != "POST" {
		t.Errorf("HTTP method %v, want POST", in["method"])
	}
	if in["body"] != "@triggerBody()" {
		t.Errorf("HTTP body %v, want @triggerBody() (serve reads object.id from the trigger body as is)", in["body"])
	}
	uri, _ := resolveVariables(tmpl, in["uri"]).(string)
	if !strings.HasSuffix(uri, "'/hooks/sentinel')]") && !strings.HasSuffix(uri, "/hooks/sentinel") {
		t.Errorf("HTTP uri %q does not end in /hooks/sentinel", uri)
	}
	if ct := dig(in, "headers", "Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %v, want application/json (serve answers 415 otherwise)", ct)
	}
	auth, _ := dig(in, "headers", "Authorization").(string)
	m := regexp.MustCompile(`^Bearer @\{body\('([^']+)'\)\?\['value'\]\}$`).FindStringSubmatch(auth)
	if m == nil {
		t.Fatalf("Authorization %q, want Bearer @{body('<Key Vault action>')?['value']}", auth)
	}
	kvName := m[1]
	kv, _ := actions[kvName].(obj)
	if kv == nil {
		t.Fatalf("Authorization reads action %s, which does not exist", kvName)
	}
	if dig(kv, "type") != "ApiConnection" || dig(kv, "inputs", "method") != "get" {
		t.Errorf("%s is not an ApiConnection GET", kvName)
	}
	if api := connectionAPI(t, wf, dig(kv, "inputs", "host")); api != "keyvault" {
		t.Errorf("%s uses the %q API, want keyvault", kvName, api)
	}
	if p, _ := dig(kv, "inputs", "path").(string); !strings.Contains(p, "/secrets/") || !strings.Contains(p, "/value") {
		t.Errorf("%s path %q is not a Key Vault secret value", kvName, p)
	}
	if got := dig(h, "runAfter", kvName); !slices.Equal(toStrings(got), []string{"Succeeded"}) {
		t.Errorf("%s runs after %s on %v, want [Succeeded]", httpName, kvName, got)
	}

	// Neither the token nor the request that carries it shows in run
	// history.
	for _, name := range []string{kvName, httpName} {
		props := toStrings(dig(actions[name], "runtimeConfiguration", "secureData", "properties"))
		if !slices.Contains(props, "inputs") || !slices.Contains(props, "outputs") {
			t.Errorf("%s: secureData properties %v, want inputs and outputs", name, props)
		}
	}

	// Retries: exponential; Logic Apps retries 408, 429 and 5xx under any
	// policy but "none".
	rp, _ := in["retryPolicy"].(obj)
	if rp["type"] != "exponential" {
		t.Errorf("retryPolicy %v, want exponential", rp)
	}
	if n, _ := rp["count"].(float64); n < 3 || n > 90 {
		t.Errorf("retryPolicy count %v, want 3..90", rp["count"])
	}
	for _, k := range []string{"interval", "minimumInterval", "maximumInterval"} {
		if s, _ := rp[k].(string); !strings.HasPrefix(s, "PT") {
			t.Errorf("retryPolicy %s %q, want an ISO 8601 duration", k, s)
		}
	}
	// serve answers 202 Accepted; without this the HTTP action would treat
	// 202 as the start of the asynchronous polling pattern.
	if h["operationOptions"] != "DisableAsyncPattern" {
		t.Errorf("operationOptions %v, want DisableAsyncPattern", h["operationOptions"])
	}

	// The connections the workflow names exist as resources.
	for _, api := range []string{"azuresentinel", "keyvault"} {
		found := false
		for _, r := range allResources(tmpl) {
			if r.res["type"] != "Microsoft.Web/connections" {
				continue
			}
			if id, _ := dig(r.res, "properties", "api", "id").(string); strings.Contains(id, "'"+api+"'") {
				found = true
				if got := dig(r.res, "properties", "parameterValueType"); got != "Alternative" {
					t.Errorf("%s connection parameterValueType %v, want Alternative (managed identity)", api, got)
				}
			}
		}
		if !found {
			t.Errorf("no Microsoft.Web/connections resource for the %s API", api)
		}
	}
}

func toStrings(v any) []string {
	a, _ := v.(arr)
	var out []string
	for _, e := range a {
		s, _ := e.(string)
		out = append(out, s)
	}
	return out
}

func TestAutomationRulesRunPlaybookOnCreateAndUpdate(t *testing.T) {
	tmpl, wf := playbookTemplate(t)
	wfName := strings.TrimSuffix(strings.TrimPrefix(wf["name"].(string), "["), "]")
	playbookID := "[resourceId('Microsoft.Logic/workflows', " + wfName + ")]"

	when := map[string]obj{}
	for _, r := range allResources(tmpl) {
		if r.res["type"] != "Microsoft.SecurityInsights/automationRules" {
			continue
		}
		if v, _ := r.res["apiVersion"].(string); v < "2024-03-01" {
			t.Errorf("automation rule apiVersion %s, want 2024-03-01 or later", v)
		}
		if s, _ := r.res["scope"].(string); !strings.Contains(fmt.Sprint(resolveVariables(r.tmpl, s)), "Microsoft.OperationalInsights/workspaces/") {
			t.Errorf("automation rule scope %q is not the workspace", s)
		}
		logic := dig(r.res, "properties", "triggeringLogic").(obj)
		if logic["triggersOn"] != "Incidents" || logic["isEnabled"] != true {
			t.Errorf("automation rule triggers on %v (enabled %v), want Incidents, enabled", logic["triggersOn"], logic["isEnabled"])
		}
		w, _ := logic["triggersWhen"].(string)
		when[w] = r.res

		actions, _ := resolveVariables(r.tmpl, dig(r.res, "properties", "actions")).(arr)
		if len(actions) != 1 {
			t.Fatalf("%s rule: %d actions, want one RunPlaybook", w, len(actions))
		}
		a := actions[0].(obj)
		if a["actionType"] != "RunPlaybook" {
			t.Errorf("%s rule action %v, want RunPlaybook", w, a["actionType"])
		}
		if dig(a, "actionConfiguration", "tenantId") == nil {
			t.Errorf("%s rule: RunPlaybook has no tenantId", w)
		}
		// The playbook id is this template's Logic App: directly, or
		// through the parameter of the nested deployment that holds the
		// rule.
		id, _ := dig(a, "actionConfiguration", "logicAppResourceId").(string)
		if m := paramRefRe.FindStringSubmatch(id); m != nil && id == "[parameters('"+m[1]+"')]" {
			id = passedTo(tmpl, r.tmpl, m[1])
		}
		if id != playbookID {
			t.Errorf("%s rule runs %q, want this template's Logic App %q", w, id, playbookID)
		}
	}
	for _, w := range []string{"Created", "Updated"} {
		if when[w] == nil {
			t.Errorf("no automation rule runs the playbook when an incident is %s", w)
		}
	}
	// The update rule runs on new alerts by default: socpilot's own
	// comments and tasks are incident updates too.
	if upd := when["Updated"]; upd != nil {
		conds, _ := dig(upd, "properties", "triggeringLogic", "conditions").(string)
		if !strings.Contains(conds, "'AlertsAdded'") {
			t.Errorf("Updated rule conditions %q do not select AlertsAdded", conds)
		}
	}
	found := false
	for _, r := range allResources(tmpl) {
		if a, ok := dig(r.tmpl, "variables", "alertsAdded").(arr); ok && len(a) > 0 {
			c := a[0].(obj)
			found = c["conditionType"] == "PropertyArrayChanged" && dig(c, "conditionProperties", "arrayType") == "Alerts" && dig(c, "conditionProperties", "changeType") == "Added"
		}
	}
	if !found {
		t.Error("no alertsAdded variable with a PropertyArrayChanged Alerts Added condition")
	}
}

// passedTo returns the value the outer template passes to the nested
// template inner for parameter name.
func passedTo(outer, inner obj, name string) string {
	for _, r := range outer["resources"].(arr) {
		props, _ := r.(obj)["properties"].(obj)
		if tmpl, ok := props["template"].(obj); ok && fmt.Sprint(tmpl) == fmt.Sprint(inner) {
			v, _ := dig(props, "parameters", name, "value").(string)
			return v
		}
	}
	return ""
}

// Sentinel can run the playbook only with Microsoft Sentinel Automation
// Contributor on the playbook's resource group; the Logic App reads the
// token with Key Vault Secrets User and uses the trigger with Microsoft
// Sentinel Reader.
func TestRoleAssignments(t *testing.T) {
	tmpl, _ := playbookTemplate(t)
	roles := map[string]bool{}
	for _, r := range allResources(tmpl) {
		if r.res["type"] != "Microsoft.Authorization/roleAssignments" {
			continue
		}
		def, _ := dig(r.res, "properties", "roleDefinitionId").(string)
		for _, ref := range append(variableRefRe.FindAllStringSubmatch(def, -1), paramRefRe.FindAllStringSubmatch(def, -1)...) {
			if v, ok := dig(r.tmpl, "variables", ref[1]).(string); ok {
				roles[v] = true
			}
			if ref[0] == "parameters('"+ref[1]+"')" {
				roles[passedTo(tmpl, r.tmpl, ref[1])] = true
			}
		}
		if dig(r.res, "properties", "principalType") != "ServicePrincipal" {
			t.Errorf("role assignment %v: principalType %v, want ServicePrincipal", r.res["name"], dig(r.res, "properties", "principalType"))
		}
	}
	// passedTo gives "[variables('x')]" of the outer template: resolve.
	for k := range roles {
		if v, ok := resolveVariables(tmpl, k).(string); ok {
			roles[v] = true
		}
	}
	for id, name := range map[string]string{
		roleSentinelAutomationContributor: "Microsoft Sentinel Automation Contributor",
		roleSentinelReader:                "Microsoft Sentinel Reader",
		roleKeyVaultSecretsUser:           "Key Vault Secrets User",
	} {
		if !roles[id] {
			t.Errorf("no role assignment of %s (%s)", name, id)
		}
	}
	roles2, err := os.ReadFile("ROLES.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{roleSentinelAutomationContributor, roleSentinelReader, roleKeyVaultSecretsUser} {
		if !bytes.Contains(roles2, []byte(id)) {
			t.Errorf("ROLES.md does not name role %s, which the template assigns", id)
		}
	}
}

func TestParameterFilesMatchTemplate(t *testing.T) {
	_, files := jsonFiles(t)
	if len(files) == 0 {
		t.Fatal("no parameters example file")
	}
	tmpl, _ := playbookTemplate(t)
	declared := tmpl["parameters"].(obj)
	for _, f := range files {
		doc := readJSON(t, f)
		if v, _ := doc["contentVersion"].(string); !contentVersionRe.MatchString(v) {
			t.Errorf("%s: contentVersion %q", f, v)
		}
		given := doc["parameters"].(obj)
		for k, v := range given {
			d, ok := declared[k].(obj)
			if !ok {
				t.Errorf("%s: parameter %s is not declared by the template", f, k)
				continue
			}
			if strings.HasPrefix(strings.ToLower(fmt.Sprint(d["type"])), "secure") {
				t.Errorf("%s: gives secure parameter %s a value in a file", f, k)
			}
			if allowed, ok := d["allowedValues"].(arr); ok && !slices.Contains(allowed, v.(obj)["value"]) {
				t.Errorf("%s: %s = %v, not in %v", f, k, v.(obj)["value"], allowed)
			}
		}
		for k, v := range declared {
			if _, hasDefault := v.(obj)["defaultValue"]; !hasDefault {
				if _, ok := given[k]; !ok {
					t.Errorf("%s: required parameter %s missing", f, k)
				}
			}
		}
		if u, _ := dig(given, "socpilotUrl", "value").(string); !strings.HasPrefix(u, "https://") {
			t.Errorf("%s: socpilotUrl %q, want https (the request carries the token)", f, u)
		}
	}
}

func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	// Instructions, continuation lines joined, comments dropped.
	var instrs []string
	var cur strings.Builder
	for _, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || (trimmed == "" && cur.Len() == 0) {
			continue
		}
		if strings.HasSuffix(trimmed, "\\") {
			cur.WriteString(strings.TrimSuffix(trimmed, "\\") + " ")
			continue
		}
		cur.WriteString(trimmed)
		if s := cur.String(); s != "" {
			instrs = append(instrs, s)
		}
		cur.Reset()
	}
	var stages [][]string
	for _, in := range instrs {
		if strings.HasPrefix(strings.ToUpper(in), "FROM ") {
			stages = append(stages, nil)
		}
		if len(stages) > 0 {
			stages[len(stages)-1] = append(stages[len(stages)-1], in)
		}
	}
	if len(stages) < 2 {
		t.Fatalf("%d stages, want a build stage and a runtime stage", len(stages))
	}
	build, final := strings.Join(slices.Concat(stages[:len(stages)-1]...), "\n"), stages[len(stages)-1]
	for _, want := range []string{"CGO_ENABLED=0", "go build", "-trimpath", "./cmd/socpilot"} {
		if !strings.Contains(build, want) {
			t.Errorf("the build stage does not contain %q", want)
		}
	}
	if _, err := os.Stat("../cmd/socpilot"); err != nil {
		t.Errorf("the Dockerfile builds ./cmd/socpilot: %v", err)
	}

	instr := func(kw string) []string {
		var out []string
		for _, in := range final {
			if f := strings.Fields(in); len(f) > 1 && strings.EqualFold(f[0], kw) {
				out = append(out, strings.TrimSpace(in[len(f[0]):]))
			}
		}
		return out
	}
	users := instr("USER")
	if len(users) == 0 {
		t.Error("the runtime stage has no USER: it would run as root")
	} else if u := strings.Split(users[len(users)-1], ":")[0]; u == "root" || u == "0" {
		t.Errorf("the runtime stage runs as %q", users[len(users)-1])
	}
	var entry []string
	if e := instr("ENTRYPOINT"); len(e) != 1 || json.Unmarshal([]byte(e[0]), &entry) != nil {
		t.Fatalf("ENTRYPOINT %v, want one in exec (JSON) form", e)
	}
	if len(entry) < 2 || filepath.Base(entry[0]) != "socpilot" || entry[1] != "serve" {
		t.Errorf("ENTRYPOINT %v, want socpilot serve ...", entry)
	}
	if !slices.Equal(entry[2:], []string{"--listen", ":8080"}) {
		t.Errorf("ENTRYPOINT flags %v, want --listen :8080", entry[2:])
	}
	if e := instr("EXPOSE"); !slices.Contains(e, "8080") {
		t.Errorf("EXPOSE %v, want 8080", e)
	}
	if e := instr("ENV"); !slices.Contains(e, "SOCPILOT_STATE_DIR=/var/lib/socpilot") {
		t.Errorf("ENV %v, want SOCPILOT_STATE_DIR=/var/lib/socpilot", e)
	}
	if v := instr("VOLUME"); len(v) == 0 || !strings.Contains(v[0], "/var/lib/socpilot") {
		t.Errorf("VOLUME %v, want /var/lib/socpilot", v)
	}
}

// The build context filter keeps out what must not reach an image (git
// history, local state, config that may hold secrets) and nothing the build
// needs.
func TestDockerignoreKeepsBuildInputs(t *testing.T) {
	b, err := os.ReadFile("Dockerfile.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	var pats []*regexp.Regexp
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		pats = append(pats, dockerignorePattern(line))
	}
	ignored := func(p string) bool {
		for _, re := range pats {
			if re.MatchString(p) {
				return true
			}
		}
		return false
	}
	for _, p := range []string{".git/config", "socpilot.yaml", "state/socpilot.db"} {
		if !ignored(p) {
			t.Errorf("%s reaches the build context", p)
		}
	}
	err = filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("..", path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == ".git" || strings.HasPrefix(d.Name(), ".") && rel != "." {
				return filepath.SkipDir
			}
			return nil
		}
		needed := rel == "go.mod" || rel == "go.sum" || strings.HasSuffix(rel, ".go") && !strings.HasSuffix(rel, "_test.go") ||
			strings.Contains(rel, "/migrations/") || strings.Contains(rel, "/demodata/")
		if needed && ignored(rel) {
			t.Errorf("Dockerfile.dockerignore drops %s, which the build needs", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// dockerignorePattern turns a .dockerignore line into a regexp over
// slash-separated paths relative to the context root: a match of a
// directory excludes everything under it.
func dockerignorePattern(p string) *regexp.Regexp {
	p = strings.TrimPrefix(p, "/")
	var re strings.Builder
	re.WriteString("^")
	for i := 0; i < len(p); i++ {
		switch {
		case strings.HasPrefix(p[i:], "**/"):
			re.WriteString("(.*/)?")
			i += 2
		case p[i] == '*':
			re.WriteString("[^/]*")
		case p[i] == '?':
			re.WriteString("[^/]")
		default:
			re.WriteString(regexp.QuoteMeta(p[i : i+1]))
		}
	}
	re.WriteString("(/.*)?$")
	return regexp.MustCompile(re.String())
}

func TestReadmeHasRunItForEveryIncident(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("\n## Run it for every incident\n")) {
		t.Error(`README.md has no "## Run it for every incident" section for the main README to link`)
	}
}

// triggerBody is the documented shape of the Microsoft Sentinel incident
// trigger's body (what @triggerBody() forwards), as far as the tests read it.
type triggerBody struct {
	EventUniqueID    string `json:"eventUniqueId"`
	ObjectSchemaType string `json:"objectSchemaType"`
	ObjectEventType  string `json:"objectEventType"`
	WorkspaceInfo    struct {
		SubscriptionID    string `json:"SubscriptionId"`
		ResourceGroupName string `json:"ResourceGroupName"`
		WorkspaceName     string `json:"WorkspaceName"`
	} `json:"workspaceInfo"`
	WorkspaceID string `json:"workspaceId"`
	Object      struct {
		ID         string `json:"id"`
		Name       string `json:"name"`
		Etag       string `json:"etag"`
		Type       string `json:"type"`
		Properties struct {
			Title           string `json:"title"`
			Severity        string `json:"severity"`
			Status          string `json:"status"`
			IncidentNumber  int    `json:"incidentNumber"`
			Alerts          []obj  `json:"Alerts"`
			RelatedEntities []obj  `json:"relatedEntities"`
		} `json:"properties"`
	} `json:"object"`
}

// readTriggerBody reads testdata/trigger-body.json, an example trigger body
// with obviously fake ids.
func readTriggerBody(t *testing.T) ([]byte, triggerBody) {
	t.Helper()
	body, err := os.ReadFile("testdata/trigger-body.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc triggerBody
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	return body, doc
}

func TestTriggerBodyHasDocumentedShape(t *testing.T) {
	_, doc := readTriggerBody(t)
	p := doc.Object.Properties
	if doc.EventUniqueID == "" || doc.ObjectSchemaType != "Incident" || doc.ObjectEventType == "" || doc.WorkspaceID == "" ||
		doc.Object.Name == "" || doc.Object.Etag == "" || doc.Object.Type != "Microsoft.SecurityInsights/Incidents" ||
		p.Title == "" || p.Severity == "" || p.Status == "" || p.IncidentNumber == 0 || len(p.Alerts) == 0 || len(p.RelatedEntities) == 0 {
		t.Fatalf("testdata/trigger-body.json lacks fields of the documented trigger schema: %+v", doc)
	}
	// object.id names the workspace that workspaceInfo names, and ends in
	// the incident's name.
	wi := doc.WorkspaceInfo
	wantPrefix := "/subscriptions/" + wi.SubscriptionID + "/resourceGroups/" + wi.ResourceGroupName +
		"/providers/Microsoft.OperationalInsights/workspaces/" + wi.WorkspaceName + "/providers/Microsoft.SecurityInsights/Incidents/"
	if doc.Object.ID != wantPrefix+doc.Object.Name {
		t.Errorf("object.id %q, want %q", doc.Object.ID, wantPrefix+doc.Object.Name)
	}
}
