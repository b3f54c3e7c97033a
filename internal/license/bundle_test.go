package license_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/license"
	"github.com/lsmock/lsmock/internal/signing"
)

func bundleParams(product, key, hwid string) params {
	return params{"product": product, "license_key": key, "hardware_id": hwid}
}

// bundleSigned checks a bundle's answer as the Node SDK does: the Signature over the whole
// array, and each license's license_signature over lower(hardware_id#id#validity_period),
// id being the request's key or username. It returns the licenses.
func (h *harness) bundleSigned(t *testing.T, r reply, hwid, id string) []map[string]any {
	t.Helper()
	r.success(t)
	public := h.signer.PublicKeyPEM()
	require.NotEmpty(t, r.Signature, "a bundle's answer comes signed")
	assert.NoError(t, signing.Verify(public, r.Body, r.Signature), "Signature over the array")
	var list []map[string]any
	require.NoError(t, json.Unmarshal(r.Body, &list), "an array of license objects: %s", r.Body)
	for _, l := range list {
		validity, _ := l["validity_period"].(string)
		sig, _ := l["license_signature"].(string)
		assert.NoError(t, signing.Verify(public, []byte(strings.ToLower(hwid+"#"+id+"#"+validity)), sig), "license_signature of %v", l["license_key"])
	}
	return list
}

// keysOf are the license keys of a bundle's answer, in order.
func keysOf(list []map[string]any) []any {
	out := make([]any, len(list))
	for i, l := range list {
		out[i] = l["license_key"]
	}
	return out
}

func TestBundleRefusals(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "bundles")
	user := func(username, password string) params {
		p := params{"product": "users-suite", "username": username, "hardware_id": "hw"}
		if password != "" {
			p["password"] = password
		}
		return p
	}
	cases := []struct {
		name, op string
		p        params
		code     string
	}{
		{"unknown bundle", "activateBundle", bundleParams("nope", "SUITE-1", "hw"), "unknown_product"},
		{"a product is no bundle", "activateBundle", bundleParams("app", "APP-1", "hw"), "unknown_product"},
		{"another bundle's key", "activateBundle", bundleParams("suite", "SUITE-2", "hw"), "license_not_found"},
		{"a license's key", "checkBundle", bundleParams("suite", "APP-1", "hw"), "license_not_found"},
		{"key and username", "activateBundle", params{"product": "suite", "license_key": "SUITE-1", "username": "alice@example.com", "hardware_id": "hw"}, "validation_error"},
		{"neither key nor username", "deactivateBundle", params{"product": "suite", "hardware_id": "hw"}, "missing_parameters"},
		{"SSO is not done", "activateBundle", params{"product": "suite", "id_token": "tok", "hardware_id": "hw"}, "missing_parameters"},
		{"a disabled license in the bundle", "activateBundle", bundleParams("disabled-suite", "SUITE-2", "hw"), "license_not_enabled"},
		{"an expired license in the bundle", "activateBundle", bundleParams("expired-suite", "SUITE-3", "hw"), "license_expired"},
		{"a device a license of the bundle blacklists", "activateBundle", bundleParams("blacklist-suite", "SUITE-5", "bad-hw"), "blacklisted"},
		{"wrong password", "activateBundle", user("alice@example.com", "nope"), code(t, license.CondWrongPassword)},
		{"unknown user", "activateBundle", user("nobody@example.com", "pw"), code(t, license.CondWrongPassword)},
		{"no password", "activateBundle", user("alice@example.com", ""), "missing_parameters"},
		{"another user's bundle", "activateBundle", user("bob@example.com", "bob-pw"), "license_not_found"},
		{"another user's check", "checkBundle", user("bob@example.com", ""), "license_not_found"},
		{"check before activating", "checkBundle", bundleParams("suite", "SUITE-1", "hw"), "license_not_active"},
		{"check: the first refusal answers", "checkBundle", bundleParams("disabled-suite", "SUITE-2", "hw"), "license_not_active"},
		{"deactivate before activating", "deactivateBundle", bundleParams("suite", "SUITE-1", "hw"), "device_not_found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h.with(t).call(tc.op, "refusals-"+tc.name, tc.p).refused(t, h.spec, tc.code)
		})
	}
}

