package cli_test

import (
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/auth"
	"github.com/lsmock/lsmock/mockserver"
)

// recordCanary is a secret that must reach no recorded file: a password, an API key and a
// shared key.
const recordCanary = "Rec-Canary-7f3a"

// exchange is one request and the answer a test saw.
type exchange struct {
	method, target, body string
	status               int
	answer               string
}

func send(t *testing.T, base string, x *exchange) {
	t.Helper()
	req, err := http.NewRequest(x.method, base+x.target, strings.NewReader(x.body))
	require.NoError(t, err)
	date := time.Now().UTC().Format(http.TimeFormat)
	req.Header.Set("Date", date)
	req.Header.Set("Authorization", auth.HeaderValue(recordCanary, recordCanary, date))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	x.status, x.answer = resp.StatusCode, string(b)
}

// upstream is lsmock with its embedded defaults, for the proxy to stand in front of.
func upstream(t *testing.T, tls bool) *httptest.Server {
	t.Helper()
	h, err := mockserver.New(mockserver.Config{})
	require.NoError(t, err)
	srv := httptest.NewUnstartedServer(h)
	if tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv
}

// writeCA writes a TLS test server's certificate as a PEM file, for --target-ca.
func writeCA(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "upstream-ca.pem")
	require.NoError(t, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600))
	return path
}

// TestProxyRecordsWhatServeReplays: lsmock proxy in front of a server over HTTPS records
// each distinct answer; lint accepts the recording; lsmock serve --scenarios replays it, the
// same requests getting the same status and body; no secret of the traffic is in the files.
func TestProxyRecordsWhatServeReplays(t *testing.T) {
	t.Parallel()
	upstream := upstream(t, true)
	dir := filepath.Join(t.TempDir(), "recorded")
	junit := filepath.Join(t.TempDir(), "junit.xml")
	base, logs, stop := startInProcess(t, nil, "proxy", "--addr", "127.0.0.1:0", "--target", upstream.URL,
		"--target-ca", writeCA(t, upstream), "--record", dir, "--junit", junit)

	exchanges := []*exchange{
		{method: http.MethodPost, target: "/api/v4/change_password", body: `{"username":"u@example.com","password":"` + recordCanary + `","new_password":"` + recordCanary + `"}`},
		{method: http.MethodPost, target: "/api/v4/change_password", body: `{"username":"x@not-allowed.example","password":"` + recordCanary + `","new_password":"n"}`},
		{method: http.MethodPost, target: "/api/v4/change_password", body: `{"username":"u@example.com","password":"` + recordCanary + `"}`},
		{method: http.MethodGet, target: "/api/v4/product_details?product=demo"},
		{method: http.MethodPost, target: "/api/v4/activate_license", body: `{"license_key":"DEMO-PERP-0000-0001","product":"demo","hardware_id":"hw-recorded-1"}`},
	}
	for _, x := range exchanges {
		send(t, base, x)
	}
	assert.Equal(t, []int{200, 400, 400, 200, 200}, []int{exchanges[0].status, exchanges[1].status, exchanges[2].status, exchanges[3].status, exchanges[4].status})
	require.Equal(t, 0, stop(), logs.String())

	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	require.NoError(t, err)
	assert.Len(t, files, 3, "one file per operation: changePassword, productDetails, activateLicense")
	var all strings.Builder
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		all.Write(b)
	}
	assert.NotContains(t, all.String(), recordCanary, "no password, API key or signature recorded")
	assert.NotContains(t, all.String(), "DEMO-PERP-0000-0001", "license keys only with --record-keep-ids")
	assert.NotContains(t, all.String(), "hw-recorded-1", "hardware ids only with --record-keep-ids")
	assert.Contains(t, all.String(), "recorded_change_password_not_allowed")

	code, stdout, stderr := runCLI(t, nil, "lint", "--scenarios", dir)
	require.Equal(t, 0, code, "lint accepts the recording: %s%s", stdout, stderr)

	replay, _, stopReplay := serveInProcess(t, nil, "--addr", "127.0.0.1:0", "--scenarios", dir)
	for _, x := range exchanges[:4] {
		again := &exchange{method: x.method, target: x.target, body: x.body}
		send(t, replay, again)
		assert.Equal(t, x.status, again.status, "%s %s", x.target, x.body)
		assert.Equal(t, x.answer, again.answer, "%s %s", x.target, x.body)
	}
	assert.Equal(t, 0, stopReplay())

	report, err := os.ReadFile(junit)
	require.NoError(t, err)
	assert.Contains(t, string(report), `<testsuite name="contract drift `+upstream.URL+`" tests="1" failures="0">`)
}

