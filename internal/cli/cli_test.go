package cli_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/auth"
	"github.com/lsmock/lsmock/internal/cli"
	"github.com/lsmock/lsmock/internal/signing"
	"github.com/lsmock/lsmock/internal/testutil"
)

// changePasswordRequest is a POST with the headers every SDK sends (format-mode signing).
func changePasswordRequest(url, body string) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	req.Header.Set("Authorization", `algorithm="hmac-sha256",headers="date",signature="c2ln",apikey="k"`)
	return req
}

func runCLI(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut testutil.Buffer
	code = cli.Run(context.Background(), args, cli.Env{
		Stdout: &out, Stderr: &errOut,
		Getenv: func(k string) string { return env[k] },
	})
	return code, out.String(), errOut.String()
}

func TestCommands(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		args       []string
		env        map[string]string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{name: "no args teaches usage", args: nil, wantCode: 2, wantStderr: "lsmock serve"},
		{name: "help", args: []string{"help"}, wantCode: 0, wantStdout: "Quick start"},
		{name: "version", args: []string{"version"}, wantCode: 0, wantStdout: "lsmock "},
		{name: "version takes no arguments", args: []string{"version", "extra"}, wantCode: 2, wantStderr: `takes no arguments, not "extra"`},
		{name: "help of a command lists its flags", args: []string{"help", "serve"}, wantCode: 0, wantStderr: "LSMOCK_ADDR"},
		{name: "help of an unknown command", args: []string{"help", "srve"}, wantCode: 2, wantStderr: `unknown command "srve"`},
		{name: "help of an empty word", args: []string{"help", ""}, wantCode: 0, wantStdout: "Quick start"},
		{name: "unknown command", args: []string{"srve"}, wantCode: 2, wantStderr: `unknown command "srve"`},
		{name: "serve help lists flags and env", args: []string{"serve", "--help"}, wantCode: 0, wantStderr: "LSMOCK_ADDR"},
		{name: "unknown flag", args: []string{"serve", "--nope"}, wantCode: 2, wantStderr: "flag provided but not defined: -nope"},
		{name: "stray argument", args: []string{"serve", "openapi.yaml"}, wantCode: 2, wantStderr: `unexpected argument "openapi.yaml"`},
		{name: "bad log format", args: []string{"serve", "--log-format", "xml"}, wantCode: 2, wantStderr: `--log-format "xml": want text or json`},
		{name: "bad log level from env", args: []string{"serve"}, env: map[string]string{"LSMOCK_LOG_LEVEL": "loud"}, wantCode: 2, wantStderr: `--log-level "loud"`},
		{name: "missing spec file", args: []string{"serve", "--spec", "nope.yaml"}, wantCode: 1, wantStderr: "nope.yaml"},
		{name: "broken spec names file and line", args: []string{"serve", "--spec", "../spec/testdata/bad-yaml.yaml"},
			wantCode: 1, wantStderr: "../spec/testdata/bad-yaml.yaml:9:"},
		{name: "spec from env", args: []string{"serve"}, env: map[string]string{"LSMOCK_SPEC": "../spec/testdata/bad-schema.yaml"},
			wantCode: 1, wantStderr: "bad-schema.yaml:9:"},
		{name: "scenario typo names file, line and column", args: []string{"serve", "--scenarios", "../scenario/testdata/load/typo_key"},
			wantCode: 1, wantStderr: `../scenario/testdata/load/typo_key/scenarios.yaml:5:7: unknown key "staus" in response (did you mean "status"?)`},
		{name: "scenario that breaks the spec", args: []string{"serve", "--scenarios", "../scenario/testdata/load/breaks_spec"},
			wantCode: 1, wantStderr: "breaks_spec/scenarios.yaml:5:7: response breaks openapi.yaml"},
		{name: "scenarios folder missing", args: []string{"serve", "--scenarios", "no-such-dir"}, wantCode: 2, wantStderr: "no-such-dir: not a folder"},
		{name: "bad duration from env", args: []string{"serve"}, env: map[string]string{"LSMOCK_MAX_HOLD": "soon"},
			wantCode: 2, wantStderr: `LSMOCK_MAX_HOLD="soon" is not a valid --max-hold`},
		{name: "zero timeout", args: []string{"serve", "--read-timeout", "0s"}, wantCode: 2, wantStderr: "--read-timeout 0s: want a duration above zero"},
		{name: "bad number from env", args: []string{"serve"}, env: map[string]string{"LSMOCK_JOURNAL_SIZE": "many"},
			wantCode: 2, wantStderr: `LSMOCK_JOURNAL_SIZE="many"`},
		{name: "a switch from env other than 1 or 0", args: []string{"serve", "--addr", "127.0.0.1:0"}, env: map[string]string{"LSMOCK_TLS": "true"},
			wantCode: 2, wantStderr: `LSMOCK_TLS="true" is not a valid --tls: want 1 (on) or 0 (off)`},
		{name: "zero journal size", args: []string{"serve", "--addr", "127.0.0.1:0", "--journal-size", "0"}, wantCode: 2, wantStderr: "--journal-size 0: want a whole number above zero, e.g. 1000"},
		{name: "negative sessions from env", args: []string{"serve", "--addr", "127.0.0.1:0"}, env: map[string]string{"LSMOCK_MAX_SESSIONS": "-1"},
			wantCode: 2, wantStderr: "--max-sessions -1: want a whole number above zero"},
		{name: "zero body limit", args: []string{"serve", "--addr", "127.0.0.1:0", "--max-body-bytes", "0"}, wantCode: 2, wantStderr: "--max-body-bytes 0: want a whole number above zero"},
		{name: "verify target without a scheme", args: []string{"verify", "--target", "localhost:8080"},
			wantCode: 2, wantStderr: "lsmock verify: --target localhost:8080: want an http:// or https:// URL"},
		{name: "verify target not a URL", args: []string{"verify", "--target", "http://a b:%zz"}, wantCode: 2, wantStderr: "lsmock verify: --target: not a URL"},
		{name: "a bad address is not blamed on another lsmock", args: []string{"serve", "--addr", "nope"}, wantCode: 1, wantStderr: "listen on nope: listen tcp: address nope: missing port in address\n"},
		{name: "address in use or invalid", args: []string{"serve", "--addr", "256.0.0.1:99999"}, wantCode: 1, wantStderr: "listen on 256.0.0.1:99999"},
		{name: "the built-in public key", args: []string{"signing-key"}, wantCode: 0, wantStdout: "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA1tOAn18lLEwVJrRacC9O\n"},
		{name: "a signing key's public half", args: []string{"signing-key", "--signing-key", "testdata/other-key.pem"}, wantCode: 0, wantStdout: "-----BEGIN PUBLIC KEY-----"},
		{name: "a signing key that is not a private key", args: []string{"serve", "--signing-key", "testdata/public-key.pem"},
			wantCode: 2, wantStderr: `--signing-key: testdata/public-key.pem: a PEM "PUBLIC KEY" block; want an RSA private key`},
		{name: "a signing key that is not there", args: []string{"signing-key"}, env: map[string]string{"LSMOCK_SIGNING_KEY": "nope.pem"},
			wantCode: 2, wantStderr: "--signing-key: open nope.pem"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runCLI(t, tc.env, tc.args...)
			assert.Equal(t, tc.wantCode, code, "stderr: %s", stderr)
			assert.Contains(t, stdout, tc.wantStdout)
			assert.Contains(t, stderr, tc.wantStderr)
		})
	}
}

