package mockserver

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/lsmock/lsmock/internal/contract"
	"github.com/lsmock/lsmock/internal/decide"
	"github.com/lsmock/lsmock/internal/journal"
	"github.com/lsmock/lsmock/internal/load"
	"github.com/lsmock/lsmock/internal/spec"
)

// Proxy, set in Config, makes lsmock stand between an SDK and a real License API: every
// request goes to Target as it came, its answer comes back as it went, and each exchange is
// held to the spec Config.Files names. The answers are checked with kin-openapi, as lsmock
// verify checks them: an oracle New builds from that spec, independent of the validator
// that checks the requests. Nothing a client gets is changed but for lsmock's own
// X-Lsmock-* headers.
type Proxy struct {
	// Target is the real API's base URL, e.g. https://api.licensespring.com.
	Target *url.URL
	// Transport reaches it; nil means http.DefaultTransport.
	Transport http.RoundTripper
	// Record, when set, gets each exchange (see package record).
	Record func(Exchange)
	// Timeout bounds one exchange with the target, from sending the request to the last
	// byte of the answer; 0 means DefaultUpstreamTimeout.
	Timeout time.Duration
}

// TargetShown is the target as every output shows it (log, errors, reports, recordings):
// a password in its userinfo hidden.
func (p *Proxy) TargetShown() string { return p.Target.Redacted() }

// DefaultUpstreamTimeout is how long the proxy waits for the target's whole answer: the
// License API answers in well under a second, and an SDK's test should not hang on it.
const DefaultUpstreamTimeout = 15 * time.Second

// Why a proxied request was cancelled, told apart by context.Cause.
var (
	errUpstreamTimeout = errors.New("the target did not answer in time")
	errShuttingDown    = errors.New("lsmock is shutting down")
)

// Exchange is one request through the proxy and the target's answer, as read.
type Exchange struct {
	Operation                     string
	Method, Path                  string
	Query                         url.Values
	RequestHeader, ResponseHeader http.Header
	RequestBody, ResponseBody     []byte
	Status                        int
	Code                          string // the answer's error code, when it is an error
	// Problems are how the answer broke the contract (empty when it held).
	Problems []string
	// BodyFields and QueryFields are the request fields the spec declares, each true when it
	// is not a secret: what a recording may match on.
	BodyFields, QueryFields map[string]bool
}

// maxProxiedAnswer bounds an answer the proxy reads to check: the License API's are a few KB.
const maxProxiedAnswer = 16 << 20

type proxyState struct {
	target  *url.URL
	shown   string // the target as outputs show it: its userinfo's password hidden
	client  *http.Client
	oracle  *contract.Oracle
	record  func(Exchange)
	timeout time.Duration
	dotPath apiError // the answer to a path with dot segments
}

// newProxyState checks p and builds the oracle that holds answers to the spec files names
// (once: the proxy holds answers to the spec it started with).
func newProxyState(p *Proxy, files load.Files) (*proxyState, error) {
	if p.Target == nil || p.Target.Scheme == "" || p.Target.Host == "" {
		return nil, fmt.Errorf("mockserver: the proxy's target must be a URL such as https://api.licensespring.com")
	}
	oracle, err := files.Oracle()
	if err != nil {
		return nil, err // its message says kin-openapi could not load the spec, and why
	}
	tr := p.Transport
	if tr == nil {
		tr = http.DefaultTransport
	}
	// Redirects go back to the client as they came; the client decides whether to follow.
	client := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = DefaultUpstreamTimeout
	}
	return &proxyState{target: p.Target, shown: p.TargetShown(), client: client, oracle: oracle, record: p.Record, timeout: timeout,
		dotPath: newAPIError(http.StatusBadRequest, "proxy_error", "lsmock proxy: a path with . or .. segments is not forwarded")}, nil
}

// hopHeaders are the headers that belong to one connection, not to the request (RFC 9110).
var hopHeaders = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization",
	"Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// dropHopHeaders removes the headers of one connection: those above, and those its
// Connection header names (RFC 9110 §7.6.1).
func dropHopHeaders(h http.Header) {
	for _, v := range h["Connection"] {
		for _, name := range strings.Split(v, ",") {
			if name = textproto.TrimString(name); name != "" {
				h.Del(name)
			}
		}
	}
	for _, k := range hopHeaders {
		h.Del(k)
	}
}

// dotSegment reports whether a (decoded) path has a "." or ".." segment, which a server
// would resolve outside the target's base path; a backslash counts as a separator, as some
// servers take it.
func dotSegment(path string) bool {
	for _, seg := range strings.FieldsFunc(path, func(r rune) bool { return r == '/' || r == '\\' }) {
		if seg == "." || seg == ".." {
			return true
		}
	}
	return false
}

