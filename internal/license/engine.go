package license

import (
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"strings"
	"time"

	"github.com/lsmock/lsmock/internal/apierror"
	"github.com/lsmock/lsmock/internal/auth"
	"github.com/lsmock/lsmock/internal/bounded"
	"github.com/lsmock/lsmock/internal/signing"
	"github.com/lsmock/lsmock/internal/spec"
	"github.com/lsmock/lsmock/internal/sso"
)

// The behaviours an operation can name with x-lsmock-behavior.
const (
	BehaviorActivate       = "activate_license"
	BehaviorCheck          = "check_license"
	BehaviorDeactivate     = "deactivate_license"
	BehaviorTrialKey       = "trial_key"
	BehaviorProductDetails = "product_details"
	BehaviorChangePassword = "change_password"
	BehaviorAddConsumption = "add_consumption"
	BehaviorAddFeatureUse  = "add_feature_consumption"
	BehaviorCheckFeature   = "check_license_feature"
	BehaviorBorrow         = "floating_borrow"
	BehaviorRelease        = "floating_release"
	BehaviorFeatureBorrow  = "floating_feature_borrow"
	BehaviorFeatureRelease = "floating_feature_release"
	BehaviorUserLicenses   = "user_licenses"
	BehaviorCustomerUsers  = "customer_license_users"
	// The bundle behaviours (bundle.go).
	BehaviorActivateBundle   = "activate_bundle"
	BehaviorCheckBundle      = "check_bundle"
	BehaviorDeactivateBundle = "deactivate_bundle"
	// BehaviorOAuthURL is answered by the server, which knows the address it serves.
	BehaviorOAuthURL = "oauth_url"
	// BehaviorSSOURL is answered by Engine.SSOURL, given the address lsmock serves.
	BehaviorSSOURL = "sso_url"
)

// Behaviors lists every behaviour, for messages.
var Behaviors = []string{BehaviorActivate, BehaviorCheck, BehaviorDeactivate, BehaviorTrialKey, BehaviorProductDetails, BehaviorChangePassword,
	BehaviorAddConsumption, BehaviorAddFeatureUse, BehaviorCheckFeature, BehaviorBorrow, BehaviorRelease, BehaviorFeatureBorrow,
	BehaviorFeatureRelease, BehaviorUserLicenses, BehaviorCustomerUsers, BehaviorOAuthURL, BehaviorSSOURL,
	BehaviorActivateBundle, BehaviorCheckBundle, BehaviorDeactivateBundle, BehaviorActivateOffline, BehaviorDeactivateOffline,
	BehaviorTrackVariables, BehaviorGetVariables, BehaviorVersions, BehaviorInstallationFile, BehaviorWellKnown}

// Params are a request's parameters: its JSON body's fields (POST) or its query string (GET).
type Params map[string]any

// Str returns a parameter as text: a string, or a number or boolean as written.
func (p Params) Str(name string) string {
	switch v := p[name].(type) {
	case string:
		return v
	case nil:
		return ""
	default:
		return fmt.Sprint(v)
	}
}

// Answer is what a behaviour answers.
type Answer struct {
	Status      int
	Code        string // the error code; "" for a success
	Body        []byte
	ContentType string
	// Detail explains a refusal to a human (X-Lsmock-Validation); never a secret.
	Detail string
	// Signature is the LicenseSignature of a body the engine rendered for an operation whose
	// answers are signed (encode, licenseAnswer); "" when it rendered none, and the server signs what it sends.
	Signature string
}

// Engine answers the operations that name a behaviour, from a catalog and a session's
// Account. A reload builds a new Engine; the accounts outlive it.
type Engine struct {
	catalog *Catalog
	spec    *spec.Spec
	signer  *signing.Signer
	// clock is the server's time (global clock, else real); read it through now(a) only.
	clock   func() time.Time
	answers *bounded.Map[answerKey, Answer] // license answers by what they depend on (licenseAnswer)
	// maxField is the longest string field the state keeps (MaxFieldBytes by default).
	maxField int
	// sso checks SSO codes and ID tokens (UseSSO); nil refuses every one.
	sso  *sso.Provider
	auth *auth.Checker // verifies offline requests' signatures (UseAuth); nil: none
	// metadata is .well-known's answer but for the request's address and the time.
	metadata metadata
	// declarer reads sessions' run-time declarations (UseDeclarer); nil: none.
	declarer Declarer
}

