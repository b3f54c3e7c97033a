package mockserver

import (
	"sync"
	"sync/atomic"
)

// renderedErrors remembers the error answers the validator's refusals render to, by status,
// code and message (all that makes the body), so a refused request does not render its
// body and Content-Length again: 4 allocations on each missing_parameters or
// validation_error. Messages come from the spec or from the validator's wording of a body
// shape, so they are few; past maxRendered (or for a long message) an answer is rendered
// each time. Safe for concurrent use.
type renderedErrors struct {
	m sync.Map // errorKey -> apiError
	n atomic.Int32
}

type errorKey struct {
	status        int
	code, message string
}

const (
	maxRendered        = 256
	maxRenderedMessage = 512
)

// get is newAPIError(status, code, message), remembered.
func (r *renderedErrors) get(status int, code, message string) apiError {
	k := errorKey{status, code, message}
	if v, ok := r.m.Load(k); ok {
		return v.(apiError)
	}
	e := newAPIError(status, code, message)
	if len(message) <= maxRenderedMessage && r.n.Load() < maxRendered {
		if _, loaded := r.m.LoadOrStore(k, e); !loaded {
			r.n.Add(1)
		}
	}
	return e
}
