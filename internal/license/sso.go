package license

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"strings"

	"github.com/lsmock/lsmock/internal/jsoncanon"
	"github.com/lsmock/lsmock/internal/spec"
	"github.com/lsmock/lsmock/internal/sso"
)

// CustomerAccount is a customer's account whose users log in by single sign-on: sso_url
// names it by Code, and lsmock's login page lists its Users.
type CustomerAccount struct {
	ID     int64
	Code   string
	Name   string
	Users  []*User
	Source string // file:line
}

// Account returns the customer account with that code, or nil.
func (c *Catalog) Account(code string) *CustomerAccount { return c.accounts[code] }

// AccountOf returns the customer account u belongs to, or nil.
func (c *Catalog) AccountOf(u *User) *CustomerAccount { return c.accountOf[u] }

// checkAccounts refuses a customer account without a code or users, one whose code is
// taken (by base's too, when the accounts extend it), and a user in two accounts (a token
// names one account per user).
func checkAccounts(accounts []*CustomerAccount, base *Catalog) Refusals {
	var refused Refusals
	codes := map[string]*CustomerAccount{}
	member := map[*User]*CustomerAccount{}
	if base != nil {
		maps.Copy(codes, base.accounts)
		maps.Copy(member, base.accountOf)
	}
	for _, a := range accounts {
		switch {
		case a.Code == "":
			refused = append(refused, &Refused{Account: a, Msg: "a customer account needs a code"})
			continue
		case codes[a.Code] != nil:
			refused = append(refused, &Refused{Account: a, Field: "code", Msg: fmt.Sprintf("customer account %q is already declared at %s", a.Code, codes[a.Code].Source)})
			continue
		}
		codes[a.Code] = a
		for _, u := range a.Users {
			if u == nil {
				refused = append(refused, &Refused{Account: a, Field: "users", Msg: "a customer account's user must be declared under users:"})
				continue
			}
			if prev := member[u]; prev != nil {
				refused = append(refused, &Refused{Account: a, User: u, Field: "users", Msg: fmt.Sprintf("user %q is already a user of customer account %q (%s): a user belongs to one account", u.Username, prev.Code, prev.Source)})
				continue
			}
			member[u] = a
		}
	}
	return refused
}

// indexAccounts indexes the accounts and gives each license of an account's user its
// customer_account.
func (c *Catalog) indexAccounts() {
	c.accounts, c.accountOf = map[string]*CustomerAccount{}, map[*User]*CustomerAccount{}
	for _, a := range c.Accounts {
		if a.ID == 0 {
			a.ID = StableID("customer-account", a.Code)
		}
		if a.Name == "" {
			a.Name = a.Code
		}
		c.accounts[a.Code] = a
		for _, u := range a.Users {
			c.accountOf[u] = a
		}
	}
	for _, l := range c.Licenses {
		// Only a license not yet given its account is written: an inherited one is
		// read by other sessions meanwhile (inherit).
		if acct := c.accountOf[l.User]; l.User != nil && acct != nil && l.Customer.Account == nil {
			l.Customer.Account = acct
		}
	}
}

// accountBody is a license customer's customer_account: null, or {id, name, code}.
func accountBody(a *CustomerAccount) any {
	if a == nil {
		return nil
	}
	return jsoncanon.Pairs(
		"id", a.ID,
		"name", a.Name,
		"code", a.Code,
	)
}

// UseSSO makes the engine accept the codes and ID tokens p issues; the server calls it
// once, before serving. Without it every code and token is refused.
func (e *Engine) UseSSO(p *sso.Provider) { e.sso = p }

// isSSO reports whether a request names its user by single sign-on.
func isSSO(p Params) bool { return p.Str("id_token") != "" || p.Str("code") != "" }

// identifySSO finds the license of prod of the user an id_token or code names.
func (e *Engine) identifySSO(op *spec.Operation, a *Account, prod *Product, p Params) (found, *Answer) {
	u, refused := e.ssoUser(op, a, p, true)
	if refused != nil {
		return found{}, refused
	}
	l := e.cat(a).ForUser(u, prod)
	if l == nil {
		f := e.fail(op, "license_not_found", "user "+u.Username+" has no license of product "+prod.Code)
		return found{}, &f
	}
	name, _, _ := strings.Cut(u.Username, "|")
	return found{lic: l, id: name}, nil
}

