package yamldec_test

import (
	"testing"

	"github.com/pb33f/go-yaml"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/yamldec"
)

// TestPathAt: a place in a body is named as a user names the field there.
func TestPathAt(t *testing.T) {
	t.Parallel()
	const body = `{"license": {"product": "demo", "product_features": [{"code": "f"}, {"code": 7}]}}`
	var root yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte(body), &root))
	for _, tc := range []struct {
		col  int
		want string
	}{
		{1, ""},                                  // the body
		{2, "license"},                           // a key
		{13, "license"},                          // its value
		{25, "license.product"},                  // a nested value
		{33, "license.product_features"},         // a key of a list
		{54, "license.product_features[0]"},      // an item
		{70, "license.product_features[1].code"}, // an item's key
		{78, "license.product_features[1].code"}, // and its value
		{200, ""},                                // nowhere
	} {
		assert.Equal(t, tc.want, yamldec.PathAt(&root, 1, tc.col), "column %d", tc.col)
	}
	assert.Empty(t, yamldec.PathAt(nil, 1, 1))
}