// TestProxyDriftInJUnit: a drifting target fails the JUnit report's drift suite.
func TestProxyDriftInJUnit(t *testing.T) {
	t.Parallel()
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTeapot)
		_, _ = io.WriteString(w, `{"status":418,"code":"teapot","message":"short and stout"}`)
	}))
	t.Cleanup(upstream.Close)
	junit := filepath.Join(t.TempDir(), "junit.xml")
	base, _, stop := startInProcess(t, nil, "proxy", "--addr", "127.0.0.1:0", "--target", upstream.URL, "--junit", junit)
	x := &exchange{method: http.MethodPost, target: "/api/v4/change_password", body: `{"username":"u@example.com","password":"p","new_password":"n"}`}
	send(t, base, x)
	assert.Equal(t, http.StatusTeapot, x.status)
	require.Equal(t, 0, stop())
	report, err := os.ReadFile(junit)
	require.NoError(t, err)
	assert.Contains(t, string(report), `failures="2"`)
	assert.Contains(t, string(report), `answer: status 418 is not documented for changePassword`)
}

func TestProxyFlagErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{nil, nil, "--target URL is required"},
		{[]string{"--target", "ftp://x"}, nil, "want an http:// or https:// URL"},
		{[]string{"--target", "ftp://ci:" + recordCanary + "@x"}, nil, "--target ftp://ci:xxxxx@x: want an http://"},
		{[]string{"--target", "http://ci:" + recordCanary + "%zz@x"}, nil, "--target: not a URL"},
		{[]string{"--target", "http://127.0.0.1:1", "--watch"}, nil, "--watch is for lsmock serve"},
		{[]string{"--target", "http://127.0.0.1:1", "--target-ca", "/no/such/ca.pem"}, nil, "--target-ca"},
		{[]string{"--target", "http://127.0.0.1:1", "--upstream-timeout", "0s"}, nil, "--upstream-timeout 0s: want a duration above zero"},
		{[]string{"--target", "http://127.0.0.1:1"}, map[string]string{"LSMOCK_UPSTREAM_TIMEOUT": "soon"}, `LSMOCK_UPSTREAM_TIMEOUT="soon" is not a valid --upstream-timeout`},
	} {
		code, _, stderr := runCLI(t, tc.env, append([]string{"proxy", "--addr", "127.0.0.1:0"}, tc.args...)...)
		assert.Equal(t, 2, code, "%v", tc.args)
		assert.Contains(t, stderr, tc.want, "%v", tc.args)
		assert.NotContains(t, stderr, recordCanary, "a password in the target's userinfo is never repeated")
	}
}

// TestUsageHidesSecretsFromTheEnvironment: usage (--help, or a flag error) does not print
// the secrets it read from the environment as flags' defaults.
func TestUsageHidesSecretsFromTheEnvironment(t *testing.T) {
	t.Parallel()
	env := map[string]string{"LSMOCK_TARGET": "http://ci:" + recordCanary + "@x", "LSMOCK_API_KEY": recordCanary,
		"LSMOCK_SHARED_KEY": recordCanary, "LSMOCK_CLIENT_ID": recordCanary, "LSMOCK_CLIENT_SECRET": recordCanary,
		"LSMOCK_ADMIN_TOKEN": recordCanary}
	for _, args := range [][]string{{"proxy", "--help"}, {"proxy", "--nope"}, {"serve", "--help"}, {"verify", "--help"}, {"sign", "--help"}} {
		_, stdout, stderr := runCLI(t, env, args...)
		require.Contains(t, stderr, "--shared-key", "%v prints usage", args)
		assert.NotContains(t, stdout+stderr, recordCanary, "%v", args)
	}
}

// TestProxyTargetPasswordHidden: a --target with a password in its userinfo is shown with the
// password hidden in the start log, the recordings, the JUnit suite and the JSON report.
func TestProxyTargetPasswordHidden(t *testing.T) {
	t.Parallel()
	upstream := upstream(t, false)
	target := strings.Replace(upstream.URL, "://", "://ci:"+recordCanary+"@", 1)
	shown := strings.Replace(upstream.URL, "://", "://ci:xxxxx@", 1)
	dir := t.TempDir()
	recorded, junit, report := filepath.Join(dir, "recorded"), filepath.Join(dir, "junit.xml"), filepath.Join(dir, "report.json")
	base, logs, stop := startInProcess(t, nil, "proxy", "--addr", "127.0.0.1:0", "--target", target,
		"--record", recorded, "--junit", junit, "--report", report)
	x := &exchange{method: http.MethodGet, target: "/api/v4/product_details?product=demo"}
	send(t, base, x)
	require.Equal(t, http.StatusOK, x.status, x.answer)
	require.Equal(t, 0, stop(), logs.String())

	outputs := map[string]string{"log": logs.String()}
	for _, f := range []string{filepath.Join(recorded, "productDetails.yaml"), junit, report} {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		outputs[f] = string(b)
	}
	for name, out := range outputs {
		assert.Contains(t, out, shown, "%s shows the target", name)
		assert.NotContains(t, out, recordCanary, "%s hides its password", name)
	}
}

