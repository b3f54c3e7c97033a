package license_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// list checks a user_licenses success and returns its entries.
func list(t *testing.T, r reply) []map[string]any {
	t.Helper()
	r.success(t)
	var out []map[string]any
	require.NoError(t, json.Unmarshal(r.Body, &out), "%s", r.Body)
	return out
}

func login(username, password string) params {
	return params{"username": username, "password": password}
}

// TestUserLicenses: user_licenses lists the licenses of the user who logs in, with the
// session's activations and passwords.
func TestUserLicenses(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "catalog")
	const s = "user-licenses"
	for _, tc := range []struct {
		name string
		p    params
		code string
	}{
		{"no password", login("alice@example.com", ""), "missing_parameters"},
		{"no username", params{"password": "alice-pw"}, "missing_parameters"},
		{"an id_token lsmock did not issue", params{"id_token": "tok"}, code(t, "sso_token_invalid")},
		{"unknown product", params{"username": "alice@example.com", "password": "alice-pw", "product": "nope"}, "unknown_product"},
		{"wrong password", login("alice@example.com", "wrong"), code(t, "wrong_password")},
		{"unknown user", login("nobody@example.com", "alice-pw"), code(t, "wrong_password")},
	} {
		h.call("userLicenses", s, tc.p).refused(t, h.spec, tc.code)
	}
	r := h.call("userLicenses", s, params{"password": "alice-pw"})
	assert.Contains(t, string(r.Body), "Some parameters are missing in the request: username, password.")

	got := list(t, h.call("userLicenses", s, login("alice@example.com", "alice-pw")))
	require.Len(t, got, 1)
	lic, user := object(t, got[0], "license"), object(t, got[0], "user")
	for name, want := range map[string]any{"id": 2001.0, "license_active": true, "times_activated": 0.0, "max_license_users": 1.0, "validity_period": nil} {
		assert.Equal(t, want, lic[name], name)
	}
	assert.Equal(t, "users-app", object(t, lic, "product_details")["short_code"])
	assert.NotContains(t, lic, "device_id", "a listing names no device")
	assert.Equal(t, map[string]any{"id": 42.0, "email": "alice@example.com", "first_name": "Alice", "last_name": "Liddell", "phone_number": "+1 555",
		"is_initial_password": false, "max_activations": 2.0, "allow_unlimited_activations": false, "total_activations": 0.0}, user)

	h.licenseSigned(t, h.call("activateLicense", s, userParams("alice@example.com", "alice-pw", "hw-1")), "hw-1", "alice@example.com")
	got = list(t, h.call("userLicenses", s, params{"username": "alice@example.com|tenant", "password": "alice-pw", "product": "users-app"}))
	require.Len(t, got, 1)
	assert.Equal(t, 1.0, object(t, got[0], "user")["total_activations"], "the session's activation")
	assert.Equal(t, 1.0, object(t, got[0], "license")["times_activated"])
	r = h.call("userLicenses", s, params{"username": "alice@example.com", "password": "alice-pw", "product": "app"})
	assert.Empty(t, list(t, r), "no license of that product")
	assert.Equal(t, "[]", string(r.Body))
	assert.Empty(t, list(t, h.call("userLicenses", s, login("nolicense@example.com", "nolicense-pw"))), "a user without licenses")

	got = list(t, h.call("userLicenses", "user-licenses-other", login("alice@example.com", "alice-pw")))
	assert.Equal(t, 0.0, object(t, got[0], "user")["total_activations"], "another session's")

	// A trial user logs in with the password trial_key gave it, shown as initial until changed.
	f := h.call("trialKey", s, params{"product": "users-app", "email": "tess@example.com"}).ok(t)
	password := f["initial_password"].(string)
	got = list(t, h.call("userLicenses", s, login("tess@example.com", password)))
	require.Len(t, got, 1)
	assert.Equal(t, true, object(t, got[0], "license")["is_trial"])
	assert.Equal(t, true, object(t, got[0], "user")["is_initial_password"])
	assert.JSONEq(t, `"password_changed"`, string(h.call("changePassword", s, changePassword("tess@example.com", password, "chosen")).Body))
	got = list(t, h.call("userLicenses", s, login("tess@example.com", "chosen")))
	assert.Equal(t, false, object(t, got[0], "user")["is_initial_password"])
	h.call("userLicenses", "user-licenses-other", login("tess@example.com", password)).refused(t, h.spec, code(t, "wrong_password"))
}

// TestCustomerLicenseUsers: the users of a customer's user-based licenses of a product.
func TestCustomerLicenseUsers(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "catalog")
	const s = "customer-users"
	h.call("customerLicenseUsers", s, params{"product": "nope", "customer": "buyer@example.com"}).refused(t, h.spec, "unknown_product")
	h.call("customerLicenseUsers", s, params{"product": "users-app", "customer": "x@example.com"}).refused(t, h.spec, code(t, "customer_not_found"))
	h.call("customerLicenseUsers", s, params{"product": "notrial", "customer": "buyer@example.com"}).refused(t, h.spec, code(t, "customer_not_found"))

	h.licenseSigned(t, h.call("activateLicense", s, userParams("alice@example.com", "alice-pw", "hw-1")), "hw-1", "alice@example.com")
	r := h.call("customerLicenseUsers", s, params{"product": "users-app", "customer": "BUYER@example.com"})
	f := r.ok(t)
	assert.Equal(t, map[string]any{"id": 1.0}, f["company"])
	customer := object(t, f, "customer")
	assert.Equal(t, "buyer@example.com", customer["email"])
	assert.Equal(t, "Buyer Ltd", customer["company_name"])
	users, _ := f["users"].([]any)
	require.Len(t, users, 2)
	alice, locked := users[0].(map[string]any), users[1].(map[string]any)
	for name, want := range map[string]any{"email": "alice@example.com", "is_active": true, "first_name": "Alice", "is_initial_password": false,
		"initial_password": "", "max_activations": 2.0, "total_activations": 1.0, "license_id": 2001.0} {
		assert.Equal(t, want, alice[name], name)
	}
	assert.Equal(t, "locked@example.com", locked["email"])
	assert.Equal(t, false, locked["is_active"])

	f = h.call("customerLicenseUsers", "customer-users-other", params{"product": "users-app", "customer": "buyer@example.com"}).ok(t)
	assert.Equal(t, 0.0, f["users"].([]any)[0].(map[string]any)["total_activations"], "another session's")
	f = h.call("customerLicenseUsers", s, params{"product": "app", "customer": "buyer@example.com"}).ok(t)
	assert.Equal(t, []any{}, f["users"], "the customer's licenses of app are by key")
	assert.Equal(t, "Buyer@Example.com", object(t, f, "customer")["email"])

	accept := newHarness(t, "accept")
	accept.call("customerLicenseUsers", s, params{"product": "shop", "customer": "x@example.com"}).refused(t, accept.spec, "customer_does_not_exist")
	assert.Len(t, accept.call("customerLicenseUsers", s, params{"product": "shop", "customer": "shop@example.com"}).ok(t)["users"], 1)
}
