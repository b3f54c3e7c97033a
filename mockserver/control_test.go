package mockserver_test

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/journal"
	"github.com/lsmock/lsmock/internal/session"
	"github.com/lsmock/lsmock/mockserver"
)

// TestRequestsFromTheJournal: Requests and Count give the journal's entries as mockserver's
// own types, secrets redacted, selected by the filter.
func TestRequestsFromTheJournal(t *testing.T) {
	t.Parallel()
	srv := newServer(t, mockserver.Config{Files: scenarios(`
scenarios:
  - {name: blocked, operation: changePassword, match: {body: {username: blocked@example.com}}, response: {error: internal_error}}
`)})
	const body = `{"username":"u@example.com","password":"old","new_password":"new"}`
	for _, session := range []string{"qa-1", "qa-1", "qa-2"} {
		r := signedRequest(body)
		r.Header.Set(mockserver.HeaderSession, session)
		srv.ServeHTTP(httptest.NewRecorder(), r)
	}
	got := srv.Requests(mockserver.Filter{Sessions: mockserver.SessionNames("qa-1")})
	require.Len(t, got, 2)
	r := got[0]
	assert.Greater(t, r.ID, got[1].ID, "newest first")
	assert.Equal(t, "qa-1", r.Session)
	assert.Equal(t, "changePassword", r.Operation)
	assert.Equal(t, http.StatusOK, r.Status)
	assert.Equal(t, "application/json", r.Headers.Get("Content-Type"))
	assert.NotContains(t, r.Headers.Get("Authorization"), "c2ln", "the signature is redacted")
	assert.Equal(t, "[redacted]", r.Body.(map[string]any)["password"])
	require.NotNil(t, r.BodyBytes)
	assert.Equal(t, len(body), *r.BodyBytes)
	require.Len(t, r.NearMisses, 1)
	assert.Equal(t, mockserver.NearMiss{Scenario: "blocked", Held: 0, Of: 1, Failed: r.NearMisses[0].Failed}, r.NearMisses[0])
	assert.Contains(t, r.NearMisses[0].Failed, "username")

	assert.Len(t, srv.Requests(mockserver.Filter{Limit: 1}), 1)
	assert.Empty(t, srv.Requests(mockserver.Filter{Status: 500}))
	n, err := srv.Count(mockserver.Filter{Operation: "changePassword"})
	require.NoError(t, err)
	assert.Equal(t, 3, n)
}

// TestPublicTypesFollowTheInternalOnes: Request carries every field of the journal's entry,
// and the header constant is the one sessions are read by.
func TestPublicTypesFollowTheInternalOnes(t *testing.T) {
	t.Parallel()
	fields := func(typ reflect.Type) []string {
		var names []string
		for i := range typ.NumField() {
			names = append(names, typ.Field(i).Name)
		}
		return names
	}
	assert.Equal(t, fields(reflect.TypeFor[journal.Entry]()), fields(reflect.TypeFor[mockserver.Request]()),
		"a field the journal gains must reach Request (see requestOf)")
	assert.Equal(t, session.Header, mockserver.HeaderSession)
}

// TestResetWhileServing: Reset drops a session's pins and sequence progress, as the admin
// API's reset does, and leaves the other sessions' alone; "" resets all, global pins too.
func TestResetWhileServing(t *testing.T) {
	t.Parallel()
	srv := newServer(t, mockserver.Config{Files: scenarios(`
scenarios:
  - {name: flaky, operation: changePassword, steps: [{error: internal_error}, {}], after: repeat_last}
  - {name: broken, operation: changePassword, response: {error: internal_error}}
`)})
	send := func(session string) int {
		r := signedRequest(`{"username":"u@example.com","password":"old","new_password":"new"}`)
		r.Header.Set(mockserver.HeaderSession, session)
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, r)
		return w.Code
	}
	require.NoError(t, srv.Pin("", "flaky"))
	assert.Equal(t, []int{500, 200, 500}, []int{send("a"), send("a"), send("b")}, "each session's own progress")
	srv.Reset("a")
	assert.Equal(t, []int{500, 200}, []int{send("a"), send("b")}, "a starts again; b goes on")
	require.NoError(t, srv.Pin("c", "broken"))
	assert.Equal(t, []int{500, 500}, []int{send("c"), send("c")}, "c's own pin")
	srv.Reset("c")
	assert.Equal(t, []int{500, 200}, []int{send("c"), send("c")}, "c's pin is gone: the pin for all answers, from its start")
	srv.Reset("")
	assert.Equal(t, []int{200, 200}, []int{send("a"), send("b")}, "the pin for all is gone too")
}
