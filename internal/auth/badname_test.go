package auth

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestBadNameIsContainsAny(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"", "apikey", "api key", "a\tb", `a"b`, "a,b", "Zoë", "\xff,", "\xff", "a\u00a0b", "signature"} {
		assert.Equal(t, strings.ContainsAny(name, " \t\","), badName(name), "%q", name)
	}
}
