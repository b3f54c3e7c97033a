package lsmock_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock"
	"github.com/lsmock/lsmock/internal/auth"
	"github.com/lsmock/lsmock/internal/signing"
	"github.com/lsmock/lsmock/mockserver"
)

// postOffline posts a request file to an offline operation as the SDKs do: text/plain, with
// the Node SDK's signed headers, in session.
func postOffline(t *testing.T, srv *httptest.Server, path, session, body string) reply {
	t.Helper()
	return postOfflineWith(t, srv, path, session, body, nil)
}

// postOfflineWith is postOffline with more headers.
func postOfflineWith(t *testing.T, srv *httptest.Server, path, session, body string, headers map[string]string) reply {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	for k, v := range nodeSDKHeaders() {
		req.Header.Set(k, v)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", "text/plain")
	req.Header.Set(mockserver.HeaderSession, session)
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return reply{status: resp.StatusCode, header: resp.Header, body: b, req: req}
}

// requestFile is base64 of v as JSON: an offline request file.
func requestFile(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return base64.StdEncoding.EncodeToString(b)
}

// offlineEnvelope is the Node SDK's request file for the demo's offline license on hwid.
func offlineEnvelope(kind, hwid string) map[string]any {
	return map[string]any{"request": map[string]any{"license_key": "DEMO-OFFL-0000-0009", "product": "demo", "hardware_id": hwid,
		"request": kind, "schema_version": 2, "api_key": testAPIKey, "date": "Wed Dec 2 2026 05:00:00 GMT+0000"}, "signature": "x"}
}

// v2Covered is what license_signature_v2 covers for an ASCII body: the body without its
// license_signature and license_signature_v2 fields (JSON.stringify of the rest).
var v2Covered = regexp.MustCompile(`,"license_signature(_v2)?":"[^"]*"`)

// TestOfflineRoundTrip: the server decodes each form of request file, hands it to the engine
// and writes its answer, held to the spec, with every signature the SDKs verify; and refuses
// bodies that are no request file in the vendor's error shape.
func TestOfflineRoundTrip(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	o := newOracle(t, lsmock.DefaultSpec())
	date := "Wed, 02 Dec 2026 05:00:00 GMT"
	flat := map[string]any{"license_key": "DEMO-OFFL-0000-0009", "product": "demo", "hardware_id": "hw-flat", "api_key": testAPIKey, "date": date,
		"signature": auth.OfflineSignature(testSharedKey, date, "DEMO-OFFL-0000-0009", "hw-flat", testAPIKey)}
	wrapped := regexp.MustCompile(`.{1,76}`).ReplaceAllString(requestFile(t, flat), "$0\n") // as base64(1) writes a file

	activated := func(hwid string) func(t *testing.T, r reply) {
		return func(t *testing.T, r reply) {
			assertSigned(t, r, hwid, "DEMO-OFFL-0000-0009")
			v2, _ := r.field("license_signature_v2").(string)
			assert.NoError(t, signing.Verify(publicKey, v2Covered.ReplaceAll(r.body, nil), v2), "license_signature_v2")
			assert.Equal(t, "activation", r.field("request"))
			assert.Equal(t, true, r.field("allow_offline_activation"))
		}
	}
	cases := []struct {
		name, path, body string
		status           int
		code             string
		then             func(t *testing.T, r reply)
	}{
		{"envelope", "/api/v4/activate_offline", requestFile(t, offlineEnvelope("activation", "hw-env")), 200, "", activated("hw-env")},
		{"flat, wrapped at 76 columns, trailing slash", "/api/v4/activate_offline/", wrapped, 200, "", activated("hw-flat")},
		{"empty", "/api/v4/activate_offline", "", 400, "missing_content", nil},
		{"blank", "/api/v4/deactivate_offline", " \n", 400, "missing_content", nil},
		{"not base64", "/api/v4/activate_offline", "%%% not a request file %%%", 400, "invalid_json", nil},
		{"JSON sent as it is", "/api/v4/activate_offline", `{"request":{}}`, 400, "invalid_json", nil},
		{"base64 of no JSON", "/api/v4/deactivate_offline", base64.StdEncoding.EncodeToString([]byte("hello")), 400, "invalid_json", nil},
		{"base64 of a JSON array", "/api/v4/activate_offline", requestFile(t, []int{1}), 400, "validation_error", nil},
		{"base64 of {}", "/api/v4/activate_offline", requestFile(t, map[string]any{}), 400, "missing_parameters", nil},
		{"a license without allow_offline_activation", "/api/v4/activate_offline",
			requestFile(t, map[string]any{"request": map[string]any{"license_key": "DEMO-PERP-0000-0001", "product": "demo", "hardware_id": "hw",
				"api_key": "k", "date": date}, "signature": "x"}), 400, "offline_activation_not_allowed", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := postOffline(t, srv, tc.path, "offline-"+tc.name, tc.body)
			o.check(t, r.req, r.status, r.header, r.body)
			require.Equal(t, tc.status, r.status, "%s", r.body)
			assert.Equal(t, tc.code, r.code(), "%s", r.body)
			if tc.then != nil {
				tc.then(t, r)
			}
		})
	}

	t.Run("deactivate", func(t *testing.T) {
		t.Parallel()
		const session = "offline-deactivate"
		require.Equal(t, 200, postOffline(t, srv, "/api/v4/activate_offline", session, requestFile(t, offlineEnvelope("activation", "hw-d"))).status)
		r := postOffline(t, srv, "/api/v4/deactivate_offline/", session, requestFile(t, offlineEnvelope("deactivation", "hw-d")))
		o.check(t, r.req, r.status, r.header, r.body)
		require.Equal(t, 200, r.status, "%s", r.body)
		assert.Equal(t, `"license_deactivated"`, string(r.body))
		assert.Empty(t, r.header.Get("LicenseSignature"), "not signed")
		r = postOffline(t, srv, "/api/v4/deactivate_offline", session, requestFile(t, offlineEnvelope("deactivation", "hw-d")))
		assert.Equal(t, "device_not_found", r.code())
	})

	t.Run("oversize", func(t *testing.T) {
		t.Parallel()
		r := postOffline(t, srv, "/api/v4/activate_offline", "offline-oversize", strings.Repeat("QUFB", mockserver.DefaultMaxBodyBytes/4+1))
		assert.Equal(t, http.StatusRequestEntityTooLarge, r.status)
		assert.Equal(t, "payload_too_large", r.code())
	})
}

