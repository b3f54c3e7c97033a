package license

import (
	"net/http"
	"strings"
	"sync"

	"github.com/lsmock/lsmock/internal/apierror"
	"github.com/lsmock/lsmock/internal/jsoncanon"
	"github.com/lsmock/lsmock/internal/signing"
	"github.com/lsmock/lsmock/internal/spec"
)

// BehaviorWellKnown is the public metadata (GET /api/v4/.well-known), answered by the
// server through WellKnown: it knows the address it serves.
const BehaviorWellKnown = "well_known"

// The metadata lsmock publishes at .well-known (lsmock's choices, docs/answers.md).
const (
	// WellKnownEnvironment is the environment lsmock names: none of the vendor's.
	WellKnownEnvironment = "lsmock"
	// WellKnownVersion is the API release lsmock imitates: the vendor's, as its metadata
	// page showed it when lsmock's reference was written.
	WellKnownVersion = "4.1.34"
)

// WellKnown is the .well-known answer for a request to base (scheme and host, e.g.
// http://127.0.0.1:8080): lsmock's own public key, and an endpoint for each operation of
// the spec, written as the vendor writes them (a trailing slash, except .well-known's).
// Not signed: the vendor's is not either.
func (e *Engine) WellKnown(base string) Answer {
	body, err := jsoncanon.Marshal(jsoncanon.Pairs(
		"api_base_url", strings.TrimSuffix(base, "/")+strings.TrimSuffix(apiPrefix, "/"),
		"environment", WellKnownEnvironment,
		"supported_api_versions", []string{"v4"},
		"default_api_version", "v4",
		"version", WellKnownVersion,
		"timestamp", iso(e.now(nil)),
		"pub_key", e.metadata.key(),
		"endpoints", e.metadata.endpoints,
	))
	if err != nil { // strings, numbers and lists of them only: a defect
		return Answer{Status: http.StatusInternalServerError, Code: "internal_error", ContentType: apierror.ContentType,
			Body: apierror.Body(http.StatusInternalServerError, "internal_error", "Internal server error")}
	}
	return Answer{Status: http.StatusOK, Body: body, ContentType: "application/json; charset=utf-8"}
}

// apiPrefix is where the License API's operations are.
const apiPrefix = "/api/v4/"

// metadata is what .well-known answers that does not depend on the request: built with the
// engine, not per request.
type metadata struct {
	key       func() string // read at the first .well-known: the built-in key is parsed then
	endpoints []jsoncanon.Object
}

func newMetadata(sp *spec.Spec, signer *signing.Signer) metadata {
	endpoints := make([]jsoncanon.Object, 0, len(sp.Operations))
	for _, op := range sp.Operations {
		if !strings.HasPrefix(op.Path, apiPrefix) {
			continue // lsmock's own routes (the OAuth token endpoint) are not the License API's
		}
		url := op.Path
		if !strings.HasSuffix(url, "/") && op.Behavior != BehaviorWellKnown {
			url += "/"
		}
		endpoints = append(endpoints, jsoncanon.Pairs(
			"method", op.Method,
			"url", url,
		))
	}
	key := func() string { return "" }
	if signer != nil {
		key = sync.OnceValue(func() string { return string(signer.PublicKeyPEM()) })
	}
	return metadata{key: key, endpoints: endpoints}
}
