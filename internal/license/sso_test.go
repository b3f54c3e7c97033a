package license_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/license"
	"github.com/lsmock/lsmock/internal/scenario"
	"github.com/lsmock/lsmock/internal/signing"
	"github.com/lsmock/lsmock/internal/sso"
)

const ssoBase = "http://lsmock.test"

// ssoHarness is a harness over testdata/dir whose engine takes the codes and ID tokens of
// its own identity provider, on the harness's clock.
func ssoHarness(t *testing.T, dir string) (*harness, *sso.Provider) {
	t.Helper()
	h := newHarness(t, dir)
	p := sso.New(h.signer, h.clock.Now)
	h.engine.UseSSO(p)
	return h, p
}

func ann() sso.Claims { return sso.Claims{Username: "ann@acme.example", Account: "acme"} }

// ssoParams are an SSO activation's parameters for users-app on device hw.
func ssoParams(kind, value, account string) params {
	p := params{kind: value, "product": "users-app", "hardware_id": "hw"}
	if account != "" {
		p["customer_account_code"] = account
	}
	return p
}

func (h *harness) ssoURL(t *testing.T, p params) reply {
	t.Helper()
	return h.ssoURLIn(t, "", p)
}

// ssoURLIn answers sso_url in session ("" for none), whose label is its name.
func (h *harness) ssoURLIn(t *testing.T, session string, p params) reply {
	t.Helper()
	op := h.spec.Operation("ssoUrl")
	require.NotNil(t, op)
	lp := license.Params{}
	for k, v := range p {
		lp[k] = v
	}
	var a *license.Account
	if session != "" {
		a = h.accounts.of(session)
	}
	ans, ok := h.engine.SSOURL(op, a, session, lp, ssoBase)
	require.True(t, ok)
	return reply{Answer: ans, op: op}
}

// TestSSOURL: sso_url names lsmock's login page for a declared customer account, and the
// discovery document of lsmock's identity provider, signed.
func TestSSOURL(t *testing.T) {
	t.Parallel()
	h, _ := ssoHarness(t, "sso")
	for _, tc := range []refusal{
		{"unknown product", params{"product": "nope", "customer_account_code": "acme"}, "unknown_product"},
		{"unknown customer account", params{"product": "users-app", "customer_account_code": "nope"}, "customer_account_not_found"},
		{"another response_type", params{"product": "users-app", "customer_account_code": "acme", "response_type": "id_token"}, "validation_error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.with(t).ssoURL(t, tc.p).refused(t, h.spec, tc.code)
		})
	}
	for _, tc := range []struct{ responseType, want string }{{"", "code"}, {"code", "code"}, {"token", "id_token"}} {
		body := h.ssoURL(t, params{"product": "users-app", "customer_account_code": "acme", "response_type": tc.responseType,
			"redirect_uri": "http://localhost:3333/cb"}).ok(t)
		u, err := url.Parse(body["url"].(string))
		require.NoError(t, err)
		assert.Equal(t, ssoBase+sso.AuthPath, u.Scheme+"://"+u.Host+u.Path)
		q := u.Query()
		assert.Equal(t, tc.want, q.Get("response_type"))
		assert.Equal(t, "acme", q.Get("customer_account_code"))
		assert.Equal(t, "http://localhost:3333/cb", q.Get("redirect_uri"))
		assert.Equal(t, "openid", q.Get("scope"))
		conf := object(t, body, "openid_configuration")
		assert.Equal(t, ssoBase+"/sso", conf["issuer"])
		assert.Equal(t, ssoBase+"/sso/certs", conf["jwks_uri"])
		assert.Equal(t, ssoBase+"/sso/token", conf["token_endpoint"])
		assert.Equal(t, []any{}, body["alternate_urls"])
	}
}