// TestActivateBundle: a bundle's activation activates each of its licenses on the device, as
// activate_license would, and answers them all; a refused license leaves the others as they
// were.
func TestActivateBundle(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "bundles")
	const s = "activate"
	list := h.bundleSigned(t, h.call("activateBundle", s, bundleParams("suite", "SUITE-1", "hw-1")), "hw-1", "SUITE-1")
	require.Len(t, list, 2)
	assert.Equal(t, []any{"APP-1", "ADDON-1"}, keysOf(list), "each license with its own key, in the declared order")
	for i, want := range []map[string]any{
		{"times_activated": 1.0, "max_activations": 2.0, "request": "activation", "hardware_id": "hw-1", "validity_period": nil, "active": true},
		{"times_activated": 1.0, "max_activations": 1.0, "request": "activation", "hardware_id": "hw-1", "validity_period": "2027-01-01T00:00:00.000Z"},
	} {
		for name, v := range want {
			assert.Equal(t, v, list[i][name], "%d %s", i, name)
		}
	}
	assert.Equal(t, "app", object(t, list[0], "product_details")["short_code"])
	assert.Equal(t, "addon", object(t, list[1], "product_details")["short_code"])

	again := h.bundleSigned(t, h.call("activateBundle", s, bundleParams("suite", "SUITE-1", "hw-1")), "hw-1", "SUITE-1")
	assert.Equal(t, 1.0, again[0]["times_activated"], "the same device counts once")
	h.licenseSigned(t, h.call("checkLicense", s, params{"product": "addon", "license_key": "ADDON-1", "hardware_id": "hw-1"}), "hw-1", "ADDON-1")

	// ADDON-1 allows one device: the bundle cannot go on a second, and APP-1 is left alone.
	h.call("activateBundle", s, bundleParams("suite", "SUITE-1", "hw-2")).refused(t, h.spec, "license_activated_max_times")
	h.call("checkLicense", s, params{"product": "app", "license_key": "APP-1", "hardware_id": "hw-2"}).refused(t, h.spec, "device_not_found")

	// nothing of an expired bundle is activated either.
	h.call("activateBundle", s, bundleParams("expired-suite", "SUITE-3", "hw-1")).refused(t, h.spec, "license_expired")
	h.call("checkLicense", s, params{"product": "app", "license_key": "APP-3", "hardware_id": "hw-1"}).refused(t, h.spec, "license_not_active")
}

// TestBundleMaxActivations: each license of a bundle counts its devices, whether activate_bundle
// or activate_license took them.
func TestBundleMaxActivations(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "bundles")
	const s = "max"
	h.licenseSigned(t, h.call("activateLicense", s, params{"product": "app", "license_key": "APP-1", "hardware_id": "hw-a"}), "hw-a", "APP-1")
	list := h.bundleSigned(t, h.call("activateBundle", s, bundleParams("suite", "SUITE-1", "hw-b")), "hw-b", "SUITE-1")
	assert.Equal(t, 2.0, list[0]["times_activated"], "APP-1: hw-a and hw-b")
	assert.Equal(t, 1.0, list[1]["times_activated"])
	r := h.call("activateBundle", s, bundleParams("suite", "SUITE-1", "hw-c"))
	r.refused(t, h.spec, "license_activated_max_times")
	assert.Contains(t, r.Detail, "APP-1", "says which license is full")
}

