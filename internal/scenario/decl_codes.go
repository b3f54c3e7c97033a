package scenario

import (
	"github.com/pb33f/go-yaml"

	"github.com/lsmock/lsmock/internal/fileerr"
	"github.com/lsmock/lsmock/internal/license"
	"github.com/lsmock/lsmock/internal/yamldec"
)

// strList reads a list of strings (blacklisted_devices: [hw-1, hw-2]).
func strList(p *[]string, what string) func(*yamldec.Decoder, *yaml.Node) {
	return func(d *yamldec.Decoder, n *yaml.Node) {
		list := yamldec.Resolve(n)
		if list == nil || list.Kind != yaml.SequenceNode {
			d.Errorf(list, "%s must be a list of strings", what)
			return
		}
		for _, item := range list.Content {
			if v, ok := d.Str(item, what+" entry"); ok {
				*p = append(*p, v)
			}
		}
	}
}

// maxTransfers reads a license's max_transfers: a count, 0 for no limit, -1 for none.
func maxTransfers(p *int) func(*yamldec.Decoder, *yaml.Node) {
	return func(d *yamldec.Decoder, n *yaml.Node) {
		if v, ok := d.Int(n, "max_transfers"); ok {
			if v < license.NoTransfers {
				d.Errorf(n, "max_transfers must be a count, 0 for no limit or -1 for no transfers")
			}
			*p = v
		}
	}
}

// refusedAt is where a refusal of NewCatalog points in the license's file: the key it names
// (the entry of a list, for Item), else the license.
func (pl pendingLicense) refusedAt(r *license.Refused) *fileerr.Error {
	f, ok := pl.keys[r.Field]
	if !ok {
		return pl.at
	}
	n := yamldec.Resolve(f.Value)
	if r.Item > 0 && n != nil && n.Kind == yaml.SequenceNode && r.Item <= len(n.Content) {
		n = n.Content[r.Item-1]
	}
	e := &fileerr.Error{File: pl.at.File}
	if n != nil {
		e.Line, e.Col = n.Line, n.Column
	}
	return e
}
