// Package spec loads an OpenAPI document and turns it into what lsmock serves from:
// the operations with their required headers and fields, their success responses, and
// the error codes the document documents. All of it is computed once, at load.
package spec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi/datamodel"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/pb33f/libopenapi/orderedmap"

	"github.com/lsmock/lsmock/internal/fileerr"
)

// Spec is a loaded, validated OpenAPI document.
type Spec struct {
	// Name is where the document came from, used in messages (a path or "openapi.yaml").
	Name string
	// Version is the OpenAPI version as a number (3.0, 3.1), as the validator wants it.
	Version float32
	// Operations in document order.
	Operations []*Operation
	// Errors are the error examples of the whole document by code, so that errors that
	// belong to no operation (not_found) still take the document's status and message.
	Errors map[string]ErrorExample
	// General are the error codes every operation can answer (missing_headers,
	// internal_error, ...): the examples of the document's components.responses, which
	// operations share by $ref. The status is the example's own.
	General map[string]ErrorExample

	model  *v3.Document
	router *router
	// responses holds scripted responses to their schemas (ResponseProblems). Built on first
	// use: it compiles every schema of the document, half of lsmock's start-up, and the
	// embedded defaults, checked by the tests, never use it.
	responses func() (validator.Validator, []error)
	// attach reads the document, for a spec read from its snapshot, and gives the spec and its
	// operations their models; every accessor of a model calls it first. A no-op for a spec
	// loaded from its document.
	attach func()
	// modelRead is set once the spec holds the document's model (ModelRead).
	modelRead atomic.Bool
}

// Operation is one method on one path, with everything the request path needs precomputed.
type Operation struct {
	ID     string // operationId, or "METHOD /path" when the document gives none
	Method string // upper case
	Path   string // the path template as written in the document
	// Headers are the header parameters, canonicalized, in document order; RequiredHeaders
	// the required ones of them.
	Headers, RequiredHeaders []string
	// RequiredQuery are the required query parameters in document order.
	RequiredQuery []string
	// Body describes a JSON request body; nil when the operation takes none.
	Body *Body
	// Success is what the operation answers when nothing else is scripted.
	Success Response
	// Errors are the operation's documented error examples by code.
	Errors map[string]ErrorExample
	// Examples are the named examples of the operation's JSON responses, in document order.
	Examples []NamedExample
	// Statuses are the documented response statuses, in document order ("default" excluded).
	Statuses []int
	// NeedsParamValidation is true when some parameter has a schema worth checking beyond
	// what QueryTypes says (a path or cookie parameter, a header with more than
	// `type: string`, a query parameter with more than a type).
	NeedsParamValidation bool
	// QueryTypes are the query parameters whose schema only names a type (string, integer,
	// number, boolean): a request is checked against them directly.
	QueryTypes map[string]string
	// SecretQuery are the query parameters the document marks as secrets (format: password,
	// writeOnly): user_licenses sends a password in the query string.
	SecretQuery map[string]bool
	// Query are the declared query parameters.
	Query map[string]bool
	// Params are the parameters libopenapi-validator checks, in its order, when every one is
	// simple enough to check without the document's model (DirectParams); nil otherwise.
	Params       []Param
	DirectParams bool
	// Signed is true when the operation's success response declares the LicenseSignature
	// header: lsmock then signs its 2xx answers as the vendor does.
	Signed bool
	// Behavior names the built-in behaviour that answers the operation from state
	// (x-lsmock-behavior: activate_license, ...); "" for none.
	Behavior string

	model    *v3.Operation
	pathItem *v3.PathItem
	line     int
	attach   func() // the spec's
}

