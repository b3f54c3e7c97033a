package validate

import "github.com/lsmock/lsmock/internal/spec"

// NewThroughLibrary is NewDeferred with every parameter checked by libopenapi-validator on
// the document's model, as before the direct checks: the oracle they are held to.
func NewThroughLibrary(s *spec.Spec) *Validator {
	v := newValidator(s)
	v.libraryParams = true
	return v
}
