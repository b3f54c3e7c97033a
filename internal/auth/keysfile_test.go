package auth_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/auth"
)

// TestKeysFileErrors: a mistake in a --keys file is told as file:line:col and what to fix,
// in lsmock's words, not as the YAML library's Go types.
func TestKeysFileErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		file, want string
	}{
		{"typo.yaml", `testdata/keys/typo.yaml:3:5: unknown key "shared_kee" in a key (allowed: api_key, shared_key, status, products)`},
		{"client_typo.yaml", `testdata/keys/client_typo.yaml:2:20: unknown key "secret" in a client (allowed: client_id, client_secret)`},
		{"unknown_top.yaml", `testdata/keys/unknown_top.yaml:1:1: unknown key "nothing" (allowed: keys, tokens, clients)`},
		{"wrong_type.yaml", "testdata/keys/wrong_type.yaml:1: wrong type: want a list"},
		{"wrong_field_type.yaml", "testdata/keys/wrong_field_type.yaml:2: wrong type: want a string"},
		{"unclosed.yaml", "testdata/keys/unclosed.yaml:2:1: not valid YAML: did not find expected node content"},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			_, err := auth.LoadKeysFile("testdata/keys/" + tc.file)
			require.Error(t, err)
			assert.Equal(t, tc.want, err.Error())
			assert.NotContains(t, err.Error(), "struct")
		})
	}
}
