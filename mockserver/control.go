package mockserver

import (
	"errors"
	"fmt"

	"github.com/lsmock/lsmock/internal/journal"
)

// In-process control of a Server, for lsmocktest; the admin API does the same over HTTP.

// Requests returns the journal's entries that f selects, newest first. The journal keeps
// the latest requests only; Count counts them all.
func (s *Server) Requests(f journal.Filter) []journal.Entry { return s.journal.List(f) }

// Count returns how many requests f selects since they were last cleared (f.Limit is
// ignored), or journal.ErrIncomplete when that cannot be known.
func (s *Server) Count(f journal.Filter) (int, error) { return s.counts.Count(f) }

// ErrUnknownScenario is returned when pinning a scenario that does not exist.
var ErrUnknownScenario = errors.New("no such scenario")

// Pin makes the scenario ref (a name, or "operationId/name" for one operation's) answer
// session's requests ("" pins it for every session).
func (s *Server) Pin(session, name string) error {
	if !s.cur.Load().scenarios.Exists(name) {
		return fmt.Errorf("pin %s: %w", name, ErrUnknownScenario)
	}
	if session == "" {
		s.sessions.PinGlobal(name)
	} else {
		s.sessions.Pin(s.sessions.Resolve(session), name)
	}
	return nil
}
