package license_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/license"
)

func releaseParams(key, hwid string, extra ...string) params {
	p := keyParams(key, hwid)
	if key == "BARE-1" {
		p["product"] = "bare"
	}
	for i := 0; i+1 < len(extra); i += 2 {
		p[extra[i]] = extra[i+1]
	}
	return p
}

// TestVersions: the product's releases for the request's env and channel, oldest first,
// to a device the license is active on.
func TestVersions(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "releases")
	const s = "versions"
	h.licenseSigned(t, h.call("activateLicense", s, keyParams("APP-1", "hw-1")), "hw-1", "APP-1")
	h.licenseSigned(t, h.call("activateLicense", s, params{"license_key": "BARE-1", "product": "bare", "hardware_id": "hw-1"}), "hw-1", "BARE-1")
	v := func(version, date string) map[string]any {
		return map[string]any{"version": version, "release_date": date}
	}
	for _, tc := range []struct {
		name string
		p    params
		want []any
	}{
		{"every environment and channel", releaseParams("APP-1", "hw-1"), []any{v("1.0.0", "2026-01-15T00:00:00.000Z"),
			v("1.1.0", "2026-05-01T00:00:00.000Z"), v("1.1.0", "2026-05-01T00:00:00.000Z"), v("2.0.0-beta", "2026-05-20T00:00:00.000Z")}},
		{"env", releaseParams("APP-1", "hw-1", "env", "mac"), []any{v("1.1.0", "2026-05-01T00:00:00.000Z")}},
		{"env and channel", releaseParams("APP-1", "hw-1", "env", "win64", "channel", "stable"), []any{v("1.0.0", "2026-01-15T00:00:00.000Z"), v("1.1.0", "2026-05-01T00:00:00.000Z")}},
		{"an env without releases", releaseParams("APP-1", "hw-1", "env", "linux"), []any{}},
		{"a product without releases", releaseParams("BARE-1", "hw-1"), []any{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := h.with(t).call("versions", s, tc.p)
			r.success(t)
			assert.JSONEq(t, mustJSON(t, tc.want), string(r.Body))
		})
	}
}

// TestInstallationFile: the release asked for, else the newest; refusals by name.
func TestInstallationFile(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "releases")
	const s = "installation"
	h.licenseSigned(t, h.call("activateLicense", s, keyParams("APP-1", "hw-1")), "hw-1", "APP-1")
	for _, tc := range []struct {
		name    string
		p       params
		version string
		env     string
	}{
		{"the newest", releaseParams("APP-1", "hw-1"), "2.0.0-beta", "win64"},
		{"the newest of a channel", releaseParams("APP-1", "hw-1", "channel", "stable"), "1.1.0", "mac"},
		{"the newest of an env and channel", releaseParams("APP-1", "hw-1", "channel", "stable", "env", "win64"), "1.1.0", "win64"},
		{"a version", releaseParams("APP-1", "hw-1", "version", "1.0.0"), "1.0.0", "win64"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := h.with(t).call("installationFile", s, tc.p).ok(t)
			assert.Equal(t, tc.version, f["version"])
			assert.Equal(t, tc.env, f["environment"])
			assert.Equal(t, map[string]any{"id": 1.0}, f["company"])
		})
	}
	f := h.call("installationFile", s, releaseParams("APP-1", "hw-1", "version", "1.0.0")).ok(t)
	assert.Equal(t, map[string]any{"id": f["id"], "version": "1.0.0", "installation_file": "https://dl.example.com/app-1.0.0.zip",
		"release_date": "2026-01-15T00:00:00.000Z", "hash_md5": "0cc175b9c0f1b6a831c399e269772661", "environment": "win64",
		"eula_link": "https://example.com/eula", "release_notes_link": "https://example.com/1.0.0", "size": "45 MB",
		"requires_version": nil, "channel": "stable", "company": map[string]any{"id": 1.0}}, f)
	f = h.call("installationFile", s, releaseParams("APP-1", "hw-1", "version", "1.1.0", "env", "win64")).ok(t)
	assert.Equal(t, 77.0, f["id"], "a declared id")
	assert.Equal(t, "1.0.0", f["requires_version"])
	assert.Nil(t, f["size"], "no size: null")
}

// TestReleaseRefusals: versions and installation_file want the license active on the
// device, and installation_file a release it has.
func TestReleaseRefusals(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "releases")
	const s = "refusals"
	h.licenseSigned(t, h.call("activateLicense", s, keyParams("APP-1", "hw-1")), "hw-1", "APP-1")
	for _, tc := range []struct {
		name string
		op   string
		p    params
		code string
	}{
		{"active on the device", "versions", releaseParams("APP-1", "hw-1"), ""},
		{"another device", "versions", releaseParams("APP-1", "hw-2"), "active_license_required"},
		{"another device", "installationFile", releaseParams("APP-1", "hw-2"), "active_license_required"},
		{"never activated", "installationFile", params{"license_key": "BARE-1", "product": "bare", "hardware_id": "hw-1"}, "active_license_required"},
		{"unknown key", "versions", releaseParams("NOPE", "hw-1"), "license_not_found"},
		{"unknown product", "installationFile", params{"license_key": "APP-1", "product": "nope", "hardware_id": "hw-1"}, "unknown_product"},
		{"disabled", "installationFile", releaseParams("APP-OFF", "hw-1"), "license_not_enabled"},
		{"unknown version", "installationFile", releaseParams("APP-1", "hw-1", "version", "9.9.9"), "version_not_found"},
		{"no release for the env", "installationFile", releaseParams("APP-1", "hw-1", "env", "linux"), "version_not_found"},
		{"no key", "versions", params{"product": "app", "hardware_id": "hw-1"}, "license_key_required"},
	} {
		t.Run(tc.op+"/"+tc.name, func(t *testing.T) {
			r := h.with(t).call(tc.op, s, tc.p)
			if tc.code == "" {
				r.success(t)
				return
			}
			r.refused(t, h.spec, tc.code)
		})
	}
	const e = "refusals-expired" // its own session: the clock moves
	h.licenseSigned(t, h.call("activateLicense", e, keyParams("APP-30D", "hw-1")), "hw-1", "APP-30D")
	h.call("versions", e, releaseParams("APP-30D", "hw-1")).success(t)
	h.clock.Advance(31 * 24 * time.Hour)
	h.call("versions", e, releaseParams("APP-30D", "hw-1")).refused(t, h.spec, "license_expired")
	h.call("installationFile", e, releaseParams("APP-30D", "hw-1")).refused(t, h.spec, "license_expired")
}

