package journal

import "sync"

// Answer is what one request came to, as coverage and metrics count it.
type Answer struct {
	Operation string // "" for a path no operation has
	Status    int
	Code      string
}

// Coverage counts the answers lsmock gave and the scenarios that gave them: once, for both
// the coverage report (which DELETE /__lsmock/coverage clears) and the metrics (which, as
// Prometheus counters must, only grow). Unlike the ring, it forgets nothing.
type Coverage struct {
	mu        sync.Mutex
	answers   map[Answer]int
	scenarios map[string]int
	drift     map[Drift]int
	codes     map[string]bool // the distinct error codes counted by name (see MaxCodes)
	// The counts when the report was last cleared; the report shows what came since.
	clearedAnswers   map[Answer]int
	clearedScenarios map[string]int
	clearedDrift     map[Drift]int
}

// Drift is one way an exchange through lsmock proxy broke the contract.
type Drift struct {
	Operation string // "" for a path no operation has
	Problem   string
}

// maxDrifts bounds the distinct drifts counted; a server that drifts in more ways than this
// has said enough.
const maxDrifts = 1000

// MaxCodes bounds the distinct error codes counted by name, and so the label sets of the
// coverage report and the metrics: through lsmock proxy the target may answer ever new codes.
// A code beyond them, or longer than maxCodeLength, is counted as OtherCode.
const MaxCodes = 500

// maxCodeLength is longer than any code the vendor documents.
const maxCodeLength = 64

// OtherCode is what the codes beyond MaxCodes are counted as.
const OtherCode = "(other)"

// NewCoverage returns empty counters.
func NewCoverage() *Coverage {
	return &Coverage{answers: map[Answer]int{}, scenarios: map[string]int{}, drift: map[Drift]int{}, codes: map[string]bool{},
		clearedAnswers: map[Answer]int{}, clearedScenarios: map[string]int{}, clearedDrift: map[Drift]int{}}
}

// RecordDrift counts one contract problem of an exchange through lsmock proxy.
func (c *Coverage) RecordDrift(d Drift) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, seen := c.drift[d]; seen || len(c.drift) < maxDrifts {
		c.drift[d]++
	}
}

// DriftSnapshot is the drift counted since the last Clear.
func (c *Coverage) DriftSnapshot() map[Drift]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[Drift]int{}
	for d, n := range c.drift {
		if n -= c.clearedDrift[d]; n > 0 {
			out[d] = n
		}
	}
	return out
}

// Record counts one answer of operation, and the scenario that gave it.
func (c *Coverage) Record(operation string, status int, code, scenario string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.answers[Answer{operation, status, c.fold(code)}]++
	if scenario != "" {
		c.scenarios[scenario]++
	}
}

// fold is code as it is counted: by name while there are fewer than MaxCodes, else as
// OtherCode. The caller holds c.mu.
func (c *Coverage) fold(code string) string {
	if code == "" || c.codes[code] {
		return code
	}
	if len(code) > maxCodeLength || len(c.codes) >= MaxCodes {
		return OtherCode
	}
	c.codes[code] = true
	return code
}

// Snapshot is the report's view: per operation (unrouted requests left out), the statuses
// and error codes produced, and the scenarios that answered, since the last Clear.
func (c *Coverage) Snapshot() (statuses map[string]map[int]int, codes map[string]map[string]int, scenarios map[string]int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	statuses, codes, scenarios = map[string]map[int]int{}, map[string]map[string]int{}, map[string]int{}
	for a, n := range c.answers {
		n -= c.clearedAnswers[a]
		if a.Operation == "" || n == 0 {
			continue
		}
		if statuses[a.Operation] == nil {
			statuses[a.Operation], codes[a.Operation] = map[int]int{}, map[string]int{}
		}
		if a.Status > 0 {
			statuses[a.Operation][a.Status] += n
		}
		if a.Code != "" {
			codes[a.Operation][a.Code] += n
		}
	}
	for s, n := range c.scenarios {
		if n -= c.clearedScenarios[s]; n > 0 {
			scenarios[s] = n
		}
	}
	return statuses, codes, scenarios
}

// Totals are every answer since start, unrouted ones included, for the metrics.
func (c *Coverage) Totals() map[Answer]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[Answer]int, len(c.answers))
	for a, n := range c.answers {
		out[a] = n
	}
	return out
}

// Clear starts the report afresh; the totals go on.
func (c *Coverage) Clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for a, n := range c.answers {
		c.clearedAnswers[a] = n
	}
	for s, n := range c.scenarios {
		c.clearedScenarios[s] = n
	}
	for d, n := range c.drift {
		c.clearedDrift[d] = n
	}
}
