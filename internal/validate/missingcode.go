package validate

import "github.com/lsmock/lsmock/internal/spec"

// missingOne is the refusal of a request that lacks exactly one required parameter, name,
// when the operation documents a code of its own for it, "missing_" + name (the vendor's
// missing_hardware_id): ok is false otherwise, and missing_parameters answers. Several
// missing parameters are always missing_parameters, naming them all.
func (v *Validator) missingOne(op *spec.Operation, missing []string) (Rejection, bool) {
	if len(missing) != 1 {
		return Rejection{}, false
	}
	code := "missing_" + missing[0]
	if _, own := op.Errors[code]; !own {
		return Rejection{}, false
	}
	rej := v.rejection(op, code)
	rej.Detail = "missing required parameter: " + missing[0]
	return rej, true
}
