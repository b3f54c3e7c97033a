package spec_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock"
	"github.com/lsmock/lsmock/internal/spec"
)

func TestLoadDefaultSpec(t *testing.T) {
	t.Parallel()
	s, err := spec.Load(lsmock.DefaultSpecName, lsmock.DefaultSpec())
	require.NoError(t, err)
	ids := make([]string, len(s.Operations))
	for i, op := range s.Operations {
		ids[i] = op.ID
	}
	assert.Equal(t, []string{"activateLicense", "checkLicense", "deactivateLicense", "activateBundle", "checkBundle", "deactivateBundle", "activateOffline", "deactivateOffline", "trialKey", "productDetails",
		"addConsumption", "addFeatureConsumption", "checkLicenseFeature", "floatingBorrow", "floatingRelease",
		"floatingFeatureBorrow", "floatingFeatureRelease", "userLicenses", "customerLicenseUsers", "ssoUrl", "oauthUrl",
		"trackDeviceVariables", "getDeviceVariables", "versions", "installationFile", "wellKnown", "changePassword"}, ids)
	op := s.Operation("changePassword")

	assert.Equal(t, "changePassword", op.ID)
	assert.Equal(t, "POST", op.Method)
	assert.Equal(t, "/api/v4/change_password", op.Path)
	assert.Equal(t, []string{"Date", "Authorization"}, op.RequiredHeaders)
	assert.False(t, op.NeedsParamValidation, "plain string headers need no library parameter check")
	require.NotNil(t, op.Body)
	assert.True(t, op.Body.Required)
	assert.Equal(t, []string{"username", "password", "new_password"}, op.Body.RequiredFields)
	assert.Equal(t, spec.Response{Status: 200, ContentType: "application/json; charset=utf-8", Body: []byte(`"password_changed"`)}, op.Success)
	assert.Equal(t, []int{200, 400, 404, 405, 500}, op.Statuses)
	assert.InDelta(t, 3.1, s.Version, 0.001)

	// Every 400 code the reference lists for this endpoint is documented with its message.
	for code, msg := range map[string]string{
		"change_password_not_allowed":   "Change password not allowed for the company",
		"missing_headers":               "Some headers are missing",
		"missing_parameters":            "Some parameters are missing in the request: new_password.",
		"invalid_json":                  "",
		"validation_error":              "",
		"date_header_diff":              "",
		"authorization_invalid_headers": "invalid headers value in authorization",
		"authorization_missing_params":  "",
		"hmac_required":                 "hmac is required algorithm",
		"signature_mismatch":            "signature mismatch",
		"invalid_api_key":               "provided api key is not valid",
		"revoked_api_key":               "",
		"read_only_api_key":             "",
	} {
		e, ok := s.ErrorFor(op, code)
		if assert.True(t, ok, "no example for %s", code) {
			assert.Equal(t, 400, e.Status, code)
			if msg != "" {
				assert.Equal(t, msg, e.Message, code)
			}
		}
	}
	assert.Contains(t, s.General, "missing_headers", "the general errors are the components' examples")
	assert.Contains(t, s.General, "internal_error")
	assert.NotContains(t, s.General, "change_password_not_allowed", "an operation's own error is not general")
	assert.Equal(t, "change_password", op.Behavior)
	assert.False(t, op.Signed, "change_password's answer is not signed")
	check := s.Operation("checkLicense")
	assert.True(t, check.Signed, "check_license's success declares LicenseSignature")
	assert.Equal(t, []string{"hardware_id", "product"}, check.RequiredQuery)
	nf, ok := s.ErrorFor(nil, "not_found")
	require.True(t, ok)
	assert.Equal(t, 404, nf.Status)
}

func TestFind(t *testing.T) {
	t.Parallel()
	s, err := spec.LoadFile("../../testdata/specs/widgets.yaml")
	require.NoError(t, err)
	cases := []struct {
		method, path string
		wantOp       string
		wantAllowed  []string
	}{
		{"POST", "/v1/shops/acme/widgets", "createWidget", nil},
		{"GET", "/v1/ping", "ping", nil},
		{"GET", "/v1/ping/", "ping", nil},
		{"DELETE", "/v1/ping", "", []string{"GET"}},
		{"GET", "/v1/shops/acme/widgets", "", []string{"POST"}},
		{"POST", "/v1/shops//widgets", "", nil},
		{"POST", "/v1/shops/acme/widgets/extra", "", nil},
		{"GET", "/", "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			t.Parallel()
			op, allowed := s.Find(tc.method, tc.path)
			if tc.wantOp == "" {
				assert.Nil(t, op)
				assert.Equal(t, tc.wantAllowed, allowed)
				return
			}
			require.NotNil(t, op)
			assert.Equal(t, tc.wantOp, op.ID)
		})
	}
	assert.Equal(t, "createWidget", s.Operation("POST /v1/shops/{shop}/widgets").ID)
	assert.Equal(t, "ping", s.Operation("ping").ID)
	assert.Nil(t, s.Operation("nope"))
}

