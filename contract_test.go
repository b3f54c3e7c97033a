package lsmock_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock"
	"github.com/lsmock/lsmock/internal/scenario"
	"github.com/lsmock/lsmock/internal/spec"
	"github.com/lsmock/lsmock/mockserver"
)

// oracle checks lsmock's answers against a spec with kin-openapi, independently of the
// libopenapi-validator that lsmock itself validates requests with.
type oracle struct {
	doc    *openapi3.T
	router routers.Router
}

func newOracle(t *testing.T, specYAML []byte) *oracle {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(specYAML)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))
	doc.Servers = nil
	router, err := legacy.NewRouter(doc)
	require.NoError(t, err)
	return &oracle{doc: doc, router: router}
}

// check asserts that one exchange honours the spec.
func (o *oracle) check(t *testing.T, req *http.Request, status int, header http.Header, body []byte) {
	t.Helper()
	assert.NoError(t, o.verify(req, status, header, body),
		"%s %s -> %d %s breaks the spec", req.Method, req.URL.Path, status, body)
}

// verify validates one exchange. Requests with no route (unknown path, wrong method) have no
// documented response to hold them to, so their body is held to the ErrorResponse schema.
func (o *oracle) verify(req *http.Request, status int, header http.Header, body []byte) error {
	// Route by path alone: the test server's host is not among the spec's servers.
	routed := req.Clone(context.Background())
	routed.URL = &url.URL{Path: req.URL.Path, RawQuery: req.URL.RawQuery}
	route, pathParams, err := o.router.FindRoute(routed)
	if err != nil {
		errSchema := o.doc.Components.Schemas["ErrorResponse"]
		if errSchema == nil {
			return errors.New("the spec defines no components.schemas.ErrorResponse")
		}
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			return fmt.Errorf("unrouted answer is not JSON: %w", err)
		}
		return errSchema.Value.VisitJSON(v)
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: routed, PathParams: pathParams, Route: route},
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	return openapi3filter.ValidateResponse(context.Background(), input)
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
			assert.Error(t, o.verify(req, tc.status, tc.header, []byte(tc.body)))
		})
	}
}

func startServer(t *testing.T, s *spec.Spec, set *scenario.Set) *httptest.Server {
	t.Helper()
	h, err := mockserver.New(mockserver.Config{Spec: s, Scenarios: set, MaxHold: 5 * time.Second})
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

// nodeSDKHeaders are the headers the LicenseSpring Node SDK sends.
var nodeSDKHeaders = map[string]string{
	"Accept":        "application/json, text/plain, */*",
	"Content-Type":  "application/json",
	"Date":          "Thu, 17 Nov 2022 20:51:35 GMT",
	"Authorization": `algorithm="hmac-sha256",headers="date",signature="UDysfR6MndUZReo07Y9r+vErn8vSxrnQ5ulit18iJ/Q=",apikey="my-api-key"`,
}

// startDefault serves the embedded defaults, as "lsmock serve" does.
func startDefault(t *testing.T) *httptest.Server {
	t.Helper()
	s, err := spec.Load(lsmock.DefaultSpecName, lsmock.DefaultSpec())
	require.NoError(t, err)
	set, err := scenario.Load(lsmock.DefaultScenarios(), "scenarios", s)
	require.NoError(t, err)
	return startServer(t, s, set)
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
		{name: "root", method: http.MethodGet, path: "/", status: 404, code: "not_found"},
		{name: "wrong method", method: http.MethodGet, path: path, status: 405, code: "method_not_allowed",
			extra: func(t *testing.T, resp *http.Response) { assert.Equal(t, "POST", resp.Header.Get("Allow")) }},
		{name: "trailing slash", path: path + "/", body: validBody, status: 200, want: `"password_changed"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			run(t, srv, o, nodeSDKHeaders, tc)
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
	s, err := spec.LoadFile(file)
	require.NoError(t, err)
	srv := startServer(t, s, nil)
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
