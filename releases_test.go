package lsmock_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock"
)

// TestReleasesAndVariables: the server hands device variables, versions and installation
// files to the engine and writes its signed answers, held to the spec by the oracle; every
// signature verifies over the raw bytes and over JSON.stringify(JSON.parse(body)), as the
// Node SDK computes it. What the engine answers is internal/license's tests'.
func TestReleasesAndVariables(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	o := newOracle(t, lsmock.DefaultSpec())
	api := licenseAPI{t: t, srv: srv, session: "releases"}
	checked := func(r reply) reply { o.check(t, r.req, r.status, r.header, r.body); return r }
	key := map[string]any{"license_key": "DEMO-PERP-0000-0001", "product": "demo", "hardware_id": "hw-rel"}
	with := func(extra map[string]any) map[string]any {
		p := map[string]any{}
		for k, v := range key {
			p[k] = v
		}
		for k, v := range extra {
			p[k] = v
		}
		return p
	}

	r := checked(api.call(http.MethodGet, "versions", key))
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, "active_license_required", r.code(), "%s", r.body)
	require.Equal(t, http.StatusOK, checked(api.activate("DEMO-PERP-0000-0001", "hw-rel")).status)

	signed := map[string]reply{
		"track_device_variables": checked(api.call(http.MethodPost, "track_device_variables", with(map[string]any{"variables": map[string]any{"os": "linux & <bsd>", "cores": 8}}))),
		"get_device_variables":   checked(api.call(http.MethodGet, "get_device_variables", key)),
		"versions":               checked(api.call(http.MethodGet, "versions", with(map[string]any{"env": "win64", "channel": "stable"}))),
		"installation_file":      checked(api.call(http.MethodGet, "installation_file", with(map[string]any{"env": "win64", "channel": "stable"}))),
		"check_license":          checked(api.call(http.MethodGet, "check_license", with(map[string]any{"env": "mac", "channel": "stable"}))),
		"product_details":        checked(api.call(http.MethodGet, "product_details", map[string]any{"product": "demo", "include_latest_version": true, "env": "win64"})),
	}
	for name, r := range signed {
		assertSigned(t, r, "", "")
		assert.NotContains(t, string(r.body), `\u0026`, "%s: & as it is", name)
	}
	all := make([]reply, 0, len(signed))
	for _, r := range signed {
		all = append(all, r)
	}
	assertStringifySigned(t, all...)

	assert.JSONEq(t, `[{"version":"1.0.0","release_date":"2026-01-15T00:00:00.000Z"},{"version":"1.1.0","release_date":"2026-06-01T00:00:00.000Z"}]`,
		string(signed["versions"].body))
	assert.Equal(t, "1.1.0", signed["installation_file"].field("version"))
	assert.Equal(t, "https://downloads.example.com/demo/demo-1.1.0-win64.zip", signed["installation_file"].field("installation_file"))
	assert.Equal(t, "mac", signed["check_license"].field("environment"), "a check carries the newest release for its env")
	assert.Equal(t, "1.2.0-beta", signed["product_details"].field("latest_version").(map[string]any)["version"], "the newest for the env, of any channel")
	var vars []map[string]any
	require.NoError(t, json.Unmarshal(signed["get_device_variables"].body, &vars))
	require.Len(t, vars, 2)
	assert.Equal(t, "cores", vars[0]["variable"])
	assert.Equal(t, "8", vars[0]["value"])

	r = checked(api.call(http.MethodGet, "installation_file", with(map[string]any{"version": "0.9"})))
	assert.Equal(t, "version_not_found", r.code())

	status, body := admin(t, srv, http.MethodGet, "/__lsmock/sessions/releases/licenses", "")
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, string(body), `"variables":[{"variable":"cores","value":"8"`, "the session's snapshot shows the variables")
	status, body = admin(t, srv, http.MethodGet, "/__lsmock/licenses", "")
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, string(body), `"releases":[{"version":"1.0.0","environment":"win64","channel":"stable"`)
}

// TestWellKnown: the public metadata, without Date or Authorization, naming the address the
// request used, lsmock's public key and every License API operation of the spec.
func TestWellKnown(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	o := newOracle(t, lsmock.DefaultSpec())
	for _, path := range []string{"/api/v4/.well-known", "/api/v4/.well-known/"} {
		req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		require.NoError(t, err)
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s", path, body)
		o.check(t, req, resp.StatusCode, resp.Header, body)
		assert.Empty(t, resp.Header.Get("LicenseSignature"), "not signed, as the vendor's")
		var meta struct {
			APIBaseURL string              `json:"api_base_url"`
			Env        string              `json:"environment"`
			Versions   []string            `json:"supported_api_versions"`
			Default    string              `json:"default_api_version"`
			PubKey     string              `json:"pub_key"`
			Endpoints  []map[string]string `json:"endpoints"`
		}
		require.NoError(t, json.Unmarshal(body, &meta))
		assert.Equal(t, srv.URL+"/api/v4", meta.APIBaseURL)
		assert.Equal(t, "lsmock", meta.Env)
		assert.Equal(t, []string{"v4"}, meta.Versions)
		assert.Equal(t, "v4", meta.Default)
		assert.Equal(t, string(publicKey), meta.PubKey)
		assert.Contains(t, meta.Endpoints, map[string]string{"method": "POST", "url": "/api/v4/activate_license/"})
		assert.Contains(t, meta.Endpoints, map[string]string{"method": "GET", "url": "/api/v4/installation_file/"})
		assert.Contains(t, meta.Endpoints, map[string]string{"method": "GET", "url": "/api/v4/.well-known"})
		for _, e := range meta.Endpoints {
			assert.True(t, strings.HasPrefix(e["url"], "/api/v4/"), "License API routes only: %v", e)
		}
	}
}
