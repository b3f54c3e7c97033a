package license

import (
	"fmt"
	"sort"
	"time"

	"github.com/lsmock/lsmock/internal/apierror"
	"github.com/lsmock/lsmock/internal/jsoncanon"
	"github.com/lsmock/lsmock/internal/spec"
)

// The behaviours of device variables.
const (
	BehaviorTrackVariables = "track_device_variables"
	BehaviorGetVariables   = "get_device_variables"
)

// How many device variables lsmock keeps, so that a hostile client cannot grow its memory
// (lsmock's choices: the vendor publishes no limits). A request past them gets a
// validation_error and changes nothing.
const (
	// MaxDeviceVariables is how many variables one device keeps in a session.
	MaxDeviceVariables = 100
	// MaxSessionVariables is how many variables all the devices of one session keep.
	MaxSessionVariables = 10_000
	// MaxVariableNameBytes is the longest variable name kept; values are kept up to the
	// engine's longest field (MaxFieldBytes by default).
	MaxVariableNameBytes = 255
)

// variable is a device variable in a session.
type variable struct {
	id      int64
	name    string
	value   string
	created time.Time // when it was last tracked
}

// deviceVariables are one device's variables, in the order first tracked.
type deviceVariables struct {
	list []*variable
}

func (dv *deviceVariables) get(name string) *variable {
	for _, v := range dv.list {
		if v.name == name {
			return v
		}
	}
	return nil
}

// VariableSnapshot is a device variable as the admin API shows it.
type VariableSnapshot struct {
	Variable  string    `json:"variable"`
	Value     string    `json:"value"`
	CreatedAt time.Time `json:"created_at"`
}

// variableText is a tracked value as lsmock keeps it: a string as it is, any other JSON
// value as its JSON text (lsmock's choice; the vendor answers values as strings).
func variableText(v any) (string, error) {
	if s, ok := v.(string); ok {
		return s, nil
	}
	b, err := jsoncanon.Marshal(v)
	return string(b), err
}

// trackVariables sets the variables of the request on its device, as track_device_variables
// does, and answers those it set, by name.
func (e *Engine) trackVariables(op *spec.Operation, a *Account, p Params) (any, Answer) {
	f, ls, refused := e.onDevice(op, a, p)
	if refused != nil {
		return nil, *refused
	}
	given, _ := p["variables"].(map[string]any)
	names := make([]string, 0, len(given))
	values := make(map[string]string, len(given))
	for name, v := range given {
		text, err := variableText(v)
		switch {
		case err != nil:
			return nil, e.tooMany(op, "variables."+name+": must be a JSON value")
		case name == "" || len(name) > MaxVariableNameBytes:
			return nil, e.tooMany(op, fmt.Sprintf("variables: a name must have 1 to %d bytes", MaxVariableNameBytes))
		case len(text) > e.maxField:
			return nil, e.tooMany(op, fmt.Sprintf("variables.%s: must be at most %d bytes", name, e.maxField))
		}
		names, values[name] = append(names, name), text
	}
	sort.Strings(names)
	hwid := p.Str("hardware_id")
	dv := ls.vars[hwid]
	if dv == nil {
		dv = &deviceVariables{}
	}
	added := 0
	for _, name := range names {
		if dv.get(name) == nil {
			added++
		}
	}
	if len(dv.list)+added > MaxDeviceVariables {
		return nil, e.tooMany(op, fmt.Sprintf("variables: lsmock keeps at most %d variables per device", MaxDeviceVariables))
	}
	if a.variables+added > MaxSessionVariables {
		return nil, e.tooMany(op, fmt.Sprintf("variables: lsmock keeps at most %d device variables per session; reset the session", MaxSessionVariables))
	}
	if ls.vars == nil {
		ls.vars = map[string]*deviceVariables{}
	}
	ls.vars[hwid], a.variables = dv, a.variables+added
	now, dev := e.now(a).UTC(), ls.devices[hwid]
	out := make([]jsoncanon.Object, len(names))
	for i, name := range names {
		v := dv.get(name)
		if v == nil {
			v = &variable{id: StableID("device-variable", f.lic.Ref()+"\x00"+hwid+"\x00"+name), name: name}
			dv.list = append(dv.list, v)
		}
		v.value, v.created = values[name], now
		out[i] = jsoncanon.Pairs(
			"variable", v.name,
			"value", v.value,
			"device_id", dev.ID,
			"created_at", now.UnixMilli(),
		)
	}
	return out, Answer{}
}

// tooMany is the validation_error of a track_device_variables lsmock will not keep.
func (e *Engine) tooMany(op *spec.Operation, msg string) Answer {
	a := e.fail(op, "validation_error", msg)
	a.Body = apierror.Body(a.Status, a.Code, msg)
	return a
}

// getVariables lists the variables of the request's device.
func (e *Engine) getVariables(op *spec.Operation, a *Account, p Params) (any, Answer) {
	_, ls, refused := e.onDevice(op, a, p)
	if refused != nil {
		return nil, *refused
	}
	hwid := p.Str("hardware_id")
	dev := ls.devices[hwid]
	out := []jsoncanon.Object{}
	if dv := ls.vars[hwid]; dv != nil {
		for _, v := range dv.list {
			out = append(out, jsoncanon.Pairs(
				"id", v.id,
				"created_at", iso(v.created),
				"variable", v.name,
				"value", v.value,
				"device_id", dev.ID,
			))
		}
	}
	return out, Answer{}
}

// forgetVariables drops a deactivated device's variables (lsmock's choice: the device is
// gone, and what it kept goes with it, so deactivating frees the memory).
func (a *Account) forgetVariables(ls *licenseState, hwid string) {
	if dv := ls.vars[hwid]; dv != nil {
		a.variables -= len(dv.list)
		delete(ls.vars, hwid)
	}
}

// variablesOf is a device's variables as the admin API shows them.
func variablesOf(ls *licenseState, hwid string) []VariableSnapshot {
	dv := ls.vars[hwid]
	if dv == nil {
		return nil
	}
	out := make([]VariableSnapshot, len(dv.list))
	for i, v := range dv.list {
		out[i] = VariableSnapshot{Variable: v.name, Value: v.value, CreatedAt: v.created}
	}
	return out
}
