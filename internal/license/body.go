package license

import (
	"crypto/sha256"
	"encoding/binary"
	"strconv"
	"strings"
	"time"

	"github.com/lsmock/lsmock/internal/jsoncanon"
	"github.com/lsmock/lsmock/internal/spec"
)

// companyID is the company every answer belongs to (the vendor's is the customer's account).
const companyID = 1

// view is what an activation or a check answers with: the license and its state in the
// session, copied out under the state's lock.
type view struct {
	lic        *License
	device     Device
	times      int
	until      time.Time
	hardwareID string
	signedID   string // the request's username (up to "|") or license_key
	username   string // the request's username, echoed by an activation
	// consumed and featureTotals are the consumption totals in the session: the license's,
	// and its features' by index.
	consumed      int
	featureTotals []int
	// inUse and borrowedUntil are a floating license's seats in use, and until when the
	// device borrowed its own (zero: not borrowed).
	inUse         int
	borrowedUntil time.Time
	// initial is whether a license user still has the password lsmock gave it.
	initial bool
	// activation: the view answers an activation, else a check.
	activation bool
	// release is the product's latest release, whose installation-file fields a check
	// carries; nil for none.
	release *Release
	// transfers is the license's transfer_count in the session.
	transfers int
}

// viewOf is what an answer about license l on device dev says, copied out of the session's
// state (under its lock).
func viewOf(a *Account, l *License, ls *licenseState, dev *Device, hardwareID, signedID string) view {
	v := view{lic: l, device: *dev, times: len(ls.devices), until: validUntil(l, ls), hardwareID: hardwareID,
		signedID: signedID, consumed: ls.consumed, transfers: ls.transfers}
	if l.User != nil {
		v.initial = a.initialPassword(l.User)
	}
	if len(ls.features) > 0 {
		v.featureTotals = make([]int, len(l.Features))
		for i, f := range l.Features {
			if fs := ls.features[f.Code]; fs != nil {
				v.featureTotals[i] = fs.consumed
			}
		}
	}
	return v
}

// totalsKey writes the state an answer shows beyond the device for answerKey: consumption
// totals and floating seats.
func (v view) totalsKey() string {
	if v.consumed == 0 && v.featureTotals == nil && v.inUse == 0 {
		return ""
	}
	b := strconv.AppendInt(nil, int64(v.consumed), 10)
	b = append(b, '/')
	b = strconv.AppendInt(b, int64(v.inUse), 10)
	b = append(b, '/')
	b = strconv.AppendInt(b, v.borrowedUntil.UnixMilli(), 10)
	for _, t := range v.featureTotals {
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(t), 10)
	}
	return string(b)
}

// iso writes a time as the vendor does: ISO 8601 in UTC with milliseconds.
func iso(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// isoOrNull is a time as the vendor writes it, or null when it is zero.
func isoOrNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return iso(t)
}

