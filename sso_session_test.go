package lsmock_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock"
	"github.com/lsmock/lsmock/internal/session"
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

// TestSSOSessionAccount: a user and a customer account a test made in its session log in
// by single sign-on there, through the login page a browser opens (no session header): by
// code and by id_token. Another session knows neither.
func TestSSOSessionAccount(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	o := newOracle(t, lsmock.DefaultSpec())
	const mine, other, user, acct = "sso-made-account", "sso-not-mine", "ann@rt.example", "rt-acct"
	declare(t, srv, mine, `{"user":{"username":"`+user+`","first_name":"Ann"}}`)
	declare(t, srv, mine, `{"customer_account":{"code":"`+acct+`","name":"RT Corp","users":["`+user+`"]}}`)
	declare(t, srv, mine, `{"license":{"username":"`+user+`","product":"demo-users","max_activations":2}}`)
	api := licenseAPI{t: t, srv: srv, session: mine}

	t.Run("the login page lists the session's account", func(t *testing.T) {
		t.Parallel()
		r := api.call(http.MethodGet, "sso_url", map[string]any{"product": "demo-users", "customer_account_code": acct})
		o.check(t, r.req, r.status, r.header, r.body)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		login, _ := r.field("url").(string)
		status, _, page := getBody(t, noRedirects, login)
		require.Equal(t, http.StatusOK, status, page)
		assert.Contains(t, page, "RT Corp")
		assert.Contains(t, page, `value="`+user+`"`)
		assert.Contains(t, page, `name="lsmock_session" value="`+mine+`"`, "the form keeps the session")

		files := api.call(http.MethodGet, "sso_url", map[string]any{"product": "demo-users", "customer_account_code": ssoAccount})
		u, _ := files.field("url").(string)
		assert.NotContains(t, u, "lsmock_session", "the files' accounts are everyone's: no session named")
	})

	for _, responseType := range []string{"code", "token"} {
		t.Run("activate by "+responseType, func(t *testing.T) {
			t.Parallel()
			params := map[string]any{"product": "demo-users", "customer_account_code": acct, "response_type": responseType, "redirect_uri": ssoBack}
			kind := map[string]string{"code": "code", "token": "id_token"}[responseType]
			cred, refused := ssoLogin(t, api, params, user)
			require.Zero(t, refused)
			require.NotEmpty(t, cred)
			hw := "hw-" + responseType
			r := api.call(http.MethodPost, "activate_license", map[string]any{kind: cred, "customer_account_code": acct, "product": "demo-users", "hardware_id": hw})
			o.check(t, r.req, r.status, r.header, r.body)
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			assertSigned(t, r, hw, user)
			assert.Contains(t, string(r.body), `"code":"`+acct+`"`, "the license shows its customer account")

			cred, refused = ssoLogin(t, api, params, user)
			require.Zero(t, refused)
			elsewhere := licenseAPI{t: t, srv: srv, session: other}
			r = elsewhere.call(http.MethodPost, "activate_license", map[string]any{kind: cred, "customer_account_code": acct, "product": "demo-users", "hardware_id": hw})
			o.check(t, r.req, r.status, r.header, r.body)
			assert.Equal(t, "customer_account_not_found", r.code(), "%s", r.body)
		})
	}

	t.Run("user_licenses by id_token, in that session only", func(t *testing.T) {
		t.Parallel()
		token, refused := ssoLogin(t, api, map[string]any{"product": "demo-users", "customer_account_code": acct, "response_type": "token", "redirect_uri": ssoBack}, user)
		require.Zero(t, refused)
		for _, tc := range []struct{ session, code string }{{mine, ""}, {other, "sso_token_invalid"}} {
			r := licenseAPI{t: t, srv: srv, session: tc.session}.call(http.MethodGet, "user_licenses", map[string]any{"id_token": token})
			o.check(t, r.req, r.status, r.header, r.body)
			assert.Equal(t, tc.code, r.code(), "%s: %s", tc.session, r.body)
			if tc.code == "" {
				assert.Contains(t, string(r.body), `"email":"`+user+`"`)
			}
		}
	})

	t.Run("another session has no such account", func(t *testing.T) {
		t.Parallel()
		r := licenseAPI{t: t, srv: srv, session: other}.call(http.MethodGet, "sso_url", map[string]any{"product": "demo-users", "customer_account_code": acct})
		o.check(t, r.req, r.status, r.header, r.body)
		assert.Equal(t, "customer_account_not_found", r.code(), "%s", r.body)
		status, _, page := getBody(t, noRedirects, srv.URL+"/sso/auth?customer_account_code="+acct+"&login_hint="+url.QueryEscape(user))
		assert.Equal(t, http.StatusBadRequest, status, "no session named: the files' accounts only: %s", page)
	})
}

