package spec

import (
	"github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
)

// mediaExample picks a media type's first named example, then its example, then one built
// from its schema.
func mediaExample(m *v3.MediaType) (any, bool) {
	if m.Examples != nil {
		for e := m.Examples.First(); e != nil; e = e.Next() {
			if ex := e.Value(); ex != nil && ex.Value != nil {
				if v, ok := decodeNode(ex.Value); ok {
					return v, true
				}
			}
		}
	}
	if v, ok := decodeNode(m.Example); ok {
		return v, true
	}
	if m.Schema == nil {
		return nil, false
	}
	return schemaExample(m.Schema.Schema(), 0)
}

// schemaExample builds the simplest value a schema accepts from what it declares.
func schemaExample(s *base.Schema, depth int) (any, bool) {
	if s == nil || depth > 8 {
		return nil, false
	}
	for _, ex := range s.Examples {
		if v, ok := decodeNode(ex); ok {
			return v, true
		}
	}
	for _, n := range []*yaml.Node{s.Example, s.Const, s.Default} {
		if v, ok := decodeNode(n); ok {
			return v, true
		}
	}
	for _, n := range s.Enum {
		if v, ok := decodeNode(n); ok {
			return v, true
		}
	}
	typ := ""
	if len(s.Type) > 0 {
		typ = s.Type[0]
	}
	switch {
	case typ == "object" || (typ == "" && s.Properties != nil):
		obj := map[string]any{}
		required := map[string]bool{}
		for _, r := range s.Required {
			required[r] = true
		}
		if s.Properties != nil {
			for p := s.Properties.First(); p != nil; p = p.Next() {
				if !required[p.Key()] {
					continue
				}
				if v, ok := schemaExample(p.Value().Schema(), depth+1); ok {
					obj[p.Key()] = v
				}
			}
		}
		return obj, true
	case typ == "array":
		return []any{}, true
	case typ == "string":
		return "string", true
	case typ == "integer" || typ == "number":
		return 0, true
	case typ == "boolean":
		return false, true
	}
	return nil, false
}

// decodeNode turns a YAML node into plain Go values that encoding/json can marshal.
func decodeNode(n *yaml.Node) (any, bool) {
	if n == nil {
		return nil, false
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, false
	}
	return v, true
}