// serveProxy forwards one API request to the target and reports how the exchange holds to
// the spec: in the log, the journal, coverage and X-Lsmock-Validation.
func (s *Server) serveProxy(c *compiled, w http.ResponseWriter, r *http.Request, out *outcome) {
	p := s.proxy
	out.selection = "proxy"
	if dotSegment(r.URL.Path) { // decoded: %2e%2e is ".." here
		s.writeError(w, out, p.dotPath, "the path "+r.URL.EscapedPath()+" has a . or .. segment")
		return
	}
	op, _ := c.spec.Find(r.Method, r.URL.Path)
	s.identify(r, out)
	var problems []string
	if op == nil {
		problems = append(problems, "request: no operation in "+c.spec.Name+" has "+r.Method+" "+r.URL.Path)
	} else {
		out.operation = op.ID
		w.Header()[HeaderOperation] = c.ops[op].idHeader
	}
	found, ok := s.admit(c, w, r, &decide.Request{Op: op}, out, admitReport)
	if !ok {
		return // too large (answered), or the client left
	}
	problems = append(problems, found...)

	ctx, cancel := s.upstreamContext(r)
	defer cancel()
	resp, body, err := p.forward(ctx, r, out.body)
	if err != nil {
		failure := p.failure(ctx)
		if failure.status != http.StatusServiceUnavailable { // lsmock's own shutdown is no drift
			out.drift = true
			s.coverage.RecordDrift(journal.Drift{Operation: out.operation, Problem: "no answer from the target"})
		}
		s.writeError(w, out, failure,
			"no answer from "+p.shown+": "+err.Error())
		return
	}
	// The request's problems are the client's, reported as the mock reports them; the
	// answer's are the server's drift from the contract.
	var drift []string
	// The checks and the recorder read the answer decompressed; the client gets its bytes.
	plain, unread, decodeErr := plainAnswer(resp.Header, body)
	switch {
	case unread:
		problems = append(problems, "answer not checked: "+decodeErr.Error())
	case decodeErr != nil:
		drift = append(drift, "answer: "+decodeErr.Error())
	}
	out.status, out.code = resp.StatusCode, errorCode(resp.StatusCode, plain)
	if op != nil {
		drift = append(drift, p.drift(c, r, op, resp, plain, decodeErr == nil, out.code)...)
	}
	for _, d := range drift {
		s.coverage.RecordDrift(journal.Drift{Operation: out.operation, Problem: journal.Clip(d, journal.MaxString)})
	}
	out.drift = len(drift) > 0
	if problems = append(problems, drift...); len(problems) > 0 {
		out.detail = strings.Join(problems, "; ")
	}

	writeUpstream(w, resp, body, out.detail)

	if p.record != nil && op != nil {
		p.record(Exchange{Operation: op.ID, Method: r.Method, Path: r.URL.Path, Query: out.queryOf(r),
			RequestHeader: r.Header, ResponseHeader: resp.Header, RequestBody: out.body, ResponseBody: plain,
			Status: resp.StatusCode, Code: out.code, Problems: drift,
			BodyFields: c.bodyFields[op.ID], QueryFields: c.queryFields[op.ID]})
	}
}

// drift is how the target's answer to a request of op breaks the contract: an undocumented
// status, a body the oracle refuses (when checked: a body that could not be read is not),
// an undocumented error code.
func (p *proxyState) drift(c *compiled, r *http.Request, op *spec.Operation, resp *http.Response, plain []byte, checked bool, code string) []string {
	var drift []string
	if !slices.Contains(op.Statuses, resp.StatusCode) { // said plainer than kin-openapi says it
		drift = append(drift, fmt.Sprintf("answer: status %d is not documented for %s", resp.StatusCode, op.ID))
	} else if checked {
		if err := p.oracle.Judge(r, resp.StatusCode, resp.Header, plain); err != nil {
			drift = append(drift, "answer: "+contract.Brief(err))
		}
	}
	if code != "" {
		if _, ok := c.spec.ErrorFor(op, code); !ok {
			drift = append(drift, "answer: error code "+code+" is not documented for "+op.ID)
		}
	}
	return drift
}

