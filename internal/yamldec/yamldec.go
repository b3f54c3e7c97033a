// Package yamldec decodes YAML files by hand, so that every problem carries its line and
// column, and goes on after one so a file's problems are reported together. The scenario
// files and the license declarations are read with it.
package yamldec

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pb33f/go-yaml"

	"github.com/lsmock/lsmock/internal/fileerr"
)

// Decoder walks the YAML tree of one file, collecting problems as file:line:col.
type Decoder struct {
	File string
	Errs fileerr.List
}

// Errorf reports a problem at n, once: a scenario for several operations is decoded for
// each, and would otherwise repeat a mistake they share.
func (d *Decoder) Errorf(n *yaml.Node, format string, args ...any) {
	e := &fileerr.Error{File: d.File, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Col = n.Line, n.Column
	}
	for _, prev := range d.Errs {
		if *prev == *e {
			return
		}
	}
	d.Errs = append(d.Errs, e)
}

// Field is a mapping entry: its key node (for positions) and its value.
type Field struct {
	Key   *yaml.Node
	Value *yaml.Node
}

// Mapping returns the entries of a mapping node in order, reporting keys not in allowed
// (with a suggestion) and duplicates. what names the mapping in messages.
func (d *Decoder) Mapping(n *yaml.Node, what string, allowed ...string) map[string]Field {
	n = Resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		d.Errorf(n, "%s must be a mapping of keys to values", what)
		return nil
	}
	out := make(map[string]Field, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := k.Value
		if !slices.Contains(allowed, name) {
			msg := fmt.Sprintf("unknown key %q in %s", name, what)
			if s := Suggest(name, allowed); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			} else {
				msg += " (allowed: " + strings.Join(allowed, ", ") + ")"
			}
			d.Errorf(k, "%s", msg)
			continue
		}
		if _, dup := out[name]; dup {
			d.Errorf(k, "key %q appears twice in %s", name, what)
			continue
		}
		out[name] = Field{Key: k, Value: v}
	}
	return out
}

// Entries returns the entries of a mapping whose keys are the user's own (header names,
// body paths), in order; when n is not a mapping it reports msg and returns none.
func (d *Decoder) Entries(n *yaml.Node, msg string) []Field {
	n = Resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		d.Errorf(n, "%s", msg)
		return nil
	}
	out := make([]Field, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		out = append(out, Field{Key: n.Content[i], Value: n.Content[i+1]})
	}
	return out
}

// Resolve follows aliases and steps into a document node.
func Resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		return Resolve(n.Content[0])
	}
	return n
}

// Str reads a string.
func (d *Decoder) Str(n *yaml.Node, what string) (string, bool) {
	n = Resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		d.Errorf(n, "%s must be a string", what)
		return "", false
	}
	return n.Value, true
}

// Int reads a whole number.
func (d *Decoder) Int(n *yaml.Node, what string) (int, bool) {
	n = Resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		d.Errorf(n, "%s must be a whole number", what)
		return 0, false
	}
	v, err := strconv.Atoi(n.Value)
	if err != nil {
		d.Errorf(n, "%s must be a whole number: %v", what, err)
		return 0, false
	}
	return v, true
}

// Bool reads true or false.
func (d *Decoder) Bool(n *yaml.Node, what string) (bool, bool) {
	n = Resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
		d.Errorf(n, "%s must be true or false", what)
		return false, false
	}
	return n.Value == "true", true
}

// Duration reads "250ms", "2s", or a bare number of milliseconds.
func (d *Decoder) Duration(n *yaml.Node, what string) (time.Duration, bool) {
	n = Resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode {
		d.Errorf(n, "%s must be a duration such as 250ms or 2s", what)
		return 0, false
	}
	if n.ShortTag() == "!!int" {
		ms, err := strconv.Atoi(n.Value)
		if err == nil && ms >= 0 {
			return time.Duration(ms) * time.Millisecond, true
		}
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil || v < 0 {
		d.Errorf(n, "%s must be a duration such as 250ms or 2s, not %q", what, n.Value)
		return 0, false
	}
	return v, true
}

// Value decodes any YAML value into what encoding/json would produce for the same JSON,
// so that it compares and renders like a request's body.
func (d *Decoder) Value(n *yaml.Node, what string) (any, bool) {
	var v any
	if err := Resolve(n).Decode(&v); err != nil {
		d.Errorf(n, "%s: %v", what, err)
		return nil, false
	}
	raw, err := json.Marshal(jsonable(v))
	if err != nil {
		d.Errorf(n, "%s cannot be expressed as JSON: %v", what, err)
		return nil, false
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		d.Errorf(n, "%s cannot be expressed as JSON: %v", what, err)
		return nil, false
	}
	return out, true
}

// jsonable turns YAML's map[any]any (non-string keys) into map[string]any.
func jsonable(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = jsonable(e)
		}
		return t
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[fmt.Sprint(k)] = jsonable(e)
		}
		return m
	case []any:
		for i, e := range t {
			t[i] = jsonable(e)
		}
		return t
	default:
		return v
	}
}

// Suggest returns the allowed key closest to a typo, if one is close enough.
func Suggest(name string, allowed []string) string {
	best, bestDist := "", 3
	for _, a := range allowed {
		if d := distance(strings.ToLower(name), a); d < bestDist {
			best, bestDist = a, d
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
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

// Has reports whether a decoded mapping has key.
func Has(m map[string]Field, key string) bool {
	_, ok := m[key]
	return ok
}
