package mockserver

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// rootInfo is what GET / answers: the Python SDK's LicenseManager.is_online() requests the
// API host's root and takes any 200 as "online", so lsmock answers there and says what it is.
type rootInfo struct {
	Name       string `json:"name"`
	Version    string `json:"version"`
	Dashboard  string `json:"dashboard,omitempty"` // absent when the admin API has a listener of its own
	SigningKey string `json:"signing_key,omitempty"`
}

// rootAnswer is GET /'s body and its length, rendered at load.
type rootAnswer struct {
	body   []byte
	length []string
}

func newRootAnswer(version string, admin AdminAccess) rootAnswer {
	if version == "" {
		version = "devel"
	}
	info := rootInfo{Name: "lsmock", Version: version}
	if !admin.Separate {
		info.Dashboard, info.SigningKey = AdminPrefix, AdminPrefix+"signing-key"
	}
	body, _ := json.Marshal(info) // strings only: cannot fail
	return rootAnswer{body: body, length: []string{strconv.Itoa(len(body))}}
}

// isRoot reports whether r asks for the API host's root the way a liveness check does.
func isRoot(r *http.Request) bool {
	return r.URL.Path == "/" && (r.Method == http.MethodGet || r.Method == http.MethodHead)
}

func (a rootAnswer) write(w http.ResponseWriter) outcome {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h["Content-Length"] = a.length
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(a.body)
	return outcome{status: http.StatusOK, selection: "root"}
}
