package lsmock_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/cli"
	"github.com/lsmock/lsmock/internal/oauth"
	"github.com/lsmock/lsmock/internal/testutil"
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

// runNodeFlow runs a flow of testdata/nodesdk/license_flow.js against apiPath with publicKey
// and returns its lines, one per step.
func runNodeFlow(t *testing.T, node, apiPath, publicKey, flow, apiKey string) []string {
	t.Helper()
	return runNodeFlowEnv(t, node, apiPath, publicKey, flow, "LSMOCK_API_KEY="+apiKey)
}

// runNodeFlowEnv is runNodeFlow with the SDK's credentials given as environment variables
// (license_flow.js credentials()).
func runNodeFlowEnv(t *testing.T, node, apiPath, publicKey, flow string, env ...string) []string {
	t.Helper()
	return runNodeScript(t, node, "license_flow.js", append([]string{"LSMOCK_API_PATH=" + apiPath, "LSMOCK_PUBLIC_KEY=" + publicKey,
		"LSMOCK_FLOW=" + flow}, env...)...)
}

// runNodeScript runs a script of testdata/nodesdk with env (and a directory of its own for the
// SDK's license file, LSMOCK_DIR) and returns its JSON lines, one per step (steps.js).
func runNodeScript(t *testing.T, node, script string, env ...string) []string {
	t.Helper()
	cmd := exec.Command(node, script)
	cmd.Dir = nodeSDKDir
	cmd.Env = append(append(os.Environ(), "LSMOCK_DIR="+t.TempDir()), env...)
	out, err := cmd.Output()
	require.NoError(t, err, "node: %s", out)
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if strings.HasPrefix(l, "{") {
			lines = append(lines, l)
		}
	}
	return lines
}

// TestNodeSDKLicenseFlow runs the real Node SDK's license flows against lsmock, configured
// with lsmock's public key as an SDK team would: activate, check and deactivate a key-based
// and a user-based license, a trial, the errors the SDK must handle, and tampered answers it
// must refuse. The SDK verifies every signature (LicenseSignature over JSON.stringify of the
// body, license_signature over the request's device and key).
func TestNodeSDKLicenseFlow(t *testing.T) {
	t.Parallel()
	node := requireNodeSDK(t)
	srv := startDefault(t)
	apiPath := srv.URL + "/api/v4"
	key := string(publicKey)
	for _, pin := range []struct{ session, scenario string }{
		{"sdk-tampered", "activateLicense/tampered_signature"},
		{"sdk-unsigned", "activateLicense/missing_signature"},
	} {
		status, _ := admin(t, srv, http.MethodPut, "/__lsmock/sessions/"+pin.session+"/scenario", `{"name":"`+pin.scenario+`"}`)
		require.Equal(t, http.StatusOK, status)
	}
	cases := []struct {
		flow, apiKey string
		want         []string
	}{
		{"key", "sdk-key", []string{
			`{"step":"activate","result":{"license_key":"DEMO-PERP-0000-0001","times_activated":1,"license_type":"perpetual","is_trial":false}}`,
			`{"step":"check","result":{"license_key":"DEMO-PERP-0000-0001","times_activated":1,"license_type":"perpetual","is_trial":false}}`,
			`{"step":"deactivate","result":false}`,
			`{"step":"check after deactivate","error":{"status":400,"code":"license_not_active","message":"license is not active"}}`,
		}},
		{"user", "sdk-user", []string{
			`{"step":"activate","result":{"user":"demo-user@example.com","times_activated":1,"license_type":"perpetual","is_trial":false}}`,
			`{"step":"check","result":{"user":"demo-user@example.com","times_activated":1,"license_type":"perpetual","is_trial":false}}`,
			`{"step":"deactivate","result":false}`,
			`{"step":"wrong password","error":{"status":400,"code":"invalid_credentials","message":"user or password is wrong"}}`,
		}},
		{"errors", "sdk-errors", []string{
			`{"step":"unknown key","error":{"status":400,"code":"license_not_found","message":"license with provided license_key not found"}}`,
			`{"step":"disabled","error":{"status":400,"code":"license_not_enabled","message":"license is not enabled"}}`,
			`{"step":"expired","error":{"status":400,"code":"license_expired","message":"license has expired"}}`,
			`{"step":"not activated","error":{"status":400,"code":"license_not_active","message":"license is not active"}}`,
			`{"step":"unknown product","error":{"status":400,"code":"unknown_product","message":"product with provided code not found"}}`,
			`{"step":"activate on hw-a","result":{"license_key":"DEMO-PERP-0000-0001","times_activated":1,"license_type":"perpetual","is_trial":false}}`,
			`{"step":"activate on hw-b","result":{"license_key":"DEMO-PERP-0000-0001","times_activated":2,"license_type":"perpetual","is_trial":false}}`,
			`{"step":"activate on hw-c","result":{"license_key":"DEMO-PERP-0000-0001","times_activated":3,"license_type":"perpetual","is_trial":false}}`,
			`{"step":"activate on hw-d","error":{"status":400,"code":"license_activated_max_times","message":"license has been activated the maximum number of times"}}`,
		}},
		{"product", "sdk-product", []string{`{"step":"product details","result":"demo"}`}},
		{"unicode", "sdk-unicode", unicodeSteps()},
		{"once", "sdk-tampered", []string{
			`{"step":"activate","error":{"status":400,"code":"signature_v2_mismatch","message":"Signature v2 does not match"}}`,
		}},
		{"once", "sdk-unsigned", []string{
			`{"step":"activate","error":{"status":500,"code":"internal_server_error","message":"Internal server error"}}`,
		}},
	}
	for _, tc := range cases {
		t.Run(tc.flow+"/"+tc.apiKey, func(t *testing.T) {
			t.Parallel()
			got := runNodeFlow(t, node, apiPath, key, tc.flow, tc.apiKey)
			require.Len(t, got, len(tc.want), "%s", strings.Join(got, "\n"))
			for i := range tc.want {
				assert.JSONEq(t, tc.want[i], got[i])
			}
		})
	}

	t.Run("trial", func(t *testing.T) {
		t.Parallel()
		got := runNodeFlow(t, node, apiPath, key, "trial", "sdk-trial")
		require.Len(t, got, 3, "%s", strings.Join(got, "\n"))
		var trial struct{ Result string }
		require.NoError(t, json.Unmarshal([]byte(got[0]), &trial))
		require.Regexp(t, `^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$`, trial.Result)
		assert.JSONEq(t, `{"step":"activate trial","result":{"license_key":"`+trial.Result+`","times_activated":1,"license_type":"perpetual","is_trial":true}}`, got[1])
		assert.JSONEq(t, `{"step":"trial again","result":{"license_type":"perpetual","is_trial":true,"license":"`+trial.Result+`"}}`, got[2])
	})
}

