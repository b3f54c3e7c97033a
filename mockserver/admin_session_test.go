package mockserver_test

import (
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
