package lsmock_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNodeSDKOffline runs the real Node SDK's offline flow against lsmock serving its
// embedded defaults (only the URL and the public key configured, as an SDK team would): the
// SDK's request file activates through activate_offline, the SDK verifies the answer
// (license_signature, license_signature_v2), reads lsmock's answer as a response file and
// keeps the license, which an online check then finds active; a tampered response file is
// refused; the SDK's deactivation request file frees the device. Then the refusals of bodies
// that are no request file, and of a license that does not allow offline activation.
func TestNodeSDKOffline(t *testing.T) {
	t.Parallel()
	node := requireNodeSDK(t)
	srv := startDefault(t)
	got := runNodeScript(t, node, "offline.js", "LSMOCK_API_PATH="+srv.URL+"/api/v4", "LSMOCK_PUBLIC_KEY="+string(publicKey),
		"LSMOCK_API_KEY=sdk-offline")
	activated := `{"license_key":"DEMO-OFFL-0000-0009","hardware_id":"hw-node-offline","times_activated":1,"allow_offline_activation":true}`
	errLine := func(step, code, message string) string {
		return `{"step":"` + step + `","error":{"status":400,"code":"` + code + `","message":"` + message + `"}}`
	}
	want := []string{
		`{"step":"request file","result":{"schema_version":2,"request":"activation","license_key":"DEMO-OFFL-0000-0009"}}`,
		`{"step":"activate offline (API)","result":` + activated + `}`,
		`{"step":"response file","result":true}`,
		`{"step":"activate from the response file","result":` + activated + `}`,
		`{"step":"license file","result":{"key":"DEMO-OFFL-0000-0009","active":true}}`,
		`{"step":"check online","result":{"license_key":"DEMO-OFFL-0000-0009","times_activated":1,"allow_offline_activation":true}}`,
		errLine("tampered response file", "signature_v2_mismatch", "Signature v2 does not match"),
		`{"step":"deactivation request file","result":false}`,
		`{"step":"deactivate offline","result":true}`,
		errLine("check after", "license_not_active", "license is not active"),
		errLine("empty request", "missing_content", "Request content is missing"),
		errLine("not base64", "invalid_json", "Request body is not valid JSON"),
		errLine("not allowed offline", "offline_activation_not_allowed", "offline activation is not allowed for this license"),
	}
	require.Len(t, got, len(want), "%s", strings.Join(got, "\n"))
	for i := range want {
		assert.JSONEq(t, want[i], got[i])
	}
}
