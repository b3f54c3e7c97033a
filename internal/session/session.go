// Package session keeps lsmock's per-session state in one place: which scenario a session
// (or everyone) is pinned to, how far it has got through each scenario's steps and times,
// and its license account (activations, trials, users, consumption, seats). Eviction, reset,
// listing and the session limit happen here once. Sessions never see each other's state, so
// parallel CI jobs can share one lsmock.
package session

import (
	"container/list"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/lsmock/lsmock/internal/auth"
	"github.com/lsmock/lsmock/internal/license"
	"github.com/lsmock/lsmock/internal/scenario"
)

// Header names a session explicitly; without it the API key in Authorization does.
const Header = "X-Lsmock-Session"

// Key is what a session's state is kept under: the X-Lsmock-Session value or the request's
// credential (its API key or Bearer token), as sent unless it is longer than MaxLen. It may
// be a secret: outputs show a session by its Label.
type Key string

// Label is what every output (log, journal, admin API, dashboard, reports) shows a session
// by: the X-Lsmock-Session value, or LabelOf(credential).
type Label string

// Typed is a session as a user typed it in the admin API or a filter: a session name, a
// label, an API key or a Bearer token. Store.Resolve and Names say which session it means.
type Typed string

// ID is a request's session: its key and its label.
type ID struct {
	Key   Key
	Label Label
}

// MaxLen is the longest session key kept as sent; longer ones are kept as their hash, so
// many sessions with huge ids cannot take much memory.
const MaxLen = 128

// Of returns the request's session: the X-Lsmock-Session header, else credential, the API
// key or Bearer token of its Authorization header (a real SDK cannot add headers, but each
// CI job can use its own key), else the zero ID (everyone without either shares one session).
func Of(r *http.Request, credential string) ID { return (*Labels)(nil).Of(r, credential) }

// LabelOf names a session that a credential (an API key or Bearer token) keys without giving
// the credential away (auth.CredentialLabel): stable, so a CI job can compute its own.
func LabelOf(credential string) Label { return Label(auth.CredentialLabel(credential)) }

func capped(s string) Key {
	if len(s) <= MaxLen {
		return Key(s)
	}
	sum := sha256.Sum256([]byte(s))
	return Key("sha256:" + hex.EncodeToString(sum[:16]))
}

// Names are the labels what a user typed may stand for, to select journal entries and
// counts by: the session it names, or the label of the credential it is.
func Names(typed Typed) []string {
	if typed == "" {
		return nil
	}
	if strings.HasPrefix(string(typed), auth.LabelPrefix) {
		return []string{string(typed)}
	}
	return []string{string(capped(string(typed))), string(LabelOf(string(typed)))}
}

// DefaultMax is how many sessions keep state unless told otherwise: far more than the CI
// jobs one lsmock serves at once, far less than the memory a leak of session ids could take.
const DefaultMax = 10_000

// Store holds every session's state, at most max sessions: beyond that the least recently
// used session is dropped, so a client minting a session per request cannot grow lsmock
// without bound. It is safe for concurrent use.
type Store struct {
	mu       sync.Mutex
	global   map[string]string // the pins for every session, by scope (see Pin)
	sessions map[Key]*state
	lru      list.List // of session keys, most recently used first
	max      int
	evicted  uint64
}

// state is one session's: everything that goes when it is reset or evicted.
type state struct {
	label   Label
	elem    *list.Element
	pins    map[string]string // scope -> scenario ref (see Pin)
	uses    map[string]int    // scenario ref -> uses so far
	account *license.Account  // nil until the license state answers the session
}

// NewStore returns an empty store that keeps at most max sessions (0 means DefaultMax).
func NewStore(max int) *Store {
	if max <= 0 {
		max = DefaultMax
	}
	return &Store{sessions: map[Key]*state{}, global: map[string]string{}, max: max}
}

// get returns session id's state, creating it, and marks it most recently used. The state
// takes id's label: a request's tells whether its key is a session name or a credential,
// which the admin API, given a bare value, cannot.
func (s *Store) get(id ID) *state {
	st := s.sessions[id.Key]
	if st != nil {
		s.lru.MoveToFront(st.elem)
		st.label = id.Label
		return st
	}
	if len(s.sessions) >= s.max {
		victim := s.lru.Remove(s.lru.Back()).(Key)
		delete(s.sessions, victim)
		s.evicted++
	}
	st = &state{label: id.Label, uses: map[string]int{}, elem: s.lru.PushFront(id.Key)}
	s.sessions[id.Key] = st
	return st
}

// Account returns session id's license account, creating it: the engine keeps the session's
// activations, trials and users there, and they go when the session goes.
func (s *Store) Account(id ID) *license.Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.get(id)
	if st.account == nil {
		st.account = license.NewAccount(string(id.Key))
	}
	return st.account
}

// Clock is session id's own test clock, or nil when the session has no license account yet
// (it follows the global clock): reading a clock creates no session.
func (s *Store) Clock(id ID) *license.Clock {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.sessions[id.Key]; st != nil && st.account != nil {
		return st.account.Clock()
	}
	return nil
}

// Existing is session id's license account, or nil when it has none: looking creates no
// session.
func (s *Store) Existing(id ID) *license.Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.sessions[id.Key]; st != nil {
		return st.account
	}
	return nil
}

// Snapshot is session id's license state as the admin API shows it, against the catalog
// the session sees in engine e.
func (s *Store) Snapshot(id ID, e *license.Engine) license.Snapshot {
	a := s.Existing(id)
	return a.Snapshot(e.CatalogOf(a))
}

