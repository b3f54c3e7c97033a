// Package mockserver is lsmock's HTTP server: it routes a request to its operation in the
// spec, picks the scenario that answers it (by name, by pin, by validation, by matching),
// and writes the answer in the vendor's shape. Admin endpoints live under /__lsmock/.
package mockserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lsmock/lsmock/internal/auth"
	"github.com/lsmock/lsmock/internal/journal"
	"github.com/lsmock/lsmock/internal/license"
	"github.com/lsmock/lsmock/internal/load"
	"github.com/lsmock/lsmock/internal/match"
	"github.com/lsmock/lsmock/internal/oauth"
	"github.com/lsmock/lsmock/internal/scenario"
	"github.com/lsmock/lsmock/internal/session"
	"github.com/lsmock/lsmock/internal/signing"
	"github.com/lsmock/lsmock/internal/spec"
)

// AdminPrefix is where lsmock's own endpoints live, out of the way of any API path.
const AdminPrefix = "/__lsmock/"

// Headers lsmock reads and adds, so a human can steer it and see why it answered as it did.
const (
	HeaderOperation  = "X-Lsmock-Operation"  // the operationId that answered
	HeaderValidation = "X-Lsmock-Validation" // the validator's detail for a refused request
	HeaderScenario   = "X-Lsmock-Scenario"   // request: the scenario to answer with; response: the one that did
	HeaderSession    = session.Header        // request: the session, when not the API key
	// HeaderDate stands in for Date, which browsers refuse to let a page set (a forbidden
	// header name for fetch); a request that has no Date takes it from here.
	HeaderDate = "X-Lsmock-Date"
	// QueryScenario selects a scenario from a URL, for browsers that should not preflight.
	QueryScenario = "__scenario"
)

// DefaultMaxBodyBytes caps request bodies; the API's bodies are a few hundred bytes.
const DefaultMaxBodyBytes = 1 << 20

// DefaultMaxHold bounds how long a scripted delay, slow body or timeout holds a request.
const DefaultMaxHold = 30 * time.Second

// Config is what a Server is built from. The zero value serves lsmock's embedded spec and
// scenarios, checking the form of signatures.
type Config struct {
	// Files are the spec and the scenarios to serve; Reload reads them again.
	Files Files
	// Auth is how much of the request signing to check, and the keys known.
	Auth Auth
	// Logger receives one line per request. Nil discards.
	Logger *slog.Logger
	// MaxBodyBytes caps a request body; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// MaxHold caps scripted delays and faults that hold a request; 0 means DefaultMaxHold.
	MaxHold time.Duration
	// JournalSize is how many requests the journal keeps; 0 means journal.DefaultSize.
	JournalSize int
	// CORS lets browser apps on other origins call lsmock; the zero value allows all.
	CORS CORS
	// Admin says who may use the admin API; the zero value allows loopback clients only.
	Admin AdminAccess
	// MaxFieldBytes is the longest hardware_id, password, username (and the other fields the
	// state keeps) a request may send; 0 means license.MaxFieldBytes.
	MaxFieldBytes int
	// MaxSessions bounds how many sessions keep state; the least recently used is dropped
	// beyond it. 0 means session.DefaultMax.
	MaxSessions int
	// Watch, when set, reports how the watch of the served files is doing; GET
	// /__lsmock/health and the metrics show it.
	Watch func() WatchStatus
	// SigningKey is the RSA private key (PEM) answers are signed with; nil means lsmock's
	// built-in test key (GET /__lsmock/signing-key serves its public half).
	SigningKey []byte
	// Clock is the time Date headers, license validity and trials are held to; nil means
	// time.Now.
	Clock func() time.Time
	// Proxy, when set, forwards API requests to a real server instead of answering them.
	Proxy *Proxy
	// Version is lsmock's version, which GET / names; "" means "devel".
	Version string
}

// Files says where the spec and the scenarios come from: a spec file or a document in
// memory, and a folder (any fs.FS) of scenario files. The zero value is lsmock's embedded
// openapi.yaml and scenarios/.
type Files = load.Files

