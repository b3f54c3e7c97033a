package lsmock_test

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock"
)

const (
	ssoAccount = "demo-account"
	ssoUser    = "sso-user@example.com"
	ssoBack    = "http://app.example/callback"
)

// noRedirects is a client that shows a redirect instead of following it: the login page
// sends the browser to the app's redirect_uri, which does not exist.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// ssoURL asks sso_url as an SDK does and returns its url and discovery document.
func ssoURL(t *testing.T, api licenseAPI, o *oracle, responseType string) (string, map[string]any) {
	t.Helper()
	r := api.call(http.MethodGet, "sso_url", map[string]any{"product": "demo-users", "customer_account_code": ssoAccount,
		"response_type": responseType, "redirect_uri": ssoBack})
	o.check(t, r.req, r.status, r.header, r.body)
	assertSigned(t, r, "", "")
	assertStringifySigned(t, r) // its url's "&" as they are, or the Node SDK's check fails
	conf, _ := r.field("openid_configuration").(map[string]any)
	u, _ := r.field("url").(string)
	require.True(t, strings.HasPrefix(u, api.srv.URL+"/sso/auth?"), "%s", u)
	return u, conf
}

// getBody is a GET's status, headers and body.
func getBody(t *testing.T, client *http.Client, target string) (int, http.Header, string) {
	t.Helper()
	resp, err := client.Get(target)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, string(b)
}

// TestSSOCodeFlow: sso_url → the login page → a person picks the user → the app's
// redirect_uri gets a code → activate_license with code and customer_account_code → the
// SDK's check by username. A code is taken once.
func TestSSOCodeFlow(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	o := newOracle(t, lsmock.DefaultSpec())
	api := licenseAPI{t: t, srv: srv, session: "sso-code"}
	login, conf := ssoURL(t, api, o, "code")
	assert.Equal(t, srv.URL+"/sso/auth", conf["authorization_endpoint"])

	status, header, page := getBody(t, noRedirects, login)
	require.Equal(t, http.StatusOK, status, page)
	assert.Equal(t, "text/html; charset=utf-8", header.Get("Content-Type"))
	assert.Contains(t, page, `value="`+ssoUser+`"`)
	form := url.Values{"username": {ssoUser}}
	for _, k := range []string{"response_type", "redirect_uri", "customer_account_code", "product", "nonce", "client_id", "scope"} {
		u, _ := url.Parse(login)
		if v := u.Query().Get(k); v != "" {
			assert.Contains(t, page, `name="`+k+`"`, "the form keeps %s", k)
			form.Set(k, v)
		}
	}
	resp, err := noRedirects.PostForm(srv.URL+"/sso/auth", form)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode)
	back, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, ssoBack, back.Scheme+"://"+back.Host+back.Path)
	code := back.Query().Get("code")
	require.NotEmpty(t, code)

	activate := func(hw string) reply {
		r := api.call(http.MethodPost, "activate_license", map[string]any{"code": code, "customer_account_code": ssoAccount, "product": "demo-users", "hardware_id": hw})
		o.check(t, r.req, r.status, r.header, r.body)
		return r
	}
	r := activate("hw-sso")
	assertSigned(t, r, "hw-sso", ssoUser)
	assert.Contains(t, string(r.body), `"customer_account":{"id":`)
	c := api.call(http.MethodGet, "check_license", map[string]any{"username": ssoUser, "product": "demo-users", "hardware_id": "hw-sso", "include_expired_features": false})
	o.check(t, c.req, c.status, c.header, c.body)
	assertSigned(t, c, "hw-sso", ssoUser)
	again := activate("hw-2")
	assert.Equal(t, http.StatusBadRequest, again.status)
	assert.Equal(t, "sso_token_invalid", again.code())
}

