package auth_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/auth"
)

func TestParse(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in string
		want     map[string]string
		bearer   string
		err      bool
	}{
		{name: "Node SDK", in: `algorithm="hmac-sha256",headers="date",signature="a+b/c=",apikey="k1"`,
			want: map[string]string{"algorithm": "hmac-sha256", "headers": "date", "signature": "a+b/c=", "apikey": "k1"}},
		{name: "Python SDK: camelCase and spaces", in: `algorithm="hmac-sha256", headers="date", signature="s=", apiKey="k2"`,
			want: map[string]string{"algorithm": "hmac-sha256", "headers": "date", "signature": "s=", "apikey": "k2"}},
		{name: "bare values", in: `algorithm=hmac-sha256,apikey=k3`, want: map[string]string{"algorithm": "hmac-sha256", "apikey": "k3"}},
		{name: "comma inside quotes", in: `signature="a,b",apikey="k"`, want: map[string]string{"signature": "a,b", "apikey": "k"}},
		{name: "bearer", in: "Bearer tok", bearer: "tok"},
		{name: "bearer any case", in: "bearer  tok2 ", bearer: "tok2"},
		{name: "empty bearer", in: "Bearer ", err: true},
		{name: "garbage", in: "garbage", err: true},
		{name: "unterminated quote", in: `apikey="k`, err: true},
		{name: "junk after value", in: `apikey="k" x`, err: true},
		{name: "empty", in: "", err: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, err := auth.Parse(tc.in)
			if tc.err {
				assert.ErrorIs(t, err, auth.ErrUnparsable)
				assert.Empty(t, h.APIKey(), "no key from a header that does not parse")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.bearer, h.Bearer)
			if tc.want != nil {
				got := map[string]string{}
				for _, p := range auth.HMACParams {
					if v, ok := h.Param(p); ok {
						got[p.String()] = v
					}
				}
				assert.Equal(t, tc.want, got)
			}
			assert.NotEmpty(t, h.APIKey())
		})
	}
}
