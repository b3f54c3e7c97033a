// Package match picks the scenario that answers a valid request: among the scenarios whose
// conditions all hold, the highest priority wins, then the first in file order; the
// operation's default answers when none does.
//
// Equality conditions are indexed at load, so a request costs a few map lookups however many
// scenarios script the operation; only regex, presence and absence conditions are scanned.
package match

import (
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/lsmock/lsmock/internal/scenario"
	"github.com/lsmock/lsmock/internal/spec"
)

// Request is what conditions can look at.
type Request struct {
	Body   any // the decoded JSON body; nil when there is none
	Header http.Header
	Query  url.Values
	APIKey string
}

// Matcher holds the per-operation indexes built from a scenario set.
type Matcher struct {
	ops map[*spec.Operation]*opIndex
}

type opIndex struct {
	// indexed maps a condition target to value keys to the scenarios whose first
	// equality condition is on that target with that value.
	indexed map[string]map[string][]*scenario.Scenario // by targetKey.id, then value key
	targets []targetKey                                // the indexed targets, read once per request
	scan    []*scenario.Scenario
	def     *scenario.Scenario
	all     []*scenario.Scenario // every scenario with conditions, for near misses
}

// targetKey names one place in a request.
type targetKey struct {
	id     string // "b:username", "h:X-Foo", "q:x", "k:"
	target scenario.Target
	name   string
	path   []string
}

func newTargetKey(c *scenario.Condition) targetKey {
	return targetKey{id: targetID(c), target: c.Target, name: c.Name, path: c.Path}
}

func targetID(c *scenario.Condition) string {
	switch c.Target {
	case scenario.TargetBody:
		return "b:" + strings.Join(c.Path, "\x00")
	case scenario.TargetHeader:
		return "h:" + c.Name
	case scenario.TargetQuery:
		return "q:" + c.Name
	default:
		return "k:"
	}
}

// New indexes every scenario of set by operation.
func New(set *scenario.Set) *Matcher {
	m := &Matcher{ops: map[*spec.Operation]*opIndex{}}
	for _, sc := range set.Scenarios {
		idx := m.ops[sc.Operation]
		if idx == nil {
			idx = &opIndex{indexed: map[string]map[string][]*scenario.Scenario{}}
			m.ops[sc.Operation] = idx
		}
		if sc.Default {
			idx.def = sc
			continue
		}
		if len(sc.Match) == 0 {
			continue // selected by name only
		}
		idx.all = append(idx.all, sc)
		eq := firstEquality(sc)
		if eq == nil {
			idx.scan = append(idx.scan, sc)
			continue
		}
		tk := newTargetKey(eq)
		bucket, ok := idx.indexed[tk.id]
		if !ok {
			bucket = map[string][]*scenario.Scenario{}
			idx.indexed[tk.id] = bucket
			idx.targets = append(idx.targets, tk)
		}
		for _, k := range eq.Keys {
			bucket[k] = append(bucket[k], sc)
		}
	}
	for _, idx := range m.ops {
		sort.SliceStable(idx.scan, func(i, j int) bool { return better(idx.scan[i], idx.scan[j]) })
		for _, b := range idx.indexed {
			for k, list := range b {
				sort.SliceStable(list, func(i, j int) bool { return better(list[i], list[j]) })
				b[k] = list
			}
		}
	}
	return m
}

func firstEquality(sc *scenario.Scenario) *scenario.Condition {
	for i := range sc.Match {
		if c := &sc.Match[i]; c.Op == scenario.OpEquals || c.Op == scenario.OpOneOf {
			return c
		}
	}
	return nil
}

// better orders scenarios: higher priority first, then earlier in the files.
func better(a, b *scenario.Scenario) bool { return order(a, b) < 0 }

func order(a, b *scenario.Scenario) int {
	if a.Priority != b.Priority {
		return b.Priority - a.Priority
	}
	return a.Order - b.Order
}

// Default returns the operation's default scenario, or nil when the spec's own success
// response is the default.
func (m *Matcher) Default(op *spec.Operation) *scenario.Scenario {
	if idx := m.ops[op]; idx != nil {
		return idx.def
	}
	return nil
}