// TestLoadErrors: a broken document names the file, the line and the problem.
func TestLoadErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		file string
		want []string
	}{
		{"testdata/bad-yaml.yaml", []string{"testdata/bad-yaml.yaml:9:", "did not find expected ',' or '}'"}},
		{"testdata/bad-ref.yaml", []string{"testdata/bad-ref.yaml:13:", "#/components/schemas/Nope", "cannot be found"}},
		{"testdata/bad-schema.yaml", []string{"testdata/bad-schema.yaml:9:", "missing property 'description'", `testdata/bad-schema.yaml:10:23: unknown key "descriptio" is not allowed here`}},
		{"testdata/not-openapi.yaml", []string{"testdata/not-openapi.yaml", "not an OpenAPI document"}},
		{"testdata/no-paths.yaml", []string{"testdata/no-paths.yaml:1:1: missing property 'paths'"}},
		{"testdata/bad-operation-id.yaml", []string{"testdata/bad-operation-id.yaml:7:", `operationId "../../escape" holds a path separator`}},
		{"testdata/does-not-exist.yaml", []string{"testdata/does-not-exist.yaml", "no such file"}},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			_, err := spec.LoadFile(tc.file)
			require.Error(t, err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

// LoadTrusted skips the meta-schema check only: the embedded spec loads the same either way,
// and a document that breaks the meta-schema is what Load refuses and LoadTrusted is never given.
func TestLoadCheckedSkipsOnlyTheMetaSchema(t *testing.T) {
	t.Parallel()
	full, err := spec.Load(lsmock.DefaultSpecName, lsmock.DefaultSpec())
	require.NoError(t, err, "the embedded spec passes the meta-schema, which is what makes LoadTrusted safe for it")
	quick, err := spec.LoadTrusted(lsmock.DefaultSpecName, lsmock.DefaultSpec())
	require.NoError(t, err)
	assert.Equal(t, full.Operations[0].RequiredHeaders, quick.Operations[0].RequiredHeaders)
	assert.Equal(t, full.Operations[0].Success, quick.Operations[0].Success)
	assert.Equal(t, full.Errors, quick.Errors)

	bad, err := os.ReadFile("testdata/bad-schema.yaml")
	require.NoError(t, err)
	_, err = spec.Load("bad-schema.yaml", bad)
	assert.Error(t, err)
}

// Files lists what a reload of the spec reads: the spec and the files its $refs reach.
func TestFilesFollowsReferences(t *testing.T) {
	t.Parallel()
	got := spec.Files("testdata/refs/api.yaml")
	assert.Equal(t, []string{
		filepath.Join("testdata", "refs", "api.yaml"),
		filepath.Join("testdata", "refs", "responses.yaml"),
		filepath.Join("testdata", "refs", "schemas", "pong.yaml"),
	}, got)
	s, err := spec.LoadFile("testdata/refs/api.yaml")
	require.NoError(t, err, "the fixture is a spec lsmock serves")
	assert.Equal(t, `"pong"`, string(s.Operations[0].Success.Body))
}

// TestEncodedBody: an offline operation's text/plain body of base64 JSON is described by its
// contentSchema, and its example is the wire text itself.
func TestEncodedBody(t *testing.T) {
	t.Parallel()
	s, err := spec.Load(lsmock.DefaultSpecName, lsmock.DefaultSpec())
	require.NoError(t, err)
	op := s.Operation("activateOffline")
	require.NotNil(t, op)
	require.NotNil(t, op.Body)
	assert.Equal(t, "text/plain", op.Body.MediaType)
	assert.Equal(t, "base64", op.Body.Encoding)
	assert.True(t, op.Body.Required)
	assert.Contains(t, op.Body.Schema().Description, "offline request file holds")
	assert.Regexp(t, `^[A-Za-z0-9+/]+=*$`, string(op.Body.Example), "the example is base64 text, not a JSON string")
	assert.Empty(t, s.Operation("activateLicense").Body.Encoding)
}