// Auth is how much of LicenseSpring's request signing lsmock checks.
type Auth struct {
	// Mode is "off" (presence only), "format" (the default: the header's form and the Date;
	// signatures of known keys) or "strict" (also unknown, revoked and read-only keys).
	Mode string
	// Keys are the API keys lsmock knows, with their shared keys.
	Keys []Key
	// Tokens are the Bearer tokens strict mode accepts, besides those lsmock issues.
	Tokens []string
	// Clients are the OAuth clients the token endpoint knows; none means oauth's demo
	// client. Strict mode issues tokens to these only; the other modes to any client whose
	// id is not known with another secret.
	Clients []oauth.Client
	// TokenTTL is how long issued tokens live; 0 means oauth.DefaultTTL.
	TokenTTL time.Duration
}

// Key is an API key with its shared key and status ("active", "revoked", "read_only").
type Key = auth.Key

// WatchStatus is how the watch of the served files (lsmock serve --watch) is doing.
type WatchStatus struct {
	// Paths is how many files and folders are watched.
	Paths int `json:"paths"`
	// Errors counts the errors the watch met; it recovers from them and goes on.
	Errors uint64 `json:"errors"`
	// LastError is the latest of them.
	LastError string `json:"last_error,omitempty"`
	// Failing is true while the watch could not be started again (it retries every second).
	Failing bool `json:"failing"`
}

// Server answers requests for the operations of one spec. It is safe for concurrent use.
// Its configuration can be swapped while it serves (Reload); sessions, the journal and
// coverage outlive a swap.
type Server struct {
	cur      atomic.Pointer[compiled]
	watch    func() WatchStatus
	corsCfg  CORS
	admin    AdminAccess
	files    Files
	reloadMu sync.Mutex // one reload at a time

	sessions  *session.Store
	state     *license.State // what each session did with the declared licenses and users
	signer    *signing.Signer
	clock     func() time.Time
	auth      *auth.Checker
	oauth     *oauth.Issuer
	proxy     *proxyState // nil: lsmock answers itself
	journal   *journal.Journal
	counts    *journal.Counts // what verify counts: every request, unlike the journal's ring
	coverage  *journal.Coverage
	metrics   *metrics
	dashboard map[string]staticFile // by the path after /__lsmock/
	root      rootAnswer            // GET /
	adminMux  *http.ServeMux
	bodies    sync.Pool // *[]byte buffers for request bodies
	lengths   lengths   // Content-Length values
	logger    *slog.Logger
	maxBody   int64
	maxHold   time.Duration
	maxField  int // Config.MaxFieldBytes

	// ending is closed by EndHolds when the server shuts down: Shutdown does not cancel
	// the contexts of requests in flight, so holds wait on this too.
	ending  chan struct{}
	endOnce sync.Once
}

