package license_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock"
	"github.com/lsmock/lsmock/internal/license"
	"github.com/lsmock/lsmock/internal/scenario"
	"github.com/lsmock/lsmock/internal/signing"
	"github.com/lsmock/lsmock/internal/spec"
	"github.com/lsmock/lsmock/internal/testutil"
)

// start is where the tests' clock starts: the fixtures' dates are placed around it.
var start = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// embeddedSpec is the embedded openapi.yaml, loaded once: a Spec is read-only.
var embeddedSpec = sync.OnceValues(func() (*spec.Spec, error) {
	return spec.LoadTrusted(lsmock.DefaultSpecName, lsmock.DefaultSpec())
})

func loadSpec(t *testing.T) *spec.Spec {
	t.Helper()
	sp, err := embeddedSpec()
	require.NoError(t, err)
	return sp
}

// loadCatalog parses the scenario files of testdata/dir as lsmock loads a scenario folder.
func loadCatalog(t *testing.T, dir string) (*license.Catalog, error) {
	t.Helper()
	set, err := scenario.Load(os.DirFS(path.Join("testdata", dir)), path.Join("testdata", dir), loadSpec(t))
	if err != nil {
		return nil, err
	}
	return set.Catalog, nil
}

// harness is an engine over the catalog of one testdata folder, with its own state and
// clock, built as mockserver builds it.
type harness struct {
	t        *testing.T
	spec     *spec.Spec
	engine   *license.Engine
	accounts *accounts
	clock    *testutil.Clock
	signer   *signing.Signer
}

func newHarness(t *testing.T, dir string) *harness {
	t.Helper()
	cat, err := loadCatalog(t, dir)
	require.NoError(t, err)
	h := &harness{t: t, spec: loadSpec(t), accounts: &accounts{m: map[string]*license.Account{}}, clock: testutil.NewClock(start), signer: signing.Builtin()}
	h.engine, err = license.NewEngine(cat, h.spec, h.signer, h.clock.Now, 0)
	require.NoError(t, err)
	return h
}

// accounts are the sessions' accounts by session key, as the session store keeps them.
type accounts struct {
	mu sync.Mutex
	m  map[string]*license.Account
}

func (as *accounts) of(session string) *license.Account {
	as.mu.Lock()
	defer as.mu.Unlock()
	a := as.m[session]
	if a == nil {
		a = license.NewAccount(session)
		as.m[session] = a
	}
	return a
}

// forget drops a session's account, as a reset or an eviction does.
func (as *accounts) forget(session string) {
	as.mu.Lock()
	defer as.mu.Unlock()
	delete(as.m, session)
}

func (as *accounts) forgetAll() {
	as.mu.Lock()
	defer as.mu.Unlock()
	clear(as.m)
}

// params are a request's parameters as a test writes them.
type params map[string]any

// answer asks the engine for op's answer in session, with p as the server hands them over:
// a POST's JSON body decoded (numbers as float64), a GET's query as strings. It is the one
// place the tests call Engine.Answer. It reports problems with Errorf, not FailNow, so
// goroutines may call it.
func (h *harness) answer(opID, session string, p params) (reply, bool) {
	h.t.Helper()
	op := h.spec.Operation(opID)
	if !assert.NotNil(h.t, op, "no operation %s", opID) {
		return reply{}, false
	}
	lp := license.Params{}
	if op.Body != nil {
		b, err := json.Marshal(p)
		assert.NoError(h.t, err)
		assert.NoError(h.t, json.Unmarshal(b, &lp))
	} else {
		for k, v := range p {
			lp[k] = fmt.Sprint(v)
		}
	}
	a, ok := h.engine.Answer(op, h.accounts.of(session), lp)
	return reply{Answer: a, op: op}, ok
}

// call is answer for an operation the engine answers.
func (h *harness) call(opID, session string, p params) reply {
	h.t.Helper()
	r, ok := h.answer(opID, session, p)
	assert.True(h.t, ok, "the engine answers %s", opID)
	return r
}

// with is h reporting to t: a subtest's.
func (h *harness) with(t *testing.T) *harness {
	c := *h
	c.t = t
	return &c
}

// reply is an engine's answer, with what a test reads of it.
type reply struct {
	license.Answer
	op *spec.Operation
}

// field is a field of a JSON object body, or nil; it never stops the test.
func (r reply) field(name string) any {
	var m map[string]any
	_ = json.Unmarshal(r.Body, &m)
	return m[name]
}

// fields is the body as a JSON object.
func (r reply) fields(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.Body, &m), "%s", r.Body)
	return m
}

// ok checks a success and returns its body as a JSON object.
func (r reply) ok(t *testing.T) map[string]any {
	t.Helper()
	r.success(t)
	return r.fields(t)
}

