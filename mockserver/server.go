// Package mockserver is lsmock's HTTP server: it routes a request to its operation in the
// spec, picks the scenario that answers it (by name, by pin, by validation, by matching),
// and writes the answer in the vendor's shape. Admin endpoints live under /__lsmock/.
package mockserver

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/lsmock/lsmock/internal/auth"
	"github.com/lsmock/lsmock/internal/journal"
	"github.com/lsmock/lsmock/internal/match"
	"github.com/lsmock/lsmock/internal/scenario"
	"github.com/lsmock/lsmock/internal/session"
	"github.com/lsmock/lsmock/internal/spec"
	"github.com/lsmock/lsmock/internal/validate"
)

// AdminPrefix is where lsmock's own endpoints live, out of the way of any API path.
const AdminPrefix = "/__lsmock/"

// Headers lsmock reads and adds, so a human can steer it and see why it answered as it did.
const (
	HeaderOperation  = "X-Lsmock-Operation"  // the operationId that answered
	HeaderValidation = "X-Lsmock-Validation" // the validator's detail for a refused request
	HeaderScenario   = "X-Lsmock-Scenario"   // request: the scenario to answer with; response: the one that did
	HeaderSession    = session.Header        // request: the session, when not the API key
	// QueryScenario selects a scenario from a URL, for browsers that should not preflight.
	QueryScenario = "__scenario"
)

// DefaultMaxBodyBytes caps request bodies; the API's bodies are a few hundred bytes.
const DefaultMaxBodyBytes = 1 << 20

// DefaultMaxHold bounds how long a scripted delay, slow body or timeout holds a request.
const DefaultMaxHold = 30 * time.Second

// Config is what a Server is built from.
type Config struct {
	// Spec is the loaded contract. Required.
	Spec *spec.Spec
	// Scenarios script answers beyond the spec's success response. Nil means none.
	Scenarios *scenario.Set
	// Logger receives one line per request. Nil discards.
	Logger *slog.Logger
	// MaxBodyBytes caps a request body; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// MaxHold caps scripted delays and faults that hold a request; 0 means DefaultMaxHold.
	MaxHold time.Duration
	// Auth verifies the signing of operations that require an Authorization header.
	// Nil means format mode with no known keys.
	Auth *auth.Verifier
	// JournalSize is how many requests the journal keeps; 0 means journal.DefaultSize.
	JournalSize int
	// CORS lets browser apps on other origins call lsmock; the zero value allows all.
	CORS CORS
}

// Server answers requests for the operations of one spec. It is safe for concurrent use.
type Server struct {
	spec      *spec.Spec
	scenarios *scenario.Set
	validator *validate.Validator
	matcher   *match.Matcher
	sessions  *session.Store
	auth      *auth.Verifier
	signed    map[*spec.Operation]bool // operations whose requests carry a signature
	journal   *journal.Journal
	coverage  *journal.Coverage
	visible   map[string]map[string]bool // operation -> body fields the journal may show
	cors      corsPolicy
	logger    *slog.Logger
	maxBody   int64
	maxHold   time.Duration
	fixed     fixedErrors
}

// fixedErrors are the answers that do not depend on the request, rendered once.
type fixedErrors struct {
	notFound, methodNotAllowed, tooLarge, adminNotFound apiError
}

