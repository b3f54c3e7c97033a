// Package lsmocktest runs lsmock inside a Go test, the way net/http/httptest runs a handler:
// no process to manage, a URL to point an SDK at, and the journal to assert on.
//
//	srv := lsmocktest.New(t)
//	client := NewClient(srv.URL + "/api/v4")
//	...
//	srv.Verify(t, lsmocktest.Match{Scenario: "success"}, 1)
package lsmocktest

import (
	"net/http/httptest"
	"os"
	"testing"
	"testing/fstest"

	"github.com/lsmock/lsmock"
	"github.com/lsmock/lsmock/internal/auth"
	"github.com/lsmock/lsmock/internal/journal"
	"github.com/lsmock/lsmock/internal/scenario"
	"github.com/lsmock/lsmock/internal/spec"
	"github.com/lsmock/lsmock/mockserver"
)

// Server is a running lsmock.
type Server struct {
	// URL is the base URL, e.g. http://127.0.0.1:41234; the API is under URL + "/api/v4".
	URL string
	// APIKey and SharedKey sign requests when the server was started WithStrictAuth.
	APIKey, SharedKey string

	handler *mockserver.Server
}

type config struct {
	scenarioDir string
	inline      []string
	pins        map[string]string // session ("" for all) -> scenario
	strict      bool
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

// New starts lsmock with the embedded spec and scenarios (as changed by opts) and stops it
// when the test ends. Any setup problem fails the test at once.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	cfg := &config{pins: map[string]string{}}
	for _, o := range opts {
		o(cfg)
	}
	s, err := spec.Load(lsmock.DefaultSpecName, lsmock.DefaultSpec())
	if err != nil {
		t.Fatalf("lsmocktest: %v", err)
	}
	set, err := scenario.Load(scenarioFiles(t, cfg), "scenarios", s)
	if err != nil {
		t.Fatalf("lsmocktest: %v", err)
	}
	srv := &Server{}
	mc := mockserver.Config{Spec: s, Scenarios: set}
	if cfg.strict {
		srv.APIKey, srv.SharedKey = "lsmocktest-api-key", "lsmocktest-shared-key"
		mc.Auth = auth.NewVerifier(auth.ModeStrict, []auth.Key{{APIKey: srv.APIKey, SharedKey: srv.SharedKey}}, nil, nil)
	}
	h, err := mockserver.New(mc)
	if err != nil {
		t.Fatalf("lsmocktest: %v", err)
	}
	for session, name := range cfg.pins {
		if err := h.Pin(session, name); err != nil {
			t.Fatalf("lsmocktest: %v", err)
		}
	}
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	srv.URL, srv.handler = hs.URL, h
	return srv
}

// scenarioFiles gathers the scenario folder (or the embedded one) and the inline files.
func scenarioFiles(t testing.TB, cfg *config) fstest.MapFS {
	t.Helper()
	fsys := fstest.MapFS{}
	base := lsmock.DefaultScenarios()
	if cfg.scenarioDir != "" {
		base = os.DirFS(cfg.scenarioDir)
	}
	entries, err := fsWalk(base)
	if err != nil {
		t.Fatalf("lsmocktest: read scenarios: %v", err)
	}
	for name, data := range entries {
		fsys[name] = &fstest.MapFile{Data: data}
	}
	for i, y := range cfg.inline {
		fsys[inlineName(i)] = &fstest.MapFile{Data: []byte(y)}
	}
	return fsys
}

// Match selects journaled requests; zero fields match everything.
type Match struct {
	Session, Scenario, Operation, Code string
	Status                             int
}

// Request is one journaled request, with passwords redacted.
type Request = journal.Entry

// Requests returns the requests m selects, newest first.
func (s *Server) Requests(m Match) []Request {
	return s.handler.Requests(journal.Filter{Session: m.Session, Scenario: m.Scenario, Operation: m.Operation, Code: m.Code, Status: m.Status})
}

// Verify fails the test unless exactly count requests match m.
func (s *Server) Verify(t testing.TB, m Match, count int) {
	t.Helper()
	if got := s.Requests(m); len(got) != count {
		t.Errorf("lsmocktest: %d request(s) match %+v, want %d", len(got), m, count)
		for _, r := range s.Requests(Match{}) {
			t.Logf("  seen: %s %s -> %d %s (scenario %q, session %q)", r.Method, r.Path, r.Status, r.Code, r.Scenario, r.Session)
		}
	}
}
