package license_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/signing"
)

func keyParams(key, hwid string) params {
	return params{"license_key": key, "product": "app", "hardware_id": hwid}
}

func userParams(username, password, hwid string) params {
	return params{"username": username, "password": password, "product": "users-app", "hardware_id": hwid}
}

// refusal is a request an operation refuses, and the code it answers.
type refusal struct {
	name string
	p    params
	code string
}

// identifyRefusals are how activation, check and deactivation refuse a request that names no
// license they can use, in the order they are checked.
func identifyRefusals() []refusal {
	return []refusal{
		{"unknown product", params{"license_key": "APP-PERP", "product": "nope", "hardware_id": "hw"}, "unknown_product"},
		{"no license_key or username", params{"product": "app", "hardware_id": "hw"}, "license_key_required"},
		{"no username for a user-based product", params{"product": "users-app", "hardware_id": "hw"}, "missing_parameters"},
		{"SSO without customer_account_code", params{"id_token": "tok", "product": "app", "hardware_id": "hw"}, "missing_parameters"},
		{"unknown key", keyParams("NOPE", "hw"), "license_not_found"},
		{"another product's key", keyParams("NOTRIAL-1", "hw"), "license_not_found"},
		{"a user without a license of the product", params{"username": "nolicense@example.com", "password": "nolicense-pw", "product": "users-app", "hardware_id": "hw"}, "license_not_found"},
		{"disabled", keyParams("APP-DSBL", "hw"), "license_not_enabled"},
		{"suspended", keyParams("APP-SUSP", "hw"), "license_not_active"},
		{"past its validity_period", keyParams("APP-EXPD", "hw"), "license_expired"},
	}
}

func TestActivateRefusals(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "catalog")
	cases := append(identifyRefusals(), []refusal{
		{"unknown user", userParams("nobody@example.com", "pw", "hw"), code(t, "wrong_password")},
		{"wrong password", userParams("alice@example.com", "wrong", "hw"), code(t, "wrong_password")},
		{"no password", userParams("alice@example.com", "", "hw"), code(t, "wrong_password")},
		{"a suspended user license", userParams("locked@example.com", "locked-pw", "hw"), "license_not_active"},
	}...)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h.with(t).call("activateLicense", "refusals", tc.p).refused(t, h.spec, tc.code)
		})
	}
	r := h.call("activateLicense", "refusals", params{"product": "users-app", "hardware_id": "hw"})
	assert.Contains(t, string(r.Body), `"message":"Some parameters are missing in the request: license_key."`)
	r = h.call("activateLicense", "refusals", params{"code": "oauth-code", "product": "app", "hardware_id": "hw"})
	assert.Contains(t, string(r.Body), `"message":"Some parameters are missing in the request: customer_account_code."`)
}

// TestActivate: an activation answers the license object for the device, counts each device
// once, and stops at max_activations.
func TestActivate(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "catalog")
	const s = "activate"

	f := h.licenseSigned(t, h.call("activateLicense", s, keyParams("APP-PERP", "hw-1")), "hw-1", "APP-PERP")
	for name, want := range map[string]any{
		"id": 1001.0, "license_key": "APP-PERP", "request": "activation", "hardware_id": "hw-1", "times_activated": 1.0,
		"max_activations": 2.0, "is_expired": false, "is_trial": false, "validity_period": nil, "license_type": "perpetual",
		"metadata": map[string]any{"seats": 2.0}, "active": true, "is_floating": false, "allow_unlimited_activations": false,
	} {
		assert.Equal(t, want, f[name], name)
	}
	assert.Equal(t, "app", object(t, f, "product_details")["short_code"])
	assert.Equal(t, 101.0, object(t, f, "product_details")["product_id"])
	assert.Equal(t, true, object(t, f, "product_details")["allow_trial"], "the product in full")
	assert.Equal(t, "Buyer@Example.com", object(t, f, "customer")["email"])
	assert.Equal(t, map[string]any{"id": 1.0}, object(t, f, "company"))
	assert.Equal(t, []any{map[string]any{"name": "color", "data_type": nil, "value": "blue"}}, f["custom_fields"])
	require.Len(t, f["product_features"], 1)
	assert.Equal(t, "export", f["product_features"].([]any)[0].(map[string]any)["code"])
	assert.NotContains(t, f, "total_consumptions", "not a consumption license")
	assert.NotContains(t, f, "user", "not a user-based license")
	device := f["device_id"]
	assert.NotZero(t, device)

	again := h.licenseSigned(t, h.call("activateLicense", s, keyParams("APP-PERP", "hw-1")), "hw-1", "APP-PERP")
	assert.Equal(t, 1.0, again["times_activated"], "the same device counts once")
	assert.Equal(t, device, again["device_id"])

	f = h.licenseSigned(t, h.call("activateLicense", s, keyParams("APP-PERP", "hw-2")), "hw-2", "APP-PERP")
	assert.Equal(t, 2.0, f["times_activated"])
	assert.NotEqual(t, device, f["device_id"])
	h.call("activateLicense", s, keyParams("APP-PERP", "hw-3")).refused(t, h.spec, "license_activated_max_times")
	h.licenseSigned(t, h.call("activateLicense", s, keyParams("APP-PERP", "hw-1")), "hw-1", "APP-PERP") // a device already active still is

	for i, hw := range []string{"a", "b", "c"} {
		f := h.licenseSigned(t, h.call("activateLicense", s, keyParams("APP-UNLM", hw)), hw, "APP-UNLM")
		assert.Equal(t, float64(i+1), f["times_activated"], "allow_unlimited_activations: past max_activations 1")
	}
}

