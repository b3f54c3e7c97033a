package license_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/license"
)

func track(key, hwid string, vars map[string]any) params {
	p := keyParams(key, hwid)
	p["variables"] = vars
	return p
}

// TestDeviceVariables: track_device_variables sets a device's variables, answering those
// it set by name; get_device_variables lists them in the order first set; a variable
// tracked again takes its new value; a deactivation forgets them.
func TestDeviceVariables(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "releases")
	const s = "variables"
	dev := h.licenseSigned(t, h.call("activateLicense", s, keyParams("APP-1", "hw-1")), "hw-1", "APP-1")["device_id"]
	h.licenseSigned(t, h.call("activateLicense", s, keyParams("APP-1", "hw-2")), "hw-2", "APP-1")
	now := h.clock.Now()

	r := h.call("trackDeviceVariables", s, track("APP-1", "hw-1", map[string]any{"os": "linux", "cores": 8, "beta": true}))
	r.success(t)
	row := func(name, value string, at time.Time) map[string]any {
		return map[string]any{"variable": name, "value": value, "device_id": dev, "created_at": float64(at.UnixMilli())}
	}
	assert.JSONEq(t, mustJSON(t, []any{row("beta", "true", now), row("cores", "8", now), row("os", "linux", now)}), string(r.Body),
		"by name; values as text")

	h.clock.Advance(time.Minute)
	later := h.clock.Now()
	r = h.call("trackDeviceVariables", s, track("APP-1", "hw-1", map[string]any{"os": "windows"}))
	assert.JSONEq(t, mustJSON(t, []any{row("os", "windows", later)}), string(r.Body))

	r = h.call("getDeviceVariables", s, keyParams("APP-1", "hw-1"))
	r.success(t)
	var got []map[string]any
	require.NoError(t, json.Unmarshal(r.Body, &got))
	require.Len(t, got, 3)
	for i, want := range []struct{ name, value, at string }{{"beta", "true", iso(now)}, {"cores", "8", iso(now)}, {"os", "windows", iso(later)}} {
		assert.Equal(t, want.name, got[i]["variable"])
		assert.Equal(t, want.value, got[i]["value"])
		assert.Equal(t, want.at, got[i]["created_at"])
		assert.Equal(t, dev, got[i]["device_id"])
		assert.NotZero(t, got[i]["id"])
	}
	assert.Equal(t, "[]", string(h.call("getDeviceVariables", s, keyParams("APP-1", "hw-2")).Body), "another device's are its own")
	h.call("getDeviceVariables", "variables-other", keyParams("APP-1", "hw-1")).refused(t, h.spec, "license_not_active")

	snap := h.accounts.of(s).Snapshot(h.engine.Catalog())
	for _, l := range snap.Licenses {
		for _, d := range l.Devices {
			if d.HardwareID == "hw-1" {
				assert.Equal(t, []license.VariableSnapshot{{Variable: "beta", Value: "true", CreatedAt: now}, {Variable: "cores", Value: "8", CreatedAt: now},
					{Variable: "os", Value: "windows", CreatedAt: later}}, d.Variables, "the admin API shows them")
			}
		}
	}

	require.Equal(t, 200, h.call("deactivateLicense", s, keyParams("APP-1", "hw-1")).Status)
	h.licenseSigned(t, h.call("activateLicense", s, keyParams("APP-1", "hw-1")), "hw-1", "APP-1")
	assert.Equal(t, "[]", string(h.call("getDeviceVariables", s, keyParams("APP-1", "hw-1")).Body), "a deactivation forgets them")
	assert.Equal(t, "[]", string(h.call("trackDeviceVariables", s, keyParams("APP-1", "hw-1")).Body), "no variables: none set")
}