// Body is a JSON request body.
type Body struct {
	Required bool
	// MediaType is the JSON media type the document declares.
	MediaType string
	// Encoding is "base64" for a body sent as base64 text of JSON (the offline requests): a
	// string schema with contentEncoding: base64, contentMediaType: application/json and a
	// contentSchema, which is then Schema. "" for a JSON body.
	Encoding string
	// RequiredFields are the body schema's top-level required properties, in document order.
	RequiredFields []string
	// Properties are the body schema's top-level properties, in document order.
	Properties []Property
	// Inline is the body schema rendered as YAML with its references inlined ("" when it
	// cannot be): a schema simple enough is checked from it directly, without compiling.
	Inline []byte
	// Example is a request body the document gives or its schema implies, as JSON.
	Example []byte
	// Rendered is the schema as libopenapi-validator renders it to compile it (JSON), for a
	// spec read from its snapshot and a schema with no reference left to resolve: a refused
	// body is then worded without reading the document. Nil otherwise (compile Schema()).
	Rendered []byte

	schema *base.Schema
	attach func() // the spec's
}

// Property is a top-level property of a request body.
type Property struct {
	Name string
	// Secret is true when the document marks the value a secret (format: password,
	// writeOnly): lsmock then never shows it.
	Secret bool
}

// Schema is the body schema as the document models it; the validator compiles it.
func (b *Body) Schema() *base.Schema {
	b.attach()
	return b.schema
}

// Response is a complete scripted answer: status, content type and body bytes.
type Response struct {
	Status      int
	ContentType string
	Body        []byte
}

// NamedExample is a named example of a response, rendered.
type NamedExample struct {
	Name     string
	Response Response
	// Code is the error code the example carries, if it has the error shape.
	Code string
}

// ErrorExample is a documented error: its status and message, from a named example
// whose value has the vendor's error shape.
type ErrorExample struct {
	Status  int    `json:"status"`
	Code    string `json:"code"`
	Message string `json:"message"`
	// Summary is the example's summary, when the spec gives one: what the error means.
	Summary string `json:"-"`
}

// Example returns the operation's response example with that name.
func (o *Operation) Example(name string) (NamedExample, bool) {
	for _, e := range o.Examples {
		if e.Name == name {
			return e, true
		}
	}
	return NamedExample{}, false
}

// ExampleNames lists the names of the operation's response examples, in document order.
func (o *Operation) ExampleNames() []string {
	names := make([]string, len(o.Examples))
	for i, e := range o.Examples {
		names[i] = e.Name
	}
	return names
}

// Model returns the operation as libopenapi models it.
func (o *Operation) Model() *v3.Operation {
	o.attach()
	return o.model
}

// PathItem returns the path item the operation belongs to.
func (o *Operation) PathItem() *v3.PathItem {
	o.attach()
	return o.pathItem
}

// Line is the operation's line in the document (0 when unknown).
func (o *Operation) Line() int { return o.line }

// ModelRead reports whether the spec holds the document's model: from its load for a spec
// loaded from its document; for one read from its snapshot, from the first call that asked
// for the model (~13 MiB and ~25 ms: the request path never should).
func (s *Spec) ModelRead() bool { return s.modelRead.Load() }

// Model returns the whole document as libopenapi models it.
func (s *Spec) Model() *v3.Document {
	s.attach()
	return s.model
}

// Find returns the operation for a request's method and path. When the path is known but
// not with that method, op is nil and allowed lists the methods the path takes.
func (s *Spec) Find(method, path string) (op *Operation, allowed []string) {
	return s.router.find(method, path)
}

// Operation returns the operation with the given operationId or "METHOD /path".
func (s *Spec) Operation(ref string) *Operation {
	for _, op := range s.Operations {
		if op.ID == ref || op.Method+" "+op.Path == ref {
			return op
		}
	}
	return nil
}

// ErrorFor returns the documented error for code, preferring the operation's own example
// (op may be nil). ok is false when the document has none.
func (s *Spec) ErrorFor(op *Operation, code string) (ErrorExample, bool) {
	if op != nil {
		if e, ok := op.Errors[code]; ok {
			return e, true
		}
	}
	e, ok := s.Errors[code]
	return e, ok
}

