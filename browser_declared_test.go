package lsmock_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/mockserver"
)

// declaredItem is an entry of GET …/sessions/{session}/licenses's "declared".
type declaredItem struct {
	Kind       string `json:"kind"`
	Ref        string `json:"ref"`
	Product    string `json:"product"`
	LicenseKey string `json:"license_key"`
	Username   string `json:"username"`
	Created    string `json:"created"`
}

// declaredOf is what the admin API lists as declared at run time in a session.
func declaredOf(t *testing.T, srv *httptest.Server, session string) []declaredItem {
	t.Helper()
	status, body := admin(t, srv, http.MethodGet, "/__lsmock/sessions/"+session+"/licenses", "")
	require.Equal(t, http.StatusOK, status, "%s", body)
	var snap struct {
		Declared []declaredItem `json:"declared"`
	}
	require.NoError(t, json.Unmarshal(body, &snap))
	return snap.Declared
}

// declaredRow is a JavaScript expression: the row of the declarations table for a ref, or
// undefined.
func declaredRow(ref string) string {
	return `[...document.querySelectorAll("#declared tbody tr")].find(r => r.dataset.ref === ` + strconv.Quote(ref) + `)`
}

// TestDashboardDeclared: for the session in its box, the dashboard lists what the session's
// tests declared at run time, never a password, and deletes a declaration with its button.
func TestDashboardDeclared(t *testing.T) {
	ctx := browser(t)
	srv := startDefault(t)
	const session = "dash-declared"
	create := func(body string) declaredItem {
		status, b := admin(t, srv, http.MethodPost, "/__lsmock/sessions/"+session+"/licenses", body)
		require.Equal(t, http.StatusCreated, status, "%s", b)
		var c declaredItem
		require.NoError(t, json.Unmarshal(b, &c))
		return c
	}
	key := create(`{"license": {"product": "demo", "max_activations": 2}}`)
	require.NotEmpty(t, key.LicenseKey, "a generated key")
	user := create(`{"user": {"username": "dash-rt@example.com", "password": "dash-secret-pw"}}`)
	userLicense := create(`{"license": {"username": "dash-rt@example.com", "product": "demo-users"}}`)
	require.Equal(t, "user:dash-rt@example.com/demo-users", userLicense.Ref, "a ref with ':' and '/'")
	api := licenseAPI{t: t, srv: srv, session: session}
	require.Equal(t, http.StatusOK, api.activate(key.LicenseKey, "hw-rt").status, "the run-time license answers")

	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/__lsmock/")))
	_, err := waitFor[bool](ctx, `document.querySelector("#declared tbody").textContent.includes("type a session")`)
	require.NoError(t, err, "without a session the table asks for one")
	require.NoError(t, chromedp.Do(ctx, chromedp.SendKeys(`#session`, session)))
	row, err := waitFor[string](ctx, `(`+declaredRow(key.Ref)+`)?.textContent ?? false`)
	require.NoError(t, err, "the declared license never showed")
	assert.Contains(t, row, "license")
	assert.Contains(t, row, key.LicenseKey)
	assert.Contains(t, row, "demo")
	assert.Contains(t, row, "hw-rt", "its device")
	_, err = waitFor[bool](ctx, `!!(`+declaredRow(userLicense.Ref)+`) && !!(`+declaredRow(user.Ref)+`)`)
	require.NoError(t, err, "the user and its license never showed")
	page, err := evaluate[string](ctx, `document.body.textContent`)
	require.NoError(t, err)
	assert.NotContains(t, page, "dash-secret-pw", "a password never shows")

	// The user's license names the user: the server refuses, the page says why, the row stays.
	require.NoError(t, clickWhenReady(ctx, `#declared tbody tr[data-ref="`+user.Ref+`"] button.delete`))
	_, err = waitFor[bool](ctx, `document.querySelector("#status.err")?.textContent.startsWith(`+strconv.Quote(user.Ref+": ")+`) ?? false`)
	require.NoError(t, err, "the refused delete never showed its error")
	assert.Len(t, declaredOf(t, srv, session), 3)

	for _, d := range []declaredItem{userLicense, user, key} {
		require.NoError(t, clickWhenReady(ctx, `#declared tbody tr[data-ref="`+d.Ref+`"] button.delete`), d.Ref)
		_, err = waitFor[bool](ctx, `!(`+declaredRow(d.Ref)+`)`)
		require.NoError(t, err, "the row of %s never went", d.Ref)
		for _, left := range declaredOf(t, srv, session) {
			assert.NotEqual(t, d.Ref, left.Ref, "deleted from the dashboard, gone from the admin API")
		}
	}
	assert.Empty(t, declaredOf(t, srv, session))
	_, err = waitFor[bool](ctx, `document.querySelector("#declared tbody").textContent.includes("nothing declared")`)
	require.NoError(t, err, "the empty table never said so")
}