// serveInProcess starts "lsmock serve" and returns its base URL, its log and a stop function
// that returns the exit code.
func serveInProcess(t *testing.T, env map[string]string, args ...string) (string, *testutil.Buffer, func() int) {
	t.Helper()
	return startInProcess(t, env, "serve", args...)
}

// freeAddr is a loopback address nothing listens on (a port the kernel just handed out).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// startInProcess runs a serving command (serve, proxy) in-process until the returned stop.
func startInProcess(t *testing.T, env map[string]string, command string, args ...string) (string, *testutil.Buffer, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var logs testutil.Buffer
	addrc := make(chan net.Addr, 1)
	done := make(chan int, 1)
	go func() {
		done <- cli.Run(ctx, append([]string{command}, args...), cli.Env{
			Stdout: io.Discard, Stderr: &logs,
			Getenv:   func(k string) string { return env[k] },
			OnListen: func(a net.Addr) { addrc <- a },
		})
	}()
	select {
	case a := <-addrc:
		stop := func() int { cancel(); return <-done }
		t.Cleanup(func() { cancel() })
		return "http://" + a.String(), &logs, stop
	case code := <-done:
		cancel()
		t.Fatalf("%s exited with %d: %s", command, code, logs.String())
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal(command + " did not start")
	}
	return "", nil, nil
}

