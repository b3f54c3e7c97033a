// Package mockserver is lsmock's HTTP server: it routes a request to its operation in the
// spec, picks the scenario that answers it (by name, by pin, by validation, by matching),
// and writes the answer in the vendor's shape. Admin endpoints live under /__lsmock/.
package mockserver

import (
	"fmt"
	"io/fs"
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
	"github.com/lsmock/lsmock/internal/logtext"
	"github.com/lsmock/lsmock/internal/match"
	"github.com/lsmock/lsmock/internal/oauth"
	"github.com/lsmock/lsmock/internal/session"
	"github.com/lsmock/lsmock/internal/signing"
	"github.com/lsmock/lsmock/internal/sso"
)

// AdminPrefix is where lsmock's own endpoints live, out of the way of any API path.
const AdminPrefix = "/__lsmock/"

// Headers lsmock reads and adds, so a human can steer it and see why it answered as it did.
const (
	HeaderOperation  = "X-Lsmock-Operation"  // the operationId that answered
	HeaderValidation = "X-Lsmock-Validation" // the validator's detail for a refused request
	HeaderScenario   = "X-Lsmock-Scenario"   // request: the scenario to answer with; response: the one that did
	HeaderSession    = "X-Lsmock-Session"    // request: the session, when not the API key
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
	// JournalSize is how many requests the journal keeps; 0 means 1000.
	JournalSize int
	// CORS lets browser apps on other origins call lsmock; the zero value allows all.
	CORS CORS
	// Admin says who may use the admin API; the zero value allows loopback clients only.
	Admin AdminAccess
	// MaxFieldBytes is the longest hardware_id, password, username (and the other fields the
	// state keeps) a request may send; 0 means 1024.
	MaxFieldBytes int
	// MaxSessions bounds how many sessions keep state; the least recently used is dropped
	// beyond it. 0 means 10,000.
	MaxSessions int
	// Watch, when set, reports how the watch of the served files is doing; GET
	// /__lsmock/health and the metrics show it.
	Watch func() WatchStatus
	// SigningKey is the RSA private key (PEM) answers are signed with; nil means lsmock's
	// built-in test key (GET /__lsmock/signing-key serves its public half).
	SigningKey []byte
	// Clock is the time Date headers, license validity and trials are held to; nil means
	// time.Now. The test clocks (SetClock, PUT /__lsmock/clock) move licenses, trials, seats
	// and tokens from it, never the Date window of request signing.
	Clock func() time.Time
	// Proxy, when set, forwards API requests to a real server instead of answering them.
	Proxy *Proxy
	// Version is lsmock's version, which GET / names; "" means "devel".
	Version string
}

// Files says where the spec and the scenarios come from: a spec file or a document in
// memory, and a folder (any fs.FS) of scenario files. The zero value is lsmock's embedded
// openapi.yaml and scenarios/.
type Files struct {
	// SpecPath is an OpenAPI file; its relative $refs resolve from its folder. Reloads read
	// it again.
	SpecPath string
	// SpecYAML is an OpenAPI document in memory, used when SpecPath is empty; SpecName names
	// it in messages. Both empty: the embedded openapi.yaml.
	SpecYAML []byte
	SpecName string
	// Scenarios holds the scenario files (.yaml and .yml, read recursively); ScenariosName
	// names the folder in messages. Nil means the embedded scenarios/ with the embedded spec,
	// and no scenarios with any other.
	Scenarios     fs.FS
	ScenariosName string
}

// Auth is how much of LicenseSpring's request signing lsmock checks.
type Auth struct {
	// Mode is "off" (presence only), "format" (the default: the header's form and the Date;
	// signatures of known keys) or "strict" (also unknown, revoked and read-only keys).
	Mode string
	// Keys are the API keys lsmock knows, with their shared keys.
	Keys []Key
	// Tokens are the Bearer tokens strict mode accepts, besides those lsmock issues.
	Tokens []string
	// Clients are the OAuth clients the token endpoint knows; none means the demo client
	// (demo-client, secret demo-client-secret). Strict mode issues tokens to these only; the
	// other modes to any client whose id is not known with another secret.
	Clients []Client
	// TokenTTL is how long issued tokens live; 0 means 480s, the vendor's expires_in.
	TokenTTL time.Duration
}

// Key is an API key lsmock knows, with its shared key.
type Key struct {
	APIKey, SharedKey string
	// Status is what the API says of the key in strict mode: "active" (also when empty),
	// "revoked" or "read_only".
	Status string
	// Products, when set, are the only products the key may name: a request naming
	// another is refused with api_key_product_not_allowed (in the format and strict modes).
	Products []string
}

