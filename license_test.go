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
	assert.NoError(t, signing.Check(publicKey, r.body, r.header.Get("LicenseSignature")), "LicenseSignature over the raw body")
	if id == "" {
		return
	}
	validity := ""
	if v, ok := r.field("validity_period").(string); ok {
		validity = v
	}
	sig, _ := r.field("license_signature").(string)
	assert.NoError(t, signing.Check(publicKey, []byte(strings.ToLower(hwid+"#"+id+"#"+validity)), sig), "license_signature")
}

// TestLicenseFlow: activate, check, deactivate with the demo licenses, every answer held to
// the spec by the kin-openapi oracle and every success signed as the SDKs verify it.
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
	assert.Equal(t, "license_not_active", r.code(), "not activated yet")

	r = checked(api.activate(key, "hw-1"))
	assertSigned(t, r, "hw-1", key)
	assert.Equal(t, 1.0, r.field("times_activated"))
	assert.Equal(t, "activation", r.field("request"))
	deviceID := r.field("device_id")

	r = checked(api.activate(key, "hw-1"))
	assertSigned(t, r, "hw-1", key)
	assert.Equal(t, 1.0, r.field("times_activated"), "activating the same device again counts once")
	assert.Equal(t, deviceID, r.field("device_id"))

	r = checked(api.check(key, "hw-1"))
	assertSigned(t, r, "hw-1", key)
	assert.Equal(t, true, r.field("license_active"))
	assert.Equal(t, deviceID, r.field("device_id"))
	assert.Equal(t, "device_not_found", checked(api.check(key, "hw-2")).code(), "active elsewhere, not here")

	for i, hw := range []string{"hw-2", "hw-3"} {
		r = checked(api.activate(key, hw))
		assertSigned(t, r, hw, key)
		assert.Equal(t, float64(i+2), r.field("times_activated"))
	}
	r = checked(api.activate(key, "hw-4"))
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, "license_activated_max_times", r.code(), "max_activations 3")

	r = checked(api.deactivate(key, "hw-1"))
	assert.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, `"license_deactivated"`, string(r.body))
	assert.Empty(t, r.header.Get("LicenseSignature"), "deactivation is not signed")
	assert.Equal(t, "device_not_found", checked(api.deactivate(key, "hw-1")).code())
	assert.Equal(t, "device_not_found", checked(api.check(key, "hw-1")).code())
	assertSigned(t, checked(api.activate(key, "hw-4")), "hw-4", key)

	cases := []struct {
		name, key, code string
	}{
		{"unknown key", "NOPE", "license_not_found"},
		{"disabled", "DEMO-DSBL-0000-0004", "license_not_enabled"},
		{"expired", "DEMO-EXPD-0000-0003", "license_expired"},
	}
	for _, tc := range cases {
		r := checked(api.activate(tc.key, "hw-1"))
		assert.Equal(t, tc.code, r.code(), tc.name)
		assert.Equal(t, `{"status":400,"code":"`+tc.code+`","message":`, string(r.body[:len(`{"status":400,"code":"`+tc.code+`","message":`)]), tc.name)
	}
	r = checked(api.call(http.MethodPost, "activate_license", map[string]any{"license_key": key, "product": "nope", "hardware_id": "h"}))
	assert.Equal(t, "unknown_product", r.code())
	r = checked(api.call(http.MethodPost, "activate_license", map[string]any{"product": "demo", "hardware_id": "h"}))
	assert.Equal(t, "missing_parameters", r.code())
	r = checked(api.call(http.MethodGet, "check_license", map[string]any{"license_key": key, "product": "demo"}))
	assert.Equal(t, "missing_parameters", r.code(), "hardware_id is required")
	assert.Contains(t, string(r.body), "hardware_id")

	// A valid_duration license is valid for its duration from its first activation.
	r = checked(api.activate("DEMO-TIME-0000-0002", "hw-1"))
	assertSigned(t, r, "hw-1", "DEMO-TIME-0000-0002")
	until, err := time.Parse(time.RFC3339, r.field("validity_period").(string))
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now().Add(30*24*time.Hour), until, time.Minute)
}

// TestUserLicenseFlow: a user-based license activates with username and password; the
// password change_password sets is the one activation takes next.
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
	assert.Equal(t, user, r.field("user").(map[string]any)["email"])
	assert.Nil(t, r.field("license_key"), "a user-based license has no key")

	r = api.call(http.MethodGet, "check_license", map[string]any{"username": user, "product": "demo-users", "hardware_id": "hw-1"})
	o.check(t, r.req, r.status, r.header, r.body)
	assertSigned(t, r, "hw-1", user)

	assert.Equal(t, "invalid_credentials", activate("wrong", "hw-2").code())
	_, body := call(t, srv, cpPath, changePassword(user, "demo-password", "new-password"), map[string]string{mockserver.HeaderSession: "user-flow"})
	assert.Equal(t, `"password_changed"`, string(body))
	assert.Equal(t, "invalid_credentials", activate("demo-password", "hw-2").code(), "the old password is refused")
	assertSigned(t, activate("new-password", "hw-2"), "hw-2", user)
	assert.Equal(t, "license_activated_max_times", activate("new-password", "hw-3").code(), "max_activations 2")

	status, snap := admin(t, srv, http.MethodGet, "/__lsmock/sessions/user-flow/licenses", "")
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, string(snap), `"license":"user:demo-user@example.com/demo-users","product":"demo-users","times_activated":2`)
	assert.Contains(t, string(snap), `{"username":"demo-user@example.com","password":"[redacted]","changed":true`)
	assert.NotContains(t, string(snap), "new-password")
}

