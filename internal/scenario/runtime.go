package scenario

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/pb33f/go-yaml"

	"github.com/lsmock/lsmock/internal/fileerr"
	"github.com/lsmock/lsmock/internal/license"
	"github.com/lsmock/lsmock/internal/yamldec"
)

// runtimeKinds are the keys of a run-time declaration: one of them, holding one item as the
// scenario files write it under licenses:, products:, users:, bundles: or customer_accounts:.
var runtimeKinds = []string{license.KindLicense, license.KindProduct, license.KindUser, license.KindBundle, license.KindAccount}

// runtime is what reading a session's run-time declarations needs beside the declarations:
// the files' catalog they extend, and what generated keys and passwords derive from.
type runtime struct {
	base  *license.Catalog
	seed  string
	decls []license.Declaration
	cur   int   // the declaration being read
	made  []any // what each declaration made: *license.License, *Product, *User or *Bundle
	keys  map[string]bool
}

// DeclareAtRunTime is lsmock's license.Declarer: it reads a session's run-time declarations
// as lint reads the scenario files, against the files' catalog base, and builds the catalog
// the session sees. A problem is a *DeclarationError naming the field it is at.
func DeclareAtRunTime(base *license.Catalog, seed string, decls []license.Declaration) (*license.Catalog, error) {
	rt := &runtime{base: base, seed: seed, decls: decls, made: make([]any, len(decls)), keys: map[string]bool{}}
	ds := &declarations{rt: rt}
	var errs fileerr.List
	roots := make([]*yaml.Node, len(decls))
	for i := range decls {
		rt.cur = i
		d := &yamldec.Decoder{File: strconv.Itoa(i)}
		roots[i] = ds.runtimeDecl(d, decls[i].Body)
		errs = append(errs, d.Errs...)
	}
	if len(errs) == 0 {
		c, err := ds.catalog(func(string) bool { return true }) // error_codes: is not read here
		if err == nil {
			for i := range decls {
				decls[i].Made = made(rt.made[i])
			}
			return c, nil
		}
		errs = fileerr.As(err)
	}
	return nil, declarationError(errs, roots)
}

// runtimeDecl reads one declaration: its one key and the item under it.
func (ds *declarations) runtimeDecl(d *yamldec.Decoder, body []byte) *yaml.Node {
	var root yaml.Node
	if err := yaml.Unmarshal(body, &root); err != nil {
		d.Errs = append(d.Errs, fileerr.YAMLSyntax(d.File, err))
		return nil
	}
	if len(root.Content) == 0 {
		d.Errorf(nil, `the body is empty: send one of {"license": {...}}, {"product": {...}}, {"user": {...}}, {"bundle": {...}}, {"customer_account": {...}}`)
		return &root
	}
	m := d.Mapping(&root, "a run-time declaration", runtimeKinds...)
	if m == nil {
		return &root
	}
	if len(m) != 1 {
		if len(d.Errs) == 0 {
			d.Errorf(yamldec.Resolve(&root), "a run-time declaration has exactly one of %s, not %d", strings.Join(runtimeKinds, ", "), len(m))
		}
		return &root
	}
	before := [...]int{len(ds.licenses), len(ds.products), len(ds.users), len(ds.bundles), len(ds.accounts)}
	for kind, f := range m {
		ds.decode(d, kind+"s", &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{f.Value}, Line: f.Value.Line, Column: f.Value.Column})
	}
	switch rt := ds.rt; {
	case len(ds.licenses) > before[0]:
		rt.made[rt.cur] = ds.licenses[len(ds.licenses)-1].lic
	case len(ds.products) > before[1]:
		rt.made[rt.cur] = ds.products[len(ds.products)-1]
	case len(ds.users) > before[2]:
		rt.made[rt.cur] = ds.users[len(ds.users)-1]
	case len(ds.bundles) > before[3]:
		rt.made[rt.cur] = ds.bundles[len(ds.bundles)-1].b
	case len(ds.accounts) > before[4]:
		rt.made[rt.cur] = ds.accounts[len(ds.accounts)-1].acct
	}
	return &root
}

// made is what a declaration made, as the admin API answers it.
func made(v any) license.Made {
	switch v := v.(type) {
	case *license.License:
		m := license.Made{Kind: license.KindLicense, Ref: v.Ref(), Product: v.Product.Code, LicenseKey: v.Key}
		if v.User != nil {
			m.Username = v.User.Username
		}
		return m
	case *license.Product:
		return license.Made{Kind: license.KindProduct, Ref: "product:" + v.Code, Product: v.Code}
	case *license.User:
		return license.Made{Kind: license.KindUser, Ref: "user:" + v.Username, Username: v.Username, Password: v.Password}
	case *license.Bundle:
		m := license.Made{Kind: license.KindBundle, Ref: "bundle:" + v.Code, Bundle: v.Code, LicenseKey: v.Key}
		if v.User != nil {
			m.Username = v.User.Username
		}
		return m
	case *license.CustomerAccount:
		return license.Made{Kind: license.KindAccount, Ref: "customer_account:" + v.Code, CustomerAccount: v.Code}
	}
	return license.Made{}
}

