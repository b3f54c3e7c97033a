// Package record turns what lsmock proxy saw into scenario files: each distinct answer of an
// operation (its status and error code) becomes a scenario that lsmock serve replays, with a
// verify: block for lsmock verify. Secrets never reach the files, nor (unless asked) license
// keys and hardware ids.
package record

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pb33f/go-yaml"

	"github.com/lsmock/lsmock/internal/journal"
)

// Exchange is one request through the proxy and the target's answer, as read. Its fields are
// mockserver.Exchange's, in the same order, so record.Exchange(x) converts one: this package
// does not import the server it records for.
type Exchange struct {
	Operation                     string
	Method, Path                  string
	Query                         url.Values
	RequestHeader, ResponseHeader http.Header
	RequestBody, ResponseBody     []byte
	Status                        int
	Code                          string // the answer's error code, when it is an error
	// Problems are how the answer broke the contract (empty when it held).
	Problems []string
	// BodyFields and QueryFields are the request fields the spec declares, each true when it
	// is not a secret: what a recording may match on.
	BodyFields, QueryFields map[string]bool
}

// Recorder writes one scenario file per operation into a folder. It is safe for concurrent
// use. Files are written by a goroutine of its own, not in the request that brought a new
// answer; Close writes what is left.
type Recorder struct {
	dir       string
	source    string
	keepIDs   bool
	now       func() time.Time
	writeFile func(path string, data []byte) error
	wake      chan struct{} // a file has new scenarios (buffered: one wake-up stands for many)
	done      chan struct{} // the writer has written everything and stopped

	mu        sync.Mutex
	closed    bool
	dirty     map[string]bool            // operations whose file is behind
	seen      map[string]bool            // operation/status/code
	defaulted map[string]bool            // operations with a default (their first success)
	files     map[string][]scenarioYAML  // by operation, in recording order
	names     map[string]map[string]bool // by operation, the scenario names taken
	fileNames map[string]string          // by operation, its file in dir
	takenFile map[string]bool            // file names taken, lower-cased (a case-insensitive file system)
	errs      func(op string, err error) // where write errors go
}

// idFields are the fields that identify a customer's license or device: kept only with
// keepIDs.
var idFields = map[string]bool{"license_key": true, "hardware_id": true, "license": true}

// New records into dir (made if missing); source names the target in the files. onError
// hears of files that could not be written.
func New(dir, source string, keepIDs bool, onError func(op string, err error)) (*Recorder, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("record into %s: %w", dir, err)
	}
	r := &Recorder{dir: dir, source: source, keepIDs: keepIDs, now: time.Now, writeFile: writeAtomic,
		wake: make(chan struct{}, 1), done: make(chan struct{}), dirty: map[string]bool{},
		seen: map[string]bool{}, defaulted: map[string]bool{}, files: map[string][]scenarioYAML{},
		names: map[string]map[string]bool{}, fileNames: map[string]string{}, takenFile: map[string]bool{}, errs: onError}
	go r.run()
	return r, nil
}

// MaxPerOperation bounds the scenarios recorded for one operation: a target that answers
// ever new codes fills no disk and no memory. Answers beyond it are not recorded.
const MaxPerOperation = 200

// run writes the files that are behind, whenever Record says there are some, until Close.
func (r *Recorder) run() {
	defer close(r.done)
	for range r.wake {
		r.flush()
	}
	r.flush()
}

// Close writes the files that are behind and stops the writer; answers recorded after it
// are dropped. Call it once the proxy has stopped.
func (r *Recorder) Close() {
	r.mu.Lock()
	if !r.closed {
		r.closed = true
		close(r.wake)
	}
	r.mu.Unlock()
	<-r.done
}

type scenarioYAML struct {
	Name        string       `yaml:"name"`
	Description string       `yaml:"description"`
	Operation   string       `yaml:"operation"`
	Default     bool         `yaml:"default,omitempty"`
	Match       *matchYAML   `yaml:"match,omitempty"`
	Response    responseYAML `yaml:"response"`
	Verify      verifyYAML   `yaml:"verify"`
}

