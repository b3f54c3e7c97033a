// Package session keeps lsmock's per-session state: which scenario a session (or everyone)
// is pinned to, and how far each session has got through each scenario's steps and times.
// Sessions never see each other's state, so parallel CI jobs can share one lsmock.
package session

import (
	"container/list"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"sort"
	"strings"
	"sync"

	"github.com/lsmock/lsmock/internal/scenario"
)

// Header names a session explicitly; without it the API key in Authorization does.
const Header = "X-Lsmock-Session"

// ID is a request's session: the key its state is kept under, and the name every output
// (log, journal, admin API, dashboard, reports) shows it by.
type ID struct {
	// Key is the X-Lsmock-Session value or the request's credential (its API key or Bearer
	// token), as sent unless it is longer than MaxLen.
	Key string
	// Name is the X-Lsmock-Session value, or Label(credential): a credential is a secret.
	Name string
}

// MaxLen is the longest session key kept as sent; longer ones are kept as their hash, so
// many sessions with huge ids cannot take much memory.
const MaxLen = 128

// Of returns the request's session: the X-Lsmock-Session header, else credential, the API
// key or Bearer token of its Authorization header (a real SDK cannot add headers, but each
// CI job can use its own key), else the zero ID (everyone without either shares one session).
func Of(r *http.Request, credential string) ID {
	if s := r.Header.Get(Header); s != "" {
		k := capped(s)
		return ID{Key: k, Name: k}
	}
	if credential == "" {
		return ID{}
	}
	return ID{Key: capped(credential), Name: Label(credential)}
}

// Label names a session that a credential (an API key or Bearer token) keys without giving
// the credential away: "key:" and the first 12 hex digits of its SHA-256. It is stable, so
// a CI job can compute its own.
func Label(credential string) string {
	sum := sha256.Sum256([]byte(credential))
	var b [len(labelPrefix) + 12]byte
	copy(b[:], labelPrefix)
	hex.Encode(b[len(labelPrefix):], sum[:6])
	return string(b[:])
}

const labelPrefix = "key:"

func capped(s string) string {
	if len(s) <= MaxLen {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(sum[:16])
}

// Names are the session names that what a user typed (a session name, a label, an API key
// or a Bearer token) may stand for, to select journal entries and counts by.
func Names(typed string) []string {
	if typed == "" {
		return nil
	}
	if strings.HasPrefix(typed, labelPrefix) {
		return []string{typed}
	}
	return []string{capped(typed), Label(typed)}
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
	sessions map[string]*state
	lru      list.List // of session ids, most recently used first
	max      int
	evicted  uint64
	onEvict  func(ID)
}

type state struct {
	name string // the session's ID.Name
	elem *list.Element
	pins map[string]string // scope -> scenario ref (see Pin)
	uses map[string]int    // scenario ref -> uses so far
}

// NewStore returns an empty store that keeps at most max sessions (0 means DefaultMax).
// onEvict, when not nil, is told of each session dropped to make room, under the store's
// lock (so whoever keeps more state by session drops it too).
func NewStore(max int, onEvict func(ID)) *Store {
	if max <= 0 {
		max = DefaultMax
	}
	return &Store{sessions: map[string]*state{}, global: map[string]string{}, max: max, onEvict: onEvict}
}

// get returns session id's state, creating it, and marks it most recently used. The state
// takes id's name: a request's tells whether its key is a session name or a credential,
// which the admin API, given a bare value, cannot.
func (s *Store) get(id ID) *state {
	st := s.sessions[id.Key]
	if st != nil {
		s.lru.MoveToFront(st.elem)
		st.name = id.Name
		return st
	}
	if len(s.sessions) >= s.max {
		oldest := s.lru.Back()
		victim := s.lru.Remove(oldest).(string)
		name := s.sessions[victim].name
		delete(s.sessions, victim)
		s.evicted++
		if s.onEvict != nil {
			s.onEvict(ID{Key: victim, Name: name})
		}
	}
	st = &state{name: id.Name, uses: map[string]int{}, elem: s.lru.PushFront(id.Key)}
	s.sessions[id.Key] = st
	return st
}

// Touch records that session id has state elsewhere (its licenses): the store then names it,
// and drops it (telling onEvict) like any other when it is the least recently used.
func (s *Store) Touch(id ID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.get(id)
}

// Resolve returns the session a user named in the admin API: by its key (a session name or
// an API key, as sent), or by the name outputs show it by (a label). A value no request has
// used yet may be a credential, so it is named by its label until a request says otherwise.
func (s *Store) Resolve(typed string) ID {
	key := capped(typed)
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.sessions[key]; st != nil {
		return ID{Key: key, Name: st.name}
	}
	if strings.HasPrefix(typed, labelPrefix) {
		for k, st := range s.sessions {
			if st.name == typed {
				return ID{Key: k, Name: typed}
			}
		}
		return ID{Key: key, Name: typed}
	}
	return ID{Key: key, Name: Label(typed)}
}

// Max is how many sessions the store keeps. It never changes, so it takes no lock (and may
// be called from onEvict).
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

// Pinned returns the scenario ref pinned for a request of operation opID by session id, and
// whether the pin is the session's own. The session's pins come first, then the global
// ones; a pin for opID before one by bare name, which counts only when resolves says opID
// has a scenario of that name.
func (s *Store) Pinned(id ID, opID string, resolves func(ref string) bool) (ref string, own bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.sessions[id.Key]; st != nil && len(st.pins) > 0 {
		if ref := pinFor(st.pins, opID, resolves); ref != "" {
			return ref, true
		}
	}
	return pinFor(s.global, opID, resolves), false
}

func pinFor(pins map[string]string, opID string, resolves func(string) bool) string {
	if ref := pins[opID]; ref != "" {
		return ref
	}
	if ref := pins[""]; ref != "" && resolves(ref) {
		return ref
	}
	return ""
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

// Reset clears session id's state: its pins and its progress through every scenario.
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
	s.sessions = map[string]*state{}
	s.lru.Init()
	clear(s.global)
}

// Info is a session's state as the admin API shows it.
type Info struct {
	Session string         `json:"session"`
	Pins    []string       `json:"pins,omitempty"`
	Uses    map[string]int `json:"uses,omitempty"`
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
		out = append(out, Info{Session: st.name, Pins: sortedPins(st.pins), Uses: uses})
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
		drop(st.pins, st.name)
	}
	return out
}
