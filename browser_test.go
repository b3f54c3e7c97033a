package lsmock_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/mockserver"
)

// browser starts a headless Chromium for the test, or skips when none can be found. With
// LSMOCK_REQUIRE_BROWSER=1 (set by .ci/run, which installs Debian's chromium) a missing
// browser fails the test instead.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv("LSMOCK_CHROMIUM")
	if path == "" {
		for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
			if p, err := exec.LookPath(name); err == nil {
				path = p
				break
			}
		}
	}
	if path == "" {
		msg := "no Chromium found: install it (Debian: apt-get install chromium) or set LSMOCK_CHROMIUM to its path"
		if os.Getenv("LSMOCK_REQUIRE_BROWSER") == "1" {
			t.Fatal(msg + " (LSMOCK_REQUIRE_BROWSER=1)")
		}
		t.Skip(msg)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // CI runs as root
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	// The first run starts the browser and must not carry a timeout: it would stop the browser.
	require.NoError(t, chromedp.Do(ctx), "start %s", path)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancelTimeout)
	return ctx
}

// evaluate runs a JavaScript expression in the page and decodes what it returns, waiting for
// a promise.
func evaluate[T any](ctx context.Context, expr string) (T, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
}

// pageServer serves testdata/browser on its own port: another origin than lsmock's.
func pageServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.FileServer(http.Dir("testdata/browser")))
	t.Cleanup(srv.Close)
	return srv
}

type pageResult struct {
	Status    int    `json:"status"`
	Body      any    `json:"body"`
	Operation string `json:"operation"`
	Error     string `json:"error"`
}

func TestBrowserOnAnotherOriginCallsLsmock(t *testing.T) {
	ctx := browser(t)
	lsmockSrv := startDefault(t)
	restricted := startConfig(t, mockserver.Config{CORS: mockserver.CORS{Origins: []string{"http://app.example"}}})
	page := pageServer(t)

	cases := []struct {
		name   string
		server string
		call   string
		check  func(t *testing.T, r pageResult)
	}{
		{"success", lsmockSrv.URL,
			`change({username: "user@example.com", password: "old", new_password: "new"})`,
			func(t *testing.T, r pageResult) {
				assert.Equal(t, http.StatusOK, r.Status)
				assert.Equal(t, "password_changed", r.Body)
				assert.Equal(t, "changePassword", r.Operation, "lsmock's headers are exposed to the page")
			}},
		{"missing_parameters, read from the vendor's error body", lsmockSrv.URL,
			`change({username: "user@example.com", password: "old"})`,
			func(t *testing.T, r pageResult) {
				assert.Equal(t, http.StatusBadRequest, r.Status)
				body, ok := r.Body.(map[string]any)
				require.True(t, ok, "error body: %#v", r.Body)
				assert.Equal(t, "missing_parameters", body["code"])
				assert.EqualValues(t, 400, body["status"])
				assert.NotEmpty(t, body["message"])
			}},
		{"the browser drops a Date header set by script", lsmockSrv.URL,
			`change({username: "user@example.com", password: "old", new_password: "new"}, {dateHeader: "Date"})`,
			func(t *testing.T, r pageResult) {
				body, _ := r.Body.(map[string]any)
				assert.Equal(t, "missing_headers", body["code"], "why pages send X-Lsmock-Date")
			}},
		{"--cors-origins without this origin: the browser refuses", restricted.URL,
			`change({username: "user@example.com", password: "old", new_password: "new"})`,
			func(t *testing.T, r pageResult) {
				assert.Contains(t, r.Error, "Failed to fetch")
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(page.URL+"/app.html?lsmock="+tc.server)))
			r, err := evaluate[pageResult](ctx, tc.call)
			require.NoError(t, err)
			tc.check(t, r)
		})
	}
}

// adminSeen is an admin request that is not a read, as lsmock answered it.
type adminSeen struct {
	method, path, origin, site string
	status                     int
}

// statusWriter keeps the status an answer was written with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}

