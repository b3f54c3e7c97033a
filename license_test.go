package lsmock_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock"
	"github.com/lsmock/lsmock/internal/auth"
	"github.com/lsmock/lsmock/internal/signing"
	"github.com/lsmock/lsmock/mockserver"
)

// licenseAPI calls the License API as the SDKs do: GET with a query, POST with a JSON body,
// signed headers, a session of its own.
type licenseAPI struct {
	t       *testing.T
	srv     *httptest.Server
	session string
	// clock, when set, is the time requests are dated and signed at: the server's fake clock.
	clock func() time.Time
}

// reply is an answer, with what a test checks.
type reply struct {
	status int
	header http.Header
	body   []byte
	req    *http.Request
}

func (r reply) code() string {
	var e struct{ Code string }
	_ = json.Unmarshal(r.body, &e)
	return e.Code
}

func (r reply) field(name string) any {
	var m map[string]any
	_ = json.Unmarshal(r.body, &m)
	return m[name]
}

func (a licenseAPI) call(method, op string, params map[string]any) reply {
	a.t.Helper()
	target := a.srv.URL + "/api/v4/" + op
	var body io.Reader
	if method == http.MethodGet {
		q := url.Values{}
		for k, v := range params {
			q.Set(k, fmt.Sprint(v))
		}
		target += "?" + q.Encode()
	} else {
		b, err := json.Marshal(params)
		require.NoError(a.t, err)
		body = strings.NewReader(string(b))
	}
	req, err := http.NewRequest(method, target, body)
	require.NoError(a.t, err)
	for k, v := range nodeSDKHeaders() {
		req.Header.Set(k, v)
	}
	if a.clock != nil {
		date := a.clock().UTC().Format(http.TimeFormat)
		req.Header.Set("Date", date)
		req.Header.Set("Authorization", auth.HeaderValue(testAPIKey, testSharedKey, date))
	}
	req.Header.Set(mockserver.HeaderSession, a.session)
	resp, err := a.srv.Client().Do(req)
	require.NoError(a.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(a.t, err)
	return reply{status: resp.StatusCode, header: resp.Header, body: b, req: req}
}

func (a licenseAPI) activate(key, hwid string) reply {
	return a.call(http.MethodPost, "activate_license", map[string]any{"license_key": key, "product": "demo", "hardware_id": hwid})
}

func (a licenseAPI) check(key, hwid string) reply {
	return a.call(http.MethodGet, "check_license", map[string]any{"license_key": key, "product": "demo", "hardware_id": hwid, "include_expired_features": false})
}

func (a licenseAPI) deactivate(key, hwid string) reply {
	return a.call(http.MethodPost, "deactivate_license", map[string]any{"license_key": key, "product": "demo", "hardware_id": hwid})
}

// publicKey is what an SDK is configured with: lsmock's built-in key.
var publicKey = signing.Builtin().PublicKeyPEM()

// assertSigned checks a success the way the Python and Go SDKs do: the LicenseSignature
// header over the raw bytes; and, for activations and checks, license_signature over
// lower(hardware_id#key#validity) as the Node SDK computes it.
func assertSigned(t *testing.T, r reply, hwid, id string) {
	t.Helper()
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	require.Len(t, r.header.Values("LicenseSignature"), 1, "one LicenseSignature header")
	assert.NoError(t, signing.Verify(publicKey, r.body, r.header.Get("LicenseSignature")), "LicenseSignature over the raw body")
	if id == "" {
		return
	}
	validity := ""
	if v, ok := r.field("validity_period").(string); ok {
		validity = v
	}
	sig, _ := r.field("license_signature").(string)
	assert.NoError(t, signing.Verify(publicKey, []byte(strings.ToLower(hwid+"#"+id+"#"+validity)), sig), "license_signature")
}

// TestLicenseFlow: the server hands activate, check and deactivate to the engine and writes
// its answers, held to the spec by the kin-openapi oracle, each success signed as the SDKs
// verify it. What the engine answers is internal/license's tests'.
func TestLicenseFlow(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	o := newOracle(t, lsmock.DefaultSpec())
	api := licenseAPI{t: t, srv: srv, session: "flow-1"}
	const key = "DEMO-PERP-0000-0001"
	checked := func(r reply) reply {
		o.check(t, r.req, r.status, r.header, r.body)
		return r
	}

	r := checked(api.check(key, "hw-1"))
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, "license_not_active", r.code(), "not activated yet: a refusal is written as the engine chose it")
	assert.Empty(t, r.header.Get("LicenseSignature"), "a refusal is not signed")

	r = checked(api.activate(key, "hw-1"))
	assertSigned(t, r, "hw-1", key)
	assert.Equal(t, 1.0, r.field("times_activated"))
	assert.Equal(t, "activation", r.field("request"))

	r = checked(api.check(key, "hw-1"))
	assertSigned(t, r, "hw-1", key)
	assert.Equal(t, true, r.field("license_active"))

	r = checked(api.deactivate(key, "hw-1"))
	assert.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, `"license_deactivated"`, string(r.body))
	assert.Empty(t, r.header.Get("LicenseSignature"), "deactivation is not signed")
	assert.Equal(t, "license_not_active", checked(api.check(key, "hw-1")).code(), "no device left: the session's account changed")
}

