package scenario

import (
	"fmt"
	"slices"

	"github.com/pb33f/go-yaml"

	"github.com/lsmock/lsmock/internal/yamldec"

	"github.com/lsmock/lsmock/internal/apierror"
	"github.com/lsmock/lsmock/internal/fileerr"
	"github.com/lsmock/lsmock/internal/spec"
)

// userDecl gathers the users: blocks of all files.
type userDecl struct {
	list              []User
	seen              map[string]string // username -> where declared
	wrongPasswordCode string
	wrongPasswordAt   *fileerr.Error // position of wrong_password_error, for messages
}

// users decodes a users: list.
func (d *decoder) users(n *yaml.Node, decl *userDecl) {
	list := yamldec.Resolve(n)
	if list.Kind != yaml.SequenceNode {
		d.Errorf(list, "users must be a list of {username, password, change_allowed}")
		return
	}
	for _, item := range list.Content {
		m := d.Mapping(item, "a user", "username", "password", "change_allowed")
		if m == nil {
			continue
		}
		u := User{ChangeAllowed: true}
		f, ok := m["username"]
		if !ok {
			d.Errorf(item, "a user needs a username")
			continue
		}
		if u.Username, ok = d.Str(f.Value, "username"); !ok {
			continue
		}
		where := fmt.Sprintf("%s:%d", d.File, f.Value.Line)
		if prev, dup := decl.seen[u.Username]; dup {
			d.Errorf(f.Value, "user %q is already declared at %s", u.Username, prev)
			continue
		}
		p, ok := m["password"]
		if !ok {
			d.Errorf(item, "user %q needs a password", u.Username)
			continue
		}
		if u.Password, ok = d.Str(p.Value, "password"); !ok {
			continue
		}
		if c, ok := m["change_allowed"]; ok {
			u.ChangeAllowed, _ = d.Bool(c.Value, "change_allowed")
		}
		decl.seen[u.Username] = where
		decl.list = append(decl.list, u)
	}
}

// complete finds the operation users apply to and renders their two error answers.
func (decl *userDecl) complete(set *Set, s *spec.Spec) *fileerr.Error {
	for _, op := range s.Operations {
		if op.Body != nil && slices.Contains(op.Body.RequiredFields, "username") &&
			slices.Contains(op.Body.RequiredFields, "password") && slices.Contains(op.Body.RequiredFields, "new_password") {
			set.UserOperation = op
			break
		}
	}
	where := func(msg string) *fileerr.Error {
		e := &fileerr.Error{File: s.Name, Msg: msg}
		if decl.wrongPasswordAt != nil {
			e.File, e.Line, e.Col = decl.wrongPasswordAt.File, decl.wrongPasswordAt.Line, decl.wrongPasswordAt.Col
		}
		return e
	}
	if set.UserOperation == nil {
		return where("users are declared but no operation of " + s.Name + " takes username, password and new_password")
	}
	code := decl.wrongPasswordCode
	if code == "" {
		code = DefaultWrongPasswordError
	}
	e, ok := s.ErrorFor(set.UserOperation, code)
	if !ok {
		return where(fmt.Sprintf("wrong_password_error %q: %s documents %s", code, s.Name, documentedCodes(s, set.UserOperation)))
	}
	set.WrongPassword = errorResponse(e)
	if na, ok := s.ErrorFor(set.UserOperation, "change_password_not_allowed"); ok {
		set.NotAllowed = errorResponse(na)
	} else {
		set.NotAllowed = set.WrongPassword
	}
	set.Users = decl.list
	return nil
}

func errorResponse(e spec.ErrorExample) *Response {
	r := &Response{Status: e.Status, Code: e.Code, Body: apierror.Body(e.Status, e.Code, e.Message), Header: map[string][]string{}}
	r.Header.Set("Content-Type", apierror.ContentType)
	return r
}