// New builds everything a request needs: the validator's compiled schemas, the scenario
// indexes and the fixed answers. It fails when the spec cannot be compiled.
func New(cfg Config) (*Server, error) {
	if cfg.Spec == nil {
		return nil, errors.New("mockserver: Config.Spec is required")
	}
	v, err := validate.New(cfg.Spec)
	if err != nil {
		return nil, fmt.Errorf("build validator: %w", err)
	}
	set := cfg.Scenarios
	if set == nil {
		set = &scenario.Set{}
	}
	ops := make(map[*spec.Operation]bool, len(cfg.Spec.Operations))
	for _, op := range cfg.Spec.Operations {
		ops[op] = true
	}
	for _, sc := range set.Scenarios {
		if !ops[sc.Operation] {
			return nil, fmt.Errorf("mockserver: scenario %s was loaded against another spec; load scenarios with Config.Spec", sc.Name)
		}
	}
	s := &Server{
		spec:      cfg.Spec,
		scenarios: set,
		validator: v,
		matcher:   match.New(set),
		sessions:  session.NewStore(),
		auth:      cfg.Auth,
		signed:    map[*spec.Operation]bool{},
		journal:   journal.New(cfg.JournalSize),
		visible:   map[string]map[string]bool{},
		coverage:  journal.NewCoverage(),
		logger:    cfg.Logger,
		maxBody:   cfg.MaxBodyBytes,
		maxHold:   cfg.MaxHold,
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.auth == nil {
		s.auth = auth.NewVerifier(auth.ModeFormat, nil, nil, nil)
	}
	var headerParams []string
	for _, op := range cfg.Spec.Operations {
		s.visible[op.ID] = visibleFields(op)
		headerParams = append(headerParams, op.RequiredHeaders...)
		for _, h := range op.RequiredHeaders {
			if h == "Authorization" {
				s.signed[op] = true
			}
		}
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBodyBytes
	}
	if s.maxHold <= 0 {
		s.maxHold = DefaultMaxHold
	}
	s.cors = newCORSPolicy(cfg.CORS, headerParams)
	s.fixed = fixedErrors{
		notFound:         s.documented("not_found", http.StatusNotFound, "Not found"),
		methodNotAllowed: s.documented("method_not_allowed", http.StatusMethodNotAllowed, "Method not allowed"),
		tooLarge:         s.documented("payload_too_large", http.StatusRequestEntityTooLarge, "Request body is too large"),
		adminNotFound:    newAPIError(http.StatusNotFound, "not_found", "No such lsmock admin endpoint; see GET "+AdminPrefix+"scenarios"),
	}
	return s, nil
}

// documented takes an error's status and message from the spec's examples when it has one.
func (s *Server) documented(code string, status int, message string) apiError {
	if e, ok := s.spec.ErrorFor(nil, code); ok {
		if e.Status >= 400 {
			status = e.Status
		}
		if e.Message != "" {
			message = e.Message
		}
	}
	return newAPIError(status, code, message)
}

// outcome is what one request came to, for the log line and the journal.
type outcome struct {
	status    int
	code      string
	operation string
	scenario  string
	selection string // how the answer was chosen, for the journal
	session   string
	detail    string

	sessionIsKey bool // the session is the API key: the log masks it

	authz   auth.Header // the Authorization header as parsed once, for the journal
	authErr error

	body       []byte // the request body as read
	decoded    any    // the body as validated JSON, when it was
	nearMisses []match.NearMiss
}

// ServeHTTP routes, selects and answers one request, then logs one line about it and
// journals it (also when a fault aborts the connection).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	var out outcome
	if s.cors.apply(w, r, func() []string { _, allowed := s.spec.Find("", r.URL.Path); return allowed }) {
		return // a browser's preflight, answered
	}
	if strings.HasPrefix(r.URL.Path, AdminPrefix) {
		defer func() { s.logRequest(r, &out, start) }()
		out = s.serveAdmin(w, r)
		return
	}
	defer func() {
		s.logRequest(r, &out, start)
		s.record(r, &out, start)
	}()
	s.serveAPI(w, r, &out)
}

