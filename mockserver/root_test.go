package mockserver_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/mockserver"
)

// GET / answers 200: the Python SDK's is_online() asks the API host's root. Other methods,
// and other unknown paths, are still the vendor's not_found.
func TestRoot(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name          string
		admin         mockserver.AdminAccess
		method, path  string
		wantStatus    int
		wantDashboard string
	}{
		{"GET / names lsmock and its dashboard", mockserver.AdminAccess{}, http.MethodGet, "/", http.StatusOK, "/__lsmock/"},
		{"HEAD / too", mockserver.AdminAccess{}, http.MethodHead, "/", http.StatusOK, ""},
		{"no dashboard link when the admin API has its own listener", mockserver.AdminAccess{Separate: true}, http.MethodGet, "/", http.StatusOK, ""},
		{"POST / is not found", mockserver.AdminAccess{}, http.MethodPost, "/", http.StatusNotFound, ""},
		{"another unknown path is not found", mockserver.AdminAccess{}, http.MethodGet, "/index.html", http.StatusNotFound, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, mockserver.Config{Version: "1.2.3", Admin: tc.admin})
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, httptest.NewRequest(tc.method, tc.path, nil))
			require.Equal(t, tc.wantStatus, w.Code, w.Body.String())
			var got map[string]any
			if tc.method == http.MethodHead {
				assert.Equal(t, "application/json; charset=utf-8", w.Header().Get("Content-Type"))
				return
			}
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
			if tc.wantStatus != http.StatusOK {
				assert.Equal(t, "not_found", got["code"])
				return
			}
			assert.Equal(t, "lsmock", got["name"])
			assert.Equal(t, "1.2.3", got["version"])
			if tc.wantDashboard == "" {
				assert.NotContains(t, got, "dashboard")
			} else {
				assert.Equal(t, tc.wantDashboard, got["dashboard"])
			}
		})
	}
}

// Without a version, GET / says devel; the admin API at /__lsmock/ is unchanged.
func TestRootVersionDefaultAndAdminUnchanged(t *testing.T) {
	t.Parallel()
	srv := newServer(t, mockserver.Config{})
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	require.Equal(t, http.StatusOK, w.Code)
	assert.JSONEq(t, `{"name":"lsmock","version":"devel","dashboard":"/__lsmock/","signing_key":"/__lsmock/signing-key"}`, w.Body.String())

	w = httptest.NewRecorder()
	srv.ServeHTTP(w, local(http.MethodGet, "/__lsmock/health"))
	assert.JSONEq(t, `{"status":"ok"}`, w.Body.String())
}
