package lsmock_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/testutil"
)

// serveDefaults runs "lsmock serve" with the embedded defaults on a free port and returns the
// address of its License API.
func serveDefaults(t *testing.T) string {
	t.Helper()
	var logs testutil.Buffer
	base, _ := runCommand(t, &logs, "serve", "--addr", "127.0.0.1:0")
	return base + "/api/v4"
}

// runNodeBundle runs a flow of testdata/nodesdk/bundle.js and returns its lines, one per step.
func runNodeBundle(t *testing.T, node, apiPath, flow, apiKey string) []string {
	t.Helper()
	return runNodeScript(t, node, "bundle.js", "LSMOCK_API_PATH="+apiPath, "LSMOCK_PUBLIC_KEY="+string(publicKey),
		"LSMOCK_FLOW="+flow, "LSMOCK_API_KEY="+apiKey)
}

// TestNodeSDKBundle runs the real Node SDK's BundleManager against lsmock serve with its
// embedded defaults, the SDK configured with lsmock's address and public key only: it
// activates, checks and deactivates the demo bundle, verifying the LicenseSignature over the
// array and every license's license_signature, and meets the refusals of a full bundle and an
// unknown key. Each flow has its own session (its API key).
func TestNodeSDKBundle(t *testing.T) {
	t.Parallel()
	node := requireNodeSDK(t)
	apiPath := serveDefaults(t)
	licenses := func(times int) string {
		n := string(rune('0' + times))
		return `[{"product":"demo","license_key":"DEMO-SUIT-0000-0009","times_activated":` + n +
			`},{"product":"demo-addon","license_key":"DEMO-ADDN-0000-0010","times_activated":` + n + `}]`
	}
	errLine := func(step, code, message string) string {
		return `{"step":"` + step + `","error":{"status":400,"code":"` + code + `","message":"` + message + `"}}`
	}
	cases := []struct {
		flow string
		want []string
	}{
		{"bundle", []string{
			`{"step":"activate","result":` + licenses(1) + `}`,
			`{"step":"check","result":` + licenses(1) + `}`,
			`{"step":"deactivate","result":true}`,
			errLine("check after deactivate", "license_not_active", "license is not active"),
		}},
		{"max", []string{
			`{"step":"activate on hw-node-bundle-a","result":` + licenses(1) + `}`,
			`{"step":"activate on hw-node-bundle-b","result":` + licenses(2) + `}`,
			errLine("activate on hw-node-bundle-c", "license_activated_max_times", "license has been activated the maximum number of times"),
			errLine("unknown key", "license_not_found", "license with provided license_key not found"),
		}},
	}
	for _, tc := range cases {
		t.Run(tc.flow, func(t *testing.T) {
			t.Parallel()
			got := runNodeBundle(t, node, apiPath, tc.flow, "sdk-bundle-"+tc.flow)
			require.Len(t, got, len(tc.want), "%q", got)
			for i := range tc.want {
				assert.JSONEq(t, tc.want[i], got[i])
			}
		})
	}
}