// New loads the files and builds everything a request needs: the validator's compiled
// schemas, the scenario indexes and the fixed answers. Its error says what is wrong where
// (file:line:col).
func New(cfg Config) (*Server, error) {
	mode := auth.ModeFormat
	if cfg.Auth.Mode != "" {
		m, err := auth.ParseMode(cfg.Auth.Mode)
		if err != nil {
			return nil, fmt.Errorf("mockserver: %w", err)
		}
		mode = m
	}
	signer := signing.Builtin()
	if cfg.SigningKey != nil {
		k, err := signing.Parse(cfg.SigningKey, "the signing key")
		if err != nil {
			return nil, fmt.Errorf("mockserver: %w", err)
		}
		signer = k
	}
	clock := cfg.Clock
	if clock == nil {
		clock = time.Now
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	issuer := oauth.NewIssuer(cfg.Auth.Clients, mode != auth.ModeStrict, cfg.Auth.TokenTTL, clock)
	s := &Server{
		corsCfg:   cfg.CORS,
		watch:     cfg.Watch,
		admin:     cfg.Admin,
		files:     cfg.Files,
		state:     license.NewState(),
		signer:    signer,
		clock:     clock,
		auth:      auth.NewChecker(mode, cfg.Auth.Keys, cfg.Auth.Tokens, issuer.Lookup, clock),
		oauth:     issuer,
		journal:   journal.New(cfg.JournalSize, 0),
		counts:    journal.NewCounts(0),
		coverage:  journal.NewCoverage(),
		metrics:   newMetrics(),
		dashboard: loadDashboard(),
		root:      newRootAnswer(cfg.Version, cfg.Admin),
		logger:    logger,
		maxBody:   cfg.MaxBodyBytes,
		maxHold:   cfg.MaxHold,
		maxField:  cfg.MaxFieldBytes,
		ending:    make(chan struct{}),
		lengths:   newLengths(4096),
	}
	if cfg.Proxy != nil {
		p, err := newProxyState(cfg.Proxy)
		if err != nil {
			return nil, err
		}
		s.proxy = p
	}
	s.sessions = session.NewStore(cfg.MaxSessions, func(id session.ID) {
		s.state.Forget(id.Key)
		if c := s.cur.Load(); c != nil {
			c.engine.ForgetAnswers() // some may be the dropped session's
		}
		logger.Info("session state dropped to stay within the session limit",
			slog.String("session", id.Name), slog.Int("max_sessions", s.sessions.Max()))
	})
	sp, set, err := cfg.Files.Load()
	if err != nil {
		return nil, err
	}
	c, err := s.compile(sp, set)
	if err != nil {
		return nil, err
	}
	s.cur.Store(c)
	s.adminMux = s.adminRoutes()
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBodyBytes
	}
	if s.maxHold <= 0 {
		s.maxHold = DefaultMaxHold
	}
	return s, nil
}

// Summary says what the server serves, for its start-up log line.
func (s *Server) Summary() Loaded {
	c := s.cur.Load()
	l := Loaded{Operations: len(c.spec.Operations), Scenarios: c.scenarios.Declared()}
	for _, op := range c.spec.Operations {
		l.Paths = append(l.Paths, op.Method+" "+op.Path)
	}
	return l
}

// AuthMode is the signing check's mode: off, format or strict.
func (s *Server) AuthMode() string { return string(s.auth.Mode()) }

// outcome is what one request came to, for the log line and the journal.
type outcome struct {
	status    int
	code      string
	operation string
	scenario  string
	selection string // how the answer was chosen, for the journal
	covers    string // the scenario (ref) a state answer counts under in coverage
	session   session.ID
	detail    string
	path      string // what the log shows for the path, when not the request's (it may name a credential)

	authz    auth.Header // the Authorization header as parsed once, for the journal
	authErr  error
	keyLabel string // session.Label of its API key, when the session has it already
	drift    bool   // through the proxy, the exchange broke the contract

	query      url.Values // the request's query, parsed once (see queryOf)
	body       []byte     // the request body as read
	bodyRead   bool       // body is the whole body (readBody succeeded)
	bodyBuf    *[]byte    // the pooled buffer body is in, if it is
	decoded    any        // the body as validated JSON, when it was
	nearMisses []match.NearMiss
}

// ServeHTTP routes, selects and answers one request, then logs one line about it and
// journals it (also when a fault aborts the connection).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := s.cur.Load() // one configuration for the whole request, even across a reload
	if strings.HasPrefix(r.URL.Path, AdminPrefix) && !s.admin.Separate {
		s.serveAdminFor(c, w, r, false)
		return
	}
	start := time.Now()
	var out outcome
	if c.cors.apply(w, r, false, func() []string { return c.allowed(r.URL.Path) }) {
		return // a browser's preflight, answered
	}
	defer func() {
		s.logRequest(r, &out, start, out.logLevel())
		s.journalRequest(c, r, &out, start)
		s.releaseBody(&out)
	}()
	if s.proxy != nil {
		s.serveProxy(c, w, r, &out)
		return
	}
	if r.URL.Path == oauth.TokenPath {
		s.serveToken(w, r, &out)
		return
	}
	s.serveAPI(c, w, r, &out)
}

