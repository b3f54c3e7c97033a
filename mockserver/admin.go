package mockserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/lsmock/lsmock/internal/license"
	"github.com/lsmock/lsmock/internal/scenario"
	"github.com/lsmock/lsmock/internal/session"
)

// The admin API: lsmock's own endpoints under /__lsmock/. Its errors use the vendor's shape
// too, so one client-side decoder reads everything lsmock says.
func (s *Server) adminRoutes() *http.ServeMux {
	mux := http.NewServeMux()
	route := func(pattern string, h func(c *compiled, w http.ResponseWriter, r *http.Request) outcome) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			aw := w.(*adminWriter)
			aw.handled = true
			aw.out = h(aw.c, aw.ResponseWriter, r)
		})
	}
	route("GET "+AdminPrefix+"{$}", s.serveDashboard)                          // the dashboard, over this API
	route("GET "+AdminPrefix+"ui/{file}", s.serveDashboard)                    // its script and style
	route("GET "+AdminPrefix+"health", s.health)                               // readiness
	route("GET "+AdminPrefix+"metrics", s.serveMetrics)                        // counters, Prometheus text
	route("GET "+AdminPrefix+"scenarios", s.listScenarios)                     // every scenario, how to trigger it
	route("PUT "+AdminPrefix+"scenario", s.pinGlobal)                          // {"name": …} pins for everyone
	route("DELETE "+AdminPrefix+"scenario", s.unpinGlobal)                     // clears those pins
	route("GET "+AdminPrefix+"sessions", s.listSessions)                       // every session's pins and progress
	route("PUT "+AdminPrefix+"sessions/{session}/scenario", s.pinSession)      // {"name": …} pins for one session
	route("DELETE "+AdminPrefix+"sessions/{session}/scenario", s.unpinSession) // clears them
	route("GET "+AdminPrefix+"sessions/{session}/users", s.sessionUsers)       // the users as the session sees them
	route("GET "+AdminPrefix+"sessions/{session}/licenses", s.sessionLicenses) // its devices, trials, users
	// Licenses, products, users and bundles a test declares in its session (licenses.go).
	route("POST "+AdminPrefix+"sessions/{session}/licenses", s.createLicense)
	route("DELETE "+AdminPrefix+"sessions/{session}/licenses", s.deleteLicenses)
	route("DELETE "+AdminPrefix+"sessions/{session}/licenses/{ref...}", s.deleteLicense)
	route("GET "+AdminPrefix+"licenses", s.listLicenses)           // the declared products and licenses
	route("GET "+AdminPrefix+"signing-key", s.signingKey)          // the public key answers verify with
	route("POST "+AdminPrefix+"reset", s.reset)                    // clears all state, or ?session=ID's
	route("POST "+AdminPrefix+"reload", s.reload)                  // loads the files again
	route("GET "+AdminPrefix+"requests", s.listRequests)           // the journal, newest first
	route("DELETE "+AdminPrefix+"requests", s.clearRequests)       // empties it and the counts
	route("POST "+AdminPrefix+"requests/assert", s.assertRequests) // {"session", "count"|"at_least", …}
	route("GET "+AdminPrefix+"coverage", s.serveCoverage)          // produced and never produced
	route("DELETE "+AdminPrefix+"coverage", s.clearCoverage)       // starts it afresh

	// Test clocks (clock.go): a session's, and the one for every session without its own.
	route("GET "+AdminPrefix+"sessions/{session}/clock", s.sessionClock)
	route("PUT "+AdminPrefix+"sessions/{session}/clock", s.moveSessionClock) // {"now": …} or {"advance": "31d"}
	route("DELETE "+AdminPrefix+"sessions/{session}/clock", s.resetSessionClock)
	route("GET "+AdminPrefix+"clock", s.globalClock)
	route("PUT "+AdminPrefix+"clock", s.moveGlobalClock)
	route("DELETE "+AdminPrefix+"clock", s.resetGlobalClock)
	return mux
}

// adminWriter carries an admin request's configuration to its handler and its outcome back,
// and catches the mux's own answers (404, 405) to give them in the vendor's shape.
type adminWriter struct {
	http.ResponseWriter
	c       *compiled
	out     outcome
	handled bool // a route answered; otherwise the mux wrote 404 or 405
	status  int  // what the mux wrote
}

func (aw *adminWriter) WriteHeader(status int) {
	if !aw.handled {
		aw.status = status
		return
	}
	aw.ResponseWriter.WriteHeader(status)
}

func (aw *adminWriter) Write(p []byte) (int, error) {
	if !aw.handled {
		return len(p), nil
	}
	return aw.ResponseWriter.Write(p)
}

