package license_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func consume(key, hwid string, n int) params {
	p := keyParams(key, hwid)
	p["consumptions"] = n
	return p
}

func onFeature(key, hwid, feature string) params {
	p := keyParams(key, hwid)
	p["feature"] = feature
	return p
}

func consumeFeature(key, hwid, feature string, n int) params {
	p := onFeature(key, hwid, feature)
	p["consumptions"] = n
	return p
}

// deviceRefusals are how the calls about a device's license refuse one it cannot use now, in
// the order they are checked, given hw-1 active on APP-PERP.
func deviceRefusals() []refusal {
	return []refusal{
		{"unknown product", params{"license_key": "APP-PERP", "product": "nope", "hardware_id": "hw-1"}, "unknown_product"},
		{"no license_key", params{"product": "app", "hardware_id": "hw-1"}, "license_key_required"},
		{"a username for a key-based product", params{"username": "alice@example.com", "product": "app", "hardware_id": "hw-1"}, "license_key_required"},
		{"unknown key", keyParams("NOPE", "hw-1"), "license_not_found"},
		{"disabled", keyParams("APP-DSBL", "hw-1"), "license_not_enabled"},
		{"suspended", keyParams("APP-SUSP", "hw-1"), "license_not_active"},
		{"never activated in the session", keyParams("APP-CONS", "hw-1"), "license_not_active"},
		{"not active on this device", keyParams("APP-PERP", "hw-2"), "device_not_found"},
	}
}

// TestDeviceRefusals: add_consumption, the feature and the floating calls refuse as a check
// does before anything of their own.
func TestDeviceRefusals(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "catalog")
	const s = "device-refusals"
	h.licenseSigned(t, h.call("activateLicense", s, keyParams("APP-PERP", "hw-1")), "hw-1", "APP-PERP")
	for _, op := range []string{"addConsumption", "addFeatureConsumption", "checkLicenseFeature", "floatingBorrow", "floatingRelease",
		"floatingFeatureBorrow", "floatingFeatureRelease"} {
		for _, tc := range deviceRefusals() {
			p := params{"consumptions": 1, "feature": "export", "borrowed_until": nil}
			for k, v := range tc.p {
				p[k] = v
			}
			h.call(op, s, p).refused(t, h.spec, tc.code)
		}
	}

	// A license that expired after its activation.
	h.licenseSigned(t, h.call("activateLicense", s, keyParams("APP-SOON", "hw-1")), "hw-1", "APP-SOON")
	h.clock.Advance(24 * time.Hour)
	h.call("addConsumption", s, consume("APP-SOON", "hw-1", 1)).refused(t, h.spec, "license_expired")
	h.call("checkLicenseFeature", s, onFeature("APP-SOON", "hw-1", "x")).refused(t, h.spec, "license_expired")
}

// TestAddConsumption: a consumption license counts per session up to max_consumptions (plus
// the overages allowed); a refused amount leaves the total as it was.
func TestAddConsumption(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "catalog")
	const s = "consumption"
	for _, key := range []string{"APP-CONS", "APP-OVER", "APP-UNLC", "APP-PERP"} {
		h.licenseSigned(t, h.call("activateLicense", s, keyParams(key, "hw-1")), "hw-1", key)
	}
	steps := []struct {
		name  string
		key   string
		n     int
		total float64
		code  string
	}{
		{"within max_consumptions", "APP-CONS", 2, 2, ""},
		{"up to max_consumptions", "APP-CONS", 3, 5, ""},
		{"past max_consumptions", "APP-CONS", 1, 5, code(t, "not_enough_consumptions")},
		{"negative, not allowed", "APP-CONS", -1, 5, code(t, "negative_consumptions")},
		{"nothing", "APP-CONS", 0, 5, ""},
		{"into the overages", "APP-OVER", 7, 7, ""},
		{"past the overages", "APP-OVER", 1, 7, code(t, "not_enough_consumptions")},
		{"negative, allowed", "APP-OVER", -3, 4, ""},
		{"unlimited", "APP-UNLC", 1_000_000, 1_000_000, ""},
		{"not a consumption license", "APP-PERP", 1, 0, code(t, "wrong_license_type")},
	}
	for _, st := range steps {
		r := h.call("addConsumption", s, consume(st.key, "hw-1", st.n))
		if st.code != "" {
			r.refused(t, h.spec, st.code)
			continue
		}
		f := r.ok(t)
		assert.Equal(t, st.total, f["total_consumptions"], st.name)
	}
	unvalidated := consume("APP-UNLC", "hw-1", 0)
	unvalidated["consumptions"] = "2" // a scenario chosen by name skips validation
	assert.Equal(t, 1_000_002.0, h.call("addConsumption", s, unvalidated).ok(t)["total_consumptions"])
	f := h.call("addConsumption", s, consume("APP-OVER", "hw-1", 0)).ok(t)
	for name, want := range map[string]any{"max_consumptions": 5.0, "allow_overages": true, "max_overages": 2.0, "allow_negative_consumptions": true,
		"allow_unlimited_consumptions": false, "consumption_period": "monthly", "reset_consumption": false, "company": map[string]any{"id": 1.0}} {
		assert.Equal(t, want, f[name], name)
	}
	assert.Nil(t, h.call("addConsumption", s, consume("APP-CONS", "hw-1", 0)).ok(t)["consumption_period"])

	c := h.licenseSigned(t, h.call("checkLicense", s, keyParams("APP-CONS", "hw-1")), "hw-1", "APP-CONS")
	assert.Equal(t, 5.0, c["total_consumptions"], "check_license shows the session's total")
	assert.Equal(t, 5.0, c["max_consumptions"])
	assert.Equal(t, "consumption", c["license_type"])
	a := h.licenseSigned(t, h.call("activateLicense", s, keyParams("APP-OVER", "hw-1")), "hw-1", "APP-OVER")
	assert.Equal(t, 4.0, a["total_consumptions"], "so does an activation")

	h.licenseSigned(t, h.call("activateLicense", "consumption-other", keyParams("APP-CONS", "hw-1")), "hw-1", "APP-CONS")
	f = h.call("addConsumption", "consumption-other", consume("APP-CONS", "hw-1", 1)).ok(t)
	assert.Equal(t, 1.0, f["total_consumptions"], "another session counts its own")
}