// NewEngine builds an engine; now is the clock (nil for time.Now), maxField the longest
// string field it keeps (0: MaxFieldBytes). It fails when an operation of sp names a
// behaviour that does not exist.
func NewEngine(c *Catalog, sp *spec.Spec, signer *signing.Signer, now func() time.Time, maxField int) (*Engine, error) {
	for _, op := range sp.Operations {
		if op.Behavior != "" && !known(op.Behavior) {
			return nil, fmt.Errorf("%s: %s: %s %q is not one lsmock has (it has %s)", sp.Name, op.ID, spec.BehaviorExtension, op.Behavior, strings.Join(Behaviors, ", "))
		}
	}
	if now == nil {
		now = time.Now
	}
	if c == nil {
		c, _ = NewCatalog(Declarations{}) // refuses nothing
	}
	if maxField <= 0 {
		maxField = MaxFieldBytes
	}
	return &Engine{catalog: c, spec: sp, signer: signer, clock: now, maxField: maxField, metadata: newMetadata(sp, signer),
		answers: &bounded.Map[answerKey, Answer]{Max: maxAnswers, MaxBytes: maxAnswerBytes}}, nil
}

func known(b string) bool {
	for _, k := range Behaviors {
		if k == b {
			return true
		}
	}
	return false
}

// ForgetAnswers drops the remembered license answers, giving their memory back: a reset or
// a session's eviction calls it. The next answers are built again, never wrong.
func (e *Engine) ForgetAnswers() { e.answers.Clear() }

// Catalog is what the engine answers from.
func (e *Engine) Catalog() *Catalog { return e.catalog }

// Answer answers a request of op for the session whose account a is: the behaviour decides
// under the account's lock, and the answer is rendered and signed after it (decided). ok is
// false when the engine has nothing to say: the operation names no behaviour, or the files
// declare nothing it could answer from. The request then goes on to the operation's default
// scenario or the spec's own answer.
func (e *Engine) Answer(op *spec.Operation, a *Account, p Params) (Answer, bool) {
	if op.Behavior == "" {
		return Answer{}, false
	}
	if (op.Behavior == BehaviorActivateOffline || op.Behavior == BehaviorDeactivateOffline) && len(e.cat(a).Products) > 0 {
		inner, refused := e.offlineParams(op, p) // the request file's payload
		if refused != nil {
			return *refused, true
		}
		p = inner
	}
	if a, refused := e.tooLong(op, p); refused {
		return a, true
	}
	if op.Behavior == BehaviorChangePassword {
		return e.changePassword(op, a, p)
	}
	if len(e.cat(a).Products) == 0 {
		return Answer{}, false
	}
	if hw, given := p["hardware_id"]; given && hw == "" {
		return e.missingHardwareID(op), true // an empty device id names no device
	}
	if op.Behavior == BehaviorProductDetails {
		return e.productDetails(op, a, p), true
	}
	return e.decided(op, a, p)
}

// Declines reports whether Answer has nothing to say to a request of op with parameters p
// in a session that holds nothing yet: the operation names no behaviour, or the files
// declare nothing it could answer from. The server then makes no account for the session.
func (e *Engine) Declines(op *spec.Operation, p Params) bool {
	switch { // cheap first: with a catalog to answer from, no request pays for tooLong twice
	case op.Behavior == "":
		return true
	case op.Behavior == BehaviorSSOURL,
		op.Behavior == BehaviorChangePassword && len(e.catalog.Users) > 0,
		op.Behavior != BehaviorChangePassword && len(e.catalog.Products) > 0:
		return false
	}
	_, refused := e.tooLong(op, p)
	return !refused
}