// LoadFile reads and loads the document at path. Relative $refs resolve from its folder.
func LoadFile(path string) (*Spec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read spec: %w", err)
	}
	return load(path, data, filepath.Dir(path), true)
}

// Load loads a document held in memory; name is used in messages.
func Load(name string, data []byte) (*Spec, error) {
	return load(name, data, "", true)
}

// LoadTrusted is Load for a document already known to pass the OpenAPI meta-schema (the
// embedded openapi.yaml, which the tests load with Load): it skips that check, which costs
// about 10 ms of lsmock's start, and nothing else.
func LoadTrusted(name string, data []byte) (*Spec, error) {
	return load(name, data, "", false)
}

func load(name string, data []byte, baseDir string, checkDocument bool) (*Spec, error) {
	libLog := &collectingHandler{}
	cfg := &datamodel.DocumentConfiguration{Logger: slog.New(libLog)}
	if baseDir != "" {
		cfg.BasePath = baseDir
		cfg.AllowFileReferences = true
	}
	doc, err := libopenapi.NewDocumentWithConfiguration(data, cfg)
	if err != nil {
		return nil, fromParseError(name, err)
	}
	responses := sync.OnceValues(func() (validator.Validator, []error) { return validator.NewValidator(doc) })
	if checkDocument {
		docValidator, errs := responses()
		if len(errs) > 0 {
			return nil, fromModelErrors(name, errs, libLog.messages)
		}
		if ok, verrs := docValidator.ValidateDocument(); !ok {
			return nil, fromDocumentErrors(name, verrs)
		}
	}
	built, err := doc.BuildV3Model()
	if err != nil || built == nil {
		return nil, fromModelErrors(name, []error{err}, libLog.messages)
	}
	s := &Spec{Name: name, model: &built.Model, Errors: map[string]ErrorExample{}, General: map[string]ErrorExample{}, responses: responses,
		attach: func() {}}
	s.modelRead.Store(true)
	if v, err := strconv.ParseFloat(versionPrefix(built.Model.Version), 32); err == nil {
		s.Version = float32(v)
	}
	if err := s.compile(); err != nil {
		return nil, err
	}
	s.router = newRouter(s.Operations)
	return s, nil
}

// versionPrefix keeps major.minor of "3.1.0".
func versionPrefix(v string) string {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return v
	}
	return parts[0] + "." + parts[1]
}

func (s *Spec) compile() error {
	if s.model.Paths == nil || s.model.Paths.PathItems == nil {
		return &fileerr.Error{File: s.Name, Line: 1, Col: 1, Msg: "the document has no paths: there is nothing to serve"}
	}
	var list fileerr.List
	for p := s.model.Paths.PathItems.First(); p != nil; p = p.Next() {
		path, item := p.Key(), p.Value()
		for o := item.GetOperations().First(); o != nil; o = o.Next() {
			op, err := s.compileOperation(path, strings.ToUpper(o.Key()), item, o.Value())
			if err != nil {
				list = append(list, err)
				continue
			}
			s.Operations = append(s.Operations, op)
		}
	}
	if comps := s.model.Components; comps != nil && comps.Responses != nil {
		for r := comps.Responses.First(); r != nil; r = r.Next() {
			collectErrorExamples(0, r.Value(), s.General)
		}
	}
	// The general examples first: an operation's own wording (its missing_parameters names
	// its fields) is not the document's.
	for code, e := range s.General {
		s.Errors[code] = e
	}
	for _, op := range s.Operations {
		for code, e := range op.Errors {
			if _, seen := s.Errors[code]; !seen {
				s.Errors[code] = e
			}
		}
	}
	if len(list) > 0 {
		return list
	}
	return nil
}

// LicenseSignatureHeader is the response header that carries the vendor's signature of the
// body (RSA-SHA256, base64), and whose declaration marks an operation as signed.
const LicenseSignatureHeader = "LicenseSignature"

