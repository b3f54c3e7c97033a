package mockserver

import (
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"strconv"

	"github.com/lsmock/lsmock/internal/decide"
	"github.com/lsmock/lsmock/internal/license"
	"github.com/lsmock/lsmock/internal/oauth"
	"github.com/lsmock/lsmock/internal/session"
	"github.com/lsmock/lsmock/internal/sso"
)

// SSOOperation names the identity provider's requests in the journal, the log and
// coverage; like the token endpoint, they are not in the spec (the vendor serves them from
// its own identity provider's host).
const SSOOperation = "sso"

// serveSSO answers lsmock's single sign-on identity provider (docs/sso.md): the discovery
// document, the key set, the login page and the code exchange.
func (s *Server) serveSSO(c *compiled, w http.ResponseWriter, r *http.Request, out *outcome) {
	out.operation, out.selection = SSOOperation, "sso"
	base := decide.BaseURL(r.Host, r.TLS != nil)
	switch r.URL.Path {
	case sso.DiscoveryPath:
		body, _ := json.Marshal(sso.Discovery(base))
		ssoWrite(w, out, http.StatusOK, "application/json", body)
	case sso.CertsPath:
		ssoWrite(w, out, http.StatusOK, "application/json", s.sso.JWKS())
	case sso.AuthPath:
		s.serveLogin(c, w, r, out, base)
	case sso.TokenPath:
		s.serveCodeExchange(w, r, out)
	default:
		out.code = "not_found"
		ssoWrite(w, out, http.StatusNotFound, "application/json", oauth.ErrorBody("not_found", "lsmock's identity provider has no "+r.URL.Path))
	}
}

func ssoWrite(w http.ResponseWriter, out *outcome, status int, contentType string, body []byte) {
	out.status = status
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// loginPage is the form a person picks a customer account's user on; a test sends the
// username (login_hint) instead.
var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>lsmock single sign-on</title></head>
<body>
<h1>Sign in to {{.Account.Name}}</h1>
<p>lsmock's stand-in for the identity provider of customer account <code>{{.Account.Code}}</code>: pick a user, no password.</p>
{{if .Error}}<p role="alert">{{.Error}}</p>{{end}}
<form method="post">
{{range $k, $v := .Hidden}}<input type="hidden" name="{{$k}}" value="{{$v}}">
{{end}}{{range .Account.Users}}<button type="submit" name="username" value="{{.Username}}">{{.Username}}</button>
{{end}}</form>
</body></html>
`))

// resultPage shows what the login gave when there is no redirect_uri to send it to.
var resultPage = template.Must(template.New("result").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>lsmock single sign-on</title></head>
<body>
<h1>Signed in as {{.User}}</h1>
<p>No redirect_uri was given: send this to the License API with customer_account_code <code>{{.Account}}</code>.</p>
<p>{{.Kind}}: <code id="{{.Kind}}">{{.Value}}</code></p>
</body></html>
`))

// serveLogin is the authorization endpoint: GET shows the customer account's users, a POST
// (or a GET with login_hint or username) signs one in and sends a code or an id_token to
// redirect_uri.
func (s *Server) serveLogin(c *compiled, w http.ResponseWriter, r *http.Request, out *outcome, base string) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		out.code = "invalid_request"
		ssoWrite(w, out, http.StatusMethodNotAllowed, "text/plain; charset=utf-8", []byte("GET or POST\n"))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.maxBody)
	if err := r.ParseForm(); err != nil {
		out.code = "invalid_request"
		ssoWrite(w, out, http.StatusBadRequest, "text/plain; charset=utf-8", []byte("not a form\n"))
		return
	}
	q := r.Form
	catalog := s.loginCatalog(c, r, q, out)
	account := catalog.Account(q.Get("customer_account_code"))
	if account == nil {
		out.code = "customer_account_not_found"
		ssoWrite(w, out, http.StatusBadRequest, "text/plain; charset=utf-8", []byte("lsmock: no customer account "+strconv.Quote(q.Get("customer_account_code"))+" is declared\n"))
		return
	}
	redirect := q.Get("redirect_uri")
	if u, err := url.Parse(redirect); redirect != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
		out.code = "invalid_request"
		ssoWrite(w, out, http.StatusBadRequest, "text/plain; charset=utf-8", []byte("lsmock: redirect_uri must be an absolute http or https URL\n"))
		return
	}
	name := q.Get("username")
	if name == "" {
		name = q.Get("login_hint")
	}
	user := accountUser(catalog, account, name)
	if user == nil {
		msg := ""
		if name != "" {
			msg = name + " is not a user of this customer account"
			out.code = "unknown_user"
		}
		s.showLogin(w, out, account, q, msg)
		return
	}
	s.signIn(w, out, account, user, q, base+sso.IssuerPath)
}