// TestActivateUser: a user-based license activates with username and password; the license
// signature covers the username up to "|", the answer echoes it whole.
func TestActivateUser(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "catalog")
	const s = "activate-user"
	f := h.licenseSigned(t, h.call("activateLicense", s, userParams("alice@example.com", "alice-pw", "hw-1")), "hw-1", "alice@example.com")
	assert.NotContains(t, f, "license_key")
	assert.Equal(t, "alice@example.com", f["username"])
	assert.Equal(t, 1.0, f["max_license_users"])
	assert.Equal(t, 2001.0, f["id"])
	user := object(t, f, "user")
	for name, want := range map[string]any{"id": 42.0, "email": "alice@example.com", "first_name": "Alice", "last_name": "Liddell",
		"phone_number": "+1 555", "is_initial_password": false, "max_activations": 2.0, "total_activations": 1.0} {
		assert.Equal(t, want, user[name], name)
	}

	f = h.licenseSigned(t, h.call("activateLicense", s, userParams("alice@example.com|tenant-7", "alice-pw", "hw-2")), "hw-2", "alice@example.com")
	assert.Equal(t, "alice@example.com|tenant-7", f["username"])
	assert.Equal(t, 2.0, f["times_activated"])
	h.call("activateLicense", s, userParams("alice@example.com", "alice-pw", "hw-3")).refused(t, h.spec, "license_activated_max_times")
}

func TestCheck(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "catalog")
	const s = "check"
	for _, tc := range identifyRefusals() {
		if tc.code == "license_expired" {
			tc.code = "license_not_active" // never activated in the session comes first
		}
		t.Run(tc.name, func(t *testing.T) {
			h.with(t).call("checkLicense", s, tc.p).refused(t, h.spec, tc.code)
		})
	}
	h.call("checkLicense", s, keyParams("APP-PERP", "hw-1")).refused(t, h.spec, "license_not_active") // never activated here
	act := h.licenseSigned(t, h.call("activateLicense", s, keyParams("APP-PERP", "hw-1")), "hw-1", "APP-PERP")
	h.call("checkLicense", s, keyParams("APP-PERP", "hw-2")).refused(t, h.spec, "device_not_found")

	f := h.licenseSigned(t, h.call("checkLicense", s, keyParams("APP-PERP", "hw-1")), "hw-1", "APP-PERP")
	for name, want := range map[string]any{
		"license_key": "APP-PERP", "license_active": true, "license_enabled": true, "is_expired": false, "times_activated": 1.0,
		"device_id": act["device_id"], "is_borrowed": false, "borrowed_until": nil, "order_store_id": "order-7", "max_license_users": 0.0,
	} {
		assert.Equal(t, want, f[name], name)
	}
	assert.NotContains(t, f, "request")
	assert.NotContains(t, f, "floating_in_use_devices", "not floating")
	assert.NotContains(t, object(t, f, "product_details"), "allow_trial", "the product in short")

	h.licenseSigned(t, h.call("activateLicense", s, userParams("alice@example.com", "alice-pw", "hw-1")), "hw-1", "alice@example.com")
	f = h.licenseSigned(t, h.call("checkLicense", s, params{"username": "alice@example.com", "product": "users-app", "hardware_id": "hw-1"}),
		"hw-1", "alice@example.com")
	assert.Equal(t, "alice@example.com", object(t, f, "user")["email"], "a check needs no password")
	assert.Equal(t, 1.0, f["max_license_users"])
}

