package license

import (
	"maps"
	"slices"
	"strings"

	"github.com/lsmock/lsmock/internal/jsoncanon"
	"github.com/lsmock/lsmock/internal/spec"
)

// userLicenses lists the licenses of the user who logs in with username and password, or
// by single sign-on (id_token or code).
func (e *Engine) userLicenses(op *spec.Operation, a *Account, p Params) (any, Answer) {
	username, password := p.Str("username"), p.Str("password")
	if !isSSO(p) && (username == "" || password == "") {
		return nil, e.missing(op, "username, password")
	}
	var prod *Product
	if p.Str("product") != "" {
		var refused *Answer
		if prod, refused = e.product(op, a, p); refused != nil {
			return nil, *refused
		}
	}
	u, refused := e.loggedIn(op, a, p)
	if refused != nil {
		return nil, *refused
	}
	list := e.cat(a).OfUser(u)
	if trials := a.userLic[u.Username]; len(trials) > 0 { // a trial user's, issued in this session
		list = slices.AppendSeq(slices.Clone(list), maps.Values(trials))
		slices.SortStableFunc(list, func(x, y *License) int { return strings.Compare(x.Product.Code, y.Product.Code) })
	}
	if prod != nil {
		list = slices.DeleteFunc(slices.Clone(list), func(l *License) bool { return l.Product != prod })
	}
	out := make([]jsoncanon.Object, len(list))
	for i, l := range list {
		ls := a.licenses[l.Ref()]
		if ls == nil {
			ls = &licenseState{}
		}
		v := viewOf(a, l, ls, &Device{}, "", "")
		out[i] = jsoncanon.Pairs(
			"license", licenseObject(v),
			"user", userBody(l, len(ls.devices), a.initialPassword(u)),
		)
	}
	return out, Answer{}
}

// loggedIn is the user a user_licenses request logs in: by single sign-on, or by username
// and password.
func (e *Engine) loggedIn(op *spec.Operation, a *Account, p Params) (*User, *Answer) {
	if isSSO(p) {
		return e.ssoUser(op, a, p, false)
	}
	name, _, _ := strings.Cut(p.Str("username"), "|")
	u := e.cat(a).User(name)
	if u == nil {
		u = a.trialUser[name]
	}
	if u == nil || !passwordMatches(a.password(u), p.Str("password")) {
		r := e.fail(op, e.catalog.Code(CondWrongPassword), "unknown user, or a wrong password")
		return nil, &r
	}
	return u, nil
}

// initialPassword reports whether u still has the password lsmock gave it (a trial user's).
func (a *Account) initialPassword(u *User) bool {
	_, changed := a.passwords[u.Username]
	return u.Initial && !changed
}

// customerLicenseUsers lists the users of a customer's user-based licenses of a product.
func (e *Engine) customerLicenseUsers(op *spec.Operation, a *Account, p Params) (any, Answer) {
	prod, refused := e.product(op, a, p)
	if refused != nil {
		return nil, *refused
	}
	email := p.Str("customer")
	var (
		customer *Customer
		users    []jsoncanon.Object
	)
	for _, l := range e.cat(a).OfCustomer(prod, email) {
		customer = &l.Customer
		if l.User == nil {
			continue
		}
		times := 0
		if ls := a.licenses[l.Ref()]; ls != nil {
			times = len(ls.devices)
		}
		initial := a.initialPassword(l.User)
		shown := ""
		if initial {
			shown = l.User.Password
		}
		users = append(users, jsoncanon.Pairs(
			"email", l.User.Username,
			"is_active", l.Active,
			"first_name", l.User.FirstName,
			"last_name", l.User.LastName,
			"phone_number", l.User.Phone,
			"is_initial_password", initial,
			"initial_password", shown,
			"max_activations", userMaxActivations(l),
			"total_activations", times,
			"allow_unlimited_activations", l.UnlimitedActivations,
			"license_id", l.ID,
			"order_store_id", l.OrderStoreID,
			"order_id", StableID("order", l.Ref()),
		))
	}
	if customer == nil {
		return nil, e.fail(op, e.catalog.Code(CondCustomerNotFound), "no license of product "+prod.Code+" has customer.email "+email)
	}
	if users == nil {
		users = []jsoncanon.Object{}
	}
	return jsoncanon.Pairs(
		"company", jsoncanon.Pairs("id", companyID),
		"customer", customerBody(*customer),
		"users", users,
	), Answer{}
}
