package lsmock_test

import (
	"net/http"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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

// TestConsumption: a consumption license counts per session up to max_consumptions, and
// check_license reports the total; every answer honours the spec and every success is signed.
func TestConsumption(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	o := newOracle(t, lsmock.DefaultSpec())
	api := licenseAPI{t: t, srv: srv, session: "consumption"}
	checked := func(r reply) reply { o.check(t, r.req, r.status, r.header, r.body); return r }

	assert.Equal(t, "license_not_active", checked(api.addConsumption(consumptionKey, "hw-1", 1)).code(), "not activated yet")
	assertSigned(t, checked(api.activate(consumptionKey, "hw-1")), "hw-1", consumptionKey)
	assert.Equal(t, "device_not_found", checked(api.addConsumption(consumptionKey, "hw-2", 1)).code())

	steps := []struct {
		n     int
		total float64
		code  string
	}{
		{2, 2, ""},
		{3, 5, ""},
		{1, 5, "license_not_enough_consumptions"}, // max_consumptions 5, no overages
		{-1, 5, "negative_consumptions_not_allowed"},
		{0, 5, ""},
	}
	for _, s := range steps {
		r := checked(api.addConsumption(consumptionKey, "hw-1", s.n))
		if s.code != "" {
			assert.Equal(t, s.code, r.code(), "adding %d", s.n)
			continue
		}
		assertSigned(t, r, "", "")
		assert.Equal(t, s.total, r.field("total_consumptions"), "adding %d", s.n)
		assert.Equal(t, 5.0, r.field("max_consumptions"))
	}
	r := checked(api.check(consumptionKey, "hw-1"))
	assertSigned(t, r, "hw-1", consumptionKey)
	assert.Equal(t, 5.0, r.field("total_consumptions"), "check_license reports the session's total")
	assert.Equal(t, "consumption", r.field("license_type"))

	assertSigned(t, checked(api.activate("DEMO-PERP-0000-0001", "hw-1")), "hw-1", "DEMO-PERP-0000-0001")
	assert.Equal(t, "wrong_license_type", checked(api.addConsumption("DEMO-PERP-0000-0001", "hw-1", 1)).code())

	other := licenseAPI{t: t, srv: srv, session: "consumption-other"}
	assertSigned(t, other.activate(consumptionKey, "hw-1"), "hw-1", consumptionKey)
	r = checked(other.addConsumption(consumptionKey, "hw-1", 1))
	assertSigned(t, r, "", "")
	assert.Equal(t, 1.0, r.field("total_consumptions"), "another session counts its own")
}

// TestFeatures: check_license_feature and add_feature_consumption for the features a license
// declares; a floating feature's one seat is held per device until its timeout.
func TestFeatures(t *testing.T) {
	t.Parallel()
	clock := testutil.NewClock(time.Now())
	srv := startConfig(t, mockserver.Config{Clock: clock.Now})
	o := newOracle(t, lsmock.DefaultSpec())
	api := licenseAPI{t: t, srv: srv, session: "features", clock: clock.Now}
	checked := func(r reply) reply { o.check(t, r.req, r.status, r.header, r.body); return r }

	assert.Equal(t, "license_not_active", checked(api.checkFeature(featuresKey, "hw-1", "export")).code())
	for _, hw := range []string{"hw-1", "hw-2"} {
		assertSigned(t, checked(api.activate(featuresKey, hw)), hw, featuresKey)
	}

	r := checked(api.checkFeature(featuresKey, "hw-1", "export"))
	assertSigned(t, r, "", "")
	assert.Equal(t, "export", r.field("code"))
	assert.Equal(t, "activation", r.field("feature_type"))
	assert.Nil(t, r.field("total_consumptions"), "an activation feature has no totals")

	r = checked(api.addFeatureConsumption(featuresKey, "hw-1", "credits", 4))
	assertSigned(t, r, "", "")
	assert.Equal(t, 4.0, r.field("total_consumptions"))
	assert.Equal(t, 10.0, r.field("max_consumptions"))
	for _, tc := range []struct {
		name, feature string
		n             int
		code          string
	}{
		{"past max_consumption", "credits", 7, "feature_not_enough_consumptions"},
		{"an activation feature", "export", 1, "feature_not_consumption"},
		{"a feature the license does not have", "nope", 1, "unsupported_product_feature"},
		{"a negative amount", "credits", -2, "negative_consumptions_not_allowed"},
	} {
		assert.Equal(t, tc.code, checked(api.addFeatureConsumption(featuresKey, "hw-1", tc.feature, tc.n)).code(), tc.name)
	}
	r = checked(api.checkFeature(featuresKey, "hw-2", "credits"))
	assertSigned(t, r, "", "")
	assert.Equal(t, 4.0, r.field("total_consumptions"), "the license's total, whichever device")
	r = checked(api.check(featuresKey, "hw-1"))
	assertSigned(t, r, "hw-1", featuresKey)
	features, _ := r.field("product_features").([]any)
	require.Len(t, features, 3)
	assert.Equal(t, 4.0, features[0].(map[string]any)["total_consumptions"], "check_license reports the feature's total")
	assert.Equal(t, "unsupported_product_feature", checked(api.checkFeature(featuresKey, "hw-1", "nope")).code())

	// The floating feature has one seat, held per device until floating_timeout (10 min).
	r = checked(api.checkFeature(featuresKey, "hw-1", "seat"))
	assertSigned(t, r, "", "")
	assert.Equal(t, 1.0, r.field("floating_in_use_devices"))
	assert.Equal(t, "floating_not_available", checked(api.checkFeature(featuresKey, "hw-2", "seat")).code(), "the seat is taken")
	clock.Advance(9 * time.Minute)
	assertSigned(t, checked(api.checkFeature(featuresKey, "hw-1", "seat")), "", "") // renews hw-1's seat
	clock.Advance(9 * time.Minute)
	assert.Equal(t, "floating_not_available", checked(api.checkFeature(featuresKey, "hw-2", "seat")).code(), "renewed 9 minutes ago")
	clock.Advance(2 * time.Minute)
	assertSigned(t, checked(api.checkFeature(featuresKey, "hw-2", "seat")), "", "")

	other := licenseAPI{t: t, srv: srv, session: "features-other", clock: clock.Now}
	assertSigned(t, other.activate(featuresKey, "hw-3"), "hw-3", featuresKey)
	assertSigned(t, other.checkFeature(featuresKey, "hw-3", "seat"), "", "")
	r = other.checkFeature(featuresKey, "hw-3", "credits")
	assert.Equal(t, 0.0, r.field("total_consumptions"), "another session has its own seats and totals")
}

const floatingKey = "DEMO-FLOT-0000-0008"

// TestFloating: a floating-cloud license shares one seat among its devices: a check takes it,
// floating/release and the timeout free it, a borrowed seat outlives the timeout.
func TestFloating(t *testing.T) {
	t.Parallel()
	clock := testutil.NewClock(time.Now().UTC().Truncate(time.Second))
	srv := startConfig(t, mockserver.Config{Clock: clock.Now})
	o := newOracle(t, lsmock.DefaultSpec())
	api := licenseAPI{t: t, srv: srv, session: "floating", clock: clock.Now}
	checked := func(r reply) reply { o.check(t, r.req, r.status, r.header, r.body); return r }
	borrow := func(hw string, until any) reply {
		return checked(api.call(http.MethodPost, "floating/borrow", map[string]any{"license_key": floatingKey, "product": "demo", "hardware_id": hw, "borrowed_until": until}))
	}
	release := func(hw string) reply {
		return checked(api.call(http.MethodPost, "floating/release", map[string]any{"license_key": floatingKey, "product": "demo", "hardware_id": hw}))
	}

	for _, hw := range []string{"hw-1", "hw-2"} {
		r := checked(api.activate(floatingKey, hw))
		assertSigned(t, r, hw, floatingKey)
		assert.Equal(t, true, r.field("is_floating_cloud"))
	}
	r := checked(api.check(floatingKey, "hw-1"))
	assertSigned(t, r, "hw-1", floatingKey)
	assert.Equal(t, 1.0, r.field("floating_in_use_devices"))
	assert.Equal(t, 1.0, r.field("floating_users"))
	assert.Equal(t, "floating_not_available", checked(api.check(floatingKey, "hw-2")).code(), "one seat, taken")

	r = release("hw-1")
	assert.Equal(t, http.StatusOK, r.status)
	assert.Empty(t, r.body, "release answers no body")
	assert.Empty(t, r.header.Get("LicenseSignature"), "release is not signed")
	assertSigned(t, checked(api.check(floatingKey, "hw-2")), "hw-2", floatingKey)

	r = borrow("hw-2", nil)
	assertSigned(t, r, "", "")
	assert.Equal(t, clock.Now().Add(24*time.Hour).Format("2006-01-02T15:04:05.000Z"), r.field("borrowed_until"), "null: now + max_borrow_time")
	r = checked(api.check(floatingKey, "hw-2"))
	assertSigned(t, r, "hw-2", floatingKey)
	assert.Equal(t, true, r.field("is_borrowed"))
	clock.Advance(30 * time.Minute) // past floating_timeout (10 min): a borrowed seat stays
	assert.Equal(t, "floating_not_available", checked(api.check(floatingKey, "hw-1")).code())
	release("hw-2")
	assertSigned(t, checked(api.check(floatingKey, "hw-1")), "hw-1", floatingKey)
	clock.Advance(11 * time.Minute) // not renewed: the seat lapses
	assertSigned(t, checked(api.check(floatingKey, "hw-2")), "hw-2", floatingKey)

	for _, tc := range []struct {
		name  string
		until any
	}{
		{"in the past", clock.Now().Add(-time.Hour).Format(time.RFC3339)},
		{"past max_borrow_time", clock.Now().Add(48 * time.Hour).Format(time.RFC3339)},
		{"not a time", "tomorrow"},
	} {
		assert.Equal(t, "borrow_until_not_valid", borrow("hw-2", tc.until).code(), tc.name)
	}
	assertSigned(t, checked(api.activate("DEMO-PERP-0000-0001", "hw-1")), "hw-1", "DEMO-PERP-0000-0001")
	r = checked(api.call(http.MethodPost, "floating/borrow", map[string]any{"license_key": "DEMO-PERP-0000-0001", "product": "demo", "hardware_id": "hw-1", "borrowed_until": nil}))
	assert.Equal(t, "license_not_floating", r.code())

	// Floating features borrow and release their own seats.
	assertSigned(t, checked(api.activate(featuresKey, "hw-1")), "hw-1", featuresKey)
	featureCall := func(op, feature string) reply {
		return checked(api.call(http.MethodPost, op, map[string]any{"license_key": featuresKey, "product": "demo", "hardware_id": "hw-1",
			"feature": feature, "borrowed_until": clock.Now().Add(time.Hour).Format(time.RFC3339)}))
	}
	r = featureCall("floating/feature_borrow", "seat")
	assertSigned(t, r, "", "")
	assert.Equal(t, "seat", r.field("code"))
	assert.Equal(t, "feature_not_floating", featureCall("floating/feature_borrow", "export").code())
	assert.Equal(t, http.StatusOK, featureCall("floating/feature_release", "seat").status)
	assert.Equal(t, "unsupported_product_feature", featureCall("floating/feature_release", "nope").code())
}

// borrowCatalog has a floating license that may not be borrowed, and one of a single seat
// with a floating feature of a single seat.
const borrowCatalog = `
products:
  - short_code: p
licenses:
  - {license_key: NO-BORROW, product: p, is_floating_cloud: true, floating_users: 1}
  - license_key: ONE-SEAT
    product: p
    max_activations: 3
    is_floating_cloud: true
    floating_users: 1
    can_borrow: true
    max_borrow_time: 24
    product_features:
      - {code: seat, name: Seat, is_floating_cloud: true, floating_users: 1, floating_timeout: 10}
`

// TestFloatingBorrowRefusals: the borrow refusals the vendor names on its borrow pages are
// answered with its codes, and documented in the spec.
func TestFloatingBorrowRefusals(t *testing.T) {
	t.Parallel()
	srv := startConfig(t, mockserver.Config{Files: mockserver.Files{
		Scenarios: fstest.MapFS{"b.yaml": {Data: []byte(borrowCatalog)}}, ScenariosName: "test"}})
	o := newOracle(t, lsmock.DefaultSpec())
	api := licenseAPI{t: t, srv: srv, session: "borrow-refusals"}
	call := func(op, key, hw string, extra map[string]any) reply {
		params := map[string]any{"license_key": key, "product": "p", "hardware_id": hw, "borrowed_until": nil}
		for k, v := range extra {
			params[k] = v
		}
		r := api.call(http.MethodPost, op, params)
		o.check(t, r.req, r.status, r.header, r.body)
		return r
	}
	for _, a := range []struct{ key, hw string }{{"NO-BORROW", "hw-1"}, {"ONE-SEAT", "hw-1"}, {"ONE-SEAT", "hw-2"}} {
		require.Equal(t, http.StatusOK, api.call(http.MethodPost, "activate_license",
			map[string]any{"license_key": a.key, "product": "p", "hardware_id": a.hw}).status)
	}
	r := call("floating/borrow", "NO-BORROW", "hw-1", nil)
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.JSONEq(t, `{"status":400,"code":"license_borrow_not_allowed","message":"License does not allow borrowing"}`, string(r.body))

	require.Equal(t, http.StatusOK, call("floating/borrow", "ONE-SEAT", "hw-1", nil).status)
	assert.Equal(t, "floating_not_available", call("floating/borrow", "ONE-SEAT", "hw-2", nil).code(), "the one seat is borrowed")

	seat := map[string]any{"feature": "seat"}
	require.Equal(t, http.StatusOK, call("floating/feature_borrow", "ONE-SEAT", "hw-1", seat).status)
	assert.Equal(t, "floating_not_available", call("floating/feature_borrow", "ONE-SEAT", "hw-2", seat).code(), "the feature's one seat is borrowed")
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
			map[string]any{"license_key": "DEMO-UNLM-0000-0005", "product": "demo", "hardware_id": ""}, "missing_parameters"},
		{"an empty hardware_id in a check", http.MethodGet, "check_license",
			map[string]any{"license_key": "DEMO-UNLM-0000-0005", "product": "demo", "hardware_id": ""}, "missing_parameters"},
		{"a username without a password", http.MethodPost, "activate_license",
			map[string]any{"username": "demo-user@example.com", "product": "demo-users", "hardware_id": "hw-1"}, "missing_parameters"},
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
