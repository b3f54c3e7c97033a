package lsmock_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNodeSDKClock runs the time examples of docs/testing-time.md with the real Node SDK
// (testdata/nodesdk/clock.js) against one lsmock, each flow in its own session (its API key)
// in parallel: each moves its own session's clock, never another's.
func TestNodeSDKClock(t *testing.T) {
	t.Parallel()
	node := requireNodeSDK(t)
	srv := startDefault(t)
	errLine := func(step, code, message string) string {
		return `{"step":"` + step + `","error":{"status":400,"code":"` + code + `","message":"` + message + `"}}`
	}
	cases := []struct {
		flow string
		want []string
	}{
		{"time", []string{
			`{"step":"activate","result":"time-limited"}`,
			`{"step":"check","result":"DEMO-TIME-0000-0002"}`,
			`{"step":"advance 31d","result":"session"}`,
			errLine("check after 31 days", "license_expired", "license has expired"),
			`{"step":"another session activates","result":"time-limited"}`,
			`{"step":"another session checks","result":"DEMO-TIME-0000-0002"}`,
		}},
		{"floating", []string{
			`{"step":"activate device 1","result":true}`,
			`{"step":"activate device 2","result":true}`,
			`{"step":"device 1 takes the seat","result":1}`,
			errLine("device 2 is refused", "floating_not_available", "maximum number of floating users reached"),
			`{"step":"advance 10m","result":"session"}`,
			`{"step":"device 2 takes the freed seat","result":1}`,
		}},
		{"trial", []string{
			`{"step":"activate trial","result":true}`,
			`{"step":"advance 13d","result":"session"}`,
			`{"step":"check on day 13","result":true}`,
			`{"step":"advance 1d","result":"session"}`,
			errLine("check on day 14", "trial_expired", "trial period for device has expired"),
		}},
	}
	for _, tc := range cases {
		t.Run(tc.flow, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(node, "clock.js")
			cmd.Dir = nodeSDKDir
			cmd.Env = append(os.Environ(), "LSMOCK_URL="+srv.URL, "LSMOCK_PUBLIC_KEY="+string(publicKey),
				"LSMOCK_FLOW="+tc.flow, "LSMOCK_API_KEY=sdk-clock-"+tc.flow, "LSMOCK_DIR="+t.TempDir())
			out, err := cmd.Output()
			require.NoError(t, err, "node: %s", out)
			var got []string
			for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				if strings.HasPrefix(l, "{") && !strings.Contains(l, `"step":"trial key"`) { // a generated key
					got = append(got, l)
				}
			}
			require.Len(t, got, len(tc.want), "%s", strings.Join(got, "\n"))
			for i := range tc.want {
				assert.JSONEq(t, tc.want[i], got[i])
			}
		})
	}
}