// ssoUser is the user an id_token or a code (taken once) names, checked against
// customer_account_code (required when needAccount), in the catalog session a sees: a
// user and account the session declared at run time too. a's lock is held.
func (e *Engine) ssoUser(op *spec.Operation, a *Account, p Params, needAccount bool) (*User, *Answer) {
	cat := e.cat(a)
	refuse := func(code, detail string) (*User, *Answer) {
		a := e.fail(op, code, detail)
		return nil, &a
	}
	if p.Str("license_key") != "" || p.Str("username") != "" || (p.Str("id_token") != "" && p.Str("code") != "") {
		return refuse("validation_error", "send one of license_key, username, id_token and code")
	}
	wanted := p.Str("customer_account_code")
	if wanted == "" && needAccount {
		a := e.missing(op, "customer_account_code")
		return nil, &a
	}
	if wanted != "" && cat.Account(wanted) == nil {
		return refuse("customer_account_not_found", "no customer account "+wanted+" is declared")
	}
	claims, err := e.ssoClaims(p)
	if err != nil {
		return refuse(cat.Code(CondSSOTokenInvalid), err.Error())
	}
	if wanted != "" && claims.Account != wanted {
		return refuse("customer_account_id_mismatch", "the token is of customer account "+claims.Account+", not "+wanted)
	}
	u := cat.User(claims.Username)
	if u == nil || cat.AccountOf(u) == nil || cat.AccountOf(u).Code != claims.Account {
		return refuse(cat.Code(CondSSOTokenInvalid), "the token's user is no longer a user of its customer account")
	}
	return u, nil
}

// ssoClaims checks the request's id_token, or takes its code.
func (e *Engine) ssoClaims(p Params) (sso.Claims, error) {
	if e.sso == nil {
		return sso.Claims{}, errors.New("lsmock issued no SSO token or code")
	}
	if t := p.Str("id_token"); t != "" {
		c, err := e.sso.Verify(t)
		if err != nil {
			return c, fmt.Errorf("id_token: %w", err)
		}
		return c, nil
	}
	c, _, err := e.sso.Redeem(p.Str("code"))
	if err != nil {
		return c, fmt.Errorf("code: %w", err)
	}
	return c, nil
}

// SSOURL answers sso_url: the URL of lsmock's login page for a customer account, and the
// discovery document of lsmock's identity provider at base (scheme://host), signed. It
// answers from the catalog session a sees (nil: the files'), deciding under a's lock as the
// other behaviours do. The URL names the session (SessionParam, its label) when the account
// is the session's own, so that the login page, which a browser opens without the
// session's header, finds it. ok is false when there is nothing to answer from.
func (e *Engine) SSOURL(op *spec.Operation, a *Account, session string, p Params, base string) (Answer, bool) {
	own, refused, ok := e.ssoURLAllowed(op, a, p)
	switch {
	case !ok:
		return Answer{}, false
	case refused != nil:
		return *refused, true
	}
	account := p.Str("customer_account_code")
	responseType := "code" // the vendor's default (its sso_url page)
	switch p.Str("response_type") {
	case "", "code":
	case "token":
		responseType = "id_token"
	default:
		return e.fail(op, "validation_error", "response_type is code or token"), true
	}
	q := url.Values{"client_id": {sso.ClientID}, "response_type": {responseType}, "scope": {"openid"},
		"customer_account_code": {account}, "product": {p.Str("product")},
		"nonce": {code(p.Str("product")+"\x00"+account+"\x00"+p.Str("redirect_uri"), "nonce", 16)}}
	if r := p.Str("redirect_uri"); r != "" {
		q.Set("redirect_uri", r)
	}
	if b := p.Str("bundle_code"); b != "" {
		q.Set("bundle_code", b)
	}
	if own && session != "" {
		q.Set(SessionParam, session)
	}
	return e.encode(op, jsoncanon.Pairs(
		"url", base+sso.AuthPath+"?"+q.Encode(),
		"openid_configuration", sso.Discovery(base),
		"alternate_urls", []string{},
	)), true
}

// SessionParam is the login page URL's parameter naming the session (its label) whose
// run-time declarations the page answers from.
const SessionParam = "lsmock_session"

// ssoURLAllowed decides sso_url under a's lock: the product and the customer account, in
// the catalog a sees. own reports whether the account is the session's own (declared at
// run time); ok is false when the catalog declares no product.
func (e *Engine) ssoURLAllowed(op *spec.Operation, a *Account, p Params) (own bool, refused *Answer, ok bool) {
	if a != nil {
		a.mu.Lock()
		defer a.mu.Unlock()
	}
	cat := e.cat(a)
	if len(cat.Products) == 0 {
		return false, nil, false
	}
	if _, refused := e.product(op, a, p); refused != nil {
		return false, refused, true
	}
	account := p.Str("customer_account_code")
	if cat.Account(account) == nil {
		f := e.fail(op, "customer_account_not_found", "no customer account "+account+" is declared")
		return false, &f, true
	}
	// Only a session's own account needs the session named: the files' are everyone's.
	return cat.Account(account) != e.catalog.Account(account), nil, true
}
