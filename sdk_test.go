package lsmock_test

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/mockserver"
)

// nodeSDKDir holds a pinned install of the real LicenseSpring Node SDK (npm ci there).
const nodeSDKDir = "testdata/nodesdk"

// requireNodeSDK finds node and the installed SDK. Without them the test skips, saying how
// to install them, unless LSMOCK_REQUIRE_NODE_SDK=1 (CI) turns the skip into a failure.
func requireNodeSDK(t *testing.T) string {
	t.Helper()
	missing := func(why string) {
		msg := why + "; run: npm ci --prefix " + nodeSDKDir
		if os.Getenv("LSMOCK_REQUIRE_NODE_SDK") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node is not on PATH")
	}
	if _, err := os.Stat(filepath.Join(nodeSDKDir, "node_modules", "@licensespring", "node-sdk")); err != nil {
		missing("the LicenseSpring Node SDK is not installed")
	}
	return node
}

// TestNodeSDK points the real LicenseSpring Node SDK at lsmock: it must not be able to tell
// lsmock from the API.
func TestNodeSDK(t *testing.T) {
	t.Parallel()
	node := requireNodeSDK(t)
	srv := startDefault(t)

	// A real SDK cannot add headers: its API key is its session.
	req, err := http.NewRequest(http.MethodPut, srv.URL+"/__lsmock/sessions/sdk-pinned-key/scenario",
		strings.NewReader(`{"name":"internal_error"}`))
	require.NoError(t, err)
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	cases := []struct {
		name    string
		apiPath string
		env     []string
		want    string
	}{
		{name: "changePassword returns true", apiPath: srv.URL + "/api/v4", want: `{"result":true}`},
		{name: "a vendor error reaches the caller as it is", apiPath: srv.URL + "/api/v3",
			want: `{"error":{"status":404,"code":"not_found","message":"Not found"}}`},
		{name: "not allowed by username", apiPath: srv.URL + "/api/v4", env: []string{"LSMOCK_USERNAME=someone@not-allowed.example"},
			want: `{"error":{"status":400,"code":"change_password_not_allowed","message":"Change password not allowed for the company"}}`},
		{name: "scenario pinned to the SDK's API key", apiPath: srv.URL + "/api/v4", env: []string{"LSMOCK_API_KEY=sdk-pinned-key"},
			want: `{"error":{"status":500,"code":"internal_error","message":"Internal server error"}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.JSONEq(t, tc.want, runNodeSDK(t, node, tc.apiPath, tc.env...))
		})
	}
}

func runNodeSDK(t *testing.T, node, apiPath string, env ...string) string {
	t.Helper()
	cmd := exec.Command(node, "change_password.js")
	cmd.Dir = nodeSDKDir
	cmd.Env = append(append(os.Environ(), "LSMOCK_API_PATH="+apiPath), env...)
	out, err := cmd.Output()
	require.NoError(t, err, "node: %s", out)
	var got any
	require.NoError(t, json.Unmarshal(out, &got), "node printed: %s", out)
	return string(out)
}

// TestNodeSDKStrictSigning: a strict lsmock that knows the SDK's key accepts its signature,
// refuses a wrong shared key, and refuses a Date 16 minutes old.
func TestNodeSDKStrictSigning(t *testing.T) {
	t.Parallel()
	node := requireNodeSDK(t)
	keys := []mockserver.Key{{APIKey: "sdk-key", SharedKey: "sdk-shared"}}
	start := func(skew time.Duration) string {
		clock := func() time.Time { return time.Now().Add(skew) }
		srv := startConfig(t, mockserver.Config{Auth: mockserver.Auth{Mode: "strict", Keys: keys}, Clock: clock})
		return srv.URL + "/api/v4"
	}
	onTime, late := start(0), start(16*time.Minute)
	cases := []struct {
		name, apiPath string
		env           []string
		want          string
	}{
		{"right shared key", onTime, []string{"LSMOCK_API_KEY=sdk-key", "LSMOCK_SHARED_KEY=sdk-shared"}, `{"result":true}`},
		{"wrong shared key", onTime, []string{"LSMOCK_API_KEY=sdk-key", "LSMOCK_SHARED_KEY=nope"},
			`{"error":{"status":400,"code":"signature_mismatch","message":"signature mismatch"}}`},
		{"unknown key", onTime, []string{"LSMOCK_API_KEY=other", "LSMOCK_SHARED_KEY=sdk-shared"},
			`{"error":{"status":400,"code":"invalid_api_key","message":"provided api key is not valid"}}`},
		{"Date 16 minutes old", late, []string{"LSMOCK_API_KEY=sdk-key", "LSMOCK_SHARED_KEY=sdk-shared"},
			`{"error":{"status":400,"code":"date_header_diff","message":"date header differs from server time by more than 15 minutes"}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.JSONEq(t, tc.want, runNodeSDK(t, node, tc.apiPath, tc.env...))
		})
	}
}
