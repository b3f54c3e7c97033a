package license_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/auth"
	"github.com/lsmock/lsmock/internal/jsoncanon"
	"github.com/lsmock/lsmock/internal/signing"
)

// The key the offline tests' lsmock knows, and the date their request files carry (the Node
// SDK's format: not an HTTP date, and not held to the Date header's 15 minutes).
const (
	offlineAPIKey = "offline-key"
	offlineShared = "offline-shared"
	offlineDate   = "Tue Jun 1 2026 11:00:00 GMT+0000"
)

// offlineHarness is an engine over testdata/offline whose auth checker knows offlineAPIKey
// and runs in mode.
func offlineHarness(t *testing.T, mode auth.Mode) *harness {
	t.Helper()
	h := newHarness(t, "offline")
	h.engine.UseAuth(auth.NewChecker(mode, []auth.Key{{APIKey: offlineAPIKey, SharedKey: offlineShared}}, nil, nil, h.clock.Now))
	return h
}

// envelope is a schema_version 2 request file as the Node SDK writes it (decoded): the
// payload and a signature lsmock does not verify.
func envelope(kind string, payload params) params {
	req := params{"sdk_ver": "1.4.17", "app_name": "app", "app_ver": "1.0.0", "request_id": "r-1", "request": kind,
		"schema_version": 2, "api_key": offlineAPIKey, "date": offlineDate}
	for k, v := range payload {
		req[k] = v
	}
	if kind == "" {
		delete(req, "request") // as License.deactivateOffline writes it
	}
	return params{"request": req, "signature": "not-verified"}
}

// flat is a legacy (Python 1.x, Postman) request file, signed with shared for apiKey.
func flat(apiKey, shared string, payload params) params {
	p := params{"api_key": apiKey, "date": offlineDate}
	for k, v := range payload {
		p[k] = v
	}
	id, _ := p["license_key"].(string)
	if id == "" {
		id, _ = p["username"].(string)
	}
	hw, _ := p["hardware_id"].(string)
	p["signature"] = auth.OfflineSignature(shared, offlineDate, id, hw, apiKey)
	return p
}

func offlineKey(key, hwid string) params {
	return params{"license_key": key, "product": "app", "hardware_id": hwid}
}

// TestActivateOffline: each form of request file activates, and the answer carries what the
// SDKs verify: license_signature (v1), license_signature_v2 over the object without both
// signatures as JSON.stringify writes it, LicenseSignature over the raw body, in ASCII.
func TestActivateOffline(t *testing.T) {
	t.Parallel()
	user := params{"username": "alice@example.com", "password": "alice-pw", "product": "users-app", "hardware_id": "hw-u"}
	cases := []struct {
		name        string
		mode        auth.Mode
		p           params
		hwid, id    string
		offlineSig  any // want offline_signature; "computed": with offlineShared
		companyName string
	}{
		{"envelope, known key", auth.ModeFormat, envelope("activation", offlineKey("APP-OFFL", "hw-1")), "hw-1", "APP-OFFL", "computed", ""},
		{"envelope without request kind", auth.ModeFormat, envelope("", offlineKey("APP-OFFL", "hw-1")), "hw-1", "APP-OFFL", "computed", ""},
		{"envelope, unknown key", auth.ModeFormat, params{"request": params{"license_key": "APP-OFFL", "product": "app", "hardware_id": "hw-1",
			"api_key": "other", "date": offlineDate}, "signature": "x"}, "hw-1", "APP-OFFL", nil, ""},
		{"envelope, OAuth client", auth.ModeStrict, params{"request": params{"license_key": "APP-OFFL", "product": "app", "hardware_id": "hw-1",
			"client_id": "client", "date": offlineDate}, "signature": "x"}, "hw-1", "APP-OFFL", nil, ""},
		{"flat, known key", auth.ModeStrict, flat(offlineAPIKey, offlineShared, offlineKey("APP-OFFL", "hw-2")), "hw-2", "APP-OFFL", "computed", ""},
		{"flat, unknown key: its own signature echoed", auth.ModeFormat, flat("other", "other-shared", offlineKey("APP-OFFL", "hw-2")), "hw-2", "APP-OFFL",
			auth.OfflineSignature("other-shared", offlineDate, "APP-OFFL", "hw-2", "other"), ""},
		{"flat, wrong signature, auth off: the answer's is right", auth.ModeOff, flat(offlineAPIKey, "wrong", offlineKey("APP-OFFL", "hw-2")), "hw-2", "APP-OFFL", "computed", ""},
		{"time-limited", auth.ModeFormat, envelope("activation", offlineKey("APP-TIME", "hw-3")), "hw-3", "APP-TIME", "computed", ""},
		{"user-based", auth.ModeFormat, envelope("activation", user), "hw-u", "alice@example.com", "computed", ""},
		{"non-ASCII text", auth.ModeFormat, envelope("activation", offlineKey("APP-UTF8", "hw-ü")), "hw-ü", "APP-UTF8", "computed", "Zürich ☃ Ltd"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := offlineHarness(t, tc.mode).with(t)
			r := h.call("activateOffline", "s", tc.p)
			f := h.licenseSigned(t, r, tc.hwid, tc.id)
			assert.Equal(t, "activation", f["request"])
			assert.Equal(t, tc.hwid, f["hardware_id"])
			assert.Equal(t, true, f["allow_offline_activation"])
			assert.Equal(t, offlineDate, f["date"])
			want := tc.offlineSig
			if want == "computed" {
				want = auth.OfflineSignature(offlineShared, offlineDate, tc.id, tc.hwid, offlineAPIKey)
			}
			assert.Equal(t, want, f["offline_signature"])
			for _, c := range r.Body {
				require.Less(t, c, byte(0x80), "the body is ASCII: %s", r.Body)
			}
			if tc.companyName != "" {
				assert.Equal(t, tc.companyName, object(t, f, "customer")["company_name"], "escaped, the same text")
				assert.Contains(t, string(r.Body), `Z\u00fcrich \u2603 Ltd`)
				assert.Contains(t, string(r.Body), `\ud834\udd1e Wien`, "beyond the BMP: a surrogate pair")
			}
			v2, _ := f["license_signature_v2"].(string)
			signed := stringifyWithout(t, r.Body, "license_signature", "license_signature_v2")
			assert.NoError(t, signing.Verify(h.signer.PublicKeyPEM(), signed, v2), "license_signature_v2 over %s", signed)
			assert.True(t, bytes.HasSuffix(signed, []byte(`,"offline_signature":`+jsonOf(t, f["offline_signature"])+`}`)), "date and offline_signature are covered")
		})
	}
}

