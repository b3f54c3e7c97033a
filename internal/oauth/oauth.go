// Package oauth is lsmock's OAuth client-credentials token endpoint: it issues Bearer
// tokens to known clients and tells the License API which client a token belongs to, and
// whether it has expired. Tokens live in memory, bounded; a restart forgets them.
package oauth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/lsmock/lsmock/internal/auth"
)

// TokenPath is where lsmock serves its token endpoint.
const TokenPath = "/auth/token"

// DefaultTTL is how long a token lives: the vendor's expires_in.
const DefaultTTL = 480 * time.Second

// The built-in client, public test data like the built-in signing key: known whenever no
// client is configured, so an SDK's wrong secret can be tried with no set-up.
const (
	DemoClientID     = "demo-client"
	DemoClientSecret = "demo-client-secret"
)

// maxTokens bounds the tokens kept (expired ones too, to tell expired from unknown, until
// the room is needed). A live token is never dropped: when every kept token is live, the
// token endpoint refuses new ones (503 temporarily_unavailable) until one expires.
const maxTokens = 10_000

// Client is an OAuth client lsmock knows.
type Client struct {
	ID     string
	Secret string
}

// Issuer issues tokens and looks them up. It is safe for concurrent use.
type Issuer struct {
	clients map[string]string // id -> secret
	// acceptUnknown issues tokens to clients it does not know, with any secret (auth modes
	// off and format); a known client's wrong secret is refused in every mode.
	acceptUnknown bool
	ttl           time.Duration
	now           func() time.Time

	max    int // maxTokens; tests set less
	mu     sync.RWMutex
	tokens map[string]grant
	order  []string // tokens, oldest first: every token lives ttl, so also in order of expiry
}

type grant struct {
	client  string
	expires time.Time
}

// NewIssuer builds an issuer. With no clients it knows the demo client. ttl <= 0 means
// DefaultTTL; now nil means time.Now.
func NewIssuer(clients []Client, acceptUnknown bool, ttl time.Duration, now func() time.Time) *Issuer {
	if len(clients) == 0 {
		clients = []Client{{ID: DemoClientID, Secret: DemoClientSecret}}
	}
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	if now == nil {
		now = time.Now
	}
	i := &Issuer{clients: map[string]string{}, acceptUnknown: acceptUnknown, ttl: ttl, now: now, max: maxTokens, tokens: map[string]grant{}}
	for _, c := range clients {
		i.clients[c.ID] = c.Secret
	}
	return i
}

// Reply is the token endpoint's answer.
type Reply struct {
	Status int
	Body   []byte
	// Client is the client that asked, "" when it named none; Error the OAuth error code.
	Client, Error string
	// Detail says why a request was refused, to a human; never a secret.
	Detail string
}

// Issue answers a token request: the form's grant_type, client_id and client_secret, or
// the client's credentials from HTTP Basic auth (basicOK).
func (i *Issuer) Issue(form url.Values, basicID, basicSecret string, basicOK bool) Reply {
	id, secret := form.Get("client_id"), form.Get("client_secret")
	if basicOK {
		id, secret = basicID, basicSecret
	}
	switch grant := form.Get("grant_type"); {
	case grant == "":
		return refuse(400, "invalid_request", "Missing form parameter: grant_type", id, "the form has no grant_type")
	case grant != "client_credentials":
		return refuse(400, "unsupported_grant_type", "Unsupported grant_type", id, "lsmock issues tokens for grant_type=client_credentials only")
	case id == "" || secret == "":
		return refuse(401, "invalid_client", "Invalid client or Invalid client credentials", id, "client_id and client_secret are both required")
	}
	want, known := i.clients[id]
	switch {
	case known && subtle.ConstantTimeCompare([]byte(want), []byte(secret)) != 1:
		return refuse(401, "invalid_client", "Invalid client or Invalid client credentials", id, "wrong client_secret for this client_id")
	case !known && !i.acceptUnknown:
		return refuse(401, "invalid_client", "Invalid client or Invalid client credentials", id, "unknown client_id (auth strict knows only configured clients)")
	}
	token := newToken()
	now := i.now()
	i.mu.Lock()
	for len(i.order) >= i.max && !now.Before(i.tokens[i.order[0]].expires) {
		delete(i.tokens, i.order[0]) // expired: the oldest go first
		i.order = i.order[1:]
	}
	if len(i.order) >= i.max {
		i.mu.Unlock()
		return refuse(503, "temporarily_unavailable", "Too many live tokens; try again later", id,
			fmt.Sprintf("lsmock keeps %d live tokens and drops none before it expires (--token-ttl %s)", i.max, i.ttl))
	}
	i.tokens[token] = grant{client: id, expires: now.Add(i.ttl)}
	i.order = append(i.order, token)
	i.mu.Unlock()
	body, _ := json.Marshal(struct {
		AccessToken      string `json:"access_token"`
		ExpiresIn        int    `json:"expires_in"`
		RefreshExpiresIn int    `json:"refresh_expires_in"`
		TokenType        string `json:"token_type"`
		NotBeforePolicy  int    `json:"not-before-policy"`
		Scope            string `json:"scope"`
	}{token, int(i.ttl / time.Second), 0, "Bearer", 0, "profile email"})
	return Reply{Status: 200, Body: body, Client: id}
}

func refuse(status int, code, description, client, detail string) Reply {
	return Reply{Status: status, Body: ErrorBody(code, description), Client: client, Error: code, Detail: detail}
}

// ErrorBody is an OAuth error answer (RFC 6749 §5.2), as the vendor's identity server writes it.
func ErrorBody(code, description string) []byte {
	body, _ := json.Marshal(map[string]string{"error": code, "error_description": description})
	return body
}

// newToken is 32 random bytes, URL-safe: opaque, as the SDKs treat tokens.
func newToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return "lsm." + base64.RawURLEncoding.EncodeToString(b[:])
}

// Lookup says whether lsmock issued token, to which client, and whether it has expired.
func (i *Issuer) Lookup(token string) (client string, state auth.TokenState) {
	i.mu.RLock()
	g, ok := i.tokens[token]
	i.mu.RUnlock()
	switch {
	case !ok:
		return "", auth.TokenUnknown
	case !i.now().Before(g.expires):
		return g.client, auth.TokenExpired
	}
	return g.client, auth.TokenLive
}

// TTL is how long the tokens it issues live.
func (i *Issuer) TTL() time.Duration { return i.ttl }
