package lsmock_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock"
)

// declare makes one license, product, user or customer account in session, as a test does
// through the admin API, and fails the test unless it was made.
func declare(t *testing.T, srv *httptest.Server, session, body string) {
	t.Helper()
	status, raw := admin(t, srv, http.MethodPost, "/__lsmock/sessions/"+url.PathEscape(session)+"/licenses", body)
	require.Equal(t, http.StatusCreated, status, "%s: %s", body, raw)
}

// ssoLogin asks sso_url in api's session and logs user in on the page it names, as a
// browser does (no session header): the code (or id_token) the redirect carries, or the
// login page's refusal.
func ssoLogin(t *testing.T, api licenseAPI, params map[string]any, user string) (credential string, refused int) {
	t.Helper()
	r := api.call(http.MethodGet, "sso_url", params)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	login, _ := r.field("url").(string)
	status, header, page := getBody(t, noRedirects, login+"&login_hint="+url.QueryEscape(user))
	if status != http.StatusFound {
		return "", status
	}
	back, err := url.Parse(header.Get("Location"))
	require.NoError(t, err, page)
	if c := back.Query().Get("code"); c != "" {
		return c, 0
	}
	frag, err := url.ParseQuery(back.Fragment)
	require.NoError(t, err)
	return frag.Get("id_token"), 0
}

// TestSSOSessionProduct: a product and a license of the files' SSO user that a test made in
// its session are what sso_url and the SSO activation answer from, in that session only.
func TestSSOSessionProduct(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	o := newOracle(t, lsmock.DefaultSpec())
	const mine, other = "sso-made-product", "sso-other-session"
	declare(t, srv, mine, `{"product":{"short_code":"rt-sso","authorization_method":"user"}}`)
	declare(t, srv, mine, `{"license":{"username":"`+ssoUser+`","product":"rt-sso"}}`)
	params := map[string]any{"product": "rt-sso", "customer_account_code": ssoAccount, "redirect_uri": ssoBack}

	cases := []struct {
		session  string
		urlCode  string // sso_url's refusal, "" for its url
		activate string // the activation's refusal, "" for a success
	}{
		{mine, "", ""},
		{other, "unknown_product", "unknown_product"},
	}
	for _, tc := range cases {
		t.Run(tc.session, func(t *testing.T) {
			t.Parallel()
			api := licenseAPI{t: t, srv: srv, session: tc.session}
			r := api.call(http.MethodGet, "sso_url", params)
			o.check(t, r.req, r.status, r.header, r.body)
			assert.Equal(t, tc.urlCode, r.code(), "%s", r.body)

			code, _ := ssoLogin(t, licenseAPI{t: t, srv: srv, session: mine}, params, ssoUser)
			require.NotEmpty(t, code)
			r = api.call(http.MethodPost, "activate_license", map[string]any{"code": code, "customer_account_code": ssoAccount,
				"product": "rt-sso", "hardware_id": "hw-" + tc.session})
			o.check(t, r.req, r.status, r.header, r.body)
			assert.Equal(t, tc.activate, r.code(), "%s", r.body)
			if tc.activate == "" {
				assertSigned(t, r, "hw-"+tc.session, ssoUser)
			}
		})
	}
}