// BehaviorExtension names the built-in behaviour that answers an operation from state.
const BehaviorExtension = "x-lsmock-behavior"

// unsafeOperationID says why an operationId cannot name an operation in lsmock ("" when it
// can): a path separator or a dot-only name would make it a path, a control character breaks
// the X-Lsmock-Operation header.
func unsafeOperationID(id string) string {
	if id == "." || id == ".." {
		return "is a path"
	}
	for _, r := range id {
		switch {
		case r == '/' || r == '\\':
			return "holds a path separator"
		case r < 0x20 || r == 0x7f:
			return "holds a control character"
		}
	}
	return ""
}

func (s *Spec) compileOperation(path, method string, item *v3.PathItem, op *v3.Operation) (*Operation, *fileerr.Error) {
	out := &Operation{
		ID:       op.OperationId,
		Method:   method,
		Path:     path,
		Errors:   map[string]ErrorExample{},
		model:    op,
		pathItem: item,
		attach:   s.attach,
	}
	if low := op.GoLow(); low != nil && low.KeyNode != nil {
		out.line = low.KeyNode.Line
	}
	if why := unsafeOperationID(out.ID); why != "" {
		return nil, &fileerr.Error{File: s.Name, Line: out.line, Msg: fmt.Sprintf("operationId %q %s: lsmock names headers, references and recorded files after it", out.ID, why)}
	}
	if out.ID == "" {
		out.ID = method + " " + path
	}
	out.addParameters(mergedParameters(item, op))
	out.Params, out.DirectParams = directParams(item, op)
	if err := s.compileBody(out, op.RequestBody); err != nil {
		return nil, err
	}
	if op.Responses != nil && op.Responses.Codes != nil {
		for c := op.Responses.Codes.First(); c != nil; c = c.Next() {
			status, err := strconv.Atoi(c.Key())
			if err != nil {
				continue // "2XX" style ranges document nothing lsmock can send
			}
			out.Statuses = append(out.Statuses, status)
			if status >= 400 { // a success may have a code field of its own (a feature's)
				collectErrorExamples(status, c.Value(), out.Errors)
			}
			out.Examples = append(out.Examples, namedExamples(status, c.Value())...)
		}
	}
	success, err := successResponse(op)
	if err != nil {
		return nil, &fileerr.Error{File: s.Name, Line: out.line, Msg: fmt.Sprintf("%s: %v", out.ID, err)}
	}
	out.Success = success
	out.Signed = declaresSignature(op)
	if op.Extensions != nil {
		if n, ok := op.Extensions.Get(BehaviorExtension); ok && n != nil {
			if n.Kind != yaml.ScalarNode || n.Value == "" {
				return nil, &fileerr.Error{File: s.Name, Line: n.Line, Col: n.Column, Msg: fmt.Sprintf("%s: %s must name a behaviour", out.ID, BehaviorExtension)}
			}
			out.Behavior = n.Value
		}
	}
	return out, nil
}

// addParameters records o's header and query parameters, and whether any needs a schema
// checked beyond what QueryTypes says (see NeedsParamValidation).
func (o *Operation) addParameters(params []*v3.Parameter) {
	for _, p := range params {
		required := p.Required != nil && *p.Required
		switch p.In {
		case "header":
			name := http.CanonicalHeaderKey(p.Name)
			o.Headers = append(o.Headers, name)
			if required {
				o.RequiredHeaders = append(o.RequiredHeaders, name)
			}
			if !isPlainString(p.Schema) {
				o.NeedsParamValidation = true
			}
		case "query":
			if required {
				o.RequiredQuery = append(o.RequiredQuery, p.Name)
			}
			if o.Query == nil {
				o.Query, o.SecretQuery = map[string]bool{}, map[string]bool{}
			}
			o.Query[p.Name] = true
			if p.Schema != nil && secret(p.Schema.Schema()) {
				o.SecretQuery[p.Name] = true
			}
			if t := simpleType(p.Schema); t != "" && (p.Style == "" || p.Style == "form") {
				if o.QueryTypes == nil {
					o.QueryTypes = map[string]string{}
				}
				o.QueryTypes[p.Name] = t
			} else {
				o.NeedsParamValidation = true
			}
		default:
			o.NeedsParamValidation = true
		}
	}
}

