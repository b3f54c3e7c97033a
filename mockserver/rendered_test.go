package mockserver

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRenderedErrorsAgreeWithNewAPIError(t *testing.T) {
	t.Parallel()
	var r renderedErrors
	long := strings.Repeat("m", maxRenderedMessage+1)
	for i := range maxRendered + 5 {
		msg := "message " + strconv.Itoa(i)
		assert.Equal(t, newAPIError(400, "validation_error", msg), r.get(400, "validation_error", msg))
	}
	assert.Equal(t, int32(maxRendered), r.n.Load(), "bounded")
	assert.Equal(t, newAPIError(400, "missing_parameters", "Missing"), r.get(400, "missing_parameters", "Missing"))
	assert.Equal(t, newAPIError(422, "missing_parameters", "Missing"), r.get(422, "missing_parameters", "Missing"), "keyed by status too")
	assert.Equal(t, newAPIError(400, "x", long), r.get(400, "x", long))
	assert.Equal(t, newAPIError(400, "message 3", "y"), r.get(400, "message 3", "y"))
}
