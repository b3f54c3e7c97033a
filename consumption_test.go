package lsmock_test

import (
	"maps"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/lsmock/lsmock"
	"github.com/lsmock/lsmock/internal/testutil"
	"github.com/lsmock/lsmock/mockserver"
)

const (
	consumptionKey = "DEMO-CONS-0000-0006"
	featuresKey    = "DEMO-FEAT-0000-0007"
)

func (a licenseAPI) addConsumption(key, hwid string, n int) reply {
	return a.call(http.MethodPost, "add_consumption", map[string]any{"license_key": key, "product": "demo", "hardware_id": hwid, "consumptions": n})
}

func (a licenseAPI) addFeatureConsumption(key, hwid, feature string, n int) reply {
	return a.call(http.MethodPost, "add_feature_consumption", map[string]any{"license_key": key, "product": "demo", "hardware_id": hwid,
		"feature": feature, "consumptions": n})
}

func (a licenseAPI) checkFeature(key, hwid, feature string) reply {
	return a.call(http.MethodGet, "check_license_feature", map[string]any{"license_key": key, "product": "demo", "hardware_id": hwid, "feature": feature})
}

// TestConsumption: the server hands add_consumption to the engine, which counts in the
// session's account, and check_license shows the total; every answer honours the spec and
// every success is signed.
func TestConsumption(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	o := newOracle(t, lsmock.DefaultSpec())
	api := licenseAPI{t: t, srv: srv, session: "consumption"}
	checked := func(r reply) reply { o.check(t, r.req, r.status, r.header, r.body); return r }

	assertSigned(t, checked(api.activate(consumptionKey, "hw-1")), "hw-1", consumptionKey)
	r := checked(api.addConsumption(consumptionKey, "hw-1", 2))
	assertSigned(t, r, "", "")
	assert.Equal(t, 2.0, r.field("total_consumptions"))
	r = checked(api.check(consumptionKey, "hw-1"))
	assertSigned(t, r, "hw-1", consumptionKey)
	assert.Equal(t, 2.0, r.field("total_consumptions"), "check_license reports the session's total")
}

// TestFeatures: the server hands check_license_feature and add_feature_consumption to the
// engine and writes its signed answers.
func TestFeatures(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	o := newOracle(t, lsmock.DefaultSpec())
	api := licenseAPI{t: t, srv: srv, session: "features"}
	checked := func(r reply) reply { o.check(t, r.req, r.status, r.header, r.body); return r }

	assertSigned(t, checked(api.activate(featuresKey, "hw-1")), "hw-1", featuresKey)
	r := checked(api.checkFeature(featuresKey, "hw-1", "export"))
	assertSigned(t, r, "", "")
	assert.Equal(t, "export", r.field("code"))
	r = checked(api.addFeatureConsumption(featuresKey, "hw-1", "credits", 4))
	assertSigned(t, r, "", "")
	assert.Equal(t, 4.0, r.field("total_consumptions"))
	assert.Equal(t, "unsupported_product_feature", checked(api.checkFeature(featuresKey, "hw-1", "nope")).code())
}

const floatingKey = "DEMO-FLOT-0000-0008"