// unicodeSteps are the unicode flow's steps: each device's activation and check succeed, the
// SDK having checked license_signature over its own toLowerCase().
func unicodeSteps() []string {
	var steps []string
	for i, hw := range []string{"İSTANBUL-1", "ΟΔΟΣ-ΣΑΣ", "ΑΣ.Β", "ΑΣ\u0301"} {
		summary := fmt.Sprintf(`{"license_key":"DEMO-UNLM-0000-0005","times_activated":%d,"license_type":"perpetual","is_trial":false}`, i+1)
		steps = append(steps, `{"step":"activate on `+hw+`","result":`+summary+`}`, `{"step":"check on `+hw+`","result":`+summary+`}`)
	}
	return steps
}

// TestNodeSDKCatchesBrokenSigning shows that the flow test above would fail if lsmock's
// signing broke: with answers signed by another key, or written in JSON that
// JSON.stringify does not give back byte for byte, the real SDK refuses them.
func TestNodeSDKCatchesBrokenSigning(t *testing.T) {
	t.Parallel()
	node := requireNodeSDK(t)
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(other)
	require.NoError(t, err)
	wrongKey := startConfig(t, mockserver.Config{SigningKey: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})})
	got := runNodeFlow(t, node, wrongKey.URL+"/api/v4", string(publicKey), "once", "sdk-wrong-key")
	require.NotEmpty(t, got)
	assert.JSONEq(t, `{"step":"activate","error":{"status":401,"code":"license_signature_invalid","message":"Received license_signature is invalid"}}`, got[0],
		"signed with a key the SDK does not hold")

	escaped := startConfig(t, mockserver.Config{Files: mockserver.Files{Scenarios: os.DirFS("testdata/noncanonical"), ScenariosName: "testdata/noncanonical"}})
	for session, scenario := range map[string]string{"sdk-canonical": "canonical", "sdk-escaped": "html_escaped"} {
		status, _ := admin(t, escaped, http.MethodPut, "/__lsmock/sessions/"+session+"/scenario", `{"name":"`+scenario+`"}`)
		require.Equal(t, http.StatusOK, status)
	}
	assert.Equal(t, []string{`{"step":"product details","result":"demo"}`},
		runNodeFlow(t, node, escaped.URL+"/api/v4", string(publicKey), "product", "sdk-canonical"), "canonical JSON, signed over its bytes: accepted")
	assert.Equal(t, []string{`{"step":"product details","error":{"status":400,"code":"signature_v2_mismatch","message":"Signature v2 does not match"}}`},
		runNodeFlow(t, node, escaped.URL+"/api/v4", string(publicKey), "product", "sdk-escaped"), `the same value with & escaped as \u0026: refused`)
}

