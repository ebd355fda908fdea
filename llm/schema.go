package llm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"
)

// SchemaFor returns a JSON schema of v's type in the form OpenAI's strict
// structured outputs accept: the root is an object, every object lists all
// its properties as required (in field order, which is also the order the
// model writes them) and forbids others, and nested types are inlined so
// servers without $ref support (llama.cpp grammars, older vLLM) read it too.
// Field doc comments are not available at run time; use
// `jsonschema:"description=..."` tags to guide the model, and
// `jsonschema:"enum=a,enum=b"` to list a string's values.
//
// Types strict mode cannot express are refused with an error naming the
// field: maps, interfaces (any), and recursive types.
//
// The schema is built here from the few kinds structured output uses rather
// than by a general JSON Schema library: invopop/jsonschema, used before,
// brought an ordered map, a YAML parser and a JSON scanner with it (about
// 0.5 MB of the binary, five modules to download) for what this file does.
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
	s, err := schemaOf(t, "", t.Name())
	if err != nil {
		return nil, fmt.Errorf("schema for %s: %w", t, err)
	}
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("schema for %s: %w", t, err)
	}
	return b, nil
}

// schema is the part of JSON Schema strict structured output uses. Its
// fields are in the order invopop/jsonschema wrote them, so the schema sent
// is byte for byte what it was.
type schema struct {
	Items                *schema     `json:"items,omitempty"`
	Properties           *properties `json:"properties,omitempty"`
	AdditionalProperties *bool       `json:"additionalProperties,omitempty"`
	Type                 string      `json:"type,omitempty"`
	Enum                 []string    `json:"enum,omitempty"`
	MaxItems             *int        `json:"maxItems,omitempty"`
	MinItems             *int        `json:"minItems,omitempty"`
	Required             []string    `json:"required,omitempty"`
	Format               string      `json:"format,omitempty"`
	ContentEncoding      string      `json:"contentEncoding,omitempty"`
	Description          string      `json:"description,omitempty"`
}

// properties keeps an object's properties in field order.
type properties struct {
	names []string
	props []*schema
}

func (p *properties) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, name := range p.names {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(name)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(p.props[i])
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

var timeType = reflect.TypeFor[time.Time]()

// schemaOf returns t's schema with the `jsonschema` tag's keywords; path
// names the field in errors.
func schemaOf(t reflect.Type, tag, path string) (*schema, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	s := &schema{}
	switch {
	case t == timeType:
		s.Type, s.Format = "string", "date-time"
	case t.Kind() == reflect.String:
		s.Type = "string"
	case t.Kind() == reflect.Bool:
		s.Type = "boolean"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uintptr:
		s.Type = "integer"
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		s.Type = "number"
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		s.Type, s.ContentEncoding = "string", "base64"
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		items, err := schemaOf(t.Elem(), "", path+"[]")
		if err != nil {
			return nil, err
		}
		s.Type, s.Items = "array", items
		if t.Kind() == reflect.Array {
			n := t.Len()
			s.MaxItems, s.MinItems = &n, &n
		}
	case t.Kind() == reflect.Struct:
		if err := object(s, t, path); err != nil {
			return nil, err
		}
	case t.Kind() == reflect.Map:
		return nil, fmt.Errorf("%s is a map or an empty object: strict structured output needs named fields", path)
	default:
		return nil, fmt.Errorf("%s has no type (an interface?): strict structured output needs concrete types", path)
	}
	for kw := range strings.SplitSeq(tag, ",") {
		switch k, v, _ := strings.Cut(kw, "="); k {
		case "enum":
			s.Enum = append(s.Enum, v)
		case "description":
			s.Description = v
		}
	}
	return s, nil
}

// object fills s with t's exported fields, every one required, none other
// allowed; embedded structs without a JSON name lend their fields, as in
// encoding/json.
func object(s *schema, t reflect.Type, path string) error {
	s.Type = "object"
	s.Properties = &properties{}
	if err := fields(s, t, path); err != nil {
		return err
	}
	if len(s.Properties.names) == 0 {
		return fmt.Errorf("%s is a map or an empty object: strict structured output needs named fields", path)
	}
	s.Required = s.Properties.names
	no := false
	s.AdditionalProperties = &no
	return nil
}

func fields(s *schema, t reflect.Type, path string) error {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			et := f.Type
			for et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				if err := fields(s, et, path); err != nil {
					return err
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		p, err := schemaOf(f.Type, f.Tag.Get("jsonschema"), path+"."+name)
		if err != nil {
			return err
		}
		s.Properties.names = append(s.Properties.names, name)
		s.Properties.props = append(s.Properties.props, p)
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
