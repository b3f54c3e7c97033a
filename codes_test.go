package lsmock_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock"
	"github.com/lsmock/lsmock/internal/spec"
	"github.com/lsmock/lsmock/mockserver"
)

// vendorCode is a code the vendor documents and where a test asks for it by name: an
// operation (by method and path) whose 400/401/404/409/500 examples document it.
type vendorCode struct {
	code, method, path string
}

// vendorCodes are the 43 codes the vendor documents (reference license-api-v4.md §3: its SDK
// errors page, its License API error page, the auth and OAuth codes, license_expired), each
// on an operation lsmock serves today.
var vendorCodes = []vendorCode{
	// The SDK errors page.
	{"authorization_invalid_headers", http.MethodGet, "/api/v4/check_license"},
	{"authorization_missing_params", http.MethodGet, "/api/v4/check_license"},
	{"device_not_found", http.MethodGet, "/api/v4/check_license"},
	{"hmac_required", http.MethodGet, "/api/v4/check_license"},
	{"internal_error", http.MethodGet, "/api/v4/check_license"},
	{"invalid_api_key", http.MethodGet, "/api/v4/check_license"},
	{"license_activated_max_times", http.MethodPost, "/api/v4/activate_license"},
	{"license_key_required", http.MethodGet, "/api/v4/check_license"},
	{"license_not_active", http.MethodGet, "/api/v4/check_license"},
	{"license_not_enabled", http.MethodGet, "/api/v4/check_license"},
	{"license_not_found", http.MethodGet, "/api/v4/check_license"},
	{"missing_hardware_id", http.MethodGet, "/api/v4/check_license"},
	{"missing_headers", http.MethodGet, "/api/v4/check_license"},
	{"missing_parameters", http.MethodGet, "/api/v4/check_license"},
	{"order_id_exists", http.MethodGet, "/api/v4/trial_key"},
	{"signature_mismatch", http.MethodGet, "/api/v4/check_license"},
	{"trial_expired", http.MethodGet, "/api/v4/check_license"},
	{"unknown_product", http.MethodGet, "/api/v4/check_license"},
	{"unsupported_product_feature", http.MethodGet, "/api/v4/check_license_feature"},
	{"disabled_product", http.MethodGet, "/api/v4/product_details"},
	{"archived_product", http.MethodGet, "/api/v4/product_details"},
	{"license_transferred_max_times", http.MethodPost, "/api/v4/activate_license"},
	{"licenseUserActivatedMaxTimes", http.MethodPost, "/api/v4/activate_license"},
	// The License API error page, beyond those.
	{"not_found", http.MethodGet, "/api/v4/check_license"},
	{"validation_error", http.MethodGet, "/api/v4/check_license"},
	{"invalid_json", http.MethodPost, "/api/v4/activate_license"},
	{"api_key_product_not_allowed", http.MethodGet, "/api/v4/check_license"},
	{"blacklisted", http.MethodPost, "/api/v4/activate_license"},
	{"borrow_until_not_valid", http.MethodPost, "/api/v4/floating/borrow"},
	{"change_password_not_allowed", http.MethodPost, "/api/v4/change_password"},
	{"customer_account_id_mismatch", http.MethodGet, "/api/v4/user_licenses"},
	{"customer_account_not_found", http.MethodGet, "/api/v4/user_licenses"},
	{"customer_does_not_exist", http.MethodGet, "/api/v4/customer_license_users"},
	{"customer_not_found", http.MethodGet, "/api/v4/customer_license_users"},
	// Auth, OAuth, and the code the SDKs act on.
	{"date_header_diff", http.MethodGet, "/api/v4/check_license"},
	{"revoked_api_key", http.MethodGet, "/api/v4/check_license"},
	{"read_only_api_key", http.MethodGet, "/api/v4/check_license"},
	{"oauth_token_expired", http.MethodGet, "/api/v4/check_license"},
	{"oauth_token_malformed", http.MethodGet, "/api/v4/check_license"},
	{"license_expired", http.MethodGet, "/api/v4/check_license"},
}

// routeOwnedCodes are the vendor's codes that only the newer routes (offline, device
// variables, versions, installation_file, SSO) give.
var routeOwnedCodes = []vendorCode{
	{"active_license_required", http.MethodGet, "/api/v4/versions"},
	{"active_license_required", http.MethodGet, "/api/v4/installation_file"},
	{"version_not_found", http.MethodGet, "/api/v4/installation_file"},
	{"missing_content", http.MethodPost, "/api/v4/activate_offline"},
	{"missing_content", http.MethodPost, "/api/v4/deactivate_offline"},
	{"customer_account_not_found", http.MethodGet, "/api/v4/sso_url"},
}