// Candidates appends to buf the scenarios of op whose conditions all hold for req, best
// first, and returns it. Whoever answers takes the first a session has not used up.
func (m *Matcher) Candidates(op *spec.Operation, req *Request, buf []*scenario.Scenario) []*scenario.Scenario {
	idx := m.ops[op]
	if idx == nil {
		return buf
	}
	holding := buf
	for _, tk := range idx.targets {
		v, ok := lookup(tk.target, tk.name, tk.path, req)
		if !ok {
			continue
		}
		for _, sc := range idx.indexed[tk.id][scenario.ValueKey(v)] {
			if Holds(sc, req) {
				holding = append(holding, sc)
			}
		}
	}
	for _, sc := range idx.scan {
		if Holds(sc, req) {
			holding = append(holding, sc)
		}
	}
	slices.SortStableFunc(holding, order)
	return holding
}

// Holds reports whether every condition of sc holds for req.
func Holds(sc *scenario.Scenario, req *Request) bool {
	for i := range sc.Match {
		if !ConditionHolds(&sc.Match[i], req) {
			return false
		}
	}
	return true
}

// ConditionHolds tests one condition.
func ConditionHolds(c *scenario.Condition, req *Request) bool {
	v, ok := lookup(c.Target, c.Name, c.Path, req)
	switch c.Op {
	case scenario.OpPresent:
		return ok
	case scenario.OpAbsent:
		return !ok
	case scenario.OpRegex:
		if !ok {
			return false
		}
		s, isString := v.(string)
		return isString && c.Regex.MatchString(s)
	default: // equals, one_of
		if !ok {
			return false
		}
		key := scenario.ValueKey(v)
		for _, k := range c.Keys {
			if k == key {
				return true
			}
		}
		return false
	}
}

// lookup reads a request value: a body field (any JSON value), or a header, query
// parameter or API key (strings).
func lookup(target scenario.Target, name string, path []string, req *Request) (any, bool) {
	switch target {
	case scenario.TargetBody:
		cur := req.Body
		for _, seg := range path {
			switch node := cur.(type) {
			case map[string]any:
				next, ok := node[seg]
				if !ok {
					return nil, false
				}
				cur = next
			case []any:
				i, ok := index(seg, len(node))
				if !ok {
					return nil, false
				}
				cur = node[i]
			default:
				return nil, false
			}
		}
		return cur, true
	case scenario.TargetHeader:
		vals := req.Header[name]
		if len(vals) == 0 {
			return nil, false
		}
		return vals[0], true
	case scenario.TargetQuery:
		vals, ok := req.Query[name]
		if !ok || len(vals) == 0 {
			return nil, false
		}
		return vals[0], true
	default:
		if req.APIKey == "" {
			return nil, false
		}
		return req.APIKey, true
	}
}

func index(seg string, n int) (int, bool) {
	i := 0
	if seg == "" {
		return 0, false
	}
	for _, r := range seg {
		if r < '0' || r > '9' {
			return 0, false
		}
		i = i*10 + int(r-'0')
		if i >= n {
			return 0, false
		}
	}
	return i, true
}

// NearMiss is a scenario whose conditions did not all hold.
type NearMiss struct {
	Scenario *scenario.Scenario
	Held     int
	Failed   *scenario.Condition // the first condition that did not hold
}

// maxNearMissScan bounds the work of explaining a miss: an operation scripted by more
// scenarios than this gets no near misses rather than a slow request.
const maxNearMissScan = 256

// NearMisses returns up to limit scenarios of op that req almost matched, most conditions
// held first. It is for the journal: explaining why nothing matched.
func (m *Matcher) NearMisses(op *spec.Operation, req *Request, limit int) []NearMiss {
	idx := m.ops[op]
	if idx == nil || len(idx.all) == 0 || len(idx.all) > maxNearMissScan {
		return nil
	}
	var out []NearMiss
	for _, sc := range idx.all {
		nm := NearMiss{Scenario: sc}
		for i := range sc.Match {
			if ConditionHolds(&sc.Match[i], req) {
				nm.Held++
			} else if nm.Failed == nil {
				nm.Failed = &sc.Match[i]
			}
		}
		if nm.Failed != nil {
			out = append(out, nm)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		fi := float64(out[i].Held) / float64(len(out[i].Scenario.Match))
		fj := float64(out[j].Held) / float64(len(out[j].Scenario.Match))
		return fi > fj
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}
