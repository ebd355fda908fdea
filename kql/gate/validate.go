package gate

import (
	"github.com/socpilot/socpilot/kql"
	"github.com/socpilot/socpilot/kql/schema"
)

func validate(s *schema.Schema, query string) []kql.Finding {
	v := &kql.Validator{Schema: s}
	return v.Validate(query)
}