func (s *Server) logRequest(r *http.Request, out *outcome, start time.Time) {
	attrs := []slog.Attr{
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", out.status),
		slog.Duration("duration", time.Since(start)),
	}
	sess := out.session
	if out.sessionIsKey {
		sess = maskKey(sess) // an API key: keep it out of logs in clear
	}
	for _, a := range [...]struct{ key, val string }{
		{"operation", out.operation}, {"scenario", out.scenario}, {"session", sess},
		{"code", out.code}, {"detail", out.detail},
	} {
		if a.val != "" {
			attrs = append(attrs, slog.String(a.key, a.val))
		}
	}
	s.logger.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, out *outcome) {
	op, allowed := s.spec.Find(r.Method, r.URL.Path)
	if op == nil {
		if allowed != nil {
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			detail := fmt.Sprintf("%s takes %s, not %s", r.URL.Path, strings.Join(allowed, ", "), r.Method)
			*out = s.fixed.methodNotAllowed.write(w, detail)
			out.selection = "routing"
			return
		}
		*out = s.fixed.notFound.write(w, "no operation in "+s.spec.Name+" has the path "+r.URL.Path)
		out.selection = "routing"
		return
	}
	w.Header().Set(HeaderOperation, op.ID)
	out.operation = op.ID
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			s.writeError(w, out, s.fixed.tooLarge, fmt.Sprintf("the request body exceeds %d bytes", s.maxBody))
			return
		}
		// The client went away mid-body; nobody is left to answer.
		out.status, out.detail = 499, "reading the body: "+err.Error()
		return
	}
	out.body = body
	authz, authErr := auth.Parse(r.Header.Get("Authorization")) // once: session, signing, matching and the journal read it
	out.authz, out.authErr = authz, authErr
	apiKey := ""
	if authErr == nil {
		apiKey = authz.APIKey()
	}
	sid := session.ID(r, apiKey)
	out.session, out.sessionIsKey = sid, r.Header.Get(HeaderSession) == ""

	// 1. A scenario chosen by name wins over validation and matching.
	sc, how, refusal := s.selected(r, op, sid)
	if refusal != nil {
		s.writeError(w, out, refusal.apiError, refusal.detail)
		out.selection = how
		return
	}
	if sc != nil {
		if step, ok := s.sessions.Take(sid, sc); ok {
			out.selection = how
			s.answer(w, r, out, sc.Name, step)
			return
		}
		// Its times are used up for this session: carry on as if it had not been chosen.
	}

	// 2. The contract: a request that breaks it gets the vendor's error. Headers first,
	// then the signature, then the body.
	out.selection = "validation"
	if rej := s.validator.CheckHeaders(op, r); rej != nil {
		s.writeError(w, out, newAPIError(rej.Status, rej.Code, rej.Message), rej.Detail)
		return
	}
	if s.signed[op] {
		if f := s.auth.VerifyParsed(r.Header.Get("Date"), authz, authErr); f != nil {
			s.writeError(w, out, s.authError(op, f), f.Detail)
			out.selection = "auth"
			return
		}
	}
	decoded, rej := s.validator.CheckBody(op, r, body)
	if rej != nil {
		s.writeError(w, out, newAPIError(rej.Status, rej.Code, rej.Message), rej.Detail)
		return
	}
	out.decoded = decoded

	// 3. Matching, then declared users, then the operation's default, then the spec's
	// own success response.
	req := &match.Request{Body: decoded, Header: r.Header, APIKey: apiKey}
	if r.URL.RawQuery != "" {
		req.Query = r.URL.Query()
	}
	usable := func(sc *scenario.Scenario) bool { return s.sessions.Usable(sid, sc) }
	if sc := s.matcher.Match(op, req, usable); sc != nil {
		if step, ok := s.sessions.Take(sid, sc); ok {
			out.selection = "match"
			s.answer(w, r, out, sc.Name, step)
			return
		}
	}
	out.nearMisses = s.matcher.NearMisses(op, req, 3)
	if op == s.scenarios.UserOperation {
		out.selection = "users"
		if refused := s.changePassword(sid, decoded); refused != nil {
			s.answer(w, r, out, "users", refused)
			return
		}
	}
	if sc := s.matcher.Default(op); sc != nil {
		if step, ok := s.sessions.Take(sid, sc); ok {
			out.selection = "default"
			s.answer(w, r, out, sc.Name, step)
			return
		}
	}
	writeResponse(w, op.Success)
	out.status, out.selection = op.Success.Status, "spec"
}

