package apierror

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAppendBodyMatchesEncodingJSON: the hand-rolled encoder is byte-for-byte what
// encoding/json writes, for texts that need escaping too.
func TestAppendBodyMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	type body struct {
		Status  int    `json:"status"`
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	for _, msg := range []string{
		"Some headers are missing",
		`quote " and backslash \ and slash /`,
		"control \x00\x01\x1f\n\t\r chars",
		"html <b>&</b>",
		"unicode é ü 日本 \u2028 \u2029 emoji 🚀",
		"invalid utf8 \xff\xfe end",
		"",
	} {
		want, err := json.Marshal(body{Status: 400, Code: "c\"ode", Message: msg})
		require.NoError(t, err)
		assert.Equal(t, string(want), string(AppendBody(nil, 400, "c\"ode", msg)), "message %q", msg)
	}
}
