package load

import (
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/validate"
)

// firstRequests are a valid request of each operation whose parameters have schemas beyond
// a type: an SDK's first user_licenses, sso_url or oauth_url.
var firstRequests = map[string]string{
	"userLicenses": "/api/v4/user_licenses?username=demo-user%40example.com&password=demo-password&product=demo-users",
	"ssoUrl":       "/api/v4/sso_url?product=demo-users&customer_account_code=demo-account&response_type=code",
	"oauthUrl":     "/api/v4/oauth_url?login_type=client_credentials",
}

// TestParametersNeedNoModel: the embedded spec and scenarios, loaded as lsmock serve loads
// them, check the parameters of user_licenses, sso_url and oauth_url, valid and not, without
// reading the document's model (~13 MiB and ~25 ms at the first such request before).
func TestParametersNeedNoModel(t *testing.T) {
	t.Parallel()
	s, _, err := Files{}.Load()
	require.NoError(t, err)
	v := validate.NewDeferred(s)
	cases := []struct {
		op, target string
		noDate     bool
		want       string // the refusal's message, "" for none
	}{
		{"userLicenses", firstRequests["userLicenses"], false, ""},
		{"userLicenses", "/api/v4/user_licenses?username=u&password=&product=p&password=%zz&username[k]=1", false, ""},
		{"userLicenses", firstRequests["userLicenses"], true, "Header parameter 'Date' is missing"},
		{"ssoUrl", firstRequests["ssoUrl"], false, ""},
		{"ssoUrl", "/api/v4/sso_url?product=p&customer_account_code=c", false, ""},
		{"ssoUrl", "/api/v4/sso_url?product=p&customer_account_code=c&response_type=id_token", false, "Query parameter 'response_type' does not match allowed values"},
		{"ssoUrl", "/api/v4/sso_url?product=p&customer_account_code=c&response_type=code&response_type=", false, "Query parameter 'response_type' does not match allowed values"},
		{"oauthUrl", firstRequests["oauthUrl"], false, ""},
		{"oauthUrl", "/api/v4/oauth_url?login_type=password", false, "Query parameter 'login_type' does not match allowed values"},
		{"oauthUrl", "/api/v4/oauth_url?login_type=+client_credentials", false, "Query parameter 'login_type' failed to validate"},
	}
	for _, tc := range cases {
		op := s.Operation(tc.op)
		require.NotNil(t, op, tc.op)
		r := httptest.NewRequest("GET", tc.target, nil)
		if !tc.noDate {
			r.Header.Set("Date", "Wed, 02 Dec 2026 12:00:00 GMT")
		}
		r.Header.Set("Authorization", "Bearer token")
		_, rej := v.AdmitBody(op, r, r.URL.Query(), nil)
		if tc.want == "" {
			assert.Nil(t, rej, tc.target)
			continue
		}
		if assert.NotNil(t, rej, tc.target) {
			assert.Equal(t, validate.CodeValidationError, rej.Code, tc.target)
			assert.Equal(t, tc.want, rej.Message, tc.target)
		}
	}
	assert.False(t, s.ModelRead(), "the document's model was read")
	s.Operation("ssoUrl").PathItem()
	assert.True(t, s.ModelRead(), "ModelRead tells a model that was read")
}

// BenchmarkFirstParameterCheck: what the first request of each such operation costs a server
// started from the embedded snapshot: reading the spec, then checking that request (set
// BenchmarkEmbeddedSpec/snapshot against it for the check alone).
func BenchmarkFirstParameterCheck(b *testing.B) {
	for id, target := range firstRequests {
		b.Run(id, func(b *testing.B) {
			b.ReportAllocs()
			r := httptest.NewRequest("GET", target, nil)
			r.Header.Set("Date", "Wed, 02 Dec 2026 12:00:00 GMT")
			r.Header.Set("Authorization", "Bearer token")
			for b.Loop() {
				s, err := embeddedSpec()
				if err != nil {
					b.Fatal(err)
				}
				if _, rej := validate.NewDeferred(s).AdmitBody(s.Operation(id), r, r.URL.Query(), nil); rej != nil {
					b.Fatal(rej.Detail)
				}
			}
		})
	}
}