// TestSSOSessionAccountDeclarations: what a customer account made at run time may name, as
// the admin API refuses it.
func TestSSOSessionAccountDeclarations(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	cases := []struct {
		name, body string
		status     int
		message    string
	}{
		{"a files' user", `{"customer_account":{"code":"rt-a","users":["` + ssoUser + `"]}}`, http.StatusBadRequest, "declared in the files"},
		{"a files' account code", `{"customer_account":{"code":"` + ssoAccount + `","users":["bob@rt.example"]}}`, http.StatusBadRequest, "already declared"},
		{"an unknown user", `{"customer_account":{"code":"rt-b","users":["nobody@rt.example"]}}`, http.StatusBadRequest, "unknown user"},
		{"no users", `{"customer_account":{"code":"rt-c"}}`, http.StatusBadRequest, "needs users"},
		{"the session's user", `{"customer_account":{"code":"rt-d","users":["bob@rt.example"]}}`, http.StatusCreated, `"ref":"customer_account:rt-d"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			session := "rt-account-" + tc.name
			declare(t, srv, session, `{"user":{"username":"bob@rt.example"}}`)
			status, raw := admin(t, srv, http.MethodPost, "/__lsmock/sessions/"+url.PathEscape(session)+"/licenses", tc.body)
			assert.Equal(t, tc.status, status, "%s", raw)
			assert.Contains(t, string(raw), tc.message)
		})
	}

	t.Run("its user cannot go first", func(t *testing.T) {
		t.Parallel()
		const session = "rt-account-in-use"
		declare(t, srv, session, `{"user":{"username":"bob@rt.example"}}`)
		declare(t, srv, session, `{"customer_account":{"code":"rt-e","users":["bob@rt.example"]}}`)
		status, raw := admin(t, srv, http.MethodDelete, "/__lsmock/sessions/"+session+"/licenses/"+url.PathEscape("user:bob@rt.example"), "")
		assert.Equal(t, http.StatusConflict, status, "%s", raw)
		status, raw = admin(t, srv, http.MethodDelete, "/__lsmock/sessions/"+session+"/licenses/"+url.PathEscape("customer_account:rt-e"), "")
		assert.Equal(t, http.StatusNoContent, status, "%s", raw)
	})
}

// TestSSOSessionAccountByAPIKey: an SDK's session is its API key; the login page's URL names
// that session by its label, never by the key, and the login works.
func TestSSOSessionAccountByAPIKey(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	const user, acct = "kim@rt.example", "rt-key-acct"
	declare(t, srv, testAPIKey, `{"user":{"username":"`+user+`"}}`)
	declare(t, srv, testAPIKey, `{"customer_account":{"code":"`+acct+`","users":["`+user+`"]}}`)
	declare(t, srv, testAPIKey, `{"license":{"username":"`+user+`","product":"demo-users"}}`)
	sdk := licenseAPI{t: t, srv: srv} // no X-Lsmock-Session: the API key names the session
	params := map[string]any{"product": "demo-users", "customer_account_code": acct, "redirect_uri": ssoBack}

	r := sdk.call(http.MethodGet, "sso_url", params)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	login, _ := r.field("url").(string)
	u, err := url.Parse(login)
	require.NoError(t, err)
	assert.Equal(t, string(session.LabelOf(testAPIKey)), u.Query().Get("lsmock_session"))
	assert.NotContains(t, login, testAPIKey)

	code, refused := ssoLogin(t, sdk, params, user)
	require.Zero(t, refused)
	r = sdk.call(http.MethodPost, "activate_license", map[string]any{"code": code, "customer_account_code": acct, "product": "demo-users", "hardware_id": "hw-key"})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	assertSigned(t, r, "hw-key", user)
}