// TestSSORefusals: activation by id_token or code refuses what does not name a user of the
// customer account with a license of the product.
func TestSSORefusals(t *testing.T) {
	t.Parallel()
	h, p := ssoHarness(t, "sso")
	token := p.IDToken(ann(), ssoBase+"/sso")
	eve := p.IDToken(sso.Claims{Username: "eve@globex.example", Account: "globex"}, ssoBase+"/sso")
	bob := p.IDToken(sso.Claims{Username: "bob@acme.example", Account: "acme"}, ssoBase+"/sso")
	stranger := p.IDToken(sso.Claims{Username: "solo@example.com", Account: "acme"}, ssoBase+"/sso")
	forged := strings.Split(token, ".")
	forged[2] = strings.Split(eve, ".")[2]
	used := p.IssueCode(ann(), "")
	h.call("activateLicense", "refusals", ssoParams("code", used, "acme")).success(t)
	for _, tc := range []refusal{
		{"no customer_account_code", ssoParams("id_token", token, ""), "missing_parameters"},
		{"unknown customer account", ssoParams("id_token", token, "nope"), "customer_account_not_found"},
		{"another account's token", ssoParams("id_token", eve, "acme"), "customer_account_id_mismatch"},
		{"another account's code", ssoParams("code", p.IssueCode(ann(), ""), "globex"), "customer_account_id_mismatch"},
		{"a forged token", ssoParams("id_token", strings.Join(forged, "."), "acme"), "sso_token_invalid"},
		{"not a token", ssoParams("id_token", "tok", "acme"), "sso_token_invalid"},
		{"a code used before", ssoParams("code", used, "acme"), "sso_token_invalid"},
		{"a code lsmock never gave", ssoParams("code", "nope", "acme"), "sso_token_invalid"},
		{"a user no longer of the account", ssoParams("id_token", stranger, "acme"), "sso_token_invalid"},
		{"a user without a license of the product", ssoParams("id_token", bob, "acme"), "license_not_found"},
		{"id_token and license_key", params{"id_token": token, "license_key": "K", "customer_account_code": "acme", "product": "users-app", "hardware_id": "hw"}, "validation_error"},
		{"id_token and code", params{"id_token": token, "code": "c", "customer_account_code": "acme", "product": "users-app", "hardware_id": "hw"}, "validation_error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.with(t).call("activateLicense", "refusals", tc.p).refused(t, h.spec, tc.code)
		})
	}
}

// TestSSOExpiry: codes and ID tokens stop working when they expire.
func TestSSOExpiry(t *testing.T) {
	t.Parallel()
	h, p := ssoHarness(t, "sso")
	code, token := p.IssueCode(ann(), ""), p.IDToken(ann(), ssoBase+"/sso")
	h.clock.Advance(sso.CodeTTL)
	h.call("activateLicense", "expiry", ssoParams("code", code, "acme")).refused(t, h.spec, "sso_token_invalid")
	h.call("activateLicense", "expiry", ssoParams("id_token", token, "acme")).success(t)
	h.clock.Advance(sso.TokenTTL)
	h.call("activateLicense", "expiry", ssoParams("id_token", token, "acme")).refused(t, h.spec, "sso_token_invalid")
}

// TestSSOActivateAndCheck: a code activates the user's license; the answer names the user and
// the customer account, and its license_signature covers the user's email; the SDK's check
// then names the user, or the ID token.
func TestSSOActivateAndCheck(t *testing.T) {
	t.Parallel()
	h, p := ssoHarness(t, "sso")
	const s = "activate"
	body := h.call("activateLicense", s, ssoParams("code", p.IssueCode(ann(), ""), "acme")).ok(t)
	assert.Equal(t, "ann@acme.example", object(t, body, "user")["email"])
	assert.NotContains(t, body, "username", "no username was sent")
	account := object(t, object(t, body, "customer"), "customer_account")
	assert.Equal(t, "Acme Corp", account["name"])
	assert.Equal(t, "acme", account["code"])
	assert.Equal(t, float64(license.StableID("customer-account", "acme")), account["id"])
	assert.NoError(t, signing.Verify(h.signer.PublicKeyPEM(), []byte("hw#ann@acme.example#"), body["license_signature"].(string)))

	check := h.call("checkLicense", s, params{"username": "ann@acme.example", "product": "users-app", "hardware_id": "hw"}).ok(t)
	assert.Equal(t, float64(1), check["times_activated"])
	token := p.IDToken(ann(), ssoBase+"/sso")
	check = h.call("checkLicense", s, ssoParams("id_token", token, "acme")).ok(t)
	assert.Equal(t, body["id"], check["id"])
	h.call("checkLicense", s, params{"id_token": token, "customer_account_code": "acme", "product": "users-app", "hardware_id": "other"}).refused(t, h.spec, "device_not_found")
}

