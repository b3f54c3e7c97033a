package mockserver

import (
	"fmt"
	"net/http"

	"github.com/lsmock/lsmock/internal/auth"
	"github.com/lsmock/lsmock/internal/decide"
	"github.com/lsmock/lsmock/internal/license"
	"github.com/lsmock/lsmock/internal/oauth"
	"github.com/lsmock/lsmock/internal/scenario"
	"github.com/lsmock/lsmock/internal/spec"
	"github.com/lsmock/lsmock/internal/validate"
)

// compiled is everything built from one spec and its scenarios before the first request:
// compiled schemas, scenario indexes, fixed answers. A reload builds a new one and swaps it
// in whole, so a request sees one configuration from start to end.
type compiled struct {
	spec      *spec.Spec
	scenarios *scenario.Set
	validator *validate.Validator
	decider   *decide.Decider
	engine    *license.Engine // answers from the declared licenses and users
	ops       map[*spec.Operation]*opInfo
	// bodyFields and queryFields are, per operation, the body fields and query parameters
	// the spec declares, each true when it is not a secret: the values the journal shows
	// (journal.RedactBody) and a recording may match on (Exchange); headerFields the header
	// parameters it declares, whose values the journal shows (journal.RedactHeaders).
	bodyFields, queryFields, headerFields map[string]map[string]bool
	cors                                  corsPolicy
	fixed                                 fixedErrors
}

// opInfo is what a request of an operation needs that the operation alone decides.
type opInfo struct {
	authorized bool     // its requests carry a signed Authorization
	idHeader   []string // the X-Lsmock-Operation header's value
}

// fixedErrors are the answers that do not depend on the request, rendered once.
type fixedErrors struct {
	notFound, methodNotAllowed, tooLarge             apiError
	adminNotFound, adminForbidden, adminUnauthorized apiError
	adminCrossSite                                   apiError
}

// compile builds a configuration for s from a spec and its scenarios; the state and the
// signing key are s's, and outlive it.
func (s *Server) compile(sp *spec.Spec, set *scenario.Set) (*compiled, error) {
	var v *validate.Validator
	if s.files.Embedded() {
		// Its schemas compile (the tests check): each is compiled at its operation's first
		// request, and start-up does not wait for them.
		v = validate.NewDeferred(sp)
	} else {
		var err error
		if v, err = validate.New(sp); err != nil { // a user's spec: its errors at start
			return nil, fmt.Errorf("build validator: %w", err)
		}
	}
	engine, err := license.NewEngine(set.Catalog, sp, s.signer, s.globalNow, s.maxField)
	if err != nil {
		return nil, err
	}
	engine.UseSSO(s.sso)
	engine.UseDeclarer(scenario.DeclareAtRunTime) // sessions' run-time licenses
	engine.UseAuth(s.auth)                        // offline requests carry their own signature
	ops := make(map[*spec.Operation]bool, len(sp.Operations))
	for _, op := range sp.Operations {
		ops[op] = true
	}
	for _, sc := range set.Scenarios {
		if !ops[sc.Operation] {
			return nil, fmt.Errorf("mockserver: scenario %s was loaded against another spec; load scenarios with the same spec", sc.Name)
		}
	}
	c := &compiled{
		spec:         sp,
		scenarios:    set,
		validator:    v,
		decider:      decide.New(set, engine, s.sessions),
		engine:       engine,
		ops:          map[*spec.Operation]*opInfo{},
		bodyFields:   map[string]map[string]bool{},
		queryFields:  map[string]map[string]bool{},
		headerFields: map[string]map[string]bool{},
	}
	var headerParams []string
	for _, op := range sp.Operations {
		info := &opInfo{idHeader: []string{op.ID}}
		c.ops[op] = info
		c.bodyFields[op.ID], c.queryFields[op.ID], c.headerFields[op.ID] = declared(op)
		headerParams = append(headerParams, op.RequiredHeaders...)
		for _, h := range op.RequiredHeaders {
			if h == "Authorization" {
				info.authorized = true
			}
		}
		c.decider.Known(op.Success.ContentType)
		c.decider.Known(errorContentType)
	}
	c.cors = newCORSPolicy(s.corsCfg, headerParams)
	c.fixed = fixedErrors{
		notFound:         c.documented("not_found", http.StatusNotFound, "Not found"),
		methodNotAllowed: c.documented("method_not_allowed", http.StatusMethodNotAllowed, "Method not allowed"),
		tooLarge:         c.documented("payload_too_large", http.StatusRequestEntityTooLarge, "Request body is too large"),
		adminNotFound:    newAPIError(http.StatusNotFound, "not_found", "No such lsmock admin endpoint; see GET "+AdminPrefix+"scenarios"),
		adminForbidden: newAPIError(http.StatusForbidden, "admin_forbidden",
			"lsmock: the admin API answers clients on loopback that call it localhost or by IP address; start lsmock with --admin-token or --admin-addr to open it"),
		adminUnauthorized: newAPIError(http.StatusUnauthorized, "admin_unauthorized",
			"lsmock: the admin API needs Authorization: Bearer <the --admin-token>"),
		adminCrossSite: newAPIError(http.StatusForbidden, "admin_cross_site",
			"lsmock: a page on another origin may not change lsmock's state (POST, PUT, DELETE on the admin API); "+
				"the dashboard, clients that send no Origin (curl, SDKs) and origins listed in --cors-origins may"),
	}
	return c, nil
}

// documented takes an error's status and message from the spec's examples when it has one.
func (c *compiled) documented(code string, status int, message string) apiError {
	if e, ok := c.spec.ErrorFor(nil, code); ok {
		if e.Status >= 400 {
			status = e.Status
		}
		if e.Message != "" {
			message = e.Message
		}
	}
	return newAPIError(status, code, message)
}

// authError renders an auth failure with the spec's status and message for its code.
func (c *compiled) authError(op *spec.Operation, f *auth.Failure) apiError {
	status, message := http.StatusBadRequest, auth.DefaultMessage(f.Code)
	if e, ok := c.spec.ErrorFor(op, f.Code); ok {
		status, message = e.Status, e.Message
	}
	if f.Message != "" {
		message = f.Message
	}
	return newAPIError(status, f.Code, message)
}

// declared are op's body fields and query parameters, each true when it is not a secret
// (format: password, writeOnly), and its header parameters.
func declared(op *spec.Operation) (body, query, header map[string]bool) {
	body, query, header = map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, h := range op.Headers {
		header[h] = true
	}
	if op.Body != nil {
		for _, p := range op.Body.Properties {
			body[p.Name] = !p.Secret
		}
	}
	for name := range op.Query {
		query[name] = !op.SecretQuery[name]
	}
	query[QueryScenario] = true // lsmock's own: a scenario's name
	return body, query, header
}

// allowed is the methods a path takes, for CORS preflights.
func (c *compiled) allowed(path string) []string {
	if path == oauth.TokenPath {
		return []string{http.MethodPost}
	}
	_, allowed := c.spec.Find("", path)
	return allowed
}
