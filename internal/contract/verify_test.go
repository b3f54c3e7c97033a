package contract_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock"
	"github.com/lsmock/lsmock/internal/contract"
	"github.com/lsmock/lsmock/internal/scenario"
	"github.com/lsmock/lsmock/internal/spec"
	"github.com/lsmock/lsmock/mockserver"
)

func defaults(t *testing.T) (*spec.Spec, *scenario.Set, *contract.Oracle) {
	t.Helper()
	s, err := spec.Load(lsmock.DefaultSpecName, lsmock.DefaultSpec())
	require.NoError(t, err)
	set, err := scenario.Load(lsmock.DefaultScenarios(), "scenarios", s)
	require.NoError(t, err)
	c, err := contract.NewOracle(lsmock.DefaultSpec(), "")
	require.NoError(t, err)
	return s, set, c
}

func results(t *testing.T, handler http.Handler, keys contract.Keys) map[string]contract.Result {
	t.Helper()
	_, set, oracle := defaults(t)
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	v := &contract.Verifier{Target: srv.URL, Client: srv.Client(), Oracle: oracle, Keys: keys}
	out := map[string]contract.Result{}
	for _, r := range v.Run(context.Background(), set) {
		out[r.Operation+"/"+r.Scenario] = r
	}
	require.Len(t, out, 16, "the shipped verify: blocks")
	return out
}

// TestVerifyLsmockItself: lsmock honours its own contract, signing included when it knows
// the keys.
func TestVerifyLsmockItself(t *testing.T) {
	t.Parallel()
	h, err := mockserver.New(mockserver.Config{Auth: mockserver.Auth{Mode: "strict", Keys: []mockserver.Key{{APIKey: "k", SharedKey: "s"}}}})
	require.NoError(t, err)
	for name, r := range results(t, h, contract.Keys{APIKey: "k", SharedKey: "s"}) {
		assert.Empty(t, r.Skipped, name)
		assert.Empty(t, r.Problems, name)
	}
}

// drifting answers every request the same way.
func drifting(status int, contentType, body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	})
}

// TestVerifyReportsDrift: each way a server can break the contract is reported precisely.
func TestVerifyReportsDrift(t *testing.T) {
	t.Parallel()
	const jsonCT = "application/json; charset=utf-8"
	cases := []struct {
		name     string
		handler  http.Handler
		scenario string
		want     []string
	}{
		{"object instead of the string on 200", drifting(200, jsonCT, `{"message":"password_changed"}`), "success",
			[]string{"the answer breaks the spec", "response body doesn't match schema", "got object, want string"}},
		{"wrong error code", drifting(400, jsonCT, `{"status":400,"code":"bad_request","message":"no"}`), "missing_headers",
			[]string{`code "bad_request", want "missing_headers"`}},
		{"extra field in an error", drifting(400, jsonCT, `{"status":400,"code":"invalid_json","message":"m","trace":"x"}`), "invalid_json",
			[]string{"the answer breaks the spec", "additional properties 'trace' not allowed"}},
		{"HTML 500", drifting(500, "text/html", `<h1>Internal Server Error</h1>`), "validation_error",
			[]string{"status 500, want 400", "the answer breaks the spec"}},
		{"missing content type", drifting(200, "", `"password_changed"`), "success",
			[]string{"the answer breaks the spec"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := results(t, tc.handler, contract.Keys{})["changePassword/"+tc.scenario]
			require.NotEmpty(t, r.Problems)
			all := strings.Join(r.Problems, "; ")
			for _, w := range tc.want {
				assert.Contains(t, all, w)
			}
			assert.Equal(t, "changePassword", r.Operation)
		})
	}
}

// An answer to an unrouted request is held to components.schemas.ErrorResponse; a spec
// without components (or without that schema) is reported, not a panic.
func TestCheckUnroutedWithoutComponents(t *testing.T) {
	t.Parallel()
	c, err := contract.NewOracle(nil, "testdata/no-components.yaml")
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodGet, "/nope", nil)
	assert.ErrorContains(t, c.Judge(req, 404, http.Header{}, []byte(`{"status":404,"code":"not_found","message":"Not found"}`)),
		"components.schemas.ErrorResponse")
	assert.NoError(t, c.Judge(httptest.NewRequest(http.MethodGet, "/ping", nil), 200,
		http.Header{"Content-Type": {"application/json"}}, []byte(`"pong"`)))
}
