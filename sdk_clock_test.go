package lsmock_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNodeSDKClock runs the time examples of docs/testing-time.md with the real Node SDK
// (testdata/nodesdk/clock.js) against one lsmock, each flow in its own session (its API key)
// in parallel: each moves its own session's clock, never another's. Each runs twice: with the
// embedded defaults' licenses, and with the license (or product) its session declares at run
// time, which another session does not see.
func TestNodeSDKClock(t *testing.T) {
	t.Parallel()
	node := requireNodeSDK(t)
	srv := startDefault(t)
	for _, licenses := range []string{"files", "runtime"} {
		for _, flow := range []string{"time", "floating", "trial"} {
			t.Run(licenses+"/"+flow, func(t *testing.T) {
				t.Parallel()
				want := clockFlowWant(flow, licenses == "runtime")
				var got []string
				for _, l := range runNodeScript(t, node, "clock.js", "LSMOCK_URL="+srv.URL, "LSMOCK_PUBLIC_KEY="+string(publicKey),
					"LSMOCK_FLOW="+flow, "LSMOCK_LICENSES="+licenses, "LSMOCK_API_KEY=sdk-clock-"+licenses+"-"+flow) {
					if !strings.Contains(l, `"step":"trial key"`) { // a generated key
						got = append(got, l)
					}
				}
				require.Len(t, got, len(want), "%s", strings.Join(got, "\n"))
				for i := range want {
					assert.JSONEq(t, want[i], got[i])
				}
			})
		}
	}
}

// clockFlowWant is what clock.js prints for a flow, with the files' licenses or its own.
func clockFlowWant(flow string, runtime bool) []string {
	errLine := func(step, code, message string) string {
		return `{"step":"` + step + `","error":{"status":400,"code":"` + code + `","message":"` + message + `"}}`
	}
	result := func(step, result string) string { return `{"step":"` + step + `","result":` + result + `}` }
	var want []string
	switch flow {
	case "time":
		key := `"DEMO-TIME-0000-0002"`
		if runtime {
			key = `"RT-TIME-0000-0002"`
			want = append(want, result("declare RT-TIME-0000-0002", key))
		}
		want = append(want,
			result("activate", `"time-limited"`),
			result("check", key),
			result("advance 31d", `"session"`),
			errLine("check after 31 days", "license_expired", "license has expired"))
		if runtime {
			want = append(want,
				errLine("another session, before it declares", "license_not_found", "license with provided license_key not found"),
				result("declare RT-TIME-0000-0002", key))
		}
		return append(want,
			result("another session activates", `"time-limited"`),
			result("another session checks", key))
	case "floating":
		if runtime {
			want = append(want, result("declare RT-FLOT-0000-0008", `"RT-FLOT-0000-0008"`))
		}
		return append(want,
			result("activate device 1", "true"),
			result("activate device 2", "true"),
			result("device 1 takes the seat", "1"),
			errLine("device 2 is refused", "floating_not_available", "maximum number of floating users reached"),
			result("advance 10m", `"session"`),
			result("device 2 takes the freed seat", "1"))
	default: // trial
		if runtime {
			want = append(want, result("declare product", `"product:rt-trial"`))
		}
		return append(want,
			result("activate trial", "true"),
			result("advance 13d", `"session"`),
			result("check on day 13", "true"),
			result("advance 1d", `"session"`),
			errLine("check on day 14", "trial_expired", "trial period for device has expired"))
	}
}
