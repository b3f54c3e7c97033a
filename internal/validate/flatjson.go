package validate

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// decodeFlat decodes a JSON object whose values are all strings, numbers, booleans or null
// — what an SDK sends — to the map encoding/json would give, in one pass and with fewer
// allocations: keys the schema names are shared, not copied. It accepts only a subset of
// JSON whose result it can be sure of (no escapes, no nested values, numbers that parse);
// for anything else ok is false and the caller decodes with encoding/json, which then
// decides, and words any error. FuzzDecodeFlat holds the two to the same answers.
func decodeFlat(data []byte, keys map[string]string) (m map[string]any, ok bool) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return nil, false
	}
	m = make(map[string]any, len(keys))
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return m, skipSpace(data, i+1) == len(data)
	}
	for {
		raw, next, ok := plainString(data, i)
		if !ok {
			return nil, false
		}
		key, known := keys[string(raw)] // no allocation for the lookup
		if !known {
			key = string(raw)
		}
		i = skipSpace(data, next)
		if i >= len(data) || data[i] != ':' {
			return nil, false
		}
		i = skipSpace(data, i+1)
		if i >= len(data) {
			return nil, false
		}
		var v any
		switch c := data[i]; {
		case c == '"':
			raw, next, ok := plainString(data, i)
			if !ok {
				return nil, false
			}
			v, i = string(raw), next
		case c == 't' && hasAt(data, i, "true"):
			v, i = true, i+4
		case c == 'f' && hasAt(data, i, "false"):
			v, i = false, i+5
		case c == 'n' && hasAt(data, i, "null"):
			v, i = nil, i+4
		case c == '-' || c >= '0' && c <= '9':
			end, ok := numberEnd(data, i)
			if !ok {
				return nil, false
			}
			f, err := strconv.ParseFloat(string(data[i:end]), 64)
			if err != nil {
				return nil, false
			}
			v, i = f, end
		default: // an object, an array, or not JSON
			return nil, false
		}
		m[key] = v // a repeated key: the last wins, as with encoding/json
		i = skipSpace(data, i)
		if i >= len(data) {
			return nil, false
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return m, skipSpace(data, i+1) == len(data)
		default:
			return nil, false
		}
	}
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

func hasAt(data []byte, i int, word string) bool {
	return len(data)-i >= len(word) && string(data[i:i+len(word)]) == word
}

// plainString reads a string at data[i] that encoding/json would keep byte for byte: no
// escapes, no control characters, valid UTF-8. raw is its content, next the index after it.
func plainString(data []byte, i int) (raw []byte, next int, ok bool) {
	if i >= len(data) || data[i] != '"' {
		return nil, 0, false
	}
	for j := i + 1; j < len(data); {
		c := data[j]
		switch {
		case c == '"':
			return data[i+1 : j], j + 1, true
		case c == '\\' || c < ' ':
			return nil, 0, false
		case c < utf8.RuneSelf:
			j++
		default:
			r, size := utf8.DecodeRune(data[j:])
			if r == utf8.RuneError && size == 1 {
				return nil, 0, false
			}
			j += size
		}
	}
	return nil, 0, false
}

// numberEnd returns where the JSON number at data[i] ends:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func numberEnd(data []byte, i int) (int, bool) {
	digits := func(j int) int {
		for j < len(data) && data[j] >= '0' && data[j] <= '9' {
			j++
		}
		return j
	}
	if data[i] == '-' {
		i++
	}
	switch {
	case i < len(data) && data[i] == '0':
		i++
	case i < len(data) && data[i] >= '1' && data[i] <= '9':
		i = digits(i)
	default:
		return 0, false
	}
	if i < len(data) && data[i] == '.' {
		j := digits(i + 1)
		if j == i+1 {
			return 0, false
		}
		i = j
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		j := digits(i)
		if j == i {
			return 0, false
		}
		i = j
	}
	return i, true
}

// unmarshalAny is json.Unmarshal into an any of its own, so that the caller's does not
// escape to the heap on the path decodeFlat takes (an allocation per request).
func unmarshalAny(data []byte) (any, error) {
	var v any
	err := json.Unmarshal(data, &v)
	return v, err
}
