package lsmock_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock"
	"github.com/lsmock/lsmock/mockserver"
)

const cpPath = "/api/v4/change_password"

// call sends one change_password request, signed like the Node SDK, with extra headers.
func call(t *testing.T, srv *httptest.Server, target, body string, headers map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+target, strings.NewReader(body))
	require.NoError(t, err)
	for k, v := range nodeSDKHeaders {
		req.Header.Set(k, v)
	}
	for k, v := range headers {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, b
}

func admin(t *testing.T, srv *httptest.Server, method, path, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, b
}

type listedScenario struct {
	Name      string `json:"name"`
	Responses []struct {
		Status int    `json:"status"`
		Code   string `json:"code"`
		Fault  string `json:"fault"`
	} `json:"responses"`
	Triggers struct {
		Header string   `json:"header"`
		Query  string   `json:"query"`
		Match  []string `json:"match"`
	} `json:"triggers"`
}

func listScenarios(t *testing.T, srv *httptest.Server) []listedScenario {
	t.Helper()
	status, body := admin(t, srv, http.MethodGet, "/__lsmock/scenarios", "")
	require.Equal(t, http.StatusOK, status)
	var list struct {
		Scenarios []listedScenario `json:"scenarios"`
	}
	require.NoError(t, json.Unmarshal(body, &list))
	return list.Scenarios
}

// TestShippedScenariosByName: every shipped scenario that answers with a response answers
// exactly that when named, even for a request that breaks the contract, and the answer
// honours the spec (kin-openapi).
func TestShippedScenariosByName(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	o := newOracle(t, lsmock.DefaultSpec())
	listed := listScenarios(t, srv)
	require.GreaterOrEqual(t, len(listed), 20)
	for _, sc := range listed {
		first := sc.Responses[0]
		switch first.Fault {
		case "", "slow_body":
		default:
			continue // network faults: TestFaults
		}
		t.Run(sc.Name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, "X-Lsmock-Scenario: "+sc.Name, sc.Triggers.Header)
			// A broken request: without the selection it would be missing_headers.
			resp, body := call(t, srv, cpPath, `{`, map[string]string{
				mockserver.HeaderScenario: sc.Name, "Date": "", mockserver.HeaderSession: "by-name-" + sc.Name})
			assert.Equal(t, first.Status, resp.StatusCode, "body: %s", body)
			assert.Equal(t, sc.Name, resp.Header.Get(mockserver.HeaderScenario))
			if first.Code != "" {
				var e map[string]any
				require.NoError(t, json.Unmarshal(body, &e))
				assert.Equal(t, first.Code, e["code"])
				assert.Len(t, e, 3)
			}
			req := httptest.NewRequest(http.MethodPost, cpPath, nil)
			o.check(t, req, resp.StatusCode, resp.Header, body)
		})
	}
}

func TestNotAllowedByUsername(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	resp, body := call(t, srv, cpPath, `{"username":"someone@not-allowed.example","password":"a","new_password":"b"}`, nil)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.JSONEq(t, `{"status":400,"code":"change_password_not_allowed","message":"Change password not allowed for the company"}`, string(body))
	assert.Equal(t, "change_password_not_allowed", resp.Header.Get(mockserver.HeaderScenario))

	resp, body = call(t, srv, cpPath, `{"username":"someone@allowed.example","password":"a","new_password":"b"}`, nil)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, `"password_changed"`, string(body))
}

