package llm

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"

	"github.com/invopop/jsonschema"
)

// SchemaFor returns a JSON schema of v's type in the form OpenAI's strict
// structured outputs accept: the root is an object, every object lists all
// its properties as required (in field order, which is also the order the
// model writes them) and forbids others, and nested types are inlined so
// servers without $ref support (llama.cpp grammars, older vLLM) read it too.
// Field doc comments are not available at run time; use
// `jsonschema:"description=..."` tags to guide the model.
//
// Types strict mode cannot express are refused with an error naming the
// field: maps, interfaces (any), and recursive types.
func SchemaFor(v any) (json.RawMessage, error) {
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("schema for %T: structured output needs a struct at the root", v)
	}
	if path, ok := recursive(t, nil); ok {
		return nil, fmt.Errorf("schema for %s: recursive type at %s cannot be inlined", t, path)
	}
	r := jsonschema.Reflector{
		ExpandedStruct: true,
		DoNotReference: true,
		Anonymous:      true,
	}
	s := r.ReflectFromType(t)
	s.Version = ""
	s.ID = ""
	if err := strict(s, t.Name()); err != nil {
		return nil, fmt.Errorf("schema for %s: %w", t, err)
	}
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("schema for %s: %w", t, err)
	}
	return b, nil
}

// strict rewrites s in place for strict mode and rejects what it cannot hold.
func strict(s *jsonschema.Schema, path string) error {
	if s == nil || s == jsonschema.TrueSchema || s == jsonschema.FalseSchema {
		return nil
	}
	switch {
	case s.Properties != nil && s.Properties.Len() > 0:
		s.Required = s.Required[:0]
		for p := s.Properties.Oldest(); p != nil; p = p.Next() {
			s.Required = append(s.Required, p.Key)
			if err := strict(p.Value, path+"."+p.Key); err != nil {
				return err
			}
		}
		s.AdditionalProperties = jsonschema.FalseSchema
	case s.Type == "object":
		return fmt.Errorf("%s is a map or an empty object: strict structured output needs named fields", path)
	case s.Type == "" && s.Ref == "" && len(s.AnyOf) == 0 && len(s.OneOf) == 0 && len(s.AllOf) == 0 && s.Enum == nil && s.Const == nil:
		return fmt.Errorf("%s has no type (an interface?): strict structured output needs concrete types", path)
	}
	if s.PatternProperties != nil {
		return fmt.Errorf("%s has pattern properties, which strict structured output does not accept", path)
	}
	if err := strict(s.Items, path+"[]"); err != nil {
		return err
	}
	for _, list := range [][]*jsonschema.Schema{s.AnyOf, s.OneOf, s.AllOf} {
		for _, sub := range list {
			if err := strict(sub, path); err != nil {
				return err
			}
		}
	}
	return nil
}

// recursive finds a struct type that contains itself, which inlining
// cannot express.
func recursive(t reflect.Type, seen []reflect.Type) (string, bool) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return "", false
	}
	if t.PkgPath() == "time" {
		return "", false
	}
	if slices.Contains(seen, t) {
		return t.String(), true
	}
	seen = append(seen, t)
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		if path, ok := recursive(f.Type, seen); ok {
			return t.Name() + "." + f.Name + " → " + path, true
		}
	}
	return "", false
}
