package scenario

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/pb33f/go-yaml"

	"github.com/lsmock/lsmock/internal/yamldec"

	"github.com/lsmock/lsmock/internal/spec"
)

// match decodes `match:`: body fields, headers, query parameters and the API key.
func (d *decoder) match(n *yaml.Node, op *spec.Operation) []Condition {
	m := d.Mapping(n, "match", "body", "headers", "query", "api_key")
	var out []Condition
	if f, ok := m["body"]; ok {
		for _, e := range d.Entries(f.Value, "match.body must map field paths to conditions") {
			key := e.Key
			segments := bodyPath(key.Value)
			if op.Body == nil {
				d.Errorf(key, "%s takes no JSON body to match on", op.ID)
				continue
			}
			if props := topLevelProperties(op); len(props) > 0 && !slices.Contains(props, segments[0]) {
				msg := fmt.Sprintf("body field %q is not in %s's request schema (fields: %s)", segments[0], op.ID, strings.Join(props, ", "))
				if s := yamldec.Suggest(segments[0], props); s != "" {
					msg = fmt.Sprintf("body field %q is not in %s's request schema (did you mean %q?)", segments[0], op.ID, s)
				}
				d.Errorf(key, "%s", msg)
				continue
			}
			if c, ok := d.condition(e.Value, "body "+key.Value, false); ok {
				c.Target, c.Path = TargetBody, segments
				out = append(out, c)
			}
		}
	}
	for _, t := range []struct {
		key    string
		target Target
	}{{"headers", TargetHeader}, {"query", TargetQuery}} {
		f, ok := m[t.key]
		if !ok {
			continue
		}
		for _, e := range d.Entries(f.Value, "match."+t.key+" must map names to conditions") {
			name := e.Key.Value
			if t.target == TargetHeader {
				name = http.CanonicalHeaderKey(name)
			}
			if c, ok := d.condition(e.Value, strings.TrimSuffix(t.key, "s")+" "+name, true); ok {
				c.Target, c.Name = t.target, name
				out = append(out, c)
			}
		}
	}
	if f, ok := m["api_key"]; ok {
		if c, ok := d.condition(f.Value, "api key", true); ok {
			c.Target = TargetAPIKey
			out = append(out, c)
		}
	}
	return out
}

// bodyPath splits a JSON pointer ("/a/b") or a dotted path ("a.b") into segments.
func bodyPath(p string) []string {
	if strings.HasPrefix(p, "/") {
		parts := strings.Split(p[1:], "/")
		for i, s := range parts {
			parts[i] = strings.NewReplacer("~1", "/", "~0", "~").Replace(s)
		}
		return parts
	}
	return strings.Split(p, ".")
}

func topLevelProperties(op *spec.Operation) []string {
	if op.Body == nil {
		return nil
	}
	var names []string
	for _, p := range op.Body.Properties {
		names = append(names, p.Name)
	}
	return names
}

// condition reads a scalar (shorthand for equals) or a mapping with one operator. Headers,
// query parameters and API keys are text, so for them (text) values compare as text: a
// scenario's 2 matches the header value "2".
func (d *decoder) condition(n *yaml.Node, what string, text bool) (Condition, bool) {
	value := func(n *yaml.Node) (any, bool) {
		v, ok := d.Value(n, what)
		if ok && text && v != nil {
			if _, isString := v.(string); !isString {
				v = strings.TrimSpace(yamldec.Resolve(n).Value)
			}
		}
		return v, ok
	}
	n = yamldec.Resolve(n)
	if n.Kind != yaml.MappingNode {
		v, ok := value(n)
		if !ok {
			return Condition{}, false
		}
		return Condition{Op: OpEquals, Keys: []string{ValueKey(v)}, Text: fmt.Sprintf("%s equals %s", what, display(v))}, true
	}
	m := d.Mapping(n, "the condition on "+what, string(OpEquals), string(OpOneOf), string(OpRegex), string(OpPresent), string(OpAbsent))
	if len(m) != 1 {
		if m != nil {
			d.Errorf(n, "the condition on %s needs exactly one of equals, one_of, regex, present, absent", what)
		}
		return Condition{}, false
	}
	for op, f := range m {
		switch Op(op) {
		case OpEquals:
			v, ok := value(f.Value)
			if !ok {
				return Condition{}, false
			}
			return Condition{Op: OpEquals, Keys: []string{ValueKey(v)}, Text: fmt.Sprintf("%s equals %s", what, display(v))}, true
		case OpOneOf:
			list := yamldec.Resolve(f.Value)
			if list.Kind != yaml.SequenceNode || len(list.Content) == 0 {
				d.Errorf(list, "one_of on %s must be a non-empty list", what)
				return Condition{}, false
			}
			c := Condition{Op: OpOneOf}
			var shown []string
			for _, item := range list.Content {
				v, ok := value(item)
				if !ok {
					return Condition{}, false
				}
				c.Keys = append(c.Keys, ValueKey(v))
				shown = append(shown, display(v))
			}
			c.Text = fmt.Sprintf("%s is one of %s", what, strings.Join(shown, ", "))
			return c, true
		case OpRegex:
			pattern, ok := d.Str(f.Value, "regex")
			if !ok {
				return Condition{}, false
			}
			re, err := regexp.Compile(pattern)
			if err != nil {
				d.Errorf(f.Value, "bad regex for %s: %v", what, err)
				return Condition{}, false
			}
			return Condition{Op: OpRegex, Regex: re, Text: fmt.Sprintf("%s matches /%s/", what, pattern)}, true
		case OpPresent, OpAbsent:
			want, ok := d.Bool(f.Value, op)
			if !ok {
				return Condition{}, false
			}
			if !want {
				d.Errorf(f.Value, "write %s: true (or use the other operator)", op)
				return Condition{}, false
			}
			return Condition{Op: Op(op), Text: fmt.Sprintf("%s is %s", what, op)}, true
		}
	}
	return Condition{}, false
}

func display(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprint(v)
}