// TestUserLicenseFlow: a user-based license activates with username and password; the
// password change_password sets (in the session's account) is the one activation takes
// next, and the admin API shows the account, password redacted.
func TestUserLicenseFlow(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	o := newOracle(t, lsmock.DefaultSpec())
	api := licenseAPI{t: t, srv: srv, session: "user-flow"}
	const user = "demo-user@example.com"
	activate := func(password, hwid string) reply {
		r := api.call(http.MethodPost, "activate_license", map[string]any{"username": user, "password": password, "product": "demo-users", "hardware_id": hwid})
		o.check(t, r.req, r.status, r.header, r.body)
		return r
	}
	r := activate("demo-password", "hw-1")
	assertSigned(t, r, "hw-1", user)
	assert.Equal(t, user, r.field("username"))

	_, body := call(t, srv, cpPath, changePassword(user, "demo-password", "new-password"), map[string]string{mockserver.HeaderSession: "user-flow"})
	assert.Equal(t, `"password_changed"`, string(body))
	assert.Equal(t, "invalid_credentials", activate("demo-password", "hw-2").code(), "the old password is refused")
	assertSigned(t, activate("new-password", "hw-2"), "hw-2", user)

	status, snap := admin(t, srv, http.MethodGet, "/__lsmock/sessions/user-flow/licenses", "")
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, string(snap), `"license":"user:demo-user@example.com/demo-users","product":"demo-users","times_activated":2`)
	assert.Contains(t, string(snap), `{"username":"demo-user@example.com","password":"[redacted]","changed":true`)
	assert.NotContains(t, string(snap), "new-password")
}

// TestTrialFlow: trial_key gives the session a trial license it can then activate, and
// product_details answers from the catalog; both signed.
func TestTrialFlow(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	o := newOracle(t, lsmock.DefaultSpec())
	api := licenseAPI{t: t, srv: srv, session: "trial-flow"}
	r := api.call(http.MethodGet, "trial_key", map[string]any{"product": "demo", "hardware_id": "hw-1"})
	o.check(t, r.req, r.status, r.header, r.body)
	assertSigned(t, r, "", "")
	key, _ := r.field("license_key").(string)
	require.NotEmpty(t, key)
	assert.Equal(t, true, r.field("is_trial"))

	r = api.activate(key, "hw-1")
	assertSigned(t, r, "hw-1", key)
	assert.Equal(t, true, r.field("is_trial"))

	r = api.call(http.MethodGet, "product_details", map[string]any{"product": "demo", "include_custom_fields": true})
	o.check(t, r.req, r.status, r.header, r.body)
	assertSigned(t, r, "", "")
	assert.Equal(t, "demo", r.field("short_code"))
}

// canonicalCatalog declares a license whose answer holds what encoding/json would write
// differently from JSON.stringify: &, <, >, non-ASCII, U+2028, a 16-digit id.
const canonicalCatalog = `
products:
  - {short_code: canon, product_name: "Tom & Jerry <Deluxe> – Ünïcödé"}
licenses:
  - license_key: CANON-0001
    product: canon
    id: 9007199254740991
    metadata: {note: "a & b < c > d", "10": x, "2": y, z: "line\u2028sep"}
    customer: {company_name: "Čapek & Söhne <GmbH>", address: "東京"}
    custom_fields: {quote: 'say "hi"'}
`