func TestDeactivate(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "catalog")
	const s = "deactivate"
	for _, tc := range identifyRefusals()[:5] {
		t.Run(tc.name, func(t *testing.T) {
			h.with(t).call("deactivateLicense", s, tc.p).refused(t, h.spec, tc.code)
		})
	}
	h.call("deactivateLicense", s, keyParams("APP-PERP", "hw-1")).refused(t, h.spec, "device_not_found")
	for _, hw := range []string{"hw-1", "hw-2"} {
		h.licenseSigned(t, h.call("activateLicense", s, keyParams("APP-PERP", hw)), hw, "APP-PERP")
	}
	h.call("deactivateLicense", s, keyParams("APP-PERP", "hw-3")).refused(t, h.spec, "device_not_found")

	r := h.call("deactivateLicense", s, keyParams("APP-PERP", "hw-1"))
	assert.Equal(t, 200, r.Status)
	assert.JSONEq(t, `"license_deactivated"`, string(r.Body))
	assert.Empty(t, r.Signature)
	h.call("deactivateLicense", s, keyParams("APP-PERP", "hw-1")).refused(t, h.spec, "device_not_found")
	h.call("checkLicense", s, keyParams("APP-PERP", "hw-1")).refused(t, h.spec, "device_not_found")

	f := h.licenseSigned(t, h.call("activateLicense", s, keyParams("APP-PERP", "hw-3")), "hw-3", "APP-PERP")
	assert.Equal(t, 2.0, f["times_activated"], "the freed activation is taken again")
	for _, hw := range []string{"hw-2", "hw-3"} {
		assert.Equal(t, 200, h.call("deactivateLicense", s, keyParams("APP-PERP", hw)).Status)
	}
	h.call("checkLicense", s, keyParams("APP-PERP", "hw-2")).refused(t, h.spec, "license_not_active") // no device left

	// A disabled license still lets a device go: deactivation checks only the device.
	h.call("deactivateLicense", s, keyParams("APP-DSBL", "hw-1")).refused(t, h.spec, "device_not_found")
}

// TestValidity: a license stops at its validity_period, or its valid_duration after the
// session's first activation; a trial answers trial_expired.
func TestValidity(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "catalog")
	const s = "validity"

	f := h.licenseSigned(t, h.call("activateLicense", s, keyParams("APP-SOON", "hw-1")), "hw-1", "APP-SOON")
	assert.Equal(t, "2026-06-02T12:00:00.000Z", f["validity_period"])
	assert.Equal(t, "time-limited", f["license_type"])

	f = h.licenseSigned(t, h.call("activateLicense", s, keyParams("APP-DURN", "hw-1")), "hw-1", "APP-DURN")
	durationEnd := iso(start.Add(30 * 24 * time.Hour))
	assert.Equal(t, durationEnd, f["validity_period"], "30d from the first activation")

	f = h.licenseSigned(t, h.call("activateLicense", s, keyParams("APP-TRIAL", "hw-1")), "hw-1", "APP-TRIAL")
	assert.Equal(t, true, f["is_trial"])
	assert.Equal(t, 10.0, f["trial_days"], "the product's trial_days")

	h.clock.Advance(time.Hour)
	h.call("checkLicense", s, keyParams("APP-TRIAL", "hw-1")).refused(t, h.spec, "trial_expired")
	h.call("activateLicense", s, keyParams("APP-TRIAL", "hw-2")).refused(t, h.spec, "trial_expired")
	h.licenseSigned(t, h.call("checkLicense", s, keyParams("APP-SOON", "hw-1")), "hw-1", "APP-SOON")

	h.clock.Advance(23 * time.Hour)
	h.call("checkLicense", s, keyParams("APP-SOON", "hw-1")).refused(t, h.spec, "license_expired")
	h.call("activateLicense", s, keyParams("APP-SOON", "hw-2")).refused(t, h.spec, "license_expired")

	f = h.licenseSigned(t, h.call("activateLicense", s, keyParams("APP-DURN", "hw-2")), "hw-2", "APP-DURN")
	assert.Equal(t, durationEnd, f["validity_period"], "counted from the first activation, not this one")
	f = h.licenseSigned(t, h.call("activateLicense", "validity-later", keyParams("APP-DURN", "hw-1")), "hw-1", "APP-DURN")
	assert.Equal(t, iso(h.clock.Now().Add(30*24*time.Hour)), f["validity_period"], "another session's first activation")

	h.clock.Advance(29 * 24 * time.Hour)
	h.call("checkLicense", s, keyParams("APP-DURN", "hw-1")).refused(t, h.spec, "license_expired")
	h.licenseSigned(t, h.call("checkLicense", "validity-later", keyParams("APP-DURN", "hw-1")), "hw-1", "APP-DURN")
}

// TestLicenseSignatureLowersAsJavaScript: license_signature is over the text lowered as the
// Node SDK lowers it (JavaScript's toLowerCase): İ becomes i + U+0307 and a word-final Σ
// becomes ς, where Go's strings.ToLower differs.
func TestLicenseSignatureLowersAsJavaScript(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "catalog")
	for _, tc := range []struct{ hwid, signed string }{
		{"İSTANBUL-1", "i\u0307stanbul-1#app-unlm#"},
		{"ΟΔΟΣ-ΣΑΣ", "οδος-σας#app-unlm#"},
	} {
		for _, op := range []string{"activateLicense", "checkLicense"} {
			f := h.call(op, "js-lower", keyParams("APP-UNLM", tc.hwid)).ok(t)
			sig, _ := f["license_signature"].(string)
			assert.NoError(t, signing.Verify(h.signer.PublicKeyPEM(), []byte(tc.signed), sig), "%s %s: over %q", op, tc.hwid, tc.signed)
		}
	}
}
