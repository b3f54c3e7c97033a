package mockserver

import (
	"net/http"
	"strconv"

	"github.com/lsmock/lsmock/internal/apierror"
	"github.com/lsmock/lsmock/internal/journal"
)

// errorContentType is what the vendor sends errors as.
const errorContentType = apierror.ContentType

// apiError is an error in the vendor's shape, its body rendered when it is built.
type apiError struct {
	status int
	code   string
	body   []byte
}

func newAPIError(status int, code, message string) apiError {
	return apiError{status: status, code: code, body: apierror.Body(status, code, message)}
}

// write sends the error; detail, when set, goes to the X-Lsmock-Validation header so a
// human sees the validator's account without the vendor's body changing.
func (e apiError) write(w http.ResponseWriter, detail string) outcome {
	h := w.Header()
	h.Set("Content-Type", errorContentType)
	h.Set("Content-Length", strconv.Itoa(len(e.body)))
	if detail != "" {
		detail = journal.Clip(detail, journal.MaxDetail)
		h.Set(HeaderValidation, detail)
	}
	w.WriteHeader(e.status)
	_, _ = w.Write(e.body)
	return outcome{status: e.status, code: e.code, detail: detail}
}