// compileBody sets out.Body from the request body's first JSON media type with a schema.
func (s *Spec) compileBody(out *Operation, rb *v3.RequestBody) *fileerr.Error {
	if rb == nil || rb.Content == nil {
		return nil
	}
	for m := rb.Content.First(); m != nil; m = m.Next() {
		if m.Value().Schema == nil {
			continue
		}
		schema := m.Value().Schema.Schema()
		if schema == nil {
			return &fileerr.Error{File: s.Name, Line: out.line, Msg: fmt.Sprintf("%s: request body schema for %s cannot be built: %v", out.ID, m.Key(), m.Value().Schema.GetBuildError())}
		}
		encoding := ""
		if !isJSON(m.Key()) {
			if !encodedJSON(schema) {
				continue
			}
			encoding = "base64"
			if schema = schema.ContentSchema.Schema(); schema == nil {
				return &fileerr.Error{File: s.Name, Line: out.line, Msg: fmt.Sprintf("%s: the contentSchema of %s cannot be built", out.ID, m.Key())}
			}
		}
		out.Body = &Body{
			Required:       rb.Required != nil && *rb.Required,
			MediaType:      m.Key(),
			Encoding:       encoding,
			RequiredFields: schema.Required,
			Properties:     properties(schema),
			schema:         schema,
			attach:         s.attach,
		}
		if inline, err := schema.RenderInline(); err == nil {
			out.Body.Inline = inline
		}
		if ex, ok := mediaExample(m.Value()); ok {
			if text, isText := ex.(string); isText && encoding != "" {
				out.Body.Example = []byte(text) // the wire body itself
			} else {
				out.Body.Example, _ = json.Marshal(ex)
			}
		}
		return nil
	}
	return nil
}

// properties lists a body schema's top-level properties.
func properties(schema *base.Schema) []Property {
	if schema.Properties == nil {
		return nil
	}
	var out []Property
	for p := schema.Properties.First(); p != nil; p = p.Next() {
		out = append(out, Property{Name: p.Key(), Secret: secret(p.Value().Schema())})
	}
	return out
}

// secret reports whether the document marks a value a secret (format: password, or
// writeOnly): lsmock then never shows it.
func secret(s *base.Schema) bool {
	return s != nil && (s.Format == "password" || (s.WriteOnly != nil && *s.WriteOnly))
}

// encodedJSON reports whether a body schema describes base64 text of JSON with a schema of
// its own (JSON Schema's contentEncoding, contentMediaType and contentSchema).
func encodedJSON(schema *base.Schema) bool {
	return strings.EqualFold(schema.ContentEncoding, "base64") && isJSON(schema.ContentMediaType) && schema.ContentSchema != nil
}

// declaresSignature reports whether a 2xx response of op declares the LicenseSignature header.
func declaresSignature(op *v3.Operation) bool {
	if op.Responses == nil || op.Responses.Codes == nil {
		return false
	}
	for c := op.Responses.Codes.First(); c != nil; c = c.Next() {
		if !strings.HasPrefix(c.Key(), "2") || c.Value() == nil || c.Value().Headers == nil {
			continue
		}
		for h := c.Value().Headers.First(); h != nil; h = h.Next() {
			if strings.EqualFold(h.Key(), LicenseSignatureHeader) {
				return true
			}
		}
	}
	return false
}

