package lsmocktest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/lsmocktest"
	"github.com/lsmock/lsmock/mockserver"
)

// licenseCall makes a License API call of session, signed by srv, and decodes its answer.
func licenseCall(t *testing.T, srv *lsmocktest.Server, session, method, op string, params map[string]string) (int, map[string]any) {
	t.Helper()
	var req *http.Request
	var err error
	if method == http.MethodGet {
		q := url.Values{}
		for k, v := range params {
			q.Set(k, v)
		}
		req, err = http.NewRequest(method, srv.URL+"/api/v4/"+op+"?"+q.Encode(), nil)
	} else {
		b, merr := json.Marshal(params)
		require.NoError(t, merr)
		req, err = http.NewRequest(method, srv.URL+"/api/v4/"+op, strings.NewReader(string(b)))
		req.Header.Set("Content-Type", "application/json")
	}
	require.NoError(t, err)
	req.Header.Set("X-Lsmock-Session", session)
	srv.Sign(req)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var body map[string]any
	require.NoError(t, json.Unmarshal(b, &body), string(b))
	return resp.StatusCode, body
}

func onDevice(key, hwid string) map[string]string { return onProduct("demo", key, hwid) }

func onProduct(product, key, hwid string) map[string]string {
	return map[string]string{"license_key": key, "product": product, "hardware_id": hwid}
}

