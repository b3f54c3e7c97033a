package oauth

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/auth"
)

// TestTokensAreBounded: however many tokens clients ask for, the issuer keeps maxTokens,
// dropping the oldest.
func TestTokensAreBounded(t *testing.T) {
	t.Parallel()
	i := NewIssuer(nil, true, 0, nil)
	f := url.Values{"grant_type": {"client_credentials"}, "client_id": {"c"}, "client_secret": {"s"}}
	token := func() string {
		var b struct {
			Token string `json:"access_token"`
		}
		require.NoError(t, json.Unmarshal(i.Issue(f, "", "", false).Body, &b))
		return b.Token
	}
	first := token()
	for range maxTokens {
		token()
	}
	assert.Len(t, i.tokens, maxTokens)
	_, state := i.Lookup(first)
	assert.Equal(t, auth.TokenUnknown, state, "the oldest token was dropped")
}