// A page the developer visits must not be able to reset or reload their lsmock: a form or a
// fetch with mode "no-cors" needs no preflight, so only lsmock itself can refuse them.
func TestBrowserCannotChangeAdminFromAnotherOrigin(t *testing.T) {
	ctx := browser(t)
	h, err := mockserver.New(mockserver.Config{})
	require.NoError(t, err)
	seen := make(chan adminSeen, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, mockserver.AdminPrefix) || r.Method == http.MethodGet {
			h.ServeHTTP(w, r)
			return
		}
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r)
		seen <- adminSeen{r.Method, r.URL.Path, r.Header.Get("Origin"), r.Header.Get("Sec-Fetch-Site"), sw.status}
	}))
	t.Cleanup(srv.Close)
	page := pageServer(t)
	api := licenseAPI{t: t, srv: srv, session: "csrf"}
	require.Equal(t, http.StatusOK, api.activate("DEMO-PERP-0000-0001", "hw-1").status)

	fetchPost := func(path string) string {
		return `fetch("` + srv.URL + path + `", {method: "POST", mode: "no-cors"}).then(r => r.type)`
	}
	// A form posted into a frame, as a CSRF page without script permissions would.
	formPost := `(() => {
		const frame = document.createElement("iframe"); frame.name = "sink"; document.body.append(frame);
		const form = document.createElement("form");
		form.method = "POST"; form.action = "` + srv.URL + `/__lsmock/reset"; form.target = "sink";
		document.body.append(form); form.submit(); return "submitted";
	})()`
	cases := []struct {
		name   string
		host   string // the page's host: another site, or lsmock's host on another port
		script string
		path   string
		site   string
	}{
		{"fetch no-cors reset from another site", "localhost", fetchPost("/__lsmock/reset"), "/__lsmock/reset", "cross-site"},
		{"fetch no-cors reload from another site", "localhost", fetchPost("/__lsmock/reload"), "/__lsmock/reload", "cross-site"},
		{"fetch no-cors reset from another port", "127.0.0.1", fetchPost("/__lsmock/reset"), "/__lsmock/reset", "same-site"},
		{"form post reset from another site", "localhost", formPost, "/__lsmock/reset", "cross-site"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pageURL := strings.Replace(page.URL, "127.0.0.1", tc.host, 1) + "/app.html?lsmock=" + srv.URL
			require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(pageURL)))
			_, err := evaluate[string](ctx, tc.script)
			require.NoError(t, err)
			select {
			case got := <-seen:
				assert.Equal(t, adminSeen{http.MethodPost, tc.path, strings.TrimSuffix(strings.Replace(page.URL, "127.0.0.1", tc.host, 1), "/"), tc.site, http.StatusForbidden}, got)
			case <-ctx.Done():
				t.Fatal("the request never reached lsmock")
			}
			status, body := admin(t, srv, http.MethodGet, "/__lsmock/sessions/csrf/licenses", "")
			require.Equal(t, http.StatusOK, status)
			assert.Contains(t, string(body), `"hardware_id":"hw-1"`, "the session's activation survives")
		})
	}
}

// hostile is a value a request can carry into the dashboard; it must show as text, not run.
const hostile = `<img src=x onerror="window.__injected=1">`

// waitFor polls a JavaScript condition in the page until it holds, and returns its value.
// Conditions are evaluated in the page, so they never hold a node the page may drop.
func waitFor[T any](ctx context.Context, expr string) (T, error) {
	return chromedp.Run(ctx, chromedp.Poll[T](expr, chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second)))
}

// clickWhenReady clicks the element a selector finds, as soon as there is one: finding it and
// clicking it is one step in the page, so no refresh can come in between.
func clickWhenReady(ctx context.Context, selector string) error {
	_, err := chromedp.Run(ctx, chromedp.PollFunction[bool](
		`(sel) => { const e = document.querySelector(sel); if (!e) return false; e.click(); return true; }`,
		chromedp.WithPollingArgs(selector), chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second)))
	return err
}

