package mockserver_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/license"
	"github.com/lsmock/lsmock/mockserver"
)

// TestStateFieldsAreBounded: a field the state would keep, longer than lsmock keeps, is a
// validation_error naming the field, never echoing it (before: a 900 KiB hardware_id or
// password was kept, per device and per change).
func TestStateFieldsAreBounded(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", license.MaxFieldBytes+1)
	fits := strings.Repeat("x", license.MaxFieldBytes)
	cases := []struct {
		name, method, op string
		params           map[string]any
		field            string // "" for a success
	}{
		{"hardware_id at the limit", http.MethodPost, "activate_license", map[string]any{"license_key": "LIM-UNLM", "product": "lim", "hardware_id": fits}, ""},
		{"hardware_id past it", http.MethodPost, "activate_license", map[string]any{"license_key": "LIM-UNLM", "product": "lim", "hardware_id": long}, "hardware_id"},
		{"check with a long hardware_id", http.MethodGet, "check_license", map[string]any{"license_key": "LIM-UNLM", "product": "lim", "hardware_id": long}, "hardware_id"},
		{"new password", http.MethodPost, "change_password", map[string]any{"username": "u@example.com", "password": "p", "new_password": long}, "new_password"},
		{"trial email", http.MethodGet, "trial_key", map[string]any{"product": "lim", "hardware_id": "hw", "email": long}, "email"},
		{"license key", http.MethodPost, "activate_license", map[string]any{"license_key": long, "product": "lim", "hardware_id": "hw"}, "license_key"},
	}
	srv := limitsServer(t, mockserver.Config{})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			status, body := call(t, srv, tc.name, tc.method, tc.op, tc.params)
			if tc.field == "" {
				assert.Equal(t, http.StatusOK, status, "%v", body)
				return
			}
			assert.Equal(t, http.StatusBadRequest, status)
			assert.Equal(t, "validation_error", body["code"])
			assert.Equal(t, tc.field+": must be at most "+strconv.Itoa(license.MaxFieldBytes)+" bytes", body["message"])
		})
	}
}

// TestSessionCountsAreBounded: one session keeps at most MaxDevices devices of a license
// allowing unlimited activations and MaxTrials trials; past them, the vendor's codes for no
// activation and no trial left (before: 31,599 trials in one session).
func TestSessionCountsAreBounded(t *testing.T) {
	t.Parallel()
	srv := limitsServer(t, mockserver.Config{})
	t.Run("devices", func(t *testing.T) {
		t.Parallel()
		activate := func(i int) (int, map[string]any) {
			return call(t, srv, "devices", http.MethodPost, "activate_license", map[string]any{"license_key": "LIM-UNLM", "product": "lim", "hardware_id": "hw-" + strconv.Itoa(i)})
		}
		for i := range license.MaxDevices {
			status, body := activate(i)
			require.Equal(t, http.StatusOK, status, "device %d: %v", i, body)
		}
		status, body := activate(license.MaxDevices)
		assert.Equal(t, http.StatusBadRequest, status)
		assert.Equal(t, "license_activated_max_times", body["code"])
		status, _ = activate(0)
		assert.Equal(t, http.StatusOK, status, "an active device activates again")
	})
	t.Run("trials", func(t *testing.T) {
		t.Parallel()
		trial := func(i int) (int, map[string]any) {
			return call(t, srv, "trials", http.MethodGet, "trial_key", map[string]any{"product": "lim", "hardware_id": "hw-" + strconv.Itoa(i)})
		}
		for i := range license.MaxTrials {
			status, body := trial(i)
			require.Equal(t, http.StatusOK, status, "trial %d: %v", i, body)
		}
		status, body := trial(license.MaxTrials)
		assert.Equal(t, http.StatusBadRequest, status)
		assert.Equal(t, "trial_not_allowed", body["code"])
		status, _ = trial(0)
		assert.Equal(t, http.StatusOK, status, "a trial already given is given again")
	})
}