func TestServeLifecycle(t *testing.T) {
	t.Parallel()
	base, logs, stop := serveInProcess(t, map[string]string{"LSMOCK_ADDR": "127.0.0.1:0", "LSMOCK_LOG_FORMAT": "json"})

	resp, err := http.Get(base + "/__lsmock/health")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	req := changePasswordRequest(base+"/api/v4/change_password", `{"username":"u@example.com","password":"hunter2-canary","new_password":"n"}`)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, `"password_changed"`, string(body))

	assert.Equal(t, 0, stop())
	out := logs.String()
	assert.Contains(t, out, `"msg":"lsmock serving"`)
	assert.Contains(t, out, `"url":"`+base+`"`)
	assert.Contains(t, out, `"spec":"openapi.yaml (embedded)"`)
	assert.Contains(t, out, `"path":"/api/v4/change_password"`)
	assert.Contains(t, out, `"msg":"shutting down"`)
	assert.NotContains(t, out, "hunter2-canary")
}

func TestServeOtherSpec(t *testing.T) {
	t.Parallel()
	specPath, err := filepath.Abs("../../testdata/specs/widgets.yaml")
	require.NoError(t, err)
	base, _, stop := serveInProcess(t, nil, "--addr", "127.0.0.1:0", "--spec", specPath, "--log-level", "warn")
	resp, err := http.Get(base + "/v1/ping")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.JSONEq(t, `{"pong":true}`, string(body))
	assert.Equal(t, 0, stop())
}

func TestServeAddressInUse(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	code, _, stderr := runCLI(t, nil, "serve", "--addr", ln.Addr().String())
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "try --addr 127.0.0.1:0")
}

func TestSignVendorVector(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := runCLI(t, nil, "sign", "--api-key", "K", "--shared-key", "kw4qSnpSwXzgiv5yxYpZZmFEd9QAeiKTQ6OuyMja",
		"--date", "Tue, 07 Jun 2011 20:51:35 GMT")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "Date: Tue, 07 Jun 2011 20:51:35 GMT\n"+
		`Authorization: algorithm="hmac-sha256",headers="date",signature="UDysfR6MndUZReo07Y9r+vErn8vSxrnQ5ulit18iJ/Q=",apikey="K"`+"\n", stdout)
}

func TestSignErrors(t *testing.T) {
	t.Parallel()
	code, _, stderr := runCLI(t, nil, "sign", "--api-key", "K")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "--api-key and --shared-key are required")
	code, _, stderr = runCLI(t, nil, "sign", "--api-key", "K", "--shared-key", "S", "--date", "yesterday")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `--date "yesterday" is not an HTTP date`)
}

