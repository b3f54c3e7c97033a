package lsmocktest_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/lsmocktest"
	"github.com/lsmock/lsmock/mockserver"
)

// TestRunTimeDeclarations: CreateLicense, Create and DeleteLicense, each part in its own
// sessions of one shared lsmock, in parallel.
func TestRunTimeDeclarations(t *testing.T) {
	t.Parallel()
	srv := lsmocktest.New(t)
	for name, part := range map[string]func(*testing.T, *lsmocktest.Server){
		"forms": formsTest, "kinds": kindsTest, "errors": errorsTest, "delete": deleteTest, "limit": limitTest,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			part(t, srv)
		})
	}
}

// formsTest: a license given as a map, a struct, YAML or JSON text is the same
// declaration, and each activates in its session.
func formsTest(t *testing.T, srv *lsmocktest.Server) {
	type decl struct {
		Product        string `json:"product"`
		MaxActivations int    `json:"max_activations"`
	}
	for _, tc := range []struct {
		name    string
		license any
	}{
		{"map", map[string]any{"product": "demo", "max_activations": 2}},
		{"struct", decl{Product: "demo", MaxActivations: 2}},
		{"yaml string", "product: demo\nmax_activations: 2\n"},
		{"json bytes", []byte(`{"product": "demo", "max_activations": 2}`)},
		{"json on lines", "\n{\n  \"product\": \"demo\",\n  \"max_activations\": 2\n}\n"},
		{"given key", map[string]any{"product": "demo", "license_key": "RT-GIVEN-0001"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := "forms-" + strings.ReplaceAll(tc.name, " ", "-")
			lic, err := srv.CreateLicense(s, tc.license)
			require.NoError(t, err)
			assert.Equal(t, "license", lic.Kind)
			assert.Equal(t, "demo", lic.Product)
			require.NotEmpty(t, lic.LicenseKey)
			assert.Equal(t, lic.LicenseKey, lic.Ref)
			status, body := licenseCall(t, srv, s, http.MethodPost, "activate_license", onDevice(lic.LicenseKey, "hw-1"))
			assert.Equal(t, 200, status, "%v", body)
		})
	}
}

// kindsTest: products and users made at run time, and a user's license of such a
// product; the generated password comes back once.
func kindsTest(t *testing.T, srv *lsmocktest.Server) {
	const s = "kinds"
	prod, err := srv.Create(s, `{"product": {"short_code": "rt-user-prod", "authorization_method": "user"}}`)
	require.NoError(t, err)
	assert.Equal(t, lsmocktest.Created{Kind: "product", Ref: "product:rt-user-prod", Product: "rt-user-prod"}, prod)

	user, err := srv.Create(s, "user:\n  username: ann@example.com\n")
	require.NoError(t, err)
	assert.Equal(t, "user", user.Kind)
	assert.Equal(t, "user:ann@example.com", user.Ref)
	assert.NotEmpty(t, user.Password, "generated")

	lic, err := srv.CreateLicense(s, map[string]any{"product": "rt-user-prod", "username": "ann@example.com"})
	require.NoError(t, err)
	assert.Equal(t, lsmocktest.Created{Kind: "license", Ref: "user:ann@example.com/rt-user-prod", Product: "rt-user-prod", Username: "ann@example.com"}, lic)
	status, body := licenseCall(t, srv, s, http.MethodPost, "activate_license",
		map[string]string{"username": "ann@example.com", "password": user.Password, "product": "rt-user-prod", "hardware_id": "hw-1"})
	assert.Equal(t, 200, status, "%v", body)

	addon, err := srv.CreateLicense(s, map[string]any{"product": "demo"})
	require.NoError(t, err)
	bundle, err := srv.Create(s, map[string]any{"bundle": map[string]any{"code": "rt-bundle", "license_key": "RT-SUITE-0001",
		"licenses": []any{addon.LicenseKey, map[string]any{"username": "ann@example.com", "product": "rt-user-prod"}}}})
	require.NoError(t, err)
	assert.Equal(t, lsmocktest.Created{Kind: "bundle", Ref: "bundle:rt-bundle", Bundle: "rt-bundle", LicenseKey: "RT-SUITE-0001"}, bundle)
	assert.ErrorIs(t, srv.DeleteLicense(s, addon.Ref), mockserver.ErrDeclarationInUse, "the bundle holds it")
	require.NoError(t, srv.DeleteLicense(s, bundle.Ref))
	assert.NoError(t, srv.DeleteLicense(s, addon.Ref))
}

