package mockserver

import (
	"net/http"
	"slices"
	"strings"
)

// CORS says which browser origins may call lsmock. The zero value allows every origin.
type CORS struct {
	// Disabled turns CORS off: no Access-Control-* headers, OPTIONS routed like any method.
	Disabled bool
	// Origins, when not empty, are the only origins allowed (e.g. http://localhost:5173).
	Origins []string
}

// exposedHeaders are lsmock's response headers a page may read.
const exposedHeaders = HeaderOperation + ", " + HeaderValidation + ", " + HeaderScenario + ", Allow, LicenseSignature"

// corsPolicy is CORS prepared at load: the headers a preflight allows.
type corsPolicy struct {
	CORS
	allowHeaders string // every header parameter of the spec, plus Content-Type and lsmock's own
}

func newCORSPolicy(c CORS, headerParams []string) corsPolicy {
	names := append([]string{"Content-Type", "Accept"}, headerParams...)
	names = append(names, HeaderScenario, HeaderSession, HeaderDate) // the request headers lsmock itself reads
	var uniq []string
	for _, n := range names {
		if !slices.Contains(uniq, n) {
			uniq = append(uniq, n)
		}
	}
	return corsPolicy{CORS: c, allowHeaders: strings.Join(uniq, ", ")}
}

// apply adds the CORS response headers for r's origin. It reports whether r was a preflight,
// which it has then answered. The admin API is open only to origins listed explicitly: any
// page a developer visits could otherwise read the journal and move pins on their lsmock.
func (p corsPolicy) apply(w http.ResponseWriter, r *http.Request, admin bool, allowedMethods func() []string) (preflight bool) {
	origin := headerValue(r.Header, "Origin")
	if p.Disabled || origin == "" {
		return false
	}
	h := w.Header()
	h.Add("Vary", "Origin")
	if (admin || len(p.Origins) > 0) && !slices.Contains(p.Origins, origin) {
		return false // the browser will refuse the answer; lsmock still gives it
	}
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Expose-Headers", exposedHeaders)
	if r.Method != http.MethodOptions || headerValue(r.Header, "Access-Control-Request-Method") == "" {
		return false
	}
	methods := allowedMethods()
	if len(methods) == 0 {
		methods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete}
	}
	h.Set("Access-Control-Allow-Methods", strings.Join(append(methods, http.MethodOptions), ", "))
	h.Set("Access-Control-Allow-Headers", p.allowHeaders)
	h.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
	return true
}