// Client is an OAuth client the token endpoint knows.
type Client struct {
	ID, Secret string
}

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
	files    load.Files
	reloadMu sync.Mutex // one reload at a time
	// lastReload is how the latest reload went (health); nil before the first.
	lastReload atomic.Pointer[ReloadStatus]

	sessions  *session.Store // pins, sequence progress and license accounts, per session
	labels    session.Labels // the labels of the API keys seen, so each is hashed once
	rendered  renderedErrors // the validator's refusals as answered
	signer    *signing.Signer
	clock     func() time.Time // the real clock (Config.Clock): Date headers and the signing window
	global    *license.Clock   // the test clock for every session (PUT /__lsmock/clock)
	auth      *auth.Checker
	oauth     *oauth.Issuer
	sso       *sso.Provider // lsmock's single sign-on identity provider (sso.go)
	proxy     *proxyState   // nil: lsmock answers itself
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

	// ending is closed by Close when the server shuts down: Shutdown does not cancel
	// the contexts of requests in flight, so holds wait on this too.
	ending  chan struct{}
	endOnce sync.Once
}

// New loads the files and builds everything a request needs: the validator's compiled
// schemas, the scenario indexes and the fixed answers. Its error says what is wrong where
// (file:line:col).
func New(cfg Config) (*Server, error) {
	clock := cfg.Clock
	if clock == nil {
		clock = time.Now
	}
	global := &license.Clock{}
	checker, issuer, err := newAuth(cfg.Auth, clock, func() time.Time { return global.Now(clock) })
	if err != nil {
		return nil, err
	}
	signer := signing.Builtin()
	if cfg.SigningKey != nil {
		k, err := signing.Parse(cfg.SigningKey, "the signing key")
		if err != nil {
			return nil, fmt.Errorf("mockserver: %w", err)
		}
		signer = k
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		corsCfg:   cfg.CORS,
		watch:     cfg.Watch,
		admin:     cfg.Admin,
		files:     load.Files(cfg.Files), // the same fields: a conversion, checked by the compiler
		signer:    signer,
		clock:     clock,
		global:    global,
		auth:      checker,
		oauth:     issuer,
		sso:       sso.New(signer, clock),
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
		p, err := newProxyState(cfg.Proxy, s.files)
		if err != nil {
			return nil, err
		}
		s.proxy = p
	}
	s.sessions = session.NewStore(cfg.MaxSessions)
	sp, set, err := s.files.Load()
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
	if strings.HasPrefix(r.URL.Path, sso.Prefix) {
		s.serveSSO(c, w, r, &out)
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
	var attrs [9]slog.Attr
	attrs[0], attrs[1] = slog.String("method", r.Method), slog.String("path", path)
	attrs[2], attrs[3] = slog.Int("status", out.status), slog.Duration("duration", now.Sub(start))
	n := 4
	for _, a := range [...]struct{ key, val string }{
		{"operation", out.operation}, {"scenario", out.scenario}, {"session", string(out.session.Label)},
		{"code", out.code}, {"detail", out.detail},
	} {
		if a.val != "" {
			attrs[n] = slog.String(a.key, a.val)
			n++
		}
	}
	if ah, ok := h.(logtext.AttrsHandler); ok { // as lsmock serve logs: no slog.Record to fill
		_ = ah.HandleAttrs(r.Context(), now, level, "request", attrs[:n]...)
		return
	}
	// The record is built here, not by Logger.LogAttrs, which spends a stack walk on a
	// source location nobody asked for.
	rec := slog.NewRecord(now, level, "request", 0)
	rec.AddAttrs(attrs[:n]...)
	_ = h.Handle(r.Context(), rec)
}

// serveAPI answers an API request: it finds the operation, asks the decider for a scenario
// chosen by name or pin, admits the request (validation, unless a scenario was chosen by
// name), asks the decider for the answer and writes it.
func (s *Server) serveAPI(c *compiled, w http.ResponseWriter, r *http.Request, out *outcome) {
	op := s.route(c, w, r, out)
	if op == nil {
		return // answered: 404, 405 or GET /
	}
	req := s.request(r, op, out)
	chosen, byName := c.decider.Chosen(&req)
	how := admitAll
	if byName {
		how = admitBody
	}
	if chosen.Unknown == "" {
		if _, ok := s.admit(c, w, r, &req, out, how); !ok {
			return // refused as the vendor refuses, or the client left
		}
	}
	d := c.decider.Decide(&req, chosen)
	s.write(w, r, out, op, d)
}

func (s *Server) writeError(w http.ResponseWriter, out *outcome, e apiError, detail string) {
	o := e.write(w, detail)
	out.status, out.code, out.detail = o.status, o.code, o.detail
}
