package validate

import (
	"bytes"
	"encoding/base64"
	"encoding/json"

	"github.com/lsmock/lsmock/internal/spec"
)

// CodeMissingContent is the vendor's code for an offline request with no content.
const CodeMissingContent = "missing_content"

// unwrapEncoded turns a base64 body (spec.Body.Encoding "base64": the offline requests) into
// the JSON it carries, so the rest of AdmitBody reads it as any JSON body. The rejection is
// missing_content for an empty body, and invalid_json for text that is not base64 (or is
// JSON sent as it is); detail says which, never quoting the body.
func (c *operationCheck) unwrapEncoded(body []byte) ([]byte, *Rejection) {
	text := bytes.TrimSpace(body)
	if len(text) == 0 {
		rej := c.missingContent
		rej.Detail = "the request body is empty; " + c.op.ID + " takes base64 text of JSON (" + c.op.Body.MediaType + ")"
		return nil, &rej
	}
	if text[0] == '{' || text[0] == '[' { // neither is a base64 character
		rej := c.invalidJSON
		rej.Detail = "the request body is JSON; " + c.op.ID + " takes it base64-encoded, as the SDKs' request files hold it"
		return nil, &rej
	}
	decoded, err := unbase64(text)
	if err != nil {
		rej := c.invalidJSON
		rej.Detail = "the request body is not base64 text (" + c.op.ID + " takes base64 of JSON): " + err.Error()
		return nil, &rej
	}
	if len(decoded) == 0 {
		rej := c.missingContent
		rej.Detail = "the request body decodes to nothing"
		return nil, &rej
	}
	return decoded, nil
}

// unbase64 reads base64 text as the SDKs write request files: lines wrapped (at 76 columns,
// as base64(1) writes them) or not, the padding there or left off.
func unbase64(text []byte) ([]byte, error) {
	if bytes.ContainsAny(text, " \t\r\n") {
		text = bytes.Join(bytes.Fields(text), nil)
	}
	enc := base64.StdEncoding
	if len(text)%4 != 0 {
		enc = base64.RawStdEncoding
	}
	decoded := make([]byte, enc.DecodedLen(len(text)))
	n, err := enc.Decode(decoded, text)
	return decoded[:n], err
}

// Decode is a body AdmitBody does not read (a scenario chosen by name skips validation)
// decoded as AdmitBody would decode it, refusing nothing: the JSON, unwrapped first from
// base64 text for an encoded body (the offline request files). nil when it holds no JSON.
func Decode(op *spec.Operation, body []byte) any {
	if len(body) == 0 {
		return nil
	}
	if op != nil && op.Body != nil && op.Body.Encoding == "base64" {
		var err error
		if body, err = unbase64(bytes.TrimSpace(body)); err != nil || len(body) == 0 {
			return nil
		}
	}
	var v any
	if json.Unmarshal(body, &v) != nil {
		return nil
	}
	return v
}
