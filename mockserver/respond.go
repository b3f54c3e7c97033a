package mockserver

import (
	"net/http"
	"strconv"

	"github.com/lsmock/lsmock/internal/apierror"
	"github.com/lsmock/lsmock/internal/journal"
)

// errorContentType is what the vendor sends errors as.
const errorContentType = apierror.ContentType

// apiError is an error in the vendor's shape, its body and headers rendered when it is built.
type apiError struct {
	status int
	code   string
	body   []byte
	length []string // the Content-Length header's value
}

func newAPIError(status int, code, message string) apiError {
	body := apierror.Body(status, code, message)
	return apiError{status: status, code: code, body: body, length: []string{strconv.Itoa(len(body))}}
}

// errorContentTypeValue is the Content-Type header of every error, set by map assignment
// so that no request allocates it. Read only.
var errorContentTypeValue = []string{errorContentType}

// write sends the error; detail, when set, goes to the X-Lsmock-Validation header so a
// human sees the validator's account without the vendor's body changing.
func (e apiError) write(w http.ResponseWriter, detail string) outcome {
	h := w.Header()
	h["Content-Type"] = errorContentTypeValue
	h["Content-Length"] = e.length
	if detail != "" {
		detail = journal.Clip(detail, journal.MaxDetail)
		h.Set(HeaderValidation, detail)
	}
	w.WriteHeader(e.status)
	_, _ = w.Write(e.body)
	return outcome{status: e.status, code: e.code, detail: detail}
}
