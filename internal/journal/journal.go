// Package journal records what lsmock answered: a bounded ring of recent requests, with
// every password, secret and signature redacted before it is stored, and counters of what
// each operation produced, for coverage.
package journal

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/lsmock/lsmock/internal/auth"
)

// DefaultSize is how many requests the journal keeps.
const DefaultSize = 1000

// Redacted replaces every secret value the journal would otherwise hold.
const Redacted = "[redacted]"

// NotRead is the body of a request refused before its body was read: what it held is not
// known, so neither is its size.
const NotRead = "[not read]"

// Entry is one request and its answer.
type Entry struct {
	ID        uint64        `json:"id"`
	Time      time.Time     `json:"time"`
	Method    string        `json:"method"`
	Path      string        `json:"path"`
	Session   string        `json:"session"`
	Operation string        `json:"operation,omitempty"`
	Scenario  string        `json:"scenario,omitempty"`
	Selection string        `json:"selection,omitempty"` // how the answer was chosen
	Status    int           `json:"status"`
	Code      string        `json:"code,omitempty"`
	Detail    string        `json:"detail,omitempty"`
	Duration  time.Duration `json:"duration_ns"`
	Headers   Headers       `json:"headers,omitempty"`
	// Query is the query string's parameters (the first value of each), redacted as a body is.
	Query any `json:"query,omitempty"`
	// Body is the body as decoded and redacted, or NotRead; BodyBytes its size as read (absent
	// when not read).
	Body      any  `json:"body,omitempty"`
	BodyBytes *int `json:"body_bytes,omitempty"`
	// NearMisses are, for a request no scenario matched, the closest scenarios and the
	// condition each failed.
	NearMisses []NearMiss `json:"near_misses,omitempty"`
}

// NearMiss is a scenario that almost matched.
type NearMiss struct {
	Scenario string `json:"scenario"`
	Held     int    `json:"held"`   // conditions that held
	Of       int    `json:"of"`     // conditions in all
	Failed   string `json:"failed"` // the first condition that did not hold
}

// Filter selects entries; zero fields select everything.
type Filter struct {
	// Sessions selects the entries of any of these session names (those a typed value may
	// stand for: itself and its auth.CredentialLabel).
	Sessions                  []string
	Scenario, Operation, Code string
	Status                    int
	Limit                     int
}

func (f Filter) keep(e *Entry) bool { return f.keepKey(e.Key()) }

func (f Filter) keepKey(k Key) bool {
	return (len(f.Sessions) == 0 || slices.Contains(f.Sessions, k.Session)) &&
		(f.Scenario == "" || k.Scenario == f.Scenario || k.Operation+"/"+k.Scenario == f.Scenario) &&
		(f.Operation == "" || k.Operation == f.Operation) &&
		(f.Code == "" || k.Code == f.Code) &&
		(f.Status == 0 || k.Status == f.Status)
}

// Key is what the entry is counted by.
func (e *Entry) Key() Key {
	return Key{Session: e.Session, Operation: e.Operation, Scenario: e.Scenario, Status: e.Status, Code: e.Code}
}

// Journal keeps the latest entries, at most size of them and at most budget bytes of them
// (as Size accounts an entry), dropping the oldest first: whatever clients send, it holds a
// bounded amount of memory. It is safe for concurrent use.
type Journal struct {
	mu     sync.Mutex
	ring   []stored // ring storage, len == size
	head   int      // index of the oldest entry
	n      int      // entries held
	bytes  int      // their accounted size
	budget int
	seq    uint64
}

type stored struct {
	e    Entry
	size int
}

// DefaultBudget is how many bytes of entries the journal holds at most: 1,000 requests of
// an SDK take well under 2 MiB; 1,000 hostile ones, each at MaxEntryBytes, 16 MiB.
const DefaultBudget = 16 << 20

// New returns a journal keeping the latest size entries (DefaultSize when size <= 0) within
// budget bytes (DefaultBudget when budget <= 0).
func New(size, budget int) *Journal {
	if size <= 0 {
		size = DefaultSize
	}
	if budget <= 0 {
		budget = DefaultBudget
	}
	return &Journal{ring: make([]stored, size), budget: budget}
}

// Add stores e, bounded (see Bound), evicting the oldest entries to stay within the
// journal's size and budget. e must already be redacted (see RedactBody, RedactHeaders).
func (j *Journal) Add(e Entry) {
	Bound(&e)
	size := e.Size()
	j.mu.Lock()
	defer j.mu.Unlock()
	for j.n > 0 && (j.n == len(j.ring) || j.bytes+size > j.budget) {
		j.dropOldest()
	}
	j.seq++
	e.ID = j.seq
	j.ring[(j.head+j.n)%len(j.ring)] = stored{e: e, size: size}
	j.n++
	j.bytes += size
}

func (j *Journal) dropOldest() {
	j.bytes -= j.ring[j.head].size
	j.ring[j.head] = stored{}
	j.head = (j.head + 1) % len(j.ring)
	j.n--
}

