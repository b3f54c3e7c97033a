package mockserver

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/lsmock/lsmock/internal/scenario"
	"github.com/lsmock/lsmock/internal/session"
)

// serveAdmin answers lsmock's own endpoints under /__lsmock/. Their errors use the vendor's
// shape too, so one client-side decoder reads everything lsmock says.
//
//	GET    /__lsmock/                            the dashboard (HTML over this API)
//	GET    /__lsmock/health                      readiness
//	GET    /__lsmock/metrics                     counters in the Prometheus text format
//	GET    /__lsmock/scenarios                   every scenario and how to trigger it
//	PUT    /__lsmock/scenario                    {"name": …} pins a scenario for everyone
//	DELETE /__lsmock/scenario                    clears that pin
//	GET    /__lsmock/sessions                    every session's pin and progress
//	PUT    /__lsmock/sessions/{session}/scenario {"name": …} pins a scenario for one session
//	DELETE /__lsmock/sessions/{session}/scenario clears it
//	GET    /__lsmock/sessions/{session}/users    the declared users as that session sees them
//	POST   /__lsmock/reset[?session=ID]          clears all state, or one session's
//	POST   /__lsmock/reload                      loads the spec and scenario files again
//	GET    /__lsmock/requests[?session&scenario&operation&status&code&limit]  the journal, newest first
//	DELETE /__lsmock/requests[?session=ID]       empties the journal and the counts verify reads
//	POST   /__lsmock/verify                      {"scenario"|"session"|"operation"|"status"|"code", "count"|"at_least"}
//	GET    /__lsmock/coverage                    what each operation produced and never produced
//	DELETE /__lsmock/coverage                    clears the counters
func (s *Server) serveAdmin(c *compiled, w http.ResponseWriter, r *http.Request) outcome {
	rest := strings.TrimPrefix(r.URL.Path, AdminPrefix)
	switch {
	case isDashboardFile(r.URL.Path):
		return s.serveDashboard(c, w, r, rest)
	case rest == "health":
		return c.only(w, r, func() outcome { return s.health(w) }, http.MethodGet, http.MethodHead)
	case rest == "metrics":
		return c.only(w, r, func() outcome { return s.serveMetrics(w) }, http.MethodGet)
	case rest == "scenarios":
		return c.only(w, r, func() outcome { return writeJSON(w, http.StatusOK, c.scenarioList()) }, http.MethodGet)
	case rest == "scenario":
		return s.pin(c, w, r, s.sessions.PinGlobal, s.sessions.UnpinGlobal)
	case rest == "sessions":
		return c.only(w, r, func() outcome {
			return writeJSON(w, http.StatusOK, map[string]any{"global_pins": s.sessions.Global(), "sessions": s.sessions.List()})
		}, http.MethodGet)
	case strings.HasPrefix(rest, "sessions/") && strings.HasSuffix(rest, "/users"):
		id := strings.TrimSuffix(strings.TrimPrefix(rest, "sessions/"), "/users")
		if strings.Contains(id, "/") {
			return c.fixed.adminNotFound.write(w, "")
		}
		sid := s.sessions.Resolve(id)
		return loggedAs(AdminPrefix+"sessions/"+sid.Name+"/users", c.only(w, r, func() outcome {
			return writeJSON(w, http.StatusOK, map[string]any{"session": sid.Name, "users": s.userList(c, sid)})
		}, http.MethodGet))
	case strings.HasPrefix(rest, "sessions/") && strings.HasSuffix(rest, "/scenario"):
		id := strings.TrimSuffix(strings.TrimPrefix(rest, "sessions/"), "/scenario")
		if id == "" || strings.Contains(id, "/") {
			return c.fixed.adminNotFound.write(w, "")
		}
		sid := s.sessions.Resolve(id)
		return loggedAs(AdminPrefix+"sessions/"+sid.Name+"/scenario",
			s.pin(c, w, r, func(name string) { s.sessions.Pin(sid, name) }, func() { s.sessions.Unpin(sid) }))
	case rest == "requests":
		return c.readOrClear(w, r, func() outcome {
			f, err := requestFilter(r)
			if err != nil {
				return newAPIError(http.StatusBadRequest, "invalid_parameter", "lsmock: "+err.Error()).write(w, "")
			}
			entries := s.journal.List(f)
			return writeJSON(w, http.StatusOK, map[string]any{"count": len(entries), "requests": entries})
		}, func() {
			for _, name := range session.Names(r.URL.Query().Get("session")) {
				s.journal.Clear(name)
				s.counts.Clear(name)
			}
			if r.URL.Query().Get("session") == "" {
				s.journal.Clear("")
				s.counts.Clear("")
			}
		})
	case rest == "coverage":
		return c.readOrClear(w, r, func() outcome { return writeJSON(w, http.StatusOK, s.Coverage()) }, s.coverage.Clear)
	case rest == "verify":
		return c.only(w, r, func() outcome { return s.verify(w, r) }, http.MethodPost)
	case rest == "reload":
		return c.only(w, r, func() outcome { return s.reload(w) }, http.MethodPost)
	case rest == "reset":
		return c.only(w, r, func() outcome { return s.reset(w, r) }, http.MethodPost)
	}
	return c.fixed.adminNotFound.write(w, "")
}