// serveAdminFor answers an admin request after checking who sent it.
func (s *Server) serveAdminFor(c *compiled, w http.ResponseWriter, r *http.Request, ownListener bool) {
	start := time.Now()
	var out outcome
	// Debug: the dashboard polls every second and would bury the API's lines.
	defer func() { s.logRequest(r, &out, start, slog.LevelDebug) }()
	if c.cors.apply(w, r, true, func() []string { return []string{http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete} }) {
		return
	}
	if refusal, detail := s.adminRefusal(c, r, ownListener); refusal != nil {
		out = refusal.write(w, detail)
		return
	}
	out = s.serveAdmin(c, w, r)
}

func (s *Server) logRequest(r *http.Request, out *outcome, start time.Time, level slog.Level) {
	h := s.logger.Handler()
	if !h.Enabled(r.Context(), level) {
		return // below --log-level: build nothing
	}
	path := r.URL.Path
	if out.path != "" {
		path = out.path
	}
	now := time.Now()
	// The record is built here, not by Logger.LogAttrs, which spends a stack walk on a
	// source location nobody asked for.
	rec := slog.NewRecord(now, level, "request", 0)
	rec.AddAttrs(
		slog.String("method", r.Method),
		slog.String("path", path),
		slog.Int("status", out.status),
		slog.Duration("duration", now.Sub(start)),
	)
	var extra [5]slog.Attr
	n := 0
	for _, a := range [...]struct{ key, val string }{
		{"operation", out.operation}, {"scenario", out.scenario}, {"session", out.session.Name},
		{"code", out.code}, {"detail", out.detail},
	} {
		if a.val != "" {
			extra[n] = slog.String(a.key, a.val)
			n++
		}
	}
	rec.AddAttrs(extra[:n]...)
	_ = h.Handle(r.Context(), rec)
}

// identify reads the request's Authorization once (the session, the signing check, matching
// and the journal all use it) and finds its session: X-Lsmock-Session, else the API key, else
// for a token lsmock issued its client id (kept across refreshes), else the token. It returns
// the credential the session is keyed on.
func (s *Server) identify(r *http.Request, out *outcome) (credential string) {
	out.authz, out.authErr = auth.Parse(r.Header.Get("Authorization"))
	if out.authErr == nil {
		credential = out.authz.APIKey()
		if out.authz.Bearer != "" {
			if client, st := s.oauth.Lookup(out.authz.Bearer); st != auth.TokenUnknown {
				credential = client
			}
		}
	}
	out.session = session.Of(r, credential)
	if r.Header.Get(HeaderSession) == "" {
		out.keyLabel = out.session.Name // the credential's label, for the journal's Authorization
	}
	return credential
}