// TestNodeSDKLicenseLife runs the rest of an app's license life with the real Node SDK: a
// consumption license used until it runs out, a feature checked and consumed and a floating
// feature's seat, a floating license borrowed, refused to a second device and released, a
// user-based license listed, its password changed and used, and an OAuth-configured client
// against a strict lsmock that knows no API key at all. Each flow has its own session, so
// they run in parallel on one lsmock.
func TestNodeSDKLicenseLife(t *testing.T) {
	t.Parallel()
	node := requireNodeSDK(t)
	srv := startConfig(t, mockserver.Config{Auth: mockserver.Auth{Mode: "format", Keys: []mockserver.Key{{APIKey: testAPIKey, SharedKey: testSharedKey}}}})
	key := string(publicKey)
	errLine := func(step, code, message string) string {
		return `{"step":"` + step + `","error":{"status":400,"code":"` + code + `","message":"` + message + `"}}`
	}
	cases := []struct {
		flow string
		want []string
	}{
		{"consumption", []string{
			`{"step":"activate","result":{"license_key":"DEMO-CONS-0000-0006","times_activated":1,"license_type":"consumption","is_trial":false}}`,
			`{"step":"use 2 and check","result":{"total":2,"max":5}}`,
			`{"step":"use 3 and check","result":{"total":5,"max":5}}`,
			errLine("use 1 and check", "license_not_enough_consumptions", "Not enough consumptions left"),
		}},
		{"features", []string{
			`{"step":"activate","result":{"license_key":"DEMO-FEAT-0000-0007","times_activated":1,"license_type":"perpetual","is_trial":false}}`,
			`{"step":"check credits","result":10}`,
			`{"step":"use 4 credits","result":4}`,
			`{"step":"credits checked","result":4}`,
			errLine("use 7 more", "feature_not_enough_consumptions", "Not enough consumptions left"),
			errLine("check a feature it lacks", "unsupported_product_feature", "product feature is not supported by the license"),
			`{"step":"take the seat","result":true}`,
			`{"step":"activate device 2","result":{"license_key":"DEMO-FEAT-0000-0007","times_activated":2,"license_type":"perpetual","is_trial":false}}`,
			errLine("seat taken", "floating_not_available", "maximum number of floating users reached"),
			`{"step":"release the seat","result":true}`,
			`{"step":"seat free","result":true}`,
		}},
		{"floating", []string{
			`{"step":"activate","result":{"license_key":"DEMO-FLOT-0000-0008","times_activated":1,"license_type":"perpetual","is_trial":false}}`,
			`{"step":"check","result":{"in_use":1,"users":1}}`,
			`{"step":"borrow","result":true}`,
			`{"step":"activate device 2","result":{"license_key":"DEMO-FLOT-0000-0008","times_activated":2,"license_type":"perpetual","is_trial":false}}`,
			errLine("check device 2", "floating_not_available", "maximum number of floating users reached"),
			`{"step":"release","result":true}`,
			`{"step":"check device 2 again","result":1}`,
		}},
		{"users", []string{
			`{"step":"user licenses","result":[{"product":"demo-users","user":"demo-user@example.com"}]}`,
			`{"step":"activate","result":{"user":"demo-user@example.com","times_activated":1,"license_type":"perpetual","is_trial":false}}`,
			`{"step":"change password","result":true}`,
			errLine("activate with the old password", "invalid_credentials", "user or password is wrong"),
			`{"step":"activate with the new password","result":{"user":"demo-user@example.com","times_activated":2,"license_type":"perpetual","is_trial":false}}`,
			`{"step":"user licenses, new password","result":1}`,
		}},
	}
	for _, tc := range cases {
		t.Run(tc.flow, func(t *testing.T) {
			t.Parallel()
			got := runNodeFlowEnv(t, node, srv.URL+"/api/v4", key, tc.flow, "LSMOCK_API_KEY=sdk-"+tc.flow,
				"LSMOCK_SHARED_KEY="+testSharedKey)
			require.Len(t, got, len(tc.want), "%s", strings.Join(got, "\n"))
			for i := range tc.want {
				assert.JSONEq(t, tc.want[i], got[i])
			}
		})
	}

	t.Run("oauth", func(t *testing.T) {
		t.Parallel()
		const clientID, secret = "node-client", "node-client-secret"
		strict := startConfig(t, mockserver.Config{Auth: mockserver.Auth{Mode: "strict", Clients: []mockserver.Client{{ID: clientID, Secret: secret}}}})
		run := func(secret string) []string {
			return runNodeFlowEnv(t, node, strict.URL+"/api/v4", key, "oauth", "LSMOCK_TOKEN_URL="+strict.URL+oauth.TokenPath,
				"LSMOCK_CLIENT_ID="+clientID, "LSMOCK_CLIENT_SECRET="+secret)
		}
		got := run(secret)
		require.Len(t, got, 2, "%s", strings.Join(got, "\n"))
		assert.JSONEq(t, `{"step":"activate","result":{"license_key":"DEMO-UNLM-0000-0005","times_activated":1,"license_type":"perpetual","is_trial":false}}`, got[0])
		assert.JSONEq(t, `{"step":"check","result":{"license_key":"DEMO-UNLM-0000-0005","times_activated":1,"license_type":"perpetual","is_trial":false}}`, got[1])
		_, journal := admin(t, strict, http.MethodGet, "/__lsmock/requests?session="+clientID, "")
		assert.Contains(t, string(journal), `"Authorization":"Bearer [redacted]"`, "the SDK signed in with the token")
		assert.Contains(t, string(journal), `"operation":"oauthToken"`)

		got = run("wrong-secret")
		assert.Equal(t, []string{`{"step":"activate","error":{"name":"AxiosError","message":"Request failed with status code 401"}}`}, got,
			"a wrong client secret gets no token (the SDK reports the token endpoint's 401 as it comes)")
	})
}