// TestCheckBundle: a check answers each license of the bundle as check_license does, and
// refuses when one of them is not active on the device.
func TestCheckBundle(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "bundles")
	const s = "check"
	h.call("activateBundle", s, bundleParams("suite", "SUITE-1", "hw-1")).success(t)
	list := h.bundleSigned(t, h.call("checkBundle", s, bundleParams("suite", "SUITE-1", "hw-1")), "hw-1", "SUITE-1")
	require.Len(t, list, 2)
	assert.Equal(t, []any{"APP-1", "ADDON-1"}, keysOf(list))
	for _, l := range list {
		assert.Equal(t, true, l["license_active"])
		assert.Equal(t, 1.0, l["times_activated"])
		assert.NotContains(t, l, "request", "a check's shape, not an activation's")
	}
	h.call("checkBundle", s, bundleParams("suite", "SUITE-1", "hw-2")).refused(t, h.spec, "device_not_found")

	// deactivate_license of one license of the bundle: the bundle's check refuses.
	h.call("deactivateLicense", s, params{"product": "addon", "license_key": "ADDON-1", "hardware_id": "hw-1"}).success(t)
	r := h.call("checkBundle", s, bundleParams("suite", "SUITE-1", "hw-1"))
	r.refused(t, h.spec, "license_not_active")
	assert.Contains(t, r.Detail, "ADDON-1")
}

// TestCheckBundleFloating: a floating license of a bundle takes its seat in the bundle's check.
func TestCheckBundleFloating(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "bundles")
	const s = "floating"
	for _, hw := range []string{"hw-1", "hw-2"} {
		h.call("activateBundle", s, bundleParams("floating-suite", "SUITE-4", hw)).success(t)
	}
	list := h.bundleSigned(t, h.call("checkBundle", s, bundleParams("floating-suite", "SUITE-4", "hw-1")), "hw-1", "SUITE-4")
	assert.Equal(t, 1.0, list[1]["floating_in_use_devices"])
	h.call("checkBundle", s, bundleParams("floating-suite", "SUITE-4", "hw-2")).refused(t, h.spec, code(t, license.CondMaxFloatingReached))
}

// TestDeactivateBundle: deactivation frees the device in every license of the bundle.
func TestDeactivateBundle(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "bundles")
	const s = "deactivate"
	h.call("activateBundle", s, bundleParams("suite", "SUITE-1", "hw-1")).success(t)
	r := h.call("deactivateBundle", s, bundleParams("suite", "SUITE-1", "hw-1"))
	require.Equal(t, 200, r.Status, "%s %s", r.Body, r.Detail)
	assert.Equal(t, `"license_deactivated"`, string(r.Body))
	assert.Empty(t, r.Signature, "deactivation is not signed")
	h.call("checkBundle", s, bundleParams("suite", "SUITE-1", "hw-1")).refused(t, h.spec, "license_not_active")
	h.call("deactivateBundle", s, bundleParams("suite", "SUITE-1", "hw-1")).refused(t, h.spec, "device_not_found")

	// ADDON-1's one activation is free again: another device takes the bundle.
	h.call("activateBundle", s, bundleParams("suite", "SUITE-1", "hw-2")).success(t)
	// half deactivated by deactivate_license, the rest goes with deactivate_bundle.
	h.call("deactivateLicense", s, params{"product": "app", "license_key": "APP-1", "hardware_id": "hw-2"}).success(t)
	assert.Equal(t, 200, h.call("deactivateBundle", s, bundleParams("suite", "SUITE-1", "hw-2")).Status)
	h.call("checkLicense", s, params{"product": "addon", "license_key": "ADDON-1", "hardware_id": "hw-2"}).refused(t, h.spec, "license_not_active")
}

// TestUserBundle: a bundle named by its user: activated with username and password, checked
// and deactivated with the username; license_signature covers the username up to "|".
func TestUserBundle(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "bundles")
	const s = "user"
	p := params{"product": "users-suite", "username": "alice@example.com", "password": "alice-pw", "hardware_id": "hw-1"}
	list := h.bundleSigned(t, h.call("activateBundle", s, p), "hw-1", "alice@example.com")
	require.Len(t, list, 2)
	for _, l := range list {
		assert.Equal(t, "alice@example.com", object(t, l, "user")["email"])
		assert.Equal(t, "alice@example.com", l["username"])
	}
	check := params{"product": "users-suite", "username": "alice@example.com|sso", "hardware_id": "hw-1"}
	h.bundleSigned(t, h.call("checkBundle", s, check), "hw-1", "alice@example.com")
	assert.Equal(t, 200, h.call("deactivateBundle", s, params{"product": "users-suite", "username": "alice@example.com", "hardware_id": "hw-1"}).Status)
}

