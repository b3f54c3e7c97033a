package mockserver_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/journal"
	"github.com/lsmock/lsmock/internal/session"
	"github.com/lsmock/lsmock/internal/testutil"
	"github.com/lsmock/lsmock/mockserver"
)

const path = "/api/v4/change_password"

// scenarios serves the embedded spec with one scenario file written inline.
func scenarios(yaml string) mockserver.Files {
	return mockserver.Files{Scenarios: fstest.MapFS{"s.yaml": {Data: []byte(yaml)}}, ScenariosName: "test"}
}

// newServer builds a server for cfg; without files, the embedded spec and no scenario files.
func newServer(t testing.TB, cfg mockserver.Config) *mockserver.Server {
	t.Helper()
	if cfg.Files.SpecPath == "" && cfg.Files.SpecYAML == nil && cfg.Files.Scenarios == nil {
		cfg.Files = scenarios("")
	}
	srv, err := mockserver.New(cfg)
	require.NoError(t, err)
	return srv
}

func signedRequest(body string) *http.Request {
	return signedRequestTo(http.MethodPost, path, body)
}

// signedRequestTo is a request the Node SDK would send to target.
func signedRequestTo(method, target, body string) *http.Request {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	r.Header.Set("Authorization", `algorithm="hmac-sha256",headers="date",signature="c2ln",apikey="k"`)
	return r
}

// New says what is wrong where: in the files, or in the configuration.
func TestNewRefusesBrokenConfiguration(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		cfg  mockserver.Config
		want string
	}{
		{"a broken scenario file", mockserver.Config{Files: scenarios("scenarios:\n  - {name: a, operation: nope, response: {}}\n")},
			"load scenarios:\ntest/s.yaml:2:26: unknown operation \"nope\""},
		{"a broken spec", mockserver.Config{Files: mockserver.Files{SpecYAML: []byte("openapi: 3.1.0\npaths: [\n"), SpecName: "mine.yaml"}},
			"load spec:\nmine.yaml:"},
		{"an unknown auth mode", mockserver.Config{Auth: mockserver.Auth{Mode: "lax"}}, `auth mode "lax": want off, format or strict`},
		{"an unknown key status", mockserver.Config{Auth: mockserver.Auth{Keys: []mockserver.Key{{APIKey: "k", SharedKey: "s"}, {APIKey: "k2", SharedKey: "s", Status: "gone"}}}},
			`Auth.Keys[1]: status "gone": want active, revoked or read_only`},
		{"a proxy with no target", mockserver.Config{Proxy: &mockserver.Proxy{}}, "the proxy's target must be a URL"},
		{"a proxy to a spec kin-openapi refuses", mockserver.Config{Files: mockserver.Files{SpecYAML: []byte("openapi: 3.0.3\npaths: [\n")},
			Proxy: &mockserver.Proxy{Target: &url.URL{Scheme: "http", Host: "127.0.0.1:1"}}}, "kin-openapi cannot load the spec"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := mockserver.New(tc.cfg)
			assert.ErrorContains(t, err, tc.want)
		})
	}
}

func TestAdminEndpoints(t *testing.T) {
	t.Parallel()
	srv := newServer(t, mockserver.Config{})
	cases := []struct {
		method, target string
		status         int
		body           string
	}{
		{http.MethodGet, "/__lsmock/health", 200, `{"status":"ok"}`},
		{http.MethodPost, "/__lsmock/health", 405, `{"status":405,"code":"method_not_allowed","message":"Method not allowed"}`},
		{http.MethodGet, "/__lsmock/nope", 404, `{"status":404,"code":"not_found","message":"No such lsmock admin endpoint; see GET /__lsmock/scenarios"}`},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.target, func(t *testing.T) {
			t.Parallel()
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, local(tc.method, tc.target))
			assert.Equal(t, tc.status, w.Code)
			assert.JSONEq(t, tc.body, w.Body.String())
		})
	}
}

func TestBodyTooLarge(t *testing.T) {
	t.Parallel()
	srv := newServer(t, mockserver.Config{MaxBodyBytes: 64})
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, signedRequest(`{"username":"`+strings.Repeat("a", 100)+`","password":"p","new_password":"n"}`))
	assert.Equal(t, http.StatusRequestEntityTooLarge, w.Code)
	assert.JSONEq(t, `{"status":413,"code":"payload_too_large","message":"Request body is too large"}`, w.Body.String())
	assert.Contains(t, w.Header().Get(mockserver.HeaderValidation), "64 bytes")
}