type matchYAML struct {
	Body  map[string]any `yaml:"body,omitempty"`
	Query map[string]any `yaml:"query,omitempty"`
}

type responseYAML struct {
	Status  int               `yaml:"status"`
	Headers map[string]string `yaml:"headers,omitempty"`
	RawBody string            `yaml:"raw_body"`
	OffSpec bool              `yaml:"off_spec,omitempty"`
}

type verifyYAML struct {
	Query   map[string]string `yaml:"query,omitempty"`
	Body    any               `yaml:"body,omitempty"`
	RawBody string            `yaml:"raw_body,omitempty"`
	Expect  expectYAML        `yaml:"expect"`
}

type expectYAML struct {
	Status int    `yaml:"status"`
	Code   string `yaml:"code,omitempty"`
}

// Record keeps x when it is the first of its operation, status and code, and has the
// operation's file written again.
func (r *Recorder) Record(x Exchange) {
	key := x.Operation + "/" + strconv.Itoa(x.Status) + "/" + x.Code
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.seen[key] || len(r.files[x.Operation]) >= MaxPerOperation {
		return
	}
	r.seen[key] = true
	isDefault := x.Status < 300 && !r.defaulted[x.Operation]
	if isDefault {
		r.defaulted[x.Operation] = true
	}
	r.files[x.Operation] = append(r.files[x.Operation], r.scenario(x, isDefault))
	r.fileName(x.Operation) // named in the order operations are first recorded, not flushed
	r.dirty[x.Operation] = true
	select {
	case r.wake <- struct{}{}:
	default: // a wake-up is pending: it will see this file too
	}
}

// flush writes every file that is behind: what to write is taken under the lock, the
// writing is done outside it.
func (r *Recorder) flush() {
	type job struct {
		op, file string
		list     []scenarioYAML
	}
	r.mu.Lock()
	jobs := make([]job, 0, len(r.dirty))
	for op := range r.dirty {
		jobs = append(jobs, job{op, r.fileName(op), slices.Clone(r.files[op])})
	}
	clear(r.dirty)
	r.mu.Unlock()
	for _, j := range jobs {
		if err := r.write(j.file, j.list); err != nil && r.errs != nil {
			r.errs(j.op, err)
		}
	}
}

// maxNamePart bounds the part of a recorded name taken from the target's answer (a code) or
// the spec (an operationId): a name travels in headers and URLs.
const maxNamePart = 64

// safeName is s in the characters a scenario name and a file name may hold (letters, digits,
// '_', '.' and '-'), the others as '_', cut to maxNamePart bytes.
func safeName(s string) string {
	b := []byte(s)
	if len(b) > maxNamePart {
		b = b[:maxNamePart]
	}
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			b[i] = '_'
		}
	}
	return string(b)
}

// scenarioName is x's scenario's name, valid and unique in its operation: recorded_<code>
// (recorded_<status> for an answer without one), then the status when the code came under
// another status before, then a number.
func (r *Recorder) scenarioName(x Exchange) string {
	status := strconv.Itoa(x.Status)
	base := "recorded_" + status
	if x.Code != "" {
		base = "recorded_" + safeName(x.Code)
	}
	taken := r.names[x.Operation]
	if taken == nil {
		taken = map[string]bool{}
		r.names[x.Operation] = taken
	}
	name := base
	if taken[name] {
		name = base + "_" + status
	}
	for i := 2; taken[name]; i++ {
		name = base + "_" + status + "_" + strconv.Itoa(i)
	}
	taken[name] = true
	return name
}