// success checks a success with a JSON body, signed as its operation's answers are.
func (r reply) success(t *testing.T) {
	t.Helper()
	require.Equal(t, 200, r.Status, "%s %s", r.Body, r.Detail)
	assert.Empty(t, r.Code)
	assert.Equal(t, "application/json; charset=utf-8", r.ContentType)
	if r.op.Signed {
		assert.NoError(t, signing.Verify(signing.Builtin().PublicKeyPEM(), r.Body, r.Signature), "the engine signs the body")
	} else {
		assert.Empty(t, r.Signature, "%s's answers are not signed", r.op.ID)
	}
}

// refused checks a refusal: the code, with the status and message the spec documents for it
// (a code the spec does not document is a defect), in exactly the vendor's error shape, and
// a reason for a human.
func (r reply) refused(t *testing.T, sp *spec.Spec, code string) {
	t.Helper()
	require.Equal(t, code, r.Code, "%s %s", r.Body, r.Detail)
	doc, documented := sp.ErrorFor(r.op, code)
	require.True(t, documented, "the spec documents %s", code)
	assert.Equal(t, doc.Status, r.Status)
	assert.Equal(t, "application/json; charset=utf-8", r.ContentType)
	var body map[string]any
	require.NoError(t, json.Unmarshal(r.Body, &body), "%s", r.Body)
	want := map[string]any{"status": float64(doc.Status), "code": code, "message": doc.Message}
	if code == "missing_parameters" {
		want["message"] = body["message"] // names what is missing: the callers check it
	}
	assert.Equal(t, want, body)
	assert.NotEmpty(t, r.Detail, "a refusal says why")
	assert.Empty(t, r.Signature, "a refusal is not signed")
}

// licenseSigned checks an activation's or a check's signatures as the SDKs do: Signature
// over the raw body (the LicenseSignature header), and license_signature over
// lower(hardware_id#id#validity_period).
func (h *harness) licenseSigned(t *testing.T, r reply, hwid, id string) map[string]any {
	t.Helper()
	f := r.ok(t)
	public := h.signer.PublicKeyPEM()
	require.NotEmpty(t, r.Signature, "a license answer comes signed")
	assert.NoError(t, signing.Verify(public, r.Body, r.Signature), "Signature over the body")
	validity, _ := f["validity_period"].(string)
	sig, _ := f["license_signature"].(string)
	assert.NoError(t, signing.Verify(public, []byte(strings.ToLower(hwid+"#"+id+"#"+validity)), sig), "license_signature")
	return f
}

// object is a JSON object field of a body.
func object(t *testing.T, m map[string]any, name string) map[string]any {
	t.Helper()
	o, ok := m[name].(map[string]any)
	require.True(t, ok, "%s is an object: %v", name, m[name])
	return o
}

// code is lsmock's code for a condition the vendor publishes none for.
func code(t *testing.T, condition string) string {
	t.Helper()
	c, ok := license.DefaultCode(condition)
	require.True(t, ok, "condition %s", condition)
	return c
}

// iso is a time as the answers write it.
func iso(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// TestNewEngine: the engine refuses a spec naming a behaviour it does not have, and answers
// nothing for operations without a behaviour or without declarations.
func TestNewEngine(t *testing.T) {
	t.Parallel()
	bogus := strings.Replace(string(lsmock.DefaultSpec()), "x-lsmock-behavior: trial_key", "x-lsmock-behavior: trial_keys", 1)
	sp, err := spec.LoadTrusted("bogus.yaml", []byte(bogus))
	require.NoError(t, err)
	_, err = license.NewEngine(nil, sp, signing.Builtin(), nil, 0)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `bogus.yaml: trialKey: x-lsmock-behavior "trial_keys" is not one lsmock has`)

	empty, err := license.NewEngine(nil, loadSpec(t), signing.Builtin(), nil, 0)
	require.NoError(t, err)
	assert.Empty(t, empty.Catalog().Products)
	for _, op := range loadSpec(t).Operations {
		_, ok := empty.Answer(op, license.NewAccount("s"), license.Params{"product": "app", "license_key": "APP-PERP", "hardware_id": "hw",
			"username": "alice@example.com", "password": "alice-pw", "new_password": "x"})
		assert.False(t, ok, "%s: nothing declared, the spec's answer", op.ID)
	}

	h := newHarness(t, "catalog")
	_, ok := h.answer("oauthUrl", "s", nil)
	assert.False(t, ok, "oauth_url is the server's")
	assert.Equal(t, "app", h.engine.Catalog().Product("app").Code)
}

func TestParamsStr(t *testing.T) {
	t.Parallel()
	p := license.Params{"s": "text", "n": 42.0, "b": true, "null": nil}
	for name, want := range map[string]string{"s": "text", "n": "42", "b": "true", "null": "", "absent": ""} {
		assert.Equal(t, want, p.Str(name), name)
	}
}
