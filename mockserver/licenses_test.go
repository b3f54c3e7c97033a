package mockserver_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/mockserver"
)

const declaredPath = "/__lsmock/sessions/%s/licenses"

// adminStatus sends a bodiless admin request from loopback: its status.
func adminStatus(srv http.Handler, method, target string) int {
	r := httptest.NewRequest(method, target, nil)
	r.RemoteAddr, r.Host = "127.0.0.1:50000", "127.0.0.1:8080"
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, r)
	return w.Code
}

// TestCreateLicenseOverHTTP: a license made through the admin API answers its session's
// requests, is listed without secrets, and goes with DELETE and with the session's reset.
func TestCreateLicenseOverHTTP(t *testing.T) {
	t.Parallel()
	srv := embedded(t)
	base := fmt.Sprintf(declaredPath, "rt-job")
	status, made := adminCall(t, srv, http.MethodPost, base, `{"license": {"product": "demo", "license_type": "time-limited", "valid_duration": "30d"}}`)
	require.Equal(t, http.StatusCreated, status, made)
	key, _ := made["license_key"].(string)
	require.NotEmpty(t, key)
	assert.Equal(t, map[string]any{"kind": "license", "ref": key, "product": "demo", "license_key": key}, made)

	activate := `{"license_key": "` + key + `", "hardware_id": "hw-1", "product": "demo"}`
	assert.Equal(t, 200, licenseCall(srv, "rt-job", http.MethodPost, "/api/v4/activate_license", activate).Code)
	other := licenseCall(srv, "other-job", http.MethodPost, "/api/v4/activate_license", activate)
	assert.Equal(t, 400, other.Code)
	assert.Contains(t, other.Body.String(), `"code":"license_not_found"`, "another session never sees it")

	status, user := adminCall(t, srv, http.MethodPost, base, `{"user": {"username": "ann@example.com"}}`)
	require.Equal(t, http.StatusCreated, status)
	password, _ := user["password"].(string)
	assert.NotEmpty(t, password, "the creation answer holds the generated password")

	_, listed := adminCall(t, srv, http.MethodGet, base, "")
	declared, _ := listed["declared"].([]any)
	require.Len(t, declared, 2)
	assert.NotContains(t, fmt.Sprint(listed), password, "the listing never shows a password")

	assert.Equal(t, http.StatusNoContent, adminStatus(srv, http.MethodDelete, base+"/"+key))
	assert.Contains(t, licenseCall(srv, "rt-job", http.MethodPost, "/api/v4/activate_license", activate).Body.String(), `"code":"license_not_found"`)
	status, gone := adminCall(t, srv, http.MethodDelete, base+"/"+key, "")
	assert.Equal(t, http.StatusNotFound, status)
	assert.Equal(t, "not_found", gone["code"])

	status, _ = adminCall(t, srv, http.MethodPost, "/__lsmock/reset?session=rt-job", "")
	require.Equal(t, http.StatusOK, status)
	_, listed = adminCall(t, srv, http.MethodGet, base, "")
	assert.Empty(t, listed["declared"], "a reset takes the session's declarations")
}

// TestCreateLicenseRefusals: every refusal is in the API's error shape, a malformed
// declaration with the path of its field; hostile bodies never panic.
func TestCreateLicenseRefusals(t *testing.T) {
	t.Parallel()
	srv := embedded(t)
	deep := strings.Repeat("[", 10_000) + strings.Repeat("]", 10_000)
	for _, tc := range []struct {
		name, body string
		status     int
		code       string
		field      string
	}{
		{"a negative count", `{"license": {"product": "demo", "max_activations": -1}}`, 400, "invalid_declaration", "license.max_activations"},
		{"an unknown key", `{"license": {"product": "demo", "max_activation": 2}}`, 400, "invalid_declaration", "license.max_activation"},
		{"the files' key", `{"license": {"product": "demo", "license_key": "DEMO-PERP-0000-0001"}}`, 400, "invalid_declaration", "license.license_key"},
		{"not JSON", `{"license": `, 400, "invalid_declaration", ""},
		{"deeply nested", deep, 400, "invalid_declaration", ""},
		{"an alias bomb", "{a: &a [x, x, x, x, x, x, x, x, x], b: &b [*a, *a, *a, *a, *a, *a, *a, *a], c: &c [*b, *b, *b, *b, *b, *b, *b, *b],\nlicense: {product: demo, metadata: {m: [*c, *c, *c, *c, *c, *c, *c, *c, *c]}}}",
			400, "invalid_declaration", "a"},
		{"too large", `{"product": {"short_code": "` + strings.Repeat("x", 70<<10) + `"}}`, 413, "body_too_large", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			status, got := adminCall(t, srv, http.MethodPost, fmt.Sprintf(declaredPath, "refusals"), tc.body)
			assert.Equal(t, tc.status, status, got)
			assert.Equal(t, tc.code, got["code"])
			assert.Equal(t, float64(tc.status), got["status"])
			assert.NotEmpty(t, got["message"])
			if tc.status == 400 {
				errs, _ := got["errors"].([]any)
				require.NotEmpty(t, errs)
				first, _ := errs[0].(map[string]any)
				assert.Equal(t, tc.field, first["field"], got["message"])
			}
		})
	}
}

