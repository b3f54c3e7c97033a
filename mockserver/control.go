package mockserver

import (
	"errors"
	"fmt"

	"github.com/lsmock/lsmock/internal/journal"
	"github.com/lsmock/lsmock/internal/session"
)

// In-process control of a Server, for lsmocktest; the admin API does the same over HTTP.

// Request is one journaled request, with every secret redacted.
type Request = journal.Entry

// Filter selects requests; zero fields select all. Sessions holds session names (see
// SessionNames for what a user may type).
type Filter = journal.Filter

// SessionNames are the names of the session a user names by value: a session name (the
// X-Lsmock-Session header), a label, an API key or a Bearer token.
func SessionNames(typed string) []string { return session.Names(session.Typed(typed)) }

// ErrCountsIncomplete is returned by Count when more distinct requests were seen than lsmock
// counts; clearing the requests starts the counts afresh.
var ErrCountsIncomplete = journal.ErrIncomplete

// Requests returns the journal's entries that f selects, newest first. The journal keeps
// the latest requests only; Count counts them all.
func (s *Server) Requests(f Filter) []Request { return s.journal.List(f) }

// Count returns how many requests f selects since they were last cleared (f.Limit is
// ignored), or ErrCountsIncomplete when that cannot be known.
func (s *Server) Count(f Filter) (int, error) { return s.counts.Count(f) }

// PublicKey is the public key (PEM) answers are signed with: what an SDK must be given.
func (s *Server) PublicKey() []byte { return s.signer.PublicKeyPEM() }

// ErrUnknownScenario is returned when pinning a scenario that does not exist.
var ErrUnknownScenario = errors.New("no such scenario")

// Pin makes the scenario ref (a name, or "operationId/name" for one operation's) answer
// session's requests ("" pins it for every session).
func (s *Server) Pin(sess, name string) error {
	if !s.cur.Load().scenarios.Exists(name) {
		return fmt.Errorf("pin %s: %w", name, ErrUnknownScenario)
	}
	if sess == "" {
		s.sessions.PinGlobal(name)
	} else {
		s.sessions.Pin(s.sessions.Resolve(session.Typed(sess)), name)
	}
	return nil
}