// TestEveryVendorCode: openapi.yaml documents each of the 43 codes the vendor documents, on
// an operation it applies to, and each answers by name there (X-Lsmock-Scenario).
func TestEveryVendorCode(t *testing.T) {
	t.Parallel()
	sp, err := spec.LoadTrusted(lsmock.DefaultSpecName, lsmock.DefaultSpec())
	require.NoError(t, err)
	codes := map[string]bool{}
	for _, c := range append(append([]vendorCode{}, vendorCodes...), routeOwnedCodes...) {
		codes[c.code] = true
	}
	require.Len(t, codes, 43, "the reference lists 43 codes")
	raw := string(lsmock.DefaultSpec())
	for c := range codes {
		assert.Contains(t, raw, "code: "+c+",", "openapi.yaml documents %s", c)
	}
	srv := startDefault(t)
	o := newOracle(t, lsmock.DefaultSpec())
	for _, c := range vendorCodes {
		t.Run(c.code, func(t *testing.T) {
			t.Parallel()
			answersByName(t, srv, o, sp, c)
		})
	}
	for _, c := range routeOwnedCodes {
		t.Run(c.code+" "+c.path, func(t *testing.T) {
			t.Parallel()
			answersByName(t, srv, o, sp, c)
		})
	}
}

// answersByName checks that c's operation documents c.code (its own examples or the
// general ones) and answers it by name, with the documented status and message.
func answersByName(t *testing.T, srv *httptest.Server, o *oracle, sp *spec.Spec, c vendorCode) {
	t.Helper()
	op, _ := sp.Find(c.method, c.path)
	require.NotNil(t, op, "%s %s", c.method, c.path)
	doc, own := op.Errors[c.code]
	if !own {
		doc, own = sp.General[c.code]
	}
	require.True(t, own, "%s documents %s", op.ID, c.code)
	var body io.Reader
	if c.method == http.MethodPost {
		body = strings.NewReader("{}")
	}
	req, err := http.NewRequest(c.method, srv.URL+c.path, body)
	require.NoError(t, err)
	for k, v := range nodeSDKHeaders() {
		req.Header.Set(k, v)
	}
	req.Header.Set(mockserver.HeaderScenario, c.code)
	req.Header.Set(mockserver.HeaderSession, "by-name-"+c.code)
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, c.code, resp.Header.Get(mockserver.HeaderScenario), "answered by the scenario of that name")
	o.check(t, req, resp.StatusCode, resp.Header, got)
	assert.Equal(t, doc.Status, resp.StatusCode, "%s", got)
	var e map[string]any
	require.NoError(t, json.Unmarshal(got, &e), "%s", got)
	assert.Equal(t, map[string]any{"status": float64(doc.Status), "code": c.code, "message": doc.Message}, e)
}

// TestVendorCodesOverHTTP: one round trip per code that declared state produces, against the
// embedded demo data (scenarios/licenses.yaml) as `lsmock serve` serves it.
func TestVendorCodesOverHTTP(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	o := newOracle(t, lsmock.DefaultSpec())
	type req struct {
		method, op string
		params     map[string]any
	}
	post := func(op string, p map[string]any) req { return req{http.MethodPost, op, p} }
	get := func(op string, p map[string]any) req { return req{http.MethodGet, op, p} }
	key := func(k, hw string) map[string]any {
		return map[string]any{"license_key": k, "product": "demo", "hardware_id": hw}
	}
	limited := func(hw string) map[string]any {
		return map[string]any{"username": "limited-user@example.com", "password": "limited-password", "product": "demo-users", "hardware_id": hw}
	}
	cases := []struct {
		code   string
		before []req
		last   req
	}{
		{"missing_hardware_id", nil, post("activate_license", key("DEMO-PERP-0000-0001", ""))},
		{"license_key_required", nil, get("check_license", map[string]any{"username": "demo-user@example.com", "product": "demo", "hardware_id": "hw-1"})},
		{"disabled_product", nil, get("product_details", map[string]any{"product": "demo-disabled"})},
		{"archived_product", nil, get("trial_key", map[string]any{"product": "demo-archived", "hardware_id": "hw-1"})},
		{"blacklisted", nil, post("activate_license", key("DEMO-BLCK-0000-0010", "blacklisted-hw"))},
		{"licenseUserActivatedMaxTimes", []req{post("activate_license", limited("hw-1"))}, post("activate_license", limited("hw-2"))},
		{"license_transferred_max_times", []req{
			post("activate_license", key("DEMO-XFER-0000-0009", "hw-a")), post("deactivate_license", key("DEMO-XFER-0000-0009", "hw-a")),
			post("activate_license", key("DEMO-XFER-0000-0009", "hw-b")), post("deactivate_license", key("DEMO-XFER-0000-0009", "hw-b")),
		}, post("activate_license", key("DEMO-XFER-0000-0009", "hw-a"))},
	}
	for _, tc := range cases {
		t.Run(tc.code, func(t *testing.T) {
			t.Parallel()
			api := licenseAPI{t: t, srv: srv, session: "codes-" + tc.code}
			for _, r := range tc.before {
				require.Equal(t, http.StatusOK, api.call(r.method, r.op, r.params).status)
			}
			r := api.call(tc.last.method, tc.last.op, tc.last.params)
			o.check(t, r.req, r.status, r.header, r.body)
			assert.Equal(t, http.StatusBadRequest, r.status, "%s", r.body)
			assert.Equal(t, tc.code, r.code(), "%s", r.body)
		})
	}
}

