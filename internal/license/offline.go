package license

import (
	"crypto/hmac"
	"strconv"
	"unicode/utf8"

	"github.com/lsmock/lsmock/internal/apierror"
	"github.com/lsmock/lsmock/internal/auth"
	"github.com/lsmock/lsmock/internal/jsoncanon"
	"github.com/lsmock/lsmock/internal/spec"
)

// The offline behaviours: a request file (base64 of JSON, decoded by validation) activates or
// deactivates as activate_license and deactivate_license do.
const (
	BehaviorActivateOffline   = "activate_offline"
	BehaviorDeactivateOffline = "deactivate_offline"
)

// UseAuth gives the engine the request checker whose keys verify offline requests' legacy
// signatures, and whose mode says how strictly (offlineSigned). Without it nothing is verified.
func (e *Engine) UseAuth(c *auth.Checker) *Engine {
	e.auth = c
	return e
}

// offlineKind is what an offline behaviour's request file may say in its "request" field.
func offlineKind(behavior string) string {
	if behavior == BehaviorActivateOffline {
		return "activation"
	}
	return "deactivation"
}

// offlineParams opens an offline request: the schema_version 2 envelope's "request" object,
// or the flat payload itself. It refuses a request without the fields every offline request
// carries, a request file of the other kind, and a flat payload whose legacy signature does
// not verify (offlineSigned). The answer is nil when the payload may go on.
func (e *Engine) offlineParams(op *spec.Operation, p Params) (Params, *Answer) {
	inner, envelope := p, false
	if r, ok := p["request"].(map[string]any); ok {
		inner, envelope = Params(r), true
	}
	if kind, ok := inner["request"].(string); ok && kind != offlineKind(op.Behavior) {
		r := e.fail(op, "validation_error", "the request file is for "+kind+", sent to "+op.ID)
		r.Body = apierror.Body(r.Status, r.Code, "request: must be "+offlineKind(op.Behavior))
		return nil, &r
	}
	var missing []string
	for _, name := range [...]string{"hardware_id", "product", "date"} {
		if inner.Str(name) == "" {
			missing = append(missing, name)
		}
	}
	if inner.Str("api_key") == "" && inner.Str("client_id") == "" {
		missing = append(missing, "api_key")
	}
	if p.Str("signature") == "" { // the envelope's, or the flat payload's own
		missing = append(missing, "signature")
	}
	if len(missing) > 0 {
		names := missing[0]
		for _, m := range missing[1:] {
			names += ", " + m
		}
		r := e.missing(op, names)
		return nil, &r
	}
	if r := e.offlineSigned(op, inner, envelope); r != nil {
		return nil, r
	}
	return inner, nil
}

// offlineSigned checks an offline request's API key as the auth mode says (lsmock's choice,
// docs/answers.md): off verifies nothing; format verifies a flat payload's legacy signature
// when lsmock knows the shared key of its api_key; strict also refuses an api_key it does not
// know. The envelope's signature is never verified: the Node SDK signs JSON.stringify of the
// payload with the shared key (or the OAuth client secret), newer Python SDKs Python's
// json.dumps with the shared key (or the client id), so no one rule holds for both.
func (e *Engine) offlineSigned(op *spec.Operation, p Params, envelope bool) *Answer {
	apiKey := p.Str("api_key")
	if e.auth == nil || e.auth.Mode() == auth.ModeOff || apiKey == "" {
		return nil // client_id: an OAuth client's, whose secret the legacy signature does not use here
	}
	shared, known := e.auth.SharedKey(apiKey)
	switch {
	case !known && e.auth.Mode() == auth.ModeStrict:
		r := e.fail(op, auth.CodeInvalidAPIKey, "the request file's api_key is not one lsmock knows (--auth strict)")
		return &r
	case !known, envelope:
		return nil
	}
	want := auth.OfflineSignature(shared, p.Str("date"), offlineID(p), p.Str("hardware_id"), apiKey)
	if !hmac.Equal([]byte(want), []byte(p.Str("signature"))) {
		r := e.fail(op, auth.CodeSignatureMismatch,
			`the request file's signature is not HMAC-SHA256(shared key, "licenseSpring\ndate: <date>\n<license_key or username>\n<hardware_id>\n<api_key>")`)
		return &r
	}
	return nil
}

