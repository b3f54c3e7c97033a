// Package contract holds answers to the spec from the outside, with kin-openapi: an oracle
// independent of the libopenapi-validator that lsmock validates requests with. The contract
// tests use it on lsmock; `lsmock verify` uses it on a real server.
package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// Oracle holds answers to one spec.
type Oracle struct {
	doc    *openapi3.T
	router routers.Router
}

// NewOracle loads the spec with kin-openapi. path, when set, lets external $refs resolve.
func NewOracle(specYAML []byte, path string) (*Oracle, error) {
	loader := openapi3.NewLoader()
	var doc *openapi3.T
	var err error
	if path != "" {
		loader.IsExternalRefsAllowed = true
		doc, err = loader.LoadFromFile(path)
	} else {
		doc, err = loader.LoadFromData(specYAML)
	}
	if err != nil {
		return nil, fmt.Errorf("kin-openapi cannot load the spec: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("kin-openapi finds the spec invalid: %w", err)
	}
	doc.Servers = nil // route by path alone: the server under test is on any host
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("kin-openapi cannot route the spec: %w", err)
	}
	return &Oracle{doc: doc, router: router}, nil
}

// Judge holds one exchange to the spec: the answer's status, headers and body against the response
// the spec documents for the request's operation. Requests with no route (unknown path,
// wrong method) are held to the spec's ErrorResponse schema.
func (o *Oracle) Judge(req *http.Request, status int, header http.Header, body []byte) error {
	routed := req.Clone(context.Background())
	routed.URL = &url.URL{Path: req.URL.Path, RawQuery: req.URL.RawQuery}
	route, pathParams, err := o.router.FindRoute(routed)
	if err != nil {
		var errSchema *openapi3.SchemaRef
		if o.doc.Components != nil {
			errSchema = o.doc.Components.Schemas["ErrorResponse"]
		}
		if errSchema == nil || errSchema.Value == nil {
			return errors.New("the spec defines no components.schemas.ErrorResponse")
		}
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			return fmt.Errorf("unrouted answer is not JSON: %w", err)
		}
		return errSchema.Value.VisitJSON(v)
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: routed, PathParams: pathParams, Route: route},
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	return openapi3filter.ValidateResponse(context.Background(), input)
}