// TestSelectionPrecedence: header, then query, then the session's pin, then the global
// pin, then validation, then matching, then the default.
func TestSelectionPrecedence(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	notAllowedUser := `{"username":"x@not-allowed.example","password":"a","new_password":"b"}`
	code := func(resp *http.Response, body []byte) string {
		if resp.StatusCode == 200 {
			return "200"
		}
		var e struct{ Code string }
		require.NoError(t, json.Unmarshal(body, &e), "%s", body)
		return e.Code
	}
	steps := []struct {
		name    string
		admin   [3]string // method, path, body: applied before the call
		target  string
		body    string
		headers map[string]string
		want    string
	}{
		{name: "matching", body: notAllowedUser, want: "change_password_not_allowed"},
		{name: "validation beats matching", body: `{"username":"x@not-allowed.example"}`, want: "missing_parameters"},
		{name: "global pin beats validation", admin: [3]string{"PUT", "/__lsmock/scenario", `{"name":"internal_error"}`},
			body: `{`, want: "internal_error"},
		{name: "session pin beats global pin", admin: [3]string{"PUT", "/__lsmock/sessions/job-1/scenario", `{"name":"signature_mismatch"}`},
			body: validBody, headers: map[string]string{mockserver.HeaderSession: "job-1"}, want: "signature_mismatch"},
		{name: "other sessions keep the global pin", body: validBody, headers: map[string]string{mockserver.HeaderSession: "job-2"}, want: "internal_error"},
		{name: "query beats session pin", target: "?__scenario=hmac_required", body: validBody,
			headers: map[string]string{mockserver.HeaderSession: "job-1"}, want: "hmac_required"},
		{name: "header beats query", target: "?__scenario=hmac_required", body: validBody,
			headers: map[string]string{mockserver.HeaderSession: "job-1", mockserver.HeaderScenario: "invalid_api_key"}, want: "invalid_api_key"},
		{name: "unknown name is refused", body: validBody, headers: map[string]string{mockserver.HeaderScenario: "no_such"}, want: "unknown_scenario"},
		{name: "unpin the session", admin: [3]string{"DELETE", "/__lsmock/sessions/job-1/scenario", ""},
			body: validBody, headers: map[string]string{mockserver.HeaderSession: "job-1"}, want: "internal_error"},
		{name: "unpin globally", admin: [3]string{"DELETE", "/__lsmock/scenario", ""}, body: validBody, want: "200"},
		{name: "pin again", admin: [3]string{"PUT", "/__lsmock/scenario", `{"name":"invalid_json"}`}, body: validBody, want: "invalid_json"},
		{name: "reset clears pins", admin: [3]string{"POST", "/__lsmock/reset", ""}, body: validBody, want: "200"},
	}
	for _, st := range steps { // in order: each step builds on the state before it
		if st.admin[0] != "" {
			status, body := admin(t, srv, st.admin[0], st.admin[1], st.admin[2])
			require.Less(t, status, 300, "%s: admin %v: %s", st.name, st.admin, body)
		}
		resp, body := call(t, srv, cpPath+st.target, st.body, st.headers)
		assert.Equal(t, st.want, code(resp, body), st.name)
	}
}

func TestAdminErrors(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	cases := []struct {
		method, path, body string
		status             int
		code               string
	}{
		{"PUT", "/__lsmock/scenario", `{"name":"no_such"}`, 404, "unknown_scenario"},
		{"PUT", "/__lsmock/scenario", `{"nme":"success"}`, 400, "invalid_json"},
		{"PUT", "/__lsmock/sessions/a/scenario", `not json`, 400, "invalid_json"},
		{"GET", "/__lsmock/scenario", ``, 405, "method_not_allowed"},
		{"GET", "/__lsmock/reset", ``, 405, "method_not_allowed"},
		{"PUT", "/__lsmock/sessions//scenario", `{"name":"success"}`, 404, "not_found"},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.path+" "+tc.body, func(t *testing.T) {
			t.Parallel()
			status, body := admin(t, srv, tc.method, tc.path, tc.body)
			assert.Equal(t, tc.status, status)
			var e map[string]any
			require.NoError(t, json.Unmarshal(body, &e))
			assert.Equal(t, tc.code, e["code"])
			assert.Len(t, e, 3)
		})
	}
}

