package license

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Clock is a test clock, as Stripe's test clocks are: unset, it follows the time it is
// given; set, it is frozen at its instant until set or advanced again (lsmock's choice: a
// frozen clock makes every answer the same in every run). A session has one (its
// Account's), the server one for every session (PUT /__lsmock/clock). The zero value is
// unset; it is safe for concurrent use, and reading it never waits.
type Clock struct {
	mu sync.Mutex // one move at a time; Now reads at without it
	at atomic.Pointer[time.Time]
}

// The instants a clock may show: what the vendor's ISO 8601 dates can write, with room for
// the periods licenses add to them.
var (
	MinClock = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	MaxClock = time.Date(9000, 1, 1, 0, 0, 0, 0, time.UTC)
)

// MaxAdvance is the longest one advance may move a clock: 100 years.
const MaxAdvance = 100 * 365 * 24 * time.Hour

// Now is the clock's time: its instant when set, else fallback's.
func (c *Clock) Now(fallback func() time.Time) time.Time {
	if t := c.at.Load(); t != nil {
		return *t
	}
	return fallback()
}

// Get is the clock's instant, and whether it is set.
func (c *Clock) Get() (time.Time, bool) {
	if t := c.at.Load(); t != nil {
		return *t, true
	}
	return time.Time{}, false
}

// Set freezes the clock at t, which must lie in [MinClock, MaxClock).
func (c *Clock) Set(t time.Time) error {
	if err := checkInstant(t); err != nil {
		return err
	}
	t = t.UTC()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at.Store(&t)
	return nil
}

// Advance moves the clock d forward from its instant, or from fallback's time when it is
// unset, and freezes it there; d must lie in [0, MaxAdvance]. It returns the new instant.
func (c *Clock) Advance(d time.Duration, fallback func() time.Time) (time.Time, error) {
	if d < 0 || d > MaxAdvance {
		return time.Time{}, fmt.Errorf("advance must be between 0s and %dd", MaxAdvance/(24*time.Hour))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.Now(fallback).UTC().Add(d)
	if err := checkInstant(t); err != nil {
		return time.Time{}, err
	}
	c.at.Store(&t)
	return t, nil
}

// Reset returns the clock to the time it is given.
func (c *Clock) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at.Store(nil)
}

func checkInstant(t time.Time) error {
	if t.Before(MinClock) || !t.Before(MaxClock) {
		return fmt.Errorf("the clock must stay between %s and %s", MinClock.Format(time.RFC3339), MaxClock.Format(time.RFC3339))
	}
	return nil
}

// errDuration says what an advance may look like.
var errDuration = errors.New(`not a duration: write Go's units (h, m, s, ms) with an optional leading count of days, such as "31d", "36h" or "1d12h"`)

// ParseAdvance reads how far to advance a clock: a Go duration ("36h", "90m"), optionally
// led by whole days ("31d", "1d12h"). Negative durations and ones beyond MaxAdvance are
// refused.
func ParseAdvance(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(s, "-"):
		return 0, errors.New("advance must not be negative: a clock only moves forward (DELETE it, or set now)")
	case s == "":
		return 0, errDuration
	}
	s = strings.TrimPrefix(s, "+")
	var d time.Duration
	if days, rest, ok := strings.Cut(s, "d"); ok {
		n, err := strconv.ParseUint(days, 10, 32)
		if err != nil {
			return 0, errDuration
		}
		if time.Duration(n) > MaxAdvance/(24*time.Hour) {
			return 0, fmt.Errorf("advance must be at most %dd", MaxAdvance/(24*time.Hour))
		}
		d = time.Duration(n) * 24 * time.Hour
		s = rest
	}
	if s != "" {
		rest, err := time.ParseDuration(s)
		if err != nil || rest < 0 {
			return 0, errDuration
		}
		d += rest
	}
	if d > MaxAdvance {
		return 0, fmt.Errorf("advance must be at most %dd", MaxAdvance/(24*time.Hour))
	}
	return d, nil
}

// Clock is the session's own test clock: it goes with the session's reset and eviction.
func (a *Account) Clock() *Clock { return &a.clock }

// now is the time in session a: a's own clock when a test set it, else the engine's clock
// (the global clock of PUT /__lsmock/clock, else real time; NewEngine's now). Every
// time-dependent decision reads the time through it, never through e.clock, so that moving a
// session's clock moves validity, trials, seats and borrows alike. a nil (no session) is the
// engine's clock.
func (e *Engine) now(a *Account) time.Time {
	if a == nil {
		return e.clock()
	}
	return a.clock.Now(e.clock)
}

// Now is the time in session a, as the engine decides by it (see now).
func (e *Engine) Now(a *Account) time.Time { return e.now(a) }
