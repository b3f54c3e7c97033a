// Package validate decides whether a request honours its operation in the spec, and when it
// does not, which of the vendor's error codes it earns.
//
// The checks run in the order a client's mistakes are most useful to hear about: required
// headers (missing_headers), the body's JSON (invalid_json), required parameters
// (missing_parameters), then the full JSON Schema (validation_error). The schemas are compiled
// by libopenapi-validator once, in New (or at first use, NewDeferred); a request costs one JSON decode and one schema walk.
// No message or detail ever repeats a submitted value: bodies carry passwords.
package validate

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/pb33f/jsonschema/v6"
	"github.com/pb33f/libopenapi-validator/config"
	valerrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/helpers"
	"github.com/pb33f/libopenapi-validator/parameters"
	"github.com/pb33f/libopenapi-validator/schema_validation"

	"github.com/lsmock/lsmock/internal/bounded"
	"github.com/lsmock/lsmock/internal/spec"
)

// The vendor's general error codes (vendor page "Error Responses").
const (
	CodeMissingHeaders    = "missing_headers"
	CodeMissingParameters = "missing_parameters"
	CodeInvalidJSON       = "invalid_json"
	CodeValidationError   = "validation_error"
)

// Messages used when the spec documents no example for a code.
var defaultMessages = map[string]string{
	CodeMissingHeaders:  "Some headers are missing",
	CodeInvalidJSON:     "Request body is not valid JSON",
	CodeValidationError: "Request body does not match the schema",
	CodeMissingContent:  "Request content is missing",
}

// Rejection is a refused request: the vendor-shaped error and, for humans, the detail.
type Rejection struct {
	Status  int
	Code    string
	Message string
	// Detail is the validator's full account, for a response header and the log. Like
	// Message it never holds a submitted value.
	Detail string
}

// Validator checks requests against the operations of one spec.
type Validator struct {
	spec *spec.Spec
	ops  map[*spec.Operation]*operationCheck
	// params is built at its first use: it needs the document's model, which a spec read
	// from its snapshot reads only then. Only an operation whose parameters the spec does
	// not describe in full (spec.Operation.DirectParams) needs it.
	params func() parameters.ParameterValidator
	// libraryParams makes every parameter check libopenapi-validator's: the tests' oracle.
	libraryParams bool
	// compileMu serializes the compiles of body schemas put off to their first use: they
	// render the spec's model, which is not made for concurrent writers.
	compileMu sync.Mutex
}

// operationCheck is what New precomputes for one operation.
type operationCheck struct {
	op *spec.Operation
	// schema compiles the body schema once, at New or at its first use (NewDeferred); nil
	// when the operation takes no JSON body.
	schema func() (*jsonschema.Schema, error)
	// flat is the body schema when it is simple enough to check directly (fast.go), nil
	// when not; read at its first use.
	flat func() *flatObject
	keys map[string]string // the body's property names, shared by every decoded body
	// refused remembers the general validator's answers for a flat schema, by body shape
	// (shapes.go).
	refused bounded.Map[string, Rejection]

	missingHeaders    Rejection // Message and Status fixed; Detail filled per request
	invalidJSON       Rejection
	missingParameters Rejection // Status only: the message names the fields
	validationError   Rejection // Status only
	missingContent    Rejection // an empty base64 body (unwrapEncoded)
}

// New compiles every operation's body schema. It fails only when a schema cannot compile.
func New(s *spec.Spec) (*Validator, error) {
	v := newValidator(s)
	for _, op := range s.Operations {
		if c := v.ops[op]; c.schema != nil {
			if _, err := c.schema(); err != nil {
				return nil, err
			}
		}
	}
	return v, nil
}

// NewDeferred is New with each body schema compiled at the first request that needs it, not
// before: for a spec whose schemas are known to compile (the embedded one, which the tests
// check), so start-up does not wait for operations nobody calls.
func NewDeferred(s *spec.Spec) *Validator { return newValidator(s) }