// What one session may keep, so that a client's loop or hostile sizes cannot grow lsmock's
// memory without bound (docs/operations.md, Limits). lsmock's choices: the vendor publishes
// no such limits.
const (
	// MaxFieldBytes is the longest hardware_id, license key, username, password, email,
	// product or feature code the state keeps, unless NewEngine is told otherwise; an
	// SDK's are tens of bytes.
	MaxFieldBytes = 1024
	// MaxDevices is how many devices one license may be active on in a session, also when
	// it allows unlimited activations.
	MaxDevices = 1000
	// MaxTrials is how many trial licenses one session may be given.
	MaxTrials = 1000
)

// tooLong refuses a request whose kept fields pass maxField: a validation_error.
func (e *Engine) tooLong(op *spec.Operation, p Params) (Answer, bool) {
	if !anyLonger(p, e.maxField) {
		return Answer{}, false // the common case, in one pass over p (8 lookups cost more)
	}
	for _, name := range [...]string{"hardware_id", "license_key", "username", "password", "new_password", "email", "product", "feature"} {
		if s, ok := p[name].(string); ok && len(s) > e.maxField {
			a := e.fail(op, "validation_error", fmt.Sprintf("%s is %d bytes; lsmock keeps fields of at most %d", name, len(s), e.maxField))
			a.Body = apierror.Body(a.Status, a.Code, fmt.Sprintf("%s: must be at most %d bytes", name, e.maxField))
			return a, true
		}
	}
	return Answer{}, false
}

// anyLonger reports whether any of p's string values is longer than n bytes.
func anyLonger(p Params, n int) bool {
	for _, v := range p {
		if s, ok := v.(string); ok && len(s) > n {
			return true
		}
	}
	return false
}

// fail renders an error the spec documents for op (its status and message); detail says
// why to a human.
func (e *Engine) fail(op *spec.Operation, code, detail string) Answer {
	status, message := 400, code
	if ex, ok := e.spec.ErrorFor(op, code); ok {
		status, message = ex.Status, ex.Message
	}
	return Answer{Status: status, Code: code, Body: apierror.Body(status, code, message), ContentType: apierror.ContentType, Detail: detail}
}

// missing is missing_parameters naming what is missing, as the validator words it.
func (e *Engine) missing(op *spec.Operation, names string) Answer {
	a := e.fail(op, "missing_parameters", "missing required parameter(s): "+names)
	a.Body = apierror.Body(a.Status, a.Code, "Some parameters are missing in the request: "+names+".")
	return a
}

// success is the operation's own documented success (license_deactivated, password_changed).
func success(op *spec.Operation) Answer {
	return Answer{Status: op.Success.Status, Body: op.Success.Body, ContentType: op.Success.ContentType}
}

// found is a license a request named, with the user it named it by.
type found struct {
	lic *License
	// id is what the license_signature covers: the request's username up to "|", else its
	// license_key.
	id string
}

