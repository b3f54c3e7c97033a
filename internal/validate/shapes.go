package validate

import (
	"math"
	"slices"
	"strings"
)

// The refusals a flat schema's general validator gave are remembered by the body's shape
// (operationCheck.refused): its field names and the JSON type of each value. For a schema of
// types, required fields and perhaps no others, the shape is all the validator looks at, and
// its messages name fields and types, never values. So a client that sends the same wrong type
// again gets the same answer without the schema walk: the error path costs little more than
// the success path.

// maxShapes and maxShapeBytes bound what a client sending ever new field names can make
// lsmock remember, per operation: a shape's key grows with its field names.
const (
	maxShapes     = 512
	maxShapeBytes = 512 << 10
)

// shapeOverhead is what a remembered refusal costs beyond its strings: the map entry and
// the Rejection's headers.
const shapeOverhead = 128

// shapeOf is the key of a decoded body's shape: each field's name and value type, in name
// order. Names are written with their length, so no name can pass for two.
func shapeOf(body any) string {
	obj, ok := body.(map[string]any)
	if !ok {
		return "!" + jsonType(body)
	}
	names := make([]string, 0, len(obj))
	size := 0
	for name := range obj {
		names = append(names, name)
		size += len(name) + 12
	}
	slices.Sort(names)
	var b strings.Builder
	b.Grow(size)
	for _, name := range names {
		b.WriteString(jsonType(obj[name]))
		b.WriteByte(' ')
		b.WriteString(itoa(len(name)))
		b.WriteByte(':')
		b.WriteString(name)
		b.WriteByte(';')
	}
	return b.String()
}

// jsonType names a decoded value's type as JSON Schema tells them apart.
func jsonType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case float64:
		if x == math.Trunc(x) && !math.IsInf(x, 0) {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	default:
		return "other"
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