func newValidator(s *spec.Spec) *Validator {
	v := &Validator{
		spec:   s,
		ops:    make(map[*spec.Operation]*operationCheck, len(s.Operations)),
		params: sync.OnceValue(func() parameters.ParameterValidator { return parameters.NewParameterValidator(s.Model()) }),
	}
	opts := config.NewValidationOptions()
	for _, op := range s.Operations {
		c := &operationCheck{
			op:                op,
			refused:           bounded.Map[string, Rejection]{Max: maxShapes, MaxBytes: maxShapeBytes},
			missingHeaders:    v.rejection(op, CodeMissingHeaders),
			invalidJSON:       v.rejection(op, CodeInvalidJSON),
			missingParameters: v.rejection(op, CodeMissingParameters),
			validationError:   v.rejection(op, CodeValidationError),
			missingContent:    v.rejection(op, CodeMissingContent),
		}
		if op.Body != nil {
			c.keys = map[string]string{}
			for _, p := range op.Body.Properties {
				c.keys[p.Name] = p.Name
			}
			c.flat = sync.OnceValue(func() *flatObject { return newFlatObject(op.Body.Inline) })
			c.schema = sync.OnceValues(func() (*jsonschema.Schema, error) {
				if r := op.Body.Rendered; r != nil { // from a snapshot: no document to read
					// The name the library gives it (a hash seeded per process) names nothing
					// a refusal says.
					compiled, err := helpers.NewCompiledSchemaWithVersion("schema", r, opts, s.Version)
					if err != nil {
						return nil, fmt.Errorf("%s: compile the request body schema of %s: %w", s.Name, op.ID, err)
					}
					return compiled, nil
				}
				schema := op.Body.Schema() // before the lock: it may read the document
				v.compileMu.Lock()
				defer v.compileMu.Unlock()
				compiled, err := schema_validation.CompileSchemaForValidation(schema,
					schema_validation.SchemaValidationPurposeRequestBody, opts, s.Version)
				if err != nil {
					return nil, fmt.Errorf("%s: compile the request body schema of %s: %w", s.Name, op.ID, err)
				}
				return compiled.CompiledSchema, nil
			})
		}
		v.ops[op] = c
	}
	return v
}

// rejection takes a code's status and message from the spec, falling back to the vendor's.
func (v *Validator) rejection(op *spec.Operation, code string) Rejection {
	r := Rejection{Status: http.StatusBadRequest, Code: code, Message: defaultMessages[code]}
	if e, ok := v.spec.ErrorFor(op, code); ok {
		if e.Status >= 400 {
			r.Status = e.Status
		}
		if e.Message != "" {
			r.Message = e.Message
		}
	}
	return r
}

// AdmitHeaders refuses a request that lacks one of its operation's required headers (or sends it empty).
func (v *Validator) AdmitHeaders(op *spec.Operation, r *http.Request) *Rejection {
	missing := missingHeaders(op.RequiredHeaders, r.Header)
	if missing == nil {
		return nil
	}
	rej := v.ops[op].missingHeaders
	rej.Detail = "missing required header(s): " + strings.Join(missing, ", ")
	return &rej
}

// AdmitBody validates everything but the required headers: the body's JSON, required
// parameters, the body schema and, where the spec gives them schemas, parameters. The decoded
// body comes back also with a rejection for a body that was JSON, so callers need not decode
// it again (the journal keeps it, redacted). query is r.URL.Query(), parsed once by the caller.
func (v *Validator) AdmitBody(op *spec.Operation, r *http.Request, query url.Values, body []byte) (any, *Rejection) {
	c := v.ops[op]
	if c == nil {
		return nil, &Rejection{Status: http.StatusInternalServerError, Code: "internal_error",
			Message: "Internal server error", Detail: "operation " + op.ID + " was not compiled"}
	}
	var decoded any
	parsed := false
	if op.Body != nil && op.Body.Encoding != "" && (len(body) > 0 || op.Body.Required) {
		unwrapped, rej := c.unwrapEncoded(body) // base64 of JSON: read as the JSON
		if rej != nil {
			return nil, rej
		}
		body = unwrapped
	}
	if op.Body != nil && (len(body) > 0 || op.Body.Required) {
		if len(body) == 0 {
			rej := c.invalidJSON
			rej.Detail = "the request body is empty; " + op.ID + " requires a JSON body (" + op.Body.MediaType + ")"
			return nil, &rej
		}
		if m, ok := decodeFlat(body, c.keys); ok {
			decoded = m
		} else if d, err := unmarshalAny(body); err != nil {
			var outOfRange *json.UnmarshalTypeError
			if errors.As(err, &outOfRange) { // valid JSON: a number no float64 holds (1e400)
				rej := c.validationError
				rej.Message = fmt.Sprintf("the number at byte %d is out of range", outOfRange.Offset)
				rej.Detail = rej.Message + " (beyond a 64-bit float)"
				return nil, &rej
			}
			rej := c.invalidJSON
			rej.Detail = describeJSONError(err)
			return nil, &rej
		} else {
			decoded = d
		}
		parsed = true
	}
	if missing := missingParameters(op, query, decoded); missing != nil {
		if rej, ok := v.missingOne(op, missing); ok {
			return decoded, &rej
		}
		rej := c.missingParameters
		rej.Message = "Some parameters are missing in the request: " + strings.Join(missing, ", ") + "."
		rej.Detail = "missing required parameter(s): " + strings.Join(missing, ", ")
		return decoded, &rej
	}
	if c.schema != nil && parsed {
		if rej := c.checkSchema(decoded); rej != nil {
			return decoded, rej
		}
	}
	if op.NeedsParamValidation || !queryTyped(op, r, query) {
		if rej := v.checkParameters(c, r, query); rej != nil {
			return nil, rej
		}
	}
	return decoded, nil
}

