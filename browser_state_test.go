package lsmock_test

import (
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// TestDashboardDeviceState: for the session typed in its box, the dashboard's licenses show
// each device's variables, a license's transfers and the bundles a license is in.
func TestDashboardDeviceState(t *testing.T) {
	ctx := browser(t)
	srv := startDefault(t)
	api := licenseAPI{t: t, srv: srv, session: "dash-state"}
	require.Equal(t, http.StatusOK, api.activate("DEMO-PERP-0000-0001", "hw-vars").status)
	tracked := api.call(http.MethodPost, "track_device_variables", map[string]any{"product": "demo",
		"license_key": "DEMO-PERP-0000-0001", "hardware_id": "hw-vars", "variables": map[string]any{"os": "linux"}})
	require.Equal(t, http.StatusOK, tracked.status, "%s", tracked.body)
	require.Equal(t, http.StatusOK, api.activate("DEMO-XFER-0000-0009", "hw-a").status)
	require.Equal(t, http.StatusOK, api.deactivate("DEMO-XFER-0000-0009", "hw-a").status)
	require.Equal(t, http.StatusOK, api.activate("DEMO-XFER-0000-0009", "hw-b").status, "a transfer")

	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/__lsmock/")))
	require.NoError(t, chromedp.Do(ctx, chromedp.SendKeys(`#session`, "dash-state")))
	row := func(key string) string {
		return `[...document.querySelectorAll("#licenses tbody tr")].find(r => r.textContent.includes("` + key + `"))`
	}
	_, err := waitFor[bool](ctx, `(`+row("DEMO-PERP-0000-0001")+`)?.textContent.includes("hw-vars (1 variables)") ?? false`)
	require.NoError(t, err, "the device's variables never showed")
	_, err = waitFor[bool](ctx, `(`+row("DEMO-PERP-0000-0001")+`).querySelector("[title='os = linux']") !== null`)
	require.NoError(t, err, "the variables' values are the device's tooltip")
	_, err = waitFor[bool](ctx, `(`+row("DEMO-XFER-0000-0009")+`)?.textContent.includes("1 transfers") ?? false`)
	require.NoError(t, err, "the license's transfer never showed")
	_, err = waitFor[bool](ctx, `(`+row("DEMO-SUIT-0000-0009")+`)?.textContent.includes("demo-bundle") ?? false`)
	require.NoError(t, err, "the bundle a license is in never showed")
}
