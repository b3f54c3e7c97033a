package mockserver

import (
	"fmt"
	"time"

	"github.com/lsmock/lsmock/internal/auth"
	"github.com/lsmock/lsmock/internal/oauth"
)

// The exported configuration is converted to the internal types here, once, in New.

// newAuth builds the signing check and the token issuer a turns on. The check holds Date to
// clock, the real one (an SDK signs with real time); tokens live by tokenClock, which the
// global test clock moves.
func newAuth(a Auth, clock, tokenClock func() time.Time) (*auth.Checker, *oauth.Issuer, error) {
	mode := auth.ModeFormat
	if a.Mode != "" {
		m, err := auth.ParseMode(a.Mode)
		if err != nil {
			return nil, nil, fmt.Errorf("mockserver: %w", err)
		}
		mode = m
	}
	keys := make([]auth.Key, len(a.Keys))
	for i, k := range a.Keys {
		status, err := auth.ParseKeyStatus(k.Status)
		if err != nil {
			return nil, nil, fmt.Errorf("mockserver: Auth.Keys[%d]: %w", i, err) // not the key itself: a secret
		}
		keys[i] = auth.Key{APIKey: k.APIKey, SharedKey: k.SharedKey, Status: status, Products: k.Products}
	}
	clients := make([]oauth.Client, len(a.Clients))
	for i, c := range a.Clients {
		clients[i] = oauth.Client(c)
	}
	issuer := oauth.NewIssuer(clients, mode != auth.ModeStrict, a.TokenTTL, tokenClock)
	return auth.NewChecker(mode, keys, a.Tokens, issuer.Lookup, clock), issuer, nil
}