// List returns the entries f selects, newest first.
func (j *Journal) List(f Filter) []Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := []Entry{}
	for i := j.n - 1; i >= 0; i-- {
		if e := &j.ring[(j.head+i)%len(j.ring)].e; f.keep(e) {
			out = append(out, *e)
			if f.Limit > 0 && len(out) == f.Limit {
				break
			}
		}
	}
	return out
}

// Len is how many entries the journal holds.
func (j *Journal) Len() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.n
}

// Bytes is the accounted size of the entries the journal holds; it never exceeds the budget.
func (j *Journal) Bytes() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.bytes
}

// Budget is the most Bytes can be.
func (j *Journal) Budget() int { return j.budget }

// Clear drops every entry of session, or every entry when session is "".
func (j *Journal) Clear(session string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	var kept []stored
	for i := 0; i < j.n; i++ {
		if st := j.ring[(j.head+i)%len(j.ring)]; session != "" && st.e.Session != session {
			kept = append(kept, st)
		}
	}
	clear(j.ring)
	j.head, j.n, j.bytes = 0, copy(j.ring, kept), 0
	for _, st := range kept {
		j.bytes += st.size
	}
}

// SecretName reports whether a field or header holds a secret by its name: it names a
// password, secret, token, signature, cookie, credential, JWT, or an API, shared, private,
// access or offline key, in any case and with any '-' or '_' between the letters (api_key,
// Api-Key, apiKey), or ends in authorization (not authorization_method, a license's field).
func SecretName(name string) bool {
	for i := 0; i < len(name); i++ {
		if name[i] >= utf8.RuneSelf {
			return secretLower(strings.ToLower(name))
		}
	}
	return secretLower(name)
}

// secretWords are what a secret's name contains, in lower case without separators; the last
// is a secret only at the name's end.
var secretWords = [...]string{"password", "passwd", "secret", "token", "signature", "cookie", "credential", "jwt",
	"apikey", "sharedkey", "privatekey", "accesskey", "offlinekey", "authorization"}

// secretLower reports whether an ASCII name (in any case) or a lowered one contains one of
// secretWords, in one pass: it runs for every header and field of every request.
func secretLower(name string) bool {
	for i := 0; i < len(name); i++ {
		c := name[i] | 0x20 // lower case, for letters
		switch c {
		case 'p', 's', 't', 'c', 'j', 'a', 'o':
			for k, w := range secretWords {
				if w[0] != c {
					continue
				}
				if end := wordEnd(name, i, w); end >= 0 && (k < len(secretWords)-1 || end == len(name)) {
					return true
				}
			}
		}
	}
	return false
}

// wordEnd is where the lower-case ASCII word ends in name when name has it at i, in any
// case, with any '-' or '_' between its letters; else -1.
func wordEnd(name string, i int, word string) int {
	for j := 0; j < len(word); i++ {
		if i == len(name) {
			return -1
		}
		c := name[i]
		if c == '-' || c == '_' {
			continue
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != word[j] {
			return -1
		}
		j++
	}
	return i
}

// SecretValue reports whether a string is a credential by its form, whatever its field's
// name: an Authorization value ("Bearer <token>", "Basic <base64 of user:password>"), a JWT,
// a PEM private key. A product named "Basic plan" is not one.
func SecretValue(s string) bool {
	if scheme, cred, ok := strings.Cut(s, " "); ok && cred != "" && !strings.Contains(cred, " ") {
		switch {
		case strings.EqualFold(scheme, "bearer"):
			return true
		case strings.EqualFold(scheme, "basic"):
			pair, err := base64.StdEncoding.DecodeString(cred)
			return err == nil && bytes.IndexByte(pair, ':') >= 0
		}
	}
	if strings.HasPrefix(s, "eyJ") && strings.Count(s, ".") == 2 { // a JWT: its header is base64 of {"
		return true
	}
	return strings.Contains(s, "PRIVATE KEY-----")
}

// RedactBody returns a copy of a decoded JSON body fit for the journal, an Object when the
// body is an object (else Redacted). Only the values
// of visible top-level fields are kept (the fields the operation's schema declares that are
// not secrets); every other value, including anything a client put where the schema has no
// field, becomes Redacted, because a buggy client may send a password anywhere. Inside kept
// values, fields whose name says they are secret are redacted too.
func RedactBody(v any, visible map[string]bool) any {
	obj, ok := v.(map[string]any)
	if !ok {
		return Redacted
	}
	out := make(Object, 0, len(obj))
	hidden := 0
	for k, e := range obj {
		out = append(out, Field{shownName(k, visible, &hidden), redactField(k, e, visible)})
	}
	return out
}

// maxShownName is the longest name of an undeclared field the journal shows.
const maxShownName = 64

// shownName is the name under which the journal shows a field: a declared one's own, and an
// undeclared one's when it reads as a name. Any other (JSON sent where a form was expected,
// a credential as a bare query parameter) may be the secret itself, so it becomes
// "[redacted name N]"; hidden numbers them, keeping an object's names distinct.
func shownName(name string, visible map[string]bool, hidden *int) string {
	if _, declared := visible[name]; declared || plainName(name) {
		return name
	}
	*hidden++
	return "[redacted name " + strconv.Itoa(*hidden) + "]"
}

// plainName reports whether name is short and made of the characters of field names
// (letters, digits, _ - . [ ]), and not a credential by its form.
func plainName(name string) bool {
	if name == "" || len(name) > maxShownName {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("_-.[]", c) >= 0) {
			return false
		}
	}
	return !SecretValue(name)
}

