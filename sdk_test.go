package lsmock_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock"
	"github.com/lsmock/lsmock/internal/spec"
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
	s, err := spec.Load(lsmock.DefaultSpecName, lsmock.DefaultSpec())
	require.NoError(t, err)
	srv := startServer(t, s)

	cases := []struct {
		name    string
		apiPath string
		want    string
	}{
		{name: "changePassword returns true", apiPath: srv.URL + "/api/v4", want: `{"result":true}`},
		{name: "a vendor error reaches the caller as it is", apiPath: srv.URL + "/api/v3",
			want: `{"error":{"status":404,"code":"not_found","message":"Not found"}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(node, "change_password.js")
			cmd.Dir = nodeSDKDir
			cmd.Env = append(os.Environ(), "LSMOCK_API_PATH="+tc.apiPath)
			out, err := cmd.Output()
			require.NoError(t, err, "node: %s", out)
			var got any
			require.NoError(t, json.Unmarshal(out, &got), "node printed: %s", out)
			assert.JSONEq(t, tc.want, string(out))
		})
	}
}
