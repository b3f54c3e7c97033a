package auth_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/lsmock/lsmock/internal/auth"
)

// A credential is never shown: it is named by a stable label.
func TestCredentialLabel(t *testing.T) {
	t.Parallel()
	cases := []struct{ credential, want string }{
		{"foo", "key:" + "2c26b46b68ff"}, // the first 12 hex digits of SHA-256
		{"", "key:" + "e3b0c44298fc"},    // the empty credential still has one
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, auth.CredentialLabel(tc.credential), tc.credential)
	}
	assert.NotEqual(t, auth.CredentialLabel("k1"), auth.CredentialLabel("k2"))
}
