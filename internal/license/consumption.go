package license

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/lsmock/lsmock/internal/apierror"
	"github.com/lsmock/lsmock/internal/jsoncanon"
	"github.com/lsmock/lsmock/internal/spec"
)

// featureState is a feature's state in one session: consumptions and floating seats.
type featureState struct {
	consumed int
	seats    map[string]*seat // by hardware_id
}

// seat is a device's floating seat: renewed by each check, kept past the timeout while it
// is borrowed.
type seat struct {
	renewed       time.Time
	borrowedUntil time.Time // zero: not borrowed
}

func (ls *licenseState) feature(code string) *featureState {
	fs := ls.features[code]
	if fs == nil {
		fs = &featureState{seats: map[string]*seat{}}
		if ls.features == nil {
			ls.features = map[string]*featureState{}
		}
		ls.features[code] = fs
	}
	return fs
}

// onFeature is onDevice, then the feature the request names on the license.
func (e *Engine) onFeature(op *spec.Operation, a *Account, p Params) (found, *licenseState, *Feature, *Answer) {
	f, ls, refused := e.onDevice(op, a, p)
	if refused != nil {
		return found{}, nil, nil, refused
	}
	ft, refused := e.feature(op, f.lic, p.Str("feature"))
	if refused != nil {
		return found{}, nil, nil, refused
	}
	return f, ls, ft, nil
}

// feature finds the feature a request names on a license.
func (e *Engine) feature(op *spec.Operation, l *License, code string) (*Feature, *Answer) {
	for i := range l.Features {
		if l.Features[i].Code == code {
			return &l.Features[i], nil
		}
	}
	r := e.fail(op, e.catalog.Code(CondUnknownFeature), "the license has no feature "+strconv.Quote(code))
	return nil, &r
}

// consumptions is the request's consumptions field: an integer (the validator made sure).
// ok is false for one no int64 holds (9223372036854775807 reads as 2^63, 1e300).
func consumptions(p Params) (n int, ok bool) {
	if f, isNumber := p["consumptions"].(float64); isNumber {
		if f < math.MinInt || f >= math.MaxInt { // MaxInt as a float64 is 2^63 on 64-bit
			return 0, false
		}
		return int(f), true
	}
	n, err := strconv.Atoi(p.Str("consumptions"))
	return n, err == nil || p.Str("consumptions") == ""
}

// consumptionLimit is the most a total may reach: max, plus the overages allowed; -1 for
// no limit.
func consumptionLimit(unlimited bool, max int, overages bool, maxOverages int) int {
	switch {
	case unlimited:
		return -1
	case overages:
		return max + maxOverages
	}
	return max
}

// add is a + b, ok false when it overflows an int.
func add(a, b int) (int, bool) {
	sum := a + b
	return sum, (b >= 0) == (sum >= a)
}

// spend adds n to total within a limit: limit < 0 is none. It answers the condition that
// refuses it, or "": condOutOfRange for a total an int cannot hold, never a wrapped one.
func spend(total, n, limit int, negative bool) (int, string) {
	sum, ok := add(total, n)
	switch {
	case n < 0 && !negative:
		return total, CondNegativeConsumptions
	case !ok:
		return total, condOutOfRange
	case limit >= 0 && sum > limit:
		return total, CondNotEnoughConsumptions
	}
	return sum, ""
}

// condOutOfRange is spend's refusal of a total that would pass the int64 bounds: a
// validation_error, lsmock's choice (the vendor's limits are not published).
const condOutOfRange = "out_of_range"

// outOfRange is the validation_error for consumptions no total can hold.
func (e *Engine) outOfRange(op *spec.Operation, detail string) Answer {
	a := e.fail(op, "validation_error", detail)
	a.Body = apierror.Body(a.Status, a.Code, "consumptions: out of range")
	return a
}

