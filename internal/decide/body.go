package decide

import (
	"bytes"
	"encoding/base64"
	"encoding/json"

	"github.com/lsmock/lsmock/internal/spec"
)

// Unvalidated is a body validation did not read (a scenario chosen by name skips it), as
// validation would decode it but refusing nothing: the JSON, unwrapped first from base64
// text for an encoded body (the offline request files). nil when it holds no JSON.
func Unvalidated(op *spec.Operation, raw []byte) any {
	if len(raw) == 0 {
		return nil
	}
	if op != nil && op.Body != nil && op.Body.Encoding == "base64" {
		if raw = unbase64(raw); raw == nil {
			return nil
		}
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return nil
	}
	return v
}

// unbase64 decodes base64 text as validation reads a request file: wrapped lines joined,
// the padding optional. nil when it is not base64.
func unbase64(text []byte) []byte {
	text = bytes.Join(bytes.Fields(text), nil)
	enc := base64.StdEncoding
	if len(text)%4 != 0 {
		enc = base64.RawStdEncoding
	}
	out := make([]byte, enc.DecodedLen(len(text)))
	n, err := enc.Decode(out, text)
	if err != nil || n == 0 {
		return nil
	}
	return out[:n]
}