// loginCatalog is the catalog the login page answers from: that of the session the URL
// names (license.SessionParam: sso_url names it for an account the session declared at run
// time, as a browser sends no session header), else of the request's X-Lsmock-Session,
// else the files'.
func (s *Server) loginCatalog(c *compiled, r *http.Request, q url.Values, out *outcome) *license.Catalog {
	sid := session.Of(r, "")
	if name := q.Get(license.SessionParam); name != "" {
		sid = s.sessions.Resolve(session.Typed(name))
	}
	if sid.Key == "" {
		return c.engine.Catalog()
	}
	out.session = sid
	return c.engine.CatalogOf(s.sessions.Existing(sid))
}

// accountUser is the account's user named name, or nil.
func accountUser(c *license.Catalog, a *license.CustomerAccount, name string) *license.User {
	if u := c.User(name); u != nil && c.AccountOf(u) == a {
		return u
	}
	return nil
}

func (s *Server) showLogin(w http.ResponseWriter, out *outcome, a *license.CustomerAccount, q url.Values, msg string) {
	hidden := map[string]string{}
	for _, k := range []string{"response_type", "client_id", "redirect_uri", "scope", "customer_account_code", "product", "nonce", "state", "bundle_code", license.SessionParam} {
		if v := q.Get(k); v != "" {
			hidden[k] = v
		}
	}
	status := http.StatusOK
	if msg != "" {
		status = http.StatusBadRequest
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	out.status = status
	w.WriteHeader(status)
	_ = loginPage.Execute(w, map[string]any{"Account": a, "Hidden": hidden, "Error": msg})
}

// signIn gives the user a code (response_type=code, the default) or an id_token (token,
// id_token): in redirect_uri's query or fragment, as OpenID Connect does, or on a page.
func (s *Server) signIn(w http.ResponseWriter, out *outcome, a *license.CustomerAccount, u *license.User, q url.Values, issuer string) {
	claims := sso.Claims{Username: u.Username, UserID: u.ID, Name: fullName(u), Account: a.Code, Nonce: q.Get("nonce")}
	kind, value := "code", ""
	switch q.Get("response_type") {
	case "", "code":
		value = s.sso.IssueCode(claims, issuer)
	default: // token, id_token, "id_token token": the implicit flow
		kind, value = "id_token", s.sso.IDToken(claims, issuer)
	}
	redirect := q.Get("redirect_uri")
	if redirect == "" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		out.status = http.StatusOK
		w.WriteHeader(http.StatusOK)
		_ = resultPage.Execute(w, map[string]string{"User": u.Username, "Account": a.Code, "Kind": kind, "Value": value})
		return
	}
	target, _ := url.Parse(redirect) // checked by serveLogin
	params := url.Values{kind: {value}}
	if st := q.Get("state"); st != "" {
		params.Set("state", st)
	}
	location := ""
	if kind == "code" {
		tq := target.Query()
		for k, v := range params {
			tq[k] = v
		}
		target.RawQuery = tq.Encode()
		location = target.String()
	} else {
		params.Set("token_type", "Bearer")
		params.Set("expires_in", strconv.Itoa(int(sso.TokenTTL.Seconds())))
		target.Fragment, target.RawFragment = "", ""
		location = target.String() + "#" + params.Encode()
	}
	w.Header().Set("Location", location)
	w.Header().Set("Cache-Control", "no-store")
	out.status = http.StatusFound
	w.WriteHeader(http.StatusFound)
}

func fullName(u *license.User) string {
	switch {
	case u.FirstName != "" && u.LastName != "":
		return u.FirstName + " " + u.LastName
	case u.FirstName != "":
		return u.FirstName
	}
	return u.LastName
}

// serveCodeExchange is the token endpoint: grant_type=authorization_code and a code give
// the code's id_token. The code is then used up, as the License API would take it.
func (s *Server) serveCodeExchange(w http.ResponseWriter, r *http.Request, out *outcome) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		out.code = "invalid_request"
		ssoWrite(w, out, http.StatusMethodNotAllowed, "application/json", oauth.ErrorBody("invalid_request", "HTTP method not allowed"))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.maxBody)
	if err := r.ParseForm(); err != nil {
		out.code = "invalid_request"
		ssoWrite(w, out, http.StatusBadRequest, "application/json", oauth.ErrorBody("invalid_request", "Invalid form body"))
		return
	}
	if g := r.PostForm.Get("grant_type"); g != "authorization_code" {
		out.code = "unsupported_grant_type"
		ssoWrite(w, out, http.StatusBadRequest, "application/json", oauth.ErrorBody("unsupported_grant_type", "Unsupported grant_type"))
		return
	}
	claims, issuer, err := s.sso.Redeem(r.PostForm.Get("code"))
	if err != nil {
		out.code, out.detail = "invalid_grant", "code: "+err.Error()
		ssoWrite(w, out, http.StatusBadRequest, "application/json", oauth.ErrorBody("invalid_grant", "Code not valid"))
		return
	}
	body, _ := json.Marshal(map[string]any{"id_token": s.sso.IDToken(claims, issuer), "token_type": "Bearer",
		"expires_in": int(sso.TokenTTL.Seconds()), "scope": "openid"})
	ssoWrite(w, out, http.StatusOK, "application/json", body)
}