// TestSignAgainstStrictServer: what "lsmock sign" prints is accepted by a strict lsmock
// that knows the key, and refused by one that knows another shared key.
func TestSignAgainstStrictServer(t *testing.T) {
	t.Parallel()
	base, _, stop := serveInProcess(t, map[string]string{"LSMOCK_AUTH": "strict", "LSMOCK_API_KEY": "ci-key", "LSMOCK_SHARED_KEY": "right"},
		"--addr", "127.0.0.1:0", "--log-level", "warn")
	defer stop()
	for _, tc := range []struct {
		shared string
		status int
		code   string
	}{{"right", 200, ""}, {"wrong", 400, "signature_mismatch"}} {
		code, stdout, stderr := runCLI(t, nil, "sign", "--api-key", "ci-key", "--shared-key", tc.shared)
		require.Equal(t, 0, code, stderr)
		req, err := http.NewRequest(http.MethodPost, base+"/api/v4/change_password",
			strings.NewReader(`{"username":"u@example.com","password":"a","new_password":"b"}`))
		require.NoError(t, err)
		for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
			name, value, ok := strings.Cut(line, ": ")
			require.True(t, ok, line)
			req.Header.Set(name, value)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, tc.status, resp.StatusCode, "%s", body)
		if tc.code != "" {
			assert.Contains(t, string(body), `"code":"`+tc.code+`"`)
		}
	}

	// The --curl form, run by a shell, where curl is installed.
	if _, err := exec.LookPath("curl"); err != nil {
		t.Log("curl not installed: the --curl command is not run")
		return
	}
	code, stdout, stderr := runCLI(t, nil, "sign", "--api-key", "ci-key", "--shared-key", "right", "--curl",
		"--url", base+"/api/v4/change_password")
	require.Equal(t, 0, code, stderr)
	out, err := exec.Command("sh", "-c", strings.TrimSpace(stdout)+" -w ' %{http_code}'").CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Equal(t, `"password_changed" 200`, string(out))
}

func TestStrictNeedsKeys(t *testing.T) {
	t.Parallel()
	code, _, stderr := runCLI(t, nil, "serve", "--auth", "strict")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "--auth strict refuses every request without known keys")
	code, _, stderr = runCLI(t, nil, "serve", "--auth", "lax")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "want off, format or strict")
	code, _, stderr = runCLI(t, nil, "serve", "--api-key", "k")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "--api-key and --shared-key go together")
}

func TestKeysFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := filepath.Join(dir, "keys.yaml")
	require.NoError(t, os.WriteFile(good, []byte("keys:\n  - {api_key: k1, shared_key: s1}\n  - {api_key: k2, shared_key: s2, status: revoked}\ntokens: [t1]\n"), 0o600))
	bad := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("keys:\n  - {api_key: k1, sharedkey: s1}\n"), 0o600))

	code, _, stderr := runCLI(t, nil, "serve", "--keys", bad)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, bad+":2:")
	assert.Contains(t, stderr, "sharedkey")

	base, _, stop := serveInProcess(t, nil, "--addr", "127.0.0.1:0", "--auth", "strict", "--keys", good, "--log-level", "warn")
	defer stop()
	date := time.Now().UTC().Format(http.TimeFormat)
	for _, tc := range []struct {
		authorization string
		want          string
	}{
		{auth.HeaderValue("k1", "s1", date), `"password_changed"`},
		{auth.HeaderValue("k2", "s2", date), `"code":"revoked_api_key"`},
		{auth.HeaderValue("k3", "s3", date), `"code":"invalid_api_key"`},
		{"Bearer t1", `"password_changed"`},
		{"Bearer t2", `"code":"oauth_token_malformed"`},
	} {
		req, err := http.NewRequest(http.MethodPost, base+"/api/v4/change_password",
			strings.NewReader(`{"username":"u@example.com","password":"a","new_password":"b"}`))
		require.NoError(t, err)
		req.Header.Set("Date", date)
		req.Header.Set("Authorization", tc.authorization)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Contains(t, string(body), tc.want, tc.authorization)
	}
}

func TestLint(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"embedded defaults", []string{"lint"}, 0, "changePassword: 15 scenarios from files, 13 more for its documented error codes", ""},
		{"embedded catalog", []string{"lint"}, 0, "catalog: 5 products, 16 licenses, 4 users, 1 bundle\n", ""},
		{"broken license declarations", []string{"lint", "--scenarios", "../scenario/testdata/load/licenses_errors"}, 1, "",
			`licenses_errors/scenarios.yaml:10:33: unknown product "nope": declare it under products: (known: demo, demo-users)`},
		{"broken scenario file", []string{"lint", "--scenarios", "../scenario/testdata/load/typo_key"}, 1, "",
			`typo_key/scenarios.yaml:5:7: unknown key "staus"`},
		{"broken spec", []string{"lint", "--spec", "../spec/testdata/bad-schema.yaml"}, 1, "", "bad-schema.yaml:9:11"},
		{"another spec", []string{"lint", "--spec", "../../testdata/specs/widgets.yaml"}, 0, "ok: ../../testdata/specs/widgets.yaml (2 operations)", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runCLI(t, nil, tc.args...)
			assert.Equal(t, tc.wantCode, code, "stderr: %s", stderr)
			assert.Contains(t, stdout, tc.wantStdout)
			assert.Contains(t, stderr, tc.wantStderr)
		})
	}
}

