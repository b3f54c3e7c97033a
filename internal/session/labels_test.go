package session

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLabelsAgreeWithOf(t *testing.T) {
	t.Parallel()
	var l Labels
	long := string(make([]byte, MaxLen+1))
	cases := []struct {
		name, header, credential string
	}{
		{"api key", "", "key-1"},
		{"same key again", "", "key-1"},
		{"session header wins", "ci-job-7", "key-1"},
		{"no credential", "", ""},
		{"long credential", "", long},
		{"long session", long, ""},
	}
	for _, tc := range cases {
		r, err := http.NewRequest(http.MethodGet, "/", nil)
		require.NoError(t, err)
		if tc.header != "" {
			r.Header.Set(Header, tc.header)
		}
		assert.Equal(t, Of(r, tc.credential), l.Of(r, tc.credential), tc.name)
	}
}

func TestLabelsAreBounded(t *testing.T) {
	t.Parallel()
	var l Labels
	for i := range maxLabels + 10 {
		k := "key-" + strconv.Itoa(i)
		assert.Equal(t, LabelOf(k), l.Label(k))
	}
	assert.Equal(t, int32(maxLabels), l.n.Load())
	assert.Equal(t, LabelOf("key-5"), l.Label("key-5"), "remembered")
	assert.Equal(t, LabelOf("key-1030"), l.Label("key-1030"), "not remembered, still right")
}
