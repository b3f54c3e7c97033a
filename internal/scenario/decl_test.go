package scenario_test

import (
	"os"
	"path"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/license"
	"github.com/lsmock/lsmock/internal/scenario"
)

// loadDecl loads files of testdata/decl together, as one scenario folder.
func loadDecl(t *testing.T, names ...string) (*license.Catalog, error) {
	t.Helper()
	fsys := fstest.MapFS{}
	for _, n := range names {
		data, err := os.ReadFile(path.Join("testdata", "decl", n+".yaml"))
		require.NoError(t, err)
		fsys[n+".yaml"] = &fstest.MapFile{Data: data}
	}
	set, err := scenario.Load(fsys, "", defaultSpec(t))
	if err != nil {
		return nil, err
	}
	return set.Catalog, nil
}

// TestDeclarationErrors: every problem of the products:, licenses: and users: of a folder,
// at its file:line:col. A wanted line ending in "..." is the start of the message.
func TestDeclarationErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		also []string // other files of the folder
		want []string
	}{
		{"customer", nil, []string{
			"customer.yaml:4:71: unknown key \"company\" in customer (allowed: address, city, company_name, country, email, first_name, last_name, metadata, phone, postcode, reference, state)",
		}},
		{"error-codes-not-a-mapping", nil, []string{
			"error-codes-not-a-mapping.yaml:1:14: error_codes must map conditions to error codes, e.g. {wrong_password: invalid_credentials}",
		}},
		{"error-codes", nil, []string{
			"error-codes.yaml:2:3: unknown condition \"wrong_pasword\" in error_codes (known: wrong_password, ...",
			"error-codes.yaml:5:23: wrong_password_error: the code for wrong_password is already chosen at error-codes.yaml:4 (error_codes.wrong_password)",
			"error-codes.yaml:3:28: error_codes.not_enough_consumptions \"out_of_credits\": the spec documents no such error code",
		}},
		{"features", nil, []string{
			"features.yaml:7:9: a feature needs a code",
			"features.yaml:8:33: feature_type must be one of activation, consumption, not \"floating\"",
			"features.yaml:9:19: unknown key \"max_consumptions\" in a feature (did you mean \"max_consumption\"?)",
			"features.yaml:12:23: product_features must be a list of features",
		}},
		{"license-duration-zero", nil, []string{
			"license-duration-zero.yaml:4:54: valid_duration must be a count and a unit, such as 30d, 12h, 2w, 6m or 1y, not \"0d\"",
		}},
		{"license-key-and-username", nil, []string{
			"license-key-and-username.yaml:4:5: a license needs either a license_key or, for a user-based product, a username",
		}},
		{"license-key-of-user-product", nil, []string{
			"license-key-of-user-product.yaml:4:5: product \"app\" is user-based: give the license a username, not a license_key",
		}},
		{"license-twice", nil, []string{
			"license-twice.yaml:8:19: license K-1 is already declared at license-twice.yaml:7",
			"license-twice.yaml:10:16: license user:ann@example.com/users is already declared at license-twice.yaml:9",
		}},
		{"license-unknown-product", nil, []string{
			"license-unknown-product.yaml:4:33: unknown product \"ap\": declare it under products: (known: app)",
		}},
		{"license-unknown-user", nil, []string{
			"license-unknown-user.yaml:4:16: unknown user \"ann@example.com\": declare it under users: with a password",
		}},
		{"license-user-of-key-product", nil, []string{
			"license-user-of-key-product.yaml:6:16: product \"app\" is activated by license key; give the license a license_key, or the product authorization_method: user",
		}},
		{"license-validity-and-duration", nil, []string{
			"license-validity-and-duration.yaml:4:67: a license has either a validity_period (a date) or a valid_duration (from its first activation), not both",
		}},
		{"license-values", nil, []string{
			"license-values.yaml:6:22: validity_period must be a date such as 2027-01-31 or 2027-01-31T12:00:00Z, not \"tomorrow\"",
			"license-values.yaml:7:17: start_date must be a date such as 2027-01-31 or 2027-01-31T12:00:00Z",
			"license-values.yaml:8:21: valid_duration must be a count and a unit, such as 30d, 12h, 2w, 6m or 1y, not \"30x\"",
			"license-values.yaml:9:19: license_type must be one of perpetual, time-limited, subscription, consumption, not \"lifetime\"",
			"license-values.yaml:10:22: max_activations must be a whole number",
			"license-values.yaml:11:22: license_enabled must be true or false",
			"license-values.yaml:12:9: id must be a whole number from 1 to 2^53-1 (JavaScript reads larger ones wrongly)",
			"license-values.yaml:8:5: a license has either a validity_period (a date) or a valid_duration (from its first activation), not both",
		}},
		{"license-without-key", nil, []string{
			"license-without-key.yaml:4:5: a license needs either a license_key or, for a user-based product, a username",
		}},
		{"license-without-product", nil, []string{
			"license-without-product.yaml:2:5: a license needs a product (a product's short_code)",
		}},
		{"product-ids", nil, []string{
			"product-ids.yaml:2:33: product_id must be a whole number from 1 to 2^53-1 (JavaScript reads larger ones wrongly)",
			"product-ids.yaml:3:33: product_id must be a whole number from 1 to 2^53-1 (JavaScript reads larger ones wrongly)",
		}},
		{"product-twice", nil, []string{
			"product-twice.yaml:3:18: product \"app\" is already declared at product-twice.yaml:2",
		}},
		{"product-unknown-key", nil, []string{
			"product-unknown-key.yaml:2:23: unknown key \"trial_day\" in a product (did you mean \"trial_days\"?)",
		}},
		{"product-values", nil, []string{
			"product-values.yaml:3:17: trial_days must not be negative",
			"product-values.yaml:4:27: authorization_method must be one of license-key, user, not \"oauth\"",
			"product-values.yaml:5:18: allow_trial must be true or false",
			"product-values.yaml:6:15: metadata must be a mapping",
			"product-values.yaml:7:30: custom_fields edition must be a plain value",
			"product-values.yaml:8:25: trial_license_type must be one of perpetual, time-limited, subscription, consumption, not \"lifetime\"",
		}},
		{"product-without-code", nil, []string{
			"product-without-code.yaml:2:5: a product needs a short_code: the product code the SDKs send",
		}},
		{"products-not-list", nil, []string{
			"products-not-list.yaml:1:11: products must be a list of products",
		}},
		{"unknown-users", nil, []string{
			"unknown-users.yaml:1:16: unknown_users takes accept or refuse, not \"sometimes\"",
		}},
		{"users-not-list", nil, []string{
			"users-not-list.yaml:1:8: users must be a list of {username, password, change_allowed}",
		}},
		{"users", nil, []string{
			"users.yaml:2:5: a user needs a username",
			"users.yaml:3:5: user \"ann@example.com\" needs a password",
			"users.yaml:5:16: user \"bob@example.com\" is already declared at users.yaml:4",
			"users.yaml:6:62: change_allowed must be true or false",
		}},
		{"unknown-users-a", []string{"unknown-users-b"}, []string{
			"unknown-users-b.yaml:1:16: unknown_users is already set at unknown-users-a.yaml:1",
		}},
		{"customer-accounts", nil, []string{
			"customer-accounts.yaml:5:5: a customer account needs a code: the customer_account_code the SDKs send",
			"customer-accounts.yaml:7:5: a customer account needs users: the usernames, declared under users:, who log in by single sign-on",
			"customer-accounts.yaml:8:26: users must be a list of usernames declared under users:",
			"customer-accounts.yaml:9:46: unknown key \"colour\" in a customer account (allowed: code, id, name, users)",
			"customer-accounts.yaml:6:44: unknown user \"nobody@example.com\": declare it under users:",
		}},
		{"customer-accounts-catalog", nil, []string{
			"customer-accounts-catalog.yaml:6:12: customer account \"acme\" is already declared at customer-accounts-catalog.yaml:5",
			"customer-accounts-catalog.yaml:7:45: user \"ann@acme.example\" is already a user of customer account \"acme\" (customer-accounts-catalog.yaml:5): a user belongs to one account",
		}},
		{"product-in-another-file", nil, []string{
			"product-in-another-file.yaml:2:33: unknown product \"app\": declare it under products: (known: none)",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := loadDecl(t, append([]string{tc.name}, tc.also...)...)
			require.Error(t, err)
			got := strings.Split(err.Error(), "\n")
			require.Len(t, got, len(tc.want), "%s", err)
			for i, want := range tc.want {
				if prefix, ok := strings.CutSuffix(want, "..."); ok {
					assert.True(t, strings.HasPrefix(got[i], prefix), "%q starts with %q", got[i], prefix)
					continue
				}
				assert.Equal(t, want, got[i])
			}
		})
	}
}

// TestCustomerAccounts: a customer account's users are declared users, and their licenses
// name the account.
func TestCustomerAccounts(t *testing.T) {
	t.Parallel()
	cat, err := loadDecl(t, "customer-accounts-valid")
	require.NoError(t, err)
	a := cat.Account("acme")
	require.NotNil(t, a)
	assert.Equal(t, int64(42), a.ID)
	assert.Equal(t, "Acme Corp", a.Name)
	require.Len(t, a.Users, 1)
	assert.Same(t, cat.User("ann@acme.example"), a.Users[0])
	assert.Same(t, a, cat.AccountOf(a.Users[0]))
	assert.Same(t, a, cat.Licenses[0].Customer.Account)
}

// TestDeclarationsAcrossFiles: a license may name a product another file declares.
func TestDeclarationsAcrossFiles(t *testing.T) {
	t.Parallel()
	cat, err := loadDecl(t, "product-in-another-file", "product-declared-here")
	require.NoError(t, err)
	require.Len(t, cat.Licenses, 1)
	assert.Same(t, cat.Product("app"), cat.ByKey("K-1").Product)
	assert.Equal(t, "product-in-another-file.yaml:2", cat.ByKey("K-1").Source)
	assert.False(t, cat.Empty())
}