// TestReportsOnShutdown: --report and --junit are written when the server stops.
func TestReportsOnShutdown(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	report, junitFile := filepath.Join(dir, "coverage.json"), filepath.Join(dir, "coverage.xml")
	base, _, stop := serveInProcess(t, nil, "--addr", "127.0.0.1:0", "--log-level", "warn", "--report", report, "--junit", junitFile)
	resp, err := http.Post(base+"/api/v4/change_password", "application/json", strings.NewReader(`{`))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 0, stop())

	data, err := os.ReadFile(report)
	require.NoError(t, err)
	var rep struct {
		Operations []struct {
			Operation  string         `json:"operation"`
			Codes      map[string]int `json:"codes"`
			NeverCodes []string       `json:"never_codes"`
		} `json:"operations"`
		General struct {
			Codes      map[string]int `json:"codes"`
			NeverCodes []string       `json:"never_codes"`
		} `json:"general"`
	}
	require.NoError(t, json.Unmarshal(data, &rep))
	require.NotEmpty(t, rep.Operations)
	cp := rep.Operations[len(rep.Operations)-1] // the spec's last
	require.Equal(t, "changePassword", cp.Operation)
	assert.Empty(t, cp.Codes, "missing_headers is a general code")
	assert.Equal(t, []string{"change_password_not_allowed", "invalid_credentials"}, cp.NeverCodes)
	assert.Equal(t, map[string]int{"missing_headers": 1}, rep.General.Codes)
	assert.Contains(t, rep.General.NeverCodes, "invalid_json")

	data, err = os.ReadFile(junitFile)
	require.NoError(t, err)
	var suites struct {
		Suites []struct {
			Name     string `xml:"name,attr"`
			Failures int    `xml:"failures,attr"`
			Cases    []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal(data, &suites))
	passed := map[string][]string{}
	for _, suite := range suites.Suites {
		for _, c := range suite.Cases {
			if c.Failure == nil {
				passed[suite.Name] = append(passed[suite.Name], c.Name)
			}
		}
	}
	assert.Equal(t, map[string][]string{"coverage changePassword": {"status 400"}, "coverage general errors": {"code missing_headers"}}, passed)
	assert.Len(t, suites.Suites, len(rep.Operations)+2, "one suite per operation, the general errors and the scenarios")
}

func TestVerifyCommand(t *testing.T) {
	t.Parallel()
	base, _, stop := serveInProcess(t, nil, "--addr", "127.0.0.1:0", "--log-level", "warn")
	defer stop()
	code, stdout, stderr := runCLI(t, nil, "verify", "--target", base)
	assert.Equal(t, 0, code, "stdout: %s stderr: %s", stdout, stderr)
	assert.Contains(t, stdout, "PASS changePassword success: 200")
	assert.Contains(t, stdout, "15 checks passed, 0 failed, 1 skipped")

	drift := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"message":"password_changed"}`)
	}))
	defer drift.Close()
	junitFile := filepath.Join(t.TempDir(), "verify.xml")
	withPassword := strings.Replace(drift.URL, "://", "://ci:Verify-Pa55@", 1)
	code, stdout, _ = runCLI(t, nil, "verify", "--target", withPassword, "--junit", junitFile)
	assert.Equal(t, 1, code)
	assert.NotContains(t, stdout, "Verify-Pa55", "the target's password is never shown")
	assert.Contains(t, stdout, strings.Replace(drift.URL, "://", "://ci:xxxxx@", 1)+": 0 checks passed")
	assert.Contains(t, stdout, "FAIL changePassword success: the answer breaks the spec: response body doesn't match schema")
	assert.Contains(t, stdout, "got object, want string")
	data, err := os.ReadFile(junitFile)
	require.NoError(t, err)
	assert.Contains(t, string(data), `<testsuite name="verify `+strings.Replace(drift.URL, "://", "://ci:xxxxx@", 1)+`" tests="16" failures="15">`)
	assert.NotContains(t, string(data), "Verify-Pa55")

	code, _, stderr = runCLI(t, nil, "verify")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "--target is required")
}

