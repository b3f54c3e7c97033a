package journal

import (
	"bytes"
	"encoding/json"
	"net/url"
)

// Object is a JSON object as the journal keeps a body or query: its fields in no particular
// order. A list, not a map, because it is built for every request and read rarely (a map
// costs hashing each field in and iterating it out, and twice the memory); it writes as a
// JSON object sorted by name, as a map does.
type Object []Field

// Field is one field of an Object.
type Field struct {
	Name  string
	Value any
}

// Map is the object as encoding/json would decode it.
func (o Object) Map() map[string]any {
	m := make(map[string]any, len(o))
	for _, f := range o {
		m[f.Name] = f.Value
	}
	return m
}

// MarshalJSON writes the object as a map: sorted by name. HTML is not escaped here; the
// caller's encoder escapes it or not as it would a map's.
func (o Object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(o.Map()); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// Plain is v with an Object made a map, as a caller reading the journal expects.
func Plain(v any) any {
	if o, ok := v.(Object); ok {
		return o.Map()
	}
	return v
}

// RedactQuery is RedactBody of the query's parameters (the first value of each).
func RedactQuery(q url.Values, visible map[string]bool) Object {
	out := make(Object, 0, len(q))
	hidden := 0
	for k, v := range q {
		out = append(out, Field{shownName(k, visible, &hidden), redactField(k, v[0], visible)})
	}
	return out
}