// TestTrialFlow: trial_key gives a session a trial license it can then activate; asking
// again answers the same trial, in short.
func TestTrialFlow(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	o := newOracle(t, lsmock.DefaultSpec())
	api := licenseAPI{t: t, srv: srv, session: "trial-flow"}
	trial := func(params map[string]any) reply {
		r := api.call(http.MethodGet, "trial_key", params)
		o.check(t, r.req, r.status, r.header, r.body)
		return r
	}
	r := trial(map[string]any{"product": "demo", "hardware_id": "hw-1"})
	assertSigned(t, r, "", "")
	key, _ := r.field("license_key").(string)
	assert.Regexp(t, `^[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$`, key)
	assert.Equal(t, key, r.field("license"))
	assert.Equal(t, true, r.field("is_trial"))

	again := trial(map[string]any{"product": "demo", "hardware_id": "hw-1"})
	assertSigned(t, again, "", "")
	assert.JSONEq(t, `{"license_type":"perpetual","is_trial":true,"license":"`+key+`"}`, string(again.body))

	r = api.activate(key, "hw-1")
	assertSigned(t, r, "hw-1", key)
	assert.Equal(t, true, r.field("is_trial"))
	until, err := time.Parse(time.RFC3339, r.field("validity_period").(string))
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now().Add(14*24*time.Hour), until, time.Minute, "trial_days 14")

	assert.Equal(t, "license_not_found", licenseAPI{t: t, srv: srv, session: "another"}.activate(key, "hw-1").code(),
		"another session was given no such trial")

	// A user-based product's trial is a license user with an initial password.
	r = trial(map[string]any{"product": "demo-users", "hardware_id": "hw-1", "email": "tess@example.com"})
	assertSigned(t, r, "", "")
	password, _ := r.field("initial_password").(string)
	require.NotEmpty(t, password)
	r = api.call(http.MethodPost, "activate_license", map[string]any{"username": "tess@example.com", "password": password, "product": "demo-users", "hardware_id": "hw-1"})
	assertSigned(t, r, "hw-1", "tess@example.com")
	assert.Equal(t, true, r.field("user").(map[string]any)["is_initial_password"])
	assert.Equal(t, "missing_parameters", trial(map[string]any{"product": "demo-users", "hardware_id": "hw-1"}).code(), "email is required")
	assert.Equal(t, "unknown_product", trial(map[string]any{"product": "nope", "hardware_id": "hw-1"}).code())

	r = api.call(http.MethodGet, "product_details", map[string]any{"product": "demo", "include_custom_fields": true})
	o.check(t, r.req, r.status, r.header, r.body)
	assertSigned(t, r, "", "")
	assert.Equal(t, "demo", r.field("short_code"))
	assert.Equal(t, []any{map[string]any{"name": "edition", "id": r.field("custom_fields").([]any)[0].(map[string]any)["id"], "default_value": "standard"}}, r.field("custom_fields"))
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
		assert.Error(t, signing.Check(publicKey, r.body, r.header.Get("LicenseSignature")), "the signature does not match the body")
		r = api.check("DEMO-PERP-0000-0001", "hw-1")
		assert.NoError(t, signing.Check(publicKey, r.body, r.header.Get("LicenseSignature")), "the pin was for activate_license only")
	}
}

// license_signature is lowered as the Node SDK lowers it, JavaScript's toLowerCase: İ
// becomes i + U+0307 and a word-final Σ becomes ς, where Go's strings.ToLower differs.
func TestLicenseSignatureLowersAsJavaScript(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	api := licenseAPI{t: t, srv: srv, session: "js-lower"}
	const key = "DEMO-UNLM-0000-0005"
	cases := []struct{ hwid, signed string }{
		{"İSTANBUL-1", "i\u0307stanbul-1#demo-unlm-0000-0005#"},
		{"ΟΔΟΣ-ΣΑΣ", "οδος-σας#demo-unlm-0000-0005#"},
	}
	for _, tc := range cases {
		for _, r := range []reply{api.activate(key, tc.hwid), api.check(key, tc.hwid)} {
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			sig, _ := r.field("license_signature").(string)
			assert.NoError(t, signing.Check(publicKey, []byte(tc.signed), sig), "%s: license_signature over %q", tc.hwid, tc.signed)
		}
	}
}

// product_details with include_latest_version=true says latest_version, null: no releases
// are declared. Without it, the field is absent, as the SDKs' fixtures show.
func TestProductDetailsLatestVersion(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	o := newOracle(t, lsmock.DefaultSpec())
	api := licenseAPI{t: t, srv: srv, session: "latest-version"}
	for _, tc := range []struct {
		include bool
		want    bool
	}{{true, true}, {false, false}} {
		r := api.call(http.MethodGet, "product_details", map[string]any{"product": "demo", "include_latest_version": tc.include})
		o.check(t, r.req, r.status, r.header, r.body)
		assertSigned(t, r, "", "")
		var m map[string]any
		require.NoError(t, json.Unmarshal(r.body, &m))
		latest, has := m["latest_version"]
		assert.Equal(t, tc.want, has, "include_latest_version=%v: %s", tc.include, r.body)
		assert.Nil(t, latest)
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