// changePassword applies a change to the declared users of the session: nil when it
// succeeded, else the refusal (unknown user or wrong password, or change not allowed).
func (s *Server) changePassword(sid string, decoded any) *scenario.Response {
	body, _ := decoded.(map[string]any)
	username, _ := body["username"].(string)
	current, _ := body["password"].(string)
	next, _ := body["new_password"].(string)
	for _, u := range s.scenarios.Users {
		if u.Username != username {
			continue
		}
		if !u.ChangeAllowed {
			return s.scenarios.NotAllowed
		}
		if s.sessions.ChangePassword(sid, u.Username, u.Password, current, next) {
			return nil
		}
		return s.scenarios.WrongPassword
	}
	return s.scenarios.WrongPassword
}

// authError renders an auth failure with the spec's status and message for its code.
func (s *Server) authError(op *spec.Operation, f *auth.Failure) apiError {
	status, message := http.StatusBadRequest, auth.DefaultMessage(f.Code)
	if e, ok := s.spec.ErrorFor(op, f.Code); ok {
		status, message = e.Status, e.Message
	}
	if f.Message != "" {
		message = f.Message
	}
	return newAPIError(status, f.Code, message)
}

// visibleFields are the body fields the journal may show: declared by the schema and not
// marked as secrets (format: password, writeOnly).
func visibleFields(op *spec.Operation) map[string]bool {
	out := map[string]bool{}
	if op.Body == nil || op.Body.Schema == nil || op.Body.Schema.Properties == nil {
		return out
	}
	for p := op.Body.Schema.Properties.First(); p != nil; p = p.Next() {
		if ps := p.Value().Schema(); ps != nil && (ps.Format == "password" || (ps.WriteOnly != nil && *ps.WriteOnly)) {
			continue
		}
		out[p.Key()] = true
	}
	return out
}

// maskKey shows enough of an API key to tell sessions apart in a log, not to use it.
func maskKey(key string) string {
	if len(key) <= 4 {
		return strings.Repeat("*", len(key))
	}
	return key[:4] + "***"
}

// refusal is an error answer with its detail.
type refusal struct {
	apiError
	detail string
}

// selected returns the scenario chosen by name for this request: the X-Lsmock-Scenario
// header, the __scenario query parameter, the session's pin, then the global pin. A name
// that does not exist, or that scripts another operation, is refused when the request
// itself named it; pins apply only to requests of their own operation.
func (s *Server) selected(r *http.Request, op *spec.Operation, sid string) (*scenario.Scenario, string, *refusal) {
	name, how := r.Header.Get(HeaderScenario), "header"
	if name == "" && strings.Contains(r.URL.RawQuery, QueryScenario) {
		name, how = r.URL.Query().Get(QueryScenario), "query"
	}
	if name != "" {
		sc := s.scenarios.ByName(name)
		if sc == nil {
			return nil, how, &refusal{newAPIError(http.StatusBadRequest, "unknown_scenario",
				"lsmock: no scenario named "+name+"; GET "+AdminPrefix+"scenarios lists them"), "unknown scenario " + name}
		}
		if sc.Operation != op {
			return nil, how, &refusal{newAPIError(http.StatusBadRequest, "unknown_scenario",
				"lsmock: scenario "+name+" scripts "+sc.Operation.ID+", not "+op.ID), "scenario for another operation"}
		}
		return sc, how, nil
	}
	if pinned, own := s.sessions.Pinned(sid); pinned != "" {
		if sc := s.scenarios.ByName(pinned); sc != nil && sc.Operation == op {
			if own {
				return sc, "session_pin", nil
			}
			return sc, "global_pin", nil
		}
	}
	return nil, "", nil
}

func (s *Server) writeError(w http.ResponseWriter, out *outcome, e apiError, detail string) {
	o := e.write(w, detail)
	out.status, out.code, out.detail = o.status, o.code, o.detail
}
