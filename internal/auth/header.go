// Package auth reads LicenseSpring's Authorization header as real clients send it.
package auth

import (
	"errors"
	"strings"
)

// Param is one of the HMAC parameters of an Authorization header.
type Param uint8

// The parameters lsmock reads; any others a client sends are read past.
const (
	ParamAlgorithm Param = iota
	ParamHeaders
	ParamSignature
	ParamAPIKey
	numParams
)

// HMACParams are the parameters, in the order the SDKs send them.
var HMACParams = [...]Param{ParamAlgorithm, ParamHeaders, ParamSignature, ParamAPIKey}

var paramNames = [numParams]string{"algorithm", "headers", "signature", "apikey"}

// String is the parameter's name as the Node SDK writes it.
func (p Param) String() string { return paramNames[p] }

// Header is a parsed Authorization header: either HMAC parameters or a Bearer token. It is
// a value with fixed fields, not a map: every request parses one.
type Header struct {
	// Bearer is the OAuth token of a "Bearer <token>" header.
	Bearer string
	// Pairs counts the name="value" pairs read, the four known parameters and any others.
	Pairs int

	values  [numParams]string
	present [numParams]bool
}

// Param returns a parameter's value, and whether the header has it (names in any case: the
// Node SDK sends "apikey", the Python SDK "apiKey").
func (h Header) Param(p Param) (string, bool) { return h.values[p], h.present[p] }

// APIKey is the key that identifies the caller: the apikey parameter, or the Bearer token.
func (h Header) APIKey() string {
	if h.Bearer != "" {
		return h.Bearer
	}
	return h.values[ParamAPIKey]
}

// ErrUnparsable is returned for a header that is neither Bearer nor name="value" pairs.
var ErrUnparsable = errors.New("authorization header is not a comma-separated list of name=\"value\" pairs")

// Parse reads `algorithm="hmac-sha256",headers="date",signature="…",apikey="…"` (names in
// any case, optional spaces after commas, values quoted or bare) or `Bearer <token>`.
func Parse(value string) (Header, error) {
	value = strings.TrimSpace(value)
	if scheme, token, ok := strings.Cut(value, " "); ok && strings.EqualFold(scheme, "Bearer") {
		token = strings.TrimSpace(token)
		if token == "" {
			return Header{}, ErrUnparsable
		}
		return Header{Bearer: token}, nil
	}
	var h Header
	rest := value
	for rest != "" {
		name, after, ok := strings.Cut(rest, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" || badName(name) {
			return Header{}, ErrUnparsable
		}
		after = strings.TrimLeft(after, " \t")
		var val string
		if strings.HasPrefix(after, `"`) {
			end := strings.IndexByte(after[1:], '"')
			if end < 0 {
				return Header{}, ErrUnparsable
			}
			val, rest = after[1:1+end], after[2+end:]
		} else {
			val, rest, _ = strings.Cut(after, ",")
			val = strings.TrimSpace(val)
			rest = "," + rest
			if rest == "," {
				rest = ""
			}
		}
		h.Pairs++
		for _, p := range HMACParams {
			if strings.EqualFold(name, paramNames[p]) {
				h.values[p], h.present[p] = val, true
				break
			}
		}
		rest = strings.TrimLeft(rest, " \t")
		if rest == "" {
			break
		}
		if rest[0] != ',' {
			return Header{}, ErrUnparsable
		}
		rest = strings.TrimLeft(rest[1:], " \t")
	}
	if h.Pairs == 0 {
		return Header{}, ErrUnparsable
	}
	return h, nil
}

// badName reports whether a parameter's name holds a space, tab, quote or comma: what
// strings.ContainsAny(name, " \t\",") says, without building its byte set each call.
func badName(name string) bool {
	for i := 0; i < len(name); i++ {
		switch name[i] {
		case ' ', '\t', '"', ',':
			return true
		}
	}
	return false
}
