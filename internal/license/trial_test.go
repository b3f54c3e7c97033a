package license_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTrialKey: trial_key issues a session a trial license it can activate; asked again for
// the same device it answers the same trial, in short.
func TestTrialKey(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "catalog")
	const s = "trial"
	for _, tc := range []struct {
		name string
		p    params
		code string
	}{
		{"unknown product", params{"product": "nope", "hardware_id": "hw-1"}, "unknown_product"},
		{"a product without allow_trial", params{"product": "notrial", "hardware_id": "hw-1"}, "trial_not_allowed"},
		{"a user-based product without email", params{"product": "users-app", "hardware_id": "hw-1"}, "missing_parameters"},
	} {
		h.call("trialKey", s, tc.p).refused(t, h.spec, tc.code)
	}
	assert.Contains(t, string(h.call("trialKey", s, params{"product": "users-app"}).Body), "Some parameters are missing in the request: email.")

	f := h.call("trialKey", s, params{"product": "app", "hardware_id": "hw-1"}).ok(t)
	key, _ := f["license_key"].(string)
	assert.Regexp(t, `^[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$`, key)
	for name, want := range map[string]any{"license": key, "is_trial": true, "trial_days": 10.0, "max_activations": 2.0, "license_type": "perpetual",
		"active": false, "enabled": true, "times_activated": 0.0, "product_id": 101.0, "created_at": float64(start.UnixMilli())} {
		assert.Equal(t, want, f[name], name)
	}
	again := h.call("trialKey", s, params{"product": "app", "hardware_id": "hw-1"})
	again.ok(t)
	assert.JSONEq(t, `{"license_type":"perpetual","is_trial":true,"license":"`+key+`"}`, string(again.Body))

	other := h.call("trialKey", s, params{"product": "app", "hardware_id": "hw-2"}).ok(t)
	assert.NotEqual(t, key, other["license_key"], "another device, another trial")
	elsewhere := h.call("trialKey", "trial-other", params{"product": "app", "hardware_id": "hw-1"}).ok(t)
	assert.NotEqual(t, key, elsewhere["license_key"], "another session, another trial")
	assert.Equal(t, key, newHarness(t, "catalog").call("trialKey", s, params{"product": "app", "hardware_id": "hw-1"}).ok(t)["license_key"],
		"the same session and device get the same key on every run")

	h.call("activateLicense", "trial-other", keyParams(key, "hw-1")).refused(t, h.spec, "license_not_found")
	act := h.licenseSigned(t, h.call("activateLicense", s, keyParams(key, "hw-1")), "hw-1", key)
	assert.Equal(t, true, act["is_trial"])
	assert.Equal(t, iso(start.Add(10*24*time.Hour)), act["validity_period"], "trial_days 10")
	h.licenseSigned(t, h.call("activateLicense", s, keyParams(key, "hw-2")), "hw-2", key)
	h.call("activateLicense", s, keyParams(key, "hw-3")).refused(t, h.spec, "license_activated_max_times") // trial_max_activations 2

	h.clock.Advance(10 * 24 * time.Hour)
	h.call("checkLicense", s, keyParams(key, "hw-1")).refused(t, h.spec, "trial_expired")
}

// TestTrialUser: a user-based product's trial is a license user with an initial password,
// who activates with it.
func TestTrialUser(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "catalog")
	const s, email = "trial-user", "tess@example.com"
	f := h.call("trialKey", s, params{"product": "users-app", "hardware_id": "hw-1", "email": email}).ok(t)
	password, _ := f["initial_password"].(string)
	require.Len(t, password, 10)
	assert.Equal(t, email, f["license_user"])
	assert.Equal(t, 1.0, f["max_license_users"])
	assert.Equal(t, 7.0, f["trial_days"])
	assert.NotContains(t, f, "license_key")
	again := h.call("trialKey", s, params{"product": "users-app", "hardware_id": "hw-2", "email": email})
	again.ok(t)
	assert.JSONEq(t, `{"license_type":"perpetual","is_trial":true,"license_user":"`+email+`"}`, string(again.Body), "the same email, the same trial")

	h.call("activateLicense", s, userParams(email, "wrong", "hw-1")).refused(t, h.spec, code(t, "wrong_password"))
	h.call("activateLicense", "trial-user-other", userParams(email, password, "hw-1")).refused(t, h.spec, code(t, "wrong_password"))
	act := h.licenseSigned(t, h.call("activateLicense", s, userParams(email, password, "hw-1")), "hw-1", email)
	assert.Equal(t, true, object(t, act, "user")["is_initial_password"])
	assert.Equal(t, iso(start.Add(7*24*time.Hour)), act["validity_period"])

	r := h.call("changePassword", s, params{"username": email, "password": password, "new_password": "chosen"})
	assert.JSONEq(t, `"password_changed"`, string(r.Body))
	act = h.licenseSigned(t, h.call("activateLicense", s, userParams(email, "chosen", "hw-1")), "hw-1", email)
	assert.Equal(t, false, object(t, act, "user")["is_initial_password"], "changed")
}

