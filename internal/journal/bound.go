package journal

import (
	"sort"
	"strconv"
)

// What one journal entry may hold: a client can send a 1 MB field or a body of 100,000
// fields, and the journal (and the dashboard that polls it) must not keep them whole.
const (
	// MaxString is the longest string an entry keeps; longer ones end in a marker.
	MaxString = 256
	// MaxDetail is the longest validator detail kept (it names fields of the body).
	MaxDetail = 1024
	// MaxEntryBytes is the most one entry accounts for; a body beyond it is cut short.
	MaxEntryBytes = 16 << 10
	// maxHeaders is how many request headers an entry keeps.
	maxHeaders = 32
	// entryOverhead accounts for an entry's fixed fields.
	entryOverhead = 256
	// valueOverhead accounts for one JSON value or header beyond its text.
	valueOverhead = 16
)

// Clip cuts s to at most n bytes (on a UTF-8 boundary), marking what was cut.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && s[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
		cut--
	}
	return s[:cut] + "…[" + strconv.Itoa(len(s)) + " bytes]"
}

// Bound cuts an entry down to what the journal keeps: strings to MaxString, the detail to
// MaxDetail, headers to maxHeaders, and the whole to MaxEntryBytes.
func Bound(e *Entry) {
	e.Method = Clip(e.Method, MaxString)
	e.Path = Clip(e.Path, MaxString)
	e.Session = Clip(e.Session, MaxString)
	e.Detail = Clip(e.Detail, MaxDetail)
	if len(e.Headers) > maxHeaders {
		e.Headers = e.Headers[:maxHeaders]
	}
	for i := range e.Headers {
		e.Headers[i] = HeaderField{Clip(e.Headers[i].Name, MaxString), Clip(e.Headers[i].Value, MaxString)}
	}
	for i := range e.NearMisses {
		e.NearMisses[i].Failed = Clip(e.NearMisses[i].Failed, MaxString)
	}
	if e.Query != nil {
		room := MaxEntryBytes / 4 // a query string is short; the body keeps the rest
		if probe := room; !fits(e.Query, &probe) {
			e.Query = boundValue(e.Query, &room)
		}
	}
	if e.Body != nil {
		room := MaxEntryBytes - e.sizeWithoutBody()
		if probe := room; !fits(e.Body, &probe) {
			e.Body = boundValue(e.Body, &room)
		}
	}
}

// fits reports whether boundValue would keep v as it is: no string or key longer than
// MaxString, and the whole within *room. Most bodies fit, and then need no copy.
func fits(v any, room *int) bool {
	*room -= valueOverhead
	switch t := v.(type) {
	case string:
		*room -= len(t)
		return len(t) <= MaxString && *room >= 0
	case map[string]any:
		for k, e := range t {
			*room -= len(k)
			if len(k) > MaxString || !fits(e, room) {
				return false
			}
		}
	case Object:
		for _, f := range t {
			*room -= len(f.Name)
			if len(f.Name) > MaxString || !fits(f.Value, room) {
				return false
			}
		}
	case []any:
		for _, e := range t {
			if !fits(e, room) {
				return false
			}
		}
	}
	return *room >= 0
}

// omitted stands in for what did not fit.
const omitted = "…[omitted: the entry's size limit]"

// boundValue copies v with strings clipped, spending *room bytes; once room runs out the
// rest is replaced by a marker. Object keys are visited in sorted order, so what is kept
// does not depend on map iteration.
func boundValue(v any, room *int) any {
	v = Plain(v) // rare: a copy is made anyway
	if *room <= 0 {
		return omitted
	}
	*room -= valueOverhead
	switch t := v.(type) {
	case string:
		s := Clip(t, MaxString)
		*room -= len(s)
		return s
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := make(map[string]any, min(len(t), 64))
		for _, k := range keys {
			if *room <= 0 {
				out[omitted] = strconv.Itoa(len(t)-len(out)) + " more fields"
				break
			}
			key := Clip(k, MaxString)
			*room -= len(key)
			out[key] = boundValue(t[k], room)
		}
		return out
	case []any:
		out := make([]any, 0, min(len(t), 64))
		for i, e := range t {
			if *room <= 0 {
				out = append(out, omitted+": "+strconv.Itoa(len(t)-i)+" more items")
				break
			}
			out = append(out, boundValue(e, room))
		}
		return out
	default:
		return v
	}
}

// Size is how many bytes the journal accounts the entry for: its text plus a fixed
// overhead per field and value, an estimate of what it holds in memory.
func (e *Entry) Size() int {
	return e.sizeWithoutBody() + valueSize(e.Body)
}

func (e *Entry) sizeWithoutBody() int {
	n := entryOverhead + len(e.Method) + len(e.Path) + len(e.Session) + len(e.Operation) +
		len(e.Scenario) + len(e.Selection) + len(e.Code) + len(e.Detail)
	for _, h := range e.Headers {
		n += valueOverhead + len(h.Name) + len(h.Value)
	}
	for _, nm := range e.NearMisses {
		n += 2*valueOverhead + len(nm.Scenario) + len(nm.Failed)
	}
	return n + valueSize(e.Query)
}

func valueSize(v any) int {
	switch t := v.(type) {
	case nil:
		return 0
	case string:
		return valueOverhead + len(t)
	case map[string]any:
		n := valueOverhead
		for k, e := range t {
			n += len(k) + valueSize(e)
		}
		return n
	case Object:
		n := valueOverhead
		for _, f := range t {
			n += len(f.Name) + valueSize(f.Value)
		}
		return n
	case []any:
		n := valueOverhead
		for _, e := range t {
			n += valueSize(e)
		}
		return n
	default:
		return valueOverhead
	}
}
