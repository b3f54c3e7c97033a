package license

import (
	"fmt"
	"strings"

	"github.com/lsmock/lsmock/internal/jsoncanon"
	"github.com/lsmock/lsmock/internal/spec"
)

// Bundle is a bundle sold as one: licenses of several products that one request activates,
// checks or deactivates together. The SDKs send the bundle's code as product (the Node SDK's
// BundleManager sends its configured product code) with the bundle's license_key, or its
// user's username (and password to activate).
type Bundle struct {
	Code string // what the SDKs send as product
	Name string
	// Key is the license_key that names the bundle; "" for a bundle named by its user.
	Key string
	// User is the license user that names the bundle; nil for a bundle named by its key.
	User *User
	// Licenses are the bundle's licenses, one per product, in the order the answers list them.
	Licenses []*License
	Source   string // file:line
}

// Bundle returns the bundle with that code, or nil.
func (c *Catalog) Bundle(code string) *Bundle { return c.bundles[code] }

// BundleRefused is a bundle NewCatalog refuses, and why.
type BundleRefused struct {
	Bundle *Bundle
	// Field is the key the problem is at ("code", "licenses"); "" for the bundle as a whole.
	Field string
	// Member is the index in Licenses of the license the problem is about, when Field is
	// "licenses".
	Member int
	Msg    string
}

// BundleRefusals are the bundles NewCatalog refuses, in the order given.
type BundleRefusals []*BundleRefused

func (rs BundleRefusals) Error() string {
	return sourcedLines(rs, func(r *BundleRefused) (string, string) { return r.Bundle.Source, r.Msg })
}

// addBundles checks the bundles against the catalog's products and licenses and adds them.
func (c *Catalog) addBundles(bundles []*Bundle) error {
	in := map[*License]bool{}
	for _, l := range c.Licenses {
		in[l] = true
	}
	products := map[string]*Product{}
	for _, p := range c.Products {
		products[p.Code] = p
	}
	var refused BundleRefusals
	for _, b := range bundles { // after the inherited ones (inherit)
		if r := bundleRefusal(b, c.bundles, products, in); r != nil {
			refused = append(refused, r)
			continue
		}
		c.bundles[b.Code] = b
		c.Bundles = append(c.Bundles, b)
	}
	if len(refused) > 0 {
		return refused
	}
	return nil
}

// bundleRefusal says why b cannot join a catalog with those bundles, products and licenses,
// or nil.
func bundleRefusal(b *Bundle, bundles map[string]*Bundle, products map[string]*Product, in map[*License]bool) *BundleRefused {
	refuse := func(field string, member int, format string, args ...any) *BundleRefused {
		return &BundleRefused{Bundle: b, Field: field, Member: member, Msg: fmt.Sprintf(format, args...)}
	}
	switch {
	case b.Code == "":
		return refuse("", 0, "a bundle needs a code: the product code the SDKs send for it")
	case bundles[b.Code] != nil:
		return refuse("code", 0, "bundle %q is already declared at %s", b.Code, bundles[b.Code].Source)
	case products[b.Code] != nil:
		return refuse("code", 0, "%q is the short_code of a product (declared at %s): a bundle's code must be its own", b.Code, products[b.Code].Source)
	case (b.Key == "") == (b.User == nil):
		return refuse("", 0, "a bundle needs either a license_key or a username: what the SDKs send to name it")
	case len(b.Licenses) == 0:
		return refuse("licenses", 0, "a bundle needs licenses: the license keys (or {username, product}) of its products' licenses")
	}
	byProduct := map[*Product]*License{}
	for i, l := range b.Licenses {
		switch {
		case l == nil || !in[l]:
			return refuse("licenses", i, "the bundle's license %d is not a declared license", i+1)
		case byProduct[l.Product] != nil:
			return refuse("licenses", i, "licenses %s and %s are both of product %q: a bundle has one license per product (the SDKs keep one per product)",
				byProduct[l.Product].Ref(), l.Ref(), l.Product.Code)
		}
		byProduct[l.Product] = l
	}
	return nil
}

// bundle finds the bundle a request names: its code as product, and its license_key, or its
// user's username (with the password when withPassword). id is what each license_signature
// covers: the request's license_key, or its username up to "|".
func (e *Engine) bundle(op *spec.Operation, a *Account, p Params, withPassword bool) (b *Bundle, id string, refused *Answer) {
	fail := func(code, detail string) (*Bundle, string, *Answer) {
		r := e.fail(op, code, detail)
		return nil, "", &r
	}
	if b = e.cat(a).Bundle(p.Str("product")); b == nil {
		return fail("unknown_product", "no bundle "+p.Str("product")+" (a bundle's code is what the SDKs send as product)")
	}
	key, username := p.Str("license_key"), p.Str("username")
	switch {
	case key != "" && username != "":
		return fail("validation_error", "license_key and username name the bundle twice: send one of them")
	case key != "" && key != b.Key:
		return fail("license_not_found", "no license "+key+" of bundle "+b.Code)
	case key != "":
		return b, key, nil
	case username == "":
		r := e.missing(op, "license_key")
		if p.Str("id_token") != "" || p.Str("code") != "" {
			r.Detail = "lsmock does not do SSO (id_token, code): name the bundle by license_key, or username and password"
		}
		return nil, "", &r
	}
	name, _, _ := strings.Cut(username, "|")
	u := e.cat(a).User(name)
	if withPassword {
		if _, given := p["password"]; !given {
			r := e.missing(op, "password")
			return nil, "", &r
		}
		if u == nil || !passwordMatches(a.password(u), p.Str("password")) {
			return fail(e.catalog.Code(CondWrongPassword), "unknown user, or a wrong password")
		}
	}
	if u == nil || u != b.User {
		return fail("license_not_found", "bundle "+b.Code+" is not "+name+"'s")
	}
	return b, name, nil
}