// TestRequestLog: one line per request with what a human needs, and never a password or a
// signature, whatever the request.
func TestRequestLog(t *testing.T) {
	t.Parallel()
	const secret = "S3cret-canary-91"
	var logs testutil.Buffer
	srv := newServer(t, mockserver.Config{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})

	bodies := []string{
		`{"username":"u@example.com","password":"` + secret + `","new_password":"` + secret + `"}`,
		`{"username":"u@example.com","password":"` + secret + `"}`,
		`{"username":"u@example.com","password":"` + secret + `","new_password":5}`,
		`{"username":"u@example.com","password":"` + secret + `","new_password":"x","extra":"` + secret + `"}`,
		`{"password":"` + secret,
		`[` + `"` + secret + `"]`,
	}
	for _, b := range bodies {
		r := signedRequest(b)
		r.Header.Set("Authorization", `algorithm="hmac-sha256",headers="date",signature="`+secret+`",apikey="k"`)
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, r)
		assert.NotContains(t, w.Body.String(), secret)
		assert.NotContains(t, w.Header().Get(mockserver.HeaderValidation), secret)
	}

	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	require.Len(t, lines, len(bodies), "one log line per request")
	var first map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &first))
	assert.Equal(t, "request", first["msg"])
	assert.Equal(t, "POST", first["method"])
	assert.Equal(t, path, first["path"])
	assert.Equal(t, float64(200), first["status"])
	assert.Equal(t, "changePassword", first["operation"])
	assert.Contains(t, first, "duration")

	var second map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &second))
	assert.Equal(t, "missing_parameters", second["code"])
	assert.Contains(t, second["detail"], "new_password")

	assert.NotContains(t, logs.String(), secret)
}

// TestLogMasksAPIKeySessions: a session named by the API key (or a Bearer token) is logged
// by its label; one named by X-Lsmock-Session as it is.
func TestLogMasksAPIKeySessions(t *testing.T) {
	t.Parallel()
	var logs testutil.Buffer
	srv := newServer(t, mockserver.Config{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	r := signedRequest(`{"username":"u","password":"p","new_password":"n"}`)
	r.Header.Set("Authorization", `algorithm="hmac-sha256",headers="date",signature="c2ln",apikey="live-key-0123456789"`)
	srv.ServeHTTP(httptest.NewRecorder(), r)
	r = signedRequest(`{"username":"u","password":"p","new_password":"n"}`)
	r.Header.Set(mockserver.HeaderSession, "ci-job-9")
	srv.ServeHTTP(httptest.NewRecorder(), r)
	r = signedRequest(`{"username":"u","password":"p","new_password":"n"}`)
	r.Header.Set("Authorization", "Bearer oauth-token-0123456789")
	srv.ServeHTTP(httptest.NewRecorder(), r)
	assert.NotContains(t, logs.String(), "live-key")
	assert.NotContains(t, logs.String(), "oauth-token")
	assert.Contains(t, logs.String(), `"session":"`+string(session.LabelOf("live-key-0123456789"))+`"`)
	assert.Contains(t, logs.String(), `"session":"`+string(session.LabelOf("oauth-token-0123456789"))+`"`)
	assert.Contains(t, logs.String(), `"session":"ci-job-9"`)
}

func TestCORS(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		cors        mockserver.CORS
		method      string
		origin      string
		preflight   bool
		wantStatus  int
		wantOrigin  string
		wantMethods string
	}{
		{name: "preflight from any origin", method: http.MethodOptions, origin: "http://localhost:5173", preflight: true,
			wantStatus: 204, wantOrigin: "http://localhost:5173", wantMethods: "POST, OPTIONS"},
		{name: "actual request exposes lsmock headers", method: http.MethodPost, origin: "http://localhost:5173",
			wantStatus: 400, wantOrigin: "http://localhost:5173"},
		{name: "restricted: allowed origin", cors: mockserver.CORS{Origins: []string{"http://app.test"}},
			method: http.MethodOptions, origin: "http://app.test", preflight: true, wantStatus: 204, wantOrigin: "http://app.test", wantMethods: "POST, OPTIONS"},
		{name: "restricted: other origin gets no grant", cors: mockserver.CORS{Origins: []string{"http://app.test"}},
			method: http.MethodOptions, origin: "http://evil.test", preflight: true, wantStatus: 405},
		{name: "disabled", cors: mockserver.CORS{Disabled: true}, method: http.MethodOptions, origin: "http://localhost:5173",
			preflight: true, wantStatus: 405},
		{name: "no origin, no CORS headers", method: http.MethodPost, wantStatus: 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, mockserver.Config{CORS: tc.cors})
			r := httptest.NewRequest(tc.method, path, strings.NewReader(`{}`))
			if tc.origin != "" {
				r.Header.Set("Origin", tc.origin)
			}
			if tc.preflight {
				r.Header.Set("Access-Control-Request-Method", "POST")
				r.Header.Set("Access-Control-Request-Headers", "content-type, x-lsmock-scenario")
			}
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, r)
			assert.Equal(t, tc.wantStatus, w.Code)
			assert.Equal(t, tc.wantOrigin, w.Header().Get("Access-Control-Allow-Origin"))
			assert.Equal(t, tc.wantMethods, w.Header().Get("Access-Control-Allow-Methods"))
			if tc.wantMethods != "" {
				assert.Equal(t, "Content-Type, Accept, Date, Authorization, X-Lsmock-Scenario, X-Lsmock-Session, X-Lsmock-Date",
					w.Header().Get("Access-Control-Allow-Headers"))
			}
			if tc.wantOrigin != "" {
				assert.Contains(t, w.Header().Get("Access-Control-Expose-Headers"), mockserver.HeaderValidation)
			}
		})
	}
}