// TestDeviceVariableRefusals: the device must be active, as for a check; lsmock keeps a
// bounded number of variables of bounded size, and a refused request changes nothing.
func TestDeviceVariableRefusals(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "releases")
	const s = "variable-refusals"
	h.licenseSigned(t, h.call("activateLicense", s, keyParams("APP-1", "hw-1")), "hw-1", "APP-1")
	many := map[string]any{}
	for i := range license.MaxDeviceVariables + 1 {
		many[fmt.Sprintf("v%03d", i)] = "x"
	}
	for _, tc := range []struct {
		name string
		op   string
		p    params
		code string
	}{
		{"another device", "trackDeviceVariables", track("APP-1", "hw-2", map[string]any{"a": "b"}), "device_not_found"},
		{"another device", "getDeviceVariables", keyParams("APP-1", "hw-2"), "device_not_found"},
		{"never activated", "getDeviceVariables", keyParams("APP-30D", "hw-1"), "license_not_active"},
		{"disabled", "trackDeviceVariables", track("APP-OFF", "hw-1", nil), "license_not_enabled"},
		{"unknown key", "getDeviceVariables", keyParams("NOPE", "hw-1"), "license_not_found"},
		{"unknown product", "getDeviceVariables", params{"license_key": "APP-1", "product": "nope", "hardware_id": "hw-1"}, "unknown_product"},
		{"a value too long", "trackDeviceVariables", track("APP-1", "hw-1", map[string]any{"a": strings.Repeat("x", license.MaxFieldBytes+1)}), "validation_error"},
		{"a name too long", "trackDeviceVariables", track("APP-1", "hw-1", map[string]any{strings.Repeat("n", license.MaxVariableNameBytes+1): "x"}), "validation_error"},
		{"an empty name", "trackDeviceVariables", track("APP-1", "hw-1", map[string]any{"": "x"}), "validation_error"},
		{"too many for a device", "trackDeviceVariables", track("APP-1", "hw-1", many), "validation_error"},
	} {
		t.Run(tc.op+"/"+tc.name, func(t *testing.T) {
			r := h.with(t).call(tc.op, s, tc.p)
			if tc.code == "validation_error" {
				r.invalid(t, "variables")
				return
			}
			r.refused(t, h.spec, tc.code)
		})
	}
	assert.Equal(t, "[]", string(h.call("getDeviceVariables", s, keyParams("APP-1", "hw-1")).Body), "nothing refused was kept")
	delete(many, "v000")
	r := h.call("trackDeviceVariables", s, track("APP-1", "hw-1", many))
	r.success(t)
	h.call("trackDeviceVariables", s, track("APP-1", "hw-1", map[string]any{"v001": "again"})).success(t)
	h.call("trackDeviceVariables", s, track("APP-1", "hw-1", map[string]any{"one-more": "x"})).invalid(t, "per device")
}

// TestSessionVariableLimit: a session keeps at most MaxSessionVariables variables over all
// its devices; deactivating a device gives its share back.
func TestSessionVariableLimit(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "releases")
	const s = "variable-session"
	vars := map[string]any{}
	for i := range license.MaxDeviceVariables {
		vars[fmt.Sprintf("v%03d", i)] = "x"
	}
	devices := license.MaxSessionVariables / license.MaxDeviceVariables
	for i := range devices {
		hw := fmt.Sprintf("hw-%d", i)
		require.Equal(t, 200, h.call("activateLicense", s, params{"license_key": "BARE-1", "product": "bare", "hardware_id": hw}).Status)
		require.Equal(t, 200, h.call("trackDeviceVariables", s, params{"license_key": "BARE-1", "product": "bare", "hardware_id": hw, "variables": vars}).Status)
	}
	require.Equal(t, 200, h.call("activateLicense", s, params{"license_key": "BARE-1", "product": "bare", "hardware_id": "hw-x"}).Status)
	one := params{"license_key": "BARE-1", "product": "bare", "hardware_id": "hw-x", "variables": map[string]any{"a": "b"}}
	h.call("trackDeviceVariables", s, one).invalid(t, "per session")
	require.Equal(t, 200, h.call("deactivateLicense", s, params{"license_key": "BARE-1", "product": "bare", "hardware_id": "hw-0"}).Status)
	h.call("trackDeviceVariables", s, one).success(t)
}

// invalid checks a validation_error in the vendor's shape whose message (lsmock's, saying
// what it will not keep) contains want.
func (r reply) invalid(t *testing.T, want string) {
	t.Helper()
	require.Equal(t, "validation_error", r.Code, "%s %s", r.Body, r.Detail)
	assert.Equal(t, 400, r.Status)
	var body map[string]any
	require.NoError(t, json.Unmarshal(r.Body, &body), "%s", r.Body)
	assert.Equal(t, 400.0, body["status"])
	assert.Equal(t, "validation_error", body["code"])
	assert.Contains(t, body["message"], want)
	assert.Len(t, body, 3)
}
