package decide_test

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock"
	"github.com/lsmock/lsmock/internal/decide"
	"github.com/lsmock/lsmock/internal/license"
	"github.com/lsmock/lsmock/internal/match"
	"github.com/lsmock/lsmock/internal/scenario"
	"github.com/lsmock/lsmock/internal/session"
	"github.com/lsmock/lsmock/internal/signing"
	"github.com/lsmock/lsmock/internal/spec"
)

// files are the scenarios and the license the tests decide from.
const files = `
products:
  - short_code: app
licenses:
  - {license_key: APP-1, product: app, max_activations: 1}
scenarios:
  - name: frank_fails
    operation: changePassword
    match: {body: {username: frank@example.com}}
    times: 1
    response: {error: internal_error}
  - name: frank_slow
    operation: changePassword
    match: {body: {username: frank@example.com}}
    priority: -1
    response: {error: signature_mismatch}
  - name: maintenance
    operation: changePassword
    response: {error: internal_error}
  - name: fallback
    operation: changePassword
    default: true
    times: 1
    response: {error: invalid_json}
  - name: live_slow
    operation: activateLicense
    response: {delay: 1ms}
  - name: maintenance
    operation: activateLicense
    response: {error: internal_error}
  - name: license_activated_max_times
    operation: activateLicense
    response: {error: license_activated_max_times}
`

type fixture struct {
	spec     *spec.Spec
	decider  *decide.Decider
	sessions *session.Store
}

// loaded are the spec and the scenarios, read once: fixtures only read them.
var loaded = sync.OnceValues(func() (*spec.Spec, *scenario.Set) {
	sp, err := spec.Load(lsmock.DefaultSpecName, lsmock.DefaultSpec())
	if err != nil {
		panic(err)
	}
	dir, err := os.MkdirTemp("", "decide")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "s.yaml"), []byte(files), 0o644); err != nil {
		panic(err)
	}
	set, err := scenario.Load(os.DirFS(dir), dir, sp)
	if err != nil {
		panic(err)
	}
	return sp, set
})

// newFixture is a decider with sessions of its own.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	sp, set := loaded()
	engine, err := license.NewEngine(set.Catalog, sp, signing.Builtin(), nil, 0)
	require.NoError(t, err)
	sessions := session.NewStore(0)
	return &fixture{spec: sp, decider: decide.New(set, engine, sessions), sessions: sessions}
}

// request is an admitted request of opID in session sid with a JSON body (as validation
// decodes it).
func (f *fixture) request(t *testing.T, opID, sid string, body map[string]any) *decide.Request {
	t.Helper()
	op := f.spec.Operation(opID)
	require.NotNil(t, op, opID)
	req := &decide.Request{Op: op, Session: session.ID{Key: session.Key(sid), Label: session.Label(sid)}, Host: "lsmock.test"}
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		var decoded any
		require.NoError(t, json.Unmarshal(b, &decoded))
		req.Match.Body = decoded
	}
	return req
}

// decide is what the server does: Chosen, then (after admission) Decide.
func (f *fixture) decide(req *decide.Request) decide.Decision {
	chosen, _ := f.decider.Chosen(req)
	return f.decider.Decide(req, chosen)
}

func passwords(user string) map[string]any {
	return map[string]any{"username": user, "password": "p", "new_password": "n"}
}

func activation(hw string) map[string]any {
	return map[string]any{"license_key": "APP-1", "product": "app", "hardware_id": hw}
}

func name(d decide.Decision) string {
	if d.Scenario == nil {
		return ""
	}
	return d.Scenario.Name
}

// TestTiers: each tier in order, each request in a session of its own.
func TestTiers(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name           string
		opID           string
		named, namedBy string
		body           map[string]any
		want           string // How
		scenario       string
		status         int
		code           string
	}{
		{name: "header names a scenario", opID: "changePassword", named: "maintenance", namedBy: decide.ByHeader,
			body: passwords("zed@example.com"), want: decide.ByHeader, scenario: "maintenance", status: 500, code: "internal_error"},
		{name: "qualified name", opID: "changePassword", named: "changePassword/maintenance", namedBy: decide.ByQuery,
			want: decide.ByQuery, scenario: "maintenance", status: 500},
		{name: "match beats the default", opID: "changePassword", body: passwords("frank@example.com"),
			want: decide.ByMatch, scenario: "frank_fails", status: 500},
		{name: "no match: the default", opID: "changePassword", body: passwords("zed@example.com"),
			want: decide.ByDefault, scenario: "fallback", status: 400, code: "invalid_json"},
		{name: "state answers a behaviour", opID: "activateLicense", body: activation("hw-1"),
			want: decide.ByState, status: 200},
		{name: "state refuses with the vendor's code", opID: "activateLicense",
			body: map[string]any{"license_key": "NOPE", "product": "app", "hardware_id": "hw"}, want: decide.ByState, status: 400},
		{name: "a live step is resolved against the state", opID: "activateLicense", named: "live_slow", namedBy: decide.ByHeader,
			body: activation("hw-1"), want: decide.ByHeader, scenario: "live_slow", status: 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			req := f.request(t, tc.opID, "s", tc.body)
			req.Named, req.NamedBy = tc.named, tc.namedBy
			d := f.decide(req)
			assert.Equal(t, tc.want, d.How)
			assert.Equal(t, tc.scenario, name(d))
			assert.Equal(t, tc.status, d.Step.Status)
			if tc.code != "" {
				assert.Equal(t, tc.code, d.Step.Code)
			}
		})
	}
}

