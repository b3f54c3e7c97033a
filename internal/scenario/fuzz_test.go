package scenario_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock"
	"github.com/lsmock/lsmock/internal/license"
	"github.com/lsmock/lsmock/internal/scenario"
)

// FuzzLoad: any scenario file loads or is refused with an error that names the file; the
// loader never panics. Seeds: the shipped scenarios and every golden case.
func FuzzLoad(f *testing.F) {
	s := defaultSpec(f)
	seeds, _ := filepath.Glob("testdata/load/*/*.yaml")
	shipped, _ := filepath.Glob("../../scenarios/*.yaml")
	seeds = append(seeds, shipped...)
	for _, p := range seeds {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("scenarios: [{name: a, operation: changePassword, response: {delay: {min: 2s, max: 1s}}}]"))
	f.Add([]byte("users: [{username: a, password: b}]\nscenarios: []"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := scenario.Load(fstest.MapFS{"fuzz.yaml": {Data: data}}, "scenarios", s)
		if err != nil && !strings.Contains(err.Error(), "fuzz.yaml") {
			t.Fatalf("the error does not name the file: %v", err)
		}
	})
}

// FuzzDeclareAtRunTime: whatever a test posts as a run-time declaration, against the shipped
// catalog, is taken (saying what it made) or refused with at least one problem, never a
// panic.
func FuzzDeclareAtRunTime(f *testing.F) {
	set, err := scenario.Load(lsmock.DefaultScenarios(), "scenarios", defaultSpec(f))
	require.NoError(f, err)
	for _, seed := range []string{
		`{"license": {"product": "demo", "license_type": "time-limited", "valid_duration": "30d"}}`,
		`{"license": {"product": "demo", "product_features": [{"code": "f", "feature_type": "consumption", "max_consumption": 3}]}}`,
		`{"product": {"short_code": "p", "allow_trial": true, "releases": [{"version": "1.0.0"}]}}`,
		`{"user": {"username": "u@example.com"}}`,
		`{"bundle": {"code": "b", "license_key": "B", "licenses": ["DEMO-PERP-0000-0001"]}}`,
		"license:\n  product: demo\n  max_activations: -1\n",
		`{"license": {"product": "demo", "license_key": "DEMO-PERP-0000-0001"}}`,
		`[`, ``, `{"license": null}`, `{"user": {"username": "a", "password": "b"}, "product": {}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		decls := []license.Declaration{{Body: body}}
		c, err := scenario.DeclareAtRunTime(set.Catalog, "fuzz", decls)
		if err == nil {
			require.NotNil(t, c)
			require.NotEmpty(t, decls[0].Made.Kind, "what was made is said")
			return
		}
		de, ok := scenario.AsDeclarationError(err)
		require.True(t, ok, "%v", err)
		require.NotEmpty(t, de.Problems)
	})
}
