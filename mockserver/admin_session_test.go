package mockserver_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/mockserver"
)

// TestEmptySessionParameterIsRefused: ?session= with no value (a CI variable left unset)
// is refused rather than taken as "every session": one job must not wipe the others' state
// or journal by accident. Leaving the parameter out still means all.
func TestEmptySessionParameterIsRefused(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, method, target string
		status               int
		code                 string
		keptPin              bool
	}{
		{"reset, empty session", http.MethodPost, "/__lsmock/reset?session=", 400, "invalid_parameter", true},
		{"clear requests, empty session", http.MethodDelete, "/__lsmock/requests?session=", 400, "invalid_parameter", true},
		{"reset, no parameter: all", http.MethodPost, "/__lsmock/reset", 200, "", false},
		{"reset, another session", http.MethodPost, "/__lsmock/reset?session=other-job", 200, "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, mockserver.Config{})
			require.NoError(t, srv.Pin("job-1", "internal_error"))
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, local(tc.method, tc.target))
			assert.Equal(t, tc.status, w.Code, w.Body.String())
			if tc.code != "" {
				assert.Contains(t, w.Body.String(), `"code":"`+tc.code+`"`)
				assert.Contains(t, w.Body.String(), "leave it out")
			}
			r := signedRequest(`{"username":"u@example.com","password":"old","new_password":"new"}`)
			r.Header.Set(mockserver.HeaderSession, "job-1")
			answer := httptest.NewRecorder()
			srv.ServeHTTP(answer, r)
			assert.Equal(t, tc.keptPin, answer.Code == http.StatusInternalServerError, "job-1's pin kept")
		})
	}
}

// TestAssertRefusesWhatCannotBeCounted: an assertion naming an operation no request can
// have (a typo) or a negative count is a mistake in the test, answered 400; before, a typo
// with "count": 0 passed whatever the SDK did.
func TestAssertRefusesWhatCannotBeCounted(t *testing.T) {
	t.Parallel()
	srv := newServer(t, mockserver.Config{})
	srv.ServeHTTP(httptest.NewRecorder(), signedRequest(`{"username":"u@example.com","password":"old","new_password":"new"}`))
	cases := []struct {
		name, body string
		status     int
		want       string
	}{
		{"an operation's typo", `{"operation":"changePasword","count":0}`, 400, "no operation named changePasword"},
		{"a METHOD /path is not how requests are counted", `{"operation":"POST /api/v4/change_password","count":0}`, 400, "no operation named"},
		{"a negative count", `{"operation":"changePassword","count":-1}`, 400, "count must not be negative"},
		{"a negative at_least", `{"operation":"changePassword","at_least":-1}`, 400, "at_least must not be negative"},
		{"an operation of the spec", `{"operation":"changePassword","count":1}`, 200, `"ok":true`},
		{"the token endpoint", `{"operation":"oauthToken","count":0}`, 200, `"ok":true`},
		{"single sign-on", `{"operation":"sso","count":0}`, 200, `"ok":true`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := local(http.MethodPost, "/__lsmock/requests/assert")
			r.Body = io.NopCloser(strings.NewReader(tc.body))
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, r)
			assert.Equal(t, tc.status, w.Code, w.Body.String())
			assert.Contains(t, w.Body.String(), tc.want)
		})
	}
}

// TestAdminBodies: the admin API's small JSON bodies are refused in its error shape, as too
// large (413) past their limit rather than as JSON cut off there, and as invalid_json with
// what to send when broken.
func TestAdminBodies(t *testing.T) {
	t.Parallel()
	srv := newServer(t, mockserver.Config{})
	huge := `{"name": "` + strings.Repeat("a", 10<<20) + `"}`
	cases := []struct {
		name, method, path, body string
		status                   int
		code, message            string
	}{
		{"a global pin too large", http.MethodPut, "/__lsmock/scenario", huge, http.StatusRequestEntityTooLarge, "body_too_large", "larger than 65536 bytes"},
		{"a session pin too large", http.MethodPut, "/__lsmock/sessions/job-1/scenario", huge, http.StatusRequestEntityTooLarge, "body_too_large", "larger than 65536 bytes"},
		{"an assertion too large", http.MethodPost, "/__lsmock/requests/assert", huge, http.StatusRequestEntityTooLarge, "body_too_large", "larger than 65536 bytes"},
		{"a pin not JSON", http.MethodPut, "/__lsmock/scenario", `{"name":`, http.StatusBadRequest, "invalid_json", `send {"name": "<scenario>"}`},
		{"a pin with an unknown field", http.MethodPut, "/__lsmock/scenario", `{"name": "x", "nme": "y"}`, http.StatusBadRequest, "invalid_json", `send {"name": "<scenario>"}`},
		{"an assertion not JSON", http.MethodPost, "/__lsmock/requests/assert", `[`, http.StatusBadRequest, "invalid_json", "send JSON such as"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := local(tc.method, tc.path)
			r.Body = io.NopCloser(strings.NewReader(tc.body))
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, r)
			assert.Equal(t, tc.status, w.Code)
			var e struct {
				Status  int    `json:"status"`
				Code    string `json:"code"`
				Message string `json:"message"`
			}
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &e), w.Body.String())
			assert.Equal(t, tc.status, e.Status)
			assert.Equal(t, tc.code, e.Code)
			assert.Contains(t, e.Message, tc.message)
		})
	}
}