// redactField is what RedactBody keeps of a top-level field.
func redactField(name string, v any, visible map[string]bool) any {
	if visible[name] && !SecretName(name) {
		return redactNested(v)
	}
	return Redacted
}

func redactNested(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			if SecretName(k) {
				out[k] = Redacted
				continue
			}
			out[k] = redactNested(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = redactNested(e)
		}
		return out
	case string:
		if SecretValue(t) {
			return Redacted
		}
		return v // not t: boxing t again would allocate
	default:
		return v
	}
}

// RedactHeaders flattens headers (canonical names), keeping the Authorization header's form
// but not its signature or token, and the values of the headers in declared (those the
// operation's spec declares) and of the ordinary transport headers (see clearHeader); every
// other value is redacted, since a client may put a credential in any header. authorization
// is the request's Authorization header as Parse read it (parsed once per request by the
// caller); keyLabel is auth.CredentialLabel of its API key, when the caller has it already ("" computes it).
func RedactHeaders(h map[string][]string, declared map[string]bool, authorization auth.Header, authErr error, keyLabel string) Headers {
	out := make(Headers, 0, len(h))
	for k, vals := range h {
		if len(vals) == 0 {
			continue
		}
		v := vals[0]
		switch {
		case k == "Authorization":
			v = redactAuthorization(authorization, authErr, keyLabel)
		case clearHeaders[k]: // none is a secret's name (TestClearHeadersAreNotSecret)
		case !(declared[k] || strings.HasPrefix(k, "X-Lsmock-")) || SecretName(k):
			v = Redacted
		}
		out = append(out, HeaderField{k, v})
	}
	return out
}

// clearHeaders are the transport headers whose values the journal shows: they describe the
// request's form, not who sends it (so do lsmock's own, X-Lsmock-*, unless named as
// secrets). Referer is not among them (its URL may hold a query).
var clearHeaders = map[string]bool{
	"Accept": true, "Accept-Charset": true, "Accept-Encoding": true, "Accept-Language": true,
	"Access-Control-Request-Headers": true, "Access-Control-Request-Method": true,
	"Cache-Control": true, "Connection": true, "Content-Encoding": true, "Content-Length": true,
	"Content-Type": true, "Date": true, "Expect": true, "Host": true, "Keep-Alive": true,
	"Origin": true, "Pragma": true, "Sec-Fetch-Dest": true, "Sec-Fetch-Mode": true,
	"Sec-Fetch-Site": true, "Te": true, "Traceparent": true, "Transfer-Encoding": true,
	"Upgrade": true, "User-Agent": true, "Via": true, "X-Forwarded-For": true,
	"X-Forwarded-Host": true, "X-Forwarded-Proto": true, "X-Request-Id": true,
	"X-Requested-With": true,
}

// Headers are a request's headers as the journal keeps them: the first value of each,
// redacted. A slice, not a map, because it is built for every request and read rarely; it
// reads and writes as a JSON object.
type Headers []HeaderField

// HeaderField is one header.
type HeaderField struct{ Name, Value string }

// Get returns the value of the header with the canonical name, "" when there is none.
func (h Headers) Get(name string) string {
	for _, f := range h {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// MarshalJSON writes the headers as an object, sorted by name.
func (h Headers) MarshalJSON() ([]byte, error) {
	m := make(map[string]string, len(h))
	for _, f := range h {
		m[f.Name] = f.Value
	}
	return json.Marshal(m)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (h *Headers) UnmarshalJSON(data []byte) error {
	var m map[string]string
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	*h = (*h)[:0]
	for k, v := range m {
		*h = append(*h, HeaderField{k, v})
	}
	slices.SortFunc(*h, func(a, b HeaderField) int { return strings.Compare(a.Name, b.Name) })
	return nil
}

func redactAuthorization(h auth.Header, err error, keyLabel string) string {
	switch {
	case err != nil, h.Bearer == "" && h.Pairs == 0: // unparsable, or not parsed (unrouted requests)
		return Redacted
	case h.Bearer != "":
		return "Bearer " + Redacted
	}
	var b strings.Builder
	b.Grow(96)
	for _, p := range auth.HMACParams {
		if val, ok := h.Param(p); ok {
			switch p {
			case auth.ParamSignature:
				val = Redacted
			case auth.ParamAPIKey:
				if keyLabel == "" {
					keyLabel = auth.CredentialLabel(val)
				}
				val = keyLabel // a secret too; its session is shown by the same name
			}
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			b.WriteString(p.String())
			b.WriteString(`="`)
			b.WriteString(val)
			b.WriteByte('"')
		}
	}
	return b.String()
}
