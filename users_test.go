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

// TestUserLicenses: the server hands user_licenses and customer_license_users to the engine
// and writes its signed answers, which show the session's activations; the journal keeps
// the query with the password redacted. What the engine lists is internal/license's tests'.
func TestUserLicenses(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	o := newOracle(t, lsmock.DefaultSpec())
	api := licenseAPI{t: t, srv: srv, session: "user-licenses"}
	checked := func(r reply) reply { o.check(t, r.req, r.status, r.header, r.body); return r }

	r := checked(api.call(http.MethodPost, "activate_license", map[string]any{"username": demoUser, "password": "demo-password", "product": "demo-users", "hardware_id": "hw-1"}))
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	r = checked(api.userLicenses(demoUser, "demo-password", nil))
	assertSigned(t, r, "", "")
	var got []map[string]any
	require.NoError(t, json.Unmarshal(r.body, &got), "%s", r.body)
	require.Len(t, got, 1)
	assert.Equal(t, float64(1), got[0]["user"].(map[string]any)["total_activations"], "the session's activation shows")

	users := checked(api.call(http.MethodGet, "customer_license_users", map[string]any{"product": "demo-users", "customer": "Customer@Example.com"}))
	assertSigned(t, users, "", "")
	var cu struct {
		Users []map[string]any `json:"users"`
	}
	require.NoError(t, json.Unmarshal(users.body, &cu))
	require.Len(t, cu.Users, 1)
	assert.Equal(t, demoUser, cu.Users[0]["email"])
	assert.Equal(t, float64(1), cu.Users[0]["total_activations"])

	// The journal shows the query string, with the password (and anything undeclared) redacted.
	api.userLicenses(demoUser, "demo-password", map[string]any{"stray": "demo-password"})
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
	assert.NotContains(t, string(journal), "demo-password")
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
