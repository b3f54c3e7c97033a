package mockserver

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/lsmock/lsmock/internal/journal"
	"github.com/lsmock/lsmock/internal/session"
)

// In-process control of a Server, for lsmocktest; the admin API does the same over HTTP.

// Request is one journaled request and its answer, with every secret redacted: what GET
// /__lsmock/requests lists.
type Request struct {
	ID        uint64    // increasing, in the order the requests arrived
	Time      time.Time // when it arrived
	Method    string
	Path      string
	Session   string // the session's name as outputs show it (an API key by its label)
	Operation string // the operationId that answered; "" when none did
	Scenario  string // the scenario that answered, if one did
	// Selection is how the answer was chosen, e.g. "header", "session_pin", "match",
	// "state" or "validation" (docs/admin-api.md lists every way).
	Selection string
	Status    int
	Code      string // the error code answered, when it is an error
	Detail    string // why lsmock refused or how the exchange broke the contract, when it did
	Duration  time.Duration
	// Headers are the request's headers, the first value of each, secrets redacted.
	Headers http.Header
	// Query is the query's parameters (the first value of each), redacted as Body is.
	Query any
	// Body is the body as decoded from JSON and redacted, or "[not read]" for a request
	// refused before its body was read; BodyBytes is its size as read (nil when not read).
	Body      any
	BodyBytes *int
	// NearMisses are, for a request no scenario matched, the closest scenarios.
	NearMisses []NearMiss
}

// NearMiss is a scenario that almost matched a request: how many of its conditions held,
// and the first that did not.
type NearMiss struct {
	Scenario string
	Held, Of int
	Failed   string
}

// Filter selects requests; zero fields select all. Sessions holds session names (see
// SessionNames for what a user may type).
type Filter struct {
	Sessions                  []string
	Scenario, Operation, Code string
	Status                    int
	// Limit, when above 0, is the most requests Requests returns.
	Limit int
}

// SessionNames are the names of the session a user names by value: a session name (the
// X-Lsmock-Session header), a label, an API key or a Bearer token.
func SessionNames(typed string) []string { return session.Names(session.Typed(typed)) }

// ErrCountsIncomplete is returned by Count when more distinct requests were seen than lsmock
// counts; clearing the requests starts the counts afresh.
var ErrCountsIncomplete = journal.ErrIncomplete

// Requests returns the journal's entries that f selects, newest first. The journal keeps
// the latest requests only; Count counts them all.
func (s *Server) Requests(f Filter) []Request {
	entries := s.journal.List(journal.Filter(f)) // the same fields: a conversion
	out := make([]Request, len(entries))
	for i := range entries {
		out[i] = requestOf(&entries[i])
	}
	return out
}

// requestOf is a journal entry as Requests returns it, its body and query as maps; it
// shares their values, which the journal never changes.
func requestOf(e *journal.Entry) Request {
	r := Request{ID: e.ID, Time: e.Time, Method: e.Method, Path: e.Path, Session: e.Session,
		Operation: e.Operation, Scenario: e.Scenario, Selection: e.Selection, Status: e.Status,
		Code: e.Code, Detail: e.Detail, Duration: e.Duration, Query: journal.Plain(e.Query), Body: journal.Plain(e.Body),
		Headers: make(http.Header, len(e.Headers))}
	for _, h := range e.Headers {
		r.Headers[h.Name] = []string{h.Value}
	}
	if e.BodyBytes != nil {
		n := *e.BodyBytes
		r.BodyBytes = &n
	}
	for _, nm := range e.NearMisses {
		r.NearMisses = append(r.NearMisses, NearMiss(nm))
	}
	return r
}

// Count returns how many requests f selects since they were last cleared (f.Limit is
// ignored), or ErrCountsIncomplete when that cannot be known.
func (s *Server) Count(f Filter) (int, error) { return s.counts.Count(journal.Filter(f)) }

// PublicKey is the public key (PEM) answers are signed with: what an SDK must be given.
func (s *Server) PublicKey() []byte { return s.signer.PublicKeyPEM() }

// ErrUnknownScenario is returned when pinning a scenario that does not exist.
var ErrUnknownScenario = errors.New("no such scenario")

// Pin makes the scenario ref (a name, or "operationId/name" for one operation's) answer
// session's requests ("" pins it for every session). It takes effect at the session's next
// request, also while requests are being served.
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

// Reset makes session start afresh, as POST /__lsmock/reset?session= does: its pins, the
// progress of its sequences, and what it did with the declared licenses and users (devices,
// trials, consumption, seats, its clock, the licenses it made at run time) are gone. "" resets every session, the pins for
// every session and the global clock. The journal, the counts and coverage stay: Requests
// and Count still see the session's requests.
func (s *Server) Reset(session string) { s.resetSessions(session) }

// resetSessions is Reset, and returns the name of the session reset ("" for all). The
// remembered license answers go too: they are shared by sessions, so a reset gives their
// memory back by dropping them all.
func (s *Server) resetSessions(typed string) string {
	s.cur.Load().engine.ForgetAnswers()
	if typed == "" {
		s.sessions.ResetAll()
		s.global.Reset()
		return ""
	}
	sid := s.sessions.Resolve(session.Typed(typed))
	s.sessions.Reset(sid)
	return string(sid.Label)
}

// Close ends every scripted delay, slow body and timeout in progress or to come, and every
// exchange the proxy has in flight (answered 503), so that closing the listener does not
// wait for them: http.Server.Shutdown waits for handlers but does not cancel their
// requests. The Server still answers afterwards, holding nothing. Call it before
// httptest.Server.Close or http.Server.Shutdown, or register it with
// http.Server.RegisterOnShutdown.
func (s *Server) Close() { s.endOnce.Do(func() { close(s.ending) }) }