func (s *Server) serveAPI(c *compiled, w http.ResponseWriter, r *http.Request, out *outcome) {
	op, allowed := c.spec.Find(r.Method, r.URL.Path)
	if op == nil {
		if isRoot(r) && allowed == nil {
			*out = s.root.write(w)
			return
		}
		if allowed != nil {
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			detail := fmt.Sprintf("%s takes %s, not %s", r.URL.Path, strings.Join(allowed, ", "), r.Method)
			*out = c.fixed.methodNotAllowed.write(w, detail)
			out.selection = "routing"
			return
		}
		*out = c.fixed.notFound.write(w, "no operation in "+c.spec.Name+" has the path "+r.URL.Path)
		out.selection = "routing"
		return
	}
	info := c.ops[op]
	w.Header()[HeaderOperation] = info.idHeader
	out.operation = op.ID
	if len(r.Header["Date"]) == 0 {
		if d := r.Header[HeaderDate]; len(d) > 0 {
			r.Header["Date"] = d
		}
	}
	apiKey := s.identify(r, out)
	sid, authz, authErr := out.session, out.authz, out.authErr

	// 1. A scenario chosen by name wins over validation and matching.
	sc, how, refusal := s.selected(c, r, op, sid)
	if refusal != nil {
		s.writeError(w, out, refusal.apiError, refusal.detail)
		out.selection = how
		return
	}
	if sc != nil {
		if step, ok := s.sessions.Take(sid, sc); ok {
			out.selection = how
			if err := s.readBody(w, r, out); err != nil && !tooLarge(err) {
				return // the client left while sending; nobody to answer
			}
			s.answer(c, w, r, out, op, sc.Name, step)
			return
		}
		// Its times are used up for this session: carry on as if it had not been chosen.
	}

	// 2. The contract: a request that breaks it gets the vendor's error. Headers first,
	// then the signature, then the body's size, then the body.
	out.selection = "validation"
	if rej := c.validator.CheckHeaders(op, r); rej != nil {
		s.writeError(w, out, newAPIError(rej.Status, rej.Code, rej.Message), rej.Detail)
		return
	}
	if info.authorized {
		if f := s.auth.CheckParsed(r.Header.Get("Date"), authz, authErr); f != nil {
			s.writeError(w, out, c.authError(op, f), f.Detail)
			out.selection = "auth"
			return
		}
	}
	if err := s.readBody(w, r, out); err != nil {
		if tooLarge(err) {
			s.writeError(w, out, c.fixed.tooLarge, fmt.Sprintf("the request body exceeds %d bytes", s.maxBody))
		}
		return
	}
	body := out.body
	decoded, rej := c.validator.CheckBody(op, r, out.queryOf(r), body)
	out.decoded = decoded
	if rej != nil {
		s.writeError(w, out, newAPIError(rej.Status, rej.Code, rej.Message), rej.Detail)
		return
	}

	// 3. Matching, then the state (licenses, users), then the operation's default, then
	// the spec's own success response.
	req := &match.Request{Body: decoded, Header: r.Header, APIKey: apiKey}
	if r.URL.RawQuery != "" {
		req.Query = out.queryOf(r)
	}
	var step *scenario.Response
	take := func(sc *scenario.Scenario) (ok bool) { step, ok = s.sessions.Take(sid, sc); return ok }
	if sc := c.matcher.Match(op, req, take); sc != nil {
		out.selection = "match"
		s.answer(c, w, r, out, op, sc.Name, step)
		return
	}
	out.nearMisses = c.matcher.NearMisses(op, req, 3)
	if a, ok := s.live(c, r, op, out); ok {
		out.selection = "state"
		if a.Code != "" && a.Detail != "" {
			w.Header().Set(HeaderValidation, journal.Clip(a.Detail, journal.MaxDetail))
		}
		s.answer(c, w, r, out, op, "", &scenario.Response{Status: a.Status, Code: a.Code, Body: a.Body,
			Header: c.contentType(a.ContentType), SignedAs: a.Signature})
		out.detail = a.Detail
		out.covers = c.stateScenario(op, a)
		return
	}
	if sc := c.matcher.Default(op); sc != nil {
		if step, ok := s.sessions.Take(sid, sc); ok {
			out.selection = "default"
			s.answer(c, w, r, out, op, sc.Name, step)
			return
		}
	}
	s.answer(c, w, r, out, op, "", &scenario.Response{Status: op.Success.Status, Body: op.Success.Body,
		Header: c.contentType(op.Success.ContentType)})
	out.selection = "spec"
}

// live is what the state answers the request: the licenses and users the files declare, and
// what the session did with them. ok is false when it has nothing to say.
func (s *Server) live(c *compiled, r *http.Request, op *spec.Operation, out *outcome) (license.Answer, bool) {
	switch op.Behavior {
	case "":
		return license.Answer{}, false
	case license.BehaviorOAuthURL:
		return oauthURL(r), true
	}
	var params license.Params
	switch {
	case op.Body != nil:
		params, _ = out.decoded.(map[string]any)
		if params == nil && len(out.body) > 0 {
			params = unvalidatedParams(out.body) // a scenario chosen by name skips validation
		}
	case r.URL.RawQuery != "":
		q := out.queryOf(r)
		params = make(license.Params, len(q))
		for k, v := range q {
			params[k] = v[0]
		}
	}
	a, ok := c.engine.Answer(op, out.session.Key, params)
	if ok {
		s.sessions.Touch(out.session) // the state it may keep goes when the session goes
	}
	return a, ok
}

