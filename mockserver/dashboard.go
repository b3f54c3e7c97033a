package mockserver

import (
	"embed"
	"net/http"
	"path"
	"strings"
)

// The dashboard is three static files over the admin API: no build step, no CDN, so it
// works offline and ships inside the binary.
//
//go:embed dashboard
var dashboardFiles embed.FS

// dashboardCSP lets the page load only its own files and call only lsmock, so even a value
// that slipped past the page's text-only rendering could not run or send anything.
const dashboardCSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// serveDashboard answers GET /__lsmock/ and /__lsmock/ui/{file}.
func (c *compiled) serveDashboard(w http.ResponseWriter, r *http.Request, rest string) outcome {
	if !allow(w, r, http.MethodGet, http.MethodHead) {
		return c.methodNotAllowed(w, r)
	}
	name := "index.html"
	if rest != "" {
		name = strings.TrimPrefix(rest, "ui/")
	}
	data, err := dashboardFiles.ReadFile("dashboard/" + name)
	if err != nil || strings.Contains(name, "/") {
		return c.fixed.adminNotFound.write(w, "")
	}
	h := w.Header()
	switch path.Ext(name) {
	case ".html":
		h.Set("Content-Type", "text/html; charset=utf-8")
	case ".js":
		h.Set("Content-Type", "text/javascript; charset=utf-8")
	case ".css":
		h.Set("Content-Type", "text/css; charset=utf-8")
	}
	h.Set("Content-Security-Policy", dashboardCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(data)
	}
	return outcome{status: http.StatusOK}
}
