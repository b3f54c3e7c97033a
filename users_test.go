package lsmock_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock"
	"github.com/lsmock/lsmock/mockserver"
)

const demoUser = "demo-user@example.com"

func (a licenseAPI) userLicenses(username, password string, extra map[string]any) reply {
	params := map[string]any{"username": username, "password": password}
	for k, v := range extra {
		params[k] = v
	}
	return a.call(http.MethodGet, "user_licenses", params)
}

// TestUserLicenses: user_licenses lists a user's licenses with the password the session's
// change_password set last; the list shows the session's activations; customer_license_users
// lists the users of a customer's licenses. Every answer honours the spec, every success is
// signed.
func TestUserLicenses(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	o := newOracle(t, lsmock.DefaultSpec())
	api := licenseAPI{t: t, srv: srv, session: "user-licenses"}
	checked := func(r reply) reply { o.check(t, r.req, r.status, r.header, r.body); return r }
	list := func(r reply) []map[string]any {
		t.Helper()
		assertSigned(t, r, "", "")
		var out []map[string]any
		require.NoError(t, json.Unmarshal(r.body, &out), "%s", r.body)
		return out
	}

	got := list(checked(api.userLicenses(demoUser, "demo-password", nil)))
	require.Len(t, got, 1)
	lic, user := got[0]["license"].(map[string]any), got[0]["user"].(map[string]any)
	assert.Equal(t, "demo-users", lic["product_details"].(map[string]any)["short_code"])
	assert.Equal(t, true, lic["license_active"])
	assert.Equal(t, demoUser, user["email"])
	assert.Equal(t, float64(0), user["total_activations"])

	r := checked(api.call(http.MethodPost, "activate_license", map[string]any{"username": demoUser, "password": "demo-password", "product": "demo-users", "hardware_id": "hw-1"}))
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	got = list(checked(api.userLicenses(demoUser, "demo-password", map[string]any{"product": "demo-users"})))
	require.Len(t, got, 1)
	assert.Equal(t, float64(1), got[0]["user"].(map[string]any)["total_activations"], "the session's activation shows")
	assert.Equal(t, float64(1), got[0]["license"].(map[string]any)["times_activated"])

	cases := []struct {
		name, username, password string
		extra                    map[string]any
		code                     string
	}{
		{"wrong password", demoUser, "wrong", nil, "invalid_credentials"},
		{"unknown user", "nobody@example.com", "demo-password", nil, "invalid_credentials"},
		{"no password", demoUser, "", nil, "missing_parameters"},
		{"unknown product", demoUser, "demo-password", map[string]any{"product": "nope"}, "unknown_product"},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.code, checked(api.userLicenses(tc.username, tc.password, tc.extra)).code(), tc.name)
	}
	got = list(checked(api.userLicenses(demoUser, "demo-password", map[string]any{"product": "demo"})))
	assert.Empty(t, got, "no license of that product: an empty list")

	// The user store is shared with change_password, per session.
	_, body := call(t, srv, cpPath, changePassword(demoUser, "demo-password", "new-password"), map[string]string{mockserver.HeaderSession: "user-licenses"})
	require.Equal(t, `"password_changed"`, string(body))
	assert.Equal(t, "invalid_credentials", checked(api.userLicenses(demoUser, "demo-password", nil)).code(), "the old password is refused")
	assert.Len(t, list(checked(api.userLicenses(demoUser, "new-password", nil))), 1)
	other := licenseAPI{t: t, srv: srv, session: "user-licenses-other"}
	assert.Len(t, list(checked(other.userLicenses(demoUser, "demo-password", nil))), 1, "another session keeps the declared password")

	users := checked(api.call(http.MethodGet, "customer_license_users", map[string]any{"product": "demo-users", "customer": "Customer@Example.com"}))
	assertSigned(t, users, "", "")
	var cu struct {
		Customer map[string]any   `json:"customer"`
		Users    []map[string]any `json:"users"`
	}
	require.NoError(t, json.Unmarshal(users.body, &cu))
	assert.Equal(t, "customer@example.com", cu.Customer["email"])
	require.Len(t, cu.Users, 1)
	assert.Equal(t, demoUser, cu.Users[0]["email"])
	assert.Equal(t, float64(1), cu.Users[0]["total_activations"])
	assert.Equal(t, "", cu.Users[0]["initial_password"], "a declared password is not an initial one")
	assert.Equal(t, "customer_not_found", checked(api.call(http.MethodGet, "customer_license_users", map[string]any{"product": "demo-users", "customer": "x@example.com"})).code())
	assert.Equal(t, "unknown_product", checked(api.call(http.MethodGet, "customer_license_users", map[string]any{"product": "nope", "customer": "customer@example.com"})).code())

	// The journal shows the query string, with the password (and anything undeclared) redacted.
	api.userLicenses(demoUser, "new-password", map[string]any{"stray": "new-password"})
	status, journal := admin(t, srv, http.MethodGet, "/__lsmock/requests?session=user-licenses&operation=userLicenses&limit=1", "")
	require.Equal(t, http.StatusOK, status)
	var entries struct {
		Requests []struct {
			Query map[string]any `json:"query"`
		} `json:"requests"`
	}
	require.NoError(t, json.Unmarshal(journal, &entries))
	require.Len(t, entries.Requests, 1)
	assert.Equal(t, map[string]any{"username": demoUser, "password": "[redacted]", "stray": "[redacted]"}, entries.Requests[0].Query)
	assert.NotContains(t, string(journal), "new-password")
}