// errorsTest: a refused declaration's error names every field path, with its place in
// the text given; errors.As gives the list.
func errorsTest(t *testing.T, srv *lsmocktest.Server) {
	jsonText := `{"product":"demo","max_activations":-1}`
	for _, tc := range []struct {
		name         string
		license      any
		field        string
		line, column int
	}{
		{"map", map[string]any{"product": "demo", "max_activations": -1}, "license.max_activations", 0, 0},
		{"yaml", "product: demo\nmax_activations: -1\n", "license.max_activations", 2, 18},
		{"json", jsonText, "license.max_activations", 1, strings.Index(jsonText, "-1") + 1},
		{"unknown product", map[string]any{"product": "no-such-product"}, "license.product", 0, 0},
		{"a key the files declare", map[string]any{"product": "demo", "license_key": "DEMO-PERP-0000-0001"}, "license.license_key", 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := srv.CreateLicense("errors-"+strings.ReplaceAll(tc.name, " ", "-"), tc.license)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.field)
			var de *mockserver.DeclarationError
			require.ErrorAs(t, err, &de)
			require.Len(t, de.Errors, 1, "%v", de.Errors)
			f := de.Errors[0]
			assert.Equal(t, tc.field, f.Field)
			assert.Equal(t, [2]int{tc.line, tc.column}, [2]int{f.Line, f.Column}, "the place in the text given")
			if tc.line > 0 {
				assert.Contains(t, err.Error(), fmt.Sprintf("%s (%d:%d): ", tc.field, tc.line, tc.column))
			}
		})
	}

	_, err := srv.CreateLicense("errors-two", "product: demo\nmax_activations: -1\nno_such_key: 1\n")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "license.max_activations")
	assert.Contains(t, err.Error(), "license.no_such_key")

	_, err = srv.Create("errors-kind", map[string]any{"widget": map[string]any{}})
	assert.Error(t, err, "not a kind of declaration")
}

// deleteTest: a deleted license is gone from its session with its devices; one that
// another declaration names is kept until that one goes; "" deletes all.
func deleteTest(t *testing.T, srv *lsmocktest.Server) {
	const s = "delete"
	lic, err := srv.CreateLicense(s, map[string]any{"product": "demo"})
	require.NoError(t, err)
	status, _ := licenseCall(t, srv, s, http.MethodPost, "activate_license", onDevice(lic.LicenseKey, "hw-1"))
	require.Equal(t, 200, status)
	require.NoError(t, srv.DeleteLicense(s, lic.Ref))
	_, body := licenseCall(t, srv, s, http.MethodGet, "check_license", onDevice(lic.LicenseKey, "hw-1"))
	assert.Equal(t, "license_not_found", body["code"])
	assert.ErrorIs(t, srv.DeleteLicense(s, lic.Ref), mockserver.ErrNotDeclared, "already gone")

	prod, err := srv.Create(s, map[string]any{"product": map[string]any{"short_code": "rt-del"}})
	require.NoError(t, err)
	named, err := srv.CreateLicense(s, map[string]any{"product": "rt-del"})
	require.NoError(t, err)
	assert.ErrorIs(t, srv.DeleteLicense(s, prod.Ref), mockserver.ErrDeclarationInUse, "a license names it")
	require.NoError(t, srv.DeleteLicense(s, ""))
	_, body = licenseCall(t, srv, s, http.MethodGet, "check_license", onProduct("rt-del", named.LicenseKey, "hw-1"))
	assert.Equal(t, "unknown_product", body["code"], "every declaration of the session is gone")
	assert.NoError(t, srv.DeleteLicense(s, ""), "none left is no error")
}

// limitTest: a session holds at most 100 run-time declarations (the documented
// limit); another session is not affected.
func limitTest(t *testing.T, srv *lsmocktest.Server) {
	for i := range 100 {
		_, err := srv.CreateLicense("full", map[string]any{"product": "demo"})
		require.NoError(t, err, "declaration %d", i)
	}
	_, err := srv.CreateLicense("full", map[string]any{"product": "demo"})
	assert.ErrorIs(t, err, mockserver.ErrDeclarationsFull)
	_, err = srv.CreateLicense("not-full", map[string]any{"product": "demo"})
	assert.NoError(t, err)
	srv.Reset("full")
	_, err = srv.CreateLicense("full", map[string]any{"product": "demo"})
	assert.NoError(t, err, "a reset session starts empty")
}
