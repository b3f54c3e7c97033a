package validate

import (
	"math"
	"strings"

	"github.com/pb33f/go-yaml"
)

// flatObject is a request body schema simple enough to check directly: an object whose
// properties only name their types, some required, perhaps no others allowed. Most API
// bodies look like this, change_password's among them. Checking them directly skips the
// general JSON Schema walk and its allocations on the path valid requests take; a body it
// does not pass goes to the general validator, which decides and words the error.
type flatObject struct {
	types    map[string][]string // property -> the JSON types it may have
	required []string
	closed   bool // additionalProperties: false
}

// Keywords that only describe, never constrain; anything else sends a schema to the general
// validator.
var annotations = map[string]bool{"description": true, "title": true, "example": true, "examples": true,
	"deprecated": true, "readOnly": true, "writeOnly": true, "$comment": true}

// newFlatObject reads a schema rendered with its references inlined; nil when the schema is
// anything but a flat object of primitives.
func newFlatObject(rendered []byte) *flatObject {
	var s map[string]any
	if err := yaml.Unmarshal(rendered, &s); err != nil {
		return nil
	}
	f := &flatObject{types: map[string][]string{}}
	for key, val := range s {
		switch {
		case annotations[key], strings.HasPrefix(key, "x-"):
		case key == "type":
			if types := typeList(val); len(types) != 1 || types[0] != "object" {
				return nil
			}
		case key == "required":
			list, ok := val.([]any)
			if !ok {
				return nil
			}
			for _, r := range list {
				name, ok := r.(string)
				if !ok {
					return nil
				}
				f.required = append(f.required, name)
			}
		case key == "additionalProperties":
			b, ok := val.(bool)
			if !ok {
				return nil
			}
			f.closed = !b
		case key == "properties":
			props, ok := val.(map[string]any)
			if !ok {
				return nil
			}
			for name, p := range props {
				types := primitiveProperty(p)
				if types == nil {
					return nil
				}
				f.types[name] = types
			}
		default:
			return nil
		}
	}
	if _, typed := s["type"]; !typed {
		return nil
	}
	return f
}

// primitiveProperty returns the types of a property schema that only names types (and the
// password format, which no validator asserts): an object or array property with no schema
// of its own counts, as any value of the type passes; nil for anything else.
func primitiveProperty(p any) []string {
	m, ok := p.(map[string]any)
	if !ok {
		return nil
	}
	var types []string
	for key, val := range m {
		switch {
		case annotations[key], strings.HasPrefix(key, "x-"):
		case key == "format" && val == "password":
		case key == "type":
			types = typeList(val)
			for _, t := range types {
				switch t {
				case "string", "number", "integer", "boolean", "null", "object", "array":
				default:
					return nil
				}
			}
		default:
			return nil
		}
	}
	return types
}

func typeList(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			s, ok := e.(string)
			if !ok {
				return nil
			}
			out = append(out, s)
		}
		return out
	}
	return nil
}

// valid reports whether body certainly satisfies the schema; false means the general
// validator must decide.
func (f *flatObject) valid(body any) bool {
	obj, ok := body.(map[string]any)
	if !ok {
		return false
	}
	for _, name := range f.required {
		if _, ok := obj[name]; !ok {
			return false
		}
	}
	for name, v := range obj {
		types, declared := f.types[name]
		if !declared {
			if f.closed {
				return false
			}
			continue
		}
		if !hasType(v, types) {
			return false
		}
	}
	return true
}

func hasType(v any, types []string) bool {
	for _, t := range types {
		switch x := v.(type) {
		case string:
			if t == "string" {
				return true
			}
		case float64:
			if t == "number" || (t == "integer" && x == math.Trunc(x) && !math.IsInf(x, 0)) {
				return true
			}
		case bool:
			if t == "boolean" {
				return true
			}
		case nil:
			if t == "null" {
				return true
			}
		case map[string]any:
			if t == "object" {
				return true
			}
		case []any:
			if t == "array" {
				return true
			}
		}
	}
	return false
}