func TestDashboard(t *testing.T) {
	ctx := browser(t)
	srv := startDefault(t)
	headers := nodeSDKHeaders()
	const notAllowed = `#scenarios tr[data-scenario="changePassword/change_password_not_allowed"]`
	const changePassword = "/api/v4/change_password"
	const plainBody = `{"username":"u@example.com","password":"old","new_password":"new"}`

	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/__lsmock/")))
	_, err := waitFor[bool](ctx, `!!document.querySelector('`+notAllowed+` button.pin')`)
	require.NoError(t, err, "the scenarios never showed")
	// Kept to check that a refresh leaves the row and its button in place.
	_, err = evaluate[bool](ctx, `(window.__pinButton = document.querySelector('`+notAllowed+` button.pin')) !== null`)
	require.NoError(t, err)

	// A request made after the page loaded shows up without a reload of the page.
	headers[mockserver.HeaderSession] = "dash-" + hostile
	resp, _ := call(t, srv, changePassword,
		`{"username":"`+strings.ReplaceAll(hostile, `"`, `\"`)+`","password":"old","new_password":"new"}`, headers)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	row, err := waitFor[string](ctx,
		`[...document.querySelectorAll("#requests tbody tr[data-id]")].map(r => r.textContent).find(t => t.includes("dash-"))`)
	require.NoError(t, err, "the request never appeared")
	assert.Contains(t, row, "POST /api/v4/change_password")
	assert.Contains(t, row, "200")
	assert.Contains(t, row, "state", "what answered: the declared users")
	assert.Contains(t, row, hostile, "values show as text")
	_, err = evaluate[bool](ctx, `(window.__dashRow = [...document.querySelectorAll("#requests tbody tr[data-id]")].find(r => r.textContent.includes("dash-"))) !== undefined`)
	require.NoError(t, err)

	// The refresh that showed the request rendered the scenarios too: the same button is there,
	// so a click between two refreshes is not lost.
	same, err := evaluate[bool](ctx, `document.querySelector('`+notAllowed+` button.pin') === window.__pinButton`)
	require.NoError(t, err)
	assert.True(t, same, "a refresh replaced the Pin button")

	// Clicking Pin on a scenario changes the next answer.
	delete(headers, mockserver.HeaderSession)
	require.NoError(t, clickWhenReady(ctx, notAllowed+` button.pin`))
	_, err = waitFor[bool](ctx, `!!document.querySelector('#scenarios tr.pinned[data-scenario="changePassword/change_password_not_allowed"]')`)
	require.NoError(t, err, "the pin never showed")
	_, body := call(t, srv, changePassword, plainBody, headers)
	assert.Contains(t, string(body), `"code":"change_password_not_allowed"`)

	// A pin for one session, typed into the session box, leaves the others alone.
	require.NoError(t, clickWhenReady(ctx, `#unpin`))
	_, err = waitFor[bool](ctx, `document.getElementById("pin-state").textContent === "none pinned"`)
	require.NoError(t, err, "the pin was never cleared")
	require.NoError(t, chromedp.Do(ctx, chromedp.SendKeys(`#session`, "qa-1")))
	require.NoError(t, clickWhenReady(ctx, `#implied`)) // internal_error is a documented error, listed on demand
	require.NoError(t, clickWhenReady(ctx, `#scenarios tr[data-scenario="changePassword/internal_error"] button.pin`))
	_, err = waitFor[bool](ctx, `!!document.querySelector('#scenarios tr.pinned[data-scenario="changePassword/internal_error"]')`)
	require.NoError(t, err, "the session's pin never showed")
	headers[mockserver.HeaderSession] = "qa-1"
	resp, _ = call(t, srv, changePassword, plainBody, headers)
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode, "session qa-1 is pinned")
	headers[mockserver.HeaderSession] = "qa-2"
	resp, _ = call(t, srv, changePassword, plainBody, headers)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "session qa-2 is not")
	// New requests are added above the rows already shown, which stay as they are.
	_, err = waitFor[bool](ctx, `[...document.querySelectorAll("#requests tbody tr[data-id]")].some(r => r.textContent.includes("qa-2"))`)
	require.NoError(t, err, "the request of qa-2 never appeared")
	same, err = evaluate[bool](ctx, `[...document.querySelectorAll("#requests tbody tr[data-id]")].find(r => r.textContent.includes("dash-")) === window.__dashRow`)
	require.NoError(t, err)
	assert.True(t, same, "a refresh replaced a request's row")

	// Reset state: a POST from the dashboard's own origin, which lsmock accepts.
	require.NoError(t, clickWhenReady(ctx, `#reset`))
	status, err := waitFor[string](ctx, `document.querySelector("#status.ok, #status.err") && !document.querySelector("#scenarios tr.pinned") && document.getElementById("status").textContent`)
	require.NoError(t, err, "reset never finished")
	assert.Equal(t, "state cleared", status)
	headers[mockserver.HeaderSession] = "qa-1"
	resp, _ = call(t, srv, changePassword, plainBody, headers)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "the reset cleared qa-1's pin")

	injected, err := evaluate[bool](ctx, `window.__injected === 1`)
	require.NoError(t, err)
	assert.False(t, injected, "a value from a request ran as HTML")

	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()) // the viewport: a full page of every scenario takes seconds to render
	require.NoError(t, err)
	shot := filepath.Join(t.ArtifactDir(), "dashboard.png")
	require.NoError(t, os.WriteFile(shot, png, 0o644))
	t.Logf("screenshot: %s", shot)
}
