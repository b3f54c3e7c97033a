package oauth_test

import (
	"encoding/json"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/auth"
	"github.com/lsmock/lsmock/internal/oauth"
)

func form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func TestIssue(t *testing.T) {
	t.Parallel()
	clients := []oauth.Client{{ID: "ci", Secret: "s3cret"}}
	cases := []struct {
		name          string
		acceptUnknown bool
		form          url.Values
		status        int
		err           string
	}{
		{"known client", false, form("grant_type", "client_credentials", "client_id", "ci", "client_secret", "s3cret"), 200, ""},
		{"wrong secret", true, form("grant_type", "client_credentials", "client_id", "ci", "client_secret", "nope"), 401, "invalid_client"},
		{"unknown client, strict", false, form("grant_type", "client_credentials", "client_id", "x", "client_secret", "y"), 401, "invalid_client"},
		{"unknown client, format", true, form("grant_type", "client_credentials", "client_id", "x", "client_secret", "y"), 200, ""},
		{"no secret", true, form("grant_type", "client_credentials", "client_id", "x"), 401, "invalid_client"},
		{"other grant", true, form("grant_type", "password", "client_id", "ci", "client_secret", "s3cret"), 400, "unsupported_grant_type"},
		{"no grant", true, form("client_id", "ci", "client_secret", "s3cret"), 400, "invalid_request"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			i := oauth.NewIssuer(clients, tc.acceptUnknown, 0, nil)
			r := i.Issue(tc.form, "", "", false)
			assert.Equal(t, tc.status, r.Status)
			assert.Equal(t, tc.err, r.Error)
			var body map[string]any
			require.NoError(t, json.Unmarshal(r.Body, &body))
			if tc.err != "" {
				assert.Equal(t, tc.err, body["error"])
				assert.NotEmpty(t, body["error_description"])
				assert.NotContains(t, string(r.Body)+r.Detail, "s3cret")
				return
			}
			assert.Equal(t, "Bearer", body["token_type"])
			assert.Equal(t, float64(480), body["expires_in"], "the vendor's lifetime by default")
			client, state := i.Lookup(body["access_token"].(string))
			assert.Equal(t, auth.TokenLive, state)
			assert.Equal(t, tc.form.Get("client_id"), client)
		})
	}
}

func TestDemoClientAndBasicAuth(t *testing.T) {
	t.Parallel()
	i := oauth.NewIssuer(nil, false, 0, nil)
	grant := form("grant_type", "client_credentials")
	assert.Equal(t, 200, i.Issue(grant, oauth.DemoClientID, oauth.DemoClientSecret, true).Status, "HTTP Basic client authentication")
	assert.Equal(t, 401, i.Issue(grant, oauth.DemoClientID, "wrong", true).Status)
}

// TestTokensExpire: a token is live for its TTL, then expired (not unknown), so the License
// API can answer oauth_token_expired.
func TestTokensExpire(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	i := oauth.NewIssuer(nil, true, 10*time.Second, clock)
	r := i.Issue(form("grant_type", "client_credentials", "client_id", "a", "client_secret", "b"), "", "", false)
	require.Equal(t, 200, r.Status)
	var body struct {
		Token     string `json:"access_token"`
		ExpiresIn int    `json:"expires_in"`
	}
	require.NoError(t, json.Unmarshal(r.Body, &body))
	assert.Equal(t, 10, body.ExpiresIn)
	_, state := i.Lookup(body.Token)
	assert.Equal(t, auth.TokenLive, state)
	mu.Lock()
	now = now.Add(10 * time.Second)
	mu.Unlock()
	client, state := i.Lookup(body.Token)
	assert.Equal(t, auth.TokenExpired, state)
	assert.Equal(t, "a", client)
	_, state = i.Lookup("never-issued")
	assert.Equal(t, auth.TokenUnknown, state)
}
