package license

import (
	"fmt"
	"strings"

	"github.com/lsmock/lsmock/internal/spec"
)

// The vendor's codes this file's conditions answer (its SDK errors and License API error
// pages), each produced by declared state.
const (
	CodeMissingHardwareID   = "missing_hardware_id"
	CodeLicenseKeyRequired  = "license_key_required"
	CodeDisabledProduct     = "disabled_product"
	CodeArchivedProduct     = "archived_product"
	CodeBlacklisted         = "blacklisted"
	CodeTransferredMaxTimes = "license_transferred_max_times"
	// CodeUserActivatedMaxTimes is spelled as the vendor's SDK errors page spells it.
	CodeUserActivatedMaxTimes = "licenseUserActivatedMaxTimes"
)

// The product statuses a declaration may give; "" is active.
const (
	ProductActive   = "active"
	ProductDisabled = "disabled"
	ProductArchived = "archived"
)

// NoTransfers, as a license's MaxTransfers, refuses every transfer: the vendor's "Prevent
// Device Transfers" (a node-locked license). lsmock's encoding; the vendor publishes none.
// MaxTransfers 0 is no limit, as a production answer shows (transfer_count 8 with
// max_transfers 0).
const NoTransfers = -1

// missingHardwareID refuses an empty hardware_id: it names no device.
func (e *Engine) missingHardwareID(op *spec.Operation) Answer {
	return e.fail(op, CodeMissingHardwareID, "hardware_id is empty")
}

// productStatus refuses a product declared disabled or archived; nil for an active one.
func (e *Engine) productStatus(op *spec.Operation, prod *Product) *Answer {
	var a Answer
	switch prod.Status {
	case ProductDisabled:
		a = e.fail(op, CodeDisabledProduct, "product "+prod.Code+" is declared status: disabled")
	case ProductArchived:
		a = e.fail(op, CodeArchivedProduct, "product "+prod.Code+" is declared status: archived")
	default:
		return nil
	}
	return &a
}

// keyRequired refuses a request of a key-based product that names no license_key: by
// username (a user-based product's way) or by nothing at all. nil when it names a key, or
// the product is user-based.
func (e *Engine) keyRequired(op *spec.Operation, prod *Product, p Params) *Answer {
	if prod.UserBased() || p.Str("license_key") != "" || p.Str("id_token") != "" || p.Str("code") != "" {
		return nil
	}
	detail := "product " + prod.Code + " is activated by license key: send license_key"
	if p.Str("username") != "" {
		detail = "product " + prod.Code + " is activated by license key, not by username"
	}
	a := e.fail(op, CodeLicenseKeyRequired, detail)
	return &a
}

// blacklisted refuses a device the license declares blacklisted; nil for another.
func (e *Engine) blacklisted(op *spec.Operation, l *License, hardwareID string) *Answer {
	for _, hw := range l.BlacklistedDevices {
		if hw == hardwareID {
			a := e.fail(op, CodeBlacklisted, "the license declares this hardware_id in blacklisted_devices")
			return &a
		}
	}
	return nil
}

// newDevice decides whether the license may take one more device, hardwareID, in the
// session: the license's own max_activations, then its user's, then its transfers. A
// transfer is an activation on a device other than the one last deactivated, after a
// deactivation (the vendor's FAQ: A, off A, B, off B, A counts two). It returns whether
// the activation is a transfer, to be counted once the device is added.
func (e *Engine) newDevice(op *spec.Operation, l *License, ls *licenseState, hardwareID string) (transfer bool, refused *Answer) {
	fail := func(code, detail string) (bool, *Answer) {
		a := e.fail(op, code, detail)
		return false, &a
	}
	switch {
	case !l.UnlimitedActivations && len(ls.devices) >= l.MaxActivations:
		return fail("license_activated_max_times", fmt.Sprintf("%d of %d activations in use", len(ls.devices), l.MaxActivations))
	case len(ls.devices) >= MaxDevices:
		return fail("license_activated_max_times", fmt.Sprintf("lsmock keeps at most %d devices per license in a session; deactivate one or reset the session", MaxDevices))
	case l.User != nil && l.User.MaxActivations > 0 && len(ls.devices) >= l.User.MaxActivations:
		return fail(CodeUserActivatedMaxTimes, fmt.Sprintf("%d of the user's own %d activations in use (the license allows %d)",
			len(ls.devices), l.User.MaxActivations, l.MaxActivations))
	}
	transfer = ls.freed != "" && ls.freed != hardwareID
	switch {
	case !transfer:
	case l.MaxTransfers == NoTransfers:
		return fail(CodeTransferredMaxTimes, "the license is declared max_transfers: -1 (no transfers): it stays on the devices it was activated on")
	case l.MaxTransfers > 0 && ls.transfers >= l.MaxTransfers:
		return fail(CodeTransferredMaxTimes, fmt.Sprintf("%d of %d transfers made", ls.transfers, l.MaxTransfers))
	}
	return transfer, nil
}

// added counts a device newDevice admitted: a transfer, and the end of the deactivation
// that made it possible.
func (ls *licenseState) added(transfer bool) {
	if transfer {
		ls.transfers++
	}
	ls.freed = ""
}

// userMaxActivations is the activations limit a license's user sees: its own, else the
// license's.
func userMaxActivations(l *License) int {
	if l.User != nil && l.User.MaxActivations > 0 {
		return l.User.MaxActivations
	}
	return l.MaxActivations
}

// entitlementRefusal says why a license's transfers or blacklist cannot be, or nil.
func entitlementRefusal(l *License) *Refused {
	if l.MaxTransfers < NoTransfers {
		return &Refused{License: l, Field: "max_transfers", Msg: fmt.Sprintf("max_transfers is a count, 0 for no limit or %d for no transfers, not %d", NoTransfers, l.MaxTransfers)}
	}
	seen := map[string]int{}
	for i, hw := range l.BlacklistedDevices {
		switch {
		case strings.TrimSpace(hw) == "":
			return &Refused{License: l, Field: "blacklisted_devices", Item: i + 1, Msg: "a blacklisted hardware_id must not be empty"}
		case seen[hw] > 0:
			return &Refused{License: l, Field: "blacklisted_devices", Item: i + 1, Msg: fmt.Sprintf("hardware_id %q is already blacklisted (entry %d)", hw, seen[hw])}
		}
		seen[hw] = i + 1
	}
	return nil
}