// stringifyWithout is JSON.stringify(JSON.parse(body)) with the top-level fields drop
// deleted, as the Node SDK computes what license_signature_v2 covers: compact, in the body's
// order, strings as JavaScript writes them (non-ASCII as it is).
func stringifyWithout(t *testing.T, body []byte, drop ...string) []byte {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	skip := map[string]bool{}
	for _, d := range drop {
		skip[d] = true
	}
	return appendStringified(t, dec, nil, skip)
}

func appendStringified(t *testing.T, dec *json.Decoder, out []byte, drop map[string]bool) []byte {
	t.Helper()
	tok, err := dec.Token()
	require.NoError(t, err)
	switch v := tok.(type) {
	case json.Delim:
		out = append(out, byte(v))
		for first := true; dec.More(); {
			if v == '{' {
				k, err := dec.Token()
				require.NoError(t, err)
				if drop[k.(string)] {
					var skipped json.RawMessage
					require.NoError(t, dec.Decode(&skipped))
					continue
				}
				if !first {
					out = append(out, ',')
				}
				out = append(jsoncanon.AppendString(out, k.(string)), ':')
			} else if !first {
				out = append(out, ',')
			}
			first = false
			out = appendStringified(t, dec, out, nil)
		}
		end, err := dec.Token()
		require.NoError(t, err)
		return append(out, byte(end.(json.Delim)))
	case string:
		return jsoncanon.AppendString(out, v)
	case json.Number:
		return append(out, v...)
	case bool:
		if v {
			return append(out, "true"...)
		}
		return append(out, "false"...)
	}
	return append(out, "null"...)
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := jsoncanon.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// TestOfflineRefusals: what an offline request is refused for, in either behaviour: the
// fields every request file carries, a file of the other kind, a legacy signature that does
// not verify, an API key strict mode does not know, and the activation's own refusals.
func TestOfflineRefusals(t *testing.T) {
	t.Parallel()
	without := func(p params, name string) params {
		req := params{}
		for k, v := range p["request"].(params) {
			req[k] = v
		}
		delete(req, name)
		return params{"request": req, "signature": p["signature"]}
	}
	good := envelope("activation", offlineKey("APP-OFFL", "hw-1"))
	cases := []struct {
		name, op string
		mode     auth.Mode
		p        params
		code     string
		message  string
	}{
		{"no hardware_id", "activateOffline", auth.ModeFormat, without(good, "hardware_id"), "missing_parameters", "Some parameters are missing in the request: hardware_id."},
		{"no date", "activateOffline", auth.ModeFormat, without(good, "date"), "missing_parameters", "Some parameters are missing in the request: date."},
		{"no api_key or client_id", "activateOffline", auth.ModeFormat, without(good, "api_key"), "missing_parameters", "Some parameters are missing in the request: api_key."},
		{"no envelope signature", "activateOffline", auth.ModeFormat, params{"request": good["request"]}, "missing_parameters", "Some parameters are missing in the request: signature."},
		{"flat without signature", "deactivateOffline", auth.ModeFormat, params{"license_key": "APP-OFFL", "product": "app", "hardware_id": "hw", "api_key": "k", "date": offlineDate},
			"missing_parameters", "Some parameters are missing in the request: signature."},
		{"nothing", "activateOffline", auth.ModeFormat, params{}, "missing_parameters", "Some parameters are missing in the request: hardware_id, product, date, api_key, signature."},
		{"no license_key or username", "activateOffline", auth.ModeFormat, without(good, "license_key"), "license_key_required", "license_key is required"},
		{"a deactivation file", "activateOffline", auth.ModeFormat, envelope("deactivation", offlineKey("APP-OFFL", "hw-1")), "validation_error", "request: must be activation"},
		{"an activation file", "deactivateOffline", auth.ModeFormat, good, "validation_error", "request: must be deactivation"},
		{"flat, wrong signature", "activateOffline", auth.ModeFormat, flat(offlineAPIKey, "wrong", offlineKey("APP-OFFL", "hw-1")), "signature_mismatch", ""},
		{"flat, signature of other fields", "deactivateOffline", auth.ModeFormat,
			func() params {
				p := flat(offlineAPIKey, offlineShared, offlineKey("APP-OFFL", "hw-1"))
				p["hardware_id"] = "hw-2"
				return p
			}(), "signature_mismatch", ""},
		{"strict, unknown key", "activateOffline", auth.ModeStrict, flat("other", "other", offlineKey("APP-OFFL", "hw-1")), "invalid_api_key", ""},
		{"not allowed offline", "activateOffline", auth.ModeFormat, envelope("activation", offlineKey("APP-ONLN", "hw-1")), code(t, "offline_not_allowed"), ""},
		{"unknown key", "activateOffline", auth.ModeFormat, envelope("activation", offlineKey("NOPE", "hw-1")), "license_not_found", ""},
		{"unknown product", "deactivateOffline", auth.ModeFormat, envelope("", params{"license_key": "APP-OFFL", "product": "nope", "hardware_id": "hw"}), "unknown_product", ""},
		{"wrong password", "activateOffline", auth.ModeFormat,
			envelope("activation", params{"username": "alice@example.com", "password": "wrong", "product": "users-app", "hardware_id": "hw"}), code(t, "wrong_password"), ""},
		{"a device never activated", "deactivateOffline", auth.ModeFormat, envelope("deactivation", offlineKey("APP-OFFL", "hw-1")), "device_not_found", ""},
		{"an over-long hardware_id", "activateOffline", auth.ModeFormat, envelope("activation", offlineKey("APP-OFFL", strings.Repeat("h", 2000))), "validation_error", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := offlineHarness(t, tc.mode).with(t)
			r := h.call(tc.op, "s", tc.p)
			if tc.code == "signature_mismatch" || tc.code == "invalid_api_key" || tc.code == "validation_error" {
				// general errors, or a message of its own: checked by code and shape
				require.Equal(t, tc.code, r.Code, "%s %s", r.Body, r.Detail)
				assert.Equal(t, 400, r.Status)
				assert.NotEmpty(t, r.Detail)
			} else {
				r.refused(t, h.spec, tc.code)
			}
			if tc.message != "" {
				assert.Equal(t, tc.message, r.field("message"))
			}
			assert.NotEqual(t, 200, h.call("checkLicense", "s", offlineKey("APP-OFFL", "hw-1")).Status, "nothing was activated")
		})
	}
}