// TestTransferCountOverHTTP: a transfer shows in the license's answers and in the admin
// snapshot of the session.
func TestTransferCountOverHTTP(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	api := licenseAPI{t: t, srv: srv, session: "transfer-count"}
	const k = "DEMO-XFER-0000-0009"
	require.Equal(t, http.StatusOK, api.activate(k, "hw-a").status)
	require.Equal(t, http.StatusOK, api.deactivate(k, "hw-a").status)
	r := api.activate(k, "hw-b")
	assertSigned(t, r, "hw-b", k)
	assert.EqualValues(t, 1, r.field("transfer_count"))
	assert.EqualValues(t, 1, r.field("max_transfers"))
	assert.EqualValues(t, 1, api.check(k, "hw-b").field("transfer_count"))

	status, body := admin(t, srv, http.MethodGet, "/__lsmock/sessions/transfer-count/licenses", "")
	require.Equal(t, http.StatusOK, status)
	var snap struct {
		Licenses []struct {
			License       string `json:"license"`
			TransferCount int    `json:"transfer_count"`
		} `json:"licenses"`
	}
	require.NoError(t, json.Unmarshal(body, &snap))
	found := false
	for _, l := range snap.Licenses {
		if l.License == k {
			found = true
			assert.Equal(t, 1, l.TransferCount)
		}
	}
	assert.True(t, found, "%s", body)
}

// TestAPIKeyLimitedToProducts: a key the keys file limits to products refuses a request
// naming another, after validation; a request naming one of its products goes on.
func TestAPIKeyLimitedToProducts(t *testing.T) {
	t.Parallel()
	srv := startConfig(t, mockserver.Config{Auth: mockserver.Auth{Keys: []mockserver.Key{
		{APIKey: testAPIKey, SharedKey: testSharedKey, Products: []string{"demo-users"}},
	}}})
	o := newOracle(t, lsmock.DefaultSpec())
	api := licenseAPI{t: t, srv: srv, session: "key-products"}
	r := api.call(http.MethodGet, "product_details", map[string]any{"product": "demo"})
	o.check(t, r.req, r.status, r.header, r.body)
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, "api_key_product_not_allowed", r.code(), "%s", r.body)
	assert.Contains(t, r.header.Get(mockserver.HeaderValidation), "demo-users")

	r = api.call(http.MethodGet, "product_details", map[string]any{"product": "demo-users"})
	assert.Equal(t, http.StatusOK, r.status, "%s", r.body)
	r = api.call(http.MethodPost, "activate_license", map[string]any{"license_key": "DEMO-PERP-0000-0001", "product": "demo", "hardware_id": "hw"})
	assert.Equal(t, "api_key_product_not_allowed", r.code(), "a body's product too: %s", r.body)
	r = api.call(http.MethodGet, "check_license", map[string]any{"license_key": "DEMO-PERP-0000-0001", "hardware_id": "hw"})
	assert.Equal(t, "missing_parameters", r.code(), "validation first: %s", r.body)
}

// TestMissingHardwareIDPrecedence: the spec's validation names every missing parameter; only
// a request whose one missing parameter is hardware_id gets missing_hardware_id.
func TestMissingHardwareIDPrecedence(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	api := licenseAPI{t: t, srv: srv, session: "missing-hw"}
	r := api.call(http.MethodGet, "check_license", map[string]any{"license_key": "DEMO-PERP-0000-0001", "product": "demo"})
	assert.Equal(t, "missing_hardware_id", r.code(), "%s", r.body)
	r = api.call(http.MethodPost, "activate_license", map[string]any{"license_key": "DEMO-PERP-0000-0001"})
	assert.Equal(t, "missing_parameters", r.code(), "%s", r.body)
	assert.True(t, strings.Contains(string(r.body), "hardware_id, product"), "%s", r.body)
}
