package license_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func borrow(key, hwid string, until any) params {
	p := keyParams(key, hwid)
	p["borrowed_until"] = until
	return p
}

// TestFloating: a floating license's devices share its seats: a check takes one, a release
// or the timeout frees it, a borrowed seat outlives the timeout until borrowed_until.
func TestFloating(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "catalog")
	const s = "floating"
	check := func(hw string) reply { return h.call("checkLicense", s, keyParams("APP-FLOT", hw)) }
	release := func(hw string) reply { return h.call("floatingRelease", s, keyParams("APP-FLOT", hw)) }

	devices := map[string]any{}
	for _, hw := range []string{"hw-1", "hw-2"} {
		f := h.licenseSigned(t, h.call("activateLicense", s, keyParams("APP-FLOT", hw)), hw, "APP-FLOT")
		for name, want := range map[string]any{"is_floating_cloud": true, "is_floating": false, "floating_users": 1.0, "floating_timeout": 10.0,
			"can_borrow": true, "max_borrow_time": 24.0} {
			assert.Equal(t, want, f[name], name)
		}
		assert.NotContains(t, f, "floating_in_use_devices", "an activation takes no seat")
		devices[hw] = f["device_id"]
	}
	f := h.licenseSigned(t, check("hw-1"), "hw-1", "APP-FLOT")
	assert.Equal(t, 1.0, f["floating_in_use_devices"])
	assert.Equal(t, false, f["is_borrowed"])
	check("hw-2").refused(t, h.spec, code(t, "max_floating_reached"))
	h.call("checkLicense", "floating-other", keyParams("APP-FLOT", "hw-2")).refused(t, h.spec, "license_not_active")
	h.licenseSigned(t, h.call("activateLicense", "floating-other", keyParams("APP-FLOT", "hw-2")), "hw-2", "APP-FLOT")
	h.licenseSigned(t, h.call("checkLicense", "floating-other", keyParams("APP-FLOT", "hw-2")), "hw-2", "APP-FLOT")

	r := release("hw-1")
	assert.Equal(t, 200, r.Status)
	assert.Empty(t, r.Body, "a release answers no body")
	assert.Empty(t, r.Signature)
	h.licenseSigned(t, check("hw-2"), "hw-2", "APP-FLOT")

	r = h.call("floatingBorrow", s, borrow("APP-FLOT", "hw-2", nil))
	until := h.clock.Now().Add(24 * time.Hour)
	assert.Equal(t, map[string]any{"borrowed_until": iso(until), "max_borrow_time": 24.0, "device_id": devices["hw-2"], "license_id": 3001.0,
		"company": map[string]any{"id": 1.0}}, r.ok(t), "null: now + max_borrow_time")
	f = h.licenseSigned(t, check("hw-2"), "hw-2", "APP-FLOT")
	assert.Equal(t, true, f["is_borrowed"])
	assert.Equal(t, iso(until), f["borrowed_until"])
	h.clock.Advance(30 * time.Minute) // past floating_timeout: a borrowed seat stays
	check("hw-1").refused(t, h.spec, code(t, "max_floating_reached"))
	h.call("floatingBorrow", s, borrow("APP-FLOT", "hw-1", nil)).refused(t, h.spec, code(t, "max_floating_reached"))
	assert.Equal(t, 200, release("hw-2").Status)
	h.licenseSigned(t, check("hw-1"), "hw-1", "APP-FLOT")
	h.clock.Advance(10 * time.Minute) // not renewed: the seat lapses
	h.licenseSigned(t, check("hw-2"), "hw-2", "APP-FLOT")

	h.call("floatingBorrow", s, borrow("APP-FLOT", "hw-2", h.clock.Now().Add(time.Hour).Format(time.RFC3339Nano))).ok(t)
	h.clock.Advance(59 * time.Minute)
	check("hw-1").refused(t, h.spec, code(t, "max_floating_reached"))
	h.clock.Advance(time.Minute) // the borrow ends; the seat was last renewed an hour ago
	f = h.licenseSigned(t, check("hw-1"), "hw-1", "APP-FLOT")
	assert.Equal(t, 1.0, f["floating_in_use_devices"])

	for _, tc := range []struct {
		name  string
		until any
	}{
		{"in the past", h.clock.Now().Add(-time.Hour).Format(time.RFC3339)},
		{"now", h.clock.Now().Format(time.RFC3339)},
		{"past max_borrow_time", h.clock.Now().Add(24*time.Hour + time.Second).Format(time.RFC3339)},
		{"not a time", "tomorrow"},
	} {
		h.call("floatingBorrow", s, borrow("APP-FLOT", "hw-1", tc.until)).refused(t, h.spec, "borrow_until_not_valid")
	}
	f = h.call("floatingBorrow", s, borrow("APP-FLOT", "hw-1", h.clock.Now().Add(24*time.Hour).Format(time.RFC3339))).ok(t)
	assert.Equal(t, iso(h.clock.Now().Add(24*time.Hour)), f["borrowed_until"], "max_borrow_time exactly")
}

// TestFloatingRefusals: borrowing and releasing licenses that are not floating or not
// borrowable; seats without a limit; the product's floating_timeout.
func TestFloatingRefusals(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "catalog")
	const s = "floating-refusals"
	for _, key := range []string{"APP-PERP", "APP-FLNB", "APP-FLAN"} {
		for _, hw := range []string{"hw-1", "hw-2", "hw-3"} {
			if key != "APP-PERP" || hw != "hw-3" {
				h.licenseSigned(t, h.call("activateLicense", s, keyParams(key, hw)), hw, key)
			}
		}
	}
	h.call("floatingBorrow", s, borrow("APP-PERP", "hw-1", nil)).refused(t, h.spec, code(t, "license_not_floating"))
	h.call("floatingRelease", s, keyParams("APP-PERP", "hw-1")).refused(t, h.spec, code(t, "license_not_floating"))
	h.call("floatingBorrow", s, borrow("APP-FLNB", "hw-1", nil)).refused(t, h.spec, code(t, "borrowing_not_allowed"))

	f := h.licenseSigned(t, h.call("checkLicense", s, keyParams("APP-FLNB", "hw-1")), "hw-1", "APP-FLNB")
	assert.Equal(t, 120.0, f["floating_timeout"], "the product's")
	assert.Equal(t, true, f["is_floating"])
	assert.Equal(t, 2.0, h.licenseSigned(t, h.call("checkLicense", s, keyParams("APP-FLNB", "hw-2")), "hw-2", "APP-FLNB")["floating_in_use_devices"])
	h.call("checkLicense", s, keyParams("APP-FLNB", "hw-3")).refused(t, h.spec, code(t, "max_floating_reached"))

	for i, hw := range []string{"hw-1", "hw-2", "hw-3"} {
		f := h.licenseSigned(t, h.call("checkLicense", s, keyParams("APP-FLAN", hw)), hw, "APP-FLAN")
		assert.Equal(t, float64(i+1), f["floating_in_use_devices"], "floating_users 0: no limit")
	}
	h.call("floatingBorrow", s, borrow("APP-FLAN", "hw-1", nil)).refused(t, h.spec, "borrow_until_not_valid") // no max_borrow_time
	far := h.clock.Now().Add(1000 * time.Hour)
	f = h.call("floatingBorrow", s, borrow("APP-FLAN", "hw-1", far.Format(time.RFC3339))).ok(t)
	assert.Equal(t, iso(far), f["borrowed_until"], "no max_borrow_time: any future time")
	assert.Equal(t, 0.0, f["max_borrow_time"])
}
