package license_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/license"
)

// TestSessionClockMovesEachBehaviour: every time-dependent behaviour follows the session's
// own clock. Each case is set up in two sessions; moving one session's clock changes its
// answer, and the other session, on the engine's clock, answers as before.
func TestSessionClockMovesEachBehaviour(t *testing.T) {
	t.Parallel()
	trialKeys := map[string]string{} // session -> the trial key it was given
	for _, tc := range []struct {
		name          string
		setup         func(h *harness, s string)
		probe         func(h *harness, s string) reply
		advance       time.Duration
		before, after string // the probe's code; "" is a success
	}{
		{name: "valid_duration from the first activation",
			setup:   func(h *harness, s string) { h.call("activateLicense", s, keyParams("APP-DURN", "hw-1")).ok(h.t) },
			probe:   func(h *harness, s string) reply { return h.call("checkLicense", s, keyParams("APP-DURN", "hw-1")) },
			advance: 31 * 24 * time.Hour, after: "license_expired"},
		{name: "validity_period",
			setup:   func(h *harness, s string) { h.call("activateLicense", s, keyParams("APP-SOON", "hw-1")).ok(h.t) },
			probe:   func(h *harness, s string) reply { return h.call("checkLicense", s, keyParams("APP-SOON", "hw-1")) },
			advance: 24 * time.Hour, after: "license_expired"},
		{name: "a declared trial",
			setup:   func(h *harness, s string) { h.call("activateLicense", s, keyParams("APP-TRIAL", "hw-1")).ok(h.t) },
			probe:   func(h *harness, s string) reply { return h.call("checkLicense", s, keyParams("APP-TRIAL", "hw-1")) },
			advance: time.Hour, after: "trial_expired"},
		{name: "a trial_key trial",
			setup: func(h *harness, s string) {
				key, _ := h.call("trialKey", s, params{"product": "app", "hardware_id": "hw-1"}).ok(h.t)["license_key"].(string)
				trialKeys[s] = key
				h.call("activateLicense", s, keyParams(key, "hw-1")).ok(h.t)
			},
			probe:   func(h *harness, s string) reply { return h.call("checkLicense", s, keyParams(trialKeys[s], "hw-1")) },
			advance: 10 * 24 * time.Hour, after: "trial_expired"},
		{name: "a floating seat's timeout",
			setup: func(h *harness, s string) {
				h.call("activateLicense", s, keyParams("APP-FLOT", "hw-1")).ok(h.t)
				h.call("activateLicense", s, keyParams("APP-FLOT", "hw-2")).ok(h.t)
				h.call("checkLicense", s, keyParams("APP-FLOT", "hw-1")).ok(h.t)
			},
			probe:   func(h *harness, s string) reply { return h.call("checkLicense", s, keyParams("APP-FLOT", "hw-2")) },
			advance: 10 * time.Minute, before: code(t, "max_floating_reached")},
		{name: "a borrow's end",
			setup: func(h *harness, s string) {
				h.call("activateLicense", s, keyParams("APP-FLOT", "hw-1")).ok(h.t)
				h.call("activateLicense", s, keyParams("APP-FLOT", "hw-2")).ok(h.t)
				until := h.engine.Now(h.accounts.of(s)).Add(time.Hour).Format(time.RFC3339)
				h.call("floatingBorrow", s, borrow("APP-FLOT", "hw-1", until)).ok(h.t)
			},
			probe:   func(h *harness, s string) reply { return h.call("checkLicense", s, keyParams("APP-FLOT", "hw-2")) },
			advance: time.Hour, before: code(t, "max_floating_reached")},
		{name: "a feature's expiry_date",
			setup: func(h *harness, s string) { h.call("activateLicense", s, keyParams("APP-FEAT", "hw-1")).ok(h.t) },
			probe: func(h *harness, s string) reply {
				return h.call("checkLicenseFeature", s, onFeature("APP-FEAT", "hw-1", "limited"))
			},
			advance: 30 * time.Minute, after: code(t, "feature_expired")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, "catalog")
			moved, still := "moved", "still"
			for _, s := range []string{moved, still} {
				tc.setup(h, s)
				expect(t, h, tc.probe(h, s), tc.before, s+" before")
			}
			_, err := h.accounts.of(moved).Clock().Advance(tc.advance, h.clock.Now)
			require.NoError(t, err)
			expect(t, h, tc.probe(h, moved), tc.after, "the session that moved its clock")
			expect(t, h, tc.probe(h, still), tc.before, "another session keeps its time")
		})
	}
}

// expect asserts a reply succeeded (code "") or was refused with code.
func expect(t *testing.T, h *harness, r reply, code, what string) {
	t.Helper()
	if code == "" {
		assert.Equal(t, 200, r.Status, "%s: %s", what, r.Body)
		return
	}
	r.refused(t, h.spec, code)
}

