package lsmocktest

import "time"

// Clock is one session's test clock (or the global one), as Stripe's test clocks: a test
// moves it instead of sleeping, and everything time-dependent in its session follows
// (license validity, valid_duration, trials, floating timeouts, borrows). A set clock is
// frozen until it is moved again. The Date of signed requests keeps to the real clock (or
// WithClock's): Sign needs no change.
type Clock struct {
	srv     *Server
	session string
}

// Clock is session's clock (an X-Lsmock-Session value or an API key), or with "" the clock
// of every session that has none of its own: the same as PUT /__lsmock/sessions/{session}/clock
// and PUT /__lsmock/clock. A session's own clock wins over the global one.
func (s *Server) Clock(session string) *Clock { return &Clock{srv: s, session: session} }

// GlobalClock is Clock(""): the clock of every session that has none of its own.
func (s *Server) GlobalClock() *Clock { return s.Clock("") }

// Set freezes the clock at t (between 1970 and the year 9000).
func (c *Clock) Set(t time.Time) error {
	_, err := c.srv.handler.SetClock(c.session, t)
	return err
}

// Advance moves the clock d forward (at most 100 years) and freezes it there; an unset
// session clock moves from the time the session has now.
func (c *Clock) Advance(d time.Duration) error {
	_, err := c.srv.handler.AdvanceClock(c.session, d)
	return err
}

// Now is the time the clock's session is held to: its own clock, the global one, or the
// server's (WithClock, else the real time).
func (c *Clock) Now() time.Time { return c.srv.handler.Clock(c.session).Now }

// IsSet is whether this clock (the session's own, or the global one) is set.
func (c *Clock) IsSet() bool { return c.srv.handler.Clock(c.session).Set }

// Reset returns the clock to real time: a session's then follows the global clock, if set.
func (c *Clock) Reset() { c.srv.handler.ResetClock(c.session) }