// TestSSOTokenFlow: response_type=token puts an id_token in the redirect's fragment; it
// verifies with the key at jwks_uri, lists the user's licenses and activates.
func TestSSOTokenFlow(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	o := newOracle(t, lsmock.DefaultSpec())
	api := licenseAPI{t: t, srv: srv, session: "sso-token"}
	login, conf := ssoURL(t, api, o, "token")

	status, header, page := getBody(t, noRedirects, login+"&login_hint="+url.QueryEscape(ssoUser)+"&state=s1")
	require.Equal(t, http.StatusFound, status, page)
	back, err := url.Parse(header.Get("Location"))
	require.NoError(t, err)
	assert.Empty(t, back.RawQuery)
	frag, err := url.ParseQuery(back.Fragment)
	require.NoError(t, err)
	assert.Equal(t, "s1", frag.Get("state"))
	assert.Equal(t, "Bearer", frag.Get("token_type"))
	token := frag.Get("id_token")
	verifyJWT(t, conf["jwks_uri"].(string), token)

	l := api.call(http.MethodGet, "user_licenses", map[string]any{"id_token": token, "customer_account_code": ssoAccount})
	o.check(t, l.req, l.status, l.header, l.body)
	assertSigned(t, l, "", "")
	assert.Contains(t, string(l.body), `"email":"`+ssoUser+`"`)
	assert.NotContains(t, string(l.body), token)

	r := api.call(http.MethodPost, "activate_license", map[string]any{"id_token": token, "customer_account_code": ssoAccount, "product": "demo-users", "hardware_id": "hw-tok"})
	o.check(t, r.req, r.status, r.header, r.body)
	assertSigned(t, r, "hw-tok", ssoUser)
	wrong := api.call(http.MethodPost, "activate_license", map[string]any{"id_token": token, "customer_account_code": "nope", "product": "demo-users", "hardware_id": "hw-tok"})
	o.check(t, wrong.req, wrong.status, wrong.header, wrong.body)
	assert.Equal(t, "customer_account_not_found", wrong.code())
}

// verifyJWT checks an RS256 JWT against the key set at jwksURI, as an OIDC client does.
func verifyJWT(t *testing.T, jwksURI, token string) {
	t.Helper()
	status, _, body := getBody(t, http.DefaultClient, jwksURI)
	require.Equal(t, http.StatusOK, status)
	var set struct{ Keys []struct{ Kid, N, E string } }
	require.NoError(t, json.Unmarshal([]byte(body), &set))
	require.Len(t, set.Keys, 1)
	n, err := base64.RawURLEncoding.DecodeString(set.Keys[0].N)
	require.NoError(t, err)
	e, err := base64.RawURLEncoding.DecodeString(set.Keys[0].E)
	require.NoError(t, err)
	parts := strings.Split(token, ".")
	require.Len(t, parts, 3)
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	require.NoError(t, err)
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	require.NoError(t, rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig))
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var claims map[string]any
	require.NoError(t, json.Unmarshal(payload, &claims))
	assert.Equal(t, ssoUser, claims["email"])
	assert.Equal(t, ssoAccount, claims["customer_account_code"])
	assert.Equal(t, strings.TrimSuffix(jwksURI, "/certs"), claims["iss"])
}

// TestSSOProvider: the discovery document and the code exchange of lsmock's identity
// provider, and the login page's refusals.
func TestSSOProvider(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	status, _, body := getBody(t, http.DefaultClient, srv.URL+"/sso/.well-known/openid-configuration")
	require.Equal(t, http.StatusOK, status)
	var conf map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &conf))
	assert.Equal(t, srv.URL+"/sso", conf["issuer"])

	login := srv.URL + "/sso/auth?customer_account_code=" + ssoAccount + "&login_hint=" + url.QueryEscape(ssoUser)
	status, _, body = getBody(t, noRedirects, login)
	require.Equal(t, http.StatusOK, status, "no redirect_uri: the code is shown")
	code := between(body, `<code id="code">`, `</code>`)
	require.NotEmpty(t, code)
	exchange := func() (int, map[string]any) {
		resp, err := http.PostForm(conf["token_endpoint"].(string), url.Values{"grant_type": {"authorization_code"}, "code": {code}})
		require.NoError(t, err)
		defer resp.Body.Close()
		var out map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
		return resp.StatusCode, out
	}
	status, tok := exchange()
	require.Equal(t, http.StatusOK, status, "%v", tok)
	verifyJWT(t, conf["jwks_uri"].(string), tok["id_token"].(string))
	status, tok = exchange()
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "invalid_grant", tok["error"])

	for name, target := range map[string]string{
		"unknown account":       srv.URL + "/sso/auth?customer_account_code=nope",
		"not a user of it":      srv.URL + "/sso/auth?customer_account_code=" + ssoAccount + "&login_hint=demo-user%40example.com",
		"a relative redirect":   srv.URL + "/sso/auth?customer_account_code=" + ssoAccount + "&redirect_uri=%2Fx",
		"an unknown path":       srv.URL + "/sso/nope",
		"a GET of the exchange": srv.URL + "/sso/token",
	} {
		status, _, _ := getBody(t, noRedirects, target)
		assert.Contains(t, []int{http.StatusBadRequest, http.StatusNotFound, http.StatusMethodNotAllowed}, status, name)
	}
}

func between(s, from, to string) string {
	_, rest, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, to)
	return v
}
