package mockserver

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/lsmock/lsmock/internal/decide"
	"github.com/lsmock/lsmock/internal/spec"
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
func (s *Server) request(r *http.Request, op *spec.Operation, out *outcome) *decide.Request {
	if len(r.Header["Date"]) == 0 {
		if d := r.Header[HeaderDate]; len(d) > 0 {
			r.Header["Date"] = d
		}
	}
	req := &decide.Request{Op: op, Host: r.Host, TLS: r.TLS != nil}
	req.Match.APIKey = s.identify(r, out)
	req.Match.Header = r.Header
	req.Session = out.session
	if r.URL.RawQuery != "" {
		req.Match.Query = out.queryOf(r)
	}
	if req.Named = r.Header.Get(HeaderScenario); req.Named != "" {
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
	refuse := func(status int, code, message, detail string) bool {
		if how == admitReport {
			problems = append(problems, "request: "+code+": "+detail)
			return false
		}
		s.writeError(w, out, newAPIError(status, code, message), detail)
		return true
	}
	if how == admitAll {
		out.selection = "validation"
	}
	if how != admitBody && op != nil {
		if rej := c.validator.CheckHeaders(op, r); rej != nil && refuse(rej.Status, rej.Code, rej.Message, rej.Detail) {
			return nil, false
		}
	}
	if how == admitAll && c.ops[op].authorized {
		if f := s.auth.CheckParsed(r.Header.Get("Date"), out.authz, out.authErr); f != nil {
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
	req.Raw = out.body
	if how == admitBody || op == nil {
		return problems, true
	}
	decoded, rej := c.validator.CheckBody(op, r, out.queryOf(r), out.body)
	out.decoded, req.Match.Body = decoded, decoded
	if rej != nil && refuse(rej.Status, rej.Code, rej.Message, rej.Detail) {
		return nil, false
	}
	return problems, true
}
