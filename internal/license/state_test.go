package license_test

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/license"
)

// TestSessionsAreIsolated: sessions using the same licenses at once each have their own
// activations, totals, seats and passwords.
func TestSessionsAreIsolated(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "catalog")
	const sessions = 8
	wrongPassword := code(t, "wrong_password")
	var wg sync.WaitGroup
	for i := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := fmt.Sprintf("job-%d", i)
			for n, hw := range []string{"a", "b"} {
				r := h.call("activateLicense", s, keyParams("APP-PERP", hw))
				if assert.Equal(t, 200, r.Status, "%s: %s", s, r.Body) {
					assert.Equal(t, float64(n+1), r.field("times_activated"), "%s counts its own", s)
				}
			}
			assert.Equal(t, "license_activated_max_times", h.call("activateLicense", s, keyParams("APP-PERP", "c")).Code, s)

			assert.Equal(t, 200, h.call("activateLicense", s, keyParams("APP-CONS", "a")).Status, s)
			r := h.call("addConsumption", s, consume("APP-CONS", "a", 5))
			if assert.Equal(t, 200, r.Status, "%s: %s", s, r.Body) {
				assert.Equal(t, 5.0, r.field("total_consumptions"), "%s spends its own 5", s)
			}

			assert.Equal(t, 200, h.call("activateLicense", s, keyParams("APP-FLOT", "a")).Status, s)
			assert.Equal(t, 200, h.call("checkLicense", s, keyParams("APP-FLOT", "a")).Status, "%s: its own seat", s)

			assert.Equal(t, 200, h.call("changePassword", s, changePassword("alice@example.com", "alice-pw", "pw-"+s)).Status, s)
			assert.Equal(t, 200, h.call("userLicenses", s, login("alice@example.com", "pw-"+s)).Status, s)
			assert.Equal(t, wrongPassword, h.call("userLicenses", s, login("alice@example.com", fmt.Sprintf("pw-job-%d", (i+1)%sessions))).Code,
				"%s: another session's password", s)
		}()
	}
	wg.Wait()
	assert.Equal(t, 200, h.call("userLicenses", "fresh", login("alice@example.com", "alice-pw")).Status, "a new session has the declared password")

	h.accounts.forget("job-0")
	assert.Equal(t, 1.0, h.call("activateLicense", "job-0", keyParams("APP-PERP", "c")).ok(t)["times_activated"], "forgotten: activations free again")
	assert.Equal(t, "license_activated_max_times", h.call("activateLicense", "job-1", keyParams("APP-PERP", "c")).Code, "another session is untouched")
	h.accounts.forgetAll()
	assert.Equal(t, 1.0, h.call("activateLicense", "job-1", keyParams("APP-PERP", "c")).ok(t)["times_activated"])
	assert.Equal(t, 200, h.call("userLicenses", "job-1", login("alice@example.com", "alice-pw")).Status, "the declared password again")
}

// TestSnapshot: a session's state as the admin API shows it, with no password.
func TestSnapshot(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "catalog")
	const s = "snapshot"
	h.call("activateLicense", s, keyParams("APP-PERP", "hw-2")).ok(t)
	h.clock.Advance(time.Minute)
	h.call("activateLicense", s, keyParams("APP-PERP", "hw-1")).ok(t)
	key := h.call("trialKey", s, params{"product": "app", "hardware_id": "hw-9"}).ok(t)["license_key"].(string)
	h.call("trialKey", s, params{"product": "users-app", "email": "tess@example.com"}).ok(t)
	h.call("changePassword", s, changePassword("alice@example.com", "alice-pw", "secret-new-pw"))

	snap := h.accounts.of(s).Snapshot(h.engine.Catalog())
	byRef := map[string]license.LicenseSnapshot{}
	for _, l := range snap.Licenses {
		byRef[l.License] = l
	}
	perp := byRef["APP-PERP"]
	assert.Equal(t, 2, perp.TimesActivated)
	require.Len(t, perp.Devices, 2)
	assert.Equal(t, []string{"hw-2", "hw-1"}, []string{perp.Devices[0].HardwareID, perp.Devices[1].HardwareID}, "in activation order")
	assert.Equal(t, start, perp.FirstActivated)
	assert.Contains(t, byRef, key, "the session's trials")
	assert.Contains(t, byRef, "user:alice@example.com/users-app")
	assert.Equal(t, []license.TrialSnapshot{{Product: "app", LicenseKey: key, HardwareID: "hw-9"}, {Product: "users-app", Username: "tess@example.com"}}, snap.Trials)
	users := map[string]license.UserSnapshot{}
	for _, u := range snap.Users {
		users[u.Username] = u
	}
	assert.Equal(t, license.UserSnapshot{Username: "alice@example.com", Password: "[redacted]", Changed: true, ChangeAllowed: true}, users["alice@example.com"])
	assert.False(t, users["locked@example.com"].ChangeAllowed)
	assert.Contains(t, users, "tess@example.com")
	b, err := json.Marshal(snap)
	require.NoError(t, err)
	assert.NotContains(t, string(b), "secret-new-pw")
	assert.NotContains(t, string(b), "alice-pw")

	empty := (*license.Account)(nil).Snapshot(h.engine.Catalog())
	assert.Len(t, empty.Licenses, len(h.engine.Catalog().Licenses))
	assert.Empty(t, empty.Trials)
	for _, l := range empty.Licenses {
		assert.Zero(t, l.TimesActivated, l.License)
	}
}

// TestDeclared: the catalog as GET /__lsmock/licenses lists it.
func TestDeclared(t *testing.T) {
	t.Parallel()
	cat, err := loadCatalog(t, "catalog")
	require.NoError(t, err)
	d := license.Declared(cat)
	require.Len(t, d.Products, 3)
	assert.Equal(t, license.ProductListing{ShortCode: "app", ProductName: "Test App", ProductID: 101, AuthorizationMethod: "license-key",
		AllowTrial: true, TrialDays: 10, FloatingTimeout: 120, Source: "testdata/catalog/catalog.yaml:4"}, d.Products[0])
	byKey := map[string]license.LicenseListing{}
	for _, l := range d.Licenses {
		byKey[l.LicenseKey+l.Username] = l
	}
	assert.Equal(t, "720h0m0s from the first activation", byKey["APP-DURN"].ValidDuration)
	require.NotNil(t, byKey["APP-SOON"].ValidityPeriod)
	assert.Equal(t, "2026-06-02T12:00:00.000Z", *byKey["APP-SOON"].ValidityPeriod)
	assert.Nil(t, byKey["APP-PERP"].ValidityPeriod)
	assert.Equal(t, map[string]string{"color": "blue"}, byKey["APP-PERP"].CustomFields)
	assert.Equal(t, "Buyer@Example.com", byKey["APP-PERP"].Customer)
	assert.Equal(t, 120, byKey["APP-FLNB"].FloatingTimeout, "the product's")
	assert.Equal(t, 2, byKey["APP-FLNB"].FloatingUsers)
	assert.Equal(t, "users-app", byKey["alice@example.com"].Product)
	features := byKey["APP-FEAT"].ProductFeatures
	require.Len(t, features, 7)
	assert.Equal(t, license.FeatureListing{Code: "credits", FeatureType: "consumption", MaxConsumption: 10}, features[0])
	assert.Equal(t, "2026-01-01T00:00:00.000Z", features[5].ExpiryDate)
	require.Len(t, d.Users, 3)
	for _, u := range d.Users {
		assert.Equal(t, "[redacted]", u.Password)
	}
}