// TestSSOUserLicenses: user_licenses lists the licenses of the user an id_token or code
// names; customer_account_code is optional there.
func TestSSOUserLicenses(t *testing.T) {
	t.Parallel()
	h, p := ssoHarness(t, "sso")
	const s = "user-licenses"
	token := p.IDToken(ann(), ssoBase+"/sso")
	got := list(t, h.call("userLicenses", s, params{"id_token": token}))
	require.Len(t, got, 2)
	assert.Equal(t, "ann@acme.example", object(t, got[0], "user")["email"])
	got = list(t, h.call("userLicenses", s, params{"code": p.IssueCode(ann(), ""), "customer_account_code": "acme", "product": "other-app"}))
	require.Len(t, got, 1)
	assert.Equal(t, "other-app", object(t, object(t, got[0], "license"), "product_details")["short_code"])
	h.call("userLicenses", s, params{"id_token": token, "customer_account_code": "globex"}).refused(t, h.spec, "customer_account_id_mismatch")
	h.call("userLicenses", s, params{"id_token": token, "customer_account_code": "nope"}).refused(t, h.spec, "customer_account_not_found")
}

// TestSSOTokenInvalidCode: error_codes: {sso_token_invalid: ...} chooses the code.
func TestSSOTokenInvalidCode(t *testing.T) {
	t.Parallel()
	h, _ := ssoHarness(t, "sso-codes")
	h.call("activateLicense", "codes", ssoParams("id_token", "tok", "acme")).refused(t, h.spec, "validation_error")
}

// TestSSOWithoutProvider: an engine not given the identity provider refuses every token.
func TestSSOWithoutProvider(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sso")
	h.call("activateLicense", "none", ssoParams("id_token", "tok", "acme")).refused(t, h.spec, "sso_token_invalid")
}

// TestSSOSessionCatalog: a user and customer account a session declared at run time log in
// by single sign-on in that session, as the files' do, and in no other; sso_url names the
// session in the login page's URL for its own account only.
func TestSSOSessionCatalog(t *testing.T) {
	t.Parallel()
	h, p := ssoHarness(t, "sso")
	h.engine.UseDeclarer(scenario.DeclareAtRunTime)
	h.declare(t, "mine", `{"user": {"username": "zoe@rt.example"}}`)
	m := h.declare(t, "mine", `{"customer_account": {"code": "rt", "name": "RT Corp", "users": ["zoe@rt.example"]}}`)
	assert.Equal(t, license.Made{Kind: license.KindAccount, Ref: "customer_account:rt", CustomerAccount: "rt"}, m)
	h.declare(t, "mine", `{"license": {"username": "zoe@rt.example", "product": "users-app", "max_activations": 5}}`)
	zoe := sso.Claims{Username: "zoe@rt.example", Account: "rt"}

	body := h.call("activateLicense", "mine", ssoParams("code", p.IssueCode(zoe, ""), "rt")).ok(t)
	assert.Equal(t, "zoe@rt.example", object(t, body, "user")["email"])
	assert.Equal(t, "RT Corp", object(t, object(t, body, "customer"), "customer_account")["name"])
	token := p.IDToken(zoe, ssoBase+"/sso")
	for _, tc := range []struct {
		name, session, op string
		p                 params
		code              string // "" for a success
	}{
		{"check by id_token", "mine", "checkLicense", ssoParams("id_token", token, "rt"), ""},
		{"user_licenses by id_token", "mine", "userLicenses", params{"id_token": token}, ""},
		{"the files' account still", "mine", "activateLicense", ssoParams("code", p.IssueCode(ann(), ""), "acme"), ""},
		{"another session: the account", "other", "activateLicense", ssoParams("id_token", token, "rt"), "customer_account_not_found"},
		{"another session: the user", "other", "userLicenses", params{"id_token": token}, "sso_token_invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := h.with(t).call(tc.op, tc.session, tc.p)
			if tc.code != "" {
				r.refused(t, h.spec, tc.code)
				return
			}
			assert.Equal(t, 200, r.Status, "%s", r.Body)
		})
	}

	for _, tc := range []struct{ session, account, named, code string }{
		{"mine", "rt", "mine", ""},
		{"mine", "acme", "", ""},
		{"other", "rt", "", "customer_account_not_found"},
	} {
		r := h.ssoURLIn(t, tc.session, params{"product": "users-app", "customer_account_code": tc.account})
		if tc.code != "" {
			r.refused(t, h.spec, tc.code)
			continue
		}
		u, err := url.Parse(r.ok(t)["url"].(string))
		require.NoError(t, err)
		assert.Equal(t, tc.named, u.Query().Get(license.SessionParam), "%s in %s", tc.account, tc.session)
	}
}