// loggedAs makes the log show path for an admin request whose own path names a session,
// which may be a credential.
func loggedAs(path string, o outcome) outcome {
	o.path = path
	return o
}

// health is GET /__lsmock/health: {"status":"ok"}, with how the file watch is doing when
// lsmock watches its files. lsmock answers as long as it runs, so it is always ok.
func (s *Server) health(w http.ResponseWriter) outcome {
	if s.watch == nil {
		return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "watch": s.watch()})
}

// reset is POST /__lsmock/reset[?session=ID].
func (s *Server) reset(w http.ResponseWriter, r *http.Request) outcome {
	if id := r.URL.Query().Get("session"); id != "" {
		sid := s.sessions.Resolve(id)
		s.sessions.Reset(sid)
		return writeJSON(w, http.StatusOK, map[string]string{"reset": "session", "session": sid.Name})
	}
	s.sessions.ResetAll()
	return writeJSON(w, http.StatusOK, map[string]string{"reset": "all"})
}

// readOrClear serves a resource that GET reads and DELETE empties.
func (c *compiled) readOrClear(w http.ResponseWriter, r *http.Request, read func() outcome, clear func()) outcome {
	switch r.Method {
	case http.MethodGet:
		return read()
	case http.MethodDelete:
		clear()
		w.WriteHeader(http.StatusNoContent)
		return outcome{status: http.StatusNoContent}
	}
	return c.methodNotAllowed(w, r, http.MethodGet, http.MethodDelete)
}

// only answers with h when r's method is one of methods, and 405 with Allow otherwise.
func (c *compiled) only(w http.ResponseWriter, r *http.Request, h func() outcome, methods ...string) outcome {
	if slices.Contains(methods, r.Method) {
		return h()
	}
	return c.methodNotAllowed(w, r, methods...)
}

func (c *compiled) methodNotAllowed(w http.ResponseWriter, r *http.Request, methods ...string) outcome {
	allowed := strings.Join(methods, ", ")
	w.Header().Set("Allow", allowed)
	return c.fixed.methodNotAllowed.write(w, r.URL.Path+" takes "+allowed)
}

// pin handles PUT {"name": …} and DELETE for a pin.
func (s *Server) pin(c *compiled, w http.ResponseWriter, r *http.Request, set func(string), clear func()) outcome {
	switch r.Method {
	case http.MethodDelete:
		clear()
		w.WriteHeader(http.StatusNoContent)
		return outcome{status: http.StatusNoContent}
	case http.MethodPut:
		var req struct {
			Name string `json:"name"`
		}
		dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil || req.Name == "" {
			return newAPIError(http.StatusBadRequest, "invalid_json", `lsmock: send {"name": "<scenario>"}`).write(w, "")
		}
		if !c.scenarios.Exists(req.Name) {
			return newAPIError(http.StatusNotFound, "unknown_scenario",
				"lsmock: no scenario named "+req.Name+"; GET "+AdminPrefix+"scenarios lists them").write(w, "")
		}
		set(req.Name)
		return writeJSON(w, http.StatusOK, map[string]string{"pinned": req.Name})
	default:
		return c.methodNotAllowed(w, r, http.MethodPut, http.MethodDelete)
	}
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
	ri := responseInfo{Fault: string(st.Fault), Code: st.Code}
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

// userInfo is a declared user as one session sees it; the password never leaves lsmock.
type userInfo struct {
	Username      string `json:"username"`
	Password      string `json:"password"`
	Changed       bool   `json:"changed"`
	ChangeAllowed bool   `json:"change_allowed"`
}

func (s *Server) userList(c *compiled, session session.ID) []userInfo {
	out := make([]userInfo, 0, len(c.scenarios.Users))
	for _, u := range c.scenarios.Users {
		out = append(out, userInfo{Username: u.Username, Password: "[redacted]",
			Changed: s.sessions.Changed(session, u.Username), ChangeAllowed: u.ChangeAllowed})
	}
	return out
}