func TestProductDetails(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "catalog")
	h.call("productDetails", "pd", params{"product": "nope"}).refused(t, h.spec, "unknown_product")

	r := h.call("productDetails", "pd", params{"product": "app"})
	f := r.ok(t)
	for name, want := range map[string]any{"product_id": 101.0, "product_name": "Test App", "short_code": "app", "allow_trial": true,
		"trial_days": 10.0, "authorization_method": "license-key", "floating_timeout": 120.0, "metadata": map[string]any{"tier": "test"},
		"company": map[string]any{"id": 1.0}} {
		assert.Equal(t, want, f[name], name)
	}
	assert.NotContains(t, f, "custom_fields")
	f = h.call("productDetails", "pd", params{"product": "app", "include_custom_fields": true}).ok(t)
	require.Len(t, f["custom_fields"], 1)
	field := f["custom_fields"].([]any)[0].(map[string]any)
	assert.Equal(t, "edition", field["name"])
	assert.Equal(t, "standard", field["default_value"])
	assert.NotZero(t, field["id"])

	f = h.call("productDetails", "pd", params{"product": "notrial"}).ok(t)
	assert.Equal(t, "notrial", f["product_name"], "the code when no name is declared")
	assert.Equal(t, false, f["allow_trial"])
	assert.Equal(t, 0.0, f["trial_days"])
	assert.Equal(t, 30.0, f["floating_timeout"])
	f = h.call("productDetails", "pd", params{"product": "users-app"}).ok(t)
	assert.Equal(t, "user", f["authorization_method"])
	// include_latest_version=true says latest_version, null: no releases are declared;
	// without it the field is absent, as the SDKs' fixtures show.
	for _, include := range []bool{true, false} {
		f = h.call("productDetails", "pd", params{"product": "app", "include_latest_version": include}).ok(t)
		latest, has := f["latest_version"]
		assert.Equal(t, include, has, "include_latest_version=%v", include)
		assert.Nil(t, latest)
	}
}

func changePassword(username, current, next string) params {
	return params{"username": username, "password": current, "new_password": next}
}

// TestChangePassword: the new password is the session's: activation and user_licenses take
// it next, another session keeps the declared one.
func TestChangePassword(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "catalog")
	const s = "change-password"
	for _, tc := range []struct {
		name string
		p    params
		code string
	}{
		{"wrong current password", changePassword("alice@example.com", "wrong", "x"), code(t, "wrong_password")},
		{"unknown user (unknown_users: refuse)", changePassword("nobody@example.com", "x", "y"), code(t, "wrong_password")},
		{"change_allowed: false", changePassword("locked@example.com", "locked-pw", "x"), "change_password_not_allowed"},
	} {
		h.call("changePassword", s, tc.p).refused(t, h.spec, tc.code)
	}

	r := h.call("changePassword", s, changePassword("alice@example.com", "alice-pw", "new-pw"))
	assert.Equal(t, 200, r.Status)
	assert.JSONEq(t, `"password_changed"`, string(r.Body))
	h.call("activateLicense", s, userParams("alice@example.com", "alice-pw", "hw-1")).refused(t, h.spec, code(t, "wrong_password"))
	h.licenseSigned(t, h.call("activateLicense", s, userParams("alice@example.com", "new-pw", "hw-1")), "hw-1", "alice@example.com")
	h.call("changePassword", s, changePassword("alice@example.com", "alice-pw", "again")).refused(t, h.spec, code(t, "wrong_password"))
	h.licenseSigned(t, h.call("activateLicense", "change-password-other", userParams("alice@example.com", "alice-pw", "hw-1")),
		"hw-1", "alice@example.com")

	h.accounts.forget(s)
	h.licenseSigned(t, h.call("activateLicense", s, userParams("alice@example.com", "alice-pw", "hw-1")), "hw-1", "alice@example.com")
}

// TestChangePasswordUndeclared: change_password for users the catalog does not declare.
func TestChangePasswordUndeclared(t *testing.T) {
	t.Parallel()
	accept := newHarness(t, "accept")
	r := accept.call("changePassword", "s", changePassword("nobody@example.com", "x", "y"))
	assert.JSONEq(t, `"password_changed"`, string(r.Body), "unknown_users: accept")
	accept.call("changePassword", "s", changePassword("bob@example.com", "wrong", "y")).refused(t, accept.spec, "license_not_found") // wrong_password_error

	none := newHarness(t, "nousers")
	_, ok := none.answer("changePassword", "s", changePassword("nobody@example.com", "x", "y"))
	assert.False(t, ok, "no users to check against: the default answers")
	f := none.call("trialKey", "s", params{"product": "solo", "email": "tina@example.com"}).ok(t)
	password := f["initial_password"].(string)
	assert.Equal(t, "time-limited", f["license_type"], "trial_license_type")
	_, ok = none.answer("changePassword", "another", changePassword("tina@example.com", password, "y"))
	assert.False(t, ok, "another session issued no trial user")
	none.call("changePassword", "s", changePassword("nobody@example.com", "x", "y")).refused(t, none.spec, code(t, "wrong_password"))
	r = none.call("changePassword", "s", changePassword("tina@example.com", password, "mine"))
	assert.JSONEq(t, `"password_changed"`, string(r.Body))
	none.licenseSigned(t, none.call("activateLicense", "s", params{"username": "tina@example.com", "password": "mine", "product": "solo", "hardware_id": "hw"}),
		"hw", "tina@example.com")
}