// TestUserLicensesOfTrialUsers: a trial user logs in with the password trial_key gave it,
// which user_licenses shows as initial until the user changes it.
func TestUserLicensesOfTrialUsers(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	api := licenseAPI{t: t, srv: srv, session: "trial-user"}
	const email = "trial@example.com"
	r := api.call(http.MethodGet, "trial_key", map[string]any{"product": "demo-users", "hardware_id": "hw-1", "email": email})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	password, _ := r.field("initial_password").(string)
	require.NotEmpty(t, password)

	initial := func(pw string) any {
		r := api.userLicenses(email, pw, nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		var out []map[string]any
		require.NoError(t, json.Unmarshal(r.body, &out))
		require.Len(t, out, 1)
		return out[0]["user"].(map[string]any)["is_initial_password"]
	}
	assert.Equal(t, true, initial(password))
	_, body := call(t, srv, cpPath, changePassword(email, password, "chosen"), map[string]string{mockserver.HeaderSession: "trial-user"})
	require.Equal(t, `"password_changed"`, string(body))
	assert.Equal(t, false, initial("chosen"))
}

// TestParallelSessionsShareNothing: CI jobs sharing one lsmock, at once, each with its own
// session: each spends the whole of a consumption license, takes the floating license's one
// seat and sets the demo user's password, and none sees another's.
func TestParallelSessionsShareNothing(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	const sessions = 16
	var wg sync.WaitGroup
	for i := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("job-%d", i)
			api := licenseAPI{t: t, srv: srv, session: name}
			ok := func(r reply, what string) bool {
				return assert.Equal(t, http.StatusOK, r.status, "%s %s: %s", name, what, r.body)
			}
			if !ok(api.activate(consumptionKey, "hw"), "activate") {
				return
			}
			r := api.addConsumption(consumptionKey, "hw", 5)
			ok(r, "add_consumption")
			assert.Equal(t, float64(5), r.field("total_consumptions"), "%s spends its own 5", name)
			assert.Equal(t, "license_not_enough_consumptions", api.addConsumption(consumptionKey, "hw", 1).code())

			ok(api.activate(floatingKey, "hw"), "activate floating")
			ok(api.check(floatingKey, "hw"), "its own seat")

			password := "pw-" + name
			_, body := call(t, srv, cpPath, changePassword(demoUser, "demo-password", password), map[string]string{mockserver.HeaderSession: name})
			assert.Equal(t, `"password_changed"`, string(body), name)
			ok(api.userLicenses(demoUser, password, nil), "its own password")
			other := fmt.Sprintf("pw-job-%d", (i+1)%sessions)
			assert.Equal(t, "invalid_credentials", api.userLicenses(demoUser, other, nil).code(), "%s: another job's password", name)
		}()
	}
	wg.Wait()
	fresh := licenseAPI{t: t, srv: srv, session: "job-fresh"}
	assert.Equal(t, http.StatusOK, fresh.userLicenses(demoUser, "demo-password", nil).status, "a new session has the declared password")
}
