package mockserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/lsmock/lsmock/internal/license"
	"github.com/lsmock/lsmock/internal/session"
)

// Test clocks, as Stripe's: one per session and one for every session. A set clock is frozen
// until it is set or advanced again (lsmock's choice: deterministic answers); a session's
// own clock wins over the global one, which wins over the real time. They move licenses,
// trials, floating seats, borrows and (the global one only) OAuth tokens; the Date window
// of request signing keeps to the real clock, since an SDK signs with real time.

// Where a clock's time comes from (ClockState.Source).
const (
	ClockSession = "session" // the session's own clock
	ClockGlobal  = "global"  // the clock for every session
	ClockReal    = "real"    // no test clock: Config.Clock, else time.Now
)

// ClockState is a clock as the admin API shows it.
type ClockState struct {
	// Session is the session's name; empty for the global clock.
	Session string `json:"session,omitempty"`
	// Now is the time licenses are held to, frozen when Set.
	Now time.Time `json:"now"`
	// Set is whether this clock (the session's own, or the global one) is set.
	Set bool `json:"set"`
	// Source is where Now comes from: ClockSession, ClockGlobal or ClockReal.
	Source string `json:"source"`
}

// MarshalJSON writes Now as the vendor writes dates: UTC with milliseconds.
func (c ClockState) MarshalJSON() ([]byte, error) {
	type plain ClockState
	return json.Marshal(struct {
		plain
		Now string `json:"now"`
	}{plain(c), c.Now.UTC().Format("2006-01-02T15:04:05.000Z")})
}

// globalNow is the time for every session: the global clock when set, else the real clock.
// The engine and the token issuer read it.
func (s *Server) globalNow() time.Time { return s.global.Now(s.clock) }

// clockOf is the clock a session name ("" for the global clock) means, for moving it: a
// session's is created with the session.
func (s *Server) clockOf(sess string) (*license.Clock, session.ID) {
	if sess == "" {
		return s.global, session.ID{}
	}
	sid := s.sessions.Resolve(session.Typed(sess))
	return s.sessions.Account(sid).Clock(), sid
}

// clockState shows session sid's clock (the zero ID: the global clock).
func (s *Server) clockState(sid session.ID, global bool) ClockState {
	g, gset := s.global.Get()
	st := ClockState{Session: string(sid.Label), Now: s.clock(), Source: ClockReal, Set: gset && global}
	if gset {
		st.Now, st.Source = g, ClockGlobal
	}
	if global {
		return st
	}
	if c := s.sessions.Clock(sid); c != nil {
		if t, set := c.Get(); set {
			st.Now, st.Source, st.Set = t, ClockSession, true
		}
	}
	return st
}

// Clock shows session's clock (a session name, label or API key; "" for the global clock).
func (s *Server) Clock(sess string) ClockState {
	if sess == "" {
		return s.clockState(session.ID{}, true)
	}
	return s.clockState(s.sessions.Resolve(session.Typed(sess)), false)
}

// SetClock freezes session's clock ("" for the global one) at t, as PUT .../clock {"now"}.
func (s *Server) SetClock(sess string, t time.Time) (ClockState, error) {
	c, sid := s.clockOf(sess)
	if err := c.Set(t); err != nil {
		return ClockState{}, err
	}
	return s.clockState(sid, sess == ""), nil
}

// AdvanceClock moves session's clock ("" for the global one) d forward, from the time the
// session has now when its clock is not set, and freezes it there.
func (s *Server) AdvanceClock(sess string, d time.Duration) (ClockState, error) {
	c, sid := s.clockOf(sess)
	from := s.globalNow
	if sess == "" {
		from = s.clock
	}
	if _, err := c.Advance(d, from); err != nil {
		return ClockState{}, err
	}
	return s.clockState(sid, sess == ""), nil
}

