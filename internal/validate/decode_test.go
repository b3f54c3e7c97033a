package validate_test

import (
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/lsmock/lsmock/internal/spec"
	"github.com/lsmock/lsmock/internal/validate"
)

// TestDecode: a body validation does not read is decoded as validation would decode it,
// an encoded body's base64 unwrapped first, and nothing is refused: what holds no JSON is nil.
func TestDecode(t *testing.T) {
	t.Parallel()
	jsonOp := &spec.Operation{Body: &spec.Body{}}
	encoded := &spec.Operation{Body: &spec.Body{Encoding: "base64"}}
	file := `{"hardware_id":"hw-1","product":"demo"}`
	b64 := base64.StdEncoding.EncodeToString([]byte(file))
	want := map[string]any{"hardware_id": "hw-1", "product": "demo"}
	cases := []struct {
		name string
		op   *spec.Operation
		raw  string
		want any
	}{
		{"JSON", jsonOp, file, want},
		{"no operation", nil, file, want},
		{"base64", encoded, b64, want},
		{"base64 without padding", encoded, base64.RawStdEncoding.EncodeToString([]byte(file)), want},
		{"base64 wrapped", encoded, b64[:20] + "\n" + b64[20:] + "\n", want},
		{"base64 of an array", encoded, base64.StdEncoding.EncodeToString([]byte(`[1]`)), []any{1.0}},
		{"empty", encoded, "", nil},
		{"JSON sent to an encoded body", encoded, file, nil},
		{"not base64", encoded, "%%%", nil},
		{"base64 of no JSON", encoded, base64.StdEncoding.EncodeToString([]byte("hello")), nil},
		{"base64 to a JSON body", jsonOp, b64, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, validate.Decode(tc.op, []byte(tc.raw)))
		})
	}
}