// TestLiveStepKeepsItsDelay: a step that scripts only a delay answers what the state would,
// signed by the engine, with the delay.
func TestLiveStepKeepsItsDelay(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	req := f.request(t, "activateLicense", "s", activation("hw-1"))
	req.Named, req.NamedBy = "live_slow", decide.ByHeader
	d := f.decide(req)
	assert.Equal(t, "application/json", d.Step.Header.Get("Content-Type")[:16])
	assert.NotEmpty(t, d.Step.SignedAs, "the engine signed the state's answer")
	var body map[string]any
	require.NoError(t, json.Unmarshal(d.Step.Body, &body))
	assert.Equal(t, "APP-1", body["license_key"])
	assert.Positive(t, d.Step.Delay.Min)

	again := f.decide(f.request(t, "activateLicense", "s", activation("hw-2")))
	assert.Equal(t, decide.ByState, again.How)
	assert.Equal(t, "license_activated_max_times", again.Step.Code, "the live step activated hw-1 in the session")
	assert.Equal(t, "activateLicense/license_activated_max_times", again.Covers, "a state refusal counts under the scenario of its code")
	assert.NotEmpty(t, again.Detail)
}

// TestUnknownName: a name the operation has no scenario of is refused; one that scripts
// another operation says so.
func TestUnknownName(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, tc := range []struct {
		named     string
		elsewhere bool
	}{{"nope", false}, {"live_slow", true}, {"activateLicense/maintenance", true}} {
		req := f.request(t, "changePassword", "s", nil)
		req.Named, req.NamedBy = tc.named, decide.ByQuery
		d := f.decide(req)
		assert.Equal(t, tc.named, d.Unknown)
		assert.Equal(t, tc.elsewhere, d.UnknownElsewhere, tc.named)
		assert.Zero(t, d.Step)
		assert.Equal(t, decide.ByQuery, d.How)
	}
}

// TestTimesAndSessions: a scenario's times are counted per session; a used-up match yields
// to the next candidate, a used-up default to the spec, a used-up named scenario to
// validation (Chosen says not chosen).
func TestTimesAndSessions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	frank := func(sid string) decide.Decision {
		return f.decide(f.request(t, "changePassword", sid, passwords("frank@example.com")))
	}
	assert.Equal(t, "frank_fails", name(frank("a")))
	assert.Equal(t, "frank_slow", name(frank("a")), "frank_fails is used up in a: the next candidate")
	assert.Equal(t, "frank_fails", name(frank("b")), "b has its own count")

	zed := func(sid string) decide.Decision {
		return f.decide(f.request(t, "changePassword", sid, passwords("zed@example.com")))
	}
	assert.Equal(t, decide.ByDefault, zed("a").How)
	spec := zed("a")
	assert.Equal(t, decide.BySpec, spec.How, "the default is used up")
	assert.Nil(t, spec.Scenario)

	once := f.request(t, "changePassword", "c", nil)
	once.Named, once.NamedBy = "frank_fails", decide.ByHeader
	_, chosen := f.decider.Chosen(once)
	assert.True(t, chosen)
	_, chosen = f.decider.Chosen(once)
	assert.False(t, chosen, "its one time is used: the request is validated and decided as any other")
}

// TestPins: a session's pin before the global one, a pin for the operation before a bare
// name, a bare name only for operations that have it, and a name in the request before any
// pin.
func TestPins(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.sessions.PinGlobal("maintenance")
	f.sessions.Pin(session.ID{Key: "mine", Label: "mine"}, "activateLicense/license_activated_max_times")
	f.sessions.Pin(session.ID{Key: "mine", Label: "mine"}, "frank_slow") // changePassword has it; activateLicense does not

	cases := []struct {
		opID, sid, named string
		how, scenario    string
	}{
		{"changePassword", "other", "", decide.ByGlobalPin, "maintenance"},
		{"activateLicense", "other", "", decide.ByGlobalPin, "maintenance"},
		{"activateLicense", "mine", "", decide.BySessionPin, "license_activated_max_times"},
		{"changePassword", "mine", "", decide.BySessionPin, "frank_slow"},
		{"changePassword", "mine", "fallback", decide.ByHeader, "fallback"},
		{"productDetails", "mine", "", decide.ByState, ""}, // pinned by names it does not have
	}
	for _, tc := range cases {
		req := f.request(t, tc.opID, tc.sid, nil)
		if tc.named != "" {
			req.Named, req.NamedBy = tc.named, decide.ByHeader
		}
		d := f.decide(req)
		assert.Equal(t, tc.how, d.How, "%s in %s", tc.opID, tc.sid)
		assert.Equal(t, tc.scenario, name(d), "%s in %s", tc.opID, tc.sid)
	}
}

// TestNearMisses: when nothing matches, the journal learns what almost did.
func TestNearMisses(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	d := f.decide(f.request(t, "changePassword", "s", passwords("zed@example.com")))
	require.NotEmpty(t, d.NearMisses)
	assert.Contains(t, []string{"frank_fails", "frank_slow"}, d.NearMisses[0].Scenario.Name)
}

// TestOAuthURL: the oauth_url behaviour names the token endpoint on the host the request
// was sent to.
func TestOAuthURL(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var op *spec.Operation
	for _, o := range f.spec.Operations {
		if o.Behavior == license.BehaviorOAuthURL {
			op = o
		}
	}
	if op == nil {
		t.Skip("the spec has no oauth_url operation")
	}
	for _, tls := range []bool{false, true} {
		req := &decide.Request{Op: op, Host: "lsmock.test:8443", TLS: tls, Match: match.Request{Query: url.Values{}}}
		d := f.decide(req)
		assert.Equal(t, decide.ByState, d.How)
		var body map[string]string
		require.NoError(t, json.Unmarshal(d.Step.Body, &body))
		scheme := "http"
		if tls {
			scheme = "https"
		}
		assert.Regexp(t, "^"+scheme+"://lsmock.test:8443/", body["url"])
	}
}
