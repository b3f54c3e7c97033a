package license_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/license"
)

// step is one request of a flow and what it must answer: code "" is a success, whose
// transfer_count (activations and checks) is transfers.
type step struct {
	op        string
	p         params
	code      string
	transfers int
}

func activateOn(key, hwid string) step {
	return step{op: "activateLicense", p: params{"license_key": key, "product": "app", "hardware_id": hwid}}
}

func deactivateOn(key, hwid string) step {
	return step{op: "deactivateLicense", p: params{"license_key": key, "product": "app", "hardware_id": hwid}}
}

func userOn(username, password, hwid string) step {
	return step{op: "activateLicense", p: params{"username": username, "password": password, "product": "users-app", "hardware_id": hwid}}
}

// refuses is s answering code; counts is s succeeding with transfer_count n.
func (s step) refuses(code string) step { s.code = code; return s }
func (s step) counts(n int) step        { s.transfers = n; return s }

// TestVendorCodesFromState: the vendor's codes that declared state produces, each by a flow of
// requests moving a session's state, in the order the engine checks them.
func TestVendorCodesFromState(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "vendorcodes")
	cases := []struct {
		name  string
		steps []step
	}{
		{"a transfer is an activation on another device after a deactivation; max_transfers: 1 allows one", []step{
			activateOn("XFER-ONE", "hw-a").counts(0),
			deactivateOn("XFER-ONE", "hw-a"),
			activateOn("XFER-ONE", "hw-a").counts(0), // the same device again: no transfer
			deactivateOn("XFER-ONE", "hw-a"),
			activateOn("XFER-ONE", "hw-b").counts(1),
			deactivateOn("XFER-ONE", "hw-b"),
			activateOn("XFER-ONE", "hw-a").refuses("license_transferred_max_times"),
			activateOn("XFER-ONE", "hw-b").counts(1), // back on the device it left: no transfer
		}},
		{"max_transfers: -1 allows none; adding a device without a deactivation is no transfer", []step{
			activateOn("XFER-NONE", "hw-a"),
			activateOn("XFER-NONE", "hw-b").counts(0),
			deactivateOn("XFER-NONE", "hw-a"),
			activateOn("XFER-NONE", "hw-c").refuses("license_transferred_max_times"),
			activateOn("XFER-NONE", "hw-a").counts(0),
		}},
		{"max_transfers: 0 is no limit, and counts as the vendor's FAQ does (A, off, B, off, A: two)", []step{
			activateOn("XFER-ANY", "hw-a"),
			deactivateOn("XFER-ANY", "hw-a"),
			activateOn("XFER-ANY", "hw-b").counts(1),
			deactivateOn("XFER-ANY", "hw-b"),
			activateOn("XFER-ANY", "hw-a").counts(2),
			{op: "checkLicense", p: params{"license_key": "XFER-ANY", "product": "app", "hardware_id": "hw-a"}, transfers: 2},
		}},
		{"a blacklisted device is refused activation, check and the device calls", []step{
			activateOn("BLCK", "bad-hw").refuses("blacklisted"),
			activateOn("BLCK", "worse-hw").refuses("blacklisted"),
			activateOn("BLCK", "good-hw"),
			{op: "checkLicense", p: params{"license_key": "BLCK", "product": "app", "hardware_id": "bad-hw"}, code: "blacklisted"},
			{op: "floatingRelease", p: params{"license_key": "BLCK", "product": "app", "hardware_id": "bad-hw"}, code: "blacklisted"},
			{op: "checkLicense", p: params{"license_key": "BLCK", "product": "app", "hardware_id": "good-hw"}},
		}},
		{"a disabled or archived product refuses every request naming it", []step{
			{op: "activateLicense", p: params{"license_key": "OFF-1", "product": "off-app", "hardware_id": "hw"}, code: "disabled_product"},
			{op: "activateLicense", p: params{"license_key": "OLD-1", "product": "old-app", "hardware_id": "hw"}, code: "archived_product"},
			{op: "checkLicense", p: params{"license_key": "OLD-1", "product": "old-app", "hardware_id": "hw"}, code: "archived_product"},
			{op: "trialKey", p: params{"product": "off-app", "hardware_id": "hw"}, code: "disabled_product"},
			{op: "activateLicense", p: params{"license_key": "LIVE-1", "product": "live-app", "hardware_id": "hw"}},
		}},
		{"a user's own max_activations, below the license's, is licenseUserActivatedMaxTimes", []step{
			userOn("ann@example.com", "ann-pw", "hw-1"),
			userOn("ann@example.com", "ann-pw", "hw-2").refuses("licenseUserActivatedMaxTimes"),
			userOn("ann@example.com", "ann-pw", "hw-1"), // the same device again
			userOn("bob@example.com", "bob-pw", "hw-1"),
			userOn("bob@example.com", "bob-pw", "hw-2"),
			userOn("bob@example.com", "bob-pw", "hw-3").refuses("license_activated_max_times"),
		}},
		{"an empty hardware_id is missing_hardware_id", []step{
			activateOn("XFER-ANY", "").refuses("missing_hardware_id"),
			{op: "checkLicense", p: params{"license_key": "XFER-ANY", "product": "app", "hardware_id": ""}, code: "missing_hardware_id"},
			{op: "trialKey", p: params{"product": "users-app", "hardware_id": "", "email": "x@example.com"}, code: "missing_hardware_id"},
		}},
		{"a key-based product wants a license_key: not a username, not nothing", []step{
			{op: "activateLicense", p: params{"username": "ann@example.com", "password": "ann-pw", "product": "app", "hardware_id": "hw"}, code: "license_key_required"},
			{op: "checkLicense", p: params{"product": "app", "hardware_id": "hw"}, code: "license_key_required"},
			{op: "deactivateLicense", p: params{"username": "ann@example.com", "product": "app", "hardware_id": "hw"}, code: "license_key_required"},
			{op: "checkLicense", p: params{"product": "users-app", "hardware_id": "hw"}, code: "missing_parameters"},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			hh := h.with(t)
			for i, s := range tc.steps {
				r := hh.call(s.op, tc.name, s.p)
				if s.code != "" {
					r.refused(t, h.spec, s.code)
					continue
				}
				require.Equal(t, 200, r.Status, "step %d %s: %s %s", i, s.op, r.Body, r.Detail)
				if s.op == "activateLicense" || s.op == "checkLicense" {
					assert.EqualValues(t, s.transfers, r.field("transfer_count"), "step %d: transfer_count", i)
				}
			}
		})
	}
}

