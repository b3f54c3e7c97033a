package license_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/license"
	"github.com/lsmock/lsmock/internal/scenario"
)

// declaring is a harness whose sessions declare at run time, as mockserver builds it.
func declaring(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t, "catalog")
	h.engine.UseDeclarer(scenario.DeclareAtRunTime)
	return h
}

// declare declares body in session, requiring it to be taken.
func (h *harness) declare(t *testing.T, session, body string) license.Made {
	t.Helper()
	m, err := h.engine.Declare(h.accounts.of(session), []byte(body))
	require.NoError(t, err, body)
	return m
}

// TestRunTimeDeclarationsAnswerInTheirSessionOnly: what a session declares answers every
// behaviour there, as the files' declarations do, and nowhere else.
func TestRunTimeDeclarationsAnswerInTheirSessionOnly(t *testing.T) {
	t.Parallel()
	h := declaring(t)
	m := h.declare(t, "a", `{"license": {"product": "app", "max_activations": 1, "license_type": "consumption", "max_consumptions": 3}}`)
	assert.Equal(t, license.KindLicense, m.Kind)
	assert.Regexp(t, `^[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$`, m.LicenseKey, "a key is generated")
	assert.Equal(t, m.LicenseKey, m.Ref)
	assert.Equal(t, "app", m.Product)

	act := h.licenseSigned(t, h.call("activateLicense", "a", keyParams(m.LicenseKey, "hw-1")), "hw-1", m.LicenseKey)
	assert.Equal(t, 3.0, act["max_consumptions"])
	h.call("activateLicense", "a", keyParams(m.LicenseKey, "hw-2")).refused(t, h.spec, "license_activated_max_times")
	h.call("addConsumption", "a", params{"license_key": m.LicenseKey, "product": "app", "hardware_id": "hw-1", "consumptions": 3}).ok(t)
	h.call("addConsumption", "a", params{"license_key": m.LicenseKey, "product": "app", "hardware_id": "hw-1", "consumptions": 1}).
		refused(t, h.spec, code(t, license.CondNotEnoughConsumptions))

	h.call("activateLicense", "b", keyParams(m.LicenseKey, "hw-1")).refused(t, h.spec, "license_not_found")
	h.licenseSigned(t, h.call("activateLicense", "a", keyParams("APP-PERP", "hw-1")), "hw-1", "APP-PERP") // the files' still answer

	snap := h.accounts.of("a").Snapshot(h.engine.CatalogOf(h.accounts.of("a")))
	require.Len(t, snap.Declared, 1)
	assert.Equal(t, m.LicenseKey, snap.Declared[0].Ref)
	assert.Equal(t, start, snap.Declared[0].Created, "created on the session's clock")
	assert.Empty(t, h.accounts.of("b").Snapshot(h.engine.CatalogOf(h.accounts.of("b"))).Declared)
}

// TestRunTimeKinds: a product, a user, a user-based license and a bundle declared at run
// time, each used as the SDKs use it.
func TestRunTimeKinds(t *testing.T) {
	t.Parallel()
	h := declaring(t)
	const s = "kinds"
	assert.Equal(t, license.Made{Kind: "product", Ref: "product:rt", Product: "rt"},
		h.declare(t, s, `{"product": {"short_code": "rt", "allow_trial": true, "trial_days": 7}}`))
	assert.Equal(t, license.Made{Kind: "product", Ref: "product:rt-users", Product: "rt-users"},
		h.declare(t, s, "product:\n  short_code: rt-users\n  authorization_method: user\n")) // YAML too

	u := h.declare(t, s, `{"user": {"username": "ann@example.com"}}`)
	assert.Equal(t, "user:ann@example.com", u.Ref)
	assert.Len(t, u.Password, 16, "a password is generated")
	l := h.declare(t, s, `{"license": {"product": "rt-users", "username": "ann@example.com"}}`)
	assert.Equal(t, license.Made{Kind: "license", Ref: "user:ann@example.com/rt-users", Product: "rt-users", Username: "ann@example.com"}, l)
	h.call("activateLicense", s, params{"username": "ann@example.com", "password": u.Password, "product": "rt-users", "hardware_id": "hw"}).ok(t)

	trial := h.call("trialKey", s, params{"product": "rt", "hardware_id": "hw"}).ok(t)
	assert.Equal(t, 7.0, trial["trial_days"])

	one := h.declare(t, s, `{"license": {"product": "rt", "license_key": "RT-1"}}`)
	b := h.declare(t, s, `{"bundle": {"code": "rt-bundle", "license_key": "RT-BUNDLE", "licenses": ["RT-1", "APP-PERP"]}}`)
	assert.Equal(t, license.Made{Kind: "bundle", Ref: "bundle:rt-bundle", Bundle: "rt-bundle", LicenseKey: "RT-BUNDLE"}, b)
	assert.Equal(t, "RT-1", one.LicenseKey, "a given key is kept")
	r := h.call("activateBundle", s, params{"license_key": "RT-BUNDLE", "product": "rt-bundle", "hardware_id": "hw"})
	require.Equal(t, 200, r.Status, string(r.Body))
	assert.Contains(t, string(r.Body), `"license_key":"RT-1"`)
	assert.Contains(t, string(r.Body), `"license_key":"APP-PERP"`, "a bundle may hold the files' licenses")
}

