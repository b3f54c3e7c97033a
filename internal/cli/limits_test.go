package cli_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A client that sends its headers a byte a second is cut off by --read-header-timeout.
func TestSlowHeadersAreCutOff(t *testing.T) {
	t.Parallel()
	base, _, stop := serveInProcess(t, nil, "--addr", "127.0.0.1:0", "--read-header-timeout", "1s", "--log-level", "warn")
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	require.NoError(t, err)
	defer conn.Close()

	start := time.Now()
	request := "POST /api/v4/change_password HTTP/1.1\r\nHost: lsmock\r\nX-Slow: " + strings.Repeat("a", 30)
	cut := false
	for i := 0; i < len(request) && time.Since(start) < 10*time.Second; i++ {
		if _, err := conn.Write([]byte{request[i]}); err != nil {
			cut = true
			break
		}
		// The server answers a timed-out header read by closing (after a 408 at most).
		_ = conn.SetReadDeadline(time.Now().Add(time.Second))
		if _, err := conn.Read(make([]byte, 512)); err == io.EOF || (err == nil && i > 0) {
			cut = true
			break
		}
	}
	assert.True(t, cut, "the connection was still open after %s", time.Since(start))
	assert.Less(t, time.Since(start), 5*time.Second, "cut off soon after the 1 s header timeout")
	assert.Equal(t, 0, stop())
}

func TestLargeBodyGets413(t *testing.T) {
	t.Parallel()
	base, _, stop := serveInProcess(t, nil, "--addr", "127.0.0.1:0", "--log-level", "warn")
	body := `{"username":"u@example.com","password":"` + strings.Repeat("p", 10<<20) + `","new_password":"n"}`
	resp, err := http.DefaultClient.Do(changePasswordRequest(base+"/api/v4/change_password", body))
	require.NoError(t, err)
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	assert.JSONEq(t, `{"status":413,"code":"payload_too_large","message":"Request body is too large"}`, string(got))
	assert.Equal(t, 0, stop())
}

func TestHugeHeadersGet431(t *testing.T) {
	t.Parallel()
	base, _, stop := serveInProcess(t, nil, "--addr", "127.0.0.1:0", "--log-level", "warn", "--max-header-bytes", "4096")
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	_, err = io.WriteString(conn, "GET /__lsmock/health HTTP/1.1\r\nHost: x\r\nX-Big: "+strings.Repeat("a", 64<<10)+"\r\n\r\n")
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, resp.StatusCode)
	assert.Equal(t, 0, stop())
}

// SIGINT/SIGTERM (here: the context) lets a request in flight finish before lsmock exits.
func TestShutdownDrainsRequestsInFlight(t *testing.T) {
	t.Parallel()
	base, logs, stop := serveInProcess(t, nil, "--addr", "127.0.0.1:0")
	type result struct {
		status int
		err    error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := http.DefaultClient.Do(changePasswordRequest(base+"/api/v4/change_password?__scenario=slow_success",
			`{"username":"u@example.com","password":"p","new_password":"n"}`))
		if err != nil {
			done <- result{err: err}
			return
		}
		resp.Body.Close()
		done <- result{status: resp.StatusCode}
	}()
	time.Sleep(300 * time.Millisecond) // the request is inside its 2 s delay
	code := make(chan int, 1)
	go func() { code <- stop() }()

	time.Sleep(100 * time.Millisecond)
	_, err := http.Get(base + "/__lsmock/health")
	assert.Error(t, err, "no new connections once shutting down")

	r := <-done
	require.NoError(t, r.err)
	assert.Equal(t, http.StatusOK, r.status, "the slow request finished")
	assert.Equal(t, 0, <-code)
	assert.Contains(t, logs.String(), "shutting down")
}

func TestAdminOnItsOwnAddress(t *testing.T) {
	t.Parallel()
	adminAddr := freeAddr(t)
	base, logs, stop := serveInProcess(t, nil, "--addr", "127.0.0.1:0", "--admin-addr", adminAddr)

	resp, err := http.Get("http://" + adminAddr + "/__lsmock/health")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	resp, err = http.Get(base + "/__lsmock/health")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "the API listener has no admin endpoints")
	assert.Equal(t, 0, stop())
	assert.Contains(t, logs.String(), "dashboard=http://"+adminAddr+"/__lsmock/")
}

// SIGTERM while a client is inside a hold (the timeout fault holds up to 30 s, a delay a
// few seconds): lsmock ends the holds at once and exits 0, so a CI teardown step passes.
func TestShutdownEndsHolds(t *testing.T) {
	t.Parallel()
	for _, scenario := range []string{"timeout", "slow_body", "slow_success"} {
		t.Run(scenario, func(t *testing.T) {
			t.Parallel()
			base, logs, stop := serveInProcess(t, nil, "--addr", "127.0.0.1:0")
			sent := make(chan error, 1)
			go func() {
				resp, err := http.DefaultClient.Do(changePasswordRequest(base+"/api/v4/change_password?__scenario="+scenario,
					`{"username":"u@example.com","password":"p","new_password":"n"}`))
				if err == nil {
					_, err = io.ReadAll(resp.Body)
					resp.Body.Close()
				}
				sent <- err
			}()
			time.Sleep(300 * time.Millisecond) // the request is held
			start := time.Now()
			assert.Equal(t, 0, stop(), logs.String())
			assert.Less(t, time.Since(start), time.Second, "the hold ended when lsmock shut down")
			<-sent // whatever the client got, it is not left hanging
			assert.NotContains(t, logs.String(), "context deadline exceeded")
		})
	}
}