// addConsumption adds a request's consumptions to its license's total.
func (e *Engine) addConsumption(op *spec.Operation, a *Account, p Params) (any, Answer) {
	f, ls, refused := e.onDevice(op, a, p)
	if refused != nil {
		return nil, *refused
	}
	l := f.lic
	if l.Type != Consumption {
		return nil, e.fail(op, e.catalog.Code(CondWrongLicenseType), "the license is a "+l.Type+" license, not a consumption license")
	}
	limit := consumptionLimit(l.UnlimitedConsumptions, l.MaxConsumptions, l.AllowOverages, l.MaxOverages)
	n, ok := consumptions(p)
	if !ok {
		return nil, e.outOfRange(op, "consumptions is beyond a 64-bit integer")
	}
	total, cond := spend(ls.consumed, n, limit, l.AllowNegativeConsumptions)
	if cond == condOutOfRange {
		return nil, e.outOfRange(op, fmt.Sprintf("%d consumed and %d more would pass a 64-bit integer", ls.consumed, n))
	}
	if cond != "" {
		return nil, e.fail(op, e.catalog.Code(cond), fmt.Sprintf("%d consumed, %d more asked, %d allowed", ls.consumed, n, limit))
	}
	ls.consumed = total
	o := jsoncanon.Pairs(
		"id", l.ID,
		"max_consumptions", l.MaxConsumptions,
		"allow_unlimited_consumptions", l.UnlimitedConsumptions,
		"allow_negative_consumptions", l.AllowNegativeConsumptions,
		"allow_overages", l.AllowOverages,
		"max_overages", l.MaxOverages,
		"reset_consumption", l.ResetConsumption,
		"consumption_period", orNull(l.ConsumptionPeriod),
		"total_consumptions", total,
		"company", jsoncanon.Pairs("id", companyID),
	)
	return o, Answer{}
}

// addFeatureConsumption adds a request's consumptions to its feature's total.
func (e *Engine) addFeatureConsumption(op *spec.Operation, a *Account, p Params) (any, Answer) {
	f, ls, ft, refused := e.onFeature(op, a, p)
	if refused != nil {
		return nil, *refused
	}
	if ft.Type != "consumption" {
		return nil, e.fail(op, e.catalog.Code(CondFeatureNotConsumption), "feature "+ft.Code+" is an "+ft.Type+" feature")
	}
	if r := e.featureExpired(op, a, ft); r != nil {
		return nil, *r
	}
	limit := consumptionLimit(ft.UnlimitedConsumption, ft.MaxConsumption, ft.AllowOverages, ft.MaxOverages)
	n, ok := consumptions(p)
	if !ok {
		return nil, e.outOfRange(op, "consumptions is beyond a 64-bit integer")
	}
	fs := ls.feature(ft.Code)
	total, cond := spend(fs.consumed, n, limit, ft.AllowNegative)
	if cond == condOutOfRange {
		return nil, e.outOfRange(op, fmt.Sprintf("feature %s: %d consumed and %d more would pass a 64-bit integer", ft.Code, fs.consumed, n))
	}
	if cond == CondNotEnoughConsumptions {
		cond = CondFeatureNotEnough
	}
	if cond != "" {
		return nil, e.fail(op, e.catalog.Code(cond), fmt.Sprintf("feature %s: %d consumed, %d more asked, %d allowed", ft.Code, fs.consumed, n, limit))
	}
	fs.consumed = total
	o := jsoncanon.Pairs(
		"id", ft.ID,
		"license_id", f.lic.ID,
		"company", jsoncanon.Pairs("id", companyID),
		"total_consumptions", total,
		"max_consumptions", ft.MaxConsumption,
		"allow_negative_consumptions", ft.AllowNegative,
		"allow_unlimited_consumptions", ft.UnlimitedConsumption,
		"allow_overages", ft.AllowOverages,
		"max_overages", ft.MaxOverages,
		"reset_consumption", ft.ResetConsumption,
		"consumption_period", orNull(ft.ConsumptionPeriod),
		"is_floating", ft.Floating,
		"is_floating_cloud", ft.FloatingCloud,
	)
	if ft.IsFloating() {
		o = append(o, jsoncanon.Pair("floating_timeout", ft.FloatingTimeout), jsoncanon.Pair("floating_users", ft.FloatingUsers))
	}
	return o, Answer{}
}

