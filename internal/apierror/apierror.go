// Package apierror is the License API's error shape, {"status":..,"code":..,"message":..},
// rendered in one place for every answer lsmock builds: at load (scenarios) and per request.
package apierror

import (
	"strconv"
	"unicode/utf8"
)

// ContentType is what the vendor sends errors as.
const ContentType = "application/json; charset=utf-8"

// Body renders an error body.
func Body(status int, code, message string) []byte {
	return AppendBody(nil, status, code, message)
}

// AppendBody appends {"status":..,"code":..,"message":..}, rendered without reflection:
// it runs for every refused request.
func AppendBody(dst []byte, status int, code, message string) []byte {
	dst = append(dst, `{"status":`...)
	dst = strconv.AppendInt(dst, int64(status), 10)
	dst = append(dst, `,"code":`...)
	dst = appendJSONString(dst, code)
	dst = append(dst, `,"message":`...)
	dst = appendJSONString(dst, message)
	return append(dst, '}')
}

// appendJSONString quotes s as a JSON string, as encoding/json does for these texts.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			dst = append(dst, '\\', byte(r))
		case r == '\n':
			dst = append(dst, '\\', 'n')
		case r == '\t':
			dst = append(dst, '\\', 't')
		case r == '\r':
			dst = append(dst, '\\', 'r')
		case r < 0x20 || r == '<' || r == '>' || r == '&' || r == 0x2028 || r == 0x2029:
			dst = append(dst, '\\', 'u', hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
		case r == utf8.RuneError:
			dst = append(dst, `\ufffd`...)
		default:
			dst = utf8.AppendRune(dst, r)
		}
	}
	return append(dst, '"')
}