// queryOf is r's query, parsed on first use.
func (o *outcome) queryOf(r *http.Request) url.Values {
	if o.query == nil {
		o.query = r.URL.Query()
	}
	return o.query
}

// unvalidatedParams decodes a body validation did not read; nil when it is not an object.
func unvalidatedParams(body []byte) license.Params {
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	return m
}

// readBody reads the request body, up to the size limit, into out.body. On an error the body
// is too large (tooLarge) or the client left while sending it, which out then says. A body
// of a known, allowed length is read into a buffer the next request re-uses (see
// releaseBody): nothing keeps the raw bytes past the request.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, out *outcome) error {
	if n := r.ContentLength; n >= 0 && n <= s.maxBody {
		if n == 0 {
			out.bodyRead = true
			return nil
		}
		buf, _ := s.bodies.Get().(*[]byte)
		if buf == nil || int64(cap(*buf)) < n {
			b := make([]byte, 0, max(n, minBodyBuffer))
			buf = &b
		}
		body := (*buf)[:n]
		if _, err := io.ReadFull(r.Body, body); err != nil {
			s.bodies.Put(buf)
			out.status, out.detail = 499, "reading the body: "+err.Error()
			return err
		}
		out.body, out.bodyBuf, out.bodyRead = body, buf, true
		return nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	switch {
	case tooLarge(err):
		out.detail = fmt.Sprintf("the request body exceeds %d bytes", s.maxBody)
		return err
	case err != nil:
		out.status, out.detail = 499, "reading the body: "+err.Error()
		return err
	}
	out.body, out.bodyRead = body, true
	return nil
}

// minBodyBuffer and maxBodyBuffer bound the buffers kept for request bodies: an SDK's bodies
// are a few hundred bytes; a rare large one is not kept.
const (
	minBodyBuffer = 1 << 10
	maxBodyBuffer = 64 << 10
)

// releaseBody hands the request's body buffer to the next request, once nothing reads it.
func (s *Server) releaseBody(out *outcome) {
	if out.bodyBuf != nil && cap(*out.bodyBuf) <= maxBodyBuffer {
		s.bodies.Put(out.bodyBuf)
	}
	out.body, out.bodyBuf = nil, nil
}

func tooLarge(err error) bool {
	var e *http.MaxBytesError
	return errors.As(err, &e)
}

// refusal is an error answer with its detail.
type refusal struct {
	apiError
	detail string
}

// selected returns the scenario chosen by name for this request: the X-Lsmock-Scenario
// header, the __scenario query parameter, the session's pins, then the global ones. Names
// are the operation's own (each operation has its own internal_error) or qualified
// ("checkLicense/internal_error"). A name the operation has no scenario of is refused when
// the request itself named it; pins apply only to operations that have their scenario.
func (s *Server) selected(c *compiled, r *http.Request, op *spec.Operation, sid session.ID) (*scenario.Scenario, string, *refusal) {
	name, how := r.Header.Get(HeaderScenario), "header"
	if name == "" && strings.Contains(r.URL.RawQuery, QueryScenario) {
		name, how = r.URL.Query().Get(QueryScenario), "query"
	}
	if name != "" {
		if sc := c.scenarios.Lookup(op, name); sc != nil {
			return sc, how, nil
		}
		msg := "lsmock: no scenario named " + name + "; GET " + AdminPrefix + "scenarios lists them"
		if c.scenarios.Exists(name) {
			msg = "lsmock: scenario " + name + " scripts other operations, not " + op.ID
		}
		return nil, how, &refusal{newAPIError(http.StatusBadRequest, "unknown_scenario", msg), "no scenario " + name + " for " + op.ID}
	}
	resolves := func(ref string) bool { return c.scenarios.Lookup(op, ref) != nil }
	if ref, own := s.sessions.Pinned(sid, op.ID, resolves); ref != "" {
		if sc := c.scenarios.Lookup(op, ref); sc != nil {
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