// TestSessionsInParallel: 100 sessions (half by header, half by API key) step through the
// same 500-then-200 sequence at once, none seeing another's progress, while requests of
// unpinned sessions keep getting 200.
func TestSessionsInParallel(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("ci-job-%d", i)
			headers := map[string]string{mockserver.HeaderSession: id}
			if i%2 == 1 { // the session a real SDK gets: its API key
				headers = map[string]string{"Authorization": `algorithm="hmac-sha256",headers="date",signature="c2ln",apikey="` + id + `"`}
			}
			status, body := admin(t, srv, "PUT", "/__lsmock/sessions/"+id+"/scenario", `{"name":"internal_error_then_success"}`)
			if !assert.Equal(t, 200, status, "%s", body) {
				return
			}
			for j, want := range []int{500, 200, 200} {
				resp, body := call(t, srv, cpPath, validBody, headers)
				assert.Equal(t, want, resp.StatusCode, "session %s call %d: %s", id, j, body)
			}
			resp, _ := call(t, srv, cpPath, validBody, map[string]string{mockserver.HeaderSession: "unpinned-" + id})
			assert.Equal(t, 200, resp.StatusCode)
		}()
	}
	wg.Wait()
}

// TestFaults: each fault as a real HTTP client sees it.
func TestFaults(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	do := func(name string, timeout time.Duration) (*http.Response, []byte, error) {
		req, err := http.NewRequest(http.MethodPost, srv.URL+cpPath, strings.NewReader(validBody))
		require.NoError(t, err)
		req.Header.Set(mockserver.HeaderScenario, name)
		client := &http.Client{Timeout: timeout, Transport: &http.Transport{DisableKeepAlives: true}}
		resp, err := client.Do(req)
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		return resp, body, err
	}
	t.Run("connection_reset", func(t *testing.T) {
		t.Parallel()
		_, _, err := do("connection_reset", 5*time.Second)
		require.Error(t, err)
		assert.True(t, errors.Is(err, syscall.ECONNRESET) || strings.Contains(err.Error(), "EOF"), "%v", err)
	})
	t.Run("empty_response", func(t *testing.T) {
		t.Parallel()
		_, _, err := do("empty_response", 5*time.Second)
		require.Error(t, err)
		assert.ErrorIs(t, err, io.EOF)
	})
	t.Run("truncated_body", func(t *testing.T) {
		t.Parallel()
		resp, body, err := do("truncated_body", 5*time.Second)
		require.NotNil(t, resp, "the headers arrive")
		assert.Equal(t, 200, resp.StatusCode)
		assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
		assert.Less(t, len(body), len(`"password_changed"`))
	})
	t.Run("malformed_json", func(t *testing.T) {
		t.Parallel()
		resp, body, err := do("malformed_json", 5*time.Second)
		require.NoError(t, err)
		assert.Equal(t, 200, resp.StatusCode)
		var v any
		var syntax *json.SyntaxError
		assert.ErrorAs(t, json.Unmarshal(body, &v), &syntax)
	})
	t.Run("slow_body", func(t *testing.T) {
		t.Parallel()
		start := time.Now()
		resp, body, err := do("slow_body", 10*time.Second)
		require.NoError(t, err)
		assert.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, `"password_changed"`, string(body))
		assert.GreaterOrEqual(t, time.Since(start), 2500*time.Millisecond)
	})
	t.Run("slow_body against a client timeout", func(t *testing.T) {
		t.Parallel()
		_, _, err := do("slow_body", 500*time.Millisecond)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "Client.Timeout")
	})
	t.Run("timeout", func(t *testing.T) {
		t.Parallel()
		start := time.Now()
		_, _, err := do("timeout", 300*time.Millisecond)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "Client.Timeout")
		assert.Less(t, time.Since(start), 2*time.Second)
	})
	t.Run("slow_success", func(t *testing.T) {
		t.Parallel()
		start := time.Now()
		resp, body, err := do("slow_success", 10*time.Second)
		require.NoError(t, err)
		assert.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, `"password_changed"`, string(body))
		assert.GreaterOrEqual(t, time.Since(start), 2*time.Second)
	})
}
