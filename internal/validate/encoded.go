package validate

import (
	"bytes"
	"encoding/base64"
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
	if bytes.ContainsAny(text, " \t\r\n") { // a file wrapped at 76 columns, as base64(1) writes it
		text = bytes.Join(bytes.Fields(text), nil)
	}
	enc := base64.StdEncoding
	if len(text)%4 != 0 {
		enc = base64.RawStdEncoding // the padding left off
	}
	decoded := make([]byte, enc.DecodedLen(len(text)))
	n, err := enc.Decode(decoded, text)
	if err != nil {
		rej := c.invalidJSON
		rej.Detail = "the request body is not base64 text (" + c.op.ID + " takes base64 of JSON): " + err.Error()
		return nil, &rej
	}
	if n == 0 {
		rej := c.missingContent
		rej.Detail = "the request body decodes to nothing"
		return nil, &rej
	}
	return decoded[:n], nil
}
