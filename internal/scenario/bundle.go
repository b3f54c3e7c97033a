package scenario

import (
	"fmt"

	"github.com/pb33f/go-yaml"

	"github.com/lsmock/lsmock/internal/fileerr"
	"github.com/lsmock/lsmock/internal/license"
	"github.com/lsmock/lsmock/internal/yamldec"
)

// pendingBundle is a bundle whose user and licenses are resolved once every file is read.
type pendingBundle struct {
	b       *license.Bundle
	user    string
	members []pendingMember
	at      *fileerr.Error // the bundle
	codeAt  *fileerr.Error
	userAt  *fileerr.Error
}

// pendingMember names a license of a bundle: by license_key, or by username and product.
type pendingMember struct {
	key, username, product string
	at                     *fileerr.Error
}

// bundleDecl reads one bundle of bundles:.
func (ds *declarations) bundleDecl(d *yamldec.Decoder, n *yaml.Node) {
	b := &license.Bundle{Source: fmt.Sprintf("%s:%d", d.File, yamldec.Resolve(n).Line)}
	pb := pendingBundle{b: b, at: at(d, yamldec.Resolve(n))}
	before := len(d.Errs)
	var members *yaml.Node
	m := fields{
		"code":        str(&b.Code, "code"),
		"name":        str(&b.Name, "name"),
		"license_key": str(&b.Key, "license_key"),
		"username":    str(&pb.user, "username"),
		"licenses":    func(_ *yamldec.Decoder, n *yaml.Node) { members = n },
	}.decode(d, n, "a bundle")
	if m == nil {
		return
	}
	if f, ok := m["code"]; ok {
		pb.codeAt = at(d, f.Value)
	} else {
		d.Errorf(n, "a bundle needs a code: the product code the SDKs send for it")
	}
	switch {
	case yamldec.Has(m, "license_key") == yamldec.Has(m, "username"):
		d.Errorf(n, "a bundle needs either a license_key or a username: what the SDKs send to name it")
	case yamldec.Has(m, "username"):
		pb.userAt = at(d, m["username"].Value)
	}
	if members == nil {
		d.Errorf(n, "a bundle needs licenses: a list of license keys, or {username, product} for user-based licenses")
	} else {
		pb.members = bundleMembers(d, members)
	}
	if len(d.Errs) > before {
		return
	}
	if b.Name == "" {
		b.Name = b.Code
	}
	ds.bundles = append(ds.bundles, pb)
}

// bundleMembers reads a bundle's licenses: license keys, or {username, product}.
func bundleMembers(d *yamldec.Decoder, n *yaml.Node) []pendingMember {
	list := yamldec.Resolve(n)
	if list == nil || list.Kind != yaml.SequenceNode {
		d.Errorf(list, "licenses must be a list of license keys, or {username, product} for user-based licenses")
		return nil
	}
	var out []pendingMember
	for _, item := range list.Content {
		pm := pendingMember{at: at(d, yamldec.Resolve(item))}
		if it := yamldec.Resolve(item); it != nil && it.Kind == yaml.ScalarNode {
			if key, ok := d.Str(it, "a bundle's license"); ok {
				pm.key = key
				out = append(out, pm)
			}
			continue
		}
		m := fields{
			"username": str(&pm.username, "username"),
			"product":  str(&pm.product, "product"),
		}.decode(d, item, "a bundle's license (a license key, or {username, product})")
		if m == nil {
			continue
		}
		if !yamldec.Has(m, "username") || !yamldec.Has(m, "product") {
			d.Errorf(item, "a bundle's user-based license needs a username and a product")
			continue
		}
		out = append(out, pm)
	}
	return out
}

// resolveBundles points each bundle at its user and licenses. A bundle naming a license that
// has problems of its own is left out, those problems being reported already; resolved are
// the licenses that joined the catalog's candidates.
func (ds *declarations) resolveBundles(resolved map[*license.License]bool) ([]*license.Bundle, fileerr.List) {
	products := map[string]bool{}
	for _, p := range ds.products {
		products[p.Code] = true
	}
	if ds.rt != nil {
		for _, p := range ds.rt.base.Products {
			products[p.Code] = true
		}
	}
	byKey, byUser := map[string]*license.License{}, map[[2]string]*license.License{}
	for _, pl := range ds.licenses {
		if pl.lic.Key != "" {
			byKey[pl.lic.Key] = pl.lic
		} else {
			byUser[[2]string{pl.user, pl.product}] = pl.lic
		}
	}
	var out []*license.Bundle
	var errs fileerr.List
	for _, pb := range ds.bundles {
		ok := true
		if pb.user != "" {
			for _, u := range ds.users {
				if u.Username == pb.user {
					pb.b.User = u
				}
			}
			if pb.b.User == nil {
				pb.b.User = ds.baseUser(pb.user)
			}
			if pb.b.User == nil {
				errs = append(errs, placed(pb.userAt, fmt.Sprintf("unknown user %q: declare it under users: with a password", pb.user)))
				ok = false
			}
		}
		pb.b.Licenses = nil
		for _, pm := range pb.members {
			l, problem := member(pm, byKey, byUser, products)
			if base := ds.baseMember(pm); l == nil && base != nil {
				l, problem = base, ""
				resolved[l] = true // the files' license, resolved when they were read
			}
			if problem != "" {
				errs = append(errs, placed(pm.at, problem))
				ok = false
				continue
			}
			ok = ok && resolved[l]
			pb.b.Licenses = append(pb.b.Licenses, l)
		}
		if ok {
			out = append(out, pb.b)
		}
	}
	return out, errs
}

// member is the license a bundle names, or why there is none.
func member(pm pendingMember, byKey map[string]*license.License, byUser map[[2]string]*license.License, products map[string]bool) (*license.License, string) {
	if pm.key != "" {
		if l := byKey[pm.key]; l != nil {
			return l, ""
		}
		return nil, fmt.Sprintf("unknown license %q: declare it under licenses:", pm.key)
	}
	if !products[pm.product] {
		return nil, fmt.Sprintf("unknown product %q: declare it under products:", pm.product)
	}
	if l := byUser[[2]string{pm.username, pm.product}]; l != nil {
		return l, ""
	}
	return nil, fmt.Sprintf("no license of product %q for user %q: declare it under licenses:", pm.product, pm.username)
}

// bundleProblems places the bundles NewCatalog refuses in their files.
func (ds *declarations) bundleProblems(refused license.BundleRefusals) fileerr.List {
	var errs fileerr.List
	for _, r := range refused {
		for _, pb := range ds.bundles {
			if pb.b != r.Bundle {
				continue
			}
			where := pb.at
			switch {
			case r.Field == "code" && pb.codeAt != nil:
				where = pb.codeAt
			case r.Field == "licenses" && r.Member < len(pb.members):
				where = pb.members[r.Member].at
			}
			errs = append(errs, placed(where, r.Msg))
		}
	}
	return errs
}