// TestFloating: the server hands the floating operations to the engine, with the server's
// clock: a check takes the one seat, borrow keeps it, release frees it (no body, not
// signed); a floating feature's seat is borrowed and released.
func TestFloating(t *testing.T) {
	t.Parallel()
	clock := testutil.NewClock(time.Now().UTC().Truncate(time.Second))
	srv := startConfig(t, mockserver.Config{Clock: clock.Now})
	o := newOracle(t, lsmock.DefaultSpec())
	api := licenseAPI{t: t, srv: srv, session: "floating", clock: clock.Now}
	checked := func(r reply) reply { o.check(t, r.req, r.status, r.header, r.body); return r }
	floating := func(op, key string, extra map[string]any) reply {
		params := map[string]any{"license_key": key, "product": "demo", "hardware_id": "hw-1"}
		maps.Copy(params, extra)
		return checked(api.call(http.MethodPost, op, params))
	}

	assertSigned(t, checked(api.activate(floatingKey, "hw-1")), "hw-1", floatingKey)
	r := checked(api.check(floatingKey, "hw-1"))
	assertSigned(t, r, "hw-1", floatingKey)
	assert.Equal(t, 1.0, r.field("floating_in_use_devices"))

	r = floating("floating/borrow", floatingKey, map[string]any{"borrowed_until": nil})
	assertSigned(t, r, "", "")
	assert.Equal(t, clock.Now().Add(24*time.Hour).Format("2006-01-02T15:04:05.000Z"), r.field("borrowed_until"), "null: now + max_borrow_time")
	r = floating("floating/release", floatingKey, nil)
	assert.Equal(t, http.StatusOK, r.status)
	assert.Empty(t, r.body, "release answers no body")
	assert.Empty(t, r.header.Get("LicenseSignature"), "release is not signed")

	assertSigned(t, checked(api.activate(featuresKey, "hw-1")), "hw-1", featuresKey)
	r = floating("floating/feature_borrow", featuresKey, map[string]any{"feature": "seat", "borrowed_until": clock.Now().Add(time.Hour).Format(time.RFC3339)})
	assertSigned(t, r, "", "")
	assert.Equal(t, "seat", r.field("code"))
	r = floating("floating/feature_release", featuresKey, map[string]any{"feature": "seat"})
	assert.Equal(t, http.StatusOK, r.status)
}

// TestLicenseRequestRefusals: requests the vendor's pages or the SDKs' schemas refuse.
func TestLicenseRequestRefusals(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	o := newOracle(t, lsmock.DefaultSpec())
	cases := []struct {
		name, method, op string
		params           map[string]any
		code             string
	}{
		{"borrow without borrowed_until", http.MethodPost, "floating/borrow",
			map[string]any{"license_key": floatingKey, "product": "demo", "hardware_id": "hw-1"}, "missing_parameters"},
		{"feature borrow without borrowed_until", http.MethodPost, "floating/feature_borrow",
			map[string]any{"license_key": featuresKey, "product": "demo", "hardware_id": "hw-1", "feature": "seat"}, "missing_parameters"},
		{"an empty hardware_id", http.MethodPost, "activate_license",
			map[string]any{"license_key": "DEMO-UNLM-0000-0005", "product": "demo", "hardware_id": ""}, "missing_hardware_id"},
		{"an empty hardware_id in a check", http.MethodGet, "check_license",
			map[string]any{"license_key": "DEMO-UNLM-0000-0005", "product": "demo", "hardware_id": ""}, "missing_hardware_id"},
		{"a username without a password", http.MethodPost, "activate_license",
			map[string]any{"username": "demo-user@example.com", "product": "demo-users", "hardware_id": "hw-1"}, "missing_parameters"},
		{"a check without hardware_id", http.MethodGet, "check_license",
			map[string]any{"license_key": "DEMO-UNLM-0000-0005", "product": "demo"}, "missing_hardware_id"},
		{"a check without hardware_id and product", http.MethodGet, "check_license",
			map[string]any{"license_key": "DEMO-UNLM-0000-0005"}, "missing_parameters"},
		{"a key and a username", http.MethodPost, "activate_license",
			map[string]any{"license_key": "DEMO-UNLM-0000-0005", "username": "demo-user@example.com", "password": "demo-password",
				"product": "demo", "hardware_id": "hw-1"}, "validation_error"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := licenseAPI{t: t, srv: srv, session: "refusals-" + tc.name}
			r := api.call(tc.method, tc.op, tc.params)
			o.check(t, r.req, r.status, r.header, r.body)
			assert.Equal(t, http.StatusBadRequest, r.status, "%s", r.body)
			assert.Equal(t, tc.code, r.code(), "%s", r.body)
		})
	}
}