// TestRunTimeRefusals: a declaration is refused as lint refuses a file, at its field, and
// never repeats what the files or the session declared.
func TestRunTimeRefusals(t *testing.T) {
	t.Parallel()
	h := declaring(t)
	h.declare(t, "r", `{"license": {"product": "app", "license_key": "MINE"}}`)
	for _, tc := range []struct{ name, body, field, msg string }{
		{"the files' key", `{"license": {"product": "app", "license_key": "APP-PERP"}}`, "license.license_key", "already declared at"},
		{"the session's key", `{"license": {"product": "app", "license_key": "MINE"}}`, "license.license_key", "already declared at"},
		{"the files' product", `{"product": {"short_code": "app"}}`, "product.short_code", `product "app" is already declared at`},
		{"the files' user", `{"user": {"username": "alice@example.com", "password": "x"}}`, "user.username", "already declared"},
		{"unknown product", `{"license": {"product": "nope"}}`, "license.product", `unknown product "nope"`},
		{"a user-based product by key", `{"license": {"product": "users-app", "license_key": "K"}}`, "license", "user-based"},
		{"a user-based product by nothing", `{"license": {"product": "users-app"}}`, "license", "user-based"},
		{"a negative count", `{"license": {"product": "app", "max_activations": -2}}`, "license.max_activations", "must not be negative"},
		{"a feature's field", `{"license": {"product": "app", "product_features": [{"code": "f", "feature_type": "x"}]}}`,
			"license.product_features[0].feature_type", "feature_type must be one of"},
		{"a bundle of an unknown license", `{"bundle": {"code": "b", "license_key": "B", "licenses": ["NOPE"]}}`, "bundle.licenses[0]", `unknown license "NOPE"`},
		{"two kinds", `{"user": {"username": "x", "password": "y"}, "product": {"short_code": "z"}}`, "", "exactly one of"},
		{"a misspelt kind", `{"licence": {}}`, "licence", `did you mean "license"`},
		{"not a mapping", `[1, 2]`, "", "must be a mapping"},
		{"empty", ``, "", "the body is empty"},
		{"not YAML", `{"license": [`, "", "not valid YAML"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.engine.Declare(h.accounts.of("r"), []byte(tc.body))
			de, ok := scenario.AsDeclarationError(err)
			require.True(t, ok, "%v", err)
			require.NotEmpty(t, de.Problems)
			assert.Equal(t, tc.field, de.Problems[0].Field)
			assert.Contains(t, de.Problems[0].Message, tc.msg)
		})
	}
	assert.Len(t, h.accounts.of("r").Snapshot(h.engine.CatalogOf(h.accounts.of("r"))).Declared, 1, "nothing refused was kept")
}

// TestUndeclare: a removed declaration takes its state with it; what another names stays.
func TestUndeclare(t *testing.T) {
	t.Parallel()
	h := declaring(t)
	const s = "undeclare"
	a := h.accounts.of(s)
	h.declare(t, s, `{"product": {"short_code": "gone"}}`)
	h.declare(t, s, `{"license": {"product": "gone", "license_key": "GONE-1"}}`)
	p := params{"license_key": "GONE-1", "product": "gone", "hardware_id": "hw"}
	h.call("activateLicense", s, p).ok(t)

	err := h.engine.Undeclare(a, "product:gone")
	assert.ErrorIs(t, err, license.ErrDeclarationInUse)
	assert.EqualError(t, err, "product:gone is named by GONE-1: delete that first")
	assert.ErrorIs(t, h.engine.Undeclare(a, "NOPE"), license.ErrNotDeclared)
	require.NoError(t, h.engine.Undeclare(a, "GONE-1"))
	h.call("checkLicense", s, p).refused(t, h.spec, "license_not_found")
	h.declare(t, s, `{"license": {"product": "gone", "license_key": "GONE-1"}}`)
	h.call("checkLicense", s, p).refused(t, h.spec, "license_not_active") // declared again, it starts afresh

	require.NoError(t, h.engine.Undeclare(a, ""))
	h.call("checkLicense", s, p).refused(t, h.spec, "unknown_product")
	assert.Empty(t, a.Snapshot(h.engine.CatalogOf(a)).Declared)
}

