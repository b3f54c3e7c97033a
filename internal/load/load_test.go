package load_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock"
	"github.com/lsmock/lsmock/internal/load"
)

// TestOracle: the contract's oracle reads the same spec the files serve, from a file, from
// memory or embedded, and says when kin-openapi cannot.
func TestOracle(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "openapi.yaml")
	require.NoError(t, os.WriteFile(file, lsmock.DefaultSpec(), 0o600))
	cases := []struct {
		name  string
		files load.Files
		want  string // the error, "" for none
	}{
		{"embedded", load.Files{}, ""},
		{"a file", load.Files{SpecPath: file}, ""},
		{"in memory", load.Files{SpecYAML: lsmock.DefaultSpec()}, ""},
		{"a missing file", load.Files{SpecPath: filepath.Join(t.TempDir(), "nope.yaml")}, "kin-openapi cannot load the spec"},
		{"broken YAML", load.Files{SpecYAML: []byte("openapi: 3.0.3\npaths: [\n")}, "kin-openapi cannot load the spec"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := tc.files.Oracle()
			if tc.want != "" {
				assert.ErrorContains(t, err, tc.want)
				return
			}
			require.NoError(t, err)
			assert.NotNil(t, c)
		})
	}
}