// ResetClock returns session's clock ("" for the global one) to real time (a session's then
// follows the global clock, if that is set).
func (s *Server) ResetClock(sess string) ClockState {
	if sess == "" {
		s.global.Reset()
		return s.clockState(session.ID{}, true)
	}
	sid := s.sessions.Resolve(session.Typed(sess))
	if c := s.sessions.Clock(sid); c != nil {
		c.Reset()
	}
	return s.clockState(sid, false)
}

func (s *Server) globalClock(_ *compiled, w http.ResponseWriter, _ *http.Request) outcome {
	return writeJSON(w, http.StatusOK, s.Clock(""))
}

func (s *Server) moveGlobalClock(_ *compiled, w http.ResponseWriter, r *http.Request) outcome {
	return s.moveClock(w, r, "")
}

func (s *Server) resetGlobalClock(_ *compiled, w http.ResponseWriter, _ *http.Request) outcome {
	return writeJSON(w, http.StatusOK, s.ResetClock(""))
}

func (s *Server) sessionClock(_ *compiled, w http.ResponseWriter, r *http.Request) outcome {
	sid, logged := s.sessionOf(r, "/clock")
	return loggedAs(logged, writeJSON(w, http.StatusOK, s.clockState(sid, false)))
}

func (s *Server) moveSessionClock(_ *compiled, w http.ResponseWriter, r *http.Request) outcome {
	_, logged := s.sessionOf(r, "/clock")
	return loggedAs(logged, s.moveClock(w, r, r.PathValue("session")))
}

func (s *Server) resetSessionClock(_ *compiled, w http.ResponseWriter, r *http.Request) outcome {
	_, logged := s.sessionOf(r, "/clock")
	return loggedAs(logged, writeJSON(w, http.StatusOK, s.ResetClock(r.PathValue("session"))))
}

// maxClockBody is the largest body PUT .../clock reads: its JSON is tens of bytes.
const maxClockBody = 4 << 10

// clockUsage says what PUT .../clock takes.
const clockUsage = `send {"now": "2027-01-01T00:00:00Z"} to set the clock, or {"advance": "31d"} to move it (Go durations, with days: "36h", "1d12h")`

// moveClock handles PUT .../clock: {"now": RFC 3339 time or date} or {"advance": duration}.
func (s *Server) moveClock(w http.ResponseWriter, r *http.Request, sess string) outcome {
	bad := func(code, msg string) outcome {
		return newAPIError(http.StatusBadRequest, code, "lsmock: "+msg).write(w, "")
	}
	now, advance, err := readClockBody(r.Body)
	if err != nil {
		return bad("invalid_json", err.Error())
	}
	var st ClockState
	if now != nil {
		t, perr := parseInstant(*now)
		if perr != nil {
			return bad("invalid_parameter", perr.Error())
		}
		st, err = s.SetClock(sess, t)
	} else {
		d, perr := license.ParseAdvance(*advance)
		if perr != nil {
			return bad("invalid_parameter", "advance: "+perr.Error())
		}
		st, err = s.AdvanceClock(sess, d)
	}
	if err != nil {
		return bad("invalid_parameter", err.Error())
	}
	return writeJSON(w, http.StatusOK, st)
}

// readClockBody reads PUT .../clock's body: exactly one of now and advance, as strings.
func readClockBody(body io.Reader) (now, advance *string, err error) {
	var req struct {
		Now     *string `json:"now"`
		Advance *string `json:"advance"`
	}
	if err := readAdminJSON(body, maxClockBody, &req); err != nil {
		if isTooLarge(err) {
			return nil, nil, errors.New(err.Error() + "; " + clockUsage)
		}
		return nil, nil, errors.New(clockUsage)
	}
	if (req.Now == nil) == (req.Advance == nil) {
		return nil, nil, errors.New("give one of now and advance; " + clockUsage)
	}
	return req.Now, req.Advance, nil
}

// parseInstant reads a clock's new time: RFC 3339 ("2027-01-01T00:00:00Z", with an offset
// or fractions), or a date, which is midnight UTC.
func parseInstant(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("now: %q is not an RFC 3339 time such as 2027-01-01T00:00:00Z, or a date such as 2027-01-01", s)
}
