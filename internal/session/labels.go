package session

import (
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
)

// Labels remembers the labels of the credentials it has seen, so a request with a known API
// key does not hash it again (a SHA-256 and an allocation each, ~4% of a valid request's
// time in the handler). It holds at most maxLabels credentials of at most MaxLen bytes (the
// keys a Store keeps anyway); others are labelled afresh each time. Safe for concurrent use.
type Labels struct {
	m sync.Map // credential -> Label
	n atomic.Int32
}

// maxLabels bounds Labels: far more API keys than the CI jobs one lsmock serves at once.
const maxLabels = 1024

// Of is Of(r, credential), with the credential's label remembered (a nil l remembers nothing).
func (l *Labels) Of(r *http.Request, credential string) ID {
	if s := r.Header[Header]; len(s) > 0 && s[0] != "" {
		k := capped(s[0])
		return ID{Key: k, Label: Label(k)}
	}
	if credential == "" {
		return ID{}
	}
	return ID{Key: capped(credential), Label: l.Label(credential)}
}

// Label is LabelOf(credential), remembered.
func (l *Labels) Label(credential string) Label {
	if l == nil {
		return LabelOf(credential)
	}
	if v, ok := l.m.Load(credential); ok {
		return v.(Label)
	}
	label := LabelOf(credential)
	if len(credential) <= MaxLen && l.n.Load() < maxLabels {
		// A copy: credential may share the memory of a whole header.
		if _, loaded := l.m.LoadOrStore(strings.Clone(credential), label); !loaded {
			l.n.Add(1)
		}
	}
	return label
}
