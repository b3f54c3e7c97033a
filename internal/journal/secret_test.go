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
	}
	for _, tc := range cases {
		assert.Equal(t, tc.secret, SecretName(tc.name), tc.name)
	}
}
