package lsmock_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock"
	"github.com/lsmock/lsmock/internal/signing"
	"github.com/lsmock/lsmock/internal/testutil"
)

// The demo bundle of the embedded defaults (scenarios/licenses_bundles.yaml).
const (
	demoBundle    = "demo-bundle"
	demoBundleKey = "DEMO-BNDL-0000-0011"
)

// assertBundleSigned checks a bundle's answer as the SDKs do: the LicenseSignature header over
// the raw bytes (Python, Go), and each license's license_signature over
// lower(hardware_id#key#validity) (Node). It returns the licenses.
func assertBundleSigned(t *testing.T, r reply, hwid, key string) []map[string]any {
	t.Helper()
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	require.Len(t, r.header.Values("LicenseSignature"), 1, "one LicenseSignature header")
	assert.NoError(t, signing.Verify(publicKey, r.body, r.header.Get("LicenseSignature")), "LicenseSignature over the raw body")
	var list []map[string]any
	require.NoError(t, json.Unmarshal(r.body, &list), "an array: %s", r.body)
	for _, l := range list {
		validity, _ := l["validity_period"].(string)
		sig, _ := l["license_signature"].(string)
		assert.NoError(t, signing.Verify(publicKey, []byte(strings.ToLower(hwid+"#"+key+"#"+validity)), sig), "license_signature of %v", l["license_key"])
	}
	return list
}

// assertStringifySigned checks the LicenseSignature of each answer over
// JSON.stringify(JSON.parse(body)), as the Node SDK verifies it, asking node itself.
func assertStringifySigned(t *testing.T, replies ...reply) {
	t.Helper()
	node := testutil.Node(t)
	var in bytes.Buffer
	for _, r := range replies {
		q, err := json.Marshal(string(r.body)) // one body a line, as a JSON string
		require.NoError(t, err)
		in.Write(q)
		in.WriteByte('\n')
	}
	cmd := exec.Command(node, "-e", `
for (const l of require('fs').readFileSync(0, 'utf8').split('\n').filter(Boolean)) {
  console.log(JSON.stringify(JSON.stringify(JSON.parse(JSON.parse(l)))));
}`)
	cmd.Stdin = &in
	out, err := cmd.Output()
	require.NoError(t, err, "%s", out)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	require.Len(t, lines, len(replies))
	for i, l := range lines {
		var stringified string
		require.NoError(t, json.Unmarshal([]byte(l), &stringified))
		assert.NoError(t, signing.Verify(publicKey, []byte(stringified), replies[i].header.Get("LicenseSignature")),
			"%s: LicenseSignature over JSON.stringify(JSON.parse(body))", replies[i].req.URL.Path)
	}
}

// TestBundleFlow: the server hands the three bundle routes (with and without a trailing
// slash) to the engine, answers held to the spec by the oracle, each signed answer verifying
// over its raw bytes and over JSON.stringify of it. What the engine answers is
// internal/license's tests'.
func TestBundleFlow(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	o := newOracle(t, lsmock.DefaultSpec())
	api := licenseAPI{t: t, srv: srv, session: "bundle-flow"}
	params := func(hwid string) map[string]any {
		return map[string]any{"license_key": demoBundleKey, "product": demoBundle, "hardware_id": hwid}
	}
	checked := func(method, route string, p map[string]any) reply {
		r := api.call(method, route, p)
		o.check(t, r.req, r.status, r.header, r.body)
		return r
	}

	r := checked(http.MethodGet, "check_bundle", params("hw-1"))
	assert.Equal(t, "license_not_active", r.code(), "not activated yet")
	assert.Empty(t, r.header.Get("LicenseSignature"), "a refusal is not signed")

	activated := checked(http.MethodPost, "activate_bundle", params("hw-1"))
	list := assertBundleSigned(t, activated, "hw-1", demoBundleKey)
	require.Len(t, list, 2)
	assert.Equal(t, "DEMO-SUIT-0000-0009", list[0]["license_key"])
	assert.Equal(t, "demo-addon", list[1]["product_details"].(map[string]any)["short_code"])
	assert.Equal(t, "activation", list[1]["request"])

	checkedAgain := checked(http.MethodGet, "check_bundle/", params("hw-1"))
	list = assertBundleSigned(t, checkedAgain, "hw-1", demoBundleKey)
	assert.Equal(t, true, list[0]["license_active"])
	assertStringifySigned(t, activated, checkedAgain)

	assertBundleSigned(t, checked(http.MethodPost, "activate_bundle/", params("hw-2")), "hw-2", demoBundleKey)
	assert.Equal(t, "license_activated_max_times", checked(http.MethodPost, "activate_bundle", params("hw-3")).code(), "each license allows 2 devices")

	r = checked(http.MethodPost, "deactivate_bundle", params("hw-1"))
	assert.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, `"license_deactivated"`, string(r.body))
	assert.Empty(t, r.header.Get("LicenseSignature"), "deactivation is not signed")
	assert.Equal(t, "device_not_found", checked(http.MethodPost, "deactivate_bundle/", params("hw-1")).code())
	assert.Equal(t, "unknown_product", checked(http.MethodPost, "activate_bundle", map[string]any{"license_key": demoBundleKey, "product": "demo", "hardware_id": "hw-1"}).code(),
		"a product is not a bundle")
}

// TestBundleTamperedSignature: the shipped scenarios that break a bundle answer's signature.
func TestBundleTamperedSignature(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	api := licenseAPI{t: t, srv: srv, session: "bundle-tampered"}
	status, _ := admin(t, srv, http.MethodPut, "/__lsmock/sessions/bundle-tampered/scenario", `{"name":"activateBundle/tampered_signature"}`)
	require.Equal(t, http.StatusOK, status)
	r := api.call(http.MethodPost, "activate_bundle", map[string]any{"license_key": demoBundleKey, "product": demoBundle, "hardware_id": "hw-1"})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	assert.Error(t, signing.Verify(publicKey, r.body, r.header.Get("LicenseSignature")), "the signature does not match the body")
}