// orNull is a string as the vendor writes an optional one: null when empty.
func orNull(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// jsonText is a value written as a JSON string of its canonical JSON (metadata_string),
// when the answer is rendered: not under the account's lock.
type jsonText struct{ v any }

func (t jsonText) AppendCanonical(dst []byte) ([]byte, error) {
	b, err := jsoncanon.Marshal(t.v)
	if err != nil {
		return nil, err
	}
	return jsoncanon.AppendString(dst, string(b)), nil
}

// licenseSignature is the license_signature of a view: RSA-SHA256 over
// lower(hardware_id#id#validity_period), lowered as JavaScript does (jsLower).
func (e *Engine) licenseSignature(v view) string {
	validity := ""
	if !v.until.IsZero() {
		validity = iso(v.until)
	}
	return e.signer.Sign([]byte(jsLower(v.hardwareID + "#" + v.signedID + "#" + validity)))
}

// licenseAnswer is the license object an activation (or a check) answers, in the vendor's
// field order, with its license_signature. The answer is a function of the view alone, so
// it is built once per distinct view: an SDK re-checking its license gets the remembered
// body and LicenseSignature, without rendering ~2 KB of JSON and hashing it again.
func (e *Engine) licenseAnswer(op *spec.Operation, v view) Answer {
	key := answerKey{lic: v.lic, activation: v.activation, signed: op.Signed, device: v.device.ID, times: v.times,
		until: v.until.UnixNano(), ids: idsDigest(v.hardwareID, v.signedID, v.username), totals: v.totalsKey(), initial: v.initial,
		release: v.release, transfers: v.transfers}
	if a, ok := e.answers.Get(key); ok {
		return a
	}
	var o jsoncanon.Object
	if v.activation {
		o = e.activationBody(v)
	} else {
		o = e.checkBody(v)
	}
	a := e.encode(op, append(o, jsoncanon.Pair("license_signature", e.licenseSignature(v))))
	if a.Status == 200 {
		e.answers.Put(key, a, len(a.Body)+len(a.Signature)+len(key.totals)+answerOverhead)
	}
	return a
}

// answerKey is everything a license answer depends on. The request's strings are kept as
// their digest: the body holds them already, and a hardware_id can be long. An answer
// depends on the session's clock only through what the key holds (validity_period, a
// borrow's end): expiry is refused before an answer is rendered, so is_expired is false in
// every one. A field that reads the time must go into the view and this key, so that no
// answer computed at one clock time is served at another.
type answerKey struct {
	lic        *License
	activation bool
	signed     bool // op.Signed: the answer carries its Signature
	device     int64
	times      int
	until      int64
	ids        [sha256.Size]byte // idsDigest of hardware_id, the signed id and the username
	totals     string            // view.totalsKey
	initial    bool
	release    *Release // view.release
	transfers  int
}

// idsDigest is the key of the request's strings an answer depends on; each is written with
// its length, so no two sets of strings share a digest unless SHA-256 collides.
func idsDigest(hardwareID, signedID, username string) [sha256.Size]byte {
	var small [256]byte // the usual strings fit: no allocation
	b := small[:0]
	for _, s := range [...]string{hardwareID, signedID, username} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return sha256.Sum256(b)
}

// The remembered license answers (Engine.answers) are bounded by count and by bytes (body,
// signature and the key's totals, plus answerOverhead for the map entry and the Answer);
// POST /__lsmock/reset and a session's eviction drop them (Engine.ForgetAnswers).
const (
	maxAnswers     = 4096
	maxAnswerBytes = 16 << 20
	answerOverhead = 256
)

func (e *Engine) activationBody(v view) jsoncanon.Object {
	l := v.lic
	o := jsoncanon.Pairs(
		"id", l.ID,
		"active", true,
		"allow_grace_period", l.GracePeriod > 0,
		"allow_overages", l.AllowOverages,
		"allow_unlimited_activations", l.UnlimitedActivations,
		"allow_offline_activation", l.AllowOffline,
		"can_borrow", l.CanBorrow,
		"custom_fields", customFieldsBody(l.CustomFields),
		"customer", customerBody(l.Customer),
		"company", jsoncanon.Pairs(
			"id", companyID,
		),
		"device_id", v.device.ID,
		"enable_maintenance_period", !l.MaintenancePeriod.IsZero(),
		"floating_timeout", l.Timeout(),
		"grace_period", l.GracePeriod,
		"is_air_gapped", false,
		"is_expired", false,
		"is_floating_cloud", l.FloatingCloud,
		"is_floating", l.Floating,
		"is_hardware_key_auth", false,
		"is_trial", l.Trial,
	)
	if l.Trial {
		o = append(o, jsoncanon.Pair("trial_days", l.TrialDays))
	}
	if l.User == nil {
		o = append(o, jsoncanon.Pair("license_key", l.Key))
	}
	o = append(o, jsoncanon.Pairs(
		"license_type", l.Type,
		"license_template_id", nil,
		"maintenance_period", isoOrNull(l.MaintenancePeriod),
		"max_activations", l.MaxActivations,
		"max_borrow_time", l.MaxBorrowTime,
		"max_overages", l.MaxOverages,
		"max_transfers", l.MaxTransfers,
		"metadata", l.Metadata,
		"prevent_vm", l.PreventVM || l.Product.PreventVM,
		"product_details", productBody(l.Product, true),
		"product_features", featuresBody(l.Features, v.featureTotals),
		"start_date", isoOrNull(l.StartDate),
		"times_activated", v.times,
		"transfer_count", v.transfers,
		"validity_period", isoOrNull(v.until),
	)...)
	o = append(o, consumptionFields(l, v.consumed)...)
	if l.IsFloating() {
		o = append(o, jsoncanon.Pair("floating_users", l.FloatingUsers))
	}
	if l.User != nil {
		o = append(o, jsoncanon.Pair("max_license_users", 1), jsoncanon.Pair("user", userBody(l, v.times, v.initial)))
	}
	o = append(o, jsoncanon.Pair("request", "activation"))
	if v.username != "" {
		o = append(o, jsoncanon.Pair("username", v.username))
	}
	return append(o, jsoncanon.Pair("hardware_id", v.hardwareID))
}

func (e *Engine) checkBody(v view) jsoncanon.Object {
	l := v.lic
	o := append(licenseObject(v), jsoncanon.Pairs(
		"is_expired", false,
		"device_id", v.device.ID,
		"is_borrowed", !v.borrowedUntil.IsZero(),
		"borrowed_until", isoOrNull(v.borrowedUntil),
	)...)
	o = append(o, releaseFields(v.release)...)
	if l.User != nil {
		return append(o, jsoncanon.Pair("user", userBody(l, v.times, v.initial)))
	}
	return append(o, jsoncanon.Pair("license_key", l.Key))
}

// licenseObject is the license as a check and user_licenses show it, without the device.
func licenseObject(v view) jsoncanon.Object {
	l := v.lic
	maxUsers := 0
	if l.User != nil {
		maxUsers = 1
	}
	o := jsoncanon.Pairs(
		"id", l.ID,
		"allow_grace_period", l.GracePeriod > 0,
		"allow_offline_activation", l.AllowOffline,
		"allow_overages", l.AllowOverages,
		"allow_unlimited_activations", l.UnlimitedActivations,
		"can_borrow", l.CanBorrow,
		"enable_maintenance_period", !l.MaintenancePeriod.IsZero(),
		"floating_timeout", l.Timeout(),
		"grace_period", l.GracePeriod,
		"is_air_gapped", false,
		"is_floating", l.Floating,
		"is_floating_cloud", l.FloatingCloud,
		"is_hardware_key_auth", false,
		"is_trial", l.Trial,
	)
	if l.Trial {
		o = append(o, jsoncanon.Pair("trial_days", l.TrialDays))
	}
	o = append(o, jsoncanon.Pairs(
		"license_active", l.Active,
		"license_enabled", l.Enabled,
		"license_template_id", nil,
		"license_type", l.Type,
		"maintenance_period", isoOrNull(l.MaintenancePeriod),
		"max_activations", l.MaxActivations,
		"max_borrow_time", l.MaxBorrowTime,
		"max_license_users", maxUsers,
		"max_overages", l.MaxOverages,
		"max_transfers", l.MaxTransfers,
		"order_store_id", l.OrderStoreID,
		"prevent_vm", l.PreventVM || l.Product.PreventVM,
		"start_date", isoOrNull(l.StartDate),
		"times_activated", v.times,
		"transfer_count", v.transfers,
		"validity_period", isoOrNull(v.until),
		"metadata", l.Metadata,
		"custom_fields", customFieldsBody(l.CustomFields),
		"product_features", featuresBody(l.Features, v.featureTotals),
		"customer", customerBody(l.Customer),
		"company", jsoncanon.Pairs(
			"id", companyID,
		),
		"product_details", productBody(l.Product, false),
	)...)
	o = append(o, consumptionFields(l, v.consumed)...)
	if l.IsFloating() {
		o = append(o, jsoncanon.Pair("floating_users", l.FloatingUsers), jsoncanon.Pair("floating_in_use_devices", v.inUse))
	}
	return o
}

func consumptionFields(l *License, total int) jsoncanon.Object {
	if l.Type != Consumption {
		return nil
	}
	return jsoncanon.Pairs(
		"max_consumptions", l.MaxConsumptions,
		"total_consumptions", total,
		"allow_unlimited_consumptions", l.UnlimitedConsumptions,
		"allow_negative_consumptions", l.AllowNegativeConsumptions,
		"reset_consumption", l.ResetConsumption,
		"consumption_period", orNull(l.ConsumptionPeriod),
	)
}

func customFieldsBody(fields []CustomField) []jsoncanon.Object {
	out := make([]jsoncanon.Object, len(fields))
	for i, f := range fields {
		out[i] = jsoncanon.Pairs(
			"name", f.Name,
			"data_type", nil,
			"value", f.Value,
		)
	}
	return out
}

func customerBody(c Customer) jsoncanon.Object {
	meta := c.Metadata
	if meta == nil {
		meta = map[string]any{}
	}
	return jsoncanon.Pairs(
		"email", c.Email,
		"company_name", c.CompanyName,
		"reference", c.Reference,
		"phone", c.Phone,
		"first_name", c.FirstName,
		"last_name", c.LastName,
		"city", c.City,
		"postcode", c.Postcode,
		"state", c.State,
		"country", c.Country,
		"address", c.Address,
		"customer_account", accountBody(c.Account),
		"metadata", meta,
	)
}

// productBody is the product inside a license object: in full in an activation, in short
// in a check (as the vendor's answers have it).
func productBody(p *Product, full bool) jsoncanon.Object {
	if !full {
		return jsoncanon.Pairs(
			"product_id", p.ID,
			"product_name", p.Name,
			"short_code", p.Code,
			"authorization_method", p.AuthorizationMethod,
			"metadata", p.Metadata,
		)
	}
	return jsoncanon.Pairs(
		"product_id", p.ID,
		"product_name", p.Name,
		"short_code", p.Code,
		"allow_trial", p.AllowTrial,
		"trial_days", p.TrialDays,
		"authorization_method", p.AuthorizationMethod,
		"allow_overages", false,
		"max_overages", 0,
		"prevent_vm", p.PreventVM,
		"validity_period", nil,
		"floating_timeout", p.FloatingTimeout,
		"company_id", companyID,
		"metadata", p.Metadata,
	)
}

// featuresBody is the license's features; totals are their total_consumptions in the
// session, by index (nil: none yet).
func featuresBody(features []Feature, totals []int) []jsoncanon.Object {
	out := make([]jsoncanon.Object, len(features))
	for i, f := range features {
		total := 0
		if i < len(totals) {
			total = totals[i]
		}
		o := jsoncanon.Pairs(
			"id", f.ID,
			"code", f.Code,
			"name", f.Name,
			"feature_type", f.Type,
			"expiry_date", isoOrNull(f.ExpiryDate),
			"metadata", f.Metadata,
		)
		if f.Type == "consumption" {
			o = append(o, jsoncanon.Pairs(
				"max_consumption", f.MaxConsumption,
				"allow_unlimited_consumptions", f.UnlimitedConsumption,
				"total_consumptions", total,
				"allow_overages", f.AllowOverages,
				"max_overages", f.MaxOverages,
				"reset_consumption", f.ResetConsumption,
				"consumption_period", orNull(f.ConsumptionPeriod),
				"allow_negative_consumptions", f.AllowNegative,
			)...)
		}
		o = append(o, jsoncanon.Pair("is_floating", f.Floating), jsoncanon.Pair("is_floating_cloud", f.FloatingCloud))
		if f.IsFloating() {
			o = append(o, jsoncanon.Pair("floating_timeout", f.FloatingTimeout), jsoncanon.Pair("floating_users", f.FloatingUsers))
		}
		out[i] = o
	}
	return out
}

// userBody is a license's user; initial is whether the user still has the password lsmock
// gave it.
func userBody(l *License, activations int, initial bool) jsoncanon.Object {
	u := l.User
	return jsoncanon.Pairs(
		"id", u.ID,
		"email", u.Username,
		"first_name", u.FirstName,
		"last_name", u.LastName,
		"phone_number", u.Phone,
		"is_initial_password", initial,
		"max_activations", userMaxActivations(l),
		"allow_unlimited_activations", l.UnlimitedActivations,
		"total_activations", activations,
	)
}

// trialBody is a trial license: in full when new, in short when asked for again.
func trialBody(l *License, fresh bool) jsoncanon.Object {
	if !fresh {
		o := jsoncanon.Pairs(
			"license_type", l.Type,
			"is_trial", true,
		)
		if l.User != nil {
			o = append(o, jsoncanon.Pair("license_user", l.User.Username))
		} else {
			o = append(o, jsoncanon.Pair("license", l.Key))
		}
		return o
	}
	created := l.issued.UnixMilli()
	o := jsoncanon.Pairs(
		"id", l.ID,
		"order_id", StableID("order", l.Ref()),
		"product_id", l.Product.ID,
		"created_at", created,
		"updated_at", created,
		"times_activated", 0,
		"is_trial", true,
		"active", false,
		"enabled", true,
		"is_floating", false,
		"max_activations", l.MaxActivations,
		"trial_days", l.TrialDays,
		"license_type", l.Type,
		"max_transfers", 0,
		"prevent_vm", l.Product.PreventVM,
		"enable_maintenance_period", false,
		"maintenance_duration", nil,
		"metadata", l.Metadata,
		"is_hardware_key_auth", false,
		"company", jsoncanon.Pairs(
			"id", companyID,
		),
		"LicenseProductFeatures", []any{},
		"LicenseCustomFields", []any{},
	)
	if l.User != nil {
		return append(o, jsoncanon.Pairs(
			"license_user_id", l.User.ID,
			"max_license_users", 1,
			"license_user", l.User.Username,
			"initial_password", l.User.Password,
		)...)
	}
	return append(o, jsoncanon.Pairs(
		"license_key", l.Key,
		"allow_overages", false,
		"max_overages", 0,
		"valid_duration", nil,
		"consumption_period", nil,
		"reset_consumption", false,
		"license", l.Key,
	)...)
}

// productDetailsBody is product_details' answer; latestVersion adds latest_version, the
// newest release for env (null for none).
func productDetailsBody(p *Product, customFields, latestVersion bool, env string) jsoncanon.Object {
	o := jsoncanon.Pairs(
		"product_id", p.ID,
		"product_name", p.Name,
		"short_code", p.Code,
		"allow_trial", p.AllowTrial,
		"trial_days", p.TrialDays,
		"authorization_method", p.AuthorizationMethod,
		"floating_timeout", p.FloatingTimeout,
		"allow_overages", false,
		"max_overages", 0,
		"prevent_vm", p.PreventVM,
		"metadata", p.Metadata,
		"company", jsoncanon.Pairs(
			"id", companyID,
		),
	)
	if latestVersion {
		o = append(o, jsoncanon.Pair("latest_version", latestVersionBody(p, latest(p, env, ""))))
	}
	if customFields {
		list := make([]jsoncanon.Object, len(p.CustomFields))
		for i, f := range p.CustomFields {
			list[i] = jsoncanon.Pairs(
				"name", f.Name,
				"id", f.ID,
				"default_value", f.Value,
			)
		}
		o = append(o, jsoncanon.Pair("custom_fields", list))
	}
	return o
}

// encode marshals body as canonical JSON and, when op's answers carry a LicenseSignature,
// signs it: the server sends the Signature as it is.
func (e *Engine) encode(op *spec.Operation, body any) Answer {
	b, err := jsoncanon.Marshal(body)
	if err != nil { // metadata from the files is JSON already; this is a defect
		return Answer{Status: 500, Code: "internal_error", ContentType: "application/json; charset=utf-8",
			Body: []byte(`{"status":500,"code":"internal_error","message":"lsmock: ` + strings.ReplaceAll(err.Error(), `"`, `'`) + `"}`)}
	}
	a := Answer{Status: 200, Body: b, ContentType: "application/json; charset=utf-8"}
	if op.Signed {
		a.Signature = e.signer.Sign(b)
	}
	return a
}
