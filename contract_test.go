package lsmock_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock"
	"github.com/lsmock/lsmock/internal/auth"
	"github.com/lsmock/lsmock/internal/contract"
	"github.com/lsmock/lsmock/mockserver"
)

// oracle checks lsmock's answers against a spec with kin-openapi, independently of the
// libopenapi-validator that lsmock itself validates requests with.
type oracle struct{ *contract.Oracle }

func newOracle(t *testing.T, specYAML []byte) *oracle {
	t.Helper()
	c, err := contract.NewOracle(specYAML, "")
	require.NoError(t, err)
	return &oracle{c}
}

// check asserts that one exchange honours the spec.
func (o *oracle) check(t *testing.T, req *http.Request, status int, header http.Header, body []byte) {
	t.Helper()
	assert.NoError(t, o.Judge(req, status, header, body),
		"%s %s -> %d %s breaks the spec", req.Method, req.URL.Path, status, body)
}

// TestOracleCatchesDrift proves the oracle is not vacuous: answers that break the contract fail it.
func TestOracleCatchesDrift(t *testing.T) {
	t.Parallel()
	o := newOracle(t, lsmock.DefaultSpec())
	jsonHeader := http.Header{"Content-Type": []string{"application/json; charset=utf-8"}}
	cases := []struct {
		name   string
		path   string
		status int
		header http.Header
		body   string
	}{
		{"object instead of the string", "/api/v4/change_password", 200, jsonHeader, `{"message":"password_changed"}`},
		{"another string", "/api/v4/change_password", 200, jsonHeader, `"ok"`},
		{"extra field in an error", "/api/v4/change_password", 400, jsonHeader, `{"status":400,"code":"x","message":"m","detail":"d"}`},
		{"error without code", "/api/v4/change_password", 400, jsonHeader, `{"status":400,"message":"m"}`},
		{"undocumented status", "/api/v4/change_password", 418, jsonHeader, `{"status":418,"code":"x","message":"m"}`},
		{"HTML 500", "/api/v4/change_password", 500, http.Header{"Content-Type": []string{"text/html"}}, `<h1>oops</h1>`},
		{"unrouted non-error", "/nope", 404, jsonHeader, `"password_changed"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest(http.MethodPost, tc.path, strings.NewReader(validBody))
			assert.Error(t, o.Judge(req, tc.status, tc.header, []byte(tc.body)))
		})
	}
}

func startConfig(t *testing.T, cfg mockserver.Config) *httptest.Server {
	t.Helper()
	cfg.MaxHold = 5 * time.Second
	h, err := mockserver.New(cfg)
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// exchange is one request and what the test expects back.
type exchange struct {
	name    string
	method  string
	path    string
	headers map[string]string // "" deletes a default header
	body    string
	status  int
	code    string // "" for a success
	message string
	want    string // exact success body
	extra   func(t *testing.T, resp *http.Response)
}

func run(t *testing.T, srv *httptest.Server, o *oracle, defaults map[string]string, tc exchange) {
	t.Helper()
	method := tc.method
	if method == "" {
		method = http.MethodPost
	}
	req, err := http.NewRequest(method, srv.URL+tc.path, strings.NewReader(tc.body))
	require.NoError(t, err)
	for k, v := range defaults {
		req.Header.Set(k, v)
	}
	for k, v := range tc.headers {
		if v == "" {
			req.Header.Del(k)
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)

	assert.Equal(t, tc.status, resp.StatusCode, "body: %s", body)
	assert.Equal(t, "application/json; charset=utf-8", resp.Header.Get("Content-Type"))
	if tc.code != "" {
		var got map[string]any
		require.NoError(t, json.Unmarshal(body, &got), "error body must be JSON: %s", body)
		assert.Len(t, got, 3, "an error body has exactly status, code and message: %s", body)
		assert.Equal(t, float64(tc.status), got["status"])
		assert.Equal(t, tc.code, got["code"])
		if tc.message != "" {
			assert.Equal(t, tc.message, got["message"])
		}
	} else {
		assert.Equal(t, tc.want, string(body))
		assert.Empty(t, resp.Header.Get(mockserver.HeaderValidation))
	}
	if tc.extra != nil {
		tc.extra(t, resp)
	}
	o.check(t, req, resp.StatusCode, resp.Header, body)
}

const validBody = `{"username":"user@example.com","password":"old-secret","new_password":"new-secret"}`

// Keys the tests sign with; lsmock in its default (format) mode knows none of them, so it
// checks the header's form and the Date but not the signature.
const (
	testAPIKey    = "my-api-key"
	testSharedKey = "my-shared-key"
)

// nodeSDKHeaders are the headers the LicenseSpring Node SDK sends, signed now.
func nodeSDKHeaders() map[string]string {
	date := time.Now().UTC().Format(http.TimeFormat)
	return map[string]string{
		"Accept":        "application/json, text/plain, */*",
		"Content-Type":  "application/json",
		"Date":          date,
		"Authorization": auth.HeaderValue(testAPIKey, testSharedKey, date),
	}
}

// startDefault serves the embedded defaults, as "lsmock serve" does.
func startDefault(t *testing.T) *httptest.Server {
	t.Helper()
	return startConfig(t, mockserver.Config{})
}

func TestContractChangePassword(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	o := newOracle(t, lsmock.DefaultSpec())
	const path = "/api/v4/change_password"
	missing := func(names string) string { return "Some parameters are missing in the request: " + names + "." }

	cases := []exchange{
		{name: "valid", path: path, body: validBody, status: 200, want: `"password_changed"`,
			extra: func(t *testing.T, resp *http.Response) {
				assert.Equal(t, "changePassword", resp.Header.Get(mockserver.HeaderOperation))
			}},
		{name: "valid without content type", path: path, headers: map[string]string{"Content-Type": ""},
			body: validBody, status: 200, want: `"password_changed"`},
		{name: "no Date", path: path, headers: map[string]string{"Date": ""}, body: validBody,
			status: 400, code: "missing_headers", message: "Some headers are missing",
			extra: detailContains("Date")},
		{name: "no Authorization", path: path, headers: map[string]string{"Authorization": ""}, body: validBody,
			status: 400, code: "missing_headers", message: "Some headers are missing",
			extra: detailContains("Authorization")},
		{name: "no headers at all", path: path, headers: map[string]string{"Date": "", "Authorization": ""},
			body: validBody, status: 400, code: "missing_headers", message: "Some headers are missing",
			extra: detailContains("Date, Authorization")},
		{name: "missing headers win over a broken body", path: path, headers: map[string]string{"Date": ""},
			body: `{`, status: 400, code: "missing_headers"},
		{name: "no username", path: path, body: `{"password":"a","new_password":"b"}`,
			status: 400, code: "missing_parameters", message: missing("username")},
		{name: "no password", path: path, body: `{"username":"a","new_password":"b"}`,
			status: 400, code: "missing_parameters", message: missing("password")},
		{name: "no new_password", path: path, body: `{"username":"a","password":"b"}`,
			status: 400, code: "missing_parameters", message: missing("new_password")},
		{name: "two missing in spec order", path: path, body: `{"new_password":"b"}`,
			status: 400, code: "missing_parameters", message: missing("username, password")},
		{name: "empty object", path: path, body: `{}`,
			status: 400, code: "missing_parameters", message: missing("username, password, new_password")},
		{name: "invalid JSON", path: path, body: `{`, status: 400, code: "invalid_json"},
		{name: "trailing garbage", path: path, body: validBody + `x`, status: 400, code: "invalid_json"},
		{name: "empty body", path: path, body: ``, status: 400, code: "invalid_json",
			extra: detailContains("empty")},
		{name: "wrong type", path: path, body: `{"username":"a","password":"b","new_password":5}`,
			status: 400, code: "validation_error", message: "new_password: must be string, got number",
			extra: detailContains("#/properties/new_password/type")},
		{name: "null field", path: path, body: `{"username":"a","password":null,"new_password":"c"}`,
			status: 400, code: "validation_error", message: "password: must be string, got null"},
		{name: "extra property", path: path, body: `{"username":"a","password":"b","new_password":"c","admin":true}`,
			status: 400, code: "validation_error", message: "unknown property 'admin' not allowed"},
		{name: "array body", path: path, body: `[]`, status: 400, code: "validation_error",
			message: "must be object, got array"},
		{name: "null body", path: path, body: `null`, status: 400, code: "validation_error",
			message: "must be object, got null"},
		{name: "unknown path", path: "/api/v4/no_such_endpoint", body: validBody,
			status: 404, code: "not_found", message: "Not found"},
		{name: "root, not GET", method: http.MethodPost, path: "/", status: 404, code: "not_found"}, // GET / answers lsmock itself (mockserver TestRoot)
		{name: "wrong method", method: http.MethodGet, path: path, status: 405, code: "method_not_allowed",
			extra: func(t *testing.T, resp *http.Response) { assert.Equal(t, "POST", resp.Header.Get("Allow")) }},
		{name: "trailing slash", path: path + "/", body: validBody, status: 200, want: `"password_changed"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			run(t, srv, o, nodeSDKHeaders(), tc)
		})
	}
}

func detailContains(want string) func(t *testing.T, resp *http.Response) {
	return func(t *testing.T, resp *http.Response) {
		t.Helper()
		assert.Contains(t, resp.Header.Get(mockserver.HeaderValidation), want)
	}
}

// TestContractSecondSpec shows the mapping is driven by the spec: other headers, fields,
// messages and statuses, with the same codes.
func TestContractSecondSpec(t *testing.T) {
	t.Parallel()
	const file = "testdata/specs/widgets.yaml"
	raw, err := os.ReadFile(file)
	require.NoError(t, err)
	srv := startConfig(t, mockserver.Config{Files: mockserver.Files{SpecPath: file}})
	o := newOracle(t, raw)
	const path = "/v1/shops/acme/widgets"
	headers := map[string]string{"X-Tenant": "t1", "Content-Type": "application/json"}

	cases := []exchange{
		{name: "created", path: path, body: `{"name":"bolt","size":3}`, status: 201,
			want: `{"id":"w-1","name":"bolt","size":3}`},
		{name: "dry run", path: path + "?dry_run=true", body: `{"name":"bolt","size":3}`, status: 201,
			want: `{"id":"w-1","name":"bolt","size":3}`},
		{name: "tenant missing", path: path, headers: map[string]string{"X-Tenant": ""},
			body: `{"name":"bolt","size":3}`, status: 400, code: "missing_headers", message: "The X-Tenant header is required",
			extra: detailContains("X-Tenant")},
		{name: "size missing", path: path, body: `{"name":"bolt"}`, status: 400, code: "missing_parameters",
			message: "Some parameters are missing in the request: size."},
		{name: "size too small", path: path, body: `{"name":"bolt","size":0}`, status: 422, code: "validation_error",
			message: "size: must be >= 1"},
		{name: "colour not in enum", path: path, body: `{"name":"bolt","size":2,"color":"green"}`, status: 422,
			code: "validation_error", message: `color: value must be one of 'red', 'blue'`},
		{name: "bad query parameter", path: path + "?dry_run=maybe", body: `{"name":"bolt","size":3}`,
			status: 422, code: "validation_error"},
		{name: "invalid JSON", path: path, body: `nope`, status: 400, code: "invalid_json"},
		{name: "ping", method: http.MethodGet, path: "/v1/ping", status: 200, want: `{"pong":true}`},
		{name: "ping wrong method", method: http.MethodDelete, path: "/v1/ping", status: 405, code: "method_not_allowed"},
		{name: "unknown path", method: http.MethodGet, path: "/v1/nothing", status: 404, code: "not_found",
			message: "No route"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			run(t, srv, o, headers, tc)
		})
	}
}

