package validate_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/testutil"
	"github.com/lsmock/lsmock/internal/validate"
)

// FuzzRefusalBySameShape: a body refused from memory (the same field names and value types
// were refused before, with other values) gets exactly what the general validator, asked
// afresh, answers.
func FuzzRefusalBySameShape(f *testing.F) {
	for _, seed := range [][3]string{
		{`"u"`, `"p"`, `5`}, {`"u"`, `1.5`, `"n"`}, {`null`, `"p"`, `"n"`}, {`"u"`, `true`, `[1]`},
		{`{"a":1}`, `"p"`, `"n"`}, {`"u"`, `"p"`, `"n", "extra": 1`},
	} {
		f.Add(seed[0], seed[1], seed[2], "x")
	}
	sp, remembering := load(f, "")
	op, _ := sp.Find("POST", "/api/v4/change_password")
	f.Fuzz(func(t *testing.T, username, password, newPassword, salt string) {
		body := `{"username":` + username + `,"password":` + password + `,"new_password":` + newPassword + `}`
		var decoded map[string]any
		if json.Unmarshal([]byte(body), &decoded) != nil {
			return
		}
		other := otherValues(decoded, salt)
		first, err := json.Marshal(other)
		require.NoError(t, err)
		r := httptest.NewRequest("POST", "/api/v4/change_password", strings.NewReader(body))
		// Teach the remembering validator the shape with other values, then ask it.
		_, _ = remembering.AdmitBody(op, r, r.URL.Query(), first)
		_, got := remembering.AdmitBody(op, r, r.URL.Query(), []byte(body))
		fresh, err := validate.New(sp)
		require.NoError(t, err)
		_, want := fresh.AdmitBody(op, r, r.URL.Query(), []byte(body))
		assert.Equal(t, want, got, "body %s (taught with %s)", body, first)
	})
}

// otherValues keeps each value's JSON type and changes the value.
func otherValues(m map[string]any, salt string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		switch x := v.(type) {
		case string:
			out[k] = x + salt
		case float64:
			if x == float64(int64(x)) {
				out[k] = x + 1
			} else {
				out[k] = x + 0.25
			}
		default:
			out[k] = v
		}
	}
	return out
}

func TestRefusalRemembered(t *testing.T) {
	t.Parallel()
	sp, v := load(t, "")
	op, _ := sp.Find("POST", "/api/v4/change_password")
	r := httptest.NewRequest("POST", "/api/v4/change_password", nil)
	_, first := v.AdmitBody(op, r, r.URL.Query(), []byte(`{"username":"a","password":"b","new_password":5}`))
	require.NotNil(t, first)
	assert.Equal(t, validate.CodeValidationError, first.Code)
	_, again := v.AdmitBody(op, r, r.URL.Query(), []byte(`{"username":"other","password":"other","new_password":7}`))
	assert.Equal(t, first, again)
	_, fraction := v.AdmitBody(op, r, r.URL.Query(), []byte(`{"username":"a","password":"b","new_password":7.5}`))
	require.NotNil(t, fraction)
	_, valid := v.AdmitBody(op, r, r.URL.Query(), []byte(`{"username":"a","password":"b","new_password":"c"}`))
	assert.Nil(t, valid, "a valid body is never refused from memory")
}

// TestRefusalsRememberedWithinBytes: a client sending ever new field names, each body's names
// tens of KiB long, cannot make lsmock remember megabytes of shapes (before the byte budget,
// 256 of them took 17 MiB).
func TestRefusalsRememberedWithinBytes(t *testing.T) {
	sp, v := load(t, "")
	op, _ := sp.Find("POST", "/api/v4/change_password")
	r := httptest.NewRequest("POST", "/api/v4/change_password", nil)
	bodies := make([][]byte, 256)
	for i := range bodies {
		var b strings.Builder
		b.WriteString(`{"username":"a","password":"b","new_password":5`)
		for j := range 400 {
			fmt.Fprintf(&b, `,"field_%04d_%04d_%s":1`, i, j, strings.Repeat("x", 32))
		}
		b.WriteString("}")
		bodies[i] = []byte(b.String())
	}
	_, _ = v.AdmitBody(op, r, r.URL.Query(), []byte(`{"new_password":5}`)) // the validator's own first-use allocations
	before := testutil.Heap()
	for _, body := range bodies {
		_, rej := v.AdmitBody(op, r, r.URL.Query(), body)
		require.NotNil(t, rej)
	}
	grown := testutil.Heap() - before
	assert.Less(t, grown, int64(2<<20), "the remembered refusals stay within their budget (512 KiB per operation)")
	runtime.KeepAlive(bodies)
	runtime.KeepAlive(v)
}
