package mockserver

import (
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/lsmock/lsmock/internal/spec"
)

// errorContentType is what the vendor sends errors as.
const errorContentType = "application/json; charset=utf-8"

// apiError is an error in the vendor's shape, its body rendered when it is built.
type apiError struct {
	status int
	code   string
	body   []byte
}

func newAPIError(status int, code, message string) apiError {
	return apiError{status: status, code: code, body: appendErrorBody(nil, status, code, message)}
}

// appendErrorBody renders {"status":..,"code":..,"message":..} without reflection: it runs
// for every refused request.
func appendErrorBody(dst []byte, status int, code, message string) []byte {
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

// write sends the error; detail, when set, goes to the X-Lsmock-Validation header so a
// human sees the validator's account without the vendor's body changing.
func (e apiError) write(w http.ResponseWriter, detail string) outcome {
	h := w.Header()
	h.Set("Content-Type", errorContentType)
	h.Set("Content-Length", strconv.Itoa(len(e.body)))
	if detail != "" {
		h.Set(HeaderValidation, detail)
	}
	w.WriteHeader(e.status)
	_, _ = w.Write(e.body)
	return outcome{status: e.status, code: e.code, detail: detail}
}

// writeResponse sends a complete scripted response.
func writeResponse(w http.ResponseWriter, resp spec.Response) {
	h := w.Header()
	if resp.ContentType != "" {
		h.Set("Content-Type", resp.ContentType)
	}
	h.Set("Content-Length", strconv.Itoa(len(resp.Body)))
	w.WriteHeader(resp.Status)
	_, _ = w.Write(resp.Body)
}
