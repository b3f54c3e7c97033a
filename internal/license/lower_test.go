package license

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/testutil"
)

// lowerCases are strings JavaScript's toLowerCase and Go's strings.ToLower lower
// differently, and some they agree on; want is what node v20 gives.
var lowerCases = []struct{ in, want string }{
	{"DEMO-PERP-0000-0001", "demo-perp-0000-0001"},
	{"İ", "i\u0307"},
	{"İSTANBUL-1#KEY#", "i\u0307stanbul-1#key#"},
	{"I\u0307", "i\u0307"},
	{"Σ", "σ"},                     // no cased letter before it
	{"ΣΑΣ", "σας"},                 // word-final
	{"ΟΔΟΣ-ΣΑΣ#K#", "οδος-σας#k#"}, // a hyphen and a # end a word
	{"ΑΣ.Β", "ασ.β"},               // '.' is case-ignorable: the word goes on
	{"ΑΣ.", "ας."},
	{"Α'Σ", "α'ς"},           // skipped backwards too
	{"ΑΣ\u0301", "ας\u0301"}, // a combining mark after it is ignored
	{"ΑΣ\u0301Β", "ασ\u0301β"},
	{"ΑΣ\u00adΒ", "ασ\u00adβ"}, // soft hyphen: Cf
	{"1Σ", "1σ"},
	{"ΑΣ1", "ας1"},
	{"\u0345Σ", "\u0345σ"}, // cased and case-ignorable: skipped (as ICU does)
	{"ΣΣΣ", "σσς"},
	{"ᾼΣ", "ᾳς"}, // a titlecase letter is cased
	{"ΑΣ\U0001d165", "ας\U0001d165"},
	{"ẞ Ω K Å", "ß ω k å"}, // simple mappings, as Go's
	{"", ""},
}

func TestJSLower(t *testing.T) {
	t.Parallel()
	for _, tc := range lowerCases {
		assert.Equal(t, tc.want, jsLower(tc.in), "%+q", tc.in)
	}
}

// TestJSLowerAgreesWithNode asks JavaScript itself.
func TestJSLowerAgreesWithNode(t *testing.T) {
	t.Parallel()
	node := testutil.Node(t)
	var in bytes.Buffer
	for _, tc := range lowerCases {
		q, err := json.Marshal(tc.in)
		require.NoError(t, err)
		in.Write(q)
		in.WriteByte('\n')
	}
	cmd := exec.Command(node, "-e", `
const lines = require('fs').readFileSync(0, 'utf8').split('\n').filter(Boolean);
for (const l of lines) console.log(JSON.stringify(JSON.parse(l).toLowerCase()));`)
	cmd.Stdin = &in
	out, err := cmd.Output()
	require.NoError(t, err)
	got := strings.Split(strings.TrimSpace(string(out)), "\n")
	require.Len(t, got, len(lowerCases))
	for i, tc := range lowerCases {
		var js string
		require.NoError(t, json.Unmarshal([]byte(got[i]), &js))
		assert.Equal(t, js, jsLower(tc.in), "%+q", tc.in)
	}
}
