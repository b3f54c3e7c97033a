package validate_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock"
	"github.com/lsmock/lsmock/internal/spec"
	"github.com/lsmock/lsmock/internal/validate"
)

const canary = "CANARY-pw-7f3a9"

// check runs the two checks in the order the server does (the server checks signing between
// them): required headers, then the rest.
func check(v *validate.Validator, op *spec.Operation, r *http.Request, body []byte) (any, *validate.Rejection) {
	if rej := v.AdmitHeaders(op, r); rej != nil {
		return nil, rej
	}
	return v.AdmitBody(op, r, r.URL.Query(), body)
}

func load(t testing.TB, path string) (*spec.Spec, *validate.Validator) {
	t.Helper()
	var s *spec.Spec
	var err error
	if path == "" {
		s, err = spec.Load(lsmock.DefaultSpecName, lsmock.DefaultSpec())
	} else {
		s, err = spec.LoadFile(path)
	}
	require.NoError(t, err)
	v, err := validate.New(s)
	require.NoError(t, err)
	return s, v
}

// TestNoSubmittedValueInErrors: whatever rule a value breaks, neither the message nor the
// detail repeats it.
func TestNoSubmittedValueInErrors(t *testing.T) {
	t.Parallel()
	widgets, wv := load(t, "../../testdata/specs/widgets.yaml")
	lsSpec, lv := load(t, "")
	cases := []struct {
		name     string
		s        *spec.Spec
		v        *validate.Validator
		opID     string
		target   string
		headers  map[string]string
		body     string
		wantCode string
	}{
		{"password as number next to canary", lsSpec, lv, "changePassword", "/api/v4/change_password", nil,
			`{"username":"` + canary + `","password":1,"new_password":"` + canary + `"}`, validate.CodeValidationError},
		{"canary in an extra property", lsSpec, lv, "changePassword", "/api/v4/change_password", nil,
			`{"username":"u","password":"` + canary + `","new_password":"x","x":"` + canary + `"}`, validate.CodeValidationError},
		{"canary in broken JSON", lsSpec, lv, "changePassword", "/api/v4/change_password", nil,
			`{"username":"u","password":"` + canary + `",`, validate.CodeInvalidJSON},
		{"canary with a field missing", lsSpec, lv, "changePassword", "/api/v4/change_password", nil,
			`{"username":"u","password":"` + canary + `"}`, validate.CodeMissingParameters},
		{"pattern", widgets, wv, "createWidget", "/v1/shops/a/widgets", nil,
			`{"name":"n","size":1,"sku":"` + canary + `"}`, validate.CodeValidationError},
		{"enum", widgets, wv, "createWidget", "/v1/shops/a/widgets", nil,
			`{"name":"n","size":1,"color":"` + canary + `"}`, validate.CodeValidationError},
		{"minimum", widgets, wv, "createWidget", "/v1/shops/a/widgets", nil,
			`{"name":"n","size":-73919}`, validate.CodeValidationError},
		{"query parameter", widgets, wv, "createWidget", "/v1/shops/a/widgets?dry_run=" + canary, nil,
			`{"name":"n","size":1}`, validate.CodeValidationError},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			op := tc.s.Operation(tc.opID)
			require.NotNil(t, op)
			r := httptest.NewRequest(http.MethodPost, tc.target, nil)
			r.Header.Set("Date", "d")
			r.Header.Set("Authorization", "a")
			r.Header.Set("X-Tenant", "t")
			_, rej := check(tc.v, op, r, []byte(tc.body))
			require.NotNil(t, rej)
			assert.Equal(t, tc.wantCode, rej.Code)
			assert.NotEmpty(t, rej.Detail)
			for _, text := range []string{rej.Message, rej.Detail} {
				assert.NotContains(t, text, canary)
				assert.NotContains(t, text, "73919")
			}
		})
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	s, v := load(t, "../../testdata/specs/widgets.yaml")
	op := s.Operation("createWidget")
	cases := []struct {
		name, body  string
		tenant      bool
		wantCode    string
		wantStatus  int
		wantMessage string
		wantDetail  string
	}{
		{name: "valid", body: `{"name":"n","size":1,"sku":"ABC-1"}`, tenant: true},
		{name: "header first", body: `nope`, wantCode: "missing_headers", wantStatus: 400,
			wantMessage: "The X-Tenant header is required", wantDetail: "X-Tenant"},
		{name: "invalid json message from the spec", body: `nope`, tenant: true, wantCode: "invalid_json",
			wantStatus: 400, wantMessage: "Not JSON", wantDetail: "byte 2"},
		{name: "all missing", body: `{}`, tenant: true, wantCode: "missing_parameters", wantStatus: 400,
			wantMessage: "Some parameters are missing in the request: name, size."},
		{name: "several failures, all in the detail", body: `{"name":1,"size":"big","sku":"toolongtobeasku"}`,
			tenant: true, wantCode: "validation_error", wantStatus: 422, wantMessage: "name: must be string, got number",
			wantDetail: "size: must be integer, got string"},
		{name: "maxLength", body: `{"name":"n","size":1,"sku":"ABC-1234567890"}`, tenant: true,
			wantCode: "validation_error", wantStatus: 422, wantMessage: "sku: must be at most 12 characters long"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodPost, "/v1/shops/a/widgets", nil)
			if tc.tenant {
				r.Header.Set("X-Tenant", "t")
			}
			decoded, rej := check(v, op, r, []byte(tc.body))
			if tc.wantCode == "" {
				require.Nil(t, rej)
				assert.Equal(t, map[string]any{"name": "n", "size": float64(1), "sku": "ABC-1"}, decoded)
				return
			}
			require.NotNil(t, rej)
			assert.Equal(t, tc.wantCode, rej.Code)
			assert.Equal(t, tc.wantStatus, rej.Status)
			assert.Equal(t, tc.wantMessage, rej.Message)
			assert.Contains(t, rej.Detail, tc.wantDetail)
		})
	}
}