// TestClockExamples: the three examples of docs/testing-time.md in parallel on one shared
// lsmock, each with the license it makes in its own session: moving one session's clock
// moves no other's, and no session sees another's licenses.
func TestClockExamples(t *testing.T) {
	t.Parallel()
	srv := lsmocktest.New(t)
	t.Run("a 30-day license expires", func(t *testing.T) {
		t.Parallel()
		const s, other = "go-time", "go-time-other"
		lic, err := srv.CreateLicense(s, map[string]any{"product": "demo", "license_type": "time-limited", "valid_duration": "30d"})
		require.NoError(t, err)
		require.NotEmpty(t, lic.LicenseKey)
		status, _ := licenseCall(t, srv, s, http.MethodPost, "activate_license", onDevice(lic.LicenseKey, "hw-1"))
		require.Equal(t, 200, status)
		require.NoError(t, srv.Clock(s).Advance(31*24*time.Hour))
		status, body := licenseCall(t, srv, s, http.MethodGet, "check_license", onDevice(lic.LicenseKey, "hw-1"))
		assert.Equal(t, 400, status)
		assert.Equal(t, "license_expired", body["code"])

		for _, c := range []struct{ method, op string }{{http.MethodPost, "activate_license"}, {http.MethodGet, "check_license"}} {
			status, body = licenseCall(t, srv, other, c.method, c.op, onDevice(lic.LicenseKey, "hw-1"))
			assert.Equal(t, 400, status, c.op)
			assert.Equal(t, "license_not_found", body["code"], "%s: another session's license", c.op)
		}
		assert.False(t, srv.Clock(other).IsSet(), "another session's clock did not move")
		assert.WithinDuration(t, time.Now(), srv.Clock(other).Now(), time.Hour)
	})
	t.Run("a floating seat is freed by floating_timeout", func(t *testing.T) {
		t.Parallel()
		const s = "go-floating"
		lic, err := srv.CreateLicense(s, "product: demo\nis_floating: true\nfloating_users: 1\nfloating_timeout: 10\nmax_activations: 2\n")
		require.NoError(t, err)
		for _, hw := range []string{"hw-a", "hw-b"} {
			status, _ := licenseCall(t, srv, s, http.MethodPost, "activate_license", onDevice(lic.LicenseKey, hw))
			require.Equal(t, 200, status)
		}
		status, _ := licenseCall(t, srv, s, http.MethodGet, "check_license", onDevice(lic.LicenseKey, "hw-a"))
		require.Equal(t, 200, status)
		_, body := licenseCall(t, srv, s, http.MethodGet, "check_license", onDevice(lic.LicenseKey, "hw-b"))
		assert.Equal(t, "floating_not_available", body["code"], "hw-a holds the one seat")
		require.NoError(t, srv.Clock(s).Advance(9*time.Minute))
		_, body = licenseCall(t, srv, s, http.MethodGet, "check_license", onDevice(lic.LicenseKey, "hw-b"))
		assert.Equal(t, "floating_not_available", body["code"], "within floating_timeout")
		require.NoError(t, srv.Clock(s).Advance(2*time.Minute)) // past its floating_timeout
		status, body = licenseCall(t, srv, s, http.MethodGet, "check_license", onDevice(lic.LicenseKey, "hw-b"))
		assert.Equal(t, 200, status, "hw-a's seat timed out: %v", body)
	})
	t.Run("a trial expires", func(t *testing.T) {
		t.Parallel()
		const s = "go-trial"
		made, err := srv.Create(s, map[string]any{"product": map[string]any{"short_code": "rt-trial", "allow_trial": true, "trial_days": 7}})
		require.NoError(t, err)
		assert.Equal(t, lsmocktest.Created{Kind: "product", Ref: "product:rt-trial", Product: "rt-trial"}, made)
		status, trial := licenseCall(t, srv, s, http.MethodGet, "trial_key", map[string]string{"product": "rt-trial", "hardware_id": "hw-1"})
		require.Equal(t, 200, status, "%v", trial)
		key, _ := trial["license_key"].(string)
		status, _ = licenseCall(t, srv, s, http.MethodPost, "activate_license", onProduct("rt-trial", key, "hw-1"))
		require.Equal(t, 200, status)
		require.NoError(t, srv.Clock(s).Advance(6*24*time.Hour))
		status, _ = licenseCall(t, srv, s, http.MethodGet, "check_license", onProduct("rt-trial", key, "hw-1"))
		assert.Equal(t, 200, status, "day 6 of 7")
		require.NoError(t, srv.Clock(s).Advance(2*24*time.Hour))
		status, body := licenseCall(t, srv, s, http.MethodGet, "check_license", onProduct("rt-trial", key, "hw-1"))
		assert.Equal(t, 400, status)
		assert.Equal(t, "trial_expired", body["code"])

		status, body = licenseCall(t, srv, "go-trial-other", http.MethodGet, "trial_key", map[string]string{"product": "rt-trial", "hardware_id": "hw-1"})
		assert.Equal(t, 400, status)
		assert.Equal(t, "unknown_product", body["code"], "another session's product")
	})
	t.Run("a malformed license names its field", func(t *testing.T) {
		t.Parallel()
		_, err := srv.CreateLicense("go-malformed", map[string]any{"product": "demo", "max_activations": -1})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "license.max_activations")
		var de *mockserver.DeclarationError
		require.ErrorAs(t, err, &de)
		require.NotEmpty(t, de.Errors)
		assert.Equal(t, "license.max_activations", de.Errors[0].Field)
	})
}

// TestClockPrecedence: a session's own clock wins over the global one, which wins over
// WithClock's; Reset goes back a step; bad moves are refused.
func TestClockPrecedence(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	srv := lsmocktest.New(t, lsmocktest.WithClock(func() time.Time { return base }))
	own, other := srv.Clock("own"), srv.Clock("other")
	assert.Equal(t, base, own.Now())
	assert.False(t, own.IsSet())

	global := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	require.NoError(t, srv.GlobalClock().Set(global))
	require.NoError(t, own.Advance(time.Hour))
	assert.Equal(t, global.Add(time.Hour), own.Now(), "from the session's time: the global clock's")
	assert.True(t, own.IsSet())
	assert.Equal(t, global, other.Now())
	assert.False(t, other.IsSet())

	assert.Error(t, own.Advance(-time.Hour))
	assert.Error(t, own.Set(time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)))
	assert.Equal(t, global.Add(time.Hour), own.Now(), "refused moves change nothing")

	own.Reset()
	assert.Equal(t, global, own.Now(), "back on the global clock")
	srv.GlobalClock().Reset()
	assert.Equal(t, base, own.Now(), "back on WithClock's")
	require.NoError(t, own.Set(global))
	srv.Reset("own")
	assert.Equal(t, base, own.Now(), "a reset session loses its clock")
}
