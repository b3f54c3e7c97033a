package cli_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/cli"
)

// lockedBuffer is written by the server's goroutines and read by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func runCLI(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut lockedBuffer
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
		{name: "scenarios folder missing", args: []string{"serve", "--scenarios", "no-such-dir"}, wantCode: 1, wantStderr: "no-such-dir: not a folder"},
		{name: "address in use or invalid", args: []string{"serve", "--addr", "256.0.0.1:99999"}, wantCode: 1, wantStderr: "listen on 256.0.0.1:99999"},
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
func serveInProcess(t *testing.T, env map[string]string, args ...string) (string, *lockedBuffer, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var logs lockedBuffer
	addrc := make(chan net.Addr, 1)
	done := make(chan int, 1)
	go func() {
		done <- cli.Run(ctx, append([]string{"serve"}, args...), cli.Env{
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
		t.Fatalf("serve exited with %d: %s", code, logs.String())
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("serve did not start")
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

	req, err := http.NewRequest(http.MethodPost, base+"/api/v4/change_password",
		strings.NewReader(`{"username":"u@example.com","password":"hunter2-canary","new_password":"n"}`))
	require.NoError(t, err)
	req.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	req.Header.Set("Authorization", `algorithm="hmac-sha256",headers="date",signature="c2ln",apikey="k"`)
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