// TestSignedBodiesAreCanonical: every signed operation's answer verifies over its raw
// bytes, and is the JSON that JSON.stringify(JSON.parse(body)) gives back, so the Node SDK
// (which verifies over that) accepts it too. Node itself checks the same in
// internal/jsoncanon; here the bytes are held to the same rules.
func TestSignedBodiesAreCanonical(t *testing.T) {
	t.Parallel()
	srv := startConfig(t, mockserver.Config{Files: mockserver.Files{
		Scenarios: fstest.MapFS{"c.yaml": {Data: []byte(canonicalCatalog)}}, ScenariosName: "test"}})
	api := licenseAPI{t: t, srv: srv, session: "canon"}
	activate := api.call(http.MethodPost, "activate_license", map[string]any{"license_key": "CANON-0001", "product": "canon", "hardware_id": "HW-Ä"})
	replies := map[string]reply{
		"activate_license": activate,
		"check_license":    api.call(http.MethodGet, "check_license", map[string]any{"license_key": "CANON-0001", "product": "canon", "hardware_id": "HW-Ä"}),
		"product_details":  api.call(http.MethodGet, "product_details", map[string]any{"product": "canon"}),
	}
	for name, r := range replies {
		id := ""
		if strings.Contains(name, "license") {
			id = "CANON-0001"
		}
		assertSigned(t, r, "HW-Ä", id)
		body := string(r.body)
		assert.NotContains(t, body, `\u0026`, "%s: & as it is", name)
		assert.NotContains(t, body, `\u003c`, "%s: < as it is", name)
		assert.NotContains(t, body, `\u2028`, "%s: U+2028 as it is", name)
		assert.NotContains(t, body, "\n ", "%s: compact", name)
	}
	body := string(activate.body)
	assert.Contains(t, body, `"id":9007199254740991,`, "the largest safe integer, as an integer")
	assert.Contains(t, body, `"metadata":{"2":"y","10":"x","note":"a & b < c > d","z":"line`+"\u2028"+`sep"}`,
		"integer-like keys first, as JavaScript orders them")
	assert.Contains(t, body, `"company_name":"Čapek & Söhne <GmbH>"`)
	assert.Contains(t, body, `"product_name":"Tom & Jerry <Deluxe> – Ünïcödé"`)
	assert.Contains(t, body, `"value":"say \"hi\""`)
}

// TestLicenseSessionsAreIndependent: sessions activating the same license at once each
// count their own activations, and a reset restores one session's without touching another.
func TestLicenseSessionsAreIndependent(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	const sessions, key = 12, "DEMO-PERP-0000-0001"
	var wg sync.WaitGroup
	for i := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			api := licenseAPI{t: t, srv: srv, session: fmt.Sprintf("parallel-%d", i)}
			for n, hw := range []string{"a", "b", "c"} {
				r := api.activate(key, hw)
				if !assert.Equal(t, http.StatusOK, r.status, "%s", r.body) {
					return
				}
				assert.Equal(t, float64(n+1), r.field("times_activated"), "session %d counts its own", i)
			}
			assert.Equal(t, "license_activated_max_times", api.activate(key, "d").code())
		}()
	}
	wg.Wait()
	status, _ := admin(t, srv, http.MethodPost, "/__lsmock/reset?session=parallel-0", "")
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, http.StatusOK, licenseAPI{t: t, srv: srv, session: "parallel-0"}.activate(key, "d").status, "reset: activations free again")
	assert.Equal(t, "license_activated_max_times", licenseAPI{t: t, srv: srv, session: "parallel-1"}.activate(key, "d").code(), "another session is untouched")
}

// TestTamperedSignatureScenarios: the shipped scenarios that break the signature on purpose.
func TestTamperedSignatureScenarios(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	for _, tc := range []struct{ scenario, want string }{{"tampered_signature", "invalid"}, {"missing_signature", "missing"}} {
		api := licenseAPI{t: t, srv: srv, session: "tamper-" + tc.scenario}
		status, _ := admin(t, srv, http.MethodPut, "/__lsmock/sessions/tamper-"+tc.scenario+"/scenario", `{"name":"activateLicense/`+tc.scenario+`"}`)
		require.Equal(t, http.StatusOK, status)
		r := api.activate("DEMO-PERP-0000-0001", "hw-1")
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		assert.Equal(t, tc.scenario, r.header.Get(mockserver.HeaderScenario))
		assert.Equal(t, 1.0, r.field("times_activated"), "the usual answer")
		if tc.want == "missing" {
			assert.Empty(t, r.header.Values("LicenseSignature"))
			continue
		}
		assert.Error(t, signing.Verify(publicKey, r.body, r.header.Get("LicenseSignature")), "the signature does not match the body")
		r = api.check("DEMO-PERP-0000-0001", "hw-1")
		assert.NoError(t, signing.Verify(publicKey, r.body, r.header.Get("LicenseSignature")), "the pin was for activate_license only")
	}
}

// Fractional consumptions are refused (lsmock's choice: the vendor's schema says number,
// every total it shows is an integer); docs/answers.md.
func TestFractionalConsumptionsRefused(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	api := licenseAPI{t: t, srv: srv, session: "fractional"}
	require.Equal(t, http.StatusOK, api.activate("DEMO-CONS-0000-0006", "hw-1").status)
	r := api.call(http.MethodPost, "add_consumption", map[string]any{"license_key": "DEMO-CONS-0000-0006", "product": "demo", "hardware_id": "hw-1", "consumptions": 0.5})
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, "validation_error", r.code(), "%s", r.body)
	assert.Contains(t, r.header.Get(mockserver.HeaderValidation), "consumptions")
}
