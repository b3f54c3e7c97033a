package mockserver

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/lsmock/lsmock/internal/auth"
	"github.com/lsmock/lsmock/internal/decide"
	"github.com/lsmock/lsmock/internal/spec"
	"github.com/lsmock/lsmock/internal/validate"
)

// route finds the request's operation. Without one it answers (404, 405, or GET / when no
// operation has that path) and returns nil.
func (s *Server) route(c *compiled, w http.ResponseWriter, r *http.Request, out *outcome) *spec.Operation {
	op, allowed := c.spec.Find(r.Method, r.URL.Path)
	switch {
	case op != nil:
		w.Header()[HeaderOperation] = c.ops[op].idHeader
		out.operation = op.ID
		return op
	case isRoot(r) && allowed == nil:
		*out = s.root.write(w)
	case allowed != nil:
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		detail := fmt.Sprintf("%s takes %s, not %s", r.URL.Path, strings.Join(allowed, ", "), r.Method)
		*out = c.fixed.methodNotAllowed.write(w, detail)
		out.selection = "routing"
	default:
		*out = c.fixed.notFound.write(w, "no operation in "+c.spec.Name+" has the path "+r.URL.Path)
		out.selection = "routing"
	}
	return nil
}

// request is what the decider reads of r before its body: the operation, the session, the
// scenario it names, its headers, query and credential. A request without Date takes it from
// X-Lsmock-Date, which browsers may set.
func (s *Server) request(r *http.Request, op *spec.Operation, out *outcome) decide.Request {
	if len(r.Header["Date"]) == 0 {
		if d := r.Header[HeaderDate]; len(d) > 0 {
			r.Header["Date"] = d
		}
	}
	req := decide.Request{Op: op, Host: r.Host, TLS: r.TLS != nil}
	req.Match.APIKey = s.identify(r, out)
	req.Match.Header = r.Header
	req.Session = out.session
	if r.URL.RawQuery != "" {
		req.Match.Query = out.queryOf(r)
	}
	if req.Named = headerValue(r.Header, HeaderScenario); req.Named != "" {
		req.NamedBy = decide.ByHeader
	} else if req.Match.Query.Has(QueryScenario) {
		req.Named, req.NamedBy = req.Match.Query.Get(QueryScenario), decide.ByQuery
	}
	return req
}

// admission is how much of the contract admit holds a request to.
type admission int

const (
	// admitAll is the mock's: headers, then the signature, then the body's size, then the
	// body; the first failure is refused as the vendor refuses it.
	admitAll admission = iota
	// admitBody reads the body and checks nothing: a scenario chosen by name wins over
	// validation.
	admitBody
	// admitReport is the proxy's: every failure is a problem to report, none refuses (the
	// real server answers), and the signature is the real server's to check.
	admitReport
)

// admit reads the request's body into req and holds the request to the contract as far as
// how says. ok is false when the request was refused (answered here) or the client left
// while sending; problems are the failures admitReport found.
func (s *Server) admit(c *compiled, w http.ResponseWriter, r *http.Request, req *decide.Request, out *outcome, how admission) (problems []string, ok bool) {
	op := req.Op
	reject := func(status int, code, message, detail string) bool {
		if how == admitReport {
			problems = append(problems, "request: "+code+": "+detail)
			return false
		}
		s.writeError(w, out, s.rendered.get(status, code, message), detail)
		return true
	}
	if how == admitAll {
		out.selection = "validation"
	}
	if how != admitBody && op != nil {
		if rej := c.validator.AdmitHeaders(op, r); rej != nil && reject(rej.Status, rej.Code, rej.Message, rej.Detail) {
			return nil, false
		}
	}
	if how == admitAll && c.ops[op].authorized {
		if f := s.auth.CheckParsed(headerValue(r.Header, "Date"), out.authz, out.authErr); f != nil {
			s.writeError(w, out, c.authError(op, f), f.Detail)
			out.selection = "auth"
			return nil, false
		}
	}
	if err := s.readBody(w, r, out); err != nil {
		if !tooLarge(err) {
			return problems, false // the client left while sending; nobody to answer
		}
		if how != admitBody {
			s.writeError(w, out, c.fixed.tooLarge, fmt.Sprintf("the request body exceeds %d bytes", s.maxBody))
			return problems, false
		}
	}
	if how == admitBody && op != nil {
		// Unvalidated, but seen as the validated path sees it (a request file's base64
		// unwrapped): by a live step and the journal.
		out.decoded = validate.Decode(op, out.body)
		req.Match.Body = out.decoded
	}
	if how == admitBody || op == nil {
		return problems, true
	}
	decoded, rej := c.validator.AdmitBody(op, r, out.queryIfAny(r), out.body)
	out.decoded, req.Match.Body = decoded, decoded
	if rej != nil && reject(rej.Status, rej.Code, rej.Message, rej.Detail) {
		return nil, false
	}
	if how == admitAll && c.ops[op].authorized {
		if f := s.auth.ProductAllowed(out.authz, productOf(decoded, out.queryIfAny(r))); f != nil {
			s.writeError(w, out, c.authError(op, f), f.Detail)
			out.selection = "auth"
			return nil, false
		}
	}
	return problems, true
}