// serveAdmin answers an admin request through the routes.
func (s *Server) serveAdmin(c *compiled, w http.ResponseWriter, r *http.Request) outcome {
	aw := &adminWriter{ResponseWriter: w, c: c}
	s.adminMux.ServeHTTP(aw, r)
	if aw.handled {
		return aw.out
	}
	h := w.Header()
	h.Del("Content-Type")
	h.Del("X-Content-Type-Options")
	if aw.status == http.StatusMethodNotAllowed {
		return c.fixed.methodNotAllowed.write(w, r.URL.Path+" takes "+h.Get("Allow"))
	}
	return c.fixed.adminNotFound.write(w, "")
}

// health is GET /__lsmock/health: {"status":"ok"}, with how the file watch is doing when
// lsmock watches its files and how the latest reload went when there was one. lsmock
// answers as long as it runs (a failed reload leaves the last good configuration serving),
// so it is always ok.
func (s *Server) health(_ *compiled, w http.ResponseWriter, _ *http.Request) outcome {
	last := s.lastReload.Load()
	if s.watch == nil && last == nil {
		return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	}
	body := map[string]any{"status": "ok"}
	if s.watch != nil {
		body["watch"] = s.watch()
	}
	if last != nil {
		body["reload"] = last
	}
	return writeJSON(w, http.StatusOK, body)
}

func (s *Server) listScenarios(c *compiled, w http.ResponseWriter, _ *http.Request) outcome {
	return writeJSON(w, http.StatusOK, c.scenarioList())
}

func (s *Server) listSessions(_ *compiled, w http.ResponseWriter, _ *http.Request) outcome {
	return writeJSON(w, http.StatusOK, map[string]any{"global_pins": s.sessions.Global(), "sessions": s.sessions.List()})
}

// sessionOf is the session an admin path names (by its name, label or key), and the outcome
// that logs the path by the session's name: the path may hold a credential.
func (s *Server) sessionOf(r *http.Request, rest string) (session.ID, string) {
	sid := s.sessions.Resolve(session.Typed(r.PathValue("session")))
	return sid, AdminPrefix + "sessions/" + string(sid.Label) + rest
}

func (s *Server) pinGlobal(c *compiled, w http.ResponseWriter, r *http.Request) outcome {
	return s.pin(c, w, r, s.sessions.PinGlobal)
}

func (s *Server) unpinGlobal(_ *compiled, w http.ResponseWriter, _ *http.Request) outcome {
	s.sessions.UnpinGlobal()
	w.WriteHeader(http.StatusNoContent)
	return outcome{status: http.StatusNoContent}
}

func (s *Server) pinSession(c *compiled, w http.ResponseWriter, r *http.Request) outcome {
	sid, logged := s.sessionOf(r, "/scenario")
	return loggedAs(logged, s.pin(c, w, r, func(ref string) { s.sessions.Pin(sid, ref) }))
}

func (s *Server) unpinSession(_ *compiled, w http.ResponseWriter, r *http.Request) outcome {
	sid, logged := s.sessionOf(r, "/scenario")
	s.sessions.Unpin(sid)
	w.WriteHeader(http.StatusNoContent)
	return loggedAs(logged, outcome{status: http.StatusNoContent})
}

func (s *Server) sessionUsers(c *compiled, w http.ResponseWriter, r *http.Request) outcome {
	sid, logged := s.sessionOf(r, "/users")
	snap := s.sessions.Snapshot(sid, c.engine)
	return loggedAs(logged, writeJSON(w, http.StatusOK, map[string]any{"session": string(sid.Label), "users": snap.Users}))
}

func (s *Server) sessionLicenses(c *compiled, w http.ResponseWriter, r *http.Request) outcome {
	sid, logged := s.sessionOf(r, "/licenses")
	snap := s.sessions.Snapshot(sid, c.engine)
	out := map[string]any{"session": string(sid.Label), "licenses": snap.Licenses, "trials": snap.Trials, "users": snap.Users, "declared": snap.Declared}
	if len(snap.Dropped) > 0 {
		out["dropped"] = snap.Dropped
	}
	return loggedAs(logged, writeJSON(w, http.StatusOK, out))
}

func (s *Server) listLicenses(c *compiled, w http.ResponseWriter, _ *http.Request) outcome {
	return writeJSON(w, http.StatusOK, license.Declared(c.engine.Catalog()))
}

