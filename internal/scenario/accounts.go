package scenario

import (
	"fmt"
	"slices"

	"github.com/pb33f/go-yaml"

	"github.com/lsmock/lsmock/internal/fileerr"
	"github.com/lsmock/lsmock/internal/license"
	"github.com/lsmock/lsmock/internal/yamldec"
)

// pendingAccount is a customer account whose users are resolved once every file is read.
type pendingAccount struct {
	acct    *license.CustomerAccount
	users   []string
	usersAt []*fileerr.Error // where each of users is
	at      *fileerr.Error
	codeAt  *fileerr.Error
}

// account reads one item of customer_accounts: {code, name, id, users: [username, ...]}.
func (ds *declarations) account(d *yamldec.Decoder, n *yaml.Node) {
	a := &license.CustomerAccount{Source: fmt.Sprintf("%s:%d", d.File, yamldec.Resolve(n).Line)}
	pa := pendingAccount{acct: a, at: at(d, yamldec.Resolve(n))}
	before := len(d.Errs)
	var users *yaml.Node
	m := fields{
		"code":  str(&a.Code, "code"),
		"name":  str(&a.Name, "name"),
		"id":    id(&a.ID, "id"),
		"users": func(_ *yamldec.Decoder, n *yaml.Node) { users = n },
	}.decode(d, n, "a customer account")
	if m == nil {
		return
	}
	if f, ok := m["code"]; ok {
		pa.codeAt = at(d, f.Value)
	} else {
		d.Errorf(n, "a customer account needs a code: the customer_account_code the SDKs send")
	}
	if users == nil {
		d.Errorf(n, "a customer account needs users: the usernames, declared under users:, who log in by single sign-on")
	} else if list := yamldec.Resolve(users); list == nil || list.Kind != yaml.SequenceNode || len(list.Content) == 0 {
		d.Errorf(users, "users must be a list of usernames declared under users:")
	} else {
		for _, item := range list.Content {
			if name, ok := d.Str(item, "a customer account's user"); ok {
				pa.users = append(pa.users, name)
				pa.usersAt = append(pa.usersAt, at(d, item))
			}
		}
	}
	if len(d.Errs) > before {
		return
	}
	ds.accounts = append(ds.accounts, pa)
}

// resolveAccounts resolves the accounts' users by name, adding a problem for each unknown
// one; at places a Refused account where its file has it.
func (ds *declarations) resolveAccounts(users map[string]*license.User, problems []*fileerr.Error) (
	accounts []*license.CustomerAccount, at func(*license.Refused) *fileerr.Error, _ []*fileerr.Error) {
	where := map[*license.CustomerAccount]pendingAccount{}
	for _, pa := range ds.accounts {
		pa.acct.Users = nil
		known := true
		for i, name := range pa.users {
			u := users[name]
			if u == nil {
				msg := fmt.Sprintf("unknown user %q: declare it under users:", name)
				if ds.baseUser(name) != nil {
					// Its licenses are the files', which every session reads: they
					// cannot show an account of one session's.
					msg = fmt.Sprintf("user %q is declared in the files: a customer account made at run time takes users made in the session", name)
				}
				problems = append(problems, placed(pa.usersAt[i], msg))
				known = false
				continue
			}
			pa.acct.Users = append(pa.acct.Users, u)
		}
		if known {
			accounts = append(accounts, pa.acct)
			where[pa.acct] = pa
		}
	}
	at = func(r *license.Refused) *fileerr.Error {
		pa := where[r.Account]
		switch {
		case r.Field == "code" && pa.codeAt != nil:
			return pa.codeAt
		case r.User != nil:
			if i := slices.Index(pa.acct.Users, r.User); i >= 0 && i < len(pa.usersAt) {
				return pa.usersAt[i]
			}
		}
		if pa.at == nil {
			return &fileerr.Error{File: r.Account.Source}
		}
		return pa.at
	}
	return accounts, at, problems
}