// TestRecordKeepIDs: --record-keep-ids keeps license keys and hardware ids (secrets still go).
func TestRecordKeepIDs(t *testing.T) {
	t.Parallel()
	upstream := upstream(t, false)
	dir := filepath.Join(t.TempDir(), "recorded")
	base, _, stop := startInProcess(t, nil, "proxy", "--addr", "127.0.0.1:0", "--target", upstream.URL, "--record", dir, "--record-keep-ids")
	x := &exchange{method: http.MethodPost, target: "/api/v4/activate_license", body: `{"license_key":"DEMO-PERP-0000-0001","product":"demo","hardware_id":"hw-kept"}`}
	send(t, base, x)
	require.Equal(t, http.StatusOK, x.status, x.answer)
	require.Equal(t, 0, stop())
	b, err := os.ReadFile(filepath.Join(dir, "activateLicense.yaml"))
	require.NoError(t, err)
	assert.Contains(t, string(b), "DEMO-PERP-0000-0001")
	assert.Contains(t, string(b), "hw-kept")
	assert.Contains(t, string(b), `"license_signature":"[redacted]"`, "a signature is a secret all the same")
	assert.NotContains(t, string(b), recordCanary)
}

// TestRecordingOfOddCodesLoads: a target that answers the same code under two statuses, a
// code with '/', and a code that is no name at all still yields a folder lint accepts and
// serve loads: every scenario name is valid and unique in its operation.
func TestRecordingOfOddCodesLoads(t *testing.T) {
	t.Parallel()
	answers := map[string]struct {
		status int
		code   string
	}{
		"a@example.com": {400, "same_code"},
		"b@example.com": {403, "same_code"},
		"c@example.com": {400, "bad/code"},
		"d@example.com": {400, "../../é code"},
		"e@example.com": {404, "same_code_403"}, // its name is the one the second same_code took
	}
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Username string `json:"username"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		a := answers[req.Username]
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.status)
		_ = json.NewEncoder(w).Encode(map[string]any{"status": a.status, "code": a.code, "message": "m"})
	}))
	t.Cleanup(upstream.Close)
	dir := filepath.Join(t.TempDir(), "recorded")
	base, logs, stop := startInProcess(t, nil, "proxy", "--addr", "127.0.0.1:0", "--target", upstream.URL, "--record", dir)
	for _, user := range []string{"a@example.com", "b@example.com", "c@example.com", "d@example.com", "e@example.com"} {
		x := &exchange{method: http.MethodPost, target: "/api/v4/change_password", body: `{"username":"` + user + `","password":"p","new_password":"n"}`}
		send(t, base, x)
		require.Equal(t, answers[user].status, x.status, x.answer)
	}
	require.Equal(t, 0, stop(), logs.String())

	b, err := os.ReadFile(filepath.Join(dir, "changePassword.yaml"))
	require.NoError(t, err)
	for _, name := range []string{"recorded_same_code", "recorded_same_code_403", "recorded_bad_code", "recorded_.._..____code", "recorded_same_code_403_404"} {
		assert.Contains(t, string(b), "name: "+name+"\n")
	}
	code, stdout, stderr := runCLI(t, nil, "lint", "--scenarios", dir)
	require.Equal(t, 0, code, "lint accepts the recording: %s%s", stdout, stderr)
	replay, replayLogs, stopReplay := serveInProcess(t, nil, "--addr", "127.0.0.1:0", "--scenarios", dir)
	x := &exchange{method: http.MethodPost, target: "/api/v4/change_password?__scenario=recorded_bad_code", body: `{"username":"c@example.com","password":"p","new_password":"n"}`}
	send(t, replay, x)
	assert.Equal(t, http.StatusBadRequest, x.status)
	assert.JSONEq(t, `{"status":400,"code":"bad/code","message":"m"}`, x.answer)
	assert.Equal(t, 0, stopReplay(), replayLogs.String())
}