// generatedKey is the key of a license declared without one: the one it was given when
// first read, else a new one no other license has.
func (rt *runtime) generatedKey(decl int, taken func(string) bool) string {
	if k := rt.decls[decl].Made.LicenseKey; k != "" {
		return k
	}
	for n := decl; ; n++ {
		if k := license.GeneratedKey(rt.seed, n); !taken(k) && !rt.keys[k] {
			rt.keys[k] = true
			return k
		}
	}
}

// generatedPassword is the password of the user being read, declared without one.
func (rt *runtime) generatedPassword() string {
	if p := rt.decls[rt.cur].Made.Password; p != "" {
		return p
	}
	return license.GeneratedPassword(rt.seed, rt.cur)
}

// DeclarationError is a run-time declaration refused: every problem, with the field it is at.
type DeclarationError struct {
	Problems []Problem
}

// Problem is one problem of a run-time declaration.
type Problem struct {
	// Field is the path of the field the problem is at, such as license.max_activations or
	// bundle.licenses[1]; "" for the body as a whole.
	Field   string `json:"field"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Message string `json:"message"`
	// Declaration is the declaration's place among the session's, from 0: the problem of an
	// earlier one is a conflict with the one being added.
	Declaration int `json:"-"`
}

func (e *DeclarationError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Message
		if p.Field != "" {
			msgs[i] = p.Field + ": " + p.Message
		}
	}
	return strings.Join(msgs, "; ")
}

// Declarations are the places, among the session's, of the declarations with problems.
func (e *DeclarationError) Declarations() []int {
	var at []int
	for _, p := range e.Problems {
		if !slices.Contains(at, p.Declaration) {
			at = append(at, p.Declaration)
		}
	}
	return at
}

// declarationError places each problem of errs at the field of its declaration's body.
func declarationError(errs fileerr.List, roots []*yaml.Node) *DeclarationError {
	de := &DeclarationError{}
	for _, e := range errs {
		p := Problem{Line: e.Line, Column: e.Col, Message: e.Msg}
		if i, err := strconv.Atoi(e.File); err == nil && i >= 0 && i < len(roots) {
			p.Declaration = i
			p.Field = yamldec.PathAt(roots[i], e.Line, e.Col)
		}
		de.Problems = append(de.Problems, p)
	}
	if len(de.Problems) == 0 {
		de.Problems = []Problem{{Message: "the declaration does not fit the catalog"}}
	}
	return de
}

// AsDeclarationError is err's DeclarationError, if it is one.
func AsDeclarationError(err error) (*DeclarationError, bool) {
	var de *DeclarationError
	ok := errors.As(err, &de)
	return de, ok
}

var _ license.Declarer = DeclareAtRunTime

// baseProduct is the files' product code names, when a run-time declaration reads them.
func (ds *declarations) baseProduct(code string) *license.Product {
	if ds.rt == nil {
		return nil
	}
	return ds.rt.base.Product(code)
}

// baseUser is the files' user username names, when a run-time declaration reads them.
func (ds *declarations) baseUser(username string) *license.User {
	if ds.rt == nil {
		return nil
	}
	return ds.rt.base.User(username)
}

func alreadyDeclared(what, name, source string) string {
	return fmt.Sprintf("%s %q is already declared at %s", what, name, source)
}

// baseBundle is the files' bundle of that code, when a run-time declaration reads them.
func (ds *declarations) baseBundle(code string) *license.Bundle {
	if ds.rt == nil {
		return nil
	}
	return ds.rt.base.Bundle(code)
}

// baseMember is the files' license a run-time bundle's member names, or nil.
func (ds *declarations) baseMember(pm pendingMember) *license.License {
	if ds.rt == nil {
		return nil
	}
	if pm.key != "" {
		return ds.rt.base.ByKey(pm.key)
	}
	return ds.rt.base.ForUser(ds.rt.base.User(pm.username), ds.rt.base.Product(pm.product))
}

// knownProducts are the products a license may name: the files' too, for a run-time one.
func (ds *declarations) knownProducts() []*license.Product {
	if ds.rt == nil {
		return ds.products
	}
	return append(slices.Clone(ds.rt.base.Products), ds.products...)
}