// mergedParameters returns the path item's parameters overridden by the operation's own.
func mergedParameters(item *v3.PathItem, op *v3.Operation) []*v3.Parameter {
	var out []*v3.Parameter
	index := map[string]int{}
	for _, p := range append(append([]*v3.Parameter{}, item.Parameters...), op.Parameters...) {
		if p == nil {
			continue
		}
		key := p.In + "\x00" + strings.ToLower(p.Name)
		if i, ok := index[key]; ok {
			out[i] = p
			continue
		}
		index[key] = len(out)
		out = append(out, p)
	}
	return out
}

// isPlainString reports whether a parameter schema asks nothing beyond "a string".
func isPlainString(proxy *base.SchemaProxy) bool {
	return proxy == nil || simpleType(proxy) == "string"
}

// simpleType is the one type a parameter schema names when it asks nothing else of the
// value (string, integer, number or boolean); "" for anything more.
func simpleType(proxy *base.SchemaProxy) string {
	if proxy == nil {
		return "string"
	}
	s := proxy.Schema()
	if s == nil || len(s.Type) > 1 {
		return ""
	}
	typ := "string"
	if len(s.Type) == 1 {
		typ = s.Type[0]
	}
	switch typ {
	case "string", "integer", "number", "boolean":
	default:
		return ""
	}
	if s.Pattern != "" || s.Format != "" || len(s.Enum) > 0 || s.Const != nil || s.MinLength != nil || s.MaxLength != nil ||
		s.Minimum != nil || s.Maximum != nil || s.ExclusiveMinimum != nil || s.ExclusiveMaximum != nil || s.MultipleOf != nil ||
		len(s.AllOf) > 0 || len(s.AnyOf) > 0 || len(s.OneOf) > 0 || s.Not != nil {
		return ""
	}
	return typ
}

