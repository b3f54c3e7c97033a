// Package jsoncanon writes JSON exactly as JavaScript's JSON.stringify writes it back after
// JSON.parse: compact, keys in order (integer-like keys first, ascending, as JavaScript
// objects order them), no HTML escaping, U+2028 and U+2029 raw, the short escapes \b \f
// \n \r \t, numbers as ECMAScript prints them.
//
// The License API signs its response bodies and the SDKs verify them two ways: the Node SDK
// over JSON.stringify(JSON.parse(body)), the Python and Go SDKs over the raw bytes. Only a
// body for which the two are the same bytes passes both.
package jsoncanon

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"unicode/utf8"
)

// Object is a JSON object whose keys keep the order they are written in (integer-like keys
// aside, which JavaScript always puts first).
type Object []Field

// Field is one member of an Object.
type Field struct {
	Key   string
	Value any
}

// Pair is one member.
func Pair(key string, value any) Field { return Field{Key: key, Value: value} }

// Pairs builds an Object from keys and values in turn: Pairs("id", 1, "name", "x"). An odd
// count or a key that is not a string is a programming error.
func Pairs(kv ...any) Object {
	if len(kv)%2 != 0 {
		panic("jsoncanon.Pairs: a key without a value")
	}
	o := make(Object, 0, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		o = append(o, Field{Key: kv[i].(string), Value: kv[i+1]})
	}
	return o
}

// Marshal writes v: nil, bool, string, int, int64, uint64, float64, json-style
// map[string]any (keys sorted), []any, Object, []Object, []string, or a Marshaler.
// Anything else, or a NaN or infinite float, is an error.
func Marshal(v any) ([]byte, error) {
	return Append(nil, v)
}

// Marshaler is a value that writes itself canonically.
type Marshaler interface {
	AppendCanonical(dst []byte) ([]byte, error)
}

// Append appends v's canonical JSON to dst.
func Append(dst []byte, v any) ([]byte, error) {
	switch t := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case bool:
		return strconv.AppendBool(dst, t), nil
	case string:
		return AppendString(dst, t), nil
	case int:
		return strconv.AppendInt(dst, int64(t), 10), nil
	case int64:
		return strconv.AppendInt(dst, t, 10), nil
	case uint64:
		return strconv.AppendUint(dst, t, 10), nil
	case float64:
		return appendNumber(dst, t)
	case Object:
		return appendObject(dst, t)
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		o := make(Object, len(keys))
		for i, k := range keys {
			o[i] = Field{k, t[k]}
		}
		return appendObject(dst, o)
	case []any:
		return appendArray(dst, len(t), func(i int) any { return t[i] })
	case []Object:
		return appendArray(dst, len(t), func(i int) any { return t[i] })
	case []string:
		return appendArray(dst, len(t), func(i int) any { return t[i] })
	case Marshaler:
		return t.AppendCanonical(dst)
	}
	return nil, fmt.Errorf("jsoncanon: cannot write %T", v)
}

func appendArray(dst []byte, n int, at func(int) any) ([]byte, error) {
	dst = append(dst, '[')
	for i := range n {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = Append(dst, at(i)); err != nil {
			return nil, err
		}
	}
	return append(dst, ']'), nil
}

// appendObject writes integer-like keys first, ascending, then the others in order: the
// order of a JavaScript object's own properties.
func appendObject(dst []byte, o Object) ([]byte, error) {
	dst = append(dst, '{')
	first := true
	write := func(f Field) error {
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = AppendString(dst, f.Key)
		dst = append(dst, ':')
		var err error
		dst, err = Append(dst, f.Value)
		return err
	}
	var indexes []Field
	for _, f := range o {
		if isArrayIndex(f.Key) {
			indexes = append(indexes, f)
		}
	}
	if len(indexes) > 0 {
		sort.SliceStable(indexes, func(i, j int) bool {
			a, _ := strconv.ParseUint(indexes[i].Key, 10, 32)
			b, _ := strconv.ParseUint(indexes[j].Key, 10, 32)
			return a < b
		})
		for _, f := range indexes {
			if err := write(f); err != nil {
				return nil, err
			}
		}
	}
	for _, f := range o {
		if len(indexes) > 0 && isArrayIndex(f.Key) {
			continue
		}
		if err := write(f); err != nil {
			return nil, err
		}
	}
	return append(dst, '}'), nil
}

// isArrayIndex reports whether a key is a canonical array index (0 to 2^32-2, no leading
// zeros), which JavaScript orders before every other key.
func isArrayIndex(k string) bool {
	if k == "" || len(k) > 10 || (len(k) > 1 && k[0] == '0') {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < '0' || k[i] > '9' {
			return false
		}
	}
	n, err := strconv.ParseUint(k, 10, 64)
	return err == nil && n < math.MaxUint32
}

// appendNumber writes f as ECMAScript's Number::toString does (which encoding/json follows
// too): fixed notation from 1e-6 to below 1e21, otherwise an exponent without leading zeros;
// -0 as 0.
func appendNumber(dst []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("jsoncanon: %v is not a JSON number", f)
	}
	if f == 0 {
		return append(dst, '0'), nil
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs < 1e-6 || abs >= 1e21 {
		format = 'e'
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// strconv writes e-07 and e+21; ECMAScript e-7 and e+21.
		n := len(dst)
		if n-start >= 4 && dst[n-4] == 'e' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst, nil
}

// AppendString quotes s as JSON.stringify does: only ", \ and control characters escaped
// (with \b \f \n \r \t where they exist, else \u00XX), everything else, HTML characters and
// U+2028/U+2029 included, as it is. Invalid UTF-8 becomes U+FFFD, as it would on its way
// into a JavaScript string.
func AppendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\b':
				dst = append(dst, '\\', 'b')
			case c == '\f':
				dst = append(dst, '\\', 'f')
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c < 0x20:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = utf8.AppendRune(dst, utf8.RuneError)
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}
