package lsmocktest_test

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/auth"
	"github.com/lsmock/lsmock/lsmocktest"
	"github.com/lsmock/lsmock/mockserver"
)

func post(t *testing.T, srv *lsmocktest.Server, session, body string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/api/v4/change_password", strings.NewReader(body))
	require.NoError(t, err)
	date := time.Now().UTC().Format(http.TimeFormat)
	req.Header.Set("Date", date)
	req.Header.Set("Authorization", auth.HeaderValue("k", "s", date))
	if session != "" {
		req.Header.Set("X-Lsmock-Session", session)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

const valid = `{"username":"u@example.com","password":"a","new_password":"b"}`

func TestOptions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "teapot.yaml"), []byte(
		"scenarios:\n  - {name: only, operation: changePassword, default: true, response: {error: internal_error}}\n"), 0o600))
	cases := []struct {
		name    string
		opts    []lsmocktest.Option
		session string
		want    int
	}{
		{"embedded defaults", nil, "", 200},
		{"pinned for everyone", []lsmocktest.Option{lsmocktest.WithScenario("invalid_json")}, "", 400},
		{"pinned for one session", []lsmocktest.Option{lsmocktest.WithSessionScenario("job-1", "internal_error")}, "job-1", 500},
		{"other sessions unaffected", []lsmocktest.Option{lsmocktest.WithSessionScenario("job-1", "internal_error")}, "job-2", 200},
		{"inline scenarios", []lsmocktest.Option{lsmocktest.WithScenarios(
			"scenarios:\n  - {name: always_500, operation: changePassword, priority: 1, match: {body: {username: u@example.com}}, response: {error: internal_error}}\n")}, "", 500},
		{"a folder instead of the defaults", []lsmocktest.Option{lsmocktest.WithScenarioDir(dir)}, "", 500},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := lsmocktest.New(t, tc.opts...)
			assert.Equal(t, tc.want, post(t, srv, tc.session, valid))
		})
	}
}

func TestVerifyAndRequests(t *testing.T) {
	t.Parallel()
	srv := lsmocktest.New(t)
	post(t, srv, "s1", valid)
	post(t, srv, "s1", `{`)
	srv.AssertRequests(t, lsmocktest.Match{Session: "s1"}, 2)
	srv.AssertRequests(t, lsmocktest.Match{Session: "s1", Code: "invalid_json"}, 1)
	reqs := srv.Requests(lsmocktest.Match{Session: "s1", Status: 200})
	require.Len(t, reqs, 1)
	assert.Equal(t, "state", reqs[0].Selection, "the declared users answered")
	assert.Equal(t, "[redacted]", reqs[0].Body.(map[string]any)["password"])

	rec := &recorder{TB: t}
	srv.AssertRequests(rec, lsmocktest.Match{Session: "s1"}, 5)
	assert.True(t, rec.failed, "a miscount fails the test")
	assert.Contains(t, rec.msg, "2 request(s) match")
}

// recorder is a testing.TB that records a failure instead of failing.
type recorder struct {
	testing.TB
	failed bool
	msg    string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.failed, r.msg = true, fmt.Sprintf(format, args...)
}

func (r *recorder) Logf(string, ...any) {}

// TestPinAndReset: a pin made while the test runs answers the session's next request, and a
// reset drops one session's pins and progress (or every session's, and the pins for all)
// and leaves the other sessions alone.
func TestPinAndReset(t *testing.T) {
	t.Parallel()
	srv := lsmocktest.New(t, lsmocktest.WithScenario("internal_error_then_success"))
	steps := []struct {
		name    string
		do      func() error
		session string
		want    int
	}{
		{"the pin for all: its first step", nil, "job-1", 500},
		{"then its second", nil, "job-1", 200},
		{"a reset starts the sequence again", func() error { srv.Reset("job-1"); return nil }, "job-1", 500},
		{"another session has its own progress", nil, "job-2", 500},
		{"a session's own pin comes first", func() error { return srv.Pin("job-2", "invalid_json") }, "job-2", 400},
		{"and one session's pin is its own", nil, "job-1", 200},
		{"a reset drops the session's pin", func() error { srv.Reset("job-2"); return nil }, "job-2", 500},
		{"resetting all drops the pin for all", func() error { srv.Reset(""); return nil }, "job-1", 200},
		{"a pin for all, while the test runs", func() error { return srv.Pin("", "internal_error") }, "job-3", 500},
	}
	for _, st := range steps { // in order: each step builds on the last
		if st.do != nil {
			require.NoError(t, st.do(), st.name)
		}
		assert.Equal(t, st.want, post(t, srv, st.session, valid), st.name)
	}
	err := srv.Pin("job-1", "no_such_scenario")
	assert.ErrorIs(t, err, mockserver.ErrUnknownScenario)
	assert.Equal(t, 500, post(t, srv, "job-1", valid), "a failed pin changes nothing")
}

// Close does not wait out a request held by the timeout fault.
func TestCloseEndsHolds(t *testing.T) {
	t.Parallel()
	srv, err := lsmocktest.Start(lsmocktest.WithScenario("timeout"))
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v4/change_password", strings.NewReader(valid))
		srv.Sign(req)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	srv.Close()
	assert.Less(t, time.Since(start), time.Second)
	<-done
}

// TestWithClock: a floating seat's timeout follows the test's clock, not the wall clock, so
// a test moves time instead of sleeping for it.
func TestWithClock(t *testing.T) {
	t.Parallel()
	var now atomic.Int64 // the server reads it from its own goroutines
	now.Store(time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC).UnixNano())
	srv := lsmocktest.New(t, lsmocktest.WithClock(func() time.Time { return time.Unix(0, now.Load()) }))
	call := func(method, op, hwid string) (int, string) {
		t.Helper()
		params := "license_key=DEMO-FLOT-0000-0008&product=demo&hardware_id=" + hwid
		var req *http.Request
		var err error
		if method == http.MethodGet {
			req, err = http.NewRequest(method, srv.URL+"/api/v4/"+op+"?"+params, nil)
		} else {
			req, err = http.NewRequest(method, srv.URL+"/api/v4/"+op,
				strings.NewReader(`{"license_key":"DEMO-FLOT-0000-0008","product":"demo","hardware_id":"`+hwid+`"}`))
		}
		require.NoError(t, err)
		srv.Sign(req)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var b strings.Builder
		_, _ = io.Copy(&b, resp.Body)
		return resp.StatusCode, b.String()
	}
	for _, hw := range []string{"a", "b"} {
		status, body := call(http.MethodPost, "activate_license", hw)
		require.Equal(t, http.StatusOK, status, body)
	}
	status, _ := call(http.MethodGet, "check_license", "a")
	require.Equal(t, http.StatusOK, status)
	_, body := call(http.MethodGet, "check_license", "b")
	assert.Contains(t, body, "floating_not_available", "a holds the one seat")
	now.Add(int64(10 * time.Minute)) // DEMO-FLOT's floating_timeout
	status, body = call(http.MethodGet, "check_license", "b")
	assert.Equal(t, http.StatusOK, status, "a's seat timed out: %s", body)
}
