package scenario

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

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