// signingKey is GET /__lsmock/signing-key: the public key (PEM) an SDK verifies lsmock's
// answers with.
func (s *Server) signingKey(_ *compiled, w http.ResponseWriter, _ *http.Request) outcome {
	w.Header().Set("Content-Type", "application/x-pem-file")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(s.signer.PublicKeyPEM())
	return outcome{status: http.StatusOK}
}

// loggedAs makes the log show path for an admin request whose own path names a session,
// which may be a credential.
func loggedAs(path string, o outcome) outcome {
	o.path = path
	return o
}

// reset is POST /__lsmock/reset[?session=ID]: pins, progress and the state of the licenses
// and users, of one session or all (see Reset).
func (s *Server) reset(_ *compiled, w http.ResponseWriter, r *http.Request) outcome {
	id, refused := sessionParam(w, r)
	if refused != nil {
		return *refused
	}
	if id != "" {
		name := s.resetSessions(id)
		return loggedAs(AdminPrefix+"reset", writeJSON(w, http.StatusOK, map[string]string{"reset": "session", "session": name}))
	}
	s.resetSessions("")
	return writeJSON(w, http.StatusOK, map[string]string{"reset": "all"})
}

// sessionParam reads ?session= of a request that clears state: "" when the parameter is
// absent (every session). A parameter present but empty (a CI variable left unset) is
// refused, with the answer written: taking it as "every session" would let one job wipe
// every other job's state.
func sessionParam(w http.ResponseWriter, r *http.Request) (string, *outcome) {
	q := r.URL.Query()
	id := q.Get("session")
	if id == "" && q.Has("session") {
		o := newAPIError(http.StatusBadRequest, "invalid_parameter",
			"lsmock: session= is empty; name a session, or leave it out to clear every session").write(w, "")
		return "", &o
	}
	return id, nil
}

func (s *Server) listRequests(_ *compiled, w http.ResponseWriter, r *http.Request) outcome {
	f, err := requestFilter(r)
	if err != nil {
		return newAPIError(http.StatusBadRequest, "invalid_parameter", "lsmock: "+err.Error()).write(w, "")
	}
	entries := s.journal.List(f)
	return writeJSON(w, http.StatusOK, map[string]any{"count": len(entries), "requests": entries})
}

func (s *Server) clearRequests(_ *compiled, w http.ResponseWriter, r *http.Request) outcome {
	id, refused := sessionParam(w, r)
	if refused != nil {
		return *refused
	}
	names := session.Names(session.Typed(id))
	if names == nil {
		names = []string{""} // all
	}
	for _, name := range names {
		s.journal.Clear(name)
		s.counts.Clear(name)
	}
	w.WriteHeader(http.StatusNoContent)
	return outcome{status: http.StatusNoContent}
}

func (s *Server) serveCoverage(_ *compiled, w http.ResponseWriter, _ *http.Request) outcome {
	return writeJSON(w, http.StatusOK, s.Coverage())
}

func (s *Server) clearCoverage(_ *compiled, w http.ResponseWriter, _ *http.Request) outcome {
	s.coverage.Clear()
	w.WriteHeader(http.StatusNoContent)
	return outcome{status: http.StatusNoContent}
}

// pin handles PUT {"name": …}: a scenario's name (every operation's of that name) or
// "operationId/name".
func (s *Server) pin(c *compiled, w http.ResponseWriter, r *http.Request, set func(string)) outcome {
	var req struct {
		Name string `json:"name"`
	}
	if err := readAdminJSON(r.Body, maxAdminJSON, &req); err != nil || req.Name == "" {
		return adminBodyError(err, `send {"name": "<scenario>"} or {"name": "<operationId>/<scenario>"}`).write(w, "")
	}
	if !c.scenarios.Exists(req.Name) {
		return newAPIError(http.StatusNotFound, "unknown_scenario",
			"lsmock: no scenario named "+req.Name+"; GET "+AdminPrefix+"scenarios lists them").write(w, "")
	}
	set(req.Name)
	return writeJSON(w, http.StatusOK, map[string]string{"pinned": req.Name})
}

// maxAdminJSON is the largest body of the admin API's small JSON requests (a pin, an
// assertion): a few hundred bytes in use.
const maxAdminJSON = 64 << 10

// bodyTooLarge is an admin body past its limit: refused as too large, not as JSON cut off
// at the limit.
type bodyTooLarge struct{ limit int }

func (e bodyTooLarge) Error() string { return fmt.Sprintf("the body is larger than %d bytes", e.limit) }

func isTooLarge(err error) bool {
	var e bodyTooLarge
	return errors.As(err, &e)
}

