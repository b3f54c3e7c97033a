package journal

import "sync"

// Coverage counts, per operation, the statuses and error codes lsmock produced, and the
// scenarios that answered. Unlike the ring, it forgets nothing until cleared.
type Coverage struct {
	mu        sync.Mutex
	statuses  map[string]map[int]int    // operation -> status -> count
	codes     map[string]map[string]int // operation -> code -> count
	scenarios map[string]int            // scenario -> count
}

// NewCoverage returns empty counters.
func NewCoverage() *Coverage {
	c := &Coverage{}
	c.Clear()
	return c
}

// Record counts one answer of operation.
func (c *Coverage) Record(operation string, status int, code, scenario string) {
	if operation == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.statuses[operation] == nil {
		c.statuses[operation] = map[int]int{}
		c.codes[operation] = map[string]int{}
	}
	if status > 0 {
		c.statuses[operation][status]++
	}
	if code != "" {
		c.codes[operation][code]++
	}
	if scenario != "" {
		c.scenarios[scenario]++
	}
}

// Snapshot copies the counters.
func (c *Coverage) Snapshot() (statuses map[string]map[int]int, codes map[string]map[string]int, scenarios map[string]int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	statuses = make(map[string]map[int]int, len(c.statuses))
	for op, m := range c.statuses {
		statuses[op] = make(map[int]int, len(m))
		for k, v := range m {
			statuses[op][k] = v
		}
	}
	codes = make(map[string]map[string]int, len(c.codes))
	for op, m := range c.codes {
		codes[op] = make(map[string]int, len(m))
		for k, v := range m {
			codes[op][k] = v
		}
	}
	scenarios = make(map[string]int, len(c.scenarios))
	for k, v := range c.scenarios {
		scenarios[k] = v
	}
	return statuses, codes, scenarios
}

// Clear resets every counter.
func (c *Coverage) Clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.statuses = map[string]map[int]int{}
	c.codes = map[string]map[string]int{}
	c.scenarios = map[string]int{}
}