// serve --signing-key signs with that key and serves its public half at
// /__lsmock/signing-key, which is what lsmock signing-key prints.
func TestServeWithSigningKey(t *testing.T) {
	t.Parallel()
	base, _, stop := serveInProcess(t, nil, "--addr", "127.0.0.1:0", "--signing-key", "testdata/other-key.pem")
	defer stop()
	resp, err := http.Get(base + "/__lsmock/signing-key")
	require.NoError(t, err)
	served, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, "application/x-pem-file", resp.Header.Get("Content-Type"))
	_, printed, _ := runCLI(t, nil, "signing-key", "--signing-key", "testdata/other-key.pem")
	assert.Equal(t, printed, string(served))
	_, builtin, _ := runCLI(t, nil, "signing-key")
	assert.NotEqual(t, builtin, string(served))

	resp, err = http.DefaultClient.Do(mustRequest(t, http.MethodGet, base+"/api/v4/product_details?product=demo"))
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	assert.NoError(t, signing.Verify(served, body, resp.Header.Get("LicenseSignature")))
}

func mustRequest(t *testing.T, method, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	require.NoError(t, err)
	date := time.Now().UTC().Format(http.TimeFormat)
	req.Header.Set("Date", date)
	req.Header.Set("Authorization", auth.HeaderValue("k", "s", date))
	return req
}

// TestServePprof: --pprof-addr serves Go's profiles on their own listener, and only there.
func TestServePprof(t *testing.T) {
	t.Parallel()
	pprofAddr := freeAddr(t)
	base, logs, stop := serveInProcess(t, nil, "--addr", "127.0.0.1:0", "--pprof-addr", pprofAddr)

	resp, err := http.Get("http://" + pprofAddr + "/debug/pprof/cmdline")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	resp, err = http.Get(base + "/debug/pprof/cmdline")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "the API listener serves no profiles")

	assert.Equal(t, 0, stop())
	assert.Contains(t, logs.String(), "http://"+pprofAddr+"/debug/pprof/")

	code, _, stderr := runCLI(t, nil, "serve", "--addr", "127.0.0.1:0", "--pprof-addr", "256.0.0.1:1")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "--pprof-addr")
}

// TestSignCurlMethod: the curl command takes the method of the operation its --url names, so
// a GET operation is not sent as a POST with change_password's body (405); --method wins.
func TestSignCurlMethod(t *testing.T) {
	t.Parallel()
	const check = "http://127.0.0.1:8080/api/v4/check_license?product=demo&hardware_id=h&license_key=k"
	cases := []struct {
		name       string
		args       []string
		wantPrefix string
		withBody   bool
	}{
		{"the default: change_password", nil, "curl -sS -X POST 'http://127.0.0.1:8080/api/v4/change_password'", true},
		{"a GET operation", []string{"--url", check}, "curl -sS -X GET '" + check + "'", false},
		{"a POST operation", []string{"--url", "http://127.0.0.1:8080/api/v4/activate_license", "--body", "{}"}, "curl -sS -X POST", true},
		{"a path of no operation: POST", []string{"--url", "http://127.0.0.1:8080/elsewhere"}, "curl -sS -X POST", true},
		{"--method wins", []string{"--url", check, "--method", "post"}, "curl -sS -X POST", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"sign", "--api-key", "K", "--shared-key", "S", "--curl"}, tc.args...)
			code, stdout, stderr := runCLI(t, nil, args...)
			require.Equal(t, 0, code, stderr)
			assert.True(t, strings.HasPrefix(stdout, tc.wantPrefix), stdout)
			assert.Equal(t, tc.withBody, strings.Contains(stdout, " -d "), stdout)
			assert.Equal(t, tc.withBody, strings.Contains(stdout, "Content-Type"), stdout)
		})
	}
}