// TestFeatures: check_license_feature and add_feature_consumption for a license's features.
func TestFeatures(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "catalog")
	const s = "features"
	for _, hw := range []string{"hw-1", "hw-2"} {
		h.licenseSigned(t, h.call("activateLicense", s, keyParams("APP-FEAT", hw)), hw, "APP-FEAT")
	}

	f := h.call("checkLicenseFeature", s, onFeature("APP-FEAT", "hw-1", "export")).ok(t)
	for name, want := range map[string]any{"code": "export", "name": "Export", "feature_type": "activation", "is_floating": false,
		"is_floating_cloud": false, "expiry_date": nil, "metadata": map[string]any{}, "company": map[string]any{"id": 1.0}} {
		assert.Equal(t, want, f[name], name)
	}
	assert.NotContains(t, f, "total_consumptions", "an activation feature has no totals")
	assert.NotContains(t, f, "metadata_string")
	assert.NotContains(t, f, "floating_in_use_devices")

	f = h.call("checkLicenseFeature", s, params{"license_key": "APP-FEAT", "product": "app", "hardware_id": "hw-1", "feature": "credits",
		"include_metadata_string": true}).ok(t)
	assert.Equal(t, 501.0, f["id"])
	assert.Equal(t, `{"unit":"credit"}`, f["metadata_string"])
	assert.Equal(t, 0.0, f["total_consumptions"])
	assert.Equal(t, 10.0, f["max_consumption"])

	steps := []struct {
		name, feature string
		n             int
		total         float64
		code          string
	}{
		{"within max_consumption", "credits", 4, 4, ""},
		{"past max_consumption", "credits", 7, 4, code(t, "feature_not_enough")},
		{"negative, not allowed", "credits", -2, 4, code(t, "negative_consumptions")},
		{"an activation feature", "export", 1, 0, code(t, "feature_not_consumption")},
		{"a feature the license does not have", "nope", 1, 0, code(t, "unknown_feature")},
		{"into the overages", "extra", 2, 2, ""},
		{"past the overages", "extra", 1, 2, code(t, "feature_not_enough")},
		{"negative, allowed", "extra", -2, 0, ""},
		{"before its expiry_date", "limited", 5, 5, ""},
	}
	for _, st := range steps {
		r := h.call("addFeatureConsumption", s, consumeFeature("APP-FEAT", "hw-1", st.feature, st.n))
		if st.code != "" {
			r.refused(t, h.spec, st.code)
			continue
		}
		f := r.ok(t)
		assert.Equal(t, st.total, f["total_consumptions"], st.name)
	}
	f = h.call("addFeatureConsumption", s, consumeFeature("APP-FEAT", "hw-2", "credits", 1)).ok(t)
	for name, want := range map[string]any{"id": 501.0, "total_consumptions": 5.0, "max_consumptions": 10.0, "allow_overages": false,
		"is_floating": false, "consumption_period": nil} {
		assert.Equal(t, want, f[name], "%s: the license's total, whichever device", name)
	}
	assert.Equal(t, 5.0, h.call("checkLicenseFeature", s, onFeature("APP-FEAT", "hw-2", "credits")).ok(t)["total_consumptions"])

	c := h.licenseSigned(t, h.call("checkLicense", s, keyParams("APP-FEAT", "hw-1")), "hw-1", "APP-FEAT")
	features, _ := c["product_features"].([]any)
	require.Len(t, features, 7)
	assert.Equal(t, 5.0, features[0].(map[string]any)["total_consumptions"], "check_license shows the features' totals")
	assert.Equal(t, "2026-01-01T00:00:00.000Z", features[5].(map[string]any)["expiry_date"])
	assert.Equal(t, 1.0, features[3].(map[string]any)["floating_users"])

	h.call("checkLicenseFeature", s, onFeature("APP-FEAT", "hw-1", "old")).refused(t, h.spec, code(t, "feature_expired"))
	h.call("checkLicenseFeature", s, onFeature("APP-FEAT", "hw-1", "nope")).refused(t, h.spec, code(t, "unknown_feature"))
	h.clock.Advance(30 * time.Minute)
	h.call("addFeatureConsumption", s, consumeFeature("APP-FEAT", "hw-1", "limited", 0)).refused(t, h.spec, code(t, "feature_expired"))
	h.call("checkLicenseFeature", s, onFeature("APP-FEAT", "hw-1", "limited")).refused(t, h.spec, code(t, "feature_expired"))

	h.licenseSigned(t, h.call("activateLicense", "features-other", keyParams("APP-FEAT", "hw-1")), "hw-1", "APP-FEAT")
	f = h.call("checkLicenseFeature", "features-other", onFeature("APP-FEAT", "hw-1", "credits")).ok(t)
	assert.Equal(t, 0.0, f["total_consumptions"], "another session counts its own")
}

