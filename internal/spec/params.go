package spec

import (
	"strings"

	"github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/pb33f/libopenapi/orderedmap"
)

// Param is a parameter simple enough for validate to check as libopenapi-validator's
// parameter checks do, without the document's model: a query parameter of one plain type (a
// string one possibly with an enum of strings), or a header of type string.
type Param struct {
	Name     string
	In       string // "query" or "header"
	Required bool
	Type     string   // string, integer, number or boolean; always string for a header
	Enum     []string // the values a string parameter takes; nil for any
}

// paramKey reports whether a Param's schema may carry the keyword: type, enum, and those
// the library's checks ignore (it asserts no format by default, and password is no format
// JSON Schema knows).
func paramKey(k string) bool {
	switch k {
	case "type", "enum", "format", "description", "title", "example", "examples", "deprecated", "writeOnly", "default":
		return true
	}
	return strings.HasPrefix(k, "x-")
}

// directParams lists op's parameters in the order libopenapi-validator checks them (the
// path item's, then the operation's, as written: it merges nothing) when every one is a
// Param; ok is false when some one is not, and its checks then need the document's model.
func directParams(item *v3.PathItem, op *v3.Operation) (params []Param, ok bool) {
	for _, p := range append(append([]*v3.Parameter{}, item.Parameters...), op.Parameters...) {
		param, simple := directParam(p)
		if !simple {
			return nil, false
		}
		params = append(params, param)
	}
	return params, true
}

func directParam(p *v3.Parameter) (Param, bool) {
	if p == nil || p.Schema == nil || orderedmap.Len(p.Content) > 0 || (p.In != "query" && p.In != "header") {
		return Param{}, false
	}
	// Exploded, the library also refuses reserved characters and delimited lists.
	if p.Explode != nil && *p.Explode || p.In == "query" && p.Style != "" && p.Style != "form" {
		return Param{}, false
	}
	s := p.Schema.Schema()
	if s == nil || len(s.Type) != 1 || !onlyKeys(s) || s.Format != "" && s.Format != "password" {
		return Param{}, false
	}
	out := Param{Name: p.Name, In: p.In, Required: p.Required != nil && *p.Required, Type: s.Type[0]}
	switch {
	case p.In == "header" && (out.Type != "string" || s.Enum != nil):
		return Param{}, false
	case out.Type == "string":
	case out.Type == "integer", out.Type == "number", out.Type == "boolean":
		if s.Enum != nil {
			return Param{}, false
		}
	default:
		return Param{}, false
	}
	if s.Enum != nil && len(s.Enum) == 0 {
		return Param{}, false // refuses every value; a snapshot cannot tell it from none
	}
	for _, n := range s.Enum {
		if n == nil || n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
			return Param{}, false // the library compares text, JSON Schema the value
		}
		out.Enum = append(out.Enum, n.Value)
	}
	return out, true
}

// onlyKeys reports whether the schema says nothing but paramKey keywords.
func onlyKeys(s *base.Schema) bool {
	rendered, err := s.Render()
	if err != nil {
		return false
	}
	var keys map[string]any
	if yaml.Unmarshal(rendered, &keys) != nil {
		return false
	}
	for k := range keys {
		if !paramKey(k) {
			return false
		}
	}
	return true
}
