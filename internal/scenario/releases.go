package scenario

import (
	"fmt"

	"github.com/pb33f/go-yaml"

	"github.com/lsmock/lsmock/internal/fileerr"
	"github.com/lsmock/lsmock/internal/license"
	"github.com/lsmock/lsmock/internal/yamldec"
)

// releaseKeys are where a release's keys are written, for the problems NewCatalog finds
// after every file is read (license.ReleaseRefused.Field); "" is the release itself.
type releaseKeys map[string]*fileerr.Error

// releases reads a product's releases: list into p.Releases.
func (ds *declarations) releases(d *yamldec.Decoder, n *yaml.Node, p *license.Product) {
	ds.decodeList(d, n, "releases must be a list of releases, e.g. {version: 1.0.0, release_date: 2026-01-15}", func(item *yaml.Node) {
		ds.release(d, item, p)
	})
}

func (ds *declarations) release(d *yamldec.Decoder, n *yaml.Node, p *license.Product) {
	r := &license.Release{Source: fmt.Sprintf("%s:%d", d.File, yamldec.Resolve(n).Line)}
	before := len(d.Errs)
	m := fields{
		"version":            str(&r.Version, "version"),
		"id":                 id(&r.ID, "id"),
		"channel":            str(&r.Channel, "channel"),
		"environment":        str(&r.Environment, "environment"),
		"release_date":       date(&r.ReleaseDate, "release_date"),
		"installation_file":  str(&r.InstallationFile, "installation_file"),
		"hash_md5":           str(&r.HashMD5, "hash_md5"),
		"size":               str(&r.Size, "size"),
		"eula_link":          str(&r.EulaLink, "eula_link"),
		"release_notes_link": str(&r.ReleaseNotesLink, "release_notes_link"),
		"requires_version":   str(&r.RequiresVersion, "requires_version"),
	}.decode(d, n, "a release")
	if m == nil {
		return
	}
	if !yamldec.Has(m, "version") || r.Version == "" {
		d.Errorf(n, "a release needs a version, e.g. version: 1.0.0")
	}
	if len(d.Errs) > before {
		return
	}
	keys := releaseKeys{"": at(d, yamldec.Resolve(n))}
	for k, f := range m {
		keys[k] = at(d, f.Value)
	}
	if ds.releaseAt == nil {
		ds.releaseAt = map[*license.Release]releaseKeys{}
	}
	ds.releaseAt[r] = keys
	p.Releases = append(p.Releases, r)
}

// placeReleases are the releases NewCatalog refused, each at the key it names.
func (ds *declarations) placeReleases(refused license.ReleaseRefusals) fileerr.List {
	var errs fileerr.List
	for _, r := range refused {
		keys := ds.releaseAt[r.Release]
		where := keys[r.Field]
		if where == nil {
			where = keys[""]
		}
		if where == nil { // not read from a file: no place to give
			where = &fileerr.Error{File: r.Release.Source}
		}
		errs = append(errs, placed(where, r.Msg))
	}
	return errs
}