// fileName is the operation's file in dir: its operationId made a safe file name (an id
// derived as "POST /path" has slashes; no name leaves dir), unique in dir.
func (r *Recorder) fileName(op string) string {
	if f, ok := r.fileNames[op]; ok {
		return f
	}
	base := safeName(op)
	if strings.HasPrefix(base, ".") { // not hidden, and never "." or ".."
		base = "_" + base[1:]
	}
	name := base
	for i := 2; r.takenFile[strings.ToLower(name)]; i++ {
		name = base + "_" + strconv.Itoa(i)
	}
	r.takenFile[strings.ToLower(name)] = true
	r.fileNames[op] = name + ".yaml"
	return name + ".yaml"
}

func (r *Recorder) scenario(x Exchange, isDefault bool) scenarioYAML {
	sc := scenarioYAML{
		Name:        r.scenarioName(x),
		Description: fmt.Sprintf("%d from %s, %s %s, recorded %s", x.Status, r.source, x.Method, x.Path, r.now().UTC().Format(time.RFC3339)),
		Operation:   x.Operation,
		Response:    responseYAML{Status: x.Status, RawBody: string(r.redactJSON(x.ResponseBody))},
		Verify:      verifyYAML{Expect: expectYAML{Status: x.Status, Code: x.Code}},
	}
	if len(x.Problems) > 0 {
		sc.Description += "; it broke the contract: " + journal.Clip(x.Problems[0], journal.MaxString)
		sc.Response.OffSpec = true
	}
	if ct := x.ResponseHeader.Get("Content-Type"); ct != "" {
		sc.Response.Headers = map[string]string{"Content-Type": ct}
	}
	// The first success replays for any request of the operation; the rest for the same request.
	if isDefault {
		sc.Default = true
	} else if m := r.match(x); m != nil {
		sc.Match = m
	}
	// The request, as the journal keeps it: values only of the fields the spec declares that
	// are not secrets; a client may put a secret anywhere else.
	if len(x.Query) > 0 {
		sc.Verify.Query = map[string]string{}
		for k, v := range x.Query {
			sc.Verify.Query[k] = journal.Redacted
			if x.QueryFields[k] && !r.hidden(k) && !journal.SecretValue(v[0]) {
				sc.Verify.Query[k] = v[0]
			}
		}
	}
	if len(x.RequestBody) > 0 {
		var body map[string]any
		if json.Unmarshal(x.RequestBody, &body) == nil {
			kept := make(map[string]any, len(body))
			for k, v := range body {
				kept[k] = journal.Redacted
				if x.BodyFields[k] {
					kept[k] = r.redact(k, v)
				}
			}
			sc.Verify.Body = kept
		} else {
			sc.Verify.RawBody = journal.Redacted // not a JSON object: it may hold anything
		}
	}
	return sc
}

// match is what distinguishes x's request: each field the spec declares, by its value
// (when it is not a secret, nor an id left out), else by its presence or absence.
func (r *Recorder) match(x Exchange) *matchYAML {
	m := &matchYAML{}
	var body map[string]any
	_ = json.Unmarshal(x.RequestBody, &body)
	for k, visible := range x.BodyFields {
		if m.Body == nil {
			m.Body = map[string]any{}
		}
		v, present := body[k]
		switch t := v.(type) {
		case string, float64, bool:
			if s, ok := t.(string); visible && !r.hidden(k) && !(ok && journal.SecretValue(s)) {
				m.Body[k] = v
				continue
			}
		}
		m.Body[k] = map[string]bool{presence(present): true}
	}
	for k, visible := range x.QueryFields {
		if m.Query == nil {
			m.Query = map[string]any{}
		}
		v, present := x.Query[k]
		if present && visible && !r.hidden(k) && !journal.SecretValue(v[0]) {
			m.Query[k] = v[0]
			continue
		}
		m.Query[k] = map[string]bool{presence(present): true}
	}
	if m.Body == nil && m.Query == nil {
		return nil
	}
	return m
}

func presence(present bool) string {
	if present {
		return "present"
	}
	return "absent"
}