// Browsers refuse to let a page set Date; X-Lsmock-Date stands in for it, and only when
// Date is absent.
func TestLsmockDateStandsInForDate(t *testing.T) {
	t.Parallel()
	srv := newServer(t, mockserver.Config{})
	now := time.Now().UTC().Format(http.TimeFormat)
	stale := time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)
	cases := []struct {
		name, date, lsmockDate string
		wantStatus             int
		wantCode               string
	}{
		{"stand-in alone", "", now, http.StatusOK, ""},
		{"neither", "", "", http.StatusBadRequest, "missing_headers"},
		{"stale stand-in is checked like Date", "", stale, http.StatusBadRequest, "date_header_diff"},
		{"Date wins over the stand-in", now, stale, http.StatusOK, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := signedRequest(`{"username":"u@example.com","password":"p","new_password":"n"}`)
			r.Header.Del("Date")
			if tc.date != "" {
				r.Header.Set("Date", tc.date)
			}
			if tc.lsmockDate != "" {
				r.Header.Set(mockserver.HeaderDate, tc.lsmockDate)
			}
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, r)
			assert.Equal(t, tc.wantStatus, w.Code, w.Body.String())
			if tc.wantCode != "" {
				assert.Contains(t, w.Body.String(), `"code":"`+tc.wantCode+`"`)
			}
		})
	}
}

func TestDashboardFiles(t *testing.T) {
	t.Parallel()
	srv := newServer(t, mockserver.Config{})
	cases := []struct {
		method, path string
		status       int
		contentType  string
	}{
		{http.MethodGet, "/__lsmock/", http.StatusOK, "text/html; charset=utf-8"},
		{http.MethodHead, "/__lsmock/", http.StatusOK, "text/html; charset=utf-8"},
		{http.MethodGet, "/__lsmock/ui/app.js", http.StatusOK, "text/javascript; charset=utf-8"},
		{http.MethodGet, "/__lsmock/ui/style.css", http.StatusOK, "text/css; charset=utf-8"},
		{http.MethodGet, "/__lsmock/ui/nope.js", http.StatusNotFound, "application/json; charset=utf-8"},
		{http.MethodGet, "/__lsmock/ui/../server.go", http.StatusNotFound, "application/json; charset=utf-8"},
		{http.MethodPost, "/__lsmock/", http.StatusMethodNotAllowed, "application/json; charset=utf-8"},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			t.Parallel()
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, local(tc.method, tc.path))
			assert.Equal(t, tc.status, w.Code)
			assert.Equal(t, tc.contentType, w.Header().Get("Content-Type"))
			if tc.status == http.StatusOK {
				assert.Contains(t, w.Header().Get("Content-Security-Policy"), "script-src 'self'", "no inline script may run")
			}
		})
	}
}

// metric reads one unlabelled value from GET /__lsmock/metrics.
func metric(t *testing.T, srv http.Handler, name string) int {
	t.Helper()
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, local(http.MethodGet, "/__lsmock/metrics"))
	require.Equal(t, http.StatusOK, w.Code)
	for _, line := range strings.Split(w.Body.String(), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			n, err := strconv.Atoi(v)
			require.NoError(t, err, line)
			return n
		}
	}
	t.Fatalf("no metric %s in:\n%s", name, w.Body.String())
	return 0
}