// TestOfflineSignatureChecked: with the API key known, a flat request file signed with
// another shared key is refused; the journal shows the decoded request with its secrets
// redacted.
func TestOfflineSignatureChecked(t *testing.T) {
	t.Parallel()
	srv := startConfig(t, mockserver.Config{Auth: mockserver.Auth{Mode: "format", Keys: []mockserver.Key{{APIKey: testAPIKey, SharedKey: testSharedKey}}}})
	date := "Wed, 02 Dec 2026 05:00:00 GMT"
	file := func(shared string) string {
		return requestFile(t, map[string]any{"username": "demo-user@example.com", "password": "demo-password", "product": "demo-users",
			"hardware_id": "hw-u", "api_key": testAPIKey, "date": date,
			"signature": auth.OfflineSignature(shared, date, "demo-user@example.com", "hw-u", testAPIKey)})
	}
	r := postOffline(t, srv, "/api/v4/activate_offline", "offline-signed", file("another-shared-key"))
	assert.Equal(t, "signature_mismatch", r.code(), "%s", r.body)

	_, journal := admin(t, srv, http.MethodGet, "/__lsmock/requests?session=offline-signed", "")
	assert.Contains(t, string(journal), `"hardware_id":"hw-u"`, "the journal shows the request file decoded")
	assert.NotContains(t, string(journal), "demo-password")

	r = postOffline(t, srv, "/api/v4/activate_offline", "offline-signed", file(testSharedKey))
	assert.Equal(t, "offline_activation_not_allowed", r.code(), "signed right: on to the license, which does not allow it")
}
