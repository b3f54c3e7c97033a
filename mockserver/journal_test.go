package mockserver_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/mockserver"
)

// A request refused before its body was read says so in the journal, rather than
// "body_bytes": 0; one whose body was read gives its size, 0 for none.
func TestJournalBodyNotRead(t *testing.T) {
	t.Parallel()
	const body = `{"username":"u@example.com","password":"p","new_password":"n"}`
	unsigned := func() *http.Request {
		r := signedRequest(body)
		r.Header.Del("Authorization")
		return r
	}
	cases := []struct {
		name     string
		req      func() *http.Request
		wantBody any // the journal's body
		wantSize any // its body_bytes; nil: absent
	}{
		{"refused at the headers", unsigned, "[not read]", nil},
		{"read and answered", func() *http.Request { return signedRequest(body) },
			map[string]any{"username": "u@example.com", "password": "[redacted]", "new_password": "[redacted]"}, float64(len(body))},
		{"no body at all", func() *http.Request {
			return signedRequestTo(http.MethodGet, "/api/v4/product_details?product=demo", "")
		}, nil, 0.0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, mockserver.Config{})
			srv.ServeHTTP(httptest.NewRecorder(), tc.req())
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, local(http.MethodGet, "/__lsmock/requests"))
			require.Equal(t, http.StatusOK, w.Code)
			var got struct{ Requests []map[string]any }
			require.NoError(t, json.NewDecoder(strings.NewReader(w.Body.String())).Decode(&got))
			require.Len(t, got.Requests, 1)
			e := got.Requests[0]
			assert.Equal(t, tc.wantBody, e["body"])
			if tc.wantSize == nil {
				assert.NotContains(t, e, "body_bytes")
			} else {
				assert.Equal(t, tc.wantSize, e["body_bytes"])
			}
		})
	}
}

// TestJournalHidesSecretsInOddNames: a client that posts JSON to the token endpoint (a form
// endpoint) makes the whole body one form key; neither the journal nor the admin API's view
// of it shows the secret inside.
func TestJournalHidesSecretsInOddNames(t *testing.T) {
	t.Parallel()
	const canary = "canary-in-a-name"
	cases := []struct {
		name string
		req  func() *http.Request
	}{
		{"JSON to the token endpoint", func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/auth/token",
				strings.NewReader(`{"grant_type":"client_credentials","client_id":"c","client_secret":"`+canary+`"}`))
			r.Header.Set("Content-Type", "application/json")
			return r
		}},
		{"JSON as a query parameter's name", func() *http.Request {
			return signedRequestTo(http.MethodGet, "/api/v4/check_license?product=demo&hardware_id=h&license_key=k&"+
				url.QueryEscape(`{"client_secret":"`+canary+`"}`), "")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, mockserver.Config{})
			srv.ServeHTTP(httptest.NewRecorder(), tc.req())
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, local(http.MethodGet, "/__lsmock/requests"))
			require.Equal(t, http.StatusOK, w.Code)
			assert.Contains(t, w.Body.String(), `"count":1`)
			assert.NotContains(t, w.Body.String(), canary)
		})
	}
}

// TestJournalShowsTheScenarioNamed: lsmock's own __scenario parameter is a scenario's name,
// never a secret: the journal shows it, while an undeclared parameter's value stays hidden.
func TestJournalShowsTheScenarioNamed(t *testing.T) {
	t.Parallel()
	srv := newServer(t, mockserver.Config{})
	srv.ServeHTTP(httptest.NewRecorder(), signedRequestTo(http.MethodGet,
		"/api/v4/check_license?product=demo&hardware_id=h&license_key=k&__scenario=internal_error&stray=s3cret", ""))
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, local(http.MethodGet, "/__lsmock/requests"))
	require.Equal(t, http.StatusOK, w.Code)
	var got struct {
		Requests []struct {
			Query map[string]any `json:"query"`
		} `json:"requests"`
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got), w.Body.String())
	require.Len(t, got.Requests, 1)
	q := got.Requests[0].Query
	assert.Equal(t, "internal_error", q[mockserver.QueryScenario])
	assert.Equal(t, "demo", q["product"])
	assert.Equal(t, "[redacted]", q["stray"])
}