// identify finds the license a request names: by license_key (declared, or a trial this
// session was given), or by username (with its password when withPassword). The answer is
// nil when it found one.
func (e *Engine) identify(op *spec.Operation, a *Account, prod *Product, p Params, withPassword bool) (found, *Answer) {
	if p.Str("license_key") != "" && p.Str("username") != "" {
		// The SDKs send exactly one way of naming the license (the Node SDK's request
		// schemas: oneOf); the vendor publishes no code for both, lsmock answers the
		// general validation_error.
		f := e.fail(op, "validation_error", "license_key and username name the license twice: send one of them")
		return found{}, &f
	}
	if isSSO(p) {
		return e.identifySSO(op, a, prod, p)
	}
	if r := e.keyRequired(op, prod, p); r != nil {
		return found{}, r
	}
	if key := p.Str("license_key"); key != "" {
		l := e.cat(a).ByKey(key)
		if l == nil {
			l = a.trialKeys[key]
		}
		if l == nil || l.Product != prod {
			f := e.fail(op, "license_not_found", "no license "+key+" of product "+prod.Code)
			return found{}, &f
		}
		return found{lic: l, id: key}, nil
	}
	username := p.Str("username")
	if username == "" {
		f := e.missing(op, "license_key")
		return found{}, &f
	}
	name, _, _ := strings.Cut(username, "|")
	u := e.cat(a).User(name)
	if u == nil {
		u = a.trialUser[name]
	}
	if withPassword {
		if _, given := p["password"]; !given {
			f := e.missing(op, "password")
			return found{}, &f
		}
		if u == nil || !passwordMatches(a.password(u), p.Str("password")) {
			f := e.fail(op, e.catalog.Code(CondWrongPassword), "unknown user, or a wrong password")
			return found{}, &f
		}
	}
	var l *License
	if u != nil {
		if l = e.cat(a).ForUser(u, prod); l == nil {
			l = a.userLic[u.Username][prod.Code]
		}
	}
	if l == nil {
		f := e.fail(op, "license_not_found", "no license of product "+prod.Code+" for that user")
		return found{}, &f
	}
	return found{lic: l, id: name}, nil
}

// validUntil is when a license stops being valid in a session; zero for never.
func validUntil(l *License, ls *licenseState) time.Time {
	if !l.ValidityPeriod.IsZero() {
		return l.ValidityPeriod
	}
	if l.ValidDuration > 0 && ls != nil && !ls.firstActivated.IsZero() {
		return ls.firstActivated.Add(l.ValidDuration)
	}
	return time.Time{}
}

// refusal is the answer for a license that cannot be used now, or nil.
func (e *Engine) refusal(op *spec.Operation, a *Account, l *License, ls *licenseState) *Answer {
	var r Answer
	switch until := validUntil(l, ls); {
	case !l.Enabled:
		r = e.fail(op, "license_not_enabled", "the license is declared license_enabled: false")
	case !l.Active:
		r = e.fail(op, "license_not_active", "the license is declared license_active: false")
	case !until.IsZero() && !e.now(a).Before(until):
		if l.Trial {
			r = e.fail(op, "trial_expired", "the trial ended "+iso(until))
		} else {
			r = e.fail(op, "license_expired", "the license ended "+iso(until))
		}
	default:
		return nil
	}
	return &r
}

// product is the product a request names, or the unknown_product refusal.
func (e *Engine) product(op *spec.Operation, a *Account, p Params) (*Product, *Answer) {
	prod := e.cat(a).Product(p.Str("product"))
	if prod == nil {
		r := e.fail(op, "unknown_product", "no product "+p.Str("product"))
		return nil, &r
	}
	if r := e.productStatus(op, prod); r != nil {
		return nil, r
	}
	return prod, nil
}

// verdict is a behaviour's decision, taken under the lock of the session's account: a
// license answer to render (an activation's or a check's view), another success body, or a
// whole answer (a refusal, or a success without a body). A value, so that deciding
// allocates nothing of its own.
type verdict struct {
	license bool
	view    view
	views   []view // a bundle's licenses (bundleAnswer)
	body    any
	whole   Answer
}