// Resolve returns the session a user named in the admin API: by its key (a session name or
// an API key, as sent), or by the label outputs show it by. A value no request has used yet
// may be a credential, so it is labelled as one until a request says otherwise.
func (s *Store) Resolve(typed Typed) ID {
	key := capped(string(typed))
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.sessions[key]; st != nil {
		return ID{Key: key, Label: st.label}
	}
	if strings.HasPrefix(string(typed), auth.LabelPrefix) {
		for k, st := range s.sessions {
			if st.label == Label(typed) {
				return ID{Key: k, Label: st.label}
			}
		}
		return ID{Key: key, Label: Label(typed)}
	}
	return ID{Key: key, Label: LabelOf(string(typed))}
}

// Max is how many sessions the store keeps.
func (s *Store) Max() int { return s.max }

// Evicted counts the sessions dropped to keep within the bound.
func (s *Store) Evicted() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.evicted
}

// Len is how many sessions hold state.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// Scope is what a pinned scenario ref applies to: the operation of a qualified ref
// ("checkLicense/internal_error"), or "" for a bare name, which applies to every operation
// that has a scenario of that name. A session holds one pin per scope.
func Scope(ref string) string {
	opID, _, qualified := scenario.SplitRef(ref)
	if qualified {
		return opID
	}
	return ""
}

// Pin makes the scenario ref answer session id's requests (of its scope), replacing the
// session's pin of the same scope.
func (s *Store) Pin(id ID, ref string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.get(id)
	if st.pins == nil {
		st.pins = map[string]string{}
	}
	st.pins[Scope(ref)] = ref
}

// Unpin clears session id's pins.
func (s *Store) Unpin(id ID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.sessions[id.Key]; st != nil {
		st.pins = nil
	}
}

// PinGlobal makes ref answer every session that has no pin of its own for the request.
func (s *Store) PinGlobal(ref string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.global[Scope(ref)] = ref
}

// UnpinGlobal clears the pins for every session.
func (s *Store) UnpinGlobal() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.global)
}

// Pinned returns the scenario refs pinned for a request of operation opID by session id,
// in the order they apply: the session's own pin for opID, its pin by bare name, then the
// global ones likewise (own is pins[:2]). A pin by bare name counts only when the operation
// has a scenario of that name, which the caller knows: the first of them that it can look up
// answers. Empty strings are no pin.
func (s *Store) Pinned(id ID, opID string) (pins [4]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.sessions[id.Key]; st != nil && len(st.pins) > 0 {
		pins[0], pins[1] = st.pins[opID], st.pins[""]
	}
	if len(s.global) > 0 {
		pins[2], pins[3] = s.global[opID], s.global[""]
	}
	return pins
}

// Take records one use of sc by session id and returns the step that answers it; ok is
// false when the session has used sc up. Taking is atomic, so concurrent requests of one
// session get consecutive steps.
func (s *Store) Take(id ID, sc *scenario.Scenario) (step *scenario.Response, ok bool) {
	if len(sc.Steps) == 1 && sc.Times == 0 {
		return sc.Steps[0], true // nothing to count
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.get(id)
	ref := sc.Ref()
	n := st.uses[ref]
	if sc.Times > 0 && n >= sc.Times {
		return nil, false
	}
	st.uses[ref] = n + 1
	i := n
	if i >= len(sc.Steps) {
		if sc.After == scenario.AfterCycle {
			i %= len(sc.Steps)
		} else {
			i = len(sc.Steps) - 1
		}
	}
	return sc.Steps[i], true
}

// Reset clears session id's state: its pins, its progress through every scenario and its
// license account.
func (s *Store) Reset(id ID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.sessions[id.Key]; st != nil {
		s.lru.Remove(st.elem)
		delete(s.sessions, id.Key)
	}
}

// ResetAll clears every session and the global pins.
func (s *Store) ResetAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions = map[Key]*state{}
	s.lru.Init()
	clear(s.global)
}

// Info is a session's state as the admin API shows it.
type Info struct {
	Session string         `json:"session"`
	Pins    []string       `json:"pins,omitempty"`
	Uses    map[string]int `json:"uses,omitempty"`
	// Clock is the session's own test clock, when one is set: it is frozen there.
	Clock *time.Time `json:"clock,omitempty"`
}

func sortedPins(pins map[string]string) []string {
	out := make([]string, 0, len(pins))
	for _, ref := range pins {
		out = append(out, ref)
	}
	sort.Strings(out)
	return out
}

// List returns every session with state, by name, sorted.
func (s *Store) List() []Info {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Info, 0, len(s.sessions))
	for _, st := range s.sessions {
		uses := make(map[string]int, len(st.uses))
		for k, v := range st.uses {
			uses[k] = v
		}
		info := Info{Session: string(st.label), Pins: sortedPins(st.pins), Uses: uses}
		if st.account != nil {
			if t, set := st.account.Clock().Get(); set {
				info.Clock = &t
			}
		}
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Session < out[j].Session })
	return out
}

// Global returns the scenarios pinned for every session.
func (s *Store) Global() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sortedPins(s.global)
}

// Dropped is a pin DropPins removed.
type Dropped struct {
	Session  string // the session's name; "" for the global pin
	Scenario string
}

// DropPins removes the pins (the sessions' and the global ones) to scenarios keep refuses,
// such as scenarios a reload removed, and returns them.
func (s *Store) DropPins(keep func(ref string) bool) []Dropped {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Dropped
	drop := func(pins map[string]string, session string) {
		for scope, ref := range pins {
			if !keep(ref) {
				out = append(out, Dropped{Session: session, Scenario: ref})
				delete(pins, scope)
			}
		}
	}
	drop(s.global, "")
	for _, st := range s.sessions {
		drop(st.pins, string(st.label))
	}
	return out
}
