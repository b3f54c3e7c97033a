package scenario

import (
	"encoding/json"
	"net/http"

	"github.com/pb33f/go-yaml"
)

// verify decodes a scenario's verify: block.
func (d *decoder) verify(n *yaml.Node) *Verify {
	m := d.mapping(n, "verify", "headers", "body", "raw_body", "sign", "expect")
	if m == nil {
		return nil
	}
	v := &Verify{Headers: map[string]*string{}}
	if f, ok := m["headers"]; ok {
		for _, h := range d.entries(f.value, "verify.headers must map names to values (null removes a header)") {
			name := http.CanonicalHeaderKey(h.key.Value)
			if resolve(h.value).ShortTag() == "!!null" {
				v.Headers[name] = nil
				continue
			}
			if s, ok := d.str(h.value, "header "+name); ok {
				v.Headers[name] = &s
			}
		}
	}
	_, hasBody := m["body"]
	_, hasRaw := m["raw_body"]
	switch {
	case hasBody && hasRaw:
		d.errorf(n, "verify: use body or raw_body, not both")
	case hasBody:
		if val, ok := d.value(m["body"].value, "verify.body"); ok {
			v.Body, _ = json.Marshal(val)
			v.HasBody = true
		}
	case hasRaw:
		if raw, ok := d.str(m["raw_body"].value, "verify.raw_body"); ok {
			v.Body, v.HasBody = []byte(raw), true
		}
	}
	if f, ok := m["sign"]; ok {
		if s, ok := d.str(f.value, "verify.sign"); ok {
			if s != "wrong" {
				d.errorf(f.value, `verify.sign takes "wrong" (sign with a wrong shared key)`)
			}
			v.WrongSignature = true
		}
	}
	f, ok := m["expect"]
	if !ok {
		d.errorf(n, "verify needs expect: {status: …, code: …}")
		return nil
	}
	em := d.mapping(f.value, "verify.expect", "status", "code")
	if st, ok := em["status"]; ok {
		v.ExpectStatus, _ = d.integer(st.value, "verify.expect.status")
	} else if em != nil {
		d.errorf(f.value, "verify.expect needs a status")
	}
	if c, ok := em["code"]; ok {
		v.ExpectCode, _ = d.str(c.value, "verify.expect.code")
	}
	return v
}
