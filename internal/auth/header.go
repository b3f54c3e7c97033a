// Package auth reads LicenseSpring's Authorization header as real clients send it.
package auth

import (
	"errors"
	"strings"
)

// Header is a parsed Authorization header: either HMAC parameters or a Bearer token.
type Header struct {
	// Params holds the HMAC parameters by lower-cased name (algorithm, headers, signature,
	// apikey): the Node SDK sends "apikey", the Python SDK "apiKey".
	Params map[string]string
	// Bearer is the OAuth token of a "Bearer <token>" header.
	Bearer string
}

// APIKey is the key that identifies the caller: the apikey parameter, or the Bearer token.
func (h Header) APIKey() string {
	if h.Bearer != "" {
		return h.Bearer
	}
	return h.Params["apikey"]
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
	params := make(map[string]string, 4)
	rest := value
	for rest != "" {
		name, after, ok := strings.Cut(rest, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		if !ok || name == "" || strings.ContainsAny(name, " \t\",") {
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
		params[name] = val
		rest = strings.TrimLeft(rest, " \t")
		if rest == "" {
			break
		}
		if rest[0] != ',' {
			return Header{}, ErrUnparsable
		}
		rest = strings.TrimLeft(rest[1:], " \t")
	}
	if len(params) == 0 {
		return Header{}, ErrUnparsable
	}
	return Header{Params: params}, nil
}
