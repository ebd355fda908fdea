package config

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/socpilot/socpilot"
	"github.com/socpilot/socpilot/internal/owned"
)

// DefaultFileName is the configuration file looked for in the working
// directory, then in $XDG_CONFIG_HOME/socpilot/.
const DefaultFileName = "socpilot.yaml"

// findFile returns the file to read (absolute) and how messages name it,
// or "" when there is none. An explicit path must exist.
func findFile(explicit string, getenv func(string) string) (path, display string, err error) {
	if explicit != "" {
		explicit = expandHome(explicit, getenv)
		if _, err := os.Stat(explicit); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return "", "", socpilot.Errorf(socpilot.EConfig, "config file %s does not exist", explicit)
			}
			return "", "", &socpilot.Error{Code: socpilot.EConfig, Message: "cannot read config file " + explicit, Err: err}
		}
		abs, err := filepath.Abs(explicit)
		if err != nil {
			abs = explicit
		}
		return abs, explicit, nil
	}
	if st, err := os.Stat(DefaultFileName); err == nil && !st.IsDir() {
		abs, err := filepath.Abs(DefaultFileName)
		if err != nil {
			abs = DefaultFileName
		}
		return abs, DefaultFileName, nil
	}
	dir := getenv("XDG_CONFIG_HOME")
	if dir == "" || !filepath.IsAbs(dir) {
		dir = filepath.Join(homeDir(getenv), ".config")
	}
	p := filepath.Join(dir, "socpilot", DefaultFileName)
	if st, err := os.Stat(p); err == nil && !st.IsDir() {
		return p, p, nil
	}
	return "", "", nil
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// readFile reads and validates a configuration file. display names it in
// messages ("socpilot.yaml:4: key ..."). It returns the settings, and the
// workspaces: list that serve reads.
func readFile(path, display string, getenv func(string) string) (map[string]value, []ServeWorkspace, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, &socpilot.Error{Code: socpilot.EConfig, Message: "cannot read config file " + display, Err: err}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
			return nil, nil, socpilot.Errorf(socpilot.EConfig, "%s:%s: invalid YAML: %s", display, m[1], m[2])
		}
		return nil, nil, socpilot.Errorf(socpilot.EConfig, "%s: invalid YAML: %s", display, msg)
	}
	out := map[string]value{}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return out, nil, nil // empty file
	}
	root := deref(doc.Content[0])
	if root.Tag == "!!null" {
		return out, nil, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, nil, socpilot.Errorf(socpilot.EConfig, "%s:%d: expected a mapping of settings such as \"workspace_name: my-workspace\", got %s", display, root.Line, nodeKind(root))
	}
	r := fileReader{path: path, display: display, getenv: getenv, out: out}
	if err := r.mapping(root, section{}); err != nil {
		return nil, nil, err
	}
	return out, r.served, nil
}

type fileReader struct {
	path, display string
	getenv        func(string) string
	out           map[string]value
	served        []ServeWorkspace // the workspaces: list
}

// section is a mapping of the file whose keys are settings: the top level,
// a nested mapping such as llm: or policy:, or the policy: of an entry of
// workspaces:.
type section struct {
	prefix string // the yaml paths of its settings start so: "", "llm.", "policy."
	label  string // messages name its keys so: the prefix, or "workspaces[0].policy."
	// workspace limits it to the settings a workspace may override.
	workspace bool
}

// sections are the mappings nested in the top level, with what they hold
// as messages describe it.
var sections = map[string]string{
	"llm":    "model settings (provider, endpoint, api_key, model, ...)",
	"policy": "serve policy settings (min_severity, statuses, products, tactics, labels, skip_titles, write, concurrency, ...)",
	"signin": "console sign-in settings (tenant_id, client_id, public_url, read_role, write_role, ...)",
}

