package mockserver

import (
	"encoding/json"
	"net/http"
	"strconv"

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

type errorBody struct {
	Status  int    `json:"status"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func newAPIError(status int, code, message string) apiError {
	// Marshalling three plain fields cannot fail.
	body, _ := json.Marshal(errorBody{Status: status, Code: code, Message: message})
	return apiError{status: status, code: code, body: body}
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
