package lsmock_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDashboardClock: the dashboard shows the clock of the session typed in its box, and
// moves it: advance, set, back to real time.
func TestDashboardClock(t *testing.T) {
	ctx := browser(t)
	srv := startDefault(t)
	clock := func() map[string]any {
		resp, err := http.Get(srv.URL + "/__lsmock/sessions/dash-clock/clock")
		require.NoError(t, err)
		defer resp.Body.Close()
		var c map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&c))
		return c
	}

	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/__lsmock/")))
	_, err := waitFor[bool](ctx, `document.getElementById("clock-state").textContent.includes("every session") && document.getElementById("clock-state").textContent.includes("real time")`)
	require.NoError(t, err, "the global clock never showed")
	require.NoError(t, chromedp.Do(ctx, chromedp.SendKeys(`#session`, "dash-clock")))
	require.NoError(t, chromedp.Do(ctx, chromedp.SendKeys(`#clock-set`, "2027-01-01T00:00:00Z")))
	require.NoError(t, clickWhenReady(ctx, `#clock-set-go`))
	_, err = waitFor[bool](ctx, `document.getElementById("clock-state").textContent === "session dash-clock: 2027-01-01T00:00:00.000Z (the session's own clock, frozen)"`)
	require.NoError(t, err, "the set clock never showed")

	require.NoError(t, chromedp.Do(ctx, chromedp.SendKeys(`#clock-advance`, "31d")))
	require.NoError(t, clickWhenReady(ctx, `#clock-advance-go`))
	_, err = waitFor[bool](ctx, `document.getElementById("clock-state").textContent.includes("2027-02-01T00:00:00.000Z")`)
	require.NoError(t, err, "the advanced clock never showed")
	assert.Equal(t, "2027-02-01T00:00:00.000Z", clock()["now"])
	_, err = waitFor[bool](ctx, `[...document.querySelectorAll("#sessions tbody tr")].some(r => r.textContent.includes("2027-02-01"))`)
	require.NoError(t, err, "the sessions table never showed the clock")

	require.NoError(t, chromedp.Do(ctx, chromedp.SetValue(`#clock-advance`, "-1d")))
	require.NoError(t, clickWhenReady(ctx, `#clock-advance-go`))
	_, err = waitFor[bool](ctx, `document.querySelector("#status.err") !== null && document.getElementById("status").textContent.includes("negative")`)
	require.NoError(t, err, "a refused move never showed its error")

	require.NoError(t, clickWhenReady(ctx, `#clock-reset`))
	_, err = waitFor[bool](ctx, `document.getElementById("clock-state").textContent.includes("real time")`)
	require.NoError(t, err, "the reset never showed")
	assert.Equal(t, false, clock()["set"])
}