// TestJournalStaysBoundedUnderHugeFields fills the journal twice over with requests whose
// fields are 1 MB each (a visible username, an undeclared field, a huge key, broken JSON,
// a huge header): what the journal accounts for stays within its budget and each entry
// within its own limit, so memory stays bounded whatever clients send.
func TestJournalStaysBoundedUnderHugeFields(t *testing.T) {
	t.Parallel()
	const size = 4
	srv := newServer(t, mockserver.Config{JournalSize: size})
	mb := strings.Repeat("x", 1_000_000)
	bodies := []string{
		`{"username":"` + mb + `","password":"p","new_password":"n"}`,
		`{"username":"u","password":"p","new_password":"n","extra":"` + mb + `"}`,
		`{"username":"u","password":"p","new_password":"n","` + mb + `":1}`,
		`{"username":"` + mb,
	}
	for i := range 2 * size {
		r := signedRequest(bodies[i%len(bodies)])
		r.Header.Set("X-Huge", mb[:60_000])
		srv.ServeHTTP(httptest.NewRecorder(), r)
	}
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, local(http.MethodGet, "/__lsmock/requests"))
	require.Equal(t, http.StatusOK, w.Code)
	assert.Less(t, w.Body.Len(), size*journal.MaxEntryBytes, "what the dashboard fetches is bounded too")
	assert.Contains(t, w.Body.String(), "…[1000000 bytes]", "a clipped field says how long it was")

	bytes, budget := metric(t, srv, "lsmock_journal_bytes"), metric(t, srv, "lsmock_journal_budget_bytes")
	assert.Equal(t, size, metric(t, srv, "lsmock_journal_entries"))
	assert.LessOrEqual(t, bytes, budget)
	assert.LessOrEqual(t, bytes, size*(journal.MaxEntryBytes+journal.MaxString+64), "each entry within its own limit")
}

// A 1 MB field name is not repeated whole in the answer, its header or the log.
func TestHugeFieldNamesAreNotRepeated(t *testing.T) {
	t.Parallel()
	var logs testutil.Buffer
	srv := newServer(t, mockserver.Config{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, signedRequest(`{"username":"u","password":"p","new_password":"n","`+strings.Repeat("k", 1_000_000)+`":1}`))
	assert.Equal(t, http.StatusBadRequest, w.Code)
	assert.Less(t, w.Body.Len(), 512, w.Body.String())
	assert.LessOrEqual(t, len(w.Header().Get(mockserver.HeaderValidation)), journal.MaxDetail+32)
	assert.Less(t, len(logs.String()), 4096)
}

// TestPrecedenceWithLargeBodies: a scenario chosen by name wins over everything, the body's
// size included; then the headers, then the signing, then the size (413), then the body.
func TestPrecedenceWithLargeBodies(t *testing.T) {
	t.Parallel()
	srv := newServer(t, mockserver.Config{Files: scenarios(
		"scenarios:\n  - {name: internal_error, operation: changePassword, response: {error: internal_error}}\n")})
	large := `{"username":"` + strings.Repeat("a", 1_100_000) + `","password":"p","new_password":"n"}`
	cases := []struct {
		name   string
		edit   func(r *http.Request)
		status int
		code   string
	}{
		{"named scenario over 413", func(r *http.Request) { r.Header.Set(mockserver.HeaderScenario, "internal_error") }, 500, "internal_error"},
		{"named by query over 413", func(r *http.Request) { r.URL.RawQuery = "__scenario=internal_error" }, 500, "internal_error"},
		{"missing header over 413", func(r *http.Request) { r.Header.Del("Date") }, 400, "missing_headers"},
		{"signing over 413", func(r *http.Request) {
			r.Header.Set("Authorization", `algorithm="md5",headers="date",signature="c2ln",apikey="k"`)
		}, 400, "hmac_required"},
		{"413 over the body's content", func(r *http.Request) {}, 413, "payload_too_large"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := signedRequest(large)
			tc.edit(r)
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, r)
			assert.Equal(t, tc.status, w.Code)
			assert.Contains(t, w.Body.String(), `"code":"`+tc.code+`"`)
		})
	}
}

// TestTimesUnderConcurrency: many requests of one session race for a times: 1 scenario;
// exactly one gets it, and every other goes on to the next matching scenario, not the default.
func TestTimesUnderConcurrency(t *testing.T) {
	t.Parallel()
	srv := newServer(t, mockserver.Config{Files: scenarios(`
scenarios:
  - {name: once, operation: changePassword, priority: 2, times: 1, match: {body: {username: racer}}, response: {error: internal_error}}
  - {name: after, operation: changePassword, priority: 1, match: {body: {username: racer}}, response: {error: change_password_not_allowed}}
`)})
	const n, rounds = 32, 200
	for round := range rounds {
		session := "session-" + strconv.Itoa(round)
		codes := make(chan string, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := signedRequest(`{"username":"racer","password":"p","new_password":"n"}`)
				r.Header.Set(mockserver.HeaderSession, session)
				<-start
				w := httptest.NewRecorder()
				srv.ServeHTTP(w, r)
				codes <- w.Header().Get(mockserver.HeaderScenario)
			}()
		}
		close(start)
		wg.Wait()
		close(codes)
		got := map[string]int{}
		for c := range codes {
			got[c]++
		}
		require.Equal(t, map[string]int{"once": 1, "after": n - 1}, got, "round %d", round)
	}
}
