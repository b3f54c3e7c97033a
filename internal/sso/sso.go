// Package sso is lsmock's stand-in for the vendor's single sign-on identity provider: an
// OpenID Connect discovery document, a login page's codes and ID tokens, and the key set
// that verifies them. ID tokens are JWTs signed RS256 with lsmock's signing key, so they
// need no memory; authorization codes are single-use, short-lived and bounded in number.
package sso

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lsmock/lsmock/internal/signing"
)

// The paths lsmock serves the identity provider at (lsmock's choice: the vendor's is a
// Keycloak realm on another host).
const (
	Prefix        = "/sso/"
	IssuerPath    = "/sso"
	AuthPath      = "/sso/auth"  // the login page (authorization endpoint)
	TokenPath     = "/sso/token" // authorization_code → id_token
	CertsPath     = "/sso/certs" // the JSON Web Key Set
	DiscoveryPath = "/sso/.well-known/openid-configuration"
)

// ClientID is the audience of the ID tokens lsmock issues, the vendor's client id in the
// login URLs its fixtures show.
const ClientID = "license-users"

// Lifetimes and bounds: lsmock's choices, those of a default Keycloak realm.
const (
	CodeTTL  = 60 * time.Second
	TokenTTL = 300 * time.Second
	// MaxCodes bounds the codes kept; past it the oldest is dropped (as if it expired).
	MaxCodes = 10_000
)

// keyID names lsmock's key in the key set and in token headers.
const keyID = "lsmock"

// Claims are who a code or an ID token stands for.
type Claims struct {
	Username string // the license user's username (email)
	UserID   int64
	Name     string
	Account  string // the customer account's code
	Nonce    string
}

// Provider issues and checks codes and ID tokens. It is safe for concurrent use.
type Provider struct {
	signer *signing.Signer
	now    func() time.Time
	max    int

	mu    sync.Mutex
	codes map[string]pending
	order []string // codes, oldest first
}

type pending struct {
	claims  Claims
	issuer  string
	expires time.Time
}

// New returns a provider signing with signer; now nil means time.Now.
func New(signer *signing.Signer, now func() time.Time) *Provider {
	if now == nil {
		now = time.Now
	}
	return &Provider{signer: signer, now: now, max: MaxCodes, codes: map[string]pending{}}
}

// Errors a code or token is refused with; the License API answers each with the same code.
var (
	ErrInvalid = errors.New("not a token lsmock issued")
	ErrExpired = errors.New("expired")
	ErrUnknown = errors.New("unknown or already used code")
)

// IssueCode returns a new single-use code for c, valid CodeTTL; issuer is the URL the
// ID token it is exchanged for will name.
func (p *Provider) IssueCode(c Claims, issuer string) string {
	code := random()
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.order) > 0 && (len(p.order) >= p.max || !now.Before(p.codes[p.order[0]].expires)) {
		delete(p.codes, p.order[0]) // expired or, at the bound, the oldest
		p.order = p.order[1:]
	}
	p.codes[code] = pending{claims: c, issuer: issuer, expires: now.Add(CodeTTL)}
	p.order = append(p.order, code)
	return code
}

// Redeem takes a code once: its claims and issuer, or ErrUnknown / ErrExpired.
func (p *Provider) Redeem(code string) (Claims, string, error) {
	p.mu.Lock()
	g, ok := p.codes[code]
	if ok {
		delete(p.codes, code) // the order slice drops it when it comes first
	}
	p.mu.Unlock()
	switch {
	case !ok:
		return Claims{}, "", ErrUnknown
	case !p.now().Before(g.expires):
		return Claims{}, "", ErrExpired
	}
	return g.claims, g.issuer, nil
}

// Pending is how many codes are kept.
func (p *Provider) Pending() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.codes)
}

