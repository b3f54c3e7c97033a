package mockserver

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/lsmock/lsmock/internal/decide"
	"github.com/lsmock/lsmock/internal/journal"
	"github.com/lsmock/lsmock/internal/scenario"
	"github.com/lsmock/lsmock/internal/spec"
)

// write sends the decision: an unknown scenario's refusal, or after the step's delay either
// its response or its scripted fault. A 2xx answer of a signed operation gets its
// LicenseSignature, unless the step scripts it wrong or away.
func (s *Server) write(w http.ResponseWriter, r *http.Request, out *outcome, op *spec.Operation, d decide.Decision) {
	out.selection, out.nearMisses = d.How, d.NearMisses
	if d.Unknown != "" {
		s.writeError(w, out, unknownScenario(op, d), "no scenario "+d.Unknown+" for "+op.ID)
		return
	}
	step, name := &d.Step, ""
	if d.Scenario != nil {
		name = d.Scenario.Name
	}
	out.scenario = name
	if d.How == decide.ByState {
		out.covers = d.Covers
		if step.Code != "" && d.Detail != "" {
			w.Header().Set(HeaderValidation, journal.Clip(d.Detail, journal.MaxDetail))
		}
	}
	out.status, out.code = step.Status, step.Code
	if !s.hold(r, delayOf(step.Delay)) {
		out.status, out.detail = 499, "the client left during the scripted delay"
		return
	}
	h := w.Header()
	if name != "" {
		h.Set(HeaderScenario, name)
	}
	for k, v := range step.Header {
		h[k] = v
	}
	if op.Signed && step.Status/100 == 2 {
		// Set by hand: the vendor's spelling, not Go's canonical "Licensesignature".
		switch step.Signature {
		case scenario.SignatureValid:
			sig := step.SignedAs
			if sig == "" {
				sig = s.signer.Sign(step.Body)
			}
			h[spec.LicenseSignatureHeader] = []string{sig}
		case scenario.SignatureInvalid: // a real signature, of other bytes
			h[spec.LicenseSignatureHeader] = []string{s.signer.Sign(append(slices.Clip(step.Body), '\n'))}
		}
	}
	out.detail = faultDetail(step.Fault)
	if d.How == decide.ByState {
		out.detail = d.Detail
	}
	switch step.Fault {
	case scenario.FaultNone:
		h["Content-Length"] = s.lengths.of(len(step.Body))
		w.WriteHeader(step.Status)
		_, _ = w.Write(step.Body)
	case scenario.FaultMalformedJSON:
		body := malformed(step.Body)
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(step.Status)
		_, _ = w.Write(body)
		out.code = ""
	case scenario.FaultSlowBody:
		s.slowBody(w, r, step, out)
	case scenario.FaultTruncatedBody:
		s.truncated(w, step)
	case scenario.FaultConnectionReset:
		out.status, out.code = 0, ""
		abort(w, true)
	case scenario.FaultEmptyResponse:
		out.status, out.code = 0, ""
		abort(w, false)
	case scenario.FaultTimeout:
		out.status, out.code = 0, ""
		hold := step.Duration
		if hold == 0 || hold > s.maxHold {
			hold = s.maxHold
		}
		s.hold(r, hold)
		abort(w, false)
	}
}

// unknownScenario refuses a request that named a scenario its operation does not have.
func unknownScenario(op *spec.Operation, d decide.Decision) apiError {
	msg := "lsmock: no scenario named " + d.Unknown + "; GET " + AdminPrefix + "scenarios lists them"
	if d.UnknownElsewhere {
		msg = "lsmock: scenario " + d.Unknown + " scripts other operations, not " + op.ID
	}
	return newAPIError(http.StatusBadRequest, "unknown_scenario", msg)
}

func faultDetail(f scenario.Fault) string {
	if f == scenario.FaultNone {
		return ""
	}
	return "fault " + string(f)
}

func delayOf(d scenario.Delay) time.Duration {
	if d.Max <= d.Min {
		return d.Min
	}
	return d.Min + rand.N(d.Max-d.Min+1)
}

// hold waits d (capped by maxHold) unless the client leaves first or the server shuts down;
// it reports whether the client is still there. On shutdown the hold ends at once, so the
// scripted answer goes out early and the server can stop promptly.
func (s *Server) hold(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	d = min(d, s.maxHold)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.ending:
		return true
	case <-r.Context().Done():
		return false
	}
}

// malformed cuts a body so it no longer parses as JSON, keeping it plausible.
func malformed(body []byte) []byte {
	if len(body) < 2 {
		return []byte(`{"status":`)
	}
	return body[:len(body)/2]
}

// slowBody sends the headers at once and the body a byte group at a time over Duration.
func (s *Server) slowBody(w http.ResponseWriter, r *http.Request, step *scenario.Response, out *outcome) {
	w.Header().Set("Content-Length", strconv.Itoa(len(step.Body)))
	w.WriteHeader(step.Status)
	rc := http.NewResponseController(w)
	_ = rc.Flush()
	const chunks = 10
	body := step.Body
	pause := min(step.Duration, s.maxHold) / (chunks - 1)
	for i := 0; i < chunks && len(body) > 0; i++ {
		n := (len(body) + (chunks - i) - 1) / (chunks - i)
		if _, err := w.Write(body[:n]); err != nil {
			return
		}
		_ = rc.Flush()
		body = body[n:]
		if len(body) > 0 && !s.hold(r, pause) {
			out.detail = "the client left during slow_body"
			return
		}
	}
}

// truncated promises the whole body in Content-Length, sends half, and closes.
func (s *Server) truncated(w http.ResponseWriter, step *scenario.Response) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		abort(w, false)
		return
	}
	defer conn.Close()
	writeRawHead(buf, step.Status, w.Header(), len(step.Body))
	_, _ = buf.Write(step.Body[:len(step.Body)/2])
	_ = buf.Flush()
}

func writeRawHead(buf *bufio.ReadWriter, status int, h http.Header, contentLength int) {
	fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\n", status, http.StatusText(status))
	h.Set("Content-Length", strconv.Itoa(contentLength))
	h.Set("Connection", "close")
	h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	_ = h.Write(buf)
	_, _ = buf.WriteString("\r\n")
}

// abort ends the connection with no response: a TCP reset when reset is set, else a plain
// close. Without a hijackable connection (HTTP/2, recorders) net/http's abort does it.
func abort(w http.ResponseWriter, reset bool) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tcp, ok := conn.(*net.TCPConn); ok && reset {
		_ = tcp.SetLinger(0) // close sends RST instead of FIN
	}
	_ = conn.Close()
}

// lengths are Content-Length header values, rendered once for the sizes most answers have.
type lengths [][]string

func newLengths(n int) lengths {
	l := make(lengths, n)
	for i := range l {
		l[i] = []string{strconv.Itoa(i)}
	}
	return l
}

// of returns the header value for n bytes: shared, read only.
func (l lengths) of(n int) []string {
	if n < len(l) {
		return l[n]
	}
	return []string{strconv.Itoa(n)}
}
