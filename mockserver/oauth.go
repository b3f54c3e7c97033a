package mockserver

import (
	"net/http"
	"net/url"

	"github.com/lsmock/lsmock/internal/journal"
	"github.com/lsmock/lsmock/internal/oauth"
	"github.com/lsmock/lsmock/internal/session"
)

// TokenOperation names token endpoint requests in the journal, the log and coverage; the
// token endpoint is not in the spec (the vendor serves it from another host).
const TokenOperation = "oauthToken"

// tokenVisible are the token request's fields the journal shows: client_id is a credential
// too (the Python SDK signs with it), so it is redacted like an API key.
var tokenVisible = map[string]bool{"grant_type": true}

// knownGrant reports whether the journal may show a grant_type by name: OAuth's own grant
// types; any other value is redacted.
func knownGrant(g string) bool {
	switch g {
	case "client_credentials", "authorization_code", "password", "refresh_token":
		return true
	}
	return false
}

// serveToken is the OAuth client-credentials token endpoint (docs/oauth.md).
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request, out *outcome) {
	out.operation = TokenOperation
	out.selection = "oauth"
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	write := func(status int, body []byte) {
		out.status = status
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}
	if r.Method != http.MethodPost {
		h.Set("Allow", http.MethodPost)
		out.code, out.detail = "invalid_request", oauth.TokenPath+" takes POST, not "+r.Method
		write(http.StatusMethodNotAllowed, oauth.ErrorBody("invalid_request", "HTTP method not allowed"))
		return
	}
	if err := s.readBody(w, r, out); err != nil {
		if tooLarge(err) {
			out.code = "invalid_request"
			write(http.StatusRequestEntityTooLarge, oauth.ErrorBody("invalid_request", "Request body is too large"))
		}
		return
	}
	form, err := url.ParseQuery(string(out.body))
	if err != nil {
		out.code, out.detail = "invalid_request", "the body is not a form (application/x-www-form-urlencoded)"
		write(http.StatusBadRequest, oauth.ErrorBody("invalid_request", "Invalid form body"))
		return
	}
	fields := map[string]any{}
	for k, v := range form {
		fields[k] = v[0]
	}
	if g, ok := fields["grant_type"]; ok && !knownGrant(g.(string)) {
		fields["grant_type"] = journal.Redacted // a client may put anything there, a secret too
	}
	out.decoded = fields
	id, secret, basic := r.BasicAuth()
	reply := s.oauth.Issue(form, id, secret, basic)
	out.session = session.Of(r, reply.Client)
	out.code, out.detail = reply.Error, reply.Detail
	write(reply.Status, reply.Body)
}