// Scenarios: selection, sessions and faults, seen from outside.

const cpPath = "/api/v4/change_password"

// call sends one change_password request, signed like the Node SDK, with extra headers.
func call(t *testing.T, srv *httptest.Server, target, body string, headers map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+target, strings.NewReader(body))
	require.NoError(t, err)
	for k, v := range nodeSDKHeaders() {
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
	Ref       string `json:"ref"`
	Operation string `json:"operation"`
	Method    string `json:"method"`
	Path      string `json:"path"`
	Responses []struct {
		Status    int    `json:"status"`
		Code      string `json:"code"`
		Fault     string `json:"fault"`
		Live      bool   `json:"live"`
		Signature string `json:"signature"`
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

// TestShippedScenariosByName: every shipped scenario of every operation (and every one the
// spec implies for a documented error) answers exactly that when named, even for a request
// that breaks the contract, and the answer honours the spec (kin-openapi).
func TestShippedScenariosByName(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	o := newOracle(t, lsmock.DefaultSpec())
	listed := listScenarios(t, srv)
	require.GreaterOrEqual(t, len(listed), 100)
	for _, sc := range listed {
		first := sc.Responses[0]
		switch {
		case first.Fault != "" && first.Fault != "slow_body":
			continue // network faults: TestFaults
		case first.Live:
			continue // what lsmock answers anyway, varying with the request: TestLicenseFlow
		}
		t.Run(sc.Ref, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, "X-Lsmock-Scenario: "+sc.Name, sc.Triggers.Header)
			// A broken request: without the selection it would be missing_headers.
			req, err := http.NewRequest(sc.Method, srv.URL+sc.Path, strings.NewReader(`{`))
			require.NoError(t, err)
			req.Header.Set(mockserver.HeaderScenario, sc.Name)
			req.Header.Set(mockserver.HeaderSession, "by-name-"+sc.Ref)
			resp, err := srv.Client().Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, first.Status, resp.StatusCode, "body: %s", body)
			assert.Equal(t, sc.Name, resp.Header.Get(mockserver.HeaderScenario))
			if first.Code != "" {
				var e map[string]any
				require.NoError(t, json.Unmarshal(body, &e))
				assert.Equal(t, first.Code, e["code"])
				assert.Len(t, e, 3)
			}
			o.check(t, httptest.NewRequest(sc.Method, sc.Path, nil), resp.StatusCode, resp.Header, body)
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
		{"GET", "/__lsmock/sessions/a/b/licenses", ``, 404, "not_found"},
		{"POST", "/__lsmock/licenses", ``, 405, "method_not_allowed"},
		{"GET", "/__lsmock/requests/assert", ``, 405, "method_not_allowed"},
		{"POST", "/__lsmock/requests/assert", `{"count":1,"scenario":"no_such"}`, 400, "invalid_json"},
		{"PUT", "/__lsmock/scenario", `{"name":"nope/internal_error"}`, 404, "unknown_scenario"},
		{"DELETE", "/__lsmock/signing-key", ``, 405, "method_not_allowed"},
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

// startWithUsers serves the embedded spec with the shipped change_password scenarios and
// the users of testdata/users (not the demo catalog: these users refuse unknown ones).
func startWithUsers(t *testing.T) *httptest.Server {
	t.Helper()
	fsys := fstest.MapFS{}
	for _, f := range []string{"change_password.yaml", "common.yaml"} {
		data, err := fs.ReadFile(lsmock.DefaultScenarios(), f)
		require.NoError(t, err)
		fsys[f] = &fstest.MapFile{Data: data}
	}
	users, err := os.ReadFile("testdata/users/users.yaml")
	require.NoError(t, err)
	fsys["users.yaml"] = &fstest.MapFile{Data: users}
	return startConfig(t, mockserver.Config{Files: mockserver.Files{Scenarios: fsys, ScenariosName: "scenarios"}})
}

func changePassword(username, password, next string) string {
	return fmt.Sprintf(`{"username":%q,"password":%q,"new_password":%q}`, username, password, next)
}

// TestUsersPasswordsReallyChange: with users declared, the old password stops working.
func TestUsersPasswordsReallyChange(t *testing.T) {
	t.Parallel()
	srv := startWithUsers(t)
	o := newOracle(t, lsmock.DefaultSpec())
	session := map[string]string{mockserver.HeaderSession: "qa-1"}
	steps := []struct {
		name          string
		user, pw, new string
		session       map[string]string
		status        int
		code          string
	}{
		{"pw1 to pw2", "alice@example.com", "pw1", "pw2", session, 200, ""},
		{"pw1 again is refused", "alice@example.com", "pw1", "pw3", session, 400, "invalid_credentials"},
		{"pw2 to pw3", "alice@example.com", "pw2", "pw3", session, 200, ""},
		{"another session still has pw1", "alice@example.com", "pw1", "x", map[string]string{mockserver.HeaderSession: "qa-2"}, 200, ""},
		{"unknown user", "nobody@example.com", "pw1", "x", session, 400, "invalid_credentials"},
		{"change not allowed", "bob@example.com", "bobpw", "x", session, 400, "change_password_not_allowed"},
		{"matching scenarios still win", "eve@not-allowed.example", "a", "b", session, 400, "change_password_not_allowed"},
	}
	for _, st := range steps {
		resp, body := call(t, srv, cpPath, changePassword(st.user, st.pw, st.new), st.session)
		assert.Equal(t, st.status, resp.StatusCode, "%s: %s", st.name, body)
		if st.code != "" {
			assert.Contains(t, string(body), `"code":"`+st.code+`"`, st.name)
		}
		o.check(t, httptest.NewRequest(http.MethodPost, cpPath, nil), resp.StatusCode, resp.Header, body)
	}

	status, body := admin(t, srv, http.MethodGet, "/__lsmock/sessions/qa-1/users", "")
	require.Equal(t, 200, status)
	assert.JSONEq(t, `{"session":"qa-1","users":[
		{"username":"alice@example.com","password":"[redacted]","changed":true,"change_allowed":true},
		{"username":"bob@example.com","password":"[redacted]","changed":false,"change_allowed":false}]}`, string(body))
	for _, pw := range []string{"pw1", "pw2", "pw3", "bobpw"} {
		assert.NotContains(t, string(body), `"`+pw+`"`)
	}

	status, _ = admin(t, srv, http.MethodPost, "/__lsmock/reset?session=qa-1", "")
	require.Equal(t, 200, status)
	resp, _ := call(t, srv, cpPath, changePassword("alice@example.com", "pw1", "pw2"), session)
	assert.Equal(t, 200, resp.StatusCode, "after a reset the declared password works again")
}

// TestUsersTwoSessionsConcurrently: two sessions change the same user's password at once,
// each along its own history.
func TestUsersTwoSessionsConcurrently(t *testing.T) {
	t.Parallel()
	srv := startWithUsers(t)
	var wg sync.WaitGroup
	for _, id := range []string{"left", "right"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			headers := map[string]string{mockserver.HeaderSession: id}
			prev := "pw1"
			for i := range 20 {
				next := fmt.Sprintf("%s-%d", id, i)
				resp, body := call(t, srv, cpPath, changePassword("alice@example.com", prev, next), headers)
				if !assert.Equal(t, 200, resp.StatusCode, "%s step %d: %s", id, i, body) {
					return
				}
				resp, _ = call(t, srv, cpPath, changePassword("alice@example.com", prev, "again"), headers)
				assert.Equal(t, 400, resp.StatusCode, "%s: the old password is refused", id)
				prev = next
			}
		}()
	}
	wg.Wait()
}

// TestJournalNeverHoldsAPassword: the whole contract table, plus scripted and faulty
// answers, sent with a canary password; neither the journal nor coverage holds it.
func TestJournalShowsSelectionAndNearMisses(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	session := map[string]string{mockserver.HeaderSession: "near"}
	call(t, srv, cpPath, changePassword("someone@allowed.example", "a", "b"), session)
	status, body := admin(t, srv, http.MethodGet, "/__lsmock/requests?session=near", "")
	require.Equal(t, 200, status)
	var list struct {
		Requests []struct {
			Operation  string `json:"operation"`
			Scenario   string `json:"scenario"`
			Selection  string `json:"selection"`
			Status     int    `json:"status"`
			NearMisses []struct {
				Scenario, Failed string
				Held, Of         int
			} `json:"near_misses"`
		} `json:"requests"`
	}
	require.NoError(t, json.Unmarshal(body, &list))
	require.Len(t, list.Requests, 1)
	e := list.Requests[0]
	assert.Equal(t, "changePassword", e.Operation)
	assert.Empty(t, e.Scenario)
	assert.Equal(t, "state", e.Selection, "the declared users answered")
	require.NotEmpty(t, e.NearMisses)
	assert.Equal(t, "change_password_not_allowed", e.NearMisses[0].Scenario)
	assert.Equal(t, `body username matches /@not-allowed\.example$/`, e.NearMisses[0].Failed)
}

func TestAssertRequestsAPI(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	session := map[string]string{mockserver.HeaderSession: "verify-1"}
	call(t, srv, cpPath, validBody, session)
	call(t, srv, cpPath, validBody, map[string]string{mockserver.HeaderSession: "verify-1", mockserver.HeaderScenario: "internal_error"})
	cases := []struct {
		body   string
		status int
		want   string
	}{
		{`{"session":"verify-1","count":2}`, 200, `"ok":true`},
		{`{"session":"verify-1","scenario":"internal_error","count":1}`, 200, `"count":1`},
		{`{"session":"verify-1","status":200,"at_least":1}`, 200, `"ok":true`},
		{`{"session":"verify-1","scenario":"internal_error","count":2}`, 409, `expected exactly 2 request(s) with scenario=internal_error, session=verify-1, saw 1`},
		{`{"session":"nobody","at_least":1}`, 409, `"code":"assertion_failed"`},
		{`{"session":"verify-1"}`, 400, `give one of \"count\" (exactly) and \"at_least\"`},
		{`{"scenario":"no_such","count":1}`, 400, `no scenario named no_such`},
		{`{"sesion":"x","count":1}`, 400, `unknown field`},
	}
	for _, tc := range cases {
		status, body := admin(t, srv, http.MethodPost, "/__lsmock/requests/assert", tc.body)
		assert.Equal(t, tc.status, status, tc.body)
		assert.Contains(t, string(body), tc.want, tc.body)
	}
	status, body := admin(t, srv, http.MethodPost, "/__lsmock/requests/assert", `{"session":"verify-1","count":5}`)
	require.Equal(t, 409, status)
	var failed struct {
		Seen []struct{ Scenario string } `json:"seen"`
	}
	require.NoError(t, json.Unmarshal(body, &failed))
	assert.Len(t, failed.Seen, 2, "a failed verification shows what was seen instead")

	status, _ = admin(t, srv, http.MethodDelete, "/__lsmock/requests", "")
	require.Equal(t, 204, status)
	status, _ = admin(t, srv, http.MethodPost, "/__lsmock/requests/assert", `{"session":"verify-1","count":0}`)
	assert.Equal(t, 200, status)
}

func TestCoverageListsWhatWasNeverProduced(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	call(t, srv, cpPath, validBody, nil)
	call(t, srv, cpPath, `{`, nil)
	call(t, srv, cpPath, validBody, map[string]string{mockserver.HeaderScenario: "signature_mismatch"})
	status, body := admin(t, srv, http.MethodGet, "/__lsmock/coverage", "")
	require.Equal(t, 200, status)
	var rep mockserver.CoverageReport
	require.NoError(t, json.Unmarshal(body, &rep))
	require.NotEmpty(t, rep.Operations)
	op := rep.Operations[len(rep.Operations)-1] // the spec's last
	require.Equal(t, "changePassword", op.Operation)
	assert.Equal(t, map[string]int{"200": 1, "400": 2}, op.Statuses)
	assert.Empty(t, op.Codes, "the codes produced are general ones")
	assert.Equal(t, []int{404, 405, 500}, op.NeverStatuses)
	assert.Equal(t, []string{"change_password_not_allowed", "invalid_credentials"}, op.NeverCodes)
	assert.Equal(t, map[string]int{"invalid_json": 1, "signature_mismatch": 1}, rep.General.Codes)
	assert.Contains(t, rep.General.NeverCodes, "hmac_required")
	assert.NotContains(t, rep.General.NeverCodes, "invalid_json")
	assert.Equal(t, map[string]int{"changePassword/signature_mismatch": 1, "changePassword/success": 1}, rep.Scenarios.Hit,
		"the success answered from the state counts under the success scenario")
	assert.Contains(t, rep.Scenarios.Never, "changePassword/timeout")
	assert.NotContains(t, rep.Scenarios.Never, "changePassword/success")
}

// TestVerifyAfterTheJournalWraps: verification counts every request, not what the journal
// ring still holds, so one session's assertions do not depend on what other sessions did.
func TestAssertAfterTheJournalWraps(t *testing.T) {
	t.Parallel()
	srv := startConfig(t, mockserver.Config{JournalSize: 3})
	for range 2 {
		call(t, srv, cpPath, validBody, map[string]string{mockserver.HeaderSession: "job-A", mockserver.HeaderScenario: "internal_error"})
	}
	for range 3 {
		call(t, srv, cpPath, validBody, map[string]string{mockserver.HeaderSession: "job-B"})
	}
	cases := []struct {
		body   string
		status int
	}{
		{`{"session":"job-A","scenario":"internal_error","count":2}`, 200},
		{`{"session":"job-A","count":0}`, 409},
		{`{"session":"job-A","status":500,"code":"internal_error","at_least":2}`, 200},
		{`{"session":"job-B","count":3}`, 200},
		{`{"operation":"changePassword","count":5}`, 200},
	}
	for _, tc := range cases {
		status, body := admin(t, srv, http.MethodPost, "/__lsmock/requests/assert", tc.body)
		assert.Equal(t, tc.status, status, "%s: %s", tc.body, body)
	}
	// Clearing one session's requests leaves the other's counts alone.
	status, _ := admin(t, srv, http.MethodDelete, "/__lsmock/requests?session=job-A", "")
	require.Equal(t, http.StatusNoContent, status)
	status, _ = admin(t, srv, http.MethodPost, "/__lsmock/requests/assert", `{"session":"job-A","count":0}`)
	assert.Equal(t, http.StatusOK, status)
	status, _ = admin(t, srv, http.MethodPost, "/__lsmock/requests/assert", `{"session":"job-B","count":3}`)
	assert.Equal(t, http.StatusOK, status)
}

// TestAdminLicenses: what the admin API says of the declared licenses, a session's state of
// them, and the key answers are signed with.
func TestAdminLicenses(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	status, body := admin(t, srv, http.MethodGet, "/__lsmock/licenses", "")
	require.Equal(t, http.StatusOK, status)
	var listing struct {
		Products []map[string]any `json:"products"`
		Licenses []map[string]any `json:"licenses"`
		Users    []map[string]any `json:"users"`
		Bundles  []map[string]any `json:"bundles"`
		Accounts []map[string]any `json:"customer_accounts"`
	}
	require.NoError(t, json.Unmarshal(body, &listing))
	require.Len(t, listing.Products, 5)
	require.Len(t, listing.Accounts, 1)
	assert.Equal(t, "demo-account", listing.Accounts[0]["code"])
	assert.Equal(t, []any{"sso-user@example.com"}, listing.Accounts[0]["users"])
	assert.Equal(t, "demo", listing.Products[0]["short_code"])
	require.Len(t, listing.Licenses, 16)
	require.Len(t, listing.Bundles, 1)
	assert.Equal(t, "demo-bundle", listing.Bundles[0]["code"])
	assert.Equal(t, []any{"DEMO-SUIT-0000-0009", "DEMO-ADDN-0000-0010"}, listing.Bundles[0]["licenses"])
	first := listing.Licenses[0]
	assert.Equal(t, "DEMO-PERP-0000-0001", first["license_key"])
	assert.Equal(t, "demo", first["product"])
	assert.Equal(t, "perpetual", first["license_type"])
	assert.Equal(t, 3.0, first["max_activations"])
	assert.Equal(t, []any{map[string]any{"code": "export", "feature_type": "activation"}}, first["product_features"])
	byKey := map[string]map[string]any{}
	for _, l := range listing.Licenses {
		if k, ok := l["license_key"].(string); ok {
			byKey[k] = l
		}
	}
	assert.Equal(t, 5.0, byKey["DEMO-CONS-0000-0006"]["max_consumptions"])
	assert.Equal(t, true, byKey["DEMO-OFFL-0000-0009"]["allow_offline_activation"])
	assert.Nil(t, byKey["DEMO-PERP-0000-0001"]["allow_offline_activation"], "absent when false")
	flot := byKey["DEMO-FLOT-0000-0008"]
	assert.Equal(t, true, flot["is_floating_cloud"])
	assert.Equal(t, 1.0, flot["floating_users"])
	assert.Equal(t, 10.0, flot["floating_timeout"])
	assert.Equal(t, true, flot["can_borrow"])
	assert.Contains(t, byKey["DEMO-FEAT-0000-0007"]["product_features"], map[string]any{"code": "credits", "feature_type": "consumption", "max_consumption": 10.0})
	assert.Contains(t, byKey["DEMO-FEAT-0000-0007"]["product_features"], map[string]any{"code": "seat", "feature_type": "activation", "is_floating_cloud": true, "floating_users": 1.0})
	assert.Equal(t, "scenarios/licenses.yaml:80", first["source"])
	assert.Equal(t, "demo-user@example.com", listing.Licenses[5]["username"])
	for _, u := range listing.Users {
		assert.Equal(t, "[redacted]", u["password"])
	}
	assert.NotContains(t, string(body), "demo-password")

	api := licenseAPI{t: t, srv: srv, session: "admin-licenses"}
	require.Equal(t, http.StatusOK, api.activate("DEMO-PERP-0000-0001", "hw-1").status)
	status, body = admin(t, srv, http.MethodGet, "/__lsmock/sessions/admin-licenses/licenses", "")
	require.Equal(t, http.StatusOK, status)
	var snap struct {
		Session  string `json:"session"`
		Licenses []struct {
			License        string `json:"license"`
			TimesActivated int    `json:"times_activated"`
			Devices        []struct {
				HardwareID string `json:"hardware_id"`
			} `json:"devices"`
		} `json:"licenses"`
	}
	require.NoError(t, json.Unmarshal(body, &snap))
	assert.Equal(t, "admin-licenses", snap.Session)
	require.NotEmpty(t, snap.Licenses)
	assert.Equal(t, "DEMO-PERP-0000-0001", snap.Licenses[0].License)
	assert.Equal(t, 1, snap.Licenses[0].TimesActivated)
	assert.Equal(t, "hw-1", snap.Licenses[0].Devices[0].HardwareID)

	resp, err := srv.Client().Get(srv.URL + "/__lsmock/signing-key")
	require.NoError(t, err)
	key, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, string(publicKey), string(key))
}

// TestTrailingSlash: some clients call "activate_license/" (the ESP32 client, the vendor's
// own endpoint list); the operation answers either way.
func TestTrailingSlash(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	api := licenseAPI{t: t, srv: srv, session: "slash"}
	r := api.call(http.MethodPost, "activate_license/", map[string]any{"license_key": "DEMO-PERP-0000-0001", "product": "demo", "hardware_id": "h"})
	assert.Equal(t, http.StatusOK, r.status, "%s", r.body)
	assert.Equal(t, "activateLicense", r.header.Get(mockserver.HeaderOperation))
	r = api.call(http.MethodGet, "check_license/", map[string]any{"license_key": "DEMO-PERP-0000-0001", "product": "demo", "hardware_id": "h"})
	assert.Equal(t, http.StatusOK, r.status, "%s", r.body)
}