func TestBodyOptionalWhenSpecSaysSo(t *testing.T) {
	t.Parallel()
	s, v := load(t, "../../testdata/specs/widgets.yaml")
	op := s.Operation("ping")
	r := httptest.NewRequest(http.MethodGet, "/v1/ping", strings.NewReader(""))
	_, rej := check(v, op, r, nil)
	assert.Nil(t, rej)
}

// A validator that compiles each body schema at first use answers as one that compiled them
// all at start, also when the first requests of several operations come at once.
func TestDeferredAnswersAsNew(t *testing.T) {
	t.Parallel()
	s, eager := load(t, "")
	deferred := validate.NewDeferred(s)
	bodies := []string{
		`{"username":"u@example.com","password":"p","new_password":"n"}`,
		`{"username":"u@example.com","password":"p"}`,
		`{"username":"u@example.com","password":"p","new_password":5}`,
		`{"license_key":"K","product":"demo","hardware_id":"hw"}`,
		`{"license_key":7}`,
		`[]`,
		`{`,
	}
	type answer struct {
		decoded any
		rej     *validate.Rejection
	}
	ask := func(v *validate.Validator, op *spec.Operation, body string) answer {
		r := httptest.NewRequest(op.Method, op.Path, strings.NewReader(body))
		decoded, rej := v.AdmitBody(op, r, r.URL.Query(), []byte(body))
		return answer{decoded, rej}
	}
	var wg sync.WaitGroup
	for _, op := range s.Operations {
		if op.Body == nil {
			continue
		}
		wg.Go(func() {
			for _, body := range bodies {
				assert.Equal(t, ask(eager, op, body), ask(deferred, op, body), "%s %s", op.ID, body)
			}
		})
	}
	wg.Wait()
}

// A schema that does not compile: New says so at start (a user's spec); NewDeferred, for
// specs known to compile, answers the operation's requests with internal_error instead of
// panicking.
func TestSchemaThatDoesNotCompile(t *testing.T) {
	t.Parallel()
	s, err := spec.LoadFile("testdata/bad-pattern.yaml")
	require.NoError(t, err)
	_, err = validate.New(s)
	require.ErrorContains(t, err, "compile the request body schema of createThing")
	op := s.Operations[0]
	body := `{"name":"x"}`
	r := httptest.NewRequest(http.MethodPost, "/things", strings.NewReader(body))
	_, rej := validate.NewDeferred(s).AdmitBody(op, r, r.URL.Query(), []byte(body))
	require.NotNil(t, rej)
	assert.Equal(t, http.StatusInternalServerError, rej.Status)
	assert.Equal(t, "internal_error", rej.Code)
	assert.Contains(t, rej.Detail, "createThing")
}