// checkSchema validates a decoded body against the operation's body schema.
func (c *operationCheck) checkSchema(decoded any) *Rejection {
	flat := c.flat()
	if flat != nil && flat.valid(decoded) {
		return nil
	}
	shape := ""
	if flat != nil {
		shape = shapeOf(decoded)
		if rej, ok := c.refused.Get(shape); ok {
			return &rej
		}
	}
	schema, err := c.schema()
	if err != nil {
		return &Rejection{Status: http.StatusInternalServerError, Code: "internal_error",
			Message: "Internal server error", Detail: err.Error()}
	}
	err = schema.Validate(decoded)
	if err == nil {
		return nil
	}
	failures := schemaFailures(err)
	rej := c.validationError
	if len(failures) > 0 {
		rej.Message = failures[0].String()
		rej.Detail = joinFailures(failures)
	}
	if flat != nil {
		c.refused.Put(shape, rej, len(shape)+len(rej.Message)+len(rej.Detail)+shapeOverhead)
	}
	return &rej
}

// queryTyped reports whether every query parameter with a type in op.QueryTypes holds a
// value of it; when not, the general validator decides and words the error.
func queryTyped(op *spec.Operation, r *http.Request, query url.Values) bool {
	if len(op.QueryTypes) == 0 || r.URL.RawQuery == "" {
		return true
	}
	for name, vals := range query {
		typ, ok := op.QueryTypes[name]
		if !ok {
			continue
		}
		for _, v := range vals {
			var err error
			switch typ {
			case "integer":
				_, err = strconv.ParseInt(v, 10, 64)
			case "number":
				_, err = strconv.ParseFloat(v, 64)
			case "boolean":
				if v != "true" && v != "false" {
					return false
				}
			}
			if err != nil {
				return false
			}
		}
	}
	return true
}

func missingHeaders(required []string, h http.Header) []string {
	var missing []string
	for _, name := range required {
		if vals := h[name]; len(vals) == 0 || vals[0] == "" {
			missing = append(missing, name)
		}
	}
	return missing
}

// missingParameters lists required query parameters, then required top-level body fields,
// each in the spec's order.
func missingParameters(op *spec.Operation, query url.Values, decoded any) []string {
	var missing []string
	if len(op.RequiredQuery) > 0 {
		for _, name := range op.RequiredQuery {
			if !query.Has(name) {
				missing = append(missing, name)
			}
		}
	}
	if op.Body != nil {
		if obj, ok := decoded.(map[string]any); ok {
			for _, name := range op.Body.RequiredFields {
				if _, ok := obj[name]; !ok {
					missing = append(missing, name)
				}
			}
		}
	}
	return missing
}

// describeJSONError says where the JSON broke without quoting the body.
func describeJSONError(err error) string {
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return fmt.Sprintf("the request body is not valid JSON: syntax error at byte %d", syntax.Offset)
	}
	return "the request body is not valid JSON"
}

// checkParameters runs libopenapi-validator's parameter checks, or the same checks directly
// where the spec describes the operation's parameters in full. Header values are never
// quoted back.
func (v *Validator) checkParameters(c *operationCheck, r *http.Request, query url.Values) *Rejection {
	var msgs []string
	if c.op.DirectParams && !v.libraryParams {
		msgs = directParameters(c.op, r, query)
	} else {
		msgs = v.libraryParameters(c.op, r)
	}
	if len(msgs) == 0 {
		return nil
	}
	for i, m := range msgs {
		msgs[i] = scrub(m, r)
	}
	rej := c.validationError
	rej.Message = msgs[0]
	rej.Detail = strings.Join(msgs, "; ")
	return &rej
}

// libraryParameters is the library's messages for the parameters of op in r; it reads the
// document's model.
func (v *Validator) libraryParameters(op *spec.Operation, r *http.Request) []string {
	var msgs []string
	run := func(ok bool, errs []*valerrors.ValidationError) {
		if ok {
			return
		}
		for _, e := range errs {
			msgs = append(msgs, e.Message)
		}
	}
	run(v.params().ValidatePathParamsWithPathItem(r, op.PathItem(), op.Path))
	run(v.params().ValidateQueryParamsWithPathItem(r, op.PathItem(), op.Path))
	run(v.params().ValidateHeaderParamsWithPathItem(r, op.PathItem(), op.Path))
	run(v.params().ValidateCookieParamsWithPathItem(r, op.PathItem(), op.Path))
	return msgs
}