// writeUpstream sends the target's answer as it came, but for hop-by-hop headers and other
// lsmocks' X-Lsmock-* headers, with detail (the problems found) in X-Lsmock-Validation.
func writeUpstream(w http.ResponseWriter, resp *http.Response, body []byte, detail string) {
	h := w.Header()
	answered := resp.Header.Clone()
	dropHopHeaders(answered)
	for k, v := range answered {
		if !strings.HasPrefix(k, "X-Lsmock-") { // the real API sends none; another lsmock's are not this one's report
			h[k] = v
		}
	}
	if detail != "" {
		h.Set(HeaderValidation, journal.Clip(detail, journal.MaxDetail))
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(body)
}

// upstreamContext bounds the exchange with the target by the upstream timeout, and ends it
// when the server shuts down (Shutdown waits for handlers but does not cancel them).
func (s *Server) upstreamContext(r *http.Request) (context.Context, context.CancelFunc) {
	ending, endCancel := context.WithCancelCause(r.Context())
	ctx, cancel := context.WithTimeoutCause(ending, s.proxy.timeout, errUpstreamTimeout)
	go func() {
		select {
		case <-s.ending:
			endCancel(errShuttingDown)
		case <-ctx.Done():
		}
	}()
	return ctx, func() { cancel(); endCancel(nil) }
}

// failure is the answer to a request the target did not answer: 504 when it took longer
// than the upstream timeout, 503 when lsmock is shutting down, else 502.
func (p *proxyState) failure(ctx context.Context) apiError {
	switch context.Cause(ctx) {
	case errUpstreamTimeout:
		return newAPIError(http.StatusGatewayTimeout, "proxy_error",
			fmt.Sprintf("lsmock proxy: no answer from %s within %s", p.target.Host, p.timeout))
	case errShuttingDown:
		return newAPIError(http.StatusServiceUnavailable, "proxy_error", "lsmock proxy: shutting down")
	default:
		return newAPIError(http.StatusBadGateway, "proxy_error", "lsmock proxy: no answer from "+p.target.Host)
	}
}

// forward sends the request to the target as it came: method, path, query, headers (but the
// connection's own) and body; ctx bounds the whole exchange, the answer's body included.
func (p *proxyState) forward(ctx context.Context, r *http.Request, body []byte) (*http.Response, []byte, error) {
	u := *p.target
	u.Path = strings.TrimSuffix(p.target.Path, "/") + r.URL.Path
	u.RawPath = ""
	u.RawQuery = r.URL.RawQuery
	req, err := http.NewRequestWithContext(ctx, r.Method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, nil, p.hideURL(err, r.URL.Path)
	}
	req.Header = r.Header.Clone()
	dropHopHeaders(req.Header)
	if _, ok := r.Header["User-Agent"]; !ok {
		req.Header["User-Agent"] = nil // send none, as the client did, not Go's
	}
	req.ContentLength = int64(len(body))
	if len(body) == 0 && r.ContentLength <= 0 {
		req.Body = http.NoBody
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, nil, p.hideURL(err, r.URL.Path)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxProxiedAnswer+1))
	if err != nil {
		return nil, nil, fmt.Errorf("reading the answer: %w", err)
	}
	if len(answer) > maxProxiedAnswer {
		return nil, nil, fmt.Errorf("the answer exceeds %d bytes", maxProxiedAnswer)
	}
	return resp, answer, nil
}

// hideURL names the URL of a failed request by the target's shown form and the path only:
// the query may hold a password (user_licenses'), and the journal shows it redacted already.
func (p *proxyState) hideURL(err error, path string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = strings.TrimSuffix(p.shown, "/") + path
	}
	return err
}

// plainAnswer is the answer's body decompressed, when the target compressed it (the client
// asked it to), and bounded as the answer itself is: a small body that inflates beyond
// maxProxiedAnswer is an error, not a heap. unread is true when lsmock cannot decode the
// Content-Encoding at all (br, zstd): the answer is then not checked, which is no drift.
func plainAnswer(h http.Header, body []byte) (plain []byte, unread bool, err error) {
	enc := strings.ToLower(strings.TrimSpace(h.Get("Content-Encoding")))
	var zr io.Reader
	switch enc {
	case "", "identity":
		return body, false, nil
	case "gzip", "x-gzip":
		gz, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return body, false, fmt.Errorf("Content-Encoding %s: %w", enc, err)
		}
		zr = gz
	case "deflate":
		fl, err := zlib.NewReader(bytes.NewReader(body))
		if err != nil {
			return body, false, fmt.Errorf("Content-Encoding %s: %w", enc, err)
		}
		zr = fl
	default:
		return body, true, fmt.Errorf("Content-Encoding %s, which lsmock does not decode (gzip and deflate it does)", enc)
	}
	plain, err = io.ReadAll(io.LimitReader(zr, maxProxiedAnswer+1))
	if err != nil {
		return body, false, fmt.Errorf("Content-Encoding %s: %w", enc, err)
	}
	if len(plain) > maxProxiedAnswer {
		return body, false, fmt.Errorf("Content-Encoding %s: the answer inflates beyond %d bytes", enc, maxProxiedAnswer)
	}
	return plain, false, nil
}

// errorCode is the code of an error answer's {"status","code","message"} body, else "".
func errorCode(status int, body []byte) string {
	if status < 400 {
		return ""
	}
	var e struct {
		Code string `json:"code"`
	}
	_ = json.Unmarshal(body, &e)
	return e.Code
}

// logLevel is the level of a request's log line: drift is a warning.
func (o *outcome) logLevel() slog.Level {
	if o.drift {
		return slog.LevelWarn
	}
	return slog.LevelInfo
}