// TestNodeSDKOverHTTPS: lsmock serve --tls, and the Node SDK trusting its CA through
// NODE_EXTRA_CA_CERTS as the README says; without it the SDK refuses the certificate.
func TestNodeSDKOverHTTPS(t *testing.T) {
	t.Parallel()
	node := requireNodeSDK(t)
	caFile := filepath.Join(t.TempDir(), "lsmock-ca.pem")
	ctx, cancel := context.WithCancel(context.Background())
	addrc, done := make(chan net.Addr, 1), make(chan int, 1)
	var logs testutil.Buffer
	go func() {
		done <- cli.Run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--tls", "--ca-file", caFile},
			cli.Env{Stdout: io.Discard, Stderr: &logs, Getenv: func(string) string { return "" }, OnListen: func(a net.Addr) { addrc <- a }})
	}()
	t.Cleanup(func() { cancel(); <-done })
	var apiPath string
	select {
	case a := <-addrc:
		apiPath = "https://" + a.String() + "/api/v4"
	case code := <-done:
		t.Fatalf("serve exited with %d: %s", code, logs.String())
	}
	assert.JSONEq(t, `{"result":true}`, runNodeSDK(t, node, apiPath, "NODE_EXTRA_CA_CERTS="+caFile))
	// Without it the SDK refuses the certificate, and reports that as it reports any answer-less
	// failure: internal_server_error.
	assert.JSONEq(t, `{"error":{"status":500,"code":"internal_server_error","message":"Internal server error"}}`, runNodeSDK(t, node, apiPath))
}

// TestNodeSDKThroughProxy: the Node SDK's changePassword through lsmock proxy to a server
// over HTTPS: the SDK gets the server's answer, and the proxy saw it honour the contract.
func TestNodeSDKThroughProxy(t *testing.T) {
	t.Parallel()
	node := requireNodeSDK(t)
	var logs testutil.Buffer
	proxy, h := startProxy(t, upstreamLsmock(t), &logs)

	assert.JSONEq(t, `{"result":true}`, runNodeSDK(t, node, proxy.URL+"/api/v4"))
	assert.JSONEq(t, `{"error":{"status":400,"code":"change_password_not_allowed","message":"Change password not allowed for the company"}}`,
		runNodeSDK(t, node, proxy.URL+"/api/v4", "LSMOCK_USERNAME=someone@not-allowed.example"))
	assert.Empty(t, h.Coverage().Drift, "the exchanges honoured the contract")
	assert.Contains(t, logs.String(), `"operation":"changePassword"`)
}