// featureExpired refuses a feature past its expiry_date.
func (e *Engine) featureExpired(op *spec.Operation, a *Account, ft *Feature) *Answer {
	if ft.ExpiryDate.IsZero() || e.now(a).Before(ft.ExpiryDate) {
		return nil
	}
	r := e.fail(op, e.catalog.Code(CondFeatureExpired), "feature "+ft.Code+" expired "+iso(ft.ExpiryDate))
	return &r
}

// checkFeature checks the feature a request names, taking its floating seat.
func (e *Engine) checkFeature(op *spec.Operation, a *Account, p Params) (any, Answer) {
	f, ls, ft, refused := e.onFeature(op, a, p)
	if refused != nil {
		return nil, *refused
	}
	if r := e.featureExpired(op, a, ft); r != nil {
		return nil, *r
	}
	fs := ls.feature(ft.Code)
	inUse := 0
	if ft.IsFloating() {
		var r *Answer
		if _, inUse, r = e.takeSeat(op, a, fs.seats, p.Str("hardware_id"), ft.FloatingUsers, ft.FloatingTimeout, time.Time{}, "feature "+ft.Code); r != nil {
			return nil, *r
		}
	}
	o := jsoncanon.Pairs(
		"id", ft.ID,
		"license_id", f.lic.ID,
		"code", ft.Code,
		"name", ft.Name,
		"feature_type", ft.Type,
		"company", jsoncanon.Pairs("id", companyID),
		"metadata", ft.Metadata,
	)
	if p.Str("include_metadata_string") == "true" {
		o = append(o, jsoncanon.Pair("metadata_string", jsonText{ft.Metadata}))
	}
	o = append(o, jsoncanon.Pair("is_floating", ft.Floating), jsoncanon.Pair("is_floating_cloud", ft.FloatingCloud))
	if ft.IsFloating() {
		o = append(o, jsoncanon.Pairs("floating_timeout", ft.FloatingTimeout, "floating_users", ft.FloatingUsers,
			"floating_in_use_devices", inUse)...)
	}
	o = append(o, jsoncanon.Pair("expiry_date", isoOrNull(ft.ExpiryDate)))
	if ft.Type == "consumption" {
		o = append(o, jsoncanon.Pairs(
			"consumption_period", orNull(ft.ConsumptionPeriod),
			"allow_negative_consumptions", ft.AllowNegative,
			"allow_overages", ft.AllowOverages,
			"allow_unlimited_consumptions", ft.UnlimitedConsumption,
			"max_consumption", ft.MaxConsumption,
			"max_overages", ft.MaxOverages,
			"reset_consumption", ft.ResetConsumption,
			"total_consumptions", fs.consumed,
		)...)
	}
	return o, Answer{}
}

// takeSeat gives hardwareID one of users floating seats (renewing its own; borrowing it
// until borrowedUntil when that is set), after freeing the seats that lapsed. It answers
// the seat and how many are in use, or the max_floating_reached condition's code. users 0 means no limit.
func (e *Engine) takeSeat(op *spec.Operation, a *Account, seats map[string]*seat, hardwareID string, users, timeout int, borrowedUntil time.Time, what string) (*seat, int, *Answer) {
	now := e.now(a)
	expireSeats(seats, now, timeout)
	s := seats[hardwareID]
	if s == nil {
		if users > 0 && len(seats) >= users {
			r := e.fail(op, e.catalog.Code(CondMaxFloatingReached), fmt.Sprintf("%s: all %d floating seats are in use by other devices", what, users))
			return nil, len(seats), &r
		}
		s = &seat{}
		seats[hardwareID] = s
	}
	s.renewed = now
	if !borrowedUntil.IsZero() {
		s.borrowedUntil = borrowedUntil
	}
	return s, len(seats), nil
}

// expireSeats frees the seats not renewed within timeout minutes (0: never) and not
// borrowed until later.
func expireSeats(seats map[string]*seat, now time.Time, timeout int) {
	for hw, s := range seats {
		if !s.borrowedUntil.IsZero() && now.Before(s.borrowedUntil) {
			continue
		}
		s.borrowedUntil = time.Time{}
		if timeout > 0 && now.Sub(s.renewed) >= time.Duration(timeout)*time.Minute {
			delete(seats, hw)
		}
	}
}
