// Package lsmocktest runs lsmock inside a Go test, the way net/http/httptest runs a handler:
// no process to manage, a URL to point an SDK at, and the journal to assert on.
//
//	srv := lsmocktest.New(t)
//	client := NewClient(srv.URL + "/api/v4")
//	...
//	srv.AssertRequests(t, lsmocktest.Match{Scenario: "success"}, 1)
//
// A test makes the licenses it needs in its own session (CreateLicense, Create) and moves
// that session's time (Clock), so parallel tests share one server without meeting.
package lsmocktest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"testing/fstest"
	"time"

	"github.com/lsmock/lsmock"
	"github.com/lsmock/lsmock/internal/auth"
	"github.com/lsmock/lsmock/mockserver"
)

// Server is a running lsmock.
type Server struct {
	// URL is the base URL, e.g. http://127.0.0.1:41234; the API is under URL + "/api/v4".
	URL string
	// APIKey and SharedKey sign requests (Sign uses them); WithStrictAuth makes them the
	// only keys that pass.
	APIKey, SharedKey string
	// PublicKey (PEM) verifies lsmock's signed answers: give it to the SDK under test (for the
	// Go SDK, which holds the vendor's key, set VerifySignature to false instead).
	PublicKey []byte

	handler *mockserver.Server
	http    *httptest.Server
	clock   func() time.Time
}

type config struct {
	scenarioDir string
	inline      []string
	pins        map[string]string // session ("" for all) -> scenario
	strict      bool
	clock       func() time.Time
}

// Option configures New.
type Option func(*config)

// WithScenarioDir loads scenario files from dir instead of the embedded defaults.
func WithScenarioDir(dir string) Option { return func(c *config) { c.scenarioDir = dir } }

// WithScenarios adds scenario files written inline, on top of the defaults or the folder.
func WithScenarios(yaml string) Option { return func(c *config) { c.inline = append(c.inline, yaml) } }

// WithScenario pins a scenario for every session.
func WithScenario(name string) Option { return func(c *config) { c.pins[""] = name } }

// WithSessionScenario pins a scenario for one session (an X-Lsmock-Session value or an API key).
func WithSessionScenario(session, name string) Option {
	return func(c *config) { c.pins[session] = name }
}

// WithStrictAuth makes the server check signatures strictly; sign with srv.APIKey and
// srv.SharedKey.
func WithStrictAuth() Option { return func(c *config) { c.strict = true } }

// WithClock makes now the server's clock: license validity, trials, floating seats' timeouts
// and OAuth tokens' lifetimes follow it, so a test moves time instead of sleeping. Requests
// must be dated by the same clock (Date within 15 minutes of it); Sign dates them by it.
func WithClock(now func() time.Time) Option { return func(c *config) { c.clock = now } }

// New starts lsmock with the embedded spec and scenarios (as changed by opts) and stops it
// when the test ends. Any setup problem fails the test at once.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	srv, err := Start(opts...)
	if err != nil {
		t.Fatalf("lsmocktest: %v", err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// Start is New for code that has no testing.TB, such as TestMain sharing one lsmock across
// a package's tests; call Close when done.
func Start(opts ...Option) (*Server, error) {
	cfg := &config{pins: map[string]string{}}
	for _, o := range opts {
		o(cfg)
	}
	files, err := scenarioFiles(cfg)
	if err != nil {
		return nil, err
	}
	// Without strict auth any key passes; Sign still needs one to sign with.
	srv := &Server{APIKey: "lsmocktest-api-key", SharedKey: "lsmocktest-shared-key", clock: cfg.clock}
	if srv.clock == nil {
		srv.clock = time.Now
	}
	mc := mockserver.Config{Files: mockserver.Files{Scenarios: files, ScenariosName: "scenarios"}, Clock: cfg.clock}
	if cfg.strict {
		mc.Auth = mockserver.Auth{Mode: "strict", Keys: []mockserver.Key{{APIKey: srv.APIKey, SharedKey: srv.SharedKey}}}
	}
	h, err := mockserver.New(mc)
	if err != nil {
		return nil, err
	}
	for session, name := range cfg.pins {
		if err := h.Pin(session, name); err != nil {
			return nil, err
		}
	}
	srv.http = httptest.NewServer(h)
	srv.URL, srv.handler, srv.PublicKey = srv.http.URL, h, h.PublicKey()
	return srv, nil
}

// Close stops the server, ending scripted delays and timeouts in progress at once; New
// arranges it through t.Cleanup.
func (s *Server) Close() {
	s.handler.Close() // first: httptest's Close waits for the requests it holds
	s.http.Close()
}

// Pin makes scenario answer session's requests from its next request on, while the test
// runs: session is an X-Lsmock-Session value or an API key, or "" for every session (as
// WithSessionScenario and WithScenario do before the start). Its error says when no
// scenario has that name.
func (s *Server) Pin(session, scenario string) error { return s.handler.Pin(session, scenario) }

// Reset makes session start afresh: its pins, the progress of its sequences and what it did
// with the declared licenses and users (activations, trials, consumption, seats) are gone;
// "" resets every session and the pins for all. The requests it made are still counted and
// listed (AssertRequests, Requests).
func (s *Server) Reset(session string) { s.handler.Reset(session) }

// Sign sets the Date and Authorization headers of r the way the LicenseSpring SDKs do,
// with s.APIKey and s.SharedKey.
func (s *Server) Sign(r *http.Request) {
	date := s.clock().UTC().Format(http.TimeFormat)
	r.Header.Set("Date", date)
	r.Header.Set("Authorization", auth.HeaderValue(s.APIKey, s.SharedKey, date))
}

// scenarioFiles gathers the scenario folder (or the embedded one) and the inline files.
func scenarioFiles(cfg *config) (fstest.MapFS, error) {
	fsys := fstest.MapFS{}
	base := lsmock.DefaultScenarios()
	if cfg.scenarioDir != "" {
		base = os.DirFS(cfg.scenarioDir)
	}
	entries, err := fsWalk(base)
	if err != nil {
		return nil, fmt.Errorf("read scenarios: %w", err)
	}
	for name, data := range entries {
		fsys[name] = &fstest.MapFile{Data: data}
	}
	for i, y := range cfg.inline {
		fsys[inlineName(i)] = &fstest.MapFile{Data: []byte(y)}
	}
	return fsys, nil
}

// Match selects journaled requests; zero fields match everything.
type Match struct {
	Session, Scenario, Operation, Code string
	Status                             int
}

func (m Match) filter() mockserver.Filter {
	return mockserver.Filter{Sessions: mockserver.SessionNames(m.Session), Scenario: m.Scenario, Operation: m.Operation, Code: m.Code, Status: m.Status}
}

// Request is one journaled request, with every secret redacted (mockserver documents its
// fields).
type Request = mockserver.Request

// Requests returns the requests m selects, newest first.
func (s *Server) Requests(m Match) []Request {
	return s.handler.Requests(m.filter())
}

// AssertRequests fails the test unless exactly count requests match m. It counts every
// request, however many the journal (which Requests reads) still holds.
func (s *Server) AssertRequests(t testing.TB, m Match, count int) {
	t.Helper()
	got, err := s.handler.Count(m.filter())
	if err != nil {
		t.Errorf("lsmocktest: %v", err)
		return
	}
	if got != count {
		t.Errorf("lsmocktest: %d request(s) match %+v, want %d", got, m, count)
		for _, r := range s.Requests(Match{}) {
			t.Logf("  seen: %s %s -> %d %s (scenario %q, session %q)", r.Method, r.Path, r.Status, r.Code, r.Scenario, r.Session)
		}
	}
}
