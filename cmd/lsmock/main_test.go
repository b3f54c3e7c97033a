package main_test

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// binary is lsmock built once for the package's tests, as a user would run it; "" when the
// go command is not on PATH.
var binary string

func TestMain(m *testing.M) {
	os.Exit(func() int {
		goBin, err := exec.LookPath("go")
		if err != nil {
			return m.Run()
		}
		dir, err := os.MkdirTemp("", "lsmock-bin")
		if err != nil {
			panic(err)
		}
		defer os.RemoveAll(dir)
		binary = filepath.Join(dir, "lsmock")
		if out, err := exec.Command(goBin, "build", "-o", binary, ".").CombinedOutput(); err != nil {
			panic("go build: " + string(out))
		}
		return m.Run()
	}())
}

func buildBinary(t *testing.T) string {
	t.Helper()
	if binary == "" {
		t.Skip("the go command is not on PATH; cannot build the binary")
	}
	return binary
}

var urlInLog = regexp.MustCompile(`url=(http://\S+)`)

// TestSignalsShutDownGracefully: SIGTERM and SIGINT both stop the server with exit code 0.
func TestSignalsShutDownGracefully(t *testing.T) {
	bin := buildBinary(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0")
			base := startBinary(t, cmd)

			resp, err := http.Get(base + "/__lsmock/health")
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, http.StatusOK, resp.StatusCode)

			require.NoError(t, cmd.Process.Signal(sig))
			assert.NoError(t, cmd.Wait(), "exit after %s", sig)
		})
	}
}

// TestSIGTERMDuringProxiedRequest: SIGTERM while the target holds a proxied request cancels
// it: the client gets lsmock's 503 at once and lsmock exits 0, well within its grace period.
func TestSIGTERMDuringProxiedRequest(t *testing.T) {
	bin := buildBinary(t)
	arrived, release := make(chan struct{}, 1), make(chan struct{})
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(upstream.Close)
	t.Cleanup(func() { close(release) })

	cmd := exec.Command(bin, "proxy", "--addr", "127.0.0.1:0", "--target", upstream.URL, "--upstream-timeout", "60s")
	base := startBinary(t, cmd)
	type answer struct {
		status int
		body   string
		err    error
	}
	got := make(chan answer, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, base+"/api/v4/change_password", strings.NewReader(`{"username":"u@example.com","password":"p","new_password":"n"}`))
		req.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
		req.Header.Set("Authorization", `algorithm="hmac-sha256",headers="date",signature="c2ln",apikey="k"`)
		resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
		if err != nil {
			got <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		got <- answer{resp.StatusCode, string(b), err}
	}()
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the request did not reach the target")
	}
	start := time.Now()
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	a := <-got
	require.NoError(t, a.err)
	assert.Equal(t, http.StatusServiceUnavailable, a.status)
	assert.JSONEq(t, `{"status":503,"code":"proxy_error","message":"lsmock proxy: shutting down"}`, a.body)
	assert.NoError(t, cmd.Wait(), "exit 0 after SIGTERM")
	assert.Less(t, time.Since(start), 5*time.Second, "well within the 10 s grace")
}

// startBinary starts cmd (a serving lsmock) and returns its URL from the start line.
func startBinary(t *testing.T, cmd *exec.Cmd) string {
	t.Helper()
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	lines := bufio.NewScanner(stderr)
	var base string
	deadline := time.Now().Add(10 * time.Second)
	for base == "" && time.Now().Before(deadline) && lines.Scan() {
		if m := urlInLog.FindStringSubmatch(lines.Text()); m != nil {
			base = m[1]
		}
	}
	require.NotEmpty(t, base, "no start line with the URL")
	go func() { // keep the pipe drained
		for lines.Scan() {
		}
	}()
	return base
}

func TestBadSpecExitsNonZero(t *testing.T) {
	bin := buildBinary(t)
	bad := filepath.Join(t.TempDir(), "broken.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("openapi: 3.1.0\ninfo:\n  title: x\n  version: '1'\npaths:\n  /a:\n    post:\n      responses:\n        '200':\n          descriptio: ok\n"), 0o600))
	out, err := exec.Command(bin, "serve", "--spec", bad).CombinedOutput()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, 1, exit.ExitCode())
	assert.Contains(t, string(out), bad+":9:11: missing property 'description'")
}

// TestSIGTERMLosesNoLogLine: lsmock logs to a file, as in CI, and is stopped with SIGTERM in
// the middle of a load; every request that got an answer has its line in the file. Each
// request names a session of its own (X-Lsmock-Session), which its line shows.
func TestSIGTERMLosesNoLogLine(t *testing.T) {
	bin := buildBinary(t)
	logPath := filepath.Join(t.TempDir(), "lsmock.log")
	logFile, err := os.Create(logPath)
	require.NoError(t, err)
	defer logFile.Close()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0")
	cmd.Stderr = logFile
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	var base string
	require.Eventually(t, func() bool {
		data, _ := os.ReadFile(logPath)
		if m := urlInLog.FindSubmatch(data); m != nil {
			base = string(m[1])
		}
		return base != ""
	}, 10*time.Second, 2*time.Millisecond, "no start line with the URL")

	const clients, perClient, signalAfter = 4, 500, 500
	var (
		answeredCount atomic.Int64
		signalOnce    sync.Once
		mu            sync.Mutex
		answered      []string
		wg            sync.WaitGroup
	)
	for c := range clients {
		wg.Go(func() {
			client := &http.Client{Timeout: 5 * time.Second}
			for i := range perClient {
				label := fmt.Sprintf("sigterm-%d-%d", c, i)
				req, err := http.NewRequest(http.MethodGet, base+"/api/v4/product_details", nil)
				if err != nil {
					return
				}
				req.Header.Set("X-Lsmock-Session", label)
				resp, err := client.Do(req)
				if err != nil {
					return // lsmock has stopped listening
				}
				_, err = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				if err != nil {
					return
				}
				mu.Lock()
				answered = append(answered, label)
				mu.Unlock()
				if answeredCount.Add(1) == signalAfter {
					signalOnce.Do(func() { _ = cmd.Process.Signal(syscall.SIGTERM) })
				}
			}
		})
	}
	wg.Wait()
	select {
	case err := <-exited:
		require.NoError(t, err, "lsmock exits 0 after SIGTERM")
	case <-time.After(20 * time.Second):
		t.Fatal("lsmock did not exit after SIGTERM")
	}
	require.GreaterOrEqual(t, len(answered), signalAfter, "SIGTERM came in the middle of the load")

	data, err := os.ReadFile(logPath)
	require.NoError(t, err)
	logged := map[string]bool{}
	for _, m := range sessionInLog.FindAllSubmatch(data, -1) {
		logged[string(m[1])] = true
	}
	var missing []string
	for _, label := range answered {
		if !logged[label] {
			missing = append(missing, label)
		}
	}
	assert.Empty(t, missing, "answered requests without a log line (of %d answered)", len(answered))
	assert.Contains(t, string(data), "shutting down")
}

var sessionInLog = regexp.MustCompile(`session=(sigterm-\d+-\d+)`)