// readAdminJSON decodes an admin request's body, one JSON value of at most limit bytes,
// into v, refusing unknown fields.
func readAdminJSON(body io.Reader, limit int, v any) error {
	raw, err := io.ReadAll(io.LimitReader(body, int64(limit)+1))
	switch {
	case err != nil:
		return fmt.Errorf("the body could not be read: %w", err)
	case len(raw) > limit:
		return bodyTooLarge{limit}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("the body holds more than one JSON value")
	}
	return nil
}

// adminBodyError is the answer to an admin body readAdminJSON refused (or that said too
// little, err nil): 413 when too large, else 400 invalid_json with what to send.
func adminBodyError(err error, usage string) apiError {
	if isTooLarge(err) {
		return newAPIError(http.StatusRequestEntityTooLarge, "body_too_large", "lsmock: "+err.Error()+"; "+usage)
	}
	return newAPIError(http.StatusBadRequest, "invalid_json", "lsmock: "+usage)
}

func writeJSON(w http.ResponseWriter, status int, v any) outcome {
	body, err := json.Marshal(v)
	if err != nil {
		return newAPIError(http.StatusInternalServerError, "internal_error", "lsmock: "+err.Error()).write(w, "")
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
	return outcome{status: status}
}

// scenarioInfo is a scenario as GET /__lsmock/scenarios shows it.
type scenarioInfo struct {
	Name        string         `json:"name"`
	Ref         string         `json:"ref"` // operationId/name: unique across operations
	Implied     bool           `json:"implied,omitempty"`
	Description string         `json:"description,omitempty"`
	Operation   string         `json:"operation"`
	Method      string         `json:"method"`
	Path        string         `json:"path"`
	Priority    int            `json:"priority,omitempty"`
	Default     bool           `json:"default,omitempty"`
	Times       int            `json:"times,omitempty"`
	After       string         `json:"after,omitempty"`
	Source      string         `json:"source"`
	Responses   []responseInfo `json:"responses"`
	Triggers    triggers       `json:"triggers"`
}

type responseInfo struct {
	Status int    `json:"status,omitempty"`
	Code   string `json:"code,omitempty"`
	Fault  string `json:"fault,omitempty"`
	Delay  string `json:"delay,omitempty"`
	// Live is true for a response that answers what lsmock would without the scenario (so
	// Status is only the operation's success status).
	Live      bool   `json:"live,omitempty"`
	Signature string `json:"signature,omitempty"`
}

type triggers struct {
	Header  string   `json:"header"`
	Query   string   `json:"query"`
	Session string   `json:"session"`
	Match   []string `json:"match,omitempty"`
	Default bool     `json:"default,omitempty"`
}

func (c *compiled) scenarioList() map[string]any {
	list := make([]scenarioInfo, 0, len(c.scenarios.Scenarios))
	for _, sc := range c.scenarios.Scenarios {
		info := scenarioInfo{
			Name: sc.Name, Ref: sc.Ref(), Implied: sc.Implied, Description: sc.Description, Operation: sc.Operation.ID,
			Method: sc.Operation.Method, Path: sc.Operation.Path, Priority: sc.Priority,
			Default: sc.Default, Times: sc.Times, Source: sc.Source,
			Triggers: triggers{
				Header:  HeaderScenario + ": " + sc.Name,
				Query:   sc.Operation.Path + "?" + QueryScenario + "=" + sc.Name,
				Session: "PUT " + AdminPrefix + "sessions/{session}/scenario {\"name\":\"" + sc.Name + "\"}",
				Default: sc.Default,
			},
		}
		if len(sc.Steps) > 1 {
			info.After = string(sc.After)
		}
		for _, c := range sc.Match {
			info.Triggers.Match = append(info.Triggers.Match, c.Text)
		}
		for _, st := range sc.Steps {
			info.Responses = append(info.Responses, describeStep(st))
		}
		list = append(list, info)
	}
	return map[string]any{"scenarios": list, "session_header": session.Header}
}

func describeStep(st *scenario.Response) responseInfo {
	ri := responseInfo{Fault: string(st.Fault), Code: st.Code, Live: st.Live, Signature: string(st.Signature)}
	switch st.Fault {
	case scenario.FaultConnectionReset, scenario.FaultEmptyResponse, scenario.FaultTimeout:
		ri.Code = ""
	default:
		ri.Status = st.Status
	}
	switch {
	case st.Delay.Max > st.Delay.Min:
		ri.Delay = st.Delay.Min.String() + "-" + st.Delay.Max.String()
	case st.Delay.Min > 0:
		ri.Delay = st.Delay.Min.String()
	}
	return ri
}
