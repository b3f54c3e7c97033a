package jsoncanon_test

import (
	"bytes"
	"encoding/json"
	"math"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/jsoncanon"
	"github.com/lsmock/lsmock/internal/testutil"
)

// cases are values whose JSON Go's encoding/json writes differently from JSON.stringify.
var cases = []struct {
	name string
	v    any
	want string
}{
	{"HTML characters raw", jsoncanon.Object{{"q", "a&b <c> 'd'"}}, `{"q":"a&b <c> 'd'"}`},
	{"non-ASCII raw", jsoncanon.Object{{"address", "ČK12 – Zürich 東京 🙂"}}, `{"address":"ČK12 – Zürich 東京 🙂"}`},
	{"line and paragraph separators raw", "a\u2028b\u2029c", "\"a\u2028b\u2029c\""},
	{"short escapes", "\b\f\n\r\t\"\\", `"\b\f\n\r\t\"\\"`},
	{"other control characters", "\x00\x1f\x7f", "\"\\u0000\\u001f\x7f\""},
	{"invalid UTF-8 becomes U+FFFD", "a\xffb", "\"a\uFFFDb\""},
	{"16-digit ids stay integers", jsoncanon.Object{{"id", int64(1750853542919019)}, {"company", jsoncanon.Object{{"id", 276}}}},
		`{"id":1750853542919019,"company":{"id":276}}`},
	{"key order as written", jsoncanon.Object{{"z", 1}, {"a", 2}, {"m", 3}}, `{"z":1,"a":2,"m":3}`},
	{"integer-like keys first, ascending", jsoncanon.Object{{"b", 1}, {"10", 2}, {"2", 3}, {"01", 4}, {"a", 5}},
		`{"2":3,"10":2,"b":1,"01":4,"a":5}`},
	{"maps by sorted key", map[string]any{"b": true, "a": nil, "5": 1.0}, `{"5":1,"a":null,"b":true}`},
	{"numbers as ECMAScript prints them", []any{1.0, -0.0, 0.1, 1.5e-7, 1e21, 123456789012345680000.0, 1e-6, -2.5},
		`[1,0,0.1,1.5e-7,1e+21,123456789012345680000,0.000001,-2.5]`},
	{"nested", jsoncanon.Object{{"list", []jsoncanon.Object{{{"x", nil}}, {}}}, {"strings", []string{"a", "b"}}},
		`{"list":[{"x":null},{}],"strings":["a","b"]}`},
}

func TestMarshal(t *testing.T) {
	t.Parallel()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := jsoncanon.Marshal(tc.v)
			require.NoError(t, err)
			assert.Equal(t, tc.want, string(got))
			assert.True(t, json.Valid(got), "valid JSON: %s", got)
		})
	}
}

func TestMarshalRefuses(t *testing.T) {
	t.Parallel()
	for _, v := range []any{math.NaN(), math.Inf(1), struct{}{}, []any{make(chan int)}} {
		_, err := jsoncanon.Marshal(v)
		assert.Error(t, err, "%T", v)
	}
}

// TestJavaScriptAgrees asks node itself: JSON.stringify(JSON.parse(body)) must give back
// every body byte for byte, as the Node SDK's signature check needs. It skips without node
// (CI has it).
func TestJavaScriptAgrees(t *testing.T) {
	t.Parallel()
	node := testutil.Node(t)
	var lines []string
	for _, tc := range cases {
		b, err := jsoncanon.Marshal(tc.v)
		require.NoError(t, err)
		lines = append(lines, string(b))
	}
	// Each body travels as a JSON string on its own line, so separators in it cannot split it.
	var in bytes.Buffer
	for _, l := range lines {
		q, _ := json.Marshal(l)
		in.Write(q)
		in.WriteByte('\n')
	}
	cmd := exec.Command(node, "-e", `
const lines = require('fs').readFileSync(0, 'utf8').split('\n').filter(Boolean);
for (const l of lines) {
  const body = JSON.parse(l);
  console.log(JSON.stringify(JSON.stringify(JSON.parse(body)) === body ? 'same' : JSON.stringify(JSON.parse(body))));
}`)
	cmd.Stdin = &in
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	got := strings.Split(strings.TrimSpace(string(out)), "\n")
	require.Len(t, got, len(lines))
	for i, g := range got {
		assert.Equal(t, `"same"`, g, "%s: JSON.stringify gives %s for %s", cases[i].name, g, lines[i])
	}
}