// decide takes op's decision holding a's lock; ok is false for a behaviour that does not
// answer from an account. Each behaviour is called by name, not through a function value, so
// that the request's parameters stay on the caller's stack.
func (e *Engine) decide(op *spec.Operation, a *Account, p Params) (_ verdict, ok bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	var body any
	var whole Answer
	switch op.Behavior {
	case BehaviorActivate:
		v, whole := e.activate(op, a, p)
		return verdict{license: whole.Status == 0, view: v, whole: whole}, true
	case BehaviorCheck:
		v, whole := e.check(op, a, p)
		return verdict{license: whole.Status == 0, view: v, whole: whole}, true
	case BehaviorDeactivate, BehaviorDeactivateOffline:
		body, whole = e.deactivate(op, a, p)
	case BehaviorActivateOffline:
		v, whole := e.activateOffline(op, a, p)
		return verdict{license: whole.Status == 0, view: v, whole: whole}, true
	case BehaviorTrialKey:
		body, whole = e.trialKey(op, a, p)
	case BehaviorAddConsumption:
		body, whole = e.addConsumption(op, a, p)
	case BehaviorAddFeatureUse:
		body, whole = e.addFeatureConsumption(op, a, p)
	case BehaviorCheckFeature:
		body, whole = e.checkFeature(op, a, p)
	case BehaviorBorrow:
		body, whole = e.floatingBorrow(op, a, p)
	case BehaviorRelease:
		body, whole = e.floatingRelease(op, a, p)
	case BehaviorFeatureBorrow:
		body, whole = e.floatingFeatureBorrow(op, a, p)
	case BehaviorFeatureRelease:
		body, whole = e.floatingFeatureRelease(op, a, p)
	case BehaviorUserLicenses:
		body, whole = e.userLicenses(op, a, p)
	case BehaviorCustomerUsers:
		body, whole = e.customerLicenseUsers(op, a, p)
	case BehaviorActivateBundle:
		vs, whole := e.activateBundle(op, a, p)
		return verdict{views: vs, whole: whole}, true
	case BehaviorCheckBundle:
		vs, whole := e.checkBundle(op, a, p)
		return verdict{views: vs, whole: whole}, true
	case BehaviorDeactivateBundle:
		body, whole = e.deactivateBundle(op, a, p)
	case BehaviorTrackVariables:
		body, whole = e.trackVariables(op, a, p)
	case BehaviorGetVariables:
		body, whole = e.getVariables(op, a, p)
	case BehaviorVersions:
		body, whole = e.versions(op, a, p)
	case BehaviorInstallationFile:
		body, whole = e.installationFile(op, a, p)
	default:
		return verdict{}, false
	}
	return verdict{body: body, whole: whole}, true
}

// decided takes op's decision holding a's lock, and renders and signs the body it chose
// after letting go: the session's other requests never wait on JSON or RSA.
func (e *Engine) decided(op *spec.Operation, a *Account, p Params) (Answer, bool) {
	v, ok := e.decide(op, a, p)
	switch {
	case !ok:
		return Answer{}, false
	case v.license && op.Behavior == BehaviorActivateOffline:
		return e.offlineAnswer(op, v.view, p), true
	case v.license:
		return e.licenseAnswer(op, v.view), true
	case v.views != nil:
		return e.bundleAnswer(op, v.views), true
	case v.body != nil:
		return e.encode(op, v.body), true
	}
	return v.whole, true
}

// activate activates the license a request names on its device.
func (e *Engine) activate(op *spec.Operation, a *Account, p Params) (view, Answer) {
	prod, refused := e.product(op, a, p)
	if refused != nil {
		return view{}, *refused
	}
	hwid := p.Str("hardware_id")
	f, refused := e.identify(op, a, prod, p, true)
	if refused != nil {
		return view{}, *refused
	}
	ls := a.license(f.lic)
	transfer, refused := e.mayActivate(op, a, f.lic, ls, hwid)
	if refused != nil {
		return view{}, *refused
	}
	dev := e.activateOn(a, f.lic, ls, hwid, transfer)
	v := viewOf(a, f.lic, ls, dev, hwid, f.id)
	v.activation = true
	if p.Str("username") != "" {
		v.username = p.Str("username")
	}
	return v, Answer{}
}

// mayActivate decides whether license l may be activated on device hwid now: its own
// refusals, a blacklisted device, and for a device it is not active on yet its limits
// (newDevice). It changes nothing, so that a bundle is activated whole or not at all.
func (e *Engine) mayActivate(op *spec.Operation, a *Account, l *License, ls *licenseState, hwid string) (transfer bool, refused *Answer) {
	if r := e.refusal(op, a, l, ls); r != nil {
		return false, r
	}
	if r := e.blacklisted(op, l, hwid); r != nil {
		return false, r
	}
	if ls.devices[hwid] != nil {
		return false, nil
	}
	return e.newDevice(op, l, ls, hwid)
}

