package lsmock_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNodeSDKReleases runs the real Node SDK's device variables, versions and installation
// file calls (testdata/nodesdk/releases.js) against lsmock serving its embedded defaults,
// the SDK given only lsmock's URL and public key: it verifies every answer's signature.
func TestNodeSDKReleases(t *testing.T) {
	t.Parallel()
	node := requireNodeSDK(t)
	srv := startDefault(t)
	got := runNodeScript(t, node, "releases.js", "LSMOCK_API_PATH="+srv.URL+"/api/v4", "LSMOCK_PUBLIC_KEY="+string(publicKey),
		"LSMOCK_API_KEY=sdk-releases")
	want := []string{
		`{"step":"versions before activating","error":{"status":400,"code":"active_license_required","message":"active license is required"}}`,
		`{"step":"activate","result":"DEMO-PERP-0000-0001"}`,
		`{"step":"track variables","result":[["cores","8"],["os","linux"]]}`,
		`{"step":"get variables","result":[["cores","8"],["os","linux"]]}`,
		`{"step":"versions","result":["1.0.0","1.1.0"]}`,
		`{"step":"installation file","result":{"version":"1.1.0","installation_file":"https://downloads.example.com/demo/demo-1.1.0-win64.zip","hash_md5":"9e107d9d372bb6826bd81d3542a419d6"}}`,
		`{"step":"installation file of 1.0.0","result":"1.0.0"}`,
		`{"step":"unknown version","error":{"status":400,"code":"version_not_found","message":"version not found"}}`,
	}
	require.Len(t, got, len(want), "%s", strings.Join(got, "\n"))
	for i := range want {
		assert.JSONEq(t, want[i], got[i])
	}
}