// TestFloatingFeatures: a floating feature's seats are taken per device by
// check_license_feature, held until its floating_timeout, borrowed and released.
func TestFloatingFeatures(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "catalog")
	const s = "floating-features"
	for _, hw := range []string{"hw-1", "hw-2", "hw-3"} {
		h.licenseSigned(t, h.call("activateLicense", s, keyParams("APP-FEAT", hw)), hw, "APP-FEAT")
	}
	check := func(hw, feature string) reply {
		return h.call("checkLicenseFeature", s, onFeature("APP-FEAT", hw, feature))
	}
	borrowUntil := func(hw, feature string, until any) reply {
		p := onFeature("APP-FEAT", hw, feature)
		p["borrowed_until"] = until
		return h.call("floatingFeatureBorrow", s, p)
	}
	release := func(hw, feature string) reply {
		return h.call("floatingFeatureRelease", s, onFeature("APP-FEAT", hw, feature))
	}

	f := check("hw-1", "seat").ok(t)
	for name, want := range map[string]any{"is_floating_cloud": true, "floating_users": 1.0, "floating_timeout": 10.0, "floating_in_use_devices": 1.0} {
		assert.Equal(t, want, f[name], name)
	}
	check("hw-2", "seat").refused(t, h.spec, code(t, "max_floating_reached"))
	h.clock.Advance(9 * time.Minute)
	check("hw-1", "seat").ok(t) // renews hw-1's seat
	h.clock.Advance(9 * time.Minute)
	check("hw-2", "seat").refused(t, h.spec, code(t, "max_floating_reached"))
	h.clock.Advance(time.Minute)
	assert.Equal(t, 1.0, check("hw-2", "seat").ok(t)["floating_in_use_devices"], "hw-1's seat lapsed")

	assert.Equal(t, 1.0, check("hw-1", "pool").ok(t)["floating_in_use_devices"])
	assert.Equal(t, 2.0, check("hw-2", "pool").ok(t)["floating_in_use_devices"])
	check("hw-3", "pool").refused(t, h.spec, code(t, "max_floating_reached"))
	r := release("hw-1", "pool")
	assert.Equal(t, 200, r.Status)
	assert.Empty(t, r.Body, "a release answers no body")
	assert.Equal(t, 2.0, check("hw-3", "pool").ok(t)["floating_in_use_devices"])

	assert.Equal(t, 200, release("hw-3", "pool").Status)
	until := h.clock.Now().Add(time.Hour)
	f = borrowUntil("hw-1", "pool", until.Format(time.RFC3339)).ok(t)
	assert.Equal(t, map[string]any{"id": f["id"], "license_id": f["license_id"], "code": "pool", "borrowed_until": iso(until),
		"company": map[string]any{"id": 1.0}}, f)
	borrowUntil("hw-1", "seat", until.Format(time.RFC3339)).refused(t, h.spec, code(t, "max_floating_reached"))
	h.clock.Advance(30 * time.Minute) // past the timeout: hw-2's seat lapses, hw-1's is borrowed
	assert.Equal(t, 2.0, check("hw-3", "pool").ok(t)["floating_in_use_devices"])
	check("hw-2", "pool").refused(t, h.spec, code(t, "max_floating_reached"))
	assert.Equal(t, 200, release("hw-1", "pool").Status)
	check("hw-2", "pool").ok(t)

	for _, tc := range []struct {
		name, feature string
		until         any
		code          string
	}{
		{"not floating", "export", until.Format(time.RFC3339), code(t, "feature_not_floating")},
		{"unknown", "nope", until.Format(time.RFC3339), code(t, "unknown_feature")},
		{"null, and the license has no max_borrow_time", "pool", nil, "borrow_until_not_valid"},
		{"in the past", "pool", h.clock.Now().Add(-time.Minute).Format(time.RFC3339), "borrow_until_not_valid"},
	} {
		borrowUntil("hw-1", tc.feature, tc.until).refused(t, h.spec, tc.code)
	}
	release("hw-1", "export").refused(t, h.spec, code(t, "feature_not_floating"))
	release("hw-1", "nope").refused(t, h.spec, code(t, "unknown_feature"))
}