func isJSON(mediaType string) bool {
	mt := strings.ToLower(strings.TrimSpace(strings.SplitN(mediaType, ";", 2)[0]))
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// collectErrorExamples records every example of a response that has the error shape. A
// status of 0 (a response of components, which has none) takes the example's own.
func collectErrorExamples(status int, resp *v3.Response, into map[string]ErrorExample) {
	if resp == nil || resp.Content == nil {
		return
	}
	for m := resp.Content.First(); m != nil; m = m.Next() {
		media := m.Value()
		type example struct {
			value   any
			summary string
		}
		var examples []example
		for e := orderedFirst(media.Examples); e != nil; e = e.Next() {
			if ex := e.Value(); ex != nil && ex.Value != nil {
				var v any
				if ex.Value.Decode(&v) == nil {
					examples = append(examples, example{v, ex.Summary})
				}
			}
		}
		if media.Example != nil {
			var v any
			if media.Example.Decode(&v) == nil {
				examples = append(examples, example{value: v})
			}
		}
		for _, ex := range examples {
			obj, ok := ex.value.(map[string]any)
			if !ok {
				continue
			}
			code, _ := obj["code"].(string)
			msg, _ := obj["message"].(string)
			st := status
			if st == 0 {
				st = exampleStatus(obj["status"])
			}
			if code == "" || st == 0 {
				continue
			}
			if _, seen := into[code]; !seen {
				into[code] = ErrorExample{Status: st, Code: code, Message: msg, Summary: strings.TrimSpace(ex.summary)}
			}
		}
	}
}

func exampleStatus(v any) int {
	switch n := v.(type) {
	case int:
		return n
	case int64:
		return int(n)
	case uint64:
		return int(n)
	case float64:
		return int(n)
	}
	return 0
}

// namedExamples renders every named example of a response's JSON media types.
func namedExamples(status int, resp *v3.Response) []NamedExample {
	if resp == nil || resp.Content == nil {
		return nil
	}
	var out []NamedExample
	for m := resp.Content.First(); m != nil; m = m.Next() {
		if !isJSON(m.Key()) {
			continue
		}
		for e := orderedFirst(m.Value().Examples); e != nil; e = e.Next() {
			ex := e.Value()
			if ex == nil || ex.Value == nil {
				continue
			}
			v, ok := decodeNode(ex.Value)
			if !ok {
				continue
			}
			body, err := json.Marshal(v)
			if err != nil {
				continue
			}
			ne := NamedExample{Name: e.Key(), Response: Response{Status: status, ContentType: jsonContentType(m.Key()), Body: body}}
			if obj, isObj := v.(map[string]any); isObj {
				ne.Code, _ = obj["code"].(string)
			}
			out = append(out, ne)
		}
	}
	return out
}

func orderedFirst[V any](m *orderedmap.Map[string, V]) orderedmap.Pair[string, V] {
	if m == nil {
		return nil
	}
	return m.First()
}

// successResponse renders the operation's lowest documented 2xx response from its first
// example, or from its schema when it has none.
func successResponse(op *v3.Operation) (Response, error) {
	if op.Responses == nil || op.Responses.Codes == nil {
		return Response{Status: http.StatusOK}, nil
	}
	var codes []int
	byCode := map[int]*v3.Response{}
	for c := op.Responses.Codes.First(); c != nil; c = c.Next() {
		n, err := strconv.Atoi(c.Key())
		if err == nil && n >= 200 && n < 300 {
			codes = append(codes, n)
			byCode[n] = c.Value()
		}
	}
	if len(codes) == 0 {
		return Response{Status: http.StatusOK}, nil
	}
	sort.Ints(codes)
	status := codes[0]
	resp := byCode[status]
	if resp == nil || resp.Content == nil || resp.Content.Len() == 0 {
		return Response{Status: status}, nil
	}
	for m := resp.Content.First(); m != nil; m = m.Next() {
		if !isJSON(m.Key()) {
			continue
		}
		value, ok := mediaExample(m.Value())
		if !ok {
			return Response{}, fmt.Errorf("the %d response has neither an example nor a schema to build one from", status)
		}
		body, err := json.Marshal(value)
		if err != nil {
			return Response{}, fmt.Errorf("the %d response example is not JSON: %w", status, err)
		}
		return Response{Status: status, ContentType: jsonContentType(m.Key()), Body: body}, nil
	}
	first := resp.Content.First()
	return Response{Status: status, ContentType: first.Key()}, nil
}

// jsonContentType adds the charset the vendor sends to a JSON media type.
func jsonContentType(mediaType string) string {
	if strings.Contains(mediaType, "charset") {
		return mediaType
	}
	return mediaType + "; charset=utf-8"
}

// ResponseProblems says how a response the operation could send breaks the document: an
// undocumented status, a content type it does not declare, a body its schema refuses.
// It runs at load, for scripted responses; nil means the response honours the spec.
func (s *Spec) ResponseProblems(op *Operation, status int, header http.Header, body []byte) []string {
	path := op.Path
	for strings.Contains(path, "{") { // any concrete value routes a template
		i := strings.IndexByte(path, '{')
		j := strings.IndexByte(path[i:], '}')
		if j < 0 {
			break
		}
		path = path[:i] + "x" + path[i+j+1:]
	}
	req, err := http.NewRequest(op.Method, "http://lsmock.invalid"+path, nil)
	if err != nil {
		return []string{err.Error()}
	}
	resp := &http.Response{
		StatusCode: status,
		Header:     header.Clone(),
		Body:       io.NopCloser(bytes.NewReader(body)),
		Request:    req,
	}
	s.attach()
	docValidator, errs := s.responses()
	if len(errs) > 0 {
		out := make([]string, len(errs))
		for i, e := range errs {
			out[i] = e.Error()
		}
		return out
	}
	if ok, errs := docValidator.ValidateHttpResponse(req, resp); !ok {
		var out []string
		for _, e := range errs {
			msg := e.Message
			for _, f := range e.SchemaValidationErrors {
				msg += "; " + f.Reason
				if f.FieldPath != "" && f.FieldPath != "$" {
					msg += " at " + f.FieldPath
				}
			}
			out = append(out, msg)
		}
		return out
	}
	return nil
}
