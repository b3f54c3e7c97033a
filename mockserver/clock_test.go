package mockserver_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/oauth"
	"github.com/lsmock/lsmock/mockserver"
)

// adminCall sends an admin request from loopback and decodes its JSON answer.
func adminCall(t *testing.T, srv http.Handler, method, target, body string) (int, map[string]any) {
	t.Helper()
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	r.RemoteAddr, r.Host = "127.0.0.1:50000", "127.0.0.1:8080"
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, r)
	var got map[string]any
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got), w.Body.String())
	return w.Code, got
}

// licenseCall is a License API request of session, signed with the real time.
func licenseCall(srv http.Handler, session, method, target, body string) *httptest.ResponseRecorder {
	r := signedRequestTo(method, target, body)
	r.Header.Set(mockserver.HeaderSession, session)
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, r)
	return w
}

func embedded(t *testing.T) *mockserver.Server {
	t.Helper()
	srv, err := mockserver.New(mockserver.Config{}) // the embedded demo licenses
	require.NoError(t, err)
	return srv
}

// TestClockEndpoints: set, advance, show and delete a session's clock and the global one;
// a session's own clock wins over the global one.
func TestClockEndpoints(t *testing.T) {
	t.Parallel()
	srv := embedded(t)
	const sc = "/__lsmock/sessions/clock-job/clock"
	for _, s := range []string{"clock-job", "other-job"} { // named by a request: shown by name
		require.Equal(t, 200, licenseCall(srv, s, http.MethodGet, "/api/v4/product_details?product=demo", "").Code)
	}

	status, got := adminCall(t, srv, http.MethodGet, sc, "")
	assert.Equal(t, 200, status)
	assert.Equal(t, false, got["set"])
	assert.Equal(t, "real", got["source"])
	assert.Equal(t, "clock-job", got["session"])

	status, got = adminCall(t, srv, http.MethodPut, sc, `{"now": "2027-01-01T00:00:00Z"}`)
	assert.Equal(t, 200, status)
	assert.Equal(t, map[string]any{"session": "clock-job", "now": "2027-01-01T00:00:00.000Z", "set": true, "source": "session"}, got)
	_, got = adminCall(t, srv, http.MethodPut, sc, `{"advance": "1d12h"}`)
	assert.Equal(t, "2027-01-02T12:00:00.000Z", got["now"])
	_, got = adminCall(t, srv, http.MethodGet, sc, "")
	assert.Equal(t, "2027-01-02T12:00:00.000Z", got["now"], "frozen: it stays where it was moved")

	_, got = adminCall(t, srv, http.MethodPut, "/__lsmock/clock", `{"now": "2030-06-01"}`)
	assert.Equal(t, map[string]any{"now": "2030-06-01T00:00:00.000Z", "set": true, "source": "global"}, got)
	_, got = adminCall(t, srv, http.MethodGet, sc, "")
	assert.Equal(t, "2027-01-02T12:00:00.000Z", got["now"], "the session's own clock wins")
	_, got = adminCall(t, srv, http.MethodGet, "/__lsmock/sessions/other-job/clock", "")
	assert.Equal(t, map[string]any{"session": "other-job", "now": "2030-06-01T00:00:00.000Z", "set": false, "source": "global"}, got)
	_, got = adminCall(t, srv, http.MethodPut, "/__lsmock/sessions/other-job/clock", `{"advance": "31d"}`)
	assert.Equal(t, "2030-07-02T00:00:00.000Z", got["now"], "an unset session clock advances from the global time")

	_, got = adminCall(t, srv, http.MethodDelete, sc, "")
	assert.Equal(t, map[string]any{"session": "clock-job", "now": "2030-06-01T00:00:00.000Z", "set": false, "source": "global"}, got)
	_, got = adminCall(t, srv, http.MethodDelete, "/__lsmock/clock", "")
	assert.Equal(t, false, got["set"])
	assert.Equal(t, "real", got["source"])
	_, got = adminCall(t, srv, http.MethodGet, "/__lsmock/sessions", "")
	assert.Contains(t, mustJSON(t, got), `{"clock":"2030-07-02T00:00:00Z","session":"other-job"}`, "the session list shows a set clock")

	_, got = adminCall(t, srv, http.MethodPost, "/__lsmock/reset?session=other-job", "")
	_, got = adminCall(t, srv, http.MethodGet, "/__lsmock/sessions/other-job/clock", "")
	assert.Equal(t, false, got["set"], "a reset session is back on real time")
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// TestClockRefusesBadInput: every mistake is a vendor-shaped 400 that says what to send,
// and changes nothing.
func TestClockRefusesBadInput(t *testing.T) {
	t.Parallel()
	srv := embedded(t)
	for _, tc := range []struct{ name, body, code, says string }{
		{"not JSON", `now=2027`, "invalid_json", `{"now": "2027-01-01T00:00:00Z"}`},
		{"empty", ``, "invalid_json", "advance"},
		{"an unknown field", `{"now": "2027-01-01T00:00:00Z", "frozen": false}`, "invalid_json", "send"},
		{"both", `{"now": "2027-01-01T00:00:00Z", "advance": "1d"}`, "invalid_json", "one of now and advance"},
		{"neither", `{}`, "invalid_json", "one of now and advance"},
		{"a number", `{"advance": 86400}`, "invalid_json", "send"},
		{"trailing data", `{"advance": "1d"} {"advance": "2d"}`, "invalid_json", "send"},
		{"a huge body", `{"advance": "1d", "x": "` + strings.Repeat("x", 1<<20) + `"}`, "invalid_json", "larger than 4096 bytes"},
		{"an unparseable time", `{"now": "next tuesday"}`, "invalid_parameter", "not an RFC 3339 time"},
		{"a time past the year 9000", `{"now": "9999-01-01T00:00:00Z"}`, "invalid_parameter", "between"},
		{"a time before 1970", `{"now": "1969-12-31T23:59:59Z"}`, "invalid_parameter", "between"},
		{"a negative advance", `{"advance": "-1d"}`, "invalid_parameter", "negative"},
		{"an absurd advance", `{"advance": "100000d"}`, "invalid_parameter", "at most 36500d"},
		{"not a duration", `{"advance": "a month"}`, "invalid_parameter", `"1d12h"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, target := range []string{"/__lsmock/clock", "/__lsmock/sessions/bad-input/clock"} {
				status, got := adminCall(t, srv, http.MethodPut, target, tc.body)
				assert.Equal(t, 400, status, target)
				assert.Equal(t, 400.0, got["status"])
				assert.Equal(t, tc.code, got["code"], target)
				assert.Contains(t, got["message"], tc.says, target)
			}
		})
	}
	_, got := adminCall(t, srv, http.MethodGet, "/__lsmock/sessions/bad-input/clock", "")
	assert.Equal(t, false, got["set"], "refused moves change nothing")
}

// TestClockMovesOnlyItsSession: a 30-day license expires in the session that moved its clock
// 31 days, and nowhere else; the Date window of signing stays on the real clock.
func TestClockMovesOnlyItsSession(t *testing.T) {
	t.Parallel()
	srv := embedded(t)
	const activate = `{"license_key":"DEMO-TIME-0000-0002","product":"demo","hardware_id":"hw-1"}`
	const check = "/api/v4/check_license?license_key=DEMO-TIME-0000-0002&product=demo&hardware_id=hw-1"
	for _, s := range []string{"moved", "still"} {
		w := licenseCall(srv, s, http.MethodPost, "/api/v4/activate_license", activate)
		require.Equal(t, 200, w.Code, w.Body.String())
	}
	status, _ := adminCall(t, srv, http.MethodPut, "/__lsmock/sessions/moved/clock", `{"advance": "31d"}`)
	require.Equal(t, 200, status)

	w := licenseCall(srv, "moved", http.MethodGet, check, "")
	assert.Equal(t, 400, w.Code)
	assert.Contains(t, w.Body.String(), `"code":"license_expired"`)
	w = licenseCall(srv, "still", http.MethodGet, check, "")
	assert.Equal(t, 200, w.Code, "another session keeps real time: %s", w.Body)

	status, _ = adminCall(t, srv, http.MethodPut, "/__lsmock/clock", `{"advance": "31d"}`)
	require.Equal(t, 200, status)
	w = licenseCall(srv, "still", http.MethodGet, check, "")
	assert.Equal(t, 400, w.Code, "the global clock moves every session without its own")
	assert.Contains(t, w.Body.String(), `"code":"license_expired"`)
	w = licenseCall(srv, "fresh", http.MethodPost, "/api/v4/activate_license", activate)
	assert.Equal(t, 200, w.Code, "a Date of real time is still accepted: %s", w.Body)
}

// TestGlobalClockExpiresTokens: OAuth tokens live by the global clock.
func TestGlobalClockExpiresTokens(t *testing.T) {
	t.Parallel()
	srv := embedded(t)
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {"demo-client"}, "client_secret": {"demo-client-secret"}}
	r := httptest.NewRequest(http.MethodPost, oauth.TokenPath, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, r)
	require.Equal(t, 200, w.Code, w.Body.String())
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &tok))
	call := func() (int, string) {
		r := httptest.NewRequest(http.MethodGet, "/api/v4/product_details?product=demo", nil)
		r.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
		r.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, r)
		return w.Code, w.Body.String()
	}
	status, _ := call()
	require.Equal(t, 200, status)
	_, err := srv.AdvanceClock("", 479*time.Second)
	require.NoError(t, err)
	status, _ = call()
	assert.Equal(t, 200, status, "within expires_in")
	_, err = srv.AdvanceClock("", time.Second)
	require.NoError(t, err)
	status, body := call()
	assert.Equal(t, 400, status)
	assert.Contains(t, body, `"code":"oauth_token_expired"`, "expired on the global clock")
	srv.ResetClock("")
	status, _ = call()
	assert.Equal(t, 200, status)
}
