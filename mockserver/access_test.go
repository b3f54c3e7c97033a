package mockserver_test

import (
	"encoding/json"
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
		{"loopback, by localhost. (the name's absolute form)", open, "127.0.0.1:1", "http://localhost.:8080/__lsmock/requests", "", 200, ""},
		{"loopback, by a name ending in localhost.", open, "127.0.0.1:1", "http://evil.localhost.example.:8080/__lsmock/requests", "", 403, "admin_forbidden"},
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

// A page on another origin can make the browser send a "simple" POST (a form, fetch with mode
// "no-cors") without a preflight: the admin API must refuse what would change its state.
func TestAdminRefusesCrossSiteChanges(t *testing.T) {
	t.Parallel()
	open := newServer(t, mockserver.Config{})
	listed := newServer(t, mockserver.Config{CORS: mockserver.CORS{Origins: []string{"http://localhost:5173"}}})
	separateWithToken := newServer(t, mockserver.Config{Admin: mockserver.AdminAccess{Separate: true, Token: "s3cret"}})

	const own, other = "http://127.0.0.1:8080", "http://localhost:21080"
	cases := []struct {
		name    string
		handler http.Handler
		method  string
		target  string
		origin  string
		site    string // Sec-Fetch-Site
		bearer  string
		refused bool
	}{
		{"curl, an SDK: neither header", open, http.MethodPost, "/__lsmock/reset", "", "", "", false},
		{"the dashboard: own origin", open, http.MethodPost, "/__lsmock/reset", own, "same-origin", "", false},
		{"the dashboard by localhost", open, http.MethodPost, "http://localhost:8080/__lsmock/reset", "http://localhost:8080", "same-origin", "", false},
		{"own origin from a browser without Sec-Fetch-Site", open, http.MethodDelete, "/__lsmock/scenario", own, "", "", false},
		{"Sec-Fetch-Site same-origin alone", open, http.MethodPost, "/__lsmock/reset", "", "same-origin", "", false},
		{"a page on another site: reset", open, http.MethodPost, "/__lsmock/reset", other, "cross-site", "", true},
		{"a page on another site: reload", open, http.MethodPost, "/__lsmock/reload", other, "cross-site", "", true},
		{"a page on another site: pin", open, http.MethodPut, "/__lsmock/scenario", other, "cross-site", "", true},
		{"a page on another site: empty the journal", open, http.MethodDelete, "/__lsmock/requests", other, "cross-site", "", true},
		{"another port of the same host (same-site)", open, http.MethodPost, "/__lsmock/reset", "http://127.0.0.1:21080", "same-site", "", true},
		{"another origin, no Sec-Fetch-Site", open, http.MethodPost, "/__lsmock/reset", other, "", "", true},
		{"another scheme", open, http.MethodPost, "/__lsmock/reset", "https://127.0.0.1:8080", "", "", true},
		{"an opaque origin (sandboxed frame, file:)", open, http.MethodPost, "/__lsmock/reset", "null", "cross-site", "", true},
		{"Sec-Fetch-Site cross-site without Origin", open, http.MethodPost, "/__lsmock/reset", "", "cross-site", "", true},
		{"own origin but cross-site", open, http.MethodPost, "/__lsmock/reset", own, "cross-site", "", true},
		{"reads stay open: the browser hides the answer", open, http.MethodGet, "/__lsmock/sessions", other, "cross-site", "", false},
		{"an origin listed in --cors-origins", listed, http.MethodPost, "/__lsmock/reset", "http://localhost:5173", "same-site", "", false},
		{"an origin not listed", listed, http.MethodPost, "/__lsmock/reset", other, "cross-site", "", true},
		{"own listener, token: its dashboard by name", separateWithToken.AdminHandler(), http.MethodPost, "http://ci-host:9090/__lsmock/reset", "http://ci-host:9090", "same-origin", "s3cret", false},
		{"own listener, token: another page", separateWithToken.AdminHandler(), http.MethodPost, "http://ci-host:9090/__lsmock/reset", other, "cross-site", "s3cret", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := local(tc.method, tc.target)
			if strings.HasPrefix(tc.target, "http") {
				r.Host = r.URL.Host
			}
			for name, value := range map[string]string{"Origin": tc.origin, "Sec-Fetch-Site": tc.site} {
				if value != "" {
					r.Header.Set(name, value)
				}
			}
			if tc.bearer != "" {
				r.Header.Set("Authorization", "Bearer "+tc.bearer)
			}
			w := httptest.NewRecorder()
			tc.handler.ServeHTTP(w, r)
			if !tc.refused {
				assert.Less(t, w.Code, 300, w.Body.String())
				return
			}
			assert.Equal(t, http.StatusForbidden, w.Code)
			var body struct {
				Status  int    `json:"status"`
				Code    string `json:"code"`
				Message string `json:"message"`
			}
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &body), w.Body.String())
			assert.Equal(t, http.StatusForbidden, body.Status)
			assert.Equal(t, "admin_cross_site", body.Code)
			assert.Contains(t, body.Message, "another origin")
			assert.Contains(t, w.Header().Get(mockserver.HeaderValidation), "Origin", "the detail names what was refused")
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
