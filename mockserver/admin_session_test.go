package mockserver_test

import (
	"net/http"
	"net/http/httptest"
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
