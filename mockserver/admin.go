package mockserver

import (
	"io"
	"net/http"
)

const healthBody = `{"status":"ok"}`

// serveAdmin answers lsmock's own endpoints under /__lsmock/.
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) outcome {
	switch r.URL.Path {
	case AdminPrefix + "health":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			return s.fixed.methodNotAllowed.write(w, "the health endpoint takes GET")
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, healthBody)
		return outcome{status: http.StatusOK}
	}
	return s.fixed.adminNotFound.write(w, "")
}
