package license_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/license"
)

// TestNewCatalog: the catalog refuses a license it could not answer for, each with why; the
// loader places them in their files (internal/scenario's TestDeclarationErrors).
func TestNewCatalog(t *testing.T) {
	t.Parallel()
	keyed := &license.Product{Code: "app", AuthorizationMethod: license.MethodKey}
	byUser := &license.Product{Code: "users", AuthorizationMethod: license.MethodUser, TrialDays: 14}
	ann := &license.User{Username: "ann@example.com"}
	for _, tc := range []struct {
		name  string
		lic   *license.License
		field string
		msg   string
	}{
		{"no product", &license.License{Key: "K-2"}, "product", "a license needs a product"},
		{"user of a key product", &license.License{User: ann, Product: keyed}, "username",
			`product "app" is activated by license key; give the license a license_key, or the product authorization_method: user`},
		{"key of a user product", &license.License{Key: "K-3", Product: byUser}, "", `product "users" is user-based: give the license a username, not a license_key`},
		{"twice", &license.License{Key: "K-1", Product: keyed, Source: "b.yaml:2"}, "license_key", "license K-1 is already declared at a.yaml:1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			first := &license.License{Key: "K-1", Product: keyed, Source: "a.yaml:1"}
			_, err := license.NewCatalog(license.Declarations{Products: []*license.Product{keyed, byUser}, Licenses: []*license.License{first, tc.lic}, Users: []*license.User{ann}})
			var refused license.Refusals
			require.ErrorAs(t, err, &refused)
			require.Len(t, refused, 1)
			assert.Same(t, tc.lic, refused[0].License)
			assert.Equal(t, tc.field, refused[0].Field)
			assert.Equal(t, tc.msg, refused[0].Msg)
			assert.Equal(t, tc.lic.Source+": "+tc.msg, err.Error())
		})
	}

	trial := &license.License{User: ann, Product: byUser, Trial: true}
	c, err := license.NewCatalog(license.Declarations{Products: []*license.Product{keyed, byUser}, Licenses: []*license.License{trial}, Users: []*license.User{ann}, AcceptUnknownUsers: true})
	require.NoError(t, err)
	assert.Equal(t, 14, trial.TrialDays, "a trial license takes its product's trial days")
	assert.Equal(t, license.StableID("license", trial.Ref()), trial.ID)
	assert.Same(t, trial, c.ForUser(ann, byUser))
	assert.Same(t, ann, c.User("ann@example.com"))
	assert.Equal(t, "invalid_credentials", c.Code(license.CondWrongPassword))
	assert.True(t, c.AcceptUnknownUsers)
}
