package lsmock_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock"
	"github.com/lsmock/lsmock/internal/oauth"
	"github.com/lsmock/lsmock/internal/session"
	"github.com/lsmock/lsmock/internal/testutil"
	"github.com/lsmock/lsmock/mockserver"
)

const (
	testClientID     = "ci-client"
	testClientSecret = "ci-client-secret"
)

// postToken asks the token endpoint as the SDKs do: a form with the client credentials.
func postToken(t *testing.T, base, id, secret string) (int, map[string]any) {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}
	resp, err := http.Post(base+oauth.TokenPath, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	var body map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	return resp.StatusCode, body
}

// bearerCall is a License API call as an OAuth-configured SDK makes it: Bearer and Date, no
// API key.
func bearerCall(t *testing.T, base string, clock func() time.Time, token, method, op string, params map[string]any, headers map[string]string) reply {
	t.Helper()
	target, body := base+"/api/v4/"+op, io.Reader(nil)
	if method == http.MethodGet {
		q := url.Values{}
		for k, v := range params {
			q.Set(k, v.(string))
		}
		target += "?" + q.Encode()
	} else {
		b, err := json.Marshal(params)
		require.NoError(t, err)
		body = strings.NewReader(string(b))
	}
	req, err := http.NewRequest(method, target, body)
	require.NoError(t, err)
	req.Header.Set("Date", clock().UTC().Format(http.TimeFormat))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return reply{status: resp.StatusCode, header: resp.Header, body: b, req: req}
}

// TestOAuth: the Python SDK's discovery, the token endpoint, Bearer calls in strict mode
// that keep the client's state across token refreshes, and the two token errors an SDK
// recovers from (expired, malformed), live and as scenarios.
func TestOAuth(t *testing.T) {
	t.Parallel()
	clock := testutil.NewClock(time.Now().UTC().Truncate(time.Second))
	srv := startConfig(t, mockserver.Config{Clock: clock.Now, Auth: mockserver.Auth{Mode: "strict",
		Clients: []mockserver.Client{{ID: testClientID, Secret: testClientSecret}}, TokenTTL: time.Minute}})
	o := newOracle(t, lsmock.DefaultSpec())

	// Discovery, with no Date or Authorization, as the Python SDK asks.
	resp, err := http.Get(srv.URL + "/api/v4/oauth_url?login_type=client_credentials")
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
	assert.JSONEq(t, `{"url":"`+srv.URL+`/auth/token"}`, string(b))

	for _, tc := range []struct{ id, secret string }{{testClientID, "wrong"}, {"stranger", "x"}} {
		status, body := postToken(t, srv.URL, tc.id, tc.secret)
		assert.Equal(t, http.StatusUnauthorized, status, tc.id)
		assert.Equal(t, "invalid_client", body["error"], tc.id)
	}
	status, body := postToken(t, srv.URL, testClientID, testClientSecret)
	require.Equal(t, http.StatusOK, status, "%v", body)
	assert.Equal(t, "Bearer", body["token_type"])
	assert.Equal(t, float64(60), body["expires_in"])
	first := body["access_token"].(string)

	call := func(token, method, op string, params map[string]any, headers map[string]string) reply {
		r := bearerCall(t, srv.URL, clock.Now, token, method, op, params, headers)
		o.check(t, r.req, r.status, r.header, r.body)
		return r
	}
	lic := map[string]any{"license_key": "DEMO-PERP-0000-0001", "product": "demo", "hardware_id": "hw-oauth"}
	assertSigned(t, call(first, http.MethodPost, "activate_license", lic, nil), "hw-oauth", "DEMO-PERP-0000-0001")

	clock.Advance(time.Minute)
	assert.Equal(t, "oauth_token_expired", call(first, http.MethodGet, "check_license", lic, nil).code())
	status, body = postToken(t, srv.URL, testClientID, testClientSecret)
	require.Equal(t, http.StatusOK, status)
	second := body["access_token"].(string)
	assert.NotEqual(t, first, second)
	assertSigned(t, call(second, http.MethodGet, "check_license", lic, nil), "hw-oauth", "DEMO-PERP-0000-0001") // activated under the first token

	assert.Equal(t, "oauth_token_malformed", call("made-up-token", http.MethodGet, "check_license", lic, nil).code(), "strict: a token lsmock never issued")
	for _, name := range []string{"oauth_token_expired", "oauth_token_malformed"} {
		r := call(second, http.MethodGet, "check_license", lic, map[string]string{mockserver.HeaderScenario: name})
		assert.Equal(t, name, r.code(), "the scenario of that name")
	}

	// The session is the client's, shown by its label; the journal shows neither the secret
	// nor the tokens.
	_, sessions := admin(t, srv, http.MethodGet, "/__lsmock/sessions", "")
	assert.Contains(t, string(sessions), string(session.LabelOf(testClientID)))
	_, journal := admin(t, srv, http.MethodGet, "/__lsmock/requests?limit=100", "")
	assert.Contains(t, string(journal), `"operation":"oauthToken"`)
	assert.Contains(t, string(journal), `"grant_type":"client_credentials"`)
	for _, secret := range []string{testClientSecret, first, second} {
		assert.NotContains(t, string(journal)+string(sessions), secret)
	}
}

// TestOAuthFormatMode: with the default auth mode any client gets a token (so an SDK's own
// client id works unconfigured), but the demo client's wrong secret is refused.
func TestOAuthFormatMode(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	status, _ := postToken(t, srv.URL, "any-client", "any-secret")
	assert.Equal(t, http.StatusOK, status)
	status, body := postToken(t, srv.URL, oauth.DemoClientID, "wrong")
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Equal(t, "invalid_client", body["error"])

	resp, err := http.Get(srv.URL + oauth.TokenPath)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	assert.Equal(t, http.MethodPost, resp.Header.Get("Allow"))
}
