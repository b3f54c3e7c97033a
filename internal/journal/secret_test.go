package journal

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSecretName(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		secret bool
	}{
		{"password", true}, {"new_password", true}, {"PASSWORD", true}, {"X-Api-Token", true},
		{"Cookie", true}, {"Set-Cookie", true}, {"client_secret", true}, {"LicenseSignature", true},
		{"shared_key", true}, {"SHARED_KEY", true}, {"passwort", false}, {"Content-Type", false},
		{"Date", false}, {"username", false}, {"pass", false}, {"", false}, {"tok", false},
		{"Zoë_password", true}, {"ÜBER_TOKEN", true}, {"Zoë", false},
		{"api_key", true}, {"apikey", true}, {"apiKey", true}, {"API-KEY", true}, {"x_api_key", true},
		{"private_key", true}, {"privateKey", true}, {"Private-Key", true}, {"offline_key", true},
		{"X-Access-Key", true}, {"credentials", true}, {"Credential", true}, {"jwt", true}, {"id_jwt", true},
		{"authorization", true}, {"Proxy-Authorization", true}, {"authorization_method", false},
		{"passwd", true}, {"shared-key", true}, {"sharedKey", true},
		{"license_key", false}, {"allow_offline_activation", false}, {"is_hardware_key_auth", false},
		{"api", false}, {"key", false}, {"a", false}, {"api_", false},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.secret, SecretName(tc.name), tc.name)
	}
}

func TestSecretValue(t *testing.T) {
	t.Parallel()
	cases := []struct {
		value  string
		secret bool
	}{
		{"Bearer abc.def", true}, {"bearer x", true}, {"BEARER x", true},
		{"Basic dXNlcjpwYXNz", true}, // user:pass
		{"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", true},
		{"-----BEGIN RSA PRIVATE KEY-----\nMIIE", true}, {"-----BEGIN PRIVATE KEY-----", true},
		{"Basic plan", false}, {"Basic", false}, {"Bearer ", false}, {"Bearer of good news", false},
		{"-----BEGIN PUBLIC KEY-----", false}, {"eyJ", false}, {"u@example.com", false}, {"", false},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.secret, SecretValue(tc.value), tc.value)
	}
}

// RedactHeaders shows a clear header's value without asking SecretName: none may be one.
func TestClearHeadersAreNotSecret(t *testing.T) {
	t.Parallel()
	for name := range clearHeaders {
		assert.False(t, SecretName(name), name)
	}
}