// activateOn activates l on device hwid (mayActivate said it may), counting a transfer.
func (e *Engine) activateOn(a *Account, l *License, ls *licenseState, hwid string, transfer bool) *Device {
	if dev := ls.devices[hwid]; dev != nil {
		return dev
	}
	now := e.now(a).UTC()
	dev := &Device{ID: StableID("device", l.Ref()+"\x00"+hwid), HardwareID: hwid, Activated: now}
	ls.devices[hwid] = dev
	ls.added(transfer)
	if ls.firstActivated.IsZero() {
		ls.firstActivated = now
	}
	return dev
}

// check checks the license a request names on its device, renewing its floating seat.
func (e *Engine) check(op *spec.Operation, a *Account, p Params) (view, Answer) {
	f, ls, refused := e.onDevice(op, a, p)
	if refused != nil {
		return view{}, *refused
	}
	hwid := p.Str("hardware_id")
	st, inUse, refused := e.floatingSeat(op, a, f.lic, ls, hwid)
	if refused != nil {
		return view{}, *refused
	}
	v := viewOf(a, f.lic, ls, ls.devices[hwid], hwid, f.id)
	v.release = latest(f.lic.Product, p.Str("env"), p.Str("channel"))
	if st != nil {
		v.inUse, v.borrowedUntil = inUse, st.borrowedUntil
	}
	return v, Answer{}
}

// onDevice finds the license a request names and checks it may be used on the request's
// device now, as check_license does. It runs under the account's lock.
func (e *Engine) onDevice(op *spec.Operation, a *Account, p Params) (found, *licenseState, *Answer) {
	prod, refused := e.product(op, a, p)
	if refused != nil {
		return found{}, nil, refused
	}
	f, refused := e.identify(op, a, prod, p, false)
	if refused != nil {
		return found{}, nil, refused
	}
	ls := a.licenses[f.lic.Ref()]
	if !f.lic.Enabled || !f.lic.Active {
		return found{}, nil, e.refusal(op, a, f.lic, ls)
	}
	if r := e.blacklisted(op, f.lic, p.Str("hardware_id")); r != nil {
		return found{}, nil, r
	}
	if ls == nil || len(ls.devices) == 0 {
		r := e.fail(op, "license_not_active", "the license has not been activated in this session")
		return found{}, nil, &r
	}
	if ls.devices[p.Str("hardware_id")] == nil {
		r := e.fail(op, "device_not_found", "the license is not active on this hardware_id")
		return found{}, nil, &r
	}
	if r := e.refusal(op, a, f.lic, ls); r != nil {
		return found{}, nil, r
	}
	return f, ls, nil
}

// deactivate frees the device's activation of the license a request names.
func (e *Engine) deactivate(op *spec.Operation, a *Account, p Params) (any, Answer) {
	prod, refused := e.product(op, a, p)
	if refused != nil {
		return nil, *refused
	}
	hwid := p.Str("hardware_id")
	f, refused := e.identify(op, a, prod, p, false)
	if refused != nil {
		return nil, *refused
	}
	ls := a.licenses[f.lic.Ref()]
	if ls == nil || ls.devices[hwid] == nil {
		return nil, e.fail(op, "device_not_found", "the license is not active on this hardware_id")
	}
	delete(ls.devices, hwid)
	a.forgetVariables(ls, hwid)
	ls.freed = hwid // the next activation on another device is a transfer
	return nil, success(op)
}