// mapping reads the pairs of m, the settings of sec.
func (r *fileReader) mapping(m *yaml.Node, sec section) error {
	seen := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := deref(m.Content[i]), deref(m.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			return socpilot.Errorf(socpilot.EConfig, "%s:%d: expected a key name, got %s", r.display, k.Line, nodeKind(k))
		}
		name, shown := sec.prefix+k.Value, sec.label+k.Value
		if first, ok := seen[k.Value]; ok {
			return socpilot.Errorf(socpilot.EConfig, "%s:%d: key %q appears twice (first on line %d)", r.display, k.Line, shown, first)
		}
		seen[k.Value] = k.Line
		if sec.prefix == "" {
			if what, ok := sections[k.Value]; ok {
				switch {
				case v.Tag == "!!null":
					continue
				case v.Kind != yaml.MappingNode:
					return socpilot.Errorf(socpilot.EConfig, "%s:%d: key %q: expected a mapping of %s, got %s", r.display, v.Line, k.Value, what, nodeKind(v))
				}
				if err := r.mapping(v, section{prefix: k.Value + ".", label: k.Value + "."}); err != nil {
					return err
				}
				continue
			}
			if k.Value == workspacesKey {
				if err := r.workspaces(v); err != nil {
					return err
				}
				continue
			}
		}
		s, ok := settingByYAML(name)
		if ok && sec.workspace && !s.workspace {
			return socpilot.Errorf(socpilot.EConfig, "%s:%d: key %q applies to the whole service, not to one workspace: set it in the top-level policy",
				r.display, k.Line, shown)
		}
		if !ok {
			return socpilot.Errorf(socpilot.EConfig, "%s:%d: unknown key %q%s", r.display, k.Line, shown, suggestKey(shown, sec))
		}
		where := fmt.Sprintf("%s:%d: key %q", r.display, v.Line, shown)
		if s.noFile {
			vault := ""
			if len(s.vault) > 0 {
				vault = " or the Key Vault secret " + s.vault[0]
			}
			return socpilot.Errorf(socpilot.EConfig, "%s: a secret is not read from the file; set %s%s instead", where, s.env, vault)
		}
		if v.Tag == "!!null" {
			continue // "key:" with no value leaves the setting unset
		}
		if v.Kind == yaml.SequenceNode && s.kind.list() {
			if err := r.list(s, shown, v); err != nil {
				return err
			}
			continue
		}
		if v.Kind != yaml.ScalarNode {
			return socpilot.Errorf(socpilot.EConfig, "%s: expected %s, got %s", where, expectedType(s.kind), nodeKind(v))
		}
		if err := put(r.out, s, v.Value, value{origin: "file:" + r.path, where: where}, r.getenv); err != nil {
			return err
		}
	}
	return nil
}

// list reads a YAML list of a list setting (own_networks: [a, b]). Each
// item is one value, so an organisation name may hold a comma; a bad item
// is named with its own line.
func (r *fileReader) list(s setting, name string, seq *yaml.Node) error {
	var items []string
	var lines []int
	for _, n := range seq.Content {
		n = deref(n)
		switch {
		case n.Tag == "!!null":
			continue
		case n.Kind != yaml.ScalarNode:
			return socpilot.Errorf(socpilot.EConfig, "%s:%d: key %q: expected a list of single values, got %s in it", r.display, n.Line, name, nodeKind(n))
		}
		// [Contoso, Ltd.] is two YAML items but one organisation.
		if s.kind == kOrganisations && len(items) > 0 && owned.IsLegalSuffix(n.Value) && !owned.IsLegalSuffix(items[len(items)-1]) {
			items[len(items)-1] += ", " + strings.TrimSpace(n.Value)
			continue
		}
		items = append(items, n.Value)
		lines = append(lines, n.Line)
	}
	for i, it := range items {
		if _, problem := normaliseItem(s.kind, it); problem != "" {
			return socpilot.Errorf(socpilot.EConfig, "%s:%d: key %q: %s", r.display, lines[i], name, problem)
		}
	}
	norm, _ := normaliseList(s, items)
	if norm != "" {
		r.out[s.key] = value{v: norm, origin: "file:" + r.path, where: fmt.Sprintf("%s:%d: key %q", r.display, seq.Line, name)}
	}
	return nil
}

func deref(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return "a single value"
	}
	return "something else"
}

func expectedType(k kind) string {
	switch k {
	case kBool:
		return "true or false"
	case kPrice:
		return "a number"
	case kDuration:
		return "a duration such as 90s"
	case kNetworks, kDomains, kOrganisations, kStatuses, kProducts, kTactics, kLabels, kWrite:
		return "a list of values or a comma-separated string"
	case kPatterns:
		return "a list of regular expressions or a string of them separated by " + patternSep
	case kConcurrency, kTokensPerMinute, kMaxAttempts:
		return "a whole number"
	case kCostCap:
		return "a number"
	}
	return "a string"
}

func settingByYAML(name string) (setting, bool) {
	for _, s := range settings {
		if s.yaml == name {
			return s, true
		}
	}
	return setting{}, false
}

// suggestKey offers the closest known key of sec to the unknown one
// (named with sec's label), or lists them.
func suggestKey(shown string, sec section) string {
	var keys []string
	for _, s := range settings {
		if strings.HasPrefix(s.yaml, sec.prefix) && !strings.Contains(s.yaml[len(sec.prefix):], ".") && (!sec.workspace || s.workspace) {
			keys = append(keys, sec.label+s.yaml[len(sec.prefix):])
		}
	}
	if sec.prefix == "" {
		keys = append(keys, slices.Sorted(maps.Keys(sections))...)
		keys = append(keys, workspacesKey)
	}
	return suggestFrom(shown, keys)
}

// suggestFrom offers the key closest to name, or lists them all.
func suggestFrom(name string, keys []string) string {
	best, bestD := "", 3
	for _, k := range keys {
		if d := editDistance(strings.ToLower(name), k); d < bestD {
			best, bestD = k, d
		}
	}
	if best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	slices.Sort(keys)
	return "; expected one of " + strings.Join(keys, ", ")
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