// member prefixes a refusal's reason with the license of the bundle it is about.
func member(r Answer, l *License) Answer {
	r.Detail = "license " + l.Ref() + ": " + r.Detail
	return r
}

// activateBundle activates every license of the bundle a request names on its device, or,
// when one cannot be, none: the refusal is that license's, as activate_license gives it.
func (e *Engine) activateBundle(op *spec.Operation, a *Account, p Params) ([]view, Answer) {
	b, id, refused := e.bundle(op, a, p, true)
	if refused != nil {
		return nil, *refused
	}
	hwid := p.Str("hardware_id")
	transfers := make([]bool, len(b.Licenses))
	for i, l := range b.Licenses {
		transfer, r := e.mayActivate(op, a, l, a.license(l), hwid)
		if r != nil {
			return nil, member(*r, l)
		}
		transfers[i] = transfer
	}
	views := make([]view, 0, len(b.Licenses))
	for i, l := range b.Licenses {
		ls := a.license(l)
		dev := e.activateOn(a, l, ls, hwid, transfers[i])
		v := viewOf(a, l, ls, dev, hwid, id)
		v.activation = true
		v.username = p.Str("username")
		views = append(views, v)
	}
	return views, Answer{}
}

// checkBundle checks every license of the bundle a request names on its device, as
// check_license does each (a floating one takes or renews its seat); the first refusal is the
// answer.
func (e *Engine) checkBundle(op *spec.Operation, a *Account, p Params) ([]view, Answer) {
	b, id, refused := e.bundle(op, a, p, false)
	if refused != nil {
		return nil, *refused
	}
	hwid := p.Str("hardware_id")
	for _, l := range b.Licenses {
		if r := e.memberRefusal(op, a, l, a.licenses[l.Ref()], hwid); r != nil {
			return nil, member(*r, l)
		}
	}
	views := make([]view, 0, len(b.Licenses))
	for _, l := range b.Licenses {
		ls := a.licenses[l.Ref()]
		st, inUse, refused := e.floatingSeat(op, a, l, ls, hwid)
		if refused != nil {
			return nil, member(*refused, l)
		}
		v := viewOf(a, l, ls, ls.devices[hwid], hwid, id)
		if st != nil {
			v.inUse, v.borrowedUntil = inUse, st.borrowedUntil
		}
		views = append(views, v)
	}
	return views, Answer{}
}

// memberRefusal is why license l cannot be used on the device now, as onDevice says it for
// check_license, or nil.
func (e *Engine) memberRefusal(op *spec.Operation, a *Account, l *License, ls *licenseState, hwid string) *Answer {
	if !l.Enabled || !l.Active {
		return e.refusal(op, a, l, ls)
	}
	if ls == nil || len(ls.devices) == 0 {
		r := e.fail(op, "license_not_active", "the license has not been activated in this session")
		return &r
	}
	if ls.devices[hwid] == nil {
		r := e.fail(op, "device_not_found", "the license is not active on this hardware_id")
		return &r
	}
	return e.refusal(op, a, l, ls)
}

// deactivateBundle frees the device's activation of every license of the bundle a request
// names; device_not_found when none is active on it (lsmock's choice: a bundle half
// deactivated by deactivate_license can still be deactivated whole).
func (e *Engine) deactivateBundle(op *spec.Operation, a *Account, p Params) (any, Answer) {
	b, _, refused := e.bundle(op, a, p, false)
	if refused != nil {
		return nil, *refused
	}
	hwid := p.Str("hardware_id")
	freed := 0
	for _, l := range b.Licenses {
		if ls := a.licenses[l.Ref()]; ls != nil && ls.devices[hwid] != nil {
			delete(ls.devices, hwid)
			freed++
		}
	}
	if freed == 0 {
		return nil, e.fail(op, "device_not_found", "no license of bundle "+b.Code+" is active on this hardware_id")
	}
	return nil, success(op)
}

// bundleAnswer is the array of license objects an activation or a check of a bundle answers,
// each with its own license_signature, the whole signed. It is rendered outside the account's
// lock, and not remembered as licenseAnswer remembers single answers: bundles are rare.
func (e *Engine) bundleAnswer(op *spec.Operation, views []view) Answer {
	list := make([]jsoncanon.Object, len(views))
	for i, v := range views {
		var o jsoncanon.Object
		if v.activation {
			o = e.activationBody(v)
		} else {
			o = e.checkBody(v)
		}
		list[i] = append(o, jsoncanon.Pair("license_signature", e.licenseSignature(v)))
	}
	return e.encode(op, list)
}

// BundleListing is a declared bundle, as GET /__lsmock/licenses shows it.
type BundleListing struct {
	Code       string   `json:"code"`
	Name       string   `json:"name"`
	LicenseKey string   `json:"license_key,omitempty"`
	Username   string   `json:"username,omitempty"`
	Licenses   []string `json:"licenses"` // each license's license_key, or user:username/product
	Products   []string `json:"products"`
	Source     string   `json:"source"`
}

// declaredBundles lists the catalog's bundles.
func declaredBundles(c *Catalog) []BundleListing {
	out := []BundleListing{}
	for _, b := range c.Bundles {
		bl := BundleListing{Code: b.Code, Name: b.Name, LicenseKey: b.Key, Licenses: []string{}, Products: []string{}, Source: b.Source}
		if b.User != nil {
			bl.Username = b.User.Username
		}
		for _, l := range b.Licenses {
			bl.Licenses = append(bl.Licenses, l.Ref())
			bl.Products = append(bl.Products, l.Product.Code)
		}
		out = append(out, bl)
	}
	return out
}
