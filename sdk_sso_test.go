package lsmock_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/testutil"
)

// TestNodeSDKSSO runs single sign-on with the real Node SDK against lsmock serve with its
// embedded defaults, the SDK given only lsmock's URL and public key: getSSOUrl, lsmock's login
// page, activation by code and customer_account_code, the check that follows, and the
// id_token flow with its refusals.
func TestNodeSDKSSO(t *testing.T) {
	t.Parallel()
	node := requireNodeSDK(t)
	var logs testutil.Buffer
	base, _ := runCommand(t, &logs, "serve", "--addr", "127.0.0.1:0")

	lines := runNodeScript(t, node, "sso.js", "LSMOCK_API_PATH="+base+"/api/v4", "LSMOCK_PUBLIC_KEY="+string(publicKey),
		"LSMOCK_API_KEY=sdk-sso")
	want := []string{
		`{"step":"sso_url code","result":{"login_page":"/sso/auth","issuer":"/sso"}}`,
		`{"step":"activate by code","result":{"user":"sso-user@example.com","customer_account":"demo-account","times_activated":1}}`,
		`{"step":"check","result":{"user":"sso-user@example.com","customer_account":"demo-account","times_activated":1}}`,
		`{"step":"code used again","error":{"status":400,"code":"sso_token_invalid","message":"SSO token is invalid"}}`,
		`{"step":"sso_url token"}`,
		`{"step":"user licenses by id_token","result":[{"user":"sso-user@example.com","product":"demo-users"}]}`,
		`{"step":"another account","error":{"status":400,"code":"customer_account_not_found","message":"customer account not found"}}`,
		`{"step":"a forged token","error":{"status":400,"code":"sso_token_invalid","message":"SSO token is invalid"}}`,
	}
	require.Len(t, lines, len(want), "%s", strings.Join(lines, "\n"))
	for i, w := range want {
		got := lines[i]
		switch i {
		case 0: // the URL itself names the port
			got = strings.Replace(got, `,"url":"`+base+`/sso/auth?`, `,"url":"`, 1)
			got = got[:strings.Index(got, `,"url":"`)] + "}}"
		case 4:
			assert.Contains(t, got, `"result":"`+base+`/sso/auth?`)
			got = `{"step":"sso_url token"}`
		}
		assert.JSONEq(t, w, got, "step %d", i)
	}
}
