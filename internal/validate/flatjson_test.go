package validate

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var flatKeys = map[string]string{"username": "username", "password": "password", "new_password": "new_password"}

// flatSeeds are bodies SDKs send and bodies that must go to encoding/json.
var flatSeeds = []string{
	`{"username":"user@example.com","password":"old","new_password":"new"}`,
	` { "username" : "u" , "password":"p","new_password":"n" } `,
	`{}`, ` {} `, `{"a":1,"b":-0.5e+3,"c":true,"d":false,"e":null,"f":0}`,
	`{"name":"Zoë ✓","x":"\u00e9"}`, `{"x":"a\"b"}`, `{"x":"tab	here"}`,
	`{"x":1e400}`, `{"x":01}`, `{"x":1.}`, `{"x":.5}`, `{"x":-}`, `{"x":1e}`, `{"x":+1}`,
	`{"x":{"y":1}}`, `{"x":[1]}`, `{"x":1,}`, `{"x":1}x`, `{"x":1}{}`, `{"x" 1}`, `{x:1}`,
	`{"x":tru}`, `{"x":nul}`, `{"x":"\xff"}`, `{"x":1,"x":2}`, `[]`, `"s"`, ``, `{`, `{"x":`,
	`{"hardware_id":"a","license_key":"K-1","product":"demo","is_vm":false,"vm_info":null}`,
}

func TestDecodeFlat(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, body string
		fast       bool // decodeFlat answers itself
	}{
		{"an SDK's body", flatSeeds[0], true},
		{"spaces", flatSeeds[1], true},
		{"empty object", `{}`, true},
		{"scalars", flatSeeds[4], true},
		{"non-ASCII text", `{"name":"Zoë ✓"}`, true},
		{"an escape goes to encoding/json", `{"x":"a\"b"}`, false},
		{"a nested object goes to encoding/json", `{"x":{"y":1}}`, false},
		{"a number out of range goes to encoding/json", `{"x":1e400}`, false},
		{"a leading zero is not JSON", `{"x":01}`, false},
		{"trailing data is not JSON", `{"x":1}x`, false},
		{"invalid UTF-8 goes to encoding/json", "{\"x\":\"\xff\"}", false},
		{"not an object", `[]`, false},
		{"the last of a repeated key wins", `{"x":1,"x":2}`, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := decodeFlat([]byte(tc.body), flatKeys)
			require.Equal(t, tc.fast, ok)
			if !ok {
				return
			}
			var want any
			require.NoError(t, json.Unmarshal([]byte(tc.body), &want))
			assert.Equal(t, want, got)
		})
	}
}

// FuzzDecodeFlat: whatever decodeFlat answers, encoding/json answers the same.
func FuzzDecodeFlat(f *testing.F) {
	for _, s := range flatSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, ok := decodeFlat(body, flatKeys)
		if !ok {
			return
		}
		var want any
		if err := json.Unmarshal(body, &want); err != nil {
			t.Fatalf("decodeFlat accepted %q, which encoding/json refuses: %v", body, err)
		}
		assert.Equal(t, want, any(got), "body %q", body)
	})
}

func BenchmarkDecodeFlat(b *testing.B) {
	body := []byte(flatSeeds[0])
	b.Run("decodeFlat", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := decodeFlat(body, flatKeys); !ok {
				b.Fatal("not decoded")
			}
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var v any
			if err := json.Unmarshal(body, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
}
