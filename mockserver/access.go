package mockserver

import (
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
)

// AdminAccess says who may use the admin API (/__lsmock/*). Clients on loopback always may:
// lsmock is a developer's and a CI job's tool. Others need a token or a listener of their own.
type AdminAccess struct {
	// Token, when set, lets clients that are not on loopback in with
	// "Authorization: Bearer <Token>". The dashboard's static files need no token (they hold
	// no data); the page reads the token from its URL fragment: /__lsmock/#token=<Token>.
	Token string
	// Separate moves the admin API to AdminHandler, served on a listener of its own
	// (--admin-addr); the API listener then answers /__lsmock/ like any unknown path. Who can
	// reach that listener is decided by the address it is bound to (and Token, when set).
	Separate bool
}

// adminRefusal is why a request may not use the admin API, and the detail to give with it;
// nil when it may. Who the client is comes first (clientRefusal), then whether a page on
// another site sent it (crossSite).
func (s *Server) adminRefusal(c *compiled, r *http.Request, ownListener bool) (*apiError, string) {
	if refusal := s.clientRefusal(c, r, ownListener); refusal != nil {
		return refusal, ""
	}
	if detail, ok := crossSite(c.cors.Origins, r); ok {
		return &c.fixed.adminCrossSite, detail
	}
	return nil, ""
}

// clientRefusal is why a client may not use the admin API; nil when it may. The same rules
// hold on every listener that serves it: the token lets anyone in; otherwise the request must
// name lsmock by localhost or an IP address (a page whose own name resolves to lsmock's
// address, DNS rebinding, names itself), and come from loopback or to the admin's own
// listener, whose address decides who can reach it.
func (s *Server) clientRefusal(c *compiled, r *http.Request, ownListener bool) *apiError {
	token := s.admin.Token
	if token != "" {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if ok && subtle.ConstantTimeCompare([]byte(got), []byte(token)) == 1 {
			return nil
		}
		if isDashboardFile(r.URL.Path) {
			return nil // the page and its script hold no data; the API behind them needs the token
		}
	}
	switch {
	case !hostIsLocal(r.Host):
	case isLoopback(r.RemoteAddr), ownListener && token == "":
		return nil
	}
	if token != "" {
		return &c.fixed.adminUnauthorized
	}
	return &c.fixed.adminForbidden
}

// crossSite reports whether r is a state-changing request (any method but GET, HEAD and
// OPTIONS) that a page on another origin made the browser send, and says why. A form or a
// fetch with mode "no-cors" needs no preflight, so CORS alone would let any page the developer
// visits reset or re-pin lsmock on loopback. Allowed: lsmock's own origin (the dashboard),
// the origins listed, and clients that send neither Origin nor Sec-Fetch-Site (curl, SDKs).
func crossSite(listed []string, r *http.Request) (string, bool) {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return "", false
	}
	origin, site := r.Header.Get("Origin"), r.Header.Get("Sec-Fetch-Site")
	if origin != "" && slices.Contains(listed, origin) {
		return "", false
	}
	if site == "cross-site" || site == "same-site" || origin != "" && !strings.EqualFold(origin, ownOrigin(r)) {
		return fmt.Sprintf("Origin %q, Sec-Fetch-Site %q", origin, site), true
	}
	return "", false
}

// ownOrigin is the origin of the page lsmock served r's Host from: the dashboard's.
func ownOrigin(r *http.Request) string {
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

// hostIsLocal reports whether a request's Host is localhost or an IP address. A page on
// another site can have its own name resolve to 127.0.0.1 (DNS rebinding) and so reach a
// loopback lsmock from the developer's browser; its requests then carry that name.
func hostIsLocal(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	// "localhost." is the name's absolute form: loopback too (RFC 6761).
	return host == "" || strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") || net.ParseIP(host) != nil
}

// isLoopback reports whether a RemoteAddr (host:port) is on loopback.
func isLoopback(remoteAddr string) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// AdminHandler serves the admin API alone, for a listener of its own (AdminAccess.Separate).
func (s *Server) AdminHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := s.cur.Load()
		if !strings.HasPrefix(r.URL.Path, AdminPrefix) {
			if r.URL.Path == "/" {
				http.Redirect(w, r, AdminPrefix, http.StatusFound)
				return
			}
			c.fixed.adminNotFound.write(w, "")
			return
		}
		s.serveAdminFor(c, w, r, true)
	})
}