// TestCheckCarriesTheLatestRelease: check_license's installation-file fields are the
// newest release for its env and channel; product_details' latest_version too.
func TestCheckCarriesTheLatestRelease(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "releases")
	const s = "check"
	h.licenseSigned(t, h.call("activateLicense", s, keyParams("APP-1", "hw-1")), "hw-1", "APP-1")
	f := h.licenseSigned(t, h.call("checkLicense", s, releaseParams("APP-1", "hw-1", "channel", "stable", "env", "win64")), "hw-1", "APP-1")
	for name, want := range map[string]any{"version": "1.1.0", "installation_file": "https://dl.example.com/app-1.1.0.zip",
		"release_date": "2026-05-01T00:00:00.000Z", "hash_md5": "", "requires_version": "1.0.0", "environment": "win64",
		"eula_link": "", "release_notes_link": "", "size": nil, "channel": "stable"} {
		assert.Equal(t, want, f[name], name)
	}
	f = h.licenseSigned(t, h.call("checkLicense", s, releaseParams("APP-1", "hw-1")), "hw-1", "APP-1")
	assert.Equal(t, "2.0.0-beta", f["version"], "a check without env or channel: the newest of all; not the remembered answer of another")
	f = h.licenseSigned(t, h.call("checkLicense", s, releaseParams("APP-1", "hw-1", "env", "linux")), "hw-1", "APP-1")
	for name, want := range map[string]any{"version": "", "installation_file": "", "release_date": nil, "hash_md5": "", "requires_version": nil,
		"environment": "", "eula_link": "", "release_notes_link": "", "size": nil, "channel": ""} {
		assert.Equal(t, want, f[name], "no release: the vendor's empty fields: %s", name)
	}

	latest := h.call("productDetails", s, params{"product": "app", "include_latest_version": "true", "env": "mac"}).ok(t)["latest_version"]
	assert.Equal(t, map[string]any{"id": latest.(map[string]any)["id"], "created_at": "2026-05-01T00:00:00.000Z", "updated_at": "2026-05-01T00:00:00.000Z",
		"version": "1.1.0", "full_link": "https://dl.example.com/app-1.1.0.dmg", "filename": "app-1.1.0.dmg", "release_date": "2026-05-01",
		"enabled": true, "hash_md5": "", "product_id": h.engine.Catalog().Product("app").ID, "environment": "mac", "eula_link": "",
		"release_notes_link": "", "size": nil, "requires_version": nil, "channel": "stable"}, normalizeID(latest))
	assert.Nil(t, h.call("productDetails", s, params{"product": "bare", "include_latest_version": "true"}).ok(t)["latest_version"])
	assert.NotContains(t, h.call("productDetails", s, params{"product": "app"}).ok(t), "latest_version")
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// normalizeID makes a JSON object's product_id an int64, to compare with the catalog's.
func normalizeID(v any) any {
	m := v.(map[string]any)
	m["product_id"] = int64(m["product_id"].(float64))
	return m
}

// TestCheckReleases: NewCatalog refuses releases that contradict each other.
func TestCheckReleases(t *testing.T) {
	t.Parallel()
	rel := func(version, env, requires, hash string) *license.Release {
		return &license.Release{Version: version, Environment: env, RequiresVersion: requires, HashMD5: hash, Source: "f.yaml:" + version}
	}
	for _, tc := range []struct {
		name     string
		releases []*license.Release
		field    string
	}{
		{"twice", []*license.Release{rel("1", "win", "", ""), rel("1", "win", "", "")}, "version"},
		{"unknown requires_version", []*license.Release{rel("2", "", "1", "")}, "requires_version"},
		{"hash not md5", []*license.Release{rel("1", "", "", "xyz")}, "hash_md5"},
		{"fine", []*license.Release{rel("1", "win", "", ""), rel("1", "mac", "", ""), rel("2", "", "1", "0CC175B9C0F1B6A831C399E269772661")}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := &license.Product{Code: "p", Releases: tc.releases}
			_, err := license.NewCatalog(license.Declarations{Products: []*license.Product{p}})
			if tc.field == "" {
				require.NoError(t, err)
				for _, r := range p.Releases {
					assert.NotZero(t, r.ID)
				}
				return
			}
			var refused license.ReleaseRefusals
			require.ErrorAs(t, err, &refused)
			require.Len(t, refused, 1)
			assert.Equal(t, tc.field, refused[0].Field)
		})
	}
}
