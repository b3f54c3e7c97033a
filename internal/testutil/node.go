package testutil

import (
	"os"
	"os/exec"
	"testing"
)

// Node is the path of node, for tests that hold lsmock to JavaScript itself. Without node
// the test skips, unless LSMOCK_REQUIRE_NODE_SDK=1 (CI) turns the skip into a failure.
func Node(t testing.TB) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("LSMOCK_REQUIRE_NODE_SDK") == "1" {
			t.Fatal("node is not on PATH")
		}
		t.Skip("node is not on PATH")
	}
	return node
}