// TestRunTimeClock: a license made at run time follows its session's clock.
func TestRunTimeClock(t *testing.T) {
	t.Parallel()
	h := declaring(t)
	const s = "clock"
	m := h.declare(t, s, `{"license": {"product": "app", "license_type": "time-limited", "valid_duration": "30d"}}`)
	p := keyParams(m.LicenseKey, "hw")
	h.call("activateLicense", s, p).ok(t)
	_, err := h.accounts.of(s).Clock().Advance(31*24*time.Hour, h.clock.Now)
	require.NoError(t, err)
	h.call("checkLicense", s, p).refused(t, h.spec, "license_expired")
}

// TestRunTimeAfterReload: a reload's engine reads the session's declarations again against
// the new files; one that no longer fits is dropped and said so.
func TestRunTimeAfterReload(t *testing.T) {
	t.Parallel()
	h := declaring(t)
	const s = "reload"
	a := h.accounts.of(s)
	kept := h.declare(t, s, `{"license": {"product": "app"}}`)
	h.declare(t, s, `{"license": {"product": "users-app", "username": "nolicense@example.com"}}`)
	h.call("activateLicense", s, keyParams(kept.LicenseKey, "hw")).ok(t)

	cat, err := loadCatalog(t, "accept") // no product app: both are dropped
	require.NoError(t, err)
	other, err := license.NewEngine(cat, h.spec, h.signer, h.clock.Now, 0)
	require.NoError(t, err)
	other.UseDeclarer(scenario.DeclareAtRunTime)
	snap := a.Snapshot(other.CatalogOf(a))
	assert.Empty(t, snap.Declared)
	require.Len(t, snap.Dropped, 2)
	assert.Contains(t, snap.Dropped[0], kept.LicenseKey+": ")

	h2 := declaring(t) // the same files again: everything still fits, the key stays
	a2 := h2.accounts.of(s)
	again := h2.declare(t, s, `{"license": {"product": "app"}}`)
	assert.Equal(t, kept.LicenseKey, again.LicenseKey, "the same session and order give the same key in every run")
	same, err := license.NewEngine(h2.engine.Catalog(), h2.spec, h2.signer, h2.clock.Now, 0)
	require.NoError(t, err)
	same.UseDeclarer(scenario.DeclareAtRunTime)
	rebuilt := a2.Snapshot(same.CatalogOf(a2))
	require.Len(t, rebuilt.Declared, 1)
	assert.Equal(t, again.LicenseKey, rebuilt.Declared[0].LicenseKey)
}

// TestRunTimeLimits: a session holds at most MaxSessionDeclarations, each at most
// MaxDeclarationBytes; an engine without a declarer takes none.
func TestRunTimeLimits(t *testing.T) {
	t.Parallel()
	h := declaring(t)
	a := h.accounts.of("limits")
	for i := range license.MaxSessionDeclarations {
		h.declare(t, "limits", fmt.Sprintf(`{"product": {"short_code": "p%d"}}`, i))
	}
	_, err := h.engine.Declare(a, []byte(`{"product": {"short_code": "one-more"}}`))
	assert.ErrorIs(t, err, license.ErrDeclarationsFull)
	_, err = h.engine.Declare(h.accounts.of("big"), []byte(`{"product": {"short_code": "`+strings.Repeat("x", license.MaxDeclarationBytes)+`"}}`))
	assert.ErrorIs(t, err, license.ErrDeclarationTooLarge)
	big := h.accounts.of("bytes")
	pad := strings.Repeat("x", 60<<10)
	for i := range license.MaxSessionDeclarationBytes / len(pad) {
		h.declare(t, "bytes", fmt.Sprintf(`{"product": {"short_code": "p%d", "product_name": "%s"}}`, i, pad))
	}
	_, err = h.engine.Declare(big, []byte(fmt.Sprintf(`{"product": {"short_code": "last", "product_name": "%s"}}`, pad)))
	assert.ErrorIs(t, err, license.ErrDeclarationsFull, "the session's bytes are bounded too")
	_, err = newHarness(t, "catalog").engine.Declare(a, []byte(`{"product": {"short_code": "x"}}`))
	assert.ErrorIs(t, err, license.ErrNoDeclarer)
}

// TestRunTimeConcurrent: one session declaring while its requests are answered (-race).
func TestRunTimeConcurrent(t *testing.T) {
	t.Parallel()
	h := declaring(t)
	const s = "busy"
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			key := fmt.Sprintf("BUSY-%d", i)
			if _, err := h.engine.Declare(h.accounts.of(s), []byte(`{"license": {"product": "app", "license_key": "`+key+`"}}`)); err != nil {
				t.Error(err)
				return
			}
			h.call("activateLicense", s, keyParams(key, "hw")).ok(t)
			h.call("checkLicense", s, keyParams(key, "hw")).ok(t)
			assert.NoError(t, h.engine.Undeclare(h.accounts.of(s), key))
		})
	}
	wg.Wait()
	a := h.accounts.of(s)
	assert.Empty(t, a.Snapshot(h.engine.CatalogOf(a)).Declared)
}