// redactJSON redacts a JSON body's secrets (and ids), keeping everything else as it was:
// key order and compact form, so a replay answers the same bytes. A body that is not JSON may
// hold anything, and is redacted whole.
func (r *Recorder) redactJSON(body []byte) []byte {
	if len(body) == 0 {
		return body
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var out bytes.Buffer
	if err := r.copyValue(dec, &out, false, false); err != nil || dec.More() {
		return []byte(journal.Redacted)
	}
	if _, err := dec.Token(); err != io.EOF {
		return []byte(journal.Redacted)
	}
	return out.Bytes()
}

// copyValue copies the next JSON value from dec to out: hide redacts every scalar in it (the
// value of a secret), hideScalar only a scalar value itself (an id: an object named "license"
// is a license, not a key).
func (r *Recorder) copyValue(dec *json.Decoder, out *bytes.Buffer, hide, hideScalar bool) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		open, closing := byte(t), byte('}')
		if t == '[' {
			closing = ']'
		}
		out.WriteByte(open)
		for i := 0; dec.More(); i++ {
			if i > 0 {
				out.WriteByte(',')
			}
			hideItem, idItem := hide, false
			if t == '{' {
				kt, err := dec.Token()
				if err != nil {
					return err
				}
				k, _ := kt.(string)
				writeString(out, k)
				out.WriteByte(':')
				hideItem = hide || journal.SecretName(k)
				idItem = !r.keepIDs && idFields[k]
			}
			if err := r.copyValue(dec, out, hideItem, idItem); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil {
			return err
		}
		out.WriteByte(closing)
	case string:
		if hide || hideScalar || journal.SecretValue(t) {
			t = journal.Redacted
		}
		writeString(out, t)
	case json.Number: // a hidden number or boolean keeps its type, so the answer keeps its schema
		if hide || hideScalar {
			t = "0"
		}
		out.WriteString(t.String())
	case bool:
		out.WriteString(strconv.FormatBool(t && !hide && !hideScalar))
	case nil:
		out.WriteString("null")
	}
	return nil
}

func writeString(out *bytes.Buffer, s string) {
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false) // as JSON.stringify writes it
	_ = enc.Encode(s)
	out.Truncate(out.Len() - 1) // Encode's newline
}

// hidden reports whether a field's value stays out of recordings.
func (r *Recorder) hidden(key string) bool {
	return journal.SecretName(key) || (!r.keepIDs && idFields[key])
}

// redact is copyValue's rule for a decoded value (a verify: body): a secret's value goes whole,
// an id's scalar value too.
func (r *Recorder) redact(key string, v any) any {
	if key != "" && journal.SecretName(key) {
		return journal.Redacted
	}
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = r.redact(k, e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = r.redact(key, e)
		}
		return out
	case string:
		if (key != "" && r.hidden(key)) || journal.SecretValue(t) {
			return journal.Redacted
		}
		return t
	default: // an id's scalar value, as copyValue does
		if key != "" && r.hidden(key) {
			return journal.Redacted
		}
		return v
	}
}

// write rewrites an operation's file with its scenarios.
func (r *Recorder) write(file string, list []scenarioYAML) error {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# yaml-language-server: $schema=https://raw.githubusercontent.com/lsmock/lsmock/main/scenarios/scenario.schema.json\n")
	fmt.Fprintf(&buf, "# Recorded by lsmock proxy from %s. Secrets are redacted", r.source)
	if !r.keepIDs {
		buf.WriteString(", and so are license keys and hardware ids (--record-keep-ids keeps them)")
	}
	buf.WriteString(".\n# Replay: lsmock serve --scenarios " + filepath.ToSlash(r.dir) + "\n")
	sort.SliceStable(list, func(i, j int) bool { return list[i].Default && !list[j].Default })
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(map[string]any{"scenarios": list}); err != nil {
		return fmt.Errorf("encode %s: %w", file, err)
	}
	return r.writeFile(filepath.Join(r.dir, file), buf.Bytes())
}

// writeAtomic writes a file whole or not at all: a reader never sees half of it.
func writeAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