// TestDeclarationsLimits: a session holds at most 100 declarations; what another names
// cannot be deleted first; a session's declarations never reach another's.
func TestDeclarationsLimits(t *testing.T) {
	t.Parallel()
	srv := embedded(t)
	for i := range 100 {
		_, err := srv.CreateLicense("full", []byte(fmt.Sprintf(`{"product": {"short_code": "p%d"}}`, i)))
		require.NoError(t, err)
	}
	status, got := adminCall(t, srv, http.MethodPost, fmt.Sprintf(declaredPath, "full"), `{"product": {"short_code": "p100"}}`)
	assert.Equal(t, http.StatusConflict, status)
	assert.Equal(t, "declarations_full", got["code"])
	_, err := srv.CreateLicense("another", []byte(`{"product": {"short_code": "p100"}}`))
	assert.NoError(t, err, "the limit is per session")

	_, err = srv.CreateLicense("full", []byte(`{"license": {"product": "p0", "license_key": "P0-1"}}`))
	assert.ErrorIs(t, err, mockserver.ErrDeclarationsFull)
	require.NoError(t, srv.DeleteLicense("full", "product:p99"))
	_, err = srv.CreateLicense("full", []byte(`{"license": {"product": "p0", "license_key": "P0-1"}}`))
	require.NoError(t, err)
	status, got = adminCall(t, srv, http.MethodDelete, fmt.Sprintf(declaredPath, "full")+"/product:p0", "")
	assert.Equal(t, http.StatusConflict, status)
	assert.Equal(t, "in_use", got["code"])

	_, err = srv.CreateLicense("another", []byte(`{"license": {"product": "p100", "max_activations": "two"}}`))
	var de *mockserver.DeclarationError
	require.True(t, errors.As(err, &de), "%v", err)
	assert.Equal(t, "license.max_activations", de.Errors[0].Field)

	assert.Equal(t, http.StatusNoContent, adminStatus(srv, http.MethodDelete, fmt.Sprintf(declaredPath, "full")))
	_, listed := adminCall(t, srv, http.MethodGet, fmt.Sprintf(declaredPath, "full"), "")
	assert.Empty(t, listed["declared"])
	assert.NoError(t, srv.DeleteLicense("never-seen", ""), "deleting nothing is no error")
	assert.ErrorIs(t, srv.DeleteLicense("never-seen", "X"), mockserver.ErrNotDeclared)
}

// TestDeclaringIntoAnEmptyCatalog: with files that declare nothing, a request the engine
// cannot answer makes no session; a session that declares a product and a license at run
// time is answered from its state.
func TestDeclaringIntoAnEmptyCatalog(t *testing.T) {
	t.Parallel()
	srv, err := mockserver.New(mockserver.Config{Files: mockserver.Files{Scenarios: fstest.MapFS{}, ScenariosName: "empty"}})
	require.NoError(t, err)
	activate := `{"license_key": "EMPTY-1", "hardware_id": "hw-1", "product": "fresh"}`
	assert.Equal(t, 200, licenseCall(srv, "bystander", http.MethodPost, "/api/v4/activate_license", activate).Code, "the spec's own example")
	_, sessions := adminCall(t, srv, http.MethodGet, "/__lsmock/sessions", "")
	assert.NotContains(t, fmt.Sprint(sessions), "bystander", "no state, no session")

	_, err = srv.CreateLicense("declarer", []byte(`{"product": {"short_code": "fresh"}}`))
	require.NoError(t, err)
	_, err = srv.CreateLicense("declarer", []byte(`{"license": {"product": "fresh", "license_key": "EMPTY-1"}}`))
	require.NoError(t, err)
	w := licenseCall(srv, "declarer", http.MethodPost, "/api/v4/activate_license", activate)
	require.Equal(t, 200, w.Code, w.Body.String())
	assert.Contains(t, w.Body.String(), `"license_key":"EMPTY-1"`)
	assert.Contains(t, licenseCall(srv, "declarer", http.MethodPost, "/api/v4/activate_license",
		`{"license_key": "OTHER", "hardware_id": "hw-1", "product": "fresh"}`).Body.String(), `"code":"license_not_found"`)
}