func (e *Engine) changePassword(op *spec.Operation, a *Account, p Params) (Answer, bool) {
	username, current, next := p.Str("username"), p.Str("password"), p.Str("new_password")
	a.mu.Lock()
	defer a.mu.Unlock()
	var u *User
	if u = e.cat(a).User(username); u == nil {
		u = a.trialUser[username]
	}
	switch {
	case u == nil && len(e.cat(a).Users) == 0 && len(a.trialUser) == 0:
		return Answer{}, false // no users to check against: the default answers
	case u == nil && e.catalog.AcceptUnknownUsers:
		return success(op), true
	case u == nil:
		return e.fail(op, e.catalog.Code(CondWrongPassword), "no such user"), true
	case !u.ChangeAllowed:
		return e.fail(op, "change_password_not_allowed", "the user is declared change_allowed: false"), true
	}
	if !passwordMatches(a.password(u), current) {
		return e.fail(op, e.catalog.Code(CondWrongPassword), "the current password is wrong"), true
	}
	a.passwords[u.Username] = next
	return success(op), true
}

// trialKey gives out a trial license of the product, once per device (or email) a session.
func (e *Engine) trialKey(op *spec.Operation, a *Account, p Params) (any, Answer) {
	prod, refused := e.product(op, a, p)
	if refused != nil {
		return nil, *refused
	}
	if !prod.AllowTrial {
		return nil, e.fail(op, "trial_not_allowed", "product "+prod.Code+" is declared without allow_trial")
	}
	email := p.Str("email")
	if prod.UserBased() && email == "" {
		return nil, e.missing(op, "email")
	}
	key := prod.Code + "\x00" + p.Str("hardware_id")
	if prod.UserBased() {
		key = prod.Code + "\x00" + email
	}
	if l := a.trials[key]; l != nil {
		return trialBody(l, false), Answer{}
	}
	if len(a.trials) >= MaxTrials {
		r := e.fail(op, "trial_not_allowed", fmt.Sprintf("lsmock gives at most %d trial licenses per session; reset the session", MaxTrials))
		r.Body = apierror.Body(r.Status, r.Code, fmt.Sprintf("lsmock: this session has %d trial licenses, the most it keeps", MaxTrials))
		return nil, r
	}
	return trialBody(e.issueTrial(a, prod, key, email), true), Answer{}
}

// issueTrial gives the session a trial license of prod, for email when prod is user-based.
func (e *Engine) issueTrial(a *Account, prod *Product, key, email string) *License {
	now := e.now(a).UTC()
	seed := a.seed + "\x00" + key
	l := &License{Product: prod, Type: prod.TrialType, Trial: true, TrialDays: prod.TrialDays,
		MaxActivations: prod.TrialMaxActivations, Enabled: true, Active: true, Metadata: map[string]any{},
		ValidityPeriod: now.Add(time.Duration(prod.TrialDays) * 24 * time.Hour).Truncate(time.Second),
		Source:         "trial_key", ID: StableID("trial", seed), issued: now}
	if prod.UserBased() {
		u := &User{Username: email, Password: code(seed, "password", 10), ChangeAllowed: true, Initial: true, ID: StableID("trial-user", seed) % 1_000_000, Source: "trial_key"}
		l.User = u
		a.trialUser[email] = u
		if a.userLic[email] == nil {
			a.userLic[email] = map[string]*License{}
		}
		a.userLic[email][prod.Code] = l
	} else {
		k := code(seed, "key", 16)
		l.Key = k[0:4] + "-" + k[4:8] + "-" + k[8:12] + "-" + k[12:16]
		a.trialKeys[l.Key] = l
	}
	a.trials[key] = l
	return l
}

// code derives an uppercase code of n letters and digits from seed: the same every run.
func code(seed, kind string, n int) string {
	sum := sha256.Sum256([]byte(kind + "\x00" + seed))
	return base32.StdEncoding.EncodeToString(sum[:])[:n]
}

func (e *Engine) productDetails(op *spec.Operation, a *Account, p Params) Answer {
	prod, refused := e.product(op, a, p)
	if refused != nil {
		return *refused
	}
	return e.encode(op, productDetailsBody(prod, p.Str("include_custom_fields") == "true", p.Str("include_latest_version") == "true", p.Str("env")))
}
