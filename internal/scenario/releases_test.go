package scenario_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReleaseErrors: every problem of a product's releases:, at its file:line:col: those
// of a value as the file is read, those of releases together (license.NewCatalog) after.
func TestReleaseErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		want []string
	}{
		{"releases-values", []string{
			"releases-values.yaml:4:9: a release needs a version, e.g. version: 1.0.0",
			"releases-values.yaml:5:40: release_date must be a date such as 2027-01-31 or 2027-01-31T12:00:00Z, not \"soon\"",
			"releases-values.yaml:6:26: unknown key \"sizes\" in a release (did you mean \"size\"?)",
			"releases-values.yaml:7:30: id must be a whole number from 1 to 2^53-1 (JavaScript reads larger ones wrongly)",
			"releases-values.yaml:9:15: releases must be a list of releases, e.g. {version: 1.0.0, release_date: 2026-01-15}",
		}},
		{"releases-conflicts", []string{
			"releases-conflicts.yaml:5:19: release 1.0.0 of product \"app\" (environment \"win64\", channel \"\") is already declared at releases-conflicts.yaml:4",
			"releases-conflicts.yaml:6:54: hash_md5 \"abc\" must be 32 hexadecimal digits",
			"releases-conflicts.yaml:7:44: requires_version \"0.9.0\": product \"app\" declares no release of that version",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := loadDecl(t, tc.name)
			require.Error(t, err)
			assert.Equal(t, tc.want, strings.Split(err.Error(), "\n"))
		})
	}
}

// TestReleases: a product's releases, oldest first, with what the file says.
func TestReleases(t *testing.T) {
	t.Parallel()
	cat, err := loadDecl(t, "releases-ok")
	require.NoError(t, err)
	rs := cat.Product("app").Releases
	require.Len(t, rs, 2)
	assert.Equal(t, "1.0.0", rs[0].Version, "oldest first")
	assert.Equal(t, int64(42), rs[0].ID)
	r := rs[1]
	assert.Equal(t, "1.1.0", r.Version)
	assert.Equal(t, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), r.ReleaseDate)
	assert.Equal(t, "win64", r.Environment)
	assert.Equal(t, "stable", r.Channel)
	assert.Equal(t, "https://downloads.example.com/app-1.1.0.zip", r.InstallationFile)
	assert.Equal(t, "9e107d9d372bb6826bd81d3542a419d6", r.HashMD5)
	assert.Equal(t, "48 MB", r.Size)
	assert.Equal(t, "https://example.com/eula", r.EulaLink)
	assert.Equal(t, "https://example.com/1.1.0", r.ReleaseNotesLink)
	assert.Equal(t, "1.0.0", r.RequiresVersion)
	assert.NotZero(t, r.ID, "an id derived from the release")
	assert.Equal(t, "releases-ok.yaml:4", r.Source)
}