// productOf is the product a request names: its body's product field, else its query's.
func productOf(decoded any, query url.Values) string {
	if m, ok := decoded.(map[string]any); ok {
		if p, ok := m["product"].(string); ok {
			return p
		}
	}
	return query.Get("product")
}

// identify reads the request's Authorization once (the session, the signing check, matching
// and the journal all use it) and finds its session: X-Lsmock-Session, else the API key, else
// for a token lsmock issued its client id (kept across refreshes), else the token. It returns
// the credential the session is keyed on.
func (s *Server) identify(r *http.Request, out *outcome) (credential string) {
	out.authz, out.authErr = auth.Parse(headerValue(r.Header, "Authorization"))
	if out.authErr == nil {
		credential = out.authz.APIKey()
		if out.authz.Bearer != "" {
			if client, st := s.oauth.Lookup(out.authz.Bearer); st != auth.TokenUnknown {
				credential = client
			}
		}
	}
	out.session = s.labels.Of(r, credential)
	if headerValue(r.Header, HeaderSession) == "" {
		out.keyLabel = string(out.session.Label) // the credential's label, for the journal's Authorization
	}
	return credential
}

// queryOf is r's query, parsed on first use.
func (o *outcome) queryOf(r *http.Request) url.Values {
	if o.query == nil {
		o.query = r.URL.Query()
	}
	return o.query
}

// queryIfAny is queryOf(r), or nil (which reads as empty) when r has no query: r.URL.Query()
// would allocate an empty map.
func (o *outcome) queryIfAny(r *http.Request) url.Values {
	if r.URL.RawQuery == "" {
		return nil
	}
	return o.queryOf(r)
}

// readBody reads the request body, up to the size limit, into out.body. On an error the body
// is too large (tooLarge) or the client left while sending it, which out then says. A body
// of a known, allowed length is read into a buffer the next request re-uses (see
// releaseBody): nothing keeps the raw bytes past the request.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, out *outcome) error {
	if n := r.ContentLength; n >= 0 && n <= s.maxBody {
		if n == 0 {
			out.bodyRead = true
			return nil
		}
		buf, _ := s.bodies.Get().(*[]byte)
		if buf == nil || int64(cap(*buf)) < n {
			b := make([]byte, 0, max(n, minBodyBuffer))
			buf = &b
		}
		body := (*buf)[:n]
		if _, err := io.ReadFull(r.Body, body); err != nil {
			s.bodies.Put(buf)
			out.status, out.detail = 499, "reading the body: "+err.Error()
			return err
		}
		out.body, out.bodyBuf, out.bodyRead = body, buf, true
		return nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	switch {
	case tooLarge(err):
		out.detail = fmt.Sprintf("the request body exceeds %d bytes", s.maxBody)
		return err
	case err != nil:
		out.status, out.detail = 499, "reading the body: "+err.Error()
		return err
	}
	out.body, out.bodyRead = body, true
	return nil
}

// minBodyBuffer and maxBodyBuffer bound the buffers kept for request bodies: an SDK's bodies
// are a few hundred bytes; a rare large one is not kept.
const (
	minBodyBuffer = 1 << 10
	maxBodyBuffer = 64 << 10
)

// releaseBody hands the request's body buffer to the next request, once nothing reads it.
func (s *Server) releaseBody(out *outcome) {
	if out.bodyBuf != nil && cap(*out.bodyBuf) <= maxBodyBuffer {
		s.bodies.Put(out.bodyBuf)
	}
	out.body, out.bodyBuf = nil, nil
}

func tooLarge(err error) bool {
	var e *http.MaxBytesError
	return errors.As(err, &e)
}
