package analysis

import (
	"encoding/json"
	"fmt"

	"github.com/invopop/jsonschema"
)

// SchemaFor generates the strict JSON schema of a Go type for structured
// output: every property required, no additional properties, no $refs.
func SchemaFor(v any) (json.RawMessage, error) {
	r := &jsonschema.Reflector{DoNotReference: true, ExpandedStruct: true, AllowAdditionalProperties: false, RequiredFromJSONSchemaTags: false}
	s := r.Reflect(v)
	s.Version = ""
	s.ID = ""
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("schema of %T: %w", v, err)
	}
	return b, nil
}