// TestBundleSessions: sessions count a bundle's activations each on their own.
func TestBundleSessions(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "bundles")
	h.call("activateBundle", "one", bundleParams("suite", "SUITE-1", "hw-1")).success(t)
	h.call("checkBundle", "two", bundleParams("suite", "SUITE-1", "hw-1")).refused(t, h.spec, "license_not_active")
	list := h.bundleSigned(t, h.call("activateBundle", "two", bundleParams("suite", "SUITE-1", "hw-2")), "hw-2", "SUITE-1")
	assert.Equal(t, 1.0, list[1]["times_activated"], "ADDON-1's one activation is free in another session")
	h.call("activateBundle", "one", bundleParams("suite", "SUITE-1", "hw-2")).refused(t, h.spec, "license_activated_max_times")

	h.accounts.forget("one")
	h.call("activateBundle", "one", bundleParams("suite", "SUITE-1", "hw-2")).success(t)
}

// TestBundleCatalog: NewCatalog refuses a bundle that is not made of its licenses.
func TestBundleCatalog(t *testing.T) {
	t.Parallel()
	app, addon := &license.Product{Code: "app"}, &license.Product{Code: "addon"}
	a1 := &license.License{Key: "A-1", Product: app}
	a2 := &license.License{Key: "A-2", Product: app}
	b1 := &license.License{Key: "B-1", Product: addon}
	stray := &license.License{Key: "S-1", Product: addon}
	cases := []struct {
		name   string
		bundle *license.Bundle
		msg    string
	}{
		{"no code", &license.Bundle{Key: "K", Licenses: []*license.License{a1}}, "a bundle needs a code"},
		{"a product's code", &license.Bundle{Code: "app", Key: "K", Licenses: []*license.License{a1}}, `"app" is the short_code of a product`},
		{"no key or user", &license.Bundle{Code: "x", Licenses: []*license.License{a1}}, "either a license_key or a username"},
		{"no licenses", &license.Bundle{Code: "x", Key: "K"}, "a bundle needs licenses"},
		{"an undeclared license", &license.Bundle{Code: "x", Key: "K", Licenses: []*license.License{a1, stray}}, "license 2 is not a declared license"},
		{"two of one product", &license.Bundle{Code: "x", Key: "K", Licenses: []*license.License{a1, a2}}, "A-1 and A-2 are both of product"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := license.NewCatalog(license.Declarations{Products: []*license.Product{app, addon}, Licenses: []*license.License{a1, a2, b1}, Bundles: []*license.Bundle{tc.bundle}})
			var refused license.BundleRefusals
			require.ErrorAs(t, err, &refused)
			require.Len(t, refused, 1)
			assert.Contains(t, refused[0].Msg, tc.msg)
		})
	}
	first := &license.Bundle{Code: "x", Key: "K", Licenses: []*license.License{a1, b1}, Source: "f.yaml:1"}
	_, err := license.NewCatalog(license.Declarations{Products: []*license.Product{app, addon}, Licenses: []*license.License{a1, a2, b1},
		Bundles: []*license.Bundle{first, {Code: "x", Key: "K2", Licenses: []*license.License{a2}, Source: "f.yaml:2"}}})
	assert.EqualError(t, err, `f.yaml:2: bundle "x" is already declared at f.yaml:1`)

	c, err := license.NewCatalog(license.Declarations{Products: []*license.Product{app, addon}, Licenses: []*license.License{a1, a2, b1}, Bundles: []*license.Bundle{first}})
	require.NoError(t, err)
	assert.Same(t, first, c.Bundle("x"))
	assert.Nil(t, c.Bundle("app"))
	listed := license.Declared(c).Bundles
	require.Len(t, listed, 1)
	assert.Equal(t, license.BundleListing{Code: "x", LicenseKey: "K", Licenses: []string{"A-1", "B-1"}, Products: []string{"app", "addon"}, Source: "f.yaml:1"}, listed[0])
}
