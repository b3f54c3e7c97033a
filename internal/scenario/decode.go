package scenario

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pb33f/go-yaml"

	"github.com/lsmock/lsmock/internal/fileerr"
)

// decoder walks a YAML tree by hand so that every problem carries its line and column, and
// keeps going after one so a file's problems are reported together.
type decoder struct {
	file string
	errs fileerr.List
}

// errorf reports a problem at n, once: a scenario for several operations is decoded for each,
// and would otherwise repeat a mistake they share.
func (d *decoder) errorf(n *yaml.Node, format string, args ...any) {
	e := &fileerr.Error{File: d.file, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Col = n.Line, n.Column
	}
	for _, prev := range d.errs {
		if *prev == *e {
			return
		}
	}
	d.errs = append(d.errs, e)
}

// field is a mapping entry: its key node (for positions) and its value.
type field struct {
	key   *yaml.Node
	value *yaml.Node
}

// mapping returns the entries of a mapping node in order, reporting keys not in allowed
// (with a suggestion) and duplicates. what names the mapping in messages.
func (d *decoder) mapping(n *yaml.Node, what string, allowed ...string) map[string]field {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		d.errorf(n, "%s must be a mapping of keys to values", what)
		return nil
	}
	out := make(map[string]field, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := k.Value
		if !contains(allowed, name) {
			msg := fmt.Sprintf("unknown key %q in %s", name, what)
			if s := suggest(name, allowed); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			} else {
				msg += " (allowed: " + strings.Join(allowed, ", ") + ")"
			}
			d.errorf(k, "%s", msg)
			continue
		}
		if _, dup := out[name]; dup {
			d.errorf(k, "key %q appears twice in %s", name, what)
			continue
		}
		out[name] = field{key: k, value: v}
	}
	return out
}

// entries returns the entries of a mapping whose keys are the user's own (header names,
// body paths), in order; when n is not a mapping it reports msg and returns none.
func (d *decoder) entries(n *yaml.Node, msg string) []field {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		d.errorf(n, "%s", msg)
		return nil
	}
	out := make([]field, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		out = append(out, field{key: n.Content[i], value: n.Content[i+1]})
	}
	return out
}

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		return resolve(n.Content[0])
	}
	return n
}

func (d *decoder) str(n *yaml.Node, what string) (string, bool) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		d.errorf(n, "%s must be a string", what)
		return "", false
	}
	return n.Value, true
}

func (d *decoder) integer(n *yaml.Node, what string) (int, bool) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		d.errorf(n, "%s must be a whole number", what)
		return 0, false
	}
	v, err := strconv.Atoi(n.Value)
	if err != nil {
		d.errorf(n, "%s must be a whole number: %v", what, err)
		return 0, false
	}
	return v, true
}

func (d *decoder) boolean(n *yaml.Node, what string) (bool, bool) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
		d.errorf(n, "%s must be true or false", what)
		return false, false
	}
	return n.Value == "true", true
}

// duration reads "250ms", "2s", or a bare number of milliseconds.
func (d *decoder) duration(n *yaml.Node, what string) (time.Duration, bool) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode {
		d.errorf(n, "%s must be a duration such as 250ms or 2s", what)
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
		d.errorf(n, "%s must be a duration such as 250ms or 2s, not %q", what, n.Value)
		return 0, false
	}
	return v, true
}

// value decodes any YAML value into what encoding/json would produce for the same JSON,
// so that it compares and renders like a request's body.
func (d *decoder) value(n *yaml.Node, what string) (any, bool) {
	var v any
	if err := resolve(n).Decode(&v); err != nil {
		d.errorf(n, "%s: %v", what, err)
		return nil, false
	}
	raw, err := json.Marshal(jsonable(v))
	if err != nil {
		d.errorf(n, "%s cannot be expressed as JSON: %v", what, err)
		return nil, false
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		d.errorf(n, "%s cannot be expressed as JSON: %v", what, err)
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

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// suggest returns the allowed key closest to a typo, if one is close enough.
func suggest(name string, allowed []string) string {
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

// ValueKey is a value's identity for equality: a request's JSON value and a scenario's
// YAML value are equal exactly when their keys are.
func ValueKey(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case string:
		return "s:" + t
	case bool:
		return "b:" + strconv.FormatBool(t)
	case float64:
		return "n:" + strconv.FormatFloat(t, 'g', -1, 64)
	case json.Number:
		f, err := t.Float64()
		if err == nil {
			return "n:" + strconv.FormatFloat(f, 'g', -1, 64)
		}
		return "n:" + t.String()
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b strings.Builder
		b.WriteString("{")
		for _, k := range keys {
			b.WriteString(strconv.Quote(k) + ":" + ValueKey(t[k]) + ",")
		}
		return b.String() + "}"
	case []any:
		var b strings.Builder
		b.WriteString("[")
		for _, e := range t {
			b.WriteString(ValueKey(e) + ",")
		}
		return b.String() + "]"
	default:
		return fmt.Sprintf("?:%v", t)
	}
}
