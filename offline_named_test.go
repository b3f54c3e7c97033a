package lsmock_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock"
	"github.com/lsmock/lsmock/mockserver"
)

// TestOfflineNamedScenario: a request file sent with a scenario named (header, query or
// pin) is read as the unnamed path reads it, the base64 decoded: a live step activates and
// deactivates the license, and the journal shows the decoded request file. Validation's
// refusals stay bypassed: a body that is no request file still gets the named scenario.
func TestOfflineNamedScenario(t *testing.T) {
	t.Parallel()
	srv := startDefault(t)
	o := newOracle(t, lsmock.DefaultSpec())
	byHeader := func(session, path, name, body string) reply {
		return postOfflineWith(t, srv, path, session, body, map[string]string{mockserver.HeaderScenario: name})
	}

	const scenario = "internal_error_then_success" // a 500, then the live answer
	naming := []struct {
		name string
		send func(t *testing.T, session, path, body string) reply
	}{
		{"header", func(t *testing.T, session, path, body string) reply {
			return byHeader(session, path, scenario, body)
		}},
		{"query", func(t *testing.T, session, path, body string) reply {
			return postOffline(t, srv, path+"?"+url.Values{mockserver.QueryScenario: {scenario}}.Encode(), session, body)
		}},
		{"session pin", func(t *testing.T, session, path, body string) reply {
			status, raw := admin(t, srv, http.MethodPut, "/__lsmock/sessions/"+session+"/scenario", `{"name":"`+scenario+`"}`)
			require.Equal(t, http.StatusOK, status, "%s", raw)
			return postOffline(t, srv, path, session, body)
		}},
	}
	for _, tc := range naming {
		t.Run("a live step activates and deactivates, named by "+tc.name, func(t *testing.T) {
			t.Parallel()
			session, hwid := "offline-named-"+tc.name, "hw-named-"+tc.name
			act := requestFile(t, offlineEnvelope("activation", hwid))
			require.Equal(t, http.StatusInternalServerError, tc.send(t, session, "/api/v4/activate_offline", act).status)
			r := tc.send(t, session, "/api/v4/activate_offline", act)
			o.check(t, r.req, r.status, r.header, r.body)
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			assertSigned(t, r, hwid, "DEMO-OFFL-0000-0009")
			assert.Equal(t, "activation", r.field("request"))

			deact := requestFile(t, offlineEnvelope("deactivation", hwid))
			require.Equal(t, http.StatusInternalServerError, tc.send(t, session, "/api/v4/deactivate_offline", deact).status)
			r = tc.send(t, session, "/api/v4/deactivate_offline", deact)
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			assert.Equal(t, `"license_deactivated"`, string(r.body))
		})
	}

	t.Run("the journal shows the request file decoded, as unnamed", func(t *testing.T) {
		t.Parallel()
		file := requestFile(t, offlineEnvelope("activation", "hw-journal"))
		unnamed := postOffline(t, srv, "/api/v4/activate_offline", "offline-journal-unnamed", file)
		require.Equal(t, http.StatusOK, unnamed.status, "%s", unnamed.body)
		r := byHeader("offline-journal-named", "/api/v4/activate_offline", "internal_error", file)
		require.Equal(t, http.StatusInternalServerError, r.status, "%s", r.body)

		want := lastJournalBody(t, srv, "offline-journal-unnamed")
		require.NotEmpty(t, want)
		assert.Equal(t, want, lastJournalBody(t, srv, "offline-journal-named"))
	})

	t.Run("a body that is no request file still gets the scenario", func(t *testing.T) {
		t.Parallel()
		for _, body := range []string{"", "%%% not base64 %%%", `{"request":{}}`} {
			r := byHeader("offline-named-invalid", "/api/v4/activate_offline", "internal_error", body)
			assert.Equal(t, http.StatusInternalServerError, r.status, "%q: %s", body, r.body)
			assert.Equal(t, "internal_error", r.code())
		}
	})
}

// lastJournalBody is the body the journal shows for the session's latest request.
func lastJournalBody(t *testing.T, srv *httptest.Server, session string) map[string]any {
	t.Helper()
	status, raw := admin(t, srv, http.MethodGet, "/__lsmock/requests?limit=1&session="+url.QueryEscape(session), "")
	require.Equal(t, http.StatusOK, status, "%s", raw)
	var j struct {
		Requests []struct {
			Body map[string]any `json:"body"`
		} `json:"requests"`
	}
	require.NoError(t, json.Unmarshal(raw, &j))
	require.Len(t, j.Requests, 1)
	return j.Requests[0].Body
}
