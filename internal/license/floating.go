package license

import (
	"strconv"
	"time"

	"github.com/lsmock/lsmock/internal/jsoncanon"
	"github.com/lsmock/lsmock/internal/spec"
)

// borrowUntil reads a request's borrowed_until: an ISO 8601 time, or null (or absent) for
// now + maxHours. It must be in the future and within maxHours (0: any future time, and null
// is not valid).
func (e *Engine) borrowUntil(op *spec.Operation, a *Account, p Params, maxHours int) (time.Time, *Answer) {
	now := e.now(a)
	limit := now.Add(time.Duration(maxHours) * time.Hour)
	raw, _ := p["borrowed_until"].(string)
	if raw == "" {
		if maxHours > 0 {
			return limit, nil
		}
		r := e.fail(op, "borrow_until_not_valid", "borrowed_until is null and the license declares no max_borrow_time")
		return time.Time{}, &r
	}
	until, err := time.Parse(time.RFC3339Nano, raw)
	switch {
	case err != nil:
		r := e.fail(op, "borrow_until_not_valid", "borrowed_until is not an ISO 8601 time such as "+iso(limit))
		return time.Time{}, &r
	case !until.After(now):
		r := e.fail(op, "borrow_until_not_valid", "borrowed_until is not in the future")
		return time.Time{}, &r
	case maxHours > 0 && until.After(limit):
		r := e.fail(op, "borrow_until_not_valid", "borrowed_until is past max_borrow_time ("+strconv.Itoa(maxHours)+" hours)")
		return time.Time{}, &r
	}
	return until, nil
}

// floatingSeat takes (or renews) the device's seat of a floating license in a check; nil
// for a license that is not floating.
func (e *Engine) floatingSeat(op *spec.Operation, a *Account, l *License, ls *licenseState, hardwareID string) (*seat, int, *Answer) {
	if !l.IsFloating() {
		return nil, 0, nil
	}
	return e.takeSeat(op, a, ls.seats, hardwareID, l.FloatingUsers, l.Timeout(), time.Time{}, "license "+l.Ref())
}

// floatingBorrow borrows the device's seat of a floating license.
func (e *Engine) floatingBorrow(op *spec.Operation, a *Account, p Params) (any, Answer) {
	f, ls, refused := e.onDevice(op, a, p)
	if refused != nil {
		return nil, *refused
	}
	l := f.lic
	switch {
	case !l.IsFloating():
		return nil, e.fail(op, e.catalog.Code(CondLicenseNotFloating), "the license is not floating")
	case !l.CanBorrow:
		return nil, e.fail(op, e.catalog.Code(CondBorrowingNotAllowed), "the license is declared without can_borrow")
	}
	until, refused := e.borrowUntil(op, a, p, l.MaxBorrowTime)
	if refused != nil {
		return nil, *refused
	}
	hw := p.Str("hardware_id")
	if _, _, refused := e.takeSeat(op, a, ls.seats, hw, l.FloatingUsers, l.Timeout(), until, "license "+l.Ref()); refused != nil {
		return nil, *refused
	}
	return jsoncanon.Pairs(
		"borrowed_until", iso(until),
		"max_borrow_time", l.MaxBorrowTime,
		"device_id", ls.devices[hw].ID,
		"license_id", l.ID,
		"company", jsoncanon.Pairs("id", companyID),
	), Answer{}
}

func (e *Engine) floatingRelease(op *spec.Operation, a *Account, p Params) (any, Answer) {
	f, ls, refused := e.onDevice(op, a, p)
	if refused != nil {
		return nil, *refused
	}
	if !f.lic.IsFloating() {
		return nil, e.fail(op, e.catalog.Code(CondLicenseNotFloating), "the license is not floating")
	}
	delete(ls.seats, p.Str("hardware_id"))
	return nil, Answer{Status: 200}
}

// onFloatingFeature is onFeature for a feature that must be floating.
func (e *Engine) onFloatingFeature(op *spec.Operation, a *Account, p Params) (found, *licenseState, *Feature, *Answer) {
	f, ls, ft, refused := e.onFeature(op, a, p)
	if refused == nil && !ft.IsFloating() {
		r := e.fail(op, e.catalog.Code(CondFeatureNotFloating), "feature "+ft.Code+" is not floating")
		refused = &r
	}
	return f, ls, ft, refused
}

// floatingFeatureBorrow borrows the device's seat of a floating feature.
func (e *Engine) floatingFeatureBorrow(op *spec.Operation, a *Account, p Params) (any, Answer) {
	f, ls, ft, refused := e.onFloatingFeature(op, a, p)
	if refused != nil {
		return nil, *refused
	}
	until, refused := e.borrowUntil(op, a, p, f.lic.MaxBorrowTime)
	if refused != nil {
		return nil, *refused
	}
	fs := ls.feature(ft.Code)
	if _, _, refused := e.takeSeat(op, a, fs.seats, p.Str("hardware_id"), ft.FloatingUsers, ft.FloatingTimeout, until, "feature "+ft.Code); refused != nil {
		return nil, *refused
	}
	return jsoncanon.Pairs(
		"id", ft.ID,
		"license_id", f.lic.ID,
		"code", ft.Code,
		"borrowed_until", iso(until),
		"company", jsoncanon.Pairs("id", companyID),
	), Answer{}
}

func (e *Engine) floatingFeatureRelease(op *spec.Operation, a *Account, p Params) (any, Answer) {
	_, ls, ft, refused := e.onFloatingFeature(op, a, p)
	if refused != nil {
		return nil, *refused
	}
	delete(ls.feature(ft.Code).seats, p.Str("hardware_id"))
	return nil, Answer{Status: 200}
}
