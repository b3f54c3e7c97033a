package sso

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/signing"
	"github.com/lsmock/lsmock/internal/testutil"
)

func TestIDTokenVerifiesWithTheKeySet(t *testing.T) {
	t.Parallel()
	clock := testutil.NewClock(time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC))
	p := New(signing.Builtin(), clock.Now)
	tok := p.IDToken(Claims{Username: "sso@example.com", UserID: 7, Account: "acme", Nonce: "n1"}, "http://h/sso")
	parts := strings.Split(tok, ".")
	require.Len(t, parts, 3)

	var set struct {
		Keys []struct{ Kty, Alg, Kid, N, E string }
	}
	require.NoError(t, json.Unmarshal(p.JWKS(), &set))
	require.Len(t, set.Keys, 1)
	n, err := base64.RawURLEncoding.DecodeString(set.Keys[0].N)
	require.NoError(t, err)
	e, err := base64.RawURLEncoding.DecodeString(set.Keys[0].E)
	require.NoError(t, err)
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	require.NoError(t, err)
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	assert.NoError(t, rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig))

	c, err := p.Verify(tok)
	require.NoError(t, err)
	assert.Equal(t, Claims{Username: "sso@example.com", Account: "acme", Nonce: "n1"}, c)

	clock.Advance(TokenTTL)
	_, err = p.Verify(tok)
	assert.ErrorIs(t, err, ErrExpired)
}

func TestVerifyRefusesForgedTokens(t *testing.T) {
	t.Parallel()
	p := New(signing.Builtin(), nil)
	tok := p.IDToken(Claims{Username: "sso@example.com", Account: "acme"}, "http://h/sso")
	parts := strings.Split(tok, ".")
	other, _ := json.Marshal(map[string]any{"email": "evil@example.com", "exp": time.Now().Add(time.Hour).Unix()})
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`))
	for name, forged := range map[string]string{
		"empty":          "",
		"two parts":      parts[0] + "." + parts[1],
		"other payload":  parts[0] + "." + base64.RawURLEncoding.EncodeToString(other) + "." + parts[2],
		"alg none":       none + "." + parts[1] + ".",
		"bad signature":  parts[0] + "." + parts[1] + ".AAAA",
		"not base64":     "!!.!!.!!",
		"garbage header": "e30." + parts[1] + "." + parts[2],
	} {
		_, err := p.Verify(forged)
		assert.ErrorIs(t, err, ErrInvalid, name)
	}
}

func TestCodesAreSingleUseShortLivedAndBounded(t *testing.T) {
	t.Parallel()
	clock := testutil.NewClock(time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC))
	p := New(signing.Builtin(), clock.Now)
	code := p.IssueCode(Claims{Username: "u", Account: "a"}, "http://h/sso")
	c, issuer, err := p.Redeem(code)
	require.NoError(t, err)
	assert.Equal(t, "u", c.Username)
	assert.Equal(t, "http://h/sso", issuer)
	_, _, err = p.Redeem(code)
	assert.ErrorIs(t, err, ErrUnknown, "a code is taken once")

	late := p.IssueCode(Claims{Username: "u"}, "")
	clock.Advance(CodeTTL)
	_, _, err = p.Redeem(late)
	assert.ErrorIs(t, err, ErrExpired)

	p.max = 3
	first := p.IssueCode(Claims{Username: "1"}, "")
	for range 5 {
		p.IssueCode(Claims{Username: "n"}, "")
	}
	assert.LessOrEqual(t, p.Pending(), 3)
	_, _, err = p.Redeem(first)
	assert.ErrorIs(t, err, ErrUnknown, "the oldest code went first")
}

func TestDiscoveryNamesTheEndpoints(t *testing.T) {
	t.Parallel()
	d := Discovery("http://127.0.0.1:8080")
	assert.Equal(t, "http://127.0.0.1:8080/sso", d["issuer"])
	assert.Equal(t, "http://127.0.0.1:8080/sso/auth", d["authorization_endpoint"])
	assert.Equal(t, "http://127.0.0.1:8080/sso/token", d["token_endpoint"])
	assert.Equal(t, "http://127.0.0.1:8080/sso/certs", d["jwks_uri"])
}
