package mockserver_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/mockserver"
)

// local is an admin request from a client on loopback, as from the developer's own machine.
func local(method, target string) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	r.RemoteAddr, r.Host = "127.0.0.1:50000", "127.0.0.1:8080"
	return r
}

func TestAdminAccess(t *testing.T) {
	t.Parallel()
	open := newServer(t, mockserver.Config{})
	withToken := newServer(t, mockserver.Config{Admin: mockserver.AdminAccess{Token: "s3cret"}})
	separate := newServer(t, mockserver.Config{Admin: mockserver.AdminAccess{Separate: true}})
	separateWithToken := newServer(t, mockserver.Config{Admin: mockserver.AdminAccess{Separate: true, Token: "s3cret"}})

	cases := []struct {
		name    string
		handler http.Handler
		remote  string
		path    string
		bearer  string
		status  int
		code    string
	}{
		{"loopback IPv4", open, "127.0.0.1:1", "/__lsmock/requests", "", 200, ""},
		{"loopback IPv6", open, "[::1]:1", "/__lsmock/requests", "", 200, ""},
		{"loopback, but a page's own name (DNS rebinding)", open, "127.0.0.1:1", "http://evil.example:8080/__lsmock/requests", "", 403, "admin_forbidden"},
		{"loopback, by localhost", open, "127.0.0.1:1", "http://localhost:8080/__lsmock/requests", "", 200, ""},
		{"another host", open, "192.0.2.7:1", "/__lsmock/requests", "", 403, "admin_forbidden"},
		{"another host, even the dashboard", open, "192.0.2.7:1", "/__lsmock/", "", 403, "admin_forbidden"},
		{"another host with the token", withToken, "192.0.2.7:1", "/__lsmock/requests", "s3cret", 200, ""},
		{"another host with a wrong token", withToken, "192.0.2.7:1", "/__lsmock/requests", "guess", 401, "admin_unauthorized"},
		{"another host without the token", withToken, "192.0.2.7:1", "/__lsmock/reset", "", 401, "admin_unauthorized"},
		{"the dashboard page needs no token (no data in it)", withToken, "192.0.2.7:1", "/__lsmock/ui/app.js", "", 200, ""},
		{"loopback needs no token", withToken, "127.0.0.1:1", "/__lsmock/requests", "", 200, ""},
		{"the API is open to everyone", open, "192.0.2.7:1", "/api/v4/nope", "", 404, "not_found"},
		{"separate: the API listener has no admin", separate, "127.0.0.1:1", "/__lsmock/health", "", 404, "not_found"},
		{"separate: its own listener answers anyone", separate.AdminHandler(), "192.0.2.7:1", "/__lsmock/health", "", 200, ""},
		{"separate: only admin paths there", separate.AdminHandler(), "127.0.0.1:1", "/api/v4/change_password", "", 404, "not_found"},
		{"separate: a page's own name from loopback (DNS rebinding)", separate.AdminHandler(), "127.0.0.1:1", "http://rebind.attacker.example:9090/__lsmock/requests", "", 403, "admin_forbidden"},
		{"separate: a page's own name from anywhere", separate.AdminHandler(), "192.0.2.7:1", "http://rebind.attacker.example:9090/__lsmock/scenario", "", 403, "admin_forbidden"},
		{"separate: by IP address", separate.AdminHandler(), "192.0.2.7:1", "http://192.0.2.1:9090/__lsmock/requests", "", 200, ""},
		{"separate, token: any name with the token", separateWithToken.AdminHandler(), "192.0.2.7:1", "http://ci-host:9090/__lsmock/requests", "s3cret", 200, ""},
		{"separate, token: a name without it", separateWithToken.AdminHandler(), "127.0.0.1:1", "http://rebind.attacker.example:9090/__lsmock/requests", "", 401, "admin_unauthorized"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, tc.path, nil)
			r.RemoteAddr = tc.remote
			if !strings.HasPrefix(tc.path, "http") {
				r.Host = "127.0.0.1:8080"
			}
			if tc.bearer != "" {
				r.Header.Set("Authorization", "Bearer "+tc.bearer)
			}
			w := httptest.NewRecorder()
			tc.handler.ServeHTTP(w, r)
			assert.Equal(t, tc.status, w.Code, w.Body.String())
			if tc.code != "" {
				assert.Contains(t, w.Body.String(), `"code":"`+tc.code+`"`)
			}
		})
	}
}

func TestAdminCORSOnlyForListedOrigins(t *testing.T) {
	t.Parallel()
	anyOrigin := newServer(t, mockserver.Config{})
	listed := newServer(t, mockserver.Config{CORS: mockserver.CORS{Origins: []string{"http://localhost:5173"}}})
	for _, tc := range []struct {
		name    string
		handler http.Handler
		want    string
	}{
		{"default CORS leaves admin closed to pages", anyOrigin, ""},
		{"an origin listed by --cors-origins may", listed, "http://localhost:5173"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := local(http.MethodGet, "/__lsmock/requests")
			r.Header.Set("Origin", "http://localhost:5173")
			w := httptest.NewRecorder()
			tc.handler.ServeHTTP(w, r)
			assert.Equal(t, tc.want, w.Header().Get("Access-Control-Allow-Origin"))
		})
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	f := &files{yaml: beforeReload}
	srv := newServer(t, mockserver.Config{Files: f.files(), MaxSessions: 2})
	for _, session := range []string{"a", "b", "c"} {
		r := signedRequest(validBody)
		r.Header.Set(mockserver.HeaderSession, session)
		r.Header.Set(mockserver.HeaderScenario, "sequence") // counted per session: state for each
		srv.ServeHTTP(httptest.NewRecorder(), r)
	}
	srv.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/nope", nil))
	srv.ServeHTTP(httptest.NewRecorder(), local(http.MethodPost, "/__lsmock/reload"))
	f.set("", errors.New("broken"))
	srv.ServeHTTP(httptest.NewRecorder(), local(http.MethodPost, "/__lsmock/reload"))
	srv.ServeHTTP(httptest.NewRecorder(), local(http.MethodDelete, "/__lsmock/coverage"))

	w := httptest.NewRecorder()
	srv.ServeHTTP(w, local(http.MethodGet, "/__lsmock/metrics"))
	require.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, "text/plain; version=0.0.4; charset=utf-8", w.Header().Get("Content-Type"))
	body := w.Body.String()
	for _, line := range []string{
		`lsmock_requests_total{operation="changePassword",status="500",code="internal_error"} 3`,
		`lsmock_requests_total{operation="",status="404",code="not_found"} 1`,
		"# TYPE lsmock_requests_total counter",
		"lsmock_sessions 2",
		"lsmock_sessions_evicted_total 1",
		"lsmock_journal_entries 4",
		`lsmock_reloads_total{result="ok"} 1`,
		`lsmock_reloads_total{result="failed"} 1`,
		"lsmock_scenarios 3",
	} {
		assert.Contains(t, body, line+"\n")
	}
}