// TestOfflineStateAsOnline: an offline activation and deactivation change the session's
// state exactly as the online ones do, and each sees the other's devices.
func TestOfflineStateAsOnline(t *testing.T) {
	t.Parallel()
	h := offlineHarness(t, auth.ModeFormat)
	const s = "state"
	check := func(hw string) reply { return h.call("checkLicense", s, offlineKey("APP-OFFL", hw)) }

	h.licenseSigned(t, h.call("activateOffline", s, envelope("activation", offlineKey("APP-OFFL", "hw-1"))), "hw-1", "APP-OFFL")
	assert.Equal(t, 1.0, check("hw-1").ok(t)["times_activated"], "an online check sees the offline activation")
	again := h.call("activateOffline", s, flat(offlineAPIKey, offlineShared, offlineKey("APP-OFFL", "hw-1"))).ok(t)
	assert.Equal(t, 1.0, again["times_activated"], "the same device counts once")
	h.call("activateLicense", s, offlineKey("APP-OFFL", "hw-2")).success(t)
	h.call("activateOffline", s, envelope("activation", offlineKey("APP-OFFL", "hw-3"))).refused(t, h.spec, "license_activated_max_times")

	r := h.call("deactivateOffline", s, envelope("deactivation", offlineKey("APP-OFFL", "hw-1")))
	r.success(t)
	assert.Equal(t, `"license_deactivated"`, string(r.Body))
	check("hw-1").refused(t, h.spec, "device_not_found")
	h.call("deactivateOffline", s, envelope("", offlineKey("APP-OFFL", "hw-1"))).refused(t, h.spec, "device_not_found")
	h.call("deactivateLicense", s, offlineKey("APP-OFFL", "hw-2")).success(t)
	check("hw-2").refused(t, h.spec, "license_not_active")

	u := params{"username": "alice@example.com", "product": "users-app", "hardware_id": "hw-u"}
	withPassword := params{"password": "alice-pw"}
	for k, v := range u {
		withPassword[k] = v
	}
	h.call("activateOffline", s, envelope("activation", withPassword)).success(t)
	h.call("deactivateOffline", s, flat(offlineAPIKey, offlineShared, u)).success(t)
	h.call("checkLicense", s, u).refused(t, h.spec, "license_not_active")
}