// TestSessionClockDatesAnswers: dates in answers (and their signatures) are the session's
// clock's, the remembered answers are never served at another clock time, and DELETE
// (Reset) returns the session to the engine's clock.
func TestSessionClockDatesAnswers(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "catalog")
	const s = "dated"
	at := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := h.accounts.of(s).Clock()
	require.NoError(t, clock.Set(at))

	f := h.licenseSigned(t, h.call("activateLicense", s, keyParams("APP-DURN", "hw-1")), "hw-1", "APP-DURN")
	assert.Equal(t, "2027-01-31T00:00:00.000Z", f["validity_period"], "30d from the session's time")
	trial := h.call("trialKey", s, params{"product": "app", "hardware_id": "hw-1"}).ok(t)
	assert.Equal(t, float64(at.UnixMilli()), trial["created_at"], "issued at the session's time")
	key, _ := trial["license_key"].(string)
	f = h.licenseSigned(t, h.call("activateLicense", s, keyParams(key, "hw-1")), "hw-1", key)
	assert.Equal(t, "2027-01-11T00:00:00.000Z", f["validity_period"], "trial_days from the session's time")

	first := h.call("checkLicense", s, keyParams("APP-DURN", "hw-1"))
	assert.Equal(t, first.Body, h.call("checkLicense", s, keyParams("APP-DURN", "hw-1")).Body, "the same time: the same answer")
	_, err := clock.Advance(31*24*time.Hour, h.clock.Now)
	require.NoError(t, err)
	h.call("checkLicense", s, keyParams("APP-DURN", "hw-1")).refused(t, h.spec, "license_expired")
	h.call("activateLicense", s, keyParams("APP-DURN", "hw-2")).refused(t, h.spec, "license_expired")

	clock.Reset()
	assert.Equal(t, h.clock.Now(), h.engine.Now(h.accounts.of(s)), "back on the engine's clock")
	f = h.licenseSigned(t, h.call("checkLicense", s, keyParams("APP-DURN", "hw-1")), "hw-1", "APP-DURN")
	assert.Equal(t, "2027-01-31T00:00:00.000Z", f["validity_period"], "the first activation keeps its date")
}

// TestSessionClockWins: a session's own clock wins over the engine's (the global clock);
// unset, the session follows it.
func TestSessionClockWins(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "catalog")
	a := h.accounts.of("own")
	assert.Equal(t, start, h.engine.Now(a))
	assert.Equal(t, start, h.engine.Now(nil), "no session: the engine's clock")
	at := time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC)
	require.NoError(t, a.Clock().Set(at))
	h.clock.Advance(time.Hour)
	assert.Equal(t, at, h.engine.Now(a), "frozen: the engine's clock moved, the session's did not")
	assert.Equal(t, start.Add(time.Hour), h.engine.Now(h.accounts.of("other")))
	h.accounts.forget("own")
	assert.Equal(t, start.Add(time.Hour), h.engine.Now(h.accounts.of("own")), "a reset session is on the engine's clock again")
}

func TestClockBounds(t *testing.T) {
	t.Parallel()
	fallback := func() time.Time { return start }
	var c license.Clock
	_, set := c.Get()
	assert.False(t, set)
	assert.Equal(t, start, c.Now(fallback))

	at, err := c.Advance(36*time.Hour, fallback)
	require.NoError(t, err)
	assert.Equal(t, start.Add(36*time.Hour), at, "an unset clock advances from the time it follows")
	got, set := c.Get()
	assert.True(t, set)
	assert.Equal(t, at, got)

	for _, bad := range []time.Time{license.MinClock.Add(-time.Second), license.MaxClock} {
		assert.Error(t, c.Set(bad), bad)
	}
	for _, bad := range []time.Duration{-time.Second, license.MaxAdvance + 1} {
		_, err := c.Advance(bad, fallback)
		assert.Error(t, err, bad)
	}
	require.NoError(t, c.Set(license.MaxClock.Add(-time.Hour)))
	_, err = c.Advance(time.Hour, fallback)
	assert.Error(t, err, "past MaxClock")
	assert.Equal(t, license.MaxClock.Add(-time.Hour), c.Now(fallback), "a refused move changes nothing")
	c.Reset()
	assert.Equal(t, start, c.Now(fallback))
}

func TestParseAdvance(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"31d", 31 * 24 * time.Hour},
		{"36h", 36 * time.Hour},
		{"1d12h", 36 * time.Hour},
		{"90m", 90 * time.Minute},
		{"0s", 0},
		{"+1d", 24 * time.Hour},
		{"36500d", license.MaxAdvance},
	} {
		got, err := license.ParseAdvance(tc.in)
		if assert.NoError(t, err, tc.in) {
			assert.Equal(t, tc.want, got, tc.in)
		}
	}
	for _, bad := range []string{"", "d", "-1d", "-5m", "1.5d", "1d-3h", "31 days", "31D", "36501d", "99999999999d", "1d1d", "5", "876001h"} {
		_, err := license.ParseAdvance(bad)
		assert.Error(t, err, bad)
	}
}
