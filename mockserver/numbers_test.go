package mockserver_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/mockserver"
)

// TestConsumptionTotalsNeverWrap: a consumptions number no int64 holds, or a total that
// would pass the int64 bounds, is a validation_error and leaves the total as it was; 1e400
// is valid JSON, so it is a validation_error too, not invalid_json. Before: 2^63-1 was
// accepted as a decrease, an unlimited total wrapped negative, 1e300 read as "negative".
func TestConsumptionTotalsNeverWrap(t *testing.T) {
	t.Parallel()
	type step struct {
		amount string // as written in the JSON body
		code   string // "" for a success
		total  string // total_consumptions after a success
	}
	cases := []struct {
		name, key, feature string
		steps              []step
	}{
		{"2^63-1 on a license allowing negatives", "LIM-CONS-NEG", "", []step{
			{"9223372036854775807", "validation_error", ""}, {"-9223372036854777856", "validation_error", ""}, {"2", "", "2"}}},
		{"unlimited license past 2^63", "LIM-CONS-UNLM", "", []step{
			{"4611686018427387904", "", "4611686018427387904"}, {"4611686018427387904", "validation_error", ""},
			{"4611686018427386880", "", "9223372036854774784"}, {"1024", "validation_error", ""}}},
		{"1e300 on a normal license", "LIM-CONS", "", []step{{"1e300", "validation_error", ""}, {"-1e300", "validation_error", ""}, {"1", "", "1"}}},
		{"1e400 is valid JSON", "LIM-CONS", "", []step{{"1e400", "validation_error", ""}, {"-1e400", "validation_error", ""}}},
		{"2^63-1 on a feature allowing negatives", "LIM-FEAT", "negative", []step{{"9223372036854775807", "validation_error", ""}, {"-3", "", "-3"}}},
		{"unlimited feature past 2^63", "LIM-FEAT", "unlimited", []step{
			{"4611686018427387904", "", "4611686018427387904"}, {"4611686018427387904", "validation_error", ""}}},
		{"1e300 on a feature", "LIM-FEAT", "unlimited", []step{{"1e300", "validation_error", ""}}},
	}
	srv := limitsServer(t, mockserver.Config{})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			session := tc.name
			status, body := call(t, srv, session, http.MethodPost, "activate_license", map[string]any{"license_key": tc.key, "product": "lim", "hardware_id": "hw"})
			require.Equal(t, http.StatusOK, status, "%v", body)
			op, params := "add_consumption", map[string]any{"license_key": tc.key, "product": "lim", "hardware_id": "hw"}
			if tc.feature != "" {
				op, params["feature"] = "add_feature_consumption", tc.feature
			}
			for _, s := range tc.steps {
				params["consumptions"] = json.RawMessage(s.amount)
				status, body := call(t, srv, session, http.MethodPost, op, params)
				if s.code != "" {
					assert.Equal(t, http.StatusBadRequest, status, "%s", s.amount)
					assert.Equal(t, s.code, body["code"], "%s: %v", s.amount, body)
					continue
				}
				require.Equal(t, http.StatusOK, status, "%s: %v", s.amount, body)
				assert.Equal(t, s.total, toString(body["total_consumptions"]), "%s", s.amount)
			}
		})
	}
}