func random() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// tokenClaims are an ID token's payload.
type tokenClaims struct {
	Issuer            string `json:"iss"`
	Subject           string `json:"sub"`
	Audience          string `json:"aud"`
	Expires           int64  `json:"exp"`
	IssuedAt          int64  `json:"iat"`
	AuthTime          int64  `json:"auth_time"`
	Nonce             string `json:"nonce,omitempty"`
	Email             string `json:"email"`
	EmailVerified     bool   `json:"email_verified"`
	PreferredUsername string `json:"preferred_username"`
	Name              string `json:"name,omitempty"`
	Account           string `json:"customer_account_code"`
}

// IDToken returns a JWT (RS256) for c from issuer, valid TokenTTL.
func (p *Provider) IDToken(c Claims, issuer string) string {
	now := p.now()
	header, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": keyID})
	body, _ := json.Marshal(tokenClaims{Issuer: issuer, Subject: itoa(c.UserID), Audience: ClientID,
		Expires: now.Add(TokenTTL).Unix(), IssuedAt: now.Unix(), AuthTime: now.Unix(), Nonce: c.Nonce,
		Email: c.Username, EmailVerified: true, PreferredUsername: c.Username, Name: c.Name, Account: c.Account})
	signed := b64(header) + "." + b64(body)
	sig, _ := base64.StdEncoding.DecodeString(p.signer.Sign([]byte(signed)))
	return signed + "." + b64(sig)
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Verify checks an ID token lsmock issued: its RS256 signature with lsmock's key and its
// expiry (not its issuer: the same lsmock answers on several host names).
func (p *Provider) Verify(token string) (Claims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return Claims{}, ErrInvalid
	}
	var header struct {
		Alg string `json:"alg"`
	}
	if raw, err := base64.RawURLEncoding.DecodeString(parts[0]); err != nil || json.Unmarshal(raw, &header) != nil || header.Alg != "RS256" {
		return Claims{}, ErrInvalid // alg none or HS256 with the public key: refused
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || signing.Verify(p.signer.PublicKeyPEM(), []byte(parts[0]+"."+parts[1]), base64.StdEncoding.EncodeToString(sig)) != nil {
		return Claims{}, ErrInvalid
	}
	var tc tokenClaims
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || json.Unmarshal(raw, &tc) != nil || tc.Email == "" {
		return Claims{}, ErrInvalid
	}
	if p.now().Unix() >= tc.Expires {
		return Claims{}, ErrExpired
	}
	return Claims{Username: tc.Email, Name: tc.Name, Account: tc.Account, Nonce: tc.Nonce}, nil
}

// JWKS is the key set that verifies the ID tokens: lsmock's public key as a JWK.
func (p *Provider) JWKS() []byte {
	block, _ := pem.Decode(p.signer.PublicKeyPEM())
	k, _ := x509.ParsePKIXPublicKey(block.Bytes) // the signer's own key: it parses
	pub := k.(*rsa.PublicKey)
	body, _ := json.Marshal(map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "use": "sig", "alg": "RS256", "kid": keyID,
		"n": b64(pub.N.Bytes()), "e": b64(big.NewInt(int64(pub.E)).Bytes()),
	}}})
	return body
}

// Discovery is the OpenID Connect discovery document of the provider at base (scheme and
// host, no path), as a value to embed in sso_url's answer or to serve.
func Discovery(base string) map[string]any {
	return map[string]any{
		"issuer":                                base + IssuerPath,
		"authorization_endpoint":                base + AuthPath,
		"token_endpoint":                        base + TokenPath,
		"jwks_uri":                              base + CertsPath,
		"response_types_supported":              []string{"code", "id_token"},
		"response_modes_supported":              []string{"query", "fragment"},
		"grant_types_supported":                 []string{"authorization_code", "implicit"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"scopes_supported":                      []string{"openid", "email", "profile"},
		"claims_supported":                      []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "email", "email_verified", "preferred_username", "name", "customer_account_code"},
		"token_endpoint_auth_methods_supported": []string{"none", "client_secret_post", "client_secret_basic"},
	}
}
