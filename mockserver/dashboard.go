package mockserver

import (
	"embed"
	"io/fs"
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

// contentType is the dashboard's own, not mime.TypeByExtension's, which the system's
// mime.types may change (.js as application/javascript, say).
func contentType(name string) string {
	switch path.Ext(name) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	}
	return "application/octet-stream"
}

// staticFile is a dashboard file ready to send.
type staticFile struct {
	body        []byte
	contentType string
}

// loadDashboard reads the embedded files once, by the name they are asked for ("" is the page).
func loadDashboard() map[string]staticFile {
	files := map[string]staticFile{}
	entries, _ := fs.ReadDir(dashboardFiles, "dashboard") // embedded: cannot fail
	for _, e := range entries {
		body, _ := dashboardFiles.ReadFile("dashboard/" + e.Name())
		name := "ui/" + e.Name()
		if e.Name() == "index.html" {
			name = ""
		}
		files[name] = staticFile{body: body, contentType: contentType(e.Name())}
	}
	return files
}

// serveDashboard answers GET /__lsmock/ and /__lsmock/ui/{file}.
func (s *Server) serveDashboard(c *compiled, w http.ResponseWriter, r *http.Request) outcome {
	f, ok := s.dashboard[strings.TrimPrefix(r.URL.Path, AdminPrefix)]
	if !ok {
		return c.fixed.adminNotFound.write(w, "")
	}
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("Content-Security-Policy", dashboardCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(f.body)
	}
	return outcome{status: http.StatusOK}
}

// isDashboardFile reports whether an admin path is one of the dashboard's static files.
func isDashboardFile(urlPath string) bool {
	rest := strings.TrimPrefix(urlPath, AdminPrefix)
	return rest == "" || strings.HasPrefix(rest, "ui/")
}