// offlineID is what an offline signature names the license by: its key, else the username.
func offlineID(p Params) string {
	if k := p.Str("license_key"); k != "" {
		return k
	}
	return p.Str("username")
}

// activateOffline activates as activate_license does, once the license is found to allow
// offline activation.
func (e *Engine) activateOffline(op *spec.Operation, a *Account, p Params) (view, Answer) {
	if prod := e.cat(a).Product(p.Str("product")); prod != nil {
		if f, refused := e.identify(op, a, prod, p, true); refused == nil && !f.lic.AllowOffline {
			return view{}, e.fail(op, e.catalog.Code(CondOfflineNotAllowed), "the license is declared without allow_offline_activation")
		}
	}
	return e.activate(op, a, p) // it refuses an unknown product or license, a wrong password, ...
}

// offlineAnswer is activate_offline's answer: the activation's license object with the
// request's date, offline_signature and license_signature_v2 (RSA over the object without
// license_signature and license_signature_v2, as JSON.stringify writes it: the Node SDK
// deletes both and verifies JSON.stringify of the rest). The body is ASCII, non-ASCII
// characters \u-escaped as Python's json.dumps writes them; it is signed (LicenseSignature)
// over those bytes. Not remembered as the online answers are: each request file has its date.
func (e *Engine) offlineAnswer(op *spec.Operation, v view, p Params) Answer {
	o := append(e.activationBody(v), jsoncanon.Pair("license_signature", e.licenseSignature(v)))
	o = append(o, jsoncanon.Pair("date", p.Str("date")), jsoncanon.Pair("offline_signature", e.offlineSignature(p)))
	covered := make(jsoncanon.Object, 0, len(o))
	for _, f := range o {
		if f.Key != "license_signature" {
			covered = append(covered, f)
		}
	}
	signed, err := jsoncanon.Marshal(covered)
	if err != nil {
		return e.encode(op, covered) // its error answer
	}
	body, err := jsoncanon.Marshal(append(o, jsoncanon.Pair("license_signature_v2", e.signer.Sign(signed))))
	if err != nil {
		return e.encode(op, o)
	}
	a := Answer{Status: 200, Body: asciiJSON(body), ContentType: "application/json; charset=utf-8"}
	if op.Signed {
		a.Signature = e.signer.Sign(a.Body)
	}
	return a
}

// offlineSignature is the answer's offline_signature: the legacy signature over the request's
// date with the shared key of its api_key; without that key, a flat payload's own signature
// (the same HMAC when the client signed right) or null.
func (e *Engine) offlineSignature(p Params) any {
	if e.auth != nil {
		if shared, ok := e.auth.SharedKey(p.Str("api_key")); ok && p.Str("api_key") != "" {
			return auth.OfflineSignature(shared, p.Str("date"), offlineID(p), p.Str("hardware_id"), p.Str("api_key"))
		}
	}
	return orNull(p.Str("signature"))
}

// asciiJSON \u-escapes the non-ASCII characters of compact JSON. Outside strings such JSON
// is ASCII already, so every non-ASCII byte starts a character inside a string.
func asciiJSON(b []byte) []byte {
	i := 0
	for i < len(b) && b[i] < utf8.RuneSelf {
		i++
	}
	if i == len(b) {
		return b
	}
	out := append(make([]byte, 0, len(b)+len(b)/4), b[:i]...)
	for i < len(b) {
		if b[i] < utf8.RuneSelf {
			out = append(out, b[i])
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		i += n
		if r > 0xFFFF { // a surrogate pair, as JSON writes characters beyond the BMP
			r -= 0x10000
			out = appendU(appendU(out, 0xD800+(r>>10)), 0xDC00+(r&0x3FF))
			continue
		}
		out = appendU(out, r)
	}
	return out
}

func appendU(dst []byte, r rune) []byte {
	h := strconv.FormatInt(int64(r), 16)
	dst = append(dst, `\u`...)
	for range 4 - len(h) {
		dst = append(dst, '0')
	}
	return append(dst, h...)
}