// TestDashboardDeclare: the dashboard's form POSTs a declaration for the session in its box;
// a refused one shows its field errors beside the form, as text.
func TestDashboardDeclare(t *testing.T) {
	ctx := browser(t)
	srv := startDefault(t)
	const session = "dash-declare"

	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/__lsmock/")))
	require.NoError(t, chromedp.Do(ctx, chromedp.SendKeys(`#session`, session)))
	_, err := waitFor[bool](ctx, `!document.getElementById("declare-go").disabled`)
	require.NoError(t, err, "the form never took the session")

	hostileKey := strings.ReplaceAll(hostile, `"`, `\"`)
	require.NoError(t, chromedp.Do(ctx, chromedp.SetValue(`#declare-body`,
		`{"license": {"product": "demo", "max_activations": -1, "`+hostileKey+`": 1}}`)))
	require.NoError(t, clickWhenReady(ctx, `#declare-go`))
	errs, err := waitFor[string](ctx, `document.getElementById("declare-errors").textContent || false`)
	require.NoError(t, err, "the field errors never showed")
	assert.Contains(t, errs, "license.max_activations")
	assert.Contains(t, errs, "must not be negative")
	assert.Empty(t, declaredOf(t, srv, session))

	require.NoError(t, chromedp.Do(ctx, chromedp.SetValue(`#declare-body`, `{"license": {"product": "demo"}}`)))
	require.NoError(t, clickWhenReady(ctx, `#declare-go`))
	status, err := waitFor[string](ctx, `document.querySelector("#status.ok")?.textContent.startsWith("declared") && document.getElementById("status").textContent`)
	require.NoError(t, err, "the declaration never showed as made")
	list := declaredOf(t, srv, session)
	require.Len(t, list, 1)
	assert.Equal(t, "declared license "+list[0].Ref+" in session "+session, status)
	_, err = waitFor[bool](ctx, `!!(`+declaredRow(list[0].Ref)+`) && document.getElementById("declare-errors").textContent === ""`)
	require.NoError(t, err, "the new row never showed, or the old errors stayed")

	injected, err := evaluate[bool](ctx, `window.__injected === 1`)
	require.NoError(t, err)
	assert.False(t, injected, "an error message ran as HTML")
}

// TestDashboardDeclaredDropped: a run-time license whose product a reload took away is listed
// as dropped, with why.
func TestDashboardDeclaredDropped(t *testing.T) {
	ctx := browser(t)
	dir := t.TempDir()
	write := func(yaml string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "licenses.yaml"), []byte(yaml), 0o644))
	}
	write("products:\n  - short_code: rt-gone\n")
	srv := startConfig(t, mockserver.Config{Files: mockserver.Files{Scenarios: os.DirFS(dir), ScenariosName: dir}})
	const session = "dash-dropped"
	status, body := admin(t, srv, http.MethodPost, "/__lsmock/sessions/"+session+"/licenses", `{"license": {"product": "rt-gone", "license_key": "RT-GONE-1"}}`)
	require.Equal(t, http.StatusCreated, status, "%s", body)
	write("products:\n  - short_code: rt-kept\n")
	status, body = admin(t, srv, http.MethodPost, "/__lsmock/reload", "")
	require.Equal(t, http.StatusOK, status, "%s", body)
	assert.Empty(t, declaredOf(t, srv, session), "the reload dropped it")

	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/__lsmock/")))
	require.NoError(t, chromedp.Do(ctx, chromedp.SendKeys(`#session`, session)))
	dropped, err := waitFor[string](ctx, `document.getElementById("declared-dropped").textContent || false`)
	require.NoError(t, err, "the dropped declaration never showed")
	assert.Contains(t, dropped, "dropped by a reload: RT-GONE-1: ")
	assert.Contains(t, dropped, "rt-gone", "and why")
}
