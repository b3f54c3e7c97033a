package oauth

import (
	"encoding/json"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/auth"
)

// TestLiveTokensAreNeverDropped: a job's live token keeps its client (and so its session)
// however many tokens others ask for after it: when the store is full of live tokens, new
// ones are refused with 503 temporarily_unavailable; once tokens expire, they make room
// (before: the oldest was dropped, live or not, and the job's requests moved session).
func TestLiveTokensAreNeverDropped(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	i := NewIssuer(nil, true, time.Minute, clock)
	i.max = 100
	issue := func(client string) Reply {
		return i.Issue(url.Values{"grant_type": {"client_credentials"}, "client_id": {client}, "client_secret": {"s"}}, "", "", false)
	}
	tokenOf := func(r Reply) string {
		var b struct {
			Token string `json:"access_token"`
		}
		require.NoError(t, json.Unmarshal(r.Body, &b))
		return b.Token
	}
	job := tokenOf(issue("job"))
	refused := 0
	for range 10_500 {
		r := issue("other")
		if r.Status != 200 {
			refused++
			assert.Equal(t, 503, r.Status)
			assert.Equal(t, "temporarily_unavailable", r.Error)
			assert.JSONEq(t, `{"error":"temporarily_unavailable","error_description":"Too many live tokens; try again later"}`, string(r.Body))
		}
	}
	assert.Equal(t, 10_500-99, refused, "the store holds 100 live tokens, the job's among them")
	client, state := i.Lookup(job)
	assert.Equal(t, "job", client)
	assert.Equal(t, auth.TokenLive, state, "the job's token is live after 10,500 requests by others")

	mu.Lock()
	now = now.Add(time.Minute) // every token has expired
	mu.Unlock()
	fresh := issue("job")
	require.Equal(t, 200, fresh.Status, "expired tokens make room")
	_, state = i.Lookup(tokenOf(fresh))
	assert.Equal(t, auth.TokenLive, state)
	assert.LessOrEqual(t, len(i.tokens), 100)
}