// TestTransfersInTheSnapshotAndUserLimit: the admin snapshot shows a license's transfers, and
// user_licenses shows a user's own limit.
func TestTransfersInTheSnapshotAndUserLimit(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "vendorcodes")
	const s = "snapshot"
	for _, st := range []step{activateOn("XFER-ANY", "hw-a"), deactivateOn("XFER-ANY", "hw-a"), activateOn("XFER-ANY", "hw-b")} {
		require.Equal(t, 200, h.call(st.op, s, st.p).Status)
	}
	snap := h.accounts.of(s).Snapshot(h.engine.Catalog())
	counts := map[string]int{}
	for _, l := range snap.Licenses {
		counts[l.License] = l.TransferCount
	}
	assert.Equal(t, 1, counts["XFER-ANY"])
	assert.Equal(t, 0, counts["XFER-ONE"])

	r := h.call("userLicenses", s, params{"username": "ann@example.com", "password": "ann-pw"})
	require.Equal(t, 200, r.Status, "%s", r.Body)
	var list []map[string]any
	require.NoError(t, json.Unmarshal(r.Body, &list))
	require.Len(t, list, 1)
	assert.EqualValues(t, 1, object(t, list[0], "user")["max_activations"], "the user's own limit")
	assert.EqualValues(t, 3, object(t, list[0], "license")["max_activations"], "the license's")
}

// TestCatalogRefusesBadEntitlements: NewCatalog refuses transfers and blacklists that cannot
// be, naming the key (and the entry of a list) for the file's position.
func TestCatalogRefusesBadEntitlements(t *testing.T) {
	t.Parallel()
	prod := &license.Product{Code: "app", AuthorizationMethod: license.MethodKey}
	cases := []struct {
		name  string
		lic   *license.License
		field string
		item  int
		msg   string
	}{
		{"max_transfers below -1", &license.License{Key: "K", Product: prod, MaxTransfers: -2}, "max_transfers", 0, "max_transfers is a count"},
		{"an empty blacklisted device", &license.License{Key: "K", Product: prod, BlacklistedDevices: []string{"hw", " "}}, "blacklisted_devices", 2, "must not be empty"},
		{"a device blacklisted twice", &license.License{Key: "K", Product: prod, BlacklistedDevices: []string{"hw", "x", "hw"}}, "blacklisted_devices", 3, `"hw" is already blacklisted (entry 1)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := license.NewCatalog(license.Declarations{Products: []*license.Product{prod}, Licenses: []*license.License{tc.lic}})
			var refused license.Refusals
			require.ErrorAs(t, err, &refused)
			require.Len(t, refused, 1)
			assert.Equal(t, tc.field, refused[0].Field)
			assert.Equal(t, tc.item, refused[0].Item)
			assert.Contains(t, refused[0].Msg, tc.msg)
		})
	}
	_, err := license.NewCatalog(license.Declarations{Products: []*license.Product{prod}, Licenses: []*license.License{{Key: "K", Product: prod, MaxTransfers: license.NoTransfers,
		BlacklistedDevices: []string{"a", "b"}}}})
	assert.NoError(t, err, "-1 (no transfers) and distinct devices are fine")
}
