package scenario

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/pb33f/go-yaml"

	"github.com/lsmock/lsmock/internal/yamldec"
)

// verify decodes a scenario's verify: block.
func (d *decoder) verify(n *yaml.Node) *Verify {
	m := d.Mapping(n, "verify", "headers", "query", "body", "raw_body", "sign", "expect")
	if m == nil {
		return nil
	}
	v := &Verify{Headers: map[string]*string{}}
	if f, ok := m["query"]; ok {
		v.Query = url.Values{}
		for _, q := range d.Entries(f.Value, "verify.query must map parameter names to values") {
			if val, ok := d.Value(q.Value, "query parameter "+q.Key.Value); ok {
				v.Query.Set(q.Key.Value, fmt.Sprint(val))
			}
		}
	}
	if f, ok := m["headers"]; ok {
		for _, h := range d.Entries(f.Value, "verify.headers must map names to values (null removes a header)") {
			name := http.CanonicalHeaderKey(h.Key.Value)
			if yamldec.Resolve(h.Value).ShortTag() == "!!null" {
				v.Headers[name] = nil
				continue
			}
			if s, ok := d.Str(h.Value, "header "+name); ok {
				v.Headers[name] = &s
			}
		}
	}
	_, hasBody := m["body"]
	_, hasRaw := m["raw_body"]
	switch {
	case hasBody && hasRaw:
		d.Errorf(n, "verify: use body or raw_body, not both")
	case hasBody:
		if val, ok := d.Value(m["body"].Value, "verify.body"); ok {
			v.Body, _ = json.Marshal(val)
			v.HasBody = true
		}
	case hasRaw:
		if raw, ok := d.Str(m["raw_body"].Value, "verify.raw_body"); ok {
			v.Body, v.HasBody = []byte(raw), true
		}
	}
	if f, ok := m["sign"]; ok {
		if s, ok := d.Str(f.Value, "verify.sign"); ok {
			if s != "wrong" {
				d.Errorf(f.Value, `verify.sign takes "wrong" (sign with a wrong shared key)`)
			}
			v.WrongSignature = true
		}
	}
	f, ok := m["expect"]
	if !ok {
		d.Errorf(n, "verify needs expect: {status: …, code: …}")
		return nil
	}
	em := d.Mapping(f.Value, "verify.expect", "status", "code")
	if st, ok := em["status"]; ok {
		v.ExpectStatus, _ = d.Int(st.Value, "verify.expect.status")
	} else if em != nil {
		d.Errorf(f.Value, "verify.expect needs a status")
	}
	if c, ok := em["code"]; ok {
		v.ExpectCode, _ = d.Str(c.Value, "verify.expect.code")
	}
	return v
}
