package journal

import (
	"errors"
	"sync"
)

// Key is what a request is counted by for assertions: who sent it and what it came to.
type Key struct {
	Session, Operation, Scenario string
	Status                       int
	Code                         string
}

// DefaultMaxKeys bounds the distinct keys Counts keeps: far more than a CI run's sessions,
// operations and answers make, far less than a leak of session ids could take.
const DefaultMaxKeys = 100_000

// ErrIncomplete is returned by Count once a key could not be stored: a count that might
// miss requests is refused rather than answered.
var ErrIncomplete = errors.New("the request counts are incomplete: more distinct sessions, operations and answers " +
	"were seen than lsmock counts; clear them (DELETE /__lsmock/requests) and run the requests again")

// Counts counts every request by Key and, unlike the journal's ring, drops none: an assertion
// such as "session job-A got internal_error twice" holds whatever other sessions did in
// between. It is safe for concurrent use.
type Counts struct {
	mu       sync.Mutex
	n        map[Key]int
	max      int
	overflow bool
}

// NewCounts returns empty counts that keep at most max keys (DefaultMaxKeys when max <= 0).
func NewCounts(max int) *Counts {
	if max <= 0 {
		max = DefaultMaxKeys
	}
	return &Counts{n: map[Key]int{}, max: max}
}

// Add counts one request.
func (c *Counts) Add(k Key) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.n[k]; !ok && len(c.n) >= c.max {
		c.overflow = true
		return
	}
	c.n[k]++
}

// Count returns how many requests f selects (its Limit is ignored), or ErrIncomplete.
func (c *Counts) Count(f Filter) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.overflow {
		return 0, ErrIncomplete
	}
	total := 0
	for k, n := range c.n {
		if f.keepKey(k) {
			total += n
		}
	}
	return total, nil
}

// Clear forgets the counts of one session, or of all when session is "".
func (c *Counts) Clear(session string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if session == "" {
		clear(c.n)
		c.overflow = false
		return
	}
	for k := range c.n {
		if k.Session == session {
			delete(c.n, k)
		}
	}
}

// Named returns the first of names that some counted request has, else the last name: given
// the names a typed value may stand for (itself, then its auth.CredentialLabel), the name to
// show for a session a user may have typed as its credential, which must not be echoed when
// no request shows which it was.
func (c *Counts) Named(names []string) string {
	if len(names) == 0 {
		return ""
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, name := range names {
		for k := range c.n {
			if k.Session == name {
				return name
			}
		}
	}
	return names[len(names)-1]
}
